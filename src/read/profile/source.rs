//! A [`RecordSource`] over a loaded profile: the records and header
//! `go tool pprof -traces [-sample_index=X]` prints (Go 1.19's
//! `report.printTraces` and `ProfileLabels`), with exact values.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::error::Result;
use crate::read::RecordSource;
use crate::record::{Frame, FrameOrigin, Header, HeaderField, NameId, Names, Record};
use crate::units::{percentage, Dimension};

use super::measurement::{base_unit, label, scale, scaled_label, value, value_in, MinimumLabels};
use super::{load, Location, Profile};
use crate::gotime::{format_v19, Zone};

/// The records of one profile at one sample index.
pub struct ProfileSource {
    name: String,
    header: Header,
    index: usize,
    dim: Dimension,
    profile: Profile,
    num_label_units: BTreeMap<String, String>,
    /// Per location, its frames (name, inline flag), leaf-most first.
    frames: Vec<Vec<(String, bool)>>,
    /// Per location, beside each frame: its function's file, its mapping's
    /// file, and whether it stands for a line (what pprof's filters match).
    origins: Vec<Vec<Origin>>,
    /// The next sample to look at (those with an empty stack are not
    /// printed, unless `stackless`).
    next: usize,
    /// Whether samples with an empty stack are read too
    /// ([`ProfileSource::keep_stackless`]).
    stackless: bool,
    /// Per label set of the profile, its labels as printed: (key, values)
    /// in order; made on first use.
    label_text: Vec<Option<Vec<(String, String)>>>,
    /// The labels of every label set a record will carry, made when first
    /// asked for ([`RecordSource::label_texts`]).
    all_label_texts: OnceLock<Arc<[(String, String)]>>,
    /// The base unit of the values and the factor to it.
    base: (Dimension, i128),
    /// How the values print, and the text of the last one.
    value_labels: MinimumLabels,
    value_text: String,
    /// The stack of the sample being read.
    stack: Vec<u32>,
    /// The caller's name ids of each location's frames and origins,
    /// interned on first use: per location, a range of `interned`.
    interned_at: Vec<Option<(u32, u32)>>,
    interned: Vec<(Frame, FrameOrigin)>,
    /// How to tell that the caller's name table is the one the ids above
    /// belong to (tables only grow): the first name interned here, and the
    /// table's length after the last interning.
    table: Option<(NameId, Box<str>, usize)>,
}

/// A frame's function file, its mapping file, and whether it is a line.
type Origin = (Option<String>, Option<String>, bool);

/// Go's `filepath.Base` on a Unix system.
pub(crate) fn go_base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

impl ProfileSource {
    /// Loads `profile` as `go tool pprof` does ([`load::prepare`]) and
    /// selects the value `sample_index` names (pprof's `-sample_index`:
    /// a type name, an `inuse_`-less name or a number; `None` for the
    /// default). `name` is the input's name for messages.
    pub fn new(
        name: impl Into<String>,
        profile: Profile,
        sample_index: Option<&str>,
    ) -> Result<ProfileSource, String> {
        Self::prepared(name, load::prepare(profile), sample_index)
    }

    /// Like [`ProfileSource::new`], for a profile already prepared (by
    /// [`load::prepare`] or [`super::load()`]).
    pub(crate) fn prepared(
        name: impl Into<String>,
        profile: Profile,
        sample_index: Option<&str>,
    ) -> Result<ProfileSource, String> {
        if profile.sample_types.is_empty() {
            return Err("profile has no samples".into());
        }
        let index = profile.sample_index(sample_index.unwrap_or(""))?;
        Ok(Self::with_index(name.into(), profile, index))
    }

    /// A source over an already prepared profile.
    fn with_index(name: String, profile: Profile, index: usize) -> ProfileSource {
        let sample_type = profile.sample_types[index].clone();
        let unit = sample_type.unit.clone();
        let num_label_units = profile.num_label_units();
        let total = total(&profile, index);
        let header = header(&profile, &sample_type.ty, &unit, total);
        let frames = profile.locations.iter().map(|l| location_frames(&profile, l)).collect();
        let origins = profile.locations.iter().map(|l| location_origins(&profile, l)).collect();
        let label_text = vec![None; profile.samples.label_sets.len()];
        ProfileSource {
            name,
            header,
            dim: value(0, &unit).dim,
            base: base_unit(&unit),
            value_labels: MinimumLabels::new(&unit),
            value_text: String::new(),
            stack: Vec::new(),
            index,
            profile,
            num_label_units,
            frames,
            origins,
            next: 0,
            stackless: false,
            label_text,
            all_label_texts: OnceLock::new(),
            interned_at: Vec::new(),
            interned: Vec::new(),
            table: None,
        }
    }

