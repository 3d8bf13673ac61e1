//! A pprof profile (`profile.proto`) rebuilt from a traces report
//! ([`export`]), so that `go tool pprof` and every tool that reads pprof
//! profiles can read it again (`traces-tool export` gzips and writes it).
//!
//! What goes where:
//!
//! - one sample per record, in the report's order, with one value of the
//!   sample type the header names (`Type: inuse_space` in `bytes`, `cpu` in
//!   `nanoseconds`, counts in `count`);
//! - one location per run of frames a call site holds: inlined frames
//!   (` (inline)`) are lines of the location of their caller, as pprof
//!   stores them, so `go tool pprof -traces` prints ` (inline)` again;
//! - one function per name (and file, for reports printed with `-lines`);
//!   `-lines` and `-addresses` frames give the line numbers and addresses;
//! - labels whose values read as pprof amounts with a unit (`352B`, `10ms`)
//!   in every sample become numeric labels with that unit (`bytes`,
//!   `nanoseconds`), the others string labels;
//! - `File:` and `Build ID:` make the main mapping, other header lines the
//!   comments, `Time:` and `Duration:` the profile's time and duration.
//!
//! The message is built from the types of [`crate::read::profile::proto`];
//! prost encodes it. The samples are read into one flat table (each
//! sample's location ids in one arena, its labels as interned texts in
//! another), functions and locations interned as they come; the strings
//! are numbered afterwards in the order the samples first use them.
//! [`write_export`] streams the gzipped profile from that table, sample by
//! sample, in the bytes [`export`]'s message encodes to, without holding
//! the `Profile` message's samples.

use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};
use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;
use prost::Message;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::analysis::facts::UnitContext;
use crate::analysis::scan::{scan, Inputs};
use crate::error::Result;
use crate::frame::FrameText;
use crate::gotime::parse_header_time;
use crate::read::profile::proto;
use crate::record::{Header, HeaderField, NameId, Names, Record};
use crate::units::{format_centi, parse_value, percentage, Dimension, Value};

/// A profile rebuilt from a report, and what was lost on the way.
#[derive(Clone, Debug, Default)]
pub struct ExportReport {
    /// The `Profile` message, ready for prost to encode
    /// (`prost::Message::encode_to_vec`; pprof's files are gzipped).
    pub profile: proto::Profile,
    /// How many samples were read (one sample of the profile each).
    pub samples: usize,
    /// Stderr notes: what lenient reading skipped, values rounded by pprof,
    /// a time or duration that could not be read.
    pub notes: Vec<String>,
}

/// What [`write_export`] wrote.
#[derive(Clone, Debug, Default)]
pub struct ExportSummary {
    /// How many samples were read (one sample of the profile each).
    pub samples: usize,
    /// Stderr notes, as [`ExportReport::notes`].
    pub notes: Vec<String>,
}

