//! The commands of the `traces-tool` binary, one module each. Every module
//! has an `Args` (clap derive) and a `run(&Args, &mut dyn Write)` that
//! writes its output and returns an [`Outcome`]; the binary turns that into
//! an exit status and prints the notes on stderr.

pub mod blame;
pub mod cat;
pub mod completions;
pub mod csv;
pub mod diff;
pub mod export;
pub mod facts;
pub mod flamegraph;
pub mod folded;
pub mod grep;
pub mod hist;
pub mod man;
pub mod peek;
pub mod stacks;
pub mod summary;
pub mod top;

use clap::{Args, ValueEnum};

use crate::error::Result;
use crate::filter::{Filter, FilterArgs};
use crate::matcher::Prefilter;
use crate::parse::ReaderOptions;
use crate::record::{Names, Record};
use crate::source::{self, RecordSource, SourceOptions};
use crate::units::{format_centi, unit_suffix, Dimension};

/// What a command found, for the exit status and stderr.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// False when nothing matched (exit status 1, like grep).
    pub matched: bool,
    /// Lines for stderr: why nothing matched, what a lenient read skipped.
    pub notes: Vec<String>,
}

/// Output formats.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// Input options shared by every command.
#[derive(Args, Clone, Debug, Default)]
pub struct InputArgs {
    /// Inputs, plain or gzipped, told apart by content: traces reports
    /// (`go tool pprof -traces` output), `-raw` text, or binary pprof
    /// profiles (`heap.pb.gz`, what /debug/pprof/ serves); `-` or none
    /// reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// Skip malformed blocks instead of stopping at the first one; how many
    /// were skipped, and why, is reported on stderr.
    #[arg(long, global = true)]
    pub lenient: bool,
    /// The value to read from binary profiles and `-raw` text, as pprof's
    /// `-sample_index`: a sample type (`alloc_space`; `inuse_` may be left
    /// out) or its 0-based index. Default: the profile's default type, else
    /// its last (`inuse_space` for heap profiles).
    #[arg(long, value_name = "NAME|N", value_parser = SampleIndexParser, hide_possible_values = true)]
    pub sample_index: Option<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Search-first reading for commands that keep only samples matching a
    /// pattern (set by `grep` and `hist`, not an option).
    #[arg(skip)]
    pub prefilter: Option<Prefilter>,
}

/// The sample type names Go's runtime writes, offered by shell completion
/// for `--sample-index` (any other name or an index is accepted as well).
pub const SAMPLE_TYPE_NAMES: &[&str] = &[
    "inuse_space",
    "inuse_objects",
    "alloc_space",
    "alloc_objects",
    "space",
    "objects",
    "samples",
    "cpu",
    "contentions",
    "delay",
    "goroutine",
    "threadcreate",
];

/// Accepts any `--sample-index` text, and tells shell completion the usual
/// names ([`SAMPLE_TYPE_NAMES`]).
#[derive(Clone, Copy, Debug)]
struct SampleIndexParser;

impl clap::builder::TypedValueParser for SampleIndexParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(SAMPLE_TYPE_NAMES.iter().map(clap::builder::PossibleValue::new)))
    }
}

impl InputArgs {
    /// How to open the inputs: lenient or not, `--sample-index`, and the
    /// search-first prefilter of `grep` and `hist`.
    pub fn reader_options(&self) -> SourceOptions {
        SourceOptions {
            reader: ReaderOptions { lenient: self.lenient, prefilter: self.prefilter.clone() },
            sample_index: self.sample_index.clone(),
        }
    }
}

/// How to print amounts: the dimension of the values read, and the name of
/// an unknown `-unit` suffix.
#[derive(Clone, Debug, Default)]
pub struct UnitContext {
    /// Bytes, nanoseconds or a count; `Zero` until a value says.
    pub dim: Option<Dimension>,
    /// The suffix of `Other` values (`megabytes`).
    pub other: String,
}

impl UnitContext {
    /// Learns from a record (and its source's header for bare zeros).
    pub fn learn(&mut self, source: &dyn RecordSource, rec: &Record) {
        if self.dim.is_none() || self.dim == Some(Dimension::Zero) {
            let dim = match rec.value.dim {
                Dimension::Zero => source.dimension(),
                d => d,
            };
            self.dim = Some(dim);
        }
        if rec.value.dim == Dimension::Other && self.other.is_empty() {
            self.other = unit_suffix(rec.value_text()).to_owned();
        }
    }

    /// The dimension, a count if nothing said otherwise.
    pub fn dimension(&self) -> Dimension {
        self.dim.unwrap_or(Dimension::Count)
    }

    /// pprof-style text of an amount (`49.51MB`).
    pub fn format(&self, centi: i128) -> String {
        format_centi(centi, self.dimension(), &self.other)
    }

    /// The unit column of CSV output: `bytes`, `nanoseconds`, `count`, or
    /// the unknown unit's name.
    pub fn unit_name(&self) -> &str {
        match self.dimension() {
            Dimension::Other => &self.other,
            d => d.name(),
        }
    }

    /// `±0.04MB`-style bound text for a sum of rounding errors, or empty.
    pub fn bound(&self, centi: i128) -> String {
        if centi == 0 {
            String::new()
        } else {
            format!(" ±{}", self.format(centi))
        }
    }
}

/// Reads every input, applies the filters, and hands each kept record to
/// `visit`. Returns the notes on what lenient reading skipped.
pub fn scan(
    input: &InputArgs,
    names: &mut Names,
    visit: impl FnMut(&dyn RecordSource, &mut Record, &Names) -> Result<()>,
) -> Result<Vec<String>> {
    scan_with(input, names, |_, _| {}, visit)
}

/// Like [`scan`], but also shows every record to `before` ahead of the
/// filters (pprof takes its total before filtering).
pub fn scan_with(
    input: &InputArgs,
    names: &mut Names,
    mut before: impl FnMut(&dyn RecordSource, &Record),
    mut visit: impl FnMut(&dyn RecordSource, &mut Record, &Names) -> Result<()>,
) -> Result<Vec<String>> {
    let mut filter = Filter::new(&input.filters)?;
    let mut notes = Vec::new();
    source::for_each_record(
        &input.files,
        input.reader_options(),
        names,
        |src, rec, names| {
            before(src, rec);
            if filter.keep(rec, names) {
                visit(src, rec, names)?;
            }
            Ok(())
        },
        |src| {
            notes.extend(skipped_notes(src));
            Ok(())
        },
    )?;
    Ok(notes)
}

/// One stderr line per kind of block a lenient read skipped.
pub fn skipped_notes(src: &dyn RecordSource) -> Vec<String> {
    src.skipped()
        .iter()
        .map(|s| {
            format!(
                "{}: skipped {} malformed block{} of kind {} (first at line {}: {})",
                src.name(),
                s.count,
                if s.count == 1 { "" } else { "s" },
                s.kind,
                s.first_line,
                s.first_message
            )
        })
        .collect()
}
