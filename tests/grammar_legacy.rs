//! The formal grammar `grammar/legacy.pest` (the `?debug=1` text profiles
//! and goroutine dumps) against the readers `traces_tool::read::legacy` and
//! `traces_tool::read::goroutine_dump`:
//!
//! - agreement: every `samples/legacy/*.debug1.txt` and
//!   `samples/legacy-shapes/*.debug1.txt`, the profiles after a command
//!   line, in a fence or tab-expanded of `tests/data/legacy/debug1/`, every
//!   dump of `samples/legacy/` and `tests/data/legacy/` is parsed by both, each also with CRLF line
//!   ends and without its final newline; the records (count, printed
//!   numbers, `# labels:`, the `#` lines' function names) or goroutines
//!   (id, state, wait, lock, creator, frames) must be identical;
//! - every production occurs in one of these files and has a row in
//!   grammar/README.md;
//! - malformed inputs are rejected by both.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use pest::iterators::Pair;
use pest::Parser;
use traces_tool::read::{goroutine_dump, legacy};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/legacy.pest"]
struct LegacyParser;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &str, pred: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(crate_dir().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| pred(&p.file_name().unwrap().to_string_lossy()))
        .collect();
    out.sort();
    out
}

fn profiles() -> Vec<PathBuf> {
    let mut out = files("samples/legacy", |n| n.ends_with(".debug1.txt"));
    out.extend(files("samples/legacy-shapes", |n| n.ends_with(".debug1.txt")));
    // After a command line or in a fence, tab-expanded.
    out.extend(files("tests/data/legacy/debug1", |n| n.ends_with(".debug1.txt")));
    out
}

fn dumps() -> Vec<PathBuf> {
    let mut out = files("samples/legacy", |n| n.ends_with(".debug2.txt") || n == "panic.txt");
    out.extend(files("tests/data/legacy", |n| n.ends_with(".txt")));
    out
}

/// The file, with CRLF line ends, and without its final newline.
fn variants(text: &str) -> Vec<String> {
    vec![
        text.to_owned(),
        text.replace('\n', "\r\n"),
        text.strip_suffix('\n').unwrap_or(text).to_owned(),
    ]
}

/// A debug=1 record: printed numbers, labels, `#` function names.
type Rec = (Vec<i64>, Vec<(String, String)>, Vec<String>);

fn records_by_grammar(text: &str) -> Result<Vec<Rec>, String> {
    let top = LegacyParser::parse(Rule::legacy_profile, text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for pair in top.flatten() {
        if !matches!(
            pair.as_rule(),
            Rule::heap_record | Rule::count_record | Rule::contention_record
        ) {
            continue;
        }
        let mut rec: Rec = Default::default();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::heap_sample_line | Rule::count_line | Rule::contention_line => {
                    rec.0 = part
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::int)
                        .map(|p| p.as_str().parse().unwrap())
                        .collect();
                }
                Rule::labels_comment => {
                    for pair in part.into_inner() {
                        let mut s = pair.into_inner().map(|p| p.as_str().to_owned());
                        let (k, v) = (s.next().unwrap(), s.next().unwrap());
                        rec.1.push((k, v));
                    }
                }
                Rule::frame_comment | Rule::expanded_frame_comment => {
                    let is_function = |p: &Pair<'_, Rule>| {
                        matches!(p.as_rule(), Rule::frame_function | Rule::expanded_frame_function)
                    };
                    if let Some(f) = part.into_inner().find(is_function) {
                        rec.2.push(f.as_str().to_owned());
                    }
                }
                _ => {}
            }
        }
        out.push(rec);
    }
    Ok(out)
}

fn records_by_reader(text: &str) -> Result<Vec<Rec>, String> {
    let parsed = legacy::parse(text).map_err(|(l, m)| format!("{l}: {m}"))?;
    let p = &parsed.profile;
    Ok(parsed
        .printed
        .iter()
        .zip(&p.samples)
        .map(|((_, printed), s)| {
            let mut labels: Vec<(String, String)> = s
                .labels
                .iter()
                .flat_map(|(k, vs)| vs.iter().map(move |v| (format!("{k:?}"), format!("{v:?}"))))
                .collect();
            labels.sort();
            let frames = s
                .locations
                .iter()
                .flat_map(|&l| &p.locations[l as usize].lines)
                .map(|ln| p.functions[ln.function.unwrap()].name.clone())
                .collect();
            (printed.clone(), labels, frames)
        })
        .collect())
}

