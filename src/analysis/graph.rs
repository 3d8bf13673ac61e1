//! pprof's call graph rebuilt from records: per function flat and cum, and
//! caller→callee edges, computed exactly as pprof's `graph.New` and
//! `report.newTrimmedGraph` do (see `../shared/notes/pprof-text-formats.md`
//! section 6): cum once per sample per node even under recursion, flat on
//! the leaf only, inlined frames as nodes of their own, nodes cut below a
//! fraction of the total and the graph rebuilt from the samples.
//!
//! Identical stacks are merged first ([`StackSet`]), so memory grows with
//! the number of distinct stacks, not with the size of the report.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::frame::{file_of, FrameText};
use crate::record::{NameId, Names, Record};
use crate::seqs::{StackFrame, StackTable};

/// Index of a node (a function, file or line, by granularity).
pub type NodeId = u32;

/// How frames are grouped into nodes (pprof's `-functions`, `-files`,
/// `-lines`). A report carries only what it was printed with: `files` and
/// `lines` need a report printed with `-lines` (frames `func file:line`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Granularity {
    /// One node per frame text as printed (the report's own granularity).
    #[default]
    Frames,
    /// One node per function: a trailing ` file:line` is dropped.
    Functions,
    /// One node per source file (needs `-lines` or `-filefunctions` text).
    Files,
    /// One node per `func file:line` (needs `-lines` text).
    Lines,
}

/// Maps frame names to node ids under a granularity, caching per name.
/// Each node's name is held once: the lookup by name is an open-addressing
/// table of node ids (4 bytes a slot, at most half full), not a map of
/// owned keys beside the list of names.
#[derive(Debug, Default)]
pub struct NodeTable {
    granularity: Granularity,
    by_name: Vec<Option<NodeId>>,
    /// A power of two of slots (none before the first node): `u32::MAX`
    /// for an empty slot, else a node id.
    slots: Vec<u32>,
    names: Vec<Box<str>>,
}

/// The hash of a node's name in [`NodeTable`]'s slots.
fn name_hash(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    name.hash(&mut h);
    h.finish()
}

impl NodeTable {
    /// A table for `granularity`.
    pub fn new(granularity: Granularity) -> NodeTable {
        NodeTable { granularity, ..NodeTable::default() }
    }

    /// The node of a frame name.
    pub fn node(&mut self, id: NameId, names: &Names) -> NodeId {
        let i = id.0 as usize;
        if i >= self.by_name.len() {
            self.by_name.resize(names.len().max(i + 1), None);
        }
        if let Some(node) = self.by_name[i] {
            return node;
        }
        let key = node_key(names.get(id), self.granularity);
        let node = self.intern(key);
        self.by_name[i] = Some(node);
        node
    }

