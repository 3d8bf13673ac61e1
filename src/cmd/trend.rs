//! `traces-tool trend SNAPSHOT...`: the series of each function (stack,
//! label value) across snapshots of one sample type, judged (`growing`,
//! `transient`, ...) and ranked by growth; text with a compact series per
//! row, CSV in long or wide form, JSON, or an SVG chart of the top series.

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::analysis::trend::{
    trend, SeriesKey, SnapshotOrder, TrendOptions, TrendReport, TrendRow,
};
use crate::cmd::{row_limit, Format, InputArgs, Outcome};
use crate::error::{Error, Result};
use crate::output::json::{amount, object, write_document};
use crate::output::rows::{json_rows, CsvRows};
use crate::output::sheet::Kind;
use crate::output::text::Out;
use crate::output::trend_chart::{chart, ChartOptions, ChartSeries};
use crate::units::{Amount, Dimension};

/// The formats of `trend`: text, CSV, JSON, and an SVG chart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum TrendFormat {
    /// Aligned text, a compact series per row.
    #[default]
    Text,
    /// CSV: one row per key and snapshot (long form), or with `--wide`
    /// one row per key with a column per snapshot.
    Csv,
    /// One JSON document.
    Json,
    /// An SVG chart of the top series over time, with axes, units and a
    /// legend.
    Svg,
}

/// The series of each function across snapshots, growth first.
///
/// Give the same profile taken at different times (`heap-1.pb.gz
/// heap-2.pb.gz ...`, or their `-traces` text), of one sample type. Each
/// row is a function (`--by stack`: a stack; `--by LABEL`: a label value)
/// with its value in every snapshot, the change first to last, the growth
/// per hour by least squares with how well a line fits (R²), and a verdict:
/// `growing` (rose in every interval, within the tolerance), `shrinking`,
/// `stable`, `transient` (rose, then fell back), `varying`, `new` (absent
/// from the first snapshot), `gone` (absent from the last). Rows are ranked
/// by growth, the leak first.
///
/// Snapshots are put in time order: a binary profile's own time (to the
/// nanosecond), else the report's `Time:` line (to the minute); when a time
/// is missing or two are the same, in the order given, and growth is per
/// snapshot. `inuse_*` values are levels; `alloc_*` (and mutex and block)
/// values are running totals since the program started, so their slope is
/// a rate: the output says so.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = after_long_help())]
pub struct TrendArgs {
    /// What a series is kept for: `function` (the leaf's value; with
    /// `--cum` every function on the stack), `stack` (each distinct stack,
    /// folded root first), or a label key (each of its values).
    #[arg(long, value_name = "function|stack|LABEL", default_value = "function")]
    pub by: String,
    /// With `--by function`: every function on the stack counts a sample
    /// (cum), not only the leaf (flat).
    #[arg(long)]
    pub cum: bool,
    /// The order of the snapshots: `time` (when every snapshot has a time
    /// and no two are the same, else as given) or `given`.
    #[arg(long, value_enum, default_value = "time")]
    pub order: OrderArg,
    /// An interval counts as a rise or a fall only when it moves by more
    /// than PCT percent of the series' largest value.
    #[arg(long, value_name = "PCT", default_value_t = 5.0)]
    pub tolerance: f64,
    /// Rows (or, with `--format svg`, series drawn) to show: default 20
    /// for text, 8 for svg, every row for csv and json; 0 for all.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TrendFormat,
    /// CSV: one row per key with a column per snapshot, instead of one
    /// row per key and snapshot.
    #[arg(long)]
    pub wide: bool,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `--order`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OrderArg {
    /// By each snapshot's time.
    #[default]
    Time,
    /// As given.
    Given,
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

/// The CSV columns, then the JSON schema.
fn after_long_help() -> String {
    format!("{TREND_HELP}\n\n{JSON_SCHEMA}")
}

/// Runs the command.
pub fn run(args: &TrendArgs, out: &mut Out<'_>) -> Result<Outcome> {
    if !(args.tolerance >= 0.0 && args.tolerance.is_finite()) {
        return Err(Error::Usage(format!(
            "--tolerance {}: expected a percentage of 0 or more",
            args.tolerance
        )));
    }
    let by = match args.by.as_str() {
        "function" => SeriesKey::Function,
        "stack" => SeriesKey::Stack,
        "" => return Err(Error::Usage("--by: expected function, stack or a label key".into())),
        label => SeriesKey::Label(label.to_owned()),
    };
    if args.cum && by != SeriesKey::Function {
        return Err(Error::Usage("--cum goes with --by function only".into()));
    }
    let options = TrendOptions {
        by,
        cum: args.cum,
        order: match args.order {
            OrderArg::Time => SnapshotOrder::Time,
            OrderArg::Given => SnapshotOrder::Given,
        },
        tolerance_percent: args.tolerance,
    };
    let mut report = trend(&args.input.inputs(), &options)?;
    let matched = !report.rows.is_empty();
    let limit = match args.format {
        TrendFormat::Text => row_limit(args.top, Format::Text, 20),
        TrendFormat::Svg => args.top.unwrap_or(8),
        TrendFormat::Csv | TrendFormat::Json => row_limit(args.top, Format::Csv, 0),
    };
    if limit > 0 {
        report.rows.truncate(limit);
    }
    match args.format {
        TrendFormat::Text => write_text(out, &report, &args.by, args.cum)?,
        TrendFormat::Csv if args.wide => write_wide(out, &report, args)?,
        TrendFormat::Csv => write_long(out, &report, args)?,
        TrendFormat::Json => write_json(out, &report)?,
        TrendFormat::Svg => write_svg(out, &report, &args.by)?,
    }
    let mut notes = report.notes;
    if let Some(note) = report.order_note {
        notes.push(format!("trend: {note}"));
    }
    Ok(Outcome { matched, notes })
}

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
pub fn write_text(out: &mut dyn Write, report: &TrendReport, by: &str, cum: bool) -> Result<()> {
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
    writeln!(out, "{ty} in {n} snapshots{span}")?;
    if report.cumulative {
        writeln!(
            out,
            "{ty} values are running totals since the program started: the growth is a rate \
             (ranked by it), and `growing` means still allocating, not a leak"
        )?;
    }
    writeln!(
        out,
        "growth by least squares, fit R²; verdicts with a tolerance of {}% of each series' \
         largest value",
        report.tolerance_percent
    )?;
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
    writeln!(
        out,
        "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {:<w4$}  {what}",
        heads[0],
        heads[1],
        heads[2],
        heads[3],
        heads[4],
        w0 = w[0],
        w1 = w[1],
        w2 = w[2],
        w3 = w[3],
        w4 = w[4]
    )?;
    for (row, c) in report.rows.iter().zip(&cells) {
        let pad = w[4] - c[4].chars().count();
        writeln!(
            out,
            "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {}{}  {}",
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            " ".repeat(pad),
            row.key,
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
        )?;
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

fn write_long(out: &mut dyn Write, report: &TrendReport, args: &TrendArgs) -> Result<()> {
    let mut csv = CsvRows::new(out, &LONG_COLUMNS, shared_unit(report), args.input.sheet_options());
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

fn write_wide(out: &mut dyn Write, report: &TrendReport, args: &TrendArgs) -> Result<()> {
    let names: Vec<String> = report.snapshots.iter().map(|s| s.name.clone()).collect();
    let columns = WIDE_COLUMNS
        .iter()
        .map(|&(n, k)| (n.to_owned(), k))
        .chain(names.iter().map(|n| (n.clone(), Kind::Number)));
    let mut csv =
        CsvRows::with_columns(out, columns, shared_unit(report), args.input.sheet_options());
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
