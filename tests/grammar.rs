//! The formal grammar `grammar/traces.pest` checked against real reports and
//! against the streaming parser (`traces_tool::read::traces::TraceReader`).
//!
//! - one small example (or file) per production, and inputs it must reject;
//! - agreement: every `samples/**/*.traces.txt` (and `*.traces.txt.gz`),
//!   every `../shared/real-traces/*.traces` (skipped with a note if that
//!   folder is absent) and every fixture under `tests/data/grammar/accept/`
//!   is parsed by both; the header lines, labels, value tokens and frames
//!   must be identical, and every value token must parse with
//!   `units::parse_value`;
//! - `tests/data/grammar/captures/`: real pprof output the grammar accepts
//!   and the streaming parser does not (an ignored test fails until fixed);
//! - the rejected fixtures are rejected by both, except the documented
//!   differences in `tests/data/grammar/reject/grammar-only/` (the grammar is
//!   stricter) and `reject/parser-only/` (checks no context-free grammar
//!   makes).

use std::collections::BTreeSet;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use pest::iterators::Pair;
use pest::Parser;
use traces_tool::read::traces::SEPARATOR;
use traces_tool::units::parse_value;

mod common;
use common::{first_difference, read_with_grammar, read_with_parser, Rule, TracesParser};

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    crate_dir().join("tests/data/grammar")
}