    /// The node named `key`, made if new.
    fn intern(&mut self, key: &str) -> NodeId {
        if self.names.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = name_hash(key) as usize & mask;
        loop {
            match self.slots[at] {
                u32::MAX => {
                    let node = self.names.len() as NodeId;
                    self.slots[at] = node;
                    self.names.push(key.into());
                    return node;
                }
                node if &*self.names[node as usize] == key => return node,
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Doubles the slots (16 at first) and places every node again.
    fn grow(&mut self) {
        let len = (self.slots.len() * 2).max(16);
        let mut slots = vec![u32::MAX; len];
        let mask = len - 1;
        for (node, name) in self.names.iter().enumerate() {
            let mut at = name_hash(name) as usize & mask;
            while slots[at] != u32::MAX {
                at = (at + 1) & mask;
            }
            slots[at] = node as u32;
        }
        self.slots = slots;
    }

    /// The printable name of a node.
    pub fn name(&self, node: NodeId) -> &str {
        &self.names[node as usize]
    }

    /// The names of the nodes, by node id, the lookup let go: what a
    /// report keeps of the table once no frame is to be added.
    pub fn into_names(self) -> Vec<Box<str>> {
        self.names
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no node exists yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The part of a frame text that names its node.
fn node_key(frame: &str, granularity: Granularity) -> &str {
    let text = FrameText::parse(frame);
    match granularity {
        Granularity::Frames | Granularity::Lines => frame,
        Granularity::Functions => text.source().map_or(text.body, |(function, _)| function),
        Granularity::Files => text.source().map_or(text.body, |(_, file)| file_of(file)),
    }
}

/// A record's stack as node frames ([`StackFrame`]s whose ids are nodes of
/// `table`), leaf first.
pub fn node_frames<'a>(
    rec: &'a Record,
    table: &'a mut NodeTable,
    names: &'a Names,
) -> impl Iterator<Item = StackFrame> + 'a {
    rec.frames.iter().map(|f| StackFrame::new(table.node(f.name, names), f.inline))
}

/// The total of one distinct stack.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StackTotal {
    /// Sum of values, hundredths of the base unit.
    pub value: i128,
    /// Sum of the rounding bounds of those values.
    pub error: i128,
    /// Number of samples merged.
    pub samples: u64,
}

/// Distinct stacks (leaf first, frames as nodes) with their summed values:
/// the [`StackTable`] of the graph reports.
pub type StackSet = StackTable<StackTotal>;

impl StackTable<StackTotal> {
    /// Adds a record. pprof skips zero-valued samples when building graphs,
    /// and so does this.
    pub fn add(&mut self, rec: &Record, table: &mut NodeTable, names: &Names) {
        self.add_signed(rec, 1, table, names);
    }

    /// Adds a record with its value multiplied by `sign` (-1 turns the
    /// negated base samples of a `-diff_base` report positive again).
    pub fn add_signed(&mut self, rec: &Record, sign: i128, table: &mut NodeTable, names: &Names) {
        if rec.value.centi == 0 {
            return;
        }
        let (_, _, total) = self.entry(node_frames(rec, table, names));
        total.value += sign * rec.value.centi;
        total.error += rec.value.max_error_centi();
        total.samples += 1;
    }
}

/// An edge's totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Sum of the values of the samples through the edge.
    pub weight: i128,
    /// True while every contribution was an inlined call.
    pub inline: bool,
    /// True if a dropped node sat between caller and callee.
    pub residual: bool,
}

/// A node's totals (its edges are the graph's: [`Graph::callers`],
/// [`Graph::callees`]).
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// The node.
    pub id: NodeId,
    /// Sum of the values where it is the leaf.
    pub flat: i128,
    /// Sum of the values of the samples it appears in (once per sample).
    pub cum: i128,
    /// Rounding bound of `flat`.
    pub flat_error: i128,
    /// Rounding bound of `cum`.
    pub cum_error: i128,
}

/// What one stack has already counted (nodes, edges, functions): a short
/// list searched linearly while it is short, as almost every stack is, and a
/// hash set beyond, so that a stack of a million frames costs linear time.
#[derive(Clone, Debug)]
pub struct SeenSet<T> {
    short: Vec<T>,
    long: FxHashSet<T>,
}

impl<T: Copy + Eq + std::hash::Hash> Default for SeenSet<T> {
    fn default() -> Self {
        SeenSet { short: Vec::new(), long: FxHashSet::default() }
    }
}

impl<T: Copy + Eq + std::hash::Hash> SeenSet<T> {
    /// Entries kept in the list before the set takes over.
    const SHORT: usize = 32;

    /// Adds `item`; true when it was not there yet.
    pub fn insert(&mut self, item: T) -> bool {
        if self.short.contains(&item) {
            return false;
        }
        if self.short.len() < Self::SHORT {
            self.short.push(item);
            return true;
        }
        self.long.insert(item)
    }

    /// Empties it for the next stack (a large set is dropped, not cleared:
    /// clearing costs its capacity, again for every later stack).
    pub fn clear(&mut self) {
        self.short.clear();
        if self.long.capacity() > 4 * Self::SHORT {
            self.long = FxHashSet::default();
        } else {
            self.long.clear();
        }
    }
}

