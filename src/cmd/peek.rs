//! `traces-tool peek REGEX`: for every function whose name matches, its
//! callers and callees with the weight of each edge, laid out as
//! `go tool pprof -peek REGEX` prints them (pprof's `printTree`). peek does
//! not trim the graph: every node and every edge is kept. On exact reports
//! (printed with `-unit=b`/`-unit=ns`, and count profiles) the output is
//! pprof's, byte for byte; on rounded reports each value carries its
//! rounding bound.

use std::io::Write;

use clap::Args;
use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::analysis::graph::{
    inline_label, Edge, Granularity, Graph, Node, NodeId, SeenSet, StackSet, TrimOptions,
};
use crate::analysis::report::{collect, select_unit, Collected};
use crate::cmd::{formats, Format, InputArgs, Outcome, TEXT_CSV_JSON};
use crate::error::{Error, Result};
use crate::output::legend::write_legend;
use crate::output::sheet::{bool_cell, Kind, Sheet, SheetOptions};
use crate::units::{centi_to_decimal, format_in, percentage};

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

/// One edge of a matched node, as printed.
struct EdgeRow<'a> {
    other: NodeId,
    edge: &'a Edge,
    error: i128,
}

/// Runs the command.
pub fn run(args: &PeekArgs, out: &mut dyn Write) -> Result<Outcome> {
    let rx = Regex::new(&args.regex)
        .map_err(|e| Error::Usage(format!("invalid REGEX {:?}: {e}", args.regex)))?;
    let c = collect(&args.input.inputs(), args.granularity)?;
    // peek never trims: no node or edge fraction, no node count.
    let options =
        TrimOptions { node_fraction: 0.0, edge_fraction: 0.0, node_count: 0, cum_sort: args.cum };
    let (graph, _) = Graph::trimmed(&c.stacks, &c.table, options);
    let matched: Vec<&Node> =
        graph.nodes.iter().filter(|n| rx.is_match(c.table.name(n.id))).collect();
    let mut notes = c.notes.clone();
    if matched.is_empty() {
        // pprof prints nothing but the error.
        notes.push(format!("no matches found for regexp: {}", args.regex));
        return Ok(Outcome { matched: false, notes });
    }
    let wanted: FxHashSet<NodeId> = matched.iter().map(|n| n.id).collect();
    let errors = if c.exact { FxHashMap::default() } else { edge_errors(&c.stacks, &wanted) };
    let unit = select_unit(args.unit.as_deref(), &c, &graph)?;
    match args.format {
        Format::Text => write_text(out, args, &c, &graph, &matched, &errors, &unit)?,
        Format::Csv => write_csv(out, &c, &matched, &errors, args.input.sheet_options())?,
        Format::Json => write_json(out, args, &c, &matched, &errors, &unit)?,
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("peek")),
    }
    Ok(Outcome { matched: true, notes })
}

/// A node's callers (or callees) in pprof's order: |weight| descending,
/// then by name.
fn sorted_edges<'a>(
    edges: &'a FxHashMap<NodeId, Edge>,
    node: NodeId,
    callers: bool,
    c: &Collected,
    errors: &FxHashMap<(NodeId, NodeId), i128>,
) -> Vec<EdgeRow<'a>> {
    let mut rows: Vec<EdgeRow> = edges
        .iter()
        .map(|(&other, edge)| {
            let pair = if callers { (other, node) } else { (node, other) };
            EdgeRow { other, edge, error: errors.get(&pair).copied().unwrap_or(0) }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.edge
            .weight
            .abs()
            .cmp(&a.edge.weight.abs())
            .then(b.edge.weight.cmp(&a.edge.weight))
            .then_with(|| c.table.name(a.other).cmp(c.table.name(b.other)))
    });
    rows
}

/// Rounding bounds of the edges touching `wanted`, from the stacks, walked
/// as `Graph::build` walks them (once per sample per edge, no self edges).
fn edge_errors(stacks: &StackSet, wanted: &FxHashSet<NodeId>) -> FxHashMap<(NodeId, NodeId), i128> {
    let mut errors: FxHashMap<(NodeId, NodeId), i128> = FxHashMap::default();
    let mut seen: SeenSet<(NodeId, NodeId)> = SeenSet::default();
    for (frames, total) in stacks.iter() {
        if total.error == 0 {
            continue;
        }
        seen.clear();
        let mut parent: Option<NodeId> = None;
        for frame in frames.iter().rev() {
            let n = frame.node();
            if let Some(p) = parent {
                let pair = (p, n);
                if p != n && (wanted.contains(&p) || wanted.contains(&n)) && seen.insert(pair) {
                    *errors.entry(pair).or_insert(0) += total.error;
                }
            }
            parent = Some(n);
        }
    }
    errors
}

