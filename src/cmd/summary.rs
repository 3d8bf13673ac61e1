//! `traces-tool summary`: what a traces report holds, in numbers and plain
//! words: its header, sample type and unit, pprof's total, how many samples
//! are zero or negative and why, distinct functions and stacks, how many
//! stacks come in several blocks, how deep the stacks go and whether the
//! runtime may have cut them, whether the values are exact, and what to run
//! next.

use itertools::Itertools;
use std::io::Write;

use clap::Args;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::analysis::facts::ReportFacts;
use crate::cmd::{formats, scan_with, Format, InputArgs, Outcome, UnitContext, TEXT_CSV_JSON};
use crate::error::Result;
use crate::output::sheet::{Kind, Sheet};
use crate::read::paste::Repair;
use crate::record::{Header, HeaderField, NameId, Names};
use crate::seqs::{pack_frame, SeqInterner};
use crate::units::{centi_to_decimal, format_in, percentage, Dimension};

/// Stack depths at which the Go runtime stops recording frames: 32 for
/// heap, allocs, mutex, block and goroutine profiles and 64 for CPU
/// profiles before Go 1.23, 128 for all of them since.
pub const RUNTIME_DEPTH_LIMITS: [usize; 3] = [32, 64, 128];

/// A summary of the report: counts, totals, depth, precision.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct SummaryArgs {
    /// Output format. CSV has two columns, field and value, with amounts
    /// in base units.
    #[arg(long, value_parser = formats(TEXT_CSV_JSON), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Everything the summary reports, gathered in one pass.
#[derive(Debug, Default)]
pub struct Summary {
    /// The first input's header.
    pub header: Header,
    /// Units of the values.
    pub units: UnitContext,
    /// Blocks read, before filters.
    pub samples_read: u64,
    /// Blocks kept by the filters.
    pub samples: u64,
    /// pprof's total: Σ|v| of all samples (of base samples under diff).
    pub total: i128,
    /// Rounding bound of the total.
    pub total_error: i128,
    /// Sum of the kept values (signed).
    pub kept_sum: i128,
    /// Kept samples whose value is 0.
    pub zero: u64,
    /// Kept samples whose value is negative.
    pub negative: u64,
    /// Kept samples from a `-diff_base` base profile (`pprof::base: true`).
    pub base: u64,
    /// Distinct frame names in the kept samples (` (inline)` aside).
    pub functions: usize,
    /// Distinct stacks (frames as printed).
    pub stacks: usize,
    /// Distinct stacks printed in more than one block.
    pub stacks_in_several_blocks: usize,
    /// Blocks belonging to those stacks.
    pub blocks_of_repeated_stacks: u64,
    /// The largest number of frames of a stack.
    pub deepest: usize,
    /// The leaf function of a deepest stack.
    pub deepest_leaf: String,
    /// Distinct stacks with exactly 32, 64 or 128 frames.
    pub truncated_stacks: usize,
    /// Blocks of those stacks.
    pub truncated_samples: u64,
    /// Sum of the values of those blocks.
    pub truncated_value: i128,
    /// True when every value read was printed exactly.
    pub exact: bool,
    /// The fixed unit the report was printed with, if any.
    pub printed_unit: Option<String>,
    /// Label keys of the kept samples, with how many samples carry each.
    pub label_keys: Vec<(String, u64)>,
    /// The function with the largest |flat|, and that flat.
    pub top_function: Option<(String, i128)>,
    /// The input paths as given.
    pub files: Vec<String>,
    /// Stderr notes of the read.
    pub notes: Vec<String>,
    /// What was repaired in pasted or captured inputs (see
    /// [`crate::read::paste`]), per input and kind.
    pub repairs: Vec<(String, Repair)>,
}

impl Summary {
    /// The sample type from the header, if printed.
    pub fn sample_type(&self) -> Option<&str> {
        self.header.sample_type()
    }

    /// True for `inuse_space`/`inuse_objects` (zero means freed).
    pub fn is_inuse(&self) -> bool {
        self.sample_type().is_some_and(|t| t.starts_with("inuse_"))
    }
}

