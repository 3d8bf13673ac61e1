//! CSV and JSON carry the same numbers: for every command that writes both,
//! on exact and rounded reports, binary profiles and filtered runs, each
//! numeric CSV column whose name is also a JSON field holds the numbers that
//! field holds (compared as exact decimals, `12.5000` = `12.5`).

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use support::run;

/// A decimal's canonical text: no trailing zeros, no `-0`.
fn canonical(text: &str) -> Option<String> {
    let t = text.trim();
    let (sign, digits) = t.strip_prefix('-').map_or(("", t), |d| ("-", d));
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let digits = if digits.contains('.') {
        digits.trim_end_matches('0').trim_end_matches('.')
    } else {
        digits
    };
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() || digits.starts_with('.') {
        format!("0{digits}")
    } else {
        digits.to_owned()
    };
    Some(if digits == "0" { digits } else { format!("{sign}{digits}") })
}

/// Numbers by key and by depth of rows: the objects of the document's
/// arrays are rows of depth 1, the objects of arrays inside those rows of
/// depth 2 (peek's callers, grep's hits), and so on; the top level is depth
/// 0 (a summary's fields).
type Numbers = BTreeMap<(String, usize), BTreeSet<String>>;

fn json_numbers(value: &Value, depth: usize, out: &mut Numbers) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if let Value::Number(n) = v {
                    let n = canonical(&n.to_string()).expect("a JSON number is a decimal");
                    out.entry((k.clone(), depth)).or_default().insert(n);
                }
                json_numbers(v, depth, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| json_numbers(v, depth + 1, out)),
        _ => {}
    }
}

/// The numbers of each CSV column whose non-empty cells are all numbers;
/// a `field,value` sheet (summary) gives each field's value.
fn csv_numbers(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    if header == ["field", "value"] {
        for row in &rows {
            if let Some(n) = canonical(&row[1]) {
                out.entry(row[0].to_owned()).or_default().insert(n);
            }
        }
        return out;
    }
    for (i, name) in header.iter().enumerate() {
        let cells: Vec<&str> = rows.iter().map(|r| &r[i]).filter(|c| !c.is_empty()).collect();
        let numbers: Option<BTreeSet<String>> = cells.iter().map(|c| canonical(c)).collect();
        if let Some(numbers) = numbers.filter(|n| !n.is_empty()) {
            out.insert(name.clone(), numbers);
        }
    }
    out
}

/// Runs `args` in both formats and compares; returns how many columns
/// were compared. A column named in `aliases` holds the numbers of several
/// JSON fields (peek's `weight` is a caller's or callee's weight, and the
/// function's own `flat` on its `self` row).
fn same_numbers(args: &[&str], aliases: &[(&str, &[&str])]) -> usize {
    let with = |format: &str| {
        let mut a = args.to_vec();
        a.extend(["--format", format]);
        let r = run(&a);
        assert!(r.code == 0, "{a:?}: exit {} {}", r.code, r.stderr);
        r.stdout
    };
    let csv = csv_numbers(&with("csv"));
    let doc: Value = serde_json::from_str(&with("json")).expect("JSON output");
    let mut json = BTreeMap::new();
    json_numbers(&doc, 0, &mut json);
    let mut compared = 0;
    for (column, numbers) in &csv {
        let fields = aliases.iter().find(|(c, _)| c == column).map_or(&[][..], |(_, f)| *f);
        let sets: Vec<BTreeSet<String>> = if fields.is_empty() {
            // The column is the field of that name in the rows of one depth.
            json.iter().filter(|((k, _), _)| k == column).map(|(_, n)| n.clone()).collect()
        } else {
            let union = json.iter().filter(|((k, _), _)| fields.contains(&k.as_str()));
            vec![union.flat_map(|(_, n)| n.iter().cloned()).collect()]
        };
        if sets.is_empty() || sets.iter().all(BTreeSet::is_empty) {
            continue;
        }
        if !sets.contains(numbers) {
            eprintln!(
                "{args:?}: column {column} differs between CSV and JSON\n  CSV: {numbers:?}\n JSON: {sets:?}"
            );
            FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        compared += 1;
    }
    compared
}

static FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

const EXACT: &str = "samples/heap/inuse_space.exact.traces.txt";
const ROUNDED: &str = "samples/heap/alloc_space.traces.txt";
const BEFORE: &str = "samples/heap/before.inuse_space.traces.txt";
const CPU: &str = "samples/cpu/cpu.traces.txt";
const PROFILE: &str = "samples/heap/heap-after.pb.gz";

#[test]
fn every_command_writes_the_same_numbers_in_csv_and_json() {
    let peek: &[(&str, &[&str])] = &[
        ("weight", &["weight", "flat"]),
        ("max_error", &["max_error", "cum_max_error", "flat_max_error"]),
    ];
    let cases: &[(&[&str], usize)] = &[
        (&["top"], 4),
        (&["top", "--granularity", "lines"], 4),
        (&["top", "--focus", "main"], 4),
        (&["peek", "main\\."], 2),
        (&["stacks"], 3),
        (&["summary"], 5),
        (&["blame"], 2),
        (&["hist", "main\\."], 3),
        (&["grep", "main\\."], 3),
        (&["csv"], 2),
    ];
    for input in [EXACT, ROUNDED, CPU, PROFILE] {
        for (args, at_least) in cases {
            if input == PROFILE && args.contains(&"lines") {
                continue;
            }
            let mut a = args.to_vec();
            a.push(input);
            let compared = same_numbers(&a, if args[0] == "peek" { peek } else { &[] });
            assert!(compared >= *at_least, "{a:?}: only {compared} numeric columns compared");
        }
    }
    for (before, after) in [(BEFORE, ROUNDED.replace("alloc", "inuse")), (BEFORE, EXACT.into())] {
        for by in ["function", "stack"] {
            let compared = same_numbers(&["diff", "--by", by, before, &after], &[]);
            assert!(compared >= 3, "diff --by {by}: only {compared} numeric columns compared");
        }
    }
    for dump in ["samples/legacy/goroutine.debug2.txt", "tests/data/legacy/dump-minutes.txt"] {
        let compared = same_numbers(&["goroutines", dump], &[]);
        assert!(compared >= 1, "goroutines {dump}: only {compared} numeric columns compared");
    }
    // Many inputs: trend's wide rows and fleet's rows.
    let ticks: Vec<String> =
        (1..=6).map(|t| format!("samples/trend/series/tick-{t}.pb.gz")).collect();
    let pods: Vec<String> =
        (1..=4).map(|n| format!("samples/trend/fleet/heap-api-{n}.pb.gz")).collect();
    for (command, inputs, at_least) in [("trend", &ticks, 8), ("fleet", &pods, 5)] {
        let mut a = vec![command, "--wide"];
        if command == "fleet" {
            a.pop();
        }
        a.extend(inputs.iter().map(String::as_str));
        let compared = same_numbers(&a, &[]);
        assert!(compared >= at_least, "{a:?}: only {compared} numeric columns compared");
    }
    assert!(!FAILED.load(std::sync::atomic::Ordering::Relaxed), "CSV and JSON disagree (above)");
}

#[test]
fn canonical_decimals() {
    assert_eq!(canonical("12.5000").as_deref(), Some("12.5"));
    assert_eq!(canonical("-0.00").as_deref(), Some("0"));
    assert_eq!(canonical("0.25").as_deref(), Some("0.25"));
    assert_eq!(canonical("100").as_deref(), Some("100"));
    assert_eq!(canonical("1e3"), None);
    assert_eq!(canonical("main.f"), None);
}
