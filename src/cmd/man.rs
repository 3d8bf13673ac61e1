//! `man`: the manual page (roff, clap_mangen), written to standard output:
//! the options of the tool and the list of its subcommands, each with its
//! short help.

use std::io::Write;

use clap::{Args, CommandFactory};

use crate::cli::Cli;
use crate::cmd::Outcome;
use crate::error::Result;

/// Prints the manual page in roff.
///
/// Read it with `traces-tool man | man -l -`, or install it:
///   traces-tool man > ~/.local/share/man/man1/traces-tool.1
#[derive(Args, Clone, Debug)]
#[command(verbatim_doc_comment)]
pub struct ManArgs {}

/// Writes the page to `out`.
pub fn run(_args: &ManArgs, out: &mut dyn Write) -> Result<Outcome> {
    clap_mangen::Man::new(Cli::command()).render(out)?;
    Ok(Outcome { matched: true, notes: Vec::new() })
}
