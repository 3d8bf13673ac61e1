//! `csv`: every sample (or every frame of every sample) as a row, values
//! as exact numbers in the base unit, streamed to a callback as the inputs
//! are read. Also the serialized views of a record's parts that other
//! record-level rows share ([`RecordLabels`], [`RecordFrames`],
//! [`FoldedStack`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::analysis::facts::UnitContext;
use crate::analysis::folded::{folded_name, push_folded_name};
use crate::analysis::scan::{scan, Inputs};
use crate::error::Result;
use crate::record::{Frame, Names, Record};
use crate::units::Amount;
use crate::units::{parse_value, Dimension};

/// A record's labels, serialized as an object `{key: values}` in printed
/// order (in a CSV cell: `key=values` joined by `; `).
#[derive(Clone, Copy, Debug)]
pub struct RecordLabels<'a>(pub &'a Record);

impl Serialize for RecordLabels<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.label_count()))?;
        for (k, v) in self.0.labels() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A stack, leaf first, serialized as `[{"name": str, "inline": bool}, ...]`.
#[derive(Clone, Copy, Debug)]
pub struct RecordFrames<'a>(pub &'a [Frame], pub &'a Names);

impl Serialize for RecordFrames<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        struct One<'a>(&'a str, bool);
        impl Serialize for One<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                let mut frame = s.serialize_struct("Frame", 2)?;
                frame.serialize_field("name", self.0)?;
                frame.serialize_field("inline", &self.1)?;
                frame.end()
            }
        }
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for f in self.0 {
            seq.serialize_element(&One(self.1.get(f.name), f.inline))?;
        }
        seq.end()
    }
}

/// A record's stack, root first, frames joined by `;` (Brendan Gregg's
/// folded order, a `;` inside a name written as
/// [`crate::analysis::folded::SEMICOLON_STAND_IN`]); serialized as that
/// text.
#[derive(Clone, Copy, Debug)]
pub struct FoldedStack<'a>(pub &'a Record, pub &'a Names);

impl fmt::Display for FoldedStack<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, frame) in self.0.frames.iter().rev().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            f.write_str(&folded_name(self.1.get(frame.name)))?;
        }
        Ok(())
    }
}

impl Serialize for FoldedStack<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        thread_local! {
            /// The text of the last stack, its buffer reused row after row.
            static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        TEXT.with_borrow_mut(|text| {
            text.clear();
            for (i, frame) in self.0.frames.iter().rev().enumerate() {
                if i > 0 {
                    text.push(';');
                }
                push_folded_name(text, self.1.get(frame.name));
            }
            serializer.serialize_str(text)
        })
    }
}

/// What [`samples`] writes.
#[derive(Clone, Copy, Debug)]
pub struct CsvOptions {
    /// One row per frame ([`CsvRow::Frame`]) instead of one per sample.
    pub frames: bool,
    /// Learn the label columns of the sample rows ([`LabelColumns`]): from
    /// what one binary profile knows of its labels before its first
    /// record, by a first pass over the inputs when they can be read
    /// twice, else from
    /// the first [`LABEL_SCAN_SAMPLES`] samples, held until then. Default
    /// true; without them every sample streams in one pass.
    pub label_columns: bool,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions { frames: false, label_columns: true }
    }
}

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

/// The label columns: every key seen, sorted, with its shape and the
/// names of its columns.
#[derive(Clone, Debug, Default)]
pub struct LabelColumns {
    keys: BTreeMap<String, (KeyShape, [String; 2])>,
}

impl LabelColumns {
    /// Learns the keys and shapes of a record's labels.
    pub fn learn(&mut self, rec: &Record) {
        for (key, values) in rec.labels() {
            self.learn_label(key, values);
        }
    }

    /// Learns the key and shape of one label (values as a record carries
    /// them).
    pub fn learn_label(&mut self, key: &str, values: &str) {
        let shape = shape_of(values);
        match self.keys.get_mut(key) {
            Some((known, _)) => {
                known.numeric &= shape.numeric;
                known.needs_text |= shape.needs_text;
            }
            None => {
                let names = [format!("label:{key}"), format!("label:{key}:text")];
                self.keys.insert(key.to_owned(), (shape, names));
            }
        }
    }

