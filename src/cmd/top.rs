//! `traces-tool top`: per-function flat and cum from the text alone, laid
//! out as `go tool pprof -top` prints them. On exact reports (printed with
//! `-unit=b`/`-unit=ns`, and count profiles) the output is pprof's, byte
//! for byte; on rounded reports each number carries its rounding bound.

use std::io::Write;

use clap::Args;

use crate::analysis::graph::{cutoff, inline_label, Granularity, Graph, TrimOptions};
use crate::analysis::report::{collect, select_unit, Collected};
use crate::cmd::{formats, Format, InputArgs, Outcome, TEXT_CSV_JSON};
use crate::error::Result;
use crate::output::legend::write_legend;
use crate::output::sheet::{bool_cell, Kind, Sheet, SheetOptions};
use crate::units::{centi_to_decimal, format_in, percentage};

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

/// The output unit: a fixed suffix, or "" for per-value auto-scaling.
fn output_unit(args: &TopArgs, c: &Collected, graph: &Graph) -> Result<String> {
    select_unit(args.unit.as_deref(), c, graph)
}

/// Runs the command.
pub fn run(args: &TopArgs, out: &mut dyn Write) -> Result<Outcome> {
    let c = collect(&args.input.inputs(), args.granularity)?;
    let options = TrimOptions {
        node_fraction: args.nodefraction,
        edge_fraction: args.edgefraction,
        node_count: args.nodecount,
        cum_sort: args.cum,
    };
    let (graph, info) = Graph::trimmed(&c.stacks, &c.table, options);
    let unit = output_unit(args, &c, &graph)?;
    let dim = c.units.dimension();
    let fmt = |v: i128| format_in(v, dim, &unit, &c.units.other);
    match args.format {
        Format::Text => {
            write_legend(out, &c, &graph, &args.input.filters.active(), &fmt)?;
            if c.total != 0 && info.dropped_nodes > 0 {
                let plural = if info.dropped_nodes > 1 { "nodes" } else { "node" };
                writeln!(
                    out,
                    "Dropped {} {plural} (cum <= {})",
                    info.dropped_nodes,
                    fmt(cutoff(c.total, args.nodefraction))
                )?;
            }
            if c.total != 0
                && !graph.nodes.is_empty()
                && graph.nodes.len() < info.nodes_before_count
            {
                writeln!(
                    out,
                    "Showing top {} nodes out of {}",
                    graph.nodes.len(),
                    info.nodes_before_count
                )?;
            }
            if !c.exact {
                writeln!(
                    out,
                    "Rounded input: total {}{}; each flat and cum lies within its ± column",
                    fmt(c.total),
                    c.units.bound(c.total_error)
                )?;
                writeln!(
                    out,
                    "(print the report with pprof's -unit=b or -unit=ns for exact numbers)"
                )?;
            }
            write_rows(out, &graph, &c, &fmt)?;
        }
        Format::Csv => write_csv(out, &graph, &c, args.input.sheet_options())?,
        Format::Json => write_json(out, args, &graph, &info, &c, &unit)?,
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("top")),
    }
    let matched = !graph.nodes.is_empty();
    let mut notes = c.notes;
    if !matched {
        notes.push("no samples left to show".to_owned());
    }
    Ok(Outcome { matched, notes })
}

fn write_rows(
    out: &mut dyn Write,
    graph: &Graph,
    c: &Collected,
    fmt: &dyn Fn(i128) -> String,
) -> Result<()> {
    let bounds = !c.exact;
    if bounds {
        writeln!(
            out,
            "{:>10} {:>5}% {:>5}% {:>10} {:>5}% {:>10} {:>10}",
            "flat", "flat", "sum", "cum", "cum", "±flat", "±cum"
        )?;
    } else {
        writeln!(out, "{:>10} {:>5}% {:>5}% {:>10} {:>5}%", "flat", "flat", "sum", "cum", "cum")?;
    }
    let mut flat_sum = 0i128;
    for n in &graph.nodes {
        flat_sum += n.flat;
        let inline = inline_label(n);
        let inline = if inline.is_empty() { String::new() } else { format!(" {inline}") };
        let errors = if bounds {
            format!(" {:>10} {:>10}", fmt(n.flat_error), fmt(n.cum_error))
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:>10} {} {} {:>10} {}{errors}  {}{inline}",
            fmt(n.flat),
            percentage(n.flat, c.total),
            percentage(flat_sum, c.total),
            fmt(n.cum),
            percentage(n.cum, c.total),
            c.table.name(n.id),
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

fn write_json(
    out: &mut dyn Write,
    args: &TopArgs,
    graph: &Graph,
    info: &crate::analysis::graph::TrimInfo,
    c: &Collected,
    unit: &str,
) -> Result<()> {
    use crate::output::json::{amount, header, object, percent, write_document};
    use serde_json::Value;
    let dim = c.units.dimension();
    let fmt = |v: i128| format_in(v, dim, unit, &c.units.other);
    let mut flat_sum = 0i128;
    let nodes: Vec<Value> = graph
        .nodes
        .iter()
        .map(|n| {
            flat_sum += n.flat;
            let inline = inline_label(n).trim_matches(['(', ')']);
            object([
                ("function", c.table.name(n.id).into()),
                ("flat", amount(n.flat)),
                ("flat_text", fmt(n.flat).into()),
                ("flat_percent", percent(n.flat, c.total)),
                ("sum_percent", percent(flat_sum, c.total)),
                ("cum", amount(n.cum)),
                ("cum_text", fmt(n.cum).into()),
                ("cum_percent", percent(n.cum, c.total)),
                ("flat_max_error", amount(n.flat_error)),
                ("cum_max_error", amount(n.cum_error)),
                ("inline", if inline.is_empty() { Value::Null } else { inline.into() }),
            ])
        })
        .collect();
    let filters: Vec<Value> = args.input.filters.active().into_iter().map(Value::from).collect();
    let doc = object([
        ("header", header(&c.header)),
        ("filters", Value::Array(filters)),
        ("unit", c.units.unit_name().into()),
        ("output_unit", unit.into()),
        ("exact", c.exact.into()),
        ("total", amount(c.total)),
        ("total_max_error", amount(c.total_error)),
        ("shown_flat", amount(flat_sum)),
        ("dropped_nodes", info.dropped_nodes.into()),
        ("nodes_before_count", info.nodes_before_count.into()),
        ("nodes", Value::Array(nodes)),
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
    ("flat_percent", Kind::Number),
    ("cum_percent", Kind::Number),
    ("flat_max_error", Kind::Number),
    ("cum_max_error", Kind::Number),
    ("inline", Kind::Text),
    ("exact", Kind::Bool),
];

fn write_csv(
    out: &mut dyn Write,
    graph: &Graph,
    c: &Collected,
    options: SheetOptions,
) -> Result<()> {
    let mut w = Sheet::new(out, CSV_COLUMNS, options);
    let pct = |v: i128| {
        if c.total == 0 {
            String::new()
        } else {
            format!("{:.4}", (v as f64 / c.total as f64 * 100.0).abs())
        }
    };
    for n in &graph.nodes {
        w.row([
            c.table.name(n.id),
            &centi_to_decimal(n.flat),
            &centi_to_decimal(n.cum),
            c.units.unit_name(),
            &pct(n.flat),
            &pct(n.cum),
            &centi_to_decimal(n.flat_error),
            &centi_to_decimal(n.cum_error),
            inline_label(n).trim_matches(['(', ')']),
            bool_cell(n.flat_error == 0 && n.cum_error == 0),
        ])?;
    }
    w.flush()?;
    Ok(())
}
