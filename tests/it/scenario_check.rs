//! `docket test` checks a scenario against its policy before running it: unknown keys at the top
//! of the file and in `[[expect]]` tables, expected names the policy does not have, and events it
//! does not know are errors at their line, with "did you mean".

use std::path::PathBuf;
use std::process::Command;

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

/// A scenario file in its own temporary directory, removed when dropped.
struct File(PathBuf);

impl File {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("docket-scenario-check-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s.toml"), text).unwrap();
        File(dir)
    }

    fn path(&self) -> String {
        self.0.join("s.toml").display().to_string()
    }

    fn test(&self) -> (String, i32) {
        let (out, _, code) = docket(&["test", &self.path()]);
        (out, code)
    }
}

impl Drop for File {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Lines 1-2 a header, then (`head`), then one AliExpress case opened at line 3 + head's lines,
/// then `tail`.
fn scenario(head: &str, tail: &str) -> String {
    let policy = std::fs::canonicalize("policies/aliexpress.policy").unwrap();
    format!(
        "description = \"typos\"\npolicy = {:?}\n{head}[[events]]\ncase = \"A\"\nat = \"2026-03-01T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\nreason = \"damaged\"\namount = \"25.00\"\norder_total = \"40.00\"\n\n{tail}",
        policy.display().to_string()
    )
}

#[test]
fn an_unknown_top_level_key_is_an_error_at_its_line() {
    let f = File::new(
        "top",
        &scenario("stauts = \"refunded\"\n", "[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n"),
    );
    let (out, code) = f.test();
    assert_eq!(code, 1);
    let path = f.path();
    assert!(
        out.starts_with(&format!("ERROR   {path}:3\n  unknown key `stauts` at the top of the scenario; did you mean `status`? (an expectation's keys go under an [[expect]] header)\n")),
        "{out}"
    );
    let f =
        File::new("top-other", &scenario("notes = \"x\"\n", "[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n"));
    let (out, _) = f.test();
    assert!(out.contains("unknown key `notes` at the top of the scenario (it has `description`, `policy`, `migrations`, `allow_keys`, `events`, `expect`)"), "{out}");
    let f = File::new("polcy", "polcy = \"p.policy\"\n[[expect]]\nstatus = \"x\"\n");
    let (out, _) = f.test();
    assert!(out.contains("; `polcy` is not a key of a scenario: did you mean `policy`?"), "{out}");
}

#[test]
fn an_unknown_key_in_an_expectation_is_an_error_at_the_expectations_line() {
    // It used to compare `stauts` with a report that has no such key and fail with a puzzling diff.
    let f = File::new(
        "expect",
        &scenario("", "[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n\n[[expect]]\nstauts = \"refunded\"\n"),
    );
    let (out, code) = f.test();
    assert_eq!(code, 1);
    let path = f.path();
    let error = "[[expect]] #2: unknown key `stauts`; did you mean `status`?";
    assert!(out.starts_with(&format!("ERROR   {path}:15\n  {error}\n")), "{out}");
    assert!(out.contains(&format!("\nfailed:\n  {path}:15: {error}\n")), "{out}");
    let (json, _, _) = docket(&["test", &path, "--format", "json"]);
    let line: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(line["error"], error);
    let (xml, _, _) = docket(&["test", &path, "--format", "junit"]);
    assert!(xml.contains(" line=\"15\" "), "{xml}");
    // Nested keys too.
    let f = File::new("nested", &scenario("", "[[expect]]\ndeadlines = [{ timr = \"seller_response\" }]\n"));
    let (out, _) = f.test();
    assert!(out.contains("[[expect]] #1: unknown key `timr` in `deadlines` #1; did you mean `timer`?"), "{out}");
}

#[test]
fn names_the_policy_does_not_have_are_errors_with_suggestions() {
    let tail = "[[expect]]\nstatus = \"negotiating\"\n\n[[expect]]\nstatus = \"refundd\"\nfields = { claimm = \"25.00\" }\ndeadlines = [{ timer = \"seler_response\", target = \"refunding.wating\" }]\nallowed = { buyer = [\"cancle\"], selle = [\"accept\"] }\nopens = [{ role = \"buyer\", action = \"escalte\" }]\nhistory = [{ cause = \"timer auto_escalat\" }]\noutcome = { kind = \"refund\" }\n";
    let f = File::new("names", &scenario("", tail));
    let (out, code) = f.test();
    assert_eq!(code, 1);
    let path = f.path();
    for (line, problem) in [
        (
            12,
            "[[expect]] #1: no status `negotiating` in the policy; did you mean `dispute_open.negotiating`? (a nested status is named by its path)",
        ),
        (15, "[[expect]] #2: no status `refundd` in the policy; did you mean `refunded`?"),
        (15, "[[expect]] #2: no field `claimm` in the policy; did you mean `claim`? (in `fields`)"),
        (
            15,
            "[[expect]] #2: no timer `seler_response` in the policy; did you mean `seller_response`? (in `deadlines` #1)",
        ),
        (
            15,
            "[[expect]] #2: no status `refunding.wating` in the policy; did you mean `refunding.waiting`? (in `deadlines` #1)",
        ),
        (15, "[[expect]] #2: role `buyer` has no action `cancle`; did you mean `cancel`? (in `allowed`)"),
        (15, "[[expect]] #2: no role `selle` in the policy; did you mean `seller`? (in `allowed`)"),
        (15, "[[expect]] #2: role `buyer` has no action `escalte`; did you mean `escalate`? (in `opens` #1)"),
        (15, "[[expect]] #2: no timer `auto_escalat` in the policy; did you mean `auto_escalate`? (in `history` #1)"),
        (
            15,
            "[[expect]] #2: no outcome `refund` in the policy (it has `refund_buyer`, `release_to_seller`) (in `outcome`)",
        ),
    ] {
        assert!(out.contains(&format!("  {path}:{line}: {problem}\n")), "missing {problem}:\n{out}");
    }
}

#[test]
fn an_event_the_policy_does_not_know_is_reported_unless_it_is_expected_rejected() {
    let event = "[[events]]\ncase = \"A\"\nat = \"2026-03-01T10:00:00Z\"\nrole = \"seller\"\naction = \"acept\"\n\n";
    let f =
        File::new("event", &scenario("", &format!("{event}[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n")));
    let (out, code) = f.test();
    assert_eq!(code, 1);
    assert!(
        out.starts_with(&format!("ERROR   {}:12\n  [[events]] #2: role `seller` has no action `acept`; did you mean `accept`? (if the scenario means it to be rejected, expect it: rejected = [{{ line = 2 }}])\n", f.path())),
        "{out}"
    );
    let f = File::new(
        "event-expected",
        &scenario(
            "",
            &format!("{event}[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\nrejected = [{{ line = 2 }}]\n"),
        ),
    );
    let (out, code) = f.test();
    assert_eq!(code, 0, "{out}");
    // A misspelt parameter is an unknown key, reported the same way.
    let f = File::new(
        "event-key",
        &scenario(
            "",
            "[[events]]\ncase = \"A\"\nat = \"2026-03-01T10:00:00Z\"\nrole = \"seller\"\naction = \"propose\"\namont = \"5\"\n\n[[expect]]\nstatus = \"dispute_open.negotiating\"\n",
        ),
    );
    let (out, _) = f.test();
    assert!(out.contains("[[events]] #2: unknown key `amont` for `seller propose`; did you mean `amount`?"), "{out}");
}

#[test]
fn the_readme_example_is_what_docket_test_says() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("```text\nERROR   tests/scenarios/aliexpress/r05_seller_accepts.toml").unwrap() + 8;
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    // The scenario with its first `status` misspelt, in a directory of its own (not where a
    // concurrent `docket test tests/scenarios` would find it), its policy path made absolute.
    let original = "tests/scenarios/aliexpress/r05_seller_accepts.toml";
    let policy = std::fs::canonicalize("policies/aliexpress.policy").unwrap();
    let text = std::fs::read_to_string(original)
        .unwrap()
        .replacen("\nstatus = ", "\nstauts = ", 1)
        .replace("\"../../../policies/aliexpress.policy\"", &format!("{:?}", policy.display().to_string()));
    let f = File::new("readme", &text);
    let (out, _, code) = docket(&["test", &f.path()]);
    assert_eq!(code, 1);
    assert!(out.starts_with(&shown.replace(original, &f.path())), "README:\n{shown}\ndocket test:\n{out}");
}

