//! pprof's binary profiles (`profile.proto`, gzipped or not), read without
//! any Go toolchain, and turned into the records `go tool pprof -traces`
//! prints.
//!
//! The pipeline follows Go 1.19's pprof (vendored google/pprof 2022-07-29)
//! step by step, because every step changes what `-traces` prints:
//!
//! 1. [`decode`]: protobuf → [`Profile`], with the Go decoder's rules
//!    (`postDecode`): labels with an empty string value or a zero number
//!    without unit are dropped, unknown mapping ids give no mapping, and
//!    `CheckValid`'s checks reject what pprof rejects.
//! 2. [`load::prepare`]: what `go tool pprof` does on loading
//!    (`fetch.go`): a fake mapping for mapping-less profiles, `profile.Merge`
//!    ([`merge`]: all-zero samples dropped, identical samples summed,
//!    locations, functions and mappings deduplicated and renumbered), the
//!    demangler's clean-up of already demangled names, `drop_frames`
//!    pruning, and URL mapping files cleared.
//! 3. [`source::ProfileSource`]: the report (`report.go`): the sample index
//!    (`-sample_index`), the total, samples with an empty stack skipped,
//!    frames at `functions` granularity (inlined lines expanded, marked
//!    ` (inline)`), labels and values formatted by [`measurement`], and the
//!    header lines of `ProfileLabels`.
//!
//! What is not reproduced: symbolization against local binaries (profiles
//! without function names print `[binary]` frames, as pprof does when it
//! cannot find the binary), demangling of mangled `_Z...`/`_R...` names,
//! pprof's legacy text profile formats, and merging several files into one
//! profile (each input is reported on its own).

pub mod load;
pub mod measurement;
pub mod merge;
pub mod proto;
pub mod source;
pub(crate) mod wire;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use prost::Message;

/// A sample or period type: `inuse_space`/`bytes`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueType {
    /// The sample type's name (`inuse_space`).
    pub ty: String,
    /// Its unit (`bytes`, `nanoseconds`, `count`).
    pub unit: String,
}

/// Numeric label values of one key, with their units (empty when the
/// profile gave none, else as many as values, `""` where missing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NumLabel {
    /// The values, in the order the profile gave them.
    pub values: Vec<i64>,
    /// Each value's unit (`bytes`), or empty when none was given.
    pub units: Vec<String>,
}

/// String labels: the values of each key.
pub type Labels = BTreeMap<String, Vec<String>>;

/// Numeric labels: the values (and units) of each key.
pub(crate) type NumLabels = BTreeMap<String, NumLabel>;

/// One sample as it is built (by a reader of a text format, or a test)
/// and handed to [`Samples::push`]: its stack (indexes into
/// [`Profile::locations`], leaf first), one value per sample type, and its
/// labels by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// Indexes into [`Profile::locations`], leaf first.
    pub locations: Vec<usize>,
    /// One value per sample type ([`Profile::sample_types`]).
    pub values: Vec<i64>,
    /// String labels by key.
    pub labels: Arc<Labels>,
    /// Numeric labels by key.
    pub num_labels: Arc<NumLabels>,
}

/// One stored sample, as [`Samples::get`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleRef<'a> {
    /// Indexes into [`Profile::locations`], leaf first.
    pub locations: &'a [u32],
    /// One value per sample type ([`Profile::sample_types`]).
    pub values: &'a [i64],
    /// String labels by key.
    pub labels: &'a Labels,
    /// Numeric labels by key.
    pub num_labels: &'a NumLabels,
}

/// A label set: a sample's string and numeric labels.
type LabelSet = (Arc<Labels>, Arc<NumLabels>);

/// The samples of a profile, stored flat: every stack's location indexes
/// side by side in one vector (4 bytes a frame), the values likewise, and
/// per sample only where its stack starts, its length and its label set.
/// Label sets are stored once each (most samples of a profile carry one of
/// a few) and numbered in order of first use.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    stacks: Vec<u32>,
    values: Vec<i64>,
    /// Values per sample: as many as the first sample had. A sample with
    /// another count is stored cut or padded with zeros to this width, and
    /// the first such count kept in `other_width` for `Profile::check_valid`.
    width: usize,
    other_width: Option<usize>,
    entries: Vec<Entry>,
    label_sets: Vec<LabelSet>,
    label_index: FxHashMap<LabelSet, u32>,
}

/// Where one sample is: its stack in `Samples::stacks`, its label set.
#[derive(Clone, Copy, Debug)]
struct Entry {
    stack_at: usize,
    stack_len: u32,
    labels: u32,
}

/// A location index as stored in a stack.
fn location_u32(l: usize) -> u32 {
    u32::try_from(l).expect("fewer than 2^32 locations")
}

