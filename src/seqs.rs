//! Sequences interned in one flat arena, and the stack table built on
//! them. Each distinct sequence is stored once, its items side by side with
//! every other's in one vector, and named by a dense `u32` index.
//! [`StackTable`] is the one accumulator of distinct stacks: stacks of
//! 4-byte [`StackFrame`]s, leaf first, each with a payload of the caller's
//! choosing (sums, counts, ids). Aggregating half a million distinct
//! 30-frame stacks costs their frames (4 bytes each) and a few words per
//! stack, instead of one heap vector, one hash key and one allocation
//! header per stack.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::record::{Frame, NameId};

/// One frame of a stack in a [`StackTable`], in 4 bytes: an id shifted
/// left, the inline bit below. The id is a frame name's [`NameId`], or
/// whatever the table's user groups frames into (the graph's nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StackFrame(u32);

impl StackFrame {
    /// The frame of `id`, inlined into the next frame or not.
    ///
    /// # Panics
    ///
    /// For ids from 2^31 on.
    #[inline]
    pub fn new(id: u32, inline: bool) -> StackFrame {
        assert!(id < 1 << 31, "fewer than 2^31 frame ids");
        StackFrame(id << 1 | u32::from(inline))
    }

    /// A record's frame, by its name id.
    ///
    /// # Panics
    ///
    /// For name ids from 2^31 on.
    #[inline]
    pub fn of(frame: &Frame) -> StackFrame {
        StackFrame::new(frame.name.0, frame.inline)
    }

    /// The id.
    #[inline]
    pub fn id(self) -> u32 {
        self.0 >> 1
    }

    /// Printed ` (inline)`: inlined into the next frame.
    #[inline]
    pub fn inline(self) -> bool {
        self.0 & 1 == 1
    }

    /// The record's frame of [`StackFrame::of`].
    #[inline]
    pub fn frame(self) -> Frame {
        Frame { name: NameId(self.id()), inline: self.inline() }
    }
}

/// Distinct stacks (leaf first), each with a payload `P`, in first-seen
/// order and indexed `0..len()`: each stack stored once, in one flat arena
/// of [`StackFrame`]s, and its payload beside it in one vector.
#[derive(Clone, Debug)]
pub struct StackTable<P> {
    stacks: SeqInterner<StackFrame>,
    payloads: Vec<P>,
    scratch: Vec<StackFrame>,
}

impl<P> Default for StackTable<P> {
    fn default() -> Self {
        StackTable { stacks: SeqInterner::default(), payloads: Vec::new(), scratch: Vec::new() }
    }
}

impl<P: Default> StackTable<P> {
    /// The stack of `frames` (leaf first), added with a default payload on
    /// first sight: its index, whether it is new, and its payload.
    ///
    /// # Panics
    ///
    /// Beyond `u32::MAX - 1` distinct stacks.
    #[inline]
    pub fn entry(&mut self, frames: impl IntoIterator<Item = StackFrame>) -> (u32, bool, &mut P) {
        self.scratch.clear();
        self.scratch.extend(frames);
        let i = self.stacks.intern(&self.scratch);
        let new = i as usize == self.payloads.len();
        if new {
            self.payloads.push(P::default());
        }
        (i, new, &mut self.payloads[i as usize])
    }

    /// The stack of a record's frames (by name id, leaf first): see
    /// [`StackTable::entry`].
    #[inline]
    pub fn entry_of(&mut self, frames: &[Frame]) -> (u32, bool, &mut P) {
        self.entry(frames.iter().map(StackFrame::of))
    }
}

impl<P> StackTable<P> {
    /// An empty table.
    #[inline]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of distinct stacks.
    #[inline]
    pub fn len(&self) -> usize {
        self.payloads.len()
    }

    /// True when no stack was added.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.payloads.is_empty()
    }

    /// The frames of stack `i`, leaf first.
    #[inline]
    pub fn frames(&self, i: u32) -> &[StackFrame] {
        self.stacks.get(i)
    }

    /// The payload of stack `i`.
    #[inline]
    pub fn payload(&self, i: u32) -> &P {
        &self.payloads[i as usize]
    }

    /// The payload of stack `i`, to change.
    #[inline]
    pub fn payload_mut(&mut self, i: u32) -> &mut P {
        &mut self.payloads[i as usize]
    }

    /// The payloads, in index order.
    #[inline]
    pub fn payloads(&self) -> &[P] {
        &self.payloads
    }

    /// The stacks with their payloads, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (&[StackFrame], &P)> {
        self.stacks.iter().zip(&self.payloads)
    }

    /// Lets the hash index go once no stack is to be added for a while (it
    /// is a fifth of the memory); the next [`StackTable::entry`] builds it
    /// again.
    pub fn seal(&mut self) {
        self.stacks.drop_index();
        self.scratch = Vec::new();
    }
}

