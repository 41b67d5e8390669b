//! Docket and the hand-written baseline must agree on every total, on generated logs and on a
//! log of awkward lines. A disagreement means the generator found a case where one of them does
//! not follow `shared/domain/aliexpress.md`; find out which before changing either.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use docket::compile::table::TransitionTable;
use docket::eval::log::{EventSink, LogRun};
use docket::report::summary;
use docket_bench::{baseline, generator};
use std::io::BufRead;

fn table() -> TransitionTable {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/aliexpress.policy");
    let text = std::fs::read_to_string(path).unwrap();
    docket::compile_file(docket::span::SourceFile::new("aliexpress.policy", text)).table.expect("the policy compiles")
}

/// Docket's `eval --summary`, in process: the same line loop as the CLI.
fn docket_summary(table: &TransitionTable, log: &[u8]) -> String {
    let mut run = LogRun::new(table, false, None);
    for (i, line) in log.split_inclusive(|b| *b == b'\n').enumerate() {
        match std::str::from_utf8(line) {
            Ok(text) => run.feed_line(text, i + 1),
            Err(_) => run.malformed(i + 1, "not UTF-8".into()),
        }
    }
    run.finish();
    summary::render_text(&summary::build(&run))
}

fn baseline_summary(log: &[u8]) -> String {
    baseline::render(&baseline::run(std::io::Cursor::new(log)).unwrap())
}

#[test]
fn generated_logs_agree() {
    let table = table();
    for seed in 1..=4 {
        let cfg = generator::Config { cases: 3000, seed, malformed_per_mille: 20 };
        let mut log = Vec::new();
        generator::generate(&cfg, &mut log).unwrap();
        assert_eq!(docket_summary(&table, &log), baseline_summary(&log), "seed {seed}");
    }
}

#[test]
fn generator_covers_every_status() {
    let mut log = Vec::new();
    generator::generate(&generator::Config { cases: 3000, seed: 1, malformed_per_mille: 1 }, &mut log).unwrap();
    let text = baseline_summary(&log);
    for status in [
        "ordered",
        "dispute_open.awaiting_seller",
        "dispute_open.negotiating",
        "escalated.processing",
        "escalated.awaiting_buyer",
        "escalated.awaiting_seller",
        "decision_issued",
        "refunding.waiting",
        "refunding.processing",
        "withdrawn",
        "refunded",
        "released",
    ] {
        assert!(text.contains(&format!("  {status} ")), "no case ends in {status}:\n{text}");
    }
    let lines = log.lines().count();
    let events = text.lines().find_map(|l| l.strip_prefix("events: ")).unwrap();
    let events: usize = events.split(' ').next().unwrap().parse().unwrap();
    assert!((4.0..6.5).contains(&(events as f64 / 3000.0)), "{events} events for 3000 cases");
    assert!(lines > events, "some malformed lines");
}

#[test]
fn awkward_lines_agree() {
    let log = br#"{"case": "A-1", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": 25, "order_total": "40.00", "id": 7}
{"case": "A-1", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "damaged", "amount": "25.00", "order_total": "40.00", "id": "7"}
{"case": "A-1", "at": "2026-03-01T10:00:00+02:00", "role": "seller", "action": "propose", "amount": "abc"}
{"case": "A-1", "at": "2026-03-02T09:00:00Z", "role": "seller", "action": "propose", "amount": " 10.5 "}
{"case": "A-1", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "accept"}
{"case": "A-1", "at": "2026-03-02T10:00:00Z", "role": "buyer", "action": "modify", "amount": null}
{"case": "A-1", "at": "2026-03-02T10:00:00Z", "role": "buyer", "action": "modify", "amount": 1e1}
{"case": "A-1", "at": "2026-03-02T11:00:00Z", "role": "courier", "action": "modify"}
{"case": "A-1", "at": "2026-03-02T11:00:00Z", "role": "buyer", "action": "dance", "id": true}
["A-2", "2026-03-01T09:00:00Z", "buyer", "open"]
{"case": "A-2", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "not_received", "amount": "0", "order_total": "5", "delivery_due": "2026-03-03T00:00:00Z"}
{"case": "A-2", "at": "2026-03-03T00:00:00Z", "role": "buyer", "action": "submit_info"}
{"case": "A-2", "at": "2026-03-04T00:00:00Z", "role": "platform", "action": "request_evidence", "from": "both", "due": "2026-03-01T00:00:00Z"}
{"case": "A-2", "at": "2026-03-04T00:00:01Z", "role": "buyer", "action": "submit_evidence"}
{"case": "A-2", "at": "2026-03-05T00:00:00Z", "role": "platform", "action": "decide", "amount": "0.00"}
{"case": 3, "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open"}
{"case": "A-3", "at": "yesterday", "role": "buyer", "action": "open"}
{"case": "A-3", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "other", "amount": "5", "order_total": "5", "delivery_due": null}
{"case": "A-3", "at": "2026-03-06T09:00:00Z", "role": "buyer", "action": "escalate"}
{"case": "A-4", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "other", "amount": "5", "order_total": "5"}
{"case": "A-4", "at": "2026-03-01T10:00:00Z", "role": "buyer", "action": "cancel", "id": "x"}
{"case": "A-4", "at": "2026-03-16T10:00:00Z", "role": "buyer", "action": "open", "reason": "other", "amount": "5", "order_total": "5"}
{"case": "A-4", "at": "2026-03-01T10:00:00Z", "role": "buyer", "action": "cancel", "id": "x"}
{"case": "A-5", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "other", "amount": "5", "order_total": "5", "unknown": [1, 2]}
{"case": "A-5", "at": "2026-03-02T09:00:00Z", "role": "seller", "action": "reject"}
{"case": "A-5", "at": "2026-03-02T09:00:00Z", "role": "buyer", "action": "escalate"}
{"case": "A-5", "at": "2026-03-02T09:00:00Z", "role": "platform", "action": "decide", "amount": "6"}
{"case": "A-5", "at": "2026-03-02T09:00:00Z", "role": "platform", "action": "decide", "amount": "1"}
{"case": "A-5", "at": "2026-03-02T09:30:00Z", "role": "buyer", "action": "decline_decision"}
{"case": "A-5", "at": "2026-05-02T09:30:00Z", "role": "buyer", "action": "accept_decision"}
{"case": "A-8", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "other", "amount": "5", "order_total": "5", "delivry_due": "2026-03-02T00:00:00Z"}
{"case": "A-8", "at": "2026-03-01T10:00:00Z", "role": "buyer", "action": "open", "reason": "other", "amount": "5", "order_total": "5"}
{"case": "A-8", "at": "2026-03-01T11:00:00Z", "role": "seller", "action": "propose", "amount": "1", "reason": "other"}
{"case": "A-8", "at": "2026-03-01T12:00:00Z", "role": "seller", "action": "propose", "amount": "2"}

   
{"case": "A-6", "at": "2026-03-01T09:00:00Z", "role": "buyer", "action": "open", "reason": "other", "amount": "5", "order_total": "5"}
{"case": "A-6", "at": "2026-03-06T09:00:00Z", "role": "seller", "action": "accept"}
{"case": "A-6", "at": "2026-03-06T09:00:00Z", "role": "platform", "action": "refund_completed"}
"#;
    let mut log = log.to_vec();
    log.extend_from_slice(b"{\"case\": \"A-7\", \"at\": \"2026-03-01T09:00:00Z\", \"role\": \"buyer\xff\"}\n");
    assert_eq!(docket_summary(&table(), &log), baseline_summary(&log));
}
