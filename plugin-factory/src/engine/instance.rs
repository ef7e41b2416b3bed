//! One plugin instance as a slot holds it: boxed, or, for a kind that implements extension
//! points, shared with the calls that reach it.
//!
//! A shared instance is an `Arc` whose other holders are the snapshots of the points it is live
//! in (and the calls that read them). The manager takes `&mut` to it (to run `stop`, or for a
//! closure access) only once it is unique: after withdrawing it from its points and waiting for
//! the calls in flight to end ([`Instance::wait_unique`]). So no call ever runs on an instance
//! that is being stopped, with no lock on the call path and no `unsafe` code.

use std::thread;
use std::time::Duration;

/// Why a hook or a check could not run: the slot holds no instance (taken out, or never made).
pub(super) const NO_INSTANCE: &str = "the plugin has no instance";

use super::options::Witness;
use crate::contract::Plugin;
use crate::executor::Executor;
use crate::registry::{Implementations, PluginEntry, Shared};

/// A plugin instance, and (in a manager the testing harness built) the witness that tells the
/// harness when it is dropped.
pub(crate) struct Instance {
    held: Held,
    /// Declared after `held`, so that it tells of the drop once the plugin is gone.
    _witness: Witness,
}

/// How an instance is held.
enum Held {
    Owned(Box<dyn Plugin>),
    Shared(Shared, &'static Implementations),
}

impl Instance {
    /// A fresh instance of `entry`'s kind: shared if the kind implements extension points.
    pub(crate) fn new(entry: &PluginEntry, plugin: Box<dyn Plugin>, witness: Witness) -> Self {
        let held = match entry.implementations() {
            None => Held::Owned(plugin),
            Some(implementations) => Held::Shared(implementations.share(plugin), implementations),
        };
        Self {
            held,
            _witness: witness,
        }
    }

    /// An owned instance with no witness, for the engine's unit tests.
    #[cfg(test)]
    pub(crate) fn owned(plugin: Box<dyn Plugin>) -> Self {
        Self {
            held: Held::Owned(plugin),
            _witness: Witness::default(),
        }
    }

    /// Whether the instance is boxed (its kind implements no extension point).
    pub(crate) fn is_owned(&self) -> bool {
        matches!(self.held, Held::Owned(_))
    }

    /// The plugin, for reading.
    pub(crate) fn get(&self) -> &dyn Plugin {
        match &self.held {
            Held::Owned(plugin) => plugin.as_ref(),
            Held::Shared(shared, implementations) => implementations.as_plugin(shared.as_ref()),
        }
    }

    /// The plugin, for its hooks; `None` for a shared instance that a call may still reach
    /// (the engine withdraws and waits first, so this is a bug if it happens).
    #[inline(always)]
    pub(crate) fn get_mut(&mut self) -> Option<&mut dyn Plugin> {
        match &mut self.held {
            Held::Owned(plugin) => Some(plugin.as_mut()),
            Held::Shared(shared, implementations) => {
                let shared = std::sync::Arc::get_mut(shared)?;
                Some(implementations.as_plugin_mut(shared))
            }
        }
    }

    /// The shared instance and what it implements, if it is one.
    pub(crate) fn shared(&self) -> Option<(&Shared, &'static Implementations)> {
        match &self.held {
            Held::Owned(_) => None,
            Held::Shared(shared, implementations) => Some((shared, *implementations)),
        }
    }

    /// Drops the instance here (a shared one is unique by now: it was withdrawn and waited
    /// for), the boxed kind without a detour through the enum's drop.
    #[inline(always)]
    pub(crate) fn drop_now(self) {
        match self.held {
            Held::Owned(plugin) => drop(plugin),
            Held::Shared(shared, _) => drop(shared),
        }
    }

    /// Waits until no call holds the instance any more. Only for an instance withdrawn from
    /// every point: calls that start now cannot reach it, so the wait ends when the calls in
    /// flight do.
    pub(crate) fn wait_unique(&mut self) {
        let Held::Shared(shared, _) = &self.held else {
            return;
        };
        let mut spins = 0u32;
        while std::sync::Arc::strong_count(shared) > 1 || std::sync::Arc::weak_count(shared) > 0 {
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else if spins < 128 {
                thread::yield_now();
            } else {
                thread::sleep(Duration::from_micros(50));
            }
        }
    }

    /// [`wait_unique`](Self::wait_unique) for the async manager: the callbacks in flight may be
    /// awaited ones, suspended on this very runtime, so the wait sleeps on the executor's
    /// timer instead of the thread (from 50 µs, doubling to 10 ms).
    pub(crate) async fn until_unique(&mut self, executor: &dyn Executor) {
        let Held::Shared(shared, _) = &self.held else {
            return;
        };
        let mut pause = Duration::from_micros(50);
        while std::sync::Arc::strong_count(shared) > 1 || std::sync::Arc::weak_count(shared) > 0 {
            executor.sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(10));
        }
    }
}
