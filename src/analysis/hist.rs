//! `hist`: how many samples have each value (or each value of a label),
//! with exact values, every sample counted once, and leaf and caller
//! samples apart. With a pattern the inputs are read search-first.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, Serializer};

use crate::analysis::facts::UnitContext;
use crate::analysis::scan::{scan, Inputs};
use crate::error::Result;
use crate::matcher::{NameMatcher, PatternOptions};
use crate::record::Record;
use crate::units::Amount;
use crate::units::{parse_value, Dimension};

/// How values are grouped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Buckets {
    /// One row per distinct exact value.
    #[default]
    Exact,
    /// Power-of-two ranges of the base unit: [1kB, 2kB), [2kB, 4kB), ...
    Log2,
}

/// The order of the rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum HistSort {
    /// By the value (or bucket), largest first; a label's text values in
    /// alphabetical order after the numbers.
    #[default]
    Key,
    /// By the number of samples, most first.
    Count,
    /// By the sum of the sample values, largest first.
    Value,
}

/// What [`hist`] counts.
#[derive(Clone, Debug, Default)]
pub struct HistOptions {
    /// Count only samples with a frame matching this pattern, as leaf or
    /// caller; `None` (or empty) counts every sample, with role `all`.
    pub pattern: Option<String>,
    /// How `pattern` is read (`-F`, `-i`).
    pub pattern_options: PatternOptions,
    /// Count the values of this label instead of the sample values.
    pub by: Option<String>,
    /// How values are grouped.
    pub buckets: Buckets,
    /// The order of the rows.
    pub sort: HistSort,
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

/// Which samples a row counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Samples where a matching function is the leaf.
    Leaf,
    /// Samples where a matching function is only a caller.
    Caller,
    /// Every sample (no pattern).
    All,
}

impl Role {
    /// `leaf`, `caller` or `all`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leaf => "leaf",
            Role::Caller => "caller",
            Role::All => "all",
        }
    }
}

/// What a row's key is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// An amount, or a log2 bucket.
    Amount,
    /// A label value that is not a number.
    Text,
    /// Samples without the label.
    Missing,
}

/// A part of the total, in percent, with four decimals (`12.5000`, as a
/// JSON number and in CSV); null or empty for a total of 0. Signed: on a
/// `-diff_base` report a row's sum can be negative.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Share(pub Option<f64>);

impl Share {
    /// `sum` of `total`.
    pub fn of(sum: i128, total: i128) -> Share {
        Share((total != 0).then(|| sum as f64 / total as f64 * 100.0))
    }
}

impl Serialize for Share {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            None => serializer.serialize_none(),
            Some(p) => match format!("{p:.4}").parse::<serde_json::Number>() {
                Ok(n) => n.serialize(serializer),
                Err(_) => serializer.serialize_none(),
            },
        }
    }
}

/// One row of the histogram: the JSON `ROW`, with the CSV's `unit` and
/// `share` (the same number as `share_percent`) besides.
#[derive(Clone, Debug, Serialize)]
pub struct HistRow {
    /// What the key is.
    pub kind: KeyKind,
    /// The amount (the low end of a log2 bucket); `None` for text.
    pub value: Option<Amount>,
    /// The unit of `value`: that of the values counted, or `text`.
    pub unit: String,
    /// The value as first printed, or the bucket's range.
    pub value_text: String,
    /// Which samples the row counts.
    pub role: Role,
    /// Samples counted.
    pub count: u64,
    /// Sum of their values (each sample's own value, also with `by`).
    pub sum: Amount,
    /// Bound of pprof's rounding of `sum`.
    pub sum_max_error: Amount,
    /// `sum` in percent of the total (CSV's column).
    pub share: Share,
    /// The same, as JSON names it.
    pub share_percent: Share,
    /// False when pprof rounded a value in the row.
    pub exact: bool,
    /// Samples of value 0 on `inuse_*` reports: objects all freed.
    pub freed: u64,
    /// `freed` when all the row's samples are, `N freed` when some are.
    pub note: Option<String>,
}

/// The fields of a `ROW` in JSON.
pub const JSON_FIELDS: [&str; 11] = [
    "kind",
    "value",
    "value_text",
    "role",
    "count",
    "sum",
    "sum_max_error",
    "share_percent",
    "exact",
    "freed",
    "note",
];

