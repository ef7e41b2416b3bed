use plugin_factory::{Plugin, plugin};

#[plugin(name = "cache", version = "1.0.0", name = "store")]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

fn main() {}
