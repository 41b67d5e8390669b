//! `docket check --format sarif`: the log holds the required properties of the SARIF 2.1.0
//! schema with their types, and what GitHub code scanning needs to show an alert on a line; its
//! results say what `--format json` says. The schema is not fetched (there is no network here):
//! its requirements are written out below.

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

/// Every check case's policy, in sorted order.
fn all_cases() -> Vec<String> {
    let mut paths: Vec<String> = std::fs::read_dir("tests/cases/check")
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_string())
        .filter(|p| p.ends_with(".policy"))
        .collect();
    paths.sort();
    paths
}

fn sarif(files: &[&str]) -> (Value, i32) {
    let mut args = vec!["check", "--format", "sarif"];
    args.extend(files);
    let (out, err, code) = docket(&args);
    (serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}{err}")), code)
}

fn object<'a>(v: &'a Value, what: &str) -> &'a serde_json::Map<String, Value> {
    v.as_object().unwrap_or_else(|| panic!("{what} must be an object: {v}"))
}

fn array<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("{what} must be an array: {v}"))
}

fn string<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str().unwrap_or_else(|| panic!("{what} must be a string: {v}"))
}

/// An integer of at least `min`.
fn integer(v: &Value, what: &str, min: u64) -> u64 {
    let n = v.as_u64().unwrap_or_else(|| panic!("{what} must be a non-negative integer: {v}"));
    assert!(n >= min, "{what} must be at least {min}: {n}");
    n
}

const LEVELS: &[&str] = &["none", "note", "warning", "error"];

/// The schema's required properties and types, and GitHub code scanning's: `runs[].tool.driver.name`,
/// `rules[].id`, and per result a `ruleId`, `message.text` and a location with a relative `uri` and
/// a `region` starting at a line.
fn assert_valid(log: &Value) {
    let top = object(log, "the log");
    assert_eq!(string(&top["$schema"], "$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
    assert_eq!(string(&top["version"], "version"), "2.1.0");
    let runs = array(&top["runs"], "runs");
    assert_eq!(runs.len(), 1);
    let run = object(&runs[0], "a run");
    if let Some(kind) = run.get("columnKind") {
        assert!(["utf16CodeUnits", "unicodeCodePoints"].contains(&string(kind, "columnKind")));
    }
    let driver = object(&object(&run["tool"], "tool")["driver"], "tool.driver");
    assert_eq!(string(&driver["name"], "driver.name"), "docket");
    assert_eq!(string(&driver["version"], "driver.version"), env!("CARGO_PKG_VERSION"));
    assert!(driver.get("informationUri").is_none(), "informationUri must be an absolute URI, so it is left out");
    let rules = array(&driver["rules"], "driver.rules");
    let mut ids = Vec::new();
    for rule in rules {
        let rule = object(rule, "a rule");
        let id = string(&rule["id"], "rule.id");
        let text = string(&object(&rule["shortDescription"], "shortDescription")["text"], "shortDescription.text");
        assert_eq!(Some(text), docket::codes::explain(id), "{id}");
        let level = string(&object(&rule["defaultConfiguration"], "defaultConfiguration")["level"], "level");
        assert!(LEVELS.contains(&level), "{id}: {level}");
        assert_eq!(level, if id.starts_with('W') { "warning" } else { "error" }, "{id}");
        ids.push(id);
    }
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "rules are unique: {ids:?}");
    let mut used = BTreeSet::new();
    for result in array(&run["results"], "results") {
        let result = object(result, "a result");
        let rule_id = string(&result["ruleId"], "ruleId");
        used.insert(rule_id);
        let index = integer(&result["ruleIndex"], "ruleIndex", 0) as usize;
        assert_eq!(ids.get(index), Some(&rule_id), "ruleIndex points at the rule");
        assert!(["warning", "error"].contains(&string(&result["level"], "level")));
        assert!(!string(&object(&result["message"], "message")["text"], "message.text").is_empty());
        let locations = array(&result["locations"], "locations");
        assert_eq!(locations.len(), 1);
        let physical = object(&object(&locations[0], "a location")["physicalLocation"], "physicalLocation");
        let uri = string(&object(&physical["artifactLocation"], "artifactLocation")["uri"], "uri");
        assert!(!uri.starts_with('/') && !uri.contains("://") && !uri.contains('\\'), "a relative path: {uri}");
        let region = object(&physical["region"], "region");
        let start_line = integer(&region["startLine"], "startLine", 1);
        let start_column = integer(&region["startColumn"], "startColumn", 1);
        let end_line = integer(&region["endLine"], "endLine", start_line);
        let end_column = integer(&region["endColumn"], "endColumn", 1);
        if end_line == start_line {
            assert!(end_column >= start_column, "{region:?}");
        }
        for (i, related) in
            result.get("relatedLocations").map_or(&vec![], |r| array(r, "relatedLocations")).iter().enumerate()
        {
            let related = object(related, "a related location");
            assert_eq!(integer(&related["id"], "relatedLocations[].id", 0) as usize, i);
            assert!(!string(&object(&related["message"], "message")["text"], "message.text").is_empty());
            let physical = object(&related["physicalLocation"], "physicalLocation");
            assert!(physical["artifactLocation"]["uri"].is_string());
            integer(&physical["region"]["startLine"], "startLine", 1);
        }
    }
    assert_eq!(used, unique, "the rules are exactly the codes the results use");
}

#[test]
fn sarif_of_every_check_case_is_valid_and_says_what_json_says() {
    let cases = all_cases();
    let files: Vec<&str> = cases.iter().map(String::as_str).collect();
    let (log, code) = sarif(&files);
    assert_valid(&log);
    let mut args = vec!["check", "--format", "json"];
    args.extend(&files);
    let (json, _, json_code) = docket(&args);
    assert_eq!(code, json_code);
    let json: Value = serde_json::from_str(&json).unwrap();
    let json = json.as_array().unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), json.len());
    assert!(results.len() > 50, "the cases hold many problems: {}", results.len());
    for (r, d) in results.iter().zip(json) {
        assert_eq!(r["ruleId"], d["code"]);
        assert_eq!(r["level"], d["severity"]);
        let text = match d["help"].as_str() {
            Some(help) => format!("{} (help: {help})", d["message"].as_str().unwrap()),
            None => d["message"].as_str().unwrap().to_string(),
        };
        assert_eq!(r["message"]["text"], text);
        let location = &r["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], d["file"]);
        let region = &location["region"];
        assert_eq!(
            [&region["startLine"], &region["startColumn"], &region["endLine"], &region["endColumn"]],
            [&d["line"], &d["column"], &d["end_line"], &d["end_column"]],
            "{d}"
        );
        let related = r.get("relatedLocations").cloned().unwrap_or(Value::Array(vec![]));
        let related = related.as_array().unwrap();
        assert_eq!(related.len(), d["related"].as_array().unwrap().len(), "{d}");
        for (s, j) in related.iter().zip(d["related"].as_array().unwrap()) {
            let region = &s["physicalLocation"]["region"];
            assert_eq!(
                [&region["startLine"], &region["startColumn"], &region["endLine"], &region["endColumn"]],
                [&j["line"], &j["column"], &j["end_line"], &j["end_column"]],
                "{d}"
            );
            assert_eq!(s["message"]["text"], j["label"]);
            assert_eq!(s["physicalLocation"]["artifactLocation"]["uri"], j["file"]);
        }
    }
    assert!(results.iter().any(|r| r.get("relatedLocations").is_some()), "some case has a secondary place");
    let warnings = results.iter().filter(|r| r["level"] == "warning").count();
    assert!(warnings > 0 && warnings < results.len(), "errors and warnings both appear");
}

