//! [`AsyncManager`]: the typestate manager with `async` transitions, for hosts with async
//! plugins ([`AsyncPlugin`](crate::AsyncPlugin)) or with sync plugins whose hooks block. Each
//! phase runs a plugin's hook as soon as the same hook of its dependencies has finished; hooks
//! have timeouts; shutdown can be bounded by a grace and a mercy period.

use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::PluginManager;
use super::phase::{Active, Assembled, CanInit, CanStart, CanStop, CanValidate, Halted, Phase};
use super::phase::{Primed, Vetted};
use crate::config::{Applied, Config, Plan};
use crate::engine::control::Control;
use crate::engine::observe::{Event, ObserverId};
use crate::engine::{AsyncSettings, Deadlines, Engine, PluginHook};
use crate::error::Error;
use crate::executor::Executor;
use crate::extension::{Extension, ExtensionHandle, ServiceError};
use crate::lifecycle::PluginState;
use crate::report::table::Report;
use crate::runtime::{HealthReport, Name, PluginInfo};

/// The plugin manager for async hosts: the phases of [`PluginManager`], each transition
/// `async`, on the [`Executor`] it was given.
///
/// Made from a discovered manager with [`PluginManager::into_async`] (factories run there,
/// synchronously). Within a phase, a plugin's hook starts as soon as the same hook of all its
/// dependencies has finished (on the way down, of all its dependents), so independent plugins
/// run concurrently, and each plugin observes its dependencies exactly as under the sync
/// manager. Async plugins' hooks are awaited in the task that awaits the transition; sync
/// plugins' hooks run on the executor's blocking pool. Failures, panics and timeouts exclude a
/// plugin and its dependents as in the sync manager, with the reason in the [`Report`].
///
/// Call [`shutdown`](AsyncManager::shutdown) (or
/// [`shutdown_within`](AsyncManager::shutdown_within)) at the end: dropping the manager drops
/// every instance without running `stop` or `shutdown` (it cannot await them), and says so in
/// the log.
///
/// ```standalone_crate
/// # #[cfg(not(feature = "tokio"))] fn main() {}
/// # #[cfg(feature = "tokio")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), plugin_factory::Error> {
/// # plugin_factory::link_plugins!(example_plugins);
/// use std::time::Duration;
/// use plugin_factory::PluginManager;
/// use plugin_factory::executor::Tokio;
///
/// let manager = PluginManager::discover()?
///     .into_async(Tokio)
///     .hook_timeout(Duration::from_secs(5))
///     .validate()
///     .await?
///     .init()
///     .await?
///     .start()
///     .await?;
/// assert!(manager.live().contains(&"greeter".into()));
/// let report = manager.shutdown_within(Duration::from_secs(10), Duration::from_secs(2)).await;
/// assert!(report.excluded().next().is_none());
/// # Ok(())
/// # }
/// ```
pub struct AsyncManager<P: Phase = Active> {
    engine: Engine,
    settings: AsyncSettings,
    phase: PhantomData<P>,
}

impl PluginManager<Assembled> {
    /// The same discovered plugins, in an [`AsyncManager`] whose hooks run on `executor`
    /// (`plugin_factory::executor::Tokio` with the `tokio` feature).
    pub fn into_async(mut self, executor: impl Executor) -> AsyncManager<Assembled> {
        self.engine.set_awaited();
        AsyncManager::enter(
            self.engine,
            AsyncSettings {
                executor: Arc::new(executor),
                timeout: None,
                limit: None,
            },
        )
    }
}

impl AsyncManager<Assembled> {
    /// Cancels any hook that runs longer than `timeout`: its plugin is excluded ("did not
    /// finish start within 5s"), with its dependents, and what it had started is torn down.
    /// No timeout by default.
    pub fn hook_timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }

    /// Runs at most `limit` hooks at once (all that the dependencies allow, by default).
    pub fn concurrency(mut self, limit: NonZeroUsize) -> Self {
        self.settings.limit = Some(limit);
        self
    }
}

impl<P: Phase> AsyncManager<P> {
    fn enter(engine: Engine, settings: AsyncSettings) -> Self {
        log::debug!("plugin manager (async): {} phase", P::NAME);
        Self {
            engine,
            settings,
            phase: PhantomData,
        }
    }

    fn into_phase<Q: Phase>(self) -> AsyncManager<Q> {
        AsyncManager::enter(self.engine, self.settings)
    }

