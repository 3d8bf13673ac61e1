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

/// What bash completion offers for the words typed so far (the last one is
/// the word being completed), with the script `completions bash` prints.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = ok(&["completions", "bash"]);
    let path = std::env::temp_dir().join(format!("traces-tool-{}.bash", std::process::id()));
    std::fs::write(&path, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        "source '{}' && complete -p traces-tool >/dev/null && \
         COMP_WORDS=({}) && COMP_CWORD={cword} && \
         _traces__tool traces-tool '{}' '{prev}' && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display(),
        quoted.join(" "),
        words[cword],
    );
    let out = Command::new("bash").args(["--norc", "-c", &program]).output().expect("run bash");
    std::fs::remove_file(&path).ok();
    assert!(out.status.success(), "bash: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn completions_bash_offers_subcommands_flags_and_fixed_values() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("skipped: no bash");
        return;
    }
    let subcommands = bash_complete(&["traces-tool", ""]);
    for sub in ["grep", "hist", "csv", "top", "diff", "blame", "flamegraph", "completions", "man"] {
        assert!(subcommands.iter().any(|s| s == sub), "{sub} not in {subcommands:?}");
    }
    // A subcommand's own flags (clap-rs/clap#6421: not with the script as
    // clap_complete writes it for a hyphenated name).
    let flags = bash_complete(&["traces-tool", "grep", "--f"]);
    assert_eq!(flags, ["--fixed-strings", "--format", "--focus"]);
    assert_eq!(
        bash_complete(&["traces-tool", "top", "--format", ""]),
        ["text", "csv", "json", "ndjson"]
    );
    assert_eq!(bash_complete(&["traces-tool", "diff", "--by", ""]), ["function", "leaf", "stack"]);
    assert_eq!(
        bash_complete(&["traces-tool", "peek", "--granularity", ""]),
        ["frames", "functions", "files", "lines"]
    );
    let names = bash_complete(&["traces-tool", "top", "--sample-index", "alloc"]);
    assert_eq!(names, ["alloc_space", "alloc_objects"]);
    let shells = bash_complete(&["traces-tool", "completions", ""]);
    assert!(shells.ends_with(&["bash", "elvish", "fish", "powershell", "zsh"].map(String::from)));
}

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = ok(&["completions", shell]);
        for sub in ["grep", "flamegraph", "man"] {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
    }
    // Where the shells are installed, their parsers accept the scripts.
    for (shell, check) in [("zsh", "-n"), ("fish", "--no-execute")] {
        let path = std::env::temp_dir().join(format!("traces-tool-{}.{shell}", std::process::id()));
        std::fs::write(&path, ok(&["completions", shell])).unwrap();
        match Command::new(shell).arg(check).arg(&path).output() {
            Ok(out) => {
                assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr))
            }
            Err(_) => eprintln!("skipped the {shell} syntax check: no {shell}"),
        }
        std::fs::remove_file(&path).ok();
    }
}

#[test]
fn man_page_renders_with_man() {
    let page = ok(&["man"]);
    assert!(page.starts_with(".ie") || page.contains(".TH traces-tool 1"), "{page}");
    let path = std::env::temp_dir().join(format!("traces-tool-{}.1", std::process::id()));
    std::fs::write(&path, &page).unwrap();
    let out = Command::new("man")
        .arg("-l")
        .arg(&path)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "80")
        .output();
    std::fs::remove_file(&path).ok();
    let out = match out {
        Ok(out) => out,
        Err(_) => {
            eprintln!("skipped: no man (Debian package man-db)");
            return;
        }
    };
    assert!(out.status.success(), "man -l: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    // man may overstrike bold text (`N\bNA\bAM\bME`); read it without.
    let plain: String = {
        let mut s = String::new();
        for c in text.chars() {
            if c == '\u{8}' {
                s.pop();
            } else {
                s.push(c);
            }
        }
        s
    };
    for want in ["NAME", "traces-tool", "SYNOPSIS", "SUBCOMMANDS", "flamegraph", "VERSION"] {
        assert!(plain.contains(want), "{want} missing from the rendered page:\n{plain}");
    }
    assert!(plain.contains("(commit "), "{plain}");
}

/// Runs the binary with stdout (and stderr) on a pseudo-terminal `cols`
/// wide, through util-linux `script`; None when `script` is missing. The
/// output comes back with the terminal's `\r\n` turned into `\n`.
fn in_terminal(args: &[&str], cols: u16, env: &[(&str, &str)]) -> Option<Run> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no script (util-linux)");
        return None;
    }
    let quoted: Vec<String> =
        args.iter().map(|a| format!("'{}'", a.replace('\'', "'\\''"))).collect();
    let inner = format!("stty cols {cols} rows 50; exec '{BIN}' {}", quoted.join(" "));
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &inner, "/dev/null"])
        .stdin(Stdio::null())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env("TERM", "xterm-256color");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run script");
    Some(Run {
        code: out.status.code().expect("exit status"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output").replace("\r\n", "\n"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    })
}

#[test]
fn flamegraph_refuses_to_write_svg_to_a_terminal() {
    let Some(r) = in_terminal(&["flamegraph", "samples/leak/after.traces.txt"], 80, &[]) else {
        return;
    };
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("refusing to write SVG to a terminal; give -o FILE"), "{}", r.stdout);
    assert!(!r.stdout.contains("<svg"));
    // A pipe takes it.
    let piped = ok(&["flamegraph", "samples/leak/after.traces.txt"]);
    assert!(piped.contains("<svg"));
}
