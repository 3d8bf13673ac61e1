//! Pasted and captured reports (`src/read/paste.rs`): every variant made by
//! `samples/paste/make.sh` gives exactly the samples of its clean report
//! that survive the damage (compared record by record with the clean
//! report read by the streaming parser), each kind of repair is reported
//! once with its count and first line, `--strict` refuses, no command
//! panics or hangs on them, and text as pprof printed it needs no repair.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use traces_tool::read::paste::{self, PasteMode, ELIDED_FRAME};
use traces_tool::read::traces::{ReaderOptions, TraceReader};
use traces_tool::read::{open_source, SourceOptions};
use traces_tool::record::{Names, Record};

const BIN: &str = env!("CARGO_BIN_EXE_traces-tool");
const DIR: &str = "samples/paste";

/// One line of `samples/paste/cases.tsv`.
struct Case {
    name: String,
    clean: String,
    blocks: Option<usize>,
    expected: String,
    repairs: Vec<String>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(format!("{DIR}/cases.tsv")).unwrap();
    let cases: Vec<Case> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{l}");
            Case {
                name: f[0].to_owned(),
                clean: f[1].to_owned(),
                blocks: f[2].parse().ok(),
                expected: f[3].to_owned(),
                repairs: f[4].split(',').map(str::to_owned).collect(),
            }
        })
        .collect();
    assert!(cases.len() >= 15, "cases.tsv has {} cases", cases.len());
    cases
}

/// A sample as compared: labels, exact value, frames (name, inline).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sample {
    labels: Vec<(String, String)>,
    centi: i128,
    frames: Vec<(String, bool)>,
}

fn sample(rec: &Record, names: &Names) -> Sample {
    Sample {
        labels: rec.labels().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        centi: rec.value.centi,
        frames: rec.frames.iter().map(|f| (names.get(f.name).to_owned(), f.inline)).collect(),
    }
}

/// The clean report read by the streaming parser alone.
fn clean_samples(path: &str) -> Vec<Sample> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = TraceReader::new(path, text.as_bytes(), ReaderOptions::default()).unwrap();
    let (mut names, mut rec, mut out) = (Names::new(), Record::new(), Vec::new());
    while reader.read_record(&mut rec, &mut names).unwrap() {
        out.push(sample(&rec, &names));
    }
    out
}

fn elided() -> (String, bool) {
    (ELIDED_FRAME.to_owned(), false)
}

/// The clean samples that survive, by the rules of `cases.tsv`.
fn expected(case: &Case) -> Vec<Sample> {
    let mut samples = clean_samples(&case.clean);
    if let Some(n) = case.blocks {
        assert!(samples.len() >= n, "{}: {} has fewer than {n} blocks", case.name, case.clean);
        samples.truncate(n);
    }
    let mut dropped = Vec::new();
    for rule in case.expected.split(';').filter(|r| *r != "all") {
        let parts: Vec<&str> = rule.split(':').collect();
        let i: usize = parts[1].parse().unwrap();
        let s = &mut samples[i - 1];
        let at = |p: &str, len: usize| if p == "$" { len } else { p.parse::<usize>().unwrap() };
        match parts[0] {
            "drop" => dropped.push(i - 1),
            "cut" => {
                let k = at(parts[2], s.frames.len());
                assert!(k < s.frames.len(), "{}: cut:{i}:{k} keeps every frame", case.name);
                s.frames.truncate(k);
                s.frames.push(elided());
            }
            "elide" => {
                let (a, b) = (at(parts[2], s.frames.len()), at(parts[3], s.frames.len()));
                s.frames.splice(a..b, [elided()]);
            }
            other => panic!("{}: unknown rule {other}", case.name),
        }
    }
    samples.into_iter().enumerate().filter(|(i, _)| !dropped.contains(i)).map(|(_, s)| s).collect()
}

fn options(paste: PasteMode) -> SourceOptions {
    SourceOptions { paste, ..SourceOptions::default() }
}

