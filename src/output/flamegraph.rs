//! Flame graphs: folded stacks ([`crate::analysis::folded`]) drawn as an
//! interactive SVG by the `inferno` crate (the Rust port of Brendan Gregg's
//! flamegraph.pl), or a differential one from two columns (widths from the
//! after profile, red for growth, blue for shrinkage).
//!
//! inferno's tooltips show a frame's count in whole base units (`4,063,488
//! bytes`); they are rewritten here to lead with the amount as pprof prints
//! it (`3.88MB, 4,063,488 bytes, 56.20%`), which search and zoom ignore.

use std::str::FromStr;

use inferno::flamegraph::{self, Direction, Options, Palette};

use crate::analysis::folded::{round, FoldedReport};
use crate::error::{Error, Result};
use crate::record::HeaderField;
use crate::units::{format_centi, Dimension};

/// How [`flamegraph()`] draws; `Default` gives `traces-tool flamegraph`'s
/// defaults.
#[derive(Clone, Debug)]
pub struct FlamegraphOptions {
    /// Title at the top (default: the sample type, e.g. `inuse_space`).
    pub title: Option<String>,
    /// Second line under the title (default: the report's File, Time and
    /// total).
    pub subtitle: Option<String>,
    /// Differential graphs: draw the BEFORE widths, colored so that red
    /// still means growth.
    pub negate: bool,
    /// Icicle graph: roots at the top.
    pub inverted: bool,
    /// inferno's palette by name (`hot`, `mem`, ...); default: mem for
    /// bytes, hot otherwise.
    pub colors: Option<String>,
    /// Image width in pixels (default 1200).
    pub width: usize,
    /// Leave out frames narrower than this percentage of the total width
    /// (inferno's `--minwidth`; default 0.01, 0 draws every frame).
    pub min_width: f64,
}

impl Default for FlamegraphOptions {
    fn default() -> FlamegraphOptions {
        FlamegraphOptions {
            title: None,
            subtitle: None,
            negate: false,
            inverted: false,
            colors: None,
            width: 1200,
            min_width: 0.01,
        }
    }
}

/// A drawn flame graph.
#[derive(Clone, Debug, Default)]
pub struct FlameGraph {
    /// The SVG document; `None` when no stack has a value (nothing to draw).
    pub svg: Option<String>,
    /// Stderr notes on the values drawn (rounded by pprof, negative totals
    /// left out), after those of the read ([`FoldedReport::notes`], which
    /// are not repeated here).
    pub notes: Vec<String>,
}

/// Draws the folded stacks as an SVG flame graph (differential when the
/// stacks have two columns).
///
/// Errors: `negate` on one column, an unknown palette, or inferno's.
///
/// ```
/// use traces_tool::analysis::folded::{folded, FoldedOptions, FoldedReport};
/// use traces_tool::analysis::scan::Inputs;
/// use traces_tool::output::flamegraph::{flamegraph, FlamegraphOptions};
///
/// let report = concat!(
///     "Type: inuse_space\n",
///     "-----------+-------------------------------------------------------\n",
///     "     1536B   main.leaf\n",
///     "             main.main\n",
///     "-----------+-------------------------------------------------------\n",
/// );
/// let dir = std::env::temp_dir().join(format!("flamegraph-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("traces.txt");
/// std::fs::write(&path, report)?;
/// let stacks = folded(&Inputs::files([path.to_str().unwrap()]), &FoldedOptions::default())?;
/// let graph = flamegraph(&stacks, &FlamegraphOptions::default())?;
/// let svg = graph.svg.expect("a stack with a value");
/// assert!(svg.starts_with("<?xml"));
/// assert!(svg.contains("<title>main.leaf (1.50kB, 1,536 bytes, 100.00%)</title>"));
/// // Nothing to draw: no SVG.
/// let empty = flamegraph(&FoldedReport::default(), &FlamegraphOptions::default())?;
/// assert!(empty.svg.is_none());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn flamegraph(folded: &FoldedReport, options: &FlamegraphOptions) -> Result<FlameGraph> {
    let negate = options.negate && folded.two_columns;
    let (mut lines, changes, notes) = match pruned_lines(folded, options.min_width, negate) {
        Some((lines, changes)) => (lines, changes, folded.for_each_line("flamegraph", |_| Ok(()))?),
        None => {
            let (lines, notes) = folded.lines("flamegraph");
            (lines, None, notes)
        }
    };
    // A line without frames (a sample with an empty stack, ` 7`) draws
    // nothing: inferno ignores it, and refuses input with nothing else.
    if lines.iter().all(|line| line.starts_with(' ')) {
        let mut notes = notes;
        if !lines.is_empty() {
            notes.push(format!(
                "flamegraph: nothing to draw: the {} stack{} read {} no frames",
                lines.len(),
                if lines.len() == 1 { "" } else { "s" },
                if lines.len() == 1 { "has" } else { "have" }
            ));
        }
        return Ok(FlameGraph { svg: None, notes });
    }
    if options.negate {
        if !folded.two_columns {
            return Err(Error::Usage("--negate is for differential flame graphs".to_owned()));
        }
        // Swap the columns: widths from BEFORE (pruned lines come swapped).
        if changes.is_none() {
            for line in &mut lines {
                let mut parts = line.rsplitn(3, ' ');
                let (a, b, stack) = (parts.next(), parts.next(), parts.next());
                if let (Some(a), Some(b), Some(stack)) = (a, b, stack) {
                    *line = format!("{stack} {a} {b}");
                }
            }
        }
    }
    let svg = render(options, folded, &lines, changes.as_deref().unwrap_or(&lines))?;
    Ok(FlameGraph { svg: Some(svg), notes })
}

