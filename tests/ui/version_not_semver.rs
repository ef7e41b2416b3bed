use plugin_factory::{Plugin, plugin};

#[plugin(version = "1.0")]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

fn main() {}
