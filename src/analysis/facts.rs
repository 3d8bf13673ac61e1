//! What every report-like command learns from all samples before its
//! filters apply: pprof's total (taken before filtering, as pprof's
//! `report.New` does; under `-diff_base` the base samples' total), the
//! header, the units, and whether the values were printed exactly.

use crate::error::{Error, Result};
use crate::read::SourceInfo;
use crate::record::{Header, Record};
use crate::units::{format_bound_in, format_centi, unit_suffix, Dimension};

/// Facts gathered from every record, before filtering.
pub(crate) struct ReportFacts {
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
    pub(crate) fn observe(&mut self, src: &SourceInfo, rec: &Record) {
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
pub(crate) struct SuffixEvidence {
    suffix: Option<String>,
    mixed: bool,
    fixed: bool,
}

impl SuffixEvidence {
    /// Looks at one printed value.
    pub(crate) fn observe(&mut self, token: &str, dim: Dimension) {
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
    pub(crate) fn fixed_unit(&self) -> Option<String> {
        (self.fixed && !self.mixed).then(|| self.suffix.clone()).flatten()
    }
}

/// How to print amounts: the dimension of the values read, and the name of
/// an unknown `-unit` suffix.
#[derive(Clone, Debug, Default)]
pub struct UnitContext {
    /// Bytes, nanoseconds or a count; `Zero` until a value says.
    pub dim: Option<Dimension>,
    /// The suffix of `Other` values (`megabytes`).
    pub other: String,
}

impl UnitContext {
    /// Learns from a record (and its source's header for bare zeros).
    pub fn learn(&mut self, source: &SourceInfo, rec: &Record) {
        if self.dim.is_none() || self.dim == Some(Dimension::Zero) {
            let dim = match rec.value.dim {
                Dimension::Zero => source.dimension(),
                d => d,
            };
            self.dim = Some(dim);
        }
        if rec.value.dim == Dimension::Other && self.other.is_empty() {
            self.other = unit_suffix(rec.value_text()).to_owned();
        }
    }

    /// The dimension, a count if nothing said otherwise.
    pub fn dimension(&self) -> Dimension {
        self.dim.unwrap_or(Dimension::Count)
    }

    /// pprof-style text of an amount (`49.51MB`).
    pub fn format(&self, centi: i128) -> String {
        format_centi(centi, self.dimension(), &self.other)
    }

    /// The unit column of CSV output: `bytes`, `nanoseconds`, `count`, or
    /// the unknown unit's name.
    pub fn unit_name(&self) -> &str {
        match self.dimension() {
            Dimension::Other => &self.other,
            d => d.name(),
        }
    }

    /// `±0.04MB`-style bound text for a sum of rounding errors, or empty:
    /// rounded up, `<0.01MB` rather than a false `0`
    /// (`crate::units::format_bound_in`).
    pub fn bound(&self, centi: i128) -> String {
        if centi == 0 {
            String::new()
        } else {
            format!(" ±{}", format_bound_in(centi, self.dimension(), "", &self.other))
        }
    }
}

/// What the values of one input measure: its sample type (`Type:`, or the
/// `--sample-index` of a binary profile) and its dimension, as far as they
/// are known. Inputs that measure different things are neither added up
/// nor compared: heap bytes are not CPU nanoseconds, and `alloc_space` is
/// not `inuse_space` though both are bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    /// The input's name.
    pub file: String,
    /// The sample type, if the input says (`inuse_space`).
    pub sample_type: Option<String>,
    /// The dimension (`bytes`, `nanoseconds`, `count` or an unknown unit's
    /// name), if a value or the sample type says.
    pub dimension: Option<String>,
}

impl Measure {
    /// What `rec`, the first record read from `src`, and its header say.
    pub fn of(src: &SourceInfo, rec: &Record) -> Measure {
        let dimension = match rec.value.dim {
            Dimension::Zero => src.header().dimension().map(|d| d.name().to_owned()),
            Dimension::Other => Some(unit_suffix(rec.value_text()).to_owned()),
            d => Some(d.name().to_owned()),
        };
        Measure {
            file: src.name().to_owned(),
            sample_type: src.header().sample_type().map(str::to_owned),
            dimension,
        }
    }

    /// Refuses `other` unless it measures what `self` does; `verb` says
    /// what would be done with them (`added up`, `compared`).
    pub fn check(&self, other: &Measure, verb: &str) -> Result<()> {
        let differ =
            |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
        if !differ(&self.sample_type, &other.sample_type)
            && !differ(&self.dimension, &other.dimension)
        {
            return Ok(());
        }
        let what = |m: &Measure| match (&m.sample_type, &m.dimension) {
            (Some(t), Some(d)) => format!("{t} values ({d})"),
            (Some(t), None) => format!("{t} values"),
            (None, Some(d)) => format!("values in {d}"),
            (None, None) => "values".to_owned(),
        };
        let kinds = |m: &Measure| m.sample_type.as_deref().map(ProfileKind::of);
        if let (Some(a), Some(b)) = (kinds(self), kinds(other)) {
            if a != b && a != ProfileKind::Other && b != ProfileKind::Other {
                // No -sample_index turns one kind of profile into another.
                return Err(Error::Usage(format!(
                    "{} is {} ({}) but {} is {} ({}): they cannot be {verb}. Give \
                     inputs of one kind of profile",
                    self.file,
                    a.article_name(),
                    what(self),
                    other.file,
                    b.article_name(),
                    what(other)
                )));
            }
        }
        let index = self.sample_type.as_deref().or(other.sample_type.as_deref()).unwrap_or("TYPE");
        Err(Error::Usage(format!(
            "{} holds {} but {} holds {}: they cannot be {verb}. Give reports of one \
             sample type: print each with `go tool pprof -traces -sample_index={index} \
             PROFILE`, or pass the binary profiles with --sample-index {index}",
            self.file,
            what(self),
            other.file,
            what(other)
        )))
    }
}

/// The kind of profile a sample type comes from, for words that fit the
/// input: a heap profile's samples are allocations, a goroutine profile's
/// (or dump's) goroutines, a mutex or block profile's contention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileKind {
    /// `inuse_space`, `inuse_objects`, `alloc_space`, `alloc_objects`
    /// (and the `space`, `objects` of old profiles).
    Heap,
    /// `samples`, `cpu`.
    Cpu,
    /// `contentions`, `delay` (mutex and block profiles).
    Contention,
    /// `goroutine`: goroutine profiles and dumps.
    Goroutine,
    /// `threadcreate`.
    Threadcreate,
    /// Any other sample type.
    Other,
}

impl ProfileKind {
    /// The kind of the sample type `t` (`inuse_space`, `goroutine`).
    pub fn of(t: &str) -> ProfileKind {
        match t {
            "inuse_space" | "inuse_objects" | "alloc_space" | "alloc_objects" | "space"
            | "objects" => ProfileKind::Heap,
            "samples" | "cpu" => ProfileKind::Cpu,
            "contentions" | "delay" | "mean_delay" => ProfileKind::Contention,
            "goroutine" | "goroutines" => ProfileKind::Goroutine,
            "threadcreate" => ProfileKind::Threadcreate,
            _ => ProfileKind::Other,
        }
    }

