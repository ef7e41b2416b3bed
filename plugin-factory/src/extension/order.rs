//! The call order of an extension point's implementations: `before`/`after` constraints are
//! hard (one naming a plugin that is not live is ignored); among the implementations free to
//! run next, the highest priority goes first, then the one earliest in dependency order, then
//! the smallest name.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use crate::name::Name;
use crate::registry::Placement;

/// How implementations free to run next are ordered: priority (higher first), slot, name.
type Rank = (Reverse<i32>, usize, Name);

/// What orders one implementation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key<'a> {
    pub(crate) name: Name,
    pub(crate) kind: &'a str,
    /// The instance's slot: slots are laid out in dependency order.
    pub(crate) slot: usize,
    pub(crate) placement: Placement,
}

impl Key<'_> {
    fn rank(&self) -> Rank {
        (Reverse(self.placement.priority), self.slot, self.name)
    }
}

/// The positions of `keys` in call order, and the cycle that held some back, if any (those
/// then follow in rank order, so that the order is still total).
pub(crate) fn call_order(keys: &[Key<'_>]) -> (Vec<usize>, Option<Box<[Name]>>) {
    let n = keys.len();
    let constrained = keys
        .iter()
        .any(|k| !k.placement.before.is_empty() || !k.placement.after.is_empty());
    let mut by_rank: Vec<usize> = (0..n).collect();
    by_rank.sort_by_key(|&k| keys[k].rank());
    if !constrained {
        return (by_rank, None);
    }

    // The implementations each name means (as an instance name or a kind), so that a
    // constraint finds its targets without a pass over all of them.
    let mut named: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (k, key) in keys.iter().enumerate() {
        named.entry(key.name.as_str()).or_default().push(k);
        if key.kind != key.name.as_str() {
            named.entry(key.kind).or_default().push(k);
        }
    }
    let targets = |target: &str| named.get(target).map_or(&[][..], Vec::as_slice);
    // Edges `from -> to`: `from` runs first.
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, key) in keys.iter().enumerate() {
        for &target in key.placement.before {
            next[k].extend(targets(target).iter().filter(|&&to| to != k));
        }
        for &target in key.placement.after {
            for &from in targets(target).iter().filter(|&&from| from != k) {
                next[from].push(k);
            }
        }
    }
    for edges in &mut next {
        edges.sort_unstable();
        edges.dedup();
    }
    let mut waiting = vec![0usize; n];
    for edges in &next {
        for &to in edges {
            waiting[to] += 1;
        }
    }
    let mut ready: BinaryHeap<Reverse<(Rank, usize)>> = (0..n)
        .filter(|&k| waiting[k] == 0)
        .map(|k| Reverse((keys[k].rank(), k)))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse((_, k))) = ready.pop() {
        order.push(k);
        for &to in &next[k] {
            waiting[to] -= 1;
            if waiting[to] == 0 {
                ready.push(Reverse((keys[to].rank(), to)));
            }
        }
    }
    if order.len() == n {
        return (order, None);
    }
    let cycle = find_cycle(keys, &next, &waiting);
    order.extend(by_rank.into_iter().filter(|&k| waiting[k] > 0));
    (order, Some(cycle))
}

/// A cycle among the implementations left `waiting` (each has a waiting predecessor), from the
/// smallest-ranked one, in run-before order and closed on its first member.
fn find_cycle(keys: &[Key<'_>], next: &[Vec<usize>], waiting: &[usize]) -> Box<[Name]> {
    let n = keys.len();
    let mut previous: Vec<Option<usize>> = vec![None; n];
    for (from, edges) in next.iter().enumerate() {
        for &to in edges {
            if waiting[from] > 0 && waiting[to] > 0 && previous[to].is_none() {
                previous[to] = Some(from);
            }
        }
    }
    let start = (0..n)
        .filter(|&k| waiting[k] > 0)
        .min_by_key(|&k| keys[k].rank())
        .expect("a cycle has members");
    // Walk back until a node repeats: from there on, the walk is the cycle.
    let mut seen = vec![false; n];
    let mut at = start;
    while !seen[at] {
        seen[at] = true;
        at = previous[at].expect("a waiting implementation has a waiting predecessor");
    }
    let mut cycle = vec![at];
    let mut k = previous[at].expect("on the cycle");
    while k != at {
        cycle.push(k);
        k = previous[k].expect("on the cycle");
    }
    cycle.reverse();
    // From its smallest-ranked member, so that the cycle reads the same whatever the walk.
    let first = (0..cycle.len())
        .min_by_key(|&j| keys[cycle[j]].rank())
        .expect("a cycle has members");
    cycle.rotate_left(first);
    cycle.push(cycle[0]);
    cycle.into_iter().map(|k| keys[k].name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &'static str, slot: usize, priority: i32) -> Key<'static> {
        Key {
            name: Name::from(name),
            kind: name,
            slot,
            placement: Placement {
                priority,
                ..Placement::DEFAULT
            },
        }
    }

    fn names(keys: &[Key<'_>], order: &[usize]) -> Vec<&'static str> {
        order.iter().map(|&k| keys[k].name.as_str()).collect()
    }

    #[test]
    fn priority_then_slot_then_name() {
        let keys = [
            key("c", 0, 0),
            key("b", 1, 5),
            key("a", 1, 0),
            key("d", 0, 0),
        ];
        let (order, cycle) = call_order(&keys);
        assert_eq!(names(&keys, &order), ["b", "c", "d", "a"]);
        assert!(cycle.is_none());
    }

    #[test]
    fn constraints_beat_priority_and_absent_targets_are_ignored() {
        let mut keys = [key("first", 0, 10), key("late", 1, 0), key("x", 2, 0)];
        keys[1].placement.before = &["first", "absent"];
        keys[2].placement.after = &["nobody"];
        let (order, cycle) = call_order(&keys);
        assert_eq!(names(&keys, &order), ["late", "first", "x"]);
        assert!(cycle.is_none());
    }

    #[test]
    fn a_cycle_is_named_and_the_order_stays_total() {
        let mut keys = [
            key("a", 0, 0),
            key("b", 1, 0),
            key("c", 2, 0),
            key("free", 3, 0),
        ];
        keys[0].placement.before = &["b"];
        keys[1].placement.before = &["c"];
        keys[2].placement.before = &["a"];
        let (order, cycle) = call_order(&keys);
        assert_eq!(names(&keys, &order), ["free", "a", "b", "c"]);
        let cycle: Vec<&str> = cycle.unwrap().iter().map(|n| n.as_str()).collect();
        assert_eq!(
            cycle,
            ["a", "b", "c", "a"],
            "from the smallest-ranked, in run order"
        );
    }
}
