//! `blame`'s view: a row per frame charged (the application's frame
//! marked as the user's code), its largest leaves, and plain words for the
//! rows without an application frame; CSV rows and a JSON document.

use std::io::Write;

use serde_json::{Map, Value};

use crate::analysis::blame::{BlameReport, BlameRow, ChargeKind};
use crate::error::Result;
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, to_object, CsvRows};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::{Layout, Out, Part};
use crate::output::views::{View, TEXT_CSV_JSON};
use crate::output::Format;
use crate::units::{centi_to_decimal, percentage};

impl View for BlameReport {
    const NAME: &'static str = "blame";
    const FORMATS: &'static [Format] = TEXT_CSV_JSON;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        write_text(out, self)
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        write_csv(out, self, sheet)
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        write_json(out, self)
    }
}

/// The text view: what the application is, the total, then a row per
/// frame charged with its largest leaves, then plain words for the rows
/// without an application frame.
fn write_text(out: &mut Out<'_>, report: &BlameReport) -> Result<()> {
    let app = match (&report.module, report.patterns.is_empty()) {
        (_, false) => format!("main and {}", report.patterns.join(", ")),
        (Some(m), true) => format!("main and {m} (guessed; set it with --app)"),
        (None, true) => "main (no other module found; set it with --app)".to_owned(),
    };
    let sample_type = report.sample_type.as_deref();
    out.prose(format_args!("Application code: {app}"))?;
    out.line(Layout::Prose)
        .plain(format_args!("{}: ", sample_type.unwrap_or("value")))
        .number(report.units.format(report.total.0))
        .plain(" total, each sample charged to its first application frame from the leaf")
        .end()?;
    if !report.exact {
        out.prose("(values are rounded as pprof printed them)")?;
    }
    if report.zeros > 0 && sample_type.is_some_and(|t| t.starts_with("inuse_")) {
        out.line(Layout::Prose)
            .number(report.zeros)
            .plain(" of ")
            .number(report.samples)
            .plain(" samples are 0: objects allocated there were already freed")
            .end()?;
    }
    out.blank()?;
    out.line(Layout::Titles)
        .right(10, Part::Plain, "value")
        .plain(" ")
        .right(7, Part::Plain, "share")
        .plain(" ")
        .right(8, Part::Plain, "samples")
        .plain("  frame")
        .end()?;
    for row in &report.rows {
        let line = out
            .line(Layout::Row)
            .right(10, Part::Number, &row.value_text)
            .plain(" ")
            .padded(Part::Number, percentage(row.value.0, report.total.0))
            .plain(" ")
            .right(8, Part::Number, row.samples)
            .plain("  ");
        // The frame charged is the application's own code; a row without
        // one names its outermost frame, marked as any frame is.
        if row.kind == ChargeKind::Application {
            line.part(Part::AppFrame, &row.frame)
        } else {
            line.frame(&row.frame).plain("  [no application frame]")
        }
        .end()?;
        let mut line = out.line(Layout::Prose).spaces(28).plain("via ");
        for (i, leaf) in row.leaves.iter().enumerate() {
            if i > 0 {
                line = line.plain(", ");
            }
            line = if leaf.function == row.frame {
                line.plain("itself")
            } else if leaf.app {
                line.part(Part::AppFrame, &leaf.function)
            } else {
                line.frame(&leaf.function)
            };
            line = line.plain(" ").number(report.units.format(leaf.value.0));
        }
        line.end()?;
    }
    for explanation in report.rows.iter().filter_map(|r| r.explanation.as_deref()) {
        out.blank()?;
        out.paragraph(explanation)?;
    }
    Ok(())
}

/// The fields of a JSON row.
const JSON_FIELDS: &[&str] =
    &["frame", "value", "value_text", "samples", "share_percent", "kind", "leaves", "explanation"];

