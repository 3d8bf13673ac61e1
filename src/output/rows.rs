//! One writer for the rows of every command. An analysis returns rows of a
//! type that derives `serde::Serialize`; [`write_csv`] writes the columns a
//! command lists through [`Sheet`], [`write_ndjson`] one JSON object per
//! row, and [`json_rows`] the rows of a JSON document. All three read the
//! same serialized values, so CSV and JSON cannot disagree on a number.
//!
//! Amounts are [`Amount`]s (exact, in hundredths of the base unit) and
//! percentages [`Percent`]s (both in [`crate::units`], so that the analyses
//! use them without depending on this layer); both serialize as JSON numbers, and a CSV
//! column of [`Kind::Percent`] writes the percentage with four decimals.

use std::io::{self, Write};
use std::marker::PhantomData;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Result;
use crate::output::capture::{Cells, RowSerializer, Values};
use crate::output::sheet::{cell, Kind, Sheet, SheetOptions};
pub use crate::units::{Amount, Percent};

/// A row as a JSON object, its fields in declaration order.
pub fn to_object<T: Serialize>(row: &T) -> Result<Map<String, Value>> {
    match serde_json::to_value(row).map_err(io::Error::from)? {
        Value::Object(map) => Ok(map),
        other => {
            let mut map = Map::new();
            map.insert("value".to_owned(), other);
            Ok(map)
        }
    }
}

/// The rows of a JSON document: each row's object, keeping only `fields`
/// (in that order) when given, else every field.
pub fn json_rows<T: Serialize>(rows: &[T], fields: Option<&[&str]>) -> Result<Vec<Value>> {
    rows.iter().map(|row| json_row(row, fields)).collect()
}

/// One row as a JSON object, keeping only `fields` (in that order) when
/// given, else every field. A field not kept is not serialized at all.
pub(crate) fn json_row<T: Serialize>(row: &T, fields: Option<&[&str]>) -> Result<Value> {
    let Some(fields) = fields else { return Ok(Value::Object(to_object(row)?)) };
    let mut values = Values::new(fields);
    if row.serialize(&mut RowSerializer { slots: &mut values, nth: 0 }).is_err() {
        return Ok(Value::Object(project(&to_object(row)?, fields)));
    }
    Ok(Value::Object(
        fields
            .iter()
            .zip(values.values)
            .map(|(f, v)| ((*f).to_owned(), v.unwrap_or(Value::Null)))
            .collect(),
    ))
}

fn project(object: &Map<String, Value>, fields: &[&str]) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| ((*f).to_owned(), object.get(*f).cloned().unwrap_or(Value::Null)))
        .collect()
}

/// Writes each row as one line of JSON (NDJSON), every field kept.
pub fn write_ndjson<T: Serialize>(out: &mut dyn Write, rows: &[T]) -> Result<()> {
    for row in rows {
        write_ndjson_row(out, row, None)?;
    }
    Ok(())
}

/// Writes one row as one line of JSON (NDJSON), for rows that stream:
/// only `fields` (in that order) when given, else every field.
pub(crate) fn write_ndjson_row<T: Serialize>(
    out: &mut dyn Write,
    row: &T,
    fields: Option<&[&str]>,
) -> Result<()> {
    match fields {
        None => serde_json::to_writer(&mut *out, &to_object(row)?),
        Some(_) => serde_json::to_writer(&mut *out, &json_row(row, fields)?),
    }
    .map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// A CSV writer for rows: each column named in `columns` takes the row's
/// field of that name, else the value of that name in `shared` (what is
/// one for the whole output, such as `unit`), else an empty cell. Only the
/// fields a column names are serialized, straight into reused cells.
pub struct CsvRows<'a, W: Write> {
    sheet: Sheet<W>,
    cells: Cells,
    /// Per column, the cell of its `shared` value, made once.
    shared: Vec<Option<String>>,
    columns: PhantomData<&'a str>,
}

impl<'a, W: Write> CsvRows<'a, W> {
    /// A writer of `columns`, with the values `shared` by every row.
    pub fn new(
        out: W,
        columns: &'a [(&'a str, Kind)],
        shared: Map<String, Value>,
        options: SheetOptions,
    ) -> CsvRows<'a, W> {
        CsvRows::with_columns(out, columns.iter().copied(), shared, options)
    }

    /// A writer of columns known only at run time (`csv`'s label columns).
    pub(crate) fn with_columns<S: Into<String>>(
        out: W,
        columns: impl IntoIterator<Item = (S, Kind)>,
        shared: Map<String, Value>,
        options: SheetOptions,
    ) -> CsvRows<'a, W> {
        let columns: Vec<(String, Kind)> =
            columns.into_iter().map(|(n, k)| (n.into(), k)).collect();
        let sheet = Sheet::new(out, columns.iter().cloned(), options);
        let shared = columns
            .iter()
            .map(|(name, kind)| shared.get(name).map(|v| cell(Some(v), *kind)))
            .collect();
        CsvRows { sheet, cells: Cells::new(columns), shared, columns: PhantomData }
    }

    /// Writes one row.
    pub fn row<T: Serialize>(&mut self, row: &T) -> Result<()> {
        self.row_with(row, &())
    }

    /// Writes one row whose cells come from `row`, then from `more`: a
    /// map of the columns known only at run time (`csv`'s label columns),
    /// or `()` for none.
    pub(crate) fn row_with<T: Serialize, M: Serialize>(&mut self, row: &T, more: &M) -> Result<()> {
        self.cells.clear();
        let mut serializer = RowSerializer { slots: &mut self.cells, nth: 0 };
        let mut done = row.serialize(&mut serializer);
        if done.is_ok() {
            done = more.serialize(&mut serializer);
        }
        if done.is_err() {
            // Not a struct or map: as `to_object` makes it one.
            self.cells.clear();
            let object = to_object(row)?;
            for (i, name) in self.cells.index.names().iter().enumerate() {
                if let Some(value) = object.get(name) {
                    self.cells.cells[i] = cell(Some(value), self.cells.kinds[i]);
                    self.cells.set[i] = true;
                }
            }
        }
        let Cells { cells, set, .. } = &mut self.cells;
        for ((cell, set), shared) in cells.iter_mut().zip(set.iter()).zip(&self.shared) {
            if let (false, Some(shared)) = (set, shared) {
                cell.clone_from(shared);
            }
        }
        self.sheet.row(cells.iter())
    }

    /// Writes the header if no row did, and flushes.
    pub fn finish(mut self) -> Result<()> {
        self.sheet.flush()
    }
}

