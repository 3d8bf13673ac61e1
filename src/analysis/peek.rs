//! pprof's `peek`: for every node whose name matches a regular expression,
//! its callers and callees with the weight of each edge ([`peek`]). peek
//! does not trim the graph: every node and every edge is kept. On rounded
//! reports each value carries its rounding bound.

use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::analysis::graph::{
    Edge, Granularity, Graph, NodeId, NodeTable, SeenSet, StackSet, TrimOptions,
};
use crate::analysis::report::{collect, select_unit, GraphFacts};
use crate::analysis::scan::Inputs;
use crate::error::{Error, Result};
use crate::units::{Amount, Percent};

/// What `peek` looks at: the functions matching `regex`, in pprof's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeekOptions {
    /// Regular expression matched against node names (unanchored, as
    /// pprof's `-peek`).
    pub regex: String,
    /// Order the functions by cum instead of flat.
    pub cum: bool,
    /// Aggregate frames by function, file or line.
    pub granularity: Granularity,
    /// Output unit: `minimum`, `auto`, or a unit such as `b`, `mb`, `ms`;
    /// `None`: the unit the report was printed with if it was fixed, else
    /// `minimum`.
    pub unit: Option<String>,
}

/// One caller or callee of a matched function, as its JSON shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeekEdge {
    /// The caller or callee.
    pub function: String,
    /// Value of the samples through the call (once per sample).
    pub weight: Amount,
    /// `weight` in the output unit, as printed.
    pub weight_text: String,
    /// `weight` of the function's cum.
    pub percent_of_cum: Percent,
    /// True when every call through the edge is inlined.
    pub inline: bool,
    /// Bound of the rounding error in `weight`.
    pub max_error: Amount,
}

/// A matched function with its callers and callees, as its JSON shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeekFunction {
    /// The node's name (function, file or line).
    pub function: String,
    /// Value of the samples where the node is the leaf.
    pub flat: Amount,
    /// `flat` in the output unit, as printed.
    pub flat_text: String,
    /// `flat` of pprof's total.
    pub flat_percent: Percent,
    /// Value of the samples the node appears in (once per sample).
    pub cum: Amount,
    /// `cum` in the output unit, as printed.
    pub cum_text: String,
    /// `cum` of pprof's total.
    pub cum_percent: Percent,
    /// Bound of the rounding error in `cum` (and in flat, a part of it).
    pub cum_max_error: Amount,
    /// pprof's tag: `inline` when every call into the node is inlined,
    /// `partial-inline` when some are.
    pub inline: Option<&'static str>,
    /// Callers, by |weight| descending, then by name.
    pub callers: Vec<PeekEdge>,
    /// Callees, by |weight| descending, then by name.
    pub callees: Vec<PeekEdge>,
}

/// One row of the flat (CSV) view of a peek: a caller edge, the function
/// itself (`self`, weight = flat) or a callee edge.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeekRow<'a> {
    /// The matched function.
    pub function: &'a str,
    /// `caller`, `self` or `callee`.
    pub relation: &'static str,
    /// The caller or callee; empty on `self` rows.
    pub other: &'a str,
    /// The edge's weight; the function's flat on `self` rows.
    pub weight: Amount,
    /// `inline` for inlined edges; the function's tag on `self` rows.
    pub inline: Option<&'static str>,
    /// The function's cum.
    pub cum: Amount,
    /// Bound of the rounding error of the row: of the weight, or on `self`
    /// rows of cum (which bounds flat too).
    pub max_error: Amount,
    /// True when no value of the row was rounded.
    pub exact: bool,
}

impl PeekFunction {
    /// The rows of the flat view: the callers, the function, the callees.
    pub fn rows(&self) -> impl Iterator<Item = PeekRow<'_>> {
        let callers = self.callers.iter().map(move |e| self.edge_row("caller", e));
        let callees = self.callees.iter().map(move |e| self.edge_row("callee", e));
        let own = PeekRow {
            function: &self.function,
            relation: "self",
            other: "",
            weight: self.flat,
            inline: self.inline,
            cum: self.cum,
            max_error: self.cum_max_error,
            exact: self.cum_max_error.0 == 0,
        };
        callers.chain(std::iter::once(own)).chain(callees)
    }

    fn edge_row<'a>(&'a self, relation: &'static str, e: &'a PeekEdge) -> PeekRow<'a> {
        PeekRow {
            function: &self.function,
            relation,
            other: &e.function,
            weight: e.weight,
            inline: e.inline.then_some("inline"),
            cum: self.cum,
            max_error: e.max_error,
            exact: e.max_error.0 == 0 && self.cum_max_error.0 == 0,
        }
    }
}

