use plugin_factory::{Configurable, Context, Plugin, PluginError, plugin};

#[derive(serde::Deserialize)]
struct CacheConfig {
    capacity: usize,
}

#[plugin(config = CacheConfig)]
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

fn main() {}
