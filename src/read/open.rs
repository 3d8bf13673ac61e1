//! Where records come from. Commands read through [`RecordSource`], so a
//! new input format (a binary profile, `-raw` text) only needs a new
//! implementation of it; [`open_source`] picks one per input by looking
//! at its content: a traces report, `-raw` text ([`crate::read::raw`]), a
//! binary pprof profile ([`crate::read::profile`]), a `?debug=1` text profile
//! ([`crate::read::legacy`]) or a goroutine dump ([`crate::read::goroutine_dump`]).
//! Pasted and captured text goes through [`crate::read::paste`] first when
//! [`SourceOptions::paste`] says so.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use crate::error::{Error, ParseErrorKind, Result};
use crate::read::detect::{identify, sniff, Extent, Identified, InputKind, SNIFF_BYTES};
use crate::read::input_label::{InputLabel, LabelledSource};
use crate::read::paste::{self, PasteMode, PastedKind, Repair};
use crate::read::source::{RecordSource, SourceInfo};
use crate::read::traces::{ReaderOptions, Skipped, TraceReader, SEPARATOR};
use crate::read::{goroutine_dump, input, legacy, profile, race, raw, span_check};
use crate::record::{Header, NameId, Names, Record};
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
    /// Labels put on every sample of each input, from its path
    /// (`--input-label`; see [`crate::read::input_label`]).
    pub input_labels: Vec<InputLabel>,
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
    let mut options: SourceOptions = options.into();
    let input::Input { name, reader } = input::open_watched(path, options.progress.as_ref())?;
    let labels = std::mem::take(&mut options.input_labels);
    labelled(open_input(name, reader, options)?, path, &labels)
}

/// `source`, whose records also carry the input labels of `path`.
fn labelled(
    source: Box<dyn RecordSource>,
    path: &str,
    labels: &[InputLabel],
) -> Result<Box<dyn RecordSource>> {
    if labels.is_empty() {
        return Ok(source);
    }
    Ok(Box::new(LabelledSource::new(source, path, labels)?))
}

/// Like [`open_source`], for an input held in memory (gzipped or not, any
/// encoding [`input::decode`] reads), shown as `name` in messages.
pub fn open_bytes(
    name: &str,
    bytes: Vec<u8>,
    options: impl Into<SourceOptions>,
) -> Result<Box<dyn RecordSource>> {
    let mut options: SourceOptions = options.into();
    let reader = input::decode(Box::new(io::Cursor::new(bytes)))
        .map_err(|source| Error::Io { path: name.to_owned(), source })?;
    let labels = std::mem::take(&mut options.input_labels);
    labelled(open_input(name.to_owned(), reader, options)?, name, &labels)
}

