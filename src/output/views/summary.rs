//! `summary`'s view: the report's fields, a `Label:  value` line each in
//! text (numbers, bounds and frames typed), two columns (field, value) in
//! CSV, and the report as one JSON document.

use itertools::Itertools;
use std::fmt;
use std::io::Write;

use serde_json::Value;

use crate::analysis::facts::ProfileKind;
use crate::analysis::summary::SummaryReport;
use crate::error::Result;
use crate::output::rows::to_object;
use crate::output::sheet::{bool_cell, Kind, Sheet, SheetOptions};
use crate::output::text::{frame_part, Layout, Out, Part};
use crate::output::views::{View, TEXT_CSV_JSON};
use crate::output::Format;
use crate::record::HeaderField;
use crate::units::{format_in, percentage, Dimension};

impl View for SummaryReport {
    const NAME: &'static str = "summary";
    const FORMATS: &'static [Format] = TEXT_CSV_JSON;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        for f in fields(self).iter().filter(|f| !f.text.is_empty()) {
            let label = format!("{}:", f.label.trim_end_matches(':'));
            let list = f.key == "next" || (f.key == "repairs" && f.text.lines() > 1);
            // The text's lines, its parts split at newlines.
            let mut lines: Vec<Vec<(Part, &str)>> = vec![Vec::new()];
            for (part, text) in &f.text.0 {
                for (i, piece) in text.split('\n').enumerate() {
                    if i > 0 {
                        lines.push(Vec::new());
                    }
                    if !piece.is_empty() {
                        lines.last_mut().expect("one line at least").push((*part, piece));
                    }
                }
            }
            if list {
                out.prose(&label)?;
            }
            for (i, parts) in lines.iter().enumerate() {
                let layout = if f.key == "next" { Layout::Command } else { Layout::Prose };
                let mut line = out.line(layout);
                if i == 0 && !list {
                    line = line.part(Part::Label, format_args!("{label:<20}"));
                } else if i == 0 {
                    line = line.plain("    ");
                }
                for (part, text) in parts {
                    line = line.part(*part, text);
                }
                line.end()?;
            }
        }
        Ok(())
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        let doc = to_object(self)?;
        let columns = [("field", Kind::Text), ("value", Kind::Text)];
        let mut w = Sheet::new(out, columns, sheet);
        for f in fields(self) {
            let value = match f.csv {
                Some(text) => text,
                None => match doc.get(f.key) {
                    Some(Value::Bool(b)) => bool_cell(*b).to_owned(),
                    Some(Value::Number(n)) => n.to_string(),
                    Some(Value::String(s)) => s.clone(),
                    _ => String::new(),
                },
            };
            w.row_typed([(f.key, Kind::Text), (value.as_str(), field_kind(f.key))])?;
        }
        w.flush()?;
        Ok(())
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        crate::output::json::write_document(out, &Value::Object(to_object(self)?))
    }
}

/// A field's text as typed parts; a newline in a plain part starts a
/// line of its own.
#[derive(Default)]
struct Text(Vec<(Part, String)>);

impl Text {
    fn part(mut self, part: Part, text: impl fmt::Display) -> Text {
        let text = text.to_string();
        if !text.is_empty() {
            self.0.push((part, text));
        }
        self
    }

    fn plain(self, text: impl fmt::Display) -> Text {
        self.part(Part::Plain, text)
    }

    fn num(self, text: impl fmt::Display) -> Text {
        self.part(Part::Number, text)
    }

    /// A bound as `UnitContext::bound` writes it (` ±x`, or nothing).
    fn bound(self, text: &str) -> Text {
        let body = text.trim_start();
        self.plain(&text[..text.len() - body.len()]).part(Part::Bound, body)
    }

