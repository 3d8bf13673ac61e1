//! Fuzz target `traces_lenient`: see `fuzz/harness.rs` (traces_lenient) and fuzz/README.md.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::traces_lenient(data));
