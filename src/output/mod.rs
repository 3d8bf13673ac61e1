//! The output layer: CSV through one writer ([`sheet`]), JSON with exact
//! numbers ([`json`]), and traces text as pprof prints it ([`traces`]).

pub mod json;
pub mod sheet;
pub mod traces;
