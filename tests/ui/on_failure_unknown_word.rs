use plugin_factory::{Plugin, plugin};

#[plugin(on_failure = "sometimes")]
#[derive(Default)]
struct Database;

impl Plugin for Database {}

fn main() {}
