//! Telling the kind of an input from its first bytes: a traces report,
//! `-raw` text, a binary profile, a `?debug=1` text profile or a goroutine
//! dump. Each kind's own test (`looks_like_*`) lives with its reader.

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