#[test]
fn pasted_variants_give_the_clean_samples_that_survive() {
    for case in cases() {
        let path = format!("{DIR}/{}.txt", case.name);
        let mut source = open_source(&path, options(PasteMode::Repair))
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let (mut names, mut rec, mut got) = (Names::new(), Record::new(), Vec::new());
        while source.read_record(&mut rec, &mut names).unwrap_or_else(|e| panic!("{path}: {e}")) {
            got.push(sample(&rec, &names));
        }
        let want = expected(&case);
        // The header survives too, unless the excerpt starts after it.
        if !case.repairs.iter().any(|k| k == "cut-start") {
            let text = std::fs::read_to_string(&case.clean).unwrap();
            let clean = TraceReader::new("c", text.as_bytes(), ReaderOptions::default()).unwrap();
            assert_eq!(source.header(), clean.header(), "{}: header", case.name);
        }
        assert_eq!(got.len(), want.len(), "{}: number of samples", case.name);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{}: sample {}", case.name, i + 1);
        }
        let kinds: Vec<&str> = source.repairs().iter().map(|r| r.kind.name()).collect();
        let mut sorted = kinds.clone();
        sorted.sort_unstable();
        let mut listed: Vec<&str> = case.repairs.iter().map(String::as_str).collect();
        listed.sort_unstable();
        assert_eq!(sorted, listed, "{}: repair kinds", case.name);
        // Each repair names a line of the input, as it is there.
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
        for r in source.repairs() {
            assert!(r.count >= 1);
            assert_eq!(
                lines[r.first_line as usize - 1],
                r.first_text,
                "{}: {} first line {}",
                case.name,
                r.kind.name(),
                r.first_line
            );
        }
        // Samples a repair cannot know are counted where they were skipped.
        let skipped: u64 = source.repairs().iter().map(|r| r.skipped_samples).sum();
        let drops = case.expected.matches("drop:").count() as u64;
        assert_eq!(skipped, drops, "{}: skipped samples", case.name);
    }
}

