//! `traces-tool peek`, `stacks` and `summary`, run as the binary: peek
//! against `go tool pprof -peek` of the same profiles (kept in
//! `samples/peek/`, listed in `samples/peek/cases.tsv`), byte for byte on
//! exact reports and within the stated bound on rounded ones; stacks and
//! summary on crafted reports with known answers and on real samples.

mod support;
use support::{run, run_with_stdin, stdout_ok, stdout_ok_with_stdin};

const SEP: &str = "-----------+-------------------------------------------------------";

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn csv_rows(text: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    (header, r.records().map(Result::unwrap).collect())
}

fn col(header: &csv::StringRecord, name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}

/// Hundredths of a base unit from a CSV decimal (`22030581.76`).
fn centi(decimal: &str) -> i128 {
    let (whole, frac) = decimal.split_once('.').unwrap_or((decimal, ""));
    let negative = whole.starts_with('-');
    let whole: i128 = whole.trim_start_matches('-').parse().unwrap();
    let frac: i128 = format!("{frac:0<2}").parse().unwrap();
    let v = whole * 100 + frac;
    if negative {
        -v
    } else {
        v
    }
}

/// A traces block: labels, value, frames (leaf first).
fn block(labels: &[(&str, &str)], value: &str, frames: &[&str]) -> String {
    let mut s = format!("{SEP}\n");
    for (k, v) in labels {
        s += &format!("{k:>10}:  {v}\n");
    }
    for (i, f) in frames.iter().enumerate() {
        if i == 0 {
            s += &format!("{value:>10}   {f}\n");
        } else {
            s += &format!("             {f}\n");
        }
    }
    s
}

/// A report of `blocks` under a header.
fn report(header: &str, blocks: &[String]) -> String {
    let mut s = header.to_owned();
    for b in blocks {
        s += b;
    }
    s + SEP + "\n"
}

// ---------------------------------------------------------------- peek --

/// (name, traces, peek args, exact) of `samples/peek/cases.tsv`.
fn peek_cases() -> Vec<(String, String, Vec<String>, bool)> {
    read("samples/peek/cases.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let args = f[2].split(' ').map(str::to_owned).collect();
            (f[0].to_owned(), f[1].to_owned(), args, f[3] == "exact")
        })
        .collect()
}

#[test]
fn peek_on_exact_reports_is_pprofs_output_byte_for_byte() {
    let mut checked = 0;
    for (name, traces, args, exact) in peek_cases() {
        if !exact {
            continue;
        }
        let path = format!("samples/{traces}");
        let mut a: Vec<&str> = vec!["peek"];
        a.extend(args.iter().map(String::as_str));
        a.push(&path);
        let ours = stdout_ok(&a);
        let theirs = read(&format!("samples/peek/{name}.peek.txt"));
        assert_eq!(ours, theirs, "{name}");
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} exact peek cases");
}

/// One function of a peek report: flat, cum, callers and callees with
/// weights (hundredths) and inline flags, and pprof's rounding of each.
#[derive(Debug, Default)]
struct PeekEntry {
    name: String,
    flat: i128,
    cum: i128,
    rounding: i128,
    callers: Vec<(String, i128, bool, i128)>,
    callees: Vec<(String, i128, bool, i128)>,
}

/// Parses pprof's peek text (the rows after the legend): edge rows before
/// a node row are its callers, those after it its callees.
fn parse_peek(text: &str) -> Vec<PeekEntry> {
    let sep = "----------------------------------------------------------+-------------";
    let value = |t: &str| traces_tool::units::parse_value(t).unwrap();
    let mut entries: Vec<PeekEntry> = Vec::new();
    let mut callers: Vec<(String, i128, bool, i128)> = Vec::new();
    let mut after_node = false;
    let mut in_body = false;
    for line in text.lines() {
        if line.contains("calls calls% + context") {
            in_body = true;
            continue;
        }
        if !in_body {
            continue;
        }
        if line == sep {
            callers.clear();
            after_node = false;
            continue;
        }
        let (left, right) = line.split_once('|').expect("a | in every row");
        let fields: Vec<&str> = left.split_whitespace().collect();
        if fields.len() == 2 {
            let name = right.strip_prefix("   ").expect("edge name");
            let (name, inline) = match name.strip_suffix(" (inline)") {
                Some(n) => (n, true),
                None => (name, false),
            };
            let v = value(fields[0]);
            let row = (name.to_owned(), v.centi, inline, v.max_error_centi());
            if after_node {
                entries.last_mut().unwrap().callees.push(row);
            } else {
                callers.push(row);
            }
        } else {
            assert_eq!(fields.len(), 5, "node row {line:?}");
            let (flat, cum) = (value(fields[0]), value(fields[3]));
            entries.push(PeekEntry {
                name: right.strip_prefix(' ').unwrap().to_owned(),
                flat: flat.centi,
                cum: cum.centi,
                rounding: flat.max_error_centi().max(cum.max_error_centi()),
                callers: std::mem::take(&mut callers),
                callees: Vec::new(),
            });
            after_node = true;
        }
    }
    entries
}

