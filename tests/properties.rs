//! Property tests: reports generated at random and printed exactly as
//! pprof's `printTraces` prints them (`%10s:  %s` label lines, string labels
//! then numeric labels, each group sorted as whole padded lines; `%10s   %s`
//! for the leaf, 13 spaces before every caller; a separator before every
//! block and one after the last), with values formatted by an independent
//! copy of pprof's `measurement.ScaledLabel` (current and pre-2021 time
//! units). Checked: the streaming parser reads back what was printed; the
//! grammar (`grammar/traces.pest`) reads the same; `traces-tool cat` gives
//! the input back; `--lenient` drops exactly the corrupted blocks and counts
//! every one of them; `units::format_centi` prints what pprof prints and
//! `parse_value` reads it back within pprof's rounding.

mod common;

// The binary's command line, compiled into this test as it is into the
// binary (the library does not carry it).
#[allow(dead_code, unused_imports)]
#[path = "../src/cli.rs"]
mod cli;
#[allow(dead_code, unused_imports)]
#[path = "../src/cmd/mod.rs"]
mod cmd;

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::Parser as _;
use proptest::prelude::*;
use proptest::test_runner::Config;
use traces_tool::read::traces::{ReaderOptions, TraceReader, SEPARATOR};
use traces_tool::record::{Names, Record};
use traces_tool::units::{format_centi, format_centi_in, parse_value, unit_suffix, Dimension};

// ---------------------------------------------------------------------------
// pprof's measurement.ScaledLabel, written from its Go source (not from
// src/units.rs), for int64 values
// ---------------------------------------------------------------------------

/// What the values of a generated report measure, and how pprof prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Units {
    /// `B kB MB GB TB PB`, powers of 1024.
    Bytes,
    /// `ns us ms s hrs` (pprof since 2021-01).
    Time,
    /// `ns us ms s mins hrs days wks yrs` (pprof before 2021-01).
    OldTime,
    /// Bare numbers.
    Count,
    /// `-unit=megabytes` on a count profile: `11megabytes`.
    Other,
}

const MEMORY: [(&str, f64); 6] = [
    ("B", 1.0),
    ("kB", 1024.0),
    ("MB", 1048576.0),
    ("GB", 1073741824.0),
    ("TB", 1099511627776.0),
    ("PB", 1125899906842624.0),
];
const TIME: [(&str, f64); 5] = [("ns", 1.0), ("us", 1e3), ("ms", 1e6), ("s", 1e9), ("hrs", 3600e9)];
const DAY: f64 = 86400e9;

/// `strings.TrimSuffix(fmt.Sprintf("%.2f", v), ".00")`, and `0` for
/// `0`/`-0` (Rust's `{:.2}` rounds as Go's `%.2f`).
fn two_decimals(v: f64, unit: &str) -> String {
    let s = format!("{v:.2}");
    let s = s.strip_suffix(".00").unwrap_or(&s);
    if s == "0" || s == "-0" {
        "0".to_owned()
    } else {
        format!("{s}{unit}")
    }
}