#[test]
fn record_lines_point_into_the_pasted_text() {
    // The value line of each record, in the stripped variant, is the line
    // the record says.
    let path = format!("{DIR}/stripped.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut source = open_source(&path, options(PasteMode::Repair)).unwrap();
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut n = 0;
    while source.read_record(&mut rec, &mut names).unwrap() {
        let line = lines[rec.line as usize - 1];
        assert!(line.starts_with(rec.value_text()), "line {}: {line}", rec.line);
        let leaf = rec.frames[0];
        let suffix = if leaf.inline { " (inline)" } else { "" };
        let leaf = format!("{}{suffix}", names.get(leaf.name));
        assert!(line.ends_with(&leaf), "line {}: {line}", rec.line);
        n += 1;
    }
    assert_eq!(n, 6);
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary; fails the test if it runs longer than 60 s (a hang).
fn run(args: &[&str]) -> Run {
    let mut child = Command::new(BIN)
        .args(args)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run traces-tool");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{args:?} hangs");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let code = status.code().unwrap_or_else(|| panic!("{args:?} was killed by a signal"));
    Run {
        code,
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

#[test]
fn each_repair_kind_is_reported_once_with_count_and_first_line() {
    for case in cases() {
        let path = format!("{DIR}/{}.txt", case.name);
        let source = open_source(&path, options(PasteMode::Repair)).unwrap();
        let r = run(&["csv", &path]);
        assert_eq!(r.code, 0, "{}: {}", case.name, r.stderr);
        for repair in source.repairs() {
            let line = format!("traces-tool: {path}: {}", repair.message());
            assert_eq!(
                r.stderr.lines().filter(|l| *l == line).count(),
                1,
                "{}: {line}\nin\n{}",
                case.name,
                r.stderr
            );
        }
        assert_eq!(r.stderr.lines().count(), source.repairs().len(), "{}", r.stderr);
    }
    // The words, for one input.
    let r = run(&["csv", "samples/paste/cut-start.txt"]);
    assert!(
        r.stderr.starts_with(
            "traces-tool: samples/paste/cut-start.txt: dropped the end of a block the text \
             starts in: 3 lines (first at line 1: \"             net/http.putBufioWriter\"); \
             skipped 1 sample whose value or stack is unknown\n"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn summary_shows_the_repairs() {
    let r = run(&["summary", "samples/paste/chat-excerpt.txt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "Repaired:\n    cut-start ×3 (first at line 1, 1 sample skipped)\n    \
             indentation ×11 (first at line 6)\n    cut-end ×1 (first at line 23)\n"
        ),
        "{}",
        r.stdout
    );
    let json = run(&["summary", "--format", "json", "samples/paste/cut-in-value.txt"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let repairs = doc["repairs"].as_array().unwrap();
    assert_eq!(repairs.len(), 1);
    assert_eq!(repairs[0]["kind"], "cut-end");
    assert_eq!(repairs[0]["skipped_samples"], 1);
    assert_eq!(repairs[0]["first_line"], 52);
    // A clean report has none.
    let clean = run(&["summary", "--format", "json", "samples/goroutine/goroutine.traces.txt"]);
    let doc: serde_json::Value = serde_json::from_str(&clean.stdout).unwrap();
    assert_eq!(doc["repairs"], serde_json::json!([]));
    assert!(!run(&["summary", "samples/goroutine/goroutine.traces.txt"])
        .stdout
        .contains("Repaired"));
}

#[test]
fn strict_refuses_every_variant_at_its_first_damaged_line() {
    for case in cases() {
        let path = format!("{DIR}/{}.txt", case.name);
        let source = open_source(&path, options(PasteMode::Repair)).unwrap();
        let first = source.repairs().iter().map(|r| r.first_line).min().unwrap();
        for cmd in ["csv", "summary"] {
            let r = run(&[cmd, "--strict", &path]);
            assert_eq!(r.code, 2, "{}: {}", case.name, r.stderr);
            let want = format!(
                "traces-tool: {path}:{first}: --strict: not a report as pprof printed it: "
            );
            assert!(r.stderr.starts_with(&want), "{}:\n got {}\nwant {want}", case.name, r.stderr);
            assert!(r.stdout.is_empty(), "{}", r.stdout);
        }
    }
}

#[test]
fn no_command_panics_or_hangs_on_a_pasted_variant() {
    let tmp = std::env::temp_dir().join(format!("traces-tool-paste-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let svg = tmp.join("f.svg").to_string_lossy().into_owned();
    let pb = tmp.join("p.pb.gz").to_string_lossy().into_owned();
    for case in cases() {
        let path = format!("{DIR}/{}.txt", case.name);
        let commands: Vec<Vec<&str>> = vec![
            vec!["grep", "main"],
            vec!["hist", "--all"],
            vec!["csv"],
            vec!["csv", "--frames"],
            vec!["top"],
            vec!["blame"],
            vec!["cat"],
            vec!["peek", "main"],
            vec!["stacks"],
            vec!["summary"],
            vec!["folded"],
            vec!["flamegraph", "-o", &svg],
            vec!["export", "-o", &pb],
            vec!["diff", &path],
            vec!["csv", "--lenient"],
            vec!["top", "--strict"],
        ];
        for args in commands {
            let mut args = args.clone();
            args.push(&path);
            let r = run(&args);
            assert!(matches!(r.code, 0..=2), "{args:?}: exit {}", r.code);
            assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Text as `go tool pprof` printed it is never repaired: every shipped
/// report, the grammar's accepted files and captures.
#[test]
fn reports_as_pprof_printed_them_need_no_repair() {
    let mut files = Vec::new();
    for dir in [
        "samples/heap",
        "samples/cpu",
        "samples/goroutine",
        "samples/mutex",
        "samples/block",
        "samples/leak",
        "samples/filters",
        "tests/data/inputs",
        "tests/data/grammar/accept/real",
        "tests/data/grammar/accept/hand",
        "tests/data/grammar/captures",
        "tests/data/versions",
    ] {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            let name = p.to_string_lossy().into_owned();
            if name.ends_with(".txt") || name.ends_with(".txt.gz") {
                files.push(name);
            }
        }
    }
    assert!(files.len() > 80, "{} files", files.len());
    for path in files {
        let mut bytes = std::fs::read(&path).unwrap();
        if path.ends_with(".gz") {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out).unwrap();
            bytes = out;
        }
        let Ok(text) = String::from_utf8(bytes) else { continue };
        let found = paste::repair(&text, true);
        assert!(found.repairs.is_empty(), "{path}: {:?}", found.repairs);
        // A head of it, cut anywhere, neither.
        let cut = text.len() / 2;
        if text.is_char_boundary(cut) {
            let head = paste::repair(&text[..cut], false);
            assert!(head.repairs.is_empty(), "{path} (head): {:?}", head.repairs);
        }
    }
}

#[test]
fn real_reports_from_other_projects_need_no_repair() {
    let Ok(entries) = std::fs::read_dir("../shared/real-traces") else { return };
    for e in entries {
        let path = e.unwrap().path();
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        if path.extension().is_some_and(|x| x == "md") {
            continue;
        }
        let found = paste::repair(&text, true);
        assert!(found.repairs.is_empty(), "{}: {:?}", path.display(), found.repairs);
    }
}

/// Reads one input with repairs; returns its samples and repair kinds.
fn read_pasted(path: &str) -> (Vec<Sample>, Vec<&'static str>) {
    let mut source = open_source(path, options(PasteMode::Repair)).unwrap();
    let (mut names, mut rec, mut got) = (Names::new(), Record::new(), Vec::new());
    while source.read_record(&mut rec, &mut names).unwrap() {
        got.push(sample(&rec, &names));
    }
    (got, source.repairs().iter().map(|r| r.kind.name()).collect())
}

#[test]
fn a_block_quoted_alone_in_heketis_docs_is_one_sample() {
    // See tests/data/paste/README.md. The same block is sample 2 of the
    // report the fragment under tests/data was rebuilt from.
    let (got, kinds) = read_pasted("tests/data/paste/heketi-profiling-md.txt");
    let mut want = clean_samples("tests/data/heketi-fragment.txt")[1].clone();
    want.frames.push(elided());
    assert_eq!(got, [want]);
    assert_eq!(kinds, ["markdown-fence", "prose", "lone-block", "cut-end", "text-after-report"]);
}

/// Shapes met in public issues (written here, not copied): a command line
/// without a prompt and `...` where the header was left out
/// (google/pprof#152); output inside `<pre>` tags after a `go  tool pprof`
/// command with doubled spaces and pprof's fetch banner (golang/go#34236).
#[test]
fn shapes_met_in_public_issues() {
    let sep = "-----------+-------------------------------------------------------";
    let issue152 = format!(
        "pprof -traces heapz\n...\n\n{sep}\n   69.07MB   [UNKNOWN]\n             \
         __libc_start_main\n{sep}\n   54.25MB   [UNKNOWN]\n             [UNKNOWN]\n{sep}\n"
    );
    let issue34236 = format!(
        "<pre>\ngo  tool pprof  http://127.0.0.1:8200/debug/pprof/heap\nFetching profile over \
         HTTP from http://127.0.0.1:8200/debug/pprof/heap\nSaved profile in \
         /tmp/pprof/pprof.inuse_space.005.pb.gz\nType: inuse_space\n{sep}\n    1.16MB   \
         main.f\n             main.main\n{sep}\n</pre>\n"
    );
    for (text, kinds, leaves) in [
        (issue152, vec!["shell-command", "elision"], vec!["[UNKNOWN]", "[UNKNOWN]"]),
        (issue34236, vec!["markdown-fence", "shell-command", "pprof-session"], vec!["main.f"]),
    ] {
        let found = paste::repair(&text, true);
        let names: Vec<&str> = found.repairs.iter().map(|r| r.kind.name()).collect();
        assert_eq!(names, kinds, "{text}");
        let mut reader =
            TraceReader::new("t", found.text.as_bytes(), ReaderOptions::default()).unwrap();
        let (mut n, mut rec, mut got) = (Names::new(), Record::new(), Vec::new());
        while reader.read_record(&mut rec, &mut n).unwrap() {
            got.push(n.get(rec.frames[0].name).to_owned());
        }
        assert_eq!(got, leaves);
        if text.contains("Type:") {
            assert_eq!(reader.header().sample_type(), Some("inuse_space"));
        }
    }
}

#[test]
fn errors_after_a_repair_name_the_line_as_pasted() {
    // A broken block after the damage, in a traces report and in `-raw`
    // text: the line is the one in the pasted text.
    let text = std::fs::read_to_string("samples/paste/terminal-capture.txt").unwrap();
    let broken =
        text.replacen("         1   runtime.goroutineProfileWithLabels", "   1.2.3MB   x", 1);
    let line = broken.lines().position(|l| l.contains("1.2.3MB")).unwrap() + 1;
    assert!(!paste::repair(&broken, true).repairs.is_empty());
    let dir = std::env::temp_dir().join(format!("traces-tool-paste-err-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("capture.txt");
    std::fs::write(&path, &broken).unwrap();
    let p = path.to_string_lossy().into_owned();
    let r = run(&["csv", &p]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("{p}:{line}: expected a value")), "{}", r.stderr);
    let raw = std::fs::read_to_string("samples/paste/raw-command.txt").unwrap();
    let at = raw.lines().position(|l| l.trim_end() == "Locations").unwrap() + 2;
    let broken: Vec<String> = raw
        .lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == at { "     1: zz M=1 main.f".to_owned() } else { l.to_owned() })
        .collect();
    std::fs::write(&path, broken.join("\n")).unwrap();
    let r = run(&["csv", &p]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("{p}:{at}: ")), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}
