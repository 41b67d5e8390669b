//! The cases of a run, in order of first appearance, kept in chunks of a fixed size rather than
//! one vector: a vector of a million case states doubles by copying, and while it does the old
//! and the new copies are both held (half as much memory again at the peak). Chunks never move,
//! so memory grows by one chunk at a time, and runs of the same log evaluated on several threads
//! can be merged into one order chunk by chunk, each given back once it is read.

use super::engine::CaseState;
use std::ops::{Index, IndexMut};

/// Case states in a chunk: 8,192 of them are about 2 MiB.
const CHUNK_BITS: u32 = 13;
const CHUNK: usize = 1 << CHUNK_BITS;

/// Case states by index, in chunks (see the module's comment).
#[derive(Debug, Default)]
pub struct Cases {
    chunks: Vec<Vec<CaseState>>,
    len: usize,
}

impl Cases {
    /// How many cases.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Add a case at the end; returns its index.
    pub fn push(&mut self, case: CaseState) -> usize {
        self.push_reusing(case, &mut Vec::new())
    }

    /// [`Cases::push`], a new chunk taken from `spare` (emptied chunks, see [`Draining`]) when
    /// there is one.
    pub fn push_reusing(&mut self, case: CaseState, spare: &mut Vec<Vec<CaseState>>) -> usize {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(case),
            _ => {
                let mut chunk = spare.pop().unwrap_or_else(|| Vec::with_capacity(CHUNK));
                chunk.push(case);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
        self.len - 1
    }

    /// The case at `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&CaseState> {
        self.chunks.get(i >> CHUNK_BITS)?.get(i & (CHUNK - 1))
    }

    /// The case at `i`, to change, if there is one.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut CaseState> {
        self.chunks.get_mut(i >> CHUNK_BITS)?.get_mut(i & (CHUNK - 1))
    }

    /// The first case.
    pub fn first(&self) -> Option<&CaseState> {
        self.get(0)
    }

    /// Every case, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &CaseState> {
        self.chunks.iter().flatten()
    }

    /// Every case, in order, to change.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut CaseState> {
        self.chunks.iter_mut().flatten()
    }

    /// Every case, in order, each chunk given back as soon as its cases are taken.
    pub fn into_iter_freeing(self) -> impl Iterator<Item = CaseState> {
        self.chunks.into_iter().flatten()
    }

    /// Every case, in order, each chunk handed back empty for reuse once its cases are taken
    /// ([`Draining::next`]).
    pub fn into_draining(self) -> Draining {
        Draining { chunks: self.chunks.into_iter(), current: Vec::new() }
    }
}

/// Cases taken in order from a [`Cases`], chunk by chunk. Merging the parts of a split run
/// builds new chunks as it empties the old: memory freed there is held by the (finished)
/// threads that allocated it and was not reused at once (10-13 MB more at the peak of a 1M-case
/// merge), so the emptied chunks themselves are handed over to be filled again.
#[derive(Debug)]
pub struct Draining {
    chunks: std::vec::IntoIter<Vec<CaseState>>,
    /// The chunk being taken, reversed so that its cases come off its end in order.
    current: Vec<CaseState>,
}

impl Draining {
    /// The next case; an emptied chunk goes to `spare`.
    pub fn next(&mut self, spare: &mut Vec<Vec<CaseState>>) -> Option<CaseState> {
        loop {
            if let Some(case) = self.current.pop() {
                return Some(case);
            }
            let mut next = self.chunks.next()?;
            next.reverse();
            let emptied = std::mem::replace(&mut self.current, next);
            if emptied.capacity() == CHUNK {
                spare.push(emptied);
            }
        }
    }
}

impl Index<usize> for Cases {
    type Output = CaseState;

    fn index(&self, i: usize) -> &CaseState {
        &self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }
}

impl IndexMut<usize> for Cases {
    fn index_mut(&mut self, i: usize) -> &mut CaseState {
        &mut self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }
}

impl<'a> IntoIterator for &'a Cases {
    type Item = &'a CaseState;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<CaseState>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

impl<'a> IntoIterator for &'a mut Cases {
    type Item = &'a mut CaseState;
    type IntoIter = std::iter::Flatten<std::slice::IterMut<'a, Vec<CaseState>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter_mut().flatten()
    }
}

impl FromIterator<CaseState> for Cases {
    fn from_iter<I: IntoIterator<Item = CaseState>>(iter: I) -> Self {
        let mut cases = Cases::default();
        for case in iter {
            cases.push(case);
        }
        cases
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_over_several_chunks_keep_their_indices_and_order() {
        let table = crate::eval::test_support::go_to_done();
        let engine = super::super::engine::Engine::new(&table, false);
        let n = CHUNK * 2 + 3;
        let mut cases = Cases::default();
        for i in 0..n {
            let mut c = engine.new_case(&i.to_string());
            c.applied_count = i as u32;
            assert_eq!(cases.push(c), i);
        }
        assert_eq!((cases.len(), cases.chunks.len()), (n, 3));
        assert!(cases.iter().enumerate().all(|(i, c)| c.applied_count == i as u32));
        assert_eq!(cases[CHUNK + 1].applied_count, CHUNK as u32 + 1);
        assert!(cases.get(n).is_none() && cases.get_mut(n).is_none());
        cases[n - 1].rejected_count = 7;
        assert_eq!(cases.iter().next_back().map(|c| c.rejected_count), Some(7));
        let buffers: Vec<*const CaseState> = cases.chunks.iter().map(|c| c.as_ptr()).collect();
        let mut draining = cases.into_draining();
        let (mut again, mut spare) = (Cases::default(), Vec::new());
        while let Some(case) = draining.next(&mut spare) {
            again.push_reusing(case, &mut spare);
        }
        assert_eq!(again.len(), n);
        assert!(again.iter().enumerate().all(|(i, c)| c.applied_count == i as u32));
        // Every chunk after the first is one emptied before it, filled again.
        let reused: Vec<*const CaseState> = again.chunks.iter().skip(1).map(|c| c.as_ptr()).collect();
        assert_eq!(reused, buffers[..2]);
        assert!(spare.is_empty());
        let again: Cases = again.into_iter_freeing().collect();
        assert!(again.iter().enumerate().all(|(i, c)| c.applied_count == i as u32));
    }
}
