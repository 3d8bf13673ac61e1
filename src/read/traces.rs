//! The streaming parser of pprof's `traces` report.
//!
//! One pass over the bytes: `LineReader` hands out lines without copying
//! them, `classify` names each line of a block (every arm is a production
//! of `grammar/traces.pest`), and [`TraceReader`] assembles lines into
//! [`Record`]s, reusing the caller's record so that reading allocates nothing
//! per sample. See `../shared/notes/pprof-text-formats.md` section 2 for the
//! layout pprof's `printTraces` writes.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;

use memchr::memchr;

use crate::error::{Error, ParseErrorKind, Result};
use crate::frame::split_inline_bytes;
use crate::matcher::Prefilter;
use crate::read::input::{DecodeError, Input};
use crate::read::span_check::{Checker, Job, Verdict};
use crate::record::{Frame, Header, HeaderField, Names, Record};
use crate::units::{parse_value, Dimension};

/// The inline marker and its split, re-exported from [`crate::frame`].
pub use crate::frame::{split_inline, INLINE_SUFFIX};

/// The line pprof prints before every block and once after the last one:
/// 11 `-`, a `+`, 55 `-`. Unchanged since 2016.
pub const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// Continuation frames start with exactly this many spaces (`%10s` of an
/// empty value plus the 3 spaces of `%10s   %s`).
pub const FRAME_INDENT: usize = 13;

/// Lines longer than this are refused: no report has them, binary data does.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// A reader of `\n`-terminated lines over any byte source, handing out
/// slices of its own buffer (no copy, no allocation per line).
pub(crate) struct LineReader<R> {
    inner: R,
    /// Shared with the thread that checks the spans a search skips
    /// (`span_check`) while it holds some: reading goes on in another.
    buf: Arc<Vec<u8>>,
    /// Buffers given up while shared, for reuse once they are not.
    spare: Vec<Arc<Vec<u8>>>,
    start: usize,
    end: usize,
    eof: bool,
    line: u64,
    /// Bytes handed out so far, as lines with their `\n`.
    consumed: u64,
}

impl LineReader<io::Empty> {
    /// A reader of the lines of `buf[start..end]`, read already.
    fn over(buf: Arc<Vec<u8>>, start: usize, end: usize) -> Self {
        LineReader {
            inner: io::empty(),
            buf,
            spare: Vec::new(),
            start,
            end,
            eof: true,
            line: 0,
            consumed: 0,
        }
    }
}

impl<R: Read> LineReader<R> {
    /// A reader with a 256 KiB buffer.
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: Arc::new(vec![0; 1 << 18]),
            spare: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            line: 0,
            consumed: 0,
        }
    }

    /// A reader whose first bytes, `head`, were read already: they start
    /// its buffer (grown to 256 KiB), without a copy.
    pub(crate) fn with_head(inner: R, mut head: Vec<u8>) -> Self {
        let end = head.len();
        if end < 1 << 18 {
            head.resize(1 << 18, 0);
        }
        LineReader {
            inner,
            buf: Arc::new(head),
            spare: Vec::new(),
            start: 0,
            end,
            eof: false,
            line: 0,
            consumed: 0,
        }
    }

    /// The 1-based number of the line returned last.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// How many bytes the lines returned so far held, with their `\n`.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The next line without its `\n` (and without a `\r` before it), or
    /// `None` at the end. `Err` of kind `InvalidData` for an over-long line.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        let mut searched = 0;
        loop {
            if let Some(i) = find_newline(&self.buf[self.start + searched..self.end]) {
                let begin = self.start;
                let stop = begin + searched + i;
                if stop - begin > MAX_LINE {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
                }
                self.start = stop + 1;
                self.consumed += (stop + 1 - begin) as u64;
                self.line += 1;
                return Ok(Some(trim_cr(&self.buf[begin..stop])));
            }
            searched = self.end - self.start;
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let begin = self.start;
                if self.end - begin > MAX_LINE {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
                }
                self.start = self.end;
                self.consumed += (self.end - begin) as u64;
                self.line += 1;
                return Ok(Some(trim_cr(&self.buf[begin..self.end])));
            }
            if searched > MAX_LINE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
            self.fill()?;
        }
    }

    /// Reads the frame lines that come next (13 spaces, then the frame)
    /// as far as they are buffered whole, handing `each` their frame text
    /// after the spaces (without a `\r` ending the line), as
    /// [`LineReader::next_line`] would return their lines. Stops before any
    /// other line, or after the line `each` fails on, with its error. Most
    /// lines of a report are frame lines: this is their path, without the
    /// bookkeeping of `next_line` per line.
    ///
    /// Before looking for a line's end, `guess` is handed the buffered text
    /// after the spaces: it may take the line itself (when it knows what
    /// the line says) and return the length of its frame text, which must
    /// be the text `each` would have been handed (followed by `\n`, not
    /// ending in `\r`, at most [`MAX_LINE`] bytes with the spaces).
    #[inline]
    pub(crate) fn read_frame_lines<C, E>(
        &mut self,
        context: &mut C,
        mut guess: impl FnMut(&mut C, &[u8]) -> Option<usize>,
        mut each: impl FnMut(&mut C, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let hay = &self.buf[..self.end];
        let (mut start, mut lines) = (self.start, 0);
        let mut result = Ok(());
        while hay.len() - start > FRAME_INDENT && is_indent(&hay[start..]) {
            let text = &hay[start + FRAME_INDENT..];
            if let Some(len) = guess(context, text) {
                debug_assert!(text[len] == b'\n' && trim_cr(&text[..len]).len() == len);
                start += FRAME_INDENT + len + 1;
                lines += 1;
                continue;
            }
            let Some(len) = frame_line_len(&hay[start..]) else { break };
            let frame = trim_cr(&hay[start + FRAME_INDENT..start + len]);
            start += len + 1;
            lines += 1;
            if let Err(e) = each(context, frame) {
                result = Err(e);
                break;
            }
        }
        self.consumed += (start - self.start) as u64;
        self.line += lines;
        self.start = start;
        result
    }

    /// Takes the next line when it is buffered whole and is `expected`
    /// exactly, ended by `\n`, as [`LineReader::next_line`] would return
    /// it; else takes nothing and returns false.
    #[inline]
    pub(crate) fn take_line(&mut self, expected: &[u8]) -> bool {
        let end = self.start + expected.len();
        if self.buf[..self.end].get(self.start..end) != Some(expected)
            || self.buf[..self.end].get(end) != Some(&b'\n')
        {
            return false;
        }
        self.consumed += (end + 1 - self.start) as u64;
        self.line += 1;
        self.start = end + 1;
        true
    }

    /// How many buffered bytes, from the next line on, hold only whole
    /// blocks that cannot hold a hit of `prefilter`: the bytes up to the
    /// start of the last separator line before the first hit (or before
    /// the end of what is buffered). Call it right after a separator line.
    /// 0 when the next block may hold a hit. Reads more input when what is
    /// buffered holds neither a hit nor a separator.
    pub(crate) fn skippable(&mut self, prefilter: &Prefilter) -> io::Result<usize> {
        loop {
            let hay = &self.buf[self.start..self.end];
            let hit = prefilter.find(hay);
            let limit = hit.unwrap_or(hay.len());
            // The separator line starting last before the limit.
            if let Some(i) = last_separator(&hay[..limit]) {
                return Ok(i + 1);
            }
            // A block larger than half the buffer is read line by line.
            if hit.is_some() || self.eof || hay.len() >= self.buf.len() / 2 {
                return Ok(0);
            }
            let before = self.end - self.start;
            self.fill()?;
            if self.end - self.start == before {
                return Ok(0);
            }
        }
    }

    /// Moves the partial line to the front, grows the buffer if needed, and
    /// reads more.
    fn fill(&mut self) -> io::Result<()> {
        if Arc::get_mut(&mut self.buf).is_none() {
            self.unshare();
        }
        let buf = Arc::get_mut(&mut self.buf).expect("a buffer of its own");
        if self.start > 0 {
            buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        loop {
            match self.inner.read(&mut buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// How many of the buffers given up another thread still holds.
    fn held(&self) -> usize {
        self.spare.iter().filter(|b| Arc::strong_count(b) > 1).count()
    }

    /// Moves the unread bytes to a buffer no other thread holds (a spare
    /// one given back, else a new one), keeping the shared one as a spare.
    #[cold]
    fn unshare(&mut self) {
        let pending = self.end - self.start;
        let size = self.buf.len();
        let free = self.spare.iter().position(|b| Arc::strong_count(b) == 1);
        let mut fresh = match free {
            Some(i) => self.spare.swap_remove(i),
            None => Arc::new(Vec::new()),
        };
        let buf = Arc::get_mut(&mut fresh).expect("a spare buffer no one holds");
        if buf.len() < size {
            buf.resize(size, 0);
        }
        buf[..pending].copy_from_slice(&self.buf[self.start..self.end]);
        let shared = std::mem::replace(&mut self.buf, fresh);
        // As many as the checking thread may hold at once, and a few more.
        if self.spare.len() < 2 * MAX_HELD {
            self.spare.push(shared);
        }
        self.start = 0;
        self.end = pending;
    }
}

/// The offset of the `\n` before the last line of `hay` that starts like
/// a separator (`-----------+`, whole in `hay`): a walk back line by line,
/// as the last one is near the end of `hay` (before a hit, or the end of
/// what is buffered).
fn last_separator(hay: &[u8]) -> Option<usize> {
    const START: &[u8] = b"-----------+";
    memchr::memrchr_iter(b'\n', hay).find(|&i| hay.get(i + 1..i + 1 + START.len()) == Some(START))
}

fn trim_cr(line: &[u8]) -> &[u8] {
    match line.split_last() {
        Some((b'\r', rest)) => rest,
        _ => line,
    }
}

/// The length (without its `\n`) of the frame line `hay` starts with, if
/// it starts with one that it holds whole (and that is not too long).
#[inline]
fn frame_line_len(hay: &[u8]) -> Option<usize> {
    if hay.len() <= FRAME_INDENT || !is_indent(hay) {
        return None;
    }
    let len = FRAME_INDENT + find_newline(&hay[FRAME_INDENT..])?;
    (len <= MAX_LINE).then_some(len)
}

/// True when `bytes` starts with the 13 spaces of a frame line (it holds
/// at least 13 bytes): two overlapping words compared, no loop.
#[inline]
fn is_indent(bytes: &[u8]) -> bool {
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    word(0) == SPACES && word(FRAME_INDENT - 8) == SPACES
}

/// The position of the first `\n` in `hay`. Frame lines are short: their
/// end is found 8 bytes at a time inline (a word's zero bytes found with
/// arithmetic) before `memchr`, whose call costs more than that search,
/// takes over for a long line.
#[inline]
fn find_newline(hay: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const NEWLINES: u64 = u64::from_le_bytes([b'\n'; 8]);
    let mut at = 0;
    while at + 8 <= hay.len() && at < 64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&hay[at..at + 8]);
        let x = u64::from_le_bytes(w) ^ NEWLINES;
        // The lowest byte flagged is the first zero byte of `x` (a borrow
        // may flag bytes above it, never below).
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return Some(at + (zeros.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr(b'\n', &hay[at..]).map(|i| at + i)
}

/// One line inside a block, as `classify` reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// `-----------+-------------------------------------------------------`
    Separator,
    /// `     bytes:  352B` (key `bytes`, values `352B`)
    Label {
        /// The key, without its colon.
        key: &'a str,
        /// The values as printed, space-separated.
        values: &'a str,
    },
    /// `   21.01MB   net/textproto.(*Reader).ReadMIMEHeader`
    Value {
        /// The value token (`21.01MB`).
        token: &'a str,
        /// The leaf frame's text.
        frame: &'a str,
    },
    /// `             net/http.readRequest`
    Frame {
        /// The frame's text.
        frame: &'a str,
    },
}

/// Names one line of a block. Never fails on the value token itself: that
/// is checked by the caller with [`parse_value`].
pub(crate) fn classify(line: &str) -> Result<Line<'_>, ParseErrorKind> {
    let bytes = line.as_bytes();
    if bytes.len() >= FRAME_INDENT && bytes[..FRAME_INDENT].iter().all(|&b| b == b' ') {
        // `             net/http.readRequest`
        return Ok(Line::Frame { frame: &line[FRAME_INDENT..] });
    }
    if bytes.first() == Some(&b'-') && line.trim_end() == SEPARATOR {
        return Ok(Line::Separator);
    }
    let body = line.trim_start_matches(' ');
    if body.is_empty() {
        return Err(ParseErrorKind::BlankLineInBlock);
    }
    if body.starts_with("---") && body.contains('+') {
        return Err(ParseErrorKind::BadSeparator(line.to_owned()));
    }
    let token_end = memchr(b' ', body.as_bytes()).unwrap_or(body.len());
    let token = &body[..token_end];
    let rest = &body[token_end..];
    // A value line: `%10s   %s`, a token without `:` and exactly 3 spaces.
    if !token.ends_with(':')
        && rest.len() > 3
        && rest.starts_with("   ")
        && !rest[3..].starts_with(' ')
    {
        return Ok(Line::Value { token, frame: &rest[3..] });
    }
    // A label line: `%10s:  %s`; the key may contain `:` (`pprof::base`) and
    // the values may be empty (then an editor may have trimmed the spaces).
    if let Some(colon) = find_label_colon(body.as_bytes()) {
        return Ok(Line::Label { key: &body[..colon], values: &body[colon + 3..] });
    }
    if let Some(key) = body.trim_end().strip_suffix(':') {
        return Ok(Line::Label { key, values: "" });
    }
    Err(ParseErrorKind::UnrecognizedLine(line.to_owned()))
}

/// Where `:  ` first occurs in `body` (as `str::find` would say, without
/// building a substring searcher for each line).
fn find_label_colon(body: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b':', body).find(|&i| body[i + 1..].starts_with(b"  "))
}

/// How a [`TraceReader`] reads.
#[derive(Clone, Debug, Default)]
pub struct ReaderOptions {
    /// Skip malformed blocks (counted in [`TraceReader::skipped`]) instead
    /// of stopping at the first one. Default: false (strict).
    pub lenient: bool,
    /// Search-first reading: blocks whose bytes hold none of the
    /// prefilter's literals are not returned (their samples are still
    /// counted in record numbers). Only for callers that keep nothing but
    /// samples matching the prefilter's pattern. Such blocks are still
    /// checked line by line as a full read checks them (without keeping
    /// their frame names), so that the verdict on an input is the same:
    /// the same errors at the same lines, the same blocks skipped in
    /// lenient mode.
    pub prefilter: Option<Prefilter>,
    /// Frame names are checked to have the shape pprof prints
    /// ([`crate::frame::unlike_a_frame`]): a comment, an elision mark,
    /// prose or padding on a frame line is an [`ParseErrorKind::Unplaced`]
    /// error at its line instead of a frame. Set where pasted text is looked
    /// at (the command line's default), so that damage past the part a
    /// repair looks at is never read as frames.
    pub check_frames: bool,
    /// With `check_frames`: the frame [`crate::frame::ELIDED_FRAME`]
    /// (`...`) is kept, as a repair writes it for frames left out of a
    /// pasted stack. Off, it is an unplaced line like any elision mark.
    pub elided_frames: bool,
}

/// Blocks a lenient reader skipped, per kind of problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The kind's stable name (`bad-value`, ...).
    pub kind: &'static str,
    /// How many blocks were skipped for it.
    pub count: u64,
    /// Line and message of the first of them.
    pub first_line: u64,
    /// The message of the first of them.
    pub first_message: String,
}

/// Where the reader is between lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// After a separator: labels or the value line come next.
    Labels,
    /// After the value line: frames or the separator come next.
    Frames,
    /// Lenient mode, after an error: skipping to the next separator.
    Skipping,
}

