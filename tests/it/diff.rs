//! `docket diff`: one test per kind of change, no change for reformatting, and the impact of
//! the 5d -> 7d `seller_response` change checked against counts computed here independently.

use std::process::Command;

const POLICY: &str = "policies/aliexpress.policy";

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

/// A scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("docket-diff-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Write the AliExpress policy with `edit` applied, return its path.
fn variant(dir: &std::path::Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = std::fs::read_to_string(POLICY).unwrap();
    let changed = edit(text.clone());
    assert_ne!(changed, text, "the edit for {name} changed nothing");
    let path = dir.join(format!("{name}.policy"));
    std::fs::write(&path, changed).unwrap();
    path.to_str().unwrap().to_string()
}

fn changes(old: &str, new: &str, extra: &[&str]) -> (serde_json::Value, i32) {
    let mut args = vec!["diff", old, new, "--format", "json"];
    args.extend_from_slice(extra);
    let (out, err, code) = docket(&args);
    assert!(code == 0 || code == 1, "{err}");
    (serde_json::from_str(&out).unwrap(), code)
}

#[test]
fn seller_response_5d_to_7d_reports_exactly_that() {
    let dir = scratch("timer");
    let new = variant(&dir, "new", |t| t.replace("seller_response   = 5d", "seller_response   = 7d"));
    let (doc, code) = changes(POLICY, &new, &[]);
    assert_eq!(code, 1);
    let list = doc["changes"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{doc:#}");
    assert_eq!(list[0]["kind"], "timer");
    assert_eq!(list[0]["key"], "seller_response");
    assert_eq!(list[0]["change"], "changed");
    assert_eq!(list[0]["old"], "5d");
    assert_eq!(list[0]["new"], "7d");
    assert!(list[0]["note"].as_str().unwrap().contains("R4"));
    let (text, _, _) = docket(&["diff", POLICY, &new]);
    assert!(text.contains("~ seller_response: 5d -> 7d"), "{text}");
}

#[test]
fn reformatting_reordering_and_comments_are_no_change() {
    let dir = scratch("format");
    let new = variant(&dir, "new", |t| {
        // Comments changed, blank lines added, and the two last terminal statuses swapped.
        let t = t.replace("# R4: the seller has 5 days to answer", "# the seller answers within five days");
        let t = t.replace("\n\n", "\n\n\n");
        let refunded = "terminal status refunded \"Closed: refunded\" outcome refund_buyer(refund)";
        let released = "terminal status released \"Closed: paid to seller\" outcome release_to_seller";
        t.replace(refunded, "@@").replace(released, refunded).replace("@@", released)
    });
    let (doc, code) = changes(POLICY, &new, &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["changes"], serde_json::json!([]));
}

#[test]
fn each_kind_of_change_is_reported_by_name() {
    let dir = scratch("kinds");
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        ("label", "\"Dispute open\"", "\"Dispute in progress\"", "status", "dispute_open"),
        (
            "guard",
            "buyer escalate when offer_made or",
            "buyer escalate when offer_made and",
            "rule",
            "dispute_open: buyer escalate",
        ),
        (
            "effect",
            "seller accept -> refunding { refund = claim }                    # R5",
            "seller accept -> refunding { refund = order_total }  # R5",
            "rule",
            "dispute_open: seller accept",
        ),
        (
            "target",
            "buyer cancel -> withdrawn  # R10",
            "buyer cancel -> released  # R10",
            "rule",
            "dispute_open: buyer cancel",
        ),
        ("field default", "offer_made: bool = false", "offer_made: bool = true", "field", "offer_made"),
        ("outcome", "outcome release_to_seller", "outcome refund_buyer(0)", "status", "released"),
        ("role", "roles buyer, seller, platform", "roles buyer, seller, platform, auditor", "role", "auditor"),
        (
            "timer effect",
            "  deadline decision_due",
            "  after decision_due -> released",
            "timer_rule",
            "escalated: after decision_due",
        ),
    ];
    for (what, from, to, kind, key) in cases {
        let new = variant(&dir, what, |t| t.replacen(from, to, 1));
        let (out, err, code) = docket(&["diff", POLICY, &new, "--format", "json"]);
        assert_eq!(code, 1, "{what}: {err}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let hit = doc["changes"].as_array().unwrap().iter().any(|c| c["kind"] == *kind && c["key"] == *key);
        assert!(hit, "{what}: expected a {kind} change of `{key}` in {doc:#}");
    }
}

#[test]
fn renames_are_matched_when_mapped() {
    let dir = scratch("rename");
    let new = variant(&dir, "new", |t| t.replace("offer_made", "seller_answered"));
    let (plain, _) = changes(POLICY, &new, &[]);
    let kinds: Vec<&str> = plain["changes"].as_array().unwrap().iter().map(|c| c["change"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"added") && kinds.contains(&"removed"), "{plain:#}");
    let (mapped, code) = changes(POLICY, &new, &["--rename", "offer_made=seller_answered"]);
    assert_eq!(code, 0, "{mapped:#}");
}

#[test]
fn a_policy_with_errors_is_an_error_with_diagnostics() {
    let dir = scratch("broken");
    let new = variant(&dir, "new", |t| t.replace("-> withdrawn  # R10", "-> withdrawnn  # R10"));
    let (_, err, code) = docket(&["diff", POLICY, &new]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown status `withdrawnn`"), "{err}");
    assert_eq!(docket(&["diff", POLICY, "no/such.policy"]).2, 2);
}

#[test]
fn git_revisions_are_read_with_git_show() {
    // HEAD:policies/aliexpress.policy exists in any checkout of this repository.
    let (out, err, code) = docket(&["diff", "HEAD:policies/aliexpress.policy", "HEAD:policies/aliexpress.policy"]);
    if err.contains("not a git repository") || err.contains("cannot run git") {
        return; // a source tarball without .git: nothing to compare against
    }
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("no change in meaning"), "{out}");
}

/// A log where sellers answer on day 0, 4, 6 or never, at different hours.
fn seller_log(cases: usize) -> String {
    let mut log = String::new();
    for i in 0..cases {
        let day = 1 + i % 20;
        let case = format!("S-{i}");
        log.push_str(&format!(
            "{{\"case\":\"{case}\",\"at\":\"2026-03-{day:02}T09:00:00Z\",\"role\":\"buyer\",\"action\":\"open\",\"reason\":\"damaged\",\"amount\":\"10.00\",\"order_total\":\"20.00\"}}\n"
        ));
        match i % 4 {
            0 => {}
            k => {
                let answer = day + [0, 4, 6][k - 1];
                log.push_str(&format!(
                    "{{\"case\":\"{case}\",\"at\":\"2026-03-{answer:02}T10:00:00Z\",\"role\":\"seller\",\"action\":\"propose\",\"amount\":\"5.00\"}}\n"
                ));
            }
        }
    }
    log
}

#[test]
fn impact_on_a_log_matches_an_independent_count() {
    let dir = scratch("impact");
    let new = variant(&dir, "new", |t| t.replace("seller_response   = 5d", "seller_response   = 7d"));
    let log = dir.join("log.jsonl");
    std::fs::write(&log, seller_log(40)).unwrap();
    let log = log.to_str().unwrap();
    let now = "2026-04-01T00:00:00Z";
    // Independently: evaluate under each policy and count cases whose status differs.
    let statuses = |policy: &str| -> Vec<(String, String)> {
        let (out, _, _) = docket(&["eval", policy, log, "--format", "json", "--now", now]);
        out.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|v| (v["case"].as_str().unwrap().to_string(), v["status"].as_str().unwrap().to_string()))
            .collect()
    };
    let (old, newer) = (statuses(POLICY), statuses(&new));
    let differ = old.iter().zip(&newer).filter(|(a, b)| a != b).count();
    assert!(differ > 0, "the log should show the change");
    let (doc, code) = changes(POLICY, &new, &["--cases", log, "--now", now, "--examples", "3"]);
    assert_eq!(code, 1);
    assert_eq!(doc["impact"]["cases"], 40);
    assert_eq!(doc["impact"]["status"]["cases"], differ, "{doc:#}");
    assert_eq!(doc["impact"]["status"]["examples"].as_array().unwrap().len(), 3);
    // The sellers who answered on day 6: too late under 5d, in time under 7d; the divergence is
    // the answer's log line.
    let example = &doc["impact"]["status"]["examples"][0];
    assert!(example["first_divergence"].is_number(), "{example:#}");
}

/// A policy with one 3-business-day timer on calendar `uk`, whose holidays are `holidays.toml`
/// beside it.
const CALENDAR_POLICY: &str = "policy p \"P\"\nroles user\noutcomes done\n\ncalendar uk {\n  zone \"Europe/London\"\n  \
                               holidays \"holidays.toml\"\n}\n\ntimers {\n  answer = 3bd in uk\n}\n\nactions {\n  user open\n}\n\n\
                               initial status new \"New\" {\n  user open -> waiting\n}\n\nstatus waiting \"Waiting\" {\n  \
                               after answer -> done\n}\n\nterminal status done \"Done\" outcome done\n";

fn holidays(dates: &[&str]) -> String {
    let mut out = "name = \"Test\"\nfirst = 2026-01-01\nlast = 2026-12-31\n".to_string();
    for d in dates {
        out.push_str(&format!("\n[[holidays]]\ndate = {d}\nname = \"Day off\"\n"));
    }
    out
}

#[test]
fn a_changed_holiday_file_is_a_change_in_meaning_with_its_impact() {
    let dir = scratch("holidays");
    for (name, dates) in [("old", vec!["2026-05-04"]), ("new", vec!["2026-05-04", "2026-05-05"])] {
        let sub = dir.join(name);
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("p.policy"), CALENDAR_POLICY).unwrap();
        std::fs::write(sub.join("holidays.toml"), holidays(&dates)).unwrap();
    }
    // Opened Fri 2026-05-01 10:00 BST: Tue, Wed, Thu under the old holidays; with Tue off too,
    // Wed, Thu, Fri.
    let log = dir.join("log.jsonl");
    std::fs::write(&log, "{\"case\":\"C-1\",\"at\":\"2026-05-01T09:00:00Z\",\"role\":\"user\",\"action\":\"open\"}\n")
        .unwrap();
    let old = dir.join("old/p.policy");
    let new = dir.join("new/p.policy");
    let (json, code) = changes(
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        &["--cases", log.to_str().unwrap(), "--now", "2026-05-07T12:00:00Z"],
    );
    assert_eq!(code, 1, "{json}");
    let text = json.to_string();
    assert!(text.contains("uk holiday 2026-05-05"), "{text}");
    let (out, _, _) = docket(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--cases",
        log.to_str().unwrap(),
        "--now",
        "2026-05-07T12:00:00Z",
    ]);
    assert!(out.contains("C-1: done -> waiting"), "{out}");
}

