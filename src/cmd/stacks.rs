//! `traces-tool stacks`: identical stacks merged. pprof prints one block
//! per sample, and one stack often comes in several blocks: the Go runtime
//! keeps one heap sample per (stack, allocation size), CPU samples from
//! different addresses of the same functions stay apart, and samples with
//! different labels are different samples. This command adds them up and
//! lists the stacks by total, largest first, with the labels that differ
//! between the merged blocks.

use itertools::Itertools;
use std::cmp::Ordering;
use std::io::Write;

use clap::Args;
use rustc_hash::FxHashMap;

use crate::analysis::facts::ReportFacts;
use crate::analysis::graph::SeenSet;
use crate::analysis::report::header_lines;
use crate::cmd::{
    formats, row_limit, scan_with, Format, InputArgs, Outcome, UnitContext, ALL_FORMATS,
};
use crate::error::Result;
use crate::output::sheet::{bool_cell, Kind, Sheet, SheetOptions};
use crate::read::traces::{FRAME_INDENT, INLINE_SUFFIX, SEPARATOR};
use crate::record::{Frame, Header, NameId, Names, Record};
use crate::seqs::{pack_frame, unpack_frame, SeqInterner};
use crate::units::{centi_to_decimal, format_in, parse_value, percentage};

/// Identical stacks merged across blocks, listed by total value.
///
/// Stacks are compared frame by frame as printed (` (inline)` included).
/// The total of a stack is the sum of its blocks' values; stacks are
/// ordered by |total|, largest first, ties in order of first appearance.
/// Shares are of pprof's total: all samples before filtering (under
/// `-diff_base`, the base samples).
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct StacksArgs {
    /// Show the N largest stacks (0: all); default 20 in text, every row in csv and json
    /// unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Output format. CSV stacks are root first, frames joined by `;`.
    #[arg(long, value_parser = formats(ALL_FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// The values one label key took over the blocks of a stack.
#[derive(Clone, Debug, Default)]
pub struct LabelValues {
    /// The key.
    pub key: String,
    /// Distinct values as printed (a multi-valued label is one text), in
    /// first-seen order.
    pub values: Vec<String>,
    /// Blocks that carry the key.
    pub blocks: u64,
}

impl LabelValues {
    /// The values sorted for display: amounts (`16B 32B 1.50kB`) by size,
    /// other text alphabetically.
    pub fn sorted(&self) -> Vec<&str> {
        let amount = |s: &str| parse_value(s).ok().map(|x| x.centi);
        let mut v: Vec<&str> = self.values.iter().map(String::as_str).collect();
        if v.iter().all(|s| amount(s).is_some()) {
            v.sort_by(|a, b| amount(a).cmp(&amount(b)).then_with(|| a.cmp(b)));
        } else {
            v.sort_unstable();
        }
        v
    }

    /// True unless every block has the key with the same value.
    pub fn differs(&self, stack_blocks: u64) -> bool {
        self.values.len() > 1 || self.blocks < stack_blocks
    }
}

/// One distinct stack and what its blocks add up to, made for display by
/// [`Merged::stack`].
#[derive(Clone, Debug)]
pub struct MergedStack {
    /// The frames, leaf first.
    pub frames: Vec<Frame>,
    /// Sum of the blocks' values, hundredths of the base unit.
    pub value: i128,
    /// Sum of their rounding bounds.
    pub error: i128,
    /// Number of blocks merged.
    pub blocks: u64,
    /// Of them, blocks whose value is 0.
    pub zero_blocks: u64,
    /// Labels by key, in first-seen order.
    pub labels: Vec<LabelValues>,
}

impl MergedStack {
    /// The labels as one CSV field: `key=v1 v2; key2=v`.
    pub fn labels_joined(&self) -> String {
        self.labels.iter().map(|l| format!("{}={}", l.key, l.sorted().join(" "))).join("; ")
    }
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

    /// The labels with their texts.
    fn labels(&self, texts: &Names) -> Vec<LabelValues> {
        self.keys
            .iter()
            .map(|k| LabelValues {
                key: texts.get(k.key).to_owned(),
                values: k.values.iter().map(|&v| texts.get(v).to_owned()).collect(),
                blocks: k.blocks,
            })
            .collect()
    }
}

/// The sums of one distinct stack.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    value: i128,
    error: i128,
    blocks: u64,
    zero_blocks: u64,
}

