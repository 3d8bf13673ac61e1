//! Every way in: binary pprof profiles (gzipped or not, any file name,
//! standard input) and `-raw` text, read directly and checked against
//! `go tool pprof`'s own output of the same profiles (`samples/` and
//! `tests/data/inputs/`), plus real `-raw` files from other projects
//! (`../shared/real-traces`) and damaged profiles.

use std::io::{Read, Write};

mod support;
use support::{command, run_cmd, Run};

const INPUTS: &str = "tests/data/inputs";

/// Runs with times shown in UTC.
fn run_with(args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    run_cmd(command(args).env("TZ", "UTC"), stdin.as_deref())
}

fn run(args: &[&str]) -> Run {
    run_with(args, None)
}

/// Standard output of a successful run.
fn ok(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?} failed: {}", r.stderr);
    r.text()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn gunzip(path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn tmp(name: &str) -> String {
    format!("{}/{name}", env!("CARGO_TARGET_TMPDIR"))
}

/// (profile in samples/, --sample-index, reference traces in samples/).
const SAMPLE_CASES: &[(&str, &str, &str)] = &[
    ("heap/heap-after.pb.gz", "inuse_space", "heap/inuse_space"),
    ("heap/heap-after.pb.gz", "inuse_objects", "heap/inuse_objects"),
    ("heap/heap-after.pb.gz", "alloc_space", "heap/alloc_space"),
    ("heap/heap-after.pb.gz", "alloc_objects", "heap/alloc_objects"),
    ("heap/heap-before.pb.gz", "inuse_space", "heap/before.inuse_space"),
    ("cpu/cpu.pb.gz", "cpu", "cpu/cpu"),
    ("cpu/cpu.pb.gz", "samples", "cpu/samples"),
    ("goroutine/goroutine.pb.gz", "goroutine", "goroutine/goroutine"),
    ("mutex/mutex.pb.gz", "contentions", "mutex/contentions"),
    ("mutex/mutex.pb.gz", "delay", "mutex/delay"),
    ("block/block.pb.gz", "contentions", "block/contentions"),
    ("block/block.pb.gz", "delay", "block/delay"),
    ("leak/heap-before.pb.gz", "inuse_space", "leak/before"),
    ("leak/heap-after.pb.gz", "inuse_space", "leak/after"),
];

// ------------------------------------------------------ binary profiles --

#[test]
fn binary_profiles_give_pprofs_traces_byte_for_byte() {
    for (profile, index, reference) in SAMPLE_CASES {
        let path = format!("samples/{profile}");
        let got = ok(&["cat", &path, "--sample-index", index]);
        let want = read(&format!("samples/{reference}.traces.txt"));
        assert!(got == want, "cat {path} --sample-index {index} differs from {reference}");
    }
}

#[test]
fn the_default_sample_index_is_pprofs() {
    // No default_sample_type in Go 1.19 runtime profiles: the last type.
    for (profile, reference) in [
        ("heap/heap-after.pb.gz", "heap/inuse_space"),
        ("cpu/cpu.pb.gz", "cpu/cpu"),
        ("mutex/mutex.pb.gz", "mutex/delay"),
    ] {
        assert_eq!(
            ok(&["cat", &format!("samples/{profile}")]),
            read(&format!("samples/{reference}.traces.txt"))
        );
    }
    // A number, and a name without `inuse_` (the synthetic types are
    // `objects`, `space`, `wall`; its default type is `space`).
    let heap = "samples/heap/heap-after.pb.gz";
    assert_eq!(
        ok(&["cat", heap, "--sample-index", "2"]),
        read("samples/heap/inuse_objects.traces.txt")
    );
    let synthetic = format!("{INPUTS}/synthetic.pb");
    let space = read(&format!("{INPUTS}/synthetic.space.traces.txt"));
    assert_eq!(ok(&["cat", &synthetic]), space);
    assert_eq!(ok(&["cat", &synthetic, "--sample-index", "inuse_space"]), space);
}

#[test]
fn synthetic_profile_covers_merge_labels_and_names() {
    let synthetic = format!("{INPUTS}/synthetic.pb");
    for index in ["objects", "space", "wall"] {
        let want = read(&format!("{INPUTS}/synthetic.{index}.traces.txt"));
        assert_eq!(ok(&["cat", &synthetic, "--sample-index", index]), want, "{index}");
    }
}

#[test]
fn gzipped_plain_renamed_and_stdin_profiles_read_alike() {
    let gz = "samples/heap/heap-after.pb.gz";
    let want = read("samples/heap/alloc_space.traces.txt");
    let plain = gunzip(gz);
    // The name says text; the content says profile.
    let renamed = tmp("inputs-heap-profile.txt");
    std::fs::write(&renamed, &plain).unwrap();
    assert_eq!(ok(&["cat", &renamed, "--sample-index", "alloc_space"]), want);
    for bytes in [plain, std::fs::read(gz).unwrap()] {
        let r = run_with(&["cat", "--sample-index", "alloc_space"], Some(bytes));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.bytes == want.as_bytes(), "standard input");
    }
}

