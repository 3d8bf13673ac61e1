//! What `go tool pprof` does to a profile between reading it and printing
//! a report (Go 1.19, `internal/driver/fetch.go`), for one input file:
//!
//! 1. `locateBinaries`: a profile without mappings gets one fake mapping
//!    (id 1, no file) that every location points to;
//! 2. `combineProfiles` → `profile.Merge` ([`super::merge::merge`]);
//! 3. `Symbolize`: only its last step can run without the binaries, the
//!    demangler's pass over function names (see `demangle`);
//! 4. `RemoveUninteresting`: the profile's own `drop_frames`/`keep_frames`
//!    regular expressions prune stacks (`prune`);
//! 5. `unsourceMappings`: a mapping file that is a URL is cleared when the
//!    mapping has no build id.

use regex::Regex;

use super::merge::merge;
use super::{Mapping, Profile};

/// Runs the steps above.
pub fn prepare(mut p: Profile) -> Profile {
    add_fake_mapping(&mut p);
    finish(merge(&p))
}

/// Step 1: the fake mapping of a profile without mappings.
pub(crate) fn add_fake_mapping(p: &mut Profile) {
    if p.mappings.is_empty() {
        p.mappings.push(Mapping { id: 1, ..Mapping::default() });
        for l in &mut p.locations {
            l.mapping = Some(0);
        }
    }
}

/// Steps 3 to 5, on a merged profile.
pub fn finish(mut p: Profile) -> Profile {
    demangle(&mut p);
    remove_uninteresting(&mut p);
    for m in &mut p.mappings {
        if m.build_id.is_empty() && url_is_absolute(&m.file) {
            m.file.clear();
        }
    }
    p
}

/// The part of pprof's `Demangle(p, false, "")` that needs no demangler:
/// a function whose name is empty or equal to its system name gets the
/// system name, and if that looks like an already demangled C++ name, its
/// parameter lists `(...)` and template arguments `<...>` are removed.
/// Mangled names (`_Z...`, `_R...`) would be demangled by pprof; here they
/// are kept as they are.
pub(crate) fn demangle(p: &mut Profile) {
    for f in &mut p.functions {
        if !f.name.is_empty() && f.system_name != f.name {
            continue;
        }
        let mut name = f.system_name.clone();
        if looks_like_demangled_cpp(&name) {
            name = remove_matching(&name, b'(', b')');
            name = remove_matching(&name, b'<', b'>');
        }
        f.name = name;
    }
}

/// pprof's `looksLikeDemangledCPlusPlus`.
fn looks_like_demangled_cpp(name: &str) -> bool {
    if name.contains(".<") || name.contains("]).") {
        return false;
    }
    name.contains(['<', '>', '[', ']']) || name.contains("::")
}

/// pprof's `removeMatching`: drops every outermost balanced
/// `start ... end` group; gives up (keeping what was removed so far) at an
/// unmatched `end`.
fn remove_matching(name: &str, start: u8, end: u8) -> String {
    let mut name = name.as_bytes().to_vec();
    let (mut nesting, mut first, mut current) = (0i64, 0usize, 0usize);
    while let Some(index) = name[current..].iter().position(|&b| b == start || b == end) {
        current += index;
        if name[current] == start {
            nesting += 1;
            if nesting == 1 {
                first = current;
            }
            current += 1;
        } else {
            nesting -= 1;
            if nesting < 0 {
                break;
            }
            if nesting == 0 {
                name.drain(first..=current);
                current = first;
            } else {
                current += 1;
            }
        }
    }
    String::from_utf8_lossy(&name).into_owned()
}

/// `RemoveUninteresting`: prunes with `^(drop_frames)$`, sparing
/// `^(keep_frames)$`. A pattern that does not compile prunes nothing (pprof
/// ignores the error).
pub(crate) fn remove_uninteresting(p: &mut Profile) {
    if p.drop_frames.is_empty() {
        return;
    }
    let Ok(drop) = Regex::new(&format!("^({})$", p.drop_frames)) else { return };
    let keep = if p.keep_frames.is_empty() {
        None
    } else {
        match Regex::new(&format!("^({})$", p.keep_frames)) {
            Ok(k) => Some(k),
            Err(_) => return,
        }
    };
    prune(p, &drop, keep.as_ref());
}

