//! Where records come from. Commands read through [`RecordSource`], so a
//! new input format (a binary profile, `-raw` text) only needs a new
//! implementation of it; [`open_source`] picks one per input by looking
//! at its content: a traces report, `-raw` text ([`crate::read::raw`]), a
//! binary pprof profile ([`crate::read::profile`]), a `?debug=1` text profile
//! ([`crate::read::legacy`]) or a goroutine dump ([`crate::read::goroutine_dump`]).
//! Pasted and captured text goes through [`crate::read::paste`] first when
//! [`SourceOptions::paste`] says so.

use std::io::{self, Read};
use std::sync::mpsc;

use crate::error::{Error, ParseErrorKind, Result};
use crate::read::detect::{sniff, InputKind, SNIFF_BYTES};
use crate::read::paste::{self, PasteMode, PastedKind, Repair};
use crate::read::source::{RecordSource, SourceInfo};
use crate::read::traces::{ReaderOptions, Skipped, TraceReader};
use crate::read::{goroutine_dump, input, legacy, profile, raw};
use crate::record::{Header, Names, Record};
use crate::units::Dimension;

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
    /// Whether pasted and captured text is repaired, refused or read as it
    /// is. Default: read as it is ([`PasteMode::Off`]); the command line
    /// repairs unless `--strict`.
    pub paste: PasteMode,
    /// Frames of `?debug=1` profiles and goroutine dumps carry their
    /// source position, `func file:line`, as pprof's `-lines` prints
    /// frames (for `--granularity lines` and `files`).
    pub frame_lines: bool,
    /// Who hears of the reading of large files (the binary's progress
    /// bar); `None`: nobody.
    pub progress: Option<input::Progress>,
}

impl From<ReaderOptions> for SourceOptions {
    fn from(reader: ReaderOptions) -> SourceOptions {
        SourceOptions { reader, ..SourceOptions::default() }
    }
}

/// Opens one input by path (`-` is standard input), whatever it holds: a
/// traces report, `-raw` text or a binary pprof profile, gzipped or not
/// (see [`sniff`]). The name of the file does not matter.
pub fn open_source(path: &str, options: impl Into<SourceOptions>) -> Result<Box<dyn RecordSource>> {
    let options: SourceOptions = options.into();
    let input::Input { name, reader } = input::open_watched(path, options.progress.as_ref())?;
    open_input(name, reader, options)
}

/// Like [`open_source`], for an input held in memory (gzipped or not, any
/// encoding [`input::decode`] reads), shown as `name` in messages.
pub fn open_bytes(
    name: &str,
    bytes: Vec<u8>,
    options: impl Into<SourceOptions>,
) -> Result<Box<dyn RecordSource>> {
    let reader = input::decode(Box::new(io::Cursor::new(bytes)))
        .map_err(|source| Error::Io { path: name.to_owned(), source })?;
    open_input(name.to_owned(), reader, options.into())
}

