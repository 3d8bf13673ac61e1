//! `traces-tool fleet FILE...`: the same profile from many inputs side by
//! side (a fleet's pods): per function, in how many inputs it occurs, its
//! minimum, median, maximum and sum, and which inputs are outliers; and
//! each input's total, to find the odd one out.

use std::io::Write;

use clap::Args;

use crate::analysis::fleet::{fleet, FleetOptions, FleetReport};
use crate::analysis::trend::SeriesKey;
use crate::cmd::{formats, row_limit, Format, InputArgs, Outcome, TEXT_CSV_JSON};
use crate::error::{Error, Result};
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, write_csv};
use crate::output::sheet::Kind;
use crate::output::text::Out;
use crate::units::Amount;

/// The same profile from many inputs, side by side: the odd one out.
///
/// Give one profile per pod (or run) of one service, of one sample type.
/// Each row is a function (`--by stack`: a stack; `--by LABEL`: a label
/// value) with the number of inputs it occurs in, its minimum, median and
/// maximum over every input (0 where absent) and its sum, and the inputs
/// whose value is more than `--factor` times the median: the outliers.
/// Rows with outliers come first, the farthest above the median first.
/// Above the rows, each input's total, and the inputs whose total is an
/// outlier. The inputs are read once, in parallel; memory grows with the
/// functions, not the samples, so a thousand inputs fit in one run.
///
/// To see one input's samples by name in other commands, give them a label
/// from their path: `--input-label 'pod=heap-(.*)\.pb\.gz'`, then `hist
/// --by pod`, `top --tagfocus pod=api-4`.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct FleetArgs {
    /// What a row is kept for: `function` (the leaf's value; with `--cum`
    /// every function on the stack), `stack` (folded, root first), or a
    /// label key.
    #[arg(long, value_name = "function|stack|LABEL", default_value = "function")]
    pub by: String,
    /// With `--by function`: every function on the stack counts (cum).
    #[arg(long)]
    pub cum: bool,
    /// An input is an outlier when its value is more than X times the
    /// median over the inputs.
    #[arg(long, value_name = "X", default_value_t = 3.0)]
    pub factor: f64,
    /// Rows to show: default 20 for text, every row for csv and json; 0
    /// for all.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Output format.
    #[arg(long, value_parser = formats(TEXT_CSV_JSON), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// The CSV columns, shown by `--help` before the JSON schema.
