//! The `traces-tool` binary: parses the command line, runs the command,
//! and maps the outcome to grep's exit statuses (0 found, 1 nothing
//! matched, 2 error). A closed pipe (`| head`) ends quietly with 0.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anstream::ColorChoice;
use clap::Parser;
use traces_tool::cli::Cli;

mod present;
mod progress_bar;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // A progress bar for large files, only for a person watching stderr.
    if io::stderr().is_terminal() {
        traces_tool::input::set_progress(Some(std::sync::Arc::new(progress_bar::Bars)));
    }
    let stdout = io::stdout();
    let result = match present::look(&cli) {
        // A person reads it: fitted to the width, maybe in colour.
        Some(look) => {
            let choice = if look.color { ColorChoice::Always } else { ColorChoice::Never };
            let raw = anstream::AutoStream::new(stdout.lock(), choice);
            let out = io::BufWriter::with_capacity(1 << 16, raw);
            let mut out = present::Presenter::new(out, look);
            cli.run(&mut out).and_then(|outcome| {
                out.finish()?.flush()?;
                Ok(outcome)
            })
        }
        None => {
            let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
            cli.run(&mut out).and_then(|outcome| {
                out.flush()?;
                Ok(outcome)
            })
        }
    };
    match result {
        Ok(outcome) => {
            for note in &outcome.notes {
                eprintln!("traces-tool: {note}");
            }
            ExitCode::from(if outcome.matched { 0 } else { 1 })
        }
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("traces-tool: {e}");
            ExitCode::from(2)
        }
    }
}
