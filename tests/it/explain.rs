//! `docket explain`: a status in plain words with its policy lines, and a case step by step.

use std::process::Command;

fn docket(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_docket")).args(args).output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.status.code().unwrap())
}

const POLICY: &str = "policies/aliexpress.policy";

#[test]
fn a_status_in_words_with_inherited_rules_timers_and_rule_numbers() {
    let (out, err, code) = docket(&["explain", POLICY, "dispute_open.awaiting_seller"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("dispute_open.awaiting_seller \"Awaiting the seller's confirmation\"\n"), "{out}");
    assert!(
        out.contains(
            "- seller propose, if amount is at least 0 and amount is at most order_total: sets offer to amount"
        ),
        "{out}"
    );
    assert!(out.contains("from dispute_open; R10)"), "{out}");
    assert!(out.contains("- seller_response (5d after the case entered dispute_open.awaiting_seller): sets refund to claim; the case goes to refunding.waiting"), "{out}");
    assert!(
        out.contains("either offer_made is true or at least 3d have passed since the case entered dispute_open"),
        "{out}"
    );
}

#[test]
fn an_sla_deadline_is_said_to_move_nothing() {
    let (out, _, _) = docket(&["explain", POLICY, "refunding.waiting"]);
    assert!(out.contains("refund_due (10d after the case entered refunding) is a deadline: when it passes it is marked breached; nothing moves."), "{out}");
    assert!(out.contains("- As soon as refund is 0: the case goes to released"), "{out}");
}

#[test]
fn ambiguous_and_unknown_statuses_are_usage_errors() {
    let (_, err, code) = docket(&["explain", POLICY, "awaiting_seller"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`awaiting_seller` names 2 statuses: dispute_open.awaiting_seller, escalated.awaiting_seller"),
        "{err}"
    );
    let (_, err, code) = docket(&["explain", POLICY, "negotiatin"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `negotiating`?"), "{err}");
}

#[test]
fn a_case_step_by_step_with_the_rule_that_fired() {
    let dir = std::env::temp_dir().join(format!("docket-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("log.jsonl");
    std::fs::write(
        &log,
        "{\"case\":\"X\",\"at\":\"2026-03-01T09:00:00Z\",\"role\":\"buyer\",\"action\":\"open\",\"reason\":\"damaged\",\"amount\":\"25.00\",\"order_total\":\"40.00\"}\n",
    )
    .unwrap();
    let (out, err, code) =
        docket(&["explain", POLICY, "--case", "X", "--events", log.to_str().unwrap(), "--now", "2026-03-07T00:00:00Z"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1. 2026-03-01T09:00:00Z  ordered -> dispute_open.awaiting_seller, by buyer open (log line 1)"),
        "{out}"
    );
    assert!(out.contains("2. 2026-03-06T09:00:00Z  dispute_open.awaiting_seller -> refunding.waiting, by timer seller_response running out"), "{out}");
    assert!(
        out.contains("policy line") && out.contains("after seller_response -> refunding { refund = claim }"),
        "{out}"
    );
    let (_, err, code) = docket(&["explain", POLICY, "--case", "Y", "--events", log.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no case `Y`"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Write a policy to a fresh temporary directory; its path.
fn temp_policy(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("docket-explain-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.policy");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn automatic_and_timer_rules_after_the_first_read_as_otherwise() {
    let path = temp_policy(
        "otherwise",
        "policy demo \"Demo\"\nroles buyer\noutcomes done\ntimers {\n  t = 1d\n}\nfields {\n  n: int = 0\n}\n\
         actions {\n  buyer poke\n}\n\
         initial status s \"S\" {\n  buyer poke { n = n + 1 }\n  after t when n > 5 -> y\n  else after t -> z\n\
         \x20 when n > 1 -> y\n  else when n == 0 -> z\n}\n\
         terminal status y \"Y\" outcome done\nterminal status z \"Z\" outcome done\n",
    );
    let (out, err, code) = docket(&["explain", path.to_str().unwrap(), "s"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("  - As soon as n is more than 1: the case goes to y"), "{out}");
    assert!(out.contains("  - Otherwise, as soon as n is 0: the case goes to z"), "{out}");
    assert!(out.contains("  - t (1d after the case entered s), if n is more than 5: the case goes to y"), "{out}");
    assert!(out.contains("  - t (1d after the case entered s), otherwise: the case goes to z"), "{out}");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn a_nested_status_shows_its_own_doc_and_names_its_parents() {
    let path = temp_policy(
        "docs",
        "policy demo \"Demo\"\nroles buyer\noutcomes done\nactions {\n  buyer poke\n  buyer close\n}\n\
         ## The parent's doc.\ninitial status p \"P\" {\n  ## The child's doc.\n  initial status c \"C\" {\n\
         \x20   buyer poke -> d\n  }\n  status d \"D\" {\n    buyer poke -> c\n  }\n  buyer close -> y\n}\n\
         terminal status y \"Y\" outcome done\n",
    );
    let explain = |status: &str| {
        let (out, err, code) = docket(&["explain", path.to_str().unwrap(), status]);
        assert_eq!(code, 0, "{err}");
        out.lines().take_while(|l| !l.starts_with("  Who may")).map(|l| format!("{l}\n")).collect::<String>()
    };
    assert_eq!(explain("p"), "p \"P\"\n  The parent's doc.\n  Entering it enters p.c.\n");
    assert_eq!(explain("p.c"), "p.c \"C\"\n  The child's doc.\n  Inside p: The parent's doc.\n");
    assert_eq!(explain("p.d"), "p.d \"D\"\n  Inside p: The parent's doc.\n");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn timers_counted_on_calendars_restarted_or_paused_are_said_in_words() {
    let policy = "tests/scenarios/semantics/time.policy";
    let said = |status: &str| {
        let (out, err, code) = docket(&["explain", policy, status]);
        assert_eq!(code, 0, "{err}");
        out
    };
    assert!(said("bd").contains("answer (3 business days of calendar uk after the case entered bd)"));
    assert!(said("bh").contains("reply (4 business hours of calendar uk after the case entered bh)"));
    assert!(said("month").contains("30d by the clocks of Europe/London (calendar uk)"));
    assert!(said("dated").contains("later (at end_of_day(due_by) + 75d) is a deadline"));
    assert!(said("table").contains("window (30d for visa, 45d for mastercard (by network)"));
    let idle = said("idle");
    assert!(
        idle.contains("idle (10d after the case entered idle, counted again from every event applied to the case)")
    );
    assert!(idle.contains("counted again from every event of agent"));
    let held = said("waiting.held");
    assert!(
        held.contains(
            "decide (48h after the case entered waiting, its clock stopped while the case is in waiting.held)"
        )
    );
    assert!(held.contains("its clock stopped while on_hold"));
}