/// The result of [`peek`].
#[derive(Clone, Debug)]
pub struct PeekReport {
    /// The header, total, units, output unit, and the flat of the whole
    /// graph (the legend's).
    pub facts: GraphFacts,
    /// The pattern asked for.
    pub regex: String,
    /// The matched functions, in pprof's order (by flat, or by cum).
    pub functions: Vec<PeekFunction>,
    /// Stderr notes: what a lenient read skipped; that nothing matched.
    pub notes: Vec<String>,
}

impl PeekReport {
    /// The rows of the flat view of every matched function, in order.
    pub fn rows(&self) -> impl Iterator<Item = PeekRow<'_>> {
        self.functions.iter().flat_map(PeekFunction::rows)
    }
}

/// pprof's `peek` of the inputs: callers and callees of every node whose
/// name matches `options.regex`. A node's recursive calls to itself are
/// not edges. With no match, `functions` is empty (and the output unit is
/// not chosen: an invalid `unit` is not an error then).
///
/// ```
/// use traces_tool::analysis::peek::{peek, PeekOptions};
/// use traces_tool::analysis::scan::Inputs;
///
/// let report = concat!(
///     "Type: cpu\n",
///     "-----------+-------------------------------------------------------\n",
///     "      30ms   main.leaf\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join("traces-tool-peek-example.txt");
/// std::fs::write(&path, report)?;
/// let options = PeekOptions { regex: "leaf".into(), ..PeekOptions::default() };
/// let peek = peek(&Inputs::files([path.display().to_string()]), &options)?;
/// let leaf = &peek.functions[0];
/// assert_eq!(leaf.function, "main.leaf");
/// assert_eq!(leaf.callers[0].function, "main.main");
/// assert_eq!(leaf.callers[0].weight_text, "30ms");
/// assert!(leaf.callees.is_empty());
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn peek(inputs: &Inputs, options: &PeekOptions) -> Result<PeekReport> {
    let rx = Regex::new(&options.regex)
        .map_err(|e| Error::Usage(format!("invalid REGEX {:?}: {e}", options.regex)))?;
    let c = collect(inputs, options.granularity)?;
    // peek never trims: no node or edge fraction, no node count.
    let trim = TrimOptions {
        node_fraction: 0.0,
        edge_fraction: 0.0,
        node_count: 0,
        cum_sort: options.cum,
    };
    let (graph, _) = Graph::trimmed(&c.stacks, &c.table, trim);
    let shown_flat: i128 = graph.nodes.iter().map(|n| n.flat).sum();
    let mut notes = c.notes.clone();
    let matched: Vec<_> = graph.nodes.iter().filter(|n| rx.is_match(c.table.name(n.id))).collect();
    if matched.is_empty() {
        // pprof prints nothing but the error.
        notes.push(format!("no matches found for regexp: {}", options.regex));
        return Ok(PeekReport {
            facts: c.facts(inputs, String::new(), shown_flat),
            regex: options.regex.clone(),
            functions: Vec::new(),
            notes,
        });
    }
    let wanted: FxHashSet<NodeId> = matched.iter().map(|n| n.id).collect();
    let errors = if c.exact { FxHashMap::default() } else { edge_errors(&c.stacks, &wanted) };
    let unit = select_unit(options.unit.as_deref(), &c, &graph)?;
    let facts = c.facts(inputs, unit, shown_flat);
    let edges = |node: NodeId, cum: i128, callers: bool| {
        sorted_edges(&graph, node, callers, &c.table, &errors)
            .into_iter()
            .map(|(other, edge, error)| PeekEdge {
                function: c.table.name(other).to_owned(),
                weight: Amount(edge.weight),
                weight_text: facts.format(edge.weight),
                percent_of_cum: Percent::of(edge.weight, cum),
                inline: edge.inline,
                max_error: Amount(error),
            })
            .collect()
    };
    let functions = matched
        .iter()
        .map(|n| {
            let inline = graph.inline_label(n.id).trim_matches(['(', ')']);
            PeekFunction {
                function: c.table.name(n.id).to_owned(),
                flat: Amount(n.flat),
                flat_text: facts.format(n.flat),
                flat_percent: Percent::of(n.flat, c.total),
                cum: Amount(n.cum),
                cum_text: facts.format(n.cum),
                cum_percent: Percent::of(n.cum, c.total),
                cum_max_error: Amount(n.cum_error),
                inline: (!inline.is_empty()).then_some(inline),
                callers: edges(n.id, n.cum, true),
                callees: edges(n.id, n.cum, false),
            }
        })
        .collect();
    Ok(PeekReport { facts, regex: options.regex.clone(), functions, notes })
}

