//! `traces-tool hist [PATTERN]`: how many samples have each value, the
//! histogram `grep PATTERN | sort -n -r | uniq -c` tries to be, with exact
//! values, every sample counted once, and leaf and caller samples apart.

use std::io::Write;

use clap::Args;

pub use crate::analysis::hist::{Buckets, HistSort};

use crate::analysis::hist::{hist, HistOptions, HistReport, HistRow, JSON_FIELDS};
use crate::cmd::{formats, Format, InputArgs, Outcome, TEXT_CSV_JSON};
use crate::error::Result;
use crate::matcher::PatternOptions;
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, write_csv};
use crate::output::sheet::Kind;
use crate::output::text::Out;
use crate::units::percentage;

/// Count of samples per value (or per label value), largest value first.
///
/// With PATTERN, only samples with a frame matching it count, split into
/// those where a matching function is the leaf and those where it is only
/// a caller. Without PATTERN every sample counts, with role `all`.
///
/// Rows also carry their sum, share and freed objects: see [`HIST_HELP`].
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct HistArgs {
    /// Regular expression matched against function names. To count every
    /// sample of a file, give `--all` (or an empty PATTERN, `''`). A lone
    /// argument that names an existing file is that FILE (`hist
    /// traces.txt` is `hist --all traces.txt`), with or without a terminal;
    /// to search standard input for it as a pattern, add `-`.
    pub pattern: Option<String>,
    /// Count every sample; the first positional argument is then a FILE.
    #[arg(long)]
    pub all: bool,
    /// Histogram the values of this label (e.g. `bytes`) instead of the
    /// sample value.
    #[arg(long, value_name = "KEY")]
    pub by: Option<String>,
    /// Group numeric values into ranges.
    #[arg(long, value_enum, default_value_t)]
    pub buckets: Buckets,
    /// Row order: by `key` (the value or bucket, largest first; text
    /// values of a label A to Z), by `count` (most samples first) or by
    /// `value` (largest sum first). The bars show each row's sum.
    #[arg(long, value_enum, default_value_t)]
    pub sort: HistSort,
    /// How PATTERN is read (`-F`, `-i`).
    #[command(flatten)]
    pub pattern_options: PatternOptions,
    /// Output format.
    #[arg(long, value_parser = formats(TEXT_CSV_JSON), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// The weights, freed objects and CSV columns, shown by `--help` before
/// the JSON schema.
pub const HIST_HELP: &str = "\
Each row (and each log2 bucket) also gives its weight: the sum of the
sample values in it and their share of the total of the counted
samples (with `--by`, a sample with several values of the label counts
in each of their rows). On `inuse_space` and `inuse_objects` reports, a
sample of value 0 is an allocation site whose objects were all freed:
the note column says so (`freed`, or how many of the row's samples).

CSV columns: value (exact, base unit; the low end of a log2 bucket;
empty for text), unit, value_text, role, count, sum (base unit),
sum_max_error (bound of pprof's rounding), share (percent of the total),
exact (false when pprof rounded a value in the row), freed (samples of
value 0 on inuse reports), note, sum_unit (the unit of sum: that of the
sample values, which differs from unit with `--by`).";

/// The text above, then the JSON schema.
fn after_long_help() -> String {
    format!("{HIST_HELP}\n\n{JSON_SCHEMA}")
}

/// Runs the command.
pub fn run(args: &HistArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let mut args = args.clone();
    // `hist traces.txt` means the file, not a pattern to search standard
    // input for, whether standard input is a terminal or not: the same
    // command line does the same thing in a script.
    let lone_file = args.input.files.is_empty()
        && args.pattern.as_deref().is_some_and(|p| std::path::Path::new(p).is_file());
    if args.all || lone_file {
        if let Some(p) = args.pattern.take() {
            args.input.files.insert(0, p);
        }
    }
    if args.format == Format::Ndjson {
        return Err(crate::output::json::ndjson_unsupported("hist"));
    }
    let options = HistOptions {
        pattern: args.pattern.clone(),
        pattern_options: args.pattern_options,
        by: args.by.clone(),
        buckets: args.buckets,
        sort: args.sort,
    };
    let report = hist(&args.input.inputs(), &options)?;
    match args.format {
        Format::Text => write_text(out, &report, &args)?,
        Format::Csv => {
            let mut shared = serde_json::Map::new();
            shared.insert("sum_unit".into(), report.value_units.unit_name().into());
            write_csv(out, &CSV_COLUMNS, shared, &report.rows, args.input.sheet_options())?;
        }
        Format::Json | Format::Ndjson => write_json(out, &report, &args)?,
    }
    Ok(Outcome { matched: report.samples > 0 && report.label_found, notes: report.notes })
}

fn write_text(out: &mut dyn Write, report: &HistReport, args: &HistArgs) -> Result<()> {
    const BAR: usize = 40;
    let rows = &report.rows;
    let value_units = &report.value_units;
    // The bar shows the row's weight, the sum of its values (its count is
    // the first column): eight samples of 5MB are not one of 658MB.
    let weight = |r: &HistRow| r.sum.0.unsigned_abs();
    let max = rows.iter().map(weight).max().unwrap_or(1).max(1);
    let sums: Vec<String> = rows.iter().map(|r| value_units.format(r.sum.0)).collect();
    let width = rows.iter().map(|r| r.value_text.chars().count()).max().unwrap_or(0).max(5);
    let count_width = rows.iter().map(|r| r.count).max().unwrap_or(1).to_string().len().max(5);
    let sum_width = sums.iter().map(|l| l.chars().count()).max().unwrap_or(0).max(3);
    let shares: Vec<String> =
        rows.iter().map(|r| percentage(r.sum.0, report.total.0).trim().to_owned()).collect();
    let share_width = shares.iter().map(String::len).max().unwrap_or(0).max(6);
    let what = args.by.as_deref().unwrap_or("value");
    writeln!(
        out,
        "{:>count_width$}  {:>width$}  {:<6}  {:>sum_width$}  {:>share_width$}",
        "count", what, "role", "sum", "share"
    )?;
    let bar_len = |row: &HistRow| (weight(row) * BAR as u128).div_ceil(max) as usize;
    // Notes line up after the longest bar of the table.
    let bar_width = rows.iter().map(bar_len).max().unwrap_or(0);
    for ((row, sum), share) in rows.iter().zip(&sums).zip(&shares) {
        let line = format!(
            "{:>count_width$}  {:>width$}  {:<6}  {:>sum_width$}  {:>share_width$}  \
             {:<bar_width$}  {}",
            row.count,
            row.value_text,
            row.role.as_str(),
            sum,
            share,
            "#".repeat(bar_len(row)),
            row.note.as_deref().unwrap_or_default(),
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out, "{} samples, {} in all", report.samples, value_units.format(report.total.0))?;
    if rows.iter().any(|r| r.freed > 0) {
        writeln!(out, "freed: samples of value 0, whose objects were all freed")?;
    }
    Ok(())
}

/// The columns of `--format csv`.
pub const CSV_COLUMNS: [(&str, Kind); 12] = [
    ("value", Kind::Number),
    ("unit", Kind::Text),
    ("value_text", Kind::Text),
    ("role", Kind::Text),
    ("count", Kind::Number),
    ("sum", Kind::Number),
    ("sum_max_error", Kind::Number),
    ("share", Kind::Number),
    ("exact", Kind::Bool),
    ("freed", Kind::Number),
    ("note", Kind::Text),
    ("sum_unit", Kind::Text),
];

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"pattern\": str|null, \"by\": str|null (the label, or null for the sample value),
   \"buckets\": \"exact\"|\"log2\", \"sort\": \"key\"|\"count\"|\"value\",
   \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str (of the rows' values),
   \"sum_unit\": str (of the sample values summed), \"samples\": int,
   \"total\": number (sum of the counted samples' values), \"rows\": [ROW, ...]}
  ROW: {\"kind\": \"amount\"|\"text\"|\"missing\", \"value\": number|null (exact, base
   unit; the low end of a log2 bucket; null for text and missing labels),
   \"value_text\": str (as printed, or the bucket's range), \"role\":
   \"leaf\"|\"caller\"|\"all\", \"count\": int, \"sum\": number (of the sample
   values), \"sum_max_error\": number, \"share_percent\": number|null (of the
   total), \"exact\": bool, \"freed\": int (samples of value 0 on inuse_*
   reports: objects all freed), \"note\": str|null}";

fn write_json(out: &mut dyn Write, report: &HistReport, args: &HistArgs) -> Result<()> {
    use serde_json::Value;
    let pattern = args.pattern.as_deref().filter(|p| !p.is_empty());
    let sort = match args.sort {
        HistSort::Key => "key",
        HistSort::Count => "count",
        HistSort::Value => "value",
    };
    let doc = object([
        ("pattern", pattern.map_or(Value::Null, Value::from)),
        ("by", args.by.as_deref().map_or(Value::Null, Value::from)),
        ("buckets", if args.buckets == Buckets::Log2 { "log2" } else { "exact" }.into()),
        ("sort", sort.into()),
        ("unit", report.units.unit_name().into()),
        ("sum_unit", report.value_units.unit_name().into()),
        ("samples", report.samples.into()),
        ("total", amount(report.total.0)),
        ("rows", Value::Array(json_rows(&report.rows, Some(&JSON_FIELDS))?)),
    ]);
    write_document(out, &doc)
}
