//! The ways out: `--format json` and `--format ndjson` of every command,
//! `folded`, `flamegraph` and `export --to pprof`. JSON is checked against
//! the CSV output of the same command (same numbers, exactly), folded
//! stacks against the stackcollapse conventions and inferno's own totals,
//! the SVG with an XML parser, and exported profiles against `go tool
//! pprof` itself when `go` is on PATH (those tests are skipped, with a
//! note, when it is not).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod support;
use support::{ok, ok_noted, run};

use serde_json::Value;
use traces_tool::units::{format_centi, Dimension};

const HEAP: &str = "samples/heap/inuse_space.traces.txt";
const HEAP_EXACT: &str = "samples/heap/inuse_space.exact.traces.txt";
const SMALL: &str = "tests/data/outputs/small.traces.txt";
const ROUNDED: &str = "tests/data/outputs/rounded.traces.txt";
const LEAK_BEFORE: &str = "samples/leak/before.exact.traces.txt";
const LEAK_AFTER: &str = "samples/leak/after.exact.traces.txt";
const LEAK_DIFF: &str = "samples/leak/diff.exact.traces.txt";

fn json(args: &[&str]) -> Value {
    let (out, _) = ok_noted(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{out}"))
}

fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            // Text cells come with a spreadsheet-safe `'` (src/output/sheet.rs).
            header
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.into(), traces_tool::output::sheet::restore(v).into()))
                .collect()
        })
        .collect()
}

