//! `traces-tool peek REGEX`: for every function whose name matches, its
//! callers and callees with the weight of each edge, laid out as
//! `go tool pprof -peek REGEX` prints them (pprof's `printTree`). peek does
//! not trim the graph: every node and every edge is kept. On exact reports
//! (printed with `-unit=b`/`-unit=ns`, and count profiles) the output is
//! pprof's, byte for byte; on rounded reports each value carries its
//! rounding bound.

use std::io::Write;

use clap::Args;
use serde_json::{Map, Value};

use crate::analysis::graph::Granularity;
use crate::analysis::peek::{peek, PeekEdge, PeekOptions, PeekReport};
use crate::cmd::{formats, Format, InputArgs, Outcome, TEXT_CSV_JSON};
use crate::error::Result;
use crate::output::legend::write_legend;
use crate::output::rows::{json_rows, CsvRows};
use crate::output::sheet::Kind;
use crate::units::percentage;

/// pprof's separator of `peek` and `tree` reports: 58 `-`, `+`, 13 `-`.
pub const TREE_SEPARATOR: &str =
    "----------------------------------------------------------+-------------";

/// pprof's column legend of `peek`, with its trailing tabs and spaces.
pub const TREE_LEGEND: &str =
    "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";

/// Callers and callees of the functions matching REGEX, as pprof's `peek`.
///
/// For each matching function (in pprof's order: by flat, or by cum with
/// `--cum`): its callers with the weight of each call edge, its own flat
/// and cum, then its callees. An edge's percentage is of the function's
/// cum. Recursive calls of a function to itself are not edges. Percentages
/// of flat and cum are of pprof's total: all samples before filtering
/// (under `-diff_base`, the base samples).
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct PeekArgs {
    /// Regular expression matched against function names (unanchored, as
    /// pprof's -peek).
    #[arg(value_name = "REGEX")]
    pub regex: String,
    /// Order the functions by cum instead of flat (pprof's -cum).
    #[arg(long)]
    pub cum: bool,
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
    /// Output format. CSV has one row per caller edge, per function
    /// (`self`, weight = flat) and per callee edge, in base units, with
    /// the function's cum and the rounding bound of the row (on `self`
    /// rows, of cum, which bounds flat too).
    #[arg(long, value_parser = formats(TEXT_CSV_JSON), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

impl PeekArgs {
    /// The analysis' options.
    pub fn options(&self) -> PeekOptions {
        PeekOptions {
            regex: self.regex.clone(),
            cum: self.cum,
            granularity: self.granularity,
            unit: self.unit.clone(),
        }
    }
}

/// Runs the command.
pub fn run(args: &PeekArgs, out: &mut dyn Write) -> Result<Outcome> {
    let report = peek(&args.input.inputs(), &args.options())?;
    if report.functions.is_empty() {
        // pprof prints nothing but the error.
        return Ok(Outcome { matched: false, notes: report.notes });
    }
    match args.format {
        Format::Text => write_text(out, &report)?,
        Format::Csv => {
            let mut shared = Map::new();
            shared.insert("unit".into(), report.facts.units.unit_name().into());
            let mut csv = CsvRows::new(out, &CSV_COLUMNS, shared, args.input.sheet_options());
            for row in report.rows() {
                csv.row(&row)?;
            }
            csv.finish()?;
        }
        Format::Json => write_json(out, args, &report)?,
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("peek")),
    }
    Ok(Outcome { matched: true, notes: report.notes })
}

/// The text view: pprof's legend, then its tree of each matched function.
fn write_text(out: &mut dyn Write, report: &PeekReport) -> Result<()> {
    let c = &report.facts;
    let fmt = |v: i128| c.format(v);
    write_legend(out, c)?;
    let bounds = !c.exact;
    if bounds {
        writeln!(
            out,
            "Rounded input: total {}{}; a ± after a value bounds its rounding error",
            fmt(c.total),
            c.units.bound(c.total_error)
        )?;
        writeln!(out, "(print the report with pprof's -unit=b or -unit=ns for exact numbers)")?;
    }
    writeln!(out, "{TREE_SEPARATOR}")?;
    writeln!(out, "{TREE_LEGEND}")?;
    let edge_line = |out: &mut dyn Write, e: &PeekEdge, cum: i128| -> Result<()> {
        let inline = if e.inline { " (inline)" } else { "" };
        let weight = if bounds && e.max_error.0 != 0 {
            format!("{}{}", e.weight_text, c.units.bound(e.max_error.0))
        } else {
            e.weight_text.clone()
        };
        writeln!(out, "{weight:>50} {} |   {}{inline}", percentage(e.weight.0, cum), e.function)?;
        Ok(())
    };
    let mut flat_sum = 0i128;
    for f in &report.functions {
        writeln!(out, "{TREE_SEPARATOR}")?;
        for e in &f.callers {
            edge_line(out, e, f.cum.0)?;
        }
        flat_sum += f.flat.0;
        // pprof leaves 16 spaces before the `|`; a bound goes there.
        let gap = if bounds && f.cum_max_error.0 != 0 {
            format!("{:>15} ", c.units.bound(f.cum_max_error.0).trim_start())
        } else {
            " ".repeat(16)
        };
        writeln!(
            out,
            "{:>10} {} {} {:>10} {}{gap}| {}",
            f.flat_text,
            percentage(f.flat.0, c.total),
            percentage(flat_sum, c.total),
            f.cum_text,
            percentage(f.cum.0, c.total),
            f.function
        )?;
        for e in &f.callees {
            edge_line(out, e, f.cum.0)?;
        }
    }
    writeln!(out, "{TREE_SEPARATOR}")?;
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

fn write_json(out: &mut dyn Write, args: &PeekArgs, report: &PeekReport) -> Result<()> {
    use crate::output::json::{amount, header, object, write_document};
    let c = &report.facts;
    let doc = object([
        ("header", header(&c.header)),
        ("regex", args.regex.as_str().into()),
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
