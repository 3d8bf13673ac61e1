//! The command line: one subcommand per module in `cmd/`.

use clap::{ColorChoice, Parser, Subcommand};

use super::cmd;

/// What `--version` prints after the name: the crate's version and the git
/// commit it was built from (`unknown` when built outside a git checkout,
/// as from a `cargo package` archive).
pub const VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("TRACES_TOOL_COMMIT"), ")");

/// Typed commands over Go pprof's `traces` report.
///
/// Print a report with `go tool pprof -traces heap.pprof > traces.txt` (or
/// `traces > traces.txt` in interactive pprof), then ask it questions. The
/// binary profile itself (what `curl .../debug/pprof/heap` saves) and
/// pprof's `-raw` text are read too, told apart by their content.
/// pprof's kB, MB, GB are powers of 1024; values are compared exactly.
/// Reports pasted from an issue, a chat or a terminal (whitespace stripped,
/// last block cut, prompts, fences...) are repaired by default, each repair
/// reported on stderr; `--strict` refuses them.
/// Exit status: 0 found, 1 nothing matched, 2 error.
#[derive(Parser, Debug)]
#[command(name = "traces-tool", version = VERSION, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
    /// Colour in text output: `auto` (when it goes to a terminal and
    /// NO_COLOR is not set), `always` or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Fit text output to N columns: long frame names are shortened (the
    /// package path elided in the middle), long lines wrapped. `0` keeps
    /// every line whole. Default: the terminal's width when the output is a
    /// terminal, whole lines otherwise.
    #[arg(long, value_name = "N", global = true)]
    pub width: Option<usize>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Largest samples per matching function, with labels and call paths.
    Grep(cmd::grep::GrepArgs),
    /// How many samples have each value: the honest `sort -n | uniq -c`.
    Hist(cmd::hist::HistArgs),
    /// One CSV row per sample (or per frame), exact values in base units.
    Csv(cmd::csv::CsvArgs),
    /// Per-function flat and cum, as `go tool pprof -top` prints them.
    Top(cmd::top::TopArgs),
    /// What grew between two snapshots (or in a -diff_base report).
    Diff(cmd::diff::DiffArgs),
    /// Each function's series across many snapshots: the leak first.
    Trend(cmd::trend::TrendArgs),
    /// The same profile from many inputs side by side: the odd pod out.
    Fleet(cmd::fleet::FleetArgs),
    /// Charge each sample to the first application frame from the leaf.
    Blame(cmd::blame::BlameArgs),
    /// The records as a traces report again, after the filters.
    Cat(cmd::cat::CatArgs),
    /// Callers and callees of matching functions, as `go tool pprof -peek`.
    Peek(cmd::peek::PeekArgs),
    /// Identical stacks merged across blocks, largest first.
    Stacks(cmd::stacks::StacksArgs),
    /// Buckets of similar goroutines from dumps, and which ones grow across dumps.
    Goroutines(cmd::goroutines::GoroutinesArgs),
    /// What a report holds: type, totals, zero and negative samples, depth.
    Summary(cmd::summary::SummaryArgs),
    /// Brendan Gregg's folded stacks (`root;...;leaf value`), for flame graph tools.
    Folded(cmd::folded::FoldedArgs),
    /// An interactive SVG flame graph (or a differential one).
    Flamegraph(cmd::flamegraph::FlamegraphArgs),
    /// Convert the report back into a pprof profile (profile.proto, gzipped), or its samples into a Parquet table.
    Export(cmd::export::ExportArgs),
    /// A shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(cmd::completions::CompletionsArgs),
    /// A manual page, in roff (`traces-tool man grep | man -l -`).
    Man(cmd::man::ManArgs),
}

impl Cli {
    /// The input options of the command, `None` for those that read no
    /// input (`completions`, `man`).
    pub fn input(&self) -> Option<&cmd::InputArgs> {
        Some(match &self.command {
            Command::Grep(args) => &args.input,
            Command::Hist(args) => &args.input,
            Command::Csv(args) => &args.input,
            Command::Cat(args) => &args.input,
            Command::Top(args) => &args.input,
            Command::Peek(args) => &args.input,
            Command::Stacks(args) => &args.input,
            Command::Goroutines(args) => &args.input,
            Command::Summary(args) => &args.input,
            Command::Diff(args) => &args.input,
            Command::Trend(args) => &args.input,
            Command::Fleet(args) => &args.input,
            Command::Blame(args) => &args.input,
            Command::Folded(args) => &args.input,
            Command::Flamegraph(args) => &args.input,
            Command::Export(args) => &args.input,
            Command::Completions(_) | Command::Man(_) => return None,
        })
    }