/// A node's callers (or callees) in pprof's order: |weight| descending,
/// then by name; each with its rounding bound.
fn sorted_edges<'a>(
    graph: &'a Graph,
    node: NodeId,
    callers: bool,
    table: &NodeTable,
    errors: &FxHashMap<(NodeId, NodeId), i128>,
) -> Vec<(NodeId, &'a Edge, i128)> {
    let edges: Box<dyn Iterator<Item = (NodeId, &Edge)>> =
        if callers { Box::new(graph.callers(node)) } else { Box::new(graph.callees(node)) };
    let mut rows: Vec<(NodeId, &Edge, i128)> = edges
        .map(|(other, edge)| {
            let pair = if callers { (other, node) } else { (node, other) };
            (other, edge, errors.get(&pair).copied().unwrap_or(0))
        })
        .collect();
    rows.sort_by(|a, b| {
        b.1.weight
            .abs()
            .cmp(&a.1.weight.abs())
            .then(b.1.weight.cmp(&a.1.weight))
            .then_with(|| table.name(a.0).cmp(table.name(b.0)))
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
            let n = frame.id();
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

#[cfg(test)]
mod tests {
    use super::*;

    const SEP: &str = "-----------+-------------------------------------------------------\n";

    fn run(name: &str, options: &PeekOptions) -> Result<PeekReport> {
        let text = format!(
            "Type: inuse_space\n{SEP}       1.50MB   main.a\n             main.mid\n             main.main\n{SEP}\
             \x20    1024B   main.mid\n             main.main\n{SEP}"
        );
        let path =
            std::env::temp_dir().join(format!("traces-tool-{}-{name}.txt", std::process::id()));
        std::fs::write(&path, text).unwrap();
        peek(&Inputs::files([path.display().to_string()]), options)
    }

    #[test]
    fn rows_are_callers_self_callees_with_their_bounds() {
        let options = PeekOptions { regex: "mid".into(), ..PeekOptions::default() };
        let report = run("peek-rows", &options).unwrap();
        assert_eq!(report.functions.len(), 1);
        let mid = &report.functions[0];
        assert_eq!(mid.flat, Amount(1024 * 100));
        let rows: Vec<(&str, &str, bool)> =
            mid.rows().map(|r| (r.relation, r.other, r.exact)).collect();
        assert_eq!(
            rows,
            [("caller", "main.main", false), ("self", "", false), ("callee", "main.a", false)]
        );
        // The edge from main.main carries both samples, only one rounded.
        assert_eq!(mid.callers[0].weight, mid.cum);
        assert_eq!(mid.callers[0].max_error, mid.callees[0].max_error);
        assert!(mid.callees[0].max_error.0 > 0);
        assert_eq!(mid.callees[0].percent_of_cum, Percent::of(mid.callees[0].weight.0, mid.cum.0));
        assert_eq!(report.facts.shown_flat, mid.cum.0);
    }

    #[test]
    fn no_match_is_a_note_not_an_error() {
        let options = PeekOptions {
            regex: "nothing".into(),
            unit: Some("furlongs".into()),
            ..PeekOptions::default()
        };
        let report = run("peek-none", &options).unwrap();
        assert!(report.functions.is_empty());
        assert_eq!(report.notes, ["no matches found for regexp: nothing"]);
        let options = PeekOptions { regex: "(".into(), ..PeekOptions::default() };
        assert!(matches!(run("peek-bad", &options), Err(Error::Usage(_))));
    }
}
