//! Folded stacks, Brendan Gregg's format (the input of `flamegraph.pl`,
//! inferno and speedscope): identical stacks summed, frames root first,
//! values in whole base units, sorted by their texts byte-wise as the
//! stackcollapse tools sort them; with two columns (`before after`,
//! difffolded.pl's format) for two reports or one printed with
//! `-diff_base`. [`folded`] reads them; `traces-tool folded` prints them and
//! `traces-tool flamegraph` draws them.
//!
//! A `;` inside a frame name (Go's generated `type..eq.struct { A int; B
//! string }`) would read as a frame separator to every tool that splits
//! folded stacks on `;`; it is written as [`SEMICOLON_STAND_IN`] wherever a
//! stack is written as folded text ([`push_folded_name`]; `docs/folded.md`).

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::analysis::facts::UnitContext;
use crate::analysis::scan::{scan, Inputs};
use crate::error::{Error, Result};
use crate::record::{Header, Names};
use crate::seqs::{StackFrame, StackTable};

/// What a `;` inside a frame name is written as in folded text: U+FF1B
/// FULLWIDTH SEMICOLON (`；`), which looks like it but is no separator to
/// inferno or `flamegraph.pl`, and which Unicode normalization (NFC) keeps.
pub const SEMICOLON_STAND_IN: char = '\u{ff1b}';

/// The UTF-8 bytes of [`SEMICOLON_STAND_IN`].
const STAND_IN_BYTES: &[u8] = "\u{ff1b}".as_bytes();

/// A frame name as folded text carries it: every `;` written as
/// [`SEMICOLON_STAND_IN`]; borrowed when there is none.
pub fn folded_name(name: &str) -> Cow<'_, str> {
    if name.contains(';') {
        Cow::Owned(name.replace(';', "\u{ff1b}"))
    } else {
        Cow::Borrowed(name)
    }
}

/// Appends `name` to a folded stack's text, as [`folded_name`] writes it.
pub fn push_folded_name(text: &mut String, name: &str) {
    let mut parts = name.split(';');
    text.push_str(parts.next().unwrap_or_default());
    for part in parts {
        text.push(SEMICOLON_STAND_IN);
        text.push_str(part);
    }
}

/// The bytes of a folded text given as its names, in runs: a `;` before
/// each name (but the first unless `lead`), each name as [`folded_name`]
/// writes it, a run up to each `;` inside it.
struct TextRuns<'a, I> {
    names: I,
    /// What is left of the current name.
    rest: &'a [u8],
    /// True when the next name gets a `;` before it.
    sep: bool,
}

impl<'a, I: Iterator<Item = &'a str>> TextRuns<'a, I> {
    /// The next run of bytes (never empty), `None` at the end.
    fn next_run(&mut self) -> Option<&'a [u8]> {
        loop {
            if let Some((&first, tail)) = self.rest.split_first() {
                if first == b';' {
                    self.rest = tail;
                    return Some(STAND_IN_BYTES);
                }
                let n = self.rest.iter().position(|&b| b == b';').unwrap_or(self.rest.len());
                let (run, rest) = self.rest.split_at(n);
                self.rest = rest;
                return Some(run);
            }
            self.rest = self.names.next()?.as_bytes();
            if std::mem::replace(&mut self.sep, true) {
                return Some(b";");
            }
        }
    }
}

/// Compares two folded texts, given as their names root first, byte-wise
/// without making them: each name as [`folded_name`] writes it, a `;`
/// between names and, with `lead` (the texts go on after names compared
/// equal), before the first.
pub(crate) fn cmp_folded_texts<'a>(
    a: impl Iterator<Item = &'a str>,
    b: impl Iterator<Item = &'a str>,
    lead: bool,
) -> Ordering {
    let mut a = TextRuns { names: a, rest: &[], sep: lead };
    let mut b = TextRuns { names: b, rest: &[], sep: lead };
    let (mut x, mut y): (&[u8], &[u8]) = (&[], &[]);
    loop {
        if x.is_empty() {
            x = a.next_run().unwrap_or_default();
        }
        if y.is_empty() {
            y = b.next_run().unwrap_or_default();
        }
        if x.is_empty() || y.is_empty() {
            return x.len().cmp(&y.len());
        }
        let n = x.len().min(y.len());
        match x[..n].cmp(&y[..n]) {
            Ordering::Equal => (x, y) = (&x[n..], &y[n..]),
            o => return o,
        }
    }
}

