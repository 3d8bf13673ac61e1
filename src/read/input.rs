//! Opening inputs: a file path or `-` for standard input, gzip detected by
//! its magic bytes, a UTF-8 byte-order mark dropped, and UTF-16 text (what
//! PowerShell's `>` writes) decoded to UTF-8 on the fly.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};

use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use crate::error::{Error, ParseErrorKind, Result};

/// The name standard input is shown as in messages.
pub(crate) const STDIN_NAME: &str = "<stdin>";

/// An opened input: its display name and a reader of UTF-8 bytes.
pub struct Input {
    /// The path as given, or `<stdin>`.
    pub name: String,
    /// The decoded bytes.
    pub reader: Box<dyn Read>,
}

/// Opens `path` (`-` is standard input) and decodes it as described above.
pub fn open(path: &str) -> Result<Input> {
    open_watched(path, None)
}

/// Like [`open`], reporting the reading of a large file to `progress`.
pub(crate) fn open_watched(path: &str, progress: Option<&Progress>) -> Result<Input> {
    let name = if path == "-" { STDIN_NAME.to_owned() } else { path.to_owned() };
    let raw: Box<dyn Read> = if path == "-" {
        Box::new(io::stdin())
    } else {
        let file = File::open(path).map_err(|source| Error::Io { path: name.clone(), source })?;
        with_progress(file, &name, progress)
    };
    let reader = decode(raw).map_err(|source| Error::Io { path: name.clone(), source })?;
    Ok(Input { name, reader })
}

/// Inputs larger than this are reported to the progress observer.
pub(crate) const PROGRESS_MIN_BYTES: u64 = 100 << 20;

/// Watches the reading of large files (over `PROGRESS_MIN_BYTES`): the
/// binary draws a progress bar with it. The library draws nothing itself
/// and knows nothing of terminals; without an observer
/// ([`crate::read::SourceOptions::progress`]) files are read as they are.
pub trait ProgressObserver: Send + Sync {
    /// A large file was opened: its display name and size in bytes (as
    /// stored, before any gzip decoding). The returned tracker is told of
    /// every read.
    fn start(&self, name: &str, size: u64) -> Box<dyn InputProgress>;
}

/// The progress of one input, from [`ProgressObserver::start`].
pub trait InputProgress: Send {
    /// `bytes` more of the file were read.
    fn advance(&mut self, bytes: u64);
    /// Reading stopped: at the end of the file (`complete`), or early,
    /// because the command had what it needed or failed.
    fn finish(&mut self, complete: bool);
}

/// A progress observer, shared by the inputs of one run (the options of
/// reading carry it; nothing global).
#[derive(Clone)]
pub struct Progress(pub Arc<dyn ProgressObserver>);

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// The file itself, or, for a large file with an observer, the file behind
/// a reader that reports every read.
fn with_progress(file: File, name: &str, progress: Option<&Progress>) -> Box<dyn Read> {
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    match progress {
        Some(Progress(observer)) if size >= PROGRESS_MIN_BYTES => {
            Box::new(Watched { file, progress: observer.start(name, size), finished: false })
        }
        _ => Box::new(file),
    }
}

/// A file whose reads are reported; it says when reading ends, at the end
/// of the file or when dropped before.
struct Watched {
    file: File,
    progress: Box<dyn InputProgress>,
    finished: bool,
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if !self.finished {
                self.finished = true;
                self.progress.finish(true);
            }
        } else {
            self.progress.advance(n as u64);
        }
        Ok(n)
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if !self.finished {
            self.progress.finish(false);
        }
    }
}

/// Why the bytes of an input could not be decoded: gzip data damaged or
/// cut short, or UTF-16 text that is not. Read errors of [`decode`]'s
/// reader carry it (`io::Error` of kind `InvalidData`); [`DecodeError::of`]
/// finds it, so that readers can say on which line the text stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The gzip stream is damaged or ends early (the decompressor's words).
    Gzip(String),
    /// UTF-16 text with an unpaired surrogate or an odd number of bytes.
    Utf16(&'static str),
}

impl DecodeError {
    /// The decoding error inside a read error, if it is one.
    pub fn of(e: &io::Error) -> Option<&DecodeError> {
        e.get_ref()?.downcast_ref()
    }

    /// The parse error a reader reports for it, with the line it stopped in.
    pub fn kind(&self) -> ParseErrorKind {
        match self {
            DecodeError::Gzip(e) => ParseErrorKind::BadGzip(e.clone()),
            DecodeError::Utf16(e) => ParseErrorKind::BadUtf16((*e).to_owned()),
        }
    }

    fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Gzip(e) => write!(f, "damaged or truncated gzip data ({e})"),
            DecodeError::Utf16(e) => write!(f, "invalid UTF-16 text ({e})"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A gzip decoder whose errors about the compressed data are
/// [`DecodeError::Gzip`] (errors of the underlying reader pass as they are).
struct Gunzip<R: Read>(MultiGzDecoder<R>);

impl<R: Read> Read for Gunzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData
            | io::ErrorKind::InvalidInput
            | io::ErrorKind::UnexpectedEof => DecodeError::Gzip(e.to_string()).into_io(),
            _ => e,
        })
    }
}

/// Wraps a byte source: gunzips it when it starts with gzip's magic bytes,
/// then drops a UTF-8 BOM or transcodes UTF-16 (LE or BE, with a BOM).
pub fn decode(raw: Box<dyn Read>) -> io::Result<Box<dyn Read>> {
    let (head, raw) = peek(raw, 2)?;
    let inner: Box<dyn Read> = if head == [0x1f, 0x8b] {
        Box::new(Gunzip(MultiGzDecoder::new(BufReader::with_capacity(1 << 16, raw))))
    } else {
        raw
    };
    let (head, inner) = peek(inner, 3)?;
    Ok(if head == [0xef, 0xbb, 0xbf] {
        let mut inner = inner;
        io::copy(&mut (&mut inner).take(3), &mut io::sink())?;
        inner
    } else if head.starts_with(&[0xff, 0xfe]) {
        Box::new(Utf16Decoder::new(inner, false)?)
    } else if head.starts_with(&[0xfe, 0xff]) {
        Box::new(Utf16Decoder::new(inner, true)?)
    } else {
        inner
    })
}

/// Reads up to `n` bytes and returns them with a reader that yields them
/// again, followed by the rest.
fn peek(mut reader: Box<dyn Read>, n: u64) -> io::Result<(Vec<u8>, Box<dyn Read>)> {
    let mut head = Vec::new();
    (&mut reader).take(n).read_to_end(&mut head)?;
    let again = io::Cursor::new(head.clone()).chain(reader);
    Ok((head, Box::new(again)))
}

/// Transcodes UTF-16 to UTF-8 as a stream. The byte-order mark is skipped.
/// The text before an invalid unit is handed out before the error.
struct Utf16Decoder<R> {
    inner: R,
    big_endian: bool,
    /// Input bytes not decoded yet: an odd byte or a high surrogate.
    carry: Vec<u8>,
    /// Decoded UTF-8 not handed out yet.
    out: Vec<u8>,
    out_pos: usize,
    /// An error to return once `out` is handed out.
    failed: Option<DecodeError>,
}

impl<R: Read> Utf16Decoder<R> {
    fn new(mut inner: R, big_endian: bool) -> io::Result<Self> {
        io::copy(&mut (&mut inner).take(2), &mut io::sink())?;
        Ok(Utf16Decoder {
            inner,
            big_endian,
            carry: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            failed: None,
        })
    }

