//! `grep`: for every function whose name matches a pattern, its totals
//! (samples, flat, cum) and its largest samples with labels and call path.
//! The inputs are read search-first: a block whose text holds none of the
//! pattern's literals is skipped unparsed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::analysis::csv::{FoldedStack, RecordFrames, RecordLabels};
use crate::analysis::facts::UnitContext;
use crate::analysis::graph::SeenSet;
use crate::analysis::scan::{scan, Inputs};
use crate::error::Result;
use crate::matcher::{NameMatcher, PatternOptions};
use crate::record::{NameId, Names, Record};
use crate::units::Amount;

/// What [`grep`] looks for.
#[derive(Clone, Debug)]
pub struct GrepOptions {
    /// Regular expression (or, with `pattern_options.fixed`, text) matched
    /// against frame names, without the ` (inline)` marker.
    pub pattern: String,
    /// How `pattern` is read (`-F`, `-i`).
    pub pattern_options: PatternOptions,
    /// Samples kept per function, largest first (0: all). Default 5, the
    /// command line's default for text.
    pub top: usize,
    /// Only samples where the function is the leaf.
    pub leaf: bool,
}

impl Default for GrepOptions {
    fn default() -> GrepOptions {
        GrepOptions {
            pattern: String::new(),
            pattern_options: PatternOptions::default(),
            top: 5,
            leaf: false,
        }
    }
}

/// Where a function sits in a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The function is frame 0: the value was measured there.
    Leaf,
    /// The function is only a caller of the leaf.
    Caller,
}

impl Role {
    /// `leaf` or `caller`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leaf => "leaf",
            Role::Caller => "caller",
        }
    }
}

/// The totals of one matching function: the `FUNCTION` object of the JSON
/// document, without its samples.
#[derive(Clone, Debug, Serialize)]
pub struct GrepFunction {
    /// The function's name.
    pub function: String,
    /// Samples with the function in their stack.
    pub samples: u64,
    /// Of those, samples where it is the leaf.
    pub leaf_samples: u64,
    /// Samples where it is only a caller.
    pub caller_samples: u64,
    /// Sum of the values of the leaf samples.
    pub flat: Amount,
    /// Bound of pprof's rounding of `flat`.
    pub flat_max_error: Amount,
    /// Sum of the values of all its samples.
    pub cum: Amount,
    /// Bound of pprof's rounding of `cum`.
    pub cum_max_error: Amount,
}

/// One shown sample of a matching function: a row of the CSV and NDJSON
/// outputs (the JSON document's `HIT` shows some of its fields). The
/// fields after `function_cum` are the CSV's own.
#[derive(Clone, Debug, Serialize)]
pub struct GrepHit<'a> {
    /// The function's name.
    pub function: &'a str,
    /// 1 for the function's largest sample.
    pub rank: usize,
    /// The input the sample is in.
    pub file: &'a str,
    /// The sample's number in its input (1-based).
    pub sample: u64,
    /// The line of its value, for text inputs.
    pub line: Option<u64>,
    /// Its value, exact.
    pub value: Amount,
    /// The unit of values: `bytes`, `nanoseconds`, `count` or a name.
    pub unit: &'a str,
    /// The value as printed.
    pub value_text: &'a str,
    /// Whether the function is the sample's leaf.
    pub role: Role,
    /// Frame index of the function's leafmost occurrence (0 = leaf).
    pub position: usize,
    /// The sample's labels.
    pub labels: RecordLabels<'a>,
    /// The stack, leaf first.
    pub frames: RecordFrames<'a>,
    /// The function's `samples`.
    pub function_samples: u64,
    /// The function's `flat`.
    pub function_flat: Amount,
    /// The function's `cum`.
    pub function_cum: Amount,
    /// The stack, root first, `;`-separated.
    pub stack: FoldedStack<'a>,
    /// False when pprof rounded the sample's value.
    pub exact: bool,
    /// False when a value in the function's totals was rounded.
    pub function_exact: bool,
    /// The function's totals.
    #[serde(skip)]
    pub totals: &'a GrepFunction,
    /// Index of the function in the order of the output (by cum).
    #[serde(skip)]
    pub function_index: usize,
    /// Index of the input among those with hits, in reading order.
    #[serde(skip)]
    pub file_index: usize,
    /// The widest `value_text` among the function's samples shown, to
    /// align them.
    #[serde(skip)]
    pub value_width: usize,
    /// The sample.
    #[serde(skip)]
    pub record: &'a Record,
    /// The frame names of the record.
    #[serde(skip)]
    pub names: &'a Names,
    /// How the values print.
    #[serde(skip)]
    pub units: &'a UnitContext,
    /// The pattern that matched, for a view to mark where it matches.
    #[serde(skip)]
    pub matcher: &'a NameMatcher,
}

