//! The two configurable kinds of C1 to C3, defined in this bench target only, so that the
//! registries of the other targets hold exactly their generated set. Both take a config of one
//! number; `c-tunable` takes a new one in place, `c-rebuilt` declines and is re-created. Each
//! counts its creations, reconfigures and starts, so the benchmarks can check what they touched.

use std::sync::atomic::{AtomicU64, Ordering};

use bench_plugins::{Calls, ConfigKinds};
use plugin_factory::{Configurable, Context, Plugin, PluginError, Reconfigure, plugin};

static CREATED: AtomicU64 = AtomicU64::new(0);
static RECONFIGURED: AtomicU64 = AtomicU64::new(0);
static STARTED: AtomicU64 = AtomicU64::new(0);

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn calls() -> Calls {
    Calls {
        created: CREATED.load(Ordering::Relaxed),
        reconfigured: RECONFIGURED.load(Ordering::Relaxed),
        started: STARTED.load(Ordering::Relaxed),
    }
}

/// The kinds, as the benchmarks find them in the registry.
pub(crate) static KINDS: ConfigKinds = ConfigKinds {
    in_place: "c-tunable",
    recreated: "c-rebuilt",
    calls,
};

/// The config of both kinds.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Knob {
    /// Any number.
    pub(crate) value: u64,
}

/// Takes a changed config in place.
#[plugin(name = "c-tunable", config = Knob)]
pub(crate) struct Tunable {
    knob: Knob,
}

impl Configurable<Knob> for Tunable {
    fn from_config(knob: Knob, _: &Context<'_>) -> Result<Self, PluginError> {
        count(&CREATED);
        Ok(Self { knob })
    }

    fn reconfigure(&mut self, knob: Knob, _: &Context<'_>) -> Result<Reconfigure, PluginError> {
        count(&RECONFIGURED);
        self.knob = knob;
        Ok(Reconfigure::Applied)
    }
}

impl Plugin for Tunable {
    fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        count(&STARTED);
        std::hint::black_box(self.knob.value);
        Ok(())
    }
}

/// Declines every changed config: the manager re-creates it.
#[plugin(name = "c-rebuilt", config = Knob)]
pub(crate) struct Rebuilt {
    knob: Knob,
}

impl Configurable<Knob> for Rebuilt {
    fn from_config(knob: Knob, _: &Context<'_>) -> Result<Self, PluginError> {
        count(&CREATED);
        Ok(Self { knob })
    }

    fn reconfigure(&mut self, _: Knob, _: &Context<'_>) -> Result<Reconfigure, PluginError> {
        count(&RECONFIGURED);
        Ok(Reconfigure::Restart)
    }
}

impl Plugin for Rebuilt {
    fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        count(&STARTED);
        std::hint::black_box(self.knob.value);
        Ok(())
    }
}
