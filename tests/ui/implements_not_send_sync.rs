use plugin_factory::{Plugin, plugin};

/// Calls share implementations between threads: an extension point needs `Send + Sync`
/// supertraits, which this one lacks.
pub trait OnRequest {
    fn on_request(&self, path: &str);
}

#[plugin(implements = [OnRequest])]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

impl OnRequest for Cache {
    fn on_request(&self, _: &str) {}
}

fn main() {}
