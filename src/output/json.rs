//! JSON output shared by the commands (`--format json` and `--format
//! ndjson`); the schemas are in `docs/json.md` and in each command's
//! `--help`.
//!
//! Conventions, the same in every command:
//!
//! - Amounts are JSON numbers in the base unit (bytes, nanoseconds or a
//!   count), exact: integral amounts print as integers (`1536`), amounts
//!   summed from pprof's rounded text keep their two decimals at most
//!   (`22030581.76`). They are written from the exact fixed-point value, never
//!   through a float, so `21.01MB` is `22030581.76` whatever its size.
//! - The unit is named once per document (or per row in NDJSON) in `unit`:
//!   `bytes`, `nanoseconds`, `count`, or the name of an unknown `-unit`.
//! - What pprof printed is kept beside the number, as `value_text`.
//! - Percentages are JSON numbers with at most four decimals.
//! - Stacks are arrays of frames, leaf first as pprof prints them, each
//!   `{"name": ..., "inline": bool}`; labels are objects `{key: values}` with
//!   the values as printed (several values joined by a space).

use std::io::{self, Write};

use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};
use crate::output::Format;
use crate::record::{Frame, Header, Names, Record};
use crate::units::centi_to_decimal;

/// An exact amount (hundredths of the base unit) as a JSON number.
pub fn amount(centi: i128) -> Value {
    decimal(&centi_to_decimal(centi))
}

/// A JSON number from its decimal text, kept verbatim (serde_json's
/// `arbitrary_precision`).
pub fn decimal(text: &str) -> Value {
    match text.parse::<Number>() {
        Ok(n) => Value::Number(n),
        Err(_) => Value::String(text.to_owned()),
    }
}

/// `part` as a percentage of `total`, four decimals at most; `null` when
/// the total is zero. The magnitude, as pprof prints percentages.
pub fn percent(part: i128, total: i128) -> Value {
    if total == 0 {
        return Value::Null;
    }
    let ratio = (part as f64 / total as f64 * 100.0).abs();
    let text = format!("{ratio:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    decimal(text)
}

/// A stack, leaf first: `[{"name": "main.f", "inline": false}, ...]`.
pub fn frames(frames: &[Frame], names: &Names) -> Value {
    Value::Array(
        frames
            .iter()
            .map(|f| {
                let mut o = Map::new();
                o.insert("name".into(), names.get(f.name).into());
                o.insert("inline".into(), f.inline.into());
                Value::Object(o)
            })
            .collect(),
    )
}

/// A record's labels as an object `{key: values}`, in printed order.
pub fn labels(rec: &Record) -> Value {
    let mut o = Map::new();
    for (k, v) in rec.labels() {
        o.insert(k.to_owned(), v.into());
    }
    Value::Object(o)
}

/// The header as an object: the fields pprof printed (`file`, `build_id`,
/// `type`, `time`, `duration`, `doc`; absent ones are `null`), the other
/// lines as `comments`, and every line verbatim in `lines`.
pub fn header(header: &Header) -> Value {
    serde_json::to_value(header).unwrap_or(Value::Null)
}

/// Builds an object from `(key, value)` pairs, keeping their order.
pub fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut o = Map::new();
    for (k, v) in pairs {
        o.insert(k.to_owned(), v);
    }
    Value::Object(o)
}

/// Writes one document, pretty-printed, and a newline.
pub fn write_document(out: &mut dyn Write, value: &Value) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// Writes one document whose last field, `key`, is an array of `rows`
/// written one at a time, so that a large array is never held in memory;
/// the bytes are those [`write_document`] writes for the whole document.
/// `head` holds the fields before `key`; a row that fails stops the writing
/// with its error.
pub fn write_document_streaming<T: serde::Serialize>(
    out: &mut dyn Write,
    head: &Value,
    key: &str,
    rows: impl IntoIterator<Item = Result<T>>,
) -> Result<()> {
    let head = serde_json::to_string_pretty(head).map_err(io::Error::from)?;
    // `{\n  ...\n}` (or `{}`): drop the closing brace to go on.
    let open = match head.strip_suffix("\n}") {
        Some(open) => format!("{open},\n  "),
        None => "{\n  ".to_owned(),
    };
    out.write_all(open.as_bytes())?;
    serde_json::to_writer(&mut *out, key).map_err(io::Error::from)?;
    out.write_all(b": [")?;
    let mut first = true;
    let mut text = Vec::new();
    for row in rows {
        let row = row?;
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        text.clear();
        serde_json::to_writer_pretty(&mut text, &row).map_err(io::Error::from)?;
        // Indented two levels deeper: in the document, then in the array.
        // JSON text holds no raw line break but between its tokens.
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"    ")?;
            out.write_all(line)?;
        }
    }
    out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    Ok(())
}

