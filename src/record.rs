//! The data model: a report [`Header`], one [`Record`] per sample, its
//! [`Frame`]s and labels, and the [`Names`] table that interns function
//! names. Nothing here knows about text: the traces parser fills these types,
//! and so can any other reader of pprof data.

use crate::units::{Dimension, Value};

/// Index of an interned frame name in [`Names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameId(pub u32);

/// Interned frame names. A report of millions of lines has only hundreds or
/// thousands of distinct functions, so frames store a 4-byte [`NameId`].
///
/// Ids are given in the order names are first seen. The table is keyed by
/// bytes, so that a known name is found without first checking that its
/// bytes are UTF-8 (they were checked when it was added): readers look up
/// every frame line here, so the lookup is an open-addressing table of its
/// own with a hash that reads 8 bytes at a time, not a general map.
#[derive(Debug, Default, Clone)]
pub struct Names {
    /// A power of two of slots (or none before the first name), at most
    /// half full: 0 for an empty slot, else the id plus one in the low 32
    /// bits and the high 32 bits of the name's [`hash`] in the high ones.
    slots: Vec<u64>,
    names: Vec<Box<str>>,
    /// In front of the slots, a direct-mapped cache of the names looked up
    /// lately, by a cheaper hash of a few of their bytes ([`quick_hash`]):
    /// [`CACHE`] entries (or none before the first name), each 0 or an id
    /// plus one. A hit costs a compare of the name; a miss goes on to the
    /// slots.
    cache: Vec<u32>,
    /// By name id: the frame that followed a frame of that name in the
    /// stack read last where it occurred (see [`Names::successor`]), packed
    /// as `(id + 1) << 1 | inline`, or 0 for none yet. Stacks repeat their
    /// callers, so the next frame is usually this one: the reader compares
    /// its line against that name in place instead of hashing it.
    successors: Vec<u64>,
}

/// Entries of [`Names`]'s cache.
const CACHE: usize = 4096;

impl Names {
    /// An empty table.
    pub fn new() -> Names {
        Names::default()
    }

    /// The id of `name`, adding it on first sight. Allocates only then.
    pub fn intern(&mut self, name: &str) -> NameId {
        match self.lookup_bytes(name.as_bytes()) {
            Some(id) => id,
            None => self.insert(name),
        }
    }