/// `measurement.Label(v, unit)`: auto-scaled to the largest unit in which
/// the value is at least 1.
fn scaled_label(v: i64, units: Units) -> String {
    if v < 0 {
        // Scale recurses on -v and negates.
        let s = scaled_label(-v, units);
        return if s == "0" { s } else { format!("-{s}") };
    }
    let x = v as f64;
    let pick = |table: &[(&'static str, f64)], default: (&'static str, f64)| {
        table.iter().rev().find(|(_, f)| x / f >= 1.0).copied().unwrap_or(default)
    };
    let (unit, factor) = match units {
        Units::Bytes => pick(&MEMORY, MEMORY[0]),
        Units::Time => pick(&TIME, TIME[3]),
        Units::OldTime => {
            // The old timeLabel: <1us ns, <1ms us, <1s ms, <1min s, <1h
            // mins, <24h hrs, <15d days, <120d wks, else yrs.
            let table = [
                (1e3, ("ns", 1.0)),
                (1e6, ("us", 1e3)),
                (1e9, ("ms", 1e6)),
                (60e9, ("s", 1e9)),
                (3600e9, ("mins", 60e9)),
                (DAY, ("hrs", 3600e9)),
                (15.0 * DAY, ("days", DAY)),
                (120.0 * DAY, ("wks", 7.0 * DAY)),
            ];
            table.iter().find(|(limit, _)| x < *limit).map_or(("yrs", 365.0 * DAY), |&(_, u)| u)
        }
        Units::Count => ("", 1.0),
        Units::Other => ("megabytes", 1.0),
    };
    two_decimals(x / factor, unit)
}

// ---------------------------------------------------------------------------
// Generated reports
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Block {
    /// String labels: key, values (joined by one space when printed).
    strings: Vec<(String, Vec<String>)>,
    /// Numeric labels: key, values (bytes for `bytes`, `request`, `alignment`).
    numbers: Vec<(String, Vec<i64>)>,
    value: i64,
    /// Leaf first; the root is never inline.
    frames: Vec<(String, bool)>,
}

#[derive(Clone, Debug)]
struct Report {
    header: Vec<String>,
    units: Units,
    blocks: Vec<Block>,
}

/// The unit pprof gives a numeric label without one (`NumLabelUnits`):
/// `bytes` for `bytes`, `request`, `alignment`; else the key itself, which
/// prints as a bare number.
fn label_units(key: &str) -> Units {
    if matches!(key, "bytes" | "request" | "alignment") {
        Units::Bytes
    } else {
        Units::Count
    }
}

impl Block {
    /// The label lines in pprof's order.
    fn label_lines(&self) -> Vec<String> {
        let mut strings: Vec<String> =
            self.strings.iter().map(|(k, v)| format!("{k:>10}:  {}", v.join(" "))).collect();
        strings.sort();
        let mut numbers: Vec<String> = self
            .numbers
            .iter()
            .map(|(k, vs)| {
                let vs: Vec<String> = vs.iter().map(|&v| scaled_label(v, label_units(k))).collect();
                format!("{k:>10}:  {}", vs.join(" "))
            })
            .collect();
        numbers.sort();
        strings.extend(numbers);
        strings
    }
}

impl Report {
    /// The report as pprof prints it, block by block: (block lines).
    fn block_lines(&self) -> Vec<Vec<String>> {
        self.blocks
            .iter()
            .map(|b| {
                let mut lines = b.label_lines();
                for (i, (name, inline)) in b.frames.iter().enumerate() {
                    let mark = if *inline { " (inline)" } else { "" };
                    let value =
                        if i == 0 { scaled_label(b.value, self.units) } else { String::new() };
                    lines.push(format!("{value:>10}   {name}{mark}"));
                }
                lines
            })
            .collect()
    }

    /// The whole text: the header lines joined by `\n` and one `\n`
    /// (`Fprintln`: an empty header is one empty line), then the blocks.
    fn text(&self) -> String {
        assemble(&self.header, &self.block_lines())
    }
}

fn assemble(header: &[String], blocks: &[Vec<String>]) -> String {
    let mut out = header.join("\n");
    out.push('\n');
    for block in blocks {
        out.push_str(SEPARATOR);
        out.push('\n');
        for line in block {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(SEPARATOR);
    out.push('\n');
    out
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9_]{0,8}",
        2 => "[a-z][a-zA-Z0-9_.:/-]{9,24}",
        1 => Just("pprof::base".to_owned()),
        1 => Just(String::new()),
        1 => "[a-z]{1,5} [a-z]{1,5}",
        1 => "[α-ω]{1,12}",
    ]
}

fn label_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9_./=:-]{1,10}",
        1 => "[α-ω€]{1,4}",
        1 => Just("true".to_owned()),
        1 => "http://[a-z]{1,5}:  [a-z]{1,3}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z]{1,6}(/[a-z]{1,6}){0,2}\\.[A-Za-z][a-z0-9]{0,8}(\\.func[0-9])?",
        2 => "[a-z]{1,6}\\.\\(\\*[A-Z][a-z]{1,5}\\)\\.[A-Z][a-z]{1,6}",
        1 => "[a-z]{1,6}\\.[A-Z][a-z]{1,5}\\[\\.\\.\\.\\]",
        1 => "[a-z]{1,4}::[a-z]{1,6}<[a-z]{1,4}, [a-z]{1,4}::[a-z]{1,6}<[a-z]{1,4}> >::[a-z_]{1,8}",
        1 => "\\[[a-z]{1,6}\\.so(\\.[0-9])?\\]",
        1 => Just("<unknown>".to_owned()),
        1 => "[a-z]{1,6}\\.[a-z]{1,6} /[a-z]{1,6}/[a-z]{1,6}\\.go:[1-9][0-9]{0,3}(:[1-9][0-9]?)?",
        1 => "[0-9a-f]{16} [a-z]{1,6}\\.[a-z]{1,6}",
        // C++ and Rust names hold spaces anywhere.
        1 => "[a-z]{1,5}::[a-z]{1,5} [a-z()\\[\\]<>{}]{1,5}( [a-z]{1,5})?",
    ]
}

