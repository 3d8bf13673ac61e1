//! What grew between two snapshots of one program ([`diff`]), or within one
//! report printed with pprof's `-diff_base` ([`diff_base`]): per function
//! (flat and cum), per leaf, or per merged stack. Per-function changes equal
//! `go tool pprof -top -diff_base` to the unit on exact reports.

use std::cmp::Ordering;

use itertools::Itertools;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::analysis::facts::{Measure, UnitContext};
use crate::analysis::folded::{cmp_folded_texts, folded_name};
use crate::analysis::graph::{node_frames, Granularity, NodeId, NodeTable, SeenSet};
use crate::analysis::scan::{scan, scan_with, Inputs};
use crate::error::{Error, Result};
use crate::record::{HeaderField, Names, Record};
use crate::seqs::{StackFrame, StackTable};
use crate::units::{Amount, Percent};

/// The unit of comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum DiffBy {
    /// Per function: flat and cum, before and after.
    #[default]
    Function,
    /// Per leaf function: the value measured there (flat).
    Leaf,
    /// Per distinct stack, identical stacks merged.
    Stack,
}

/// What to compare and which rows to keep.
#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// What a row is.
    pub by: DiffBy,
    /// Sort functions by the change of cum instead of flat (`--by function`
    /// only).
    pub cum: bool,
    /// Rows to keep, largest growth first; 0 keeps all.
    pub top: usize,
    /// Only rows that grew by at least this much (hundredths of the base
    /// unit, as [`crate::units::Value::centi`]).
    pub min_growth: Option<i128>,
    /// How frames are grouped into functions, files or lines.
    pub granularity: Granularity,
}

/// One side of the comparison.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DiffSide {
    /// The input's name (`heap.pprof (base samples)` for a `-diff_base`
    /// report's before).
    pub name: String,
    /// Sum of the values read.
    pub total: Amount,
    /// Samples read.
    pub samples: u64,
}

/// A value before and after.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The value before.
    pub before: Amount,
    /// The value after.
    pub after: Amount,
}

impl Change {
    /// A change from `before` to `after` (hundredths of the base unit).
    pub fn new(before: i128, after: i128) -> Change {
        Change { before: Amount(before), after: Amount(after) }
    }

    /// After minus before.
    pub fn change(&self) -> Amount {
        Amount(self.after.0 - self.before.0)
    }

    /// The change in percent of before, signed (`50`, `-12.5`); `None`
    /// when before is zero.
    pub fn percent(&self) -> Percent {
        let (b, a) = (self.before.0, self.after.0);
        Percent((b != 0).then(|| (a - b) as f64 / b.abs() as f64 * 100.0))
    }

    /// What happened: `new`, `gone`, `grew`, `shrank` or `same`.
    pub fn status(&self) -> &'static str {
        match (self.before.0, self.after.0) {
            (b, a) if b == a => "same",
            (0, _) => "new",
            (_, 0) => "gone",
            (b, a) if a > b => "grew",
            _ => "shrank",
        }
    }
}

/// One row: a function, leaf or stack, and its values before and after.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DiffRow {
    /// The function or leaf, or the stack root first, frames joined by `;`
    /// (a `;` inside a name written as
    /// [`SEMICOLON_STAND_IN`](crate::analysis::folded::SEMICOLON_STAND_IN)).
    pub key: String,
    /// Flat before and after (the only value with `--by leaf` or `stack`).
    pub flat: Change,
    /// Cum before and after (`--by function`).
    pub cum: Change,
}

/// The result of a comparison.
#[derive(Clone, Debug, Default)]
pub struct DiffReport {
    /// What a row is.
    pub by: DiffBy,
    /// True when the rows are sorted by the change of cum.
    pub sort_cum: bool,
    /// The before side.
    pub before: DiffSide,
    /// The after side.
    pub after: DiffSide,
    /// Units of the values.
    pub units: UnitContext,
    /// True when every value read was exact.
    pub exact: bool,
    /// Stderr notes on what lenient reading skipped.
    pub notes: Vec<String>,
    /// Largest growth first (ties by key), cut to `top`.
    pub rows: Vec<DiffRow>,
}

