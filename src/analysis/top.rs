//! pprof's `top`: per-function flat and cum from the text alone, over the
//! graph trimmed as pprof trims it ([`top`]). On exact reports the numbers
//! are pprof's; on rounded reports each carries its rounding bound.

use serde::Serialize;

use crate::analysis::graph::{cutoff, Granularity, Graph, TrimOptions};
use crate::analysis::report::{collect, select_unit, GraphFacts};
use crate::analysis::scan::Inputs;
use crate::error::Result;
use crate::units::{Amount, Percent};

/// What `top` computes: pprof's `-top` options, and the output unit.
#[derive(Clone, Debug, PartialEq)]
pub struct TopOptions {
    /// Sort by cum instead of flat.
    pub cum: bool,
    /// Show at most this many nodes (0: all).
    pub node_count: usize,
    /// Drop nodes whose |cum| is at or below this fraction of the total.
    pub node_fraction: f64,
    /// Drop edges below this fraction of the total (it decides the inline
    /// tags).
    pub edge_fraction: f64,
    /// Aggregate frames by function, file or line.
    pub granularity: Granularity,
    /// Output unit: `minimum`, `auto`, or a unit such as `b`, `mb`, `ms`;
    /// `None`: the unit the report was printed with if it was fixed, else
    /// `minimum`.
    pub unit: Option<String>,
}

impl Default for TopOptions {
    /// pprof's defaults: sorted by flat, every node, node fraction 0.005,
    /// edge fraction 0.001.
    fn default() -> TopOptions {
        TopOptions {
            cum: false,
            node_count: 0,
            node_fraction: 0.005,
            edge_fraction: 0.001,
            granularity: Granularity::default(),
            unit: None,
        }
    }
}

/// One node of the trimmed graph, as `top` shows it: the fields of its
/// JSON nodes and CSV columns.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopRow {
    /// The node's name (function, file or line).
    pub function: String,
    /// Value of the samples where the node is the leaf.
    pub flat: Amount,
    /// `flat` in the output unit, as printed.
    pub flat_text: String,
    /// `flat` of pprof's total.
    pub flat_percent: Percent,
    /// Σ flat of this row and the rows above it, of pprof's total.
    pub sum_percent: Percent,
    /// Value of the samples the node appears in (once per sample).
    pub cum: Amount,
    /// `cum` in the output unit, as printed.
    pub cum_text: String,
    /// `cum` of pprof's total.
    pub cum_percent: Percent,
    /// Bound of the rounding error in `flat`.
    pub flat_max_error: Amount,
    /// Bound of the rounding error in `cum`.
    pub cum_max_error: Amount,
    /// pprof's tag: `inline` when every remaining call into the node is
    /// inlined, `partial-inline` when some are.
    pub inline: Option<&'static str>,
    /// True when neither flat nor cum was rounded.
    pub exact: bool,
}

/// The result of [`top`].
#[derive(Clone, Debug)]
pub struct TopReport {
    /// The header, total, units, output unit and the flat the rows account
    /// for.
    pub facts: GraphFacts,
    /// The nodes, in pprof's order (by flat, or by cum).
    pub rows: Vec<TopRow>,
    /// Nodes dropped below the node fraction.
    pub dropped_nodes: usize,
    /// The |cum| at or below which nodes were dropped.
    pub drop_cutoff: i128,
    /// Nodes left after dropping, before the node count.
    pub nodes_before_count: usize,
    /// Stderr notes: what a lenient read skipped; that nothing is left.
    pub notes: Vec<String>,
}

