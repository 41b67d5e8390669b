//! `docket eval --fail-on`: exit 1 only for the kinds of problem listed, with one line on stderr
//! saying why; without it, exactly the exit codes and output of before.

use std::process::Command;

const POLICY: &str = "policies/aliexpress.policy";
/// 7 rejected events, 1 malformed line, no stuck case.
const MESSY: &str = "examples/messy.jsonl";

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

/// `docket eval --summary` on the messy log; stderr without the malformed line's notice, which
/// every run that reads the log prints first, whatever `--fail-on` says.
fn eval(extra: &[&str]) -> (String, String, i32) {
    let mut args = vec!["eval", POLICY, MESSY, "--summary"];
    args.extend(extra);
    let (out, err, code) = docket(&args);
    let notice = format!("{MESSY}:196: malformed line skipped: an event must be a JSON object\n");
    // A usage error stops before the log is read.
    let rest = match err.strip_prefix(&notice) {
        Some(rest) => rest,
        None if code == 2 => &err,
        None => panic!("no notice first: {err}"),
    };
    (out, rest.to_string(), code)
}

#[test]
fn the_default_is_any_kind_and_prints_no_reason() {
    let (out, err, code) = eval(&[]);
    assert_eq!((code, err.as_str()), (1, ""));
    assert!(out.contains("rejected 7, malformed 1"), "{out}");
    // `any` fails the same way, and says why.
    let (any_out, err, code) = eval(&["--fail-on", "any"]);
    assert_eq!((code, any_out), (1, out));
    assert_eq!(err, "docket: failing because 7 events were rejected and 1 log line was malformed (--fail-on any)\n");
    // A clean log passes with or without it.
    assert_eq!(docket(&["eval", POLICY, "examples/cases.jsonl", "--summary"]).2, 0);
    assert_eq!(docket(&["eval", POLICY, "examples/cases.jsonl", "--summary", "--fail-on", "any"]).2, 0);
}

#[test]
fn only_the_listed_kinds_fail() {
    let (_, err, code) = eval(&["--fail-on", "rejected"]);
    assert_eq!(code, 1);
    assert_eq!(err, "docket: failing because 7 events were rejected (--fail-on rejected)\n");
    let (_, err, code) = eval(&["--fail-on", "malformed"]);
    assert_eq!((code, err.as_str()), (1, "docket: failing because 1 log line was malformed (--fail-on malformed)\n"));
    // The log has no stuck case: nothing listed happened.
    let (out, err, code) = eval(&["--fail-on", "stuck"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.contains("rejected 7"), "the report is the same: {out}");
    let (_, err, code) = eval(&["--fail-on", "never"]);
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn kinds_are_comma_separated_or_repeated() {
    let expected = "docket: failing because 7 events were rejected and 1 log line was malformed (--fail-on stuck,malformed,rejected)\n";
    let (_, err, code) = eval(&["--fail-on", "stuck,malformed,rejected"]);
    assert_eq!((code, err.as_str()), (1, expected));
    let (_, err, code) = eval(&["--fail-on", "stuck", "--fail-on", "malformed", "--fail-on=rejected"]);
    assert_eq!((code, err.as_str()), (1, expected));
}

#[test]
fn a_stuck_case_fails_only_when_stuck_is_listed() {
    let dir = "tests/scenarios/semantics";
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "eval".to_string(),
            format!("{dir}/timer_loop.policy"),
            format!("{dir}/timers_that_never_settle_stop_the_case.toml"),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&'static str]| {
        let a = args(extra);
        docket(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert_eq!(run(&[]).2, 1);
    let (_, err, code) = run(&["--fail-on", "stuck"]);
    assert_eq!(code, 1);
    assert_eq!(err, "docket: failing because 1 case was stuck on a policy error (--fail-on stuck)\n");
    assert_eq!(run(&["--fail-on", "rejected,malformed"]).2, 0);
}

#[test]
fn bad_lists_are_usage_errors() {
    let (out, err, code) = eval(&["--fail-on", "rejectd"]);
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(err.contains("invalid value 'rejectd' for '--fail-on <KINDS>'"), "{err}");
    assert!(err.contains("[possible values: rejected, malformed, stuck, any, never]"), "{err}");
    let (out, err, code) = eval(&["--fail-on", "never,rejected"]);
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(err.contains("--fail-on never cannot be combined with other kinds"), "{err}");
}
