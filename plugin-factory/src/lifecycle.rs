//! The runtime state of each plugin, the one table of legal transitions between states, and the
//! hooks that move a plugin along it. The bottom layer: it depends on nothing else in the crate.

use std::fmt;

/// Where one plugin is in its lifecycle.
///
/// The legal moves are listed by [`PluginState::can_become`]; the manager checks every change
/// against it and never changes a state silently.
///
/// ```text
/// Registered ─► Created ─► Validated ─► Initialized ─► Running ⇄ Stopped ─► Shutdown
///                  any failure ─► Failed ─► Excluded ─► (re-added) Created
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u8)]
pub enum PluginState {
    /// Known to the registry; no instance exists (not yet created, or left out at startup).
    Registered,
    /// The factory made an instance.
    Created,
    /// `validate` passed and every dependency is satisfied.
    Validated,
    /// `init` succeeded: the plugin holds its resources.
    Initialized,
    /// `start` succeeded: the plugin is working.
    Running,
    /// `stop` ran; the plugin can be started again or shut down.
    Stopped,
    /// `shutdown` ran and the instance was dropped.
    Shutdown,
    /// A hook failed or panicked; the plugin is being torn down.
    Failed,
    /// Out of the live set, with a reason; no instance exists.
    Excluded,
}

impl PluginState {
    /// Every state, in lifecycle order.
    pub const ALL: [PluginState; 9] = [
        Self::Registered,
        Self::Created,
        Self::Validated,
        Self::Initialized,
        Self::Running,
        Self::Stopped,
        Self::Shutdown,
        Self::Failed,
        Self::Excluded,
    ];

    /// The old spelling of [`Shutdown`](Self::Shutdown), kept until 1.0 (see CHANGELOG.md).
    #[deprecated(since = "0.1.0", note = "renamed `PluginState::Shutdown`")]
    #[allow(
        non_upper_case_globals,
        reason = "the variant it stands for was spelt so"
    )]
    pub const ShutDown: PluginState = PluginState::Shutdown;

    /// The state stored as `state as u8` (the manager keeps states in atomic bytes).
    #[inline]
    pub(crate) const fn from_index(index: u8) -> Self {
        Self::ALL[index as usize]
    }

    /// The transition table: whether a plugin in `self` may move to `next`.
    ///
    /// | from | to |
    /// |---|---|
    /// | Registered | Created, Excluded |
    /// | Created | Validated, Failed, Excluded, Shutdown |
    /// | Validated | Initialized, Failed, Excluded, Shutdown |
    /// | Initialized | Running, Failed, Shutdown |
    /// | Running | Stopped, Failed |
    /// | Stopped | Running, Failed, Shutdown |
    /// | Shutdown | Created, Excluded |
    /// | Failed | Excluded |
    /// | Excluded | Created |
    ///
    /// `Shutdown` from `Created` or `Validated` means the instance is dropped without hooks: it
    /// never acquired anything. `Shutdown → Excluded` is a clean plugin taken out because a
    /// dependency went. `→ Created` again is a restart or a hot add with a fresh instance.
    #[inline]
    pub const fn can_become(self, next: PluginState) -> bool {
        use PluginState::*;
        matches!(
            (self, next),
            (Registered, Created | Excluded)
                | (Created, Validated | Failed | Excluded | Shutdown)
                | (Validated, Initialized | Failed | Excluded | Shutdown)
                | (Initialized, Running | Failed | Shutdown)
                | (Running, Stopped | Failed)
                | (Stopped, Running | Failed | Shutdown)
                | (Shutdown, Created | Excluded)
                | (Failed, Excluded)
                | (Excluded, Created)
        )
    }

    /// Whether a plugin in this state has an instance in the live set.
    pub const fn is_live(self) -> bool {
        matches!(
            self,
            Self::Created | Self::Validated | Self::Initialized | Self::Running | Self::Stopped
        )
    }

    /// The state's name in lowercase, as the report prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Created => "created",
            Self::Validated => "validated",
            Self::Initialized => "initialized",
            Self::Running => "running",
            Self::Stopped => "stopped",
            Self::Shutdown => "shut down",
            Self::Failed => "failed",
            Self::Excluded => "excluded",
        }
    }
}

impl fmt::Display for PluginState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A step of the lifecycle that runs plugin code: the factory or one of the [`Plugin`] hooks.
///
/// [`Plugin`]: crate::Plugin
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hook {
    /// The factory that creates the instance.
    Create,
    /// [`Plugin::validate`](crate::Plugin::validate).
    Validate,
    /// [`Plugin::init`](crate::Plugin::init).
    Init,
    /// [`Plugin::start`](crate::Plugin::start).
    Start,
    /// [`Configurable::reconfigure`](crate::Configurable::reconfigure), when a configuration
    /// reload changes the instance's config.
    Reconfigure,
    /// [`Plugin::stop`](crate::Plugin::stop).
    Stop,
    /// [`Plugin::shutdown`](crate::Plugin::shutdown).
    Shutdown,
    /// A callback of an extension point the plugin implements (the failure's message names
    /// the point).
    Callback,
}

impl Hook {
    /// Every hook, in lifecycle order.
    pub const ALL: [Hook; 8] = [
        Self::Create,
        Self::Validate,
        Self::Init,
        Self::Start,
        Self::Reconfigure,
        Self::Stop,
        Self::Shutdown,
        Self::Callback,
    ];

    /// The hook's name as it appears in code (`"create"` for the factory).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Validate => "validate",
            Self::Init => "init",
            Self::Start => "start",
            Self::Reconfigure => "reconfigure",
            Self::Stop => "stop",
            Self::Shutdown => "shutdown",
            Self::Callback => "extension point",
        }
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happy_path_is_legal() {
        use PluginState::*;
        let path = [
            Registered,
            Created,
            Validated,
            Initialized,
            Running,
            Stopped,
            Running,
            Stopped,
            Shutdown,
            Created,
        ];
        for pair in path.windows(2) {
            assert!(pair[0].can_become(pair[1]), "{} -> {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn nothing_jumps_ahead_of_the_lifecycle() {
        use PluginState::*;
        assert!(!Registered.can_become(Running));
        assert!(!Created.can_become(Running));
        assert!(!Excluded.can_become(Running));
        assert!(!Shutdown.can_become(Running));
        assert!(!Initialized.can_become(Stopped));
    }

    #[test]
    fn no_state_moves_to_itself_and_failed_only_leads_out() {
        for state in PluginState::ALL {
            assert!(!state.can_become(state), "{state} -> {state}");
        }
        let from_failed: Vec<_> = PluginState::ALL
            .into_iter()
            .filter(|next| PluginState::Failed.can_become(*next))
            .collect();
        assert_eq!(from_failed, [PluginState::Excluded]);
    }

    #[test]
    fn states_round_trip_through_their_byte() {
        for state in PluginState::ALL {
            assert_eq!(PluginState::from_index(state as u8), state);
        }
    }

    #[test]
    fn running_can_only_stop_or_fail() {
        let next: Vec<_> = PluginState::ALL
            .into_iter()
            .filter(|next| PluginState::Running.can_become(*next))
            .collect();
        assert_eq!(next, [PluginState::Stopped, PluginState::Failed]);
    }
}
