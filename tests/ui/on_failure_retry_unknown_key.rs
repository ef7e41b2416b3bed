use plugin_factory::{Plugin, plugin};

#[plugin(on_failure = retry(tries = 2))]
#[derive(Default)]
struct Database;

impl Plugin for Database {}

fn main() {}
