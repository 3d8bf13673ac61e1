//! pprof's `internal/measurement` as `-traces` uses it: `Scale`,
//! `ScaledLabel` and `Label`, in Go's floating point, so that every unit a
//! profile may declare (`bytes`, `nanoseconds`, `microseconds`,
//! `kilobytes`, GCU, or anything else) prints as pprof prints it. Also the
//! exact conversion of a value to this crate's base units.

use crate::units::{Dimension, Value};

struct Unit {
    name: &'static str,
    aliases: &'static [&'static str],
    factor: f64,
}

struct UnitType {
    units: &'static [Unit],
    default_name: &'static str,
    default_factor: f64,
    /// The crate's dimension, and integer factors to base units (bytes,
    /// nanoseconds) in the order of `units`; `None` for GCU.
    dim: Option<(Dimension, &'static [u64])>,
}

const MEMORY: &[Unit] = &[
    Unit { name: "B", aliases: &["b", "byte"], factor: 1.0 },
    Unit { name: "kB", aliases: &["kb", "kbyte", "kilobyte"], factor: 1024.0 },
    Unit { name: "MB", aliases: &["mb", "mbyte", "megabyte"], factor: 1048576.0 },
    Unit { name: "GB", aliases: &["gb", "gbyte", "gigabyte"], factor: 1073741824.0 },
    Unit { name: "TB", aliases: &["tb", "tbyte", "terabyte"], factor: 1099511627776.0 },
    Unit { name: "PB", aliases: &["pb", "pbyte", "petabyte"], factor: 1125899906842624.0 },
];

const TIME: &[Unit] = &[
    Unit { name: "ns", aliases: &["ns", "nanosecond"], factor: 1.0 },
    Unit { name: "us", aliases: &["\u{3bc}s", "us", "microsecond"], factor: 1e3 },
    Unit { name: "ms", aliases: &["ms", "millisecond"], factor: 1e6 },
    Unit { name: "s", aliases: &["s", "sec", "second"], factor: 1e9 },
    Unit { name: "hrs", aliases: &["hour", "hr"], factor: 3.6e12 },
];

const GCU: &[Unit] = &[
    Unit { name: "n*GCU", aliases: &["nanogcu"], factor: 1e-9 },
    Unit { name: "u*GCU", aliases: &["microgcu"], factor: 1e-6 },
    Unit { name: "m*GCU", aliases: &["milligcu"], factor: 1e-3 },
    Unit { name: "GCU", aliases: &["gcu"], factor: 1.0 },
    Unit { name: "k*GCU", aliases: &["kilogcu"], factor: 1e3 },
    Unit { name: "M*GCU", aliases: &["megagcu"], factor: 1e6 },
    Unit { name: "G*GCU", aliases: &["gigagcu"], factor: 1e9 },
    Unit { name: "T*GCU", aliases: &["teragcu"], factor: 1e12 },
    Unit { name: "P*GCU", aliases: &["petagcu"], factor: 1e15 },
];

const UNIT_TYPES: &[UnitType] = &[
    UnitType {
        units: MEMORY,
        default_name: "B",
        default_factor: 1.0,
        dim: Some((Dimension::Bytes, &[1, 1 << 10, 1 << 20, 1 << 30, 1 << 40, 1 << 50])),
    },
    UnitType {
        units: TIME,
        default_name: "s",
        default_factor: 1e9,
        dim: Some((
            Dimension::Nanoseconds,
            &[1, 1_000, 1_000_000, 1_000_000_000, 3_600_000_000_000],
        )),
    },
    UnitType { units: GCU, default_name: "GCU", default_factor: 1.0, dim: None },
];

impl UnitType {
    /// `sniffUnit`: lower case, one trailing `s` dropped when the unit is
    /// longer than 2 bytes, then looked up among the aliases.
    fn sniff(&self, unit: &str) -> Option<usize> {
        let lower = unit.to_lowercase();
        let name = if lower.len() > 2 { lower.strip_suffix('s').unwrap_or(&lower) } else { &lower };
        self.units.iter().position(|u| u.aliases.contains(&name))
    }

    fn convert(&self, value: i64, from: &str, to: &str) -> Option<(f64, String)> {
        let from = &self.units[self.sniff(from)?];
        let v = value as f64 * from.factor;
        if to == "minimum" || to == "auto" {
            let mut best: Option<&Unit> = None;
            for u in self.units {
                if u.factor >= best.map_or(0.0, |b| b.factor) && v / u.factor >= 1.0 {
                    best = Some(u);
                }
            }
            return Some(match best {
                Some(u) => (v / u.factor, u.name.to_owned()),
                None => (v / self.default_factor, self.default_name.to_owned()),
            });
        }
        Some(match self.sniff(to) {
            Some(t) => (v / self.units[t].factor, self.units[t].name.to_owned()),
            None => (v / self.default_factor, self.default_name.to_owned()),
        })
    }
}

/// `measurement.Scale`: the value in `to` (a unit, or `minimum`/`auto` to
/// pick the largest unit in which it is at least 1) and that unit's name;
/// the bare number for units pprof does not know.
pub fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from, to);
        return (-v, u);
    }
    for ut in UNIT_TYPES {
        if let Some(r) = ut.convert(value, from, to) {
            return r;
        }
    }
    match to {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, String::new()),
        _ => (value as f64, to.to_owned()),
    }
}