    fn frame(self, name: &str) -> Text {
        self.part(frame_part(name), name)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn lines(&self) -> usize {
        1 + self.0.iter().map(|(_, t)| t.matches('\n').count()).sum::<usize>()
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::default().plain(text)
    }
}

/// One line of the summary: CSV field name, text label, CSV value (`None`:
/// the JSON document's value of the field), text.
struct Field {
    key: &'static str,
    label: &'static str,
    csv: Option<String>,
    text: Text,
}

fn field(key: &'static str, label: &'static str, csv: String, text: impl Into<Text>) -> Field {
    Field { key, label, csv: Some(csv), text: text.into() }
}

/// A field whose CSV value is the document's (a number or a boolean).
fn value(key: &'static str, label: &'static str, text: impl Into<Text>) -> Field {
    Field { key, label, csv: None, text: text.into() }
}

/// Why one stack comes in several blocks, in the words of the input's kind.
fn why_several_blocks(kind: ProfileKind) -> &'static str {
    match kind {
        ProfileKind::Goroutine => {
            "goroutines with one stack stay apart where their labels (a profile) or \
             their states and wait times (a dump) differ, or where their frames stand at \
             different lines"
        }
        ProfileKind::Contention => {
            "the runtime keeps one sample per stack of the contended lock or channel, \
             and samples with different labels stay apart"
        }
        ProfileKind::Threadcreate => {
            "the runtime keeps one sample per stack that created a thread, and samples \
             with different labels stay apart"
        }
        _ => {
            "the runtime keeps one sample per stack and allocation size (heap) or \
             address (CPU), and samples with different labels stay apart"
        }
    }
}

