//! `traces-tool goroutines [FILE]...`: buckets of similar goroutines from
//! dumps (and goroutine profiles), as panicparse groups them, and across
//! several dumps of one process: counts per dump, growing buckets,
//! long-lived ids and a leak verdict ([`crate::analysis::goroutines`]).

use std::io::Write;

use clap::Args;
use serde::Serialize;

pub use crate::analysis::goroutines::{Order, Similarity};

use crate::analysis::goroutines::{
    bucket_header, goroutines, summarise_ids, Bucket, GoroutinesOptions, GoroutinesReport,
    DEFAULT_IGNORES,
};
use crate::cmd::{formats, row_limit, Format, InputArgs, Outcome, ALL_FORMATS};
use crate::error::{Error, Result};
use crate::output::json::write_document;
use crate::output::rows::{to_object, write_csv, write_ndjson};
use crate::output::sheet::Kind;

/// Buckets of similar goroutines: what thousands of goroutines are doing,
/// which group is stuck, and, over several dumps, which group grows.
///
/// Reads goroutine dumps (`goroutine?debug=2`, a panic's or SIGQUIT's
/// output, also after a log or behind per-line prefixes) and goroutine
/// profiles (binary or `?debug=1`: counts only). Goroutines share a bucket
/// when their stacks are alike at `--similarity`, and their state, locked
/// flag, labels and creator are the same. With several inputs (dumps of one
/// process over time, in the order given or as `--order` says) each bucket
/// has its count in every input, the ids alive in all of them, and a
/// verdict.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct GoroutinesArgs {
    /// How alike arguments must be: `exact`, `pointers` (panicparse's
    /// default: pointer-like arguments may differ) or `values` (panicparse's
    /// `-aggressive`: any argument may differ).
    #[arg(long, value_enum, default_value_t)]
    pub similarity: Similarity,
    /// Keep buckets whose state matches this regular expression
    /// (`'chan receive|select'`).
    #[arg(long, value_name = "REGEX")]
    pub state: Option<String>,
    /// Keep buckets whose header (`state [N minutes] [locked] [Created by F @
    /// file:line]`, as panicparse's `-m` sees it) or any frame (function or
    /// file:line) matches.
    #[arg(long = "match", short = 'm', value_name = "REGEX")]
    pub matching: Option<String>,
    /// Drop buckets whose header or any frame matches (panicparse's `-f`).
    #[arg(long, short = 'f', value_name = "REGEX")]
    pub exclude: Option<String>,
    /// Several inputs: keep the buckets whose count rose in every interval.
    #[arg(long)]
    pub growing: bool,
    /// Several inputs: keep the buckets judged a leak (growing in every
    /// interval and not known harmless; see the list below).
    #[arg(long)]
    pub leaks: bool,
    /// A function (regular expression) whose goroutines are harmless, added
    /// to the default list; repeatable.
    #[arg(long, value_name = "REGEX")]
    pub harmless: Vec<String>,
    /// Drop the default list of harmless goroutines.
    #[arg(long)]
    pub no_default_harmless: bool,
    /// Regular expression of application frames (marked `>`); default: the
    /// guess `blame` makes.
    #[arg(long, value_name = "REGEX")]
    pub app: Vec<String>,
    /// Show the first N buckets (0: all); default 30 in text, every bucket
    /// in csv and json unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// The order of several inputs: `given`, `time` (the time each carries:
    /// a binary profile's; dumps and `?debug=1` profiles have none) or
    /// `mtime` (the files' modification times).
    #[arg(long, value_enum, default_value_t)]
    pub order: Order,
    /// Output format.
    #[arg(long, value_parser = formats(ALL_FORMATS), default_value = "text")]
    pub format: Format,
    /// The inputs and how they are read.
    #[command(flatten)]
    pub input: InputArgs,
}

fn after_long_help() -> String {
    let list: Vec<String> =
        DEFAULT_IGNORES.iter().map(|(re, why)| format!("  {why}: {re}")).collect();
    format!(
        "Known harmless (never a leak; `--harmless` adds, `--no-default-harmless` drops; \
         net/http keep-alive connections only while they do not grow; stacks of runtime \
         frames only are harmless too):\n{}\n\n{JSON_SCHEMA}",
        list.join("\n")
    )
}

