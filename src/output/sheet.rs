//! The CSV writer every command's `--format csv` goes through, so that a
//! spreadsheet reads the file as meant: numbers in numeric columns as plain
//! decimals (no thousands separators, `.` decimals, no unit), and text cells
//! that a spreadsheet would evaluate or turn into a number neutralised.
//!
//! Neutralising follows OWASP's advice for CSV export ("CSV Injection"): a
//! text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return gets a leading `'`, so LibreOffice and Excel show it instead of
//! running it as a formula (`=HYPERLINK("http://…","x")` in a string label
//! would otherwise become a live link). Text that a spreadsheet would read
//! as a number, a percentage, a date or a time (`1e3`, `0012`, `1,234`,
//! `12%`, `2024-10-09`, `1/2`, `12:30`) gets the same `'`,
//! so a frame or label named that way stays text; so does text that starts
//! with `'` itself, which makes the rule reversible: in a text column, a
//! leading `'` was added and one is removed to get the original back.
//! Numeric and boolean columns are never touched. [`SheetOptions::raw_text`]
//! (`--csv-raw-text`) writes every cell as it is.

use serde_json::Value;
use std::borrow::Cow;
use std::io::Write;

use crate::error::Result;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Free text: names, labels, printed values. Neutralised by default.
    Text,
    /// A plain decimal number (`-2088.96`, `1024`) or empty.
    Number,
    /// `true` or `false`.
    Bool,
    /// A percentage, written with four decimals (`12.5000`) or empty.
    Percent,
}

/// How text cells are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SheetOptions {
    /// Write text cells as they are, without the `'` of [`neutralise`].
    /// Default false.
    pub raw_text: bool,
}

/// A CSV writer with a typed header: text cells are neutralised, numeric
/// cells are written as they are.
pub struct Sheet<W: Write> {
    writer: csv::Writer<W>,
    columns: Vec<(String, Kind)>,
    options: SheetOptions,
    header_written: bool,
}

impl<W: Write> Sheet<W> {
    /// A writer with these columns; the header goes out with the first row
    /// (or at [`Sheet::flush`]), so an input that cannot be read leaves no
    /// half-written CSV behind.
    pub fn new<S: Into<String>>(
        out: W,
        columns: impl IntoIterator<Item = (S, Kind)>,
        options: SheetOptions,
    ) -> Sheet<W> {
        Sheet {
            writer: csv::Writer::from_writer(out),
            columns: columns.into_iter().map(|(n, k)| (n.into(), k)).collect(),
            options,
            header_written: false,
        }
    }

    /// The columns, in order.
    pub fn columns(&self) -> &[(String, Kind)] {
        &self.columns
    }

    fn header(&mut self) -> Result<()> {
        if !self.header_written {
            self.header_written = true;
            let raw = self.options.raw_text;
            let names: Vec<Cow<'_, str>> = self
                .columns
                .iter()
                .map(|(n, _)| if raw { Cow::Borrowed(n.as_str()) } else { neutralise(n) })
                .collect();
            self.writer.write_record(names.iter().map(|n| n.as_bytes()))?;
        }
        Ok(())
    }

    /// Writes one row, a cell per column.
    pub fn row<I, S>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.header()?;
        let Sheet { writer, columns, options, .. } = self;
        let kinds = columns.iter().map(|c| c.1).chain(std::iter::repeat(Kind::Text));
        write_row(writer, *options, columns, cells.into_iter().zip(kinds))
    }

    /// Writes one row whose cells say their kind, for a column that mixes
    /// numbers and text (`summary`'s `value`).
    pub fn row_typed<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = (S, Kind)>,
    ) -> Result<()> {
        self.header()?;
        write_row(&mut self.writer, self.options, &self.columns, cells)
    }

    /// Writes the header if no row did, and flushes.
    pub fn flush(&mut self) -> Result<()> {
        self.header()?;
        self.writer.flush()?;
        Ok(())
    }
}

fn write_row<W: Write, S: AsRef<str>>(
    writer: &mut csv::Writer<W>,
    options: SheetOptions,
    columns: &[(String, Kind)],
    cells: impl IntoIterator<Item = (S, Kind)>,
) -> Result<()> {
    let mut n = 0;
    for (cell, kind) in cells {
        let cell = cell.as_ref();
        debug_assert!(
            kind != Kind::Number || cell.is_empty() || is_plain_number(cell),
            "column {:?} is numeric, cell {cell:?} is not a plain number",
            columns.get(n)
        );
        if kind == Kind::Text && !options.raw_text {
            writer.write_field(neutralise(cell).as_bytes())?;
        } else {
            writer.write_field(cell)?;
        }
        n += 1;
    }
    debug_assert_eq!(n, columns.len(), "cells per row");
    writer.write_record(None::<&[u8]>)?;
    Ok(())
}