/// Issue 17, item 18: an event whose `at` is not a time was skipped, and the scenario passed
/// without it. It is now an error of the scenario at the event's line, saying what was expected.
#[test]
fn a_scenario_event_with_a_malformed_at_fails_the_scenario_instead_of_being_dropped() {
    // The second event would accept the claim; dropped, the case would still await the seller.
    let event = "[[events]]\ncase = \"A\"\nat = \"2026-03-0210:00:00Z\"\nrole = \"seller\"\naction = \"accept\"\n\n";
    let f =
        File::new("bad-at", &scenario("", &format!("{event}[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n")));
    let (out, code) = f.test();
    assert_eq!(code, 1, "{out}");
    let error = "[[events]] #2: not an event: `at` is not an RFC 3339 time (such as 2026-03-01T09:00:00Z): `2026-03-0210:00:00Z`";
    assert!(out.starts_with(&format!("ERROR   {}:12\n  {error}\n", f.path())), "{out}");
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
    // A missing key and a TOML local date (no time, no offset) are caught the same way.
    let good = event.replace("2026-03-0210:00:00Z", "2026-03-02T10:00:00Z");
    for (bad, replacement, why) in [
        ("role = \"seller\"\n", "", "the event has no `role` key"),
        ("at = \"2026-03-02T10:00:00Z\"\n", "at = 2026-03-02\n", "`at` is not an RFC 3339 time"),
    ] {
        let events = good.replace(bad, replacement);
        let f = File::new(
            "bad-event",
            &scenario("", &format!("{events}[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n")),
        );
        let (out, code) = f.test();
        assert_eq!(code, 1, "{out}");
        assert!(out.contains(&format!("ERROR   {}:12\n  [[events]] #2: not an event: {why}", f.path())), "{out}");
    }
}

