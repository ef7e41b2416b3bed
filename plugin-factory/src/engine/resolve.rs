//! Deciding who may run: names taken twice, creation, and dependency resolution (missing or
//! left-out dependencies, versions, cycles), each failure an exclusion with its reason.

use super::order::NameKey;
use super::slots::{SlotAccess, Slots};
use super::{Ops, View};
use crate::contract::Dependency;
use crate::lifecycle::PluginState;
use crate::name::Name;
use crate::report::{ExclusionReason, Missing};

impl<S: SlotAccess> Ops<'_, S> {
    /// Excludes every plugin whose name is taken twice, naming both definitions.
    pub(super) fn exclude_duplicates(&mut self) {
        let topology = self.topology;
        for &(first, second) in &topology.duplicates {
            let this = self.slots.slots().entry(first).metadata().location();
            let other = self.slots.slots().entry(second).metadata().location();
            for (slot, this, other) in [(first, this, other), (second, other, this)] {
                if self.state(slot) == PluginState::Registered {
                    self.exclude_unstarted(slot, ExclusionReason::DuplicateName { this, other });
                }
            }
        }
    }

    /// Creates every registered plugin that is not `left_out`.
    pub(super) fn create_all(&mut self, left_out: &[bool]) {
        for (i, &left_out) in left_out.iter().enumerate() {
            if !left_out && self.state(i) == PluginState::Registered {
                // A failure excludes the plugin; discovery goes on.
                let _ = self.create(i);
            }
        }
    }

    /// Resolves dependencies among created plugins, excludes the unsatisfiable ones, and orders
    /// the rest so that every plugin comes after its dependencies, ties broken by name.
    pub(super) fn resolve(&mut self) {
        // The slots are laid out in start order: when a plugin's turn comes, every dependency
        // of it has been decided.
        let mut order = std::mem::take(&mut self.plan.order);
        order.clear();
        for i in 0..self.topology.placed {
            if self.state(i) == PluginState::Created {
                match self.view().blocked(i) {
                    Some(reason) => self.exclude_unstarted(i, reason),
                    None => order.push(i),
                }
            }
        }
        self.plan.order = order;
        self.exclude_cycles();
        self.plan.reindex();
    }

    /// Excludes the created plugins that Kahn's algorithm could not order: the members of a
    /// cycle get the cycle as their reason, the plugins that depend on one get the dependency
    /// on their way to it.
    fn exclude_cycles(&mut self) {
        let n = self.slots.slots().len();
        let placed = self.topology.placed;
        let mut stuck: Vec<usize> = (placed..n).collect();
        if stuck.is_empty() {
            return;
        }
        // What is wrong with a plugin itself says more than the cycle it is caught in.
        for &i in &stuck {
            if self.state(i) == PluginState::Created
                && let Some(reason) = self.view().unsatisfied_dependency(i)
            {
                self.exclude_unstarted(i, reason);
            }
        }
        stuck.sort_by_key(|&i| NameKey::new(self.name(i).as_str()));
        let mut on_path = vec![false; n];
        for start in stuck {
            if self.state(start) != PluginState::Created {
                continue;
            }
            // Walk from `start` along unresolved dependencies until the walk meets itself
            // (a cycle) or a plugin that is already excluded.
            let mut path = Vec::new();
            let mut current = start;
            let cycle_start = loop {
                if self.state(current) != PluginState::Created {
                    break None;
                }
                if on_path[current] {
                    break path.iter().position(|&p| p == current);
                }
                on_path[current] = true;
                path.push(current);
                current = self
                    .topology
                    .graph
                    .dependencies(current)
                    .find(|&d| d >= placed)
                    .unwrap_or(current);
            };
            for &p in &path {
                on_path[p] = false;
            }
            let cycle_len = cycle_start.map_or(0, |k| path.len() - k);
            let cycle: Vec<Name> = path[path.len() - cycle_len..]
                .iter()
                .map(|&p| self.name(p))
                .collect();
            for (step, &p) in path.iter().enumerate() {
                let reason = if step >= path.len() - cycle_len {
                    let offset = step - (path.len() - cycle_len);
                    let mut rotated: Vec<_> = cycle[offset..]
                        .iter()
                        .chain(&cycle[..offset])
                        .cloned()
                        .collect();
                    rotated.push(rotated[0]);
                    ExclusionReason::DependencyCycle { cycle: rotated }
                } else {
                    let next = path.get(step + 1).copied().unwrap_or(current);
                    ExclusionReason::DependsOnExcluded {
                        dependency: self.name(next),
                    }
                };
                self.exclude_unstarted(p, reason);
            }
        }
    }
}

