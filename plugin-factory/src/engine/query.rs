//! What the manager answers about its plugins without changing them: lookups by name, states,
//! [`PluginInfo`], the live list and the [`Report`]. Queries never take the control lock.

use std::sync::Arc;

use super::Engine;
use super::order::report_order;
use super::slots::Slots;
use crate::error::Error;
use crate::lifecycle::PluginState;
use crate::name::Name;
use crate::report::table::Report;
use crate::report::{Details, HookTimings, PluginReport};
use crate::runtime::PluginInfo;

impl Engine {
    /// How many plugins are registered.
    pub(crate) fn len(&self) -> usize {
        self.layout.slots.len()
    }

    /// The slot of the plugin called `name`, if one is registered.
    #[inline]
    pub(crate) fn find(&self, name: impl AsRef<str>) -> Option<usize> {
        self.layout.find(name)
    }

    /// The slot of the plugin called `name`, or [`Error::UnknownPlugin`].
    pub(crate) fn slot(&self, name: &str) -> Result<usize, Error> {
        self.find(name).ok_or_else(|| Error::UnknownPlugin {
            plugin: name.to_owned(),
        })
    }

    /// The state of the plugin called `name`, if one is registered.
    pub(crate) fn state(&self, name: &str) -> Option<PluginState> {
        Some(self.layout.slots.state(self.find(name)?))
    }

    /// Everything known about the plugin called `name`, if one is registered.
    pub(crate) fn info(&self, name: &str) -> Option<PluginInfo> {
        Some(self.info_at(self.find(name)?))
    }

    /// Every registered plugin, by name.
    pub(crate) fn plugins(&self) -> Vec<PluginInfo> {
        let mut plugins: Vec<_> = (0..self.layout.slots.len())
            .map(|i| self.info_at(i))
            .collect();
        plugins.sort_by(|a, b| a.name().cmp(b.name()));
        plugins
    }

    fn info_at(&self, i: usize) -> PluginInfo {
        let slots = &self.layout.slots;
        let details = slots.details(i);
        let details = details.as_deref();
        let mut dependents: Vec<_> = self
            .layout
            .topology
            .graph
            .dependents(i)
            .map(|d| slots.name(d))
            .collect();
        dependents.sort_unstable();
        PluginInfo::new(
            slots.name(i),
            slots.entry(i).metadata(),
            slots.state(i),
            slots.on_failure(i),
            self.on_unhealthy(i),
            details,
            dependents,
        )
    }

    /// The names of the live plugins, in the report's order: the start order (which holds
    /// live plugins only), or by name before there is one.
    pub(crate) fn live(&self) -> Vec<Name> {
        let plan = self.published.read();
        let slots = &self.layout.slots;
        report_order(&plan, slots)
            .filter(|&i| slots.state(i).is_live())
            .map(|i| slots.name(i))
            .collect()
    }

    /// The state of every plugin: started ones in start order, then the rest by name.
    pub(crate) fn report(&self) -> Report {
        let plan = self.published.read();
        let slots = &self.layout.slots;
        let timings = slots.all_timings();
        let lines = report_order(&plan, slots)
            .map(|i| line(slots, i, slots.details(i).clone(), timings.as_ref()));
        Report::new(
            lines.collect(),
            self.sources.config_problems.clone(),
            self.sources.unlinked.clone(),
        )
    }

    /// The final report, moving each plugin's details into it instead of cloning them.
    pub(super) fn take_report(&mut self) -> Report {
        let plan = self.published.plan_mut();
        let slots = &mut self.layout.slots;
        let timings = slots.all_timings();
        let mut lines = Vec::with_capacity(slots.len());
        for i in report_order(plan, slots) {
            let details = slots.details_mut(i).take();
            lines.push(line(slots, i, details, timings.as_ref()));
        }
        Report::new(
            lines,
            self.sources.config_problems.clone(),
            self.sources.unlinked.clone(),
        )
    }
}

/// The report's line for slot `i`; `timings` are every slot's hook times, if timing is on.
fn line(
    slots: &Slots,
    i: usize,
    details: Option<Box<Details>>,
    timings: Option<&Arc<[HookTimings]>>,
) -> PluginReport {
    PluginReport::new(
        slots.name(i),
        slots.entry(i).metadata(),
        slots.state(i),
        details,
        timings.map(|timings| (Arc::clone(timings), i as u32)),
    )
}
