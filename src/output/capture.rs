//! Reading the fields a writer needs from a serialized row, without
//! building the whole row: [`crate::output::rows`] hands a row to
//! [`RowSerializer`], which serializes only the fields named in its list
//! (a field not listed, such as a stack only JSON shows, is never
//! computed) into CSV cells ([`Cells`]) or JSON values ([`Values`]).
//! Plain values (text, numbers, booleans, exact amounts) go straight into
//! their cell; anything else through `serde_json::Value`.

use std::fmt::{self, Write as _};

use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeStruct, Serializer};
use serde_json::{Number, Value};

use crate::output::sheet::{bool_cell, cell as cell_of, Kind};

/// Why a row or a cell could not be captured.
#[derive(Debug)]
pub(crate) enum Unsupported {
    /// A value that is not plain (a list, a nested object): the cell is
    /// made from its `serde_json::Value` instead.
    Complex,
    /// A serialization error.
    Custom(String),
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsupported::Complex => f.write_str("not a struct or map row"),
            Unsupported::Custom(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Unsupported::Custom(msg.to_string())
    }
}

/// Where the fields a writer wants go.
pub(crate) trait Slots {
    /// The slot of the `nth` field of the row, named `key`, if wanted.
    fn find(&mut self, key: &str, nth: usize) -> Option<usize>;
    /// Fills slot `index` from a field's value.
    fn put<T: Serialize + ?Sized>(&mut self, index: usize, value: &T) -> Result<(), Unsupported>;
}

/// Field names to slots, remembering where each field of the previous row
/// went (rows of one type name their fields in one order).
pub(crate) struct FieldIndex {
    names: Vec<String>,
    /// Per field of the previous row: its name (and where its text was,
    /// which a struct's `&'static str` keeps), and its slot.
    seen: Vec<(String, usize, Option<usize>)>,
}

impl FieldIndex {
    pub(crate) fn new(names: Vec<String>) -> FieldIndex {
        FieldIndex { names, seen: Vec::new() }
    }

    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    #[inline]
    fn find(&mut self, key: &str, nth: usize) -> Option<usize> {
        if let Some((k, at, i)) = self.seen.get(nth) {
            if k.len() == key.len() && (*at == key.as_ptr() as usize || k == key) {
                return *i;
            }
        }
        let i = self.names.iter().position(|n| n == key);
        let seen = (key.to_owned(), key.as_ptr() as usize, i);
        if nth < self.seen.len() {
            self.seen[nth] = seen;
        } else if nth == self.seen.len() {
            self.seen.push(seen);
        }
        i
    }
}

/// The cells of one CSV row, reused from row to row.
pub(crate) struct Cells {
    pub(crate) index: FieldIndex,
    pub(crate) kinds: Vec<Kind>,
    pub(crate) cells: Vec<String>,
    /// Whether the row had the field of each cell.
    pub(crate) set: Vec<bool>,
}

impl Cells {
    pub(crate) fn new(columns: Vec<(String, Kind)>) -> Cells {
        let kinds = columns.iter().map(|c| c.1).collect();
        let n = columns.len();
        let names = columns.into_iter().map(|c| c.0).collect();
        Cells {
            index: FieldIndex::new(names),
            kinds,
            cells: vec![String::new(); n],
            set: vec![false; n],
        }
    }

    /// Empties every cell before a row.
    pub(crate) fn clear(&mut self) {
        for (cell, set) in self.cells.iter_mut().zip(&mut self.set) {
            cell.clear();
            *set = false;
        }
    }
}

impl Slots for Cells {
    fn find(&mut self, key: &str, nth: usize) -> Option<usize> {
        self.index.find(key, nth)
    }

    fn put<T: Serialize + ?Sized>(&mut self, index: usize, value: &T) -> Result<(), Unsupported> {
        let kind = self.kinds[index];
        let cell = &mut self.cells[index];
        cell.clear();
        self.set[index] = true;
        match value.serialize(CellText { out: cell }) {
            Ok(numeric) => {
                if numeric && kind == Kind::Percent {
                    if let Ok(p) = cell.parse::<f64>() {
                        *cell = format!("{p:.4}");
                    }
                }
                Ok(())
            }
            Err(Unsupported::Complex) => {
                let value = serde_json::to_value(value).map_err(ser::Error::custom)?;
                *cell = cell_of(Some(&value), kind);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// The JSON values of the listed fields of one row.
pub(crate) struct Values {
    pub(crate) index: FieldIndex,
    pub(crate) values: Vec<Option<Value>>,
}

impl Values {
    pub(crate) fn new(fields: &[&str]) -> Values {
        Values {
            index: FieldIndex::new(fields.iter().map(|f| (*f).to_owned()).collect()),
            values: vec![None; fields.len()],
        }
    }
}

impl Slots for Values {
    fn find(&mut self, key: &str, nth: usize) -> Option<usize> {
        self.index.find(key, nth)
    }

    fn put<T: Serialize + ?Sized>(&mut self, index: usize, value: &T) -> Result<(), Unsupported> {
        self.values[index] = Some(serde_json::to_value(value).map_err(ser::Error::custom)?);
        Ok(())
    }
}

/// Serializes a row (a struct, or a map with text keys; `()` adds
/// nothing) into [`Slots`]; fields are counted across the values given.
pub(crate) struct RowSerializer<'s, S: Slots> {
    pub(crate) slots: &'s mut S,
    pub(crate) nth: usize,
}

/// The fields of a row, as they come.
pub(crate) struct RowFields<'a, 's, S: Slots> {
    row: &'a mut RowSerializer<'s, S>,
    key: String,
}

impl<S: Slots> RowFields<'_, '_, S> {
    #[inline]
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unsupported> {
        let nth = self.row.nth;
        self.row.nth += 1;
        match self.row.slots.find(key, nth) {
            Some(i) => self.row.slots.put(i, value),
            None => Ok(()),
        }
    }
}

impl<S: Slots> SerializeStruct for RowFields<'_, '_, S> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

impl<S: Slots> SerializeMap for RowFields<'_, '_, S> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        let mut text = std::mem::take(&mut self.key);
        text.clear();
        let numeric = key.serialize(CellText { out: &mut text });
        self.key = text;
        numeric.map(|_| ())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        let key = std::mem::take(&mut self.key);
        let done = self.field(&key, value);
        self.key = key;
        done
    }

    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

/// Everything but a struct or a map is not a row.
macro_rules! not_a_row {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Unsupported> {
            Err(Unsupported::Complex)
        })*
    };
}

