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

use crate::analysis::filter::{Filter, FilterArgs};
use crate::error::{Error, Result};
use crate::matcher::Prefilter;
use crate::output::sheet::SheetOptions;
use crate::read::paste::PasteMode;
use crate::read::traces::ReaderOptions;
use crate::read::{self, SourceInfo, SourceOptions};
use crate::record::{Names, Record};
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

/// The formats of a command that writes text, CSV and JSON.
pub const TEXT_CSV_JSON: &[Format] = &[Format::Text, Format::Csv, Format::Json];

/// The formats of a command whose rows stream: also NDJSON.
pub const ALL_FORMATS: &[Format] = &[Format::Text, Format::Csv, Format::Json, Format::Ndjson];

/// A `--format` value parser that accepts only the formats a command writes,
/// so that its `--help` lists those and clap refuses the others.
pub fn formats(allowed: &'static [Format]) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(allowed.iter().filter_map(ValueEnum::to_possible_value))
        .map(|name| Format::from_str(&name, false).expect("a possible value is a format"))
}

/// The rows a `--top N` keeps, 0 for all: N when given (`--top 0`: all),
/// else `default` for text and every row for the machine formats (csv,
/// json, ndjson), which carry every row unless a limit is asked for.
pub fn row_limit(top: Option<usize>, format: Format, default: usize) -> usize {
    match top {
        Some(n) => n,
        None if format == Format::Text => default,
        None => 0,
    }
}

/// Input options shared by every command.
#[derive(Args, Clone, Debug, Default)]
pub struct InputArgs {
    /// Inputs, plain or gzipped, told apart by content: traces reports
    /// (`go tool pprof -traces` output), `-raw` text, binary pprof
    /// profiles (`heap.pb.gz`, what /debug/pprof/ serves), `?debug=1` text
    /// profiles, or goroutine dumps (`goroutine?debug=2`, a panic's
    /// output); `-` or none reads standard input. Several inputs must be
    /// of one sample type (`Type:`, or --sample-index for profiles): they
    /// are added up.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// Skip malformed blocks instead of stopping at the first one; how many
    /// were skipped, and why, is reported on stderr.
    #[arg(long, global = true)]
    pub lenient: bool,
    /// Refuse pasted or captured text that needs a repair (exit status 2,
    /// at its first damaged line). Without it, text copied from an issue,
    /// a chat or a terminal is repaired: leading whitespace re-derived, a
    /// cut-off last block closed, elided frames marked `...`, prompts,
    /// fences, quote markers and annotations dropped; each kind of repair
    /// is reported on stderr with its count and first line.
    #[arg(long, global = true)]
    pub strict: bool,
    /// The value to read from binary profiles and `-raw` text, as pprof's
    /// `-sample_index`: a sample type (`alloc_space`; `inuse_` may be left
    /// out) or its 0-based index. Default: the profile's default type, else
    /// its last (`inuse_space` for heap profiles).
    #[arg(long, value_name = "NAME|N", value_parser = SampleIndexParser, hide_possible_values = true)]
    pub sample_index: Option<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// CSV output: write text cells as they are. By default a text cell a
    /// spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab,
    /// carriage return), read as a number or date (`1e3`, `2024-10-09`), or
    /// that starts with `'`, gets a leading `'` (OWASP's advice against
    /// CSV injection); numeric columns are never changed.
    #[arg(long, global = true)]
    pub csv_raw_text: bool,
    /// Search-first reading for commands that keep only samples matching a
    /// pattern (set by `grep` and `hist`, not an option).
    #[arg(skip)]
    pub prefilter: Option<Prefilter>,
    /// Source positions in the frames of `?debug=1` profiles and goroutine
    /// dumps (set by the commands' `--granularity lines|files`, not an
    /// option).
    #[arg(skip)]
    pub frame_lines: bool,
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
    /// How CSV output writes text cells (`--csv-raw-text`).
    pub fn sheet_options(&self) -> SheetOptions {
        SheetOptions { raw_text: self.csv_raw_text }
    }

