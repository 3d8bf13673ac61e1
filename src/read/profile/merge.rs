//! pprof's `profile.Merge` for one profile, which `go tool pprof` runs on
//! every profile it loads (`fetch.go: combineProfiles`). It decides which
//! samples `-traces` prints and in which order:
//!
//! - samples whose values are all zero are dropped;
//! - samples with the same key are summed into the first one seen; the key
//!   is the list of (renumbered) location ids, the string labels and the
//!   numeric labels with their units;
//! - mappings are deduplicated by (size rounded up to 4 KiB, file offset,
//!   build id or else file name), the first mapping of the source first;
//! - locations are deduplicated by (address relative to the mapping start,
//!   mapping, lines as (function, line number), folded flag), functions by
//!   (start line, name, system name, file name); all get new ids in order
//!   of first use by a sample, and unused ones are dropped;
//! - if a summed sample is zero in every value, the result is merged again.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::FxHasher;

use super::{Function, Labels, Line, Location, Mapping, NumLabels, Profile};

/// The hash of the key that makes two samples one: the (renumbered)
/// locations and the label set (numbered so that equal sets have equal
/// numbers). Samples with equal hashes are compared, so no copy of the key
/// is kept.
fn sample_hash(locations: &[u32], labels: u32) -> u64 {
    let mut h = FxHasher::default();
    locations.hash(&mut h);
    labels.hash(&mut h);
    h.finish()
}

#[derive(PartialEq, Eq, Hash)]
struct LocationKey {
    addr: u64,
    mapping_id: u64,
    lines: Vec<(Option<u64>, i64)>,
    is_folded: bool,
}

#[derive(PartialEq, Eq, Hash)]
struct MappingKey {
    size: u64,
    offset: u64,
    build_id_or_file: String,
}

#[derive(PartialEq, Eq, Hash)]
struct FunctionKey {
    start_line: i64,
    name: String,
    system_name: String,
    filename: String,
}

impl Mapping {
    fn key(&self) -> MappingKey {
        const ROUNDING: u64 = 0x1000;
        let size = self.limit.wrapping_sub(self.start).wrapping_add(ROUNDING - 1);
        let size = size - size % ROUNDING;
        let build_id_or_file =
            if !self.build_id.is_empty() { self.build_id.clone() } else { self.file.clone() };
        MappingKey { size, offset: self.offset, build_id_or_file }
    }
}

/// `profile.Merge` of one profile whose samples arrive one at a time: the
/// source's mappings, locations and functions are given up front (in a
/// [`Profile`] whose samples are ignored), each sample is handed over with
/// [`Merger::add`] and copied into the result's flat store, or summed into
/// an equal one there.
pub(crate) struct Merger<'a> {
    src: &'a Profile,
    out: Profile,
    /// Source index -> (output index, address offset).
    mappings_by_src: BySrc<(usize, i64)>,
    locations_by_src: BySrc<usize>,
    functions_by_src: BySrc<usize>,
    /// The output samples by key: a table of chains (the first sample of
    /// each, `NO_SAMPLE` for none), indexed by the top bits of the key's
    /// hash; per sample, the next one in its chain and its hash's top 32
    /// bits. At most one sample per slot on average: 12 bytes a sample.
    buckets: Vec<u32>,
    next_sample: Vec<u32>,
    hashes: Vec<u32>,
    /// The caller's label set number -> the output's.
    label_sets_by_src: BySrc<u32>,
    /// The sample being added, its locations renumbered.
    stack: Vec<u32>,
    locations: HashMap<LocationKey, usize>,
    functions: HashMap<FunctionKey, usize>,
    mappings: HashMap<MappingKey, usize>,
}

const NO_SAMPLE: u32 = u32::MAX;

/// What a source table's elements became in the output, by source index.
struct BySrc<T>(Vec<Option<T>>);

impl<T: Copy> BySrc<T> {
    #[inline]
    fn get(&self, i: &usize) -> Option<&T> {
        self.0.get(*i).and_then(Option::as_ref)
    }

