//! Which application code a report's samples belong to ([`blame`]): each
//! sample is charged to the first frame, from the leaf toward the root,
//! that belongs to the application rather than to the Go runtime, the
//! standard library or a third-party module ([`Classifier`]). Samples with
//! no application frame are grouped by their outermost non-runtime frame,
//! with plain words for server roots such as `net/http.(*conn).serve`.

use regex::Regex;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::analysis::facts::{ProfileKind, UnitContext};
use crate::analysis::graph::{Granularity, NodeId, NodeTable, StackSet};
use crate::analysis::scan::{scan_with, Inputs};
use crate::error::{Error, Result};
use crate::record::Names;
use crate::units::{Amount, Percent};

/// Which frames are the application's, and how much to show.
#[derive(Clone, Debug)]
pub struct BlameOptions {
    /// Regular expressions of application frames; replace the guess.
    /// `main.` functions always count as application code.
    pub app: Vec<String>,
    /// Regular expressions of third-party frames to look through even
    /// inside the application's module path. Paths with `/vendor/` are
    /// looked through anyway.
    pub vendor: Vec<String>,
    /// Rows to keep, largest first; 0 keeps all.
    pub top: usize,
    /// Leaves to list under each row (3 by default).
    pub leaves: usize,
}

impl Default for BlameOptions {
    fn default() -> BlameOptions {
        BlameOptions { app: Vec::new(), vendor: Vec::new(), top: 0, leaves: 3 }
    }
}

/// What a row's samples were charged to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ChargeKind {
    /// An application frame.
    #[serde(rename = "application")]
    Application,
    /// No frame of the stacks is the application's: the outermost
    /// non-runtime frame.
    #[serde(rename = "no-application-frame")]
    NoApplicationFrame,
}

/// A leaf function under a row, and the value measured there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlameLeaf {
    /// The leaf function.
    pub function: String,
    /// Its value under the row.
    pub value: Amount,
    /// Whether the leaf is the application's code ([`CodeKind::App`]), for
    /// a view to mark it.
    #[serde(skip)]
    pub app: bool,
}

/// One row: a frame that samples were charged to.
#[derive(Clone, Debug, Serialize)]
pub struct BlameRow {
    /// The frame charged.
    pub frame: String,
    /// The value charged to it.
    pub value: Amount,
    /// The value as pprof prints it (`49.51MB`).
    pub value_text: String,
    /// Samples charged to it.
    pub samples: u64,
    /// The value's share of the total, its magnitude.
    pub share_percent: Percent,
    /// The value's share of the total, signed (the CSV `share` column).
    pub share: Percent,
    /// An application frame, or none in the stacks.
    pub kind: ChargeKind,
    /// The largest leaves under the row ([`BlameOptions::leaves`]).
    pub leaves: Vec<BlameLeaf>,
    /// Plain words for a row without an application frame.
    pub explanation: Option<String>,
}

/// The result of [`blame`].
#[derive(Clone, Debug, Default)]
pub struct BlameReport {
    /// The guessed application module, when no pattern was given and one
    /// was found.
    pub module: Option<String>,
    /// The application patterns given ([`BlameOptions::app`]).
    pub patterns: Vec<String>,
    /// The sample type (`Type:`), if the report says.
    pub sample_type: Option<String>,
    /// Units of the values.
    pub units: UnitContext,
    /// True when every value read was exact.
    pub exact: bool,
    /// pprof's total: Σ|v| of all samples before filtering (of the base
    /// samples in a `-diff_base` report).
    pub total: Amount,
    /// Samples kept by the filters.
    pub samples: u64,
    /// Kept samples whose value is 0.
    pub zeros: u64,
    /// Stderr notes on what lenient reading skipped.
    pub notes: Vec<String>,
    /// Largest value first (ties by frame), cut to `top`.
    pub rows: Vec<BlameRow>,
}

/// Where a sample's value went.
#[derive(Default)]
struct Charge {
    value: i128,
    samples: u64,
    /// Value per leaf function under this row.
    leaves: FxHashMap<NodeId, i128>,
    app: bool,
}

