//! Arrow record batches as consent-log events (SPEC §17): the columns are §8's
//! field names, a null cell is an absent field, lists are list columns and `ts`
//! is a timestamp with a time zone or an RFC 3339 string.
//!
//! A batch's schema is checked once ([`TableLayout::new`]): a missing `ts`,
//! `visitor` or `event`, a field's column given twice, or a `ts` of
//! timestamps without a time zone, is a [`SchemaError`] naming the column. A column of another type than its
//! field's is not: a column of nulls of any type is an absent field (SPEC §17),
//! such as pandas' all-NaN `float64` for a field a chunk of events never has,
//! and each cell of it with a value is read as the JSON value it stands for,
//! so that its row is the input error the JSON line would be, with the same
//! message (a cell no JSON value reads as, binary data say, is named by its
//! Arrow type). Each row's cells are read straight into the audit's events by
//! the same decoder as a JSON line's fields (`event::decode`), so a row at
//! fault (a required field null, an unknown action, a non-integral number) is
//! an input error with the same message as the JSON line it stands for would
//! get; a row whose JSON line would be over 1 MiB is reported as that line
//! would be. [`TableLines`] still
//! writes rows as JSON lines, for whoever wants the text.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{mpsc, Arc};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Decimal256Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, GenericListArray, LargeStringArray, OffsetSizeTrait,
    RecordBatch, StringArray, StringViewArray,
};
use arrow_schema::{ArrowError, DataType, Schema, TimeUnit};

use samtykke::ValidPolicy;

use super::event::{self, Cell, Cells};
use super::memo::ParseMemo;
use super::pipeline::{Batch, Input};
use super::report::{InputErrorKind, Sink};
use super::rules::{route, too_long, Auditor, Parsed};
use super::scan::{Key, Shape, Strings};
use super::shard::Pull;
use super::MAX_LINE;

/// A table whose columns cannot be events: the column, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column `{column}`: {message}")]
pub struct SchemaError {
    /// The column at fault.
    pub column: String,
    /// What is wrong with it.
    pub message: String,
}

impl SchemaError {
    fn new(column: &str, message: impl Into<String>) -> SchemaError {
        SchemaError {
            column: column.to_owned(),
            message: message.into(),
        }
    }
}

impl From<SchemaError> for io::Error {
    fn from(e: SchemaError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

/// The columns of a table that the audit reads, by position.
#[derive(Clone, Debug)]
pub struct TableLayout {
    /// For each of [`Key::ALL`], its column, if the table has one.
    fields: Vec<(Key, usize)>,
    /// Columns of a type no JSON value reads as, each with the words a message
    /// names its cells by: a row with a value there is an input error, as the
    /// JSON line would be.
    others: Vec<(usize, String)>,
    file: Option<usize>,
    line: Option<usize>,
    /// A `file` or `line` column of the wrong type, and its error: a row with
    /// a value there cannot be placed and is an input error.
    misplaced: Vec<(usize, String)>,
}

fn string_type(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => true,
        // Dictionary-encoded strings: pandas' `category`, polars' `Categorical`.
        DataType::Dictionary(k, v) => {
            k.is_integer()
                && matches!(
                    **v,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                )
        }
        _ => false,
    }
}

/// What a cell of type `t` is called in a message, where no JSON value reads
/// as it: the JSON value it stands for where there is one, else its Arrow
/// type. `None` where the rows read it as the JSON value it is.
fn other_kind(t: &DataType) -> Option<String> {
    match t {
        DataType::Null
        | DataType::Boolean
        | DataType::Timestamp(_, Some(_))
        | DataType::List(_)
        | DataType::LargeList(_)
        | DataType::FixedSizeList(..)
        | DataType::ListView(_)
        | DataType::LargeListView(_)
        // A decimal is the number it holds.
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => None,
        t if string_type(t) || t.is_integer() || t.is_floating() => None,
        DataType::Struct(_) | DataType::Map(..) => Some("an object".into()),
        DataType::Dictionary(_, v) => other_kind(v),
        t => Some(format!("a value of type {t}")),
    }
}

impl TableLayout {
    /// The layout of `schema`.
    ///
    /// # Errors
    ///
    /// A missing `ts`, `visitor` or `event` column, a column of a field (or
    /// `file`, `line`) given twice, or a `ts` column of timestamps without a
    /// time zone; the error names the column. A column of
    /// another type than its field's is no error of the table: each of its
    /// cells with a value is the input error the JSON line would be.
    pub fn new(schema: &Schema) -> Result<TableLayout, SchemaError> {
        // A column twice: which one holds the field? As a JSON line that
        // gives a field twice, refused.
        for name in Key::ALL.iter().map(|k| k.name()).chain(["file", "line"]) {
            if schema.fields().iter().filter(|f| f.name() == name).count() > 1 {
                return Err(SchemaError::new(
                    name,
                    "given twice: a table has one column a field",
                ));
            }
        }
        let mut fields = Vec::new();
        let mut others = Vec::new();
        for key in Key::ALL {
            let name = key.name();
            let Ok(index) = schema.index_of(name) else {
                if matches!(key, Key::Ts | Key::Visitor | Key::Event) {
                    return Err(SchemaError::new(name, "missing: every event needs it"));
                }
                continue;
            };
            let t = schema.field(index).data_type();
            let value_type = match t {
                DataType::Dictionary(_, v) => v.as_ref(),
                t => t,
            };
            if let (Shape::Time, DataType::Timestamp(_, None)) = (key.shape(), value_type) {
                return Err(SchemaError::new(
                    name,
                    "a timestamp without a time zone (give the column a zone, such as UTC)",
                ));
            }
            if let Some(kind) = other_kind(t).or_else(|| {
                // A zoneless timestamp holds no instant: no reading of it.
                matches!(t, DataType::Timestamp(_, None)).then(|| format!("a value of type {t}"))
            }) {
                others.push((index, kind));
            }
            fields.push((key, index));
        }
        let mut misplaced = Vec::new();
        let mut place = |name: &str, fits: fn(&DataType) -> bool, wanted: &str| {
            let i = schema.index_of(name).ok()?;
            let t = schema.field(i).data_type();
            if fits(t) {
                return Some(i);
            }
            misplaced.push((i, format!("column `{name}` must hold {wanted}, not {t}")));
            None
        };
        let file = place("file", string_type, "strings");
        // Whole floats too: pandas stores a `line` with gaps as floats.
        let line = place(
            "line",
            |t| t.is_integer() || t.is_floating() || *t == DataType::Null,
            "integers",
        );
        Ok(TableLayout {
            fields,
            others,
            file,
            line,
            misplaced,
        })
    }

