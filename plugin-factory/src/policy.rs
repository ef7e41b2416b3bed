//! What happens when a plugin fails, in one place: a failing hook ([`OnFailure`], retried with a
//! [`Backoff`]), a failing health check ([`OnUnhealthy`], restarts within an [`Intensity`]),
//! and failing extension point callbacks ([`OnCallbackFailure`]).
//!
//! The first two are per plugin (the `#[plugin]` keys `on_failure`, and the configuration's
//! `on_failure` and `on_unhealthy`); the third is the manager's
//! ([`ManagerBuilder::on_callback_failure`](crate::ManagerBuilder::on_callback_failure)).

use std::num::NonZeroU32;

pub use crate::contract::{Backoff, Intensity, OnFailure, OnUnhealthy};

/// What happens to a plugin whose extension point callbacks fail (return an error or panic).
/// Set with [`ManagerBuilder::on_callback_failure`](crate::ManagerBuilder::on_callback_failure).
///
/// Every failure is reported either way: in the call's
/// [`Calls::failures`](crate::extension::Calls::failures), in the log, and in the plugin's line
/// of the [`Report`](crate::report::Report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnCallbackFailure {
    /// The plugin stays live (the default): a failed callback is the call's problem.
    #[default]
    Keep,
    /// The plugin is excluded (with its dependents, as when a hook fails) once its callbacks
    /// have failed this many times in all. The exclusion happens when the failing call ends,
    /// never inside it.
    ExcludeAfter(NonZeroU32),
}
