//! Buckets of similar goroutines, as panicparse groups a dump, and the same
//! buckets across several dumps of one process: each bucket's count in
//! every input, the goroutine ids present in all of them (what a leak
//! leaves behind), and a leak verdict with a list of known-harmless
//! goroutines in the spirit of uber-go/goleak's ignore options.
//!
//! Similarity follows panicparse (`stack.Similarity`): `exact` requires the
//! same arguments, `pointers` (its default) lets arguments that look like
//! pointers differ (values above 512 KiB and below 2^63), `values` (its
//! `-aggressive`) lets any argument differ; the shape of the arguments
//! (count, `{...}` nesting, a trailing `...`) must match at every level, as
//! must each frame's function and file:line. A bucket also requires the
//! same state, the same locked flag (at every level, where panicparse
//! keeps locked goroutines apart only at its exact level), the same labels
//! and the same creator (function and file:line, without Go 1.21's `in
//! goroutine N`). Arguments that differ within a bucket show as `*`.
//!
//! Goroutine profiles (binary or `?debug=1`) have no ids, states or
//! arguments: their samples are buckets with the profile's counts. Go
//! 1.26's goroutineleak profile is read the same way, its samples being
//! the leaked goroutines; its `debug=2` form is a dump whose leaked
//! goroutines carry the label `leaked=true`, which keeps them in buckets of
//! their own.
//!
//! Several inputs are taken in the order given, or ([`Order`]) by the time
//! each carries (a binary profile's `time_nanos`) or by their files'
//! modification times; the report says which.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use regex::Regex;
use serde::Serialize;

use crate::analysis::blame::{Classifier, CodeKind};
use crate::analysis::summary::GOROUTINE_LEAK;
use crate::error::{Error, Result};
use crate::read::goroutine_dump::{self, Dump};
use crate::read::{self, InputKind, SourceOptions};
use crate::record::{Names, Record};
use crate::units::Dimension;

/// How alike two goroutines' arguments must be to share a bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Similarity {
    /// The same arguments (panicparse's `ExactLines`).
    Exact,
    /// Arguments that look like pointers may differ (panicparse's default,
    /// `AnyPointer`).
    #[default]
    Pointers,
    /// Any argument may differ (panicparse's `-aggressive`, `AnyValue`).
    Values,
}

/// The order in which several inputs are taken (the intervals, growth
/// and long-lived ids follow it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// As given on the command line.
    #[default]
    Given,
    /// By the time each input carries: a binary profile's `time_nanos`,
    /// `-raw` text's or a traces report's `Time:`. An input without one
    /// (a dump, a `?debug=1` profile) is an error that names it.
    Time,
    /// By each file's modification time (standard input has none).
    Mtime,
}

/// Goroutines that every Go program has, or that a dump's writer runs: a
/// bucket with a frame (or creator) matching one of these is never called
/// a leak. Each entry is a regular expression over function names and the
/// reason shown with it.
pub const DEFAULT_IGNORES: &[(&str, &str)] = &[
    (
        r"^runtime\.(forcegchelper|bgsweep|bgscavenge|runfinq|gcBgMarkWorker|ensureSigM|timerproc|unique_runtime_registerUniqueMapCleanup)",
        "runtime",
    ),
    (r"^os/signal\.(signal_recv|loop)$", "signal handling"),
    (
        r"^runtime/pprof\.(writeGoroutineStacks|writeRuntimeProfile|writeGoroutine)$",
        "wrote the dump",
    ),
    (r"^runtime\.Stack$", "wrote the dump"),
    (r"^net/http\.\(\*persistConn\)\.(readLoop|writeLoop)$", "net/http keep-alive connection"),
    (r"^net/http\.\(\*conn\)\.serve$", "net/http keep-alive connection"),
    (r"^testing\.(tRunner|\(\*T\)\.Run|\(\*M\)\.Run)$", "the test runner"),
];

/// The known-harmless entries that apply only while a bucket does not
/// grow (idle keep-alive connections come and go; ever more of them is a
/// leak).
const HARMLESS_UNLESS_GROWING: &[&str] = &["net/http keep-alive connection"];