/// The fields of a `HIT` in the JSON document.
pub const JSON_HIT_FIELDS: [&str; 10] = [
    "rank",
    "file",
    "sample",
    "line",
    "value",
    "value_text",
    "role",
    "position",
    "labels",
    "frames",
];

/// The fields of an NDJSON line: a `HIT` with its function's name, unit
/// and totals.
pub(crate) const NDJSON_FIELDS: [&str; 15] = [
    "function",
    "rank",
    "file",
    "sample",
    "line",
    "value",
    "unit",
    "value_text",
    "role",
    "position",
    "labels",
    "frames",
    "function_samples",
    "function_flat",
    "function_cum",
];

/// What [`grep`] found besides its hits.
#[derive(Clone, Debug, Default)]
pub struct GrepSummary {
    /// Matching functions, by cum, largest first.
    pub functions: Vec<GrepFunction>,
    /// The units of the values.
    pub units: UnitContext,
    /// Lines for stderr: what a lenient read skipped, and why nothing
    /// matched when nothing did.
    pub notes: Vec<String>,
}

/// One retained sample of a function.
struct Hit {
    file: usize,
    position: usize,
    role: Role,
    /// Shared by the hits of all the functions of one sample: a stack of
    /// a million frames is kept once, not once per matching function.
    record: Rc<Record>,
}

/// Heap key: larger value first, then earlier in the input.
type Rank = (i128, Reverse<u64>);

struct Ranked(Rank, Hit);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// Totals and the best samples of one function.
#[derive(Default)]
struct FunctionStats {
    samples: u64,
    leaf_samples: u64,
    flat: i128,
    cum: i128,
    flat_error: i128,
    cum_error: i128,
    /// Min-heap of the N best hits.
    best: BinaryHeap<Reverse<Ranked>>,
}

