//! Reports as pprof printed them over the years (section 10 of
//! `../shared/notes/pprof-text-formats.md`): one fixture per format change
//! under `tests/data/versions/` (see its README.md), and every real
//! `-traces` file in `../shared/real-traces/` (skipped with a note when that
//! folder is absent). Each test checks what was read: header fields,
//! labels, exact values and frames.

use std::path::Path;

use traces_tool::read::traces::{ReaderOptions, TraceReader};
use traces_tool::record::{Header, HeaderField, Names, Record};
use traces_tool::units::Dimension;

mod support;
use support::{command, run_cmd};

/// One record as read: labels, value text, value in hundredths of the base
/// unit, frames (name, inline).
#[derive(Debug)]
struct Sample {
    labels: Vec<(String, String)>,
    text: String,
    centi: i128,
    frames: Vec<(String, bool)>,
}

impl Sample {
    fn names(&self) -> Vec<&str> {
        self.frames.iter().map(|(n, _)| n.as_str()).collect()
    }
}

fn read(path: &Path) -> (Header, Dimension, Vec<Sample>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.display().to_string();
    let mut reader = TraceReader::new(name, file, ReaderOptions::default()).unwrap();
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut out = Vec::new();
    while reader.read_record(&mut rec, &mut names).unwrap() {
        out.push(Sample {
            labels: rec.labels().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            text: rec.value_text().to_owned(),
            centi: rec.value.centi,
            frames: rec.frames.iter().map(|f| (names.get(f.name).to_owned(), f.inline)).collect(),
        });
    }
    (reader.header().clone(), reader.dimension(), out)
}

fn version(name: &str) -> (Header, Dimension, Vec<Sample>) {
    read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/versions").join(name))
}

fn tool(args: &[&str]) -> String {
    let out = run_cmd(command(args).current_dir(env!("CARGO_MANIFEST_DIR")), None);
    assert!(out.code <= 1, "{args:?}: {}", out.stderr);
    out.text()
}

const KB: i128 = 1024 * 100;
const MB: i128 = 1024 * KB;
const MS: i128 = 1_000_000 * 100;
const S: i128 = 1000 * MS;

#[test]
fn before_2016_12_hash_comments_are_header_comments() {
    let (header, dim, samples) = version("2016-11.hash-comments.traces.txt");
    let comments: Vec<&str> = header
        .lines
        .iter()
        .filter(|(f, _)| *f == HeaderField::Comment)
        .map(|(_, l)| l.as_str())
        .collect();
    assert_eq!(comments, ["# pprof comment: written by the profiler", "a free-form comment"]);
    assert_eq!(header.get(HeaderField::BuildId), Some("4b4a1f2c9d"));
    assert_eq!(header.sample_type(), Some("inuse_space"));
    assert_eq!(dim, Dimension::Bytes);
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].centi, 150 * MB / 100);
    assert_eq!(samples[1].centi, 512 * KB);
    assert_eq!(samples[1].names(), ["bytes.makeSlice", "bytes.(*Buffer).grow", "main.main"]);
}

#[test]
fn before_2017_07_no_numeric_label_lines() {
    let (header, dim, samples) = version("2017-06.no-numeric-labels.traces.txt");
    assert_eq!(header.get(HeaderField::Time), Some("Jun 20, 2017 at 3:04pm (PDT)"));
    assert_eq!(dim, Dimension::Bytes);
    assert_eq!(samples.len(), 3);
    assert!(samples.iter().all(|s| s.labels.is_empty()));
    assert_eq!(
        samples.iter().map(|s| s.centi).collect::<Vec<_>>(),
        [150 * MB / 100, 0, 3202 * KB / 100]
    );
    assert_eq!(samples[1].text, "0");
    assert_eq!(samples[1].names(), ["main.keep", "main.allocSmall", "main.main", "runtime.main"]);
    // No label to group by: `hist --by bytes` has one row for "no label".
    let hist = tool(&[
        "hist",
        "--all",
        "--by",
        "bytes",
        "tests/data/versions/2017-06.no-numeric-labels.traces.txt",
    ]);
    assert!(hist.contains("3 samples"), "{hist}");
}

