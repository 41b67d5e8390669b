//! Property tests for the evaluator: arbitrary logs never panic, and evaluation is deterministic.

use docket::eval::log::{EventSink, LogRun};
use proptest::prelude::*;

fn table() -> docket::compile::table::TransitionTable {
    let text = std::fs::read_to_string("policies/aliexpress.policy").unwrap();
    docket::compile_file(docket::span::SourceFile::new("aliexpress.policy", text)).table.unwrap()
}

const ACTIONS: &[(&str, &str)] = &[
    ("buyer", "open"),
    ("seller", "accept"),
    ("seller", "reject"),
    ("seller", "propose"),
    ("buyer", "accept"),
    ("buyer", "modify"),
    ("buyer", "cancel"),
    ("buyer", "escalate"),
    ("buyer", "submit_info"),
    ("platform", "request_evidence"),
    ("buyer", "submit_evidence"),
    ("seller", "submit_evidence"),
    ("platform", "decide"),
    ("buyer", "accept_decision"),
    ("buyer", "decline_decision"),
    ("platform", "refund_processing"),
    ("platform", "refund_completed"),
    ("auditor", "open"),
];

/// One plausible event line: mostly valid vocabulary, sometimes odd values.
fn line() -> impl Strategy<Value = String> {
    (0u8..6, 0u32..90 * 24, 0usize..ACTIONS.len(), 0u32..20_000, 0u32..20_000, 0u8..8, 0u8..4).prop_map(
        |(case, hour, action, amount, total, reason, from)| {
            let (role, action) = ACTIONS[action];
            let at = format!("2026-01-{:02}T{:02}:00:00Z", 1 + (hour / 24) % 28, hour % 24);
            let reasons = ["not_received", "damaged", "wrong_item", "other", "not_as_described", "lost", "", "42"];
            let froms = ["buyer", "seller", "both", "nobody"];
            let amount = format!("{}.{:02}", amount / 100, amount % 100);
            let total = format!("{}.{:02}", total / 100, total % 100);
            format!(
                "{{\"case\":\"C-{case}\",\"at\":\"{at}\",\"role\":\"{role}\",\"action\":\"{action}\",\"reason\":\"{}\",\"amount\":\"{amount}\",\"order_total\":\"{total}\",\"from\":\"{}\",\"due\":\"2026-02-01T00:00:00Z\",\"delivery_due\":\"2026-01-10T00:00:00Z\"}}",
                reasons[reason as usize], froms[from as usize]
            )
        },
    )
}

fn run(table: &docket::compile::table::TransitionTable, lines: &[String], now: Option<&str>) -> Vec<String> {
    let now = now.and_then(docket::eval::time::parse);
    let mut run = LogRun::new(table, true, now);
    for (i, l) in lines.iter().enumerate() {
        run.feed_line(l, i + 1);
    }
    run.finish();
    run.cases.iter().map(|c| serde_json::to_string(&docket::report::case::build(run.engine(c), c)).unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_log_evaluates_without_panic_and_deterministically(lines in proptest::collection::vec(line(), 0..60)) {
        let table = table();
        let once = run(&table, &lines, None);
        let twice = run(&table, &lines, None);
        prop_assert_eq!(&once, &twice);
        let later = run(&table, &lines, Some("2026-06-01T00:00:00Z"));
        prop_assert_eq!(later.len(), once.len());
    }

    #[test]
    fn arbitrary_lines_never_panic(lines in proptest::collection::vec(any::<String>(), 0..30)) {
        let table = table();
        let reports = run(&table, &lines, Some("2026-01-01T00:00:00Z"));
        prop_assert!(reports.len() <= lines.len());
    }
}

#[test]
fn a_case_state_stays_as_small_as_before_calendars_versions_and_migrations() {
    // Memory at 1M cases is mostly case states: restarts, pauses and migrated deadlines live in
    // the boxed rarely-used part, the version index in padding, entry times and spent timers
    // with 32-bit ids (256 bytes on 64-bit targets; 304 before issue 12).
    if cfg!(target_pointer_width = "64") {
        assert!(std::mem::size_of::<docket::eval::engine::CaseState>() <= 256);
    }
}
