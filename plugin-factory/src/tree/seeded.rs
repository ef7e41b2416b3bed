//! [`Seeded`]: the hash of every table keyed by what a configuration chose (its keys, instance
//! names). `rustc-hash`'s hash is fixed, so keys made to collide in it could turn each lookup of
//! such a table into a scan, and reading quadratic; `foldhash` with a seed drawn at random once
//! per process is as fast for keys this short, and its collisions cannot be made in advance.
//! Tables keyed by what the binary holds (slots, types, compiled-in kinds) keep `rustc-hash`.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use foldhash::SharedSeed;
use foldhash::fast::FoldHasher;

/// `foldhash` with the process's random seed. Zero-sized, so that a table that holds it is the
/// size it was with `rustc-hash` (the engine's layout is measured: `docs/performance.md`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seeded;

impl BuildHasher for Seeded {
    type Hasher = FoldHasher<'static>;

    #[inline]
    fn build_hasher(&self) -> Self::Hasher {
        // The shared seed is the random one; the per-hasher seed only needs to be non-zero.
        FoldHasher::with_seed(0x243f_6a88_85a3_08d3, SharedSeed::global_random())
    }
}

/// A map keyed by what a configuration chose.
pub(crate) type SeededMap<K, V> = HashMap<K, V, Seeded>;

/// A set of what a configuration chose.
pub(crate) type SeededSet<K> = HashSet<K, Seeded>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_process_hashes_alike_and_the_hasher_takes_no_room() {
        assert_eq!(Seeded.hash_one("kv-store"), Seeded.hash_one("kv-store"));
        assert_ne!(Seeded.hash_one("kv-store"), Seeded.hash_one("kv-stora"));
        assert_eq!(size_of::<Seeded>(), 0);
    }
}
