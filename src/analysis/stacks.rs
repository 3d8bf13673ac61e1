//! Identical stacks merged ([`stacks`]). pprof prints one block per sample,
//! and one stack often comes in several blocks: the Go runtime keeps one
//! heap sample per (stack, allocation size), CPU samples from different
//! addresses of the same functions stay apart, and samples with different
//! labels are different samples. The blocks of each distinct stack are
//! added up in a [`crate::seqs::StackTable`]; [`stacks`] ranks them by total, with the labels that
//! differ between the merged blocks.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::analysis::facts::{ReportFacts, UnitContext};
use crate::analysis::graph::SeenSet;
use crate::analysis::scan::{scan_with, Inputs};
use crate::error::Result;
use crate::record::{Header, NameId, Names, Record};
use crate::seqs::{SeqInterner, StackTable};
use crate::units::{format_in, parse_value};
use crate::units::{Amount, Percent};

/// What [`stacks`] lists.
#[derive(Clone, Debug, Default)]
pub struct StacksOptions {
    /// The N largest stacks (0: all). The command line shows 20 in text and
    /// every stack in csv and json unless told otherwise.
    pub top: usize,
}

/// The sums of one distinct stack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockTotals {
    /// Sum of the blocks' values, hundredths of the base unit.
    pub value: i128,
    /// Sum of their rounding bounds.
    pub error: i128,
    /// Number of blocks merged.
    pub blocks: u64,
    /// Of them, blocks whose value is 0.
    pub zero_blocks: u64,
}

/// Adds one block to the distinct stacks as printed (frame by frame,
/// ` (inline)` included); returns the index of its stack and whether the
/// stack is new. Unlike the graph reports' [`crate::analysis::graph::StackSet`],
/// which skips zero-valued samples and groups frames into nodes, every
/// block counts here.
fn add_block(set: &mut StackTable<BlockTotals>, rec: &Record) -> (usize, bool) {
    let (i, new, t) = set.entry_of(&rec.frames);
    t.value += rec.value.centi;
    t.error += rec.value.max_error_centi();
    t.blocks += 1;
    if rec.value.centi == 0 {
        t.zero_blocks += 1;
    }
    (i as usize, new)
}

/// Indices of the stacks by |total| descending (a positive total before a
/// negative one of the same size), ties in first-seen order.
fn ranking(set: &StackTable<BlockTotals>) -> Vec<usize> {
    let totals = set.payloads();
    let mut order: Vec<usize> = (0..totals.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&totals[a], &totals[b]);
        match y.value.abs().cmp(&x.value.abs()) {
            Ordering::Equal => y.value.cmp(&x.value).then(a.cmp(&b)),
            o => o,
        }
    });
    order
}

/// The values one label key took over the blocks of a stack.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LabelRow<'a> {
    /// The key.
    pub key: &'a str,
    /// Distinct values as printed (a multi-valued label is one text),
    /// sorted: amounts (`16B 32B 1.50kB`) by size, other text
    /// alphabetically.
    pub values: Vec<&'a str>,
    /// Blocks that carry the key.
    pub blocks: u64,
    /// True unless every block of the stack has the key with one value.
    pub differs: bool,
}

/// One frame of a stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FrameRow<'a> {
    /// The frame as printed, ` (inline)` aside.
    pub name: &'a str,
    /// Printed ` (inline)`: inlined into the next frame.
    pub inline: bool,
}

/// One merged stack (a row of JSON, NDJSON and CSV), borrowing its texts
/// from the [`StacksReport`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StackRow<'a> {
    /// 1 for the largest.
    pub rank: usize,
    /// Sum of the blocks' values.
    pub value: Amount,
    /// `bytes`, `nanoseconds`, `count`, or an unknown unit's name.
    pub unit: &'a str,
    /// The value as pprof prints it, in the report's fixed unit or scaled.
    pub value_text: String,
    /// Sum of the blocks' rounding bounds.
    pub max_error: Amount,
    /// Share of pprof's total.
    pub share_percent: Percent,
    /// Number of blocks merged.
    pub blocks: u64,
    /// Of them, blocks whose value is 0.
    pub zero_blocks: u64,
    /// Labels by key, in first-seen order.
    pub labels: Vec<LabelRow<'a>>,
    /// The frames, leaf first.
    pub frames: Vec<FrameRow<'a>>,
}

