//! `traces-tool cat`: prints the records back as a `traces` report. On an
//! unfiltered report the output is the input, byte for byte (line ends
//! normalised to `\n`); with filters it is what `go tool pprof -traces
//! -focus=...` would print, keeping pprof's header.

use std::io::Write;

use clap::Args;

use crate::analysis::filter::Filter;
use crate::cmd::{InputArgs, Outcome};
use crate::error::Result;
use crate::output::traces::{write_header, write_record, write_trailer};
use crate::read::{open_source, paths_or_stdin};
use crate::record::{Names, Record};

/// Print records as a traces report (filtered, if filters are given).
#[derive(Args, Clone, Debug)]
pub struct CatArgs {
    /// The inputs, how they are read, and pprof\'s filters.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the command.
pub fn run(args: &CatArgs, out: &mut dyn Write) -> Result<Outcome> {
    let mut filter = Filter::new(&args.input.filters)?;
    let mut names = Names::new();
    let mut rec = Record::new();
    let mut printed = 0u64;
    let mut notes = Vec::new();
    for path in paths_or_stdin(&args.input.files) {
        let mut source = open_source(&path, args.input.reader_options())?;
        write_header(out, source.header())?;
        while source.read_record(&mut rec, &mut names)? {
            if filter.keep(&mut rec, &names) {
                write_record(out, &rec, &names)?;
                printed += 1;
            }
        }
        write_trailer(out)?;
        notes.extend(crate::cmd::skipped_notes(&crate::read::SourceInfo::of(source.as_ref())));
    }
    Ok(Outcome { matched: printed > 0, notes })
}
