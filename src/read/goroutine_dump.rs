//! Goroutine dumps: what `/debug/pprof/goroutine?debug=2` serves
//! (`runtime.Stack(buf, true)`), and the same blocks in the output of a
//! panic, a fatal error or SIGQUIT.
//!
//! ```text
//! goroutine 18 [chan receive, 5 minutes, locked to thread]:
//! main.worker(0xc000010000?)
//!     /src/demo/main.go:55 +0x1b
//! created by main.start in goroutine 1
//!     /src/demo/main.go:128 +0x48
//! ```
//!
//! Each goroutine is one record of value 1 (type `goroutine`, a count),
//! frames leaf first as function names without their arguments (`(...)`,
//! an inlined call, is marked inline; `panic` is `runtime.gopanic`), and
//! labels:
//!
//! - `goroutine`: the id;
//! - `state`: the status or wait reason (`chan receive`, `running`,
//!   `semacquire`), free text up to the first `", "`;
//! - `wait_minutes`: the `N minutes` of a long wait, when printed;
//! - `locked_to_thread`: `true`, when printed;
//! - `leaked`: `true` for a goroutine the goroutineleak profile's
//!   `debug=2` dump (Go 1.26+) marks `(leaked)` after its state;
//! - `created_by`: the creator function (` in goroutine N` dropped);
//! - any other part of the bracket (`synctest group 3`, Go 1.27's
//!   `labels:{...}` as its own keys) as `KEY` labels.
//!
//! An elision line (`...additional frames elided...`, `...N frames
//! elided...`) is kept as a frame of that text, so a stack is never joined
//! silently; a goroutine running on another thread has the single frame
//! `<stack unavailable>`. Ancestor blocks (`[originating from goroutine
//! N]:`) are not part of the goroutine's stack and are skipped. Text before
//! the first goroutine (`panic: ...`, `fatal error: ...`, `SIGQUIT: quit`)
//! becomes header comment lines, which `summary` shows; other text between
//! blocks (register dumps, `exit status 2`, `go test`'s `FAIL\tPKG\tTIME`
//! even right after a block) is skipped and counted in a note. A frame line without its file line, a header without `]:`, or a
//! file line without a function before it is an error naming the line.
//!
//! The dump is found where it is: after a log (the text before it is
//! counted in a note), with a per-line prefix (container log prefixes,
//! timestamps, `> ` quote markers: stripped where every line of the dump
//! carries it), with doubled line spacing. [`Goroutine`] also keeps what
//! bucketing needs: each frame's argument text and the `created by` line
//! (function, file:line, parent id); `Dump::panic_message` the panic. A
//! dump of exactly 64 MiB (`DEBUG2_LIMIT`) was cut by the runtime, which
//! its header and a note say.

use crate::error::{Error, Result};
use crate::read::legacy::parse_label_map;
use crate::read::profile::measurement::value;
use crate::read::RecordSource;
use crate::record::{Frame, Header, HeaderField, Names, Record};
use crate::units::Dimension;

/// One goroutine as read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Goroutine {
    /// The 1-based line of its header.
    pub line: usize,
    /// The id.
    pub id: u64,
    /// Labels in printed order: `state`, `wait_minutes`, ...
    pub labels: Vec<(String, String)>,
    /// Frames, leaf first: (function, inlined).
    pub frames: Vec<(String, bool)>,
    /// Per frame, its `file:line` (empty for elision markers and when the
    /// file line is missing).
    pub positions: Vec<String>,
    /// Per frame, the argument text between the parentheses as printed
    /// (`0xc000010000?, {0x0?, 0x0?}`, `...`; empty for elision markers).
    pub args: Vec<String>,
    /// The `created by` line, when printed.
    pub creator: Option<Creator>,
}

impl Goroutine {
    /// True when the dump marks it `(leaked)` (the `leaked` label).
    pub fn is_leaked(&self) -> bool {
        self.labels.iter().any(|(k, v)| k == "leaked" && v == "true")
    }
}

/// A goroutine's `created by F in goroutine N` line and its file line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Creator {
    /// The function whose `go` statement started the goroutine.
    pub function: String,
    /// The `file:line` of that statement (empty when not printed).
    pub position: String,
    /// The creating goroutine's id, where the dump prints `in goroutine N`
    /// (Go 1.21+).
    pub parent: Option<u64>,
}