/// The graph: nodes with non-zero flat or cum, and the edges between them.
/// A node holds no map of its own: the edges are one flat list, sorted by
/// caller, with an index sorted by callee, so that a stack of a million
/// distinct functions costs a few dozen bytes per edge, not two hash maps
/// per node.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Nodes, in no particular order until sorted.
    pub nodes: Vec<Node>,
    /// `(caller, callee, totals)`, sorted by caller then callee.
    edges: Vec<(NodeId, NodeId, Edge)>,
    /// Indices of `edges`, sorted by callee then caller.
    by_callee: Vec<u32>,
}

/// Options of the trimmed graph (pprof's defaults for `-top`).
#[derive(Clone, Copy, Debug)]
pub struct TrimOptions {
    /// Drop nodes whose |cum| is below this fraction of the total.
    pub node_fraction: f64,
    /// Drop edges whose |weight| is below this fraction of the total.
    pub edge_fraction: f64,
    /// Keep at most this many nodes (0: all).
    pub node_count: usize,
    /// Sort by cum instead of flat.
    pub cum_sort: bool,
}

impl Default for TrimOptions {
    fn default() -> TrimOptions {
        TrimOptions { node_fraction: 0.005, edge_fraction: 0.001, node_count: 0, cum_sort: false }
    }
}

/// What trimming did, for pprof's legend lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrimInfo {
    /// Nodes dropped below the node fraction.
    pub dropped_nodes: usize,
    /// Nodes left after that, before `node_count`.
    pub nodes_before_count: usize,
}

impl Graph {
    /// Builds the graph of `stacks`, keeping only the nodes in `kept` (all
    /// when `None`), as pprof's `newGraph` does.
    pub fn build(stacks: &StackSet, kept: Option<&FxHashSet<NodeId>>, node_count: usize) -> Graph {
        let mut nodes: Vec<Node> =
            (0..node_count as NodeId).map(|id| Node { id, ..Node::default() }).collect();
        // The edges, and where each pair is in them.
        let mut edges: Vec<(NodeId, NodeId, Edge)> = Vec::new();
        let mut edge_at: FxHashMap<(NodeId, NodeId), u32> = FxHashMap::default();
        let mut seen_nodes: SeenSet<NodeId> = SeenSet::default();
        let mut seen_edges: SeenSet<(NodeId, NodeId)> = SeenSet::default();
        for (frames, total) in stacks.iter() {
            let (w, err) = (total.value, total.error);
            seen_nodes.clear();
            seen_edges.clear();
            let mut parent: Option<NodeId> = None;
            let mut residual = false;
            // Root first, as pprof walks locations.
            for frame in frames.iter().rev() {
                if kept.is_some_and(|k| !k.contains(&frame.id())) {
                    residual = true;
                    continue;
                }
                let n = frame.id();
                if seen_nodes.insert(n) {
                    let node = &mut nodes[n as usize];
                    node.cum += w;
                    node.cum_error += err;
                }
                if let Some(p) = parent {
                    if p != n && seen_edges.insert((p, n)) {
                        let at = *edge_at.entry((p, n)).or_insert_with(|| {
                            let edge = Edge { weight: 0, inline: true, residual: false };
                            edges.push((p, n, edge));
                            edges.len() as u32 - 1
                        });
                        let e = &mut edges[at as usize].2;
                        e.weight += w;
                        e.residual |= residual;
                        e.inline &= frame.inline();
                    }
                }
                parent = Some(n);
                residual = false;
            }
            if let (Some(leaf), false) = (parent, residual) {
                let node = &mut nodes[leaf as usize];
                node.flat += w;
                node.flat_error += err;
            }
        }
        nodes.retain(|n| n.flat != 0 || n.cum != 0);
        drop(edge_at);
        edges.shrink_to_fit();
        edges.sort_unstable_by_key(|&(from, to, _)| (from, to));
        let mut graph = Graph { nodes, edges, by_callee: Vec::new() };
        graph.index_callees();
        graph
    }

    /// Rebuilds the index of the edges by callee.
    fn index_callees(&mut self) {
        let edges = &self.edges;
        let mut by_callee: Vec<u32> = (0..edges.len() as u32).collect();
        by_callee.sort_unstable_by_key(|&i| {
            let (from, to, _) = edges[i as usize];
            (to, from)
        });
        self.by_callee = by_callee;
    }

