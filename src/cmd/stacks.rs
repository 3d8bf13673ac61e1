//! `traces-tool stacks`: identical stacks merged. pprof prints one block
//! per sample, and one stack often comes in several blocks: the Go runtime
//! keeps one heap sample per (stack, allocation size), CPU samples from
//! different addresses of the same functions stay apart, and samples with
//! different labels are different samples. This command adds them up
//! ([`crate::analysis::stacks`]) and lists the stacks by total, largest
//! first, with the labels that differ between the merged blocks.

use itertools::Itertools;
use std::io::Write;

use clap::Args;
use serde::Serialize;

use crate::analysis::folded::push_folded_name;
use crate::analysis::report::header_lines;
use crate::analysis::stacks::{stacks, StackRow, StacksOptions, StacksReport};
use crate::cmd::{formats, row_limit, Format, InputArgs, Outcome, ALL_FORMATS};
use crate::error::Result;
use crate::output::ids;
use crate::output::rows::{to_object, write_ndjson, Amount, CsvRows, Percent};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::Out;
use crate::read::traces::{FRAME_INDENT, INLINE_SUFFIX, SEPARATOR};
use crate::units::percentage;

/// Identical stacks merged across blocks, listed by total value.
///
/// Stacks are compared frame by frame as printed (` (inline)` included).
/// The total of a stack is the sum of its blocks' values; stacks are
/// ordered by |total|, largest first, ties in order of first appearance.
/// Shares are of pprof's total: all samples before filtering (under
/// `-diff_base`, the base samples).
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct StacksArgs {
    /// Show the N largest stacks (0: all); default 20 in text, every row in csv and json
    /// unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Output format. CSV stacks are root first, frames joined by `;`.
    #[arg(long, value_parser = formats(ALL_FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &StacksArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let options = StacksOptions { top: row_limit(args.top, args.format, 20) };
    let report = stacks(&args.input.inputs(), &options)?;
    let mut notes = report.notes.clone();
    if report.distinct_stacks == 0 {
        notes.push("no samples to show".to_owned());
        return Ok(Outcome { matched: false, notes });
    }
    match args.format {
        Format::Text => write_text(out, &report)?,
        Format::Csv => write_csv_rows(out, &report, args.input.sheet_options())?,
        Format::Json => write_json(out, &report)?,
        Format::Ndjson => {
            for row in report.rows() {
                write_ndjson(out, std::slice::from_ref(&row))?;
            }
        }
    }
    Ok(Outcome { matched: true, notes })
}

fn write_text(out: &mut dyn Write, r: &StacksReport) -> Result<()> {
    let fmt = |v: i128| r.format(v);
    for line in header_lines(&r.header, &fmt, r.total) {
        writeln!(out, "{line}")?;
    }
    let distinct = r.distinct_stacks;
    writeln!(
        out,
        "{} block{} {} distinct stack{} ({} of them in several blocks); total {}{} \
         (pprof's: all samples before filters)",
        r.blocks,
        if r.blocks == 1 { " holds" } else { "s hold" },
        distinct,
        if distinct == 1 { "" } else { "s" },
        r.stacks_in_several_blocks,
        fmt(r.total),
        r.units.bound(r.total_error),
    )?;
    let shown = r.shown();
    writeln!(
        out,
        "Showing {} stack{} by merged total, largest first",
        if distinct == 1 {
            "1".to_owned()
        } else if shown == distinct {
            format!("all {shown}")
        } else {
            format!("the top {shown}")
        },
        if shown == 1 { "" } else { "s" }
    )?;
    for s in r.rows() {
        writeln!(out, "{SEPARATOR}")?;
        let zeros = if s.zero_blocks > 0 {
            format!(" ({} with value 0)", s.zero_blocks)
        } else {
            String::new()
        };
        writeln!(
            out,
            "#{}  {}{}  {} of the total  {} block{}{zeros}",
            s.rank,
            s.value_text,
            if s.max_error.0 == 0 { String::new() } else { format!(" ±{}", fmt(s.max_error.0)) },
            percentage(s.value.0, r.total).trim(),
            s.blocks,
            if s.blocks == 1 { "" } else { "s" },
        )?;
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
            writeln!(out, "{:>10}:  {shown}{notes}", l.key)?;
        }
        for (k, frame) in s.frames.iter().enumerate() {
            let marker = if frame.inline { INLINE_SUFFIX } else { "" };
            let name = frame.name;
            if k == 0 {
                writeln!(out, "{:>10}   {name}{marker}", s.value_text)?;
            } else {
                writeln!(out, "{:FRAME_INDENT$}{name}{marker}", "")?;
            }
        }
    }
    writeln!(out, "{SEPARATOR}")?;
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
