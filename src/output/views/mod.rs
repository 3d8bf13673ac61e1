//! Every command's view of its analysis' result, in one place: its text
//! (typed lines, [`crate::output::text`]), its CSV columns, its JSON
//! document and schema, and the formats it offers. A command of the binary
//! wires its options to an analysis and hands the result to [`emit`]; a
//! library user does the same without the command line:
//!
//! ```
//! use traces_tool::analysis::scan::Inputs;
//! use traces_tool::analysis::top::{top, TopOptions};
//! use traces_tool::output::sheet::SheetOptions;
//! use traces_tool::output::text::{Out, PlainText};
//! use traces_tool::output::views::emit;
//! use traces_tool::output::Format;
//!
//! let report = top(&Inputs::files(["samples/leak/after.exact.traces.txt"]), &TopOptions::default())?;
//! let mut text = PlainText(Vec::new());
//! emit(&report, Format::Text, &mut Out::new(&mut text), SheetOptions::default())?;
//! let text = String::from_utf8(text.0).unwrap();
//! assert!(text.contains("flat  flat%   sum%        cum   cum%"));
//! let mut json = PlainText(Vec::new());
//! emit(&report, Format::Json, &mut Out::new(&mut json), SheetOptions::default())?;
//! assert!(String::from_utf8(json.0).unwrap().starts_with('{'));
//! # Ok::<(), traces_tool::error::Error>(())
//! ```

use std::io::Write;

use crate::error::Result;
use crate::output::json::{ndjson_unsupported, require};
use crate::output::sheet::SheetOptions;
use crate::output::text::Out;
use crate::output::Format;

pub mod blame;
pub mod cat;
pub mod csv;
pub mod diff;
pub mod fleet;
pub mod goroutines;
pub mod grep;
pub mod hist;
pub mod peek;
pub mod stacks;
pub mod summary;
pub mod top;
pub mod trend;

/// The formats of a view that writes text, CSV and JSON.
pub const TEXT_CSV_JSON: &[Format] = &[Format::Text, Format::Csv, Format::Json];

/// The formats of a view whose rows stream: also NDJSON.
pub const ALL_FORMATS: &[Format] = &[Format::Text, Format::Csv, Format::Json, Format::Ndjson];

/// A command's result as it can be written.
pub trait View {
    /// The command's name, for messages.
    const NAME: &'static str;
    /// The formats it offers (the command line's `--format` list).
    const FORMATS: &'static [Format];
    /// Its text, as typed lines.
    fn text(&self, out: &mut Out<'_>) -> Result<()>;
    /// Its CSV rows, with a header row.
    fn csv(&self, out: &mut dyn Write, sheet: SheetOptions) -> Result<()>;
    /// Its JSON document.
    fn json(&self, out: &mut dyn Write) -> Result<()>;
    /// Its NDJSON rows, for the views that offer them.
    fn ndjson(&self, out: &mut dyn Write) -> Result<()> {
        let _ = out;
        Err(ndjson_unsupported(Self::NAME))
    }
}

/// Writes `view` in `format`; a format the view does not offer is a usage
/// error.
pub fn emit<V: View>(
    view: &V,
    format: Format,
    out: &mut Out<'_>,
    sheet: SheetOptions,
) -> Result<()> {
    require(format, V::FORMATS, V::NAME)?;
    match format {
        Format::Text => view.text(out),
        Format::Csv => view.csv(out, sheet),
        Format::Json => view.json(out),
        Format::Ndjson => view.ndjson(out),
    }
}
