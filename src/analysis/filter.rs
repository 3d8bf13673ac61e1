//! pprof's sample filters, applied to records read from text: `--focus`,
//! `--ignore`, `--hide`, `--show`, `--show-from`, `--tagfocus`,
//! `--tagignore`, plus `--min`. They follow pprof's `FilterSamplesByName`,
//! `ShowFrom` and `FilterSamplesByTag` (`profile/filter.go`,
//! `driver/driver_focus.go`), in pprof's order.
//!
//! Frame regexes match what the input holds, as pprof's `matchesName`: on a
//! binary profile or `-raw` text, a frame's function name, its function's
//! file name and its mapping's file (the binary), so `--ignore runtime`
//! drops `reflect.makemap` (in `runtime/map.go`) as pprof does. What the
//! text cannot hold: a traces report printed with the default `-functions`
//! granularity carries neither file nor mapping names, so there a regex
//! sees the frame as printed (with `-lines` that includes `file:line`). Label
//! lines do not say whether a label is a string or a number; a label whose
//! values all read as pprof values (`352B`, `1.50ms`, `3`) counts as numeric.

use crate::error::{Error, Result};
use crate::matcher::{NameMatcher, PatternOptions};
use crate::record::{Names, Record};
pub use crate::units::parse_user_value;
use crate::units::{parse_value, Dimension, Value};

/// Filter options shared by every command.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "cli", command(next_help_heading = "Filters (pprof's names and meaning)"))]
pub struct FilterOptions {
    /// Keep only samples with a frame matching REGEX. Frame regexes match,
    /// as pprof's do, the function name, its file name and the mapping's
    /// file (the binary) on binary profiles and `-raw` text; a traces
    /// report prints neither file nor binary, so there they match the frame
    /// as printed.
    #[cfg_attr(feature = "cli", arg(long, value_name = "REGEX"))]
    pub focus: Option<String>,
    /// Drop samples with a frame matching REGEX.
    #[cfg_attr(feature = "cli", arg(long, value_name = "REGEX"))]
    pub ignore: Option<String>,
    /// Remove frames matching REGEX from the stacks (samples left with no
    /// frame are dropped).
    #[cfg_attr(feature = "cli", arg(long, value_name = "REGEX"))]
    pub hide: Option<String>,
    /// Keep only frames matching REGEX in the stacks.
    #[cfg_attr(feature = "cli", arg(long, value_name = "REGEX"))]
    pub show: Option<String>,
    /// Cut each stack above (rootward of) its outermost frame matching
    /// REGEX; samples with no match are dropped.
    #[cfg_attr(feature = "cli", arg(long = "show-from", value_name = "REGEX"))]
    pub show_from: Option<String>,
    /// Keep only samples whose labels match: `REGEX` (against `key:value`),
    /// `key=REGEX`, or a numeric range such as `bytes=1kb:64kb`, `:512`,
    /// `4mb:` (pprof's 1024-based units).
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILTER"))]
    pub tagfocus: Option<String>,
    /// Drop samples whose labels match, same syntax as --tagfocus.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILTER"))]
    pub tagignore: Option<String>,
    /// Leave out samples whose value is below VALUE (e.g. `1MB`, `10ms`).
    #[cfg_attr(feature = "cli", arg(long, value_name = "VALUE"))]
    pub min: Option<String>,
}

