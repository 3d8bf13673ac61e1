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
    let text = format!("{v:.2}");
    let text = text.strip_suffix(".00").unwrap_or(&text);
    if text == "0" || text == "-0" {
        return "0".to_owned();
    }
    format!("{text}{u}")
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
pub fn base_unit(unit: &str) -> (Dimension, i128) {
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
pub fn value_in(amount: i64, (dim, factor): (Dimension, i128)) -> Value {
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
    fn exact_values_in_base_units() {
        assert_eq!(value(3, "kilobytes").centi, 3 * 1024 * 100);
        assert_eq!(value(3, "microseconds").dim, Dimension::Nanoseconds);
        assert_eq!(value(3, "microseconds").centi, 300_000);
        assert_eq!(value(-7, "count"), Value { centi: -700, dim: Dimension::Count, scale: 1 });
        assert!(is_time_unit("nanoseconds") && !is_time_unit("bytes"));
    }
}
