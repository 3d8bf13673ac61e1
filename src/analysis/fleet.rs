//! `fleet`: the same profile from many inputs (a fleet's pods, a batch's
//! runs), side by side: per function (stack, label value) in how many
//! inputs it occurs, its minimum, median, maximum and sum over the inputs,
//! and which inputs are outliers (more than a factor times the median);
//! and the same for each input's total, to find the odd pod out. The
//! inputs are read once, in parallel, by [`crate::analysis::trend::collect`]:
//! memory grows with the keys and the inputs each occurs in, not with the
//! samples.

use serde::Serialize;

use crate::analysis::facts::UnitContext;
use crate::analysis::scan::Inputs;
use crate::analysis::trend::{collect, SeriesKey, Snapshot};
use crate::error::Result;
use crate::units::Amount;

/// How [`fleet`] reads and judges.
#[derive(Clone, Debug)]
pub struct FleetOptions {
    /// What a row is kept for.
    pub by: SeriesKey,
    /// With [`SeriesKey::Function`]: every function on the stack (cum).
    pub cum: bool,
    /// An input is an outlier when its value is more than this many times
    /// the median over the inputs (default 3).
    pub factor: f64,
}

impl Default for FleetOptions {
    fn default() -> FleetOptions {
        FleetOptions { by: SeriesKey::Function, cum: false, factor: 3.0 }
    }
}

/// One key over the inputs.
#[derive(Clone, Debug, Serialize)]
pub struct FleetRow {
    /// The function, the folded stack or the label value.
    pub key: String,
    /// In how many inputs the key occurs.
    pub inputs: usize,
    /// The smallest value over every input (0 where the key is absent).
    pub min: Amount,
    /// The median over every input (absent: 0); of an even count, the
    /// lower of the two middle values, so that it is exact.
    pub median: Amount,
    /// The largest value.
    pub max: Amount,
    /// The sum over the inputs.
    pub sum: Amount,
    /// How many inputs are outliers.
    pub outlier_count: usize,
    /// The outliers' names, largest value first.
    pub outliers: Vec<String>,
}

/// One input's total.
#[derive(Clone, Debug, Serialize)]
pub struct InputTotal {
    /// The input's name.
    pub name: String,
    /// The sum of its kept samples' values.
    pub total: Amount,
    /// Its total over the median of the inputs' totals (`None` when that
    /// median is 0).
    pub ratio: Option<f64>,
    /// True when its total is more than the factor times the median total.
    pub outlier: bool,
}

/// What [`fleet`] found.
#[derive(Clone, Debug)]
pub struct FleetReport {
    /// Every input, in the order given, with its total.
    pub inputs: Vec<InputTotal>,
    /// The inputs as read (names, times, samples).
    pub snapshots: Vec<Snapshot>,
    /// The median of the inputs' totals.
    pub median_total: Amount,
    /// One row per key: those with outliers first (by how far the largest
    /// lies above the median), then by sum.
    pub rows: Vec<FleetRow>,
    /// The unit of the values.
    pub units: UnitContext,
    /// The sample type, if the inputs say.
    pub sample_type: Option<String>,
    /// The outlier factor used.
    pub factor: f64,
    /// What lenient reading skipped or repaired.
    pub notes: Vec<String>,
}

/// The lower median of `values` (sorted in place).
fn lower_median(values: &mut [i128]) -> i128 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    values[(values.len() - 1) / 2]
}

/// True when `v` is more than `factor` times `median` (and above 0).
fn is_outlier(v: i128, median: i128, factor: f64) -> bool {
    v > 0 && v as f64 > factor * median as f64
}

/// Every key over the inputs, and each input's total. See the module's
/// documentation.
pub fn fleet(inputs: &Inputs, options: &FleetOptions) -> Result<FleetReport> {
    let c = collect(inputs, &options.by, options.cum)?;
    let n = c.snapshots.len();
    let factor = options.factor;
    let mut totals: Vec<i128> = c.snapshots.iter().map(|s| s.total.0).collect();
    let median_total = lower_median(&mut totals);
    let inputs = c
        .snapshots
        .iter()
        .map(|s| InputTotal {
            name: s.name.clone(),
            total: s.total,
            ratio: (median_total != 0).then(|| s.total.0 as f64 / median_total as f64),
            outlier: is_outlier(s.total.0, median_total, factor),
        })
        .collect();
    let mut dense = vec![0i128; n];
    let mut rows: Vec<FleetRow> = c
        .keys
        .into_iter()
        .zip(c.values)
        .map(|(key, series)| {
            dense.iter_mut().for_each(|v| *v = 0);
            for &(i, v) in &series {
                dense[i as usize] = v;
            }
            let mut by_value: Vec<(i128, u32)> = series.iter().map(|&(i, v)| (v, i)).collect();
            by_value.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut sorted = dense.clone();
            let median = lower_median(&mut sorted);
            let outliers: Vec<String> = by_value
                .iter()
                .filter(|&&(v, _)| is_outlier(v, median, factor))
                .map(|&(_, i)| c.snapshots[i as usize].name.clone())
                .collect();
            FleetRow {
                key,
                inputs: series.len(),
                min: Amount(sorted[0]),
                median: Amount(median),
                max: Amount(sorted[n - 1]),
                sum: Amount(series.iter().map(|&(_, v)| v).sum()),
                outlier_count: outliers.len(),
                outliers,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.outlier_count > 0)
            .cmp(&(a.outlier_count > 0))
            .then((b.max.0 - b.median.0).cmp(&(a.max.0 - a.median.0)))
            .then(b.sum.0.cmp(&a.sum.0))
            .then_with(|| a.key.cmp(&b.key))
    });
    Ok(FleetReport {
        inputs,
        snapshots: c.snapshots,
        median_total: Amount(median_total),
        rows,
        units: c.units,
        sample_type: c.sample_type,
        factor,
        notes: c.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_exact_and_outliers_lie_above_the_factor() {
        assert_eq!(lower_median(&mut [5, 1, 3]), 3);
        assert_eq!(lower_median(&mut [4, 1, 3, 2]), 2);
        assert_eq!(lower_median(&mut []), 0);
        assert!(is_outlier(31, 10, 3.0));
        assert!(!is_outlier(30, 10, 3.0));
        assert!(is_outlier(1, 0, 3.0));
        assert!(!is_outlier(0, 0, 3.0));
    }
}
