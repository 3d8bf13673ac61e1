//! `top`'s view: pprof's legend and its table of flat and cum per
//! function, byte for byte as `go tool pprof -top` prints them on exact
//! reports; on rounded reports two ± columns bound each number.

use std::io::Write;

use serde_json::{Map, Value};

use crate::analysis::top::TopReport;
use crate::error::Result;
use crate::output::legend::{node_columns, write_legend, write_rounded_note};
use crate::output::rows::{json_rows, write_csv};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::{Layout, Out, Part};
use crate::output::views::{View, TEXT_CSV_JSON};
use crate::output::Format;

impl View for TopReport {
    const NAME: &'static str = "top";
    const FORMATS: &'static [Format] = TEXT_CSV_JSON;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        write_text(out, self)
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        let mut shared = Map::new();
        shared.insert("unit".into(), self.facts.units.unit_name().into());
        write_csv(out, &CSV_COLUMNS, shared, &self.rows, sheet)
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        write_json(out, self)
    }
}

/// The text view: pprof's legend, then its aligned table.
fn write_text(out: &mut Out<'_>, report: &TopReport) -> Result<()> {
    let c = &report.facts;
    let fmt = |v: i128| c.format(v);
    write_legend(out, c)?;
    if c.total != 0 && report.dropped_nodes > 0 {
        let plural = if report.dropped_nodes > 1 { "nodes" } else { "node" };
        out.line(Layout::Header)
            .plain("Dropped ")
            .number(report.dropped_nodes)
            .plain(format_args!(" {plural} (cum <= "))
            .number(fmt(report.drop_cutoff))
            .plain(")")
            .end()?;
    }
    if c.total != 0 && !report.rows.is_empty() && report.rows.len() < report.nodes_before_count {
        out.line(Layout::Header)
            .plain("Showing top ")
            .number(report.rows.len())
            .plain(" nodes out of ")
            .number(report.nodes_before_count)
            .end()?;
    }
    let bounds = !c.exact;
    if bounds {
        write_rounded_note(
            out,
            c,
            (Part::BoundNote, "; each flat and cum lies within its ± column"),
        )?;
    }
    let titles = out
        .line(Layout::Titles)
        .right(10, Part::Plain, "flat")
        .right(6, Part::Plain, "flat")
        .plain("%")
        .right(6, Part::Plain, "sum")
        .plain("%")
        .right(11, Part::Plain, "cum")
        .right(6, Part::Plain, "cum")
        .plain("%");
    if bounds {
        titles.plain(" ").right(10, Part::Bound, "±flat").plain(" ").right(10, Part::Bound, "±cum")
    } else {
        titles
    }
    .end()?;
    let mut flat_sum = 0i128;
    for row in &report.rows {
        flat_sum += row.flat.0;
        let line = node_columns(
            out.line(Layout::Row),
            (&row.flat_text, row.flat.0),
            flat_sum,
            (&row.cum_text, row.cum.0),
            c.total,
        );
        let line = if bounds {
            let bound = |v: i128| c.format_bound(v);
            line.plain(" ").right(10, Part::Bound, bound(row.flat_max_error.0)).plain(" ").right(
                10,
                Part::Bound,
                bound(row.cum_max_error.0),
            )
        } else {
            line
        };
        let line = line.plain("  ").frame(&row.function);
        match row.inline {
            Some(tag) => line.plain(format_args!(" ({tag})")),
            None => line,
        }
        .end()?;
    }
    Ok(())
}

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"header\": HEADER, \"filters\": [str, ...] (pprof's Active filters),
   \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str, \"output_unit\": str (the suffix of
   the *_text fields; \"\" when each is scaled on its own), \"exact\": bool,
   \"total\": number, \"total_max_error\": number, \"shown_flat\": number,
   \"dropped_nodes\": int, \"nodes_before_count\": int, \"nodes\": [NODE, ...]}
  NODE (in the text's order): {\"function\": str, \"flat\": number, \"flat_text\": str,
   \"flat_percent\": number|null, \"sum_percent\": number|null, \"cum\": number,
   \"cum_text\": str, \"cum_percent\": number|null, \"flat_max_error\": number,
   \"cum_max_error\": number, \"inline\": str|null (\"inline\" or \"partial-inline\")}
  HEADER: {\"file\", \"build_id\", \"type\", \"time\", \"duration\", \"doc\": str|null,
   \"comments\": [str], \"lines\": [str] (verbatim)}
Amounts are exact JSON numbers in the base unit; percentages are of
pprof's total, with four decimals at most.";

/// The fields of a JSON node: a row's, but `exact` (CSV only).
const JSON_FIELDS: [&str; 11] = [
    "function",
    "flat",
    "flat_text",
    "flat_percent",
    "sum_percent",
    "cum",
    "cum_text",
    "cum_percent",
    "flat_max_error",
    "cum_max_error",
    "inline",
];

fn write_json(out: &mut dyn Write, report: &TopReport) -> Result<()> {
    use crate::output::json::{amount, header, object, write_document};
    let c = &report.facts;
    let filters: Vec<Value> = c.filters.iter().map(|f| Value::from(f.as_str())).collect();
    let doc = object([
        ("header", header(&c.header)),
        ("filters", Value::Array(filters)),
        ("unit", c.units.unit_name().into()),
        ("output_unit", c.output_unit.as_str().into()),
        ("exact", c.exact.into()),
        ("total", amount(c.total)),
        ("total_max_error", amount(c.total_error)),
        ("shown_flat", amount(c.shown_flat)),
        ("dropped_nodes", report.dropped_nodes.into()),
        ("nodes_before_count", report.nodes_before_count.into()),
        ("nodes", Value::Array(json_rows(&report.rows, Some(&JSON_FIELDS))?)),
    ]);
    write_document(out, &doc)
}

/// The columns of `--format csv`; `exact` is false when pprof rounded a
/// value in flat or cum (the `*_max_error` columns bound them).
pub const CSV_COLUMNS: [(&str, Kind); 10] = [
    ("function", Kind::Text),
    ("flat", Kind::Number),
    ("cum", Kind::Number),
    ("unit", Kind::Text),
    ("flat_percent", Kind::Percent),
    ("cum_percent", Kind::Percent),
    ("flat_max_error", Kind::Number),
    ("cum_max_error", Kind::Number),
    ("inline", Kind::Text),
    ("exact", Kind::Bool),
];
