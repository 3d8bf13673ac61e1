//! The binary's progress bar for large inputs (indicatif, on stderr): the
//! observer the binary gives the library (`Cli::watch`, `input::Progress`) when
//! stderr is a terminal. The library only counts bytes.
//!
//! The bar stays hidden for its first [`QUIET`], so that a quick command
//! draws none and the first frame drawn already has a rate measured over
//! a fair stretch of reading. Rate and ETA are the average since the start
//! (bytes read over time spent), steadier than a rate of the last moments
//! on a reader whose speed changes block by block. When reading stops, at
//! the end or early (`grep --top` that had enough, an error), the bar is
//! cleared. Inputs read at once (many inputs are parsed on several
//! threads) share one [`MultiProgress`], one line each.

use std::time::{Duration, Instant};

use indicatif::{
    BinaryBytes, HumanDuration, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle,
};
use traces_tool::read::input::{InputProgress, ProgressObserver};

/// How long a bar stays hidden after its input is opened.
const QUIET: Duration = Duration::from_millis(300);

/// Draws a bar on stderr for each large input.
pub struct Bars(MultiProgress);

impl Bars {
    /// Bars drawn on stderr.
    pub fn new() -> Bars {
        Bars(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
    }
}

impl ProgressObserver for Bars {
    fn start(&self, name: &str, size: u64) -> Box<dyn InputProgress> {
        let style = ProgressStyle::with_template(
            "{msg} [{bar:30}] {percent:>3}% {binary_bytes}/{binary_total_bytes} {avg_rate} {avg_eta}",
        )
        .map(|s| {
            s.progress_chars("=> ")
                .with_key("avg_rate", |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = match rate(st.pos(), st.elapsed()) {
                        Some(r) => write!(w, "{}/s", BinaryBytes(r as u64)),
                        None => write!(w, "-"),
                    };
                })
                .with_key("avg_eta", |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let left = st.len().unwrap_or(0).saturating_sub(st.pos());
                    let _ = match rate(st.pos(), st.elapsed()) {
                        Some(r) => {
                            write!(w, "ETA {}", HumanDuration(Duration::from_secs_f64(left as f64 / r)))
                        }
                        None => write!(w, "ETA -"),
                    };
                })
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::hidden())
            .with_style(style)
            .with_message(file_name(name).to_owned());
        Box::new(Bar { bar, lines: self.0.clone(), opened: Instant::now(), shown: false })
    }
}

/// The last part of a path: the bar has a line, not room for directories.
fn file_name(path: &str) -> &str {
    std::path::Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or(path)
}

/// Bytes per second, once there is something to measure.
fn rate(pos: u64, elapsed: Duration) -> Option<f64> {
    let secs = elapsed.as_secs_f64();
    (pos > 0 && secs > 0.05).then(|| pos as f64 / secs)
}

/// One input's bar.
struct Bar {
    bar: ProgressBar,
    /// Where the bar is drawn once shown, beside the other inputs' bars.
    lines: MultiProgress,
    opened: Instant,
    shown: bool,
}

impl InputProgress for Bar {
    fn advance(&mut self, bytes: u64) {
        self.bar.inc(bytes);
        if !self.shown && self.opened.elapsed() >= QUIET {
            self.shown = true;
            self.bar = self.lines.add(self.bar.clone());
        }
    }

    fn finish(&mut self, _complete: bool) {
        self.bar.finish_and_clear();
        if self.shown {
            self.lines.remove(&self.bar);
        }
    }
}
