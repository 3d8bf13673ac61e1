//! Golden input/output pairs: each case of `tests/data/golden/cases.tsv`
//! runs the binary on a small shipped input with fixed arguments and
//! compares stdout and stderr byte for byte with `<name>.out` and
//! `<name>.err` beside the manifest. `TRACES_TOOL_BLESS=1 cargo test --test
//! golden` writes those files instead of comparing; review the diff before
//! committing it (tests/README.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod support;
use support::BIN;

const DIR: &str = "tests/data/golden";
const BLESS: &str = "TRACES_TOOL_BLESS";

struct Case {
    name: String,
    status: i32,
    args: Vec<String>,
}

fn cases() -> Vec<Case> {
    let manifest = Path::new(DIR).join("cases.tsv");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("{manifest:?}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "{manifest:?} line {}: name, status, arguments", i + 1);
            Case {
                name: f[0].to_owned(),
                status: f[1].parse().unwrap_or_else(|e| panic!("line {}: status: {e}", i + 1)),
                args: f[2].split(' ').map(str::to_owned).collect(),
            }
        })
        .collect()
}

fn blessing() -> bool {
    std::env::var_os(BLESS).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Runs a case with no terminal, no width or colour from the environment
/// and times shown in UTC, from the repository root.
fn run(case: &Case) -> (i32, Vec<u8>, Vec<u8>) {
    let out = Command::new(BIN)
        .args(&case.args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .expect("run traces-tool");
    let code = out.status.code().unwrap_or_else(|| panic!("{}: killed by a signal", case.name));
    (code, out.stdout, out.stderr)
}

/// Compares `got` with the file at `path` (a missing `.err` file stands
/// for an empty stderr); returns a message on a difference.
fn check(case: &str, path: &Path, got: &[u8], optional: bool) -> Option<String> {
    let want = match std::fs::read(path) {
        Ok(want) => want,
        Err(_) if optional => Vec::new(),
        Err(e) => {
            return Some(format!(
                "{case}: cannot read {}: {e}; write it with `{BLESS}=1 cargo test --test golden` \
                 and review it",
                path.display()
            ))
        }
    };
    if want == got {
        return None;
    }
    let (want, got) = (String::from_utf8_lossy(&want), String::from_utf8_lossy(got));
    let line = want
        .lines()
        .zip(got.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| want.lines().count().min(got.lines().count()));
    Some(format!(
        "{case}: {} differs from line {}:\n  expected: {:?}\n  got:      {:?}\n\
         (if the change is intended: `{BLESS}=1 cargo test --test golden`, then review `git diff {DIR}`)",
        path.display(),
        line + 1,
        want.lines().nth(line).unwrap_or("<end>"),
        got.lines().nth(line).unwrap_or("<end>"),
    ))
}

fn write(path: &PathBuf, bytes: &[u8], optional: bool) {
    if optional && bytes.is_empty() {
        let _ = std::fs::remove_file(path);
    } else {
        std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn every_command_matches_its_golden_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root).unwrap();
    let cases = cases();
    assert!(cases.len() >= 12, "the manifest lists {} cases", cases.len());
    let bless = blessing();
    let mut failures = Vec::new();
    for case in &cases {
        let (code, stdout, stderr) = run(case);
        if code != case.status {
            failures.push(format!(
                "{}: exit status {code}, the manifest says {}; stderr: {}",
                case.name,
                case.status,
                String::from_utf8_lossy(&stderr)
            ));
            continue;
        }
        let out = Path::new(DIR).join(format!("{}.out", case.name));
        let err = Path::new(DIR).join(format!("{}.err", case.name));
        if bless {
            write(&out, &stdout, false);
            write(&err, &stderr, true);
            continue;
        }
        failures.extend(check(&case.name, &out, &stdout, false));
        failures.extend(check(&case.name, &err, &stderr, true));
    }
    assert!(
        failures.is_empty(),
        "{} golden case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_golden_file_belongs_to_a_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR);
    let names: Vec<String> = cases().into_iter().map(|c| c.name).collect();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap();
        let Some((stem, ext)) = file.rsplit_once('.') else { continue };
        if ext == "out" || ext == "err" {
            assert!(names.iter().any(|n| n == stem), "{file} has no case in cases.tsv");
        }
    }
}
