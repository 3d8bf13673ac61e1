//! pprof's `-raw` text (`go tool pprof -raw`, Go's `Profile.String()`)
//! read back into a [`Profile`], then reported like a binary profile
//! ([`ProfileSource`]): same `--sample-index` rules, same frames at
//! `functions` granularity, same labels, values and header.
//!
//! ```text
//! PeriodType: space bytes
//! Period: 524288
//! Time: 2026-11-26 04:10:07.123456789 +0000 UTC
//! Samples:
//! alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes[dflt]
//!           1       1024          1       1024: 1 2 3
//!                 bytes:[1024]
//! Locations
//!      1: 0x4b6f95 M=1 main.mk /src/demo/main.go:16 s=0
//!              main.allocSmall /src/demo/main.go:21 s=0
//! Mappings
//! 1: 0x400000/0x4d4000/0x0 /src/demo/demo  [FN][FL][LN][IN]
//! ```
//!
//! `-raw` prints the profile after pprof's `Merge`, at address
//! granularity. Its samples are the blocks `-traces` prints, in the same
//! order, so a `-raw` text from a Go 1.19 pprof gives what `-traces` gives,
//! except for what the text does not keep:
//!
//! - `Duration:` is printed with `%.4v` and so usually cut (`702.` for
//!   702.56ms): it is used only when complete (`3s`, `1.5s`, or any
//!   duration from older pprof that printed it whole), else the header has
//!   no `Duration:` line;
//! - samples without a stack are not in `-raw` (pprof drops them before
//!   printing it), so the `Total samples` of `Duration:` lacks their values
//!   (it matters only for profiles that have such samples);
//! - `Time:` is converted to the zone `Time:` lines are printed in (see
//!   [`crate::gotime`]);
//! - a label line does not say whether it holds string or numeric labels:
//!   the second line after a sample is numeric; a single line is numeric
//!   when its values carry units, or its keys are numeric elsewhere in the
//!   file, or a key names a unit (`bytes`, `request`, `alignment`, `ms`...)
//!   and no key is a string label elsewhere; otherwise it is read as string
//!   labels (a number label without unit prints the same either way, only
//!   the order of label lines could differ);
//! - string label values containing a space, or `] k:[`, are ambiguous;
//! - function names and file names are separated by a space and both may
//!   contain spaces: the file is taken to start at the first space followed
//!   by something that looks like a path (`/`, `\`, `C:\`, `<`, `.`), else
//!   at the last space. Only the function name is used at `functions`
//!   granularity.
//!
//! A `-raw`-like text of a profile that was not merged (e.g. printed by
//! another tool with `Profile.String()`) is merged here as pprof would.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::gotime::{parse_go_time, parse_printed_duration};
use crate::read::profile::measurement;
use crate::read::profile::source::ProfileSource;
use crate::read::profile::{
    Function, Line, Location, Mapping, NumLabel, Profile, Sample, ValueType,
};

/// True when `text` starts like `-raw` output: header lines of
/// `Profile.String()` (`Comment:`, `PeriodType:`, `Period:`, `Time:`,
/// `Duration:`, `Doc:`) and then a `Samples:` line.
pub fn looks_like_raw(text: &str) -> bool {
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let line = if i == 0 { line.strip_prefix("(pprof) ").unwrap_or(line) } else { line };
        if line.trim_end() == "Samples:" {
            return true;
        }
        const HEADER: [&str; 6] =
            ["Comment: ", "PeriodType: ", "Period: ", "Time: ", "Duration: ", "Doc: "];
        if !HEADER.iter().any(|p| line.starts_with(p)) {
            return false;
        }
    }
    false
}

/// True when the text has pprof's `Locations` line: `-raw` output always
/// does; without it the text was cut short.
pub(crate) fn has_locations(text: &str) -> bool {
    text.lines().any(|l| l.trim_end() == "Locations")
}