/// The JSON schema, shown by `--help`.
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"similarity\": \"exact\"|\"pointers\"|\"values\", \"order\": \"given\"|\"time\"|\"mtime\",
   \"inputs\": [{\"name\": str, \"kind\": \"dump\"|\"profile\"|\"goroutineleak profile\",
                \"goroutines\": int, \"panic\": str|null, \"leaked\": int|null,
                \"time_nanos\": int|null (what --order time or mtime ordered by)}, ...],
   \"total_buckets\": int, \"buckets\": [BUCKET, ...]}
  BUCKET: {\"count\": int (last input), \"counts\": [int, ...] (every input),
   \"state\": str, \"wait_minutes\": [min, max]|null, \"locked\": bool,
   \"created_by\": {\"function\": str, \"file\": str|null, \"line\": int|null,
                  \"parents\": [int, ...]}|null,
   \"labels\": [[key, value], ...], \"ids\": [int, ...] (last input),
   \"long_lived\": [int, ...], \"intervals\": [{\"new\": [int, ...], \"gone\": [int, ...]}, ...],
   \"panicked\": bool, \"growing\": bool, \"verdict\": str|null,
   \"stack\": [{\"function\": str, \"file\": str|null, \"line\": int|null,
               \"arguments\": str|null, \"inline\": bool, \"application\": bool}, ...]}
   (leaf first)
NDJSON (--format ndjson): one BUCKET per line.
CSV: one row per bucket: rank, count, counts (`;`-joined), state, wait_min,
wait_max, locked, created_by, created_at, parents, ids (summarised), long_lived
(summarised), growing, verdict, labels, leaf, leaf_position, stack (root first,
`;`-joined).";

/// A bucket as one CSV row.
#[derive(Serialize)]
struct CsvRow {
    rank: usize,
    count: u64,
    counts: String,
    state: String,
    wait_min: Option<u64>,
    wait_max: Option<u64>,
    locked: bool,
    created_by: Option<String>,
    created_at: Option<String>,
    parents: String,
    ids: String,
    long_lived: String,
    growing: bool,
    verdict: Option<String>,
    labels: String,
    leaf: Option<String>,
    leaf_position: Option<String>,
    stack: String,
}

const CSV_COLUMNS: [(&str, Kind); 18] = [
    ("rank", Kind::Number),
    ("count", Kind::Number),
    ("counts", Kind::Text),
    ("state", Kind::Text),
    ("wait_min", Kind::Number),
    ("wait_max", Kind::Number),
    ("locked", Kind::Bool),
    ("created_by", Kind::Text),
    ("created_at", Kind::Text),
    ("parents", Kind::Text),
    ("ids", Kind::Text),
    ("long_lived", Kind::Text),
    ("growing", Kind::Bool),
    ("verdict", Kind::Text),
    ("labels", Kind::Text),
    ("leaf", Kind::Text),
    ("leaf_position", Kind::Text),
    ("stack", Kind::Text),
];

fn position(file: &Option<String>, line: Option<u64>) -> Option<String> {
    let file = file.as_ref()?;
    Some(match line {
        Some(n) => format!("{file}:{n}"),
        None => file.clone(),
    })
}

fn csv_row(rank: usize, b: &Bucket) -> CsvRow {
    let ids = |v: &[u64]| if v.is_empty() { String::new() } else { summarise_ids(v, 1000) };
    CsvRow {
        rank,
        count: b.count,
        counts: b.counts.iter().map(u64::to_string).collect::<Vec<_>>().join(";"),
        state: b.state.clone(),
        wait_min: b.wait_minutes.map(|w| w[0]),
        wait_max: b.wait_minutes.map(|w| w[1]),
        locked: b.locked,
        created_by: b.created_by.as_ref().map(|c| c.function.clone()),
        created_at: b.created_by.as_ref().and_then(|c| position(&c.file, c.line)),
        parents: b
            .created_by
            .as_ref()
            .map(|c| c.parents.iter().map(u64::to_string).collect::<Vec<_>>().join(";"))
            .unwrap_or_default(),
        ids: ids(&b.ids),
        long_lived: ids(&b.long_lived),
        growing: b.growing,
        verdict: b.verdict.clone(),
        labels: b.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "),
        leaf: b.stack.first().map(|f| f.function.clone()),
        leaf_position: b.stack.first().and_then(|f| position(&f.file, f.line)),
        stack: b.stack.iter().rev().map(|f| f.function.as_str()).collect::<Vec<_>>().join(";"),
    }
}

/// Runs the command.
pub fn run(args: &GoroutinesArgs, out: &mut dyn Write) -> Result<Outcome> {
    let active = args.input.filters.active();
    if !active.is_empty() {
        return Err(Error::Usage(format!(
            "goroutines does not apply pprof's filters ({}): use --match, --exclude or --state",
            active.join(", ")
        )));
    }
    let options = GoroutinesOptions {
        similarity: args.similarity,
        state: args.state.clone(),
        matching: args.matching.clone(),
        excluding: args.exclude.clone(),
        growing: args.growing,
        leaks: args.leaks,
        ignore: args.harmless.clone(),
        no_default_ignores: args.no_default_harmless,
        app: args.app.clone(),
        top: row_limit(args.top, args.format, 30),
        order: args.order,
    };
    let report = goroutines(&args.input.files, &args.input.reader_options(), &options)?;
    let mut notes = report.notes.clone();
    if (args.growing || args.leaks) && report.inputs.len() < 2 {
        notes.push("--growing and --leaks need several inputs (dumps taken over time)".into());
    }
    match args.format {
        Format::Text => write_text(out, &report)?,
        Format::Csv => {
            let rows: Vec<CsvRow> =
                report.buckets.iter().enumerate().map(|(i, b)| csv_row(i + 1, b)).collect();
            write_csv(
                out,
                &CSV_COLUMNS,
                serde_json::Map::new(),
                &rows,
                args.input.sheet_options(),
            )?;
        }
        Format::Json => {
            let value = serde_json::Value::Object(to_object(&report)?);
            write_document(out, &value)?;
        }
        Format::Ndjson => write_ndjson(out, &report.buckets)?,
    }
    if report.buckets.is_empty() {
        notes.push("no bucket to show".to_owned());
    }
    Ok(Outcome { matched: !report.buckets.is_empty(), notes })
}

/// The text view: a line on the inputs, the panic, then per bucket its
/// count (or series of counts), header, verdict, ids and stack.
fn write_text(out: &mut dyn Write, r: &GoroutinesReport) -> Result<()> {
    let total: u64 = r.inputs.last().map_or(0, |i| i.goroutines);
    if r.inputs.len() == 1 {
        let leaked = r.inputs[0].leaked.map(|n| format!(" ({n} leaked)")).unwrap_or_default();
        writeln!(
            out,
            "{} goroutines{leaked} in {} buckets (similarity {}), {} shown",
            total,
            r.total_buckets,
            similarity_name(r.similarity),
            r.buckets.len()
        )?;
    } else {
        let per: Vec<String> =
            r.inputs.iter().map(|i| format!("{} {}", i.name, i.goroutines)).collect();
        let order = match r.order {
            Order::Given => "in the order given",
            Order::Time => "ordered by the time each carries",
            Order::Mtime => "ordered by file modification time",
        };
        writeln!(
            out,
            "{} inputs {order} (goroutines: {}), {} buckets (similarity {}), {} shown",
            r.inputs.len(),
            per.join(" → "),
            r.total_buckets,
            similarity_name(r.similarity),
            r.buckets.len()
        )?;
    }
    for input in &r.inputs {
        if let Some(panic) = &input.panic {
            let prefix =
                if r.inputs.len() > 1 { format!("{}: ", input.name) } else { String::new() };
            writeln!(out, "{prefix}{panic}")?;
        }
    }
    for b in &r.buckets {
        writeln!(out)?;
        let count = if r.inputs.len() > 1 {
            b.counts.iter().map(u64::to_string).collect::<Vec<_>>().join(" → ")
        } else {
            b.count.to_string()
        };
        let parents = match &b.created_by {
            Some(c) if !c.parents.is_empty() => {
                let p: Vec<String> = c.parents.iter().take(5).map(u64::to_string).collect();
                let more = if c.parents.len() > 5 { ", ..." } else { "" };
                format!(" (in goroutine {}{more})", p.join(", "))
            }
            _ => String::new(),
        };
        let mark = if b.panicked { "  [panicked]" } else { "" };
        let verdict = b.verdict.as_deref().map(|v| format!("  {v}")).unwrap_or_default();
        writeln!(out, "{count}: {}{parents}{mark}{verdict}", bucket_header(b))?;
        if !b.labels.is_empty() {
            let l: Vec<String> = b.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(out, "    labels {}", l.join(", "))?;
        }
        if !b.ids.is_empty() {
            let mut line = format!("    ids {}", summarise_ids(&b.ids, 8));
            if r.inputs.len() > 1 {
                line.push_str(&format!("; in every input {}", summarise_ids(&b.long_lived, 8)));
                let last = b.intervals.last();
                if let Some(i) = last.filter(|i| !i.new.is_empty() || !i.gone.is_empty()) {
                    line.push_str(&format!("; last interval +{} -{}", i.new.len(), i.gone.len()));
                }
            }
            writeln!(out, "{line}")?;
        }
        for f in &b.stack {
            let mark = if f.application { ">" } else { " " };
            let args = match &f.arguments {
                Some(a) if f.function.starts_with("...") => a.clone(),
                Some(a) => format!("({a})"),
                None => String::new(),
            };
            writeln!(out, "  {mark} {}{args}", f.function)?;
            if let Some(pos) = position(&f.file, f.line) {
                writeln!(out, "        {pos}")?;
            }
        }
    }
    Ok(())
}

fn similarity_name(s: Similarity) -> &'static str {
    match s {
        Similarity::Exact => "exact",
        Similarity::Pointers => "pointers",
        Similarity::Values => "values",
    }
}
