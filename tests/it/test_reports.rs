//! `docket test` reports: each failure at its `file:line`, `--format json` (one object per
//! scenario per line), the JUnit testcase's `file`, `line` and `time`, and where each
//! `[[expect]]` stands in its file.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

/// A temporary directory of scenario files, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("docket-test-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Dir(dir)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A scenario of one AliExpress case, opened at 09:00, then the given expectations.
fn scenario(expectations: &str) -> String {
    let policy = std::fs::canonicalize("policies/aliexpress.policy").unwrap();
    format!(
        "description = \"\"\"a damaged item\n[[expect]] in a string is not one\"\"\"\npolicy = {:?}\n# [[expect]] in a comment is not one\n\n\n\n[[events]]\ncase = \"A\"\nat = \"2026-03-01T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\nreason = \"damaged\"\namount = \"25.00\"\norder_total = \"40.00\"\n{expectations}",
        policy.display().to_string()
    )
}

/// Line 17 holds the first `[[expect]]` of `scenario(TWO)`, line 20 the second.
const TWO: &str = "\n[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n\n[[expect]]\nat = 2026-03-20T00:00:00Z\nstatus = \"released\"\n";

#[test]
fn expect_lines_come_from_the_toml_not_from_comments_or_strings() {
    let text = scenario(TWO);
    assert_eq!(text.lines().nth(16), Some("[[expect]]"));
    assert_eq!(text.lines().nth(19), Some("[[expect]]"));
    assert_eq!(docket::scenario::expect_lines(&text), [17, 20]);
    let text = "policy = 'p'\ns = '''\n[[expect]]\n'''\n  [[ expect ]]  # spaced\nstatus = 'a'\n[expect.fields]\nx = 1\n[[expect]]\n";
    assert_eq!(docket::scenario::expect_lines(text), [5, 9]);
    let inline = "policy = 'p'\nexpect = [\n  {status = 'a'},\n\n  {status = 'b'},\n]\n";
    assert_eq!(docket::scenario::expect_lines(inline), [3, 5]);
    assert_eq!(docket::scenario::expect_lines("not = [toml"), Vec::<usize>::new());
}

#[test]
fn a_text_failure_names_the_file_and_line_of_its_expectation() {
    let dir = Dir::new("text", &[("two.toml", &scenario(TWO))]);
    let (out, _, code) = docket(&["test", dir.path()]);
    assert_eq!(code, 1);
    let file = dir.file("two.toml");
    assert!(out.contains(&format!("\n  {file}:20: [[expect]] #2 (case A at 2026-03-20T00:00:00Z):\n")), "{out}");
    assert!(!out.contains(&format!("{file}:17")), "the first expectation holds: {out}");
}

#[test]
fn json_has_one_object_per_scenario_with_each_expectation() {
    let good = scenario("\n[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n");
    let dir = Dir::new("json", &[("a_two.toml", &scenario(TWO)), ("b_good.toml", &good), ("c_bad.toml", "policy = [")]);
    let (out, err, code) = docket(&["test", dir.path(), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err, "1 passed, 2 failed\n");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{out}");
    for line in &lines {
        let keys: Vec<&str> = line.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["file", "description", "passed", "time", "expectations", "error"]);
        let time = line["time"].as_f64().unwrap();
        assert!((0.0..60.0).contains(&time), "{time}");
    }
    let two = &lines[0];
    assert_eq!(two["file"], dir.file("a_two.toml"));
    assert_eq!(two["description"], "a damaged item\n[[expect]] in a string is not one");
    assert_eq!(two["passed"], false);
    assert_eq!(two["error"], Value::Null);
    let expectations = two["expectations"].as_array().unwrap();
    assert_eq!(
        expectations[0],
        serde_json::json!({"index": 1, "line": 17, "passed": true, "case": "A", "at": null, "diff": null, "note": null})
    );
    let second = expectations[1].as_object().unwrap();
    let keys: Vec<&str> = second.keys().map(String::as_str).collect();
    assert_eq!(keys, ["index", "line", "passed", "case", "at", "diff", "note"]);
    assert_eq!(
        (&second["index"], &second["line"], &second["passed"], &second["case"], &second["at"]),
        (
            &serde_json::json!(2),
            &serde_json::json!(20),
            &Value::Bool(false),
            &serde_json::json!("A"),
            &serde_json::json!("2026-03-20T00:00:00Z")
        )
    );
    let diff = second["diff"].as_str().unwrap();
    assert!(diff.starts_with("--- expected\n+++ actual\n"), "{diff}");
    assert!(diff.contains("\n-  \"status\": \"released\"\n+  \"status\": \"refunding.waiting\"\n"), "{diff}");
    assert_eq!(lines[1]["passed"], true);
    assert_eq!(lines[1]["expectations"][0]["line"], 17);
    let bad = &lines[2];
    assert_eq!((&bad["passed"], &bad["expectations"]), (&Value::Bool(false), &serde_json::json!([])));
    assert!(bad["error"].as_str().unwrap().contains("TOML parse error"), "{bad}");
}

