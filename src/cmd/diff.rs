//! `traces-tool diff BEFORE AFTER`: what grew between two snapshots of one
//! program, per function (flat and cum), per leaf, or per merged stack. A
//! single report printed with pprof's `-diff_base` works too: its base
//! samples (label `pprof::base: true`, negated values) are the "before".
//! Per-function changes equal `go tool pprof -top -diff_base` to the unit on
//! exact reports.

use itertools::Itertools;
use std::io::Write;

use clap::{Args, ValueEnum};
use rustc_hash::FxHashMap;

use crate::analysis::filter::parse_user_value;
use crate::analysis::graph::{Granularity, NodeId, NodeTable, SeenSet, StackFrame, StackSet};
use crate::cmd::{
    formats, row_limit, scan, scan_with, Format, InputArgs, Measure, Outcome, UnitContext,
    TEXT_CSV_JSON,
};
use crate::error::{Error, Result};
use crate::output::sheet::{bool_cell, Sheet};
use crate::record::{Names, Record};
use crate::units::centi_to_decimal;

/// Growth between two reports (or within one `-diff_base` report).
///
/// Give BEFORE and AFTER, two traces reports of the same program taken at
/// different times; or one report printed with `go tool pprof -traces
/// -diff_base=BEFORE AFTER`. Rows are sorted by growth, largest first.
/// BEFORE and AFTER must hold one sample type (`Type:`) in one dimension:
/// print both with the same `-sample_index=`, or pass the binary profiles
/// with --sample-index.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct DiffArgs {
    /// What a row is.
    #[arg(long, value_enum, default_value_t)]
    pub by: DiffBy,
    /// Sort functions by the change of cum instead of flat.
    #[arg(long)]
    pub cum: bool,
    /// Rows to show (0: all); default 20 in text, every row in csv and json
    /// unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Only rows that grew by at least VALUE (e.g. `1MB`, `10ms`).
    #[arg(long = "min-growth", value_name = "VALUE")]
    pub min_growth: Option<String>,
    /// Aggregate frames by function, file or line (see `top`).
    #[arg(long, value_enum, default_value_t)]
    pub granularity: Granularity,
    /// Output format.
    #[arg(long, value_parser = formats(TEXT_CSV_JSON), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// The unit of comparison.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DiffBy {
    /// Per function: flat and cum, before and after.
    #[default]
    Function,
    /// Per leaf function: the value measured there (flat).
    Leaf,
    /// Per distinct stack, identical stacks merged.
    Stack,
}

/// One side of the comparison.
#[derive(Default)]
struct Side {
    name: String,
    /// What the side's values measure (from its first record).
    measure: Option<Measure>,
    /// The distinct stacks, kept for `--by stack` only.
    stacks: StackSet,
    /// True to keep the stacks; otherwise only per-node sums are kept.
    by_stack: bool,
    /// Per node: flat and cum (cum once per sample per node), as
    /// `Graph::build` adds them up from the stacks.
    nodes: Vec<(i128, i128)>,
    /// The nodes of the current sample already counted.
    seen: SeenSet<NodeId>,
    total: i128,
    samples: u64,
}

/// A row: before and after of flat (or the only value) and cum.
#[derive(Clone, Debug, Default)]
struct Row {
    key: String,
    flat: (i128, i128),
    cum: (i128, i128),
}

impl Row {
    fn flat_change(&self) -> i128 {
        self.flat.1 - self.flat.0
    }
    fn cum_change(&self) -> i128 {
        self.cum.1 - self.cum.0
    }
}

