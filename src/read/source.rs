//! The one trait every input format's reader implements, [`RecordSource`],
//! and [`SourceInfo`], what a consumer of records knows of their input.
//! It imports from two readers what `SourceInfo` reports (`paste::Repair`,
//! `traces::Skipped`) and the traces reader it wraps, so `paste` and
//! `traces` import it back in a circle; the other readers only import it.

use std::io::Read;
use std::sync::Arc;

use crate::error::Result;
use crate::gotime::parse_header_time;
use crate::read::paste::Repair;
use crate::read::traces::{Skipped, TraceReader};
use crate::record::{Header, Names, Record};
use crate::units::Dimension;

/// A stream of records with the header they came with.
pub trait RecordSource {
    /// The input's name as shown in messages (`traces.txt`, `<stdin>`).
    fn name(&self) -> &str;
    /// The report header.
    fn header(&self) -> &Header;
    /// Reads the next record into `rec`; false at the end.
    fn read_record(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool>;
    /// What the values measure (bytes, nanoseconds, count).
    fn dimension(&self) -> Dimension;
    /// Malformed blocks skipped in lenient mode.
    fn skipped(&self) -> &[Skipped] {
        &[]
    }
    /// What the reader noticed without stopping (one line per kind, with
    /// its count and first line), for stderr.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// What [`crate::read::paste`] repaired in the input, per kind.
    fn repairs(&self) -> &[Repair] {
        &[]
    }
    /// When the profile was taken, in nanoseconds since 1970, where the
    /// input says so to the nanosecond (a binary profile's `time_nanos`,
    /// `-raw` text's `Time:`); `None` elsewhere, where
    /// [`SourceInfo::time_nanos`] reads the header's `Time:` line (pprof
    /// prints it to the minute).
    fn time_nanos(&self) -> Option<i64> {
        None
    }
    /// Every label (key, values as a record carries them) of the records
    /// the input will give, when it knows them before its first record (a
    /// loaded binary profile, `-raw` text); `None` elsewhere. Pairs may
    /// repeat.
    fn label_texts(&self) -> Option<Arc<[(String, String)]>> {
        None
    }
}

impl<R: Read> RecordSource for TraceReader<R> {
    fn name(&self) -> &str {
        TraceReader::name(self)
    }
    fn header(&self) -> &Header {
        TraceReader::header(self)
    }
    fn read_record(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool> {
        TraceReader::read_record(self, rec, names)
    }
    fn dimension(&self) -> Dimension {
        TraceReader::dimension(self)
    }
    fn skipped(&self) -> &[Skipped] {
        TraceReader::skipped(self)
    }
}

/// What a consumer of records knows of the input they came from, sent
/// along with them by the reading thread of [`crate::read::for_each_record`].
#[derive(Clone, Debug, Default)]
pub struct SourceInfo {
    pub(crate) name: String,
    header: Header,
    pub(crate) dimension: Dimension,
    skipped: Vec<Skipped>,
    notes: Vec<String>,
    repairs: Vec<Repair>,
    time_nanos: Option<i64>,
    label_texts: Option<Arc<[(String, String)]>>,
}

impl SourceInfo {
    /// What `source` says of itself now.
    pub fn of(source: &dyn RecordSource) -> SourceInfo {
        SourceInfo {
            name: source.name().to_owned(),
            header: source.header().clone(),
            dimension: source.dimension(),
            skipped: source.skipped().to_vec(),
            notes: source.notes(),
            repairs: source.repairs().to_vec(),
            time_nanos: source.time_nanos(),
            label_texts: source.label_texts(),
        }
    }
}

impl SourceInfo {
    /// The input's name as shown in messages.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The report header.
    pub fn header(&self) -> &Header {
        &self.header
    }
    /// What the values measure, as far as read.
    pub fn dimension(&self) -> Dimension {
        self.dimension
    }
    /// Malformed blocks skipped in lenient mode.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }
    /// What the reader noticed without stopping, for stderr.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
    /// What was repaired in a pasted input, per kind.
    pub fn repairs(&self) -> &[Repair] {
        &self.repairs
    }
    /// Every label of the input's records, when the input knew them before
    /// its first record ([`RecordSource::label_texts`]).
    pub fn label_texts(&self) -> Option<&[(String, String)]> {
        self.label_texts.as_deref()
    }
    /// When the profile was taken, in nanoseconds since 1970: to the
    /// nanosecond where the input says ([`RecordSource::time_nanos`]), else
    /// from the header's `Time:` line (to the minute), else `None`.
    pub fn time_nanos(&self) -> Option<i64> {
        self.time_nanos.or_else(|| {
            self.header.get(crate::record::HeaderField::Time).and_then(parse_header_time)
        })
    }
}
