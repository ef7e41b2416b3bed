use plugin_factory::{Plugin, plugin};

#[plugin]
#[derive(Default)]
enum Mode {
    #[default]
    Fast,
    Safe,
}

impl Plugin for Mode {}

fn main() {}