#[test]
fn from_2017_07_to_09_numeric_labels_are_bare_integers() {
    let file = "tests/data/versions/2017-08.raw-integer-labels.traces.txt";
    let (_, dim, samples) = version("2017-08.raw-integer-labels.traces.txt");
    assert_eq!(dim, Dimension::Bytes);
    let labels: Vec<&str> = samples.iter().map(|s| s.labels[0].1.as_str()).collect();
    assert_eq!(labels, ["1024", "1536 2048", "3145728"]);
    assert!(samples.iter().all(|s| s.labels[0].0 == "bytes"));
    assert_eq!(samples[1].centi, 312 * KB / 100);
    assert_eq!(samples[2].centi, 6 * MB);
    // pprof's NumLabelUnits: a bare number under `bytes` is bytes, so a
    // byte range selects on it (2048 and 3145728 are >= 2kB; 1024 is not).
    let kept = tool(&["csv", "--tagfocus", "bytes=2kb:", file]);
    let leaves: Vec<&str> = kept.lines().skip(1).map(|l| l.split(',').nth(6).unwrap()).collect();
    assert_eq!(leaves, ["main.mk", "main.allocLarge"]);
}

#[test]
fn before_2020_no_inline_marker() {
    let (header, dim, samples) = version("2019-10.no-inline.traces.txt");
    assert_eq!(header.get(HeaderField::Duration), Some("2.62s, Total samples = 1.60s (61.15%)"));
    assert_eq!(dim, Dimension::Nanoseconds);
    assert_eq!(samples.len(), 3);
    assert!(samples.iter().all(|s| s.frames.iter().all(|(_, inline)| !inline)));
    assert_eq!(
        samples[0].labels,
        [("phase".to_owned(), "compute".to_owned()), ("worker".to_owned(), "a".to_owned())]
    );
    assert_eq!(samples[0].centi, 150 * MS);
    assert_eq!(samples[1].names(), ["main.mix", "main.walk", "main.walk", "main.main"]);
    // Without the marker the frames are nodes like any other: cum of
    // main.spin is 190ms over the two blocks with the same stack.
    let top = tool(&["top", "tests/data/versions/2019-10.no-inline.traces.txt"]);
    assert!(top.contains("190ms"), "{top}");
}

#[test]
fn before_2021_time_units_include_mins_days_wks_yrs() {
    let (_, dim, samples) = version("2020-12.old-time-units.traces.txt");
    assert_eq!(dim, Dimension::Nanoseconds);
    const DAY: i128 = 86_400 * S;
    let values: Vec<(&str, i128)> = samples.iter().map(|s| (s.text.as_str(), s.centi)).collect();
    assert_eq!(
        values,
        [
            ("1.50mins", 90 * S),
            ("2.03hrs", 203 * 3600 * S / 100),
            ("3days", 3 * DAY),
            ("2.50wks", 250 * 7 * DAY / 100),
            ("1.01yrs", 101 * 365 * DAY / 100),
            ("59.99s", 5999 * S / 100),
            ("999.50ms", 99950 * MS / 100),
        ]
    );
    // Printed back in today's units (hrs is the largest).
    let top =
        tool(&["top", "--nodecount", "1", "tests/data/versions/2020-12.old-time-units.traces.txt"]);
    assert!(top.contains("8847.60hrs"), "{top}");
}

#[test]
fn from_2024_doc_line_and_iso_time_layout() {
    let (header, _, samples) = version("2024-10.doc-and-time-layout.traces.txt");
    let kinds: Vec<HeaderField> = header.lines.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        kinds,
        [
            HeaderField::File,
            HeaderField::BuildId,
            HeaderField::Type,
            HeaderField::Doc,
            HeaderField::Time,
            HeaderField::Duration
        ]
    );
    assert_eq!(header.get(HeaderField::Doc), Some("http://example.com/cpuprofile"));
    assert_eq!(header.get(HeaderField::Time), Some("2024-10-09 10:00:00 UTC"));
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[1].frames[0], ("main.mix".to_owned(), true));
    // `summary` and `cat` keep the header as printed.
    let cat = tool(&["cat", "tests/data/versions/2024-10.doc-and-time-layout.traces.txt"]);
    assert!(
        cat.starts_with("File: cpulabels\nBuild ID: 8f1c2e0a5b\nType: cpu\nDoc: http"),
        "{cat}"
    );
}

