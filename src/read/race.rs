//! The data race detector's reports (`go build -race`, `go test -race`):
//! each report from `WARNING: DATA RACE` to the next `==================`
//! line is one race, whose access stacks become records.
//!
//! ```text
//! ==================
//! WARNING: DATA RACE
//! Read at 0x00c0000ac008 by goroutine 9:
//!   main.(*stats).bump()
//!       example.com/racy/main.go:24 +0x77
//!
//! Previous write at 0x00c0000ac008 by main goroutine:
//!   main.(*stats).bump()
//!       example.com/racy/main.go:24 +0x89
//!
//! Goroutine 9 (running) created at:
//!   main.counters()
//!       example.com/racy/main.go:32 +0x84
//! ==================
//! Found 1 data race(s)
//! ```
//!
//! Each access stack (`Read at ADDR by goroutine N:`, `Previous write ...`,
//! `Write by main goroutine:` of old runtimes without the address) is one
//! record of value 1 (type `race`, a count), frames leaf first, with the
//! labels:
//!
//! - `race`: which report, from 1, in the order printed;
//! - `access`: the access in lower case (`read`, `write`, `previous
//!   read`, `previous write`);
//! - `address`: the address, when printed;
//! - `goroutine`: the goroutine's id, or `main` (`by main goroutine`);
//! - `goroutine_state` and `created_at`: from the report's `Goroutine N
//!   (running|finished) created at:` block for that goroutine, its state
//!   and its creation stack's top function;
//! - `test`: under `go test -v`, the test last started or continued
//!   (`=== RUN`, `=== CONT`) before the report.
//!
//! `[failed to restore the stack]` is kept as a frame of that text. Text
//! outside the reports (a program's output, a test's log lines) is skipped
//! and counted in a note; `Found N data race(s)` and the test runner's
//! `testing.go:N: race detected during execution of test` lines become
//! header comments, with a first one that names the kind and counts the
//! races (`summary` shows them). Inside a report, a line that is none of
//! the above, or a function line without its file line, is an error
//! naming the line.

use std::io;

use crate::error::{Error, Result};
use crate::read::profile::measurement::value;
use crate::read::RecordSource;
use crate::record::{Frame, Header, HeaderField, Names, Record};
use crate::units::Dimension;

/// The line that opens and closes a report.
pub const SEPARATOR: &str = "==================";

/// The line that starts a report, after [`SEPARATOR`].
pub const WARNING: &str = "WARNING: DATA RACE";

/// One access of a race, as printed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// The 1-based line of its header.
    pub line: usize,
    /// `read`, `write`, `previous write`, ... (lower case).
    pub kind: String,
    /// The address, when printed (`0x00c0000ac008`).
    pub address: Option<String>,
    /// The goroutine's id; `None` for `main goroutine`.
    pub goroutine: Option<u64>,
    /// Frames, leaf first: function and `file:line` (empty for
    /// `[failed to restore the stack]`).
    pub frames: Vec<(String, String)>,
}

/// A `Goroutine N (STATE) created at:` block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Creation {
    /// The goroutine's id.
    pub goroutine: u64,
    /// `running` or `finished`.
    pub state: String,
    /// The creation stack, leaf first, as [`Access::frames`].
    pub frames: Vec<(String, String)>,
}

/// One report: one race.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Race {
    /// The 1-based line of its `WARNING: DATA RACE`.
    pub line: usize,
    /// The test last started or continued before it (`go test -v`).
    pub test: Option<String>,
    /// The accesses, in printed order.
    pub accesses: Vec<Access>,
    /// The creation blocks, in printed order.
    pub created: Vec<Creation>,
}

/// A parsed race detector output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaceReport {
    /// The reports, in printed order.
    pub races: Vec<Race>,
    /// The count of the final `Found N data race(s)` line, when printed.
    pub found: Option<u64>,
    /// The test runner's `testing.go:N: race detected during execution of
    /// test` lines: count and the first, trimmed.
    pub test_failures: (u64, String),
    /// Lines outside the reports that were skipped: count, first line
    /// number and its text.
    pub skipped: (u64, usize, String),
}

impl RaceReport {
    /// The number of access stacks (records).
    pub fn accesses(&self) -> usize {
        self.races.iter().map(|r| r.accesses.len()).sum()
    }
}

