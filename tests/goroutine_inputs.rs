//! The goroutine inputs beyond the plain dump (`traces-tool goroutines`,
//! `summary`):
//!
//! - Go 1.26's goroutineleak profile in its three forms, each hand-written
//!   exactly after the runtime's writer since Go here is older: `?debug=1`
//!   (`tests/data/legacy/debug1/goroutineleak.debug1.txt`, after
//!   `printCountProfile` in `runtime/pprof/pprof.go`: `NAME profile: total
//!   N`, then `COUNT @ PCs` records), the binary profile (built here as
//!   `printCountProfile`'s `profileBuilder` writes it: period type and the
//!   one sample type `goroutineleak/count`, period 1, one count per
//!   stack), and `debug=2` (`tests/data/legacy/dump-goroutineleak.txt`:
//!   `writeGoroutineLeak` writes every goroutine's stack as
//!   `writeGoroutineStacks` does, the leaked ones with ` (leaked)` after
//!   their state, as a real Go 1.27 run prints `goroutine 7 [chan send
//!   (leaked)]:`);
//! - the order of several dumps: as given, by the time they carry
//!   (`--order time`), by file modification time (`--order mtime`);
//! - a dump or race report after more than 256 KiB of log lines;
//! - real Go 1.21-1.25 dumps from public issues (`tests/data/legacy/go1.2*`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use prost::Message;
use serde_json::Value;
use traces_tool::read::profile::proto;

mod support;
use support::{command, run_cmd};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let r = run_cmd(command(args).current_dir(crate_dir()), None);
    (r.code, r.stdout, r.stderr)
}

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = run(&a);
    assert_eq!(code, 0, "{a:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("goroutine-inputs-{}-{name}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
}

const LEAK_DUMP: &str = "tests/data/legacy/dump-goroutineleak.txt";
const LEAK_DEBUG1: &str = "tests/data/legacy/debug1/goroutineleak.debug1.txt";