    /// The callers of `node`, with the edges' totals, by caller id.
    pub fn callers(&self, node: NodeId) -> impl Iterator<Item = (NodeId, &Edge)> + '_ {
        let edges = &self.edges;
        let start = self.by_callee.partition_point(|&i| edges[i as usize].1 < node);
        self.by_callee[start..]
            .iter()
            .map(move |&i| &edges[i as usize])
            .take_while(move |e| e.1 == node)
            .map(|(from, _, e)| (*from, e))
    }

    /// The callees of `node`, with the edges' totals, by callee id.
    pub fn callees(&self, node: NodeId) -> impl Iterator<Item = (NodeId, &Edge)> + '_ {
        let start = self.edges.partition_point(|e| e.0 < node);
        self.edges[start..].iter().take_while(move |e| e.0 == node).map(|(_, to, e)| (*to, e))
    }

    /// pprof's inline tag of a node in text reports, from its remaining
    /// incoming edges: all inline `(inline)`, some `(partial-inline)`.
    pub fn inline_label(&self, node: NodeId) -> &'static str {
        let inline = self.callers(node).any(|(_, e)| e.inline);
        let not_inline = self.callers(node).any(|(_, e)| !e.inline);
        match (inline, not_inline) {
            (true, true) => "(partial-inline)",
            (true, false) => "(inline)",
            _ => "",
        }
    }

    /// pprof's `newTrimmedGraph` for text reports: drop nodes below the
    /// node fraction of the total flat, keep the first `node_count` after
    /// sorting, then drop edges below the edge fraction.
    pub fn trimmed(
        stacks: &StackSet,
        table: &NodeTable,
        options: TrimOptions,
    ) -> (Graph, TrimInfo) {
        let mut info = TrimInfo::default();
        let mut graph = Graph::build(stacks, None, table.len());
        let total_flat: i128 = graph.nodes.iter().map(|n| n.flat).sum();
        let node_cutoff = cutoff(total_flat, options.node_fraction);
        let edge_cutoff = cutoff(total_flat, options.edge_fraction);
        if node_cutoff > 0 {
            let kept: FxHashSet<NodeId> =
                graph.nodes.iter().filter(|n| n.cum.abs() >= node_cutoff).map(|n| n.id).collect();
            if kept.len() != graph.nodes.len() {
                info.dropped_nodes = graph.nodes.len() - kept.len();
                drop(std::mem::take(&mut graph));
                graph = Graph::build(stacks, Some(&kept), table.len());
            }
        }
        info.nodes_before_count = graph.nodes.len();
        graph.sort(table, options.cum_sort);
        if options.node_count > 0 && graph.nodes.len() > options.node_count {
            let kept: FxHashSet<NodeId> =
                graph.nodes[..options.node_count].iter().map(|n| n.id).collect();
            drop(std::mem::take(&mut graph));
            graph = Graph::build(stacks, Some(&kept), table.len());
            graph.sort(table, options.cum_sort);
        }
        graph.trim_edges(edge_cutoff);
        (graph, info)
    }

    /// pprof's `FlatNameOrder` (or `CumNameOrder`): |flat| desc, name asc,
    /// |cum| desc.
    pub fn sort(&mut self, table: &NodeTable, cum: bool) {
        self.nodes.sort_by(|a, b| {
            let (a1, b1, a2, b2) = if cum {
                (a.cum.abs(), b.cum.abs(), a.flat.abs(), b.flat.abs())
            } else {
                (a.flat.abs(), b.flat.abs(), a.cum.abs(), b.cum.abs())
            };
            b1.cmp(&a1).then_with(|| table.name(a.id).cmp(table.name(b.id))).then(b2.cmp(&a2))
        });
    }

    /// Removes edges lighter than `cutoff`.
    fn trim_edges(&mut self, cutoff: i128) {
        if cutoff == 0 {
            return;
        }
        self.edges.retain(|(_, _, e)| e.weight.abs() >= cutoff);
        self.index_callees();
    }
}

