use plugin_factory::{Plugin, plugin};

#[plugin(timeout_ms = 5000000000)]
#[derive(Default)]
struct Database;

impl Plugin for Database {}

fn main() {}
