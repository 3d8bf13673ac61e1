//! `fleet`'s view: the inputs' totals with their outliers, then a row per
//! key with its spread over the inputs (min, median, max, sum) and the
//! inputs where it is an outlier.

use std::io::Write;

use crate::analysis::fleet::FleetReport;
use crate::error::Result;
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, write_csv};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::{Layout, LineWriter, Out, Part};
use crate::output::views::{View, TEXT_CSV_JSON};
use crate::output::Format;
use crate::units::Amount;

/// `fleet`'s result with the options its text names.
pub struct FleetView<'a> {
    /// The rows.
    pub report: &'a FleetReport,
    /// What a row is: `function`, `stack` or a label key.
    pub by: &'a str,
    /// Whether functions counted cum.
    pub cum: bool,
}

impl View for FleetView<'_> {
    const NAME: &'static str = "fleet";
    const FORMATS: &'static [Format] = TEXT_CSV_JSON;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        write_text(out, self.report, self.by, self.cum)
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        let report = self.report;
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
        write_csv(out, &CSV_COLUMNS, shared, &rows, sheet)
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        write_json(out, self.report)
    }
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

/// The text view: the inputs' totals, then one line per row.
pub fn write_text(out: &mut Out<'_>, report: &FleetReport, by: &str, cum: bool) -> Result<()> {
    let ty = report.sample_type.as_deref().unwrap_or("values");
    let n = report.inputs.len();
    let u = &report.units;
    out.line(Layout::Prose)
        .plain(format_args!("{ty} in {n} inputs; median total "))
        .number(u.format(report.median_total.0))
        .plain(format_args!("; outliers: more than {}x the median", report.factor))
        .end()?;
    let odd: Vec<_> = report.inputs.iter().filter(|i| i.outlier).collect();
    let shown: Vec<_> = if n <= 12 { report.inputs.iter().collect() } else { odd.clone() };
    if n > 12 {
        out.prose(format_args!("{} inputs with an outlier total (of {n}):", odd.len()))?;
    }
    let name_w = shown.iter().map(|i| i.name.chars().count()).max().unwrap_or(0);
    for i in &shown {
        let ratio = i.ratio.map_or("-".to_owned(), |r| format!("{r:.2}x"));
        let line = out
            .line(Layout::Row)
            .plain("  ")
            .left(name_w, Part::Plain, &i.name)
            .plain("  ")
            .right(10, Part::Number, u.format(i.total.0))
            .plain("  ")
            .right(7, Part::Number, ratio);
        if i.outlier { line.plain("  ").part(Part::Grew, "outlier") } else { line }.end()?;
    }
    out.blank()?;
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
    columns(out.line(Layout::Titles), heads, &w, Part::Plain).plain(what).end()?;
    let stacks = by == "stack";
    for (row, c) in report.rows.iter().zip(&cells) {
        let c = [&*c[0], &*c[1], &*c[2], &*c[3], &*c[4], &*c[5]];
        let layout = if stacks { Layout::Folded } else { Layout::Row };
        let line = columns(out.line(layout), c, &w, Part::Number);
        line.key(by, &row.key).end()?;
    }
    Ok(())
}

/// A row's cells, right-aligned but the last, before its key.
fn columns<'o>(line: LineWriter<'o>, c: [&str; 6], w: &[usize], part: Part) -> LineWriter<'o> {
    let mut line = line;
    for (i, cell) in c[..5].iter().enumerate() {
        line = line.right(w[i], part, cell).plain("  ");
    }
    line.left(w[5], Part::Plain, c[5]).plain("  ")
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
