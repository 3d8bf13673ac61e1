//! `csv`'s view: a row per sample (or per frame) as CSV with a column per
//! label key, or as JSON and NDJSON objects, streamed as they are read.

use std::io::Write;

use crate::analysis::csv::{CsvRow, LabelColumns, SampleRow};
use crate::error::Result;
use crate::output::json::{self, RowStream};
use crate::output::rows::CsvRows;
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::Out;
use crate::output::Format;

/// The formats `csv` writes.
pub const FORMATS: &[Format] = &[Format::Csv, Format::Json, Format::Ndjson];

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

/// `csv`'s output as rows come in: [`SamplesView::row`] for each, then
/// [`SamplesView::finish`].
pub struct SamplesView<'o, 'a> {
    sink: Sink<'o, 'a>,
    frames: bool,
    sheet: SheetOptions,
}

/// Where a [`SamplesView`] writes.
enum Sink<'o, 'a> {
    /// CSV before its first row: the label columns come with it.
    Waiting(Option<&'o mut Out<'a>>),
    Csv(Box<CsvRows<'static, &'o mut Out<'a>>>),
    Json(RowStream<'o>),
}

impl<'o, 'a> SamplesView<'o, 'a> {
    /// A view writing `format` to `out` (JSON's head at once).
    pub fn new(
        format: Format,
        frames: bool,
        sheet: SheetOptions,
        out: &'o mut Out<'a>,
    ) -> Result<Self> {
        json::require(format, FORMATS, "csv")?;
        let sink = match format {
            Format::Json | Format::Ndjson => {
                let key = if frames { "frames" } else { "samples" };
                let lines = format == Format::Ndjson;
                Sink::Json(RowStream::start(out, lines, json::object([]), key)?)
            }
            _ => Sink::Waiting(Some(out)),
        };
        Ok(SamplesView { sink, frames, sheet })
    }

    /// Writes one row.
    pub fn row(&mut self, row: &CsvRow<'_>) -> Result<()> {
        if let Sink::Waiting(_) = self.sink {
            let labels = match row {
                CsvRow::Sample(s) => s.label_cells.1,
                CsvRow::Frame(_) => &LabelColumns::default(),
            };
            self.start(labels);
        }
        match (&mut self.sink, row) {
            (Sink::Csv(csv), CsvRow::Sample(s)) => csv.row_with(s, &s.label_cells),
            (Sink::Csv(csv), CsvRow::Frame(f)) => csv.row(f),
            // The row as it serializes, less the CSV's folded stack: the
            // fields of SAMPLE_JSON_FIELDS, in their order.
            (Sink::Json(stream), CsvRow::Sample(s)) => {
                stream.row(&SampleRow { stack: None, ..(*s).clone() })
            }
            (Sink::Json(stream), CsvRow::Frame(f)) => stream.row(f),
            (Sink::Waiting(_), _) => Ok(()),
        }
    }

    /// Ends the output; a CSV without rows gets its header, with the label
    /// columns the reading found.
    pub fn finish(mut self, labels: &LabelColumns) -> Result<()> {
        if let Sink::Waiting(_) = self.sink {
            self.start(labels);
        }
        match self.sink {
            Sink::Csv(csv) => csv.finish(),
            Sink::Json(stream) => stream.finish(),
            Sink::Waiting(_) => Ok(()),
        }
    }

    /// Starts the CSV, once the label columns are known.
    fn start(&mut self, labels: &LabelColumns) {
        let out = match &mut self.sink {
            Sink::Waiting(out) => out.take(),
            _ => None,
        };
        if let Some(out) = out {
            self.sink = Sink::Csv(Box::new(start_csv(out, self.frames, labels, self.sheet)));
        }
    }
}

/// The CSV writer, once the label columns are known.
fn start_csv<W: Write>(
    out: W,
    frames: bool,
    labels: &LabelColumns,
    sheet: SheetOptions,
) -> CsvRows<'static, W> {
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
