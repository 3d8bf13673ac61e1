//! `traces-tool summary`: what a traces report holds, in numbers and plain
//! words ([`traces_tool::analysis::summary`]): its header, sample type and unit,
//! pprof's total, how many samples are zero or negative and why, distinct
//! functions and stacks, how many stacks come in several blocks, how deep
//! the stacks go and whether the runtime may have cut them, whether the
//! values are exact, and what to run next.

use clap::Args;

use super::{formats, Format, InputArgs, Outcome};
use traces_tool::analysis::summary::{summary, SummaryOptions, SummaryReport};
use traces_tool::error::Result;
use traces_tool::output::text::Out;
use traces_tool::output::views::{self, emit, View};

/// A summary of the report: counts, totals, depth, precision.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = views::summary::JSON_SCHEMA)]
pub struct SummaryArgs {
    /// Output format. CSV has two columns, field and value, with amounts
    /// in base units.
    #[arg(long, value_parser = formats(<SummaryReport as View>::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &SummaryArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let s = summary(&args.input.inputs(), &SummaryOptions::default())?;
    let mut notes = s.notes.clone();
    emit(&s, args.format, out, args.input.sheet_options())?;
    if s.samples == 0 {
        notes.push("no samples".to_owned());
    }
    Ok(Outcome { matched: s.samples > 0, notes })
}
