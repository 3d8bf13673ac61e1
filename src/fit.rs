//! Fitting a typed line ([`Line`]) to a terminal's width and painting it.
//! The line says what each part is, so nothing here guesses: a number or a
//! bound is never cut, a table's ± columns are the first thing left out,
//! frame names lose the middle of their package path (never the
//! function's own name), a call path elides Go's own frames between the
//! first, the user's and the root, and prose wraps between words.

use std::ops::Range;

use anstyle::{AnsiColor, Style};
use traces_tool::output::text::{Layout, Line, Part, BAR_WIDTH};

/// Below this width tables leave out their ± columns (22 columns), which
/// leaves `top`'s names 44 columns.
pub const BOUNDS_FROM_WIDTH: usize = 110;

/// What replaces the words that point at the ± columns when they are left
/// out.
const BOUNDS_LEFT_OUT: &str = "; ± columns left out at this width";

/// A part of a line being fitted: its text, what it is, and the byte
/// ranges of its text a search matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub part: Part,
    pub marks: Vec<Range<usize>>,
}

impl Piece {
    fn plain(text: impl Into<String>) -> Piece {
        Piece { text: text.into(), part: Part::Plain, marks: Vec::new() }
    }

    fn is_frame(&self) -> bool {
        self.part.is_frame()
    }
}

/// Columns a text takes (one per character).
pub fn width(s: &str) -> usize {
    s.chars().count()
}

fn pieces_width(pieces: &[Piece]) -> usize {
    pieces.iter().map(|p| width(&p.text)).sum()
}

/// The line's parts as pieces.
pub fn pieces(line: &Line) -> Vec<Piece> {
    line.spans
        .iter()
        .map(|s| Piece {
            text: line.part_text(s).to_owned(),
            part: s.part,
            marks: line
                .marks
                .iter()
                .filter(|m| m.start < s.range.end && m.end > s.range.start)
                .map(|m| {
                    m.start.max(s.range.start) - s.range.start
                        ..m.end.min(s.range.end) - s.range.start
                })
                .collect(),
        })
        .collect()
}

/// The line fitted to `w` columns: one or more lines of pieces.
/// `drop_bounds` leaves out ± columns and what points at them.
pub fn fit(line: &Line, w: Option<usize>, drop_bounds: bool) -> Vec<Vec<Piece>> {
    let mut pieces = pieces(line);
    if drop_bounds {
        pieces = without_bounds(pieces, line.layout);
    }
    let Some(w) = w else { return vec![pieces] };
    let w = w.max(20);
    if line.layout == Layout::Row {
        pieces = scale_bars(pieces, w);
    }
    if pieces_width(&pieces) <= w {
        return vec![pieces];
    }
    match line.layout {
        Layout::Path => fit_path(pieces, w),
        Layout::Folded => fit_folded(pieces, w),
        Layout::Row => fit_row(pieces, w),
        Layout::Prose | Layout::Header => wrap(pieces, w, None),
        // The name column's title goes where rows put names that do not fit.
        Layout::Titles => wrap(pieces, w, Some(NAME_INDENT.min(w / 4))),
        Layout::Command => {
            // A quoted argument is one word: spaces inside quotes do not break.
            let mut quoted = false;
            for p in &mut pieces {
                p.text = p
                    .text
                    .chars()
                    .map(|c| {
                        quoted ^= c == '\'';
                        if quoted && c == ' ' {
                            QUOTED_SPACE
                        } else {
                            c
                        }
                    })
                    .collect();
            }
            let mut lines = wrap(pieces, w.saturating_sub(COMMAND_BREAK.len()), None);
            let last = lines.len().saturating_sub(1);
            for (i, line) in lines.iter_mut().enumerate() {
                for p in line.iter_mut() {
                    p.text = p.text.replace(QUOTED_SPACE, " ");
                }
                if i < last {
                    line.push(Piece::plain(COMMAND_BREAK));
                }
            }
            lines
        }
    }
}

/// Where a table row's name starts when it has a line of its own.
const NAME_INDENT: usize = 4;

/// What ends each line of a shell command broken over several.
const COMMAND_BREAK: &str = " \\";

/// A space inside a quoted argument while a command is wrapped.
const QUOTED_SPACE: char = '\u{a0}';