/// True when `text` holds a race detector report: a `WARNING: DATA RACE`
/// line at column 0 comes before any goroutine header and any traces
/// separator line.
pub(crate) fn looks_like_race(text: &str) -> bool {
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line == WARNING {
            return true;
        }
        if line.starts_with("-----------+")
            || (line.starts_with("goroutine ")
                && crate::read::goroutine_dump::parse_header(line).is_some())
        {
            return false;
        }
    }
    false
}

/// An access header: kind, address, goroutine (`None`: main).
fn parse_access(line: &str) -> Option<(String, Option<String>, Option<u64>)> {
    let body = line.strip_suffix(':')?;
    let (head, who) = body.rsplit_once(" by ")?;
    let goroutine = if who == "main goroutine" {
        None
    } else {
        let id = who.strip_prefix("goroutine ")?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(id.parse().ok()?)
    };
    let (kind, address) = match head.rsplit_once(" at ") {
        Some((kind, addr))
            if addr.starts_with("0x")
                && addr.len() > 2
                && addr[2..].bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            (kind, Some(addr.to_owned()))
        }
        _ => (head, None),
    };
    let first = kind.bytes().next()?;
    if !first.is_ascii_uppercase() || !kind.bytes().all(|b| b.is_ascii_alphabetic() || b == b' ') {
        return None;
    }
    Some((kind.to_lowercase(), address, goroutine))
}

/// A creation header `Goroutine N (STATE) created at:`: id and state.
fn parse_creation(line: &str) -> Option<(u64, String)> {
    let rest = line.strip_prefix("Goroutine ")?.strip_suffix(") created at:")?;
    let (id, state) = rest.split_once(" (")?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((id.parse().ok()?, state.to_owned()))
}

/// A frame line `  pkg.func()`: the function.
fn parse_frame(line: &str) -> Option<&str> {
    let body = line.strip_prefix("  ")?;
    if body.starts_with(' ') || body.starts_with('\t') {
        return None;
    }
    let body = body.trim_end();
    let name = body.strip_suffix("()")?;
    (!name.is_empty()).then_some(name)
}

