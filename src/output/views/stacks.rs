//! `stacks`' view: identical stacks merged, largest first, each with its
//! share, its blocks, the labels that differ between them and its frames;
//! CSV rows (the stack root first, joined by `;`), a JSON document written
//! a stack at a time, and NDJSON rows.

use itertools::Itertools;
use std::io::Write;

use serde::Serialize;

use crate::analysis::folded::push_folded_name;
use crate::analysis::report::header_lines;
use crate::analysis::stacks::{StackRow, StacksReport};
use crate::error::Result;
use crate::output::ids;
use crate::output::rows::{to_object, write_ndjson, Amount, CsvRows, Percent};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::{Layout, Out, Part};
use crate::output::views::{View, ALL_FORMATS};
use crate::output::Format;
use crate::read::traces::{FRAME_INDENT, INLINE_SUFFIX, SEPARATOR};
use crate::units::percentage;

impl View for StacksReport {
    const NAME: &'static str = "stacks";
    const FORMATS: &'static [Format] = ALL_FORMATS;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        write_text(out, self)
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        write_csv_rows(out, self, sheet)
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        write_json(out, self)
    }

    fn ndjson(&self, out: &mut dyn Write) -> Result<()> {
        for row in self.rows() {
            write_ndjson(out, std::slice::from_ref(&row))?;
        }
        Ok(())
    }
}

/// The text view: the header, what was merged, then each stack's block.
fn write_text(out: &mut Out<'_>, r: &StacksReport) -> Result<()> {
    let fmt = |v: i128| r.format(v);
    for line in header_lines(&r.header, &fmt, r.total) {
        out.line(Layout::Header).plain(line).end()?;
    }
    let distinct = r.distinct_stacks;
    out.line(Layout::Prose)
        .number(r.blocks)
        .plain(if r.blocks == 1 { " block holds " } else { " blocks hold " })
        .number(distinct)
        .plain(if distinct == 1 { " distinct stack (" } else { " distinct stacks (" })
        .number(r.stacks_in_several_blocks)
        .plain(" of them in several blocks); total ")
        .number(fmt(r.total))
        .bound(r.units.bound(r.total_error))
        .plain(" (pprof's: all samples before filters)")
        .end()?;
    let shown = r.shown();
    let line = out.line(Layout::Header).plain("Showing ");
    let line = if distinct == 1 {
        line.number(1)
    } else if shown == distinct {
        line.plain("all ").number(shown)
    } else {
        line.plain("the top ").number(shown)
    };
    line.plain(format_args!(
        " stack{} by merged total, largest first",
        if shown == 1 { "" } else { "s" }
    ))
    .end()?;
    for s in r.rows() {
        out.line(Layout::Titles).plain(SEPARATOR).end()?;
        let line =
            out.line(Layout::Prose).plain("#").number(s.rank).plain("  ").number(&s.value_text);
        let line = if s.max_error.0 == 0 {
            line
        } else {
            line.plain(" ").part(Part::Bound, format_args!("±{}", fmt(s.max_error.0)))
        };
        let line = line
            .plain("  ")
            .number(percentage(s.value.0, r.total).trim())
            .plain(" of the total  ")
            .number(s.blocks)
            .plain(if s.blocks == 1 { " block" } else { " blocks" });
        if s.zero_blocks > 0 {
            line.plain(" (").number(s.zero_blocks).plain(" with value 0)")
        } else {
            line
        }
        .end()?;
        for l in &s.labels {
            let mut notes = Vec::new();
            if l.values.len() > 1 {
                notes.push("differs".to_owned());
            }
            if l.blocks < s.blocks {
                notes.push(format!("in {} of {} blocks", l.blocks, s.blocks));
            }
            let notes =
                if notes.is_empty() { String::new() } else { format!("  [{}]", notes.join("; ")) };
            // A dump's thousands of goroutine ids: their runs, in short.
            let short = (l.key == "goroutine").then(|| ids::summarize(&l.values)).flatten();
            let shown = short.unwrap_or_else(|| l.values.join(" "));
            out.line(Layout::Prose).plain(format_args!("{:>10}:  {shown}{notes}", l.key)).end()?;
        }
        for (k, frame) in s.frames.iter().enumerate() {
            let line = out.line(Layout::Row);
            let line = if k == 0 {
                line.right(10, Part::Number, &s.value_text).plain("   ")
            } else {
                line.spaces(FRAME_INDENT)
            };
            let line = line.frame(frame.name);
            if frame.inline { line.plain(INLINE_SUFFIX) } else { line }.end()?;
        }
    }
    out.line(Layout::Titles).plain(SEPARATOR).end()?;
    Ok(())
}

