//! `traces-tool hist [PATTERN]`: how many samples have each value, the
//! histogram `grep PATTERN | sort -n -r | uniq -c` tries to be, with exact
//! values, every sample counted once, and leaf and caller samples apart.

use std::collections::BTreeMap;
use std::io::Write;

use clap::{Args, ValueEnum};

use crate::cmd::{formats, scan, Format, InputArgs, Outcome, UnitContext, TEXT_CSV_JSON};
use crate::error::Result;
use crate::matcher::{NameMatcher, PatternOptions};
use crate::record::{Names, Record};
use crate::units::{centi_to_decimal, parse_value, Dimension};

/// Count of samples per value (or per label value), largest value first.
///
/// With PATTERN, only samples with a frame matching it count, split into
/// those where a matching function is the leaf and those where it is only
/// a caller. Without PATTERN every sample counts, with role `all`.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
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
    #[command(flatten)]
    pub pattern_options: PatternOptions,
    /// Output format.
    #[arg(long, value_parser = formats(TEXT_CSV_JSON), default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub input: InputArgs,
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

/// One row: how many samples, and the text first seen for the value.
struct Row {
    count: u64,
    text: String,
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
    let notes = scan(&args.input, &mut names, |src, rec, names| {
        units.learn(src, rec);
        let role = match &mut matcher {
            None => Role::All,
            Some(m) => match rec.frames.iter().position(|f| m.is_match(f.name, names)) {
                None => return Ok(()),
                Some(0) => Role::Leaf,
                Some(_) => Role::Caller,
            },
        };
        samples += 1;
        for (key, text) in keys(&args, rec, &mut label_units) {
            let row = rows.entry((key, role)).or_insert_with(|| Row { count: 0, text });
            row.count += 1;
        }
        Ok(())
    })?;

    let shown_units = if args.by.is_some() { &label_units } else { &units };
    // Largest value first; for one value, leaf before caller.
    let ordered: Vec<(&(Key, Role), &Row)> = {
        let mut v: Vec<_> = rows.iter().collect();
        v.sort_by(|(a, _), (b, _)| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        v
    };
    match args.format {
        Format::Text => write_text(out, &ordered, samples, &args, shown_units)?,
        Format::Csv => write_csv(out, &ordered, &args, shown_units)?,
        Format::Json => write_json(out, &ordered, samples, &args, shown_units)?,
        Format::Ndjson => return Err(crate::json::ndjson_unsupported("hist")),
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

fn write_text(
    out: &mut dyn Write,
    rows: &[(&(Key, Role), &Row)],
    samples: u64,
    args: &HistArgs,
    units: &UnitContext,
) -> Result<()> {
    const BAR: usize = 40;
    let max = rows.iter().map(|(_, r)| r.count).max().unwrap_or(1);
    let labels: Vec<String> =
        rows.iter().map(|((k, _), r)| row_label(k, r, args.buckets, units)).collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0).max(5);
    let count_width = max.to_string().len().max(5);
    let what = args.by.as_deref().unwrap_or("value");
    writeln!(out, "{:>count_width$}  {:>width$}  {:<6}", "count", what, "role")?;
    for (((_, role), row), label) in rows.iter().zip(&labels) {
        let bar_len = ((row.count as u128 * BAR as u128).div_ceil(max as u128)) as usize;
        writeln!(
            out,
            "{:>count_width$}  {:>width$}  {:<6}  {}",
            row.count,
            label,
            role.as_str(),
            "#".repeat(bar_len)
        )?;
    }
    writeln!(out, "{samples} samples")?;
    Ok(())
}

fn write_csv(
    out: &mut dyn Write,
    rows: &[(&(Key, Role), &Row)],
    args: &HistArgs,
    units: &UnitContext,
) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["value", "unit", "value_text", "role", "count"])?;
    for ((key, role), row) in rows {
        let (value, unit) = match key {
            Key::Amount(c) => (centi_to_decimal(*c), units.unit_name().to_owned()),
            Key::Text(_) | Key::Missing => (String::new(), "text".to_owned()),
        };
        let text = row_label(key, row, args.buckets, units);
        w.write_record([value.as_str(), &unit, &text, role.as_str(), &row.count.to_string()])?;
    }
    w.flush()?;
    Ok(())
}

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"pattern\": str|null, \"by\": str|null (the label, or null for the sample value),
   \"buckets\": \"exact\"|\"log2\", \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str,
   \"samples\": int, \"rows\": [ROW, ...]}   (largest value first)
  ROW: {\"kind\": \"amount\"|\"text\"|\"missing\", \"value\": number|null (exact, base
   unit; the low end of a log2 bucket; null for text and missing labels),
   \"value_text\": str (as printed, or the bucket's range), \"role\":
   \"leaf\"|\"caller\"|\"all\", \"count\": int}";

fn write_json(
    out: &mut dyn Write,
    rows: &[(&(Key, Role), &Row)],
    samples: u64,
    args: &HistArgs,
    units: &UnitContext,
) -> Result<()> {
    use crate::json::{amount, object, write_document};
    use serde_json::Value;
    let list: Vec<Value> = rows
        .iter()
        .map(|((key, role), row)| {
            let (kind, value) = match key {
                Key::Amount(c) => ("amount", amount(*c)),
                Key::Text(_) => ("text", Value::Null),
                Key::Missing => ("missing", Value::Null),
            };
            object([
                ("kind", kind.into()),
                ("value", value),
                ("value_text", row_label(key, row, args.buckets, units).into()),
                ("role", role.as_str().into()),
                ("count", row.count.into()),
            ])
        })
        .collect();
    let pattern = args.pattern.as_deref().filter(|p| !p.is_empty());
    let doc = object([
        ("pattern", pattern.map_or(Value::Null, Value::from)),
        ("by", args.by.as_deref().map_or(Value::Null, Value::from)),
        ("buckets", if args.buckets == Buckets::Log2 { "log2" } else { "exact" }.into()),
        ("unit", units.unit_name().into()),
        ("samples", samples.into()),
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