impl FilterOptions {
    /// pprof's `Active filters:` entries, `name=value` in pprof's order.
    pub fn active(&self) -> Vec<String> {
        let f = self;
        [
            ("focus", &f.focus),
            ("ignore", &f.ignore),
            ("hide", &f.hide),
            ("show", &f.show),
            ("show_from", &f.show_from),
            ("tagfocus", &f.tagfocus),
            ("tagignore", &f.tagignore),
            ("min", &f.min),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect()
    }
}

/// Compiled filters.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    focus: Option<NameMatcher>,
    ignore: Option<NameMatcher>,
    hide: Option<NameMatcher>,
    show: Option<NameMatcher>,
    show_from: Option<NameMatcher>,
    tagfocus: Option<TagFilter>,
    tagignore: Option<TagFilter>,
    min: Option<Value>,
    /// The label keys `--tagfocus`/`--tagignore` name, each with whether a
    /// sample read carries it, and (until one does) the keys the samples
    /// carry: a key no sample carries is said, not filtered in silence.
    tag_keys: Vec<(&'static str, String, bool)>,
    keys_present: std::collections::BTreeSet<String>,
}

impl Filter {
    /// Compiles the options; bad regexes and values are usage errors.
    pub fn new(args: &FilterOptions) -> Result<Filter> {
        let re = |p: &Option<String>, what: &str| -> Result<Option<NameMatcher>> {
            p.as_deref().map(|p| NameMatcher::new(p, PatternOptions::default(), what)).transpose()
        };
        let min = match &args.min {
            None => None,
            Some(text) => Some(parse_user_value(text).ok_or_else(|| {
                Error::Usage(format!(
                    "invalid --min {text:?}: expected a value such as 1MB, 10ms or 5"
                ))
            })?),
        };
        Ok(Filter {
            focus: re(&args.focus, "--focus regex")?,
            ignore: re(&args.ignore, "--ignore regex")?,
            hide: re(&args.hide, "--hide regex")?,
            show: re(&args.show, "--show regex")?,
            show_from: re(&args.show_from, "--show-from regex")?,
            tagfocus: args
                .tagfocus
                .as_deref()
                .map(|f| TagFilter::new(f, "--tagfocus"))
                .transpose()?,
            tagignore: args
                .tagignore
                .as_deref()
                .map(|f| TagFilter::new(f, "--tagignore"))
                .transpose()?,
            min,
            tag_keys: [("--tagfocus", &args.tagfocus), ("--tagignore", &args.tagignore)]
                .into_iter()
                .filter_map(|(what, f)| {
                    let key = TagFilter::new(f.as_deref()?, what).ok()?.key?;
                    Some((what, key, false))
                })
                .collect(),
            keys_present: std::collections::BTreeSet::new(),
        })
    }

    /// Notes for stderr: a `--tagfocus` or `--tagignore` key that no
    /// sample read carries, with the keys the samples carry.
    pub fn notes(&self) -> Vec<String> {
        let present: Vec<&str> = self.keys_present.iter().map(String::as_str).collect();
        self.tag_keys
            .iter()
            .filter(|(_, _, seen)| !seen)
            .map(|(what, key, _)| match present.is_empty() {
                true => format!(
                    "{what}: no sample carries the label {key:?}: the samples have no labels"
                ),
                false => format!(
                    "{what}: no sample carries the label {key:?}; the labels present: {}",
                    present.join(", ")
                ),
            })
            .collect()
    }

    /// Notes which of the filters' label keys `rec` carries.
    fn see_keys(&mut self, rec: &Record) {
        let mut missing = false;
        for (_, key, seen) in self.tag_keys.iter_mut().filter(|(_, _, seen)| !*seen) {
            *seen = rec.label(key).is_some();
            missing |= !*seen;
        }
        if missing && self.keys_present.len() < 64 {
            self.keys_present.extend(rec.labels().map(|(k, _)| k.to_owned()));
        }
    }

    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.focus.is_none()
            && self.ignore.is_none()
            && self.hide.is_none()
            && self.show.is_none()
            && self.show_from.is_none()
            && self.tagfocus.is_none()
            && self.tagignore.is_none()
            && self.min.is_none()
    }

