//! The sizes the benchmarks measure at, read by the benchmarks and by the summary that prints
//! their results.

/// How many instances the configurations of C1 to C3 name.
pub(crate) const INSTANCES: usize = 1_000;

/// How many implementations `p6_call` calls, and the larger set of `p6_first`.
pub const IMPLEMENTATIONS: usize = 1_000;

/// The smaller set of `p6_first`.
pub const FEW: usize = 10;
