//! Where records come from. Commands read through [`RecordSource`], so a
//! new input format (a binary profile, `-raw` text) only needs a new
//! implementation of it; [`open_sources`] picks one per input.

use std::io::Read;

use crate::error::Result;
use crate::input;
use crate::parse::{ReaderOptions, Skipped, TraceReader};
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

/// Opens one input by path (`-` is standard input).
pub fn open_source(path: &str, options: ReaderOptions) -> Result<Box<dyn RecordSource>> {
    let input = input::open(path)?;
    Ok(Box::new(TraceReader::open(input, options)?))
}

/// The paths to read: those given, or standard input when none are.
pub fn paths_or_stdin(paths: &[String]) -> Vec<String> {
    if paths.is_empty() {
        vec!["-".to_owned()]
    } else {
        paths.to_vec()
    }
}

/// Opens the inputs one after the other and hands every record to `visit`
/// with the source it came from. Inputs are opened lazily, so only one is
/// open at a time.
pub fn for_each_record(
    paths: &[String],
    options: ReaderOptions,
    names: &mut Names,
    mut visit: impl FnMut(&dyn RecordSource, &mut Record, &mut Names) -> Result<()>,
    mut finished: impl FnMut(&dyn RecordSource) -> Result<()>,
) -> Result<()> {
    let mut rec = Record::new();
    for path in paths_or_stdin(paths) {
        let mut source = open_source(&path, options)?;
        while source.read_record(&mut rec, names)? {
            visit(source.as_ref(), &mut rec, names)?;
        }
        finished(source.as_ref())?;
    }
    Ok(())
}