impl Samples {
    /// How many samples there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `i`th sample. Panics if there are not that many.
    #[inline]
    pub fn get(&self, i: usize) -> SampleRef<'_> {
        let e = self.entries[i];
        let (labels, num_labels) = &self.label_sets[e.labels as usize];
        SampleRef {
            locations: &self.stacks[e.stack_at..e.stack_at + e.stack_len as usize],
            values: &self.values[i * self.width..(i + 1) * self.width],
            labels,
            num_labels,
        }
    }

    /// Makes room for `samples` more samples of `frames` frames in all
    /// (room that is not used takes address space, not memory).
    pub(crate) fn reserve(&mut self, samples: usize, frames: usize) {
        self.entries.reserve(samples);
        self.values.reserve(samples.saturating_mul(self.width.max(1)));
        self.stacks.reserve(frames);
    }

    /// The length of the `i`th sample's stack.
    fn stack_len(&self, i: usize) -> usize {
        self.entries[i].stack_len as usize
    }

    /// The `i`th sample's stack, copied into `into` (cleared first).
    fn stack_into(&self, i: usize, mut into: Vec<u32>) -> Vec<u32> {
        let e = self.entries[i];
        into.clear();
        into.extend_from_slice(&self.stacks[e.stack_at..e.stack_at + e.stack_len as usize]);
        into
    }

    /// The samples in order.
    pub fn iter(&self) -> SamplesIter<'_> {
        SamplesIter { samples: self, next: 0 }
    }

    /// Stores `sample` after the others.
    pub fn push(&mut self, sample: Sample) {
        let labels = self.label_set((sample.labels, sample.num_labels));
        let at = self.stacks.len();
        self.stacks.extend(sample.locations.iter().map(|&l| location_u32(l)));
        self.push_entry(at, &sample.values, labels);
    }

    /// Stores a sample whose stack is `stack` and whose labels are the
    /// label set numbered `labels` (see [`Samples::label_set`]).
    fn push_parts(&mut self, stack: &[u32], values: &[i64], labels: u32) {
        let at = self.stacks.len();
        self.stacks.extend_from_slice(stack);
        self.push_entry(at, values, labels);
    }

    fn push_entry(&mut self, stack_at: usize, values: &[i64], labels: u32) {
        if self.entries.is_empty() {
            self.width = values.len();
        } else if values.len() != self.width && self.other_width.is_none() {
            self.other_width = Some(values.len());
        }
        let n = values.len().min(self.width);
        self.values.extend_from_slice(&values[..n]);
        self.values.resize(self.values.len() + self.width - n, 0);
        let stack_len = u32::try_from(self.stacks.len() - stack_at).expect("a stack of < 2^32");
        self.entries.push(Entry { stack_at, stack_len, labels });
    }

    /// The number of a label set, stored on first sight: equal sets get
    /// the same number.
    fn label_set(&mut self, set: LabelSet) -> u32 {
        if let Some(&i) = self.label_index.get(&set) {
            return i;
        }
        let i = u32::try_from(self.label_sets.len()).expect("fewer than 2^32 label sets");
        self.label_sets.push(set.clone());
        self.label_index.insert(set, i);
        i
    }

    /// The number of the `i`th sample's label set.
    fn labels_of(&self, i: usize) -> u32 {
        self.entries[i].labels
    }

    /// The `i`th sample's values, to change them.
    fn values_mut(&mut self, i: usize) -> &mut [i64] {
        &mut self.values[i * self.width..(i + 1) * self.width]
    }

    /// Drops the `n` leaf-most locations of the `i`th sample's stack.
    fn drop_leaf_frames(&mut self, i: usize, n: usize) {
        let e = &mut self.entries[i];
        let n = n.min(e.stack_len as usize);
        e.stack_at += n;
        e.stack_len -= n as u32;
    }

    /// The value count of the first sample that does not have `n` values.
    fn mismatch(&self, n: usize) -> Option<usize> {
        if self.is_empty() {
            None
        } else if self.width != n {
            Some(self.width)
        } else {
            self.other_width
        }
    }
}

impl PartialEq for Samples {
    fn eq(&self, other: &Samples) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Samples {}

/// The samples of [`Samples`] in order.
pub struct SamplesIter<'a> {
    samples: &'a Samples,
    next: usize,
}

impl<'a> Iterator for SamplesIter<'a> {
    type Item = SampleRef<'a>;

