//! `hist`'s view: a table of how many samples have each value (or label
//! value, or bucket), with each row's sum, share and a bar of its sum, then
//! the totals; its CSV rows and JSON document.

use std::io::Write;

use serde_json::{Map, Value};

use crate::analysis::hist::{Buckets, HistReport, HistRow, HistSort, KeyKind, JSON_FIELDS};
use crate::error::Result;
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, write_csv};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::{Layout, Out, Part, BAR_WIDTH};
use crate::output::views::{View, TEXT_CSV_JSON};
use crate::output::Format;
use crate::units::percentage;

impl View for HistReport {
    const NAME: &'static str = "hist";
    const FORMATS: &'static [Format] = TEXT_CSV_JSON;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        write_text(out, self)
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        let mut shared = Map::new();
        shared.insert("sum_unit".into(), self.value_units.unit_name().into());
        write_csv(out, &CSV_COLUMNS, shared, &self.rows, sheet)
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        write_json(out, self)
    }
}

/// The text view: column titles, a row per value with a bar of its sum,
/// then the totals.
fn write_text(out: &mut Out<'_>, report: &HistReport) -> Result<()> {
    const BAR: usize = BAR_WIDTH;
    let rows = &report.rows;
    let value_units = &report.value_units;
    // The bar shows the row's weight, the sum of its values (its count is
    // the first column): eight samples of 5MB are not one of 658MB.
    let weight = |r: &HistRow| r.sum.0.unsigned_abs();
    let max = rows.iter().map(weight).max().unwrap_or(1).max(1);
    let sums: Vec<String> = rows.iter().map(|r| value_units.format(r.sum.0)).collect();
    let width = rows.iter().map(|r| r.value_text.chars().count()).max().unwrap_or(0).max(5);
    let count_width = rows.iter().map(|r| r.count).max().unwrap_or(1).to_string().len().max(5);
    let sum_width = sums.iter().map(|l| l.chars().count()).max().unwrap_or(0).max(3);
    let shares: Vec<String> =
        rows.iter().map(|r| percentage(r.sum.0, report.total.0).trim().to_owned()).collect();
    let share_width = shares.iter().map(String::len).max().unwrap_or(0).max(6);
    let what = report.options.by.as_deref().unwrap_or("value");
    out.line(Layout::Titles)
        .right(count_width, Part::Plain, "count")
        .plain("  ")
        .right(width, Part::Plain, what)
        .plain("  ")
        .left(6, Part::Plain, "role")
        .plain("  ")
        .right(sum_width, Part::Plain, "sum")
        .plain("  ")
        .right(share_width, Part::Plain, "share")
        .end()?;
    let bar_len = |row: &HistRow| (weight(row) * BAR as u128).div_ceil(max) as usize;
    // Notes line up after the longest bar of the table.
    let bar_width = rows.iter().map(bar_len).max().unwrap_or(0);
    for ((row, sum), share) in rows.iter().zip(&sums).zip(&shares) {
        // A label's text values are words; amounts and buckets are numbers.
        let value_part = if row.kind == KeyKind::Amount { Part::Number } else { Part::Plain };
        let line = out
            .line(Layout::Row)
            .right(count_width, Part::Number, row.count)
            .plain("  ")
            .right(width, value_part, &row.value_text)
            .plain("  ")
            .left(6, Part::Plain, row.role.as_str())
            .plain("  ")
            .right(sum_width, Part::Number, sum)
            .plain("  ")
            .right(share_width, Part::Number, share);
        // Nothing trails the line: the bar's padding only before a note.
        let bar = "#".repeat(bar_len(row));
        match row.note.as_deref().filter(|n| !n.is_empty()) {
            Some(note) => line
                .plain("  ")
                .part(Part::Bar, format!("{bar:<bar_width$}"))
                .plain("  ")
                .plain(note),
            None if !bar.is_empty() => line.plain("  ").part(Part::Bar, bar),
            None => line,
        }
        .end()?;
    }
    out.line(Layout::Prose)
        .number(report.samples)
        .plain(" samples, ")
        .number(value_units.format(report.total.0))
        .plain(" in all")
        .end()?;
    if rows.iter().any(|r| r.freed > 0) {
        out.prose("freed: samples of value 0, whose objects were all freed")?;
    }
    Ok(())
}

/// The weights, freed objects and CSV columns, shown by `--help` before
/// the JSON schema.
pub const HIST_HELP: &str = "\
Each row (and each log2 bucket) also gives its weight: the sum of the
sample values in it and their share of the total of the counted
samples (with `--by`, a sample with several values of the label counts
in each of their rows). On `inuse_space` and `inuse_objects` reports, a
sample of value 0 is an allocation site whose objects were all freed:
the note column says so (`freed`, or how many of the row's samples).

CSV columns: value (exact, base unit; the low end of a log2 bucket;
empty for text), unit, value_text, role, count, sum (base unit),
sum_max_error (bound of pprof's rounding), share (percent of the total),
exact (false when pprof rounded a value in the row), freed (samples of
value 0 on inuse reports), note, sum_unit (the unit of sum: that of the
sample values, which differs from unit with `--by`).";

/// The columns of `--format csv`.
pub const CSV_COLUMNS: [(&str, Kind); 12] = [
    ("value", Kind::Number),
    ("unit", Kind::Text),
    ("value_text", Kind::Text),
    ("role", Kind::Text),
    ("count", Kind::Number),
    ("sum", Kind::Number),
    ("sum_max_error", Kind::Number),
    ("share", Kind::Number),
    ("exact", Kind::Bool),
    ("freed", Kind::Number),
    ("note", Kind::Text),
    ("sum_unit", Kind::Text),
];

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"pattern\": str|null, \"by\": str|null (the label, or null for the sample value),
   \"buckets\": \"exact\"|\"log2\", \"sort\": \"key\"|\"count\"|\"value\",
   \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str (of the rows' values),
   \"sum_unit\": str (of the sample values summed), \"samples\": int,
   \"total\": number (sum of the counted samples' values), \"rows\": [ROW, ...]}
  ROW: {\"kind\": \"amount\"|\"text\"|\"missing\", \"value\": number|null (exact, base
   unit; the low end of a log2 bucket; null for text and missing labels),
   \"value_text\": str (as printed, or the bucket's range), \"role\":
   \"leaf\"|\"caller\"|\"all\", \"count\": int, \"sum\": number (of the sample
   values), \"sum_max_error\": number, \"share_percent\": number|null (of the
   total), \"exact\": bool, \"freed\": int (samples of value 0 on inuse_*
   reports: objects all freed), \"note\": str|null}";

fn write_json(out: &mut dyn Write, report: &HistReport) -> Result<()> {
    let options = &report.options;
    let pattern = options.pattern.as_deref().filter(|p| !p.is_empty());
    let sort = match options.sort {
        HistSort::Key => "key",
        HistSort::Count => "count",
        HistSort::Value => "value",
    };
    let doc = object([
        ("pattern", pattern.map_or(Value::Null, Value::from)),
        ("by", options.by.as_deref().map_or(Value::Null, Value::from)),
        ("buckets", if options.buckets == Buckets::Log2 { "log2" } else { "exact" }.into()),
        ("sort", sort.into()),
        ("unit", report.units.unit_name().into()),
        ("sum_unit", report.value_units.unit_name().into()),
        ("samples", report.samples.into()),
        ("total", amount(report.total.0)),
        ("rows", Value::Array(json_rows(&report.rows, Some(&JSON_FIELDS))?)),
    ]);
    write_document(out, &doc)
}
