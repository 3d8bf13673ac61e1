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
//! blocks (register dumps, `exit status 2`) is skipped and counted in a
//! note. A frame line without its file line, a header without `]:`, or a
//! file line without a function before it is an error naming the line.

use std::io;

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
}

/// A header `goroutine N [...]:`: id and the bracket's text.
pub fn parse_header(line: &str) -> Option<(u64, &str)> {
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

/// True when `text` is a goroutine dump: a goroutine header comes before
/// any traces separator line.
pub fn looks_like_dump(text: &str) -> bool {
    for line in text.lines().take(2000) {
        let line = line.trim_end_matches('\r');
        if line.starts_with("-----------+") {
            return false;
        }
        if parse_header(line).is_some() {
            return true;
        }
    }
    false
}

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
            out.push(("state".to_owned(), part.to_owned()));
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

/// The `file:line` of a file line, without offset and registers.
fn file_position(line: &str) -> &str {
    let body = line.trim_start();
    let body = body.split(" +0x").next().unwrap_or(body);
    let body = body.split(" fp=").next().unwrap_or(body);
    body.split(" pc=").next().unwrap_or(body).trim_end()
}

/// Parses a dump. Errors carry the 1-based line.
pub fn parse(text: &str) -> Result<Dump, (usize, String)> {
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut dump = Dump::default();
    let mut i = 0;
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
            if line.trim().is_empty() || parse_header(line).is_some() {
                break;
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
                continue;
            }
            if trimmed.starts_with("...") && trimmed.ends_with("elided...") {
                if !in_ancestors {
                    g.frames.push((trimmed.to_owned(), false));
                    g.positions.push(String::new());
                }
                continue;
            }
            if is_file_line(line) {
                return Err((
                    n,
                    format!("expected a function line `name(args)` before this file line, found {line:?}"),
                ));
            }
            let file_follows = |i: usize| lines.get(i).is_some_and(|l| is_file_line(l));
            if let Some(creator) = line.strip_prefix("created by ") {
                let creator = match creator.rfind(" in goroutine ") {
                    Some(k) if creator[k + 14..].bytes().all(|b| b.is_ascii_digit()) => {
                        &creator[..k]
                    }
                    _ => creator,
                };
                if !in_ancestors {
                    g.labels.push(("created_by".to_owned(), creator.to_owned()));
                }
                if file_follows(i) {
                    i += 1;
                }
                continue;
            }
            let Some((name, inline)) = frame_name(line) else {
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
            if file_follows(i) {
                position = file_position(lines[i]).to_owned();
                i += 1;
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
                let name = if name == "panic" { "runtime.gopanic" } else { name };
                g.frames.push((name.to_owned(), inline));
                g.positions.push(position);
            }
        }
        dump.goroutines.push(g);
    }
    if !seen_goroutine {
        return Err((0, "expected a goroutine header `goroutine N [state]:`, found none".into()));
    }
    Ok(dump)
}

/// The records of a goroutine dump.
pub struct DumpSource {
    name: String,
    header: Header,
    dump: Dump,
    frame_lines: bool,
    next: usize,
}

/// Reads a goroutine dump; with `frame_lines`, frames are
/// `func file:line`, as pprof's `-lines` names them.
pub fn open(name: &str, text: &str, frame_lines: bool) -> Result<DumpSource> {
    let dump = parse(text).map_err(|(line, msg)| {
        let path = if line == 0 { name.to_owned() } else { format!("{name}:{line}") };
        Error::Io { path, source: io::Error::new(io::ErrorKind::InvalidData, msg) }
    })?;
    let mut lines: Vec<(HeaderField, String)> =
        dump.preamble.iter().map(|l| (HeaderField::Comment, l.clone())).collect();
    lines.push((HeaderField::Type, "Type: goroutine".to_owned()));
    Ok(DumpSource { name: name.to_owned(), header: Header { lines }, dump, frame_lines, next: 0 })
}

impl DumpSource {
    /// The parsed dump.
    pub fn dump(&self) -> &Dump {
        &self.dump
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
        let labels = header_labels("sleep, synctest group 3, labels:{\"a\": \"b\", \"c\": \"d\"}");
        assert_eq!(labels[1], ("synctest_group".to_owned(), "3".to_owned()));
        assert_eq!(labels[3], ("c".to_owned(), "d".to_owned()));
    }
}
