use plugin_factory::{Plugin, plugin};

#[plugin(on_failure = retry)]
#[derive(Default)]
struct Database;

impl Plugin for Database {}

fn main() {}
