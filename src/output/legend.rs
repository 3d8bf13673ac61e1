//! pprof's legend above its text reports (`top`, `peek`).

use crate::analysis::report::{header_lines, GraphFacts};
use crate::error::Result;
use crate::output::text::{Layout, LineWriter, Out, Part};
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

/// pprof's five columns of a node (`flat flat% sum% cum cum%`), as `top`
/// and `peek` print them.
pub(crate) fn node_columns<'o>(
    line: LineWriter<'o>,
    (flat_text, flat): (&str, i128),
    flat_sum: i128,
    (cum_text, cum): (&str, i128),
    total: i128,
) -> LineWriter<'o> {
    line.right(10, Part::Number, flat_text)
        .plain(" ")
        .padded(Part::Number, percentage(flat, total))
        .plain(" ")
        .padded(Part::Number, percentage(flat_sum, total))
        .plain(" ")
        .right(10, Part::Number, cum_text)
        .plain(" ")
        .padded(Part::Number, percentage(cum, total))
}

/// The lines above a table of rounded values: the total with its bound,
/// then how to print exact numbers. `tail` says what the bounds are (a
/// [`Part::BoundNote`] where it points at ± columns).
pub(crate) fn write_rounded_note(
    out: &mut Out<'_>,
    c: &GraphFacts,
    tail: (Part, &str),
) -> Result<()> {
    out.line(Layout::Prose)
        .plain("Rounded input: total ")
        .number(c.format(c.total))
        .bound(c.units.bound(c.total_error))
        .part(tail.0, tail.1)
        .end()?;
    out.prose("(print the report with pprof's -unit=b or -unit=ns for exact numbers)")?;
    Ok(())
}