impl DiffReport {
    /// The change of the totals.
    pub fn total(&self) -> Change {
        Change { before: self.before.total, after: self.after.total }
    }
}

/// Compares two reports of one program: what grew from `before` to
/// `after`. Both must measure one thing (sample type and dimension).
///
/// ```
/// use traces_tool::analysis::diff::{diff, DiffOptions};
/// use traces_tool::analysis::scan::Inputs;
///
/// let dir = std::env::temp_dir().join(format!("diff-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let sep = "-----------+-------------------------------------------------------";
/// let report = |mb: u32| {
///     format!("Type: inuse_space\n{sep}\n       {mb}MB   main.leak\n             main.main\n{sep}\n")
/// };
/// let (before, after) = (dir.join("before.txt"), dir.join("after.txt"));
/// std::fs::write(&before, report(1))?;
/// std::fs::write(&after, report(3))?;
/// let before = Inputs::files([before.to_string_lossy()]);
/// let after = Inputs::files([after.to_string_lossy()]);
/// let report = diff(&before, &after, &DiffOptions::default())?;
/// let leak = &report.rows[0];
/// assert_eq!(leak.key, "main.leak");
/// assert_eq!(leak.flat.change().0, 2 * 1024 * 1024 * 100); // hundredths of a byte
/// assert_eq!(leak.flat.percent().0, Some(200.0));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff(before: &Inputs, after: &Inputs, options: &DiffOptions) -> Result<DiffReport> {
    let mut reading = Reading::new(options);
    let (b, n1) = reading.side(before, false, options)?;
    let (a, n2) = reading.side(after, true, options)?;
    if let (Some(b), Some(a)) = (&b.measure, &a.measure) {
        b.check(a, "compared")?;
    }
    let mut notes = [n1, n2].concat();
    notes.extend(other_program(&b, &a));
    Ok(reading.finish(b, a, notes, options))
}

/// Compares within one report printed with `go tool pprof -traces
/// -diff_base=BEFORE AFTER`: its base samples (label `pprof::base`, values
/// negated by pprof) are the before, the others the after.
///
/// ```
/// use traces_tool::analysis::diff::{diff_base, DiffBy, DiffOptions};
/// use traces_tool::analysis::scan::Inputs;
///
/// let path = std::env::temp_dir().join(format!("diff-base-doc-{}.txt", std::process::id()));
/// std::fs::write(&path, concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     " pprof::base:  true\n",
///     "      -1MB   main.leak\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
///     "       4MB   main.leak\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// ))?;
/// let options = DiffOptions { by: DiffBy::Leaf, ..DiffOptions::default() };
/// let report = diff_base(&Inputs::files([path.to_string_lossy()]), &options)?;
/// assert_eq!(report.before.samples, 1);
/// assert_eq!(report.rows[0].flat.status(), "grew");
/// assert_eq!(report.rows[0].flat.percent().0, Some(300.0));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff_base(report: &Inputs, options: &DiffOptions) -> Result<DiffReport> {
    let mut reading = Reading::new(options);
    let path = report.files.join(" ");
    let by_stack = options.by == DiffBy::Stack;
    let mut before = Side { name: format!("{path} (base samples)"), by_stack, ..Side::default() };
    let mut after =
        Side { name: format!("{path} (other samples)"), by_stack, after: true, ..Side::default() };
    let Reading { names, table, stacks, units, exact } = &mut reading;
    let notes = scan(&side_inputs(report, options), names, |src, rec, names| {
        units.learn(src, rec);
        *exact &= rec.value.is_exact();
        if rec.is_base() {
            before.add(rec, table, stacks, names, -1);
        } else {
            after.add(rec, table, stacks, names, 1);
        }
        Ok(())
    })?;
    if before.samples == 0 {
        return Err(Error::Usage(format!(
            "{path}: no sample carries the label pprof::base: give BEFORE and AFTER, or a \
             report printed with go tool pprof -traces -diff_base=BEFORE AFTER"
        )));
    }
    Ok(reading.finish(before, after, notes, options))
}

