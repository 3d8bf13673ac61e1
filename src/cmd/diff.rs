//! `traces-tool diff BEFORE AFTER`: what grew between two snapshots of one
//! program, per function (flat and cum), per leaf, or per merged stack. A
//! single report printed with pprof's `-diff_base` works too: its base
//! samples (label `pprof::base: true`, negated values) are the "before".
//! Per-function changes equal `go tool pprof -top -diff_base` to the unit on
//! exact reports.

use std::io::Write;

use clap::Args;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

pub use crate::analysis::diff::DiffBy;
use crate::analysis::diff::{diff, diff_base, Change, DiffOptions, DiffReport, DiffRow};
use crate::analysis::graph::Granularity;
use crate::cmd::{formats, row_limit, Format, InputArgs, Outcome, UnitContext, TEXT_CSV_JSON};
use crate::error::{Error, Result};
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, to_object, write_csv};
use crate::output::sheet::Kind::{self, Bool, Number, Text};
use crate::output::text::Out;
use crate::units::parse_user_value;

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

/// Runs the command.
pub fn run(args: &DiffArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let min_growth = match &args.min_growth {
        None => None,
        Some(text) => Some(parse_user_value(text).ok_or_else(|| {
            Error::Usage(format!("invalid --min-growth {text:?}: expected a value such as 1MB"))
        })?),
    };
    let options = DiffOptions {
        by: args.by,
        cum: args.cum,
        top: row_limit(args.top, args.format, 20),
        min_growth: min_growth.map(|m| m.centi),
        granularity: args.granularity,
    };
    let inputs = args.input.inputs();
    let report = match args.input.files.as_slice() {
        [one] => diff_base(&inputs.with_files(vec![one.clone()]), &options)?,
        [b, a] => diff(
            &inputs.with_files(vec![b.clone()]),
            &inputs.with_files(vec![a.clone()]),
            &options,
        )?,
        _ => {
            return Err(Error::Usage(
                "diff takes BEFORE AFTER, or one report printed with -diff_base".to_owned(),
            ))
        }
    };
    match args.format {
        Format::Text => write_text(out, &report)?,
        Format::Csv => write_csv_rows(out, args, &report)?,
        Format::Json => write_json(out, &report)?,
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("diff")),
    }
    let mut notes = report.notes;
    if report.rows.is_empty() {
        notes.push("no function changed".to_owned());
    }
    Ok(Outcome { matched: !report.rows.is_empty(), notes })
}

