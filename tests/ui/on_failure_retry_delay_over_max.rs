use plugin_factory::{Plugin, plugin};

#[plugin(on_failure = retry(delay_ms = 500, max_delay_ms = 100))]
#[derive(Default)]
struct Database;

impl Plugin for Database {}

fn main() {}
