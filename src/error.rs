//! Errors of the library. Every parse error names the input, the 1-based
//! line and what was expected there; the binary prints them as
//! `traces-tool: FILE:LINE: message` and exits with status 2.

use std::fmt;
use std::io;

/// What was wrong with a line of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The input has no bytes at all.
    EmptyInput,
    /// No separator line anywhere: not a traces report. The string hints at
    /// what the input looks like instead.
    NotATracesReport(String),
    /// The input holds NUL bytes or other binary data.
    BinaryData(String),
    /// A line of dashes and `+` that is not pprof's 67-character separator.
    BadSeparator(String),
    /// A frame line (13 spaces) before the block's value line.
    FrameBeforeValue(String),
    /// The value token of a value line does not parse.
    BadValue {
        /// The token as printed.
        token: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A label line or value line after the frames of a block began.
    LineAfterFrames(String),
    /// A line that is neither label, value, frame nor separator.
    UnrecognizedLine(String),
    /// A frame line with no name.
    EmptyFrameName,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// A blank line inside a block.
    BlankLineInBlock,
    /// Label lines followed by a separator, with no value line.
    MissingValue,
    /// The input ends inside a block (no closing separator).
    TruncatedBlock,
    /// A value whose unit is of another kind than the report's.
    MixedUnits {
        /// The token as printed.
        token: String,
        /// The dimension the report's other values have.
        expected: String,
    },
    /// A line longer than the reader accepts.
    LineTooLong(usize),
    /// UTF-16 text with an unpaired surrogate or an odd number of bytes.
    BadUtf16(String),
    /// Gzip data damaged or cut short.
    BadGzip(String),
    /// A header line (`File: `, `Type: `...) where a block should start:
    /// two reports joined into one input.
    ConcatenatedReports(String),
    /// A line that is not part of the report as pprof printed it and that
    /// no repair places with certainty: an annotation, prose, a wrapped
    /// piece of a longer line (only where pasted text is looked at).
    Unplaced {
        /// The line as given.
        line: String,
        /// What it looks like (`a name followed by an annotation`, ...).
        looks_like: &'static str,
    },
    /// What the reader of another format (`-raw` text, a `?debug=1`
    /// profile, a goroutine dump, a binary profile) expected there, in its
    /// words.
    Expected(String),
}

/// Shows at most this many characters of an offending line.
const SHOW_CHARS: usize = 80;

/// Quotes a line for an error message, shortened.
pub(crate) fn quote(line: &str) -> String {
    let mut shown: String = line.chars().take(SHOW_CHARS).collect();
    if shown.len() < line.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

impl ParseErrorKind {
    /// A short stable name of the kind (for counts in lenient mode).
    pub fn name(&self) -> &'static str {
        match self {
            ParseErrorKind::EmptyInput => "empty-input",
            ParseErrorKind::NotATracesReport(_) => "not-a-traces-report",
            ParseErrorKind::BinaryData(_) => "binary-data",
            ParseErrorKind::BadSeparator(_) => "bad-separator",
            ParseErrorKind::FrameBeforeValue(_) => "frame-before-value",
            ParseErrorKind::BadValue { .. } => "bad-value",
            ParseErrorKind::LineAfterFrames(_) => "line-after-frames",
            ParseErrorKind::UnrecognizedLine(_) => "unrecognized-line",
            ParseErrorKind::EmptyFrameName => "empty-frame-name",
            ParseErrorKind::InvalidUtf8 => "invalid-utf8",
            ParseErrorKind::BlankLineInBlock => "blank-line-in-block",
            ParseErrorKind::MissingValue => "missing-value",
            ParseErrorKind::TruncatedBlock => "truncated-block",
            ParseErrorKind::MixedUnits { .. } => "mixed-units",
            ParseErrorKind::LineTooLong(_) => "line-too-long",
            ParseErrorKind::BadUtf16(_) => "bad-utf16",
            ParseErrorKind::BadGzip(_) => "bad-gzip",
            ParseErrorKind::ConcatenatedReports(_) => "concatenated-reports",
            ParseErrorKind::Unplaced { .. } => "unplaced-line",
            ParseErrorKind::Expected(_) => "format-error",
        }
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseErrorKind::*;
        match self {
            EmptyInput => write!(f, "empty input: expected a pprof traces report"),
            NotATracesReport(hint) => write!(
                f,
                "not a pprof traces report: no separator line \
                 \"-----------+-------...\" found{hint}"
            ),
            BinaryData(hint) => write!(f, "binary data, not a pprof traces report{hint}"),
            BadSeparator(line) => write!(
                f,
                "expected the separator \"-----------+\" followed by 55 '-' \
                 (67 characters), found {}",
                quote(line)
            ),
            FrameBeforeValue(line) => write!(
                f,
                "expected a value such as 21.01MB before the first frame, found {}",
                quote(line)
            ),
            BadValue { token, reason } => write!(
                f,
                "expected a value such as 21.01MB, 150ms or 37, found {} ({reason})",
                quote(token)
            ),
            LineAfterFrames(line) => write!(
                f,
                "expected a frame line (13 spaces and a function) or a separator \
                 after the value line, found {} (a missing separator?)",
                quote(line)
            ),
            UnrecognizedLine(line) => write!(
                f,
                "expected a label line \"key:  value\" or a value line \
                 \"21.01MB   function\", found {}",
                quote(line)
            ),
            EmptyFrameName => write!(f, "expected a function name after the value, found nothing"),
            InvalidUtf8 => write!(f, "invalid UTF-8: expected text"),
            BlankLineInBlock => write!(
                f,
                "unexpected blank line inside a block: expected a label, value, \
                 frame or separator line"
            ),
            MissingValue => write!(
                f,
                "block ends without a value line: expected a value such as 21.01MB \
                 and a function before the separator"
            ),
            TruncatedBlock => write!(
                f,
                "input ends inside a block: expected a closing separator line \
                 (truncated report?)"
            ),
            MixedUnits { token, expected } => {
                write!(f, "value {} is not in {expected} like the rest of the report", quote(token))
            }
            LineTooLong(max) => write!(
                f,
                "line longer than {max} bytes ({}): not a traces report",
                bytesize::ByteSize::b(*max as u64).display().iec()
            ),
            BadUtf16(what) => write!(f, "invalid UTF-16 text ({what}): the text stops here"),
            BadGzip(what) => {
                write!(f, "damaged or truncated gzip data ({what}): the text stops here")
            }
            ConcatenatedReports(line) => write!(
                f,
                "a second report starts here: expected a block after the separator, found \
                 the header line {} (reports joined with cat? give each one as its own FILE)",
                quote(line)
            ),
            Unplaced { line, looks_like } => write!(
                f,
                "not part of the report as pprof printed it: {} looks like {looks_like}, \
                 not a label, value, frame or separator line; no repair places it with \
                 certainty, so its numbers are not read (remove the line, or give --lenient \
                 to skip its block and count it)",
                quote(line)
            ),
            Expected(what) => f.write_str(what),
        }
    }
}

