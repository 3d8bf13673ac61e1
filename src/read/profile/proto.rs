//! The messages of pprof's `profile.proto`, decoded (binary inputs) and
//! encoded (`export`) with prost's derive (no
//! `protoc`, no build script). Field numbers follow
//! `github.com/google/pprof/proto/profile.proto`; fields newer pprof added
//! (`Line.column` = 3) are left out on purpose: Go 1.19's
//! pprof, whose output this crate reproduces, ignores them too, and prost
//! skips unknown fields.
//!
//! Strings are kept as bytes: pprof's Go decoder does not require UTF-8,
//! prost's `string` would refuse a profile with one odd symbol name.

/// `message Profile`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Profile {
    /// What each sample's values measure.
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    /// The samples.
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    /// The mapped binaries.
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<Mapping>,
    /// The locations the samples point to.
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    /// The functions the locations' lines point to.
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    /// Every string of the profile; index 0 is the empty string.
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_table: Vec<Vec<u8>>,
    /// A regex (string index) of frames to drop, with all below.
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    /// A regex (string index) of frames kept despite `drop_frames`.
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    /// When the profile was taken, in nanoseconds since the Unix epoch.
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    /// How long it was taken over, in nanoseconds.
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    /// What the sampling period measures.
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    /// The sampling period.
    #[prost(int64, tag = "12")]
    pub period: i64,
    /// Free-text comments (string indexes).
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    /// The sample type shown by default (a string index).
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
    /// Newer pprof's `doc_url` (a string index): written by `export` from a
    /// report's `Doc:` line; Go 1.19's pprof ignores it.
    #[prost(int64, tag = "15")]
    pub doc_url: i64,
}

/// `message ValueType`: indexes into the string table.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueType {
    /// The type's name (`inuse_space`).
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    /// Its unit (`bytes`).
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

/// `message Sample`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    /// The stack, leaf first, as location ids.
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    /// One value per sample type.
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
    /// Its labels.
    #[prost(message, repeated, tag = "3")]
    pub label: Vec<Label>,
}

/// `message Label`: a string label (`str`) or a numeric one (`num`,
/// optionally with `num_unit`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Label {
    /// The key (string index).
    #[prost(int64, tag = "1")]
    pub key: i64,
    /// A string value (string index), or 0.
    #[prost(int64, tag = "2")]
    pub str: i64,
    /// A numeric value.
    #[prost(int64, tag = "3")]
    pub num: i64,
    /// The numeric value's unit (string index), or 0.
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

/// `message Mapping`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Mapping {
    /// The mapping's id (1-based).
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Where it starts in the address space.
    #[prost(uint64, tag = "2")]
    pub memory_start: u64,
    /// Where it ends (exclusive).
    #[prost(uint64, tag = "3")]
    pub memory_limit: u64,
    /// The file offset of its start.
    #[prost(uint64, tag = "4")]
    pub file_offset: u64,
    /// The mapped file (string index).
    #[prost(int64, tag = "5")]
    pub filename: i64,
    /// The binary's build id (string index).
    #[prost(int64, tag = "6")]
    pub build_id: i64,
    /// True when its locations were symbolized to functions.
    #[prost(bool, tag = "7")]
    pub has_functions: bool,
    /// True when they carry file names.
    #[prost(bool, tag = "8")]
    pub has_filenames: bool,
    /// True when they carry line numbers.
    #[prost(bool, tag = "9")]
    pub has_line_numbers: bool,
    /// True when they carry inlined frames.
    #[prost(bool, tag = "10")]
    pub has_inline_frames: bool,
}

/// `message Location`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Location {
    /// The location's id (1-based).
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// The id of its mapping, or 0.
    #[prost(uint64, tag = "2")]
    pub mapping_id: u64,
    /// The instruction address.
    #[prost(uint64, tag = "3")]
    pub address: u64,
    /// Its source lines, innermost (inlined) first.
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
    /// True when several addresses were folded into it.
    #[prost(bool, tag = "5")]
    pub is_folded: bool,
}

/// `message Line`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Line {
    /// The id of the function.
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    /// The source line number.
    #[prost(int64, tag = "2")]
    pub line: i64,
}

/// `message Function`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Function {
    /// The function's id (1-based).
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Its name (string index).
    #[prost(int64, tag = "2")]
    pub name: i64,
    /// Its symbol name (string index).
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    /// Its source file (string index).
    #[prost(int64, tag = "4")]
    pub filename: i64,
    /// The line where it starts.
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}
