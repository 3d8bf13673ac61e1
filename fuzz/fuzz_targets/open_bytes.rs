//! Fuzz target `open_bytes`: see `fuzz/harness.rs` (open_any) and fuzz/README.md.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::open_any(data));