/// Streams the records of one traces report.
pub struct TraceReader<R> {
    lines: LineReader<R>,
    name: String,
    header: Header,
    options: ReaderOptions,
    state: State,
    /// What the values may be measured in: later ones must agree.
    units: Units,
    samples: u64,
    skipped: Vec<Skipped>,
    done: bool,
    /// Search-first reading: where the blocks known to hold no hit of the
    /// prefilter end (an offset in the input, as [`LineReader::consumed`]).
    check_end: u64,
    /// The block being read is one of those: checked, not returned.
    check_only: bool,
    /// Search-first reading in strict mode: those blocks may be checked on
    /// a second thread.
    split: Option<Box<Split>>,
}

/// Search-first reading on two threads: the reading thread hands the spans
/// of whole blocks its search rules out to a [`Checker`] and reads on; what
/// it reads is queued in input order, each record and error let out once
/// every span before it is checked. Line and sample numbers counted by the
/// reading thread leave out the spans handed over; they are added back as
/// the verdicts come in.
struct Split {
    /// Started once the input is past [`SPLIT_AFTER`] bytes and the
    /// report's units are settled (so the spans check alike on either
    /// thread), on a machine with more than one core.
    checker: Option<Checker>,
    /// Whether starting it was ruled out (one core).
    one_core: bool,
    /// Bytes read before it starts: [`SPLIT_AFTER`] (less in tests).
    after: u64,
    events: VecDeque<Event>,
    /// Records let out, for reuse by the events.
    pool: Vec<Record>,
    /// Records queued and bytes of spans not yet checked.
    queued: usize,
    unchecked: usize,
    /// Lines and samples of the spans checked so far.
    lines: u64,
    samples: u64,
    /// An end or an error is queued: read no more.
    finished: bool,
}

impl Split {
    /// Queues what reading ahead gave: a record, the end, or an error.
    fn queue(&mut self, read: Result<Option<Record>>) {
        match read {
            Ok(Some(rec)) => {
                self.events.push_back(Event::Record(rec));
                self.queued += 1;
            }
            Ok(None) => {
                self.events.push_back(Event::End);
                self.finished = true;
            }
            Err(err) => {
                self.events.push_back(Event::Failed(err));
                self.finished = true;
            }
        }
    }
}

/// Checks a span on the checking thread as the reading thread would have:
/// [`quick_check`] as far as the blocks have the plain shape, the rest read
/// line by line (checked, not kept). `units` are settled: no block changes
/// them.
fn check_span(
    job: &Job,
    name: &str,
    units: &Units,
    check_frames: bool,
    elided_frames: bool,
) -> Verdict {
    let region = &job.buf[job.start..job.end];
    let mut settled = units.clone();
    let done = quick_check(region, job.limit - job.start, &mut settled, check_frames);
    if done.bytes == region.len() {
        return Verdict { lines: done.lines, samples: done.samples, error: None };
    }
    let mut reader = TraceReader {
        lines: LineReader::over(Arc::clone(&job.buf), job.start + done.bytes, job.end),
        name: name.to_owned(),
        header: Header::default(),
        options: ReaderOptions { check_frames, elided_frames, ..ReaderOptions::default() },
        state: State::Labels,
        units: units.clone(),
        samples: 0,
        skipped: Vec::new(),
        done: false,
        // Every block is checked only.
        check_end: u64::MAX,
        check_only: true,
        split: None,
    };
    let (mut rec, mut names) = (Record::new(), Names::new());
    let error = loop {
        match reader.read_block(&mut rec, &mut names) {
            Ok(true) => continue,
            Ok(false) => break None,
            Err(Error::Parse { path, line, kind }) => {
                break Some(Error::Parse { path, line: line + done.lines, kind })
            }
            Err(other) => break Some(other),
        }
    };
    Verdict {
        lines: done.lines + reader.lines.line(),
        samples: done.samples + reader.samples,
        error,
    }
}

/// What the reading thread found, in input order.
enum Event {
    /// A span handed to the checker, starting after `line` lines read by
    /// this thread, `bytes` long.
    Span {
        line: u64,
        bytes: usize,
    },
    Record(Record),
    Failed(Error),
    End,
}

/// Input read before a second thread checks the spans a search skips:
/// smaller inputs are read on one thread.
const SPLIT_AFTER: u64 = 1 << 20;

/// How far the reading thread may run ahead of the checking thread:
/// bytes of spans not yet checked, records queued.
const MAX_UNCHECKED: usize = 8 << 20;
const MAX_QUEUED: usize = 4096;

/// Bytes of spans not yet checked above which the reading thread checks
/// the next span itself.
const HAND_OFF_LAG: usize = 4 << 20;

/// Line buffers the checker may hold at once.
const MAX_HELD: usize = 24;

impl TraceReader<Box<dyn Read>> {
    /// Reads the header of an opened input.
    pub fn open(input: Input, options: ReaderOptions) -> Result<Self> {
        TraceReader::new(input.name, input.reader, options)
    }
}

impl ReaderOptions {
    /// How frame names are checked: not at all, for their shape, or for
    /// their shape with the elided-frames marker kept.
    fn frame_check(&self) -> FrameCheck {
        match (self.check_frames, self.elided_frames) {
            (false, _) => FrameCheck::None,
            (true, false) => FrameCheck::Shape,
            (true, true) => FrameCheck::ShapeOrElided,
        }
    }
}

/// See [`ReaderOptions::frame_check`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameCheck {
    None,
    Shape,
    ShapeOrElided,
}

impl<R: Read> TraceReader<R> {
    /// Reads the header (everything up to the first separator) of `reader`,
    /// shown as `name` in errors.
    pub fn new(name: impl Into<String>, reader: R, options: ReaderOptions) -> Result<Self> {
        TraceReader::with_lines(name.into(), LineReader::new(reader), options)
    }