/// The merged stacks of the inputs, with pprof's total. Each distinct
/// stack is stored once, in a flat arena of packed frames; the labels of a
/// stack of one block are one interned label set, and only stacks of
/// several blocks keep their own label lists.
pub struct Merged {
    /// Distinct stacks (packed frames, leaf first), in first-seen order.
    frames: SeqInterner<u32>,
    /// Sums of each stack.
    totals: Vec<Totals>,
    /// The labels of each stack's first block: an index of `label_sets`.
    first_labels: Vec<u32>,
    /// Distinct label sets, as (key, values) ids in `label_texts`.
    label_sets: SeqInterner<(NameId, NameId)>,
    /// Label keys and values, interned.
    label_texts: Names,
    /// The labels of stacks of several blocks.
    several: FxHashMap<u32, LabelState>,
    /// Blocks kept by the filters.
    pub blocks: u64,
    /// pprof's total: Σ|v| of all samples (of base samples under diff).
    pub total: i128,
    /// Rounding bound of the total.
    pub total_error: i128,
    /// The first input's header.
    pub header: Header,
    /// Units of the values.
    pub units: UnitContext,
    /// The fixed unit the report was printed with, if any.
    pub printed_unit: Option<String>,
    /// Interned frame names.
    pub names: Names,
    /// Stderr notes of the read.
    pub notes: Vec<String>,
}

impl Merged {
    /// Number of distinct stacks.
    pub fn len(&self) -> usize {
        self.totals.len()
    }

    /// True when no stack was read.
    pub fn is_empty(&self) -> bool {
        self.totals.is_empty()
    }

    /// Number of stacks merged from more than one block.
    pub fn in_several_blocks(&self) -> usize {
        self.totals.iter().filter(|t| t.blocks > 1).count()
    }

    /// Stack `i` (in first-seen order), with its frames and labels.
    pub fn stack(&self, i: usize) -> MergedStack {
        let t = self.totals[i];
        let labels = match self.several.get(&(i as u32)) {
            Some(state) => state.labels(&self.label_texts),
            None => self.first_label_state(i).labels(&self.label_texts),
        };
        MergedStack {
            frames: self.frames.get(i as u32).iter().map(|&f| unpack_frame(f)).collect(),
            value: t.value,
            error: t.error,
            blocks: t.blocks,
            zero_blocks: t.zero_blocks,
            labels,
        }
    }

    /// The labels of the first block of stack `i`.
    fn first_label_state(&self, i: usize) -> LabelState {
        let mut state = LabelState::default();
        let set = self.label_sets.get(self.first_labels[i]);
        state.add(set.iter().copied());
        state
    }

    /// Indices of the stacks by |total| descending, ties first seen.
    pub fn ranking(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.totals.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&self.totals[a], &self.totals[b]);
            match y.value.abs().cmp(&x.value.abs()) {
                Ordering::Equal => y.value.cmp(&x.value).then(a.cmp(&b)),
                o => o,
            }
        });
        order
    }

    /// Adds one block.
    fn add(&mut self, rec: &Record, packed: &mut Vec<u32>, pairs: &mut Vec<(NameId, NameId)>) {
        packed.clear();
        packed.extend(rec.frames.iter().map(pack_frame));
        let i = self.frames.intern(packed) as usize;
        pairs.clear();
        for (key, values) in rec.labels() {
            pairs.push((self.label_texts.intern(key), self.label_texts.intern(values)));
        }
        if i == self.totals.len() {
            self.totals.push(Totals::default());
            self.first_labels.push(self.label_sets.intern(pairs));
        } else {
            if !self.several.contains_key(&(i as u32)) {
                let state = self.first_label_state(i);
                self.several.insert(i as u32, state);
            }
            self.several.get_mut(&(i as u32)).expect("inserted").add(pairs.iter().copied());
        }
        let t = &mut self.totals[i];
        t.value += rec.value.centi;
        t.error += rec.value.max_error_centi();
        t.blocks += 1;
        if rec.value.centi == 0 {
            t.zero_blocks += 1;
        }
    }
}

/// Reads the inputs and merges identical stacks.
pub fn merge(input: &InputArgs) -> Result<Merged> {
    let mut names = Names::new();
    let mut facts = ReportFacts::default();
    let mut m = Merged {
        frames: SeqInterner::new(),
        totals: Vec::new(),
        first_labels: Vec::new(),
        label_sets: SeqInterner::new(),
        label_texts: Names::new(),
        several: FxHashMap::default(),
        blocks: 0,
        total: 0,
        total_error: 0,
        header: Header::default(),
        units: UnitContext::default(),
        printed_unit: None,
        names: Names::new(),
        notes: Vec::new(),
    };
    let (mut packed, mut pairs) = (Vec::new(), Vec::new());
    let notes = scan_with(
        &input.inputs(),
        &mut names,
        |src, rec| facts.observe(src, rec),
        |_, rec, _| {
            m.blocks += 1;
            m.add(rec, &mut packed, &mut pairs);
            Ok(())
        },
    )?;
    let (total, total_error) = facts.total();
    m.total = total;
    m.total_error = total_error;
    m.header = facts.header();
    m.printed_unit = facts.printed_unit();
    m.units = facts.units;
    m.names = names;
    m.notes = notes;
    Ok(m)
}

