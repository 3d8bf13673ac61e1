//! The `debug=1` text profiles and goroutine dumps of `samples/legacy/`
//! (made by `samples/regen.d/legacy.sh`) against pprof's own reading of the
//! same files:
//!
//! - for each `debug=1` kind pprof parses, the sample types, the default
//!   sample type and every sample's values equal those of pprof's `-raw`,
//!   and the records `traces-tool` reports equal pprof's `-traces` blocks,
//!   values and stack depth alike, once pprof's `<unknown>` frames are named
//!   from the `#` lines of the file (looked up here by address, apart from
//!   the reader);
//! - the `debug=2` dump has the per-stack counts of the `debug=1` goroutine
//!   profile taken just before it (apart from the goroutine that wrote
//!   them);
//! - the dump's labels (`state`, `wait_minutes`, `locked_to_thread`,
//!   `created_by`) work with `hist --by`, `grep` and `summary`;
//! - malformed and truncated variants give `FILE:LINE:` errors with exit
//!   status 2 or read fine, never a panic.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;

mod support;
use support::{command, run_cmd};

use traces_tool::read::profile::load::prepare;
use traces_tool::read::profile::Profile;
use traces_tool::read::traces::{ReaderOptions, TraceReader};
use traces_tool::read::{goroutine_dump, legacy, raw};
use traces_tool::read::{open_bytes, RecordSource};
use traces_tool::record::{Names, Record};

const KINDS: [&str; 5] = ["heap", "allocs", "goroutine", "mutex", "block"];

/// The `debug=1` profiles that pprof reads, with their `-raw` and `-traces`
/// readings beside them: `legacy/KIND` and `legacy-shapes/allocs`
/// (recursion, inlining, records apart only by hidden runtime frames, a
/// stack at the runtime's depth limit).
fn profiles() -> Vec<String> {
    let mut out: Vec<String> = KINDS.iter().map(|k| format!("legacy/{k}")).collect();
    out.push("legacy-shapes/allocs".to_owned());
    out
}

