//! Moving a running manager to a new configuration, part one: checking the configuration whole
//! (it resolves, every config reads, every dependency binds, no cycle, no required instance
//! lost) and computing the [`Plan`] against the instances that run now. Nothing is touched
//! here; `apply.rs` carries the plan out.

use std::sync::RwLockReadGuard;

use rustc_hash::FxHashSet;

use super::order;
use super::resolve::dependency_problem;
use super::{Engine, Layout};
use crate::config::{
    Change, Config, ConfigError, Instance, Location, Node, Plan, PlannedChange, Problem,
    resolve_with,
};
use crate::lifecycle::PluginState;
use crate::name::Name;
use crate::registry::PluginEntry;
use crate::report::ExclusionReason;

/// A configuration checked against a running manager, and the plan from the running
/// instances to it.
pub(super) struct Checked {
    pub(super) next: Next,
    pub(super) plan: Plan,
}

/// Where a checked configuration's instances go.
pub(super) enum Next {
    /// The same instances, kinds, enabled flags and bindings as now, so the same layout: the
    /// plan is carried out in place, with these specs (each instance's new config).
    Same(Vec<Instance>),
    /// Another layout (nothing created in it yet), which the manager adopts.
    Layout(Box<Layout>),
}

/// A reload's planner: what checking a configuration and planning the move to it may read (the
/// running layout, the published start order, the kinds the configuration is resolved
/// against). It holds no `&mut` and runs no hook: planning touches nothing.
pub(super) struct Planner<'a> {
    now: &'a Layout,
    /// Read for each planned change's place; held for the planning only.
    order: RwLockReadGuard<'a, order::Plan>,
    kinds: &'a [&'static PluginEntry],
    time_hooks: bool,
}

impl Engine {
    /// The planner of a reload from this manager's running instances.
    pub(super) fn planner(&self) -> Planner<'_> {
        Planner {
            now: &self.layout,
            order: self.published.read(),
            kinds: &self.sources.kinds,
            time_hooks: self.options.time_hooks,
        }
    }
}