    /// The kind of a report whose header says `sample_type` (none: other).
    pub fn of_header(sample_type: Option<&str>) -> ProfileKind {
        sample_type.map_or(ProfileKind::Other, ProfileKind::of)
    }

    /// `a heap profile`, `a goroutine profile or dump`, ...
    pub(crate) fn article_name(self) -> &'static str {
        match self {
            ProfileKind::Heap => "a heap profile",
            ProfileKind::Cpu => "a CPU profile",
            ProfileKind::Contention => "a mutex or block profile",
            ProfileKind::Goroutine => "a goroutine profile or dump",
            ProfileKind::Threadcreate => "a threadcreate profile",
            ProfileKind::Other => "a profile",
        }
    }

    /// What one sample of such a profile stands for, in the plural:
    /// `allocations`, `goroutines`, `contention events`, ...
    pub fn samples_are(self) -> &'static str {
        match self {
            ProfileKind::Heap => "allocation sites",
            ProfileKind::Cpu => "CPU time samples",
            ProfileKind::Contention => "contention events",
            ProfileKind::Goroutine => "goroutines",
            ProfileKind::Threadcreate => "thread creations",
            ProfileKind::Other => "samples",
        }
    }
}

/// Checks that every input of a command measures what the first one does
/// ([`Measure`]): shown the first record of each input.
#[derive(Debug, Default)]
pub(crate) struct SameMeasure {
    first: Option<Measure>,
    /// True until the current input's first record was seen.
    pub(crate) fresh: bool,
}

impl SameMeasure {
    pub(crate) fn new() -> SameMeasure {
        SameMeasure { first: None, fresh: true }
    }

    pub(crate) fn see(&mut self, src: &SourceInfo, rec: &Record) -> Result<()> {
        if !self.fresh {
            return Ok(());
        }
        self.fresh = false;
        let measure = Measure::of(src, rec);
        match &self.first {
            Some(first) => first.check(&measure, "added up"),
            None => {
                self.first = Some(measure);
                Ok(())
            }
        }
    }
}
