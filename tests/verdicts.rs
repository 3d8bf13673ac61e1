//! One input, one answer: every command gives the same verdict on the same
//! input (exit status, file and line, message), whether it reads every
//! block or searches first (`grep`, `hist PATTERN` skip the blocks that
//! cannot match but must still refuse what a full read refuses), and
//! `--lenient` skips and counts the same blocks in every command.

use std::path::Path;

mod support;
use support::run;

const HEAP: &str = "samples/heap/inuse_space.traces.txt";

/// An empty directory for one test's files, under Cargo's scratch space.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verdicts").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Exit status and the first line of stderr.
fn verdict(args: &[String]) -> (i32, String) {
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    (out.code, out.stderr.lines().next().unwrap_or("").to_owned())
}

/// Every command on `file`, as argument lists. `grep` and `hist` run with a
/// pattern found nowhere (every block is skipped by the search) and with
/// one found in some blocks; `hist` also reads every block (`--all`).
fn every_command(file: &str, out_dir: &Path) -> Vec<Vec<String>> {
    let export = out_dir.join("export.pb.gz").to_string_lossy().into_owned();
    let lists: Vec<Vec<&str>> = vec![
        vec!["grep", "NoSuchFunctionAnywhere", file],
        vec!["grep", "main\\.", file],
        vec!["grep", "Read", "--top", "3", file],
        vec!["hist", "NoSuchFunctionAnywhere", file],
        vec!["hist", "main\\.", file],
        vec!["hist", "--all", file],
        vec!["csv", file],
        vec!["top", file],
        vec!["peek", "main\\.", file],
        vec!["stacks", file],
        vec!["summary", file],
        vec!["cat", file],
        vec!["folded", file],
        vec!["flamegraph", file],
        vec!["export", "--output", &export, file],
        vec!["diff", file, file],
        vec!["blame", file],
    ];
    lists.into_iter().map(|l| l.into_iter().map(str::to_owned).collect()).collect()
}

/// Runs every command on `file` (with `--strict` when asked: no repair of
/// pasted text) and asserts one verdict: the same first line of stderr
/// from every command, and exit status 2 from all of them or from none.
/// Returns whether it was an error, and that line.
fn assert_one_verdict(file: &str, out_dir: &Path, strict: bool) -> (bool, String) {
    let mut first: Option<(Vec<String>, (bool, String))> = None;
    for mut args in every_command(file, out_dir) {
        if strict {
            args.insert(1, "--strict".to_owned());
        }
        let (code, line) = verdict(&args);
        assert!(code <= 2, "{args:?}: status {code}: {line}");
        let got = (code == 2, line);
        match &first {
            None => first = Some((args, got)),
            Some((args0, want)) => {
                assert_eq!(&got, want, "{args:?} and {args0:?} disagree");
            }
        }
    }
    first.unwrap().1
}

/// Like [`assert_one_verdict`] with `--strict`, which must be an error
/// (exit status 2 from every command); returns its first line. Without
/// `--strict` the verdict must be one too (a repaired paste or the same
/// error).
fn assert_one_error(file: &str, out_dir: &Path) -> String {
    assert_one_verdict(file, out_dir, false);
    let (error, line) = assert_one_verdict(file, out_dir, true);
    assert!(error, "{file}: not refused: {line}");
    line
}

#[test]
fn every_malformed_input_gets_one_verdict_from_every_command() {
    let dir = scratch("malformed");
    let mut inputs: Vec<String> = std::fs::read_dir("tests/data/malformed")
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 25, "{inputs:?}");
    for file in &inputs {
        let message = assert_one_error(file, &dir);
        let place = format!("traces-tool: {file}");
        assert!(message.starts_with(&place), "{file}: {message}");
    }
}

/// A long report with one damaged block far from the pattern searched for.
fn damaged(dir: &Path, name: &str, damage: impl Fn(&str) -> String) -> String {
    let text = std::fs::read_to_string(HEAP).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, damage(&text)).unwrap();
    path.to_string_lossy().into_owned()
}

