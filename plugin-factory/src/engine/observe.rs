//! Watching a manager: the [`Event`]s it sends, in order, to the observers registered with
//! [`PluginManager::observe`](crate::PluginManager::observe) or
//! [`ManagerBuilder::observe`](crate::ManagerBuilder::observe), and
//! [`log_plugin_panics`], which routes the messages of caught panics through `log`.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use crate::catch::catch;
use crate::lifecycle::{Hook, PluginState};
use crate::name::Name;
use crate::report::{ExclusionReason, HookFailure};

pub use crate::catch::log_plugin_panics;

/// Something that happened to a plugin, in the order it happened.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// The plugin moved from one state to another.
    StateChanged {
        /// The plugin.
        plugin: Name,
        /// Its previous state.
        from: PluginState,
        /// Its new state.
        to: PluginState,
    },
    /// A hook of the plugin failed or panicked (sent before the plugin is torn down).
    Failed {
        /// The plugin.
        plugin: Name,
        /// What failed.
        failure: HookFailure,
    },
    /// A hook of a plugin with `on_failure = retry(...)` failed and will be called again after
    /// `delay` (sent after the `Failed` event of that attempt).
    Retrying {
        /// The plugin.
        plugin: Name,
        /// The hook that failed.
        hook: Hook,
        /// The attempt that comes next: 2 for the first retry.
        attempt: u32,
        /// How long the manager waits before it.
        delay: Duration,
    },
    /// The plugin left the live set.
    Excluded {
        /// The plugin.
        plugin: Name,
        /// Why.
        reason: ExclusionReason,
    },
}

impl fmt::Display for Event {
    /// One line: `db: initialized -> running`, `db: start failed: no disk`,
    /// `db: retrying start (attempt 2) in 100ms`, `db: excluded: start failed: no disk`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StateChanged { plugin, from, to } => write!(f, "{plugin}: {from} -> {to}"),
            Self::Failed { plugin, failure } => write!(f, "{plugin}: {failure}"),
            Self::Retrying {
                plugin,
                hook,
                attempt,
                delay,
            } => write!(
                f,
                "{plugin}: retrying {hook} (attempt {attempt}) in {delay:?}"
            ),
            Self::Excluded { plugin, reason } => write!(f, "{plugin}: excluded: {reason}"),
        }
    }
}

impl Event {
    /// The plugin the event is about.
    pub fn plugin(&self) -> &Name {
        match self {
            Self::StateChanged { plugin, .. }
            | Self::Failed { plugin, .. }
            | Self::Retrying { plugin, .. }
            | Self::Excluded { plugin, .. } => plugin,
        }
    }
}

/// Identifies an observer, to [remove](crate::PluginManager::remove_observer) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObserverId(u64);

type Observer = Box<dyn Fn(&Event) + Send + Sync>;

/// The observers of one manager. Emitting costs one atomic load when nobody listens, and the event
/// is only built when somebody does.
#[derive(Default)]
pub(crate) struct Observers {
    listening: AtomicBool,
    next_id: AtomicU64,
    list: RwLock<Vec<(ObserverId, Observer)>>,
}

impl Observers {
    pub(crate) fn add(&self, observer: Observer) -> ObserverId {
        let id = ObserverId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut list = self.list.write().unwrap_or_else(PoisonError::into_inner);
        list.push((id, observer));
        self.listening.store(true, Ordering::Release);
        id
    }

    pub(crate) fn remove(&self, id: ObserverId) -> bool {
        let mut list = self.list.write().unwrap_or_else(PoisonError::into_inner);
        let before = list.len();
        list.retain(|(other, _)| *other != id);
        self.listening.store(!list.is_empty(), Ordering::Release);
        list.len() != before
    }

    /// Sends the event made by `event` to every observer, in the order they were added. An
    /// observer that panics is removed and logged; the others still receive the event.
    #[inline]
    pub(crate) fn emit(&self, event: impl FnOnce() -> Event) {
        if self.listening.load(Ordering::Acquire) {
            self.deliver(event());
        }
    }

    #[cold]
    fn deliver(&self, event: Event) {
        let mut panicked = Vec::new();
        {
            let list = self.list.read().unwrap_or_else(PoisonError::into_inner);
            for (id, observer) in list.iter() {
                if let Err(message) = catch(event.plugin(), || observer(&event)) {
                    log::error!(
                        target: event.plugin(),
                        "observer {} panicked on {event:?} and was removed: {message}",
                        id.0,
                    );
                    panicked.push(*id);
                }
            }
        }
        for id in panicked {
            self.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    fn changed(to: PluginState) -> Event {
        Event::StateChanged {
            plugin: "p".into(),
            from: PluginState::Registered,
            to,
        }
    }

    #[test]
    fn panicking_observer_is_removed_and_others_keep_receiving() {
        let observers = Observers::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        observers.add(Box::new(|_| panic!("observer bug")));
        observers.add(Box::new(move |event| {
            if let Event::StateChanged { to, .. } = event {
                sink.lock().unwrap().push(*to);
            }
        }));
        observers.emit(|| changed(PluginState::Created));
        observers.emit(|| changed(PluginState::Excluded));
        assert_eq!(
            *seen.lock().unwrap(),
            [PluginState::Created, PluginState::Excluded]
        );
        assert_eq!(observers.list.read().unwrap().len(), 1);
    }

    #[test]
    fn events_are_not_built_without_observers() {
        let observers = Observers::default();
        observers.emit(|| unreachable!("no observer, no event"));
        let id = observers.add(Box::new(|_| {}));
        assert!(observers.remove(id));
        assert!(!observers.remove(id));
        observers.emit(|| unreachable!("removed"));
    }
}
