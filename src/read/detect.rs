//! Telling what an input is from its first bytes, in one place
//! (`identify`): a traces report (plain, with a tail to guard, or pasted
//! text to repair), `-raw` text, a binary profile, a `?debug=1` text
//! profile, a goroutine dump or a race report, or a refusal that says why.
//! Each kind's own test (`looks_like_*`) lives with its reader.

use crate::error::Error;
use crate::read::paste::{self, PasteMode, PlainHead, Repaired};
use crate::read::{goroutine_dump, legacy, race, raw};

/// The kinds of input [`crate::read::open_source`] tells apart by their content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// `go tool pprof -traces` text.
    Traces,
    /// `go tool pprof -raw` text (`Profile.String()`).
    Raw,
    /// Anything that is not text: a binary pprof profile, if it decodes.
    Binary,
    /// A `?debug=1` text profile ([`crate::read::legacy`]).
    Legacy,
    /// A goroutine dump: `goroutine?debug=2`, a panic, SIGQUIT
    /// ([`crate::read::goroutine_dump`]).
    GoroutineDump,
    /// The data race detector's reports ([`crate::read::race`]).
    Race,
}

/// How much of an input is looked at to tell its kind.
pub(crate) const SNIFF_BYTES: u64 = 1 << 18;

/// The kind of an input from its first bytes (after gunzipping and
/// decoding): binary when it holds control characters other than tab,
/// line feed, carriage return, form feed and escape; a `?debug=1` text
/// profile when its first line is one's header (`legacy::kind_of`); a
/// race detector's output when a `WARNING: DATA RACE` line comes before
/// any goroutine header (`race::looks_like_race`); a goroutine dump when a `goroutine N [...]:` line (at column 0 or after
/// a per-line prefix, after any amount of other text) comes before any traces
/// separator (`goroutine_dump::looks_like_dump`); `-raw` text when
/// `Profile.String()`'s header lines lead to `Samples:`; else a traces
/// report. Text with bytes that are not UTF-8 (a Latin-1 name) is still
/// text: its reader says on which line (a binary profile always holds
/// control characters: its field keys and lengths).
pub fn sniff(head: &[u8], complete: bool) -> InputKind {
    let lossy;
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A character cut at the end of the peeked bytes is fine.
        Err(e) if !complete && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => {
            lossy = String::from_utf8_lossy(head);
            &lossy
        }
    };
    if has_control(text.as_bytes()) {
        return InputKind::Binary;
    }
    if legacy::looks_like_legacy(text) {
        InputKind::Legacy
    } else if race::looks_like_race(text) {
        InputKind::Race
    } else if goroutine_dump::looks_like_dump(text) {
        InputKind::GoroutineDump
    } else if raw::looks_like_raw(text) {
        InputKind::Raw
    } else {
        InputKind::Traces
    }
}

/// True when the first [`SNIFF_BYTES`] of a text said "traces report" only
/// for want of anything else: no line of dashes (a traces separator,
/// whole or damaged) and no `-raw` header. Such a text may hold a goroutine
/// dump or a race report after more than [`SNIFF_BYTES`] of log lines, so
/// [`crate::read::open_source`] looks at all of it ([`sniff`] with the
/// whole text) before calling it a traces report.
pub(crate) fn worth_a_whole_look(head: &str) -> bool {
    !raw::looks_like_raw(head) && !head.lines().any(|l| l.trim_start().starts_with("----"))
}

/// Whether `bytes` holds a control character other than tab, line feed,
/// carriage return, form feed and escape. Branch-free per chunk, so that
/// it compiles to vector instructions: text is looked at whole.
fn has_control(bytes: &[u8]) -> bool {
    bytes.chunks(4096).any(|chunk| {
        chunk.iter().fold(0u8, |found, &b| {
            let allowed = (b == b'\t') | (b == b'\n') | (b == b'\r') | (b == 0x0c) | (b == 0x1b);
            found | (u8::from(b < 0x20) & u8::from(!allowed))
        }) != 0
    })
}

