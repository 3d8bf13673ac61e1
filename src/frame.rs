//! A frame's text as pprof prints it, taken apart: `[address ]function[
//! file:line][ (inline)]`. `-addresses` puts a 16-digit hex address first,
//! `-lines` (and `-files`) the source position last, and ` (inline)` marks
//! a frame inlined into the next one. The one parser of frame text: the
//! readers split the inline marker off ([`split_inline`]), the call graph
//! names its nodes by function or file ([`FrameText::source`]), `export`
//! rebuilds functions and lines ([`FrameText::parts`]).
//!
//! ```
//! use traces_tool::frame::{FrameParts, FrameText};
//!
//! let text = FrameText::parse("00000000004d2634 main.mix example.com/app/main.go:38");
//! assert_eq!(text.address, Some(0x4d2634));
//! assert_eq!(text.body, "main.mix example.com/app/main.go:38");
//! assert_eq!(text.source(), Some(("main.mix", "example.com/app/main.go:38")));
//! assert_eq!(
//!     text.parts(),
//!     FrameParts { address: 0x4d2634, function: "main.mix", file: "example.com/app/main.go", line: 38 }
//! );
//! ```

/// The name of the frame that stands for frames left out of a pasted stack
/// (`...`, `// dozens of lines omitted`), or for the callers of a stack cut
/// off at the end of the text. No Go function is named so: `read::paste::is_elided`
/// tells it apart.
pub const ELIDED_FRAME: &str = "...";

/// The marker pprof appends to inlined frames (since pprof commit d9cc468).
pub const INLINE_SUFFIX: &str = " (inline)";

/// Splits the ` (inline)` marker off a frame: the name and whether it was
/// there.
pub fn split_inline(frame: &str) -> (&str, bool) {
    match frame.strip_suffix(INLINE_SUFFIX) {
        Some(name) => (name, true),
        None => (frame, false),
    }
}

/// [`split_inline`] on bytes, for readers that have not decoded the text.
#[inline]
pub(crate) fn split_inline_bytes(frame: &[u8]) -> (&[u8], bool) {
    match frame.strip_suffix(INLINE_SUFFIX.as_bytes()) {
        Some(name) => (name, true),
        None => (frame, false),
    }
}

/// A frame's text (without its inline marker) split at its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameText<'a> {
    /// `-addresses`: the address the text starts with (16 hex digits and a
    /// space), else `None`.
    pub address: Option<u64>,
    /// The text after the address: the function, then maybe a source
    /// position as the last space-separated token.
    pub body: &'a str,
}

/// A frame's text split the way pprof printed it: `[address] function
/// [file:line]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameParts<'a> {
    /// `-addresses`: the address, else 0.
    pub address: u64,
    /// The function name.
    pub function: &'a str,
    /// `-lines`: the file, else empty.
    pub file: &'a str,
    /// `-lines`: the line, else 0.
    pub line: i64,
}

