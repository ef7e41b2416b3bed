//! Finds the plugin crates among this package's dependencies, for `link_plugins!()` in the host
//! example and for the unlinked-crate check in every test.

fn main() {
    plugin_factory_build::link_plugin_crates();
}
