//! The parser and checker on arbitrary bytes: no panic, every diagnostic renders.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| docket_fuzz::parse_and_check(data));
