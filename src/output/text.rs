//! Typed text: a command's text view written as lines whose parts say what
//! they are (a number, its ± bound, a frame, the user's own frame, a
//! change, a match), so that whoever shows them can fit and colour them
//! without reading the finished text back. In a pipe the lines are written
//! as they are ([`PlainText`]); the binary's terminal painter is another
//! [`LineSink`]. The library knows nothing of terminals: it only says what
//! each part is.

use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::ops::Range;

use crate::analysis::blame::{is_std, package_of};

/// What a whole line is, which decides how it may be fitted to a width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Words: wrapped at spaces, never inside a number, a bound or a name.
    Prose,
    /// pprof's header lines (`File:`, `Type:`, `Showing nodes ...`).
    Header,
    /// A table's column titles.
    Titles,
    /// A table row: columns, then frame names last.
    Row,
    /// A call path: frames joined by ` < `, the one asked about first.
    Path,
    /// A folded stack: frames joined by `;`, the root first.
    Folded,
    /// A shell command to run: where it must be broken, each line but the
    /// last ends in ` \\`, so that it can still be copied and run.
    Command,
}

/// What a part of a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Anything else: spaces, words, separators.
    Plain,
    /// A field's name with the spaces that pad it (`Total:    `): where the
    /// line is wrapped, its next lines start under what follows it.
    Label,
    /// A number with its unit (`887.87MB`, `12.5%`, `13`): never cut.
    Number,
    /// A rounding bound (`±25.60kB`): never cut; a table's ± columns may be
    /// left out as a whole where the width is short.
    Bound,
    /// Words that are true only while a table's ± columns are shown.
    BoundNote,
    /// A frame of Go's runtime or standard library.
    StdFrame,
    /// A frame of other code (modules, vendored packages).
    Frame,
    /// A frame of the user's own code (`main`, or the application module
    /// `blame` found).
    AppFrame,
    /// A change that grew (`+10.72MB`, `+12.5%`).
    Grew,
    /// A change that shrank.
    Shrank,
    /// A bar of `#` (with the spaces that pad it to its column), at most
    /// [`BAR_WIDTH`] wide: a painter may draw it shorter, to scale.
    Bar,
}

/// The widest bar a view draws (`hist`): the length of the largest row's.
pub const BAR_WIDTH: usize = 40;

impl Part {
    /// Whether the part is a frame name.
    pub fn is_frame(self) -> bool {
        matches!(self, Part::StdFrame | Part::Frame | Part::AppFrame)
    }
}

/// The part a frame name is: the user's (`main`), Go's own (runtime and
/// standard library: no dot in the package path's first element) or other
/// code. `blame` marks the application module it found as well.
pub fn frame_part(name: &str) -> Part {
    let package = package_of(name);
    if package == "main" {
        Part::AppFrame
    } else if is_std(package) && !name.starts_with('[') && name.contains('.') {
        Part::StdFrame
    } else {
        Part::Frame
    }
}

/// A span of a line's text and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// What it is.
    pub part: Part,
    /// Its bytes in [`Line::text`].
    pub range: Range<usize>,
}

/// One line of a text view, without its newline.
#[derive(Clone, Debug)]
pub struct Line {
    /// What the line is.
    pub layout: Layout,
    /// The text, as written in a pipe.
    pub text: String,
    /// The parts, in order, covering the text without gaps.
    pub spans: Vec<Span>,
    /// Byte ranges of the text that a search matched (`grep`'s pattern),
    /// inside any part.
    pub marks: Vec<Range<usize>>,
}

impl Line {
    fn new() -> Line {
        Line { layout: Layout::Prose, text: String::new(), spans: Vec::new(), marks: Vec::new() }
    }

    fn clear(&mut self, layout: Layout) {
        self.layout = layout;
        self.text.clear();
        self.spans.clear();
        self.marks.clear();
    }

    /// The text of a span.
    pub fn part_text(&self, span: &Span) -> &str {
        &self.text[span.range.clone()]
    }

