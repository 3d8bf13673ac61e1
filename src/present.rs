//! The binary's text output for a person at a terminal: lines fitted to
//! the terminal's width and colour where it helps reading. It sits between
//! a command and standard output, line by line, and only when the binary
//! asks for it (a terminal, `--width N`, `--color always`); output in a
//! pipe passes through untouched, byte for byte.
//!
//! Fitting a line, in order, until it fits:
//! 1. Frame names (and paths) are shortened: the package path is elided in
//!    the middle (`github.com/…/middleware.SessionContext.func1`), the
//!    function is kept. Names are the last column of every table, so the
//!    columns before them stay aligned.
//! 2. A call path (`a < b < c`) or a folded stack (`a;b;c`) loses frames in
//!    the middle, marked `[N more]`.
//! 3. Anything else (prose) is wrapped at spaces under a hanging indent;
//!    a word longer than the line is cut with `…`.
//!
//! Colour: pprof's header lines bold, matched text in `grep`, growth green
//! and shrinkage red in `diff`, the application's frames in `blame`.

use std::io::{self, IsTerminal, Write};

use anstyle::{AnsiColor, Style};
use clap::ColorChoice;
use regex::Regex;
use traces_tool::analysis::blame::{is_std, package_of};
use traces_tool::cli::{Cli, Command};
use traces_tool::cmd::Format;
use traces_tool::output::text::{Line, LineSink};

use crate::fit;

/// What colour marks in a command's output.
#[derive(Clone, Debug)]
pub enum Paint {
    /// Bytes go through untouched: the command writes its text as typed
    /// lines (fitted and painted by `fit`), or writes no text at all.
    Untouched,
    /// Header lines only.
    Plain,
    /// Rows charged to an application frame.
    Blame,
}

/// How to present a command's text output.
#[derive(Clone, Debug)]
pub struct Look {
    /// Fit lines to this many columns; `None` leaves them as they are.
    pub width: Option<usize>,
    /// Write colour escapes.
    pub color: bool,
    /// What the colour marks.
    pub paint: Paint,
}

/// How the output of `cli` is presented, or `None` to write it as it is:
/// only text output is touched, fitted to `--width` or the terminal's
/// width, coloured when `--color` and the terminal (and NO_COLOR) say so.
pub fn look(cli: &Cli) -> Option<Look> {
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let text = |format: Format| format == Format::Text;
    // Commands whose text views are still written as bytes: read back.
    let paint = match &cli.command {
        Command::Blame(a) if text(a.format) => Paint::Blame,
        Command::Hist(a) if text(a.format) => Paint::Plain,
        Command::Stacks(a) if text(a.format) => Paint::Plain,
        Command::Summary(a) if text(a.format) => Paint::Plain,
        Command::Cat(_) => Paint::Plain,
        _ => Paint::Untouched,
    };
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // anstream's reading: a terminal, NO_COLOR unset, TERM not dumb
        // (CLICOLOR_FORCE forces it).
        ColorChoice::Auto => anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never,
    };
    let width = match cli.width {
        Some(0) => None,
        Some(n) => Some(n),
        None if terminal => terminal_width(&stdout),
        None => None,
    };
    (color || width.is_some()).then_some(Look { width, color, paint })
}

/// The terminal's width: `COLUMNS` when set (as clap reads it), else what
/// the terminal says.
fn terminal_width(stdout: &io::Stdout) -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| terminal_size::terminal_size_of(stdout).map(|(w, _)| usize::from(w.0)))
}

/// A writer that presents whole lines to `inner` as [`Look`] says.
pub struct Presenter<W: Write> {
    inner: W,
    look: Look,
    pending: Vec<u8>,
    styles: Styles,
}

impl<W: Write> Presenter<W> {
    /// Presents what is written to it on `inner`.
    pub fn new(inner: W, look: Look) -> Presenter<W> {
        Presenter { inner, look, pending: Vec::new(), styles: Styles::new() }
    }

    /// Writes a last line without a newline, if any, and flushes.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.present(&line, false)?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }

