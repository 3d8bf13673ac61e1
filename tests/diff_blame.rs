//! `diff` and `blame` on the leaking service of `samples/leak/` (a middleware
//! that keeps every request in a global map): both must point at the leaking
//! middleware from the text alone, and `diff` must agree with
//! `go tool pprof -top -diff_base` to the byte on exact reports.

use std::collections::HashMap;

mod support;
use support::stdout_ok;

const LEAK: &str = "example.com/leaky/middleware.SessionContext.func1";

fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            header.iter().map(str::to_owned).zip(rec.unwrap().iter().map(str::to_owned)).collect()
        })
        .collect()
}

/// pprof's top rows (name -> (flat, cum)) from an exact (`-unit=b`) top.
fn pprof_top(path: &str) -> HashMap<String, (i128, i128)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = HashMap::new();
    let mut table = false;
    for line in text.lines() {
        if line.trim_start().starts_with("flat  flat%") {
            table = true;
            continue;
        }
        if table {
            let f: Vec<&str> = line.split_whitespace().collect();
            let name = f[5..].join(" ");
            let name = name.trim_end_matches(" (inline)").trim_end_matches(" (partial-inline)");
            let bytes = |t: &str| -> i128 { t.trim_end_matches('B').parse().unwrap() };
            rows.insert(name.to_owned(), (bytes(f[0]), bytes(f[3])));
        }
    }
    rows
}

#[test]
fn diff_names_the_leaking_middleware_first() {
    for args in [
        vec![
            "diff",
            "samples/leak/before.traces.txt",
            "samples/leak/after.traces.txt",
            "--top",
            "3",
        ],
        vec!["diff", "samples/leak/diff.traces.txt", "--top", "3"],
    ] {
        let out = stdout_ok(&args);
        let first_row = out.lines().find(|l| l.contains('+') && !l.starts_with("after")).unwrap();
        assert!(first_row.ends_with(LEAK), "{args:?}:\n{out}");
        let rows = out.lines().filter(|l| l.contains("  ") && l.contains('%')).count();
        assert!(rows >= 3, "{args:?}: {rows} rows\n{out}");
    }
}

#[test]
fn diff_agrees_with_pprof_diff_base_to_the_byte() {
    let expected = pprof_top("samples/leak/diff.exact.top.txt");
    assert!(expected.len() > 10);
    let two_files = stdout_ok(&[
        "diff",
        "--top",
        "0",
        "--format",
        "csv",
        "samples/leak/before.exact.traces.txt",
        "samples/leak/after.exact.traces.txt",
    ]);
    let one_file =
        stdout_ok(&["diff", "--top", "0", "--format", "csv", "samples/leak/diff.exact.traces.txt"]);
    for (what, text) in [("two reports", &two_files), ("-diff_base report", &one_file)] {
        let rows = csv_rows(text);
        let ours: HashMap<&str, (i128, i128)> = rows
            .iter()
            .map(|r| {
                let n = |k: &str| r[k].parse::<i128>().unwrap();
                (r["function"].as_str(), (n("flat_change"), n("cum_change")))
            })
            .collect();
        for (name, (flat, cum)) in &expected {
            assert_eq!(ours.get(name.as_str()), Some(&(*flat, *cum)), "{what}: {name}");
        }
        // Functions pprof leaves out changed by nothing.
        for (name, change) in &ours {
            if !expected.contains_key(*name) {
                assert_eq!(*change, (0, 0), "{what}: {name}");
            }
        }
    }
    assert_eq!(csv_rows(&two_files).len(), csv_rows(&one_file).len());
}

#[test]
fn diff_of_a_heap_pair_matches_pprof_too() {
    let expected = pprof_top("samples/heap/diff.inuse_space.exact.top.txt");
    let rows = csv_rows(&stdout_ok(&[
        "diff",
        "--top",
        "0",
        "--format",
        "csv",
        "samples/heap/diff.inuse_space.exact.traces.txt",
    ]));
    for r in &rows {
        let change =
            (r["flat_change"].parse::<i128>().unwrap(), r["cum_change"].parse::<i128>().unwrap());
        let want = expected.get(&r["function"]).copied().unwrap_or((0, 0));
        assert_eq!(change, want, "{}", r["function"]);
    }
}

#[test]
fn diff_by_stack_marks_new_stacks_and_min_growth_filters() {
    let out = stdout_ok(&[
        "diff",
        "--by",
        "stack",
        "--format",
        "csv",
        "--top",
        "0",
        "samples/leak/before.exact.traces.txt",
        "samples/leak/after.exact.traces.txt",
    ]);
    let rows = csv_rows(&out);
    // A new stack: no percentage (a spreadsheet number column), status new.
    assert!(rows.iter().any(|r| r["status"] == "new" && r["change_percent"].is_empty()), "{out}");
    assert!(rows
        .iter()
        .all(|r| r["change_percent"].is_empty() || r["change_percent"].parse::<f64>().is_ok()));
    let changes: Vec<i128> = rows.iter().map(|r| r["change"].parse().unwrap()).collect();
    assert!(changes.windows(2).all(|w| w[0] >= w[1]));
    let big = stdout_ok(&[
        "diff",
        "--min-growth",
        "1MB",
        "--format",
        "csv",
        "samples/leak/before.exact.traces.txt",
        "samples/leak/after.exact.traces.txt",
    ]);
    let big = csv_rows(&big);
    assert!(!big.is_empty());
    assert!(big.iter().all(|r| r["flat_change"].parse::<i128>().unwrap() >= 1 << 20));
}

#[test]
fn blame_charges_the_leaking_middleware_and_explains_the_http_root() {
    let out = stdout_ok(&["blame", "samples/leak/after.traces.txt"]);
    assert!(out.contains("Application code: main and example.com/leaky (guessed"), "{out}");
    let first = out.lines().skip_while(|l| !l.trim_start().starts_with("value")).nth(1).unwrap();
    assert!(first.ends_with(LEAK), "{out}");
    assert!(out.contains("net/http.(*conn).serve  [no application frame]"), "{out}");
    assert!(out.contains("before any handler ran"), "{out}");
    // reqctx is another module: looked through, never charged.
    assert!(!out.lines().any(|l| l.trim_end().ends_with("github.com/acme/reqctx.Set")), "{out}");
}

#[test]
fn blame_csv_shares_add_up_and_app_can_be_set() {
    let rows = csv_rows(&stdout_ok(&[
        "blame",
        "--top",
        "0",
        "--format",
        "csv",
        "samples/leak/after.exact.traces.txt",
    ]));
    let total: i128 = rows.iter().map(|r| r["value"].parse::<i128>().unwrap()).sum();
    let csv_total: i128 = csv_rows(&stdout_ok(&["csv", "samples/leak/after.exact.traces.txt"]))
        .iter()
        .map(|r| r["value"].parse::<i128>().unwrap())
        .sum();
    assert_eq!(total, csv_total, "every byte is charged exactly once");
    assert_eq!(rows[0]["frame"], LEAK);
    assert_eq!(rows[0]["kind"], "application");
    // Declaring reqctx to be application code moves its bytes to it.
    let with_reqctx = csv_rows(&stdout_ok(&[
        "blame",
        "--top",
        "0",
        "--format",
        "csv",
        "--app",
        "reqctx|leaky",
        "samples/leak/after.exact.traces.txt",
    ]));
    assert!(with_reqctx.iter().any(|r| r["frame"] == "github.com/acme/reqctx.Set"));
}
