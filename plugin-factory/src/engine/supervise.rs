//! The supervisor: after a health check, what `on_unhealthy` says to do with each unhealthy
//! plugin. `restart(...)` restarts it (and its dependents) within its restart intensity, and
//! excludes it, with the restarts as the reason, when the intensity is reached.

use std::time::{Instant, SystemTime};

use super::drive::{Awaited, Direct, Drive, completed};
use super::exclude::Failure;
use super::options::AsyncSettings;
use super::slots::SlotAccess;
use super::{Engine, Ops};
use crate::contract::{Health, Intensity, OnUnhealthy};
use crate::lifecycle::PluginState;
use crate::name::Name;
use crate::report::{ExclusionReason, Restart};
use crate::runtime::{HealthReport, Supervision};

impl Engine {
    /// What a health check does when it finds `i` unhealthy: as its configuration says, else as
    /// the manager's builder says.
    pub(super) fn on_unhealthy(&self, i: usize) -> OnUnhealthy {
        let configured = self.layout.slots.spec(i).on_unhealthy;
        configured.unwrap_or(self.options.on_unhealthy)
    }

    /// Applies each unhealthy plugin's `on_unhealthy` policy, one runtime operation each, and
    /// records what was done in `report`.
    pub(crate) fn supervise(&self, report: &mut HealthReport) {
        for (name, health, intensity) in self.to_restart(report) {
            let done = self.control("supervise", &name, |ops, i| {
                Ok(completed(ops.supervise(i, health, intensity, &Direct)))
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

impl Engine {
    /// [`supervise`](Engine::supervise) for the async manager: each restart (or giving up) one
    /// async operation, its hooks awaited.
    pub(crate) async fn supervise_async(
        &self,
        report: &mut HealthReport,
        settings: &AsyncSettings,
    ) {
        for (name, health, intensity) in self.to_restart(report) {
            let Ok(i) = self.slot(&name) else {
                continue;
            };
            let done = self
                .operate_async(settings, async |ops, run| {
                    ops.supervise(i, health, intensity, &Awaited(run)).await
                })
                .await;
            if let Some(supervision) = done {
                report.record(name, supervision);
            }
        }
    }

    /// The unhealthy plugins of `report` whose policy is to restart them, with their intensity.
    pub(super) fn to_restart(&self, report: &HealthReport) -> Vec<(Name, Health, Intensity)> {
        report
            .plugins()
            .iter()
            .filter(|(_, health)| health.is_unhealthy())
            .filter_map(|(name, health)| {
                let i = self.slot(name).ok()?;
                match self.on_unhealthy(i) {
                    OnUnhealthy::Restart(intensity) => Some((*name, health.clone(), intensity)),
                    OnUnhealthy::Report => None,
                }
            })
            .collect()
    }
}

impl<S: SlotAccess> Ops<'_, S> {
    /// Restarts `i`, found `health` (unhealthy), unless it was restarted `intensity` times
    /// within the window already: then excludes it (and its dependents). `None` if it no
    /// longer runs.
    pub(super) async fn supervise(
        &mut self,
        i: usize,
        health: Health,
        intensity: Intensity,
        drive: &impl Drive,
    ) -> Option<Supervision> {
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
            let out = Failure {
                i,
                before: PluginState::Running,
                failed: None,
                reason,
            };
            self.take_out(out, drive).await;
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
        Some(match self.restart_plugin(i, drive).await {
            Ok(_) => Supervision::Restarted { restart },
            Err(error) => Supervision::RestartFailed(error.to_string()),
        })
    }
}