/// Runs the command.
pub fn run(args: &StacksArgs, out: &mut dyn Write) -> Result<Outcome> {
    let m = merge(&args.input)?;
    let mut notes = m.notes.clone();
    if m.is_empty() {
        notes.push("no samples to show".to_owned());
        return Ok(Outcome { matched: false, notes });
    }
    let mut order = m.ranking();
    let top = row_limit(args.top, args.format, 20);
    if top > 0 {
        order.truncate(top);
    }
    match args.format {
        Format::Text => write_text(out, &m, &order)?,
        Format::Csv => write_csv(out, &m, &order, args.input.sheet_options())?,
        Format::Json | Format::Ndjson => write_json(out, &m, &order, args.format)?,
    }
    Ok(Outcome { matched: true, notes })
}

/// Formats an amount in the report's fixed unit, or auto-scaled.
fn formatter(m: &Merged) -> impl Fn(i128) -> String + '_ {
    let dim = m.units.dimension();
    let unit = m.printed_unit.clone().unwrap_or_default();
    move |v| format_in(v, dim, &unit, &m.units.other)
}

fn write_text(out: &mut dyn Write, m: &Merged, order: &[usize]) -> Result<()> {
    let fmt = formatter(m);
    for line in header_lines(&m.header, &fmt, m.total) {
        writeln!(out, "{line}")?;
    }
    let several = m.in_several_blocks();
    writeln!(
        out,
        "{} block{} {} distinct stack{} ({} of them in several blocks); total {}{} \
         (pprof's: all samples before filters)",
        m.blocks,
        if m.blocks == 1 { " holds" } else { "s hold" },
        m.len(),
        if m.len() == 1 { "" } else { "s" },
        several,
        fmt(m.total),
        m.units.bound(m.total_error),
    )?;
    writeln!(
        out,
        "Showing {} stack{} by merged total, largest first",
        if m.len() == 1 {
            "1".to_owned()
        } else if order.len() == m.len() {
            format!("all {}", order.len())
        } else {
            format!("the top {}", order.len())
        },
        if order.len() == 1 { "" } else { "s" }
    )?;
    for (rank, &i) in order.iter().enumerate() {
        let s = &m.stack(i);
        writeln!(out, "{SEPARATOR}")?;
        let zeros = if s.zero_blocks > 0 {
            format!(" ({} with value 0)", s.zero_blocks)
        } else {
            String::new()
        };
        writeln!(
            out,
            "#{}  {}{}  {} of the total  {} block{}{zeros}",
            rank + 1,
            fmt(s.value),
            if s.error == 0 { String::new() } else { format!(" ±{}", fmt(s.error)) },
            percentage(s.value, m.total).trim(),
            s.blocks,
            if s.blocks == 1 { "" } else { "s" },
        )?;
        for l in &s.labels {
            let mut notes = Vec::new();
            if l.values.len() > 1 {
                notes.push("differs".to_owned());
            }
            if l.blocks < s.blocks {
                notes.push(format!("in {} of {} blocks", l.blocks, s.blocks));
            }
            let notes =
                if notes.is_empty() { String::new() } else { format!("  [{}]", notes.join("; ")) };
            writeln!(out, "{:>10}:  {}{notes}", l.key, l.sorted().join(" "))?;
        }
        for (k, frame) in s.frames.iter().enumerate() {
            let marker = if frame.inline { INLINE_SUFFIX } else { "" };
            let name = m.names.get(frame.name);
            if k == 0 {
                writeln!(out, "{:>10}   {name}{marker}", fmt(s.value))?;
            } else {
                writeln!(out, "{:FRAME_INDENT$}{name}{marker}", "")?;
            }
        }
    }
    writeln!(out, "{SEPARATOR}")?;
    Ok(())
}

