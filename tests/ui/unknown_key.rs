use plugin_factory::{Plugin, plugin};

#[plugin(name = "cache", author = "me")]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

fn main() {}
