//! `traces-tool csv`: one row per sample (or per frame with `--frames`),
//! values as exact numbers in the base unit, for spreadsheets and scripts.

use std::io::Write;

use clap::Args;

use crate::cmd::{formats, scan, Format, InputArgs, Outcome, UnitContext};
use crate::error::Result;
use crate::record::Names;
use crate::units::DecimalCenti;

/// Samples as CSV records.
///
/// Columns: file, sample (1-based, per file: the block of a traces report,
/// the sample's place in a binary profile or `-raw` text), line (of the
/// value line; empty for a binary profile or `-raw` text, which have none),
/// value (exact, in the base unit: bytes, nanoseconds or a count; two
/// decimals at most when pprof rounded it), unit, value_text (as printed),
/// leaf, depth, stack (root first, `;`-separated: the folded-stack order),
/// labels (`key=values` joined by `; `).
///
/// With `--frames`: file, sample, line, value, unit, value_text, position
/// (0 = leaf), frame, inline.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct CsvArgs {
    /// One row per frame instead of one per sample.
    #[arg(long)]
    pub frames: bool,
    /// Output format: `csv`, `json` (one document) or `ndjson` (one object
    /// per row); see the JSON schema below.
    #[arg(long, value_parser = formats(CSV_FORMATS), default_value = "csv")]
    pub format: Format,
    #[command(flatten)]
    pub input: InputArgs,
}

/// The formats `csv` writes.
const CSV_FORMATS: &[Format] = &[Format::Csv, Format::Json, Format::Ndjson];

/// The header row of the per-sample output.
pub const SAMPLE_COLUMNS: [&str; 10] =
    ["file", "sample", "line", "value", "unit", "value_text", "leaf", "depth", "stack", "labels"];

/// The header row of the `--frames` output.
pub const FRAME_COLUMNS: [&str; 9] =
    ["file", "sample", "line", "value", "unit", "value_text", "position", "frame", "inline"];

/// Runs the command.
pub fn run(args: &CsvArgs, out: &mut dyn Write) -> Result<Outcome> {
    match args.format {
        Format::Csv => {}
        Format::Json | Format::Ndjson => return run_json(args, out),
        Format::Text => crate::json::require(args.format, &[Format::Csv], "csv")?,
    }
    let mut w = csv::Writer::from_writer(out);
    let columns: &[&str] = if args.frames { &FRAME_COLUMNS } else { &SAMPLE_COLUMNS };
    // The header goes out with the first row (or at the end), so that an
    // input that cannot be read leaves no half-written CSV behind.
    let mut header_written = false;
    let mut names = Names::new();
    let mut units = UnitContext::default();
    let mut rows = 0u64;
    // Buffers reused from row to row.
    let (mut value, mut sample, mut line, mut stack) =
        (String::new(), String::new(), String::new(), String::new());
    let notes = scan(&args.input, &mut names, |src, rec, names: &Names| {
        if !header_written {
            w.write_record(columns)?;
            header_written = true;
        }
        units.learn(src, rec);
        set(&mut value, format_args!("{}", DecimalCenti(rec.value.centi)));
        set(&mut sample, format_args!("{}", rec.index));
        line.clear();
        if let Some(l) = rec.text_line() {
            set(&mut line, format_args!("{l}"));
        }
        let unit = units.unit_name();
        if args.frames {
            for (i, f) in rec.frames.iter().enumerate() {
                w.write_record([
                    src.name(),
                    &sample,
                    &line,
                    &value,
                    unit,
                    rec.value_text(),
                    &i.to_string(),
                    names.get(f.name),
                    if f.inline { "true" } else { "false" },
                ])?;
            }
        } else {
            let leaf = rec.leaf().map_or("", |f| names.get(f.name));
            stack.clear();
            for (i, f) in rec.frames.iter().rev().enumerate() {
                if i > 0 {
                    stack.push(';');
                }
                stack.push_str(names.get(f.name));
            }
            w.write_record([
                src.name(),
                &sample,
                &line,
                &value,
                unit,
                rec.value_text(),
                leaf,
                &rec.frames.len().to_string(),
                &stack,
                &rec.labels_joined(),
            ])?;
        }
        rows += 1;
        Ok(())
    })?;
    if !header_written {
        w.write_record(columns)?;
    }
    w.flush()?;
    let mut outcome = Outcome { matched: rows > 0, notes };
    if rows == 0 {
        outcome.notes.push("no samples".to_owned());
    }
    Ok(outcome)
}

