//! A harness for testing plugins against the real manager (feature `testing`, for
//! dev-dependencies): choose the kinds, replace a kind's factory by a test double, inject an
//! error or a panic into a named hook of a named plugin, record every event, and compare the
//! report and the events with what the test expects, with a diff when they differ.
//!
//! ```
//! use plugin_factory::report::Hook;
//! use plugin_factory::testing::{Fault, Harness, assert_lines};
//! # plugin_factory::link_plugins!(example_plugins);
//!
//! let harness = Harness::kinds(&["kv-store", "audit-log"]);
//! harness.inject("kv-store", Hook::Start, Fault::error("disk full"));
//! let manager = harness.start()?;
//! assert_lines(
//!     &harness.report_lines(&manager.report()),
//!     "audit-log: excluded: depends on excluded \"kv-store\"
//!      kv-store: excluded: start failed: disk full",
//! );
//! assert!(harness.event_lines().contains("kv-store: start failed: disk full"));
//! # Ok::<(), plugin_factory::Error>(())
//! ```
//!
//! See `docs/testing.md` for a whole plugin crate's tests.

use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};

use similar::TextDiff;

use crate::config::Config;
use crate::contract::Health;
use crate::engine::observe::Event;
use crate::error::Error;
use crate::executor::Executor;
use crate::fault::{Faults, Target};
use crate::lifecycle::Hook;
use crate::manager::PluginManager;
use crate::manager::asynchronous::AsyncManager;
use crate::manager::builder::ManagerBuilder;
use crate::manager::phase::Active;
use crate::registry::{self, Factory, PluginEntry};
use crate::report::table::Report;

pub use crate::fault::{Fault, Seen};

/// What harnesses made that managers must be able to borrow for as long as the test binary
/// runs: replaced entries and fault tables. Kept reachable here rather than only leaked, so
/// that a leak checker running the tests reports no loss.
static KEPT: Mutex<Vec<&'static (dyn Any + Send + Sync)>> = Mutex::new(Vec::new());

