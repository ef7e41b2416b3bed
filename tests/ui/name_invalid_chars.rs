use plugin_factory::{Plugin, plugin};

#[plugin(name = "Kv_Store")]
#[derive(Default)]
struct KvStore;

impl Plugin for KvStore {}

fn main() {}