/// Reads the inputs and gathers the summary.
pub fn summarize(input: &InputArgs) -> Result<Summary> {
    let mut names = Names::new();
    let mut s = Summary { exact: true, files: input.files.clone(), ..Summary::default() };
    let mut facts = ReportFacts::default();
    let mut functions: FxHashSet<NameId> = FxHashSet::default();
    // The distinct stacks (packed frames), and the blocks of each.
    let mut stacks: SeqInterner<u32> = SeqInterner::new();
    let mut stack_blocks: Vec<u64> = Vec::new();
    let mut packed: Vec<u32> = Vec::new();
    let mut flat: FxHashMap<NameId, i128> = FxHashMap::default();
    let mut label_keys: Vec<(String, u64)> = Vec::new();
    let mut deepest_leaf: Option<NameId> = None;
    let mut repaired_inputs: Vec<String> = Vec::new();
    let mut repairs: Vec<(String, Repair)> = Vec::new();
    let notes = scan_with(
        &input.inputs(),
        &mut names,
        |src, rec| {
            if !src.repairs().is_empty()
                && repaired_inputs.last().map(String::as_str) != Some(src.name())
            {
                repaired_inputs.push(src.name().to_owned());
                repairs.extend(src.repairs().iter().map(|r| (src.name().to_owned(), r.clone())));
            }
            facts.observe(src, rec)
        },
        |_, rec, _| {
            s.samples += 1;
            let v = rec.value.centi;
            s.kept_sum += v;
            if v == 0 {
                s.zero += 1;
            } else if v < 0 {
                s.negative += 1;
            }
            if rec.is_base() {
                s.base += 1;
            }
            functions.extend(rec.frames.iter().map(|f| f.name));
            if let Some(leaf) = rec.leaf() {
                *flat.entry(leaf.name).or_insert(0) += v;
            }
            if rec.frames.len() > s.deepest || deepest_leaf.is_none() {
                s.deepest = rec.frames.len();
                deepest_leaf = rec.leaf().map(|f| f.name);
            }
            if RUNTIME_DEPTH_LIMITS.contains(&rec.frames.len()) {
                s.truncated_samples += 1;
                s.truncated_value += v;
            }
            packed.clear();
            packed.extend(rec.frames.iter().map(pack_frame));
            let i = stacks.intern(&packed) as usize;
            if i == stack_blocks.len() {
                stack_blocks.push(0);
            }
            stack_blocks[i] += 1;
            for (key, _) in rec.labels() {
                match label_keys.iter_mut().find(|(k, _)| k == key) {
                    Some(entry) => entry.1 += 1,
                    None => label_keys.push((key.to_owned(), 1)),
                }
            }
            Ok(())
        },
    )?;
    s.notes = notes;
    s.repairs = repairs;
    s.header = facts.header();
    (s.total, s.total_error) = facts.total();
    s.printed_unit = facts.printed_unit();
    s.samples_read = facts.samples;
    s.exact = facts.exact;
    s.units = facts.units;
    s.functions = functions.len();
    s.stacks = stacks.len();
    for (frames, blocks) in stacks.iter().zip(&stack_blocks) {
        if *blocks > 1 {
            s.stacks_in_several_blocks += 1;
            s.blocks_of_repeated_stacks += blocks;
        }
        if RUNTIME_DEPTH_LIMITS.contains(&frames.len()) {
            s.truncated_stacks += 1;
        }
    }
    s.deepest_leaf = deepest_leaf.map(|id| names.get(id).to_owned()).unwrap_or_default();
    s.label_keys = label_keys;
    // The largest |flat|; ties by name, for a stable answer.
    s.top_function = flat
        .iter()
        .filter(|(_, v)| **v != 0)
        .max_by(|(a, x), (b, y)| {
            x.abs().cmp(&y.abs()).then_with(|| names.get(**b).cmp(names.get(**a)))
        })
        .map(|(id, v)| (names.get(*id).to_owned(), *v));
    Ok(s)
}

