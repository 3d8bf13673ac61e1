//! `traces-tool hist [PATTERN]`: how many samples have each value, the
//! histogram `grep PATTERN | sort -n -r | uniq -c` tries to be, with exact
//! values, every sample counted once, and leaf and caller samples apart.

use std::collections::BTreeMap;
use std::io::Write;

use clap::{Args, ValueEnum};

use crate::cmd::{formats, scan, Format, InputArgs, Outcome, UnitContext, TEXT_CSV_JSON};
use crate::error::Result;
use crate::matcher::{NameMatcher, PatternOptions};
use crate::output::sheet::{bool_cell, Kind, Sheet};
use crate::record::{Names, Record};
use crate::units::{centi_to_decimal, parse_value, percentage, Dimension};

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
    /// Row order: by `key` (the value or bucket, largest first), by `count`
    /// (most samples first) or by `value` (largest sum first).
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

/// How values are grouped.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Buckets {
    /// One row per distinct exact value.
    #[default]
    Exact,
    /// Power-of-two ranges of the base unit: [1kB, 2kB), [2kB, 4kB), ...
    Log2,
}

/// The order of the rows.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HistSort {
    /// By the value (or bucket, or label value), largest first.
    #[default]
    Key,
    /// By the number of samples, most first.
    Count,
    /// By the sum of the sample values, largest first.
    Value,
}

/// A histogram key: numbers sort by exact amount, text by itself.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// No such label on the sample.
    Missing,
    /// A label value that is not a number.
    Text(String),
    /// An exact amount, or the low end of a log2 bucket, in hundredths.
    Amount(i128),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Leaf,
    Caller,
    All,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Leaf => "leaf",
            Role::Caller => "caller",
            Role::All => "all",
        }
    }
}

/// One row: how many samples, their sum, and the text first seen for the
/// value.
struct Row {
    count: u64,
    text: String,
    /// Sum of the sample values, hundredths of the base unit.
    sum: i128,
    /// Bound of pprof's rounding of `sum`.
    error: i128,
    /// Samples of value 0.
    zeros: u64,
}

impl Row {
    /// On an `inuse_*` report: the samples of value 0 are freed objects.
    fn freed(&self, inuse: bool) -> u64 {
        if inuse {
            self.zeros
        } else {
            0
        }
    }

    /// What the table says of the freed samples: `freed` when all are.
    fn note(&self, inuse: bool) -> String {
        match self.freed(inuse) {
            0 => String::new(),
            n if n == self.count => "freed".to_owned(),
            n => format!("{n} freed"),
        }
    }
}

/// What the writers need besides the rows.
struct Totals {
    /// Samples counted.
    samples: u64,
    /// Sum of their values (each sample once).
    total: i128,
    /// Whether the report is `inuse_*`: zero values are freed objects.
    inuse: bool,
    /// How sample values print.
    value_units: UnitContext,
}

/// Runs the command.
pub fn run(args: &HistArgs, out: &mut dyn Write) -> Result<Outcome> {
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
    let pattern = args.pattern.as_deref().filter(|p| !p.is_empty());
    let options = args.pattern_options;
    let mut matcher = pattern.map(|p| NameMatcher::new(p, options, "pattern")).transpose()?;
    // Only samples with a matching frame count: read search-first.
    args.input.prefilter = matcher.as_ref().and_then(NameMatcher::prefilter);
    let mut names = Names::new();
    let mut rows: BTreeMap<(Key, Role), Row> = BTreeMap::new();
    let mut units = UnitContext::default();
    let mut label_units = UnitContext::default();
    let mut samples = 0u64;
    let (mut total, mut inuse) = (0i128, false);
    let notes = scan(&args.input.inputs(), &mut names, |src, rec, names| {
        units.learn(src, rec);
        inuse |= src.header().sample_type().is_some_and(|t| t.starts_with("inuse_"));
        let role = match &mut matcher {
            None => Role::All,
            Some(m) => match rec.frames.iter().position(|f| m.is_match(f.name, names)) {
                None => return Ok(()),
                Some(0) => Role::Leaf,
                Some(_) => Role::Caller,
            },
        };
        samples += 1;
        total += rec.value.centi;
        for (key, text) in keys(&args, rec, &mut label_units) {
            let row = rows.entry((key, role)).or_insert_with(|| Row {
                count: 0,
                text,
                sum: 0,
                error: 0,
                zeros: 0,
            });
            row.count += 1;
            row.sum += rec.value.centi;
            row.error += rec.value.max_error_centi();
            row.zeros += u64::from(rec.value.centi == 0);
        }
        Ok(())
    })?;

    let shown_units = if args.by.is_some() { &label_units } else { &units };
    // Largest value first; for one value, leaf before caller.
    let ordered: Vec<(&(Key, Role), &Row)> = {
        let mut v: Vec<_> = rows.iter().collect();
        v.sort_by(|(a, ra), (b, rb)| {
            let by_key = b.0.cmp(&a.0).then(a.1.cmp(&b.1));
            match args.sort {
                HistSort::Key => by_key,
                HistSort::Count => rb.count.cmp(&ra.count).then(by_key),
                HistSort::Value => rb.sum.cmp(&ra.sum).then(by_key),
            }
        });
        v
    };
    let totals = Totals { samples, total, inuse, value_units: units.clone() };
    match args.format {
        Format::Text => write_text(out, &ordered, &totals, &args, shown_units)?,
        Format::Csv => write_csv(out, &ordered, &totals, &args, shown_units)?,
        Format::Json => write_json(out, &ordered, &totals, &args, shown_units)?,
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("hist")),
    }
    let mut outcome = Outcome { matched: samples > 0, notes };
    if samples == 0 {
        outcome.notes.push(match pattern {
            Some(p) => format!("no frame matches {p:?}"),
            None => "no samples".to_owned(),
        });
    }
    Ok(outcome)
}