/// What [`goroutines`] groups and keeps.
#[derive(Clone, Debug, Default)]
pub struct GoroutinesOptions {
    /// How alike arguments must be.
    pub similarity: Similarity,
    /// Keep buckets whose state matches.
    pub state: Option<String>,
    /// Keep buckets whose header (state, creator) or any frame (function
    /// or file:line) matches.
    pub matching: Option<String>,
    /// Drop buckets whose header or any frame matches.
    pub excluding: Option<String>,
    /// Keep only buckets whose count rose in every interval (several
    /// inputs).
    pub growing: bool,
    /// Keep only buckets judged a leak.
    pub leaks: bool,
    /// More known-harmless functions (regular expressions).
    pub ignore: Vec<String>,
    /// Drop [`DEFAULT_IGNORES`].
    pub no_default_ignores: bool,
    /// Regular expressions of application frames (as `blame --app`).
    pub app: Vec<String>,
    /// Buckets to keep, first first; 0 keeps all.
    pub top: usize,
    /// The order of several inputs.
    pub order: Order,
}

/// A frame of a bucket's stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StackFrame {
    /// The function.
    pub function: String,
    /// Its source file, when printed.
    pub file: Option<String>,
    /// Its line, when printed.
    pub line: Option<u64>,
    /// The arguments as printed, those that differ within the bucket as
    /// `*`; `None` where the input has none (profiles).
    pub arguments: Option<String>,
    /// True for an inlined call (`(...)`).
    pub inline: bool,
    /// True for an application frame (as `blame` decides).
    pub application: bool,
}

/// Who started a bucket's goroutines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreatedBy {
    /// The function whose `go` statement it was.
    pub function: String,
    /// Its source file, when printed.
    pub file: Option<String>,
    /// Its line, when printed.
    pub line: Option<u64>,
    /// The creating goroutines' ids, where the dump prints `in goroutine N`.
    pub parents: Vec<u64>,
}

/// The ids that came and went between two inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Interval {
    /// Ids in the later input, not in the earlier one.
    pub new: Vec<u64>,
    /// Ids in the earlier input, not in the later one.
    pub gone: Vec<u64>,
}

/// One bucket of similar goroutines.
#[derive(Clone, Debug, Serialize)]
pub struct Bucket {
    /// Goroutines in the bucket in the last input.
    pub count: u64,
    /// The count in every input, in order.
    pub counts: Vec<u64>,
    /// The state (`chan receive`, `running`).
    pub state: String,
    /// The range of the wait in minutes, `[min, max]`, when printed.
    pub wait_minutes: Option<[u64; 2]>,
    /// Locked to a thread.
    pub locked: bool,
    /// The creator, when printed.
    pub created_by: Option<CreatedBy>,
    /// Other labels (`labels:{...}`, `# labels:`, `synctest group`).
    pub labels: Vec<(String, String)>,
    /// The goroutine ids in the last input, sorted (none for profiles).
    pub ids: Vec<u64>,
    /// With several inputs: the ids present in every input.
    pub long_lived: Vec<u64>,
    /// With several inputs: per interval, new and gone ids.
    pub intervals: Vec<Interval>,
    /// Holds the panicking goroutine (the first of a panic's dump).
    pub panicked: bool,
    /// With several inputs: the count rose in every interval.
    pub growing: bool,
    /// With several inputs: `leak` (grows, not known harmless), `harmless:
    /// REASON`, `steady`, `shrinking` or `varies`.
    pub verdict: Option<String>,
    /// The stack, leaf first.
    pub stack: Vec<StackFrame>,
}

