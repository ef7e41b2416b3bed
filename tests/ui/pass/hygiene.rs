//! The code `#[plugin]` generates does not shadow the caller's items: a factory may be called
//! `create`, and a struct may have a raw name.

use plugin_factory::{Plugin, plugin};

#[plugin(factory = create)]
struct Cache {
    capacity: usize,
}

fn create() -> Cache {
    Cache { capacity: 16 }
}

impl Plugin for Cache {}

/// The name is derived from the identifier without its `r#`.
#[plugin]
#[derive(Default)]
struct r#Clock;

impl Plugin for r#Clock {}

fn main() {
    let names: Vec<_> = plugin_factory::registry::entries()
        .map(|e| e.name())
        .collect();
    assert!(names.contains(&"cache"), "{names:?}");
    assert!(names.contains(&"clock"), "{names:?}");
    let _ = create().capacity;
}
