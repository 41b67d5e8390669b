//! One discipline for streams and exit codes, verb by verb, as README ("Streams and codes") and
//! `docket --help` state it: stdout carries only the output asked for; diagnostics, errors,
//! confirmations and malformed-line notices (`FILE:LINE: malformed line skipped: ...`) go to
//! stderr; `check` exits 1 on a policy with errors, every other verb 2; a missing file is 2.
//! For each verb: a good run, a policy with an error, a missing file, and where a log is read,
//! a malformed line.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const POLICY: &str = "policies/aliexpress.policy";
const V2: &str = "tests/scenarios/versions/aliexpress_2026_12.policy";
const PLAN: &str = "examples/aliexpress-7d.migration.toml";
const CASES: &str = "examples/cases.jsonl";

/// What one run of `docket` wrote and how it exited.
struct Run {
    out: String,
    err: String,
    code: i32,
}

fn docket(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).stdin(Stdio::null()).output().unwrap();
    Run {
        out: String::from_utf8(out.stdout).unwrap(),
        err: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap(),
    }
}

/// A directory of the files these tests need, removed at the end.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("docket-streams-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let policy = std::fs::read_to_string(POLICY).unwrap();
        std::fs::write(dir.join("good.policy"), &policy).unwrap();
        // Parses, but `docket check` finds an error in it (E020, an unknown status).
        // Of the same length, so its layout stays formatted.
        let broken = policy.replacen("-> refunded ", "-> refundex ", 1);
        assert_ne!(broken, policy);
        std::fs::write(dir.join("broken.policy"), broken).unwrap();
        // A log whose second line is not an event.
        let mut lines: Vec<String> = std::fs::read_to_string(CASES).unwrap().lines().map(str::to_string).collect();
        lines.insert(1, "not json".into());
        std::fs::write(dir.join("messy.jsonl"), lines.join("\n") + "\n").unwrap();
        let mut march: Vec<String> =
            std::fs::read_to_string("examples/march.jsonl").unwrap().lines().map(str::to_string).collect();
        march.insert(1, "{\"case\": \"AE-9\"}".into());
        std::fs::write(dir.join("march.jsonl"), march.join("\n") + "\n").unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.dir.join(name), text).unwrap();
        self.path(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A good run: exit 0, nothing on stderr, the output on stdout.
fn good(run: &Run, what: &str) {
    assert_eq!(run.code, 0, "{what}: {}", run.err);
    assert_eq!(run.err, "", "{what}: stderr should be empty");
    assert!(!run.out.is_empty(), "{what}: no output");
}

/// A verb that cannot run: exit 2, nothing on stdout, the reason (`expected`) on stderr.
fn refused(run: &Run, what: &str, expected: &[&str]) {
    assert_eq!(run.code, 2, "{what}: {}{}", run.out, run.err);
    assert_eq!(run.out, "", "{what}: stdout should be empty; stderr: {}", run.err);
    for e in expected {
        assert!(run.err.contains(e), "{what}: stderr lacks {e:?}:\n{}", run.err);
    }
}

/// A policy with errors stops the verb: its diagnostics on stderr, exit 2.
fn refuses_broken_policy(run: &Run, what: &str) {
    refused(run, what, &["error[E020]: unknown status `refundex`", "broken.policy:"]);
}

/// A missing file stops the verb: exit 2, the file named on stderr.
fn refuses_missing(run: &Run, what: &str) {
    refused(run, what, &["cannot read", "nope"]);
}

/// Each stdout line is JSON (or the whole of it is, `whole`).
fn json(out: &str, whole: bool) {
    if whole {
        serde_json::from_str::<serde_json::Value>(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    } else {
        for line in out.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        }
    }
}

/// A log's malformed line: one notice on stderr naming the file and line, nothing on stdout.
fn notices_malformed(run: &Run, log: &str, line: usize, what: &str) {
    let notice = format!("{log}:{line}: malformed line skipped: ");
    assert_eq!(run.err.matches(&notice).count(), 1, "{what}: stderr:\n{}", run.err);
    assert!(!run.out.contains("malformed line") && !run.out.contains("skipped"), "{what}: stdout:\n{}", run.out);
}

#[test]
fn check_reports_on_stdout_exits_1_on_errors_and_prints_nothing_for_a_missing_file() {
    let s = Scratch::new("check");
    let run = docket(&["check", &s.path("good.policy")]);
    good(&run, "check good");
    assert!(run.out.contains("0 error(s)"), "{}", run.out);
    // Finding problems is check's job: the diagnostics are its report, and it exits 1.
    let run = docket(&["check", &s.path("broken.policy")]);
    assert_eq!((run.code, run.err.as_str()), (1, ""));
    assert!(run.out.contains("error[E020]"), "{}", run.out);
    let run = docket(&["check", "--format", "json", &s.path("broken.policy")]);
    assert_eq!(run.code, 1);
    json(&run.out, true);
    let run = docket(&["check", &s.path("nope.policy")]);
    refuses_missing(&run, "check missing");
}

#[test]
fn table_graph_and_get_refuse_a_policy_with_errors_with_exit_2() {
    let s = Scratch::new("table");
    for verb in
        [&["table"][..], &["table", "--format", "json"], &["graph"], &["graph", "--format", "mermaid"], &["get"]]
    {
        let what = verb.join(" ");
        let with = |file: &str| {
            let mut args = vec![verb[0], file];
            args.extend(&verb[1..]);
            docket(&args)
        };
        good(&with(&s.path("good.policy")), &what);
        refuses_broken_policy(&with(&s.path("broken.policy")), &what);
        refuses_missing(&with(&s.path("nope.policy")), &what);
    }
    let run = docket(&["get", &s.path("good.policy"), "seller_response"]);
    good(&run, "get one");
    assert_eq!(run.out, "5d\n");
    refuses_broken_policy(&docket(&["get", &s.path("broken.policy"), "seller_response"]), "get broken one");
    json(&docket(&["get", &s.path("good.policy"), "--format", "json"]).out, true);
}

#[test]
fn eval_reports_on_stdout_and_malformed_lines_on_stderr_in_every_format() {
    let s = Scratch::new("eval");
    let log = s.path("messy.jsonl");
    good(&docket(&["eval", &s.path("good.policy"), CASES]), "eval good");
    refuses_broken_policy(&docket(&["eval", &s.path("broken.policy"), CASES]), "eval broken");
    refuses_missing(&docket(&["eval", &s.path("nope.policy"), CASES]), "eval missing policy");
    refuses_missing(&docket(&["eval", &s.path("good.policy"), &s.path("nope.jsonl")]), "eval missing log");
    for extra in
        [&[][..], &["--format", "json"], &["--format", "csv"], &["--summary"], &["--summary", "--format", "json"]]
    {
        let mut args = vec!["eval", POLICY, &log];
        args.extend(extra);
        let what = args.join(" ");
        let run = docket(&args);
        // A malformed line fails the run by default (`--fail-on any`); nothing else went wrong.
        assert_eq!(run.code, 1, "{what}: {}", run.err);
        notices_malformed(&run, &log, 2, &what);
        assert_eq!(run.err.lines().count(), 1, "{what}: only the notice: {}", run.err);
        match extra {
            ["--format", "json"] => json(&run.out, false),
            ["--summary", "--format", "json"] => {
                json(&run.out, true);
                assert!(run.out.contains("\"malformed\": 1"), "{}", run.out);
            }
            ["--summary"] => assert!(run.out.contains("malformed 1"), "{}", run.out),
            ["--format", "csv"] => assert!(run.out.starts_with("case,status,"), "{}", run.out),
            _ => assert!(run.out.contains("1 malformed"), "the totals count it: {}", run.out),
        }
    }
    // From standard input the notice names `<stdin>`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["eval", POLICY, "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), std::fs::read(&log).unwrap().as_slice()).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("<stdin>:2: malformed line skipped: not valid JSON"), "{err}");
    json(&String::from_utf8(out.stdout).unwrap(), false);
}

#[test]
fn explain_a_case_puts_malformed_lines_on_stderr_and_refuses_a_broken_policy() {
    let s = Scratch::new("explain");
    let log = s.path("messy.jsonl");
    good(&docket(&["explain", &s.path("good.policy"), "dispute_open.negotiating"]), "explain status");
    good(&docket(&["explain", &s.path("good.policy"), "--case", "AE-0000004", "--events", CASES]), "explain case");
    refuses_broken_policy(&docket(&["explain", &s.path("broken.policy")]), "explain broken");
    let broken_case = docket(&["explain", &s.path("broken.policy"), "--case", "AE-0000004", "--events", CASES]);
    refuses_broken_policy(&broken_case, "explain broken --case");
    refuses_missing(&docket(&["explain", &s.path("nope.policy")]), "explain missing");
    let missing_log = docket(&["explain", POLICY, "--case", "AE-0000004", "--events", &s.path("nope.jsonl")]);
    refuses_missing(&missing_log, "explain missing log");
    for format in ["text", "json"] {
        let run = docket(&["explain", POLICY, "--case", "AE-0000004", "--events", &log, "--format", format]);
        assert_eq!(run.code, 0, "{}", run.err);
        notices_malformed(&run, &log, 2, format);
        if format == "json" {
            json(&run.out, true);
        }
    }
}

#[test]
fn diff_replays_with_malformed_lines_on_stderr_and_refuses_a_broken_policy() {
    let s = Scratch::new("diff");
    let log = s.path("messy.jsonl");
    good(&docket(&["diff", POLICY, &s.path("good.policy")]), "diff same");
    refuses_broken_policy(&docket(&["diff", POLICY, &s.path("broken.policy")]), "diff broken");
    refuses_missing(&docket(&["diff", &s.path("nope.policy"), POLICY]), "diff missing");
    refuses_missing(&docket(&["diff", POLICY, POLICY, "--cases", &s.path("nope.jsonl")]), "diff missing log");
    for format in ["text", "json", "markdown"] {
        let run = docket(&["diff", POLICY, &s.path("good.policy"), "--cases", &log, "--format", format]);
        assert_eq!(run.code, 0, "{}", run.err);
        notices_malformed(&run, &log, 2, format);
        if format == "json" {
            json(&run.out, true);
        }
    }
}

#[test]
fn migrate_previews_with_malformed_lines_on_stderr_and_refuses_a_broken_policy() {
    let s = Scratch::new("migrate");
    let log = s.path("march.jsonl");
    let run = docket(&["migrate", PLAN, POLICY, V2, "--cases", "examples/march.jsonl"]);
    // Exit 1: some open case changes, which is what a preview finds.
    assert_eq!((run.code, run.err.as_str()), (1, ""));
    assert!(run.out.starts_with("migration 2026.11 -> 2026.12"), "{}", run.out);
    refuses_broken_policy(&docket(&["migrate", PLAN, &s.path("broken.policy"), V2, "--cases", &log]), "broken");
    refuses_missing(&docket(&["migrate", PLAN, &s.path("nope.policy"), V2, "--cases", &log]), "missing policy");
    refuses_missing(&docket(&["migrate", &s.path("nope.toml"), POLICY, V2, "--cases", &log]), "missing plan");
    refuses_missing(&docket(&["migrate", PLAN, POLICY, V2, "--cases", &s.path("nope.jsonl")]), "missing log");
    for format in ["text", "json", "markdown"] {
        let run = docket(&["migrate", PLAN, POLICY, V2, "--cases", &log, "--format", format]);
        assert_eq!(run.code, 1, "{}", run.err);
        notices_malformed(&run, &log, 2, format);
        if format == "json" {
            json(&run.out, true);
        }
    }
}

/// A scenario for the policy at `policy` (absolute), with `events` and one `[[expect]]`.
fn scenario(policy: &Path, events: &str) -> String {
    format!(
        "policy = {:?}\n{events}\n[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n",
        std::fs::canonicalize(policy).unwrap().display().to_string()
    )
}

const OPEN: &str = "[[events]]\ncase = \"A\"\nat = \"2026-03-01T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\nreason = \"other\"\namount = \"5.00\"\norder_total = \"10.00\"\n";

#[test]
fn test_reports_on_stdout_and_a_scenario_whose_policy_has_errors_exits_2() {
    let s = Scratch::new("test");
    let ok = s.write("ok.toml", &scenario(&s.dir.join("good.policy"), OPEN));
    let run = docket(&["test", &ok]);
    good(&run, "test ok");
    assert!(run.out.ends_with("1 passed, 0 failed\n"), "{}", run.out);
    // JSON and JUnit keep stdout for the report; the count goes to stderr.
    let run = docket(&["test", &ok, "--format", "json"]);
    assert_eq!((run.code, run.err.as_str()), (0, "1 passed, 0 failed\n"));
    json(&run.out, false);
    // Two scenarios on one broken policy: its diagnostics once on stderr, each scenario an error.
    let a = s.write("a.toml", &scenario(&s.dir.join("broken.policy"), OPEN));
    let b = s.write("b.toml", &scenario(&s.dir.join("broken.policy"), OPEN));
    let run = docket(&["test", &a, &b, &ok]);
    assert_eq!(run.code, 2, "{}{}", run.out, run.err);
    assert_eq!(run.err.matches("error[E020]: unknown status `refundex`").count(), 1, "{}", run.err);
    assert!(!run.out.contains("error[E020]"), "the diagnostics are not repeated in the report: {}", run.out);
    assert!(run.out.contains(&format!("ERROR   {a}\n  cannot run: ")), "{}", run.out);
    assert!(run.out.contains(&format!("ok      {ok}\n")), "the other scenarios still run: {}", run.out);
    assert!(run.out.ends_with("1 passed, 2 failed\n"), "{}", run.out);
    let run = docket(&["test", &a, "--format", "json"]);
    assert_eq!(run.code, 2);
    json(&run.out, false);
    // A scenario whose policy file is missing cannot run either; nor can a missing scenario file.
    let gone = s.write("gone.toml", &scenario(&s.dir.join("good.policy"), OPEN).replace("good.policy", "nope.policy"));
    let run = docket(&["test", &gone]);
    assert_eq!(run.code, 2, "{}", run.out);
    assert!(run.err.contains("cannot read") && run.err.contains("nope.policy"), "{}", run.err);
    refuses_missing(&docket(&["test", &s.path("nope.toml")]), "test missing scenario");
}

#[test]
fn test_fails_a_scenario_with_a_malformed_event_at_its_line() {
    let s = Scratch::new("test-malformed");
    let bad = OPEN.replace("2026-03-01T09:00:00Z", "yesterday");
    let file = s.write("bad.toml", &scenario(&s.dir.join("good.policy"), &format!("\n# the event\n{bad}")));
    let run = docket(&["test", &file]);
    assert_eq!((run.code, run.err.as_str()), (1, ""));
    // Line 4: the `[[events]]` header, after the policy line, a blank line and a comment.
    assert!(
        run.out.starts_with(&format!(
            "ERROR   {file}:4\n  [[events]] #1: not an event: `at` is not an RFC 3339 time (such as 2026-03-01T09:00:00Z): `yesterday`\n"
        )),
        "{}",
        run.out
    );
}

#[test]
fn fmt_confirms_on_stderr_and_refuses_a_file_that_does_not_parse_with_exit_2() {
    let s = Scratch::new("fmt");
    // A formatted policy: nothing to do, nothing said.
    let run = docket(&["fmt", &s.path("good.policy")]);
    assert_eq!((run.code, run.out.as_str(), run.err.as_str()), (0, "", ""));
    let messy = s.write("messy.policy", "policy p \"P\"\nroles   buyer\ninitial status a \"A\" {}\n");
    let run = docket(&["fmt", &messy]);
    assert_eq!((run.code, run.out.as_str()), (0, ""), "{}", run.err);
    assert_eq!(run.err, format!("formatted {messy}\n"));
    // fmt reads only the layout: check's errors do not stop it.
    let run = docket(&["fmt", "--check", &s.path("broken.policy")]);
    assert_eq!((run.code, run.out.as_str(), run.err.as_str()), (0, "", ""));
    let unparsed = s.write("unparsed.policy", "policy p \"P\"\nroles buyer,\n");
    refused(&docket(&["fmt", &unparsed]), "fmt unparsed", &["cannot be formatted until it parses"]);
    refused(&docket(&["fmt", "--check", &unparsed]), "fmt --check unparsed", &["unparsed.policy:"]);
    refuses_missing(&docket(&["fmt", &s.path("nope.policy")]), "fmt missing");
}

#[test]
fn set_confirms_on_stderr_and_dry_run_prints_on_stdout() {
    let s = Scratch::new("set");
    let file = s.path("good.policy");
    let run = docket(&["set", &file, "seller_response", "7d"]);
    assert_eq!((run.code, run.out.as_str()), (0, ""), "{}", run.err);
    assert!(run.err.contains("`seller_response` changed from 5d to 7d"), "{}", run.err);
    let run = docket(&["set", &file, "seller_response", "7d"]);
    assert_eq!((run.code, run.out.as_str()), (0, ""), "{}", run.err);
    assert!(run.err.contains("is already 7d; nothing changed"), "{}", run.err);
    // A dry run's preview is the output asked for.
    let run = docket(&["set", &file, "seller_response", "9d", "--dry-run"]);
    good(&run, "set --dry-run");
    assert!(run.out.contains("would change from 7d to 9d"), "{}", run.out);
    let before = std::fs::read_to_string(s.dir.join("broken.policy")).unwrap();
    let broken = docket(&["set", &s.path("broken.policy"), "seller_response", "7d"]);
    refuses_broken_policy(&broken, "set broken");
    assert_eq!(std::fs::read_to_string(s.dir.join("broken.policy")).unwrap(), before);
    refuses_missing(&docket(&["set", &s.path("nope.policy"), "seller_response", "7d"]), "set missing");
}

#[test]
fn codes_completions_and_man_print_on_stdout_and_refuse_unknown_names_with_exit_2() {
    good(&docket(&["codes"]), "codes");
    good(&docket(&["codes", "E020"]), "codes E020");
    good(&docket(&["explain", "E020"]), "explain E020");
    json(&docket(&["codes", "--format", "json"]).out, true);
    refused(&docket(&["codes", "E999"]), "codes E999", &["E999"]);
    good(&docket(&["completions", "bash"]), "completions");
    refused(&docket(&["completions", "nope"]), "completions nope", &["nope"]);
    good(&docket(&["man"]), "man");
    good(&docket(&["man", "set"]), "man set");
    refused(&docket(&["man", "nope"]), "man nope", &["there is no verb `nope`"]);
}

#[test]
fn the_rule_is_written_once_in_the_readme_and_in_docket_help() {
    let run = docket(&["--help"]);
    good(&run, "--help");
    assert!(run.out.contains("stdout carries only the output asked for"), "{}", run.out);
    assert!(run.out.contains("Every verb but `check` that is given a policy with errors prints"), "{}", run.out);
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(readme.contains("Streams and codes, in every verb"), "README lost its section");
    assert!(readme.contains("**stdout carries only what was asked for**"));
}