/// No next sequence in a hash chain.
const NONE: u32 = u32::MAX;

/// Distinct sequences of `T`, in first-seen order, indexed `0..len()`.
#[derive(Clone, Debug)]
pub(crate) struct SeqInterner<T> {
    /// The sequences so far.
    seqs: Seqs<T>,
    /// The first sequence of each hash (its low 32 bits: 8 bytes a slot;
    /// sequences whose hashes collide are chained).
    first: FxHashMap<u32, u32>,
    /// The next sequence with the same hash, [`NONE`] at the end; shorter
    /// than `seqs` only after [`SeqInterner::drop_index`].
    next: Vec<u32>,
}

impl<T> Default for SeqInterner<T> {
    fn default() -> Self {
        SeqInterner { seqs: Seqs::default(), first: FxHashMap::default(), next: Vec::new() }
    }
}

/// The hash of a sequence, its low 32 bits folded in.
fn seq_hash<T: Hash>(seq: &[T]) -> u32 {
    let mut h = FxHasher::default();
    seq.hash(&mut h);
    let hash = h.finish();
    (hash ^ hash >> 32) as u32
}

impl<T: Copy + Eq + Hash> SeqInterner<T> {
    /// The index of `seq`, stored on first sight.
    ///
    /// # Panics
    ///
    /// Beyond `u32::MAX - 1` distinct sequences.
    pub fn intern(&mut self, seq: &[T]) -> u32 {
        if self.next.len() != self.seqs.ends.len() {
            self.build_index();
        }
        let new = u32::try_from(self.seqs.ends.len()).ok().filter(|&i| i != NONE);
        let new = new.expect("fewer than 2^32 - 1 distinct sequences");
        let at = *self.first.entry(seq_hash(seq)).or_insert(new);
        if let Some(found) = self.find_or_chain(at, new, seq) {
            return found;
        }
        self.seqs.items.extend_from_slice(seq);
        self.seqs.ends.push(self.seqs.items.len());
        self.next.push(NONE);
        new
    }

    /// Walks the hash chain from `at` for `seq`: its index, or `None` after
    /// chaining `new` at the end.
    #[inline]
    fn find_or_chain(&mut self, mut at: u32, new: u32, seq: &[T]) -> Option<u32> {
        loop {
            if at == new {
                return None;
            }
            if self.get(at) == seq {
                return Some(at);
            }
            let next = self.next[at as usize];
            if next == NONE {
                self.next[at as usize] = new;
                return None;
            }
            at = next;
        }
    }

    /// The hash index of the sequences stored, after
    /// [`SeqInterner::drop_index`].
    fn build_index(&mut self) {
        self.first.clear();
        self.next.clear();
        for i in 0..self.seqs.ends.len() as u32 {
            let at = *self.first.entry(seq_hash(self.seqs.get(i))).or_insert(i);
            self.next.push(NONE);
            let seq = self.seqs.get(i).to_vec();
            self.find_or_chain(at, i, &seq);
        }
    }

    /// Sequence `i`.
    #[inline]
    pub fn get(&self, i: u32) -> &[T] {
        self.seqs.get(i)
    }

    /// The sequences in index order.
    pub fn iter(&self) -> impl Iterator<Item = &[T]> + '_ {
        (0..self.seqs.ends.len() as u32).map(move |i| self.get(i))
    }
}

impl<T> SeqInterner<T> {
    /// Lets the hash index go (a fifth of the memory) while nothing is to
    /// be interned; the next [`SeqInterner::intern`] builds it again.
    pub fn drop_index(&mut self) {
        self.first = FxHashMap::default();
        self.next = Vec::new();
    }
}

/// Sequences stored side by side.
#[derive(Clone, Debug)]
struct Seqs<T> {
    items: Vec<T>,
    ends: Vec<usize>,
}

