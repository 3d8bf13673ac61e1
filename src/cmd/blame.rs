//! `traces-tool blame`: charges each sample to the first frame, from the
//! leaf toward the root, that belongs to the application rather than to the
//! Go runtime, the standard library or a third-party module. Samples with no
//! application frame are grouped by their outermost non-runtime frame, with
//! a plain-words note for server roots such as `net/http.(*conn).serve`.
//! The analysis is [`traces_tool::analysis::blame`]; its view
//! [`traces_tool::output::views::blame`] writes it.

use clap::Args;

use super::{formats, row_limit, Format, InputArgs, Outcome};
use traces_tool::analysis::blame::{blame, BlameOptions, BlameReport};
use traces_tool::error::Result;
use traces_tool::output::text::Out;
use traces_tool::output::views::{self, emit, View};

/// Charge each sample to the first application frame from the leaf.
///
/// The application is `main` plus the module most non-standard frames
/// belong to (e.g. `github.com/heketi/heketi`), unless `--app` says
/// otherwise. Runtime, standard-library, vendored and other modules' frames
/// are looked through.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = views::blame::JSON_SCHEMA)]
pub struct BlameArgs {
    /// Regular expression of application frames (repeatable); replaces the
    /// guess. `main.` functions always count as application code.
    #[arg(long, value_name = "REGEX")]
    pub app: Vec<String>,
    /// Regular expression of third-party frames to look through even when
    /// they sit inside the application's module path (repeatable). Paths
    /// with `/vendor/` are looked through anyway.
    #[arg(long, value_name = "REGEX")]
    pub vendor: Vec<String>,
    /// Rows to show (0: all); default 10 in text, every row in csv and json
    /// unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Leaves to list under each row.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub leaves: usize,
    /// Output format.
    #[arg(long, value_parser = formats(<BlameReport as View>::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &BlameArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let options = BlameOptions {
        app: args.app.clone(),
        vendor: args.vendor.clone(),
        top: row_limit(args.top, args.format, 10),
        leaves: args.leaves,
    };
    let report = blame(&args.input.inputs(), &options)?;
    emit(&report, args.format, out, args.input.sheet_options())?;
    let mut notes = report.notes;
    if report.rows.is_empty() {
        notes.push("no samples with a value".to_owned());
    }
    Ok(Outcome { matched: !report.rows.is_empty(), notes })
}