/// How much of an input [`identify`] is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Extent {
    /// Its first [`SNIFF_BYTES`]: more follows.
    Head,
    /// All of it, at the first look (it is shorter than [`SNIFF_BYTES`]).
    Whole,
    /// All of it, read because the head's answer was
    /// [`Identified::WholeText`].
    WholeAfterHead,
}

/// What an input is and how [`crate::read::open_source`] must open it:
/// the answer of [`identify`].
#[derive(Debug)]
pub(crate) enum Identified {
    /// Need the whole text to tell: read the rest and ask again with
    /// [`Extent::WholeAfterHead`].
    WholeText,
    /// A traces report, streamed to the traces reader as it is.
    Traces,
    /// A traces report whose start needs no repair, more of which follows:
    /// streamed through [`paste::TailGuard`], which judges the rest (what
    /// people type after a report). `proven`: the head was proven plain
    /// ([`paste::plain_head`]); its whole blocks are not looked at again.
    GuardedTraces {
        /// What [`paste::plain_head`] proved of the head, if it did.
        proven: Option<PlainHead>,
    },
    /// Pasted or captured text whose start needs repair (a traces report or
    /// `-raw` text): what the repair of the text shown found. Opened
    /// repaired, and with its repairs reported.
    Pasted(Box<Repaired>),
    /// `-raw` text, read whole.
    Raw,
    /// The race detector's reports, read whole.
    Race,
    /// A `?debug=1` text profile (maybe after a preamble), read whole.
    Legacy,
    /// A goroutine dump, read whole.
    GoroutineDump,
    /// Binary data that starts like a pprof profile: decoded whole.
    Profile,
    /// Binary data that is no profile: the traces reader says what it is
    /// from its first line.
    NotAProfile,
    /// Refused, with the line and the reason.
    Refused(Refusal),
}

/// Why [`identify`] refuses an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The text is not read as what it looks like: at `line`, `message`
    /// says what it is and what to do.
    Expected {
        /// The 1-based line.
        line: u64,
        /// What the input looks like and what stands in the way.
        message: String,
    },
    /// A line no repair places with certainty.
    Unplaced(paste::Unplaced),
    /// `--strict`: pasted text that is not as pprof printed it.
    Strict {
        /// The 1-based line of the first repair it would need.
        line: u64,
        /// The first repair, and that without `--strict` it is made.
        message: String,
    },
}

impl Refusal {
    /// The error that refuses input `name`.
    pub(crate) fn error(&self, name: &str) -> Error {
        match self {
            Refusal::Expected { line, message } => Error::input(name, *line, message),
            Refusal::Unplaced(unplaced) => unplaced.error(name),
            Refusal::Strict { line, message } => Error::Io {
                path: format!("{name}:{line}"),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, message.clone()),
            },
        }
    }
}

