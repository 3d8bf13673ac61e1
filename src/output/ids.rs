//! Long lists of goroutine ids in text output, said in short: a merged
//! stack of a dump can hold thousands of goroutines, whose ids on one line
//! would bury the stack. Text shows their runs (`ids 18-117 (100)`) or the
//! first few runs and a count; CSV and JSON keep every id.

/// Lists of at most this many ids are printed whole, as pprof prints them.
pub const WHOLE_UP_TO: usize = 8;

/// Runs of ids printed before the rest is counted.
const RUNS_SHOWN: usize = 4;

/// `values` (a label's values) in short when they are more than
/// [`WHOLE_UP_TO`] integers: their runs in ascending order (`ids 18-20, 33,
/// 40-45 (10)`), the first four runs and `…` when there are more.
/// `None` for short lists and for values that are not all integers.
pub fn summarize(values: &[&str]) -> Option<String> {
    if values.len() <= WHOLE_UP_TO {
        return None;
    }
    let mut ids: Vec<u64> = values.iter().map(|v| v.parse().ok()).collect::<Option<_>>()?;
    ids.sort_unstable();
    ids.dedup();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for id in ids {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == id => *end = id,
            _ => runs.push((id, id)),
        }
    }
    let shown: Vec<String> = runs
        .iter()
        .take(RUNS_SHOWN)
        .map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
        .collect();
    let more = if runs.len() > RUNS_SHOWN { ", …" } else { "" };
    Some(format!("ids {}{more} ({})", shown.join(", "), values.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_counts() {
        let ids: Vec<String> = (18..=117).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(summarize(&refs).as_deref(), Some("ids 18-117 (100)"));
        let scattered: Vec<String> = (0..20).map(|i| (i * 3 + (i % 2)).to_string()).collect();
        let refs: Vec<&str> = scattered.iter().map(String::as_str).collect();
        assert_eq!(summarize(&refs).as_deref(), Some("ids 0, 4, 6, 10, … (20)"));
        assert_eq!(summarize(&["1", "2", "3"]), None);
        let words = ["a"; 10];
        assert_eq!(summarize(&words), None);
    }
}
