//! Search-first reading (skip blocks whose bytes cannot match, as ripgrep
//! does) must find exactly the samples a full parse finds, with the same
//! sample numbers and line numbers.

use std::path::{Path, PathBuf};

use traces_tool::matcher::{NameMatcher, PatternOptions};
use traces_tool::read::traces::{ReaderOptions, TraceReader};
use traces_tool::record::{Names, Record};

/// (sample number, line, value text, frame names) of the samples with a
/// frame matching `pattern`.
fn matching(
    path: &Path,
    pattern: &str,
    ignore_case: bool,
    search_first: bool,
) -> Vec<(u64, u64, String, Vec<String>)> {
    let options = PatternOptions { ignore_case, ..Default::default() };
    let mut matcher = NameMatcher::new(pattern, options, "pattern").unwrap();
    let prefilter = if search_first { matcher.prefilter() } else { None };
    let bytes = std::fs::read(path).unwrap();
    let mut reader =
        TraceReader::new("t", &bytes[..], ReaderOptions { prefilter, ..Default::default() })
            .unwrap();
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut out = Vec::new();
    while reader.read_record(&mut rec, &mut names).unwrap() {
        if rec.frames.iter().any(|f| matcher.is_match(f.name, &names)) {
            let frames = rec.frames.iter().map(|f| names.get(f.name).to_owned()).collect();
            out.push((rec.index, rec.line, rec.value_text().to_owned(), frames));
        }
    }
    out
}

fn reports() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "samples/heap",
        "samples/cpu",
        "samples/leak",
        "samples/mutex",
        "samples/block",
        "samples/goroutine",
    ] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.to_string_lossy().ends_with(".traces.txt") {
                out.push(p);
            }
        }
    }
    out.push("tests/data/heketi-fragment.txt".into());
    out
}

#[test]
fn search_first_finds_exactly_what_a_full_parse_finds() {
    let patterns = [
        ("ReadMIMEHeader", false),
        ("readmimeheader", true),
        ("^net/http\\.", false),
        ("json\\.(Unmarshal|\\(\\*decodeState\\))", false),
        ("SessionContext", false),
        ("main\\.spin", false),
        ("NoSuchFunctionAnywhere", false),
        ("runtime\\.", false),
    ];
    let mut compared = 0;
    for path in reports() {
        for (pattern, ci) in patterns {
            let full = matching(&path, pattern, ci, false);
            let fast = matching(&path, pattern, ci, true);
            assert_eq!(fast, full, "{} /{pattern}/", path.display());
            compared += full.len();
        }
    }
    assert!(compared > 1000, "too few matches compared: {compared}");
}