// ---- --format github ----

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn github_format_puts_a_notice_on_the_new_line_of_each_change() {
    let dir = scratch("github");
    let new = variant(&dir, "new", |t| t.replace("seller_response   = 5d", "seller_response   = 7d"));
    let (out, err, code) = docket(&["diff", POLICY, &new, "--format", "github"]);
    assert_eq!(code, 1, "{err}");
    let line = line_of(&std::fs::read_to_string(&new).unwrap(), "seller_response   = 7d");
    assert_eq!(
        out,
        format!(
            "::notice file={new},line={line},title=docket diff::timer `seller_response` changed: 5d -> 7d  # R4: the seller has 5 days to answer\n"
        )
    );
    // No change in meaning: nothing to say, exit 0.
    let (out, _, code) = docket(&["diff", POLICY, POLICY, "--format", "github"]);
    assert_eq!((out.as_str(), code), ("", 0));
}

#[test]
fn github_format_puts_a_removed_declaration_on_the_old_files_line() {
    let dir = scratch("github-removed");
    let old_line = line_of(&std::fs::read_to_string(POLICY).unwrap(), "buyer cancel -> withdrawn  # R10");
    let new = variant(&dir, "new", |t| t.replacen("  buyer cancel -> withdrawn  # R10\n", "", 1));
    let (out, err, code) = docket(&["diff", POLICY, &new, "--format", "github"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        format!(
            "::notice file={POLICY},line={old_line},title=docket diff::rule `dispute_open: buyer cancel` removed (was: -> withdrawn)  # R10\n"
        )
    );
    // OLD as a git revision: the annotation names the file in the repository.
    let (out, err, code) = docket(&["diff", &format!("HEAD:{POLICY}"), &new, "--format", "github"]);
    if err.contains("not a git repository") || err.contains("cannot run git") {
        return; // a source tarball without .git
    }
    assert_eq!(code, 1, "{err}");
    assert!(out.starts_with(&format!("::notice file={POLICY},line={old_line},title=docket diff::rule")), "{out}");
}

#[test]
fn github_format_escapes_properties_and_messages() {
    let dir = scratch("github-escape").join("a,b:c");
    std::fs::create_dir_all(&dir).unwrap();
    let new = variant(&dir, "new", |t| t.replacen("\"Dispute open\"", "\"Dispute 100% open\"", 1));
    let (out, err, code) = docket(&["diff", POLICY, &new, "--format", "github"]);
    assert_eq!(code, 1, "{err}");
    let escaped = new.replace(',', "%2C").replace(':', "%3A");
    assert!(out.starts_with(&format!("::notice file={escaped},line=")), "{out}");
    assert!(out.contains(",title=docket diff::status `dispute_open` changed: "), "{out}");
    assert!(out.contains("Dispute 100%25 open"), "{out}");
    assert!(!out.contains("100% "), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn github_format_adds_the_impact_on_a_log() {
    let dir = scratch("github-impact");
    let new = variant(&dir, "new", |t| t.replace("seller_response   = 5d", "seller_response   = 7d"));
    let (out, _, code) = docket(&["diff", POLICY, &new, "--format", "github", "--cases", "examples/cases.jsonl"]);
    assert_eq!(code, 1);
    let last = out.lines().last().unwrap();
    assert_eq!(
        last,
        format!(
            "::notice file={new},title=docket diff impact::replaying 39 case(s), 213 event(s): 1 case(s) end differently (by status 1, outcome 1, refund amount 1, pending deadlines 1)"
        )
    );
}

#[test]
fn github_format_without_a_line_annotates_the_file() {
    // A role carries no line in the comparison: the notice is on the file.
    let dir = scratch("github-role");
    let new = variant(&dir, "new", |t| {
        t.replacen("roles buyer, seller, platform", "roles buyer, seller, platform, auditor", 1)
    });
    let (out, _, code) = docket(&["diff", POLICY, &new, "--format", "github"]);
    assert_eq!(code, 1);
    assert_eq!(out, format!("::notice file={new},title=docket diff::role `auditor` added\n"));
}