fn sample(name: &str) -> String {
    let name = if name.contains('/') { name.to_owned() } else { format!("legacy/{name}") };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Function names per address, from the file's `#` lines, read here
/// independently of the reader: `#<TAB>0xPC<TABS>NAME+0xOFF<TABS>FILE:LINE`.
fn names_by_address(text: &str) -> HashMap<u64, Vec<String>> {
    let mut out: HashMap<u64, Vec<String>> = HashMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("#\t") else { continue };
        let cols: Vec<&str> = rest.split('\t').filter(|c| !c.is_empty()).collect();
        if cols.len() < 2 {
            continue;
        }
        let pc = u64::from_str_radix(cols[0].trim_start_matches("0x"), 16).unwrap();
        let name = &cols[1][..cols[1].rfind("+0x").unwrap()];
        let names = out.entry(pc).or_default();
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    out
}

/// A profile's samples as (named stack, `bytes` label) → summed values,
/// naming each location with `name`.
fn grouped(
    p: &Profile,
    name: impl Fn(&Profile, usize) -> Vec<String>,
) -> BTreeMap<(Vec<String>, Vec<i64>), Vec<i64>> {
    let mut out: BTreeMap<(Vec<String>, Vec<i64>), Vec<i64>> = BTreeMap::new();
    for s in &p.samples {
        let stack: Vec<String> = s.locations.iter().flat_map(|&l| name(p, l as usize)).collect();
        let bytes = s.num_labels.get("bytes").map(|n| n.values.clone()).unwrap_or_default();
        let sum = out.entry((stack, bytes)).or_insert_with(|| vec![0; s.values.len()]);
        for (t, v) in sum.iter_mut().zip(s.values) {
            *t += v;
        }
    }
    out.retain(|_, v| v.iter().any(|&x| x != 0));
    out
}

#[test]
fn debug1_samples_equal_pprofs_raw() {
    for kind in profiles() {
        let text = sample(&format!("{kind}.debug1.txt"));
        let pprof = raw::parse(&sample(&format!("{kind}.debug1.raw.txt"))).unwrap();
        let ours = prepare(legacy::parse(&text).unwrap().profile);
        assert_eq!(ours.sample_types, pprof.sample_types, "{kind}: sample types");
        assert_eq!(ours.period_type, pprof.period_type, "{kind}: period type");
        assert_eq!(ours.period, pprof.period, "{kind}: period");
        let names = names_by_address(&text);
        let theirs =
            grouped(&pprof, |p, l| names.get(&p.locations[l].address).cloned().unwrap_or_default());
        let ours = grouped(&ours, |p, l| {
            p.locations[l]
                .lines
                .iter()
                .map(|ln| p.functions[ln.function.unwrap()].name.clone())
                .collect()
        });
        assert!(!ours.is_empty(), "{kind}: no samples");
        assert_eq!(ours, theirs, "{kind}: samples differ from pprof's -raw");
    }
}

/// The records of a source: (labels without the goroutine profile's own,
/// value text, frames).
/// A record: its labels, its value as printed and its frames.
type Rec = (Vec<(String, String)>, String, Vec<String>);

fn records(source: &mut dyn RecordSource) -> Vec<Rec> {
    let (mut names, mut rec) = (Names::new(), Record::new());
    let mut out = Vec::new();
    while source.read_record(&mut rec, &mut names).unwrap() {
        let labels = rec.labels().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        let frames = rec.frames.iter().map(|f| names.get(f.name).to_owned()).collect();
        out.push((labels, rec.value_text().to_owned(), frames));
    }
    out
}

#[test]
fn debug1_records_equal_pprofs_traces_with_names() {
    for kind in profiles() {
        let text = sample(&format!("{kind}.debug1.txt"));
        let names = names_by_address(&text);
        let pprof_raw = raw::parse(&sample(&format!("{kind}.debug1.raw.txt"))).unwrap();
        let traces = sample(&format!("{kind}.debug1.traces.txt"));
        let mut reader =
            TraceReader::new("pprof", traces.as_bytes(), ReaderOptions::default()).unwrap();
        let theirs_records = records(&mut reader);
        // -traces prints -raw's samples in order: name its <unknown> frames
        // from the addresses of the matching -raw sample.
        assert_eq!(theirs_records.len(), pprof_raw.samples.len(), "{kind}");
        let mut theirs: BTreeMap<(Vec<String>, String), u64> = BTreeMap::new();
        for ((labels, value, frames), s) in theirs_records.iter().zip(&pprof_raw.samples) {
            assert_eq!(frames.len(), s.locations.len(), "{kind}: pprof's stack depth");
            assert!(frames.iter().all(|f| f == "<unknown>"), "{kind}: {frames:?}");
            let named: Vec<String> = s
                .locations
                .iter()
                .flat_map(|&l| {
                    names.get(&pprof_raw.locations[l as usize].address).cloned().unwrap_or_default()
                })
                .collect();
            let bytes = labels.iter().find(|(k, _)| k == "bytes").map(|(_, v)| v.clone());
            *theirs.entry((named, format!("{value} {bytes:?}"))).or_default() += 1;
        }
        let mut source = open_bytes(&kind, text.into_bytes(), ReaderOptions::default()).unwrap();
        assert_eq!(
            source.header().sample_type(),
            reader.header().sample_type(),
            "{kind}: default sample type"
        );
        if !kind.ends_with("goroutine") {
            // Record for record: the same stacks (one frame per address,
            // the runtime's hidden frames left out), values and `bytes`,
            // as many times as pprof has them (records pprof keeps apart
            // stay apart).
            let mut exact: BTreeMap<(Vec<String>, String), u64> = BTreeMap::new();
            for (labels, value, frames) in records(source.as_mut()) {
                let bytes = labels.iter().find(|(k, _)| k == "bytes").map(|(_, v)| v.clone());
                *exact.entry((frames, format!("{value} {bytes:?}"))).or_default() += 1;
            }
            assert_eq!(exact, theirs, "{kind}: records differ from pprof's -traces");
            continue;
        }
        // Goroutine records with `# labels:` stay apart here; pprof merges
        // them: add them up by stack first.
        let mut sums: BTreeMap<Vec<String>, (i64, Option<String>, String)> = BTreeMap::new();
        for (labels, value, frames) in records(source.as_mut()) {
            let bytes = labels.iter().find(|(k, _)| k == "bytes").map(|(_, v)| v.clone());
            let n: i64 = value.parse().unwrap_or(0);
            let key = if kind.ends_with("goroutine") {
                frames
            } else {
                [frames, vec![value.clone()]].concat()
            };
            let e = sums.entry(key).or_insert((0, bytes, value));
            e.0 += n;
        }
        let mut ours: BTreeMap<(Vec<String>, String), u64> = BTreeMap::new();
        for (key, (n, bytes, value)) in sums {
            let (stack, value) = if kind.ends_with("goroutine") {
                (key, n.to_string())
            } else {
                (key[..key.len() - 1].to_vec(), value)
            };
            *ours.entry((stack, format!("{value} {bytes:?}"))).or_default() += 1;
        }
        assert_eq!(ours, theirs, "{kind}: records differ from pprof's -traces");
    }
}

/// Per-stack goroutine counts, without the unexported runtime frames a
/// dump hides and the profile may show, and without the goroutine that
/// wrote the profile (its stack runs through runtime/pprof).
fn per_stack(source: &mut dyn RecordSource) -> BTreeMap<Vec<String>, i64> {
    let mut out = BTreeMap::new();
    for (_, value, frames) in records(source) {
        if frames.iter().any(|f| f.starts_with("runtime/pprof.")) {
            continue;
        }
        let hidden = |f: &&String| {
            f.strip_prefix("runtime.").is_some_and(|r| r.starts_with(|c: char| c.is_lowercase()))
        };
        let stack: Vec<String> = frames.iter().filter(|f| !hidden(f)).cloned().collect();
        *out.entry(stack).or_default() += value.parse::<i64>().unwrap();
    }
    out
}

#[test]
fn dump_counts_equal_the_debug1_goroutine_profile() {
    let profile = sample("goroutine.debug1.txt");
    let dump = sample("goroutine.debug2.txt");
    let mut p = open_bytes("p", profile.clone().into_bytes(), ReaderOptions::default()).unwrap();
    let mut d = open_bytes("d", dump.into_bytes(), ReaderOptions::default()).unwrap();
    assert_eq!(d.header().sample_type(), Some("goroutine"));
    let (from_profile, from_dump) = (per_stack(p.as_mut()), per_stack(d.as_mut()));
    assert!(from_dump.len() >= 8, "{from_dump:?}");
    assert_eq!(from_dump, from_profile);
    // And the totals: `goroutine profile: total N` counts the writer too.
    let total: i64 = profile.lines().next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(from_dump.values().sum::<i64>(), total - 1);
}

#[test]
fn dump_labels() {
    let text = sample("goroutine.debug2.txt");
    let dump = goroutine_dump::parse(&text).unwrap();
    let state = |g: &goroutine_dump::Goroutine| {
        g.labels.iter().find(|(k, _)| k == "state").map(|(_, v)| v.clone()).unwrap()
    };
    let states: std::collections::BTreeSet<String> = dump.goroutines.iter().map(state).collect();
    for s in [
        "running",
        "chan receive",
        "chan send",
        "select",
        "select (no cases)",
        "sleep",
        "semacquire",
        "IO wait",
        "sync.Cond.Wait",
    ] {
        assert!(states.contains(s), "{s} missing from {states:?}");
    }
    let locked: Vec<_> = dump
        .goroutines
        .iter()
        .filter(|g| g.labels.iter().any(|(k, v)| k == "locked_to_thread" && v == "true"))
        .collect();
    assert_eq!(locked.len(), 1);
    assert_eq!(locked[0].frames[0].0, "main.lockedWaiter");
    assert!(dump.goroutines[1..]
        .iter()
        .all(|g| g.labels.iter().any(|(k, v)| k == "created_by" && v.starts_with("main.park"))));
}

fn run(args: &[&str]) -> (i32, String, String) {
    let r = run_cmd(command(args).current_dir(env!("CARGO_MANIFEST_DIR")), None);
    (r.code, r.stdout, r.stderr)
}

/// `go`, for `go tool pprof`; `None` (with a note) when it is not
/// installed, except under CI, where its absence fails the test.
fn go_tool() -> Option<&'static str> {
    let found =
        std::process::Command::new("go").arg("version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "CI: `go` is needed for this test");
        eprintln!("note: `go` not found: the comparison with go tool pprof is skipped");
        return None;
    }
    Some("go")
}

