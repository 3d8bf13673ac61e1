//! `traces-tool peek REGEX`: for every function whose name matches, its
//! callers and callees with the weight of each edge, laid out as
//! `go tool pprof -peek REGEX` prints them (pprof's `printTree`). peek does
//! not trim the graph: every node and every edge is kept. On exact reports
//! (printed with `-unit=b`/`-unit=ns`, and count profiles) the output is
//! pprof's, byte for byte; on rounded reports each value carries its
//! rounding bound.

use clap::Args;

use super::{formats, Format, InputArgs, Outcome};
use traces_tool::analysis::graph::Granularity;
use traces_tool::analysis::peek::{peek, PeekOptions, PeekReport};
use traces_tool::error::Result;
use traces_tool::output::text::Out;
use traces_tool::output::views::{self, emit, View};

/// Callers and callees of the functions matching REGEX, as pprof's `peek`.
///
/// For each matching function (in pprof's order: by flat, or by cum with
/// `--cum`): its callers with the weight of each call edge, its own flat
/// and cum, then its callees. An edge's percentage is of the function's
/// cum. Recursive calls of a function to itself are not edges. Percentages
/// of flat and cum are of pprof's total: all samples before filtering
/// (under `-diff_base`, the base samples).
#[derive(Args, Clone, Debug)]
#[command(after_long_help = views::peek::JSON_SCHEMA)]
pub struct PeekArgs {
    /// Regular expression matched against function names (unanchored, as
    /// pprof's -peek).
    #[arg(value_name = "REGEX")]
    pub regex: String,
    /// Order the functions by cum instead of flat (pprof's -cum).
    #[arg(long)]
    pub cum: bool,
    /// Aggregate frames by function, file or line (files and lines need a
    /// report printed with `-lines`).
    #[arg(long, value_enum, default_value_t)]
    pub granularity: Granularity,
    /// Output unit: `minimum` (pprof's default: one unit chosen for the
    /// report), `auto` (each value scaled), or a unit such as `b`, `mb`,
    /// `ns`, `ms`. Default: the unit the report was printed with if it was
    /// fixed (`-unit=b`), else `minimum`.
    #[arg(long, value_name = "UNIT")]
    pub unit: Option<String>,
    /// Output format. CSV has one row per caller edge, per function
    /// (`self`, weight = flat) and per callee edge, in base units, with
    /// the function's cum and the rounding bound of the row (on `self`
    /// rows, of cum, which bounds flat too).
    #[arg(long, value_parser = formats(<PeekReport as View>::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

impl PeekArgs {
    /// The analysis' options.
    pub fn options(&self) -> PeekOptions {
        PeekOptions {
            regex: self.regex.clone(),
            cum: self.cum,
            granularity: self.granularity,
            unit: self.unit.clone(),
        }
    }
}

/// Runs the command.
pub fn run(args: &PeekArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let report = peek(&args.input.inputs(), &args.options())?;
    if report.functions.is_empty() {
        // pprof prints nothing but the error.
        return Ok(Outcome { matched: false, notes: report.notes });
    }
    emit(&report, args.format, out, args.input.sheet_options())?;
    Ok(Outcome { matched: true, notes: report.notes })
}
