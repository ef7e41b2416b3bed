//! The `kv-store` plugin.

use std::collections::BTreeMap;

use plugin_factory::{Context, Plugin, PluginError, plugin};

/// An in-memory key-value store that other plugins can depend on.
#[plugin(name = "kv-store")]
#[derive(Debug, Default)]
pub struct KvStore {
    entries: BTreeMap<String, String>,
}

impl KvStore {
    /// Stores `value` under `key`, returning the previous value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.entries.insert(key.into(), value.into())
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// How many keys are stored.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Plugin for KvStore {
    fn init(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.set("kv-store.version", ctx.metadata().version());
        Ok(())
    }

    fn shutdown(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        log::info!(target: ctx.log_target(), "releasing {} entries", self.entries.len());
        println!("[kv-store] released {} entries", self.entries.len());
        self.entries.clear();
        Ok(())
    }
}
