//! Extension points, services and the kinds that use them, for the extension point tests.
//!
//! `Listen` is the point most tests call. The kinds that implement it keep a [`Core`]: each
//! message it hears is kept in the instance, and a call that reaches an instance that is not
//! running fails. Which instances a call reached, and faults in them, are the test harness's
//! (`Harness::calls(Hook::Callback)`, `Harness::inject`). Each instance gets a serial number
//! when created, so a test can tell which instances a call reached. The
//! kinds differ in their placement among the implementations (priority, `before`, `after`) and
//! in their dependencies.
//!
//! `provider`, `outsider` and `consumer` provide and take a [`Stamp`] service; `load-a`,
//! `load-b` and `load-c` implement `Tally` for the concurrency test, with global counters.

#![allow(
    dead_code,
    reason = "the test binary reads different parts of each kind in different tests"
)]

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex, PoisonError};

use plugin_factory::extension::{ExtensionHandle, ServiceError};
use plugin_factory::registry::{self, Placement, PluginEntry};
use plugin_factory::{Configurable, Context, Plugin, PluginError, Reconfigure, plugin};

static SERIAL: AtomicU32 = AtomicU32::new(0);

fn serial() -> u32 {
    SERIAL.fetch_add(1, SeqCst)
}

/// The entries of the kinds called `names` (each test picks its own plugins).
pub(crate) fn kinds(names: &[&str]) -> Vec<&'static PluginEntry> {
    let entries: Vec<_> = registry::entries()
        .filter(|entry| names.contains(&entry.name()))
        .collect();
    assert_eq!(entries.len(), names.len(), "unknown kind among {names:?}");
    entries
}

/// The extension point most tests call.
pub(crate) trait Listen: Send + Sync {
    /// Hears `message`: keeps it, and gives the instance's serial number; fails if the instance
    /// is not running (no call may reach it then). A test makes it fail otherwise by injecting
    /// a fault into `Hook::Callback` through its harness.
    fn hear(&self, message: &str) -> Result<u32, PluginError>;
    /// The instance's name.
    fn name(&self) -> &'static str;
    /// The instance's serial number.
    fn serial(&self) -> u32;
}

/// What every `Listen` implementation keeps.
#[derive(Debug)]
pub(crate) struct Core {
    /// The instance's name, known from `start` on.
    name: &'static str,
    pub(crate) serial: u32,
    running: AtomicBool,
    heard: Mutex<Vec<String>>,
}

impl Default for Core {
    fn default() -> Self {
        Self {
            name: "",
            serial: serial(),
            running: AtomicBool::new(false),
            heard: Mutex::new(Vec::new()),
        }
    }
}

impl Core {
    fn start(&mut self, ctx: &Context<'_>) {
        self.name = ctx.name();
        self.running.store(true, SeqCst);
    }

    fn stop(&mut self, _: &Context<'_>) {
        self.running.store(false, SeqCst);
    }

    /// The messages this instance heard, in order.
    pub(crate) fn heard(&self) -> Vec<String> {
        self.heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn hear(&self, message: &str) -> Result<u32, PluginError> {
        if !self.running.load(SeqCst) {
            return Err(format!("{} heard {message:?} while not running", self.name).into());
        }
        self.heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message.to_owned());
        Ok(self.serial)
    }
}

/// `Listen` for a kind, through the [`Core`] in its field `$core`.
macro_rules! listens_through {
    ($kind:ident, $core:tt) => {
        impl Listen for $kind {
            fn hear(&self, message: &str) -> Result<u32, PluginError> {
                self.$core.hear(message)
            }

            fn name(&self) -> &'static str {
                self.$core.name
            }

            fn serial(&self) -> u32 {
                self.$core.serial
            }
        }
    };
}

/// A kind that is only a [`Core`] implementing `Listen`; the rest is the `#[plugin]` arguments.
macro_rules! listener {
    ($kind:ident, $($plugin:tt)*) => {
        #[plugin($($plugin)*)]
        #[derive(Default)]
        pub(crate) struct $kind(pub(crate) Core);

        impl Plugin for $kind {
            fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
                self.0.start(ctx);
                Ok(())
            }

            fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
                self.0.stop(ctx);
                Ok(())
            }
        }

        listens_through!($kind, 0);
    };
}

// Plain implementations, called by dependency order then name.
listener!(Alpha, name = "alpha", implements = [Listen]);
listener!(Beta, name = "beta", implements = [Listen]);
listener!(Gamma, name = "gamma", implements = [Listen]);
// Depends on `beta`, to be excluded with it.
listener!(
    Follower,
    name = "follower",
    depends_on = ["beta"],
    implements = [Listen]
);

