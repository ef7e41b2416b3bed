//! The `kv-store` plugin.

use std::collections::BTreeMap;

use plugin_factory::{Configurable, Context, Plugin, PluginError, Reconfigure, plugin};

/// How a key-value store is configured.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KvStoreConfig {
    /// How many keys the store holds at most.
    pub capacity: usize,
}

impl Default for KvStoreConfig {
    fn default() -> Self {
        Self { capacity: 1024 }
    }
}

/// An in-memory key-value store that other plugins can depend on. Several instances can run,
/// each with its own capacity.
#[plugin(name = "kv-store", config = KvStoreConfig)]
#[derive(Debug)]
pub struct KvStore {
    entries: BTreeMap<String, String>,
    capacity: usize,
}

impl Configurable<KvStoreConfig> for KvStore {
    fn from_config(config: KvStoreConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            entries: BTreeMap::new(),
            capacity: config.capacity,
        })
    }

    /// A larger capacity applies in place; one smaller than what is stored cannot, and the
    /// store starts afresh.
    fn reconfigure(
        &mut self,
        config: KvStoreConfig,
        ctx: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        if config.capacity < self.entries.len() {
            log::info!(target: ctx.log_target(), "capacity {} is below the {} stored entries: restarting", config.capacity, self.entries.len());
            return Ok(Reconfigure::Restart);
        }
        self.capacity = config.capacity;
        Ok(Reconfigure::Applied)
    }
}

impl KvStore {
    /// Stores `value` under `key`, returning the previous value; a new key beyond the
    /// capacity is refused.
    pub fn set(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Option<String>, PluginError> {
        let key = key.into();
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            return Err(PluginError::msg(format!(
                "the store is full ({} keys)",
                self.capacity
            )));
        }
        Ok(self.entries.insert(key, value.into()))
    }

    /// How many keys the store holds at most.
    pub fn capacity(&self) -> usize {
        self.capacity
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
        self.set("kv-store.version", ctx.metadata().version())?;
        Ok(())
    }

    fn shutdown(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        log::info!(target: ctx.log_target(), "releasing {} entries", self.entries.len());
        println!("[{}] released {} entries", ctx.name(), self.entries.len());
        self.entries.clear();
        Ok(())
    }
}