/// A warning when BEFORE and AFTER name different programs (`File:`) or
/// builds (`Build ID:`): functions of one need not be those of the other.
fn other_program(before: &Side, after: &Side) -> Option<String> {
    let differ =
        |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
    let ((bf, bb), (af, ab)) = (&before.program, &after.program);
    if differ(bf, af) {
        Some(format!(
            "warning: {} is of the program {:?} (File:) but {} of {:?}: they are compared all \
             the same, but the changes may be those of two programs, not of one over time",
            before.name,
            bf.as_deref().unwrap_or_default(),
            after.name,
            af.as_deref().unwrap_or_default()
        ))
    } else if differ(bb, ab) {
        Some(format!(
            "warning: {} and {} are of different builds (Build ID: {} and {}): functions \
             renamed, inlined or moved between them show as gone and new",
            before.name,
            after.name,
            bb.as_deref().unwrap_or_default(),
            ab.as_deref().unwrap_or_default()
        ))
    } else {
        None
    }
}

/// What both sides share while they are read: one name table and one node
/// table (the node table caches by name id), the stacks of `--by stack`,
/// the units and exactness.
struct Reading {
    names: Names,
    table: NodeTable,
    stacks: Stacks,
    units: UnitContext,
    exact: bool,
}

/// The distinct stacks of both sides (`--by stack`), frames as nodes, with
/// each one's sum of values before and after: no text is made until a row
/// is kept.
type Stacks = StackTable<[i128; 2]>;

/// Adds a record's value to its stack on one side. pprof skips zero-valued
/// samples when building graphs, and so does this.
fn add_stack(
    stacks: &mut Stacks,
    rec: &Record,
    table: &mut NodeTable,
    names: &Names,
    side: usize,
    v: i128,
) {
    if v == 0 {
        return;
    }
    stacks.entry(node_frames(rec, table, names)).2[side] += v;
}

impl Reading {
    fn new(options: &DiffOptions) -> Reading {
        Reading {
            names: Names::new(),
            table: NodeTable::new(options.granularity),
            stacks: Stacks::default(),
            units: UnitContext::default(),
            exact: true,
        }
    }

    fn side(
        &mut self,
        inputs: &Inputs,
        after: bool,
        options: &DiffOptions,
    ) -> Result<(Side, Vec<String>)> {
        let by_stack = options.by == DiffBy::Stack;
        let mut side = Side { name: inputs.files.join(" "), by_stack, after, ..Side::default() };
        let mut measure = None;
        let mut program = (None, None);
        let Reading { names, table, stacks, units, exact } = self;
        let notes = scan_with(
            &side_inputs(inputs, options),
            names,
            |src, rec| {
                if measure.is_none() {
                    measure = Some(Measure::of(src, rec));
                    let header = src.header();
                    program = (
                        header.get(HeaderField::File).map(str::to_owned),
                        header.get(HeaderField::BuildId).map(str::to_owned),
                    );
                }
            },
            |src, rec, names| {
                units.learn(src, rec);
                *exact &= rec.value.is_exact();
                side.add(rec, table, stacks, names, 1);
                Ok(())
            },
        )?;
        side.measure = measure;
        side.program = program;
        Ok((side, notes))
    }

    fn finish(self, before: Side, after: Side, notes: Vec<String>, o: &DiffOptions) -> DiffReport {
        let sort_cum = o.cum && o.by == DiffBy::Function;
        let rows = match o.by {
            DiffBy::Function | DiffBy::Leaf => {
                let mut rows = function_rows(&before, &after, &self.table, o.by);
                let growth =
                    |r: &DiffRow| if sort_cum { r.cum.change().0 } else { r.flat.change().0 };
                rows.retain(|r| o.min_growth.is_none_or(|m| growth(r) >= m));
                rows.sort_by(|a, b| growth(b).cmp(&growth(a)).then_with(|| a.key.cmp(&b.key)));
                if o.top > 0 {
                    rows.truncate(o.top);
                }
                rows
            }
            DiffBy::Stack => stack_rows(&self.stacks, &self.table, o),
        };
        DiffReport {
            by: o.by,
            sort_cum,
            before: before.summary(),
            after: after.summary(),
            units: self.units,
            exact: self.exact,
            notes,
            rows,
        }
    }
}

/// One input, read with source positions in frames when the granularity
/// needs them.
fn side_inputs(inputs: &Inputs, options: &DiffOptions) -> Inputs {
    let mut inputs = inputs.clone();
    inputs.read.frame_lines =
        matches!(options.granularity, Granularity::Lines | Granularity::Files);
    inputs
}

