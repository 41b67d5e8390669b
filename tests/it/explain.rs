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

// ---- a case explained for itself ----

/// Write a log to a fresh temporary directory; its path.
fn temp_log(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("docket-explain-log-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("log.jsonl");
    std::fs::write(&path, text).unwrap();
    path
}

fn explain_case(log: &std::path::Path, id: &str, extra: &[&str]) -> String {
    let mut args = vec!["explain", POLICY, "--case", id, "--events", log.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (out, err, code) = docket(&args);
    assert_eq!(code, 0, "{err}");
    out
}

/// Three open disputes one hour old: not received with a delivery date, not received without one,
/// and damaged with a delivery date.
const THREE: &str = r#"{"case": "NR", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "not_received", "amount": "30.00", "order_total": "40.00", "delivery_due": "2026-03-10T00:00:00Z"}
{"case": "NR-NO-DATE", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "not_received", "amount": "30.00", "order_total": "40.00"}
{"case": "DAMAGED", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": "30.00", "order_total": "40.00", "delivery_due": "2026-03-10T00:00:00Z"}
"#;

#[test]
fn a_case_lists_only_the_timers_that_can_fire_for_it() {
    let log = temp_log("timers", THREE);
    let now = ["--now", "2026-03-01T10:00:00Z"];
    let nr = explain_case(&log, "NR", &now);
    assert!(
        nr.contains("  - at 2026-03-10T00:00:00Z, delivery_overdue (at delivery_due): as reason is not_received then: the case goes to escalated.processing (\"Processing\"). (line 73; R13)"),
        "{nr}"
    );
    // Its field is absent: it cannot fire. Its condition is false for a damaged item: not pending.
    assert!(!explain_case(&log, "NR-NO-DATE", &now).contains("delivery_overdue"));
    let damaged = explain_case(&log, "DAMAGED", &now);
    assert!(!damaged.contains("delivery_overdue"), "{damaged}");
    assert!(damaged.contains("  - at 2026-03-06T09:00:00Z, seller_response (5d after"), "{damaged}");
    // The status in general names it.
    let (general, _, _) = docket(&["explain", POLICY, "dispute_open.awaiting_seller"]);
    assert!(general.contains("delivery_overdue"), "{general}");
    std::fs::remove_dir_all(log.parent().unwrap()).unwrap();
}

#[test]
fn a_case_says_when_a_time_gated_action_opens_for_it_and_the_values_its_conditions_read() {
    let log = temp_log("opens", THREE);
    let out = explain_case(&log, "DAMAGED", &["--now", "2026-03-01T10:00:00Z"]);
    assert!(
        out.contains("  Opens later by itself:\n  - buyer escalate at 2026-03-04T09:00:00Z, when either offer_made is true or at least 3d have passed since the case entered dispute_open: the case goes to escalated.processing (\"Processing\"). (line 80; R11)\n"),
        "{out}"
    );
    assert!(
        out.contains("  - seller propose, if amount is at least 0 and amount is at most order_total (here order_total is 40.00): "),
        "{out}"
    );
    // Once open, it is one of the actions, and the condition that lets it is said to hold.
    let out = explain_case(&log, "DAMAGED", &["--now", "2026-03-04T10:00:00Z"]);
    assert!(!out.contains("Opens later"), "{out}");
    assert!(
        out.contains("  - buyer escalate (as either offer_made is true or at least 3d have passed since the case entered dispute_open now (here offer_made is false)): "),
        "{out}"
    );
    std::fs::remove_dir_all(log.parent().unwrap()).unwrap();
}

#[test]
fn an_automatic_rule_false_for_the_case_is_not_offered() {
    let log = temp_log(
        "auto",
        r#"{"case": "R", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": "30.00", "order_total": "40.00"}
{"case": "R", "at": "2026-03-01T10:00:00Z", "role": "seller", "action": "accept"}
"#,
    );
    let out = explain_case(&log, "R", &[]);
    assert!(out.contains("refunding.waiting \"Waiting for the refund\""), "{out}");
    assert!(!out.contains("As soon as refund is 0"), "refund is 30.00 here: {out}");
    let (general, _, _) = docket(&["explain", POLICY, "refunding.waiting"]);
    assert!(general.contains("- As soon as refund is 0: the case goes to released"), "{general}");
    std::fs::remove_dir_all(log.parent().unwrap()).unwrap();
}

/// Escalated at once (the seller rejects), evidence requested and missed, then a refund decided
/// at the claim and paid.
const MISSED: &str = r#"{"case": "E", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": "30.00", "order_total": "40.00"}
{"case": "E", "at": "2026-03-01T10:00:00Z", "role": "seller", "action": "reject"}
{"case": "E", "at": "2026-03-01T11:00:00Z", "role": "buyer", "action": "escalate"}
{"case": "E", "at": "2026-03-02T09:00:00Z", "role": "buyer", "action": "submit_info"}
{"case": "E", "at": "2026-03-02T10:00:00Z", "role": "platform", "action": "request_evidence", "from": "seller", "due": "2026-03-04T00:00:00Z"}
{"case": "E", "at": "2026-03-05T10:00:00Z", "role": "platform", "action": "decide", "amount": "30.00"}
{"case": "E", "at": "2026-03-06T10:00:00Z", "role": "platform", "action": "refund_completed"}
"#;

#[test]
fn a_closed_case_gives_its_outcome_with_the_amount_and_its_missed_deadlines() {
    let log = temp_log("closed", MISSED);
    let out = explain_case(&log, "E", &[]);
    assert!(out.contains("\nSLA deadlines it missed:\n  - evidence_due was due 2026-03-04T00:00:00Z (line 19; R16: the due time of the platform's evidence request (SLA))\n"), "{out}");
    assert!(
        out.contains(
            "  The case is closed with the outcome refund_buyer of 30.00. Nothing more can happen. (line 170; R23)\n"
        ),
        "{out}"
    );
    assert!(!out.contains("If nobody acts"), "{out}");
    std::fs::remove_dir_all(log.parent().unwrap()).unwrap();
}

#[test]
fn an_action_closed_to_the_case_says_which_part_of_its_condition_fails() {
    let path = temp_policy(
        "closed-action",
        "policy demo \"Demo\"\nroles buyer\noutcomes done\nfields {\n  paid: bool = false\n  n: int = 0\n}\n\
         actions {\n  buyer pay\n  buyer ship\n}\n\
         initial status s \"S\" {\n  buyer pay { paid = true, n = n + 1 }\n  buyer ship when paid and n > 0 -> y  # P2\n}\n\
         terminal status y \"Y\" outcome done\n",
    );
    let log = temp_log(
        "closed-action",
        "{\"case\": \"C\", \"at\": \"2026-03-01T09:00:00Z\", \"role\": \"buyer\", \"action\": \"ship\"}\n",
    );
    let (out, err, code) =
        docket(&["explain", path.to_str().unwrap(), "--case", "C", "--events", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("  Not open to this case:\n  - buyer ship: it needs paid is true, which does not hold (here paid is false) (line 14; P2)\n"),
        "{out}"
    );
    assert!(
        out.contains("  - buyer pay: sets paid to true; sets n to n + 1; the case stays where it is. (line 13)\n"),
        "{out}"
    );
    assert!(out.contains("  If nobody acts: nothing; no timer can fire for this case.\n"), "{out}");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    std::fs::remove_dir_all(log.parent().unwrap()).unwrap();
}

#[test]
fn a_case_as_json_has_the_documented_shape() {
    let log = temp_log("json", MISSED);
    let (out, err, code) = docket(&[
        "explain",
        POLICY,
        "--case",
        "E",
        "--events",
        log.to_str().unwrap(),
        "--now",
        "2026-03-02T12:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let x: serde_json::Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = x.as_object().unwrap().keys().map(String::as_str).collect();
    let documented = [
        "case",
        "policy_version",
        "status",
        "label",
        "as_of",
        "terminal",
        "outcome",
        "docs",
        "steps",
        "rejected",
        "breached",
        "actions",
        "opens",
        "closed",
        "deadlines",
        "automatic",
        "error",
        "warnings",
    ];
    assert_eq!(keys, documented);
    let (help, _, _) = docket(&["explain", "--help"]);
    for key in documented.iter().chain(&["does", "clock", "holds", "values", "rule", "note"]) {
        assert!(help.contains(&format!("\"{key}\"")), "--help does not document `{key}`");
    }
    assert_eq!(x["status"], "escalated.awaiting_seller");
    let deadlines: Vec<&str> =
        x["deadlines"].as_array().unwrap().iter().map(|d| d["timer"].as_str().unwrap()).collect();
    // buyer_information is gone: the details were sent (R15).
    assert_eq!(deadlines, ["evidence_due", "decision_due"]);
    let evidence = &x["deadlines"][0];
    assert_eq!(
        (&evidence["at"], &evidence["effect"], &evidence["target"], &evidence["note"]),
        (
            &serde_json::json!("2026-03-04T00:00:00Z"),
            &serde_json::json!("sla"),
            &serde_json::Value::Null,
            &serde_json::json!("R16")
        )
    );
    let step = &x["steps"][2];
    assert_eq!(step["cause"], "buyer escalate");
    assert_eq!(step["line"], 3);
    assert!(step["rule"].as_str().unwrap().starts_with("buyer escalate when offer_made"), "{step}");
    let decide = x["actions"].as_array().unwrap().iter().find(|a| a["action"] == "decide").unwrap();
    assert_eq!(decide["holds"], serde_json::Value::Null, "it depends on the amount decided");
    assert_eq!(decide["values"], serde_json::json!({"claim": "30.00", "order_total": "40.00"}));
    // JSON is for a case.
    let (out, err, code) = docket(&["explain", POLICY, "refunding", "--format", "json"]);
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(err.contains("explain --format json explains a case"), "{err}");
    std::fs::remove_dir_all(log.parent().unwrap()).unwrap();
}
