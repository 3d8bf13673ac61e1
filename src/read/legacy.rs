//! The legacy text profiles of `net/http/pprof` (`?debug=1`): `heap` and
//! `allocs`, `goroutine` and `threadcreate` (and custom count profiles),
//! `mutex` and `block`. Their samples are built exactly as pprof's legacy
//! parser builds them (google/pprof `profile/legacy_profile.go`: sample
//! types, heap sampling-rate scaling, cycles to nanoseconds, every address
//! decremented by one), then reported like a binary profile
//! ([`ProfileSource`]: pprof's `Merge`, default sample index, labels).
//!
//! ```text
//! heap profile: 7: 6304160 [8: 6304272] @ heap/1048576
//! 3: 6291456 [3: 6291456] @ 0x4c0e15 0x4c0e01 0x4374f2 0x4615c1
//! #    0x4c0e14    main.allocBig+0x74    /src/demo/main.go:20
//! #    0x4c0e00    main.main+0x60        /src/demo/main.go:51
//! ```
//!
//! Where pprof differs: it ignores every `#` line and, without the binary,
//! prints each frame as `<unknown>`. Here the frames are named from the `#`
//! lines, as the runtime printed them. pprof reads one location per
//! address, and so does this reader: the `#` lines are matched to the `@`
//! addresses in order (a line belongs to the address one above its own,
//! `frame.PC` being the return address minus one); an address listed
//! several times in a row (a recursion) has one line per listing, and only
//! more lines than listings are inlined frames (innermost first). Offsets
//! are dropped from names and file:line is kept in the profile's lines (and
//! in the frames, `func file:line`, when
//! [`SourceOptions::frame_lines`](crate::read::SourceOptions) asks).
//! Addresses without a `#` line at the leaf end (runtime frames the runtime
//! hides) or at the root end (`runtime.goexit`) stay in the samples while
//! they are merged, so that records pprof keeps apart stay apart, and are
//! then left out of the stacks. A record without any `#` frame line keeps
//! pprof's `<unknown>` frames, and is counted in a note; so are addresses
//! without a name inside a stack and `#` lines that match no address. Other
//! differences:
//!
//! - `# labels: {"k":"v"}` lines (goroutine profiles) become string labels,
//!   so equal stacks with different labels stay apart (pprof merges them);
//! - `threadcreate` text (`7 @`, an empty stack), which pprof rejects, is
//!   read; records without a stack are samples with an empty stack (pprof
//!   counts such samples of a binary profile in its total and prints none
//!   of them), counted in a note;
//! - the `# runtime.MemStats` trailer is skipped (it is all comments);
//! - the profile may follow blank lines, a shell command line and a
//!   Markdown fence (and then end at the closing fence), and its `#` lines
//!   may have had their tabs expanded to spaces (`find_start`); what is
//!   skipped is counted in a note.

use itertools::Itertools;
use std::collections::{HashMap, HashSet};

use regex::Regex;

use crate::error::{Error, Result};
use crate::read::profile::load;
use crate::read::profile::source::ProfileSource;
use crate::read::profile::{Function, Line, Location, NumLabel, Profile, Sample, ValueType};
use crate::read::RecordSource;
use crate::record::{Header, Names, Record};
use crate::units::Dimension;

/// The kinds of `debug=1` text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `heap profile: ...` (heap and allocs).
    Heap,
    /// `NAME profile: total N` (goroutine, threadcreate, custom profiles).
    Count,
    /// `--- mutex:`, `--- contention:` (block), `--- contentionz `.
    Contention,
}

/// The kind of `debug=1` text `text` starts with, if any: pprof's tests
/// on the first line (after blank and `#` lines for count profiles).
pub(crate) fn kind_of(text: &str) -> Option<Kind> {
    let first = text.split('\n').next().unwrap_or("");
    let first = first.strip_suffix('\r').unwrap_or(first);
    if heap_header_re().is_match(first) {
        return Some(Kind::Heap);
    }
    if ["--- contentionz ", "--- mutex:", "--- contention:"].iter().any(|p| first.starts_with(p)) {
        return Some(Kind::Contention);
    }
    let first_real = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .find(|l| !is_space_or_comment(l))
        .unwrap_or("");
    count_start(first_real).map(|_| Kind::Count)
}

/// True when `text` starts like a `debug=1` text profile, maybe after a
/// preamble (`find_start`).
pub(crate) fn looks_like_legacy(text: &str) -> bool {
    find_start(text).is_some()
}

/// Where a `debug=1` profile starts in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Start {
    /// The kind of profile.
    pub kind: Kind,
    /// The 0-based line of its header; 0 when the text starts with it (for
    /// count profiles, also after blank and `#` lines, as pprof reads them).
    pub line: usize,
    /// Whether the preamble opened a Markdown fence: the profile then ends
    /// at the closing fence.
    pub fenced: bool,
}

/// Where the `debug=1` profile in `text` starts: at the first line as pprof
/// reads it ([`kind_of`]), or after a preamble of lines that are provably
/// not part of it: blank lines, a shell command line (`$ curl -s
/// 'http://host/debug/pprof/heap?debug=1'`: a line starting with a `$ ` or
/// `% ` prompt, or whose first word after a prompt is `curl` or `wget`), and
/// one Markdown fence (```` ``` ```` or `~~~`). Any other line before the
/// header: `None` (see [`header_after_text`]).
pub(crate) fn find_start(text: &str) -> Option<Start> {
    if let Some(kind) = kind_of(text) {
        return Some(Start { kind, line: 0, fenced: false });
    }
    let mut fenced = false;
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let t = line.trim();
        if t.is_empty() || is_command_line(t) {
            continue;
        }
        if is_fence(t) && !fenced {
            fenced = true;
            continue;
        }
        return kind_of(line).map(|kind| Start { kind, line: i, fenced });
    }
    None
}

/// A Markdown fence line: ```` ``` ```` or `~~~`, with an optional info
/// string (```` ```text ````).
fn is_fence(trimmed: &str) -> bool {
    trimmed.starts_with("```") || trimmed.starts_with("~~~")
}

/// A shell command line: a `$ ` or `% ` prompt, or `curl`/`wget` as the
/// first word after a prompt ending in `$`, `%`, `#` or `>`
/// (`user@host:~$ curl ...`, `PS C:\> curl ...`) or without one.
fn is_command_line(trimmed: &str) -> bool {
    if trimmed.starts_with("$ ") || trimmed.starts_with("% ") {
        return true;
    }
    let after_prompt = trimmed
        .find(['$', '%', '#', '>'])
        .map(|i| trimmed[i + 1..].trim_start())
        .filter(|rest| rest.len() < trimmed.len());
    [Some(trimmed), after_prompt].into_iter().flatten().any(|rest| {
        let word = rest.split_whitespace().next().unwrap_or("");
        matches!(word, "curl" | "wget")
    })
}

