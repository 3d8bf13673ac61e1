//! Fuzz target `raw`: see `fuzz/harness.rs` (raw_text) and fuzz/README.md.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::raw_text(data));