/// The pieces without the ± columns of a table (a bound and the spaces
/// before it); prose keeps its bounds, and words that point at the columns
/// say they were left out.
fn without_bounds(pieces: Vec<Piece>, layout: Layout) -> Vec<Piece> {
    let table = matches!(layout, Layout::Row | Layout::Titles);
    let mut kept: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match p.part {
            Part::BoundNote => kept.push(Piece::plain(BOUNDS_LEFT_OUT)),
            Part::Bound if table => {
                // The column's padding goes with it.
                if let Some(last) = kept.last_mut().filter(|l| l.part == Part::Plain) {
                    last.text.truncate(last.text.trim_end_matches(' ').len());
                    if last.text.is_empty() {
                        kept.pop();
                    }
                }
            }
            _ => kept.push(p),
        }
    }
    kept
}

/// Shortens the frame names among the pieces, longest first, until they
/// fit `w` or no name can give more (each keeps at least 24 columns, or
/// its function's whole name).
fn shorten_frames(pieces: &mut [Piece], w: usize) {
    let mut excess = pieces_width(pieces).saturating_sub(w);
    let mut order: Vec<usize> = (0..pieces.len()).filter(|&i| pieces[i].is_frame()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(width(&pieces[i].text)));
    for i in order {
        if excess == 0 {
            break;
        }
        let len = width(&pieces[i].text);
        let target = len.saturating_sub(excess).max(24.min(len));
        let before = width(&pieces[i].text);
        shorten_piece(&mut pieces[i], target);
        excess = excess.saturating_sub(before - width(&pieces[i].text));
    }
}

/// A frame piece shortened to `max` columns, its marks kept where their
/// text is.
fn shorten_piece(piece: &mut Piece, max: usize) {
    let short = shorten_name(&piece.text, max);
    if short == piece.text {
        return;
    }
    let old = &piece.text;
    let prefix = old.bytes().zip(short.bytes()).take_while(|(a, b)| a == b).count();
    let suffix = old.bytes().rev().zip(short.bytes().rev()).take_while(|(a, b)| a == b).count();
    let suffix = suffix.min(old.len() - prefix).min(short.len() - prefix);
    let (old_tail, new_tail) = (old.len() - suffix, short.len() - suffix);
    let mut marks = Vec::new();
    for m in &piece.marks {
        if m.start < prefix {
            marks.push(m.start..m.end.min(prefix));
        }
        if m.end > old_tail {
            let start = m.start.max(old_tail);
            marks.push(new_tail + start - old_tail..new_tail + m.end - old_tail);
        }
    }
    piece.marks = marks
        .into_iter()
        .filter(|r| short.is_char_boundary(r.start) && short.is_char_boundary(r.end))
        .collect();
    piece.text = short;
}

/// `name` in at most `max` columns if it can be: the package path elided
/// in the middle (first component and as many of the last as fit), then
/// only the function (`…/middleware.F`). The function's own name is never
/// cut: it is what a reader searches for.
pub fn shorten_name(name: &str, max: usize) -> String {
    if width(name) <= max {
        return name.to_owned();
    }
    // The package path ends at the last `/` before any `(` or `[`
    // (receiver, type parameters), which may themselves hold paths.
    let head_end = name.find(['(', '[']).unwrap_or(name.len());
    let Some(slash) = name[..head_end].rfind('/') else {
        return name.to_owned();
    };
    let (path, func) = (&name[..slash], &name[slash + 1..]);
    let comps: Vec<&str> = path.split('/').collect();
    for keep in (0..comps.len().saturating_sub(1)).rev() {
        let mut s = format!("{}/…/", comps[0]);
        for c in &comps[comps.len() - keep..] {
            s.push_str(c);
            s.push('/');
        }
        s.push_str(func);
        if width(&s) <= max {
            return s;
        }
    }
    let s = format!("…/{func}");
    if width(&s) <= max {
        return s;
    }
    format!("…/{}", shorten_inner_paths(func))
}

