//! The start order: Kahn's algorithm over the dependency graph, ties broken by name, and the
//! slot layout that follows it; the [`Plan`] that records the order at run time; the order of
//! reports.
//!
//! Performance tricks, each measured (see "What changed after the first measurement" in
//! `docs/performance.md`): names compared as integers ([`NameKey`], and [`ShortKey`], which packs
//! a short name and its slot into one `u128` built from whole-word loads); the ready plugins in
//! a sorted run that takes those becoming ready in name order, and in a heap only otherwise; the
//! slots are laid out in start order once, at discovery, so that phases and dispatch walk the
//! arrays front to back.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::graph::Graph;
use super::slots::Slots;
use crate::name::Name;

/// The order plugins were started in (dependencies first) and each slot's place in it.
#[derive(Debug, Default, Clone)]
pub(super) struct Plan {
    pub(super) order: Vec<usize>,
    pub(super) position: Vec<u32>,
    /// Whether the order runs through the slots front to back, as it does until a runtime
    /// operation moves a plugin to the end: then the slots can be walked without the order.
    pub(super) in_slot_order: bool,
}

impl Plan {
    pub(super) const UNORDERED: u32 = u32::MAX;

    pub(super) fn reindex(&mut self) {
        self.position.fill(Self::UNORDERED);
        for (place, &slot) in self.order.iter().enumerate() {
            self.position[slot] = place as u32;
        }
        self.in_slot_order = self.order.is_sorted();
    }

    /// Appends `slot` to the order: a plugin brought back into the live set, just started after
    /// everything before it. It is not in the order: operations prune the order to live plugins
    /// when they end, and only a plugin outside the live set is added.
    pub(super) fn push_last(&mut self, slot: usize) {
        debug_assert_eq!(
            self.position[slot],
            Self::UNORDERED,
            "slot {slot} is in the start order already"
        );
        self.order.push(slot);
        self.reindex();
    }
}

/// A plugin name as a sort key: the first 16 bytes as one integer, so that most comparisons
/// are one integer comparison; the whole name breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NameKey<'a> {
    prefix: u128,
    name: &'a str,
}

impl<'a> NameKey<'a> {
    #[inline]
    pub(super) fn new(name: &'a str) -> Self {
        let mut bytes = [0u8; 16];
        let head = &name.as_bytes()[..name.len().min(16)];
        bytes[..head.len()].copy_from_slice(head);
        Self {
            prefix: u128::from_be_bytes(bytes),
            name,
        }
    }
}

impl Ord for NameKey<'_> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.prefix
            .cmp(&other.prefix)
            .then_with(|| self.name.cmp(other.name))
    }
}

impl PartialOrd for NameKey<'_> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// How the ready heap of Kahn's algorithm orders slots: by name, then by slot.
trait ReadyKey<'a>: Ord {
    fn new(name: &'a str, slot: usize) -> Self;
    fn slot(&self) -> usize;
}

/// A name of at most 12 bytes and its slot packed into one integer, compared in one
/// instruction: the usual case, since most plugin names are short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct ShortKey(u128);

impl ShortKey {
    const NAME_BYTES: usize = 12;
}

impl ReadyKey<'_> for ShortKey {
    #[inline]
    fn new(name: &str, slot: usize) -> Self {
        let (high, low) = short_name_words(name.as_bytes());
        Self((u128::from(high) << 64) | (u128::from(low) << 32) | slot as u128)
    }

    #[inline]
    fn slot(&self) -> usize {
        (self.0 as u32) as usize
    }
}

