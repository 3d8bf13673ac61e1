//! `traces-tool csv`: one row per sample (or per frame with `--frames`),
//! values as exact numbers in the base unit, for spreadsheets and scripts.

use std::io::Write;

use clap::Args;

pub use crate::analysis::csv::{LabelColumns, LABEL_SCAN_SAMPLES};

use crate::analysis::csv::{samples, CsvOptions, CsvRow, SampleRow};
use crate::cmd::{formats, Format, InputArgs, Outcome};
use crate::error::Result;
use crate::output::json::{self, RowStream};
use crate::output::rows::CsvRows;
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::Out;

/// Samples as CSV records; the columns are described in [`CSV_HELP`].
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct CsvArgs {
    /// One row per frame instead of one per sample.
    #[arg(long)]
    pub frames: bool,
    /// Output format: `csv`, `json` (one document) or `ndjson` (one object
    /// per row); see the JSON schema below.
    #[arg(long, value_parser = formats(CSV_FORMATS), default_value = "csv")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// The formats `csv` writes.
const CSV_FORMATS: &[Format] = &[Format::Csv, Format::Json, Format::Ndjson];

/// The columns of the output, shown by `--help` before the JSON schema.
pub const CSV_HELP: &str = "\
CSV columns: file, sample (1-based, per file: the block of a traces
report, the sample's place in a binary profile or `-raw` text), line (of
the value line; empty for a binary profile or `-raw` text, which have
none), value (exact, in the base unit: bytes, nanoseconds or a count; two
decimals at most when pprof rounded it), unit, value_text (as printed),
leaf, depth, stack (root first, `;`-separated: the folded-stack order),
labels (`key=values` joined by `; `), exact (`false` when pprof rounded
the value: it is then known to ±half a hundredth of its printed unit),
then one column per label key, sorted by key:

  label:KEY        a string label's values as printed; for a numeric
                   label (every value reads as a pprof amount: `2kB`,
                   `1.50ms`, `3`) the number in the base unit, bytes
                   1024-based (`2kB` is 2048); empty when the sample has
                   no such label, or holds several numbers
  label:KEY:text   for numeric labels printed with a unit or with several
                   values: the values as printed (`2kB`)

Label numbers are read from the printed text, which pprof rounds to two
decimals of its unit as it does values (`1.50kB`).

The label columns are exact when every FILE is a regular file: the
inputs are read twice, once to learn the keys. From standard input or a
pipe, the columns come from the first 10000 samples (held in memory); a
key first seen later is only in `labels`, and a note on stderr says so.

With `--frames`: file, sample, line, value, unit, value_text, position
(0 = leaf), frame, inline, exact.

Text cells a spreadsheet would evaluate or read as numbers get a
leading `'` (see `--csv-raw-text`).";

/// The columns, then the JSON schema.
fn after_long_help() -> String {
    format!("{CSV_HELP}\n\n{JSON_SCHEMA}")
}

/// The header row of the per-sample output, before the label columns.
pub const SAMPLE_COLUMNS: [(&str, Kind); 11] = [
    ("file", Kind::Text),
    ("sample", Kind::Number),
    ("line", Kind::Number),
    ("value", Kind::Number),
    ("unit", Kind::Text),
    ("value_text", Kind::Text),
    ("leaf", Kind::Text),
    ("depth", Kind::Number),
    ("stack", Kind::Text),
    ("labels", Kind::Text),
    ("exact", Kind::Bool),
];

/// The header row of the `--frames` output.
pub const FRAME_COLUMNS: [(&str, Kind); 10] = [
    ("file", Kind::Text),
    ("sample", Kind::Number),
    ("line", Kind::Number),
    ("value", Kind::Number),
    ("unit", Kind::Text),
    ("value_text", Kind::Text),
    ("position", Kind::Number),
    ("frame", Kind::Text),
    ("inline", Kind::Bool),
    ("exact", Kind::Bool),
];

