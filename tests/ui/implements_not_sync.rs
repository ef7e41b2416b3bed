use std::cell::Cell;

use plugin_factory::{Plugin, plugin};

pub trait OnRequest: Send + Sync {
    fn on_request(&self, path: &str);
}

/// A `Cell` is not `Sync`: calls on other threads could not share the instance.
#[plugin(implements = [OnRequest])]
#[derive(Default)]
struct Counter {
    hits: Cell<u64>,
}

impl Plugin for Counter {}

impl OnRequest for Counter {
    fn on_request(&self, _: &str) {
        self.hits.set(self.hits.get() + 1);
    }
}

fn main() {}
