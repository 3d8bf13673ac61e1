//! `trend`'s view: a heading on what was compared, then a row per series
//! with its verdict, change, growth, fit and a compact series; CSV in long
//! or wide form, JSON, and an SVG chart of the top series.

use std::io::Write;

use crate::analysis::trend::{TrendReport, TrendRow};
use crate::error::Result;
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, CsvRows};
use crate::output::sheet::{Kind, SheetOptions};
use crate::output::text::{Layout, Out, Part};
use crate::output::trend_chart::{chart, ChartOptions, ChartSeries};
use crate::output::views::{View, TEXT_CSV_JSON};
use crate::output::Format;
use crate::units::{Amount, Dimension};

/// `trend`'s result with the options its output names.
pub struct TrendView<'a> {
    /// The series.
    pub report: &'a TrendReport,
    /// What a series was kept for: `function`, `stack` or a label key.
    pub by: &'a str,
    /// Whether functions counted cum.
    pub cum: bool,
    /// CSV: one row per series with a column per snapshot.
    pub wide: bool,
}

impl View for TrendView<'_> {
    const NAME: &'static str = "trend";
    /// Also SVG, through [`TrendView::svg`].
    const FORMATS: &'static [Format] = TEXT_CSV_JSON;

    fn text(&self, out: &mut Out<'_>) -> Result<()> {
        write_text(out, self.report, self.by, self.cum)
    }

    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()> {
        if self.wide {
            write_wide(out, self.report, sheet)
        } else {
            write_long(out, self.report, sheet)
        }
    }

    fn json(&self, out: &mut dyn Write) -> Result<()> {
        write_json(out, self.report)
    }
}

impl TrendView<'_> {
    /// The SVG chart of the series.
    pub fn svg(&self, out: &mut dyn Write) -> Result<()> {
        write_svg(out, self.report, self.by)
    }
}

