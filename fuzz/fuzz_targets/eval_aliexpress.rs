//! The evaluator on arbitrary logs against `policies/aliexpress.policy`: no panic, the totals add
//! up, and the same log gives the same output twice. The first byte chooses `--now`.
#![no_main]

use std::sync::OnceLock;

static TABLE: OnceLock<Option<docket::compile::table::TransitionTable>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let table = TABLE.get_or_init(|| docket_fuzz::compile(include_str!("../../policies/aliexpress.policy")));
    let Some(table) = table else { panic!("policies/aliexpress.policy does not compile") };
    let (now, log) = match data.split_first() {
        Some((b, rest)) => (docket_fuzz::NOWS[usize::from(*b) % docket_fuzz::NOWS.len()], rest),
        None => (None, data),
    };
    docket_fuzz::eval_log(table, log, now);
});
