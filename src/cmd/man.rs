//! `man`: the manual pages (roff, clap_mangen): `traces-tool man` the main
//! page, `traces-tool man grep` the page of one command with its options,
//! examples and exit status, `traces-tool man --dir DIR` every page into a
//! directory (for packagers). The command tree is handed in by `cli.rs`, so
//! this module does not import the command line it documents.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::Outcome;
use traces_tool::error::{Error, Result};

/// Prints a manual page in roff.
///
/// Read one with `traces-tool man | man -l -` (or `traces-tool man grep |
/// man -l -`), or install them all:
///   traces-tool man --dir ~/.local/share/man/man1
#[derive(Args, Clone, Debug)]
#[command(verbatim_doc_comment)]
pub struct ManArgs {
    /// The command whose page to print (`grep`, `top`, ...); without it,
    /// the main page.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
    /// Write every page (`traces-tool.1`, `traces-tool-grep.1`, ...) into
    /// DIR instead, creating it if needed.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
}

/// Examples for each page: what it does, then the command line.
pub(crate) const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "",
        &[
            (
                "Print a report, then ask it questions",
                "go tool pprof -traces heap.pprof > traces.txt",
            ),
            ("Per-function flat and cum, as pprof -top", "traces-tool top traces.txt"),
            (
                "The largest samples under a function",
                "traces-tool grep -F 'main.(*cache).add' traces.txt",
            ),
            ("What grew between two snapshots", "traces-tool diff before.txt after.txt"),
        ],
    ),
    (
        "grep",
        &[
            (
                "Largest samples of each function matching a pattern",
                "traces-tool grep buildEntry traces.txt",
            ),
            (
                "A Go name with parentheses, as a fixed string",
                "traces-tool grep -F 'main.(*headerCache).remember' traces.txt",
            ),
            (
                "Only where the function is the leaf, two samples each",
                "traces-tool grep --leaf --top 2 Clone traces.txt",
            ),
        ],
    ),
    (
        "hist",
        &[
            ("How many samples have each value", "traces-tool hist traces.txt"),
            (
                "Values of samples under a function, in log2 ranges",
                "traces-tool hist --buckets log2 readRequest traces.txt",
            ),
            (
                "By a label, largest sum first",
                "traces-tool hist --all --by bytes --sort value traces.txt",
            ),
        ],
    ),
    (
        "csv",
        &[
            ("One row per sample, for a spreadsheet", "traces-tool csv traces.txt > samples.csv"),
            ("One row per frame", "traces-tool csv --frames traces.txt"),
        ],
    ),
    (
        "top",
        &[
            ("The ten largest functions by flat", "traces-tool top --nodecount 10 traces.txt"),
            ("By cum, as JSON", "traces-tool top --cum --format json traces.txt"),
        ],
    ),
    (
        "diff",
        &[
            ("Functions that grew between two snapshots", "traces-tool diff before.txt after.txt"),
            (
                "Whole stacks that grew by 1MB or more",
                "traces-tool diff --by stack --min-growth 1MB before.txt after.txt",
            ),
            ("A report printed with -diff_base", "traces-tool diff diff.txt"),
        ],
    ),
    (
        "blame",
        &[
            ("Charge each sample to the application's code", "traces-tool blame traces.txt"),
            (
                "Name the application's packages",
                "traces-tool blame --app 'github.com/acme/' traces.txt",
            ),
        ],
    ),
    (
        "cat",
        &[(
            "The samples under a function, as a traces report",
            "traces-tool cat --focus remember traces.txt",
        )],
    ),
    ("peek", &[("Callers and callees of a function", "traces-tool peek 'headerCache' traces.txt")]),
    (
        "stacks",
        &[
            ("Identical stacks merged, largest first", "traces-tool stacks traces.txt"),
            ("A goroutine dump's stacks, grouped", "traces-tool stacks goroutine.txt"),
        ],
    ),
    ("summary", &[("What a report or a dump holds", "traces-tool summary traces.txt")]),
    (
        "folded",
        &[(
            "Folded stacks for inferno or flamegraph.pl",
            "traces-tool folded traces.txt | inferno-flamegraph > heap.svg",
        )],
    ),
    (
        "flamegraph",
        &[
            ("An interactive SVG flame graph", "traces-tool flamegraph traces.txt -o heap.svg"),
            (
                "A differential one",
                "traces-tool flamegraph --diff before.txt after.txt -o diff.svg",
            ),
        ],
    ),
    (
        "export",
        &[(
            "Back to a profile pprof reads",
            "traces-tool export traces.txt -o heap.pb.gz && go tool pprof -top heap.pb.gz",
        )],
    ),
    (
        "goroutines",
        &[
            (
                "What the goroutines of a dump are doing, in buckets",
                "traces-tool goroutines goroutine.txt",
            ),
            (
                "The buckets that grew in every dump, with a leak verdict",
                "traces-tool goroutines --leaks dump-1.txt dump-2.txt dump-3.txt",
            ),
        ],
    ),
    (
        "trend",
        &[(
            "Each function's series across snapshots, the leak first",
            "traces-tool trend heap-1.pb.gz heap-2.pb.gz heap-3.pb.gz",
        )],
    ),
    (
        "fleet",
        &[(
            "The odd pod out, with each input labelled by its pod",
            "traces-tool fleet --input-label 'pod=heap-(.*)\\.pb\\.gz' heap-*.pb.gz",
        )],
    ),
    (
        "completions",
        &[(
            "Install bash completion",
            "traces-tool completions bash > ~/.local/share/bash-completion/completions/traces-tool",
        )],
    ),
    (
        "man",
        &[
            ("Read the page of grep", "traces-tool man grep | man -l -"),
            ("Install every page", "traces-tool man --dir ~/.local/share/man/man1"),
        ],
    ),
];