pub const FLEET_HELP: &str = "\
CSV: one row per key: key, inputs (how many it occurs in), of (how many
inputs there are), min, median (the lower middle value of an even count),
max, sum (exact, base unit, absent inputs counted as 0), unit,
outlier_count, outliers (their names, largest first, joined by `; `).";

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): {\"type\": str|null, \"unit\": str, \"factor\": number,
 \"median_total\": number, \"inputs\": [{\"name\", \"total\", \"ratio\":
 number|null, \"outlier\": bool}], \"rows\": [{\"key\", \"inputs\", \"min\",
 \"median\", \"max\", \"sum\", \"outlier_count\", \"outliers\": [str]}]}";

/// The CSV columns, then the JSON schema.
fn after_long_help() -> String {
    format!("{FLEET_HELP}\n\n{JSON_SCHEMA}")
}

/// Runs the command.
pub fn run(args: &FleetArgs, out: &mut Out<'_>) -> Result<Outcome> {
    if !(args.factor > 0.0 && args.factor.is_finite()) {
        return Err(Error::Usage(format!("--factor {}: expected a number above 0", args.factor)));
    }
    if args.format == Format::Ndjson {
        return Err(crate::output::json::ndjson_unsupported("fleet"));
    }
    let by = match args.by.as_str() {
        "function" => SeriesKey::Function,
        "stack" => SeriesKey::Stack,
        "" => return Err(Error::Usage("--by: expected function, stack or a label key".into())),
        label => SeriesKey::Label(label.to_owned()),
    };
    if args.cum && by != SeriesKey::Function {
        return Err(Error::Usage("--cum goes with --by function only".into()));
    }
    let options = FleetOptions { by, cum: args.cum, factor: args.factor };
    let mut report = fleet(&args.input.inputs(), &options)?;
    let matched = !report.rows.is_empty();
    let limit = row_limit(args.top, args.format, 20);
    if limit > 0 {
        report.rows.truncate(limit);
    }
    match args.format {
        Format::Text => write_text(out, &report, &args.by, args.cum)?,
        Format::Csv => {
            let mut shared = serde_json::Map::new();
            shared.insert("unit".into(), report.units.unit_name().into());
            shared.insert("of".into(), report.inputs.len().into());
            let rows: Vec<CsvRow> = report
                .rows
                .iter()
                .map(|r| CsvRow {
                    key: &r.key,
                    inputs: r.inputs,
                    min: r.min,
                    median: r.median,
                    max: r.max,
                    sum: r.sum,
                    outlier_count: r.outlier_count,
                    outliers: r.outliers.join("; "),
                })
                .collect();
            write_csv(out, &CSV_COLUMNS, shared, &rows, args.input.sheet_options())?;
        }
        Format::Json | Format::Ndjson => write_json(out, &report)?,
    }
    Ok(Outcome { matched, notes: report.notes })
}

/// The text view: the inputs' totals, then one line per row.
pub fn write_text(out: &mut dyn Write, report: &FleetReport, by: &str, cum: bool) -> Result<()> {
    let ty = report.sample_type.as_deref().unwrap_or("values");
    let n = report.inputs.len();
    let u = &report.units;
    writeln!(
        out,
        "{ty} in {n} inputs; median total {}; outliers: more than {}x the median",
        u.format(report.median_total.0),
        report.factor
    )?;
    let odd: Vec<_> = report.inputs.iter().filter(|i| i.outlier).collect();
    let shown: Vec<_> = if n <= 12 { report.inputs.iter().collect() } else { odd.clone() };
    if n > 12 {
        writeln!(out, "{} inputs with an outlier total (of {n}):", odd.len())?;
    }
    let name_w = shown.iter().map(|i| i.name.chars().count()).max().unwrap_or(0);
    for i in &shown {
        let ratio = i.ratio.map_or("-".to_owned(), |r| format!("{r:.2}x"));
        let line = format!(
            "  {:<name_w$}  {:>10}  {:>7}  {}",
            i.name,
            u.format(i.total.0),
            ratio,
            if i.outlier { "outlier" } else { "" }
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)?;
    let what = match by {
        "function" if cum => "function (cum)",
        "function" => "function (flat)",
        other => other,
    };
    let cells: Vec<[String; 6]> = report
        .rows
        .iter()
        .map(|r| {
            let outliers = match r.outliers.as_slice() {
                [] => "-".to_owned(),
                [one] => one.clone(),
                [first, rest @ ..] => format!("{first} +{} more", rest.len()),
            };
            [
                format!("{}/{n}", r.inputs),
                u.format(r.min.0),
                u.format(r.median.0),
                u.format(r.max.0),
                u.format(r.sum.0),
                outliers,
            ]
        })
        .collect();
    let heads = ["inputs", "min", "median", "max", "sum", "outliers"];
    let w: Vec<usize> = (0..6)
        .map(|c| cells.iter().map(|r| r[c].chars().count()).max().unwrap_or(0).max(heads[c].len()))
        .collect();
    let line = |c: [&str; 6], key: &str| {
        format!(
            "{:>w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {:>w4$}  {:<w5$}  {key}",
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4],
            w5 = w[5],
        )
    };
    writeln!(out, "{}", line(heads, what))?;
    for (row, c) in report.rows.iter().zip(&cells) {
        let c = [&*c[0], &*c[1], &*c[2], &*c[3], &*c[4], &*c[5]];
        writeln!(out, "{}", line(c, &row.key))?;
    }
    Ok(())
}

/// The columns of `--format csv`.
pub const CSV_COLUMNS: [(&str, Kind); 10] = [
    ("key", Kind::Text),
    ("inputs", Kind::Number),
    ("of", Kind::Number),
    ("min", Kind::Number),
    ("median", Kind::Number),
    ("max", Kind::Number),
    ("sum", Kind::Number),
    ("unit", Kind::Text),
    ("outlier_count", Kind::Number),
    ("outliers", Kind::Text),
];

/// A row as CSV shows it: the outliers' names joined by `; `.
#[derive(serde::Serialize)]
struct CsvRow<'a> {
    key: &'a str,
    inputs: usize,
    min: Amount,
    median: Amount,
    max: Amount,
    sum: Amount,
    outlier_count: usize,
    outliers: String,
}

fn write_json(out: &mut dyn Write, report: &FleetReport) -> Result<()> {
    use serde_json::Value;
    let doc = object([
        ("type", report.sample_type.as_deref().map_or(Value::Null, Value::from)),
        ("unit", report.units.unit_name().into()),
        ("factor", report.factor.into()),
        ("median_total", amount(report.median_total.0)),
        ("inputs", Value::Array(json_rows(&report.inputs, None)?)),
        ("rows", Value::Array(json_rows(&report.rows, None)?)),
    ]);
    write_document(out, &doc)
}
