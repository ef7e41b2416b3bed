use plugin_factory::{Plugin, plugin};

#[plugin(factory = "make_cache")]
struct Cache {
    capacity: usize,
}

impl Plugin for Cache {}

fn make_cache() -> Cache {
    Cache { capacity: 16 }
}

fn main() {
    let _ = make_cache().capacity;
}