/// pprof's `abs64(int64(float64(total) * fraction))`, in hundredths.
pub fn cutoff(total_centi: i128, fraction: f64) -> i128 {
    let base_units = total_centi as f64 / 100.0;
    ((base_units * fraction) as i64).unsigned_abs() as i128 * 100
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Frame;
    use crate::units::parse_value;

    fn add(set: &mut StackSet, table: &mut NodeTable, names: &mut Names, v: &str, frames: &[&str]) {
        let mut rec = Record::new();
        rec.set_value(parse_value(v).unwrap(), v);
        for f in frames {
            let (name, inline) = crate::read::traces::split_inline(f);
            rec.frames.push(Frame { name: names.intern(name), inline });
        }
        set.add(&rec, table, names);
    }

    fn totals(g: &Graph, t: &NodeTable) -> Vec<(String, i128, i128, &'static str)> {
        g.nodes
            .iter()
            .map(|n| (t.name(n.id).to_owned(), n.flat / 100, n.cum / 100, g.inline_label(n.id)))
            .collect()
    }

    #[test]
    fn recursion_counts_cum_once_and_inline_tags_follow_edges() {
        let (mut names, mut table, mut set) =
            (Names::new(), NodeTable::new(Granularity::Frames), StackSet::new());
        add(
            &mut set,
            &mut table,
            &mut names,
            "1kB",
            &["main.recurse", "main.recurse", "main.recurse", "main.main"],
        );
        add(
            &mut set,
            &mut table,
            &mut names,
            "2kB",
            &["main.mk (inline)", "main.alloc", "main.main"],
        );
        add(&mut set, &mut table, &mut names, "0", &["main.keep", "main.main"]);
        let (mut g, info) = Graph::trimmed(
            &set,
            &table,
            TrimOptions { node_fraction: 0.0, edge_fraction: 0.0, ..Default::default() },
        );
        g.sort(&table, false);
        assert_eq!(info.dropped_nodes, 0);
        assert_eq!(
            totals(&g, &table),
            [
                ("main.mk".to_owned(), 2048, 2048, "(inline)"),
                ("main.recurse".to_owned(), 1024, 1024, ""),
                // Equal flat: pprof orders by name, not by cum.
                ("main.alloc".to_owned(), 0, 2048, ""),
                ("main.main".to_owned(), 0, 3072, ""),
            ]
        );
    }

    #[test]
    fn dropped_leaf_does_not_give_its_flat_to_callers() {
        let (mut names, mut table, mut set) =
            (Names::new(), NodeTable::new(Granularity::Frames), StackSet::new());
        add(&mut set, &mut table, &mut names, "1B", &["tiny", "main.main"]);
        add(&mut set, &mut table, &mut names, "1000B", &["big", "main.main"]);
        let (g, info) =
            Graph::trimmed(&set, &table, TrimOptions { node_fraction: 0.01, ..Default::default() });
        assert_eq!(info.dropped_nodes, 1);
        let main = g.nodes.iter().find(|n| table.name(n.id) == "main.main").unwrap();
        assert_eq!((main.flat, main.cum), (0, 1001 * 100));
    }

    #[test]
    fn granularity_keys() {
        assert_eq!(node_key("main.f /src/demo/main.go:42", Granularity::Functions), "main.f");
        assert_eq!(
            node_key("main.f /src/demo/main.go:42", Granularity::Files),
            "/src/demo/main.go"
        );
        assert_eq!(
            node_key("main.f /src/demo/main.go:42", Granularity::Lines),
            "main.f /src/demo/main.go:42"
        );
        assert_eq!(
            node_key(
                "00000000004d2646 main.mix example.com/cpulabels/main.go:40",
                Granularity::Functions
            ),
            "main.mix"
        );
        assert_eq!(
            node_key("std::vector<int, std::allocator<int> >::push_back", Granularity::Functions),
            "std::vector<int, std::allocator<int> >::push_back"
        );
        assert_eq!(node_key("main.f C:\\src\\main.go:7", Granularity::Files), "C:\\src\\main.go");
    }
}
