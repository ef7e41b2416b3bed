//! The dependency graph between registered plugins, stored as two compact adjacency lists
//! (dependencies and dependents) indexed by slot. A dependency on a name nobody registered has
//! no edge; resolution reads the declarations for those.

use rustc_hash::FxHashMap;

use crate::registry::PluginEntry;

/// Adjacency lists in one allocation each: the neighbours of `i` are
/// `targets[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Default)]
struct Adjacency {
    offsets: Vec<u32>,
    targets: Vec<u32>,
}

impl Adjacency {
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

/// Edges between slots; a dependency on a name nobody registered has no edge.
#[derive(Debug, Default)]
pub(super) struct Graph {
    dependencies: Adjacency,
    dependents: Adjacency,
    /// Slots with a dependency that is not registered or that carries a version requirement:
    /// only these need their declarations read again when dependencies are checked.
    needs_metadata: Vec<bool>,
}

impl Graph {
    /// Builds the graph of `entries`, resolving names through `index`.
    pub(super) fn new(
        entries: &[&'static PluginEntry],
        index: &FxHashMap<&'static str, usize>,
    ) -> Self {
        let mut dependencies = Adjacency {
            offsets: Vec::with_capacity(entries.len() + 1),
            targets: Vec::new(),
        };
        let mut needs_metadata = vec![false; entries.len()];
        dependencies.offsets.push(0);
        for (source, entry) in entries.iter().enumerate() {
            for dependency in entry.metadata().dependencies() {
                if let Some(&target) = index.get(dependency.name()) {
                    dependencies.targets.push(target as u32);
                    needs_metadata[source] |= dependency.requirement().is_some();
                } else {
                    needs_metadata[source] = true;
                }
            }
            dependencies.offsets.push(dependencies.targets.len() as u32);
        }
        Self::from_dependencies(dependencies, needs_metadata)
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
            needs_metadata,
        }
    }

    /// The same graph with the nodes renumbered: node `layout[k]` becomes `k`, and
    /// `renumbered[i]` is the new number of node `i`. Each list keeps its order.
    pub(super) fn relabeled(&self, layout: &[usize], renumbered: &[u32]) -> Self {
        Self {
            dependencies: self.dependencies.relabeled(layout, renumbered),
            dependents: self.dependents.relabeled(layout, renumbered),
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

    /// The slots that depend on `i`.
    pub(super) fn dependents(&self, i: usize) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.dependents.neighbours(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let index: FxHashMap<_, _> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name(), i))
            .collect();
        let graph = Graph::new(&entries, &index);
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
    }
}
