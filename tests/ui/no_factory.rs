use plugin_factory::{Plugin, plugin};

#[plugin]
struct Cache {
    capacity: usize,
}

impl Plugin for Cache {}

fn main() {
    let _ = Cache { capacity: 16 }.capacity;
}
