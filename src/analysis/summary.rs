//! What a traces report holds, in numbers ([`summary`]): its header, sample
//! type and unit, pprof's total, how many samples are zero or negative,
//! distinct functions and stacks, how many stacks come in several blocks,
//! how deep the stacks go and whether the runtime may have cut them,
//! whether the values are exact, and what to run next. A goroutineleak
//! profile's summary says that its samples are leaked goroutines.

use itertools::Itertools;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::analysis::facts::{ReportFacts, UnitContext};
use crate::analysis::scan::{scan_with, Inputs};
use crate::error::Result;
use crate::record::{Header, HeaderField, NameId, Names};
use crate::seqs::StackTable;
use crate::units::Amount;

/// Stack depths at which the Go runtime stops recording frames: 32 for
/// heap, allocs, mutex, block and goroutine profiles and 64 for CPU
/// profiles before Go 1.23, 128 for all of them since.
pub const RUNTIME_DEPTH_LIMITS: [usize; 3] = [32, 64, 128];

/// What [`summary`] reports; it has no choices yet.
#[derive(Clone, Debug, Default)]
pub struct SummaryOptions {}

/// A label key and how many kept samples carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LabelCount {
    /// The key.
    pub key: String,
    /// Samples that carry it.
    pub samples: u64,
}

/// The function with the largest |flat|.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopFunction {
    /// Its name as printed.
    pub function: String,
    /// Its flat: the sum of the values of the samples it is the leaf of.
    pub flat: Amount,
}

/// One kind of repair made to a pasted or captured input (see
/// [`crate::read::paste`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepairRow {
    /// The input.
    pub file: String,
    /// The kind's stable name (`indentation`, ...).
    pub kind: String,
    /// How many lines it touched.
    pub lines: u64,
    /// The 1-based line of the first of them.
    pub first_line: u64,
    /// That line's text, as given.
    pub first_text: String,
    /// Samples skipped because of it.
    pub skipped_samples: u64,
}

/// Everything the summary reports; serialized, it is the JSON document of
/// `traces-tool summary --format json`.
#[derive(Clone, Debug, Serialize)]
pub struct SummaryReport {
    /// The input paths as given.
    pub files: Vec<String>,
    /// The first input's header.
    pub header: Header,
    /// The sample type from the header, if printed.
    #[serde(rename = "type")]
    pub sample_type: Option<String>,
    /// `bytes`, `nanoseconds`, `count`, or an unknown unit's name.
    pub unit: String,
    /// The fixed unit the report was printed with, if any.
    pub printed_unit: Option<String>,
    /// True when every value read was printed exactly.
    pub exact: bool,
    /// Blocks kept by the filters.
    pub samples: u64,
    /// Blocks read, before filters.
    pub samples_read: u64,
    /// pprof's total: Σ|v| of all samples (of base samples under diff).
    pub total: Amount,
    /// Rounding bound of the total.
    pub total_max_error: Amount,
    /// Sum of the kept values (signed).
    pub kept_sum: Amount,
    /// Kept samples whose value is 0.
    pub zero_samples: u64,
    /// Kept samples whose value is negative.
    pub negative_samples: u64,
    /// Kept samples from a `-diff_base` base profile (`pprof::base: true`).
    pub base_samples: u64,
    /// Distinct frame names in the kept samples (` (inline)` aside).
    pub functions: usize,
    /// Distinct stacks (frames as printed).
    pub stacks: usize,
    /// Distinct stacks printed in more than one block.
    pub stacks_in_several_blocks: usize,
    /// Blocks belonging to those stacks.
    pub blocks_of_repeated_stacks: u64,
    /// The largest number of frames of a stack.
    pub deepest_stack: usize,
    /// The leaf function of a deepest stack.
    pub deepest_leaf: String,
    /// Distinct stacks with exactly 32, 64 or 128 frames
    /// ([`RUNTIME_DEPTH_LIMITS`]).
    pub possibly_truncated_stacks: usize,
    /// Blocks of those stacks.
    pub possibly_truncated_samples: u64,
    /// Sum of the values of those blocks.
    pub possibly_truncated_value: Amount,
    /// Label keys of the kept samples, in first-seen order.
    pub labels: Vec<LabelCount>,
    /// The function with the largest |flat| (ties by name), if any is
    /// not zero.
    pub top_function: Option<TopFunction>,
    /// What was repaired in pasted or captured inputs, per input and kind.
    pub repairs: Vec<RepairRow>,
    /// Commands to run next, for a POSIX shell.
    pub next: Vec<String>,
    /// Units of the values.
    #[serde(skip)]
    pub units: UnitContext,
    /// Stderr notes of the read.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl SummaryReport {
    /// True for `inuse_space`/`inuse_objects` (zero means freed).
    pub fn is_inuse(&self) -> bool {
        self.sample_type.as_deref().is_some_and(|t| t.starts_with("inuse_"))
    }
}