/// A `debug=1` profile's header that begins a line of `text` after other
/// text, which `find_start` does not skip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderAfterText {
    /// The header's 1-based line.
    pub line: usize,
    /// What the profile looks like: `a ?debug=1 heap profile`.
    pub what: String,
    /// The first line before it that is neither blank, nor a command line,
    /// nor a fence: 1-based, and its text.
    pub other: (usize, String),
}

/// Finds a `debug=1` profile header at the start of a line of `text` after
/// other text ([`HeaderAfterText`]), for a message that names what the
/// input looks like and what stands in the way.
pub(crate) fn header_after_text(text: &str) -> Option<HeaderAfterText> {
    let mut other: Option<(usize, String)> = None;
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let what = if line.starts_with("heap profile:") && heap_header_re().is_match(line) {
            "heap".to_owned()
        } else if line.starts_with("--- mutex:") {
            "mutex".to_owned()
        } else if line.starts_with("--- contention:") {
            "block".to_owned()
        } else if let Some(name) = count_start(line) {
            name.to_owned()
        } else {
            let t = line.trim();
            if other.is_none() && !(t.is_empty() || is_command_line(t) || is_fence(t)) {
                other = Some((i + 1, line.to_owned()));
            }
            continue;
        };
        return Some(HeaderAfterText {
            line: i + 1,
            what: format!("a `?debug=1` {what} profile"),
            other: other?,
        });
    }
    None
}

/// Text that starts like the records of a `debug=1` profile whose header
/// line is missing (cut off when copied): after blank and command lines, a
/// record line (`1: 96 [1: 96] @ 0x...`, `3 @ 0x...`, `2283738859 798 @
/// 0x...`) followed by a `#` line. The 1-based line of that record and what
/// it looks like, for a message that names the format.
pub(crate) fn headless_records(text: &str) -> Option<(usize, String)> {
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).enumerate();
    let (i, first) = lines.find(|(_, l)| {
        let t = l.trim();
        !(t.is_empty() || is_command_line(t) || is_fence(t))
    })?;
    let next = lines.next().map(|(_, l)| l)?;
    if !next.starts_with('#') {
        return None;
    }
    let (head, stack) = first.split_once(" @")?;
    let stack_ok = !stack.is_empty()
        && stack.split(' ').skip(1).all(|a| {
            a.strip_prefix("0x").is_some_and(|h| {
                !h.is_empty() && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            })
        })
        && stack.starts_with(' ');
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let fields: Vec<&str> = head.split([' ', ':', '[', ']']).filter(|f| !f.is_empty()).collect();
    let what = if head.contains('[') && fields.len() == 4 && fields.iter().all(|f| digits(f)) {
        "heap or allocs profile (`heap profile: ...`)"
    } else if fields.len() == 1 && digits(fields[0]) {
        "goroutine or threadcreate profile (`NAME profile: total N`)"
    } else if fields.len() == 2 && fields.iter().all(|f| digits(f)) {
        "mutex or block profile (`--- mutex:` or `--- contention:`)"
    } else {
        return None;
    };
    stack_ok.then(|| (i + 1, format!("the records of a `?debug=1` {what} without its header line")))
}

/// pprof's `heapHeaderRE`.
fn heap_header_re() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *(heap[_a-z0-9]*)/?(\d*)",
        )
        .expect("valid regex")
    })
}

/// pprof's `heapSampleRE`.
fn heap_sample_re() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(-?\d+): *(-?\d+) *\[ *(\d+): *(\d+) *] @([ x0-9a-f]*)").expect("valid regex")
    })
}

/// pprof's `contentionSampleRE`.
fn contention_sample_re() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(\d+) *(\d+) @([ x0-9a-f]*)").expect("valid regex"))
}

/// pprof's `countStartRE` (`\A(\S+) profile: total \d+\z`): the name.
fn count_start(line: &str) -> Option<&str> {
    let (name, rest) = line.split_once(" profile: total ")?;
    let ok = !name.is_empty()
        && !name.chars().any(char::is_whitespace)
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(name)
}

/// pprof's `isSpaceOrComment`.
fn is_space_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// A problem: the 1-based line (0: none) and what was expected.
pub(crate) type ParseError = (usize, String);

/// What the reader noticed without stopping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notes {
    /// Records with addresses but no `#` frame line: count and first line.
    pub unnamed_records: (u64, usize),
    /// Addresses without a `#` line inside a named stack.
    pub unnamed_addresses: (u64, usize),
    /// `#` frame lines whose address is not in their record's `@` list.
    pub unmatched_frame_lines: (u64, usize),
    /// Records with an empty stack (`7 @`): count and first line.
    pub stackless_records: (u64, usize),
    /// The sum of their values, per sample type.
    pub stackless_values: Vec<i64>,
    /// Lines before the header that `find_start` skipped (a command line,
    /// blank lines, a Markdown fence).
    pub preamble_lines: usize,
    /// The 1-based line of the fence that closed the profile (0: none).
    pub closing_fence: usize,
    /// Lines after the closing fence that are not blank, not read: count
    /// and first line.
    pub after_fence: (u64, usize),
}

impl Notes {
    fn count(slot: &mut (u64, usize), line: usize) {
        if slot.0 == 0 {
            slot.1 = line;
        }
        slot.0 += 1;
    }

    /// One line per kind of note, for stderr.
    pub fn lines(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let (n, l) = self.unnamed_records;
        if n > 0 {
            out.push(format!(
                "{name}: {n} record{} without `#` frame lines (first at line {l}): \
                 their frames are shown as pprof shows them, <unknown>",
                plural(n)
            ));
        }
        let (n, l) = self.unnamed_addresses;
        if n > 0 {
            out.push(format!(
                "{name}: {n} address{} inside a stack without a `#` line (first in the record \
                 at line {l}): shown as <unknown>",
                if n == 1 { "" } else { "es" }
            ));
        }
        let (n, l) = self.unmatched_frame_lines;
        if n > 0 {
            out.push(format!(
                "{name}: {n} `#` frame line{} matching no address of their record \
                 (first at line {l}): ignored",
                plural(n)
            ));
        }
        let (n, l) = self.stackless_records;
        if n > 0 {
            let values: Vec<String> = self.stackless_values.iter().map(i64::to_string).collect();
            out.push(format!(
                "{name}: {n} record{} without a stack (first at line {l}; values {}): read as \
                 samples with an empty stack: csv, summary, hist, stacks and folded show them; \
                 top and peek, having no frame to show them on, count them in the total only, \
                 and cat leaves them out, as pprof does",
                plural(n),
                values.join(" ")
            ));
        }
        let p = self.preamble_lines;
        if p > 0 {
            out.push(format!(
                "{name}: skipped {p} line{} before the profile's header at line {} (blank lines, \
                 a command line or a Markdown fence)",
                if p == 1 { "" } else { "s" },
                p + 1
            ));
        }
        let (n, l) = self.after_fence;
        if n > 0 {
            out.push(format!(
                "{name}: the profile ends at the closing fence at line {}; {n} line{} after it \
                 (first at line {l}) not read",
                self.closing_fence,
                plural(n)
            ));
        }
        out
    }
}

