//! The reader's forgiveness layer: pasted and captured reports.
//!
//! People hold traces reports that went through a blog, a chat, a GitHub
//! issue or a terminal: leading whitespace stripped, the last block cut
//! off, `...` where frames were left out, `// channel send` after a frame,
//! the shell prompt and other pprof commands' output around the report,
//! Markdown fences, `> ` quote markers, HTML escapes. [`repair`] turns such
//! text back into a clean traces report (or `-raw` text) that the normal
//! readers read, and says what it did ([`Repair`], one entry per kind with
//! its count and first line).
//!
//! A repair never invents or changes a value or a frame: a line is either
//! kept, re-indented, cut of an annotation, or dropped, each only where the
//! text gives the evidence (a function's shape, indentation lost in the
//! whole report, padding the separators show); a line no repair places is
//! [`Unplaced`], and the input is refused there. Long inputs are repaired
//! as they stream (`RepairStream`, `TailGuard`). A sample whose
//! value or stack cannot be known (a block cut before its value line ends,
//! the tail of a block an excerpt starts in) is skipped and counted; frames
//! that were left out are marked by one frame named [`ELIDED_FRAME`], so a
//! stack is never silently joined across a gap. Text that shows no damage
//! is left alone: what the streaming parser reads today is not repaired.

use std::borrow::Cow;

use crate::frame::{split_inline, INLINE_SUFFIX};
use crate::read::raw;
use crate::read::traces::{classify, Line, FRAME_INDENT, SEPARATOR};
use crate::record::{Header, HeaderField};
use crate::units::parse_value;

pub use crate::frame::ELIDED_FRAME;

/// True for the frame name [`repair`] gives frames left out of a stack.
pub fn is_elided(name: &str) -> bool {
    name == ELIDED_FRAME
}

/// What [`crate::read::open_source`] does with damaged text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PasteMode {
    /// Read the text as it is (the library's default): damage is whatever
    /// error the reader finds.
    #[default]
    Off,
    /// Repair pasted and captured text and report each kind of repair (the
    /// command line's default).
    Repair,
    /// Refuse text that needs a repair: an error at the first damaged line
    /// (the command line's `--strict`).
    Refuse,
}

/// The kinds of damage [`repair`] undoes, in the order it looks for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RepairKind {
    /// `&lt;` `&gt;` `&amp;` `&quot;` `&#39;` decoded (HTML copies).
    HtmlEscapes,
    /// Non-breaking spaces (U+00A0, what HTML copies indent with) made spaces.
    NonBreakingSpaces,
    /// `> ` Markdown or e-mail quote markers removed from every line.
    QuoteMarkers,
    /// Markdown code fences and the prose around them dropped.
    MarkdownFence,
    /// Shell prompts and command lines (`$ go tool pprof ...`) dropped.
    ShellCommand,
    /// pprof's banner, `(pprof)` prompts and other commands' output dropped.
    PprofSession,
    /// One block quoted without separators: separators added around it.
    LoneBlock,
    /// Prose before a block quoted alone dropped.
    Prose,
    /// The tail of a block an excerpt starts in (before the first
    /// separator, with no header): its sample is skipped.
    CutStart,
    /// Lines whose leading whitespace was stripped or collapsed, re-indented
    /// by their place in the block.
    Indentation,
    /// Comments and emoji after a frame (`   // channel send`) removed.
    Annotation,
    /// Trailing spaces after a frame removed.
    TrailingSpace,
    /// Elision lines (`...`, `// 20 lines omitted`): frames left out are
    /// one [`ELIDED_FRAME`]; a block whose value line was left out is skipped.
    Elision,
    /// The last block cut off (no closing separator, or cut mid-line): its
    /// missing callers are one [`ELIDED_FRAME`]; a block cut before its
    /// frames is skipped.
    CutEnd,
    /// Text after the last block (`(pprof) quit`, the next shell prompt,
    /// prose, blank lines) dropped.
    TextAfterReport,
    /// Tabs in the indentation (`unexpand`) expanded to pprof's spaces.
    Tabs,
    /// Lines that no repair places with certainty (prose, a wrapped piece
    /// of a line, a reply inside a quoted report): with `--lenient`, their
    /// blocks are skipped and counted; else the input is refused there.
    Unplaced,
}

impl RepairKind {
    /// The kind's stable name (`indentation`, ...).
    pub fn name(self) -> &'static str {
        match self {
            RepairKind::HtmlEscapes => "html-escapes",
            RepairKind::NonBreakingSpaces => "non-breaking-spaces",
            RepairKind::QuoteMarkers => "quote-markers",
            RepairKind::MarkdownFence => "markdown-fence",
            RepairKind::ShellCommand => "shell-command",
            RepairKind::PprofSession => "pprof-session",
            RepairKind::LoneBlock => "lone-block",
            RepairKind::Prose => "prose",
            RepairKind::CutStart => "cut-start",
            RepairKind::Indentation => "indentation",
            RepairKind::Annotation => "annotation",
            RepairKind::TrailingSpace => "trailing-space",
            RepairKind::Elision => "elision",
            RepairKind::CutEnd => "cut-end",
            RepairKind::TextAfterReport => "text-after-report",
            RepairKind::Tabs => "tabs",
            RepairKind::Unplaced => "unplaced",
        }
    }

    /// What was done, in words, for a line of text.
    pub(crate) fn description(self) -> &'static str {
        match self {
            RepairKind::HtmlEscapes => "decoded HTML escapes in",
            RepairKind::NonBreakingSpaces => "made non-breaking spaces plain in",
            RepairKind::QuoteMarkers => "removed quote markers from",
            RepairKind::MarkdownFence => "dropped Markdown fences and prose:",
            RepairKind::ShellCommand => "dropped shell prompts and commands:",
            RepairKind::PprofSession => "dropped pprof's banner, prompts and other output:",
            RepairKind::LoneBlock => "added separators around a block quoted alone at",
            RepairKind::Prose => "dropped prose before the report:",
            RepairKind::CutStart => "dropped the end of a block the text starts in:",
            RepairKind::Indentation => "re-indented",
            RepairKind::Annotation => "removed annotations after frames in",
            RepairKind::TrailingSpace => "removed trailing spaces (padding) from",
            RepairKind::Elision => "marked elided frames as `...` for",
            RepairKind::CutEnd => "closed the cut-off last block at",
            RepairKind::TextAfterReport => "dropped text after the report:",
            RepairKind::Tabs => "expanded tabs (8 columns) in the indentation of",
            RepairKind::Unplaced => "skipped the blocks of lines no repair places (--lenient):",
        }
    }
}

/// One kind of repair made to an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repair {
    /// What kind of damage was repaired.
    pub kind: RepairKind,
    /// How many lines it touched.
    pub count: u64,
    /// The 1-based line (in the input as given) of the first of them.
    pub first_line: u64,
    /// That line's text, as given.
    pub first_text: String,
    /// Samples skipped because of it (value or stack unknown).
    pub skipped_samples: u64,
}

impl Repair {
    /// The repair in one line of words, without the input's name:
    /// `re-indented 12 lines (first at line 5: "net/http.readRequest")`.
    pub fn message(&self) -> String {
        let lines = if self.count == 1 { "line" } else { "lines" };
        let mut text = format!(
            "{} {} {lines} (first at line {}: {})",
            self.kind.description(),
            self.count,
            self.first_line,
            crate::error::quote(&self.first_text)
        );
        if self.skipped_samples > 0 {
            let s = if self.skipped_samples == 1 { "" } else { "s" };
            text.push_str(&format!(
                "; skipped {} sample{s} whose value or stack is unknown",
                self.skipped_samples
            ));
        }
        text
    }
}

/// What kind of text a repaired input holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PastedKind {
    /// A traces report.
    Traces,
    /// pprof's `-raw` text.
    Raw,
}

/// The outcome of [`repair`].
#[derive(Clone, Debug)]
pub struct Repaired {
    /// The clean text (`\n` line ends).
    pub text: String,
    /// For each line of `text`, the 1-based line of the input it came from.
    pub line_map: Vec<u64>,
    /// One entry per kind of repair made, in the order first met.
    pub repairs: Vec<Repair>,
    /// A traces report or `-raw` text.
    pub kind: PastedKind,
    /// The first line that no repair places with certainty (prose, a
    /// wrapped piece of a line, an annotation that is not one): without
    /// `lenient`, the input is refused there.
    pub unplaced: Option<Unplaced>,
    /// The filters pprof printed the report with, as the session around it
    /// shows them (`focus=copyPayload` for `(pprof) traces copyPayload`,
    /// `-focus=...` on a command line): the report then holds the focused
    /// samples only.
    pub filters: Vec<String>,
    /// What the text showed of its damage, for `RepairStream` to go on
    /// repairing the rest of a long input the same way.
    modes: Modes,
}

/// What the start of a long input shows of its damage: how each line after
/// it is repaired.
#[derive(Clone, Debug, Default)]
struct Modes {
    /// HTML escapes were decoded.
    html: bool,
    /// `> ` quote markers were removed (this many levels).
    quote_levels: usize,
    /// The indentation the whole report was indented by.
    indent: Option<String>,
    /// The evidence for repairs of single lines.
    evidence: Evidence,
}

/// A line of pasted text that no repair places with certainty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unplaced {
    /// Its 1-based line in the input.
    pub line: u64,
    /// Its text, as given.
    pub text: String,
    /// What it looks like, in a few words.
    pub looks_like: &'static str,
}

impl Unplaced {
    /// The error that refuses the input at this line.
    pub fn error(&self, name: &str) -> crate::error::Error {
        crate::error::Error::Parse {
            path: name.to_owned(),
            line: self.line,
            kind: crate::error::ParseErrorKind::Unplaced {
                line: self.text.clone(),
                looks_like: self.looks_like,
            },
        }
    }
}

impl Repaired {
    /// The input's line for a 1-based line of the repaired text (0 stays 0).
    pub(crate) fn original_line(&self, line: u64) -> u64 {
        match line {
            0 => 0,
            n => self.line_map.get(n as usize - 1).or(self.line_map.last()).copied().unwrap_or(n),
        }
    }
}

/// One line of the input: its 1-based number and its text.
#[derive(Clone, Debug)]
struct Src<'a> {
    no: u64,
    /// The line as read (borrowed from the input) or as repaired.
    text: Cow<'a, str>,
}

/// The repairs made so far, per kind.
#[derive(Default)]
struct Log {
    repairs: Vec<Repair>,
    /// The first line no repair places.
    unplaced: Option<Unplaced>,
    /// Filters the session around the report shows.
    filters: Vec<String>,
    /// What the whole text shows, and how unplaced lines are handled.
    evidence: Evidence,
    /// The whole-text repairs made, for the lines of a long input after the
    /// part repaired whole.
    modes: Modes,
}

/// What the whole text shows of its damage: the evidence a repair of one
/// line needs beyond the line itself.
#[derive(Clone, Copy, Debug, Default)]
struct Evidence {
    /// No frame line keeps pprof's 13 spaces: indentation was stripped or
    /// collapsed everywhere, so lines may be re-indented by their shape.
    indentation_lost: bool,
    /// Separator lines carry trailing spaces (a console copy padded to its
    /// width): trailing spaces of label lines are padding too.
    padded: bool,
    /// `--lenient`: a block with an unplaced line is skipped and counted.
    lenient: bool,
}

impl Log {
    fn note(&mut self, kind: RepairKind, line: &Src) {
        self.note_n(kind, line, 1);
    }

    fn note_n(&mut self, kind: RepairKind, line: &Src, n: u64) {
        match self.repairs.iter_mut().find(|r| r.kind == kind) {
            Some(r) => r.count += n,
            None => self.repairs.push(Repair {
                kind,
                count: n,
                first_line: line.no,
                first_text: line.text.clone().into_owned(),
                skipped_samples: 0,
            }),
        }
    }

