//! Benchmarks of Plugin Factory against what a careful engineer would write by hand, against
//! the raw `linkme` and `inventory` crates, and against a peer, `bevy_app`.
//!
//! The build script generates one set of N no-op plugins per bench target (`n100`, `n1000`, and
//! `n10000` with the `n10000` feature): each plugin is a `#[plugin]` struct, an entry in a
//! hand-written static array, a raw `linkme` entry and a raw `inventory` entry, so every
//! mechanism holds exactly the same N plugins in the same binary. This library holds what the
//! bench targets share: the hand-written baseline, the raw registries, the benchmarks (P1 to
//! P4, see `docs/performance.md`), an allocation counter, and the table of ratios printed at the
//! end of a run.
//!
//! The `n1000` target also runs the configuration benchmarks C1 to C3 (loading, checking and
//! applying a configuration of 1,000 instances), over two configurable kinds it defines itself
//! so that the other targets' registries hold exactly their generated set. The
//! `extension_points` target runs P6 (calling an extension point on 1,000 live
//! implementations, see [`points`]) over one kind it defines itself, for the same reason.
//!
//! The `config_hostile` target reads hostile configuration input (one long line, wide maps,
//! nested anchors, many variables and overrides) at 1, 2 and 4 MB, for the bounds of
//! [`hostile`].
//!
//! ```text
//! cargo bench -p bench-plugins -- --warm-up-time 1 --measurement-time 3
//! cargo bench -p bench-plugins --features n10000 --bench n10000 -- --warm-up-time 1 --measurement-time 3
//! cargo bench -p bench-plugins --bench extension_points
//! cargo bench -p bench-plugins --bench config_hostile
//! ```

pub mod alloc;
pub mod asynchronous;
mod baseline;
mod bench;
mod configured;
pub mod hostile;
mod peer;
pub mod points;
mod set;
mod sizes;
mod summary;

pub use crate::baseline::{
    HandEntry, HandFailure, HandLive, HandPlugin, RAW_LINKME, RawEntry, RawInventoryEntry,
    hand_lifecycle, hand_lifecycle_with_name_map, make,
};
pub use crate::bench::run;
pub use crate::configured::{Calls, ConfigKinds};
pub use crate::points::{Noop, NoopKind};
pub use crate::set::Set;