/// A parsed dump.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dump {
    /// The lines before the first goroutine (panic message and the like),
    /// without blank lines.
    pub preamble: Vec<String>,
    /// The goroutines in printed order.
    pub goroutines: Vec<Goroutine>,
    /// Lines outside goroutine blocks that were skipped: count and first.
    pub skipped: (u64, usize, String),
    /// The last line, when it was cut short (no frame): line and text.
    pub cut_line: Option<(usize, String)>,
    /// Text before the dump that is not part of it (a log the dump was
    /// written into): count of non-blank lines, and the 1-based line where
    /// the dump starts.
    pub text_before: Option<(u64, usize)>,
    /// A per-line prefix stripped from the dump's lines (container log
    /// prefixes, timestamps, quote markers): the prefix as first seen and
    /// the number of lines it was stripped from.
    pub prefix: Option<(String, u64)>,
    /// Blank lines inside goroutine blocks that were read through (text
    /// whose line spacing was doubled): count and first line.
    pub inner_blanks: Option<(u64, usize)>,
    /// The input is exactly `DEBUG2_LIMIT` bytes: `goroutine?debug=2`
    /// output cut by the runtime.
    pub at_limit: bool,
}

/// The size at which the runtime stops writing a `goroutine?debug=2` dump
/// (`runtime/pprof.writeGoroutineStacks`: 64 MiB), cutting it mid-line.
pub(crate) const DEBUG2_LIMIT: usize = 64 << 20;

impl Dump {
    /// The panic or fatal error message: the preamble's `panic: ` or
    /// `fatal error: ` line and the lines that continue it (nested panics
    /// `\tpanic: ...`, `[recovered]`, `[signal ...]`), joined by newlines.
    pub(crate) fn panic_message(&self) -> Option<String> {
        let start = self.preamble.iter().position(|l| is_panic_line(l))?;
        let mut out = self.preamble[start].clone();
        for l in &self.preamble[start + 1..] {
            if l.starts_with('\t') || l.starts_with('[') || l.starts_with("panic: ") {
                out.push('\n');
                out.push_str(l);
            } else {
                break;
            }
        }
        Some(out)
    }
}

fn is_panic_line(line: &str) -> bool {
    line.starts_with("panic: ") || line.starts_with("fatal error: ")
}

/// True for a line that starts a crash report at column 0: `panic: `,
/// `fatal error: `, `SIGQUIT: quit` and other signals' names, `unexpected
/// signal`, `unexpected fault address`.
fn is_crash_marker(line: &str) -> bool {
    if is_panic_line(line)
        || line.starts_with("fatal: ")
        || line.starts_with("unexpected signal")
        || line.starts_with("unexpected fault address")
    {
        return true;
    }
    match line.strip_prefix("SIG").and_then(|r| r.split_once(": ")) {
        Some((name, _)) => !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase()),
        None => false,
    }
}

/// A header `goroutine N [...]:`: id and the bracket's text.
pub(crate) fn parse_header(line: &str) -> Option<(u64, &str)> {
    let rest = line.trim_start().strip_prefix("goroutine ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = rest[..digits].parse().ok()?;
    let rest = &rest[digits..];
    let open = rest.find(" [")?;
    // Between the id and `[`: nothing, or ` gp=... m=... mp=...`.
    let between = &rest[..open];
    if !between.is_empty() && !between.trim_start().starts_with("gp=") {
        return None;
    }
    let inner = rest[open + 2..].trim_end().strip_suffix("]:")?;
    Some((id, inner))
}

/// Where a goroutine header starts in `line`: 0 at column 0, or after a
/// per-line prefix (`app_1  | `, `2024-01-02T03:04:05.678Z `, `> `) that is
/// not only whitespace.
pub(crate) fn find_header(line: &str) -> Option<usize> {
    if parse_header(line).is_some() && !line.starts_with(char::is_whitespace) {
        return Some(0);
    }
    let k = line.find("goroutine ")?;
    let prefix = &line[..k];
    if k == 0 || k > MAX_PREFIX || prefix.trim().is_empty() || parse_header(&line[k..]).is_none() {
        return None;
    }
    Some(k)
}

/// The longest per-line prefix looked for.
const MAX_PREFIX: usize = 120;

/// True when `text` is a goroutine dump: a goroutine header, at column 0
/// or after a per-line prefix ([`find_header`]), comes before any traces
/// separator line, however much text comes before it.
pub(crate) fn looks_like_dump(text: &str) -> bool {
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("-----------+") {
            return false;
        }
        if line.len() > 10 && find_header(line).is_some() {
            return true;
        }
    }
    false
}

/// A per-line prefix: the text before the first goroutine header, with the
/// timestamps in it matching any timestamp.
struct Prefix {
    /// The prefix as first seen.
    text: String,
    /// Matches the prefix at the start of a line.
    re: regex::Regex,
    /// Matches a line that is the prefix alone, its trailing whitespace
    /// trimmed (a blank line of the dump).
    blank: regex::Regex,
}

