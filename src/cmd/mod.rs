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
pub mod fleet;
pub mod folded;
pub mod goroutines;
pub mod grep;
pub mod hist;
pub mod man;
pub mod peek;
pub mod stacks;
pub mod summary;
pub mod top;
pub mod trend;

use clap::{Args, ValueEnum};

pub use traces_tool::analysis::scan::Inputs;
pub use traces_tool::output::Format;

use traces_tool::analysis::filter::FilterOptions;
use traces_tool::output::sheet::SheetOptions;
use traces_tool::read::input_label::InputLabel;
use traces_tool::read::paste::PasteMode;
use traces_tool::read::traces::ReaderOptions;
use traces_tool::read::SourceOptions;

/// What a command found, for the exit status and stderr.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// False when nothing matched (exit status 1, like grep).
    pub matched: bool,
    /// Lines for stderr: why nothing matched, what a lenient read skipped.
    pub notes: Vec<String>,
}

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
    /// Put a label on every sample of each input, so that a fleet's (or a
    /// series') inputs can be told apart: `KEY` takes the input's path as
    /// given, `KEY=REGEX` the first capture group of REGEX in the path
    /// (e.g. `pod=heap-(.*)\.pb\.gz`). Then `hist --by KEY`, `--tagfocus
    /// KEY=...` and the labels of `csv`, `export` and JSON see it. May be
    /// given more than once.
    #[arg(long, global = true, value_name = "KEY[=REGEX]", value_parser = clap::value_parser!(InputLabel))]
    pub input_label: Vec<InputLabel>,
    /// pprof\'s filters.
    #[command(flatten)]
    pub filters: FilterOptions,
    /// CSV output: write text cells as they are. By default a text cell a
    /// spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab,
    /// carriage return), read as a number or date (`1e3`, `2024-10-09`), or
    /// that starts with `'`, gets a leading `'` (OWASP's advice against
    /// CSV injection); numeric columns are never changed.
    #[arg(long, global = true)]
    pub csv_raw_text: bool,
    /// Who hears of the reading of large files (the binary's progress bar;
    /// set by the binary, not an option).
    #[arg(skip)]
    pub progress: Option<traces_tool::read::input::Progress>,
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
    /// The inputs, how to read them and the filters, for the analyses.
    pub fn inputs(&self) -> Inputs {
        Inputs {
            files: self.files.clone(),
            read: self.reader_options(),
            filters: self.filters.clone(),
        }
    }

    /// How CSV output writes text cells (`--csv-raw-text`).
    pub fn sheet_options(&self) -> SheetOptions {
        SheetOptions { raw_text: self.csv_raw_text }
    }

    /// How to open the inputs: lenient or not, `--sample-index`, pasted
    /// text repaired or refused. The search-first prefilter of `grep` and
    /// `hist` and the source positions a granularity needs are set by the
    /// analyses themselves.
    pub fn reader_options(&self) -> SourceOptions {
        SourceOptions {
            reader: ReaderOptions { lenient: self.lenient, ..ReaderOptions::default() },
            sample_index: self.sample_index.clone(),
            paste: if self.strict { PasteMode::Refuse } else { PasteMode::Repair },
            frame_lines: false,
            progress: self.progress.clone(),
            input_labels: self.input_label.clone(),
        }
    }
}
