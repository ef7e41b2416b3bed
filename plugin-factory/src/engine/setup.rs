//! The [`Layout`] a configuration's instances decide (names indexed, duplicates noted,
//! dependencies bound, the start order computed once and the slots laid out in it); making an
//! [`Engine`] on one, and adopting another on reload; and what the builder adds before
//! discovery (the configuration's kinds and problems, the unlinked crates, whether the hooks
//! are awaited).

use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashMap;

use super::graph::Graph;
use super::observe::Observers;
use super::options::Options;
use super::order::{Placement, Plan};
use super::publish::{Published, Stale};
use super::slots::{Columns, Slots};
use super::{Engine, Layout, Sources, Topology};
use crate::config::Instance;
use crate::extension::Hub;
use crate::registry::{PluginEntry, UnlinkedCrate};
use crate::tree::Problem;

impl Layout {
    /// Takes `instances`, all `Registered`, notes names taken twice, binds dependencies, and
    /// lays the slots out in start order.
    ///
    /// The start order depends on the dependency graph and the names alone (an exclusion only
    /// leaves a plugin out of it), so it is computed once, here: slots `0..placed` are in that
    /// order, and every phase, and dispatch to the running plugins, walks the per-plugin arrays
    /// front to back. The slots that a dependency cycle holds back follow, in registry order.
    pub(super) fn new(instances: Vec<Instance>, time_hooks: bool) -> Self {
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

        let placement = Placement::new(&columns.names, &graph);
        for slot in index.values_mut() {
            *slot = placement.slot(*slot);
        }
        for (first, second) in &mut duplicates {
            (*first, *second) = (placement.slot(*first), placement.slot(*second));
        }
        let graph = graph.relabeled(&placement.order, &placement.slot_of);
        let unresolved = unresolved
            .into_iter()
            .map(|(i, reason)| (placement.slot(i), reason))
            .collect();
        let (mut slots, invalid) = Slots::new(columns, &placement.order, &placement.slot_of);
        if time_hooks {
            slots.time_hooks();
        }
        Self {
            slots,
            topology: Topology {
                placed: placement.placed,
                index,
                duplicates,
                graph,
                unresolved,
            },
            shares,
            invalid,
        }
    }

    /// The slot of the instance called `name`.
    #[inline]
    pub(super) fn find(&self, name: impl AsRef<str>) -> Option<usize> {
        self.topology.index.get(name.as_ref()).copied()
    }

    /// The start order before anything started: empty.
    fn fresh_plan(&self) -> Plan {
        let n = self.slots.len();
        Plan {
            order: Vec::with_capacity(n),
            position: vec![Plan::UNORDERED; n],
            in_slot_order: true,
        }
    }
}

impl Engine {
    /// A manager's engine over the instances `instances` (see [`Layout::new`]).
    pub(crate) fn new(instances: Vec<Instance>, options: Options, observers: Observers) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let layout = Layout::new(instances, options.time_hooks);
        let hub = Hub::new();
        #[cfg(feature = "testing")]
        let hub = hub.with_faults(options.faults);
        let engine = Self {
            published: Published::new(layout.fresh_plan()),
            layout,
            options,
            observers,
            hub: Arc::new(hub),
            stale: Stale::default(),
            sources: Sources::default(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            finished: false,
            awaited: false,
        };
        engine.hub.relink(engine.layout.links(), None);
        engine
    }

    /// Makes `next` this manager's layout, keeping everything else it owns (observers, the
    /// hub and its historic calls, the kinds, the unlinked crates, whether hooks are awaited).
    /// The instances that stay must already have been moved into `next`
    /// ([`Slots::take_over`]); what is left in the old layout is dropped without hooks.
    pub(super) fn adopt(&mut self, next: Layout) {
        debug_assert!(self.stale.is_empty(), "stale slots name the old layout");
        let slot_of = |i: usize| {
            let j = next.find(self.layout.slots.name(i))?;
            std::ptr::eq(self.layout.slots.entry(i), next.slots.entry(j)).then_some(j)
        };
        self.hub.relink(next.links(), Some(&slot_of));
        *self.published.plan_mut() = next.fresh_plan();
        let old = std::mem::replace(&mut self.layout, next);
        debug_assert!(
            (0..old.slots.len()).all(|i| !old.slots.state(i).is_live()),
            "every live instance was taken over or torn down"
        );
    }

    /// Records the kinds a configuration is resolved against, and the configuration's problems
    /// that belong to no instance.
    pub(crate) fn set_config(&mut self, kinds: Vec<&'static PluginEntry>, problems: Vec<Problem>) {
        self.sources.kinds = kinds;
        self.sources.config_problems = problems;
    }

    /// Marks this engine as an async manager's: its hooks are awaited, and a drop without
    /// shutdown drops the instances without running them.
    pub(crate) fn set_awaited(&mut self) {
        self.awaited = true;
    }

    /// Records the plugin crates the host depends on but did not link.
    pub(crate) fn set_unlinked(&mut self, unlinked: Vec<UnlinkedCrate>) {
        self.sources.unlinked = unlinked;
    }
}

#[cfg(test)]
mod tests {
    //! A reload that changes the layout swaps the layout and nothing else.

    use super::super::observe::Observers;
    use super::super::testing::entry;
    use super::super::{Engine, Options, PluginHook};
    use crate::config::{Format, Loader, resolve};
    use crate::registry::UnlinkedCrate;

    #[test]
    fn an_apply_that_changes_the_layout_keeps_what_the_configuration_does_not_decide() {
        let kinds = vec![entry!("base"), entry!("extra", "base")];
        let load = |text: &str| {
            Loader::new()
                .text("reload.toml", Format::Toml, text.to_owned())
                .load()
                .unwrap()
        };
        let first = load("[plugins.base]\n[plugins.extra]\nenabled = false\n");
        let instances = resolve(&first, &kinds, &[]).instances;
        let mut engine = Engine::new(instances, Options::default(), Observers::default());
        engine.set_config(kinds.clone(), Vec::new());
        let unlinked = vec![UnlinkedCrate::new("more-plugins", "more_plugins")];
        engine.set_unlinked(unlinked.clone());
        engine.set_awaited();
        let id = engine.id;
        engine.discover(Vec::new()).unwrap();
        engine.validate().unwrap();
        engine.run_forward(PluginHook::Init).unwrap();
        engine.run_forward(PluginHook::Start).unwrap();

        let applied = engine
            .apply(load("[plugins.base]\n[plugins.copy]\nkind = \"extra\"\n"))
            .unwrap();
        assert!(applied.is_clean(), "{applied}");
        assert!(engine.find("copy").is_some() && engine.find("extra").is_none());
        assert_eq!(engine.live(), ["base", "copy"]);
        assert_eq!(engine.sources.unlinked, unlinked);
        assert_eq!(engine.report().unlinked_crates(), unlinked);
        assert!(engine.awaited, "a reload keeps the hooks awaited");
        assert_eq!(engine.id, id);
        assert_eq!(engine.sources.kinds.len(), 2);
        engine.finish();
    }
}
