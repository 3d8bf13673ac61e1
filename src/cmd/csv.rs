//! `traces-tool csv`: one row per sample (or per frame with `--frames`),
//! values as exact numbers in the base unit, for spreadsheets and scripts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use clap::Args;

use crate::cmd::{formats, scan, Format, InputArgs, Outcome, UnitContext};
use crate::error::Result;
use crate::output::sheet::{bool_cell, Kind, Sheet, SheetOptions};
use crate::record::{Names, Record};
use crate::units::{parse_value, DecimalCenti, Dimension};

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

/// Samples held to learn the label keys when the input cannot be read twice.
pub const LABEL_SCAN_SAMPLES: usize = 10_000;

/// What the values of one label key look like.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct KeyShape {
    /// Every value seen reads as a pprof amount.
    numeric: bool,
    /// Some value has a unit (`2kB`), or a sample has several values.
    needs_text: bool,
}

/// The label columns: every key seen, sorted, with its shape.
#[derive(Clone, Debug, Default)]
pub struct LabelColumns {
    keys: BTreeMap<String, KeyShape>,
}

impl LabelColumns {
    /// Learns the keys and shapes of a record's labels.
    pub fn learn(&mut self, rec: &Record) {
        for (key, values) in rec.labels() {
            let shape = shape_of(values);
            match self.keys.get_mut(key) {
                Some(known) => {
                    known.numeric &= shape.numeric;
                    known.needs_text |= shape.needs_text;
                }
                None => {
                    self.keys.insert(key.to_owned(), shape);
                }
            }
        }
    }

    /// The column names and kinds, in order.
    pub fn columns(&self) -> Vec<(String, Kind)> {
        let mut out = Vec::new();
        for (key, shape) in &self.keys {
            if shape.numeric {
                out.push((format!("label:{key}"), Kind::Number));
                if shape.needs_text {
                    out.push((format!("label:{key}:text"), Kind::Text));
                }
            } else {
                out.push((format!("label:{key}"), Kind::Text));
            }
        }
        out
    }

    /// Number of columns.
    fn width(&self) -> usize {
        self.keys.values().map(|s| 1 + usize::from(s.numeric && s.needs_text)).sum()
    }

    /// Fills a record's label cells, one per column.
    fn cells<'a>(&self, rec: &Record, cells: &mut impl Iterator<Item = &'a mut String>) {
        let mut next = || {
            let cell = cells.next().expect("a cell per column");
            cell.clear();
            cell
        };
        for (key, shape) in &self.keys {
            let values = rec.label(key).unwrap_or_default();
            if shape.numeric {
                let cell = next();
                // One number per cell: several values stay in the text.
                if !values.contains(' ') {
                    if let Ok(v) = parse_value(values) {
                        let _ = write!(cell, "{}", DecimalCenti(v.centi));
                    }
                }
                if shape.needs_text {
                    next().push_str(values);
                }
            } else {
                next().push_str(values);
            }
        }
    }
}

/// The shape of one label's values: numeric when every value reads as a
/// pprof amount (`bytes:  1.50kB 2kB` holds two).
fn shape_of(values: &str) -> KeyShape {
    if values.is_empty() {
        return KeyShape::default();
    }
    let (mut count, mut unit) = (0, false);
    for v in values.split(' ') {
        match parse_value(v) {
            Ok(p) => {
                count += 1;
                unit |=
                    matches!(p.dim, Dimension::Bytes | Dimension::Nanoseconds | Dimension::Other);
            }
            Err(_) => return KeyShape::default(),
        }
    }
    KeyShape { numeric: true, needs_text: unit || count > 1 }
}

/// True when every input can be opened twice: regular files only.
fn rereadable(files: &[String]) -> bool {
    !files.is_empty()
        && files.iter().all(|f| f != "-" && std::fs::metadata(f).is_ok_and(|m| m.is_file()))
}

/// One row of the per-sample output, written into reused cells.
fn sample_cells(
    cells: &mut Vec<String>,
    file: &str,
    rec: &Record,
    names: &Names,
    unit: &str,
    labels: &LabelColumns,
) {
    cells.resize_with(SAMPLE_COLUMNS.len() + labels.width(), String::new);
    let mut it = cells.iter_mut();
    let mut next = || {
        let cell = it.next().expect("a cell per column");
        cell.clear();
        cell
    };
    next().push_str(file);
    let _ = write!(next(), "{}", rec.index);
    let line = next();
    if let Some(l) = rec.text_line() {
        let _ = write!(line, "{l}");
    }
    let _ = write!(next(), "{}", DecimalCenti(rec.value.centi));
    next().push_str(unit);
    next().push_str(rec.value_text());
    next().push_str(rec.leaf().map_or("", |f| names.get(f.name)));
    let _ = write!(next(), "{}", rec.frames.len());
    let stack = next();
    for (i, f) in rec.frames.iter().rev().enumerate() {
        if i > 0 {
            stack.push(';');
        }
        stack.push_str(names.get(f.name));
    }
    let joined = next();
    for (i, (k, v)) in rec.labels().enumerate() {
        if i > 0 {
            joined.push_str("; ");
        }
        joined.push_str(k);
        joined.push('=');
        joined.push_str(v);
    }
    next().push_str(bool_cell(rec.value.is_exact()));
    labels.cells(rec, &mut it);
}