    fn insert(&mut self, name: &str) -> NameId {
        let id = NameId(u32::try_from(self.names.len()).expect("fewer than 2^32 names"));
        if (self.names.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.place(hash(name.as_bytes()), id);
        self.names.push(name.into());
        id
    }

    /// Doubles the slots (16 at first) and places every name again.
    fn grow(&mut self) {
        if self.cache.is_empty() {
            self.cache = vec![0; CACHE];
        }
        let len = (self.slots.len() * 2).max(16);
        self.slots = vec![0; len];
        for i in 0..self.names.len() {
            self.place(hash(self.names[i].as_bytes()), NameId(i as u32));
        }
    }

    /// Puts `id`, of hash `h`, in the first free slot of its probe sequence.
    fn place(&mut self, h: u64, id: NameId) {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = (h & !0xffff_ffff) | (u64::from(id.0) + 1);
    }

    /// The name behind an id.
    pub fn get(&self, id: NameId) -> &str {
        &self.names[id.0 as usize]
    }

    /// The id of a name already seen.
    pub fn lookup(&self, name: &str) -> Option<NameId> {
        self.lookup_bytes(name.as_bytes())
    }

    /// The id of a name already seen, given as bytes.
    pub(crate) fn lookup_bytes(&self, name: &[u8]) -> Option<NameId> {
        if self.slots.is_empty() {
            return None;
        }
        self.find(name)
    }

    /// The id of a name already seen, given as bytes, remembering it in the
    /// cache: the readers' lookup, once per frame line.
    #[inline(always)]
    pub(crate) fn lookup_cached(&mut self, name: &[u8]) -> Option<NameId> {
        if self.cache.is_empty() {
            return None;
        }
        let at = quick_hash(name) & (CACHE - 1);
        let cached = self.cache[at];
        if cached != 0 && bytes_eq(self.names[cached as usize - 1].as_bytes(), name) {
            return Some(NameId(cached - 1));
        }
        let id = self.find(name)?;
        self.cache[at] = id.0 + 1;
        Some(id)
    }

    /// The id of `name` in the slots (there are some).
    #[inline(never)]
    fn find(&self, name: &[u8]) -> Option<NameId> {
        let h = hash(name);
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            if slot >> 32 == h >> 32 {
                let id = (slot as u32) - 1;
                if bytes_eq(self.names[id as usize].as_bytes(), name) {
                    return Some(NameId(id));
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// True when `bytes` is the name of `id` (an id of this table).
    #[inline(always)]
    pub(crate) fn name_is(&self, id: NameId, bytes: &[u8]) -> bool {
        bytes_eq(self.names[id.0 as usize].as_bytes(), bytes)
    }

    /// The length of the name of `id` (an id of this table).
    #[inline(always)]
    pub(crate) fn name_len(&self, id: NameId) -> usize {
        self.names[id.0 as usize].len()
    }

    /// The frame that followed a frame named `id` where one was last
    /// remembered with [`Names::set_successor`], if any: a guess at the
    /// next frame, to be checked against the input.
    #[inline(always)]
    pub(crate) fn successor(&self, id: NameId) -> Option<Frame> {
        let packed = *self.successors.get(id.0 as usize)?;
        (packed != 0)
            .then(|| Frame { name: NameId(((packed >> 1) - 1) as u32), inline: packed & 1 == 1 })
    }

    /// Remembers that `next` followed a frame named `id` (both of this
    /// table).
    #[inline]
    pub(crate) fn set_successor(&mut self, id: NameId, next: Frame) {
        let at = id.0 as usize;
        if at >= self.successors.len() {
            self.successors.resize(self.names.len().max(at + 1), 0);
        }
        self.successors[at] = (u64::from(next.name.0) + 1) << 1 | u64::from(next.inline);
    }

    /// Number of distinct names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True if no name was interned yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names from id `start` on, in id order.
    pub(crate) fn names_from(&self, start: usize) -> impl Iterator<Item = &str> {
        self.names[start.min(self.names.len())..].iter().map(|n| &**n)
    }

    /// All names with their ids, in the order first seen.
    pub fn iter(&self) -> impl Iterator<Item = (NameId, &str)> {
        self.names.iter().enumerate().map(|(i, n)| (NameId(i as u32), &**n))
    }
}

/// The little-endian word of 8 bytes at `at`.
#[inline]
fn word(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The hash of a name, for [`Names`]: every byte counts, read 8 at a time
/// (the last word overlapping the one before), then mixed so that both the
/// low bits (the slot) and the high ones (kept in the slot) vary.
#[inline]
fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let len = bytes.len();
    let mut h = (len as u64).wrapping_mul(K);
    if len >= 8 {
        let mut at = 0;
        while at + 8 < len {
            h = (h ^ word(bytes, at)).wrapping_mul(K).rotate_left(26);
            at += 8;
        }
        h = (h ^ word(bytes, len - 8)).wrapping_mul(K);
    } else {
        let mut w = [0u8; 8];
        w[..len].copy_from_slice(bytes);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(K);
    h ^ (h >> 32)
}

/// A hash of a name's length and of its first and last 8 bytes, for the
/// cache of [`Names`]: cheap, and good enough there, since a name that
/// shares its entry with another one is still found in the slots.
#[inline]
fn quick_hash(bytes: &[u8]) -> usize {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let len = bytes.len();
    let h = if len >= 8 {
        word(bytes, 0) ^ word(bytes, len - 8).rotate_left(29)
    } else {
        bytes.iter().fold(0u64, |h, &b| (h << 8) | u64::from(b))
    };
    ((h ^ len as u64).wrapping_mul(K) >> 40) as usize
}

/// `a == b`, compared 8 bytes at a time: names are short, and a call to
/// `memcmp` costs more than comparing them.
#[inline]
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if len < 8 {
        return a == b;
    }
    let mut at = 0;
    while at + 8 < len {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, len - 8) == word(b, len - 8)
}

/// One line of a stack: a function (or `func file:line`, `address func ...`
/// with other granularities), and whether pprof marked it ` (inline)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    /// The frame text without the ` (inline)` marker.
    pub name: NameId,
    /// True when the frame was inlined into its caller (printed ` (inline)`).
    pub inline: bool,
}

/// What a binary profile (or `-raw` text) knows of a frame beyond its
/// printed name; pprof's frame filters (`-focus`, `-hide`...) match these
/// too. A traces report does not print them: its records have none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FrameOrigin {
    /// The source file of the frame's function (`Function.filename`, full
    /// path); `None` when the frame has no function (`[binary]`).
    pub file: Option<NameId>,
    /// The file of the frame's mapping (`Mapping.file`, the binary or
    /// shared library); `None` when the location has no mapping.
    pub mapping: Option<NameId>,
    /// False for the one frame of a location without lines (pprof shows
    /// its address or binary): `--show` never keeps such a location.
    pub line: bool,
}

/// The kind of a header line, by its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderField {
    /// `File: heketi`
    File,
    /// `Build ID: 059f700e...`
    BuildId,
    /// `Type: inuse_space`
    Type,
    /// `Doc: https://...` (pprof since 2024-09)
    Doc,
    /// `Time: Oct 16, 2018 at 11:14am (UTC)` or `Time: 2024-10-09 10:00:00 UTC`
    Time,
    /// `Duration: 30s, Total samples = 1.12s ( 3.73%)`
    Duration,
    /// Any other line: a profile comment, or a warning pprof printed first.
    Comment,
    /// The empty line pprof prints when a profile has no header fields.
    Empty,
}

impl HeaderField {
    /// The prefix of a line of this kind, with its `": "`.
    pub fn prefix(self) -> &'static str {
        match self {
            HeaderField::File => "File: ",
            HeaderField::BuildId => "Build ID: ",
            HeaderField::Type => "Type: ",
            HeaderField::Doc => "Doc: ",
            HeaderField::Time => "Time: ",
            HeaderField::Duration => "Duration: ",
            HeaderField::Comment | HeaderField::Empty => "",
        }
    }

