//! The binary's output for a person at a terminal: every typed line a
//! command writes is fitted to the terminal's width and painted from what
//! its parts are (`fit.rs`); bytes that are not text lines (CSV, JSON, SVG,
//! folded stacks, a man page) pass through untouched. Only used when the
//! binary asks for it (a terminal, `--width N`, `--color always`); in a
//! pipe the output is the plain text, byte for byte.

use std::io::{self, IsTerminal, Write};

use clap::ColorChoice;
use traces_tool::output::text::{Line, LineSink};

use crate::cli::Cli;
use crate::fit;

/// How to present a command's text output.
#[derive(Clone, Copy, Debug)]
pub struct Look {
    /// Fit lines to this many columns; `None` leaves them as they are.
    pub width: Option<usize>,
    /// Write colour escapes.
    pub color: bool,
}

/// How the output of `cli` is presented, or `None` to write it as it is:
/// fitted to `--width` or the terminal's width, coloured when `--color`
/// and the terminal (and NO_COLOR) say so.
pub fn look(cli: &Cli) -> Option<Look> {
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // anstream's reading: a terminal, NO_COLOR unset, TERM not dumb
        // (CLICOLOR_FORCE forces it).
        ColorChoice::Auto => anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never,
    };
    let width = match cli.width {
        Some(0) => None,
        Some(n) => Some(n),
        None if terminal => terminal_width(&stdout),
        None => None,
    };
    (color || width.is_some()).then_some(Look { width, color })
}

/// The terminal's width: `COLUMNS` when set (as clap reads it), else what
/// the terminal says.
fn terminal_width(stdout: &io::Stdout) -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| terminal_size::terminal_size_of(stdout).map(|(w, _)| usize::from(w.0)))
}

/// The sink that presents typed lines on `inner` as [`Look`] says.
pub struct Presenter<W: Write> {
    inner: W,
    look: Look,
}

impl<W: Write> Presenter<W> {
    /// Presents what is written to it on `inner`.
    pub fn new(inner: W, look: Look) -> Presenter<W> {
        Presenter { inner, look }
    }

    /// Flushes, and gives the writer back.
    pub fn finish(mut self) -> io::Result<W> {
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> LineSink for Presenter<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        let drop_bounds = self.look.width.is_some_and(|w| w < fit::BOUNDS_FROM_WIDTH);
        for pieces in fit::fit(line, self.look.width, drop_bounds) {
            let text = fit::render(&pieces, line.layout, self.look.color);
            self.inner.write_all(text.as_bytes())?;
            self.inner.write_all(b"\n")?;
        }
        Ok(())
    }

    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.inner.write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    fn wraps_prose(&self) -> bool {
        self.look.width.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use traces_tool::output::text::{Layout, Out, Part};

    #[test]
    fn bytes_pass_untouched_and_lines_are_fitted() {
        let mut p = Presenter::new(Vec::new(), Look { width: Some(40), color: false });
        let mut out = Out::new(&mut p);
        out.write_all(b"function,flat\nmain.f,1\n").unwrap();
        out.line(Layout::Row)
            .right(10, Part::Number, "1.05MB")
            .plain("  ")
            .frame("github.com/acme/very/long/package/path/reqctx.Set")
            .end()
            .unwrap();
        let text = String::from_utf8(p.finish().unwrap()).unwrap();
        assert_eq!(text, "function,flat\nmain.f,1\n    1.05MB  github.com/…/path/reqctx.Set\n");
    }

    #[test]
    fn without_width_or_colour_a_line_is_its_text() {
        let mut p = Presenter::new(Vec::new(), Look { width: None, color: false });
        let mut out = Out::new(&mut p);
        let name = "net/http.(*conn).serve".repeat(8);
        out.line(Layout::Prose).number("+1MB").plain(" ").frame(&name).end().unwrap();
        assert_eq!(String::from_utf8(p.finish().unwrap()).unwrap(), format!("+1MB {name}\n"));
    }
}
