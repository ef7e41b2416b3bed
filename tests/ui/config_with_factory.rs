use plugin_factory::{Configurable, Context, Plugin, PluginError, plugin};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct CacheConfig {
    capacity: usize,
}

#[plugin(config = CacheConfig, factory = Cache::new)]
struct Cache {
    capacity: usize,
}

impl Cache {
    fn new() -> Self {
        Self { capacity: 16 }
    }
}

impl Plugin for Cache {}

impl Configurable<CacheConfig> for Cache {
    fn from_config(config: CacheConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            capacity: config.capacity,
        })
    }
}

fn main() {
    let _ = Cache::new().capacity;
}
