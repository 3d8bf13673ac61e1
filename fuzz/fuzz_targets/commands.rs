//! Fuzz target `commands`: see `fuzz/harness.rs` (command) and fuzz/README.md.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::command(data));
