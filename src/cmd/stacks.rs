//! `traces-tool stacks`: identical stacks merged. pprof prints one block
//! per sample, and one stack often comes in several blocks: the Go runtime
//! keeps one heap sample per (stack, allocation size), CPU samples from
//! different addresses of the same functions stay apart, and samples with
//! different labels are different samples. This command adds them up
//! ([`traces_tool::analysis::stacks`]) and lists the stacks by total, largest
//! first, with the labels that differ between the merged blocks.

use clap::Args;

use super::{formats, row_limit, Format, InputArgs, Outcome};
use traces_tool::analysis::stacks::{stacks, StacksOptions, StacksReport};
use traces_tool::error::Result;
use traces_tool::output::text::Out;
use traces_tool::output::views::{self, emit, View};

/// Identical stacks merged across blocks, listed by total value.
///
/// Stacks are compared frame by frame as printed (` (inline)` included).
/// The total of a stack is the sum of its blocks' values; stacks are
/// ordered by |total|, largest first, ties in order of first appearance.
/// Shares are of pprof's total: all samples before filtering (under
/// `-diff_base`, the base samples).
#[derive(Args, Clone, Debug)]
#[command(after_long_help = views::stacks::JSON_SCHEMA)]
pub struct StacksArgs {
    /// Show the N largest stacks (0: all); default 20 in text, every row in csv and json
    /// unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Output format. CSV stacks are root first, frames joined by `;`.
    #[arg(long, value_parser = formats(<StacksReport as View>::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &StacksArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let options = StacksOptions { top: row_limit(args.top, args.format, 20) };
    let report = stacks(&args.input.inputs(), &options)?;
    let mut notes = report.notes.clone();
    if report.distinct_stacks == 0 {
        notes.push("no samples to show".to_owned());
        return Ok(Outcome { matched: false, notes });
    }
    emit(&report, args.format, out, args.input.sheet_options())?;
    Ok(Outcome { matched: true, notes })
}
