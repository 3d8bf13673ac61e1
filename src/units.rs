//! pprof's units: parse a printed value such as `21.01MB` into an exact
//! fixed-point amount in the base unit, and format amounts back the way
//! pprof's `measurement.ScaledLabel` does.
//!
//! pprof's memory units are powers of **1024** (`kB` = 2^10, `MB` = 2^20),
//! which is why this module has its own table: the `bytesize` crate reads
//! `MB` as 10^6 and would be off by 4.86%.
//!
//! Amounts are kept in hundredths of the base unit ([`Value::centi`]), an
//! `i128`. pprof prints at most two decimals, so `21.01MB` is exactly
//! `2101 * 2^20` hundredths of a byte: sums of many values never drift.

use std::fmt;

/// What a value measures. pprof knows memory, time and plain counts; a value
/// printed with `-unit=<unknown>` (e.g. `11megabytes`) is [`Dimension::Other`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// Bytes; printed as `B kB MB GB TB PB` (powers of 1024).
    Bytes,
    /// Nanoseconds; printed as `ns us ms s hrs` (old pprof: `mins days wks yrs`).
    Nanoseconds,
    /// A bare number: objects, samples, contentions, goroutines.
    #[default]
    Count,
    /// A unit pprof did not recognise; its name is the text after the number.
    Other,
    /// A bare `0`: pprof prints zero without a unit, so its dimension is that
    /// of the report.
    Zero,
}

impl Dimension {
    /// The name used in CSV output (`bytes`, `nanoseconds`, `count`).
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Bytes => "bytes",
            Dimension::Nanoseconds => "nanoseconds",
            Dimension::Count | Dimension::Zero => "count",
            Dimension::Other => "other",
        }
    }

    /// The dimension of a pprof sample type name (`Type:` header line), as the
    /// Go runtime's profiles and pprof's `-mean` use them.
    pub(crate) fn of_sample_type(sample_type: &str) -> Option<Dimension> {
        let t = sample_type.strip_prefix("mean_").unwrap_or(sample_type);
        match t {
            "inuse_space" | "alloc_space" | "space" | "bytes" => Some(Dimension::Bytes),
            "cpu" | "delay" | "wall" | "nanoseconds" => Some(Dimension::Nanoseconds),
            "inuse_objects" | "alloc_objects" | "objects" | "samples" | "contentions"
            | "goroutine" | "goroutines" | "threadcreate" | "count" => Some(Dimension::Count),
            _ => None,
        }
    }
}

/// A unit suffix as pprof prints it, with its factor in base units.
struct UnitSuffix {
    text: &'static str,
    dim: Dimension,
    factor: u64,
}

const NS_PER_S: u64 = 1_000_000_000;
const NS_PER_HOUR: u64 = 3600 * NS_PER_S;
const NS_PER_DAY: u64 = 24 * NS_PER_HOUR;

/// Every suffix `ScaledLabel` prints, current and old (before pprof commit
/// 10e9aeb, 2021-01, time also used `mins days wks yrs`).
const SUFFIXES: &[UnitSuffix] = &[
    UnitSuffix { text: "B", dim: Dimension::Bytes, factor: 1 },
    UnitSuffix { text: "kB", dim: Dimension::Bytes, factor: 1 << 10 },
    UnitSuffix { text: "MB", dim: Dimension::Bytes, factor: 1 << 20 },
    UnitSuffix { text: "GB", dim: Dimension::Bytes, factor: 1 << 30 },
    UnitSuffix { text: "TB", dim: Dimension::Bytes, factor: 1 << 40 },
    UnitSuffix { text: "PB", dim: Dimension::Bytes, factor: 1 << 50 },
    UnitSuffix { text: "ns", dim: Dimension::Nanoseconds, factor: 1 },
    UnitSuffix { text: "us", dim: Dimension::Nanoseconds, factor: 1_000 },
    UnitSuffix { text: "\u{b5}s", dim: Dimension::Nanoseconds, factor: 1_000 },
    UnitSuffix { text: "\u{3bc}s", dim: Dimension::Nanoseconds, factor: 1_000 },
    UnitSuffix { text: "ms", dim: Dimension::Nanoseconds, factor: 1_000_000 },
    UnitSuffix { text: "s", dim: Dimension::Nanoseconds, factor: NS_PER_S },
    UnitSuffix { text: "mins", dim: Dimension::Nanoseconds, factor: 60 * NS_PER_S },
    UnitSuffix { text: "hrs", dim: Dimension::Nanoseconds, factor: NS_PER_HOUR },
    UnitSuffix { text: "days", dim: Dimension::Nanoseconds, factor: NS_PER_DAY },
    UnitSuffix { text: "wks", dim: Dimension::Nanoseconds, factor: 7 * NS_PER_DAY },
    UnitSuffix { text: "yrs", dim: Dimension::Nanoseconds, factor: 365 * NS_PER_DAY },
];