#[test]
fn goroutineleak_dump_marks_the_leaked_goroutines() {
    let text = fs::read_to_string(crate_dir().join(LEAK_DUMP)).unwrap();
    let leaked = text.matches(" (leaked)").count() as u64;
    let all = text.lines().filter(|l| l.starts_with("goroutine ")).count() as u64;
    assert!(leaked > 0 && leaked < all);
    let doc = json(&["goroutines", LEAK_DUMP]);
    assert_eq!(doc["inputs"][0]["leaked"], leaked);
    assert_eq!(doc["inputs"][0]["goroutines"], all);
    // Leaked goroutines sit in buckets of their own, labelled.
    let is_leaked = |b: &Value| {
        b["labels"].as_array().unwrap().iter().any(|l| l[0] == "leaked" && l[1] == "true")
    };
    let buckets = doc["buckets"].as_array().unwrap();
    let in_leaked: u64 =
        buckets.iter().filter(|b| is_leaked(b)).map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(in_leaked, leaked);
    // The state is read without the mark.
    assert!(buckets.iter().all(|b| !b["state"].as_str().unwrap().contains("leaked")));
    // A goroutine that is blocked the same way but not leaked stays apart.
    assert!(buckets.iter().any(|b| b["state"] == "chan send" && !is_leaked(b)));
    let (code, out, err) = run(&["summary", LEAK_DUMP]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{leaked} leaked goroutines of {all}")), "{out}");
    let (code, out, err) = run(&["hist", "--by", "leaked", LEAK_DUMP]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("true"), "{out}");
}

/// The total of a `NAME profile: total N` header.
fn debug1_total(text: &str) -> u64 {
    text.lines().next().unwrap().rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn goroutineleak_debug1_is_a_profile_of_leaked_goroutines() {
    let text = fs::read_to_string(crate_dir().join(LEAK_DEBUG1)).unwrap();
    let total = debug1_total(&text);
    let doc = json(&["goroutines", LEAK_DEBUG1]);
    assert_eq!(doc["inputs"][0]["kind"], "goroutineleak profile");
    assert_eq!(doc["inputs"][0]["leaked"], total);
    let records = text.lines().filter(|l| l.contains(" @ 0x")).count();
    assert_eq!(doc["buckets"].as_array().unwrap().len(), records);
    let (code, out, err) = run(&["summary", LEAK_DEBUG1]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("goroutineleak profile: {total} leaked goroutines")), "{out}");
    // An ordinary goroutine profile is not called leaked.
    let (_, out, _) = run(&["summary", "samples/legacy/goroutine.debug1.txt"]);
    assert!(!out.contains("leaked"), "{out}");
}

/// A binary goroutineleak profile as `runtime/pprof.printCountProfile`
/// builds one (`b.pbValueType(tagProfile_PeriodType, name, "count")`,
/// `Period 1`, `b.pbValueType(tagProfile_SampleType, name, "count")`, one
/// value per sample), with `time_nanos`, gzipped: stacks of function
/// names, leaf first, and their counts.
fn leak_profile(stacks: &[(&[&str], i64)], time_nanos: i64) -> Vec<u8> {
    count_profile("goroutineleak", stacks, time_nanos)
}

/// A binary count profile of sample type `name`, as above.
fn count_profile(name: &str, stacks: &[(&[&str], i64)], time_nanos: i64) -> Vec<u8> {
    let mut strings: Vec<Vec<u8>> = vec![Vec::new()];
    let mut intern = |s: &str| -> i64 {
        match strings.iter().position(|x| x == s.as_bytes()) {
            Some(i) => i as i64,
            None => {
                strings.push(s.as_bytes().to_vec());
                strings.len() as i64 - 1
            }
        }
    };
    let vt = |t: i64, u: i64| proto::ValueType { r#type: t, unit: u };
    let (name, count) = (intern(name), intern("count"));
    let mut p = proto::Profile {
        sample_type: vec![vt(name, count)],
        period_type: Some(vt(name, count)),
        period: 1,
        time_nanos,
        ..Default::default()
    };
    p.mapping.push(proto::Mapping {
        id: 1,
        memory_start: 0x400000,
        memory_limit: 0x800000,
        filename: intern("/app/leaky"),
        has_functions: true,
        has_filenames: true,
        has_line_numbers: true,
        ..Default::default()
    });
    for (stack, n) in stacks {
        let mut ids = Vec::new();
        for f in *stack {
            let id = match p.function.iter().position(|g| g.name == intern(f)) {
                Some(i) => i as u64 + 1,
                None => {
                    let id = p.function.len() as u64 + 1;
                    let name = intern(f);
                    let file = intern("example.com/leaky/main.go");
                    p.function.push(proto::Function {
                        id,
                        name,
                        system_name: name,
                        filename: file,
                        ..Default::default()
                    });
                    p.location.push(proto::Location {
                        id,
                        mapping_id: 1,
                        address: 0x401000 + id * 0x10,
                        line: vec![proto::Line { function_id: id, line: 10 + id as i64 }],
                        ..Default::default()
                    });
                    id
                }
            };
            ids.push(id);
        }
        p.sample.push(proto::Sample { location_id: ids, value: vec![*n], label: Vec::new() });
    }
    p.string_table = strings;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&p.encode_to_vec()).unwrap();
    gz.finish().unwrap()
}

const SEND: &[&str] = &["runtime.gopark", "runtime.chansend1", "main.fetchAll.func1"];
const RECV: &[&str] = &["runtime.gopark", "runtime.chanrecv1", "main.waitResult"];

#[test]
fn goroutineleak_binary_is_a_profile_of_leaked_goroutines() {
    let dir = temp_dir("binary");
    let path = dir.join("goroutineleak.pb.gz");
    fs::write(&path, leak_profile(&[(SEND, 3), (RECV, 2)], 1_700_000_000_000_000_000)).unwrap();
    let path = path.to_str().unwrap();
    let doc = json(&["goroutines", path]);
    assert_eq!(doc["inputs"][0]["kind"], "goroutineleak profile");
    assert_eq!(doc["inputs"][0]["leaked"], 5);
    let counts: Vec<u64> =
        doc["buckets"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).collect();
    assert_eq!(counts, [3, 2]);
    assert_eq!(doc["buckets"][0]["stack"][2]["function"], "main.fetchAll.func1");
    let (code, out, err) = run(&["summary", path]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("goroutineleak profile: 5 leaked goroutines"), "{out}");
    fs::remove_dir_all(&dir).unwrap();
}

/// The counts of the bucket whose stack holds `function`, per input.
fn series(doc: &Value, function: &str) -> Vec<u64> {
    let b = doc["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["stack"].as_array().unwrap().iter().any(|f| f["function"] == function))
        .unwrap_or_else(|| panic!("no bucket with {function}: {doc}"));
    b["counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect()
}

#[test]
fn inputs_are_ordered_as_given_or_by_the_time_they_carry() {
    let dir = temp_dir("order");
    // Written at 10:02, 10:03 and 10:01; given in file-name order.
    let minute = 60_000_000_000i64;
    let t0 = 1_700_000_000_000_000_000i64;
    let mut paths = Vec::new();
    for (name, at, leaked) in [("a", 2, 20), ("b", 3, 30), ("c", 1, 10)] {
        let p = dir.join(format!("{name}.pb.gz"));
        fs::write(&p, count_profile("goroutine", &[(SEND, leaked), (RECV, 4)], t0 + at * minute))
            .unwrap();
        paths.push(p.to_str().unwrap().to_owned());
    }
    let mut args: Vec<&str> = vec!["goroutines"];
    args.extend(paths.iter().map(String::as_str));
    let given = json(&args);
    assert_eq!(given["order"], "given");
    assert_eq!(series(&given, "main.fetchAll.func1"), [20, 30, 10]);
    assert!(given["inputs"][0]["time_nanos"].is_null());
    args.extend(["--order", "time"]);
    let timed = json(&args);
    assert_eq!(timed["order"], "time");
    assert_eq!(series(&timed, "main.fetchAll.func1"), [10, 20, 30]);
    assert_eq!(series(&timed, "main.waitResult"), [4, 4, 4]);
    let names: Vec<&str> =
        timed["inputs"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, [paths[2].as_str(), paths[0].as_str(), paths[1].as_str()]);
    assert_eq!(timed["inputs"][0]["time_nanos"], t0 + minute);
    // Growing only in time order.
    args.push("--growing");
    let growing = json(&args);
    assert_eq!(growing["buckets"].as_array().unwrap().len(), 1);
    // The text says which order it used.
    args.truncate(args.len() - 1);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().next().unwrap().contains("ordered by the time each carries"), "{out}");
    assert!(out.contains("10 → 20 → 30"), "{out}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dumps_carry_no_time_but_files_have_modification_times() {
    let rounds = ["dump-r1.debug2.txt", "dump-r2.debug2.txt", "dump-r3.debug2.txt"];
    let r1 = format!("samples/goroutines/{}", rounds[0]);
    let (code, _, err) = run(&["goroutines", "--order", "time", &r1, &r1]);
    assert_eq!(code, 2);
    assert!(err.contains("carries no time") && err.contains("--order mtime"), "{err}");
    // Copies named against their order, their modification times in it.
    let dir = temp_dir("mtime");
    let base = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let mut paths = Vec::new();
    for (i, round) in rounds.iter().enumerate() {
        let p = dir.join(format!("{}.txt", ["z", "y", "x"][i]));
        fs::copy(crate_dir().join("samples/goroutines").join(round), &p).unwrap();
        let f = fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(base + std::time::Duration::from_secs(60 * i as u64)).unwrap();
        paths.push(p.to_str().unwrap().to_owned());
    }
    paths.reverse();
    let mut args: Vec<&str> = vec!["goroutines", "--leaks"];
    args.extend(paths.iter().map(String::as_str));
    let (code, _, _) = run(&args);
    assert_eq!(code, 1, "no leak in the reversed order");
    args.extend(["--order", "mtime"]);
    let doc = json(&args);
    assert_eq!(doc["order"], "mtime");
    let leaks = doc["buckets"].as_array().unwrap();
    assert_eq!(leaks.len(), 1, "{doc}");
    let counts: Vec<u64> =
        leaks[0]["counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[1] > w[0]), "{counts:?}");
    assert_eq!(doc["inputs"][0]["name"], paths[2].as_str());
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().next().unwrap().contains("ordered by file modification time"), "{out}");
    let r = run_cmd(
        command(&["goroutines", "--order", "mtime", "-"]).current_dir(crate_dir()),
        Some(fs::read(crate_dir().join(&r1)).unwrap().as_slice()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("standard input has no modification time"), "{}", r.stderr);
    fs::remove_dir_all(&dir).unwrap();
}

/// `n` log lines of about 50 bytes.
fn log_lines(n: usize) -> String {
    (0..n)
        .map(|i| format!("2026-12-07T08:00:{:02}Z INFO handled request {i} in 3ms\n", i % 60))
        .collect()
}

#[test]
fn a_dump_or_race_report_after_more_than_256_kib_of_log_is_found() {
    let dir = temp_dir("late");
    let log = log_lines(6000);
    assert!(log.len() > 256 << 10);
    let dump = fs::read_to_string(crate_dir().join("tests/data/legacy/dump-minutes.txt")).unwrap();
    let late = dir.join("late-dump.txt");
    fs::write(&late, format!("{log}{dump}")).unwrap();
    let late = late.to_str().unwrap();
    // The same goroutines as the dump alone, and a note on the log.
    let alone = json(&["goroutines", "tests/data/legacy/dump-minutes.txt"]);
    let found = json(&["goroutines", late]);
    assert_eq!(found["buckets"], alone["buckets"]);
    let (code, out, err) = run(&["hist", "--by", "state", "--format", "csv", late]);
    assert_eq!(code, 0, "{err}");
    let goroutines = dump.lines().filter(|l| l.starts_with("goroutine ")).count();
    assert_eq!(
        out.lines()
            .skip(1)
            .map(|l| l.split(',').nth(4).unwrap().parse::<usize>().unwrap())
            .sum::<usize>(),
        goroutines,
        "{out}"
    );
    assert!(
        err.contains("6000 lines of other text before the dump (which starts at line 6001)"),
        "{err}"
    );
    // A race report too.
    let race = fs::read_to_string(crate_dir().join("samples/race/run.txt")).unwrap();
    let late_race = dir.join("late-race.txt");
    fs::write(&late_race, format!("{log}{race}")).unwrap();
    let (code, out, err) = run(&["summary", late_race.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("data race report"), "{out}");
    // A log with neither is still refused as no traces report.
    let plain = dir.join("plain.txt");
    fs::write(&plain, &log).unwrap();
    let (code, _, err) = run(&["top", plain.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a pprof traces report"), "{err}");
    fs::remove_dir_all(&dir).unwrap();
}

#[derive(pest_derive::Parser)]
#[grammar = "grammar/legacy.pest"]
struct LegacyParser;

/// The real Go 1.21-1.25 excerpts: `tests/data/legacy/go1.2*.txt` (which
/// `tests/grammar_legacy.rs` also reads with the grammar) and the logcat
/// capture of `tests/data/dumps/`.
fn real_dumps() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["tests/data/legacy", "tests/data/dumps"]
        .iter()
        .flat_map(|d| fs::read_dir(crate_dir().join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("go1.2"))
        .collect();
    out.sort();
    assert!(out.len() >= 5, "{out:?}");
    out
}

#[test]
fn real_go_1_21_to_1_25_dumps_read_and_bucket() {
    let header = regex::Regex::new(
        r"(?m)^(?:.*E  )?goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^,\]]+)",
    )
    .unwrap();
    let creator = regex::Regex::new(r"(?m)created by (\S+) in goroutine (\d+)$").unwrap();
    for path in real_dumps() {
        let text = fs::read_to_string(&path).unwrap();
        let p = path.to_str().unwrap();
        let doc = json(&["goroutines", p]);
        let ids: Vec<u64> = header.captures_iter(&text).map(|c| c[1].parse().unwrap()).collect();
        assert!(!ids.is_empty(), "{p}");
        assert_eq!(doc["inputs"][0]["goroutines"], ids.len() as u64, "{p}");
        let buckets = doc["buckets"].as_array().unwrap();
        let mut got: Vec<u64> = buckets
            .iter()
            .flat_map(|b| b["ids"].as_array().unwrap().iter().map(|i| i.as_u64().unwrap()))
            .collect();
        got.sort_unstable();
        let mut want = ids.clone();
        want.sort_unstable();
        assert_eq!(got, want, "{p}");
        // Each goroutine's state, and Go 1.21's `in goroutine N` as the parent.
        for c in header.captures_iter(&text) {
            let id: u64 = c[1].parse().unwrap();
            let b = buckets
                .iter()
                .find(|b| b["ids"].as_array().unwrap().iter().any(|i| i == id))
                .unwrap();
            assert_eq!(b["state"], &c[2], "{p}: goroutine {id}");
        }
        for c in creator.captures_iter(&text) {
            let parent: u64 = c[2].parse().unwrap();
            assert!(
                buckets.iter().any(|b| b["created_by"]["function"] == c[1]
                    && b["created_by"]["parents"].as_array().unwrap().iter().any(|x| x == parent)),
                "{p}: created by {} in goroutine {parent}",
                &c[1]
            );
        }
        // A panic's message, where there is one.
        if let Some(line) = text.lines().find(|l| l.starts_with("panic: ")) {
            assert_eq!(
                doc["inputs"][0]["panic"].as_str().unwrap().lines().next(),
                Some(line),
                "{p}"
            );
            assert_eq!(buckets[0]["panicked"], true, "{p}");
        }
    }
}

#[test]
fn a_logcat_capture_reads_as_its_stripped_text_and_that_text_as_the_grammar_reads_it() {
    let path = crate_dir().join("tests/data/dumps/go1.21-firestack-logcat.txt");
    let text = fs::read_to_string(&path).unwrap();
    // Every line of the dump carries the logcat prefix, ending in `E  `.
    let stripped: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| match l.split_once(" E  ") {
            Some((_, rest)) => format!("{rest}\n"),
            None => "\n".to_owned(),
        })
        .collect();
    let dir = temp_dir("logcat");
    let plain = dir.join("stripped.txt");
    fs::write(&plain, &stripped).unwrap();
    let with_prefix = json(&["goroutines", path.to_str().unwrap()]);
    let without = json(&["goroutines", plain.to_str().unwrap()]);
    assert_eq!(with_prefix["buckets"], without["buckets"]);
    let (code, _, err) = run(&["goroutines", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(err.contains("stripped from"), "{err}");
    // The grammar reads the stripped text to the same goroutines.
    use pest::Parser;
    let pairs = LegacyParser::parse(Rule::goroutine_dump, &stripped).unwrap();
    let headers: Vec<&str> = pairs
        .flatten()
        .filter(|p| p.as_rule() == Rule::goroutine_header)
        .map(|p| p.as_str())
        .collect();
    assert_eq!(headers, ["goroutine 2717 [sleep]:"]);
    assert_eq!(without["buckets"][0]["ids"][0], 2717);
    assert_eq!(without["buckets"][0]["stack"].as_array().unwrap().len(), 3);
    fs::remove_dir_all(&dir).unwrap();
}