/// Charges each sample of the inputs to its first application frame from
/// the leaf.
///
/// ```
/// use traces_tool::analysis::blame::{blame, BlameOptions, ChargeKind};
/// use traces_tool::analysis::scan::Inputs;
///
/// let path = std::env::temp_dir().join(format!("blame-doc-{}.txt", std::process::id()));
/// std::fs::write(&path, concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "       3MB   runtime.malg\n",
///     "             bytes.(*Buffer).grow\n",
///     "             example.com/shop/cart.(*Cart).Add\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
///     "       1MB   net/http.(*conn).serve\n",
///     "-----------+-------------------------------------------------------\n",
/// ))?;
/// let report = blame(&Inputs::files([path.to_string_lossy()]), &BlameOptions::default())?;
/// assert_eq!(report.module.as_deref(), Some("example.com/shop"));
/// let cart = &report.rows[0];
/// assert_eq!(cart.frame, "example.com/shop/cart.(*Cart).Add");
/// assert_eq!(cart.kind, ChargeKind::Application);
/// assert_eq!(cart.leaves[0].function, "runtime.malg");
/// assert_eq!(cart.share_percent.0, Some(75.0));
/// assert_eq!(report.rows[1].kind, ChargeKind::NoApplicationFrame);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn blame(inputs: &Inputs, options: &BlameOptions) -> Result<BlameReport> {
    let mut names = Names::new();
    let mut table = NodeTable::new(Granularity::Functions);
    let mut stacks = StackSet::new();
    let mut units = UnitContext::default();
    let (mut total, mut base_total, mut exact, mut zeros, mut samples) =
        (0i128, 0i128, true, 0u64, 0u64);
    let mut sample_type = None;
    let notes = scan_with(
        inputs,
        &mut names,
        |src, rec| {
            total += rec.value.centi.abs();
            if rec.is_base() {
                base_total += rec.value.centi.abs();
            }
            if sample_type.is_none() {
                sample_type = src.header().sample_type().map(str::to_owned);
            }
        },
        |src, rec, names| {
            units.learn(src, rec);
            exact &= rec.value.is_exact();
            samples += 1;
            if rec.value.centi == 0 {
                zeros += 1;
            }
            stacks.add(rec, &mut table, names);
            Ok(())
        },
    )?;
    let total = if base_total != 0 { base_total } else { total };
    let kind = ProfileKind::of_header(sample_type.as_deref());
    let functions: Vec<&str> = (0..table.len() as NodeId).map(|n| table.name(n)).collect();
    let classifier = Classifier::new(&options.app, &options.vendor, functions.iter().copied())?;
    let kinds: Vec<CodeKind> = functions.iter().map(|f| classifier.kind(f)).collect();

    let mut charges: FxHashMap<NodeId, Charge> = FxHashMap::default();
    for (frames, stack_total) in stacks.iter() {
        // A sample without a stack (`threadcreate`'s `7 @`) has no frame to
        // charge; it stays in the total.
        if frames.is_empty() {
            continue;
        }
        let app_frame = frames.iter().find(|f| kinds[f.id() as usize] == CodeKind::App);
        let (row, app) = match app_frame {
            Some(f) => (f.id(), true),
            None => {
                let outer =
                    frames.iter().rev().find(|f| kinds[f.id() as usize] != CodeKind::Runtime);
                (outer.unwrap_or(frames.last().expect("stacks are not empty")).id(), false)
            }
        };
        let charge = charges.entry(row).or_default();
        charge.app = app;
        charge.value += stack_total.value;
        charge.samples += stack_total.samples;
        *charge.leaves.entry(frames[0].id()).or_default() += stack_total.value;
    }
    let mut charges: Vec<(NodeId, Charge)> = charges.into_iter().collect();
    charges.sort_by(|a, b| {
        b.1.value.cmp(&a.1.value).then_with(|| table.name(a.0).cmp(table.name(b.0)))
    });
    if options.top > 0 {
        charges.truncate(options.top);
    }
    let rows = charges
        .iter()
        .map(|(node, charge)| {
            let frame = table.name(*node);
            BlameRow {
                frame: frame.to_owned(),
                value: Amount(charge.value),
                value_text: units.format(charge.value),
                samples: charge.samples,
                share_percent: Percent::of(charge.value, total),
                share: Percent((total != 0).then(|| charge.value as f64 / total as f64 * 100.0)),
                kind: if charge.app {
                    ChargeKind::Application
                } else {
                    ChargeKind::NoApplicationFrame
                },
                leaves: top_leaves(&table, &kinds, charge, options.leaves),
                explanation: (!charge.app)
                    .then(|| explain_root(frame, &units.format(charge.value), kind)),
            }
        })
        .collect();
    Ok(BlameReport {
        module: classifier.app_module().map(str::to_owned),
        patterns: options.app.clone(),
        sample_type,
        units,
        exact,
        total: Amount(total),
        samples,
        zeros,
        notes,
        rows,
    })
}