    /// Resolves dependencies and awaits every plugin's `validate`.
    ///
    /// # Errors
    ///
    /// [`Error::RequiredPluginExcluded`] if a plugin with `on_failure = "fail"` was excluded
    /// (everything is shut down first, and the final report is in the error).
    pub async fn validate(mut self) -> Result<AsyncManager<Vetted>, Error>
    where
        P: CanValidate,
    {
        self.engine.validate_async(&self.settings).await?;
        Ok(self.into_phase())
    }

    /// Awaits every validated plugin's `init`.
    ///
    /// # Errors
    ///
    /// As [`validate`](AsyncManager::validate).
    pub async fn init(mut self) -> Result<AsyncManager<Primed>, Error>
    where
        P: CanInit,
    {
        self.engine
            .run_forward_async(PluginHook::Init, &self.settings)
            .await?;
        Ok(self.into_phase())
    }

    /// Awaits every initialized (or stopped) plugin's `start`.
    ///
    /// # Errors
    ///
    /// As [`validate`](AsyncManager::validate).
    pub async fn start(mut self) -> Result<AsyncManager<Active>, Error>
    where
        P: CanStart,
    {
        self.engine
            .run_forward_async(PluginHook::Start, &self.settings)
            .await?;
        Ok(self.into_phase())
    }

    /// Awaits every running plugin's `stop`, dependents before their dependencies.
    pub async fn stop(mut self) -> AsyncManager<Halted>
    where
        P: CanStop,
    {
        self.engine.stop_all_async(&self.settings).await;
        self.into_phase()
    }

    /// Stops and shuts down every live plugin, dependents first, drops every instance, and
    /// returns the final report. Each hook is bounded by the hook timeout only.
    pub async fn shutdown(mut self) -> Report {
        let report = self.engine.finish_async(&self.settings, None).await;
        log::debug!("plugin manager (async): shut down");
        report
    }

    /// [`shutdown`](AsyncManager::shutdown) within deadlines: for `grace`, plugins are torn
    /// down in order, dependents first; when it is over, every plugin left is torn down at once,
    /// for `mercy` more; then the hooks still running are cancelled, their plugins abandoned
    /// (dropped, and excluded in the report with how long shutdown had taken).
    pub async fn shutdown_within(mut self, grace: Duration, mercy: Duration) -> Report {
        let deadlines = Deadlines {
            began: Instant::now(),
            grace,
            mercy,
        };
        let report = self
            .engine
            .finish_async(&self.settings, Some(deadlines))
            .await;
        log::debug!("plugin manager (async): shut down");
        report
    }

    /// What `config` would change, without touching anything (see [`PluginManager::plan`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] with every problem of `config`.
    pub fn plan(&self, config: &Config) -> Result<Plan, Error> {
        Ok(self.engine.plan(config)?)
    }

    /// The report so far (see [`PluginManager::report`]).
    pub fn report(&self) -> Report {
        self.engine.report()
    }

    /// The state of the plugin called `name`, if there is one.
    pub fn state(&self, name: &str) -> Option<PluginState> {
        self.engine.state(name)
    }

    /// What is known about the plugin called `name` (see [`PluginManager::info`]).
    pub fn info(&self, name: &str) -> Option<PluginInfo> {
        self.engine.info(name)
    }

    /// Every plugin, in start order (see [`PluginManager::plugins`]).
    pub fn plugins(&self) -> Vec<PluginInfo> {
        self.engine.plugins()
    }

    /// The live plugins, in start order.
    pub fn live(&self) -> Vec<Name> {
        self.engine.live()
    }

    /// Calls `observer` with every event from now on (see [`PluginManager::observe`]).
    pub fn observe(&self, observer: impl Fn(&Event) + Send + Sync + 'static) -> ObserverId {
        self.engine.observers().add(Box::new(observer))
    }

    /// Removes an observer; `false` if it was not there.
    pub fn remove_observer(&self, id: ObserverId) -> bool {
        self.engine.observers().remove(id)
    }
}