/// Opens an opened input with the reader [`identify`] names: reads the rest
/// when told to, and opens what it says the input is.
fn open_input(
    name: String,
    mut reader: Box<dyn Read>,
    mut options: SourceOptions,
) -> Result<Box<dyn RecordSource>> {
    // Where pasted text is looked at, frame names are checked all through
    // the input, past the part the repair looks at.
    options.reader.check_frames |= options.paste != PasteMode::Off;
    let mut head = Vec::with_capacity(SNIFF_BYTES as usize);
    if let Err(e) = (&mut reader).take(SNIFF_BYTES).read_to_end(&mut head) {
        return Err(read_error(&name, &head, e));
    }
    let mut extent = if (head.len() as u64) < SNIFF_BYTES { Extent::Whole } else { Extent::Head };
    let (paste, lenient) = (options.paste, options.reader.lenient);
    let mut identified = identify(&head, extent, paste, lenient);
    if let Identified::WholeText = identified {
        read_whole(&name, &mut reader, &mut head, "text")?;
        extent = Extent::WholeAfterHead;
        identified = identify(&head, extent, paste, lenient);
    }
    let complete = extent != Extent::Head;
    let index = options.sample_index.as_deref();
    match identified {
        Identified::Refused(refusal) => Err(refusal.error(&name)),
        Identified::Pasted(found) => {
            open_pasted(&name, *found, &mut head, &mut reader, complete, &options)
        }
        // A report whose start needed no repair: its end may still hold
        // what people type after a report.
        Identified::GuardedTraces { proven } => {
            let reader_options = ReaderOptions { elided_frames: true, ..options.reader };
            let lenient = options.reader.lenient;
            let (source, lines) = match proven {
                // The head's whole blocks go to the reader as they are, the
                // rest through the guard.
                Some(plain) => {
                    let (guard, log) = paste::TailGuard::after_head(
                        &head[plain.blocks..],
                        plain.lines,
                        reader,
                        lenient,
                    );
                    head.truncate(plain.blocks);
                    let guard: Box<dyn Read> = Box::new(guard);
                    (
                        TraceReader::with_head(&name, head, guard, reader_options),
                        LineMap::Stream(log),
                    )
                }
                None => {
                    let reader: Box<dyn Read> = Box::new(io::Cursor::new(head).chain(reader));
                    let (guard, log) = paste::TailGuard::new(reader, lenient);
                    let guard: Box<dyn Read> = Box::new(guard);
                    (TraceReader::new(&name, guard, reader_options), LineMap::Stream(log))
                }
            };
            let source = match source {
                Ok(source) => source,
                Err(e) => return Err(lines.map_error(e, &name)),
            };
            check_traces_index(&source, index)?;
            let inner: Box<dyn RecordSource> = Box::new(source);
            let repairs = lines.repairs();
            Ok(Box::new(PastedSource { inner, skipped: Vec::new(), repairs, generation: 0, lines }))
        }
        Identified::Traces => {
            let source = TraceReader::with_head(name, head, reader, options.reader)?;
            check_traces_index(&source, index)?;
            Ok(Box::new(source))
        }
        Identified::Raw => {
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
        Identified::Race => {
            read_whole(&name, &mut reader, &mut head, "race report")?;
            let text = String::from_utf8_lossy(&head);
            Ok(Box::new(race::open(&name, &text, options.frame_lines)?))
        }
        Identified::Legacy => {
            read_whole(&name, &mut reader, &mut head, "text profile")?;
            let text = String::from_utf8_lossy(&head);
            Ok(Box::new(legacy::open(&name, &text, index, options.frame_lines)?))
        }
        Identified::GoroutineDump => {
            read_whole(&name, &mut reader, &mut head, "text profile")?;
            let text = String::from_utf8_lossy(&head);
            Ok(Box::new(goroutine_dump::open(&name, &text, options.frame_lines)?))
        }
        // Binary data that does not start like a profile is not read on:
        // the traces reader says what it is from its first line.
        Identified::NotAProfile => {
            let reader: Box<dyn Read> = Box::new(io::Cursor::new(head).chain(reader));
            Ok(Box::new(TraceReader::new(name, reader, options.reader)?))
        }
        Identified::Profile => {
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
        // `identify` never asks again once it has seen the whole text; were
        // it to, the input is refused rather than read as a guess.
        Identified::WholeText => Err(Error::input(
            &name,
            1,
            "the kind of this text could not be told from the whole of it",
        )),
    }
}

/// Text that [`identify`] found damaged in its first bytes (`found`, what
/// the repair of them found), read repaired and opened with its repairs: a
/// long report's start repaired and the rest as it streams, or the whole
/// text read and repaired.
fn open_pasted(
    name: &str,
    found: paste::Repaired,
    head: &mut Vec<u8>,
    reader: &mut Box<dyn Read>,
    complete: bool,
    options: &SourceOptions,
) -> Result<Box<dyn RecordSource>> {
    if !complete && found.kind == PastedKind::Traces {
        if let Some(source) = open_stream(name, head, reader, options)? {
            return Ok(source);
        }
    }
    let mut repaired = if complete {
        found
    } else {
        read_whole(name, reader, head, "pasted report")?;
        let lenient = options.reader.lenient;
        let repaired = paste::repair_with(&String::from_utf8_lossy(head), true, lenient);
        *head = Vec::new();
        if let Some(unplaced) = &repaired.unplaced {
            return Err(unplaced.error(name));
        }
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
            let reader = ReaderOptions { elided_frames: true, ..options.reader.clone() };
            let source =
                TraceReader::new(name, text, reader).map_err(|e| map_line(e, &repaired))?;
            check_traces_index(&source, options.sample_index.as_deref())?;
            Box::new(source)
        }
    };
    let lines = LineMap::Whole(repaired);
    let repairs = lines.repairs();
    Ok(Box::new(PastedSource { inner, skipped: Vec::new(), repairs, generation: 0, lines }))
}

/// A long pasted report whose start shows damage: its start up to its last
/// whole separator line repaired whole, the rest repaired block by block
/// as it is read ([`paste::RepairStream`]), in the memory of one block.
/// `None` when the start holds no separator line to cut at.
fn open_stream(
    name: &str,
    head: &mut Vec<u8>,
    reader: &mut Box<dyn Read>,
    options: &SourceOptions,
) -> Result<Option<Box<dyn RecordSource>>> {
    // The end of the last separator line of the start.
    let mut cut = None;
    let mut start = 0;
    while let Some(nl) = memchr::memchr(b'\n', &head[start..]) {
        let line = &head[start..start + nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii() == SEPARATOR.as_bytes() || line.ends_with(SEPARATOR.as_bytes()) {
            cut = Some(start + nl + 1);
        }
        start += nl + 1;
    }
    let Some(cut) = cut else { return Ok(None) };
    let Ok(text) = std::str::from_utf8(&head[..cut]) else { return Ok(None) };
    let repaired = paste::repair_with(text, false, options.reader.lenient);
    if let Some(unplaced) = &repaired.unplaced {
        return Err(unplaced.error(name));
    }
    let head_lines = memchr::memchr_iter(b'\n', &head[..cut]).count() as u64;
    let rest = head.split_off(cut);
    let tail = std::mem::replace(reader, Box::new(io::empty()));
    let rest: Box<dyn Read> = Box::new(io::Cursor::new(rest).chain(tail));
    let (stream, log) = paste::RepairStream::new(&repaired, head_lines, rest);
    let reader_options = ReaderOptions { elided_frames: true, ..options.reader.clone() };
    let lines = LineMap::Stream(log);
    let source = match TraceReader::new(name, Box::new(stream) as Box<dyn Read>, reader_options) {
        Ok(source) => source,
        Err(e) => return Err(lines.map_error(e, name)),
    };
    check_traces_index(&source, options.sample_index.as_deref())?;
    let inner: Box<dyn RecordSource> = Box::new(source);
    let repairs = lines.repairs();
    Ok(Some(Box::new(PastedSource { inner, skipped: Vec::new(), repairs, generation: 0, lines })))
}

/// How a repaired input's lines map to the input's lines.
enum LineMap {
    /// Repaired whole.
    Whole(paste::Repaired),
    /// Repaired as it streams.
    Stream(std::rc::Rc<std::cell::RefCell<paste::StreamLog>>),
}

impl LineMap {
    fn original_line(&self, line: u64) -> u64 {
        match self {
            LineMap::Whole(repaired) => repaired.original_line(line),
            LineMap::Stream(log) => log.borrow_mut().original_line(line),
        }
    }

    /// An error of the reader, at the input's line; or the line no repair
    /// places that stopped the stream.
    fn map_error(&self, e: Error, name: &str) -> Error {
        match self {
            LineMap::Whole(repaired) => map_line(e, repaired),
            LineMap::Stream(log) => {
                if let Some(unplaced) = &log.borrow().unplaced {
                    return unplaced.error(name);
                }
                match e {
                    Error::Parse { path, line, kind } => {
                        Error::Parse { path, line: log.borrow_mut().original_line(line), kind }
                    }
                    other => other,
                }
            }
        }
    }

    fn repairs(&self) -> Vec<Repair> {
        match self {
            LineMap::Whole(repaired) => repaired.repairs.clone(),
            LineMap::Stream(log) => log.borrow().repairs.clone(),
        }
    }
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
    lines: LineMap,
    /// The inner source's skipped blocks, at the input's lines.
    skipped: Vec<Skipped>,
    /// The repairs made so far, as of `generation` of a streamed log.
    repairs: Vec<Repair>,
    generation: u64,
}

impl RecordSource for PastedSource {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn header(&self) -> &Header {
        self.inner.header()
    }
    fn read_record(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool> {
        let read = self.inner.read_record(rec, names);
        let read = read.map_err(|e| self.lines.map_error(e, self.inner.name()));
        rec.line = self.lines.original_line(rec.line);
        if self.inner.skipped().len() != self.skipped.len()
            || self.inner.skipped().iter().zip(&self.skipped).any(|(a, b)| a.count != b.count)
        {
            self.skipped = self.inner.skipped().to_vec();
            for s in &mut self.skipped {
                s.first_line = self.lines.original_line(s.first_line);
            }
        }
        if let LineMap::Stream(log) = &self.lines {
            let generation = log.borrow().generation;
            if generation != self.generation {
                self.generation = generation;
                self.repairs = self.lines.repairs();
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
        &self.repairs
    }
    fn time_nanos(&self) -> Option<i64> {
        self.inner.time_nanos()
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
        return Err(Error::input(name, 0, msg));
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

/// Batches a reading thread may send ahead of the consumer.
const AHEAD: usize = 4;

/// Batches a reading thread fills at most: those the consumer holds (in
/// the channel, being visited) come back to it to be filled again, with
/// their records' vectors grown already.
const POOL: usize = AHEAD + 2;

/// What a reading thread sends.
enum Message {
    /// An input was opened.
    Start(SourceInfo),
    /// Records (the first `filled` of `records`; the others are kept for
    /// their vectors), the names the thread first saw in them (its own ids
    /// go on from those of the names it started with), and the dimension
    /// so far.
    Batch { records: Vec<Record>, filled: usize, new_names: Vec<Box<str>>, dimension: Dimension },
    /// The input ended.
    End(SourceInfo),
    /// Reading failed.
    Failed(Error),
}

/// Opens the inputs and hands every record to `visit` with the source it
/// came from, input after input in the order given; `finished` is called at
/// the end of each input. Parsing runs on threads of their own while
/// `visit` runs on the caller's, so a command uses two cores; with several
/// inputs, up to [`std::thread::available_parallelism`] threads each parse
/// the next input not yet taken. Records travel in batches that are
/// recycled, and a thread runs at most a few batches ahead of `visit`, so
/// memory stays bounded whatever the size and number of the inputs.
///
/// Name ids are those of reading the inputs one after the other into
/// `names` (first-seen order): each thread interns into a table of its
/// own, and its batches' ids are mapped to `names`' as they are visited.
/// An input that fails stops the reading where it would have stopped
/// reading the inputs one by one: its records before the failure are
/// visited, then its error is returned.
pub fn for_each_record(
    paths: &[String],
    options: impl Into<SourceOptions>,
    names: &mut Names,
    mut visit: impl FnMut(&SourceInfo, &mut Record, &Names) -> Result<()>,
    mut finished: impl FnMut(&SourceInfo) -> Result<()>,
) -> Result<()> {
    let options: SourceOptions = options.into();
    let paths = paths_or_stdin(paths);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(paths.len());
    let next_input = Mutex::new(0);
    let stop = AtomicBool::new(false);
    let (claims, claimed) = mpsc::channel::<usize>();
    std::thread::scope(|scope| {
        let mut links = Vec::with_capacity(threads);
        for thread in 0..threads.max(1) {
            let (to_consumer, from_reader) = mpsc::sync_channel::<Message>(AHEAD);
            let (to_reader, from_consumer) = mpsc::channel::<Vec<Record>>();
            let reader = Reader {
                thread,
                threads,
                paths: &paths,
                options: options.clone(),
                names: names.clone(),
                next_input: &next_input,
                claims: claims.clone(),
                stop: &stop,
                out: to_consumer,
                recycled: from_consumer,
                out_batches: 0,
            };
            scope.spawn(move || reader.run());
            let remap = (0..names.len() as u32).map(NameId).collect();
            links.push(Link { from_reader, to_reader, remap, identity: true });
        }
        drop(claims);
        // The receivers are moved in and dropped on return, so that a reader
        // blocked on a full channel stops when the consumer fails.
        let result = consume(claimed, links, names, &mut visit, &mut finished);
        stop.store(true, Ordering::Relaxed);
        result
    })
}

/// The consumer's end of one reading thread.
struct Link {
    from_reader: mpsc::Receiver<Message>,
    to_reader: mpsc::Sender<Vec<Record>>,
    /// The thread's name ids to the consumer's.
    remap: Vec<NameId>,
    /// True while every id of the thread is the consumer's own.
    identity: bool,
}

/// The consuming side of [`for_each_record`], on the caller's thread:
/// the inputs in order, each from the thread that took it.
fn consume(
    claimed: mpsc::Receiver<usize>,
    mut links: Vec<Link>,
    names: &mut Names,
    visit: &mut impl FnMut(&SourceInfo, &mut Record, &Names) -> Result<()>,
    finished: &mut impl FnMut(&SourceInfo) -> Result<()>,
) -> Result<()> {
    // Threads take the inputs in order and say so here in that order.
    for thread in claimed {
        let link = &mut links[thread];
        let mut info = SourceInfo::default();
        // A thread gone without a word panicked: the scope says so.
        for message in &link.from_reader {
            match message {
                Message::Start(start) => info = start,
                Message::Batch { mut records, filled, new_names, dimension } => {
                    for name in &new_names {
                        let id = names.intern(name);
                        link.identity &= id.0 as usize == link.remap.len();
                        link.remap.push(id);
                    }
                    if !link.identity {
                        for rec in &mut records[..filled] {
                            remap_names(rec, &link.remap);
                        }
                    }
                    info.dimension = dimension;
                    for rec in &mut records[..filled] {
                        visit(&info, rec, names)?;
                    }
                    // The reader may be gone already; then the batch is dropped.
                    let _ = link.to_reader.send(records);
                }
                Message::End(end) => {
                    finished(&end)?;
                    break;
                }
                Message::Failed(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// A record's name ids, from a reading thread's to the consumer's.
fn remap_names(rec: &mut Record, remap: &[NameId]) {
    for frame in &mut rec.frames {
        frame.name = remap[frame.name.0 as usize];
    }
    for origin in &mut rec.origins {
        for id in [&mut origin.file, &mut origin.mapping].into_iter().flatten() {
            *id = remap[id.0 as usize];
        }
    }
}

/// One reading thread of [`for_each_record`].
struct Reader<'a> {
    thread: usize,
    /// How many reading threads there are.
    threads: usize,
    paths: &'a [String],
    options: SourceOptions,
    /// The thread's own names, from a copy of the consumer's at the start.
    names: Names,
    /// The next input no thread took yet.
    next_input: &'a Mutex<usize>,
    /// Which thread took each input, in input order.
    claims: mpsc::Sender<usize>,
    /// Set when an input failed or the consumer stopped: take no more.
    stop: &'a AtomicBool,
    out: mpsc::SyncSender<Message>,
    recycled: mpsc::Receiver<Vec<Record>>,
    /// Batches made and not dropped: those not being filled are with the
    /// consumer, which sends each back when visited.
    out_batches: usize,
}

impl Reader<'_> {
    /// Reads input after input, each the next one not taken. Stops early
    /// when the consumer hangs up (it returned an error, e.g. a closed pipe)
    /// or an input failed.
    fn run(mut self) {
        // Several reading threads keep the cores busy: none of their readers
        // starts a thread of its own to check what its search skips.
        span_check::set_cores_taken(self.threads > 1);
        let mut sent_names = self.names.len();
        while !self.stop.load(Ordering::Relaxed) {
            let path = {
                let mut next = self.next_input.lock().unwrap_or_else(|e| e.into_inner());
                let Some(path) = self.paths.get(*next) else { return };
                *next += 1;
                // Sent while the input is held, so that claims arrive in order.
                if self.claims.send(self.thread).is_err() {
                    return;
                }
                path
            };
            if !self.read_one(path, &mut sent_names) {
                return;
            }
        }
    }

    /// Reads one input to its end; false when reading must stop.
    fn read_one(&mut self, path: &str, sent_names: &mut usize) -> bool {
        let out = &self.out;
        let fail = |e| {
            self.stop.store(true, Ordering::Relaxed);
            let _ = out.send(Message::Failed(e));
            false
        };
        let mut source = match open_source(path, self.options.clone()) {
            Ok(source) => source,
            Err(e) => return fail(e),
        };
        if out.send(Message::Start(SourceInfo::of(source.as_ref()))).is_err() {
            return false;
        }
        loop {
            // A batch back from the consumer, else a new one while fewer
            // than POOL are out, else the next one back.
            let mut records = match self.recycled.try_recv() {
                Ok(records) => records,
                Err(_) if self.out_batches < POOL => {
                    self.out_batches += 1;
                    Vec::new()
                }
                Err(_) => match self.recycled.recv() {
                    Ok(records) => records,
                    // The consumer is gone.
                    Err(_) => return false,
                },
            };
            records.resize_with(BATCH, Record::new);
            let mut filled = 0;
            let mut failure = None;
            while filled < BATCH {
                match source.read_record(&mut records[filled], &mut self.names) {
                    Ok(true) => filled += 1,
                    Ok(false) => break,
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            let new_names = self.names.names_from(*sent_names).map(Box::from).collect();
            *sent_names = self.names.len();
            let dimension = source.dimension();
            let last = filled < BATCH;
            if filled == 0 {
                // Dropped: one fewer made.
                self.out_batches -= 1;
            } else if out.send(Message::Batch { records, filled, new_names, dimension }).is_err() {
                return false;
            }
            if let Some(e) = failure {
                return fail(e);
            }
            if last {
                break;
            }
        }
        out.send(Message::End(SourceInfo::of(source.as_ref()))).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::paste::RepairKind;

    /// Each record as `input record: frames (id name)...`, and the names
    /// table, reading the inputs one by one into one table.
    fn one_by_one(paths: &[String]) -> (Vec<String>, Vec<String>, Option<String>) {
        let mut names = Names::new();
        let mut seen = Vec::new();
        let mut rec = Record::new();
        for path in paths {
            let mut source = match open_source(path, SourceOptions::default()) {
                Ok(source) => source,
                Err(e) => return (seen, all_names(&names), Some(e.to_string())),
            };
            loop {
                match source.read_record(&mut rec, &mut names) {
                    Ok(true) => seen.push(shown(source.name(), &rec, &names)),
                    Ok(false) => break,
                    Err(e) => return (seen, all_names(&names), Some(e.to_string())),
                }
            }
            seen.push(format!("end {}", source.name()));
        }
        (seen, all_names(&names), None)
    }

    fn in_parallel(paths: &[String]) -> (Vec<String>, Vec<String>, Option<String>) {
        let mut names = Names::new();
        let seen = std::cell::RefCell::new(Vec::new());
        let result = for_each_record(
            paths,
            SourceOptions::default(),
            &mut names,
            |src, rec, names| {
                seen.borrow_mut().push(shown(src.name(), rec, names));
                Ok(())
            },
            |src| {
                seen.borrow_mut().push(format!("end {}", src.name()));
                Ok(())
            },
        );
        (seen.into_inner(), all_names(&names), result.err().map(|e| e.to_string()))
    }

    fn shown(input: &str, rec: &Record, names: &Names) -> String {
        let frames = rec.frames.iter().map(|f| format!("{} {}", f.name.0, names.get(f.name)));
        let origins = rec.origins.iter().map(|o| {
            let name =
                |id: Option<NameId>| id.map_or("-".to_owned(), |id| names.get(id).to_owned());
            format!("{}/{}", name(o.file), name(o.mapping))
        });
        format!("{input} {}: {}", rec.index, frames.chain(origins).collect::<Vec<_>>().join(", "))
    }

    fn all_names(names: &Names) -> Vec<String> {
        names.iter().map(|(id, n)| format!("{} {n}", id.0)).collect()
    }

    /// Reports of different functions, each input sharing some with
    /// others, in mixed formats (traces text and binary profiles).
    fn fleet(dir: &std::path::Path, n: usize) -> Vec<String> {
        let sep = "-----------+-------------------------------------------------------";
        let mut paths = Vec::new();
        for i in 0..n {
            if i % 5 == 3 {
                paths.push("tests/data/inputs/mutex.pb.gz".to_owned());
                continue;
            }
            let mut text = format!("Type: contentions\n{sep}\n");
            for k in 0..300 {
                let f = (i * 7 + k * 13) % (40 + i);
                text += &format!(
                    "         {k}   main.f{f}\n             main.g{}\n             main.main\n{sep}\n",
                    (f * 3 + i) % 17
                );
            }
            let path = dir.join(format!("pod-{i:02}.txt"));
            std::fs::write(&path, text).unwrap();
            paths.push(path.to_string_lossy().into_owned());
        }
        paths
    }

    #[test]
    fn many_inputs_read_at_once_are_visited_as_if_read_one_by_one() {
        let dir = std::env::temp_dir().join(format!("traces-tool-fleet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut paths = fleet(&dir, 23);
        let expected = one_by_one(&paths);
        assert_eq!(expected.0.iter().filter(|l| l.starts_with("end ")).count(), 23);
        assert!(expected.1.len() > 60, "many names, first seen in different inputs");
        assert_eq!(in_parallel(&paths), expected);
        // A damaged input stops the reading there, after its first records.
        let bad = dir.join("bad.txt");
        let sep = "-----------+-------------------------------------------------------";
        std::fs::write(&bad, format!("{sep}\n  1   main.a\n{sep}\n  zz   main.b\n{sep}\n"))
            .unwrap();
        paths.insert(11, bad.to_string_lossy().into_owned());
        paths.insert(15, "/nonexistent/pod.txt".to_owned());
        let expected = one_by_one(&paths);
        assert!(expected.2.as_deref().is_some_and(|e| e.contains("bad.txt:4")), "{expected:?}");
        assert_eq!(in_parallel(&paths), expected);
        // And an input that cannot be opened.
        paths.remove(11);
        let expected = one_by_one(&paths);
        assert!(expected.2.as_deref().is_some_and(|e| e.contains("nonexistent")));
        assert_eq!(in_parallel(&paths), expected);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A report longer than the head looked at, whose head is plain: the
    /// head's blocks go to the reader unguarded, the rest through the tail
    /// guard, and what it repairs is said at the input's own lines.
    #[test]
    fn damage_after_a_plain_head_is_repaired_at_its_own_lines() {
        let sep = "-----------+-------------------------------------------------------";
        let mut text = format!("File: app\nType: inuse_space\n{sep}\n");
        let mut blocks = 0;
        while text.len() < SNIFF_BYTES as usize + 4096 {
            text += &format!("      1MB   main.f{}\n             main.main\n{sep}\n", blocks % 7);
            blocks += 1;
        }
        let comment_line = text.lines().count() as u64 + 2;
        text += &format!("      2MB   main.g\n             main.h   // leaks here\n{sep}\n");
        let prose_line = text.lines().count() as u64 + 1;
        text += "That is all, thanks.\n";
        let options = SourceOptions { paste: PasteMode::Repair, ..SourceOptions::default() };
        let mut source = open_bytes("long.txt", text.into_bytes(), options).unwrap();
        let mut names = Names::new();
        let mut rec = Record::new();
        let mut last = String::new();
        let mut count = 0;
        while source.read_record(&mut rec, &mut names).unwrap() {
            count += 1;
            last = rec.frames.iter().map(|f| names.get(f.name)).collect::<Vec<_>>().join(" ");
        }
        assert_eq!((count, last.as_str()), (blocks + 1, "main.g main.h"));
        let repairs: Vec<_> = source
            .repairs()
            .iter()
            .map(|r| (r.kind, r.count, r.first_line, r.first_text.clone()))
            .collect();
        assert_eq!(
            repairs,
            [
                (
                    RepairKind::Annotation,
                    1,
                    comment_line,
                    "             main.h   // leaks here".into()
                ),
                (RepairKind::TextAfterReport, 1, prose_line, "That is all, thanks.".into()),
            ]
        );
    }

    #[test]
    fn a_consumer_error_stops_every_reader() {
        let dir =
            std::env::temp_dir().join(format!("traces-tool-fleet-stop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let paths = fleet(&dir, 40);
        let mut names = Names::new();
        let mut visited = 0;
        let result = for_each_record(
            &paths,
            SourceOptions::default(),
            &mut names,
            |_, _, _| {
                visited += 1;
                if visited == 1000 {
                    return Err(Error::Io {
                        path: "-".to_owned(),
                        source: io::Error::from(io::ErrorKind::BrokenPipe),
                    });
                }
                Ok(())
            },
            |_| Ok(()),
        );
        assert!(result.is_err());
        assert_eq!(visited, 1000);
        std::fs::remove_dir_all(&dir).ok();
    }
}
