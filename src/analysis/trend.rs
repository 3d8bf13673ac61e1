//! `trend`: the series of each function (or stack, or label value) across
//! several snapshots of one sample type, in time order, with the change
//! first to last, the growth per hour by least squares and how well a line
//! fits, and a verdict (`growing`, `shrinking`, `stable`, `transient`,
//! `varying`, `new`, `gone`). [`collect`] reads the inputs once, in
//! parallel, keeping one value per key and input where the key occurs; the
//! fleet view ([`crate::analysis::fleet`]) reads them the same way.
//!
//! ```
//! use traces_tool::analysis::scan::Inputs;
//! use traces_tool::analysis::trend::{trend, TrendOptions, Verdict};
//!
//! let dir = std::env::temp_dir().join(format!("trend-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let sep = "-----------+-------------------------------------------------------";
//! let mut files = Vec::new();
//! for (i, leak) in ["1MB", "2MB", "3MB"].iter().enumerate() {
//!     let path = dir.join(format!("snap-{i}.txt"));
//!     let text = format!(
//!         "Type: inuse_space\n{sep}\n   {leak}   main.leak\n             main.main\n{sep}\n\
//!          \x20  512kB   main.config\n             main.main\n{sep}\n"
//!     );
//!     std::fs::write(&path, text)?;
//!     files.push(path.to_string_lossy().into_owned());
//! }
//! let report = trend(&Inputs::files(files), &TrendOptions::default())?;
//! assert_eq!(report.rows[0].key, "main.leak");
//! assert_eq!(report.rows[0].verdict, Verdict::Growing);
//! assert_eq!(report.rows[1].verdict, Verdict::Stable);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::facts::UnitContext;
use crate::analysis::scan::{scan_each, Inputs};
use crate::error::{Error, Result};
use crate::read::paths_or_stdin;
use crate::record::{NameId, Names};
use crate::units::Amount;

/// What a series is kept for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SeriesKey {
    /// Each function: the leaf's value (flat), or with `cum` every
    /// function on the stack, once per sample.
    #[default]
    Function,
    /// Each distinct stack, root first, frames joined by `;` (folded).
    Stack,
    /// Each value of this label (`(none)` for samples without it).
    Label(String),
}

/// The key of samples that lack the label of [`SeriesKey::Label`].
pub(crate) const NO_LABEL: &str = "(none)";

/// The key of samples without frames, by function.
pub(crate) const NO_FRAMES: &str = "<no frames>";

/// The order of the snapshots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SnapshotOrder {
    /// By each input's time, when every input has one and no two are the
    /// same; else as given (and the report says why).
    #[default]
    Time,
    /// As given on the command line.
    Given,
}

/// How [`trend`] reads and judges.
#[derive(Clone, Debug)]
pub struct TrendOptions {
    /// What a series is kept for.
    pub by: SeriesKey,
    /// With [`SeriesKey::Function`]: every function on the stack (cum)
    /// rather than the leaf (flat).
    pub cum: bool,
    /// The order of the snapshots.
    pub order: SnapshotOrder,
    /// An interval counts as a rise or a fall only when it moves by more
    /// than this percentage of the series' largest value (default 5).
    pub tolerance_percent: f64,
}

impl Default for TrendOptions {
    fn default() -> TrendOptions {
        TrendOptions {
            by: SeriesKey::Function,
            cum: false,
            order: SnapshotOrder::Time,
            tolerance_percent: 5.0,
        }
    }
}

/// One input as read by [`collect`].
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    /// The input's name.
    pub name: String,
    /// Its place on the command line, from 1.
    pub given: usize,
    /// When it was taken, nanoseconds since 1970 (a binary profile's own
    /// time, else the `Time:` header to the minute), if known.
    pub time_nanos: Option<i64>,
    /// The same as RFC 3339 text in UTC.
    pub time: Option<String>,
    /// Samples kept (after the filters).
    pub samples: u64,
    /// Sum of the kept samples' values (base unit).
    pub total: Amount,
    /// False when pprof rounded a value of this input.
    pub exact: bool,
}

