//! Health checks: each running plugin's `health` hook, run with the plugin locked as for a
//! plugin access (the sync manager), or all at once as jobs (the async manager), its answer
//! kept in the plugin's details.

use std::time::SystemTime;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::job::{Call, Runner};
use super::options::{AsyncSettings, Injector};
use super::slots::SlotAccess;
use super::{Engine, Ops};
use crate::busy::Busy;
use crate::catch;
use crate::contract::{Checked, Context, Health};
use crate::error::Error;
use crate::lifecycle::PluginState;
use crate::runtime::HealthReport;

impl Engine {
    /// Checks every running plugin, in start order; a panicking check is unhealthy.
    pub(crate) fn check_health(&self) -> Result<HealthReport, Error> {
        let _busy = Busy::enter(self.id, "check_health")?;
        let order = self.published.read().order.clone();
        let at = SystemTime::now();
        let route = catch::routing();
        let injector = Injector::of(&self.options);
        let mut plugins = Vec::new();
        for i in order {
            let instance = self.layout.slots.lock_instance(i);
            // Read under the instance's lock: a stop takes it too.
            if self.layout.slots.state(i) != PluginState::Running {
                continue;
            }
            let Some(instance) = instance.as_ref() else {
                continue;
            };
            let name = self.layout.slots.name(i);
            let metadata = self.layout.slots.entry(i).metadata();
            let ctx = Context::at(metadata, name.as_str(), &self.hub, i);
            let checked = route.catch(&name, || {
                injector
                    .health(&name)
                    .unwrap_or_else(|| instance.get().health(&ctx))
            });
            let health = match checked {
                Ok(health) => health,
                Err(message) => Health::unhealthy(format!("the health check panicked: {message}")),
            };
            if !health.is_healthy() {
                log::warn!(target: name.as_str(), "plugin {name:?} is {health}");
            }
            let mut slots = &self.layout.slots;
            let checked = Checked {
                health: health.clone(),
                at,
            };
            slots.with_details(i, |details| details.health = Some(checked));
            plugins.push((name, health));
        }
        Ok(HealthReport::new(at, plugins))
    }
}

impl Engine {
    /// Checks every running plugin at once (each check bounded by its hook timeout; a check
    /// that panics or times out is unhealthy), keeps each answer in the plugin's details, and
    /// reports them in start order. Queued behind the runtime operations in flight, as one.
    pub(crate) async fn check_health_async(&self, settings: &AsyncSettings) -> HealthReport {
        self.operate_async(settings, async |ops, run| ops.check_all_health(run).await)
            .await
    }
}

impl<S: SlotAccess> Ops<'_, S> {
    /// Every running plugin's health, checked at once as jobs of `run`.
    async fn check_all_health(&mut self, run: &Runner) -> HealthReport {
        let at = SystemTime::now();
        let mut checks = FuturesUnordered::new();
        for &i in &self.plan.order {
            if self.state(i) != PluginState::Running {
                continue;
            }
            let Some(instance) = self.slots.with_instance(i, |instance, _| instance.take()) else {
                continue;
            };
            checks.push(run.health(Call::of(self.slots.slots(), i, run.timeout), instance));
        }
        let mut answers = Vec::with_capacity(checks.len());
        while let Some((i, instance, health)) = checks.next().await {
            if instance.is_some() {
                self.slots.with_instance(i, |slot, _| *slot = instance);
            }
            let name = self.name(i);
            if !health.is_healthy() {
                log::warn!(target: name.as_str(), "plugin {name:?} is {health}");
            }
            let checked = Checked {
                health: health.clone(),
                at,
            };
            self.slots
                .with_details(i, |details| details.health = Some(checked));
            answers.push((i, name, health));
        }
        answers.sort_by_key(|&(i, ..)| self.plan.position[i]);
        HealthReport::new(
            at,
            answers
                .into_iter()
                .map(|(_, name, health)| (name, health))
                .collect(),
        )
    }
}
