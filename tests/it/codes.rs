//! `docket codes`: every code has a page, every page's example really draws its code when checked
//! with `docket check`, and its fix really removes it (the fixed policy checks clean).

use docket::codes::{CODES, DOCS};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn docket_in(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).current_dir(dir).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

fn docket(args: &[&str]) -> (String, String, i32) {
    docket_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// The codes `docket check --format json` reports, silenced ones left out.
fn codes_reported(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["check", "--format", "json", "example.policy"];
    all.extend(args);
    let (out, err, code) = docket_in(dir, &all);
    assert!(code < 2, "{dir:?}: {err}");
    let value: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let mut codes: Vec<String> = value
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["suppressed"] != true)
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    codes.dedup();
    codes
}

#[test]
fn every_code_has_a_page_in_the_order_of_codes_rs() {
    let documented: Vec<&str> = DOCS.iter().map(|d| d.code).collect();
    let listed: Vec<&str> = CODES.iter().map(|(c, _)| *c).collect();
    assert_eq!(documented, listed);
    for doc in DOCS {
        assert!(!doc.about.is_empty() && !doc.fix_note.is_empty(), "{}", doc.code);
        assert!(!doc.fix_note.ends_with('.'), "{}: the fix is a phrase, without a period", doc.code);
        if doc.retired() {
            assert!(doc.example.is_empty() && doc.fix.is_empty(), "{}: a retired code has no example", doc.code);
        } else {
            let changes = !doc.fix.is_empty() || doc.stored != docket::codes::Stored::AsWritten;
            assert!(changes, "{}: the fix changes nothing", doc.code);
        }
    }
}

#[test]
fn every_example_draws_its_code_and_its_fix_removes_it() {
    let root = std::env::temp_dir().join(format!("docket-codes-{}", std::process::id()));
    let mut failures = Vec::new();
    for doc in DOCS.iter().filter(|d| !d.retired()) {
        let dir = root.join(doc.code);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in doc.beside {
            std::fs::write(dir.join(name), text).unwrap();
        }
        std::fs::write(dir.join("example.policy"), doc.example_bytes()).unwrap();
        let codes = codes_reported(&dir, doc.args);
        if codes != [doc.code] {
            failures.push(format!("{}: the example reports {codes:?}", doc.code));
        }
        let fixed = doc.fixed().unwrap_or_else(|| panic!("{}: a replacement's text is not in the example", doc.code));
        for (from, _) in doc.fix {
            assert_eq!(doc.example.matches(from).count(), 1, "{}: `{from}` is not once in the example", doc.code);
        }
        std::fs::write(dir.join("example.policy"), &fixed).unwrap();
        let codes = codes_reported(&dir, doc.args);
        if !codes.is_empty() {
            failures.push(format!("{}: the fixed example still reports {codes:?}", doc.code));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_page_shows_the_meaning_the_example_what_check_says_and_the_fix() {
    let (out, err, code) = docket(&["codes", "E043"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.starts_with("E043 (error): two rules for the same trigger in one status can both apply\n"), "{out}");
    for part in [
        "Example, `example.policy`:\n\n    policy demo \"Demo\"\n",
        "`docket check example.policy` says:\n\n    error[E043]: two rules for `buyer close` can both apply here\n",
        "Fix: make the conditions exclusive",
        "    -  buyer close when amount > 100 -> closed\n    +  else buyer close when amount > 100 -> closed\n",
    ] {
        assert!(out.contains(part), "{part} not in\n{out}");
    }
    // Lower case, and `explain` with a code, are the same page.
    assert_eq!(docket(&["codes", "e043"]).0, out);
    assert_eq!(docket(&["explain", "E043"]).0, out);
}

#[test]
fn a_retired_code_says_what_replaced_it() {
    let (out, _, code) = docket(&["codes", "E044"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("E044 (retired): retired:") && out.contains("W005"), "{out}");
}

#[test]
fn the_list_has_every_code_with_its_severity_and_an_unknown_code_is_a_usage_error() {
    let (out, _, code) = docket(&["codes"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().filter(|l| l.starts_with(['E', 'W'])).count(), CODES.len());
    assert!(out.contains("W005  warning          a timer is declared but never armed or read\n"), "{out}");
    assert!(out.contains("E011  error or warning "), "{out}");
    let (_, err, code) = docket(&["codes", "E099"]);
    assert_eq!(code, 2);
    assert!(err.contains("there is no diagnostic code `E099`"), "{err}");
    let (_, err, code) = docket(&["codes", "W01"]);
    assert_eq!(code, 2);
    assert!(err.contains("`W01`"), "{err}");
}

#[test]
fn json_pages_carry_the_example_and_the_fixed_policy() {
    let (out, _, code) = docket(&["codes", "--format", "json"]);
    assert_eq!(code, 0);
    let all: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(all.as_array().unwrap().len(), CODES.len());
    let (out, _, _) = docket(&["codes", "W001", "--format", "json"]);
    let one: Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = one.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "severity", "summary", "about", "example", "fix", "fixed"]);
    assert_eq!(one["severity"], "warning");
    assert!(!one["fixed"].as_str().unwrap().contains("claim"));
}

#[test]
fn diagnostics_name_their_page_in_json_and_sarif() {
    let case = "tests/cases/check/overlapping_rules_for_one_action.policy";
    let (out, _, _) = docket(&["check", "--format", "json", case]);
    let value: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value[0]["docs"], "docket codes E043");
    let (out, _, _) = docket(&["check", "--format", "sarif", case]);
    let log: Value = serde_json::from_str(&out).unwrap();
    let help = log["runs"][0]["tool"]["driver"]["rules"][0]["help"]["text"].as_str().unwrap();
    assert!(help.starts_with("To fix: make the conditions exclusive"), "{help}");
    assert!(help.ends_with("run `docket codes E043`."), "{help}");
    assert!(!help.contains("://"), "no link: {help}");
}
