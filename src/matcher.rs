//! Matching frame names against a user's pattern, once per distinct name:
//! the answer for each interned [`NameId`] is cached, so a report of
//! millions of frames runs the regex only a few hundred times.

use regex::{Regex, RegexBuilder};

use crate::error::{Error, Result};
use crate::record::{NameId, Names};

/// How a pattern is read.
#[derive(Clone, Copy, Debug, Default)]
pub struct PatternOptions {
    /// Match a fixed string, not a regular expression (`-F`).
    pub fixed: bool,
    /// Ignore case (`-i`).
    pub ignore_case: bool,
}

/// A compiled pattern with a per-name cache.
#[derive(Clone, Debug)]
pub struct NameMatcher {
    regex: Regex,
    /// 0 = not asked yet, 1 = no, 2 = yes; indexed by `NameId`.
    cache: Vec<u8>,
}

impl NameMatcher {
    /// Compiles `pattern`; `what` names the option in the error message.
    pub fn new(pattern: &str, options: PatternOptions, what: &str) -> Result<NameMatcher> {
        let source = if options.fixed { regex::escape(pattern) } else { pattern.to_owned() };
        let regex = RegexBuilder::new(&source)
            .case_insensitive(options.ignore_case)
            .size_limit(1 << 24)
            .build()
            .map_err(|e| Error::Usage(format!("invalid {what} {pattern:?}: {e}")))?;
        Ok(NameMatcher { regex, cache: Vec::new() })
    }

    /// The pattern as compiled.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    /// Does the name behind `id` match?
    pub fn is_match(&mut self, id: NameId, names: &Names) -> bool {
        let i = id.0 as usize;
        if i >= self.cache.len() {
            self.cache.resize(names.len().max(i + 1), 0);
        }
        match self.cache[i] {
            0 => {
                let hit = self.regex.is_match(names.get(id));
                self.cache[i] = if hit { 2 } else { 1 };
                hit
            }
            v => v == 2,
        }
    }

    /// Does a plain string match (no cache)?
    pub fn is_match_str(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_per_name_and_honours_options() {
        let mut names = Names::new();
        let a = names.intern("net/textproto.(*Reader).ReadMIMEHeader");
        let b = names.intern("main.main");
        let mut m = NameMatcher::new(
            "readmime",
            PatternOptions { ignore_case: true, ..Default::default() },
            "pattern",
        )
        .unwrap();
        assert!(m.is_match(a, &names));
        assert!(!m.is_match(b, &names));
        assert!(m.is_match(a, &names));
        let mut fixed = NameMatcher::new(
            "(*Reader)",
            PatternOptions { fixed: true, ..Default::default() },
            "pattern",
        )
        .unwrap();
        assert!(fixed.is_match(a, &names));
        let err = NameMatcher::new("(", PatternOptions::default(), "pattern").unwrap_err();
        assert!(err.to_string().starts_with("invalid pattern \"(\""), "{err}");
    }
}
