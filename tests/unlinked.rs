//! What happens when a host misses a plugin crate. `example-plugins` is a dependency of this
//! package, but this test never names it, so rustc does not pass it to the linker and none of
//! its plugins are registered, on either backend. The package's build script knows its plugin
//! crates, so the `link_plugins!` line below (which names only `log`, a crate without plugins,
//! as a host that lists its crates by hand and forgot one) records what to expect, and
//! discovery names the missing crate and the line that fixes it. CI runs this file on both
//! backends, in debug and in release with fat LTO.

use plugin_factory::PluginManager;
use plugin_factory::registry::{self, UnlinkedCrate};

plugin_factory::link_plugins!(log);

#[test]
fn a_crate_that_is_never_named_contributes_no_plugins() {
    let names: Vec<_> = registry::entries().map(|entry| entry.name()).collect();
    assert!(names.is_empty(), "unexpectedly registered: {names:?}");
}

#[test]
fn the_registry_names_the_crate_that_was_missed() {
    let unlinked = registry::unlinked_crates();
    let names: Vec<_> = unlinked
        .iter()
        .map(|missed| (missed.package(), missed.crate_name()))
        .collect();
    assert_eq!(names, [("example-plugins", "example_plugins")]);
}

#[test]
fn discovery_reports_it_with_the_line_that_fixes_it() {
    let manager = PluginManager::discover().unwrap();
    let report = manager.report();
    let unlinked: Vec<_> = report
        .unlinked_crates()
        .iter()
        .map(UnlinkedCrate::package)
        .collect();
    assert_eq!(unlinked, ["example-plugins"]);
    let table = report.to_string();
    assert!(
        table.contains(
            "unlinked: dependency `example-plugins` registers plugins but none is linked into \
             this binary: add `plugin_factory::link_plugins!(example_plugins);`"
        ),
        "{table}"
    );
}

#[test]
fn a_manager_built_from_chosen_entries_expects_no_crate() {
    let manager = PluginManager::from_entries([]).unwrap();
    assert!(manager.report().unlinked_crates().is_empty());
}
