//! [`Options`]: the settings fixed when a manager is built, and the [`Injector`] of the faults a
//! test injects through them (feature `testing`); an async manager's [`AsyncSettings`], and
//! the [`Deadlines`] of a shutdown.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::contract::{OnUnhealthy, PluginError};
use crate::executor::Executor;
use crate::lifecycle::Hook;
use crate::name::Name;
use crate::policy::OnCallbackFailure;

/// Settings fixed when the manager is built.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    pub(crate) time_hooks: bool,
    pub(crate) on_callback_failure: OnCallbackFailure,
    /// What a health check does to an unhealthy plugin whose configuration does not say.
    pub(crate) on_unhealthy: OnUnhealthy,
    /// The testing harness's injected faults, checked before each hook.
    #[cfg(feature = "testing")]
    pub(crate) faults: Option<&'static crate::fault::Faults>,
}

/// What a hook's closure takes along to ask for injected faults: the harness's fault table, or,
/// without the `testing` feature, nothing at all (a zero-sized value, so the hot path copies
/// and checks nothing).
#[derive(Debug, Clone, Copy)]
pub(super) struct Injector {
    #[cfg(feature = "testing")]
    faults: Option<&'static crate::fault::Faults>,
}

impl Injector {
    #[inline(always)]
    pub(super) fn of(options: &Options) -> Self {
        let _ = options;
        Self {
            #[cfg(feature = "testing")]
            faults: options.faults,
        }
    }

    /// What the testing harness injected into `hook` of `plugin`: an error to return, or a
    /// panic raised here, inside the hook's `catch_unwind`. Always `Ok` without the feature.
    #[inline(always)]
    pub(super) fn check(self, plugin: &str, hook: Hook) -> Result<(), PluginError> {
        #[cfg(feature = "testing")]
        if let Some(faults) = self.faults {
            return faults.trigger(plugin, hook);
        }
        let _ = (plugin, hook);
        Ok(())
    }

    /// [`check`](Self::check) for an awaited hook: an injected delay or hang is awaited on
    /// `executor`'s timer instead of holding up the thread.
    #[inline(always)]
    pub(super) async fn check_awaited(
        self,
        plugin: &str,
        hook: Hook,
        executor: &dyn Executor,
    ) -> Result<(), PluginError> {
        #[cfg(feature = "testing")]
        if let Some(faults) = self.faults {
            return faults.trigger_awaited(plugin, hook, executor).await;
        }
        let _ = (plugin, hook, executor);
        Ok(())
    }

    /// [`health`](Self::health) for an awaited check: an injected delay or hang is awaited on
    /// `executor`'s timer.
    #[inline(always)]
    pub(super) async fn health_awaited(
        self,
        plugin: &str,
        executor: &dyn Executor,
    ) -> Option<crate::contract::Health> {
        #[cfg(feature = "testing")]
        if let Some(faults) = self.faults {
            return faults.health_awaited(plugin, executor).await;
        }
        let _ = (plugin, executor);
        None
    }

    /// Tells the testing harness that the code of `hook` of `plugin` returned. Nothing without
    /// the feature.
    #[inline(always)]
    pub(super) fn returned(self, plugin: &str, hook: Hook) {
        #[cfg(feature = "testing")]
        if let Some(faults) = self.faults {
            faults.returned(plugin, hook);
        }
        let _ = (plugin, hook);
    }

    /// What the testing harness injected into the health check of `plugin`: an answer to give
    /// instead of asking the plugin (or a panic raised here). Always `None` without the feature.
    #[inline(always)]
    pub(super) fn health(self, plugin: &str) -> Option<crate::contract::Health> {
        #[cfg(feature = "testing")]
        if let Some(faults) = self.faults {
            return faults.health(plugin);
        }
        let _ = plugin;
        None
    }

    /// What an instance of `plugin` carries to tell the testing harness when it is dropped;
    /// nothing (a zero-sized value) without the feature or outside a harness.
    #[inline(always)]
    pub(super) fn witness(self, plugin: Name) -> Witness {
        let _ = plugin;
        Witness {
            #[cfg(feature = "testing")]
            seen: self.faults.map(|faults| (faults, plugin)),
        }
    }
}

/// Tells the testing harness, when dropped, that the instance it belongs to was dropped.
#[derive(Default)]
pub(crate) struct Witness {
    #[cfg(feature = "testing")]
    seen: Option<(&'static crate::fault::Faults, Name)>,
}

#[cfg(feature = "testing")]
impl Drop for Witness {
    fn drop(&mut self) {
        if let Some((faults, plugin)) = self.seen.take() {
            faults.dropped(plugin.as_str());
        }
    }
}

/// How an async manager runs hooks, fixed when it is made.
#[derive(Clone)]
pub(crate) struct AsyncSettings {
    pub(crate) executor: Arc<dyn Executor>,
    /// The timeout of every hook of a plugin that has none of its own.
    pub(crate) timeout: Option<Duration>,
    /// How many hooks may run at once.
    pub(crate) limit: Option<NonZeroUsize>,
}

/// Shutdown's deadlines: `grace` for the cooperative teardown, in dependency order; then
/// `mercy` more, with the order no longer waited for; then whatever still runs is abandoned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    pub(crate) began: Instant,
    pub(crate) grace: Duration,
    pub(crate) mercy: Duration,
}

/// Where a walk stands against shutdown's deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// In dependency order, as usual.
    Ordered,
    /// The grace period has passed: everything left starts at once.
    Hurried,
    /// The mercy period has passed too: what still runs is abandoned.
    Over,
}

impl Deadlines {
    /// The stage now, and how long until the next one (`None` once it is over).
    pub(super) fn stage(&self) -> (Stage, Option<Duration>) {
        let elapsed = self.began.elapsed();
        if elapsed < self.grace {
            (Stage::Ordered, Some(self.grace - elapsed))
        } else if elapsed < self.grace + self.mercy {
            (Stage::Hurried, Some(self.grace + self.mercy - elapsed))
        } else {
            (Stage::Over, None)
        }
    }
}