    /// Whether the columns have this key.
    pub fn contains(&self, key: &str) -> bool {
        self.keys.contains_key(key)
    }

    /// The column names, in order, each with true when it holds numbers:
    /// `label:KEY` (numbers for a numeric label), then `label:KEY:text`
    /// for numeric labels printed with a unit or with several values.
    pub fn columns(&self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        for (shape, [name, text]) in self.keys.values() {
            if shape.numeric {
                out.push((name.clone(), true));
                if shape.needs_text {
                    out.push((text.clone(), false));
                }
            } else {
                out.push((name.clone(), false));
            }
        }
        out
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

/// A record's label cells, one per column of its [`LabelColumns`],
/// serialized as a map from column name to cell.
#[derive(Clone, Copy, Debug)]
pub struct LabelCells<'a>(pub &'a Record, pub &'a LabelColumns);

impl Serialize for LabelCells<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, (shape, [column, text])) in &self.1.keys {
            let values = self.0.label(key).unwrap_or_default();
            if shape.numeric {
                // One number per cell: several values stay in the text.
                let number = (!values.contains(' '))
                    .then(|| parse_value(values).ok())
                    .flatten()
                    .map(|v| Amount(v.centi));
                map.serialize_entry(column, &number)?;
                if shape.needs_text {
                    map.serialize_entry(text, values)?;
                }
            } else {
                map.serialize_entry(column, values)?;
            }
        }
        map.end()
    }
}

/// A sample as a row: the fields of the JSON `ROW`, then `stack`, which
/// only CSV shows, as it shows the label columns ([`LabelCells`]).
#[derive(Clone, Debug, Serialize)]
pub struct SampleRow<'a> {
    /// The input.
    pub file: &'a str,
    /// The sample's number in its input (1-based).
    pub sample: u64,
    /// The line of its value, for text inputs.
    pub line: Option<u64>,
    /// Its value, exact.
    pub value: Amount,
    /// The unit of values: `bytes`, `nanoseconds`, `count` or a name.
    pub unit: &'a str,
    /// The value as printed.
    pub value_text: &'a str,
    /// False when pprof rounded the value.
    pub exact: bool,
    /// The leaf frame's name.
    pub leaf: &'a str,
    /// Frames in the stack.
    pub depth: usize,
    /// The stack, leaf first.
    pub frames: RecordFrames<'a>,
    /// The labels.
    pub labels: RecordLabels<'a>,
    /// The stack, root first, `;`-separated (a CSV column; `None` leaves it
    /// out of JSON rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<FoldedStack<'a>>,
    /// One cell per label column (CSV writes them after the row's fields).
    #[serde(skip)]
    pub label_cells: LabelCells<'a>,
}

/// The fields of a sample `ROW` in JSON.
pub const SAMPLE_JSON_FIELDS: [&str; 11] = [
    "file",
    "sample",
    "line",
    "value",
    "unit",
    "value_text",
    "exact",
    "leaf",
    "depth",
    "frames",
    "labels",
];

/// A frame of a sample as a row (`--frames`).
#[derive(Clone, Debug, Serialize)]
pub struct FrameRow<'a> {
    /// The input.
    pub file: &'a str,
    /// The sample's number in its input (1-based).
    pub sample: u64,
    /// The line of its value, for text inputs.
    pub line: Option<u64>,
    /// The sample's value, exact.
    pub value: Amount,
    /// The unit of values.
    pub unit: &'a str,
    /// The value as printed.
    pub value_text: &'a str,
    /// False when pprof rounded the value.
    pub exact: bool,
    /// The frame's index in the stack (0 = leaf).
    pub position: usize,
    /// The frame's name.
    pub frame: &'a str,
    /// Whether the frame was inlined.
    pub inline: bool,
}

