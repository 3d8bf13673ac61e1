//! The read layer: every input format has one module whose reader
//! implements [`RecordSource`] ([`source`]); [`detect`] tells the format of
//! an input from its first bytes and [`open`] opens it with the right
//! reader and streams its records ([`for_each_record`]).
//!
//! | input | module |
//! |---|---|
//! | `go tool pprof -traces` text | [`traces`] |
//! | pasted or captured reports (repaired, then read as traces or `-raw`) | [`paste`] |
//! | `go tool pprof -raw` text | [`raw`] |
//! | binary profiles (`profile.proto`, gzipped or not) | [`profile`] |
//! | `?debug=1` text profiles | [`legacy`] |
//! | goroutine dumps (`debug=2`, panics, SIGQUIT) | [`goroutine_dump`] |
//! | the data race detector's reports | [`race`] |
//!
//! [`input`] turns a path into bytes (gzip, byte-order marks, UTF-16);
//! [`input_label`] puts a label taken from its path on every sample of an
//! input (`--input-label`).

pub mod detect;
pub mod goroutine_dump;
pub mod input;
pub mod input_label;
pub mod legacy;
pub mod open;
pub mod paste;
pub mod profile;
pub mod race;
pub mod raw;
pub mod source;
mod span_check;
pub mod traces;

pub use detect::{sniff, InputKind};
pub use open::{
    for_each_record, open_bytes, open_source, paths_or_stdin, SourceOptions, MAX_WHOLE_INPUT,
};
pub use source::{RecordSource, SourceInfo};