/// Reads `-raw` text and reports it at the chosen sample index.
pub fn open(name: &str, text: &str, sample_index: Option<&str>) -> Result<ProfileSource> {
    let profile = parse(text).map_err(|(line, msg)| Error::input(name, line as u64, msg))?;
    ProfileSource::new(name, profile, sample_index).map_err(|msg| Error::input(name, 0, msg))
}

/// A problem: the 1-based line (0: none) and what was expected.
type ParseError = (usize, String);

#[derive(PartialEq)]
enum Section {
    Header,
    Types,
    Samples,
    Locations,
    Mappings,
}

/// A sample as printed: values, location ids, label lines.
struct RawSample {
    line: usize,
    values: Vec<i64>,
    ids: Vec<u64>,
    label_lines: Vec<String>,
}

/// Parses `-raw` text into a profile (not yet merged or checked).
pub fn parse(text: &str) -> Result<Profile, ParseError> {
    let mut p = Profile::default();
    let mut section = Section::Header;
    let mut samples: Vec<RawSample> = Vec::new();
    let mut functions: HashMap<(String, String, String, i64), usize> = HashMap::new();
    let mut location_ids: HashMap<u64, usize> = HashMap::new();
    let mut location_mappings: Vec<Option<u64>> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = if i == 0 { line.strip_prefix("(pprof) ").unwrap_or(line) } else { line };
        let err = |what: &str| (n, format!("-raw text: expected {what}, found {line:?}"));
        match section {
            Section::Header => {
                if line.trim_end() == "Samples:" {
                    section = Section::Types;
                } else if let Some(c) = line.strip_prefix("Comment: ") {
                    p.comments.push(c.to_owned());
                } else if let Some(pt) = line.strip_prefix("PeriodType: ") {
                    let (ty, unit) = pt.split_once(' ').unwrap_or((pt, ""));
                    p.period_type = ValueType { ty: ty.to_owned(), unit: unit.to_owned() };
                } else if let Some(v) = line.strip_prefix("Period: ") {
                    p.period = v.trim().parse().map_err(|_| err("Period: <number>"))?;
                } else if let Some(t) = line.strip_prefix("Time: ") {
                    p.time_nanos = parse_go_time(t.trim()).unwrap_or(0);
                } else if let Some(d) = line.strip_prefix("Duration: ") {
                    p.duration_nanos = parse_printed_duration(d.trim()).unwrap_or(0);
                }
                // Anything else (Doc:, warnings captured with 2>&1) is skipped.
            }
            Section::Types => {
                for token in line.split(' ').filter(|t| !t.is_empty()) {
                    let (token, dflt) = match token.strip_suffix("[dflt]") {
                        Some(t) => (t, true),
                        None => (token, false),
                    };
                    let (ty, unit) = token.rsplit_once('/').ok_or_else(|| err("type/unit"))?;
                    if dflt {
                        p.default_sample_type = ty.to_owned();
                    }
                    p.sample_types.push(ValueType { ty: ty.to_owned(), unit: unit.to_owned() });
                }
                section = Section::Samples;
            }
            Section::Samples => {
                if line.trim_end() == "Locations" {
                    section = Section::Locations;
                } else if line.starts_with("                ") && line.contains(":[") {
                    let s = samples.last_mut().ok_or_else(|| err("a sample line"))?;
                    if s.label_lines.len() == 2 {
                        return Err(err("a sample line (at most 2 label lines per sample)"));
                    }
                    s.label_lines.push(line.trim().to_owned());
                } else if !line.trim().is_empty() {
                    let (values, ids) = parse_sample_line(line)
                        .ok_or_else(|| err("a sample line (`VALUES: LOCATION-IDS`)"))?;
                    if values.len() != p.sample_types.len() {
                        return Err((
                            n,
                            format!(
                                "-raw text: sample has {} values vs. {} types",
                                values.len(),
                                p.sample_types.len()
                            ),
                        ));
                    }
                    samples.push(RawSample { line: n, values, ids, label_lines: Vec::new() });
                }
            }
            Section::Locations => {
                if line.trim_end() == "Mappings" {
                    section = Section::Mappings;
                } else if let Some((id, address, mapping, folded, rest)) = parse_location_head(line)
                {
                    location_ids.insert(id, p.locations.len());
                    location_mappings.push(mapping);
                    let mut loc =
                        Location { id, address, is_folded: folded, ..Location::default() };
                    if !rest.is_empty() {
                        loc.lines.push(parse_line(rest, &mut p.functions, &mut functions));
                    }
                    p.locations.push(loc);
                } else if line.starts_with("             ") && !p.locations.is_empty() {
                    let ln = parse_line(line.trim_start(), &mut p.functions, &mut functions);
                    p.locations.last_mut().expect("a location").lines.push(ln);
                } else if !line.trim().is_empty() {
                    return Err(err(
                        "a location line (`ID: 0xADDRESS M=MAPPING FUNCTION FILE:LINE s=START`)",
                    ));
                }
            }
            Section::Mappings => {
                if line.trim().is_empty() {
                    continue;
                }
                // The last section: what follows its lines (an interactive
                // session's next prompt) is not part of the profile.
                match parse_mapping(line) {
                    Some(m) => p.mappings.push(m),
                    None => break,
                }
            }
        }
    }
    match section {
        Section::Header | Section::Types => {
            return Err((0, "-raw text: no `Samples:` section".into()));
        }
        Section::Samples => {
            return Err((0, "-raw text: no `Locations` section (cut short?)".into()));
        }
        _ => {}
    }
    let mapping_index: HashMap<u64, usize> =
        p.mappings.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    for (loc, mapping) in p.locations.iter_mut().zip(location_mappings) {
        loc.mapping = mapping.and_then(|m| mapping_index.get(&m).copied());
    }
    let labels = classify_labels(&samples);
    for (s, label_sets) in samples.into_iter().zip(labels) {
        let mut sample = Sample { values: s.values, ..Sample::default() };
        for id in s.ids {
            let &l = location_ids
                .get(&id)
                .ok_or_else(|| (s.line, format!("-raw text: sample uses location {id}, which the Locations section does not list")))?;
            sample.locations.push(l);
        }
        let (labels, num_labels) = label_sets;
        (sample.labels, sample.num_labels) = (labels.into(), num_labels.into());
        p.samples.push(sample);
    }
    Ok(p)
}