fn keep<T: Any + Send + Sync>(value: T) -> &'static T {
    let value: &'static T = Box::leak(Box::new(value));
    lock(&KEPT).push(value);
    value
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Builds managers for a test: a chosen set of kinds, factory doubles, injected faults, and
/// every event recorded. Each manager it builds shares its faults and its event record.
pub struct Harness {
    entries: Vec<&'static PluginEntry>,
    faults: &'static Faults,
    config: Option<Config>,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Harness {
    /// Every kind linked into the test binary.
    pub fn new() -> Self {
        Self::entries(registry::entries())
    }

    /// Only these kinds, from the registry.
    ///
    /// # Panics
    ///
    /// If a name is not registered, naming the kinds that are (a test that asks for a kind
    /// it did not link cannot test anything).
    pub fn kinds(names: &[&str]) -> Self {
        let entries: Vec<_> = registry::entries()
            .filter(|entry| names.contains(&entry.name()))
            .collect();
        for name in names {
            if !entries.iter().any(|entry| entry.name() == *name) {
                let mut known: Vec<_> = registry::entries().map(PluginEntry::name).collect();
                known.sort_unstable();
                panic!(
                    "no kind {name:?} is registered in this test binary; registered: {known:?} \
                     (is its crate linked with `plugin_factory::link_plugins!`?)"
                );
            }
        }
        Self::entries(entries)
    }

    /// These entries (hand-made ones included).
    pub fn entries(entries: impl IntoIterator<Item = &'static PluginEntry>) -> Self {
        Self {
            entries: entries.into_iter().collect(),
            faults: keep(Faults::default()),
            config: None,
            events: Arc::default(),
        }
    }

    /// Builds `kind`'s instances with `factory` instead of its own, keeping its name, version,
    /// dependencies and failure policy: a test double. The double has no config type and
    /// implements no extension point (it is another type); give it the kind's behaviour the
    /// test needs.
    ///
    /// # Panics
    ///
    /// If `kind` is not among the harness's entries.
    pub fn replace(mut self, kind: &str, factory: Factory) -> Self {
        let Some(slot) = self.entries.iter_mut().find(|entry| entry.name() == kind) else {
            panic!("cannot replace {kind:?}: the harness has no such kind");
        };
        *slot = keep(PluginEntry::new(*slot.metadata(), factory));
        self
    }

    /// Runs the managers on `config` (see [`ManagerBuilder::config`]).
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Makes `hook` of the plugin (instance) called `plugin` misbehave as `fault` says, in
    /// every manager of this harness, from now on: the error or panic takes the path a real
    /// one does (failure policy, exclusion, events, report). Hooks that can be faulted: the
    /// factory (`Hook::Create`), `validate`, `init`, `start`, `reconfigure`, `stop`,
    /// `shutdown`, and `Hook::Callback`: each extension point callback of the plugin, sync or
    /// awaited, fails (or panics) before the plugin's code runs, as a failing callback does.
    ///
    /// [`Fault::delay`] and [`Fault::hang`] hold a hook up instead (then it runs as written):
    /// a sync hook's thread waits, an async hook awaits the executor's timer, so timeouts and
    /// shutdown's deadlines see a slow or hung hook. They apply to the hooks from `validate` to
    /// `shutdown`.
    ///
    /// # Panics
    ///
    /// If `fault` is a delay or a hang and `hook` is the factory or a callback: those run on
    /// the caller's thread (an async runtime's too), where nothing may wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// use plugin_factory::report::Hook;
    /// use plugin_factory::testing::{Fault, Harness};
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let harness = Harness::kinds(&["greeter"]);
    /// harness.inject("greeter", Hook::Start, Fault::delay(Duration::from_millis(5)));
    /// let manager = harness.start()?;
    /// assert_eq!(harness.returned(Hook::Start), ["greeter"]);
    /// # drop(manager);
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn inject(&self, plugin: &str, hook: Hook, fault: Fault) -> &Self {
        assert!(
            !(fault.holds_up() && matches!(hook, Hook::Create | Hook::Callback)),
            "cannot inject {fault} into {hook} of {plugin:?}: a delay or a hang holds up only \
             the hooks from validate to shutdown"
        );
        self.faults.inject(plugin, Target::Hook(hook), fault);
        self
    }

    /// Makes the health check of `plugin` misbehave as `fault` says: an error fault answers
    /// unhealthy with the fault's message, a panic fault panics as a panicking check does
    /// (unhealthy, "the health check panicked: ..."); the plugin's own `health` is not asked.
    /// Supervision (`on_unhealthy`) then acts on it as on a real answer.
    ///
    /// A delay or a hang holds the check up, then it answers as it would (an answer set with
    /// [`set_health`](Self::set_health), else the plugin's own): for a check's timeout.
    pub fn inject_health(&self, plugin: &str, fault: Fault) -> &Self {
        self.faults.inject(plugin, Target::Health, fault);
        self
    }

    /// Makes every health check of `plugin` answer `health` (degraded, say, which a fault
    /// cannot say) until [`heal`](Self::heal)ed; an injected health fault goes first while it
    /// lasts. The plugin's own `health` is not asked.
    ///
    /// ```
    /// use plugin_factory::Health;
    /// use plugin_factory::testing::Harness;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let harness = Harness::kinds(&["greeter"]);
    /// harness.set_health("greeter", Health::degraded("slow"));
    /// let manager = harness.start()?;
    /// assert_eq!(manager.check_health()?.get("greeter"), Some(&Health::degraded("slow")));
    /// harness.heal("greeter");
    /// assert_eq!(manager.check_health()?.get("greeter"), Some(&Health::Healthy));
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn set_health(&self, plugin: &str, health: Health) -> &Self {
        self.faults.answer(plugin, health);
        self
    }

    /// Takes every fault injected into `plugin` away, and any health set for it.
    pub fn heal(&self, plugin: &str) -> &Self {
        self.faults.heal(plugin);
        self
    }

    /// A builder with the harness's entries, configuration and faults, recording events: add
    /// options (`disable`, `on_unhealthy`, ...) before `discover`.
    pub fn builder(&self) -> ManagerBuilder {
        let events = Arc::clone(&self.events);
        let builder = PluginManager::builder()
            .entries(self.entries.iter().copied())
            .faults(self.faults)
            .observe(move |event| lock(&events).push(event.clone()));
        match &self.config {
            Some(config) => builder.config(config.clone()),
            None => builder,
        }
    }

    /// A manager through discover, validate, init and start.
    pub fn start(&self) -> Result<PluginManager<Active>, Error> {
        self.builder().discover()?.validate()?.init()?.start()
    }

    /// [`start`](Self::start) for the async manager: discovered, then validated, initialized
    /// and started with its hooks awaited on `executor`.
    ///
    /// ```
    /// use plugin_factory::executor::Tokio;
    /// use plugin_factory::report::Hook;
    /// use plugin_factory::testing::Harness;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), plugin_factory::Error> {
    /// let harness = Harness::kinds(&["kv-store", "audit-log"]);
    /// let running = harness.start_async(Tokio).await?;
    /// assert_eq!(running.live(), ["kv-store", "audit-log"]);
    /// running.shutdown().await;
    /// assert_eq!(harness.calls(Hook::Stop), ["audit-log", "kv-store"]);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_async(
        &self,
        executor: impl Executor,
    ) -> Result<AsyncManager<Active>, Error> {
        let manager = self.builder().discover()?.into_async(executor);
        manager.validate().await?.init().await?.start().await
    }

