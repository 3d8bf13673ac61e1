//! A `;` inside a frame name survives folded stacks: `samples/eqnames/`
//! holds a real CPU profile whose hottest frame is Go's generated
//! `type..eq.struct { A int; B string; C [...]float64 }`. Its `folded`
//! output split on `;` (as inferno and `flamegraph.pl` split it) gives the
//! report's stacks frame for frame once the stand-in `；` is read back as
//! `;`; inferno draws the name as one frame; csv's and `stacks`' `stack`
//! columns split into as many frames as the `depth` column says.

use std::collections::BTreeSet;
use std::path::Path;

mod support;
use support::run;

use traces_tool::analysis::folded::SEMICOLON_STAND_IN;
use traces_tool::read::traces::{ReaderOptions, TraceReader};
use traces_tool::record::{Names, Record};

const REPORT: &str = "samples/eqnames/cpu.traces.txt";
const EQ: &str = "type..eq.struct { A int; B string; C [...]float64 }";

/// Runs the binary from the crate root; exit status 0 required.
fn stdout(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.stdout
}

/// The report's distinct stacks, root first, read here with the traces
/// reader (not through `folded`).
fn report_stacks() -> BTreeSet<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(REPORT);
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = TraceReader::new("r", text.as_bytes(), ReaderOptions::default()).unwrap();
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut out = BTreeSet::new();
    while reader.read_record(&mut rec, &mut names).unwrap() {
        out.insert(rec.frames.iter().rev().map(|f| names.get(f.name).to_owned()).collect());
    }
    out
}

/// A frame of folded text as the name it stands for.
fn unescape(frame: &str) -> String {
    frame.replace(SEMICOLON_STAND_IN, ";")
}

#[test]
fn folded_stacks_split_into_the_reports_frames() {
    let expected = report_stacks();
    assert!(expected.iter().any(|s| s.iter().any(|f| f == EQ)), "the sample lost its name");
    let out = stdout(&["folded", REPORT]);
    let mut seen = BTreeSet::new();
    for line in out.lines() {
        let (stack, value) = line.rsplit_once(' ').unwrap();
        assert!(value.parse::<u64>().is_ok(), "{line}");
        let frames: Vec<String> = stack.split(';').map(unescape).collect();
        assert!(!frames.iter().any(|f| f.trim().is_empty()), "{line}");
        seen.insert(frames);
    }
    assert_eq!(seen, expected);
    assert!(out.contains(&EQ.replace(';', &SEMICOLON_STAND_IN.to_string())), "{out}");
}

/// inferno (what `traces-tool flamegraph` draws with, and a port of
/// `flamegraph.pl`'s parsing) reads the folded text with the name as one
/// frame: a `<title>` starts with the whole name, none with its pieces.
#[test]
fn inferno_draws_the_name_as_one_frame() {
    let out = stdout(&["folded", REPORT]);
    let mut options = inferno::flamegraph::Options::default();
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, out.lines(), &mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    let shown = EQ.replace(';', &SEMICOLON_STAND_IN.to_string());
    let titles: Vec<&str> =
        svg.split("<title>").skip(1).map(|t| t.split("</title>").next().unwrap()).collect();
    assert!(titles.iter().any(|t| t.starts_with(&format!("{shown} ("))), "{titles:?}");
    assert!(!titles.iter().any(|t| t.starts_with(" B string") || t.starts_with("B string")));
    // And the command's own SVG.
    let ours = stdout(&["flamegraph", REPORT]);
    assert!(ours.contains(&shown), "flamegraph lost the name");
}

#[test]
fn csv_stack_columns_split_into_depth_frames() {
    let out = stdout(&["csv", REPORT]);
    let mut rows = csv_rows(&out);
    let header = rows.remove(0);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (stack, depth, leaf) = (col("stack"), col("depth"), col("leaf"));
    let mut with_eq = 0;
    for row in &rows {
        let frames: Vec<String> = row[stack].split(';').map(unescape).collect();
        assert_eq!(frames.len().to_string(), row[depth], "{row:?}");
        assert_eq!(frames.last().unwrap(), &row[leaf], "{row:?}");
        with_eq += usize::from(frames.iter().any(|f| f == EQ));
    }
    assert!(with_eq > 0);
    let out = stdout(&["stacks", "--format", "csv", REPORT]);
    let mut rows = csv_rows(&out);
    let header = rows.remove(0);
    let stack = header.iter().position(|h| h == "stack").unwrap();
    let got: BTreeSet<Vec<String>> =
        rows.iter().map(|r| r[stack].split(';').map(unescape).collect()).collect();
    assert_eq!(got, report_stacks());
}

/// CSV rows, with quoted fields (names hold spaces and commas).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}