    /// A line no repair places: the first is kept for the refusal.
    fn unplaced(&mut self, line: &Src, looks_like: &'static str) {
        if self.unplaced.as_ref().is_none_or(|u| u.line > line.no) {
            self.unplaced =
                Some(Unplaced { line: line.no, text: line.text.clone().into_owned(), looks_like });
        }
    }

    fn merge(&mut self, other: Log) {
        if let Some(u) = other.unplaced {
            if self.unplaced.as_ref().is_none_or(|mine| mine.line > u.line) {
                self.unplaced = Some(u);
            }
        }
        for r in other.repairs {
            match self.repairs.iter_mut().find(|m| m.kind == r.kind) {
                Some(m) => {
                    m.count += r.count;
                    m.skipped_samples += r.skipped_samples;
                }
                None => self.repairs.push(r),
            }
        }
    }

    fn skip(&mut self, kind: RepairKind, line: &Src) {
        self.note(kind, line);
        if let Some(r) = self.repairs.iter_mut().find(|r| r.kind == kind) {
            r.skipped_samples += 1;
        }
    }
}

/// Repairs pasted or captured text. `complete` is false when `text` is only
/// the start of the input (then its last, possibly partial, line and the
/// block it is in are not judged). With no damage found, `repairs` is
/// empty and the input can be read as it is.
pub fn repair(text: &str, complete: bool) -> Repaired {
    repair_with(text, complete, false)
}

/// [`repair`], with `lenient` saying what becomes of a block holding a line
/// no repair places: skipped and counted ([`RepairKind::Unplaced`]), or
/// (without it) kept as it is and named in [`Repaired::unplaced`], for the
/// caller to refuse the input there.
pub(crate) fn repair_with(text: &str, complete: bool, lenient: bool) -> Repaired {
    let mut lines: Vec<Src> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| Src {
            no: i as u64 + 1,
            text: Cow::Borrowed(l.strip_suffix('\r').unwrap_or(l)),
        })
        .collect();
    let ends_with_newline = text.ends_with('\n') || text.is_empty();
    // The piece after the last `\n`: empty, a line without its end, or (for
    // a head) a partial line.
    if ends_with_newline || !complete {
        lines.pop();
    }
    let last_line_cut = complete && !ends_with_newline;
    let mut log = Log::default();
    log.evidence.lenient = lenient;
    if memchr::memchr(b'\t', text.as_bytes()).is_some() {
        tabs(&mut lines, &mut log);
    }
    // Whole-text checks first: most text has none of these characters.
    let bytes = text.as_bytes();
    if memchr::memchr(b'&', bytes).is_some()
        || memchr::memmem::find(bytes, "\u{a0}".as_bytes()).is_some()
    {
        characters(&mut lines, &mut log);
    }
    if memchr::memchr(b'>', bytes).is_some() {
        quote_markers(&mut lines, &mut log);
    }
    fences(&mut lines, &mut log);
    let unchanged = |lines: Vec<Src>, log: Log| Repaired {
        line_map: lines.iter().map(|l| l.no).collect(),
        text: join(&lines),
        repairs: log.repairs,
        kind: PastedKind::Traces,
        unplaced: log.unplaced,
        filters: log.filters,
        modes: Modes { evidence: log.evidence, ..log.modes },
    };
    let Some(first_sep) = lines.iter().position(|l| is_separator(&l.text)) else {
        if raw_text(&mut lines, &mut log) {
            return Repaired { kind: PastedKind::Raw, ..unchanged(lines, log) };
        }
        return match lone_block(&lines, &mut log) {
            Some(out) => unchanged(out, log),
            // Neither a report nor `-raw` text: the reader says what it is.
            None => unchanged(lines, Log::default()),
        };
    };
    log.evidence.padded = lines.iter().any(|l| {
        is_separator(&l.text) && l.text.len() > SEPARATOR.len() && l.text.starts_with(SEPARATOR)
    });
    if log.evidence.padded {
        for line in lines[..first_sep].iter_mut() {
            if line.text.ends_with([' ', '\t']) && !line.text.trim().is_empty() {
                log.note(RepairKind::TrailingSpace, line);
                line.text = line.text.trim_end().to_owned().into();
            }
        }
    }
    let mut out = header(&lines[..first_sep], &mut log);
    blocks(&lines[first_sep..], complete, last_line_cut, &mut log, &mut out);
    unchanged(out, log)
}

/// Tabs in the leading whitespace (`unexpand`, an editor's tab setting):
/// expanded at 8 columns, as `expand` undoes `unexpand`, on the lines whose
/// indentation holds one. pprof never prints a tab there.
fn tabs(lines: &mut [Src], log: &mut Log) {
    for line in lines.iter_mut() {
        let indent = line.text.len() - line.text.trim_start_matches([' ', '\t']).len();
        if !line.text[..indent].contains('\t') {
            continue;
        }
        log.note(RepairKind::Tabs, line);
        let mut text = String::with_capacity(line.text.len() + 16);
        for c in line.text.chars() {
            if c == '\t' {
                let column = text.chars().count();
                text.extend(std::iter::repeat_n(' ', 8 - column % 8));
            } else {
                text.push(c);
            }
        }
        line.text = text.into();
    }
}

fn join(lines: &[Src]) -> String {
    let mut text = String::with_capacity(lines.iter().map(|l| l.text.len() + 1).sum());
    for l in lines {
        text.push_str(&l.text);
        text.push('\n');
    }
    text
}

fn is_separator(text: &str) -> bool {
    // Most lines start with something else than the separator's `-`.
    match first_char(text) {
        Some('-') => trim(text) == SEPARATOR,
        _ => false,
    }
}

/// `text` after its leading ASCII spaces, skipped byte by byte.
fn skip_spaces(text: &str) -> &str {
    &text[text.bytes().position(|b| b != b' ').unwrap_or(text.len())..]
}

/// `text.trim()`, the leading ASCII spaces of frame lines skipped first
/// byte by byte (the same result, for less work).
fn trim(text: &str) -> &str {
    skip_spaces(text).trim()
}

/// The first character of `text.trim()`, if any.
fn first_char(text: &str) -> Option<char> {
    let rest = skip_spaces(text);
    match rest.as_bytes().first() {
        Some(&b) if b.is_ascii_graphic() => Some(char::from(b)),
        _ => rest.trim_start().chars().next(),
    }
}

// ------------------------------------------------------------ wrappers --

/// HTML escapes and non-breaking spaces, where the text shows that an HTML
/// page made them. Escapes are decoded only when some line that is not a
/// label line holds one (a frame `&lt;unknown&gt;`, a header): label values
/// may hold `&amp;` as the program set them, and a valid report is never
/// changed. Non-breaking spaces become spaces where they stand for pprof's
/// layout (the indentation, or next to another space); one alone between
/// two characters is part of a label value and stays.
fn characters(lines: &mut [Src], log: &mut Log) {
    for line in lines.iter_mut() {
        if line.text.contains('\u{a0}') {
            let text = layout_spaces(&line.text);
            if text != *line.text {
                log.note(RepairKind::NonBreakingSpaces, line);
                line.text = text.into();
            }
        }
    }
    let html = lines
        .iter()
        .any(|l| escaped(&l.text) && !matches!(classify(&l.text), Ok(Line::Label { .. })));
    if !html {
        return;
    }
    log.modes.html = true;
    for line in lines.iter_mut() {
        decode_html(line, log);
    }
}

const ESCAPES: [(&str, &str); 6] = [
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", "\""),
    ("&#39;", "'"),
    ("&#x27;", "'"),
    ("&amp;", "&"),
];

/// A line that holds an HTML escape.
fn escaped(text: &str) -> bool {
    text.contains('&') && ESCAPES.iter().any(|(e, _)| text.contains(e))
}

/// Decodes the HTML escapes of one line of a text that shows them.
fn decode_html(line: &mut Src, log: &mut Log) {
    if escaped(&line.text) {
        log.note(RepairKind::HtmlEscapes, line);
        // `&amp;` last, so that `&amp;lt;` becomes `&lt;` as written.
        let mut text = line.text.clone().into_owned();
        for (from, to) in ESCAPES {
            text = text.replace(from, to);
        }
        line.text = text.into();
    }
}

