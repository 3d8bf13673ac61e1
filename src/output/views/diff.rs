//! `diff`'s view: the two sides' totals and the change between them, then
//! a row per function (flat and cum), leaf or stack, largest growth
//! first; growth and shrinkage are marked as such for a painter.

use std::io::Write;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::analysis::diff::{Change, DiffBy, DiffReport, DiffRow};
use crate::analysis::facts::UnitContext;
use crate::error::Result;
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, to_object, write_csv};
use crate::output::sheet::Kind::{self, Bool, Number, Text};
use crate::output::sheet::SheetOptions;
use crate::output::text::{Layout, LineWriter, Out, Part};
use crate::output::views::{View, TEXT_CSV_JSON};
use crate::output::Format;

impl View for DiffReport {
    const NAME: &'static str = "diff";
    const FORMATS: &'static [Format] = TEXT_CSV_JSON;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        write_text(out, self)
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        write_csv_rows(out, self, sheet)
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        write_json(out, self)
    }
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

fn write_text(out: &mut Out<'_>, report: &DiffReport) -> Result<()> {
    let (before, after, units) = (&report.before, &report.after, &report.units);
    out.line(Layout::Prose)
        .plain(format_args!("before: {}  total ", before.name))
        .number(units.format(before.total.0))
        .plain("  (")
        .number(before.samples)
        .plain(" samples)")
        .end()?;
    let total = report.total();
    out.line(Layout::Prose)
        .plain(format_args!("after:  {}  total ", after.name))
        .number(units.format(after.total.0))
        .plain("  (")
        .number(after.samples)
        .plain(" samples)  change ")
        .change(signed(units, total.change().0))
        .plain(" (")
        .change(change_percent(&total))
        .plain(")")
        .end()?;
    if !report.exact {
        out.prose("(values are rounded as pprof printed them; print with -unit=b or -unit=ns for exact changes)")?;
    }
    let f = |v: crate::output::rows::Amount| units.format(v.0);
    match report.by {
        DiffBy::Function => {
            let sort = if report.sort_cum { "cum" } else { "flat" };
            out.prose(format_args!("Largest growth of {sort} first:"))?;
            let mut titles = out.line(Layout::Titles);
            for (i, (title, width)) in [
                ("flat before", 11),
                ("flat after", 11),
                ("flat change", 11),
                ("change", 8),
                ("cum before", 11),
                ("cum after", 11),
                ("cum change", 11),
            ]
            .into_iter()
            .enumerate()
            {
                titles =
                    if i > 0 { titles.plain(" ") } else { titles }.right(width, Part::Plain, title);
            }
            titles.plain("  function").end()?;
            for r in &report.rows {
                changed(out.line(Layout::Row), &r.flat, units)
                    .plain(" ")
                    .right(11, Part::Number, f(r.cum.before))
                    .plain(" ")
                    .right(11, Part::Number, f(r.cum.after))
                    .plain(" ")
                    .change(format!("{:>11}", signed(units, r.cum.change().0)))
                    .plain("  ")
                    .frame(&r.key)
                    .end()?;
            }
        }
        DiffBy::Leaf | DiffBy::Stack => {
            let what = if report.by == DiffBy::Leaf { "leaf" } else { "stack (root first)" };
            out.line(Layout::Titles)
                .right(11, Part::Plain, "before")
                .plain(" ")
                .right(11, Part::Plain, "after")
                .plain(" ")
                .right(11, Part::Plain, "change")
                .plain(" ")
                .right(8, Part::Plain, "change")
                .plain(format_args!("  {what}"))
                .end()?;
            for r in &report.rows {
                let layout = if report.by == DiffBy::Leaf { Layout::Row } else { Layout::Folded };
                changed(out.line(layout), &r.flat, units).plain("  ").folded(&r.key).end()?;
            }
        }
    }
    Ok(())
}

/// A change's before, after, change and percent columns.
fn changed<'o>(line: LineWriter<'o>, c: &Change, units: &UnitContext) -> LineWriter<'o> {
    let line = line
        .right(11, Part::Number, units.format(c.before.0))
        .plain(" ")
        .right(11, Part::Number, units.format(c.after.0))
        .plain(" ")
        .change(format!("{:>11}", signed(units, c.change().0)))
        .plain(" ");
    let percent = change_percent(c);
    match percent.as_str() {
        "new" | "gone" | "0%" => line.right(8, Part::Plain, percent),
        _ => line.change(format!("{percent:>8}")),
    }
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
fn write_csv_rows(out: &mut dyn Write, report: &DiffReport, sheet: SheetOptions) -> Result<()> {
    let mut shared = Map::new();
    shared.insert("unit".into(), report.units.unit_name().into());
    shared.insert("exact".into(), report.exact.into());
    let mut by_value = CSV_COLUMNS_BY_VALUE;
    by_value[0].0 = key_name(report.by);
    let columns: &[(&str, Kind)] =
        if report.by == DiffBy::Function { &CSV_COLUMNS } else { &by_value };
    write_csv(out, columns, shared, &shown(report, false), sheet)
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