/// A row of [`samples`].
#[derive(Clone, Debug)]
pub enum CsvRow<'a> {
    /// A sample.
    Sample(SampleRow<'a>),
    /// A frame of a sample (`--frames`).
    Frame(FrameRow<'a>),
}

/// What [`samples`] found besides its rows.
#[derive(Clone, Debug, Default)]
pub struct CsvSummary {
    /// Samples read (and kept by the filters).
    pub samples: u64,
    /// The label columns of the sample rows.
    pub labels: LabelColumns,
    /// The units of the values.
    pub units: UnitContext,
    /// Lines for stderr: what a lenient read skipped, label keys first
    /// seen after the label columns were fixed, `no samples`.
    pub notes: Vec<String>,
}

/// True when every input can be opened twice: regular files only.
fn rereadable(files: &[String]) -> bool {
    !files.is_empty()
        && files.iter().all(|f| f != "-" && std::fs::metadata(f).is_ok_and(|m| m.is_file()))
}

/// A sample's row.
fn sample_row<'a>(
    file: &'a str,
    rec: &'a Record,
    names: &'a Names,
    unit: &'a str,
    labels: &'a LabelColumns,
) -> SampleRow<'a> {
    SampleRow {
        file,
        sample: rec.index,
        line: rec.text_line(),
        value: Amount(rec.value.centi),
        unit,
        value_text: rec.value_text(),
        exact: rec.value.is_exact(),
        leaf: rec.leaf().map_or("", |f| names.get(f.name)),
        depth: rec.frames.len(),
        frames: RecordFrames(&rec.frames, names),
        labels: RecordLabels(rec),
        stack: Some(FoldedStack(rec, names)),
        label_cells: LabelCells(rec, labels),
    }
}