    fn next(&mut self) -> Option<SampleRef<'a>> {
        let i = self.next;
        (i < self.samples.len()).then(|| {
            self.next += 1;
            self.samples.get(i)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.samples.len() - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for SamplesIter<'_> {}

impl<'a> IntoIterator for &'a Samples {
    type Item = SampleRef<'a>;
    type IntoIter = SamplesIter<'a>;

    fn into_iter(self) -> SamplesIter<'a> {
        self.iter()
    }
}

impl FromIterator<Sample> for Samples {
    fn from_iter<I: IntoIterator<Item = Sample>>(iter: I) -> Samples {
        let mut samples = Samples::default();
        for s in iter {
            samples.push(s);
        }
        samples
    }
}

/// A binary (or other mapped object) of the profiled process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    /// The mapping's id in the profile (1-based; 0 for none).
    pub id: u64,
    /// Where the mapping starts in the address space.
    pub start: u64,
    /// Where it ends (exclusive).
    pub limit: u64,
    /// The file offset of its start.
    pub offset: u64,
    /// The mapped file (the binary's path).
    pub file: String,
    /// The binary's build id, if known.
    pub build_id: String,
    /// True when its locations were symbolized to functions.
    pub has_functions: bool,
    /// True when its locations carry file names.
    pub has_filenames: bool,
    /// True when its locations carry line numbers.
    pub has_line_numbers: bool,
    /// True when its locations carry inlined frames.
    pub has_inline_frames: bool,
}

/// One line of a location: a function (index into
/// [`Profile::functions`]) and a line number. Inlined calls give a location
/// several lines, the innermost first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Line {
    /// Index into [`Profile::functions`], if the line names a function.
    pub function: Option<usize>,
    /// The source line number (0 when unknown).
    pub line: i64,
}

/// A program counter and what it symbolizes to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The location's id in the profile (1-based).
    pub id: u64,
    /// Index into [`Profile::mappings`].
    pub mapping: Option<usize>,
    /// The instruction address (0 when unknown).
    pub address: u64,
    /// Its source lines, the innermost (inlined) first as the profile orders them.
    pub lines: Vec<Line>,
    /// True when several addresses were folded into this location.
    pub is_folded: bool,
}

/// A function.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Function {
    /// The function's id in the profile (1-based).
    pub id: u64,
    /// Its name as pprof prints it (`main.(*T).f`).
    pub name: String,
    /// Its symbol name (mangled, for C++).
    pub system_name: String,
    /// The source file it is in.
    pub filename: String,
    /// The line where it starts.
    pub start_line: i64,
}

/// A profile, as pprof's Go `profile.Profile` holds it after decoding:
/// strings resolved, references as indexes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// What each sample's values measure, in order.
    pub sample_types: Vec<ValueType>,
    /// The sample type pprof shows by default (`inuse_space`), or empty.
    pub default_sample_type: String,
    /// The samples.
    pub samples: Samples,
    /// The mapped binaries.
    pub mappings: Vec<Mapping>,
    /// The locations the samples' stacks point to.
    pub locations: Vec<Location>,
    /// The functions the locations' lines point to.
    pub functions: Vec<Function>,
    /// Free-text comments of the profile.
    pub comments: Vec<String>,
    /// A regex of frames pprof drops from the stacks, with all below.
    pub drop_frames: String,
    /// A regex of frames kept despite `drop_frames`.
    pub keep_frames: String,
    /// When the profile was taken, in nanoseconds since the Unix epoch.
    pub time_nanos: i64,
    /// How long it was taken over, in nanoseconds.
    pub duration_nanos: i64,
    /// What the sampling period measures.
    pub period_type: ValueType,
    /// The sampling period, in `period_type` units.
    pub period: i64,
}

/// Why bytes are not a usable profile. The messages follow pprof's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileError {
    /// The protobuf itself does not decode (cut short, damaged).
    Protobuf(String),
    /// It decodes, but breaks one of pprof's rules (`CheckValid`, string
    /// indexes, concatenated profiles).
    Malformed(String),
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::Protobuf(e) => {
                write!(f, "damaged pprof profile: protobuf decoding failed ({e}); truncated?")
            }
            ProfileError::Malformed(e) => write!(f, "malformed pprof profile: {e}"),
        }
    }
}

impl std::error::Error for ProfileError {}

fn malformed(msg: impl Into<String>) -> ProfileError {
    ProfileError::Malformed(msg.into())
}

/// Decodes an uncompressed protobuf profile, resolving strings and ids as
/// pprof's `postDecode` does, and checks it with `Profile::check_valid`.
pub fn decode(data: &[u8]) -> Result<Profile, ProfileError> {
    if data.is_empty() {
        return Err(malformed("empty input file"));
    }
    if wire::is_concatenated(data) {
        return Err(malformed("concatenated profiles detected"));
    }
    let raw = proto::Profile::decode(data).map_err(|e| ProfileError::Protobuf(e.to_string()))?;
    let profile = from_proto(raw)?;
    profile.check_valid().map_err(malformed)?;
    Ok(profile)
}

/// An input error that names the file (`FILE: message`, exit status 2).
pub(crate) fn input_error(path: &str, msg: impl fmt::Display) -> crate::error::Error {
    crate::error::Error::input(path, 0, msg)
}