/// The histogram keys of one sample, with the text to show for each.
fn keys(args: &HistArgs, rec: &Record, label_units: &mut UnitContext) -> Vec<(Key, String)> {
    let Some(label) = &args.by else {
        return vec![bucket(args.buckets, rec.value.centi, rec.value_text())];
    };
    let Some(values) = rec.label(label) else {
        return vec![(Key::Missing, "(no label)".to_owned())];
    };
    // A numeric label holds one or more values (`bytes:  1.50kB 2kB`).
    let parsed: Option<Vec<_>> = values
        .split(' ')
        .map(|v| parse_value(v).ok().filter(|p| p.dim != Dimension::Other).map(|p| (p, v)))
        .collect();
    match parsed {
        Some(list) if !values.is_empty() => list
            .into_iter()
            .map(|(p, text)| {
                if label_units.dim.is_none() && p.dim != Dimension::Zero {
                    label_units.dim = Some(p.dim);
                }
                bucket(args.buckets, p.centi, text)
            })
            .collect(),
        _ => vec![(Key::Text(values.to_owned()), values.to_owned())],
    }
}

/// The key of an amount: itself, or the low end of its power-of-two range
/// (negative amounts mirror the positive ranges).
fn bucket(buckets: Buckets, centi: i128, text: &str) -> (Key, String) {
    match buckets {
        Buckets::Exact => (Key::Amount(centi), text.to_owned()),
        Buckets::Log2 => {
            let base_units = centi.unsigned_abs() / 100;
            if base_units == 0 {
                return (Key::Amount(0), String::new());
            }
            let low = 1u128 << (127 - base_units.leading_zeros());
            let low = low as i128 * 100;
            (Key::Amount(if centi < 0 { -low } else { low }), String::new())
        }
    }
}

/// The text of a row's value: as printed, or the range of a bucket.
fn row_label(key: &Key, row: &Row, buckets: Buckets, units: &UnitContext) -> String {
    match key {
        Key::Missing | Key::Text(_) => row.text.clone(),
        Key::Amount(centi) if buckets == Buckets::Exact => {
            if row.text.is_empty() {
                units.format(*centi)
            } else {
                row.text.clone()
            }
        }
        Key::Amount(0) => "0".to_owned(),
        Key::Amount(low) if *low > 0 => {
            format!("[{}, {})", units.format(*low), units.format(low * 2))
        }
        Key::Amount(low) => format!("({}, {}]", units.format(low * 2), units.format(*low)),
    }
}

/// The share of the total in percent, as a plain number (empty for a
/// total of 0).
fn share(sum: i128, total: i128) -> String {
    if total == 0 {
        String::new()
    } else {
        format!("{:.4}", sum as f64 / total as f64 * 100.0)
    }
}