    /// The positions of the columns the audit reads, in the schema's order.
    #[cfg(feature = "parquet")]
    pub(crate) fn fields(&self) -> Vec<usize> {
        let mut at: Vec<usize> = self
            .fields
            .iter()
            .map(|&(_, i)| i)
            .chain(self.file)
            .chain(self.line)
            .chain(self.misplaced.iter().map(|(i, _)| *i))
            .collect();
        at.sort_unstable();
        at
    }

    /// Whether the table carries `file` or `line` columns.
    pub fn has_place(&self) -> bool {
        self.file.is_some() || self.line.is_some() || !self.misplaced.is_empty()
    }
}

/// Whether cell `i` of `a` holds a value (a dictionary's null value, too, is
/// a null).
fn is_set(a: &dyn Array, i: usize) -> bool {
    !matches!(scalar(a, i), Scalar::Null)
}

/// What a message calls a number JSON cannot hold.
const NON_FINITE: &str = "a NaN or infinite number";

/// A cell of any column, as the JSON value it stands for: the rows' reading
/// of the column types they do not resolve once a batch, and the JSON lines
/// [`TableLines`] writes.
enum Scalar<'a> {
    Null,
    Str(&'a str),
    Num(Num),
    /// A decimal of no fraction, past an `i64`, as its digits.
    Wide(String),
    /// A decimal with a fraction, as its digits.
    Fraction(String),
    Bool(bool),
    Stamp(i64),
    /// A list: elements `from..to` of its values.
    List(&'a dyn Array, usize, usize),
    /// A value no JSON value reads as.
    Other,
}

fn scalar(a: &dyn Array, i: usize) -> Scalar<'_> {
    if *a.data_type() == DataType::Null {
        return Scalar::Null;
    }
    if let Some(d) = a.as_any_dictionary_opt() {
        // The value the row's key points to, if neither is null.
        return match Strs::key(d.keys(), i) {
            Some(j) if j < d.values().len() => scalar(d.values().as_ref(), j),
            _ => Scalar::Null,
        };
    }
    if a.is_null(i) {
        return Scalar::Null;
    }
    fn list(values: &ArrayRef, from: usize, to: usize) -> Scalar<'_> {
        Scalar::List(values.as_ref(), from, to)
    }
    match a.data_type() {
        t if string_type(t) => Strs::of(a).get(i).map_or(Scalar::Null, Scalar::Str),
        DataType::Timestamp(_, Some(_)) => stamp_at(a, i).map_or(Scalar::Null, Scalar::Stamp),
        DataType::Boolean => Scalar::Bool(a.as_boolean().value(i)),
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let o = l.value_offsets();
            list(l.values(), o[i] as usize, o[i + 1] as usize)
        }
        DataType::LargeList(_) => {
            let l = a.as_list::<i64>();
            let o = l.value_offsets();
            list(l.values(), o[i] as usize, o[i + 1] as usize)
        }
        DataType::FixedSizeList(_, n) => {
            let l = a.as_fixed_size_list();
            let from = l.value_offset(i) as usize;
            list(l.values(), from, from + *n as usize)
        }
        DataType::ListView(_) => {
            let l = a.as_list_view::<i32>();
            let from = l.value_offsets()[i] as usize;
            list(l.values(), from, from + l.value_sizes()[i] as usize)
        }
        DataType::LargeListView(_) => {
            let l = a.as_list_view::<i64>();
            let from = l.value_offsets()[i] as usize;
            list(l.values(), from, from + l.value_sizes()[i] as usize)
        }
        DataType::Decimal128(_, scale) => decimal(
            a.as_primitive::<Decimal128Type>().value(i).to_string(),
            *scale,
        ),
        DataType::Decimal256(_, scale) => decimal(
            a.as_primitive::<Decimal256Type>().value(i).to_string(),
            *scale,
        ),
        t if t.is_integer() || t.is_floating() => int_at(a, i).map_or(Scalar::Null, Scalar::Num),
        _ => Scalar::Other,
    }
}

/// A decimal of `digits` (its unscaled value, with its sign) and `scale`: an
/// integer where it has no fraction (a scale of 0 or below), else the number
/// with its point, as JSON writes them.
fn decimal<'a>(digits: String, scale: i8) -> Scalar<'a> {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(d) => ("-", d.to_owned()),
        None => ("", digits),
    };
    if scale <= 0 {
        let zeros = "0".repeat(scale.unsigned_abs() as usize);
        let whole = if digits == "0" {
            digits
        } else {
            format!("{digits}{zeros}")
        };
        let text = format!("{sign}{whole}");
        return match text.parse::<i64>() {
            Ok(n) => Scalar::Num(Num::Int(n)),
            Err(_) => Scalar::Wide(text),
        };
    }
    let scale = scale as usize;
    let digits = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = digits.split_at(digits.len() - scale);
    Scalar::Fraction(format!("{sign}{whole}.{fraction}"))
}

/// A value no JSON value reads as, `kind` naming it: an object, which no
/// field takes.
fn write_other(out: &mut Vec<u8>, kind: &str) {
    out.extend_from_slice(b"{\"arrow\":");
    write_str(out, kind);
    out.push(b'}');
}

/// Writes a cell as the JSON value it stands for: a value no JSON value reads
/// as, as an object naming it, which no field takes.
fn write_scalar(out: &mut Vec<u8>, cell: Scalar<'_>) {
    match cell {
        Scalar::Null => out.extend_from_slice(b"null"),
        Scalar::Str(s) => write_str(out, s),
        Scalar::Num(Num::Int(n)) => write_int(out, n),
        Scalar::Num(Num::Big(n)) => out.extend_from_slice(n.to_string().as_bytes()),
        Scalar::Num(Num::Float(f)) if f.is_finite() => {
            out.extend_from_slice(format!("{f:?}").as_bytes());
        }
        Scalar::Num(Num::Float(_)) => write_other(out, NON_FINITE),
        Scalar::Wide(digits) | Scalar::Fraction(digits) => out.extend_from_slice(digits.as_bytes()),
        Scalar::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Scalar::Stamp(at) => write_stamp(out, at),
        Scalar::List(values, from, to) => {
            out.push(b'[');
            for j in from..to {
                if j > from {
                    out.push(b',');
                }
                // Each element as it is: a null, a number, a string.
                write_scalar(out, scalar(values, j));
            }
            out.push(b']');
        }
        Scalar::Other => write_other(out, "a value of another type"),
    }
}

