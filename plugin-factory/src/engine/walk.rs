//! The walks that run a hook on every plugin, in start order or in reverse, and the pruning of
//! the start order to live plugins that ends each phase and operation.

use super::slots::SlotAccess;
use super::{Ops, PluginHook};

/// Walks over every plugin.
impl<S: SlotAccess> Ops<'_, S> {
    /// Runs `hook` on every plugin ready for it, in start order. Stops at once when a required
    /// plugin is excluded.
    pub(super) fn run_forward(&mut self, hook: PluginHook) {
        for place in 0..self.plan.order.len() {
            let i = self.plan.order[place];
            let from = self.state(i);
            if hook.runs_from(from) {
                let _ = self.step_from(i, from, hook);
                if self.required_excluded.is_some() {
                    return;
                }
            }
        }
    }

    /// Stops every running plugin in reverse start order.
    pub(super) fn stop_all(&mut self) {
        for place in (0..self.plan.order.len()).rev() {
            let i = self.plan.order[place];
            let from = self.state(i);
            if PluginHook::Stop.runs_from(from) {
                let _ = self.step_from(i, from, PluginHook::Stop);
            }
        }
    }

    /// Stops, shuts down and drops everything live, in reverse start order, then drops the
    /// instances that never started.
    pub(super) fn shut_down_all(&mut self) {
        self.stop_all();
        for place in (0..self.plan.order.len()).rev() {
            let i = self.plan.order[place];
            if self.state(i).is_live() {
                let _ = self.tear_down(i);
            }
        }
        for i in (0..self.slots.slots().len()).rev() {
            if self.state(i).is_live() {
                let _ = self.tear_down(i);
            }
        }
    }

    /// Keeps only live plugins in the start order.
    pub(super) fn retain_live(&mut self) {
        if !self.left_live {
            return;
        }
        let mut order = std::mem::take(&mut self.plan.order);
        order.retain(|&i| self.state(i).is_live());
        self.plan.order = order;
        self.plan.reindex();
    }
}
