//! Runs the `traces-tool` binary on real reports (`samples/`), crafted
//! fixtures (`tests/data/`) and malformed input, on files and on stdin, and
//! checks output, stderr and exit status.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

mod support;
use support::{gunzip_text, ok, run, run_with_stdin, stdout_ok, BIN};

const HEKETI: &str = "tests/data/heketi-fragment.txt";
const HEAP: &str = "samples/heap/inuse_space.traces.txt";

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

/// The rows of CSV output, text cells restored: a spreadsheet-safe `'`
/// (src/output/sheet.rs) removed.
fn csv_rows(text: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    let restore = |rec: csv::StringRecord| -> csv::StringRecord {
        rec.iter().map(traces_tool::output::sheet::restore).collect()
    };
    (header, r.records().map(|rec| restore(rec.unwrap())).collect())
}

fn column(header: &csv::StringRecord, name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}

// ---------------------------------------------------------------- hist --

#[test]
fn hist_on_the_motivating_example_counts_leaf_and_caller_apart() {
    // The fragment is shaped like the heketi report: `grep ReadMIMEHeader |
    // sort -n -r | uniq -c` on it prints the rows of the motivating example,
    // including `3` with a blank value (the caller lines).
    let out = ok(&["hist", "ReadMIMEHeader", HEKETI]);
    // Each row also has its weight: the sum of its values and their share
    // of what was counted; the zero rows of this inuse report are freed
    // objects, and the table says so. The bars are the sums (eighteen
    // freed samples weigh nothing; one of 21.01MB is the longest).
    let expected = "\
count    value  role        sum   share
    1  21.01MB  leaf    21.01MB  37.51%  ########################################
    1     15MB  leaf       15MB  26.78%  #############################
    1      6MB  caller      6MB  10.71%  ############
    1   3.50MB  leaf     3.50MB   6.25%  #######
    1      3MB  leaf        3MB   5.36%  ######
    2   2.50MB  leaf        5MB   8.93%  ##########
    1   1.50MB  leaf     1.50MB   2.68%  ###
    1   0.50MB  leaf      512kB   0.89%  #
    1   0.50MB  caller    512kB   0.89%  #
   18        0  leaf          0      0%                                            freed
    1        0  caller        0      0%                                            freed
29 samples, 56.01MB in all
freed: samples of value 0, whose objects were all freed
";
    assert_eq!(out, expected);
}

#[test]
fn hist_reads_stdin_like_a_file() {
    let text = std::fs::read(HEKETI).unwrap();
    let from_stdin = run_with_stdin(&["hist", "ReadMIMEHeader"], Some(&text));
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    assert_eq!(from_stdin.stdout, ok(&["hist", "ReadMIMEHeader", HEKETI]));
    let dash = run_with_stdin(&["hist", "ReadMIMEHeader", "-"], Some(&text));
    assert_eq!(dash.stdout, from_stdin.stdout);
}

#[test]
fn hist_csv_sorts_values_by_bytes_not_by_text() {
    let out = ok(&["hist", "--all", "--format", "csv", HEKETI]);
    let (header, rows) = csv_rows(&out);
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [
            "value",
            "unit",
            "value_text",
            "role",
            "count",
            "sum",
            "sum_max_error",
            "share",
            "exact",
            "freed",
            "note",
            "sum_unit"
        ]
    );
    let values: Vec<i128> = rows.iter().map(|r| centi(&r[0])).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    assert_eq!(&rows[0][2], "30.51MB");
    assert_eq!(&rows[0][0], "31992053.76"); // 30.51 * 2^20
    assert_eq!(&rows[0][1], "bytes");
    let total: u64 = rows.iter().map(|r| r[4].parse::<u64>().unwrap()).sum();
    assert_eq!(total, 30);
}

#[test]
fn hist_by_label_and_log2_buckets() {
    let out = ok(&["hist", "--all", "--by", "bytes", HEKETI]);
    assert!(out.starts_with("count   bytes  role"), "{out}");
    assert!(out.contains("    4     4kB  all"), "{out}");
    assert!(out.contains("    5    352B  all"), "{out}");
    let buckets = ok(&["hist", "--all", "--buckets", "log2", HEKETI]);
    assert!(buckets.contains("[16MB, 32MB)"), "{buckets}");
    assert!(buckets.contains("   19             0  all"), "{buckets}");
}

