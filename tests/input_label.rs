//! `--input-label`: every sample of an input carries a label taken from
//! its path, and every command sees it (hist --by, --tagfocus, csv, cat).

mod support;

use support::{run, stdout_ok};

const BEFORE: &str = "samples/leak/heap-before.pb.gz";
const AFTER: &str = "samples/leak/heap-after.pb.gz";
const POD: &str = r"pod=heap-(.*)\.pb\.gz";

/// The `total` of `top --format json` over `args`.
fn total(args: &[&str]) -> i128 {
    let mut all = vec!["top", "--format", "json"];
    all.extend_from_slice(args);
    let doc: serde_json::Value = serde_json::from_str(&stdout_ok(&all)).unwrap();
    doc["total"].to_string().parse().unwrap()
}

#[test]
fn hist_by_an_input_label_sums_each_input() {
    let csv = stdout_ok(&[
        "hist",
        "--all",
        "--by",
        "pod",
        "--input-label",
        POD,
        "--format",
        "csv",
        BEFORE,
        AFTER,
    ]);
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut seen = Vec::new();
    for row in rows.records() {
        let row = row.unwrap();
        let sum: i128 = row[col("sum")].parse().unwrap();
        seen.push((row[col("value_text")].to_owned(), sum));
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![("after".to_owned(), total(&[AFTER])), ("before".to_owned(), total(&[BEFORE]))]
    );
}

#[test]
fn tagfocus_on_an_input_label_keeps_that_input_alone() {
    let both = total(&["--input-label", POD, "--tagfocus", "pod=after", BEFORE, AFTER]);
    // pprof's total is taken before the filters: compare the kept samples.
    let kept = stdout_ok(&["csv", "--input-label", POD, "--tagfocus", "pod=after", BEFORE, AFTER]);
    let alone = stdout_ok(&["csv", AFTER]);
    assert_eq!(kept.lines().count(), alone.lines().count());
    assert!(kept.lines().skip(1).all(|l| l.ends_with(",after")), "{kept}");
    assert_eq!(both, total(&[BEFORE]) + total(&[AFTER]));
}

#[test]
fn a_key_alone_labels_with_the_path_in_every_input_kind() {
    for input in [AFTER, "samples/leak/after.traces.txt", "samples/legacy/allocs.debug1.txt"] {
        if !std::path::Path::new(input).exists() {
            continue;
        }
        let out = stdout_ok(&["cat", "--input-label", "src", input]);
        let blocks = out.matches("-----------+").count() - 1;
        let labelled = out.matches(&format!("src:  {input}\n")).count();
        assert!(blocks > 0 && labelled == blocks, "{input}: {labelled} of {blocks}\n{out}");
    }
}

#[test]
fn a_path_the_pattern_misses_or_a_clashing_key_is_an_error() {
    let r = run(&["top", "--input-label", r"pod=pod-(\d+)", BEFORE]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(BEFORE) && r.stderr.contains("does not match"), "{}", r.stderr);
    // heap profiles carry a `bytes` label already.
    let r = run(&["top", "--input-label", "bytes", BEFORE]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("already has a label `bytes`"), "{}", r.stderr);
    let r = run(&["top", "--input-label", "a b", BEFORE]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("KEY=REGEX"), "{}", r.stderr);
}