/// inferno's `countname` for a dimension: `bytes`, `ns`, `samples`.
pub fn count_name(dim: Dimension, other: &str) -> String {
    match dim {
        Dimension::Bytes => "bytes".to_owned(),
        Dimension::Nanoseconds => "ns".to_owned(),
        Dimension::Count | Dimension::Zero => "samples".to_owned(),
        Dimension::Other => other.to_owned(),
    }
}

/// The lines for inferno and, for differential graphs, those the changes
/// are summed from: see [`pruned_lines`].
type Pruned = (Vec<String>, Option<Vec<String>>);

/// The folded lines of a graph with every frame inferno would leave out
/// (narrower than `min_width` percent of the total) folded, with all the
/// stacks through it, into the first of those stacks' lines, carrying their
/// sum: the drawn frames, their places, widths and colors stay the same,
/// and the lines held for inferno are about as many as the frames drawn,
/// not one per distinct stack.
///
/// Differential graphs (two columns, swapped when `negate`: the last one
/// gives the widths) also return the lines the tooltips' changes are summed
/// from ([`annotate_changes`]), whose first column is the folded stacks'
/// sum. inferno colors a frame by the change of the line that opened it
/// when that line ends there (never a folded line: it ends in a frame left
/// out) and scales every color by the largest change of any line: a folded
/// line's first column is chosen so that its change is the largest of the
/// lines it stands for, keeping that scale.
///
/// `None` (draw from every line) without a minimum width, or when a frame
/// name holds `;`, a space, a control character or `#`, a stack has no
/// frame, or a value is negative (inferno would split, trim, order or
/// ignore such lines otherwise than the stacks' names and values say).
fn pruned_lines(folded: &FoldedReport, min_width: f64, negate: bool) -> Option<Pruned> {
    if min_width <= 0.0 {
        return None;
    }
    let plain = |name: &str| !name.bytes().any(|b| b <= b' ' || b == b';' || b == b'#');
    if !folded.names.iter().all(|(_, name)| plain(name)) {
        return None;
    }
    let two = folded.two_columns;
    // The lines folded prints: (stack, other column, width column).
    let mut printed: Vec<(u32, u64, u64)> = Vec::new();
    for &i in &folded.rows {
        let (b, a) = *folded.stacks.payload(i);
        let (b, a) = (round(b), round(a));
        let (x, w) = if two {
            if b == 0 && a == 0 {
                continue;
            }
            if negate {
                (a, b)
            } else {
                (b, a)
            }
        } else if a > 0 {
            (0, a)
        } else {
            continue;
        };
        // inferno ignores a line without frames, and its value.
        if folded.stacks.frames(i).is_empty() {
            return None;
        }
        printed.push((i, u64::try_from(x).ok()?, u64::try_from(w).ok()?));
    }
    // inferno's pruning test, computed as inferno computes it.
    let time = printed.iter().try_fold(0u64, |t, &(_, _, w)| t.checked_add(w))?;
    let widthpertime_pct = 100.0 / time as f64;
    let minwidth_time = min_width / widthpertime_pct;
    // Frames are runs of consecutive lines with the same prefix; the open
    // ones (root first) with their first line and their running total.
    let mut open: Vec<(usize, u64)> = Vec::new();
    // Row ranges of the outermost narrow frames closed so far.
    let mut narrow: Vec<(usize, usize)> = Vec::new();
    let mut close = |open: &mut Vec<(usize, u64)>, depth: usize, end: usize| {
        while open.len() > depth {
            let (start, total) = open.pop().expect("open frame");
            if (total as f64) < minwidth_time {
                while narrow.last().is_some_and(|&(s, _)| s >= start) {
                    narrow.pop();
                }
                narrow.push((start, end));
            }
        }
    };
    let mut previous: &[crate::seqs::StackFrame] = &[];
    for (row, &(i, _, w)) in printed.iter().enumerate() {
        // Frames are told apart by name (the text), not by inline mark.
        let stack = folded.stacks.frames(i);
        let common = previous.iter().rev().zip(stack.iter().rev());
        let common = common.take_while(|(x, y)| x.id() == y.id()).count();
        close(&mut open, common, row);
        open.resize(stack.len(), (row, 0));
        for frame in &mut open {
            frame.1 += w;
        }
        previous = stack;
    }
    close(&mut open, 0, printed.len());
    let mut lines = Vec::new();
    let mut changes = Vec::new();
    let mut narrow = narrow.into_iter().peekable();
    let mut row = 0;
    while row < printed.len() {
        let (i, _, _) = printed[row];
        let mut group = row..row + 1;
        if let Some(&(start, end)) = narrow.peek() {
            if start == row {
                group = start..end;
                narrow.next();
            }
        }
        row = group.end;
        let rows = &printed[group];
        let w: u64 = rows.iter().map(|&(_, _, w)| w).sum();
        let mut line = String::new();
        folded.stack_text(i, &mut line);
        if two {
            let x: u64 = rows.iter().map(|&(_, x, _)| x).sum();
            // The largest change among the folded lines, as inferno reads
            // it (last column minus first).
            let change = rows
                .iter()
                .map(|&(_, x, w)| i128::from(w) - i128::from(x))
                .max_by_key(|d| d.unsigned_abs())
                .unwrap_or(0);
            let stack_len = line.len();
            line.push_str(&format!(" {x} {w}"));
            changes.push(line.clone());
            line.truncate(stack_len);
            line.push_str(&format!(" {} {w}", i128::from(w) - change));
        } else {
            line.push_str(&format!(" {w}"));
        }
        lines.push(line);
    }
    Some((lines, two.then_some(changes)))
}

