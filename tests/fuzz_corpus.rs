//! Replays every committed fuzz corpus input (`fuzz/corpus/TARGET/*`)
//! through the entry point its fuzz target calls (`fuzz/harness.rs`, the
//! same file), on stable Rust: none may panic (errors are fine). Fuzzing
//! itself needs cargo-fuzz; see `fuzz/README.md`.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

#[test]
fn every_fuzz_corpus_input_runs_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut failures = Vec::new();
    let mut total = 0;
    for (target, run) in harness::TARGETS {
        let dir = root.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("readable directory").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} is empty", dir.display());
        for path in files {
            let data = std::fs::read(&path).expect("readable corpus file");
            total += 1;
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    eprintln!("replayed {total} corpus inputs");
    assert!(failures.is_empty(), "inputs that panic:\n{}", failures.join("\n"));
}
