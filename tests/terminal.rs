//! The binary at home in a terminal and a package manager: `--version`
//! with the commit, shell completions, the man page, output width and
//! colour under a pseudo-terminal (`script`), and `flamegraph` refusing to
//! write SVG to a terminal.

use std::path::Path;
use std::process::{Command, Stdio};

mod support;
use support::{command, run_cmd, Run, BIN};

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(args);
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").envs(env.iter().copied());
    run_cmd(&mut cmd, None)
}

fn ok(args: &[&str]) -> String {
    let r = run_env(args, &[]);
    assert_eq!(r.code, 0, "{args:?} failed: {}", r.stderr);
    r.text()
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
        support::skip("no bash");
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
    // Only the formats the command writes.
    assert_eq!(bash_complete(&["traces-tool", "top", "--format", ""]), ["text", "csv", "json"]);
    assert_eq!(
        bash_complete(&["traces-tool", "grep", "--format", ""]),
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
            Err(_) => support::skip(&format!("the {shell} syntax check: no {shell}")),
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
            support::skip("no man (Debian package man-db)");
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
    for want in [
        "NAME",
        "traces-tool",
        "SYNOPSIS",
        "COMMANDS",
        "see traces-tool-flamegraph(1)",
        "EXAMPLES",
        "EXIT STATUS",
        "VERSION",
    ] {
        assert!(plain.contains(want), "{want} missing from the rendered page:\n{plain}");
    }
    assert!(plain.contains("(commit "), "{plain}");
    // Every page `man --dir` writes renders, each command's with its
    // options, examples and exit status.
    let dir = std::env::temp_dir().join(format!("traces-tool-man-{}", std::process::id()));
    ok(&["man", "--dir", dir.to_str().unwrap()]);
    let mut pages = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let out = Command::new("man")
            .arg("-l")
            .arg(&path)
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        assert!(out.status.success(), "man -l {}", path.display());
        // Overstruck bold (`N\bN`) read as plain text.
        let mut text = String::new();
        for c in String::from_utf8_lossy(&out.stdout).chars() {
            if c == '\u{8}' {
                text.pop();
            } else {
                text.push(c);
            }
        }
        for want in ["NAME", "SYNOPSIS", "EXAMPLES", "EXIT STATUS", "SEE ALSO"] {
            assert!(text.contains(want), "{want} missing from {}", path.display());
        }
        pages += 1;
    }
    // The main page and one per command.
    // The commands `--help` lists (`  NAME  what it does`), less `help`.
    let help = ok(&["--help"]);
    let commands = help
        .split("Commands:")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A name at column 2; a description's continuation is indented more.
        .filter(|l| !l[2..].starts_with(' '))
        .filter(|l| l.split_whitespace().next().is_some_and(|n| n != "help"))
        .count();
    assert!(commands >= 18, "{commands} commands");
    assert_eq!(pages, commands + 1, "the main page and one per command");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs the binary with stdout (and stderr) on a pseudo-terminal `cols`
/// wide, through util-linux `script`; None when `script` is missing. The
/// output comes back with the terminal's `\r\n` turned into `\n`.
fn in_terminal(args: &[&str], cols: u16, env: &[(&str, &str)]) -> Option<Run> {
    if Command::new("script").arg("--version").output().is_err() {
        support::skip("no script (util-linux)");
        return None;
    }
    let quoted: Vec<String> =
        args.iter().map(|a| format!("'{}'", a.replace('\'', "'\\''"))).collect();
    // Set inside: `script`'s shell sets COLUMNS from the terminal.
    let vars: Vec<String> = env.iter().map(|(k, v)| format!("{k}='{v}'")).collect();
    let inner = format!(
        "stty cols {cols} rows 50; exec env {} '{BIN}' {}",
        vars.join(" "),
        quoted.join(" ")
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &inner, "/dev/null"])
        .stdin(Stdio::null())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env("TERM", "xterm-256color");
    let out = cmd.output().expect("run script");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output").replace("\r\n", "\n");
    Some(Run {
        code: out.status.code().expect("exit status"),
        bytes: stdout.clone().into_bytes(),
        stdout,
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

#[test]
fn export_refuses_to_write_a_profile_to_a_terminal_but_not_to_a_file() {
    let Some(r) = in_terminal(&["export", "-o", "-", AFTER], 80, &[]) else {
        return;
    };
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("export: refusing to write a binary profile to a terminal; give -o FILE"),
        "{}",
        r.stdout
    );
    // Refused before anything is read: a missing input is not the error.
    let Some(r) = in_terminal(&["export", "-o", "-", "no/such/input.txt"], 80, &[]) else {
        return;
    };
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("refusing to write a binary profile"), "{}", r.stdout);
    // A file takes it while stdout is a terminal.
    let dir = std::env::temp_dir().join(format!("terminal-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("after.pb.gz");
    let Some(r) = in_terminal(&["export", "-o", file.to_str().unwrap(), AFTER], 80, &[]) else {
        return;
    };
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let written = std::fs::read(&file).unwrap();
    assert_eq!(&written[..2], b"\x1f\x8b", "gzip");
    std::fs::remove_dir_all(&dir).unwrap();
}

const AFTER: &str = "samples/leak/after.traces.txt";
const BEFORE: &str = "samples/leak/before.traces.txt";
/// A real CPU profile's `-raw` text, whose grep lines run to 2,500 characters.
const CPU_REAL: &str = "../shared/real-traces/go-torch__pprof4.raw.txt";

/// Every command with text output, on the leak sample and (when present)
/// a real CPU report, whose call paths run to thousands of characters.
fn text_commands() -> Vec<Vec<&'static str>> {
    let mut all = vec![
        vec!["grep", "ReadMIMEHeader", AFTER],
        vec!["grep", "serve", "--stacks", "--top", "2", AFTER],
        vec!["hist", "ReadMIMEHeader", AFTER],
        vec!["hist", "--all", "--by", "bytes", AFTER],
        vec!["top", AFTER],
        vec!["diff", BEFORE, AFTER],
        vec!["diff", "--by", "stack", BEFORE, AFTER],
        vec!["blame", AFTER],
        vec!["cat", AFTER],
        vec!["peek", "ReadMIMEHeader", AFTER],
        vec!["stacks", AFTER],
        vec!["summary", AFTER],
    ];
    if Path::new(CPU_REAL).exists() {
        for cmd in [
            vec!["grep", "runtime.mallocgc", "--top", "3", CPU_REAL],
            vec!["top", CPU_REAL],
            vec!["blame", CPU_REAL],
            vec!["stacks", CPU_REAL],
            vec!["summary", CPU_REAL],
            vec!["peek", "^runtime.mallocgc$", CPU_REAL],
        ] {
            all.push(cmd);
        }
    } else {
        eprintln!("{CPU_REAL} absent: only the shipped samples");
    }
    all
}

/// The text without colour escapes (`ESC [ ... m`).
fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn on_an_80_column_terminal_every_line_fits() {
    for args in text_commands() {
        let Some(r) = in_terminal(&args, 80, &[]) else { return };
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stdout);
        let text = strip_escapes(&r.stdout);
        let piped = run_env(&args, &[]).stdout;
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: {} columns: {line}",
                line.chars().count()
            );
        }
        // --width 0 on the terminal: the lines as a pipe gets them.
        let mut whole = args.clone();
        whole.extend(["--width", "0", "--color", "never"]);
        let r = in_terminal(&whole, 80, &[]).unwrap();
        assert_eq!(r.stdout, piped, "{args:?} --width 0");
    }
}

