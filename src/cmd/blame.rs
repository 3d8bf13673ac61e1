//! `traces-tool blame`: charges each sample to the first frame, from the
//! leaf toward the root, that belongs to the application rather than to the
//! Go runtime, the standard library or a third-party module. Samples with no
//! application frame are grouped by their outermost non-runtime frame, with
//! a plain-words note for server roots such as `net/http.(*conn).serve`.
//! The analysis is [`crate::analysis::blame`]; this module writes it.

use std::io::Write;

use clap::Args;
use serde_json::{Map, Value};

use crate::analysis::blame::{blame, BlameOptions, BlameReport, BlameRow, ChargeKind};
use crate::cmd::{formats, row_limit, Format, InputArgs, Outcome, TEXT_CSV_JSON};
use crate::error::Result;
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, to_object, CsvRows};
use crate::output::sheet::Kind;
use crate::output::text::Out;
use crate::units::{centi_to_decimal, percentage};

/// Charge each sample to the first application frame from the leaf.
///
/// The application is `main` plus the module most non-standard frames
/// belong to (e.g. `github.com/heketi/heketi`), unless `--app` says
/// otherwise. Runtime, standard-library, vendored and other modules' frames
/// are looked through.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct BlameArgs {
    /// Regular expression of application frames (repeatable); replaces the
    /// guess. `main.` functions always count as application code.
    #[arg(long, value_name = "REGEX")]
    pub app: Vec<String>,
    /// Regular expression of third-party frames to look through even when
    /// they sit inside the application's module path (repeatable). Paths
    /// with `/vendor/` are looked through anyway.
    #[arg(long, value_name = "REGEX")]
    pub vendor: Vec<String>,
    /// Rows to show (0: all); default 10 in text, every row in csv and json
    /// unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Leaves to list under each row.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub leaves: usize,
    /// Output format.
    #[arg(long, value_parser = formats(TEXT_CSV_JSON), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &BlameArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let options = BlameOptions {
        app: args.app.clone(),
        vendor: args.vendor.clone(),
        top: row_limit(args.top, args.format, 10),
        leaves: args.leaves,
    };
    let report = blame(&args.input.inputs(), &options)?;
    match args.format {
        Format::Text => write_text(out, &report)?,
        Format::Csv => write_csv(out, &report, args)?,
        Format::Json => write_json(out, &report)?,
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("blame")),
    }
    let mut notes = report.notes;
    if report.rows.is_empty() {
        notes.push("no samples with a value".to_owned());
    }
    Ok(Outcome { matched: !report.rows.is_empty(), notes })
}

