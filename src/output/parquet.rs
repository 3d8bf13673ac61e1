//! Samples as an Apache Parquet table ([`ParquetWriter`]), the columnar
//! file DuckDB, Polars, Spark, Trino and BigQuery read directly: one row
//! per sample, or one per frame of every sample ([`Table::Frames`]). Rows
//! are buffered by column and written in row groups as they come, so the
//! memory held is a row group's, whatever the size of the inputs. The
//! schemas are [`SAMPLES_SCHEMA`] and [`FRAMES_SCHEMA`] (documented in
//! docs/parquet.md).
//!
//! Values are `DECIMAL(18,2)` in the base unit: the exact hundredths the
//! readers hold, as integers scaled by 100. Frames carry the function, and
//! the file and line where the input knows them: the `file:line` a
//! `-lines` report prints, or the source file of a binary profile's
//! function.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use crate::analysis::table::TableSample;
use crate::error::{Error, Result};
use crate::frame::FrameText;
use crate::record::{NameId, Names};

/// The schema of the table of samples (one row per sample).
pub const SAMPLES_SCHEMA: &str = "
message traces_tool_sample {
  REQUIRED BYTE_ARRAY input (STRING);
  REQUIRED INT64 sample;
  OPTIONAL INT64 time (TIMESTAMP(MICROS,true));
  OPTIONAL BYTE_ARRAY sample_type (STRING);
  REQUIRED BYTE_ARRAY unit (STRING);
  REQUIRED INT64 value (DECIMAL(18,2));
  REQUIRED BYTE_ARRAY value_text (STRING);
  REQUIRED BOOLEAN exact;
  REQUIRED GROUP labels (MAP) {
    REPEATED GROUP key_value {
      REQUIRED BYTE_ARRAY key (STRING);
      REQUIRED BYTE_ARRAY value (STRING);
    }
  }
  OPTIONAL BYTE_ARRAY leaf (STRING);
  REQUIRED INT32 depth;
  REQUIRED GROUP stack (LIST) {
    REPEATED GROUP list {
      REQUIRED GROUP element {
        REQUIRED BYTE_ARRAY name (STRING);
        OPTIONAL BYTE_ARRAY file (STRING);
        OPTIONAL INT64 line;
        REQUIRED BOOLEAN inline;
      }
    }
  }
}";

/// The schema of the table of frames (`--frames`: one row per frame of
/// every sample).
pub const FRAMES_SCHEMA: &str = "
message traces_tool_frame {
  REQUIRED BYTE_ARRAY input (STRING);
  REQUIRED INT64 sample;
  OPTIONAL INT64 time (TIMESTAMP(MICROS,true));
  OPTIONAL BYTE_ARRAY sample_type (STRING);
  REQUIRED BYTE_ARRAY unit (STRING);
  REQUIRED INT64 value (DECIMAL(18,2));
  REQUIRED BYTE_ARRAY value_text (STRING);
  REQUIRED BOOLEAN exact;
  REQUIRED GROUP labels (MAP) {
    REPEATED GROUP key_value {
      REQUIRED BYTE_ARRAY key (STRING);
      REQUIRED BYTE_ARRAY value (STRING);
    }
  }
  REQUIRED INT32 position;
  REQUIRED BYTE_ARRAY name (STRING);
  OPTIONAL BYTE_ARRAY file (STRING);
  OPTIONAL INT64 line;
  REQUIRED BOOLEAN inline;
}";

/// The columns written without statistics (either table's paths).
const NO_STATISTICS: [&str; 7] = [
    "value_text",
    "labels.key_value.key",
    "labels.key_value.value",
    "stack.list.element.name",
    "stack.list.element.file",
    "name",
    "file",
];

/// Which table a [`ParquetWriter`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Table {
    /// One row per sample, its stack a list of frames ([`SAMPLES_SCHEMA`]).
    #[default]
    Samples,
    /// One row per frame of every sample ([`FRAMES_SCHEMA`]).
    Frames,
}

/// How a [`ParquetWriter`] writes.
#[derive(Clone, Copy, Debug)]
pub struct ParquetOptions {
    /// The table.
    pub table: Table,
    /// A row group ends once it holds this many column values (each row's
    /// scalar columns, two per label, four per frame of a stack): the
    /// bound of the memory held.
    pub row_group_values: usize,
}

