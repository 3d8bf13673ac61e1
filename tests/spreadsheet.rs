//! The CSV of every command as a spreadsheet reads it: each file is opened
//! by LibreOffice Calc (headless, one `soffice --convert-to fods` run for
//! all of them, with Calc's default CSV import), and the typed cells of the
//! flat ODS it writes are compared with the CSV: numeric columns must
//! arrive as numbers (the same numbers), every other column as text, the
//! very text written (no formula run, no `1e3` turned into 1000). The input
//! is `tests/data/spreadsheet/hostile.*`, whose frames and labels are named
//! `=cmd`, `1e3`, `@SUM(A1)`, `=HYPERLINK(...)`, plus real reports from
//! `samples/`. Skipped, with a note, when `soffice` is not on PATH (Debian:
//! `apt-get install --no-install-recommends libreoffice-calc-nogui`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::stdout_ok;

const HOSTILE: &str = "tests/data/spreadsheet/hostile.traces.txt";
const HOSTILE_PB: &str = "tests/data/spreadsheet/hostile.pb";
const HEAP: &str = "samples/heap/inuse_space.traces.txt";
const CPU: &str = "samples/cpu/cpu.traces.txt";
const LEAK_BEFORE: &str = "samples/leak/before.traces.txt";
const LEAK_AFTER: &str = "samples/leak/after.traces.txt";

/// One CSV to open: a file name, the command line, and its numeric and
/// boolean columns (every other column is text).
struct Case {
    name: &'static str,
    args: Vec<&'static str>,
    numbers: Vec<&'static str>,
    bools: Vec<&'static str>,
}

fn case(name: &'static str, args: &[&'static str], numbers: &[&'static str]) -> Case {
    Case { name, args: args.to_vec(), numbers: numbers.to_vec(), bools: vec!["exact"] }
}

fn cases() -> Vec<Case> {
    let csv_numbers = ["sample", "line", "value", "depth"];
    let hist = ["value", "count", "sum", "sum_max_error", "share", "freed"];
    let top = ["flat", "cum", "flat_percent", "cum_percent", "flat_max_error", "cum_max_error"];
    let grep =
        ["rank", "value", "sample", "line", "function_samples", "function_flat", "function_cum"];
    let diff_function = [
        "flat_before",
        "flat_after",
        "flat_change",
        "cum_before",
        "cum_after",
        "cum_change",
        "flat_change_percent",
    ];
    let diff_other = ["before", "after", "change", "change_percent"];
    let label_numbers = [&csv_numbers[..], &["label:bytes", "label:n", "label:wait"]].concat();
    let mut all = vec![
        case("csv", &["csv", HOSTILE], &label_numbers),
        case("csv-profile", &["csv", HOSTILE_PB], &label_numbers),
        case("csv-cpu", &["csv", CPU], &csv_numbers),
        case("csv-frames", &["csv", "--frames", HOSTILE], &["sample", "line", "value", "position"]),
        case("grep", &["grep", ".", "--format", "csv", HOSTILE], &grep),
        case("hist", &["hist", "--all", "--format", "csv", HOSTILE], &hist),
        case("hist-by", &["hist", "--all", "--by", "handler", "--format", "csv", HOSTILE], &hist),
        case(
            "hist-log2",
            &["hist", "--all", "--by", "bytes", "--buckets", "log2", "--format", "csv", HEAP],
            &hist,
        ),
        case("top", &["top", "--format", "csv", HOSTILE], &top),
        case("top-heap", &["top", "--format", "csv", HEAP], &top),
        case(
            "peek",
            &["peek", "--format", "csv", "main", HOSTILE],
            &["weight", "cum", "max_error"],
        ),
        case(
            "stacks",
            &["stacks", "--format", "csv", HOSTILE],
            &["rank", "value", "blocks", "share", "max_error"],
        ),
        case("summary", &["summary", "--format", "csv", HOSTILE], &[]),
        case("summary-heap", &["summary", "--format", "csv", HEAP], &[]),
        case("diff", &["diff", "-n", "0", "--format", "csv", HOSTILE_PB, HOSTILE], &diff_function),
        case(
            "diff-leak",
            &["diff", "-n", "0", "--format", "csv", LEAK_BEFORE, LEAK_AFTER],
            &diff_function,
        ),
        case(
            "diff-stack",
            &["diff", "--by", "stack", "-n", "0", "--format", "csv", LEAK_BEFORE, LEAK_AFTER],
            &diff_other,
        ),
        case("blame", &["blame", "--format", "csv", HOSTILE], &["value", "samples", "share"]),
        case("blame-heap", &["blame", "--format", "csv", HEAP], &["value", "samples", "share"]),
    ];
    all[3].bools.push("inline");
    all[4].bools.push("function_exact");
    all
}