/// What one input held.
#[derive(Clone, Debug, Serialize)]
pub struct InputSummary {
    /// The input's name.
    pub name: String,
    /// `dump`, `profile` or `goroutineleak profile` (Go 1.26's profile of
    /// leaked goroutines only).
    pub kind: &'static str,
    /// Goroutines in it.
    pub goroutines: u64,
    /// The panic or fatal error message of a dump.
    pub panic: Option<String>,
    /// How many of them are leaked, where the input says: all of a
    /// goroutineleak profile's, those a dump marks `(leaked)` (the
    /// goroutineleak profile's `debug=2` form); `None` elsewhere.
    pub leaked: Option<u64>,
    /// The time the inputs were ordered by (nanoseconds since 1970): the
    /// one the input carries (`--order time`) or its file's modification
    /// time (`--order mtime`); `None` in the order given.
    pub time_nanos: Option<i64>,
}

/// The buckets of all inputs.
#[derive(Clone, Debug, Serialize)]
pub struct GoroutinesReport {
    /// The similarity used.
    pub similarity: Similarity,
    /// The order the inputs were taken in.
    pub order: Order,
    /// Per input, in order.
    pub inputs: Vec<InputSummary>,
    /// Buckets before filtering.
    pub total_buckets: usize,
    /// The kept buckets: the panicking goroutine's first, then by count
    /// in the last input, largest first.
    pub buckets: Vec<Bucket>,
    /// Stderr notes of the read.
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// One goroutine (or, from a profile, one sample of `count` goroutines).
#[derive(Clone, Debug, Default)]
struct G {
    id: Option<u64>,
    count: u64,
    state: String,
    wait: Option<u64>,
    locked: bool,
    labels: Vec<(String, String)>,
    creator: Option<goroutine_dump::Creator>,
    /// Leaf first: function, file:line, arguments, inline.
    frames: Vec<(String, String, Option<String>, bool)>,
    first: bool,
}

/// A snapshot: one input's goroutines.
struct Snapshot {
    summary: InputSummary,
    goroutines: Vec<G>,
    /// The time the input carries, if any.
    time: Option<i64>,
}

/// Sorts snapshots by [`InputSummary::time_nanos`] where it is set, keeping
/// the order given among equal times (and all of it when none is set).
fn order_snapshots(snapshots: &mut [Snapshot]) {
    snapshots.sort_by_key(|s| s.summary.time_nanos);
}

/// A file's modification time in nanoseconds since 1970.
fn modification_time(path: &str) -> Result<i64> {
    if path == "-" {
        return Err(Error::Usage(
            "--order mtime: standard input has no modification time: give files".into(),
        ));
    }
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|source| Error::Io { path: path.to_owned(), source })?;
    let since = modified.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Ok(i64::try_from(since.as_nanos()).unwrap_or(i64::MAX))
}

