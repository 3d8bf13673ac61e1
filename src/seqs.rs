//! Sequences (stacks of frame ids) interned in one flat arena: each
//! distinct sequence is stored once, its items side by side with every
//! other's in one vector, and named by a dense `u32` index. Aggregating
//! half a million distinct 30-frame stacks costs their ids (4 bytes a
//! frame) and a few words per stack, instead of one heap vector, one hash
//! key and one allocation header per stack.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::record::{Frame, NameId};

/// A frame in 4 bytes, for stacks kept in a `SeqInterner`: the name id
/// shifted left, the inline bit below.
///
/// # Panics
///
/// For name ids from 2^31 on.
pub(crate) fn pack_frame(frame: &Frame) -> u32 {
    assert!(frame.name.0 < 1 << 31, "fewer than 2^31 frame names");
    frame.name.0 << 1 | u32::from(frame.inline)
}

/// The frame of [`pack_frame`].
pub(crate) fn unpack_frame(packed: u32) -> Frame {
    Frame { name: NameId(packed >> 1), inline: packed & 1 == 1 }
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
    /// The next sequence with the same hash, [`NONE`] at the end.
    next: Vec<u32>,
}

impl<T> Default for SeqInterner<T> {
    fn default() -> Self {
        SeqInterner { seqs: Seqs::default(), first: FxHashMap::default(), next: Vec::new() }
    }
}

impl<T: Copy + Eq + Hash> SeqInterner<T> {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of `seq`, stored on first sight.
    ///
    /// # Panics
    ///
    /// Beyond `u32::MAX - 1` distinct sequences.
    pub fn intern(&mut self, seq: &[T]) -> u32 {
        let mut h = FxHasher::default();
        seq.hash(&mut h);
        let hash = h.finish();
        let hash = (hash ^ hash >> 32) as u32;
        let new = u32::try_from(self.seqs.ends.len()).ok().filter(|&i| i != NONE);
        let new = new.expect("fewer than 2^32 - 1 distinct sequences");
        let mut at = *self.first.entry(hash).or_insert(new);
        loop {
            if at == new {
                break;
            }
            if self.get(at) == seq {
                return at;
            }
            let next = self.next[at as usize];
            if next == NONE {
                self.next[at as usize] = new;
                break;
            }
            at = next;
        }
        self.seqs.items.extend_from_slice(seq);
        self.seqs.ends.push(self.seqs.items.len());
        self.next.push(NONE);
        new
    }

    /// Sequence `i`.
    pub fn get(&self, i: u32) -> &[T] {
        self.seqs.get(i)
    }

    /// Number of distinct sequences.
    pub fn len(&self) -> usize {
        self.seqs.len()
    }

    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    /// The sequences in index order.
    pub fn iter(&self) -> impl Iterator<Item = &[T]> + '_ {
        (0..self.seqs.ends.len() as u32).map(move |i| self.get(i))
    }

    /// The sequences without the hash index, once nothing more is to be
    /// interned (the index is a fifth of the memory).
    pub(crate) fn seal(self) -> Seqs<T> {
        self.seqs
    }
}

/// Sequences stored side by side, read only: a sealed `SeqInterner`.
#[derive(Clone, Debug)]
pub struct Seqs<T> {
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
    pub fn get(&self, i: u32) -> &[T] {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.items[start..self.ends[i]]
    }

    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_distinct_sequence_once_in_first_seen_order() {
        let mut s = SeqInterner::new();
        assert_eq!(s.intern(&[1u32, 2, 3]), 0);
        assert_eq!(s.intern(&[]), 1);
        assert_eq!(s.intern(&[1, 2]), 2);
        assert_eq!(s.intern(&[1, 2, 3]), 0);
        assert_eq!(s.intern(&[]), 1);
        assert_eq!(s.len(), 3);
        assert_eq!(s.get(2), [1, 2]);
        let all: Vec<&[u32]> = s.iter().collect();
        assert_eq!(all, [&[1, 2, 3][..], &[], &[1, 2]]);
        let sealed = s.seal();
        assert_eq!((sealed.len(), sealed.get(0), sealed.get(1)), (3, &[1, 2, 3][..], &[][..]));
    }

    /// Items that all hash alike, so every sequence of one length collides.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Same(u32);

    impl Hash for Same {
        fn hash<H: Hasher>(&self, _: &mut H) {}
    }

    #[test]
    fn frames_pack_into_four_bytes() {
        for frame in [
            Frame { name: NameId(0), inline: false },
            Frame { name: NameId(7), inline: true },
            Frame { name: NameId((1 << 31) - 1), inline: true },
        ] {
            assert_eq!(unpack_frame(pack_frame(&frame)), frame);
        }
        assert_ne!(
            pack_frame(&Frame { name: NameId(3), inline: false }),
            pack_frame(&Frame { name: NameId(3), inline: true })
        );
    }

    #[test]
    fn colliding_hashes_are_told_apart() {
        let mut s = SeqInterner::new();
        for i in 0..100u32 {
            assert_eq!(s.intern(&[Same(i), Same(i + 1)]), i);
        }
        assert_eq!(s.first.len(), 1, "one hash for all");
        assert_eq!(s.intern(&[Same(7), Same(8)]), 7);
        assert_eq!(s.intern(&[Same(99), Same(100)]), 99);
        assert_eq!(s.intern(&[Same(7), Same(9)]), 100);
        assert_eq!(s.get(100), [Same(7), Same(9)]);
        assert_eq!(s.len(), 101);
    }
}
