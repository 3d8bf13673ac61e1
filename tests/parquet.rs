//! `export --to parquet`: the files read back with DuckDB (the Python
//! package, `import duckdb`), their sums compared with `top`'s: per
//! function, flat and cum, for traces text, `-lines` text and binary
//! profiles; per input for several snapshots in one file; the frames
//! table against the samples table. Skipped with a note when DuckDB is not
//! importable, failed instead when the environment variable `CI` is set.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

mod support;
use support::{ok_noted, run};

use serde_json::Value;

const HEAP: &str = "samples/heap/inuse_space.traces.txt";
const HEAP_LINES: &str = "samples/heap/inuse_space.lines.traces.txt";
const HEAP_BINARY: &str = "samples/heap/heap-after.pb.gz";
const CPU_BINARY: &str = "samples/cpu/cpu.pb.gz";
const LEAK_BEFORE: &str = "samples/leak/before.exact.traces.txt";
const LEAK_AFTER: &str = "samples/leak/after.exact.traces.txt";

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("traces-tool-parquet-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// True when `python3 -c "import duckdb"` works; else a note, or a failure
/// under CI.
fn have_duckdb() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but DuckDB is not importable (python3 -m pip install duckdb)"
        );
        eprintln!("skipped: the duckdb Python package is not importable (pip install duckdb)");
    }
    found
}

/// The rows of a DuckDB query over the Parquet file `path` (named `t` in
/// the query), every cell as text (decimals exactly as DuckDB prints them).
fn duckdb(path: &std::path::Path, sql: &str) -> Vec<Vec<String>> {
    const SCRIPT: &str = r#"
import duckdb, json, sys
con = duckdb.connect()
path = sys.argv[1].replace("'", "''")
con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{path}')")
rows = con.execute(sys.argv[2]).fetchall()
print(json.dumps([[None if c is None else str(c) for c in r] for r in rows]))
"#;
    let out = Command::new("python3")
        .args(["-c", SCRIPT, path.to_str().unwrap(), sql])
        .output()
        .expect("python3");
    assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Vec<Option<String>>> = serde_json::from_slice(&out.stdout).unwrap();
    rows.into_iter()
        .map(|r| r.into_iter().map(|c| c.unwrap_or_else(|| "NULL".into())).collect())
        .collect()
}

/// An exact decimal text (`1536`, `22030581.76`, `1536.00`) in hundredths.
fn centi(text: &str) -> i128 {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= 2, "more than two decimals: {text}");
    let negative = int.starts_with('-');
    let whole: i128 = int.parse().unwrap_or_else(|_| panic!("not a number: {text}"));
    let frac: i128 = format!("{frac:0<2}").parse().unwrap();
    whole * 100 + if negative { -frac } else { frac }
}

/// `top --format json` of `args`, every node: function → (flat, cum) in
/// hundredths.
fn top(args: &[&str]) -> BTreeMap<String, (i128, i128)> {
    let mut all = vec!["top", "--format", "json", "--nodecount", "0", "--nodefraction", "0"];
    all.extend_from_slice(args);
    let (out, _) = ok_noted(&all);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty(), "{args:?}: no nodes");
    nodes
        .iter()
        .map(|n| {
            let num = |k: &str| centi(&n[k].to_string());
            (n["function"].as_str().unwrap().to_owned(), (num("flat"), num("cum")))
        })
        .collect()
}