/// The EXIT STATUS of a page: grep's for the commands that read inputs.
fn exit_status(command: Option<&str>) -> &'static str {
    match command {
        Some("completions" | "man") => "0 when the page or script was written, 2 on an error.",
        Some("csv" | "cat" | "folded" | "flamegraph" | "export") => {
            "0 when samples were written, 1 when none was left after the filters, 2 on an \
             error (an input that cannot be read names its file, line and what was expected)."
        }
        _ => {
            "0 when something was found, 1 when nothing matched (as grep), 2 on an error \
             (an input that cannot be read names its file, line and what was expected). \
             A closed pipe (| head) is not an error."
        }
    }
}

/// Writes the page asked for to `out`, or every page into `--dir`; `tree`
/// is the tool's command tree (`Cli::command()`).
pub fn run(args: &ManArgs, tree: clap::Command, out: &mut dyn Write) -> Result<Outcome> {
    let mut tree = tree;
    tree.build();
    if let Some(dir) = &args.dir {
        let written = write_all(&tree, dir)?;
        return Ok(Outcome {
            matched: true,
            notes: vec![format!("wrote {} pages into {}", written.len(), dir.display())],
        });
    }
    match &args.command {
        None => render(&tree, None, &tree, out)?,
        Some(name) => {
            let sub = find(&tree, name)?;
            render(sub, Some(name), &tree, out)?;
        }
    }
    Ok(Outcome { matched: true, notes: Vec::new() })
}

/// The page names (`traces-tool`, then `traces-tool-grep`, ...), in the
/// order of the command tree.
pub fn page_names(tree: &clap::Command) -> Vec<String> {
    let root = tree.get_name().to_owned();
    std::iter::once(root.clone())
        .chain(visible(tree).map(|s| format!("{root}-{}", s.get_name())))
        .collect()
}

fn visible(tree: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    tree.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

fn find<'a>(tree: &'a clap::Command, name: &str) -> Result<&'a clap::Command> {
    visible(tree).find(|s| s.get_name() == name).ok_or_else(|| {
        let names: Vec<&str> = visible(tree).map(clap::Command::get_name).collect();
        Error::Usage(format!("man: no page for {name:?}; the commands are {}", names.join(", ")))
    })
}