    /// Reports the reading of large inputs to `progress` (the binary's
    /// progress bar).
    pub fn watch(&mut self, progress: traces_tool::read::input::Progress) {
        let input = match &mut self.command {
            Command::Grep(args) => &mut args.input,
            Command::Hist(args) => &mut args.input,
            Command::Csv(args) => &mut args.input,
            Command::Cat(args) => &mut args.input,
            Command::Top(args) => &mut args.input,
            Command::Peek(args) => &mut args.input,
            Command::Stacks(args) => &mut args.input,
            Command::Goroutines(args) => &mut args.input,
            Command::Summary(args) => &mut args.input,
            Command::Diff(args) => &mut args.input,
            Command::Trend(args) => &mut args.input,
            Command::Fleet(args) => &mut args.input,
            Command::Blame(args) => &mut args.input,
            Command::Folded(args) => &mut args.input,
            Command::Flamegraph(args) => &mut args.input,
            Command::Export(args) => &mut args.input,
            Command::Completions(_) | Command::Man(_) => return,
        };
        input.progress = Some(progress);
    }

    /// What to say when standard input is a terminal and the command would
    /// read it, which the binary asks before reading: `Err` refuses (no
    /// FILE given: a person who forgot it would otherwise wait on a silent
    /// terminal; a `grep` whose PATTERN names a file forgot the pattern),
    /// `Ok(Some)` is a note for an explicit `-` (a report pasted into the
    /// terminal), `Ok(None)` when standard input is not read. Whether it
    /// is a terminal is for the binary to ask.
    pub fn terminal_stdin(&self) -> std::result::Result<Option<String>, String> {
        let Some(input) = self.input() else { return Ok(None) };
        let name = self.command_name();
        let mut files: Vec<&str> = input.files.iter().map(String::as_str).collect();
        // `hist FILE` and `hist --all FILE` read FILE (see `hist --help`).
        if let Command::Hist(args) = &self.command {
            if let Some(p) = args.pattern.as_deref() {
                if args.all || (files.is_empty() && std::path::Path::new(p).is_file()) {
                    files.insert(0, p);
                }
            }
        }
        if files.is_empty() {
            if let Command::Grep(args) = &self.command {
                if std::path::Path::new(&args.pattern).is_file() {
                    return Err(format!(
                        "grep: {:?} was read as the PATTERN and no FILE is given: \
                         `traces-tool grep PATTERN FILE...` (the pattern comes first)",
                        args.pattern
                    ));
                }
            }
            return Err(format!(
                "{name}: no FILE given and standard input is a terminal: give a report \
                 (`traces-tool {name} traces.txt`), pipe one in (`go tool pprof -traces \
                 heap.pprof | traces-tool {name}`), or give `-` to paste one here"
            ));
        }
        Ok(files.contains(&"-").then(|| {
            "reading a report from the terminal: paste it, then press Ctrl-D on a line of \
             its own"
                .to_owned()
        }))
    }

    /// The subcommand's name, as typed.
    pub fn command_name(&self) -> &'static str {
        match &self.command {
            Command::Grep(_) => "grep",
            Command::Hist(_) => "hist",
            Command::Csv(_) => "csv",
            Command::Cat(_) => "cat",
            Command::Top(_) => "top",
            Command::Peek(_) => "peek",
            Command::Stacks(_) => "stacks",
            Command::Goroutines(_) => "goroutines",
            Command::Summary(_) => "summary",
            Command::Diff(_) => "diff",
            Command::Trend(_) => "trend",
            Command::Fleet(_) => "fleet",
            Command::Blame(_) => "blame",
            Command::Folded(_) => "folded",
            Command::Flamegraph(_) => "flamegraph",
            Command::Export(_) => "export",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }

    /// Runs the chosen command, writing its text as typed lines into
    /// `sink` (which may fit and paint them) and other output as bytes.
    pub fn run_into(
        &self,
        sink: &mut dyn traces_tool::output::text::LineSink,
    ) -> traces_tool::error::Result<cmd::Outcome> {
        let out = &mut traces_tool::output::text::Out::new(sink);
        match &self.command {
            Command::Grep(args) => cmd::grep::run(args, out),
            Command::Hist(args) => cmd::hist::run(args, out),
            Command::Csv(args) => cmd::csv::run(args, out),
            Command::Cat(args) => cmd::cat::run(args, out),
            Command::Top(args) => cmd::top::run(args, out),
            Command::Peek(args) => cmd::peek::run(args, out),
            Command::Stacks(args) => cmd::stacks::run(args, out),
            Command::Goroutines(args) => cmd::goroutines::run(args, out),
            Command::Summary(args) => cmd::summary::run(args, out),
            Command::Diff(args) => cmd::diff::run(args, out),
            Command::Trend(args) => cmd::trend::run(args, out),
            Command::Fleet(args) => cmd::fleet::run(args, out),
            Command::Blame(args) => cmd::blame::run(args, out),
            Command::Folded(args) => cmd::folded::run(args, out),
            Command::Flamegraph(args) => cmd::flamegraph::run(args, out),
            Command::Export(args) => cmd::export::run(args, out),
            Command::Completions(args) => {
                cmd::completions::run(args, <Cli as clap::CommandFactory>::command(), out)
            }
            Command::Man(args) => {
                cmd::man::run(args, <Cli as clap::CommandFactory>::command(), out)
            }
        }
    }

    /// The error to give, before running, when standard output is a
    /// terminal and the command would write what a screen cannot show there
    /// (a binary profile, pages of SVG); `None` for the other commands.
    /// Whether it is a terminal is for the binary to ask.
    pub fn terminal_refusal(&self) -> Option<&'static str> {
        match &self.command {
            Command::Flamegraph(args) if args.to_stdout() => {
                Some(cmd::flamegraph::TERMINAL_REFUSAL)
            }
            Command::Export(args) if args.to_stdout() => Some(cmd::export::TERMINAL_REFUSAL),
            _ => None,
        }
    }
}

/// Adds "a similar argument exists" to clap's error for an unknown flag
/// where clap found none: clap's similarity misses swapped letters in short
/// names (`--tpo` for `--top`), so a flag of the subcommand at most two
/// edits away (a swap counts one) is offered instead of clap's advice to
/// pass the flag as a value. `args` is the command line after the program.
pub fn suggest_flag(error: &mut clap::Error, args: &[String]) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    use clap::CommandFactory;
    if error.kind() != ErrorKind::UnknownArgument || error.get(ContextKind::SuggestedArg).is_some()
    {
        return;
    }
    let Some(ContextValue::String(invalid)) = error.get(ContextKind::InvalidArg) else { return };
    let Some(typed) = invalid.strip_prefix("--") else { return };
    let typed = typed.split('=').next().unwrap_or_default().to_owned();
    let root = Cli::command();
    let sub = args.iter().find(|a| !a.starts_with('-')).and_then(|n| root.find_subcommand(n));
    let command = sub.unwrap_or(&root);
    let best = command
        .get_arguments()
        .chain(root.get_arguments())
        .filter(|a| !a.is_hide_set())
        .filter_map(clap::Arg::get_long)
        .map(|long| (edit_distance(&typed, long), long))
        .filter(|&(d, long)| d <= 2 && d * 3 <= long.len().max(typed.len()))
        .min();
    if let Some((_, long)) = best {
        error.insert(ContextKind::SuggestedArg, ContextValue::String(format!("--{long}")));
        error.insert(ContextKind::Suggested, ContextValue::StyledStrs(Vec::new()));
    }
}

/// Edits from `a` to `b`: insertions, deletions, substitutions and swaps
/// of neighbours (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn swapped_letters_are_one_edit() {
        assert_eq!(edit_distance("tpo", "top"), 1);
        assert_eq!(edit_distance("lenent", "lenient"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }

    #[test]
    fn an_unknown_flag_gets_the_nearest_one() {
        let argv = ["traces-tool", "grep", "--tpo", "3", "x", "f.txt"];
        let mut e = Cli::try_parse_from(argv).unwrap_err();
        suggest_flag(&mut e, &argv[1..].iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let text = e.render().to_string();
        assert!(text.contains("a similar argument exists: '--top'"), "{text}");
        assert!(!text.contains("as a value"), "{text}");
    }

    #[test]
    fn every_man_page_example_parses() {
        for (_, examples) in cmd::man::EXAMPLES {
            for (_, line) in examples.iter() {
                let line = line.split(['|', '>', '&']).next().unwrap_or_default();
                let Some(start) = line.find("traces-tool ") else { continue };
                let words: Vec<String> = line[start..]
                    .split_whitespace()
                    .map(|w| w.trim_matches('\'').to_owned())
                    .collect();
                if let Err(e) = Cli::try_parse_from(&words) {
                    panic!("{line}: {e}");
                }
            }
        }
    }
}