    fn insert(&mut self, i: usize, v: T) {
        if i >= self.0.len() {
            self.0.resize(i + 1, None);
        }
        self.0[i] = Some(v);
    }
}

impl<'a> Merger<'a> {
    /// A merger over the tables of `src` (its samples are not read).
    pub fn new(src: &'a Profile) -> Merger<'a> {
        let mut comments = Vec::new();
        for c in &src.comments {
            if !comments.contains(c) {
                comments.push(c.clone());
            }
        }
        let out = Profile {
            sample_types: src.sample_types.clone(),
            default_sample_type: src.default_sample_type.clone(),
            comments,
            drop_frames: src.drop_frames.clone(),
            keep_frames: src.keep_frames.clone(),
            time_nanos: src.time_nanos,
            duration_nanos: src.duration_nanos,
            period_type: src.period_type.clone(),
            period: src.period,
            ..Profile::default()
        };
        let mut m = Merger {
            src,
            out,
            mappings_by_src: BySrc(vec![None; src.mappings.len()]),
            locations_by_src: BySrc(vec![None; src.locations.len()]),
            functions_by_src: BySrc(vec![None; src.functions.len()]),
            buckets: vec![NO_SAMPLE; 1024],
            next_sample: Vec::new(),
            hashes: Vec::new(),
            label_sets_by_src: BySrc(Vec::new()),
            stack: Vec::new(),
            locations: HashMap::new(),
            functions: HashMap::new(),
            mappings: HashMap::new(),
        };
        if !src.mappings.is_empty() {
            m.map_mapping(Some(0));
        }
        m
    }

    /// Adds one sample of the source: its stack (indexes into the source's
    /// locations), its values, and its labels, numbered `set` by the caller
    /// (the same number for the same labels, as [`super::Samples`] numbers
    /// them). Dropped if all its values are zero, else summed into an
    /// equal one or kept.
    pub fn add(
        &mut self,
        locations: &[u32],
        values: &[i64],
        set: u32,
        labels: &Arc<Labels>,
        num_labels: &Arc<NumLabels>,
    ) {
        if values.iter().all(|&v| v == 0) {
            return;
        }
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        for &l in locations {
            stack.push(self.map_location(l as usize) as u32);
        }
        let labels = match self.label_sets_by_src.get(&(set as usize)) {
            Some(&out) => out,
            None => {
                let out = self.out.samples.label_set((labels.clone(), num_labels.clone()));
                self.label_sets_by_src.insert(set as usize, out);
                out
            }
        };
        self.map_sample(&stack, values, labels);
        self.stack = stack;
    }

    /// Makes room for `samples` samples of `frames` frames in all (at
    /// most), so that the result's tables are allocated once.
    pub(crate) fn reserve(&mut self, samples: usize, frames: usize) {
        self.out.samples.width = self.src.sample_types.len();
        self.out.samples.reserve(samples, frames);
        self.next_sample.reserve(samples);
        self.hashes.reserve(samples);
        let slots = samples.max(1024).checked_next_power_of_two().unwrap_or(1024);
        if slots <= u32::MAX as usize {
            self.buckets = vec![NO_SAMPLE; slots];
        }
    }

    /// The merged profile (merged again if a sum came to zero, as pprof
    /// does).
    pub fn finish(self) -> Profile {
        let out = self.out;
        if out.samples.iter().any(|s| is_zero(s.values)) {
            return merge(&out);
        }
        out
    }

    fn map_mapping(&mut self, src: Option<usize>) -> (Option<usize>, i64) {
        let Some(i) = src else { return (None, 0) };
        if let Some(&(m, offset)) = self.mappings_by_src.get(&i) {
            return (Some(m), offset);
        }
        let sm = &self.src.mappings[i];
        let key = sm.key();
        if let Some(&m) = self.mappings.get(&key) {
            let offset = (self.out.mappings[m].start as i64).wrapping_sub(sm.start as i64);
            self.mappings_by_src.insert(i, (m, offset));
            return (Some(m), offset);
        }
        let m = self.out.mappings.len();
        self.out.mappings.push(Mapping { id: m as u64 + 1, ..sm.clone() });
        self.mappings.insert(key, m);
        self.mappings_by_src.insert(i, (m, 0));
        (Some(m), 0)
    }

    fn map_function(&mut self, src: Option<usize>) -> Option<usize> {
        let i = src?;
        if let Some(&f) = self.functions_by_src.get(&i) {
            return Some(f);
        }
        let sf = &self.src.functions[i];
        let key = FunctionKey {
            start_line: sf.start_line,
            name: sf.name.clone(),
            system_name: sf.system_name.clone(),
            filename: sf.filename.clone(),
        };
        if let Some(&f) = self.functions.get(&key) {
            self.functions_by_src.insert(i, f);
            return Some(f);
        }
        let f = self.out.functions.len();
        self.out.functions.push(Function { id: f as u64 + 1, ..sf.clone() });
        self.functions.insert(key, f);
        self.functions_by_src.insert(i, f);
        Some(f)
    }

    #[inline]
    fn map_location(&mut self, i: usize) -> usize {
        match self.locations_by_src.get(&i) {
            Some(&l) => l,
            None => self.map_new_location(i),
        }
    }

    /// [`Merger::map_location`] of a location not seen yet.
    #[cold]
    fn map_new_location(&mut self, i: usize) -> usize {
        let src = &self.src.locations[i];
        let (mapping, offset) = self.map_mapping(src.mapping);
        let address = (src.address as i64).wrapping_add(offset) as u64;
        let src_lines = src.lines.clone();
        let is_folded = src.is_folded;
        let lines: Vec<Line> = src_lines
            .iter()
            .map(|ln| Line { function: self.map_function(ln.function), line: ln.line })
            .collect();
        let (addr, mapping_id) = match mapping {
            Some(m) => {
                let m = &self.out.mappings[m];
                (address.wrapping_sub(m.start), m.id)
            }
            None => (address, 0),
        };
        let key = LocationKey {
            addr,
            mapping_id,
            lines: lines
                .iter()
                .map(|ln| (ln.function.map(|f| self.out.functions[f].id), ln.line))
                .collect(),
            is_folded,
        };
        if let Some(&l) = self.locations.get(&key) {
            self.locations_by_src.insert(i, l);
            return l;
        }
        let l = self.out.locations.len();
        self.out.locations.push(Location { id: l as u64 + 1, mapping, address, lines, is_folded });
        self.locations.insert(key, l);
        self.locations_by_src.insert(i, l);
        l
    }

    /// Sums a sample (its locations and labels already renumbered) into an
    /// equal one, or keeps it.
    fn map_sample(&mut self, stack: &[u32], values: &[i64], labels: u32) {
        let hash = (sample_hash(stack, labels) >> 32) as u32;
        let bucket = self.bucket(hash);
        let mut at = self.buckets[bucket];
        while at != NO_SAMPLE {
            let i = at as usize;
            if self.hashes[i] == hash
                && self.out.samples.labels_of(i) == labels
                && self.out.samples.get(i).locations == stack
            {
                for (acc, v) in self.out.samples.values_mut(i).iter_mut().zip(values) {
                    *acc = acc.wrapping_add(*v);
                }
                return;
            }
            at = self.next_sample[i];
        }
        let s = u32::try_from(self.out.samples.len())
            .ok()
            .filter(|&s| s != NO_SAMPLE)
            .expect("fewer than 2^32 - 1 samples");
        self.out.samples.push_parts(stack, values, labels);
        self.next_sample.push(self.buckets[bucket]);
        self.buckets[bucket] = s;
        self.hashes.push(hash);
        if self.hashes.len() > self.buckets.len() {
            self.grow();
        }
    }

    /// The slot of a hash: its top bits.
    fn bucket(&self, hash: u32) -> usize {
        let bits = self.buckets.len().trailing_zeros();
        (u64::from(hash) >> (32 - bits)) as usize
    }

    /// Doubles the table and rechains every sample.
    fn grow(&mut self) {
        self.buckets = vec![NO_SAMPLE; self.buckets.len() * 2];
        for i in 0..self.hashes.len() {
            let bucket = self.bucket(self.hashes[i]);
            self.next_sample[i] = self.buckets[bucket];
            self.buckets[bucket] = i as u32;
        }
    }
}

fn is_zero(values: &[i64]) -> bool {
    values.iter().all(|&v| v == 0)
}

/// `profile.Merge([]*Profile{p})`.
pub fn merge(src: &Profile) -> Profile {
    let mut m = Merger::new(src);
    let sets = &src.samples.label_sets;
    for i in 0..src.samples.len() {
        let s = src.samples.get(i);
        let set = src.samples.labels_of(i);
        let (labels, num_labels) = &sets[set as usize];
        m.add(s.locations, s.values, set, labels, num_labels);
    }
    m.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(id: u64, name: &str) -> Function {
        Function { id, name: name.into(), system_name: name.into(), ..Function::default() }
    }

    fn location(id: u64, address: u64, f: usize) -> Location {
        Location {
            id,
            mapping: Some(0),
            address,
            lines: vec![Line { function: Some(f), line: 1 }],
            is_folded: false,
        }
    }

    fn sample(locations: Vec<usize>, values: Vec<i64>) -> Sample {
        Sample { locations, values, ..Sample::default() }
    }

    use super::super::Sample;

    fn profile() -> Profile {
        Profile {
            sample_types: vec![super::super::ValueType { ty: "a".into(), unit: "count".into() }],
            mappings: vec![
                Mapping {
                    id: 1,
                    start: 0x1000,
                    limit: 0x2000,
                    file: "bin".into(),
                    ..Default::default()
                },
                Mapping {
                    id: 2,
                    start: 0x9000,
                    limit: 0xa000,
                    file: "unused".into(),
                    ..Default::default()
                },
            ],
            functions: vec![function(1, "f"), function(2, "g"), function(3, "f")],
            // Locations 1 and 3 are the same address and the same function
            // (by key): they merge.
            locations: vec![location(1, 0x1010, 0), location(2, 0x1020, 1), location(3, 0x1010, 2)],
            samples: [
                sample(vec![1, 0], vec![0]),
                sample(vec![0, 1], vec![2]),
                sample(vec![1], vec![5]),
                sample(vec![2, 1], vec![3]),
                sample(vec![], vec![1]),
            ]
            .into_iter()
            .collect(),
            ..Profile::default()
        }
    }

    #[test]
    fn merges_like_pprof() {
        let p = merge(&profile());
        // The zero sample is dropped; [loc1, loc2] and [loc3, loc2] are one.
        let got: Vec<_> = p.samples.iter().map(|s| (s.locations.to_vec(), s.values[0])).collect();
        assert_eq!(got, [(vec![0, 1], 5), (vec![1], 5), (vec![], 1)]);
        assert_eq!(p.locations.iter().map(|l| l.id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(p.functions.len(), 2);
        // The unused mapping is gone.
        assert_eq!(p.mappings.len(), 1);
    }

    #[test]
    fn labels_split_samples_and_zero_sums_are_collected() {
        let mut src = profile();
        let mut labelled = sample(vec![1], vec![1]);
        Arc::make_mut(&mut labelled.labels).insert("k".into(), vec!["v".into()]);
        src.samples =
            [sample(vec![0], vec![4]), sample(vec![0], vec![-4]), labelled].into_iter().collect();
        let p = merge(&src);
        assert_eq!(p.samples.len(), 1);
        assert_eq!(p.samples.get(0).labels["k"], ["v"]);
        assert_eq!(p.locations.len(), 1, "the re-merge drops the location of the zero sum");
    }
}
