//! `peek`'s view: pprof's legend and, for each matched function, its
//! callers, itself and its callees with the weight of each edge, as
//! `go tool pprof -peek` prints them (pprof's `printTree`); on rounded
//! reports a ± after a value bounds its rounding.

use std::io::Write;

use serde_json::{Map, Value};

use crate::analysis::peek::{PeekEdge, PeekReport};
use crate::error::Result;
use crate::output::legend::{node_columns, write_legend, write_rounded_note};
use crate::output::rows::{json_rows, CsvRows};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::{Layout, Out, Part};
use crate::output::views::{View, TEXT_CSV_JSON};
use crate::output::Format;
use crate::units::percentage;

/// pprof's separator of `peek` and `tree` reports: 58 `-`, `+`, 13 `-`.
pub const TREE_SEPARATOR: &str =
    "----------------------------------------------------------+-------------";

/// pprof's column legend of `peek`, with its trailing tabs and spaces.
pub const TREE_LEGEND: &str =
    "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";

impl View for PeekReport {
    const NAME: &'static str = "peek";
    const FORMATS: &'static [Format] = TEXT_CSV_JSON;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        write_text(out, self)
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        let mut shared = Map::new();
        shared.insert("unit".into(), self.facts.units.unit_name().into());
        let mut csv = CsvRows::new(out, &CSV_COLUMNS, shared, sheet);
        for row in self.rows() {
            csv.row(&row)?;
        }
        csv.finish()
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        write_json(out, self)
    }
}

/// The text view: pprof's legend, then its tree of each matched function.
fn write_text(out: &mut Out<'_>, report: &PeekReport) -> Result<()> {
    let c = &report.facts;
    write_legend(out, c)?;
    let bounds = !c.exact;
    if bounds {
        write_rounded_note(out, c, (Part::Plain, "; a ± after a value bounds its rounding error"))?;
    }
    out.line(Layout::Titles).plain(TREE_SEPARATOR).end()?;
    out.line(Layout::Titles).plain(TREE_LEGEND).end()?;
    let edge_line = |out: &mut Out<'_>, e: &PeekEdge, cum: i128| -> Result<()> {
        let bound =
            if bounds && e.max_error.0 != 0 { c.units.bound(e.max_error.0) } else { String::new() };
        let weight_width = e.weight_text.chars().count() + bound.chars().count();
        let line = out
            .line(Layout::Row)
            .spaces(50usize.saturating_sub(weight_width))
            .number(&e.weight_text)
            .bound(bound)
            .plain(" ")
            .padded(Part::Number, percentage(e.weight.0, cum))
            .plain(" |   ")
            .frame(&e.function);
        if e.inline { line.plain(" (inline)") } else { line }.end()?;
        Ok(())
    };
    let mut flat_sum = 0i128;
    for f in &report.functions {
        out.line(Layout::Titles).plain(TREE_SEPARATOR).end()?;
        for e in &f.callers {
            edge_line(out, e, f.cum.0)?;
        }
        flat_sum += f.flat.0;
        let line = node_columns(
            out.line(Layout::Row),
            (&f.flat_text, f.flat.0),
            flat_sum,
            (&f.cum_text, f.cum.0),
            c.total,
        );
        // pprof leaves 16 spaces before the `|`; a bound goes there.
        let line = if bounds && f.cum_max_error.0 != 0 {
            line.right(15, Part::Bound, c.units.bound(f.cum_max_error.0).trim_start()).plain(" ")
        } else {
            line.spaces(16)
        };
        line.plain("| ").frame(&f.function).end()?;
        for e in &f.callees {
            edge_line(out, e, f.cum.0)?;
        }
    }
    out.line(Layout::Titles).plain(TREE_SEPARATOR).end()?;
    Ok(())
}

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"header\": HEADER (see top), \"regex\": str,
   \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str, \"output_unit\": str (of the
   *_text fields), \"exact\": bool, \"total\": number, \"total_max_error\": number,
   \"functions\": [FUNCTION, ...]}   (pprof's order: by flat, or cum with --cum)
  FUNCTION: {\"function\": str, \"flat\": number, \"flat_text\": str,
   \"flat_percent\": number|null, \"cum\": number, \"cum_text\": str,
   \"cum_percent\": number|null, \"cum_max_error\": number, \"inline\": str|null,
   \"callers\": [EDGE, ...], \"callees\": [EDGE, ...]}
  EDGE: {\"function\": str (the caller or callee), \"weight\": number,
   \"weight_text\": str, \"percent_of_cum\": number|null, \"inline\": bool,
   \"max_error\": number}
Amounts are exact JSON numbers in the base unit.";

fn write_json(out: &mut dyn Write, report: &PeekReport) -> Result<()> {
    use crate::output::json::{amount, header, object, write_document};
    let c = &report.facts;
    let doc = object([
        ("header", header(&c.header)),
        ("regex", report.regex.as_str().into()),
        ("unit", c.units.unit_name().into()),
        ("output_unit", c.output_unit.as_str().into()),
        ("exact", c.exact.into()),
        ("total", amount(c.total)),
        ("total_max_error", amount(c.total_error)),
        ("functions", Value::Array(json_rows(&report.functions, None)?)),
    ]);
    write_document(out, &doc)
}

/// The columns of `--format csv`; `exact` is false when pprof rounded a
/// value in the row (`max_error` bounds it).
pub const CSV_COLUMNS: [(&str, Kind); 9] = [
    ("function", Kind::Text),
    ("relation", Kind::Text),
    ("other", Kind::Text),
    ("weight", Kind::Number),
    ("unit", Kind::Text),
    ("inline", Kind::Text),
    ("cum", Kind::Number),
    ("max_error", Kind::Number),
    ("exact", Kind::Bool),
];