#[test]
fn hist_rows_carry_sum_share_and_freed_in_every_format() {
    // Exact values: a row's sum is its value times its count, the shares
    // add up to 100, and the row of 0 on this inuse report is freed.
    let (h, rows) = csv_rows(&ok(&["hist", "--all", "--format", "csv", HEKETI]));
    let col = |name: &str| column(&h, name);
    let mut share_sum = 0.0;
    for r in &rows {
        let count: i128 = r[col("count")].parse().unwrap();
        assert_eq!(centi(&r[col("sum")]), centi(&r[col("value")]) * count, "{r:?}");
        share_sum += r[col("share")].parse::<f64>().unwrap();
        let zero = centi(&r[col("value")]) == 0;
        assert_eq!(&r[col("note")], if zero { "freed" } else { "" }, "{r:?}");
        assert_eq!(r[col("freed")] == r[col("count")], zero, "{r:?}");
        // 21.01MB and 15MB were rounded, 0 was not.
        let printed = traces_tool::units::parse_value(&r[col("value_text")]).unwrap();
        assert_eq!(&r[col("exact")] == "true", printed.is_exact(), "{r:?}");
    }
    assert!((share_sum - 100.0).abs() < 0.01, "{share_sum}");
    let doc: serde_json::Value =
        serde_json::from_str(&ok(&["hist", "--all", "--format", "json", HEKETI])).unwrap();
    for (j, c) in doc["rows"].as_array().unwrap().iter().zip(&rows) {
        assert_eq!(j["sum"].to_string(), c[col("sum")]);
        assert_eq!(j["freed"].to_string(), c[col("freed")]);
        assert_eq!(j["note"].as_str().unwrap_or(""), &c[col("note")]);
    }
    // Not an inuse report: a value of 0 is no freed object.
    let alloc = ok(&["hist", "--all", "--format", "csv", "samples/heap/alloc_space.traces.txt"]);
    let (h, rows) = csv_rows(&alloc);
    assert!(rows
        .iter()
        .all(|r| r[column(&h, "note")].is_empty() && &r[column(&h, "freed")] == "0"));
}

#[test]
fn hist_sorts_by_count_value_or_key() {
    for (sort, col) in [("count", "count"), ("value", "sum"), ("key", "value")] {
        let out = ok(&["hist", "--all", "--by", "bytes", "--sort", sort, "--format", "csv", HEAP]);
        let (h, rows) = csv_rows(&out);
        let c = column(&h, col);
        let keys: Vec<i128> = rows.iter().map(|r| centi(&r[c])).collect();
        assert!(keys.windows(2).all(|w| w[0] >= w[1]), "--sort {sort}: {keys:?}");
        assert!(keys.first() > keys.last(), "--sort {sort}");
    }
    // The text table shows the same rows, in the same order.
    let text = ok(&["hist", "--all", "--by", "bytes", "--sort", "value", HEAP]);
    let csv = ok(&["hist", "--all", "--by", "bytes", "--sort", "value", "--format", "csv", HEAP]);
    let (h, rows) = csv_rows(&csv);
    let first = text.lines().nth(1).unwrap();
    assert!(first.contains(&format!(" {} ", &rows[0][column(&h, "value_text")])), "{first}");
}

// ---------------------------------------------------------------- grep --

#[test]
fn grep_top_lists_largest_samples_with_labels_and_call_path() {
    let out = ok(&["grep", "ReadMIMEHeader", "--top", "3", HEKETI]);
    let expected = "\
net/textproto.(*Reader).ReadMIMEHeader
    samples 29 (26 as leaf, 3 as caller)   flat 49.51MB ±40.96kB   cum 56.01MB ±51.20kB
    1. 21.01MB  leaf    sample 2 at tests/data/heketi-fragment.txt:13  bytes: 352B
        net/textproto.(*Reader).ReadMIMEHeader < net/http.readRequest < net/http.(*conn).readRequest < net/http.(*conn).serve
    2.    15MB  leaf    sample 9 at tests/data/heketi-fragment.txt:57  bytes: 4kB
        net/textproto.(*Reader).ReadMIMEHeader < net/http.readRequest < net/http.(*conn).readRequest < net/http.(*conn).serve
    3.     6MB  caller  sample 5 at tests/data/heketi-fragment.txt:31  bytes: 4kB  (leaf net/textproto.(*Reader).ReadLine)
        net/textproto.(*Reader).ReadMIMEHeader < net/http.readRequest < net/http.(*conn).readRequest < net/http.(*conn).serve
";
    assert_eq!(out, expected);
}

#[test]
fn grep_stacks_prints_the_block_as_pprof_does() {
    let out = ok(&["grep", "ReadLine$", "--top", "1", "--stacks", HEKETI]);
    let block = "\
             bytes:  4kB
               6MB   net/textproto.(*Reader).ReadLine
                     net/textproto.(*Reader).readLineSlice (inline)
                     net/textproto.(*Reader).ReadMIMEHeader
";
    assert!(out.contains(block), "{out}");
}

#[test]
fn grep_leaf_ignore_case_and_fixed_strings() {
    let leaf = ok(&["grep", "ReadMIMEHeader", "--leaf", "--top", "1", HEKETI]);
    assert!(leaf.contains("samples 26 (26 as leaf, 0 as caller)"), "{leaf}");
    let ci = ok(&["grep", "-i", "readmimeheader", "--top", "1", HEKETI]);
    assert!(ci.starts_with("net/textproto.(*Reader).ReadMIMEHeader\n"), "{ci}");
    // `(*Reader)` is a regex group unless -F makes it literal.
    let fixed = ok(&["grep", "-F", "(*Reader).Read", "--top", "0", HEKETI]);
    let functions: Vec<&str> =
        fixed.lines().filter(|l| !l.starts_with(' ') && !l.is_empty()).collect();
    assert_eq!(
        functions,
        ["net/textproto.(*Reader).ReadMIMEHeader", "net/textproto.(*Reader).ReadLine"]
    );
}

