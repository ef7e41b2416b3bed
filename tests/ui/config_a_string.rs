use plugin_factory::{Plugin, plugin};

#[plugin(config = "CacheConfig")]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

fn main() {}