/// What is wrong with `dependency`, bound to slot `target`: it is not `enabled`, or its
/// version does not satisfy the requirement.
pub(super) fn dependency_problem(
    slots: &Slots,
    dependency: &Dependency,
    target: usize,
    enabled: bool,
) -> Option<ExclusionReason> {
    if !enabled {
        return Some(ExclusionReason::MissingDependency {
            dependency: slots.name(target),
            missing: Missing::NotEnabled,
        });
    }
    let requirement = dependency.requirement()?;
    let found = slots.entry(target).metadata().version();
    match version_satisfies(found, requirement) {
        Ok(true) => None,
        Ok(false) => Some(ExclusionReason::VersionMismatch {
            dependency: slots.name(target),
            requirement,
            found,
        }),
        Err(detail) => Some(ExclusionReason::InvalidMetadata { detail }),
    }
}

/// Whether `version` satisfies the semver `requirement`.
pub(super) fn version_satisfies(version: &str, requirement: &str) -> Result<bool, String> {
    let version = semver::Version::parse(version)
        .map_err(|error| format!("version {version:?} is not semver: {error}"))?;
    let requirement = semver::VersionReq::parse(requirement)
        .map_err(|error| format!("requirement {requirement:?} is not semver: {error}"))?;
    Ok(requirement.matches(&version))
}

impl View<'_> {
    /// Why plugin `i` cannot go on, once every dependency is decided: a dependency missing,
    /// left out or of the wrong version comes first, then one that is excluded.
    pub(super) fn blocked(&self, i: usize) -> Option<ExclusionReason> {
        let graph = &self.topology.graph;
        if graph.needs_metadata(i) {
            return self.unsatisfied_dependency(i).or_else(|| {
                let gone = self.first_dependency_gone(i)?;
                let dependency = self.slots.name(gone);
                Some(ExclusionReason::DependsOnExcluded { dependency })
            });
        }
        // Every dependency is registered and any version will do: one pass over their states.
        let mut gone = None;
        for d in graph.dependencies(i) {
            match self.slots.state(d) {
                PluginState::Registered => {
                    return Some(ExclusionReason::MissingDependency {
                        dependency: self.slots.name(d),
                        missing: Missing::NotEnabled,
                    });
                }
                state if !state.is_live() => {
                    gone.get_or_insert(d);
                }
                _ => {}
            }
        }
        let dependency = self.slots.name(gone?);
        Some(ExclusionReason::DependsOnExcluded { dependency })
    }

    /// The first dependency of `i` that is not live.
    pub(super) fn first_dependency_gone(&self, i: usize) -> Option<usize> {
        self.topology
            .graph
            .dependencies(i)
            .find(|&d| !self.slots.state(d).is_live())
    }

    /// The first dependency of `i` that is missing, left out, or of the wrong version.
    pub(super) fn unsatisfied_dependency(&self, i: usize) -> Option<ExclusionReason> {
        let graph = &self.topology.graph;
        if !graph.needs_metadata(i) {
            // Every dependency is registered and any version will do: only one that was left
            // out at startup can stand in the way, and the edges tell.
            let left_out = graph
                .dependencies(i)
                .find(|&d| self.slots.state(d) == PluginState::Registered)?;
            return Some(ExclusionReason::MissingDependency {
                dependency: self.slots.name(left_out),
                missing: Missing::NotEnabled,
            });
        }
        let slots = self.slots;
        let spec = slots.spec(i);
        // A dependency on every instance orders, and binds nothing: it has no edge here.
        let declared = || {
            let all = slots.entry(i).metadata().dependencies().iter();
            all.filter(|dependency| !spec.binds_every(dependency))
        };
        // The graph has one edge per declared dependency that is registered, in declaration
        // order: if the counts match, edges and declarations pair up without hashing a name.
        if graph.dependencies(i).count() != declared().count() {
            return self.topology.unresolved.get(&i).cloned();
        }
        declared()
            .zip(graph.dependencies(i))
            .find_map(|(dependency, target)| {
                let enabled = slots.state(target) != PluginState::Registered;
                dependency_problem(slots, dependency, target, enabled)
            })
    }
}