    /// Like [`TraceReader::new`], for an input whose first bytes, `head`,
    /// were read already (`reader` holds the rest): they are read from
    /// where they are, not copied.
    pub(crate) fn with_head(
        name: impl Into<String>,
        head: Vec<u8>,
        reader: R,
        options: ReaderOptions,
    ) -> Result<Self> {
        TraceReader::with_lines(name.into(), LineReader::with_head(reader, head), options)
    }

    fn with_lines(name: String, lines: LineReader<R>, options: ReaderOptions) -> Result<Self> {
        let mut this = TraceReader {
            lines,
            name,
            header: Header::default(),
            options,
            state: State::Labels,
            units: Units::default(),
            samples: 0,
            skipped: Vec::new(),
            done: false,
            check_end: 0,
            check_only: false,
            split: None,
        };
        this.read_header()?;
        if this.options.prefilter.is_some() && !this.options.lenient {
            this.split = Some(Box::new(Split {
                checker: None,
                one_core: false,
                after: SPLIT_AFTER,
                events: VecDeque::new(),
                pool: Vec::new(),
                queued: 0,
                unchecked: 0,
                lines: 0,
                samples: 0,
                finished: false,
            }));
        }
        this.units = Units::of_header(&this.header);
        Ok(this)
    }

    /// The input's name as shown in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The header lines.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// What the report's values measure: from the values read so far, else
    /// from the header's `Type:`, else a count.
    pub fn dimension(&self) -> Dimension {
        self.units.seen.or_else(|| self.header.dimension()).unwrap_or(Dimension::Count)
    }

    /// Blocks skipped in lenient mode, per kind.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The line number reached.
    pub fn line(&self) -> u64 {
        self.lines.line()
    }

    fn error(&self, kind: ParseErrorKind) -> Error {
        Error::Parse { path: self.name.clone(), line: self.lines.line(), kind }
    }

    /// A read error: a line too long, or damaged gzip or UTF-16 data, is
    /// reported at the line being read when it happened.
    fn io_error(&self, e: io::Error) -> Error {
        let kind = if e.kind() == io::ErrorKind::InvalidData && e.to_string() == "line too long" {
            ParseErrorKind::LineTooLong(MAX_LINE)
        } else if let Some(decode) = DecodeError::of(&e) {
            decode.kind()
        } else {
            return Error::Io { path: self.name.clone(), source: e };
        };
        Error::Parse { path: self.name.clone(), line: self.lines.line() + 1, kind }
    }

    fn read_header(&mut self) -> Result<()> {
        let mut first = true;
        loop {
            let line = match self.lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => return Err(self.io_error(e)),
            };
            if line.contains(&0) {
                return Err(self.error(binary_data()));
            }
            let Ok(text) = std::str::from_utf8(line) else {
                return Err(self.error(binary_data()));
            };
            // Interactive transcripts: `(pprof) File: heketi`. When stderr
            // was captured too (`2>&1`), pprof's banner and a first copy of
            // the header come before the prompt: the report starts after it.
            let text = match text.strip_prefix("(pprof) ") {
                Some(rest) => {
                    if !first {
                        self.header.lines.clear();
                    }
                    rest
                }
                None => text,
            };
            first = false;
            if text.trim_end() == SEPARATOR {
                return Ok(());
            }
            if text.starts_with("-----------+") || text.starts_with("----------+") {
                let kind = ParseErrorKind::BadSeparator(text.to_owned());
                return Err(self.error(kind));
            }
            let field = HeaderField::classify(text);
            self.header.lines.push((field, text.to_owned()));
        }
        let kind = if self.lines.line() == 0 {
            ParseErrorKind::EmptyInput
        } else {
            ParseErrorKind::NotATracesReport(not_traces_hint(&self.header))
        };
        Err(Error::Parse { path: self.name.clone(), line: 0, kind })
    }

    /// Reads the next record into `rec`, interning frame names in `names`.
    /// Returns false at the end of the report.
    pub fn read_record(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool> {
        if self.split.is_none() {
            return self.read_block(rec, names);
        }
        loop {
            let split = self.split.as_deref_mut().expect("split reading");
            match split.events.front_mut() {
                None => {
                    let read = self.read_block(rec, names);
                    let split = self.split.as_deref_mut().expect("split reading");
                    if split.events.is_empty() {
                        // No span being checked before it: let out at once,
                        // at its place counting the spans checked so far.
                        return match read {
                            Ok(true) => {
                                if rec.line != 0 {
                                    rec.line += split.lines;
                                }
                                rec.index += split.samples;
                                Ok(true)
                            }
                            Err(Error::Parse { path, line, kind }) => {
                                Err(Error::Parse { path, line: line + split.lines, kind })
                            }
                            other => other,
                        };
                    }
                    // Read past a span being checked: queued behind it.
                    let mut queued = split.pool.pop().unwrap_or_default();
                    std::mem::swap(&mut queued, rec);
                    split.queue(read.map(|more| more.then_some(queued)));
                }
                Some(Event::Record(queued)) => {
                    std::mem::swap(queued, rec);
                    if rec.line != 0 {
                        rec.line += split.lines;
                    }
                    rec.index += split.samples;
                    let Some(Event::Record(used)) = split.events.pop_front() else {
                        unreachable!()
                    };
                    split.pool.push(used);
                    split.queued -= 1;
                    return Ok(true);
                }
                Some(Event::End) => return Ok(false),
                Some(Event::Failed(_)) => {
                    let Some(Event::Failed(err)) = split.events.pop_front() else { unreachable!() };
                    return Err(self.settle_error(err, 0));
                }
                Some(&mut Event::Span { line, bytes }) => {
                    let checker = split.checker.as_mut().expect("spans go to the checker");
                    let verdict = match checker.try_next() {
                        Some(verdict) => verdict,
                        // Read on while the checker catches up.
                        None if !split.finished
                            && split.unchecked < MAX_UNCHECKED
                            && split.queued < MAX_QUEUED =>
                        {
                            let mut next = split.pool.pop().unwrap_or_default();
                            let read = self.read_block(&mut next, names);
                            let split = self.split.as_deref_mut().expect("split reading");
                            split.queue(read.map(|more| more.then_some(next)));
                            continue;
                        }
                        None => checker.next(),
                    };
                    let Verdict { lines, samples, error } = verdict;
                    if let Some(err) = error {
                        return Err(self.settle_error(err, line));
                    }
                    split.events.pop_front();
                    split.unchecked -= bytes;
                    split.lines += lines;
                    split.samples += samples;
                }
            }
        }
    }

    /// An error let out of the queue, at its line in the input: `line` is
    /// where it was counted from (the start of the span it is in, as read
    /// by this thread; 0 for what this thread read). Reading ends there.
    fn settle_error(&mut self, err: Error, line: u64) -> Error {
        let split = self.split.as_deref_mut().expect("split reading");
        let shift = split.lines + line;
        split.events.clear();
        split.events.push_back(Event::End);
        split.checker = None;
        match err {
            Error::Parse { path, line, kind } => Error::Parse { path, line: line + shift, kind },
            other => other,
        }
    }

    /// Hands the span of `len` bytes the search ruled out (whole blocks,
    /// from the next line on) to the checking thread, starting it if it is
    /// time to; false when the span is checked here instead.
    fn hand_off(&mut self, len: usize) -> bool {
        let Some(split) = self.split.as_deref_mut() else { return false };
        if split.checker.is_none() {
            if split.one_core || self.lines.consumed() < split.after || self.units.seen.is_none() {
                return false;
            }
            if !crate::read::span_check::may_start_a_thread() {
                split.one_core = true;
                return false;
            }
            let name = self.name.clone();
            let units = self.units.clone();
            let (check_frames, elided_frames) =
                (self.options.check_frames, self.options.elided_frames);
            let check =
                move |job: &Job| check_span(job, &name, &units, check_frames, elided_frames);
            let Some(checker) = Checker::start(check) else {
                split.one_core = true;
                return false;
            };
            split.checker = Some(checker);
        }
        // The checker is behind: this span is checked here, so that both
        // threads stay busy whichever has more to do.
        if split.unchecked >= HAND_OFF_LAG {
            return false;
        }
        // A buffer not handed over yet: held with those the checker holds
        // still, within a bound (reads of a few bytes fill many).
        if Arc::strong_count(&self.lines.buf) == 1 && self.lines.held() >= MAX_HELD {
            return false;
        }
        // The separator closing the span's last block, exactly as pprof
        // prints it, goes with it (any other is read here).
        let lines = &mut self.lines;
        let buffered = &lines.buf[lines.start..lines.end];
        let sep = SEPARATOR.as_bytes();
        if buffered.get(len..len + sep.len()) != Some(sep)
            || buffered.get(len + sep.len()) != Some(&b'\n')
        {
            return false;
        }
        let bytes = len + sep.len() + 1;
        let job = Job {
            buf: Arc::clone(&lines.buf),
            start: lines.start,
            limit: lines.start + len,
            end: lines.start + bytes,
        };
        lines.start += bytes;
        lines.consumed += bytes as u64;
        split.events.push_back(Event::Span { line: lines.line, bytes });
        split.unchecked += bytes;
        split.checker.as_mut().expect("started above").push(job);
        true
    }

    /// Reads the next block that is returned into `rec`, as
    /// [`TraceReader::read_record`] does on one thread.
    fn read_block(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool> {
        if self.done {
            return Ok(false);
        }
        rec.clear();
        loop {
            // A block starts: is it one that cannot hold a hit?
            if self.state == State::Labels && rec.label_count() == 0 {
                if let Some(prefilter) = &self.options.prefilter {
                    if self.lines.consumed() >= self.check_end {
                        let len = self.lines.skippable(prefilter).map_err(|e| self.io_error(e))?;
                        self.check_end = self.lines.consumed() + len as u64;
                        // Checked on the second thread, or here: the blocks
                        // of plain shape in one pass over the bytes; the
                        // line-by-line check below reads the rest (and says
                        // what is wrong, if anything is). Then the search
                        // goes on from the block after them, whichever
                        // thread checks them.
                        if len > 0 {
                            if !self.hand_off(len) {
                                let lines = &mut self.lines;
                                let buffered = &lines.buf[lines.start..lines.end];
                                let check = self.options.frame_check() != FrameCheck::None;
                                let done = quick_check(buffered, len, &mut self.units, check);
                                lines.start += done.bytes;
                                lines.consumed += done.bytes as u64;
                                lines.line += done.lines;
                                self.samples += done.samples;
                            }
                            continue;
                        }
                    }
                }
                self.check_only = self.lines.consumed() < self.check_end;
            }
            // Hot path: the caller frames of a block being read, straight
            // from the line buffer, as the frame lines below would be read.
            if self.state == State::Frames && !self.check_only {
                let check = self.options.frame_check();
                let pushed = self.lines.read_frame_lines(
                    &mut (&mut *rec, &mut *names),
                    |(rec, names), text| predict_frame(rec, names, text),
                    |(rec, names), frame| {
                        push_frame_bytes(rec, names, frame, check)?;
                        // The frame the next block will likely have here.
                        if let [.., caller, frame] = rec.frames[..] {
                            names.set_successor(caller.name, frame);
                        }
                        Ok(())
                    },
                );
                if let Err(kind) = pushed {
                    let err = self.error(kind);
                    self.recover(err)?;
                    rec.clear();
                    self.state = State::Skipping;
                } else if self.lines.take_line(SEPARATOR.as_bytes()) {
                    // The separator that closes the block, exactly as pprof
                    // prints it (any other is read below).
                    self.close_block(rec);
                    rec.index = self.samples;
                    return Ok(true);
                }
            }
            // The number of the line about to be read.
            let line_no = self.lines.line() + 1;
            let line = match self.lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.done = true;
                    return match self.state {
                        State::Labels if rec.label_count() == 0 => Ok(false),
                        State::Skipping => Ok(false),
                        _ => {
                            let err = self.error(ParseErrorKind::TruncatedBlock);
                            self.recover(err)?;
                            Ok(false)
                        }
                    };
                }
                Err(e) => return Err(self.io_error(e)),
            };
            // Hot path: a caller frame of a block being read. Its name is
            // looked up by bytes; only a new name is checked for UTF-8.
            if self.state == State::Frames && line.starts_with(&[b' '; FRAME_INDENT]) {
                let frame = &line[FRAME_INDENT..];
                let check = self.options.frame_check();
                let pushed = if self.check_only {
                    check_frame_bytes(frame, check)
                } else {
                    push_frame_bytes(rec, names, frame, check)
                };
                if let Err(kind) = pushed {
                    let err = self.error(kind);
                    self.recover(err)?;
                    rec.clear();
                    self.state = State::Skipping;
                }
                continue;
            }
            // An interactive capture (`echo traces | go tool pprof x > out`)
            // ends with pprof's next prompt after the closing separator.
            // Only a bare prompt that is the last line ends the report: text
            // after it is another command's output, not this report.
            if self.state == State::Labels
                && rec.label_count() == 0
                && line.trim_ascii_end() == b"(pprof)"
            {
                match self.lines.next_line() {
                    Ok(None) => {
                        self.done = true;
                        return Ok(false);
                    }
                    Ok(Some(_)) => {
                        let kind = ParseErrorKind::UnrecognizedLine("(pprof) ".to_owned());
                        return Err(Error::Parse { path: self.name.clone(), line: line_no, kind });
                    }
                    Err(e) => return Err(self.io_error(e)),
                }
            }
            // Hot path: a label or value line of the usual shape, read as
            // `step` reads it without its general classifier. A line that
            // does not read so (or that `step` would refuse) is left to
            // `step`, which then says what is wrong.
            if self.state == State::Labels && !self.check_only {
                let check = self.options.frame_check();
                if let Some(head) = usual_head(line) {
                    if read_usual_head(head, rec, names, line_no, &self.units, check) {
                        if !rec.frames.is_empty() {
                            self.state = State::Frames;
                        }
                        continue;
                    }
                }
            }
            // The separator that closes a block, as `step` reads it.
            let closing = self.state == State::Frames && line == SEPARATOR.as_bytes();
            let text = if closing { Ok("") } else { std::str::from_utf8(line) };
            let outcome = match text {
                _ if closing => Ok(true),
                Err(_) => Err(ParseErrorKind::InvalidUtf8),
                Ok(text) if self.state == State::Skipping => {
                    if text.trim_end() == SEPARATOR {
                        self.state = State::Labels;
                        rec.clear();
                    }
                    Ok(false)
                }
                Ok(text) => {
                    let names = if self.check_only { None } else { Some(&mut *names) };
                    let check = self.options.frame_check();
                    step(self.state, text, rec, names, line_no, &self.units, check)
                }
            };
            match outcome {
                Ok(true) => {
                    self.close_block(rec);
                    if self.check_only {
                        rec.clear();
                        continue;
                    }
                    rec.index = self.samples;
                    return Ok(true);
                }
                Ok(false) => {
                    if self.state != State::Skipping {
                        self.state =
                            if rec.frames.is_empty() { State::Labels } else { State::Frames };
                    }
                }
                Err(kind) => {
                    // Labels without a value are seen at the separator that
                    // ends them: that separator opens the next block, which
                    // must not be skipped with the broken one.
                    let at_separator = kind == ParseErrorKind::MissingValue;
                    let err = self.error(kind);
                    self.recover(err)?;
                    rec.clear();
                    self.state = if at_separator { State::Labels } else { State::Skipping };
                }
            }
        }
    }

    /// Counts the complete block `rec` holds (its closing separator read).
    fn close_block(&mut self, rec: &Record) {
        // Only a complete block sets the report's dimension: a block
        // skipped in lenient mode must not.
        if self.units.seen.is_none() && rec.value.dim != Dimension::Zero {
            self.units.seen = Some(rec.value.dim);
            if rec.value.dim == Dimension::Other {
                self.units.other = Some(unit_name(rec.value_text()).to_owned());
            }
        }
        self.state = State::Labels;
        self.samples += 1;
    }

    /// In lenient mode, counts the error and carries on; else returns it.
    fn recover(&mut self, err: Error) -> Result<()> {
        let Error::Parse { line, kind, .. } = &err else { return Err(err) };
        // A second report is no malformed block: lenient reading would mix
        // its blocks into the first report's.
        if !self.options.lenient || matches!(kind, ParseErrorKind::ConcatenatedReports(_)) {
            return Err(err);
        }
        let name = kind.name();
        match self.skipped.iter_mut().find(|s| s.kind == name) {
            Some(s) => s.count += 1,
            None => self.skipped.push(Skipped {
                kind: name,
                count: 1,
                first_line: *line,
                first_message: kind.to_string(),
            }),
        }
        Ok(())
    }
}