/// Reads every input and buckets its goroutines.
pub fn goroutines(
    files: &[String],
    read_options: &SourceOptions,
    options: &GoroutinesOptions,
) -> Result<GoroutinesReport> {
    let usage = |what: &str, p: &str, e: regex::Error| {
        Error::Usage(format!("invalid {what} regular expression {p:?}: {e}"))
    };
    let compile = |what: &str, p: &Option<String>| -> Result<Option<Regex>> {
        p.as_deref().map(|p| Regex::new(p).map_err(|e| usage(what, p, e))).transpose()
    };
    let state_re = compile("--state", &options.state)?;
    let match_re = compile("--match", &options.matching)?;
    let exclude_re = compile("--exclude", &options.excluding)?;
    let mut ignores: Vec<(Regex, String)> = Vec::new();
    if !options.no_default_ignores {
        for (p, why) in DEFAULT_IGNORES {
            ignores.push((Regex::new(p).map_err(|e| usage("ignore", p, e))?, (*why).to_owned()));
        }
    }
    for p in &options.ignore {
        let re = Regex::new(p).map_err(|e| usage("--harmless", p, e))?;
        ignores.push((re, format!("--harmless {p}")));
    }

    let mut notes = Vec::new();
    let mut snapshots = Vec::new();
    for path in read::paths_or_stdin(files) {
        let mut snap = read_snapshot(&path, read_options, &mut notes)?;
        snap.summary.time_nanos = match options.order {
            Order::Given => None,
            Order::Time => Some(snap.time.ok_or_else(|| {
                Error::Usage(format!(
                    "--order time: {} carries no time (goroutine dumps and `?debug=1` profiles \
                     have none; binary profiles and pprof's text reports do): give the inputs \
                     in order, or use --order mtime to order by the files' modification times",
                    snap.summary.name
                ))
            })?),
            Order::Mtime => Some(modification_time(&path)?),
        };
        snapshots.push(snap);
    }
    order_snapshots(&mut snapshots);
    let n = snapshots.len();

    // Bucket keys to buckets; a bucket keeps, per input, its goroutines.
    let mut index: HashMap<String, usize> = HashMap::new();
    struct Acc {
        first: G,
        /// Per frame, the argument tokens so far (`*` where they differ).
        args: Vec<Option<Vec<Tok>>>,
        per_input: Vec<(u64, Vec<u64>)>,
        wait: Option<[u64; 2]>,
        parents: BTreeSet<u64>,
        panicked: bool,
        order: usize,
    }
    let mut accs: Vec<Acc> = Vec::new();
    let mut key = String::new();
    for (k, snap) in snapshots.iter().enumerate() {
        for g in &snap.goroutines {
            key.clear();
            bucket_key(g, options.similarity, &mut key);
            let slot = match index.get(key.as_str()) {
                Some(&i) => i,
                None => {
                    index.insert(key.clone(), accs.len());
                    accs.push(Acc {
                        first: g.clone(),
                        args: g.frames.iter().map(|f| f.2.as_deref().map(tokens)).collect(),
                        per_input: vec![(0, Vec::new()); n],
                        wait: None,
                        parents: BTreeSet::new(),
                        panicked: false,
                        order: accs.len(),
                    });
                    accs.len() - 1
                }
            };
            let acc = &mut accs[slot];
            acc.per_input[k].0 += g.count;
            if let Some(id) = g.id {
                acc.per_input[k].1.push(id);
            }
            if let Some(w) = g.wait {
                acc.wait = Some(match acc.wait {
                    Some([lo, hi]) => [lo.min(w), hi.max(w)],
                    None => [w, w],
                });
            }
            if let Some(p) = g.creator.as_ref().and_then(|c| c.parent) {
                acc.parents.insert(p);
            }
            acc.panicked |= g.first;
            for (merged, frame) in acc.args.iter_mut().zip(&g.frames) {
                if let (Some(m), Some(text)) = (merged.as_mut(), frame.2.as_deref()) {
                    merge_tokens(m, &tokens(text));
                }
            }
        }
    }
    let total_buckets = accs.len();

    let classifier = Classifier::new(
        &options.app,
        &[],
        accs.iter().flat_map(|a| a.first.frames.iter().map(|f| f.0.as_str())),
    )?;
    let mut buckets = Vec::new();
    for mut acc in accs {
        for (_, ids) in &mut acc.per_input {
            ids.sort_unstable();
        }
        let counts: Vec<u64> = acc.per_input.iter().map(|p| p.0).collect();
        let g = &acc.first;
        let stack: Vec<StackFrame> = g
            .frames
            .iter()
            .zip(&acc.args)
            .map(|((function, pos, _, inline), args)| {
                let (file, line) = split_position(pos);
                StackFrame {
                    function: function.clone(),
                    file,
                    line,
                    arguments: args.as_ref().map(|t| render(t)),
                    inline: *inline,
                    application: classifier.kind(function) == CodeKind::App,
                }
            })
            .collect();
        let created_by = g.creator.as_ref().map(|c| {
            let (file, line) = split_position(&c.position);
            CreatedBy {
                function: c.function.clone(),
                file,
                line,
                parents: acc.parents.iter().copied().collect(),
            }
        });
        let ids = acc.per_input.last().map(|p| p.1.clone()).unwrap_or_default();
        let (mut long_lived, mut intervals) = (Vec::new(), Vec::new());
        if n > 1 {
            let mut common: BTreeSet<u64> = acc.per_input[0].1.iter().copied().collect();
            for p in &acc.per_input[1..] {
                let these: BTreeSet<u64> = p.1.iter().copied().collect();
                common.retain(|id| these.contains(id));
            }
            long_lived = common.into_iter().collect();
            for w in acc.per_input.windows(2) {
                let (a, b): (BTreeSet<u64>, BTreeSet<u64>) =
                    (w[0].1.iter().copied().collect(), w[1].1.iter().copied().collect());
                intervals.push(Interval {
                    new: b.difference(&a).copied().collect(),
                    gone: a.difference(&b).copied().collect(),
                });
            }
        }
        let growing = n > 1 && counts.windows(2).all(|w| w[1] > w[0]);
        let harmless = ignores.iter().find(|(re, why)| {
            let applies = !growing || !HARMLESS_UNLESS_GROWING.contains(&why.as_str());
            applies
                && (g.frames.iter().any(|f| re.is_match(&f.0))
                    || g.creator.as_ref().is_some_and(|c| re.is_match(&c.function)))
        });
        let runtime_only = !g.frames.is_empty()
            && g.frames.iter().all(|f| f.0.starts_with("runtime.") || f.0.starts_with("..."))
            && g.creator.as_ref().is_none_or(|c| c.function.starts_with("runtime."))
            && !options.no_default_ignores;
        let verdict = (n > 1).then(|| {
            if let Some((_, why)) = harmless {
                format!("harmless: {why}")
            } else if runtime_only {
                "harmless: runtime".to_owned()
            } else if growing {
                "leak".to_owned()
            } else if counts.windows(2).all(|w| w[1] == w[0]) {
                "steady".to_owned()
            } else if counts.windows(2).all(|w| w[1] < w[0]) {
                "shrinking".to_owned()
            } else {
                "varies".to_owned()
            }
        });
        let bucket = Bucket {
            count: *counts.last().unwrap_or(&0),
            counts,
            state: g.state.clone(),
            wait_minutes: acc.wait,
            locked: g.locked,
            created_by,
            labels: g.labels.clone(),
            ids,
            long_lived,
            intervals,
            panicked: acc.panicked,
            growing,
            verdict,
            stack,
        };
        buckets.push((acc.order, bucket));
    }
    buckets.sort_by(|(oa, a), (ob, b)| {
        b.panicked.cmp(&a.panicked).then(b.count.cmp(&a.count)).then(oa.cmp(ob))
    });
    let header_and_frames_match = |re: &Regex, b: &Bucket| {
        re.is_match(&bucket_header(b))
            || b.stack.iter().any(|f| {
                re.is_match(&f.function)
                    || f.file.as_deref().is_some_and(|file| {
                        re.is_match(&format!("{file}:{}", f.line.unwrap_or_default()))
                    })
            })
    };
    let mut kept: Vec<Bucket> = buckets
        .into_iter()
        .map(|(_, b)| b)
        .filter(|b| state_re.as_ref().is_none_or(|re| re.is_match(&b.state)))
        .filter(|b| match_re.as_ref().is_none_or(|re| header_and_frames_match(re, b)))
        .filter(|b| exclude_re.as_ref().is_none_or(|re| !header_and_frames_match(re, b)))
        .filter(|b| !options.growing || b.growing)
        .filter(|b| !options.leaks || b.verdict.as_deref() == Some("leak"))
        .collect();
    if options.top > 0 {
        kept.truncate(options.top);
    }
    Ok(GoroutinesReport {
        similarity: options.similarity,
        order: options.order,
        inputs: snapshots.into_iter().map(|s| s.summary).collect(),
        total_buckets,
        buckets: kept,
        notes,
    })
}