/// Values of a report's unit: mostly positive, some zero and negative.
fn amount(units: Units) -> impl Strategy<Value = i64> {
    // Below 2^bits, spread evenly over the powers of two, so that every
    // unit (B to PB, ns to hrs or yrs) comes up.
    let bits: u32 = match units {
        Units::Bytes | Units::Time => 52,
        Units::OldTime => 57,
        Units::Count | Units::Other => 40,
    };
    let magnitude = log_uniform(bits);
    prop_oneof![
        2 => Just(0i64),
        10 => magnitude.clone(),
        2 => magnitude.prop_map(|v| -v),
    ]
}

/// Positive values below 2^bits, each power of two as likely.
fn log_uniform(bits: u32) -> impl Strategy<Value = i64> + Clone {
    (0..bits, any::<u64>()).prop_map(|(e, m)| (1i64 << e) + (m % (1u64 << e)) as i64)
}

fn stack() -> impl Strategy<Value = Vec<(String, bool)>> {
    let frames = prop_oneof![
        10 => proptest::collection::vec((name(), any::<bool>()), 1..10),
        1 => proptest::collection::vec((name(), any::<bool>()), 50..300),
    ];
    frames.prop_map(|mut frames| {
        if let Some(root) = frames.last_mut() {
            root.1 = false;
        }
        frames
    })
}

fn block(units: Units) -> impl Strategy<Value = Block> {
    let strings = proptest::collection::btree_map(
        key(),
        proptest::collection::vec(label_value(), 0..3),
        0..4,
    );
    let numbers = proptest::collection::btree_map(
        prop_oneof![
            Just("bytes".to_owned()),
            Just("request".to_owned()),
            Just("objects".to_owned()),
            "n[a-z]{1,12}"
        ],
        proptest::collection::vec(0i64..(1 << 40), 1..3),
        0..3,
    );
    (strings, numbers, amount(units), stack()).prop_map(|(strings, numbers, value, frames)| {
        Block {
            strings: strings.into_iter().collect(),
            // A key is either a string or a numeric label here.
            numbers: numbers.into_iter().collect(),
            value,
            frames,
        }
    })
}

fn units() -> impl Strategy<Value = Units> {
    prop_oneof![
        Just(Units::Bytes),
        Just(Units::Time),
        Just(Units::OldTime),
        Just(Units::Count),
        Just(Units::Other),
    ]
}