/// Draws the SVG of folded lines and rewrites its tooltips (the changes of
/// a differential graph's frames summed from `changes`).
fn render(
    options: &FlamegraphOptions,
    folded: &FoldedReport,
    lines: &[String],
    changes: &[String],
) -> Result<String> {
    let dim = folded.units.dimension();
    let mut opt = Options::default();
    let type_name = folded.header.sample_type().unwrap_or("value");
    opt.title = options.title.clone().unwrap_or_else(|| {
        if folded.two_columns {
            format!("{type_name}: differential flame graph")
        } else {
            type_name.to_owned()
        }
    });
    opt.subtitle = Some(options.subtitle.clone().unwrap_or_else(|| subtitle(folded)));
    opt.count_name = count_name(dim, &folded.units.other);
    opt.image_width = Some(options.width);
    opt.min_width = options.min_width;
    opt.hash = true;
    opt.negate_differentials = options.negate;
    if options.inverted {
        opt.direction = Direction::Inverted;
    }
    let palette = options
        .colors
        .clone()
        .unwrap_or_else(|| if dim == Dimension::Bytes { "mem" } else { "hot" }.to_owned());
    opt.colors = Palette::from_str(&palette)
        .map_err(|_| Error::Usage(format!("unknown --colors {palette:?}")))?;
    let mut svg = Vec::new();
    flamegraph::from_lines(&mut opt, lines.iter().map(String::as_str), &mut svg)?;
    let svg = String::from_utf8(svg).map_err(|e| std::io::Error::other(e.to_string()))?;
    let svg = annotate_titles(&svg, &opt.count_name, dim, &folded.units.other);
    let svg = if folded.two_columns {
        annotate_changes(&svg, changes, &|v| folded.units.format(v * 100))
    } else {
        svg
    };
    Ok(label_root(&svg))
}