    /// Applies the filters to one record, editing its stack for `--hide`,
    /// `--show` and `--show-from`. Returns false to drop the sample.
    pub fn keep(&mut self, rec: &mut Record, names: &Names) -> bool {
        if self.is_empty() {
            return true;
        }
        if self.tag_keys.iter().any(|(_, _, seen)| !seen) {
            self.see_keys(rec);
        }
        // A source that knows more than the names gives every frame an origin.
        if !rec.origins.is_empty() && rec.origins.len() != rec.frames.len() {
            rec.origins.clear();
        }
        // FilterSamplesByName: focus and ignore look at the original stack.
        if let Some(ignore) = &mut self.ignore {
            if (0..rec.frames.len()).any(|i| matches_name(ignore, rec, i, names)) {
                return false;
            }
        }
        if let Some(focus) = &mut self.focus {
            if !(0..rec.frames.len()).any(|i| matches_name(focus, rec, i, names)) {
                return false;
            }
        }
        if let Some(hide) = &mut self.hide {
            let keep: Vec<bool> =
                (0..rec.frames.len()).map(|i| !matches_name(hide, rec, i, names)).collect();
            retain_frames(rec, &keep);
        }
        if let Some(show) = &mut self.show {
            // pprof's `matchedLines`: a line without a function stays; a
            // location without lines goes.
            let keep: Vec<bool> = (0..rec.frames.len())
                .map(|i| match rec.origins.get(i) {
                    Some(o) if !o.line => false,
                    Some(o) if o.file.is_none() => true,
                    _ => matches_name(show, rec, i, names),
                })
                .collect();
            retain_frames(rec, &keep);
        }
        if rec.frames.is_empty() {
            return false;
        }
        // ShowFrom, as pprof applies it to locations (a run of ` (inline)`
        // frames and the frame they were inlined into): a location whose
        // mapping matches stays whole; one with a matching line loses the
        // lines above its last match (in every sample, not only where it
        // is the outermost match); then the stack ends at the outermost
        // matching location.
        if let Some(show_from) = &mut self.show_from {
            let n = rec.frames.len();
            let mut keep = vec![true; n];
            let mut outermost = None;
            let mut start = 0;
            for end in 0..n {
                if rec.frames[end].inline && end + 1 < n {
                    continue;
                }
                if mapping_matches(show_from, rec, end, names) {
                    outermost = Some(end);
                } else if let Some(j) =
                    (start..=end).rev().find(|&j| line_matches(show_from, rec, j, names))
                {
                    keep[j + 1..=end].iter_mut().for_each(|k| *k = false);
                    outermost = Some(j);
                }
                start = end + 1;
            }
            let Some(top) = outermost else { return false };
            keep[top + 1..].iter_mut().for_each(|k| *k = false);
            retain_frames(rec, &keep);
        }
        if let Some(tf) = &self.tagfocus {
            if !tf.matches(rec) {
                return false;
            }
        }
        if let Some(ti) = &self.tagignore {
            if ti.matches(rec) {
                return false;
            }
        }
        if let Some(min) = &self.min {
            if rec.value.centi < min.centi {
                return false;
            }
        }
        true
    }
}

/// pprof's `Location.matchesName` for frame `i`: on a traces report, the
/// frame as printed; on a binary profile, the function's name or file name
/// (for a frame with a function) or the mapping's file.
fn matches_name(m: &mut NameMatcher, rec: &Record, i: usize, names: &Names) -> bool {
    mapping_matches(m, rec, i, names) || line_matches(m, rec, i, names)
}

/// Does the mapping file of frame `i`'s location match (binary profiles and
/// `-raw` text only)?
fn mapping_matches(m: &mut NameMatcher, rec: &Record, i: usize, names: &Names) -> bool {
    rec.origins.get(i).and_then(|o| o.mapping).is_some_and(|id| m.is_match(id, names))
}

/// Does frame `i` itself match: on a traces report the frame as printed;
/// else, for a frame with a function, its name or file name (pprof's
/// `lastMatchedLineIndex`).
fn line_matches(m: &mut NameMatcher, rec: &Record, i: usize, names: &Names) -> bool {
    let name = rec.frames[i].name;
    match rec.origins.get(i) {
        None => m.is_match(name, names),
        Some(o) => o.file.is_some_and(|file| m.is_match(name, names) || m.is_match(file, names)),
    }
}