/// `text` with the non-breaking spaces that stand for layout made spaces:
/// those of the indentation and those next to another space.
fn layout_spaces(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let blank = |c: Option<&char>| matches!(c, Some(' ' | '\u{a0}'));
    let leading = chars.iter().take_while(|&&c| c == ' ' || c == '\u{a0}').count();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let layout = i < leading
                || (i > 0 && blank(chars.get(i - 1)))
                || blank(chars.get(i + 1))
                || i + 1 == chars.len();
            if c == '\u{a0}' && layout {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// `> ` quote markers, when the report is inside the quote (a quoted
/// separator); nested quotes lose one level per round.
fn quote_markers(lines: &mut [Src], log: &mut Log) {
    loop {
        let quoted_separator =
            lines.iter().any(|l| l.text.trim_start().strip_prefix('>').is_some_and(is_separator));
        if !quoted_separator || lines.iter().any(|l| is_separator(&l.text)) {
            return;
        }
        log.modes.quote_levels += 1;
        for line in lines.iter_mut() {
            let trimmed = line.text.trim_start();
            if let Some(rest) = trimmed.strip_prefix('>') {
                log.note(RepairKind::QuoteMarkers, line);
                line.text = rest.strip_prefix(' ').unwrap_or(rest).to_owned().into();
            }
        }
    }
}

/// A Markdown code fence, or an HTML `<pre>` / `</pre>` line (GitHub
/// issue templates wrap output in them).
fn is_fence(text: &str) -> bool {
    if !matches!(first_char(text), Some('`' | '~' | '<')) {
        return false;
    }
    let t = trim(text);
    t.starts_with("```")
        || t.starts_with("~~~")
        || matches!(t, "<pre>" | "</pre>" | "<pre><code>" | "</code></pre>")
}

/// Markdown code fences: when a fenced block holds the report, only the
/// fenced lines are kept.
fn fences(lines: &mut Vec<Src>, log: &mut Log) {
    if !lines.iter().any(|l| is_fence(&l.text)) {
        return;
    }
    let mut inside = false;
    let mut fenced = Vec::with_capacity(lines.len());
    for line in lines.iter() {
        if is_fence(&line.text) {
            inside = !inside;
        }
        fenced.push(inside && !is_fence(&line.text));
    }
    let report_fenced = lines
        .iter()
        .zip(&fenced)
        .any(|(l, &f)| f && (is_separator(&l.text) || l.text.trim_end() == "Samples:"));
    let mut kept = Vec::with_capacity(lines.len());
    for (line, f) in lines.drain(..).zip(fenced) {
        let keep = if report_fenced { f } else { !is_fence(&line.text) };
        if keep {
            kept.push(line);
        } else if is_fence(&line.text) || !line.text.trim().is_empty() {
            log.note(RepairKind::MarkdownFence, &line);
        }
    }
    *lines = kept;
}

/// A shell prompt followed by a command (`$ go tool pprof -traces x`,
/// `user@host:~/svc$ curl ...`, `PS C:\svc> go tool pprof ...`), or a line
/// running pprof.
fn is_shell_command(text: &str) -> bool {
    let t = text.trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    if words.windows(3).any(|w| w == ["go", "tool", "pprof"]) || t.starts_with("pprof -") {
        return true;
    }
    const COMMANDS: [&str; 18] = [
        "go",
        "pprof",
        "curl",
        "wget",
        "cat",
        "zcat",
        "gzip",
        "gunzip",
        "head",
        "tail",
        "less",
        "more",
        "grep",
        "type",
        "Get-Content",
        "echo",
        "traces-tool",
        "sort",
    ];
    for marker in ["$ ", "# ", "% ", "> ", "❯ ", "➜ ", "λ "] {
        if let Some(i) = t.find(marker) {
            let (prefix, command) = (&t[..i], &t[i + marker.len()..]);
            let word = command.split_whitespace().next().unwrap_or("");
            // `# pprof comment`: old pprof's header comments are no root prompt.
            let root_without_host = marker == "# " && prefix.is_empty();
            if prompt_prefix(prefix) && COMMANDS.contains(&word) && !root_without_host {
                return true;
            }
        }
    }
    false
}

/// What may stand before a prompt's `$`: nothing, `user@host:~/dir`,
/// `[user@host dir]`, `PS C:\dir`, `C:\dir`.
fn prompt_prefix(prefix: &str) -> bool {
    prefix.len() <= 80
        && (!prefix.contains(char::is_whitespace)
            || prefix.starts_with("PS ")
            || (prefix.starts_with('[') && prefix.ends_with(']'))
            || prefix.starts_with('('))
}

/// A prompt with nothing typed after it (the last line of a capture).
fn is_bare_prompt(text: &str) -> bool {
    let t = text.trim();
    ["$", "#", "%", ">", "❯"]
        .iter()
        .any(|m| t.strip_suffix(m).is_some_and(|p| p.is_empty() || prompt_prefix(p)))
}

/// pprof's lines around an interactive session.
fn is_banner(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("Entering interactive mode (type \"help\" for commands")
        || t.starts_with("Fetching profile over HTTP from ")
        || t.starts_with("Saved profile in ")
}

/// The command after a `(pprof)` prompt, if the line is one.
fn pprof_prompt(text: &str) -> Option<&str> {
    text.trim_start().strip_prefix("(pprof)").map(str::trim)
}

/// `-raw` text after shell commands or pprof's banner: drops them (and
/// such lines after it). True when what is left is `-raw` text.
fn raw_text(lines: &mut Vec<Src>, log: &mut Log) -> bool {
    let junk = |t: &str| {
        t.trim().is_empty()
            || is_shell_command(t)
            || is_banner(t)
            || pprof_prompt(t).is_some()
            || is_bare_prompt(t)
            || is_elision(t)
    };
    let mut start = lines.iter().position(|l| !junk(&l.text)).unwrap_or(lines.len());
    let mut code_before = None;
    let body = |start: usize| -> String {
        lines[start..].iter().map(|l| &*l.text).collect::<Vec<&str>>().join("\n")
    };
    if !raw::looks_like_raw(&body(start)) {
        // A line or two of code or prose before the text (a test's
        // ``const expected = ` ``): dropped, and said, when what follows
        // is `-raw` text from its first line.
        let first = lines.iter().take(4).position(|l| l.text.starts_with("PeriodType: "));
        match first {
            Some(at) if at > start && raw::looks_like_raw(&body(at)) => {
                code_before = Some(start..at);
                start = at;
            }
            _ => return false,
        }
    }
    // Closing quotes or brackets of the code around it.
    let closing = |t: &str| {
        let t = t.trim();
        !t.is_empty() && t.chars().all(|c| matches!(c, '`' | '"' | '\'' | ';' | ')' | '}' | ','))
    };
    let end =
        lines.iter().rposition(|l| !junk(&l.text) && !closing(&l.text)).map_or(start, |i| i + 1);
    if let Some(code) = code_before {
        for line in &lines[code] {
            if !line.text.trim().is_empty() {
                log.note(RepairKind::Prose, line);
            }
        }
    }
    for (i, line) in lines.iter().enumerate() {
        if (i < start || i >= end) && !line.text.trim().is_empty() {
            if log.repairs.iter().any(|r| r.kind == RepairKind::Prose && r.first_line <= line.no)
                && i < start
                && !junk(&line.text)
            {
                continue;
            }
            let kind = if i >= end && closing(&line.text) {
                RepairKind::TextAfterReport
            } else if is_shell_command(&line.text) || is_bare_prompt(&line.text) {
                RepairKind::ShellCommand
            } else if is_elision(&line.text) {
                RepairKind::Elision
            } else {
                RepairKind::PprofSession
            };
            // The first line's `(pprof) ` prompt is read as it is.
            if !(i == 0 && line.text.starts_with("(pprof) ")) {
                log.note(kind, line);
            }
        }
    }
    lines.truncate(end);
    lines.drain(..start);
    true
}

/// One block quoted alone, without separators (as in a document that
/// shows the stack of one allocation): label lines, one value line and
/// frames, indented as pprof prints them. Its callers may go on: they are
/// one elided frame. Text around it stays header (before) or is dropped
/// (after); text with more than one value line is not read so.
fn lone_block<'a>(lines: &[Src<'a>], log: &mut Log) -> Option<Vec<Src<'a>>> {
    // Not a row of a `top` table (`715.66kB   0.7% 90.96% ...`).
    let is_value = |t: &str| {
        matches!(classify(t), Ok(Line::Value { token, frame })
            if parse_value(token).is_ok() && !frame.starts_with(|c: char| c.is_ascii_digit()))
    };
    let values: Vec<usize> = (0..lines.len()).filter(|&i| is_value(&lines[i].text)).collect();
    let [v] = values[..] else { return None };
    let mut start = v;
    while start > 0
        && lines[start - 1].text.contains(":  ")
        && matches!(classify(&lines[start - 1].text), Ok(Line::Label { .. }))
    {
        start -= 1;
    }
    let mut end = v + 1;
    while end < lines.len()
        && matches!(classify(&lines[end].text), Ok(Line::Frame { frame }) if !frame.starts_with(' '))
    {
        end += 1;
    }
    if end == v + 1 {
        return None;
    }
    // Nothing else may look like part of a block.
    let around = lines[..start].iter().chain(&lines[end..]);
    if around.clone().any(|l| is_block_line(&l.text) && !is_elision(&l.text)) {
        return None;
    }
    let mut out = Vec::new();
    for line in &lines[..start] {
        if is_header_field(&line.text) {
            out.push(line.clone());
        } else if !line.text.trim().is_empty() {
            log.note(RepairKind::Prose, line);
        }
    }
    if out.is_empty() {
        // pprof prints an empty line for a header without fields.
        out.push(Src { no: lines[start].no, text: Cow::Borrowed("") });
    }
    let first = &lines[start];
    log.note(RepairKind::LoneBlock, first);
    out.push(Src { no: first.no, text: Cow::Borrowed(SEPARATOR) });
    out.extend_from_slice(&lines[start..end]);
    let last = &lines[end - 1];
    log.note(RepairKind::CutEnd, last);
    out.push(Src { no: last.no, text: frame_line(ELIDED_FRAME).into() });
    out.push(Src { no: last.no, text: Cow::Borrowed(SEPARATOR) });
    for line in lines[end..].iter().filter(|l| !l.text.trim().is_empty()) {
        log.note(RepairKind::TextAfterReport, line);
    }
    Some(out)
}

// -------------------------------------------------------------- header --

/// The lines before the first separator: the session around the report is
/// dropped, and the end of a block an excerpt starts in.
fn header<'a>(lines: &[Src<'a>], log: &mut Log) -> Vec<Src<'a>> {
    let mut kept: Vec<Src> = Vec::new();
    let mut dropped: Vec<(RepairKind, Src)> = Vec::new();
    let mut other_output = false;
    for line in lines {
        if let Some(command) = pprof_prompt(&line.text) {
            dropped.extend(kept.drain(..).map(|l| (RepairKind::PprofSession, l)));
            let field = HeaderField::classify(command);
            if !matches!(field, HeaderField::Comment | HeaderField::Empty) {
                // `(pprof) File: x`: what `echo traces | go tool pprof` writes.
                kept.push(Src { no: line.no, text: command.to_owned().into() });
                other_output = false;
            } else {
                dropped.push((RepairKind::PprofSession, line.clone()));
                other_output = !(command.is_empty() || command.starts_with("traces"));
                // `traces PATTERN`, `focus=PATTERN`: the report holds the
                // focused samples; the command is kept as a comment line.
                if is_filter_command(command) {
                    log.filters.push(command.to_owned());
                }
            }
        } else if is_dots(&line.text) {
            // `...` where the header or a session was left out.
            dropped.push((RepairKind::Elision, line.clone()));
        } else if other_output || is_banner(&line.text) {
            dropped.push((RepairKind::PprofSession, line.clone()));
        } else if is_shell_command(&line.text) {
            dropped.push((RepairKind::ShellCommand, line.clone()));
            let probe = Header { lines: vec![(HeaderField::Comment, line.text.to_string())] };
            if line.text.contains("pprof") && !probe.filters().is_empty() {
                log.filters.push(line.text.trim().to_owned());
            }
        } else if line.text.starts_with(char::is_whitespace)
            && is_header_field(line.text.trim_start())
        {
            // `    Type: cpu` in a report indented as a whole.
            log.note(RepairKind::Indentation, line);
            kept.push(Src { no: line.no, text: line.text.trim_start().to_owned().into() });
        } else {
            kept.push(line.clone());
        }
    }
    // The tail of a block: lines after the header's last field (nothing
    // follows `Type:`, `Time:`, `Duration:`), or all lines when there is
    // no field at all, if they look like block lines.
    let fields: Vec<HeaderField> = kept.iter().map(|l| HeaderField::classify(&l.text)).collect();
    let tail_start = match fields.iter().rposition(|f| *f != HeaderField::Comment) {
        Some(i) if matches!(fields[i], HeaderField::File | HeaderField::BuildId) => kept.len(),
        Some(i) => i + 1,
        None => 0,
    };
    let tail = &kept[tail_start..];
    let only_elisions = tail.iter().all(|l| l.text.trim().is_empty() || is_elision(&l.text));
    if !tail.is_empty() && only_elisions && tail.iter().any(|l| is_elision(&l.text)) {
        // `...` where the header was left out: no block is cut.
        for line in tail.iter().filter(|l| is_elision(&l.text)) {
            log.note(RepairKind::Elision, line);
        }
        kept.truncate(tail_start);
    } else if !tail.is_empty() && tail.iter().any(|l| is_block_line(&l.text)) {
        log.skip(RepairKind::CutStart, &tail[0]);
        log.note_n(RepairKind::CutStart, &tail[0], tail.len() as u64 - 1);
        kept.truncate(tail_start);
    }
    // What the streaming reader keeps on its own: a `(pprof) ` prompt
    // restarts the header. Dropping only that is no repair.
    let mut today: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        match line.text.strip_prefix("(pprof) ") {
            Some(rest) => {
                if i > 0 {
                    today.clear();
                }
                today.push(rest);
            }
            None => today.push(&line.text),
        }
    }
    let mine: Vec<&str> = kept.iter().map(|l| &*l.text).collect();
    if mine != today {
        for (kind, line) in &dropped {
            log.note(*kind, line);
        }
    }
    // The commands that filtered the report, first, as comment lines (what
    // the reader keeps of a first `(pprof) traces PATTERN` line too).
    let no = kept.first().or(lines.first()).map_or(1, |l| l.no);
    let commands = log.filters.iter().map(|c| Src { no, text: Cow::Owned(c.clone()) });
    let already: Vec<String> = kept.iter().map(|l| l.text.to_string()).collect();
    let commands: Vec<Src> = commands.filter(|c| !already.contains(&c.text.to_string())).collect();
    kept.splice(0..0, commands);
    kept
}

/// A line that looks like part of a block: a frame, a value line or a
/// label line, indented or not, or an elision line.
fn is_block_line(text: &str) -> bool {
    if is_elision(text) {
        return true;
    }
    if let Ok(line) = classify(text) {
        return match line {
            Line::Value { token, .. } => parse_value(token).is_ok(),
            Line::Frame { .. } => true,
            Line::Label { values, .. } => !values.is_empty() && text.contains(":  "),
            Line::Separator => false,
        };
    }
    // A function at column 0: `net/http.(*conn).serve`, `main.main`.
    let t = text.trim();
    !t.is_empty()
        && !t.contains(char::is_whitespace)
        && t.contains('.')
        && !t.ends_with('.')
        && !t.ends_with(':')
}

// -------------------------------------------------------------- blocks --

/// A line of dots only: `...`, `…`, `. . .`.
fn is_dots(text: &str) -> bool {
    if !matches!(first_char(text), Some('.' | '…')) {
        return false;
    }
    let t = trim(text);
    let dots = t.chars().filter(|&c| c == '.').count();
    !t.is_empty()
        && (dots >= 3 || t.contains('…'))
        && t.chars().all(|c| matches!(c, '.' | '…' | ' '))
}