/// `measurement.ScaledLabel`: `%.2f` with `.00` dropped, `0` for zero.
pub fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, u) = scale(value, from, to);
    let mut text = String::new();
    write_label(v, &u, &mut text);
    text
}

/// The end of `ScaledLabel`: `v` as `%.2f` with `.00` dropped, then the
/// unit, or `0` for what prints as zero; appended to `out`.
fn write_label(v: f64, unit: &str, out: &mut String) {
    let start = out.len();
    write_fixed2(v, out);
    if out.ends_with(".00") {
        out.truncate(out.len() - 3);
    }
    if matches!(&out[start..], "0" | "-0") {
        out.truncate(start);
        out.push('0');
        return;
    }
    out.push_str(unit);
}

/// `v` with two decimals, exactly as `format!("{v:.2}")` writes it (the
/// exact binary value rounded half to even), appended to `out`: with
/// integer arithmetic for the values a profile gives (not too large or
/// small), else with `format!`.
fn write_fixed2(v: f64, out: &mut String) {
    let bits = v.to_bits();
    let negative = bits >> 63 == 1;
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    // v = ±mantissa × 2^shift
    let (int, cents) = if exponent == 0 && fraction == 0 {
        (0u64, 0u64)
    } else if exponent == 0 || exponent == 0x7ff {
        return write_fixed2_slow(v, out);
    } else {
        let mantissa = fraction | 1 << 52;
        let shift = exponent - 1075;
        if shift >= 0 {
            if shift > 10 {
                return write_fixed2_slow(v, out);
            }
            (mantissa << shift, 0)
        } else {
            let s = -shift as u32;
            if s > 120 {
                return write_fixed2_slow(v, out);
            }
            let m = u128::from(mantissa);
            let mask = (1u128 << s) - 1;
            let mut int = (m >> s) as u64;
            let scaled = (m & mask) * 100;
            let mut cents = (scaled >> s) as u64;
            let rest = scaled & mask;
            let half = 1u128 << (s - 1);
            if rest > half || (rest == half && cents % 2 == 1) {
                cents += 1;
                if cents == 100 {
                    int += 1;
                    cents = 0;
                }
            }
            (int, cents)
        }
    };
    use std::fmt::Write;
    if negative {
        out.push('-');
    }
    let _ = write!(out, "{int}");
    out.push('.');
    out.push(char::from(b'0' + (cents / 10) as u8));
    out.push(char::from(b'0' + (cents % 10) as u8));
}

fn write_fixed2_slow(v: f64, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "{v:.2}");
}

/// `scaled_label(value, unit, "minimum")` for many values of one unit: the
/// unit is looked up once, and the labels are written into a buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MinimumLabels {
    /// The unit's type (index into `UNIT_TYPES`) and its factor, if pprof
    /// knows the unit.
    unit: Option<(usize, f64)>,
}

impl MinimumLabels {
    /// Labels for values in `unit`.
    pub fn new(unit: &str) -> MinimumLabels {
        let unit = UNIT_TYPES
            .iter()
            .enumerate()
            .find_map(|(t, ut)| ut.sniff(unit).map(|u| (t, ut.units[u].factor)));
        MinimumLabels { unit }
    }

    /// Appends `scaled_label(value, unit, "minimum")` to `out`.
    pub fn write(&self, value: i64, out: &mut String) {
        let (v, unit) = self.scale(value);
        write_label(v, unit, out);
    }

    /// `scale(value, unit, "minimum")`.
    fn scale(&self, value: i64) -> (f64, &'static str) {
        if value < 0 && value != i64::MIN {
            let (v, u) = self.scale(-value);
            return (-v, u);
        }
        let Some((t, factor)) = self.unit else { return (value as f64, "") };
        let ut = &UNIT_TYPES[t];
        let v = value as f64 * factor;
        let mut best: Option<&Unit> = None;
        for u in ut.units {
            if u.factor >= best.map_or(0.0, |b| b.factor) && v / u.factor >= 1.0 {
                best = Some(u);
            }
        }
        match best {
            Some(u) => (v / u.factor, u.name),
            None => (v / ut.default_factor, ut.default_name),
        }
    }
}

/// `measurement.Label`: auto-scaled.
pub fn label(value: i64, unit: &str) -> String {
    scaled_label(value, unit, "auto")
}

