use plugin_factory::{Plugin, plugin};

// Without `name = "..."` the name is the struct's in kebab-case, which must be ASCII.
#[plugin]
#[derive(Default)]
struct Größe;

impl Plugin for Größe {}

fn main() {}