/// `+407.6%`, `new`, `gone`.
fn change_percent(c: &Change) -> String {
    match (c.before.0, c.after.0, c.percent().0) {
        (0, 0, _) => "0%".to_owned(),
        (0, _, _) => "new".to_owned(),
        (_, 0, _) => "gone".to_owned(),
        (_, _, p) => format!("{:+.1}%", p.unwrap_or_default()),
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

fn write_text(out: &mut dyn Write, report: &DiffReport) -> Result<()> {
    let (before, after, units) = (&report.before, &report.after, &report.units);
    writeln!(
        out,
        "before: {}  total {}  ({} samples)",
        before.name,
        units.format(before.total.0),
        before.samples
    )?;
    let total = report.total();
    writeln!(
        out,
        "after:  {}  total {}  ({} samples)  change {} ({})",
        after.name,
        units.format(after.total.0),
        after.samples,
        signed(units, total.change().0),
        change_percent(&total)
    )?;
    if !report.exact {
        writeln!(out, "(values are rounded as pprof printed them; print with -unit=b or -unit=ns for exact changes)")?;
    }
    let f = |v: crate::output::rows::Amount| units.format(v.0);
    let changed = |c: &Change| {
        format!(
            "{:>11} {:>11} {:>11} {:>8}",
            f(c.before),
            f(c.after),
            signed(units, c.change().0),
            change_percent(c)
        )
    };
    match report.by {
        DiffBy::Function => {
            let sort = if report.sort_cum { "cum" } else { "flat" };
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
            for r in &report.rows {
                writeln!(
                    out,
                    "{} {:>11} {:>11} {:>11}  {}",
                    changed(&r.flat),
                    f(r.cum.before),
                    f(r.cum.after),
                    signed(units, r.cum.change().0),
                    r.key
                )?;
            }
        }
        DiffBy::Leaf | DiffBy::Stack => {
            let what = if report.by == DiffBy::Leaf { "leaf" } else { "stack (root first)" };
            writeln!(
                out,
                "{:>11} {:>11} {:>11} {:>8}  {what}",
                "before", "after", "change", "change"
            )?;
            for r in &report.rows {
                writeln!(out, "{}  {}", changed(&r.flat), r.key)?;
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
   \"before\": SIDE, \"after\": SIDE, \"change\": number,
   \"change_percent\": number|null, \"status\": str, \"rows\": [ROW, ...]}
   (largest growth first)
  SIDE: {\"name\": str, \"total\": number, \"samples\": int}
  ROW with --by function: {\"function\": str, \"flat_before\": number,
   \"flat_after\": number, \"flat_change\": number, \"flat_change_percent\":
   number|null, \"flat_status\": str, \"cum_before\": number, \"cum_after\":
   number, \"cum_change\": number, \"cum_change_percent\": number|null,
   \"cum_status\": str}
  ROW with --by leaf or stack: {\"leaf\" or \"stack\": str (stacks root first,
   frames joined by ;), \"before\": number, \"after\": number, \"change\": number,
   \"change_percent\": number|null, \"status\": str}
Amounts are exact JSON numbers in the base unit; a *change_percent is the
change in percent of before, unrounded (null where before is 0); a *status
is \"new\", \"gone\", \"grew\", \"shrank\" or \"same\".";

/// The fields of a change, by `--by`: before, after, change and percent.
fn change_fields(by: DiffBy) -> &'static [[&'static str; 4]] {
    match by {
        DiffBy::Function => &[
            ["flat_before", "flat_after", "flat_change", "flat_change_percent"],
            ["cum_before", "cum_after", "cum_change", "cum_change_percent"],
        ],
        DiffBy::Leaf | DiffBy::Stack => &[["before", "after", "change", "change_percent"]],
    }
}

/// The name of the key field (and CSV column): `function`, `leaf` or `stack`.
fn key_name(by: DiffBy) -> &'static str {
    match by {
        DiffBy::Function => "function",
        DiffBy::Leaf => "leaf",
        DiffBy::Stack => "stack",
    }
}

/// A row as the output shows it, named by `--by`. In JSON every change
/// has its percent (a number, `null` when new) and its status (`new`,
/// `gone`, ...); in CSV only flat's percent is written, as a plain number
/// (empty when new), beside its `status`.
struct Shown<'a> {
    by: DiffBy,
    row: &'a DiffRow,
    json: bool,
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(key_name(self.by), &self.row.key)?;
        let fields = change_fields(self.by);
        for (names, change) in fields.iter().zip([&self.row.flat, &self.row.cum]) {
            m.serialize_entry(names[0], &change.before)?;
            m.serialize_entry(names[1], &change.after)?;
            m.serialize_entry(names[2], &change.change())?;
            if self.json {
                m.serialize_entry(names[3], &change.percent())?;
                m.serialize_entry(&status_name(names[3]), change.status())?;
            }
        }
        if !self.json {
            m.serialize_entry(fields[0][3], &self.row.flat.percent())?;
            m.serialize_entry("status", self.row.flat.status())?;
        }
        m.end()
    }
}

/// `flat_status` of `flat_change_percent`, `status` of `change_percent`.
fn status_name(percent_name: &str) -> String {
    format!("{}status", percent_name.strip_suffix("change_percent").unwrap_or_default())
}

fn shown(report: &DiffReport, json: bool) -> Vec<Shown<'_>> {
    report.rows.iter().map(|row| Shown { by: report.by, row, json }).collect()
}

fn write_json(out: &mut dyn Write, report: &DiffReport) -> Result<()> {
    let by = key_name(report.by);
    let sort = if report.sort_cum { "cum" } else { "flat" };
    let total = report.total();
    let doc = object([
        ("by", by.into()),
        ("sort", sort.into()),
        ("unit", report.units.unit_name().into()),
        ("exact", report.exact.into()),
        ("before", Value::Object(to_object(&report.before)?)),
        ("after", Value::Object(to_object(&report.after)?)),
        ("change", amount(total.change().0)),
        ("change_percent", serde_json::to_value(total.percent()).map_err(std::io::Error::from)?),
        ("status", total.status().into()),
        ("rows", Value::Array(json_rows(&shown(report, true), None)?)),
    ]);
    write_document(out, &doc)
}

/// The columns of `--format csv` with `--by function`. Percentages are
/// plain numbers (empty when the row is new); `status` says `new`, `gone`,
/// `grew`, `shrank` or `same` (of flat); `exact` is false when a value read
/// was rounded by pprof.
pub const CSV_COLUMNS: [(&str, Kind); 11] = [
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

/// The columns of `--format csv` with `--by leaf` (with `--by stack` the
/// first is `stack`).
pub const CSV_COLUMNS_BY_VALUE: [(&str, Kind); 8] = [
    ("leaf", Text),
    ("before", Number),
    ("after", Number),
    ("change", Number),
    ("change_percent", Number),
    ("unit", Text),
    ("status", Text),
    ("exact", Bool),
];

/// `--format csv`.
fn write_csv_rows(out: &mut dyn Write, args: &DiffArgs, report: &DiffReport) -> Result<()> {
    let mut shared = Map::new();
    shared.insert("unit".into(), report.units.unit_name().into());
    shared.insert("exact".into(), report.exact.into());
    let mut by_value = CSV_COLUMNS_BY_VALUE;
    by_value[0].0 = key_name(report.by);
    let columns: &[(&str, Kind)] =
        if report.by == DiffBy::Function { &CSV_COLUMNS } else { &by_value };
    write_csv(out, columns, shared, &shown(report, false), args.input.sheet_options())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_percent_marks_new_and_gone() {
        assert_eq!(change_percent(&Change::new(0, 5)), "new");
        assert_eq!(change_percent(&Change::new(5, 0)), "gone");
        assert_eq!(change_percent(&Change::new(0, 0)), "0%");
        assert_eq!(change_percent(&Change::new(100, 150)), "+50.0%");
        assert_eq!(change_percent(&Change::new(200, 100)), "-50.0%");
    }

    #[test]
    fn csv_and_json_rows_read_one_change() {
        let row =
            DiffRow { key: "main.f".into(), flat: Change::new(300, 400), cum: Change::new(0, 500) };
        let csv = to_object(&Shown { by: DiffBy::Function, row: &row, json: false }).unwrap();
        assert_eq!(csv["flat_change"].to_string(), "1");
        assert_eq!(csv["flat_change_percent"].to_string(), "33.3333");
        assert_eq!(csv["status"], "grew");
        let json = to_object(&Shown { by: DiffBy::Leaf, row: &row, json: true }).unwrap();
        assert_eq!(
            Value::Object(json).to_string(),
            r#"{"leaf":"main.f","before":3,"after":4,"change":1,"change_percent":33.3333,"status":"grew"}"#
        );
        // A change from nothing has no percent, and its status says so.
        let json = to_object(&Shown { by: DiffBy::Function, row: &row, json: true }).unwrap();
        assert_eq!(json["cum_change_percent"], Value::Null);
        assert_eq!(json["cum_status"], "new");
        assert_eq!(json["flat_status"], "grew");
    }
}
