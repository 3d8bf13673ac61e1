//! `traces-tool goroutines [FILE]...`: buckets of similar goroutines from
//! dumps (and goroutine profiles), as panicparse groups them, and across
//! several dumps of one process: counts per dump, growing buckets,
//! long-lived ids and a leak verdict ([`traces_tool::analysis::goroutines`]).

use clap::Args;

pub use traces_tool::analysis::goroutines::{Order, Similarity};

use super::{formats, row_limit, Format, InputArgs, Outcome};
use traces_tool::analysis::goroutines::{
    goroutines, GoroutinesOptions, GoroutinesReport, DEFAULT_IGNORES,
};
use traces_tool::error::{Error, Result};
use traces_tool::output::text::Out;
use traces_tool::output::views::{self, emit, View};

/// Buckets of similar goroutines: what thousands of goroutines are doing,
/// which group is stuck, and, over several dumps, which group grows.
///
/// Reads goroutine dumps (`goroutine?debug=2`, a panic's or SIGQUIT's
/// output, also after a log or behind per-line prefixes) and goroutine
/// profiles (binary or `?debug=1`: counts only). Goroutines share a bucket
/// when their stacks are alike at `--similarity`, and their state, locked
/// flag, labels and creator are the same. With several inputs (dumps of one
/// process over time, in the order given or as `--order` says) each bucket
/// has its count in every input, the ids alive in all of them, and a
/// verdict.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct GoroutinesArgs {
    /// How alike arguments must be: `exact`, `pointers` (panicparse's
    /// default: pointer-like arguments may differ) or `values` (panicparse's
    /// `-aggressive`: any argument may differ).
    #[arg(long, value_enum, default_value_t)]
    pub similarity: Similarity,
    /// Keep buckets whose state matches this regular expression
    /// (`'chan receive|select'`).
    #[arg(long, value_name = "REGEX")]
    pub state: Option<String>,
    /// Keep buckets whose header (`state [N minutes] [locked] [Created by F @
    /// file:line]`, as panicparse's `-m` sees it) or any frame (function or
    /// file:line) matches.
    #[arg(long = "match", short = 'm', value_name = "REGEX")]
    pub matching: Option<String>,
    /// Drop buckets whose header or any frame matches (panicparse's `-f`).
    #[arg(long, short = 'f', value_name = "REGEX")]
    pub exclude: Option<String>,
    /// Several inputs: keep the buckets whose count rose in every interval.
    #[arg(long)]
    pub growing: bool,
    /// Several inputs: keep the buckets judged a leak (growing in every
    /// interval and not known harmless; see the list below).
    #[arg(long)]
    pub leaks: bool,
    /// A function (regular expression) whose goroutines are harmless, added
    /// to the default list; repeatable.
    #[arg(long, value_name = "REGEX")]
    pub harmless: Vec<String>,
    /// Drop the default list of harmless goroutines.
    #[arg(long)]
    pub no_default_harmless: bool,
    /// Regular expression of application frames (marked `>`); default: the
    /// guess `blame` makes.
    #[arg(long, value_name = "REGEX")]
    pub app: Vec<String>,
    /// Show the first N buckets (0: all); default 30 in text, every bucket
    /// in csv and json unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// The order of several inputs: `given`, `time` (the time each carries:
    /// a binary profile's; dumps and `?debug=1` profiles have none) or
    /// `mtime` (the files' modification times).
    #[arg(long, value_enum, default_value_t)]
    pub order: Order,
    /// Output format.
    #[arg(long, value_parser = formats(<GoroutinesReport as View>::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs and how they are read.
    #[command(flatten)]
    pub input: InputArgs,
}

fn after_long_help() -> String {
    let list: Vec<String> =
        DEFAULT_IGNORES.iter().map(|(re, why)| format!("  {why}: {re}")).collect();
    format!(
        "Known harmless (never a leak; `--harmless` adds, `--no-default-harmless` drops; \
         net/http keep-alive connections only while they do not grow; stacks of runtime \
         frames only are harmless too):\n{}\n\n{}",
        list.join("\n"),
        views::goroutines::JSON_SCHEMA
    )
}

/// Runs the command.
pub fn run(args: &GoroutinesArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let active = args.input.filters.active();
    if !active.is_empty() {
        return Err(Error::Usage(format!(
            "goroutines does not apply pprof's filters ({}): use --match, --exclude or --state",
            active.join(", ")
        )));
    }
    let options = GoroutinesOptions {
        similarity: args.similarity,
        state: args.state.clone(),
        matching: args.matching.clone(),
        excluding: args.exclude.clone(),
        growing: args.growing,
        leaks: args.leaks,
        ignore: args.harmless.clone(),
        no_default_ignores: args.no_default_harmless,
        app: args.app.clone(),
        top: row_limit(args.top, args.format, 30),
        order: args.order,
    };
    let report = goroutines(&args.input.files, &args.input.reader_options(), &options)?;
    let mut notes = report.notes.clone();
    if (args.growing || args.leaks) && report.inputs.len() < 2 {
        notes.push("--growing and --leaks need several inputs (dumps taken over time)".into());
    }
    emit(&report, args.format, out, args.input.sheet_options())?;
    if report.buckets.is_empty() {
        notes.push("no bucket to show".to_owned());
    }
    Ok(Outcome { matched: !report.buckets.is_empty(), notes })
}
