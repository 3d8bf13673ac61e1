//! The analysis core: pprof's filters ([`filter`]), its call graph and the
//! set of distinct stacks ([`graph`]), and the facts a report takes from
//! every sample before filtering ([`facts`]).

pub mod facts;
pub mod filter;
pub mod graph;
pub mod report;
pub mod scan;
pub mod stacks;
pub mod summary;