impl Planner<'_> {
    /// Resolves `config` against the manager's kinds and checks it whole; every problem is
    /// listed, not only the first.
    pub(super) fn check(&self, config: &Config) -> Result<Checked, ConfigError> {
        // A config that reads the same as the running instance's was checked when it came in
        // (unless that instance was disabled: then it was never read).
        let checked = |name: &str, entry: &'static PluginEntry, node: Option<&Node>| {
            self.now.find(name).is_some_and(|i| {
                let slots = &self.now.slots;
                let spec = slots.spec(i);
                std::ptr::eq(slots.entry(i), entry)
                    && spec.enabled
                    && same_config(spec.config.as_ref(), node)
                    && slots.details(i).as_ref().is_none_or(|details| {
                        !matches!(details.reason, Some(ExclusionReason::InvalidConfig { .. }))
                    })
            })
        };
        let resolved = resolve_with(config, self.kinds, &checked);
        let mut problems = resolved.all_problems();
        if !problems.is_empty() {
            return Err(ConfigError::Invalid { problems });
        }
        if self.same_structure(&resolved.instances) {
            // The layout the manager has is the one the configuration gives.
            problems.extend(self.now.static_problems());
            if !problems.is_empty() {
                return Err(ConfigError::Invalid { problems });
            }
            let plan = self.diff_configs(&resolved.instances);
            return Ok(Checked {
                next: Next::Same(resolved.instances),
                plan,
            });
        }
        let next = Layout::new(resolved.instances, self.time_hooks);
        problems.extend(next.static_problems());
        problems.extend(self.lost_required(&next));
        if !problems.is_empty() {
            return Err(ConfigError::Invalid { problems });
        }
        let plan = self.diff(&next);
        Ok(Checked {
            next: Next::Layout(Box::new(next)),
            plan,
        })
    }

    /// Whether `instances` are the running ones with the same kinds, enabled flags and
    /// bindings (their configs may differ): then they lay out exactly as now.
    fn same_structure(&self, instances: &[Instance]) -> bool {
        let slots = &self.now.slots;
        instances.len() == slots.len()
            && instances.iter().all(|instance| {
                self.now.find(instance.name).is_some_and(|i| {
                    let spec = slots.spec(i);
                    std::ptr::eq(slots.entry(i), instance.entry)
                        && spec.enabled == instance.spec().enabled
                        && spec.bind == instance.spec().bind
                })
            })
    }

    /// The plan to `instances`, which differ from the running ones in their configs at most.
    fn diff_configs(&self, instances: &[Instance]) -> Plan {
        let slots = &self.now.slots;
        let mut changed = Vec::new();
        let mut unchanged = Vec::new();
        for instance in instances {
            let i = self.now.find(instance.name).expect("the same instances");
            let same_config = same_config(
                slots.spec(i).config.as_ref(),
                instance.spec().config.as_ref(),
            );
            let state = slots.state(i);
            let change =
                if same_config || !instance.spec().enabled || state == PluginState::Registered {
                    None
                } else if state.is_live() {
                    Some(Change::Reconfigure)
                } else {
                    Some(Change::Recreate)
                };
            match change {
                Some(change) => changed.push(PlannedChange {
                    instance: instance.name,
                    kind: instance.entry.name(),
                    change,
                }),
                None => unchanged.push(instance.name),
            }
        }
        let mut restarts = self.finish_changes(&mut changed, &mut unchanged, &[]);
        changed.append(&mut restarts);
        Plan {
            changes: changed,
            unchanged,
        }
    }

    /// A problem for each live required instance that `next` leaves out.
    fn lost_required(&self, next: &Layout) -> Vec<Problem> {
        let slots = &self.now.slots;
        (0..slots.len())
            .filter(|&i| slots.on_failure(i).is_required() && slots.state(i).is_live())
            .filter_map(|i| {
                // Placed where the next configuration disables it, else where the current one
                // described what it removes (nowhere, for an unlisted kind).
                let at = match next.find(slots.name(i)) {
                    Some(j) if next.slots.spec(j).enabled => return None,
                    Some(j) => next.slots.spec(j).at.clone(),
                    None => slots.spec(i).at.clone(),
                };
                Some(Problem {
                    path: format!("plugins.{}", slots.name(i)),
                    message: format!(
                        "plugin {:?} is required: it cannot be removed or disabled",
                        slots.name(i)
                    ),
                    at: (at != Location::Unlisted).then_some(at),
                })
            })
            .collect()
    }

    /// Whether `next` has the same instances, kinds and edges in the same slots.
    pub(super) fn same_layout(&self, next: &Layout) -> bool {
        let (old, new) = (&self.now.slots, &next.slots);
        old.len() == new.len()
            && self.now.topology.placed == next.topology.placed
            && (0..old.len()).all(|i| {
                old.name(i) == new.name(i)
                    && std::ptr::eq(old.entry(i), new.entry(i))
                    && self.now.targets(i).eq(next.targets(i))
            })
    }

    /// The plan from the running instances to `next`'s.
    fn diff(&self, next: &Layout) -> Plan {
        let (old, new) = (&self.now.slots, &next.slots);
        let mut removes = Vec::new();
        let mut changed = Vec::new();
        let mut adds = Vec::new();
        let mut unchanged = Vec::new();
        // Removed: gone, or disabled now. In reverse start order, dependents first.
        let mut by_order: Vec<usize> = (0..old.len()).collect();
        by_order.sort_by_key(|&i| std::cmp::Reverse(self.place(i)));
        for &i in &by_order {
            let gone = next.find(old.name(i)).is_none_or(|j| !new.spec(j).enabled);
            if gone && old.state(i) != PluginState::Registered {
                removes.push(PlannedChange {
                    instance: old.name(i),
                    kind: old.entry(i).name(),
                    change: Change::Remove,
                });
            }
        }
        for j in 0..new.len() {
            let name = new.name(j);
            let spec = new.spec(j);
            let kind = new.entry(j).name();
            let Some(i) = self.now.find(name) else {
                if spec.enabled {
                    adds.push(j);
                } else {
                    unchanged.push(name);
                }
                continue;
            };
            if !spec.enabled {
                if old.state(i) == PluginState::Registered {
                    unchanged.push(name);
                }
                continue;
            }
            let same_kind = std::ptr::eq(old.entry(i), new.entry(j));
            let same_targets = self.now.targets(i).eq(next.targets(j));
            let same_config = same_config(old.spec(i).config.as_ref(), spec.config.as_ref());
            let change = if !old.spec(i).enabled || old.state(i) == PluginState::Registered {
                Some(Change::Add)
            } else if !old.state(i).is_live() {
                // Excluded: it stays so, unless its configuration changed.
                (!(same_kind && same_targets && same_config)).then_some(Change::Recreate)
            } else if !same_kind || !same_targets {
                Some(Change::Recreate)
            } else if !same_config {
                Some(Change::Reconfigure)
            } else {
                None
            };
            match change {
                Some(Change::Add) => adds.push(j),
                Some(change) => changed.push(PlannedChange {
                    instance: name,
                    kind,
                    change,
                }),
                None => unchanged.push(name),
            }
        }
        let mut restarts = self.finish_changes(&mut changed, &mut unchanged, &removes);
        let mut changes = removes;
        changes.extend(changed);
        changes.append(&mut restarts);
        changes.extend(adds.into_iter().map(|j| PlannedChange {
            instance: new.name(j),
            kind: new.entry(j).name(),
            change: Change::Add,
        }));
        Plan { changes, unchanged }
    }

    /// The tail both plans share: puts `changed` in start order, and returns a `Restart` for
    /// each live dependent of a re-created instance, taking it out of `unchanged`.
    fn finish_changes(
        &self,
        changed: &mut [PlannedChange],
        unchanged: &mut Vec<Name>,
        removes: &[PlannedChange],
    ) -> Vec<PlannedChange> {
        let recreated: Vec<usize> = changed
            .iter()
            .filter(|planned| planned.change == Change::Recreate)
            .filter_map(|planned| self.now.find(planned.instance))
            .collect();
        let restarts = self.restarts_for(&recreated, changed, removes);
        if !restarts.is_empty() {
            let restarted: FxHashSet<Name> = restarts.iter().map(|p| p.instance).collect();
            unchanged.retain(|name| !restarted.contains(name));
        }
        changed.sort_by_key(|planned| self.now.find(planned.instance).map(|i| self.place(i)));
        restarts
    }

    /// `Restart` for each live dependent of the `recreated` slots that has no change of its own.
    pub(super) fn restarts_for(
        &self,
        recreated: &[usize],
        changed: &[PlannedChange],
        removes: &[PlannedChange],
    ) -> Vec<PlannedChange> {
        let mut seen: FxHashSet<usize> = recreated.iter().copied().collect();
        let mut restarts = Vec::new();
        let mut stack: Vec<(usize, usize)> = recreated.iter().map(|&r| (r, r)).collect();
        while let Some((cause, i)) = stack.pop() {
            for dependent in self.now.topology.graph.dependents(i) {
                if !seen.insert(dependent) || !self.now.slots.state(dependent).is_live() {
                    continue;
                }
                let name = self.now.slots.name(dependent);
                let planned = changed.iter().chain(removes).any(|p| p.instance == *name);
                if !planned {
                    restarts.push((
                        self.place(dependent),
                        PlannedChange {
                            instance: name,
                            kind: self.now.slots.entry(dependent).name(),
                            change: Change::Restart {
                                dependency: self.now.slots.name(cause),
                            },
                        },
                    ));
                }
                stack.push((cause, dependent));
            }
        }
        restarts.sort_by_key(|(place, _)| *place);
        restarts.into_iter().map(|(_, planned)| planned).collect()
    }

    /// Where slot `i` is in the start order (slots outside it last, in slot order).
    pub(super) fn place(&self, i: usize) -> (u32, usize) {
        (self.order.position.get(i).copied().unwrap_or(u32::MAX), i)
    }
}