    /// The range of `interned` that holds location `l`'s frames, interned
    /// into `names` if they are not yet.
    #[inline]
    fn intern_location(&mut self, l: usize, names: &mut Names) -> (usize, usize) {
        if let Some(Some((at, n))) = self.interned_at.get(l) {
            return (*at as usize, *n as usize);
        }
        self.intern_new(l, names)
    }

    /// [`ProfileSource::intern_location`] of a location not interned yet.
    #[cold]
    fn intern_new(&mut self, l: usize, names: &mut Names) -> (usize, usize) {
        let at = self.interned.len();
        for ((name, inline), (file, mapping, line)) in self.frames[l].iter().zip(&self.origins[l]) {
            let frame = Frame { name: names.intern(name), inline: *inline };
            let origin = FrameOrigin {
                file: file.as_deref().map(|f| names.intern(f)),
                mapping: mapping.as_deref().map(|m| names.intern(m)),
                line: *line,
            };
            self.interned.push((frame, origin));
        }
        let n = self.interned.len() - at;
        if self.interned_at.len() <= l {
            self.interned_at.resize(self.frames.len(), None);
        }
        self.interned_at[l] = Some((at as u32, n as u32));
        match &mut self.table {
            Some((_, _, len)) => *len = names.len(),
            None => {
                self.table = self
                    .interned
                    .first()
                    .map(|(f, _)| (f.name, names.get(f.name).into(), names.len()));
            }
        }
        (at, n)
    }

    /// Forgets the interned ids if `names` is not the table they are of.
    fn check_table(&mut self, names: &Names) {
        let Some((first, name, len)) = &self.table else { return };
        if names.len() < *len || names.get(*first) != &**name {
            self.interned_at.clear();
            self.interned.clear();
            self.table = None;
        }
    }

    /// Reads the samples with an empty stack too, as records without
    /// frames (pprof's `-traces` prints none of them; in a `threadcreate`
    /// profile nearly every sample has an empty stack).
    pub(crate) fn keep_stackless(mut self) -> ProfileSource {
        self.stackless = true;
        self
    }

    /// The sample type the values are of.
    pub fn sample_type(&self) -> &str {
        &self.profile.sample_types[self.index].ty
    }

    /// pprof's total: Σ|v| over all samples (over `pprof::base` samples
    /// only, if there are any with a non-zero sum).
    pub fn total(&self) -> i64 {
        total(&self.profile, self.index)
    }
}

/// `computeTotal` without `-mean`.
fn total(p: &Profile, index: usize) -> i64 {
    let (mut all, mut base) = (0i64, 0i64);
    let is_base: Vec<bool> = (p.samples.label_sets.iter())
        .map(|(labels, _)| {
            labels.get("pprof::base").is_some_and(|vs| vs.iter().any(|x| x == "true"))
        })
        .collect();
    for (i, s) in p.samples.iter().enumerate() {
        let v = s.values[index];
        let v = if v < 0 { v.wrapping_neg() } else { v };
        all = all.wrapping_add(v);
        if is_base[p.samples.labels_of(i) as usize] {
            base = base.wrapping_add(v);
        }
    }
    if base > 0 {
        base
    } else {
        all
    }
}