/// The histogram.
#[derive(Clone, Debug, Default)]
pub struct HistReport {
    /// Rows in the order asked for.
    pub rows: Vec<HistRow>,
    /// Samples counted.
    pub samples: u64,
    /// False when `by` names a label no counted sample carries (every row
    /// is then `(no label)`, and a note lists the labels present).
    pub label_found: bool,
    /// Sum of their values (each sample once).
    pub total: Amount,
    /// Whether the report is `inuse_*`: zero values are freed objects.
    pub inuse: bool,
    /// How the rows' values print (the label's with `by`).
    pub units: UnitContext,
    /// How sample values (`sum`, `total`) print.
    pub value_units: UnitContext,
    /// The options the histogram was made with (the JSON document names
    /// them).
    pub options: HistOptions,
    /// Lines for stderr: what a lenient read skipped, and why nothing was
    /// counted when nothing was.
    pub notes: Vec<String>,
}

/// One row while counting: how many samples, their sum, and the text
/// first seen for the value.
struct Tally {
    count: u64,
    text: String,
    sum: i128,
    error: i128,
    zeros: u64,
}

/// Counts the samples of the inputs (those with a frame matching the
/// pattern, if any) per value, bucket or label value.
///
/// ```
/// use traces_tool::analysis::hist::{hist, HistOptions};
/// use traces_tool::analysis::scan::Inputs;
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "       2MB   main.alloc\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
///     "       2MB   main.alloc\n",
///     "-----------+-------------------------------------------------------\n",
///     "       1MB   main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join("traces-tool-hist-doc.txt");
/// std::fs::write(&path, report)?;
/// let options = HistOptions { pattern: Some("alloc".into()), ..HistOptions::default() };
/// let report = hist(&Inputs::files([path.to_str().unwrap()]), &options)?;
/// assert_eq!(report.rows.len(), 1);
/// assert_eq!((report.rows[0].count, report.rows[0].role.as_str()), (2, "leaf"));
/// assert_eq!(report.rows[0].value_text, "2MB");
/// # Ok::<(), traces_tool::error::Error>(())
/// ```
pub fn hist(inputs: &Inputs, options: &HistOptions) -> Result<HistReport> {
    let pattern = options.pattern.as_deref().filter(|p| !p.is_empty());
    let mut matcher =
        pattern.map(|p| NameMatcher::new(p, options.pattern_options, "pattern")).transpose()?;
    // Only samples with a matching frame count: read search-first.
    let mut inputs = inputs.clone();
    inputs.read.reader.prefilter = matcher.as_ref().and_then(NameMatcher::prefilter);
    let mut names = crate::record::Names::new();
    let mut tallies: BTreeMap<(Key, Role), Tally> = BTreeMap::new();
    let mut units = UnitContext::default();
    let mut label_units = UnitContext::default();
    let mut samples = 0u64;
    let (mut total, mut inuse) = (0i128, false);
    // With `by`: whether a counted sample carries the label, else the
    // label keys the counted samples carry (for the warning).
    let mut by_seen = false;
    let mut keys_present: BTreeSet<String> = BTreeSet::new();
    let mut notes = scan(&inputs, &mut names, |src, rec, names| {
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
        if let Some(by) = options.by.as_deref().filter(|_| !by_seen) {
            by_seen = rec.label(by).is_some();
            if !by_seen && keys_present.len() < 64 {
                keys_present.extend(rec.labels().map(|(k, _)| k.to_owned()));
            }
        }
        for (key, text) in keys(options, rec, &mut label_units) {
            let t = tallies.entry((key, role)).or_insert_with(|| Tally {
                count: 0,
                text,
                sum: 0,
                error: 0,
                zeros: 0,
            });
            t.count += 1;
            t.sum += rec.value.centi;
            t.error += rec.value.max_error_centi();
            t.zeros += u64::from(rec.value.centi == 0);
        }
        Ok(())
    })?;

    let shown_units = if options.by.is_some() { label_units } else { units.clone() };
    // Largest value first, then text values A to Z, then samples without
    // the label; for one value, leaf before caller.
    let mut ordered: Vec<(&(Key, Role), &Tally)> = tallies.iter().collect();
    ordered.sort_by(|(a, ra), (b, rb)| {
        let by_key = key_order(&a.0, &b.0).then(a.1.cmp(&b.1));
        match options.sort {
            HistSort::Key => by_key,
            HistSort::Count => rb.count.cmp(&ra.count).then(by_key),
            HistSort::Value => rb.sum.cmp(&ra.sum).then(by_key),
        }
    });
    let rows = ordered
        .into_iter()
        .map(|((key, role), t)| {
            let (kind, value, unit) = match key {
                Key::Amount(c) => {
                    (KeyKind::Amount, Some(Amount(*c)), shown_units.unit_name().to_owned())
                }
                Key::Text(_) => (KeyKind::Text, None, "text".to_owned()),
                Key::Missing => (KeyKind::Missing, None, "text".to_owned()),
            };
            let freed = if inuse { t.zeros } else { 0 };
            let note = match freed {
                0 => None,
                n if n == t.count => Some("freed".to_owned()),
                n => Some(format!("{n} freed")),
            };
            let share = Share::of(t.sum, total);
            HistRow {
                kind,
                value,
                unit,
                value_text: row_label(key, &t.text, options.buckets, &shown_units),
                role: *role,
                count: t.count,
                sum: Amount(t.sum),
                sum_max_error: Amount(t.error),
                share,
                share_percent: share,
                exact: t.error == 0,
                freed,
                note,
            }
        })
        .collect();
    if let Some(by) = options.by.as_deref().filter(|_| samples > 0 && !by_seen) {
        notes.push(match keys_present.len() {
            0 => format!("no sample carries the label {by:?}: the samples have no labels"),
            _ => format!(
                "no sample carries the label {by:?}; the labels present: {}",
                keys_present.into_iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    if samples == 0 {
        notes.push(match pattern {
            Some(p) => format!("no frame matches {p:?}"),
            None => "no samples".to_owned(),
        });
    }
    Ok(HistReport {
        rows,
        samples,
        label_found: options.by.is_none() || by_seen,
        total: Amount(total),
        inuse,
        units: shown_units,
        value_units: units,
        options: options.clone(),
        notes,
    })
}

/// The order of keys by `--sort key`: amounts largest first, then text
/// values in ascending order, then the samples without the label.
fn key_order(a: &Key, b: &Key) -> std::cmp::Ordering {
    match (a, b) {
        (Key::Amount(x), Key::Amount(y)) => y.cmp(x),
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        _ => b.cmp(a),
    }
}

/// The histogram keys of one sample, with the text to show for each.
fn keys(options: &HistOptions, rec: &Record, label_units: &mut UnitContext) -> Vec<(Key, String)> {
    let Some(label) = &options.by else {
        return vec![bucket(options.buckets, rec.value.centi, rec.value_text())];
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
                bucket(options.buckets, p.centi, text)
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
fn row_label(key: &Key, text: &str, buckets: Buckets, units: &UnitContext) -> String {
    match key {
        Key::Missing | Key::Text(_) => text.to_owned(),
        Key::Amount(centi) if buckets == Buckets::Exact => {
            if text.is_empty() {
                units.format(*centi)
            } else {
                text.to_owned()
            }
        }
        Key::Amount(0) => "0".to_owned(),
        Key::Amount(low) if *low > 0 => {
            format!("[{}, {})", units.format(*low), units.format(low * 2))
        }
        Key::Amount(low) => format!("({}, {}]", units.format(low * 2), units.format(*low)),
    }
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

    #[test]
    fn key_order_is_numbers_down_then_text_up_then_missing() {
        let mut keys = vec![
            Key::Text("IO wait".into()),
            Key::Missing,
            Key::Amount(5),
            Key::Text("running".into()),
            Key::Amount(9),
            Key::Text("chan receive".into()),
        ];
        keys.sort_by(key_order);
        assert_eq!(
            keys,
            [
                Key::Amount(9),
                Key::Amount(5),
                Key::Text("IO wait".into()),
                Key::Text("chan receive".into()),
                Key::Text("running".into()),
                Key::Missing
            ]
        );
    }

    #[test]
    fn share_keeps_four_decimals_and_its_sign() {
        let json = |s: Share| serde_json::to_string(&s).unwrap();
        assert_eq!(json(Share::of(1, 8)), "12.5000");
        assert_eq!(json(Share::of(-1, 3)), "-33.3333");
        assert_eq!(json(Share::of(1, 0)), "null");
    }
}