#[test]
fn width_flag_and_columns_fit_a_pipe_too_and_keep_tables_aligned() {
    let full = ok(&["top", AFTER]);
    let narrow = ok(&["top", "--width", "90", AFTER]);
    assert_eq!(full.lines().count(), narrow.lines().count(), "rows are fitted, not wrapped");
    for (a, b) in full.lines().zip(narrow.lines()) {
        assert!(b.chars().count() <= 90, "{b}");
        // Below 110 columns the ± columns go first; the numeric columns
        // before them stay where they were, and names lose only the middle
        // of their package paths.
        if a.starts_with(' ') && a.contains('%') && !a.contains("flat%") {
            let cut = a.rfind("  ").unwrap() + 2;
            assert_eq!(&a[..42], &b[..42]);
            assert!(!b[42..].contains("MB "), "± columns left: {b}");
            let name = &a[cut..];
            let short = &b[b.rfind("  ").unwrap() + 2..];
            // The function itself is kept: the text after the last `/`.
            let func = &name[name.rfind('/').map_or(0, |i| i + 1)..];
            assert!(short.ends_with(func), "{name} -> {short}");
        }
    }
    // COLUMNS is the terminal's width, not a pipe's.
    let r = run_env(&["top", AFTER], &[("COLUMNS", "60")]);
    assert_eq!(r.stdout, full);
    if let Some(r) = in_terminal(&["top", AFTER], 200, &[("COLUMNS", "60")]) {
        assert!(strip_escapes(&r.stdout).lines().all(|l| l.chars().count() <= 60));
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_never_with_no_color() {
    let esc = |s: &str| s.contains('\u{1b}');
    let args = ["grep", "ReadMIMEHeader", "--top", "1", AFTER];
    // A pipe: none by default, none with never, some with always.
    assert!(!esc(&ok(&args)));
    assert!(!esc(&ok(&[&args[..], &["--color", "never"]].concat())));
    let always = ok(&[&args[..], &["--color", "always"]].concat());
    assert!(always.contains("\u{1b}[1m\u{1b}[31mReadMIMEHeader\u{1b}[0m"), "{always:?}");
    assert_eq!(strip_escapes(&always), ok(&args), "colour adds escapes, nothing else");
    let diff = ok(&["diff", BEFORE, AFTER, "--color", "always"]);
    assert!(diff.contains("\u{1b}[31m+"), "growth marked: {diff:?}");
    let blame = ok(&["blame", AFTER, "--color", "always"]);
    assert!(blame.contains("\u{1b}[1m\u{1b}[36mexample.com/leaky/middleware.SessionContext.func1"));
    // Machine formats never: CSV with --color always is plain.
    assert!(!esc(&ok(&["top", "--format", "csv", "--color", "always", AFTER])));
    // A terminal: colour by default, none with NO_COLOR or --color never.
    let Some(r) = in_terminal(&args, 120, &[]) else { return };
    assert!(esc(&r.stdout), "{:?}", r.stdout);
    let r = in_terminal(&args, 120, &[("NO_COLOR", "1")]).unwrap();
    assert!(!esc(&r.stdout), "{:?}", r.stdout);
    let r = in_terminal(&[&args[..], &["--color", "never"]].concat(), 120, &[]).unwrap();
    assert!(!esc(&r.stdout), "{:?}", r.stdout);
}

#[test]
fn a_terminal_on_standard_input_is_refused_at_once_without_a_file() {
    // `script` gives the command the terminal as standard input too.
    let Some(r) = in_terminal(&["top"], 100, &[]) else {
        return;
    };
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("top: no FILE given and standard input is a terminal"),
        "{}",
        r.stdout
    );
    // The pattern forgotten: the file was taken as the pattern.
    let Some(r) = in_terminal(&["grep", AFTER], 100, &[]) else {
        return;
    };
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("was read as the PATTERN and no FILE is given"), "{}", r.stdout);
    // `hist FILE` is a file, and reads it.
    let Some(r) = in_terminal(&["hist", AFTER], 100, &[]) else {
        return;
    };
    assert_eq!(r.code, 0, "{}", r.stdout);
}

