use plugin_factory::{Plugin, plugin};

#[plugin(required = true)]
#[derive(Default)]
struct Database;

impl Plugin for Database {}

fn main() {}