/// One `#` frame line: address, function (offset dropped), file, line.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FrameLine {
    pc: u64,
    function: Option<(String, String, i64)>,
}

/// Parses a `#` line that is not `# labels:`: `#\tPC[\tFUNC+OFF\tFILE:LINE]`
/// (columns separated by runs of tabs). `None` if it is no frame line.
///
/// A line without any tab is text whose tabs were expanded to spaces (a
/// copy from a terminal or a web page): its columns are separated by runs
/// of spaces, and since a name may hold spaces (`type..eq.struct { A int }`)
/// the name is what precedes the first `+0xOFF` followed by a space.
fn parse_frame_line(line: &str) -> Option<FrameLine> {
    let rest = line.strip_prefix('#')?;
    if !rest.contains('\t') {
        return parse_expanded_frame_line(rest);
    }
    let mut fields = rest.split('\t').filter(|f| !f.is_empty());
    let pc = parse_pc(fields.next()?.trim())?;
    let Some(func) = fields.next() else { return Some(FrameLine { pc, function: None }) };
    let name = match func.rfind("+0x") {
        Some(i) if func[i + 3..].bytes().all(|b| b.is_ascii_hexdigit()) => &func[..i],
        _ => func,
    };
    let file_line = fields.join("\t");
    Some(FrameLine { pc, function: Some(function_of(name, &file_line)) })
}

/// `0xPC`, lowercase or uppercase hex digits.
fn parse_pc(text: &str) -> Option<u64> {
    u64::from_str_radix(text.strip_prefix("0x")?, 16).ok()
}

/// The function, file and line of a frame line's name and `FILE:LINE`
/// (split at the last `:`, as a path may hold colons).
fn function_of(name: &str, file_line: &str) -> (String, String, i64) {
    match file_line.rsplit_once(':') {
        Some((f, n)) if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => {
            (name.to_owned(), f.to_owned(), n.parse().unwrap_or(0))
        }
        _ => (name.to_owned(), file_line.to_owned(), 0),
    }
}