impl Default for ParquetOptions {
    fn default() -> ParquetOptions {
        ParquetOptions { table: Table::Samples, row_group_values: 4 << 20 }
    }
}

/// What a [`ParquetWriter`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParquetSummary {
    /// Rows written.
    pub rows: u64,
    /// Row groups written.
    pub row_groups: u64,
    /// Bytes written, footer included.
    pub bytes: u64,
}

/// The leaf columns of the schemas, each the buffer of [`Columns`] it is
/// written from.
#[derive(Clone, Copy, Debug)]
enum Col {
    Input,
    Sample,
    Time,
    SampleType,
    Unit,
    Value,
    ValueText,
    Exact,
    LabelKey,
    LabelValue,
    Leaf,
    Depth,
    Position,
    Name,
    File,
    Line,
    Inline,
}

/// The leaf columns of [`SAMPLES_SCHEMA`], in order.
const SAMPLE_LEAVES: [Col; 16] = [
    Col::Input,
    Col::Sample,
    Col::Time,
    Col::SampleType,
    Col::Unit,
    Col::Value,
    Col::ValueText,
    Col::Exact,
    Col::LabelKey,
    Col::LabelValue,
    Col::Leaf,
    Col::Depth,
    Col::Name,
    Col::File,
    Col::Line,
    Col::Inline,
];

/// The leaf columns of [`FRAMES_SCHEMA`], in order.
const FRAME_LEAVES: [Col; 15] = [
    Col::Input,
    Col::Sample,
    Col::Time,
    Col::SampleType,
    Col::Unit,
    Col::Value,
    Col::ValueText,
    Col::Exact,
    Col::LabelKey,
    Col::LabelValue,
    Col::Position,
    Col::Name,
    Col::File,
    Col::Line,
    Col::Inline,
];

/// The largest magnitude of a `DECIMAL(18,2)` value, in hundredths.
const MAX_CENTI: i128 = 999_999_999_999_999_999;

/// The values of one leaf column of a row group, with their definition
/// and repetition levels where the column has them.
#[derive(Debug)]
struct Column<T> {
    values: Vec<T>,
    def: Vec<i16>,
    rep: Vec<i16>,
}

impl<T> Default for Column<T> {
    fn default() -> Column<T> {
        Column { values: Vec::new(), def: Vec::new(), rep: Vec::new() }
    }
}

impl<T> Column<T> {
    /// A value of a required column.
    fn push(&mut self, v: T) {
        self.values.push(v);
    }

    /// A value or none of an optional column outside any list.
    fn push_opt(&mut self, v: Option<T>) {
        self.def.push(i16::from(v.is_some()));
        if let Some(v) = v {
            self.values.push(v);
        }
    }

    /// A level pair; the value, if any, is pushed apart.
    fn levels(&mut self, def: i16, rep: i16) {
        self.def.push(def);
        self.rep.push(rep);
    }

    fn clear(&mut self) {
        self.values.clear();
        self.def.clear();
        self.rep.clear();
    }

    fn def(&self) -> Option<&[i16]> {
        (!self.def.is_empty()).then_some(&self.def[..])
    }

    fn rep(&self) -> Option<&[i16]> {
        (!self.rep.is_empty()).then_some(&self.rep[..])
    }
}

/// A map column (`labels`): keys and values with shared levels.
#[derive(Debug, Default)]
struct MapColumn {
    keys: Column<ByteArray>,
    values: Column<ByteArray>,
}

/// The buffered row group: one [`Column`] per leaf column of the schema.
#[derive(Debug, Default)]
struct Columns {
    input: Column<ByteArray>,
    sample: Column<i64>,
    time: Column<i64>,
    sample_type: Column<ByteArray>,
    unit: Column<ByteArray>,
    value: Column<i64>,
    value_text: Column<ByteArray>,
    exact: Column<bool>,
    labels: MapColumn,
    // The samples table.
    leaf: Column<ByteArray>,
    depth: Column<i32>,
    // The stack's frames (samples) or the row's frame (frames).
    position: Column<i32>,
    name: Column<ByteArray>,
    file: Column<ByteArray>,
    line: Column<i64>,
    inline: Column<bool>,
}