    /// Classifies one header line by its prefix.
    pub(crate) fn classify(line: &str) -> HeaderField {
        const FIELDS: [HeaderField; 6] = [
            HeaderField::File,
            HeaderField::BuildId,
            HeaderField::Type,
            HeaderField::Doc,
            HeaderField::Time,
            HeaderField::Duration,
        ];
        if line.is_empty() {
            return HeaderField::Empty;
        }
        FIELDS.into_iter().find(|f| line.starts_with(f.prefix())).unwrap_or(HeaderField::Comment)
    }
}

/// The lines before the first separator, kept in order and verbatim.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Every header line with its kind, as printed (without the line end).
    pub lines: Vec<(HeaderField, String)>,
}

/// The header as JSON shows it: the fields pprof printed (`file`,
/// `build_id`, `type`, `time`, `duration`, `doc`; absent ones are `null`),
/// the other lines as `comments`, and every line verbatim in `lines`.
impl serde::Serialize for Header {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(8))?;
        for (key, field) in [
            ("file", HeaderField::File),
            ("build_id", HeaderField::BuildId),
            ("type", HeaderField::Type),
            ("time", HeaderField::Time),
            ("duration", HeaderField::Duration),
            ("doc", HeaderField::Doc),
        ] {
            map.serialize_entry(key, &self.get(field))?;
        }
        let comments: Vec<&str> = self
            .lines
            .iter()
            .filter(|(f, _)| *f == HeaderField::Comment)
            .map(|(_, l)| l.as_str())
            .collect();
        map.serialize_entry("comments", &comments)?;
        let lines: Vec<&str> = self.lines.iter().map(|(_, l)| l.as_str()).collect();
        map.serialize_entry("lines", &lines)?;
        map.end()
    }
}

