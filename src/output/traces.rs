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
pub fn write_block_body(
    out: &mut dyn Write,
    rec: &Record,
    names: &Names,
    indent: &str,
) -> io::Result<()> {
    for (key, values) in rec.labels() {
        writeln!(out, "{indent}{key:>10}:  {values}")?;
    }
    for (i, frame) in rec.frames.iter().enumerate() {
        let marker = if frame.inline { INLINE_SUFFIX } else { "" };
        let name = names.get(frame.name);
        if i == 0 {
            writeln!(out, "{indent}{:>10}   {name}{marker}", rec.value_text())?;
        } else {
            writeln!(out, "{indent}{:FRAME_INDENT$}{name}{marker}", "")?;
        }
    }
    Ok(())
}

/// Writes the separator that closes the report.
pub fn write_trailer(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{SEPARATOR}")
}
