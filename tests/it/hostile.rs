//! Hostile input (issue 17): each test guards one hole found by attacking Docket.

use std::process::Command;

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("docket-hostile-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const POLICY: &str = "policies/aliexpress.policy";

fn open(amount: &str) -> String {
    format!(
        "{{\"case\":\"A\",\"at\":\"2026-03-01T09:00:00Z\",\"role\":\"buyer\",\"action\":\"open\",\"reason\":\"damaged\",\"amount\":{amount},\"order_total\":\"5\"}}\n"
    )
}

#[test]
fn a_huge_policy_file_is_refused_without_reading_it_whole() {
    let dir = scratch("huge");
    let path = dir.join("huge.policy");
    // A sparse 3 GB file: reading it whole would take 3 GB.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(3 << 30).unwrap();
    let (out, _, code) = docket(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[E005]"), "{out}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_log_line_without_end_is_capped_and_reported() {
    let dir = scratch("line");
    let log = dir.join("long.jsonl");
    let mut text = "{\"case\":\"A\",\"pad\":\"".to_string();
    text.push_str(&"x".repeat(3 << 20));
    text.push_str("\"}\n");
    text.push_str(&open("\"1\""));
    std::fs::write(&log, text).unwrap();
    let (out, err, code) = docket(&["eval", POLICY, log.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("long.jsonl:1: malformed line skipped: the line is longer than 1024 KiB"), "{err}");
    // The event after it is read as usual.
    assert!(out.contains("\"status\":\"dispute_open.awaiting_seller\""), "{out}");
}

#[test]
fn amounts_that_are_not_exact_plain_decimals_are_rejected_not_rounded() {
    let dir = scratch("money");
    for amount in ["\"5.00000000000000000000000000001\"", "\"1__0__0\"", "\"1e2\"", "1E28", "\" 5\""] {
        let log = dir.join("m.jsonl");
        std::fs::write(&log, open(amount)).unwrap();
        let (out, _, code) = docket(&["eval", POLICY, log.to_str().unwrap(), "--format", "json"]);
        assert_eq!(code, 1, "{amount}: {out}");
        assert!(out.contains("parameter `amount`:"), "{amount}: {out}");
        assert!(out.contains("\"status\":\"ordered\""), "{amount}: {out}");
    }
}

#[test]
fn instants_that_cannot_be_printed_as_rfc_3339_are_refused_at_the_input() {
    let dir = scratch("instant");
    let log = dir.join("i.jsonl");
    std::fs::write(&log, open("\"1\"").replace("2026-03-01T09:00:00Z", "9999-12-31T23:00:00-05:00")).unwrap();
    let (out, err, code) = docket(&["eval", POLICY, log.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    assert!(!out.contains("+10000"), "{out}");
    assert!(err.contains("i.jsonl:1: malformed line skipped"), "{err}");
}

#[test]
fn repeated_renames_do_not_multiply_the_text() {
    let mut args = vec!["diff", POLICY, POLICY];
    let many: Vec<String> = (0..40).map(|_| "claim=claim".to_string()).collect();
    for r in &many {
        args.push("--rename");
        args.push(r);
    }
    let (out, err, code) = docket(&args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.len() < 10_000, "{} bytes", out.len());
}

#[test]
fn a_revision_that_looks_like_an_option_is_not_passed_to_git_as_one() {
    let dir = scratch("git");
    let evil = dir.join("evil");
    let spec = format!("--output={}:x", evil.display());
    let (_, err, code) = docket(&["diff", "--", &spec, POLICY]);
    assert_eq!(code, 2, "{err}");
    assert!(!evil.exists(), "git wrote {}", evil.display());
}

#[test]
fn set_refuses_a_read_only_policy() {
    let dir = scratch("readonly");
    let path = dir.join("p.policy");
    std::fs::copy(POLICY, &path).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms).unwrap();
    let before = std::fs::read(&path).unwrap();
    let (_, err, code) = docket(&["set", path.to_str().unwrap(), "seller_response", "7d"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is read-only; nothing was written"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn set_keeps_a_byte_order_mark_and_edits_the_file() {
    let dir = scratch("bom");
    let path = dir.join("p.policy");
    let text = std::fs::read_to_string(POLICY).unwrap();
    std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
    let (_, err, code) = docket(&["set", path.to_str().unwrap(), "seller_response", "7d"]);
    assert_eq!(code, 0, "{err}");
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.starts_with('\u{feff}'));
    assert_eq!(after, format!("\u{feff}{}", text.replace("seller_response   = 5d", "seller_response   = 7d")));
}

#[test]
fn two_sets_at_once_both_land_or_one_is_refused() {
    let dir = scratch("race");
    for round in 0..10 {
        let path = dir.join(format!("p{round}.policy"));
        std::fs::copy(POLICY, &path).unwrap();
        let p = path.to_str().unwrap().to_string();
        let spawn = |timer: &str, value: &str| {
            Command::new(env!("CARGO_BIN_EXE_docket")).args(["set", &p, timer, value]).output().unwrap()
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| spawn("seller_response", "7d"));
            let b = s.spawn(|| spawn("auto_escalate", "20d"));
            (a.join().unwrap(), b.join().unwrap())
        });
        let after = std::fs::read_to_string(&path).unwrap();
        let landed_a = after.contains("seller_response   = 7d");
        let landed_b = after.contains("auto_escalate     = 20d");
        // What each says it did is what the file holds: no acknowledged edit is lost.
        assert_eq!(a.status.success(), landed_a, "round {round}: {}", String::from_utf8_lossy(&a.stderr));
        assert_eq!(b.status.success(), landed_b, "round {round}: {}", String::from_utf8_lossy(&b.stderr));
    }
}

fn policy_file(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("p.policy");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_timer_cycle_with_no_event_stops_the_case_instead_of_running_for_simulated_time() {
    let dir = scratch("cycle");
    let policy = policy_file(
        &dir,
        "policy p \"P\"\nroles user\noutcomes done\ntimers {\n  tick = 1s\n}\nactions {\n  user go\n}\n\
         initial status a \"A\" {\n  user go -> ping\n}\nstatus ping \"Ping\" {\n  after tick -> ping\n  user go -> b\n}\n\
         terminal status b \"B\" outcome done\n",
    );
    let log = dir.join("l.jsonl");
    std::fs::write(&log, "{\"case\":\"A\",\"at\":\"2026-01-01T00:00:00Z\",\"role\":\"user\",\"action\":\"go\"}\n")
        .unwrap();
    let (out, _, code) = docket(&[
        "eval",
        &policy,
        log.to_str().unwrap(),
        "--now",
        "2036-01-01T00:00:00Z",
        "--summary",
        "--format",
        "json",
    ]);
    // Ten years of one-second ticks would be 315 million steps; the case stops after 10,000.
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"stopped\": 1"), "{out}");
    let (out, _, _) =
        docket(&["eval", &policy, log.to_str().unwrap(), "--now", "2026-01-02T00:00:00Z", "--format", "json"]);
    assert!(out.contains("timers moved the case 10000 times with no event"), "{out}");
}

#[test]
fn many_sla_deadlines_due_at_one_instant_do_not_stop_the_case() {
    let dir = scratch("slas");
    let timers: String = (0..150).map(|i| format!("  t{i} = 1d\n")).collect();
    let deadlines: String = (0..150).map(|i| format!("  deadline t{i}\n")).collect();
    let policy = policy_file(
        &dir,
        &format!(
            "policy p \"P\"\nroles user\noutcomes done\ntimers {{\n{timers}}}\nactions {{\n  user go\n}}\n\
             initial status a \"A\" {{\n  user go -> w\n}}\nstatus w \"W\" {{\n{deadlines}  user go -> b\n}}\n\
             terminal status b \"B\" outcome done\n"
        ),
    );
    let log = dir.join("l.jsonl");
    std::fs::write(&log, "{\"case\":\"A\",\"at\":\"2026-01-01T00:00:00Z\",\"role\":\"user\",\"action\":\"go\"}\n")
        .unwrap();
    let (out, err, code) =
        docket(&["eval", &policy, log.to_str().unwrap(), "--now", "2026-01-03T00:00:00Z", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["breached"].as_array().unwrap().len(), 150);
    assert!(report.get("error").is_none(), "{out}");
}

#[test]
fn thousands_of_armed_timers_and_breaches_stay_fast() {
    // 20,000 SLA deadlines armed by one status, all passing within a month: each check of a spent
    // timer or a breach is a set lookup, not a scan of thousands, and the armed timers are sorted
    // once rather than searched before each firing (which took minutes at this size).
    let dir = scratch("timers");
    let n = 20_000;
    let timers: String = (0..n).map(|i| format!("  t{i} = {}m\n", i + 1)).collect();
    let deadlines: String = (0..n).map(|i| format!("  deadline t{i}\n")).collect();
    let policy = policy_file(
        &dir,
        &format!(
            "policy p \"P\"\nroles user\noutcomes done\ntimers {{\n{timers}}}\nactions {{\n  user go\n}}\n\
             initial status a \"A\" {{\n  user go -> w\n}}\nstatus w \"W\" {{\n{deadlines}  user go -> b\n}}\n\
             terminal status b \"B\" outcome done\n"
        ),
    );
    let log = dir.join("l.jsonl");
    std::fs::write(&log, "{\"case\":\"A\",\"at\":\"2026-01-01T00:00:00Z\",\"role\":\"user\",\"action\":\"go\"}\n")
        .unwrap();
    let (out, err, code) =
        docket(&["eval", &policy, log.to_str().unwrap(), "--now", "2026-02-01T00:00:00Z", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let breached = report["breached"].as_array().unwrap();
    assert_eq!(breached.len(), n);
    // In deadline order: t0 after 1 minute, the last after n minutes.
    assert_eq!(breached[0]["at"], "2026-01-01T00:01:00Z");
    assert_eq!(breached[n - 1]["timer"], format!("t{}", n - 1));
}

#[test]
fn summary_counts_only_the_deadlines_the_case_reports_list() {
    // R13: `delivery_overdue` moves only a case whose reason is not_received; for other reasons
    // the case report leaves it out, and so must the totals.
    let dir = scratch("summary");
    let log = dir.join("l.jsonl");
    std::fs::write(
        &log,
        "{\"case\":\"A\",\"at\":\"2026-03-01T09:00:00Z\",\"role\":\"buyer\",\"action\":\"open\",\"reason\":\"damaged\",\"amount\":\"5\",\"order_total\":\"5\",\"delivery_due\":\"2026-03-20T00:00:00Z\"}\n",
    )
    .unwrap();
    let (report, _, _) = docket(&["eval", POLICY, log.to_str().unwrap(), "--format", "json"]);
    assert!(!report.contains("delivery_overdue"), "{report}");
    let (summary, _, _) = docket(&["eval", POLICY, log.to_str().unwrap(), "--summary", "--format", "json"]);
    assert!(!summary.contains("delivery_overdue"), "{summary}");
}

#[test]
fn diff_finds_the_comment_of_each_changed_line_through_the_line_index() {
    // 3,000 timers changed, each with its comment: every note found on its own line.
    let dir = scratch("diffnotes");
    let n = 3000;
    let policy = |d: &str| {
        let timers: String = (0..n).map(|i| format!("  t{i} = {d}  # rule {i}\n")).collect();
        let deadlines: String = (0..n).map(|i| format!("  deadline t{i}\n")).collect();
        format!(
            "policy p \"P\"\nroles user\noutcomes done\ntimers {{\n{timers}}}\nactions {{\n  user go\n}}\n\
             initial status a \"A\" {{\n{deadlines}  user go -> b\n}}\nterminal status b \"B\" outcome done\n"
        )
    };
    let (old, new) = (dir.join("old.policy"), dir.join("new.policy"));
    std::fs::write(&old, policy("1d")).unwrap();
    std::fs::write(&new, policy("2d")).unwrap();
    let (out, err, code) = docket(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(out.starts_with(&format!("{n} change(s) in meaning")), "{}", &out[..200.min(out.len())]);
    assert!(
        out.contains("~ t2999: 1d -> 2d  (old line 3004, new line 3004)  # rule 2999"),
        "{}",
        &out[out.len().saturating_sub(400)..]
    );
}

#[test]
fn a_closed_or_full_stderr_is_not_a_crash() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["eval", POLICY, "examples/messy.jsonl", "--format", "json"])
        .stdout(std::process::Stdio::null())
        .stderr(full)
        .output()
        .unwrap();
    // Exit 1 (rejected and malformed lines), not 101 (a panic writing the notices).
    assert_eq!(out.status.code(), Some(1));
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(["check", "nope.policy"]).stderr(full).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn control_characters_from_a_log_are_escaped_in_text_output() {
    let dir = scratch("control");
    let log = dir.join("c.jsonl");
    std::fs::write(&log, open("\"1\"").replace("\"case\":\"A\"", "\"case\":\"A\\u001b]0;pwned\\u0007\"")).unwrap();
    let (out, _, _) = docket(&["eval", POLICY, log.to_str().unwrap()]);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("case A\\u{1b}]0;pwned\\u{7}:"), "{out}");
    // JSON keeps the id exactly, escaped as JSON escapes it.
    let (json, _, _) = docket(&["eval", POLICY, log.to_str().unwrap(), "--format", "json"]);
    assert!(json.contains("\"case\":\"A\\u001b]0;pwned\\u0007\""), "{json}");
}

#[test]
fn an_empty_id_is_refused_not_taken_as_an_id_that_drops_later_events() {
    let dir = scratch("emptyid");
    let log = dir.join("l.jsonl");
    let first = open("\"1\"").replace("\"case\":\"A\",", "\"case\":\"A\",\"id\":\"\",");
    let second =
        "{\"case\":\"A\",\"id\":\"\",\"at\":\"2026-03-02T09:00:00Z\",\"role\":\"seller\",\"action\":\"accept\"}\n";
    std::fs::write(&log, format!("{first}{second}")).unwrap();
    let (_, err, code) = docket(&["eval", POLICY, log.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    assert!(err.contains("l.jsonl:1: malformed line skipped: `id` is empty"), "{err}");
    let (out, _, _) = docket(&["eval", POLICY, log.to_str().unwrap(), "--summary", "--format", "json"]);
    // Both lines are reported, neither is silently dropped as a redelivery.
    assert!(out.contains("\"malformed\": 2") && out.contains("\"duplicates\": 0"), "{out}");
}

#[test]
fn docket_test_walks_a_directory_symlink_loop_once() {
    let dir = scratch("loop");
    let sub = dir.join("s");
    std::fs::create_dir_all(&sub).unwrap();
    let policy = std::fs::canonicalize(POLICY).unwrap();
    let scenario = format!(
        "policy = \"{}\"\n[[events]]\ncase = \"A\"\nat = \"2026-03-01T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\n\
         reason = \"damaged\"\namount = \"1\"\norder_total = \"5\"\n[[expect]]\nstatus = \"dispute_open.awaiting_seller\"\n",
        policy.display()
    );
    std::fs::write(sub.join("one.toml"), scenario).unwrap();
    let _ = std::os::unix::fs::symlink(&dir, sub.join("back"));
    let _ = std::os::unix::fs::symlink(&sub, sub.join("again"));
    let (out, err, code) = docket(&["test", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");
}

#[test]
fn explain_case_before_its_first_event_says_when_the_case_begins() {
    let dir = scratch("before");
    let log = dir.join("l.jsonl");
    std::fs::write(&log, open("\"1\"")).unwrap();
    let (_, err, code) =
        docket(&["explain", POLICY, "--case", "A", "--events", log.to_str().unwrap(), "--now", "2026-02-01T00:00:00Z"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("case `A` has no event before 2026-02-01T00:00:00Z")
            && err.contains("its first is at 2026-03-01T09:00:00Z"),
        "{err}"
    );
    assert!(!err.contains("no case"), "{err}");
    // A case that is nowhere in the log is still said to be missing.
    let (_, err, _) =
        docket(&["explain", POLICY, "--case", "B", "--events", log.to_str().unwrap(), "--now", "2026-02-01T00:00:00Z"]);
    assert!(err.contains("no case `B`"), "{err}");
}

/// Whether DOT text holds an HTML-like element with no text, such as `<B></B>`, or a control
/// character inside a label: Graphviz rejects the whole file for either.
fn graphviz_rejects(dot: &str) -> Option<String> {
    for tag in ["B", "I", "FONT"] {
        let close = format!("</{tag}>");
        let mut rest = dot;
        while let Some(at) = rest.find(&format!("<{tag}")) {
            let after = &rest[at..];
            let open_end = after.find('>').unwrap() + 1;
            if after[open_end..].starts_with(&close) {
                return Some(after[..open_end + close.len()].to_string());
            }
            rest = &after[open_end..];
        }
    }
    // Each HTML-like label runs from `label=<` to its matching `>`.
    for (at, _) in dot.match_indices("label=<") {
        let mut depth = 0;
        let label: String = dot[at + 6..]
            .chars()
            .take_while(|&c| {
                depth += i32::from(c == '<') - i32::from(c == '>');
                depth > 0
            })
            .collect();
        if label.chars().any(char::is_control) {
            return Some(format!("a control character in {label:?}"));
        }
    }
    None
}

#[test]
fn graph_writes_dot_that_graphviz_accepts_for_empty_and_control_labels() {
    let dir = scratch("graph");
    for label in ["", "tab\there", "esc\u{1b}[31m"] {
        let policy = policy_file(
            &dir,
            &format!(
                "policy p \"{label}\"\nroles user\noutcomes done\nactions {{\n  user go\n}}\n\
                 initial status a \"{label}\" {{\n  user go -> b\n}}\nterminal status b \"B\" outcome done\n"
            ),
        );
        let (dot, err, code) = docket(&["graph", &policy]);
        assert_eq!(code, 0, "{label:?}: {err}");
        assert_eq!(graphviz_rejects(&dot), None, "{label:?}: {dot}");
        assert!(dot.contains("\"a\" [label=<<BR/>") || !label.is_empty(), "{dot}");
    }
}

#[test]
fn an_event_with_a_key_given_twice_is_malformed_naming_the_key() {
    let dir = scratch("dupkeys");
    let log = dir.join("l.jsonl");
    let good = open("\"1\"");
    let twice_case = good.replacen("\"case\":\"A\"", "\"case\":\"A\",\"case\":\"B\"", 1);
    let twice_amount = good.replacen("\"amount\":\"1\"", "\"amount\":\"1\",\"amount\":\"9\"", 1);
    std::fs::write(&log, format!("{twice_case}{twice_amount}")).unwrap();
    let (out, err, code) = docket(&["eval", POLICY, log.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("l.jsonl:1: malformed line skipped: the key `case` appears more than once"), "{err}");
    assert!(err.contains("l.jsonl:2: malformed line skipped: the key `amount` appears more than once"), "{err}");
    // Neither value of either key reached a case.
    assert!(out.trim().is_empty(), "{out}");
}

#[test]
fn a_rejection_lists_a_few_variants_of_a_huge_enum_not_all_of_them() {
    let dir = scratch("enum");
    let variants: Vec<String> = (0..20_000).map(|i| format!("v{i}")).collect();
    let policy = policy_file(
        &dir,
        &format!(
            "policy p \"P\"\nroles user\noutcomes done\nfields {{\n  kind: enum {{ {} }}\n}}\n\
             actions {{\n  user go(kind)\n}}\n\
             initial status a \"A\" {{\n  user go -> b\n}}\nterminal status b \"B\" outcome done\n",
            variants.join(", ")
        ),
    );
    let log = dir.join("l.jsonl");
    let bad =
        "{\"case\":\"A\",\"at\":\"2026-01-01T00:00:00Z\",\"role\":\"user\",\"action\":\"go\",\"kind\":\"nope\"}\n";
    std::fs::write(&log, bad.repeat(100)).unwrap();
    let (out, err, code) = docket(&["eval", &policy, log.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("not one of v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11 and 19988 more"),
        "{}",
        &out[..500]
    );
    // A hundred rejections cost about a hundred short reasons, not a hundred copies of the enum.
    assert!(out.len() < 100 * 400, "{} bytes", out.len());
}

const PING: &str = "policy p \"P\"\nroles user\noutcomes done\ntimers {\n  tick = 1s\n}\nactions {\n  user go\n}\n\
     initial status a \"A\" {\n  user go -> ping\n}\nstatus ping \"Ping\" {\n  after tick -> ping\n  user go -> b\n}\n\
     terminal status b \"B\" outcome done\n";

#[test]
fn check_warns_about_a_timer_cycle_that_needs_no_event() {
    let dir = scratch("w007");
    let policy = policy_file(&dir, PING);
    let (out, _, code) = docket(&["check", &policy]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning[W007]: timer `tick` moves the case to `ping` in a circle that needs no event"),
        "{out}"
    );
}

#[test]
fn a_timer_cycle_keeps_as_much_history_ten_years_ahead_as_one_day_ahead() {
    // The work and memory of a looping case are bounded by the moves the engine allows, not by
    // how far ahead `--now` is.
    let dir = scratch("cyclemem");
    let policy = policy_file(&dir, PING);
    let log = dir.join("l.jsonl");
    std::fs::write(&log, "{\"case\":\"A\",\"at\":\"2026-01-01T00:00:00Z\",\"role\":\"user\",\"action\":\"go\"}\n")
        .unwrap();
    let steps = |now: &str| {
        let (out, _, _) = docket(&["eval", &policy, log.to_str().unwrap(), "--now", now, "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        report["history"].as_array().unwrap().len()
    };
    assert_eq!(steps("2026-01-02T00:00:00Z"), 10_001);
    assert_eq!(steps("2036-01-01T00:00:00Z"), 10_001);
}

#[test]
fn a_large_toml_case_file_is_read_in_linear_work_with_each_event_at_its_line() {
    // 30,000 events: counting the lines before each event from the start of the file took
    // minutes; one pass takes a second even in a debug build.
    let dir = scratch("toml");
    let path = dir.join("c.toml");
    let mut text = String::new();
    for i in 0..30_000 {
        text.push_str(&format!(
            "[[events]]\ncase = \"C{}\"\nat = \"2026-03-01T09:00:00Z\"\nrole = \"buyer\"\naction = \"open\"\n\
             reason = \"damaged\"\namount = \"12.50\"\norder_total = \"40.00\"\n\n",
            i % 5000
        ));
    }
    text.push_str("[[events]]\ncase = \"Z\"\n");
    std::fs::write(&path, &text).unwrap();
    let lines = text.lines().count();
    let started = std::time::Instant::now();
    let (out, err, code) = docket(&["eval", POLICY, path.to_str().unwrap(), "--case", "Z"]);
    let took = started.elapsed();
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("c.toml:{}: malformed line skipped: the event has no `at` key", lines - 1)), "{err}");
    assert!(out.contains("1 malformed"), "{out}");
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
}

#[test]
fn many_long_misspelt_names_share_one_suggestion_budget_per_file() {
    // 300 targets of 400 characters, each one letter off a declared status: every search for a
    // "did you mean" is bounded, and all of them together are too, so the file is not seconds of
    // edit distances. The first ones still get their suggestion.
    let dir = scratch("suggest-budget");
    let pad = "x".repeat(400);
    let n = 300;
    let mut text =
        String::from("policy long_names \"Long names\"\nroles buyer\noutcomes done\nactions {\n  buyer go\n}\n");
    text.push_str("initial status start \"Start\" {\n");
    for i in 0..n {
        text.push_str(&format!("  buyer go when false -> s{i}_{pad}_y\n"));
    }
    text.push_str("}\n");
    for i in 0..n {
        text.push_str(&format!("terminal status s{i}_{pad}_x \"S{i}\" outcome done\n"));
    }
    let policy = policy_file(&dir, &text);
    let (out, err, code) = docket(&["check", &policy, "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let suggested = out.matches("did you mean").count();
    assert!(suggested >= 1, "the first misspelt names get a suggestion");
    assert!(suggested < n, "{suggested} suggestions: the file's budget did not stop them");
}