/// Decodes a binary profile (already gunzipped) and reports it at the
/// sample index pprof's `-sample_index` would choose.
pub fn open(
    name: &str,
    data: &[u8],
    sample_index: Option<&str>,
) -> crate::error::Result<source::ProfileSource> {
    let profile = load(data).map_err(|e| input_error(name, e))?;
    source::ProfileSource::prepared(name, profile, sample_index).map_err(|e| input_error(name, e))
}

/// Decodes an uncompressed protobuf profile and prepares it as `go tool
/// pprof` does on loading: the same result as [`load::prepare`] of
/// [`decode`], in one pass over the samples. The tables (strings,
/// mappings, locations, functions) are decoded first; then each sample is
/// decoded on its own, straight from the bytes, and handed to the merge
/// (`merge::Merger`), so no decoded copy of all samples is ever held.
pub fn load(data: &[u8]) -> Result<Profile, ProfileError> {
    if data.is_empty() {
        return Err(malformed("empty input file"));
    }
    if wire::is_concatenated(data) {
        return Err(malformed("concatenated profiles detected"));
    }
    let damaged = |at: usize| ProfileError::Protobuf(format!("damaged field at byte {at}"));
    let is_sample = |f: &wire::Field<'_>| f.number == 2 && f.wire == 2;
    let mut raw = proto::Profile::default();
    // The samples, and a bound on their frames (a location id takes at
    // least a byte), for room made once.
    let (mut samples, mut sample_bytes) = (0usize, 0usize);
    for field in wire::fields(data) {
        let field = field.map_err(damaged)?;
        if !is_sample(&field) {
            raw.merge(field.raw).map_err(|e| ProfileError::Protobuf(e.to_string()))?;
        } else {
            samples += 1;
            sample_bytes += field.payload.len();
        }
    }
    let (mut tables, mut resolver) = Resolver::tables(&raw)?;
    resolver.meta(&raw, &mut tables)?;
    load::add_fake_mapping(&mut tables);
    let types = tables.sample_types.len();
    let (mut count, mut mismatch) = (0usize, None);
    let mut merger = merge::Merger::new(&tables);
    merger.reserve(samples, sample_bytes);
    let mut scratch = Scratch::default();
    for field in wire::fields(data) {
        let field = field.map_err(damaged)?;
        if !is_sample(&field) {
            continue;
        }
        let set = resolver.sample_bytes(field.payload, &mut scratch)?;
        count += 1;
        if scratch.values.len() != types {
            mismatch.get_or_insert(scratch.values.len());
            continue;
        }
        let (labels, num_labels) = &resolver.sets[set as usize];
        merger.add(&scratch.locations, &scratch.values, set, labels, num_labels);
    }
    let merged = merger.finish();
    if types == 0 && count > 0 {
        return Err(malformed("missing sample type information"));
    }
    if let Some(n) = mismatch {
        return Err(malformed(format!("mismatch: sample has {n} values vs. {types} types")));
    }
    tables.check_valid().map_err(malformed)?;
    Ok(load::finish(merged))
}

/// One sample as decoded from its bytes: source location indexes, values,
/// and its labels as written (key, str, num, num_unit). Reused from one
/// sample to the next.
#[derive(Default)]
struct Scratch {
    locations: Vec<u32>,
    values: Vec<i64>,
    labels: Vec<[i64; 4]>,
}

/// Location ids to indexes: a table by id when the ids are dense (as
/// every profile writer numbers them), else a hash map.
enum IdIndex {
    Dense(Vec<u32>),
    Sparse(FxHashMap<u64, u32>),
}

impl IdIndex {
    const NONE: u32 = u32::MAX;

    fn new(ids: impl ExactSizeIterator<Item = u64> + Clone) -> IdIndex {
        let n = ids.len();
        let max = ids.clone().max().unwrap_or(0);
        // Ids resolve to the last element with that id, as Go's lookup
        // tables do; duplicates are rejected by check_valid anyway.
        if n < u32::MAX as usize && max <= (2 * n as u64).saturating_add(1024) {
            let mut table = vec![Self::NONE; max as usize + 1];
            for (i, id) in ids.enumerate() {
                table[id as usize] = i as u32;
            }
            IdIndex::Dense(table)
        } else {
            IdIndex::Sparse(ids.enumerate().map(|(i, id)| (id, location_u32(i))).collect())
        }
    }

    fn get(&self, id: u64) -> Option<u32> {
        match self {
            IdIndex::Dense(t) => usize::try_from(id)
                .ok()
                .and_then(|i| t.get(i))
                .copied()
                .filter(|&i| i != Self::NONE),
            IdIndex::Sparse(m) => m.get(&id).copied(),
        }
    }
}