impl<'a> FrameText<'a> {
    /// Takes a leading `-addresses` address (exactly 16 hex digits, then a
    /// space) off `text`.
    pub fn parse(text: &'a str) -> FrameText<'a> {
        if let Some((addr, rest)) = text.split_once(' ') {
            if addr.len() == 16 && addr.bytes().all(|b| b.is_ascii_hexdigit()) {
                // 16 hex digits always fit a u64.
                let address = u64::from_str_radix(addr, 16).ok();
                return FrameText { address, body: rest };
            }
        }
        FrameText { address: None, body: text }
    }

    /// The body split before its last space-separated token: what comes
    /// before it and the token. `None` without a space.
    pub(crate) fn last_token(&self) -> Option<(&'a str, &'a str)> {
        let space = self.body.rfind(' ')?;
        Some((&self.body[..space], &self.body[space + 1..]))
    }

    /// The function and the source file token, when the last token looks
    /// like a source file (holds `/`, `\` or `.go`), with its `:line` or
    /// `:line:column` if printed (see `file_of`). This is how the call
    /// graph tells `-functions` and `-files` nodes apart: names of C++ or
    /// Rust functions may hold spaces, a file does not look like them.
    pub fn source(&self) -> Option<(&'a str, &'a str)> {
        let (function, file) = self.last_token()?;
        let looks_like_file = file.contains('/') || file.contains('\\') || file.contains(".go");
        looks_like_file.then_some((function, file))
    }

    /// The function, and the file and line when the last token is
    /// `file:line` (a non-empty file, then digits after the last `:`):
    /// what `export` rebuilds functions and lines from. Go function names
    /// have no spaces.
    pub fn parts(&self) -> FrameParts<'a> {
        let address = self.address.unwrap_or(0);
        if let Some((function, tail)) = self.last_token() {
            if let Some((file, line)) = tail.rsplit_once(':') {
                if !file.is_empty() && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
                {
                    let line = line.parse().unwrap_or(0);
                    return FrameParts { address, function, file, line };
                }
            }
        }
        FrameParts { address, function: self.body, file: "", line: 0 }
    }
}

/// The file of a source token: `file:line` or `file:line:column` (pprof's
/// `-showcolumns`) without the numbers.
pub(crate) fn file_of(token: &str) -> &str {
    let mut file = token;
    for _ in 0..2 {
        match file.rfind(':') {
            Some(c) if file[c + 1..].bytes().all(|b| b.is_ascii_digit()) => file = &file[..c],
            _ => break,
        }
    }
    file
}

/// Why `text` (a frame's text, with or without its inline marker) cannot be a frame
/// pprof printed, in a few words, or `None` when it can be one. pprof prints
/// a function (`pkg.F`, `pkg.(*T).M`, `type:.eq.struct { A int; B string }`,
/// a C++ or Rust name), maybe after an address and before a source position
/// (`file:line`); what a person adds to a copy does not look so: a comment
/// or an arrow after the name (`main.f   // grows`), an elision mark
/// (`...`, `// 18 lines omitted`), words (`in prod after a day`), padding.
/// A space outside brackets is allowed only before a source position, after
/// an address, in a C++ name (one with `::`) or after `operator`.
///
/// ```
/// use traces_tool::frame::unlike_a_frame;
///
/// assert_eq!(unlike_a_frame("net/http.(*conn).serve"), None);
/// assert_eq!(unlike_a_frame("main.f C:/Program Files/svc/main.go:12"), None);
/// assert_eq!(unlike_a_frame("main.Map[go.shape.string, go.shape.int]"), None);
/// assert!(unlike_a_frame("main.f   // <- this one grows").is_some());
/// assert!(unlike_a_frame("in prod after a day, only 7MB here").is_some());
/// assert!(unlike_a_frame("...").is_some());
/// ```
pub fn unlike_a_frame(text: &str) -> Option<&'static str> {
    let text = split_inline(text).0;
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    // The common case: visible ASCII without a space, not a comment mark.
    if bytes.iter().all(|&b| b.is_ascii_graphic()) {
        return match bytes {
            [b'/', b'/', ..] | [b'#', ..] => Some("a comment"),
            [b'<', b'-', ..] => Some("an arrow"),
            _ if bytes.iter().all(|&b| b == b'.') => Some("an elision mark"),
            b"[...]" | b"<snip>" | b"[snip]" | b"<...>" => Some("an elision mark"),
            _ => None,
        };
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    if text.ends_with(char::is_whitespace) {
        return Some("a name with spaces after it (padding)");
    }
    if text.contains('\t') {
        return Some("tab-separated text");
    }
    if trimmed.starts_with("//") || trimmed.starts_with('#') {
        return Some("a comment");
    }
    if trimmed.chars().all(|c| c == '.' || c == '…') || trimmed.starts_with('…') {
        return Some("an elision mark");
    }
    if trimmed.starts_with("...") && !trimmed[3..].starts_with(|c: char| c.is_alphanumeric()) {
        return Some("an elision mark");
    }
    if text.starts_with(char::is_whitespace) {
        return Some("an indented line");
    }
    for marker in [" //", " <-", " ←", " # ", "  "] {
        if text.contains(marker) {
            return Some("a name followed by an annotation");
        }
    }
    if text.chars().any(is_pictograph) {
        return Some("text with emoji");
    }
    if text.contains("::") {
        return None;
    }
    // Spaces outside brackets: after an address, or before a source position.
    let body = FrameText::parse(text).body;
    let space = first_space_outside_brackets(body)?;
    let (before, after) = (&body[..space], &body[space + 1..]);
    if before.ends_with("operator") {
        return None;
    }
    let position = after.contains('/')
        || after.contains('\\')
        || after.contains(".go")
        || after.rsplit_once(':').is_some_and(|(file, line)| {
            !file.is_empty() && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
        });
    if position && first_space_outside_brackets(before).is_none() {
        None
    } else {
        Some("words, not a function name")
    }
}

