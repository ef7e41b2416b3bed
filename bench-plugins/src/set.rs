//! [`Set`]: what the build script generates for each size of the benchmarks.

use crate::baseline::{HandEntry, HandLive};

/// One generated plugin set, as the build script describes it to the benchmarks.
#[derive(Debug)]
pub struct Set {
    /// How many plugins it holds.
    pub n: usize,
    /// The prefix of every plugin name in the set (`b100-` for N = 100).
    pub prefix: &'static str,
    /// How many `depends_on` edges join them.
    pub edges: usize,
    /// The hand-written static array, in dependency order.
    pub hand: &'static [HandEntry],
    /// How many plugins the lookup functions look up.
    pub lookups: usize,
    /// P3 through the manager: typed access by name to `lookups` plugins.
    pub lookup_framework: fn(&mut plugin_factory::PluginManager) -> u64,
    /// P3 by hand: `HashMap<&str, usize>`, index, downcast, for the same plugins.
    pub lookup_hand: fn(&mut HandLive) -> u64,
    /// The peer (P1): adds the same plugins to a `bevy_app::App` in one `add_plugins` call.
    pub bevy_add: fn(&mut bevy_app::App),
    /// The peer (P1): adds them as one `PluginGroup`.
    pub bevy_add_group: fn(&mut bevy_app::App),
    /// How many plugins of the set an app holds.
    pub bevy_added: fn(&bevy_app::App) -> usize,
}
