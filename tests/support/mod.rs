//! The one way the integration tests run the `traces-tool` binary
//! (`mod support; use support::...;`): [`run`], [`run_with_stdin`] and the
//! small asserts that recur ([`ok`], [`stdout_ok`]). Kept apart from
//! `tests/common/`, which holds the pest grammar helpers.

#![allow(dead_code)]

pub mod browser;

use std::io::Write;
use std::process::{Command, Stdio};

/// The binary under test, built by cargo for the integration tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_traces-tool");

/// What one run of the binary gave.
pub struct Run {
    /// The exit status (a run killed by a signal fails the test).
    pub code: i32,
    /// Standard output as text (lossy where it is not UTF-8; see [`Run::bytes`]).
    pub stdout: String,
    /// Standard output byte for byte.
    pub bytes: Vec<u8>,
    /// Standard error as text (lossy where it is not UTF-8).
    pub stderr: String,
}

impl Run {
    /// Standard output, which must be UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8(self.bytes.clone()).expect("UTF-8 output")
    }
}

/// Runs the binary with `args` and no standard input.
pub fn run(args: &[&str]) -> Run {
    run_cmd(&mut command(args), None)
}

/// Runs the binary with `args`, writing `stdin` to its standard input
/// (standard input is closed when `stdin` is `None`).
pub fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    run_cmd(&mut command(args), stdin)
}

/// Runs the binary with `args` and extra environment variables.
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    run_cmd(command(args).envs(env.iter().copied()), None)
}

/// The binary with `args`, for a test that needs more than [`run`] offers
/// (environment, working directory); run it with [`run_cmd`].
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    cmd
}

/// Runs `cmd` (from [`command`]), writing `stdin` to its standard input
/// (standard input is closed when `stdin` is `None`).
pub fn run_cmd(cmd: &mut Command, stdin: Option<&[u8]>) -> Run {
    let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut child = cmd
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run traces-tool");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        // A writer thread, so a child that writes much before reading all
        // its input cannot dead-lock with us; a closed pipe is fine.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let out = child.wait_with_output().unwrap();
    let code = out.status.code().unwrap_or_else(|| panic!("{args:?} was killed by a signal"));
    Run {
        code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        bytes: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `args`, asserts exit status 0 and an empty stderr, and returns
/// stdout (which must be UTF-8).
pub fn ok(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?} failed: {}", r.stderr);
    assert_eq!(r.stderr, "", "{args:?} wrote to stderr");
    r.text()
}

/// Runs `args`, asserts exit status 0 (stderr may hold notes), and returns
/// stdout (which must be UTF-8).
pub fn stdout_ok(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?} failed: {}", r.stderr);
    r.text()
}

/// Like [`stdout_ok`], also returning stderr.
pub fn ok_noted(args: &[&str]) -> (String, String) {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?} failed: {}", r.stderr);
    (r.text(), r.stderr)
}

/// Like [`stdout_ok`], with `stdin` written to standard input.
pub fn stdout_ok_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> String {
    let r = run_with_stdin(args, stdin);
    assert_eq!(r.code, 0, "{args:?} failed: {}", r.stderr);
    r.text()
}

/// Says on stderr why a test did not run for want of `what` (a tool, a
/// directory); where the environment variable `CI` is set the test fails
/// instead, so that a missing tool cannot pass unseen in CI.
pub fn skip(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what}: CI is set, so this test may not skip");
    }
    eprintln!("skipped: {what}");
}

/// A gzipped text file, decompressed (pprof references in `samples/`).
pub fn gunzip_text(path: &str) -> String {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}