#[test]
fn commands_on_dumps() {
    const MINUTES: &str = "tests/data/legacy/dump-minutes.txt";
    let (code, out, _) =
        run(&["hist", "--all", "--by", "wait_minutes", "--format", "csv", MINUTES]);
    assert_eq!(code, 0);
    assert!(out.contains("42,2") || out.contains("\n42,"), "{out}");
    let (code, out, _) = run(&["hist", "--all", "--by", "state", MINUTES]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("chan receive") && out.contains("IO wait"), "{out}");
    let (code, out, _) = run(&["grep", "main.waitRecv", MINUTES]);
    assert_eq!(code, 0);
    assert!(out.contains("main.waitRecv"), "{out}");
    let (code, out, _) = run(&["stacks", MINUTES]);
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l.trim_start().starts_with('3')), "{out}");
    let (code, out, _) = run(&["summary", "samples/legacy/panic.txt"]);
    assert_eq!(code, 0);
    assert!(out.contains("panic: giving up after"), "{out}");
    let (code, out, _) = run(&["csv", "samples/legacy/goroutine.debug2.txt"]);
    assert_eq!(code, 0);
    assert!(out.contains("state=chan receive"), "{out}");
    let (code, _, err) = run(&["top", "samples/legacy/threadcreate.debug1.txt"]);
    assert_eq!(code, 0);
    assert!(err.contains("1 record without a stack"), "{err}");
    // `--granularity lines|files`: the positions of the `#` lines and of
    // the dump's file lines.
    let (code, out, _) = run(&["top", "--granularity", "lines", "samples/legacy/heap.debug1.txt"]);
    assert_eq!(code, 0);
    assert!(out.contains("main.allocBig example.com/legacytext/main.go:"), "{out}");
    let (code, out, _) = run(&["top", "--granularity", "lines", MINUTES]);
    assert_eq!(code, 0);
    assert!(out.contains("main.waitRecv /src/demo/main.go:55"), "{out}");
    let (code, out, _) = run(&["top", "--granularity", "files", MINUTES]);
    assert_eq!(code, 0);
    assert!(out.contains("  /src/demo/main.go\n"), "{out}");
    let (code, out, _) = run(&["top", "samples/legacy/mutex.debug1.txt"]);
    assert_eq!(code, 0);
    assert!(out.contains("Type: delay") && out.contains("main.contend.func1"), "{out}");
}