    /// Appends `text` as a `part`, merged into the last span when it is of
    /// the same part and plain (names and numbers stay apart).
    fn push(&mut self, part: Part, text: fmt::Arguments<'_>) {
        let start = self.text.len();
        let _ = self.text.write_fmt(text);
        self.close(part, start);
    }

    fn close(&mut self, part: Part, start: usize) {
        let end = self.text.len();
        if start == end {
            return;
        }
        match self.spans.last_mut() {
            Some(last) if last.part == Part::Plain && part == Part::Plain => last.range.end = end,
            _ => self.spans.push(Span { part, range: start..end }),
        }
    }
}

/// Where typed lines go: written as they are in a pipe, fitted and painted
/// at a terminal. Bytes that are not text lines (CSV, JSON, SVG, a binary
/// profile) go through [`LineSink::bytes`] untouched.
pub trait LineSink {
    /// One line of a text view.
    fn line(&mut self, line: &Line) -> io::Result<()>;
    /// Bytes written as they are.
    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Flushes what is buffered.
    fn flush(&mut self) -> io::Result<()>;
    /// Whether the sink looks at the parts of a line (a painter) or only at
    /// its text: a view whose text is a data format (`cat`'s traces
    /// report) writes it as bytes, faster, where nobody looks at parts.
    fn reads_parts(&self) -> bool {
        true
    }
    /// Whether the sink wraps prose to a width of its own: a paragraph
    /// ([`Out::paragraph`]) then comes as one line, not wrapped at
    /// [`PROSE_WIDTH`].
    fn wraps_prose(&self) -> bool {
        false
    }
}

/// The width at which a paragraph is wrapped where the sink does not wrap
/// prose itself (a pipe, a file).
pub const PROSE_WIDTH: usize = 96;

/// The sink of a pipe or a file: each line's text and a newline, byte for
/// byte.
pub struct PlainText<W: Write>(pub W);

impl<W: Write> LineSink for PlainText<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        self.0.write_all(line.text.as_bytes())?;
        self.0.write_all(b"\n")
    }

    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }

    fn reads_parts(&self) -> bool {
        false
    }
}

/// A command's output: typed lines through [`Out::line`], other bytes
/// through its [`Write`] side.
pub struct Out<'a> {
    sink: &'a mut dyn LineSink,
    line: Line,
}

impl<'a> Out<'a> {
    /// Output into `sink`.
    pub fn new(sink: &'a mut dyn LineSink) -> Out<'a> {
        Out { sink, line: Line::new() }
    }

    /// Starts a line of the given layout; [`LineWriter::end`] writes it.
    pub fn line(&mut self, layout: Layout) -> LineWriter<'_> {
        self.line.clear(layout);
        LineWriter { line: &mut self.line, sink: &mut *self.sink }
    }

    /// Whether the sink looks at the parts of lines ([`LineSink::reads_parts`]).
    pub fn reads_parts(&self) -> bool {
        self.sink.reads_parts()
    }

    /// A line of prose.
    pub fn prose(&mut self, text: impl fmt::Display) -> io::Result<()> {
        self.line(Layout::Prose).plain(text).end()
    }

    /// A paragraph of words: one line for a sink that wraps prose to its
    /// own width (a terminal's), else lines of at most [`PROSE_WIDTH`]
    /// characters broken at spaces.
    pub fn paragraph(&mut self, text: &str) -> io::Result<()> {
        if self.sink.wraps_prose() {
            return self.prose(text);
        }
        for line in wrap_words(text, PROSE_WIDTH) {
            self.prose(line)?;
        }
        Ok(())
    }

    /// An empty line.
    pub fn blank(&mut self) -> io::Result<()> {
        self.line(Layout::Prose).end()
    }

    /// Each line of `text` as prose (a trailing newline ends the last).
    pub fn prose_lines(&mut self, text: &str) -> io::Result<()> {
        for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
            self.prose(line)?;
        }
        Ok(())
    }
}

