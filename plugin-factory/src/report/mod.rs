//! What a manager reports: the [`Report`] of every plugin (`table.rs`, with its table), and
//! one [`PluginReport`] per plugin with its parts (`plugin.rs`): why a plugin was excluded
//! ([`ExclusionReason`]), how a hook failed ([`HookFailure`]) and how long hooks took
//! ([`HookTimings`]).

mod plugin;
pub(crate) mod table;

pub(crate) use self::plugin::Details;
pub use self::plugin::{
    ExclusionReason, FailureCause, HookFailure, HookTimings, Missing, PluginReport, Restart,
};
pub use self::table::Report;
pub use crate::lifecycle::Hook;
