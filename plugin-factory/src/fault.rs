//! Injected faults (feature `testing`): a hook, a health check or an extension point callback of
//! a named plugin made to fail or to panic, for [`testing::Harness`](crate::testing::Harness).
//! The engine and the extension calls ask [`Faults::trigger`] (or [`Faults::health`]) inside the
//! same `catch_unwind` as the plugin's own code, so an injected failure takes exactly the path a
//! real one does. The same table keeps the journal the harness reads: every hook called (as it
//! begins, whether or not it then fails), every health check and every instance dropped.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::contract::{Health, PluginError};
use crate::lifecycle::Hook;

/// How an injected hook misbehaves, and for how many calls.
///
/// ```
/// use plugin_factory::testing::Fault;
///
/// let fault = Fault::error("disk full").times(2);
/// assert_eq!(fault.to_string(), "error \"disk full\" (2 times)");
/// assert_eq!(Fault::panic("boom").to_string(), "panic \"boom\"");
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
    /// The error an error fault makes; a panic fault panics here.
    fn raise(self) -> PluginError {
        match self.kind {
            Kind::Error => PluginError::msg(self.message),
            Kind::Panic => panic!("{}", self.message),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Error => "error",
            Kind::Panic => "panic",
        };
        write!(f, "{kind} {:?}", self.message)?;
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

/// What the journal of a harness records about a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// A hook was called (before the plugin's code ran).
    Called(Hook),
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
    }

    /// What `hook` of `plugin` does instead of running, if a fault says: an error to return, or
    /// a panic, here. `Ok` when no fault applies.
    pub(crate) fn trigger(&self, plugin: &str, hook: Hook) -> Result<(), PluginError> {
        self.note(plugin, Seen::Called(hook));
        match self.take(plugin, Target::Hook(hook)) {
            None => Ok(()),
            Some(fault) => Err(fault.raise()),
        }
    }

    /// What the health check of `plugin` answers instead of asking it, if a fault says: an
    /// error fault makes it unhealthy with the fault's message, a panic fault panics here.
    pub(crate) fn health(&self, plugin: &str) -> Option<Health> {
        self.note(plugin, Seen::Checked);
        if let Some(fault) = self.take(plugin, Target::Health) {
            return Some(Health::unhealthy(fault.raise().to_string()));
        }
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