impl Header {
    /// The filters pprof printed the report with, where the session around
    /// it shows them: an interactive `traces PATTERN` (`focus=PATTERN`), an
    /// option set at the prompt (`focus=...`, `tagignore=...`), or
    /// `-focus=...` and the like on a `go tool pprof` command line kept as
    /// a comment line. A report printed so holds only the samples the
    /// filters kept, and not the profile's total.
    pub fn filters(&self) -> Vec<String> {
        const OPTIONS: [&str; 9] = [
            "focus",
            "ignore",
            "tagfocus",
            "tagignore",
            "show",
            "hide",
            "show_from",
            "tagshow",
            "taghide",
        ];
        let mut found = Vec::new();
        for (field, line) in &self.lines {
            if *field != HeaderField::Comment {
                continue;
            }
            let line = line.trim();
            if let Some(pattern) = line.strip_prefix("traces ") {
                if !pattern.trim().is_empty() {
                    found.push(format!("focus={}", pattern.trim()));
                }
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let command_line = words.contains(&"pprof");
            for word in words {
                let option = if command_line {
                    word.strip_prefix("--").or_else(|| word.strip_prefix('-'))
                } else if line.split_whitespace().count() == 1 {
                    Some(word)
                } else {
                    None
                };
                let Some((key, value)) = option.and_then(|o| o.split_once('=')) else { continue };
                if OPTIONS.contains(&key) && !value.is_empty() {
                    found.push(format!("{key}={value}"));
                }
            }
        }
        found
    }

    /// The text after the prefix of the first line of this kind.
    pub fn get(&self, field: HeaderField) -> Option<&str> {
        self.lines
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, line)| line[field.prefix().len()..].trim_end())
    }

    /// The sample type (`inuse_space`, `cpu`, `mean_delay`), if printed.
    pub fn sample_type(&self) -> Option<&str> {
        self.get(HeaderField::Type)
    }

    /// The dimension the header's sample type implies.
    pub fn dimension(&self) -> Option<Dimension> {
        self.sample_type().and_then(Dimension::of_sample_type)
    }
}

/// One label line of a sample, as offsets into the record's label text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LabelSpan {
    key_end: u32,
    value_end: u32,
}

/// One sample: its labels, its value and its stack, leaf first.
///
/// A `Record` is meant to be reused: readers clear and refill it, so reading
/// a report allocates nothing per sample once the buffers have grown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// 1-based number of the sample in its input: the block of a traces
    /// report, or the sample's place in a binary profile or `-raw` text as
    /// pprof loads it (the order `go tool pprof -raw` prints).
    pub index: u64,
    /// 1-based line of the value line in the input (0 when not from text:
    /// a binary profile or `-raw` text, where [`Record::index`] names it).
    pub line: u64,
    /// The sample value, exact in the base unit.
    pub value: Value,
    value_text: String,
    label_text: String,
    labels: Vec<LabelSpan>,
    /// The stack, leaf first (frame 0 carries the value), root last.
    pub frames: Vec<Frame>,
    /// Beside each frame, what the input knows of it beyond its name
    /// (binary profiles and `-raw` text); empty for a traces report.
    pub origins: Vec<FrameOrigin>,
}

impl Default for Value {
    fn default() -> Value {
        Value::ZERO
    }
}

impl Record {
    /// An empty record.
    pub fn new() -> Record {
        Record::default()
    }

    /// Empties the record, keeping its buffers.
    pub fn clear(&mut self) {
        self.index = 0;
        self.line = 0;
        self.value = Value::ZERO;
        self.value_text.clear();
        self.label_text.clear();
        self.labels.clear();
        self.frames.clear();
        self.origins.clear();
    }

