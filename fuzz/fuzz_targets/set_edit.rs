//! `set` as a library edit on arbitrary policies: the text keeps its bytes or has exactly one
//! duration token changed. The first byte chooses the timer (among those the policy declares),
//! the second the new duration, the rest is the policy.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let [t, d, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let names: Vec<String> = match docket::edit::timers(text) {
        Ok(list) => list
            .into_iter()
            .map(|t| match t {
                docket::edit::TimerListing::Duration(d) => d.timer,
                docket::edit::TimerListing::At { timer, .. } => timer,
            })
            .collect(),
        Err(_) => return,
    };
    let timer = names.get(usize::from(*t) % names.len().max(1)).map_or("nope", String::as_str);
    let duration = docket_fuzz::DURATIONS[usize::from(*d) % docket_fuzz::DURATIONS.len()];
    docket_fuzz::set_edit(text, timer, duration);
});