/// Whether a call-path frame is outside Go's standard library and runtime
/// (first path element with a dot, or `main`): the frames an elided path
/// keeps.
fn application_frame(name: &str) -> bool {
    let name = name.split(" (").next().unwrap_or(name);
    let first = name.split('/').next().unwrap_or(name);
    let package_head = first.split('.').next().unwrap_or(first);
    (name.contains('/') && first.contains('.')) || package_head == "main"
}

#[test]
fn at_80_100_and_120_columns_no_number_is_cut_and_every_application_frame_shows() {
    let mut commands = vec![
        vec!["grep", "reqctx.Set", "--top", "3", AFTER],
        vec!["grep", "readMIMEHeader", "--top", "3", "samples/heap/inuse_space.traces.txt"],
        vec!["top", AFTER],
        vec!["top", "samples/heap/inuse_space.traces.txt"],
    ];
    if Path::new(CPU_REAL).exists() {
        commands.push(vec!["grep", "runtime.mallocgc", "--top", "3", CPU_REAL]);
        commands.push(vec!["top", CPU_REAL]);
    }
    for args in &commands {
        let piped = run_env(args, &[]).stdout;
        for cols in [80u16, 100, 120] {
            let Some(r) = in_terminal(args, cols, &[("NO_COLOR", "1")]) else { return };
            let text = strip_escapes(&r.stdout);
            for line in text.lines() {
                assert!(line.chars().count() <= usize::from(cols), "{args:?} {cols}: {line}");
            }
            // Numbers (with their units and ± bounds) come whole; below
            // 110 columns `top` leaves out its ± columns (after column 42).
            let drops_bounds = args[0] == "top" && cols < 110;
            let shown = piped.lines().map(|l| {
                if drops_bounds && l.starts_with(' ') && l.len() > 64 {
                    &l[..42]
                } else {
                    l
                }
            });
            for word in shown.flat_map(str::split_whitespace) {
                let number = word.trim_start_matches('±');
                let is_amount = number.starts_with(|c: char| c.is_ascii_digit())
                    && number.ends_with(|c: char| c.is_ascii_alphabetic() || c == '%')
                    && number.len() > 2;
                if is_amount {
                    assert!(text.contains(number), "{args:?} {cols}: {number} cut or lost");
                }
            }
            // The functions of the application frames of every call path.
            for path in piped.lines().filter(|l| l.contains(" < ")) {
                for frame in path.trim().split(" < ").filter(|f| application_frame(f)) {
                    let name = frame.split(" (").next().unwrap();
                    let func = &name[name.rfind('/').map_or(0, |i| i + 1)..];
                    let func = func.split('(').next().unwrap();
                    assert!(text.contains(func), "{args:?} {cols}: {frame} hidden");
                }
            }
        }
    }
}