/// Header lines in `ProfileLabels` order, each optional.
fn header(units: Units) -> impl Strategy<Value = Vec<String>> {
    let ty = match units {
        Units::Bytes => "inuse_space",
        Units::Time | Units::OldTime => "cpu",
        Units::Count | Units::Other => "alloc_objects",
    };
    let time = prop_oneof![
        Just("Time: Nov 26, 2026 at 3:13am (UTC)".to_owned()),
        Just("Time: Oct 16, 2018 at 11:14pm (+03)".to_owned()),
        Just("Time: 2024-10-09 10:00:00 UTC".to_owned()),
        Just("Time: 2025-03-01 23:59:59 -0330".to_owned()),
    ];
    let duration = prop_oneof![
        Just("Duration: 702.56ms, Total samples = 600ms (85.40%)".to_owned()),
        Just("Duration: 1.50mins, Total samples = 1.12mins (74.67%)".to_owned()),
        Just("Duration: 10s, Total samples = 10s (  100%)".to_owned()),
        Just("Duration: 702.56ms, Total samples = 60 ".to_owned()),
        Just("Duration: 1.50hrs, Total samples = 5PB ".to_owned()),
    ];
    (
        proptest::option::of("File: [a-z]{1,8}"),
        proptest::option::of("Build ID: [0-9a-f]{8,40}"),
        proptest::collection::vec("[a-z][a-z ]{0,20}", 0..2),
        any::<bool>(),
        proptest::option::of(Just("Doc: https://example.com/cpuprofile".to_owned())),
        proptest::option::of(time),
        proptest::option::of(duration),
    )
        .prop_map(move |(file, build, comments, with_type, doc, time, duration)| {
            let mut lines = Vec::new();
            lines.extend(file);
            lines.extend(build);
            lines.extend(comments);
            if with_type {
                lines.push(format!("Type: {ty}"));
            }
            lines.extend(doc);
            lines.extend(time);
            lines.extend(duration);
            lines
        })
}

fn report() -> impl Strategy<Value = Report> {
    units().prop_flat_map(|units| {
        let blocks = prop_oneof![
            8 => proptest::collection::vec(block(units), 0..6),
            1 => proptest::collection::vec(block(units), 20..40),
        ];
        (header(units), blocks).prop_map(move |(header, blocks)| Report { header, units, blocks })
    })
}

// ---------------------------------------------------------------------------
// Reading back
// ---------------------------------------------------------------------------

/// A record as read: labels (key, values as printed), value text, value in
/// hundredths, frames.
type Read = (Vec<(String, String)>, String, i128, Vec<(String, bool)>);

fn read(text: &[u8], lenient: bool) -> traces_tool::error::Result<(Vec<Read>, u64, Vec<String>)> {
    let options = ReaderOptions { lenient, ..Default::default() };
    let mut reader = TraceReader::new("generated", text, options)?;
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut out = Vec::new();
    while reader.read_record(&mut rec, &mut names)? {
        out.push((
            rec.labels().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            rec.value_text().to_owned(),
            rec.value.centi,
            rec.frames.iter().map(|f| (names.get(f.name).to_owned(), f.inline)).collect(),
        ));
    }
    let skipped = reader.skipped().iter().map(|s| s.count).sum();
    let kinds = reader.skipped().iter().map(|s| s.kind.to_owned()).collect();
    Ok((out, skipped, kinds))
}

/// What the parser must read for a block: labels, value text, frames.
type Expected = (Vec<(String, String)>, String, Vec<(String, bool)>);

/// What the parser must read for a generated block.
fn expected(report: &Report, block: &Block) -> Expected {
    let labels = block
        .label_lines()
        .iter()
        .map(|l| {
            let body = l.trim_start_matches(' ');
            let (k, v) = body.split_once(":  ").expect("a label line");
            (k.to_owned(), v.to_owned())
        })
        .collect();
    (labels, scaled_label(block.value, report.units), block.frames.clone())
}

static FILES: AtomicU64 = AtomicU64::new(0);

/// `traces-tool ARGS FILE` with `text` in FILE, through the library.
fn run_cli(args: &[&str], text: &[u8]) -> (String, Vec<String>) {
    let n = FILES.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("traces-tool-prop-{}-{n}", std::process::id()));
    std::fs::File::create(&path).and_then(|mut f| f.write_all(text)).unwrap();
    let mut argv = vec!["traces-tool"];
    argv.extend_from_slice(args);
    argv.push(path.to_str().unwrap());
    let cli = cli::Cli::try_parse_from(&argv).unwrap();
    let mut out = traces_tool::output::text::PlainText(Vec::new());
    let result = cli.run_into(&mut out);
    let _ = std::fs::remove_file(&path);
    let outcome = result.unwrap_or_else(|e| panic!("traces-tool {args:?}: {e}"));
    (String::from_utf8(out.0).unwrap(), outcome.notes)
}

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