/// Runs the command.
pub fn run(args: &CsvArgs, out: &mut Out<'_>) -> Result<Outcome> {
    match args.format {
        Format::Csv => {}
        Format::Json | Format::Ndjson => return run_json(args, out),
        Format::Text => json::require(args.format, &[Format::Csv], "csv")?,
    }
    let options = CsvOptions { frames: args.frames, label_columns: true };
    let sheet = args.input.sheet_options();
    let mut out = Some(out);
    // The sheet starts with the first row, once the label columns are known.
    let mut csv: Option<CsvRows<'_, &mut dyn Write>> = None;
    let summary = samples(&args.input.inputs(), &options, |row| {
        let csv = match &mut csv {
            Some(csv) => csv,
            None => {
                let labels = match &row {
                    CsvRow::Sample(s) => s.label_cells.1,
                    CsvRow::Frame(_) => &LabelColumns::default(),
                };
                let out = out.take().expect("one sheet");
                csv.insert(start_csv(out, args.frames, labels, sheet))
            }
        };
        match &row {
            CsvRow::Sample(s) => csv.row_with(s, &s.label_cells),
            CsvRow::Frame(f) => csv.row(f),
        }
    })?;
    match csv {
        Some(csv) => csv.finish()?,
        None => {
            let out = out.take().expect("one sheet");
            start_csv(out, args.frames, &summary.labels, sheet).finish()?;
        }
    }
    Ok(Outcome { matched: summary.samples > 0, notes: summary.notes })
}

/// The CSV writer, once the label columns are known.
fn start_csv<'a>(
    out: &'a mut dyn Write,
    frames: bool,
    labels: &LabelColumns,
    sheet: SheetOptions,
) -> CsvRows<'static, &'a mut dyn Write> {
    let shared = serde_json::Map::new();
    if frames {
        CsvRows::with_columns(out, FRAME_COLUMNS, shared, sheet)
    } else {
        let columns = SAMPLE_COLUMNS.iter().map(|&(n, k)| (n.to_owned(), k));
        CsvRows::with_columns(
            out,
            columns.chain(
                labels
                    .columns()
                    .into_iter()
                    .map(|(name, numeric)| (name, if numeric { Kind::Number } else { Kind::Text })),
            ),
            shared,
            sheet,
        )
    }
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
   \"value_text\": str (as printed), \"exact\": bool (false when pprof rounded
   the value), \"leaf\": str, \"depth\": int,
   \"frames\": [{\"name\": str, \"inline\": bool}, ...] (leaf first),
   \"labels\": {key: values as printed}}
With --frames, a ROW per frame:
  {\"file\", \"sample\", \"line\", \"value\", \"unit\", \"value_text\", \"exact\",
   \"position\": int (0 = leaf), \"frame\": str, \"inline\": bool}
Amounts are exact JSON numbers in the base unit: integers, or at most two
decimals when pprof rounded the value (21.01MB is 22030581.76).";

/// `--format json` and `--format ndjson`: the rows of the CSV output as
/// JSON objects, streamed.
fn run_json(args: &CsvArgs, out: &mut dyn Write) -> Result<Outcome> {
    let key = if args.frames { "frames" } else { "samples" };
    let mut stream = RowStream::start(out, args.format == Format::Ndjson, json::object([]), key)?;
    let options = CsvOptions { frames: args.frames, label_columns: false };
    let summary = samples(&args.input.inputs(), &options, |row| match &row {
        // The row as it serializes, less the CSV's folded stack: the fields
        // of SAMPLE_JSON_FIELDS, in their order.
        CsvRow::Sample(s) => stream.row(&SampleRow { stack: None, ..s.clone() }),
        CsvRow::Frame(f) => stream.row(f),
    })?;
    stream.finish()?;
    Ok(Outcome { matched: summary.samples > 0, notes: summary.notes })
}
