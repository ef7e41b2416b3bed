// `link_plugins!()` links what the build script found; a package without that build script is
// told how to add it, or to name its crates.
plugin_factory::link_plugins!();

fn main() {}