#[cfg(test)]
mod tests {
    //! The cycle walk, through the engine: who is caught in a cycle, who only depends on one,
    //! and how each reason reads.

    use super::super::observe::Observers;
    use super::super::testing::entry;
    use super::super::{Engine, Options};
    use crate::config::Instance;
    use crate::registry::PluginEntry;

    fn reasons(entries: Vec<&'static PluginEntry>) -> Vec<(String, String)> {
        let instances = entries.into_iter().map(Instance::of_kind).collect();
        let mut engine = Engine::new(instances, Options::default(), Observers::default());
        engine.discover(Vec::new()).unwrap();
        engine.validate().unwrap();
        let mut reasons: Vec<_> = engine
            .report()
            .excluded()
            .map(|(name, reason)| (name.to_string(), reason.to_string()))
            .collect();
        reasons.sort();
        reasons
    }

    #[test]
    fn each_member_of_a_cycle_sees_it_from_itself() {
        let reasons = reasons(vec![
            entry!("c", "a"),
            entry!("a", "b"),
            entry!("b", "c"),
            entry!("free"),
        ]);
        assert_eq!(
            reasons,
            [
                (
                    "a".to_owned(),
                    "dependency cycle: a -> b -> c -> a".to_owned()
                ),
                (
                    "b".to_owned(),
                    "dependency cycle: b -> c -> a -> b".to_owned()
                ),
                (
                    "c".to_owned(),
                    "dependency cycle: c -> a -> b -> c".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_plugin_on_the_way_to_a_cycle_names_its_next_step() {
        let reasons = reasons(vec![
            entry!("top", "mid"),
            entry!("mid", "x"),
            entry!("x", "y"),
            entry!("y", "x"),
        ]);
        assert_eq!(
            reasons,
            [
                ("mid".to_owned(), "depends on excluded \"x\"".to_owned()),
                ("top".to_owned(), "depends on excluded \"mid\"".to_owned()),
                ("x".to_owned(), "dependency cycle: x -> y -> x".to_owned()),
                ("y".to_owned(), "dependency cycle: y -> x -> y".to_owned()),
            ]
        );
    }

    #[test]
    fn a_missing_dependency_says_more_than_the_cycle() {
        let reasons = reasons(vec![entry!("p", "q", "ghost"), entry!("q", "p")]);
        assert_eq!(
            reasons,
            [
                (
                    "p".to_owned(),
                    "depends on \"ghost\", which is not registered".to_owned()
                ),
                ("q".to_owned(), "depends on excluded \"p\"".to_owned()),
            ]
        );
    }

    #[test]
    fn versions_are_matched_as_semver() {
        assert_eq!(super::version_satisfies("1.4.0", ">=1.2"), Ok(true));
        assert_eq!(super::version_satisfies("1.1.9", ">=1.2"), Ok(false));
        assert!(
            super::version_satisfies("one", ">=1")
                .unwrap_err()
                .contains("\"one\" is not semver")
        );
    }
}