/// ` %10d` per value, `: `, then `ID ` per location (older pprof: no
/// padding, no trailing space).
fn parse_sample_line(line: &str) -> Option<(Vec<i64>, Vec<u64>)> {
    let (values, ids) = line.split_once(':')?;
    let values = values.split_whitespace().map(|v| v.parse().ok()).collect::<Option<_>>()?;
    let ids = ids.split_whitespace().map(|v| v.parse().ok()).collect::<Option<_>>()?;
    Some((values, ids))
}

/// `%6d: %#x ` + `M=%d ` + `[F] ` + the first line: id, address, mapping
/// id, folded flag and the rest.
fn parse_location_head(line: &str) -> Option<(u64, u64, Option<u64>, bool, &str)> {
    let body = line.trim_start();
    if line.len() - body.len() > 6 {
        return None;
    }
    let (id, rest) = body.split_once(": ")?;
    let id: u64 = id.parse().ok()?;
    let rest = rest.strip_prefix("0x")?;
    let (address, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let address = u64::from_str_radix(address, 16).ok()?;
    let mut mapping = None;
    if let Some(m) = rest.strip_prefix("M=") {
        let (m, r) = m.split_once(' ').unwrap_or((m, ""));
        mapping = Some(m.parse().ok()?);
        rest = r;
    }
    let folded = match rest.strip_prefix("[F] ") {
        Some(r) => {
            rest = r;
            true
        }
        None => false,
    };
    Some((id, address, mapping, folded, rest.trim_end()))
}

/// True when `s` starts like a file path (what follows a function name).
fn looks_like_path(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b.first(), Some(b'/' | b'\\' | b'<' | b'.'))
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\'))
        || (b.first() == Some(&b':') && b.get(1).is_some_and(|c| c.is_ascii_digit() || *c == b'-'))
}

