//! `traces-tool csv`: one row per sample (or per frame with `--frames`),
//! values as exact numbers in the base unit, for spreadsheets and scripts.

use std::io::Write;

use clap::Args;

use crate::cmd::grep::folded_stack;
use crate::cmd::{scan, InputArgs, Outcome, UnitContext};
use crate::error::Result;
use crate::record::Names;
use crate::units::centi_to_decimal;

/// Samples as CSV records.
///
/// Columns: file, sample (1-based, per file), line (of the value line),
/// value (exact, in the base unit: bytes, nanoseconds or a count; two
/// decimals at most when pprof rounded it), unit, value_text (as printed),
/// leaf, depth, stack (root first, `;`-separated: the folded-stack order),
/// labels (`key=values` joined by `; `).
///
/// With `--frames`: file, sample, line, value, unit, value_text, position
/// (0 = leaf), frame, inline.
#[derive(Args, Clone, Debug)]
pub struct CsvArgs {
    /// One row per frame instead of one per sample.
    #[arg(long)]
    pub frames: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

/// The header row of the per-sample output.
pub const SAMPLE_COLUMNS: [&str; 10] =
    ["file", "sample", "line", "value", "unit", "value_text", "leaf", "depth", "stack", "labels"];

/// The header row of the `--frames` output.
pub const FRAME_COLUMNS: [&str; 9] =
    ["file", "sample", "line", "value", "unit", "value_text", "position", "frame", "inline"];

/// Runs the command.
pub fn run(args: &CsvArgs, out: &mut dyn Write) -> Result<Outcome> {
    let mut w = csv::Writer::from_writer(out);
    if args.frames {
        w.write_record(FRAME_COLUMNS)?;
    } else {
        w.write_record(SAMPLE_COLUMNS)?;
    }
    let mut names = Names::new();
    let mut units = UnitContext::default();
    let mut rows = 0u64;
    let notes = scan(&args.input, &mut names, |src, rec, names: &Names| {
        units.learn(src, rec);
        let value = centi_to_decimal(rec.value.centi);
        let (sample, line) = (rec.index.to_string(), rec.line.to_string());
        let unit = units.unit_name().to_owned();
        if args.frames {
            for (i, f) in rec.frames.iter().enumerate() {
                w.write_record([
                    src.name(),
                    &sample,
                    &line,
                    &value,
                    &unit,
                    rec.value_text(),
                    &i.to_string(),
                    names.get(f.name),
                    if f.inline { "true" } else { "false" },
                ])?;
            }
        } else {
            let leaf = rec.leaf().map_or("", |f| names.get(f.name));
            w.write_record([
                src.name(),
                &sample,
                &line,
                &value,
                &unit,
                rec.value_text(),
                leaf,
                &rec.frames.len().to_string(),
                &folded_stack(rec, names),
                &rec.labels_joined(),
            ])?;
        }
        rows += 1;
        Ok(())
    })?;
    w.flush()?;
    let mut outcome = Outcome { matched: rows > 0, notes };
    if rows == 0 {
        outcome.notes.push("no samples".to_owned());
    }
    Ok(outcome)
}
