//! The dependency graph between registered plugins, stored as two compact adjacency lists
//! (dependencies and dependents) indexed by slot. A dependency on a name nobody registered has
//! no edge; resolution reads the declarations for those.

use rustc_hash::FxHashMap;

use super::slots::Columns;
use crate::name::Name;
use crate::report::{ExclusionReason, Missing};

/// Binds dependencies, which name kinds, to instances.
struct Binder<'a> {
    index: &'a FxHashMap<Name, usize>,
    instances: &'a Columns,
    /// Each kind's instances, enabled ones first; built only when a configuration describes
    /// some instance (without one, each kind has one instance, named after it).
    by_kind: Option<FxHashMap<&'static str, Vec<usize>>>,
}

impl<'a> Binder<'a> {
    fn new(instances: &'a Columns, index: &'a FxHashMap<Name, usize>) -> Self {
        let by_kind = instances.specs.is_some().then(|| {
            let mut by_kind: FxHashMap<&'static str, Vec<usize>> = FxHashMap::default();
            for (i, entry) in instances.entries.iter().enumerate() {
                by_kind.entry(entry.name()).or_default().push(i);
            }
            for slots in by_kind.values_mut() {
                slots.sort_by_key(|&i| !instances.spec(i).enabled);
            }
            by_kind
        });
        Self {
            index,
            instances,
            by_kind,
        }
    }

    /// Every instance of `kind`, for a dependency on all of them: none is no error.
    fn bind_every(&self, kind: &'static str) -> Vec<usize> {
        match &self.by_kind {
            Some(by_kind) => by_kind.get(kind).cloned().unwrap_or_default(),
            None => self.index.get(kind).copied().into_iter().collect(),
        }
    }

    /// The instance that satisfies `instance`'s dependency on `kind`.
    fn bind(&self, source: usize, kind: &'static str) -> Result<usize, ExclusionReason> {
        let missing = |dependency: Name| ExclusionReason::MissingDependency {
            dependency,
            missing: Missing::NotRegistered,
        };
        // Only a configured instance binds; without a configuration there is nothing to read.
        let bound = self
            .by_kind
            .as_ref()
            .and_then(|_| self.instances.spec(source).bound(kind));
        if let Some(bound) = bound {
            return match self.index.get(bound.as_str()) {
                Some(&i) if self.instances.entries[i].name() == kind => Ok(i),
                _ => Err(missing(*bound)),
            };
        }
        let Some(by_kind) = &self.by_kind else {
            return self
                .index
                .get(kind)
                .copied()
                .ok_or_else(|| missing(Name::from(kind)));
        };
        match by_kind.get(kind).map(Vec::as_slice) {
            None | Some([]) => Err(missing(Name::from(kind))),
            Some([only]) => Ok(*only),
            Some(slots) => {
                let enabled = slots
                    .iter()
                    .filter(|&&i| self.instances.spec(i).enabled)
                    .count();
                if enabled <= 1 {
                    return Ok(slots[0]);
                }
                let mut candidates: Vec<Name> = slots[..enabled]
                    .iter()
                    .map(|&i| self.instances.names[i])
                    .collect();
                candidates.sort();
                Err(ExclusionReason::AmbiguousDependency { kind, candidates })
            }
        }
    }
}

/// Adjacency lists in one allocation each: the neighbours of `i` are
/// `targets[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Default)]
struct Adjacency {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Adjacency {
    /// The neighbours of `i`, or none if these lists were never made (no offsets at all).
    fn neighbours_if_any(&self, i: usize) -> impl ExactSizeIterator<Item = usize> + '_ {
        let targets = match self.offsets.get(i..i + 2) {
            Some(&[start, end]) => &self.targets[start as usize..end as usize],
            _ => &[],
        };
        targets.iter().map(|&j| j as usize)
    }

    /// [`relabeled`](Self::relabeled), for lists that may never have been made.
    fn relabeled_if_any(&self, layout: &[usize], renumbered: &[u32]) -> Self {
        if self.offsets.is_empty() {
            return Self::default();
        }
        self.relabeled(layout, renumbered)
    }

