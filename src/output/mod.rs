//! The output layer: the rows of every command through one writer
//! ([`rows`]) into CSV ([`sheet`] writes its cells), JSON with exact numbers
//! ([`json`]) and NDJSON; traces text as pprof prints it ([`traces`]); SVG
//! flame graphs ([`flamegraph`]); the SVG line chart of `trend`
//! ([`trend_chart`]); long lists of goroutine ids in short ([`ids`]);
//! Parquet tables of samples ([`parquet`]).

mod capture;
pub mod flamegraph;
pub mod ids;
pub mod json;
pub mod legend;
pub mod parquet;
pub mod rows;
pub mod sheet;
pub mod text;
pub mod traces;
pub mod trend_chart;
pub mod views;

/// Output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// Aligned text for a terminal.
    #[default]
    Text,
    /// CSV with a header row; numbers in base units (bytes, nanoseconds).
    Csv,
    /// One JSON document (schema in the command's `--help` and in
    /// docs/json.md); amounts are exact JSON numbers in base units, with
    /// the text pprof printed beside them.
    Json,
    /// Newline-delimited JSON: one object per row, for the commands whose
    /// rows stream (csv, grep, stacks).
    Ndjson,
}
