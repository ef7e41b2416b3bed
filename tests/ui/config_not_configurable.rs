use plugin_factory::{Plugin, plugin};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct CacheConfig {
    capacity: usize,
}

#[plugin(config = CacheConfig)]
struct Cache {
    capacity: usize,
}

impl Plugin for Cache {}

fn main() {
    let _ = Cache { capacity: 16 }.capacity;
}