fn write_text(
    out: &mut dyn Write,
    rows: &[(&(Key, Role), &Row)],
    totals: &Totals,
    args: &HistArgs,
    units: &UnitContext,
) -> Result<()> {
    const BAR: usize = 40;
    // The bar shows what the rows are sorted by: the count, or the sum.
    let weight = |r: &Row| match args.sort {
        HistSort::Value => r.sum.unsigned_abs(),
        HistSort::Key | HistSort::Count => u128::from(r.count),
    };
    let max = rows.iter().map(|(_, r)| weight(r)).max().unwrap_or(1).max(1);
    let labels: Vec<String> =
        rows.iter().map(|((k, _), r)| row_label(k, r, args.buckets, units)).collect();
    let sums: Vec<String> = rows.iter().map(|(_, r)| totals.value_units.format(r.sum)).collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0).max(5);
    let count_width = rows.iter().map(|(_, r)| r.count).max().unwrap_or(1).to_string().len().max(5);
    let sum_width = sums.iter().map(|l| l.chars().count()).max().unwrap_or(0).max(3);
    let shares: Vec<String> =
        rows.iter().map(|(_, r)| percentage(r.sum, totals.total).trim().to_owned()).collect();
    let share_width = shares.iter().map(String::len).max().unwrap_or(0).max(6);
    let what = args.by.as_deref().unwrap_or("value");
    writeln!(
        out,
        "{:>count_width$}  {:>width$}  {:<6}  {:>sum_width$}  {:>share_width$}",
        "count", what, "role", "sum", "share"
    )?;
    let bar_len = |row: &Row| (weight(row) * BAR as u128).div_ceil(max) as usize;
    // Notes line up after the longest bar of the table.
    let bar_width = rows.iter().map(|(_, r)| bar_len(r)).max().unwrap_or(0);
    for (((((_, role), row), label), sum), share) in
        rows.iter().zip(&labels).zip(&sums).zip(&shares)
    {
        let note = row.note(totals.inuse);
        let line = format!(
            "{:>count_width$}  {:>width$}  {:<6}  {:>sum_width$}  {:>share_width$}  \
             {:<bar_width$}  {}",
            row.count,
            label,
            role.as_str(),
            sum,
            share,
            "#".repeat(bar_len(row)),
            note,
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(
        out,
        "{} samples, {} in all",
        totals.samples,
        totals.value_units.format(totals.total)
    )?;
    if totals.inuse && rows.iter().any(|(_, r)| r.zeros > 0) {
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

fn write_csv(
    out: &mut dyn Write,
    rows: &[(&(Key, Role), &Row)],
    totals: &Totals,
    args: &HistArgs,
    units: &UnitContext,
) -> Result<()> {
    let mut w = Sheet::new(out, CSV_COLUMNS, args.input.sheet_options());
    for ((key, role), row) in rows {
        let (value, unit) = match key {
            Key::Amount(c) => (centi_to_decimal(*c), units.unit_name().to_owned()),
            Key::Text(_) | Key::Missing => (String::new(), "text".to_owned()),
        };
        let text = row_label(key, row, args.buckets, units);
        w.row([
            value.as_str(),
            &unit,
            &text,
            role.as_str(),
            &row.count.to_string(),
            &centi_to_decimal(row.sum),
            &centi_to_decimal(row.error),
            &share(row.sum, totals.total),
            bool_cell(row.error == 0),
            &row.freed(totals.inuse).to_string(),
            &row.note(totals.inuse),
            totals.value_units.unit_name(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

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

fn write_json(
    out: &mut dyn Write,
    rows: &[(&(Key, Role), &Row)],
    totals: &Totals,
    args: &HistArgs,
    units: &UnitContext,
) -> Result<()> {
    use crate::output::json::{amount, object, write_document};
    use serde_json::Value;
    let list: Vec<Value> = rows
        .iter()
        .map(|((key, role), row)| {
            let (kind, value) = match key {
                Key::Amount(c) => ("amount", amount(*c)),
                Key::Text(_) => ("text", Value::Null),
                Key::Missing => ("missing", Value::Null),
            };
            let share = share(row.sum, totals.total);
            let note = row.note(totals.inuse);
            object([
                ("kind", kind.into()),
                ("value", value),
                ("value_text", row_label(key, row, args.buckets, units).into()),
                ("role", role.as_str().into()),
                ("count", row.count.into()),
                ("sum", amount(row.sum)),
                ("sum_max_error", amount(row.error)),
                (
                    "share_percent",
                    if share.is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_str(&share).unwrap_or(Value::Null)
                    },
                ),
                ("exact", (row.error == 0).into()),
                ("freed", row.freed(totals.inuse).into()),
                ("note", if note.is_empty() { Value::Null } else { note.into() }),
            ])
        })
        .collect();
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
        ("unit", units.unit_name().into()),
        ("sum_unit", totals.value_units.unit_name().into()),
        ("samples", totals.samples.into()),
        ("total", amount(totals.total)),
        ("rows", Value::Array(list)),
    ]);
    write_document(out, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_buckets() {
        assert_eq!(bucket(Buckets::Log2, 1536 * 100, "").0, Key::Amount(1024 * 100));
        assert_eq!(bucket(Buckets::Log2, 1024 * 100, "").0, Key::Amount(1024 * 100));
        assert_eq!(bucket(Buckets::Log2, 1023 * 100, "").0, Key::Amount(512 * 100));
        assert_eq!(bucket(Buckets::Log2, -3 * 100, "").0, Key::Amount(-2 * 100));
        assert_eq!(bucket(Buckets::Log2, 0, "").0, Key::Amount(0));
    }

    #[test]
    fn keys_order_amounts_above_text() {
        let mut keys = vec![Key::Amount(5), Key::Missing, Key::Text("a".into()), Key::Amount(-1)];
        keys.sort();
        assert_eq!(keys, [Key::Missing, Key::Text("a".into()), Key::Amount(-1), Key::Amount(5)]);
    }
}