/// Every key's values over the inputs, as [`collect`] reads them.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    /// The inputs, in the order given.
    pub snapshots: Vec<Snapshot>,
    /// The keys, in first-seen order.
    pub keys: Vec<String>,
    /// Per key, `(input, value in hundredths)` for each input the key
    /// occurs in, in input order.
    pub values: Vec<Vec<(u32, i128)>>,
    /// The unit of the values.
    pub units: UnitContext,
    /// The sample type (`inuse_space`), if the inputs say.
    pub sample_type: Option<String>,
    /// What lenient reading skipped or repaired.
    pub notes: Vec<String>,
}

/// Reads every input once (in parallel, see [`crate::read::for_each_record`])
/// and keeps, per key of `by` and per input, the sum of the kept samples'
/// values. Memory grows with the keys and the inputs each key occurs in,
/// never with the samples.
pub fn collect(inputs: &Inputs, by: &SeriesKey, cum: bool) -> Result<Collected> {
    let paths = paths_or_stdin(&inputs.files);
    let mut names = Names::new();
    let mut c = Collected {
        snapshots: paths
            .iter()
            .enumerate()
            .map(|(i, p)| Snapshot {
                name: p.clone(),
                given: i + 1,
                time_nanos: None,
                time: None,
                samples: 0,
                total: Amount(0),
                exact: true,
            })
            .collect(),
        ..Collected::default()
    };
    let mut by_name: HashMap<NameId, u32> = HashMap::new();
    let mut by_stack: HashMap<Box<[NameId]>, u32> = HashMap::new();
    let mut by_text: HashMap<String, u32> = HashMap::new();
    let mut seen: Vec<NameId> = Vec::new();
    let mut ids: Vec<NameId> = Vec::new();
    let input = std::cell::Cell::new(0u32);
    let mut units = UnitContext::default();
    let mut sample_type = None;
    let mut keys: Vec<String> = Vec::new();
    let mut values: Vec<Vec<(u32, i128)>> = Vec::new();
    let add = |values: &mut Vec<Vec<(u32, i128)>>, key: u32, input: u32, v: i128| {
        let series = &mut values[key as usize];
        match series.last_mut() {
            Some((i, sum)) if *i == input => *sum += v,
            _ => series.push((input, v)),
        }
    };
    let snapshots = std::cell::RefCell::new(std::mem::take(&mut c.snapshots));
    let notes = scan_each(
        inputs,
        &mut names,
        |src, rec| {
            units.learn(src, rec);
            if sample_type.is_none() {
                sample_type = src.header().sample_type().map(str::to_owned);
            }
        },
        |_, rec, names| {
            let input = input.get();
            {
                let snap = &mut snapshots.borrow_mut()[input as usize];
                snap.samples += 1;
                snap.total.0 += rec.value.centi;
                snap.exact &= rec.value.is_exact();
            }
            let v = rec.value.centi;
            let mut key_of = |values: &mut Vec<Vec<(u32, i128)>>, text: &dyn Fn() -> String| {
                keys.push(text());
                values.push(Vec::new());
                (keys.len() - 1) as u32
            };
            match by {
                // A sample without frames is counted, under a key of its own.
                SeriesKey::Function if rec.frames.is_empty() => {
                    let key = match by_text.get(NO_FRAMES) {
                        Some(&k) => k,
                        None => {
                            let k = key_of(&mut values, &|| NO_FRAMES.to_owned());
                            by_text.insert(NO_FRAMES.to_owned(), k);
                            k
                        }
                    };
                    add(&mut values, key, input, v);
                }
                SeriesKey::Function if !cum => {
                    let Some(leaf) = rec.leaf() else { return Ok(()) };
                    let key = match by_name.get(&leaf.name) {
                        Some(&k) => k,
                        None => {
                            let k = key_of(&mut values, &|| names.get(leaf.name).to_owned());
                            by_name.insert(leaf.name, k);
                            k
                        }
                    };
                    add(&mut values, key, input, v);
                }
                SeriesKey::Function => {
                    seen.clear();
                    for f in &rec.frames {
                        if seen.contains(&f.name) {
                            continue;
                        }
                        seen.push(f.name);
                        let key = match by_name.get(&f.name) {
                            Some(&k) => k,
                            None => {
                                let k = key_of(&mut values, &|| names.get(f.name).to_owned());
                                by_name.insert(f.name, k);
                                k
                            }
                        };
                        add(&mut values, key, input, v);
                    }
                }
                SeriesKey::Stack => {
                    ids.clear();
                    ids.extend(rec.frames.iter().map(|f| f.name));
                    let key = match by_stack.get(&ids[..]) {
                        Some(&k) => k,
                        None => {
                            let folded = || {
                                let root_first: Vec<&str> =
                                    ids.iter().rev().map(|&id| names.get(id)).collect();
                                root_first.join(";")
                            };
                            let k = key_of(&mut values, &folded);
                            by_stack.insert(ids.clone().into_boxed_slice(), k);
                            k
                        }
                    };
                    add(&mut values, key, input, v);
                }
                SeriesKey::Label(label) => {
                    let text = rec.label(label).unwrap_or(NO_LABEL);
                    let key = match by_text.get(text) {
                        Some(&k) => k,
                        None => {
                            let k = key_of(&mut values, &|| text.to_owned());
                            by_text.insert(text.to_owned(), k);
                            k
                        }
                    };
                    add(&mut values, key, input, v);
                }
            }
            Ok(())
        },
        |src| {
            let snap = &mut snapshots.borrow_mut()[input.get() as usize];
            snap.name = src.name().to_owned();
            snap.time_nanos = src.time_nanos();
            snap.time = snap.time_nanos.map(crate::gotime::format_rfc3339);
            input.set(input.get() + 1);
        },
    )?;
    c.snapshots = snapshots.into_inner();
    c.keys = keys;
    c.values = values;
    c.units = units;
    c.sample_type = sample_type;
    c.notes = notes;
    Ok(c)
}