#[test]
fn sarif_for_one_error_names_its_rule_and_place() {
    let (log, code) = sarif(&["tests/cases/check/unknown_status_did_you_mean.policy"]);
    assert_eq!(code, 1);
    assert_valid(&log);
    let run = &log["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"],
        serde_json::json!([{
            "id": "E020",
            "shortDescription": {"text": "a status name does not match any status in scope"},
            "help": {"text": "To fix: name a declared status (the message suggests the closest). For an example and the fix, run `docket codes E020`."},
            "defaultConfiguration": {"level": "error"}
        }])
    );
    assert_eq!(
        run["results"],
        serde_json::json!([{
            "ruleId": "E020",
            "ruleIndex": 0,
            "level": "error",
            "message": {"text": "unknown status `closd` (help: did you mean `closed`?)"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "tests/cases/check/unknown_status_did_you_mean.policy"},
                "region": {"startLine": 12, "startColumn": 18, "endLine": 12, "endColumn": 23}
            }}]
        }])
    );
}

#[test]
fn sarif_points_at_the_rule_an_overlapping_rule_overlaps() {
    let (log, code) = sarif(&["tests/cases/check/overlapping_rules_for_one_action.policy"]);
    assert_eq!(code, 1);
    assert_valid(&log);
    assert_eq!(
        log["runs"][0]["results"][0]["relatedLocations"],
        serde_json::json!([{
            "id": 0,
            "physicalLocation": {
                "artifactLocation": {"uri": "tests/cases/check/overlapping_rules_for_one_action.policy"},
                "region": {"startLine": 16, "startColumn": 3, "endLine": 16, "endColumn": 60}
            },
            "message": {"text": "the earlier rule"}
        }])
    );
}

#[test]
fn sarif_for_clean_policies_has_no_results_and_exit_codes_are_checks() {
    let (log, code) = sarif(&["policies/aliexpress.policy", "policies/ebay_inr.policy"]);
    assert_eq!(code, 0);
    assert_valid(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(log["runs"][0]["tool"]["driver"]["rules"], serde_json::json!([]));
    // A warning alone passes unless warnings are denied, as in every format.
    let (_, code) = sarif(&["tests/cases/check/unused_role.policy"]);
    assert_eq!(code, 0);
    let (out, _, code) =
        docket(&["check", "--format", "sarif", "--deny-warnings", "tests/cases/check/unused_role.policy"]);
    assert_eq!(code, 1);
    assert_valid(&serde_json::from_str(&out).unwrap());
    // An unreadable file beside a readable one: 2, and the readable one is still reported.
    let (out, err, code) =
        docket(&["check", "--format", "sarif", "tests/cases/check/unused_role.policy", "no/such.policy"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read `no/such.policy`"), "{err}");
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_valid(&log);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 1);
}

#[test]
fn sarif_columns_count_characters() {
    let dir = std::env::temp_dir().join(format!("docket-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("wide.policy");
    // `ö` is two bytes: the unknown outcome `closed_oot` spans characters 41 to 51, bytes 42 to 52.
    let text = std::fs::read_to_string("tests/cases/check/unknown_status_did_you_mean.policy").unwrap();
    let line = "terminal status closed \"Closed\" outcome closed_out";
    assert!(text.contains(line));
    std::fs::write(&file, text.replacen(line, "terminal status closed \"Clösed\" outcome closed_oot", 1)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["check", "--format", "sarif", "wide.policy"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let outcome = results.iter().find(|r| r["ruleId"] == "E027").unwrap_or_else(|| panic!("{log:#}"));
    let region = &outcome["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startColumn"].as_u64(), region["endColumn"].as_u64()), (Some(41), Some(51)), "{region}");
    std::fs::remove_dir_all(&dir).unwrap();
}
