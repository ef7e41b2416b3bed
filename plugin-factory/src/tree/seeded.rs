//! [`Seeded`]: the hash of the tables that read a configuration (its keys, its instance names
//! while it is resolved, the environment layer's). `rustc-hash`'s hash is fixed, so keys made to
//! collide in it could turn each lookup into a scan, and reading quadratic; `foldhash` with a
//! seed drawn at random once per process is as fast for keys this short, and its collisions
//! cannot be made in advance. The engine's name index keeps `rustc-hash` (`docs/architecture.md`).

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use foldhash::SharedSeed;
use foldhash::fast::FoldHasher;

/// `foldhash` with the process's random seed. Zero-sized, as `rustc-hash`'s hasher is.
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