#[test]
fn grep_orders_functions_by_cum() {
    let out = ok(&["grep", "--top", "0", "net/", HEKETI]);
    let functions: Vec<&str> =
        out.lines().filter(|l| !l.starts_with(' ') && !l.is_empty()).collect();
    assert_eq!(functions[0], "net/http.(*conn).serve");
    assert_eq!(functions[1], "net/http.(*conn).readRequest");
}

#[test]
fn csv_values_sum_to_grep_totals() {
    // Totals must not drift: the exact CSV values of the samples that hold a
    // function add up to grep's cum, those where it is the leaf to its flat.
    for file in [HEKETI, HEAP, "samples/cpu/cpu.traces.txt"] {
        let (h, rows) = csv_rows(&ok(&["csv", file]));
        let (value, stack, leaf) = (column(&h, "value"), column(&h, "stack"), column(&h, "leaf"));
        let (gh, grep_rows) = csv_rows(&ok(&["grep", ".", "--top", "1", "--format", "csv", file]));
        let (function, cum, flat) =
            (column(&gh, "function"), column(&gh, "function_cum"), column(&gh, "function_flat"));
        assert!(grep_rows.len() > 5, "{file}");
        for g in &grep_rows {
            let f = &g[function];
            let holds = rows.iter().filter(|r| r[stack].split(';').any(|s| s == f));
            let sum_cum: i128 = holds.map(|r| centi(&r[value])).sum();
            let sum_flat: i128 =
                rows.iter().filter(|r| &r[leaf] == f).map(|r| centi(&r[value])).sum();
            assert_eq!(sum_cum, centi(&g[cum]), "{file}: cum of {f}");
            assert_eq!(sum_flat, centi(&g[flat]), "{file}: flat of {f}");
        }
    }
}

// ----------------------------------------------------------------- csv --

#[test]
fn csv_has_one_row_per_sample_with_exact_values() {
    let (h, rows) = csv_rows(&ok(&["csv", HEKETI]));
    assert_eq!(
        h.iter().collect::<Vec<_>>(),
        [
            "file",
            "sample",
            "line",
            "value",
            "unit",
            "value_text",
            "leaf",
            "depth",
            "stack",
            "labels",
            "exact",
            "label:bytes",
            "label:bytes:text"
        ]
    );
    assert_eq!(rows.len(), 30);
    let r = &rows[1];
    assert_eq!(&r[1], "2");
    assert_eq!(&r[2], "13");
    assert_eq!(&r[3], "22030581.76");
    assert_eq!(&r[4], "bytes");
    assert_eq!(&r[5], "21.01MB");
    assert_eq!(&r[6], "net/textproto.(*Reader).ReadMIMEHeader");
    assert_eq!(&r[7], "4");
    assert_eq!(
        &r[8],
        "net/http.(*conn).serve;net/http.(*conn).readRequest;net/http.readRequest;\
         net/textproto.(*Reader).ReadMIMEHeader"
    );
    assert_eq!(&r[9], "bytes=352B");
    // 21.01MB was rounded by pprof; 352B was not.
    assert_eq!(&r[10], "false");
    assert_eq!(&r[11], "352");
    assert_eq!(&r[12], "352B");
    let exact = rows.iter().filter(|r| &r[10] == "true").count();
    assert!(exact > 0 && exact < rows.len());
}

const HOSTILE: &str = "tests/data/spreadsheet/hostile.traces.txt";

#[test]
fn csv_gives_each_label_key_a_column_numbers_in_base_units() {
    let (h, rows) = csv_rows(&ok(&["csv", HOSTILE]));
    let labels: Vec<&str> = h.iter().skip_while(|c| *c != "exact").skip(1).collect();
    // Sorted by key; numeric keys printed with a unit keep the text beside.
    assert_eq!(
        labels,
        [
            "label:bytes",
            "label:bytes:text",
            "label:handler",
            "label:n",
            "label:user",
            "label:wait",
            "label:wait:text"
        ]
    );
    let col = |name: &str| column(&h, name);
    // pprof printed 1.50kB and 21.01MB: 1024-based, exact to the hundredth.
    assert_eq!(&rows[1][col("label:bytes")], "1536");
    assert_eq!(&rows[1][col("label:bytes:text")], "1.50kB");
    assert_eq!(&rows[2][col("label:bytes")], "22030581.76");
    assert_eq!(&rows[0][col("label:wait")], "1500000");
    assert_eq!(&rows[0][col("label:n")], "3");
    // String labels as text (restored from their spreadsheet-safe form).
    assert_eq!(&rows[0][col("label:handler")], "=HYPERLINK(\"http://example.com/x\",\"click\")");
    assert_eq!(&rows[1][col("label:user")], "1e3");
    // No such label: an empty cell. The packed column stays.
    assert_eq!(&rows[7][col("label:bytes")], "");
    assert_eq!(&rows[1][col("labels")], "user=1e3; n=7; bytes=1.50kB");
    // The binary profile gives the same columns and label cells.
    let (hp, from_profile) = csv_rows(&ok(&["csv", "tests/data/spreadsheet/hostile.pb"]));
    assert_eq!(hp, h);
    for (a, b) in rows.iter().zip(&from_profile) {
        assert_eq!(
            a.iter().skip(col("exact") + 1).collect::<Vec<_>>(),
            b.iter().skip(col("exact") + 1).collect::<Vec<_>>()
        );
    }
}