/// One frame of the SVG: where its title's text is, its name, and its
/// place (`y`, and `fg:x`, `fg:w` in counts).
struct DrawnFrame {
    title: std::ops::Range<usize>,
    name: String,
    y: i64,
    x: u64,
    w: u64,
}

/// The frames of an SVG written by inferno, in order.
fn drawn_frames(svg: &str) -> Vec<DrawnFrame> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..].split('"').next()?.to_owned())
    };
    let mut frames = Vec::new();
    let mut from = 0;
    while let Some(open) = svg[from..].find("<g><title>").map(|i| from + i + 10) {
        let Some(close) = svg[open..].find("</title>").map(|i| open + i) else { break };
        from = close;
        let Some(rect) = svg[close..].find("<rect").map(|i| close + i) else { break };
        let Some(end) = svg[rect..].find('>').map(|i| rect + i) else { break };
        let tag = &svg[rect..end];
        let text = &svg[open..close];
        let name = text.rfind(" (").map_or(text, |i| &text[..i]);
        let (Some(y), Some(x), Some(w)) = (attr(tag, "y"), attr(tag, "fg:x"), attr(tag, "fg:w"))
        else {
            continue;
        };
        let (Ok(y), Ok(x), Ok(w)) = (y.parse(), x.parse(), w.parse()) else { continue };
        let name = name
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&");
        frames.push(DrawnFrame { title: open..close, name, y, x, w });
    }
    frames
}