    /// Every event recorded so far, in order.
    pub fn events(&self) -> Vec<Event> {
        lock(&self.events).clone()
    }

    /// The recorded events, one line each (see `Event`'s `Display`), and forgets them: the
    /// next call shows what happened since.
    pub fn event_lines(&self) -> String {
        let events = std::mem::take(&mut *lock(&self.events));
        lines(events.iter().map(ToString::to_string))
    }

    /// Forgets the events and the journal recorded so far: what a test reads next is what
    /// happened since (to check one step after the setup, say).
    pub fn forget(&self) -> &Self {
        lock(&self.events).clear();
        self.faults.take_journal();
        self
    }

    /// The plugins whose `hook` was called, in the order the calls began (a call that failed
    /// counts; the factory is [`Hook::Create`]), since the journal was last read
    /// ([`journal`](Self::journal), [`journal_lines`](Self::journal_lines)). Recorded by the
    /// manager, so any plugin can be watched, a test double or a real kind.
    ///
    /// ```
    /// use plugin_factory::report::Hook;
    /// use plugin_factory::testing::Harness;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let harness = Harness::kinds(&["kv-store", "audit-log"]);
    /// harness.start()?.stop().shutdown();
    /// assert_eq!(harness.calls(Hook::Start), ["kv-store", "audit-log"]);
    /// assert_eq!(harness.calls(Hook::Stop), ["audit-log", "kv-store"]);
    /// assert_eq!(harness.dropped(), ["audit-log", "kv-store"]);
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn calls(&self, hook: Hook) -> Vec<String> {
        self.journaled(Seen::Called(hook))
    }

    /// The plugins whose code of `hook` returned (with `Ok` or an error), in order: with
    /// [`calls`](Self::calls), what ran when, for tests of concurrency and deadlines. For
    /// `Hook::Callback`, an extension point callback that returned (an awaited one's future
    /// ended). A hook that panicked, was cancelled or failed by an injected fault did not
    /// return.
    pub fn returned(&self, hook: Hook) -> Vec<String> {
        self.journaled(Seen::Returned(hook))
    }

    /// The plugins whose health was checked, in order, one entry per check (an answer set with
    /// [`set_health`](Self::set_health) or injected counts), since the journal was last read
    /// ([`journal`](Self::journal), [`journal_lines`](Self::journal_lines)).
    pub fn health_checks(&self) -> Vec<String> {
        self.journaled(Seen::Checked)
    }

