//! The data race detector's reports, read as their own kind
//! (`traces_tool::read::race`):
//!
//! - agreement: every report of `samples/race/` (made by
//!   `samples/regen.d/race.sh` from `samples/programs/racy`) and the real
//!   reports of `tests/data/race/` (Go 1.1 to 1.24, from public issues) is
//!   read by the grammar `grammar/race.pest` and by the reader, each also
//!   with CRLF line ends and without its final newline: the races
//!   (accesses, addresses, goroutines, frames, creations, tests) must be
//!   identical; every production occurs in a file and in grammar/README.md;
//!   malformed reports are rejected by both;
//! - the commands: `top`, `grep`, `hist --by access`, `stacks`, `csv` and
//!   `summary` on the sample, checked against the report's own lines;
//!   `goroutines` refuses a race report with a message that says what to
//!   run instead.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use pest::iterators::Pair;
use pest::Parser;
use traces_tool::read::race;

mod support;
use support::{command, run_cmd};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/race.pest"]
struct RaceParser;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn reports() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["samples/race", "tests/data/race"] {
        let mut these: Vec<PathBuf> = fs::read_dir(crate_dir().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        these.sort();
        out.extend(these);
    }
    assert!(out.len() >= 6, "{out:?}");
    out
}

fn variants(text: &str) -> Vec<String> {
    vec![
        text.to_owned(),
        text.replace('\n', "\r\n"),
        text.strip_suffix('\n').unwrap_or(text).to_owned(),
    ]
}

/// An access: kind, address, goroutine (`None`: main), frames.
type Access = (String, Option<String>, Option<u64>, Vec<(String, String)>);
/// A creation: goroutine, state, frames.
type Creation = (u64, String, Vec<(String, String)>);
/// A race: test, accesses, creations.
type RaceRec = (Option<String>, Vec<Access>, Vec<Creation>);
/// The whole: races, `Found N`, test failure lines.
type All = (Vec<RaceRec>, Option<u64>, u64);

fn stack(pairs: pest::iterators::Pairs<'_, Rule>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut function = String::new();
    for p in pairs {
        match p.as_rule() {
            Rule::race_frame => {
                function = p.into_inner().next().unwrap().as_str().to_owned();
            }
            Rule::race_position => {
                let mut file = String::new();
                let mut line = String::new();
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::race_file => file = q.as_str().to_owned(),
                        Rule::line_number => line = q.as_str().to_owned(),
                        _ => {}
                    }
                }
                out.push((std::mem::take(&mut function), format!("{file}:{line}")));
            }
            Rule::failed_stack => out.push((race::FAILED_STACK.to_owned(), String::new())),
            _ => {}
        }
    }
    out
}

fn by_grammar(text: &str) -> Result<All, String> {
    let top = RaceParser::parse(Rule::race_output, text).map_err(|e| e.to_string())?;
    let (mut races, mut found, mut failures) = (Vec::new(), None, 0);
    let mut test = None;
    for p in top.flatten() {
        match p.as_rule() {
            Rule::test_start => {
                test = Some(p.into_inner().next().unwrap().as_str().to_owned());
            }
            Rule::found_line => {
                found = Some(p.into_inner().next().unwrap().as_str().parse().unwrap())
            }
            Rule::test_failure => failures += 1,
            Rule::race_block => {
                let mut r: RaceRec = (test.clone(), Vec::new(), Vec::new());
                for section in p.into_inner() {
                    let rule = section.as_rule();
                    if !matches!(rule, Rule::access_section | Rule::creation_section) {
                        continue;
                    }
                    let mut inner = section.into_inner();
                    let header = inner.next().unwrap();
                    match rule {
                        Rule::access_section => {
                            let (mut kind, mut addr, mut g) = (String::new(), None, None);
                            for q in header.into_inner() {
                                match q.as_rule() {
                                    Rule::access_kind => kind = q.as_str().to_lowercase(),
                                    Rule::address => addr = Some(q.as_str().to_owned()),
                                    Rule::int => g = Some(q.as_str().parse().unwrap()),
                                    _ => {}
                                }
                            }
                            r.1.push((kind, addr, g, stack(inner)));
                        }
                        Rule::creation_section => {
                            let mut q = header.into_inner();
                            let id = q.next().unwrap().as_str().parse().unwrap();
                            let state = q.next().unwrap().as_str().to_owned();
                            r.2.push((id, state, stack(inner)));
                        }
                        _ => {}
                    }
                }
                races.push(r);
            }
            _ => {}
        }
    }
    if races.is_empty() {
        return Err("no race".into());
    }
    Ok((races, found, failures))
}