/// Differential graphs: inferno ends a frame's tooltip with the change of
/// its *self* value as a share of the graph (`; +0.70%`), which reads as
/// the frame's change and is not when its callees grew. Each tooltip
/// says instead which change is which, with both amounts: `; self
/// +6.42MB, +28.86% of the graph; total +7.08MB, +1399.0%` (no parentheses
/// inside the last ones: the SVG's script cuts the name there). The frames'
/// stacks are found from their places (a frame lies over its caller);
/// `lines` are the folded lines drawn (`root;…;leaf BEFORE AFTER`) and
/// `format` prints a whole amount.
pub fn annotate_changes(svg: &str, lines: &[String], format: &dyn Fn(i128) -> String) -> String {
    use std::collections::HashMap;
    // The stacks as a tree of frames (a node per distinct path from the
    // root, numbered; 0 is the root), with self and total (cum) before and
    // after per node: memory in the frames of the lines, whatever the depth.
    let mut child: HashMap<(u32, &str), u32> = HashMap::new();
    // Per node: (self before, self after, total before, total after).
    let mut sums: Vec<(i128, i128, i128, i128)> = vec![(0, 0, 0, 0)];
    for line in lines {
        let mut it = line.rsplitn(3, ' ');
        let (Some(after), Some(before), Some(stack)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let (Ok(a), Ok(b)) = (after.parse::<i128>(), before.parse::<i128>()) else { continue };
        let mut node = 0u32;
        for name in stack.split(';') {
            let next = sums.len() as u32;
            node = *child.entry((node, name)).or_insert(next);
            if node == next {
                sums.push((0, 0, 0, 0));
            }
            let e = &mut sums[node as usize];
            e.2 += b;
            e.3 += a;
        }
        let e = &mut sums[node as usize];
        e.0 += b;
        e.1 += a;
    }
    let frames = drawn_frames(svg);
    // Depth from the root's row (`all`), up or down the picture.
    let Some(root) = frames.iter().find(|f| f.name == "all") else { return svg.to_owned() };
    let mut rows: Vec<i64> = frames.iter().map(|f| f.y).collect();
    rows.sort_unstable();
    rows.dedup();
    let row_of: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, &y)| (y, i)).collect();
    let root_row = row_of.get(&root.y).copied().unwrap_or(0);
    let depth = |y: i64| row_of.get(&y).copied().unwrap_or(0).abs_diff(root_row);
    let mut by_depth: Vec<Vec<usize>> = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let d = depth(f.y);
        if by_depth.len() <= d {
            by_depth.resize(d + 1, Vec::new());
        }
        by_depth[d].push(i);
    }
    // Each frame's node: its caller's node's child of its name.
    let mut paths: Vec<Option<u32>> = vec![None; frames.len()];
    for d in 1..by_depth.len() {
        for &i in &by_depth[d] {
            let f = &frames[i];
            let parent = by_depth[d - 1].iter().copied().find(|&p| {
                let q = &frames[p];
                q.x <= f.x && f.x + f.w <= q.x + q.w
            });
            let caller = match parent {
                Some(_) if d == 1 => Some(0),
                Some(p) => paths[p],
                None => None,
            };
            paths[i] = caller.and_then(|c| child.get(&(c, f.name.as_str())).copied());
        }
    }
    let signed = |v: i128| if v > 0 { format!("+{}", format(v)) } else { format(v) };
    let mut out = String::with_capacity(svg.len() + svg.len() / 4);
    let mut at = 0;
    for (f, path) in frames.iter().zip(&paths) {
        let Some(node) = *path else { continue };
        let (ob, oa, tb, ta) = sums[node as usize];
        let text = &svg[f.title.clone()];
        let Some(semi) = text.rfind("; ") else { continue };
        let Some(share) = text[semi + 2..].strip_suffix(')') else { continue };
        let percent = if tb == 0 {
            "new".to_owned()
        } else {
            format!("{:+.1}%", (ta - tb) as f64 / tb.abs() as f64 * 100.0)
        };
        out.push_str(&svg[at..f.title.start]);
        out.push_str(&format!(
            "{}; self {}, {share} of the graph; total {}, {percent})",
            &text[..semi],
            signed(oa - ob),
            signed(ta - tb)
        ));
        at = f.title.end;
    }
    out.push_str(&svg[at..]);
    out
}

/// Writes `all` in the root frame, which inferno draws with an empty label
/// (its zoom code shows `all` there once a frame is clicked).
pub fn label_root(svg: &str) -> String {
    let Some(title) = svg.find("<title>all (") else { return svg.to_owned() };
    let Some(text) = svg[title..].find("<text ").map(|i| title + i) else {
        return svg.to_owned();
    };
    let Some(end) = svg[text..].find('>').map(|i| text + i) else { return svg.to_owned() };
    if !svg[end..].starts_with("></text>") {
        return svg.to_owned();
    }
    let mut out = String::with_capacity(svg.len() + 3);
    out.push_str(&svg[..=end]);
    out.push_str("all");
    out.push_str(&svg[end + 1..]);
    out
}

/// The default subtitle: File, Time and the total as pprof prints it.
fn subtitle(folded: &FoldedReport) -> String {
    let mut parts = Vec::new();
    if let Some(file) = folded.header.get(HeaderField::File) {
        parts.push(format!("File: {file}"));
    }
    if let Some(time) = folded.header.get(HeaderField::Time) {
        parts.push(format!("Time: {time}"));
    }
    let before: i128 = folded.stacks.payloads().iter().map(|v| v.0).sum();
    let after: i128 = folded.stacks.payloads().iter().map(|v| v.1).sum();
    if folded.two_columns {
        parts.push(format!(
            "before {}, after {}",
            folded.units.format(before),
            folded.units.format(after)
        ));
    } else {
        parts.push(format!("total {}", folded.units.format(after)));
    }
    if !folded.exact {
        parts.push("values rounded by pprof".to_owned());
    }
    parts.join(", ")
}