/// Removes the frames whose `keep` is false, like pprof removes lines from
/// locations: a location is a run of ` (inline)` frames and the frame they
/// were inlined into. When that last frame goes, the location's new last
/// frame is no longer inline. Origins go with their frames.
fn retain_frames(rec: &mut Record, keep: &[bool]) {
    let with_origins = rec.origins.len() == rec.frames.len();
    let frames = &mut rec.frames;
    let mut out = 0;
    let mut last_kept_in_location: Option<usize> = None;
    for i in 0..frames.len() {
        let frame = frames[i];
        if keep[i] {
            frames[out] = frame;
            if with_origins {
                rec.origins[out] = rec.origins[i];
            }
            last_kept_in_location = Some(out);
            out += 1;
        }
        if !frame.inline {
            // End of a location: its last kept frame is its physical frame.
            if let Some(j) = last_kept_in_location.take() {
                frames[j].inline = false;
            }
        }
    }
    frames.truncate(out);
    if with_origins {
        rec.origins.truncate(out);
    }
}

/// A label filter: a regex over string labels, or a numeric range.
#[derive(Clone, Debug)]
struct TagFilter {
    key: Option<String>,
    kind: TagKind,
}

#[derive(Clone, Debug)]
enum TagKind {
    /// Comma-separated regexes.
    Regex(Vec<regex::Regex>),
    /// Inclusive bounds in hundredths of the base unit, and their dimension.
    Range { low: Option<i128>, high: Option<i128>, dim: Dimension },
}