fn write_text(out: &mut dyn Write, report: &BlameReport) -> Result<()> {
    let app = match (&report.module, report.patterns.is_empty()) {
        (_, false) => format!("main and {}", report.patterns.join(", ")),
        (Some(m), true) => format!("main and {m} (guessed; set it with --app)"),
        (None, true) => "main (no other module found; set it with --app)".to_owned(),
    };
    let sample_type = report.sample_type.as_deref();
    writeln!(out, "Application code: {app}")?;
    writeln!(
        out,
        "{}: {} total, each sample charged to its first application frame from the leaf",
        sample_type.unwrap_or("value"),
        report.units.format(report.total.0)
    )?;
    if !report.exact {
        writeln!(out, "(values are rounded as pprof printed them)")?;
    }
    if report.zeros > 0 && sample_type.is_some_and(|t| t.starts_with("inuse_")) {
        writeln!(
            out,
            "{} of {} samples are 0: objects allocated there were already freed",
            report.zeros, report.samples
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{:>10} {:>7} {:>8}  frame", "value", "share", "samples")?;
    for row in &report.rows {
        let mark =
            if row.kind == ChargeKind::Application { "" } else { "  [no application frame]" };
        writeln!(
            out,
            "{:>10} {} {:>8}  {}{mark}",
            row.value_text,
            percentage(row.value.0, report.total.0),
            row.samples,
            row.frame
        )?;
        let leaves: Vec<String> = row
            .leaves
            .iter()
            .map(|leaf| {
                let shown = if leaf.function == row.frame { "itself" } else { &leaf.function };
                format!("{shown} {}", report.units.format(leaf.value.0))
            })
            .collect();
        writeln!(out, "{:28}via {}", "", leaves.join(", "))?;
    }
    for explanation in report.rows.iter().filter_map(|r| r.explanation.as_deref()) {
        writeln!(out)?;
        for line in wrap(explanation, 96) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// The fields of a JSON row.
const JSON_FIELDS: &[&str] =
    &["frame", "value", "value_text", "samples", "share_percent", "kind", "leaves", "explanation"];

fn write_json(out: &mut dyn Write, report: &BlameReport) -> Result<()> {
    let application = object([
        ("module", report.module.as_deref().map_or(Value::Null, Into::into)),
        ("patterns", report.patterns.clone().into()),
    ]);
    let doc = object([
        ("application", application),
        ("type", report.sample_type.as_deref().map_or(Value::Null, Value::from)),
        ("unit", report.units.unit_name().into()),
        ("exact", report.exact.into()),
        ("total", amount(report.total.0)),
        ("rows", Value::Array(json_rows(&report.rows, Some(JSON_FIELDS))?)),
    ]);
    write_document(out, &doc)
}

/// A row's `leaves` cell: `function=value; ...`.
fn leaves_cell(row: &BlameRow) -> String {
    let leaves: Vec<String> = row
        .leaves
        .iter()
        .map(|leaf| format!("{}={}", leaf.function, centi_to_decimal(leaf.value.0)))
        .collect();
    leaves.join("; ")
}

/// `--format csv`: the serialized row, its leaves as one text cell.
fn write_csv(out: &mut dyn Write, report: &BlameReport, args: &BlameArgs) -> Result<()> {
    let mut shared = Map::new();
    shared.insert("unit".into(), report.units.unit_name().into());
    shared.insert("exact".into(), report.exact.into());
    let mut csv = CsvRows::new(out, &CSV_COLUMNS, shared, args.input.sheet_options());
    for row in &report.rows {
        let mut cells = to_object(row)?;
        cells.insert("leaves".into(), leaves_cell(row).into());
        csv.row(&cells)?;
    }
    csv.finish()
}

/// The columns of `--format csv`; `share` is signed, `exact` is false when
/// a value read was rounded by pprof (the report's precision).
pub const CSV_COLUMNS: [(&str, Kind); 8] = [
    ("frame", Kind::Text),
    ("value", Kind::Number),
    ("samples", Kind::Number),
    ("share", Kind::Percent),
    ("kind", Kind::Text),
    ("unit", Kind::Text),
    ("leaves", Kind::Text),
    ("exact", Kind::Bool),
];

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"application\": {\"module\": str|null (guessed), \"patterns\": [str] (--app)},
   \"type\": str|null, \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str,
   \"exact\": bool, \"total\": number, \"rows\": [ROW, ...]}   (largest first)
  ROW: {\"frame\": str, \"value\": number, \"value_text\": str, \"samples\": int,
   \"share_percent\": number|null, \"kind\": \"application\"|\"no-application-frame\",
   \"leaves\": [{\"function\": str, \"value\": number}, ...] (the largest, --leaves),
   \"explanation\": str|null (plain words for rows without an application frame)}
Amounts are exact JSON numbers in the base unit.";

/// Splits text into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_read_one_row() {
        use crate::analysis::blame::BlameLeaf;
        use crate::output::rows::{Amount, Percent};
        let row = BlameRow {
            frame: "main.f".into(),
            value: Amount(-150),
            value_text: "-1.50".into(),
            samples: 2,
            share_percent: Percent::of(-150, 400),
            share: Percent(Some(-37.5)),
            kind: ChargeKind::Application,
            leaves: vec![BlameLeaf { function: "runtime.malg".into(), value: Amount(-150) }],
            explanation: None,
        };
        let json = json_rows(std::slice::from_ref(&row), Some(JSON_FIELDS)).unwrap();
        assert_eq!(
            json[0].to_string(),
            r#"{"frame":"main.f","value":-1.5,"value_text":"-1.50","samples":2,"share_percent":37.5,"kind":"application","leaves":[{"function":"runtime.malg","value":-1.5}],"explanation":null}"#
        );
        let report = BlameReport { rows: vec![row], exact: true, ..BlameReport::default() };
        let args = BlameArgs {
            app: vec![],
            vendor: vec![],
            top: None,
            leaves: 3,
            format: Format::Csv,
            input: InputArgs::default(),
        };
        let mut csv = Vec::new();
        write_csv(&mut csv, &report, &args).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "frame,value,samples,share,kind,unit,leaves,exact\n\
             main.f,-1.5,2,-37.5000,application,count,runtime.malg=-1.5,true\n"
        );
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("aaaaaaa b", 3), ["aaaaaaa", "b"]);
    }
}
