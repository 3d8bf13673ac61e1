//! `grep`'s view: per matching function its totals, then its largest
//! samples, each with its call path (or its whole block); where the
//! pattern matched is marked in every name. Text, CSV, JSON and NDJSON;
//! hits stream in as the analysis finds them.

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::analysis::csv::{RecordFrames, RecordLabels};
use crate::analysis::grep::{GrepHit, GrepOptions, GrepSummary, Role, NDJSON_FIELDS};
use crate::error::Result;
use crate::matcher::NameMatcher;
use crate::output::json::{object, write_document};
use crate::output::rows::{to_object, write_ndjson_row, CsvRows};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::{Layout, Out, Part};
use crate::output::views::ALL_FORMATS;
use crate::output::Format;
use crate::record::{Frame, Names, Record};
use crate::units::Amount;

/// The formats `grep` writes.
pub const FORMATS: &[Format] = ALL_FORMATS;

/// `grep`'s output as hits come in: [`GrepView::hit`] for each, then
/// [`GrepView::finish`].
pub struct GrepView<'o, 'a> {
    sink: Sink<'o, 'a>,
    /// Text: each sample's whole block instead of a call path.
    stacks: bool,
    /// Text: per sample shown, the frame from which its call path (or,
    /// with `stacks`, its block) was printed: each stack is printed once,
    /// however many of its functions match.
    printed: FxHashMap<(usize, u64), usize>,
}

/// Where a [`GrepView`] writes.
enum Sink<'o, 'a> {
    Text(&'o mut Out<'a>),
    Csv(Box<CsvRows<'static, &'o mut Out<'a>>>),
    Ndjson(&'o mut Out<'a>),
    /// The functions, each with its samples, written at the end.
    Json(&'o mut Out<'a>, Vec<Value>),
}

impl<'o, 'a> GrepView<'o, 'a> {
    /// A view writing `format` to `out` (CSV's header at once).
    pub fn new(format: Format, stacks: bool, sheet: SheetOptions, out: &'o mut Out<'a>) -> Self {
        let sink = match format {
            Format::Text => Sink::Text(out),
            Format::Csv => {
                Sink::Csv(Box::new(CsvRows::new(out, &CSV_COLUMNS, serde_json::Map::new(), sheet)))
            }
            Format::Ndjson => Sink::Ndjson(out),
            Format::Json => Sink::Json(out, Vec::new()),
        };
        GrepView { sink, stacks, printed: FxHashMap::default() }
    }

    /// Writes (or, for JSON, keeps) one hit.
    pub fn hit(&mut self, hit: &GrepHit<'_>) -> Result<()> {
        match &mut self.sink {
            Sink::Text(_) => self.text(hit),
            Sink::Csv(csv) => csv.row(hit),
            Sink::Ndjson(out) => write_ndjson_row(&mut **out, hit, Some(&NDJSON_FIELDS)),
            Sink::Json(_, functions) => {
                if hit.function_index == functions.len() {
                    let mut function = to_object(hit.totals)?;
                    function.insert("top_samples".into(), Value::Array(Vec::new()));
                    functions.push(Value::Object(function));
                }
                if let Some(Value::Array(hits)) =
                    functions[hit.function_index].get_mut("top_samples")
                {
                    hits.push(
                        serde_json::to_value(JsonHit::of(hit)).map_err(std::io::Error::from)?,
                    );
                }
                Ok(())
            }
        }
    }

    /// Ends the output: CSV's last bytes, JSON's document.
    pub fn finish(self, options: &GrepOptions, summary: &GrepSummary) -> Result<()> {
        match self.sink {
            Sink::Csv(csv) => csv.finish(),
            Sink::Json(out, functions) => {
                let doc = object([
                    ("pattern", options.pattern.as_str().into()),
                    ("leaf_only", options.leaf.into()),
                    ("unit", summary.units.unit_name().into()),
                    ("functions", Value::Array(functions)),
                ]);
                write_document(out, &doc)
            }
            Sink::Text(_) | Sink::Ndjson(_) => Ok(()),
        }
    }