/// True when `unit` is one of pprof's time units (`nanoseconds`, `ms`...).
pub fn is_time_unit(unit: &str) -> bool {
    UNIT_TYPES[1].sniff(unit).is_some()
}

/// The dimension of values in `unit` and the integer factor to its base
/// unit: bytes and nanoseconds for pprof's memory and time units, a plain
/// count (factor 1) for anything else.
pub(crate) fn base_unit(unit: &str) -> (Dimension, i128) {
    for ut in UNIT_TYPES {
        if let (Some(i), Some((dim, factors))) = (ut.sniff(unit), ut.dim) {
            return (dim, i128::from(factors[i]));
        }
    }
    (Dimension::Count, 1)
}

/// A sample value in `unit` as an exact [`Value`] in base units.
pub fn value(amount: i64, unit: &str) -> Value {
    value_in(amount, base_unit(unit))
}

/// A sample value as an exact [`Value`], given its unit's [`base_unit`].
pub(crate) fn value_in(amount: i64, (dim, factor): (Dimension, i128)) -> Value {
    Value { centi: i128::from(amount) * factor * 100, dim, scale: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_like_pprof() {
        assert_eq!(label(1536, "bytes"), "1.50kB");
        assert_eq!(label(1025, "bytes"), "1kB");
        assert_eq!(label(3200, "bytes"), "3.12kB");
        assert_eq!(label(0, "bytes"), "0");
        assert_eq!(label(-6 << 20, "bytes"), "-6MB");
        assert_eq!(label(150_000_000, "nanoseconds"), "150ms");
        assert_eq!(label(999_999, "nanoseconds"), "1000us");
        assert_eq!(label(5_400_000_000_000, "nanoseconds"), "1.50hrs");
        assert_eq!(label(1500, "microseconds"), "1.50ms");
        assert_eq!(label(2, "kilobytes"), "2kB");
        assert_eq!(label(37, "count"), "37");
        assert_eq!(label(3, "objects"), "3");
        assert_eq!(label(1500, "gcu"), "1.50k*GCU");
        assert_eq!(label(1, "seconds"), "1s");
        // "μs" is 3 bytes long: sniffUnit strips its "s" and finds nothing.
        assert_eq!(label(1500, "\u{3bc}s"), "1500");
        assert_eq!(scaled_label(1536, "bytes", "minimum"), "1.50kB");
        assert_eq!(scaled_label(5, "count", "megabytes"), "5megabytes");
    }

    #[test]
    fn two_decimals_like_format() {
        // A small xorshift generator: random bit patterns, and values as
        // the units' scaling makes them (integers over powers of 1024 and
        // of 1000).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut values = vec![0.0, -0.0, 0.005, 0.015, 0.125, 0.375, 0.625, 1.005, 99.995];
        values.extend([f64::NAN, f64::INFINITY, 5e-324, 1e300, -2.5e-310, 9.5e15, -0.001]);
        for _ in 0..50_000 {
            let r = next();
            let n = (r >> 11) as i64 >> (r % 50);
            let n = if r & 1 == 1 { -n } else { n };
            values.push(f64::from_bits(next()));
            values.push(n as f64 / (1u64 << (10 * (r % 6))) as f64);
            values.push(n as f64 / [1.0, 1e3, 1e6, 1e9, 3.6e12][(r % 5) as usize]);
            values.push(n as f64 * 1e-9);
        }
        for v in values {
            let mut got = String::new();
            write_fixed2(v, &mut got);
            assert_eq!(got, format!("{v:.2}"), "{v:e}");
        }
    }

    #[test]
    fn minimum_labels_like_scaled_label() {
        let units = ["bytes", "kilobytes", "nanoseconds", "microseconds", "count", "gcu", "ms"];
        let units = units.iter().chain(&["objects", "", "\u{3bc}s", "Seconds", "hours"]);
        let values = [0, 1, -1, 999, 1000, 1023, 1024, 1536, 3200, 5_400_000_000_000];
        let values = values.iter().chain(&[i64::MIN, i64::MAX, -(6 << 20), 123_456_789_012]);
        for unit in units {
            let labels = MinimumLabels::new(unit);
            for &v in values.clone() {
                let mut got = String::from("x");
                labels.write(v, &mut got);
                assert_eq!(got[1..], scaled_label(v, unit, "minimum"), "{v} {unit}");
            }
        }
    }

    #[test]
    fn exact_values_in_base_units() {
        assert_eq!(value(3, "kilobytes").centi, 3 * 1024 * 100);
        assert_eq!(value(3, "microseconds").dim, Dimension::Nanoseconds);
        assert_eq!(value(3, "microseconds").centi, 300_000);
        assert_eq!(value(-7, "count"), Value { centi: -700, dim: Dimension::Count, scale: 1 });
        assert!(is_time_unit("nanoseconds") && !is_time_unit("bytes"));
    }
}