#[test]
fn head_lines_with_columns() {
    let file = "tests/data/versions/2024-01.lines-showcolumns.traces.txt";
    let (_, _, samples) = version("2024-01.lines-showcolumns.traces.txt");
    assert_eq!(samples[0].frames[0].0, "main.spin /src/demo/main.go:99:12");
    assert_eq!(samples[1].frames[0], ("main.mix /src/demo/main.go:38:7".to_owned(), true));
    // Functions and files without `:line:column`.
    let functions = tool(&["top", "--granularity", "functions", file]);
    assert!(functions.contains("  main.spin\n"), "{functions}");
    let files = tool(&["top", "--granularity", "files", file]);
    let names: Vec<&str> = files
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat"))
        .skip(1)
        .map(|l| l.rsplit("  ").next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "/src/demo/main.go",
            "/usr/local/go/src/runtime/pprof/runtime.go",
            "C:\\src\\demo\\main.go"
        ]
    );
}

// ------------------------------------------------- real pprof output --

fn real(name: &str) -> Option<(Header, Dimension, Vec<Sample>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-traces").join(name);
    if !path.exists() {
        support::skip(&format!("{} is absent", path.display()));
        return None;
    }
    Some(read(&path))
}

#[test]
fn real_pprof_cpu_traces() {
    let Some((header, dim, samples)) = real("google-pprof__pprof.cpu.traces") else { return };
    assert_eq!(header.get(HeaderField::File), Some("testbinary"));
    assert_eq!(header.sample_type(), Some("cpu"));
    assert_eq!(header.get(HeaderField::Duration), Some("10s, Total samples = 1.12s (11.20%)"));
    assert_eq!(dim, Dimension::Nanoseconds);
    assert_eq!(
        samples.iter().map(|s| s.centi).collect::<Vec<_>>(),
        [S, 100 * MS, 10 * MS, 10 * MS]
    );
    assert_eq!(
        samples[0].labels,
        [("key1".to_owned(), "tag1".to_owned()), ("key2".to_owned(), "tag1".to_owned())]
    );
    assert_eq!(
        samples[0].frames,
        [
            ("line1000".to_owned(), false),
            ("line2001".to_owned(), true),
            ("line2000".to_owned(), false),
            ("line3002".to_owned(), true),
            ("line3001".to_owned(), true),
            ("line3000".to_owned(), false),
        ]
    );
}

#[test]
fn real_pprof_heap_tags_traces() {
    let Some((header, dim, samples)) = real("google-pprof__pprof.heap_tags.traces") else { return };
    assert_eq!(header.get(HeaderField::BuildId), Some("buildid"));
    assert_eq!(header.lines[1], (HeaderField::Comment, "comment".to_owned()));
    assert_eq!(header.sample_type(), Some("inuse_space"));
    assert_eq!(dim, Dimension::Bytes);
    let values: Vec<(&str, i128)> = samples.iter().map(|s| (s.text.as_str(), s.centi)).collect();
    assert_eq!(
        values,
        [
            ("1000kB", 1000 * KB),
            ("3.91MB", 391 * MB / 100),
            ("62.50MB", 6250 * MB / 100),
            ("31.25MB", 3125 * MB / 100)
        ]
    );
    assert_eq!(
        samples[0].labels,
        [
            ("key1".to_owned(), "tag".to_owned()),
            ("bytes".to_owned(), "100kB".to_owned()),
            ("request".to_owned(), "100kB".to_owned())
        ]
    );
    assert_eq!(samples[3].names(), ["line3002", "line3001", "line3000"]);
}

#[test]
fn real_pprof_cpu_addresses_traces() {
    let Some((_, _, samples)) = real("google-pprof__pprof.cpu.addresses.traces") else { return };
    assert_eq!(samples.len(), 4);
    assert_eq!(samples[0].frames[0].0, "0000000000001000 line1000 testdata/file1000.src:1");
    assert_eq!(
        samples[0].frames[1],
        ("0000000000002000 line2001 testdata/file2000.src:9".to_owned(), true)
    );
    assert_eq!(samples[0].centi, S);
}

#[test]
fn every_real_traces_file_is_read() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-traces");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        support::skip(&format!("{} is absent", dir.display()));
        return;
    };
    let mut count = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "traces") {
            let (header, _, samples) = read(&path);
            assert!(header.sample_type().is_some(), "{}", path.display());
            assert!(!samples.is_empty(), "{}", path.display());
            assert!(samples.iter().all(|s| !s.frames.is_empty()), "{}", path.display());
            count += 1;
        }
    }
    assert!(count >= 3, "real traces files: {count}");
}
