//! `config = Type` registers a plugin built from its config: the entry has a `ConfigSpec` for
//! the type, whose default is `C::default()` where `C: Default` and none otherwise. Generic
//! config types and `crate = ...` work too; nothing here deserializes.

use plugin_factory::{Configurable, Context, Plugin, PluginError, plugin};

/// Every key is optional, so a missing config is the `Default`.
#[derive(Debug, PartialEq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
struct CacheConfig {
    capacity: usize,
}

/// Holds entries.
#[plugin(config = CacheConfig, version = "1.0.0")]
struct Cache {
    capacity: usize,
}

impl Plugin for Cache {}

impl Configurable<CacheConfig> for Cache {
    fn from_config(config: CacheConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            capacity: config.capacity,
        })
    }
}

/// No `Default`: the address must be given.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct ServerConfig {
    address: String,
}

#[plugin(crate = ::plugin_factory, config = ServerConfig)]
struct Server {
    address: String,
}

impl Plugin for Server {}

impl Configurable<ServerConfig> for Server {
    fn from_config(config: ServerConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            address: config.address,
        })
    }
}

#[derive(Debug, PartialEq, Default, serde::Deserialize, schemars::JsonSchema)]
struct Settings<T> {
    level: T,
}

/// A generic config type, with a path.
#[plugin(config = self::Settings<u8>)]
struct Tuned {
    level: u8,
}

impl Plugin for Tuned {}

impl Configurable<Settings<u8>> for Tuned {
    fn from_config(config: Settings<u8>, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            level: config.level,
        })
    }
}

fn spec(name: &str) -> &'static plugin_factory::registry::ConfigSpec {
    plugin_factory::registry::entries()
        .find(|entry| entry.name() == name)
        .unwrap_or_else(|| panic!("{name} is registered"))
        .config()
        .unwrap_or_else(|| panic!("{name} has a config type"))
}

fn main() {
    let cache = spec("cache");
    assert!(
        cache.type_name().ends_with("CacheConfig"),
        "{}",
        cache.type_name()
    );
    let default = cache
        .default_value()
        .expect("`CacheConfig` has a `Default`");
    assert_eq!(
        default.downcast_ref::<CacheConfig>(),
        Some(&CacheConfig::default())
    );

    assert!(spec("server").default_value().is_none());

    let tuned = spec("tuned");
    assert!(
        tuned.type_name().ends_with("Settings<u8>"),
        "{}",
        tuned.type_name()
    );
    let default = tuned
        .default_value()
        .expect("`Settings<u8>` has a `Default`");
    assert_eq!(default.downcast_ref(), Some(&Settings::<u8>::default()));

    // The default builds an instance through `from_config`, with no deserialization.
    let entry = plugin_factory::registry::entries()
        .find(|entry| entry.name() == "cache")
        .unwrap();
    let plugin = entry.create("cache", cache.default_value()).unwrap();
    let plugin = (plugin as Box<dyn std::any::Any>)
        .downcast::<Cache>()
        .unwrap();
    assert_eq!(plugin.capacity, 0);
    assert!(entry.create("cache", None).is_err());

    let _ = (
        Server {
            address: String::new(),
        }
        .address,
        Tuned { level: 0 }.level,
    );
}
