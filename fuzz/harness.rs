//! The entry points the fuzz targets call, shared with the stable-Rust
//! replay test `tests/fuzz_corpus.rs` (which includes this file with
//! `#[path]`), so that CI runs every committed corpus input through exactly
//! what was fuzzed. Each function takes arbitrary bytes and may return an
//! error; it must never panic, loop forever or abort.

#![allow(dead_code)]

// The binary's command line, compiled into the harness as it is into the
// binary (the library does not carry it).
#[allow(dead_code, unused_imports)]
#[path = "../src/cli.rs"]
mod cli;
#[allow(dead_code, unused_imports)]
#[path = "../src/cmd/mod.rs"]
mod cmd;

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use traces_tool::output::traces::{write_header, write_record, write_trailer};
use traces_tool::read::traces::{ReaderOptions, TraceReader};
use traces_tool::read::{open_bytes, RecordSource, SourceOptions};
use traces_tool::record::{Names, Record};
use traces_tool::units::{format_centi, format_centi_in, parse_value, unit_suffix};

/// At most this many records are read from one input (a fuzz input is
/// small; this only bounds the work of pathological ones).
const MAX_RECORDS: usize = 100_000;

/// A fuzz entry point: runs one input.
pub type Target = fn(&[u8]);

/// The fuzz targets, by name: the name of `fuzz/fuzz_targets/NAME.rs`, of
/// `fuzz/corpus/NAME/`, and the function that runs one input.
pub const TARGETS: &[(&str, Target)] = &[
    ("traces_strict", traces_strict),
    ("traces_lenient", traces_lenient),
    ("parse_value", value),
    ("open_bytes", open_any),
    ("profile_decode", profile_decode),
    ("raw", raw_text),
    ("commands", command),
];

/// The streaming traces parser, strict: bytes as read from a file (no
/// decoding). A report it accepts must read back the same after being
/// written out again (what `traces-tool cat` relies on).
pub fn traces_strict(data: &[u8]) {
    let Ok(first) = read_traces(data, false) else { return };
    if ends_in_cr(&first) {
        return;
    }
    let again = read_traces(&first.text, false).expect("a written report reads back");
    assert_eq!(first.records, again.records, "records change when written and read again");
}

/// The streaming traces parser, lenient: it may only fail in the header;
/// what it skips is counted.
pub fn traces_lenient(data: &[u8]) {
    let Ok(read) = read_traces(data, true) else { return };
    if ends_in_cr(&read) {
        return;
    }
    let again = read_traces(&read.text, false).expect("what lenient reading keeps is well-formed");
    assert_eq!(read.records, again.records);
}

/// True when a name or label read ends in `\r`: its line ended in
/// `\r\r\n`, and each reading drops one `\r` (pprof never prints one; not
/// a round trip to check).
fn ends_in_cr(read: &Read) -> bool {
    read.records.iter().any(|(labels, _, frames)| {
        labels.iter().any(|(k, v)| k.ends_with('\r') || v.ends_with('\r'))
            || frames.iter().any(|(name, _)| name.ends_with('\r'))
    })
}

/// A record as read: labels, value text, frames (name, inline).
type Rec = (Vec<(String, String)>, String, Vec<(String, bool)>);

/// One report read: the records (labels, value text, frames) and the
/// report written back as `cat` writes it.
struct Read {
    records: Vec<Rec>,
    text: Vec<u8>,
}

fn read_traces(data: &[u8], lenient: bool) -> traces_tool::error::Result<Read> {
    let options = ReaderOptions { lenient, ..Default::default() };
    let mut reader = TraceReader::new("fuzz", data, options)?;
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut text = Vec::new();
    write_header(&mut text, reader.header()).expect("write to memory");
    let mut records = Vec::new();
    while records.len() < MAX_RECORDS && reader.read_record(&mut rec, &mut names)? {
        write_record(&mut text, &rec, &names).expect("write to memory");
        let _ = parse_value(rec.value_text()).expect("a read value parses");
        records.push((
            rec.labels().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            rec.value_text().to_owned(),
            rec.frames.iter().map(|f| (names.get(f.name).to_owned(), f.inline)).collect(),
        ));
    }
    write_trailer(&mut text).expect("write to memory");
    let _ = reader.dimension();
    let _ = reader.skipped();
    Ok(Read { records, text })
}

/// `units::parse_value`, and formatting what it read back.
pub fn value(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let _ = unit_suffix(token);
    let Ok(v) = parse_value(token) else { return };
    let text = format_centi(v.centi, v.dim, unit_suffix(token));
    let _ = format_centi_in(v.centi, v.dim, unit_suffix(token));
    // What pprof prints reads back as the same amount (auto-scaled text
    // may round, but never changes dimension).
    if let Ok(back) = parse_value(&text) {
        assert!(back.dim == v.dim || back.centi == 0 || v.centi == 0, "{token} -> {text}");
    }
}

