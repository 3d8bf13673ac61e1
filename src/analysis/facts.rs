//! What every report-like command learns from all samples before its
//! filters apply: pprof's total (taken before filtering, as pprof's
//! `report.New` does; under `-diff_base` the base samples' total), the
//! header, the units, and whether the values were printed exactly.

use crate::cmd::UnitContext;
use crate::read::SourceInfo;
use crate::record::{Header, Record};
use crate::units::{unit_suffix, Dimension};

/// Facts gathered from every record, before filtering.
pub struct ReportFacts {
    header: Option<Header>,
    /// Units of the values.
    pub units: UnitContext,
    /// True while every value read was exact.
    pub exact: bool,
    /// Records seen.
    pub samples: u64,
    all: (i128, i128),
    base: (i128, i128),
    suffixes: SuffixEvidence,
}

impl Default for ReportFacts {
    fn default() -> ReportFacts {
        ReportFacts {
            header: None,
            units: UnitContext::default(),
            exact: true,
            samples: 0,
            all: (0, 0),
            base: (0, 0),
            suffixes: SuffixEvidence::default(),
        }
    }
}

impl ReportFacts {
    /// Learns from one record (call it before the filters).
    pub fn observe(&mut self, src: &SourceInfo, rec: &Record) {
        if self.header.is_none() {
            self.header = Some(src.header().clone());
        }
        self.samples += 1;
        self.units.learn(src, rec);
        self.suffixes.observe(rec.value_text(), rec.value.dim);
        self.exact &= rec.value.is_exact();
        let (v, e) = (rec.value.centi.abs(), rec.value.max_error_centi());
        self.all.0 += v;
        self.all.1 += e;
        if rec.is_base() {
            self.base.0 += v;
            self.base.1 += e;
        }
    }

    /// pprof's total and its rounding bound: Σ|v| of all samples, or of
    /// the base samples when there are any (`-diff_base`).
    pub fn total(&self) -> (i128, i128) {
        if self.base.0 != 0 {
            self.base
        } else {
            self.all
        }
    }

    /// The first input's header.
    pub fn header(&self) -> Header {
        self.header.clone().unwrap_or_default()
    }

    /// The fixed unit the report was printed with, if any.
    pub fn printed_unit(&self) -> Option<String> {
        self.suffixes.fixed_unit()
    }
}

/// Clues that a report was printed with a fixed `-unit`: pprof's
/// auto-scaling never prints `2048B`, `0.50MB` or `1500ms`.
#[derive(Default)]
pub struct SuffixEvidence {
    suffix: Option<String>,
    mixed: bool,
    fixed: bool,
}

impl SuffixEvidence {
    /// Looks at one printed value.
    pub fn observe(&mut self, token: &str, dim: Dimension) {
        if !matches!(dim, Dimension::Bytes | Dimension::Nanoseconds) {
            return;
        }
        let suffix = unit_suffix(token);
        match &self.suffix {
            None => self.suffix = Some(suffix.to_owned()),
            Some(s) if s != suffix => self.mixed = true,
            _ => {}
        }
        let number = token.trim_start_matches('-');
        let whole: u64 =
            number[..number.find('.').unwrap_or(number.len() - suffix.len())].parse().unwrap_or(0);
        let limit = match suffix {
            "B" => 1023,
            "kB" | "MB" | "GB" | "TB" => 1024,
            "ns" | "us" | "ms" => 1000,
            "s" => 3600,
            _ => u64::MAX,
        };
        if whole == 0 || whole > limit {
            self.fixed = true;
        }
    }

    /// The fixed unit, if every value says one was used.
    pub fn fixed_unit(&self) -> Option<String> {
        (self.fixed && !self.mixed).then(|| self.suffix.clone()).flatten()
    }
}