#[test]
fn peek_parser_reads_callers_and_callees() {
    // The sample is parsed back into the structure the rounded test uses.
    let entries = parse_peek(&read("samples/peek/cpu.exact.peek.txt"));
    assert!(!entries.is_empty());
    for e in &entries {
        assert!(e.name.starts_with("main.spin") || e.name.starts_with("main.walk"), "{e:?}");
        let into: i128 = e.callers.iter().map(|c| c.1).sum();
        // A node's cum is at least what its callers pass in (recursion
        // aside), and no callee weighs more than the cum.
        assert!(into >= e.cum || e.callers.is_empty(), "{e:?}");
        assert!(e.callees.iter().all(|c| c.1 <= e.cum), "{e:?}");
    }
}

#[test]
fn peek_on_a_rounded_report_has_pprofs_structure_within_the_bound() {
    for (name, traces, args, exact) in peek_cases() {
        if exact {
            continue;
        }
        let path = format!("samples/{traces}");
        let mut a: Vec<&str> = vec!["peek", "--format", "csv"];
        a.extend(args.iter().map(String::as_str));
        a.push(&path);
        let (h, rows) = csv_rows(&stdout_ok(&a));
        let theirs = parse_peek(&read(&format!("samples/peek/{name}.peek.txt")));
        let (f, rel, other, w, inl, cum, err) = (
            col(&h, "function"),
            col(&h, "relation"),
            col(&h, "other"),
            col(&h, "weight"),
            col(&h, "inline"),
            col(&h, "cum"),
            col(&h, "max_error"),
        );
        let selves: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[rel] == "self").collect();
        assert_eq!(selves.len(), theirs.len(), "{name}: number of functions");
        for e in &theirs {
            let me = selves
                .iter()
                .find(|r| r[f] == e.name)
                .unwrap_or_else(|| panic!("{name}: {} missing", e.name));
            let slack = centi(&me[err]) + e.rounding + 1;
            assert!((centi(&me[w]) - e.flat).abs() <= slack, "{name} {}: flat", e.name);
            assert!((centi(&me[cum]) - e.cum).abs() <= slack, "{name} {}: cum", e.name);
            let edges: Vec<&csv::StringRecord> =
                rows.iter().filter(|r| r[f] == e.name && &r[rel] != "self").collect();
            for (relation, list) in [("caller", &e.callers), ("callee", &e.callees)] {
                let mine: Vec<&&csv::StringRecord> =
                    edges.iter().filter(|r| &r[rel] == relation).collect();
                assert_eq!(mine.len(), list.len(), "{name} {} {relation}s", e.name);
                for (other_name, weight, inline, rounding) in list {
                    let r = mine
                        .iter()
                        .find(|r| r[other] == **other_name)
                        .unwrap_or_else(|| panic!("{name} {}: {relation} {other_name}", e.name));
                    assert_eq!(&r[inl] == "inline", *inline, "{name} {} {other_name}", e.name);
                    assert!(
                        (centi(&r[w]) - weight).abs() <= centi(&r[err]) + rounding + 1,
                        "{name} {} {relation} {other_name}: {} vs {weight}",
                        e.name,
                        &r[w]
                    );
                }
            }
        }
    }
}

