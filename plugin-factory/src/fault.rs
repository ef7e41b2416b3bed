//! Injected faults (feature `testing`): a hook, a health check or an extension point callback of
//! a named plugin made to fail or to panic, for [`testing::Harness`](crate::testing::Harness).
//! The engine and the extension calls ask [`Faults::trigger`] (or [`Faults::health`]) inside the
//! same `catch_unwind` as the plugin's own code, so an injected failure takes exactly the path a
//! real one does. A delay or a hang holds the hook up instead: a sync hook's thread waits, an
//! async hook awaits the executor's timer ([`Faults::wait`]). The same table keeps the journal
//! the harness reads: every hook called (as it begins, whether or not it then fails), every hook
//! that returned, every health check and every instance dropped.

use std::fmt;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::contract::{Health, PluginError};
use crate::executor::Executor;
use crate::lifecycle::Hook;

/// How an injected hook misbehaves, and for how many calls.
///
/// ```
/// use plugin_factory::testing::Fault;
///
/// let fault = Fault::error("disk full").times(2);
/// assert_eq!(fault.to_string(), "error \"disk full\" (2 times)");
/// assert_eq!(Fault::panic("boom").to_string(), "panic \"boom\"");
/// assert_eq!(Fault::delay(Duration::from_millis(5)).to_string(), "delay 5ms");
/// assert_eq!(Fault::hang().times(1).to_string(), "hang (1 times)");
/// # use std::time::Duration;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    kind: Kind,
    message: String,
    /// Calls left to fail; `None`: every call.
    times: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Error,
    Panic,
    Delay(Duration),
    Hang,
}

impl Fault {
    /// The hook returns `Err(message)`.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Kind::Error, message.into())
    }

    /// The hook panics with `message`.
    pub fn panic(message: impl Into<String>) -> Self {
        Self::new(Kind::Panic, message.into())
    }

    /// The hook waits `delay`, then runs as written: a sync hook's thread sleeps, an async
    /// hook awaits the executor's timer (so a hook timeout counts it). For the lifecycle hooks
    /// from `validate` on, and health checks; see
    /// [`Harness::inject`](crate::testing::Harness::inject).
    pub fn delay(delay: Duration) -> Self {
        Self::new(Kind::Delay(delay), String::new())
    }

    /// The hook does not return until the harness heals the plugin
    /// ([`Harness::heal`](crate::testing::Harness::heal)), then runs as written: a hook that
    /// hangs, for timeouts and shutdown's deadlines. For the same hooks as
    /// [`delay`](Self::delay).
    pub fn hang() -> Self {
        Self::new(Kind::Hang, String::new())
    }

    /// Whether the fault holds the hook up rather than failing it.
    pub(crate) fn holds_up(&self) -> bool {
        matches!(self.kind, Kind::Delay(_) | Kind::Hang)
    }

    fn new(kind: Kind, message: String) -> Self {
        Self {
            kind,
            message,
            times: None,
        }
    }

    /// Only the next `times` calls misbehave; then the hook runs as written.
    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }
}

impl Fault {
    /// The error an error fault makes; a panic fault panics here. (A delay or a hang is never
    /// raised: [`Faults::pause_of`] turns it into a pause first.)
    fn raise(self) -> PluginError {
        match self.kind {
            Kind::Panic => panic!("{}", self.message),
            Kind::Error | Kind::Delay(_) | Kind::Hang => PluginError::msg(self.message),
        }
    }
}

/// How an injected fault holds a hook up.
#[derive(Debug, Clone, Copy)]
enum Pause {
    /// For this long.
    For(Duration),
    /// Until the plugin is healed: its heal count passes this one.
    UntilHealed(u64),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::Error => write!(f, "error {:?}", self.message)?,
            Kind::Panic => write!(f, "panic {:?}", self.message)?,
            Kind::Delay(delay) => write!(f, "delay {delay:?}")?,
            Kind::Hang => write!(f, "hang")?,
        }
        if let Some(times) = self.times {
            write!(f, " ({times} times)")?;
        }
        Ok(())
    }
}

/// What a fault is injected into: a hook (the factory and extension point callbacks count as
/// hooks), or the health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Hook(Hook),
    Health,
}

/// What the journal of a [`Harness`](crate::testing::Harness) records the manager doing to a
/// plugin: one entry of [`Harness::journal`](crate::testing::Harness::journal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Seen {
    /// A hook was called (before the plugin's code ran).
    Called(Hook),
    /// The plugin's code of a hook returned (with `Ok` or an error; not a panic, and not a
    /// failure the harness injected).
    Returned(Hook),
    /// Its health was checked (before the plugin's check ran, or instead of it).
    Checked,
    /// An instance was dropped.
    Dropped,
}

