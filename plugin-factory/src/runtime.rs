//! Supporting types of the runtime API: what [`info`](crate::PluginManager::info) and
//! [`plugins`](crate::PluginManager::plugins) return about one plugin ([`PluginInfo`]), and which
//! request a required plugin refused ([`Action`]).

use std::fmt;

use crate::contract::{Dependency, PluginMetadata};
use crate::lifecycle::PluginState;
use crate::report::{ExclusionReason, HookFailure};

pub use crate::name::{InvalidName, Name};

/// Everything the manager knows about one plugin instance, at the time of the query.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    name: Name,
    metadata: &'static PluginMetadata,
    state: PluginState,
    reason: Option<ExclusionReason>,
    failures: Vec<HookFailure>,
    dependents: Vec<Name>,
}

impl PluginInfo {
    pub(crate) fn new(
        name: Name,
        metadata: &'static PluginMetadata,
        state: PluginState,
        reason: Option<ExclusionReason>,
        failures: Vec<HookFailure>,
        dependents: Vec<Name>,
    ) -> Self {
        Self {
            name,
            metadata,
            state,
            reason,
            failures,
            dependents,
        }
    }

    /// The instance's name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The instance's kind: the plugin's name as registered (the same as
    /// [`name`](Self::name) unless a configuration named the instance).
    pub fn kind(&self) -> &'static str {
        self.metadata.name()
    }

    /// What the kind's annotation recorded.
    pub fn metadata(&self) -> &'static PluginMetadata {
        self.metadata
    }

    /// Its state now.
    pub fn state(&self) -> PluginState {
        self.state
    }

    /// Why it is excluded, if it is.
    pub fn reason(&self) -> Option<&ExclusionReason> {
        self.reason.as_ref()
    }

    /// Every hook failure so far, in order.
    pub fn failures(&self) -> &[HookFailure] {
        &self.failures
    }

    /// The kinds it depends on, as declared.
    pub fn dependencies(&self) -> &'static [Dependency] {
        self.metadata.dependencies()
    }

    /// The instances that depend on it, by name.
    pub fn dependents(&self) -> &[Name] {
        &self.dependents
    }
}

/// A request that takes a plugin out of the live set, refused for a required plugin
/// ([`Error::RequiredPlugin`](crate::Error::RequiredPlugin)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// [`ManagerBuilder::disable`](crate::ManagerBuilder::disable): leave it out at startup.
    Disable,
    /// [`PluginManager::remove_plugin`](crate::PluginManager::remove_plugin): take it out at run
    /// time.
    Remove,
}

impl fmt::Display for Action {
    /// The action as a participle: "it cannot be {action}".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Disable => "disabled",
            Self::Remove => "removed",
        })
    }
}