#[test]
fn grammar_and_legacy_reader_agree() {
    let files = profiles();
    assert!(files.len() >= 6, "{files:?}");
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        for (i, v) in variants(&text).iter().enumerate() {
            let g = records_by_grammar(v).unwrap_or_else(|e| panic!("{path:?} #{i}: grammar: {e}"));
            let mut g = g;
            // The grammar keeps Go's %q text ("io"); the reader decodes it,
            // and Rust's {:?} of plain text prints the same quotes.
            for r in &mut g {
                r.1.sort();
            }
            let r = records_by_reader(v).unwrap_or_else(|e| panic!("{path:?} #{i}: reader: {e}"));
            assert!(!g.is_empty(), "{path:?}");
            assert_eq!(g, r, "{path:?} variant {i}");
        }
    }
}

/// A goroutine: id, labels (state, wait, lock, creator), frames, each
/// frame's argument text, the creator's parent id.
type G = (u64, Vec<(String, String)>, Vec<(String, bool)>, Vec<String>, Option<u64>);

fn goroutines_by_grammar(text: &str) -> Result<Vec<G>, String> {
    let top = LegacyParser::parse(Rule::goroutine_dump, text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for block in top.flatten().filter(|p| p.as_rule() == Rule::goroutine_block) {
        let mut g: G = Default::default();
        for part in block.into_inner() {
            match part.as_rule() {
                Rule::goroutine_header => {
                    for p in part.into_inner() {
                        match p.as_rule() {
                            Rule::int => g.0 = p.as_str().parse().unwrap(),
                            Rule::goroutine_state => g.1.push(("state".into(), p.as_str().into())),
                            Rule::leaked_mark => g.1.push(("leaked".into(), "true".into())),
                            Rule::wait_minutes => g.1.push((
                                "wait_minutes".into(),
                                p.into_inner().next().unwrap().as_str().into(),
                            )),
                            Rule::locked_to_thread => {
                                g.1.push(("locked_to_thread".into(), "true".into()))
                            }
                            Rule::labels_item => {
                                for l in p.into_inner() {
                                    let mut kv = l.into_inner().map(|s| {
                                        let s = s.as_str();
                                        s[1..s.len() - 1].replace("\\\"", "\"")
                                    });
                                    g.1.push((kv.next().unwrap(), kv.next().unwrap()));
                                }
                            }
                            // `synctest group 3` is the label synctest_group=3.
                            Rule::other_item => {
                                let (k, v) = match p.as_str().rsplit_once(' ') {
                                    Some((k, v)) if v.bytes().all(|b| b.is_ascii_digit()) => {
                                        (k.replace(' ', "_"), v.to_owned())
                                    }
                                    _ => (p.as_str().replace(' ', "_"), "true".to_owned()),
                                };
                                g.1.push((k, v));
                            }
                            _ => {}
                        }
                    }
                }
                Rule::call => {
                    let mut inner = part.into_inner();
                    let name = inner.next().unwrap().as_str();
                    let args = inner.next().unwrap().as_str();
                    let name = if name == "panic" { "runtime.gopanic" } else { name };
                    g.2.push((name.to_owned(), args == "..."));
                    g.3.push(args.to_owned());
                }
                Rule::elision => {
                    g.2.push((part.as_str().to_owned(), false));
                    g.3.push(String::new());
                }
                Rule::stack_unavailable => {
                    g.2.push(("<stack unavailable>".into(), false));
                    g.3.push(String::new());
                }
                Rule::created_by => {
                    let mut inner = part.into_inner();
                    let creator = inner.next().unwrap().as_str();
                    g.1.push(("created_by".into(), creator.into()));
                    g.4 = inner.next().map(|p| p.as_str().parse().unwrap());
                }
                _ => {}
            }
        }
        out.push(g);
    }
    Ok(out)
}

fn goroutines_by_reader(text: &str) -> Result<Vec<G>, String> {
    let dump = goroutine_dump::parse(text).map_err(|(l, m)| format!("{l}: {m}"))?;
    Ok(dump
        .goroutines
        .into_iter()
        .map(|g| (g.id, g.labels, g.frames, g.args, g.creator.and_then(|c| c.parent)))
        .collect())
}

#[test]
fn grammar_and_dump_reader_agree() {
    let files = dumps();
    assert!(files.len() >= 3, "{files:?}");
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        for (i, v) in variants(&text).iter().enumerate() {
            let g =
                goroutines_by_grammar(v).unwrap_or_else(|e| panic!("{path:?} #{i}: grammar: {e}"));
            let r =
                goroutines_by_reader(v).unwrap_or_else(|e| panic!("{path:?} #{i}: reader: {e}"));
            assert!(!g.is_empty(), "{path:?}");
            assert_eq!(g, r, "{path:?} variant {i}");
        }
    }
}

