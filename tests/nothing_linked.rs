//! A host that links no plugin crate at all: `example-plugins` is a dependency of this package
//! and its build script expects it, but this binary's code has no `link_plugins!` line, so
//! nothing records what to expect and nothing registers. Discovery says so, with the line that
//! fixes it. CI runs this file on both backends, in debug and in release with fat LTO.

use std::sync::{Mutex, PoisonError};

use plugin_factory::PluginManager;

/// Keeps every warning logged.
struct Warnings(Mutex<Vec<String>>);

impl log::Log for Warnings {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            kept.push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

static WARNINGS: Warnings = Warnings(Mutex::new(Vec::new()));

#[test]
fn discovery_says_that_nothing_is_linked_and_how_to_link_it() {
    log::set_logger(&WARNINGS).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    let manager = PluginManager::discover().unwrap();
    assert!(manager.report().plugins().is_empty());
    let warnings = WARNINGS.0.lock().unwrap_or_else(PoisonError::into_inner);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "plugin manager: no plugin is registered in this binary and no `link_plugins!` ran"
        ),
        "{warnings:?}"
    );
    assert!(
        warnings[0].contains("plugin_factory::link_plugins!();"),
        "{warnings:?}"
    );
}