/// One line of a location: `FUNCTION FILE:LINE s=START`, with
/// `(SYSTEM-NAME)` after it when that differs, or `??` without function.
fn parse_line(
    text: &str,
    functions: &mut Vec<Function>,
    index: &mut HashMap<(String, String, String, i64), usize>,
) -> Line {
    let text = text.trim_end();
    if text == "??" {
        return Line { function: None, line: 0 };
    }
    // ` s=START` and an optional `(SYSTEM)`.
    let mut head = text;
    let mut start_line = 0i64;
    let mut system: Option<&str> = None;
    let mut search = text.len();
    while let Some(i) = text[..search].rfind(" s=") {
        let tail = &text[i + 3..];
        let digits = tail.strip_prefix('-').unwrap_or(tail);
        let n = digits.bytes().take_while(u8::is_ascii_digit).count();
        let after = &digits[n..];
        if n > 0 && (after.is_empty() || (after.starts_with('(') && after.ends_with(')'))) {
            start_line = tail[..tail.len() - after.len()].parse().unwrap_or(0);
            if !after.is_empty() {
                system = Some(&after[1..after.len() - 1]);
            }
            head = &text[..i];
            break;
        }
        search = i;
    }
    // `FUNCTION FILE:LINE[:COLUMN]`.
    let spaces: Vec<usize> = head.match_indices(' ').map(|(i, _)| i).collect();
    let split = spaces
        .iter()
        .copied()
        .find(|&i| looks_like_path(&head[i + 1..]))
        .or_else(|| spaces.last().copied());
    let (name, file_line) = match split {
        Some(i) => (&head[..i], &head[i + 1..]),
        None => (head, ""),
    };
    let mut file = file_line;
    let mut line = 0i64;
    let number = |s: &str| -> Option<(usize, i64)> {
        let (f, n) = s.rsplit_once(':')?;
        Some((f.len(), n.parse().ok()?))
    };
    if let Some((cut, last)) = number(file_line) {
        line = last;
        file = &file_line[..cut];
        if let Some((cut2, previous)) = number(file) {
            // HEAD pprof prints FILE:LINE:COLUMN.
            line = previous;
            file = &file[..cut2];
        }
    }
    let system = system.unwrap_or(name);
    let key = (name.to_owned(), system.to_owned(), file.to_owned(), start_line);
    let f = *index.entry(key).or_insert_with(|| {
        functions.push(Function {
            id: functions.len() as u64 + 1,
            name: name.to_owned(),
            system_name: system.to_owned(),
            filename: file.to_owned(),
            start_line,
        });
        functions.len() - 1
    });
    Line { function: Some(f), line }
}

