//! `traces-tool top` against `go tool pprof -top` of the same profiles
//! (kept in `samples/`): byte for byte where the report is exact, within
//! the stated rounding bound where it is rounded.

use std::io::Read;

mod support;
use support::stdout_ok;

const ALL_NODES: [&str; 4] = ["--nodefraction", "0", "--edgefraction", "0"];

fn top(args: &[&str]) -> String {
    stdout_ok(&[&["top"], args].concat())
}

fn read(path: &str) -> String {
    if path.ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }
}

#[test]
fn exact_reports_give_pprofs_top_byte_for_byte() {
    let pairs = [
        ("heap/inuse_space.exact", "heap/inuse_space.exact"),
        ("heap/alloc_space.exact", "heap/alloc_space.exact"),
        ("heap/inuse_objects", "heap/inuse_objects"),
        ("heap/alloc_objects", "heap/alloc_objects"),
        ("heap/diff.inuse_space.exact", "heap/diff.inuse_space.exact"),
        ("cpu/cpu.exact", "cpu/cpu.exact"),
        ("cpu/samples", "cpu/samples"),
        ("goroutine/goroutine", "goroutine/goroutine"),
        ("mutex/contentions", "mutex/contentions"),
        ("mutex/delay.exact", "mutex/delay.exact"),
        ("block/contentions", "block/contentions"),
        ("block/delay.exact", "block/delay.exact"),
    ];
    for (traces, expected) in pairs {
        let mut args = ALL_NODES.to_vec();
        let path = format!("samples/{traces}.traces.txt");
        args.push(&path);
        assert_eq!(top(&args), read(&format!("samples/{expected}.top.txt")), "{traces}");
    }
}

#[test]
fn pprofs_default_trimming_nodecount_and_cum_sort() {
    let cases: [(&[&str], &str); 3] = [
        (&["samples/heap/inuse_space.exact.traces.txt"], "heap/inuse_space.exact.defaults"),
        (
            &["--cum", "--nodecount", "8", "samples/heap/alloc_space.exact.traces.txt"],
            "heap/alloc_space.exact.cum",
        ),
        (&["--nodecount", "5", "samples/cpu/cpu.exact.traces.txt"], "cpu/cpu.exact.nodecount"),
    ];
    for (args, expected) in cases {
        assert_eq!(top(args), read(&format!("samples/{expected}.top.txt")), "{expected}");
    }
}

#[test]
fn filters_give_pprofs_filtered_top_byte_for_byte() {
    let manifest = read("samples/filters/cases.tsv");
    let mut checked = 0;
    for line in manifest.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let (name, dir, index, flags) = (f[0], f[1], f[3], f[4]);
        let exact = format!("samples/{dir}/{index}.exact.traces.txt");
        let source = if std::path::Path::new(&exact).exists() {
            exact
        } else {
            format!("samples/{dir}/{index}.traces.txt")
        };
        let mut args: Vec<String> = ALL_NODES.iter().map(|s| s.to_string()).collect();
        for flag in flags.split_whitespace() {
            let (k, v) = flag.trim_start_matches('-').split_once('=').unwrap();
            args.push(format!("--{}", k.replace('_', "-")));
            args.push(v.to_owned());
        }
        args.push(source);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(top(&args), read(&format!("samples/filters/{name}.top.txt.gz")), "{name}");
        checked += 1;
    }
    assert!(checked >= 12);
}

/// (name, flat, cum) of pprof's top rows, in base units ×100.
fn pprof_rows(text: &str) -> Vec<(String, i128, i128, i128)> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if line.trim_start().starts_with("flat  flat%") {
            in_table = true;
            continue;
        }
        if !in_table {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let name = fields[5..].join(" ");
        let name = name.trim_end_matches(" (inline)").trim_end_matches(" (partial-inline)");
        let v = |t: &str| traces_tool::units::parse_value(t).unwrap();
        let (flat, cum) = (v(fields[0]), v(fields[3]));
        // pprof rounded these to two decimals of their unit.
        let rounding = i128::from(flat.scale.max(cum.scale)) / 2;
        rows.push((name.to_owned(), flat.centi, cum.centi, rounding));
    }
    rows
}

#[test]
fn rounded_reports_agree_with_pprof_within_the_stated_bound() {
    let pairs = [
        ("heap/inuse_space", "heap/inuse_space", "frames"),
        ("heap/alloc_space", "heap/alloc_space", "frames"),
        ("heap/diff.inuse_space", "heap/diff.inuse_space.exact", "frames"),
        ("cpu/cpu", "cpu/cpu", "frames"),
        ("mutex/delay", "mutex/delay", "frames"),
        ("block/delay", "block/delay", "frames"),
        ("heap/inuse_space.lines", "heap/inuse_space.lines", "frames"),
        ("heap/inuse_space.lines", "heap/inuse_space", "functions"),
    ];
    for (traces, expected, granularity) in pairs {
        let path = format!("samples/{traces}.traces.txt");
        let mut args = ALL_NODES.to_vec();
        args.extend(["--format", "csv", "--granularity", granularity, &path]);
        let csv = top(&args);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let ours: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let theirs = pprof_rows(&read(&format!("samples/{expected}.top.txt")));
        assert_eq!(ours.len(), theirs.len(), "{traces}: number of functions");
        let centi = |s: &str| (s.parse::<f64>().unwrap() * 100.0).round() as i128;
        for (name, flat, cum, rounding) in theirs {
            let row = ours
                .iter()
                .find(|r| r[0] == name)
                .unwrap_or_else(|| panic!("{traces}: {name} missing"));
            let (f, c, fe, ce) = (centi(&row[1]), centi(&row[2]), centi(&row[6]), centi(&row[7]));
            assert!(
                (f - flat).abs() <= fe + rounding + 1,
                "{traces} {name}: flat {f} vs {flat} ±{fe}"
            );
            assert!(
                (c - cum).abs() <= ce + rounding + 1,
                "{traces} {name}: cum {c} vs {cum} ±{ce}"
            );
        }
    }
}

#[test]
fn rounded_top_says_so_and_gives_bounds() {
    let out = top(&["samples/heap/inuse_space.traces.txt"]);
    assert!(out.contains("Rounded input: total "), "{out}");
    assert!(out.contains("±flat"), "{out}");
    let exact = top(&["samples/heap/inuse_space.exact.traces.txt"]);
    assert!(!exact.contains("Rounded"), "{exact}");
}