/// What a series did, judged with the tolerance of [`TrendOptions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Rose in every interval (no fall beyond the tolerance), and rose in
    /// all by more than the tolerance: on a level (`inuse_*`), a leak.
    Growing,
    /// Fell in every interval, and fell in all.
    Shrinking,
    /// Never moved by more than the tolerance (or 0 throughout: nothing
    /// held, whether the key occurs or not).
    Stable,
    /// Rose to a peak inside the series, then fell back: allocated, then freed.
    Transient,
    /// Rose and fell with no single direction.
    Varying,
    /// Absent from the first snapshot, present in the last.
    New,
    /// Present in the first snapshot, absent from the last.
    Gone,
}

impl Verdict {
    /// The verdict's name, as in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Growing => "growing",
            Verdict::Shrinking => "shrinking",
            Verdict::Stable => "stable",
            Verdict::Transient => "transient",
            Verdict::Varying => "varying",
            Verdict::New => "new",
            Verdict::Gone => "gone",
        }
    }
}

/// One key's series.
#[derive(Clone, Debug, Serialize)]
pub struct TrendRow {
    /// The function, the folded stack or the label value.
    pub key: String,
    /// What the series did.
    pub verdict: Verdict,
    /// The value in the first snapshot (0 where absent).
    pub first: Amount,
    /// The value in the last snapshot.
    pub last: Amount,
    /// `last - first`.
    pub change: Amount,
    /// The smallest value of the series.
    pub min: Amount,
    /// The largest value of the series.
    pub max: Amount,
    /// Least-squares slope per hour (base units), when every snapshot's
    /// time is known and no two are the same.
    pub per_hour: Option<f64>,
    /// Least-squares slope per snapshot (base units).
    pub per_snapshot: f64,
    /// How well a line fits, R² from 0 to 1; `None` for a flat series.
    pub fit: Option<f64>,
    /// In how many snapshots the key occurs.
    pub present: usize,
    /// The value in each snapshot, in the series' order (0 where absent).
    pub values: Vec<Amount>,
    /// Whether the key occurs in each snapshot.
    #[serde(skip)]
    pub seen: Vec<bool>,
}

/// What [`trend`] found.
#[derive(Clone, Debug)]
pub struct TrendReport {
    /// The snapshots in the series' order.
    pub snapshots: Vec<Snapshot>,
    /// One row per key, growth first (per hour when times are known, else
    /// per snapshot), then by the size of the change, then by key.
    pub rows: Vec<TrendRow>,
    /// The unit of the values.
    pub units: UnitContext,
    /// The sample type, if the inputs say.
    pub sample_type: Option<String>,
    /// True for running totals since the program started (`alloc_*`,
    /// mutex and block `contentions`/`delay`): their slope is a rate, and
    /// `growing` means still allocating (or waiting), not a leak.
    pub cumulative: bool,
    /// True when the snapshots are in time order, false when as given.
    pub by_time: bool,
    /// Why the series is in the order given, when time order was asked.
    pub order_note: Option<String>,
    /// The tolerance used, in percent.
    pub tolerance_percent: f64,
    /// What lenient reading skipped or repaired.
    pub notes: Vec<String>,
}