/// A sample value: an exact fixed-point amount in the base unit, and the
/// precision with which it was printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Value {
    /// The amount in hundredths of the base unit (bytes, nanoseconds, count).
    pub centi: i128,
    /// What the amount measures.
    pub dim: Dimension,
    /// Base units per unit of the printed suffix (1 for `B`, 2^20 for `MB`).
    /// pprof rounds to two decimals of that unit, so the true value lies
    /// within `scale / 200` base units of `centi / 100`.
    pub scale: u64,
}

impl Value {
    /// A value of zero.
    pub(crate) const ZERO: Value = Value { centi: 0, dim: Dimension::Zero, scale: 1 };

    /// The largest possible rounding error, in hundredths of the base unit:
    /// zero when the printed suffix is the base unit itself (`1025B`, `37`).
    pub fn max_error_centi(&self) -> i128 {
        if self.scale <= 1 {
            0
        } else {
            i128::from(self.scale) / 2
        }
    }

    /// True when the printed text loses nothing (base-unit suffix or count).
    pub fn is_exact(&self) -> bool {
        self.max_error_centi() == 0
    }
}

/// Why a value token could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueError {
    /// Empty token.
    Empty,
    /// The token does not start with an optional `-` and a digit.
    NotANumber,
    /// More than two decimals, or a `.` without digits after it.
    BadDecimals,
    /// The number does not fit.
    Overflow,
    /// The text after the number is not a unit name (letters only).
    BadUnit,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueError::Empty => "empty value",
            ValueError::NotANumber => "a value must start with a digit or '-'",
            ValueError::BadDecimals => "pprof prints at most two decimals",
            ValueError::Overflow => "value too large",
            ValueError::BadUnit => "a unit is made of letters, like MB or ms",
        })
    }
}

/// Parses a value token as pprof's `ScaledLabel` prints it: `0`, `1023B`,
/// `21.01MB`, `-6MB`, `150ms`, `37`, `1.50mins`, or `11megabytes` (an unknown
/// `-unit`, kept as [`Dimension::Other`] with scale 1).
pub fn parse_value(token: &str) -> Result<Value, ValueError> {
    match parse_common_value(token.as_bytes()) {
        Some(value) => Ok(value),
        None => parse_any_value(token),
    }
}

