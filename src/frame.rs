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
pub fn split_inline_bytes(frame: &[u8]) -> (&[u8], bool) {
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
    pub fn last_token(&self) -> Option<(&'a str, &'a str)> {
        let space = self.body.rfind(' ')?;
        Some((&self.body[..space], &self.body[space + 1..]))
    }

    /// The function and the source file token, when the last token looks
    /// like a source file (holds `/`, `\` or `.go`), with its `:line` or
    /// `:line:column` if printed (see [`file_of`]). This is how the call
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
pub fn file_of(token: &str) -> &str {
    let mut file = token;
    for _ in 0..2 {
        match file.rfind(':') {
            Some(c) if file[c + 1..].bytes().all(|b| b.is_ascii_digit()) => file = &file[..c],
            _ => break,
        }
    }
    file
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
}