/// Applies one line of a block to the record being built. Returns true when
/// the line closes a complete record.
fn step(
    state: State,
    text: &str,
    rec: &mut Record,
    names: Option<&mut Names>,
    line_no: u64,
    units: &Units,
    check: FrameCheck,
) -> Result<bool, ParseErrorKind> {
    if memchr(0, text.as_bytes()).is_some() {
        return Err(nul_byte());
    }
    let line = match classify(text) {
        // `cat a.txt b.txt`: the second report's header where a block starts.
        Err(ParseErrorKind::UnrecognizedLine(found))
            if state == State::Labels && rec.label_count() == 0 && is_header_line(text) =>
        {
            return Err(ParseErrorKind::ConcatenatedReports(found));
        }
        other => other?,
    };
    match line {
        Line::Separator => match state {
            State::Frames => Ok(true),
            _ if rec.label_count() > 0 => Err(ParseErrorKind::MissingValue),
            // An empty block: pprof never prints one; it holds no sample.
            _ => Ok(false),
        },
        Line::Label { key, values } => match state {
            State::Labels => {
                rec.push_label(key, values);
                Ok(false)
            }
            _ => Err(ParseErrorKind::LineAfterFrames(text.to_owned())),
        },
        Line::Value { token, frame } => {
            if state != State::Labels {
                return Err(ParseErrorKind::LineAfterFrames(text.to_owned()));
            }
            let value = parse_value(token).map_err(|e| ParseErrorKind::BadValue {
                token: token.to_owned(),
                reason: e.to_string(),
            })?;
            units.check(value.dim, token)?;
            rec.set_value(value, token);
            rec.line = line_no;
            push_frame(rec, names, frame, check)?;
            Ok(false)
        }
        Line::Frame { frame } => match state {
            State::Frames => {
                push_frame(rec, names, frame, check)?;
                Ok(false)
            }
            _ => Err(ParseErrorKind::FrameBeforeValue(text.to_owned())),
        },
    }
}

/// A label or value line of a block's head in the shape pprof prints,
/// as [`usual_head`] finds it.
enum UsualHead<'a> {
    /// `     bytes:  352B`, printable ASCII.
    Label { key: &'a [u8], values: &'a [u8] },
    /// `   21.01MB   net/textproto.(*Reader).ReadMIMEHeader`.
    Value { token: &'a [u8], frame: &'a [u8] },
}

/// What `classify` makes of a line that starts with fewer than 13 spaces
/// and then a letter or digit: a label line (a token ending in `:`, two
/// spaces) or a value line (a token, exactly three spaces, a frame); `None`
/// for anything else, which `classify` reads.
#[inline]
fn usual_head(line: &[u8]) -> Option<UsualHead<'_>> {
    let indent = line.iter().take_while(|&&b| b == b' ').count();
    let body = &line[indent..];
    // Not a frame line, a separator or a blank line.
    if indent >= FRAME_INDENT || !body.first()?.is_ascii_alphanumeric() {
        return None;
    }
    let token_end = memchr(b' ', body)?;
    let (token, rest) = body.split_at(token_end);
    match token.split_last() {
        // `classify` finds the first `:  `: a token holds no space, so
        // that is the one ending it.
        Some((b':', key)) if rest.starts_with(b"  ") => {
            Some(UsualHead::Label { key, values: &rest[2..] })
        }
        Some((b':', _)) => None,
        _ if rest.len() > 3 && rest.starts_with(b"   ") && rest[3] != b' ' => {
            Some(UsualHead::Value { token, frame: &rest[3..] })
        }
        _ => None,
    }
}

/// Applies a label or value line as [`step`] would, when it does so
/// without an error and the line's text is the usual kind: a label of
/// printable ASCII, a value of a common form ([`crate::units`]'s
/// `parse_common_value`) whose frame name is interned already or passes
/// the checks that intern it. Returns false, having changed nothing, for
/// anything else: `step` reads that line then.
#[inline]
fn read_usual_head(
    head: UsualHead<'_>,
    rec: &mut Record,
    names: &mut Names,
    line_no: u64,
    units: &Units,
    check: FrameCheck,
) -> bool {
    match head {
        UsualHead::Label { key, values } => {
            // Printable ASCII: UTF-8, without NUL.
            if !is_printable(key) || !is_printable(values) {
                return false;
            }
            let (Ok(key), Ok(values)) = (std::str::from_utf8(key), std::str::from_utf8(values))
            else {
                return false;
            };
            rec.push_label(key, values);
            true
        }
        UsualHead::Value { token, frame } => {
            let Some(value) = crate::units::parse_common_value(token) else { return false };
            // Digits, `.` and a unit of letters: ASCII.
            let Ok(token) = std::str::from_utf8(token) else { return false };
            if units.check(value.dim, token).is_err() {
                return false;
            }
            let (name, inline) = split_inline_bytes(frame);
            let name = match names.lookup_cached(name) {
                Some(id) => id,
                None => match intern_new(names, name, check) {
                    Ok(id) => id,
                    Err(_) => return false,
                },
            };
            rec.set_value(value, token);
            rec.line = line_no;
            rec.frames.push(Frame { name, inline });
            true
        }
    }
}