/// Variants of every sample: cut at every line and in the middle of lines,
/// and with one line damaged. Each reads or fails with `NAME:LINE:`,
/// never panics.
#[test]
fn malformed_variants_fail_with_a_line_or_read() {
    let mut files: Vec<String> = KINDS.iter().map(|k| format!("{k}.debug1.txt")).collect();
    files
        .extend(["threadcreate.debug1.txt", "goroutine.debug2.txt", "panic.txt"].map(String::from));
    for file in files {
        let text = sample(&file);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut variants: Vec<String> = Vec::new();
        // The MemStats trailer is comments only: its first lines suffice.
        for i in 1..lines.len().min(80) {
            let head: String = lines[..i].concat();
            variants.push(head.clone());
            let cut =
                (0..=lines[i].len() / 2).rev().find(|&c| lines[i].is_char_boundary(c)).unwrap();
            variants.push(format!("{head}{}", &lines[i][..cut]));
            for damage in ["zz", "1 @ 0xg", "\t/x.go:1", "# labels: {\"a", "garbage(", "--- x"] {
                let mut v = lines.clone();
                v[i] = damage;
                variants.push(format!("{}\n", v.concat()));
            }
        }
        for (n, v) in variants.into_iter().enumerate() {
            match open_bytes("in.txt", v.clone().into_bytes(), ReaderOptions::default()) {
                Ok(mut source) => {
                    let (mut names, mut rec) = (Names::new(), Record::new());
                    while let Ok(true) = source.read_record(&mut rec, &mut names) {}
                }
                Err(e) => {
                    let msg = e.to_string();
                    assert!(msg.starts_with("in.txt"), "{file} variant {n}: {msg}");
                }
            }
        }
    }
}