fn by_reader(text: &str) -> Result<All, String> {
    let r = race::parse(text).map_err(|(l, m)| format!("{l}: {m}"))?;
    let races = r
        .races
        .iter()
        .map(|race| {
            (
                race.test.clone(),
                race.accesses
                    .iter()
                    .map(|a| (a.kind.clone(), a.address.clone(), a.goroutine, a.frames.clone()))
                    .collect(),
                race.created
                    .iter()
                    .map(|c| (c.goroutine, c.state.clone(), c.frames.clone()))
                    .collect(),
            )
        })
        .collect();
    Ok((races, r.found, r.test_failures.0))
}

#[test]
fn grammar_and_reader_agree() {
    for path in reports() {
        let text = fs::read_to_string(&path).unwrap();
        for (i, v) in variants(&text).iter().enumerate() {
            let g = by_grammar(v).unwrap_or_else(|e| panic!("{path:?} #{i}: grammar: {e}"));
            let r = by_reader(v).unwrap_or_else(|e| panic!("{path:?} #{i}: reader: {e}"));
            assert_eq!(g, r, "{path:?} #{i}");
            // Every report of the file was read: as many as its warnings.
            assert_eq!(r.0.len(), text.matches("WARNING: DATA RACE\n").count(), "{path:?}");
        }
    }
}

#[test]
fn both_reject_malformed_reports() {
    let good = fs::read_to_string(crate_dir().join("samples/race/run.txt")).unwrap();
    let first_file_line = good.lines().find(|l| l.starts_with("      ")).unwrap();
    let bad = [
        // A frame without its file line.
        good.replacen(&format!("{first_file_line}\n"), "", 1),
        // Text after a file line's offset.
        good.replacen(" +0x", " +0xZZ ", 1),
        // An unknown line inside a report.
        good.replacen("Previous write at", "Prior write at 0xZZ and", 1),
        // No closing separator.
        good[..good.rfind("==================").unwrap()].to_owned(),
        // No access at all.
        "==================\nWARNING: DATA RACE\n==================\n".to_owned(),
        "no race here\n".to_owned(),
    ];
    for text in &bad {
        assert!(by_grammar(text).is_err(), "grammar accepts {text:?}");
        assert!(by_reader(text).is_err(), "reader accepts {text:?}");
    }
}