/// [`parse_frame_line`] of a line whose tabs became spaces (`rest`: after
/// the `#`): ` PC  FUNC+0xOFF  FILE:LINE`. `None` unless the line is a bare
/// address or has the `+0xOFF` that ends the name.
fn parse_expanded_frame_line(rest: &str) -> Option<FrameLine> {
    let rest = rest.trim_start_matches(' ');
    let (pc, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let pc = parse_pc(pc)?;
    let rest = rest.trim_matches(' ');
    if rest.is_empty() {
        return Some(FrameLine { pc, function: None });
    }
    // The first `+0xHEX` that is followed by a space ends the name.
    let mut from = 0;
    while let Some(i) = rest[from..].find("+0x").map(|i| i + from) {
        let digits = rest[i + 3..].bytes().take_while(u8::is_ascii_hexdigit).count();
        let end = i + 3 + digits;
        if digits > 0 && (end == rest.len() || rest[end..].starts_with(' ')) {
            let name = &rest[..i];
            let file_line = rest[end..].trim_start_matches(' ');
            return Some(FrameLine { pc, function: Some(function_of(name, file_line)) });
        }
        from = i + 3;
    }
    None
}

/// Reads one Go `%q` string at the start of `s`: the text and the rest.
pub(crate) fn go_unquote(s: &str) -> Option<(String, &str)> {
    let mut chars = s.strip_prefix('"')?.char_indices();
    let body = &s[1..];
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                let mut hex = |n: usize| -> Option<u32> {
                    let mut v = 0u32;
                    for _ in 0..n {
                        v = v * 16 + chars.next()?.1.to_digit(16)?;
                    }
                    Some(v)
                };
                match e {
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'v' => out.push('\x0b'),
                    '\\' | '"' | '\'' => out.push(e),
                    // Invalid UTF-8 bytes print as \xNN: shown as U+FFFD.
                    'x' => {
                        let v = hex(2)?;
                        out.push(if v < 0x80 { char::from(v as u8) } else { '\u{fffd}' });
                    }
                    'u' => out.push(char::from_u32(hex(4)?)?),
                    'U' => out.push(char::from_u32(hex(8)?)?),
                    '0'..='7' => {
                        let mut v = e.to_digit(8)?;
                        for _ in 0..2 {
                            v = v * 8 + chars.next()?.1.to_digit(8)?;
                        }
                        out.push(if v < 0x80 { char::from(v as u8) } else { '\u{fffd}' });
                    }
                    _ => return None,
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// Parses `{"k":"v", "k2":"v2"}` (Go's `labelMap.String()`).
pub(crate) fn parse_label_map(s: &str) -> Option<Vec<(String, String)>> {
    let mut rest = s.trim().strip_prefix('{')?.trim_start();
    let mut out = Vec::new();
    if let Some(r) = rest.strip_prefix('}') {
        return r.trim().is_empty().then_some(out);
    }
    loop {
        let (k, r) = go_unquote(rest)?;
        let r = r.trim_start().strip_prefix(':')?.trim_start();
        let (v, r) = go_unquote(r)?;
        out.push((k, v));
        let r = r.trim_start();
        if let Some(r) = r.strip_prefix(',') {
            rest = r.trim_start();
        } else {
            return r.strip_prefix('}')?.trim().is_empty().then_some(out);
        }
    }
}

/// A record as printed: line, values, addresses, labels, frame lines.
struct RawRecord {
    line: usize,
    printed: Vec<i64>,
    values: Vec<i64>,
    blocksize: Option<i64>,
    addrs: Vec<u64>,
    labels: Vec<(String, String)>,
    frames: Vec<(usize, FrameLine)>,
}

/// pprof's `parseHexAddresses`: every `0x[0-9a-f]+`.
fn hex_addresses(s: &str, n: usize) -> Result<Vec<u64>, ParseError> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("0x") {
        let digits = rest[i + 2..].bytes().take_while(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let len = digits.count();
        if len == 0 {
            rest = &rest[i + 2..];
            continue;
        }
        let text = &rest[i + 2..i + 2 + len];
        let v = u64::from_str_radix(text, 16)
            .map_err(|_| (n, format!("address 0x{text} does not fit in 64 bits")))?;
        out.push(v);
        rest = &rest[i + 2 + len..];
    }
    Ok(out)
}

/// pprof's `scaleHeapSample`.
fn scale_heap_sample(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let avg = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * scale) as i64, (size as f64 * scale) as i64)
}

/// The parsed text: pprof's profile with names, and the notes.
#[derive(Debug)]
pub struct Parsed {
    /// The profile, as pprof's legacy parser builds it, with the frames the
    /// `#` lines name.
    pub profile: Profile,
    /// What was noticed.
    pub notes: Notes,
    /// Per record in printed order: its line and its numbers as printed
    /// (heap: the four fields; count: the count; contention: cycles, count).
    pub printed: Vec<(usize, Vec<i64>)>,
}

/// Parses `debug=1` text into a profile (not yet merged).
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let Start { kind, line: start, fenced } = find_start(text).ok_or_else(|| {
        (
            1,
            "expected a `debug=1` profile header (`heap profile: ...`, `NAME profile: total N`, \
             `--- mutex:` or `--- contention:`)"
                .to_owned(),
        )
    })?;
    let mut lines: Vec<&str> =
        text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let (mut closing_fence, mut after_fence) = (0, (0, 0));
    if fenced {
        // The profile ends at the closing fence; what follows is not read.
        if let Some(end) = (start + 1..lines.len()).find(|&i| is_fence(lines[i].trim())) {
            closing_fence = end + 1;
            for (k, l) in lines.iter().enumerate().skip(end + 1) {
                if !l.trim().is_empty() {
                    Notes::count(&mut after_fence, k + 1);
                }
            }
            lines.truncate(end);
        }
    }
    let mut p = Profile::default();
    let mut records: Vec<RawRecord> = Vec::new();
    // Shared by the record loops: `#` lines attach to the last record.
    let attach = |records: &mut Vec<RawRecord>, n: usize, line: &str| -> Result<(), ParseError> {
        let Some(rec) = records.last_mut() else { return Ok(()) };
        let t = line.trim_start();
        if let Some(map) = t.strip_prefix("# labels:") {
            let labels = parse_label_map(map).ok_or_else(|| {
                (n, format!("expected `# labels: {{\"key\":\"value\", ...}}`, found {line:?}"))
            })?;
            rec.labels.extend(labels);
        } else if let Some(frame) = parse_frame_line(t) {
            rec.frames.push((n, frame));
        }
        Ok(())
    };
    match kind {
        Kind::Heap => {
            let h = heap_header_re()
                .captures(lines[start])
                .ok_or_else(|| (start + 1, "expected `heap profile: ...`".to_owned()))?;
            let field = |i: usize| h.get(i).map_or("", |m| m.as_str());
            let mut period: i64 = 0;
            if !field(6).is_empty() {
                period = field(6).parse().map_err(|_| {
                    (start + 1, format!("sampling rate {:?} out of range", field(6)))
                })?;
            }
            let has_alloc = (field(3) != field(1) && field(3) != "0")
                || (field(4) != field(2) && field(4) != "0");
            let v2 = match field(5) {
                "heapz_v2" | "heap_v2" => true,
                "heapprofile" => {
                    period = 1;
                    false
                }
                "heap" => {
                    period /= 2;
                    true
                }
                other => {
                    return Err((
                        start + 1,
                        format!("unknown heap profile kind {other:?} (expected `heap/N`)"),
                    ))
                }
            };
            p.period = period;
            p.period_type = vt("space", "bytes");
            p.sample_types = if has_alloc {
                vec![
                    vt("alloc_objects", "count"),
                    vt("alloc_space", "bytes"),
                    vt("inuse_objects", "count"),
                    vt("inuse_space", "bytes"),
                ]
            } else {
                vec![vt("objects", "count"), vt("space", "bytes")]
            };
            for (i, &raw) in lines.iter().enumerate().skip(start + 1) {
                let n = i + 1;
                let line = raw.trim();
                if is_space_or_comment(line) {
                    attach(&mut records, n, raw)?;
                    continue;
                }
                if line.starts_with("--- Memory map:") || line.starts_with("MAPPED_LIBRARIES:") {
                    break;
                }
                let c = heap_sample_re().captures(line).ok_or_else(|| {
                    (
                        n,
                        format!(
                            "expected a heap record `INUSE_OBJECTS: INUSE_BYTES [ALLOC_OBJECTS: \
                             ALLOC_BYTES] @ 0x...`, found {line:?}"
                        ),
                    )
                })?;
                let num = |i: usize| -> Result<i64, ParseError> {
                    c[i].parse().map_err(|_| (n, format!("number {:?} out of range", &c[i])))
                };
                let mut values = Vec::new();
                let mut blocksize = 0;
                let mut add = |count: i64, size: i64, what: &str| -> Result<(), ParseError> {
                    if count == 0 && size != 0 {
                        return Err((n, format!("{what} count was 0 but {what} bytes was {size}")));
                    }
                    let (mut count, mut size) = (count, size);
                    if count != 0 {
                        blocksize = size.wrapping_div(count);
                        if v2 {
                            (count, size) = scale_heap_sample(count, size, period);
                        }
                    }
                    values.extend([count, size]);
                    Ok(())
                };
                if has_alloc {
                    add(num(3)?, num(4)?, "allocation")?;
                }
                add(num(1)?, num(2)?, "inuse")?;
                let addrs = hex_addresses(&c[5], n)?;
                records.push(RawRecord {
                    line: n,
                    printed: vec![num(1)?, num(2)?, num(3)?, num(4)?],
                    values,
                    blocksize: Some(blocksize),
                    addrs,
                    labels: Vec::new(),
                    frames: Vec::new(),
                });
            }
        }
        Kind::Count => {
            let mut iter = lines.iter().enumerate().skip(start);
            let mut name = "";
            for (_, line) in iter.by_ref() {
                if !is_space_or_comment(line) {
                    name = count_start(line).unwrap_or_default();
                    break;
                }
            }
            if name.is_empty() {
                return Err((0, "expected `NAME profile: total N`".to_owned()));
            }
            p.period_type = vt(name, "count");
            p.period = 1;
            p.sample_types = vec![vt(name, "count")];
            for (i, &line) in iter {
                let n = i + 1;
                if is_space_or_comment(line) {
                    attach(&mut records, n, line)?;
                    continue;
                }
                if line.starts_with("---") {
                    break;
                }
                let err =
                    || (n, format!("expected a record `COUNT @ 0x... 0x...`, found {line:?}"));
                let (count, stack) = line.split_once(" @").ok_or_else(err)?;
                if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err());
                }
                let count: i64 =
                    count.parse().map_err(|_| (n, format!("count {count:?} out of range")))?;
                // ( 0x[0-9a-f]+)* exactly; an empty stack is Go's threadcreate.
                let mut addrs = Vec::new();
                for (j, field) in stack.split(' ').enumerate() {
                    if j == 0 {
                        if !field.is_empty() {
                            return Err(err());
                        }
                        continue;
                    }
                    let hex = field.strip_prefix("0x").ok_or_else(err)?;
                    if hex.is_empty()
                        || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                    {
                        return Err(err());
                    }
                    addrs
                        .push(u64::from_str_radix(hex, 16).map_err(|_| {
                            (n, format!("address {field} does not fit in 64 bits"))
                        })?);
                }
                records.push(RawRecord {
                    line: n,
                    printed: vec![count],
                    values: vec![count],
                    blocksize: None,
                    addrs,
                    labels: Vec::new(),
                    frames: Vec::new(),
                });
            }
        }
        Kind::Contention => {
            p.period_type = vt("contentions", "count");
            p.period = 1;
            p.sample_types = vec![vt("contentions", "count"), vt("delay", "nanoseconds")];
            let mut cpu_hz: i64 = 0;
            let mut i = start + 1;
            // The `key=value` header.
            while i < lines.len() {
                let n = i + 1;
                let line = lines[i].trim();
                if is_space_or_comment(line) {
                    i += 1;
                    continue;
                }
                if line.starts_with("---") {
                    break;
                }
                let Some((key, value)) = line.split_once('=') else { break };
                let (key, value) = (key.trim(), value.trim());
                let number = || -> Result<i64, ParseError> {
                    parse_go_int(value).ok_or_else(|| {
                        (n, format!("expected a number after `{key}=`, found {value:?}"))
                    })
                };
                match key {
                    "cycles/second" => cpu_hz = number()?,
                    "sampling period" => p.period = number()?,
                    "ms since reset" => p.duration_nanos = number()?.wrapping_mul(1_000_000),
                    "discarded samples" => {}
                    _ => {
                        return Err((
                            n,
                            format!(
                                "unknown header `{key}=` (pprof reads only cycles/second, \
                                 sampling period, ms since reset and discarded samples)"
                            ),
                        ))
                    }
                }
                i += 1;
            }
            let period = p.period;
            while i < lines.len() {
                let n = i + 1;
                let raw = lines[i];
                let line = raw.trim();
                i += 1;
                if line.starts_with("---") {
                    break;
                }
                if is_space_or_comment(line) {
                    attach(&mut records, n, raw)?;
                    continue;
                }
                let c = contention_sample_re().captures(line).ok_or_else(|| {
                    (n, format!("expected a record `CYCLES COUNT @ 0x...`, found {line:?}"))
                })?;
                let num = |j: usize| -> Result<i64, ParseError> {
                    c[j].parse().map_err(|_| (n, format!("number {:?} out of range", &c[j])))
                };
                let (mut v1, mut v2) = (num(1)?, num(2)?);
                if period > 0 {
                    if cpu_hz > 0 {
                        let ghz = cpu_hz as f64 / 1e9;
                        v1 = (v1 as f64 * period as f64 / ghz) as i64;
                    }
                    v2 = v2.wrapping_mul(period);
                }
                let addrs = hex_addresses(&c[3], n)?;
                records.push(RawRecord {
                    line: n,
                    printed: vec![num(1)?, num(2)?],
                    values: vec![v2, v1],
                    blocksize: None,
                    addrs,
                    labels: Vec::new(),
                    frames: Vec::new(),
                });
            }
        }
    }
    let printed = records.iter().map(|r| (r.line, r.printed.clone())).collect();
    let mut notes = build(&mut p, records);
    notes.preamble_lines = start;
    notes.closing_fence = closing_fence;
    notes.after_fence = after_fence;
    Ok(Parsed { profile: p, notes, printed })
}

