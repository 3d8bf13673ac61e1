//! Fuzz target `traces_strict`: see `fuzz/harness.rs` (traces_strict) and fuzz/README.md.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::traces_strict(data));