/// A name of at most 12 bytes as big-endian words (bytes 0 to 7, then 8 to 11), zero-padded.
/// Built from whole-word loads (overlapping ones for the tail) rather than a byte copy into a
/// buffer read back as one integer, which stalls on store forwarding.
#[inline]
fn short_name_words(name: &[u8]) -> (u64, u32) {
    let len = name.len();
    debug_assert!(len <= ShortKey::NAME_BYTES);
    let word = |at: usize| u32::from_be_bytes([name[at], name[at + 1], name[at + 2], name[at + 3]]);
    // The last `n` bytes of the last 4 (as the low bytes of a word).
    let tail = |n: usize| u64::from(word(len - 4)) & ((1 << (8 * n)) - 1);
    if len >= 8 {
        let high = (u64::from(word(0)) << 32) | u64::from(word(4));
        let rest = len - 8;
        (high, (tail(rest) << (8 * (4 - rest))) as u32)
    } else if len >= 4 {
        (
            (u64::from(word(0)) << 32) | (tail(len - 4) << (8 * (8 - len))),
            0,
        )
    } else {
        let high = name
            .iter()
            .enumerate()
            .fold(0, |high, (k, &byte)| high | u64::from(byte) << (56 - 8 * k));
        (high, 0)
    }
}

impl<'a> ReadyKey<'a> for (NameKey<'a>, usize) {
    #[inline]
    fn new(name: &'a str, slot: usize) -> Self {
        (NameKey::new(name), slot)
    }

    #[inline]
    fn slot(&self) -> usize {
        self.1
    }
}

/// The start order of every plugin that no dependency cycle holds back (Kahn's algorithm): a
/// plugin comes after its dependencies, and among the plugins ready at a time, the smallest
/// name first.
fn start_order(names: &[Name], graph: &Graph) -> Vec<usize> {
    if names.iter().all(|name| name.len() <= ShortKey::NAME_BYTES) {
        kahn::<ShortKey>(names, graph)
    } else {
        kahn::<(NameKey, usize)>(names, graph)
    }
}

/// Kahn's algorithm with the ready plugins ordered by `K`.
///
/// The ready plugins are kept in two places: a run in ascending order, which takes the plugins
/// ready at the start (sorted once) and then every plugin that becomes ready no smaller than the
/// run's last, and a heap for the others. The next plugin is the smaller of the two fronts. When
/// plugins become ready in name order (a set without dependencies, or one whose names sort in
/// dependency order) the heap stays empty and each step is O(1); otherwise the run costs one
/// comparison per plugin over the heap alone.
fn kahn<'a, K: ReadyKey<'a> + Copy>(names: &'a [Name], graph: &Graph) -> Vec<usize> {
    let n = names.len();
    let mut waiting: Vec<u32> = (0..n).map(|i| graph.starts_after_count(i) as u32).collect();
    let key = |i: usize| K::new(names[i].as_str(), i);
    let ordered_only = graph.has_order_only_edges();
    let mut run: Vec<K> = Vec::with_capacity(n);
    run.extend((0..n).filter(|&i| waiting[i] == 0).map(key));
    run.sort_unstable();
    let mut head = 0;
    let mut heap: BinaryHeap<Reverse<K>> = BinaryHeap::new();
    let mut order = Vec::with_capacity(n);
    loop {
        let next = match (run.get(head), heap.peek()) {
            (Some(front), Some(Reverse(top))) if top < front => heap.pop().map(|Reverse(k)| k),
            (Some(&front), _) => {
                head += 1;
                Some(front)
            }
            (None, _) => heap.pop().map(|Reverse(k)| k),
        };
        let Some(next) = next else {
            break;
        };
        let i = next.slot();
        order.push(i);
        let mut release = |dependent: usize| {
            waiting[dependent] -= 1;
            if waiting[dependent] == 0 {
                let ready = key(dependent);
                if head == run.len() || run[run.len() - 1] <= ready {
                    run.push(ready);
                } else {
                    heap.push(Reverse(ready));
                }
            }
        };
        graph.dependents(i).for_each(&mut release);
        // The order-only edges, walked only where some instance has them.
        if ordered_only {
            graph.starts_before_only(i).for_each(release);
        }
    }
    order
}

