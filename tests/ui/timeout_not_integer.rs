use plugin_factory::{Plugin, plugin};

#[plugin(timeout_ms = "5s")]
#[derive(Default)]
struct Database;

impl Plugin for Database {}

fn main() {}