#[test]
fn top_on_a_binary_profile_is_pprofs_top() {
    let all = ["--nodefraction", "0", "--edgefraction", "0"];
    for (profile, index, reference) in SAMPLE_CASES {
        let want = format!("samples/{reference}.top.txt");
        if !std::path::Path::new(&want).exists() {
            continue;
        }
        let path = format!("samples/{profile}");
        let mut args = vec!["top", &path, "--sample-index", index];
        args.extend(all);
        let got = ok(&args);
        assert_eq!(got, read(&want), "top {path} --sample-index {index}");
        // Count values print exactly in traces too: top agrees on both.
        if ["inuse_objects", "alloc_objects", "samples", "goroutine", "contentions"].contains(index)
        {
            let traces = format!("samples/{reference}.traces.txt");
            let mut args = vec!["top", &traces];
            args.extend(all);
            assert_eq!(got, ok(&args), "top of {traces}");
        }
    }
}

// ------------------------------------------------------------ -raw text --

#[test]
fn raw_text_from_pprof_gives_its_traces_report() {
    let cases = [
        ("goroutine.raw.txt", None, "goroutine.traces.txt"),
        ("mutex.raw.txt", None, "mutex.delay.traces.txt"),
        ("mutex.raw.txt", Some("contentions"), "mutex.contentions.traces.txt"),
        ("synthetic.raw.txt", Some("space"), "synthetic.space.traces.txt"),
        ("synthetic.raw.txt", Some("wall"), "synthetic.wall.traces.txt"),
    ];
    for (raw, index, reference) in cases {
        let path = format!("{INPUTS}/{raw}");
        let mut args = vec!["cat", path.as_str()];
        if let Some(index) = index {
            args.extend(["--sample-index", index]);
        }
        assert_eq!(ok(&args), read(&format!("{INPUTS}/{reference}")), "{raw} {index:?}");
    }
    // `-raw` leaves out samples without stack, so their values are missing
    // from the Duration line's total; everything else is the same.
    let got = ok(&["cat", &format!("{INPUTS}/synthetic.raw.txt"), "--sample-index", "objects"]);
    let want = read(&format!("{INPUTS}/synthetic.objects.traces.txt"));
    assert!(want.contains("Total samples = 14 \n") && got.contains("Total samples = 10 \n"));
    assert_eq!(got.replace("= 10 \n", "= 14 \n"), want);
}