/// pprof's `simplifyFunc`: a leading `.` dropped, and the name cut at the
/// first `(` that does not begin `(anonymous namespace)` or `operator()`.
fn simplify_func(name: &str) -> &str {
    let name = name.strip_prefix('.').unwrap_or(name);
    const RESERVED: [&str; 2] = ["(anonymous namespace)", "operator()"];
    let mut pos = 0;
    while pos < name.len() {
        let rest = &name[pos..];
        if let Some(r) = RESERVED.iter().find(|r| rest.starts_with(**r)) {
            pos += r.len();
            continue;
        }
        if rest.starts_with('(') {
            return &name[..pos];
        }
        pos += rest.chars().next().map_or(1, char::len_utf8);
    }
    name
}

/// pprof's `Prune`: removes every frame beneath (callee-side of) a frame
/// that matches `drop` and not `keep`, scanning each stack from the root.
pub(crate) fn prune(p: &mut Profile, drop: &Regex, keep: Option<&Regex>) {
    let n = p.locations.len();
    let (mut prune_loc, mut prune_beneath) = (vec![false; n], vec![false; n]);
    for (li, loc) in p.locations.iter_mut().enumerate() {
        let hit = loc.lines.iter().rposition(|ln| {
            let Some(f) = ln.function else { return false };
            let name = &p.functions[f].name;
            if name.is_empty() {
                return false;
            }
            let simple = simplify_func(name);
            drop.is_match(simple) && !keep.is_some_and(|k| k.is_match(simple))
        });
        if let Some(i) = hit {
            prune_beneath[li] = true;
            if i == loc.lines.len() - 1 {
                prune_loc[li] = true;
            } else {
                loc.lines.drain(..=i);
            }
        }
    }
    for si in 0..p.samples.len() {
        let locations = p.samples.get(si).locations;
        let mut found_user = false;
        let mut cut = 0;
        for i in (0..locations.len()).rev() {
            let l = locations[i] as usize;
            if !prune_loc[l] && !prune_beneath[l] {
                found_user = true;
                continue;
            }
            if !found_user {
                continue;
            }
            if prune_loc[l] {
                cut = i + 1;
                break;
            }
            if prune_beneath[l] {
                cut = i;
                break;
            }
        }
        p.samples.drop_leaf_frames(si, cut);
    }
}

/// Go's `url.Parse(s)` succeeding with `IsAbs()`: a scheme (a letter, then
/// letters, digits, `+`, `-` or `.`) before the first `:`, and no control
/// characters. (Go's further checks of hosts and escapes are not repeated.)
fn url_is_absolute(s: &str) -> bool {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return false;
    }
    let Some(colon) = s.find(':') else { return false };
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::super::{Function, Sample};
    use super::*;

    #[test]
    fn demangler_cleanup_of_demangled_names() {
        assert_eq!(
            remove_matching("std::vector<int>::push_back(int)", b'(', b')'),
            "std::vector<int>::push_back"
        );
        assert_eq!(remove_matching("a<b<c>>::d<e>", b'<', b'>'), "a::d");
        assert_eq!(remove_matching("a>b<c>", b'<', b'>'), "a>b<c>");
        assert!(looks_like_demangled_cpp("pkg.F[...]"));
        assert!(!looks_like_demangled_cpp("pkg.(*T[...]).M"));
        assert!(!looks_like_demangled_cpp("main.(*Srv).Handle"));
        let mut p = Profile::default();
        for (name, system) in [("", "f<int>(x)"), ("keep<me>", ""), ("a::b(int)", "a::b(int)")] {
            p.functions.push(Function {
                name: name.into(),
                system_name: system.into(),
                ..Default::default()
            });
        }
        demangle(&mut p);
        let names: Vec<_> = p.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["f", "keep<me>", "a::b"]);
    }

    #[test]
    fn simplify_keeps_reserved_parentheses() {
        assert_eq!(simplify_func(".foo(int)"), "foo");
        assert_eq!(simplify_func("(anonymous namespace)::f(int)"), "(anonymous namespace)::f");
        assert_eq!(simplify_func("operator()(int)"), "operator()");
        assert_eq!(simplify_func("main.main"), "main.main");
    }

    #[test]
    fn prunes_beneath_dropped_frames() {
        let mut p = Profile::default();
        super::super::add_test_functions(&mut p, &["malloc", "alloc_helper", "user", "main"]);
        p.samples.push(Sample {
            locations: vec![0, 1, 2, 3],
            values: vec![1],
            ..Default::default()
        });
        p.drop_frames = "malloc|alloc_.*".into();
        remove_uninteresting(&mut p);
        assert_eq!(p.samples.get(0).locations, [2, 3]);
    }

    #[test]
    fn url_mapping_files() {
        assert!(url_is_absolute("http://host/bin"));
        assert!(!url_is_absolute("/usr/bin/server"));
        assert!(!url_is_absolute("libc.so.6"));
        assert!(!url_is_absolute("[vdso]"));
    }
}
