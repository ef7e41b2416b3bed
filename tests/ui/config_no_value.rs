use plugin_factory::{Plugin, plugin};

#[plugin(name = "cache", config)]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

fn main() {}