#[test]
fn an_expectation_without_a_case_names_the_only_case_by_then() {
    let b = "[[events]]\ncase = \"B\"\nat = \"2026-03-10T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\nreason = \"damaged\"\namount = \"5.00\"\norder_total = \"5.00\"\n";
    let expectations = "[[expect]]\nat = 2026-03-02T00:00:00Z\nstatus = \"dispute_open.awaiting_seller\"\n\n[[expect]]\ncase = \"B\"\nstatus = \"dispute_open.awaiting_seller\"\n";
    let dir = Dir::new("cases", &[("s.toml", &scenario(&format!("{b}{expectations}")))]);
    let (out, err, code) = docket(&["test", dir.path(), "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let line: Value = serde_json::from_str(out.trim()).unwrap();
    let cases: Vec<&Value> = line["expectations"].as_array().unwrap().iter().map(|e| &e["case"]).collect();
    // By 2026-03-02 only A has begun, so the first expectation, which names no case, is A's.
    assert_eq!(cases, ["A", "B"], "{line}");
}

#[test]
fn junit_testcases_have_file_line_and_time() {
    let good = scenario("\n[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n");
    let dir = Dir::new("junit", &[("a_two.toml", &scenario(TWO)), ("b_good.toml", &good)]);
    let (xml, _, code) = docket(&["test", dir.path(), "--format", "junit"]);
    assert_eq!(code, 1);
    let testcases: Vec<&str> = xml.lines().filter(|l| l.trim_start().starts_with("<testcase ")).collect();
    assert_eq!(testcases.len(), 2, "{xml}");
    let attr = |tag: &str, name: &str| -> String {
        let start = tag.find(&format!(" {name}=\"")).unwrap_or_else(|| panic!("no {name} in {tag}")) + name.len() + 3;
        tag[start..start + tag[start..].find('"').unwrap()].to_string()
    };
    // The failing scenario points at its first failing expectation; the passing one at its first.
    assert_eq!(attr(testcases[0], "file"), dir.file("a_two.toml"));
    assert_eq!(attr(testcases[0], "line"), "20");
    assert_eq!(attr(testcases[1], "file"), dir.file("b_good.toml"));
    assert_eq!(attr(testcases[1], "line"), "17");
    for tc in &testcases {
        let time: f64 = attr(tc, "time").parse().unwrap();
        assert!((0.0..60.0).contains(&time), "{tc}");
    }
    assert!(xml.contains(&format!("{}:20: [[expect]] #2", dir.file("a_two.toml"))), "{xml}");
}

// ---- --filter and the recap ----

/// Three scenarios: two failing (one at line 20, one that does not parse) and one passing.
fn three() -> Dir {
    let good = scenario("\n[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n");
    Dir::new(
        "filter",
        &[("aliexpress/two.toml", &scenario(TWO)), ("aliexpress/good.toml", &good), ("other/bad.toml", "policy = [")],
    )
}

#[test]
fn filter_runs_only_the_scenarios_whose_path_contains_a_text() {
    let dir = three();
    let (out, _, code) = docket(&["test", dir.path(), "--filter", "good"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, format!("ok      {}\n1 passed, 0 failed\n", dir.file("aliexpress/good.toml")));
    // Repeatable: a scenario runs when any of the texts is in its path.
    let (out, _, code) = docket(&["test", dir.path(), "--filter", "good", "--filter", "other/"]);
    assert_eq!(code, 1);
    assert!(out.ends_with("1 passed, 1 failed\n"), "{out}");
    assert!(!out.contains("two.toml"), "{out}");
    // Directory names count: the path is matched, not the file name alone.
    let (out, _, _) = docket(&["test", dir.path(), "--filter", "aliexpress/", "--format", "json"]);
    assert_eq!(out.lines().count(), 2, "{out}");
    let (xml, _, _) = docket(&["test", dir.path(), "--filter", "bad", "--format", "junit"]);
    assert!(xml.contains("tests=\"1\""), "{xml}");
}

#[test]
fn a_filter_that_matches_nothing_is_a_usage_error() {
    let dir = three();
    let (out, err, code) = docket(&["test", dir.path(), "--filter", "nothing", "--filter", "nor-this"]);
    assert_eq!((out.as_str(), code), ("", 2));
    assert_eq!(err, "error: no scenario file's path contains `nothing` or `nor-this` (of 3 found)\n");
}

#[test]
fn the_text_report_ends_with_a_recap_of_the_failures_then_the_count() {
    let dir = three();
    let (out, _, code) = docket(&["test", dir.path()]);
    assert_eq!(code, 1);
    let recap = format!(
        "\nfailed:\n  {}:20: [[expect]] #2 (case A at 2026-03-20T00:00:00Z)\n  {}: TOML parse error at line 1, column 11\n\n1 passed, 2 failed\n",
        dir.file("aliexpress/two.toml"),
        dir.file("other/bad.toml")
    );
    assert!(out.ends_with(&recap), "{out}");
    // All passing: no recap.
    let (out, _, _) = docket(&["test", dir.path(), "--filter", "good"]);
    assert!(!out.contains("failed:"), "{out}");
}

#[test]
fn an_error_about_one_expectation_names_its_line() {
    let bad_at = TWO.replace("at = 2026-03-20T00:00:00Z", "at = \"the 20th\"");
    let dir = Dir::new("error-line", &[("s.toml", &scenario(&bad_at))]);
    let file = dir.file("s.toml");
    let (out, _, code) = docket(&["test", dir.path()]);
    assert_eq!(code, 1);
    let error = "[[expect]] #2: `at` is not an RFC 3339 time: `the 20th`";
    assert!(out.starts_with(&format!("ERROR   {file}:20\n  {error}\n")), "{out}");
    assert!(out.ends_with(&format!("\nfailed:\n  {file}:20: {error}\n\n0 passed, 1 failed\n")), "{out}");
    let (xml, _, _) = docket(&["test", dir.path(), "--format", "junit"]);
    assert!(xml.contains(" line=\"20\" "), "{xml}");
}

#[test]
fn junit_output_stays_valid_xml_with_control_characters_in_case_ids() {
    let dir = std::env::temp_dir().join(format!("docket-junit-ctl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = std::fs::canonicalize("policies/aliexpress.policy").unwrap();
    let scenario = format!(
        "policy = \"{}\"\n[[events]]\ncase = \"A\\u001b[31m\"\nat = \"2026-03-01T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\nreason = \"damaged\"\namount = \"1\"\norder_total = \"5\"\n[[expect]]\nstatus = \"refunded\"\n",
        policy.display()
    );
    std::fs::write(dir.join("ctl.toml"), scenario).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["test", dir.to_str().unwrap(), "--format", "junit"])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(!xml.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r'), "{xml:?}");
    assert!(xml.contains("\\u{1b}"), "{xml}");
}
