//! Reading a command's inputs into the analyses: every input opened in
//! turn ([`crate::read::for_each_record`]), inputs of different sample types
//! refused, the facts taken before the filters, pprof's filters applied.

use crate::analysis::facts::SameMeasure;
use crate::analysis::filter::{Filter, FilterOptions};
use crate::error::Result;
use crate::read::{self, SourceInfo, SourceOptions};
use crate::record::{Names, Record};

/// What an analysis reads: the inputs, how each is read, and which of
/// their samples are kept.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Paths of the inputs; `-` or none reads standard input. Several
    /// inputs must measure one thing (one sample type): they are added up.
    pub files: Vec<String>,
    /// How each input is read: lenient or not, pasted text repaired,
    /// `--sample-index`, the search-first prefilter.
    pub read: SourceOptions,
    /// pprof's filters, applied to every record read.
    pub filters: FilterOptions,
}

impl Inputs {
    /// The given files, read with the default options and no filter.
    pub fn files<S: Into<String>>(files: impl IntoIterator<Item = S>) -> Inputs {
        Inputs { files: files.into_iter().map(Into::into).collect(), ..Inputs::default() }
    }

    /// The same reading and filters on other files.
    pub fn with_files(&self, files: Vec<String>) -> Inputs {
        Inputs { files, ..self.clone() }
    }
}

/// Reads every input, applies the filters, and hands each kept record to
/// `visit`. Returns the notes on what lenient reading skipped. Inputs that
/// measure different things (another sample type or dimension) are refused.
pub fn scan(
    inputs: &Inputs,
    names: &mut Names,
    visit: impl FnMut(&SourceInfo, &mut Record, &Names) -> Result<()>,
) -> Result<Vec<String>> {
    scan_with(inputs, names, |_, _| {}, visit)
}

/// Like [`scan`], but also shows every record to `before` ahead of the
/// filters (pprof takes its total before filtering).
pub fn scan_with(
    inputs: &Inputs,
    names: &mut Names,
    before: impl FnMut(&SourceInfo, &Record),
    visit: impl FnMut(&SourceInfo, &mut Record, &Names) -> Result<()>,
) -> Result<Vec<String>> {
    scan_each(inputs, names, before, visit, |_| {})
}

/// Like [`scan_with`], and also shows each input, once read to its end,
/// to `finished` (inputs in the order given; a series' snapshots, a
/// fleet's pods).
pub(crate) fn scan_each(
    inputs: &Inputs,
    names: &mut Names,
    mut before: impl FnMut(&SourceInfo, &Record),
    mut visit: impl FnMut(&SourceInfo, &mut Record, &Names) -> Result<()>,
    mut finished: impl FnMut(&SourceInfo),
) -> Result<Vec<String>> {
    let mut filter = Filter::new(&inputs.filters)?;
    let mut notes = Vec::new();
    let same = std::cell::RefCell::new(SameMeasure::new());
    read::for_each_record(
        &inputs.files,
        inputs.read.clone(),
        names,
        |src, rec, names| {
            same.borrow_mut().see(src, rec)?;
            before(src, rec);
            if filter.keep(rec, names) {
                visit(src, rec, names)?;
            }
            Ok(())
        },
        |src| {
            same.borrow_mut().fresh = true;
            notes.extend(skipped_notes(src));
            finished(src);
            Ok(())
        },
    )?;
    notes.extend(filter.notes());
    Ok(notes)
}

/// One stderr line per kind of repair made to a pasted input, then one per
/// kind of block a lenient read skipped, then the reader's own notes.
pub fn skipped_notes(src: &SourceInfo) -> Vec<String> {
    let repairs = src.repairs().iter().map(|r| format!("{}: {}", src.name(), r.message()));
    let skipped = src.skipped().iter().map(|s| {
        format!(
            "{}: skipped {} malformed block{} of kind {} (first at line {}: {})",
            src.name(),
            s.count,
            if s.count == 1 { "" } else { "s" },
            s.kind,
            s.first_line,
            s.first_message
        )
    });
    repairs.chain(skipped).chain(src.notes().iter().cloned()).collect()
}