/// [`parse_value`] for every form.
fn parse_any_value(token: &str) -> Result<Value, ValueError> {
    let bytes = token.as_bytes();
    if bytes.is_empty() {
        return Err(ValueError::Empty);
    }
    let (negative, rest) = match bytes[0] {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if int_len == 0 {
        return Err(ValueError::NotANumber);
    }
    let mut centi: i128 = 0;
    for &d in &rest[..int_len] {
        centi = centi
            .checked_mul(10)
            .and_then(|c| c.checked_add(i128::from(d - b'0')))
            .ok_or(ValueError::Overflow)?;
    }
    centi = centi.checked_mul(100).ok_or(ValueError::Overflow)?;
    let mut pos = int_len;
    if rest.get(pos) == Some(&b'.') {
        let frac_len = rest[pos + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if frac_len == 0 || frac_len > 2 {
            return Err(ValueError::BadDecimals);
        }
        let mut frac = i128::from(rest[pos + 1] - b'0') * 10;
        if frac_len == 2 {
            frac += i128::from(rest[pos + 2] - b'0');
        }
        centi += frac;
        pos += 1 + frac_len;
    }
    // Everything after the number is the unit (possibly multi-byte: `µs`).
    let unit = &token[token.len() - (rest.len() - pos)..];
    let (dim, factor) = if unit.is_empty() {
        let dim = if centi == 0 { Dimension::Zero } else { Dimension::Count };
        (dim, 1)
    } else {
        match SUFFIXES.iter().find(|s| s.text == unit) {
            Some(s) => (s.dim, s.factor),
            // `-unit=megabytes` on a count profile prints `1megabytes`;
            // pprof's GCU units look like `1.50k*GCU`.
            // Some pprof versions print `1.50k\u{b7}GCU`.
            None if unit.chars().all(|c| c.is_alphabetic() || c == '*' || c == '\u{b7}') => {
                (Dimension::Other, 1)
            }
            None => return Err(ValueError::BadUnit),
        }
    };
    let centi = centi.checked_mul(i128::from(factor)).ok_or(ValueError::Overflow)?;
    Ok(Value { centi: if negative { -centi } else { centi }, dim, scale: factor })
}

/// [`parse_value`] for the forms nearly every report holds (`21.01MB`,
/// `352B`, `10ms`, `1.50s`, `37`: a number of at most 15 digits, at most
/// two decimals, and no unit or one of pprof's memory units up to `TB` or
/// time units up to `s`), in 64-bit arithmetic with no search of the
/// suffix table. `None` for anything else (a sign, more digits, another
/// unit, a malformed token), which the general path reads, so that both
/// give the same value for every token this accepts.
#[inline]
pub(crate) fn parse_common_value(bytes: &[u8]) -> Option<Value> {
    let mut int: u64 = 0;
    let mut pos = 0;
    while let Some(&b) = bytes.get(pos) {
        if !b.is_ascii_digit() {
            break;
        }
        int = int * 10 + u64::from(b - b'0');
        pos += 1;
        if pos > 15 {
            return None;
        }
    }
    if pos == 0 {
        return None;
    }
    let mut centi = int * 100;
    if bytes.get(pos) == Some(&b'.') {
        let d1 = bytes.get(pos + 1).filter(|b| b.is_ascii_digit())?;
        centi += u64::from(d1 - b'0') * 10;
        pos += 2;
        if let Some(d2) = bytes.get(pos).filter(|b| b.is_ascii_digit()) {
            centi += u64::from(d2 - b'0');
            pos += 1;
        }
    }
    let (dim, factor) = match &bytes[pos..] {
        b"" if centi == 0 => (Dimension::Zero, 1),
        b"" => (Dimension::Count, 1),
        b"B" => (Dimension::Bytes, 1),
        b"kB" => (Dimension::Bytes, 1 << 10),
        b"MB" => (Dimension::Bytes, 1 << 20),
        b"GB" => (Dimension::Bytes, 1 << 30),
        b"TB" => (Dimension::Bytes, 1 << 40),
        b"ns" => (Dimension::Nanoseconds, 1),
        b"us" => (Dimension::Nanoseconds, 1_000),
        b"ms" => (Dimension::Nanoseconds, 1_000_000),
        b"s" => (Dimension::Nanoseconds, NS_PER_S),
        // A third decimal, another unit: the general path.
        _ => return None,
    };
    // Below 10^17 times at most 2^40: well inside an i128.
    Some(Value { centi: i128::from(centi) * i128::from(factor), dim, scale: factor })
}

/// The unit text of a value token: what follows the number (`MB` in `21.01MB`).
pub fn unit_suffix(token: &str) -> &str {
    let start = token
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && c == '-')))
        .map_or(token.len(), |(i, _)| i);
    &token[start..]
}

