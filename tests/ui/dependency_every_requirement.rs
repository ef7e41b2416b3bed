use plugin_factory::{Plugin, plugin};

#[plugin(depends_on = ["clock", "every sink >=1.0"])]
#[derive(Default)]
struct Producer;

impl Plugin for Producer {}

fn main() {}
