//! One hook of one plugin as a future, for the async manager: the plugin's async hook awaited,
//! or a sync plugin's hook on the executor's blocking pool; panics caught, a timeout enforced.
//!
//! A job owns the plugin's instance while it runs (taken out of its slot by the walk, put back
//! when the job is done), so that jobs are `'static` and the walk keeps `&mut` to the slots for
//! its bookkeeping. A cancelled async hook gives its instance back; a sync hook that timed out
//! cannot be interrupted, and its instance is dropped on the blocking pool when it returns.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::future::{Either, select};
use quanta::Instant;

use super::PluginHook;
use super::instance::{Instance, NO_INSTANCE};
use super::options::Injector;
use super::slots::Slots;
use crate::catch::Route;
use crate::contract::{
    Context, DynAsyncPlugin, Health, Plugin, PluginError, PluginMetadata, Reconfigure,
};
use crate::executor::{BoxFuture, Executor};
use crate::extension::Hub;
use crate::lifecycle::Hook;
use crate::name::Name;
use crate::registry::{ConfigSpec, ConfigValue};
use crate::report::FailureCause;

/// A hook's result: done, or how it failed.
pub(super) type Outcome = Result<(), FailureCause>;

/// What a job hands back to the walk.
pub(super) struct Done {
    pub(super) i: usize,
    pub(super) hook: PluginHook,
    /// The instance, back from the job; `None` if a sync hook was abandoned with it.
    pub(super) instance: Option<Instance>,
    pub(super) outcome: Outcome,
    /// When the hook began, if timing is on.
    pub(super) started: Option<Instant>,
}

/// What every job of one walk shares: where hooks run and how long they may take.
#[derive(Clone)]
pub(crate) struct Runner {
    pub(super) hub: Arc<Hub>,
    pub(super) executor: Arc<dyn Executor>,
    pub(super) route: Route,
    pub(super) injector: Injector,
    /// The timeout of every hook, unless the plugin has its own.
    pub(super) timeout: Option<Duration>,
    pub(super) time_hooks: bool,
}

/// What a job runs on its plugin: the async form, awaited on an async plugin, or the sync
/// form, on the blocking pool for a sync one.
trait Work: Send + 'static {
    type Output: Send + 'static;

    /// The hook, for fault injection.
    fn hook(&self) -> Hook;

    fn on_async<'a>(
        self,
        plugin: &'a mut dyn Plugin,
        ctx: &'a Context<'a>,
    ) -> BoxFuture<'a, Result<Self::Output, PluginError>>;

    fn on_pool(
        self,
        plugin: &mut dyn Plugin,
        ctx: &Context<'_>,
    ) -> Result<Self::Output, PluginError>;
}

impl Work for PluginHook {
    type Output = ();

    fn hook(&self) -> Hook {
        PluginHook::hook(*self)
    }

    fn on_async<'a>(
        self,
        plugin: &'a mut dyn Plugin,
        ctx: &'a Context<'a>,
    ) -> BoxFuture<'a, Result<(), PluginError>> {
        let Some(plugin) = plugin.as_async() else {
            return Box::pin(std::future::ready(Err(PluginError::msg(
                "the plugin is not an async one",
            ))));
        };
        match self {
            Self::Validate => plugin.validate(ctx),
            Self::Init => plugin.init(ctx),
            Self::Start => plugin.start(ctx),
            Self::Stop => plugin.stop(ctx),
            Self::Shutdown => plugin.shutdown(ctx),
        }
    }

    fn on_pool(self, plugin: &mut dyn Plugin, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.run(plugin, ctx)
    }
}

/// A new config for a running instance: its `reconfigure`.
struct NewConfig {
    spec: &'static ConfigSpec,
    value: ConfigValue,
}

impl Work for NewConfig {
    type Output = Reconfigure;

    fn hook(&self) -> Hook {
        Hook::Reconfigure
    }

    fn on_async<'a>(
        self,
        plugin: &'a mut dyn Plugin,
        ctx: &'a Context<'a>,
    ) -> BoxFuture<'a, Result<Reconfigure, PluginError>> {
        self.spec.reconfigure_async(plugin, self.value, ctx)
    }

    fn on_pool(
        self,
        plugin: &mut dyn Plugin,
        ctx: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        self.spec.reconfigure(plugin, self.value, ctx)
    }
}

/// Which plugin a job calls, and how long each of its hooks may run.
#[derive(Clone, Copy)]
pub(super) struct Call {
    pub(super) i: usize,
    pub(super) name: Name,
    pub(super) metadata: &'static PluginMetadata,
    pub(super) timeout: Option<Duration>,
}

