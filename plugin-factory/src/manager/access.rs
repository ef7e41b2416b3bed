//! Reaching the plugins of an [`Active`] manager, on one grid:
//!
//! | reaches | shared (`&self`), for a closure, locked | owner (`&mut self`), borrowed, no lock |
//! |---|---|---|
//! | by name, as `T` | [`with_plugin`](PluginManager::with_plugin) | [`plugin_mut`](PluginManager::plugin_mut) |
//! | by name, as `dyn Plugin` | [`with_plugin_dyn`](PluginManager::with_plugin_dyn) | [`plugin_dyn_mut`](PluginManager::plugin_dyn_mut) |
//! | by type `T` | [`with_plugin_by_type`](PluginManager::with_plugin_by_type) | [`plugin_by_type_mut`](PluginManager::plugin_by_type_mut) |
//! | every running plugin | | [`for_each_running_mut`](PluginManager::for_each_running_mut) |
//!
//! `with_` runs a closure while the plugin is locked; `_mut` borrows it from the owner; `_dyn`
//! gives `&mut dyn Plugin` instead of the concrete type; `_by_type` finds the plugin by its
//! type instead of its name.
//!
//! A borrow answers `Option`, like every lookup of the manager (`state`, `info`) and like
//! `HashMap::get_mut`: `None` when no live plugin of that name and type exists, and nothing else
//! to say, so the hot path builds no error. A closure access answers `Result`: it can also be
//! refused (re-entry), it carries the closure's value, and its [`Error`] says why the plugin could
//! not be reached (not registered, not live, another type).

use std::any::{Any, type_name};

use super::PluginManager;
use super::phase::Active;
use crate::contract::Plugin;
use crate::error::Error;
use crate::runtime::Name;

/// Shared access, closure-scoped on purpose: the plugin is locked only while the closure runs,
/// so no caller can keep a guard across long work by mistake, and the borrow cannot escape.
/// Inside the closure, other accessors and control operations on the same manager return
/// [`Error::Reentrant`] instead of deadlocking; queries, and other managers, are fine.
impl PluginManager<Active> {
    /// Runs `f` on the plugin called `name`, as its concrete type `T`.
    ///
    /// ```
    /// use example_plugins::kv_store::KvStore;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
    /// let stored = manager.with_plugin("kv-store", |kv: &mut KvStore| kv.set("answer", "42"))?;
    /// assert!(stored.is_ok(), "the store had room");
    /// let answer = manager.with_plugin("kv-store", |kv: &mut KvStore| kv.get("answer"))?;
    /// assert_eq!(answer.as_deref(), Some("42"));
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn with_plugin<T: Plugin, R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, Error> {
        self.engine.with_instance(
            "with_plugin",
            |engine| engine.slot(name),
            |plugin, name| downcast(plugin, name).map(f),
        )
    }

    /// The old name of [`with_plugin`](Self::with_plugin), kept until 1.0 (see CHANGELOG.md).
    #[deprecated(since = "0.1.0", note = "renamed `with_plugin`")]
    pub fn with_named<T: Plugin, R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, Error> {
        self.with_plugin(name, f)
    }

    /// Runs `f` on the plugin called `name`, as `&mut dyn Plugin`.
    pub fn with_plugin_dyn<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut dyn Plugin) -> R,
    ) -> Result<R, Error> {
        self.engine.with_instance(
            "with_plugin_dyn",
            |engine| engine.slot(name),
            |plugin, _| Ok(f(plugin)),
        )
    }

    /// Runs `f` on the live plugin of type `T` (the first by name if several share it).
    /// Finding it looks at every live plugin: prefer [`with_plugin`](Self::with_plugin), which
    /// is O(1).
    pub fn with_plugin_by_type<T: Plugin, R>(
        &self,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, Error> {
        self.engine.with_instance(
            "with_plugin_by_type",
            |engine| {
                engine.slot_of_type::<T>().ok_or(Error::NoPluginOfType {
                    expected: type_name::<T>(),
                })
            },
            |plugin, name| downcast(plugin, name).map(f),
        )
    }
}

/// Owner access: the caller owns the manager, so nothing is locked. This is the path for hot
/// loops. A miss is `None`; [`info`](PluginManager::info) tells why.
impl PluginManager<Active> {
    /// The plugin called `name`, as its concrete type `T`; `None` if no such plugin is live or
    /// it is another type.
    ///
    /// ```
    /// use example_plugins::kv_store::KvStore;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let mut manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
    /// let kv = manager.plugin_mut::<KvStore>("kv-store").unwrap();
    /// assert!(kv.set("answer", "42").is_ok());
    /// assert!(manager.plugin_mut::<KvStore>("clock").is_none(), "another type");
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    #[inline]
    pub fn plugin_mut<T: Plugin>(&mut self, name: &str) -> Option<&mut T> {
        let plugin: &mut dyn Any = self.engine.instance_mut(name)?;
        plugin.downcast_mut()
    }

    /// The plugin called `name`, as `&mut dyn Plugin`; `None` if no such plugin is live.
    pub fn plugin_dyn_mut(&mut self, name: &str) -> Option<&mut dyn Plugin> {
        self.engine.instance_mut(name)
    }

    /// The live plugin of type `T` (the first by name if several share it). Finding it looks
    /// at every live plugin: prefer [`plugin_mut`](Self::plugin_mut), which is O(1).
    pub fn plugin_by_type_mut<T: Plugin>(&mut self) -> Option<&mut T> {
        let plugin: &mut dyn Any = self.engine.instance_of_type_mut::<T>()?;
        plugin.downcast_mut()
    }

    /// Calls `f` on every running plugin, in start order: the dispatch path for calling into
    /// every plugin.
    pub fn for_each_running_mut(&mut self, f: impl FnMut(&mut dyn Plugin)) {
        self.engine.for_each_running_mut(f);
    }
}

/// Downcasts `plugin`, the plugin called `name`, to `T`, or says it is another type.
#[inline]
fn downcast<'p, T: Plugin>(plugin: &'p mut dyn Plugin, name: &Name) -> Result<&'p mut T, Error> {
    let plugin: &mut dyn Any = plugin;
    plugin
        .downcast_mut::<T>()
        .ok_or_else(|| wrong_type(name, type_name::<T>()))
}

#[cold]
fn wrong_type(plugin: &Name, expected: &'static str) -> Error {
    Error::WrongType {
        plugin: *plugin,
        expected,
    }
}
