//! Making an [`Engine`] from its instances: names indexed (duplicates noted), dependencies
//! bound, the start order computed once and the slots laid out in it; and what the builder
//! adds before discovery (the configuration's kinds and problems, the unlinked crates, whether
//! the hooks are awaited).

use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use rustc_hash::FxHashMap;

use super::graph::Graph;
use super::observe::Observers;
use super::options::Options;
use super::order::{Layout, Plan};
use super::slots::{Columns, Slots};
use super::{Engine, Topology};
use crate::config::Instance;
use crate::extension::Hub;
use crate::registry::{PluginEntry, UnlinkedCrate};
use crate::tree::Problem;

impl Engine {
    /// Takes `instances`, all `Registered`, notes names taken twice, binds dependencies, and
    /// lays the slots out in start order.
    ///
    /// The start order depends on the dependency graph and the names alone (an exclusion only
    /// leaves a plugin out of it), so it is computed once, here: slots `0..placed` are in that
    /// order, and every phase, and dispatch to the running plugins, walks the per-plugin arrays
    /// front to back. The slots that a dependency cycle holds back follow, in registry order.
    pub(crate) fn new(instances: Vec<Instance>, options: Options, observers: Observers) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let n = instances.len();
        let mut index = FxHashMap::with_capacity_and_hasher(n, rustc_hash::FxBuildHasher);
        let mut duplicates = Vec::new();
        // One array per field, in registry order: Kahn's algorithm reads the names in its own.
        let columns = Columns::new(instances);
        for (i, name) in columns.names.iter().enumerate() {
            match index.entry(*name) {
                Entry::Occupied(first) => duplicates.push((*first.get(), i)),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        let (graph, unresolved) = Graph::new(&columns, &index);
        let shares = columns
            .entries
            .iter()
            .any(|entry| entry.implementations().is_some());

        let layout = Layout::new(&columns.names, &graph);
        for slot in index.values_mut() {
            *slot = layout.slot(*slot);
        }
        for (first, second) in &mut duplicates {
            (*first, *second) = (layout.slot(*first), layout.slot(*second));
        }
        let graph = graph.relabeled(&layout.order, &layout.slot_of);
        let unresolved = unresolved
            .into_iter()
            .map(|(i, reason)| (layout.slot(i), reason))
            .collect();
        let (mut slots, problems) = Slots::new(columns, &layout.order, &layout.slot_of);
        if options.time_hooks {
            slots.time_hooks();
        }

        let plan = Plan {
            order: Vec::with_capacity(n),
            position: vec![Plan::UNORDERED; n],
            in_slot_order: true,
        };
        let engine = Self {
            slots,
            topology: Topology {
                placed: layout.placed,
                index,
                duplicates,
                graph,
                unresolved,
            },
            plan: RwLock::new(plan),
            control: Mutex::new(()),
            queue: futures_util::lock::Mutex::new(()),
            options,
            observers,
            hub: Arc::new(Hub::new()),
            stale: Mutex::new(Vec::new()),
            has_stale: AtomicBool::new(false),
            shares,
            invalid: problems,
            config_problems: Vec::new(),
            unlinked: Vec::new(),
            kinds: Vec::new(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            finished: false,
            awaited: false,
        };
        engine.hub.relink(engine.links(), None);
        engine
    }

    /// Records the kinds a configuration is resolved against, and the configuration's problems
    /// that belong to no instance.
    pub(crate) fn set_config(&mut self, kinds: Vec<&'static PluginEntry>, problems: Vec<Problem>) {
        self.kinds = kinds;
        self.config_problems = problems;
    }

    /// Marks this engine as an async manager's: its hooks are awaited, and a drop without
    /// shutdown drops the instances without running them.
    pub(crate) fn set_awaited(&mut self) {
        self.awaited = true;
    }

    /// Records the plugin crates the host depends on but did not link.
    pub(crate) fn set_unlinked(&mut self, unlinked: Vec<UnlinkedCrate>) {
        self.unlinked = unlinked;
    }
}
