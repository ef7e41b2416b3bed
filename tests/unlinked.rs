//! What happens without `link_plugins!`: `example-plugins` is a dependency of this package, but
//! this test never names it, so rustc does not pass it to the linker and none of its plugins
//! are registered, on either backend. This documents the pitfall `link_plugins!` exists for;
//! if a toolchain ever links unnamed dependencies, this test says so.

#[test]
fn a_crate_that_is_never_named_contributes_no_plugins() {
    let names: Vec<_> = plugin_factory::registry::entries()
        .map(|entry| entry.name())
        .collect();
    assert!(names.is_empty(), "unexpectedly registered: {names:?}");
}
