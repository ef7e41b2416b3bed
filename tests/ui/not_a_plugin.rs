use plugin_factory::plugin;

#[plugin]
#[derive(Default)]
struct Cache;

fn main() {}