/// A bucket's header as `--match` sees it (and as panicparse's `-m` sees
/// its own): `state [wait] [locked] [Created by F @ file:line]`.
/// A profile's bucket, which has no state, shows `(profile)`.
pub(crate) fn bucket_header(b: &Bucket) -> String {
    let mut s = if b.state.is_empty() { "(profile)".to_owned() } else { b.state.clone() };
    if let Some([lo, hi]) = b.wait_minutes {
        if lo == hi {
            s.push_str(&format!(" [{hi} minutes]"));
        } else {
            s.push_str(&format!(" [{lo}~{hi} minutes]"));
        }
    }
    if b.locked {
        s.push_str(" [locked]");
    }
    if let Some(c) = &b.created_by {
        s.push_str(&format!(" [Created by {}", c.function));
        if let (Some(file), Some(line)) = (&c.file, c.line) {
            s.push_str(&format!(" @ {file}:{line}"));
        }
        s.push(']');
    }
    s
}

/// `file:line` into its parts.
fn split_position(pos: &str) -> (Option<String>, Option<u64>) {
    match pos.rsplit_once(':') {
        Some((file, line)) if !file.is_empty() => match line.parse() {
            Ok(n) => (Some(file.to_owned()), Some(n)),
            Err(_) => (Some(pos.to_owned()), None),
        },
        _ if pos.is_empty() => (None, None),
        _ => (Some(pos.to_owned()), None),
    }
}

