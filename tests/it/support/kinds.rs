//! Plugin kinds with typed configs, for the configuration and reload tests: `echo` (a config
//! with a required key), `store` (a config with defaults that reconfigures in place when it
//! grows), `app` (depends on `store`), `plain` (no config), `core` (required), and `flaky` (a
//! reconfigure that fails on demand). Each instance gets a serial number when created, so a
//! test can tell a kept instance from a re-created one; which hooks ran is the test harness's
//! to say (`Harness::calls`).

use std::sync::atomic::{AtomicU32, Ordering};

use plugin_factory::registry::{self, PluginEntry};
use plugin_factory::{
    Configurable, Context, ManagerBuilder, Plugin, PluginError, PluginManager, Reconfigure, plugin,
};

/// The kinds of this module, out of everything the test binary registers.
pub(crate) fn entries() -> impl Iterator<Item = &'static PluginEntry> {
    registry::entries().filter(|entry| entry.metadata().location().module_path() == module_path!())
}

/// A builder over this module's kinds only, as a host that links just them would have.
pub(crate) fn builder() -> ManagerBuilder {
    PluginManager::builder().entries(entries())
}

static SERIAL: AtomicU32 = AtomicU32::new(0);

fn serial() -> u32 {
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

/// `echo`'s config: `greeting` is required, `times` defaults to 1.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct EchoConfig {
    pub(crate) greeting: String,
    #[serde(default = "one")]
    pub(crate) times: u8,
}

fn one() -> u8 {
    1
}

#[plugin(config = EchoConfig)]
pub(crate) struct Echo {
    pub(crate) config: EchoConfig,
    pub(crate) serial: u32,
}

impl Configurable<EchoConfig> for Echo {
    fn from_config(config: EchoConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            config,
            serial: serial(),
        })
    }
}

impl Plugin for Echo {}

/// `store`'s config: every key has a default.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub(crate) struct StoreConfig {
    pub(crate) capacity: u32,
    pub(crate) label: String,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            capacity: 10,
            label: "store".to_owned(),
        }
    }
}

#[plugin(config = StoreConfig)]
pub(crate) struct Store {
    pub(crate) config: StoreConfig,
    pub(crate) serial: u32,
}

impl Configurable<StoreConfig> for Store {
    fn from_config(config: StoreConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            config,
            serial: serial(),
        })
    }

    /// Grows in place; cannot shrink.
    fn reconfigure(
        &mut self,
        config: StoreConfig,
        _: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        if config.capacity < self.config.capacity {
            return Ok(Reconfigure::Restart);
        }
        self.config = config;
        Ok(Reconfigure::Applied)
    }
}

impl Plugin for Store {}

#[plugin(depends_on = ["store"])]
#[derive(Default)]
pub(crate) struct App;

impl Plugin for App {}

#[plugin]
#[derive(Default)]
pub(crate) struct Plain;

/// A required kind: a reload may not take it away.
#[plugin(on_failure = "fail")]
#[derive(Default)]
pub(crate) struct Core;

impl Plugin for Core {}

impl Plugin for Plain {}

/// `flaky`'s config: `fail` makes its `reconfigure` fail, `panic` makes it panic.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub(crate) struct FlakyConfig {
    pub(crate) fail: bool,
    pub(crate) panic: bool,
}

#[plugin(config = FlakyConfig)]
pub(crate) struct Flaky;

impl Configurable<FlakyConfig> for Flaky {
    fn from_config(_: FlakyConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self)
    }

    fn reconfigure(
        &mut self,
        config: FlakyConfig,
        _: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        if config.panic {
            panic!("flaky panics on reconfigure");
        }
        if config.fail {
            return Err("flaky refuses the new config".into());
        }
        Ok(Reconfigure::Applied)
    }
}

impl Plugin for Flaky {}
