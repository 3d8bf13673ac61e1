//! Writing records back as pprof's `traces` report prints them
//! (`printTraces` in pprof's `internal/report/report.go`): the header lines,
//! then per sample a separator, `%10s:  %s` label lines, `%10s   %s` for
//! the leaf and 13 spaces before every caller, and one closing separator.
//! A report parsed and written back is identical byte for byte.

use std::io::{self, Write};

use crate::read::traces::{FRAME_INDENT, INLINE_SUFFIX, SEPARATOR};
use crate::record::{Header, Names, Record};

/// Writes the header lines.
pub fn write_header(out: &mut dyn Write, header: &Header) -> io::Result<()> {
    for (_, line) in &header.lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Writes one block: separator, labels, leaf with its value, callers.
pub fn write_record(out: &mut dyn Write, rec: &Record, names: &Names) -> io::Result<()> {
    writeln!(out, "{SEPARATOR}")?;
    write_block_body(out, rec, names, "")
}

/// Writes labels and frames of a record, each line prefixed by `indent`.
pub(crate) fn write_block_body(
    out: &mut dyn Write,
    rec: &Record,
    names: &Names,
    indent: &str,
) -> io::Result<()> {
    for (key, values) in rec.labels() {
        writeln!(out, "{indent}{key:>10}:  {values}")?;
    }
    // One line per frame, pieced together in a buffer (formatting with
    // padding writes the spaces one by one).
    let mut line = Vec::with_capacity(128);
    for (i, frame) in rec.frames.iter().enumerate() {
        line.clear();
        line.extend_from_slice(indent.as_bytes());
        if i == 0 {
            let value = rec.value_text();
            let pad = 10usize.saturating_sub(value.chars().count());
            line.resize(line.len() + pad, b' ');
            line.extend_from_slice(value.as_bytes());
            line.extend_from_slice(b"   ");
        } else {
            line.resize(line.len() + FRAME_INDENT, b' ');
        }
        line.extend_from_slice(names.get(frame.name).as_bytes());
        if frame.inline {
            line.extend_from_slice(INLINE_SUFFIX.as_bytes());
        }
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

/// Writes the separator that closes the report.
pub fn write_trailer(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{SEPARATOR}")
}
