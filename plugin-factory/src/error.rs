//! [`Error`]: what the manager returns. (What a plugin's hooks return, `PluginError`, is part of
//! the contract.)

use crate::busy::Refused;
use crate::config::ConfigError;
use crate::extension::{CallError, ServiceError};
use crate::lifecycle::PluginState;
use crate::report::table::Report;
use crate::report::{ExclusionReason, HookFailure};
use crate::runtime::{Action, Name};

/// An error from the manager. Every variant names the plugin it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration that cannot be read or is not valid (from
    /// [`PluginManager::plan`](crate::PluginManager::plan) and
    /// [`apply`](crate::PluginManager::apply), which then change nothing).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An extension point call that did not run, or stopped at a failure.
    #[error(transparent)]
    Call(#[from] CallError),
    /// A service that could not be provided or obtained.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A state change that the lifecycle's transition table forbids. The manager only asks for
    /// moves the table allows: this error in a log is a bug in the manager, and the move was not
    /// made.
    #[error("plugin {plugin:?} cannot go from {from} to {to}")]
    InvalidTransition {
        /// The plugin.
        plugin: Name,
        /// Its state.
        from: PluginState,
        /// The state asked for.
        to: PluginState,
    },
    /// A required plugin (`on_failure = "fail"`) was excluded, so the transition failed. Everything
    /// already started has been stopped and shut down; the report says what happened to each.
    #[error("required plugin {plugin:?} was excluded: {reason}")]
    RequiredPluginExcluded {
        /// The required plugin.
        plugin: Name,
        /// Why it was excluded.
        reason: ExclusionReason,
        /// The final report of every plugin.
        report: Box<Report>,
    },
    /// A request to leave out (`disable`) or take out (`remove_plugin`) a plugin marked
    /// required (`on_failure = "fail"`); nothing was changed.
    #[error("plugin {plugin:?} is required: it cannot be {action}")]
    RequiredPlugin {
        /// The required plugin.
        plugin: Name,
        /// What was asked.
        action: Action,
    },
    /// No plugin of that name is registered (every operation that takes a name).
    #[error("no plugin named {plugin:?} is registered")]
    UnknownPlugin {
        /// The name asked for.
        plugin: String,
    },
    /// `stop_plugin` on a plugin that is not running.
    #[error("plugin {plugin:?} is {state}, not running")]
    NotRunning {
        /// The plugin.
        plugin: Name,
        /// Its state.
        state: PluginState,
    },
    /// `start_plugin` on a plugin that is already running.
    #[error("plugin {plugin:?} is already running")]
    AlreadyRunning {
        /// The plugin.
        plugin: Name,
    },
    /// An operation that needs a plugin in the live set, on one that is not.
    #[error("plugin {plugin:?} is not in the live set (it is {state}); `add_plugin` brings it in")]
    NotLive {
        /// The plugin.
        plugin: Name,
        /// Its state.
        state: PluginState,
    },
    /// `add_plugin` on a plugin that is already in the live set.
    #[error("plugin {plugin:?} is already in the live set (it is {state})")]
    AlreadyLive {
        /// The plugin.
        plugin: Name,
        /// Its state.
        state: PluginState,
    },
    /// The plugin cannot enter the live set: the cause of its exclusion still holds (a
    /// duplicate name, a cycle, a version that does not match).
    #[error("plugin {plugin:?} cannot be added: {reason}")]
    Unsatisfiable {
        /// The plugin.
        plugin: Name,
        /// What stands in the way.
        reason: ExclusionReason,
    },
    /// A dependency the operation needs is not in the live set; nothing was changed.
    #[error("plugin {plugin:?} needs {dependency:?}, which is {}", .state.map_or("not registered", PluginState::as_str))]
    DependencyUnavailable {
        /// The plugin that needs it.
        plugin: Name,
        /// The dependency.
        dependency: Name,
        /// The dependency's state, or `None` if it is not registered.
        state: Option<PluginState>,
    },
    /// A hook failed during a runtime operation: the plugin was excluded with its dependents,
    /// and whatever the operation had started on the way was stopped again.
    #[error("plugin {plugin:?} was excluded: {failure}")]
    HookFailed {
        /// The plugin whose hook failed.
        plugin: Name,
        /// The failure.
        failure: HookFailure,
        /// Plugins this operation had started and stopped again.
        rolled_back: Vec<Name>,
    },
    /// Typed access asked for the wrong type.
    #[error("plugin {plugin:?} is not a `{expected}`")]
    WrongType {
        /// The plugin.
        plugin: Name,
        /// The type asked for.
        expected: &'static str,
    },
    /// Typed access by type found no live plugin of that type.
    #[error("no live plugin is a `{expected}`")]
    NoPluginOfType {
        /// The type asked for.
        expected: &'static str,
    },
    /// A control operation or plugin access was called from inside another one (an observer,
    /// the closure of a plugin access, or a host's extension point callback, awaited ones
    /// included) on the same thread, where it would deadlock.
    #[error("`{operation}` called inside `{during}`: send the work elsewhere and do it afterwards")]
    Reentrant {
        /// The refused call.
        operation: &'static str,
        /// The call in progress.
        during: &'static str,
    },
}

impl From<Refused> for Error {
    fn from(Refused { operation, during }: Refused) -> Self {
        Self::Reentrant { operation, during }
    }
}
