use std::cell::Cell;

use plugin_factory::{AsyncPlugin, plugin};

#[plugin]
#[derive(Default)]
struct Counter {
    count: Cell<u32>,
}

impl AsyncPlugin for Counter {}

fn main() {}
