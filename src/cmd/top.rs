//! `traces-tool top`: per-function flat and cum from the text alone, laid
//! out as `go tool pprof -top` prints them. On exact reports (printed with
//! `-unit=b`/`-unit=ns`, and count profiles) the output is pprof's, byte
//! for byte; on rounded reports each number carries its rounding bound.

use std::io::Write;

use clap::Args;

use crate::analysis::facts::ReportFacts;
use crate::analysis::graph::{
    cutoff, inline_label, Granularity, Graph, NodeTable, StackSet, TrimOptions,
};
use crate::cmd::{formats, scan_with, Format, InputArgs, Outcome, UnitContext, TEXT_CSV_JSON};
use crate::error::{Error, Result};
use crate::output::sheet::{bool_cell, Kind, Sheet, SheetOptions};
use crate::record::{Header, HeaderField, Names};
use crate::units::{auto_suffix, centi_to_decimal, format_in, percentage, Dimension};

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

/// Everything a top-like report needs, gathered in one pass.
pub struct Collected {
    /// Distinct stacks of the kept samples.
    pub stacks: StackSet,
    /// Node names.
    pub table: NodeTable,
    /// The first input's header.
    pub header: Header,
    /// pprof's total: Σ|v| of all samples (of base samples under diff).
    pub total: i128,
    /// Rounding bound of the total.
    pub total_error: i128,
    /// Units of the values.
    pub units: UnitContext,
    /// The fixed unit the report was printed with, if any.
    pub printed_unit: Option<String>,
    /// True when every value read was exact.
    pub exact: bool,
    /// Stderr notes.
    pub notes: Vec<String>,
}

/// Reads the inputs into distinct stacks and pprof's total, in one pass.
pub fn collect(input: &InputArgs, granularity: Granularity) -> Result<Collected> {
    let mut names = Names::new();
    let mut facts = ReportFacts::default();
    let mut stacks = StackSet::new();
    let mut table = NodeTable::new(granularity);
    let mut input = input.clone();
    input.frame_lines = matches!(granularity, Granularity::Lines | Granularity::Files);
    let notes = scan_with(
        &input.inputs(),
        &mut names,
        |src, rec| facts.observe(src, rec),
        |_, rec, names| {
            stacks.add(rec, &mut table, names);
            Ok(())
        },
    )?;
    let (total, total_error) = facts.total();
    Ok(Collected {
        stacks,
        table,
        header: facts.header(),
        total,
        total_error,
        printed_unit: facts.printed_unit(),
        exact: facts.exact,
        units: facts.units,
        notes,
    })
}

impl InputArgs {
    /// pprof's `Active filters:` entries, `name=value` in pprof's order.
    pub fn active_filters(&self) -> Vec<String> {
        let f = &self.filters;
        [
            ("focus", &f.focus),
            ("ignore", &f.ignore),
            ("hide", &f.hide),
            ("show", &f.show),
            ("show_from", &f.show_from),
            ("tagfocus", &f.tagfocus),
            ("tagignore", &f.tagignore),
            ("min", &f.min),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect()
    }
}

/// The output unit: a fixed suffix, or "" for per-value auto-scaling.
fn output_unit(args: &TopArgs, c: &Collected, graph: &Graph) -> Result<String> {
    select_unit(args.unit.as_deref(), c, graph)
}

/// The output unit of a top-like report for a `--unit` option: a fixed
/// suffix, or "" for per-value auto-scaling. Without `--unit`, the unit the
/// report was printed with if it was fixed, else pprof's `minimum`.
pub fn select_unit(unit: Option<&str>, c: &Collected, graph: &Graph) -> Result<String> {
    let dim = c.units.dimension();
    let requested = unit.map(str::to_owned).or_else(|| c.printed_unit.clone());
    match requested.as_deref() {
        Some("auto") => Ok(String::new()),
        Some("minimum") | None => Ok(select_output_unit(graph, c.total, dim)),
        Some(u) => {
            let canonical = canonical_suffix(u, dim).ok_or_else(|| {
                Error::Usage(format!("invalid --unit {u:?} for values in {}", dim.name()))
            })?;
            Ok(canonical.to_owned())
        }
    }
}

/// A user's `--unit` spelling as the suffix pprof prints.
fn canonical_suffix(unit: &str, dim: Dimension) -> Option<&'static str> {
    let v = crate::analysis::filter::parse_user_value(&format!("1{unit}"))?;
    (v.dim == dim || dim == Dimension::Count && unit.is_empty()).then(|| {
        let suffix = auto_suffix(v.centi, v.dim);
        // `1kb` scales to `kB` itself; `1s` to `s`.
        suffix
    })
}