/// Parses a user-typed value with pprof's `-unit` spellings (`1kb`, `4mb`,
/// `10ms`, `512`), case-insensitively, 1024-based for memory.
pub fn parse_user_value(text: &str) -> Option<Value> {
    let t = text.trim();
    let split = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    let (number, unit) = t.split_at(split);
    let number = number.strip_prefix('+').unwrap_or(number);
    let canonical = canonical_unit(unit)?;
    let v = parse_value(&format!("{number}{canonical}")).ok()?;
    Some(if unit.is_empty() && v.dim == Dimension::Zero {
        Value { dim: Dimension::Count, ..v }
    } else {
        v
    })
}

/// pprof's unit aliases (`measurement.go`), lowercased, a trailing `s`
/// dropped from names longer than 2 characters.
fn canonical_unit(unit: &str) -> Option<&'static str> {
    let mut u = unit.to_lowercase();
    if u.len() > 2 && u.ends_with('s') {
        u.pop();
    }
    Some(match u.as_str() {
        "" => "",
        "b" | "byte" => "B",
        "kb" | "kbyte" | "kilobyte" => "kB",
        "mb" | "mbyte" | "megabyte" => "MB",
        "gb" | "gbyte" | "gigabyte" => "GB",
        "tb" | "tbyte" | "terabyte" => "TB",
        "pb" | "pbyte" | "petabyte" => "PB",
        "n" | "ns" | "nanosecond" => "ns",
        "us" | "\u{3bc}s" | "\u{b5}s" | "microsecond" => "us",
        "ms" | "millisecond" => "ms",
        "s" | "sec" | "second" => "s",
        "hour" | "hr" | "hrs" | "h" => "hrs",
        _ => return None,
    })
}

/// Formats an amount (hundredths of the base unit) as pprof's
/// `ScaledLabel(v, unit, "auto")`: the largest unit in which the amount is at
/// least 1, two decimals, a trailing `.00` dropped, and a bare `0` for zero.
/// `other_unit` is the suffix used for [`Dimension::Other`].
pub fn format_centi(centi: i128, dim: Dimension, other_unit: &str) -> String {
    let negative = centi < 0;
    let magnitude = centi.unsigned_abs();
    let (factor, suffix) = match dim {
        Dimension::Bytes | Dimension::Nanoseconds => auto_unit(magnitude, dim),
        Dimension::Count | Dimension::Zero => (1, ""),
        Dimension::Other => (1, other_unit),
    };
    let text = format_fixed(magnitude, factor);
    if text == "0" {
        return "0".to_owned();
    }
    let sign = if negative { "-" } else { "" };
    format!("{sign}{text}{suffix}")
}

/// Formats a value in a given unit suffix (e.g. always `MB`), as pprof's
/// explicit `-unit=` does. Returns `None` for a suffix pprof does not know
/// or one of another dimension.
pub fn format_centi_in(centi: i128, dim: Dimension, suffix: &str) -> Option<String> {
    let unit = SUFFIXES.iter().find(|s| s.text == suffix && s.dim == dim)?;
    let text = format_fixed(centi.unsigned_abs(), u128::from(unit.factor));
    if text == "0" {
        return Some(text);
    }
    let sign = if centi < 0 { "-" } else { "" };
    Some(format!("{sign}{text}{}", unit.text))
}

/// Plain decimal text of an amount in base units, for CSV: `22030581.76`,
/// `1024`, `-6291456`. Exact: no floating point.
pub fn centi_to_decimal(centi: i128) -> String {
    DecimalCenti(centi).to_string()
}

/// [`centi_to_decimal`] as a `Display`, to write without allocating.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecimalCenti(pub i128);

impl fmt::Display for DecimalCenti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let m = self.0.unsigned_abs();
        let (whole, frac) = (m / 100, m % 100);
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else if frac % 10 == 0 {
            write!(f, "{sign}{whole}.{}", frac / 10)
        } else {
            write!(f, "{sign}{whole}.{frac:02}")
        }
    }
}

