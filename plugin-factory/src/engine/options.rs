//! [`Options`]: the settings fixed when a manager is built, and the [`Injector`] of the faults a
//! test injects through them (feature `testing`).

use crate::contract::{OnUnhealthy, PluginError};
use crate::extension::FailurePolicy;
use crate::lifecycle::Hook;

/// Settings fixed when the manager is built.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    pub(crate) time_hooks: bool,
    pub(crate) callback_failures: FailurePolicy,
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
}