/// Reads the inputs and hands `row` every sample (or, with
/// `options.frames`, every frame of every sample) as it is read. With
/// label columns, the first row comes once they are known
/// ([`CsvOptions::label_columns`]); every row carries them.
///
/// ```
/// use traces_tool::analysis::csv::{samples, CsvOptions, CsvRow};
/// use traces_tool::analysis::scan::Inputs;
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     bytes:  352B\n",
///     "   21.01MB   net/textproto.(*Reader).ReadMIMEHeader\n",
///     "             net/http.readRequest\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join("traces-tool-csv-doc.txt");
/// std::fs::write(&path, report)?;
/// let mut rows = Vec::new();
/// let summary = samples(&Inputs::files([path.to_str().unwrap()]), &CsvOptions::default(), |row| {
///     if let CsvRow::Sample(s) = row {
///         rows.push((s.value, s.stack.unwrap().to_string()));
///     }
///     Ok(())
/// })?;
/// assert_eq!(summary.samples, 1);
/// assert_eq!(summary.labels.columns()[0].0, "label:bytes");
/// assert_eq!(rows[0].0 .0, 2101 * 1024 * 1024); // hundredths of a byte
/// assert_eq!(rows[0].1, "net/http.readRequest;net/textproto.(*Reader).ReadMIMEHeader");
/// # Ok::<(), traces_tool::error::Error>(())
/// ```
pub fn samples(
    inputs: &Inputs,
    options: &CsvOptions,
    mut row: impl FnMut(CsvRow<'_>) -> Result<()>,
) -> Result<CsvSummary> {
    let mut names = Names::new();
    let mut units = UnitContext::default();
    let mut count = 0u64;
    let mut labels = LabelColumns::default();
    if options.frames || !options.label_columns {
        let notes = scan(inputs, &mut names, |src, rec, names: &Names| {
            units.learn(src, rec);
            let unit = units.unit_name();
            if options.frames {
                for (i, f) in rec.frames.iter().enumerate() {
                    row(CsvRow::Frame(FrameRow {
                        file: src.name(),
                        sample: rec.index,
                        line: rec.text_line(),
                        value: Amount(rec.value.centi),
                        unit,
                        value_text: rec.value_text(),
                        exact: rec.value.is_exact(),
                        position: i,
                        frame: names.get(f.name),
                        inline: f.inline,
                    }))?;
                }
            } else {
                row(CsvRow::Sample(sample_row(src.name(), rec, names, unit, &labels)))?;
            }
            count += 1;
            Ok(())
        })?;
        return Ok(finish(count, labels, units, notes, BTreeMap::new()));
    }
    // Exact label columns: a first pass learns the keys when the inputs
    // can be read again; but one input that knows its labels before its
    // first record (a binary profile), without filters that could drop
    // some, is read once, its columns fixed from what it knows.
    let two_pass = rereadable(&inputs.files);
    if two_pass {
        let one_input = inputs.files.len() == 1 && inputs.filters.active().is_empty();
        let mut one_pass: Option<bool> = None;
        let notes = scan(inputs, &mut names, |src, rec, names: &Names| {
            let once = *one_pass.get_or_insert_with(|| match src.label_texts() {
                Some(texts) if one_input => {
                    for (key, values) in texts {
                        labels.learn_label(key, values);
                    }
                    true
                }
                _ => false,
            });
            if !once {
                labels.learn(rec);
                return Ok(());
            }
            units.learn(src, rec);
            row(CsvRow::Sample(sample_row(src.name(), rec, names, units.unit_name(), &labels)))?;
            count += 1;
            Ok(())
        })?;
        if one_pass == Some(true) {
            return Ok(finish(count, labels, units, notes, BTreeMap::new()));
        }
    }
    // Held records (standard input) until the label keys are known.
    let mut held: Vec<(String, String, Record)> = Vec::new();
    let mut fixed = two_pass;
    let mut late_keys: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let notes = scan(inputs, &mut names, |src, rec, names: &Names| {
        units.learn(src, rec);
        if !fixed {
            if held.len() < LABEL_SCAN_SAMPLES {
                labels.learn(rec);
                held.push((src.name().to_owned(), units.unit_name().to_owned(), rec.clone()));
                return Ok(());
            }
            fixed = true;
            for (file, unit, rec) in held.drain(..) {
                row(CsvRow::Sample(sample_row(&file, &rec, names, &unit, &labels)))?;
                count += 1;
            }
        }
        if !two_pass {
            for (key, _) in rec.labels() {
                if !labels.contains(key) && !late_keys.contains_key(key) {
                    late_keys.insert(key.to_owned(), (src.name().to_owned(), rec.index));
                }
            }
        }
        row(CsvRow::Sample(sample_row(src.name(), rec, names, units.unit_name(), &labels)))?;
        count += 1;
        Ok(())
    })?;
    for (file, unit, rec) in held.drain(..) {
        row(CsvRow::Sample(sample_row(&file, &rec, &names, &unit, &labels)))?;
        count += 1;
    }
    Ok(finish(count, labels, units, notes, late_keys))
}

/// The summary, with the notes on late label keys and on no samples.
fn finish(
    samples: u64,
    labels: LabelColumns,
    units: UnitContext,
    mut notes: Vec<String>,
    late_keys: BTreeMap<String, (String, u64)>,
) -> CsvSummary {
    for (key, (file, sample)) in late_keys {
        notes.push(format!(
            "{file}: label {key:?} first appears at sample {sample}, after the label columns \
             were fixed from the first {LABEL_SCAN_SAMPLES} samples: it is in the `labels` \
             column only (give the input as a FILE for exact label columns)"
        ));
    }
    if samples == 0 {
        notes.push("no samples".to_owned());
    }
    CsvSummary { samples, labels, units, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary profile read once gets the label columns a first pass over
    /// its records learns, and as many rows.
    #[test]
    fn one_pass_over_a_profile_learns_the_columns_of_two() {
        let mut profiles = 0;
        for dir in std::fs::read_dir("samples").unwrap() {
            for file in std::fs::read_dir(dir.unwrap().path()).into_iter().flatten() {
                let path = file.unwrap().path();
                if !path.to_string_lossy().ends_with(".pb.gz") {
                    continue;
                }
                let inputs = Inputs::files([path.to_str().unwrap()]);
                let mut learned = LabelColumns::default();
                let mut records = 0u64;
                scan(&inputs, &mut Names::new(), |_, rec, _| {
                    learned.learn(rec);
                    records += 1;
                    Ok(())
                })
                .unwrap();
                let mut rows = 0u64;
                let summary = samples(&inputs, &CsvOptions::default(), |_| {
                    rows += 1;
                    Ok(())
                })
                .unwrap();
                assert_eq!(summary.labels.columns(), learned.columns(), "{path:?}");
                assert_eq!((summary.samples, rows), (records, records), "{path:?}");
                profiles += 1;
            }
        }
        assert!(profiles > 5, "samples/ holds binary profiles");
    }
}