/// Runs the command.
pub fn run(args: &CsvArgs, out: &mut dyn Write) -> Result<Outcome> {
    match args.format {
        Format::Csv => {}
        Format::Json | Format::Ndjson => return run_json(args, out),
        Format::Text => crate::output::json::require(args.format, &[Format::Csv], "csv")?,
    }
    if args.frames {
        return run_frames(args, out);
    }
    let options = args.input.sheet_options();
    let mut labels = LabelColumns::default();
    // Exact label columns: a first pass learns the keys when the inputs
    // can be read again.
    let two_pass = rereadable(&args.input.files);
    if two_pass {
        scan(&args.input.inputs(), &mut Names::new(), |_, rec, _| {
            labels.learn(rec);
            Ok(())
        })?;
    }
    let mut sheet: Option<Sheet<&mut dyn Write>> = None;
    let mut out = Some(out);
    // Held records (standard input) until the label keys are known.
    let mut held: Vec<(String, String, Record)> = Vec::new();
    let mut late_keys: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut names = Names::new();
    let mut units = UnitContext::default();
    let mut rows = 0u64;
    let mut cells = Vec::new();
    let notes = scan(&args.input.inputs(), &mut names, |src, rec, names: &Names| {
        units.learn(src, rec);
        if sheet.is_none() {
            if !two_pass && held.len() < LABEL_SCAN_SAMPLES {
                labels.learn(rec);
                held.push((src.name().to_owned(), units.unit_name().to_owned(), rec.clone()));
                return Ok(());
            }
            let mut s = start_sheet(&labels, &mut out, options);
            for (file, unit, rec) in held.drain(..) {
                sample_cells(&mut cells, &file, &rec, names, &unit, &labels);
                s.row(&cells)?;
                rows += 1;
            }
            sheet = Some(s);
        }
        let s = sheet.as_mut().expect("started");
        if !two_pass {
            for (key, _) in rec.labels() {
                if !labels.keys.contains_key(key) && !late_keys.contains_key(key) {
                    late_keys.insert(key.to_owned(), (src.name().to_owned(), rec.index));
                }
            }
        }
        sample_cells(&mut cells, src.name(), rec, names, units.unit_name(), &labels);
        s.row(&cells)?;
        rows += 1;
        Ok(())
    })?;
    let mut s = match sheet {
        Some(s) => s,
        None => start_sheet(&labels, &mut out, options),
    };
    for (file, unit, rec) in held.drain(..) {
        sample_cells(&mut cells, &file, &rec, &names, &unit, &labels);
        s.row(&cells)?;
        rows += 1;
    }
    s.flush()?;
    let mut outcome = Outcome { matched: rows > 0, notes };
    for (key, (file, sample)) in late_keys {
        outcome.notes.push(format!(
            "{file}: label {key:?} first appears at sample {sample}, after the label columns \
             were fixed from the first {LABEL_SCAN_SAMPLES} samples: it is in the `labels` \
             column only (give the input as a FILE for exact label columns)"
        ));
    }
    if rows == 0 {
        outcome.notes.push("no samples".to_owned());
    }
    Ok(outcome)
}

/// The per-sample sheet, once the label columns are known.
fn start_sheet<'a>(
    labels: &LabelColumns,
    out: &mut Option<&'a mut dyn Write>,
    options: SheetOptions,
) -> Sheet<&'a mut dyn Write> {
    let columns = SAMPLE_COLUMNS.iter().map(|&(n, k)| (n.to_owned(), k));
    let out = out.take().expect("one sheet");
    Sheet::new(out, columns.chain(labels.columns()), options)
}

/// `--frames`: one row per frame.
fn run_frames(args: &CsvArgs, out: &mut dyn Write) -> Result<Outcome> {
    let mut sheet = Sheet::new(out, FRAME_COLUMNS, args.input.sheet_options());
    let mut names = Names::new();
    let mut units = UnitContext::default();
    let mut rows = 0u64;
    // Buffers reused from row to row.
    let (mut value, mut sample, mut line, mut position) =
        (String::new(), String::new(), String::new(), String::new());
    let notes = scan(&args.input.inputs(), &mut names, |src, rec, names: &Names| {
        units.learn(src, rec);
        set(&mut value, format_args!("{}", DecimalCenti(rec.value.centi)));
        set(&mut sample, format_args!("{}", rec.index));
        line.clear();
        if let Some(l) = rec.text_line() {
            set(&mut line, format_args!("{l}"));
        }
        let unit = units.unit_name();
        let exact = bool_cell(rec.value.is_exact());
        for (i, f) in rec.frames.iter().enumerate() {
            set(&mut position, format_args!("{i}"));
            sheet.row([
                src.name(),
                &sample,
                &line,
                &value,
                unit,
                rec.value_text(),
                &position,
                names.get(f.name),
                bool_cell(f.inline),
                exact,
            ])?;
        }
        rows += 1;
        Ok(())
    })?;
    sheet.flush()?;
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
    use crate::output::json::{self, RowStream};
    use serde_json::Value;
    let key = if args.frames { "frames" } else { "samples" };
    let mut stream = RowStream::start(out, args.format == Format::Ndjson, json::object([]), key)?;
    let mut names = Names::new();
    let mut units = UnitContext::default();
    let mut rows = 0u64;
    let notes = scan(&args.input.inputs(), &mut names, |src, rec, names: &Names| {
        units.learn(src, rec);
        let common = |o: &mut serde_json::Map<String, Value>| {
            o.insert("file".into(), src.name().into());
            o.insert("sample".into(), rec.index.into());
            o.insert("line".into(), rec.text_line().into());
            o.insert("value".into(), json::amount(rec.value.centi));
            o.insert("unit".into(), units.unit_name().into());
            o.insert("value_text".into(), rec.value_text().into());
            o.insert("exact".into(), rec.value.is_exact().into());
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