impl TagFilter {
    fn new(text: &str, what: &str) -> Result<TagFilter> {
        let (key, expr) = match text.split_once('=') {
            Some((k, v)) => (Some(k.to_owned()), v),
            None => (None, text),
        };
        if let Some(kind) = parse_range(expr) {
            return Ok(TagFilter { key, kind });
        }
        let regexes = expr
            .split(',')
            .map(|p| {
                regex::Regex::new(p)
                    .map_err(|e| Error::Usage(format!("invalid {what} regex {p:?}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(TagFilter { key, kind: TagKind::Regex(regexes) })
    }

    fn matches(&self, rec: &Record) -> bool {
        match (&self.kind, &self.key) {
            (TagKind::Range { low, high, dim }, key) => rec.labels().any(|(k, values)| {
                key.as_deref().is_none_or(|want| want == k)
                    && numeric_values(values).is_some_and(|vals| {
                        vals.iter().map(|&v| in_key_unit(k, v)).any(|v| {
                            (v.dim == *dim || v.dim == Dimension::Zero)
                                && low.is_none_or(|lo| v.centi >= lo)
                                && high.is_none_or(|hi| v.centi <= hi)
                        })
                    })
            }),
            // pprof: with a key, any regex matching any value of that key.
            (TagKind::Regex(res), Some(want)) => rec.labels().any(|(k, values)| {
                k == want
                    && numeric_values(values).is_none()
                    && values.split(' ').any(|v| res.iter().any(|re| re.is_match(v)))
            }),
            // pprof: without a key, every regex must match some `key:value`.
            (TagKind::Regex(res), None) => res.iter().all(|re| {
                rec.labels().any(|(k, values)| {
                    numeric_values(values).is_none()
                        && values.split(' ').any(|v| re.is_match(&format!("{k}:{v}")))
                })
            }),
        }
    }
}

/// The values of a label line if all read as numbers with pprof units.
fn numeric_values(values: &str) -> Option<Vec<Value>> {
    if values.is_empty() {
        return None;
    }
    values.split(' ').map(|v| parse_value(v).ok().filter(|v| v.dim != Dimension::Other)).collect()
}

/// pprof's `NumLabelUnits`: a numeric label without a unit is in bytes when
/// its key is `bytes`, `request` or `alignment` (pprof printed numeric labels
/// as bare integers from 2017-07 to 2017-09: `bytes:  1024`).
fn in_key_unit(key: &str, v: Value) -> Value {
    if v.dim == Dimension::Count && matches!(key, "bytes" | "request" | "alignment") {
        Value { dim: Dimension::Bytes, ..v }
    } else {
        v
    }
}

/// A numeric range `lo:hi`, `lo:`, `:hi` or a single value, as pprof's
/// `parseTagFilterRange` reads it (integers with an optional unit).
fn parse_range(expr: &str) -> Option<TagKind> {
    let bound = |s: &str| -> Option<Value> {
        let digits = s.trim_start_matches(['-', '+']);
        if !digits.starts_with(|c: char| c.is_ascii_digit()) || s.contains('.') {
            return None;
        }
        parse_user_value(s)
    };
    let (low, high) = match expr.split_once(':') {
        Some((lo, hi)) => {
            let low = if lo.is_empty() { None } else { Some(bound(lo)?) };
            let high = if hi.is_empty() { None } else { Some(bound(hi)?) };
            if low.is_none() && high.is_none() {
                return None;
            }
            (low, high)
        }
        None => {
            let v = bound(expr)?;
            (Some(v), Some(v))
        }
    };
    let dim_of = |v: &Value| if v.dim == Dimension::Zero { Dimension::Count } else { v.dim };
    let dim = low.as_ref().or(high.as_ref()).map(dim_of)?;
    if let (Some(l), Some(h)) = (&low, &high) {
        if dim_of(l) != dim_of(h) {
            return None;
        }
    }
    Some(TagKind::Range { low: low.map(|v| v.centi), high: high.map(|v| v.centi), dim })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Frame;

    fn record(names: &mut Names, labels: &[(&str, &str)], value: &str, frames: &[&str]) -> Record {
        let mut rec = Record::new();
        for (k, v) in labels {
            rec.push_label(k, v);
        }
        rec.set_value(parse_value(value).unwrap(), value);
        for f in frames {
            let (name, inline) = crate::read::traces::split_inline(f);
            rec.frames.push(Frame { name: names.intern(name), inline });
        }
        rec
    }

    fn frames(rec: &Record, names: &Names) -> Vec<String> {
        rec.frames
            .iter()
            .map(|f| format!("{}{}", names.get(f.name), if f.inline { " (inline)" } else { "" }))
            .collect()
    }

    fn filter(args: FilterOptions) -> Filter {
        Filter::new(&args).unwrap()
    }

    #[test]
    fn focus_and_ignore_look_at_any_frame() {
        let mut names = Names::new();
        let mut rec = record(&mut names, &[], "1kB", &["runtime.malg", "main.main"]);
        assert!(filter(FilterOptions { focus: Some("^main\\.".into()), ..Default::default() })
            .keep(&mut rec, &names));
        assert!(!filter(FilterOptions { focus: Some("nothing".into()), ..Default::default() })
            .keep(&mut rec, &names));
        assert!(!filter(FilterOptions { ignore: Some("malg".into()), ..Default::default() })
            .keep(&mut rec, &names));
    }

    #[test]
    fn hide_moves_the_inline_marker_like_pprof() {
        let mut names = Names::new();
        let mut rec = record(
            &mut names,
            &[],
            "3.12kB",
            &["main.mk (inline)", "main.allocSmall", "main.main"],
        );
        assert!(filter(FilterOptions { hide: Some("allocSmall".into()), ..Default::default() })
            .keep(&mut rec, &names));
        assert_eq!(frames(&rec, &names), ["main.mk", "main.main"]);
        let mut all = record(&mut names, &[], "1kB", &["main.main"]);
        assert!(!filter(FilterOptions { hide: Some("main".into()), ..Default::default() })
            .keep(&mut all, &names));
        let mut shown = record(&mut names, &[], "1kB", &["a (inline)", "b", "c"]);
        assert!(filter(FilterOptions { show: Some("^[ac]$".into()), ..Default::default() })
            .keep(&mut shown, &names));
        assert_eq!(frames(&shown, &names), ["a", "c"]);
    }

    #[test]
    fn show_from_cuts_above_the_outermost_match() {
        let mut names = Names::new();
        let mut rec = record(&mut names, &[], "1kB", &["leaf", "mid (inline)", "x", "mid", "root"]);
        assert!(filter(FilterOptions { show_from: Some("^mid$".into()), ..Default::default() })
            .keep(&mut rec, &names));
        // pprof cuts every matching location above its last match: `x`,
        // into which `mid` was inlined, goes too (profile/filter.go
        // filterShowFromLocation).
        assert_eq!(frames(&rec, &names), ["leaf", "mid", "mid"]);
        let mut inl = record(&mut names, &[], "1kB", &["leaf", "mid (inline)", "x", "root"]);
        assert!(filter(FilterOptions { show_from: Some("^mid$".into()), ..Default::default() })
            .keep(&mut inl, &names));
        assert_eq!(frames(&inl, &names), ["leaf", "mid"]);
        assert!(!filter(FilterOptions { show_from: Some("zzz".into()), ..Default::default() })
            .keep(&mut inl, &names));
    }

    #[test]
    fn frames_of_a_profile_match_by_file_and_mapping() {
        use crate::record::FrameOrigin;
        let mut names = Names::new();
        let mut rec =
            record(&mut names, &[], "1kB", &["reflect.makemap", "[app]", "<unknown>", "main.main"]);
        let app = Some(names.intern("/bin/app"));
        rec.origins = vec![
            FrameOrigin { file: Some(names.intern("runtime/map.go")), mapping: app, line: true },
            FrameOrigin { file: None, mapping: app, line: false },
            FrameOrigin { file: None, mapping: app, line: true },
            FrameOrigin { file: Some(names.intern("app/main.go")), mapping: app, line: true },
        ];
        let args = |f: fn(&mut FilterOptions)| {
            let mut a = FilterOptions::default();
            f(&mut a);
            a
        };
        let ignore = args(|a| a.ignore = Some("^runtime/".into()));
        assert!(!filter(ignore).keep(&mut rec.clone(), &names));
        // Only the mapping is matched on a frame without a function.
        let focus = args(|a| a.focus = Some("unknown".into()));
        assert!(!filter(focus).keep(&mut rec.clone(), &names));
        // --show keeps lines without a function, drops locations without lines.
        let mut shown = rec.clone();
        assert!(filter(args(|a| a.show = Some("main".into()))).keep(&mut shown, &names));
        assert_eq!(frames(&shown, &names), ["<unknown>", "main.main"]);
        assert_eq!(shown.origins.len(), 2);
        // A matching mapping hides every frame.
        let hide = args(|a| a.hide = Some("^/bin/".into()));
        assert!(!filter(hide).keep(&mut rec.clone(), &names));
    }

    #[test]
    fn tag_filters_follow_pprof_syntax() {
        let mut names = Names::new();
        let mut rec = record(&mut names, &[("worker", "a"), ("bytes", "2kB")], "1kB", &["f"]);
        let keep = |tf: &str, rec: &mut Record| {
            filter(FilterOptions { tagfocus: Some(tf.into()), ..Default::default() })
                .keep(rec, &names)
        };
        assert!(keep("bytes=1kb:64kb", &mut rec));
        assert!(keep("1kb:", &mut rec));
        assert!(!keep("bytes=:512", &mut rec));
        assert!(keep("bytes=2kb", &mut rec));
        // pprof's Scale gives a unitless bound no unit, so it only matches
        // unitless labels: `2048` does not match `2kB`.
        assert!(!keep("bytes=2048", &mut rec));
        assert!(keep("worker=^a$", &mut rec));
        assert!(!keep("worker=b", &mut rec));
        assert!(keep("worker:a", &mut rec));
        assert!(!keep("worker:a,phase:x", &mut rec));
        let mut f =
            filter(FilterOptions { tagignore: Some("worker=a".into()), ..Default::default() });
        assert!(!f.keep(&mut rec, &names));
    }

    #[test]
    fn min_value_in_pprof_units() {
        let mut names = Names::new();
        let mut big = record(&mut names, &[], "2MB", &["f"]);
        let mut small = record(&mut names, &[], "1000kB", &["f"]);
        let mut f = filter(FilterOptions { min: Some("1mb".into()), ..Default::default() });
        assert!(f.keep(&mut big, &names));
        assert!(!f.keep(&mut small, &names));
        assert!(
            Filter::new(&FilterOptions { min: Some("lots".into()), ..Default::default() }).is_err()
        );
    }
}
