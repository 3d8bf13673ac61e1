//! `traces-tool csv`: one row per sample (or per frame with `--frames`),
//! values as exact numbers in the base unit, for spreadsheets and scripts.

use clap::Args;

use super::{formats, Format, InputArgs, Outcome};
use traces_tool::analysis::csv::{samples, CsvOptions};
use traces_tool::error::Result;
use traces_tool::output::text::Out;
use traces_tool::output::views::{self, csv::SamplesView};

/// Samples as CSV records; the columns are described in
/// [`views::csv::CSV_HELP`].
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct CsvArgs {
    /// One row per frame instead of one per sample.
    #[arg(long)]
    pub frames: bool,
    /// Output format: `csv`, `json` (one document) or `ndjson` (one object
    /// per row); see the JSON schema below.
    #[arg(long, value_parser = formats(views::csv::FORMATS), default_value = "csv")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// The columns, then the JSON schema.
fn after_long_help() -> String {
    format!("{}\n\n{}", views::csv::CSV_HELP, views::csv::JSON_SCHEMA)
}

/// Runs the command.
pub fn run(args: &CsvArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let options = CsvOptions { frames: args.frames, label_columns: args.format == Format::Csv };
    let mut view = SamplesView::new(args.format, args.frames, args.input.sheet_options(), out)?;
    let summary = samples(&args.input.inputs(), &options, |row| view.row(&row))?;
    view.finish(&summary.labels)?;
    Ok(Outcome { matched: summary.samples > 0, notes: summary.notes })
}