/// Timestamps as loggers and container runtimes print them.
const TIMESTAMP: &str =
    r"(?:\d{4}[-/]\d{2}[-/]\d{2}[T ])?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?";

impl Prefix {
    fn new(text: &str) -> Option<Prefix> {
        let ts = regex::Regex::new(TIMESTAMP).ok()?;
        let mut pattern = String::from("^(?:");
        let mut last = 0;
        for m in ts.find_iter(text) {
            pattern.push_str(&regex::escape(&text[last..m.start()]));
            pattern.push_str(TIMESTAMP);
            last = m.end();
        }
        let whole = format!("{pattern}{})", regex::escape(&text[last..]));
        let trimmed = format!("{pattern}{})\\s*$", regex::escape(text[last..].trim_end()));
        Some(Prefix {
            text: text.to_owned(),
            re: regex::Regex::new(&whole).ok()?,
            blank: regex::Regex::new(&trimmed).ok()?,
        })
    }

    /// The line without the prefix, if it carries it.
    fn strip<'a>(&self, line: &'a str) -> Option<&'a str> {
        if let Some(m) = self.re.find(line) {
            return Some(&line[m.end()..]);
        }
        self.blank.is_match(line).then_some("")
    }
}

/// Strips a per-line prefix from the dump's lines: the text before the
/// first goroutine header, when that header is not at column 0. Every line
/// from that header to the last line carrying the prefix must carry it
/// (else an error names the first that does not); lines before the header
/// that carry it are stripped too (the panic message), others are left.
fn strip_prefix(lines: &mut [&str], dump: &mut Dump) -> Result<(), (usize, String)> {
    let Some((h, k)) = lines.iter().enumerate().find_map(|(i, l)| find_header(l).map(|k| (i, k)))
    else {
        return Ok(());
    };
    if k == 0 {
        return Ok(());
    }
    let Some(prefix) = Prefix::new(&lines[h][..k]) else { return Ok(()) };
    let last = (h..lines.len()).rev().find(|&i| prefix.strip(lines[i]).is_some()).unwrap_or(h);
    // The line right after the last prefixed one must be blank (or the
    // end): a dump line there lost its prefix.
    let end =
        if lines.get(last + 1).is_some_and(|l| !l.trim().is_empty()) { last + 1 } else { last };
    let mut count = 0u64;
    for (i, line) in lines.iter_mut().enumerate().take(end + 1).skip(h) {
        match prefix.strip(line) {
            Some(rest) => *line = rest,
            None if line.trim().is_empty() => {}
            None => {
                return Err((
                    i + 1,
                    format!(
                        "expected the prefix {:?} that every line of the dump from line {} \
                         carries, found {:?}",
                        prefix.text,
                        h + 1,
                        line
                    ),
                ))
            }
        }
        count += 1;
    }
    for line in lines[..h].iter_mut() {
        if let Some(rest) = prefix.strip(line) {
            *line = rest;
            count += 1;
        }
    }
    dump.prefix = Some((prefix.text, count));
    Ok(())
}

/// The mark after the state of a leaked goroutine in the goroutineleak
/// profile's `debug=2` dump (`goroutine 7 [chan send (leaked)]:`).
pub(crate) const LEAKED: &str = " (leaked)";

/// The labels of a header's bracket text.
fn header_labels(inner: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Go 1.27 `labels:{"k": "v", ...}` runs to the end of the bracket.
    let (inner, labels) = match inner.find(", labels:{") {
        Some(i) => (&inner[..i], Some(&inner[i + ", labels:".len()..])),
        None => (inner, None),
    };
    for (i, part) in inner.split(", ").enumerate() {
        if i == 0 {
            // The goroutineleak profile's `debug=2` dump (Go 1.26+) marks
            // the leaked goroutines `[chan send (leaked)]`.
            match part.strip_suffix(LEAKED) {
                Some(state) if !state.is_empty() => {
                    out.push(("state".to_owned(), state.to_owned()));
                    out.push(("leaked".to_owned(), "true".to_owned()));
                }
                _ => out.push(("state".to_owned(), part.to_owned())),
            }
        } else if let Some(n) = part.strip_suffix(" minutes") {
            out.push(("wait_minutes".to_owned(), n.to_owned()));
        } else if part == "locked to thread" {
            out.push(("locked_to_thread".to_owned(), "true".to_owned()));
        } else {
            // `synctest group 3`: the words before the number name it.
            match part.rsplit_once(' ') {
                Some((key, v)) if v.bytes().all(|b| b.is_ascii_digit()) => {
                    out.push((key.replace(' ', "_"), v.to_owned()));
                }
                _ => out.push((part.replace(' ', "_"), "true".to_owned())),
            }
        }
    }
    if let Some(map) = labels.and_then(parse_label_map) {
        out.extend(map);
    }
    out
}