    fn text(&mut self, hit: &GrepHit<'_>) -> Result<()> {
        let Sink::Text(out) = &mut self.sink else { return Ok(()) };
        let out = &mut **out;
        let reads = out.reads_parts();
        let (rec, names, units, matcher) = (hit.record, hit.names, hit.units, hit.matcher);
        if hit.rank == 1 {
            if hit.function_index > 0 {
                out.blank()?;
            }
            let f = hit.totals;
            out.line(Layout::Prose)
                .frame_marked(&f.function, marks(reads, matcher, &f.function))
                .end()?;
            out.line(Layout::Prose)
                .plain("    samples ")
                .number(f.samples)
                .plain(" (")
                .number(f.leaf_samples)
                .plain(" as leaf, ")
                .number(f.caller_samples)
                .plain(" as caller)   flat ")
                .number(units.format(f.flat.0))
                .bound(units.bound(f.flat_max_error.0))
                .plain("   cum ")
                .number(units.format(f.cum.0))
                .bound(units.bound(f.cum_max_error.0))
                .end()?;
        }
        let mut line = out
            .line(Layout::Prose)
            .plain("  ")
            .right(3, Part::Number, hit.rank)
            .plain(". ")
            .right(hit.value_width, Part::Number, rec.value_text())
            .plain("  ")
            .left(6, Part::Plain, hit.role.as_str())
            .plain("  ")
            .plain(rec.position(hit.file));
        for (k, v) in rec.labels() {
            line = line.plain(format_args!("  {k}: {v}"));
        }
        if hit.role == Role::Caller {
            let leaf = names.get(rec.frames[0].name);
            line =
                line.plain("  (leaf ").frame_marked(leaf, marks(reads, matcher, leaf)).plain(")");
        }
        line.end()?;
        let from = if self.stacks { 0 } else { hit.position };
        let key = (hit.file_index, rec.index);
        match self.printed.get(&key).copied() {
            None => {
                self.printed.insert(key, from);
                if self.stacks {
                    write_block(out, rec, names, matcher)?;
                } else {
                    write_path(out, &rec.frames[from..], names, matcher, "")?;
                }
            }
            // Printed above from this frame or one nearer the leaf.
            Some(done) if done <= from => {
                out.line(Layout::Prose)
                    .plain(format_args!("        (stack printed above, sample {})", rec.index))
                    .end()?;
            }
            // Printed above from a frame nearer the root: the frames up
            // to it, then a reference.
            Some(done) => {
                self.printed.insert(key, from);
                let tail = format!(" < ... (printed above, sample {})", rec.index);
                write_path(out, &rec.frames[from..done], names, matcher, &tail)?;
            }
        }
        Ok(())
    }
}

/// Where the pattern matches in `name`, for a sink that looks at parts
/// (in a pipe nobody does: no search is made).
fn marks(reads: bool, matcher: &NameMatcher, name: &str) -> Vec<std::ops::Range<usize>> {
    if reads {
        matcher.find_ranges(name)
    } else {
        Vec::new()
    }
}

/// A call path, leaf end first, joined by ` < ` on one line.
fn write_path(
    out: &mut Out<'_>,
    frames: &[Frame],
    names: &Names,
    matcher: &NameMatcher,
    tail: &str,
) -> Result<()> {
    let reads = out.reads_parts();
    let mut line = out.line(Layout::Path).plain("        ");
    for (i, f) in frames.iter().enumerate() {
        if i > 0 {
            line = line.plain(" < ");
        }
        let name = names.get(f.name);
        line = line.frame_marked(name, marks(reads, matcher, name));
    }
    line.plain(tail).end()?;
    Ok(())
}

/// A sample's block as pprof prints it (labels, then the value and the
/// frames), indented under its hit.
fn write_block(
    out: &mut Out<'_>,
    rec: &Record,
    names: &Names,
    matcher: &NameMatcher,
) -> Result<()> {
    use crate::read::traces::{FRAME_INDENT, INLINE_SUFFIX};
    const INDENT: &str = "        ";
    let reads = out.reads_parts();
    for (key, values) in rec.labels() {
        out.line(Layout::Prose).plain(format_args!("{INDENT}{key:>10}:  {values}")).end()?;
    }
    for (i, frame) in rec.frames.iter().enumerate() {
        let line = out.line(Layout::Row).plain(INDENT);
        let line = if i == 0 {
            line.right(10, Part::Number, rec.value_text()).plain("   ")
        } else {
            line.spaces(FRAME_INDENT)
        };
        let name = names.get(frame.name);
        let line = line.frame_marked(name, marks(reads, matcher, name));
        if frame.inline { line.plain(INLINE_SUFFIX) } else { line }.end()?;
    }
    Ok(())
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
