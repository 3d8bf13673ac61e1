//! # traces-tool
//!
//! Typed access to the text of Go pprof's `traces` report
//! (`go tool pprof -traces heap.pprof`). pprof prints one block per sample:
//!
//! ```text
//! -----------+-------------------------------------------------------
//!      bytes:  352B
//!    21.01MB   net/textproto.(*Reader).ReadMIMEHeader
//!              net/http.readRequest
//! -----------+-------------------------------------------------------
//! ```
//!
//! [`read::traces::TraceReader`] streams such blocks as [`record::Record`]s: the
//! labels, the value (exact, in base units, with pprof's 1024-based memory
//! units) and the stack, leaf first. The same records come from `-raw` text,
//! binary profiles, `?debug=1` profiles and goroutine dumps ([`read`]).
//!
//! The library is in layers, each importing only those below it: the core
//! ([`record`], [`units`], [`gotime`], [`seqs`], [`matcher`], [`frame`]),
//! the readers ([`read`]), the analyses ([`analysis`]: one plain function
//! each, such as [`analysis::top::top`], over [`analysis::scan::Inputs`],
//! returning typed rows that derive `serde::Serialize`), and the output
//! ([`output`]: every command's view, [`output::views`], with its text as
//! typed lines, its CSV, JSON and NDJSON; traces text, flame graphs). The
//! command line is the binary's, not the library's: the default feature
//! `cli` only derives clap's traits on the option types the binary's
//! arguments flatten; without it the library builds with neither clap nor
//! a terminal crate. The library never prints.
//!
//! ```
//! use traces_tool::read::traces::{ReaderOptions, TraceReader};
//! use traces_tool::record::{Names, Record};
//!
//! let report = concat!(
//!     "Type: inuse_space\n",
//!     "-----------+-------------------------------------------------------\n",
//!     "     bytes:  352B\n",
//!     "   21.01MB   net/textproto.(*Reader).ReadMIMEHeader\n",
//!     "             net/http.readRequest\n",
//!     "-----------+-------------------------------------------------------\n",
//! );
//! let mut reader = TraceReader::new("traces.txt", report.as_bytes(), ReaderOptions::default())?;
//! let (mut names, mut record) = (Names::new(), Record::new());
//! assert!(reader.read_record(&mut record, &mut names)?);
//! assert_eq!(record.value.centi, 2101 * 1024 * 1024); // hundredths of a byte
//! assert_eq!(names.get(record.frames[1].name), "net/http.readRequest");
//! # Ok::<(), traces_tool::error::Error>(())
//! ```

#![warn(missing_docs)]

pub mod analysis;
pub mod error;
pub mod frame;
pub mod gotime;
pub mod matcher;
pub mod output;
pub mod read;
pub mod record;
pub mod seqs;
pub mod units;