/// The function of a frame line `name(args)`: the name, and whether the
/// call was inlined (`(...)`). `None` if the line has no argument list.
fn frame_name(line: &str) -> Option<(&str, bool)> {
    let line = line.trim_end();
    if !line.ends_with(')') {
        return None;
    }
    let bytes = line.as_bytes();
    let mut depth = 0i32;
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    let name = &line[..i];
                    if name.is_empty() {
                        return None;
                    }
                    return Some((name, &line[i..] == "(...)"));
                }
            }
            _ => {}
        }
    }
    None
}

/// True for a file line: a tab (or spaces) and `FILE:LINE`, then optional
/// ` +0x..` and ` fp=.. sp=.. pc=..`.
fn is_file_line(line: &str) -> bool {
    if !(line.starts_with('\t') || line.starts_with("    ")) {
        return false;
    }
    let body = line.trim_start();
    let head = body.split(" +0x").next().unwrap_or(body);
    let head = head.split(" fp=").next().unwrap_or(head);
    let head = head.split(" pc=").next().unwrap_or(head);
    match head.trim_end().rsplit_once(':') {
        Some((file, n)) => {
            !file.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// True for what `go test` or `go run` prints after a dump, which may
/// follow its last block without a blank line: `FAIL`, `FAIL\tPKG\tTIME`,
/// `ok  \tPKG\tTIME`, `exit status N`.
fn is_go_test_trailer(line: &str) -> bool {
    line == "FAIL"
        || line.starts_with("FAIL\t")
        || line.starts_with("ok  \t")
        || line
            .strip_prefix("exit status ")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The `file:line` of a file line, without offset and registers.
fn file_position(line: &str) -> &str {
    let body = line.trim_start();
    let body = body.split(" +0x").next().unwrap_or(body);
    let body = body.split(" fp=").next().unwrap_or(body);
    body.split(" pc=").next().unwrap_or(body).trim_end()
}

/// The argument text of a frame line `name(args)` (see [`frame_name`]).
fn frame_args(line: &str, name: &str) -> String {
    let line = line.trim_end();
    line.get(name.len() + 1..line.len() - 1).unwrap_or_default().to_owned()
}

/// The creator of a `created by ` line's rest: function and parent id.
fn parse_creator(rest: &str) -> (&str, Option<u64>) {
    match rest.rfind(" in goroutine ") {
        Some(k)
            if !rest[k + 14..].is_empty() && rest[k + 14..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (&rest[..k], rest[k + 14..].parse().ok())
        }
        _ => (rest, None),
    }
}

/// Parses a dump. Errors carry the 1-based line.
///
/// The dump may follow other text (a log): it starts at the last crash
/// message (`panic: `, `fatal error: `, `SIGQUIT: quit`, ...) before the
/// first goroutine header, or at that header; the text before is counted
/// in [`Dump::text_before`]. A per-line prefix is stripped first
/// ([`Dump::prefix`]). Blank lines inside a block, when the block goes on
/// after them (doubled line spacing), are read through and counted
/// ([`Dump::inner_blanks`]).
pub fn parse(text: &str) -> Result<Dump, (usize, String)> {
    let mut lines: Vec<&str> =
        text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut dump = Dump { at_limit: text.len() == DEBUG2_LIMIT, ..Dump::default() };
    strip_prefix(&mut lines, &mut dump)?;
    let Some(first) = lines.iter().position(|l| parse_header(l).is_some()) else {
        return Err((0, "expected a goroutine header `goroutine N [state]:`, found none".into()));
    };
    // The crash message before the first header, with the `runtime: `
    // lines just before it; without one the dump starts at the header.
    let start = match (0..first).rev().find(|&i| is_crash_marker(lines[i])) {
        Some(mut m) => {
            while m > 0 && lines[m - 1].starts_with("runtime: ") {
                m -= 1;
            }
            m
        }
        None => first,
    };
    let before = lines[..start].iter().filter(|l| !l.trim().is_empty()).count() as u64;
    if before > 0 {
        dump.text_before = Some((before, start + 1));
    }
    let lines = &lines[..];
    let doubled = is_doubled(lines, first);
    let mut i = start;
    let mut seen_goroutine = false;
    // A fatal error's `runtime stack:` block ends the preamble.
    let mut preamble_done = false;
    let skip = |dump: &mut Dump, n: usize, line: &str| {
        if dump.skipped.0 == 0 {
            dump.skipped.1 = n;
            dump.skipped.2 = line.to_owned();
        }
        dump.skipped.0 += 1;
    };
    let next_nonblank = |from: usize| (from..lines.len()).find(|&j| !lines[j].trim().is_empty());
    let is_file_at = |j: Option<usize>| j.is_some_and(|j| is_file_line(lines[j]));
    let inner_blanks = |dump: &mut Dump, from: usize, to: usize| {
        if to > from {
            dump.inner_blanks.get_or_insert((0, from + 1)).0 += (to - from) as u64;
        }
    };
    while i < lines.len() {
        let line = lines[i];
        let n = i + 1;
        let Some((id, inner)) = parse_header(line) else {
            preamble_done |= line == "runtime stack:";
            if !seen_goroutine && !preamble_done {
                if !line.trim().is_empty() {
                    dump.preamble.push(line.to_owned());
                }
            } else if !line.trim().is_empty() {
                skip(&mut dump, n, line);
            }
            i += 1;
            continue;
        };
        if line.starts_with(char::is_whitespace) {
            return Err((n, format!("expected a goroutine header at column 1, found {line:?}")));
        }
        seen_goroutine = true;
        let mut g = Goroutine { line: n, id, labels: header_labels(inner), ..Goroutine::default() };
        i += 1;
        let mut in_ancestors = false;
        while i < lines.len() {
            let line = lines[i];
            let n = i + 1;
            if parse_header(line).is_some() {
                break;
            }
            if line.trim().is_empty() {
                // Doubled line spacing: the block goes on after the blank
                // lines when a file line, a `created by` line or a frame
                // with its file line comes next.
                let Some(j) = next_nonblank(i) else { break };
                let next = lines[j];
                let goes_on = is_file_line(next)
                    || next.starts_with("created by ")
                    || next.starts_with("[originating from goroutine ")
                    || next.trim() == "goroutine running on other thread; stack unavailable"
                    || next.starts_with("...") && next.ends_with("elided...")
                    || (parse_header(next).is_none()
                        && frame_name(next).is_some()
                        && is_file_at(next_nonblank(j + 1)));
                if !doubled || !goes_on {
                    break;
                }
                inner_blanks(&mut dump, i, j);
                i = j;
                continue;
            }
            i += 1;
            if line.starts_with("[originating from goroutine ") {
                in_ancestors = true;
                continue;
            }
            let trimmed = line.trim();
            if trimmed == "goroutine running on other thread; stack unavailable" {
                g.frames.push(("<stack unavailable>".to_owned(), false));
                g.positions.push(String::new());
                g.args.push(String::new());
                continue;
            }
            if trimmed.starts_with("...") && trimmed.ends_with("elided...") {
                if !in_ancestors {
                    g.frames.push((trimmed.to_owned(), false));
                    g.positions.push(String::new());
                    g.args.push(String::new());
                }
                continue;
            }
            if is_file_line(line) {
                return Err((
                    n,
                    format!("expected a function line `name(args)` before this file line, found {line:?}"),
                ));
            }
            // The file line after a frame or `created by` line, across
            // the blank lines of doubled spacing.
            let file_at = |i: usize| {
                let j = next_nonblank(i)?;
                (is_file_line(lines[j]) && (j == i || doubled)).then_some(j)
            };
            if let Some(rest) = line.strip_prefix("created by ") {
                let (function, parent) = parse_creator(rest);
                let mut position = String::new();
                if let Some(j) = file_at(i) {
                    position = file_position(lines[j]).to_owned();
                    inner_blanks(&mut dump, i, j);
                    i = j + 1;
                }
                if !in_ancestors {
                    g.labels.push(("created_by".to_owned(), function.to_owned()));
                    g.creator = Some(Creator { function: function.to_owned(), position, parent });
                }
                continue;
            }
            let Some((name, inline)) = frame_name(line) else {
                // `go test`'s verdict right after the last block (`FAIL\tpkg\t0.4s`,
                // `exit status 2`): text after the dump, skipped and counted.
                if is_go_test_trailer(line) {
                    i -= 1;
                    break;
                }
                // `debug=2` output is cut at 64 MiB, possibly mid-line: a
                // last line that is no frame ends the dump.
                if lines[i..].iter().all(|l| l.trim().is_empty()) {
                    dump.cut_line = Some((n, line.to_owned()));
                    break;
                }
                return Err((
                    n,
                    format!(
                        "expected a frame `function(args)`, `created by ...` or a blank line \
                         in the block of goroutine {id}, found {line:?}"
                    ),
                ));
            };
            let mut position = String::new();
            if let Some(j) = file_at(i) {
                position = file_position(lines[j]).to_owned();
                inner_blanks(&mut dump, i, j);
                i = j + 1;
            } else if i < lines.len() && !lines[i..].iter().all(|l| l.trim().is_empty()) {
                return Err((
                    n + 1,
                    format!(
                        "expected the file line (a tab, FILE:LINE) of {name}, found {:?}",
                        lines[i]
                    ),
                ));
            }
            if !in_ancestors {
                let args = frame_args(line, name);
                let name = if name == "panic" { "runtime.gopanic" } else { name };
                g.frames.push((name.to_owned(), inline));
                g.positions.push(position);
                g.args.push(args);
            }
        }
        dump.goroutines.push(g);
    }
    if !seen_goroutine {
        return Err((0, "expected a goroutine header `goroutine N [state]:`, found none".into()));
    }
    Ok(dump)
}

/// True when the dump's line spacing is doubled (a blank line after every
/// line, as some copies from web pages and terminals make it): the first
/// block, at line index `h`, reads header, blank, frame, blank, file line.
fn is_doubled(lines: &[&str], h: usize) -> bool {
    lines.len() > h + 4
        && lines[h + 1].trim().is_empty()
        && frame_name(lines[h + 2]).is_some()
        && lines[h + 3].trim().is_empty()
        && is_file_line(lines[h + 4])
}

/// The records of a goroutine dump.
pub struct DumpSource {
    name: String,
    header: Header,
    dump: Dump,
    frame_lines: bool,
    next: usize,
}

/// The header comment and note of a dump cut at `DEBUG2_LIMIT`.
pub(crate) const AT_LIMIT: &str = "cut at 64 MiB, the runtime's limit for goroutine?debug=2: \
                            most goroutines are missing";

/// Reads a goroutine dump; with `frame_lines`, frames are
/// `func file:line`, as pprof's `-lines` names them.
pub fn open(name: &str, text: &str, frame_lines: bool) -> Result<DumpSource> {
    let dump = parse(text).map_err(|(line, msg)| Error::input(name, line as u64, msg))?;
    let mut lines: Vec<(HeaderField, String)> =
        dump.preamble.iter().map(|l| (HeaderField::Comment, l.clone())).collect();
    if dump.at_limit {
        lines.push((HeaderField::Comment, AT_LIMIT.to_owned()));
    }
    let leaked = dump.goroutines.iter().filter(|g| g.is_leaked()).count();
    if leaked > 0 {
        lines.push((
            HeaderField::Comment,
            format!(
                "{leaked} leaked goroutine{} of {} (marked `(leaked)`: the goroutineleak \
                 profile's debug=2 dump)",
                if leaked == 1 { "" } else { "s" },
                dump.goroutines.len()
            ),
        ));
    }
    lines.push((HeaderField::Type, "Type: goroutine".to_owned()));
    Ok(DumpSource { name: name.to_owned(), header: Header { lines }, dump, frame_lines, next: 0 })
}

impl DumpSource {
    /// The parsed dump.
    pub fn dump(&self) -> &Dump {
        &self.dump
    }

    /// The parsed dump, taken.
    pub(crate) fn into_dump(self) -> Dump {
        self.dump
    }
}

impl RecordSource for DumpSource {
    fn name(&self) -> &str {
        &self.name
    }
    fn header(&self) -> &Header {
        &self.header
    }
    fn dimension(&self) -> Dimension {
        Dimension::Count
    }
    fn read_record(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool> {
        let Some(g) = self.dump.goroutines.get(self.next) else { return Ok(false) };
        self.next += 1;
        rec.clear();
        rec.index = self.next as u64;
        rec.line = g.line as u64;
        rec.push_label("goroutine", &g.id.to_string());
        for (k, v) in &g.labels {
            rec.push_label(k, v);
        }
        rec.set_value(value(1, "count"), "1");
        for (i, (name, inline)) in g.frames.iter().enumerate() {
            let name = match g.positions.get(i) {
                Some(pos) if self.frame_lines && !pos.is_empty() => {
                    names.intern(&format!("{name} {pos}"))
                }
                _ => names.intern(name),
            };
            rec.frames.push(Frame { name, inline: *inline });
        }
        if rec.frames.is_empty() {
            rec.frames.push(Frame { name: names.intern("<no frames>"), inline: false });
        }
        Ok(true)
    }
    fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (n, line, text) = &self.dump.skipped;
        if *n > 0 {
            out.push(format!(
                "{}: {n} line{} outside goroutine blocks skipped (first at line {line}: {text:?})",
                self.name,
                if *n == 1 { "" } else { "s" }
            ));
        }
        if let Some((count, line)) = self.dump.text_before {
            out.push(format!(
                "{}: {count} line{} of other text before the dump (which starts at line {line}) \
                 skipped",
                self.name,
                if count == 1 { "" } else { "s" }
            ));
        }
        if let Some((prefix, count)) = &self.dump.prefix {
            out.push(format!(
                "{}: the prefix {prefix:?} (timestamps in it matching any) stripped from {count} \
                 line{}",
                self.name,
                if *count == 1 { "" } else { "s" }
            ));
        }
        if let Some((count, line)) = self.dump.inner_blanks {
            out.push(format!(
                "{}: doubled line spacing: {count} blank line{} inside goroutine blocks read \
                 through (first at line {line})",
                self.name,
                if count == 1 { "" } else { "s" }
            ));
        }
        if self.dump.at_limit {
            out.push(format!("{}: {AT_LIMIT} ({} read)", self.name, self.dump.goroutines.len()));
        }
        if let Some((line, text)) = &self.dump.cut_line {
            out.push(format!(
                "{}:{line}: the dump ends inside a line ({text:?}): cut short? That line is \
                 skipped",
                self.name
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = concat!(
        "panic: boom\n",
        "\n",
        "goroutine 1 [running]:\n",
        "main.main()\n",
        "\t/src/demo/main.go:10 +0x1d\n",
        "\n",
        "goroutine 18 gp=0xc000007c00 m=nil [chan receive, 5 minutes, locked to thread]:\n",
        "sync.(*Mutex).Lock(...)\n",
        "\t/go/src/sync/mutex.go:90\n",
        "main.(*T).wait(0xc000010000?, {0x0?, 0x0?})\n",
        "\t/src/demo/main.go:55 +0x1b fp=0xc00 sp=0xc00 pc=0x4\n",
        "...additional frames elided...\n",
        "created by main.start in goroutine 1\n",
        "\t/src/demo/main.go:128 +0x48\n",
        "[originating from goroutine 1]:\n",
        "main.ancestor(...)\n",
        "\t/src/demo/main.go:3 +0x4\n",
        "\n",
        "exit status 2\n",
    );

    #[test]
    fn reads_blocks() {
        let d = parse(DUMP).unwrap();
        assert_eq!(d.preamble, ["panic: boom"]);
        assert_eq!(d.goroutines.len(), 2);
        let g = &d.goroutines[1];
        assert_eq!(g.id, 18);
        assert_eq!(
            g.labels,
            [
                ("state".to_owned(), "chan receive".to_owned()),
                ("wait_minutes".to_owned(), "5".to_owned()),
                ("locked_to_thread".to_owned(), "true".to_owned()),
                ("created_by".to_owned(), "main.start".to_owned()),
            ]
        );
        assert_eq!(
            g.frames,
            [
                ("sync.(*Mutex).Lock".to_owned(), true),
                ("main.(*T).wait".to_owned(), false),
                ("...additional frames elided...".to_owned(), false),
            ]
        );
        assert_eq!(d.skipped, (1, 19, "exit status 2".to_owned()));
    }

    #[test]
    fn errors_name_the_line() {
        let bad = "goroutine 1 [running]:\nmain.main()\nmain.other()\n\t/x.go:1\n";
        assert_eq!(parse(bad).unwrap_err().0, 3);
        let bad = "goroutine 1 [running]:\n\t/x.go:1\n";
        assert_eq!(parse(bad).unwrap_err().0, 2);
        let bad = "goroutine 1 [running]:\nnot a frame\nmain.f()\n\t/a.go:1\n";
        assert_eq!(parse(bad).unwrap_err().0, 2);
        // Cut short after a function line, or inside one: tolerated.
        assert_eq!(parse("goroutine 1 [running]:\nmain.main()").unwrap().goroutines.len(), 1);
        let cut = parse("goroutine 1 [running]:\nmain.f()\n\t/a.go:1\nmain.ma").unwrap();
        assert_eq!(cut.goroutines[0].frames.len(), 1);
        assert_eq!(cut.cut_line, Some((4, "main.ma".to_owned())));
    }

    #[test]
    fn headers() {
        assert_eq!(
            parse_header("goroutine 7 [select (no cases)]:"),
            Some((7, "select (no cases)"))
        );
        assert_eq!(parse_header("goroutine 1 gp=0x1 m=0 mp=0x2 [running]:"), Some((1, "running")));
        assert_eq!(parse_header("goroutine x [running]:"), None);
        let leaked = header_labels("chan send (leaked), 3 minutes");
        assert_eq!(leaked[0], ("state".to_owned(), "chan send".to_owned()));
        assert_eq!(leaked[1], ("leaked".to_owned(), "true".to_owned()));
        assert_eq!(header_labels("(leaked)")[0].1, "(leaked)");
        let labels = header_labels("sleep, synctest group 3, labels:{\"a\": \"b\", \"c\": \"d\"}");
        assert_eq!(labels[1], ("synctest_group".to_owned(), "3".to_owned()));
        assert_eq!(labels[3], ("c".to_owned(), "d".to_owned()));
    }

    #[test]
    fn keeps_arguments_creator_and_panic() {
        let d = parse(DUMP).unwrap();
        let g = &d.goroutines[1];
        assert_eq!(g.args, ["...", "0xc000010000?, {0x0?, 0x0?}", ""]);
        assert_eq!(
            g.creator,
            Some(Creator {
                function: "main.start".into(),
                position: "/src/demo/main.go:128".into(),
                parent: Some(1)
            })
        );
        assert_eq!(d.panic_message().as_deref(), Some("panic: boom"));
        let nested =
            "panic: a [recovered]\n\tpanic: b\n\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1\n";
        assert_eq!(
            parse(nested).unwrap().panic_message().unwrap(),
            "panic: a [recovered]\n\tpanic: b"
        );
    }

    type Stripped = Vec<(u64, Vec<(String, bool)>, Vec<String>)>;

    fn stripped(d: &Dump) -> Stripped {
        d.goroutines.iter().map(|g| (g.id, g.frames.clone(), g.positions.clone())).collect()
    }

    #[test]
    fn prefixes_are_stripped_where_every_line_carries_them() {
        let clean = parse(DUMP).unwrap();
        for prefix in ["app_1  | ", "> ", "2024-01-02T03:04:05.678Z ", "web-1  | 12:00:01.5 "] {
            let text: String = DUMP
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    // Timestamps change from line to line.
                    let p = prefix.replace("05.678", &format!("{:02}.{i}", i % 60));
                    let p = if l.is_empty() { p.trim_end().to_owned() } else { p };
                    format!("{p}{l}\n")
                })
                .collect();
            let d = parse(&text).unwrap();
            assert_eq!(stripped(&d), stripped(&clean), "{prefix:?}");
            assert_eq!(d.preamble, clean.preamble, "{prefix:?}");
            assert_eq!(d.prefix.as_ref().unwrap().1, DUMP.lines().count() as u64, "{prefix:?}");
            assert!(looks_like_dump(&text));
        }
        // A dump line without the prefix: refused, naming the line.
        let text = "app | goroutine 1 [running]:\napp | main.main()\n\t/a.go:1\n";
        assert_eq!(parse(text).unwrap_err().0, 3);
    }

    #[test]
    fn found_after_a_long_log() {
        let mut text: String = (0..2500).map(|i| format!("log line {i}: all is well\n")).collect();
        text.push_str(DUMP);
        assert!(looks_like_dump(&text));
        let d = parse(&text).unwrap();
        assert_eq!(stripped(&d), stripped(&parse(DUMP).unwrap()));
        assert_eq!(d.preamble, ["panic: boom"]);
        assert_eq!(d.text_before, Some((2500, 2501)));
        // Without a crash message, the dump starts at its first header.
        let text = format!("log\nmore log\n\n{}", &DUMP["panic: boom\n\n".len()..]);
        let d = parse(&text).unwrap();
        assert!(d.preamble.is_empty());
        assert_eq!(d.text_before, Some((2, 4)));
    }

    #[test]
    fn doubled_line_spacing_keeps_frames() {
        let doubled: String = DUMP.lines().map(|l| format!("{l}\n\n")).collect();
        let d = parse(&doubled).unwrap();
        assert_eq!(stripped(&d), stripped(&parse(DUMP).unwrap()));
        assert!(d.inner_blanks.unwrap().0 > 5);
        assert_eq!(d.goroutines[1].creator.as_ref().unwrap().position, "/src/demo/main.go:128");
    }

    #[test]
    fn a_dump_at_the_runtime_limit_says_so() {
        let mut text = DUMP.to_owned();
        while text.len() < DEBUG2_LIMIT {
            text.push_str("goroutine 5 [select]:\nmain.f()\n\t/a.go:1 +0x1\n\n");
        }
        text.truncate(DEBUG2_LIMIT);
        let src = open("big", &text, false).unwrap();
        assert!(src.dump().at_limit);
        assert!(src.notes().iter().any(|n| n.contains("64 MiB")));
        assert!(src.header().lines.iter().any(|(_, l)| l == AT_LIMIT));
    }
}
