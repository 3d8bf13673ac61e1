//! `traces-tool top`: per-function flat and cum from the text alone, laid
//! out as `go tool pprof -top` prints them. On exact reports (printed with
//! `-unit=b`/`-unit=ns`, and count profiles) the output is pprof's, byte
//! for byte; on rounded reports each number carries its rounding bound.

use super::{formats, Format, InputArgs, Outcome};
use clap::Args;
use traces_tool::analysis::graph::Granularity;
use traces_tool::analysis::top::{top, TopOptions, TopReport};
use traces_tool::error::Result;
use traces_tool::output::text::Out;
use traces_tool::output::views::{self, emit, View};

/// Per-function flat and cum, as pprof's `top` computes them.
///
/// flat: value of the samples where the function is the leaf; cum: of the
/// samples it appears in, once per sample even under recursion; inlined
/// functions are nodes of their own. Percentages are of pprof's total: all
/// samples before filtering (under `-diff_base`, the base samples).
#[derive(Args, Clone, Debug)]
#[command(after_long_help = views::top::JSON_SCHEMA)]
pub struct TopArgs {
    /// Sort by cum instead of flat.
    #[arg(long)]
    pub cum: bool,
    /// Show at most N nodes (0: all).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub nodecount: usize,
    /// Drop nodes whose cum is below this fraction of the total (pprof's
    /// default).
    #[arg(long, value_name = "F", default_value_t = 0.005)]
    pub nodefraction: f64,
    /// Drop edges below this fraction (it decides the `(inline)` tags).
    #[arg(long, value_name = "F", default_value_t = 0.001)]
    pub edgefraction: f64,
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
    /// Output format.
    #[arg(long, value_parser = formats(<TopReport as View>::FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

impl TopArgs {
    /// The analysis' options.
    pub fn options(&self) -> TopOptions {
        TopOptions {
            cum: self.cum,
            node_count: self.nodecount,
            node_fraction: self.nodefraction,
            edge_fraction: self.edgefraction,
            granularity: self.granularity,
            unit: self.unit.clone(),
        }
    }
}

/// Runs the command.
pub fn run(args: &TopArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let report = top(&args.input.inputs(), &args.options())?;
    emit(&report, args.format, out, args.input.sheet_options())?;
    Ok(Outcome { matched: !report.rows.is_empty(), notes: report.notes })
}