/// Where each registered plugin goes, by its index in registry order.
pub(super) struct Placement {
    /// The plugin placed in each slot: the start order, then the plugins that a dependency
    /// cycle holds back, in registry order.
    pub(super) order: Vec<usize>,
    /// The slot of each plugin (the inverse of `order`).
    pub(super) slot_of: Vec<u32>,
    /// How many slots are in start order.
    pub(super) placed: usize,
}

impl Placement {
    pub(super) fn new(names: &[Name], graph: &Graph) -> Self {
        let n = names.len();
        let mut order = start_order(names, graph);
        let placed = order.len();
        let mut slot_of = vec![u32::MAX; n];
        for (slot, &i) in order.iter().enumerate() {
            slot_of[i] = slot as u32;
        }
        if placed < n {
            order.extend((0..n).filter(|&i| slot_of[i] == u32::MAX));
            for (slot, &i) in order.iter().enumerate().skip(placed) {
                slot_of[i] = slot as u32;
            }
        }
        Self {
            order,
            slot_of,
            placed,
        }
    }

    pub(super) fn slot(&self, i: usize) -> usize {
        self.slot_of[i] as usize
    }
}

/// Slot indices in the report's order: started ones in start order, then the rest by name.
pub(super) fn report_order<'p>(
    plan: &'p Plan,
    slots: &Slots,
) -> impl Iterator<Item = usize> + use<'p> {
    let mut rest: Vec<usize> = (0..slots.len())
        .filter(|&i| plan.position[i] == Plan::UNORDERED)
        .collect();
    rest.sort_by_key(|&i| NameKey::new(slots.name(i).as_str()));
    plan.order.iter().copied().chain(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_the_zero_padded_name_then_the_slot() {
        let name = "abcdefghijkl";
        for len in 0..=ShortKey::NAME_BYTES {
            let name = &name[..len];
            let mut bytes = [0u8; 16];
            bytes[..len].copy_from_slice(name.as_bytes());
            bytes[12..].copy_from_slice(&7u32.to_be_bytes());
            let key = ShortKey::new(name, 7);
            assert_eq!(key.0, u128::from_be_bytes(bytes), "name {name:?}");
            assert_eq!(key.slot(), 7);
        }
    }

    fn names_in(order: &[usize], names: &[Name]) -> Vec<Name> {
        order.iter().map(|&i| names[i]).collect()
    }

    fn to_names(names: &[&'static str]) -> Vec<Name> {
        names.iter().map(|&name| Name::from(name)).collect()
    }

    #[test]
    fn dependencies_come_first_and_ties_go_by_name() {
        let names = to_names(&["web", "db", "cache", "auth"]);
        // web needs db and cache; cache needs db; auth needs nothing.
        let graph = Graph::from_edges(4, &[(0, 1), (0, 2), (2, 1)]);
        let order = start_order(&names, &graph);
        assert_eq!(names_in(&order, &names), ["auth", "db", "cache", "web"]);
        let long = to_names(&["a-very-long-plugin-name", "b", "a-very-long-plugin-nam"]);
        let order = start_order(&long, &Graph::from_edges(3, &[]));
        assert_eq!(
            names_in(&order, &long),
            ["a-very-long-plugin-nam", "a-very-long-plugin-name", "b"],
            "names over 12 bytes take the general key"
        );
    }

    /// Kahn's algorithm as it is defined: at each step, the ready plugin with the smallest
    /// name (then slot).
    fn reference_order(names: &[Name], graph: &Graph) -> Vec<usize> {
        let n = names.len();
        let mut placed = vec![false; n];
        let mut order = Vec::new();
        while let Some(next) = (0..n)
            .filter(|&i| !placed[i] && graph.dependencies(i).all(|d| placed[d]))
            .min_by_key(|&i| (names[i], i))
        {
            placed[next] = true;
            order.push(next);
        }
        order
    }

    #[test]
    fn the_ready_run_and_heap_give_kahns_order_on_any_graph() {
        // Pseudo-random graphs (a fixed linear congruential sequence), names short and long,
        // some repeated, edges in every direction, some cycles.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |bound: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % bound
        };
        for round in 0..200 {
            let n = 1 + next(40);
            let long = round % 4 == 3;
            let names: Vec<Name> = (0..n)
                .map(|_| {
                    let stem = ["a", "b", "m", "z"][next(4)];
                    let name = if long {
                        format!("{stem}-a-long-plugin-name-{}", next(n))
                    } else {
                        format!("{stem}{}", next(n))
                    };
                    Name::new(name).expect("a valid name")
                })
                .collect();
            let edges: Vec<(usize, usize)> = (0..next(2 * n))
                .map(|_| (next(n), next(n)))
                .filter(|(from, to)| from != to || round % 5 == 0)
                .collect();
            let graph = Graph::from_edges(n, &edges);
            assert_eq!(
                start_order(&names, &graph),
                reference_order(&names, &graph),
                "round {round}: {names:?}, edges {edges:?}"
            );
        }
    }

    #[test]
    fn the_layout_puts_what_a_cycle_holds_back_last() {
        let names = to_names(&["x", "y", "free", "after-y"]);
        // x and y need each other; after-y needs y.
        let graph = Graph::from_edges(4, &[(0, 1), (1, 0), (3, 1)]);
        let layout = Placement::new(&names, &graph);
        assert_eq!(layout.placed, 1);
        assert_eq!(
            names_in(&layout.order, &names),
            ["free", "x", "y", "after-y"]
        );
        for (slot, &i) in layout.order.iter().enumerate() {
            assert_eq!(layout.slot(i), slot);
        }
    }

    fn plan_of(order: Vec<usize>, slots: usize) -> Plan {
        let mut plan = Plan {
            order,
            position: vec![Plan::UNORDERED; slots],
            in_slot_order: true,
        };
        plan.reindex();
        plan
    }

    #[test]
    fn the_plan_appends_a_slot_brought_back() {
        let mut plan = plan_of(vec![1, 2], 4);
        assert!(plan.in_slot_order);
        plan.push_last(0);
        assert_eq!(plan.order, [1, 2, 0]);
        assert_eq!(plan.position, [2, 0, 1, Plan::UNORDERED]);
        assert!(!plan.in_slot_order);
        plan.push_last(3);
        assert_eq!(plan.order, [1, 2, 0, 3]);
        assert_eq!(plan.position[3], 3);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "slot 1 is in the start order already")]
    fn appending_a_slot_already_in_the_plan_is_a_bug() {
        plan_of(vec![0, 1], 2).push_last(1);
    }

    #[test]
    fn names_longer_than_a_short_key_order_by_the_general_key() {
        // Every name is over 12 bytes, so no short key is used; ties by name, then dependencies.
        let names = to_names(&[
            "zeta-long-plugin-name",
            "alpha-long-plugin-name-2",
            "alpha-long-plugin-name-1",
            "middle-long-plugin-name",
        ]);
        // zeta needs alpha-...-2.
        let graph = Graph::from_edges(4, &[(0, 1)]);
        let order = start_order(&names, &graph);
        assert_eq!(
            names_in(&order, &names),
            [
                "alpha-long-plugin-name-1",
                "alpha-long-plugin-name-2",
                "middle-long-plugin-name",
                "zeta-long-plugin-name"
            ]
        );
    }

    #[test]
    fn short_keys_order_like_names() {
        let names = [
            "",
            "a",
            "a-b",
            "ab",
            "abc",
            "abcd",
            "abcd-",
            "abcde",
            "b",
            "b0",
            "zzzzzzzzzzzz",
        ];
        for (i, a) in names.iter().enumerate() {
            for (j, b) in names.iter().enumerate() {
                let keys = ShortKey::new(a, i).cmp(&ShortKey::new(b, j));
                assert_eq!(keys, a.cmp(b).then(i.cmp(&j)), "{a:?} vs {b:?}");
            }
        }
    }
}
