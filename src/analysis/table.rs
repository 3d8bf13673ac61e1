//! Samples as the rows of a table that holds many inputs
//! ([`samples`]): each sample kept by the filters with what a SQL engine
//! needs beside it to tell inputs apart and put them in time order: the
//! input's name, its sample type, its time, the unit of values. Streamed to
//! a callback as the inputs are read; `export --to parquet` writes the rows
//! ([`crate::output::parquet`]).

use crate::analysis::facts::UnitContext;
use crate::analysis::scan::{scan, Inputs};
use crate::error::Result;
use crate::gotime::parse_header_time;
use crate::read::SourceInfo;
use crate::record::{HeaderField, Names, Record};

/// One sample and the facts of its input.
#[derive(Clone, Copy, Debug)]
pub struct TableSample<'a> {
    /// The input's name: its path as given (`<stdin>` for standard input).
    pub input: &'a str,
    /// The sample type the header names (`inuse_space`), if it does.
    pub sample_type: Option<&'a str>,
    /// The input's time (the `Time:` header), in nanoseconds since
    /// 1970-01-01 UTC, if it has one that reads as a time.
    pub time: Option<i64>,
    /// The unit of values: `bytes`, `nanoseconds`, `count` or a name.
    pub unit: &'a str,
    /// The sample: value (exact, in hundredths of the base unit), labels
    /// (input labels among them), stack (leaf first) and, for binary
    /// profiles, each frame's origin.
    pub record: &'a Record,
    /// The names the record's frames are ids of.
    pub names: &'a Names,
}

/// What [`samples`] found besides its rows.
#[derive(Clone, Debug, Default)]
pub struct TableSummary {
    /// Samples read (and kept by the filters).
    pub samples: u64,
    /// Samples with no frame at all.
    pub without_frames: u64,
    /// Lines for stderr: what a lenient read skipped, `Time:` headers that
    /// do not read as a time, `no samples`.
    pub notes: Vec<String>,
}

/// The facts of the input being read.
#[derive(Debug, Default)]
struct InputFacts {
    name: String,
    sample_type: Option<String>,
    time: Option<i64>,
}

impl InputFacts {
    /// The facts of `src`, with a note when its `Time:` header does not read.
    fn of(src: &SourceInfo, notes: &mut Vec<String>) -> InputFacts {
        let header = src.header();
        let time = header.get(HeaderField::Time).and_then(|text| {
            let time = parse_header_time(text);
            if time.is_none() {
                notes.push(format!(
                    "{}: the header's time {text:?} does not read as a time: `time` is empty",
                    src.name()
                ));
            }
            time
        });
        InputFacts {
            name: src.name().to_owned(),
            sample_type: header.sample_type().map(str::to_owned),
            time,
        }
    }
}

/// Reads the inputs and hands `row` every sample kept by the filters, as
/// it is read.
///
/// ```
/// use traces_tool::analysis::scan::Inputs;
/// use traces_tool::analysis::table::samples;
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "Time: Nov 26, 2026 at 4:04am (UTC)\n",
///     "-----------+-------------------------------------------------------\n",
///     "     bytes:  352B\n",
///     "   21.01MB   net/textproto.(*Reader).ReadMIMEHeader\n",
///     "             net/http.readRequest\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join(format!("table-doc-{}.txt", std::process::id()));
/// std::fs::write(&path, report)?;
/// let mut rows = Vec::new();
/// let summary = samples(&Inputs::files([path.to_str().unwrap()]), |s| {
///     rows.push((s.sample_type.map(str::to_owned), s.time, s.unit.to_owned(), s.record.value.centi));
///     Ok(())
/// })?;
/// assert_eq!(summary.samples, 1);
/// let (sample_type, time, unit, centi) = &rows[0];
/// assert_eq!(sample_type.as_deref(), Some("inuse_space"));
/// assert_eq!(*time, Some(1_795_665_840_000_000_000)); // 2026-11-26 04:04 UTC
/// assert_eq!(unit, "bytes");
/// assert_eq!(*centi, 2101 * 1024 * 1024); // hundredths of a byte
/// # Ok::<(), traces_tool::error::Error>(())
/// ```
pub fn samples(
    inputs: &Inputs,
    mut row: impl FnMut(TableSample<'_>) -> Result<()>,
) -> Result<TableSummary> {
    let mut names = Names::new();
    let mut units = UnitContext::default();
    let mut summary = TableSummary::default();
    let mut time_notes = Vec::new();
    let mut facts: Option<InputFacts> = None;
    let notes = scan(inputs, &mut names, |src, rec, names: &Names| {
        if facts.as_ref().is_none_or(|f| f.name != src.name()) {
            facts = Some(InputFacts::of(src, &mut time_notes));
        }
        let input = facts.as_ref().expect("set above");
        units.learn(src, rec);
        summary.samples += 1;
        if rec.frames.is_empty() {
            summary.without_frames += 1;
        }
        row(TableSample {
            input: &input.name,
            sample_type: input.sample_type.as_deref(),
            time: input.time,
            unit: units.unit_name(),
            record: rec,
            names,
        })
    })?;
    time_notes.dedup();
    summary.notes = notes;
    summary.notes.extend(time_notes);
    if summary.samples == 0 {
        summary.notes.push("no samples".to_owned());
    }
    Ok(summary)
}
