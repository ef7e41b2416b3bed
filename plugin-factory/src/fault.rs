//! Injected faults (feature `testing`): a hook of a named plugin made to return an error or to
//! panic, for [`testing::Harness`](crate::testing::Harness). The engine asks [`Faults::trigger`]
//! inside the same `catch_unwind` as the hook itself, so an injected failure takes exactly the
//! path a real one does.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::contract::PluginError;
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

/// The faults of one harness: `(plugin, hook, fault)`, the first match applies.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    list: Mutex<Vec<(String, Hook, Fault)>>,
}

impl Faults {
    pub(crate) fn inject(&self, plugin: &str, hook: Hook, fault: Fault) {
        self.lock().push((plugin.to_owned(), hook, fault));
    }

    /// Takes every fault of `plugin` away.
    pub(crate) fn heal(&self, plugin: &str) {
        self.lock().retain(|(name, ..)| name != plugin);
    }

    /// What `hook` of `plugin` does instead of running, if a fault says: an error to return, or
    /// a panic, here. `Ok` when no fault applies.
    pub(crate) fn trigger(&self, plugin: &str, hook: Hook) -> Result<(), PluginError> {
        let fault = {
            let mut list = self.lock();
            let Some((.., fault)) = list
                .iter_mut()
                .find(|(name, h, fault)| name == plugin && *h == hook && fault.times != Some(0))
            else {
                return Ok(());
            };
            if let Some(times) = &mut fault.times {
                *times -= 1;
            }
            fault.clone()
        };
        match fault.kind {
            Kind::Error => Err(PluginError::msg(fault.message)),
            Kind::Panic => panic!("{}", fault.message),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, Hook, Fault)>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_applies_to_its_plugin_and_hook_as_often_as_it_says() {
        let faults = Faults::default();
        faults.inject("db", Hook::Start, Fault::error("down").times(2));
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
        faults.inject("db", Hook::Stop, Fault::panic("stuck"));
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