    /// Sets the value and the text it was printed as.
    pub(crate) fn set_value(&mut self, value: Value, text: &str) {
        self.value = value;
        self.value_text.clear();
        self.value_text.push_str(text);
    }

    /// The line of the value line, `None` for a record that was not read
    /// from a traces report (a binary profile or `-raw` text).
    pub(crate) fn text_line(&self) -> Option<u64> {
        (self.line != 0).then_some(self.line)
    }

    /// Where the record is in `file`, for messages: `sample 3 at
    /// traces.txt:12` for a traces report, `heap.pb.gz sample 149` for a
    /// binary profile or `-raw` text, whose records have no line.
    pub fn position<'a>(&'a self, file: &'a str) -> impl std::fmt::Display + 'a {
        struct Position<'a>(&'a Record, &'a str);
        impl std::fmt::Display for Position<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let Position(rec, file) = self;
                match rec.text_line() {
                    Some(line) => write!(f, "sample {} at {file}:{line}", rec.index),
                    None => write!(f, "{file} sample {}", rec.index),
                }
            }
        }
        Position(self, file)
    }

    /// The value as printed in the report (`21.01MB`).
    pub fn value_text(&self) -> &str {
        &self.value_text
    }

    /// Appends a label line: its key and its values as printed (joined by
    /// single spaces, as pprof joins them).
    pub(crate) fn push_label(&mut self, key: &str, values: &str) {
        self.label_text.push_str(key);
        let key_end = self.label_text.len() as u32;
        self.label_text.push_str(values);
        let value_end = self.label_text.len() as u32;
        self.labels.push(LabelSpan { key_end, value_end });
    }

    /// The labels in printed order, as `(key, values)`.
    pub fn labels(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        let mut start = 0usize;
        self.labels.iter().map(move |span| {
            let key = &self.label_text[start..span.key_end as usize];
            let values = &self.label_text[span.key_end as usize..span.value_end as usize];
            start = span.value_end as usize;
            (key, values)
        })
    }

    /// The values of the label `key`, as printed, if the sample has it.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Number of label lines.
    pub(crate) fn label_count(&self) -> usize {
        self.labels.len()
    }

    /// The leaf frame, where the value was measured.
    pub fn leaf(&self) -> Option<Frame> {
        self.frames.first().copied()
    }

    /// True when pprof's `-diff_base` marked this sample as coming from the
    /// base profile (`pprof::base:  true`).
    pub(crate) fn is_base(&self) -> bool {
        self.label("pprof::base") == Some("true")
    }

    /// The labels as one field, `key=values` joined by `; ` (CSV output).
    pub fn labels_joined(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.labels().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            out.push_str(k);
            out.push('=');
            out.push_str(v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::parse_value;

    #[test]
    fn names_are_interned_once() {
        let mut names = Names::new();
        let a = names.intern("main.main");
        let b = names.intern("runtime.main");
        assert_eq!(names.intern("main.main"), a);
        assert_ne!(a, b);
        assert_eq!(names.get(b), "runtime.main");
        assert_eq!(names.len(), 2);
        assert_eq!(names.lookup("runtime.main"), Some(b));
        assert_eq!(names.lookup("nope"), None);
    }

    #[test]
    fn successors_remember_the_last_frame_after_each_name() {
        let mut names = Names::new();
        let ids: Vec<NameId> = (0..40).map(|i| names.intern(&format!("f{i}"))).collect();
        assert_eq!(names.successor(ids[0]), None);
        let next = |i: usize, inline: bool| Frame { name: ids[i], inline };
        names.set_successor(ids[3], next(39, true));
        names.set_successor(ids[39], next(0, false));
        assert_eq!(names.successor(ids[3]), Some(next(39, true)));
        assert_eq!(names.successor(ids[39]), Some(next(0, false)));
        assert_eq!(names.successor(ids[4]), None);
        names.set_successor(ids[3], next(5, false));
        assert_eq!(names.successor(ids[3]), Some(next(5, false)));
        // An id past the names a table knows guesses nothing.
        assert_eq!(names.successor(NameId(1000)), None);
        assert!(names.name_is(ids[12], b"f12") && !names.name_is(ids[12], b"f1"));
        assert_eq!(names.name_len(ids[12]), 3);
    }

    #[test]
    fn names_keep_first_seen_order_through_growth_and_the_cache() {
        // Short and long names, names alike but for a middle byte (the
        // cache's hash reads only the first and last 8 bytes), and more
        // names than the cache has entries.
        let all: Vec<String> = (0..10_000)
            .map(|i| match i % 4 {
                0 => format!("f{i}"),
                1 => format!("github.com/x/y.(*T).M{i}"),
                2 => format!("runtime.mcall/{i:05}/middle.func1"),
                _ => "x".repeat(1 + i % 40) + &i.to_string(),
            })
            .collect();
        let mut names = Names::new();
        for (i, name) in all.iter().enumerate() {
            assert_eq!(names.lookup_cached(name.as_bytes()), None, "{name}");
            assert_eq!(names.intern(name), NameId(i as u32));
        }
        for round in 0..2 {
            for (i, name) in all.iter().enumerate().rev() {
                assert_eq!(names.lookup_cached(name.as_bytes()), Some(NameId(i as u32)), "{round}");
                assert_eq!(names.lookup_bytes(name.as_bytes()), Some(NameId(i as u32)));
                assert_eq!(names.get(NameId(i as u32)), name);
            }
        }
        assert_eq!(names.len(), all.len());
        assert_eq!(names.lookup_cached(b"f1 "), None);
        assert_eq!(names.lookup_cached(b""), None);
        assert_eq!(names.intern(""), NameId(all.len() as u32));
        assert_eq!(names.lookup_cached(b""), Some(NameId(all.len() as u32)));
    }

    #[test]
    fn labels_round_trip_through_the_shared_buffer() {
        let mut rec = Record::new();
        rec.push_label("pprof::base", "true");
        rec.push_label("", "empty-key");
        rec.push_label("bytes", "1.50kB 2kB");
        let got: Vec<_> = rec.labels().collect();
        assert_eq!(got, [("pprof::base", "true"), ("", "empty-key"), ("bytes", "1.50kB 2kB")]);
        assert!(rec.is_base());
        assert_eq!(rec.label("bytes"), Some("1.50kB 2kB"));
        assert_eq!(rec.labels_joined(), "pprof::base=true; =empty-key; bytes=1.50kB 2kB");
        rec.clear();
        assert_eq!(rec.labels().count(), 0);
    }

    #[test]
    fn header_fields_by_prefix() {
        let header = Header {
            lines: [
                "File: heketi",
                "a free-form comment",
                "Type: inuse_space",
                "Duration: 702.56ms, Total samples = 60 ",
            ]
            .iter()
            .map(|l| (HeaderField::classify(l), l.to_string()))
            .collect(),
        };
        assert_eq!(header.get(HeaderField::File), Some("heketi"));
        assert_eq!(header.lines[1].0, HeaderField::Comment);
        assert_eq!(header.sample_type(), Some("inuse_space"));
        assert_eq!(header.dimension(), Some(Dimension::Bytes));
        assert_eq!(header.get(HeaderField::Duration), Some("702.56ms, Total samples = 60"));
        assert_eq!(HeaderField::classify(""), HeaderField::Empty);
    }

    #[test]
    fn record_value_keeps_text() {
        let mut rec = Record::new();
        rec.set_value(parse_value("21.01MB").unwrap(), "21.01MB");
        assert_eq!(rec.value_text(), "21.01MB");
        assert_eq!(rec.value.dim, Dimension::Bytes);
    }
}
