//! Opening inputs: a file path or `-` for standard input, gzip detected by
//! its magic bytes, a UTF-8 byte-order mark dropped, and UTF-16 text (what
//! PowerShell's `>` writes) decoded to UTF-8 on the fly.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};

use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, ParseErrorKind, Result};

/// The name standard input is shown as in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// An opened input: its display name and a reader of UTF-8 bytes.
pub struct Input {
    /// The path as given, or `<stdin>`.
    pub name: String,
    /// The decoded bytes.
    pub reader: Box<dyn Read>,
}

/// Opens `path` (`-` is standard input) and decodes it as described above.
pub fn open(path: &str) -> Result<Input> {
    let name = if path == "-" { STDIN_NAME.to_owned() } else { path.to_owned() };
    let raw: Box<dyn Read> = if path == "-" {
        Box::new(io::stdin())
    } else {
        let file = File::open(path).map_err(|source| Error::Io { path: name.clone(), source })?;
        with_progress(file, &name)
    };
    let reader = decode(raw).map_err(|source| Error::Io { path: name.clone(), source })?;
    Ok(Input { name, reader })
}

/// Inputs larger than this get a progress bar, when progress is shown.
const PROGRESS_MIN_BYTES: u64 = 100 << 20;

static SHOW_PROGRESS: AtomicBool = AtomicBool::new(false);

/// Lets [`open`] draw a progress bar on stderr for large files. The library
/// never does on its own: the binary turns it on when stderr is a terminal.
pub fn show_progress(on: bool) {
    SHOW_PROGRESS.store(on, Ordering::Relaxed);
}

/// The file itself, or, for a large file when progress is on, the file
/// behind a progress bar that counts the bytes read and clears itself at
/// the end.
fn with_progress(file: File, name: &str) -> Box<dyn Read> {
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if !SHOW_PROGRESS.load(Ordering::Relaxed) || size < PROGRESS_MIN_BYTES {
        return Box::new(file);
    }
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr())
        .with_style(style)
        .with_message(name.to_owned())
        .with_finish(ProgressFinish::AndClear);
    Box::new(bar.wrap_read(file))
}

/// Why the bytes of an input could not be decoded: gzip data damaged or
/// cut short, or UTF-16 text that is not. Read errors of [`decode`]'s
/// reader carry it (`io::Error` of kind `InvalidData`); [`DecodeError::of`]
/// finds it, so that readers can say on which line the text stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
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