/// An elision line: `...`, `…`, `[...]`, `<snip>`, `// 20 lines omitted`,
/// `... 12 more frames`.
fn is_elision(text: &str) -> bool {
    // Every elision starts with one of these (dots only: `.` or `…`).
    if !matches!(first_char(text), Some('.' | '…' | '[' | '<' | '/')) {
        return false;
    }
    let t = trim(text);
    if is_dots(t) {
        return true;
    }
    matches!(t, "[...]" | "[…]" | "<snip>" | "[snip]" | "<...>")
        || t.starts_with("//")
        || ((t.starts_with("...") || t.starts_with('…'))
            && ["more", "omitted", "elided", "lines", "frames", "snip"]
                .iter()
                .any(|w| t.contains(w)))
}

/// Characters of emoji and pictographs (annotations, never in names).
fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0xFE0F | 0x200D | 0x2190..=0x21FF)
}

/// A frame without what a person wrote after it: a `//` or `#` comment,
/// an arrow, emoji, trailing spaces. Returns the frame and the kind of
/// what was removed, if anything.
fn strip_annotation(frame: &str) -> (&str, Option<RepairKind>) {
    // Every marker starts with a space or a tab: without them, only
    // trailing emoji could be cut (the frame's last character).
    if memchr::memchr2(b' ', b'\t', frame.as_bytes()).is_none()
        && frame.chars().next_back().is_none_or(|c| !c.is_whitespace() && !is_emoji(c))
    {
        return (frame, None);
    }
    let mut cut = frame.len();
    for marker in [" //", "\t//", " <-", " ←", " # "] {
        if let Some(i) = frame.find(marker) {
            cut = cut.min(i);
        }
    }
    let kept = frame[..cut].trim_end_matches(|c: char| c.is_whitespace() || is_emoji(c));
    if kept.len() == frame.len() || kept.is_empty() {
        (frame, None)
    } else if frame[kept.len()..].trim().is_empty() {
        (kept, Some(RepairKind::TrailingSpace))
    } else {
        (kept, Some(RepairKind::Annotation))
    }
}

/// A pprof command that filters the report it prints: `traces PATTERN`,
/// or an option set at the prompt (`focus=...`).
fn is_filter_command(command: &str) -> bool {
    let probe = Header { lines: vec![(HeaderField::Comment, command.to_owned())] };
    !probe.filters().is_empty()
}

/// `File: `, `Type: `... : a header line, not a label.
fn is_header_field(text: &str) -> bool {
    !matches!(HeaderField::classify(text), HeaderField::Comment | HeaderField::Empty)
}

/// `key: values` with its spaces collapsed or tabbed.
fn loose_label(body: &str) -> Option<(&str, &str)> {
    let token_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let key = body[..token_end].strip_suffix(':')?;
    Some((key, body[token_end..].trim()))
}

/// `VALUE leaf` with its spaces collapsed or tabbed.
fn loose_value(body: &str) -> Option<(&str, &str)> {
    let token_end = body.find(char::is_whitespace)?;
    let (token, frame) = (&body[..token_end], body[token_end..].trim_start());
    (!token.ends_with(':') && !frame.is_empty() && parse_value(token).is_ok())
        .then_some((token, frame))
}

fn label_line(key: &str, values: &str) -> String {
    format!("{key:>10}:  {values}")
}

fn value_line(token: &str, frame: &str) -> String {
    format!("{token:>10}   {frame}")
}

fn frame_line(frame: &str) -> String {
    format!("{:13}{frame}", "")
}

/// The lines from the first separator on.
fn blocks<'a>(
    lines: &[Src<'a>],
    complete: bool,
    last_line_cut: bool,
    log: &mut Log,
    out: &mut Vec<Src<'a>>,
) {
    // A report indented as a whole (a Markdown code block indented by 4
    // spaces): the separator's indentation comes off every line.
    let indent: String = lines[0].text.chars().take_while(|c| c.is_whitespace()).collect();
    let uniform = !indent.is_empty()
        && lines.iter().all(|l| l.text.trim().is_empty() || l.text.starts_with(&indent));
    let mut owned = Vec::new();
    if uniform {
        log.modes.indent = Some(indent.clone());
    }
    let lines = if uniform {
        owned.extend(lines.iter().map(|line| {
            if !line.text.trim().is_empty() {
                log.note(RepairKind::Indentation, line);
            }
            let text = line.text.get(indent.len()..).unwrap_or("").to_owned().into();
            Src { no: line.no, text }
        }));
        &owned[..]
    } else {
        lines
    };
    // What the whole report shows: indentation kept anywhere means a line
    // without it was not stripped; padded separators mean padded lines.
    log.evidence.indentation_lost = !lines.iter().any(|l| {
        let b = l.text.as_bytes();
        b.len() > FRAME_INDENT
            && b[..FRAME_INDENT].iter().all(|&c| c == b' ')
            && !b[FRAME_INDENT].is_ascii_whitespace()
    });
    let separators: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| is_separator(&l.text)).map(|(i, _)| i).collect();
    for (n, &at) in separators.iter().enumerate() {
        let sep = &lines[at];
        if sep.text != SEPARATOR && sep.text.trim_end() != SEPARATOR {
            log.note(RepairKind::Indentation, sep);
        }
        out.push(Src { no: sep.no, text: Cow::Borrowed(SEPARATOR) });
        match separators.get(n + 1) {
            Some(&next) => block(&lines[at + 1..next], true, false, log, out),
            None if complete => trailing(&lines[at + 1..], last_line_cut, log, out),
            // The head of a long input: its last block is read as it comes.
            None => out.extend_from_slice(&lines[at + 1..]),
        }
    }
}

/// What follows the last separator: nothing, the next prompt, prose, or a
/// block cut off.
fn trailing<'a>(lines: &[Src<'a>], last_line_cut: bool, log: &mut Log, out: &mut Vec<Src<'a>>) {
    let first = lines.iter().position(|l| !l.text.trim().is_empty());
    let Some(first) = first else {
        for line in lines {
            log.note(RepairKind::TextAfterReport, line);
        }
        return;
    };
    // `(pprof)` alone on the last line is read as it is.
    if lines.len() == 1 && lines[0].text.trim_end() == "(pprof)" {
        out.push(lines[0].clone());
        return;
    }
    let junk = lines
        .iter()
        .position(|l| {
            pprof_prompt(&l.text).is_some()
                || is_shell_command(&l.text)
                || is_bare_prompt(&l.text)
                || l.text.trim().is_empty()
        })
        .unwrap_or(lines.len());
    // A cut block holds a value line, or starts with a label line as pprof
    // prints it; anything else is prose.
    // Its leaf must have a function's shape: `3GB in prod after a day` is
    // prose, not a block.
    let starts_block = lines[..junk].iter().any(|l| {
        let body = l.text.trim_start();
        loose_value(body)
            .is_some_and(|(_, leaf)| crate::frame::is_qualified_name(strip_annotation(leaf).0))
            || matches!(classify(&l.text), Ok(Line::Value { token, frame })
                if parse_value(token).is_ok()
                    && crate::frame::unlike_a_frame(strip_annotation(frame).0).is_none())
    }) || (junk > 0 && first == 0 && lines[0].text.contains(":  "));
    let end = if starts_block { junk } else { 0 };
    for line in &lines[end..] {
        log.note(RepairKind::TextAfterReport, line);
    }
    if end > 0 {
        let cut = last_line_cut && end == lines.len();
        block(&lines[..end], false, cut, log, out);
    }
}

/// One block's lines (without separators). `closed`: a separator follows;
/// `cut`: its last line is the last of the input, without a line end.
fn block<'a>(lines: &[Src<'a>], closed: bool, cut: bool, log: &mut Log, out: &mut Vec<Src<'a>>) {
    let mut local = Log { evidence: log.evidence, ..Log::default() };
    match block_lines(lines, closed, cut, &mut local) {
        Ok(Some(repaired)) => {
            out.extend(repaired);
            log.merge(local);
        }
        // Not paste damage: the reader says what is wrong with the block.
        Ok(None) => out.extend_from_slice(lines),
        // A line no repair places: never read as a frame or a value.
        Err((line, looks_like)) => {
            if log.evidence.lenient {
                log.skip(RepairKind::Unplaced, line);
                // The rest of the block is not read: a closed block's
                // separator stays for the next one.
            } else {
                log.unplaced(line, looks_like);
                out.extend_from_slice(lines);
            }
        }
    }
}

/// What an unplaced line looks like, in a few words.
fn looks_like(text: &str) -> &'static str {
    let body = text.trim();
    if is_elision(text) {
        return "an elision mark";
    }
    if let Some(what) = crate::frame::unlike_a_frame(body) {
        return what;
    }
    if body.ends_with(['-', '/', '.', ',']) {
        return "a piece of a longer line (wrapped?)";
    }
    if !body.contains(['.', ':', '<']) {
        return "text that is no function name (a piece of a wrapped line?)";
    }
    if text.starts_with(|c: char| !c.is_whitespace()) {
        return "a line that lost its indentation where the report's other lines kept theirs";
    }
    "neither a label, a value nor a frame"
}