/// Files under `dir` (recursively) whose name ends with one of `suffixes`,
/// sorted; none if `dir` does not exist.
fn files_ending(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for entry in entries {
            let path = entry.expect("readable directory").path();
            let name = path.to_string_lossy();
            if path.is_dir() {
                stack.push(path);
            } else if suffixes.iter().any(|s| name.ends_with(s)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A report's text; gzipped files are decoded as the tool does.
fn read_text(path: &Path) -> String {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = traces_tool::read::input::decode(Box::new(file))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every real report and accepted fixture the agreement test reads:
/// samples/**/*.traces.txt (and their gzipped twins), the golden files of
/// ../shared/real-traces if present, tests/data/grammar/accept/**.
fn agreement_corpus() -> Vec<PathBuf> {
    let samples = files_ending(&crate_dir().join("samples"), &[".traces.txt", ".traces.txt.gz"]);
    assert!(
        samples.iter().any(|p| p.to_string_lossy().ends_with(".traces.txt")),
        "no samples/**/*.traces.txt: they ship with the crate (samples/regen.sh makes them)"
    );
    let mut corpus = samples;
    let shared = crate_dir().join("../shared/real-traces");
    if shared.is_dir() {
        let golden = files_ending(&shared, &[".traces"]);
        assert!(!golden.is_empty(), "{} holds no *.traces file", shared.display());
        corpus.extend(golden);
    } else {
        let why = format!("{} is absent: pprof's golden files are skipped", shared.display());
        // Where CI is set the shared files must be there.
        assert!(std::env::var_os("CI").is_none(), "{why}: CI is set, so this test may not skip");
        eprintln!("note: {why}");
    }
    let accepted = files_ending(&fixtures().join("accept"), &[".traces.txt"]);
    assert!(!accepted.is_empty(), "no fixtures under tests/data/grammar/accept");
    corpus.extend(accepted);
    corpus
}

/// Inputs up to this size are also read in the variants below (large
/// samples would only make the debug-mode test slow).
const VARIANT_MAX: usize = 32 << 10;

/// The text and the variants both readers must handle alike: CRLF line
/// ends, an interactive prompt before the first line, no final newline.
fn variants(text: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![("as is", text.to_owned())];
    if text.len() > VARIANT_MAX {
        return out;
    }
    if !text.contains('\r') {
        out.push(("CRLF", text.replace('\n', "\r\n")));
    }
    if !text.starts_with("(pprof) ") {
        out.push(("prompt", format!("(pprof) {text}")));
    }
    if let Some(cut) = text.strip_suffix('\n') {
        out.push(("no final newline", cut.to_owned()));
    }
    out
}

// ---------------------------------------------------------------------------
// Agreement
// ---------------------------------------------------------------------------

/// Reads `input` both ways; returns the number of samples, or what differs.
fn agreement(what: &str, input: &str) -> Result<usize, String> {
    let by_grammar =
        read_with_grammar(input).map_err(|e| format!("{what}: the grammar rejects it:\n{e}"))?;
    let by_parser = read_with_parser(what, input)
        .map_err(|e| format!("{what}: the streaming parser rejects it: {e}"))?;
    if let Some(diff) = first_difference(&by_grammar, &by_parser) {
        return Err(format!("{what}: {diff}"));
    }
    for s in &by_grammar.samples {
        if let Err(e) = parse_value(&s.value) {
            return Err(format!("{what}: value {:?} does not parse: {e}", s.value));
        }
    }
    Ok(by_grammar.samples.len())
}

#[test]
fn grammar_and_streaming_parser_agree_on_every_report() {
    let corpus = agreement_corpus();
    let mut problems = Vec::new();
    let (mut readings, mut samples) = (0usize, 0usize);
    for path in &corpus {
        for (variant, input) in variants(&read_text(path)) {
            match agreement(&format!("{} ({variant})", path.display()), &input) {
                Ok(n) => {
                    readings += 1;
                    samples += n;
                }
                Err(problem) => problems.push(problem),
            }
        }
    }
    eprintln!("agreement: {} files, {readings} readings, {samples} samples", corpus.len());
    assert!(problems.is_empty(), "disagreements:\n{}", problems.join("\n"));
}

/// Real pprof output of interactive sessions (a final prompt, stderr
/// captured with `2>&1`) and an old unit table (`k·GCU`): the grammar and
/// the streaming parser must both accept it and agree.
#[test]
fn interactive_captures_and_old_units_agree() {
    let files = files_ending(&fixtures().join("captures"), &[".traces.txt"]);
    assert!(!files.is_empty(), "no fixtures under tests/data/grammar/captures");
    for path in &files {
        let text = read_text(path);
        if let Err(e) = read_with_grammar(&text) {
            panic!("{}: the grammar rejects it:\n{e}", path.display());
        }
        if let Err(problem) = agreement(&path.display().to_string(), &text) {
            panic!("disagreement: {problem}");
        }
    }
}

/// Each rejected fixture must be rejected by the grammar and, unless it
/// sits in `grammar-only/`, by the streaming parser too; `parser-only/`
/// holds what only the streaming parser rejects.
#[test]
fn rejected_fixtures() {
    let reject = fixtures().join("reject");
    let mut problems = Vec::new();
    let mut count = 0;
    for (dir, grammar_rejects, parser_rejects) in
        [("both", true, true), ("grammar-only", true, false), ("parser-only", false, true)]
    {
        let files = files_ending(&reject.join(dir), &[".traces.txt"]);
        assert!(!files.is_empty(), "no fixtures under tests/data/grammar/reject/{dir}");
        for path in files {
            count += 1;
            let text = read_text(&path);
            let by_grammar = read_with_grammar(&text);
            let by_parser = read_with_parser("fixture", &text);
            if by_grammar.is_ok() == grammar_rejects {
                problems.push(format!(
                    "{}: the grammar {} it",
                    path.display(),
                    if grammar_rejects { "accepts" } else { "rejects" }
                ));
            }
            if by_parser.is_ok() == parser_rejects {
                problems.push(format!(
                    "{}: the streaming parser {} it{}",
                    path.display(),
                    if parser_rejects { "accepts" } else { "rejects" },
                    if parser_rejects {
                        String::new()
                    } else {
                        " (if it now rejects it on purpose, move the fixture to reject/both)"
                            .to_owned()
                    }
                ));
            }
        }
    }
    eprintln!("rejected fixtures: {count}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Productions, one by one
// ---------------------------------------------------------------------------

/// True if `rule` matches the whole of `text`.
fn whole(rule: Rule, text: &str) -> bool {
    match TracesParser::parse(rule, text) {
        Ok(mut pairs) => pairs.next().is_some_and(|p| p.as_span().end() == text.len()),
        Err(_) => false,
    }
}

#[test]
fn every_production_accepts_its_examples_and_rejects_the_rest() {
    let sep = SEPARATOR;
    let banner = r#"Entering interactive mode (type "help" for commands, "o" for options)"#;
    let cases: Vec<(Rule, Vec<String>, Vec<String>)> = vec![
        (Rule::prompt, v(&["(pprof) "]), v(&["(pprof)", "pprof "])),
        (Rule::final_prompt, v(&["(pprof) ", "(pprof) \n", "(pprof) \r\n"]), v(&["(pprof) top"])),
        (Rule::banner_line, v(&[banner]), v(&["Entering interactive mode"])),
        (
            Rule::startup,
            vec![format!("File: cpulabels\nType: goroutine\n{banner}\n")],
            v(&["File: cpulabels\n"]),
        ),
        (
            Rule::header,
            v(&[
                "",
                "\n",
                "File: cpulabels\nType: cpu\nTime: Nov 26, 2026 at 3:56am (UTC)\n",
                "Build ID: buildid\ncomment\nType: inuse_space\n",
                "Some binary filenames not available.\nFile: x\nType: cpu\nDoc: https://d\n",
                "warning\n\n",
            ]),
            v(&["Type: cpu\nFile: x\n", "File: x\n\nType: cpu\n", "\n\n", "Doc: https://d\nType: cpu\n"]),
        ),
        (Rule::file_line, v(&["File: cpulabels", "File: testbinary"]), v(&["File:x", "File: "])),
        (Rule::build_id_line, v(&["Build ID: buildid", "Build ID: 059f700e"]), v(&["Build ID:"])),
        (
            Rule::comment_line,
            v(&["comment", "a free-form comment", "  indented", "Type:cpu", "(pprof) File: x"]),
            v(&["", "Type: cpu", "File: x", "Time: x", "Duration: x", "Doc: x", "Build ID: x"])
                .into_iter()
                .chain([sep.to_owned(), format!("{sep}  "), "----------+---".to_owned()])
                .collect(),
        ),
        (Rule::type_line, v(&["Type: inuse_space", "Type: mean_delay"]), v(&["Type: "])),
        (Rule::doc_line, v(&["Doc: http://example.com/cpuprofile"]), v(&["Doc: "])),
        (
            Rule::time_line,
            v(&[
                "Time: Nov 26, 2026 at 3:56am (UTC)",
                "Time: Oct 16, 2018 at 11:14am (UTC)",
                "Time: Mar 1, 2025 at 11:59pm (+03)",
                "Time: Jul 4, 2024 at 9:05pm (ChST)",
                "Time: 2024-10-09 10:00:00 UTC",
                "Time: 2025-03-01 23:59:59 -0330",
            ]),
            v(&[
                "Time: 2024-10-09T10:00:00Z",
                "Time: Nov 26, 2026 at 3:56 (UTC)",
                "Time: November 26, 2026 at 3:56am (UTC)",
                "Time: Nov 26, 2026 at 3:56am UTC",
                "Time: 2024-10-09 10:00 UTC",
            ]),
        ),
        (Rule::time_v19, v(&["Nov 26, 2026 at 3:56am (UTC)"]), v(&["2024-10-09 10:00:00 UTC"])),
        (Rule::time_head, v(&["2024-10-09 10:00:00 UTC"]), v(&["Nov 26, 2026 at 3:56am (UTC)"])),
        (Rule::zone, v(&["UTC", "+03", "-0330", "ChST"]), v(&["", "U C"])),
        (
            Rule::duration_line,
            v(&[
                "Duration: 1.06s, Total samples = 1.80s (169.98%)",
                "Duration: 1.06s, Total samples = 180 ",
                "Duration: 1.06s, Total samples = 180",
                "Duration: 10s, Total samples = 1.12s (11.20%)",
                "Duration: 30s, Total samples = 1.12s ( 3.73%)",
                "Duration: 10s, Total samples = 10s (  100%)",
                "Duration: 1.50hrs, Total samples = 5PB ",
                "Duration: 100s, Total samples = 5us (5e-06%)",
                "Duration: 1.50mins, Total samples = 1.12mins (74.67%)",
            ]),
            v(&[
                "Duration: 1.06s, Total samples = 180  ",
                "Duration: soon, Total samples = 1 ",
                "Duration: 1.06s Total samples = 180 ",
                "Duration: 1.06s, Total samples = 1.80s (169.98)",
            ]),
        ),
        (Rule::ratio, v(&["(169.98%)", "(  100%)", "( 3.73%)", "(0.033%)", "(5e-05%)"]), v(&["()", "(%)"])),
        (Rule::percentage, v(&["85.40%", "    0%", "0.00089%", "1024.92%"]), v(&["85.40", "x%"])),
        (Rule::empty_line, v(&[""]), v(&[" "])),
        (
            Rule::separator_line,
            vec![sep.to_owned(), format!("{sep}  "), format!("{sep}\t")],
            vec![sep[1..].to_owned(), format!("-{sep}"), format!(" {sep}"), sep.replace('+', "-")],
        ),
        (
            Rule::block,
            v(&[
                "     bytes:  64B\n         0   sync.(*Pool).pinSlow\n             sync.(*Pool).pin\n",
                "      10ms   main.mix (inline)\n",
            ]),
            v(&[
                "             main.main\n",
                "     bytes:  64B\n",
                "       1kB   a\n     bytes:  64B\n",
                "       1kB   a\n       2kB   b\n",
                "       1kB   a\n\n             b\n",
            ]),
        ),
        (
            Rule::label_line,
            v(&[
                "      role:  waiter",
                "     bytes:  1.50kB 2kB",
                "pprof::base:  true",
                "          :  empty-key",
                "     empty:  ",
                "   trimmed:",
                "  trimmed2: ",
                "     a:b:c:  colons",
                "       url:  http://x:  y",
                "tencharsxx:  exactly ten",
                "key with spaces:  v",
                "a_rather_long_key:  wide",
            ]),
            v(&[
                "  bytes:  1kB",
                "bytes:  1kB",
                "             key:  v",
                "       1kB   main.main",
                "     a   b:  c",
                "      role",
                " ---+ x:  y",
                "",
            ]),
        ),
        (
            Rule::value_line,
            v(&[
                "      10ms   main.mix (inline)",
                "         0   sync.(*Pool).pinSlow",
                "577250383ns   sync.(*WaitGroup).Wait",
                "10000000ns   main.mix (inline)",
                "1689megabytes   sync.(*Mutex).Unlock",
                " 1.50k*GCU   main.work",
                "    -1000B   main.main",
                "       5PB   std::vector<int, std::allocator<int> >::push_back",
            ]),
            v(&[
                "   1kB   main.main",
                "       1kB    main.main",
                "       1kB  main.main",
                "   1.234MB   main.main",
                "             main.main",
                "       1kB   ",
                "       1kB",
                " 150000000ns   main.spin",
                // A leaf name starting with a space: both readers refuse it.
                "     1.50s    main.indented",
            ]),
        ),
        (
            Rule::frame_line,
            v(&[
                "             main.walk",
                "             net/http.Header.WriteSubset (inline)",
                "              main.indented",
                "             00000000004d262e main.walk example.com/cpulabels/main.go:50",
            ]),
            v(&[
                "            main.main",
                "             ",
                "              (inline)",
                "               (inline)",
                "     bytes:  1kB",
            ]),
        ),
        (Rule::inline_mark, v(&[" (inline)"]), v(&["(inline)", " (partial-inline)"])),
        (
            Rule::value,
            v(&[
                "0", "64B", "1.50kB", "-1.57kB", "21.01MB", "3GB", "1.25TB", "5PB", "10ms", "1.06s",
                "577250383ns", "341", "1megabytes", "1.50us", "2µs", "3μs", "1.50mins", "2hrs",
                "3days", "2wks", "1yrs", "1.50k*GCU", "1.50k·GCU", "2GCU", "-0",
            ]),
            v(&["1.234MB", "1.", ".5", "+1", "1 kB", "1k_B", "-", "", "1.2.3MB", "12%"]),
        ),
        (Rule::number, v(&["0", "-6", "1.5", "21.01"]), v(&["1.", "1.234", "-", "1e5"])),
        (
            Rule::known_unit,
            v(&["B", "kB", "MB", "GB", "TB", "PB", "ns", "us", "µs", "μs", "ms", "s", "mins", "hrs"])
                .into_iter()
                .chain(v(&["days", "wks", "yrs", "GCU", "k*GCU", "u*GCU", "μ·GCU"]))
                .collect(),
            v(&["kb", "megabytes", "S"]),
        ),
        (Rule::gcu_unit, v(&["GCU", "n*GCU", "P*GCU", "k·GCU"]), v(&["x*GCU", "gcu"])),
        (Rule::other_unit, v(&["megabytes", "cycles", "k*GCU"]), v(&["", "mega_bytes", "k·GCU"])),
        (
            Rule::frame_name,
            v(&[
                "main.mix",
                "00000000004d262e main.mix example.com/cpulabels/main.go:38",
                "[libc.so.6]",
                "<unknown>",
                "std::vector<int, std::allocator<int> >::push_back",
                " main.indented",
                "a (inline) b",
            ]),
            v(&["", "   ", "\t"]),
        ),
        (Rule::frame_address, v(&["00000000004d262e", "0000000000001000"]), v(&["4d262e", "00000000004D262E"])),
        (Rule::unknown_symbol, v(&["<unknown>"]), v(&["<unknown> x"])),
        (Rule::mapping_symbol, v(&["[libc.so.6]", "[vdso]"]), v(&["[]", "[a] b"])),
        (Rule::function_symbol, v(&["main.main", "main.f /a/b.go:3", "/src/demo/main.go"]), v(&["a\nb"])),
        (Rule::function_name, v(&["main.main", "std::vector<int, std::allocator<int> >"]), v(&[])),
        (Rule::source_location, v(&["sync/pool.go:226", "main.go:42:7", "C:\\a\\m.go:1"]), v(&["main.go", "a b.go:1"])),
        (Rule::source_file, v(&["sync/pool.go", "C:\\a\\m.go"]), v(&["", "a b"])),
        (Rule::line_number, v(&["226"]), v(&["x"])),
        (Rule::column_number, v(&["7"]), v(&[""])),
        (Rule::label_key, v(&["", "role", "pprof::base", "key with spaces"]), v(&[])),
        (Rule::label_values, v(&["", "x y", "http://x:  y"]), v(&["a\nb"])),
        (Rule::header_text, v(&["x", "a b\r c"]), v(&[""])),
        (Rule::rest_of_line, v(&["", "x", "a\rb"]), v(&["a\nb"])),
        (Rule::name_word, v(&["", "main.main"]), v(&["a b"])),
    ];
    let mut problems = Vec::new();
    for (rule, accepted, rejected) in &cases {
        for text in accepted {
            if !whole(*rule, text) {
                problems.push(format!("{rule:?} should accept {text:?}"));
            }
        }
        for text in rejected {
            if whole(*rule, text) {
                problems.push(format!("{rule:?} should reject {text:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn v(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| (*t).to_owned()).collect()
}

/// Value tokens: the `value` production and `units::parse_value` accept
/// the same tokens.
#[test]
fn value_production_matches_parse_value() {
    let tokens = [
        "0",
        "-0",
        "00",
        "64B",
        "1.50kB",
        "-1.57kB",
        "21.01MB",
        "1.5MB",
        "10ms",
        "150000000ns",
        "341",
        "1megabytes",
        "1.50k*GCU",
        "2µs",
        "3μs",
        "1.50mins",
        "3days",
        "1.234MB",
        "1.",
        ".5",
        "+1",
        "1k_B",
        "-",
        "",
        "1.2.3MB",
        "12%",
        "MB",
        "1 kB",
        "9e9",
    ];
    for token in tokens {
        assert_eq!(
            whole(Rule::value, token),
            parse_value(token).is_ok(),
            "value {token:?}: grammar and parse_value differ"
        );
    }
    assert!(whole(Rule::value, "1.50k·GCU") && parse_value("1.50k·GCU").is_ok());
}

// ---------------------------------------------------------------------------
// Structure of frame names
// ---------------------------------------------------------------------------

/// The named parts of a frame name, as `(rule, text)` in order.
fn parts(frame: &str) -> Vec<(Rule, String)> {
    let pair = TracesParser::parse(Rule::frame_name, frame)
        .unwrap_or_else(|e| panic!("{frame:?}: {e}"))
        .next()
        .expect("frame_name");
    assert_eq!(pair.as_str(), frame);
    pair.into_inner().flatten().map(|p| (p.as_rule(), p.as_str().to_owned())).collect()
}

#[test]
fn frame_names_split_into_their_components() {
    use Rule::*;
    let p = |list: &[(Rule, &str)]| -> Vec<(Rule, String)> {
        list.iter().map(|(r, t)| (*r, (*t).to_owned())).collect()
    };
    assert_eq!(
        parts("main.walk"),
        p(&[(function_symbol, "main.walk"), (function_name, "main.walk")])
    );
    assert_eq!(
        parts("00000000004d262e main.mix example.com/cpulabels/main.go:38"),
        p(&[
            (frame_address, "00000000004d262e"),
            (function_symbol, "main.mix example.com/cpulabels/main.go:38"),
            (function_name, "main.mix"),
            (source_location, "example.com/cpulabels/main.go:38"),
            (source_file, "example.com/cpulabels/main.go"),
            (line_number, "38"),
        ])
    );
    assert_eq!(
        parts("std::vector<int, std::allocator<int> >::push_back /usr/include/c++/12/bits/stl_vector.h:1187"),
        p(&[
            (function_symbol, "std::vector<int, std::allocator<int> >::push_back /usr/include/c++/12/bits/stl_vector.h:1187"),
            (function_name, "std::vector<int, std::allocator<int> >::push_back"),
            (source_location, "/usr/include/c++/12/bits/stl_vector.h:1187"),
            (source_file, "/usr/include/c++/12/bits/stl_vector.h"),
            (line_number, "1187"),
        ])
    );
    assert_eq!(
        parts("main.main /src/demo/main.go:42:7"),
        p(&[
            (function_symbol, "main.main /src/demo/main.go:42:7"),
            (function_name, "main.main"),
            (source_location, "/src/demo/main.go:42:7"),
            (source_file, "/src/demo/main.go"),
            (line_number, "42"),
            (column_number, "7"),
        ])
    );
    assert_eq!(
        parts("main.main C:\\src\\demo\\main.go:12")[3..],
        p(&[(source_file, "C:\\src\\demo\\main.go"), (line_number, "12")])[..]
    );
    assert_eq!(
        parts("00007f0000001234 [libc.so.6]"),
        p(&[(frame_address, "00007f0000001234"), (mapping_symbol, "[libc.so.6]")])
    );
    assert_eq!(
        parts("0000000000009999 <unknown>"),
        p(&[(frame_address, "0000000000009999"), (unknown_symbol, "<unknown>")])
    );
    assert_eq!(parts("[libc.so.6]"), p(&[(mapping_symbol, "[libc.so.6]")]));
    assert_eq!(parts("<unknown>"), p(&[(unknown_symbol, "<unknown>")]));
    // Not an address without a following name; not a mapping with text after it.
    assert_eq!(parts("deadbeefdeadbeef")[0].0, function_symbol);
    assert_eq!(parts("[weird] name")[0].0, function_symbol);
}

/// In the real `-addresses` and `-lines` samples every frame carries an
/// address, respectively a source location.
#[test]
fn real_granularities_have_their_components() {
    let checks = [
        ("samples/cpu/cpu.addresses.traces.txt", Rule::frame_address),
        ("samples/heap/inuse_space.lines.traces.txt", Rule::source_location),
        ("tests/data/grammar/accept/real/synth.addresses.traces.txt", Rule::frame_address),
        ("tests/data/grammar/accept/real/synth.lines.traces.txt", Rule::source_location),
    ];
    for (file, part) in checks {
        let path = crate_dir().join(file);
        if !path.exists() {
            eprintln!("note: {file} is absent, skipped");
            continue;
        }
        let text = read_text(&path);
        let report =
            TracesParser::parse(Rule::report, &text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let frames: Vec<Pair<'_, Rule>> =
            report.flatten().filter(|p| p.as_rule() == Rule::frame_name).collect();
        assert!(!frames.is_empty(), "{file}: no frames");
        for frame in frames {
            let name = frame.as_str();
            // Unsymbolized frames have no file:line.
            if part == Rule::source_location && (name.ends_with(']') || name.ends_with('>')) {
                continue;
            }
            assert!(
                frame.into_inner().flatten().any(|p| p.as_rule() == part),
                "{file}: frame {name:?} has no {part:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// The grammar, its fixtures and its README stay in step
// ---------------------------------------------------------------------------

/// The productions of grammar/traces.pest that yield pairs (`name = {`,
/// `@{`, `${`), in file order.
fn productions() -> Vec<String> {
    let grammar = read_text(&crate_dir().join("grammar/traces.pest"));
    grammar
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once('=')?;
            let name = name.trim();
            let rest = rest.trim_start();
            let is_name =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            (is_name && (rest.starts_with('{') || rest.starts_with("@{") || rest.starts_with("${")))
                .then(|| name.to_owned())
        })
        .collect()
}

/// Atomic helpers that only ever run inside atomic productions, so they
/// never yield a pair of their own.
const HELPERS: [&str; 3] = ["header_text", "rest_of_line", "name_word"];

#[test]
fn every_production_occurs_in_a_fixture_and_in_the_readme() {
    let mut seen = BTreeSet::new();
    let mut inputs: Vec<String> = agreement_corpus()
        .iter()
        .chain(&files_ending(&fixtures().join("captures"), &[".traces.txt"]))
        .map(|p| read_text(p))
        .filter(|t| t.len() <= VARIANT_MAX)
        .collect();
    inputs.push(format!("(pprof) {}", inputs[0]));
    for text in &inputs {
        if let Ok(pairs) = TracesParser::parse(Rule::report, text) {
            seen.extend(pairs.flatten().map(|p| format!("{:?}", p.as_rule())));
        }
    }
    let readme = read_text(&crate_dir().join("grammar/README.md"));
    let mut problems = Vec::new();
    let all = productions();
    assert!(all.len() > 30, "could not read the productions of grammar/traces.pest: {all:?}");
    for name in &all {
        if HELPERS.contains(&name.as_str()) {
            continue;
        }
        if !seen.contains(name) {
            problems.push(format!("production {name} occurs in no fixture"));
        }
        if !readme.contains(&format!("`{name}`")) {
            problems.push(format!("production {name} has no row in grammar/README.md"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