/// The package paths inside a function's name (between parentheses or
/// brackets) with their middle elided: `(github.com/…/client.send)`.
fn shorten_inner_paths(func: &str) -> String {
    let mut result = String::with_capacity(func.len());
    let mut token = String::new();
    let flush = |token: &mut String, result: &mut String| {
        let parts: Vec<&str> = token.split('/').collect();
        if parts.len() > 2 {
            result.push_str(&format!("{}/…/{}", parts[0], parts[parts.len() - 1]));
        } else {
            result.push_str(token);
        }
        token.clear();
    };
    for c in func.chars() {
        if "()[],* ".contains(c) {
            flush(&mut token, &mut result);
            result.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut result);
    result
}

/// A table row: names shortened; a row whose name still does not fit puts
/// it on a line of its own under the row, so that no number is cut.
fn fit_row(pieces: Vec<Piece>, w: usize) -> Vec<Vec<Piece>> {
    let whole = pieces.clone();
    let mut pieces = pieces;
    shorten_frames(&mut pieces, w);
    if pieces_width(&pieces) <= w {
        return vec![pieces];
    }
    // The name column: from the first frame on.
    let Some(first) = pieces.iter().position(Piece::is_frame) else { return wrap(pieces, w, None) };
    let mut head: Vec<Piece> = pieces[..first].to_vec();
    while head.last().is_some_and(|p| p.part == Part::Plain && p.text.trim().is_empty()) {
        head.pop();
    }
    if let Some(last) = head.last_mut().filter(|p| p.part == Part::Plain) {
        last.text.truncate(last.text.trim_end().len());
    }
    let indent = NAME_INDENT.min(w / 4);
    let mut name = vec![Piece::plain(" ".repeat(indent))];
    name.extend(whole[first..].iter().cloned());
    shorten_frames(&mut name, w);
    let mut lines = if pieces_width(&head) <= w { vec![head] } else { wrap(head, w, None) };
    lines.push(name);
    lines
}

/// A row's bars drawn shorter, to the scale the room beside its other
/// columns leaves for the widest bar ([`BAR_WIDTH`]), so that bars keep
/// their proportions; a bar that is not empty keeps one `#`.
fn scale_bars(mut pieces: Vec<Piece>, w: usize) -> Vec<Piece> {
    let bars: usize = pieces.iter().filter(|p| p.part == Part::Bar).map(|p| width(&p.text)).sum();
    let others = pieces_width(&pieces) - bars;
    // Every row of a table to one scale: as if its bar were the widest.
    if bars == 0 || others + BAR_WIDTH <= w {
        return pieces;
    }
    let room = w.saturating_sub(others).clamp(8, BAR_WIDTH);
    for p in pieces.iter_mut().filter(|p| p.part == Part::Bar) {
        let marks = p.text.chars().filter(|&c| c == '#').count();
        let cell = width(&p.text);
        let scaled = |n: usize| (n * room).div_ceil(BAR_WIDTH);
        let drawn = if marks > 0 { scaled(marks).max(1) } else { 0 };
        let padded = scaled(cell).max(drawn);
        p.text = format!("{}{}", "#".repeat(drawn), " ".repeat(padded - drawn));
    }
    pieces
}

/// Splits a path's pieces into its indent, items and whatever follows the
/// last ` < ` that is not a frame (kept as an item).
fn path_items(pieces: Vec<Piece>) -> (String, Vec<Piece>) {
    let mut indent = String::new();
    let mut items = Vec::new();
    for (i, p) in pieces.into_iter().enumerate() {
        if p.part != Part::Plain {
            items.push(p);
            continue;
        }
        let mut text = p.text.as_str();
        if i == 0 {
            let body = text.trim_start_matches(' ');
            indent = text[..text.len() - body.len()].to_owned();
            text = body;
        }
        for (j, item) in text.split(" < ").enumerate() {
            if j == 0 && item.is_empty() || (j > 0 && item.is_empty()) {
                continue;
            }
            items.push(Piece::plain(item));
        }
    }
    (indent, items)
}

/// A call path: Go's own frames between the first frame, the other code's
/// frames and the root are elided (`[N more]`); then names are shortened;
/// then the path goes on over several lines, so that no frame of the
/// user's code is hidden.
fn fit_path(pieces: Vec<Piece>, w: usize) -> Vec<Vec<Piece>> {
    let (indent, items) = path_items(pieces);
    let n = items.len();
    let mut kept: Vec<Piece> = Vec::new();
    let mut dropped = 0;
    for (i, item) in items.into_iter().enumerate() {
        if i == 0 || i == n - 1 || item.part != Part::StdFrame {
            if dropped > 0 {
                kept.push(Piece::plain(format!("[{dropped} more]")));
                dropped = 0;
            }
            kept.push(item);
        } else {
            dropped += 1;
        }
    }
    let join = |items: &[Piece]| -> Vec<Piece> {
        let mut line = vec![Piece::plain(indent.clone())];
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                line.push(Piece::plain(" < "));
            }
            line.push(item.clone());
        }
        line
    };
    let mut line = join(&kept);
    if pieces_width(&line) <= w {
        return vec![line];
    }
    shorten_frames(&mut line, w);
    if pieces_width(&line) <= w {
        return vec![line];
    }
    // Over several lines, each item shortened to what a line holds.
    let hang = format!("{indent}    ");
    let mut lines = Vec::new();
    let mut current = vec![Piece::plain(indent.clone())];
    for (i, mut item) in kept.into_iter().enumerate() {
        if item.is_frame() {
            shorten_piece(&mut item, w.saturating_sub(width(&hang) + 2));
        }
        let sep = if i == 0 { "" } else { " < " };
        if i > 0 && pieces_width(&current) + width(sep) + width(&item.text) > w {
            lines.push(std::mem::replace(&mut current, vec![Piece::plain(format!("{hang}< "))]));
        } else {
            current.push(Piece::plain(sep));
        }
        current.push(item);
    }
    lines.push(current);
    lines
}

