//! The binary at home in a terminal and a package manager: `--version`
//! with the commit, shell completions, the man page, output width and
//! colour under a pseudo-terminal (`script`), and `flamegraph` refusing to
//! write SVG to a terminal.

use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_traces-tool");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdin(Stdio::null()).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run traces-tool");
    Run {
        code: out.status.code().expect("exit status"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn ok(args: &[&str]) -> String {
    let r = run_env(args, &[]);
    assert_eq!(r.code, 0, "{args:?} failed: {}", r.stderr);
    r.stdout
}

/// `git rev-parse --short HEAD` of this checkout, if git and `.git` are here.
fn git_commit() -> Option<String> {
    if !Path::new(".git").exists() {
        return None;
    }
    let out = Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().ok()?;
    out.status.success().then(|| String::from_utf8(out.stdout).unwrap().trim().to_owned())
}

#[test]
fn version_names_the_crate_version_and_the_commit() {
    let out = ok(&["--version"]);
    let expected_commit = git_commit().unwrap_or_else(|| "unknown".to_owned());
    assert_eq!(
        out,
        format!("traces-tool {} (commit {expected_commit})\n", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(ok(&["-V"]), out);
}
