//! Shapes no real report has but a crafted or foreign one may: very deep
//! stacks, deep recursion, many matching frames in one stack, very long
//! names, decompression bombs. Moderately sized here, checked for the right
//! answer; their time and memory at full size are in bench/RESULTS.md
//! (bench/gen-adversarial.sh, bench/adversarial.sh).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod support;
use support::{run, stdout_ok, BIN};

const SEP: &str = "-----------+-------------------------------------------------------";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("adversarial");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn deep_report(path: &Path, frames: impl Iterator<Item = String>) -> String {
    let mut text = format!("Type: inuse_space\n{SEP}\n");
    for (i, f) in frames.enumerate() {
        if i == 0 {
            text.push_str(&format!("       2MB   {f}\n"));
        } else {
            text.push_str(&format!("             {f}\n"));
        }
    }
    text.push_str(&format!("{SEP}\n       1kB   main.small\n             main.main\n{SEP}\n"));
    std::fs::write(path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// `top --format csv` rows: function -> (flat, cum) in bytes.
fn top_rows(file: &str) -> std::collections::HashMap<String, (String, String)> {
    let csv = stdout_ok(&["top", "--format", "csv", file]);
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), (f[1].to_owned(), f[2].to_owned()))
        })
        .collect()
}

#[test]
fn a_stack_of_200000_distinct_frames() {
    let depth = 200_000;
    let file = deep_report(&scratch("deep.txt"), (0..depth).map(|i| format!("main.f{i}")));
    let rows = top_rows(&file);
    // main.small and main.main (1kB) are below pprof's node fraction.
    assert_eq!(rows.len(), depth);
    let two_mb = (2u64 << 20).to_string();
    assert_eq!(rows["main.f0"], (two_mb.clone(), two_mb.clone()));
    for i in [1, 5, 99_999, depth - 1] {
        assert_eq!(rows[&format!("main.f{i}")], ("0".to_owned(), two_mb.clone()), "main.f{i}");
    }
    // peek: the one caller and the one callee, each with the whole weight
    // (2MB is pprof's rounding of a value within 5242.88 bytes of it).
    let peek = stdout_ok(&["peek", "--format", "csv", "^main\\.f100000$", &file]);
    let want = format!(
        "main.f100000,caller,main.f100001,{two_mb},bytes,,{two_mb},5242.88,false\n\
         main.f100000,self,,0,bytes,,{two_mb},5242.88,false\n\
         main.f100000,callee,main.f99999,{two_mb},bytes,,{two_mb},5242.88,false\n"
    );
    assert!(peek.ends_with(&want), "{peek}");
    assert_eq!(peek.lines().count(), 4, "{peek}");
}

#[test]
fn deep_recursion_counts_each_function_once_per_sample() {
    // main.r0 < main.r1 < ... < main.r9 < main.r0 < ..., 200,000 frames.
    let file =
        deep_report(&scratch("recursive.txt"), (0..200_000).map(|i| format!("main.r{}", i % 10)));
    let rows = top_rows(&file);
    let two_mb = (2u64 << 20).to_string();
    assert_eq!(rows["main.r0"], (two_mb.clone(), two_mb.clone()));
    for k in 1..10 {
        assert_eq!(rows[&format!("main.r{k}")], ("0".to_owned(), two_mb.clone()), "main.r{k}");
    }
    let peek = stdout_ok(&["peek", "--format", "csv", "^main\\.r5$", &file]);
    let want = format!(
        "main.r5,caller,main.r6,{two_mb},bytes,,{two_mb},5242.88,false\n\
         main.r5,self,,0,bytes,,{two_mb},5242.88,false\n\
         main.r5,callee,main.r4,{two_mb},bytes,,{two_mb},5242.88,false\n"
    );
    assert!(peek.ends_with(&want), "{peek}");
}

#[test]
fn grep_prints_a_stack_once_however_many_of_its_frames_match() {
    // 20,000 distinct frames, 1,111 of them match `f5` (f5, f50.., f5000..).
    let depth = 20_000;
    let file = deep_report(&scratch("grep-deep.txt"), (0..depth).map(|i| format!("main.f{i}")));
    let out = stdout_ok(&["grep", "f5", "--top", "3", &file]);
    // Every matching function is listed with its sample ...
    let listed = out.lines().filter(|l| l.starts_with("main.f")).count();
    assert_eq!(listed, 1111);
    assert_eq!(out.matches("sample 1 at").count(), 1111);
    // ... but the call path to the root is printed once.
    let root = format!("main.f{}", depth - 1);
    assert_eq!(out.matches(&root).count(), 1, "the root frame is printed more than once");
    let longest = out.lines().map(str::len).max().unwrap();
    assert!(out.len() < 3 * longest, "output of {} bytes for a path of {longest}", out.len());
    // Every frame of the stack from the leafmost match on is in the output.
    let first_match = 5; // main.f5
    for i in (first_match..depth).step_by(997) {
        assert!(out.contains(&format!("main.f{i} <")) || i == depth - 1, "main.f{i} missing");
    }
    // The same with --stacks: the block once.
    let out = stdout_ok(&["grep", "f5", "--top", "3", "--stacks", &file]);
    assert_eq!(out.matches(&root).count(), 1);
    assert_eq!(out.matches("(stack printed above, sample 1)").count(), 1110);
}