#[test]
fn gzipped_raw_text_is_read_too() {
    let text = std::fs::read(format!("{INPUTS}/goroutine.raw.txt")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let path = tmp("inputs-goroutine.raw.gz");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    assert_eq!(ok(&["cat", &path]), read(&format!("{INPUTS}/goroutine.traces.txt")));
}

/// The sum of column `index` (default: `[dflt]`, else the last) over the
/// samples with a stack, read from `-raw` text independently of the tool.
fn raw_column_sum(text: &str, index: Option<usize>) -> (i128, usize) {
    let mut lines = text.lines().skip_while(|l| l.trim_end() != "Samples:").skip(1);
    let types: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let column = index
        .or_else(|| types.iter().position(|t| t.ends_with("[dflt]")))
        .unwrap_or(types.len() - 1);
    let (mut sum, mut samples) = (0i128, 0);
    for line in lines.take_while(|l| l.trim_end() != "Locations") {
        if line.starts_with("                ") {
            continue; // a label line
        }
        let (values, ids) = line.split_once(':').unwrap();
        if ids.split_whitespace().next().is_none() {
            continue;
        }
        let v: Vec<i128> = values.split_whitespace().map(|v| v.parse().unwrap()).collect();
        sum += v[column];
        samples += 1;
    }
    (sum, samples)
}

#[test]
fn real_raw_files_parse_with_plausible_totals() {
    let dir = "../shared/real-traces";
    let Ok(entries) = std::fs::read_dir(dir) else {
        support::skip(&format!("{dir} is absent; the real -raw files are not read"));
        return;
    };
    let mut files: Vec<String> = entries
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".raw.txt") || p.ends_with("raw.out.txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no -raw files in {dir}");
    for path in &files {
        let text = read(path);
        for index in [None, Some(0)] {
            let mut args = vec!["csv", path.as_str()];
            let index_text = index.map(|i: usize| i.to_string());
            if let Some(i) = &index_text {
                args.extend(["--sample-index", i]);
            }
            let out = ok(&args);
            let mut reader = csv::Reader::from_reader(out.as_bytes());
            let header = reader.headers().unwrap().clone();
            let col = header.iter().position(|h| h == "value").unwrap();
            let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            let got: i128 = rows.iter().map(|r| r[col].parse::<i128>().unwrap()).sum();
            let (want, samples) = raw_column_sum(&text, index);
            assert_eq!(got, want, "{path} column {index:?}");
            // Merge may sum identical samples into one block, never more.
            assert!(!rows.is_empty() && rows.len() <= samples, "{path}: {} rows", rows.len());
        }
        // The other commands read them too.
        assert!(ok(&["top", path]).contains("flat  flat%"), "{path}");
        assert!(ok(&["summary", path]).contains("Type:"), "{path}");
    }
}

#[test]
fn cut_raw_text_is_refused_with_a_reason() {
    let text = read(&format!("{INPUTS}/mutex.raw.txt"));
    let cut = tmp("inputs-cut.raw.txt");
    std::fs::write(&cut, &text[..text.find("Locations").unwrap()]).unwrap();
    let r = run(&["cat", &cut]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!("{cut}: ")) && r.stderr.contains("`Locations`"),
        "{}",
        r.stderr
    );
    let bad = tmp("inputs-bad.raw.txt");
    std::fs::write(&bad, text.replacen(": 1 ", ": 9999 ", 1)).unwrap();
    let r = run(&["cat", &bad]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("location 9999"), "{}", r.stderr);
    assert!(r.stderr.starts_with(&format!("traces-tool: {bad}:")), "{}", r.stderr);
}

// --------------------------------------------------- all kinds, all commands --

#[test]
fn every_command_reads_every_kind_of_input() {
    let kinds = [
        format!("{INPUTS}/goroutine.pb.gz"),
        format!("{INPUTS}/goroutine.raw.txt"),
        format!("{INPUTS}/goroutine.traces.txt"),
    ];
    let mut outputs: Vec<Vec<String>> = Vec::new();
    for input in &kinds {
        let i = input.as_str();
        let commands: [&[&str]; 10] = [
            &["grep", "gopark", i],
            &["hist", "--all", i],
            &["csv", i],
            &["top", i],
            &["diff", i, i],
            &["blame", i],
            &["cat", i],
            &["peek", "gopark", i],
            &["stacks", i],
            &["summary", i],
        ];
        outputs.push(
            commands
                .iter()
                .map(|args| {
                    let r = run(args);
                    assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
                    String::from_utf8(r.bytes).unwrap().replace(i, "INPUT")
                })
                .collect(),
        );
    }
    // The goroutine profile is exact in every form: the three agree, except
    // that records read from text know their line (grep and csv show it).
    for (i, name) in
        ["grep", "hist", "csv", "top", "diff", "blame", "cat", "peek", "stacks", "summary"]
            .iter()
            .enumerate()
    {
        assert!(outputs[0][i] == outputs[1][i], "{name}: binary and -raw differ");
        if !["grep", "csv"].contains(name) {
            assert!(outputs[0][i] == outputs[2][i], "{name}: binary and traces differ");
        }
    }
}