/// Rewrites each frame's tooltip `name (4,063,488 bytes, 56.20%)` to
/// `name (3.88MB, 4,063,488 bytes, 56.20%)`. Counts (`samples`) are left as
/// they are: pprof prints them as plain numbers too. The text before the
/// last parenthesis, which the SVG's zoom code keeps, is unchanged.
pub fn annotate_titles(svg: &str, count_name: &str, dim: Dimension, other: &str) -> String {
    if !matches!(dim, Dimension::Bytes | Dimension::Nanoseconds) {
        return svg.to_owned();
    }
    const OPEN: &str = "<title>";
    const CLOSE: &str = "</title>";
    let mut out = String::with_capacity(svg.len() + svg.len() / 8);
    let mut rest = svg;
    while let Some(start) = rest.find(OPEN) {
        let body_start = start + OPEN.len();
        let Some(len) = rest[body_start..].find(CLOSE) else { break };
        out.push_str(&rest[..body_start]);
        let body = &rest[body_start..body_start + len];
        out.push_str(&annotate(body, count_name, dim, other).unwrap_or_else(|| body.to_owned()));
        rest = &rest[body_start + len..];
    }
    out.push_str(rest);
    out
}

fn annotate(title: &str, count_name: &str, dim: Dimension, other: &str) -> Option<String> {
    let open = title.rfind(" (")?;
    let inner = title[open + 2..].strip_suffix(')')?;
    let (count, rest) = inner.split_once(", ")?;
    let digits = count.strip_suffix(count_name)?.trim_end();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return None;
    }
    let amount: i128 = digits.replace(',', "").parse().ok()?;
    let text = format_centi(amount * 100, dim, other);
    Some(format!("{} ({text}, {count}, {rest})", &title[..open]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tooltips_lead_with_pprof_units() {
        let svg = "<g><title>main.copyPayload (4,063,488 bytes, 56.20%)</title></g>\
                   <g><title>all (7,116,288 bytes, 100%)</title></g>\
                   <g><title>f (2,048 bytes, 1.00%; +0.50%)</title></g>";
        let got = annotate_titles(svg, "bytes", Dimension::Bytes, "");
        assert_eq!(
            got,
            "<g><title>main.copyPayload (3.88MB, 4,063,488 bytes, 56.20%)</title></g>\
             <g><title>all (6.79MB, 7,116,288 bytes, 100%)</title></g>\
             <g><title>f (2kB, 2,048 bytes, 1.00%; +0.50%)</title></g>"
        );
        let ns = annotate_titles(
            "<title>main.walk (1,500,000,000 ns, 50.00%)</title>",
            "ns",
            Dimension::Nanoseconds,
            "",
        );
        assert_eq!(ns, "<title>main.walk (1.50s, 1,500,000,000 ns, 50.00%)</title>");
        let counts = "<title>f (3 samples, 1.00%)</title>";
        assert_eq!(annotate_titles(counts, "samples", Dimension::Count, ""), counts);
    }

    /// Adds the stack of `names` (root first, inline where a name ends in
    /// `*`) with `values` to `f`; its index.
    fn add_stack(f: &mut FoldedReport, names: &[&str], values: (i128, i128)) -> u32 {
        let frames: Vec<_> = names
            .iter()
            .rev()
            .map(|n| {
                let inline = n.ends_with('*');
                let id = f.names.intern(n.trim_end_matches('*'));
                crate::seqs::StackFrame::new(id.0, inline)
            })
            .collect();
        let (i, _, v) = f.stacks.entry(frames);
        *v = values;
        i
    }

    /// inferno's SVG of `lines`, with everything else fixed.
    fn svg_of(lines: &[String], min_width: f64) -> Vec<u8> {
        let mut opt = Options::default();
        opt.min_width = min_width;
        opt.hash = true;
        let mut svg = Vec::new();
        flamegraph::from_lines(&mut opt, lines.iter().map(String::as_str), &mut svg).unwrap();
        svg
    }

    #[test]
    fn pruned_lines_draw_the_same_svg_from_fewer_lines() {
        let mut f = FoldedReport { exact: true, ..FoldedReport::default() };
        // Names that sort around `;` (`main.f` and `main.f.func1`), wide
        // and narrow subtrees, narrow frames under wide ones.
        let mut rows = Vec::new();
        for (stack, value) in [
            (&["main", "f"][..], 4000),
            (&["main", "f", "g"], 3),
            (&["main", "f", "g", "h"], 2),
            (&["main*", "f", "k"], 5000),
            (&["main", "f.func1"], 1),
            (&["main", "f.func1", "x"], 2),
            (&["main", "f.func1", "y"], 1),
            (&["main", "f2", "z"], 3000),
            (&["main", "f2", "z", "w"], 2),
            (&["other"], 1),
            (&["other", "q"], 1),
        ] {
            rows.push(add_stack(&mut f, stack, (0, value * 100)));
        }
        let texts: Vec<String> = rows
            .iter()
            .map(|&i| {
                let mut t = String::new();
                f.stack_text(i, &mut t);
                t
            })
            .collect();
        rows.sort_by(|&a, &b| texts[a as usize].cmp(&texts[b as usize]));
        f.rows = rows;
        let (all, _) = f.lines("flamegraph");
        for min_width in [0.01, 0.05, 0.1, 1.0, 30.0] {
            let (pruned, changes) = pruned_lines(&f, min_width, false).unwrap();
            assert!(changes.is_none());
            assert_eq!(svg_of(&pruned, min_width), svg_of(&all, min_width), "{min_width}");
            if min_width == 0.1 {
                assert!(pruned.len() < all.len(), "{pruned:?}");
            }
        }
        assert!(pruned_lines(&f, 0.0, false).is_none());
        f.names.intern("a;b");
        assert!(pruned_lines(&f, 0.1, false).is_none(), "a name with `;`");
    }

    /// A two-column report of `stacks` (before, after in whole units), its
    /// rows sorted by text as `folded` sorts them.
    fn two_column_report(stacks: &[(&[&str], i128, i128)]) -> FoldedReport {
        let mut f = FoldedReport { exact: true, two_columns: true, ..FoldedReport::default() };
        let mut rows = Vec::new();
        for (stack, before, after) in stacks {
            rows.push(add_stack(&mut f, stack, (before * 100, after * 100)));
        }
        let text = |i: u32| {
            let mut t = String::new();
            f.stack_text(i, &mut t);
            t
        };
        rows.sort_by_key(|&i| text(i));
        f.rows = rows;
        f
    }

    #[test]
    fn pruned_differential_graphs_draw_the_same_svg() {
        // Narrow subtrees whose lines carry the largest change of the
        // graph (which scales every color), grown, shrunk, new and gone
        // stacks, a narrow frame under a wide one, zero widths.
        let f = two_column_report(&[
            (&["main", "f"], 4000, 4100),
            (&["main", "f", "g"], 0, 3),
            (&["main", "f", "g", "h"], 90_000, 2),
            (&["main", "f", "k"], 5000, 2000),
            (&["main", "f.func1"], 1, 0),
            (&["main", "f.func1", "x"], 2, 5),
            (&["main", "f.func1", "y"], 0, 1),
            (&["main", "f2", "z"], 3000, 3000),
            (&["main", "f2", "z", "w"], 2, 0),
            (&["other"], 1, 1),
            (&["other", "q"], 0, 70_000),
            (&["zz"], 9, 0),
        ]);
        for negate in [false, true] {
            let (mut all, _) = f.lines("flamegraph");
            if negate {
                for line in &mut all {
                    let parts: Vec<&str> = line.rsplitn(3, ' ').collect();
                    *line = format!("{} {} {}", parts[2], parts[0], parts[1]);
                }
            }
            for min_width in [0.01, 0.05, 0.1, 1.0, 30.0] {
                let (pruned, changes) = pruned_lines(&f, min_width, negate).unwrap();
                let changes = changes.expect("two columns");
                let options = FlamegraphOptions { min_width, negate, ..Default::default() };
                let full = render(&options, &f, &all, &all).unwrap();
                let drawn = render(&options, &f, &pruned, &changes).unwrap();
                assert_eq!(drawn, full, "min width {min_width}, negate {negate}");
                if min_width == 1.0 {
                    assert!(pruned.len() < all.len(), "{pruned:?}");
                }
            }
        }
    }
}