    /// Decodes the next chunk into `out`; false at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        if let Some(e) = self.failed.take() {
            return Err(e.into_io());
        }
        let mut bytes = std::mem::take(&mut self.carry);
        let have = bytes.len();
        bytes.resize(have + (1 << 16), 0);
        let got = self.inner.read(&mut bytes[have..])?;
        bytes.truncate(have + got);
        if got == 0 {
            if bytes.is_empty() {
                return Ok(false);
            }
            let what = if bytes.len() % 2 == 1 {
                "an odd number of bytes: cut short?"
            } else {
                "an unpaired surrogate at the end"
            };
            return Err(DecodeError::Utf16(what).into_io());
        }
        let whole = bytes.len() / 2 * 2;
        let mut units: Vec<u16> = bytes[..whole]
            .chunks_exact(2)
            .map(|p| {
                let pair = [p[0], p[1]];
                if self.big_endian {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            })
            .collect();
        let mut keep = whole;
        // A high surrogate at the end pairs with the next chunk's first unit.
        if units.last().is_some_and(|u| (0xd800..0xdc00).contains(u)) {
            units.pop();
            keep -= 2;
        }
        self.carry = bytes[keep..].to_vec();
        for c in char::decode_utf16(units) {
            let Ok(c) = c else {
                self.failed = Some(DecodeError::Utf16("an unpaired surrogate"));
                break;
            };
            let mut buf = [0u8; 4];
            self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        if self.out.is_empty() {
            if let Some(e) = self.failed.take() {
                return Err(e.into_io());
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for Utf16Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out.len() {
            if !self.refill()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn decoded(bytes: Vec<u8>) -> String {
        let mut out = String::new();
        decode(Box::new(io::Cursor::new(bytes))).unwrap().read_to_string(&mut out).unwrap();
        out
    }

    const TEXT: &str = "Type: cpu\n     150ms   main.spin \u{3bc}s \u{1f600}\n";

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(decoded(TEXT.as_bytes().to_vec()), TEXT);
        assert_eq!(decoded(Vec::new()), "");
        assert_eq!(decoded(b"x".to_vec()), "x");
    }

    #[test]
    fn utf8_bom_is_dropped() {
        let mut bytes = vec![0xef, 0xbb, 0xbf];
        bytes.extend_from_slice(TEXT.as_bytes());
        assert_eq!(decoded(bytes), TEXT);
    }

    #[test]
    fn utf16_with_bom_is_transcoded() {
        let mut le = vec![0xff, 0xfe];
        let mut be = vec![0xfe, 0xff];
        for u in TEXT.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decoded(le), TEXT);
        assert_eq!(decoded(be), TEXT);
    }

    #[test]
    fn gzip_is_detected_by_magic() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(TEXT.as_bytes()).unwrap();
        assert_eq!(decoded(gz.finish().unwrap()), TEXT);
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = open("/nonexistent/traces.txt").err().unwrap();
        assert!(err.to_string().starts_with("/nonexistent/traces.txt: "), "{err}");
    }
}

#[cfg(test)]
mod progress_tests {
    use super::*;
    use std::sync::Mutex;

    /// Records what the reader reports, per input name.
    #[derive(Default)]
    struct Recorder(Arc<Mutex<Vec<String>>>);

    struct Tracker(Arc<Mutex<Vec<String>>>, u64);

    impl ProgressObserver for Recorder {
        fn start(&self, name: &str, size: u64) -> Box<dyn InputProgress> {
            self.0.lock().unwrap().push(format!("start {name} {size}"));
            Box::new(Tracker(self.0.clone(), 0))
        }
    }

    impl InputProgress for Tracker {
        fn advance(&mut self, bytes: u64) {
            self.1 += bytes;
        }
        fn finish(&mut self, complete: bool) {
            self.0.lock().unwrap().push(format!("finish {complete} after {}", self.1));
        }
    }

    #[test]
    fn large_files_report_every_byte_and_one_finish_early_or_at_the_end() {
        let dir = std::env::temp_dir();
        let big = dir.join(format!("traces-tool-progress-{}.txt", std::process::id()));
        let small = dir.join(format!("traces-tool-progress-{}-small.txt", std::process::id()));
        // Sparse: 100 MiB + 1 byte of zeros, written in no time.
        File::create(&big).unwrap().set_len(PROGRESS_MIN_BYTES + 1).unwrap();
        std::fs::write(&small, b"small").unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let watch = Progress(Arc::new(Recorder(events.clone())));
        let watch = Some(&watch);
        let size = PROGRESS_MIN_BYTES + 1;

        // Stopped early: the tracker hears of the bytes read, then a finish.
        let mut reader = with_progress(File::open(&big).unwrap(), "big", watch);
        let mut buf = vec![0u8; 1 << 20];
        reader.read_exact(&mut buf).unwrap();
        drop(reader);
        // Read to the end: every byte, one finish (not a second on drop).
        let mut reader = with_progress(File::open(&big).unwrap(), "big", watch);
        io::copy(&mut reader, &mut io::sink()).unwrap();
        assert_eq!(reader.read(&mut buf).unwrap(), 0);
        drop(reader);
        // Small files are read as they are.
        let mut reader = with_progress(File::open(&small).unwrap(), "small", watch);
        io::copy(&mut reader, &mut io::sink()).unwrap();
        drop(reader);
        let mut reader = with_progress(File::open(&big).unwrap(), "unwatched", None);
        reader.read_exact(&mut buf).unwrap();
        drop(reader);

        std::fs::remove_file(&big).ok();
        std::fs::remove_file(&small).ok();
        assert_eq!(
            *events.lock().unwrap(),
            [
                format!("start big {size}"),
                format!("finish false after {}", 1 << 20),
                format!("start big {size}"),
                format!("finish true after {size}"),
            ]
        );
    }
}