// Priorities and constraints. Without them, the order would be by name.
listener!(ALow, name = "a-low", implements = [Listen]);
listener!(BMid, name = "b-mid", implements = [Listen(priority = 5)]);
listener!(CHigh, name = "c-high", implements = [Listen(priority = 10)]);
listener!(
    DLate,
    name = "d-late",
    implements = [Listen(before = ["c-high"])]
);
listener!(
    EEager,
    name = "e-eager",
    implements = [Listen(priority = 20, after = ["a-low"])]
);
listener!(
    FPolite,
    name = "f-polite",
    implements = [Listen(priority = 7, before = ["nobody"], after = ["ghost"])]
);

// Equal priorities: `tie-app` depends on `tie-zed`.
listener!(TieZed, name = "tie-zed", implements = [Listen]);
listener!(
    TieApp,
    name = "tie-app",
    depends_on = ["tie-zed"],
    implements = [Listen]
);
listener!(TieBob, name = "tie-bob", implements = [Listen]);

// A cycle: `cyc-a` before `cyc-b`, `cyc-b` before `cyc-c`, `cyc-c` before `cyc-a`.
listener!(
    CycA,
    name = "cyc-a",
    implements = [Listen(before = ["cyc-b"], after = ["cyc-c"])]
);
listener!(CycB, name = "cyc-b", implements = [Listen]);
listener!(
    CycC,
    name = "cyc-c",
    implements = [Listen(after = ["cyc-b"])]
);

/// Implements no point.
#[plugin(name = "bystander")]
#[derive(Default)]
pub(crate) struct Bystander;

impl Plugin for Bystander {}

/// Calls `Listen` through its context in its own `start` and `stop`, and journals whom each
/// call reached (`"caller:start reached alpha beta"`); implements `Listen` too.
#[plugin(name = "caller", implements = [Listen])]
#[derive(Default)]
pub(crate) struct Caller(pub(crate) Core, Mutex<Vec<String>>);

impl Caller {
    /// What each of its calls reached: `"start reached alpha beta"`, one line per call.
    pub(crate) fn calls(&self) -> Vec<String> {
        self.1
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn call_out(&self, ctx: &Context<'_>, hook: &str) -> Result<(), PluginError> {
        let message = format!("{} {hook}", ctx.name());
        let calls = ctx
            .extension::<dyn Listen>()
            .collect(|listener| listener.hear(&message))?;
        assert_eq!(calls.reached(), calls.value().len(), "no failure");
        let reached: Vec<&str> = calls
            .value()
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        let what = format!("{hook} reached {}", reached.join(" "));
        let mut calls = self.1.lock().unwrap_or_else(PoisonError::into_inner);
        calls.push(what.trim_end().to_owned());
        Ok(())
    }
}

impl Plugin for Caller {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.0.start(ctx);
        self.call_out(ctx, "start")
    }

    fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.0.stop(ctx);
        self.call_out(ctx, "stop")
    }
}

listens_through!(Caller, 0);

/// Takes a handle to `Listen` in `start` and keeps it, with its own placement in `Listen` and
/// in `Tally` (which it does not implement), for the tests of handles; implements `Listen`
/// at priority 3.
#[plugin(name = "keeper", implements = [Listen(priority = 3)])]
#[derive(Default)]
pub(crate) struct Keeper {
    pub(crate) core: Core,
    pub(crate) handle: Option<ExtensionHandle<dyn Listen>>,
    pub(crate) placement: Option<Placement>,
    pub(crate) tally_placement: Option<Placement>,
}

impl Plugin for Keeper {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.core.start(ctx);
        self.handle = Some(ctx.extension_handle());
        self.placement = ctx.placement::<dyn Listen>();
        self.tally_placement = ctx.placement::<dyn Tally>();
        Ok(())
    }

    fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.core.stop(ctx);
        Ok(())
    }
}

listens_through!(Keeper, core);

/// Set by the one test that uses `gated`: its next `stop` waits at [`STOPPING`], then at
/// [`RESUME`], so that the test can call the point while it is stopping.
pub(crate) static HOLD: AtomicBool = AtomicBool::new(false);
/// Where a held `stop` of `gated` says it is running.
pub(crate) static STOPPING: Barrier = Barrier::new(2);
/// Where a held `stop` of `gated` waits to go on.
pub(crate) static RESUME: Barrier = Barrier::new(2);

/// A `Listen` implementation whose `stop` can be held (see [`HOLD`]).
#[plugin(name = "gated", implements = [Listen])]
#[derive(Default)]
pub(crate) struct Gated(pub(crate) Core);

impl Plugin for Gated {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.0.start(ctx);
        Ok(())
    }

    fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.0.stop(ctx);
        if HOLD.swap(false, SeqCst) {
            STOPPING.wait();
            RESUME.wait();
        }
        Ok(())
    }
}

listens_through!(Gated, 0);