/// `ProfileLabels`: File, Build ID, comments not starting with `#`, Type,
/// Time, Duration; one empty line when there is none of them.
fn header(p: &Profile, sample_type: &str, unit: &str, total: i64) -> Header {
    let mut lines = Vec::new();
    if let Some(m) = p.mappings.first() {
        if !m.file.is_empty() {
            lines.push((HeaderField::File, format!("File: {}", go_base(&m.file))));
        }
        if !m.build_id.is_empty() {
            lines.push((HeaderField::BuildId, format!("Build ID: {}", m.build_id)));
        }
    }
    for c in p.comments.iter().filter(|c| !c.starts_with('#')) {
        let field = if c.is_empty() { HeaderField::Empty } else { HeaderField::Comment };
        lines.push((field, c.clone()));
    }
    if !sample_type.is_empty() {
        lines.push((HeaderField::Type, format!("Type: {sample_type}")));
    }
    if p.time_nanos != 0 {
        lines.push((
            HeaderField::Time,
            format!("Time: {}", format_v19(p.time_nanos, Zone::local())),
        ));
    }
    if p.duration_nanos != 0 {
        let (total_ns, total_unit) = scale(total, unit, "nanoseconds");
        let ratio = if total_unit == "ns" && total_ns != 0.0 {
            format!("({})", percentage(i128::from(total_ns as i64), i128::from(p.duration_nanos)))
        } else {
            String::new()
        };
        lines.push((
            HeaderField::Duration,
            format!(
                "Duration: {}, Total samples = {} {ratio}",
                label(p.duration_nanos, "nanoseconds"),
                scaled_label(total, unit, "minimum")
            ),
        ));
    }
    if lines.is_empty() {
        lines.push((HeaderField::Empty, String::new()));
    }
    Header { lines }
}

/// The frames of a location at `functions` granularity (`NodeInfo.
/// PrintableName` after `Aggregate`): each line's function name, or
/// `[basename of the mapping file]`, or `<unknown>`; all lines but the
/// last are inlined.
fn location_frames(p: &Profile, loc: &Location) -> Vec<(String, bool)> {
    let objfile = loc.mapping.map(|m| p.mappings[m].file.as_str()).filter(|f| !f.is_empty());
    let fallback = || match objfile {
        Some(file) => format!("[{}]", go_base(file)),
        None => "<unknown>".to_owned(),
    };
    if loc.lines.is_empty() {
        return vec![(fallback(), false)];
    }
    let last = loc.lines.len() - 1;
    loc.lines
        .iter()
        .enumerate()
        .map(|(i, ln)| {
            let name = match ln.function.map(|f| &p.functions[f].name) {
                Some(name) if !name.is_empty() => name.clone(),
                _ => fallback(),
            };
            (name, i != last)
        })
        .collect()
}

/// What pprof's frame filters see of each frame of a location, beside its
/// printed name (`Location.matchesName` in pprof's `profile/filter.go`):
/// the function's file name for a line with a function, the mapping's
/// file, and whether the frame stands for a line at all.
fn location_origins(p: &Profile, loc: &Location) -> Vec<Origin> {
    let mapping = loc.mapping.map(|m| p.mappings[m].file.clone());
    if loc.lines.is_empty() {
        return vec![(None, mapping, false)];
    }
    loc.lines
        .iter()
        .map(|ln| (ln.function.map(|f| p.functions[f].filename.clone()), mapping.clone(), true))
        .collect()
}

impl RecordSource for ProfileSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn dimension(&self) -> Dimension {
        self.dim
    }

    fn time_nanos(&self) -> Option<i64> {
        (self.profile.time_nanos != 0).then_some(self.profile.time_nanos)
    }

    fn label_texts(&self) -> Option<Arc<[(String, String)]>> {
        let all = self.all_label_texts.get_or_init(|| {
            let samples = &self.profile.samples;
            let mut used = vec![false; samples.label_sets.len()];
            for i in 0..samples.len() {
                if self.stackless || samples.stack_len(i) != 0 {
                    used[samples.labels_of(i) as usize] = true;
                }
            }
            (used.iter().enumerate())
                .filter(|(_, used)| **used)
                .flat_map(|(set, _)| self.labels_as_printed(set))
                .collect()
        });
        Some(Arc::clone(all))
    }

    fn read_record(&mut self, rec: &mut Record, names: &mut Names) -> Result<bool> {
        let samples = &self.profile.samples;
        let stackless = self.stackless;
        let Some(si) = (self.next..samples.len()).find(|&i| stackless || samples.stack_len(i) != 0)
        else {
            self.next = samples.len();
            return Ok(false);
        };
        self.next = si + 1;
        rec.clear();
        // The place in the profile, not among the printed samples: samples
        // with an empty stack are not printed but keep their number.
        rec.index = si as u64 + 1;
        let set = self.profile.samples.labels_of(si) as usize;
        if self.label_text[set].is_none() {
            self.label_text[set] = Some(self.labels_as_printed(set));
        }
        for (key, values) in self.label_text[set].iter().flatten() {
            rec.push_label(key, values);
        }
        let v = self.profile.samples.get(si).values[self.index];
        self.value_text.clear();
        self.value_labels.write(v, &mut self.value_text);
        rec.set_value(value_in(v, self.base), &self.value_text);
        self.check_table(names);
        let stack = std::mem::take(&mut self.stack);
        let stack = self.profile.samples.stack_into(si, stack);
        rec.frames.reserve(stack.len());
        rec.origins.reserve(stack.len());
        for &l in &stack {
            let (at, n) = self.intern_location(l as usize, names);
            let interned = &self.interned[at..at + n];
            rec.frames.extend(interned.iter().map(|(frame, _)| *frame));
            rec.origins.extend(interned.iter().map(|(_, origin)| *origin));
        }
        self.stack = stack;
        Ok(true)
    }
}

