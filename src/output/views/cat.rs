//! `cat`'s view: the records as pprof's `traces` report prints them. In a
//! pipe the report is written as bytes ([`crate::output::traces`]); for a
//! painter each line is typed (header lines, the separator, labels, the
//! leaf's value and every frame).

use crate::analysis::cat::CatItem;
use crate::error::Result;
use crate::output::text::{Layout, Out, Part};
use crate::output::traces::{write_header, write_record, write_trailer};
use crate::read::traces::{FRAME_INDENT, INLINE_SUFFIX, SEPARATOR};

/// Writes one item of `cat`'s output.
pub fn write_item(out: &mut Out<'_>, item: CatItem<'_>) -> Result<()> {
    if !out.reads_parts() {
        match item {
            CatItem::Header(header) => write_header(out, header)?,
            CatItem::Record(rec, names) => write_record(out, rec, names)?,
            CatItem::End => write_trailer(out)?,
        }
        return Ok(());
    }
    match item {
        CatItem::Header(header) => {
            for (_, line) in &header.lines {
                out.line(Layout::Header).plain(line).end()?;
            }
        }
        CatItem::Record(rec, names) => {
            out.line(Layout::Titles).plain(SEPARATOR).end()?;
            for (key, values) in rec.labels() {
                out.line(Layout::Prose).plain(format_args!("{key:>10}:  {values}")).end()?;
            }
            for (i, frame) in rec.frames.iter().enumerate() {
                let line = out.line(Layout::Row);
                let line = if i == 0 {
                    line.right(10, Part::Number, rec.value_text()).plain("   ")
                } else {
                    line.spaces(FRAME_INDENT)
                };
                let line = line.frame(names.get(frame.name));
                if frame.inline { line.plain(INLINE_SUFFIX) } else { line }.end()?;
            }
        }
        CatItem::End => out.line(Layout::Titles).plain(SEPARATOR).end()?,
    }
    Ok(())
}