impl AsyncManager<Active> {
    /// Stops the running plugin called `name`, its running dependents first; returns what it
    /// stopped, in order (see [`PluginManager::stop_plugin`]). Runtime operations take `&self`
    /// and run one at a time; share the manager in an `Arc` to call them from several tasks.
    ///
    /// # Errors
    ///
    /// As [`PluginManager::stop_plugin`].
    pub async fn stop_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.control(Control::Stop, name).await
    }

    /// Starts the stopped (or never started) plugin called `name`, its stopped dependencies
    /// first, or brings an excluded or left-out one in; returns what it started, in order (see
    /// [`PluginManager::start_plugin`]).
    ///
    /// # Errors
    ///
    /// As [`PluginManager::start_plugin`].
    pub async fn start_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.control(Control::Start, name).await
    }

    /// Replaces the plugin called `name` with a fresh instance and brings its dependents back
    /// (see [`PluginManager::restart_plugin`]).
    ///
    /// # Errors
    ///
    /// As [`PluginManager::restart_plugin`].
    pub async fn restart_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.control(Control::Restart, name).await
    }

    /// Brings a plugin that is not live (left out, removed, or excluded for a cause that may
    /// have passed) through create, validate, init and start (see
    /// [`PluginManager::add_plugin`]).
    ///
    /// # Errors
    ///
    /// As [`PluginManager::add_plugin`].
    pub async fn add_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.control(Control::Add, name).await
    }

    /// Takes the plugin called `name` and its dependents out of the live set, dependents first
    /// (see [`PluginManager::remove_plugin`]).
    ///
    /// # Errors
    ///
    /// As [`PluginManager::remove_plugin`].
    pub async fn remove_plugin(&self, name: &str) -> Result<Vec<Name>, Error> {
        self.control(Control::Remove, name).await
    }

    /// Moves the running plugins to `config`, changing exactly what [`plan`](AsyncManager::plan)
    /// says, every hook awaited (see [`PluginManager::apply`]): reconfigured in place where the
    /// plugin takes it, stopped and re-created or restarted otherwise, dependents first.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `config` has a problem; then nothing changed.
    pub async fn apply(&mut self, config: Config) -> Result<Applied, Error> {
        Ok(self.engine.apply_async(config, &self.settings).await?)
    }

    /// Calls extension point `E` on the running plugins that implement it (see
    /// [`PluginManager::extension`]): with the sync policies, each callback a sync call made on
    /// this task; with the awaited ones ([`Extension::collect_async`] and the rest), for a point
    /// whose methods return futures, each callback's future awaited in call order. A
    /// callback that fails is in the call's outcome at once; its plugin's record, and the
    /// exclusion that `on_callback_failure(ExcludeAfter(n))` may call for, are made by the
    /// manager's next operation or transition, whose hooks can be awaited.
    pub fn extension<E: ?Sized + Send + Sync + 'static>(&self) -> Extension<'_, E> {
        self.engine.extension()
    }

    /// The extension point `E`, kept, for tasks and threads to call (see
    /// [`PluginManager::extension_handle`]).
    pub fn extension_handle<E: ?Sized + Send + Sync + 'static>(&self) -> ExtensionHandle<E> {
        self.engine.extension_handle()
    }

    /// The service of type `T` that the running plugin called `provider` provides (see
    /// [`PluginManager::service`]).
    ///
    /// # Errors
    ///
    /// As [`PluginManager::service`].
    pub fn service<T: ?Sized + Send + Sync + 'static>(
        &self,
        provider: &str,
    ) -> Result<Arc<T>, ServiceError> {
        self.engine.service(provider)
    }

    async fn control(&self, operation: Control, name: &str) -> Result<Vec<Name>, Error> {
        self.engine
            .run_control_async(operation, name, &self.settings)
            .await
    }

    /// Checks the health of every running plugin at once (an async plugin's
    /// [`health`](crate::AsyncPlugin::health) awaited, a sync plugin's on the blocking pool),
    /// each check bounded by the plugin's hook timeout: one that panics or does not finish in
    /// time is unhealthy. Each answer is kept (see [`PluginInfo`]'s `health`); the report lists
    /// them in start order. Then each unhealthy plugin whose policy is `on_unhealthy =
    /// "restart"` is restarted within its restart intensity (or excluded when it is reached),
    /// as [`PluginManager::check_health`] does, its hooks awaited; the report says what was
    /// done ([`HealthReport::supervised`]).
    pub async fn check_health(&self) -> HealthReport {
        let mut report = self.engine.check_health_async(&self.settings).await;
        self.engine
            .supervise_async(&mut report, &self.settings)
            .await;
        report
    }
}

impl<P: Phase> fmt::Debug for AsyncManager<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncManager")
            .field("phase", &P::NAME)
            .field("plugins", &self.engine.len())
            .field("hook_timeout", &self.settings.timeout)
            .field("concurrency", &self.settings.limit)
            .finish_non_exhaustive()
    }
}
