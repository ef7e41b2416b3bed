use plugin_factory::{Plugin, plugin};

pub trait OnRequest: Send + Sync {
    fn on_request(&self, path: &str);
}

#[plugin(implements = [OnRequest(after = ["cache"])])]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

impl OnRequest for Cache {
    fn on_request(&self, _: &str) {}
}

fn main() {}
