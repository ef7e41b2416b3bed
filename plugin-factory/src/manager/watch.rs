//! [`Watched`]: a running manager whose health is checked periodically, on a thread it owns
//! and stops before the manager leaves the running phase.

use std::ops::Deref;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::PluginManager;
use super::phase::{Active, Halted};
use crate::report::table::Report;

/// The name of the checker's thread, as `ps` and debuggers show it.
const THREAD_NAME: &str = "plugin-health";

impl PluginManager<Active> {
    /// Checks the running plugins' health every `period` on a thread of its own (named
    /// `plugin-health`), as
    /// [`check_health`](Self::check_health) does (the supervisor acting on each check), until
    /// the returned [`Watched`] is stopped, shut down or dropped, which stops and joins the
    /// thread first.
    ///
    /// The manager is shared with the thread, so [`Watched`] gives the shared (`&self`) API
    /// only, through `Deref`; the owner's unlocked `&mut` accessors are not available while
    /// another thread may touch the plugins. A check that fails (it cannot: the thread never
    /// runs inside a plugin) is logged.
    ///
    /// ```
    /// use std::time::Duration;
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let manager = plugin_factory::PluginManager::discover()?.validate()?.init()?.start()?;
    /// let watched = manager.check_health_every(Duration::from_millis(10));
    /// assert!(watched.state("kv-store").is_some());
    /// let report = watched.shutdown(); // the thread is stopped and joined first
    /// assert!(report.get("kv-store").is_some());
    /// # Ok::<(), plugin_factory::Error>(())
    /// ```
    pub fn check_health_every(self, period: Duration) -> Watched {
        let manager = Arc::new(self);
        let stop = Arc::new(Stop::default());
        let thread = {
            let manager = Arc::clone(&manager);
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name(THREAD_NAME.to_owned())
                .spawn(move || {
                    while !stop.wait(period) {
                        if let Err(error) = manager.check_health() {
                            log::error!("plugin manager: periodic health check: {error}");
                        }
                    }
                })
                .expect("the health checker's thread could not be spawned")
        };
        log::debug!("plugin manager: checking health every {period:?}");
        Watched {
            manager: Some(manager),
            checker: Some(Checker { stop, thread }),
        }
    }
}

/// A running manager with a health-checking thread ([`PluginManager::check_health_every`]).
/// Dereferences to the manager; [`stop`](Self::stop) and [`shutdown`](Self::shutdown) end the
/// thread, then go on as the manager's own do. Dropping it stops the thread, then the manager.
#[derive(Debug)]
pub struct Watched {
    /// Always `Some` but while it is taken apart.
    manager: Option<Arc<PluginManager<Active>>>,
    checker: Option<Checker>,
}

impl Watched {
    /// Stops the checker, then every plugin, as [`PluginManager::stop`] does.
    pub fn stop(self) -> PluginManager<Halted> {
        self.into_manager().stop()
    }

    /// Stops the checker, then shuts everything down, as [`PluginManager::shutdown`] does.
    pub fn shutdown(self) -> Report {
        self.into_manager().shutdown()
    }

    /// Stops the checker and gives the manager back, with its owner's `&mut` API.
    pub fn into_manager(mut self) -> PluginManager<Active> {
        self.stop_checker();
        let manager = self
            .manager
            .take()
            .expect("the manager is there until taken");
        Arc::into_inner(manager).expect("the checker's thread has ended, so no other owner is left")
    }

    fn stop_checker(&mut self) {
        if let Some(checker) = self.checker.take() {
            checker.stop.set();
            if checker.thread.join().is_err() {
                log::error!("plugin manager: the health checker's thread panicked");
            }
            log::debug!("plugin manager: health checks stopped");
        }
    }
}

impl Deref for Watched {
    type Target = PluginManager<Active>;

    fn deref(&self) -> &Self::Target {
        self.manager
            .as_ref()
            .expect("the manager is there until taken")
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.stop_checker();
    }
}

/// The checker's thread and how to stop it.
#[derive(Debug)]
struct Checker {
    stop: Arc<Stop>,
    thread: JoinHandle<()>,
}

/// A flag the checker waits on between checks, so that stopping it does not wait a period.
#[derive(Debug, Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    fn set(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }

    /// Waits `period` or until stopped; whether stopped.
    fn wait(&self, period: Duration) -> bool {
        let stopped = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, period, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *stopped
    }
}
