//! The dependency graph between registered plugins, stored as two compact adjacency lists
//! (dependencies and dependents) indexed by slot.

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
pub(crate) struct Graph {
    dependencies: Adjacency,
    dependents: Adjacency,
    /// Slots with a dependency that is not registered or that carries a version requirement:
    /// only these need their declarations read again when dependencies are checked.
    needs_metadata: Vec<bool>,
}

impl Graph {
    /// Builds the graph of `entries`, resolving names through `index`.
    pub(crate) fn new(
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

    fn from_dependencies(dependencies: Adjacency, needs_metadata: Vec<bool>) -> Self {
        Self {
            dependents: dependencies.reversed(needs_metadata.len()),
            dependencies,
            needs_metadata,
        }
    }

    /// The same graph with the nodes renumbered: node `layout[k]` becomes `k`, and
    /// `renumbered[i]` is the new number of node `i`. Each list keeps its order.
    pub(crate) fn relabeled(&self, layout: &[usize], renumbered: &[u32]) -> Self {
        Self {
            dependencies: self.dependencies.relabeled(layout, renumbered),
            dependents: self.dependents.relabeled(layout, renumbered),
            needs_metadata: layout.iter().map(|&old| self.needs_metadata[old]).collect(),
        }
    }

    /// Whether a dependency of `i` is not registered or has a version requirement.
    pub(crate) fn needs_metadata(&self, i: usize) -> bool {
        self.needs_metadata[i]
    }

    /// The slots `i` depends on, in declaration order.
    pub(crate) fn dependencies(
        &self,
        i: usize,
    ) -> impl ExactSizeIterator<Item = usize> + DoubleEndedIterator + '_ {
        self.dependencies.neighbours(i)
    }

    /// The slots that depend on `i`.
    pub(crate) fn dependents(&self, i: usize) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.dependents.neighbours(i)
    }
}
