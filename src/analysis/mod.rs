//! The analysis core: pprof's filters ([`filter`]), its call graph and the
//! set of distinct stacks ([`graph`]), and the facts a report takes from
//! every sample before filtering ([`facts`]).

pub mod blame;
pub mod cat;
pub mod csv;
pub mod diff;
pub mod export;
pub mod facts;
pub mod filter;
pub mod fleet;
pub mod folded;
pub mod goroutines;
pub mod graph;
pub mod grep;
pub mod hist;
pub mod peek;
pub mod report;
pub mod scan;
pub mod stacks;
pub mod summary;
pub mod table;
pub mod top;
pub mod trend;
