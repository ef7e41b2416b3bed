use plugin_factory::{Plugin, plugin};

#[plugin(implements = [])]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

fn main() {}
