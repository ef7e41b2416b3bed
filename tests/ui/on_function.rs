use plugin_factory::plugin;

#[plugin]
fn cache() {}

fn main() {
    cache();
}