/// Runs the command.
pub fn run(args: &DiffArgs, out: &mut dyn Write) -> Result<Outcome> {
    let min_growth = match &args.min_growth {
        None => None,
        Some(text) => Some(parse_user_value(text).ok_or_else(|| {
            Error::Usage(format!("invalid --min-growth {text:?}: expected a value such as 1MB"))
        })?),
    };
    let mut table = NodeTable::new(args.granularity);
    let mut units = UnitContext::default();
    let mut exact = true;
    // One name table for both sides: the node table caches by name id.
    let mut names = Names::new();
    let (before, after, mut notes) = match args.input.files.as_slice() {
        [one] => read_diff_base(args, one, &mut names, &mut table, &mut units, &mut exact)?,
        [b, a] => {
            let (before, n1) = read_side(args, b, &mut names, &mut table, &mut units, &mut exact)?;
            let (after, n2) = read_side(args, a, &mut names, &mut table, &mut units, &mut exact)?;
            if let (Some(b), Some(a)) = (&before.measure, &after.measure) {
                b.check(a, "compared")?;
            }
            (before, after, [n1, n2].concat())
        }
        _ => {
            return Err(Error::Usage(
                "diff takes BEFORE AFTER, or one report printed with -diff_base".to_owned(),
            ))
        }
    };
    let mut rows = match args.by {
        DiffBy::Function | DiffBy::Leaf => function_rows(&before, &after, &table, args.by),
        DiffBy::Stack => stack_rows(&before, &after, &table),
    };
    let by_cum = args.cum && args.by == DiffBy::Function;
    let growth = |r: &Row| if by_cum { r.cum_change() } else { r.flat_change() };
    rows.retain(|r| min_growth.is_none_or(|m| growth(r) >= m.centi));
    rows.sort_by(|a, b| growth(b).cmp(&growth(a)).then_with(|| a.key.cmp(&b.key)));
    let top = row_limit(args.top, args.format, 20);
    if top > 0 {
        rows.truncate(top);
    }
    match args.format {
        Format::Text => write_text(out, args, &before, &after, &rows, &units, exact)?,
        Format::Csv => write_csv(out, args, &rows, &units, exact)?,
        Format::Json => write_json(out, args, &before, &after, &rows, &units, exact)?,
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("diff")),
    }
    if rows.is_empty() {
        notes.push("no function changed".to_owned());
    }
    Ok(Outcome { matched: !rows.is_empty(), notes })
}

fn side_input(args: &DiffArgs, path: &str) -> InputArgs {
    InputArgs {
        files: vec![path.to_owned()],
        frame_lines: matches!(args.granularity, Granularity::Lines | Granularity::Files),
        ..args.input.clone()
    }
}

fn add(side: &mut Side, rec: &Record, table: &mut NodeTable, names: &Names, sign: i128) {
    side.total += sign * rec.value.centi;
    side.samples += 1;
    if side.by_stack {
        side.stacks.add_signed(rec, sign, table, names);
        return;
    }
    // What `Graph::build` would add up from the merged stacks, sample by
    // sample: zero-valued samples skipped, cum once per node, flat on the
    // leaf.
    let v = sign * rec.value.centi;
    if v == 0 {
        return;
    }
    side.seen.clear();
    for (k, f) in rec.frames.iter().enumerate() {
        let n = table.node(f.name, names) as usize;
        if n >= side.nodes.len() {
            side.nodes.resize(n + 1, (0, 0));
        }
        if k == 0 {
            side.nodes[n].0 += v;
        }
        if side.seen.insert(n as NodeId) {
            side.nodes[n].1 += v;
        }
    }
}

fn read_side(
    args: &DiffArgs,
    path: &str,
    names: &mut Names,
    table: &mut NodeTable,
    units: &mut UnitContext,
    exact: &mut bool,
) -> Result<(Side, Vec<String>)> {
    let by_stack = args.by == DiffBy::Stack;
    let mut side = Side { name: path.to_owned(), by_stack, ..Side::default() };
    let mut measure = None;
    let notes = scan_with(
        &side_input(args, path).inputs(),
        names,
        |src, rec| {
            if measure.is_none() {
                measure = Some(Measure::of(src, rec));
            }
        },
        |src, rec, names| {
            units.learn(src, rec);
            *exact &= rec.value.is_exact();
            add(&mut side, rec, table, names, 1);
            Ok(())
        },
    )?;
    side.measure = measure;
    Ok((side, notes))
}

