//! Health checks: each running plugin's `health` hook, run with the plugin locked as for a
//! plugin access, its answer kept in the plugin's details.

use std::sync::PoisonError;
use std::time::SystemTime;

use super::Engine;
use super::slots::SlotAccess;
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
        let order = self
            .plan
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .order
            .clone();
        let at = SystemTime::now();
        let route = catch::routing();
        let mut plugins = Vec::new();
        for i in order {
            let instance = self.slots.lock_instance(i);
            // Read under the instance's lock: a stop takes it too.
            if self.slots.state(i) != PluginState::Running {
                continue;
            }
            let Some(instance) = instance.as_ref() else {
                continue;
            };
            let name = self.slots.name(i);
            let metadata = self.slots.entry(i).metadata();
            let ctx = Context::at(metadata, name.as_str(), &*self.hub, i);
            let health = match route.catch(&name, || instance.get().health(&ctx)) {
                Ok(health) => health,
                Err(message) => Health::unhealthy(format!("the health check panicked: {message}")),
            };
            if !health.is_healthy() {
                log::warn!(target: name.as_str(), "plugin {name:?} is {health}");
            }
            let mut slots = &self.slots;
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