/// A number cell as its JSON line's field reads it.
fn num_cell<'b>(n: Num) -> Cell<'b> {
    match n {
        Num::Int(n) => Cell::Int(n),
        // As the JSON line's digits read: out of range, said so.
        Num::Big(n) => Cell::BigInt(Cow::Owned(n.to_string())),
        Num::Float(f) if f.is_finite() => Cell::Other("a number"),
        // JSON has no NaN or infinity.
        Num::Float(_) => Cell::Other(NON_FINITE),
    }
}

/// A list cell: its strings, or, with a null or an element that is not a
/// string, an array that holds something else.
fn strings_cell(values: Strs<'_>, from: usize, to: usize) -> Cell<'_> {
    if !(from..to).all(|j| values.is_valid(j)) {
        return Cell::Array;
    }
    Cell::Strings(Strings::Column(ListCells {
        values,
        i: from,
        end: to,
    }))
}

/// A string column of any of Arrow's string types, dictionary-encoded ones
/// too.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Strs<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
    /// A dictionary's keys (any integer type) and its string values.
    Dict(&'a dyn Array, &'a StringArray),
    LargeDict(&'a dyn Array, &'a LargeStringArray),
    ViewDict(&'a dyn Array, &'a StringViewArray),
    Null,
}

impl<'a> Strs<'a> {
    fn of(a: &'a dyn Array) -> Strs<'a> {
        match a.data_type() {
            DataType::Utf8 => Strs::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Strs::Large(a.as_string::<i64>()),
            DataType::Utf8View => Strs::View(a.as_string_view()),
            DataType::Dictionary(..) => match a.as_any_dictionary_opt() {
                Some(d) => match d.values().data_type() {
                    DataType::Utf8 => Strs::Dict(d.keys(), d.values().as_string::<i32>()),
                    DataType::LargeUtf8 => Strs::LargeDict(d.keys(), d.values().as_string::<i64>()),
                    DataType::Utf8View => Strs::ViewDict(d.keys(), d.values().as_string_view()),
                    _ => Strs::Null,
                },
                None => Strs::Null,
            },
            _ => Strs::Null,
        }
    }

    /// The value index of a dictionary's row `i`, if the row is not null.
    #[inline]
    fn key(keys: &dyn Array, i: usize) -> Option<usize> {
        match int_at(keys, i)? {
            Num::Int(k) => usize::try_from(k).ok(),
            Num::Big(_) | Num::Float(_) => None,
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::View(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Dict(k, v) => Strs::key(*k, i)
                .filter(|&j| j < v.len() && v.is_valid(j))
                .map(|j| v.value(j)),
            Strs::LargeDict(k, v) => Strs::key(*k, i)
                .filter(|&j| j < v.len() && v.is_valid(j))
                .map(|j| v.value(j)),
            Strs::ViewDict(k, v) => Strs::key(*k, i)
                .filter(|&j| j < v.len() && v.is_valid(j))
                .map(|j| v.value(j)),
            Strs::Null => None,
        }
    }

    fn is_valid(&self, i: usize) -> bool {
        match self {
            Strs::Utf8(a) => a.is_valid(i),
            Strs::Large(a) => a.is_valid(i),
            Strs::View(a) => a.is_valid(i),
            Strs::Dict(..) | Strs::LargeDict(..) | Strs::ViewDict(..) => self.get(i).is_some(),
            Strs::Null => false,
        }
    }

    /// Bytes of the strings `from..to`, at most (a null counts what its slot
    /// spans).
    fn bytes(&self, from: usize, to: usize) -> usize {
        match self {
            Strs::Utf8(a) => {
                let o = a.value_offsets();
                (o[to] - o[from]) as usize
            }
            Strs::Large(a) => {
                let o = a.value_offsets();
                (o[to] - o[from]) as usize
            }
            Strs::View(a) => (from..to).map(|i| a.value(i).len()).sum(),
            Strs::Dict(..) | Strs::LargeDict(..) | Strs::ViewDict(..) => {
                (from..to).map(|i| self.get(i).map_or(0, str::len)).sum()
            }
            Strs::Null => 0,
        }
    }

    /// The longest string's bytes, at most, of `len` rows.
    fn longest(&self, len: usize) -> usize {
        match self {
            Strs::Utf8(a) => widest(a.value_offsets()),
            Strs::Large(a) => widest(a.value_offsets()),
            Strs::View(a) => (0..len).map(|i| a.value(i).len()).max().unwrap_or(0),
            // Any row is one of the values: the longest value bounds them.
            Strs::Dict(_, v) => widest(v.value_offsets()),
            Strs::LargeDict(_, v) => widest(v.value_offsets()),
            Strs::ViewDict(_, v) => (0..v.len()).map(|j| v.value(j).len()).max().unwrap_or(0),
            Strs::Null => 0,
        }
    }
}

/// The widest value between consecutive offsets of a string array (its longest
/// string's bytes).
fn widest<O: Copy + Into<i64>>(offsets: &[O]) -> usize {
    offsets
        .windows(2)
        .map(|w| (w[1].into() - w[0].into()) as usize)
        .max()
        .unwrap_or(0)
}

/// The elements of one list cell, none of them null.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ListCells<'a> {
    values: Strs<'a>,
    i: usize,
    end: usize,
}

impl<'a> Iterator for ListCells<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        if self.i >= self.end {
            return None;
        }
        let s = self.values.get(self.i).unwrap_or_default();
        self.i += 1;
        Some(s)
    }
}

/// A number as the JSON line writes it.
enum Num {
    Int(i64),
    /// A `uint64` past `i64::MAX`: an integer, out of every field's range.
    Big(u64),
    Float(f64),
}

