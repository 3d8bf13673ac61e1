//! `traces-tool export --to pprof -o out.pb.gz`: the pprof profile
//! [`traces_tool::analysis::export`] rebuilds from a traces report, encoded by
//! prost and gzipped, so that `go tool pprof` and every tool that reads
//! pprof profiles can read it again. `--to parquet`: the samples of every
//! input as a Parquet table ([`traces_tool::analysis::table`] reads them,
//! [`traces_tool::output::parquet`] writes them as they come).

use std::io::Write;

use clap::{Args, ValueEnum};

use super::{InputArgs, Outcome};
use traces_tool::analysis::export::write_export;
use traces_tool::analysis::table::samples;
use traces_tool::error::{Error, Result};
use traces_tool::output::parquet::{ParquetOptions, ParquetWriter, Table};
use traces_tool::output::text::Out;

/// Convert a traces report into another tool's format.
///
/// `--to pprof` writes a gzipped pprof profile (profile.proto): one sample
/// per block, inlined frames folded into the location of their caller (so
/// `(inline)` survives), labels with units (`bytes: 352B`) as numeric
/// labels, the header's `Type:` as the sample type with its unit, and its
/// `File:`, `Build ID:`, `Time:` and `Duration:` where pprof keeps them.
/// `go tool pprof -traces` of the export prints the report again; values
/// pprof had rounded (`21.01MB`) are exported as the nearest whole number
/// that prints the same, and a note on stderr says so.
///
/// What the text does not hold is not invented: the period is 0, the
/// mapping has no address range, and locations have no addresses unless
/// the report was printed with `-addresses`.
///
/// `--to parquet` writes every sample of every input as a row of an Apache
/// Parquet table, for DuckDB, Polars, Spark, Trino or BigQuery: the input's
/// name, its time and sample type, the unit, the value (exact, in the base
/// unit, DECIMAL(18,2)), the labels (a map) and the stack (a list of
/// frames, leaf first, with file and line where the input has them); with
/// `--frames`, one row per frame. Written in row groups as the inputs are
/// read, in bounded memory. The schema and example SQL are in
/// docs/parquet.md.
#[derive(Args, Clone, Debug)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long = "to", value_enum, default_value_t)]
    pub to: ExportFormat,
    /// Output file (`-` for standard output, which must not be a terminal).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: String,
    /// `--to parquet`: one row per frame of every sample instead of one
    /// per sample.
    #[arg(long)]
    pub frames: bool,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Formats `export` writes.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExportFormat {
    /// A gzipped pprof profile (profile.proto), as `go tool pprof` reads.
    #[default]
    Pprof,
    /// An Apache Parquet table of the samples (docs/parquet.md).
    Parquet,
}

/// What `export` says when its binary profile would go to a terminal. The
/// binary asks the terminal question, before running.
pub const TERMINAL_REFUSAL: &str =
    "export: refusing to write a binary profile to a terminal; give -o FILE";

impl ExportArgs {
    /// True when the profile goes to standard output (`-o -`).
    pub fn to_stdout(&self) -> bool {
        self.output == "-"
    }
}

/// Runs the command.
pub fn run(args: &ExportArgs, out: &mut Out<'_>) -> Result<Outcome> {
    match args.to {
        ExportFormat::Pprof if args.frames => {
            return Err(Error::Usage("export: --frames is for --to parquet".to_owned()))
        }
        ExportFormat::Pprof => {}
        ExportFormat::Parquet => return run_parquet(args, out),
    }
    // The gzipped profile is streamed out sample by sample.
    let report = if args.to_stdout() {
        write_export(&args.input.inputs(), out)?
    } else {
        let path = &args.output;
        to_file(path, |file| write_export(&args.input.inputs(), file))?
    };
    let mut notes = report.notes;
    if report.samples == 0 {
        notes.push("no samples: the profile is empty".to_owned());
    }
    Ok(Outcome { matched: report.samples > 0, notes })
}

/// `--to parquet`: the samples streamed into a Parquet file. A file left
/// incomplete by an error is removed.
fn run_parquet(args: &ExportArgs, out: &mut dyn Write) -> Result<Outcome> {
    let table = if args.frames { Table::Frames } else { Table::Samples };
    let options = ParquetOptions { table, ..ParquetOptions::default() };
    if args.to_stdout() {
        return write_parquet(args, out, options);
    }
    to_file(&args.output, |file| write_parquet(args, file, options))
}

/// Writes the file at `path` with `write`; a write error names the file,
/// and a regular file this call created is removed when writing fails
/// (never a device such as `/dev/full`, nor a file that was there before).
fn to_file<T>(path: &str, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    let existed = std::path::Path::new(path).exists();
    let named = |source| Error::Io { path: path.to_owned(), source };
    let file = std::fs::File::create(path).map_err(named)?;
    let mut file = std::io::BufWriter::new(file);
    let written = write(&mut file).and_then(|t| {
        file.flush().map_err(named)?;
        Ok(t)
    });
    let written = written.map_err(|e| match e {
        Error::Output(source) => named(source),
        other => other,
    });
    if written.is_err() && !existed {
        let regular = std::fs::metadata(path).map(|m| m.is_file()).unwrap_or(false);
        if regular {
            // Best effort: the error said what went wrong.
            let _ = std::fs::remove_file(path);
        }
    }
    written
}

/// Reads the inputs into `out` as Parquet.
fn write_parquet(
    args: &ExportArgs,
    out: &mut dyn Write,
    options: ParquetOptions,
) -> Result<Outcome> {
    let mut writer = ParquetWriter::new(out, options)?;
    let summary = samples(&args.input.inputs(), |s| writer.write(&s))?;
    writer.finish()?;
    let mut notes = summary.notes;
    if args.frames && summary.without_frames > 0 {
        notes.push(format!(
            "{} sample{} without frames: no row in the frames table",
            summary.without_frames,
            if summary.without_frames == 1 { "" } else { "s" }
        ));
    }
    Ok(Outcome { matched: summary.samples > 0, notes })
}