fn productions() -> Vec<String> {
    let grammar = fs::read_to_string(crate_dir().join("grammar/race.pest")).unwrap();
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
    for path in reports() {
        let text = fs::read_to_string(&path).unwrap();
        let pairs = RaceParser::parse(Rule::race_output, &text).unwrap();
        seen.extend(pairs.flatten().map(|p: Pair<'_, Rule>| format!("{:?}", p.as_rule())));
    }
    let readme = fs::read_to_string(crate_dir().join("grammar/README.md")).unwrap();
    let all = productions();
    assert!(all.len() > 15, "{all:?}");
    let mut problems = Vec::new();
    for name in &all {
        if name != "rest_of_line" && !seen.contains(name) {
            problems.push(format!("production {name} occurs in no file"));
        }
        if !readme.contains(&format!("`{name}`")) {
            problems.push(format!("production {name} has no row in grammar/README.md"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn run(args: &[&str]) -> (i32, String, String) {
    let r = run_cmd(command(args).current_dir(crate_dir()), None);
    (r.code, r.stdout, r.stderr)
}

const RUN: &str = "samples/race/run.txt";

/// The access headers of a report, by kind in lower case, counted from its
/// text.
fn access_counts(text: &str) -> std::collections::BTreeMap<String, u64> {
    let re = regex::Regex::new(r"(?m)^([A-Z][a-z]*(?: [a-z]+)?) (?:at 0x[0-9a-f]+ )?by ").unwrap();
    let mut out = std::collections::BTreeMap::new();
    for c in re.captures_iter(text) {
        *out.entry(c[1].to_lowercase()).or_insert(0) += 1;
    }
    out
}

#[test]
fn hist_by_access_counts_the_reports_accesses() {
    let text = fs::read_to_string(crate_dir().join(RUN)).unwrap();
    let expected = access_counts(&text);
    assert!(expected.len() >= 3, "{expected:?}");
    let (code, out, err) = run(&["hist", "--by", "access", "--format", "csv", RUN]);
    assert_eq!(code, 0, "{err}");
    let mut got = std::collections::BTreeMap::new();
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let key = headers.iter().position(|h| h == "value_text").unwrap();
    let count = headers.iter().position(|h| h == "count").unwrap();
    for row in rows.records() {
        let row = row.unwrap();
        got.insert(row[key].to_owned(), row[count].parse::<u64>().unwrap());
    }
    assert_eq!(got, expected, "{out}");
}

#[test]
fn summary_names_the_kind_and_counts_races() {
    let text = fs::read_to_string(crate_dir().join(RUN)).unwrap();
    let races = text.matches("WARNING: DATA RACE").count();
    let accesses: u64 = access_counts(&text).values().sum();
    let (code, out, err) = run(&["summary", RUN]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("data race report: {races} races, {accesses} access stacks")),
        "{out}"
    );
    assert!(out.contains(&format!("Found {races} data race(s)")), "{out}");
    // The program's own output is skipped and counted.
    assert!(err.contains("outside race reports skipped"), "{err}");
}

#[test]
fn top_grep_stacks_and_csv_read_the_access_stacks() {
    let text = fs::read_to_string(crate_dir().join(RUN)).unwrap();
    let bumps = text.matches("  main.(*stats).bump()\n").count() as u64;
    assert!(bumps >= 2);
    // grep: the accesses whose stack holds the counter's method.
    let (code, out, err) = run(&["grep", "--format", "csv", r"stats\)\.bump", RUN]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count() as u64 - 1, bumps, "{out}");
    // top: the method is the leaf of those accesses.
    let (code, out, err) = run(&["top", RUN]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l.contains("main.(*stats).bump")), "{out}");
    // stacks: the two map accesses of one goroutine share a stack prefix,
    // each access stack is a stack.
    let (code, out, err) = run(&["stacks", RUN]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("main.lookup"), "{out}");
    // csv: one row per access, with its race, access and creator.
    let (code, out, err) = run(&["csv", RUN]);
    assert_eq!(code, 0, "{err}");
    let accesses: u64 = access_counts(&text).values().sum();
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (race_col, creator_col) = (col("label:race"), col("label:created_at"));
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as u64, accesses, "{out}");
    let races: BTreeSet<&str> = rows.iter().map(|r| &r[race_col]).collect();
    assert_eq!(races.len(), text.matches("WARNING: DATA RACE").count(), "{out}");
    assert!(
        rows.iter().any(|r| &r[creator_col] == "time.goFunc"),
        "the timer goroutine's creator: {out}"
    );
    // A test run: the races carry the test's name.
    let (code, out, err) = run(&["hist", "--by", "test", "samples/race/test.txt"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("TestCounter"), "{out}");
}

#[test]
fn goroutines_refuses_a_race_report() {
    let (code, _, err) = run(&["goroutines", RUN]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a data race report, not a goroutine dump"), "{err}");
    assert!(err.contains("hist --by access"), "{err}");
}