/// The repaired lines of a block (with a closing separator if it was cut
/// off), or `None` when the block has damage no paste explains.
fn block_lines<'a, 'l>(
    lines: &'l [Src<'a>],
    closed: bool,
    cut: bool,
    log: &mut Log,
) -> Result<Option<Vec<Src<'a>>>, (&'l Src<'a>, &'static str)> {
    let evidence = log.evidence;
    // A frame name placed by a repair: a function's shape, and where the
    // line lost its indentation, the report shows it lost everywhere.
    let placed = |frame: &str, reindented: bool| {
        if reindented {
            evidence.indentation_lost && crate::frame::is_qualified_name(frame)
        } else {
            crate::frame::unlike_a_frame(frame).is_none()
        }
    };
    let mut block: Vec<Src> = Vec::with_capacity(lines.len() + 1);
    let mut in_frames = false;
    let mut elided_before_value = false;
    let mut last_was_marker = false;
    let marker = |no| Src { no, text: frame_line(ELIDED_FRAME).into() };
    for (i, line) in lines.iter().enumerate() {
        let text = &*line.text;
        if is_elision(text) {
            log.note(RepairKind::Elision, line);
            if in_frames && !last_was_marker {
                block.push(marker(line.no));
            }
            elided_before_value |= !in_frames;
            last_was_marker = in_frames;
            continue;
        }
        let cut_here = cut && i + 1 == lines.len();
        if !in_frames {
            if cut_here {
                // A label or value line cut anywhere: the value or the leaf
                // may be incomplete.
                log.skip(RepairKind::CutEnd, line);
                return Ok(Some(Vec::new()));
            }
            match classify(text) {
                Ok(Line::Label { values, .. })
                    if evidence.padded && values.ends_with(char::is_whitespace) =>
                {
                    log.note(RepairKind::TrailingSpace, line);
                    let text = text[..text.len() - values.len()].to_owned() + values.trim_end();
                    block.push(Src { no: line.no, text: text.into() });
                }
                Ok(Line::Label { .. }) => block.push(line.clone()),
                Ok(Line::Value { token, frame }) if parse_value(token).is_ok() => {
                    let (frame2, removed) = strip_annotation(frame);
                    if !placed(frame2, false) {
                        return Err((line, looks_like(frame)));
                    }
                    match removed {
                        Some(kind) => {
                            log.note(kind, line);
                            block.push(Src { no: line.no, text: value_line(token, frame2).into() });
                        }
                        None => block.push(line.clone()),
                    }
                    in_frames = true;
                }
                _ => {
                    let body = text.trim_start();
                    if block.is_empty() && !elided_before_value && is_header_field(text) {
                        // A second report's header: not paste damage.
                        return Ok(None);
                    }
                    if let Some((key, values)) =
                        loose_label(body).filter(|_| evidence.indentation_lost)
                    {
                        log.note(RepairKind::Indentation, line);
                        block.push(Src { no: line.no, text: label_line(key, values).into() });
                    } else if let Some((token, frame)) = loose_value(body) {
                        let (frame, removed) = strip_annotation(frame);
                        if !placed(frame, true) {
                            return Err((line, looks_like(text)));
                        }
                        log.note(RepairKind::Indentation, line);
                        if let Some(kind) = removed {
                            log.note(kind, line);
                        }
                        block.push(Src { no: line.no, text: value_line(token, frame).into() });
                        in_frames = true;
                    } else if elided_before_value {
                        // Frames whose value line was left out.
                        log.skip(RepairKind::Elision, line);
                        return Ok(Some(Vec::new()));
                    } else if classify(text).is_ok() {
                        // A line of pprof's shape in the wrong place, or a
                        // bad value: the reader says what is wrong.
                        return Ok(None);
                    } else {
                        return Err((line, looks_like(text)));
                    }
                }
            }
            continue;
        }
        if cut_here {
            // A frame cut anywhere: it stands for the frames not pasted.
            log.note(RepairKind::CutEnd, line);
            if !last_was_marker {
                block.push(marker(line.no));
            }
            last_was_marker = true;
            continue;
        }
        last_was_marker = false;
        match classify(text) {
            Ok(Line::Frame { frame }) if !frame.starts_with(char::is_whitespace) => {
                let (frame2, removed) = strip_annotation(frame);
                if !placed(split_inline(frame2).0, false) {
                    return Err((line, looks_like(frame)));
                }
                match removed {
                    Some(kind) => {
                        log.note(kind, line);
                        block.push(Src { no: line.no, text: frame_line(frame2).into() });
                    }
                    None => block.push(line.clone()),
                }
            }
            Err(crate::error::ParseErrorKind::UnrecognizedLine(_)) => {
                let (frame, removed) = strip_annotation(text.trim());
                if !placed(split_inline(frame).0, true) {
                    return Err((line, looks_like(text)));
                }
                log.note(RepairKind::Indentation, line);
                if let Some(kind) = removed {
                    log.note(kind, line);
                }
                block.push(Src { no: line.no, text: frame_line(frame).into() });
            }
            Ok(Line::Frame { .. }) => block.push(line.clone()),
            // A label, value, blank or broken separator line after frames.
            _ => return Ok(None),
        }
    }
    if !closed {
        let Some(last) = lines.last() else { return Ok(Some(block)) };
        if !in_frames {
            if !block.is_empty() {
                log.skip(RepairKind::CutEnd, last);
            }
            return Ok(Some(Vec::new()));
        }
        if !last_was_marker {
            log.note(RepairKind::CutEnd, last);
            block.push(marker(last.no));
        }
        block.push(Src { no: last.no, text: Cow::Borrowed(SEPARATOR) });
    }
    Ok(Some(block))
}

// --------------------------------------------------------- plain heads --

/// The first bytes of a name or of a label or value line's body that some
/// repair looks at (an elision, a comment, an arrow, a fence, a separator):
/// a plain report's lines start with none of them.
fn odd_first(b: u8) -> bool {
    matches!(b, b'-' | b'/' | b'#' | b'.' | b'<' | b'[' | b'`' | b'~')
}

/// A frame (after its 13 spaces, or a value line's leaf) that no repair
/// touches: visible ASCII, then at most pprof's ` (inline)`, not starting
/// like a comment, an elision or a fence (so
/// [`crate::frame::unlike_a_frame`] finds nothing and no annotation is cut).
/// Its bytes are printable ASCII (see [`plain_bytes`]): visible means no
/// space.
fn plain_frame(frame: &[u8]) -> bool {
    let (name, _) = crate::frame::split_inline_bytes(frame);
    name.first().is_some_and(|&b| !odd_first(b)) && memchr::memchr(b' ', name).is_none()
}

/// The offset of the first space or line end in `bytes` (printable
/// ASCII), found a word at a time.
#[inline(always)]
fn space_or_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const NEWLINES: u64 = u64::from_le_bytes([b'\n'; 8]);
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        let w = u64::from_le_bytes(w);
        let (x, y) = (w ^ NEWLINES, w ^ SPACES);
        // The lowest byte flagged is the first zero byte of `x` or `y`.
        let zeros = (x.wrapping_sub(ONES) & !x | y.wrapping_sub(ONES) & !y) & HIGHS;
        if zeros != 0 {
            return Some(at + (zeros.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| matches!(b, b' ' | b'\n')).map(|i| at + i)
}

/// A frame line's 13 spaces at the start of `line`, and something after
/// them: two overlapping words compared.
fn frame_indent(line: &[u8]) -> bool {
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&line[at..at + 8]);
        u64::from_le_bytes(w)
    };
    line.len() > FRAME_INDENT && word(0) == SPACES && word(FRAME_INDENT - 8) == SPACES
}

/// True when every byte is printable ASCII or `\n` and none is `&`: no
/// tab, `\r`, control byte, HTML escape, non-breaking space or emoji, the
/// characters the whole-text repairs look for. Branch-free per chunk.
fn plain_bytes(bytes: &[u8]) -> bool {
    bytes.chunks(4096).all(|chunk| {
        chunk.iter().fold(0u8, |bad, &b| {
            bad | (u8::from(b.wrapping_sub(b' ') > b'~' - b' ') & u8::from(b != b'\n'))
                | u8::from(b == b'&')
        }) == 0
    })
}

/// A byte-level proof that `head` (the whole input when `complete`, else
/// its first bytes) is a traces report as pprof prints it in every line
/// [`repair`] judges: header fields, exact separator lines, and blocks of
/// label lines, a value line that reads and frame lines of 13 spaces and a
/// plain name, in printable ASCII. Such text gets no repair and has no
/// unplaced line, so the full analysis is not needed (most inputs are such
/// text: this is what their check costs). `None` says nothing: the text
/// may still be clean, [`repair`] tells. `Some(n)`: the header and the
/// first separator line are `head[..n]` (no later line of such text starts
/// a `?debug=1` profile either: every one is indented or a separator).
pub fn plain_report(head: &[u8], complete: bool) -> Option<usize> {
    plain_head(head, complete).map(|plain| plain.header)
}

/// What [`plain_head`] proves of a head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PlainHead {
    /// The header and the first separator line: `head[..header]`.
    pub header: usize,
    /// The end of the last separator line (after its `\n`): the report's
    /// whole blocks, `head[..blocks]`, need no repair.
    pub blocks: usize,
    /// The lines of `head[..blocks]`.
    pub lines: u64,
}

/// [`plain_report`], with where the head's whole blocks end.
pub(crate) fn plain_head(head: &[u8], complete: bool) -> Option<PlainHead> {
    if !plain_bytes(head) {
        return None;
    }
    // The lines judged: all of a whole input (which ends with a line end);
    // a head's partial last line is not.
    let judged = match memchr::memrchr(b'\n', head) {
        Some(i) if !complete || i + 1 == head.len() => &head[..=i],
        _ => return None,
    };
    // The header: every line a field (`File: `, `Type: `, ...), as pprof
    // prints them, up to the first separator line.
    let mut fields: Vec<Src> = Vec::new();
    let mut pos = 0;
    let mut lines = 0;
    loop {
        lines += 1;
        let end = pos + memchr::memchr(b'\n', &judged[pos..])?;
        let line = &judged[pos..end];
        pos = end + 1;
        if line == SEPARATOR.as_bytes() {
            break;
        }
        let text = std::str::from_utf8(line).ok()?;
        if !is_header_field(text) {
            return None;
        }
        fields.push(Src { no: fields.len() as u64 + 1, text: Cow::Borrowed(text) });
    }
    let header_len = pos;
    let (mut blocks, mut lines_to_blocks) = (pos, lines);
    let mut log = Log::default();
    header(&fields, &mut log);
    if !log.repairs.is_empty() || log.unplaced.is_some() {
        return None;
    }
    // The blocks: labels, a value line, frames, a separator.
    let mut in_frames = false;
    let mut closed = true;
    #[cfg(target_arch = "x86_64")]
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    while pos < judged.len() {
        if in_frames {
            // Most lines: runs of frame lines of a plain name, 64 bytes
            // looked at a line.
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: AVX2 is available, as just checked.
                let (run_end, run_lines) = unsafe { plain_frame_run_avx2(judged, pos) };
                (pos, lines) = (run_end, lines + run_lines);
                if pos == judged.len() {
                    break;
                }
            }
        }
        let rest = &judged[pos..];
        if in_frames {
            // The other frame lines: a name scanned a word at a time.
            if frame_indent(rest) {
                let name = &rest[FRAME_INDENT..];
                if matches!(name[0], b' ' | b'\n') || odd_first(name[0]) {
                    return None;
                }
                let mut end = space_or_newline(name)?;
                if name[end] == b' ' {
                    // Only pprof's ` (inline)` puts a space after a name.
                    if !name[end..].starts_with(b" (inline)\n") {
                        return None;
                    }
                    end += INLINE_SUFFIX.len();
                }
                pos += FRAME_INDENT + end + 1;
                lines += 1;
                continue;
            }
            if !rest.starts_with(SEPARATOR.as_bytes()) || rest.get(SEPARATOR.len()) != Some(&b'\n')
            {
                return None;
            }
            pos += SEPARATOR.len() + 1;
            lines += 1;
            (blocks, lines_to_blocks) = (pos, lines);
            in_frames = false;
            closed = true;
            continue;
        }
        closed = false;
        let line = &rest[..memchr::memchr(b'\n', rest)?];
        pos += line.len() + 1;
        lines += 1;
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let body = &line[indent..];
        if indent >= FRAME_INDENT || body.first().is_none_or(|&b| odd_first(b)) {
            return None;
        }
        let token_end = memchr::memchr(b' ', body).unwrap_or(body.len());
        let (token, rest) = body.split_at(token_end);
        if token.ends_with(b":") {
            // `%10s:  %s`
            if !rest.starts_with(b"  ") {
                return None;
            }
        } else if rest.len() > 3 && rest.starts_with(b"   ") && rest[3] != b' ' {
            // `%10s   %s`, a value that reads.
            let token = std::str::from_utf8(token).ok()?;
            if parse_value(token).is_err() || !plain_frame(&rest[3..]) {
                return None;
            }
            in_frames = true;
        } else {
            return None;
        }
    }
    // A whole input ends with a separator line; a head may end anywhere
    // (its last block is read as it comes).
    (closed || !complete).then_some(PlainHead {
        header: header_len,
        blocks,
        lines: lines_to_blocks,
    })
}

/// The frame lines from `pos` on that are 13 spaces, then a name without
/// a space that does not start with an [`odd_first`] byte, then `\n`: where
/// they end and how many they are (up to the last 64 bytes of `bytes`,
/// left to the caller). The lines [`plain_head`]'s word-at-a-time path
/// accepts with no ` (inline)`, read from masks of the spaces and line
/// ends of 64 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn plain_frame_run_avx2(bytes: &[u8], mut pos: usize) -> (usize, u64) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    const INDENT: u64 = (1 << FRAME_INDENT) - 1;
    let (space, newline) = (_mm256_set1_epi8(b' ' as i8), _mm256_set1_epi8(b'\n' as i8));
    let mut lines = 0;
    while pos + 64 <= bytes.len() {
        // SAFETY: the two loads read 32 bytes each inside `bytes`
        // (pos + 64 <= len).
        let (lo, hi) = unsafe {
            let p = bytes.as_ptr().add(pos);
            (
                _mm256_loadu_si256(p.cast::<__m256i>()),
                _mm256_loadu_si256(p.add(32).cast::<__m256i>()),
            )
        };
        // (No closure: it would not be compiled for AVX2.)
        let spaces = u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, space)) as u32)
            | u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, space)) as u32) << 32;
        let newlines = u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, newline)) as u32)
            | u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, newline)) as u32) << 32;
        // The lines whose indentation and line end are in these 64 bytes.
        let mut at = 0;
        while at + FRAME_INDENT < 64 {
            let spaces = spaces >> at;
            // 13 spaces, then neither a space nor a line end.
            if spaces & (INDENT << 1 | 1) != INDENT {
                return (pos + at, lines);
            }
            let end = (newlines >> at).trailing_zeros() as usize;
            if at + end >= 64 {
                break;
            }
            // An empty name, a space in the name (maybe ` (inline)`: left
            // to the word-at-a-time path), an odd first byte.
            if end == FRAME_INDENT
                || (spaces >> FRAME_INDENT) & ((1 << (end - FRAME_INDENT)) - 1) != 0
                || odd_first(bytes[pos + at + FRAME_INDENT])
            {
                return (pos + at, lines);
            }
            at += end + 1;
            lines += 1;
        }
        if at == 0 {
            // A line longer than 64 bytes.
            break;
        }
        pos += at;
    }
    (pos, lines)
}

