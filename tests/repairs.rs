//! The property that decides whether pasted text may be repaired: for every
//! clean report (the shipped samples, the real reports beside the checkout
//! in `../shared/real-traces`, and a report of over 256 KiB made from a
//! sample) and every damage transform, alone and combined, at the start, in
//! the middle and past the first 256 KiB, reading the damaged text gives
//! either exactly the clean report's records (with `...` where the text says
//! frames were left out) or a refusal naming the first line no repair
//! places; never other records. The shapes people's copies show that once
//! turned into numbers are kept as fixtures in `tests/data/paste/unplaced/`.

use traces_tool::error::Error;
use traces_tool::read::paste::{PasteMode, ELIDED_FRAME};
use traces_tool::read::traces::{ReaderOptions, TraceReader};
use traces_tool::read::{open_bytes, SourceOptions};
use traces_tool::record::{Names, Record};

const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// A record as compared: labels, exact value, frames (name, inline).
type Sample = (Vec<(String, String)>, i128, Vec<(String, bool)>);

fn sample(rec: &Record, names: &Names) -> Sample {
    (
        rec.labels().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        rec.value.centi,
        rec.frames.iter().map(|f| (names.get(f.name).to_owned(), f.inline)).collect(),
    )
}

/// The clean report read as it is.
fn clean(text: &str) -> Vec<Sample> {
    let mut reader = TraceReader::new("clean", text.as_bytes(), ReaderOptions::default()).unwrap();
    let (mut names, mut rec, mut out) = (Names::new(), Record::new(), Vec::new());
    while reader.read_record(&mut rec, &mut names).unwrap() {
        out.push(sample(&rec, &names));
    }
    out
}

/// The damaged text read as the command line reads it (repairs on).
fn pasted(text: &str, lenient: bool) -> Result<Vec<Sample>, Error> {
    let mut options = SourceOptions { paste: PasteMode::Repair, ..SourceOptions::default() };
    options.reader.lenient = lenient;
    let mut source = open_bytes("pasted", text.as_bytes().to_vec(), options)?;
    let (mut names, mut rec, mut out) = (Names::new(), Record::new(), Vec::new());
    while source.read_record(&mut rec, &mut names)? {
        out.push(sample(&rec, &names));
    }
    Ok(out)
}

/// The clean reports: traces reports as pprof printed them.
fn reports() -> Vec<(String, String)> {
    let mut paths: Vec<String> = Vec::new();
    for dir in ["samples/heap", "samples/leak", "samples/cpu", "samples/goroutine", "samples/mutex"]
    {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.to_string_lossy().into_owned();
            if name.ends_with(".traces.txt") {
                paths.push(name);
            }
        }
    }
    let shared = std::path::Path::new("../shared/real-traces");
    if shared.is_dir() {
        for entry in std::fs::read_dir(shared).unwrap() {
            let name = entry.unwrap().path().to_string_lossy().into_owned();
            if name.ends_with(".traces") {
                paths.push(name);
            }
        }
    } else if std::env::var_os("CI").is_some() {
        panic!("../shared/real-traces is missing (CI is set)");
    } else {
        eprintln!("note: ../shared/real-traces is missing: only the shipped samples are used");
    }
    paths.sort();
    let mut out: Vec<(String, String)> = paths
        .into_iter()
        .map(|p| (std::fs::read_to_string(&p).unwrap(), p))
        .map(|(t, p)| (p, t))
        .collect();
    out.push(("large (made from samples/leak/after.traces.txt)".to_owned(), large()));
    out
}

/// A report of over 600 KiB: the blocks of a sample, repeated.
fn large() -> String {
    let text = std::fs::read_to_string("samples/leak/after.traces.txt").unwrap();
    let sep = format!("{SEPARATOR}\n");
    let (head, rest) = text.split_once(&sep).unwrap();
    let blocks: Vec<&str> = rest.split(&sep).filter(|b| !b.is_empty()).collect();
    let mut out = format!("{head}\n{sep}");
    let mut i = 0;
    while out.len() < 600 * 1024 {
        out.push_str(blocks[i % blocks.len()]);
        out.push_str(&sep);
        i += 1;
    }
    out
}

/// Where in a report a local damage goes: the line index of a frame line
/// (13 spaces) at the start, in the middle, and past 256 KiB if the report
/// is that long.
fn frame_lines(lines: &[&str]) -> Vec<usize> {
    let frames: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("             ") && !lines[i][13..].starts_with(' '))
        .collect();
    if frames.is_empty() {
        return Vec::new();
    }
    let mut at = vec![frames[0], frames[frames.len() / 2]];
    let mut offset = 0;
    for (i, line) in lines.iter().enumerate() {
        offset += line.len() + 1;
        if offset > 300 * 1024 && frames.binary_search(&i).is_ok() {
            at.push(i);
            break;
        }
    }
    at
}