/// The `n` largest leaves of a row, ties by name.
fn top_leaves(table: &NodeTable, kinds: &[CodeKind], charge: &Charge, n: usize) -> Vec<BlameLeaf> {
    let mut leaves: Vec<(NodeId, i128)> = charge.leaves.iter().map(|(k, v)| (*k, *v)).collect();
    leaves.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| table.name(a.0).cmp(table.name(b.0))));
    leaves.truncate(n);
    leaves
        .into_iter()
        .map(|(leaf, v)| BlameLeaf {
            function: table.name(leaf).to_owned(),
            value: Amount(v),
            app: kinds[leaf as usize] == CodeKind::App,
        })
        .collect()
}

/// Plain words for a row that no application frame could take; `value` is
/// its value as printed, `kind` the kind of profile (a goroutine's stack is
/// not an allocation).
fn explain_root(name: &str, value: &str, kind: ProfileKind) -> String {
    let what = match kind {
        ProfileKind::Heap | ProfileKind::Other => None,
        ProfileKind::Goroutine => Some("goroutines"),
        ProfileKind::Contention => Some("contention"),
        ProfileKind::Cpu => Some("CPU time"),
        ProfileKind::Threadcreate => Some("thread creations"),
    };
    if let Some(what) = what {
        let place = if name.starts_with("net/http.") {
            "inside net/http, not under application code (a server's connection and \
             request handling: goroutines serving idle or slow connections show here)"
        } else {
            "with no application frame in their stacks (runtime, standard library or \
             third-party code only); set --app if your code was not recognised"
        };
        return format!("{name}: {value} of {what}, {place}.");
    }
    if name.starts_with("net/http.(*conn).serve")
        || name.starts_with("net/http.(*conn).readRequest")
    {
        format!(
            "{name}: {value} was allocated by net/http itself, while reading requests \
             (headers, URL, body buffers), before any handler ran. If the profile is \
             inuse_*, it is still alive: something keeps the *http.Request or its Header \
             reachable. Look for application code that stores requests or contexts, e.g. in \
             a map keyed by request that is never cleaned up (the rows above)."
        )
    } else if name.starts_with("net/http.") {
        format!("{name}: {value} was allocated inside net/http, not under application code.")
    } else {
        format!(
            "{name}: {value} has no application frame in its stacks (runtime, standard \
             library or third-party code only); set --app if your code was not recognised."
        )
    }
}

/// What kind of code a function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// `runtime` and its internal packages.
    Runtime,
    /// The standard library (package path without a dot in its first
    /// element).
    Std,
    /// The application: `main` and its module.
    App,
    /// Other modules and vendored code.
    ThirdParty,
}

/// The package path of a function name: `net/http` of
/// `net/http.(*conn).serve`, `main` of `main.main`.
pub fn package_of(function: &str) -> &str {
    let last_slash = function.rfind('/').map_or(0, |i| i + 1);
    match function[last_slash..].find('.') {
        Some(dot) => &function[..last_slash + dot],
        None => function,
    }
}

/// The module a non-standard package most likely belongs to: the first
/// three path elements on hosting sites (`github.com/owner/repo`), else two.
pub fn module_of(package: &str) -> &str {
    let parts: Vec<&str> = package.splitn(4, '/').collect();
    let three = matches!(parts[0], "github.com" | "gitlab.com" | "bitbucket.org" | "golang.org")
        || parts[0].ends_with(".googlesource.com");
    let n = if three { 3 } else { 2 }.min(parts.len());
    let len: usize = parts[..n].iter().map(|p| p.len()).sum::<usize>() + n - 1;
    &package[..len.min(package.len())]
}

/// Whether a package is Go's standard library or runtime (`net/http`,
/// `runtime`): no dot in its first path element, and not `main`.
pub fn is_std(package: &str) -> bool {
    !package.split('/').next().unwrap_or("").contains('.') && package != "main"
}

/// Decides what kind of code each function is.
pub struct Classifier {
    app: Vec<Regex>,
    app_module: Option<String>,
    vendor: Vec<Regex>,
}

