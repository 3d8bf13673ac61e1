//! Where records come from. Commands read through [`RecordSource`], so a
//! new input format (a binary profile, `-raw` text) only needs a new
//! implementation of it; [`open_source`] picks one per input by looking
//! at its content: a traces report, `-raw` text ([`crate::raw`]) or a
//! binary pprof profile ([`crate::profile`]).

use std::io::{self, Read};

use crate::error::{Error, ParseErrorKind, Result};
use crate::input;
use crate::parse::{ReaderOptions, Skipped, TraceReader};
use crate::record::{Header, Names, Record};
use crate::units::Dimension;
use crate::{profile, raw};

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

/// How [`open_source`] reads an input, whatever its kind.
#[derive(Clone, Debug, Default)]
pub struct SourceOptions {
    /// How a traces report is read (strict or lenient).
    pub reader: ReaderOptions,
    /// pprof's `-sample_index` for binary profiles and `-raw` text: a
    /// sample type name (`inuse_` may be left out, as pprof allows) or a
    /// 0-based index; `None` for the profile's default sample type, else
    /// its last. A traces report holds one value only: a name that is not
    /// its `Type:` is an error there.
    pub sample_index: Option<String>,
}

impl From<ReaderOptions> for SourceOptions {
    fn from(reader: ReaderOptions) -> SourceOptions {
        SourceOptions { reader, sample_index: None }
    }
}

/// The kinds of input [`open_source`] tells apart by their content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// `go tool pprof -traces` text.
    Traces,
    /// `go tool pprof -raw` text (`Profile.String()`).
    Raw,
    /// Anything that is not text: a binary pprof profile, if it decodes.
    Binary,
}

/// How much of an input is looked at to tell its kind.
const SNIFF_BYTES: u64 = 1 << 18;

/// The kind of an input from its first bytes (after gunzipping and
/// decoding): binary when it holds control characters other than tab,
/// line feed, carriage return, form feed and escape, or is not UTF-8;
/// `-raw` text when `Profile.String()`'s header lines lead to `Samples:`;
/// else a traces report.
pub fn sniff(head: &[u8], complete: bool) -> InputKind {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A character cut at the end of the peeked bytes is fine.
        Err(e) if !complete && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return InputKind::Binary,
    };
    if text.bytes().any(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) {
        return InputKind::Binary;
    }
    if raw::looks_like_raw(text) {
        InputKind::Raw
    } else {
        InputKind::Traces
    }
}

/// Opens one input by path (`-` is standard input), whatever it holds: a
/// traces report, `-raw` text or a binary pprof profile, gzipped or not
/// (see [`sniff`]). The name of the file does not matter.
pub fn open_source(path: &str, options: impl Into<SourceOptions>) -> Result<Box<dyn RecordSource>> {
    let options = options.into();
    let input::Input { name, mut reader } = input::open(path)?;
    let read_error = |name: &str, source: io::Error| Error::Io { path: name.to_owned(), source };
    let mut head = Vec::new();
    (&mut reader).take(SNIFF_BYTES).read_to_end(&mut head).map_err(|e| read_error(&name, e))?;
    let complete = (head.len() as u64) < SNIFF_BYTES;
    let index = options.sample_index.as_deref();
    match sniff(&head, complete) {
        InputKind::Traces => {
            let reader: Box<dyn Read> = Box::new(io::Cursor::new(head).chain(reader));
            let source = TraceReader::new(name, reader, options.reader)?;
            check_traces_index(&source, index)?;
            Ok(Box::new(source))
        }
        InputKind::Raw => {
            reader.read_to_end(&mut head).map_err(|e| read_error(&name, e))?;
            let text = String::from_utf8_lossy(&head);
            if !raw::has_locations(&text) {
                let hint = "; it starts like pprof's `-raw` output, but has no `Locations` \
                            section (cut short?)";
                let kind = ParseErrorKind::NotATracesReport(hint.to_owned());
                return Err(Error::Parse { path: name, line: 0, kind });
            }
            Ok(Box::new(raw::open(&name, &text, index)?))
        }
        InputKind::Binary => {
            reader.read_to_end(&mut head).map_err(|e| read_error(&name, e))?;
            match profile::decode(&head) {
                Ok(decoded) => Ok(Box::new(
                    profile::source::ProfileSource::new(name.as_str(), decoded, index)
                        .map_err(|e| profile::input_error(&name, e))?,
                )),
                Err(e) if profile::wire::starts_like_profile(&head) => {
                    Err(profile::input_error(&name, e))
                }
                // Not a profile at all: the traces reader says what it is.
                Err(_) => {
                    let reader: Box<dyn Read> = Box::new(io::Cursor::new(head));
                    Ok(Box::new(TraceReader::new(name, reader, options.reader)?))
                }
            }
        }
    }
}

/// A traces report holds the values of one sample type: a
/// `--sample-index` name that is not its `Type:` cannot be honoured.
fn check_traces_index<R: Read>(source: &TraceReader<R>, index: Option<&str>) -> Result<()> {
    let (Some(index), Some(ty)) = (index, source.header().sample_type()) else { return Ok(()) };
    if index.parse::<i64>().is_ok() {
        return Ok(());
    }
    let ty = ty.strip_prefix("mean_").unwrap_or(ty);
    if ty == index || ty == index.strip_prefix("inuse_").unwrap_or(index) {
        return Ok(());
    }
    Err(profile::input_error(
        source.name(),
        format!(
            "--sample-index {index}: this traces report holds {ty} values only \
             (print it with `go tool pprof -traces -sample_index={index}`, or pass the profile)"
        ),
    ))
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
    options: impl Into<SourceOptions>,
    names: &mut Names,
    mut visit: impl FnMut(&dyn RecordSource, &mut Record, &mut Names) -> Result<()>,
    mut finished: impl FnMut(&dyn RecordSource) -> Result<()>,
) -> Result<()> {
    let options: SourceOptions = options.into();
    let mut rec = Record::new();
    for path in paths_or_stdin(paths) {
        let mut source = open_source(&path, options.clone())?;
        while source.read_record(&mut rec, names)? {
            visit(source.as_ref(), &mut rec, names)?;
        }
        finished(source.as_ref())?;
    }
    Ok(())
}
