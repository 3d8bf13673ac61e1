//! `traces-tool blame`: charges each sample to the first frame, from the
//! leaf toward the root, that belongs to the application rather than to the
//! Go runtime, the standard library or a third-party module. Samples with no
//! application frame are grouped by their outermost non-runtime frame, with
//! a plain-words note for server roots such as `net/http.(*conn).serve`.

use std::io::Write;

use clap::Args;
use regex::Regex;
use rustc_hash::FxHashMap;

use crate::analysis::graph::{Granularity, NodeId, NodeTable, StackSet};
use crate::cmd::{
    formats, row_limit, scan_with, Format, InputArgs, Outcome, UnitContext, TEXT_CSV_JSON,
};
use crate::error::{Error, Result};
use crate::output::sheet::{bool_cell, Kind, Sheet, SheetOptions};
use crate::record::Names;
use crate::units::{centi_to_decimal, percentage};

/// Charge each sample to the first application frame from the leaf.
///
/// The application is `main` plus the module most non-standard frames
/// belong to (e.g. `github.com/heketi/heketi`), unless `--app` says
/// otherwise. Runtime, standard-library, vendored and other modules' frames
/// are looked through.
#[derive(Args, Clone, Debug)]
#[command(after_long_help = JSON_SCHEMA)]
pub struct BlameArgs {
    /// Regular expression of application frames (repeatable); replaces the
    /// guess. `main.` functions always count as application code.
    #[arg(long, value_name = "REGEX")]
    pub app: Vec<String>,
    /// Regular expression of third-party frames to look through even when
    /// they sit inside the application's module path (repeatable). Paths
    /// with `/vendor/` are looked through anyway.
    #[arg(long, value_name = "REGEX")]
    pub vendor: Vec<String>,
    /// Rows to show (0: all); default 10 in text, every row in csv and json
    /// unless --top is given.
    #[arg(long, short = 'n', value_name = "N")]
    pub top: Option<usize>,
    /// Leaves to list under each row.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub leaves: usize,
    /// Output format.
    #[arg(long, value_parser = formats(TEXT_CSV_JSON), default_value = "text")]
    pub format: Format,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
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

fn is_std(package: &str) -> bool {
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

/// Where a sample's value went.
#[derive(Default)]
struct Charge {
    value: i128,
    samples: u64,
    /// Value per leaf function under this row.
    leaves: FxHashMap<NodeId, i128>,
    app: bool,
}

/// Runs the command.
pub fn run(args: &BlameArgs, out: &mut dyn Write) -> Result<Outcome> {
    let mut names = Names::new();
    let mut table = NodeTable::new(Granularity::Functions);
    let mut stacks = StackSet::new();
    let mut units = UnitContext::default();
    let (mut total, mut base_total, mut exact, mut zeros, mut samples) =
        (0i128, 0i128, true, 0u64, 0u64);
    let mut sample_type = None;
    let notes = scan_with(
        &args.input.inputs(),
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
    let functions: Vec<&str> = (0..table.len() as NodeId).map(|n| table.name(n)).collect();
    let classifier = Classifier::new(&args.app, &args.vendor, functions.iter().copied())?;
    let kinds: Vec<CodeKind> = functions.iter().map(|f| classifier.kind(f)).collect();

    let mut charges: FxHashMap<NodeId, Charge> = FxHashMap::default();
    for (frames, stack_total) in stacks.iter() {
        let app_frame = frames.iter().find(|f| kinds[f.node() as usize] == CodeKind::App);
        let (row, app) = match app_frame {
            Some(f) => (f.node(), true),
            None => {
                let outer =
                    frames.iter().rev().find(|f| kinds[f.node() as usize] != CodeKind::Runtime);
                (outer.unwrap_or(frames.last().expect("stacks are not empty")).node(), false)
            }
        };
        let charge = charges.entry(row).or_default();
        charge.app = app;
        charge.value += stack_total.value;
        charge.samples += stack_total.samples;
        *charge.leaves.entry(frames[0].node()).or_default() += stack_total.value;
    }
    let mut rows: Vec<(NodeId, Charge)> = charges.into_iter().collect();
    rows.sort_by(|a, b| {
        b.1.value.cmp(&a.1.value).then_with(|| table.name(a.0).cmp(table.name(b.0)))
    });
    let top = row_limit(args.top, args.format, 10);
    if top > 0 {
        rows.truncate(top);
    }
    let context = Context { table: &table, units: &units, total, leaves: args.leaves };
    match args.format {
        Format::Text => {
            let app = match (classifier.app_module(), args.app.is_empty()) {
                (_, false) => format!("main and {}", args.app.join(", ")),
                (Some(m), true) => format!("main and {m} (guessed; set it with --app)"),
                (None, true) => "main (no other module found; set it with --app)".to_owned(),
            };
            writeln!(out, "Application code: {app}")?;
            writeln!(
                out,
                "{}: {} total, each sample charged to its first application frame from the leaf",
                sample_type.as_deref().unwrap_or("value"),
                units.format(total)
            )?;
            if !exact {
                writeln!(out, "(values are rounded as pprof printed them)")?;
            }
            if zeros > 0 && sample_type.as_deref().is_some_and(|t| t.starts_with("inuse_")) {
                writeln!(
                    out,
                    "{zeros} of {samples} samples are 0: objects allocated there were already freed"
                )?;
            }
            writeln!(out)?;
            context.text(out, &rows)?;
        }
        Format::Csv => context.csv(out, &rows, exact, args.input.sheet_options())?,
        Format::Json => {
            let application = crate::output::json::object([
                ("module", classifier.app_module().map_or(serde_json::Value::Null, Into::into)),
                ("patterns", args.app.clone().into()),
            ]);
            context.json(out, &rows, application, sample_type.as_deref(), exact)?
        }
        Format::Ndjson => return Err(crate::output::json::ndjson_unsupported("blame")),
    }
    let mut notes = notes;
    if rows.is_empty() {
        notes.push("no samples with a value".to_owned());
    }
    Ok(Outcome { matched: !rows.is_empty(), notes })
}

struct Context<'a> {
    table: &'a NodeTable,
    units: &'a UnitContext,
    total: i128,
    leaves: usize,
}

impl Context<'_> {
    fn top_leaves(&self, charge: &Charge) -> Vec<(NodeId, i128)> {
        let mut leaves: Vec<(NodeId, i128)> = charge.leaves.iter().map(|(k, v)| (*k, *v)).collect();
        leaves.sort_by(|a, b| {
            b.1.cmp(&a.1).then_with(|| self.table.name(a.0).cmp(self.table.name(b.0)))
        });
        leaves.truncate(self.leaves);
        leaves
    }

    fn text(&self, out: &mut dyn Write, rows: &[(NodeId, Charge)]) -> Result<()> {
        let mut roots = Vec::new();
        writeln!(out, "{:>10} {:>7} {:>8}  frame", "value", "share", "samples")?;
        for (node, charge) in rows {
            let name = self.table.name(*node);
            let mark = if charge.app { "" } else { "  [no application frame]" };
            writeln!(
                out,
                "{:>10} {} {:>8}  {name}{mark}",
                self.units.format(charge.value),
                percentage(charge.value, self.total),
                charge.samples
            )?;
            let leaves: Vec<String> = self
                .top_leaves(charge)
                .into_iter()
                .map(|(leaf, v)| {
                    let leaf_name = self.table.name(leaf);
                    let shown =
                        if leaf == *node { "itself".to_owned() } else { leaf_name.to_owned() };
                    format!("{shown} {}", self.units.format(v))
                })
                .collect();
            writeln!(out, "{:28}via {}", "", leaves.join(", "))?;
            if !charge.app {
                roots.push((name, charge));
            }
        }
        for (name, charge) in roots {
            writeln!(out)?;
            for line in wrap(&self.explain_root(name, charge), 96) {
                writeln!(out, "{line}")?;
            }
        }
        Ok(())
    }

    /// Plain words for a row that no application frame could take.
    fn explain_root(&self, name: &str, charge: &Charge) -> String {
        let value = self.units.format(charge.value);
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

    fn json(
        &self,
        out: &mut dyn Write,
        rows: &[(NodeId, Charge)],
        application: serde_json::Value,
        sample_type: Option<&str>,
        exact: bool,
    ) -> Result<()> {
        use crate::output::json::{amount, object, percent, write_document};
        use serde_json::Value;
        let list: Vec<Value> = rows
            .iter()
            .map(|(node, charge)| {
                let name = self.table.name(*node);
                let leaves: Vec<Value> = self
                    .top_leaves(charge)
                    .into_iter()
                    .map(|(leaf, v)| {
                        object([("function", self.table.name(leaf).into()), ("value", amount(v))])
                    })
                    .collect();
                let explanation =
                    if charge.app { Value::Null } else { self.explain_root(name, charge).into() };
                object([
                    ("frame", name.into()),
                    ("value", amount(charge.value)),
                    ("value_text", self.units.format(charge.value).into()),
                    ("samples", charge.samples.into()),
                    ("share_percent", percent(charge.value, self.total)),
                    (
                        "kind",
                        if charge.app { "application" } else { "no-application-frame" }.into(),
                    ),
                    ("leaves", Value::Array(leaves)),
                    ("explanation", explanation),
                ])
            })
            .collect();
        let doc = object([
            ("application", application),
            ("type", sample_type.map_or(Value::Null, Value::from)),
            ("unit", self.units.unit_name().into()),
            ("exact", exact.into()),
            ("total", amount(self.total)),
            ("rows", Value::Array(list)),
        ]);
        write_document(out, &doc)
    }

    fn csv(
        &self,
        out: &mut dyn Write,
        rows: &[(NodeId, Charge)],
        exact: bool,
        options: SheetOptions,
    ) -> Result<()> {
        let mut w = Sheet::new(out, CSV_COLUMNS, options);
        for (node, charge) in rows {
            let share = if self.total == 0 {
                String::new()
            } else {
                format!("{:.4}", charge.value as f64 / self.total as f64 * 100.0)
            };
            let leaves: Vec<String> = self
                .top_leaves(charge)
                .into_iter()
                .map(|(leaf, v)| format!("{}={}", self.table.name(leaf), centi_to_decimal(v)))
                .collect();
            w.row([
                self.table.name(*node),
                &centi_to_decimal(charge.value),
                &charge.samples.to_string(),
                &share,
                if charge.app { "application" } else { "no-application-frame" },
                self.units.unit_name(),
                &leaves.join("; "),
                bool_cell(exact),
            ])?;
        }
        w.flush()?;
        Ok(())
    }
}

/// The columns of `--format csv`; `exact` is false when a value read was
/// rounded by pprof (the report's precision).
pub const CSV_COLUMNS: [(&str, Kind); 8] = [
    ("frame", Kind::Text),
    ("value", Kind::Number),
    ("samples", Kind::Number),
    ("share", Kind::Number),
    ("kind", Kind::Text),
    ("unit", Kind::Text),
    ("leaves", Kind::Text),
    ("exact", Kind::Bool),
];

/// The JSON schema of `--format json` (also in docs/json.md).
pub const JSON_SCHEMA: &str = "\
JSON (--format json): one document:
  {\"application\": {\"module\": str|null (guessed), \"patterns\": [str] (--app)},
   \"type\": str|null, \"unit\": \"bytes\"|\"nanoseconds\"|\"count\"|str,
   \"exact\": bool, \"total\": number, \"rows\": [ROW, ...]}   (largest first)
  ROW: {\"frame\": str, \"value\": number, \"value_text\": str, \"samples\": int,
   \"share_percent\": number|null, \"kind\": \"application\"|\"no-application-frame\",
   \"leaves\": [{\"function\": str, \"value\": number}, ...] (the largest, --leaves),
   \"explanation\": str|null (plain words for rows without an application frame)}
Amounts are exact JSON numbers in the base unit.";

/// Splits text into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
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