proptest! {
    #![proptest_config(config(128))]

    /// The streaming parser reads back every label, value and frame pprof
    /// printed, and the header lines; each value lies within pprof's
    /// rounding of the amount printed.
    #[test]
    fn printed_reports_read_back(report in report()) {
        let text = report.text();
        let (records, _, _) = read(text.as_bytes(), false).map_err(|e| {
            TestCaseError::fail(format!("{e}\n{text}"))
        })?;
        prop_assert_eq!(records.len(), report.blocks.len());
        for (got, block) in records.iter().zip(&report.blocks) {
            let (labels, value, frames) = expected(&report, block);
            prop_assert_eq!(&got.0, &labels);
            prop_assert_eq!(&got.1, &value);
            prop_assert_eq!(&got.3, &frames);
            if report.units != Units::Other {
                let parsed = parse_value(&value).unwrap();
                let error = (parsed.centi - i128::from(block.value) * 100).abs();
                prop_assert!(error <= parsed.max_error_centi(), "{} for {}", value, block.value);
            }
        }
        let reader = TraceReader::new("t", text.as_bytes(), ReaderOptions::default()).unwrap();
        let header: Vec<&str> = reader.header().lines.iter().map(|(_, l)| l.as_str()).collect();
        if report.header.is_empty() {
            prop_assert_eq!(header, [""]);
        } else {
            prop_assert_eq!(header, report.header.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }

    /// The grammar and the streaming parser read the same header lines,
    /// labels, values and frames.
    #[test]
    fn grammar_agrees_with_the_parser(report in report()) {
        let text = report.text();
        let by_grammar = common::read_with_grammar(&text)
            .map_err(|e| TestCaseError::fail(format!("the grammar rejects it: {e}\n{text}")))?;
        let by_parser = common::read_with_parser("generated", &text)
            .map_err(|e| TestCaseError::fail(format!("the parser rejects it: {e}\n{text}")))?;
        if let Some(diff) = common::first_difference(&by_grammar, &by_parser) {
            return Err(TestCaseError::fail(format!("{diff}\n{text}")));
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// `traces-tool cat` prints an unfiltered report back byte for byte.
    #[test]
    fn cat_gives_the_input_back(report in report()) {
        let text = report.text();
        let (out, notes) = run_cli(&["cat"], text.as_bytes());
        prop_assert!(notes.is_empty());
        prop_assert_eq!(out, text);
    }

    /// A report of n blocks with k of them corrupted: a lenient read keeps
    /// exactly the n-k others, in order, and counts k skipped blocks, which
    /// the notes on stderr report; a strict read fails when k > 0.
    #[test]
    fn lenient_reading_loses_nothing_uncounted(
        report in report(),
        corrupt in proptest::collection::vec((any::<bool>(), 0usize..CORRUPTIONS), 40),
    ) {
        let mut blocks = report.block_lines();
        let mut bytes_blocks: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut kept = Vec::new();
        let mut k = 0u64;
        for (i, lines) in blocks.iter_mut().enumerate() {
            let (hit, how) = corrupt[i % corrupt.len()];
            let block = &report.blocks[i];
            if hit {
                bytes_blocks.push(corrupted(lines, block.frames.len(), how));
                k += 1;
            } else {
                bytes_blocks.push(lines.iter().map(|l| l.clone().into_bytes()).collect());
                kept.push(expected(&report, block));
            }
        }
        let mut text = report.header.join("\n").into_bytes();
        text.push(b'\n');
        for block in &bytes_blocks {
            text.extend_from_slice(SEPARATOR.as_bytes());
            text.push(b'\n');
            for line in block {
                text.extend_from_slice(line);
                text.push(b'\n');
            }
        }
        text.extend_from_slice(SEPARATOR.as_bytes());
        text.push(b'\n');
        let shown = String::from_utf8_lossy(&text).into_owned();
        let (records, skipped, kinds) = read(&text, true)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{shown}")))?;
        prop_assert_eq!(skipped, k, "kinds {:?}\n{:?}", kinds, shown);
        prop_assert_eq!(records.len(), kept.len());
        for (got, want) in records.iter().zip(&kept) {
            prop_assert_eq!(&got.0, &want.0);
            prop_assert_eq!(&got.1, &want.1);
            prop_assert_eq!(&got.3, &want.2);
        }
        prop_assert_eq!(read(&text, false).is_err(), k > 0);
        // The notes count the same blocks.
        let (_, notes) = run_cli(&["csv", "--lenient"], &text);
        let notes: Vec<&String> = notes.iter().filter(|n| n.contains(" malformed block")).collect();
        let counted: u64 = notes
            .iter()
            .map(|n| {
                let rest = n.split_once(": skipped ").expect("a skipped note").1;
                rest.split(' ').next().unwrap().parse::<u64>().unwrap()
            })
            .sum();
        prop_assert_eq!(counted, k);
        prop_assert_eq!(notes.len(), kinds.len());
    }

    /// `format_centi` prints what pprof's `ScaledLabel` prints for values
    /// pprof can print (whole base units below 2^53), and `parse_value`
    /// reads it back within half a hundredth of the printed unit.
    #[test]
    fn format_then_parse_round_trips(
        amount in prop_oneof![log_uniform(53), log_uniform(53).prop_map(|v| -v), Just(0i64)],
        which in 0usize..3,
    ) {
        let (units, dim) = [
            (Units::Bytes, Dimension::Bytes),
            (Units::Time, Dimension::Nanoseconds),
            (Units::Count, Dimension::Count),
        ][which];
        let text = format_centi(i128::from(amount) * 100, dim, "");
        prop_assert_eq!(&text, &scaled_label(amount, units));
        let parsed = parse_value(&text).unwrap();
        let error = (parsed.centi - i128::from(amount) * 100).abs();
        prop_assert!(error <= parsed.max_error_centi(), "{} for {}", text, amount);
        if text != "0" {
            prop_assert_eq!(parsed.dim, dim);
            // Printed again in its own unit, the value gives the same text.
            let again = format_centi_in(parsed.centi, dim, unit_suffix(&text))
                .unwrap_or_else(|| format_centi(parsed.centi, dim, ""));
            prop_assert_eq!(again, text);
        }
    }
}

/// How many ways [`corrupted`] has to break a block.
const CORRUPTIONS: usize = 8;

/// The lines of a block broken in one of [`CORRUPTIONS`] ways, each a kind
/// of malformed block the reader names; the block stays between its
/// separators. `frames` is the number of frame lines (the last lines).
fn corrupted(lines: &[String], frames: usize, how: usize) -> Vec<Vec<u8>> {
    let leaf = lines.len() - frames;
    let mut out: Vec<Vec<u8>> = lines.iter().map(|l| l.clone().into_bytes()).collect();
    match how {
        // bad-value
        0 => {
            let name = lines[leaf].trim_start().split_once("   ").expect("a value line").1;
            out[leaf] = format!("  1.2.3MB   {name}").into_bytes();
        }
        // frame-before-value
        1 => out.insert(leaf, b"             main.early".to_vec()),
        // blank-line-in-block
        2 => out.insert(leaf + 1, Vec::new()),
        // bad-separator
        3 => out.insert(leaf + 1, b"----------+-------".to_vec()),
        // empty-frame-name
        4 => out.push(b"             ".to_vec()),
        // line-after-frames
        5 => out.push(b"     extra:  label".to_vec()),
        // missing-value: the labels alone
        6 => {
            out.truncate(leaf);
            out.push(b"      role:  waiter".to_vec());
        }
        // invalid-utf8 in the leaf's name
        _ => {
            let mut line = lines[leaf].clone().into_bytes();
            line.extend_from_slice(&[0xff, 0xfe]);
            out[leaf] = line;
        }
    }
    out
}
