//! `traces-tool hist [PATTERN]`: how many samples have each value, the
//! histogram `grep PATTERN | sort -n -r | uniq -c` tries to be, with exact
//! values, every sample counted once, and leaf and caller samples apart.

use clap::Args;

pub use traces_tool::analysis::hist::{Buckets, HistSort};

use super::{formats, Format, InputArgs, Outcome};
use traces_tool::analysis::hist::{hist, HistOptions, HistReport};
use traces_tool::error::Result;
use traces_tool::matcher::PatternOptions;
use traces_tool::output::text::Out;
use traces_tool::output::views::hist::{HIST_HELP, JSON_SCHEMA};
use traces_tool::output::views::{emit, View};

/// Count of samples per value (or per label value), largest value first.
///
/// With PATTERN, only samples with a frame matching it count, split into
/// those where a matching function is the leaf and those where it is only
/// a caller. Without PATTERN every sample counts, with role `all`.
///
/// Rows also carry their sum, share and freed objects: see
/// [`traces_tool::output::views::hist::HIST_HELP`].
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct HistArgs {
    /// Regular expression matched against function names. To count every
    /// sample of a file, give `--all` (or an empty PATTERN, `''`). A lone
    /// argument that names an existing file is that FILE (`hist
    /// traces.txt` is `hist --all traces.txt`), with or without a terminal;
    /// to search standard input for it as a pattern, add `-`.
    pub pattern: Option<String>,
    /// Count every sample; the first positional argument is then a FILE.
    #[arg(long)]
    pub all: bool,
    /// Histogram the values of this label (e.g. `bytes`) instead of the
    /// sample value.
    #[arg(long, value_name = "KEY")]
    pub by: Option<String>,
    /// Group numeric values into ranges.
    #[arg(long, value_enum, default_value_t)]
    pub buckets: Buckets,
    /// Row order: by `key` (the value or bucket, largest first; text
    /// values of a label A to Z), by `count` (most samples first) or by
    /// `value` (largest sum first). The bars show each row's sum.
    #[arg(long, value_enum, default_value_t)]
    pub sort: HistSort,
    /// How PATTERN is read (`-F`, `-i`).
    #[command(flatten)]
    pub pattern_options: PatternOptions,
    /// Output format.
    #[arg(long, value_parser = formats(<HistReport as View>::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `--help`: the view's notes on weights and CSV, then the JSON schema.
fn after_long_help() -> String {
    format!("{HIST_HELP}\n\n{JSON_SCHEMA}")
}

/// Runs the command.
pub fn run(args: &HistArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let mut args = args.clone();
    // `hist traces.txt` means the file, not a pattern to search standard
    // input for, whether standard input is a terminal or not: the same
    // command line does the same thing in a script.
    let lone_file = args.input.files.is_empty()
        && args.pattern.as_deref().is_some_and(|p| std::path::Path::new(p).is_file());
    if args.all || lone_file {
        if let Some(p) = args.pattern.take() {
            args.input.files.insert(0, p);
        }
    }
    let options = HistOptions {
        pattern: args.pattern.clone(),
        pattern_options: args.pattern_options,
        by: args.by.clone(),
        buckets: args.buckets,
        sort: args.sort,
    };
    let report = hist(&args.input.inputs(), &options)?;
    emit(&report, args.format, out, args.input.sheet_options())?;
    Ok(Outcome { matched: report.samples > 0 && report.label_found, notes: report.notes })
}