/// Go's `strconv.ParseInt(s, 0, 64)`: decimal, `0x` hex, `0o`/`0` octal,
/// `0b` binary, an optional sign, `_` between digits.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_owned())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_owned())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_owned())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_owned())
    } else {
        (10, lower.clone())
    };
    let digits = if radix != 10 || body.contains('_') { digits.replace('_', "") } else { digits };
    if digits.is_empty() {
        return None;
    }
    let v = i128::from_str_radix(&digits, radix).ok()?;
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

fn vt(ty: &str, unit: &str) -> ValueType {
    ValueType { ty: ty.to_owned(), unit: unit.to_owned() }
}

/// The `#` lines that name each address of a record, in order.
///
/// The runtime prints one `#` line per frame, walking the addresses in
/// order (`runtime.CallersFrames`), so the lines are matched to the
/// addresses in order: a line belongs to the address one above its own
/// (`frame.PC` is the return address minus one). An address listed several
/// times in a row (a recursion) prints its frames once per listing, so its
/// run of lines is shared out equally; more lines than listings are
/// inlined frames of that address. Lines that match no address of the
/// record, or come out of order, are counted in `notes`.
fn frames_per_address<'a>(rec: &'a RawRecord, notes: &mut Notes) -> Vec<Vec<&'a FrameLine>> {
    let targets: HashSet<u64> = rec.addrs.iter().map(|a| a.wrapping_sub(1)).collect();
    let mut lines: Vec<(usize, &FrameLine)> = Vec::new();
    for (n, f) in &rec.frames {
        if targets.contains(&f.pc) {
            lines.push((*n, f));
        } else if !(rec.addrs.is_empty() && f.pc == 0) {
            // `#\t0x0` is how the runtime prints an empty stack.
            Notes::count(&mut notes.unmatched_frame_lines, *n);
        }
    }
    let mut out = vec![Vec::new(); rec.addrs.len()];
    let (mut i, mut j) = (0, 0);
    while j < rec.addrs.len() {
        let addr = rec.addrs[j];
        let pc = addr.wrapping_sub(1);
        let listings = rec.addrs[j..].iter().take_while(|&&a| a == addr).count();
        let run = lines[i..].iter().take_while(|(_, f)| f.pc == pc).count();
        let (each, extra) = (run / listings, run % listings);
        for (k, slot) in out[j..j + listings].iter_mut().enumerate() {
            let take = each + usize::from(k < extra);
            slot.extend(lines[i..i + take].iter().map(|(_, f)| *f));
            i += take;
        }
        j += listings;
    }
    for (n, _) in &lines[i..] {
        Notes::count(&mut notes.unmatched_frame_lines, *n);
    }
    out
}

