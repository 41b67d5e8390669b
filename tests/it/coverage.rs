//! `docket test --coverage`, `--coverage-json FILE` and `--min-coverage PERCENT`: what the
//! scenarios exercised of each policy, as the engine recorded it while they ran.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

/// A temporary directory, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("docket-coverage-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A scenario of one AliExpress dispute, opened and left alone for a day.
fn one_case(dir: &Dir) -> String {
    let policy = std::fs::canonicalize("policies/aliexpress.policy").unwrap();
    let text = format!(
        "policy = {:?}\n[[events]]\ncase = \"A\"\nat = \"2026-03-01T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\nreason = \"damaged\"\namount = \"25.00\"\norder_total = \"40.00\"\n\n[[expect]]\nat = \"2026-03-02T09:00:00Z\"\nstatus = \"dispute_open.awaiting_seller\"\n",
        policy.display().to_string()
    );
    let path = dir.file("one.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn coverage_records_only_what_the_scenario_ran() {
    let dir = Dir::new("one");
    let scenario = one_case(&dir);
    let json = dir.file("coverage.json");
    let (out, err, code) = docket(&["test", &scenario, "--coverage-json", &json]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("coverage of"), "--coverage-json alone prints no text: {out}");
    let all = read_json(&json);
    let c = &all["policies"][0];
    assert_eq!(all["policies"].as_array().unwrap().len(), 1);
    assert_eq!(c["policy"], "policies/aliexpress.policy", "named from the working directory");
    assert_eq!((c["scenarios"].as_u64(), c["version"].as_str()), (Some(1), Some("2026.11")));
    // Entered: the initial status, then the dispute and its initial child. The report's pending
    // deadlines are worked out by stepping a copy to where seller_response would take the case,
    // which is not coverage: `refunding` was never entered.
    assert_eq!((&c["statuses"]["covered"], &c["statuses"]["total"]), (&Value::from(3), &Value::from(16)));
    let missing: Vec<&str> =
        c["statuses"]["missing"].as_array().unwrap().iter().map(|m| m["what"].as_str().unwrap()).collect();
    assert!(missing.contains(&"refunding") && missing.contains(&"refunding.waiting"), "{missing:?}");
    assert!(!missing.contains(&"dispute_open.awaiting_seller"));
    assert_eq!(
        (&c["rules"]["covered"], &c["timers"]["covered"], &c["sla"]["covered"]),
        (&Value::from(1), &Value::from(0), &Value::from(0))
    );
    assert_eq!(c["covered"], 4);
    assert_eq!(c["total"], 60);
    assert_eq!(c["percent"], 6.6);
    let only_true = &c["guards"]["only_true"];
    assert_eq!(only_true[0]["line"], 62, "{only_true}");
    assert_eq!(only_true[0]["what"], "buyer open when amount >= 0 and amount <= order_total -> dispute_open { ... }");
    assert_eq!(c["not_armed"], serde_json::json!(["escalation_opens"]));
    // R3 is cited by the open rule (in the comment above it) and the status it enters.
    let r3 = c["rule_numbers"].as_array().unwrap().iter().find(|r| r["rule"] == "R3").unwrap();
    assert_eq!((&r3["covered"], &r3["total"]), (&Value::from(2), &Value::from(2)));
    let r4 = c["rule_numbers"].as_array().unwrap().iter().find(|r| r["rule"] == "R4").unwrap();
    assert_eq!((&r4["covered"], &r4["total"]), (&Value::from(0), &Value::from(2)));
    let unmeasured: Vec<&str> =
        c["unmeasured"].as_array().unwrap().iter().map(|u| u["rule"].as_str().unwrap()).collect();
    assert_eq!(unmeasured, ["R2", "R17", "R24"]);
}

#[test]
fn min_coverage_fails_below_the_percentage_and_says_why() {
    let dir = Dir::new("min");
    let scenario = one_case(&dir);
    let (out, err, code) = docket(&["test", &scenario, "--min-coverage", "50"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "the scenario itself passed: {out}");
    assert!(err.starts_with("docket: coverage of "), "{err}");
    assert!(err.ends_with("aliexpress.policy is 6.6% (4 of 60 items), below --min-coverage 50\n"), "{err}");
    let (_, _, code) = docket(&["test", &scenario, "--min-coverage", "6.6"]);
    assert_eq!(code, 0);
    let (_, err, code) = docket(&["test", &scenario, "--min-coverage", "120"]);
    assert_eq!(code, 2);
    assert!(err.contains("--min-coverage 120 is not a percentage from 0 to 100"), "{err}");
}

#[test]
fn the_text_report_comes_before_the_count_and_on_stderr_for_junit() {
    let dir = Dir::new("text");
    let scenario = one_case(&dir);
    let (out, _, _) = docket(&["test", &scenario, "--coverage"]);
    let at = out.find("\ncoverage of ").expect("a coverage report");
    assert!(out[at..].contains("  statuses entered        3 of 16\n"), "{out}");
    assert!(out[at..].contains("    not covered: line 142: refunding\n"), "{out}");
    assert!(out.ends_with("\n1 passed, 0 failed\n"), "{out}");
    let (xml, err, _) = docket(&["test", &scenario, "--coverage", "--format", "junit"]);
    assert!(!xml.contains("coverage of"), "{xml}");
    assert!(err.starts_with("coverage of ") && err.ends_with("1 passed, 0 failed\n"), "{err}");
}

#[test]
fn the_marketplace_scenarios_cover_every_status_rule_timer_and_sla() {
    let dir = Dir::new("bundled");
    let json = dir.file("coverage.json");
    let (out, err, code) = docket(&[
        "test",
        "tests/scenarios/aliexpress",
        "tests/scenarios/ebay_inr",
        "tests/scenarios/stripe_chargeback",
        "--coverage-json",
        &json,
        "--min-coverage",
        "100",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let all = read_json(&json);
    let names: Vec<&str> = all["policies"].as_array().unwrap().iter().map(|p| p["policy"].as_str().unwrap()).collect();
    assert_eq!(names, ["policies/aliexpress.policy", "policies/ebay_inr.policy", "policies/stripe_chargeback.policy"]);
    for p in all["policies"].as_array().unwrap() {
        assert_eq!(p["percent"], 100.0, "{}", p["policy"]);
        for r in p["rule_numbers"].as_array().unwrap() {
            assert_eq!(r["covered"], r["total"], "{} {}", p["policy"], r["rule"]);
        }
    }
}

#[test]
fn the_readme_coverage_example_is_what_docket_test_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("```text\ncoverage of policies/aliexpress.policy").unwrap() + 8;
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    let (out, err, code) = docket(&["test", "tests/scenarios/aliexpress", "--coverage"]);
    assert_eq!(code, 0, "{err}");
    // From the report's first line to the `N passed, N failed` line, which is not part of it.
    let end = out.trim_end().rfind('\n').unwrap() + 1;
    let printed = &out[out.find("coverage of ").unwrap()..end];
    assert_eq!(shown, printed);
}
