//! The typestate phases of [`PluginManager`](crate::PluginManager): zero-sized markers behind a
//! sealed trait, plus one bound per transition whose diagnostic says what to call first.

mod sealed {
    pub trait Sealed {}
}

/// A phase of the [`PluginManager`](crate::PluginManager). This trait is sealed: the phases
/// are exactly [`Discovered`], [`Validated`], [`Initialized`], [`Running`] and [`Stopped`].
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
    Discovered = "discovered";
    /// Dependencies are resolved and every live plugin passed `validate`. Next:
    /// [`init`](crate::PluginManager::init).
    Validated = "validated";
    /// Every live plugin holds its resources. Next: [`start`](crate::PluginManager::start).
    Initialized = "initialized";
    /// Every live plugin is running; the runtime API is available. Next:
    /// [`stop`](crate::PluginManager::stop).
    Running = "running";
    /// Every plugin is stopped. Next: [`start`](crate::PluginManager::start) again or
    /// [`shutdown`](crate::PluginManager::shutdown).
    Stopped = "stopped";
}

/// Phases from which [`validate`](crate::PluginManager::validate) can be called.
#[diagnostic::on_unimplemented(
    message = "plugins can only be validated right after discovery, not in the `{Self}` phase",
    label = "`validate()` needs a `PluginManager<Discovered>`",
    note = "call `PluginManager::discover()` (or `from_entries`) and then `.validate()`"
)]
pub trait CanValidate: Phase {}
impl CanValidate for Discovered {}

/// Phases from which [`init`](crate::PluginManager::init) can be called.
#[diagnostic::on_unimplemented(
    message = "plugins can only be initialized once validated, not in the `{Self}` phase",
    label = "`init()` needs a `PluginManager<Validated>`",
    note = "call `.validate()` first"
)]
pub trait CanInit: Phase {}
impl CanInit for Validated {}

/// Phases from which [`start`](crate::PluginManager::start) can be called.
#[diagnostic::on_unimplemented(
    message = "plugins can only be started once initialized (or after a stop), not in the `{Self}` phase",
    label = "`start()` needs a `PluginManager<Initialized>` or `PluginManager<Stopped>`",
    note = "call `.validate()` and then `.init()` first"
)]
pub trait CanStart: Phase {}
impl CanStart for Initialized {}
impl CanStart for Stopped {}

/// Phases from which [`stop`](crate::PluginManager::stop) can be called.
#[diagnostic::on_unimplemented(
    message = "only running plugins can be stopped, not plugins in the `{Self}` phase",
    label = "`stop()` needs a `PluginManager<Running>`",
    note = "call `.start()` first, or `.shutdown()` to end the lifecycle from here"
)]
pub trait CanStop: Phase {}
impl CanStop for Running {}