impl ProfileSource {
    /// The labels of label set `set` as a record carries them: (key,
    /// values joined by spaces), string labels first, each kind in the
    /// order of its printed lines.
    fn labels_as_printed(&self, set: usize) -> Vec<(String, String)> {
        let (labels, num_labels) = &self.profile.samples.label_sets[set];
        let mut strings: Vec<(String, &str, String)> = labels
            .iter()
            .map(|(k, vs)| {
                let joined = vs.join(" ");
                (format!("{k:>10}:  {joined}\n"), k.as_str(), joined)
            })
            .collect();
        strings.sort();
        let mut numeric: Vec<(String, &str, String)> = num_labels
            .iter()
            .map(|(k, nl)| {
                let unit = self.num_label_units.get(k).map_or(k.as_str(), String::as_str);
                let joined: Vec<String> = nl.values.iter().map(|&v| label(v, unit)).collect();
                let joined = joined.join(" ");
                (format!("{k:>10}:  {joined}\n"), k.as_str(), joined)
            })
            .collect();
        numeric.sort();
        strings.iter().chain(&numeric).map(|(_, k, v)| ((*k).to_owned(), v.clone())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ids_follow_the_callers_name_table() {
        use super::super::{Sample, ValueType};
        let mut p = Profile {
            sample_types: vec![ValueType { ty: "samples".into(), unit: "count".into() }],
            ..Profile::default()
        };
        super::super::add_test_functions(&mut p, &["leaf", "main"]);
        for v in [1, 2, 3] {
            let locations = [vec![0, 1], vec![1], vec![1, 0]][v as usize - 1].clone();
            p.samples.push(Sample { locations, values: vec![v], ..Default::default() });
        }
        let mut src = ProfileSource::new("p", p, None).unwrap();
        let mut rec = Record::new();
        let names_of = |rec: &Record, names: &Names| -> Vec<String> {
            rec.frames.iter().map(|f| names.get(f.name).to_owned()).collect()
        };
        let mut first = Names::new();
        assert!(src.read_record(&mut rec, &mut first).unwrap());
        assert_eq!(names_of(&rec, &first), ["leaf", "main"]);
        assert!(src.read_record(&mut rec, &mut first).unwrap());
        assert_eq!(names_of(&rec, &first), ["main"]);
        // Another table, where the ids interned so far mean other names.
        let mut other = Names::new();
        for name in ["x", "y", "z", "w"] {
            other.intern(name);
        }
        assert!(src.read_record(&mut rec, &mut other).unwrap());
        assert_eq!(names_of(&rec, &other), ["main", "leaf"]);
        assert_eq!(rec.origins.len(), 2);
        assert!(!src.read_record(&mut rec, &mut other).unwrap());
    }

    #[test]
    fn base_like_go() {
        assert_eq!(go_base("/usr/bin/server"), "server");
        assert_eq!(go_base("server"), "server");
        assert_eq!(go_base("/a/b/"), "b");
        assert_eq!(go_base("///"), "/");
        assert_eq!(go_base(""), ".");
    }
}