impl Classifier {
    /// Builds a classifier; with no `--app`, guesses the application
    /// module from the functions seen.
    pub fn new<'a>(
        app: &[String],
        vendor: &[String],
        functions: impl Iterator<Item = &'a str>,
    ) -> Result<Classifier> {
        let compile = |list: &[String], what: &str| -> Result<Vec<Regex>> {
            list.iter()
                .map(|p| {
                    Regex::new(p).map_err(|e| Error::Usage(format!("invalid {what} {p:?}: {e}")))
                })
                .collect()
        };
        let app = compile(app, "--app regex")?;
        let vendor = compile(vendor, "--vendor regex")?;
        let app_module = if app.is_empty() { guess_module(functions, &vendor) } else { None };
        Ok(Classifier { app, app_module, vendor })
    }

    /// The guessed application module, if any.
    pub fn app_module(&self) -> Option<&str> {
        self.app_module.as_deref()
    }

    /// The kind of a function.
    pub fn kind(&self, function: &str) -> CodeKind {
        let package = package_of(function);
        if package == "runtime" || package.starts_with("runtime/internal") {
            return CodeKind::Runtime;
        }
        if package == "main" {
            return CodeKind::App;
        }
        let vendored =
            function.contains("/vendor/") || self.vendor.iter().any(|v| v.is_match(function));
        if vendored {
            return CodeKind::ThirdParty;
        }
        if self.app.iter().any(|a| a.is_match(function)) {
            return CodeKind::App;
        }
        if is_std(package) {
            return CodeKind::Std;
        }
        match &self.app_module {
            Some(m)
                if self.app.is_empty()
                    && (package == m || package.starts_with(&format!("{m}/"))) =>
            {
                CodeKind::App
            }
            _ => CodeKind::ThirdParty,
        }
    }
}

/// The module with the most distinct non-standard, non-vendored functions.
fn guess_module<'a>(functions: impl Iterator<Item = &'a str>, vendor: &[Regex]) -> Option<String> {
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for f in functions {
        let package = package_of(f);
        if is_std(package)
            || package == "main"
            || f.contains("/vendor/")
            || vendor.iter().any(|v| v.is_match(f))
        {
            continue;
        }
        *counts.entry(module_of(package)).or_default() += 1;
    }
    counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0))).map(|(m, _)| m.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_and_modules() {
        assert_eq!(package_of("net/http.(*conn).serve"), "net/http");
        assert_eq!(package_of("main.main.func1"), "main");
        assert_eq!(
            package_of("github.com/heketi/heketi/middleware.(*J).ServeHTTP"),
            "github.com/heketi/heketi/middleware"
        );
        assert_eq!(module_of("github.com/heketi/heketi/middleware"), "github.com/heketi/heketi");
        assert_eq!(module_of("example.com/leaky/middleware"), "example.com/leaky");
        assert_eq!(module_of("example.com/leaky"), "example.com/leaky");
        assert!(is_std("net/http") && !is_std("main") && !is_std("example.com/x"));
    }

    #[test]
    fn classifies_like_a_go_developer() {
        let functions = [
            "github.com/heketi/heketi/middleware.(*HeketiJwtMiddleware).ServeHTTP",
            "github.com/heketi/heketi/apps/glusterfs.(*App).VolumeCreate",
            "github.com/heketi/heketi/vendor/github.com/gorilla/context.Set",
            "github.com/urfave/negroni.(*Negroni).ServeHTTP",
            "net/http.(*conn).serve",
        ];
        let c = Classifier::new(&[], &[], functions.iter().copied()).unwrap();
        assert_eq!(c.app_module(), Some("github.com/heketi/heketi"));
        assert_eq!(c.kind(functions[0]), CodeKind::App);
        assert_eq!(c.kind(functions[2]), CodeKind::ThirdParty);
        assert_eq!(c.kind(functions[3]), CodeKind::ThirdParty);
        assert_eq!(c.kind(functions[4]), CodeKind::Std);
        assert_eq!(c.kind("runtime.malg"), CodeKind::Runtime);
        assert_eq!(c.kind("main.main"), CodeKind::App);
        let explicit =
            Classifier::new(&["negroni".into()], &[], functions.iter().copied()).unwrap();
        assert_eq!(explicit.kind(functions[3]), CodeKind::App);
        assert_eq!(explicit.kind(functions[0]), CodeKind::ThirdParty);
    }
}
