//! The baselines: the hand-written limit (a static array, a `Vec<Box<dyn HandPlugin>>`, plain
//! loops) and the raw `linkme` and `inventory` registries holding the same plugins.

use std::any::Any;
use std::collections::HashMap;

use plugin_factory::PluginError;

/// The trait of the hand-written baseline: the same five hooks as `plugin_factory::Plugin`,
/// without the context (a hand-written host has no manager to describe the plugin).
pub trait HandPlugin: Any + Send {
    /// Checks that the plugin can run.
    fn validate(&self) -> Result<(), PluginError> {
        Ok(())
    }
    /// Acquires resources.
    fn init(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
    /// Begins work.
    fn start(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
    /// Ends work.
    fn stop(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
    /// Releases resources.
    fn shutdown(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

/// Creates a boxed `T`: the factory of every hand-written and raw entry.
pub fn make<T: HandPlugin + Default>() -> Box<dyn HandPlugin> {
    Box::new(T::default())
}

/// One entry of the hand-written static array.
#[derive(Debug, Clone, Copy)]
pub struct HandEntry {
    /// The plugin's name.
    pub name: &'static str,
    /// Creates it.
    pub factory: fn() -> Box<dyn HandPlugin>,
}

impl HandEntry {
    /// An entry.
    pub const fn new(name: &'static str, factory: fn() -> Box<dyn HandPlugin>) -> Self {
        Self { name, factory }
    }
}

/// One raw `linkme` entry: the same two fields as [`HandEntry`].
#[derive(Debug)]
pub struct RawEntry {
    /// The plugin's name.
    pub name: &'static str,
    /// Creates it.
    pub factory: fn() -> Box<dyn HandPlugin>,
}

impl RawEntry {
    /// An entry.
    pub const fn new(name: &'static str, factory: fn() -> Box<dyn HandPlugin>) -> Self {
        Self { name, factory }
    }
}

/// The raw `linkme` registry: the generated sets add one [`RawEntry`] per plugin.
#[linkme::distributed_slice]
pub static RAW_LINKME: [RawEntry];

/// One raw `inventory` entry: the same two fields as [`HandEntry`].
#[derive(Debug)]
pub struct RawInventoryEntry {
    /// The plugin's name.
    pub name: &'static str,
    /// Creates it.
    pub factory: fn() -> Box<dyn HandPlugin>,
}

impl RawInventoryEntry {
    /// An entry.
    pub const fn new(name: &'static str, factory: fn() -> Box<dyn HandPlugin>) -> Self {
        Self { name, factory }
    }
}

inventory::collect!(RawInventoryEntry);

/// Which hand-written plugin failed which hook.
pub type HandFailure = (&'static str, &'static str, PluginError);

/// P1 by hand: create every plugin of `entries` (already in dependency order), then validate,
/// init and start them in that order, stop and shut them down in reverse, and drop them in
/// reverse. The first error ends the run, as a careful hand-written host would. Returns how
/// many plugins went through.
pub fn hand_lifecycle(entries: &'static [HandEntry]) -> Result<usize, HandFailure> {
    let mut plugins: Vec<Box<dyn HandPlugin>> = Vec::with_capacity(entries.len());
    for entry in entries {
        plugins.push((entry.factory)());
    }
    run_hooks(entries, &mut plugins)?;
    let n = plugins.len();
    while let Some(plugin) = plugins.pop() {
        drop(plugin);
    }
    Ok(n)
}

/// [`hand_lifecycle`] plus a `HashMap<&str, usize>` from name to index, built before the
/// plugins are created: the hand-written reference of the figures (collect, name map,
/// instantiate, hooks, drop).
pub fn hand_lifecycle_with_name_map(entries: &'static [HandEntry]) -> Result<usize, HandFailure> {
    let mut index = HashMap::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        index.insert(entry.name, i);
    }
    let n = hand_lifecycle(entries)?;
    Ok(n.min(std::hint::black_box(index).len()))
}

fn run_hooks(
    entries: &'static [HandEntry],
    plugins: &mut [Box<dyn HandPlugin>],
) -> Result<(), HandFailure> {
    let fail = |i: usize, hook: &'static str| move |error| (entries[i].name, hook, error);
    for (i, plugin) in plugins.iter().enumerate() {
        plugin.validate().map_err(fail(i, "validate"))?;
    }
    for (i, plugin) in plugins.iter_mut().enumerate() {
        plugin.init().map_err(fail(i, "init"))?;
    }
    for (i, plugin) in plugins.iter_mut().enumerate() {
        plugin.start().map_err(fail(i, "start"))?;
    }
    for (i, plugin) in plugins.iter_mut().enumerate().rev() {
        plugin.stop().map_err(fail(i, "stop"))?;
    }
    for (i, plugin) in plugins.iter_mut().enumerate().rev() {
        plugin.shutdown().map_err(fail(i, "shutdown"))?;
    }
    Ok(())
}

/// The live set of the hand-written baseline for P2 and P3: the plugins, started, in a
/// `Vec<Box<dyn HandPlugin>>`, and a `HashMap<&str, usize>` from name to index.
pub struct HandLive {
    plugins: Vec<Box<dyn HandPlugin>>,
    index: HashMap<&'static str, usize>,
}

impl HandLive {
    /// Creates, validates, inits and starts every plugin of `entries`.
    pub fn start(entries: &'static [HandEntry]) -> Self {
        let mut plugins: Vec<Box<dyn HandPlugin>> = entries.iter().map(|e| (e.factory)()).collect();
        for plugin in &mut plugins {
            plugin.validate().expect("no-op validate");
            plugin.init().expect("no-op init");
            plugin.start().expect("no-op start");
        }
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name, i))
            .collect();
        Self { plugins, index }
    }

    /// The live plugins, for P2's direct loop.
    pub fn plugins_mut(&mut self) -> &mut [Box<dyn HandPlugin>] {
        &mut self.plugins
    }

    /// The plugin called `name` as a `T`: hash-map lookup, index, downcast.
    #[inline]
    pub fn get_mut<T: HandPlugin>(&mut self, name: &str) -> Option<&mut T> {
        let &i = self.index.get(name)?;
        let plugin: &mut dyn Any = self.plugins[i].as_mut();
        plugin.downcast_mut()
    }
}

impl std::fmt::Debug for HandLive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandLive")
            .field("plugins", &self.plugins.len())
            .finish_non_exhaustive()
    }
}