fn write_text(
    out: &mut dyn Write,
    args: &PeekArgs,
    c: &Collected,
    graph: &Graph,
    matched: &[&Node],
    errors: &FxHashMap<(NodeId, NodeId), i128>,
    unit: &str,
) -> Result<()> {
    let dim = c.units.dimension();
    let fmt = |v: i128| format_in(v, dim, unit, &c.units.other);
    write_legend(out, c, graph, &args.input.filters.active(), &fmt)?;
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
    let with_bound = |v: i128, err: i128| {
        if bounds && err != 0 {
            format!("{} ±{}", fmt(v), c.units.format(err))
        } else {
            fmt(v)
        }
    };
    let edge_line = |out: &mut dyn Write, row: &EdgeRow, cum: i128| -> Result<()> {
        let inline = if row.edge.inline { " (inline)" } else { "" };
        writeln!(
            out,
            "{:>50} {} |   {}{inline}",
            with_bound(row.edge.weight, row.error),
            percentage(row.edge.weight, cum),
            c.table.name(row.other)
        )?;
        Ok(())
    };
    let mut flat_sum = 0i128;
    for n in matched {
        writeln!(out, "{TREE_SEPARATOR}")?;
        for row in sorted_edges(&n.callers, n.id, true, c, errors) {
            edge_line(out, &row, n.cum)?;
        }
        flat_sum += n.flat;
        // pprof leaves 16 spaces before the `|`; a bound goes there.
        let gap = if bounds && n.cum_error != 0 {
            format!("{:>15} ", format!("±{}", c.units.format(n.cum_error)))
        } else {
            " ".repeat(16)
        };
        writeln!(
            out,
            "{:>10} {} {} {:>10} {}{gap}| {}",
            fmt(n.flat),
            percentage(n.flat, c.total),
            percentage(flat_sum, c.total),
            fmt(n.cum),
            percentage(n.cum, c.total),
            c.table.name(n.id)
        )?;
        for row in sorted_edges(&n.callees, n.id, false, c, errors) {
            edge_line(out, &row, n.cum)?;
        }
    }
    if !graph.nodes.is_empty() {
        writeln!(out, "{TREE_SEPARATOR}")?;
    }
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

fn write_json(
    out: &mut dyn Write,
    args: &PeekArgs,
    c: &Collected,
    matched: &[&Node],
    errors: &FxHashMap<(NodeId, NodeId), i128>,
    unit: &str,
) -> Result<()> {
    use crate::output::json::{amount, header, object, percent, write_document};
    use serde_json::Value;
    let dim = c.units.dimension();
    let fmt = |v: i128| format_in(v, dim, unit, &c.units.other);
    let edges = |n: &Node, callers: bool| -> Value {
        let map = if callers { &n.callers } else { &n.callees };
        Value::Array(
            sorted_edges(map, n.id, callers, c, errors)
                .iter()
                .map(|row| {
                    object([
                        ("function", c.table.name(row.other).into()),
                        ("weight", amount(row.edge.weight)),
                        ("weight_text", fmt(row.edge.weight).into()),
                        ("percent_of_cum", percent(row.edge.weight, n.cum)),
                        ("inline", row.edge.inline.into()),
                        ("max_error", amount(row.error)),
                    ])
                })
                .collect(),
        )
    };
    let functions: Vec<Value> = matched
        .iter()
        .map(|n| {
            let inline = inline_label(n).trim_matches(['(', ')']);
            object([
                ("function", c.table.name(n.id).into()),
                ("flat", amount(n.flat)),
                ("flat_text", fmt(n.flat).into()),
                ("flat_percent", percent(n.flat, c.total)),
                ("cum", amount(n.cum)),
                ("cum_text", fmt(n.cum).into()),
                ("cum_percent", percent(n.cum, c.total)),
                ("cum_max_error", amount(n.cum_error)),
                ("inline", if inline.is_empty() { Value::Null } else { inline.into() }),
                ("callers", edges(n, true)),
                ("callees", edges(n, false)),
            ])
        })
        .collect();
    let doc = object([
        ("header", header(&c.header)),
        ("regex", args.regex.as_str().into()),
        ("unit", c.units.unit_name().into()),
        ("output_unit", unit.into()),
        ("exact", c.exact.into()),
        ("total", amount(c.total)),
        ("total_max_error", amount(c.total_error)),
        ("functions", Value::Array(functions)),
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

fn write_csv(
    out: &mut dyn Write,
    c: &Collected,
    matched: &[&Node],
    errors: &FxHashMap<(NodeId, NodeId), i128>,
    options: SheetOptions,
) -> Result<()> {
    let mut w = Sheet::new(out, CSV_COLUMNS, options);
    let unit = c.units.unit_name();
    for n in matched {
        let name = c.table.name(n.id);
        let cum = centi_to_decimal(n.cum);
        let edge_row = |relation: &str, row: &EdgeRow| {
            [
                name.to_owned(),
                relation.to_owned(),
                c.table.name(row.other).to_owned(),
                centi_to_decimal(row.edge.weight),
                unit.to_owned(),
                if row.edge.inline { "inline" } else { "" }.to_owned(),
                cum.clone(),
                centi_to_decimal(row.error),
                bool_cell(row.error == 0 && n.cum_error == 0).to_owned(),
            ]
        };
        for row in sorted_edges(&n.callers, n.id, true, c, errors) {
            w.row(edge_row("caller", &row))?;
        }
        w.row([
            name,
            "self",
            "",
            &centi_to_decimal(n.flat),
            unit,
            inline_label(n).trim_matches(['(', ')']),
            &cum,
            // The bound of cum, which bounds flat too (a subset of it).
            &centi_to_decimal(n.cum_error),
            bool_cell(n.cum_error == 0),
        ])?;
        for row in sorted_edges(&n.callees, n.id, false, c, errors) {
            w.row(edge_row("callee", &row))?;
        }
    }
    w.flush()?;
    Ok(())
}