/// The JSON schema of `--format json` and `--format ndjson` (also in
/// docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"header\": HEADER (see top), \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str,
   \"total\": number (pprof's), \"total_max_error\": number, \"blocks\": int,
   \"distinct_stacks\": int, \"stacks_in_several_blocks\": int,
   \"stacks\": [STACK, ...]}   (by |value|, largest first; -n of them)
  STACK: {\"rank\": int, \"value\": number, \"value_text\": str, \"max_error\": number,
   \"share_percent\": number|null, \"blocks\": int, \"zero_blocks\": int,
   \"labels\": [{\"key\": str, \"values\": [str, ...] (distinct, sorted),
   \"blocks\": int (blocks with the key), \"differs\": bool}, ...],
   \"frames\": [{\"name\": str, \"inline\": bool}, ...] (leaf first)}
NDJSON (--format ndjson): one STACK per line, with \"unit\" added.
Amounts are exact JSON numbers in the base unit.";

/// The fields of a stack in the JSON document (NDJSON adds `unit`).
pub const JSON_FIELDS: [&str; 9] = [
    "rank",
    "value",
    "value_text",
    "max_error",
    "share_percent",
    "blocks",
    "zero_blocks",
    "labels",
    "frames",
];

fn write_json(out: &mut dyn Write, r: &StacksReport) -> Result<()> {
    use crate::output::json::{amount, header, object, write_document_streaming};
    // The row less `unit` (named once in the document): the fields of
    // JSON_FIELDS, in their order, written one stack at a time.
    let rows = r.rows().map(|row| {
        let mut object = to_object(&row)?;
        object.shift_remove("unit");
        debug_assert!(object.keys().eq(JSON_FIELDS));
        Ok(object)
    });
    let head = object([
        ("header", header(&r.header)),
        ("unit", r.units.unit_name().into()),
        ("total", amount(r.total)),
        ("total_max_error", amount(r.total_error)),
        ("blocks", r.blocks.into()),
        ("distinct_stacks", r.distinct_stacks.into()),
        ("stacks_in_several_blocks", r.stacks_in_several_blocks.into()),
    ]);
    write_document_streaming(out, &head, "stacks", rows)
}

/// The columns of `--format csv`; `exact` is false when pprof rounded a
/// value of the stack (`max_error` bounds the sum).
pub const CSV_COLUMNS: [(&str, Kind); 10] = [
    ("rank", Kind::Number),
    ("value", Kind::Number),
    ("unit", Kind::Text),
    ("value_text", Kind::Text),
    ("blocks", Kind::Number),
    ("share", Kind::Percent),
    ("labels", Kind::Text),
    ("stack", Kind::Text),
    ("max_error", Kind::Number),
    ("exact", Kind::Bool),
];

/// A [`StackRow`] as its CSV columns name it: `share` is `share_percent`,
/// the labels one field (`key=v1 v2; key2=v`), the stack root first with
/// frames joined by `;`.
#[derive(Serialize)]
struct CsvRow<'a> {
    rank: usize,
    value: Amount,
    unit: &'a str,
    value_text: &'a str,
    blocks: u64,
    share: Percent,
    labels: String,
    stack: String,
    max_error: Amount,
    exact: bool,
}

impl<'a> CsvRow<'a> {
    fn of(s: &'a StackRow<'a>) -> CsvRow<'a> {
        CsvRow {
            rank: s.rank,
            value: s.value,
            unit: s.unit,
            value_text: &s.value_text,
            blocks: s.blocks,
            share: s.share_percent,
            labels: s.labels.iter().map(|l| format!("{}={}", l.key, l.values.join(" "))).join("; "),
            stack: {
                let mut stack = String::with_capacity(
                    s.frames.iter().map(|f| f.name.len() + INLINE_SUFFIX.len() + 1).sum(),
                );
                for (k, f) in s.frames.iter().rev().enumerate() {
                    if k > 0 {
                        stack.push(';');
                    }
                    push_folded_name(&mut stack, f.name);
                    if f.inline {
                        stack.push_str(INLINE_SUFFIX);
                    }
                }
                stack
            },
            max_error: s.max_error,
            exact: s.max_error.0 == 0,
        }
    }
}

fn write_csv_rows(out: &mut dyn Write, r: &StacksReport, options: SheetOptions) -> Result<()> {
    let mut csv = CsvRows::new(out, &CSV_COLUMNS, serde_json::Map::new(), options);
    for row in r.rows() {
        csv.row(&CsvRow::of(&row))?;
    }
    csv.finish()
}