/// Splits a `-diff_base` report: base samples (negated by pprof) are the
/// before, the others the after.
fn read_diff_base(
    args: &DiffArgs,
    path: &str,
    names: &mut Names,
    table: &mut NodeTable,
    units: &mut UnitContext,
    exact: &mut bool,
) -> Result<(Side, Side, Vec<String>)> {
    let by_stack = args.by == DiffBy::Stack;
    let mut before = Side { name: format!("{path} (base samples)"), by_stack, ..Side::default() };
    let mut after = Side { name: format!("{path} (other samples)"), by_stack, ..Side::default() };
    let notes = scan(&side_input(args, path).inputs(), names, |src, rec, names| {
        units.learn(src, rec);
        *exact &= rec.value.is_exact();
        if rec.is_base() {
            add(&mut before, rec, table, names, -1);
        } else {
            add(&mut after, rec, table, names, 1);
        }
        Ok(())
    })?;
    if before.samples == 0 {
        return Err(Error::Usage(format!(
            "{path}: no sample carries the label pprof::base: give BEFORE and AFTER, or a \
             report printed with go tool pprof -traces -diff_base=BEFORE AFTER"
        )));
    }
    Ok((before, after, notes))
}

fn function_rows(before: &Side, after: &Side, table: &NodeTable, by: DiffBy) -> Vec<Row> {
    let mut rows: FxHashMap<u32, Row> = FxHashMap::default();
    for (side, is_after) in [(before, false), (after, true)] {
        for (id, &(n_flat, n_cum)) in side.nodes.iter().enumerate() {
            if n_flat == 0 && n_cum == 0 {
                continue;
            }
            let row = rows.entry(id as NodeId).or_default();
            let (flat, cum) = (&mut row.flat, &mut row.cum);
            if is_after {
                flat.1 = n_flat;
                cum.1 = n_cum;
            } else {
                flat.0 = n_flat;
                cum.0 = n_cum;
            }
        }
    }
    rows.into_iter()
        .filter(|(_, r)| by == DiffBy::Function || r.flat != (0, 0))
        .map(|(id, mut r)| {
            r.key = table.name(id).to_owned();
            r
        })
        .collect()
}

fn stack_rows(before: &Side, after: &Side, table: &NodeTable) -> Vec<Row> {
    let mut rows: FxHashMap<&[StackFrame], Row> = FxHashMap::default();
    for (side, is_after) in [(before, false), (after, true)] {
        for (frames, total) in side.stacks.iter() {
            let row = rows.entry(frames).or_default();
            if is_after {
                row.flat.1 += total.value;
            } else {
                row.flat.0 += total.value;
            }
        }
    }
    rows.into_iter()
        .map(|(frames, mut r)| {
            r.key = frames.iter().rev().map(|f| table.name(f.node())).join(";");
            r
        })
        .collect()
}

/// `+407.6%`, `new`, `gone`.
fn change_percent(before: i128, after: i128) -> String {
    match (before, after) {
        (0, 0) => "0%".to_owned(),
        (0, _) => "new".to_owned(),
        (_, 0) => "gone".to_owned(),
        (b, a) => format!("{:+.1}%", (a - b) as f64 / b.abs() as f64 * 100.0),
    }
}

fn signed(units: &UnitContext, v: i128) -> String {
    let text = units.format(v);
    if v > 0 {
        format!("+{text}")
    } else {
        text
    }
}