    /// The plugins whose instance was dropped, in order, once for each instance (a plugin that
    /// was restarted or re-created appears once per instance), since the journal was last read
    /// ([`journal`](Self::journal), [`journal_lines`](Self::journal_lines)). Recorded when the
    /// instance is gone, whichever way it went: so a test can check that every instance it made
    /// was dropped, exactly once.
    pub fn dropped(&self) -> Vec<String> {
        self.journaled(Seen::Dropped)
    }

    fn journaled(&self, what: Seen) -> Vec<String> {
        let journal = self.faults.journal().into_iter();
        let seen = journal.filter(|(_, seen)| *seen == what);
        seen.map(|(plugin, _)| plugin).collect()
    }

    /// The journal: each plugin and what the manager did to it, in order; and forgets it, as
    /// [`journal_lines`](Self::journal_lines) does. For a test that reads it in its own terms.
    ///
    /// ```
    /// use plugin_factory::report::Hook;
    /// use plugin_factory::testing::{Harness, Seen};
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let harness = Harness::kinds(&["kv-store"]);
    /// harness.start()?.stop().shutdown();
    /// let journal = harness.journal();
    /// let stop = ("kv-store".to_owned(), Seen::Returned(Hook::Stop));
    /// assert!(journal.contains(&stop));
    /// assert_eq!(journal.last(), Some(&("kv-store".to_owned(), Seen::Dropped)));
    /// assert!(harness.journal().is_empty(), "read once");
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn journal(&self) -> Vec<(String, Seen)> {
        self.faults.take_journal()
    }

    /// The journal, one line each: `name: hook` for every hook called, `name: hook returned`
    /// when its code returned, `name: health check` for every check, `name: dropped` for every
    /// instance dropped, in order; and forgets it: the next call shows what happened since.
    pub fn journal_lines(&self) -> String {
        lines(self.journal().into_iter().map(|(plugin, seen)| match seen {
            Seen::Called(hook) => format!("{plugin}: {hook}"),
            Seen::Returned(hook) => format!("{plugin}: {hook} returned"),
            Seen::Checked => format!("{plugin}: health check"),
            Seen::Dropped => format!("{plugin}: dropped"),
        }))
    }

    /// One line per plugin of `report`, in its order: `name: state`, or
    /// `name: excluded: reason`. Stable across versions and widths, unlike the table.
    pub fn report_lines(&self, report: &Report) -> String {
        lines(report.plugins().iter().map(|plugin| match plugin.reason() {
            Some(reason) => format!("{}: {}: {reason}", plugin.name(), plugin.state()),
            None => format!("{}: {}", plugin.name(), plugin.state()),
        }))
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

fn lines(lines: impl Iterator<Item = String>) -> String {
    lines.collect::<Vec<_>>().join("\n")
}

/// Asserts that `actual` has the lines of `expected`, each trimmed (so `expected` can be an
/// indented multi-line literal), and panics with a unified diff when it does not.
///
/// ```should_panic
/// plugin_factory::testing::assert_lines("db: running\nweb: running", "db: running\nweb: stopped");
/// ```
#[track_caller]
pub fn assert_lines(actual: &str, expected: &str) {
    let normalize = |text: &str| {
        let mut lines: Vec<&str> = text.lines().map(str::trim).collect();
        while lines.last() == Some(&"") {
            lines.pop();
        }
        lines.join("\n") + "\n"
    };
    let (actual, expected) = (normalize(actual), normalize(expected));
    if actual != expected {
        let diff = TextDiff::from_lines(&expected, &actual)
            .unified_diff()
            .context_radius(3)
            .header("expected", "actual")
            .to_string();
        panic!("the lines differ (- expected, + actual):\n{diff}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_lines_pass_whatever_their_indentation() {
        assert_lines("a: running\nb: stopped\n", "  a: running\n  b: stopped\n\n");
    }

    #[test]
    fn different_lines_show_a_diff() {
        let panic = std::panic::catch_unwind(|| assert_lines("a\nb\nc", "a\nx\nc")).unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains("--- expected"), "{message}");
        assert!(message.contains("-x\n+b"), "{message}");
    }
}
