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
//! prost encodes it.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::analysis::facts::UnitContext;
use crate::analysis::scan::{scan, Inputs};
use crate::error::Result;
use crate::frame::FrameText;
use crate::gotime::parse_header_time;
use crate::read::profile::proto;
use crate::record::{Frame, Header, HeaderField, Names};
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

/// A label line: key and values as printed.
type Label = (String, String);

/// One sample read from the report.
struct Sample {
    value: Value,
    value_text: String,
    labels: Vec<Label>,
    frames: Vec<Frame>,
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
    let mut names = Names::new();
    let mut samples: Vec<Sample> = Vec::new();
    let mut header: Option<Header> = None;
    let mut units = UnitContext::default();
    let mut notes = scan(inputs, &mut names, |src, rec, _| {
        if header.is_none() {
            header = Some(src.header().clone());
        }
        units.learn(src, rec);
        samples.push(Sample {
            value: rec.value,
            value_text: rec.value_text().to_owned(),
            labels: rec.labels().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            frames: rec.frames.clone(),
        });
        Ok(())
    })?;
    let header = header.unwrap_or_default();
    let (profile, built) = build_profile(&header, &samples, &names, &units);
    notes.extend(built);
    Ok(ExportReport { profile, samples: samples.len(), notes })
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
fn numeric_keys(samples: &[Sample]) -> FxHashMap<String, Dimension> {
    let mut keys: FxHashMap<String, Option<Dimension>> = FxHashMap::default();
    for s in samples {
        for (key, values) in &s.labels {
            let entry = keys.entry(key.clone()).or_insert(Some(Dimension::Zero));
            let Some(dim) = *entry else { continue };
            let mut dim = dim;
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
    }
    keys.into_iter()
        .filter_map(|(k, d)| d.filter(|d| *d != Dimension::Zero).map(|d| (k, d)))
        .collect()
}

/// Builds the `Profile` message, with the notes on what was lost.
fn build_profile(
    header: &Header,
    samples: &[Sample],
    names: &Names,
    units: &UnitContext,
) -> (proto::Profile, Vec<String>) {
    let mut notes = Vec::new();
    let mut strings = Strings::new();
    let dim = units.dimension();
    let unit = unit_name(dim, units);
    let sample_type = header.sample_type().unwrap_or("").to_owned();
    let mut profile = proto::Profile::default();

    // `blocks` (1 per sample, so that pprof, which drops samples whose
    // values are all zero, keeps the zero samples of the report), then the
    // report's type, the default.
    for (name, unit) in [(BLOCKS, "count"), (sample_type.as_str(), unit.as_str())] {
        profile
            .sample_type
            .push(proto::ValueType { r#type: strings.id(name), unit: strings.id(unit) });
    }
    profile.default_sample_type = strings.id(&sample_type);

    // Functions and locations, interned.
    let mut function_ids: FxHashMap<(String, String), u64> = FxHashMap::default();
    let mut location_ids: FxHashMap<(u64, Vec<(u64, i64)>), u64> = FxHashMap::default();
    let (mut has_files, mut has_lines, mut root_inline) = (false, false, 0u64);
    let numeric = numeric_keys(samples);
    let mut rounded = 0u64;
    // The first rounded value as the report printed it, quoted in the note.
    let mut first_rounded: Option<&str> = None;
    // pprof merges samples with the same locations and labels when it
    // reads a profile; a report prints such samples apart when their
    // addresses differed. Repeats get a copy of their leaf location at an
    // address of their own, as the original profile had.
    let mut sample_keys: FxHashSet<(Vec<u64>, &[Label])> = FxHashSet::default();
    let mut next_address = SYNTHETIC_ADDRESS;

    let mut total = 0i128;
    let mut base_total = 0i128;
    let mut group: Vec<(u64, i64)> = Vec::new();
    for s in samples {
        let mut location_list: Vec<u64> = Vec::new();
        group.clear();
        for (i, frame) in s.frames.iter().enumerate() {
            let parts = FrameText::parse(names.get(frame.name)).parts();
            has_files |= !parts.file.is_empty();
            has_lines |= parts.line != 0;
            let key = (parts.function.to_owned(), parts.file.to_owned());
            let next_id = profile.function.len() as u64 + 1;
            let fid = *function_ids.entry(key).or_insert_with(|| {
                let name = strings.id(parts.function);
                profile.function.push(proto::Function {
                    id: next_id,
                    name,
                    system_name: name,
                    filename: strings.id(parts.file),
                    start_line: 0,
                });
                next_id
            });
            group.push((fid, parts.line));
            let last = i + 1 == s.frames.len();
            if !frame.inline || last {
                if frame.inline {
                    root_inline += 1;
                }
                let key = (parts.address, std::mem::take(&mut group));
                let next_id = profile.location.len() as u64 + 1;
                let lid = *location_ids.entry(key).or_insert_with_key(|(address, lines)| {
                    profile.location.push(proto::Location {
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
                location_list.push(lid);
            }
        }
        if !sample_keys.insert((location_list.clone(), s.labels.as_slice())) {
            let leaf = location_list[0] as usize - 1;
            let copy = proto::Location {
                id: profile.location.len() as u64 + 1,
                address: next_address,
                ..profile.location[leaf].clone()
            };
            next_address += 1;
            location_list[0] = copy.id;
            profile.location.push(copy);
        }
        let (v, exact) = whole_value(s.value, &s.value_text, &units.other);
        if !exact {
            if rounded == 0 {
                first_rounded = Some(s.value_text.as_str());
            }
            rounded += 1;
        }
        total += i128::from(v).abs();
        let mut sample =
            proto::Sample { location_id: location_list, value: vec![1, v], label: Vec::new() };
        let mut is_base = false;
        for (key, values) in &s.labels {
            match numeric.get(key) {
                Some(&label_dim) => {
                    let unit = unit_name(label_dim, units);
                    for token in values.split(' ') {
                        let parsed = parse_value(token).expect("checked numeric");
                        let (n, _) = whole_value(parsed, token, "");
                        sample.label.push(proto::Label {
                            key: strings.id(key),
                            str: 0,
                            num: n,
                            num_unit: strings.id(&unit),
                        });
                    }
                }
                None => {
                    is_base |= key == "pprof::base" && values == "true";
                    sample.label.push(proto::Label {
                        key: strings.id(key),
                        str: strings.id(values),
                        ..Default::default()
                    });
                }
            }
        }
        if is_base {
            base_total += i128::from(v).abs();
        }
        profile.sample.push(sample);
    }

    // The main binary, named by File: and Build ID:.
    profile.mapping.push(proto::Mapping {
        id: 1,
        filename: strings.id(header.get(HeaderField::File).unwrap_or("")),
        build_id: strings.id(header.get(HeaderField::BuildId).unwrap_or("")),
        has_functions: true,
        has_filenames: has_files,
        has_line_numbers: has_lines,
        has_inline_frames: true,
        ..Default::default()
    });

    // Header fields.
    let total = if base_total != 0 { base_total } else { total };
    if let Some(time) = header.get(HeaderField::Time) {
        match parse_header_time(time) {
            Some(nanos) => profile.time_nanos = nanos,
            None => notes.push(format!(
                "export: could not read the time {time:?} (a zone name other than UTC, GMT or \
                 a numeric offset?): the profile has no time"
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
    profile.string_table = strings.list.into_iter().map(String::into_bytes).collect();

    if rounded > 0 {
        notes.push(format!(
            "export: {rounded} of {} values were printed by pprof in a scaled unit (the \
             first: {}), possibly rounded; each is exported as the nearest whole number that \
             prints the same: print the report with -unit=b or -unit=ns for exact values",
            samples.len(),
            first_rounded.unwrap_or_default()
        ));
    }
    if root_inline > 0 {
        notes.push(format!(
            "export: {root_inline} stacks end in an inlined frame with no caller; it got a \
             location of its own"
        ));
    }
    (profile, notes)
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