/// What an input is, from `head` (how much of the input it is: `extent`;
/// gunzipped and decoded), and how it must be opened, given how pasted
/// text is treated (`paste`; `lenient` skips and counts what a repair
/// cannot place). The one place where the kind of an input is decided; the
/// readers only read what this names. The rules, in order:
///
/// 1. **A plain head.** [`paste::plain_head`] proves, byte by byte, that
///    the head is a traces report as pprof prints it (header fields, exact
///    separators, blocks of the usual shape, printable ASCII). The rules
///    below then look at its header and first separator line only: such a
///    head needs no repair and holds no other kind of input.
/// 2. **The kind from the first bytes** ([`sniff`]): binary (control
///    bytes), a `?debug=1` profile's header (maybe after blank lines, a
///    command line and a fence), a race report, a goroutine dump, `-raw`
///    text, else a traces report.
/// 3. **A second look at the whole text**: a head that is a traces report
///    only for want of anything else ([`worth_a_whole_look`]: no line of
///    dashes, no `-raw` header) and is not the whole input gets
///    [`Identified::WholeText`]. Asked again with the whole text, a
///    goroutine dump or a race report found in it (after more than
///    [`SNIFF_BYTES`] of log lines) is that; anything else is still a
///    traces report.
/// 4. **A `?debug=1` profile after text** that rule 2 does not skip, or the
///    records of one without its header line: refused, with the line
///    ([`legacy::header_after_text`], [`legacy::headless_records`]).
/// 5. **Pasted text** (a traces report or `-raw` text that is not plain,
///    when `paste` is not [`PasteMode::Off`]): the repair analysis of the
///    head ([`paste::repair_with`]). A line no repair places is refused
///    (under `--strict`, unless a repair is needed before it, which is
///    then the refusal); text needing repairs is refused under `--strict`,
///    else [`Identified::Pasted`]. Text that is not UTF-8 or needs no
///    repair goes on.
/// 6. **How to read it**: a traces report with more to come and
///    [`PasteMode::Repair`] is [`Identified::GuardedTraces`], else
///    [`Identified::Traces`]; a `?debug=1` profile after a preamble is
///    refused under `--strict` ([`PasteMode::Refuse`]); binary data is
///    [`Identified::Profile`] when it starts like one
///    ([`crate::read::profile`]'s wire test), else
///    [`Identified::NotAProfile`].
///
/// A prompt (`(pprof) `) before a report's first header line, and one
/// after its last separator, are read by the traces reader as part of the
/// format; what a binary profile that fails to decode is told by the
/// decoder.
pub(crate) fn identify(head: &[u8], extent: Extent, paste: PasteMode, lenient: bool) -> Identified {
    let complete = extent != Extent::Head;
    // Rule 1.
    let plain = match extent {
        Extent::WholeAfterHead => None,
        _ => paste::plain_head(head, complete),
    };
    let looked_at = &head[..plain.map_or(head.len(), |p| p.header)];
    // Rules 2 and 3.
    let kind = match extent {
        Extent::WholeAfterHead => match sniff(head, true) {
            kind @ (InputKind::GoroutineDump | InputKind::Race) => kind,
            _ => InputKind::Traces,
        },
        _ => sniff(looked_at, complete),
    };
    if extent == Extent::Head
        && kind == InputKind::Traces
        && plain.is_none()
        && worth_a_whole_look(&String::from_utf8_lossy(head))
    {
        return Identified::WholeText;
    }
    // Rule 4.
    if kind == InputKind::Traces {
        if let Some(refusal) = debug1_after_text(&String::from_utf8_lossy(looked_at)) {
            return Identified::Refused(refusal);
        }
    }
    // Rule 5.
    if matches!(kind, InputKind::Traces | InputKind::Raw)
        && paste != PasteMode::Off
        && plain.is_none()
    {
        if let Some(answer) = pasted(head, complete, paste, lenient) {
            return answer;
        }
    }
    // Rule 6.
    match kind {
        InputKind::Traces if paste == PasteMode::Repair && !complete => {
            Identified::GuardedTraces { proven: plain }
        }
        InputKind::Traces => Identified::Traces,
        InputKind::Raw => Identified::Raw,
        InputKind::Race => Identified::Race,
        InputKind::GoroutineDump => Identified::GoroutineDump,
        InputKind::Legacy => match preamble_refused(head, paste) {
            Some(refusal) => Identified::Refused(refusal),
            None => Identified::Legacy,
        },
        InputKind::Binary if crate::read::profile::wire::starts_like_profile(head) => {
            Identified::Profile
        }
        InputKind::Binary => Identified::NotAProfile,
    }
}

/// Rule 4 of [`identify`]: a `?debug=1` profile after text that is not
/// skipped, or its records without their header, in text otherwise read
/// as a traces report: said so, rather than that the text is no traces
/// report.
fn debug1_after_text(text: &str) -> Option<Refusal> {
    if let Some(found) = legacy::header_after_text(text) {
        let (line, text) = &found.other;
        let message = format!(
            "this looks like {} whose header is at line {}, but line {line} before it is not a \
             blank line, a command line or a Markdown fence ({text:?}): remove the lines before \
             the header to read it",
            found.what, found.line
        );
        return Some(Refusal::Expected { line: *line as u64, message });
    }
    let (line, what) = legacy::headless_records(text)?;
    let message = format!(
        "this looks like {what}: pprof and traces-tool need the profile from its first line"
    );
    Some(Refusal::Expected { line: line as u64, message })
}

