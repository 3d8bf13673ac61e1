//! `traces-tool grep PATTERN`: for every function whose name matches, its
//! totals (samples, flat, cum) and its largest samples with labels and call
//! path: what `grep PATTERN traces.txt | sort -n -r | head` wanted to show.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;
use std::rc::Rc;

use clap::Args;
use rustc_hash::FxHashMap;

use crate::analysis::graph::SeenSet;
use crate::cmd::{formats, row_limit, scan, Format, InputArgs, Outcome, UnitContext, ALL_FORMATS};
use crate::error::Result;
use crate::matcher::{NameMatcher, PatternOptions};
use crate::output::sheet::{bool_cell, Kind, Sheet, SheetOptions};
use crate::output::traces::write_block_body;
use crate::record::{Frame, NameId, Names, Record};
use crate::units::centi_to_decimal;

/// Largest samples per matching function, with stacks.
///
/// PATTERN is a regular expression matched against frame names (without the
/// ` (inline)` marker). Functions are listed by cum, largest first; for each,
/// its N largest samples by exact value (ties in file order). A sample's
/// stack is printed once, under the first function listed with it; later
/// ones print the frames a match nearer the leaf adds, then `... (printed
/// above, sample N)`.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct GrepArgs {
    /// Regular expression matched against function names.
    pub pattern: String,
    /// Samples to show per function (0: all). Default: 5 in text; every
    /// matching sample in csv, json and ndjson. Each one shown is held in
    /// memory until the end.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Only samples where the function is the leaf (where the value was
    /// measured), not where it is a caller.
    #[arg(long)]
    pub leaf: bool,
    /// Print each sample's whole block (labels and stack) as pprof does.
    #[arg(long)]
    pub stacks: bool,
    /// How PATTERN is read (`-F`, `-i`).
    #[command(flatten)]
    pub pattern_options: PatternOptions,
    /// Output format.
    #[arg(long, value_parser = formats(ALL_FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Where a function sits in a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The function is frame 0: the value was measured there.
    Leaf,
    /// The function is only a caller of the leaf.
    Caller,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Leaf => "leaf",
            Role::Caller => "caller",
        }
    }
}

