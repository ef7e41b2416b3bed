//! What the behaviour tests share: the probe (a plugin that does nothing of its own), entries
//! made by hand and kept for the binary's life, the test kinds (`kinds`, `points`), and faults
//! named after their hook. A test watches its plugins and injects faults through its own
//! `testing::Harness`, so tests running in parallel never see each other's.

pub(crate) mod kinds;
pub(crate) mod points;

use std::sync::{Mutex, PoisonError};

use plugin_factory::phase::Active;
use plugin_factory::policy::OnFailure;
use plugin_factory::registry::PluginMetadata;
use plugin_factory::registry::{Dependency, PluginEntry};
use plugin_factory::report::Hook;
use plugin_factory::testing;
use plugin_factory::{Context, ManagerBuilder, Plugin, PluginManager};

/// A plugin that does nothing of its own: a test watches it, and makes it fail, through its
/// `testing::Harness` (`calls`, `dropped`, `inject`).
#[derive(Debug)]
pub(crate) struct Probe {
    name: &'static str,
}

impl Probe {
    /// The factory every probe entry uses.
    pub(crate) fn create(ctx: &Context<'_>) -> Box<dyn Plugin> {
        Box::new(Probe { name: ctx.kind() })
    }

    /// The plugin's name.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }
}

impl Plugin for Probe {}

/// The entries tests build by hand. A manager needs `&'static` entries, so they live as long as
/// the test binary; keeping them here (rather than only leaking them) keeps them reachable, so
/// that the leak checker CI runs the tests under reports no loss.
static FIXTURES: Mutex<Vec<&'static PluginEntry>> = Mutex::new(Vec::new());

/// `entry`, for the rest of the test binary's life.
pub(crate) fn keep(entry: PluginEntry) -> &'static PluginEntry {
    let entry: &'static PluginEntry = Box::leak(Box::new(entry));
    FIXTURES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(entry);
    entry
}

/// An entry for a probe called `name` that depends on `dependencies` (`"db"`, `"db >=2"`, or
/// `"every db"` for every instance of the kind).
pub(crate) fn probe(name: &'static str, dependencies: &[&'static str]) -> &'static PluginEntry {
    probe_with(PluginMetadata::new(name, "1.0.0"), dependencies)
}

/// Like [`probe`], but required (`on_failure = "fail"`).
pub(crate) fn required_probe(
    name: &'static str,
    dependencies: &[&'static str],
) -> &'static PluginEntry {
    probe_with(
        PluginMetadata::new(name, "1.0.0").with_on_failure(OnFailure::Fail),
        dependencies,
    )
}

/// A probe with the given metadata, plus `dependencies`.
pub(crate) fn probe_with(
    metadata: PluginMetadata,
    dependencies: &[&'static str],
) -> &'static PluginEntry {
    let dependencies: Vec<Dependency> = dependencies
        .iter()
        .map(|spec| match spec.split_once(' ') {
            Some(("every", kind)) => Dependency::every(kind),
            Some((name, requirement)) => Dependency::new(name, requirement),
            None => Dependency::new(spec, ""),
        })
        .collect();
    let metadata = metadata.with_dependencies(dependencies.leak());
    keep(PluginEntry::new(metadata, Probe::create))
}

/// An error in `hook`, for `Harness::inject`: the message names the hook.
pub(crate) fn fails(hook: Hook) -> testing::Fault {
    testing::Fault::error(format!("scripted {hook} error"))
}

/// A panic in `hook`, for `Harness::inject`: the message names the hook.
pub(crate) fn panics(hook: Hook) -> testing::Fault {
    testing::Fault::panic(format!("scripted {hook} panic"))
}

/// A manager of `entries` taken through discover, validate, init and start.
pub(crate) fn start_all(
    entries: impl IntoIterator<Item = &'static PluginEntry>,
) -> PluginManager<Active> {
    start_with(PluginManager::builder().entries(entries))
}

/// The manager `builder` makes, taken through discover, validate, init and start.
pub(crate) fn start_with(builder: ManagerBuilder) -> PluginManager<Active> {
    builder
        .discover()
        .unwrap()
        .validate()
        .unwrap()
        .init()
        .unwrap()
        .start()
        .unwrap()
}

/// The example binary `name`, which `cargo test --workspace` builds beside the test binaries.
pub(crate) fn example(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --example {name}` (cargo test --workspace builds it)",
        path.display()
    );
    path
}
