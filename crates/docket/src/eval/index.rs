//! The case index of a run: case id to the case's place in the run's case list.
//!
//! An open-addressing table of 64-bit entries, each the low 32 bits of the id's hash and the
//! case's place, probed linearly from the slot the hash names. One entry holds both, so a lookup
//! reads one cache line of the table (a general hash table reads its control bytes and then its
//! slot, two lines at a million cases), and the address a lookup will read is known from the hash
//! alone, so a run can ask for it ahead of time ([`CaseIndex::prefetch`]) while earlier events
//! are evaluated. Growing the table moves entries by their stored hash bits, touching no case.
//!
//! The hash must be keyed (the run's `RandomState`): case ids come from the log, and with a
//! fixed hash chosen ids could share one slot and make every lookup a long probe.

/// An entry nobody holds (no case is at place `u32::MAX`: a run holds fewer).
const EMPTY: u64 = u64::MAX;

/// Case id hash to place, see the module's comment.
#[derive(Debug, Clone, Default)]
pub struct CaseIndex {
    /// A power of two long (or empty), at most seven eighths full.
    entries: Vec<u64>,
    len: usize,
}

fn entry(hash: u64, place: u32) -> u64 {
    ((hash & 0xffff_ffff) << 32) | u64::from(place)
}

impl CaseIndex {
    /// Cases indexed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forget every case, keeping the room.
    pub fn clear(&mut self) {
        self.entries.fill(EMPTY);
        self.len = 0;
    }

    fn mask(&self) -> usize {
        self.entries.len().wrapping_sub(1)
    }

    /// The place of the case whose id has this hash and satisfies `is`, if indexed.
    #[inline]
    pub fn find(&self, hash: u64, mut is: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.entries.is_empty() {
            return None;
        }
        let mask = self.mask();
        let want = hash & 0xffff_ffff;
        let mut at = (hash as usize) & mask;
        loop {
            let e = *self.entries.get(at)?;
            if e == EMPTY {
                return None;
            }
            if e >> 32 == want && is(e as u32) {
                return Some(e as u32);
            }
            at = (at + 1) & mask;
        }
    }

    /// The place of the first case whose id's hash has these low 32 bits, without comparing
    /// ids: for a hint ([`CaseIndex::prefetch`]), never for a result.
    #[inline]
    pub fn likely(&self, hash: u64) -> Option<u32> {
        self.find(hash, |_| true)
    }

    /// Index a case not indexed yet.
    pub fn insert(&mut self, hash: u64, place: u32) {
        self.reserve(1);
        self.put(entry(hash, place));
        self.len += 1;
    }

    fn put(&mut self, e: u64) {
        let mask = self.mask();
        let mut at = ((e >> 32) as usize) & mask;
        while let Some(slot) = self.entries.get_mut(at) {
            if *slot == EMPTY {
                *slot = e;
                return;
            }
            at = (at + 1) & mask;
        }
    }

    /// Make room for `more` cases without growing.
    pub fn reserve(&mut self, more: usize) {
        let wanted = self.len.saturating_add(more);
        if wanted.saturating_mul(8) <= self.entries.len().saturating_mul(7) {
            return;
        }
        let size = wanted.saturating_mul(8).div_ceil(7).max(16).next_power_of_two();
        let old = std::mem::replace(&mut self.entries, vec![EMPTY; size]);
        for e in old.into_iter().filter(|&e| e != EMPTY) {
            self.put(e);
        }
    }

    /// Ask the processor to bring in the entry a lookup of this hash starts at, so that the
    /// lookup finds it in cache: a hint, with no effect on what is found.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        if let Some(e) = self.entries.get((hash as usize) & self.mask()) {
            prefetch(e);
        }
    }
}

/// A hint to bring the cache line holding `value` in; nothing on other processors.
#[inline]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of x86_64, so the instruction is always there; a prefetch reads
        // nothing into the program and never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_are_found_by_hash_and_id_through_growth_and_shared_slots() {
        let mut index = CaseIndex::default();
        assert_eq!(index.find(7, |_| true), None);
        // Ids by place; hashes chosen to collide in their low bits (one slot) and in all 32.
        let hashes: Vec<u64> = (0..2000u64).map(|n| if n % 3 == 0 { 5 } else { n << 20 | (n % 7) }).collect();
        for (place, &hash) in hashes.iter().enumerate() {
            assert_eq!(index.find(hash, |p| p as usize == place), None);
            index.insert(hash, place as u32);
            assert_eq!(index.len(), place + 1);
        }
        for (place, &hash) in hashes.iter().enumerate() {
            assert_eq!(index.find(hash, |p| p as usize == place), Some(place as u32));
            index.prefetch(hash);
        }
        // Not there: another hash, or the right hash and no matching id.
        assert_eq!(index.find(6, |_| true), None);
        assert_eq!(index.find(5, |_| false), None);
        assert!(index.entries.len().is_power_of_two() && index.len() * 8 <= index.entries.len() * 7);
        index.clear();
        assert!(index.is_empty() && index.find(5, |_| true).is_none());
    }
}