    fn present(&mut self, line: &[u8], newline: bool) -> io::Result<()> {
        let end = if newline { "\n" } else { "" };
        let Ok(text) = std::str::from_utf8(line) else {
            self.inner.write_all(line)?;
            return self.inner.write_all(end.as_bytes());
        };
        let lines = match self.look.width {
            Some(w) => fit_line(text, w),
            None => vec![text.to_owned()],
        };
        let count = lines.len();
        for (i, l) in lines.into_iter().enumerate() {
            let l = if self.look.color { self.styles.paint(&l, &self.look.paint) } else { l };
            self.inner.write_all(l.as_bytes())?;
            if i + 1 < count {
                self.inner.write_all(b"\n")?;
            }
        }
        self.inner.write_all(end.as_bytes())
    }
}

impl<W: Write> LineSink for Presenter<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            self.present(&pending, true)?;
        }
        let drop_bounds = self.look.width.is_some_and(|w| w < fit::BOUNDS_FROM_WIDTH);
        for pieces in fit::fit(line, self.look.width, drop_bounds) {
            let text = fit::render(&pieces, line.layout, self.look.color);
            self.inner.write_all(text.as_bytes())?;
            self.inner.write_all(b"\n")?;
        }
        Ok(())
    }

    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(self)
    }
}

