//! The typestate phases of [`PluginManager`](crate::PluginManager): zero-sized markers behind a
//! sealed trait, plus one bound per transition whose diagnostic says what to call first.
//!
//! The markers are named for the manager, not for its plugins, so that they cannot be mistaken
//! for a [`PluginState`](crate::PluginState): a manager in the [`Active`] phase may hold
//! plugins that are `Running`, `Stopped` or `Excluded`.
//!
//! | phase | reached by | every live plugin is | next |
//! |---|---|---|---|
//! | [`Assembled`] | `discover` | `Created` | `validate` |
//! | [`Vetted`] | `validate` | `Validated` | `init` |
//! | [`Primed`] | `init` | `Initialized` | `start` |
//! | [`Active`] | `start` | `Running` (until the runtime API stops one) | `stop` |
//! | [`Halted`] | `stop` | `Stopped` | `start` or `shutdown` |

mod sealed {
    pub trait Sealed {}
}

/// A phase of the [`PluginManager`](crate::PluginManager). This trait is sealed: the phases
/// are exactly [`Assembled`], [`Vetted`], [`Primed`], [`Active`] and [`Halted`].
pub trait Phase: sealed::Sealed + Send + Sync + 'static {
    /// The phase's name, for logs.
    const NAME: &'static str;
}

macro_rules! phases {
    ($($(#[$doc:meta])* $phase:ident = $name:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $phase {}
        impl sealed::Sealed for $phase {}
        impl Phase for $phase {
            const NAME: &'static str = $name;
        }
    )*};
}

phases! {
    /// Every enabled plugin has been created by its factory; duplicates and failed factories
    /// are excluded. Next: [`validate`](crate::PluginManager::validate).
    Assembled = "assembled";
    /// Dependencies are resolved and every live plugin passed `validate`. Next:
    /// [`init`](crate::PluginManager::init).
    Vetted = "vetted";
    /// Every live plugin holds its resources. Next: [`start`](crate::PluginManager::start).
    Primed = "primed";
    /// Every live plugin is running; the runtime API is available. Next:
    /// [`stop`](crate::PluginManager::stop).
    Active = "active";
    /// Every plugin is stopped. Next: [`start`](crate::PluginManager::start) again or
    /// [`shutdown`](crate::PluginManager::shutdown).
    Halted = "halted";
}

/// Phases from which [`validate`](crate::PluginManager::validate) can be called.
#[diagnostic::on_unimplemented(
    message = "plugins can only be validated right after discovery, not in the `{Self}` phase",
    label = "`validate()` needs a `PluginManager<Assembled>`",
    note = "call `PluginManager::discover()` (or `from_entries`) and then `.validate()`"
)]
pub trait CanValidate: Phase {}
impl CanValidate for Assembled {}

/// Phases from which [`init`](crate::PluginManager::init) can be called.
#[diagnostic::on_unimplemented(
    message = "plugins can only be initialized once validated, not in the `{Self}` phase",
    label = "`init()` needs a `PluginManager<Vetted>`",
    note = "call `.validate()` first"
)]
pub trait CanInit: Phase {}
impl CanInit for Vetted {}

/// Phases from which [`start`](crate::PluginManager::start) can be called.
#[diagnostic::on_unimplemented(
    message = "plugins can only be started once initialized (or after a stop), not in the `{Self}` phase",
    label = "`start()` needs a `PluginManager<Primed>` or `PluginManager<Halted>`",
    note = "call `.validate()` and then `.init()` first"
)]
pub trait CanStart: Phase {}
impl CanStart for Primed {}
impl CanStart for Halted {}

/// Phases from which [`stop`](crate::PluginManager::stop) can be called.
#[diagnostic::on_unimplemented(
    message = "only running plugins can be stopped, not plugins in the `{Self}` phase",
    label = "`stop()` needs a `PluginManager<Active>`",
    note = "call `.start()` first, or `.shutdown()` to end the lifecycle from here"
)]
pub trait CanStop: Phase {}
impl CanStop for Active {}