#[test]
fn paragraphs_are_wrapped_to_the_width_and_commands_stay_runnable() {
    let piped = ok(&["blame", AFTER]);
    assert!(piped.contains("net/http.(*conn).serve: 8.52MB"), "{piped}");
    // The explanation's words, whatever the width.
    let words = |text: &str| -> Vec<String> {
        let from = text.find("net/http.(*conn).serve: ").unwrap();
        let rest = &text[from..];
        let to = rest.find("\n\n").unwrap_or(rest.len());
        rest[..to].split_whitespace().map(str::to_owned).collect()
    };
    for w in [60usize, 80, 100, 120] {
        let text = ok(&["blame", AFTER, "--width", &w.to_string()]);
        assert_eq!(words(&text), words(&piped), "{w}");
        let from = text.find("net/http.(*conn).serve: ").unwrap();
        let paragraph: Vec<&str> = text[from..].lines().take_while(|l| !l.is_empty()).collect();
        let last = paragraph.iter().position(|l| l.ends_with("(the rows above).")).unwrap();
        // Filled to the width: a line is broken only where the next word
        // would not fit.
        for pair in paragraph[..=last].windows(2) {
            let next_word = pair[1].split(' ').next().unwrap();
            assert!(pair[0].chars().count() <= w, "{w}: {pair:?}");
            assert!(
                pair[0].chars().count() + 1 + next_word.chars().count() > w,
                "{w}: a short line before {next_word:?}: {pair:?}"
            );
        }
    }

    // summary's next commands: broken with a backslash, joined they are the
    // commands a pipe gets.
    let commands = |text: &str| -> Vec<String> {
        let next = &text[text.find("Next:\n").unwrap() + 6..];
        next.replace(" \\\n", " ")
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| l.starts_with("traces-tool "))
            .collect()
    };
    let piped = ok(&["summary", AFTER]);
    let text = ok(&["summary", AFTER, "--width", "70"]);
    assert!(text.contains(" \\\n"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 70), "{text}");
    assert_eq!(commands(&text), commands(&piped));
    assert_eq!(commands(&piped).len(), 4, "{piped}");
}
