//! pprof's legend above its text reports (`top`, `peek`).

use std::io::Write;

use crate::analysis::report::{header_lines, GraphFacts};
use crate::error::Result;
use crate::units::percentage;

/// pprof's legend of text reports: the header (with `Total samples` in the
/// output unit), `Active filters:` (entries over 80 characters cut), and
/// `Showing nodes accounting for ...`.
pub fn write_legend(out: &mut dyn Write, c: &GraphFacts) -> Result<()> {
    let fmt = |v: i128| c.format(v);
    for line in header_lines(&c.header, &fmt, c.total) {
        writeln!(out, "{line}")?;
    }
    if !c.filters.is_empty() {
        writeln!(out, "Active filters:")?;
        for f in &c.filters {
            let f = f.clone();
            let shown: String = if f.chars().count() > 80 {
                f.chars().take(80).chain(['…']).collect()
            } else {
                f
            };
            writeln!(out, "   {shown}")?;
        }
    }
    let flat_sum = c.shown_flat;
    writeln!(
        out,
        "Showing nodes accounting for {}, {} of {} total",
        fmt(flat_sum),
        percentage(flat_sum, c.total).trim(),
        fmt(c.total)
    )?;
    if c.printed_with_filters {
        writeln!(
            out,
            "(percentages are of the focused samples the report holds: it does not hold the \
             profile's total)"
        )?;
    }
    Ok(())
}