/// A traces report of `n` samples; sample `i` has the labels `labels(i)`.
fn report_with_labels(n: usize, labels: impl Fn(usize) -> Vec<(&'static str, String)>) -> String {
    let sep = "-----------+-------------------------------------------------------";
    let mut out = String::from("Type: inuse_space\n");
    for i in 1..=n {
        out.push_str(sep);
        out.push('\n');
        for (k, v) in labels(i) {
            out.push_str(&format!("{k:>10}:  {v}\n"));
        }
        out.push_str(&format!("{:>10}   main.f{}\n{:13}main.main\n", format!("{i}B"), i % 7, ""));
    }
    out.push_str(sep);
    out.push('\n');
    out
}

#[test]
fn csv_label_columns_are_exact_for_files_and_say_so_for_long_stdin() {
    // A key whose later values are not numbers is text; a key first seen in
    // the last sample still gets its column when the input is a file.
    let n = 10_050;
    let text = report_with_labels(n, |i| {
        let mut l = vec![("id", if i == 2 { "abc".to_owned() } else { i.to_string() })];
        if i == n {
            l.push(("zlate", "x".to_owned()));
        }
        l
    });
    let dir = std::env::temp_dir().join(format!("traces-tool-cli-labels-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("late.traces.txt");
    std::fs::write(&file, &text).unwrap();
    let (h, rows) = csv_rows(&ok(&["csv", file.to_str().unwrap()]));
    let labels: Vec<&str> = h.iter().skip_while(|c| *c != "exact").skip(1).collect();
    assert_eq!(labels, ["label:id", "label:zlate"]);
    assert_eq!(rows.len(), n);
    assert_eq!(&rows[1][column(&h, "label:id")], "abc");
    assert_eq!(&rows[n - 1][column(&h, "label:zlate")], "x");
    // From standard input the keys come from the first 10000 samples: the
    // late key is in `labels` only, and stderr says so.
    let r = run_with_stdin(&["csv"], Some(text.as_bytes()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("label \"zlate\" first appears at sample 10050"), "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    let labels: Vec<&str> = h.iter().skip_while(|c| *c != "exact").skip(1).collect();
    assert_eq!(labels, ["label:id"]);
    assert_eq!(rows.len(), n);
    assert_eq!(&rows[n - 1][column(&h, "labels")], "id=10050; zlate=x");
    // A short input on stdin: the same columns as from the file, silently.
    let short = report_with_labels(3, |i| vec![("bytes", format!("{i}kB"))]);
    let r = run_with_stdin(&["csv"], Some(short.as_bytes()));
    assert_eq!(r.stderr, "");
    let (h, rows) = csv_rows(&r.stdout);
    assert_eq!(&rows[2][column(&h, "label:bytes")], "3072");
    assert_eq!(&rows[2][column(&h, "label:bytes:text")], "3kB");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_text_cells_are_neutralised_unless_asked_raw() {
    let out = ok(&["csv", "--frames", HOSTILE]);
    assert!(out.contains(",'=cmd,"), "{out}");
    assert!(out.contains(",'1e3,"), "{out}");
    assert!(out.contains(",'@SUM(A1),"), "{out}");
    assert!(out.contains(",''quoted,"), "{out}");
    // Numbers are untouched, negative ones too.
    // (Two programs: diff warns on stderr, and still compares.)
    let diff = stdout_ok(&["diff", "-n", "0", "--format", "csv", HEAP, HOSTILE]);
    assert!(diff.lines().any(|l| l.split(',').nth(3).is_some_and(|c| c.starts_with('-'))));
    // Documented where users look.
    let help = ok(&["csv", "--help"]);
    assert!(help.contains("label:KEY:text") && help.contains("--csv-raw-text"), "{help}");
    assert!(help.contains("first 10000 samples"), "{help}");
    assert!(ok(&["hist", "--help"]).contains("objects were all freed"));
    let raw = ok(&["csv", "--frames", "--csv-raw-text", HOSTILE]);
    assert!(raw.contains(",=cmd,") && raw.contains(",1e3,") && raw.contains(",'quoted,"));
}

#[test]
fn csv_frames_writes_a_row_per_frame() {
    let (h, rows) = csv_rows(&ok(&["csv", "--frames", HEKETI]));
    assert_eq!(
        h.iter().collect::<Vec<_>>(),
        [
            "file",
            "sample",
            "line",
            "value",
            "unit",
            "value_text",
            "position",
            "frame",
            "inline",
            "exact"
        ]
    );
    let inline: Vec<_> = rows.iter().filter(|r| &r[8] == "true").collect();
    assert_eq!(inline.len(), 1);
    assert_eq!(&inline[0][7], "net/textproto.(*Reader).readLineSlice");
    assert_eq!(&inline[0][6], "1");
}

#[test]
fn csv_units_of_every_sample_profile() {
    let cases = [
        ("samples/cpu/cpu.traces.txt", "nanoseconds"),
        ("samples/cpu/samples.traces.txt", "count"),
        ("samples/heap/alloc_objects.traces.txt", "count"),
        ("samples/mutex/delay.traces.txt", "nanoseconds"),
        ("samples/goroutine/goroutine.traces.txt", "count"),
        (HEAP, "bytes"),
    ];
    for (file, unit) in cases {
        let (h, rows) = csv_rows(&ok(&["csv", file]));
        let u = column(&h, "unit");
        assert!(rows.iter().all(|r| &r[u] == unit), "{file}");
    }
}

#[test]
fn exact_twins_agree_with_rounded_reports_within_the_bound() {
    // `-unit=b` prints exact bytes; the default rounds. Each rounded value
    // must lie within pprof's rounding bound of the exact one.
    for (rounded, exact) in [
        (HEAP, "samples/heap/inuse_space.exact.traces.txt"),
        ("samples/cpu/cpu.traces.txt", "samples/cpu/cpu.exact.traces.txt"),
    ] {
        let (h, a) = csv_rows(&ok(&["csv", rounded]));
        let (_, b) = csv_rows(&ok(&["csv", exact]));
        assert_eq!(a.len(), b.len());
        let (v, t) = (column(&h, "value"), column(&h, "value_text"));
        for (ra, rb) in a.iter().zip(&b) {
            let scale = traces_tool::units::parse_value(&ra[t]).unwrap().scale as i128;
            let diff = (centi(&ra[v]) - centi(&rb[v])).abs();
            assert!(diff <= scale / 2, "{} vs {}", &ra[t], &rb[t]);
        }
    }
}

// ------------------------------------------------------------- inputs --

#[test]
fn every_sample_and_real_report_parses() {
    let mut files = Vec::new();
    collect(Path::new("samples"), &mut files);
    let shared = Path::new("../shared/real-traces");
    if shared.is_dir() {
        for e in std::fs::read_dir(shared).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "traces") {
                files.push(p);
            }
        }
    }
    let traces: Vec<_> = files.iter().filter(|p| p.to_string_lossy().contains(".traces")).collect();
    assert!(traces.len() >= 25, "samples missing: {traces:?}");
    for p in traces {
        let r = run(&["hist", "--all", p.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}: {}", p.display(), r.stderr);
    }
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn gzip_crlf_bom_utf16_and_prompt_inputs_give_the_same_answer() {
    let text = std::fs::read_to_string(HEKETI).unwrap();
    let expected = ok(&["hist", "ReadMIMEHeader", HEKETI]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    for u in text.replace('\n', "\r\n").encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let variants: Vec<Vec<u8>> = vec![
        gz.finish().unwrap(),
        text.replace('\n', "\r\n").into_bytes(),
        [&[0xef, 0xbb, 0xbf][..], text.as_bytes()].concat(),
        utf16,
        format!("(pprof) {text}").into_bytes(),
        format!("Local symbolization failed for heketi: open /heketi: no such file\n{text}")
            .into_bytes(),
    ];
    for (i, bytes) in variants.iter().enumerate() {
        let r = run_with_stdin(&["hist", "ReadMIMEHeader"], Some(bytes));
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "variant {i}");
        assert_eq!(r.stdout, expected, "variant {i}");
    }
}

// ------------------------------------------------------- exit statuses --

#[test]
fn no_match_exits_1_with_one_line() {
    for args in [
        &["grep", "NoSuchFunction", HEKETI][..],
        &["hist", "NoSuchFunction", HEKETI][..],
        &["grep", "--focus", "NoSuchFunction", ".", HEKETI][..],
    ] {
        let r = run(args);
        assert_eq!(r.code, 1, "{args:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("traces-tool: no "), "{}", r.stderr);
    }
    let empty_report =
        "Type: cpu\n-----------+-------------------------------------------------------\n";
    let r = run_with_stdin(&["csv"], Some(empty_report.as_bytes()));
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.lines().count(), 1, "header row only");
}

#[test]
fn closed_pipe_is_not_an_error() {
    let mut child = Command::new(BIN)
        .args(["csv", "--frames", HEAP, HEAP, HEAP])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// A full disk (`/dev/full`) is an error: exit status 2 and one clear line,
/// whether the output fills the buffer early or only at the final flush.
#[cfg(target_os = "linux")]
#[test]
fn full_disk_is_an_error_with_exit_status_2() {
    let heap = "samples/heap/alloc_space.traces.txt";
    let cases: &[&[&str]] = &[
        &["csv", HEKETI],
        &["csv", "--frames", heap],
        &["cat", heap],
        &["top", HEKETI],
        &["grep", "--format", "ndjson", ".", heap],
        &["summary", "--format", "json", HEKETI],
        &["flamegraph", HEKETI],
        &["export", "-o", "-", HEKETI],
    ];
    for args in cases {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = Command::new(BIN).args(*args).stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end(),
            "traces-tool: writing output: No space left on device (os error 28)",
            "{args:?}"
        );
    }
    // An output file on a full disk names the file, and a device is never
    // removed as a half-written file would be.
    for to in ["pprof", "parquet"] {
        let r = run(&["export", "--to", to, "-o", "/dev/full", HEKETI]);
        assert_eq!(r.code, 2, "{to}: {}", r.stderr);
        assert!(std::path::Path::new("/dev/full").exists(), "{to}: /dev/full removed");
    }
    let r = run(&["export", "-o", "/dev/full", HEKETI]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("traces-tool: /dev/full: No space left on device"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_arguments_exit_2() {
    let r = run(&["grep", "(", HEKETI]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("traces-tool: invalid pattern \"(\""), "{}", r.stderr);
    let r = run(&["grep", "x", "--min", "lots", HEKETI]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid --min \"lots\""), "{}", r.stderr);
    assert_eq!(run(&["frobnicate"]).code, 2);
    let missing = run(&["csv", "no/such/file.txt"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.starts_with("traces-tool: no/such/file.txt: "), "{}", missing.stderr);
}

// ------------------------------------------------------ malformed input --

/// Each kind of malformed input: fixture, line, start of the message.
const MALFORMED: &[(&str, u64, &str)] = &[
    ("truncated-block", 5, "--strict: not a report as pprof printed it: closed the cut-off last block at 1 line (first at line 5: \"             net/http.readRequest\")"),
    ("frame-before-value", 4, "expected a value such as 21.01MB before the first frame"),
    ("bad-value", 3, "expected a value such as 21.01MB, 150ms or 37, found \"21.0.1MB\""),
    ("bad-value-decimals", 3, "expected a value such as 21.01MB, 150ms or 37, found \"21.015MB\""),
    ("bad-separator", 4, "expected the separator"),
    ("line-after-frames", 5, "expected a frame line"),
    ("missing-value", 4, "block ends without a value line"),
    ("blank-line-in-block", 4, "unexpected blank line inside a block"),
    ("mixed-units", 5, "value \"1kB\" is not in nanoseconds"),
    ("unrecognized-line", 3, "not part of the report as pprof printed it: \"  garbage\""),
    ("empty-frame-name", 4, "expected a function name"),
    ("invalid-utf8", 3, "invalid UTF-8"),
    ("binary-garbage", 2, "binary data, not a pprof traces report"),
    ("header-only", 0, "not a pprof traces report: no separator line"),
    ("top-report", 0, "not a pprof traces report: no separator line"),
    ("raw-report", 0, "not a pprof traces report: no separator line"),
    ("empty", 0, "empty input"),
    ("truncated-gzip", 39, "damaged or truncated gzip data ("),
    ("gzip-garbage", 0, "damaged or truncated gzip data ("),
    ("utf16-odd-length", 6, "invalid UTF-16 text (an odd number of bytes: cut short?)"),
    ("utf16-lone-surrogate", 3, "invalid UTF-16 text (an unpaired surrogate)"),
    ("crlf-broken-block", 7, "expected a frame line (13 spaces and a function) or a separator after the value line, found \"       5ms   main.b\""),
    ("separator-trailing-garbage", 4, "expected the separator \"-----------+\" followed by 55 '-'"),
    ("unit-with-digits", 3, "expected a value such as 21.01MB, 150ms or 37, found \"12M3B\" (a unit is made of letters"),
    ("concatenated-reports", 6, "a second report starts here: expected a block after the separator, found the header line \"File: b\""),
    ("nul-byte", 4, "binary data, not a pprof traces report (a NUL byte"),
    ("truncated-profile", 0, "damaged pprof profile: protobuf decoding failed"),
    ("truncated-profile-gz", 0, "damaged or truncated gzip data (incomplete deflate stream)"),
    ("raw-broken-locations", 18, "-raw text: expected a location line"),
    ("label-after-leaf", 4, "expected a frame line (13 spaces and a function) or a separator after the value line, found \"     bytes:  1kB\""),
    ("prompt-then-more-output", 6, "--strict: not a report as pprof printed it: dropped text after the report: 2 lines (first at line 6: \"(pprof)\")"),
];

/// The malformed inputs that are damaged pastes: read with a repair by
/// default, refused (as in [`MALFORMED`]) with `--strict`.
const REPAIRED_BY_DEFAULT: &[&str] = &["truncated-block", "prompt-then-more-output"];

#[test]
fn malformed_input_names_file_line_and_expectation() {
    assert!(MALFORMED.len() >= 25);
    for (name, line, message) in MALFORMED {
        let path = format!("tests/data/malformed/{name}.txt");
        for (cmd, strict) in [("csv", false), ("hist", false), ("csv", true)] {
            let mut args: Vec<&str> =
                if cmd == "hist" { vec![cmd, "--all", &path] } else { vec![cmd, &path] };
            if strict {
                args.push("--strict");
            } else if REPAIRED_BY_DEFAULT.contains(name) {
                let r = run(&args);
                assert_eq!(r.code, 0, "{name}: {}", r.stderr);
                assert!(
                    r.stderr.contains(": closed the cut-off")
                        || r.stderr.contains(": dropped text after"),
                    "{name}: {}",
                    r.stderr
                );
                continue;
            }
            let r = run(&args);
            assert_eq!(r.code, 2, "{name}: {}", r.stderr);
            let place = if *line == 0 { format!("{path}: ") } else { format!("{path}:{line}: ") };
            let want = format!("traces-tool: {place}{message}");
            assert!(r.stderr.starts_with(&want), "{name}:\n got {}\nwant {want}", r.stderr);
            assert_eq!(r.stderr.lines().count(), 1, "{name}");
        }
    }
}

#[test]
fn a_line_too_long_is_refused_not_buffered_forever() {
    let mut text = b"Type: cpu\n".to_vec();
    text.extend(std::iter::repeat_n(b'x', 3 << 20));
    let r = run_with_stdin(&["csv"], Some(&text));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line longer than"), "{}", r.stderr);
}

#[test]
fn lenient_mode_names_each_kind_its_count_and_first_line() {
    // Five broken blocks of three kinds between good ones: the good blocks
    // come out, stderr has one line per kind (count, first line, message).
    let sep = "-----------+-------------------------------------------------------";
    let text = format!(
        "Type: inuse_space\n{sep}\n       1kB   good.one\n{sep}\n  1.2.3MB   bad.value\n{sep}\n\
         \x20            early.frame\n{sep}\n       2kB   good.two\n{sep}\n      XYZB   bad.again\n\
         {sep}\n     bytes:  1kB\n{sep}\n       3kB   good.three\n{sep}\n"
    );
    let r = run_with_stdin(&["csv", "--lenient"], Some(text.as_bytes()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let leaves: Vec<&str> =
        r.stdout.lines().skip(1).map(|l| l.split(',').nth(6).unwrap()).collect();
    assert_eq!(leaves, ["good.one", "good.two", "good.three"]);
    let notes: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        notes,
        [
            "traces-tool: <stdin>: skipped 2 malformed blocks of kind bad-value (first at line 5: \
             expected a value such as 21.01MB, 150ms or 37, found \"1.2.3MB\" (a unit is made of \
             letters, like MB or ms))",
            "traces-tool: <stdin>: skipped 1 malformed block of kind frame-before-value (first at \
             line 7: expected a value such as 21.01MB before the first frame, found \"             \
             early.frame\")",
            "traces-tool: <stdin>: skipped 1 malformed block of kind missing-value (first at line \
             14: block ends without a value line: expected a value such as 21.01MB and a function \
             before the separator)",
        ]
    );
    // Strict reading, the default, stops at the first.
    let strict = run_with_stdin(&["csv"], Some(text.as_bytes()));
    assert_eq!(strict.code, 2);
    assert!(
        strict.stderr.starts_with("traces-tool: <stdin>:5: expected a value"),
        "{}",
        strict.stderr
    );
}

#[test]
fn lenient_mode_reports_what_it_skipped() {
    let r = run(&["csv", "--lenient", "tests/data/malformed/bad-value.txt"]);
    assert_eq!(r.code, 1, "no sample left");
    assert!(
        r.stderr.contains("skipped 1 malformed block of kind bad-value (first at line 3:"),
        "{}",
        r.stderr
    );
}

// ------------------------------------------------------------ filters --

/// pprof's `-name=value` filter flags as traces-tool options.
fn filter_options(flags: &str) -> Vec<String> {
    flags
        .split_whitespace()
        .flat_map(|flag| {
            let (name, value) = flag.trim_start_matches('-').split_once('=').unwrap();
            [format!("--{}", name.replace('_', "-")), value.to_owned()]
        })
        .collect()
}

/// The filter cases pprof was run with (`samples/filters/cases.tsv`):
/// (name, folder, sample index, flags).
fn filter_cases() -> Vec<(String, String, String, String)> {
    let manifest = std::fs::read_to_string("samples/filters/cases.tsv").unwrap();
    manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), f[1].to_owned(), f[3].to_owned(), f[4].to_owned())
        })
        .collect()
}

#[test]
fn filters_reproduce_pprof_filtered_traces_byte_for_byte() {
    // `go tool pprof -traces -focus=... profile` against `traces-tool cat
    // --focus ... report-of-that-profile`, for every case pprof was run with.
    let cases = filter_cases();
    assert!(cases.len() >= 12);
    for (name, dir, index, flags) in cases {
        let source = format!("samples/{dir}/{index}.traces.txt");
        let mut args = vec!["cat".to_owned(), source];
        args.extend(filter_options(&flags));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&args);
        assert!(r.code <= 1, "{name}: {}", r.stderr);
        let expected = gunzip_text(&format!("samples/filters/{name}.traces.txt.gz"));
        assert!(r.stdout == expected, "{name}: traces-tool cat {flags} differs from pprof");
    }
}

#[test]
fn cat_gives_every_report_back_byte_for_byte() {
    let mut files = Vec::new();
    collect(Path::new("samples"), &mut files);
    let shared = Path::new("../shared/real-traces");
    if shared.is_dir() {
        collect(shared, &mut files);
    }
    let reports: Vec<_> = files
        .iter()
        .filter(|p| {
            let s = p.to_string_lossy();
            s.ends_with(".traces.txt") || s.ends_with(".traces")
        })
        .collect();
    assert!(reports.len() >= 25);
    for p in reports {
        let original = std::fs::read_to_string(p).unwrap();
        assert_eq!(ok(&["cat", p.to_str().unwrap()]), original, "{}", p.display());
    }
}

#[test]
fn a_label_no_sample_carries_is_said_with_the_labels_present() {
    let r = run(&["hist", "--all", "--by", "byts", HEAP]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("no sample carries the label \"byts\"; the labels present: bytes"),
        "{}",
        r.stderr
    );
    // A label that is there: no note, exit 0.
    assert!(stdout_ok(&["hist", "--all", "--by", "bytes", HEAP]).contains("bytes"));
}

#[test]
fn hist_sorts_text_keys_a_to_z_after_the_numbers() {
    let dir = std::env::temp_dir().join(format!("hist-text-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("states.txt");
    let block = |state: &str, v: &str| {
        format!(
            "-----------+-------------------------------------------------------\n     \
             state:  {state}\n{v:>10}   main.f\n"
        )
    };
    let text = format!(
        "Type: goroutine\n{}{}{}{}{}-----------+-------------------------------------------------------\n",
        block("running", "1"),
        block("IO wait", "5"),
        block("runnable", "2"),
        block("chan receive", "3"),
        block("IO wait", "1"),
    );
    std::fs::write(&path, text).unwrap();
    let out = ok(&["hist", "--all", "--by", "state", path.to_str().unwrap()]);
    let keys: Vec<&str> = out.lines().skip(1).filter_map(|l| l.get(7..19)).map(str::trim).collect();
    assert_eq!(keys[..4], ["IO wait", "chan receive", "runnable", "running"], "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_of_two_programs_warns_and_a_dump_is_not_given_sample_index_advice() {
    let r = run(&["diff", HEAP, "samples/leak/after.traces.txt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning:") && r.stderr.contains("\"httpheap\""), "{}", r.stderr);
    // Same program: no warning.
    let r = run(&["diff", "samples/leak/before.traces.txt", "samples/leak/after.traces.txt"]);
    assert!(!r.stderr.contains("warning:"), "{}", r.stderr);
    let r = run(&["diff", HEAP, "samples/goroutine/goroutine.traces.txt"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("a heap profile") && r.stderr.contains("goroutine"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("sample_index") && !r.stderr.contains("sample-index"),
        "{}",
        r.stderr
    );
}

#[test]
fn man_has_a_page_per_command_and_writes_them_all() {
    let grep = ok(&["man", "grep"]);
    assert!(grep.contains(".TH traces-tool-grep 1"), "{grep}");
    for want in
        ["fixed\\-strings", ".SH EXAMPLES", ".SH \"EXIT STATUS\"", "\\fBtraces\\-tool\\fR(1)"]
    {
        assert!(grep.contains(want), "{want} not in {grep}");
    }
    let r = run(&["man", "grpe"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no page for \"grpe\""), "{}", r.stderr);
    let dir = std::env::temp_dir().join(format!("man-pages-{}", std::process::id()));
    let r = run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let main = std::fs::read_to_string(dir.join("traces-tool.1")).unwrap();
    // Every page SEE ALSO names exists.
    let see_also = main.split(".SH \"SEE ALSO\"").nth(1).unwrap();
    let named: Vec<&str> = see_also
        .split("\\fB")
        .skip(1)
        .filter_map(|s| s.split("\\fR(1)").next())
        .filter(|s| s.starts_with("traces"))
        .collect();
    assert!(named.len() > 10, "{see_also}");
    for page in named {
        let file = dir.join(format!("{}.1", page.replace("\\-", "-")));
        assert!(file.exists(), "{} is named but not written", file.display());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_pattern_that_reads_as_a_go_name_gets_the_hint_of_fixed_strings() {
    let r = run(&["grep", "main.(*headerCache).remember", HEAP]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean -F"), "{}", r.stderr);
    let r = run(&["grep", "--tpo", "3", "x", HEAP]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("a similar argument exists: '--top'"), "{}", r.stderr);
}

#[test]
fn diff_json_gives_percentages_as_numbers_and_status_apart() {
    let args = [
        "diff",
        "--format",
        "json",
        "samples/leak/before.traces.txt",
        "samples/leak/after.traces.txt",
    ];
    let doc: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
    let row = &doc["rows"][0];
    let percent = row["flat_change_percent"].as_f64().expect("a number");
    let (before, after) =
        (row["flat_before"].as_f64().unwrap(), row["flat_after"].as_f64().unwrap());
    assert!((percent - (after - before) / before * 100.0).abs() < 1e-3, "{row}");
    assert_eq!(row["flat_status"], "grew");
    assert!(doc["change_percent"].is_number() && doc["status"] == "grew", "{doc}");
    // A new function: no percent, and the status says so.
    let rows = doc["rows"].as_array().unwrap();
    for r in rows.iter().filter(|r| r["flat_before"] == 0 && r["flat_after"] != 0) {
        assert!(r["flat_change_percent"].is_null() && r["flat_status"] == "new", "{r}");
    }
}

#[test]
fn a_tagfocus_key_no_sample_carries_is_said_with_the_labels_present() {
    let r = run(&["top", "--tagfocus", "byts=1kB", "samples/leak/after.traces.txt"]);
    assert!(
        r.stderr.contains(
            "--tagfocus: no sample carries the label \"byts\"; the labels present: bytes"
        ),
        "{}",
        r.stderr
    );
    let r = run(&["top", "--tagfocus", "bytes=1kB", "samples/leak/after.traces.txt"]);
    assert!(!r.stderr.contains("no sample carries"), "{}", r.stderr);
}
