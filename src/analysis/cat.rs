//! `cat`: the records of every input, filtered, in the order of a traces
//! report (each input's header, its records, its end), streamed to a
//! callback as they are read.

use crate::analysis::filter::Filter;
use crate::analysis::scan::{skipped_notes, Inputs};
use crate::error::Result;
use crate::read::{open_source, paths_or_stdin, SourceInfo};
use crate::record::{Header, Names, Record};

/// One piece of a traces report, in the order pprof prints it.
#[derive(Clone, Copy, Debug)]
pub enum CatItem<'a> {
    /// An input's header, before its records.
    Header(&'a Header),
    /// A record kept by the filters, with its frame names.
    Record(&'a Record, &'a Names),
    /// The end of an input's records.
    End,
}

/// What [`records`] found.
#[derive(Clone, Debug, Default)]
pub struct CatSummary {
    /// Records kept by the filters.
    pub records: u64,
    /// Lines for stderr: what a lenient read skipped or a pasted input
    /// needed repaired, input by input.
    pub notes: Vec<String>,
}

/// Reads each input in turn and hands `item` its header, each record the
/// filters keep, and its end: what `traces-tool cat` prints as a report.
/// Inputs are not added up or compared: each is printed as it is.
///
/// ```
/// use traces_tool::analysis::cat::{records, CatItem};
/// use traces_tool::analysis::filter::FilterOptions;
/// use traces_tool::analysis::scan::Inputs;
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "   21.01MB   net/textproto.(*Reader).ReadMIMEHeader\n",
///     "             net/http.readRequest\n",
///     "-----------+-------------------------------------------------------\n",
///     "       2MB   main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let path = std::env::temp_dir().join("traces-tool-cat-doc.txt");
/// std::fs::write(&path, report)?;
/// let mut inputs = Inputs::files([path.to_str().unwrap()]);
/// inputs.filters = FilterOptions { focus: Some("readRequest".into()), ..FilterOptions::default() };
/// let mut kept = Vec::new();
/// let summary = records(&inputs, |item| {
///     if let CatItem::Record(rec, _) = item {
///         kept.push(rec.value_text().to_owned());
///     }
///     Ok(())
/// })?;
/// assert_eq!((summary.records, kept), (1, vec!["21.01MB".to_owned()]));
/// # Ok::<(), traces_tool::error::Error>(())
/// ```
pub fn records(
    inputs: &Inputs,
    mut item: impl FnMut(CatItem<'_>) -> Result<()>,
) -> Result<CatSummary> {
    let mut filter = Filter::new(&inputs.filters)?;
    let mut names = Names::new();
    let mut rec = Record::new();
    let mut summary = CatSummary::default();
    for path in paths_or_stdin(&inputs.files) {
        let mut source = open_source(&path, inputs.read.clone())?;
        item(CatItem::Header(source.header()))?;
        let mut stackless = 0u64;
        while source.read_record(&mut rec, &mut names)? {
            // A traces report has no way to print a sample without a stack
            // (`threadcreate`'s `7 @`); pprof's `-traces` prints none.
            if rec.frames.is_empty() {
                stackless += 1;
                continue;
            }
            if filter.keep(&mut rec, &names) {
                item(CatItem::Record(&rec, &names))?;
                summary.records += 1;
            }
        }
        item(CatItem::End)?;
        summary.notes.extend(skipped_notes(&SourceInfo::of(source.as_ref())));
        if stackless > 0 {
            summary.notes.push(format!(
                "cat: {path}: left out {stackless} sample{} without a stack: a traces report \
                 has no way to print one (pprof's -traces prints none)",
                if stackless == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(summary)
}
