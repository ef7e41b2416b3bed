//! [`Options`]: the settings fixed when a manager is built, and [`injected`], the faults a test
//! injects through them (feature `testing`).

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

/// What the testing harness injected into `hook` of `plugin`: an error to return, or a panic
/// raised here, inside the hook's `catch_unwind`. Always `Ok`, and nothing to run, without the
/// `testing` feature.
#[inline(always)]
pub(super) fn injected(options: &Options, plugin: &str, hook: Hook) -> Result<(), PluginError> {
    #[cfg(feature = "testing")]
    if let Some(faults) = options.faults {
        return faults.trigger(plugin, hook);
    }
    let _ = (options, plugin, hook);
    Ok(())
}