impl<T> Default for Seqs<T> {
    fn default() -> Self {
        Seqs { items: Vec::new(), ends: Vec::new() }
    }
}

impl<T> Seqs<T> {
    /// Sequence `i`.
    #[inline]
    fn get(&self, i: u32) -> &[T] {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.items[start..self.ends[i]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_distinct_sequence_once_in_first_seen_order() {
        let mut s = SeqInterner::default();
        assert_eq!(s.intern(&[1u32, 2, 3]), 0);
        assert_eq!(s.intern(&[]), 1);
        assert_eq!(s.intern(&[1, 2]), 2);
        assert_eq!(s.intern(&[1, 2, 3]), 0);
        assert_eq!(s.intern(&[]), 1);
        assert_eq!(s.iter().count(), 3);
        assert_eq!(s.get(2), [1, 2]);
        let all: Vec<&[u32]> = s.iter().collect();
        assert_eq!(all, [&[1, 2, 3][..], &[], &[1, 2]]);
        s.drop_index();
        assert_eq!((s.iter().count(), s.get(0), s.get(1)), (3, &[1, 2, 3][..], &[][..]));
        // Interning again builds the index again.
        assert_eq!(s.intern(&[1, 2]), 2);
        assert_eq!(s.intern(&[2]), 3);
        assert_eq!(s.intern(&[1, 2, 3]), 0);
        assert_eq!(s.iter().count(), 4);
    }

    /// Items that all hash alike, so every sequence of one length collides.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Same(u32);

    impl Hash for Same {
        fn hash<H: Hasher>(&self, _: &mut H) {}
    }

    #[test]
    fn frames_pack_into_four_bytes() {
        assert_eq!(std::mem::size_of::<StackFrame>(), 4);
        for frame in [
            Frame { name: NameId(0), inline: false },
            Frame { name: NameId(7), inline: true },
            Frame { name: NameId((1 << 31) - 1), inline: true },
        ] {
            let packed = StackFrame::of(&frame);
            assert_eq!(packed.frame(), frame);
            assert_eq!((packed.id(), packed.inline()), (frame.name.0, frame.inline));
        }
        assert_ne!(StackFrame::new(3, false), StackFrame::new(3, true));
    }

    #[test]
    fn a_table_keeps_one_payload_per_distinct_stack() {
        let f = |id, inline| StackFrame::new(id, inline);
        let mut t: StackTable<u64> = StackTable::new();
        let stacks = [vec![f(1, false), f(2, false)], vec![f(1, true), f(2, false)], vec![]];
        for (round, stack) in [0, 1, 0, 2, 1, 0].into_iter().enumerate() {
            let (i, new, count) = t.entry(stacks[stack].iter().copied());
            *count += 1;
            assert_eq!(i as usize, [0, 1, 0, 2, 1, 0][round]);
            assert_eq!(new, [true, true, false, true, false, false][round]);
        }
        assert_eq!((t.len(), t.payloads()), (3, &[3, 2, 1][..]));
        assert_eq!(t.frames(1), &stacks[1][..]);
        t.seal();
        let (i, new, _) = t.entry(stacks[1].iter().copied());
        assert_eq!((i, new), (1, false), "found again after sealing");
        *t.payload_mut(2) += 5;
        let all: Vec<(usize, u64)> = t.iter().map(|(s, &n)| (s.len(), n)).collect();
        assert_eq!(all, [(2, 3), (2, 2), (0, 6)]);
        let record =
            [Frame { name: NameId(1), inline: false }, Frame { name: NameId(2), inline: false }];
        assert_eq!(t.entry_of(&record).0, 0);
    }

    #[test]
    fn colliding_hashes_are_told_apart() {
        let mut s = SeqInterner::default();
        for i in 0..100u32 {
            assert_eq!(s.intern(&[Same(i), Same(i + 1)]), i);
        }
        assert_eq!(s.first.len(), 1, "one hash for all");
        assert_eq!(s.intern(&[Same(7), Same(8)]), 7);
        assert_eq!(s.intern(&[Same(99), Same(100)]), 99);
        assert_eq!(s.intern(&[Same(7), Same(9)]), 100);
        assert_eq!(s.get(100), [Same(7), Same(9)]);
        assert_eq!(s.iter().count(), 101);
    }
}
