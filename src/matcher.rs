//! Matching frame names against a user's pattern, once per distinct name:
//! the answer for each interned [`NameId`] is cached, so a report of
//! millions of frames runs the regex only a few hundred times.

use std::sync::Arc;

use aho_corasick::AhoCorasick;
use memchr::memmem;
use regex::{Regex, RegexBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind};

use crate::error::{Error, Result};
use crate::record::{NameId, Names};

/// How a pattern is read (`-i`, `-F`, as grep spells them).
#[derive(Clone, Copy, Debug, Default)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct PatternOptions {
    /// PATTERN is a fixed string, not a regular expression.
    #[cfg_attr(feature = "cli", arg(short = 'F', long = "fixed-strings"))]
    pub fixed: bool,
    /// Case-insensitive match.
    #[cfg_attr(feature = "cli", arg(short = 'i', long = "ignore-case"))]
    pub ignore_case: bool,
}

/// A compiled pattern with a per-name cache.
#[derive(Clone, Debug)]
pub struct NameMatcher {
    regex: Regex,
    /// Literals one of which starts every match, if the pattern has them.
    prefilter: Option<Prefilter>,
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
            .map_err(|e| {
                let hint = if !options.fixed && reads_as_go_name(pattern) {
                    format!(
                        "\n{pattern:?} reads as a Go function name: did you mean -F (a fixed \
                         string, `-F '{pattern}'`), or the regular expression '{}'?",
                        regex::escape(pattern)
                    )
                } else {
                    String::new()
                };
                Error::Usage(format!("invalid {what} {pattern:?}: {e}{hint}"))
            })?;
        let prefilter = Prefilter::new(&source, options.ignore_case);
        Ok(NameMatcher { regex, prefilter, cache: Vec::new() })
    }

    /// A byte-level prefilter for this pattern: a block of the report whose
    /// text holds none of its literals cannot have a matching frame.
    pub fn prefilter(&self) -> Option<Prefilter> {
        self.prefilter.clone()
    }

    /// The pattern as compiled.
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    /// Where the pattern matches in `text` (byte ranges, empty matches
    /// left out): what a view marks.
    pub(crate) fn find_ranges(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        self.regex.find_iter(text).filter(|m| !m.is_empty()).map(|m| m.range()).collect()
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
}

/// Whether a pattern that is not a valid regular expression looks like a Go
/// symbol taken from a report (`main.(*headerCache).remember`,
/// `pkg.F[...]`): letters, digits, `_ . / * ( ) [ ] -`, with a receiver's
/// or type parameters' brackets.
fn reads_as_go_name(pattern: &str) -> bool {
    pattern.contains(['(', '[', '*'])
        && pattern.chars().all(|c| c.is_alphanumeric() || "_./*()[]-,{}".contains(c))
}

/// Literals one of which every match of a pattern contains, searched for
/// in the raw bytes of a report (as ripgrep does) to skip blocks that
/// cannot match.
#[derive(Clone, Debug)]
pub struct Prefilter {
    searcher: Arc<Searcher>,
}

#[derive(Debug)]
enum Searcher {
    One(Box<memmem::Finder<'static>>),
    Many(AhoCorasick),
}

impl Prefilter {
    /// Chooses the most selective set of literals that every match must
    /// contain: the prefixes (or suffixes) of the whole pattern, or of any
    /// one piece of a top-level concatenation (`main.f258` has the pieces
    /// `main`, `.` and `f258`; every match holds `f258`). `None` when no
    /// such set exists (`.*x`, `\w+`) or it would be too large.
    pub fn new(pattern: &str, ignore_case: bool) -> Option<Prefilter> {
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(ignore_case)
            .build()
            .parse(pattern)
            .ok()?;
        let mut candidates = Vec::new();
        for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
            candidates.push(literals(&hir, kind));
        }
        if let HirKind::Concat(pieces) = hir.kind() {
            candidates.extend(pieces.iter().map(|p| literals(p, ExtractKind::Prefix)));
        }
        let best = candidates
            .into_iter()
            .flatten()
            .max_by(|a, b| selectivity(a).cmp(&selectivity(b)).then(b.len().cmp(&a.len())))?;
        let searcher = match best.as_slice() {
            [one] => Searcher::One(Box::new(memmem::Finder::new(one).into_owned())),
            many => Searcher::Many(AhoCorasick::new(many).ok()?),
        };
        Some(Prefilter { searcher: Arc::new(searcher) })
    }

    /// The offset of the first literal in `haystack`.
    pub fn find(&self, haystack: &[u8]) -> Option<usize> {
        match &*self.searcher {
            Searcher::One(finder) => finder.find(haystack),
            Searcher::Many(ac) => ac.find(haystack).map(|m| m.start()),
        }
    }
}

/// A finite set of non-empty literals one of which starts (or ends) every
/// match of `hir`.
fn literals(hir: &Hir, kind: ExtractKind) -> Option<Vec<Vec<u8>>> {
    let mut extractor = Extractor::new();
    extractor.kind(kind).limit_total(256);
    let seq = extractor.extract(hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    Some(literals.iter().map(|l| l.as_bytes().to_vec()).collect())
}

/// How rarely the least selective literal of a set occurs in a report: the
/// bytes of frame names like `main.`, `net/http.` are everywhere, digits
/// and capitals less so.
fn selectivity(literals: &[Vec<u8>]) -> u32 {
    let weight = |b: &u8| match b {
        b'a'..=b'z' => 2,
        b'.' | b'/' | b' ' => 1,
        _ => 3,
    };
    let per_literal = literals.iter().map(|l| l.iter().map(weight).sum::<u32>());
    per_literal.min().unwrap_or(0).saturating_sub(literals.len().ilog2())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_go_name_that_is_no_regex_gets_the_hint_of_fixed_strings() {
        let go = "main.(*headerCache).remember";
        let e = NameMatcher::new(go, PatternOptions::default(), "pattern").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("did you mean -F"), "{text}");
        assert!(text.contains(r"'main\.\(\*headerCache\)\.remember'"), "{text}");
        // Not for a broken expression that is no name.
        let e = NameMatcher::new("a{2", PatternOptions::default(), "pattern").unwrap_err();
        assert!(!e.to_string().contains("-F"), "{e}");
        // With -F it matches.
        let fixed = PatternOptions { fixed: true, ..Default::default() };
        assert!(NameMatcher::new(go, fixed, "pattern").is_ok());
    }

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

    #[test]
    fn prefilters_only_where_sound() {
        let has =
            |p: &str, ci: bool, text: &str| Prefilter::new(p, ci).map(|f| f.find(text.as_bytes()));
        assert_eq!(has("ReadMIMEHeader", false, "x ReadMIMEHeader"), Some(Some(2)));
        assert_eq!(has("^net/http\\.", false, "   net/http.serve"), Some(Some(3)));
        assert_eq!(has("readmime", true, "ReadMIMEHeader"), Some(Some(0)));
        assert_eq!(has("Read(MIME|Line)", false, "ReadLine"), Some(Some(0)));
        assert_eq!(has("foo", false, "bar"), Some(None));
        assert_eq!(has(".*x", false, "abx"), Some(Some(2))); // every match ends with x
        assert!(Prefilter::new("a*", false).is_none());
        assert!(Prefilter::new("\\w+", false).is_none());
        assert!(Prefilter::new("a|", false).is_none());
        // An inner piece every match holds is searched for when it is the
        // most selective: `f258`, not `main`.
        assert_eq!(has("main.f258", false, "main.f25 main.f258"), Some(Some(14)));
        assert_eq!(has("^main\\.", false, "  main.x"), Some(Some(2)));
    }
}