#[test]
fn peek_text_on_a_rounded_report_keeps_the_layout_and_states_bounds() {
    let out = stdout_ok(&["peek", "main\\.", "samples/heap/inuse_space.traces.txt"]);
    assert!(out.contains("Rounded input: total "), "{out}");
    let sep = "----------------------------------------------------------+-------------";
    for line in out.lines().skip_while(|l| !l.starts_with(sep)).skip(2) {
        if line != sep {
            // The `|` stays in pprof's column 58, bounds or not, unless a
            // percentage is wider than pprof's usual 6 characters
            // (`0.0091%`), which shifts it in pprof's output too.
            let left = line.split('|').next().unwrap();
            let extra: usize = left
                .split_whitespace()
                .filter(|t| t.ends_with('%'))
                .map(|t| t.chars().count().saturating_sub(6))
                .sum();
            assert_eq!(line.chars().position(|c| c == '|'), Some(58 + extra), "{line:?}");
        }
    }
    assert!(out.contains(" ±"), "{out}");
}

#[test]
fn peek_without_a_match_says_so_like_pprof() {
    let r = run(&["peek", "no\\.such\\.function", "samples/cpu/cpu.exact.traces.txt"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("no matches found for regexp: no\\.such\\.function"), "{}", r.stderr);
}

#[test]
fn peek_of_a_crafted_report() {
    let text = report(
        "Type: inuse_objects\n",
        &[
            block(&[], "3", &["main.mk (inline)", "main.alloc", "main.main"]),
            block(&[], "2", &["main.alloc", "main.other"]),
            block(&[], "5", &["main.leaf", "main.alloc", "main.alloc", "main.main"]),
        ],
    );
    let out = stdout_ok_with_stdin(&["peek", "^main\\.alloc$"], Some(text.as_bytes()));
    let expected = concat!(
        "Type: inuse_objects\n",
        "Showing nodes accounting for 10, 100% of 10 total\n",
        "----------------------------------------------------------+-------------\n",
        "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n",
        "----------------------------------------------------------+-------------\n",
        "                                                 8 80.00% |   main.main\n",
        "                                                 2 20.00% |   main.other\n",
        "         2 20.00% 20.00%         10   100%                | main.alloc\n",
        "                                                 5 50.00% |   main.leaf\n",
        "                                                 3 30.00% |   main.mk (inline)\n",
        "----------------------------------------------------------+-------------\n",
    );
    assert_eq!(out, expected);
    let (h, rows) = csv_rows(&stdout_ok_with_stdin(
        &["peek", "--format", "csv", "^main\\.alloc$"],
        Some(text.as_bytes()),
    ));
    let got: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}/{}/{}/{}",
                &r[col(&h, "relation")],
                &r[col(&h, "other")],
                &r[col(&h, "weight")],
                &r[col(&h, "inline")]
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "caller/main.main/8/",
            "caller/main.other/2/",
            "self//2/",
            "callee/main.leaf/5/",
            "callee/main.mk/3/inline"
        ]
    );
}

// -------------------------------------------------------------- stacks --

fn three_sizes() -> String {
    let stack = ["main.alloc (inline)", "main.handle", "main.main"];
    report(
        "File: demo\nType: inuse_space\n",
        &[
            block(&[("bytes", "16B")], "1kB", &stack),
            block(&[("bytes", "8kB")], "8kB", &["main.other", "main.main"]),
            block(&[("bytes", "48B")], "2kB", &stack),
            block(&[("bytes", "32B")], "0", &stack),
            block(&[("bytes", "16B")], "512B", &["main.alloc", "main.handle", "main.main"]),
        ],
    )
}

#[test]
fn stacks_merges_blocks_of_one_stack_and_lists_differing_labels() {
    let out = stdout_ok_with_stdin(&["stacks"], Some(three_sizes().as_bytes()));
    let expected = format!(
        "File: demo\nType: inuse_space\n\
         5 blocks hold 3 distinct stacks (1 of them in several blocks); total 11.50kB ±15.36B \
         (pprof's: all samples before filters)\n\
         Showing all 3 stacks by merged total, largest first\n\
         {SEP}\n\
         #1  8kB ±5.12B  69.57% of the total  1 block\n     \
         bytes:  8kB\n       \
         8kB   main.other\n             \
         main.main\n\
         {SEP}\n\
         #2  3kB ±10.24B  26.09% of the total  3 blocks (1 with value 0)\n     \
         bytes:  16B 32B 48B  [differs]\n       \
         3kB   main.alloc (inline)\n             \
         main.handle\n             \
         main.main\n\
         {SEP}\n\
         #3  512B  4.35% of the total  1 block\n     \
         bytes:  16B\n      \
         512B   main.alloc\n             \
         main.handle\n             \
         main.main\n\
         {SEP}\n"
    );
    assert_eq!(out, expected);
}

