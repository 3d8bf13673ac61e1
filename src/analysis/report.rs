//! What the graph reports (`top`, `peek`) gather in one pass over their
//! inputs ([`collect`]), the output unit pprof would choose for them
//! ([`select_unit`]), the facts they show beside their rows
//! ([`GraphFacts`]), and their header lines ([`header_lines`]).

use crate::analysis::facts::{ReportFacts, UnitContext};
use crate::analysis::graph::{Granularity, Graph, NodeTable, StackSet};
use crate::analysis::scan::{scan_with, Inputs};
use crate::error::{Error, Result};
use crate::record::{Header, HeaderField, Names};
use crate::units::{auto_suffix, format_bound_in, format_in, Dimension};

/// Everything a top-like report needs, gathered in one pass.
pub struct Collected {
    /// Distinct stacks of the kept samples.
    pub stacks: StackSet,
    /// Node names.
    pub table: NodeTable,
    /// The first input's header.
    pub header: Header,
    /// pprof's total: Σ|v| of all samples (of base samples under diff).
    pub total: i128,
    /// Rounding bound of the total.
    pub total_error: i128,
    /// Units of the values.
    pub units: UnitContext,
    /// The fixed unit the report was printed with, if any.
    pub printed_unit: Option<String>,
    /// True when every value read was exact.
    pub exact: bool,
    /// Stderr notes.
    pub notes: Vec<String>,
}

impl Collected {
    /// The facts shown beside the rows of a report read with `inputs`, in
    /// `output_unit` (see [`select_unit`]), whose rows account for
    /// `shown_flat`.
    pub fn facts(&self, inputs: &Inputs, output_unit: String, shown_flat: i128) -> GraphFacts {
        GraphFacts {
            header: self.header.clone(),
            filters: self
                .header
                .filters()
                .into_iter()
                .map(|f| format!("{f} (the report was printed with it)"))
                .chain(inputs.filters.active())
                .collect(),
            printed_with_filters: !self.header.filters().is_empty(),
            total: self.total,
            total_error: self.total_error,
            units: self.units.clone(),
            exact: self.exact,
            output_unit,
            shown_flat,
        }
    }
}

/// What a graph report (`top`, `peek`) shows beside its rows: the header,
/// pprof's total, the units and exactness of the values, the output unit,
/// and the flat the shown nodes account for.
#[derive(Clone, Debug, Default)]
pub struct GraphFacts {
    /// The first input's header.
    pub header: Header,
    /// pprof's `Active filters:`, as given, after those the report was
    /// printed with ([`Header::filters`]).
    pub filters: Vec<String>,
    /// The report was printed with filters: it holds only the samples they
    /// kept, so its total is theirs, not the profile's.
    pub printed_with_filters: bool,
    /// pprof's total: Σ|v| of all samples (of base samples under diff), in
    /// hundredths of the base unit.
    pub total: i128,
    /// Rounding bound of the total.
    pub total_error: i128,
    /// Units of the values.
    pub units: UnitContext,
    /// True when every value read was exact.
    pub exact: bool,
    /// The unit amounts are shown in: a fixed suffix (`MB`), or "" when
    /// each is scaled on its own.
    pub output_unit: String,
    /// Σ flat of the nodes the legend accounts for.
    pub shown_flat: i128,
}

impl GraphFacts {
    /// An amount as text in the output unit (`49.51MB`), as pprof prints it.
    pub fn format(&self, centi: i128) -> String {
        format_in(centi, self.units.dimension(), &self.output_unit, &self.units.other)
    }

    /// A rounding bound in the output unit, rounded up: `<0.01MB` where it
    /// is not zero but would print as `0` ([`format_bound_in`]).
    pub(crate) fn format_bound(&self, centi: i128) -> String {
        format_bound_in(centi, self.units.dimension(), &self.output_unit, &self.units.other)
    }
}

/// Reads the inputs into distinct stacks and pprof's total, in one pass.
pub fn collect(inputs: &Inputs, granularity: Granularity) -> Result<Collected> {
    let mut names = Names::new();
    let mut facts = ReportFacts::default();
    let mut stacks = StackSet::new();
    let mut table = NodeTable::new(granularity);
    let mut inputs = inputs.clone();
    inputs.read.frame_lines = matches!(granularity, Granularity::Lines | Granularity::Files);
    let notes = scan_with(
        &inputs,
        &mut names,
        |src, rec| facts.observe(src, rec),
        |_, rec, names| {
            stacks.add(rec, &mut table, names);
            Ok(())
        },
    )?;
    let (total, total_error) = facts.total();
    Ok(Collected {
        stacks,
        table,
        header: facts.header(),
        total,
        total_error,
        printed_unit: facts.printed_unit(),
        exact: facts.exact,
        units: facts.units,
        notes,
    })
}

/// The output unit of a top-like report for a `--unit` option: a fixed
/// suffix, or "" for per-value auto-scaling. Without `--unit`, the unit the
/// report was printed with if it was fixed, else pprof's `minimum`.
pub fn select_unit(unit: Option<&str>, c: &Collected, graph: &Graph) -> Result<String> {
    let dim = c.units.dimension();
    let requested = unit.map(str::to_owned).or_else(|| c.printed_unit.clone());
    match requested.as_deref() {
        Some("auto") => Ok(String::new()),
        Some("minimum") | None => Ok(select_output_unit(graph, c.total, dim)),
        Some(u) => {
            let canonical = canonical_suffix(u, dim).ok_or_else(|| {
                Error::Usage(format!("invalid --unit {u:?} for values in {}", dim.name()))
            })?;
            Ok(canonical.to_owned())
        }
    }
}

/// A user's `--unit` spelling as the suffix pprof prints.
fn canonical_suffix(unit: &str, dim: Dimension) -> Option<&'static str> {
    let v = crate::analysis::filter::parse_user_value(&format!("1{unit}"))?;
    (v.dim == dim || dim == Dimension::Count && unit.is_empty()).then(|| {
        let suffix = auto_suffix(v.centi, v.dim);
        // `1kb` scales to `kB` itself; `1s` to `s`.
        suffix
    })
}

/// pprof's `selectOutputUnit`: the unit of the smallest non-zero node
/// value, moved up when the total is in a larger unit and 100 times the
/// minimum would be too.
fn select_output_unit(graph: &Graph, total: i128, dim: Dimension) -> String {
    let mut min = 0i128;
    for n in &graph.nodes {
        let v = if n.flat != 0 { n.flat.abs() } else { n.cum.abs() };
        if v > 0 && (min == 0 || v < min) {
            min = v;
        }
    }
    let max = total;
    if min == 0 {
        min = max;
    }
    let (min_unit, max_unit) = (auto_suffix(min, dim), auto_suffix(max, dim));
    let unit = if min_unit != max_unit && min * 100 < max {
        auto_suffix(min * 100, dim)
    } else {
        min_unit
    };
    unit.to_owned()
}

/// The header lines, the `Total samples` of `Duration:` in the output unit.
pub fn header_lines(header: &Header, fmt: &dyn Fn(i128) -> String, total: i128) -> Vec<String> {
    header
        .lines
        .iter()
        .filter(|(field, _)| *field != HeaderField::Empty)
        .map(|(field, line)| {
            if *field != HeaderField::Duration {
                return line.clone();
            }
            const MARK: &str = ", Total samples = ";
            match line.find(MARK) {
                Some(at) => {
                    let rest = &line[at + MARK.len()..];
                    let after = rest.find(' ').map_or("", |i| &rest[i..]);
                    format!("{}{MARK}{}{after}", &line[..at], fmt(total))
                }
                None => line.clone(),
            }
        })
        .collect()
}
