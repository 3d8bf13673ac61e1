//! `traces-tool fleet FILE...`: the same profile from many inputs side by
//! side (a fleet's pods): per function, in how many inputs it occurs, its
//! minimum, median, maximum and sum, and which inputs are outliers; and
//! each input's total, to find the odd one out.

use clap::Args;

use super::{formats, row_limit, Format, InputArgs, Outcome};
use traces_tool::analysis::fleet::{fleet, FleetOptions};
use traces_tool::analysis::trend::SeriesKey;
use traces_tool::error::{Error, Result};
use traces_tool::output::text::Out;
use traces_tool::output::views::fleet::FleetView;
use traces_tool::output::views::{self, emit, View};

/// The same profile from many inputs, side by side: the odd one out.
///
/// Give one profile per pod (or run) of one service, of one sample type.
/// Each row is a function (`--by stack`: a stack; `--by LABEL`: a label
/// value) with the number of inputs it occurs in, its minimum, median and
/// maximum over every input (0 where absent) and its sum, and the inputs
/// whose value is more than `--factor` times the median: the outliers.
/// Rows with outliers come first, the farthest above the median first.
/// Above the rows, each input's total, and the inputs whose total is an
/// outlier. The inputs are read once, in parallel; memory grows with the
/// functions, not the samples, so a thousand inputs fit in one run.
///
/// To see one input's samples by name in other commands, give them a label
/// from their path: `--input-label 'pod=heap-(.*)\.pb\.gz'`, then `hist
/// --by pod`, `top --tagfocus pod=api-4`.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct FleetArgs {
    /// What a row is kept for: `function` (the leaf's value; with `--cum`
    /// every function on the stack), `stack` (folded, root first), or a
    /// label key.
    #[arg(long, value_name = "function|stack|LABEL", default_value = "function")]
    pub by: String,
    /// With `--by function`: every function on the stack counts (cum).
    #[arg(long)]
    pub cum: bool,
    /// An input is an outlier when its value is more than X times the
    /// median over the inputs.
    #[arg(long, value_name = "X", default_value_t = 3.0)]
    pub factor: f64,
    /// Rows to show: default 20 for text, every row for csv and json; 0
    /// for all.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Output format.
    #[arg(long, value_parser = formats(<FleetView as View>::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// The CSV columns, then the JSON schema.
fn after_long_help() -> String {
    format!("{}\n\n{}", views::fleet::FLEET_HELP, views::fleet::JSON_SCHEMA)
}

/// Runs the command.
pub fn run(args: &FleetArgs, out: &mut Out<'_>) -> Result<Outcome> {
    if !(args.factor > 0.0 && args.factor.is_finite()) {
        return Err(Error::Usage(format!("--factor {}: expected a number above 0", args.factor)));
    }
    let by = match args.by.as_str() {
        "function" => SeriesKey::Function,
        "stack" => SeriesKey::Stack,
        "" => return Err(Error::Usage("--by: expected function, stack or a label key".into())),
        label => SeriesKey::Label(label.to_owned()),
    };
    if args.cum && by != SeriesKey::Function {
        return Err(Error::Usage("--cum goes with --by function only".into()));
    }
    let options = FleetOptions { by, cum: args.cum, factor: args.factor };
    let mut report = fleet(&args.input.inputs(), &options)?;
    let matched = !report.rows.is_empty();
    let limit = row_limit(args.top, args.format, 20);
    if limit > 0 {
        report.rows.truncate(limit);
    }
    let view = FleetView { report: &report, by: &args.by, cum: args.cum };
    emit(&view, args.format, out, args.input.sheet_options())?;
    Ok(Outcome { matched, notes: report.notes })
}