impl<W: Write> Write for Presenter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if matches!(self.look.paint, Paint::Untouched) {
            return self.inner.write(buf);
        }
        self.pending.extend_from_slice(buf);
        if let Some(last) = memchr::memrchr(b'\n', &self.pending) {
            let rest = self.pending.split_off(last + 1);
            let done = std::mem::replace(&mut self.pending, rest);
            for line in done[..done.len() - 1].split(|&b| b == b'\n') {
                self.present(line, true)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Columns a text takes (one per character: frame names are ASCII).
fn width(s: &str) -> usize {
    s.chars().count()
}

/// The line as lines of at most `w` columns (see the module doc).
pub fn fit_line(line: &str, w: usize) -> Vec<String> {
    let w = w.max(20);
    if width(line) <= w {
        return vec![line.to_owned()];
    }
    let short = shorten_names(line, w);
    if width(&short) <= w {
        return vec![short];
    }
    if let Some(lines) = collapse_list(line, w) {
        return lines;
    }
    // A table row whose last column is a frame name: the name shortened
    // to the room left; one whose function alone does not fit goes on a
    // line of its own under the row, so no number and no function is cut.
    if let Some(from) = last_column(line)
        .filter(|&from| line[from..].split(' ').count() <= 3 && is_frame(&line[from..]))
    {
        let room = w.saturating_sub(width(&line[..from]));
        let last = &line[from..];
        let row = format!("{}{}", &line[..from], shorten_name(last, room));
        if width(&row) <= w {
            return vec![row];
        }
        let head = line[..from].trim_end().to_owned();
        if width(&head) <= w {
            let indent = 4.min(w / 4);
            let name = shorten_name(last, w - indent);
            return vec![head, format!("{}{name}", " ".repeat(indent))];
        }
    }
    wrap(line, w)
}

/// Whether the last column of a row is a frame (`main.f`,
/// `net/http.(*conn).serve (inline)`), not a number or prose: it starts
/// with a letter and its first word holds a `.`.
fn is_frame(column: &str) -> bool {
    let first = column.split(' ').next().unwrap_or_default();
    first.starts_with(|c: char| c.is_alphabetic() || c == '_') && first.contains('.')
}

/// Where the last column of a table row starts: after the line's last run
/// of two spaces past its indent.
fn last_column(line: &str) -> Option<usize> {
    let lead = line.len() - line.trim_start_matches(' ').len();
    line[lead..].trim_end().rfind("  ").map(|gap| lead + gap + 2)
}

/// Whether a word looks like a frame name or a path worth shortening:
/// a package path (`net/http.(*conn).serve`) or a file path.
fn is_name(word: &str) -> bool {
    word.len() > 16 && word.contains('/')
}

/// Shortens the frame names in the last column of a line (after its last
/// run of two spaces: where every table puts its names), longest first,
/// until the line fits or no name can give more. Prose has no such column
/// and is left to [`wrap`].
fn shorten_names(line: &str, w: usize) -> String {
    match last_column(line) {
        Some(from) => shorten_names_from(line, from, w),
        None => line.to_owned(),
    }
}

/// [`shorten_names`] on the names from byte `from` of the line on.
fn shorten_names_from(line: &str, from: usize, w: usize) -> String {
    let (head, last) = line.split_at(from);
    // Words with their separators kept, so the line rebuilds exactly.
    let mut parts: Vec<String> = vec![head.to_owned()];
    for (i, word) in last.split(' ').enumerate() {
        if i > 0 {
            parts.push(" ".to_owned());
        }
        // Folded stacks: each frame apart.
        for (j, atom) in word.split(';').enumerate() {
            if j > 0 {
                parts.push(";".to_owned());
            }
            parts.push(atom.to_owned());
        }
    }
    let mut order: Vec<usize> = (1..parts.len()).filter(|&i| is_name(&parts[i])).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(width(&parts[i])));
    let mut excess = width(line).saturating_sub(w);
    for i in order {
        if excess == 0 {
            break;
        }
        let len = width(&parts[i]);
        let target = len.saturating_sub(excess).max(24.min(len));
        let short = shorten_name(&parts[i], target);
        excess = excess.saturating_sub(len - width(&short));
        parts[i] = short;
    }
    parts.concat()
}

/// `name` in at most `max` columns if it can be: the package path elided
/// in the middle (first component and as many of the last as fit), then
/// only the function (`…/middleware.F`). The function's own name is never
/// cut: it is what a reader searches for.
pub fn shorten_name(name: &str, max: usize) -> String {
    if width(name) <= max {
        return name.to_owned();
    }
    // The package path ends at the last `/` before any `(` or `[`
    // (receiver, type parameters), which may themselves hold paths.
    let head_end = name.find(['(', '[']).unwrap_or(name.len());
    let Some(slash) = name[..head_end].rfind('/') else {
        // No package path to elide: the function's own name stays whole.
        return name.to_owned();
    };
    let (path, func) = (&name[..slash], &name[slash + 1..]);
    let comps: Vec<&str> = path.split('/').collect();
    // first/…/c[n-k]/…/c[n-1]/func, with k as large as fits.
    for keep in (0..comps.len().saturating_sub(1)).rev() {
        let mut s = format!("{}/…/", comps[0]);
        for c in &comps[comps.len() - keep..] {
            s.push_str(c);
            s.push('/');
        }
        s.push_str(func);
        if width(&s) <= max {
            return s;
        }
    }
    // Only the function is left, and it stays whole even when it does
    // not fit; package paths inside it (a method value's
    // `(*T).(github.com/a/b/c.f)-fm`) lose their middle too.
    let s = format!("…/{func}");
    if width(&s) <= max {
        return s;
    }
    format!("…/{}", shorten_inner_paths(func))
}

/// The package paths inside a function's name (between parentheses or
/// brackets) with their middle elided: `(github.com/…/client.send)`.
fn shorten_inner_paths(func: &str) -> String {
    // Walk the name, shortening each path token between separators.
    let mut result = String::with_capacity(func.len());
    let mut token = String::new();
    let flush = |token: &mut String, result: &mut String| {
        let parts: Vec<&str> = token.split('/').collect();
        if parts.len() > 2 {
            result.push_str(&format!("{}/…/{}", parts[0], parts[parts.len() - 1]));
        } else {
            result.push_str(token);
        }
        token.clear();
    };
    for c in func.chars() {
        if "()[],* ".contains(c) {
            flush(&mut token, &mut result);
            result.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut result);
    result
}

/// The start of `s` before `…`, in `max` columns.
fn cut_back(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A call path (`a < b < c`, the frame asked about first, the root last)
/// keeps its first frame, its root and every frame outside the standard
/// library and runtime (the application's and its modules'), the runs of
/// standard-library frames between them replaced by `[N more]`; if that is
/// still too wide its names are shortened, then it goes on over several
/// lines, so that no application frame is hidden. A folded stack
/// (`root;…;leaf`, the last word of the line) keeps its root and its last
/// frames. `None` for other lines.
fn collapse_list(line: &str, w: usize) -> Option<Vec<String>> {
    if let Some(start) = line.find(|c: char| c != ' ') {
        let (indent, body) = line.split_at(start);
        let items: Vec<&str> = body.split(" < ").collect();
        if items.len() >= 3 {
            return Some(collapse_path(indent, &items, w));
        }
    }
    let last_space = line.rfind(' ').map_or(0, |i| i + 1);
    let (before, stack) = line.split_at(last_space);
    let items: Vec<&str> = stack.split(';').collect();
    (items.len() >= 3).then(|| vec![collapse(before, &items, ";", w)])
}

/// Whether a frame of a call path is kept when the path is elided: a frame
/// outside Go's standard library and runtime, or an item that is no frame
/// (`... (printed above, sample 3)`).
fn kept_frame(item: &str) -> bool {
    let name = item.split(" (").next().unwrap_or(item);
    !is_frame(name) || !is_std(package_of(name))
}

/// See [`collapse_list`].
fn collapse_path(indent: &str, items: &[&str], w: usize) -> Vec<String> {
    let n = items.len();
    let mut parts: Vec<String> = Vec::new();
    let mut dropped = 0;
    for (i, item) in items.iter().enumerate() {
        if i == 0 || i == n - 1 || kept_frame(item) {
            if dropped > 0 {
                parts.push(format!("[{dropped} more]"));
                dropped = 0;
            }
            parts.push((*item).to_owned());
        } else {
            dropped += 1;
        }
    }
    let line = format!("{indent}{}", parts.join(" < "));
    if width(&line) <= w {
        return vec![line];
    }
    // Shorter package paths, longest name first, then as many lines as
    // it takes.
    let short = shorten_names_from(&line, indent.len(), w);
    if width(&short) <= w {
        return vec![short];
    }
    let parts: Vec<&str> = short[indent.len()..].split(" < ").collect();
    let hang = format!("{indent}    ");
    let mut lines = Vec::new();
    let mut current = indent.to_owned();
    for (i, part) in parts.iter().enumerate() {
        let piece = if i == 0 { (*part).to_owned() } else { format!(" < {part}") };
        if i > 0 && width(&current) + width(&piece) > w {
            lines.push(std::mem::replace(&mut current, format!("{hang}< {part}")));
        } else {
            current.push_str(&piece);
        }
    }
    lines.push(current);
    lines
}

/// `prefix` and the items joined by `sep`, the middle ones replaced by
/// `[N more]`: the last ones (a folded stack, whose leaf end tells most),
/// as many as fit.
fn collapse(prefix: &str, items: &[&str], sep: &str, w: usize) -> String {
    let n = items.len();
    let build = |k: usize| {
        let tail: Vec<&str> = items[n - k..].to_vec();
        let more = format!("[{} more]", n - tail.len());
        let mut all = vec![more.as_str()];
        all.extend(tail);
        format!("{prefix}{}", all.join(sep))
    };
    let mut best = build(1);
    for k in 2..n - 1 {
        let s = build(k);
        if width(&s) > w {
            break;
        }
        best = s;
    }
    // Too long even so: shorter names, then cut.
    if width(&best) > w {
        best = shorten_names_from(&best, prefix.len(), w);
    }
    if width(&best) > w {
        best = cut_back(&best, w);
    }
    best
}

/// Wraps prose at spaces (runs of spaces inside a line kept as they are);
/// continuation lines start under the value of a `Key:   value` line, or
/// a little right of the line's own indent. A word longer than a line is
/// shortened as a name, or cut.
fn wrap(line: &str, w: usize) -> Vec<String> {
    let lead = line.len() - line.trim_start_matches(' ').len();
    let hang = line
        .find(":  ")
        .map(|i| i + 1 + line[i + 1..].len() - line[i + 1..].trim_start_matches(' ').len())
        .filter(|&h| h < w / 2)
        .unwrap_or(if lead > 0 { lead + 4 } else { 0 })
        .min(w / 2);
    // Words with the spaces before them.
    let mut words: Vec<(&str, &str)> = Vec::new();
    let mut rest = &line[lead..];
    // A line of groups set apart by runs of spaces (grep's `samples 13 …
    // flat 1.05MB ±25.60B   cum 1.05MB ±25.60B`) breaks between groups.
    let body = rest.trim_end();
    let groups = body.matches("   ").count() >= 2
        && body.split("  ").all(|g| width(g.trim()) + hang + 4 <= w);
    while !rest.is_empty() {
        let gap = rest.len() - rest.trim_start_matches(' ').len();
        let (spaces, after) = rest.split_at(gap);
        let end = if groups { after.find("  ") } else { after.find(' ') }.unwrap_or(after.len());
        // A bound stays with its number (`1.05MB ±25.60B`), a value with
        // its label (`bytes: 48B`): neither is left alone at a line's end.
        let glued = spaces == " "
            && (after.starts_with('±') || words.last().is_some_and(|(_, w)| w.ends_with(':')));
        match words.last_mut() {
            Some((_, last)) if glued => {
                let start = last.as_ptr() as usize - line.as_ptr() as usize;
                let stop = after.as_ptr() as usize - line.as_ptr() as usize + end;
                *last = &line[start..stop];
            }
            _ => words.push((spaces, &after[..end])),
        }
        rest = &after[end..];
    }
    let mut out = Vec::new();
    let mut current = line[..lead].to_owned();
    let mut empty = true;
    for (spaces, word) in words {
        if word.is_empty() {
            continue;
        }
        let mut spaces = if empty { "" } else { spaces };
        if !empty && width(&current) + width(spaces) + width(word) > w {
            out.push(std::mem::replace(&mut current, " ".repeat(hang)));
            spaces = "";
        }
        current.push_str(spaces);
        let room = w.saturating_sub(width(&current)).max(1);
        let word = if is_name(word) { shorten_name(word, room) } else { word.to_owned() };
        current.push_str(&cut_back(&word, room));
        empty = false;
    }
    out.push(current);
    out
}

/// The styles, and the patterns that find what to paint.
struct Styles {
    header: Style,
    app: Style,
    blame_row: Regex,
}

/// pprof's header lines, as `go tool pprof` starts them.
const HEADER_STARTS: &[&str] =
    &["File: ", "Build ID: ", "Type: ", "Time: ", "Duration: ", "Showing ", "Dropped "];

impl Styles {
    fn new() -> Styles {
        Styles {
            header: Style::new().bold(),
            app: AnsiColor::Cyan.on_default().bold(),
            blame_row: Regex::new(r"^\s*\S+\s+\S+%\s+\d+\s+(\S.*)$").expect("valid"),
        }
    }

    /// The line with colour escapes added.
    fn paint(&self, line: &str, paint: &Paint) -> String {
        if HEADER_STARTS.iter().any(|h| line.starts_with(h)) || is_column_titles(line) {
            return styled(self.header, line);
        }
        let mut spans: Vec<(usize, usize, Style)> = Vec::new();
        match paint {
            Paint::Plain | Paint::Untouched => {}
            Paint::Blame => {
                if let Some(m) = self.blame_row.captures(line).and_then(|c| c.get(1)) {
                    if !m.as_str().contains("[no application frame]") {
                        spans.push((m.start(), m.end(), self.app));
                    }
                }
            }
        }
        let mut out = String::with_capacity(line.len() + spans.len() * 12);
        let mut at = 0;
        for (start, end, style) in spans {
            out.push_str(&line[at..start]);
            out.push_str(&styled(style, &line[start..end]));
            at = end;
        }
        out.push_str(&line[at..]);
        out
    }
}

/// Whether a line is a table's column titles (`      flat  flat%   sum%`,
/// `     value   share  samples  frame`): lower-case words without digits,
/// set apart by at least two runs of two or more spaces (prose has none).
fn is_column_titles(line: &str) -> bool {
    let body = line.trim();
    !body.is_empty()
        && body.split("  ").filter(|s| !s.trim().is_empty()).count() >= 3
        && body.chars().all(|c| c.is_ascii_lowercase() || c == ' ' || "%±#()+".contains(c))
}

/// `text` between the style's escape and its reset.
fn styled(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_the_middle_of_their_package_path_first() {
        let name = "github.com/acme/very/long/package/path/middleware.SessionContext.func1";
        assert_eq!(shorten_name(name, 200), name);
        assert_eq!(
            shorten_name(name, 62),
            "github.com/…/long/package/path/middleware.SessionContext.func1"
        );
        assert_eq!(shorten_name(name, 45), "github.com/…/middleware.SessionContext.func1");
        assert_eq!(shorten_name(name, 36), "…/middleware.SessionContext.func1");
        // The function's own name is never cut, even where it does not fit.
        assert_eq!(shorten_name(name, 20), "…/middleware.SessionContext.func1");
        // Paths inside it (a method value) lose their middle.
        let value = "github.com/cockroachdb/cockroach/pkg/internal/client.(*Txn).(github.com/cockroachdb/cockroach/pkg/internal/client.send)-fm";
        assert_eq!(shorten_name(value, 60), "…/client.(*Txn).(github.com/…/client.send)-fm");
        assert_eq!(shorten_name("main.buildEntry", 8), "main.buildEntry");
        // A receiver's parentheses are not part of the package path.
        let method = "net/textproto.(*Reader).ReadMIMEHeader";
        assert_eq!(shorten_name(method, 36), "…/textproto.(*Reader).ReadMIMEHeader");
        assert_eq!(shorten_name(method, 30), "…/textproto.(*Reader).ReadMIMEHeader");
    }

    #[test]
    fn a_row_whose_name_does_not_fit_puts_it_on_a_line_of_its_own() {
        let row =
            "    0.67MB  3.03% 93.29%     0.67MB  3.03%  net/http.(*Request).WithContext (inline)";
        let fitted = fit_line(row, 60);
        assert_eq!(
            fitted,
            [
                "    0.67MB  3.03% 93.29%     0.67MB  3.03%",
                "    net/http.(*Request).WithContext (inline)"
            ]
        );
        // Numbers in the last column are not names: never cut.
        let header = "    samples 13 (13 as leaf, 0 as caller)   flat 887.87MB ±25.60kB   cum 887.39MB ±40.96kB";
        for w in [60, 80] {
            let lines = fit_line(header, w);
            let all = lines.concat();
            for number in ["887.87MB ±25.60kB", "887.39MB ±40.96kB"] {
                assert!(lines.iter().any(|l| l.contains(number)), "{w}: {lines:?}");
            }
            assert!(!all.contains('…'), "{lines:?}");
            assert!(lines.iter().all(|l| width(l) <= w), "{lines:?}");
        }
    }

    #[test]
    fn an_elided_call_path_keeps_every_application_frame() {
        let path = "        main.buildEntry < main.(*headerCache).remember < net/http.HandlerFunc.ServeHTTP \
                    < example.com/svc/middleware.Logging.func1 < net/http.HandlerFunc.ServeHTTP \
                    < net/http.serverHandler.ServeHTTP < net/http.(*conn).serve";
        for w in [60, 80, 100, 120] {
            let lines = fit_line(path, w);
            let all = lines.join(" ");
            for frame in
                ["main.buildEntry", "main.(*headerCache).remember", "middleware.Logging.func1"]
            {
                assert!(all.contains(frame), "{w}: {frame} not in {lines:?}");
            }
            assert!(all.contains("net/http.(*conn).serve"), "{w}: the root, {lines:?}");
            assert!(lines.iter().all(|l| width(l) <= w), "{w}: {lines:?}");
        }
        assert_eq!(
            fit_line(path, 150),
            ["        main.buildEntry < main.(*headerCache).remember < [1 more] < \
              example.com/svc/middleware.Logging.func1 < [2 more] < net/http.(*conn).serve"]
        );
    }

    #[test]
    fn table_rows_keep_their_columns_and_fit() {
        let row = "   741.61kB     11.44MB    +10.72MB +1480.2%  github.com/acme/very/long/package/path/middleware.SessionContext.func1";
        let fitted = fit_line(row, 80);
        assert_eq!(fitted.len(), 1);
        assert!(width(&fitted[0]) <= 80, "{}", fitted[0]);
        assert!(fitted[0].starts_with("   741.61kB     11.44MB    +10.72MB +1480.2%  …"));
        assert!(fitted[0].ends_with("middleware.SessionContext.func1"));
    }

    #[test]
    fn call_paths_and_folded_stacks_lose_middle_frames() {
        let path = format!(
            "        {}",
            (0..30).map(|i| format!("pkg/p.f{i}")).collect::<Vec<_>>().join(" < ")
        );
        let fitted = fit_line(&path, 80);
        assert_eq!(fitted.len(), 1);
        assert!(width(&fitted[0]) <= 80);
        // `pkg/p` reads as a standard-library path (no dot in its first
        // element): all but the first frame and the root are elided.
        assert_eq!(fitted[0], "        pkg/p.f0 < [28 more] < pkg/p.f29");
        // Application frames (a module path) stay, over several lines.
        let path = format!(
            "        {}",
            (0..30).map(|i| format!("example.com/p.f{i}")).collect::<Vec<_>>().join(" < ")
        );
        let fitted = fit_line(&path, 80);
        assert!(fitted.len() > 1 && fitted.iter().all(|l| width(l) <= 80), "{fitted:?}");
        assert_eq!(fitted.concat().matches("example.com/p.f").count(), 30, "{fitted:?}");
        let stack = format!(
            "  1.5MB  {}",
            (0..30).map(|i| format!("pkg/p.f{i}")).collect::<Vec<_>>().join(";")
        );
        let fitted = fit_line(&stack, 80);
        assert!(width(&fitted[0]) <= 80);
        assert!(
            fitted[0].starts_with("  1.5MB  [") && fitted[0].ends_with(";pkg/p.f29"),
            "{}",
            fitted[0]
        );
    }

    #[test]
    fn prose_wraps_under_its_value() {
        let line = format!("Values:             {}", "word ".repeat(40).trim_end());
        let lines = fit_line(&line, 60);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(width(l) <= 60, "{l}");
        }
        assert!(lines[1].starts_with(&" ".repeat(20)) && !lines[1].starts_with(&" ".repeat(21)));
        assert_eq!(lines.concat().split_whitespace().count(), 41);
    }

    #[test]
    fn pipes_see_no_change_without_width_or_colour() {
        let text = "File: x\nnet/http.(*conn).serve  +1MB\nno newline";
        let mut p =
            Presenter::new(Vec::new(), Look { width: None, color: false, paint: Paint::Plain });
        p.write_all(text.as_bytes()).unwrap();
        assert_eq!(p.finish().unwrap(), text.as_bytes());
    }

    #[test]
    fn column_titles_are_told_from_prose_and_rows() {
        assert!(is_column_titles("      flat  flat%   sum%        cum   cum%"));
        assert!(is_column_titles("     value   share  samples  frame"));
        assert!(is_column_titles(
            "     before       after      change   change  stack (root first)"
        ));
        assert!(!is_column_titles("(values are rounded as pprof printed them)"));
        assert!(!is_column_titles("   11.44MB 51.44% 51.44%    12.49MB 56.14%  main.f"));
        assert!(!is_column_titles("  net/http.serve  [no application frame]"));
    }
}