/// A frame's parts as column values, made once per distinct name.
#[derive(Clone, Debug)]
struct FrameCells {
    function: ByteArray,
    /// The `file:line` printed after the function (`-lines`).
    file: Option<ByteArray>,
    line: Option<i64>,
}

/// Column values made once per name, not once per row.
#[derive(Debug, Default)]
struct Cells {
    frames: Vec<Option<FrameCells>>,
    /// Source files of binary profiles, by name id.
    files: Vec<Option<ByteArray>>,
    input: Option<(String, ByteArray)>,
    sample_type: Option<(String, ByteArray)>,
    unit: Option<(String, ByteArray)>,
    /// Label keys (a report has few).
    keys: Vec<(String, ByteArray)>,
}

impl Cells {
    fn frame(&mut self, id: NameId, names: &Names) -> &FrameCells {
        let i = id.0 as usize;
        if self.frames.len() <= i {
            self.frames.resize(i + 1, None);
        }
        self.frames[i].get_or_insert_with(|| {
            let parts = FrameText::parse(names.get(id)).parts();
            let printed_file = !parts.file.is_empty();
            FrameCells {
                function: ByteArray::from(parts.function),
                file: printed_file.then(|| ByteArray::from(parts.file)),
                line: printed_file.then_some(parts.line),
            }
        })
    }

    /// The cell of a label key: the first [`KEYS_KEPT`] keys are kept.
    fn key(&mut self, key: &str) -> ByteArray {
        if let Some((_, cell)) = self.keys.iter().find(|(k, _)| k == key) {
            return cell.clone();
        }
        let cell = ByteArray::from(key);
        if self.keys.len() < KEYS_KEPT {
            self.keys.push((key.to_owned(), cell.clone()));
        }
        cell
    }

    fn file(&mut self, id: NameId, names: &Names) -> ByteArray {
        let i = id.0 as usize;
        if self.files.len() <= i {
            self.files.resize(i + 1, None);
        }
        self.files[i].get_or_insert_with(|| ByteArray::from(names.get(id))).clone()
    }
}

/// Label keys whose cells [`Cells`] keeps.
const KEYS_KEPT: usize = 64;

/// The cell of a text that changes seldom (an input's name, its unit).
fn cached(slot: &mut Option<(String, ByteArray)>, text: &str) -> ByteArray {
    match slot {
        Some((t, cell)) if t == text => cell.clone(),
        _ => {
            let cell = ByteArray::from(text);
            *slot = Some((text.to_owned(), cell.clone()));
            cell
        }
    }
}

/// A Parquet error as the library's: an output error.
fn output_error(e: ParquetError) -> Error {
    Error::Output(std::io::Error::other(format!("parquet: {e}")))
}

/// Writes samples into a Parquet file, streaming: each row group is
/// written to `out` once full.
///
/// ```
/// use traces_tool::analysis::scan::Inputs;
/// use traces_tool::analysis::table::samples;
/// use traces_tool::output::parquet::{ParquetOptions, ParquetWriter};
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     1536B   main.leaf\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join(format!("parquet-doc-{}.txt", std::process::id()));
/// std::fs::write(&path, report)?;
/// let mut file = Vec::new();
/// let mut writer = ParquetWriter::new(&mut file, ParquetOptions::default())?;
/// samples(&Inputs::files([path.to_str().unwrap()]), |s| writer.write(&s))?;
/// let summary = writer.finish()?;
/// assert_eq!((summary.rows, summary.row_groups), (1, 1));
/// assert_eq!(&file[..4], b"PAR1");
/// assert_eq!(summary.bytes, file.len() as u64);
/// # Ok::<(), traces_tool::error::Error>(())
/// ```
pub struct ParquetWriter<W: Write> {
    out: W,
    /// The Parquet writer, on a buffer that each row group empties into `out`.
    file: SerializedFileWriter<Vec<u8>>,
    options: ParquetOptions,
    columns: Columns,
    cells: Cells,
    /// The cells of the labels of the sample being written.
    labels: Vec<(ByteArray, ByteArray)>,
    /// Values buffered in the row group (rows, labels, frames).
    buffered: usize,
    rows_buffered: u64,
    summary: ParquetSummary,
}