/// The number as written in the JSON text (exact: serde_json keeps it).
fn num(v: &Value) -> String {
    assert!(v.is_number(), "not a number: {v}");
    v.to_string()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("traces-tool-outputs-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every `*.traces.txt` under samples/.
fn sample_reports() -> Vec<String> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir("samples").unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            if p.to_string_lossy().ends_with(".traces.txt") {
                out.push(p.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    assert!(out.len() > 10, "samples/ holds the reports");
    out
}

// ------------------------------------------------------------------ JSON --

#[test]
fn csv_json_rows_equal_the_csv_rows_exactly() {
    for file in [HEAP, ROUNDED, SMALL] {
        let csv = csv_rows(&ok(&["csv", file]));
        let doc = json(&["csv", "--format", "json", file]);
        let rows = doc["samples"].as_array().unwrap();
        assert_eq!(rows.len(), csv.len(), "{file}");
        for (j, c) in rows.iter().zip(&csv) {
            assert_eq!(num(&j["value"]), c["value"], "{file}");
            assert_eq!(j["value_text"], c["value_text"].as_str());
            assert_eq!(j["unit"], c["unit"].as_str());
            assert_eq!(j["leaf"], c["leaf"].as_str());
            assert_eq!(j["sample"].to_string(), c["sample"]);
            assert_eq!(
                j["depth"].as_u64().unwrap() as usize,
                j["frames"].as_array().unwrap().len()
            );
            // CSV stacks are root first; JSON frames leaf first.
            let names: Vec<&str> = j["frames"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .map(|f| f["name"].as_str().unwrap())
                .collect();
            assert_eq!(names.join(";"), c["stack"]);
        }
    }
    // 21.01MB is 2101 * 2^20 / 100 bytes: a JSON number with its two decimals.
    let doc = json(&["csv", "--format", "json", ROUNDED]);
    assert_eq!(num(&doc["samples"][0]["value"]), "22030581.76");
    assert_eq!(doc["samples"][0]["value_text"], "21.01MB");
    assert_eq!(num(&doc["samples"][1]["value"]), "1048576");
}

#[test]
fn csv_frames_json_has_one_row_per_frame() {
    let csv = csv_rows(&ok(&["csv", "--frames", SMALL]));
    let doc = json(&["csv", "--frames", "--format", "json", SMALL]);
    let rows = doc["frames"].as_array().unwrap();
    assert_eq!(rows.len(), csv.len());
    for (j, c) in rows.iter().zip(&csv) {
        assert_eq!(j["frame"], c["frame"].as_str());
        assert_eq!(j["inline"].to_string(), c["inline"]);
        assert_eq!(j["position"].to_string(), c["position"]);
    }
    assert_eq!(rows[0]["frame"], "main.leaf");
    assert_eq!(rows[0]["inline"], true);
}

#[test]
fn ndjson_lines_are_the_rows_of_the_json_document() {
    // csv: the same objects.
    let doc = json(&["csv", "--format", "json", HEAP]);
    let lines = ok(&["csv", "--format", "ndjson", HEAP]);
    let rows = doc["samples"].as_array().unwrap();
    let parsed: Vec<Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(&parsed, rows);
    // stacks: the same objects plus their unit.
    let doc = json(&["stacks", "-n", "0", "--format", "json", HEAP]);
    let lines = ok(&["stacks", "-n", "0", "--format", "ndjson", HEAP]);
    let stacks = doc["stacks"].as_array().unwrap();
    assert_eq!(stacks.len(), doc["distinct_stacks"].as_u64().unwrap() as usize);
    assert_eq!(lines.lines().count(), stacks.len());
    for (line, s) in lines.lines().zip(stacks) {
        let mut v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["unit"], "bytes");
        v.as_object_mut().unwrap().remove("unit");
        assert_eq!(&v, s);
    }
    // grep: one line per hit, with the function's totals.
    let doc = json(&["grep", "-n", "3", "--format", "json", "ReadMIMEHeader", HEAP]);
    let lines = ok(&["grep", "-n", "3", "--format", "ndjson", "ReadMIMEHeader", HEAP]);
    let hits: usize = doc["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["top_samples"].as_array().unwrap().len())
        .sum();
    assert!(hits > 0);
    assert_eq!(lines.lines().count(), hits);
    let first: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    let f0 = &doc["functions"][0];
    assert_eq!(first["function"], f0["function"]);
    assert_eq!(first["function_cum"], f0["cum"]);
    assert_eq!(first["frames"], f0["top_samples"][0]["frames"]);
}

#[test]
fn ndjson_is_refused_where_rows_do_not_stream() {
    for args in [
        vec!["top"],
        vec!["hist", "--all"],
        vec!["summary"],
        vec!["blame"],
        vec!["peek", "main"],
        vec!["diff", LEAK_BEFORE, LEAK_AFTER],
    ] {
        let mut a = args.clone();
        a.extend(["--format", "ndjson"]);
        if args[0] != "diff" {
            a.push(HEAP);
        }
        let r = run(&a);
        assert_eq!(r.code, 2, "{a:?}");
        // Refused by clap, which lists the formats the command writes.
        assert!(r.stderr.contains("invalid value 'ndjson'"), "{a:?}: {}", r.stderr);
        assert!(r.stderr.contains("[possible values: text, csv, json]"), "{a:?}: {}", r.stderr);
        assert!(r.bytes.is_empty());
    }
    let r = run(&["csv", "--format", "text", HEAP]);
    assert_eq!(r.code, 2);
}

#[test]
fn top_json_equals_top_csv() {
    for file in [HEAP, HEAP_EXACT, "samples/cpu/cpu.exact.traces.txt"] {
        let csv = csv_rows(&ok(&["top", "--format", "csv", file]));
        let doc = json(&["top", "--format", "json", file]);
        let nodes = doc["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), csv.len());
        for (n, c) in nodes.iter().zip(&csv) {
            assert_eq!(n["function"], c["function"].as_str());
            assert_eq!(num(&n["flat"]), c["flat"]);
            assert_eq!(num(&n["cum"]), c["cum"]);
            assert_eq!(num(&n["cum_max_error"]), c["cum_max_error"]);
        }
        // The *_text fields are the text output's columns.
        let text = ok(&["top", file]);
        let first = &nodes[0];
        let name = first["function"].as_str().unwrap();
        let row = text
            .lines()
            .find(|l| l.ends_with(&format!(" {name}")) || l.contains(&format!(" {name} (")))
            .unwrap_or_else(|| panic!("no row for {name} in\n{text}"));
        assert!(row.trim_start().starts_with(first["flat_text"].as_str().unwrap()), "{row}");
        let summary = json(&["summary", "--format", "json", file]);
        assert_eq!(doc["total"], summary["total"]);
        assert_eq!(doc["header"]["type"], summary["type"]);
    }
}

#[test]
fn every_command_has_a_json_document() {
    let cases: Vec<Vec<&str>> = vec![
        vec!["grep", "main", HEAP],
        vec!["hist", "--all", HEAP],
        vec!["hist", "--by", "bytes", "--buckets", "log2", "main", HEAP],
        vec!["csv", HEAP],
        vec!["top", HEAP],
        vec!["diff", LEAK_BEFORE, LEAK_AFTER],
        vec!["diff", "--by", "stack", LEAK_DIFF],
        vec!["blame", HEAP],
        vec!["stacks", HEAP],
        vec!["summary", HEAP],
        vec!["peek", "main\\.", HEAP],
    ];
    for case in cases {
        let mut args = case.clone();
        args.extend(["--format", "json"]);
        let doc = json(&args);
        assert!(doc.is_object(), "{args:?}");
    }
    // Spot checks of each schema against the CSV of the same command.
    let hist = json(&["hist", "--all", "--format", "json", HEAP]);
    let counted: u64 =
        hist["rows"].as_array().unwrap().iter().map(|r| r["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, hist["samples"].as_u64().unwrap());
    let hist_csv = csv_rows(&ok(&["hist", "--all", "--format", "csv", HEAP]));
    for (j, c) in hist["rows"].as_array().unwrap().iter().zip(&hist_csv) {
        assert_eq!(num(&j["value"]), c["value"]);
        assert_eq!(j["count"].to_string(), c["count"]);
    }

    let diff = json(&["diff", "-n", "0", "--format", "json", LEAK_BEFORE, LEAK_AFTER]);
    let before = diff["before"]["total"].as_i64().unwrap();
    let after = diff["after"]["total"].as_i64().unwrap();
    assert_eq!(diff["change"].as_i64().unwrap(), after - before);
    let diff_csv = csv_rows(&ok(&["diff", "-n", "0", "--format", "csv", LEAK_BEFORE, LEAK_AFTER]));
    for (j, c) in diff["rows"].as_array().unwrap().iter().zip(&diff_csv) {
        assert_eq!(j["function"], c["function"].as_str());
        assert_eq!(num(&j["flat_change"]), c["flat_change"]);
        assert_eq!(num(&j["cum_after"]), c["cum_after"]);
    }

    let blame = json(&["blame", "--format", "json", HEAP]);
    let blame_csv = csv_rows(&ok(&["blame", "--format", "csv", HEAP]));
    for (j, c) in blame["rows"].as_array().unwrap().iter().zip(&blame_csv) {
        assert_eq!(j["frame"], c["frame"].as_str());
        assert_eq!(num(&j["value"]), c["value"]);
        assert_eq!(j["kind"], c["kind"].as_str());
    }

    let stacks = json(&["stacks", "--format", "json", HEAP]);
    let stacks_csv = csv_rows(&ok(&["stacks", "--format", "csv", HEAP]));
    for (j, c) in stacks["stacks"].as_array().unwrap().iter().zip(&stacks_csv) {
        assert_eq!(num(&j["value"]), c["value"]);
        assert_eq!(j["blocks"].to_string(), c["blocks"]);
    }

    let summary = json(&["summary", "--format", "json", HEAP]);
    let fields: std::collections::HashMap<String, String> =
        csv_rows(&ok(&["summary", "--format", "csv", HEAP]))
            .into_iter()
            .map(|r| (r["field"].clone(), r["value"].clone()))
            .collect();
    assert_eq!(num(&summary["total"]), fields["total"]);
    assert_eq!(summary["samples"].to_string(), fields["samples"]);
    assert_eq!(summary["stacks"].to_string(), fields["stacks"]);
    assert_eq!(summary["exact"].to_string(), fields["exact"]);
    assert!(!summary["next"].as_array().unwrap().is_empty());

    let peek = json(&["peek", "--format", "json", "main\\.ingestHandler", HEAP]);
    let f = &peek["functions"][0];
    assert_eq!(f["function"], "main.ingestHandler");
    let callee_sum: i128 =
        f["callees"].as_array().unwrap().iter().map(|e| centi(&num(&e["weight"]))).sum();
    // cum = flat + what the callees got (no recursion here).
    assert_eq!(centi(&num(&f["cum"])), centi(&num(&f["flat"])) + callee_sum);
}

/// Hundredths of a base unit from a decimal (`22030581.76`).
fn centi(decimal: &str) -> i128 {
    let (whole, frac) = decimal.split_once('.').unwrap_or((decimal, ""));
    let negative = whole.starts_with('-');
    let v = whole.trim_start_matches('-').parse::<i128>().unwrap() * 100
        + format!("{frac:0<2}").parse::<i128>().unwrap();
    if negative {
        -v
    } else {
        v
    }
}

#[test]
fn json_schemas_are_documented_in_docs_json_md() {
    let docs = std::fs::read_to_string("docs/json.md").unwrap();
    for (name, schema) in [
        ("csv", traces_tool::output::views::csv::JSON_SCHEMA),
        ("grep", traces_tool::output::views::grep::JSON_SCHEMA),
        ("hist", traces_tool::output::views::hist::JSON_SCHEMA),
        ("top", traces_tool::output::views::top::JSON_SCHEMA),
        ("stacks", traces_tool::output::views::stacks::JSON_SCHEMA),
        ("goroutines", traces_tool::output::views::goroutines::JSON_SCHEMA),
        ("diff", traces_tool::output::views::diff::JSON_SCHEMA),
        ("blame", traces_tool::output::views::blame::JSON_SCHEMA),
        ("peek", traces_tool::output::views::peek::JSON_SCHEMA),
        ("summary", traces_tool::output::views::summary::JSON_SCHEMA),
        ("trend", traces_tool::output::views::trend::JSON_SCHEMA),
        ("fleet", traces_tool::output::views::fleet::JSON_SCHEMA),
    ] {
        assert!(docs.contains(schema), "docs/json.md lacks the schema of {name}");
        let help = ok(&[name, "--help"]);
        assert!(help.contains("JSON (--format json)"), "{name} --help lacks its schema");
    }
}

// ---------------------------------------------------------------- folded --

#[test]
fn folded_sums_identical_stacks_like_stackcollapse() {
    let out = ok(&["folded", SMALL]);
    assert_eq!(out, std::fs::read_to_string("tests/data/outputs/small.folded").unwrap());
    // The filters apply.
    assert_eq!(ok(&["folded", "--focus", "main\\.other", SMALL]), "main.main;main.other 512\n");
}

#[test]
fn folded_follows_the_conventions_on_a_real_report() {
    let out = ok(&["folded", HEAP_EXACT]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() > 10);
    let mut stacks = Vec::new();
    let mut sum = 0i128;
    for line in &lines {
        let (stack, count) = line.rsplit_once(' ').unwrap();
        assert!(count.bytes().all(|b| b.is_ascii_digit()), "{line}");
        let count: i128 = count.parse().unwrap();
        assert!(count > 0, "{line}");
        assert!(!stack.is_empty() && stack.split(';').all(|f| !f.is_empty()), "{line}");
        assert!(!stack.contains(" (inline)"), "{line}");
        sum += count;
        stacks.push(stack);
    }
    let mut sorted = stacks.clone();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(stacks, sorted, "sorted byte-wise");
    sorted.dedup();
    assert_eq!(sorted.len(), stacks.len(), "identical stacks summed");
    // Root first: every stack of this server starts at a goroutine root.
    assert!(stacks.iter().all(|s| !s.starts_with("runtime.mallocgc")));
    // The values add up to the report's total, exactly.
    let summary = json(&["summary", "--format", "json", HEAP_EXACT]);
    assert_eq!(sum * 100, centi(&num(&summary["kept_sum"])));
    // And inferno reads every line: its root frame holds the same total.
    let svg = ok(&["flamegraph", HEAP_EXACT]);
    assert!(svg.contains(&format!("all ({}, {} bytes, 100%)", pprof_bytes(sum), thousands(sum))));
}

/// Parses an SVG (inferno writes a DOCTYPE).
fn parse_svg(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    roxmltree::Document::parse_with_options(text, options)
}

fn thousands(n: i128) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pprof_bytes(n: i128) -> String {
    format_centi(n * 100, Dimension::Bytes, "")
}

#[test]
fn folded_rounds_rounded_values_and_says_so() {
    let (out, err) = ok_noted(&["folded", ROUNDED]);
    // 21.01MB + 1.50kB = 22030581.76 + 1536 bytes, rounded once, after the sum.
    assert_eq!(out, "main.main;main.big 22032118\nmain.main;main.edge 1048576\n");
    assert!(err.contains("rounded by pprof") && err.contains("-unit=b"), "{err}");
}

#[test]
fn folded_diff_gives_two_columns_from_two_reports_or_a_diff_base_report() {
    let two = ok(&["folded", "--diff", LEAK_BEFORE, LEAK_AFTER]);
    let base = ok(&["folded", LEAK_DIFF]);
    assert_eq!(two, base);
    for line in two.lines() {
        let mut parts = line.rsplitn(3, ' ');
        let (after, before) = (parts.next().unwrap(), parts.next().unwrap());
        let (a, b): (i64, i64) = (after.parse().unwrap(), before.parse().unwrap());
        assert!(a >= 0 && b >= 0 && a + b > 0, "{line}");
    }
    let r = run(&["folded", "--diff", HEAP_EXACT]);
    assert_eq!(r.code, 2, "one report without base samples");
}

// ------------------------------------------------------------ flamegraph --

#[test]
fn flamegraph_is_well_formed_svg_with_title_functions_and_pprof_units() {
    let dir = temp_dir("flamegraph");
    let path = dir.join("heap.svg");
    let title = "Heap <in> use & more";
    let out = path.to_str().unwrap();
    let r = run(&["flamegraph", "-o", out, "--title", title, "--min-width", "0", HEAP_EXACT]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.bytes.is_empty());
    let svg = std::fs::read_to_string(&path).unwrap();
    let doc = parse_svg(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.contains(&title), "the title, escaped and read back");
    let script = doc
        .descendants()
        .find(|n| n.tag_name().name() == "script")
        .and_then(|n| n.text())
        .expect("an embedded script");
    assert!(script.contains("function search("));
    // Every function of the folded stacks has a frame, and every frame's
    // tooltip leads with the value as pprof prints it.
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "title")
        .filter_map(|n| n.text())
        .collect();
    for line in ok(&["folded", HEAP_EXACT]).lines() {
        let (stack, _) = line.rsplit_once(' ').unwrap();
        let leaf = stack.rsplit(';').next().unwrap();
        assert!(titles.iter().any(|t| t.starts_with(&format!("{leaf} ("))), "no frame for {leaf}");
    }
    let mut checked = 0;
    for t in &titles {
        let inner = &t[t.rfind(" (").unwrap() + 2..t.len() - 1];
        let parts: Vec<&str> = inner.split(", ").collect();
        let count: i128 = parts[1].trim_end_matches(" bytes").replace(',', "").parse().unwrap();
        assert_eq!(parts[0], pprof_bytes(count), "{t}");
        checked += 1;
    }
    assert!(checked > 10);
    std::fs::remove_dir_all(&dir).unwrap();

    // To standard output, with the units of the report.
    let svg = ok(&["flamegraph", "samples/cpu/cpu.exact.traces.txt"]);
    assert!(svg.starts_with("<?xml"));
    assert!(svg.contains(" ns, "), "countname ns");
    assert!(svg.contains("<title>main.walk ("));
    let svg = ok(&["flamegraph", "samples/goroutine/goroutine.traces.txt"]);
    assert!(svg.contains(" samples, "), "countname samples");
}

#[test]
fn differential_flamegraph_from_two_reports_or_a_diff_base_report() {
    let two = ok(&["flamegraph", "--diff", LEAK_BEFORE, LEAK_AFTER]);
    let base = ok(&["flamegraph", LEAK_DIFF]);
    parse_svg(&two).expect("well-formed XML");
    assert_eq!(two, base);
    assert!(two.contains("inuse_space: differential flame graph"));
    // Tooltips carry the change, self and total: `; self +6.42MB, …`.
    assert!(two.contains("%; self +"), "growth in the tooltips");
    let negated = ok(&["flamegraph", "--diff", "--negate", LEAK_BEFORE, LEAK_AFTER]);
    assert_ne!(negated, two);
    let r = run(&["flamegraph", "--negate", HEAP_EXACT]);
    assert_eq!(r.code, 2);
}

// ---------------------------------------------------------------- export --

/// A decoded protobuf field: a varint or a length-delimited payload.
#[derive(Debug)]
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn varint(buf: &[u8], i: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let b = buf[*i];
        *i += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return v;
        }
        shift += 7;
    }
}

fn fields(buf: &[u8]) -> Vec<(u64, Field<'_>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < buf.len() {
        let key = varint(buf, &mut i);
        match key & 7 {
            0 => out.push((key >> 3, Field::Varint(varint(buf, &mut i)))),
            2 => {
                let len = varint(buf, &mut i) as usize;
                out.push((key >> 3, Field::Bytes(&buf[i..i + len])));
                i += len;
            }
            w => panic!("unexpected wire type {w}"),
        }
    }
    out
}

fn bytes_of<'a>(fs: &[(u64, Field<'a>)], n: u64) -> Vec<&'a [u8]> {
    fs.iter()
        .filter(|(f, _)| *f == n)
        .filter_map(|(_, v)| match v {
            Field::Bytes(b) => Some(*b),
            Field::Varint(_) => None,
        })
        .collect()
}