/// pprof's `top` of the inputs: flat and cum per node of the trimmed graph.
///
/// ```
/// use traces_tool::analysis::scan::Inputs;
/// use traces_tool::analysis::top::{top, TopOptions};
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     bytes:  1024B\n",
///     "     3072B   main.leaf\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
///     "     bytes:  1024B\n",
///     "     1024B   main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join("traces-tool-top-example.txt");
/// std::fs::write(&path, report)?;
/// let top = top(&Inputs::files([path.display().to_string()]), &TopOptions::default())?;
/// assert_eq!(top.rows[0].function, "main.leaf");
/// assert_eq!(top.rows[0].flat.0, 3 * 1024 * 100); // hundredths of a byte
/// assert_eq!(top.rows[0].flat_text, "3072B"); // the report's fixed unit
/// assert_eq!(top.rows[1].function, "main.main");
/// assert_eq!(top.rows[1].cum_text, "4096B");
/// assert_eq!(top.rows[1].cum_percent.0, Some(100.0));
/// assert!(top.facts.exact); // printed in bytes: nothing rounded
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn top(inputs: &Inputs, options: &TopOptions) -> Result<TopReport> {
    let c = collect(inputs, options.granularity)?;
    let trim = TrimOptions {
        node_fraction: options.node_fraction,
        edge_fraction: options.edge_fraction,
        node_count: options.node_count,
        cum_sort: options.cum,
    };
    let (mut graph, info) = Graph::trimmed(&c.stacks, &c.table, trim);
    let unit = select_unit(options.unit.as_deref(), &c, &graph)?;
    let shown_flat = graph.nodes.iter().map(|n| n.flat).sum();
    let facts = c.facts(inputs, unit, shown_flat);
    let total = c.total;
    // The rows take the nodes' tags (a byte each); the edges and stacks
    // are let go first (on a stack of a million functions they are as
    // large as the rows), and each row takes its node's name from the
    // table instead of a copy, the table's lookup let go.
    const TAGS: [Option<&str>; 3] = [None, Some("inline"), Some("partial-inline")];
    let tags: Vec<u8> = graph
        .nodes
        .iter()
        .map(|n| match graph.inline_label(n.id) {
            "(inline)" => 1,
            "(partial-inline)" => 2,
            _ => 0,
        })
        .collect();
    let nodes = std::mem::take(&mut graph.nodes);
    drop(graph);
    drop(c.stacks);
    let mut names = c.table.into_names();
    let mut flat_sum = 0i128;
    let rows: Vec<TopRow> = nodes
        .iter()
        .zip(tags)
        .map(|(n, tag)| {
            flat_sum += n.flat;
            TopRow {
                function: std::mem::take(&mut names[n.id as usize]).into_string(),
                flat: Amount(n.flat),
                flat_text: facts.format(n.flat),
                flat_percent: Percent::of(n.flat, total),
                sum_percent: Percent::of(flat_sum, total),
                cum: Amount(n.cum),
                cum_text: facts.format(n.cum),
                cum_percent: Percent::of(n.cum, total),
                flat_max_error: Amount(n.flat_error),
                cum_max_error: Amount(n.cum_error),
                inline: TAGS[usize::from(tag)],
                exact: n.flat_error == 0 && n.cum_error == 0,
            }
        })
        .collect();
    let mut notes = c.notes;
    if rows.is_empty() {
        notes.push("no samples left to show".to_owned());
    }
    Ok(TopReport {
        facts,
        rows,
        dropped_nodes: info.dropped_nodes,
        drop_cutoff: cutoff(total, options.node_fraction),
        nodes_before_count: info.nodes_before_count,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `text` to a file of its own and returns its inputs.
    fn inputs(name: &str, text: &str) -> Inputs {
        let path =
            std::env::temp_dir().join(format!("traces-tool-{}-{name}.txt", std::process::id()));
        std::fs::write(&path, text).unwrap();
        Inputs::files([path.display().to_string()])
    }

    const SEP: &str = "-----------+-------------------------------------------------------\n";

    #[test]
    fn rounded_rows_carry_their_bounds_and_running_sum() {
        let text = format!(
            "Type: inuse_space\n{SEP}       1.50MB   main.a\n             main.main\n{SEP}\
             \x20    512kB   main.b\n             main.main\n{SEP}"
        );
        let report = top(&inputs("top-rounded", &text), &TopOptions::default()).unwrap();
        let names: Vec<&str> = report.rows.iter().map(|r| r.function.as_str()).collect();
        assert_eq!(names, ["main.a", "main.b", "main.main"]);
        assert!(!report.facts.exact);
        let a = &report.rows[0];
        assert!(!a.exact);
        assert!(a.flat_max_error.0 > 0 && a.flat_max_error == a.cum_max_error);
        assert_eq!(a.flat_percent, Percent::of(3 * 512, 4 * 512));
        assert_eq!(report.rows[1].sum_percent.0, Some(100.0));
        let main = &report.rows[2];
        assert_eq!(main.flat, Amount(0));
        assert_eq!(main.cum_max_error.0, a.cum_max_error.0 + report.rows[1].cum_max_error.0);
        assert_eq!(report.facts.shown_flat, a.flat.0 + report.rows[1].flat.0);
    }

    #[test]
    fn node_count_and_unit() {
        let text = format!(
            "Type: cpu\n{SEP}      30ms   main.a\n             main.main\n{SEP}\
             \x20     10ms   main.b (inline)\n             main.main\n{SEP}"
        );
        let options = TopOptions {
            node_count: 2,
            cum: true,
            unit: Some("us".into()),
            ..TopOptions::default()
        };
        let report = top(&inputs("top-count", &text), &options).unwrap();
        let names: Vec<&str> = report.rows.iter().map(|r| r.function.as_str()).collect();
        assert_eq!(names, ["main.main", "main.a"]);
        assert_eq!(report.nodes_before_count, 3);
        assert_eq!(report.facts.output_unit, "us");
        assert_eq!(report.rows[0].cum_text, "40000us");
        let all = top(&inputs("top-all", &text), &TopOptions::default()).unwrap();
        assert_eq!(all.rows[1].function, "main.b");
        assert_eq!(all.rows[1].inline, Some("inline"));
        assert_eq!(all.rows[2].inline, None);
        let bad = TopOptions { unit: Some("furlongs".into()), ..TopOptions::default() };
        assert!(top(&inputs("top-bad", &text), &bad).is_err());
    }
}