#[test]
fn inputs_of_different_kinds_mix_in_one_command() {
    // diff: binary snapshots give what the exact (`-unit=b`) traces
    // reports of them give, and a binary snapshot mixes with a report.
    let names = |text: String| {
        text.replace("samples/leak/heap-before.pb.gz", "BEFORE")
            .replace("samples/leak/before.exact.traces.txt", "BEFORE")
            .replace("samples/leak/heap-after.pb.gz", "AFTER")
            .replace("samples/leak/after.exact.traces.txt", "AFTER")
    };
    let binary = ok(&["diff", "samples/leak/heap-before.pb.gz", "samples/leak/heap-after.pb.gz"]);
    let exact = ok(&[
        "diff",
        "samples/leak/before.exact.traces.txt",
        "samples/leak/after.exact.traces.txt",
    ]);
    assert_eq!(names(binary), names(exact));
    let mixed = ok(&["diff", "samples/leak/heap-before.pb.gz", "samples/leak/after.traces.txt"]);
    assert!(mixed.contains("example.com/leaky/middleware.SessionContext.func1"), "{mixed}");
    let out = ok(&[
        "csv",
        &format!("{INPUTS}/mutex.pb.gz"),
        &format!("{INPUTS}/mutex.raw.txt"),
        &format!("{INPUTS}/mutex.contentions.traces.txt"),
        "--sample-index",
        "contentions",
    ]);
    let mut per_file = std::collections::BTreeMap::<String, i128>::new();
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    for row in reader.records() {
        let row = row.unwrap();
        *per_file.entry(row[0].to_owned()).or_default() += row[3].parse::<i128>().unwrap();
    }
    let sums: Vec<i128> = per_file.values().copied().collect();
    assert_eq!(sums.len(), 3, "{per_file:?}");
    assert!(sums.iter().all(|&s| s == sums[0] && s > 0), "{per_file:?}");
}

#[test]
fn sample_index_errors_name_the_file() {
    let heap = "samples/heap/heap-after.pb.gz";
    let r = run(&["cat", heap, "--sample-index", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with(&format!("traces-tool: {heap}: sample_index \"nope\" must be one of: [alloc_objects alloc_space inuse_objects inuse_space]")), "{}", r.stderr);
    let r = run(&["top", heap, "--sample-index", "4"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("outside the range [0..3]"), "{}", r.stderr);
    // A traces report holds one sample type: another name is an error,
    // its own name (or no option) is fine.
    let traces = "samples/heap/inuse_space.traces.txt";
    let r = run(&["cat", traces, "--sample-index", "alloc_space"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(&format!("{traces}: --sample-index alloc_space")), "{}", r.stderr);
    assert_eq!(ok(&["cat", traces, "--sample-index", "inuse_space"]), read(traces));
}

// ----------------------------------------------------- damaged profiles --

#[test]
fn damaged_profiles_fail_cleanly_and_never_panic() {
    let plain = gunzip("samples/mutex/mutex.pb.gz");
    let gz = std::fs::read("samples/mutex/mutex.pb.gz").unwrap();
    let path = tmp("inputs-damaged.pb");
    // Cut short anywhere: an error naming the file, exit status 2.
    let cuts: Vec<usize> = (2..plain.len()).step_by(37).collect();
    for &n in &cuts {
        std::fs::write(&path, &plain[..n]).unwrap();
        let r = run(&["cat", &path]);
        assert_eq!(r.code, 2, "cut at {n}: {}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("traces-tool: {path}: ")),
            "cut at {n}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "cut at {n}: {}", r.stderr);
    }
    std::fs::write(&path, &plain[..plain.len() / 2]).unwrap();
    let r = run(&["csv", &path]);
    assert!(r.stderr.contains("damaged pprof profile"), "{}", r.stderr);
    for n in [10, gz.len() / 2, gz.len() - 4] {
        std::fs::write(&path, &gz[..n]).unwrap();
        let r = run(&["cat", &path]);
        assert_eq!(r.code, 2, "gzip cut at {n}: {}", r.stderr);
        assert!(r.stderr.starts_with(&format!("traces-tool: {path}: ")), "{}", r.stderr);
    }
    // Bytes changed anywhere: either a profile that still decodes, or an
    // error; never a crash.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..60 {
        let mut bytes = plain.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state % bytes.len() as u64) as usize;
            bytes[at] ^= (state >> 32) as u8 | 1;
        }
        std::fs::write(&path, &bytes).unwrap();
        let r = run(&["cat", &path]);
        assert!(r.code == 0 || r.code == 2, "exit {}: {}", r.code, r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    // Two profiles in one file is what pprof calls concatenated.
    let twice = [plain.clone(), plain].concat();
    std::fs::write(&path, twice).unwrap();
    let r = run(&["cat", &path]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("concatenated profiles"), "{}", r.stderr);
}