// -------------------------------------------------------------- stream --

/// Where a repaired line came from: the lines a `RepairStream` wrote,
/// as stretches of consecutive input lines (`(first written line, its
/// input line)`), and what its repairs found so far. Shared with the
/// source that reads the stream, which maps the lines it reports back.
#[derive(Debug, Default)]
pub(crate) struct StreamLog {
    /// Stretch starts, in written order; pruned behind the reader.
    anchors: std::collections::VecDeque<(u64, u64)>,
    /// Lines written so far.
    written: u64,
    /// The repairs made, per kind (those of the start of the input first).
    pub repairs: Vec<Repair>,
    /// A line no repair places, found in the part streamed: the stream
    /// stops before its block.
    pub unplaced: Option<Unplaced>,
    /// Counts the changes to `repairs`.
    pub generation: u64,
}

impl StreamLog {
    /// From written line `written` on, lines come from `input_line` on.
    fn anchor(&mut self, written: u64, input_line: u64) {
        self.anchors.push_back((written, input_line));
    }

    fn wrote(&mut self, input_line: u64) {
        self.written += 1;
        let predicted = self.anchors.back().map(|&(w, i)| i + (self.written - w));
        if predicted != Some(input_line) {
            self.anchors.push_back((self.written, input_line));
        }
    }

    /// The input's line for a 1-based written line (0 stays 0). Lines are
    /// asked for in increasing order, mostly: stretches far behind the
    /// last one asked for are forgotten, so memory stays bounded.
    pub(crate) fn original_line(&mut self, line: u64) -> u64 {
        if line == 0 {
            return 0;
        }
        let at = self.anchors.partition_point(|&(w, _)| w <= line);
        let Some(&(w, i)) = at.checked_sub(1).and_then(|a| self.anchors.get(a)) else {
            return line;
        };
        if at > 4096 {
            self.anchors.drain(..at - 1024);
        }
        i + (line - w)
    }
}

/// A long pasted report repaired as it is read, block by block, after its
/// first part was repaired whole ([`repair_with`] decided from that part
/// what the text's damage is): memory holds one block, not the input.
pub(crate) struct RepairStream {
    input: std::io::BufReader<Box<dyn std::io::Read>>,
    /// The repaired text waiting to be read, and how much of it was.
    out: Vec<u8>,
    out_at: usize,
    /// The lines of the block being gathered (after its separator).
    block: Vec<Src<'static>>,
    /// The input line read last.
    line: u64,
    modes: Modes,
    log: std::rc::Rc<std::cell::RefCell<StreamLog>>,
    /// Repairs of the streamed part, merged into the shared log per block.
    repairs: Log,
    done: bool,
}

impl RepairStream {
    /// Streams `rest` (the input after `head_lines` lines, which
    /// `repaired` holds repaired and which end with a separator line).
    pub fn new(
        repaired: &Repaired,
        head_lines: u64,
        rest: Box<dyn std::io::Read>,
    ) -> (RepairStream, std::rc::Rc<std::cell::RefCell<StreamLog>>) {
        let mut log = StreamLog { repairs: repaired.repairs.clone(), ..StreamLog::default() };
        let mut out = Vec::with_capacity(repaired.text.len());
        for (text, &no) in repaired.text.lines().zip(&repaired.line_map) {
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
            log.wrote(no);
        }
        let log = std::rc::Rc::new(std::cell::RefCell::new(log));
        let repairs = Log {
            evidence: repaired.modes.evidence,
            modes: repaired.modes.clone(),
            ..Log::default()
        };
        let stream = RepairStream {
            input: std::io::BufReader::with_capacity(1 << 16, rest),
            out,
            out_at: 0,
            block: Vec::new(),
            line: head_lines,
            modes: repaired.modes.clone(),
            log: log.clone(),
            repairs,
            done: false,
        };
        (stream, log)
    }

    /// One input line with the whole-text repairs of the start applied.
    fn prepared(&mut self, raw: &str) -> Src<'static> {
        let mut src = Src { no: self.line, text: Cow::Owned(raw.to_owned()) };
        if src.text.contains('\t') {
            let mut one = [src];
            tabs(&mut one, &mut self.repairs);
            [src] = one;
        }
        if src.text.contains('\u{a0}') {
            let text = layout_spaces(&src.text);
            if text != *src.text {
                self.repairs.note(RepairKind::NonBreakingSpaces, &src);
                src.text = text.into();
            }
        }
        if self.modes.html && src.text.contains('&') {
            let mut one = [src];
            decode_html(&mut one[0], &mut self.repairs);
            [src] = one;
        }
        for _ in 0..self.modes.quote_levels {
            let trimmed = src.text.trim_start();
            if let Some(rest) = trimmed.strip_prefix('>') {
                self.repairs.note(RepairKind::QuoteMarkers, &src);
                src.text = rest.strip_prefix(' ').unwrap_or(rest).to_owned().into();
            }
        }
        if let Some(indent) = &self.modes.indent {
            if let Some(rest) = src.text.strip_prefix(indent.as_str()) {
                if !rest.trim().is_empty() {
                    self.repairs.note(RepairKind::Indentation, &src);
                }
                src.text = rest.to_owned().into();
            }
        }
        src
    }

    /// Repairs the gathered block (closed by a separator, or the text's
    /// end) into `out`.
    fn flush(&mut self, closed: bool, last_line_cut: bool) {
        let lines = std::mem::take(&mut self.block);
        let mut out = Vec::new();
        if closed {
            block(&lines, true, false, &mut self.repairs, &mut out);
        } else {
            trailing(&lines, last_line_cut, &mut self.repairs, &mut out);
        }
        let mut log = self.log.borrow_mut();
        if let Some(unplaced) = self.repairs.unplaced.take() {
            // Not read on: the source reports it where the reader stops.
            log.unplaced.get_or_insert(unplaced);
            self.done = true;
            return;
        }
        for line in &out {
            self.out.extend_from_slice(line.text.as_bytes());
            self.out.push(b'\n');
            log.wrote(line.no);
        }
        let found = std::mem::take(&mut self.repairs.repairs);
        if found.is_empty() {
            return;
        }
        log.generation += 1;
        let mut merged = Log { repairs: std::mem::take(&mut log.repairs), ..Log::default() };
        merged.merge(Log { repairs: found, ..Log::default() });
        log.repairs = merged.repairs;
    }

    /// Reads input lines until some repaired text is waiting or the input
    /// ends.
    fn fill(&mut self) -> std::io::Result<()> {
        use std::io::BufRead;
        let mut raw = Vec::new();
        while self.out_at == self.out.len() && !self.done {
            self.out.clear();
            self.out_at = 0;
            raw.clear();
            if self.input.read_until(b'\n', &mut raw)? == 0 {
                self.done = true;
                self.flush(false, false);
                break;
            }
            self.line += 1;
            let cut = raw.last() != Some(&b'\n');
            let text = String::from_utf8_lossy(&raw);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            let text = text.strip_suffix('\r').unwrap_or(text);
            let src = self.prepared(text);
            if is_separator(&src.text) {
                if src.text != SEPARATOR && src.text.trim_end() != SEPARATOR {
                    self.repairs.note(RepairKind::Indentation, &src);
                }
                self.flush(true, false);
                if self.done {
                    break;
                }
                self.out.extend_from_slice(SEPARATOR.as_bytes());
                self.out.push(b'\n');
                self.log.borrow_mut().wrote(src.no);
            } else {
                self.block.push(src);
                if cut {
                    self.done = true;
                    self.flush(false, true);
                }
            }
        }
        Ok(())
    }
}

impl std::io::Read for RepairStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_at == self.out.len() {
            self.fill()?;
            if self.out_at == self.out.len() && self.log.borrow().unplaced.is_some() {
                return Err(std::io::Error::other("a line no repair places"));
            }
        }
        let n = buf.len().min(self.out.len() - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        Ok(n)
    }
}

/// A report whose start shows no damage, passed through as it is read,
/// except for what follows its last separator line: held back (at most
/// [`TAIL_HOLD`] bytes) and, at the end of the input, judged as a pasted
/// text's end is judged (text after the report dropped, a cut-off last
/// block closed, a line no repair places refused), so that prose typed
/// after a long report is neither read as a block nor an error.
pub(crate) struct TailGuard {
    input: Box<dyn std::io::Read>,
    /// Bytes read and not yet handed on.
    pending: Vec<u8>,
    /// How many of them may be handed on.
    ready: usize,
    /// Handed on so far from `pending`.
    at: usize,
    /// Where the scan for separator lines goes on in `pending`.
    scanned: usize,
    /// Lines handed on before `pending` (for the lines of the tail).
    lines_before: u64,
    log: std::rc::Rc<std::cell::RefCell<StreamLog>>,
    done: bool,
    /// A separator line was read: what follows the last one is a tail.
    separator_seen: bool,
    /// Lines written less lines read, after repairs that changed a
    /// block's number of lines.
    shift: i64,
    /// `--lenient`: a block with a line no repair places is skipped.
    lenient: bool,
}

/// How many bytes `TailGuard` reads at a time.
const GUARD_CHUNK: usize = 1 << 20;

/// The least room a reader's buffer must have beyond the held-back bytes
/// for [`TailGuard`] to read into it directly.
const DIRECT_MIN: usize = 1 << 16;

/// The end (after its line end) of the last separator line of `bytes`
/// that starts at or after `from`, if any: looked for from the end.
fn last_separator_end(bytes: &[u8], from: usize) -> Option<usize> {
    static FINDER: std::sync::OnceLock<memchr::memmem::FinderRev<'static>> =
        std::sync::OnceLock::new();
    let finder = FINDER.get_or_init(|| memchr::memmem::FinderRev::new(SEPARATOR.as_bytes()));
    let mut to = bytes.len();
    while let Some(i) = finder.rfind(bytes.get(from..to)?) {
        let start = from + i;
        to = start + SEPARATOR.len() - 1;
        let end = start + SEPARATOR.len();
        if start > 0 && bytes[start - 1] != b'\n' {
            continue;
        }
        match memchr::memchr(b'\n', &bytes[end..]) {
            Some(n) if bytes[end..end + n].iter().all(|b| b.is_ascii_whitespace()) => {
                return Some(end + n + 1);
            }
            _ => continue,
        }
    }
    None
}

/// The number of lines of `bytes` when they show none of the damage
/// [`TailGuard::damage_in`] looks for; `None` when they do. Most text is
/// proven clean in one pass that looks for a broader set (any byte that is
/// not ASCII, a tab, `//`, ` .`, `<-`); only where one of these is found
/// does the exact test run.
fn clean_lines(bytes: &[u8]) -> Option<u64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is available, as just checked.
        if let Some(lines) = unsafe { plain_lines_avx2(bytes) } {
            return Some(lines);
        }
    }
    if TailGuard::damage_in(bytes) {
        return None;
    }
    Some(memchr::memchr_iter(b'\n', bytes).count() as u64)
}

