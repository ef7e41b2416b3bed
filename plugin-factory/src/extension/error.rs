//! What goes wrong with extension points and services: a failed callback, a call that did not
//! run, a service that could not be reached. Every error names the plugins and the point or
//! service type.

use std::fmt;

use crate::contract::PluginError;
use crate::name::Name;
use crate::report::FailureCause;

/// One implementation whose callback returned an error or panicked.
#[derive(Debug, Clone)]
pub struct CallbackFailure {
    plugin: Name,
    point: &'static str,
    cause: FailureCause,
}

impl CallbackFailure {
    pub(crate) fn new(plugin: Name, point: &'static str, cause: FailureCause) -> Self {
        Self {
            plugin,
            point,
            cause,
        }
    }

    /// The plugin instance whose implementation failed.
    pub fn plugin(&self) -> Name {
        self.plugin
    }

    /// The extension point (its trait's name).
    pub fn point(&self) -> &'static str {
        self.point
    }

    /// The error it returned, or the message it panicked with.
    pub fn cause(&self) -> &FailureCause {
        &self.cause
    }
}

impl fmt::Display for CallbackFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (plugin, point) = (self.plugin, self.point);
        match &self.cause {
            FailureCause::Error(error) => {
                write!(
                    f,
                    "plugin {plugin:?}: extension point {point} failed: {error}"
                )
            }
            FailureCause::Panic(message) => {
                write!(
                    f,
                    "plugin {plugin:?}: extension point {point} panicked: {message}"
                )
            }
            // Callbacks are called, not awaited: nothing times them out or abandons them.
            FailureCause::TimedOut(after) | FailureCause::Abandoned(after) => write!(
                f,
                "plugin {plugin:?}: extension point {point} did not finish within {after:?}"
            ),
        }
    }
}

impl std::error::Error for CallbackFailure {}

/// Why an extension point call did not run (or, with [`Extension::until_error`](super::Extension::until_error), stopped).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The `before`/`after` constraints of the live implementations form a cycle.
    #[error(
        "extension point {point}: the before/after constraints form a cycle: {}",
        join(cycle)
    )]
    OrderCycle {
        /// The extension point.
        point: &'static str,
        /// The cycle, closed on its first plugin.
        cycle: Box<[Name]>,
    },
    /// [`Extension::only`](super::Extension::only) named a plugin the manager does not have.
    #[error("extension point {point}: no plugin is called {plugin:?}")]
    UnknownPlugin {
        /// The extension point.
        point: &'static str,
        /// The name asked for.
        plugin: String,
    },
    /// The call was made from inside an operation on the same manager on the same thread
    /// (a plugin access closure, an observer), where it could deadlock.
    #[error("`{operation}` called inside `{during}`: send the work elsewhere and do it afterwards")]
    Reentrant {
        /// The refused call.
        operation: &'static str,
        /// The operation in progress.
        during: &'static str,
    },
    /// The call was made through an [`ExtensionHandle`](super::ExtensionHandle) whose manager
    /// is shut down (or dropped): its plugins are gone.
    #[error("extension point {point}: the plugin manager is shut down; no plugin can be called")]
    ManagerShutDown {
        /// The extension point.
        point: &'static str,
    },
    /// An implementation failed and the policy stops at the first failure
    /// ([`Extension::until_error`](super::Extension::until_error)).
    #[error(transparent)]
    Failed(#[from] CallbackFailure),
}

fn join(cycle: &[Name]) -> String {
    cycle
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(" -> ")
}

/// Why a service could not be provided or obtained. Every variant names the plugins and the
/// service type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// A plugin asked for the service of a plugin it did not declare in `depends_on`: plugins
    /// reach each other's services only along declared dependencies.
    #[error(
        "plugin {plugin:?} asked for the `{service}` of {provider:?}, which it does not depend on: add it to `depends_on`"
    )]
    Undeclared {
        /// The plugin that asked.
        plugin: Name,
        /// The plugin it asked.
        provider: String,
        /// The service type.
        service: &'static str,
    },
    /// The provider is not running (stopped, restarting, excluded, or its dependency is bound
    /// to no instance).
    #[error(
        "{} asked for the `{service}` of {provider:?}, which is not available now",
        asker(plugin)
    )]
    Unavailable {
        /// The plugin that asked (`None`: the host).
        plugin: Option<Name>,
        /// The provider.
        provider: String,
        /// The service type.
        service: &'static str,
    },
    /// The provider is available but provides no service of that type.
    #[error(
        "{} asked for the `{service}` of {provider:?}, which provides none",
        asker(plugin)
    )]
    NotProvided {
        /// The plugin that asked (`None`: the host).
        plugin: Option<Name>,
        /// The provider.
        provider: Name,
        /// The service type.
        service: &'static str,
    },
    /// The host asked for the service of a plugin the manager does not have.
    #[error("the host asked for the `{service}` of {provider:?}, which is not registered")]
    UnknownPlugin {
        /// The name asked for.
        provider: String,
        /// The service type.
        service: &'static str,
    },
    /// A context outside a manager (a factory's) can neither provide nor obtain services.
    #[error(
        "plugin {plugin:?} used services from its factory: provide them in `init`, take them in `start`"
    )]
    OutsideManager {
        /// The plugin.
        plugin: Name,
    },
}

fn asker(plugin: &Option<Name>) -> String {
    match plugin {
        Some(plugin) => format!("plugin {plugin:?}"),
        None => "the host".to_owned(),
    }
}

impl From<CallError> for PluginError {
    /// A call a plugin made that did not run, as its hook's error.
    fn from(error: CallError) -> Self {
        PluginError::other(error)
    }
}

impl From<ServiceError> for PluginError {
    /// A service a plugin could not provide or obtain, as its hook's error.
    fn from(error: ServiceError) -> Self {
        PluginError::other(error)
    }
}