/// Writes one NDJSON line: the value on one line, and a newline.
pub(crate) fn write_line<T: serde::Serialize + ?Sized>(
    out: &mut dyn Write,
    value: &T,
) -> Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// The usage error of `--format ndjson` on a command without streaming rows.
pub fn ndjson_unsupported(command: &str) -> Error {
    Error::Usage(format!(
        "{command}: --format ndjson is for commands whose rows stream (csv, grep, stacks); \
         use --format json"
    ))
}

/// Fails unless `format` is one of `allowed`, naming the command.
pub fn require(format: Format, allowed: &[Format], command: &str) -> Result<()> {
    if allowed.contains(&format) {
        Ok(())
    } else if format == Format::Ndjson {
        Err(ndjson_unsupported(command))
    } else {
        let name = match format {
            Format::Text => "text",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
        };
        Err(Error::Usage(format!("{command}: --format {name} is not available here")))
    }
}

/// A JSON document written while its rows stream: `{"key": ..., "rows":
/// [` first, then one row at a time, then `]}`. Memory stays constant
/// however many rows there are.
pub(crate) struct RowStream<'a> {
    out: &'a mut dyn Write,
    rows: usize,
    /// NDJSON: each row on its own line, no surrounding document.
    lines: bool,
}

impl<'a> RowStream<'a> {
    /// Starts a stream. For a JSON document, `head` holds the fields
    /// written before the array, and `key` names the array; for NDJSON both
    /// are ignored.
    pub fn start(out: &'a mut dyn Write, lines: bool, head: Value, key: &str) -> Result<Self> {
        if !lines {
            let mut head = serde_json::to_string_pretty(&head).map_err(io::Error::from)?;
            // Reopen the head object to append the array.
            head.truncate(head.trim_end().len() - 1);
            let head = head.trim_end();
            let comma = if head.ends_with('{') { "" } else { "," };
            write!(out, "{head}{comma}\n  {}: [", Value::from(key))?;
        }
        Ok(RowStream { out, rows: 0, lines })
    }

    /// Writes one row: a `Value`, or any row serialized as it is.
    pub fn row<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        if self.lines {
            return write_line(self.out, value);
        }
        let sep = if self.rows == 0 { "\n    " } else { ",\n    " };
        self.out.write_all(sep.as_bytes())?;
        serde_json::to_writer(&mut *self.out, value).map_err(io::Error::from)?;
        self.rows += 1;
        Ok(())
    }

    /// Closes the document.
    pub fn finish(self) -> Result<()> {
        if !self.lines {
            if self.rows == 0 {
                writeln!(self.out, "]\n}}")?;
            } else {
                writeln!(self.out, "\n  ]\n}}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_numbers() {
        assert_eq!(amount(2_203_058_176).to_string(), "22030581.76");
        assert_eq!(amount(153_600).to_string(), "1536");
        assert_eq!(amount(-629_145_600).to_string(), "-6291456");
        assert_eq!(amount(150).to_string(), "1.5");
        // 1.01PB in hundredths: more digits than a float holds.
        let huge = 101 * (1i128 << 50);
        assert_eq!(amount(huge).to_string(), "1137158905911050.24");
    }

    #[test]
    fn percentages_have_four_decimals_at_most() {
        assert_eq!(percent(1, 3).to_string(), "33.3333");
        assert_eq!(percent(1, 2).to_string(), "50");
        assert_eq!(percent(-1, 4).to_string(), "25");
        assert_eq!(percent(1, 0), Value::Null);
    }

    #[test]
    fn streamed_document_is_valid_json() {
        for n in [0, 1, 3] {
            let mut buf = Vec::new();
            let mut s =
                RowStream::start(&mut buf, false, object([("unit", "bytes".into())]), "samples")
                    .unwrap();
            for i in 0..n {
                s.row(&object([("i", i.into())])).unwrap();
            }
            s.finish().unwrap();
            let v: Value = serde_json::from_slice(&buf).unwrap();
            assert_eq!(v["samples"].as_array().unwrap().len(), n);
            assert_eq!(v["unit"], "bytes");
        }
        let mut buf = Vec::new();
        let s = RowStream::start(&mut buf, false, object([]), "rows").unwrap();
        s.finish().unwrap();
        let v: Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["rows"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn a_streamed_document_is_the_document_written_whole() {
        let rows = vec![
            object([("name", "main.f".into()), ("frames", serde_json::json!([{"a": 1}, 2]))]),
            object([("name", "main.g".into()), ("frames", serde_json::json!([]))]),
        ];
        for (head, rows) in [
            (object([("unit", "bytes".into()), ("total", amount(150))]), rows.clone()),
            (object([("unit", "bytes".into())]), vec![]),
            (Value::Object(Map::new()), rows.clone()),
            (Value::Object(Map::new()), vec![]),
        ] {
            let mut whole = head.clone();
            whole.as_object_mut().unwrap().insert("rows".into(), Value::Array(rows.clone()));
            let (mut expected, mut streamed) = (Vec::new(), Vec::new());
            write_document(&mut expected, &whole).unwrap();
            write_document_streaming(&mut streamed, &head, "rows", rows.into_iter().map(Ok))
                .unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(expected).unwrap());
        }
    }
}