/// Turns the records into samples, locations and functions, as pprof's
/// legacy parser does: one location per address (pprof's has no lines;
/// here the lines are the functions the `#` lines name), every address of
/// a record in its sample, so that records stay apart where pprof keeps
/// them apart. The addresses the runtime hid (no `#` line at the leaf end,
/// where it skips runtime frames, or at the root end, `runtime.goexit`)
/// are locations marked `is_folded` (a mark pprof's merge keeps and nothing
/// prints), left out of the stacks after merging ([`drop_hidden`]).
fn build(p: &mut Profile, records: Vec<RawRecord>) -> Notes {
    let mut notes = Notes::default();
    let mut functions: HashMap<(String, String), usize> = HashMap::new();
    let mut locations: HashMap<(u64, bool, Vec<Line>), usize> = HashMap::new();
    for rec in records {
        if rec.addrs.is_empty() {
            Notes::count(&mut notes.stackless_records, rec.line);
            notes.stackless_values.resize(rec.values.len(), 0);
            for (t, v) in notes.stackless_values.iter_mut().zip(&rec.values) {
                *t = t.wrapping_add(*v);
            }
        }
        let per_address = frames_per_address(&rec, &mut notes);
        let named: Vec<bool> = per_address.iter().map(|f| !f.is_empty()).collect();
        let any_named = named.iter().any(|&b| b);
        if !rec.addrs.is_empty() && !any_named {
            Notes::count(&mut notes.unnamed_records, rec.line);
        }
        let first = named.iter().position(|&b| b).unwrap_or(0);
        let last = named.iter().rposition(|&b| b).map_or(rec.addrs.len(), |l| l + 1);
        let mut sample = Sample { values: rec.values.clone(), ..Sample::default() };
        for (j, (&addr, frames)) in rec.addrs.iter().zip(&per_address).enumerate() {
            // Hidden by the runtime: leading runtime frames, goexit.
            let hidden = any_named && (j < first || j >= last);
            let addr = addr.wrapping_sub(1);
            if any_named && !hidden && !named[j] {
                Notes::count(&mut notes.unnamed_addresses, rec.line);
            }
            let mut lines = Vec::new();
            for f in frames {
                let Some((name, file, line)) = &f.function else { continue };
                let key = (name.clone(), file.clone());
                let fi = *functions.entry(key).or_insert_with(|| {
                    p.functions.push(Function {
                        id: p.functions.len() as u64 + 1,
                        name: name.clone(),
                        system_name: name.clone(),
                        filename: file.clone(),
                        start_line: 0,
                    });
                    p.functions.len() - 1
                });
                lines.push(Line { function: Some(fi), line: *line });
            }
            let l = *locations.entry((addr, hidden, lines)).or_insert_with_key(|(_, _, lines)| {
                p.locations.push(Location {
                    id: p.locations.len() as u64 + 1,
                    mapping: None,
                    address: addr,
                    lines: lines.clone(),
                    is_folded: hidden,
                });
                p.locations.len() - 1
            });
            sample.locations.push(l);
        }
        if let Some(b) = rec.blocksize {
            std::sync::Arc::make_mut(&mut sample.num_labels)
                .insert("bytes".to_owned(), NumLabel { values: vec![b], units: vec![] });
        }
        for (k, v) in &rec.labels {
            std::sync::Arc::make_mut(&mut sample.labels)
                .entry(k.clone())
                .or_default()
                .push(v.clone());
        }
        p.samples.push(sample);
    }
    notes
}

/// Leaves the hidden addresses [`build`] marked out of every stack, once
/// the samples are merged as pprof merges them.
fn drop_hidden(p: &mut Profile) {
    let hidden: Vec<bool> = p.locations.iter().map(|l| l.is_folded && l.lines.is_empty()).collect();
    if !hidden.contains(&true) {
        return;
    }
    let old = std::mem::take(&mut p.samples);
    for s in old.iter() {
        let locations = s.locations.iter().map(|&l| l as usize).filter(|&l| !hidden[l]).collect();
        p.samples.push(Sample {
            locations,
            values: s.values.to_vec(),
            labels: std::sync::Arc::new(s.labels.clone()),
            num_labels: std::sync::Arc::new(s.num_labels.clone()),
        });
    }
}

/// The records of a `debug=1` text profile, with its notes.
pub struct LegacySource {
    inner: ProfileSource,
    notes: Vec<String>,
}

/// Gives every line of every location a function named `func file:line`,
/// as pprof's `-lines` names frames.
pub(crate) fn name_with_lines(p: &mut Profile) {
    let mut index: HashMap<(usize, i64), usize> = HashMap::new();
    let mut functions = Vec::new();
    for loc in &mut p.locations {
        for ln in &mut loc.lines {
            let Some(f) = ln.function else { continue };
            let g = *index.entry((f, ln.line)).or_insert_with(|| {
                let old = &p.functions[f];
                let name = format!("{} {}:{}", old.name, old.filename, ln.line);
                functions.push(Function {
                    id: functions.len() as u64 + 1,
                    name: name.clone(),
                    system_name: name,
                    filename: old.filename.clone(),
                    start_line: 0,
                });
                functions.len() - 1
            });
            ln.function = Some(g);
        }
    }
    p.functions = functions;
}

/// Reads `debug=1` text and reports it at the chosen sample index; with
/// `frame_lines`, frames are `func file:line` (`name_with_lines`).
pub fn open(
    name: &str,
    text: &str,
    sample_index: Option<&str>,
    frame_lines: bool,
) -> Result<LegacySource> {
    let parsed = parse(text).map_err(|(line, msg)| Error::input(name, line as u64, msg))?;
    let notes = parsed.notes.lines(name);
    let mut profile = load::prepare(parsed.profile);
    drop_hidden(&mut profile);
    if frame_lines {
        name_with_lines(&mut profile);
    }
    let inner = ProfileSource::prepared(name, profile, sample_index)
        .map_err(|msg| Error::input(name, 0, msg))?
        .keep_stackless();
    Ok(LegacySource { inner, notes })
}