fn int_of(fs: &[(u64, Field<'_>)], n: u64) -> u64 {
    fs.iter()
        .find_map(|(f, v)| match v {
            Field::Varint(x) if *f == n => Some(*x),
            _ => None,
        })
        .unwrap_or(0)
}

fn packed(b: &[u8]) -> Vec<u64> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        out.push(varint(b, &mut i));
    }
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

/// The streamed export (`write_export`, sample by sample from the flat
/// table) writes the bytes `traces-tool export` writes from the whole
/// message, for every sample report, the rounded one, a `-diff_base` one
/// and one whose samples repeat (copies of leaf locations).
#[test]
fn streamed_export_writes_the_bytes_of_the_whole_message() {
    use traces_tool::analysis::export::write_export;
    use traces_tool::analysis::scan::Inputs;
    let mut reports = sample_reports();
    reports.extend([SMALL.to_owned(), ROUNDED.to_owned(), LEAK_DIFF.to_owned()]);
    for report in &reports {
        let r = run(&["export", "-o", "-", report]);
        assert_eq!(r.code, 0, "{report}: {}", r.stderr);
        let mut streamed = Vec::new();
        let summary = write_export(&Inputs::files([report.as_str()]), &mut streamed).unwrap();
        assert!(summary.samples > 0, "{report}");
        assert!(streamed == r.bytes, "{report}: the streamed export differs");
    }
}

#[test]
fn export_writes_profile_proto_with_inline_frames_folded_into_locations() {
    let r = run(&["export", "--to", "pprof", "-o", "-", SMALL]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_eq!(&r.bytes[..2], &[0x1f, 0x8b], "gzipped");
    let raw = gunzip(&r.bytes);
    let p = fields(&raw);
    let strings: Vec<String> =
        bytes_of(&p, 6).iter().map(|b| String::from_utf8(b.to_vec()).unwrap()).collect();
    assert_eq!(strings[0], "");
    let s = |i: u64| strings[i as usize].as_str();
    let types: Vec<(String, String)> = bytes_of(&p, 1)
        .iter()
        .map(|b| {
            let f = fields(b);
            (s(int_of(&f, 1)).to_owned(), s(int_of(&f, 2)).to_owned())
        })
        .collect();
    assert_eq!(types, [("blocks".into(), "count".into()), ("inuse_space".into(), "bytes".into())]);
    assert_eq!(s(int_of(&p, 14)), "inuse_space", "default sample type");
    let samples = bytes_of(&p, 2);
    assert_eq!(samples.len(), 6, "one sample per block");
    let values: Vec<Vec<u64>> =
        samples.iter().map(|b| packed(bytes_of(&fields(b), 2)[0])).collect();
    assert_eq!(values, [[1, 1536], [1, 1536], [1, 0], [1, 512], [1, 0], [1, 1024]]);
    // Functions by id, locations by id.
    let functions: std::collections::HashMap<u64, String> = bytes_of(&p, 5)
        .iter()
        .map(|b| {
            let f = fields(b);
            (int_of(&f, 1), s(int_of(&f, 2)).to_owned())
        })
        .collect();
    let locations: std::collections::HashMap<u64, (u64, Vec<String>)> = bytes_of(&p, 4)
        .iter()
        .map(|b| {
            let f = fields(b);
            let lines =
                bytes_of(&f, 4).iter().map(|l| functions[&int_of(&fields(l), 1)].clone()).collect();
            (int_of(&f, 1), (int_of(&f, 3), lines))
        })
        .collect();
    let stack = |i: usize| -> Vec<(u64, Vec<String>)> {
        let ids = packed(bytes_of(&fields(samples[i]), 1)[0]);
        ids.iter().map(|id| locations[id].clone()).collect()
    };
    // main.leaf (inline) is a line of its caller's location.
    let first = stack(0);
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].1, ["main.leaf", "main.caller"]);
    assert_eq!(first[1].1, ["main.main"]);
    // The repeat of the same stack and labels gets its own leaf location
    // (pprof would merge the two samples otherwise).
    let second = stack(1);
    assert_eq!(second[0].1, first[0].1);
    assert_ne!(second[0].0, first[0].0, "a distinct address");
    // Labels: `bytes` numeric with its unit, `worker` a string.
    let labels: Vec<(String, String, u64, String)> = fields(samples[3])
        .iter()
        .filter(|(f, _)| *f == 3)
        .map(|(_, v)| match v {
            Field::Bytes(b) => {
                let l = fields(b);
                (
                    s(int_of(&l, 1)).into(),
                    s(int_of(&l, 2)).into(),
                    int_of(&l, 3),
                    s(int_of(&l, 4)).into(),
                )
            }
            Field::Varint(_) => unreachable!(),
        })
        .collect();
    assert_eq!(
        labels,
        [
            ("worker".into(), "a".into(), 0, String::new()),
            ("bytes".into(), String::new(), 512, "bytes".into())
        ]
    );
    // The mapping carries File:, the profile the time.
    let mapping = fields(bytes_of(&p, 3)[0]);
    assert_eq!(s(int_of(&mapping, 5)), "demo");
    // Jan 2, 2025 at 3:04pm UTC.
    assert_eq!(int_of(&p, 9), 1_735_830_240 * 1_000_000_000);
}

