//! The supervisor: after a health check, what `on_unhealthy` says to do with each unhealthy
//! plugin. `restart(...)` restarts it (and its dependents) within its restart intensity, and
//! excludes it, with the restarts as the reason, when the intensity is reached.

use std::time::{Instant, SystemTime};

use super::drive::{Direct, completed};
use super::slots::SlotAccess;
use super::{Engine, Ops};
use crate::contract::{Health, Intensity, OnUnhealthy};
use crate::lifecycle::PluginState;
use crate::report::{ExclusionReason, Restart};
use crate::runtime::{HealthReport, Supervision};

impl Engine {
    /// What a health check does when it finds `i` unhealthy: as its configuration says, else as
    /// the manager's builder says.
    pub(super) fn on_unhealthy(&self, i: usize) -> OnUnhealthy {
        let configured = self.slots.spec(i).on_unhealthy;
        configured.unwrap_or(self.options.on_unhealthy)
    }

    /// Applies each unhealthy plugin's `on_unhealthy` policy, one runtime operation each, and
    /// records what was done in `report`.
    pub(crate) fn supervise(&self, report: &mut HealthReport) {
        let unhealthy: Vec<_> = report
            .plugins()
            .iter()
            .filter(|(_, health)| health.is_unhealthy())
            .cloned()
            .collect();
        for (name, health) in unhealthy {
            let Ok(i) = self.slot(&name) else {
                continue;
            };
            let OnUnhealthy::Restart(intensity) = self.on_unhealthy(i) else {
                continue;
            };
            let done = self.control("supervise", &name, |ops, i| {
                Ok(ops.supervise(i, health, intensity))
            });
            match done {
                Ok(Some(supervision)) => report.record(name, supervision),
                Ok(None) => {}
                Err(error) => {
                    log::error!(target: name.as_str(), "plugin {name:?}: the supervisor could not act: {error}");
                }
            }
        }
    }
}

impl<S: SlotAccess + Send> Ops<'_, S> {
    /// Restarts `i`, found `health` (unhealthy), unless it was restarted `intensity` times
    /// within the window already: then excludes it (and its dependents). `None` if it no
    /// longer runs.
    fn supervise(&mut self, i: usize, health: Health, intensity: Intensity) -> Option<Supervision> {
        if self.state(i) != PluginState::Running {
            return None;
        }
        let name = self.name(i);
        let now = Instant::now();
        let mut restarts = self
            .slots
            .with_details(i, |details| std::mem::take(&mut details.restarts));
        restarts.retain(|restart| now.duration_since(restart.since) < intensity.within());
        if restarts.len() >= intensity.max_restarts() as usize {
            let reason = ExclusionReason::RestartLimit {
                health,
                restarts,
                intensity,
            };
            log::error!(target: name.as_str(), "plugin {name:?}: {reason}");
            self.evict_dependents(i, |dependency| ExclusionReason::DependsOnExcluded {
                dependency,
            });
            // A failing teardown hook excludes it already, with that failure as the reason.
            if self.tear_down(i).is_ok() {
                self.exclude(i, reason);
            }
            return Some(Supervision::GaveUp);
        }
        restarts.push(Restart {
            at: SystemTime::now(),
            health: health.clone(),
            since: now,
        });
        let restart = u32::try_from(restarts.len()).unwrap_or(u32::MAX);
        self.slots
            .with_details(i, |details| details.restarts = restarts);
        log::warn!(
            target: name.as_str(),
            "plugin {name:?} is {health}: restarting it (restart {restart}, {intensity})"
        );
        Some(match completed(self.restart_plugin(i, &Direct)) {
            Ok(_) => Supervision::Restarted { restart },
            Err(error) => Supervision::RestartFailed(error.to_string()),
        })
    }
}
