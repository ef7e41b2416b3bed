use plugin_factory::{Plugin, plugin};

#[plugin(on_failure = retry(attempts = 0))]
#[derive(Default)]
struct Database;

impl Plugin for Database {}

fn main() {}