/// The suffix pprof's auto-scaling picks for an amount (`kB` for 2048 B);
/// empty for counts.
pub(crate) fn auto_suffix(centi: i128, dim: Dimension) -> &'static str {
    match dim {
        Dimension::Bytes | Dimension::Nanoseconds => auto_unit(centi.unsigned_abs(), dim).1,
        _ => "",
    }
}

/// Formats an amount in a fixed suffix (`kB`), or auto-scaled per value
/// when `suffix` is empty or unknown for the dimension (counts).
pub fn format_in(centi: i128, dim: Dimension, suffix: &str, other_unit: &str) -> String {
    format_centi_in(centi, dim, suffix).unwrap_or_else(|| format_centi(centi, dim, other_unit))
}

/// A rounding bound (`±` columns) in the unit `suffix` (as [`format_in`];
/// an empty or unknown suffix scales the amount on its own): rounded up to
/// two decimals, never down, so the bound printed still bounds; `<0.01MB`
/// where it would round to zero, never a false `0`. Zero is `0`.
pub(crate) fn format_bound_in(
    centi: i128,
    dim: Dimension,
    suffix: &str,
    other_unit: &str,
) -> String {
    let magnitude = centi.unsigned_abs();
    if magnitude == 0 {
        return "0".to_owned();
    }
    let (factor, text) = match SUFFIXES.iter().find(|s| s.text == suffix && s.dim == dim) {
        Some(unit) => (u128::from(unit.factor), unit.text),
        None => match dim {
            Dimension::Bytes | Dimension::Nanoseconds => auto_unit(magnitude, dim),
            Dimension::Count | Dimension::Zero => (1, ""),
            Dimension::Other => (1, other_unit),
        },
    };
    // Hundredths of the unit: to nearest (ties to even, as
    // `format_fixed`), and up.
    let (q, r) = (magnitude / factor, magnitude % factor);
    let nearest = if r * 2 > factor || (r * 2 == factor && q % 2 == 1) { q + 1 } else { q };
    if nearest == 0 {
        return format!("<0.01{text}");
    }
    let up = magnitude.div_ceil(factor);
    let number = if up % 100 == 0 {
        (up / 100).to_string()
    } else {
        format!("{}.{:02}", up / 100, up % 100)
    };
    format!("{number}{text}")
}

/// pprof's `measurement.Percentage`: `  100%` near 100, `%5.2f%%` from 1,
/// Go's `%5.2g%%` below (`  0.5%`, `0.0015%`, `5e-05%`).
pub fn percentage(value: i128, total: i128) -> String {
    let ratio = if total == 0 { 0.0 } else { (value as f64 / total as f64).abs() * 100.0 };
    if (99.95..=100.05).contains(&ratio) {
        "  100%".to_owned()
    } else if ratio >= 1.0 {
        format!("{ratio:5.2}%")
    } else {
        format!("{:>5}%", go_g2(ratio))
    }
}

/// Go's `strconv.FormatFloat(v, 'g', 2, 64)`: two significant digits,
/// trailing zeros dropped, exponent form below 1e-4.
fn go_g2(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let sci = format!("{v:.1e}");
    let (mantissa, exp) = sci.split_once('e').expect("scientific notation");
    let exp: i32 = exp.parse().expect("exponent");
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s.to_owned()
        }
    };
    if !(-4..2).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    } else {
        let decimals = (1 - exp).max(0) as usize;
        trim(&format!("{v:.decimals$}"))
    }
}

/// The largest unit of the current pprof table (`B..PB`, `ns..hrs`) in which
/// the amount is at least 1; the base unit for zero.
fn auto_unit(centi: u128, dim: Dimension) -> (u128, &'static str) {
    // Old-only time suffixes are never chosen: current pprof stops at hrs.
    const CURRENT_TIME: [&str; 5] = ["ns", "us", "ms", "s", "hrs"];
    let mut best = (1u128, if dim == Dimension::Bytes { "B" } else { "ns" });
    for s in SUFFIXES.iter().filter(|s| s.dim == dim) {
        if dim == Dimension::Nanoseconds && !CURRENT_TIME.contains(&s.text) {
            continue;
        }
        if centi >= u128::from(s.factor) * 100 && u128::from(s.factor) >= best.0 {
            best = (u128::from(s.factor), s.text);
        }
    }
    best
}