/// How [`folded`] reads its inputs.
#[derive(Clone, Debug, Default)]
pub struct FoldedOptions {
    /// Two columns, before and after: the inputs are BEFORE AFTER (two
    /// reports of the same program), or one report printed with
    /// `-diff_base`. Default: false (one column).
    pub diff: bool,
}

/// Distinct stacks with their summed values, ready to print. Each stack is
/// kept once, as frames of interned name ids; its text is made only while
/// printing.
#[derive(Debug, Default)]
pub struct FoldedReport {
    /// The stacks to print (indices of `stacks`), sorted by their texts
    /// (root first, joined by `;`); of stacks with identical texts (the
    /// same names with other inline marks), the first holds the sum and
    /// the others are left out.
    pub rows: Vec<u32>,
    /// The distinct stacks (frames by name id, leaf first, inline marks
    /// kept) with their `(before, after)`; in one-column mode `before` is
    /// 0. Values are hundredths of the base unit, exact.
    pub stacks: StackTable<(i128, i128)>,
    /// The frame names.
    pub names: Names,
    /// True for two columns (before and after).
    pub two_columns: bool,
    /// Units of the values.
    pub units: UnitContext,
    /// The first input's header.
    pub header: Header,
    /// True when every value read was printed exactly.
    pub exact: bool,
    /// The first value of the input that pprof had rounded or that has a
    /// fraction, as printed (`21.01MB`), for the note that says so.
    pub rounded: Option<String>,
    /// Stderr notes of the read.
    pub notes: Vec<String>,
}

impl FoldedReport {
    /// The text of stack `i`: frame names root first ([`push_folded_name`]),
    /// joined by `;`.
    pub fn stack_text(&self, i: u32, text: &mut String) {
        for (k, f) in self.stacks.frames(i).iter().rev().enumerate() {
            if k > 0 {
                text.push(';');
            }
            push_folded_name(text, self.names.get(f.frame().name));
        }
    }

    /// The lines to print, in a vector: see [`FoldedReport::for_each_line`].
    pub fn lines(&self, command: &str) -> (Vec<String>, Vec<String>) {
        let mut lines = Vec::new();
        let notes = self
            .for_each_line(command, |line| {
                lines.push(line.to_owned());
                Ok(())
            })
            .expect("collecting lines does not fail");
        (lines, notes)
    }

    /// Hands each line to print to `each`, without its newline, and returns
    /// the notes: `stack value` or `stack before after`, values rounded to
    /// whole base units; stacks that round to zero (both columns in diff
    /// mode) are left out, as are negative one-column totals (with a note).
    pub fn for_each_line(
        &self,
        command: &str,
        mut each: impl FnMut(&str) -> Result<()>,
    ) -> Result<Vec<String>> {
        use std::fmt::Write as _;
        let mut notes = Vec::new();
        let (mut negative, mut fractional) = (0u64, false);
        let mut line = String::new();
        for &stack in &self.rows {
            let (before, after) = *self.stacks.payload(stack);
            fractional |= before % 100 != 0 || after % 100 != 0;
            let (b, a) = (round(before), round(after));
            line.clear();
            if self.two_columns {
                if b == 0 && a == 0 {
                    continue;
                }
                self.stack_text(stack, &mut line);
                let _ = write!(line, " {b} {a}");
            } else if a < 0 {
                negative += 1;
                continue;
            } else if a > 0 {
                self.stack_text(stack, &mut line);
                let _ = write!(line, " {a}");
            } else {
                continue;
            }
            each(&line)?;
        }
        if !self.exact || fractional {
            let example = match &self.rounded {
                Some(text) => format!(" (e.g. {text})"),
                None => String::new(),
            };
            notes.push(format!(
                "{command}: values were rounded by pprof{example}; the counts are their exact \
                 sums rounded to whole {}: print the report with go tool pprof -traces -unit=b \
                 (or -unit=ns) for exact counts",
                self.units.unit_name()
            ));
        }
        if negative > 0 {
            notes.push(format!(
                "{command}: left out {negative} stack{} with a negative total (a report printed \
                 with -base?); --diff gives two columns instead",
                if negative == 1 { "" } else { "s" }
            ));
        }
        Ok(notes)
    }
}