/// Whether two `config` values read the same, wherever they were read.
fn same_config(a: Option<&Node>, b: Option<&Node>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.same_value(b),
        _ => false,
    }
}

impl Layout {
    /// What keeps an enabled instance of this (unstarted) layout from running: a dependency
    /// that binds to nothing, is disabled, has the wrong version, or a cycle.
    pub(super) fn static_problems(&self) -> Vec<Problem> {
        let slots = &self.slots;
        let mut problems = Vec::new();
        for i in 0..slots.len() {
            let spec = slots.spec(i);
            if !spec.enabled {
                continue;
            }
            let reason = if let Some(reason) = self.topology.unresolved.get(&i) {
                Some(reason.clone())
            } else if i >= self.topology.placed {
                Some(ExclusionReason::InvalidMetadata {
                    detail: "it is caught in a dependency cycle, or depends on one".to_owned(),
                })
            } else {
                self.static_dependency_problem(i)
            };
            if let Some(reason) = reason {
                problems.push(Problem {
                    path: format!("plugins.{}", slots.name(i)),
                    message: reason.to_string(),
                    at: Some(spec.at.clone()),
                });
            }
        }
        problems
    }

    /// A dependency of `i` that is disabled or of the wrong version.
    fn static_dependency_problem(&self, i: usize) -> Option<ExclusionReason> {
        let slots = &self.slots;
        let spec = slots.spec(i);
        let declared = slots.entry(i).metadata().dependencies();
        declared
            .iter()
            .filter(|dependency| !spec.binds_every(dependency))
            .zip(self.topology.graph.dependencies(i))
            .find_map(|(dependency, target)| {
                dependency_problem(slots, dependency, target, slots.spec(target).enabled)
            })
    }

    /// The names that `i`'s dependencies bind to.
    pub(super) fn targets(&self, i: usize) -> impl Iterator<Item = Name> + '_ {
        self.topology
            .graph
            .dependencies(i)
            .map(|d| self.slots.name(d))
    }
}
