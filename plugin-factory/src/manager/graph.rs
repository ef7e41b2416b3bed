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
    fn neighbours(&self, i: usize) -> impl DoubleEndedIterator<Item = usize> + '_ {
        let range = self.offsets[i] as usize..self.offsets[i + 1] as usize;
        self.targets[range].iter().map(|&j| j as usize)
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
        let mut in_degree = vec![0u32; entries.len() + 1];
        let mut needs_metadata = vec![false; entries.len()];
        dependencies.offsets.push(0);
        for (source, entry) in entries.iter().enumerate() {
            for dependency in entry.metadata().dependencies() {
                if let Some(&target) = index.get(dependency.name()) {
                    dependencies.targets.push(target as u32);
                    in_degree[target + 1] += 1;
                    needs_metadata[source] |= dependency.requirement().is_some();
                } else {
                    needs_metadata[source] = true;
                }
            }
            dependencies.offsets.push(dependencies.targets.len() as u32);
        }
        // Counting sort of the reversed edges: dependents of each slot, in slot order.
        for i in 1..in_degree.len() {
            in_degree[i] += in_degree[i - 1];
        }
        let mut dependents = Adjacency {
            offsets: in_degree.clone(),
            targets: vec![0; dependencies.targets.len()],
        };
        let mut cursor = in_degree;
        for source in 0..entries.len() {
            for target in dependencies.neighbours(source) {
                dependents.targets[cursor[target] as usize] = source as u32;
                cursor[target] += 1;
            }
        }
        Self {
            dependencies,
            dependents,
            needs_metadata,
        }
    }

    /// Whether a dependency of `i` is not registered or has a version requirement.
    pub(crate) fn needs_metadata(&self, i: usize) -> bool {
        self.needs_metadata[i]
    }

    /// The slots `i` depends on, in declaration order.
    pub(crate) fn dependencies(&self, i: usize) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.dependencies.neighbours(i)
    }

    /// The slots that depend on `i`, in name order.
    pub(crate) fn dependents(&self, i: usize) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.dependents.neighbours(i)
    }
}