/// The JSON schema of `--format json` and `--format ndjson` (also in
/// docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document, streamed as it is read:
  {\"samples\": [ROW, ...]}   (with --frames: {\"frames\": [ROW, ...]})
NDJSON (--format ndjson): one ROW per line.
A ROW of a sample:
  {\"file\": str, \"sample\": int (1-based, per file), \"line\": int
   (null for a binary profile or -raw text),
   \"value\": number (exact, base unit), \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str,
   \"value_text\": str (as printed), \"leaf\": str, \"depth\": int,
   \"frames\": [{\"name\": str, \"inline\": bool}, ...] (leaf first),
   \"labels\": {key: values as printed}}
With --frames, a ROW per frame:
  {\"file\", \"sample\", \"line\", \"value\", \"unit\", \"value_text\",
   \"position\": int (0 = leaf), \"frame\": str, \"inline\": bool}
Amounts are exact JSON numbers in the base unit: integers, or at most two
decimals when pprof rounded the value (21.01MB is 22030581.76).";

/// `--format json` and `--format ndjson`: the rows of the CSV output as
/// JSON objects, streamed.
fn run_json(args: &CsvArgs, out: &mut dyn Write) -> Result<Outcome> {
    use crate::json::{self, RowStream};
    use serde_json::Value;
    let key = if args.frames { "frames" } else { "samples" };
    let mut stream = RowStream::start(out, args.format == Format::Ndjson, json::object([]), key)?;
    let mut names = Names::new();
    let mut units = UnitContext::default();
    let mut rows = 0u64;
    let notes = scan(&args.input, &mut names, |src, rec, names: &Names| {
        units.learn(src, rec);
        let common = |o: &mut serde_json::Map<String, Value>| {
            o.insert("file".into(), src.name().into());
            o.insert("sample".into(), rec.index.into());
            o.insert("line".into(), rec.text_line().into());
            o.insert("value".into(), json::amount(rec.value.centi));
            o.insert("unit".into(), units.unit_name().into());
            o.insert("value_text".into(), rec.value_text().into());
        };
        if args.frames {
            for (i, f) in rec.frames.iter().enumerate() {
                let mut o = serde_json::Map::new();
                common(&mut o);
                o.insert("position".into(), i.into());
                o.insert("frame".into(), names.get(f.name).into());
                o.insert("inline".into(), f.inline.into());
                stream.row(&Value::Object(o))?;
            }
        } else {
            let mut o = serde_json::Map::new();
            common(&mut o);
            o.insert("leaf".into(), rec.leaf().map_or("", |f| names.get(f.name)).into());
            o.insert("depth".into(), rec.frames.len().into());
            o.insert("frames".into(), json::frames(&rec.frames, names));
            o.insert("labels".into(), json::labels(rec));
            stream.row(&Value::Object(o))?;
        }
        rows += 1;
        Ok(())
    })?;
    stream.finish()?;
    let mut outcome = Outcome { matched: rows > 0, notes };
    if rows == 0 {
        outcome.notes.push("no samples".to_owned());
    }
    Ok(outcome)
}

/// Replaces a buffer's text.
fn set(buf: &mut String, text: std::fmt::Arguments<'_>) {
    use std::fmt::Write as _;
    buf.clear();
    let _ = buf.write_fmt(text);
}