impl<W: Write> std::fmt::Debug for ParquetWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetWriter")
            .field("options", &self.options)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl<W: Write> ParquetWriter<W> {
    /// A writer of `options.table` into `out`; the file starts with the
    /// first row group.
    pub fn new(out: W, options: ParquetOptions) -> Result<ParquetWriter<W>> {
        let schema = match options.table {
            Table::Samples => SAMPLES_SCHEMA,
            Table::Frames => FRAMES_SCHEMA,
        };
        let schema = Arc::new(parse_message_type(schema).map_err(output_error)?);
        let mut properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_created_by(format!("traces-tool {}", env!("CARGO_PKG_VERSION")));
        // Minimum and maximum serve the columns engines filter row groups
        // by; on frame names and printed texts they only cost.
        for path in NO_STATISTICS {
            let path = ColumnPath::new(path.split('.').map(str::to_owned).collect());
            properties = properties.set_column_statistics_enabled(path, EnabledStatistics::None);
        }
        let properties = properties.build();
        let file = SerializedFileWriter::new(Vec::new(), schema, Arc::new(properties))
            .map_err(output_error)?;
        Ok(ParquetWriter {
            out,
            file,
            options,
            columns: Columns::default(),
            cells: Cells::default(),
            labels: Vec::new(),
            buffered: 0,
            rows_buffered: 0,
            summary: ParquetSummary::default(),
        })
    }

    /// Adds a sample: one row, or (frames table) one row per frame.
    /// A value beyond `DECIMAL(18,2)` is an error naming the sample.
    pub fn write(&mut self, s: &TableSample<'_>) -> Result<()> {
        let rec = s.record;
        let centi = rec.value.centi;
        if centi.abs() > MAX_CENTI {
            return Err(Error::Usage(format!(
                "{}: value {} is beyond what the Parquet column `value` (DECIMAL(18,2)) holds",
                rec.position(s.input),
                rec.value_text()
            )));
        }
        let input = cached(&mut self.cells.input, s.input);
        let sample_type = s.sample_type.map(|t| cached(&mut self.cells.sample_type, t));
        let unit = cached(&mut self.cells.unit, s.unit);
        let value_text = ByteArray::from(rec.value_text());
        let time = s.time.map(|nanos| nanos.div_euclid(1000));
        let rows = match self.options.table {
            Table::Samples => 1,
            Table::Frames => rec.frames.len(),
        };
        // The labels' cells once per sample, for each of its rows.
        self.labels.clear();
        for (k, v) in rec.labels() {
            self.labels.push((self.cells.key(k), ByteArray::from(v)));
        }
        let c = &mut self.columns;
        for _ in 0..rows {
            c.input.push(input.clone());
            c.sample.push(rec.index as i64);
            c.time.push_opt(time);
            c.sample_type.push_opt(sample_type.clone());
            c.unit.push(unit.clone());
            c.value.push(centi as i64);
            c.value_text.push(value_text.clone());
            c.exact.push(rec.value.is_exact());
            if rec.label_count() == 0 {
                c.labels.keys.levels(0, 0);
                c.labels.values.levels(0, 0);
            }
            for (j, (k, v)) in self.labels.iter().enumerate() {
                let rep = i16::from(j > 0);
                c.labels.keys.levels(1, rep);
                c.labels.keys.push(k.clone());
                c.labels.values.levels(1, rep);
                c.labels.values.push(v.clone());
            }
        }
        let labels = rec.label_count() * rows;
        match self.options.table {
            Table::Samples => {
                let leaf = rec.leaf().map(|f| self.cells.frame(f.name, s.names).function.clone());
                c.leaf.push_opt(leaf);
                c.depth.push(rec.frames.len() as i32);
                if rec.frames.is_empty() {
                    for levels in [&mut c.name.def, &mut c.file.def, &mut c.line.def] {
                        levels.push(0);
                    }
                    for levels in [&mut c.name.rep, &mut c.file.rep, &mut c.line.rep] {
                        levels.push(0);
                    }
                    c.inline.levels(0, 0);
                }
            }
            Table::Frames => {}
        }
        for (i, frame) in rec.frames.iter().enumerate() {
            let cells = self.cells.frame(frame.name, s.names).clone();
            let origin_file = match (&cells.file, rec.origins.get(i).and_then(|o| o.file)) {
                (None, Some(file)) => Some(self.cells.file(file, s.names)),
                _ => None,
            };
            let file = cells.file.or(origin_file);
            match self.options.table {
                Table::Samples => {
                    // Levels in a list of required frames: 1 for a frame, 2
                    // for an optional field that is there.
                    let rep = i16::from(i > 0);
                    c.name.levels(1, rep);
                    c.file.levels(1 + i16::from(file.is_some()), rep);
                    c.line.levels(1 + i16::from(cells.line.is_some()), rep);
                    c.inline.levels(1, rep);
                    c.name.push(cells.function);
                    if let Some(file) = file {
                        c.file.push(file);
                    }
                    if let Some(line) = cells.line {
                        c.line.push(line);
                    }
                }
                Table::Frames => {
                    c.position.push(i as i32);
                    c.name.push(cells.function);
                    c.file.push_opt(file);
                    c.line.push_opt(cells.line);
                }
            }
            c.inline.push(frame.inline);
        }
        self.buffered += match self.options.table {
            Table::Samples => 10 + 2 * labels + 4 * rec.frames.len(),
            Table::Frames => 14 * rows + 2 * labels,
        };
        self.rows_buffered += rows as u64;
        if self.buffered >= self.options.row_group_values {
            self.flush_row_group()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as a row group, and the bytes made so far
    /// to `out`.
    fn flush_row_group(&mut self) -> Result<()> {
        if self.rows_buffered == 0 {
            return Ok(());
        }
        let c = &self.columns;
        let leaves: &[Col] = match self.options.table {
            Table::Samples => &SAMPLE_LEAVES,
            Table::Frames => &FRAME_LEAVES,
        };
        let mut group = self.file.next_row_group().map_err(output_error)?;
        for leaf in leaves {
            let mut col = group
                .next_column()
                .map_err(output_error)?
                .ok_or_else(|| output_error(ParquetError::General("a column missing".into())))?;
            match leaf {
                Col::Input => write_bytes(&mut col, &c.input)?,
                Col::Sample => write_i64(&mut col, &c.sample)?,
                Col::Time => write_i64(&mut col, &c.time)?,
                Col::SampleType => write_bytes(&mut col, &c.sample_type)?,
                Col::Unit => write_bytes(&mut col, &c.unit)?,
                Col::Value => write_i64(&mut col, &c.value)?,
                Col::ValueText => write_bytes(&mut col, &c.value_text)?,
                Col::Exact => write_bool(&mut col, &c.exact)?,
                Col::LabelKey => write_bytes(&mut col, &c.labels.keys)?,
                Col::LabelValue => write_bytes(&mut col, &c.labels.values)?,
                Col::Leaf => write_bytes(&mut col, &c.leaf)?,
                Col::Depth => write_i32(&mut col, &c.depth)?,
                Col::Position => write_i32(&mut col, &c.position)?,
                Col::Name => write_bytes(&mut col, &c.name)?,
                Col::File => write_bytes(&mut col, &c.file)?,
                Col::Line => write_i64(&mut col, &c.line)?,
                Col::Inline => write_bool(&mut col, &c.inline)?,
            }
            col.close().map_err(output_error)?;
        }
        group.close().map_err(output_error)?;
        self.summary.row_groups += 1;
        self.summary.rows += self.rows_buffered;
        self.rows_buffered = 0;
        self.buffered = 0;
        self.clear_columns();
        self.file.flush()?;
        let bytes = std::mem::take(self.file.inner_mut());
        self.out.write_all(&bytes)?;
        self.summary.bytes += bytes.len() as u64;
        Ok(())
    }

    fn clear_columns(&mut self) {
        let c = &mut self.columns;
        c.input.clear();
        c.sample.clear();
        c.time.clear();
        c.sample_type.clear();
        c.unit.clear();
        c.value.clear();
        c.value_text.clear();
        c.exact.clear();
        c.labels.keys.clear();
        c.labels.values.clear();
        c.leaf.clear();
        c.depth.clear();
        c.position.clear();
        c.name.clear();
        c.file.clear();
        c.line.clear();
        c.inline.clear();
    }

    /// Writes the last row group and the footer; what was written.
    pub fn finish(mut self) -> Result<ParquetSummary> {
        self.flush_row_group()?;
        let rest = self.file.into_inner().map_err(output_error)?;
        self.out.write_all(&rest)?;
        self.out.flush()?;
        self.summary.bytes += rest.len() as u64;
        Ok(self.summary)
    }
}

fn write_bytes(col: &mut SerializedColumnWriter<'_>, c: &Column<ByteArray>) -> Result<()> {
    col.typed::<ByteArrayType>().write_batch(&c.values, c.def(), c.rep()).map_err(output_error)?;
    Ok(())
}

fn write_i64(col: &mut SerializedColumnWriter<'_>, c: &Column<i64>) -> Result<()> {
    col.typed::<Int64Type>().write_batch(&c.values, c.def(), c.rep()).map_err(output_error)?;
    Ok(())
}

fn write_i32(col: &mut SerializedColumnWriter<'_>, c: &Column<i32>) -> Result<()> {
    col.typed::<Int32Type>().write_batch(&c.values, c.def(), c.rep()).map_err(output_error)?;
    Ok(())
}

fn write_bool(col: &mut SerializedColumnWriter<'_>, c: &Column<bool>) -> Result<()> {
    col.typed::<BoolType>().write_batch(&c.values, c.def(), c.rep()).map_err(output_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Frame, FrameOrigin, Record};
    use crate::units::parse_value;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::{ListAccessor, MapAccessor, Row, RowAccessor};

    /// Sample `i` of a made-up input: `i % 3` labels, `i % 4` frames
    /// (`-lines` text for even ones, a binary profile's file for odd ones).
    fn record(i: u64, names: &mut Names) -> Record {
        let mut rec = Record::new();
        rec.index = i;
        let text = format!("{}.{:02}kB", i, i % 100);
        rec.set_value(parse_value(&text).unwrap(), &text);
        for k in 0..i % 3 {
            rec.push_label(&format!("k{k}"), &format!("v{i}"));
        }
        for f in 0..i % 4 {
            let (name, file) = if f % 2 == 0 {
                (format!("main.f{f} main.go:{}", 10 + f), None)
            } else {
                (format!("main.g{f}"), Some(names.intern("/src/g.go")))
            };
            rec.frames.push(Frame { name: names.intern(&name), inline: f == 1 });
            rec.origins.push(FrameOrigin { file, mapping: None, line: true });
        }
        rec
    }

    /// Writes samples 1..=n in row groups of at most `values` values, and
    /// reads the file back: row groups and rows.
    fn round_trip(table: Table, n: u64, values: usize) -> (usize, Vec<Row>) {
        let mut names = Names::new();
        let mut bytes = Vec::new();
        let options = ParquetOptions { table, row_group_values: values };
        let mut writer = ParquetWriter::new(&mut bytes, options).unwrap();
        for i in 1..=n {
            let rec = record(i, &mut names);
            let sample = TableSample {
                input: if i <= n / 2 { "a.txt" } else { "b.pb.gz" },
                sample_type: Some("inuse_space"),
                time: (i > n / 2).then_some(1_795_665_840_123_456_789),
                unit: "bytes",
                record: &rec,
                names: &names,
            };
            writer.write(&sample).unwrap();
        }
        let summary = writer.finish().unwrap();
        assert_eq!(summary.bytes, bytes.len() as u64);
        let path = std::env::temp_dir()
            .join(format!("parquet-unit-{}-{table:?}-{n}-{values}", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        let groups = reader.metadata().num_row_groups();
        assert_eq!(groups as u64, summary.row_groups);
        // Statistics on the columns engines filter by only.
        for column in reader.metadata().row_group(0).columns() {
            let path = column.column_path().string();
            let kept = !NO_STATISTICS.contains(&path.as_str());
            assert_eq!(column.statistics().is_some(), kept, "{path}");
        }
        let rows: Vec<Row> = reader.get_row_iter(None).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len() as u64, summary.rows);
        std::fs::remove_file(&path).unwrap();
        (groups, rows)
    }

    /// The hundredths of a decimal column.
    fn centi(row: &Row, i: usize) -> i128 {
        let d = row.get_decimal(i).unwrap();
        assert_eq!((d.precision(), d.scale()), (18, 2));
        d.data().iter().fold(if d.data()[0] & 0x80 != 0 { -1 } else { 0 }, |acc, &b| {
            (acc << 8) | i128::from(b)
        })
    }

    #[test]
    fn samples_stream_in_row_groups_and_read_back_whole() {
        let n = 500;
        let (groups, rows) = round_trip(Table::Samples, n, 100);
        assert!(groups > 5, "{groups} row groups");
        assert_eq!(rows.len(), n as usize);
        let mut names = Names::new();
        for (i, row) in (1..=n).zip(&rows) {
            let rec = record(i, &mut names);
            assert_eq!(row.get_string(0).unwrap(), if i <= n / 2 { "a.txt" } else { "b.pb.gz" });
            assert_eq!(row.get_long(1).unwrap(), i as i64);
            match row.get_timestamp_micros(2) {
                Ok(t) => assert_eq!((i > n / 2, t), (true, 1_795_665_840_123_456)),
                Err(_) => assert!(i <= n / 2),
            }
            assert_eq!(row.get_string(3).unwrap(), "inuse_space");
            assert_eq!(centi(row, 5), rec.value.centi, "sample {i}");
            assert_eq!(row.get_string(6).unwrap(), rec.value_text());
            let labels = row.get_map(8).unwrap();
            assert_eq!(labels.len(), rec.label_count());
            for (j, (k, v)) in rec.labels().enumerate() {
                assert_eq!(labels.get_keys().get_string(j).unwrap(), k);
                assert_eq!(labels.get_values().get_string(j).unwrap(), v);
            }
            assert_eq!(row.get_int(10).unwrap(), rec.frames.len() as i32);
            let stack = row.get_list(11).unwrap();
            assert_eq!(stack.len(), rec.frames.len());
            for f in 0..stack.len() {
                let frame = stack.get_group(f).unwrap();
                if f % 2 == 0 {
                    assert_eq!(frame.get_string(0).unwrap(), &format!("main.f{f}"));
                    assert_eq!(frame.get_string(1).unwrap(), "main.go");
                    assert_eq!(frame.get_long(2).unwrap(), 10 + f as i64);
                } else {
                    assert_eq!(frame.get_string(0).unwrap(), &format!("main.g{f}"));
                    assert_eq!(frame.get_string(1).unwrap(), "/src/g.go");
                    assert!(frame.get_long(2).is_err(), "no line");
                }
                assert_eq!(frame.get_bool(3).unwrap(), f == 1);
            }
            match rec.frames.is_empty() {
                true => assert!(row.get_string(9).is_err()),
                false => assert_eq!(row.get_string(9).unwrap(), "main.f0"),
            }
        }
    }

    #[test]
    fn frames_have_a_row_each() {
        let n = 300;
        let (groups, rows) = round_trip(Table::Frames, n, 64);
        assert!(groups > 5, "{groups} row groups");
        let want: u64 = (1..=n).map(|i| i % 4).sum();
        assert_eq!(rows.len() as u64, want);
        let mut names = Names::new();
        let mut at = rows.iter();
        for i in 1..=n {
            let rec = record(i, &mut names);
            for f in 0..rec.frames.len() {
                let row = at.next().unwrap();
                assert_eq!(row.get_long(1).unwrap(), i as i64);
                assert_eq!(centi(row, 5), rec.value.centi);
                assert_eq!(row.get_map(8).unwrap().len(), rec.label_count());
                assert_eq!(row.get_int(9).unwrap(), f as i32);
                assert_eq!(row.get_bool(13).unwrap(), f == 1);
            }
        }
    }

    #[test]
    fn a_value_beyond_the_decimal_is_an_error_naming_the_sample() {
        let names = Names::new();
        let mut rec = Record::new();
        rec.index = 7;
        rec.line = 12;
        rec.set_value(parse_value("9999999PB").unwrap(), "9999999PB");
        let mut writer = ParquetWriter::new(Vec::new(), ParquetOptions::default()).unwrap();
        let sample = TableSample {
            input: "big.txt",
            sample_type: None,
            time: None,
            unit: "bytes",
            record: &rec,
            names: &names,
        };
        let err = writer.write(&sample).unwrap_err().to_string();
        assert!(err.contains("sample 7 at big.txt:12"), "{err}");
        assert!(err.contains("9999999PB"), "{err}");
    }
}
