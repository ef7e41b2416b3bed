use plugin_factory::{Plugin, plugin};

pub trait OnRequest: Send + Sync {
    fn on_request(&self, path: &str);
}

pub trait Metrics: Send + Sync {
    fn count(&self) -> u64;
}

/// Implements `Metrics` but not `OnRequest`, which the annotation claims too.
#[plugin(implements = [Metrics, OnRequest])]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

impl Metrics for Cache {
    fn count(&self) -> u64 {
        0
    }
}

fn main() {}