/// A folded stack (the last column, frames joined by `;`, root first): the
/// frames nearest the leaf that fit, the others counted (`[N more]`).
fn fit_folded(pieces: Vec<Piece>, w: usize) -> Vec<Vec<Piece>> {
    let Some(first) = pieces.iter().position(Piece::is_frame) else { return wrap(pieces, w, None) };
    let best = folded_in(&pieces, first, w);
    if pieces_width(&best) <= w || first == 0 {
        return vec![best];
    }
    // The columns before the stack on a line, the stack under them.
    let mut head: Vec<Piece> = pieces[..first].to_vec();
    if let Some(last) = head.last_mut().filter(|p| p.part == Part::Plain) {
        last.text.truncate(last.text.trim_end().len());
    }
    let mut stack = vec![Piece::plain(" ".repeat(4.min(w / 4)))];
    stack.extend(pieces[first..].iter().cloned());
    let mut lines = if pieces_width(&head) <= w { vec![head] } else { wrap(head, w, None) };
    lines.push(folded_in(&stack, 1, w));
    lines
}

/// A folded stack's frames from `first` on, the leafmost that fit.
fn folded_in(pieces: &[Piece], first: usize, w: usize) -> Vec<Piece> {
    let before: Vec<Piece> = pieces[..first].to_vec();
    let frames: Vec<Piece> = pieces[first..].iter().filter(|p| p.is_frame()).cloned().collect();
    let n = frames.len();
    let build = |k: usize| {
        let mut line = before.clone();
        if k < n {
            line.push(Piece::plain(format!("[{} more]", n - k)));
        }
        for (i, f) in frames[n - k..].iter().enumerate() {
            if i > 0 || k < n {
                line.push(Piece::plain(";"));
            }
            line.push(f.clone());
        }
        line
    };
    let mut best = build(1.min(n));
    for k in 2..=n {
        let line = build(k);
        if pieces_width(&line) > w {
            break;
        }
        best = line;
    }
    if pieces_width(&best) > w {
        shorten_frames(&mut best, w);
    }
    best
}

/// A word of prose: pieces that are not broken apart.
struct Word {
    /// The spaces before it.
    spaces: String,
    pieces: Vec<Piece>,
}