#[test]
fn both_reject_malformed_inputs() {
    let profiles = [
        "heap profile: 1: 8 [1: 8] @ heap/1024\n1: 8 [1: 8] 0x1\n",
        "goroutine profile: total 1\n1 @ 0x1 0xZ\n",
        "goroutine profile: total 1\n1 @ 0x1\n# labels: {\"a\n",
        "--- mutex:\ncycles/second=1\nresolution=3\n",
        "--- contention:\ncycles/second=1\nx 1 @ 0x1\n",
    ];
    for text in profiles {
        assert!(records_by_grammar(text).is_err(), "grammar accepts {text:?}");
        assert!(records_by_reader(text).is_err(), "reader accepts {text:?}");
    }
    let dumps = [
        "goroutine 1 [running]:\nmain.main()\nmain.f()\n\t/a.go:1\n",
        "goroutine 1 [running]:\n\t/a.go:1 +0x1\n",
        "goroutine 1 [running]:\nnot a frame\nmain.f()\n\t/a.go:1\n",
        "no goroutine here\n",
    ];
    for text in dumps {
        assert!(goroutines_by_grammar(text).is_err(), "grammar accepts {text:?}");
        assert!(goroutines_by_reader(text).is_err(), "reader accepts {text:?}");
    }
}

/// The productions of grammar/legacy.pest that yield pairs, in file order.
fn productions() -> Vec<String> {
    let grammar = fs::read_to_string(crate_dir().join("grammar/legacy.pest")).unwrap();
    grammar
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once('=')?;
            let (name, rest) = (name.trim(), rest.trim_start());
            let is_name =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            (is_name && (rest.starts_with('{') || rest.starts_with("@{") || rest.starts_with("${")))
                .then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn every_production_occurs_in_a_file_and_in_the_readme() {
    let mut seen = BTreeSet::new();
    for path in profiles() {
        let text = fs::read_to_string(&path).unwrap();
        let pairs = LegacyParser::parse(Rule::legacy_profile, &text).unwrap();
        seen.extend(pairs.flatten().map(|p: Pair<'_, Rule>| format!("{:?}", p.as_rule())));
    }
    for path in dumps() {
        let text = fs::read_to_string(&path).unwrap();
        let pairs = LegacyParser::parse(Rule::goroutine_dump, &text).unwrap();
        seen.extend(pairs.flatten().map(|p| format!("{:?}", p.as_rule())));
    }
    let readme = fs::read_to_string(crate_dir().join("grammar/README.md")).unwrap();
    let all = productions();
    assert!(all.len() > 30, "{all:?}");
    let mut problems = Vec::new();
    for name in &all {
        // rest_of_line only runs inside atomic productions.
        if name != "rest_of_line" && !seen.contains(name) {
            problems.push(format!("production {name} occurs in no file"));
        }
        if !readme.contains(&format!("`{name}`")) {
            problems.push(format!("production {name} has no row in grammar/README.md"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