/// Reads one input: a dump into its goroutines, a goroutine profile into
/// its samples.
fn read_snapshot(path: &str, options: &SourceOptions, notes: &mut Vec<String>) -> Result<Snapshot> {
    let read::input::Input { name, reader } =
        read::input::open_watched(path, options.progress.as_ref())?;
    let mut bytes = Vec::new();
    reader
        .take(read::MAX_WHOLE_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io { path: name.clone(), source })?;
    if bytes.len() as u64 > read::MAX_WHOLE_INPUT {
        return Err(Error::Usage(format!("{name}: larger than 512 MiB once decompressed")));
    }
    let head = &bytes[..bytes.len().min(read::detect::SNIFF_BYTES as usize)];
    let kind = match read::sniff(head, head.len() == bytes.len()) {
        // A dump after more than SNIFF_BYTES of log lines.
        InputKind::Traces
            if head.len() < bytes.len()
                && read::detect::worth_a_whole_look(&String::from_utf8_lossy(head)) =>
        {
            read::sniff(&bytes, true)
        }
        kind => kind,
    };
    if kind == InputKind::Race {
        return Err(Error::Usage(format!(
            "{name}: a data race report, not a goroutine dump: it shows the goroutines of \
             each race, not of a moment; read its access stacks (one record per access, \
             labelled race, access, goroutine, created_at) with top, grep, stacks, csv or \
             `hist --by access`"
        )));
    }
    if kind == InputKind::GoroutineDump {
        let dump = {
            let text = String::from_utf8_lossy(&bytes);
            let source = goroutine_dump::open(&name, &text, false)?;
            notes.extend(read::RecordSource::notes(&source));
            source.into_dump()
        };
        drop(bytes);
        return Ok(from_dump(name, dump));
    }
    let mut source = read::open_bytes(&name, bytes, options.clone())?;
    let info = read::SourceInfo::of(source.as_ref());
    notes.extend(info.notes().iter().cloned());
    if source.dimension() != Dimension::Count {
        return Err(Error::Usage(format!(
            "{name}: not a goroutine dump or goroutine profile (its samples are not counts)"
        )));
    }
    let (mut rec, mut names) = (Record::new(), Names::new());
    let mut goroutines = Vec::new();
    let mut total = 0u64;
    while source.read_record(&mut rec, &mut names)? {
        let count = u64::try_from(rec.value.centi / 100).unwrap_or(0);
        total += count;
        let frames = rec
            .frames
            .iter()
            .map(|f| (names.get(f.name).to_owned(), String::new(), None, f.inline))
            .collect();
        let labels = rec.labels().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        goroutines.push(G { count, frames, labels, ..G::default() });
    }
    let leak_profile = source.header().sample_type() == Some(GOROUTINE_LEAK);
    let summary = InputSummary {
        name,
        kind: if leak_profile { "goroutineleak profile" } else { "profile" },
        goroutines: total,
        panic: None,
        leaked: leak_profile.then_some(total),
        time_nanos: None,
    };
    Ok(Snapshot { summary, goroutines, time: info.time_nanos() })
}