/// `tuned`'s config.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub(crate) struct TunedConfig {
    pub(crate) level: u32,
}

impl Default for TunedConfig {
    fn default() -> Self {
        Self { level: 1 }
    }
}

/// A configured `Listen` implementation: a higher level applies in place, a lower one
/// re-creates the instance.
#[plugin(name = "tuned", config = TunedConfig, implements = [Listen])]
pub(crate) struct Tuned {
    pub(crate) core: Core,
    pub(crate) level: AtomicU32,
}

impl Configurable<TunedConfig> for Tuned {
    fn from_config(config: TunedConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            core: Core::default(),
            level: AtomicU32::new(config.level),
        })
    }

    fn reconfigure(
        &mut self,
        config: TunedConfig,
        _: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        if config.level < self.level.load(SeqCst) {
            return Ok(Reconfigure::Restart);
        }
        self.level.store(config.level, SeqCst);
        Ok(Reconfigure::Applied)
    }
}

impl Plugin for Tuned {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.core.start(ctx);
        Ok(())
    }

    fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.core.stop(ctx);
        Ok(())
    }
}

listens_through!(Tuned, core);

/// The service `provider` and `outsider` provide.
pub(crate) trait Stamp: Send + Sync {
    /// The serial number of the instance that provided it.
    fn serial(&self) -> u32;
}

struct Token(u32);

impl Stamp for Token {
    fn serial(&self) -> u32 {
        self.0
    }
}

/// Provides a [`Stamp`] with its serial number in `init`.
#[plugin(name = "provider")]
pub(crate) struct Provider {
    pub(crate) serial: u32,
}

impl Default for Provider {
    fn default() -> Self {
        Self { serial: serial() }
    }
}

impl Plugin for Provider {
    fn init(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        ctx.provide::<dyn Stamp>(Arc::new(Token(self.serial)))?;
        Ok(())
    }
}

/// Provides a [`Stamp`] too, but `consumer` does not depend on it.
#[plugin(name = "outsider")]
#[derive(Default)]
pub(crate) struct Outsider;

impl Plugin for Outsider {
    fn init(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        ctx.provide::<dyn Stamp>(Arc::new(Token(u32::MAX)))?;
        Ok(())
    }
}

/// Takes `provider`'s [`Stamp`] in `start` and lets it go in `stop`; also asks `outsider`,
/// which it does not depend on, and keeps the error.
#[plugin(name = "consumer", depends_on = ["provider"])]
#[derive(Default)]
pub(crate) struct Consumer {
    pub(crate) stamp: Option<Arc<dyn Stamp>>,
    pub(crate) undeclared: Option<ServiceError>,
}

impl Plugin for Consumer {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.stamp = Some(ctx.service::<dyn Stamp>("provider")?);
        self.undeclared = ctx.service::<dyn Stamp>("outsider").err();
        Ok(())
    }

    fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        self.stamp = None;
        Ok(())
    }
}

/// The extension point of the concurrency test.
pub(crate) trait Tally: Send + Sync {
    /// Counts the call for its kind, and a violation if the instance is not running.
    fn tick(&self);
}

/// How many times each `load-*` kind was called, by `Tally::tick` (all instances together).
pub(crate) static TICKS: [AtomicUsize; 3] = [const { AtomicUsize::new(0) }; 3];
/// How many calls reached a `load-*` instance that was not running.
pub(crate) static VIOLATIONS: AtomicUsize = AtomicUsize::new(0);
/// How many `load-*` instances were made.
pub(crate) static LOADS: AtomicUsize = AtomicUsize::new(0);

/// A `Tally` implementation counted under `TICKS[$index]`.
macro_rules! load {
    ($kind:ident, $index:literal, $($plugin:tt)*) => {
        #[plugin($($plugin)*)]
        pub(crate) struct $kind {
            running: AtomicBool,
        }

        impl Default for $kind {
            fn default() -> Self {
                LOADS.fetch_add(1, SeqCst);
                Self {
                    running: AtomicBool::new(false),
                }
            }
        }

        impl Plugin for $kind {
            fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
                self.running.store(true, SeqCst);
                Ok(())
            }

            fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
                self.running.store(false, SeqCst);
                Ok(())
            }
        }

        impl Tally for $kind {
            fn tick(&self) {
                if !self.running.load(SeqCst) {
                    VIOLATIONS.fetch_add(1, SeqCst);
                }
                TICKS[$index].fetch_add(1, SeqCst);
            }
        }
    };
}

load!(LoadA, 0, name = "load-a", implements = [Tally]);
load!(
    LoadB,
    1,
    name = "load-b",
    implements = [Tally(priority = 1)]
);
load!(
    LoadC,
    2,
    name = "load-c",
    depends_on = ["load-a"],
    implements = [Tally(after = ["load-b"])]
);
