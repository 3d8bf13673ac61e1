//! `traces-tool flamegraph -o out.svg`: an interactive SVG flame graph
//! of the folded stacks of `traces-tool folded` ([`traces_tool::analysis::folded`]),
//! drawn by [`traces_tool::output::flamegraph`] (inferno); with `--diff BEFORE
//! AFTER`, or from a `-diff_base` report, a differential flame graph.

use std::io::Write;

use clap::Args;

use super::{InputArgs, Outcome};
use traces_tool::analysis::folded::{folded, FoldedOptions};
use traces_tool::error::{Error, Result};
use traces_tool::output::flamegraph::{flamegraph, FlamegraphOptions};
use traces_tool::output::text::Out;

/// An interactive SVG flame graph (inferno), values in pprof's units.
///
/// Each frame is as wide as the value of the samples it is on; hover shows
/// the function with its value as pprof prints it (`3.88MB`), in whole base
/// units (`4,063,488 bytes`) and as a share of the total; click zooms,
/// Ctrl-F searches (regular expressions). Stacks are those of `traces-tool
/// folded` (identical stacks summed, rounded values noted on stderr), so
/// the filters apply.
///
/// With `--diff BEFORE AFTER`, or a report printed with `go tool pprof
/// -traces -diff_base=BEFORE AFTER`, the graph is differential: frames are
/// as wide as in AFTER and colored by the change, red where it grew, blue
/// where it shrank (`--negate`: as wide as in BEFORE, to see what went
/// away).
#[derive(Args, Clone, Debug)]
pub struct FlamegraphArgs {
    /// Where to write the SVG (`-` for standard output, which must not be a
    /// terminal).
    #[arg(short = 'o', long = "output", value_name = "FILE", default_value = "-")]
    pub output: String,
    /// Title at the top (default: the sample type, e.g. `inuse_space`).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Second line under the title (default: the report's File, Time and
    /// total).
    #[arg(long, value_name = "TEXT")]
    pub subtitle: Option<String>,
    /// Differential flame graph: give BEFORE AFTER, or one `-diff_base`
    /// report.
    #[arg(long)]
    pub diff: bool,
    /// Differential graphs: draw the BEFORE widths, colored so that red
    /// still means growth.
    #[arg(long)]
    pub negate: bool,
    /// Icicle graph: roots at the top.
    #[arg(long)]
    pub inverted: bool,
    /// inferno's palette: hot, mem, io, red, green, blue, aqua, yellow,
    /// purple, orange, java, js, perl, python, rust, wakeup (default: mem
    /// for bytes, hot otherwise).
    #[arg(long, value_name = "PALETTE")]
    pub colors: Option<String>,
    /// Image width in pixels.
    #[arg(long, value_name = "PIXELS", default_value_t = 1200)]
    pub width: usize,
    /// Leave out frames narrower than this percentage of the total width
    /// (inferno's `--minwidth`; 0 draws every frame).
    #[arg(long = "min-width", value_name = "PERCENT", default_value_t = 0.01)]
    pub min_width: f64,
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// What `flamegraph` says when its SVG would go to a terminal: pages of
/// markup are no use on a screen (as `export` refuses a binary profile
/// there). The binary asks the terminal question, before running.
pub const TERMINAL_REFUSAL: &str =
    "flamegraph: refusing to write SVG to a terminal; give -o FILE or pipe it";

impl FlamegraphArgs {
    /// True when the SVG goes to standard output (`-o -`, the default).
    pub fn to_stdout(&self) -> bool {
        self.output == "-"
    }

    /// How to draw, from the options.
    pub fn options(&self) -> FlamegraphOptions {
        FlamegraphOptions {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            negate: self.negate,
            inverted: self.inverted,
            colors: self.colors.clone(),
            width: self.width,
            min_width: self.min_width,
        }
    }
}

/// Runs the command.
pub fn run(args: &FlamegraphArgs, out: &mut Out<'_>) -> Result<Outcome> {
    let folded = folded(&args.input.inputs(), &FoldedOptions { diff: args.diff })?;
    let graph = flamegraph(&folded, &args.options())?;
    let mut notes = folded.notes;
    notes.extend(graph.notes);
    let Some(svg) = graph.svg else {
        notes.push("no stacks with a value: no flame graph written".to_owned());
        return Ok(Outcome { matched: false, notes });
    };
    if args.to_stdout() {
        out.write_all(svg.as_bytes())?;
    } else {
        std::fs::write(&args.output, svg.as_bytes())
            .map_err(|source| Error::Io { path: args.output.clone(), source })?;
    }
    Ok(Outcome { matched: true, notes })
}