fn from_dump(name: String, dump: Dump) -> Snapshot {
    let panic = dump.panic_message();
    let leaked = dump.goroutines.iter().filter(|g| g.is_leaked()).count() as u64;
    let mut goroutines = Vec::with_capacity(dump.goroutines.len());
    for (i, g) in dump.goroutines.into_iter().enumerate() {
        let mut out = G {
            id: Some(g.id),
            count: 1,
            creator: g.creator,
            first: i == 0 && panic.is_some(),
            ..G::default()
        };
        for (k, v) in g.labels {
            match k.as_str() {
                "state" => out.state = v,
                "wait_minutes" => out.wait = v.parse().ok(),
                "locked_to_thread" => out.locked = true,
                "created_by" => {}
                _ => out.labels.push((k, v)),
            }
        }
        let mut positions = g.positions.into_iter();
        let mut args = g.args.into_iter();
        out.frames = g
            .frames
            .into_iter()
            .map(|(f, inline)| (f, positions.next().unwrap_or_default(), args.next(), inline))
            .collect();
        goroutines.push(out);
    }
    let summary = InputSummary {
        name,
        kind: "dump",
        goroutines: goroutines.len() as u64,
        panic,
        leaked: (leaked > 0).then_some(leaked),
        time_nanos: None,
    };
    Snapshot { summary, goroutines, time: None }
}

/// A piece of an argument list: `{`, `}`, or one value as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    Value(String),
}

/// The pieces of an argument list (`0x1, {0x2?, ...}, _`).
fn tokens(args: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    for part in args.split(", ") {
        let mut part = part;
        while let Some(rest) = part.strip_prefix('{') {
            out.push(Tok::Open);
            part = rest;
        }
        let closes = part.len() - part.trim_end_matches('}').len();
        let value = &part[..part.len() - closes];
        if !value.is_empty() {
            out.push(Tok::Value(value.to_owned()));
        }
        out.extend(std::iter::repeat_n(Tok::Close, closes));
    }
    out
}

/// Marks as `*` the values of `merged` that differ from `other`'s.
fn merge_tokens(merged: &mut [Tok], other: &[Tok]) {
    for (m, o) in merged.iter_mut().zip(other) {
        if let (Tok::Value(a), Tok::Value(b)) = (&*m, o) {
            if a != b && a != "*" {
                *m = Tok::Value("*".to_owned());
            }
        }
    }
}

/// An argument list again from its pieces.
fn render(toks: &[Tok]) -> String {
    let mut s = String::new();
    let mut prev_open = true;
    for t in toks {
        match t {
            Tok::Open => {
                if !prev_open {
                    s.push_str(", ");
                }
                s.push('{');
                prev_open = true;
            }
            Tok::Close => {
                s.push('}');
                prev_open = false;
            }
            Tok::Value(v) => {
                if !prev_open {
                    s.push_str(", ");
                }
                s.push_str(v);
                prev_open = false;
            }
        }
    }
    s
}

/// panicparse's guess that a value is a pointer: above 512 KiB and below
/// 2^63.
const POINTER_FLOOR: u64 = 512 * 1024;

/// How one value counts in a bucket key at a similarity level.
fn value_key(v: &str, similarity: Similarity, out: &mut String) {
    match v {
        // Elided (`...`) and offset-too-large (`_`) are shape.
        "..." | "_" => out.push_str(v),
        _ => {
            let bare = v.strip_suffix('?').unwrap_or(v);
            let parsed = match bare.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => bare.parse::<u64>().ok(),
            };
            match (parsed, similarity) {
                // Not a number panicparse reads: kept as text.
                (None, _) => out.push_str(v),
                (Some(_), Similarity::Values) => out.push('v'),
                (Some(n), Similarity::Pointers) if n > POINTER_FLOOR && n < 1 << 63 => {
                    out.push('p')
                }
                (Some(n), Similarity::Pointers) => {
                    let _ = std::fmt::Write::write_fmt(out, format_args!("{n}"));
                }
                // The `?` of an inaccurate value is not compared, as in
                // panicparse; a pointer stays a pointer.
                (Some(n), Similarity::Exact) => {
                    let _ = std::fmt::Write::write_fmt(out, format_args!("{n}"));
                }
            }
        }
    }
}

