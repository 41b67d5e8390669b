//! The evaluator on arbitrary small policies with arbitrary logs. The input is a policy, a line
//! `%%`, then the log; a policy that does not check is skipped.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(at) = data.windows(4).position(|w| w == b"\n%%\n") else { return };
    let (policy, log) = (&data[..at], &data[at + 4..]);
    if policy.len() > 16 * 1024 {
        return;
    }
    let Ok(policy) = std::str::from_utf8(policy) else { return };
    if let Some(table) = docket_fuzz::compile(policy) {
        docket_fuzz::eval_log(&table, log, None);
    }
});