/// A file line `      file.go:24 +0x77`: its `file:line`.
fn parse_position(line: &str) -> Option<&str> {
    if !(line.starts_with("    ") || line.starts_with('\t')) {
        return None;
    }
    let body = line.trim();
    // ` +0x77` after the line number, and nothing else.
    let body = match body.split_once(" +0x") {
        Some((body, offset)) => {
            if offset.is_empty() || !offset.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            body
        }
        None => body,
    };
    let (file, n) = body.rsplit_once(':')?;
    (!file.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(body)
}

/// The frame a stack that could not be restored shows.
pub const FAILED_STACK: &str = "[failed to restore the stack]";

/// Parses a race detector's output. Errors carry the 1-based line.
pub fn parse(text: &str) -> Result<RaceReport, (usize, String)> {
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut out = RaceReport::default();
    let mut test: Option<String> = None;
    let mut i = 0;
    let skip = |out: &mut RaceReport, n: usize, line: &str| {
        if out.skipped.0 == 0 {
            out.skipped.1 = n;
            out.skipped.2 = line.to_owned();
        }
        out.skipped.0 += 1;
    };
    while i < lines.len() {
        let line = lines[i];
        let n = i + 1;
        i += 1;
        // The opening separator; it may be glued to output written
        // without a final newline (`97.72 % 0==================`).
        if line == SEPARATOR && lines.get(i) == Some(&WARNING) {
            continue;
        }
        if line == WARNING {
            i -= 1;
            let race = parse_race(&lines, &mut i, test.clone())?;
            out.races.push(race);
            continue;
        }
        if let Some(rest) = line.strip_prefix("Found ") {
            if let Some(count) = rest.strip_suffix(" data race(s)").and_then(|c| c.parse().ok()) {
                out.found = Some(count);
                continue;
            }
        }
        let trimmed = line.trim();
        if trimmed.ends_with(": race detected during execution of test") {
            if out.test_failures.0 == 0 {
                out.test_failures.1 = trimmed.to_owned();
            }
            out.test_failures.0 += 1;
            continue;
        }
        for start in ["=== RUN ", "=== CONT "] {
            if let Some(name) = line.strip_prefix(start).map(str::trim) {
                if !name.is_empty() {
                    test = Some(name.to_owned());
                }
            }
        }
        if !trimmed.is_empty() {
            skip(&mut out, n, line);
        }
    }
    if out.races.is_empty() {
        return Err((
            0,
            format!("expected a race report (`{SEPARATOR}`, `{WARNING}`), found none"),
        ));
    }
    Ok(out)
}

/// One report, from its `WARNING: DATA RACE` line (at `i`) to its
/// closing separator; `i` ends past it.
fn parse_race(
    lines: &[&str],
    i: &mut usize,
    test: Option<String>,
) -> Result<Race, (usize, String)> {
    let mut race = Race { line: *i + 1, test, ..Race::default() };
    *i += 1;
    loop {
        let Some(&line) = lines.get(*i) else {
            return Err((
                race.line,
                format!("the race report that starts here has no closing `{SEPARATOR}` line"),
            ));
        };
        let n = *i + 1;
        *i += 1;
        if line == SEPARATOR {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        if let Some((kind, address, goroutine)) = parse_access(line) {
            let frames = parse_stack(lines, i)?;
            race.accesses.push(Access { line: n, kind, address, goroutine, frames });
        } else if let Some((goroutine, state)) = parse_creation(line) {
            let frames = parse_stack(lines, i)?;
            race.created.push(Creation { goroutine, state, frames });
        } else {
            return Err((
                n,
                format!(
                    "expected an access (`Read at 0x... by goroutine N:`), a creation \
                     (`Goroutine N (running) created at:`), a blank line or `{SEPARATOR}` in \
                     the race report that starts at line {}, found {line:?}",
                    race.line
                ),
            ));
        }
    }
    if race.accesses.is_empty() {
        return Err((
            race.line,
            "expected the race report that starts here to have an access stack, found none".into(),
        ));
    }
    Ok(race)
}

/// The frames after an access or creation header, up to a blank line or
/// the separator.
fn parse_stack(lines: &[&str], i: &mut usize) -> Result<Vec<(String, String)>, (usize, String)> {
    let mut frames = Vec::new();
    while let Some(&line) = lines.get(*i) {
        if line.trim().is_empty() || line == SEPARATOR {
            break;
        }
        let n = *i + 1;
        *i += 1;
        if line.trim() == FAILED_STACK {
            frames.push((FAILED_STACK.to_owned(), String::new()));
            continue;
        }
        let Some(function) = parse_frame(line) else {
            return Err((
                n,
                format!("expected a frame `  function()` of a race report's stack, found {line:?}"),
            ));
        };
        let Some(position) = lines.get(*i).and_then(|l| parse_position(l)) else {
            return Err((
                n + 1,
                format!(
                    "expected the file line (indented FILE:LINE) of {function}, found {:?}",
                    lines.get(*i).copied().unwrap_or_default()
                ),
            ));
        };
        *i += 1;
        frames.push((function.to_owned(), position.to_owned()));
    }
    Ok(frames)
}

/// The records of a race detector's output.
pub struct RaceSource {
    name: String,
    header: Header,
    report: RaceReport,
    frame_lines: bool,
    /// The next race and access.
    next: (usize, usize),
    index: u64,
}

/// Reads a race detector's output; with `frame_lines`, frames are
/// `func file:line`, as pprof's `-lines` names them.
pub fn open(name: &str, text: &str, frame_lines: bool) -> Result<RaceSource> {
    let report = parse(text).map_err(|(line, msg)| {
        let path = if line == 0 { name.to_owned() } else { format!("{name}:{line}") };
        Error::Io { path, source: io::Error::new(io::ErrorKind::InvalidData, msg) }
    })?;
    let races = report.races.len();
    let mut lines = vec![(
        HeaderField::Comment,
        format!(
            "data race report: {races} race{}, {} access stacks",
            if races == 1 { "" } else { "s" },
            report.accesses()
        ),
    )];
    if let Some(found) = report.found {
        lines.push((HeaderField::Comment, format!("Found {found} data race(s)")));
    }
    if report.test_failures.0 > 0 {
        lines.push((
            HeaderField::Comment,
            format!("{} (×{})", report.test_failures.1, report.test_failures.0),
        ));
    }
    lines.push((HeaderField::Type, "Type: race".to_owned()));
    Ok(RaceSource {
        name: name.to_owned(),
        header: Header { lines },
        report,
        frame_lines,
        next: (0, 0),
        index: 0,
    })
}

impl RaceSource {
    /// The parsed report.
    pub fn report(&self) -> &RaceReport {
        &self.report
    }
}

impl RecordSource for RaceSource {
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
        let (r, a) = self.next;
        let Some(race) = self.report.races.get(r) else { return Ok(false) };
        let access = &race.accesses[a];
        self.next = if a + 1 < race.accesses.len() { (r, a + 1) } else { (r + 1, 0) };
        self.index += 1;
        rec.clear();
        rec.index = self.index;
        rec.line = access.line as u64;
        rec.push_label("race", &(r + 1).to_string());
        rec.push_label("access", &access.kind);
        if let Some(addr) = &access.address {
            rec.push_label("address", addr);
        }
        match access.goroutine {
            Some(id) => {
                rec.push_label("goroutine", &id.to_string());
                if let Some(c) = race.created.iter().find(|c| c.goroutine == id) {
                    rec.push_label("goroutine_state", &c.state);
                    if let Some((top, _)) = c.frames.first() {
                        rec.push_label("created_at", top);
                    }
                }
            }
            None => rec.push_label("goroutine", "main"),
        }
        if let Some(test) = &race.test {
            rec.push_label("test", test);
        }
        rec.set_value(value(1, "count"), "1");
        for (name, pos) in &access.frames {
            let name = if self.frame_lines && !pos.is_empty() {
                names.intern(&format!("{name} {pos}"))
            } else {
                names.intern(name)
            };
            rec.frames.push(Frame { name, inline: false });
        }
        Ok(true)
    }
    fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (n, line, text) = &self.report.skipped;
        if *n > 0 {
            out.push(format!(
                "{}: {n} line{} outside race reports skipped (first at line {line}: {text:?})",
                self.name,
                if *n == 1 { "" } else { "s" }
            ));
        }
        if let Some(found) = self.report.found {
            let read = self.report.races.len() as u64;
            if found != read {
                out.push(format!(
                    "{}: the detector says `Found {found} data race(s)`, {read} reports read",
                    self.name
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = concat!(
        "log line\n",
        "==================\n",
        "WARNING: DATA RACE\n",
        "Read at 0x00c0000ac008 by goroutine 9:\n",
        "  main.(*stats).bump()\n",
        "      example.com/racy/main.go:24 +0x77\n",
        "\n",
        "Previous write by main goroutine:\n",
        "  [failed to restore the stack]\n",
        "\n",
        "Goroutine 9 (finished) created at:\n",
        "  main.counters()\n",
        "      example.com/racy/main.go:32 +0x84\n",
        "==================\n",
        "Found 1 data race(s)\n",
    );

    #[test]
    fn reads_accesses_and_creations() {
        let r = parse(REPORT).unwrap();
        assert_eq!(r.races.len(), 1);
        assert_eq!(r.found, Some(1));
        assert_eq!(r.skipped, (1, 1, "log line".to_owned()));
        let race = &r.races[0];
        assert_eq!(race.line, 3);
        assert_eq!(race.accesses[0].kind, "read");
        assert_eq!(race.accesses[0].address.as_deref(), Some("0x00c0000ac008"));
        assert_eq!(race.accesses[0].goroutine, Some(9));
        assert_eq!(
            race.accesses[0].frames,
            [("main.(*stats).bump".to_owned(), "example.com/racy/main.go:24".to_owned())]
        );
        assert_eq!(race.accesses[1].kind, "previous write");
        assert_eq!(race.accesses[1].address, None);
        assert_eq!(race.accesses[1].goroutine, None);
        assert_eq!(race.accesses[1].frames[0].0, FAILED_STACK);
        assert_eq!(race.created[0].state, "finished");
        assert!(looks_like_race(REPORT));
        assert!(!looks_like_race("goroutine 1 [running]:\nWARNING: DATA RACE\n"));
    }

    #[test]
    fn errors_name_the_line() {
        let cut = REPORT.replace("      example.com/racy/main.go:24 +0x77\n", "");
        assert_eq!(parse(&cut).unwrap_err().0, 6);
        let odd = REPORT.replace("Previous write by main goroutine:", "Something else");
        assert_eq!(parse(&odd).unwrap_err().0, 8);
        let open = &REPORT[..REPORT.find("==================\nFound").unwrap()];
        assert_eq!(parse(open).unwrap_err().0, 3);
        assert_eq!(parse("no race\n").unwrap_err().0, 0);
        let odd = REPORT.replace("main.go:24 +0x77", "main.go:24 +0x77 extra");
        assert_eq!(parse(&odd).unwrap_err().0, 6);
    }
}