/// Every page into `dir`; the paths written.
fn write_all(tree: &clap::Command, dir: &Path) -> Result<Vec<PathBuf>> {
    let fail = |what: &Path, e: std::io::Error| {
        Error::Usage(format!("man --dir: cannot write {}: {e}", what.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let mut written = Vec::new();
    let mut pages: Vec<(Option<&str>, &clap::Command)> = vec![(None, tree)];
    pages.extend(visible(tree).map(|s| (Some(s.get_name()), s)));
    for (name, cmd) in pages {
        let mut page = Vec::new();
        render(cmd, name, tree, &mut page)?;
        let file = match name {
            None => format!("{}.1", tree.get_name()),
            Some(n) => format!("{}-{n}.1", tree.get_name()),
        };
        let path = dir.join(file);
        std::fs::write(&path, page).map_err(|e| fail(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// One page: clap_mangen's sections (the options of `cmd`, global ones
/// included), then EXAMPLES, EXIT STATUS and SEE ALSO, which names only
/// pages that exist.
fn render(
    cmd: &clap::Command,
    name: Option<&str>,
    tree: &clap::Command,
    out: &mut dyn Write,
) -> Result<()> {
    let version = tree.get_version().unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone()).source(format!("{} {version}", tree.get_name()));
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if name.is_none() {
        // The commands, each with the page that tells more.
        writeln!(out, ".SH COMMANDS")?;
        for sub in visible(tree) {
            writeln!(out, ".TP")?;
            writeln!(
                out,
                "\\fB{}\\fR \\- see \\fB{}\\-{}\\fR(1)",
                roff(sub.get_name()),
                roff(tree.get_name()),
                roff(sub.get_name())
            )?;
            if let Some(about) = sub.get_about() {
                writeln!(out, "{}", roff(&about.to_string()))?;
            }
        }
    }
    if cmd.get_after_long_help().is_some() || cmd.get_after_help().is_some() {
        let mut extra = Vec::new();
        man.render_extra_section(&mut extra)?;
        let extra = String::from_utf8_lossy(&extra).replacen(".SH EXTRA", ".SH DETAILS", 1);
        out.write_all(extra.as_bytes())?;
    }
    let key = name.unwrap_or("");
    if let Some((_, examples)) = EXAMPLES.iter().find(|(k, _)| *k == key) {
        writeln!(out, ".SH EXAMPLES")?;
        for (what, line) in examples.iter() {
            writeln!(out, ".TP")?;
            writeln!(out, "{}", roff(what))?;
            writeln!(out, "\\fB{}\\fR", roff(line))?;
        }
    }
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    writeln!(out, "{}", roff(exit_status(name)))?;
    writeln!(out, ".SH \"SEE ALSO\"")?;
    let mut also: Vec<String> = page_names(tree)
        .into_iter()
        .filter(|p| Some(p.as_str()) != name.map(|n| format!("{}-{n}", tree.get_name())).as_deref())
        .filter(|p| name.is_some() || p != tree.get_name())
        .map(|p| format!("\\fB{}\\fR(1)", roff(&p)))
        .collect();
    also.push("\\fBgo\\fR(1): go tool pprof".to_owned());
    writeln!(out, "{}", also.join(", "))?;
    if tree.get_version().is_some() {
        clap_mangen::Man::new(tree.clone()).render_version_section(out)?;
    }
    Ok(())
}

/// `text` as roff body text: backslashes and hyphens escaped, a leading
/// dot or quote kept from being read as a request.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_names_its_command_and_exists_once() {
        let mut keys: Vec<&str> = EXAMPLES.iter().map(|(k, _)| *k).collect();
        for (key, examples) in EXAMPLES {
            for (_, line) in examples.iter() {
                let needle = format!("traces-tool {key}");
                assert!(key.is_empty() || line.contains(&needle), "{key}: {line}");
            }
        }
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before);
    }

    #[test]
    fn roff_escapes_hyphens_and_requests() {
        assert_eq!(roff("a-b"), "a\\-b");
        assert_eq!(roff(".x"), "\\&.x");
        assert_eq!(roff("a\\b"), "a\\eb");
    }
}
