//! `traces-tool top`: per-function flat and cum from the text alone, laid
//! out as `go tool pprof -top` prints them. On exact reports (printed with
//! `-unit=b`/`-unit=ns`, and count profiles) the output is pprof's, byte
//! for byte; on rounded reports each number carries its rounding bound.

use std::io::Write;

use clap::Args;
use serde_json::{Map, Value};

use crate::analysis::graph::Granularity;
use crate::analysis::top::{top, TopOptions, TopReport};
use crate::cmd::{formats, Format, InputArgs, Outcome, TEXT_CSV_JSON};
use crate::error::Result;
use crate::output::legend::write_legend;
use crate::output::rows::{json_rows, write_csv};
use crate::output::sheet::Kind;
use crate::units::percentage;

/// Per-function flat and cum, as pprof's `top` computes them.
///
/// flat: value of the samples where the function is the leaf; cum: of the
/// samples it appears in, once per sample even under recursion; inlined
/// functions are nodes of their own. Percentages are of pprof's total: all
/// samples before filtering (under `-diff_base`, the base samples).
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct TopArgs {
    /// Sort by cum instead of flat.
    #[arg(long)]
    pub cum: bool,
    /// Show at most N nodes (0: all).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub nodecount: usize,
    /// Drop nodes whose cum is below this fraction of the total (pprof's
    /// default).
    #[arg(long, value_name = "F", default_value_t = 0.005)]
    pub nodefraction: f64,
    /// Drop edges below this fraction (it decides the `(inline)` tags).
    #[arg(long, value_name = "F", default_value_t = 0.001)]
    pub edgefraction: f64,
    /// Aggregate frames by function, file or line (files and lines need a
    /// report printed with `-lines`).
    #[arg(long, value_enum, default_value_t)]
    pub granularity: Granularity,
    /// Output unit: `minimum` (pprof's default: one unit chosen for the
    /// report), `auto` (each value scaled), or a unit such as `b`, `mb`,
    /// `ns`, `ms`. Default: the unit the report was printed with if it was
    /// fixed (`-unit=b`), else `minimum`.
    #[arg(long, value_name = "UNIT")]
    pub unit: Option<String>,
    /// Output format.
    #[arg(long, value_parser = formats(TEXT_CSV_JSON), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

impl TopArgs {
    /// The analysis' options.
    pub fn options(&self) -> TopOptions {
        TopOptions {
            cum: self.cum,
            node_count: self.nodecount,
            node_fraction: self.nodefraction,
            edge_fraction: self.edgefraction,
            granularity: self.granularity,
            unit: self.unit.clone(),
        }
    }
}

/// Runs the command.
pub fn run(args: &TopArgs, out: &mut dyn Write) -> Result<Outcome> {
    let report = top(&args.input.inputs(), &args.options())?;
    match args.format {
        Format::Text => write_text(out, &report)?,
        Format::Csv => {
            let mut shared = Map::new();
            shared.insert("unit".into(), report.facts.units.unit_name().into());
            write_csv(out, &CSV_COLUMNS, shared, &report.rows, args.input.sheet_options())?
        }
        Format::Json => write_json(out, &report)?,
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("top")),
    }
    Ok(Outcome { matched: !report.rows.is_empty(), notes: report.notes })
}

/// The text view: pprof's legend, then its aligned table.
fn write_text(out: &mut dyn Write, report: &TopReport) -> Result<()> {
    let c = &report.facts;
    let fmt = |v: i128| c.format(v);
    write_legend(out, c)?;
    if c.total != 0 && report.dropped_nodes > 0 {
        let plural = if report.dropped_nodes > 1 { "nodes" } else { "node" };
        writeln!(
            out,
            "Dropped {} {plural} (cum <= {})",
            report.dropped_nodes,
            fmt(report.drop_cutoff)
        )?;
    }
    if c.total != 0 && !report.rows.is_empty() && report.rows.len() < report.nodes_before_count {
        writeln!(
            out,
            "Showing top {} nodes out of {}",
            report.rows.len(),
            report.nodes_before_count
        )?;
    }
    let bounds = !c.exact;
    if bounds {
        writeln!(
            out,
            "Rounded input: total {}{}; each flat and cum lies within its ± column",
            fmt(c.total),
            c.units.bound(c.total_error)
        )?;
        writeln!(out, "(print the report with pprof's -unit=b or -unit=ns for exact numbers)")?;
        writeln!(
            out,
            "{:>10} {:>5}% {:>5}% {:>10} {:>5}% {:>10} {:>10}",
            "flat", "flat", "sum", "cum", "cum", "±flat", "±cum"
        )?;
    } else {
        writeln!(out, "{:>10} {:>5}% {:>5}% {:>10} {:>5}%", "flat", "flat", "sum", "cum", "cum")?;
    }
    let mut flat_sum = 0i128;
    for row in &report.rows {
        flat_sum += row.flat.0;
        let inline = row.inline.map(|tag| format!(" ({tag})")).unwrap_or_default();
        let errors = if bounds {
            let bound = |v: i128| c.format_bound(v);
            format!(" {:>10} {:>10}", bound(row.flat_max_error.0), bound(row.cum_max_error.0))
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:>10} {} {} {:>10} {}{errors}  {}{inline}",
            row.flat_text,
            percentage(row.flat.0, c.total),
            percentage(flat_sum, c.total),
            row.cum_text,
            percentage(row.cum.0, c.total),
            row.function,
        )?;
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