/// The CSV columns, shown by `--help` before the JSON schema.
pub const TREND_HELP: &str = "\
CSV (long, the default): one row per key and snapshot: key, verdict,
snapshot (the input), position (1 = first of the series), time (RFC 3339,
UTC; empty when unknown), time_nanos (the same, nanoseconds since 1970), value (exact, base unit; 0 where the key is
absent), unit, exact (false when pprof rounded a value of that snapshot),
present (whether the key occurs in the snapshot).
CSV (--wide): one row per key: key, verdict, first, last, change, min, max,
per_hour, per_snapshot (least-squares slopes, base units), fit (R²),
present (snapshots the key occurs in), unit, then one column per snapshot.";

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): {\"type\": str|null, \"unit\": str, \"cumulative\": bool,
 \"order\": \"time\"|\"given\", \"order_note\": str|null, \"tolerance_percent\":
 number, \"snapshots\": [{\"name\", \"given\", \"time_nanos\", \"time\", \"samples\",
 \"total\", \"exact\"}], \"rows\": [{\"key\", \"verdict\", \"first\", \"last\",
 \"change\", \"min\", \"max\", \"per_hour\": number|null, \"per_snapshot\",
 \"fit\": number|null, \"present\", \"values\": [number, ...]}]}";

/// What one row's growth is per: an hour when the times are known, else a
/// snapshot.
fn growth(row: &TrendRow) -> (f64, &'static str) {
    match row.per_hour {
        Some(h) => (h, "/h"),
        None => (row.per_snapshot, "/snap"),
    }
}

/// A signed pprof-style amount (`+1.50MB`, `-3`).
fn signed(report: &TrendReport, centi: i128) -> String {
    let text = report.units.format(centi);
    if centi > 0 {
        format!("+{text}")
    } else {
        text
    }
}

/// A base-unit float as hundredths, rounded.
fn centi_of(v: f64) -> i128 {
    (v * 100.0).round() as i128
}

/// The series of a row in a few characters: every value (`1MB → 2MB`)
/// for a short series, else a sparkline and the ends.
fn series_text(report: &TrendReport, row: &TrendRow) -> String {
    let shown = |i: usize| {
        if row.seen[i] {
            report.units.format(row.values[i].0)
        } else {
            "·".to_owned()
        }
    };
    let n = row.values.len();
    if n <= 6 {
        return (0..n).map(shown).collect::<Vec<_>>().join(" → ");
    }
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (min, max) = (row.min.0, row.max.0);
    let spark: String = (0..n)
        .map(|i| {
            if !row.seen[i] {
                return ' ';
            }
            if max == min {
                return BARS[3];
            }
            let level = (row.values[i].0 - min) * 7 / (max - min);
            BARS[level.clamp(0, 7) as usize]
        })
        .collect();
    format!("{spark}  {} → {}", shown(0), shown(n - 1))
}

/// The text view: a heading on what was compared, then one line per row.
pub fn write_text(out: &mut Out<'_>, report: &TrendReport, by: &str, cum: bool) -> Result<()> {
    let ty = report.sample_type.as_deref().unwrap_or("values");
    let n = report.snapshots.len();
    let span = match (report.snapshots.first(), report.snapshots.last()) {
        (Some(a), Some(b)) if report.by_time => match (&a.time, a.time_nanos, b.time_nanos) {
            (Some(t), Some(ta), Some(tb)) => {
                let secs = Amount(i128::from(tb - ta));
                format!(
                    ", in time order from {t} over {}",
                    crate::units::format_centi(secs.0 * 100, Dimension::Nanoseconds, "")
                )
            }
            _ => String::new(),
        },
        _ => ", in the order given".to_owned(),
    };
    out.prose(format_args!("{ty} in {n} snapshots{span}"))?;
    if report.cumulative {
        out.prose(format_args!(
            "{ty} values are running totals since the program started: the growth is a rate \
             (ranked by it), and `growing` means still allocating, not a leak"
        ))?;
    }
    out.prose(format_args!(
        "growth by least squares, fit R²; verdicts with a tolerance of {}% of each series' \
         largest value",
        report.tolerance_percent
    ))?;
    let what = match by {
        "function" if cum => "function (cum)",
        "function" => "function (flat)",
        other => other,
    };
    let cells: Vec<[String; 5]> = report
        .rows
        .iter()
        .map(|row| {
            let (g, per) = growth(row);
            [
                row.verdict.as_str().to_owned(),
                signed(report, row.change.0),
                format!("{}{per}", signed(report, centi_of(g))),
                row.fit.map_or("-".to_owned(), |f| format!("{f:.2}")),
                series_text(report, row),
            ]
        })
        .collect();
    let heads = ["verdict", "change", "growth", "fit", "series"];
    let width = |c: usize| {
        cells.iter().map(|r| r[c].chars().count()).max().unwrap_or(0).max(heads[c].len())
    };
    let w: Vec<usize> = (0..5).map(width).collect();
    out.line(Layout::Titles)
        .left(w[0], Part::Plain, heads[0])
        .plain("  ")
        .right(w[1], Part::Plain, heads[1])
        .plain("  ")
        .right(w[2], Part::Plain, heads[2])
        .plain("  ")
        .right(w[3], Part::Plain, heads[3])
        .plain("  ")
        .left(w[4], Part::Plain, heads[4])
        .plain(format_args!("  {what}"))
        .end()?;
    let stacks = by == "stack";
    for (row, c) in report.rows.iter().zip(&cells) {
        let line = out
            .line(if stacks { Layout::Folded } else { Layout::Row })
            .left(w[0], Part::Plain, &c[0])
            .plain("  ")
            .change(format!("{:>w1$}", c[1], w1 = w[1]))
            .plain("  ")
            .change(format!("{:>w2$}", c[2], w2 = w[2]))
            .plain("  ")
            .right(w[3], Part::Number, &c[3])
            .plain("  ")
            .left(w[4], Part::Plain, &c[4])
            .plain("  ");
        line.key(by, &row.key).end()?;
    }
    Ok(())
}

/// The columns of the long CSV.
pub const LONG_COLUMNS: [(&str, Kind); 10] = [
    ("key", Kind::Text),
    ("verdict", Kind::Text),
    ("snapshot", Kind::Text),
    ("position", Kind::Number),
    ("time", Kind::Text),
    ("time_nanos", Kind::Number),
    ("value", Kind::Number),
    ("unit", Kind::Text),
    ("exact", Kind::Bool),
    ("present", Kind::Bool),
];

/// One row of the long CSV.
#[derive(serde::Serialize)]
struct LongRow<'a> {
    key: &'a str,
    verdict: &'static str,
    snapshot: &'a str,
    position: usize,
    time: Option<&'a str>,
    time_nanos: Option<i64>,
    value: Amount,
    exact: bool,
    present: bool,
}

