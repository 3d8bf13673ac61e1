//! `traces-tool grep PATTERN`: for every function whose name matches, its
//! totals (samples, flat, cum) and its largest samples with labels and call
//! path: what `grep PATTERN traces.txt | sort -n -r | head` wanted to show.

use clap::Args;

use super::{formats, row_limit, Format, InputArgs, Outcome};
use traces_tool::analysis::grep::{grep, GrepOptions};
use traces_tool::error::Result;
use traces_tool::matcher::PatternOptions;
use traces_tool::output::text::Out;
use traces_tool::output::views::{self, grep::GrepView};

/// Largest samples per matching function, with stacks.
///
/// PATTERN is a regular expression matched against frame names (without the
/// ` (inline)` marker). Functions are listed by cum, largest first; for each,
/// its N largest samples by exact value (ties in file order). A sample's
/// stack is printed once, under the first function listed with it; later
/// ones print the frames a match nearer the leaf adds, then `... (printed
/// above, sample N)`.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = views::grep::JSON_SCHEMA)]
pub struct GrepArgs {
    /// Regular expression matched against function names.
    pub pattern: String,
    /// Samples to show per function (0: all). Default: 5 in text; every
    /// matching sample in csv, json and ndjson. Each one shown is held in
    /// memory until the end.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Only samples where the function is the leaf (where the value was
    /// measured), not where it is a caller.
    #[arg(long)]
    pub leaf: bool,
    /// Print each sample's whole block (labels and stack) as pprof does.
    #[arg(long)]
    pub stacks: bool,
    /// How PATTERN is read (`-F`, `-i`).
    #[command(flatten)]
    pub pattern_options: PatternOptions,
    /// Output format.
    #[arg(long, value_parser = formats(views::grep::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &GrepArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let options = GrepOptions {
        pattern: args.pattern.clone(),
        pattern_options: args.pattern_options,
        top: row_limit(args.top, args.format, 5),
        leaf: args.leaf,
    };
    let mut view = GrepView::new(args.format, args.stacks, args.input.sheet_options(), out);
    let summary = grep(&args.input.inputs(), &options, |hit| view.hit(&hit))?;
    view.finish(&options, &summary)?;
    Ok(Outcome { matched: !summary.functions.is_empty(), notes: summary.notes })
}