/// Exports `inputs` to `dir/name` with `extra` arguments; the file's path.
fn export(dir: &std::path::Path, name: &str, extra: &[&str], inputs: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut args = vec!["export", "--to", "parquet", "-o", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend_from_slice(inputs);
    ok_noted(&args);
    path
}

/// The per-function flat and cum sums DuckDB computes from the samples
/// table, `name_sql` naming a frame (`f.name`).
fn sums(path: &std::path::Path, name_sql: &str) -> BTreeMap<String, (i128, i128)> {
    let mut out: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    let flat = format!(
        "SELECT {leaf}, sum(value) FROM (SELECT stack[1] AS f, value FROM t) GROUP BY 1",
        leaf = name_sql
    );
    for row in duckdb(path, &flat) {
        out.entry(row[0].clone()).or_default().0 = centi(&row[1]);
    }
    // A function once per sample, however often it recurses.
    let cum = format!(
        "SELECT n, sum(value) FROM (SELECT DISTINCT input, sample, value, {name_sql} AS n \
         FROM (SELECT input, sample, value, unnest(stack) AS f FROM t)) GROUP BY n"
    );
    for row in duckdb(path, &cum) {
        out.entry(row[0].clone()).or_default().1 = centi(&row[1]);
    }
    // `top` lists no function of flat and cum 0 (freed objects of inuse_*).
    out.retain(|_, sums| *sums != (0, 0));
    out
}

#[test]
fn sums_per_function_equal_tops_for_text_and_binary_inputs() {
    if !have_duckdb() {
        return;
    }
    let dir = temp_dir("sums");
    for (input, name) in [(HEAP, "heap"), (HEAP_BINARY, "binary"), (CPU_BINARY, "cpu")] {
        let path = export(&dir, &format!("{name}.parquet"), &[], &[input]);
        let want = top(&[input]);
        let got = sums(&path, "f.name");
        assert_eq!(got, want, "{input}");
        // One row per sample, as `csv` has.
        let (csv, _) = ok_noted(&["csv", input]);
        let rows = duckdb(&path, "SELECT count(*), count(DISTINCT input), min(input) FROM t");
        assert_eq!(rows[0][0], (csv.lines().count() - 1).to_string(), "{input}");
        assert_eq!(rows[0][1..], ["1".to_owned(), input.to_owned()], "{input}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lines_reports_and_binary_profiles_carry_files_and_lines() {
    if !have_duckdb() {
        return;
    }
    let dir = temp_dir("lines");
    // `-lines` frames are `function file:line`; top groups them so.
    let path = export(&dir, "lines.parquet", &[], &[HEAP_LINES]);
    let got = sums(&path, "f.name || ' ' || f.file || ':' || f.line");
    assert_eq!(got, top(&[HEAP_LINES]));
    let rows = duckdb(
        &path,
        "SELECT count(*), count(f.file), count(f.line), count_if(f.name LIKE '% %') \
         FROM (SELECT unnest(stack) AS f FROM t)",
    );
    let frames = &rows[0][0];
    assert_ne!(frames, "0");
    assert_eq!(&rows[0][1..], [frames.clone(), frames.clone(), "0".to_owned()]);
    // A binary profile knows its functions' files, not their lines.
    let path = export(&dir, "binary.parquet", &[], &[HEAP_BINARY]);
    let rows = duckdb(
        &path,
        "SELECT count(*), count(f.file), count(f.line), count_if(f.file LIKE '%.go' OR f.file LIKE '%.s') \
         FROM (SELECT unnest(stack) AS f FROM t)",
    );
    assert_ne!(rows[0][1], "0", "{rows:?}");
    assert_eq!(rows[0][2], "0", "{rows:?}");
    assert_eq!(rows[0][3], rows[0][1], "{rows:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn several_snapshots_in_one_file_keep_their_inputs_times_and_totals() {
    if !have_duckdb() {
        return;
    }
    let dir = temp_dir("snapshots");
    let path = export(&dir, "leak.parquet", &[], &[LEAK_BEFORE, LEAK_AFTER]);
    let rows = duckdb(
        &path,
        "SELECT input, any_value(sample_type), any_value(unit), count(DISTINCT time), \
         count(time), sum(value), bool_and(exact) FROM t GROUP BY input ORDER BY input",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    for (row, input) in rows.iter().zip([LEAK_AFTER, LEAK_BEFORE]) {
        assert_eq!(row[0], input);
        assert_eq!(row[1], "inuse_space");
        assert_eq!(row[2], "bytes");
        // The header's time on every row.
        assert_eq!(row[3], "1");
        let total: i128 = top(&[input]).values().map(|(flat, _)| flat).sum();
        assert_eq!(centi(&row[5]), total, "{input}");
        assert_eq!(row[6], "True");
    }
    // The header's time, in UTC.
    let text = std::fs::read_to_string(LEAK_AFTER).unwrap();
    let header_time = text.lines().find_map(|l| l.strip_prefix("Time: ")).unwrap();
    let want = traces_tool::gotime::parse_header_time(header_time).unwrap() / 1000;
    let got =
        duckdb(&path, &format!("SELECT epoch_us(min(time)) FROM t WHERE input = '{LEAK_AFTER}'"));
    assert_eq!(got[0][0], want.to_string());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_frames_table_has_a_row_per_frame_of_every_sample() {
    if !have_duckdb() {
        return;
    }
    let dir = temp_dir("frames");
    let samples = export(&dir, "samples.parquet", &[], &[HEAP]);
    let frames = export(&dir, "frames.parquet", &["--frames"], &[HEAP]);
    let depth = duckdb(&samples, "SELECT sum(depth), sum(len(stack)) FROM t");
    let rows = duckdb(&frames, "SELECT count(*), count(DISTINCT sample), max(position) FROM t");
    assert_eq!(depth[0][0], depth[0][1]);
    assert_eq!(rows[0][0], depth[0][0]);
    // Flat and cum by the frames table too.
    let flat = duckdb(&frames, "SELECT name, sum(value) FROM t WHERE position = 0 GROUP BY name");
    let want = top(&[HEAP]);
    for row in &flat {
        let sum = centi(&row[1]);
        assert_eq!(sum, want.get(&row[0]).map_or(0, |sums| sums.0), "{row:?}");
    }
    let nonzero_flat = want.values().filter(|(flat, _)| *flat != 0).count();
    assert!(flat.len() >= nonzero_flat, "{flat:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn labels_are_a_map_and_filters_apply() {
    if !have_duckdb() {
        return;
    }
    let dir = temp_dir("labels");
    let path = export(&dir, "labels.parquet", &[], &[HEAP]);
    let labelled = duckdb(&path, "SELECT count(*) FROM t WHERE cardinality(labels) > 0");
    let (csv, _) = ok_noted(&["csv", "--format", "json", HEAP]);
    let doc: Value = serde_json::from_str(&csv).unwrap();
    let with_labels = doc["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["labels"].as_object().unwrap().is_empty())
        .count();
    assert_eq!(labelled[0][0], with_labels.to_string());
    if with_labels > 0 {
        let keys = duckdb(&path, "SELECT DISTINCT unnest(map_keys(labels)) FROM t ORDER BY 1");
        assert!(!keys.is_empty());
    }
    // pprof's filters pick the rows, as they pick top's.
    let focused = export(&dir, "focused.parquet", &["--focus", "main"], &[HEAP]);
    let total: i128 = top(&["--focus", "main", HEAP]).values().map(|(flat, _)| flat).sum();
    let got = duckdb(&focused, "SELECT sum(value) FROM t");
    assert_eq!(centi(&got[0][0]), total);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn standard_output_gets_the_same_file() {
    let dir = temp_dir("stdout");
    let path = dir.join("file.parquet");
    ok_noted(&["export", "--to", "parquet", "-o", path.to_str().unwrap(), HEAP]);
    let piped = run(&["export", "--to", "parquet", "-o", "-", HEAP]);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    let file = std::fs::read(&path).unwrap();
    assert_eq!(piped.bytes, file);
    assert_eq!(&file[..4], b"PAR1");
    assert_eq!(&file[file.len() - 4..], b"PAR1");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn frames_without_parquet_and_bad_inputs_are_errors() {
    let dir = temp_dir("errors");
    let path = dir.join("x.parquet");
    let r = run(&["export", "--frames", "-o", path.to_str().unwrap(), HEAP]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--frames is for --to parquet"), "{}", r.stderr);
    // A malformed input: exit 2, the file and line named, no file left.
    let bad = dir.join("bad.txt");
    std::fs::write(
        &bad,
        "Type: inuse_space\n\
         -----------+-------------------------------------------------------\n\
         \x20    1536B   main.leaf\n\
         \x20            main.main\n\
         -----------+-------------------------------------------------------\n\
         \x20            main.main\n\
         -----------+-------------------------------------------------------\n",
    )
    .unwrap();
    let r =
        run(&["export", "--to", "parquet", "-o", path.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("bad.txt:6:"), "{}", r.stderr);
    assert!(!path.exists(), "a partial file was left");
    // No samples: a valid empty table, exit 1.
    let empty = dir.join("empty.txt");
    std::fs::write(
        &empty,
        "Type: inuse_space\n-----------+-------------------------------------------------------\n",
    )
    .unwrap();
    let r =
        run(&["export", "--to", "parquet", "-o", path.to_str().unwrap(), empty.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    if have_duckdb() {
        assert_eq!(duckdb(&path, "SELECT count(*) FROM t"), [["0".to_owned()]]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
