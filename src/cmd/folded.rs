//! `traces-tool folded`: Brendan Gregg's folded stacks, the input of
//! `flamegraph.pl`, inferno and speedscope: one line per distinct stack,
//! frames root first joined by `;`, a space and the summed value as a whole
//! number of the base unit (`main.main;main.f;runtime.mallocgc 4096`).
//! Lines are sorted byte-wise, as the stackcollapse tools sort them.
//!
//! Two reports (`--diff BEFORE AFTER`), or one printed with `-diff_base`,
//! give two value columns, `stack before after`: difffolded.pl's format,
//! which `flamegraph.pl` and inferno draw as a differential flame graph.

use std::io::Write;

use clap::Args;

use super::{InputArgs, Outcome};
use traces_tool::analysis::folded::{folded, FoldedOptions};
use traces_tool::error::Result;
use traces_tool::output::text::Out;

/// Folded stacks (`root;...;leaf value`), for flame graph tools.
///
/// Identical stacks are summed; frames are the names as printed, without
/// the ` (inline)` marker; values are whole numbers of the base unit
/// (bytes, nanoseconds or a count), summed exactly and then rounded to
/// the nearest whole number (halves away from zero). Values pprof had
/// rounded (`21.01MB`) make the counts approximate: a note on stderr says
/// so (print the report with `go tool pprof -traces -unit=b` or `-unit=ns`
/// for exact counts). Stacks whose total is zero are left out; lines are
/// sorted byte-wise, as stackcollapse-*.pl sort them.
///
/// With `--diff BEFORE AFTER`, or on a report printed with `go tool pprof
/// -traces -diff_base=BEFORE AFTER` (its base samples are the before),
/// each line has two values, `stack before after` (difffolded.pl's
/// format).
#[derive(Args, Clone, Debug)]
pub struct FoldedArgs {
    /// Two columns, before and after: give BEFORE AFTER (two reports of the
    /// same program), or one `-diff_base` report.
    #[arg(long)]
    pub diff: bool,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &FoldedArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let folded = folded(&args.input.inputs(), &FoldedOptions { diff: args.diff })?;
    let mut written = 0u64;
    let more = folded.for_each_line("folded", |line| {
        written += 1;
        writeln!(out, "{line}")?;
        Ok(())
    })?;
    let mut notes = folded.notes;
    notes.extend(more);
    if written == 0 {
        notes.push("no stacks with a value".to_owned());
    }
    Ok(Outcome { matched: written > 0, notes })
}