/// Compares two stacks (leaf first) by their texts (names root first,
/// joined by `;`), byte-wise, without making the texts.
fn cmp_texts<'a>(a: &'a [StackFrame], b: &'a [StackFrame], names: &'a Names) -> Ordering {
    // Equal names from the root give equal bytes; compare from the first
    // difference, each frame after the first preceded by its `;`.
    let k = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x.id() == y.id()).count();
    let rest =
        |s: &'a [StackFrame]| s[..s.len() - k].iter().rev().map(|f| names.get(f.frame().name));
    cmp_folded_texts(rest(a), rest(b), k > 0)
}

/// Rounds hundredths to a whole number, halves away from zero.
pub fn round(centi: i128) -> i128 {
    if centi >= 0 {
        (centi + 50) / 100
    } else {
        (centi - 50) / 100
    }
}

/// Accumulates stacks of one or two sides, each with its `(before,
/// after)`.
#[derive(Default)]
struct Acc {
    stacks: StackTable<(i128, i128)>,
    header: Option<Header>,
    units: UnitContext,
    exact: bool,
    rounded: Option<String>,
    base_samples: u64,
}

impl Acc {
    fn read(
        &mut self,
        inputs: &Inputs,
        names: &mut Names,
        side: Option<bool>,
    ) -> Result<Vec<String>> {
        scan(inputs, names, |src, rec, _| {
            if self.header.is_none() {
                self.header = Some(src.header().clone());
            }
            self.units.learn(src, rec);
            self.exact &= rec.value.is_exact();
            if self.rounded.is_none() && (!rec.value.is_exact() || rec.value.centi % 100 != 0) {
                self.rounded = Some(rec.value_text().to_owned());
            }
            let (_, _, entry) = self.stacks.entry_of(&rec.frames);
            let v = rec.value.centi;
            match side {
                Some(false) => entry.0 += v,
                Some(true) => entry.1 += v,
                None if rec.is_base() => {
                    self.base_samples += 1;
                    // pprof negates the base samples: they are the before.
                    entry.0 -= v;
                }
                None => entry.1 += v,
            }
            Ok(())
        })
    }
}