impl<'a, 's, S: Slots> Serializer for &'a mut RowSerializer<'s, S> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Impossible<(), Unsupported>;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = RowFields<'a, 's, S>;
    type SerializeStruct = RowFields<'a, 's, S>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    not_a_row!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_unit(self) -> Result<(), Unsupported> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Ok(RowFields { row: self, key: String::new() })
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Ok(RowFields { row: self, key: String::new() })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported::Complex)
    }
}

/// serde_json's name for the struct an exact number serializes as
/// (feature `arbitrary_precision`): its one field is the number's text.
const JSON_NUMBER: &str = "$serde_json::private::Number";

/// Writes a plain value as CSV cell text, as [`super::rows`]' `cell` writes
/// its `serde_json::Value`; returns whether it was a number. A map becomes
/// its `key=value` pairs joined by `; `.
struct CellText<'c> {
    out: &'c mut String,
}

/// The entries of a map, or the text of an exact number, in one cell.
struct CellParts<'c> {
    out: &'c mut String,
    entries: usize,
}

impl SerializeMap for CellParts<'_> {
    type Ok = bool;
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        if self.entries > 0 {
            self.out.push_str("; ");
        }
        self.entries += 1;
        key.serialize(CellText { out: self.out })?;
        self.out.push('=');
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(CellText { out: self.out }).map(|_| ())
    }

    fn end(self) -> Result<bool, Unsupported> {
        Ok(false)
    }
}

impl SerializeStruct for CellParts<'_> {
    type Ok = bool;
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(CellText { out: self.out }).map(|_| ())
    }

    fn end(self) -> Result<bool, Unsupported> {
        Ok(true)
    }
}

macro_rules! integer_cells {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<bool, Unsupported> {
            let _ = write!(self.out, "{v}");
            Ok(true)
        })*
    };
}

impl<'c> Serializer for CellText<'c> {
    type Ok = bool;
    type Error = Unsupported;
    type SerializeSeq = Impossible<bool, Unsupported>;
    type SerializeTuple = Impossible<bool, Unsupported>;
    type SerializeTupleStruct = Impossible<bool, Unsupported>;
    type SerializeTupleVariant = Impossible<bool, Unsupported>;
    type SerializeMap = CellParts<'c>;
    type SerializeStruct = CellParts<'c>;
    type SerializeStructVariant = Impossible<bool, Unsupported>;

    integer_cells!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
    );

    fn serialize_bool(self, v: bool) -> Result<bool, Unsupported> {
        self.out.push_str(bool_cell(v));
        Ok(false)
    }

    fn serialize_f32(self, v: f32) -> Result<bool, Unsupported> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<bool, Unsupported> {
        match Number::from_f64(v) {
            Some(n) => {
                let _ = write!(self.out, "{n}");
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn serialize_char(self, v: char) -> Result<bool, Unsupported> {
        self.out.push(v);
        Ok(false)
    }

    fn serialize_str(self, v: &str) -> Result<bool, Unsupported> {
        self.out.push_str(v);
        Ok(false)
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<bool, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_none(self) -> Result<bool, Unsupported> {
        Ok(false)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<bool, Unsupported> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<bool, Unsupported> {
        Ok(false)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<bool, Unsupported> {
        Ok(false)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<bool, Unsupported> {
        self.out.push_str(variant);
        Ok(false)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, Unsupported> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Ok(CellParts { out: self.out, entries: 0 })
    }

    fn serialize_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        if name == JSON_NUMBER {
            Ok(CellParts { out: self.out, entries: 0 })
        } else {
            Err(Unsupported::Complex)
        }
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported::Complex)
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<bool, Unsupported> {
        let _ = write!(self.out, "{value}");
        Ok(false)
    }
}