#[test]
fn malformed_files_exit_2_with_file_and_line() {
    let dir = std::env::temp_dir().join(format!("legacy-malformed-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("heap.txt", "heap profile: 1: 8 [1: 8] @ heap/1024\n1: 8 [1: 8] 0x1\n", ":2:"),
        ("heap0.txt", "heap profile: 1: 8 [1: 8] @ heap/1024\n0: 8 [1: 8] @ 0x1\n", ":2:"),
        ("count.txt", "goroutine profile: total 1\n1 @ 0x1 0xZ\n", ":2:"),
        ("mutex.txt", "--- mutex:\ncycles/second=1\nresolution=3\n", ":3:"),
        ("block.txt", "--- contention:\ncycles/second=1\nx 1 @ 0x1\n", ":3:"),
        ("dump.txt", "goroutine 1 [running]:\nmain.main()\nmain.f()\n\t/a.go:1\n", ":3:"),
        ("dump2.txt", "goroutine 1 [running]:\n\t/a.go:1 +0x1\n", ":2:"),
    ];
    for (name, text, line) in cases {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        let p = path.to_str().unwrap();
        let (code, _, err) = run(&["top", p]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(&format!("{p}{line}")), "{name}: {err}");
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// Random damage (bytes replaced, inserted, deleted, lines swapped) to
/// small samples, 6,000 variants with a fixed seed: every one reads or
/// fails with an error, none panics or hangs.
#[test]
fn random_damage_never_panics() {
    let inputs: Vec<String> = [
        "mutex.debug1.txt",
        "block.debug1.txt",
        "threadcreate.debug1.txt",
        "goroutine.debug1.txt",
        "goroutine.debug2.txt",
        "panic.txt",
    ]
    .iter()
    .map(|f| sample(f))
    .chain([sample("heap.debug1.txt")[..1500].to_owned()])
    .collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    const PIECES: [&[u8]; 12] = [
        b"\n",
        b"\t",
        b" ",
        b"#",
        b"@",
        b"0x",
        b"(",
        b")",
        b"...",
        b"goroutine 9 [",
        b"]:",
        b"\xff",
    ];
    for i in 0..6000 {
        let mut bytes = inputs[i % inputs.len()].clone().into_bytes();
        for _ in 0..1 + next(4) {
            let at = next(bytes.len());
            match next(4) {
                0 if at < bytes.len() => bytes[at] = PIECES[next(PIECES.len())][0],
                1 => {
                    let piece = PIECES[next(PIECES.len())];
                    bytes.splice(at..at, piece.iter().copied());
                }
                2 => {
                    let end = (at + next(40)).min(bytes.len());
                    bytes.drain(at..end);
                }
                _ => bytes.truncate(at),
            }
        }
        if let Ok(mut source) = open_bytes("in.txt", bytes, ReaderOptions::default()) {
            let (mut names, mut rec) = (Names::new(), Record::new());
            while let Ok(true) = source.read_record(&mut rec, &mut names) {}
        }
    }
}

/// The binary twins, written right after the text, read by pprof with
/// their own function tables: the same records (values, labels, frame
/// names; only the ` (inline)` marks, which the text cannot carry, and the
/// header lines differ). pprof cannot parse threadcreate text at all.
#[test]
fn text_equals_pprofs_reading_of_its_binary_twin() {
    for kind in ["threadcreate", "mutex", "block"] {
        let text = sample(&format!("{kind}.debug1.txt"));
        let mut ours = open_bytes("t", text.into_bytes(), ReaderOptions::default()).unwrap();
        let traces = sample(&format!("{kind}.pb.traces.txt"));
        let mut theirs =
            TraceReader::new("pprof", traces.as_bytes(), ReaderOptions::default()).unwrap();
        let (mut ours, theirs) = (records(ours.as_mut()), records(&mut theirs));
        assert!(!theirs.is_empty(), "{kind}");
        // pprof's `-traces` prints no sample without a stack; here they are
        // records without frames (threadcreate's `7 @`).
        let stackless: Vec<Rec> = ours.iter().filter(|r| r.2.is_empty()).cloned().collect();
        ours.retain(|r| !r.2.is_empty());
        assert_eq!(ours, theirs, "{kind}");
        let expected =
            if kind == "threadcreate" { vec![(vec![], "7".to_owned(), vec![])] } else { vec![] };
        assert_eq!(stackless, expected, "{kind}");
    }
}

/// `threadcreate` text, whose records have empty stacks (`7 @`), reads
/// as samples without frames: `csv`, `hist` and `summary` carry them (and
/// the total is pprof's total of the binary twin, stackless sample
/// included); `top` counts them in its total as pprof does; a profile of
/// stackless records only is no "no samples".
#[test]
fn threadcreate_stackless_records_are_samples() {
    let (code, out, err) = run(&["csv", "samples/legacy/threadcreate.debug1.txt"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(rows[0].contains(",7,count,") && rows[0].contains(",,0,,"), "{out}");
    assert!(err.contains("1 record without a stack") && err.contains("read as samples"), "{err}");
    let (code, out, _) = run(&["summary", "samples/legacy/threadcreate.debug1.txt"]);
    assert_eq!(code, 0);
    assert!(out.contains("Samples:            2 blocks"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("Total:              8 ")), "{out}");
    // `top` of the text as pprof's `-top` of the binary twin (pprof cannot
    // read the text): "Showing nodes accounting for 1, 12.50% of 8 total".
    let (code, out, _) = run(&["top", "samples/legacy/threadcreate.debug1.txt"]);
    assert_eq!(code, 0);
    let ours: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("Showing")).collect();
    assert_eq!(ours[0], "Showing nodes accounting for 1, 12.50% of 8 total");
    if let Some(go) = go_tool() {
        let pprof = std::process::Command::new(go)
            .args(["tool", "pprof", "-top", "threadcreate.pb.gz"])
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/legacy"))
            .output()
            .unwrap();
        assert!(pprof.status.success(), "{}", String::from_utf8_lossy(&pprof.stderr));
        let theirs = String::from_utf8(pprof.stdout).unwrap();
        let theirs: Vec<&str> = theirs.lines().skip_while(|l| !l.starts_with("Showing")).collect();
        assert_eq!(ours, theirs);
    }

    let dir = std::env::temp_dir().join(format!("legacy-stackless-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("threadcreate.txt");
    // A profile whose every record is stackless (a program that started no
    // thread after the runtime's own).
    fs::write(&path, "threadcreate profile: total 7\n7 @\n#\t0x0\n\n").unwrap();
    let p = path.to_str().unwrap();
    let (code, out, err) = run(&["csv", p]);
    assert_eq!(code, 0, "{err}");
    let values: Vec<&str> = out.lines().skip(1).map(|l| l.split(',').nth(3).unwrap()).collect();
    assert_eq!(values, ["7"], "{out}");
    let (code, out, _) = run(&["hist", p]);
    assert_eq!(code, 0);
    assert!(out.contains("1 samples, 7 in all"), "{out}");
    let (code, out, _) = run(&["summary", p]);
    assert_eq!(code, 0);
    assert!(out.contains("Samples:            1 blocks"), "{out}");
    // `cat` prints no block for it (a traces report cannot), and says so;
    // `blame` charges only the samples with frames.
    let (code, out, err) = run(&["cat", "samples/legacy/threadcreate.debug1.txt"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("-----------+").count(), 2, "{out}");
    assert!(err.contains("left out 1 sample without a stack"), "{err}");
    let (code, out, err) = run(&["blame", "samples/legacy/threadcreate.debug1.txt"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("8 total"), "{out}");
    // No frame to draw: nothing matched, said so.
    let (code, _, err) = run(&["flamegraph", p]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing to draw"), "{err}");
    fs::remove_dir_all(&dir).unwrap();
}

/// One frame per address: a recursion lists an address once per call, each
/// listing printed with its own `#` line; the stacks at the runtime's
/// 32-frame limit (`main.deep`) are 32 frames deep, as in the binary twin,
/// and every stack of the text whose leaf is in package main is a stack of
/// the twin (recursion, and the inlined `main.leafInline`).
#[test]
fn recursion_reads_one_frame_per_address_as_the_binary_twin() {
    let text = sample("legacy-shapes/allocs.debug1.txt");
    let mut ours = open_bytes("t", text.into_bytes(), ReaderOptions::default()).unwrap();
    let twin = sample("legacy-shapes/allocs.pb.traces.txt");
    let mut theirs = TraceReader::new("pprof", twin.as_bytes(), ReaderOptions::default()).unwrap();
    let (ours, theirs) = (records(ours.as_mut()), records(&mut theirs));
    let stacks = |recs: &[Rec]| -> std::collections::BTreeSet<Vec<String>> {
        recs.iter().map(|r| r.2.clone()).collect()
    };
    let deepest = |recs: &[Rec]| recs.iter().map(|r| r.2.len()).max().unwrap();
    assert_eq!(deepest(&ours), 32);
    assert_eq!(deepest(&theirs), 32);
    let at_limit =
        |recs: &[Rec]| stacks(recs).into_iter().filter(|s| s.len() == 32).collect::<Vec<_>>();
    assert_eq!(at_limit(&ours).len(), 1);
    assert_eq!(at_limit(&ours), at_limit(&theirs));
    let twin_stacks = stacks(&theirs);
    let main_leaf: Vec<Vec<String>> =
        stacks(&ours).into_iter().filter(|s| s[0].starts_with("main.")).collect();
    assert!(main_leaf.iter().any(|s| s.iter().filter(|f| *f == "main.recurse").count() == 4));
    assert!(main_leaf.iter().any(|s| s[0] == "main.leafInline"));
    for s in &main_leaf {
        assert!(twin_stacks.contains(s), "not in the binary twin: {s:?}");
    }
}

/// A `?debug=1` profile after a command line, blank lines or a Markdown
/// fence, or with its tabs expanded to spaces, reads as the clean file
/// (csv output byte for byte), with a note for what was skipped; after
/// other text, or without its header line, it is refused with a message
/// that names the format.
#[test]
fn debug1_after_a_preamble_or_tab_expanded() {
    let dir = std::env::temp_dir().join(format!("legacy-preamble-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let expand = |text: &str| -> String {
        // `expand`: tab stops every 8 columns.
        let mut out = String::new();
        for line in text.split_inclusive('\n') {
            let mut col = 0;
            for c in line.chars() {
                if c == '\t' {
                    let n = 8 - col % 8;
                    out.extend(std::iter::repeat_n(' ', n));
                    col += n;
                } else {
                    out.push(c);
                    col += 1;
                }
            }
        }
        out
    };
    for kind in profiles().iter().map(String::as_str).chain(["legacy/threadcreate"]) {
        let file = format!("samples/{kind}.debug1.txt");
        let text = sample(&format!("{kind}.debug1.txt"));
        let (code, clean, err) = run(&["csv", &file]);
        assert_eq!(code, 0, "{kind}: {err}");
        let is_count = kind.ends_with("goroutine") || kind.ends_with("threadcreate");
        let variants = [
            (
                "curl",
                format!("$ curl -s 'http://localhost:6060/debug/pprof/x?debug=1'\n{text}"),
                Some("skipped 1 line"),
            ),
            // pprof itself reads count profiles after blank lines.
            ("blank", format!("\n\n{text}"), (!is_count).then_some("skipped 2 lines")),
            ("fence", format!("```text\n{text}```\nThat is all.\n"), Some("1 line after it")),
            (
                "prompt",
                format!(
                    "user@host:~$ curl -s localhost:6060/debug/pprof/x?debug=1\n\n```\n{text}```\n"
                ),
                Some("skipped 3 lines"),
            ),
            ("expanded", expand(&text), None),
        ];
        for (name, variant, note) in variants {
            let path = dir.join(format!("{}-{name}.txt", kind.replace('/', "-")));
            fs::write(&path, &variant).unwrap();
            let p = path.to_str().unwrap();
            let (code, out, err) = run(&["csv", p]);
            assert_eq!(code, 0, "{kind} {name}: {err}");
            assert_eq!(out.replace(p, &file), clean, "{kind} {name}");
            if let Some(note) = note {
                assert!(err.contains(note), "{kind} {name}: {err}");
                // `--strict` takes only the profile as served.
                let (code, _, err) = run(&["csv", "--strict", p]);
                assert_eq!(code, 2, "{kind} {name}: {err}");
                assert!(err.contains("--strict: not a `?debug=1` profile as served"), "{err}");
            }
            assert!(!err.contains("without `#` frame lines"), "{kind} {name}: {err}");
        }
        if kind != "legacy/threadcreate" {
            // Cut above the first record: the header is missing.
            let at = text.find(" @ 0x").unwrap();
            let headless = &text[text[..at].rfind('\n').map_or(0, |i| i + 1)..];
            let path = dir.join(format!("{}-headless.txt", kind.replace('/', "-")));
            fs::write(&path, headless).unwrap();
            let p = path.to_str().unwrap();
            let (code, _, err) = run(&["csv", p]);
            assert_eq!(code, 2, "{kind}: {err}");
            assert!(err.contains(&format!("{p}:1: this looks like the records of a `?debug=1` ")));
            assert!(err.contains("without its header line"), "{kind}: {err}");
        }
        let path = dir.join(format!("{}-prose.txt", kind.replace('/', "-")));
        fs::write(&path, format!("Here is what the server said:\n{text}")).unwrap();
        let p = path.to_str().unwrap();
        let (code, _, err) = run(&["csv", p]);
        assert_eq!(code, 2, "{kind}: {err}");
        assert!(err.contains(&format!("{p}:1: this looks like a `?debug=1` ")), "{kind}: {err}");
        assert!(err.contains("whose header is at line 2"), "{kind}: {err}");
    }
    fs::remove_dir_all(&dir).unwrap();
}