/// One retained sample of a function.
#[derive(Clone, Debug)]
struct Hit {
    /// Index of the input in `GrepState::files`.
    file: usize,
    /// Frame index of the function's first (leafmost) occurrence.
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

/// Runs the command.
pub fn run(args: &GrepArgs, out: &mut dyn Write) -> Result<Outcome> {
    let options = args.pattern_options;
    let top = row_limit(args.top, args.format, 5);
    let mut matcher = NameMatcher::new(&args.pattern, options, "pattern")?;
    // Only samples with a matching frame count: read search-first.
    let mut input = args.input.clone();
    input.prefilter = matcher.prefilter();
    let mut names = Names::new();
    let mut stats: FxHashMap<NameId, FunctionStats> = FxHashMap::default();
    let mut files: Vec<String> = Vec::new();
    let mut units = UnitContext::default();
    let mut order = 0u64;
    let mut matched: Vec<(NameId, usize)> = Vec::new();
    let mut seen: SeenSet<NameId> = SeenSet::default();
    let notes = scan(&input.inputs(), &mut names, |src, rec, names| {
        order += 1;
        units.learn(src, rec);
        matched.clear();
        seen.clear();
        let frames =
            if args.leaf { &rec.frames[..rec.frames.len().min(1)] } else { &rec.frames[..] };
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
            // --top 0: every hit.
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

    let mut functions: Vec<(NameId, FunctionStats)> = stats.into_iter().collect();
    functions.sort_by(|(a, sa), (b, sb)| {
        sb.cum.cmp(&sa.cum).then_with(|| names.get(*a).cmp(names.get(*b)))
    });
    let report = Report { names: &names, files: &files, units: &units, stacks: args.stacks };
    match args.format {
        Format::Text => report.text(out, &mut functions)?,
        Format::Csv => report.csv(out, &mut functions, args.input.sheet_options())?,
        Format::Json | Format::Ndjson => report.json(out, &mut functions, args)?,
    }
    let mut outcome = Outcome { matched: !functions.is_empty(), notes };
    if functions.is_empty() {
        let scope = if args.leaf { "leaf frame" } else { "frame" };
        outcome.notes.push(format!("no {scope} matches {:?}", args.pattern));
    }
    Ok(outcome)
}

struct Report<'a> {
    names: &'a Names,
    files: &'a [String],
    units: &'a UnitContext,
    stacks: bool,
}

impl Report<'_> {
    /// The hits of a function, best first.
    fn ranked(stats: &mut FunctionStats) -> Vec<Hit> {
        let mut best: Vec<Ranked> =
            std::mem::take(&mut stats.best).into_iter().map(|Reverse(r)| r).collect();
        best.sort_by(|a, b| b.cmp(a));
        best.into_iter().map(|r| r.1).collect()
    }

    fn text(&self, out: &mut dyn Write, functions: &mut [(NameId, FunctionStats)]) -> Result<()> {
        // Each sample's stack is printed once, however many of its functions
        // match: per sample shown, the frame from which its call path (or,
        // with --stacks, its block) was printed.
        let mut printed: FxHashMap<(usize, u64), usize> = FxHashMap::default();
        for (n, (id, stats)) in functions.iter_mut().enumerate() {
            if n > 0 {
                writeln!(out)?;
            }
            writeln!(out, "{}", self.names.get(*id))?;
            writeln!(
                out,
                "    samples {} ({} as leaf, {} as caller)   flat {}{}   cum {}{}",
                stats.samples,
                stats.leaf_samples,
                stats.samples - stats.leaf_samples,
                self.units.format(stats.flat),
                self.units.bound(stats.flat_error),
                self.units.format(stats.cum),
                self.units.bound(stats.cum_error),
            )?;
            let hits = Self::ranked(stats);
            let width = hits.iter().map(|h| h.record.value_text().len()).max().unwrap_or(0);
            for (rank, hit) in hits.iter().enumerate() {
                let rec = &hit.record;
                let mut line = format!(
                    "  {:>3}. {:>width$}  {:<6}  {}",
                    rank + 1,
                    rec.value_text(),
                    hit.role.as_str(),
                    rec.position(&self.files[hit.file]),
                );
                for (k, v) in rec.labels() {
                    line.push_str(&format!("  {k}: {v}"));
                }
                if hit.role == Role::Caller {
                    let leaf = rec.frames[0].name;
                    line.push_str(&format!("  (leaf {})", self.names.get(leaf)));
                }
                writeln!(out, "{line}")?;
                let from = if self.stacks { 0 } else { hit.position };
                match printed.get(&(hit.file, rec.index)).copied() {
                    None => {
                        printed.insert((hit.file, rec.index), from);
                        if self.stacks {
                            write_block_body(out, rec, self.names, "        ")?;
                        } else {
                            self.write_path(out, &rec.frames[from..], "")?;
                        }
                    }
                    // Printed above from this frame or one nearer the leaf.
                    Some(done) if done <= from => {
                        writeln!(out, "        (stack printed above, sample {})", rec.index)?;
                    }
                    // Printed above from a frame nearer the root: the
                    // frames up to it, then a reference.
                    Some(done) => {
                        printed.insert((hit.file, rec.index), from);
                        let tail = format!(" < ... (printed above, sample {})", rec.index);
                        self.write_path(out, &rec.frames[from..done], &tail)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A call path, leaf end first, joined by ` < ` on one line.
    fn write_path(&self, out: &mut dyn Write, frames: &[Frame], tail: &str) -> Result<()> {
        write!(out, "        ")?;
        for (i, f) in frames.iter().enumerate() {
            if i > 0 {
                write!(out, " < ")?;
            }
            write!(out, "{}", self.names.get(f.name))?;
        }
        writeln!(out, "{tail}")?;
        Ok(())
    }

    fn json(
        &self,
        out: &mut dyn Write,
        functions: &mut [(NameId, FunctionStats)],
        args: &GrepArgs,
    ) -> Result<()> {
        use crate::output::json::{amount, frames, labels, object, write_document, write_line};
        use serde_json::Value;
        let ndjson = args.format == Format::Ndjson;
        let mut list = Vec::new();
        for (id, stats) in functions.iter_mut() {
            let name = self.names.get(*id);
            let mut hits = Vec::new();
            for (rank, hit) in Self::ranked(stats).iter().enumerate() {
                let rec = &hit.record;
                let mut o = serde_json::Map::new();
                if ndjson {
                    o.insert("function".into(), name.into());
                }
                o.insert("rank".into(), (rank + 1).into());
                o.insert("file".into(), self.files[hit.file].as_str().into());
                o.insert("sample".into(), rec.index.into());
                o.insert("line".into(), rec.text_line().into());
                o.insert("value".into(), amount(rec.value.centi));
                if ndjson {
                    o.insert("unit".into(), self.units.unit_name().into());
                }
                o.insert("value_text".into(), rec.value_text().into());
                o.insert("role".into(), hit.role.as_str().into());
                o.insert("position".into(), hit.position.into());
                o.insert("labels".into(), labels(rec));
                o.insert("frames".into(), frames(&rec.frames, self.names));
                if ndjson {
                    o.insert("function_samples".into(), stats.samples.into());
                    o.insert("function_flat".into(), amount(stats.flat));
                    o.insert("function_cum".into(), amount(stats.cum));
                    write_line(out, &Value::Object(o))?;
                } else {
                    hits.push(Value::Object(o));
                }
            }
            if !ndjson {
                list.push(object([
                    ("function", name.into()),
                    ("samples", stats.samples.into()),
                    ("leaf_samples", stats.leaf_samples.into()),
                    ("caller_samples", (stats.samples - stats.leaf_samples).into()),
                    ("flat", amount(stats.flat)),
                    ("flat_max_error", amount(stats.flat_error)),
                    ("cum", amount(stats.cum)),
                    ("cum_max_error", amount(stats.cum_error)),
                    ("top_samples", Value::Array(hits)),
                ]));
            }
        }
        if !ndjson {
            let doc = object([
                ("pattern", args.pattern.as_str().into()),
                ("leaf_only", args.leaf.into()),
                ("unit", self.units.unit_name().into()),
                ("functions", Value::Array(list)),
            ]);
            write_document(out, &doc)?;
        }
        Ok(())
    }

    fn csv(
        &self,
        out: &mut dyn Write,
        functions: &mut [(NameId, FunctionStats)],
        options: SheetOptions,
    ) -> Result<()> {
        let mut w = Sheet::new(out, CSV_COLUMNS, options);
        for (id, stats) in functions.iter_mut() {
            let totals = [
                stats.samples.to_string(),
                centi_to_decimal(stats.flat),
                centi_to_decimal(stats.cum),
            ];
            // flat is a part of cum: one bound covers both.
            let function_exact = bool_cell(stats.cum_error == 0 && stats.flat_error == 0);
            for (rank, hit) in Self::ranked(stats).iter().enumerate() {
                let rec = &hit.record;
                w.row([
                    self.files[hit.file].as_str(),
                    self.names.get(*id),
                    &(rank + 1).to_string(),
                    &centi_to_decimal(rec.value.centi),
                    self.units.unit_name(),
                    rec.value_text(),
                    hit.role.as_str(),
                    &rec.index.to_string(),
                    &rec.text_line().map(|l| l.to_string()).unwrap_or_default(),
                    &rec.labels_joined(),
                    &folded_stack(rec, self.names),
                    &totals[0],
                    &totals[1],
                    &totals[2],
                    bool_cell(rec.value.is_exact()),
                    function_exact,
                ])?;
            }
        }
        w.flush()?;
        Ok(())
    }
}

/// The columns of `--format csv`: a row per shown sample. `exact` is false
/// when pprof rounded the sample's value, `function_exact` when a value in
/// the function's totals was rounded.
pub const CSV_COLUMNS: [(&str, Kind); 16] = [
    ("file", Kind::Text),
    ("function", Kind::Text),
    ("rank", Kind::Number),
    ("value", Kind::Number),
    ("unit", Kind::Text),
    ("value_text", Kind::Text),
    ("role", Kind::Text),
    ("sample", Kind::Number),
    ("line", Kind::Number),
    ("labels", Kind::Text),
    ("stack", Kind::Text),
    ("function_samples", Kind::Number),
    ("function_flat", Kind::Number),
    ("function_cum", Kind::Number),
    ("exact", Kind::Bool),
    ("function_exact", Kind::Bool),
];

/// The stack root first, frames joined by `;` (Brendan Gregg's folded order).
pub fn folded_stack(rec: &Record, names: &Names) -> String {
    let mut s = String::new();
    for (i, f) in rec.frames.iter().rev().enumerate() {
        if i > 0 {
            s.push(';');
        }
        s.push_str(names.get(f.name));
    }
    s
}

/// The JSON schema of `--format json` and `--format ndjson` (also in
/// docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"pattern\": str, \"leaf_only\": bool, \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str,
   \"functions\": [FUNCTION, ...]}   (by cum, largest first)
  FUNCTION: {\"function\": str, \"samples\": int, \"leaf_samples\": int,
   \"caller_samples\": int, \"flat\": number, \"flat_max_error\": number,
   \"cum\": number, \"cum_max_error\": number, \"top_samples\": [HIT, ...]}
  HIT: {\"rank\": int, \"file\": str, \"sample\": int, \"line\": int|null, \"value\": number,
   \"value_text\": str, \"role\": \"leaf\"|\"caller\", \"position\": int (frame index of
   the function, 0 = leaf), \"labels\": {key: values},
   \"frames\": [{\"name\": str, \"inline\": bool}, ...] (leaf first)}
NDJSON (--format ndjson): one HIT per line, with \"function\", \"unit\",
  \"function_samples\", \"function_flat\" and \"function_cum\" added.
Amounts are exact JSON numbers in the base unit; *_max_error bound the
rounding of pprof's printed values (0 on exact reports).";