/// Every kind of input by content, as commands open it: gzip, UTF-16,
/// traces text, `-raw` text or a binary profile, at the default and at a
/// chosen sample index.
pub fn open_any(data: &[u8]) {
    for index in [None, Some("0"), Some("alloc_space")] {
        let options =
            SourceOptions { sample_index: index.map(str::to_owned), ..Default::default() };
        if let Ok(source) = open_bytes("fuzz", data.to_vec(), options) {
            drain(source);
        }
    }
}

/// The binary profile decoder (`profile::decode`) and the records of what
/// it decodes.
pub fn profile_decode(data: &[u8]) {
    for index in [None, Some("1")] {
        if let Ok(source) = traces_tool::read::profile::open("fuzz", data, index) {
            drain(Box::new(source));
        }
    }
}

/// The `-raw` text reader.
pub fn raw_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = traces_tool::read::raw::looks_like_raw(&text);
    if let Ok(source) = traces_tool::read::raw::open("fuzz", &text, None) {
        drain(Box::new(source));
    }
}

fn drain(mut source: Box<dyn RecordSource>) {
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut n = 0;
    while n < MAX_RECORDS && matches!(source.read_record(&mut rec, &mut names), Ok(true)) {
        n += 1;
    }
    let _ = (source.header(), source.dimension(), source.skipped());
}

/// The command lines [`command`] chooses from; `FILE` is the input.
pub const COMMANDS: &[&[&str]] = &[
    &["grep", ".", "FILE"],
    &["grep", "--top", "3", "--stacks", "--format", "json", "main", "FILE"],
    &["grep", "--leaf", "-F", "(*", "--format", "ndjson", "FILE"],
    &["hist", "--all", "FILE"],
    &["hist", "--all", "--by", "bytes", "--buckets", "log2", "--format", "csv", "FILE"],
    &["csv", "FILE"],
    &["csv", "--frames", "--format", "json", "FILE"],
    &["top", "FILE"],
    &["top", "--cum", "--nodecount", "3", "--granularity", "lines", "--format", "json", "FILE"],
    &["top", "--unit", "MB", "--nodefraction", "0", "FILE"],
    &["peek", ".", "FILE"],
    &["peek", "--granularity", "files", "--format", "json", "main", "FILE"],
    &["stacks", "FILE"],
    &["stacks", "--top", "2", "--format", "csv", "FILE"],
    &["summary", "FILE"],
    &["summary", "--format", "json", "FILE"],
    &["diff", "FILE", "FILE"],
    &["diff", "FILE"],
    &["diff", "--by", "stack", "--format", "json", "FILE", "FILE"],
    &["blame", "FILE"],
    &["blame", "--app", "main", "--format", "json", "FILE"],
    &["cat", "FILE"],
    &["cat", "--focus", "main", "--ignore", "runtime", "--hide", "sync", "FILE"],
    &["cat", "--show-from", "main", "--tagfocus", "bytes=1kb:", "--min", "1kB", "FILE"],
    &["folded", "FILE"],
    &["folded", "--diff", "FILE", "FILE"],
    &["flamegraph", "FILE"],
    &["flamegraph", "--diff", "--inverted", "FILE"],
    &["export", "-o", "/dev/null", "FILE"],
];

static INPUTS: AtomicU64 = AtomicU64::new(0);

/// One command on one input: the first byte picks the command line from
/// [`COMMANDS`] (bit 7: with `--lenient`), the rest is the input, written
/// to a temporary file.
pub fn command(data: &[u8]) {
    use clap::Parser as _;
    let Some((&pick, input)) = data.split_first() else { return };
    let line = COMMANDS[usize::from(pick & 0x7f) % COMMANDS.len()];
    let n = INPUTS.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("traces-tool-fuzz-{}-{n}", std::process::id()));
    std::fs::File::create(&path).and_then(|mut f| f.write_all(input)).expect("temporary file");
    let file = path.to_str().expect("UTF-8 temporary path");
    let mut args = vec!["traces-tool"];
    args.extend(line.iter().map(|&a| if a == "FILE" { file } else { a }));
    if pick & 0x80 != 0 {
        args.push("--lenient");
    }
    let cli = cli::Cli::try_parse_from(&args).expect("valid command line");
    let mut out = traces_tool::output::text::PlainText(Vec::new());
    let _ = cli.run_into(&mut out);
    let _ = std::fs::remove_file(&path);
}