/// A scenario's events are reported at their lines in the file; `line = N` in an expectation
/// still counts events, and a failure's diff shows both sides as file lines, with a note.
#[test]
fn a_rejected_scenario_event_is_reported_at_its_line_in_the_file() {
    let event = "# the seller answers too early\n[[events]]\ncase = \"A\"\nat = \"2026-02-01T10:00:00Z\"\nrole = \"seller\"\naction = \"accept\"\n\n";
    // Counted as the second event, it matches (the event is at line 13 of the file).
    let f = File::new(
        "lines-ok",
        &scenario(
            "",
            &format!("{event}[[expect]]\nrejected = [{{ line = 2, reason = \"before the case's previous event\" }}]\n"),
        ),
    );
    let (out, code) = f.test();
    assert_eq!(code, 0, "{out}");
    // Written as the first event, it fails; the diff speaks of file lines (3 and 13).
    let f = File::new("lines-diff", &scenario("", &format!("{event}[[expect]]\nrejected = [{{ line = 1 }}]\n")));
    let (out, code) = f.test();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("    (`line = N` counts [[events]]; shown as lines of the file: event #1 is line 3)\n"),
        "{out}"
    );
    assert!(out.contains("-      \"line\": 3\n") && out.contains("+      \"line\": 13\n"), "{out}");
    // A number beyond the events can never match: an error before the scenario runs.
    let f = File::new("lines-beyond", &scenario("", &format!("{event}[[expect]]\nrejected = [{{ line = 3 }}]\n")));
    let (out, code) = f.test();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("[[expect]] #1: `rejected` #1: `line = 3`, but the scenario has 2 event(s)"), "{out}");
}