/// True when every byte is printable ASCII (no control byte, no NUL).
#[inline]
fn is_printable(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| (b' '..=b'~').contains(&b))
}

/// Keeps a frame line's frame in `rec`, its name interned in `names`: the
/// hot path of reading, inlined into the loop over frame lines.
#[inline(always)]
fn push_frame_bytes(
    rec: &mut Record,
    names: &mut Names,
    frame: &[u8],
    check: FrameCheck,
) -> Result<(), ParseErrorKind> {
    let (name, inline) = split_inline_bytes(frame);
    let id = match names.lookup_cached(name) {
        Some(id) => id,
        None => intern_new(names, name, check)?,
    };
    rec.frames.push(Frame { name: id, inline });
    Ok(())
}

/// Takes the frame line whose text (after the 13 spaces) `text` starts
/// with when it is the frame that followed the record's last frame the
/// last time that frame was read ([`Names::successor`]): a compare in place
/// of the name already interned, no search for the line's end, no hash.
/// Returns the length of the line's frame text, as
/// [`LineReader::read_frame_lines`] asks of its `guess`; `None` (having done
/// nothing) when the line says anything else.
#[inline(always)]
fn predict_frame(rec: &mut Record, names: &Names, text: &[u8]) -> Option<usize> {
    let guess = names.successor(rec.frames.last()?.name)?;
    let name_len = names.name_len(guess.name);
    let len = name_len + if guess.inline { INLINE_SUFFIX.len() } else { 0 };
    // The line ends right after the name (and marker), without a `\r`
    // that reading it would take off, and is not too long.
    if len == 0
        || text.get(len) != Some(&b'\n')
        || text[len - 1] == b'\r'
        || len + FRAME_INDENT > MAX_LINE
    {
        return None;
    }
    if !names.name_is(guess.name, &text[..name_len])
        || (guess.inline && &text[name_len..len] != INLINE_SUFFIX.as_bytes())
    {
        return None;
    }
    rec.frames.push(guess);
    Some(len)
}

/// A name not seen before is checked once; a name that fails is not kept,
/// so it fails again where it occurs again (lenient mode).
#[cold]
#[inline(never)]
fn intern_new(
    names: &mut Names,
    name: &[u8],
    check: FrameCheck,
) -> Result<crate::record::NameId, ParseErrorKind> {
    let text = std::str::from_utf8(name).map_err(|_| ParseErrorKind::InvalidUtf8)?;
    check_name(text)?;
    check_shape(text, check)?;
    Ok(names.intern(text))
}

/// What [`quick_check`] read: whole blocks, each well-formed.
#[derive(Default)]
struct Checked {
    bytes: usize,
    lines: u64,
    samples: u64,
}

/// Checks the blocks at the start of `hay` (which starts where a block
/// does) that end before `limit` (their closing separator line starts at
/// `limit` at the latest) without the line-by-line reading, as far as they
/// have the plain
/// shape of pprof's output: ASCII, labels, a value line, frame lines of 13
/// spaces and a visible character, and an exact separator. Stops before the
/// first block that has anything else (which may still be correct), so
/// that whatever it accepts the line-by-line reading accepts too, with the
/// same effect on `units`. The blocks a search skips are checked so, at a
/// fraction of the cost of reading them.
fn quick_check(region: &[u8], limit: usize, units: &mut Units, check: bool) -> Checked {
    let mut done = Checked::default();
    if !plain_text(&region[..limit]) {
        return done;
    }
    let mut frame_masks = FrameMasks::new(region);
    let mut pos = 0;
    while pos < limit {
        // Labels, then the value line: each ends (its `\n`) before `limit`.
        let mut line_start = pos;
        let mut lines = 1; // and the separator line
        let (dim, token) = loop {
            let Some(nl) = memchr(b'\n', &region[line_start..limit]) else { return done };
            let line = &region[line_start..line_start + nl];
            lines += 1;
            line_start += nl + 1;
            match head_line(line) {
                Some(Head::Label) => {}
                Some(Head::Value { token, frame }) => {
                    let Some(dim) = checked_value(token, frame, units, check) else { return done };
                    break (dim, token);
                }
                None => return done,
            }
        };
        // The frame lines, each 13 spaces and a visible character, then
        // the separator line, which starts at `limit` at the latest: the
        // first line after the value line that is no frame line.
        let Some((last_nl, frames)) = frame_masks.next_non_frame(line_start - 1, limit, check)
        else {
            return done;
        };
        let at = last_nl + 1;
        let sep_end = at + SEPARATOR.len();
        if at > limit
            || region.get(at..sep_end) != Some(SEPARATOR.as_bytes())
            || region.get(sep_end) != Some(&b'\n')
        {
            return done;
        }
        lines += frames;
        pos = sep_end + 1;
        // A complete block, as `read_record` counts it.
        if units.seen.is_none() && dim != Dimension::Zero {
            units.seen = Some(dim);
            if dim == Dimension::Other {
                units.other = Some(unit_name(token).to_owned());
            }
        }
        done.samples += 1;
        done.lines += lines;
        done.bytes = pos;
    }
    done
}

/// A label or value line of a block as `classify` reads it, for
/// [`quick_check`]; `None` for any other line (which stops it).
enum Head<'a> {
    Label,
    Value { token: &'a str, frame: &'a [u8] },
}

/// `classify` for the label and value lines of plain text (printable
/// ASCII): the common shapes `%10s:  %s` and `%10s   %s` without building
/// a string searcher; anything else goes through `classify` itself.
fn head_line(line: &[u8]) -> Option<Head<'_>> {
    let indent = line.iter().take_while(|&&b| b == b' ').count();
    let body = &line[indent..];
    // Fewer than 13 spaces (no frame line), no separator, not blank.
    if indent < FRAME_INDENT && body.first().is_some_and(|&b| b != b'-') {
        let token_end = memchr(b' ', body).unwrap_or(body.len());
        let (token, rest) = body.split_at(token_end);
        if token.ends_with(b":") {
            if rest.starts_with(b"  ") {
                return Some(Head::Label);
            }
        } else if rest.len() > 3 && rest.starts_with(b"   ") && rest[3] != b' ' {
            let token = std::str::from_utf8(token).ok()?;
            return Some(Head::Value { token, frame: &rest[3..] });
        }
    }
    match classify(std::str::from_utf8(line).ok()?) {
        Ok(Line::Label { .. }) => Some(Head::Label),
        Ok(Line::Value { token, frame }) => Some(Head::Value { token, frame: frame.as_bytes() }),
        _ => None,
    }
}

/// The dimension of a value line's value, when the value reads, fits the
/// report's units and its frame has a name, as [`step`] requires.
fn checked_value(token: &str, frame: &[u8], units: &Units, check: bool) -> Option<Dimension> {
    let value = parse_value(token).ok()?;
    units.check(value.dim, token).ok()?;
    let (name, _) = split_inline_bytes(frame);
    if check && crate::frame::unlike_a_frame(std::str::from_utf8(name).ok()?).is_some() {
        return None;
    }
    // Plain text: a visible first byte is a name without NUL or blank.
    if !name.first().is_some_and(u8::is_ascii_graphic) {
        check_name(std::str::from_utf8(name).ok()?).ok()?;
    }
    Some(value.dim)
}

/// Which newlines of a text start a frame line (13 spaces and a byte that
/// is neither space nor `\n`), 64 bytes at a time, as bit masks: no loop
/// per line. Read forwards only.
struct FrameMasks<'a> {
    bytes: &'a [u8],
    /// The window (of 64 bytes) whose newline and space masks are cached.
    window: usize,
    /// Its `\n` and space masks (bit i: byte `64 * window + i`).
    masks: (u64, u64),
}

impl<'a> FrameMasks<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        FrameMasks { bytes, window: 0, masks: masks_of(bytes, 0) }
    }

    /// The `\n` and space masks of window `k`, and of the window after it.
    fn pair(&mut self, k: usize) -> ((u64, u64), (u64, u64)) {
        if self.window != k {
            self.masks = masks_of(self.bytes, k);
            self.window = k;
        }
        let next = masks_of(self.bytes, k + 1);
        let here = self.masks;
        self.masks = next;
        self.window = k + 1;
        (here, next)
    }

    /// The first newline at or after `from` (before `limit`) that does not
    /// start a frame line, and how many newlines before it do. With
    /// `check_names`, `None` also where a frame name before it holds a space
    /// (but for the inline marker's at the end of its line) or starts with
    /// a byte a comment or an elision mark starts with (such
    /// names are left to the line-by-line reading, which checks their
    /// shape).
    fn next_non_frame(
        &mut self,
        from: usize,
        limit: usize,
        check_names: bool,
    ) -> Option<(usize, u64)> {
        let mut k = from / 64;
        let mut keep = !0u64 << (from % 64);
        let mut frames = 0;
        let (mut previous_newlines, mut previous_spaces) = (0u64, 0u64);
        while 64 * k < limit {
            let ((n0, s0), (n1, s1)) = self.pair(k);
            let spaces = u128::from(s0) | u128::from(s1) << 64;
            let newlines = u128::from(n0) | u128::from(n1) << 64;
            // Bit i: bytes i..i + 13 are spaces.
            let two = spaces & spaces >> 1;
            let four = two & two >> 2;
            let thirteen = four & four >> 4 & four >> 8 & spaces >> 12;
            let frame = (thirteen >> 1 & !((spaces | newlines) >> 14)) as u64;
            let other = n0 & !frame & keep;
            if check_names {
                let before_other =
                    if other == 0 { !0 } else { (1u64 << other.trailing_zeros()) - 1 };
                let region = keep & before_other;
                let lines = (n0, previous_newlines);
                let blanks = (s0, previous_spaces);
                if self.odd_names(k, lines, blanks, region, frame & region) {
                    return None;
                }
                (previous_newlines, previous_spaces) = (n0, s0);
            }
            if other != 0 {
                let at = other.trailing_zeros();
                frames += u64::from((n0 & frame & keep & ((1u64 << at) - 1)).count_ones());
                let nl = 64 * k + at as usize;
                return (nl < limit).then_some((nl, frames));
            }
            frames += u64::from((n0 & frame & keep).count_ones());
            keep = !0;
            k += 1;
        }
        None
    }
}

