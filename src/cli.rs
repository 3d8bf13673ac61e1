//! The command line: one subcommand per module in `cmd/`.

use clap::{ColorChoice, Parser, Subcommand};

use crate::cmd;

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
    /// Charge each sample to the first application frame from the leaf.
    Blame(cmd::blame::BlameArgs),
    /// The records as a traces report again, after the filters.
    Cat(cmd::cat::CatArgs),
    /// Callers and callees of matching functions, as `go tool pprof -peek`.
    Peek(cmd::peek::PeekArgs),
    /// Identical stacks merged across blocks, largest first.
    Stacks(cmd::stacks::StacksArgs),
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
    /// The manual page, in roff (`traces-tool man | man -l -`).
    Man(cmd::man::ManArgs),
}

impl Cli {
    /// Reports the reading of large inputs to `progress` (the binary's
    /// progress bar).
    pub fn watch(&mut self, progress: crate::read::input::Progress) {
        let input = match &mut self.command {
            Command::Grep(args) => &mut args.input,
            Command::Hist(args) => &mut args.input,
            Command::Csv(args) => &mut args.input,
            Command::Cat(args) => &mut args.input,
            Command::Top(args) => &mut args.input,
            Command::Peek(args) => &mut args.input,
            Command::Stacks(args) => &mut args.input,
            Command::Summary(args) => &mut args.input,
            Command::Diff(args) => &mut args.input,
            Command::Blame(args) => &mut args.input,
            Command::Folded(args) => &mut args.input,
            Command::Flamegraph(args) => &mut args.input,
            Command::Export(args) => &mut args.input,
            Command::Completions(_) | Command::Man(_) => return,
        };
        input.progress = Some(progress);
    }

    /// Runs the chosen command, writing its output to `out`.
    pub fn run(&self, out: &mut dyn std::io::Write) -> crate::error::Result<cmd::Outcome> {
        match &self.command {
            Command::Grep(args) => cmd::grep::run(args, out),
            Command::Hist(args) => cmd::hist::run(args, out),
            Command::Csv(args) => cmd::csv::run(args, out),
            Command::Cat(args) => cmd::cat::run(args, out),
            Command::Top(args) => cmd::top::run(args, out),
            Command::Peek(args) => cmd::peek::run(args, out),
            Command::Stacks(args) => cmd::stacks::run(args, out),
            Command::Summary(args) => cmd::summary::run(args, out),
            Command::Diff(args) => cmd::diff::run(args, out),
            Command::Blame(args) => cmd::blame::run(args, out),
            Command::Folded(args) => cmd::folded::run(args, out),
            Command::Flamegraph(args) => cmd::flamegraph::run(args, out),
            Command::Export(args) => cmd::export::run(args, out),
            Command::Completions(args) => cmd::completions::run(args, out),
            Command::Man(args) => cmd::man::run(args, out),
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
