//! `# docket: allow CODE`: a silenced warning leaves text output, the counts and GitHub
//! annotations, and stays in JSON (`"suppressed": true`) and SARIF (an `inSource` suppression).

use serde_json::Value;
use std::process::Command;

fn docket(args: &[&str]) -> (String, String, i32) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_docket")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

const ALLOWED: &str = "tests/cases/check/allow_a_warning_on_its_line.policy";

#[test]
fn json_reports_a_silenced_warning_as_suppressed_and_others_as_not() {
    let (out, _, code) = docket(&["check", "--format", "json", ALLOWED, "tests/cases/check/unused_field.policy"]);
    assert_eq!(code, 0);
    let value: Value = serde_json::from_str(&out).unwrap();
    let items = value.as_array().unwrap();
    assert_eq!(items.len(), 2, "{out}");
    assert_eq!((&items[0]["code"], &items[0]["suppressed"]), (&"W002".into(), &true.into()));
    assert_eq!((&items[1]["code"], &items[1]["suppressed"]), (&"W001".into(), &false.into()));
}

#[test]
fn sarif_marks_a_silenced_warning_with_an_in_source_suppression() {
    let (out, _, code) = docket(&["check", "--format", "sarif", ALLOWED]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&out).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "W002");
    assert_eq!(results[0]["suppressions"], serde_json::json!([{"kind": "inSource"}]));
    let (out, _, _) = docket(&["check", "--format", "sarif", "tests/cases/check/unused_role.policy"]);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert!(log["runs"][0]["results"][0].get("suppressions").is_none(), "{log}");
}

#[test]
fn a_silenced_warning_neither_fails_deny_warnings_nor_becomes_an_annotation() {
    let (out, _, code) = docket(&["check", "--deny-warnings", ALLOWED]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "0 error(s), 0 warning(s) in 1 file (1 silenced by `# docket: allow`)\n");
    let (out, _, code) = docket(&["check", "--format", "github", "--deny-warnings", ALLOWED]);
    assert_eq!((out.as_str(), code), ("", 0));
}

#[test]
fn an_allow_for_a_holiday_horizon_waits_for_check_now() {
    let dir = std::env::temp_dir().join(format!("docket-allow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string("policies/ebay_inr.policy").unwrap();
    let holidays = "holidays \"../calendars/uk-england-wales.toml\"";
    assert!(text.contains(holidays));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("calendars");
    let absolute = format!("holidays \"{}/uk-england-wales.toml\"", path.display());
    let file = dir.join("ebay.policy");
    std::fs::write(&file, text.replacen(holidays, &format!("{absolute}  # docket: allow W004"), 1)).unwrap();
    let file = file.display().to_string();
    // Without --now W004 is not looked for, and the allow is not reported as silencing nothing.
    let (out, _, code) = docket(&["check", "--deny-warnings", &file]);
    assert_eq!((out.as_str(), code), ("0 error(s), 0 warning(s) in 1 file\n", 0));
    let (out, _, code) = docket(&["check", "--deny-warnings", "--now", "2030-06-01T00:00:00Z", &file]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "0 error(s), 0 warning(s) in 1 file (1 silenced by `# docket: allow`)\n");
    std::fs::remove_dir_all(&dir).unwrap();
}