/// The merged stacks of the inputs. The rows are made one at a time by
/// [`StacksReport::rows`], so that half a million stacks are written
/// without holding them all as rows.
#[derive(Debug)]
pub struct StacksReport {
    /// The first input's header.
    pub header: Header,
    /// Units of the values.
    pub units: UnitContext,
    /// The fixed unit the report was printed with, if any.
    pub printed_unit: Option<String>,
    /// pprof's total: Σ|v| of all samples (of base samples under diff).
    pub total: i128,
    /// Rounding bound of the total.
    pub total_error: i128,
    /// Blocks kept by the filters.
    pub blocks: u64,
    /// Number of distinct stacks.
    pub distinct_stacks: usize,
    /// Number of stacks merged from more than one block.
    pub stacks_in_several_blocks: usize,
    /// Stderr notes of the read.
    pub notes: Vec<String>,
    /// The stacks, each with the sums of its blocks.
    set: StackTable<BlockTotals>,
    /// Their labels.
    labels: Labels,
    /// Frame names.
    names: Names,
    /// The stacks shown, in rank order.
    order: Vec<usize>,
}

impl StacksReport {
    /// An amount in the report's fixed unit, or auto-scaled.
    pub fn format(&self, centi: i128) -> String {
        let unit = self.printed_unit.as_deref().unwrap_or_default();
        format_in(centi, self.units.dimension(), unit, &self.units.other)
    }

    /// Number of rows: the stacks shown.
    pub fn shown(&self) -> usize {
        self.order.len()
    }

    /// The largest stacks, by |total|, largest first (ties in first-seen
    /// order); `options.top` of them.
    pub fn rows(&self) -> impl Iterator<Item = StackRow<'_>> + '_ {
        let unit = self.units.unit_name();
        self.order.iter().enumerate().map(move |(rank, &i)| {
            let t = self.set.payload(i as u32);
            StackRow {
                rank: rank + 1,
                value: Amount(t.value),
                unit,
                value_text: self.format(t.value),
                max_error: Amount(t.error),
                share_percent: Percent::of(t.value, self.total),
                blocks: t.blocks,
                zero_blocks: t.zero_blocks,
                labels: self.labels.rows(i, t.blocks),
                frames: self
                    .set
                    .frames(i as u32)
                    .iter()
                    .map(|f| f.frame())
                    .map(|f| FrameRow { name: self.names.get(f.name), inline: f.inline })
                    .collect(),
            }
        })
    }
}

/// Reads the inputs and merges identical stacks: a stack's total is the sum
/// of its blocks' values; stacks are compared frame by frame as printed.
///
/// ```
/// use traces_tool::analysis::scan::Inputs;
/// use traces_tool::analysis::stacks::{stacks, StacksOptions};
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     bytes:  32B\n",
///     "       64B   main.alloc\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
///     "     bytes:  16B\n",
///     "       32B   main.alloc\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
///     "       16B   main.other\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join(format!("stacks-doc-{}.txt", std::process::id()));
/// std::fs::write(&path, report)?;
/// let inputs = Inputs::files([path.display().to_string()]);
/// let merged = stacks(&inputs, &StacksOptions::default())?;
/// std::fs::remove_file(&path)?;
/// assert_eq!((merged.blocks, merged.distinct_stacks, merged.stacks_in_several_blocks), (3, 2, 1));
/// let first = merged.rows().next().unwrap();
/// assert_eq!((first.value.0, first.blocks), (96 * 100, 2));
/// assert_eq!(first.frames[0].name, "main.alloc");
/// assert_eq!(first.labels[0].values, ["16B", "32B"]);
/// assert!(first.labels[0].differs);
/// # Ok::<(), traces_tool::error::Error>(())
/// ```
pub fn stacks(inputs: &Inputs, options: &StacksOptions) -> Result<StacksReport> {
    let mut names = Names::new();
    let mut facts = ReportFacts::default();
    let mut set = StackTable::new();
    let mut labels = Labels::default();
    let mut blocks = 0u64;
    let notes = scan_with(
        inputs,
        &mut names,
        |src, rec| facts.observe(src, rec),
        |_, rec, _| {
            blocks += 1;
            let (i, new) = add_block(&mut set, rec);
            labels.add(i, new, rec);
            Ok(())
        },
    )?;
    let (total, total_error) = facts.total();
    let mut order = ranking(&set);
    if options.top > 0 {
        order.truncate(options.top);
    }
    Ok(StacksReport {
        header: facts.header(),
        printed_unit: facts.printed_unit(),
        units: facts.units,
        total,
        total_error,
        blocks,
        distinct_stacks: set.len(),
        stacks_in_several_blocks: set.payloads().iter().filter(|t| t.blocks > 1).count(),
        notes,
        set,
        labels,
        names,
        order,
    })
}