/// `%.2f` of `centi / 100 / factor` with a trailing `.00` trimmed.
///
/// For whole base units this is pprof's own computation, `float64(v) /
/// factor` formatted with two decimals (Rust's `{:.2}` rounds exactly as Go's
/// `%.2f`), so ties such as `1015000ns` -> `1.01ms` come out the same.
/// Fractional amounts (sums of rounded values) are rounded exactly instead.
fn format_fixed(centi: u128, factor: u128) -> String {
    let text = if centi % 100 == 0 && centi / 100 < (1u128 << 53) {
        format!("{:.2}", (centi / 100) as f64 / factor as f64)
    } else {
        let (q, r) = (centi / factor, centi % factor);
        let rounded = if r * 2 > factor || (r * 2 == factor && q % 2 == 1) { q + 1 } else { q };
        format!("{}.{:02}", rounded / 100, rounded % 100)
    };
    match text.strip_suffix(".00") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

/// An exact amount in hundredths of the base unit (bytes, nanoseconds or
/// a count); serialized as a JSON number in the base unit, never through
/// a float (`21.01MB` is `22030581.76`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub i128);

impl serde::Serialize for Amount {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        // A whole amount is an integer, written as such without a detour
        // through its text (the same digits).
        if self.0 % 100 == 0 {
            if let Ok(whole) = i64::try_from(self.0 / 100) {
                return serializer.serialize_i64(whole);
            }
        }
        let text = centi_to_decimal(self.0);
        match text.parse::<serde_json::Number>() {
            Ok(n) => serde::Serialize::serialize(&n, serializer),
            Err(_) => serializer.serialize_str(&text),
        }
    }
}

/// A part of a total as a percentage: the magnitude, as pprof prints
/// percentages; serialized as a number with four decimals at most, or
/// `null` when the total is zero.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Percent(pub Option<f64>);

impl Percent {
    /// `part` of `total`.
    pub fn of(part: i128, total: i128) -> Percent {
        Percent((total != 0).then(|| (part as f64 / total as f64 * 100.0).abs()))
    }
}

