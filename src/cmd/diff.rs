//! `traces-tool diff BEFORE AFTER`: what grew between two snapshots of one
//! program, per function (flat and cum), per leaf, or per merged stack. A
//! single report printed with pprof's `-diff_base` works too: its base
//! samples (label `pprof::base: true`, negated values) are the "before".
//! Per-function changes equal `go tool pprof -top -diff_base` to the unit on
//! exact reports.

use clap::Args;

use super::{formats, row_limit, Format, InputArgs, Outcome};
pub use traces_tool::analysis::diff::DiffBy;
use traces_tool::analysis::diff::{diff, diff_base, DiffOptions, DiffReport};
use traces_tool::analysis::graph::Granularity;
use traces_tool::error::{Error, Result};
use traces_tool::output::text::Out;
use traces_tool::output::views::{self, emit, View};
use traces_tool::units::parse_user_value;

/// Growth between two reports (or within one `-diff_base` report).
///
/// Give BEFORE and AFTER, two traces reports of the same program taken at
/// different times; or one report printed with `go tool pprof -traces
/// -diff_base=BEFORE AFTER`. Rows are sorted by growth, largest first.
/// BEFORE and AFTER must hold one sample type (`Type:`) in one dimension:
/// print both with the same `-sample_index=`, or pass the binary profiles
/// with --sample-index.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = views::diff::JSON_SCHEMA)]
pub struct DiffArgs {
    /// What a row is.
    #[arg(long, value_enum, default_value_t)]
    pub by: DiffBy,
    /// Sort functions by the change of cum instead of flat.
    #[arg(long)]
    pub cum: bool,
    /// Rows to show (0: all); default 20 in text, every row in csv and json
    /// unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Only rows that grew by at least VALUE (e.g. `1MB`, `10ms`).
    #[arg(long = "min-growth", value_name = "VALUE")]
    pub min_growth: Option<String>,
    /// Aggregate frames by function, file or line (see `top`).
    #[arg(long, value_enum, default_value_t)]
    pub granularity: Granularity,
    /// Output format.
    #[arg(long, value_parser = formats(<DiffReport as View>::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &DiffArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let min_growth = match &args.min_growth {
        None => None,
        Some(text) => Some(parse_user_value(text).ok_or_else(|| {
            Error::Usage(format!("invalid --min-growth {text:?}: expected a value such as 1MB"))
        })?),
    };
    let options = DiffOptions {
        by: args.by,
        cum: args.cum,
        top: row_limit(args.top, args.format, 20),
        min_growth: min_growth.map(|m| m.centi),
        granularity: args.granularity,
    };
    let inputs = args.input.inputs();
    let report = match args.input.files.as_slice() {
        [one] => diff_base(&inputs.with_files(vec![one.clone()]), &options)?,
        [b, a] => diff(
            &inputs.with_files(vec![b.clone()]),
            &inputs.with_files(vec![a.clone()]),
            &options,
        )?,
        _ => {
            return Err(Error::Usage(
                "diff takes BEFORE AFTER, or one report printed with -diff_base".to_owned(),
            ))
        }
    };
    emit(&report, args.format, out, args.input.sheet_options())?;
    let mut notes = report.notes;
    if report.rows.is_empty() {
        notes.push("no function changed".to_owned());
    }
    Ok(Outcome { matched: !report.rows.is_empty(), notes })
}