/// Any failure of the library.
#[derive(Debug)]
pub enum Error {
    /// Reading an input failed.
    Io {
        /// The input's name.
        path: String,
        /// What the system said.
        source: io::Error,
    },
    /// An input is not a well-formed traces report.
    Parse {
        /// The input's name.
        path: String,
        /// The 1-based line (or sample number, for inputs without lines).
        line: u64,
        /// What was expected there.
        kind: ParseErrorKind,
    },
    /// Writing output failed (a closed pipe is reported as this too).
    Output(io::Error),
    /// A bad argument: an invalid regular expression, an unknown unit, ...
    Usage(String),
}

impl Error {
    /// An input that is not what its format's reader expected: `path`, the
    /// 1-based `line` (0 where the input has no lines, or the whole input
    /// is meant) and what was expected, in the reader's words.
    pub fn input(path: &str, line: u64, expected: impl fmt::Display) -> Error {
        Error::Parse {
            path: path.to_owned(),
            line,
            kind: ParseErrorKind::Expected(expected.to_string()),
        }
    }

    /// True when writing failed because the reader went away (`| head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{path}: {source}"),
            Error::Parse { path, line, kind } if *line == 0 => write!(f, "{path}: {kind}"),
            Error::Parse { path, line, kind } => write!(f, "{path}:{line}: {kind}"),
            Error::Output(e) => write!(f, "writing output: {e}"),
            Error::Usage(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Output(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    /// Bare I/O errors are output errors: input errors carry their path.
    fn from(e: io::Error) -> Error {
        Error::Output(e)
    }
}

impl From<csv::Error> for Error {
    fn from(e: csv::Error) -> Error {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Error::Output(io),
            other => Error::Output(io::Error::other(format!("{other:?}"))),
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_names_file_and_line() {
        let e = Error::Parse {
            path: "traces.txt".into(),
            line: 1234,
            kind: ParseErrorKind::FrameBeforeValue("             main.main".into()),
        };
        assert_eq!(
            e.to_string(),
            "traces.txt:1234: expected a value such as 21.01MB before the first frame, \
             found \"             main.main\""
        );
    }

    #[test]
    fn every_reader_reports_a_file_and_a_line_in_one_shape() {
        let e = Error::input("heap.txt", 7, "expected a record `COUNT @ 0x...`, found \"x\"");
        assert!(matches!(&e, Error::Parse { line: 7, kind: ParseErrorKind::Expected(_), .. }));
        assert_eq!(e.to_string(), "heap.txt:7: expected a record `COUNT @ 0x...`, found \"x\"");
        assert_eq!(Error::input("p.pb.gz", 0, "malformed").to_string(), "p.pb.gz: malformed");
    }

    #[test]
    fn long_lines_are_shortened() {
        let q = quote(&"x".repeat(500));
        assert!(q.len() < 100, "{q}");
        assert!(q.contains('…'));
    }
}