/// One line of the summary: CSV field name, text label, CSV value, text.
struct Field {
    key: &'static str,
    label: &'static str,
    csv: String,
    text: String,
}

fn field(key: &'static str, label: &'static str, csv: String, text: String) -> Field {
    Field { key, label, csv, text }
}

/// Quotes a word for a POSIX shell, if it needs it.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The summary as fields, in display order.
fn fields(s: &Summary) -> Vec<Field> {
    let dim = s.units.dimension();
    let unit = s.printed_unit.clone().unwrap_or_default();
    let fmt = |v: i128| format_in(v, dim, &unit, &s.units.other);
    let auto = |v: i128| s.units.format(v);
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
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
    let type_name = s.sample_type().unwrap_or("(no Type: line)").to_owned();
    let unit_name = s.units.unit_name().to_owned();
    out.push(field(
        "type",
        "Type",
        s.sample_type().unwrap_or("").to_owned(),
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
    out.push(field(
        "samples",
        "Samples",
        s.samples.to_string(),
        if filtered {
            format!("{} blocks kept of {} read", s.samples, s.samples_read)
        } else {
            format!("{} blocks", s.samples)
        },
    ));
    if filtered {
        out.push(field("samples_read", "Samples read", s.samples_read.to_string(), String::new()));
    }
    let bound = s.units.bound(s.total_error);
    let exact_twin = match dim {
        Dimension::Bytes | Dimension::Nanoseconds if unit != fmt(s.total) => {
            let scaled = auto(s.total);
            if scaled != fmt(s.total) {
                format!(" = {scaled}")
            } else {
                String::new()
            }
        }
        _ => String::new(),
    };
    out.push(field(
        "total",
        "Total",
        centi_to_decimal(s.total),
        format!(
            "{}{bound}{exact_twin} (pprof's total: Σ|value| of all samples before filters{})",
            fmt(s.total),
            if s.base > 0 || s.negative > 0 {
                "; under -diff_base, of the base samples"
            } else {
                ""
            }
        ),
    ));
    out.push(field("total_max_error", "Total ±", centi_to_decimal(s.total_error), String::new()));
    if filtered {
        out.push(field(
            "kept_sum",
            "Kept",
            centi_to_decimal(s.kept_sum),
            format!(
                "{} ({} of the total) in the samples the filters kept",
                fmt(s.kept_sum),
                percentage(s.kept_sum, s.total).trim()
            ),
        ));
    }
    let zero_why = if s.is_inuse() {
        "objects already freed: their allocations still count in alloc_*".to_owned()
    } else {
        "pprof prints samples that are zero in this index but not in another".to_owned()
    };
    out.push(field(
        "zero_samples",
        "Zero samples",
        s.zero.to_string(),
        if s.zero > 0 { format!("{} with value 0 ({zero_why})", s.zero) } else { "0".to_owned() },
    ));
    out.push(field(
        "negative_samples",
        "Negative samples",
        s.negative.to_string(),
        if s.negative > 0 {
            format!(
                "{} (under -diff_base the base profile's samples are negated: \
                 {} carry pprof::base)",
                s.negative, s.base
            )
        } else {
            "0".to_owned()
        },
    ));
    out.push(field("base_samples", "Base samples", s.base.to_string(), String::new()));
    out.push(field(
        "functions",
        "Functions",
        s.functions.to_string(),
        format!("{} distinct", s.functions),
    ));
    out.push(field(
        "stacks",
        "Stacks",
        s.stacks.to_string(),
        format!(
            "{} distinct; {} printed in several blocks ({}): the runtime keeps one sample \
             per stack and allocation size (heap) or address (CPU), and samples with \
             different labels stay apart; `traces-tool stacks` adds them up",
            s.stacks,
            s.stacks_in_several_blocks,
            plural(s.blocks_of_repeated_stacks, "block", "blocks"),
        ),
    ));
    out.push(field(
        "stacks_in_several_blocks",
        "Stacks in several blocks",
        s.stacks_in_several_blocks.to_string(),
        String::new(),
    ));
    out.push(field(
        "deepest_stack",
        "Deepest stack",
        s.deepest.to_string(),
        if s.deepest > 0 {
            format!("{} frames (leaf {})", s.deepest, s.deepest_leaf)
        } else {
            "0 frames".to_owned()
        },
    ));
    out.push(field(
        "possibly_truncated_stacks",
        "Possibly truncated",
        s.truncated_stacks.to_string(),
        if s.truncated_stacks > 0 {
            format!(
                "{} ({}, {} of the total) have exactly 32, 64 or 128 frames: possibly \
                 truncated by the runtime (its limit is 32 frames for heap, allocs, mutex \
                 and block profiles and 64 for CPU before Go 1.23, 128 since); their \
                 outermost callers are missing",
                plural(s.truncated_stacks as u64, "stack", "stacks"),
                plural(s.truncated_samples, "block", "blocks"),
                percentage(s.truncated_value, s.total).trim(),
            )
        } else {
            "0 stacks have exactly 32, 64 or 128 frames (the runtime's depth limits)".to_owned()
        },
    ));
    let exact_how = match dim {
        Dimension::Bytes => "print the report with `go tool pprof -traces -unit=b` for exact ones",
        Dimension::Nanoseconds => {
            "print the report with `go tool pprof -traces -unit=ns` for exact ones"
        }
        _ => "print the report with -unit=b or -unit=ns for exact ones",
    };
    out.push(field(
        "exact",
        "Values",
        s.exact.to_string(),
        if s.exact {
            "exact (base units or counts): sums and pprof's numbers can be reproduced exactly"
                .to_owned()
        } else {
            format!(
                "rounded by pprof to 2 decimals of an auto-scaled unit (total ±{}); {exact_how}",
                auto(s.total_error)
            )
        },
    ));
    if !s.label_keys.is_empty() {
        let keys: Vec<String> =
            s.label_keys.iter().map(|(k, n)| format!("{k} ({n} samples)")).collect();
        out.push(field(
            "labels",
            "Labels",
            s.label_keys.iter().map(|(k, _)| k.as_str()).join(" "),
            keys.join(", "),
        ));
    }
    if s.label_keys.iter().any(|(k, _)| k == "bytes") {
        out.push(field(
            "bytes_label",
            "bytes:",
            "average object size of the bucket (an estimate)".to_owned(),
            "the `bytes:` label is the average object size of the sample's bucket \
             (alloc_space / alloc_objects as the runtime scaled them): an estimate"
                .to_owned(),
        ));
    }
    if let Some((name, v)) = &s.top_function {
        out.push(field(
            "top_function",
            "Largest flat",
            name.clone(),
            format!("{name} ({} flat, {} of the total)", fmt(*v), percentage(*v, s.total).trim()),
        ));
    }
    let files = if s.files.is_empty() || s.files.iter().all(|f| f == "-") {
        "FILE".to_owned()
    } else {
        s.files.iter().map(|f| shell_quote(f)).join(" ")
    };
    if !s.repairs.is_empty() {
        let several = s.files.len() > 1;
        let text: Vec<String> = s
            .repairs
            .iter()
            .map(|(file, r)| {
                let skipped = match r.skipped_samples {
                    0 => String::new(),
                    n => format!(", {n} sample{} skipped", if n == 1 { "" } else { "s" }),
                };
                let file = if several { format!("{file}: ") } else { String::new() };
                format!(
                    "{file}{} ×{} (first at line {}{skipped})",
                    r.kind.name(),
                    r.count,
                    r.first_line
                )
            })
            .collect();
        out.push(field("repairs", "Repaired", text.join("; "), text.join("\n    ")));
    }
    let mut next = vec![format!("traces-tool top {files}")];
    if let Some((name, _)) = &s.top_function {
        let rx = shell_quote(&format!("^{}$", regex::escape(name)));
        next.push(format!("traces-tool grep {rx} {files}"));
        next.push(format!("traces-tool peek {rx} {files}"));
    }
    if s.stacks_in_several_blocks > 0 {
        next.push(format!("traces-tool stacks {files}"));
    }
    out.push(field("next", "Next", next.join("; "), next.join("\n    ")));
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

fn write_json(out: &mut dyn Write, s: &Summary, fields: &[Field]) -> Result<()> {
    use crate::output::json::{amount, header, object, write_document};
    use serde_json::Value;
    let opt = |v: Option<&str>| v.map_or(Value::Null, Value::from);
    let labels: Vec<Value> = s
        .label_keys
        .iter()
        .map(|(k, n)| object([("key", k.as_str().into()), ("samples", (*n).into())]))
        .collect();
    let top = match &s.top_function {
        Some((name, v)) => object([("function", name.as_str().into()), ("flat", amount(*v))]),
        None => Value::Null,
    };
    let repairs: Vec<Value> = s
        .repairs
        .iter()
        .map(|(file, r)| {
            object([
                ("file", file.as_str().into()),
                ("kind", r.kind.name().into()),
                ("lines", r.count.into()),
                ("first_line", r.first_line.into()),
                ("first_text", r.first_text.as_str().into()),
                ("skipped_samples", r.skipped_samples.into()),
            ])
        })
        .collect();
    let next: Vec<Value> = fields
        .iter()
        .filter(|f| f.key == "next")
        .flat_map(|f| f.csv.split("; ").map(Value::from).collect::<Vec<_>>())
        .collect();
    let doc = object([
        ("files", s.files.clone().into()),
        ("header", header(&s.header)),
        ("type", opt(s.sample_type())),
        ("unit", s.units.unit_name().into()),
        ("printed_unit", opt(s.printed_unit.as_deref())),
        ("exact", s.exact.into()),
        ("samples", s.samples.into()),
        ("samples_read", s.samples_read.into()),
        ("total", amount(s.total)),
        ("total_max_error", amount(s.total_error)),
        ("kept_sum", amount(s.kept_sum)),
        ("zero_samples", s.zero.into()),
        ("negative_samples", s.negative.into()),
        ("base_samples", s.base.into()),
        ("functions", s.functions.into()),
        ("stacks", s.stacks.into()),
        ("stacks_in_several_blocks", s.stacks_in_several_blocks.into()),
        ("blocks_of_repeated_stacks", s.blocks_of_repeated_stacks.into()),
        ("deepest_stack", s.deepest.into()),
        ("deepest_leaf", s.deepest_leaf.as_str().into()),
        ("possibly_truncated_stacks", s.truncated_stacks.into()),
        ("possibly_truncated_samples", s.truncated_samples.into()),
        ("possibly_truncated_value", amount(s.truncated_value)),
        ("labels", Value::Array(labels)),
        ("top_function", top),
        ("repairs", Value::Array(repairs)),
        ("next", Value::Array(next)),
    ]);
    write_document(out, &doc)
}

/// Runs the command.
pub fn run(args: &SummaryArgs, out: &mut dyn Write) -> Result<Outcome> {
    let s = summarize(&args.input)?;
    let mut notes = s.notes.clone();
    let fields = fields(&s);
    match args.format {
        Format::Text => {
            for f in fields.iter().filter(|f| !f.text.is_empty()) {
                let label = format!("{}:", f.label.trim_end_matches(':'));
                if f.key == "next" || (f.key == "repairs" && f.text.contains('\n')) {
                    writeln!(out, "{label}\n    {}", f.text)?;
                } else {
                    writeln!(out, "{label:<20}{}", f.text)?;
                }
            }
        }
        Format::Csv => {
            let columns = [("field", Kind::Text), ("value", Kind::Text)];
            let mut w = Sheet::new(out, columns, args.input.sheet_options());
            for f in &fields {
                w.row_typed([(f.key, Kind::Text), (f.csv.as_str(), field_kind(f.key))])?;
            }
            w.flush()?;
        }
        Format::Json => write_json(out, &s, &fields)?,
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("summary")),
    }
    if s.samples == 0 {
        notes.push("no samples".to_owned());
    }
    Ok(Outcome { matched: s.samples > 0, notes })
}