fn int_at(a: &dyn Array, i: usize) -> Option<Num> {
    if a.is_null(i) {
        return None;
    }
    Some(match a.data_type() {
        DataType::Int8 => Num::Int(a.as_primitive::<Int8Type>().value(i).into()),
        DataType::Int16 => Num::Int(a.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int32 => Num::Int(a.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int64 => Num::Int(a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => Num::Int(a.as_primitive::<UInt8Type>().value(i).into()),
        DataType::UInt16 => Num::Int(a.as_primitive::<UInt16Type>().value(i).into()),
        DataType::UInt32 => Num::Int(a.as_primitive::<UInt32Type>().value(i).into()),
        DataType::UInt64 => {
            let n = a.as_primitive::<UInt64Type>().value(i);
            i64::try_from(n).map_or(Num::Big(n), Num::Int)
        }
        DataType::Float32 => float(a.as_primitive::<Float32Type>().value(i).into()),
        DataType::Float64 => float(a.as_primitive::<Float64Type>().value(i)),
        _ => return None,
    })
}

/// A whole float (pandas stores integer columns with gaps as floats) as an
/// integer; any other as a float, which the reader then reports.
fn float(f: f64) -> Num {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Num::Int(f as i64)
    } else {
        Num::Float(f)
    }
}

/// Seconds since the epoch of a timestamp cell (rounded down).
fn stamp_at(a: &dyn Array, i: usize) -> Option<i64> {
    if a.is_null(i) {
        return None;
    }
    let DataType::Timestamp(unit, _) = a.data_type() else {
        return None;
    };
    Some(match unit {
        TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(i),
        TimeUnit::Millisecond => a
            .as_primitive::<TimestampMillisecondType>()
            .value(i)
            .div_euclid(1_000),
        TimeUnit::Microsecond => a
            .as_primitive::<TimestampMicrosecondType>()
            .value(i)
            .div_euclid(1_000_000),
        TimeUnit::Nanosecond => a
            .as_primitive::<TimestampNanosecondType>()
            .value(i)
            .div_euclid(1_000_000_000),
    })
}

/// Writes `s` as a JSON string.
fn write_str(out: &mut Vec<u8>, s: &str) {
    escape(s, |t| out.extend_from_slice(t.as_bytes()));
}

/// `s` as a JSON string (quotes included), a piece at a time.
fn escape(s: &str, mut push: impl FnMut(&str)) {
    push("\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => {
                // Every byte escaped is ASCII: the cuts are between characters.
                push(&s[start..i]);
                push(&format!("\\u{b:04x}"));
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        push(&s[start..i]);
        push(escape);
        start = i + 1;
    }
    push(&s[start..]);
    push("\"");
}

/// Appends the strings of `list` to `out` as a JSON array.
pub(crate) fn write_json_list(out: &mut String, list: ListCells<'_>) {
    out.push('[');
    for (k, s) in list.enumerate() {
        if k > 0 {
            out.push(',');
        }
        escape(s, |t| out.push_str(t));
    }
    out.push(']');
}

fn write_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(samtykke_host::text::decimal(n, &mut buf).as_bytes());
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the epoch (H. Hinnant's
/// civil-from-days); a year outside 0..=9999 is written as it is and the
/// reader then reports it.
fn write_stamp(out: &mut Vec<u8>, at: i64) {
    out.push(b'"');
    write_stamp_bare(out, at);
    out.push(b'"');
}

/// The text of a timestamp cell, as [`write_stamp`] writes it, unquoted.
fn stamp_text(at: i64) -> String {
    let mut out = Vec::with_capacity(20);
    write_stamp_bare(&mut out, at);
    // Digits, signs and separators only.
    String::from_utf8(out).unwrap_or_default()
}

fn write_stamp_bare(out: &mut Vec<u8>, at: i64) {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    if (0..=9999).contains(&y) {
        out.extend_from_slice(format_args_4(y).as_slice());
    } else {
        write_int(out, y);
    }
    for (sep, n) in [
        (b'-', m),
        (b'-', d),
        (b'T', secs / 3600),
        (b':', secs / 60 % 60),
        (b':', secs % 60),
    ] {
        out.push(sep);
        out.push(b'0' + (n / 10) as u8);
        out.push(b'0' + (n % 10) as u8);
    }
    out.push(b'Z');
}

fn format_args_4(y: i64) -> [u8; 4] {
    let y = y as u32;
    [
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
    ]
}

impl TableLayout {
    /// Appends row `i` of `batch` (whose schema this layout was made from) as
    /// one JSON object, without a line break.
    pub fn write_row(&self, batch: &RecordBatch, i: usize, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        for &(key, index) in &self.fields {
            let a: &ArrayRef = batch.column(index);
            let cell = scalar(a.as_ref(), i);
            if let Scalar::Null = cell {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'"');
            out.extend_from_slice(key.name().as_bytes());
            out.extend_from_slice(b"\":");
            if let Some((_, kind)) = self.others.iter().find(|(c, _)| *c == index) {
                write_other(out, kind);
                continue;
            }
            write_scalar(out, cell);
        }
        out.push(b'}');
    }

    /// Row `i`'s `file` and `line` cells, where the table has them, and the
    /// row's error when it cannot be placed: a `line` that is no line number
    /// (lines count from 1, SPEC §8), or a value in a `file` or `line` column
    /// of the wrong type.
    fn place<'b>(
        &self,
        batch: &'b RecordBatch,
        i: usize,
    ) -> (Option<&'b str>, Option<u64>, Option<String>) {
        let file = self
            .file
            .and_then(|c| Strs::of(batch.column(c).as_ref()).get(i));
        let (line, bad) = match self.line.and_then(|c| int_at(batch.column(c).as_ref(), i)) {
            Some(Num::Int(n)) => match u64::try_from(n) {
                Ok(n) if n >= 1 => (Some(n), None),
                _ => (None, Some(n.to_string())),
            },
            Some(Num::Big(n)) => (Some(n), None),
            // A whole float past 2^53.
            Some(Num::Float(f))
                if f.fract() == 0.0 && (1.0..18_446_744_073_709_551_616.0).contains(&f) =>
            {
                (Some(f as u64), None)
            }
            Some(Num::Float(f)) => (None, Some(f.to_string())),
            None => (None, None),
        };
        let fault = match bad {
            Some(bad) => Some(format!(
                "column `line` must hold line numbers, whole and from 1, not {bad}"
            )),
            None => self
                .misplaced
                .iter()
                .find(|(c, _)| is_set(batch.column(*c).as_ref(), i))
                .map(|(_, e)| e.clone()),
        };
        (file, line, fault)
    }
}

/// A column the audit reads, resolved to its array type once a batch.
#[derive(Clone, Copy)]
enum Col<'b> {
    Absent,
    Str(Strs<'b>),
    Num(&'b dyn Array),
    Bool(&'b BooleanArray),
    List(&'b GenericListArray<i32>, Strs<'b>),
    LargeList(&'b GenericListArray<i64>, Strs<'b>),
    Stamp(&'b dyn Array),
    /// A column no JSON value reads as, and what its values are called.
    Other(&'b dyn Array, &'b str),
    /// Any other column JSON values read as (a dictionary of numbers, a
    /// decimal, a fixed-size list), read cell by cell ([`scalar`]).
    Any(&'b dyn Array),
}

const COLUMNS: usize = Key::ALL.len();

/// The rows of one record batch, read as events.
pub(crate) struct Rows<'b> {
    layout: &'b TableLayout,
    batch: &'b RecordBatch,
    cols: [Col<'b>; COLUMNS],
    /// Whether a row's JSON line may be over 1 MiB: each is measured then.
    long: bool,
}

impl<'b> Rows<'b> {
    /// The rows of `batch`, whose schema `layout` was made from.
    pub(crate) fn new(layout: &'b TableLayout, batch: &'b RecordBatch) -> Rows<'b> {
        let mut cols = [Col::Absent; COLUMNS];
        // `{}` and, a field, its key, quotes, `:` and `,`.
        let mut bound = 2;
        for &(key, index) in &layout.fields {
            let a: &'b dyn Array = batch.column(index).as_ref();
            bound += key.name().len() + 4;
            if let Some((_, kind)) = layout.others.iter().find(|(c, _)| *c == index) {
                cols[key as usize] = Col::Other(a, kind);
                // `{"arrow":"…"}`, as `write_row` has it.
                bound += kind.len() + 12;
                continue;
            }
            let (col, longest) = match a.data_type() {
                DataType::Null => (Col::Absent, 0),
                DataType::Timestamp(..) => (Col::Stamp(a), 40),
                DataType::Boolean => (Col::Bool(a.as_boolean()), 5),
                DataType::List(f) => {
                    let l = a.as_list::<i32>();
                    let v = Strs::of(l.values().as_ref());
                    (Col::List(l, v), list_bound(l, v, f.data_type()))
                }
                DataType::LargeList(f) => {
                    let l = a.as_list::<i64>();
                    let v = Strs::of(l.values().as_ref());
                    (Col::LargeList(l, v), list_bound(l, v, f.data_type()))
                }
                t if string_type(t) => {
                    let strs = Strs::of(a);
                    // Each byte is at most six escaped (`\u001f`).
                    (Col::Str(strs), 6 * strs.longest(a.len()) + 2)
                }
                t if t.is_integer() || t.is_floating() => (Col::Num(a), 32),
                // Rare types: each row is measured.
                _ => (Col::Any(a), MAX_LINE),
            };
            cols[key as usize] = col;
            bound += longest;
        }
        Rows {
            layout,
            batch,
            cols,
            long: bound > MAX_LINE,
        }
    }

    /// Row `i` read as an event, as its JSON line would be; `scratch` holds
    /// the line where it must be measured.
    #[inline]
    pub(crate) fn parse(
        &self,
        policy: &ValidPolicy<'_>,
        parse_memo: &mut ParseMemo,
        i: usize,
        scratch: &mut Vec<u8>,
    ) -> Parsed<'b> {
        if self.long {
            scratch.clear();
            self.layout.write_row(self.batch, i, scratch);
            if scratch.len() > MAX_LINE {
                return too_long();
            }
        }
        match event::decode(&Row { rows: self, i }, policy, &mut parse_memo.day) {
            Ok(line) => Parsed::Event(line),
            Err(bad) => Parsed::Error(bad.kind, bad.message),
        }
    }

    /// Row `i` of a table with a place for each row: its `file` and `line`
    /// cells where it has them, and the row read as an event, or its error
    /// (a `line` that is no line number is one).
    pub(crate) fn placed(
        &self,
        policy: &ValidPolicy<'_>,
        parse_memo: &mut ParseMemo,
        i: usize,
        scratch: &mut Vec<u8>,
    ) -> (Option<&'b str>, Option<u64>, Parsed<'b>) {
        let (file, line, fault) = self.layout.place(self.batch, i);
        let parsed = match fault {
            Some(message) => Parsed::Error(InputErrorKind::BadField, message),
            None => self.parse(policy, parse_memo, i, scratch),
        };
        (file, line, parsed)
    }
}

/// The most bytes a list cell of `l` takes as JSON; a list of values that
/// are not strings (numbers, say) is measured row by row.
fn list_bound<O: OffsetSizeTrait>(
    l: &GenericListArray<O>,
    values: Strs<'_>,
    value_type: &DataType,
) -> usize {
    if !string_type(value_type) {
        return MAX_LINE;
    }
    l.value_offsets()
        .windows(2)
        .map(|w| {
            let (from, to) = (w[0].as_usize(), w[1].as_usize());
            6 * values.bytes(from, to) + 5 * (to - from) + 2
        })
        .max()
        .unwrap_or(0)
}

/// One row of a batch: its cells, as a JSON line's fields.
struct Row<'r, 'b> {
    rows: &'r Rows<'b>,
    i: usize,
}

fn list_cell<'b, O: OffsetSizeTrait>(
    l: &'b GenericListArray<O>,
    values: Strs<'b>,
    i: usize,
) -> Option<Cell<'b>> {
    if l.is_null(i) {
        return None;
    }
    let offsets = l.value_offsets();
    Some(strings_cell(
        values,
        offsets[i].as_usize(),
        offsets[i + 1].as_usize(),
    ))
}

impl<'b> Cells<'b> for Row<'_, 'b> {
    #[inline]
    fn cell(&self, key: Key) -> Option<Cell<'b>> {
        let i = self.i;
        match self.rows.cols[key as usize] {
            Col::Absent => None,
            Col::Str(s) => s.get(i).map(|s| Cell::Str(Cow::Borrowed(s))),
            Col::Num(a) => int_at(a, i).map(num_cell),
            Col::Bool(b) => b.is_valid(i).then(|| Cell::Bool(b.value(i))),
            Col::List(l, v) => list_cell(l, v, i),
            Col::LargeList(l, v) => list_cell(l, v, i),
            Col::Stamp(a) => stamp_at(a, i).map(|at| Cell::Str(Cow::Owned(stamp_text(at)))),
            Col::Other(a, kind) => is_set(a, i).then_some(Cell::Other(kind)),
            Col::Any(a) => match scalar(a, i) {
                Scalar::Null => None,
                Scalar::Str(s) => Some(Cell::Str(Cow::Borrowed(s))),
                Scalar::Num(n) => Some(num_cell(n)),
                Scalar::Wide(digits) => Some(Cell::BigInt(Cow::Owned(digits))),
                Scalar::Fraction(_) => Some(Cell::Other("a number")),
                Scalar::Bool(b) => Some(Cell::Bool(b)),
                Scalar::Stamp(at) => Some(Cell::Str(Cow::Owned(stamp_text(at)))),
                Scalar::List(values, from, to) => Some(strings_cell(Strs::of(values), from, to)),
                Scalar::Other => Some(Cell::Other("a value of another type")),
            },
        }
    }
}

/// The layout of each schema met, the last one kept.
#[derive(Debug, Default)]
struct Layouts {
    last: Option<(Arc<Schema>, Arc<TableLayout>)>,
}

impl Layouts {
    /// The layout of `batch`'s schema: the last one's when the schema is the
    /// same, else made and checked anew ([`TableLayout::new`]).
    fn of(&mut self, batch: &RecordBatch) -> Result<Arc<TableLayout>, SchemaError> {
        let schema = batch.schema();
        let layout = match &self.last {
            Some((s, layout)) if Arc::ptr_eq(s, &schema) || **s == *schema => Arc::clone(layout),
            _ => {
                let layout = Arc::new(TableLayout::new(&schema)?);
                self.last = Some((schema, Arc::clone(&layout)));
                layout
            }
        };
        Ok(layout)
    }
}

/// Record batches from a source the audit does not trust to be whole: a
/// batch that fails to import (a panic in the reader, which arrow-rs and the
/// `parquet` crate assert with on some malformed input) ends the batches as
/// their error, and, with `validate`, so does a batch whose buffers do not
/// hold what its types say (an Arrow C stream carries one schema for all its
/// batches, and a later batch that is not of it would be read out of bounds).
/// Never a crash, never a panic across a boundary (SPEC §13).
#[derive(Debug)]
pub struct Checked<I> {
    inner: Option<I>,
    validate: bool,
}

impl<I> Checked<I> {
    /// `batches`, checked: `validate` checks every buffer of every batch too.
    pub fn new(batches: I, validate: bool) -> Checked<I> {
        Checked {
            inner: Some(batches),
            validate,
        }
    }
}

impl<I: Iterator<Item = Result<RecordBatch, ArrowError>>> Iterator for Checked<I> {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let inner = self.inner.as_mut()?;
        let validate = self.validate;
        let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let batch = inner.next()?;
            Some(batch.and_then(|b| {
                if validate {
                    for column in b.columns() {
                        column.to_data().validate_full()?;
                    }
                }
                Ok(b)
            }))
        }));
        let fault = match next {
            Ok(Some(Err(e))) => e,
            Ok(item) => return item,
            Err(_) => ArrowError::ComputeError(
                "a batch could not be read: its data does not match its schema".to_owned(),
            ),
        };
        // Nothing after a fault is read.
        self.inner = None;
        Some(Err(fault))
    }
}