/// The faults of one harness: `(plugin, target, fault)`, the first match applies; and its
/// journal.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    list: Mutex<Vec<(String, Target, Fault)>>,
    /// What a plugin's health check answers instead of asking it.
    answers: Mutex<Vec<(String, Health)>>,
    journal: Mutex<Vec<(String, Seen)>>,
    /// How often each plugin was healed, and the signal a hung sync hook waits on.
    healed: Mutex<Vec<(String, u64)>>,
    heal_signal: Condvar,
}

impl Faults {
    pub(crate) fn inject(&self, plugin: &str, target: Target, fault: Fault) {
        self.lock().push((plugin.to_owned(), target, fault));
    }

    /// Makes the health check of `plugin` answer `health` until healed.
    pub(crate) fn answer(&self, plugin: &str, health: Health) {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.retain(|(name, _)| name != plugin);
        answers.push((plugin.to_owned(), health));
    }

    /// Takes every fault of `plugin` away, and any answer its health check was given.
    pub(crate) fn heal(&self, plugin: &str) {
        self.lock().retain(|(name, ..)| name != plugin);
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.retain(|(name, _)| name != plugin);
        drop(answers);
        let mut healed = self.healed.lock().unwrap_or_else(PoisonError::into_inner);
        match healed.iter_mut().find(|(name, _)| name == plugin) {
            Some((_, count)) => *count += 1,
            None => healed.push((plugin.to_owned(), 1)),
        }
        self.heal_signal.notify_all();
    }

    /// How often `plugin` was healed.
    fn heal_count(&self, plugin: &str) -> u64 {
        heals_of(
            &self.healed.lock().unwrap_or_else(PoisonError::into_inner),
            plugin,
        )
    }

    /// What `hook` of `plugin` does instead of running, if a fault says: an error to return, or
    /// a panic, here; a delay or a hang holds this thread up first. `Ok` when no fault applies
    /// (or once the hold-up is over).
    pub(crate) fn trigger(&self, plugin: &str, hook: Hook) -> Result<(), PluginError> {
        if let Some(pause) = self.trigger_deferred(plugin, hook)? {
            self.block(plugin, pause);
        }
        Ok(())
    }