#[test]
fn stacks_csv_has_exact_totals_block_counts_and_root_first_stacks() {
    let (h, rows) = csv_rows(&stdout_ok_with_stdin(
        &["stacks", "--format", "csv", "--top", "2"],
        Some(three_sizes().as_bytes()),
    ));
    assert_eq!(
        h.iter().collect::<Vec<_>>(),
        [
            "rank",
            "value",
            "unit",
            "value_text",
            "blocks",
            "share",
            "labels",
            "stack",
            "max_error",
            "exact"
        ]
    );
    assert_eq!(rows.len(), 2);
    let r = &rows[1];
    assert_eq!(&r[0], "2");
    assert_eq!(&r[1], "3072");
    assert_eq!(&r[2], "bytes");
    assert_eq!(&r[3], "3kB");
    assert_eq!(&r[4], "3");
    assert_eq!(&r[5], "26.0870");
    assert_eq!(&r[6], "bytes=16B 32B 48B");
    assert_eq!(&r[7], "main.main;main.handle;main.alloc (inline)");
    // 1kB and 2kB are printed to ±0.005kB each.
    assert_eq!(&r[8], "10.24");
    assert_eq!(&r[9], "false");
}

#[test]
fn stacks_of_a_real_heap_report_add_up_to_the_report() {
    let path = "samples/heap/inuse_space.exact.traces.txt";
    let (h, rows) = csv_rows(&stdout_ok(&["stacks", "--format", "csv", "--top", "0", path]));
    let blocks: u64 = rows.iter().map(|r| r[col(&h, "blocks")].parse::<u64>().unwrap()).sum();
    let text = read(path);
    let separators = text.lines().filter(|l| *l == SEP).count() as u64;
    assert_eq!(blocks, separators - 1, "every block in exactly one stack");
    let sum: i128 = rows.iter().map(|r| centi(&r[col(&h, "value")])).sum();
    // pprof's top says "of <total>B total"; inuse samples are >= 0.
    let top = read("samples/heap/inuse_space.exact.top.txt");
    let total = top.split(" of ").nth(1).unwrap().split('B').next().unwrap();
    assert_eq!(sum, centi(total));
    // Sorted by value, largest first; several stacks come in several blocks.
    let values: Vec<i128> = rows.iter().map(|r| centi(&r[col(&h, "value")])).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]));
    assert!(rows.iter().any(|r| r[col(&h, "blocks")].parse::<u64>().unwrap() > 1));
}

#[test]
fn stacks_with_nothing_left_exits_1() {
    let r = run(&["stacks", "--focus", "nothing-matches", "samples/cpu/cpu.traces.txt"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no samples"), "{}", r.stderr);
}

// ------------------------------------------------------------- summary --

fn summary_fields(args: &[&str], stdin: Option<&str>) -> Vec<(String, String)> {
    let mut a = vec!["summary", "--format", "csv"];
    a.extend(args);
    let (h, rows) = csv_rows(&stdout_ok_with_stdin(&a, stdin.map(str::as_bytes)));
    assert_eq!(h.iter().collect::<Vec<_>>(), ["field", "value"]);
    rows.iter().map(|r| (r[0].to_owned(), r[1].to_owned())).collect()
}

fn get<'a>(fields: &'a [(String, String)], key: &str) -> &'a str {
    &fields.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no field {key}")).1
}

fn crafted_diff() -> String {
    // 32 frames: possibly cut by the runtime.
    let deep: Vec<String> = (0..32).map(|i| format!("main.f{i}")).collect();
    let deep: Vec<&str> = deep.iter().map(String::as_str).collect();
    report(
        "File: demo\nType: inuse_space\n",
        &[
            block(&[("bytes", "16B")], "100B", &["main.a", "main.main"]),
            block(&[("bytes", "16B")], "0", &["main.a", "main.main"]),
            block(&[("bytes", "32B")], "0", &["main.b", "main.main"]),
            block(&[("bytes", "64B")], "300B", &deep),
            block(&[("pprof::base", "true"), ("bytes", "16B")], "-40B", &["main.a", "main.main"]),
            block(&[("pprof::base", "true"), ("bytes", "32B")], "0", &["main.b", "main.main"]),
        ],
    )
}