/// Record batches to audit, from any source.
pub(crate) type Batches<'s> = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send + 's>;

fn invalid(e: ArrowError) -> io::Error {
    match e {
        // An error the reader has said where it is (a Parquet row group's):
        // as it is.
        ArrowError::ExternalError(inner) => match inner.downcast::<io::Error>() {
            Ok(e) => *e,
            Err(inner) => {
                io::Error::new(io::ErrorKind::InvalidData, ArrowError::ExternalError(inner))
            }
        },
        e => io::Error::new(io::ErrorKind::InvalidData, e),
    }
}

/// Rows a block of a table has, at most, for the sharded workers: some 1.2 MB
/// of log lines of 150 bytes, a few of the sharded reader's blocks of lines.
const BLOCK_ROWS: usize = 8192;

/// Rows of a table for one worker to parse: a slice of a batch (sharing its
/// buffers) and its layout. Its rows are numbered from its start, as a block
/// of lines is.
pub(crate) struct RowBlock {
    layout: Arc<TableLayout>,
    batch: RecordBatch,
}

impl<S: Sink> Auditor<'_, S> {
    /// Audits the rows of `batches` as the file `name` (SPEC §17), row `n`
    /// (from 1, across batches) as line `n`, unless the table has `file` and
    /// `line` columns, whose cells are carried through (its rows then fed
    /// one by one, as by [`TableFeed`]): each row's cells are read
    /// straight into an event, as its JSON line would be. With
    /// [`AuditOptions::threads`](super::AuditOptions::threads) above 1, the
    /// batches are cut into blocks of rows that the workers read, visitors
    /// sharded among them as a file's lines are; under
    /// [`AuditOptions::merge`](super::AuditOptions::merge), the table is one
    /// merged file. The report is the one the rows as JSON lines give.
    ///
    /// # Errors
    ///
    /// A batch whose schema cannot be events (`InvalidData`, wrapping the
    /// [`SchemaError`] naming the column), or the stream's own error; the rows
    /// of the batches before it are audited.
    pub fn read_table<'s>(
        &mut self,
        name: &str,
        batches: impl Iterator<Item = Result<RecordBatch, ArrowError>> + Send + 's,
    ) -> io::Result<()> {
        let mut batches = batches.peekable();
        // A table with `file` or `line` columns: fed row by row, their cells
        // carried into the findings (SPEC §17).
        let placed = match batches.peek() {
            Some(Ok(first)) => TableLayout::new(&first.schema()).is_ok_and(|l| l.has_place()),
            _ => false,
        };
        if self.options().merges() {
            if placed {
                let (inputs, fault) = placed_inputs::<io::Empty>(self.policy(), name, batches);
                self.read_merged_inputs(inputs).map_err(|e| e.source)?;
                return fault.map_or(Ok(()), Err);
            }
            let batches: Batches<'s> = Box::new(batches);
            return self
                .read_merged_inputs(vec![(
                    name.to_owned(),
                    super::pipeline::Input::<io::Empty>::Table(batches),
                )])
                .map_err(|e| e.source);
        }
        if placed {
            // The feed counts each file as its rows first name it.
            let mut feed = TableFeed::new(name);
            for batch in batches {
                feed.feed(self, &batch.map_err(invalid)?)?;
            }
            return Ok(());
        }
        self.file(name);
        let batches: Batches<'s> = Box::new(batches);
        if self.threads() > 1 {
            return self.read_table_sharded(batches);
        }
        let policy = self.policy();
        let mut parse_memo = ParseMemo::default();
        let mut layouts = Layouts::default();
        let mut scratch = Vec::new();
        let mut number = 0u64;
        for batch in batches {
            let batch = batch.map_err(invalid)?;
            let layout = layouts.of(&batch)?;
            let rows = Rows::new(&layout, &batch);
            for i in 0..batch.num_rows() {
                number += 1;
                let parsed = rows.parse(&policy, &mut parse_memo, i, &mut scratch);
                self.take(number, parsed);
            }
        }
        Ok(())
    }

    /// [`Auditor::read_table`] on every shard's thread.
    fn read_table_sharded(&mut self, batches: Batches<'_>) -> io::Result<()> {
        let policy = self.policy();
        let route_key = self.route.clone();
        let shards = self.threads();
        self.run_sharded(
            move |_spare| RowBlocks {
                batches,
                layouts: Layouts::default(),
                current: None,
                fault: None,
            },
            move |block: RowBlock, parse_memo: &mut ParseMemo| {
                parse_rows(policy, &route_key, shards, parse_memo, &block)
            },
        )
    }
}