/// Reads the inputs into folded stacks: one column, or two with
/// [`FoldedOptions::diff`] (BEFORE AFTER) or when the report has
/// `-diff_base` base samples (`pprof::base`, negated: they are the before).
///
/// ```
/// use traces_tool::analysis::folded::{folded, FoldedOptions};
/// use traces_tool::analysis::scan::Inputs;
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     1536B   main.leaf\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
///     "      512B   main.leaf\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let dir = std::env::temp_dir().join(format!("folded-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("traces.txt");
/// std::fs::write(&path, report)?;
/// let report = folded(&Inputs::files([path.to_str().unwrap()]), &FoldedOptions::default())?;
/// let (lines, notes) = report.lines("folded");
/// assert_eq!(lines, ["main.main;main.leaf 2048"]); // bytes, summed
/// assert!(notes.is_empty());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn folded(inputs: &Inputs, options: &FoldedOptions) -> Result<FoldedReport> {
    let diff = options.diff;
    let mut names = Names::new();
    let mut acc = Acc { exact: true, ..Acc::default() };
    let mut notes = Vec::new();
    let two_files = diff && inputs.files.len() == 2;
    if two_files {
        for (i, path) in inputs.files.iter().enumerate() {
            let side = inputs.with_files(vec![path.clone()]);
            notes.extend(acc.read(&side, &mut names, Some(i == 1))?);
        }
    } else {
        if diff && inputs.files.len() > 2 {
            return Err(Error::Usage(
                "--diff takes BEFORE AFTER, or one report printed with -diff_base".to_owned(),
            ));
        }
        notes.extend(acc.read(inputs, &mut names, None)?);
        if diff && acc.base_samples == 0 {
            return Err(Error::Usage(
                "--diff with one report needs a report printed with go tool pprof -traces \
                 -diff_base=BEFORE AFTER (no sample carries pprof::base); or give BEFORE AFTER"
                    .to_owned(),
            ));
        }
    }
    let two_columns = two_files || acc.base_samples > 0;
    let mut stacks = acc.stacks;
    stacks.seal();
    let mut rows: Vec<u32> = (0..stacks.len() as u32).collect();
    rows.sort_unstable_by(|&x, &y| cmp_texts(stacks.frames(x), stacks.frames(y), &names));
    // Stacks of the same names with other inline marks have one text, and
    // `;` inside a name could join two stacks' texts: one row each.
    rows.dedup_by(|next, kept| {
        if cmp_texts(stacks.frames(*next), stacks.frames(*kept), &names) == Ordering::Equal {
            let (b, a) = std::mem::take(stacks.payload_mut(*next));
            let sum = stacks.payload_mut(*kept);
            sum.0 += b;
            sum.1 += a;
            true
        } else {
            false
        }
    });
    Ok(FoldedReport {
        rows,
        stacks,
        names,
        two_columns,
        units: acc.units,
        header: acc.header.unwrap_or_default(),
        exact: acc.exact,
        rounded: acc.rounded,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round(2_203_058_176), 22_030_582);
        assert_eq!(round(150), 2);
        assert_eq!(round(149), 1);
        assert_eq!(round(-150), -2);
        assert_eq!(round(0), 0);
    }

    #[test]
    fn lines_leave_out_zero_and_negative_stacks() {
        let mut f = FoldedReport { exact: true, ..FoldedReport::default() };
        for (leaf, value) in [("b", 1000), ("c", 0), ("d", -500), ("e", 49)] {
            let stack = [f.names.intern(leaf), f.names.intern("a")];
            let (i, _, sum) = f.stacks.entry(stack.map(|id| StackFrame::new(id.0, false)));
            *sum = (0, value);
            f.rows.push(i);
        }
        let (lines, notes) = f.lines("folded");
        assert_eq!(lines, ["a;b 10"]);
        assert_eq!(notes.len(), 2, "{notes:?}");
    }

    #[test]
    fn stacks_sort_as_their_texts_would() {
        let mut names = Names::new();
        let frames: [&[&str]; 8] = [
            &["main", "f"],
            &["main", "f2"],
            &["main"],
            &["main", "f", "g"],
            &["main;f"],
            &["mai"],
            &["main", "e"],
            &["main", "f"],
        ];
        // Leaf first, as a table keeps them; inline marks do not show.
        let stacks: Vec<Vec<StackFrame>> = frames
            .iter()
            .enumerate()
            .map(|(k, s)| {
                s.iter().rev().map(|f| StackFrame::new(names.intern(f).0, k % 2 == 1)).collect()
            })
            .collect();
        let text = |s: &[StackFrame]| {
            let names = s.iter().rev().map(|f| folded_name(names.get(f.frame().name)));
            names.collect::<Vec<_>>().join(";")
        };
        for a in &stacks {
            for b in &stacks {
                let want = text(a).as_bytes().cmp(text(b).as_bytes());
                assert_eq!(cmp_texts(a, b, &names), want, "{} vs {}", text(a), text(b));
            }
        }
        assert_ne!(stacks[0], stacks[7], "other inline marks");
        assert_eq!(cmp_texts(&stacks[0], &stacks[7], &names), Ordering::Equal);
    }
}