/// True when `text` has the shape of a function pprof names (the evidence a
/// line needs to be read as a frame when its indentation was lost): it is
/// [`like a frame`](unlike_a_frame) and its function is package-qualified
/// (`pkg.F`, `path/pkg.F`), a C++ or Rust `::` name, `<unknown>`, a file
/// (`-files`) or an address, and does not end as a cut line does (`-`,
/// `/`, `.`).
pub(crate) fn is_qualified_name(text: &str) -> bool {
    if unlike_a_frame(text).is_some() {
        return false;
    }
    let body = FrameText::parse(split_inline(text).0).body;
    let function = match first_space_outside_brackets(body) {
        Some(space) => &body[..space],
        None => body,
    };
    let Some(first) = function.chars().next() else { return false };
    if !(first.is_alphanumeric() || matches!(first, '_' | '<' | '(' | '*' | '$' | '/' | '[')) {
        return false;
    }
    if function.ends_with(['-', '/', '.', ',']) {
        return false;
    }
    function == "<unknown>"
        || function.contains("::")
        || function.starts_with("0x")
        || (function.contains('.') && !function.starts_with('.'))
        || function.contains('/')
}

/// Where the first space outside `()`, `[]`, `{}` and `<>` is (not one
/// before `{`: `struct {`, `interface {` are part of a Go type's name).
fn first_space_outside_brackets(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b' ' if bytes.get(i + 1) == Some(&b'{') => {}
            b'(' | b'[' | b'{' | b'<' => depth += 1,
            b')' | b']' | b'}' | b'>' => depth = depth.saturating_sub(1),
            b' ' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Emoji and pictographs: annotations, never in names.
fn is_pictograph(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0xFE0F | 0x200D | 0x2190..=0x21FF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_marks_split_off() {
        assert_eq!(split_inline("main.mk (inline)"), ("main.mk", true));
        assert_eq!(split_inline("main.mk"), ("main.mk", false));
        assert_eq!(split_inline_bytes(b"main.mk (inline)"), (&b"main.mk"[..], true));
        assert_eq!(split_inline_bytes(b"(inline)"), (&b"(inline)"[..], false));
    }

    #[test]
    fn addresses_are_sixteen_hex_digits() {
        let t = FrameText::parse("00000000004d2634 main.mix");
        assert_eq!((t.address, t.body), (Some(0x4d2634), "main.mix"));
        // Fifteen digits, or not hex: part of the name.
        for text in ["0000000004d2634 main.mix", "000000000040zz34 main.mix", "main.mix"] {
            let t = FrameText::parse(text);
            assert_eq!((t.address, t.body), (None, text));
        }
    }

    #[test]
    fn functions_and_files_split_as_the_graph_needs() {
        fn source(t: &str) -> Option<(&str, &str)> {
            FrameText::parse(t).source()
        }
        assert_eq!(source("main.f /src/demo/main.go:42"), Some(("main.f", "/src/demo/main.go:42")));
        assert_eq!(source("main.f main.go:42"), Some(("main.f", "main.go:42")));
        assert_eq!(source("main.f C:\\src\\main.go:7"), Some(("main.f", "C:\\src\\main.go:7")));
        assert_eq!(source("std::vector<int, std::allocator<int> >::push_back"), None);
        assert_eq!(source("main.f"), None);
        assert_eq!(file_of("/src/demo/main.go:42"), "/src/demo/main.go");
        assert_eq!(file_of("/src/demo/main.go:42:7"), "/src/demo/main.go");
        assert_eq!(file_of("/src/demo/main.go"), "/src/demo/main.go");
        assert_eq!(file_of("C:\\src\\main.go:7"), "C:\\src\\main.go");
    }

    #[test]
    fn parts_split_into_address_function_file_line() {
        fn parts(t: &str) -> FrameParts<'_> {
            FrameText::parse(t).parts()
        }
        assert_eq!(
            parts("main.walk"),
            FrameParts { address: 0, function: "main.walk", file: "", line: 0 }
        );
        assert_eq!(
            parts("sync.(*Pool).Put sync/pool.go:111"),
            FrameParts {
                address: 0,
                function: "sync.(*Pool).Put",
                file: "sync/pool.go",
                line: 111
            }
        );
        assert_eq!(
            parts("00000000004d2634 main.mix example.com/cpulabels/main.go:38"),
            FrameParts {
                address: 0x4d2634,
                function: "main.mix",
                file: "example.com/cpulabels/main.go",
                line: 38
            }
        );
        // Not `file:line`: all of it is the function.
        for text in ["main.f /src/main.go", "main.f :12", "main.f a.go:", "f <a, b>::g"] {
            assert_eq!(parts(text).function, text, "{text}");
            assert_eq!(parts(text).file, "", "{text}");
        }
    }

    #[test]
    fn frames_told_apart_from_what_people_add() {
        for name in [
            "main.main",
            "net/http.(*conn).serve",
            "github.com/a/b.(*T).M.func1",
            "type:.eq.struct { A int; B string; C [...]float64 }",
            "type..eq.[2]interface {}",
            "main.Map[go.shape.string, go.shape.int]",
            "<unknown>",
            "std::vector<int, std::allocator<int> >::push_back(int const&)",
            "operator new(unsigned long)",
            "non-virtual thunk to foo::Bar::baz()",
            "main.f /src/demo/main.go:42",
            "main.f main.go:42",
            "main.f C:/Program Files/Go/src/runtime/proc.go:250",
            "00000000004d2634 main.mix example.com/cpulabels/main.go:38",
            "/usr/lib/go/src/runtime/proc.go",
            "runtime/cgo(__cgo_topofstack)",
            "start_thread",
            "main.T.M-fm",
        ] {
            assert_eq!(unlike_a_frame(name), None, "{name}");
        }
        for name in [
            "main.f   // <- this one grows",
            "main.f // grows",
            "main.f <- here",
            "main.f 🔥",
            "main.f  ",
            "main.f\tx",
            "// 18 lines omitted",
            "...",
            "…",
            "....... // dozens of lines omitted",
            "# note",
            "in prod after a day, only 7MB here",
            "of these are expected (worker pool)",
            "I think this is the leak",
            "main.f and main.g",
        ] {
            assert!(unlike_a_frame(name).is_some(), "{name}");
        }
    }

    #[test]
    fn qualified_names_are_evidence_of_a_frame() {
        for name in ["main.f", "net/http.(*conn).serve", "<unknown>", "foo::bar", "main.f x.go:3"] {
            assert!(is_qualified_name(name), "{name}");
        }
        for name in [
            "eHandlerFunc",
            "github.com/example-organization/very-long-service-",
            "name-for-testing/",
            "words and more",
            "start_thread",
            "...",
            "-and-more",
        ] {
            assert!(!is_qualified_name(name), "{name}");
        }
    }
}
