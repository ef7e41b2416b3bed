use plugin_factory::{Plugin, plugin};

#[plugin(factory = make_store)]
struct Cache {
    capacity: usize,
}

impl Plugin for Cache {}

struct Store;

fn make_store() -> Store {
    Store
}

fn main() {
    let _ = Cache { capacity: 16 }.capacity;
}
