//! Fuzz target `parse_value`: see `fuzz/harness.rs` (value) and fuzz/README.md.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::value(data));