/// The key of a goroutine's bucket at a similarity level.
fn bucket_key(g: &G, similarity: Similarity, key: &mut String) {
    use std::fmt::Write;
    let _ = write!(key, "{}\u{1}{}\u{1}", g.state, g.locked);
    for (k, v) in &g.labels {
        let _ = write!(key, "{k}={v}\u{2}");
    }
    if let Some(c) = &g.creator {
        let _ = write!(key, "\u{1}{} {}", c.function, c.position);
    }
    for (function, pos, args, inline) in &g.frames {
        let _ = write!(key, "\u{1}{function} {pos} {inline} ");
        if let Some(args) = args {
            for t in tokens(args) {
                match t {
                    Tok::Open => key.push('{'),
                    Tok::Close => key.push('}'),
                    Tok::Value(v) => {
                        value_key(&v, similarity, key);
                        key.push(',');
                    }
                }
            }
        }
    }
}

/// Ids as text: runs of consecutive ids as ranges, then the count:
/// `18-117, 200 (101)`; at most `max` runs, then `...`.
pub(crate) fn summarise_ids(ids: &[u64], max: usize) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &id in ids {
        match runs.last_mut() {
            Some((_, hi)) if *hi + 1 == id => *hi = id,
            _ => runs.push((id, id)),
        }
    }
    let mut parts: Vec<String> = runs
        .iter()
        .take(max)
        .map(|&(lo, hi)| if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") })
        .collect();
    if runs.len() > max {
        parts.push("...".to_owned());
    }
    format!("{} ({})", parts.join(", "), ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(args: &str, s: Similarity) -> String {
        let g = G {
            state: "chan receive".into(),
            frames: vec![("main.f".into(), "a.go:1".into(), Some(args.into()), false)],
            ..G::default()
        };
        let mut k = String::new();
        bucket_key(&g, s, &mut k);
        k
    }

    #[test]
    fn similarity_levels_follow_panicparse() {
        use Similarity::*;
        // Pointers differ: one bucket except at exact.
        assert_ne!(key("0xc000010000", Exact), key("0xc000020000", Exact));
        assert_eq!(key("0xc000010000", Pointers), key("0xc000020000?", Pointers));
        // Small values differ: apart unless values.
        assert_ne!(key("0x1", Pointers), key("0x2", Pointers));
        assert_eq!(key("0x1", Values), key("0x2", Values));
        // A pointer and a small value are apart at pointers, not at values.
        assert_ne!(key("0xc000010000", Pointers), key("0x2", Pointers));
        // The `?` is not compared, as in panicparse.
        assert_eq!(key("0x2?", Exact), key("0x2", Exact));
        // Shape always counts.
        assert_ne!(key("0x1, ...", Values), key("0x1", Values));
        assert_ne!(key("{0x1}", Values), key("0x1", Values));
        assert_ne!(key("0x1, 0x2", Values), key("0x1", Values));
    }

    #[test]
    fn arguments_render_and_merge() {
        let text = "0xc000010000?, {0x0?, {0x1, 0x2}}, _, ...";
        assert_eq!(render(&tokens(text)), text);
        let mut m = tokens("0xc000010000, {0x1, 0x2}");
        merge_tokens(&mut m, &tokens("0xc000020000, {0x1, 0x3}"));
        assert_eq!(render(&m), "*, {0x1, *}");
        assert_eq!(render(&tokens("")), "");
    }

    #[test]
    fn ids_are_summarised() {
        let ids: Vec<u64> = (18..=117).chain([200, 202, 203]).collect();
        assert_eq!(summarise_ids(&ids, 8), "18-117, 200, 202-203 (103)");
        assert_eq!(summarise_ids(&[1, 3, 5], 2), "1, 3, ... (3)");
    }
}