fn write_text(
    out: &mut dyn Write,
    args: &DiffArgs,
    before: &Side,
    after: &Side,
    rows: &[Row],
    units: &UnitContext,
    exact: bool,
) -> Result<()> {
    writeln!(
        out,
        "before: {}  total {}  ({} samples)",
        before.name,
        units.format(before.total),
        before.samples
    )?;
    writeln!(
        out,
        "after:  {}  total {}  ({} samples)  change {} ({})",
        after.name,
        units.format(after.total),
        after.samples,
        signed(units, after.total - before.total),
        change_percent(before.total, after.total)
    )?;
    if !exact {
        writeln!(out, "(values are rounded as pprof printed them; print with -unit=b or -unit=ns for exact changes)")?;
    }
    let f = |v: i128| units.format(v);
    match args.by {
        DiffBy::Function => {
            let sort = if args.cum { "cum" } else { "flat" };
            writeln!(out, "Largest growth of {sort} first:")?;
            writeln!(
                out,
                "{:>11} {:>11} {:>11} {:>8} {:>11} {:>11} {:>11}  function",
                "flat before",
                "flat after",
                "flat change",
                "change",
                "cum before",
                "cum after",
                "cum change"
            )?;
            for r in rows {
                writeln!(
                    out,
                    "{:>11} {:>11} {:>11} {:>8} {:>11} {:>11} {:>11}  {}",
                    f(r.flat.0),
                    f(r.flat.1),
                    signed(units, r.flat_change()),
                    change_percent(r.flat.0, r.flat.1),
                    f(r.cum.0),
                    f(r.cum.1),
                    signed(units, r.cum_change()),
                    r.key
                )?;
            }
        }
        DiffBy::Leaf | DiffBy::Stack => {
            let what = if args.by == DiffBy::Leaf { "leaf" } else { "stack (root first)" };
            writeln!(
                out,
                "{:>11} {:>11} {:>11} {:>8}  {what}",
                "before", "after", "change", "change"
            )?;
            for r in rows {
                writeln!(
                    out,
                    "{:>11} {:>11} {:>11} {:>8}  {}",
                    f(r.flat.0),
                    f(r.flat.1),
                    signed(units, r.flat_change()),
                    change_percent(r.flat.0, r.flat.1),
                    r.key
                )?;
            }
        }
    }
    Ok(())
}

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"by\": \"function\"|\"leaf\"|\"stack\", \"sort\": \"flat\"|\"cum\",
   \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str, \"exact\": bool,
   \"before\": SIDE, \"after\": SIDE, \"change\": number, \"change_percent\": str,
   \"rows\": [ROW, ...]}   (largest growth first)
  SIDE: {\"name\": str, \"total\": number, \"samples\": int}
  ROW with --by function: {\"function\": str, \"flat_before\": number,
   \"flat_after\": number, \"flat_change\": number, \"flat_change_percent\": str,
   \"cum_before\": number, \"cum_after\": number, \"cum_change\": number,
   \"cum_change_percent\": str}
  ROW with --by leaf or stack: {\"leaf\" or \"stack\": str (stacks root first,
   frames joined by ;), \"before\": number, \"after\": number, \"change\": number,
   \"change_percent\": str}
Amounts are exact JSON numbers in the base unit; a *change_percent is
\"+50.0%\", \"-12.5%\", \"new\", \"gone\" or \"0%\".";

fn write_json(
    out: &mut dyn Write,
    args: &DiffArgs,
    before: &Side,
    after: &Side,
    rows: &[Row],
    units: &UnitContext,
    exact: bool,
) -> Result<()> {
    use crate::output::json::{amount, object, write_document};
    use serde_json::Value;
    let side = |s: &Side| {
        object([
            ("name", s.name.as_str().into()),
            ("total", amount(s.total)),
            ("samples", s.samples.into()),
        ])
    };
    let list: Vec<Value> = rows
        .iter()
        .map(|r| match args.by {
            DiffBy::Function => object([
                ("function", r.key.as_str().into()),
                ("flat_before", amount(r.flat.0)),
                ("flat_after", amount(r.flat.1)),
                ("flat_change", amount(r.flat_change())),
                ("flat_change_percent", change_percent(r.flat.0, r.flat.1).into()),
                ("cum_before", amount(r.cum.0)),
                ("cum_after", amount(r.cum.1)),
                ("cum_change", amount(r.cum_change())),
                ("cum_change_percent", change_percent(r.cum.0, r.cum.1).into()),
            ]),
            DiffBy::Leaf | DiffBy::Stack => object([
                (if args.by == DiffBy::Leaf { "leaf" } else { "stack" }, r.key.as_str().into()),
                ("before", amount(r.flat.0)),
                ("after", amount(r.flat.1)),
                ("change", amount(r.flat_change())),
                ("change_percent", change_percent(r.flat.0, r.flat.1).into()),
            ]),
        })
        .collect();
    let by = match args.by {
        DiffBy::Function => "function",
        DiffBy::Leaf => "leaf",
        DiffBy::Stack => "stack",
    };
    let sort = if args.cum && args.by == DiffBy::Function { "cum" } else { "flat" };
    let doc = object([
        ("by", by.into()),
        ("sort", sort.into()),
        ("unit", units.unit_name().into()),
        ("exact", exact.into()),
        ("before", side(before)),
        ("after", side(after)),
        ("change", amount(after.total - before.total)),
        ("change_percent", change_percent(before.total, after.total).into()),
        ("rows", Value::Array(list)),
    ]);
    write_document(out, &doc)
}

/// The change in percent of `before` as a plain number (`50`, `-12.5`),
/// empty when `before` is zero: a column a spreadsheet reads as numbers.
fn change_percent_number(before: i128, after: i128) -> String {
    if before == 0 {
        String::new()
    } else {
        let p = (after - before) as f64 / before.abs() as f64 * 100.0;
        format!("{:.4}", p).trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// What happened to a row: `new`, `gone`, `grew`, `shrank` or `same`.
fn change_status(before: i128, after: i128) -> &'static str {
    match (before, after) {
        (b, a) if b == a => "same",
        (0, _) => "new",
        (_, 0) => "gone",
        (b, a) if a > b => "grew",
        _ => "shrank",
    }
}

/// `--format csv`. Percentages are plain numbers (empty when the row is
/// new); `status` says `new`, `gone`, `grew`, `shrank` or `same` (of flat);
/// `exact` is false when a value read was rounded by pprof.
fn write_csv(
    out: &mut dyn Write,
    args: &DiffArgs,
    rows: &[Row],
    units: &UnitContext,
    exact: bool,
) -> Result<()> {
    use crate::output::sheet::Kind::{Bool, Number, Text};
    let d = centi_to_decimal;
    let exact = bool_cell(exact);
    let options = args.input.sheet_options();
    match args.by {
        DiffBy::Function => {
            let columns = [
                ("function", Text),
                ("flat_before", Number),
                ("flat_after", Number),
                ("flat_change", Number),
                ("cum_before", Number),
                ("cum_after", Number),
                ("cum_change", Number),
                ("flat_change_percent", Number),
                ("unit", Text),
                ("status", Text),
                ("exact", Bool),
            ];
            let mut w = Sheet::new(out, columns, options);
            for r in rows {
                w.row([
                    r.key.as_str(),
                    &d(r.flat.0),
                    &d(r.flat.1),
                    &d(r.flat_change()),
                    &d(r.cum.0),
                    &d(r.cum.1),
                    &d(r.cum_change()),
                    &change_percent_number(r.flat.0, r.flat.1),
                    units.unit_name(),
                    change_status(r.flat.0, r.flat.1),
                    exact,
                ])?;
            }
            w.flush()?;
        }
        DiffBy::Leaf | DiffBy::Stack => {
            let key = if args.by == DiffBy::Leaf { "leaf" } else { "stack" };
            let columns = [
                (key, Text),
                ("before", Number),
                ("after", Number),
                ("change", Number),
                ("change_percent", Number),
                ("unit", Text),
                ("status", Text),
                ("exact", Bool),
            ];
            let mut w = Sheet::new(out, columns, options);
            for r in rows {
                w.row([
                    r.key.as_str(),
                    &d(r.flat.0),
                    &d(r.flat.1),
                    &d(r.flat_change()),
                    &change_percent_number(r.flat.0, r.flat.1),
                    units.unit_name(),
                    change_status(r.flat.0, r.flat.1),
                    exact,
                ])?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_percent_marks_new_and_gone() {
        assert_eq!(change_percent(0, 5), "new");
        assert_eq!(change_percent(5, 0), "gone");
        assert_eq!(change_percent(100, 150), "+50.0%");
        assert_eq!(change_percent(200, 100), "-50.0%");
    }

    #[test]
    fn csv_change_percent_is_a_plain_number() {
        assert_eq!(change_percent_number(0, 5), "");
        assert_eq!(change_percent_number(100, 150), "50");
        assert_eq!(change_percent_number(200, 100), "-50");
        assert_eq!(change_percent_number(3, 4), "33.3333");
        assert_eq!(change_percent_number(-100, -50), "50");
        assert_eq!(change_status(0, 5), "new");
        assert_eq!(change_status(5, 0), "gone");
        assert_eq!(change_status(5, 5), "same");
        assert_eq!(change_status(5, 6), "grew");
        assert_eq!(change_status(5, 4), "shrank");
    }
}