fn write_json(out: &mut dyn Write, report: &BlameReport) -> Result<()> {
    let application = object([
        ("module", report.module.as_deref().map_or(Value::Null, Into::into)),
        ("patterns", report.patterns.clone().into()),
    ]);
    let doc = object([
        ("application", application),
        ("type", report.sample_type.as_deref().map_or(Value::Null, Value::from)),
        ("unit", report.units.unit_name().into()),
        ("exact", report.exact.into()),
        ("total", amount(report.total.0)),
        ("rows", Value::Array(json_rows(&report.rows, Some(JSON_FIELDS))?)),
    ]);
    write_document(out, &doc)
}

/// A row's `leaves` cell: `function=value; ...`.
fn leaves_cell(row: &BlameRow) -> String {
    let leaves: Vec<String> = row
        .leaves
        .iter()
        .map(|leaf| format!("{}={}", leaf.function, centi_to_decimal(leaf.value.0)))
        .collect();
    leaves.join("; ")
}

/// `--format csv`: the serialized row, its leaves as one text cell.
fn write_csv(out: &mut dyn Write, report: &BlameReport, sheet: SheetOptions) -> Result<()> {
    let mut shared = Map::new();
    shared.insert("unit".into(), report.units.unit_name().into());
    shared.insert("exact".into(), report.exact.into());
    let mut csv = CsvRows::new(out, &CSV_COLUMNS, shared, sheet);
    for row in &report.rows {
        let mut cells = to_object(row)?;
        cells.insert("leaves".into(), leaves_cell(row).into());
        csv.row(&cells)?;
    }
    csv.finish()
}

/// The columns of `--format csv`; `share` is signed, `exact` is false when
/// a value read was rounded by pprof (the report's precision).
pub const CSV_COLUMNS: [(&str, Kind); 8] = [
    ("frame", Kind::Text),
    ("value", Kind::Number),
    ("samples", Kind::Number),
    ("share", Kind::Percent),
    ("kind", Kind::Text),
    ("unit", Kind::Text),
    ("leaves", Kind::Text),
    ("exact", Kind::Bool),
];

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"application\": {\"module\": str|null (guessed), \"patterns\": [str] (--app)},
   \"type\": str|null, \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str,
   \"exact\": bool, \"total\": number, \"rows\": [ROW, ...]}   (largest first)
  ROW: {\"frame\": str, \"value\": number, \"value_text\": str, \"samples\": int,
   \"share_percent\": number|null, \"kind\": \"application\"|\"no-application-frame\",
   \"leaves\": [{\"function\": str, \"value\": number}, ...] (the largest, --leaves),
   \"explanation\": str|null (plain words for rows without an application frame)}
Amounts are exact JSON numbers in the base unit.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_read_one_row() {
        use crate::analysis::blame::BlameLeaf;
        use crate::output::rows::{Amount, Percent};
        let row = BlameRow {
            frame: "main.f".into(),
            value: Amount(-150),
            value_text: "-1.50".into(),
            samples: 2,
            share_percent: Percent::of(-150, 400),
            share: Percent(Some(-37.5)),
            kind: ChargeKind::Application,
            leaves: vec![BlameLeaf {
                function: "runtime.malg".into(),
                value: Amount(-150),
                app: false,
            }],
            explanation: None,
        };
        let json = json_rows(std::slice::from_ref(&row), Some(JSON_FIELDS)).unwrap();
        assert_eq!(
            json[0].to_string(),
            r#"{"frame":"main.f","value":-1.5,"value_text":"-1.50","samples":2,"share_percent":37.5,"kind":"application","leaves":[{"function":"runtime.malg","value":-1.5}],"explanation":null}"#
        );
        let report = BlameReport { rows: vec![row], exact: true, ..BlameReport::default() };
        let mut csv = Vec::new();
        write_csv(&mut csv, &report, SheetOptions::default()).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "frame,value,samples,share,kind,unit,leaves,exact\n\
             main.f,-1.5,2,-37.5000,application,count,runtime.malg=-1.5,true\n"
        );
    }
}