/// A protobuf varint at `*pos`, as prost reads one (at most 10 bytes, the
/// last one at most 1).
#[inline(always)]
fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for i in 0..10 {
        let byte = *data.get(*pos)?;
        *pos += 1;
        if i == 9 && byte > 1 {
            return None;
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Decodes `message Sample` from its bytes into `out` (location ids
/// unresolved, in `out.locations` as read: only ids below 2^32 fit, else
/// `None`), or `None` for anything but the plain encodings of its fields.
fn decode_sample(data: &[u8], ids: &mut Vec<u64>, out: &mut Scratch) -> Option<()> {
    ids.clear();
    out.values.clear();
    out.labels.clear();
    let mut pos = 0;
    while pos < data.len() {
        let key = varint(data, &mut pos)?;
        let (number, wire) = (key >> 3, key & 7);
        match (number, wire) {
            (1 | 2, 0) => {
                let v = varint(data, &mut pos)?;
                if number == 1 {
                    ids.push(v);
                } else {
                    out.values.push(v as i64);
                }
            }
            (1 | 2, 2) => {
                let len = usize::try_from(varint(data, &mut pos)?).ok()?;
                let end = pos.checked_add(len).filter(|&e| e <= data.len())?;
                let packed = &data[..end];
                while pos < end {
                    let v = varint(packed, &mut pos)?;
                    if number == 1 {
                        ids.push(v);
                    } else {
                        out.values.push(v as i64);
                    }
                }
            }
            (3, 2) => {
                let len = usize::try_from(varint(data, &mut pos)?).ok()?;
                let end = pos.checked_add(len).filter(|&e| e <= data.len())?;
                let mut label = [0i64; 4];
                while pos < end {
                    let key = varint(&data[..end], &mut pos)?;
                    let v =
                        if key & 7 == 0 { varint(&data[..end], &mut pos)? } else { return None };
                    if let 1..=4 = key >> 3 {
                        label[(key >> 3) as usize - 1] = v as i64;
                    }
                }
                out.labels.push(label);
            }
            (0..=3, _) => return None,
            (_, 0) => {
                varint(data, &mut pos)?;
            }
            (_, 1 | 5) => {
                pos = pos.checked_add(if wire == 1 { 8 } else { 4 })?;
            }
            (_, 2) => {
                let len = usize::try_from(varint(data, &mut pos)?).ok()?;
                pos = pos.checked_add(len)?;
            }
            _ => return None,
        }
        if pos > data.len() {
            return None;
        }
    }
    Some(())
}

/// What resolving a sample needs: the strings and the locations by id.
struct Resolver {
    strings: Vec<String>,
    location_index: IdIndex,
    /// The label sets seen, numbered by their labels as written (key, str,
    /// num, num_unit), shared by the samples that carry them.
    label_sets: FxHashMap<Vec<[i64; 4]>, u32>,
    sets: Vec<LabelSet>,
    /// Location ids of the sample being decoded.
    ids: Vec<u64>,
}

impl Resolver {
    fn get(&self, i: i64) -> Result<String, ProfileError> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.strings.get(i))
            .cloned()
            .ok_or_else(|| malformed(format!("malformed profile format (string index {i})")))
    }

    /// The mappings, functions, locations and sample types of `raw` (no
    /// samples, none of the fields after them).
    fn tables(raw: &proto::Profile) -> Result<(Profile, Resolver), ProfileError> {
        let strings: Vec<String> =
            raw.string_table.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect();
        if strings.is_empty() {
            return Err(malformed("no string table (cut short?)"));
        }
        if strings.first().is_some_and(|s| !s.is_empty()) {
            return Err(malformed("string_table[0] must be ''"));
        }
        let r = Resolver {
            strings,
            location_index: IdIndex::new(raw.location.iter().map(|l| l.id)),
            label_sets: FxHashMap::default(),
            sets: Vec::new(),
            ids: Vec::new(),
        };
        let mut p = Profile::default();
        // Ids resolve to the last element with that id, as Go's lookup
        // tables do; duplicates are rejected by check_valid anyway.
        let mut mapping_index = std::collections::HashMap::new();
        for m in &raw.mapping {
            mapping_index.insert(m.id, p.mappings.len());
            p.mappings.push(Mapping {
                id: m.id,
                start: m.memory_start,
                limit: m.memory_limit,
                offset: m.file_offset,
                file: r.get(m.filename)?,
                build_id: r.get(m.build_id)?,
                has_functions: m.has_functions,
                has_filenames: m.has_filenames,
                has_line_numbers: m.has_line_numbers,
                has_inline_frames: m.has_inline_frames,
            });
        }
        let mut function_index = std::collections::HashMap::new();
        for f in &raw.function {
            function_index.insert(f.id, p.functions.len());
            p.functions.push(Function {
                id: f.id,
                name: r.get(f.name)?,
                system_name: r.get(f.system_name)?,
                filename: r.get(f.filename)?,
                start_line: f.start_line,
            });
        }
        for l in &raw.location {
            let lines = l
                .line
                .iter()
                .map(|ln| Line {
                    function: if ln.function_id == 0 {
                        None
                    } else {
                        function_index.get(&ln.function_id).copied()
                    },
                    line: ln.line,
                })
                .collect();
            p.locations.push(Location {
                id: l.id,
                mapping: mapping_index.get(&l.mapping_id).copied(),
                address: l.address,
                lines,
                is_folded: l.is_folded,
            });
        }
        for st in &raw.sample_type {
            p.sample_types.push(ValueType { ty: r.get(st.r#type)?, unit: r.get(st.unit)? });
        }
        Ok((p, r))
    }

    /// The number of a sample's label set, given its labels as written.
    fn label_set(&mut self, written: &[[i64; 4]]) -> Result<u32, ProfileError> {
        if let Some(&i) = self.label_sets.get(written) {
            return Ok(i);
        }
        let (labels, num_labels) = self.labels(written)?;
        let i = u32::try_from(self.sets.len()).expect("fewer than 2^32 label sets");
        self.sets.push((Arc::new(labels), Arc::new(num_labels)));
        self.label_sets.insert(written.to_vec(), i);
        Ok(i)
    }

    /// One sample: labels by key (empty string values and unitless zero
    /// numbers dropped), locations as indexes.
    fn sample(&mut self, s: proto::Sample) -> Result<Sample, ProfileError> {
        let written: Vec<[i64; 4]> =
            s.label.iter().map(|l| [l.key, l.str, l.num, l.num_unit]).collect();
        let set = self.label_set(&written)?;
        let (labels, num_labels) = self.sets[set as usize].clone();
        let mut sample = Sample { values: s.value, labels, num_labels, locations: Vec::new() };
        sample.locations.reserve(s.location_id.len());
        for &id in &s.location_id {
            match self.location_index.get(id) {
                Some(i) => sample.locations.push(i as usize),
                None => return Err(malformed("sample has nil location")),
            }
        }
        Ok(sample)
    }

    /// One sample decoded straight from its bytes into `out` (locations as
    /// indexes); gives the number of its label set.
    fn sample_bytes(&mut self, data: &[u8], out: &mut Scratch) -> Result<u32, ProfileError> {
        let mut ids = std::mem::take(&mut self.ids);
        if decode_sample(data, &mut ids, out).is_none() {
            // Anything unusual (or damaged) is left to prost, for its
            // reading and its error messages.
            let s =
                proto::Sample::decode(data).map_err(|e| ProfileError::Protobuf(e.to_string()))?;
            ids.clear();
            ids.extend_from_slice(&s.location_id);
            out.values.clear();
            out.values.extend_from_slice(&s.value);
            out.labels.clear();
            out.labels.extend(s.label.iter().map(|l| [l.key, l.str, l.num, l.num_unit]));
        }
        // Labels first, then locations: the order of the errors.
        let set = self.label_set(&out.labels)?;
        out.locations.clear();
        for &id in &ids {
            match self.location_index.get(id) {
                Some(i) => out.locations.push(i),
                None => return Err(malformed("sample has nil location")),
            }
        }
        self.ids = ids;
        Ok(set)
    }

    /// A sample's labels by key: string labels with an empty value and
    /// numeric ones that are zero without a unit are dropped.
    fn labels(&self, written: &[[i64; 4]]) -> Result<(Labels, NumLabels), ProfileError> {
        let (mut labels, mut num_labels) = (Labels::new(), NumLabels::new());
        for &[key, str, num, num_unit] in written {
            let key = self.get(key)?;
            if str != 0 {
                labels.entry(key).or_default().push(self.get(str)?);
            } else if num != 0 || num_unit != 0 {
                let entry = num_labels.entry(key).or_default();
                if num_unit != 0 {
                    let unit = self.get(num_unit)?;
                    entry.units.resize(entry.values.len(), String::new());
                    entry.units.push(unit);
                }
                entry.values.push(num);
            }
        }
        for entry in num_labels.values_mut() {
            if !entry.units.is_empty() {
                entry.units.resize(entry.values.len(), String::new());
            }
        }
        Ok((labels, num_labels))
    }

    /// The fields after the samples: frames to drop and keep, period,
    /// comments, default sample type, times.
    fn meta(&self, raw: &proto::Profile, p: &mut Profile) -> Result<(), ProfileError> {
        p.drop_frames = self.get(raw.drop_frames)?;
        p.keep_frames = self.get(raw.keep_frames)?;
        if let Some(pt) = &raw.period_type {
            p.period_type = ValueType { ty: self.get(pt.r#type)?, unit: self.get(pt.unit)? };
        }
        for &c in &raw.comment {
            p.comments.push(self.get(c)?);
        }
        p.default_sample_type = self.get(raw.default_sample_type)?;
        p.time_nanos = raw.time_nanos;
        p.duration_nanos = raw.duration_nanos;
        p.period = raw.period;
        Ok(())
    }
}

/// `postDecode`: string indexes to strings, ids to indexes.
fn from_proto(mut raw: proto::Profile) -> Result<Profile, ProfileError> {
    let (mut p, mut resolver) = Resolver::tables(&raw)?;
    for s in std::mem::take(&mut raw.sample) {
        p.samples.push(resolver.sample(s)?);
    }
    resolver.meta(&raw, &mut p)?;
    Ok(p)
}

impl Profile {
    /// pprof's `CheckValid`: value counts match the sample types, ids are
    /// non-zero and unique, every line has a function.
    pub(crate) fn check_valid(&self) -> Result<(), String> {
        let n = self.sample_types.len();
        if n == 0 && !self.samples.is_empty() {
            return Err("missing sample type information".into());
        }
        if let Some(m) = self.samples.mismatch(n) {
            return Err(format!("mismatch: sample has {m} values vs. {n} types"));
        }
        let mut seen = std::collections::HashSet::new();
        for m in &self.mappings {
            if m.id == 0 {
                return Err("found mapping with reserved ID=0".into());
            }
            if !seen.insert(m.id) {
                return Err(format!("multiple mappings with same id: {}", m.id));
            }
        }
        seen.clear();
        for f in &self.functions {
            if f.id == 0 {
                return Err("found function with reserved ID=0".into());
            }
            if !seen.insert(f.id) {
                return Err(format!("multiple functions with same id: {}", f.id));
            }
        }
        seen.clear();
        for l in &self.locations {
            if l.id == 0 {
                return Err("found location with reserved id=0".into());
            }
            if !seen.insert(l.id) {
                return Err(format!("multiple locations with same id: {}", l.id));
            }
            if l.lines.iter().any(|ln| ln.function.is_none()) {
                return Err(format!("location id: {} has a line with nil function", l.id));
            }
        }
        Ok(())
    }

    /// pprof's `SampleIndexByName`: empty means the default sample type,
    /// else the last; a number is an index; a name may omit `inuse_`.
    pub fn sample_index(&self, name: &str) -> Result<usize, String> {
        let types: Vec<&str> = self.sample_types.iter().map(|t| t.ty.as_str()).collect();
        if name.is_empty() {
            if !self.default_sample_type.is_empty() {
                if let Some(i) = types.iter().position(|t| *t == self.default_sample_type) {
                    return Ok(i);
                }
            }
            return types.len().checked_sub(1).ok_or_else(|| "profile has no samples".into());
        }
        if let Ok(i) = name.parse::<i64>() {
            return usize::try_from(i).ok().filter(|&i| i < types.len()).ok_or_else(|| {
                format!("sample_index {name} is outside the range [0..{}]", types.len() as i64 - 1)
            });
        }
        let no_inuse = name.strip_prefix("inuse_").unwrap_or(name);
        types
            .iter()
            .position(|t| *t == name || *t == no_inuse)
            .ok_or_else(|| format!("sample_index {name:?} must be one of: [{}]", types.join(" ")))
    }

    /// pprof's `NumLabelUnits`: per numeric label key, the first unit seen;
    /// without one, `bytes` for `alignment` and `request`, else the key.
    pub(crate) fn num_label_units(&self) -> BTreeMap<String, String> {
        // The label sets in order of first use by a sample: what a walk
        // over the samples sees first.
        let sets = &self.samples.label_sets;
        let mut units: BTreeMap<String, String> = BTreeMap::new();
        for (_, num_labels) in sets {
            for (key, label) in num_labels.iter() {
                if units.contains_key(key) {
                    continue;
                }
                if let Some(unit) = label.units.iter().find(|u| !u.is_empty()) {
                    units.insert(key.clone(), unit.clone());
                }
            }
        }
        for (_, num_labels) in sets {
            for key in num_labels.keys() {
                if units.contains_key(key) {
                    continue;
                }
                units.insert(
                    key.clone(),
                    match key.as_str() {
                        "alignment" | "request" => "bytes".to_owned(),
                        _ => key.clone(),
                    },
                );
            }
        }
        units
    }
}

/// Adds, for the tests, one function per name and one location per
/// function (address and line: its 1-based index).
#[cfg(test)]
pub(crate) fn add_test_functions(p: &mut Profile, names: &[&str]) {
    for (i, name) in names.iter().enumerate() {
        let id = i as u64 + 1;
        p.functions.push(Function { id, name: (*name).into(), ..Default::default() });
        p.locations.push(Location {
            id,
            address: id,
            lines: vec![Line { function: Some(i), line: id as i64 }],
            ..Default::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(p: &proto::Profile) -> Vec<u8> {
        p.encode_to_vec()
    }

    fn strings(s: &[&str]) -> Vec<Vec<u8>> {
        s.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    fn small() -> proto::Profile {
        proto::Profile {
            sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
            sample: vec![proto::Sample {
                location_id: vec![1],
                value: vec![7],
                label: vec![
                    proto::Label { key: 3, str: 4, ..Default::default() },
                    proto::Label { key: 5, num: 0, ..Default::default() },
                    proto::Label { key: 5, num: 9, num_unit: 0, ..Default::default() },
                    proto::Label { key: 3, str: 0, ..Default::default() },
                ],
            }],
            location: vec![proto::Location {
                id: 1,
                line: vec![proto::Line { function_id: 1, line: 3 }],
                ..Default::default()
            }],
            function: vec![proto::Function { id: 1, name: 6, ..Default::default() }],
            string_table: strings(&["", "objects", "count", "k", "v", "n", "main.f"]),
            ..Default::default()
        }
    }

    #[test]
    fn decodes_like_post_decode() {
        let p = decode(&encode(&small())).unwrap();
        assert_eq!(p.sample_types, [ValueType { ty: "objects".into(), unit: "count".into() }]);
        let s = p.samples.get(0);
        assert_eq!(s.labels["k"], ["v"]);
        // The zero number without unit is dropped, as in Go.
        assert_eq!(s.num_labels["n"], NumLabel { values: vec![9], units: vec![] });
        assert_eq!(p.functions[p.locations[0].lines[0].function.unwrap()].name, "main.f");
        assert_eq!(p.sample_index("").unwrap(), 0);
        assert_eq!(p.sample_index("inuse_objects").unwrap(), 0);
        assert!(p.sample_index("2").unwrap_err().contains("outside the range [0..0]"));
        assert!(p.sample_index("space").unwrap_err().contains("must be one of: [objects]"));
    }

    #[test]
    fn rejects_what_pprof_rejects() {
        let mut bad = small();
        bad.sample[0].value.push(1);
        assert!(decode(&encode(&bad)).unwrap_err().to_string().contains("2 values vs. 1 types"));
        let mut bad = small();
        bad.sample[0].location_id = vec![9];
        assert!(decode(&encode(&bad)).unwrap_err().to_string().contains("nil location"));
        let mut bad = small();
        bad.string_table[0] = b"x".to_vec();
        assert!(decode(&encode(&bad)).unwrap_err().to_string().contains("string_table[0]"));
        let mut bad = small();
        bad.function[0].name = 99;
        assert!(decode(&encode(&bad)).unwrap_err().to_string().contains("string index 99"));
        let bytes = encode(&small());
        let cut = decode(&bytes[..bytes.len() - 3]).unwrap_err();
        assert!(matches!(cut, ProfileError::Protobuf(_)), "{cut}");
        assert!(decode(&[]).is_err());
    }

    #[test]
    fn load_is_prepare_of_decode() {
        use std::io::Read;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut seen = 0;
        for kind in std::fs::read_dir(&dir).unwrap() {
            let kind = kind.unwrap().path();
            let Ok(files) = std::fs::read_dir(&kind) else { continue };
            for file in files {
                let file = file.unwrap().path();
                if !file.to_string_lossy().ends_with(".pb.gz") {
                    continue;
                }
                let mut data = Vec::new();
                let gz = std::fs::File::open(&file).unwrap();
                flate2::read::GzDecoder::new(gz).read_to_end(&mut data).unwrap();
                let want = load::prepare(decode(&data).unwrap());
                assert_eq!(load(&data).unwrap(), want, "{}", file.display());
                seen += 1;
            }
        }
        assert!(seen >= 10, "only {seen} sample profiles");
        // The same errors, in the same words, on damaged and invalid input.
        let mut bad = small();
        bad.sample[0].value.push(1);
        assert!(load(&encode(&bad)).unwrap_err().to_string().contains("2 values vs. 1 types"));
        let mut bad = small();
        bad.sample[0].location_id = vec![9];
        assert!(load(&encode(&bad)).unwrap_err().to_string().contains("nil location"));
        let mut bad = small();
        bad.location.push(bad.location[0].clone());
        assert!(load(&encode(&bad)).unwrap_err().to_string().contains("multiple locations"));
        let bytes = encode(&small());
        let cut = load(&bytes[..bytes.len() - 3]).unwrap_err();
        assert!(matches!(cut, ProfileError::Protobuf(_)), "{cut}");
        assert!(load(&[]).is_err());
    }

    #[test]
    fn num_label_units_first_seen_else_by_key() {
        let mut p = Profile::default();
        let mut s = Sample::default();
        let num_labels = Arc::make_mut(&mut s.num_labels);
        num_labels.insert("bytes".into(), NumLabel { values: vec![1], units: vec![] });
        num_labels.insert("request".into(), NumLabel { values: vec![1], units: vec![] });
        num_labels.insert(
            "lat".into(),
            NumLabel { values: vec![1, 2], units: vec!["".into(), "ms".into()] },
        );
        p.samples.push(s);
        let u = p.num_label_units();
        assert_eq!(
            (u["bytes"].as_str(), u["request"].as_str(), u["lat"].as_str()),
            ("bytes", "bytes", "ms")
        );
    }
}