/// The summary as fields, in display order.
fn fields(s: &SummaryReport) -> Vec<Field> {
    let dim = s.units.dimension();
    let unit = s.printed_unit.clone().unwrap_or_default();
    let fmt = |v: i128| format_in(v, dim, &unit, &s.units.other);
    let auto = |v: i128| s.units.format(v);
    let plural = |n: u64, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    let mut out = Vec::new();
    let header_field = |f: HeaderField| s.header.get(f).map(str::to_owned);
    for (key, label, f) in
        [("file", "File", HeaderField::File), ("build_id", "Build ID", HeaderField::BuildId)]
    {
        if let Some(v) = header_field(f) {
            out.push(field(key, label, v.clone(), v));
        }
    }
    let comments: Vec<&str> = s
        .header
        .lines
        .iter()
        .filter(|(f, _)| *f == HeaderField::Comment)
        .map(|(_, l)| l.as_str())
        .collect();
    if !comments.is_empty() {
        let joined = comments.join(" | ");
        out.push(field("comments", "Comments", joined.clone(), joined));
    }
    let printed_with = s.header.filters();
    if !printed_with.is_empty() {
        let joined = printed_with.join(" ");
        let text = format!(
            "{joined}: the report holds only the samples these kept, so its total and \
             percentages are of the focused samples, not of the profile"
        );
        out.push(field("printed_with_filters", "Printed with", joined, text));
    }
    let type_name = s.sample_type.as_deref().unwrap_or("(no Type: line)").to_owned();
    let unit_name = s.unit.clone();
    out.push(field(
        "type",
        "Type",
        s.sample_type.clone().unwrap_or_default(),
        format!("{type_name}, values in {unit_name}"),
    ));
    out.push(field("unit", "Unit", unit_name, String::new()));
    for (key, label, f) in [
        ("time", "Time", HeaderField::Time),
        ("duration", "Duration", HeaderField::Duration),
        ("doc", "Doc", HeaderField::Doc),
    ] {
        if let Some(v) = header_field(f) {
            out.push(field(key, label, v.clone(), v));
        }
    }
    let filtered = s.samples != s.samples_read;
    out.push(value(
        "samples",
        "Samples",
        if filtered {
            Text::default()
                .num(s.samples)
                .plain(" blocks kept of ")
                .num(s.samples_read)
                .plain(" read")
        } else {
            Text::default().num(s.samples).plain(" blocks")
        },
    ));
    if filtered {
        out.push(value("samples_read", "Samples read", String::new()));
    }
    let bound = s.units.bound(s.total_max_error.0);
    let exact_twin = match dim {
        Dimension::Bytes | Dimension::Nanoseconds if unit != fmt(s.total.0) => {
            Some(auto(s.total.0)).filter(|scaled| *scaled != fmt(s.total.0))
        }
        _ => None,
    };
    let total = Text::default().num(fmt(s.total.0)).bound(&bound);
    let total = match exact_twin {
        Some(scaled) => total.plain(" = ").num(scaled),
        None => total,
    };
    out.push(value(
        "total",
        "Total",
        total.plain(format_args!(
            " ({}{})",
            if printed_with.is_empty() {
                "pprof's total: Σ|value| of all samples before filters"
            } else {
                "Σ|value| of the focused samples the report holds"
            },
            if s.base_samples > 0 || s.negative_samples > 0 {
                "; under -diff_base, of the base samples"
            } else {
                ""
            }
        )),
    ));
    out.push(value("total_max_error", "Total ±", String::new()));
    if filtered {
        out.push(value(
            "kept_sum",
            "Kept",
            Text::default()
                .num(fmt(s.kept_sum.0))
                .plain(" (")
                .num(percentage(s.kept_sum.0, s.total.0).trim())
                .plain(" of the total) in the samples the filters kept"),
        ));
    }
    let zero_why = if s.is_inuse() {
        "objects already freed: their allocations still count in alloc_*".to_owned()
    } else {
        "pprof prints samples that are zero in this index but not in another".to_owned()
    };
    out.push(value(
        "zero_samples",
        "Zero samples",
        if s.zero_samples > 0 {
            Text::default().num(s.zero_samples).plain(format_args!(" with value 0 ({zero_why})"))
        } else {
            Text::default().num(0)
        },
    ));
    out.push(value(
        "negative_samples",
        "Negative samples",
        if s.negative_samples > 0 {
            Text::default()
                .num(s.negative_samples)
                .plain(" (under -diff_base the base profile's samples are negated: ")
                .num(s.base_samples)
                .plain(" carry pprof::base)")
        } else {
            Text::default().num(0)
        },
    ));
    out.push(value("base_samples", "Base samples", String::new()));
    out.push(value("functions", "Functions", Text::default().num(s.functions).plain(" distinct")));
    out.push(value(
        "stacks",
        "Stacks",
        Text::default()
            .num(s.stacks)
            .plain(" distinct; ")
            .num(s.stacks_in_several_blocks)
            .plain(" printed in several blocks (")
            .num(s.blocks_of_repeated_stacks)
            .plain(format_args!(
                " {}): {}; `traces-tool stacks` adds them up",
                if s.blocks_of_repeated_stacks == 1 { "block" } else { "blocks" },
                why_several_blocks(ProfileKind::of_header(s.sample_type.as_deref())),
            )),
    ));
    out.push(value("stacks_in_several_blocks", "Stacks in several blocks", String::new()));
    out.push(value(
        "deepest_stack",
        "Deepest stack",
        if s.deepest_stack > 0 {
            Text::default()
                .num(s.deepest_stack)
                .plain(" frames (leaf ")
                .frame(&s.deepest_leaf)
                .plain(")")
        } else {
            Text::default().num(0).plain(" frames")
        },
    ));
    out.push(value(
        "possibly_truncated_stacks",
        "Possibly truncated",
        if s.possibly_truncated_stacks > 0 {
            Text::default()
                .num(s.possibly_truncated_stacks)
                .plain(plural(s.possibly_truncated_stacks as u64, " stack", " stacks"))
                .plain(" (")
                .num(s.possibly_truncated_samples)
                .plain(plural(s.possibly_truncated_samples, " block", " blocks"))
                .plain(", ")
                .num(percentage(s.possibly_truncated_value.0, s.total.0).trim())
                .plain(
                    " of the total) have exactly 32, 64 or 128 frames: possibly truncated by \
                     the runtime (its limit is 32 frames for heap, allocs, mutex and block \
                     profiles and 64 for CPU before Go 1.23, 128 since); their outermost \
                     callers are missing",
                )
        } else {
            Text::default()
                .num(0)
                .plain(" stacks have exactly 32, 64 or 128 frames (the runtime's depth limits)")
        },
    ));
    let exact_how = match dim {
        Dimension::Bytes => "print the report with `go tool pprof -traces -unit=b` for exact ones",
        Dimension::Nanoseconds => {
            "print the report with `go tool pprof -traces -unit=ns` for exact ones"
        }
        _ => "print the report with -unit=b or -unit=ns for exact ones",
    };
    out.push(value(
        "exact",
        "Values",
        if s.exact {
            Text::default().plain(
                "exact (base units or counts): sums and pprof's numbers can be reproduced exactly",
            )
        } else {
            Text::default()
                .plain("rounded by pprof to 2 decimals of an auto-scaled unit (total ")
                .part(Part::Bound, format_args!("±{}", auto(s.total_max_error.0)))
                .plain(format_args!("); {exact_how}"))
        },
    ));
    if !s.labels.is_empty() {
        let mut keys = Text::default();
        for (i, l) in s.labels.iter().enumerate() {
            if i > 0 {
                keys = keys.plain(", ");
            }
            keys = keys.plain(format_args!("{} (", l.key)).num(l.samples).plain(" samples)");
        }
        out.push(field(
            "labels",
            "Labels",
            s.labels.iter().map(|l| l.key.as_str()).join(" "),
            keys,
        ));
    }
    if s.labels.iter().any(|l| l.key == "bytes") {
        out.push(field(
            "bytes_label",
            "bytes:",
            "average object size of the bucket (an estimate)".to_owned(),
            "the `bytes:` label is the average object size of the sample's bucket \
             (alloc_space / alloc_objects as the runtime scaled them): an estimate"
                .to_owned(),
        ));
    }
    if let Some(top) = &s.top_function {
        let (name, v) = (&top.function, top.flat.0);
        out.push(field(
            "top_function",
            "Largest flat",
            name.clone(),
            Text::default()
                .frame(name)
                .plain(" (")
                .num(fmt(v))
                .plain(" flat, ")
                .num(percentage(v, s.total.0).trim())
                .plain(" of the total)"),
        ));
    }
    if !s.repairs.is_empty() {
        let several = s.files.len() > 1;
        let text: Vec<String> = s
            .repairs
            .iter()
            .map(|r| {
                let skipped = match r.skipped_samples {
                    0 => String::new(),
                    n => format!(", {n} sample{} skipped", if n == 1 { "" } else { "s" }),
                };
                let file = if several { format!("{}: ", r.file) } else { String::new() };
                format!("{file}{} ×{} (first at line {}{skipped})", r.kind, r.lines, r.first_line)
            })
            .collect();
        out.push(field("repairs", "Repaired", text.join("; "), text.join("\n    ")));
    }
    out.push(field("next", "Next", s.next.join("; "), s.next.join("\n    ")));
    out
}

