//! The `kv-store` plugin, and the [`Storage`] service it provides to the plugins that depend on
//! it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};

use plugin_factory::{Configurable, Context, Health, Plugin, PluginError, Reconfigure, plugin};

/// A key-value storage service: what `kv-store` provides in `init`, under `dyn Storage`.
///
/// A plugin that declares `depends_on = ["kv-store"]` takes it with
/// `ctx.service::<dyn Storage>("kv-store")`; the host with
/// `manager.service::<dyn Storage>("kv-store")`.
pub trait Storage: Send + Sync {
    /// Stores `value` under `key`; a new key beyond the capacity is refused.
    fn put(&self, key: &str, value: &str) -> Result<(), PluginError>;
    /// The value under `key`.
    fn get(&self, key: &str) -> Option<String>;
    /// How many keys are stored.
    fn len(&self) -> usize;
    /// Whether nothing is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The entries of one store, shared between the plugin and the users of its service.
#[derive(Debug)]
struct Entries {
    map: Mutex<BTreeMap<String, String>>,
    capacity: AtomicUsize,
}

impl Entries {
    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, key: String, value: String) -> Result<Option<String>, PluginError> {
        let mut map = self.map();
        let capacity = self.capacity.load(Relaxed);
        if map.len() >= capacity && !map.contains_key(&key) {
            return Err(PluginError::msg(format!(
                "the store is full ({capacity} keys)"
            )));
        }
        Ok(map.insert(key, value))
    }
}

impl Storage for Entries {
    fn put(&self, key: &str, value: &str) -> Result<(), PluginError> {
        self.insert(key.to_owned(), value.to_owned()).map(drop)
    }

    fn get(&self, key: &str) -> Option<String> {
        self.map().get(key).cloned()
    }

    fn len(&self) -> usize {
        self.map().len()
    }
}

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
    entries: Arc<Entries>,
}

impl Configurable<KvStoreConfig> for KvStore {
    fn from_config(config: KvStoreConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            entries: Arc::new(Entries {
                map: Mutex::new(BTreeMap::new()),
                capacity: AtomicUsize::new(config.capacity),
            }),
        })
    }

    /// A larger capacity applies in place; one smaller than what is stored cannot, and the
    /// store starts afresh.
    fn reconfigure(
        &mut self,
        config: KvStoreConfig,
        ctx: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        let stored = self.len();
        if config.capacity < stored {
            log::info!(target: ctx.log_target(), "capacity {} is below the {stored} stored entries: restarting", config.capacity);
            return Ok(Reconfigure::Restart);
        }
        self.entries.capacity.store(config.capacity, Relaxed);
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
        self.entries.insert(key.into(), value.into())
    }

    /// How many keys the store holds at most.
    pub fn capacity(&self) -> usize {
        self.entries.capacity.load(Relaxed)
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.entries.get(key)
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
        let storage: Arc<dyn Storage> = self.entries.clone();
        ctx.provide(storage)?;
        Ok(())
    }

    /// Degraded from 90% of the capacity, unhealthy when full.
    fn health(&self, _: &Context<'_>) -> Health {
        let (stored, capacity) = (self.len(), self.capacity());
        if stored >= capacity {
            Health::unhealthy(format!("full ({capacity} keys)"))
        } else if stored * 10 >= capacity * 9 {
            Health::degraded(format!("{stored} of {capacity} keys used"))
        } else {
            Health::Healthy
        }
    }

    fn shutdown(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        let released = self.len();
        log::info!(target: ctx.log_target(), "releasing {released} entries");
        crate::say!("[{}] released {released} entries", ctx.name());
        self.entries.map().clear();
        Ok(())
    }
}