/// `%d: %#x/%#x/%#x %s %s %s`: id, start/limit/offset, file, build id and
/// the flags `[FN][FL][LN][IN]`.
fn parse_mapping(line: &str) -> Option<Mapping> {
    let (id, rest) = line.trim_start().split_once(": ")?;
    let id = id.parse().ok()?;
    let (addrs, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let mut hex = addrs.split('/').map(|a| u64::from_str_radix(a.strip_prefix("0x")?, 16).ok());
    let (start, limit, offset) = (hex.next()??, hex.next()??, hex.next()??);
    let mut m = Mapping { id, start, limit, offset, ..Mapping::default() };
    let flags: [(&str, &mut bool); 4] = [
        ("[IN]", &mut m.has_inline_frames),
        ("[LN]", &mut m.has_line_numbers),
        ("[FL]", &mut m.has_filenames),
        ("[FN]", &mut m.has_functions),
    ];
    for (tag, flag) in flags {
        if let Some(r) = rest.strip_suffix(tag) {
            *flag = true;
            rest = r;
        }
    }
    let rest = rest.strip_suffix(' ').unwrap_or(rest);
    let (file, build_id) = rest.rsplit_once(' ').unwrap_or((rest, ""));
    m.file = file.to_owned();
    m.build_id = build_id.to_owned();
    Some(m)
}

/// Splits `k1:[a b] k2:[c]` into `(key, inner)` pairs.
fn label_entries(line: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < line.len() {
        let open = pos + line[pos..].find(":[")?;
        let key = &line[pos..open];
        let inner_start = open + 2;
        let mut end = None;
        for (i, _) in line[inner_start..].match_indices(']') {
            let e = inner_start + i;
            let after = &line[e + 1..];
            if after.is_empty() || (after.starts_with(' ') && after[1..].contains(":[")) {
                end = Some(e);
                break;
            }
        }
        let e = end?;
        out.push((key, &line[inner_start..e]));
        pos = (e + 2).min(line.len());
    }
    Some(out)
}

/// Numeric values of a label: `1536 2048`, or `1500000 nanoseconds ...`
/// pairs; `None` when not numeric.
fn numeric_values(inner: &str) -> Option<NumLabel> {
    let tokens: Vec<&str> = inner.split(' ').collect();
    if let Some(values) = tokens.iter().map(|t| t.parse::<i64>().ok()).collect::<Option<Vec<_>>>() {
        return Some(NumLabel { values, units: Vec::new() });
    }
    if tokens.len() % 2 != 0 {
        return None;
    }
    let mut label = NumLabel::default();
    for pair in tokens.chunks(2) {
        label.values.push(pair[0].parse().ok()?);
        label.units.push(pair[1].to_owned());
    }
    Some(label)
}

type LabelSets = (BTreeMap<String, Vec<String>>, BTreeMap<String, NumLabel>);

/// Decides which label lines are string labels and which numeric ones
/// (see the module documentation) and builds them.
fn classify_labels(samples: &[RawSample]) -> Vec<LabelSets> {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Str,
        Num,
        Unknown,
    }
    let parsed: Vec<Vec<Vec<(&str, &str)>>> = samples
        .iter()
        .map(|s| s.label_lines.iter().map(|l| label_entries(l).unwrap_or_default()).collect())
        .collect();
    let line_kind = |lines: &[Vec<(&str, &str)>], i: usize| -> Kind {
        let entries = &lines[i];
        let all_numeric = entries.iter().all(|(_, inner)| numeric_values(inner).is_some());
        if !all_numeric || (lines.len() == 2 && i == 0) {
            Kind::Str
        } else if lines.len() == 2
            || entries
                .iter()
                .any(|(_, inner)| numeric_values(inner).is_some_and(|n| !n.units.is_empty()))
        {
            Kind::Num
        } else {
            Kind::Unknown
        }
    };
    let mut string_keys = std::collections::HashSet::new();
    let mut numeric_keys = std::collections::HashSet::new();
    for lines in &parsed {
        for i in 0..lines.len() {
            match line_kind(lines, i) {
                Kind::Str => string_keys.extend(lines[i].iter().map(|(k, _)| *k)),
                Kind::Num => numeric_keys.extend(lines[i].iter().map(|(k, _)| *k)),
                Kind::Unknown => {}
            }
        }
    }
    let names_a_unit = |key: &str| {
        matches!(key, "bytes" | "alignment" | "request")
            || measurement::base_unit(key).0 != crate::units::Dimension::Count
    };
    parsed
        .iter()
        .map(|lines| {
            let mut sets: LabelSets = Default::default();
            for i in 0..lines.len() {
                let keys = || lines[i].iter().map(|(k, _)| *k);
                let numeric = match line_kind(lines, i) {
                    Kind::Str => false,
                    Kind::Num => true,
                    Kind::Unknown => {
                        if keys().any(|k| string_keys.contains(k)) {
                            false
                        } else {
                            keys().any(|k| numeric_keys.contains(k) || names_a_unit(k))
                        }
                    }
                };
                for (key, inner) in &lines[i] {
                    match numeric_values(inner).filter(|_| numeric) {
                        Some(n) => {
                            sets.1.insert((*key).to_owned(), n);
                        }
                        None if !inner.is_empty() => {
                            let values = inner.split(' ').map(str::to_owned).collect();
                            sets.0.insert((*key).to_owned(), values);
                        }
                        None => {}
                    }
                }
            }
            sets
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = concat!(
        "PeriodType: space bytes\n",
        "Period: 524288\n",
        "Time: 2026-11-26 04:10:07.5 +0100 CET\n",
        "Duration: 702.\n",
        "Samples:\n",
        "alloc_objects/count alloc_space/bytes[dflt]\n",
        "          1       1024: 1 2 \n",
        "                bytes:[1024]\n",
        "          2       4096: 1 3 \n",
        "                role:[a b] shard:[0]\n",
        "                lat:[1500000 nanoseconds]\n",
        "Locations\n",
        "     1: 0x4b6f95 M=1 main.mk /src/demo/main.go:16 s=0\n",
        "             main.alloc C:/Program Files/x.go:21 s=3(main.alloc.abi0)\n",
        "     2: 0x4b7000 M=1 std::vector<int, std::allocator<int> >::push_back /usr/include/v:3 s=0\n",
        "     3: 0x10 M=2 ??\n",
        "Mappings\n",
        "1: 0x400000/0x4d4000/0x0 /src/demo/my demo abc123 [FN][FL][LN][IN]\n",
        "2: 0x0/0x0/0x0   \n",
    );

    #[test]
    fn parses_every_section() {
        assert!(looks_like_raw(RAW));
        let p = parse(RAW).unwrap();
        assert_eq!(p.sample_types.len(), 2);
        assert_eq!(p.default_sample_type, "alloc_space");
        assert_eq!(p.time_nanos, 1_795_662_607_500_000_000);
        assert_eq!(p.duration_nanos, 0, "cut by %.4v");
        assert_eq!(p.samples.get(0).num_labels["bytes"].values, [1024]);
        assert_eq!(p.samples.get(1).labels["role"], ["a", "b"]);
        assert_eq!(p.samples.get(1).labels["shard"], ["0"]);
        assert_eq!(p.samples.get(1).num_labels["lat"].units, ["nanoseconds"]);
        let f = |l: usize, i: usize| &p.functions[p.locations[l].lines[i].function.unwrap()];
        assert_eq!(
            (f(0, 1).name.as_str(), f(0, 1).filename.as_str()),
            ("main.alloc", "C:/Program Files/x.go")
        );
        assert_eq!((f(0, 1).system_name.as_str(), f(0, 1).start_line), ("main.alloc.abi0", 3));
        assert_eq!(f(1, 0).name, "std::vector<int, std::allocator<int> >::push_back");
        assert_eq!(p.locations[2].lines[0].function, None);
        assert_eq!(
            (p.mappings[0].file.as_str(), p.mappings[0].build_id.as_str()),
            ("/src/demo/my demo", "abc123")
        );
        assert!(p.mappings[0].has_inline_frames && !p.mappings[1].has_functions);
        assert_eq!((p.mappings[1].file.as_str(), p.mappings[1].build_id.as_str()), ("", ""));
    }

    #[test]
    fn errors_name_the_line() {
        let bad = RAW.replace("          2       4096: 1 3 ", "          2: 1 3");
        assert_eq!(parse(&bad).unwrap_err().0, 9);
        let cut = &RAW[..RAW.find("Locations").unwrap()];
        assert!(parse(cut).unwrap_err().1.contains("no `Locations`"));
        let missing = RAW.replace(": 1 3 ", ": 1 9 ");
        assert!(parse(&missing).unwrap_err().1.contains("location 9"));
    }
}