impl RecordSource for LegacySource {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn header(&self) -> &Header {
        self.inner.header()
    }
    fn read_record(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool> {
        self.inner.read_record(rec, names)
    }
    fn dimension(&self) -> Dimension {
        self.inner.dimension()
    }
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
    fn time_nanos(&self) -> Option<i64> {
        self.inner.time_nanos()
    }
    fn label_texts(&self) -> Option<std::sync::Arc<[(String, String)]>> {
        self.inner.label_texts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAP: &str = concat!(
        "heap profile: 7: 6304160 [8: 6304272] @ heap/1048576\n",
        "3: 6291456 [3: 6291456] @ 0x4c0e15 0x4c0e01 0x4374f2 0x4615c1\n",
        "#\t0x4c0e14\tmain.allocBig+0x74\t/src/demo/main.go:20\n",
        "#\t0x4c0e00\tmain.main+0x60\t\t/src/demo/main.go:51\n",
        "#\t0x4374f1\truntime.main+0x211\t$GOROOT/src/runtime/proc.go:250\n",
        "\n",
        "0: 0 [1: 112] @ 0x417789 0x43741d 0x4615c1\n",
        "#\t0x417788\truntime.gcenable+0x28\t$GOROOT/src/runtime/mgc.go:177\n",
        "#\t0x43741c\truntime.main+0x13c\t$GOROOT/src/runtime/proc.go:209\n",
        "\n",
        "\n",
        "# runtime.MemStats\n",
        "# Alloc = 8825536\n",
    );

    #[test]
    fn heap_values_and_names() {
        let p = parse(HEAP).unwrap();
        assert_eq!(p.profile.sample_types.len(), 4);
        assert_eq!(p.profile.period, 524288);
        let s = p.profile.samples.get(0);
        // 3 objects of 2 MiB at rate 512 KiB: scale 1/(1-e^-4).
        let scale = 1.0 / (1.0 - (-4.0f64).exp());
        assert_eq!(s.values[0], (3.0 * scale) as i64);
        assert_eq!(s.values[3], (6291456.0 * scale) as i64);
        assert_eq!(s.num_labels["bytes"].values, [2097152]);
        // goexit (0x4615c1) has no `#` line: a hidden location, left out.
        assert_eq!(s.locations.len(), 4);
        assert!(p.profile.locations[s.locations[3] as usize].is_folded);
        assert_eq!(stacks(HEAP)[0], ["main.allocBig", "main.main", "runtime.main"]);
        assert_eq!(p.profile.locations[0].address, 0x4c0e14);
        // 0: 0 [1: 112]: only the alloc pair is scaled, by 1/(1-e^(-112/524288)).
        assert_eq!(p.profile.samples.get(1).values, [4681, 524344, 0, 0]);
        assert_eq!(p.notes, Notes::default());
    }

    #[test]
    fn two_columns_when_alloc_equals_inuse() {
        let text = "heap profile: 1: 64 [1: 64] @ heap/1024\n1: 64 [1: 64] @ 0x11\n";
        let p = parse(text).unwrap();
        let types: Vec<&str> = p.profile.sample_types.iter().map(|t| t.ty.as_str()).collect();
        assert_eq!(types, ["objects", "space"]);
        assert_eq!(p.notes.unnamed_records, (1, 2));
    }

    #[test]
    fn counts_labels_and_threadcreate() {
        let text = concat!(
            "goroutine profile: total 5\n",
            "3 @ 0x4378b6 0x4c0d7b 0x4615c1\n",
            "#\t0x4c0d7a\tmain.blocker+0x1a\t/src/demo/main.go:45\n",
            "\n",
            "2 @ 0x4378b6 0x4c0d7b 0x4615c1\n",
            "# labels: {\"phase\":\"i\\\"o\", \"worker\":\"a\"}\n",
            "#\t0x4c0d7a\tmain.blocker+0x1a\t/src/demo/main.go:45\n",
            "\n",
        );
        let p = parse(text).unwrap();
        assert_eq!(p.profile.samples.get(1).labels["phase"], ["i\"o"]);
        assert_eq!(stacks(text)[1], ["main.blocker"]);
        let t = parse("threadcreate profile: total 4\n4 @\n#\t0x0\n\n").unwrap();
        assert_eq!(t.profile.samples.get(0).locations.len(), 0);
        assert_eq!(t.notes.stackless_records, (1, 2));
        assert_eq!(t.notes.stackless_values, [4]);
        assert_eq!(t.notes.unmatched_frame_lines.0, 0);
    }

    #[test]
    fn contention_cycles_to_nanoseconds() {
        let text = concat!(
            "--- mutex:\n",
            "cycles/second=2596162524\n",
            "sampling period=5\n",
            "560330486 199 @ 0x4c0cc5 0x4c0c9e 0x4615c1\n",
            "#\t0x4c0cc4\tsync.(*Mutex).Unlock+0xc4\t$GOROOT/src/sync/mutex.go:223\n",
        );
        let p = parse(text).unwrap();
        assert_eq!(p.profile.samples.get(0).values, [995, 1079151402]);
    }

    #[test]
    fn errors_name_the_line() {
        let bad = "--- mutex:\ncycles/second=1\nformat=x\n";
        assert_eq!(parse(bad).unwrap_err().0, 3);
        let bad = "goroutine profile: total 1\n1 @ 0x1 zz\n";
        assert_eq!(parse(bad).unwrap_err().0, 2);
        let bad = "heap profile: 1: 1 [1: 1] @ heap/2\n0: 5 [0: 0] @ 0x1\n";
        assert!(parse(bad).unwrap_err().1.contains("inuse count was 0"));
        let bad = "goroutine profile: total 1\n1 @ 0x1\n# labels: {\"a\n";
        assert_eq!(parse(bad).unwrap_err().0, 3);
        // Two carriage returns: the header is not a header (no panic).
        assert!(parse("goroutine profile: total 1\r\r\n1 @ 0x1\n").is_err());
        // Go's integer division wraps; so does this reader's, without a panic.
        let odd = "heap profile: 1: 1 [1: 1] @ heap/2\n-1: -9223372036854775808 [0: 0] @ 0x1\n";
        assert!(parse(odd).is_ok());
    }

    /// The names of each sample's frames, leaf first, after the merge and
    /// with the hidden addresses left out (as [`open`] reads them).
    fn stacks(text: &str) -> Vec<Vec<String>> {
        let mut p = load::prepare(parse(text).unwrap().profile);
        drop_hidden(&mut p);
        p.samples
            .iter()
            .map(|s| {
                s.locations
                    .iter()
                    .flat_map(|&l| &p.locations[l as usize].lines)
                    .map(|ln| ln.function.map_or("?".to_owned(), |f| p.functions[f].name.clone()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn recursion_is_one_frame_per_listing() {
        // f calls itself twice: its return address is listed three times,
        // each listing with its own `#` line.
        let text = concat!(
            "heap profile: 1: 96 [1: 96] @ heap/1024\n",
            "1: 96 [1: 96] @ 0x10 0x21 0x21 0x21 0x31 0x41\n",
            "#\t0x20\tmain.f+0x1\t/a.go:3\n",
            "#\t0x20\tmain.f+0x1\t/a.go:3\n",
            "#\t0x20\tmain.f+0x1\t/a.go:3\n",
            "#\t0x30\tmain.main+0x1\t/a.go:9\n",
            "\n",
        );
        // 0x10 (a runtime frame the runtime hid) and 0x41 (goexit) are left
        // out; 0x21 is three frames, not nine.
        assert_eq!(stacks(text), [["main.f", "main.f", "main.f", "main.main"]]);
        assert_eq!(parse(text).unwrap().notes, Notes::default());
    }

    #[test]
    fn more_lines_than_listings_are_inlined_frames() {
        let text = concat!(
            "heap profile: 1: 96 [1: 96] @ heap/1024\n",
            "1: 96 [1: 96] @ 0x21 0x21 0x31\n",
            "#\t0x20\tmain.inner+0x1\t/a.go:3\n",
            "#\t0x20\tmain.outer+0x1\t/a.go:5\n",
            "#\t0x20\tmain.inner+0x1\t/a.go:3\n",
            "#\t0x20\tmain.outer+0x1\t/a.go:5\n",
            "#\t0x30\tmain.main+0x1\t/a.go:9\n",
            "#\t0x99\tmain.nowhere+0x1\t/a.go:1\n",
            "\n",
        );
        let p = parse(text).unwrap();
        let lines: Vec<usize> = p.profile.locations.iter().map(|l| l.lines.len()).collect();
        assert_eq!(lines, [2, 1]);
        assert_eq!(
            stacks(text),
            [["main.inner", "main.outer", "main.inner", "main.outer", "main.main"]]
        );
        assert_eq!(p.notes.unmatched_frame_lines, (1, 8));
    }

    #[test]
    fn records_apart_by_hidden_addresses_stay_apart() {
        // Two records that differ in their hidden leaf addresses only: two
        // samples of 96 bytes, as pprof reads them, not one of 192.
        let text = concat!(
            "heap profile: 2: 192 [2: 192] @ heap/2\n",
            "1: 96 [1: 96] @ 0x10 0x31 0x41\n",
            "#\t0x30\tmain.f+0x1\t/a.go:3\n",
            "\n",
            "1: 96 [1: 96] @ 0x11 0x31 0x41\n",
            "#\t0x30\tmain.f+0x1\t/a.go:3\n",
            "\n",
        );
        assert_eq!(stacks(text), [["main.f"], ["main.f"]]);
        let p = load::prepare(parse(text).unwrap().profile);
        let values: Vec<i64> = p.samples.iter().map(|s| s.values[1]).collect();
        assert_eq!(values, [96, 96]);
    }

    #[test]
    fn tab_expanded_frame_lines() {
        let tabs = parse_frame_line("#\t0x4a1b2c\tmain.f+0x2c\t\t/x y.go:12").unwrap();
        let spaces = parse_frame_line("#       0x4a1b2c        main.f+0x2c             /x y.go:12");
        assert_eq!(spaces.as_ref(), Some(&tabs));
        assert_eq!(tabs.function, Some(("main.f".to_owned(), "/x y.go".to_owned(), 12)));
        // A name with spaces and `;`: it ends at the first `+0xOFF `.
        let eq =
            parse_frame_line("# 0x10 type..eq.struct { A int; B string }+0x1 /a.go:1").unwrap();
        assert_eq!(eq.function.unwrap().0, "type..eq.struct { A int; B string }");
        assert_eq!(parse_frame_line("#       0x0").unwrap(), FrameLine { pc: 0, function: None });
        assert_eq!(parse_frame_line("# runtime.MemStats"), None);
        assert_eq!(parse_frame_line("# Alloc = 8825536"), None);
    }

    #[test]
    fn preambles() {
        let heap = "heap profile: 1: 8 [1: 8] @ heap/2\n";
        let at = |text: &str| find_start(text).map(|s| (s.line, s.fenced));
        assert_eq!(at(heap), Some((0, false)));
        assert_eq!(
            at(&format!("$ curl -s 'http://h/debug/pprof/heap?debug=1'\n{heap}")),
            Some((1, false))
        );
        assert_eq!(at(&format!("\n \n```\n{heap}```\n")), Some((3, true)));
        assert_eq!(at(&format!("me@box:~/src$ wget -qO- http://h/x\n{heap}")), Some((1, false)));
        assert_eq!(at(&format!("PS C:\\> curl.exe http://h/x\n{heap}")), None);
        assert_eq!(at(&format!("```\n```\n{heap}")), None);
        assert_eq!(at(&format!("The profile:\n{heap}")), None);
        let found = header_after_text(&format!("The profile:\n\n{heap}")).unwrap();
        assert_eq!((found.line, found.other.0), (3, 1));
        assert_eq!(found.what, "a `?debug=1` heap profile");
        assert!(header_after_text(heap).is_none());
        // A fenced profile ends at its closing fence; what follows is noted.
        let p = parse(&format!("```\n{heap}1: 8 [1: 8] @ 0x1\n```\nmore words\n")).unwrap();
        assert_eq!(p.printed.len(), 1);
        assert_eq!((p.notes.preamble_lines, p.notes.closing_fence), (1, 4));
        assert_eq!(p.notes.after_fence, (1, 5));
        // Errors keep the line numbers of the whole text.
        assert_eq!(parse(&format!("\n\n{heap}zz\n")).unwrap_err().0, 4);
    }

    #[test]
    fn headless() {
        let heap = "1: 96 [1: 96] @ 0x10 0x21\n#\t0x20\tmain.f+0x1\t/a.go:3\n";
        let (line, what) = headless_records(&format!("\n{heap}")).unwrap();
        assert_eq!(line, 2);
        assert!(what.contains("heap or allocs profile"), "{what}");
        assert!(headless_records("3 @ 0x1 0x2\n# labels: {}\n").unwrap().1.contains("goroutine"));
        assert!(headless_records("9 3 @ 0x1\n#\t0x0\n").unwrap().1.contains("mutex"));
        assert_eq!(headless_records("1: 96 [1: 96] @ 0x10\nnext\n"), None);
        assert_eq!(headless_records("Total: 3 @ 0x1\n#\n"), None);
        assert_eq!(headless_records("-----------+---\n"), None);
    }

    #[test]
    fn go_ints() {
        assert_eq!(parse_go_int("0x10"), Some(16));
        assert_eq!(parse_go_int("010"), Some(8));
        assert_eq!(parse_go_int("-5"), Some(-5));
        assert_eq!(parse_go_int("1_000"), Some(1000));
        assert_eq!(parse_go_int("x"), None);
    }
}