#[test]
fn summary_counts_zero_negative_base_and_possibly_truncated_stacks() {
    let f = summary_fields(&[], Some(&crafted_diff()));
    assert_eq!(get(&f, "file"), "demo");
    assert_eq!(get(&f, "type"), "inuse_space");
    assert_eq!(get(&f, "unit"), "bytes");
    assert_eq!(get(&f, "samples"), "6");
    // Under -diff_base pprof's total is Σ|base samples|.
    assert_eq!(get(&f, "total"), "40");
    assert_eq!(get(&f, "zero_samples"), "3");
    assert_eq!(get(&f, "negative_samples"), "1");
    assert_eq!(get(&f, "base_samples"), "2");
    assert_eq!(get(&f, "functions"), "35");
    assert_eq!(get(&f, "stacks"), "3");
    assert_eq!(get(&f, "stacks_in_several_blocks"), "2");
    assert_eq!(get(&f, "deepest_stack"), "32");
    assert_eq!(get(&f, "possibly_truncated_stacks"), "1");
    assert_eq!(get(&f, "exact"), "true");
    assert_eq!(get(&f, "top_function"), "main.f0");
    let text = stdout_ok_with_stdin(&["summary"], Some(crafted_diff().as_bytes()));
    assert!(text.contains("objects already freed"), "{text}");
    assert!(text.contains("possibly truncated by the runtime"), "{text}");
    assert!(text.contains("under -diff_base"), "{text}");
    assert!(text.contains("traces-tool grep '^main\\.f0$' FILE"), "{text}");
}

#[test]
fn summary_of_a_rounded_report_says_how_to_get_exact_values() {
    let text = report(
        "Type: cpu\nDuration: 1s, Total samples = 1.50s (150%)\n",
        &[
            block(&[("worker", "a")], "1.50s", &["main.spin", "main.main"]),
            block(&[("worker", "b")], "10ms", &["main.spin", "main.main"]),
        ],
    );
    let f = summary_fields(&[], Some(&text));
    assert_eq!(get(&f, "unit"), "nanoseconds");
    assert_eq!(get(&f, "exact"), "false");
    assert_eq!(get(&f, "total"), "1510000000");
    // 1.50s is ±5ms, 10ms is exact to ±5us.
    assert_eq!(get(&f, "total_max_error"), "5005000");
    assert_eq!(get(&f, "stacks_in_several_blocks"), "1");
    assert_eq!(get(&f, "labels"), "worker");
    let out = stdout_ok_with_stdin(&["summary"], Some(text.as_bytes()));
    assert!(out.contains("-unit=ns"), "{out}");
    // The bound of 5.005ms is rounded up: ±5ms would not bound it.
    assert!(out.contains("1.51s ±5.01ms"), "{out}");
}

#[test]
fn summary_of_a_real_report_agrees_with_pprof_and_the_file() {
    let path = "samples/heap/inuse_space.exact.traces.txt";
    let f = summary_fields(&[path], None);
    let text = read(path);
    let blocks = text.lines().filter(|l| *l == SEP).count() - 1;
    assert_eq!(get(&f, "samples"), blocks.to_string());
    let zeros = text.lines().filter(|l| l.starts_with("         0   ")).count();
    assert_eq!(get(&f, "zero_samples"), zeros.to_string());
    assert!(zeros > 0, "inuse reports have freed objects");
    let top = read("samples/heap/inuse_space.exact.top.txt");
    let total = top.split(" of ").nth(1).unwrap().split('B').next().unwrap();
    assert_eq!(get(&f, "total"), total);
    // pprof's top lists every function that has a non-zero cum; summary
    // counts every function printed, zero-valued samples included.
    let top_rows = top.lines().skip_while(|l| !l.contains("flat%")).skip(1).count();
    assert!(get(&f, "functions").parse::<usize>().unwrap() >= top_rows);
    // The largest flat is pprof's first top row.
    let first = top.lines().skip_while(|l| !l.contains("flat%")).nth(1).unwrap();
    let first = first.split_whitespace().nth(5).unwrap();
    assert_eq!(get(&f, "top_function"), first);
    assert_eq!(get(&f, "exact"), "true");
    assert_eq!(get(&f, "type"), "inuse_space");
    assert_eq!(get(&f, "file"), "httpheap");
}

#[test]
fn summary_of_nothing_exits_1() {
    let text = report("Type: cpu\n", &[]);
    let r = run_with_stdin(&["summary"], Some(text.as_bytes()));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("no samples"), "{}", r.stderr);
}