/// Prose wrapped at spaces, never inside a number, a bound or a name: a
/// bound stays with its number, a value with its `label:`; a line of
/// groups set apart by runs of spaces breaks between groups. Continuation
/// lines start under the value of a `Key:   value` line, or a little right
/// of the line's own indent.
/// `hang`, where given, is where continuation lines start.
fn wrap(pieces: Vec<Piece>, w: usize, hang: Option<usize>) -> Vec<Vec<Piece>> {
    let text: String = pieces.iter().map(|p| p.text.as_str()).collect();
    let lead = text.len() - text.trim_start_matches(' ').len();
    // A field's label says where its value starts; else the first `Key:  `.
    let label = pieces.first().filter(|p| p.part == Part::Label).map(|p| width(&p.text));
    let hang = hang
        .or(label)
        .or_else(|| {
            text.find(":  ")
                .map(|i| i + 1 + text[i + 1..].len() - text[i + 1..].trim_start_matches(' ').len())
        })
        .filter(|&h| h < w / 2)
        .unwrap_or(if lead > 0 { lead + 4 } else { 0 })
        .min(w / 2);
    // Groups are set apart by runs of spaces in the value, not by a
    // `Label:` line's padding.
    let value_from = label.unwrap_or_else(|| {
        text.find(":  ").map_or(lead, |i| {
            i + 1 + text[i + 1..].len() - text[i + 1..].trim_start_matches(' ').len()
        })
    });
    let groups = text[value_from..].trim().matches("   ").count() >= 2;
    // Atoms (a part that is not plain, or a run of plain text without
    // spaces) and the runs of spaces between them.
    enum Token {
        Atom(Piece),
        Spaces(String),
    }
    let mut tokens: Vec<Token> = Vec::new();
    for p in pieces {
        if p.part != Part::Plain {
            tokens.push(Token::Atom(p));
            continue;
        }
        let mut rest = p.text.as_str();
        while !rest.is_empty() {
            let gap = rest.len() - rest.trim_start_matches(' ').len();
            let (run, after) = if gap > 0 {
                (Token::Spaces(rest[..gap].to_owned()), &rest[gap..])
            } else {
                let end = rest.find(' ').unwrap_or(rest.len());
                (Token::Atom(Piece::plain(&rest[..end])), &rest[end..])
            };
            tokens.push(run);
            rest = after;
        }
    }
    // Words: atoms joined where a line may not break.
    let mut words: Vec<Word> = Vec::new();
    let mut pending = String::new();
    let mut after_break = true;
    for i in 0..tokens.len() {
        match &tokens[i] {
            Token::Spaces(run) => {
                let before_bound =
                    matches!(tokens.get(i + 1), Some(Token::Atom(p)) if p.part == Part::Bound);
                let after_label = words
                    .last()
                    .and_then(|w| w.pieces.last())
                    .is_some_and(|p| p.text.ends_with(':'));
                // A value stays with the name or word before it
                // (`reqctx.Set 1.05MB`, `itself 138.14kB`).
                let value_of_name = matches!(tokens.get(i + 1), Some(Token::Atom(p)) if p.part == Part::Number)
                    && words.last().and_then(|w| w.pieces.last()).is_some_and(|p| {
                        p.is_frame() || (p.part == Part::Plain && !p.text.ends_with(','))
                    });
                let breaks = (!groups || run.len() >= 2)
                    && !(run.len() == 1 && (before_bound || after_label || value_of_name));
                if breaks || words.is_empty() {
                    pending.push_str(run);
                    after_break = true;
                } else if let Some(last) = words.last_mut() {
                    last.pieces.push(Piece::plain(run.clone()));
                }
            }
            Token::Atom(p) => {
                if after_break || words.is_empty() {
                    words.push(Word {
                        spaces: std::mem::take(&mut pending),
                        pieces: vec![p.clone()],
                    });
                    after_break = false;
                } else if let Some(last) = words.last_mut() {
                    last.pieces.push(p.clone());
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut current = vec![Piece::plain(&text[..lead])];
    let mut empty = true;
    for (i, mut word) in words.into_iter().enumerate() {
        let spaces = if i == 0 { String::new() } else { word.spaces.clone() };
        let wlen = pieces_width(&word.pieces);
        if !empty && pieces_width(&current) + width(&spaces) + wlen > w {
            out.push(std::mem::replace(&mut current, vec![Piece::plain(" ".repeat(hang))]));
        } else if !spaces.is_empty() {
            current.push(Piece::plain(spaces));
        }
        let room = w.saturating_sub(pieces_width(&current)).max(1);
        if pieces_width(&word.pieces) > room {
            for p in word.pieces.iter_mut() {
                if p.is_frame()
                    || (p.part == Part::Plain && p.text.len() > 16 && p.text.contains('/'))
                {
                    shorten_piece(p, room);
                }
            }
            // Words of prose longer than a line are cut; numbers and names never.
            if word.pieces.len() == 1
                && word.pieces[0].part == Part::Plain
                && !word.pieces[0].text.contains('/')
            {
                let p = &mut word.pieces[0];
                if width(&p.text) > room {
                    let mut cut: String = p.text.chars().take(room.saturating_sub(1)).collect();
                    cut.push('…');
                    p.text = cut;
                    p.marks.clear();
                }
            }
        }
        current.extend(word.pieces);
        empty = false;
    }
    out.push(current);
    out
}

/// The pieces as text, painted when `color` says so.
pub fn render(pieces: &[Piece], layout: Layout, color: bool) -> String {
    let mut out = String::new();
    if !color {
        for p in pieces {
            out.push_str(&p.text);
        }
        return out;
    }
    let bold = Style::new().bold();
    if matches!(layout, Layout::Header | Layout::Titles) {
        let text: String = pieces.iter().map(|p| p.text.as_str()).collect();
        return styled(bold, &text);
    }
    let matched = AnsiColor::Red.on_default().bold();
    for p in pieces {
        let style = match p.part {
            Part::AppFrame => Some(AnsiColor::Cyan.on_default().bold()),
            Part::Grew => Some(AnsiColor::Red.on_default()),
            Part::Shrank => Some(AnsiColor::Green.on_default()),
            _ => None,
        };
        let mut at = 0;
        let mut text = String::new();
        for m in &p.marks {
            if m.start < at || m.end > p.text.len() || m.start >= m.end {
                continue;
            }
            text.push_str(&p.text[at..m.start]);
            text.push_str(&styled(matched, &p.text[m.clone()]));
            at = m.end;
        }
        text.push_str(&p.text[at..]);
        match style {
            Some(s) if p.marks.is_empty() => out.push_str(&styled(s, &text)),
            _ => out.push_str(&text),
        }
    }
    out
}

/// `text` between the style's escape and its reset.
fn styled(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use traces_tool::output::text::{LineSink, Out};

    /// The lines a view writes.
    struct Lines(Vec<Line>);

    impl LineSink for Lines {
        fn line(&mut self, line: &Line) -> io::Result<()> {
            self.0.push(line.clone());
            Ok(())
        }
        fn bytes(&mut self, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn typed(write: impl FnOnce(&mut Out<'_>) -> io::Result<()>) -> Line {
        let mut sink = Lines(Vec::new());
        write(&mut Out::new(&mut sink)).unwrap();
        sink.0.remove(0)
    }

    fn fitted(line: &Line, w: usize, drop_bounds: bool) -> Vec<String> {
        fit(line, Some(w), drop_bounds).iter().map(|p| render(p, line.layout, false)).collect()
    }

    #[test]
    fn names_lose_the_middle_of_their_package_path_first() {
        let name = "github.com/acme/very/long/package/path/middleware.SessionContext.func1";
        assert_eq!(shorten_name(name, 200), name);
        assert_eq!(
            shorten_name(name, 62),
            "github.com/…/long/package/path/middleware.SessionContext.func1"
        );
        assert_eq!(shorten_name(name, 45), "github.com/…/middleware.SessionContext.func1");
        assert_eq!(shorten_name(name, 36), "…/middleware.SessionContext.func1");
        // The function's own name is never cut, even where it does not fit.
        assert_eq!(shorten_name(name, 20), "…/middleware.SessionContext.func1");
        let value = "github.com/cockroachdb/cockroach/pkg/internal/client.(*Txn).(github.com/cockroachdb/cockroach/pkg/internal/client.send)-fm";
        assert_eq!(shorten_name(value, 60), "…/client.(*Txn).(github.com/…/client.send)-fm");
        assert_eq!(shorten_name("main.buildEntry", 8), "main.buildEntry");
    }

    fn top_row(out: &mut Out<'_>, name: &str) -> io::Result<()> {
        out.line(Layout::Row)
            .right(10, Part::Number, "0.67MB")
            .plain(" ")
            .padded(Part::Number, " 3.03%")
            .plain(" ")
            .right(10, Part::Bound, "<0.01MB")
            .plain("  ")
            .frame(name)
            .plain(" (inline)")
            .end()
    }

    #[test]
    fn a_table_leaves_out_its_bounds_first_and_never_cuts_a_number() {
        let row = typed(|out| top_row(out, "net/http.(*Request).WithContext"));
        assert_eq!(
            fitted(&row, 120, false),
            ["    0.67MB  3.03%    <0.01MB  net/http.(*Request).WithContext (inline)"]
        );
        assert_eq!(
            fitted(&row, 80, true),
            ["    0.67MB  3.03%  net/http.(*Request).WithContext (inline)"]
        );
        // A name that does not fit goes on a line of its own, whole.
        assert_eq!(
            fitted(&row, 44, true),
            ["    0.67MB  3.03%", "    net/http.(*Request).WithContext (inline)"]
        );
        let note = typed(|out| {
            out.line(Layout::Prose)
                .plain("Rounded input: total ")
                .number("22.25MB")
                .bound(" ±15.51kB")
                .part(Part::BoundNote, "; each flat and cum lies within its ± column")
                .end()
        });
        assert_eq!(
            fitted(&note, 80, true),
            ["Rounded input: total 22.25MB ±15.51kB; ± columns left out at this width"]
        );
    }

    #[test]
    fn prose_keeps_numbers_with_their_bounds() {
        let header = typed(|out| {
            out.line(Layout::Prose)
                .plain("    samples ")
                .number(13)
                .plain(" (13 as leaf, 0 as caller)   flat ")
                .number("887.87MB")
                .bound(" ±25.60kB")
                .plain("   cum ")
                .number("887.39MB")
                .bound(" ±40.96kB")
                .end()
        });
        for w in [40, 60, 80] {
            let lines = fitted(&header, w, false);
            for number in ["887.87MB ±25.60kB", "887.39MB ±40.96kB"] {
                assert!(lines.iter().any(|l| l.contains(number)), "{w}: {lines:?}");
            }
            assert!(!lines.concat().contains('…'), "{lines:?}");
            assert!(lines.iter().all(|l| width(l) <= w), "{lines:?}");
        }
    }

    #[test]
    fn a_field_wraps_under_its_value_whatever_its_label_is_padded_with() {
        let field = typed(|out| {
            out.line(Layout::Prose)
                .part(Part::Label, "Possibly truncated: ")
                .number(0)
                .plain(" stacks have exactly 32, 64 or 128 frames (the runtime's depth limits)")
                .end()
        });
        let lines = fitted(&field, 60, false);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines[0].starts_with("Possibly truncated: 0 stacks"), "{lines:?}");
        for l in &lines[1..] {
            assert!(l.starts_with(&" ".repeat(20)) && !l[20..].starts_with(' '), "{lines:?}");
        }
    }

    #[test]
    fn a_value_stays_with_the_word_before_it() {
        let via = typed(|out| {
            out.line(Layout::Prose)
                .plain("                            via ")
                .frame("reflect.unsafe_NewArray")
                .plain(" ")
                .number("168.61kB")
                .plain(", itself ")
                .number("138.14kB")
                .plain(", ")
                .frame("encoding/json.(*scanner).pushParseState")
                .plain(" ")
                .number("52.20kB")
                .end()
        });
        for w in 60..=100 {
            let lines = fitted(&via, w, false);
            assert!(lines.iter().any(|l| l.contains("itself 138.14kB")), "{w}: {lines:?}");
            assert!(lines.iter().any(|l| l.contains("pushParseState 52.20kB")), "{w}: {lines:?}");
        }
    }

    #[test]
    fn a_command_broken_over_lines_ends_each_but_the_last_in_a_backslash() {
        let command = typed(|out| {
            out.line(Layout::Command)
                .plain("    traces-tool grep '^example\\.com/leaky/middleware\\.Session Context$' ")
                .plain("samples/leak/after.traces.txt")
                .end()
        });
        let lines = fitted(&command, 60, false);
        assert!(lines.len() > 1, "{lines:?}");
        let last = lines.len() - 1;
        for (i, l) in lines.iter().enumerate() {
            assert!(width(l) <= 60, "{lines:?}");
            assert_eq!(l.ends_with(" \\"), i < last, "{lines:?}");
        }
        // Joined as a shell joins them, the command is the same words.
        let joined: Vec<String> =
            lines.iter().map(|l| l.trim_end_matches(" \\").trim().to_owned()).collect();
        assert_eq!(joined.join(" "), command.text.trim());
        // The quoted argument is not broken at its space.
        assert!(lines.iter().any(|l| l.contains("Session Context$'")), "{lines:?}");
    }

    fn path(frames: &[&str]) -> Line {
        typed(|out| {
            let mut line = out.line(Layout::Path).plain("        ");
            for (i, f) in frames.iter().enumerate() {
                if i > 0 {
                    line = line.plain(" < ");
                }
                line = line.frame(f);
            }
            line.end()
        })
    }

    #[test]
    fn an_elided_call_path_keeps_every_frame_of_the_users_code() {
        let line = path(&[
            "main.buildEntry",
            "main.(*headerCache).remember",
            "net/http.HandlerFunc.ServeHTTP",
            "example.com/svc/middleware.Logging.func1",
            "net/http.HandlerFunc.ServeHTTP",
            "net/http.serverHandler.ServeHTTP",
            "net/http.(*conn).serve",
        ]);
        for w in [60, 80, 100, 120] {
            let lines = fitted(&line, w, false);
            let all = lines.join(" ");
            for frame in
                ["main.buildEntry", "main.(*headerCache).remember", "middleware.Logging.func1"]
            {
                assert!(all.contains(frame), "{w}: {frame} not in {lines:?}");
            }
            assert!(all.contains("net/http.(*conn).serve"), "{w}: the root, {lines:?}");
            assert!(lines.iter().all(|l| width(l) <= w), "{w}: {lines:?}");
        }
        assert_eq!(
            fitted(&line, 150, false),
            ["        main.buildEntry < main.(*headerCache).remember < [1 more] < \
              example.com/svc/middleware.Logging.func1 < [2 more] < net/http.(*conn).serve"]
        );
    }

    #[test]
    fn colour_comes_from_the_parts() {
        let line = typed(|out| {
            out.line(Layout::Row)
                .change("+1MB")
                .plain(" ")
                .change("-2MB")
                .plain("  ")
                .frame_marked("net/textproto.ReadMIMEHeader", std::iter::once(18..22))
                .plain(" ")
                .frame("main.main")
                .end()
        });
        let painted = render(&pieces(&line), line.layout, true);
        assert!(painted.contains("\u{1b}[31m+1MB\u{1b}[0m"), "{painted:?}");
        assert!(painted.contains("\u{1b}[32m-2MB\u{1b}[0m"), "{painted:?}");
        assert!(painted.contains("Read\u{1b}[1m\u{1b}[31mMIME\u{1b}[0mHeader"), "{painted:?}");
        assert!(painted.contains("\u{1b}[1m\u{1b}[36mmain.main\u{1b}[0m"), "{painted:?}");
        // The marks follow a name that is shortened.
        let long = typed(|out| {
            out.line(Layout::Row)
                .plain("  ")
                .frame_marked(
                    "github.com/acme/very/long/package/path/mime.ReadMIMEHeader",
                    std::iter::once(48..52),
                )
                .end()
        });
        let short = fit(&long, Some(40), false);
        let painted = render(&short[0], long.layout, true);
        assert!(painted.contains("Read\u{1b}[1m\u{1b}[31mMIME\u{1b}[0mHeader"), "{painted:?}");
    }

    #[test]
    fn bars_are_drawn_to_scale_and_values_stay_with_their_names() {
        let row = |bar: &str| {
            typed(|out| {
                out.line(Layout::Row)
                    .right(10, Part::Number, "3.87MB")
                    .plain("  ")
                    .part(Part::Bar, bar)
                    .end()
            })
        };
        let long = fitted(&row(&"#".repeat(40)), 32, false);
        let short = fitted(&row(&"#".repeat(10)), 32, false);
        assert_eq!(long, [format!("    3.87MB  {}", "#".repeat(20))]);
        assert_eq!(short, [format!("    3.87MB  {}", "#".repeat(5))]);
        let via = typed(|out| {
            out.line(Layout::Prose)
                .plain("    via itself ")
                .number("11.44MB")
                .plain(", ")
                .frame("github.com/acme/reqctx.Set")
                .plain(" ")
                .number("1.05MB")
                .end()
        });
        let lines = fitted(&via, 40, false);
        assert!(
            lines.iter().any(|l| l.ends_with("github.com/acme/reqctx.Set 1.05MB")),
            "{lines:?}"
        );
    }
}
