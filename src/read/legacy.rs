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
//! lines, as the runtime printed them: a `#` line belongs to the address
//! `@` lists one above its own (`frame.PC` is the return address minus
//! one), several lines with one address are inlined frames (innermost
//! first), offsets are dropped from names and file:line is kept in the
//! profile's lines (and in the frames, `func file:line`, when
//! [`SourceOptions::frame_lines`](crate::read::SourceOptions) asks). Addresses without a `#` line at the leaf end (runtime
//! frames the runtime hides) or at the root end (`runtime.goexit`) are left
//! out of the stack. A record without any `#` frame line keeps pprof's
//! `<unknown>` frames, and is counted in a note; so are addresses without a
//! name inside a stack and `#` lines that match no address. Other
//! differences:
//!
//! - `# labels: {"k":"v"}` lines (goroutine profiles) become string labels,
//!   so equal stacks with different labels stay apart (pprof merges them);
//! - `threadcreate` text (`7 @`, an empty stack), which pprof rejects, is
//!   read; records without a stack are not reported (as pprof does not
//!   report samples without a stack), and are counted in a note;
//! - the `# runtime.MemStats` trailer is skipped (it is all comments).

use itertools::Itertools;
use std::collections::HashMap;
use std::io;

use regex::Regex;

use crate::error::{Error, Result};
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
pub fn kind_of(text: &str) -> Option<Kind> {
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

/// True when `text` starts like a `debug=1` text profile.
pub fn looks_like_legacy(text: &str) -> bool {
    kind_of(text).is_some()
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
pub type ParseError = (usize, String);

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
                "{name}: {n} record{} without a stack (first at line {l}; values {}): not \
                 shown, as pprof shows no sample without a stack",
                plural(n),
                values.join(" ")
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
fn parse_frame_line(line: &str) -> Option<FrameLine> {
    let rest = line.strip_prefix('#')?;
    let mut fields = rest.split('\t').filter(|f| !f.is_empty());
    let pc = fields.next()?.trim();
    let pc = u64::from_str_radix(pc.strip_prefix("0x")?, 16).ok()?;
    let Some(func) = fields.next() else { return Some(FrameLine { pc, function: None }) };
    let name = match func.rfind("+0x") {
        Some(i) if func[i + 3..].bytes().all(|b| b.is_ascii_hexdigit()) => &func[..i],
        _ => func,
    };
    let file_line = fields.join("\t");
    let (file, line_no) = match file_line.rsplit_once(':') {
        Some((f, n)) if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => {
            (f.to_owned(), n.parse().unwrap_or(0))
        }
        _ => (file_line.clone(), 0),
    };
    Some(FrameLine { pc, function: Some((name.to_owned(), file, line_no)) })
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
    let kind = kind_of(text).ok_or_else(|| {
        (
            1,
            "expected a `debug=1` profile header (`heap profile: ...`, `NAME profile: total N`, \
             `--- mutex:` or `--- contention:`)"
                .to_owned(),
        )
    })?;
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
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
                .captures(lines[0])
                .ok_or_else(|| (1, "expected `heap profile: ...`".to_owned()))?;
            let field = |i: usize| h.get(i).map_or("", |m| m.as_str());
            let mut period: i64 = 0;
            if !field(6).is_empty() {
                period = field(6)
                    .parse()
                    .map_err(|_| (1, format!("sampling rate {:?} out of range", field(6))))?;
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
                        1,
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
            for (i, &raw) in lines.iter().enumerate().skip(1) {
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
            let mut iter = lines.iter().enumerate();
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
            let mut i = 1;
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
    let notes = build(&mut p, records);
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

/// Turns the records into samples, locations and functions.
fn build(p: &mut Profile, records: Vec<RawRecord>) -> Notes {
    let mut notes = Notes::default();
    let mut functions: HashMap<(String, String), usize> = HashMap::new();
    let mut locations: HashMap<u64, usize> = HashMap::new();
    for rec in records {
        if rec.addrs.is_empty() {
            Notes::count(&mut notes.stackless_records, rec.line);
            notes.stackless_values.resize(rec.values.len(), 0);
            for (t, v) in notes.stackless_values.iter_mut().zip(&rec.values) {
                *t = t.wrapping_add(*v);
            }
        }
        // Frame lines by address (`frame.PC` = return address - 1).
        let mut by_pc: HashMap<u64, Vec<&FrameLine>> = HashMap::new();
        for (_, f) in &rec.frames {
            by_pc.entry(f.pc).or_default().push(f);
        }
        let wanted: std::collections::HashSet<u64> =
            rec.addrs.iter().map(|a| a.wrapping_sub(1)).collect();
        for (n, f) in &rec.frames {
            // `#\t0x0` is how the runtime prints an empty stack.
            if !(wanted.contains(&f.pc) || rec.addrs.is_empty() && f.pc == 0) {
                Notes::count(&mut notes.unmatched_frame_lines, *n);
            }
        }
        let named: Vec<bool> =
            rec.addrs.iter().map(|a| by_pc.contains_key(&a.wrapping_sub(1))).collect();
        let any_named = named.iter().any(|&b| b);
        if !rec.addrs.is_empty() && !any_named {
            Notes::count(&mut notes.unnamed_records, rec.line);
        }
        let first = named.iter().position(|&b| b).unwrap_or(0);
        let last = named.iter().rposition(|&b| b).map_or(rec.addrs.len(), |l| l + 1);
        let mut sample = Sample { values: rec.values, ..Sample::default() };
        for (j, &addr) in rec.addrs.iter().enumerate() {
            if any_named && (j < first || j >= last) {
                // Hidden by the runtime: leading runtime frames, goexit.
                continue;
            }
            let addr = addr.wrapping_sub(1);
            if any_named && !named[j] {
                Notes::count(&mut notes.unnamed_addresses, rec.line);
            }
            let l = *locations.entry(addr).or_insert_with(|| {
                let mut lines = Vec::new();
                for f in by_pc.get(&addr).into_iter().flatten() {
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
                p.locations.push(Location {
                    id: p.locations.len() as u64 + 1,
                    mapping: None,
                    address: addr,
                    lines,
                    is_folded: false,
                });
                p.locations.len() - 1
            });
            sample.locations.push(l);
        }
        if let Some(b) = rec.blocksize {
            std::sync::Arc::make_mut(&mut sample.num_labels)
                .insert("bytes".to_owned(), NumLabel { values: vec![b], units: vec![] });
        }
        for (k, v) in rec.labels {
            std::sync::Arc::make_mut(&mut sample.labels).entry(k).or_default().push(v);
        }
        p.samples.push(sample);
    }
    notes
}

/// The records of a `debug=1` text profile, with its notes.
pub struct LegacySource {
    inner: ProfileSource,
    notes: Vec<String>,
}

/// Gives every line of every location a function named `func file:line`,
/// as pprof's `-lines` names frames.
pub fn name_with_lines(p: &mut Profile) {
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
/// `frame_lines`, frames are `func file:line` ([`name_with_lines`]).
pub fn open(
    name: &str,
    text: &str,
    sample_index: Option<&str>,
    frame_lines: bool,
) -> Result<LegacySource> {
    let mut parsed = parse(text).map_err(|(line, msg)| {
        let path = if line == 0 { name.to_owned() } else { format!("{name}:{line}") };
        Error::Io { path, source: io::Error::new(io::ErrorKind::InvalidData, msg) }
    })?;
    let notes = parsed.notes.lines(name);
    if frame_lines {
        name_with_lines(&mut parsed.profile);
    }
    let inner = ProfileSource::new(name, parsed.profile, sample_index).map_err(|msg| {
        Error::Io { path: name.to_owned(), source: io::Error::new(io::ErrorKind::InvalidData, msg) }
    })?;
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
        let names: Vec<&str> = s
            .locations
            .iter()
            .map(|&l| {
                p.profile.functions[p.profile.locations[l as usize].lines[0].function.unwrap()]
                    .name
                    .as_str()
            })
            .collect();
        // goexit (0x4615c1) has no `#` line: left out.
        assert_eq!(names, ["main.allocBig", "main.main", "runtime.main"]);
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
        assert_eq!(p.profile.samples.get(1).locations.len(), 1);
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

    #[test]
    fn go_ints() {
        assert_eq!(parse_go_int("0x10"), Some(16));
        assert_eq!(parse_go_int("010"), Some(8));
        assert_eq!(parse_go_int("-5"), Some(-5));
        assert_eq!(parse_go_int("1_000"), Some(1000));
        assert_eq!(parse_go_int("x"), None);
    }
}