/// Reads the inputs, search-first, and hands `hit` the largest samples of
/// every function matching the pattern: functions by cum, largest first,
/// and for each its samples by value, largest first (ties in input
/// order). Only the samples shown are held in memory.
///
/// ```
/// use traces_tool::analysis::grep::{grep, GrepOptions};
/// use traces_tool::analysis::scan::Inputs;
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     bytes:  352B\n",
///     "   21.01MB   net/textproto.(*Reader).ReadMIMEHeader\n",
///     "             net/http.readRequest\n",
///     "-----------+-------------------------------------------------------\n",
///     "       2MB   net/http.readRequest\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join("traces-tool-grep-doc.txt");
/// std::fs::write(&path, report)?;
/// let options = GrepOptions { pattern: "readRequest".into(), ..GrepOptions::default() };
/// let mut shown = Vec::new();
/// let summary = grep(&Inputs::files([path.to_str().unwrap()]), &options, |hit| {
///     shown.push((hit.rank, hit.value_text.to_owned(), hit.role.as_str()));
///     Ok(())
/// })?;
/// assert_eq!(summary.functions[0].function, "net/http.readRequest");
/// assert_eq!(summary.functions[0].leaf_samples, 1);
/// assert_eq!(shown, [(1, "21.01MB".to_owned(), "caller"), (2, "2MB".to_owned(), "leaf")]);
/// # Ok::<(), traces_tool::error::Error>(())
/// ```
pub fn grep(
    inputs: &Inputs,
    options: &GrepOptions,
    mut hit: impl FnMut(GrepHit<'_>) -> Result<()>,
) -> Result<GrepSummary> {
    let top = options.top;
    let mut matcher = NameMatcher::new(&options.pattern, options.pattern_options, "pattern")?;
    // Only samples with a matching frame count: read search-first.
    let mut inputs = inputs.clone();
    inputs.read.reader.prefilter = matcher.prefilter();
    let mut names = Names::new();
    let mut stats: FxHashMap<NameId, FunctionStats> = FxHashMap::default();
    let mut files: Vec<String> = Vec::new();
    let mut units = UnitContext::default();
    let mut order = 0u64;
    let mut matched: Vec<(NameId, usize)> = Vec::new();
    let mut seen: SeenSet<NameId> = SeenSet::default();
    let mut notes = scan(&inputs, &mut names, |src, rec, names| {
        order += 1;
        units.learn(src, rec);
        matched.clear();
        seen.clear();
        let frames =
            if options.leaf { &rec.frames[..rec.frames.len().min(1)] } else { &rec.frames[..] };
        for (i, f) in frames.iter().enumerate() {
            if matcher.is_match(f.name, names) && seen.insert(f.name) {
                matched.push((f.name, i));
            }
        }
        if matched.is_empty() {
            return Ok(());
        }
        if files.last().map(String::as_str) != Some(src.name()) {
            files.push(src.name().to_owned());
        }
        let value = rec.value.centi;
        let error = rec.value.max_error_centi();
        let mut shared: Option<Rc<Record>> = None;
        for &(id, position) in &matched {
            let role = if position == 0 { Role::Leaf } else { Role::Caller };
            let s = stats.entry(id).or_default();
            s.samples += 1;
            s.cum += value;
            s.cum_error += error;
            if role == Role::Leaf {
                s.leaf_samples += 1;
                s.flat += value;
                s.flat_error += error;
            }
            let rank = (value, Reverse(order));
            // top 0: every hit.
            let better = top == 0
                || s.best.len() < top
                || s.best.peek().is_some_and(|Reverse(w)| rank > w.0);
            if better {
                let record = shared.get_or_insert_with(|| Rc::new(rec.clone())).clone();
                let hit = Hit { file: files.len() - 1, position, role, record };
                s.best.push(Reverse(Ranked(rank, hit)));
                if top > 0 && s.best.len() > top {
                    s.best.pop();
                }
            }
        }
        Ok(())
    })?;

    let mut found: Vec<(NameId, FunctionStats)> = stats.into_iter().collect();
    found.sort_by(|(a, sa), (b, sb)| {
        sb.cum.cmp(&sa.cum).then_with(|| names.get(*a).cmp(names.get(*b)))
    });
    let functions: Vec<GrepFunction> = found
        .iter()
        .map(|(id, s)| GrepFunction {
            function: names.get(*id).to_owned(),
            samples: s.samples,
            leaf_samples: s.leaf_samples,
            caller_samples: s.samples - s.leaf_samples,
            flat: Amount(s.flat),
            flat_max_error: Amount(s.flat_error),
            cum: Amount(s.cum),
            cum_max_error: Amount(s.cum_error),
        })
        .collect();
    for (function_index, ((_, stats), totals)) in found.iter_mut().zip(&functions).enumerate() {
        // flat is a part of cum: one bound covers both.
        let function_exact = stats.cum_error == 0 && stats.flat_error == 0;
        let mut best: Vec<Ranked> =
            std::mem::take(&mut stats.best).into_iter().map(|Reverse(r)| r).collect();
        best.sort_by(|a, b| b.cmp(a));
        let value_width = best.iter().map(|r| r.1.record.value_text().len()).max().unwrap_or(0);
        for (rank, Ranked(_, h)) in best.iter().enumerate() {
            let rec = &*h.record;
            hit(GrepHit {
                function: &totals.function,
                rank: rank + 1,
                file: &files[h.file],
                sample: rec.index,
                line: rec.text_line(),
                value: Amount(rec.value.centi),
                unit: units.unit_name(),
                value_text: rec.value_text(),
                role: h.role,
                position: h.position,
                labels: RecordLabels(rec),
                frames: RecordFrames(&rec.frames, &names),
                function_samples: totals.samples,
                function_flat: totals.flat,
                function_cum: totals.cum,
                stack: FoldedStack(rec, &names),
                exact: rec.value.is_exact(),
                function_exact,
                totals,
                function_index,
                file_index: h.file,
                value_width,
                record: rec,
                names: &names,
                units: &units,
                matcher: &matcher,
            })?;
        }
    }
    if functions.is_empty() {
        let scope = if options.leaf { "leaf frame" } else { "frame" };
        notes.push(format!("no {scope} matches {:?}", options.pattern));
    }
    Ok(GrepSummary { functions, units, notes })
}