impl FrameMasks<'_> {
    /// Whether a frame line of window `k` (whose newline and space masks
    /// are `newlines` and `spaces`, each with the previous window's;
    /// `region`: its bytes that belong to frame lines; `starts`: the
    /// newlines that start them) has a name that holds a space (other than
    /// that of an inline marker ending the line) or starts with `/`, `#`,
    /// `.`, `<` or `[`.
    fn odd_names(
        &self,
        k: usize,
        (newlines, previous_newlines): (u64, u64),
        (spaces, previous_spaces): (u64, u64),
        region: u64,
        starts: u64,
    ) -> bool {
        // The spaces that start a run of spaces other than a line's
        // indentation (which starts right after its newline): in a frame
        // line, a run in a name, unless it is the inline marker's.
        let after_space = spaces << 1 | previous_spaces >> 63;
        let after_newline = newlines << 1 | previous_newlines >> 63;
        let mut inner = spaces & !after_space & !after_newline & region;
        while inner != 0 {
            let at = 64 * k + inner.trailing_zeros() as usize;
            if !self.bytes[at..].starts_with(INLINE_SUFFIX.as_bytes())
                || self.bytes.get(at + INLINE_SUFFIX.len()) != Some(&b'\n')
            {
                return true;
            }
            inner &= inner - 1;
        }
        let mut rest = starts;
        while rest != 0 {
            let at = 64 * k + rest.trailing_zeros() as usize + 1 + FRAME_INDENT;
            if matches!(self.bytes.get(at), Some(b'/' | b'#' | b'.' | b'<' | b'[')) {
                return true;
            }
            rest &= rest - 1;
        }
        false
    }
}

/// The `\n` and space masks of window `k` of `bytes` (64 bytes; past the
/// end, bytes that are neither).
fn masks_of(bytes: &[u8], k: usize) -> (u64, u64) {
    let start = 64 * k;
    if let Some(window) = bytes.get(start..start + 64) {
        return newlines_and_spaces(window);
    }
    let part = bytes.get(start..).unwrap_or_default();
    let mut window = [b'x'; 64];
    window[..part.len()].copy_from_slice(part);
    newlines_and_spaces(&window)
}

/// Bit i set when byte i is `\n` (first mask) or a space (second).
#[cfg(target_arch = "x86_64")]
fn newlines_and_spaces(window: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    assert!(window.len() >= 64);
    let (mut nl, mut sp) = (0u64, 0u64);
    for k in 0..4 {
        // SAFETY: SSE2 is part of x86_64; the load reads 16 of the 64 bytes
        // of `window` (asserted below).
        let (n, s) = unsafe {
            let v = _mm_loadu_si128(window.as_ptr().add(16 * k).cast::<__m128i>());
            (
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8))),
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8))),
            )
        };
        nl |= u64::from(n as u16) << (16 * k);
        sp |= u64::from(s as u16) << (16 * k);
    }
    (nl, sp)
}

/// Bit i set when byte i is `\n` (first mask) or a space (second).
#[cfg(not(target_arch = "x86_64"))]
fn newlines_and_spaces(window: &[u8]) -> (u64, u64) {
    window[..64].iter().enumerate().fold((0, 0), |(nl, sp), (i, &b)| {
        (nl | u64::from(b == b'\n') << i, sp | u64::from(b == b' ') << i)
    })
}

/// True when every byte is printable ASCII or `\n`: no `\r`, tab, NUL or
/// other control byte, nothing that is not ASCII (so no Unicode blank).
fn plain_text(bytes: &[u8]) -> bool {
    // Branch-free per chunk, so that it compiles to vector instructions.
    bytes.chunks(4096).all(|chunk| {
        chunk.iter().fold(0u8, |bad, &b| {
            bad | (u8::from(b.wrapping_sub(b' ') > b'~' - b' ') & u8::from(b != b'\n'))
        }) == 0
    })
}

/// Checks a frame of a block that is not returned, as [`push_frame_bytes`]
/// would, without keeping its name.
fn check_frame_bytes(frame: &[u8], check: FrameCheck) -> Result<(), ParseErrorKind> {
    let (name, _) = split_inline_bytes(frame);
    if check != FrameCheck::None {
        let text = std::str::from_utf8(name).map_err(|_| ParseErrorKind::InvalidUtf8)?;
        check_shape(text, check)?;
    }
    // The common case, an ASCII name starting with a visible character,
    // needs no UTF-8 decoding of its own.
    if name.first().is_some_and(u8::is_ascii_graphic) && name.is_ascii() {
        return if memchr(0, name).is_some() { Err(nul_byte()) } else { Ok(()) };
    }
    let text = std::str::from_utf8(name).map_err(|_| ParseErrorKind::InvalidUtf8)?;
    check_name(text)
}

/// Keeps a frame in `rec`, its name interned in `names`; with no `names`
/// (a block that is checked, not returned) only checks it and keeps a
/// placeholder, so that the block still counts as having frames.
fn push_frame(
    rec: &mut Record,
    names: Option<&mut Names>,
    frame: &str,
    check: FrameCheck,
) -> Result<(), ParseErrorKind> {
    let (name, inline) = split_inline(frame);
    // A name seen before was checked then.
    let name = match names {
        Some(names) => match names.lookup_cached(name.as_bytes()) {
            Some(id) => id,
            None => {
                check_name(name)?;
                check_shape(name, check)?;
                names.intern(name)
            }
        },
        None => {
            check_name(name)?;
            check_shape(name, check)?;
            crate::record::NameId(0)
        }
    };
    rec.frames.push(Frame { name, inline });
    Ok(())
}

/// A frame name is not empty (Unicode whitespace counts as empty) and
/// holds no NUL byte.
fn check_name(name: &str) -> Result<(), ParseErrorKind> {
    if name.trim().is_empty() {
        return Err(ParseErrorKind::EmptyFrameName);
    }
    if name.contains('\0') {
        return Err(nul_byte());
    }
    Ok(())
}

/// A frame name that has the shape pprof prints (see
/// [`crate::frame::unlike_a_frame`]).
fn check_shape(name: &str, check: FrameCheck) -> Result<(), ParseErrorKind> {
    if check == FrameCheck::None
        || (check == FrameCheck::ShapeOrElided && name == crate::frame::ELIDED_FRAME)
    {
        return Ok(());
    }
    match crate::frame::unlike_a_frame(name) {
        None => Ok(()),
        Some(looks_like) => Err(ParseErrorKind::Unplaced { line: name.to_owned(), looks_like }),
    }
}

/// True for a line that starts like a header line of a report (`File: `,
/// `Type: `, ..., also after an interactive prompt).
fn is_header_line(text: &str) -> bool {
    let text = text.strip_prefix("(pprof) ").unwrap_or(text);
    !matches!(HeaderField::classify(text), HeaderField::Comment | HeaderField::Empty)
}

/// What the values of one report are measured in: all bytes, all time,
/// all counts, or all one unit pprof does not know (`-unit=megabytes` on a
/// count profile prints `1megabytes`); a bare `0` fits any.
#[derive(Clone, Debug, Default)]
struct Units {
    /// From the header's `Type:`, for memory and time only: pprof prints
    /// their values in a unit of their own dimension whatever `-unit` asks
    /// for (a unit of another kind gives the default one, `B` or `s`).
    /// Counts have no unit to convert, so `-unit=X` prints `X` after them.
    header: Option<Dimension>,
    /// The dimension of the first complete block with a non-zero value.
    seen: Option<Dimension>,
    /// When `seen` is [`Dimension::Other`]: its unit, as [`unit_name`]
    /// gives it.
    other: Option<String>,
}

impl Units {
    /// Expectations from a report's header.
    fn of_header(header: &Header) -> Units {
        let header =
            header.dimension().filter(|d| matches!(d, Dimension::Bytes | Dimension::Nanoseconds));
        Units { header, seen: None, other: None }
    }