/// Reads the inputs and gathers the summary in one pass.
///
/// ```
/// use traces_tool::analysis::scan::Inputs;
/// use traces_tool::analysis::summary::{summary, SummaryOptions};
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     bytes:  32B\n",
///     "       64B   main.alloc\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
///     "     bytes:  16B\n",
///     "         0   main.alloc\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
///     "       16B   main.other\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join(format!("summary-doc-{}.txt", std::process::id()));
/// std::fs::write(&path, report)?;
/// let s = summary(&Inputs::files([path.display().to_string()]), &SummaryOptions::default())?;
/// std::fs::remove_file(&path)?;
/// assert_eq!((s.samples, s.zero_samples, s.functions, s.stacks), (3, 1, 3, 2));
/// assert_eq!((s.stacks_in_several_blocks, s.deepest_stack), (1, 2));
/// assert_eq!(s.total.0, 80 * 100); // hundredths of a byte
/// assert_eq!(s.top_function.unwrap().function, "main.alloc");
/// assert_eq!(s.labels[0].key, "bytes");
/// # Ok::<(), traces_tool::error::Error>(())
/// ```
pub fn summary(inputs: &Inputs, _options: &SummaryOptions) -> Result<SummaryReport> {
    let mut names = Names::new();
    let mut facts = ReportFacts::default();
    let mut functions: FxHashSet<NameId> = FxHashSet::default();
    // The distinct stacks and the blocks of each: the stacks of
    // `analysis::stacks` without its sums, which would cost 40 bytes a
    // stack more here.
    let mut stacks: StackTable<u64> = StackTable::new();
    let mut flat: FxHashMap<NameId, i128> = FxHashMap::default();
    let mut labels: Vec<LabelCount> = Vec::new();
    let mut deepest: Option<(usize, Option<NameId>)> = None;
    let mut repaired_inputs: Vec<String> = Vec::new();
    let mut repairs: Vec<RepairRow> = Vec::new();
    let (mut samples, mut kept_sum, mut zero, mut negative, mut base) = (0u64, 0i128, 0, 0, 0);
    let (mut truncated_samples, mut truncated_value) = (0u64, 0i128);
    let notes = scan_with(
        inputs,
        &mut names,
        |src, rec| {
            if !src.repairs().is_empty()
                && repaired_inputs.last().map(String::as_str) != Some(src.name())
            {
                repaired_inputs.push(src.name().to_owned());
                repairs.extend(src.repairs().iter().map(|r| RepairRow {
                    file: src.name().to_owned(),
                    kind: r.kind.name().to_owned(),
                    lines: r.count,
                    first_line: r.first_line,
                    first_text: r.first_text.clone(),
                    skipped_samples: r.skipped_samples,
                }));
            }
            facts.observe(src, rec)
        },
        |_, rec, _| {
            samples += 1;
            let v = rec.value.centi;
            kept_sum += v;
            if v == 0 {
                zero += 1;
            } else if v < 0 {
                negative += 1;
            }
            if rec.is_base() {
                base += 1;
            }
            functions.extend(rec.frames.iter().map(|f| f.name));
            if let Some(leaf) = rec.leaf() {
                *flat.entry(leaf.name).or_insert(0) += v;
            }
            if deepest.is_none_or(|(depth, _)| rec.frames.len() > depth) {
                deepest = Some((rec.frames.len(), rec.leaf().map(|f| f.name)));
            }
            if RUNTIME_DEPTH_LIMITS.contains(&rec.frames.len()) {
                truncated_samples += 1;
                truncated_value += v;
            }
            *stacks.entry_of(&rec.frames).2 += 1;
            for (key, _) in rec.labels() {
                match labels.iter_mut().find(|l| l.key == key) {
                    Some(l) => l.samples += 1,
                    None => labels.push(LabelCount { key: key.to_owned(), samples: 1 }),
                }
            }
            Ok(())
        },
    )?;
    let (mut several, mut repeated_blocks, mut truncated_stacks) = (0, 0, 0);
    for (frames, &blocks) in stacks.iter() {
        if blocks > 1 {
            several += 1;
            repeated_blocks += blocks;
        }
        if RUNTIME_DEPTH_LIMITS.contains(&frames.len()) {
            truncated_stacks += 1;
        }
    }
    // The largest |flat|; ties by name, for a stable answer.
    let top_function = flat
        .iter()
        .filter(|(_, v)| **v != 0)
        .max_by(|(a, x), (b, y)| {
            x.abs().cmp(&y.abs()).then_with(|| names.get(**b).cmp(names.get(**a)))
        })
        .map(|(id, v)| TopFunction { function: names.get(*id).to_owned(), flat: Amount(*v) });
    let (total, total_error) = facts.total();
    let header = facts.header();
    let (deepest_stack, deepest_leaf) = deepest.unwrap_or_default();
    let mut s = SummaryReport {
        files: inputs.files.clone(),
        sample_type: header.sample_type().map(str::to_owned),
        header,
        unit: facts.units.unit_name().to_owned(),
        printed_unit: facts.printed_unit(),
        exact: facts.exact,
        samples,
        samples_read: facts.samples,
        total: Amount(total),
        total_max_error: Amount(total_error),
        kept_sum: Amount(kept_sum),
        zero_samples: zero,
        negative_samples: negative,
        base_samples: base,
        functions: functions.len(),
        stacks: stacks.len(),
        stacks_in_several_blocks: several,
        blocks_of_repeated_stacks: repeated_blocks,
        deepest_stack,
        deepest_leaf: deepest_leaf.map(|id| names.get(id).to_owned()).unwrap_or_default(),
        possibly_truncated_stacks: truncated_stacks,
        possibly_truncated_samples: truncated_samples,
        possibly_truncated_value: Amount(truncated_value),
        labels,
        top_function,
        repairs,
        next: Vec::new(),
        units: facts.units,
        notes,
    };
    if s.sample_type.as_deref() == Some(GOROUTINE_LEAK) {
        // Go 1.26's goroutineleak profile: a goroutine profile whose
        // samples are the leaked goroutines only.
        let leaked = s.total.0 / 100;
        let line = format!(
            "goroutineleak profile: {leaked} leaked goroutine{} (blocked on concurrency \
             primitives no other goroutine can reach; not every goroutine)",
            if leaked == 1 { "" } else { "s" }
        );
        s.header.lines.insert(0, (HeaderField::Comment, line));
    }
    s.next = next_commands(&s);
    Ok(s)
}

/// The sample type of Go 1.26's goroutineleak profile (`goroutineleak
/// profile: total N` in `?debug=1` text, `goroutineleak/count` in a binary
/// profile).
pub const GOROUTINE_LEAK: &str = "goroutineleak";

/// What to run next: `top`; `grep` and `peek` of the largest flat;
/// `stacks` when some stacks come in several blocks.
fn next_commands(s: &SummaryReport) -> Vec<String> {
    let files = if s.files.is_empty() || s.files.iter().all(|f| f == "-") {
        "FILE".to_owned()
    } else {
        s.files.iter().map(|f| shell_quote(f)).join(" ")
    };
    let mut next = vec![format!("traces-tool top {files}")];
    if let Some(top) = &s.top_function {
        let rx = shell_quote(&format!("^{}$", regex::escape(&top.function)));
        next.push(format!("traces-tool grep {rx} {files}"));
        next.push(format!("traces-tool peek {rx} {files}"));
    }
    if s.stacks_in_several_blocks > 0 {
        next.push(format!("traces-tool stacks {files}"));
    }
    next
}

/// Quotes a word for a POSIX shell, if it needs it.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