/// `"true"` or `"false"`, for [`Kind::Bool`] cells.
pub fn bool_cell(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// A text cell as written by default: with a leading `'` when a spreadsheet
/// would evaluate it (leading `=`, `+`, `-`, `@`, tab, carriage return),
/// read it as a number, a percentage, a date or a time, or when it starts
/// with `'` already.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if needs_quote(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A text cell back as it was before [`neutralise`]: without one leading
/// `'` (numeric and boolean cells never start with one).
pub fn restore(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

fn needs_quote(text: &str) -> bool {
    match text.as_bytes().first() {
        None => false,
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'') => true,
        Some(_) => looks_like_a_value(text.trim_matches(' ')),
    }
}

/// Text that LibreOffice or Excel would turn into a number, a percentage,
/// a date or a time: `1e3`, `1,234`, `12%`, `2024-10-09`, `1/2`, `12:30`.
fn looks_like_a_value(t: &str) -> bool {
    // Each form below starts with a digit, a `.` or a sign: most text (a
    // function name, a folded stack) is told apart by its first byte.
    if !matches!(t.as_bytes().first(), Some(b'0'..=b'9' | b'.' | b'+' | b'-')) {
        return false;
    }
    let number = t.strip_suffix('%').unwrap_or(t);
    is_plain_number(number)
        || is_grouped_number(number)
        || looks_like_iso_date(t)
        || is_digit_groups(t, b'/')
        || is_digit_groups(t, b':')
}

/// `1,234` or `12,345,678.5`: thousands separators, which spreadsheets in
/// English locales read as a number.
fn is_grouped_number(s: &str) -> bool {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let mut rest = groups.peekable();
    rest.peek().is_some()
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Two or three groups of digits joined by `sep` (`1/2`, `12:30:05`).
fn is_digit_groups(s: &str, sep: u8) -> bool {
    let groups: Vec<&[u8]> = s.as_bytes().split(|&b| b == sep).collect();
    (2..=3).contains(&groups.len())
        && groups.iter().all(|g| !g.is_empty() && g.len() <= 4 && g.iter().all(u8::is_ascii_digit))
}

/// A decimal number as spreadsheets read one: optional sign, digits with
/// an optional `.` (or a `.` and digits), an optional exponent.
fn is_plain_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `2024-10-09` and what starts like it (`2024-10-09T10:00:00Z`): read as
/// a date by LibreOffice even with special numbers off.
fn looks_like_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5].is_ascii_digit()
        && s[5..].contains('-')
}

/// One CSV cell from a serialized value. An object is its `key=value`
/// pairs joined by `; ` (labels, as the `labels` columns show them).
pub(crate) fn cell(value: Option<&Value>, kind: Kind) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::Bool(b)) => bool_cell(*b).to_owned(),
        Some(Value::Number(n)) if kind == Kind::Percent => {
            n.as_f64().map_or_else(|| n.to_string(), |p| format!("{p:.4}"))
        }
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", cell(Some(v), Kind::Text)))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_and_number_like_text_are_quoted() {
        for t in ["=cmd", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "'x", "1e3", "12", " 12 ", ".5"] {
            assert_eq!(neutralise(t), format!("'{t}"), "{t:?}");
        }
        for t in ["2024-10-09", "2024-1-9T10:00", "1,234", "12,345.5", "12%", "1/2", "12:30:05"] {
            assert_eq!(neutralise(t), format!("'{t}"), "{t:?}");
        }
        for t in ["", "main.main", "1e", "e3", "1.2.3", "x%", "1/", "x=1", "a-b", "inf", "128B"] {
            assert_eq!(neutralise(t), t, "{t:?}");
        }
        for t in ["1,23", "1234,567", ",123", "1/2/3/4", "a:b", "main.go:12", "12:30 x"] {
            assert_eq!(neutralise(t), t, "{t:?}");
        }
        for t in ["=cmd", "'x", "''", "1e3", "main.main", ""] {
            assert_eq!(restore(&neutralise(t)), t, "{t:?}");
        }
    }

    #[test]
    fn plain_numbers() {
        for n in ["0", "-5", "2088.96", "1e3", "1.5E-3", "5.", ".5"] {
            assert!(is_plain_number(n), "{n}");
        }
        for n in ["", "-", ".", "1e", "1,5", "1 000", "0x10", "NaN"] {
            assert!(!is_plain_number(n), "{n}");
        }
    }

    #[test]
    fn only_text_columns_are_neutralised() {
        let mut out = Vec::new();
        let columns = [("=name", Kind::Text), ("value", Kind::Number), ("exact", Kind::Bool)];
        let mut sheet = Sheet::new(&mut out, columns, SheetOptions::default());
        sheet.row(["=cmd", "-5", "true"]).unwrap();
        sheet.row(["1e3", "", "false"]).unwrap();
        sheet.flush().unwrap();
        drop(sheet);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "'=name,value,exact\n'=cmd,-5,true\n'1e3,,false\n"
        );
        let mut out = Vec::new();
        let mut sheet = Sheet::new(&mut out, columns, SheetOptions { raw_text: true });
        sheet.row(["=cmd", "-5", "true"]).unwrap();
        sheet.flush().unwrap();
        drop(sheet);
        assert_eq!(String::from_utf8(out).unwrap(), "=name,value,exact\n=cmd,-5,true\n");
    }

    #[test]
    fn an_empty_sheet_has_its_header() {
        let mut out = Vec::new();
        let mut sheet = Sheet::new(&mut out, [("a", Kind::Text)], SheetOptions::default());
        sheet.flush().unwrap();
        drop(sheet);
        assert_eq!(out, b"a\n");
    }
}