/// Writes `rows` as CSV ([`CsvRows`]).
pub fn write_csv<T: Serialize>(
    out: &mut dyn Write,
    columns: &[(&str, Kind)],
    shared: Map<String, Value>,
    rows: &[T],
    options: SheetOptions,
) -> Result<()> {
    let mut csv = CsvRows::new(out, columns, shared, options);
    for row in rows {
        csv.row(row)?;
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        function: String,
        flat: Amount,
        flat_percent: Percent,
        inline: Option<String>,
        exact: bool,
    }

    fn rows() -> Vec<Row> {
        vec![
            Row {
                function: "=main.f".into(),
                flat: Amount(2203058176),
                flat_percent: Percent::of(1, 8),
                inline: None,
                exact: false,
            },
            Row {
                function: "main.g".into(),
                flat: Amount(-1024 * 100),
                flat_percent: Percent::of(1, 0),
                inline: Some("inline".into()),
                exact: true,
            },
        ]
    }

    #[test]
    fn csv_and_json_carry_the_same_numbers() {
        let columns = [
            ("function", Kind::Text),
            ("flat", Kind::Number),
            ("unit", Kind::Text),
            ("flat_percent", Kind::Percent),
            ("inline", Kind::Text),
            ("exact", Kind::Bool),
        ];
        let mut shared = Map::new();
        shared.insert("unit".into(), "bytes".into());
        let mut csv = Vec::new();
        write_csv(&mut csv, &columns, shared, &rows(), SheetOptions::default()).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "function,flat,unit,flat_percent,inline,exact\n\
             '=main.f,22030581.76,bytes,12.5000,,false\n\
             main.g,-1024,bytes,,inline,true\n"
        );
        let json = json_rows(&rows(), Some(&["function", "flat", "flat_percent"])).unwrap();
        assert_eq!(
            serde_json::to_string(&json).unwrap(),
            r#"[{"function":"=main.f","flat":22030581.76,"flat_percent":12.5},{"function":"main.g","flat":-1024,"flat_percent":null}]"#
        );
        let mut nd = Vec::new();
        write_ndjson(&mut nd, &rows()[1..]).unwrap();
        assert_eq!(
            String::from_utf8(nd).unwrap(),
            "{\"function\":\"main.g\",\"flat\":-1024,\"flat_percent\":null,\"inline\":\"inline\",\"exact\":true}\n"
        );
    }
}

#[cfg(test)]
mod capture_tests {
    use std::cell::Cell;

    use serde::Serialize;
    use serde_json::Map;

    use super::{json_row, Amount, CsvRows, Percent};
    use crate::output::sheet::{Kind, SheetOptions};

    /// Counts how often it is serialized.
    struct Costly<'a>(&'a Cell<u32>);

    impl Serialize for Costly<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.set(self.0.get() + 1);
            s.serialize_str("costly")
        }
    }

    #[derive(Serialize)]
    struct Row<'a> {
        name: &'a str,
        value: Amount,
        share: Percent,
        labels: Map<String, serde_json::Value>,
        frames: Vec<u32>,
        costly: Costly<'a>,
        #[serde(flatten)]
        extra: Map<String, serde_json::Value>,
    }

    #[test]
    fn only_named_fields_are_serialized_and_cells_match_values() {
        let calls = Cell::new(0);
        let mut labels = Map::new();
        labels.insert("bytes".into(), "2kB".into());
        labels.insert("op".into(), "read".into());
        let mut extra = Map::new();
        extra.insert("label:op".into(), "read".into());
        let row = Row {
            name: "=f",
            value: Amount(2203058176),
            share: Percent::of(1, 8),
            labels,
            frames: vec![1, 2],
            costly: Costly(&calls),
            extra,
        };
        let columns = [
            ("name", Kind::Text),
            ("value", Kind::Number),
            ("share", Kind::Percent),
            ("labels", Kind::Text),
            ("frames", Kind::Text),
            ("label:op", Kind::Text),
            ("unit", Kind::Text),
        ];
        let mut shared = Map::new();
        shared.insert("unit".into(), "bytes".into());
        let mut out = Vec::new();
        let mut csv = CsvRows::new(&mut out, &columns, shared, SheetOptions::default());
        csv.row(&row).unwrap();
        csv.row(&row).unwrap();
        csv.finish().unwrap();
        let line = "'=f,22030581.76,12.5000,bytes=2kB; op=read,\"[1,2]\",read,bytes\n";
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("name,value,share,labels,frames,label:op,unit\n{line}{line}")
        );
        assert_eq!(calls.get(), 0, "a field no column names is not serialized");
        let json = json_row(&row, Some(&["value", "share", "name"])).unwrap();
        assert_eq!(json.to_string(), r#"{"value":22030581.76,"share":12.5,"name":"=f"}"#);
        assert_eq!(calls.get(), 0);
    }
}