    /// How to open the inputs: lenient or not, `--sample-index`, and the
    /// search-first prefilter of `grep` and `hist`.
    pub fn reader_options(&self) -> SourceOptions {
        SourceOptions {
            reader: ReaderOptions { lenient: self.lenient, prefilter: self.prefilter.clone() },
            sample_index: self.sample_index.clone(),
            paste: if self.strict { PasteMode::Refuse } else { PasteMode::Repair },
            frame_lines: self.frame_lines,
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
    pub fn learn(&mut self, source: &SourceInfo, rec: &Record) {
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

/// What the values of one input measure: its sample type (`Type:`, or the
/// `--sample-index` of a binary profile) and its dimension, as far as they
/// are known. Inputs that measure different things are neither added up
/// nor compared: heap bytes are not CPU nanoseconds, and `alloc_space` is
/// not `inuse_space` though both are bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    /// The input's name.
    pub file: String,
    /// The sample type, if the input says (`inuse_space`).
    pub sample_type: Option<String>,
    /// The dimension (`bytes`, `nanoseconds`, `count` or an unknown unit's
    /// name), if a value or the sample type says.
    pub dimension: Option<String>,
}

impl Measure {
    /// What `rec`, the first record read from `src`, and its header say.
    pub fn of(src: &SourceInfo, rec: &Record) -> Measure {
        let dimension = match rec.value.dim {
            Dimension::Zero => src.header().dimension().map(|d| d.name().to_owned()),
            Dimension::Other => Some(unit_suffix(rec.value_text()).to_owned()),
            d => Some(d.name().to_owned()),
        };
        Measure {
            file: src.name().to_owned(),
            sample_type: src.header().sample_type().map(str::to_owned),
            dimension,
        }
    }

    /// Refuses `other` unless it measures what `self` does; `verb` says
    /// what would be done with them (`added up`, `compared`).
    pub fn check(&self, other: &Measure, verb: &str) -> Result<()> {
        let differ =
            |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
        if !differ(&self.sample_type, &other.sample_type)
            && !differ(&self.dimension, &other.dimension)
        {
            return Ok(());
        }
        let what = |m: &Measure| match (&m.sample_type, &m.dimension) {
            (Some(t), Some(d)) => format!("{t} values ({d})"),
            (Some(t), None) => format!("{t} values"),
            (None, Some(d)) => format!("values in {d}"),
            (None, None) => "values".to_owned(),
        };
        let index = self.sample_type.as_deref().or(other.sample_type.as_deref()).unwrap_or("TYPE");
        Err(Error::Usage(format!(
            "{} holds {} but {} holds {}: they cannot be {verb}. Give reports of one \
             sample type: print each with `go tool pprof -traces -sample_index={index} \
             PROFILE`, or pass the binary profiles with --sample-index {index}",
            self.file,
            what(self),
            other.file,
            what(other)
        )))
    }
}

/// Checks that every input of a command measures what the first one does
/// ([`Measure`]): shown the first record of each input.
#[derive(Debug, Default)]
struct SameMeasure {
    first: Option<Measure>,
    /// True until the current input's first record was seen.
    fresh: bool,
}

impl SameMeasure {
    fn new() -> SameMeasure {
        SameMeasure { first: None, fresh: true }
    }

    fn see(&mut self, src: &SourceInfo, rec: &Record) -> Result<()> {
        if !self.fresh {
            return Ok(());
        }
        self.fresh = false;
        let measure = Measure::of(src, rec);
        match &self.first {
            Some(first) => first.check(&measure, "added up"),
            None => {
                self.first = Some(measure);
                Ok(())
            }
        }
    }
}

/// Reads every input, applies the filters, and hands each kept record to
/// `visit`. Returns the notes on what lenient reading skipped. Inputs that
/// measure different things (another sample type or dimension) are refused.
pub fn scan(
    input: &InputArgs,
    names: &mut Names,
    visit: impl FnMut(&SourceInfo, &mut Record, &Names) -> Result<()>,
) -> Result<Vec<String>> {
    scan_with(input, names, |_, _| {}, visit)
}

/// Like [`scan`], but also shows every record to `before` ahead of the
/// filters (pprof takes its total before filtering).
pub fn scan_with(
    input: &InputArgs,
    names: &mut Names,
    mut before: impl FnMut(&SourceInfo, &Record),
    mut visit: impl FnMut(&SourceInfo, &mut Record, &Names) -> Result<()>,
) -> Result<Vec<String>> {
    let mut filter = Filter::new(&input.filters)?;
    let mut notes = Vec::new();
    let same = std::cell::RefCell::new(SameMeasure::new());
    read::for_each_record(
        &input.files,
        input.reader_options(),
        names,
        |src, rec, names| {
            same.borrow_mut().see(src, rec)?;
            before(src, rec);
            if filter.keep(rec, names) {
                visit(src, rec, names)?;
            }
            Ok(())
        },
        |src| {
            same.borrow_mut().fresh = true;
            notes.extend(skipped_notes(src));
            Ok(())
        },
    )?;
    Ok(notes)
}

/// One stderr line per kind of repair made to a pasted input, then one per
/// kind of block a lenient read skipped, then the reader's own notes.
pub fn skipped_notes(src: &SourceInfo) -> Vec<String> {
    let repairs = src.repairs().iter().map(|r| format!("{}: {}", src.name(), r.message()));
    let skipped = src.skipped().iter().map(|s| {
        format!(
            "{}: skipped {} malformed block{} of kind {} (first at line {}: {})",
            src.name(),
            s.count,
            if s.count == 1 { "" } else { "s" },
            s.kind,
            s.first_line,
            s.first_message
        )
    });
    repairs.chain(skipped).chain(src.notes().iter().cloned()).collect()
}
