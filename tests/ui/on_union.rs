use plugin_factory::{Plugin, plugin};

#[plugin]
union Bits {
    int: u32,
    float: f32,
}

impl Plugin for Bits {}

fn main() {}