/// The lines of `bytes` when it holds no byte that is not ASCII, no tab
/// and none of `//`, ` .`, `<-`, 64 bytes at a time; `None` when it does.
/// Line ends are counted per byte lane and summed every 127 rounds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn plain_lines_avx2(bytes: &[u8]) -> Option<u64> {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_extract_epi64, _mm256_loadu_si256,
        _mm256_movemask_epi8, _mm256_or_si256, _mm256_sad_epu8, _mm256_set1_epi8,
        _mm256_setzero_si256, _mm256_sub_epi8,
    };
    let splat = |b: u8| _mm256_set1_epi8(b as i8);
    let (slash, space, dot, lt) = (splat(b'/'), splat(b' '), splat(b'.'), splat(b'<'));
    let (dash, tab, nl) = (splat(b'-'), splat(b'\t'), splat(b'\n'));
    let eq = _mm256_cmpeq_epi8;
    let (and, or) = (_mm256_and_si256, _mm256_or_si256);
    // What may show damage among the 32 bytes of `v0` (`v1`: the 32 bytes
    // one further): a pair, a tab, or a top bit (not ASCII).
    let signs = |v0: __m256i, v1: __m256i| {
        let pairs = or(and(eq(v0, slash), eq(v1, slash)), and(eq(v0, space), eq(v1, dot)));
        or(or(pairs, and(eq(v0, lt), eq(v1, dash))), or(eq(v0, tab), v0))
    };
    let sum = |counts: __m256i| {
        let s = _mm256_sad_epu8(counts, _mm256_setzero_si256());
        (_mm256_extract_epi64::<0>(s)
            + _mm256_extract_epi64::<1>(s)
            + _mm256_extract_epi64::<2>(s)
            + _mm256_extract_epi64::<3>(s)) as u64
    };
    let mut lines = 0u64;
    let mut counts = _mm256_setzero_si256();
    let mut rounds = 0;
    let mut i = 0;
    while i + 65 <= bytes.len() {
        // SAFETY: the four loads read 32 bytes each, all inside `bytes`
        // (i + 65 <= len).
        let (a0, a1, b0, b1) = unsafe {
            let p = bytes.as_ptr().add(i);
            (
                _mm256_loadu_si256(p.cast::<__m256i>()),
                _mm256_loadu_si256(p.add(1).cast::<__m256i>()),
                _mm256_loadu_si256(p.add(32).cast::<__m256i>()),
                _mm256_loadu_si256(p.add(33).cast::<__m256i>()),
            )
        };
        if _mm256_movemask_epi8(or(signs(a0, a1), signs(b0, b1))) != 0 {
            return None;
        }
        // A lane's count grows by at most 2 a round: 254 after 127.
        counts = _mm256_sub_epi8(_mm256_sub_epi8(counts, eq(a0, nl)), eq(b0, nl));
        rounds += 1;
        if rounds == 127 {
            lines += sum(counts);
            counts = _mm256_setzero_si256();
            rounds = 0;
        }
        i += 64;
    }
    lines += sum(counts);
    let rest = &bytes[i..];
    for (j, &b) in rest.iter().enumerate() {
        let next = rest.get(j + 1).copied();
        let pair =
            matches!((b, next), (b'/', Some(b'/')) | (b' ', Some(b'.')) | (b'<', Some(b'-')));
        if b >= 0x80 || b == b'\t' || pair {
            return None;
        }
        lines += u64::from(b == b'\n');
    }
    Some(lines)
}

/// The most bytes after the last separator line [`TailGuard`] holds back:
/// a longer stretch is a block, handed on as it is.
pub(crate) const TAIL_HOLD: usize = 1 << 20;

impl TailGuard {
    /// Guards `input`; the log gets the repairs made, if any. `lenient`:
    /// a block holding a line no repair places is skipped and counted.
    pub fn new(
        input: Box<dyn std::io::Read>,
        lenient: bool,
    ) -> (TailGuard, std::rc::Rc<std::cell::RefCell<StreamLog>>) {
        let log = std::rc::Rc::new(std::cell::RefCell::new(StreamLog::default()));
        let guard = TailGuard {
            input,
            pending: Vec::with_capacity(2 * GUARD_CHUNK),
            ready: 0,
            at: 0,
            scanned: 0,
            lines_before: 0,
            log: log.clone(),
            done: false,
            separator_seen: false,
            shift: 0,
            lenient,
        };
        (guard, log)
    }

    /// Guards the rest of an input whose start was proven to need no
    /// repair up to the end of a separator line ([`plain_head`]), `lines`
    /// lines, handed on already: `held` (the bytes after it) and `input`
    /// are what is left to judge.
    pub fn after_head(
        held: &[u8],
        lines: u64,
        input: Box<dyn std::io::Read>,
        lenient: bool,
    ) -> (TailGuard, std::rc::Rc<std::cell::RefCell<StreamLog>>) {
        let (mut guard, log) = TailGuard::new(input, lenient);
        guard.pending.extend_from_slice(held);
        guard.scanned = held.len();
        guard.lines_before = lines;
        guard.separator_seen = true;
        (guard, log)
    }