/// Rule 5 of [`identify`]: text that [`paste::repair_with`] finds damaged
/// in `head`: refused, or to be repaired. `None` when the text needs no
/// repair or is not UTF-8 (its reader then says where).
fn pasted(head: &[u8], complete: bool, mode: PasteMode, lenient: bool) -> Option<Identified> {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // A character cut at the end of the head is fine.
        Err(e) if !complete && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return None,
    };
    let found = paste::repair_with(text, complete, lenient);
    let first = found.repairs.iter().min_by_key(|r| r.first_line);
    // A line no repair places refuses the input (even under --strict,
    // where it is the first damage).
    if let Some(unplaced) = &found.unplaced {
        if mode == PasteMode::Repair || first.is_none_or(|r| r.first_line >= unplaced.line) {
            return Some(Identified::Refused(Refusal::Unplaced(unplaced.clone())));
        }
    }
    let first = first?;
    if mode == PasteMode::Refuse {
        let message = format!(
            "--strict: not a report as pprof printed it: {}; without --strict it is repaired and \
             every repair is reported",
            first.message()
        );
        return Some(Identified::Refused(Refusal::Strict { line: first.first_line, message }));
    }
    Some(Identified::Pasted(Box::new(found)))
}

/// Rule 6 of [`identify`] for a `?debug=1` profile: under `--strict`, one
/// after a preamble is not as served.
fn preamble_refused(head: &[u8], mode: PasteMode) -> Option<Refusal> {
    if mode != PasteMode::Refuse {
        return None;
    }
    let start = legacy::find_start(&String::from_utf8_lossy(head)).filter(|s| s.line > 0)?;
    let message = format!(
        "--strict: not a `?debug=1` profile as served: its header is at line {} after blank \
         lines, a command line or a Markdown fence; without --strict they are skipped and \
         reported",
        start.line + 1
    );
    Some(Refusal::Expected { line: 1, message })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::traces::TEST_REPORT as REPORT;

    const ALL_MODES: [PasteMode; 3] = [PasteMode::Off, PasteMode::Repair, PasteMode::Refuse];

    fn id(text: impl AsRef<[u8]>, extent: Extent, mode: PasteMode) -> Identified {
        identify(text.as_ref(), extent, mode, false)
    }

    /// The answer's name, and a refusal's line and error text.
    fn shown(answer: &Identified) -> String {
        match answer {
            Identified::Refused(refusal) => format!("refused: {}", refusal.error("in.txt")),
            Identified::Pasted(found) => format!("pasted {:?}", found.kind),
            other => format!("{other:?}"),
        }
    }

    const HEAP_DEBUG1: &str = "heap profile: 1: 96 [1: 96] @ heap/1048576\n\
                               1: 96 [1: 96] @ 0x1 0x2\n\
                               #\t0x1\tmain.f+0x1\t/x.go:3\n";

    #[test]
    fn rule_1_a_plain_head_is_a_traces_report_guarded_where_more_follows() {
        for mode in ALL_MODES {
            assert_eq!(shown(&id(REPORT, Extent::Whole, mode)), "Traces", "{mode:?}");
        }
        assert_eq!(
            shown(&id(REPORT, Extent::Head, PasteMode::Repair)),
            format!("GuardedTraces {{ proven: Some(PlainHead {{ header: 99, blocks: {}, lines: 10 }}) }}", REPORT.len())
        );
        assert_eq!(shown(&id(REPORT, Extent::Head, PasteMode::Refuse)), "Traces");
        assert_eq!(shown(&id(REPORT, Extent::Head, PasteMode::Off)), "Traces");
        // What follows the head's last line is not judged: the tail guard
        // and the reader see it.
        let cut = format!("{REPORT}     bytes:  35");
        assert_eq!(
            shown(&id(&cut, Extent::Head, PasteMode::Repair)),
            format!("GuardedTraces {{ proven: Some(PlainHead {{ header: 99, blocks: {}, lines: 10 }}) }}", REPORT.len())
        );
        // A head that is not plain but needs no repair: guarded whole.
        let spaced = REPORT.replace("main.keep\n", "main.keep /src/keep.go:12\n");
        assert_eq!(
            shown(&id(&spaced, Extent::Head, PasteMode::Repair)),
            "GuardedTraces { proven: None }"
        );
    }

    #[test]
    fn rule_2_binary_data_is_a_profile_when_it_starts_like_one() {
        let pb = include_bytes!("../../tests/data/inputs/synthetic.pb");
        assert_eq!(shown(&id(pb, Extent::Whole, PasteMode::Repair)), "Profile");
        assert_eq!(shown(&id(&pb[..100], Extent::Head, PasteMode::Repair)), "Profile");
        let junk = b"\x7fELF\x02\x01\x01\x00\x00\x00 not a profile";
        assert_eq!(shown(&id(junk, Extent::Whole, PasteMode::Repair)), "NotAProfile");
        // A NUL in text makes it binary data (the reader then says so).
        let nul = format!("{REPORT}\0");
        assert_eq!(shown(&id(nul, Extent::Whole, PasteMode::Repair)), "NotAProfile");
    }

    #[test]
    fn rule_2_the_kinds_of_text() {
        let raw = include_str!("../../tests/data/inputs/mutex.raw.txt");
        let race = "WARNING: DATA RACE\nRead at 0x00c000012345 by goroutine 7:\n  main.f()\n";
        let dump = "goroutine 1 [running]:\nmain.main()\n\t/x.go:3 +0x1d\n";
        let logged = format!("2026/12/07 10:00:00 starting\n{dump}");
        for mode in ALL_MODES {
            for extent in [Extent::Head, Extent::Whole] {
                let answers =
                    [HEAP_DEBUG1, raw, race, dump, &logged].map(|t| shown(&id(t, extent, mode)));
                assert_eq!(
                    answers,
                    ["Legacy", "Raw", "Race", "GoroutineDump", "GoroutineDump"],
                    "{mode:?} {extent:?}"
                );
            }
        }
    }

    #[test]
    fn rule_3_text_with_nothing_to_tell_its_kind_is_looked_at_whole() {
        let log: String = (0..100).map(|i| format!("10:00:{i:02} request served\n")).collect();
        let dump = format!("{log}goroutine 1 [running]:\nmain.main()\n\t/x.go:3 +0x1d\n");
        let race = format!("{log}WARNING: DATA RACE\nRead at 0x00c0 by goroutine 7:\n");
        for mode in ALL_MODES {
            assert_eq!(shown(&id(&log, Extent::Head, mode)), "WholeText", "{mode:?}");
        }
        let off = PasteMode::Off;
        assert_eq!(shown(&id(&dump, Extent::WholeAfterHead, off)), "GoroutineDump");
        assert_eq!(shown(&id(&race, Extent::WholeAfterHead, off)), "Race");
        // Anything else found in the whole text does not change the answer:
        // it is a traces report (here: no report at all, as its reader says).
        assert_eq!(shown(&id(&log, Extent::WholeAfterHead, off)), "Traces");
        let binary = format!("{log}\0\x01");
        assert_eq!(shown(&id(&binary, Extent::WholeAfterHead, off)), "Traces");
        let raw = format!("PeriodType: cpu nanoseconds\nSamples:\n{log}");
        assert_eq!(shown(&id(&raw, Extent::Head, off)), "Raw");
        // A line of dashes or a complete input: no second look.
        let dashed = format!("{log}-----------+-----\n");
        assert_eq!(shown(&id(&dashed, Extent::Head, off)), "Traces");
        assert_eq!(shown(&id(&log, Extent::Whole, off)), "Traces");
    }

    #[test]
    fn rule_4_a_debug1_profile_after_text_is_refused_with_its_line() {
        let after = format!("Here is the profile:\n\n{HEAP_DEBUG1}");
        for mode in ALL_MODES {
            let answer = shown(&id(&after, Extent::Whole, mode));
            assert!(answer.starts_with("refused: in.txt:1: "), "{answer}");
            assert!(
                answer.contains("a `?debug=1` heap profile whose header is at line 3")
                    && answer.contains("\"Here is the profile:\""),
                "{answer}"
            );
        }
        let headless = HEAP_DEBUG1.split_once('\n').unwrap().1;
        let answer = shown(&id(headless, Extent::Whole, PasteMode::Repair));
        assert!(answer.starts_with("refused: in.txt:1: "), "{answer}");
        assert!(answer.contains("without its header line"), "{answer}");
    }

    #[test]
    fn rule_5_pasted_text_is_repaired_or_refused() {
        let fenced = format!("```\n{REPORT}```\n");
        let tabbed = REPORT.replace("             ", "\t");
        for text in [&fenced, &tabbed] {
            assert_eq!(shown(&id(text, Extent::Whole, PasteMode::Repair)), "pasted Traces");
            assert_eq!(shown(&id(text, Extent::Head, PasteMode::Repair)), "pasted Traces");
            assert_eq!(shown(&id(text, Extent::Whole, PasteMode::Off)), "Traces");
            let strict = shown(&id(text, Extent::Whole, PasteMode::Refuse));
            assert!(strict.starts_with("refused: in.txt:"), "{strict}");
            assert!(strict.contains("--strict: not a report as pprof printed it: "), "{strict}");
        }
        assert!(
            shown(&id(&fenced, Extent::Whole, PasteMode::Refuse)).starts_with("refused: in.txt:1:")
        );
        // `-raw` text after its command line.
        let raw = include_str!("../../tests/data/inputs/mutex.raw.txt");
        let prompted = format!("$ go tool pprof -raw mutex.pb.gz\n{raw}");
        assert_eq!(shown(&id(&prompted, Extent::Whole, PasteMode::Repair)), "pasted Raw");
        // A line no repair places: refused there, in every mode that looks.
        let prose = REPORT.replace("             net/http.readRequest\n", "I think this leaks.\n");
        for mode in [PasteMode::Repair, PasteMode::Refuse] {
            let answer = id(&prose, Extent::Whole, mode);
            let Identified::Refused(Refusal::Unplaced(unplaced)) = &answer else {
                panic!("{mode:?}: {}", shown(&answer));
            };
            assert_eq!((unplaced.line, unplaced.text.as_str()), (6, "I think this leaks."));
        }
        // Under --strict, a repair needed before it is the refusal.
        let both = format!("```\n{prose}```\n");
        let strict = shown(&id(&both, Extent::Whole, PasteMode::Refuse));
        assert!(strict.starts_with("refused: in.txt:1: --strict"), "{strict}");
        // Text that is not UTF-8 goes to its reader, which says where.
        let latin1 = [REPORT.as_bytes(), b"         0   main.caf\xe9\n"].concat();
        assert_eq!(shown(&id(latin1, Extent::Whole, PasteMode::Repair)), "Traces");
    }

    #[test]
    fn rule_6_a_debug1_profile_after_a_preamble_is_refused_under_strict() {
        let preamble = format!("$ curl -s 'http://host/debug/pprof/heap?debug=1'\n{HEAP_DEBUG1}");
        assert_eq!(shown(&id(&preamble, Extent::Whole, PasteMode::Repair)), "Legacy");
        assert_eq!(shown(&id(&preamble, Extent::Whole, PasteMode::Off)), "Legacy");
        let strict = shown(&id(&preamble, Extent::Head, PasteMode::Refuse));
        assert!(
            strict.starts_with("refused: in.txt:1: ") && strict.contains("its header is at line 2"),
            "{strict}"
        );
        assert_eq!(shown(&id(HEAP_DEBUG1, Extent::Whole, PasteMode::Refuse)), "Legacy");
    }
}
