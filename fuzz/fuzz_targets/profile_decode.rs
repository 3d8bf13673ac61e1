//! Fuzz target `profile_decode`: see `fuzz/harness.rs` (profile_decode) and fuzz/README.md.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::profile_decode(data));
