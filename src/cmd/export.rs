//! `traces-tool export --to pprof -o out.pb.gz`: the pprof profile
//! [`crate::analysis::export`] rebuilds from a traces report, encoded by
//! prost and gzipped, so that `go tool pprof` and every tool that reads
//! pprof profiles can read it again.

use std::io::Write;

use clap::{Args, ValueEnum};
use flate2::write::GzEncoder;
use flate2::Compression;
use prost::Message;

use crate::analysis::export::export;
use crate::cmd::{InputArgs, Outcome};
use crate::error::{Error, Result};

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
#[derive(Args, Clone, Debug)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long = "to", value_enum, default_value_t)]
    pub to: ExportFormat,
    /// Output file (`-` for standard output, which must not be a terminal).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: String,
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
pub fn run(args: &ExportArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ExportFormat::Pprof = args.to;
    let report = export(&args.input.inputs())?;
    let mut notes = report.notes;
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&report.profile.encode_to_vec())?;
    let compressed = gz.finish()?;
    if args.to_stdout() {
        out.write_all(&compressed)?;
    } else {
        std::fs::write(&args.output, &compressed)
            .map_err(|source| Error::Io { path: args.output.clone(), source })?;
    }
    if report.samples == 0 {
        notes.push("no samples: the profile is empty".to_owned());
    }
    Ok(Outcome { matched: report.samples > 0, notes })
}
