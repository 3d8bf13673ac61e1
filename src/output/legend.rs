//! pprof's legend above its text reports (`top`, `peek`).

use std::io::Write;

use crate::analysis::graph::Graph;
use crate::analysis::report::{header_lines, Collected};
use crate::error::Result;
use crate::units::percentage;

/// pprof's legend of text reports: the header (with `Total samples` in the
/// output unit), `Active filters:` (entries over 80 characters cut), and
/// `Showing nodes accounting for ...`.
pub fn write_legend(
    out: &mut dyn Write,
    c: &Collected,
    graph: &Graph,
    filters: &[String],
    fmt: &dyn Fn(i128) -> String,
) -> Result<()> {
    for line in header_lines(&c.header, fmt, c.total) {
        writeln!(out, "{line}")?;
    }
    if !filters.is_empty() {
        writeln!(out, "Active filters:")?;
        for f in filters {
            let f = f.clone();
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