/// One side while it is read.
#[derive(Default)]
struct Side {
    name: String,
    /// What the side's values measure (from its first record).
    measure: Option<Measure>,
    /// The program the side's first input names: its `File:` and `Build
    /// ID:` header lines, where printed.
    program: (Option<String>, Option<String>),
    /// True to add up stacks (in [`Stacks`]); otherwise only per-node sums
    /// are kept.
    by_stack: bool,
    /// True for the after side.
    after: bool,
    /// Per node: flat and cum (cum once per sample per node), as
    /// `Graph::build` adds them up from the stacks.
    nodes: Vec<(i128, i128)>,
    /// The nodes of the current sample already counted.
    seen: SeenSet<NodeId>,
    total: i128,
    samples: u64,
}

impl Side {
    fn add(
        &mut self,
        rec: &Record,
        table: &mut NodeTable,
        stacks: &mut Stacks,
        names: &Names,
        sign: i128,
    ) {
        self.total += sign * rec.value.centi;
        self.samples += 1;
        if self.by_stack {
            add_stack(stacks, rec, table, names, usize::from(self.after), sign * rec.value.centi);
            return;
        }
        // What `Graph::build` would add up from the merged stacks, sample by
        // sample: zero-valued samples skipped, cum once per node, flat on the
        // leaf.
        let v = sign * rec.value.centi;
        if v == 0 {
            return;
        }
        self.seen.clear();
        for (k, f) in rec.frames.iter().enumerate() {
            let n = table.node(f.name, names) as usize;
            if n >= self.nodes.len() {
                self.nodes.resize(n + 1, (0, 0));
            }
            if k == 0 {
                self.nodes[n].0 += v;
            }
            if self.seen.insert(n as NodeId) {
                self.nodes[n].1 += v;
            }
        }
    }

    fn summary(&self) -> DiffSide {
        DiffSide { name: self.name.clone(), total: Amount(self.total), samples: self.samples }
    }
}

fn function_rows(before: &Side, after: &Side, table: &NodeTable, by: DiffBy) -> Vec<DiffRow> {
    let mut rows: FxHashMap<u32, DiffRow> = FxHashMap::default();
    for (side, is_after) in [(before, false), (after, true)] {
        for (id, &(n_flat, n_cum)) in side.nodes.iter().enumerate() {
            if n_flat == 0 && n_cum == 0 {
                continue;
            }
            let row = rows.entry(id as NodeId).or_default();
            let (flat, cum) = (&mut row.flat, &mut row.cum);
            if is_after {
                flat.after = Amount(n_flat);
                cum.after = Amount(n_cum);
            } else {
                flat.before = Amount(n_flat);
                cum.before = Amount(n_cum);
            }
        }
    }
    rows.into_iter()
        .filter(|(_, r)| by == DiffBy::Function || r.flat != Change::default())
        .map(|(id, mut r)| {
            r.key = table.name(id).to_owned();
            r
        })
        .collect()
}

/// The rows of `--by stack`: the stacks kept (`--min-growth`), largest
/// growth first, ties by their text, cut to `top`; the text of a stack is
/// made only for the rows returned.
fn stack_rows(stacks: &Stacks, table: &NodeTable, o: &DiffOptions) -> Vec<DiffRow> {
    let growth = |i: u32| {
        let [before, after] = *stacks.payload(i);
        after - before
    };
    let mut kept: Vec<u32> =
        (0..stacks.len() as u32).filter(|&i| o.min_growth.is_none_or(|m| growth(i) >= m)).collect();
    let order = |&a: &u32, &b: &u32| {
        growth(b)
            .cmp(&growth(a))
            .then_with(|| cmp_stack_texts(stacks.frames(a), stacks.frames(b), table))
            // Stacks told apart by inline marks only: first seen first.
            .then(a.cmp(&b))
    };
    if o.top > 0 && kept.len() > o.top {
        kept.select_nth_unstable_by(o.top, order);
        kept.truncate(o.top);
    }
    kept.sort_by(order);
    kept.into_iter()
        .map(|i| {
            let [before, after] = *stacks.payload(i);
            let frames = stacks.frames(i);
            let key = frames.iter().rev().map(|f| folded_name(table.name(f.id()))).join(";");
            DiffRow { key, flat: Change::new(before, after), cum: Change::default() }
        })
        .collect()
}