/// `summary`'s `value` column holds a number for these fields.
const SUMMARY_NUMBERS: [&str; 14] = [
    "samples",
    "samples_read",
    "total",
    "total_max_error",
    "kept_sum",
    "zero_samples",
    "negative_samples",
    "base_samples",
    "functions",
    "stacks",
    "stacks_in_several_blocks",
    "blocks_of_repeated_stacks",
    "deepest_stack",
    "possibly_truncated_stacks",
];

/// A cell as Calc holds it.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Empty,
    Number(f64),
    Text(String),
    Bool(bool),
    /// Anything else (a date, a percentage), with its type.
    Other(String),
    /// A cell Calc computed from a formula.
    Formula(String),
}

fn soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["soffice", "libreoffice"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("traces-tool-spreadsheet-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Converts every CSV to flat ODS with one `soffice` run, its own profile
/// directory (so that a running LibreOffice does not interfere) and a
/// time limit.
fn convert(soffice: &Path, dir: &Path, files: &[PathBuf]) -> PathBuf {
    let out_dir = dir.join("fods");
    let profile = dir.join("profile");
    let mut child = Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--norestore", "--convert-to", "fods", "--outdir"])
        .arg(&out_dir)
        .args(files)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start soffice");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "soffice failed: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("soffice did not finish converting in 300 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    out_dir
}

const TABLE: &str = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
const OFFICE: &str = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
const TEXT: &str = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";

/// The text of a cell: its paragraphs, with `<text:s/>` spaces expanded.
fn cell_text(cell: roxmltree::Node) -> String {
    fn walk(node: roxmltree::Node, out: &mut String) {
        for child in node.children() {
            if child.is_text() {
                out.push_str(child.text().unwrap_or_default());
            } else if child.tag_name().namespace() == Some(TEXT) {
                match child.tag_name().name() {
                    "s" => {
                        let n = child.attribute((TEXT, "c")).map_or(1, |c| c.parse().unwrap());
                        out.extend(std::iter::repeat_n(' ', n));
                    }
                    "tab" => out.push('\t'),
                    "line-break" => out.push('\n'),
                    _ => walk(child, out),
                }
            }
        }
    }
    let mut paragraphs = Vec::new();
    for p in cell.children().filter(|c| c.has_tag_name((TEXT, "p"))) {
        let mut s = String::new();
        walk(p, &mut s);
        paragraphs.push(s);
    }
    paragraphs.join("\n")
}

/// The rows of the first sheet of a flat ODS file.
fn read_fods(path: &Path) -> Vec<Vec<Cell>> {
    let xml = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let table = doc.descendants().find(|n| n.has_tag_name((TABLE, "table"))).expect("a sheet");
    let mut rows = Vec::new();
    for row in table.descendants().filter(|n| n.has_tag_name((TABLE, "table-row"))) {
        let mut cells = Vec::new();
        for cell in row.children().filter(|c| c.is_element()) {
            let repeat: usize = cell
                .attribute((TABLE, "number-columns-repeated"))
                .map_or(1, |n| n.parse().unwrap());
            let kind = cell.attribute((OFFICE, "value-type"));
            let value = match kind {
                _ if cell.attribute((TABLE, "formula")).is_some() => {
                    Cell::Formula(cell.attribute((TABLE, "formula")).unwrap().to_owned())
                }
                None => Cell::Empty,
                Some("float") => {
                    Cell::Number(cell.attribute((OFFICE, "value")).unwrap().parse().unwrap())
                }
                Some("string") => Cell::Text(cell_text(cell)),
                Some("boolean") => {
                    Cell::Bool(cell.attribute((OFFICE, "boolean-value")) == Some("true"))
                }
                Some(other) => Cell::Other(format!("{other}: {}", cell_text(cell))),
            };
            // Calc writes the empty tail of a row as one repeated cell.
            cells.extend(std::iter::repeat_n(value, repeat.min(1024)));
        }
        rows.push(cells);
    }
    rows
}

/// Checks one sheet against the CSV it was read from.
fn check(case: &Case, csv_text: &str, sheet: &[Vec<Cell>]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let header = &records[0];
    assert!(records.len() > 1, "{}: no rows", case.name);
    for (i, record) in records.iter().enumerate() {
        let row = sheet.get(i).map_or(&[][..], Vec::as_slice);
        for (j, text) in record.iter().enumerate() {
            let got = row.get(j).cloned().unwrap_or(Cell::Empty);
            let column = &header[j];
            let numeric = if case.name.starts_with("summary") {
                j == 1 && SUMMARY_NUMBERS.contains(&&record[0])
            } else {
                case.numbers.contains(&column)
            };
            let boolean = if case.name.starts_with("summary") {
                j == 1 && &record[0] == "exact"
            } else {
                case.bools.contains(&column)
            };
            let ok = if i == 0 {
                got == Cell::Text(text.to_owned())
            } else if text.is_empty() {
                got == Cell::Empty
            } else if numeric {
                let want: f64 = text.parse().unwrap_or(f64::NAN);
                matches!(got, Cell::Number(v) if (v - want).abs() <= want.abs() * 1e-12)
            } else if boolean {
                // Calc keeps `true` as text; a boolean cell would do as well.
                got == Cell::Text(text.to_owned()) || got == Cell::Bool(text == "true")
            } else {
                got == Cell::Text(text.to_owned())
            };
            if !ok {
                let kind = if numeric { "number" } else { "text" };
                problems.push(format!(
                    "{}: row {i}, column {column:?}: CSV {text:?} ({kind}) arrived as {got:?}",
                    case.name
                ));
            }
        }
    }
    problems
}

#[test]
fn calc_reads_numbers_as_numbers_and_text_as_text_in_every_command() {
    let Some(soffice) = soffice() else {
        support::skip(
            "LibreOffice (soffice) is not on PATH; install libreoffice-calc-nogui to check \
             the CSV of every command in Calc",
        );
        return;
    };
    let dir = temp_dir("types");
    let mut files = Vec::new();
    let mut texts = HashMap::new();
    let cases = cases();
    for case in &cases {
        let text = stdout_ok(&case.args);
        let path = dir.join(format!("{}.csv", case.name));
        std::fs::write(&path, &text).unwrap();
        files.push(path);
        texts.insert(case.name, text);
    }
    // The same CSV, raw: the check must see what the default prevents.
    let raw = stdout_ok(&["csv", "--csv-raw-text", HOSTILE]);
    let raw_path = dir.join("raw.csv");
    std::fs::write(&raw_path, &raw).unwrap();
    files.push(raw_path);

    let out = convert(&soffice, &dir, &files);
    let mut problems = Vec::new();
    for case in &cases {
        let sheet = read_fods(&out.join(format!("{}.fods", case.name)));
        problems.extend(check(case, &texts[case.name], &sheet));
    }
    assert!(problems.is_empty(), "{} cells misread:\n{}", problems.len(), problems.join("\n"));

    // What neutralising is for: written raw, Calc runs the label as a
    // formula and turns the frame `1e3` into the number 1000.
    let sheet = read_fods(&out.join("raw.fods"));
    let header: Vec<&Cell> = sheet[0].iter().collect();
    let col =
        |name: &str| header.iter().position(|c| **c == Cell::Text(name.to_owned())).expect(name);
    assert!(
        matches!(&sheet[1][col("label:handler")], Cell::Formula(f) if f.contains("HYPERLINK")),
        "{:?}",
        sheet[1][col("label:handler")]
    );
    assert_eq!(sheet[2][col("leaf")], Cell::Number(1000.0));
    assert_eq!(sheet[8][col("label:user")], Cell::Number(1234.0));
    // And by default the same cells are the text written, with its `'`.
    let sheet = read_fods(&out.join("csv.fods"));
    assert_eq!(
        sheet[1][col("label:handler")],
        Cell::Text("'=HYPERLINK(\"http://example.com/x\",\"click\")".to_owned())
    );
    assert_eq!(sheet[2][col("leaf")], Cell::Text("'1e3".to_owned()));
    assert_eq!(sheet[8][col("label:user")], Cell::Text("'1,234".to_owned()));
    assert_eq!(sheet[2][col("label:bytes")], Cell::Number(1536.0));
    let _ = std::fs::remove_dir_all(&dir);
}
