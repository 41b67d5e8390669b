//! fmt's round trip on arbitrary text: format, re-parse, the same meaning, the same comments
//! attached to the same declarations, and a second format changes nothing.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        docket_fuzz::fmt_round_trip(text);
    }
});