    /// Holds this thread up for `pause` of `plugin`.
    fn block(&self, plugin: &str, pause: Pause) {
        match pause {
            Pause::For(delay) => std::thread::sleep(delay),
            Pause::UntilHealed(count) => {
                let mut healed = self.healed.lock().unwrap_or_else(PoisonError::into_inner);
                while heals_of(&healed, plugin) <= count {
                    healed = self
                        .heal_signal
                        .wait(healed)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
    }

    /// The pause a fault holds `fault`'s target up for, if it is a delay or a hang.
    fn pause_of(&self, plugin: &str, fault: &Fault) -> Option<Pause> {
        match fault.kind {
            Kind::Delay(delay) => Some(Pause::For(delay)),
            Kind::Hang => Some(Pause::UntilHealed(self.heal_count(plugin))),
            Kind::Error | Kind::Panic => None,
        }
    }

    /// [`trigger`](Self::trigger) for an awaited hook: a delay or a hang is awaited on
    /// `executor`'s timer instead of holding up the thread.
    pub(crate) async fn trigger_awaited(
        &self,
        plugin: &str,
        hook: Hook,
        executor: &dyn Executor,
    ) -> Result<(), PluginError> {
        if let Some(pause) = self.trigger_deferred(plugin, hook)? {
            self.wait(plugin, pause, executor).await;
        }
        Ok(())
    }

    /// The start of [`trigger`](Self::trigger): an error or a panic, or the pause to hold the
    /// hook up for.
    fn trigger_deferred(&self, plugin: &str, hook: Hook) -> Result<Option<Pause>, PluginError> {
        self.note(plugin, Seen::Called(hook));
        let Some(fault) = self.take(plugin, Target::Hook(hook)) else {
            return Ok(None);
        };
        match self.pause_of(plugin, &fault) {
            Some(pause) => Ok(Some(pause)),
            None => Err(fault.raise()),
        }
    }

    /// Waits out `pause` of `plugin` on `executor`'s timer (a hang checks every millisecond
    /// whether the plugin was healed).
    async fn wait(&self, plugin: &str, pause: Pause, executor: &dyn Executor) {
        match pause {
            Pause::For(delay) => executor.sleep(delay).await,
            Pause::UntilHealed(count) => {
                while self.heal_count(plugin) <= count {
                    executor.sleep(Duration::from_millis(1)).await;
                }
            }
        }
    }

    /// Notes that the code of `hook` of `plugin` returned.
    pub(crate) fn returned(&self, plugin: &str, hook: Hook) {
        self.note(plugin, Seen::Returned(hook));
    }

    /// What the health check of `plugin` answers instead of asking it, if a fault says: an
    /// error fault makes it unhealthy with the fault's message, a panic fault panics here.
    /// A delay or a hang holds the check up first (this thread), then it answers as it would.
    pub(crate) fn health(&self, plugin: &str) -> Option<Health> {
        match self.health_deferred(plugin) {
            Err(answer) => Some(answer),
            Ok(pause) => {
                if let Some(pause) = pause {
                    self.block(plugin, pause);
                }
                self.answer_of(plugin)
            }
        }
    }

    /// [`health`](Self::health) for an awaited check: a delay or a hang is awaited on
    /// `executor`'s timer.
    pub(crate) async fn health_awaited(
        &self,
        plugin: &str,
        executor: &dyn Executor,
    ) -> Option<Health> {
        match self.health_deferred(plugin) {
            Err(answer) => Some(answer),
            Ok(pause) => {
                if let Some(pause) = pause {
                    self.wait(plugin, pause, executor).await;
                }
                self.answer_of(plugin)
            }
        }
    }

    /// The start of [`health`](Self::health): `Err` with the answer a failing fault gives, or
    /// the pause to hold the check up for before it answers ([`answer_of`](Self::answer_of),
    /// else the plugin).
    fn health_deferred(&self, plugin: &str) -> Result<Option<Pause>, Health> {
        self.note(plugin, Seen::Checked);
        let Some(fault) = self.take(plugin, Target::Health) else {
            return Ok(None);
        };
        match self.pause_of(plugin, &fault) {
            Some(pause) => Ok(Some(pause)),
            None => Err(Health::unhealthy(fault.raise().to_string())),
        }
    }

    /// The answer set for the health check of `plugin`, if any.
    fn answer_of(&self, plugin: &str) -> Option<Health> {
        let answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        let answer = answers.iter().find(|(name, _)| name == plugin);
        answer.map(|(_, health)| health.clone())
    }

    /// Notes that an instance of `plugin` was dropped.
    pub(crate) fn dropped(&self, plugin: &str) {
        self.note(plugin, Seen::Dropped);
    }

    fn note(&self, plugin: &str, seen: Seen) {
        let mut journal = self.journal.lock().unwrap_or_else(PoisonError::into_inner);
        journal.push((plugin.to_owned(), seen));
    }

    /// The journal so far.
    pub(crate) fn journal(&self) -> Vec<(String, Seen)> {
        self.journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The journal so far, forgotten here.
    pub(crate) fn take_journal(&self) -> Vec<(String, Seen)> {
        std::mem::take(&mut *self.journal.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The fault that applies to `target` of `plugin` now, counted.
    fn take(&self, plugin: &str, target: Target) -> Option<Fault> {
        let mut list = self.lock();
        let (.., fault) = list
            .iter_mut()
            .find(|(name, t, fault)| name == plugin && *t == target && fault.times != Some(0))?;
        if let Some(times) = &mut fault.times {
            *times -= 1;
        }
        Some(fault.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, Target, Fault)>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How often `plugin` was healed, in the heal counts `healed`.
fn heals_of(healed: &[(String, u64)], plugin: &str) -> u64 {
    let count = healed.iter().find(|(name, _)| name == plugin);
    count.map_or(0, |(_, count)| *count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_applies_to_its_plugin_and_hook_as_often_as_it_says() {
        let faults = Faults::default();
        faults.inject(
            "db",
            Target::Hook(Hook::Start),
            Fault::error("down").times(2),
        );
        assert!(faults.trigger("db", Hook::Init).is_ok());
        assert!(faults.trigger("web", Hook::Start).is_ok());
        let errors: Vec<_> = (0..3)
            .map(|_| {
                faults
                    .trigger("db", Hook::Start)
                    .err()
                    .map(|e| e.to_string())
            })
            .collect();
        assert_eq!(
            errors,
            [Some("down".to_owned()), Some("down".to_owned()), None]
        );
    }

    #[test]
    fn a_panic_fault_panics_with_its_message_until_healed() {
        let faults = Faults::default();
        faults.inject("db", Target::Hook(Hook::Stop), Fault::panic("stuck"));
        let panicked = std::panic::catch_unwind(|| faults.trigger("db", Hook::Stop));
        let message = panicked.unwrap_err();
        assert_eq!(
            message.downcast_ref::<String>().map(String::as_str),
            Some("stuck")
        );
        faults.heal("db");
        assert!(faults.trigger("db", Hook::Stop).is_ok());
    }
}
