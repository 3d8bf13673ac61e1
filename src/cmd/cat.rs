//! `traces-tool cat`: prints the records back as a `traces` report. On an
//! unfiltered report the output is the input, byte for byte (line ends
//! normalised to `\n`); with filters it is what `go tool pprof -traces
//! -focus=...` would print, keeping pprof's header.

use clap::Args;

use super::{InputArgs, Outcome};
use traces_tool::analysis::cat::records;
use traces_tool::error::Result;
use traces_tool::output::text::Out;
use traces_tool::output::views::cat::write_item;

/// Print records as a traces report (filtered, if filters are given).
#[derive(Args, Clone, Debug)]
pub struct CatArgs {
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &CatArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let summary = records(&args.input.inputs(), |item| write_item(out, item))?;
    Ok(Outcome { matched: summary.records > 0, notes: summary.notes })
}
