//! Test plugins whose faults each test scripts, and a journal of every hook they ran.
//!
//! Phase transitions and runtime operations run plugin code on the calling thread, so the
//! script and the journal are thread-local: tests running in parallel do not see each other.

pub(crate) mod kinds;
pub(crate) mod points;

use std::cell::RefCell;
use std::sync::{Mutex, PoisonError};

use plugin_factory::phase::Active;
use plugin_factory::policy::OnFailure;
use plugin_factory::registry::PluginMetadata;
use plugin_factory::registry::{Dependency, PluginEntry};
use plugin_factory::report::Hook;
use plugin_factory::{Context, ManagerBuilder, Plugin, PluginError, PluginManager};

/// How a scripted hook misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Return an error.
    Error,
    /// Panic.
    Panic,
}

thread_local! {
    /// Each fault with the number of calls it still applies to (`u32::MAX`: every call).
    static FAULTS: RefCell<Vec<(&'static str, Hook, Fault, u32)>> = const { RefCell::new(Vec::new()) };
    static JOURNAL: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Makes `hook` of the plugin called `name` misbehave from now on.
pub(crate) fn inject(name: &'static str, hook: Hook, fault: Fault) {
    inject_times(name, hook, fault, u32::MAX);
}

/// Makes the next `times` calls of `hook` of the plugin called `name` misbehave, then behave.
pub(crate) fn inject_times(name: &'static str, hook: Hook, fault: Fault, times: u32) {
    FAULTS.with_borrow_mut(|faults| faults.push((name, hook, fault, times)));
}

/// Makes the plugin behave again.
pub(crate) fn heal(name: &'static str) {
    FAULTS.with_borrow_mut(|faults| faults.retain(|(other, ..)| *other != name));
}

/// Takes the journal: `"name:hook"` for every hook that ran, `"name:drop"` for every drop.
pub(crate) fn journal() -> Vec<String> {
    JOURNAL.with_borrow_mut(std::mem::take)
}

/// The journal entries for one hook (or `"drop"`), as plugin names.
pub(crate) fn calls(journal: &[String], what: &str) -> Vec<String> {
    journal
        .iter()
        .filter_map(|entry| {
            let (name, hook) = entry.rsplit_once(':')?;
            (hook == what).then(|| name.to_owned())
        })
        .collect()
}

pub(crate) fn record(name: &str, what: &str) {
    JOURNAL.with_borrow_mut(|journal| journal.push(format!("{name}:{what}")));
}

/// The fault the script gives `hook` of the plugin called `name`, if any.
pub(crate) fn fault(name: &str, hook: Hook) -> Option<Fault> {
    FAULTS.with_borrow_mut(|faults| {
        let (.., fault, times) = faults
            .iter_mut()
            .find(|(other, h, _, times)| *other == name && *h == hook && *times > 0)?;
        if *times != u32::MAX {
            *times -= 1;
        }
        Some(*fault)
    })
}

fn scripted(name: &str, hook: Hook) -> Result<(), PluginError> {
    record(name, hook.as_str());
    match fault(name, hook) {
        None => Ok(()),
        Some(Fault::Error) => Err(format!("scripted {hook} error").into()),
        Some(Fault::Panic) => panic!("scripted {hook} panic"),
    }
}

/// A plugin that journals every hook and fails where the script says.
#[derive(Debug)]
pub(crate) struct Probe {
    name: &'static str,
}

impl Probe {
    /// The factory every probe entry uses.
    pub(crate) fn create(ctx: &Context<'_>) -> Box<dyn Plugin> {
        scripted(ctx.name(), Hook::Create).unwrap_or_else(|error| panic!("{error}"));
        Box::new(Probe { name: ctx.kind() })
    }

    /// The plugin's name.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }
}

impl Plugin for Probe {
    fn validate(&self, _: &Context<'_>) -> Result<(), PluginError> {
        scripted(self.name, Hook::Validate)
    }
    fn init(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        scripted(self.name, Hook::Init)
    }
    fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        scripted(self.name, Hook::Start)
    }
    fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        scripted(self.name, Hook::Stop)
    }
    fn shutdown(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        scripted(self.name, Hook::Shutdown)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        record(self.name, "drop");
    }
}

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

/// An entry for a probe called `name` that depends on `dependencies` (`"db"` or `"db >=2"`).
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
            Some((name, requirement)) => Dependency::new(name, requirement),
            None => Dependency::new(spec, ""),
        })
        .collect();
    let metadata = metadata.with_dependencies(dependencies.leak());
    keep(PluginEntry::new(metadata, Probe::create))
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
