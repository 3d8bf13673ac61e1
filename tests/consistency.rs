//! One input, one answer: inputs of different kinds are not added up or
//! compared, filters see the names a profile holds, records from binary
//! profiles are named by their sample index, writing never panics, and a
//! flag means the same thing in every command.

use std::io::Read;
use std::process::{Command, Stdio};

mod support;
use support::{gunzip_text, run, BIN};

const HEAP: &str = "samples/heap/inuse_space.traces.txt";

struct Temp(std::path::PathBuf);

impl Temp {
    fn new(name: &str, text: &str) -> Temp {
        let dir =
            std::env::temp_dir().join(format!("traces-tool-consistency-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("{n}-{name}"));
        std::fs::write(&path, text).unwrap();
        Temp(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The heap report with one value damaged (`578B` → `5.7.8B`): a lenient
/// read skips that block and warns on stderr.
fn damaged_heap() -> Temp {
    let text = std::fs::read_to_string(HEAP).unwrap();
    let damaged = text.replacen("      578B   sync.", "    5.7.8B   sync.", 1);
    assert_ne!(text, damaged);
    Temp::new("damaged.traces.txt", &damaged)
}

// ------------------------------------------------ writing never panics --

/// A warning written to a stderr whose reader is gone does not panic:
/// the warnings are dropped and the status stays the command's.
#[test]
fn a_closed_stderr_with_warnings_pending_keeps_the_status() {
    let damaged = damaged_heap();
    for cmd in ["summary", "top", "csv", "cat", "stacks"] {
        let mut child = Command::new(BIN)
            .args([cmd, "--lenient", damaged.path()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stderr.take());
        let mut stdout = String::new();
        child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{cmd}: {stdout}");
        assert!(!stdout.is_empty(), "{cmd}");
    }
}

/// `summary --lenient damaged.txt 2>&1 | head -1`: whichever of stdout
/// and stderr finds the pipe closed, the status is 0 and nothing panics.
#[cfg(unix)]
#[test]
fn two_streams_into_head_end_quietly() {
    let damaged = damaged_heap();
    let status = Temp::new("status", "");
    for cmd in ["summary", "top", "stacks"] {
        let script = r#""$0" "$1" --lenient "$2" 2>&1; echo $? > "$3""#;
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("({script}) | head -1"))
            .args([BIN, cmd, damaged.path(), status.path()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().count(), 1, "{cmd}: {text}");
        assert!(!text.contains("panicked"), "{cmd}: {text}");
        let code = std::fs::read_to_string(status.path()).unwrap();
        assert_eq!(code.trim(), "0", "{cmd}");
    }
}

/// A full stderr (`/dev/full`) with warnings to write is an error, status 2.
#[cfg(target_os = "linux")]
#[test]
fn a_full_stderr_is_an_error() {
    let damaged = damaged_heap();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = Command::new(BIN)
        .args(["summary", "--lenient", damaged.path()])
        .stdin(Stdio::null())
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!out.stdout.is_empty());
}

// ------------------------------------------- positions that mean something --

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(header.iter().take(3).collect::<Vec<_>>(), ["file", "sample", "line"]);
    reader.records().map(Result::unwrap).collect()
}

/// A record of a binary profile or `-raw` text has no line: csv leaves the
/// column empty (JSON has null), and its sample number is its place in the
/// profile, the same as the block pprof's `-traces` prints it in.
#[test]
fn records_without_a_line_are_named_by_their_sample() {
    let pairs = [
        ("samples/heap/heap-after.pb.gz", "inuse_space", "samples/heap/inuse_space.traces.txt"),
        ("samples/block/block.pb.gz", "delay", "samples/block/delay.traces.txt"),
        (
            "tests/data/inputs/mutex.raw.txt",
            "contentions",
            "tests/data/inputs/mutex.contentions.traces.txt",
        ),
        (
            "tests/data/inputs/goroutine.raw.txt",
            "goroutine",
            "tests/data/inputs/goroutine.traces.txt",
        ),
    ];
    for (profile, index, traces) in pairs {
        let from_profile = csv_rows(&run(&["csv", "--sample-index", index, profile]).stdout);
        let from_traces = csv_rows(&run(&["csv", traces]).stdout);
        assert!(!from_profile.is_empty());
        assert_eq!(from_profile.len(), from_traces.len(), "{profile}");
        for (p, t) in from_profile.iter().zip(&from_traces) {
            assert_eq!(&p[2], "", "{profile}: a line number for sample {}", &p[1]);
            assert_ne!(&t[2], "", "{traces}");
            // sample, value text, leaf, depth, stack, labels.
            let same = |r: &csv::StringRecord| [1, 5, 6, 7, 8, 9].map(|i| r[i].to_owned());
            assert_eq!(same(p), same(t), "{profile} against {traces}");
        }
        let json = run(&["csv", "--format", "ndjson", profile]).stdout;
        assert!(json.lines().all(|l| l.contains("\"line\":null")), "{profile}");
    }
}

/// grep names a sample of a binary profile `FILE sample N`, never `FILE:0`.
#[test]
fn grep_names_binary_samples_by_index() {
    let profile = "samples/heap/heap-after.pb.gz";
    let r = run(&["grep", "-n", "1", "reflect.makemap", profile]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains(".pb.gz:"), "{}", r.stdout);
    let line = r.stdout.lines().find(|l| l.contains("1. ")).unwrap();
    let n: u64 =
        line.split(" sample ").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    assert!(line.contains(&format!("{profile} sample {n}")), "{line}");
    // The same sample of the traces report of that profile, by its line.
    let text = run(&["grep", "-n", "1", "reflect.makemap", HEAP]).stdout;
    assert!(text.contains(&format!("sample {n} at {HEAP}:")), "{text}");
    let csv = run(&["grep", "--format", "csv", "reflect.makemap", profile]).stdout;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let line_col = header.iter().position(|h| h == "line").unwrap();
    for row in reader.records() {
        assert_eq!(&row.unwrap()[line_col], "");
    }
}

// ------------------------------------------------- like with like --

/// The advice of a refusal names only what can help: `-sample_index` for
/// two sample types of one kind of profile (heap's inuse_space and
/// alloc_space), none for two kinds (a CPU and a heap profile), which no
/// option turns into one another.
fn assert_advice_applies(a: &str, b: &str, stderr: &str) {
    if a.contains("cpu") != b.contains("cpu") {
        assert!(stderr.contains("a CPU profile") && stderr.contains("a heap profile"), "{stderr}");
        assert!(stderr.contains("one kind of profile"), "{stderr}");
        assert!(!stderr.contains("sample_index") && !stderr.contains("sample-index"), "{stderr}");
    } else {
        assert!(stderr.contains("-sample_index="), "{stderr}");
    }
}

/// `diff` refuses two inputs that measure different things, naming both and
/// how to get matching reports; two reports of one sample type still work.
#[test]
fn diff_refuses_inputs_of_different_sample_types() {
    let pairs = [
        ("samples/cpu/cpu.traces.txt", "samples/heap/inuse_space.traces.txt"),
        ("samples/heap/alloc_space.traces.txt", "samples/heap/inuse_space.traces.txt"),
        ("samples/heap/inuse_space.traces.txt", "samples/heap/inuse_objects.traces.txt"),
        ("samples/mutex/delay.traces.txt", "samples/mutex/contentions.traces.txt"),
        ("samples/cpu/cpu.pb.gz", "samples/heap/heap-after.pb.gz"),
        ("samples/heap/heap-before.pb.gz", "samples/heap/alloc_space.traces.txt"),
    ];
    for (before, after) in pairs {
        for format in ["text", "csv", "json"] {
            let r = run(&["diff", "--format", format, before, after]);
            assert_eq!(r.code, 2, "diff {before} {after}: {}", r.stdout);
            assert_eq!(r.stdout, "", "diff {before} {after}");
            assert!(r.stderr.contains(before) && r.stderr.contains(after), "{}", r.stderr);
            assert!(r.stderr.contains("cannot be compared"), "{}", r.stderr);
            assert_advice_applies(before, after, &r.stderr);
        }
    }
    let r = run(&["diff", "samples/heap/heap-before.pb.gz", "samples/heap/inuse_space.traces.txt"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "diff",
        "--sample-index",
        "alloc_space",
        "samples/heap/heap-before.pb.gz",
        "samples/heap/alloc_space.traces.txt",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Every command that adds its inputs up refuses inputs of different
/// sample types the same way.
#[test]
fn commands_refuse_to_add_up_different_sample_types() {
    let cpu = "samples/cpu/cpu.traces.txt";
    let commands: &[&[&str]] = &[
        &["top"],
        &["hist", "main"],
        &["hist", "--all"],
        &["grep", "main"],
        &["stacks"],
        &["summary"],
        &["blame"],
        &["peek", "main"],
        &["folded"],
        &["flamegraph"],
        &["export", "-o", "-"],
        &["csv"],
    ];
    for args in commands {
        for (a, b) in [(cpu, HEAP), (HEAP, "samples/heap/alloc_space.traces.txt")] {
            let mut all = args.to_vec();
            all.extend([a, b]);
            let r = run(&all);
            assert_eq!(r.code, 2, "{all:?}");
            assert!(r.stderr.contains(a) && r.stderr.contains(b), "{all:?}: {}", r.stderr);
            assert!(r.stderr.contains("cannot be added up"), "{all:?}: {}", r.stderr);
            assert_advice_applies(a, b, &r.stderr);
        }
        // The same report twice is one sample type.
        let mut same = args.to_vec();
        same.extend([HEAP, "samples/heap/heap-after.pb.gz"]);
        let r = run(&same);
        assert!(r.code <= 1, "{same:?}: {}", r.stderr);
    }
    // A binary profile's default sample type counts: cpu is not inuse_space.
    let r = run(&["top", "samples/cpu/cpu.pb.gz", "samples/heap/heap-after.pb.gz"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

// ------------------------------------------- filters see the profile --

/// pprof's `-name=value` filter flags as traces-tool options.
fn filter_options(flags: &str) -> Vec<String> {
    flags
        .split_whitespace()
        .flat_map(|flag| {
            let (name, value) = flag.trim_start_matches('-').split_once('=').unwrap();
            [format!("--{}", name.replace('_', "-")), value.to_owned()]
        })
        .collect()
}

/// `traces-tool cat FILTERS PROFILE` equals `go tool pprof -traces FILTERS
/// PROFILE` byte for byte, for every binary profile in samples/ and every
/// case of samples/filters/binary/cases.tsv (rendered by
/// samples/regen.d/binary-filters.sh): frame regexes match function names,
/// file names and mapping files, as pprof's do.
#[test]
fn filters_on_binary_profiles_match_names_files_and_mappings_like_pprof() {
    let manifest = std::fs::read_to_string("samples/filters/binary/cases.tsv").unwrap();
    let cases: Vec<(&str, &str)> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once('\t').unwrap())
        .collect();
    let mut profiles = Vec::new();
    for dir in std::fs::read_dir("samples").unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.to_string_lossy().ends_with(".pb.gz") {
                profiles.push(f);
            }
        }
    }
    profiles.sort();
    assert!(profiles.len() >= 8, "{profiles:?}");
    let mut compared = 0;
    for profile in &profiles {
        let p = profile.to_str().unwrap();
        let id = p.trim_start_matches("samples/").trim_end_matches(".pb.gz").replace('/', "-");
        for (name, flags) in &cases {
            let mut args = vec!["cat".to_owned(), p.to_owned()];
            args.extend(filter_options(flags));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = run(&args);
            assert!(r.code <= 1, "{p} {flags}: {}", r.stderr);
            let expected = gunzip_text(&format!("samples/filters/binary/{id}.{name}.pprof.txt.gz"));
            assert!(r.stdout == expected, "traces-tool cat {flags} {p} differs from pprof");
            compared += 1;
        }
    }
    assert_eq!(compared, profiles.len() * cases.len());
}

/// The examples of the issue: on heap-after.pb.gz, `--ignore runtime` drops
/// `reflect.makemap` (its file is runtime/map.go) and `--hide runtime`
/// removes its frame, while on the traces report of the same profile,
/// which prints no file names, it stays.
#[test]
fn runtime_files_are_filtered_on_profiles_not_on_text() {
    let profile = "samples/heap/heap-after.pb.gz";
    let ignored = run(&["cat", "--ignore", "runtime", profile]).stdout;
    assert!(!ignored.contains("reflect.makemap"));
    let hidden = run(&["cat", "--hide", "runtime", profile]).stdout;
    assert!(!hidden.contains("reflect.makemap"));
    assert!(hidden.contains("reflect.MakeMapWithSize"));
    let text = run(&["cat", "--ignore", "runtime", HEAP]).stdout;
    assert!(text.contains("reflect.makemap"));
}

// ------------------------------------------------ one meaning per flag --

/// `--top 0` is "all" in grep too, as in stacks, diff and blame.
#[test]
fn top_zero_means_all_rows_everywhere() {
    let count_hits = |top: &str| {
        let r = run(&["grep", "--top", top, "--format", "csv", r"conn\).serve$", HEAP]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout.lines().count() - 1
    };
    let all = count_hits("0");
    assert!(all > 5, "{all}");
    assert_eq!(all, count_hits("100000"));
    let text = run(&["grep", "--top", "0", r"conn\).serve$", HEAP]).stdout;
    assert!(text.contains("  6. "), "{text}");
    // Without --top: every hit in the machine formats, 5 in text.
    let r = run(&["grep", "--format", "csv", r"conn\).serve$", HEAP]);
    assert_eq!(r.stdout.lines().count() - 1, all, "{}", r.stderr);
    let text = run(&["grep", r"conn\).serve$", HEAP]).stdout;
    assert!(text.contains("  5. ") && !text.contains("  6. "), "{text}");
    let before = "samples/heap/heap-before.pb.gz";
    let after = "samples/heap/heap-after.pb.gz";
    for (args, default) in [
        (vec!["diff", before, after], 20),
        (vec!["stacks", after], 20),
        (vec!["blame", "samples/block/delay.traces.txt"], 10),
    ] {
        let rows = |extra: &[&str]| {
            let mut all = args.clone();
            all.extend(extra);
            let r = run(&all);
            assert_eq!(r.code, 0, "{all:?}: {}", r.stderr);
            r.stdout.lines().count() - 1
        };
        let every = rows(&["--top", "0", "--format", "csv"]);
        assert!(every > default, "{args:?}: {every}");
        // Machine formats carry every row unless a limit is asked for.
        assert_eq!(rows(&["--format", "csv"]), every, "{args:?}");
        assert_eq!(rows(&["--format", "csv", "--top", "3"]), 3, "{args:?}");
        let mut json = args.clone();
        json.extend(["--format", "json"]);
        let doc: serde_json::Value = serde_json::from_str(&run(&json).stdout).unwrap();
        let longest = doc
            .as_object()
            .unwrap()
            .values()
            .filter_map(|v| v.as_array().map(Vec::len))
            .max()
            .unwrap();
        assert_eq!(longest, every, "{json:?}");
    }
}

/// `hist FILE` reads FILE whether or not standard input is a terminal
/// (here it is not): the same as `hist --all FILE`. `-` makes it a pattern.
#[test]
fn hist_reads_a_lone_file_argument_without_a_terminal() {
    let lone = run(&["hist", HEAP]);
    assert_eq!(lone.code, 0, "{}", lone.stderr);
    assert_eq!(lone.stdout, run(&["hist", "--all", HEAP]).stdout);
    let mut child = Command::new(BIN)
        .args(["hist", HEAP, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an empty standard input is no report");
}

/// `--help` lists only the formats a command writes, and clap refuses the
/// others before anything is read.
#[test]
fn help_lists_only_the_formats_each_command_writes() {
    let commands: &[(&str, &[&str])] = &[
        ("csv", &["csv", "json", "ndjson"]),
        ("grep", &["text", "csv", "json", "ndjson"]),
        ("stacks", &["text", "csv", "json", "ndjson"]),
        ("goroutines", &["text", "csv", "json", "ndjson"]),
        ("top", &["text", "csv", "json"]),
        ("hist", &["text", "csv", "json"]),
        ("peek", &["text", "csv", "json"]),
        ("summary", &["text", "csv", "json"]),
        ("diff", &["text", "csv", "json"]),
        ("blame", &["text", "csv", "json"]),
    ];
    for (cmd, formats) in commands {
        let help = run(&[cmd, "--help"]).stdout;
        let start = help.find("--format <FORMAT>").unwrap();
        let section = &help[start..];
        let end =
            section.find("\n\n  -").or_else(|| section.find("\n\nInput")).unwrap_or(section.len());
        let listed: Vec<&str> = section[..end]
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("- "))
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(&listed, formats, "{cmd} --help");
        for other in ["text", "csv", "json", "ndjson"] {
            if formats.contains(&other) {
                continue;
            }
            let r = run(&[cmd, "--format", other, "x", HEAP]);
            assert_eq!(r.code, 2, "{cmd} --format {other}");
            assert!(r.stderr.contains("invalid value"), "{cmd} --format {other}: {}", r.stderr);
        }
    }
}

/// flamegraph's notes name flamegraph and quote a value of the input; the
/// root frame is labelled.
#[test]
fn flamegraph_speaks_for_itself_and_labels_its_root() {
    let input = std::fs::read_to_string(HEAP).unwrap();
    let r = run(&["flamegraph", HEAP]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let note = r.stderr.lines().find(|l| l.contains("rounded")).unwrap();
    assert!(note.starts_with("traces-tool: flamegraph: "), "{note}");
    let example = note.split("(e.g. ").nth(1).unwrap().split(')').next().unwrap();
    assert!(input.contains(&format!(" {example}   ")), "{example} is not a value of {HEAP}");
    let root = r.stdout.find("<title>all (").unwrap();
    let text = &r.stdout[root..];
    let label = text[text.find("<text ").unwrap()..].split_once('>').unwrap().1;
    assert!(label.starts_with("all</text>"), "{}", &label[..40.min(label.len())]);
    let folded = run(&["folded", HEAP]);
    assert!(folded.stderr.contains("traces-tool: folded: "), "{}", folded.stderr);
}

/// `-raw` text prints file and mapping names: the filters see them there as
/// on the profile it was printed from (tests/data/inputs: each `.raw.txt` is
/// `go tool pprof -raw` of the profile beside it). The synthetic profile has
/// frames without a function, locations without lines and a mapping without
/// a file, where pprof's `--show` and `--hide` differ.
#[test]
fn filters_on_raw_text_equal_filters_on_its_profile() {
    let flags: &[&[&str]] = &[
        &["--ignore", "runtime"],
        &["--hide", "runtime"],
        &["--show", "runtime"],
        &["--show-from", "runtime"],
        &["--focus", r"main\.go$"],
        &["--show", "bin/"],
        &["--hide", "^sync/"],
        &["--show", "libfoo"],
        &["--hide", "libfoo"],
        &["--show-from", "libfoo"],
        &["--hide", "server"],
        &["--show", "."],
        &["--hide", "unknown"],
    ];
    let dir = "tests/data/inputs";
    for (profile, raw) in [
        ("goroutine.pb.gz", "goroutine.raw.txt"),
        ("mutex.pb.gz", "mutex.raw.txt"),
        ("synthetic.pb", "synthetic.raw.txt"),
    ] {
        for f in flags {
            let on = |file: &str| {
                let path = format!("{dir}/{file}");
                let mut args = vec!["cat", path.as_str()];
                args.extend(*f);
                let r = run(&args);
                assert!(r.code <= 1, "{args:?}: {}", r.stderr);
                r.stdout
            };
            assert_eq!(on(raw), on(profile), "{raw} {f:?}");
        }
    }
    // On the synthetic profile, the file of `main.helper` is matched.
    let r = run(&["cat", "--ignore", "/src/app/", "tests/data/inputs/synthetic.raw.txt"]);
    assert!(!r.stdout.contains("main.helper"), "{}", r.stdout);
}