/// The values one label key took over the blocks of a stack, as ids of
/// interned texts.
#[derive(Clone, Debug)]
struct KeyValues {
    key: NameId,
    /// Distinct values, in first-seen order.
    values: Vec<NameId>,
    /// The same, to keep `values` free of repeats.
    seen: SeenSet<NameId>,
    /// Blocks that carry the key.
    blocks: u64,
}

/// The labels of the blocks of one stack, by key in first-seen order.
#[derive(Clone, Debug, Default)]
struct LabelState {
    keys: Vec<KeyValues>,
}

impl LabelState {
    /// Adds one block's labels, as (key, values) ids.
    fn add(&mut self, labels: impl Iterator<Item = (NameId, NameId)>) {
        for (key, value) in labels {
            let i = match self.keys.iter().position(|l| l.key == key) {
                Some(i) => i,
                None => {
                    self.keys.push(KeyValues {
                        key,
                        values: Vec::new(),
                        seen: SeenSet::default(),
                        blocks: 0,
                    });
                    self.keys.len() - 1
                }
            };
            let k = &mut self.keys[i];
            k.blocks += 1;
            if k.seen.insert(value) {
                k.values.push(value);
            }
        }
    }
}

/// The labels of every stack: those of a stack of one block are one
/// interned label set, and only stacks of several blocks keep their own
/// label lists.
#[derive(Debug, Default)]
struct Labels {
    /// The labels of each stack's first block: an index of `sets`.
    first: Vec<u32>,
    /// Distinct label sets, as (key, values) ids in `texts`.
    sets: SeqInterner<(NameId, NameId)>,
    /// Label keys and values, interned.
    texts: Names,
    /// The labels of stacks of several blocks.
    several: FxHashMap<u32, LabelState>,
    /// One block's (key, values) ids.
    pairs: Vec<(NameId, NameId)>,
}

impl Labels {
    /// Adds the labels of a block of stack `i` (`new`: its first block).
    fn add(&mut self, i: usize, new: bool, rec: &Record) {
        self.pairs.clear();
        for (key, values) in rec.labels() {
            self.pairs.push((self.texts.intern(key), self.texts.intern(values)));
        }
        if new {
            self.first.push(self.sets.intern(&self.pairs));
        } else {
            if !self.several.contains_key(&(i as u32)) {
                let state = self.first_state(i);
                self.several.insert(i as u32, state);
            }
            self.several.get_mut(&(i as u32)).expect("inserted").add(self.pairs.iter().copied());
        }
    }

    /// The labels of the first block of stack `i`.
    fn first_state(&self, i: usize) -> LabelState {
        let mut state = LabelState::default();
        state.add(self.sets.get(self.first[i]).iter().copied());
        state
    }

    /// The label rows of stack `i`, of `blocks` blocks.
    fn rows(&self, i: usize, blocks: u64) -> Vec<LabelRow<'_>> {
        let first;
        let state = match self.several.get(&(i as u32)) {
            Some(state) => state,
            None => {
                first = self.first_state(i);
                &first
            }
        };
        state
            .keys
            .iter()
            .map(|k| {
                let values: Vec<&str> = k.values.iter().map(|&v| self.texts.get(v)).collect();
                LabelRow {
                    key: self.texts.get(k.key),
                    values: sorted(values),
                    blocks: k.blocks,
                    differs: k.values.len() > 1 || k.blocks < blocks,
                }
            })
            .collect()
    }
}

/// Label values sorted for display: amounts (`16B 32B 1.50kB`) by size,
/// other text alphabetically.
fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    let amount = |s: &str| parse_value(s).ok().map(|x| x.centi);
    if v.iter().all(|s| amount(s).is_some()) {
        v.sort_by(|a, b| amount(a).cmp(&amount(b)).then_with(|| a.cmp(b)));
    } else {
        v.sort_unstable();
    }
    v
}