/// Tells the kind of an opened input and opens its reader.
fn open_input(
    name: String,
    mut reader: Box<dyn Read>,
    options: SourceOptions,
) -> Result<Box<dyn RecordSource>> {
    let mut head = Vec::new();
    if let Err(e) = (&mut reader).take(SNIFF_BYTES).read_to_end(&mut head) {
        return Err(read_error(&name, &head, e));
    }
    let complete = (head.len() as u64) < SNIFF_BYTES;
    let index = options.sample_index.as_deref();
    let kind = sniff(&head, complete);
    // Only text read as a traces report or `-raw` text is looked at (a
    // `-raw` text after its command line sniffs as a traces report).
    if matches!(kind, InputKind::Traces | InputKind::Raw) && options.paste != PasteMode::Off {
        if let Some(source) = open_pasted(&name, &mut head, &mut reader, complete, &options)? {
            return Ok(source);
        }
    }
    match kind {
        InputKind::Traces => {
            let reader: Box<dyn Read> = Box::new(io::Cursor::new(head).chain(reader));
            let source = TraceReader::new(name, reader, options.reader)?;
            check_traces_index(&source, index)?;
            Ok(Box::new(source))
        }
        InputKind::Raw => {
            read_whole(&name, &mut reader, &mut head, "`-raw` text")?;
            let text = String::from_utf8_lossy(&head);
            if !raw::has_locations(&text) {
                let hint = "; it starts like pprof's `-raw` output, but has no `Locations` \
                            section (cut short?)";
                let kind = ParseErrorKind::NotATracesReport(hint.to_owned());
                return Err(Error::Parse { path: name, line: 0, kind });
            }
            Ok(Box::new(raw::open(&name, &text, index)?))
        }
        InputKind::Legacy | InputKind::GoroutineDump => {
            read_whole(&name, &mut reader, &mut head, "text profile")?;
            let text = String::from_utf8_lossy(&head);
            let lines = options.frame_lines;
            Ok(match kind {
                InputKind::Legacy => Box::new(legacy::open(&name, &text, index, lines)?),
                _ => Box::new(goroutine_dump::open(&name, &text, lines)?),
            })
        }
        // Binary data that does not start like a profile is not read on:
        // the traces reader says what it is from its first line.
        InputKind::Binary if !profile::wire::starts_like_profile(&head) => {
            let reader: Box<dyn Read> = Box::new(io::Cursor::new(head).chain(reader));
            Ok(Box::new(TraceReader::new(name, reader, options.reader)?))
        }
        InputKind::Binary => {
            read_whole(&name, &mut reader, &mut head, "pprof profile")?;
            match profile::load(&head) {
                Ok(loaded) => Ok(Box::new(
                    profile::source::ProfileSource::prepared(name.as_str(), loaded, index)
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

/// Text that [`paste::repair`] finds damaged in its first bytes: refused
/// (`--strict`), or read whole, repaired and opened with its repairs. `None`
/// when the text needs no repair (it is then streamed as usual).
fn open_pasted(
    name: &str,
    head: &mut Vec<u8>,
    reader: &mut Box<dyn Read>,
    complete: bool,
    options: &SourceOptions,
) -> Result<Option<Box<dyn RecordSource>>> {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if !complete && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        // Not UTF-8: the reader says where.
        Err(_) => return Ok(None),
    };
    let found = paste::repair(text, complete);
    let Some(first) = found.repairs.iter().min_by_key(|r| r.first_line) else { return Ok(None) };
    if options.paste == PasteMode::Refuse {
        let message = format!(
            "--strict: not a report as pprof printed it: {}; without --strict it is repaired \
             and every repair is reported",
            first.message()
        );
        return Err(Error::Io {
            path: format!("{name}:{}", first.first_line),
            source: io::Error::new(io::ErrorKind::InvalidData, message),
        });
    }
    let mut repaired = if complete {
        found
    } else {
        read_whole(name, reader, head, "pasted report")?;
        let repaired = paste::repair(&String::from_utf8_lossy(head), true);
        *head = Vec::new();
        repaired
    };
    let inner: Box<dyn RecordSource> = match repaired.kind {
        PastedKind::Raw => Box::new(
            raw::open(name, &repaired.text, options.sample_index.as_deref())
                .map_err(|e| map_line(e, &repaired))?,
        ),
        PastedKind::Traces => {
            let text = std::mem::take(&mut repaired.text).into_bytes();
            let text: Box<dyn Read> = Box::new(io::Cursor::new(text));
            let source = TraceReader::new(name, text, options.reader.clone())
                .map_err(|e| map_line(e, &repaired))?;
            check_traces_index(&source, options.sample_index.as_deref())?;
            Box::new(source)
        }
    };
    Ok(Some(Box::new(PastedSource { inner, skipped: Vec::new(), repaired })))
}

/// A parse error's line in the repaired text, as the input's line.
fn map_line(e: Error, repaired: &paste::Repaired) -> Error {
    match e {
        Error::Parse { path, line, kind } => {
            Error::Parse { path, line: repaired.original_line(line), kind }
        }
        // The `-raw` reader names the line in the path (`name:line`).
        Error::Io { path, source } => {
            let path = match path.rsplit_once(':').map(|(n, l)| (n, l.parse::<u64>())) {
                Some((name, Ok(line))) => format!("{name}:{}", repaired.original_line(line)),
                _ => path,
            };
            Error::Io { path, source }
        }
        other => other,
    }
}

/// The records of a repaired input, with the input's line numbers.
struct PastedSource {
    inner: Box<dyn RecordSource>,
    repaired: paste::Repaired,
    /// The inner source's skipped blocks, at the input's lines.
    skipped: Vec<Skipped>,
}

impl RecordSource for PastedSource {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn header(&self) -> &Header {
        self.inner.header()
    }
    fn read_record(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool> {
        let read = self.inner.read_record(rec, names).map_err(|e| map_line(e, &self.repaired));
        rec.line = self.repaired.original_line(rec.line);
        if self.inner.skipped().len() != self.skipped.len()
            || self.inner.skipped().iter().zip(&self.skipped).any(|(a, b)| a.count != b.count)
        {
            self.skipped = self.inner.skipped().to_vec();
            for s in &mut self.skipped {
                s.first_line = self.repaired.original_line(s.first_line);
            }
        }
        read
    }
    fn dimension(&self) -> Dimension {
        self.inner.dimension()
    }
    fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }
    fn repairs(&self) -> &[Repair] {
        &self.repaired.repairs
    }
}

/// The most bytes a binary profile, `-raw` text, a `?debug=1` profile, a
/// goroutine dump or a pasted report may hold (after gunzip): all are
/// decoded whole, so a gzip bomb (a few MB that inflate to GBs)
/// is refused here rather than filling memory. Real ones are far smaller
/// (a profile of 166,000 samples is 16 MB). Traces reports are streamed and
/// have no limit.
pub const MAX_WHOLE_INPUT: u64 = 512 << 20;

/// Reads the rest of an input that is decoded whole, up to
/// [`MAX_WHOLE_INPUT`] bytes.
fn read_whole(name: &str, reader: &mut dyn Read, head: &mut Vec<u8>, what: &str) -> Result<()> {
    let room = MAX_WHOLE_INPUT + 1 - head.len() as u64;
    if let Err(e) = reader.take(room).read_to_end(head) {
        return Err(read_error(name, head, e));
    }
    if head.len() as u64 > MAX_WHOLE_INPUT {
        let msg = format!(
            "{what} larger than {} once decompressed: refused (a gzip bomb?)",
            bytesize::ByteSize::b(MAX_WHOLE_INPUT).display().iec()
        );
        return Err(Error::Io {
            path: name.to_owned(),
            source: io::Error::new(io::ErrorKind::InvalidData, msg),
        });
    }
    Ok(())
}

/// A read error while opening an input: damaged gzip or UTF-16 data in
/// text is reported at the line where the text stops (`read` holds what
/// was read before the error); other errors name the input only.
fn read_error(name: &str, read: &[u8], source: io::Error) -> Error {
    match input::DecodeError::of(&source) {
        Some(decode) if sniff(read, false) != InputKind::Binary => Error::Parse {
            path: name.to_owned(),
            line: memchr::memchr_iter(b'\n', read).count() as u64 + 1,
            kind: decode.kind(),
        },
        _ => Error::Io { path: name.to_owned(), source },
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

/// Records read per message between the threads of [`for_each_record`].
const BATCH: usize = 256;

/// What the reading thread sends.
enum Message {
    /// An input was opened.
    Start(SourceInfo),
    /// Records, the names first seen in them, and the dimension so far.
    Batch { records: Vec<Record>, new_names: Vec<Box<str>>, dimension: Dimension },
    /// The input ended.
    End(SourceInfo),
    /// Reading failed.
    Failed(Error),
}

/// Opens the inputs one after the other and hands every record to `visit`
/// with the source it came from; `finished` is called at the end of each
/// input. Parsing runs on a thread of its own while `visit` runs on the
/// caller's, so a command uses two cores; records travel in batches that
/// are recycled, and memory stays bounded whatever the size of the input.
pub fn for_each_record(
    paths: &[String],
    options: impl Into<SourceOptions>,
    names: &mut Names,
    mut visit: impl FnMut(&SourceInfo, &mut Record, &Names) -> Result<()>,
    mut finished: impl FnMut(&SourceInfo) -> Result<()>,
) -> Result<()> {
    let options: SourceOptions = options.into();
    let paths = paths_or_stdin(paths);
    let (to_consumer, from_reader) = mpsc::sync_channel::<Message>(4);
    let (to_reader, from_consumer) = mpsc::channel::<Vec<Record>>();
    let reader_names = names.clone();
    std::thread::scope(|scope| {
        scope.spawn(move || read_all(&paths, options, reader_names, &to_consumer, &from_consumer));
        // The receivers are moved in and dropped on return, so that a reader
        // blocked on a full channel stops when the consumer fails.
        consume(from_reader, to_reader, names, &mut visit, &mut finished)
    })
}

/// The consuming side of [`for_each_record`], on the caller's thread.
fn consume(
    from_reader: mpsc::Receiver<Message>,
    to_reader: mpsc::Sender<Vec<Record>>,
    names: &mut Names,
    visit: &mut impl FnMut(&SourceInfo, &mut Record, &Names) -> Result<()>,
    finished: &mut impl FnMut(&SourceInfo) -> Result<()>,
) -> Result<()> {
    let mut info = SourceInfo::default();
    for message in from_reader {
        match message {
            Message::Start(start) => info = start,
            Message::Batch { mut records, new_names, dimension } => {
                for name in &new_names {
                    names.intern(name);
                }
                info.dimension = dimension;
                for rec in &mut records {
                    visit(&info, rec, names)?;
                }
                // The reader may be gone already; then the batch is dropped.
                let _ = to_reader.send(records);
            }
            Message::End(end) => finished(&end)?,
            Message::Failed(e) => return Err(e),
        }
    }
    Ok(())
}

/// The reading thread of [`for_each_record`]. Stops early when the consumer
/// hangs up (it returned an error, e.g. a closed pipe).
fn read_all(
    paths: &[String],
    options: SourceOptions,
    mut names: Names,
    out: &mpsc::SyncSender<Message>,
    recycled: &mpsc::Receiver<Vec<Record>>,
) {
    let mut sent_names = names.len();
    for path in paths {
        let mut source = match open_source(path, options.clone()) {
            Ok(source) => source,
            Err(e) => {
                let _ = out.send(Message::Failed(e));
                return;
            }
        };
        if out.send(Message::Start(SourceInfo::of(source.as_ref()))).is_err() {
            return;
        }
        loop {
            let mut records = recycled.try_recv().unwrap_or_default();
            records.resize_with(BATCH, Record::new);
            let mut filled = 0;
            let mut failure = None;
            while filled < BATCH {
                match source.read_record(&mut records[filled], &mut names) {
                    Ok(true) => filled += 1,
                    Ok(false) => break,
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            records.truncate(filled);
            let new_names = names.names_from(sent_names).map(Box::from).collect();
            sent_names = names.len();
            let dimension = source.dimension();
            let last = filled < BATCH;
            if filled > 0 && out.send(Message::Batch { records, new_names, dimension }).is_err() {
                return;
            }
            if let Some(e) = failure {
                let _ = out.send(Message::Failed(e));
                return;
            }
            if last {
                break;
            }
        }
        if out.send(Message::End(SourceInfo::of(source.as_ref()))).is_err() {
            return;
        }
    }
}