/// The order of two stacks' texts (root first, frames joined by `;`)
/// without making them: the frames shared from the root are skipped by
/// node, the rest compared byte by byte.
fn cmp_stack_texts(a: &[StackFrame], b: &[StackFrame], table: &NodeTable) -> Ordering {
    let shared = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x.id() == y.id());
    let n = shared.count();
    cmp_folded_texts(
        a[..a.len() - n].iter().rev().map(|f| table.name(f.id())),
        b[..b.len() - n].iter().rev().map(|f| table.name(f.id())),
        n > 0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_status_of_a_change() {
        assert_eq!(Change::new(0, 5).percent().0, None);
        assert_eq!(Change::new(100, 150).percent().0, Some(50.0));
        assert_eq!(Change::new(200, 100).percent().0, Some(-50.0));
        assert_eq!(Change::new(-100, -50).percent().0, Some(50.0));
        assert_eq!(Change::new(0, 5).status(), "new");
        assert_eq!(Change::new(5, 0).status(), "gone");
        assert_eq!(Change::new(5, 5).status(), "same");
        assert_eq!(Change::new(5, 6).status(), "grew");
        assert_eq!(Change::new(5, 4).status(), "shrank");
        assert_eq!(Change::new(5, 8).change(), Amount(3));
    }

    /// Stacks of names that are prefixes of each other or hold `;`, with
    /// values on both sides; rows as made before: every text made, then
    /// sorted by growth and text.
    #[test]
    fn stack_rows_sort_by_text_without_making_it() {
        let words = ["a", "a.b", "a;b", "ab", "a.", "b", "a;", "\u{e9}t\u{e9}", "a b"];
        let (mut names, mut table, mut stacks) =
            (Names::new(), NodeTable::new(Granularity::Frames), Stacks::default());
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut rec = Record::new();
        for _ in 0..3000 {
            rec.frames.clear();
            for _ in 0..1 + next(4) {
                let name = names.intern(words[next(words.len() as u64) as usize]);
                rec.frames.push(crate::record::Frame { name, inline: next(5) == 0 });
            }
            let v = next(7) as i128 - 2;
            add_stack(&mut stacks, &rec, &mut table, &names, next(2) as usize, v);
        }
        let mut expected: Vec<(i128, String, [i128; 2])> = stacks
            .iter()
            .map(|(frames, &[b, a])| {
                let key = frames.iter().rev().map(|f| folded_name(table.name(f.id()))).join(";");
                (a - b, key, [b, a])
            })
            .collect();
        expected.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
        let shown = |rows: Vec<DiffRow>| -> Vec<(i128, String, [i128; 2])> {
            rows.into_iter()
                .map(|r| (r.flat.change().0, r.key, [r.flat.before.0, r.flat.after.0]))
                .collect()
        };
        assert!(expected.len() > 500, "{}", expected.len());
        // Rows of one text that differ in inline marks only may come in any
        // order if their growth is the same: compare by growth and text.
        let key = |rows: &[(i128, String, [i128; 2])]| -> Vec<(i128, String)> {
            rows.iter().map(|(g, k, _)| (*g, k.clone())).collect()
        };
        let all = shown(stack_rows(&stacks, &table, &DiffOptions::default()));
        assert_eq!(key(&all), key(&expected));
        let mut sorted_all = all.clone();
        sorted_all.sort();
        let mut sorted_expected = expected.clone();
        sorted_expected.sort();
        assert_eq!(sorted_all, sorted_expected);
        for top in [1, 5, 100] {
            let options = DiffOptions { top, ..DiffOptions::default() };
            assert_eq!(shown(stack_rows(&stacks, &table, &options)), all[..top]);
        }
        let options = DiffOptions { min_growth: Some(2), ..DiffOptions::default() };
        let grown: Vec<_> = all.iter().filter(|r| r.0 >= 2).cloned().collect();
        assert_eq!(shown(stack_rows(&stacks, &table, &options)), grown);
    }
}