#[test]
fn grep_prints_the_frames_a_nearer_match_adds() {
    // Two matches in one stack, the one nearer the root listed first (its
    // cum is larger): the second prints only the frames up to the first.
    let path = scratch("two-matches.txt");
    let text = format!(
        "Type: inuse_space\n{SEP}\n       2MB   main.leaf\n             main.hitA\n\
         \x20            main.mid\n             main.hitB\n             main.main\n{SEP}\n\
         \x20      1MB   main.other\n             main.hitB\n             main.main\n{SEP}\n"
    );
    std::fs::write(&path, text).unwrap();
    let out = stdout_ok(&["grep", "hit", path.to_str().unwrap()]);
    assert!(out.contains("        main.hitB < main.main\n"), "{out}");
    assert!(
        out.contains("        main.hitA < main.mid < ... (printed above, sample 1)\n"),
        "{out}"
    );
}

#[test]
fn very_long_names_are_read_and_too_long_lines_refused() {
    let long = |tag: &str| format!("main.{}{tag}", "x".repeat(900_000));
    let path = scratch("long.txt");
    let text = format!(
        "Type: inuse_space\n{SEP}\n       1kB   {}\n             {}\n{SEP}\n       2kB   {}\n{SEP}\n",
        long("a"),
        long("b"),
        long("a")
    );
    std::fs::write(&path, text).unwrap();
    let rows = top_rows(path.to_str().unwrap());
    assert_eq!(rows[&long("a")], ("3072".to_owned(), "3072".to_owned()));
    assert_eq!(rows[&long("b")], ("0".to_owned(), "1024".to_owned()));
    // Over the 1 MiB line limit: a clear error at its line.
    let path = scratch("too-long.txt");
    let text =
        format!("Type: inuse_space\n{SEP}\n       1kB   main.{}\n{SEP}\n", "y".repeat(3 << 20));
    std::fs::write(&path, text).unwrap();
    let out = run(&["top", path.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    let err = &out.stderr;
    assert!(err.contains("too-long.txt:3: line longer than 1048576 bytes"), "{err}");
    // Just over the limit too, wherever the line falls in the read buffer.
    for over in [1, 1 << 19] {
        let text = format!(
            "Type: inuse_space\n{SEP}\n       1kB   main.{}\n{SEP}\n",
            "y".repeat((1 << 20) + over)
        );
        std::fs::write(&path, text).unwrap();
        let out = run(&["top", path.to_str().unwrap()]);
        assert_eq!(out.code, 2, "{over}");
        assert!(out.stderr.contains("too-long.txt:3: line longer than"), "{}", out.stderr);
    }
}

/// Runs `top -` on `len` bytes: `head`, then zeros, written to stdin.
fn top_on_stdin(head: &[u8], len: usize) -> (i32, String) {
    let mut child = Command::new(BIN)
        .args(["top", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let head = head.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&head);
        let zeros = vec![0u8; 1 << 20];
        let mut left = len - head.len();
        while left > 0 {
            let n = left.min(zeros.len());
            if stdin.write_all(&zeros[..n]).is_err() {
                break; // the reader stopped: fine
            }
            left -= n;
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn inputs_decoded_whole_have_a_stated_limit() {
    // Starts like a profile (a sample_type field), then 600 MiB of zeros:
    // refused at 512 MiB instead of read whole.
    let (code, err) = top_on_stdin(&[0x0a, 0x04, 0x08, 0x01, 0x10, 0x02], 600 << 20);
    assert_eq!(code, 2);
    assert!(
        err.contains("pprof profile larger than 512.0 MiB once decompressed: refused"),
        "{err}"
    );
    // Zeros alone are no profile: refused at the first line, not read on.
    let (code, err) = top_on_stdin(&[0], 64 << 20);
    assert_eq!(code, 2);
    assert!(err.starts_with("traces-tool: <stdin>:1: "), "{err}");
}

#[test]
fn a_gzip_bomb_is_refused_without_inflating_it_all() {
    // 256 MiB of zeros, gzipped: the text reader stops at its first line.
    let path = scratch("bomb.gz");
    if !path.exists() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..256 {
            gz.write_all(&zeros).unwrap();
        }
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
    }
    let out = run(&["top", path.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    let err = &out.stderr;
    assert!(err.contains("bomb.gz:1: "), "{err}");
}