fn shared_unit(report: &TrendReport) -> serde_json::Map<String, serde_json::Value> {
    let mut shared = serde_json::Map::new();
    shared.insert("unit".into(), report.units.unit_name().into());
    shared
}

fn write_long(out: &mut dyn Write, report: &TrendReport, sheet: SheetOptions) -> Result<()> {
    let mut csv = CsvRows::new(out, &LONG_COLUMNS, shared_unit(report), sheet);
    for row in &report.rows {
        for (i, snap) in report.snapshots.iter().enumerate() {
            csv.row(&LongRow {
                key: &row.key,
                verdict: row.verdict.as_str(),
                snapshot: &snap.name,
                position: i + 1,
                time: snap.time.as_deref(),
                time_nanos: snap.time_nanos,
                value: row.values[i],
                exact: snap.exact,
                present: row.seen[i],
            })?;
        }
    }
    csv.finish()
}

/// The fixed columns of the wide CSV, before one column per snapshot.
pub const WIDE_COLUMNS: [(&str, Kind); 13] = [
    ("key", Kind::Text),
    ("verdict", Kind::Text),
    ("first", Kind::Number),
    ("last", Kind::Number),
    ("change", Kind::Number),
    ("min", Kind::Number),
    ("max", Kind::Number),
    ("per_hour", Kind::Number),
    ("per_snapshot", Kind::Number),
    ("fit", Kind::Number),
    ("present", Kind::Number),
    ("unit", Kind::Text),
    ("exact", Kind::Bool),
];

fn write_wide(out: &mut dyn Write, report: &TrendReport, sheet: SheetOptions) -> Result<()> {
    let names: Vec<String> = report.snapshots.iter().map(|s| s.name.clone()).collect();
    let columns = WIDE_COLUMNS
        .iter()
        .map(|&(n, k)| (n.to_owned(), k))
        .chain(names.iter().map(|n| (n.clone(), Kind::Number)));
    let mut csv = CsvRows::with_columns(out, columns, shared_unit(report), sheet);
    let exact = report.snapshots.iter().all(|s| s.exact);
    for row in &report.rows {
        let mut more = serde_json::Map::new();
        more.insert("exact".into(), exact.into());
        for (name, v) in names.iter().zip(&row.values) {
            more.insert(name.clone(), amount(v.0));
        }
        csv.row_with(row, &more)?;
    }
    csv.finish()
}

fn write_json(out: &mut dyn Write, report: &TrendReport) -> Result<()> {
    use serde_json::Value;
    let snapshots = Value::Array(json_rows(&report.snapshots, None)?);
    let doc = object([
        ("type", report.sample_type.as_deref().map_or(Value::Null, Value::from)),
        ("unit", report.units.unit_name().into()),
        ("cumulative", report.cumulative.into()),
        ("order", if report.by_time { "time" } else { "given" }.into()),
        ("order_note", report.order_note.as_deref().map_or(Value::Null, Value::from)),
        ("tolerance_percent", report.tolerance_percent.into()),
        ("snapshots", snapshots),
        ("rows", Value::Array(json_rows(&report.rows, None)?)),
    ]);
    write_document(out, &doc)
}

fn write_svg(out: &mut dyn Write, report: &TrendReport, by: &str) -> Result<()> {
    let ty = report.sample_type.as_deref().unwrap_or("values");
    let hours = report.by_time.then(|| {
        let t0 = report.snapshots[0].time_nanos.unwrap_or(0);
        report.snapshots.iter().map(|s| (s.time_nanos.unwrap_or(t0) - t0) as f64 / 3.6e12).collect()
    });
    let series: Vec<ChartSeries> = report
        .rows
        .iter()
        .map(|r| ChartSeries {
            name: format!("{} ({})", r.key, r.verdict.as_str()),
            values: r.values.iter().map(|v| v.0).collect(),
        })
        .collect();
    let title = format!(
        "{ty} by {by}: the top {} series of {} snapshots",
        series.len(),
        report.snapshots.len()
    );
    let subtitle = match report.snapshots.first().and_then(|s| s.time.clone()) {
        Some(t) if report.by_time => format!("from {t}"),
        _ => "in the order given".to_owned(),
    };
    let svg = chart(&ChartOptions {
        title,
        subtitle,
        dim: report.units.dimension(),
        unit: report.units.unit_name().to_owned(),
        hours,
        labels: report.snapshots.iter().map(|s| s.name.clone()).collect(),
        series,
    });
    out.write_all(svg.as_bytes())?;
    Ok(())
}
