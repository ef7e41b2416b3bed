use plugin_factory::{Plugin, plugin};

#[plugin(name = "")]
#[derive(Default)]
struct Anonymous;

impl Plugin for Anonymous {}

fn main() {}