/// The value line of the `n`th block, replaced by `f` of it.
fn edit_value_line(text: &str, n: usize, f: impl Fn(&str) -> String) -> String {
    let mut seen = 0;
    let mut out = String::new();
    let mut after_sep = false;
    for line in text.lines() {
        let is_sep = line.starts_with("-----------+");
        let is_value = after_sep && !is_sep && !line.trim_start().contains(":  ");
        if is_value {
            seen += 1;
            if seen == n {
                out.push_str(&f(line));
                out.push('\n');
                after_sep = false;
                continue;
            }
        }
        if is_value {
            after_sep = false;
        }
        if is_sep {
            after_sep = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(seen >= n, "only {seen} blocks");
    out
}

/// The value removed from a value line: the leaf becomes a frame line.
fn drop_value(line: &str) -> String {
    let body = line.trim_start();
    let (_, frame) = body.split_once("   ").unwrap();
    format!("{:13}{frame}", "")
}

/// The value token replaced by one that is no value.
fn bad_token(line: &str) -> String {
    let body = line.trim_start();
    let (_, frame) = body.split_once("   ").unwrap();
    format!("{:>10}   {frame}", "1.2.3MB")
}

#[test]
fn joined_damaged_and_truncated_reports_get_one_verdict() {
    let dir = scratch("joined");
    let d = &dir;
    let joined = damaged(d, "joined.txt", |t| format!("{t}{t}"));
    let message = assert_one_error(&joined, d);
    assert!(message.contains("a second report starts here"), "{message}");

    let no_value = damaged(d, "no-value.txt", |t| edit_value_line(t, 40, drop_value));
    let message = assert_one_error(&no_value, d);
    assert!(
        message.contains("expected a value such as 21.01MB before the first frame"),
        "{message}"
    );

    let bad_value = damaged(d, "bad-value.txt", |t| edit_value_line(t, 7, bad_token));
    let message = assert_one_error(&bad_value, d);
    assert!(message.contains("expected a value such as"), "{message}");

    // Cut inside the last block: the input ends with a value line.
    let truncated = damaged(d, "truncated.txt", |t| {
        let cut = t.trim_end().rfind("\n-----------+").unwrap();
        let last_block_start = t[..cut].rfind("\n-----------+").unwrap();
        let value_end = t[last_block_start + 1..].find('\n').unwrap() + last_block_start + 1;
        let value_end = t[value_end + 1..].find('\n').unwrap() + value_end + 1;
        t[..=value_end].to_owned()
    });
    // Refused with --strict (by the paste check within its first 256 KiB,
    // else by the parser), repaired and said the same way without it.
    let message = assert_one_error(&truncated, d);
    assert!(
        message.contains("input ends inside a block") || message.contains("cut-off last block"),
        "{message}"
    );
    let (error, message) = assert_one_verdict(&truncated, d, false);
    assert!(!error && message.contains("closed the cut-off last block"), "{message}");
}

/// The lines of stderr that tell what lenient reading skipped.
fn skipped_notes(args: &[String]) -> (i32, Vec<String>) {
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let stderr = &out.stderr;
    // `diff FILE FILE` reads it twice and says so twice.
    let mut notes: Vec<String> = Vec::new();
    for line in stderr.lines().filter(|l| l.contains("skipped")) {
        if !notes.iter().any(|n| n == line) {
            notes.push(line.to_owned());
        }
    }
    (out.code, notes)
}

#[test]
fn lenient_reading_skips_and_counts_the_same_blocks_in_every_command() {
    let dir = scratch("lenient");
    let d = &dir;
    let file = damaged(d, "several.txt", |t| {
        let t = edit_value_line(t, 3, drop_value);
        let t = edit_value_line(&t, 10, bad_token);
        let t = edit_value_line(&t, 25, drop_value);
        edit_value_line(&t, 60, bad_token)
    });
    let mut want: Option<(Vec<String>, Vec<String>)> = None;
    for mut args in every_command(&file, d) {
        args.insert(1, "--lenient".to_owned());
        let (code, notes) = skipped_notes(&args);
        assert!(code == 0 || code == 1, "{args:?}: {code}");
        assert_eq!(notes.len(), 2, "{args:?}: {notes:?}");
        match &want {
            None => want = Some((args, notes)),
            Some((args0, notes0)) => assert_eq!(&notes, notes0, "{args:?} and {args0:?}"),
        }
    }
    let notes = want.unwrap().1;
    assert!(
        notes[0].contains("skipped 2 malformed blocks of kind frame-before-value"),
        "{notes:?}"
    );
    assert!(notes[1].contains("skipped 2 malformed blocks of kind bad-value"), "{notes:?}");
}

#[test]
fn a_value_in_another_unit_than_the_report_is_malformed() {
    let dir = scratch("units");
    let d = &dir;
    // One value of a report in bytes edited to an unknown unit.
    let zz = damaged(d, "zz.txt", |t| {
        edit_value_line(t, 12, |l| {
            let (_, frame) = l.trim_start().split_once("   ").unwrap();
            format!("{:>10}   {frame}", "80zz")
        })
    });
    let message = assert_one_error(&zz, d);
    assert!(
        message.contains(r#"value "80zz" is not in bytes like the rest of the report"#),
        "{message}"
    );
    let line =
        std::fs::read_to_string(&zz).unwrap().lines().position(|l| l.contains("80zz")).unwrap();
    assert!(message.starts_with(&format!("traces-tool: {zz}:{}: ", line + 1)), "{message}");
    // Lenient reading skips that block, in every command.
    for mut args in every_command(&zz, d) {
        args.insert(1, "--lenient".to_owned());
        let (code, notes) = skipped_notes(&args);
        assert!(code == 0 || code == 1, "{args:?}: {code}");
        assert_eq!(notes.len(), 1, "{args:?}: {notes:?}");
        assert!(notes[0].contains("skipped 1 malformed block of kind mixed-units"), "{notes:?}");
    }
    // Bytes in a time report, even in its first block: `Type: cpu` says
    // what the values are.
    let sep = "-----------+-------------------------------------------------------";
    let cpu = d.join("cpu.txt");
    std::fs::write(
        &cpu,
        format!("Type: cpu\n{sep}\n       1kB   main.f\n{sep}\n     150ms   main.g\n{sep}\n"),
    )
    .unwrap();
    let cpu = cpu.to_string_lossy().into_owned();
    let message = assert_one_error(&cpu, d);
    assert!(
        message.starts_with(&format!("traces-tool: {cpu}:3: value \"1kB\" is not in nanoseconds")),
        "{message}"
    );
    // A unit pprof does not know stays readable where every value has it.
    let mb = d.join("megabytes.txt");
    std::fs::write(
        &mb,
        format!("Type: contentions\n{sep}\n1megabytes   main.f\n{sep}\n         0   main.z\n{sep}\n12megabytes   main.g\n{sep}\n"),
    )
    .unwrap();
    let out = run(&["top", mb.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // ... but not two of them.
    let two = d.join("two-units.txt");
    std::fs::write(
        &two,
        format!(
            "Type: contentions\n{sep}\n1megabytes   main.f\n{sep}\n   2cycles   main.g\n{sep}\n"
        ),
    )
    .unwrap();
    let two = two.to_string_lossy().into_owned();
    let message = assert_one_error(&two, d);
    assert!(
        message.starts_with(&format!(
            "traces-tool: {two}:5: value \"2cycles\" is not in \"megabytes\""
        )),
        "{message}"
    );
}

/// The heap sample's blocks `copies` times under its header: a report of
/// several MiB, long enough for search-first reading to check the blocks
/// it skips on a second thread (from 1 MiB on, where there are two cores).
/// Its lines, and each block's value line with whether the block names
/// `pattern`.
fn long_report(copies: usize, pattern: &str) -> (Vec<String>, Vec<(usize, bool)>) {
    let text = std::fs::read_to_string(HEAP).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.iter().position(|l| l.starts_with("-----------+")).unwrap();
    let mut out: Vec<String> = lines[..=first].iter().map(|l| l.to_string()).collect();
    for _ in 0..copies {
        out.extend(lines[first + 1..].iter().map(|l| l.to_string()));
    }
    let mut blocks = Vec::new();
    let mut start = None;
    for (i, line) in out.iter().enumerate() {
        if line.starts_with("-----------+") {
            if let Some(s) = start.take() {
                let value = (s..i).find(|&j| !out[j].contains(":  ")).unwrap();
                blocks.push((value, out[s..i].iter().any(|l| l.contains(pattern))));
            }
            start = Some(i + 1);
        }
    }
    (out, blocks)
}

/// Runs the search-first commands and a full read on `lines` written to
/// `name`, with `--strict` and without, and asserts one verdict for each:
/// with `--strict`, an error at line `line`; without, an error too (a
/// damage the repair of pasted text mends is mended in every command).
/// Returns the first line of stderr with `--strict`.
fn assert_error_at(dir: &Path, name: &str, lines: &[String], line: usize) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let file = path.to_string_lossy().into_owned();
    let mut message = String::new();
    for strict in [false, true] {
        let mut first: Option<(Vec<String>, (i32, String))> = None;
        for list in [
            vec!["hist", "--all"],
            vec!["grep", "WriteSubset"],
            vec!["grep", "WriteSubset", "--top", "3"],
            vec!["hist", "WriteSubset"],
            vec!["hist", "readRequest"],
        ] {
            let mut args: Vec<String> = list.into_iter().map(str::to_owned).collect();
            if strict {
                args.insert(1, "--strict".to_owned());
            }
            args.push(file.clone());
            let got = verdict(&args);
            match &first {
                None => first = Some((args, got)),
                Some((args0, want)) => assert_eq!(&got, want, "{args:?} and {args0:?} disagree"),
            }
        }
        let (code, first_line) = first.unwrap().1;
        assert_eq!(code, 2, "{first_line}");
        message = first_line;
    }
    let place = format!("traces-tool: {file}:{line}: ");
    assert!(message.starts_with(&place), "want {place}, got {message}");
    message
}

#[test]
fn errors_in_the_blocks_a_search_skips_on_a_second_thread_get_one_verdict() {
    let dir = scratch("two-threads");
    let d = &dir;
    let (lines, blocks) = long_report(24, "WriteSubset");
    assert!(lines.iter().map(|l| l.len() + 1).sum::<usize>() > 3 << 20);
    // Blocks past 2 MiB, where a second thread checks what is skipped.
    let far = blocks.len() * 2 / 3;
    let hit = far + blocks[far..].iter().position(|b| b.1).unwrap();
    let miss_before = (far..hit).rev().find(|&b| !blocks[b].1).unwrap();
    let miss_after = hit + 1 + blocks[hit + 1..].iter().position(|b| !b.1).unwrap();
    let bad = |lines: &mut Vec<String>, block: usize| {
        let at = blocks[block].0;
        let (_, frame) = lines[at].trim_start().split_once("   ").unwrap();
        lines[at] = format!("{:>10}   {frame}", "1.2.3MB");
        at + 1
    };
    let expected = "expected a value such as";

    // In a skipped span just before a hit, and just after one.
    for (name, block) in [("before-hit.txt", miss_before), ("after-hit.txt", miss_after)] {
        let mut damaged = lines.clone();
        let line = bad(&mut damaged, block);
        let message = assert_error_at(d, name, &damaged, line);
        assert!(message.contains(expected), "{message}");
    }

    // A value line across each 256 KiB boundary of the file, from 1 MiB on.
    let mut offset = 0;
    let mut starts = Vec::with_capacity(lines.len());
    for l in &lines {
        starts.push(offset);
        offset += l.len() + 1;
    }
    for k in [5, 8, 13] {
        let boundary = k << 18;
        let block = blocks.iter().position(|b| starts[b.0] + lines[b.0].len() >= boundary).unwrap();
        let mut damaged = lines.clone();
        let line = bad(&mut damaged, block);
        assert_error_at(d, &format!("boundary-{k}.txt"), &damaged, line);
    }

    // Two errors: the first wins, in a skipped span or in a block read.
    let later = miss_after + 40;
    for (name, a, b) in [
        ("span-then-span.txt", miss_before, later),
        ("span-then-hit.txt", miss_before, hit),
        ("hit-then-span.txt", hit, later),
    ] {
        let mut damaged = lines.clone();
        let first = bad(&mut damaged, a);
        bad(&mut damaged, b);
        assert_error_at(d, name, &damaged, first);
    }
    // A frame line of another shape in a skipped span after a damaged hit.
    let mut damaged = lines.clone();
    let first = bad(&mut damaged, hit);
    damaged[blocks[later].0 + 1] = "             // the one that grows".to_owned();
    assert_error_at(d, "hit-then-comment.txt", &damaged, first);
    let mut damaged = lines.clone();
    let at = blocks[miss_before].0 + 1;
    damaged[at] = "             // the one that grows".to_owned();
    bad(&mut damaged, hit);
    assert_error_at(d, "comment-then-hit.txt", &damaged, at + 1);
}
