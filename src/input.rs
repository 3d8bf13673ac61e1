//! Opening inputs: a file path or `-` for standard input, gzip detected by
//! its magic bytes, a UTF-8 byte-order mark dropped, and UTF-16 text (what
//! PowerShell's `>` writes) decoded to UTF-8 on the fly.

use std::fs::File;
use std::io::{self, BufReader, Read};

use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

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

/// Wraps a byte source: gunzips it when it starts with gzip's magic bytes,
/// then drops a UTF-8 BOM or transcodes UTF-16 (LE or BE, with a BOM).
pub fn decode(raw: Box<dyn Read>) -> io::Result<Box<dyn Read>> {
    let (head, raw) = peek(raw, 2)?;
    let inner: Box<dyn Read> = if head == [0x1f, 0x8b] {
        Box::new(MultiGzDecoder::new(BufReader::with_capacity(1 << 16, raw)))
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
struct Utf16Decoder<R> {
    inner: R,
    big_endian: bool,
    /// Input bytes not decoded yet: an odd byte or a high surrogate.
    carry: Vec<u8>,
    /// Decoded UTF-8 not handed out yet.
    out: Vec<u8>,
    out_pos: usize,
}

impl<R: Read> Utf16Decoder<R> {
    fn new(mut inner: R, big_endian: bool) -> io::Result<Self> {
        io::copy(&mut (&mut inner).take(2), &mut io::sink())?;
        Ok(Utf16Decoder { inner, big_endian, carry: Vec::new(), out: Vec::new(), out_pos: 0 })
    }

    /// Decodes the next chunk into `out`; false at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        let mut bytes = std::mem::take(&mut self.carry);
        let have = bytes.len();
        bytes.resize(have + (1 << 16), 0);
        let got = self.inner.read(&mut bytes[have..])?;
        bytes.truncate(have + got);
        if got == 0 {
            if bytes.is_empty() {
                return Ok(false);
            }
            return Err(io::Error::new(io::ErrorKind::InvalidData, "truncated UTF-16 text"));
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
            let c =
                c.map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "invalid UTF-16 text"))?;
            let mut buf = [0u8; 4];
            self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
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