#[test]
fn export_of_rounded_values_notes_it() {
    let dir = temp_dir("export-rounded");
    let out = dir.join("r.pb.gz");
    let (_, err) = ok_noted(&["export", "-o", out.to_str().unwrap(), ROUNDED]);
    assert!(err.contains("3 of 3 values"), "{err}");
    let raw = gunzip(&std::fs::read(&out).unwrap());
    let p = fields(&raw);
    let values: Vec<u64> =
        bytes_of(&p, 2).iter().map(|b| packed(bytes_of(&fields(b), 2)[0])[1]).collect();
    // 21.01MB; 1024kB as an amount pprof prints so (1048576 bytes is 1MB).
    assert_eq!([values[0], values[2]], [22_030_582, 1536]);
    assert!(values[1] < 1 << 20, "{values:?}");
    assert_eq!(format_centi(i128::from(values[1] as u32) * 100, Dimension::Bytes, ""), "1024kB");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn have_go() -> bool {
    let found = Command::new("go")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        support::skip("`go` is not on PATH, so `go tool pprof` cannot check the export");
    }
    found
}

/// `go tool pprof ARGS PROFILE` in the profile's folder, in UTC (pprof
/// prints the time in the local zone; the samples were printed in UTC).
fn pprof(args: &[&str], profile: &Path) -> String {
    let out = Command::new("go")
        .arg("tool")
        .arg("pprof")
        .args(args)
        .arg(profile.file_name().unwrap())
        .current_dir(profile.parent().unwrap())
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .expect("go tool pprof");
    assert!(
        out.status.success(),
        "go tool pprof {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The `-unit` a report was printed with: `b`/`ns` for `.exact.` reports.
fn exact_unit(report: &str, text: &str) -> Option<&'static str> {
    if !report.contains(".exact.") {
        return None;
    }
    let t = text.lines().find_map(|l| l.strip_prefix("Type: ")).unwrap_or("");
    Some(if matches!(t, "cpu" | "delay") { "ns" } else { "b" })
}

#[test]
fn go_tool_pprof_prints_the_exported_profile_as_the_source_report() {
    if !have_go() {
        return;
    }
    let dir = temp_dir("export-traces");
    let mut reports = sample_reports();
    reports.extend([SMALL.to_owned(), ROUNDED.to_owned()]);
    let mut failures = Vec::new();
    for report in &reports {
        let text = std::fs::read_to_string(report).unwrap();
        let profile = dir.join("out.pb.gz");
        let (_, _) =
            ok_noted(&["export", "--to", "pprof", "-o", profile.to_str().unwrap(), report]);
        let mut args = vec!["-traces"];
        let unit = if report == SMALL { Some("b") } else { exact_unit(report, &text) };
        let unit_arg = unit.map(|u| format!("-unit={u}"));
        if let Some(u) = &unit_arg {
            args.push(u);
        }
        if report.contains(".lines.") {
            args.push("-lines");
        }
        if report.contains(".addresses.") {
            args.push("-addresses");
        }
        let back = pprof(&args, &profile);
        if back != text {
            failures.push(format!("{report} ({args:?})"));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "go tool pprof -traces differs from the source: {failures:#?}");
}

#[test]
fn go_tool_pprof_top_of_the_export_equals_traces_tool_top() {
    if !have_go() {
        return;
    }
    let dir = temp_dir("export-top");
    let mut compared = 0;
    for report in sample_reports() {
        let text = std::fs::read_to_string(&report).unwrap();
        let counts = text.lines().find_map(|l| l.strip_prefix("Type: ")).is_some_and(|t| {
            matches!(t, "contentions" | "goroutine" | "inuse_objects" | "alloc_objects" | "samples")
        });
        // Exact reports only: on rounded ones traces-tool top adds bounds.
        let unit = match exact_unit(&report, &text) {
            Some(u) => Some(u),
            None if counts => None,
            None => continue,
        };
        let profile = dir.join("out.pb.gz");
        ok(&["export", "-o", profile.to_str().unwrap(), &report]);
        let unit_go = unit.map(|u| format!("-unit={u}"));
        let mut go_args = vec!["-top", "-nodefraction=0", "-edgefraction=0"];
        let mut ours = vec!["top", "--nodefraction", "0", "--edgefraction", "0"];
        if let (Some(g), Some(u)) = (&unit_go, unit) {
            go_args.push(g);
            ours.extend(["--unit", u]);
        }
        ours.push(&report);
        assert_eq!(pprof(&go_args, &profile), ok(&ours), "{report}");
        compared += 1;
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(compared >= 10, "compared {compared} reports");
}

#[test]
fn differential_tooltips_say_which_change_they_show_self_and_total() {
    let (before, after) = (LEAK_BEFORE, LEAK_AFTER);
    let svg = ok(&["flamegraph", "--diff", before, after]);
    let title = svg
        .split("<title>")
        .filter_map(|t| t.split("</title>").next())
        .find(|t| t.starts_with("example.com/leaky/middleware.SessionContext.func1 ("))
        .expect("the frame");
    // The totals of the frame agree with `diff`: its cum grew 11.69MB, its
    // flat 10.72MB.
    let diff = ok(&["diff", "--format", "json", before, after]);
    let doc: Value = serde_json::from_str(&diff).unwrap();
    let row = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["function"] == "example.com/leaky/middleware.SessionContext.func1")
        .unwrap();
    let percent = row["cum_change_percent"].as_f64().unwrap();
    assert!(title.contains("; self +10.72MB, +48.19% of the graph; "), "{title}");
    assert!(title.ends_with(&format!("; total +11.69MB, +{percent:.1}%)")), "{title}");
    // No parenthesis inside the last ones: the script cuts the name at
    // the last `(`.
    let last = &title[title.rfind('(').unwrap()..];
    assert_eq!(last.matches(')').count(), 1, "{title}");
}