/// True for a sample type whose values are running totals since the
/// program started.
pub(crate) fn is_cumulative(sample_type: Option<&str>) -> bool {
    sample_type.is_some_and(|t| {
        let t = t.strip_prefix("mean_").unwrap_or(t);
        t.starts_with("alloc_") || t.starts_with("total_") || t == "contentions" || t == "delay"
    })
}

/// The series of every key across the inputs (at least two), judged and
/// ranked. See the module's documentation.
pub fn trend(inputs: &Inputs, options: &TrendOptions) -> Result<TrendReport> {
    let inputs_given = paths_or_stdin(&inputs.files).len();
    if inputs_given < 2 {
        return Err(Error::Usage(
            "trend needs two snapshots or more (the same profile taken at different times)"
                .to_owned(),
        ));
    }
    let c = collect(inputs, &options.by, options.cum)?;
    Ok(judge(c, options))
}

/// Orders the snapshots, then judges and ranks every key's series.
pub(crate) fn judge(c: Collected, options: &TrendOptions) -> TrendReport {
    let n = c.snapshots.len();
    let times: Option<Vec<i64>> = c.snapshots.iter().map(|s| s.time_nanos).collect();
    let distinct = times.as_ref().is_some_and(|t| {
        let mut sorted = t.clone();
        sorted.sort_unstable();
        sorted.windows(2).all(|w| w[0] != w[1])
    });
    let mut order: Vec<usize> = (0..n).collect();
    let mut order_note = None;
    let by_time = options.order == SnapshotOrder::Time && distinct;
    if by_time {
        let t = times.as_ref().expect("distinct times are known");
        order.sort_by_key(|&i| t[i]);
    } else if options.order == SnapshotOrder::Time {
        order_note = Some(match &times {
            None => {
                "not every snapshot has a time: in the order given, no growth per hour".to_owned()
            }
            Some(_) => "two snapshots have the same time (text reports print it to the \
                        minute): in the order given, no growth per hour"
                .to_owned(),
        });
    }
    // Hours since the first snapshot, where known and distinct.
    let hours: Option<Vec<f64>> = (distinct).then(|| {
        let t = times.as_ref().expect("distinct times are known");
        let t0 = t[order[0]];
        order.iter().map(|&i| (t[i] - t0) as f64 / 3.6e12).collect()
    });
    let index: Vec<f64> = (0..n).map(|i| i as f64).collect();
    // Each input's place in the series.
    let mut place = vec![0usize; n];
    for (p, &i) in order.iter().enumerate() {
        place[i] = p;
    }
    let tolerance = options.tolerance_percent.max(0.0) / 100.0;
    let mut rows: Vec<TrendRow> = c
        .keys
        .into_iter()
        .zip(c.values)
        .map(|(key, series)| {
            let mut values = vec![0i128; n];
            let mut seen = vec![false; n];
            for &(input, v) in &series {
                values[place[input as usize]] = v;
                seen[place[input as usize]] = true;
            }
            let ys: Vec<f64> = values.iter().map(|&v| v as f64 / 100.0).collect();
            let (per_snapshot, fit) = least_squares(&index, &ys);
            let per_hour = hours.as_ref().map(|h| least_squares(h, &ys).0);
            let verdict = verdict(&values, &seen, tolerance);
            let first = values[0];
            let last = values[n - 1];
            TrendRow {
                key,
                verdict,
                first: Amount(first),
                last: Amount(last),
                change: Amount(last - first),
                min: Amount(values.iter().copied().min().unwrap_or(0)),
                max: Amount(values.iter().copied().max().unwrap_or(0)),
                per_hour,
                per_snapshot,
                fit,
                present: seen.iter().filter(|&&s| s).count(),
                values: values.into_iter().map(Amount).collect(),
                seen,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let growth = |r: &TrendRow| r.per_hour.unwrap_or(r.per_snapshot);
        growth(b)
            .total_cmp(&growth(a))
            .then(b.change.0.abs().cmp(&a.change.0.abs()))
            .then_with(|| a.key.cmp(&b.key))
    });
    let snapshots = order.iter().map(|&i| c.snapshots[i].clone()).collect();
    TrendReport {
        snapshots,
        rows,
        cumulative: is_cumulative(c.sample_type.as_deref()),
        units: c.units,
        sample_type: c.sample_type,
        by_time,
        order_note,
        tolerance_percent: options.tolerance_percent,
        notes: c.notes,
    }
}

/// Least-squares slope of `ys` over `xs`, and R² (`None` when `ys` is flat).
fn least_squares(xs: &[f64], ys: &[f64]) -> (f64, Option<f64>) {
    let n = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let syy: f64 = ys.iter().map(|y| (y - my) * (y - my)).sum();
    if sxx == 0.0 {
        return (0.0, None);
    }
    let slope = sxy / sxx;
    let fit = (syy > 0.0).then(|| (sxy * sxy / (sxx * syy)).clamp(0.0, 1.0));
    (slope, fit)
}

/// The verdict on one series; `tolerance` is a fraction of its largest
/// magnitude.
pub fn verdict(values: &[i128], seen: &[bool], tolerance: f64) -> Verdict {
    let n = values.len();
    // Present or not, a series that is 0 throughout holds nothing: an
    // allocation site whose objects were all freed, in every snapshot.
    if values.iter().all(|&v| v == 0) {
        return Verdict::Stable;
    }
    if !seen[0] && seen[n - 1] {
        return Verdict::New;
    }
    if seen[0] && !seen[n - 1] {
        return Verdict::Gone;
    }
    let largest = values.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
    let tol = (largest as f64 * tolerance) as i128;
    let (first, last) = (values[0], values[n - 1]);
    let steps: Vec<i128> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let (max, min) =
        (values.iter().copied().max().unwrap_or(0), values.iter().copied().min().unwrap_or(0));
    if max - min <= tol {
        return Verdict::Stable;
    }
    if steps.iter().all(|&d| d >= -tol) && last - first > tol {
        return Verdict::Growing;
    }
    if steps.iter().all(|&d| d <= tol) && first - last > tol {
        return Verdict::Shrinking;
    }
    let peak = values.iter().position(|&v| v == max).unwrap_or(0);
    let rises = steps[..peak].iter().all(|&d| d >= -tol);
    let falls = steps[peak..].iter().all(|&d| d <= tol);
    if max > first + tol && max > last + tol && rises && falls {
        return Verdict::Transient;
    }
    Verdict::Varying
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(values: &[i128]) -> Verdict {
        verdict(values, &vec![true; values.len()], 0.05)
    }

    #[test]
    fn verdicts_follow_the_shape_of_the_series() {
        assert_eq!(judged(&[100, 200, 300, 400]), Verdict::Growing);
        // A dip within the tolerance (5% of 400) is still growth.
        assert_eq!(judged(&[100, 200, 190, 400]), Verdict::Growing);
        assert_eq!(judged(&[100, 200, 100, 400]), Verdict::Varying);
        assert_eq!(judged(&[400, 300, 300, 100]), Verdict::Shrinking);
        assert_eq!(judged(&[1000, 1010, 990, 1000]), Verdict::Stable);
        assert_eq!(judged(&[100, 200, 300, 1, 1]), Verdict::Transient);
        assert_eq!(judged(&[0, 0]), Verdict::Stable);
        assert_eq!(verdict(&[0, 5, 5], &[false, true, true], 0.05), Verdict::New);
        assert_eq!(verdict(&[5, 5, 0], &[true, true, false], 0.05), Verdict::Gone);
        assert_eq!(verdict(&[0, 0, 0], &[false, true, true], 0.05), Verdict::Stable);
    }

    #[test]
    fn least_squares_of_a_line_fits_exactly() {
        let (slope, fit) = least_squares(&[0.0, 1.0, 2.0, 3.0], &[1.0, 3.0, 5.0, 7.0]);
        assert!((slope - 2.0).abs() < 1e-12);
        assert!((fit.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(least_squares(&[0.0, 1.0], &[4.0, 4.0]), (0.0, None));
        let (_, noisy) = least_squares(&[0.0, 1.0, 2.0, 3.0], &[0.0, 3.0, 0.0, 3.0]);
        assert!(noisy.unwrap() < 0.5);
    }
}