    /// Does a value of dimension `dim`, printed as `token`, fit?
    fn check(&self, dim: Dimension, token: &str) -> Result<(), ParseErrorKind> {
        let mixed = |expected: &str| {
            Err(ParseErrorKind::MixedUnits {
                token: token.to_owned(),
                expected: expected.to_owned(),
            })
        };
        match (dim, self.seen, &self.other) {
            (Dimension::Zero, _, _) => Ok(()),
            // `80zz` among `MB` values, `1MB` among `zz` values.
            (Dimension::Other, _, Some(other)) if unit_name(token) == other => Ok(()),
            (_, _, Some(other)) => mixed(&format!("{other:?}")),
            (Dimension::Other, Some(seen), None) => mixed(seen.name()),
            (Dimension::Other, None, None) => Ok(()),
            (_, Some(seen), None) if seen != dim => mixed(seen.name()),
            (_, None, None) => match self.header {
                Some(header) if header != dim => mixed(header.name()),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// The name of a unit pprof does not know, without the scale prefix of
/// pprof's GCU units (`k*GCU`, `k\u{b7}GCU` and `GCU` are one unit).
fn unit_name(token: &str) -> &str {
    let unit = crate::units::unit_suffix(token);
    match unit.rfind(['*', '\u{b7}']) {
        Some(i) => &unit[i + unit[i..].chars().next().map_or(1, char::len_utf8)..],
        None => unit,
    }
}

/// A NUL byte inside a report: no text has one.
fn nul_byte() -> ParseErrorKind {
    ParseErrorKind::BinaryData(" (a NUL byte: a damaged file?)".to_owned())
}

fn binary_data() -> ParseErrorKind {
    ParseErrorKind::BinaryData(
        " and not a pprof profile either: expected `go tool pprof -traces` text, `-raw` text \
         or a profile.proto file (gzipped or not)"
            .to_owned(),
    )
}

/// A hint at what an input without separators is instead.
fn not_traces_hint(header: &Header) -> String {
    let has = |needle: &str| header.lines.iter().any(|(_, l)| l.contains(needle));
    if has("flat  flat%") || has("Showing nodes accounting for") {
        "; this looks like pprof's `top` report: print it with `go tool pprof -traces`".to_owned()
    } else if has("PeriodType:") || has("Samples:") {
        "; it starts like pprof's `-raw` output but is incomplete".to_owned()
    } else {
        "; expected the output of `go tool pprof -traces`".to_owned()
    }
}

/// A small report for the tests of the readers: labels, a rounded value,
/// an inlined frame and a zero sample.
#[cfg(test)]
pub(crate) const TEST_REPORT: &str = concat!(
    "File: heketi\n",
    "Type: inuse_space\n",
    "-----------+-------------------------------------------------------\n",
    "     bytes:  352B\n",
    "   21.01MB   net/textproto.(*Reader).ReadMIMEHeader\n",
    "             net/http.readRequest\n",
    "             net/http.(*conn).serve (inline)\n",
    "-----------+-------------------------------------------------------\n",
    "         0   main.keep\n",
    "-----------+-------------------------------------------------------\n",
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Value;

    #[test]
    fn classify_every_line_kind() {
        assert_eq!(classify(SEPARATOR), Ok(Line::Separator));
        assert_eq!(classify(&format!("{SEPARATOR}  ")), Ok(Line::Separator));
        assert_eq!(classify("     bytes:  352B"), Ok(Line::Label { key: "bytes", values: "352B" }));
        assert_eq!(
            classify("request_kind:  GET"),
            Ok(Line::Label { key: "request_kind", values: "GET" })
        );
        assert_eq!(
            classify("pprof::base:  true"),
            Ok(Line::Label { key: "pprof::base", values: "true" })
        );
        assert_eq!(
            classify("          :  empty-key"),
            Ok(Line::Label { key: "", values: "empty-key" })
        );
        assert_eq!(classify("       key:  "), Ok(Line::Label { key: "key", values: "" }));
        assert_eq!(classify("       key:"), Ok(Line::Label { key: "key", values: "" }));
        assert_eq!(classify("     alpha:  x y"), Ok(Line::Label { key: "alpha", values: "x y" }));
        assert_eq!(
            classify("   21.01MB   net/textproto.(*Reader).ReadMIMEHeader"),
            Ok(Line::Value { token: "21.01MB", frame: "net/textproto.(*Reader).ReadMIMEHeader" })
        );
        assert_eq!(
            classify("150000000ns   main.spin"),
            Ok(Line::Value { token: "150000000ns", frame: "main.spin" })
        );
        assert_eq!(
            classify("       5PB   std::vector<int, std::allocator<int> >::push_back"),
            Ok(Line::Value {
                token: "5PB",
                frame: "std::vector<int, std::allocator<int> >::push_back"
            })
        );
        assert_eq!(
            classify("             main.main (inline)"),
            Ok(Line::Frame { frame: "main.main (inline)" })
        );
        assert_eq!(classify("   "), Err(ParseErrorKind::BlankLineInBlock));
        assert!(matches!(classify("----------+----"), Err(ParseErrorKind::BadSeparator(_))));
        assert!(matches!(classify("garbage"), Err(ParseErrorKind::UnrecognizedLine(_))));
    }

    #[test]
    fn inline_marker_is_split_off() {
        assert_eq!(split_inline("main.mk (inline)"), ("main.mk", true));
        assert_eq!(split_inline("main.mk"), ("main.mk", false));
    }

    fn read_all(text: &str, lenient: bool) -> Result<(Vec<Record>, Names, Vec<Skipped>)> {
        let mut reader = TraceReader::new(
            "t.txt",
            text.as_bytes(),
            ReaderOptions { lenient, ..Default::default() },
        )?;
        let mut names = Names::new();
        let mut rec = Record::new();
        let mut out = Vec::new();
        while reader.read_record(&mut rec, &mut names)? {
            out.push(rec.clone());
        }
        Ok((out, names, reader.skipped().to_vec()))
    }

    use super::TEST_REPORT as REPORT;

    /// The stacks of `text` as its lines say them, read with string
    /// operations only: the reference for the reader's fast paths.
    fn stacks_by_lines(text: &str) -> Vec<Vec<(String, bool)>> {
        let mut stacks = Vec::new();
        for block in text.split(SEPARATOR).skip(1) {
            let mut stack = Vec::new();
            for line in block.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
                let frame = match line.strip_prefix(&" ".repeat(FRAME_INDENT)) {
                    Some(frame) => frame,
                    None if line.trim_start().contains("   ") => {
                        line.trim_start().split_once("   ").unwrap().1
                    }
                    None => continue,
                };
                let (name, inline) = split_inline(frame);
                stack.push((name.to_owned(), inline));
            }
            if !stack.is_empty() {
                stacks.push(stack);
            }
        }
        stacks
    }

    #[test]
    fn guessed_frames_are_the_frames_the_lines_say() {
        // Each block's callers repeat, or nearly repeat, the ones before:
        // a guess right, wrong by the inline marker, by a `\r`, by a
        // prefix, by a longer name, and at the end of the input.
        let blocks = [
            "   1kB   leaf\n             a\n             b (inline)\n             c\n",
            "   2kB   leaf\n             a\n             b (inline)\n             c\n",
            "   3kB   leaf\n             a\n             b\n             c\r\n",
            "   4kB   leaf\n             a\n             b (inline) (inline)\n             cc\n",
            "   5kB   a\n             b (inline)\n             c\n",
            "   6kB   leaf\n             a\n             b\n             c\r\r\n",
            "   7kB   leaf\n             a\n             b (inline)\n             c",
        ];
        let mut text = format!("Type: inuse_space\n{SEPARATOR}\n");
        for block in blocks {
            text.push_str(block);
            if block.ends_with('\n') {
                text.push_str(SEPARATOR);
                text.push('\n');
            }
        }
        text.push('\n');
        text.push_str(SEPARATOR);
        let (records, names, _) = read_all(&text, false).unwrap();
        let got: Vec<Vec<(String, bool)>> = records
            .iter()
            .map(|r| r.frames.iter().map(|f| (names.get(f.name).to_owned(), f.inline)).collect())
            .collect();
        assert_eq!(got, stacks_by_lines(&text));
        assert_eq!(got.len(), blocks.len());
    }

    #[test]
    fn reads_header_and_records() {
        let (recs, names, _) = read_all(REPORT, false).unwrap();
        assert_eq!(recs.len(), 2);
        let r = &recs[0];
        assert_eq!((r.index, r.line), (1, 5));
        assert_eq!(r.value.centi, 2101 * (1 << 20));
        assert_eq!(r.value_text(), "21.01MB");
        assert_eq!(r.label("bytes"), Some("352B"));
        let frames: Vec<_> = r.frames.iter().map(|f| (names.get(f.name), f.inline)).collect();
        assert_eq!(
            frames,
            [
                ("net/textproto.(*Reader).ReadMIMEHeader", false),
                ("net/http.readRequest", false),
                ("net/http.(*conn).serve", true)
            ]
        );
        assert_eq!(recs[1].value, Value::ZERO);
        assert_eq!(recs[1].index, 2);
    }

    #[test]
    fn header_prompt_and_crlf() {
        let text = format!("(pprof) {}", REPORT.replace('\n', "\r\n"));
        let reader = TraceReader::new("t", text.as_bytes(), ReaderOptions::default()).unwrap();
        assert_eq!(reader.header().get(HeaderField::File), Some("heketi"));
        let (recs, _, _) = read_all(&text, false).unwrap();
        assert_eq!(recs.len(), 2);
    }

    fn error_of(text: &str) -> (u64, &'static str) {
        match read_all(text, false) {
            Err(Error::Parse { line, kind, .. }) => (line, kind.name()),
            other => panic!("expected a parse error, got {:?}", other.map(|r| r.0.len())),
        }
    }

    #[test]
    fn malformed_blocks_name_their_line() {
        let sep = SEPARATOR;
        assert_eq!(error_of(""), (0, "empty-input"));
        assert_eq!(error_of("Type: cpu\n"), (0, "not-a-traces-report"));
        assert_eq!(
            error_of(&format!("{sep}\n             main.main\n")),
            (2, "frame-before-value")
        );
        assert_eq!(error_of(&format!("{sep}\n  1.2.3MB   main.main\n{sep}\n")), (2, "bad-value"));
        assert_eq!(error_of(&format!("{sep}\n  1kB   main.main\n")), (2, "truncated-block"));
        assert_eq!(error_of(&format!("{sep}\n  key:  v\n{sep}\n")), (3, "missing-value"));
        assert_eq!(error_of(&format!("{sep}\n  1kB   a\n  key:  v\n")), (3, "line-after-frames"));
        assert_eq!(error_of(&format!("{sep}\n  1kB   a\n  5ms   b\n")), (3, "line-after-frames"));
        assert_eq!(error_of(&format!("{sep}\n  1kB   a\n{sep}\n  ")), (4, "blank-line-in-block"));
        assert_eq!(
            error_of(&format!("{sep}\n  1kB   a\n{sep}\n  5ms   b\n{sep}\n")),
            (4, "mixed-units")
        );
        assert_eq!(error_of("\u{0}\u{1}binary"), (1, "binary-data"));
        assert_eq!(error_of("----------+-----\n"), (1, "bad-separator"));
    }

    #[test]
    fn invalid_utf8_in_a_name() {
        let mut bytes = format!("{SEPARATOR}\n  1kB   main.").into_bytes();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        let mut reader = TraceReader::new("t", &bytes[..], ReaderOptions::default()).unwrap();
        let err = reader.read_record(&mut Record::new(), &mut Names::new()).unwrap_err();
        assert_eq!(err.to_string(), "t:2: invalid UTF-8: expected text");
    }

    #[test]
    fn lenient_mode_counts_what_it_skips() {
        let sep = SEPARATOR;
        let text = format!(
            "{sep}\n  1kB   a\n{sep}\n  XB   b\n             c\n{sep}\n             d\n{sep}\n  2kB   e\n{sep}\n  ZZ   f\n{sep}\n"
        );
        let (recs, _, skipped) = read_all(&text, true).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs.iter().map(|r| r.index).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(skipped.len(), 2);
        assert_eq!((skipped[0].kind, skipped[0].count, skipped[0].first_line), ("bad-value", 2, 4));
        assert_eq!(
            (skipped[1].kind, skipped[1].count, skipped[1].first_line),
            ("frame-before-value", 1, 7)
        );
    }

    #[test]
    fn quick_check_reads_plain_blocks_and_stops_before_anything_else() {
        let sep = SEPARATOR;
        let block1 = format!("  1kB   a\n             b\n{sep}\n");
        let block2 = format!("     k:  v\n  2kB   c\n{sep}\n");
        let block3 = format!("  3kB   d\n             e (inline)\n{sep}\n");
        let check = |text: &str| {
            // The last separator starts at `limit`, as `skippable` gives it.
            let limit = text.len() - sep.len() - 1;
            let done = quick_check(text.as_bytes(), limit, &mut Units::default(), false);
            (done.samples, done.lines, done.bytes)
        };
        let all = format!("{block1}{block2}{block3}");
        assert_eq!(check(&all), (3, 9, all.len()));
        // Anything unusual stops it before its block, for the line-by-line
        // check to judge: a frame line of 12 spaces, a name starting with
        // a space, an empty name, CRLF, a second report, a block without value.
        for damaged in [
            format!("  2kB   c\n            x\n{sep}\n"),
            format!("  2kB   c\n              x\n{sep}\n"),
            format!("  2kB   c\n             \n{sep}\n"),
            format!("  2kB   c\r\n{sep}\n"),
            format!("File: b\n  2kB   c\n{sep}\n"),
            format!("     k:  v\n{sep}\n"),
            format!("  2ms   c\n{sep}\n"),
        ] {
            let text = format!("{block1}{damaged}{block3}");
            let want = if damaged.contains('\r') { (0, 0, 0) } else { (1, 3, block1.len()) };
            assert_eq!(check(&text), want, "{damaged:?}");
        }
    }

    /// Reads in pieces of at most `step` bytes, so that the line buffer
    /// ends where a test wants it.
    struct Pieces<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// A record as a test compares it: sample number, line, frames.
    type Returned = (u64, u64, Vec<String>);

    /// What a search-first reading of `text` for `literal` (`None`: a full
    /// reading) gives, read in pieces of `step` bytes, with the spans it
    /// skips checked on a second thread from the start (`split`) or on one
    /// thread: each record's sample number, line and frames, then the error
    /// that ended it, if any; and whether a second thread checked spans.
    fn read_pieces(
        text: &str,
        literal: Option<&str>,
        step: usize,
        split: bool,
    ) -> (Vec<Returned>, Option<String>, bool) {
        let options = ReaderOptions {
            prefilter: literal.and_then(|l| Prefilter::new(l, false)),
            check_frames: true,
            ..ReaderOptions::default()
        };
        let pieces = Pieces { data: text.as_bytes(), step };
        let mut reader = TraceReader::new("t.txt", pieces, options).unwrap();
        if let Some(s) = reader.split.as_deref_mut() {
            s.after = 0;
            s.one_core |= !split;
        }
        let (mut rec, mut names) = (Record::new(), Names::new());
        let mut got = Vec::new();
        let error = loop {
            match reader.read_record(&mut rec, &mut names) {
                Ok(true) => {
                    let frames = rec.frames.iter().map(|f| names.get(f.name).to_owned());
                    got.push((rec.index, rec.line, frames.collect()));
                }
                Ok(false) => break None,
                Err(e) => break Some(e.to_string()),
            }
        };
        let checked = reader.split.as_ref().is_some_and(|s| s.checker.is_some());
        (got, error, checked)
    }

    /// A report of `n` blocks, two in 7 holding the frame `main.needle`,
    /// with labels, inlined frames and zero values among them; and where its
    /// value lines are.
    fn needle_report(n: usize) -> (Vec<String>, Vec<usize>) {
        let mut lines = vec!["Type: inuse_space".to_owned(), SEPARATOR.to_owned()];
        let mut values = Vec::new();
        for i in 0..n {
            if i % 3 == 0 {
                lines.push(format!("     bytes:  {}kB", i % 5 + 1));
            }
            let value =
                if i % 11 == 0 { "0".to_owned() } else { format!("{}.{}kB", i % 97, i % 10) };
            values.push(lines.len());
            lines.push(format!("{value:>10}   main.leaf{}", i % 13));
            for d in 0..i % 9 {
                let inline = if d % 4 == 1 { " (inline)" } else { "" };
                lines.push(format!("             main.f{}{inline}", (i * 7 + d) % 23));
            }
            // Two blocks in a row hold it, then five do not.
            if i % 7 == 3 || i % 7 == 4 {
                lines.push("             main.needle".to_owned());
            }
            lines.push("             main.main".to_owned());
            lines.push(SEPARATOR.to_owned());
        }
        (lines, values)
    }

    #[test]
    fn spans_checked_on_a_second_thread_give_the_verdict_of_one_thread() {
        let (lines, values) = needle_report(1500);
        assert!(values.len() >= 1400, "{}", values.len());
        type Damage = fn(&str) -> String;
        let damages: [(&str, Damage); 9] = [
            ("no damage", |l| l.to_owned()),
            ("bad value", |l| format!("   1.2.3MB{}", &l[10..])),
            ("frame before value", |l| format!("{:13}{}", "", &l[13..])),
            ("mixed units", |l| format!("      80zz{}", &l[10..])),
            ("NUL", |l| format!("{l}\n             main.n\0ul")),
            ("comment", |l| format!("{l}\n             // the one that grows")),
            ("not ASCII but fine", |l| format!("{l}\n             main.\u{e9}t\u{e9}")),
            ("CRLF, fine", |l| format!("{l}\r")),
            ("bad separator", |l| format!("{l}\n-----------+-----")),
        ];
        let mut split_seen = false;
        for (name, damage) in damages {
            for at in [values[5], values[300], values[301], values[800], values[1399]] {
                for second in [None, Some(values[1000]), Some(values[310])] {
                    let mut damaged = lines.clone();
                    damaged[at] = damage(&lines[at]);
                    if let Some(second) = second {
                        damaged[second] = format!("   1.2.3MB{}", &lines[second][10..]);
                    }
                    let text = damaged.join("\n") + "\n";
                    let (_, full_error, _) = read_pieces(&text, None, 1 << 18, false);
                    for step in [1 << 18, 65536 + 13, 4096, 777] {
                        let one = read_pieces(&text, Some("needle"), step, false);
                        let two = read_pieces(&text, Some("needle"), step, true);
                        let case = format!("{name} at line {}, {second:?}, step {step}", at + 1);
                        let differ = one.0.iter().zip(&two.0).position(|(a, b)| a != b);
                        assert_eq!((one.0.len(), differ), (two.0.len(), None), "{case}");
                        assert_eq!(one.1, two.1, "{case}");
                        assert_eq!(one.1, full_error, "{case}");
                        split_seen |= two.2;
                    }
                }
            }
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(split_seen || cores < 2, "no span was checked on a second thread");
    }

    #[test]
    fn quick_check_of_frame_shapes_takes_inline_markers_and_leaves_other_spaces() {
        // With frame names checked: a name ending in the inline marker is
        // read in the one pass, at every offset of the 64-byte windows; any
        // other space in a name stops it before its block (the line-by-line
        // check judges it), whether that reading accepts the name or not.
        let sep = SEPARATOR;
        for shift in 0..64 {
            let pad = "x".repeat(shift);
            let good =
                format!("  1kB   a\n             b{pad} (inline)\n             c{pad}\n{sep}\n");
            let text = good.repeat(3);
            let limit = text.len() - sep.len() - 1;
            let done = quick_check(text.as_bytes(), limit, &mut Units::default(), true);
            assert_eq!((done.samples, done.lines, done.bytes), (3, 12, text.len()), "{shift}");
            for odd in [
                "b (inline) (inline)",
                "b (inline)x",
                "b (inlin)",
                "b  (inline)",
                "main.Map[go.shape.string, go.shape.int]",
                "b // (inline)",
            ] {
                let bad = format!("  2kB   a\n             {pad}{odd}\n{sep}\n");
                let text = format!("{good}{bad}{good}");
                let limit = text.len() - sep.len() - 1;
                let done = quick_check(text.as_bytes(), limit, &mut Units::default(), true);
                assert_eq!(done.bytes, good.len(), "{shift} {odd:?}");
            }
        }
    }

    #[test]
    fn quick_check_finds_frame_lines_at_every_offset_of_its_masks() {
        // Frame lines that end at every offset of the 64-byte windows
        // `FrameMasks` reads, and a damaged one (12 or 14 spaces, a blank
        // name) at every offset too: the damaged block is never accepted.
        let sep = SEPARATOR;
        for shift in 0..64 {
            let pad = "x".repeat(shift);
            let frames: String =
                (0..5).map(|i| format!("             f{i}{pad}\n")).collect::<Vec<_>>().concat();
            let good = format!("     k:  v\n  1kB   a{pad}\n{frames}{sep}\n");
            let lines = 2 + 5 + 1;
            for damage in ["            x", "              x", "             "] {
                let bad = format!("  2kB   c{pad}\n             d\n{damage}\n{sep}\n");
                let text = format!("{good}{good}{bad}{good}");
                let limit = text.len() - sep.len() - 1;
                let done = quick_check(text.as_bytes(), limit, &mut Units::default(), false);
                assert_eq!(
                    (done.samples, done.lines, done.bytes),
                    (2, 2 * lines, 2 * good.len()),
                    "shift {shift}, {damage:?}"
                );
            }
            let text = good.repeat(3);
            let limit = text.len() - sep.len() - 1;
            for check in [false, true] {
                let done = quick_check(text.as_bytes(), limit, &mut Units::default(), check);
                assert_eq!((done.samples, done.lines, done.bytes), (3, 3 * lines, text.len()));
            }
            // With names checked, a name holding a space, at every offset.
            let spaced = format!("  2kB   c{pad}\n             d e\n{sep}\n");
            let text = format!("{good}{good}{spaced}{good}");
            let limit = text.len() - sep.len() - 1;
            let done = quick_check(text.as_bytes(), limit, &mut Units::default(), true);
            assert_eq!((done.samples, done.bytes), (2, 2 * good.len()), "shift {shift}");
        }
    }

    #[test]
    fn frame_lines_are_read_as_next_line_reads_them() {
        let long = "y".repeat(200);
        let text = format!(
            "             a\n             bb (inline)\r\n             \n            c\n  1kB   d\n             {long}\n             {long}"
        );
        let mut lines = LineReader::new(text.as_bytes());
        let read = |lines: &mut LineReader<&[u8]>, fail: &[u8]| {
            let mut got = Vec::new();
            let result = lines.read_frame_lines(
                &mut got,
                |_, _| None,
                |got, frame| {
                    got.push(String::from_utf8(frame.to_vec()).unwrap());
                    if frame == fail {
                        Err(got.len())
                    } else {
                        Ok(())
                    }
                },
            );
            (got, result, lines.line())
        };
        // Nothing buffered yet.
        assert_eq!(read(&mut lines, b"-"), (vec![], Ok(()), 0));
        lines.fill().unwrap();
        assert_eq!(
            read(&mut lines, b"bb (inline)"),
            (vec!["a".into(), "bb (inline)".into()], Err(2), 2)
        );
        // An empty frame, then 12 spaces: that line is for `next_line`.
        assert_eq!(read(&mut lines, b"-"), (vec![String::new()], Ok(()), 3));
        assert_eq!(lines.next_line().unwrap(), Some(&b"            c"[..]));
        assert_eq!(read(&mut lines, b"-"), (vec![], Ok(()), 4));
        assert_eq!(lines.next_line().unwrap(), Some(&b"  1kB   d"[..]));
        // The last line has no `\n`: for `next_line`.
        assert_eq!(read(&mut lines, b"-"), (vec![long.clone()], Ok(()), 6));
        assert_eq!(lines.consumed(), text.len() as u64 - 213);
        assert_eq!(lines.next_line().unwrap().map(<[u8]>::len), Some(213));
        for len in 0..100 {
            let mut hay = vec![b'x'; len];
            assert_eq!(find_newline(&hay), None);
            hay.extend_from_slice(b"\n\n");
            assert_eq!(find_newline(&hay), Some(len));
        }
    }

    #[test]
    fn line_reader_handles_long_lines_and_missing_final_newline() {
        let long = "x".repeat(700_000);
        let text = format!("a\r\n{long}\nlast");
        let mut lines = LineReader::new(text.as_bytes());
        assert_eq!(lines.next_line().unwrap(), Some(&b"a"[..]));
        assert_eq!(lines.next_line().unwrap().map(<[u8]>::len), Some(700_000));
        assert_eq!(lines.next_line().unwrap(), Some(&b"last"[..]));
        assert_eq!(lines.line(), 3);
        assert_eq!(lines.next_line().unwrap(), None);
        let huge = "y".repeat(MAX_LINE * 3);
        assert!(LineReader::new(huge.as_bytes()).next_line().is_err());
    }
}