    fn neighbours(
        &self,
        i: usize,
    ) -> impl ExactSizeIterator<Item = usize> + DoubleEndedIterator + '_ {
        let range = self.offsets[i] as usize..self.offsets[i + 1] as usize;
        self.targets[range].iter().map(|&j| j as usize)
    }

    /// The same lists with the nodes renumbered (see [`Graph::relabeled`]).
    fn relabeled(&self, layout: &[usize], renumbered: &[u32]) -> Self {
        let mut offsets = Vec::with_capacity(layout.len() + 1);
        let mut targets = Vec::with_capacity(self.targets.len());
        offsets.push(0);
        for &old in layout {
            targets.extend(self.neighbours(old).map(|target| renumbered[target]));
            offsets.push(targets.len() as u32);
        }
        Self { offsets, targets }
    }

    /// The same edges reversed, each node's list in node order (a counting sort).
    fn reversed(&self, nodes: usize) -> Self {
        let mut offsets = vec![0u32; nodes + 1];
        for &target in &self.targets {
            offsets[target as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut targets = vec![0; self.targets.len()];
        let mut cursor = offsets.clone();
        for source in 0..nodes {
            for target in self.neighbours(source) {
                targets[cursor[target] as usize] = source as u32;
                cursor[target] += 1;
            }
        }
        Self { offsets, targets }
    }
}

/// Edges between slots; a dependency on a name nobody registered has no edge. A dependency on
/// every instance of a kind is an edge of order only (`after`, and reversed `before`): it
/// places the start and stop orders, and nothing else reads it.
#[derive(Debug, Default)]
pub(super) struct Graph {
    dependencies: Adjacency,
    dependents: Adjacency,
    /// The instances each one starts after, for its dependencies on every instance of a kind;
    /// no lists at all (and no allocation) while no instance has such a dependency.
    after: Adjacency,
    /// The reverse: the instances that start after each one.
    before: Adjacency,
    /// Slots with a dependency that is not registered or that carries a version requirement:
    /// only these need their declarations read again when dependencies are checked.
    needs_metadata: Vec<bool>,
}

impl Graph {
    /// Builds the graph of `instances`, binding each declared dependency (a kind) to an
    /// instance: the one the instance's `bind` names, else the kind's only enabled instance.
    /// Returns, beside the graph, the first dependency of each instance that binds to nothing,
    /// with the reason.
    pub(super) fn new(
        instances: &Columns,
        index: &FxHashMap<Name, usize>,
    ) -> (Self, Vec<(usize, ExclusionReason)>) {
        let binder = Binder::new(instances, index);
        let n = instances.entries.len();
        let mut dependencies = Adjacency {
            offsets: Vec::with_capacity(n + 1),
            targets: Vec::new(),
        };
        // Made at the first dependency on every instance, with the lists before it empty.
        let mut after: Option<Adjacency> = None;
        let mut needs_metadata = vec![false; n];
        let mut unresolved = Vec::new();
        dependencies.offsets.push(0);
        for (source, entry) in instances.entries.iter().enumerate() {
            let mut unbound = None;
            let spec = instances.spec(source);
            for dependency in entry.metadata().dependencies() {
                if spec.binds_every(dependency) {
                    let every = binder.bind_every(dependency.name());
                    let after = after.get_or_insert_with(|| Adjacency {
                        offsets: vec![0; source + 1],
                        targets: Vec::new(),
                    });
                    after.targets.extend(
                        every
                            .into_iter()
                            .filter(|&target| target != source)
                            .map(|target| target as u32),
                    );
                    continue;
                }
                match binder.bind(source, dependency.name()) {
                    Ok(target) => {
                        dependencies.targets.push(target as u32);
                        needs_metadata[source] |= dependency.requirement().is_some();
                    }
                    Err(reason) => {
                        unbound.get_or_insert(reason);
                        needs_metadata[source] = true;
                    }
                }
            }
            if let Some(reason) = unbound {
                unresolved.push((source, reason));
            }
            dependencies.offsets.push(dependencies.targets.len() as u32);
            if let Some(after) = &mut after {
                after.offsets.push(after.targets.len() as u32);
            }
        }
        let mut graph = Self::from_dependencies(dependencies, needs_metadata);
        if let Some(after) = after {
            graph.before = after.reversed(n);
            graph.after = after;
        }
        (graph, unresolved)
    }

    /// A graph of `nodes` plugins with these `(dependent, dependency)` edges, each dependent's
    /// listed in the order given, and no version requirements.
    #[cfg(test)]
    pub(super) fn from_edges(nodes: usize, edges: &[(usize, usize)]) -> Self {
        let mut dependencies = Adjacency {
            offsets: vec![0],
            targets: Vec::new(),
        };
        for source in 0..nodes {
            let targets = edges.iter().filter(|(from, _)| *from == source);
            dependencies
                .targets
                .extend(targets.map(|&(_, to)| to as u32));
            dependencies.offsets.push(dependencies.targets.len() as u32);
        }
        Self::from_dependencies(dependencies, vec![false; nodes])
    }

    fn from_dependencies(dependencies: Adjacency, needs_metadata: Vec<bool>) -> Self {
        Self {
            dependents: dependencies.reversed(needs_metadata.len()),
            dependencies,
            after: Adjacency::default(),
            before: Adjacency::default(),
            needs_metadata,
        }
    }

    /// The same graph with the nodes renumbered: node `layout[k]` becomes `k`, and
    /// `renumbered[i]` is the new number of node `i`. Each list keeps its order.
    pub(super) fn relabeled(&self, layout: &[usize], renumbered: &[u32]) -> Self {
        Self {
            dependencies: self.dependencies.relabeled(layout, renumbered),
            dependents: self.dependents.relabeled(layout, renumbered),
            after: self.after.relabeled_if_any(layout, renumbered),
            before: self.before.relabeled_if_any(layout, renumbered),
            needs_metadata: layout.iter().map(|&old| self.needs_metadata[old]).collect(),
        }
    }

    /// Whether a dependency of `i` is not registered or has a version requirement.
    pub(super) fn needs_metadata(&self, i: usize) -> bool {
        self.needs_metadata[i]
    }

    /// The slots `i` depends on, in declaration order.
    pub(super) fn dependencies(
        &self,
        i: usize,
    ) -> impl ExactSizeIterator<Item = usize> + DoubleEndedIterator + '_ {
        self.dependencies.neighbours(i)
    }

    /// Every slot's dependencies as one list: those of `i` are
    /// `targets[offsets[i]..offsets[i + 1]]`.
    pub(super) fn dependency_lists(&self) -> (&[u32], &[u32]) {
        (&self.dependencies.offsets, &self.dependencies.targets)
    }

    /// The slots that depend on `i`.
    pub(super) fn dependents(&self, i: usize) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.dependents.neighbours(i)
    }

    /// The slots `i` starts after: its dependencies, and the instances of the kinds it depends
    /// on every instance of. What the start and stop orders wait for.
    pub(super) fn starts_after(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.dependencies
            .neighbours(i)
            .chain(self.after.neighbours_if_any(i))
    }

    /// How many slots `i` starts after, without walking them.
    pub(super) fn starts_after_count(&self, i: usize) -> usize {
        self.dependencies.neighbours(i).len() + self.after.neighbours_if_any(i).len()
    }

    /// Whether some instance depends on every instance of a kind (the order-only edges).
    pub(super) fn has_order_only_edges(&self) -> bool {
        !self.before.offsets.is_empty()
    }

    /// The slots that start after `i` for a dependency on every instance of its kind, without
    /// its dependents.
    pub(super) fn starts_before_only(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.before.neighbours_if_any(i)
    }

    /// The slots that start after `i` (the reverse of [`starts_after`](Self::starts_after)).
    pub(super) fn starts_before(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.dependents
            .neighbours(i)
            .chain(self.before.neighbours_if_any(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Instance;

    fn list(it: impl Iterator<Item = usize>) -> Vec<usize> {
        it.collect()
    }

    #[test]
    fn dependents_are_the_reversed_edges_in_node_order() {
        // 0 <- 1, 0 <- 2, 1 <- 2, 3 alone.
        let graph = Graph::from_edges(4, &[(2, 1), (1, 0), (2, 0)]);
        assert_eq!(
            list(graph.dependencies(2)),
            [1, 0],
            "declaration order is kept"
        );
        assert_eq!(list(graph.dependencies(1)), [0]);
        assert_eq!(list(graph.dependencies(0)), Vec::<usize>::new());
        assert_eq!(list(graph.dependents(0)), [1, 2]);
        assert_eq!(list(graph.dependents(1)), [2]);
        assert_eq!(list(graph.dependents(3)), Vec::<usize>::new());
    }

    #[test]
    fn relabeling_renumbers_both_directions() {
        let graph = Graph::from_edges(3, &[(0, 2), (1, 2)]);
        // Node 2 goes first, then 0, then 1.
        let layout = [2, 0, 1];
        let renumbered = [1, 2, 0];
        let relabeled = graph.relabeled(&layout, &renumbered);
        assert_eq!(list(relabeled.dependencies(1)), [0]);
        assert_eq!(list(relabeled.dependencies(2)), [0]);
        assert_eq!(list(relabeled.dependents(0)), [1, 2]);
        assert!(!relabeled.needs_metadata(0));
    }

    #[test]
    fn unregistered_dependencies_and_requirements_need_metadata() {
        use super::super::testing::{Probe, entry};
        use crate::contract::{Dependency, PluginMetadata};
        use crate::registry::PluginEntry;

        static VERSIONED: PluginEntry = PluginEntry::new(
            PluginMetadata::new("versioned", "1.0.0")
                .with_dependencies(&[Dependency::new("db", ">=1")]),
            |_| Box::new(Probe),
        );
        let entries = [
            entry!("plain", "db"),
            &VERSIONED,
            entry!("ghostly", "ghost", "db"),
            entry!("db"),
        ];
        let (graph, unresolved) = graph_of(entries.iter().map(|&e| Instance::of_kind(e)).collect());
        assert_eq!(list(graph.dependencies(0)), [3]);
        assert!(!graph.needs_metadata(0));
        assert!(graph.needs_metadata(1), "a version requirement");
        assert_eq!(
            list(graph.dependencies(2)),
            [3],
            "no edge to an unregistered name"
        );
        assert!(graph.needs_metadata(2), "an unregistered dependency");
        assert_eq!(list(graph.dependents(3)), [0, 1, 2]);
        assert_eq!(unresolved.len(), 1);
        assert_eq!(
            unresolved[0].1.to_string(),
            "depends on \"ghost\", which is not registered"
        );
    }

    fn graph_of(instances: Vec<Instance>) -> (Graph, Vec<(usize, ExclusionReason)>) {
        let index: FxHashMap<Name, usize> = instances
            .iter()
            .enumerate()
            .map(|(i, instance)| (instance.name, i))
            .collect();
        Graph::new(&Columns::new(instances), &index)
    }

    /// An instance a configuration names (so it has a spec, as every configured one does).
    fn named(name: &str, entry: &'static crate::registry::PluginEntry) -> Instance {
        Instance {
            name: Name::new(name.to_owned()).unwrap(),
            spec: Some(Box::new(crate::config::Spec::DEFAULT)),
            ..Instance::of_kind(entry)
        }
    }

    #[test]
    fn a_dependency_binds_to_the_only_instance_of_its_kind_or_to_the_one_named() {
        use super::super::testing::entry;
        let kv = entry!("kv");
        let app = entry!("app", "kv");
        // One instance of kv, named apart from its kind: the dependency finds it.
        let (graph, unresolved) = graph_of(vec![named("kv-main", kv), Instance::of_kind(app)]);
        assert_eq!(list(graph.dependencies(1)), [0]);
        assert!(unresolved.is_empty());
        // Two: ambiguous, unless bound or only one is enabled.
        let two = || vec![named("kv-b", kv), named("kv-a", kv), Instance::of_kind(app)];
        let (_, unresolved) = graph_of(two());
        assert_eq!(
            unresolved[0].1.to_string(),
            "depends on \"kv\", which has several instances (\"kv-a\", \"kv-b\"): choose one with `bind = { kv = \"...\" }`"
        );
        let mut bound = two();
        bound[2].spec_mut().bind = vec![(Name::from("kv"), Name::from("kv-b"))];
        let (graph, unresolved) = graph_of(bound);
        assert_eq!(list(graph.dependencies(2)), [0]);
        assert!(unresolved.is_empty());
        let mut one_enabled = two();
        one_enabled[0].spec_mut().enabled = false;
        let (graph, _) = graph_of(one_enabled);
        assert_eq!(list(graph.dependencies(2)), [1]);
        let mut wrong = two();
        wrong[2].spec_mut().bind = vec![(Name::from("kv"), Name::from("app"))];
        let (_, unresolved) = graph_of(wrong);
        assert_eq!(
            unresolved[0].1.to_string(),
            "depends on \"app\", which is not registered"
        );
    }
}