/// pprof's `selectOutputUnit`: the unit of the smallest non-zero node
/// value, moved up when the total is in a larger unit and 100 times the
/// minimum would be too.
fn select_output_unit(graph: &Graph, total: i128, dim: Dimension) -> String {
    let mut min = 0i128;
    for n in &graph.nodes {
        let v = if n.flat != 0 { n.flat.abs() } else { n.cum.abs() };
        if v > 0 && (min == 0 || v < min) {
            min = v;
        }
    }
    let max = total;
    if min == 0 {
        min = max;
    }
    let (min_unit, max_unit) = (auto_suffix(min, dim), auto_suffix(max, dim));
    let unit = if min_unit != max_unit && min * 100 < max {
        auto_suffix(min * 100, dim)
    } else {
        min_unit
    };
    unit.to_owned()
}

/// Runs the command.
pub fn run(args: &TopArgs, out: &mut dyn Write) -> Result<Outcome> {
    let c = collect(&args.input, args.granularity)?;
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
            write_legend(out, &c, &graph, &args.input, &fmt)?;
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

/// pprof's legend of text reports: the header (with `Total samples` in the
/// output unit), `Active filters:` (entries over 80 characters cut), and
/// `Showing nodes accounting for ...`.
pub fn write_legend(
    out: &mut dyn Write,
    c: &Collected,
    graph: &Graph,
    input: &InputArgs,
    fmt: &dyn Fn(i128) -> String,
) -> Result<()> {
    for line in header_lines(&c.header, fmt, c.total) {
        writeln!(out, "{line}")?;
    }
    let filters = input.active_filters();
    if !filters.is_empty() {
        writeln!(out, "Active filters:")?;
        for f in filters {
            let shown: String = if f.chars().count() > 80 {
                f.chars().take(80).chain(['…']).collect()
            } else {
                f
            };
            writeln!(out, "   {shown}")?;
        }
    }
    let flat_sum: i128 = graph.nodes.iter().map(|n| n.flat).sum();
    writeln!(
        out,
        "Showing nodes accounting for {}, {} of {} total",
        fmt(flat_sum),
        percentage(flat_sum, c.total).trim(),
        fmt(c.total)
    )?;
    Ok(())
}

/// The header lines, the `Total samples` of `Duration:` in the output unit.
pub fn header_lines(header: &Header, fmt: &dyn Fn(i128) -> String, total: i128) -> Vec<String> {
    header
        .lines
        .iter()
        .filter(|(field, _)| *field != HeaderField::Empty)
        .map(|(field, line)| {
            if *field != HeaderField::Duration {
                return line.clone();
            }
            const MARK: &str = ", Total samples = ";
            match line.find(MARK) {
                Some(at) => {
                    let rest = &line[at + MARK.len()..];
                    let after = rest.find(' ').map_or("", |i| &rest[i..]);
                    format!("{}{MARK}{}{after}", &line[..at], fmt(total))
                }
                None => line.clone(),
            }
        })
        .collect()
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
    let filters: Vec<Value> = args.input.active_filters().into_iter().map(Value::from).collect();
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