/// Whether `batches` are of a table with `file` or `line` columns, by the
/// first: and the batches, that one still first.
pub(crate) fn peek_placed(mut batches: Batches<'_>) -> (bool, Batches<'_>) {
    let first = batches.next();
    let placed = match &first {
        Some(Ok(batch)) => TableLayout::new(&batch.schema()).is_ok_and(|l| l.has_place()),
        _ => false,
    };
    (placed, Box::new(first.into_iter().chain(batches)))
}

/// The files of a table with `file` and `line` columns, for `--merge` to merge
/// as it merges files (SPEC §8, §17): each file's rows, read into a batch of
/// its own, numbered by their `line` cells and put in their order (a row with
/// no `line` by its place in the table), named by their `file` cells (`name`
/// where null), in the order the files first appear. The whole table is read first and held parsed. A batch that cannot
/// be read, or cannot be events, ends the reading: the rows before it are
/// kept, and its error is given beside them.
pub(crate) fn placed_inputs<'s, R>(
    policy: ValidPolicy<'_>,
    name: &str,
    batches: impl Iterator<Item = Result<RecordBatch, ArrowError>>,
) -> (Vec<(String, Input<'s, R>)>, Option<io::Error>) {
    let mut parse_memo = ParseMemo::default();
    let mut layouts = Layouts::default();
    let mut scratch = Vec::new();
    // Each file's rows, and the key each is put in order by: its line, or,
    // where the cell is null, the key of the row before it in the file.
    let mut files: Vec<(String, Batch, Vec<u64>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows = 0u64;
    let mut fault = None;
    for batch in batches {
        let read = batch
            .map_err(invalid)
            .and_then(|b| Ok((layouts.of(&b)?, b)));
        let (layout, batch) = match read {
            Ok(read) => read,
            Err(e) => {
                fault = Some(e);
                break;
            }
        };
        let cells = Rows::new(&layout, &batch);
        for i in 0..batch.num_rows() {
            rows += 1;
            let (file, line, parsed) = cells.placed(&policy, &mut parse_memo, i, &mut scratch);
            let file = file.unwrap_or(name);
            let j = match index.get(file) {
                Some(&j) => j,
                None => {
                    index.insert(file.to_owned(), files.len());
                    files.push((file.to_owned(), Batch::default(), Vec::new()));
                    files.len() - 1
                }
            };
            let (_, batch, keys) = &mut files[j];
            let before = batch.entries.len();
            batch.push(line.unwrap_or(rows), parsed);
            if batch.entries.len() > before {
                keys.push(line.unwrap_or(keys.last().copied().unwrap_or(0)));
            }
        }
    }
    let inputs = files
        .into_iter()
        .map(|(file, mut batch, keys)| {
            // A file's rows in the order of their lines, whatever the table's
            // (sorted by visitor, say, as a query leaves it); a row without
            // one stays after the row before it.
            let mut keyed: Vec<_> = keys.into_iter().zip(batch.entries.drain(..)).collect();
            keyed.sort_by_key(|(key, _)| *key);
            batch
                .entries
                .extend(keyed.into_iter().map(|(_, entry)| entry));
            (file, Input::Parsed(batch))
        })
        .collect();
    (inputs, fault)
}

/// A table's batches cut into blocks of at most [`BLOCK_ROWS`] rows.
struct RowBlocks<'s> {
    batches: Batches<'s>,
    layouts: Layouts,
    /// The batch being cut, its layout, and the rows of it handed out.
    current: Option<(RecordBatch, Arc<TableLayout>, usize)>,
    fault: Option<io::Error>,
}

impl Pull for RowBlocks<'_> {
    type Block = RowBlock;

    fn pull(&mut self) -> Option<RowBlock> {
        loop {
            if let Some((batch, layout, at)) = &mut self.current {
                if *at < batch.num_rows() {
                    let len = BLOCK_ROWS.min(batch.num_rows() - *at);
                    let block = RowBlock {
                        layout: Arc::clone(layout),
                        batch: batch.slice(*at, len),
                    };
                    *at += len;
                    return Some(block);
                }
                self.current = None;
            }
            let batch = match self.batches.next()? {
                Ok(b) => b,
                Err(e) => {
                    self.fault = Some(invalid(e));
                    return None;
                }
            };
            match self.layouts.of(&batch) {
                Ok(layout) => self.current = Some((batch, layout, 0)),
                Err(e) => {
                    self.fault = Some(e.into());
                    return None;
                }
            }
        }
    }

    fn fault(&mut self) -> Option<io::Error> {
        self.fault.take()
    }
}

