//! `goroutines`' view: per bucket of similar goroutines its count (or its
//! counts over several dumps), state, creator, ids in short and stack with
//! the application's frames marked; CSV a row per bucket, JSON and NDJSON.

use std::io::Write;

use serde::Serialize;

use crate::analysis::goroutines::{
    bucket_header, summarise_ids, Bucket, GoroutinesReport, Order, Similarity,
};
use crate::error::Result;
use crate::output::json::write_document;
use crate::output::rows::{to_object, write_csv, write_ndjson};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::{Layout, Out, Part};
use crate::output::views::{View, ALL_FORMATS};
use crate::output::Format;

impl View for GoroutinesReport {
    const NAME: &'static str = "goroutines";
    const FORMATS: &'static [Format] = ALL_FORMATS;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        write_text(out, self)
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        let rows: Vec<CsvRow> =
            self.buckets.iter().enumerate().map(|(i, b)| csv_row(i + 1, b)).collect();
        write_csv(out, &CSV_COLUMNS, serde_json::Map::new(), &rows, sheet)
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        let value = serde_json::Value::Object(to_object(self)?);
        write_document(out, &value)
    }

    fn ndjson(&self, out: &mut dyn Write) -> Result<()> {
        write_ndjson(out, &self.buckets)
    }
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

/// The text view: a line on the inputs, the panic, then per bucket its
/// count (or series of counts), header, verdict, ids and stack.
fn write_text(out: &mut Out<'_>, r: &GoroutinesReport) -> Result<()> {
    let total: u64 = r.inputs.last().map_or(0, |i| i.goroutines);
    if r.inputs.len() == 1 {
        let leaked = r.inputs[0].leaked.map(|n| format!(" ({n} leaked)")).unwrap_or_default();
        out.line(Layout::Prose)
            .number(total)
            .plain(format_args!(" goroutines{leaked} in "))
            .number(r.total_buckets)
            .plain(format_args!(" buckets (similarity {}), ", similarity_name(r.similarity)))
            .number(r.buckets.len())
            .plain(" shown")
            .end()?;
    } else {
        let per: Vec<String> =
            r.inputs.iter().map(|i| format!("{} {}", i.name, i.goroutines)).collect();
        let order = match r.order {
            Order::Given => "in the order given",
            Order::Time => "ordered by the time each carries",
            Order::Mtime => "ordered by file modification time",
        };
        out.prose(format_args!(
            "{} inputs {order} (goroutines: {}), {} buckets (similarity {}), {} shown",
            r.inputs.len(),
            per.join(" → "),
            r.total_buckets,
            similarity_name(r.similarity),
            r.buckets.len()
        ))?;
    }
    for input in &r.inputs {
        if let Some(panic) = &input.panic {
            let prefix =
                if r.inputs.len() > 1 { format!("{}: ", input.name) } else { String::new() };
            out.line(Layout::Header).plain(format_args!("{prefix}{panic}")).end()?;
        }
    }
    for b in &r.buckets {
        out.blank()?;
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
        let line = out
            .line(Layout::Prose)
            .number(count)
            .plain(format_args!(": {}{parents}", bucket_header(b)));
        let line = if b.panicked { line.plain("  ").part(Part::Grew, "[panicked]") } else { line };
        match b.verdict.as_deref() {
            Some(v) => line.plain("  ").part(Part::Grew, v),
            None => line,
        }
        .end()?;
        if !b.labels.is_empty() {
            let l: Vec<String> = b.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.prose(format_args!("    labels {}", l.join(", ")))?;
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
            out.prose(line)?;
        }
        for f in &b.stack {
            let args = match &f.arguments {
                Some(a) if f.function.starts_with("...") => a.clone(),
                Some(a) => format!("({a})"),
                None => String::new(),
            };
            let line = out.line(Layout::Row);
            let line = if f.application {
                line.plain("  > ").part(Part::AppFrame, &f.function)
            } else if f.function.starts_with("...") {
                line.plain("    ").plain(&f.function)
            } else {
                line.plain("    ").frame(&f.function)
            };
            line.plain(args).end()?;
            if let Some(pos) = position(&f.file, f.line) {
                out.prose(format_args!("        {pos}"))?;
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
