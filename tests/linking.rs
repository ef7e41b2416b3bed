//! Plugins defined in another crate are found once the host links that crate: here with
//! `link_plugins!()`, which links every plugin crate the package's build script found among its
//! dependencies (`link_plugins!(example_plugins)` in the other tests names it by hand). CI runs
//! this file on both backends, in debug and in release with fat LTO.

use plugin_factory::{PluginManager, PluginState, registry};

plugin_factory::link_plugins!();

#[test]
fn every_plugin_of_a_linked_crate_is_registered() {
    let mut names: Vec<_> = registry::entries().map(|entry| entry.name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["audit-log", "clock", "greeter", "kv-store"]);
}

#[test]
fn no_plugin_crate_is_left_unlinked() {
    assert_eq!(registry::unlinked_crates(), []);
    let manager = PluginManager::discover().unwrap();
    assert!(manager.report().unlinked_crates().is_empty());
}

#[test]
fn metadata_comes_from_the_annotation_and_the_defining_crate() {
    let entry = registry::entries()
        .find(|entry| entry.name() == "audit-log")
        .unwrap();
    let metadata = entry.metadata();
    assert_eq!(metadata.version(), "0.1.0");
    assert_eq!(metadata.package(), "example-plugins");
    assert_eq!(
        metadata.description(),
        "Keeps an audit trail of what it is told and of its own lifecycle, in memory and in the key-value store it depends on."
    );
    assert_eq!(
        metadata.location().module_path(),
        "example_plugins::audit_log"
    );
    assert!(metadata.location().file().ends_with("audit_log.rs"));
    assert!(metadata.location().line() > 0);
    let dependencies: Vec<_> = metadata
        .dependencies()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(dependencies, ["kv-store >=0.1"]);
    assert!(!metadata.is_required());
}

#[test]
fn the_global_registry_runs_the_whole_lifecycle() {
    let running = PluginManager::discover()
        .and_then(|manager| manager.validate()?.init()?.start())
        .unwrap();
    assert_eq!(
        running.live(),
        ["clock", "greeter", "kv-store", "audit-log"]
    );
    let report = running.stop().shutdown();
    assert_eq!(report.in_state(PluginState::Shutdown).count(), 4);
}