/// The fields whose CSV value is a number (the others are text, and
/// `exact` is `true` or `false`).
pub const NUMERIC_FIELDS: [&str; 14] = [
    "samples",
    "samples_read",
    "total",
    "total_max_error",
    "kept_sum",
    "zero_samples",
    "negative_samples",
    "base_samples",
    "functions",
    "stacks",
    "stacks_in_several_blocks",
    "blocks_of_repeated_stacks",
    "deepest_stack",
    "possibly_truncated_stacks",
];

/// How a field's value is written in CSV.
fn field_kind(key: &str) -> Kind {
    if NUMERIC_FIELDS.contains(&key) {
        Kind::Number
    } else if key == "exact" {
        Kind::Bool
    } else {
        Kind::Text
    }
}

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"files\": [str], \"header\": HEADER (see top), \"type\": str|null,
   \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str, \"printed_unit\": str|null (a fixed
   -unit the report was printed with), \"exact\": bool, \"samples\": int (kept),
   \"samples_read\": int, \"total\": number (pprof's), \"total_max_error\": number,
   \"kept_sum\": number, \"zero_samples\": int, \"negative_samples\": int,
   \"base_samples\": int, \"functions\": int, \"stacks\": int,
   \"stacks_in_several_blocks\": int, \"blocks_of_repeated_stacks\": int,
   \"deepest_stack\": int, \"deepest_leaf\": str,
   \"possibly_truncated_stacks\": int, \"possibly_truncated_samples\": int,
   \"possibly_truncated_value\": number,
   \"labels\": [{\"key\": str, \"samples\": int}, ...],
   \"top_function\": {\"function\": str, \"flat\": number}|null,
   \"repairs\": [{\"file\": str, \"kind\": str, \"lines\": int, \"first_line\": int,
   \"first_text\": str, \"skipped_samples\": int}, ...] (what was repaired in
   pasted or captured text; empty for a report as pprof printed it),
   \"next\": [str, ...] (commands to run next)}
Amounts are exact JSON numbers in the base unit.";