/// Reads a block's rows into one batch per shard.
fn parse_rows(
    policy: ValidPolicy<'_>,
    route_key: &crate::hash::Keyed,
    shards: usize,
    parse_memo: &mut ParseMemo,
    block: &RowBlock,
) -> (Vec<Batch>, u64) {
    let rows = Rows::new(&block.layout, &block.batch);
    let share = block.batch.num_rows() / shards + 64;
    let mut batches: Vec<Batch> = (0..shards).map(|_| Batch::over(None, share)).collect();
    let mut scratch = Vec::new();
    for (i, number) in (0..block.batch.num_rows()).zip(1..) {
        let mut parsed = rows.parse(&policy, parse_memo, i, &mut scratch);
        let j = route(&mut parsed, number, route_key, shards);
        batches[j].push(number, parsed);
    }
    (batches, block.batch.num_rows() as u64)
}

/// `--merge`'s reader of a table: its rows read into batches.
pub(crate) fn produce(
    policy: ValidPolicy<'_>,
    batches: Batches<'_>,
    full: mpsc::SyncSender<Batch>,
    empty: mpsc::Receiver<Batch>,
) -> io::Result<()> {
    let mut parse_memo = ParseMemo::default();
    let mut layouts = Layouts::default();
    let mut scratch = Vec::new();
    let mut out = Batch::default();
    let mut number = 0u64;
    let read = || -> io::Result<()> {
        for batch in batches {
            let batch = batch.map_err(invalid)?;
            let layout = layouts.of(&batch)?;
            let rows = Rows::new(&layout, &batch);
            for i in 0..batch.num_rows() {
                number += 1;
                out.push(
                    number,
                    rows.parse(&policy, &mut parse_memo, i, &mut scratch),
                );
                if out.entries.len() >= super::pipeline::BATCH {
                    let next = empty.try_recv().unwrap_or_default();
                    if full.send(std::mem::replace(&mut out, next)).is_err() {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    };
    let result = read();
    // The rows before a fault are audited, as on one thread.
    if !out.entries.is_empty() {
        let _ = full.send(out);
    }
    result
}

/// Feeds record batches to an auditor row by row on the caller's thread, one
/// table after another (each row routed to its visitor's shard, with several
/// threads):
/// `line` is the row number from 1 and `file` the table's name, unless the
/// table has `file` and `line` columns, whose cells are used where not null.
/// A visitor's state carries over from batch to batch (a Spark partition's
/// batches, say).
#[derive(Debug)]
pub struct TableFeed {
    layouts: Layouts,
    name: Arc<str>,
    rows: u64,
    files: HashMap<Arc<str>, u32>,
    current: Option<Arc<str>>,
    parse_memo: ParseMemo,
    scratch: Vec<u8>,
}

impl TableFeed {
    /// A feed of rows reported under the file `name` (the empty string for a
    /// table, SPEC §17) where the table has no `file` column.
    pub fn new(name: &str) -> TableFeed {
        TableFeed {
            layouts: Layouts::default(),
            name: Arc::from(name),
            rows: 0,
            files: HashMap::new(),
            current: None,
            parse_memo: ParseMemo::default(),
            scratch: Vec::new(),
        }
    }

    /// Audits every row of `batch`.
    ///
    /// # Errors
    ///
    /// The batch's schema cannot be events ([`TableLayout::new`]); none of its
    /// rows is audited then.
    pub fn feed<S: Sink>(
        &mut self,
        auditor: &mut Auditor<'_, S>,
        batch: &RecordBatch,
    ) -> Result<(), SchemaError> {
        let layout = self.layouts.of(batch)?;
        let rows = Rows::new(&layout, batch);
        let policy = auditor.policy();
        for i in 0..batch.num_rows() {
            self.rows += 1;
            let (file, line, parsed) =
                rows.placed(&policy, &mut self.parse_memo, i, &mut self.scratch);
            let file = file.unwrap_or(&self.name);
            if self.current.as_deref() != Some(file) {
                match self.files.get_key_value(file) {
                    Some((name, &index)) => auditor.switch_file(index, name),
                    None => {
                        auditor.file(file);
                        let (index, name) = auditor.current_file();
                        self.files.insert(Arc::clone(&name), index);
                    }
                }
                self.current = Some(auditor.current_file().1);
            }
            auditor.take_routed(line.unwrap_or(self.rows), parsed);
        }
        Ok(())
    }
}

/// Record batches read as JSON lines, one a row (numbered as rows from 1): a
/// table's text, for whoever wants it, and what [`Auditor::read`] audits as
/// [`Auditor::read_table`] audits the batches (slower: each line is written and
/// scanned). A schema that cannot be events, or a batch that cannot be read, is
/// an error of the read (`InvalidData`, naming the column).
pub struct TableLines<I> {
    batches: I,
    layout: Option<(Arc<Schema>, TableLayout)>,
    buf: Vec<u8>,
    at: usize,
}

impl<I> std::fmt::Debug for TableLines<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableLines").finish_non_exhaustive()
    }
}

impl<I: Iterator<Item = Result<RecordBatch, ArrowError>>> TableLines<I> {
    /// The rows of `batches` as JSON lines.
    pub fn new(batches: I) -> TableLines<I> {
        TableLines {
            batches,
            layout: None,
            buf: Vec::new(),
            at: 0,
        }
    }

    fn refill(&mut self) -> io::Result<bool> {
        self.buf.clear();
        self.at = 0;
        while self.buf.is_empty() {
            let Some(batch) = self.batches.next() else {
                return Ok(false);
            };
            let batch = batch.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let schema = batch.schema();
            let layout = match &self.layout {
                Some((s, layout)) if Arc::ptr_eq(s, &schema) || **s == *schema => layout,
                _ => {
                    let layout = TableLayout::new(&schema)?;
                    &self.layout.insert((schema, layout)).1
                }
            };
            for i in 0..batch.num_rows() {
                layout.write_row(&batch, i, &mut self.buf);
                self.buf.push(b'\n');
            }
        }
        Ok(true)
    }
}

impl<I: Iterator<Item = Result<RecordBatch, ArrowError>>> Read for TableLines<I> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.buf.len() && !self.refill()? {
            return Ok(0);
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_rfc3339_utc() {
        for (at, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (1_772_359_200, "2026-03-01T10:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ] {
            let mut out = Vec::new();
            write_stamp(&mut out, at);
            assert_eq!(out, format!("\"{text}\"").as_bytes(), "{at}");
            assert_eq!(crate::stamp::parse(text), Ok(at));
        }
    }

    #[test]
    fn strings_are_escaped_as_json() {
        for s in [
            "plain",
            "a\"b",
            "back\\slash",
            "nl\n\t\r",
            "\u{1}ctl",
            "æøå ✓",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, s);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn integers_are_written_whole() {
        for n in [0, 7, -7, i64::MAX, i64::MIN, 1_000_000] {
            let mut out = Vec::new();
            write_int(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }
}