/// A transform's outcome by its rules: the clean records (repairable), or
/// a refusal at the given 1-based line (or the clean records).
enum Expect {
    Clean,
    /// Clean records with `...` after frame `k` of the record whose block
    /// holds line `line` (0-based index of the inserted line).
    Elided {
        line: usize,
    },
    /// A refusal at the first of these 1-based lines that no repair
    /// places (a wrapped line's first half may already be one).
    RefuseAt(usize),
    RefuseAtOneOf(usize, usize),
}

/// Whole-text damage: every line changed the same way.
fn whole(name: &str, text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let map =
        |f: &dyn Fn(&str) -> String| -> String { lines.iter().map(|l| f(l) + "\n").collect() };
    Some(match name {
        "stripped" => map(&|l| l.trim_start().to_owned()),
        "collapsed" => map(&|l| {
            let mut out = String::new();
            for word in l.split(' ').filter(|w| !w.is_empty()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
            out
        }),
        "indented-code" => map(&|l| format!("    {l}")),
        "quoted" => map(&|l| format!("> {l}")),
        "padded" => map(&|l| format!("{l:<120}")),
        "unexpand" => map(&|l| {
            let n = l.len() - l.trim_start_matches(' ').len();
            format!("{}{}{}", "\t".repeat(n / 8), " ".repeat(n % 8), &l[n..])
        }),
        "crlf" => lines.iter().map(|l| format!("{l}\r\n")).collect(),
        "fenced" => format!("Here is the report:\n\n```\n{text}```\n\nThanks!\n"),
        "captured" => {
            format!("$ go tool pprof -traces heap.pb.gz > traces.txt\n$ cat traces.txt\n{text}$ \n")
        }
        "prose-after" => format!("{text}3GB in prod after a day, only 7MB here\n"),
        _ => return None,
    })
}

/// Damage at one line (index `at`, a frame line): the text and what to
/// expect.
fn local(name: &str, lines: &[&str], at: usize) -> (String, Expect) {
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let expect = match name {
        "annotation" => {
            out[at].push_str("   // <- this one grows");
            Expect::Clean
        }
        "emoji" => {
            out[at].push_str(" 🔥");
            Expect::Clean
        }
        "elision-comment" => {
            out.insert(at, "             // 18 lines omitted".to_owned());
            Expect::Elided { line: at }
        }
        "prose-in-frames" => {
            out.insert(at, "I think this is where it leaks".to_owned());
            Expect::RefuseAt(at + 1)
        }
        "indented-prose" => {
            out.insert(at, "             this is where it leaks".to_owned());
            Expect::RefuseAt(at + 1)
        }
        "note-between-blocks" => {
            let sep = (0..at).rev().find(|&i| lines[i] == SEPARATOR).unwrap();
            out.insert(sep + 1, "2 of these are expected (worker pool)".to_owned());
            Expect::RefuseAt(sep + 2)
        }
        "wrapped" => {
            // The frame line cut in two, its second half at column 0.
            let line = out[at].clone();
            let name = &line[13..];
            let cut = (name.len() / 2).max(1);
            out[at] = format!("             {}", &name[..cut]);
            out.insert(at + 1, name[cut..].to_owned());
            Expect::RefuseAtOneOf(at + 1, at + 2)
        }
        other => panic!("unknown transform {other}"),
    };
    (out.iter().map(|l| format!("{l}\n")).collect(), expect)
}

/// Checks one damaged text against its clean records.
fn check(report: &str, transform: &str, clean: &[Sample], damaged: &str, expect: &Expect) {
    let got = pasted(damaged, false);
    let what = format!("{report}, {transform}");
    match (got, expect) {
        (Ok(records), Expect::Clean) => {
            assert!(records == clean, "{what}: other records than the clean report's");
        }
        (Ok(records), Expect::Elided { line }) => {
            // The same records, but the one holding the elision line has
            // one `...` frame more.
            assert_eq!(records.len(), clean.len(), "{what}");
            let differing: Vec<usize> =
                (0..clean.len()).filter(|&i| records[i] != clean[i]).collect();
            assert_eq!(differing.len(), 1, "{what}: line {line}");
            let (got, want) = (&records[differing[0]], &clean[differing[0]]);
            assert_eq!((&got.0, got.1), (&want.0, want.1), "{what}");
            let kept: Vec<&(String, bool)> = got.2.iter().filter(|f| f.0 != ELIDED_FRAME).collect();
            assert_eq!(kept, want.2.iter().collect::<Vec<_>>(), "{what}");
            assert_eq!(got.2.len(), want.2.len() + 1, "{what}");
        }
        (Ok(records), Expect::RefuseAt(line) | Expect::RefuseAtOneOf(_, line)) => {
            panic!(
                "{what}: read {} records (clean: {}) where line {line} should be refused",
                records.len(),
                clean.len()
            );
        }
        (Err(Error::Parse { line: got, .. }), Expect::RefuseAt(line)) => {
            assert_eq!(got, *line as u64, "{what}: refused at another line");
        }
        (Err(Error::Parse { line: got, .. }), Expect::RefuseAtOneOf(a, b)) => {
            assert!(got == *a as u64 || got == *b as u64, "{what}: refused at line {got}");
        }
        (Err(e), _) => panic!("{what}: refused a repairable text: {e}"),
    }
}

#[test]
fn every_damage_gives_the_clean_records_or_a_refusal_at_its_line() {
    let mut checked = 0;
    for (path, text) in reports() {
        let want = clean(&text);
        for transform in [
            "stripped",
            "collapsed",
            "indented-code",
            "quoted",
            "padded",
            "unexpand",
            "crlf",
            "fenced",
            "captured",
            "prose-after",
        ] {
            let damaged = whole(transform, &text).unwrap();
            // A report whose names hold spaces, or are not qualified Go or
            // C++ names (`line2001` in pprof's own test data), cannot be
            // told from prose once its indentation is gone: it may be
            // refused there, never misread.
            let ambiguous_names = text.lines().any(|l| {
                let name = l.trim().trim_end_matches(" (inline)");
                l.starts_with("             ")
                    && (name.contains(' ') || !(name.contains('.') || name.contains("::")))
            });
            match pasted(&damaged, false) {
                Ok(records) => {
                    assert!(records == want, "{path}, {transform}: other records");
                }
                Err(e) if ambiguous_names && matches!(transform, "collapsed" | "stripped") => {
                    assert!(matches!(e, Error::Parse { .. }), "{path}, {transform}: {e}");
                }
                Err(e) => panic!("{path}, {transform}: refused: {e}"),
            }
            checked += 1;
        }
        let lines: Vec<&str> = text.lines().collect();
        for at in frame_lines(&lines) {
            for transform in [
                "annotation",
                "emoji",
                "elision-comment",
                "prose-in-frames",
                "indented-prose",
                "note-between-blocks",
                "wrapped",
            ] {
                let (damaged, expect) = local(transform, &lines, at);
                let what = format!("{transform} at line {}", at + 1);
                check(&path, &what, &want, &damaged, &expect);
                checked += 1;
                // Combined with whole-text damage: stripped and quoted.
                if matches!(transform, "annotation" | "prose-in-frames" | "note-between-blocks") {
                    let quoted = whole("quoted", &damaged).unwrap();
                    let what = format!("quoted {transform} at line {}", at + 1);
                    check(&path, &what, &want, &quoted, &expect);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} damaged texts");
}

#[test]
fn lenient_reading_skips_the_unplaced_block_and_counts_it() {
    let text = std::fs::read_to_string("samples/leak/after.traces.txt").unwrap();
    let want = clean(&text);
    let lines: Vec<&str> = text.lines().collect();
    let at = frame_lines(&lines)[1];
    let (damaged, _) = local("prose-in-frames", &lines, at);
    let got = pasted(&damaged, true).unwrap();
    assert_eq!(got.len(), want.len() - 1, "one block skipped");
    assert!(got.iter().all(|r| want.contains(r)), "every kept record is a clean one");
}

#[test]
fn the_fixtures_are_refused_at_their_line_or_read_as_their_clean_report() {
    let dir = "tests/data/paste/unplaced";
    let table = std::fs::read_to_string(format!("{dir}/cases.tsv")).unwrap();
    let mut n = 0;
    for line in table.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let (file, outcome) = (f[0], f[1]);
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let got = pasted(&text, false);
        match outcome.split_once(':') {
            Some(("refuse", at)) => match got {
                Err(Error::Parse { line, .. }) => {
                    assert_eq!(line.to_string(), at, "{file}: refused at another line")
                }
                other => panic!("{file}: not refused: {:?}", other.map(|r| r.len())),
            },
            Some(("clean", path)) => {
                let want = clean(&std::fs::read_to_string(path).unwrap());
                let got = got.unwrap_or_else(|e| panic!("{file}: {e}"));
                assert!(got == want, "{file}: other records than {path}'s");
            }
            _ => panic!("{file}: bad outcome {outcome}"),
        }
        n += 1;
    }
    assert!(n >= 8, "{n} fixtures");
}