/// Reads the inputs (after the filters) into a pprof profile.
///
/// ```
/// use traces_tool::analysis::export::export;
/// use traces_tool::analysis::scan::Inputs;
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     1536B   main.leaf (inline)\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let dir = std::env::temp_dir().join(format!("export-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("traces.txt");
/// std::fs::write(&path, report)?;
/// let report = export(&Inputs::files([path.to_str().unwrap()]))?;
/// let profile = &report.profile;
/// assert_eq!(profile.sample.len(), 1);
/// assert_eq!(profile.sample[0].value, [1, 1536]); // one block, 1536 bytes
/// // The inlined frame is a line of its caller's location.
/// assert_eq!(profile.location.len(), 1);
/// assert_eq!(profile.location[0].line.len(), 2);
/// let string = |i: i64| String::from_utf8_lossy(&profile.string_table[i as usize]).into_owned();
/// assert_eq!(string(profile.sample_type[1].r#type), "inuse_space");
/// assert_eq!(string(profile.sample_type[1].unit), "bytes");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export(inputs: &Inputs) -> Result<ExportReport> {
    let (mut built, mut notes) = read(inputs)?;
    let mut profile = built.finish(&mut notes);
    let samples = built.table.len();
    profile.sample.reserve_exact(samples);
    for k in 0..samples {
        profile.sample.push(built.sample(k));
    }
    Ok(ExportReport { profile, samples, notes })
}

/// Writes the gzipped profile [`export`] builds (the same bytes that
/// `export(inputs)?.profile.encode_to_vec()` gzipped at the default level
/// gives) to `out`, encoding the samples one at a time from the flat
/// table: memory holds the table, the functions, locations and strings,
/// never the `Profile` message's samples nor the whole encoded message.
///
/// ```
/// use prost::Message;
/// use traces_tool::analysis::export::{export, write_export};
/// use traces_tool::analysis::scan::Inputs;
/// use traces_tool::read::profile::proto;
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     1536B   main.leaf\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let dir = std::env::temp_dir().join(format!("write-export-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("traces.txt");
/// std::fs::write(&path, report)?;
/// let inputs = Inputs::files([path.to_str().unwrap()]);
/// let mut gz = Vec::new();
/// let summary = write_export(&inputs, &mut gz)?;
/// assert_eq!(summary.samples, 1);
/// let mut bytes = Vec::new();
/// std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut bytes)?;
/// assert_eq!(proto::Profile::decode(&bytes[..])?, export(&inputs)?.profile);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_export(inputs: &Inputs, out: &mut dyn Write) -> Result<ExportSummary> {
    let (mut built, mut notes) = read(inputs)?;
    let profile = built.finish(&mut notes);
    // prost writes the fields in the order of their tags: the sample types
    // (1), the samples (2), then the rest. Encoded without samples, the
    // message is the sample types' bytes and the rest's.
    let head = proto::Profile { sample_type: profile.sample_type.clone(), ..Default::default() }
        .encoded_len();
    let rest = profile.encode_to_vec();
    drop(profile);
    let mut gz = GzEncoder::new(out, Compression::default());
    gz.write_all(&rest[..head])?;
    let mut buf = Vec::new();
    for k in 0..built.table.len() {
        buf.clear();
        prost::encoding::message::encode(2, &built.sample(k), &mut buf);
        gz.write_all(&buf)?;
    }
    gz.write_all(&rest[head..])?;
    gz.finish()?.flush()?;
    Ok(ExportSummary { samples: built.table.len(), notes })
}

/// Reads the inputs (after the filters) into a [`Builder`], with the read's
/// notes.
fn read(inputs: &Inputs) -> Result<(Builder, Vec<String>)> {
    let mut names = Names::new();
    let mut built = Builder { next_address: SYNTHETIC_ADDRESS, ..Builder::default() };
    let notes = scan(inputs, &mut names, |src, rec, names| {
        if built.header.is_none() {
            built.header = Some(src.header().clone());
        }
        built.units.learn(src, rec);
        built.add(rec, names);
        Ok(())
    })?;
    Ok((built, notes))
}

/// The samples read, flat: each one's location ids in one arena, its
/// labels (key and values, interned) in another, its whole value.
#[derive(Default)]
struct SampleTable {
    /// Where each sample's locations start in `locations`.
    location_starts: Vec<usize>,
    /// Location ids (from 1), leaf first.
    locations: Vec<u32>,
    /// Where each sample's labels start in `labels`.
    label_starts: Vec<usize>,
    /// Label key and values texts, as printed, in [`Builder::texts`].
    labels: Vec<(NameId, NameId)>,
    /// The value exported.
    values: Vec<i64>,
}

impl SampleTable {
    fn len(&self) -> usize {
        self.values.len()
    }

    fn locations(&self, k: usize) -> &[u32] {
        let end = self.location_starts.get(k + 1).copied().unwrap_or(self.locations.len());
        &self.locations[self.location_starts[k]..end]
    }

    fn labels(&self, k: usize) -> &[(NameId, NameId)] {
        let end = self.label_starts.get(k + 1).copied().unwrap_or(self.labels.len());
        &self.labels[self.label_starts[k]..end]
    }
}

/// A sample's locations and labels, as the table holds them.
type SampleKey = (Vec<u32>, Vec<(NameId, NameId)>);

/// The profile as the samples are read: functions and locations interned
/// in the order they are first met (their ids final), the samples in a
/// flat table; strings are numbered by [`Builder::finish`].
#[derive(Default)]
struct Builder {
    header: Option<Header>,
    units: UnitContext,
    /// Function names, files, label keys and values.
    texts: Names,
    function_ids: FxHashMap<(NameId, NameId), u64>,
    /// Each function's name and file, and the sample that first used it.
    functions: Vec<(NameId, NameId, usize)>,
    location_ids: FxHashMap<(u64, Vec<(u64, i64)>), u64>,
    locations: Vec<proto::Location>,
    /// The first sample of each hash of locations and labels.
    sample_keys: FxHashMap<u64, u32>,
    /// Keys whose hash an earlier, different key has.
    collided: FxHashSet<SampleKey>,
    next_address: u64,
    table: SampleTable,
    has_files: bool,
    has_lines: bool,
    root_inline: u64,
    rounded: u64,
    /// The first rounded value as the report printed it, quoted in the note.
    first_rounded: Option<String>,
    total: i128,
    base_total: i128,
    group: Vec<(u64, i64)>,
    scratch_locations: Vec<u32>,
    scratch_labels: Vec<(NameId, NameId)>,
    /// Label keys whose values are all amounts with a unit, by key text
    /// (see [`numeric_keys`]); made by [`Builder::finish`].
    numeric: FxHashMap<NameId, Dimension>,
    strings: Strings,
}

impl Builder {
    /// Adds a record: its functions and locations, its sample.
    fn add(&mut self, rec: &Record, names: &Names) {
        let k = self.table.len();
        self.scratch_locations.clear();
        self.group.clear();
        for (i, frame) in rec.frames.iter().enumerate() {
            let parts = FrameText::parse(names.get(frame.name)).parts();
            self.has_files |= !parts.file.is_empty();
            self.has_lines |= parts.line != 0;
            let key = (self.texts.intern(parts.function), self.texts.intern(parts.file));
            let next_id = self.functions.len() as u64 + 1;
            let functions = &mut self.functions;
            let fid = *self.function_ids.entry(key).or_insert_with(|| {
                functions.push((key.0, key.1, k));
                next_id
            });
            self.group.push((fid, parts.line));
            let last = i + 1 == rec.frames.len();
            if !frame.inline || last {
                if frame.inline {
                    self.root_inline += 1;
                }
                let key = (parts.address, std::mem::take(&mut self.group));
                let next_id = self.locations.len() as u64 + 1;
                let locations = &mut self.locations;
                let lid = *self.location_ids.entry(key).or_insert_with_key(|(address, lines)| {
                    locations.push(proto::Location {
                        id: next_id,
                        mapping_id: 1,
                        address: *address,
                        line: lines
                            .iter()
                            .map(|&(function_id, line)| proto::Line { function_id, line })
                            .collect(),
                        is_folded: false,
                    });
                    next_id
                });
                self.scratch_locations.push(lid as u32);
            }
        }
        self.scratch_labels.clear();
        let mut is_base = false;
        for (key, values) in rec.labels() {
            // `true` is no amount: `pprof::base` is never a numeric key.
            is_base |= key == "pprof::base" && values == "true";
            self.scratch_labels.push((self.texts.intern(key), self.texts.intern(values)));
        }
        // pprof merges samples with the same locations and labels when it
        // reads a profile; a report prints such samples apart when their
        // addresses differed. Repeats get a copy of their leaf location at
        // an address of their own, as the original profile had.
        if self.repeats() && !self.scratch_locations.is_empty() {
            let leaf = self.scratch_locations[0] as usize - 1;
            let copy = proto::Location {
                id: self.locations.len() as u64 + 1,
                address: self.next_address,
                ..self.locations[leaf].clone()
            };
            self.next_address += 1;
            self.scratch_locations[0] = copy.id as u32;
            self.locations.push(copy);
        }
        let (v, exact) = whole_value(rec.value, rec.value_text(), &self.units.other);
        if !exact {
            if self.rounded == 0 {
                self.first_rounded = Some(rec.value_text().to_owned());
            }
            self.rounded += 1;
        }
        self.total += i128::from(v).abs();
        if is_base {
            self.base_total += i128::from(v).abs();
        }
        let table = &mut self.table;
        table.location_starts.push(table.locations.len());
        table.locations.extend_from_slice(&self.scratch_locations);
        table.label_starts.push(table.labels.len());
        table.labels.extend_from_slice(&self.scratch_labels);
        table.values.push(v);
    }

    /// True when an earlier sample has the locations and labels of the
    /// one in the scratch lists (which is then remembered).
    fn repeats(&mut self) -> bool {
        let mut h = FxHasher::default();
        self.scratch_locations.hash(&mut h);
        self.scratch_labels.hash(&mut h);
        match self.sample_keys.entry(h.finish()) {
            Entry::Vacant(e) => {
                e.insert(self.table.len() as u32);
                false
            }
            Entry::Occupied(e) => {
                let first = *e.get() as usize;
                if self.table.locations(first) == self.scratch_locations.as_slice()
                    && self.table.labels(first) == self.scratch_labels.as_slice()
                {
                    return true;
                }
                !self.collided.insert((self.scratch_locations.clone(), self.scratch_labels.clone()))
            }
        }
    }

    /// The labels of sample `k`, numbering new strings.
    fn labels(&mut self, k: usize) -> Vec<proto::Label> {
        let mut out = Vec::new();
        let (start, end) = (
            self.table.label_starts[k],
            self.table.label_starts.get(k + 1).copied().unwrap_or(self.table.labels.len()),
        );
        for &(key, values) in &self.table.labels[start..end] {
            let (key_text, values_text) = (self.texts.get(key), self.texts.get(values));
            match self.numeric.get(&key) {
                Some(&label_dim) => {
                    let unit = unit_name(label_dim, &self.units);
                    for token in values_text.split(' ') {
                        let Ok(parsed) = parse_value(token) else { continue };
                        let (n, _) = whole_value(parsed, token, "");
                        out.push(proto::Label {
                            key: self.strings.id(key_text),
                            str: 0,
                            num: n,
                            num_unit: self.strings.id(&unit),
                        });
                    }
                }
                None => out.push(proto::Label {
                    key: self.strings.id(key_text),
                    str: self.strings.id(values_text),
                    ..Default::default()
                }),
            }
        }
        out
    }

    /// Sample `k` of the profile (its strings numbered by `finish`).
    fn sample(&mut self, k: usize) -> proto::Sample {
        proto::Sample {
            location_id: self.table.locations(k).iter().map(|&l| u64::from(l)).collect(),
            value: vec![1, self.table.values[k]],
            label: self.labels(k),
        }
    }

    /// The profile without its samples, every string numbered in the
    /// order the samples first use it; notes on what was lost.
    fn finish(&mut self, notes: &mut Vec<String>) -> proto::Profile {
        let header = self.header.take().unwrap_or_default();
        let mut strings = Strings::new();
        let dim = self.units.dimension();
        let unit = unit_name(dim, &self.units);
        let sample_type = header.sample_type().unwrap_or("").to_owned();
        let mut profile = proto::Profile::default();

        // `blocks` (1 per sample, so that pprof, which drops samples whose
        // values are all zero, keeps the zero samples of the report), then
        // the report's type, the default.
        for (name, unit) in [(BLOCKS, "count"), (sample_type.as_str(), unit.as_str())] {
            profile
                .sample_type
                .push(proto::ValueType { r#type: strings.id(name), unit: strings.id(unit) });
        }
        profile.default_sample_type = strings.id(&sample_type);
        self.numeric = numeric_keys(&self.table.labels, &self.texts);

        // The strings of each sample's new functions, then of its labels.
        self.strings = strings;
        let mut next_function = 0;
        let mut functions = Vec::with_capacity(self.functions.len());
        for k in 0..self.table.len() {
            while let Some(&(name, file, first)) = self.functions.get(next_function) {
                if first != k {
                    break;
                }
                next_function += 1;
                let name = self.strings.id(self.texts.get(name));
                functions.push(proto::Function {
                    id: next_function as u64,
                    name,
                    system_name: name,
                    filename: self.strings.id(self.texts.get(file)),
                    start_line: 0,
                });
            }
            self.labels(k);
        }
        profile.function = functions;
        profile.location = std::mem::take(&mut self.locations);
        self.location_ids = FxHashMap::default();
        self.function_ids = FxHashMap::default();
        self.sample_keys = FxHashMap::default();
        self.collided = FxHashSet::default();
        let strings = &mut self.strings;

        // The main binary, named by File: and Build ID:.
        profile.mapping.push(proto::Mapping {
            id: 1,
            filename: strings.id(header.get(HeaderField::File).unwrap_or("")),
            build_id: strings.id(header.get(HeaderField::BuildId).unwrap_or("")),
            has_functions: true,
            has_filenames: self.has_files,
            has_line_numbers: self.has_lines,
            has_inline_frames: true,
            ..Default::default()
        });

        // Header fields.
        let total = if self.base_total != 0 { self.base_total } else { self.total };
        if let Some(time) = header.get(HeaderField::Time) {
            match parse_header_time(time) {
                Some(nanos) => profile.time_nanos = nanos,
                None => notes.push(format!(
                    "export: could not read the time {time:?} (a zone name other than UTC, GMT \
                     or a numeric offset?): the profile has no time"
                )),
            }
        }
        if let Some(duration) = header.get(HeaderField::Duration) {
            match parse_duration(duration, total * 100, dim) {
                Some(nanos) => profile.duration_nanos = nanos,
                None => notes.push(format!(
                    "export: could not read the duration {duration:?}: the profile has none"
                )),
            }
        }
        let (ptype, punit) = period_type(&sample_type, &unit);
        profile.period_type =
            Some(proto::ValueType { r#type: strings.id(&ptype), unit: strings.id(&punit) });
        profile.comment = header
            .lines
            .iter()
            .filter(|(f, _)| *f == HeaderField::Comment)
            .map(|(_, l)| strings.id(l))
            .collect();
        if let Some(doc) = header.get(HeaderField::Doc) {
            profile.doc_url = strings.id(doc);
        }
        profile.string_table = strings.list.iter().map(|s| s.as_bytes().to_vec()).collect();

        if self.rounded > 0 {
            notes.push(format!(
                "export: {} of {} values were printed by pprof in a scaled unit (the first: \
                 {}), possibly rounded; each is exported as the nearest whole number that \
                 prints the same: print the report with -unit=b or -unit=ns for exact values",
                self.rounded,
                self.table.len(),
                self.first_rounded.as_deref().unwrap_or_default()
            ));
        }
        if self.root_inline > 0 {
            notes.push(format!(
                "export: {} stacks end in an inlined frame with no caller; it got a location \
                 of its own",
                self.root_inline
            ));
        }
        profile
    }
}

/// The name of the first sample type: one per block.
pub const BLOCKS: &str = "blocks";

/// Where the addresses given to repeated samples start (see `build_profile`).
const SYNTHETIC_ADDRESS: u64 = 0x1000;

/// pprof's unit name of a dimension.
fn unit_name(dim: Dimension, units: &UnitContext) -> String {
    match dim {
        Dimension::Bytes => "bytes".to_owned(),
        Dimension::Nanoseconds => "nanoseconds".to_owned(),
        Dimension::Count | Dimension::Zero => "count".to_owned(),
        Dimension::Other => units.other.clone(),
    }
}

/// The period type the Go runtime writes for a sample type.
fn period_type(sample_type: &str, unit: &str) -> (String, String) {
    let t = sample_type.strip_prefix("mean_").unwrap_or(sample_type);
    let pair = match t {
        "inuse_space" | "inuse_objects" | "alloc_space" | "alloc_objects" => ("space", "bytes"),
        "cpu" | "samples" => ("cpu", "nanoseconds"),
        "contentions" | "delay" => ("contentions", "count"),
        "goroutine" => ("goroutine", "count"),
        "threadcreate" => ("threadcreate", "count"),
        _ => return (sample_type.to_owned(), unit.to_owned()),
    };
    (pair.0.to_owned(), pair.1.to_owned())
}

/// The whole number of base units that pprof prints as `text`: the value
/// itself when it is whole, else the nearest whole number, or an end of the
/// rounding interval when the nearest one prints otherwise (`1024kB` is
/// 1048575 bytes, not 1048576, which pprof prints `1MB`). The flag is false
/// when the text was rounded.
pub fn whole_value(value: Value, text: &str, other_unit: &str) -> (i64, bool) {
    let exact = value.centi % 100 == 0 && value.is_exact();
    let nearest = round_centi(value.centi);
    if exact {
        return (nearest, true);
    }
    let prints = |v: i64| format_centi(i128::from(v) * 100, value.dim, other_unit) == text;
    if prints(nearest) {
        return (nearest, false);
    }
    let half = value.max_error_centi();
    for candidate in [
        // The ends of the interval of amounts that round to the text.
        round_centi(value.centi - half + 50),
        round_centi(value.centi + half - 50),
        nearest - 1,
        nearest + 1,
    ] {
        if prints(candidate) {
            return (candidate, false);
        }
    }
    (nearest, false)
}

/// Hundredths to the nearest whole number, halves away from zero.
fn round_centi(centi: i128) -> i64 {
    let whole = if centi >= 0 { (centi + 50) / 100 } else { (centi - 50) / 100 };
    i64::try_from(whole).unwrap_or(if whole < 0 { i64::MIN } else { i64::MAX })
}

/// A string table: index 0 is the empty string.
#[derive(Default)]
struct Strings {
    ids: FxHashMap<String, i64>,
    list: Vec<String>,
}

impl Strings {
    fn new() -> Strings {
        let mut s = Strings::default();
        s.id("");
        s
    }

    fn id(&mut self, s: &str) -> i64 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.list.len() as i64;
        self.list.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }
}

/// Which label keys become numeric labels, with their unit: every value of
/// the key, in every sample, reads as a pprof amount, and one at least has
/// a unit (a bare `3` stays a string: pprof's own labels are strings).
fn numeric_keys(labels: &[(NameId, NameId)], texts: &Names) -> FxHashMap<NameId, Dimension> {
    let mut keys: FxHashMap<NameId, Option<Dimension>> = FxHashMap::default();
    let mut seen: FxHashSet<(NameId, NameId)> = FxHashSet::default();
    for &(key, values) in labels {
        if !seen.insert((key, values)) {
            continue;
        }
        let entry = keys.entry(key).or_insert(Some(Dimension::Zero));
        let Some(dim) = *entry else { continue };
        let mut dim = dim;
        let values = texts.get(values);
        let mut numeric = !values.is_empty();
        for token in values.split(' ') {
            match parse_value(token) {
                Ok(v) if v.dim == Dimension::Zero => {}
                Ok(v) if matches!(v.dim, Dimension::Bytes | Dimension::Nanoseconds) => {
                    if dim == Dimension::Zero {
                        dim = v.dim;
                    } else if dim != v.dim {
                        numeric = false;
                    }
                }
                _ => numeric = false,
            }
        }
        *entry = numeric.then_some(dim);
    }
    keys.into_iter()
        .filter_map(|(k, d)| d.filter(|d| *d != Dimension::Zero).map(|d| (k, d)))
        .collect()
}

/// The duration of `Duration: 2.62s, Total samples = 1.60s (61.15%)` in
/// nanoseconds. pprof rounds it to two decimals; when the line also gives
/// the ratio of the total to it, a duration that prints both the same is
/// chosen, so the header comes out of pprof as it went in.
pub fn parse_duration(text: &str, total_centi: i128, dim: Dimension) -> Option<i64> {
    let token = text.split(',').next()?.trim();
    let v = parse_value(token).ok()?;
    if v.dim != Dimension::Nanoseconds {
        return None;
    }
    let parsed = round_centi(v.centi);
    let ratio = text
        .rsplit_once('(')
        .and_then(|(_, r)| r.strip_suffix(')'))
        .filter(|r| r.ends_with('%'))
        .map(str::trim);
    let prints = |d: i64| {
        format_centi(i128::from(d) * 100, Dimension::Nanoseconds, "") == token
            && ratio.is_none_or(|r| percentage(total_centi / 100, i128::from(d)).trim() == r)
    };
    if prints(parsed) {
        return Some(parsed);
    }
    let (Some(r), Dimension::Nanoseconds) = (ratio, dim) else { return Some(parsed) };
    let pct: f64 = r.trim_end_matches('%').parse().ok()?;
    let total = (total_centi / 100) as f64;
    // Durations whose ratio rounds to the printed one, within the interval
    // that prints as the token.
    let half = v.max_error_centi() as f64 / 100.0;
    let value = v.centi as f64 / 100.0;
    let lo = (value - half).max(total * 100.0 / (pct + 0.005));
    let hi = (value + half).min(if pct > 0.005 { total * 100.0 / (pct - 0.005) } else { f64::MAX });
    if lo <= hi {
        let mid = ((lo + hi) / 2.0).round() as i64;
        for d in [mid, lo.ceil() as i64, hi.floor() as i64] {
            if prints(d) {
                return Some(d);
            }
        }
    }
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_values_print_as_the_text() {
        let w = |t: &str| whole_value(parse_value(t).unwrap(), t, "");
        assert_eq!(w("1536B"), (1536, true));
        assert_eq!(w("21.01MB"), (22_030_582, false));
        assert_eq!(w("1024kB"), (1_048_571, false));
        assert_eq!(w("-6MB"), (-6_291_456, false));
        assert_eq!(w("37"), (37, true));
        assert_eq!(w("0"), (0, true));
    }

    #[test]
    fn durations_keep_the_printed_ratio() {
        let total = 1_600_000_000i128 * 100;
        let d =
            parse_duration("2.62s, Total samples = 1.60s (61.15%)", total, Dimension::Nanoseconds)
                .unwrap();
        assert_eq!(format_centi(i128::from(d) * 100, Dimension::Nanoseconds, ""), "2.62s");
        assert_eq!(percentage(total / 100, i128::from(d)), "61.15%");
        assert_eq!(
            parse_duration("30s, Total samples = 60 ", 6000, Dimension::Count),
            Some(30_000_000_000)
        );
    }
}