impl Call {
    /// Plugin `i` of `slots`, its timeout its own or else `default` (the manager's).
    pub(super) fn of(slots: &Slots, i: usize, default: Option<Duration>) -> Self {
        Self {
            i,
            name: slots.name(i),
            metadata: slots.entry(i).metadata(),
            timeout: slots.timeout(i, default),
        }
    }
}

impl Runner {
    /// The job that runs `hook` of the plugin `call` names on `instance`, after `delay` (a
    /// retry's backoff) if there is one.
    pub(super) fn job(
        &self,
        call: Call,
        hook: PluginHook,
        instance: Option<Instance>,
        delay: Option<Duration>,
    ) -> BoxFuture<'static, Done> {
        let runner = self.clone();
        let i = call.i;
        Box::pin(async move {
            if let Some(delay) = delay {
                runner.executor.sleep(delay).await;
            }
            let Some(mut instance) = instance else {
                let error = PluginError::msg(NO_INSTANCE);
                return Done {
                    i,
                    hook,
                    instance: None,
                    outcome: Err(FailureCause::Error(Arc::new(error))),
                    started: None,
                };
            };
            if hook.withdraws() {
                // Withdrawn by the walk; awaited callbacks may still hold it.
                instance.until_unique(&*runner.executor).await;
            }
            let started = runner.time_hooks.then(Instant::now);
            let (instance, outcome) = runner.run(&call, instance, hook).await;
            Done {
                i,
                hook,
                instance,
                outcome,
                started,
            }
        })
    }

    /// The job that hands running plugin `call` names (its `instance`) a new config `value`
    /// of its kind's config type (`spec`): an async plugin's `reconfigure` awaited, a sync
    /// one's on the blocking pool, within the plugin's timeout, panics caught.
    pub(super) fn reconfigure(
        &self,
        call: Call,
        spec: &'static ConfigSpec,
        value: ConfigValue,
        instance: Option<Instance>,
    ) -> BoxFuture<'static, (Option<Instance>, Result<Reconfigure, FailureCause>)> {
        let runner = self.clone();
        Box::pin(async move {
            let Some(mut instance) = instance else {
                let error = PluginError::msg(NO_INSTANCE);
                return (None, Err(FailureCause::Error(Arc::new(error))));
            };
            // Withdrawn by the operation; awaited callbacks may still hold it.
            instance.until_unique(&*runner.executor).await;
            runner.run(&call, instance, NewConfig { spec, value }).await
        })
    }

    /// Runs `work` on `instance`: awaited if the plugin is an async one, else on the blocking
    /// pool.
    async fn run<W: Work>(
        &self,
        call: &Call,
        mut instance: Instance,
        work: W,
    ) -> (Option<Instance>, Result<W::Output, FailureCause>) {
        let is_async = instance
            .get_mut()
            .is_some_and(|plugin| plugin.as_async().is_some());
        if is_async {
            let outcome = self.run_async(call, &mut instance, work).await;
            (Some(instance), outcome)
        } else {
            self.run_blocking(call, instance, work).await
        }
    }

    /// Awaits `work` on an async plugin, within the call's timeout, catching panics.
    async fn run_async<W: Work>(
        &self,
        call: &Call,
        instance: &mut Instance,
        work: W,
    ) -> Result<W::Output, FailureCause> {
        let Call {
            i,
            name,
            metadata,
            timeout,
        } = *call;
        let ctx = Context::at(metadata, name.as_str(), &self.hub, i);
        let injector = self.injector;
        let executor = &*self.executor;
        let work = async {
            let hook = work.hook();
            injector
                .check_awaited(name.as_str(), hook, executor)
                .await?;
            let Some(plugin) = instance.get_mut() else {
                return Err(PluginError::msg(NO_INSTANCE));
            };
            let ran = work.on_async(plugin, &ctx).await;
            injector.returned(name.as_str(), hook);
            ran
        };
        let caught = self.route.catch_future(name, work);
        match self.within(timeout, caught).await {
            Some(outcome) => flatten(outcome),
            None => Err(FailureCause::TimedOut(timeout.unwrap_or_default())),
        }
    }

    /// Runs `work` on a sync plugin on the blocking pool, waiting at most the call's timeout
    /// for it.
    async fn run_blocking<W: Work>(
        &self,
        call: &Call,
        mut instance: Instance,
        work: W,
    ) -> (Option<Instance>, Result<W::Output, FailureCause>) {
        type Slot<T> = Mutex<Option<(Instance, Result<Result<T, PluginError>, String>)>>;
        let Call {
            i,
            name,
            metadata,
            timeout,
        } = *call;
        let back: Arc<Slot<W::Output>> = Arc::new(Mutex::new(None));
        let put = Arc::clone(&back);
        let (hub, route, injector) = (Arc::clone(&self.hub), self.route, self.injector);
        let work = Box::new(move || {
            let ctx = Context::at(metadata, name.as_str(), &hub, i);
            let outcome = route.catch(&name, || {
                let hook = work.hook();
                injector.check(name.as_str(), hook)?;
                let ran = match instance.get_mut() {
                    Some(plugin) => work.on_pool(plugin, &ctx),
                    None => Err(PluginError::msg(NO_INSTANCE)),
                };
                injector.returned(name.as_str(), hook);
                ran
            });
            *put.lock().unwrap_or_else(PoisonError::into_inner) = Some((instance, outcome));
        });
        let ran = self.executor.run_blocking(work);
        if self.within(timeout, ran).await.is_none() {
            return (
                None,
                Err(FailureCause::TimedOut(timeout.unwrap_or_default())),
            );
        }
        match back.lock().unwrap_or_else(PoisonError::into_inner).take() {
            Some((instance, outcome)) => (Some(instance), flatten(outcome)),
            None => {
                let error = PluginError::msg("the executor dropped the hook before it ran");
                (None, Err(FailureCause::Error(Arc::new(error))))
            }
        }
    }

    /// The job that checks the health of `instance` (of plugin `i`): its async `health`
    /// awaited, or its sync one on the blocking pool, within `timeout`. A check that panics or
    /// does not finish in time is unhealthy.
    pub(super) fn health(
        &self,
        call: Call,
        instance: Instance,
    ) -> BoxFuture<'static, (usize, Option<Instance>, Health)> {
        let runner = self.clone();
        let Call {
            i,
            name,
            metadata,
            timeout,
        } = call;
        Box::pin(async move {
            let is_async = instance.get().as_async_ref().is_some();
            let (instance, checked) = if is_async {
                let ctx = Context::at(metadata, name.as_str(), &runner.hub, i);
                // Only the async side is held across the `.await`: it is `Sync`.
                let plugin: Option<&dyn DynAsyncPlugin> = instance.get().as_async_ref();
                let (injector, executor) = (runner.injector, &*runner.executor);
                let check = async {
                    if let Some(injected) = injector.health_awaited(name.as_str(), executor).await {
                        return injected;
                    }
                    match plugin {
                        Some(plugin) => plugin.health(&ctx).await,
                        None => Health::unhealthy(NO_INSTANCE),
                    }
                };
                let caught = runner.route.catch_future(name, check);
                let checked = runner.within(timeout, caught).await;
                (Some(instance), checked)
            } else {
                type Slot = Mutex<Option<(Instance, Result<Health, String>)>>;
                let back: Arc<Slot> = Arc::new(Mutex::new(None));
                let put = Arc::clone(&back);
                let (hub, route, injector) =
                    (Arc::clone(&runner.hub), runner.route, runner.injector);
                let work = Box::new(move || {
                    let ctx = Context::at(metadata, name.as_str(), &hub, i);
                    let health = route.catch(&name, || {
                        injector
                            .health(name.as_str())
                            .unwrap_or_else(|| instance.get().health(&ctx))
                    });
                    *put.lock().unwrap_or_else(PoisonError::into_inner) = Some((instance, health));
                });
                let ran = runner
                    .within(timeout, runner.executor.run_blocking(work))
                    .await;
                let done =
                    ran.and_then(|()| back.lock().unwrap_or_else(PoisonError::into_inner).take());
                match done {
                    Some((instance, health)) => (Some(instance), Some(health)),
                    None => (None, None),
                }
            };
            let health = match checked {
                Some(Ok(health)) => health,
                Some(Err(message)) => {
                    Health::unhealthy(format!("the health check panicked: {message}"))
                }
                None => Health::unhealthy(format!(
                    "the health check did not finish within {:?}",
                    timeout.unwrap_or_default()
                )),
            };
            (i, instance, health)
        })
    }

    /// Awaits `future`, or gives up after `timeout` (`None`) and drops it.
    async fn within<F: Future + Send>(
        &self,
        timeout: Option<Duration>,
        future: F,
    ) -> Option<F::Output> {
        let Some(timeout) = timeout else {
            return Some(future.await);
        };
        match select(std::pin::pin!(future), self.executor.sleep(timeout)).await {
            Either::Left((output, _)) => Some(output),
            Either::Right(((), _)) => None,
        }
    }
}

/// A caught hook's result (a panic's message, or the hook's own result) as its value or the
/// failure's cause.
pub(super) fn flatten<T>(
    caught: Result<Result<T, PluginError>, String>,
) -> Result<T, FailureCause> {
    match caught {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(FailureCause::Error(Arc::new(error))),
        Err(message) => Err(FailureCause::Panic(message)),
    }
}