    /// Marks the bytes up to the end of the last separator line read so
    /// far as ready (or all of them, when the stretch after it is long).
    fn scan(&mut self) {
        let before = self.ready;
        self.scan_separators();
        if self.ready > before {
            self.repair_blocks(before);
        }
        self.scanned = self.pending.len();
        if self.pending.len() - self.ready > TAIL_HOLD {
            // The last separator line's stretch: a long block, no tail;
            // handed on as it is, its `...` lines said.
            let last_newline = self.pending.iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1);
            if last_newline > self.ready {
                self.note_markers(self.ready, last_newline);
                self.ready = last_newline;
            }
        }
    }

    /// The bytes of damage a person's copy shows inside a block: a comment
    /// or an arrow after a frame, a tab, an emoji's or an arrow's first
    /// byte, an elision line. Clean text holds none of them (a label value
    /// with `//` in it only costs its block a closer look). Padding is left
    /// to the reader, which refuses a frame name with spaces after it.
    fn damage_in(bytes: &[u8]) -> bool {
        if memchr::memchr3(b'\t', 0xF0, 0xE2, bytes).is_some() {
            return true;
        }
        static SIGNS: std::sync::OnceLock<[memchr::memmem::Finder<'static>; 3]> =
            std::sync::OnceLock::new();
        let signs = SIGNS.get_or_init(|| {
            [
                memchr::memmem::Finder::new(b"//"),
                memchr::memmem::Finder::new(b" <-"),
                // `...` where frames were left out.
                memchr::memmem::Finder::new(b"  ..."),
            ]
        });
        signs.iter().any(|sign| sign.find(bytes).is_some())
    }

    /// The whole blocks that became ready after `from`, repaired as a
    /// paste's blocks are where they show damage (most do not: they are
    /// handed on as they are). A line no repair places stops the input
    /// before its block.
    fn repair_blocks(&mut self, from: usize) {
        let region = &self.pending[from..self.ready];
        if clean_lines(region).is_some() {
            return;
        }
        let text = String::from_utf8_lossy(region).into_owned();
        // The input line of the region's first line.
        let written_before =
            self.lines_before + memchr::memchr_iter(b'\n', &self.pending[..from]).count() as u64;
        let mut input_line = (written_before as i64 - self.shift) as u64;
        let mut out = String::with_capacity(text.len());
        let mut log = Log {
            evidence: Evidence { lenient: self.lenient, ..Evidence::default() },
            ..Log::default()
        };
        let mut block_lines: Vec<Src> = Vec::new();
        let mut written = written_before;
        for line in text.split_inclusive('\n') {
            input_line += 1;
            let bare = line.strip_suffix('\n').unwrap_or(line);
            let bare = bare.strip_suffix('\r').unwrap_or(bare);
            if !is_separator(bare) {
                block_lines.push(Src { no: input_line, text: Cow::Owned(bare.to_owned()) });
                continue;
            }
            let raw: String = block_lines.iter().map(|l| format!("{}\n", l.text)).collect();
            if Self::damage_in(raw.as_bytes()) {
                let mut repaired = Vec::new();
                block(&block_lines, true, false, &mut log, &mut repaired);
                if log.unplaced.is_some() {
                    break;
                }
                let first_after = written + repaired.len() as u64 + 1;
                if repaired.len() != block_lines.len() {
                    self.shift += repaired.len() as i64 - block_lines.len() as i64;
                    // From the separator on, lines are this far apart.
                    self.log.borrow_mut().anchor(first_after, input_line);
                }
                for l in &repaired {
                    out.push_str(&l.text);
                    out.push('\n');
                }
                written += repaired.len() as u64;
            } else {
                out.push_str(&raw);
                written += block_lines.len() as u64;
            }
            block_lines.clear();
            out.push_str(line);
            written += 1;
        }
        let mut shared = self.log.borrow_mut();
        if let Some(unplaced) = log.unplaced.take() {
            // Not read on: the source reports it where the reader stops.
            shared.unplaced.get_or_insert(unplaced);
            self.pending.truncate(from);
            self.ready = from;
            self.done = true;
            return;
        }
        if !log.repairs.is_empty() {
            let mut merged = Log { repairs: std::mem::take(&mut shared.repairs), ..Log::default() };
            merged.merge(log);
            shared.repairs = merged.repairs;
            shared.generation += 1;
        }
        // Block lines never end a region: it ends with a separator line.
        debug_assert!(block_lines.is_empty());
        let tail = self.pending.split_off(self.ready);
        self.pending.truncate(from);
        self.pending.extend_from_slice(out.as_bytes());
        self.ready = self.pending.len();
        self.pending.extend_from_slice(&tail);
    }

    /// The separator lines read since the last scan: the bytes up to the
    /// end of the last one are ready.
    fn scan_separators(&mut self) {
        let from = self.scanned.saturating_sub(SEPARATOR.len() + 2);
        if let Some(line_end) = last_separator_end(&self.pending, from) {
            self.ready = self.ready.max(line_end);
            self.separator_seen = true;
        }
    }

    /// The fast path of [`std::io::Read::read`], when nothing is ready to
    /// hand on: the held-back bytes and what the input gives next are put
    /// straight into `buf`, and when they show no damage, handed on up to
    /// the end of the last separator line there, the rest held back
    /// again. No copy of the report's bulk, and one pass over its bytes.
    /// `None` when this does not apply (the bytes read are then held back
    /// as the slow path holds them); `Some(0)` at the end of the input.
    fn read_direct(&mut self, buf: &mut [u8]) -> Option<std::io::Result<usize>> {
        let held = self.pending.len();
        if self.at != 0 || self.ready != 0 || buf.len() < held + DIRECT_MIN {
            return None;
        }
        buf[..held].copy_from_slice(&self.pending);
        let n = loop {
            match self.input.read(&mut buf[held..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Some(Err(e)),
            }
        };
        if n == 0 {
            return None;
        }
        let read = &buf[..held + n];
        let from = self.scanned.saturating_sub(SEPARATOR.len() + 2);
        let handed = last_separator_end(read, from).and_then(|end| {
            let lines = clean_lines(&read[..end])?;
            Some((end, lines))
        });
        match handed {
            Some((end, lines)) => {
                self.separator_seen = true;
                self.lines_before += lines;
                self.pending.clear();
                self.pending.extend_from_slice(&read[end..]);
                self.scanned = self.pending.len();
                Some(Ok(end))
            }
            None => {
                // Held back as read, for the slow path.
                self.pending.clear();
                self.pending.extend_from_slice(read);
                self.scan();
                None
            }
        }
    }

    /// A frame line `...` (frames left out) in `pending[from..to]`, handed
    /// on unrepaired, is read as the elided-frames marker, and said.
    fn note_markers(&mut self, from: usize, to: usize) {
        let marker = format!("\n{:13}{ELIDED_FRAME}", "");
        let mut from = from.saturating_sub(1);
        while let Some(i) = memchr::memmem::find(&self.pending[from..to], marker.as_bytes()) {
            let end = from + i + marker.len();
            from = from + i + 1;
            if !matches!(self.pending.get(end), Some(b'\n' | b'\r')) {
                continue;
            }
            let written = self.lines_before
                + memchr::memchr_iter(b'\n', &self.pending[..from]).count() as u64
                + 1;
            let line = (written as i64 - self.shift) as u64;
            let mut log = self.log.borrow_mut();
            let src = Src { no: line, text: Cow::Owned(format!("{:13}{ELIDED_FRAME}", "")) };
            let mut found = Log { repairs: std::mem::take(&mut log.repairs), ..Log::default() };
            found.note(RepairKind::Elision, &src);
            log.repairs = found.repairs;
            log.generation += 1;
        }
    }

    /// At the end of the input: the held-back tail, judged.
    fn finish(&mut self) {
        let tail = String::from_utf8_lossy(&self.pending[self.ready..]).into_owned();
        let held_from = self.ready;
        self.lines_before +=
            memchr::memchr_iter(b'\n', &self.pending[self.at.min(held_from)..held_from]).count()
                as u64;
        let last_line_cut = !tail.is_empty() && !tail.ends_with('\n');
        let mut lines: Vec<Src> = tail
            .split('\n')
            .enumerate()
            .map(|(i, l)| Src {
                no: (self.lines_before as i64 - self.shift) as u64 + i as u64 + 1,
                text: Cow::Borrowed(l.strip_suffix('\r').unwrap_or(l)),
            })
            .collect();
        if !last_line_cut {
            lines.pop();
        }
        if lines.is_empty() || !self.separator_seen {
            // No separator read at all: not a report's tail.
            self.ready = self.pending.len();
            return;
        }
        let mut log = Log::default();
        let mut out = Vec::new();
        trailing(&lines, last_line_cut, &mut log, &mut out);
        let mut shared = self.log.borrow_mut();
        if let Some(unplaced) = log.unplaced.take() {
            shared.unplaced.get_or_insert(unplaced);
            self.pending.truncate(held_from);
            return;
        }
        if log.repairs.is_empty() {
            self.ready = self.pending.len();
            return;
        }
        let mut merged = Log { repairs: std::mem::take(&mut shared.repairs), ..Log::default() };
        merged.merge(log);
        shared.repairs = merged.repairs;
        shared.generation += 1;
        let mut text = Vec::new();
        for line in &out {
            text.extend_from_slice(line.text.as_bytes());
            text.push(b'\n');
        }
        self.pending.truncate(held_from);
        self.pending.extend_from_slice(&text);
        self.ready = self.pending.len();
    }
}

impl TailGuard {
    /// Drops what was handed on, counting its lines.
    fn drop_handed(&mut self) {
        if self.at > 0 {
            let handed = &self.pending[..self.at];
            self.lines_before += memchr::memchr_iter(b'\n', handed).count() as u64;
            self.pending.drain(..self.at);
            self.ready -= self.at;
            self.scanned -= self.at;
            self.at = 0;
        }
    }
}

impl std::io::Read for TailGuard {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.ready && !self.done {
            self.drop_handed();
            if let Some(direct) = self.read_direct(buf) {
                return direct;
            }
        }
        while self.at == self.ready && !self.done {
            self.drop_handed();
            let len = self.pending.len();
            let chunk = (&mut self.input).take(GUARD_CHUNK as u64).read_to_end(&mut self.pending);
            let n = match chunk {
                Ok(n) => n,
                Err(e) => {
                    self.pending.truncate(len);
                    return Err(e);
                }
            };
            if n == 0 {
                self.done = true;
                self.finish();
            } else {
                self.scan();
            }
        }
        if self.at == self.ready && self.log.borrow().unplaced.is_some() {
            return Err(std::io::Error::other("a line no repair places"));
        }
        let n = buf.len().min(self.ready - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::read::traces::TEST_REPORT as CLEAN;

    fn kinds(r: &Repaired) -> Vec<(&'static str, u64, u64)> {
        r.repairs.iter().map(|r| (r.kind.name(), r.count, r.first_line)).collect()
    }

    #[test]
    fn clean_text_needs_no_repair() {
        let r = repair(CLEAN, true);
        assert!(r.repairs.is_empty(), "{:?}", r.repairs);
        assert_eq!(r.text, CLEAN);
        let prompt = format!("(pprof) {CLEAN}(pprof) ");
        assert!(repair(&prompt, true).repairs.is_empty());
        assert!(repair("Type: cpu\n", true).repairs.is_empty());
        assert!(repair("", true).repairs.is_empty());
    }

    #[test]
    fn stripped_indentation_is_rederived() {
        let stripped: String = CLEAN.lines().map(|l| format!("{}\n", l.trim_start())).collect();
        let r = repair(&stripped, true);
        // Label and value lines at column 0 are read as they are; frames
        // get their 13 spaces back.
        let want: String = CLEAN
            .lines()
            .map(|l| {
                if l.starts_with("             ") {
                    format!("{l}\n")
                } else {
                    format!("{}\n", l.trim_start())
                }
            })
            .collect();
        assert_eq!(r.text, want);
        assert_eq!(kinds(&r), [("indentation", 2, 6)]);
    }

    #[test]
    fn cut_end_marks_the_missing_callers() {
        let cut = &CLEAN[..CLEAN.find("(inline)").unwrap() + 3];
        let r = repair(cut, true);
        assert!(
            r.text.contains("net/http.readRequest\n             ...\n-----------+"),
            "{}",
            r.text
        );
        assert_eq!(kinds(&r), [("cut-end", 1, 7)]);
        let cut_value = &CLEAN[..CLEAN.find("main.keep").unwrap() + 4];
        let r = repair(cut_value, true);
        assert_eq!(r.repairs[0].skipped_samples, 1);
        assert!(!r.text.contains("main"), "{}", r.text);
    }

    #[test]
    fn elision_and_annotations() {
        let text = CLEAN
            .replace("net/http.readRequest\n", "net/http.readRequest   // here 🔥\n   ...\n")
            .replace("main.keep\n", "main.keep  \n");
        let r = repair(&text, true);
        assert_eq!(kinds(&r), [("annotation", 1, 6), ("elision", 1, 7), ("trailing-space", 1, 10)]);
        assert_eq!(r.text, CLEAN.replace("readRequest\n", "readRequest\n             ...\n"));
        assert_eq!(r.original_line(7), 7);
        assert_eq!(r.original_line(8), 8);
    }

    #[test]
    fn windows_paths_and_crlf_survive_stripping() {
        // `-lines` on Windows: Go prints paths with `/`, a drive letter and
        // maybe spaces.
        let sep = SEPARATOR;
        let text = format!(
            "Type: inuse_space\r\n{sep}\r\nbytes:  1kB\r\n1.50MB   main.f C:/Users/dev/svc/main.go:12\r\n\
             runtime.main C:/Program Files/Go/src/runtime/proc.go:250\r\n{sep}\r\n"
        );
        let r = repair(&text, true);
        assert_eq!(kinds(&r), [("indentation", 1, 5)]);
        assert!(r
            .text
            .contains("\n             runtime.main C:/Program Files/Go/src/runtime/proc.go:250\n"));
    }

    #[test]
    fn raw_text_after_a_line_of_code_is_read() {
        let raw = include_str!("../../samples/legacy/heap.debug1.raw.txt");
        let pasted = format!("const expected = `\n{raw}`\n");
        let r = repair(&pasted, true);
        assert_eq!(r.kind, PastedKind::Raw);
        assert_eq!(r.text, raw);
        assert_eq!(kinds(&r)[0], ("prose", 1, 1));
        // Prose that is more than a few lines is no such preamble.
        let long = format!("a\nb\nc\nd\ne\n{raw}");
        assert_eq!(repair(&long, true).kind, PastedKind::Traces);
    }

    #[test]
    fn shell_prompts_are_told_apart() {
        assert!(is_shell_command("$ go tool pprof -traces heap.pb.gz"));
        assert!(is_shell_command("dev@box:~/svc$ curl -s localhost:6060/debug/pprof/heap > h"));
        assert!(is_shell_command(r"PS C:\Users\dev> go tool pprof -raw heap.pb.gz"));
        assert!(!is_shell_command("Type: inuse_space"));
        assert!(!is_shell_command("main.(*T).m"));
        assert!(!is_shell_command("# pprof comment: written by the profiler"));
        assert!(is_shell_command("root@box:/# curl -s localhost:6060/debug/pprof/heap"));
        assert!(is_bare_prompt("dev@box:~/svc$ "));
        assert!(!is_bare_prompt("net/http.readRequest"));
    }

    /// Whatever [`plain_report`] passes, [`repair_with`] finds no repair
    /// and no unplaced line in: over real reports, their heads cut at many
    /// places, and each of their lines damaged as people's copies are.
    #[test]
    fn plain_reports_need_no_repair() {
        use crate::read::detect::sniff;
        use crate::read::legacy;
        // Reports, and whether they are plain (with `-lines` or
        // `-addresses`, names hold spaces: left to the full analysis).
        let reports = [
            (CLEAN, true),
            (include_str!("../../samples/heap/alloc_space.traces.txt"), true),
            (include_str!("../../samples/heap/inuse_space.lines.traces.txt"), false),
            (include_str!("../../samples/cpu/cpu.traces.txt"), true),
            (include_str!("../../samples/cpu/cpu.addresses.traces.txt"), false),
        ];
        let damages: [fn(&str) -> String; 16] = [
            |l| format!("\t{}", l.trim_start()),
            |l| format!("{l} // here"),
            |l| format!("{l}  "),
            |l| format!("{l} <- this one"),
            |l| l.trim_start().to_owned(),
            |_| format!("{:13}...", ""),
            |_| "```".to_owned(),
            |_| "$ go tool pprof -traces heap.pb.gz".to_owned(),
            |l| l.replace('<', "&lt;"),
            |l| format!("> {l}"),
            |l| format!("{l}\r"),
            |l| format!("  {l}"),
            |l| format!("{l} \u{1F525}"),
            |_| String::new(),
            |_| "(pprof) traces".to_owned(),
            |l| l.replacen(' ', "\u{a0}", 3),
        ];
        let mut passed = 0;
        let mut judged = 0;
        let mut agree = |text: &str, complete: bool| {
            judged += 1;
            if let Some(n) = plain_report(text.as_bytes(), complete) {
                passed += 1;
                // Its kind, and any `?debug=1` profile after text, are
                // told by its first `n` bytes.
                let (whole, prefix) = (text.as_bytes(), &text.as_bytes()[..n]);
                assert_eq!(sniff(whole, complete), sniff(prefix, complete), "{text:?}");
                assert_eq!(sniff(prefix, complete), crate::read::detect::InputKind::Traces);
                let lossy = String::from_utf8_lossy;
                assert!(legacy::header_after_text(&lossy(whole)).is_none(), "{text:?}");
                assert!(legacy::headless_records(&lossy(whole)).is_none(), "{text:?}");
                let r = repair_with(text, complete, false);
                assert!(r.repairs.is_empty() && r.unplaced.is_none(), "{complete} {text:?}");
            }
        };
        for (report, plain) in reports {
            // Their first blocks, up to a separator line after 6 KiB.
            let end = report
                .get(6 << 10..)
                .and_then(|rest| rest.find(SEPARATOR))
                .map_or(report.len(), |i| (6 << 10) + i + SEPARATOR.len() + 1);
            let report = &report[..end];
            assert_eq!(plain_report(report.as_bytes(), true).is_some(), plain, "{report}");
            let lines: Vec<&str> = report.lines().collect();
            for (i, _) in lines.iter().enumerate() {
                for damage in &damages {
                    let mut damaged = lines.clone();
                    let line = damage(lines[i]);
                    damaged[i] = &line;
                    let text = damaged.join("\n") + "\n";
                    agree(&text, true);
                    agree(&text, false);
                }
            }
            for cut in (0..report.len()).step_by(13).filter(|&c| report.is_char_boundary(c)) {
                agree(&report[..cut], false);
                agree(&report[..cut], true);
            }
        }
        // Most of what is judged passes or fails for a reason of its own:
        // neither all nor nothing.
        assert!(passed > 100 && passed < judged, "{passed} of {judged}");
    }
}
