//! `traces-tool trend SNAPSHOT...`: the series of each function (stack,
//! label value) across snapshots of one sample type, judged (`growing`,
//! `transient`, ...) and ranked by growth; text with a compact series per
//! row, CSV in long or wide form, JSON, or an SVG chart of the top series.

use clap::{Args, ValueEnum};

use super::{row_limit, Format, InputArgs, Outcome};
use traces_tool::analysis::trend::{trend, SeriesKey, SnapshotOrder, TrendOptions};
use traces_tool::error::{Error, Result};
use traces_tool::output::text::Out;
use traces_tool::output::views::trend::TrendView;
use traces_tool::output::views::{self, emit};

/// The formats of `trend`: text, CSV, JSON, and an SVG chart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum TrendFormat {
    /// Aligned text, a compact series per row.
    #[default]
    Text,
    /// CSV: one row per key and snapshot (long form), or with `--wide`
    /// one row per key with a column per snapshot.
    Csv,
    /// One JSON document.
    Json,
    /// An SVG chart of the top series over time, with axes, units and a
    /// legend.
    Svg,
}

/// The series of each function across snapshots, growth first.
///
/// Give the same profile taken at different times (`heap-1.pb.gz
/// heap-2.pb.gz ...`, or their `-traces` text), of one sample type. Each
/// row is a function (`--by stack`: a stack; `--by LABEL`: a label value)
/// with its value in every snapshot, the change first to last, the growth
/// per hour by least squares with how well a line fits (R²), and a verdict:
/// `growing` (rose in every interval, within the tolerance), `shrinking`,
/// `stable`, `transient` (rose, then fell back), `varying`, `new` (absent
/// from the first snapshot), `gone` (absent from the last). Rows are ranked
/// by growth, the leak first.
///
/// Snapshots are put in time order: a binary profile's own time (to the
/// nanosecond), else the report's `Time:` line (to the minute); when a time
/// is missing or two are the same, in the order given, and growth is per
/// snapshot. `inuse_*` values are levels; `alloc_*` (and mutex and block)
/// values are running totals since the program started, so their slope is
/// a rate: the output says so.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct TrendArgs {
    /// What a series is kept for: `function` (the leaf's value; with
    /// `--cum` every function on the stack), `stack` (each distinct stack,
    /// folded root first), or a label key (each of its values).
    #[arg(long, value_name = "function|stack|LABEL", default_value = "function")]
    pub by: String,
    /// With `--by function`: every function on the stack counts a sample
    /// (cum), not only the leaf (flat).
    #[arg(long)]
    pub cum: bool,
    /// The order of the snapshots: `time` (when every snapshot has a time
    /// and no two are the same, else as given) or `given`.
    #[arg(long, value_enum, default_value = "time")]
    pub order: OrderArg,
    /// An interval counts as a rise or a fall only when it moves by more
    /// than PCT percent of the series' largest value.
    #[arg(long, value_name = "PCT", default_value_t = 5.0)]
    pub tolerance: f64,
    /// Rows (or, with `--format svg`, series drawn) to show: default 20
    /// for text, 8 for svg, every row for csv and json; 0 for all.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TrendFormat,
    /// CSV: one row per key with a column per snapshot, instead of one
    /// row per key and snapshot.
    #[arg(long)]
    pub wide: bool,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `--order`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OrderArg {
    /// By each snapshot's time.
    #[default]
    Time,
    /// As given.
    Given,
}

/// The CSV columns, then the JSON schema.
fn after_long_help() -> String {
    format!("{}\n\n{}", views::trend::TREND_HELP, views::trend::JSON_SCHEMA)
}

/// Runs the command.
pub fn run(args: &TrendArgs, out: &mut Out<'_>) -> Result<Outcome> {
    if !(args.tolerance >= 0.0 && args.tolerance.is_finite()) {
        return Err(Error::Usage(format!(
            "--tolerance {}: expected a percentage of 0 or more",
            args.tolerance
        )));
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
    let options = TrendOptions {
        by,
        cum: args.cum,
        order: match args.order {
            OrderArg::Time => SnapshotOrder::Time,
            OrderArg::Given => SnapshotOrder::Given,
        },
        tolerance_percent: args.tolerance,
    };
    let mut report = trend(&args.input.inputs(), &options)?;
    let matched = !report.rows.is_empty();
    let limit = match args.format {
        TrendFormat::Text => row_limit(args.top, Format::Text, 20),
        TrendFormat::Svg => args.top.unwrap_or(8),
        TrendFormat::Csv | TrendFormat::Json => row_limit(args.top, Format::Csv, 0),
    };
    if limit > 0 {
        report.rows.truncate(limit);
    }
    let view = TrendView { report: &report, by: &args.by, cum: args.cum, wide: args.wide };
    let sheet = args.input.sheet_options();
    match args.format {
        TrendFormat::Text => emit(&view, Format::Text, out, sheet)?,
        TrendFormat::Csv => emit(&view, Format::Csv, out, sheet)?,
        TrendFormat::Json => emit(&view, Format::Json, out, sheet)?,
        TrendFormat::Svg => view.svg(out)?,
    }
    let mut notes = report.notes;
    if let Some(note) = report.order_note {
        notes.push(format!("trend: {note}"));
    }
    Ok(Outcome { matched, notes })
}