impl Write for Out<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sink.bytes(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink.flush()
    }
}

/// `text` in lines of at most `width` characters, broken at spaces (a
/// word longer than a line has a line of its own).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// A line being written: parts appended in order, then [`LineWriter::end`].
pub struct LineWriter<'o> {
    line: &'o mut Line,
    sink: &'o mut dyn LineSink,
}

impl LineWriter<'_> {
    /// Plain text.
    pub fn plain(self, text: impl fmt::Display) -> Self {
        self.line.push(Part::Plain, format_args!("{text}"));
        self
    }

    /// `n` spaces.
    pub fn spaces(self, n: usize) -> Self {
        self.line.push(Part::Plain, format_args!("{:n$}", ""));
        self
    }

    /// Text as the given part.
    pub fn part(self, part: Part, text: impl fmt::Display) -> Self {
        self.line.push(part, format_args!("{text}"));
        self
    }

    /// Text as the given part, right-aligned in `width` columns (the
    /// padding before it is plain).
    pub fn right(self, width: usize, part: Part, text: impl fmt::Display) -> Self {
        let text = text.to_string();
        let columns = text.chars().count();
        self.spaces(width.saturating_sub(columns)).part(part, text)
    }

    /// Text as the given part, left-aligned in `width` columns (the padding
    /// after it is plain).
    pub fn left(self, width: usize, part: Part, text: impl fmt::Display) -> Self {
        let text = text.to_string();
        let columns = text.chars().count();
        self.part(part, text).spaces(width.saturating_sub(columns))
    }

    /// Text as the given part, the spaces it starts with plain
    /// (`percentage`'s ` 4.70%`).
    pub fn padded(self, part: Part, text: impl fmt::Display) -> Self {
        let text = text.to_string();
        let body = text.trim_start();
        self.plain(&text[..text.len() - body.len()]).part(part, body)
    }

    /// A bound as `UnitContext::bound` writes it (` ±25.60kB`, or nothing
    /// when it is zero): the space plain, the bound a [`Part::Bound`].
    pub fn bound(self, text: impl fmt::Display) -> Self {
        self.padded(Part::Bound, text)
    }

    /// A number.
    pub fn number(self, text: impl fmt::Display) -> Self {
        self.part(Part::Number, text)
    }

    /// A frame name, marked as the user's, Go's or other code's
    /// ([`frame_part`]).
    pub fn frame(self, name: &str) -> Self {
        let part = frame_part(name);
        self.part(part, name)
    }

    /// A folded stack (`root;...;leaf`, as `folded::push_folded_name`
    /// writes it: a `;` inside a name is `；`), each frame marked.
    pub fn folded(self, stack: &str) -> Self {
        let mut line = self;
        for (i, frame) in stack.split(';').enumerate() {
            if i > 0 {
                line = line.plain(";");
            }
            line = line.frame(frame);
        }
        line
    }

    /// A series key: a folded stack (`stack`), a function's name
    /// (`function`) or a label's value (any other `by`).
    pub fn key(self, by: &str, key: &str) -> Self {
        match by {
            "stack" => self.folded(key),
            "function" => self.frame(key),
            _ => self.plain(key),
        }
    }

    /// A frame name with the byte ranges (within the name) a search
    /// matched.
    pub fn frame_marked(self, name: &str, marks: impl IntoIterator<Item = Range<usize>>) -> Self {
        let start = self.line.text.len();
        let this = self.frame(name);
        this.line.marks.extend(marks.into_iter().map(|r| start + r.start..start + r.end));
        this
    }

    /// A change: grew when it starts with `+`, shrank with `-` (spaces
    /// before the sign stay plain).
    pub fn change(self, text: impl fmt::Display) -> Self {
        let text = text.to_string();
        let body = text.trim_start();
        let part = match body.as_bytes().first() {
            Some(b'+') => Part::Grew,
            Some(b'-') => Part::Shrank,
            _ => Part::Number,
        };
        self.plain(&text[..text.len() - body.len()]).part(part, body)
    }

    /// Writes the line.
    pub fn end(self) -> io::Result<()> {
        self.sink.line(self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Lines(Vec<Line>);

    impl LineSink for Lines {
        fn line(&mut self, line: &Line) -> io::Result<()> {
            self.0.push(line.clone());
            Ok(())
        }
        fn bytes(&mut self, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn parts(line: &Line) -> Vec<(Part, &str)> {
        line.spans.iter().map(|s| (s.part, line.part_text(s))).collect()
    }

    #[test]
    fn parts_cover_the_text_in_order() {
        let mut sink = Lines(Vec::new());
        let mut out = Out::new(&mut sink);
        out.line(Layout::Row)
            .right(10, Part::Number, "1.05MB")
            .spaces(1)
            .right(10, Part::Bound, "±25.60kB")
            .plain("  ")
            .change("+3MB")
            .plain(" ")
            .change("  -2.5%")
            .plain("  ")
            .frame_marked("main.buildEntry", std::iter::once(5..10))
            .end()
            .unwrap();
        let line = &sink.0[0];
        assert_eq!(line.text, "    1.05MB   ±25.60kB  +3MB   -2.5%  main.buildEntry");
        assert_eq!(
            parts(line),
            [
                (Part::Plain, "    "),
                (Part::Number, "1.05MB"),
                (Part::Plain, "   "),
                (Part::Bound, "±25.60kB"),
                (Part::Plain, "  "),
                (Part::Grew, "+3MB"),
                (Part::Plain, "   "),
                (Part::Shrank, "-2.5%"),
                (Part::Plain, "  "),
                (Part::AppFrame, "main.buildEntry"),
            ]
        );
        assert_eq!(&line.text[line.marks[0].clone()], "build");
        let mut end = 0;
        for s in &line.spans {
            assert_eq!(s.range.start, end);
            end = s.range.end;
        }
        assert_eq!(end, line.text.len());
    }

    #[test]
    fn frames_are_told_apart_by_package() {
        assert_eq!(frame_part("main.(*headerCache).remember"), Part::AppFrame);
        assert_eq!(frame_part("net/http.(*conn).serve"), Part::StdFrame);
        assert_eq!(frame_part("runtime.mallocgc"), Part::StdFrame);
        assert_eq!(frame_part("github.com/acme/svc.Handle"), Part::Frame);
    }

    #[test]
    fn a_pipe_gets_the_text_and_a_newline() {
        let mut sink = PlainText(Vec::new());
        let mut out = Out::new(&mut sink);
        out.line(Layout::Header).plain("Type: inuse_space").end().unwrap();
        out.blank().unwrap();
        out.write_all(b"raw,bytes\n").unwrap();
        assert_eq!(sink.0, b"Type: inuse_space\n\nraw,bytes\n");
    }

    #[test]
    fn a_paragraph_is_wrapped_at_the_prose_width_in_a_pipe_and_whole_for_a_wrapping_sink() {
        let words = ["word"; 40].join(" ");
        let mut sink = PlainText(Vec::new());
        Out::new(&mut sink).paragraph(&words).unwrap();
        let text = String::from_utf8(sink.0).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines.iter().all(|l| l.len() <= PROSE_WIDTH && !l.ends_with(' ')));
        assert_eq!(lines.join(" "), words);

        /// A sink that wraps prose itself, keeping the lines it gets.
        struct Wrapping(Vec<String>);
        impl LineSink for Wrapping {
            fn line(&mut self, line: &Line) -> io::Result<()> {
                self.0.push(line.text.clone());
                Ok(())
            }
            fn bytes(&mut self, _: &[u8]) -> io::Result<()> {
                Ok(())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
            fn wraps_prose(&self) -> bool {
                true
            }
        }
        let mut sink = Wrapping(Vec::new());
        Out::new(&mut sink).paragraph(&words).unwrap();
        assert_eq!(sink.0, [words]);
    }
}