/// The JSON schema of `--format json` and `--format ndjson` (also in
/// docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"header\": HEADER (see top), \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str,
   \"total\": number (pprof's), \"total_max_error\": number, \"blocks\": int,
   \"distinct_stacks\": int, \"stacks_in_several_blocks\": int,
   \"stacks\": [STACK, ...]}   (by |value|, largest first; -n of them)
  STACK: {\"rank\": int, \"value\": number, \"value_text\": str, \"max_error\": number,
   \"share_percent\": number|null, \"blocks\": int, \"zero_blocks\": int,
   \"labels\": [{\"key\": str, \"values\": [str, ...] (distinct, sorted),
   \"blocks\": int (blocks with the key), \"differs\": bool}, ...],
   \"frames\": [{\"name\": str, \"inline\": bool}, ...] (leaf first)}
NDJSON (--format ndjson): one STACK per line, with \"unit\" added.
Amounts are exact JSON numbers in the base unit.";

fn write_json(out: &mut dyn Write, m: &Merged, order: &[usize], format: Format) -> Result<()> {
    use crate::output::json::{
        amount, frames, header, object, percent, write_document, write_line,
    };
    use serde_json::Value;
    let fmt = formatter(m);
    let ndjson = format == Format::Ndjson;
    let mut list = Vec::new();
    for (rank, &i) in order.iter().enumerate() {
        let s = &m.stack(i);
        let labels: Vec<Value> = s
            .labels
            .iter()
            .map(|l| {
                object([
                    ("key", l.key.as_str().into()),
                    ("values", l.sorted().into()),
                    ("blocks", l.blocks.into()),
                    ("differs", l.differs(s.blocks).into()),
                ])
            })
            .collect();
        let mut o = serde_json::Map::new();
        o.insert("rank".into(), (rank + 1).into());
        o.insert("value".into(), amount(s.value));
        if ndjson {
            o.insert("unit".into(), m.units.unit_name().into());
        }
        o.insert("value_text".into(), fmt(s.value).into());
        o.insert("max_error".into(), amount(s.error));
        o.insert("share_percent".into(), percent(s.value, m.total));
        o.insert("blocks".into(), s.blocks.into());
        o.insert("zero_blocks".into(), s.zero_blocks.into());
        o.insert("labels".into(), Value::Array(labels));
        o.insert("frames".into(), frames(&s.frames, &m.names));
        if ndjson {
            write_line(out, &Value::Object(o))?;
        } else {
            list.push(Value::Object(o));
        }
    }
    if ndjson {
        return Ok(());
    }
    let several = m.in_several_blocks();
    let doc = object([
        ("header", header(&m.header)),
        ("unit", m.units.unit_name().into()),
        ("total", amount(m.total)),
        ("total_max_error", amount(m.total_error)),
        ("blocks", m.blocks.into()),
        ("distinct_stacks", m.len().into()),
        ("stacks_in_several_blocks", several.into()),
        ("stacks", Value::Array(list)),
    ]);
    write_document(out, &doc)
}

/// The columns of `--format csv`; `exact` is false when pprof rounded a
/// value of the stack (`max_error` bounds the sum).
pub const CSV_COLUMNS: [(&str, Kind); 10] = [
    ("rank", Kind::Number),
    ("value", Kind::Number),
    ("unit", Kind::Text),
    ("value_text", Kind::Text),
    ("blocks", Kind::Number),
    ("share", Kind::Number),
    ("labels", Kind::Text),
    ("stack", Kind::Text),
    ("max_error", Kind::Number),
    ("exact", Kind::Bool),
];

fn write_csv(
    out: &mut dyn Write,
    m: &Merged,
    order: &[usize],
    options: SheetOptions,
) -> Result<()> {
    let fmt = formatter(m);
    let mut w = Sheet::new(out, CSV_COLUMNS, options);
    for (rank, &i) in order.iter().enumerate() {
        let s = &m.stack(i);
        let share = if m.total == 0 {
            String::new()
        } else {
            format!("{:.4}", (s.value as f64 / m.total as f64 * 100.0).abs())
        };
        let stack = s
            .frames
            .iter()
            .rev()
            .map(|f| {
                let marker = if f.inline { INLINE_SUFFIX } else { "" };
                format!("{}{marker}", m.names.get(f.name))
            })
            .join(";");
        w.row([
            &(rank + 1).to_string(),
            &centi_to_decimal(s.value),
            m.units.unit_name(),
            &fmt(s.value),
            &s.blocks.to_string(),
            &share,
            &s.labels_joined(),
            &stack,
            &centi_to_decimal(s.error),
            bool_cell(s.error == 0),
        ])?;
    }
    w.flush()?;
    Ok(())
}
