//! `traces-tool grep PATTERN`: for every function whose name matches, its
//! totals (samples, flat, cum) and its largest samples with labels and call
//! path: what `grep PATTERN traces.txt | sort -n -r | head` wanted to show.

use std::io::Write;

use clap::Args;
use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::analysis::csv::{RecordFrames, RecordLabels};
use crate::analysis::grep::{grep, GrepHit, GrepOptions, Role, NDJSON_FIELDS};
use crate::cmd::{formats, row_limit, Format, InputArgs, Outcome, ALL_FORMATS};
use crate::error::Result;
use crate::matcher::PatternOptions;
use crate::output::json::{object, write_document};
use crate::output::rows::{to_object, write_ndjson_row, CsvRows};
use crate::output::sheet::Kind;
use crate::output::traces::write_block_body;
use crate::record::{Frame, Names};
use crate::units::Amount;

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

/// Runs the command.
pub fn run(args: &GrepArgs, out: &mut dyn Write) -> Result<Outcome> {
    let options = GrepOptions {
        pattern: args.pattern.clone(),
        pattern_options: args.pattern_options,
        top: row_limit(args.top, args.format, 5),
        leaf: args.leaf,
    };
    let inputs = args.input.inputs();
    let summary = match args.format {
        Format::Text => {
            let mut text = TextView { out, stacks: args.stacks, printed: FxHashMap::default() };
            grep(&inputs, &options, |hit| text.hit(&hit))?
        }
        Format::Csv => {
            let mut csv =
                CsvRows::new(out, &CSV_COLUMNS, serde_json::Map::new(), args.input.sheet_options());
            let summary = grep(&inputs, &options, |hit| csv.row(&hit))?;
            csv.finish()?;
            summary
        }
        Format::Ndjson => {
            grep(&inputs, &options, |hit| write_ndjson_row(out, &hit, Some(&NDJSON_FIELDS)))?
        }
        Format::Json => {
            // The functions, each with its samples.
            let mut list: Vec<Value> = Vec::new();
            let summary = grep(&inputs, &options, |hit| {
                if hit.function_index == list.len() {
                    let mut function = to_object(hit.totals)?;
                    function.insert("top_samples".into(), Value::Array(Vec::new()));
                    list.push(Value::Object(function));
                }
                if let Some(Value::Array(hits)) = list[hit.function_index].get_mut("top_samples") {
                    hits.push(
                        serde_json::to_value(JsonHit::of(&hit)).map_err(std::io::Error::from)?,
                    );
                }
                Ok(())
            })?;
            let doc = object([
                ("pattern", args.pattern.as_str().into()),
                ("leaf_only", args.leaf.into()),
                ("unit", summary.units.unit_name().into()),
                ("functions", Value::Array(list)),
            ]);
            write_document(out, &doc)?;
            summary
        }
    };
    Ok(Outcome { matched: !summary.functions.is_empty(), notes: summary.notes })
}

/// A hit as the JSON document's `top_samples` show it: the fields of
/// [`crate::analysis::grep::JSON_HIT_FIELDS`], in their order, serialized from the hit's values.
#[derive(serde::Serialize)]
struct JsonHit<'a> {
    rank: usize,
    file: &'a str,
    sample: u64,
    line: Option<u64>,
    value: Amount,
    value_text: &'a str,
    role: Role,
    position: usize,
    labels: RecordLabels<'a>,
    frames: RecordFrames<'a>,
}

impl<'a> JsonHit<'a> {
    fn of(hit: &GrepHit<'a>) -> JsonHit<'a> {
        JsonHit {
            rank: hit.rank,
            file: hit.file,
            sample: hit.sample,
            line: hit.line,
            value: hit.value,
            value_text: hit.value_text,
            role: hit.role,
            position: hit.position,
            labels: hit.labels,
            frames: hit.frames,
        }
    }
}

/// The text view: per function its totals, then its samples, each with
/// its call path (or, with `--stacks`, its block).
struct TextView<'o> {
    out: &'o mut dyn Write,
    stacks: bool,
    /// Each sample's stack is printed once, however many of its functions
    /// match: per sample shown, the frame from which its call path (or,
    /// with --stacks, its block) was printed.
    printed: FxHashMap<(usize, u64), usize>,
}

impl TextView<'_> {
    fn hit(&mut self, hit: &GrepHit<'_>) -> Result<()> {
        let out = &mut *self.out;
        let (rec, names, units) = (hit.record, hit.names, hit.units);
        if hit.rank == 1 {
            if hit.function_index > 0 {
                writeln!(out)?;
            }
            let f = hit.totals;
            writeln!(out, "{}", f.function)?;
            writeln!(
                out,
                "    samples {} ({} as leaf, {} as caller)   flat {}{}   cum {}{}",
                f.samples,
                f.leaf_samples,
                f.caller_samples,
                units.format(f.flat.0),
                units.bound(f.flat_max_error.0),
                units.format(f.cum.0),
                units.bound(f.cum_max_error.0),
            )?;
        }
        let mut line = format!(
            "  {:>3}. {:>width$}  {:<6}  {}",
            hit.rank,
            rec.value_text(),
            hit.role.as_str(),
            rec.position(hit.file),
            width = hit.value_width,
        );
        for (k, v) in rec.labels() {
            line.push_str(&format!("  {k}: {v}"));
        }
        if hit.role == Role::Caller {
            let leaf = rec.frames[0].name;
            line.push_str(&format!("  (leaf {})", names.get(leaf)));
        }
        writeln!(out, "{line}")?;
        let from = if self.stacks { 0 } else { hit.position };
        let key = (hit.file_index, rec.index);
        match self.printed.get(&key).copied() {
            None => {
                self.printed.insert(key, from);
                if self.stacks {
                    write_block_body(out, rec, names, "        ")?;
                } else {
                    write_path(out, &rec.frames[from..], names, "")?;
                }
            }
            // Printed above from this frame or one nearer the leaf.
            Some(done) if done <= from => {
                writeln!(out, "        (stack printed above, sample {})", rec.index)?;
            }
            // Printed above from a frame nearer the root: the frames up
            // to it, then a reference.
            Some(done) => {
                self.printed.insert(key, from);
                let tail = format!(" < ... (printed above, sample {})", rec.index);
                write_path(out, &rec.frames[from..done], names, &tail)?;
            }
        }
        Ok(())
    }
}

/// A call path, leaf end first, joined by ` < ` on one line.
fn write_path(out: &mut dyn Write, frames: &[Frame], names: &Names, tail: &str) -> Result<()> {
    write!(out, "        ")?;
    for (i, f) in frames.iter().enumerate() {
        if i > 0 {
            write!(out, " < ")?;
        }
        write!(out, "{}", names.get(f.name))?;
    }
    writeln!(out, "{tail}")?;
    Ok(())
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