impl serde::Serialize for Percent {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            None => serializer.serialize_none(),
            Some(ratio) => {
                let text = format!("{ratio:.4}");
                let text = text.trim_end_matches('0').trim_end_matches('.');
                match text.parse::<serde_json::Number>() {
                    Ok(n) => serde::Serialize::serialize(&n, serializer),
                    Err(_) => serializer.serialize_str(text),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_round_up_and_are_never_a_false_zero() {
        let b = |centi: i128, suffix: &str| format_bound_in(centi, Dimension::Bytes, suffix, "");
        // 5242.88 bytes in MB: 0.005MB, shown as below a hundredth.
        assert_eq!(b(524288, "MB"), "<0.01MB");
        // 26214.4 bytes: 0.025MB, rounded up, not down to 0.02MB.
        assert_eq!(b(2621440, "MB"), "0.03MB");
        assert_eq!(b(0, "MB"), "0");
        assert_eq!(b(1024 * 1024 * 100, "MB"), "1MB");
        // Scaled on its own: 25.60B stays as it is.
        assert_eq!(b(2560, ""), "25.60B");
        assert_eq!(b(1000, ""), "10B");
    }

    fn v(s: &str) -> Value {
        parse_value(s).unwrap()
    }

    #[test]
    fn the_common_forms_read_as_the_general_path_reads_them() {
        let units = ["", "B", "kB", "MB", "GB", "TB", "PB", "ns", "us", "ms", "s", "mins", "x"];
        let numbers = [
            "0",
            "00",
            "7",
            "352",
            "21.01",
            "1.5",
            "0.00",
            "0.05",
            "1.",
            "1.234",
            ".5",
            "-3",
            "999999999999999",
            "9999999999999999",
            "123456789012345.99",
            "1e5",
            "",
        ];
        let mut accepted = 0;
        for number in numbers {
            for unit in units {
                let token = format!("{number}{unit}");
                if let Some(fast) = parse_common_value(token.as_bytes()) {
                    assert_eq!(Ok(fast), parse_any_value(&token), "{token}");
                    accepted += 1;
                }
            }
        }
        // The 10 numbers of at most 15 digits and 2 decimals, each bare or
        // with one of the 9 common units.
        assert_eq!(accepted, 10 * 10);
        for token in ["1.234MB", "-3B", "1.MB", "9999999999999999", "1PB", "2mins", "5x"] {
            assert_eq!(parse_common_value(token.as_bytes()), None, "{token}");
        }
    }

    #[test]
    fn memory_units_are_binary() {
        assert_eq!(v("21.01MB").centi, 2101 * (1 << 20));
        assert_eq!(v("1000kB").centi, 1000 * 1024 * 100);
        assert_eq!(v("1023B").centi, 102_300);
        assert_eq!(v("1.50PB").centi, 150 * (1i128 << 50));
        assert_eq!(v("21.01MB").dim, Dimension::Bytes);
        assert_eq!(v("21.01MB").scale, 1 << 20);
    }

    #[test]
    fn time_units_current_and_old() {
        assert_eq!(v("150ms").centi, 150 * 1_000_000 * 100);
        assert_eq!(v("1.50us").centi, 150 * 1000);
        assert_eq!(v("1.50\u{b5}s").centi, 150 * 1000);
        assert_eq!(v("2.03hrs").centi, 203 * 3_600_000_000_000);
        assert_eq!(v("1.50mins").centi, 150 * 60_000_000_000);
        assert_eq!(v("3days").centi, 300 * 86_400_000_000_000);
        assert_eq!(v("1wks").dim, Dimension::Nanoseconds);
        assert_eq!(v("1yrs").centi, 100 * 365 * 86_400_000_000_000);
        assert_eq!(v("150000000ns").centi, 15_000_000_000);
    }

    #[test]
    fn zero_counts_negatives_and_unknown_units() {
        assert_eq!(v("0"), Value::ZERO);
        assert_eq!(v("37").dim, Dimension::Count);
        assert_eq!(v("-6MB").centi, -600 * (1 << 20));
        assert_eq!(v("-0.50kB").centi, -50 * 1024);
        let other = v("11megabytes");
        assert_eq!((other.dim, other.centi), (Dimension::Other, 1100));
        assert_eq!(unit_suffix("11megabytes"), "megabytes");
        assert_eq!(unit_suffix("-1.50kB"), "kB");
        assert_eq!(unit_suffix("0"), "");
    }

    #[test]
    fn malformed_values() {
        assert_eq!(parse_value(""), Err(ValueError::Empty));
        assert_eq!(parse_value("MB"), Err(ValueError::NotANumber));
        assert_eq!(parse_value("-"), Err(ValueError::NotANumber));
        assert_eq!(parse_value("1.234MB"), Err(ValueError::BadDecimals));
        assert_eq!(parse_value("1.MB"), Err(ValueError::BadDecimals));
        assert_eq!(parse_value(&"9".repeat(60)), Err(ValueError::Overflow));
        assert_eq!(parse_value("1.2.3MB"), Err(ValueError::BadUnit));
        assert_eq!(parse_value("12%"), Err(ValueError::BadUnit));
    }

    #[test]
    fn rounding_error_bound() {
        assert_eq!(v("21.01MB").max_error_centi(), (1 << 20) / 2);
        assert!(v("1025B").is_exact());
        assert!(v("0").is_exact());
        assert!(!v("1kB").is_exact());
    }

    #[test]
    fn formats_like_scaled_label() {
        let f = |c: i128, d| format_centi(c, d, "");
        assert_eq!(f(1023 * 100, Dimension::Bytes), "1023B");
        assert_eq!(f(1024 * 100, Dimension::Bytes), "1kB");
        assert_eq!(f(1025 * 100, Dimension::Bytes), "1kB");
        assert_eq!(f(1536 * 100, Dimension::Bytes), "1.50kB");
        assert_eq!(f(1_048_575 * 100, Dimension::Bytes), "1024kB");
        assert_eq!(f(3200 * 100, Dimension::Bytes), "3.12kB"); // 3.125 ties to even
        assert_eq!(f(-6 * (1 << 20) * 100, Dimension::Bytes), "-6MB");
        assert_eq!(f(0, Dimension::Bytes), "0");
        assert_eq!(f(999_999 * 100, Dimension::Nanoseconds), "1000us");
        assert_eq!(f(5400 * 100 * NS_PER_S as i128, Dimension::Nanoseconds), "1.50hrs");
        assert_eq!(f(90 * 100 * NS_PER_S as i128, Dimension::Nanoseconds), "90s");
        assert_eq!(f(168 * 100 * NS_PER_HOUR as i128, Dimension::Nanoseconds), "168hrs");
        assert_eq!(f(3700, Dimension::Count), "37");
        assert_eq!(f(1_015_000 * 100, Dimension::Nanoseconds), "1.01ms"); // Go: float64 tie
        assert_eq!(f(1536 * 100 + 1, Dimension::Bytes), "1.50kB");
        assert_eq!(format_centi(1100, Dimension::Other, "megabytes"), "11megabytes");
        assert_eq!(format_centi_in(1024 * 100, Dimension::Bytes, "MB").unwrap(), "0");
        assert_eq!(format_centi_in(52_429 * 100, Dimension::Bytes, "MB").unwrap(), "0.05MB");
    }

    #[test]
    fn user_values_in_pprof_units() {
        assert_eq!(parse_user_value("1kb").unwrap().centi, 102_400);
        assert_eq!(parse_user_value("10ms").unwrap().centi, 1_000_000_000);
        assert_eq!(parse_user_value("2 megabytes").map(|v| v.centi), None);
        assert_eq!(parse_user_value("5").unwrap().dim, Dimension::Count);
        assert_eq!(parse_user_value("+1.5MB").unwrap().centi, 150 * (1 << 20));
    }

    #[test]
    fn percentages_like_pprof() {
        assert_eq!(percentage(100, 100), "  100%");
        assert_eq!(percentage(9922, 10000), "99.22%");
        assert_eq!(percentage(102_492, 10000), "1024.92%");
        assert_eq!(percentage(0, 10000), "    0%");
        assert_eq!(percentage(5, 1000), "  0.5%");
        assert_eq!(percentage(5, 10000), " 0.05%");
        assert_eq!(percentage(15, 1_000_000), "0.0015%");
        assert_eq!(percentage(89, 10_000_000), "0.00089%");
        assert_eq!(percentage(5, 10_000_000), "5e-05%");
        assert_eq!(percentage(996, 100_000), "    1%");
        assert_eq!(percentage(-50, 1000), "    5%".replace("    5", " 5.00"));
    }

    #[test]
    fn decimal_text_is_exact() {
        assert_eq!(centi_to_decimal(v("21.01MB").centi), "22030581.76");
        assert_eq!(centi_to_decimal(v("1.50kB").centi), "1536");
        assert_eq!(centi_to_decimal(v("-6MB").centi), "-6291456");
        assert_eq!(centi_to_decimal(150), "1.5");
        assert_eq!(centi_to_decimal(-5), "-0.05");
    }

    #[test]
    fn parse_then_format_round_trips_pprof_text() {
        for t in ["21.01MB", "15MB", "0.50MB", "3.12kB", "150ms", "1.50us", "-40kB", "1023B"] {
            let val = v(t);
            let back = if val.scale == 1 {
                format_centi(val.centi, val.dim, "")
            } else {
                format_centi_in(val.centi, val.dim, unit_suffix(t)).unwrap()
            };
            assert_eq!(back, t);
        }
    }
}
