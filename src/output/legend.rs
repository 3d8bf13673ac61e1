//! pprof's legend above its text reports (`top`, `peek`).

use crate::analysis::report::{header_lines, GraphFacts};
use crate::error::Result;
use crate::output::text::{Layout, Out};
use crate::units::percentage;

/// pprof's legend of text reports: the header (with `Total samples` in the
/// output unit), `Active filters:` (entries over 80 characters cut), and
/// `Showing nodes accounting for ...`.
pub(crate) fn write_legend(out: &mut Out<'_>, c: &GraphFacts) -> Result<()> {
    let fmt = |v: i128| c.format(v);
    for line in header_lines(&c.header, &fmt, c.total) {
        out.line(Layout::Header).plain(line).end()?;
    }
    if !c.filters.is_empty() {
        out.line(Layout::Header).plain("Active filters:").end()?;
        for f in &c.filters {
            let f = f.clone();
            let shown: String = if f.chars().count() > 80 {
                f.chars().take(80).chain(['…']).collect()
            } else {
                f
            };
            out.line(Layout::Header).plain(format_args!("   {shown}")).end()?;
        }
    }
    let flat_sum = c.shown_flat;
    out.line(Layout::Header)
        .plain("Showing nodes accounting for ")
        .number(fmt(flat_sum))
        .plain(", ")
        .number(percentage(flat_sum, c.total).trim())
        .plain(" of ")
        .number(fmt(c.total))
        .plain(" total")
        .end()?;
    if c.printed_with_filters {
        out.prose(
            "(percentages are of the focused samples the report holds: it does not hold the \
             profile's total)",
        )?;
    }
    Ok(())
}
