//! The `traces-tool` binary: parses the command line, runs the command,
//! and maps the outcome to grep's exit statuses (0 found, 1 nothing
//! matched, 2 error). A closed pipe (`| head`) ends quietly with 0, on
//! stdout as on stderr; a failed write (a full disk) is an error, status 2.
//! Nothing here panics on a write: `eprintln!` would on a closed stderr.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::Cli;
use anstream::ColorChoice;
use clap::Parser;

mod cli;
mod cmd;
mod fit;
mod present;
mod progress_bar;

fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(mut e) => {
            let args: Vec<String> =
                std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
            cli::suggest_flag(&mut e, &args);
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // A binary profile or an SVG on a screen is of no use: refused before
    // anything is read (`-o FILE`, or a pipe, instead).
    if let Some(refusal) = cli.terminal_refusal() {
        if io::stdout().is_terminal() {
            let _ = write_notes(&[refusal.to_owned()]);
            return ExitCode::from(2);
        }
    }
    // A command that would wait on a terminal's standard input says so at
    // once: refused without a FILE, a note with an explicit `-`.
    if io::stdin().is_terminal() {
        match cli.terminal_stdin() {
            Err(refusal) => {
                let _ = write_notes(&[refusal]);
                return ExitCode::from(2);
            }
            Ok(Some(note)) => {
                let _ = write_notes(&[note]);
            }
            Ok(None) => {}
        }
    }
    // A progress bar for large files, only for a person watching stderr.
    if io::stderr().is_terminal() {
        cli.watch(traces_tool::read::input::Progress(std::sync::Arc::new(
            progress_bar::Bars::new(),
        )));
    }
    let stdout = io::stdout();
    let result = match present::look(&cli) {
        // A person reads it: fitted to the width, maybe in colour.
        Some(look) => {
            let choice = if look.color { ColorChoice::Always } else { ColorChoice::Never };
            let raw = anstream::AutoStream::new(stdout.lock(), choice);
            let out = io::BufWriter::with_capacity(1 << 16, raw);
            let mut out = present::Presenter::new(out, look);
            cli.run_into(&mut out).and_then(|outcome| {
                out.finish()?.flush()?;
                Ok(outcome)
            })
        }
        None => {
            let out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let mut out = traces_tool::output::text::PlainText(out);
            cli.run_into(&mut out).and_then(|outcome| {
                out.0.flush()?;
                Ok(outcome)
            })
        }
    };
    match result {
        Ok(outcome) => match write_notes(&outcome.notes) {
            // A reader of stderr that went away (`2>&1 | head`) is not an error.
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => ExitCode::from(2),
            _ => ExitCode::from(if outcome.matched { 0 } else { 1 }),
        },
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // Nothing more can be said if stderr itself is closed or full.
            let _ = write_notes(&[e.to_string()]);
            ExitCode::from(2)
        }
    }
}

/// Writes `traces-tool: NOTE` lines on stderr, returning the write error
/// instead of panicking as `eprintln!` does.
fn write_notes(notes: &[String]) -> io::Result<()> {
    let mut err = io::stderr().lock();
    for note in notes {
        writeln!(err, "traces-tool: {note}")?;
    }
    err.flush()
}
