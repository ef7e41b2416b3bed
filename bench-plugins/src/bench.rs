//! The benchmarks P1 to P4 over one generated set, each beside its baseline (and C1 to C3, in
//! `configured.rs`, when the target defines the configurable kinds).

use std::any::{Any, TypeId};
use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use plugin_factory::registry::{self, PluginEntry};
use plugin_factory::{PluginManager, PluginState};

use crate::baseline::{
    HandLive, HandPlugin, RAW_LINKME, RawInventoryEntry, hand_lifecycle,
    hand_lifecycle_with_name_map,
};
use crate::configured::{self, ConfigKinds};
use crate::set::Set;
use crate::{alloc, peer, summary};

/// Checks that every mechanism holds the set, runs P1 to P4 with criterion (command-line
/// arguments as for any criterion bench), and C1 to C3 if the target defines the configurable
/// kinds, then prints the allocation checks and the table of medians and ratios.
pub fn run(set: &'static Set, config: Option<&'static ConfigKinds>) {
    let started = std::time::SystemTime::now();
    let entries = framework_entries(set);
    check(set, &entries, config.map_or(0, |kinds| kinds.names().len()));
    if let Some(kinds) = config {
        configured::check(kinds);
    }
    // Under `--profile-time` the profile should show the benchmark alone.
    let profiling = std::env::args().any(|arg| arg == "--profile-time");
    let (mut allocations, stages) = if profiling {
        (String::new(), String::new())
    } else {
        (allocation_checks(set, &entries), stages(set, &entries))
    };
    if let Some(kinds) = config.filter(|_| !profiling) {
        allocations.push('\n');
        allocations.push_str(&configured::allocations(kinds));
    }

    let output = summary::output_directory();
    let mut criterion = summary::criterion(&output);

    p1_lifecycle(&mut criterion, set, &entries);
    p2_dispatch(&mut criterion, set, &entries);
    p3_lookup(&mut criterion, set, &entries);
    p4_registry(&mut criterion, set);
    if let Some(kinds) = config {
        configured::bench(&mut criterion, kinds);
    }
    criterion.final_summary();

    println!("\n{allocations}\n{stages}");
    summary::print(&output, started, set);
    if config.is_some() {
        summary::print_config(&output, started);
    }
}

/// The registry's entries of this set (the bench binary links no other plugins; the filter
/// makes sure).
fn framework_entries(set: &Set) -> Vec<&'static PluginEntry> {
    registry::entries()
        .filter(|entry| entry.name().starts_with(set.prefix))
        .collect()
}

/// A manager of the set, started.
fn running(entries: &[&'static PluginEntry]) -> PluginManager {
    PluginManager::builder()
        .entries(entries.iter().copied())
        .discover()
        .and_then(PluginManager::validate)
        .and_then(PluginManager::init)
        .and_then(PluginManager::start)
        .expect("the generated plugins start")
}

/// P1 through the manager: the whole lifecycle; returns how many plugins were shut down.
fn framework_lifecycle(entries: &[&'static PluginEntry], time_hooks: bool) -> usize {
    let manager = PluginManager::builder()
        .time_hooks(time_hooks)
        .entries(entries.iter().copied())
        .discover()
        .and_then(PluginManager::validate)
        .and_then(PluginManager::init)
        .and_then(PluginManager::start)
        .expect("the generated plugins start");
    let report = manager.stop().shutdown();
    report.in_state(PluginState::Shutdown).count()
}

/// The benchmarks must measure the normal path: every mechanism holds exactly the set (the
/// registry also the `other_kinds` configurable kinds of C1 to C3, if the target defines them),
/// and every plugin goes through the whole lifecycle.
fn check(set: &Set, entries: &[&'static PluginEntry], other_kinds: usize) {
    let n = set.n;
    assert_eq!(entries.len(), n, "registry entries of the set");
    assert_eq!(
        registry::entries().count(),
        n + other_kinds,
        "registry entries in all"
    );
    assert_eq!(RAW_LINKME.len(), n, "raw linkme entries");
    assert_eq!(
        inventory::iter::<RawInventoryEntry>.into_iter().count(),
        n,
        "raw inventory entries"
    );
    assert_eq!(set.hand.len(), n, "hand-written entries");
    assert_eq!(hand_lifecycle(set.hand).expect("no-op hooks"), n);
    for add in [set.bevy_add, set.bevy_add_group] {
        assert_eq!(
            peer::added(add, set.bevy_added),
            n,
            "bevy_app plugins added"
        );
        assert!(peer::lifecycle(add), "bevy_app's lifecycle ends cleaned up");
    }
    for timed in [false, true] {
        assert_eq!(framework_lifecycle(entries, timed), n, "timed: {timed}");
    }
    let mut manager = running(entries);
    assert_eq!(manager.live().len(), n);
    let mut hand = HandLive::start(set.hand);
    let (framework, by_hand) = (
        (set.lookup_framework)(&mut manager),
        (set.lookup_hand)(&mut hand),
    );
    assert_eq!(framework, set.lookups as u64, "every framework lookup hits");
    assert_eq!(
        by_hand, set.lookups as u64,
        "every hand-written lookup hits"
    );
    let mut types = Vec::with_capacity(n);
    manager.for_each_running_mut(|plugin| types.push(call(plugin)));
    let hand_types: Vec<_> = hand
        .plugins_mut()
        .iter_mut()
        .map(|p| call_hand(p.as_mut()))
        .collect();
    assert_eq!(types, hand_types, "same plugins in the same order");
    assert_ne!(types[0], types[1], "the call reaches the concrete type");
}

/// The method P2 calls on every live plugin: `Any::type_id`, through the plugin's vtable.
#[inline]
fn call(plugin: &mut dyn plugin_factory::Plugin) -> TypeId {
    let plugin: &dyn Any = plugin;
    plugin.type_id()
}

/// The same call on a hand-written plugin.
#[inline]
fn call_hand(plugin: &mut dyn HandPlugin) -> TypeId {
    let plugin: &dyn Any = plugin;
    plugin.type_id()
}

/// Allocations per operation, framework and baselines: the targets ask for none on the
/// dispatch, lookup and registry paths.
fn allocation_checks(set: &Set, entries: &[&'static PluginEntry]) -> String {
    let n = set.n;
    let mut manager = running(entries);
    let mut hand = HandLive::start(set.hand);
    let rows = [
        (
            "P1 lifecycle, hand-written",
            alloc::count(|| hand_lifecycle(set.hand)).0,
        ),
        (
            "P1 lifecycle, framework",
            alloc::count(|| framework_lifecycle(entries, false)).0,
        ),
        (
            "P1 lifecycle, bevy_app (one add_plugins)",
            alloc::count(|| peer::lifecycle(set.bevy_add)).0,
        ),
        (
            "P1 lifecycle, framework timed",
            alloc::count(|| framework_lifecycle(entries, true)).0,
        ),
        (
            "P2 dispatch, framework (for_each_running)",
            alloc::count(|| {
                manager.for_each_running_mut(|p| {
                    black_box(call(p));
                })
            })
            .0,
        ),
        (
            "P2 dispatch, Vec<Box<dyn>> loop",
            alloc::count(|| {
                for p in hand.plugins_mut() {
                    black_box(call_hand(p.as_mut()));
                }
            })
            .0,
        ),
        (
            "P3 lookups, framework (plugin_mut)",
            alloc::count(|| (set.lookup_framework)(&mut manager)).0,
        ),
        (
            "P3 lookups, HashMap + index",
            alloc::count(|| (set.lookup_hand)(&mut hand)).0,
        ),
        ("P4 registry walk, framework", alloc::count(walk_registry).0),
        ("P4 registry walk, raw linkme", alloc::count(walk_linkme).0),
        (
            "P4 registry walk, raw inventory",
            alloc::count(walk_inventory).0,
        ),
    ];
    let mut out = format!(
        "Allocations per operation, N = {n} (backend: {}):\n",
        summary::backend()
    );
    for (what, count) in rows {
        out.push_str(&format!(
            "  {what:<45} {count:>8}  ({:.2} per plugin)\n",
            count as f64 / n as f64
        ));
    }
    out
}

fn new_group<'c>(
    criterion: &'c mut Criterion,
    name: &str,
    set: &Set,
) -> BenchmarkGroup<'c, WallTime> {
    let mut group = criterion.benchmark_group(name);
    group.throughput(Throughput::Elements(set.n as u64));
    group
}

/// P1: the whole lifecycle of the set, by hand and through the manager, timing off and on, and
/// the peer's (`bevy_app`: one `add_plugins` of tuples, and a `PluginGroup`).
fn p1_lifecycle(criterion: &mut Criterion, set: &'static Set, entries: &[&'static PluginEntry]) {
    let mut group = new_group(criterion, "p1_lifecycle", set);
    if set.n >= 10_000 {
        group.sampling_mode(SamplingMode::Flat).sample_size(20);
    }
    let n = set.n;
    group.bench_function(summary::id("hand", n), |b| {
        b.iter(|| hand_lifecycle(black_box(set.hand)))
    });
    group.bench_function(summary::id("hand_name_map", n), |b| {
        b.iter(|| hand_lifecycle_with_name_map(black_box(set.hand)))
    });
    group.bench_function(summary::id("framework", n), |b| {
        b.iter(|| framework_lifecycle(black_box(entries), false))
    });
    group.bench_function(summary::id("framework_timed", n), |b| {
        b.iter(|| framework_lifecycle(black_box(entries), true))
    });
    group.bench_function(summary::id("bevy_app", n), |b| {
        b.iter(|| peer::lifecycle(black_box(set.bevy_add)))
    });
    group.bench_function(summary::id("bevy_app_group", n), |b| {
        b.iter(|| peer::lifecycle(black_box(set.bevy_add_group)))
    });
    group.finish();
}

/// P2: calling a method on every live plugin, through `for_each_running` and by a direct loop
/// over `Vec<Box<dyn HandPlugin>>`.
fn p2_dispatch(criterion: &mut Criterion, set: &'static Set, entries: &[&'static PluginEntry]) {
    let mut group = new_group(criterion, "p2_dispatch", set);
    let n = set.n;
    let mut hand = HandLive::start(set.hand);
    group.bench_function(summary::id("hand", n), |b| {
        b.iter(|| {
            for plugin in hand.plugins_mut() {
                black_box(call_hand(plugin.as_mut()));
            }
        })
    });
    let mut manager = running(entries);
    group.bench_function(summary::id("framework", n), |b| {
        b.iter(|| {
            manager.for_each_running_mut(|plugin| {
                black_box(call(plugin));
            })
        })
    });
    group.finish();
}

/// P3: typed access by name to `set.lookups` plugins, through `plugin_mut` and through a
/// `HashMap<&str, usize>` and an index.
fn p3_lookup(criterion: &mut Criterion, set: &'static Set, entries: &[&'static PluginEntry]) {
    let mut group = criterion.benchmark_group("p3_lookup");
    group.throughput(Throughput::Elements(set.lookups as u64));
    let n = set.n;
    let mut hand = HandLive::start(set.hand);
    group.bench_function(summary::id("hand", n), |b| {
        b.iter(|| (set.lookup_hand)(&mut hand))
    });
    let mut manager = running(entries);
    group.bench_function(summary::id("framework", n), |b| {
        b.iter(|| (set.lookup_framework)(&mut manager))
    });
    group.finish();
}

/// Reads every registry entry's name, as discovery does: the sum of the name lengths.
fn walk_registry() -> usize {
    registry::entries().map(|entry| entry.name().len()).sum()
}

fn walk_linkme() -> usize {
    RAW_LINKME.iter().map(|entry| entry.name.len()).sum()
}

fn walk_inventory() -> usize {
    inventory::iter::<RawInventoryEntry>
        .into_iter()
        .map(|entry| entry.name.len())
        .sum()
}

/// P4: reading the registry (walking every entry, and collecting the entries as discovery
/// does) versus the static array, raw `linkme` and raw `inventory`.
fn p4_registry(criterion: &mut Criterion, set: &'static Set) {
    let n = set.n;
    let mut group = new_group(criterion, "p4_registry_walk", set);
    group.bench_function(summary::id("static_array", n), |b| {
        b.iter(|| {
            black_box(set.hand)
                .iter()
                .map(|e| e.name.len())
                .sum::<usize>()
        })
    });
    group.bench_function(summary::id("raw_linkme", n), |b| b.iter(walk_linkme));
    group.bench_function(summary::id("raw_inventory", n), |b| b.iter(walk_inventory));
    group.bench_function(summary::id("framework", n), |b| b.iter(walk_registry));
    group.finish();

    let mut group = new_group(criterion, "p4_registry_collect", set);
    group.bench_function(summary::id("static_array", n), |b| {
        b.iter(|| black_box(set.hand).iter().collect::<Vec<_>>())
    });
    group.bench_function(summary::id("raw_linkme", n), |b| {
        b.iter(|| RAW_LINKME.iter().collect::<Vec<_>>())
    });
    group.bench_function(summary::id("raw_inventory", n), |b| {
        b.iter(|| {
            inventory::iter::<RawInventoryEntry>
                .into_iter()
                .collect::<Vec<_>>()
        })
    });
    group.bench_function(summary::id("framework", n), |b| {
        b.iter(|| registry::entries().collect::<Vec<_>>())
    });
    group.finish();
}

/// Where P1's time goes: the median time of each stage over repeated runs, framework (timing
/// off) and hand-written, in nanoseconds per plugin. A rough breakdown (one clock read per
/// stage), printed before criterion runs.
fn stages(set: &Set, entries: &[&'static PluginEntry]) -> String {
    const STAGES: [&str; 6] = [
        "create",
        "validate",
        "init",
        "start",
        "stop",
        "shutdown+drop",
    ];
    let n = set.n;
    let runs = (2_000_000 / n).clamp(21, 2_001);
    let mut framework = vec![Vec::with_capacity(runs); STAGES.len()];
    let mut hand = vec![Vec::with_capacity(runs); STAGES.len()];
    for _ in 0..runs {
        let mut clock = Clock::new();
        let manager = PluginManager::builder()
            .entries(entries.iter().copied())
            .discover()
            .expect("discover");
        framework[0].push(clock.lap());
        let manager = manager.validate().expect("validate");
        framework[1].push(clock.lap());
        let manager = manager.init().expect("init");
        framework[2].push(clock.lap());
        let manager = manager.start().expect("start");
        framework[3].push(clock.lap());
        let manager = manager.stop();
        framework[4].push(clock.lap());
        black_box(manager.shutdown());
        framework[5].push(clock.lap());

        let mut clock = Clock::new();
        let mut plugins: Vec<Box<dyn HandPlugin>> = Vec::with_capacity(n);
        for entry in black_box(set.hand) {
            plugins.push((entry.factory)());
        }
        hand[0].push(clock.lap());
        for plugin in &plugins {
            plugin.validate().expect("validate");
        }
        hand[1].push(clock.lap());
        for plugin in &mut plugins {
            plugin.init().expect("init");
        }
        hand[2].push(clock.lap());
        for plugin in &mut plugins {
            plugin.start().expect("start");
        }
        hand[3].push(clock.lap());
        for plugin in plugins.iter_mut().rev() {
            plugin.stop().expect("stop");
        }
        hand[4].push(clock.lap());
        for plugin in plugins.iter_mut().rev() {
            plugin.shutdown().expect("shutdown");
        }
        while let Some(plugin) = plugins.pop() {
            drop(plugin);
        }
        hand[5].push(clock.lap());
    }
    let median = |times: &mut Vec<u64>| {
        times.sort_unstable();
        times[times.len() / 2] as f64 / n as f64
    };
    let mut out = format!(
        "P1 by stage, N = {n}, median of {runs} runs, ns per plugin (framework with timing off):\n  {:<14} {:>10} {:>10} {:>7}\n",
        "stage", "hand", "framework", "ratio"
    );
    let (mut hand_total, mut framework_total) = (0.0, 0.0);
    for (i, stage) in STAGES.iter().enumerate() {
        let (h, f) = (median(&mut hand[i]), median(&mut framework[i]));
        hand_total += h;
        framework_total += f;
        out.push_str(&format!(
            "  {stage:<14} {h:>10.1} {f:>10.1} {:>6.2}x\n",
            f / h
        ));
    }
    out.push_str(&format!(
        "  {:<14} {hand_total:>10.1} {framework_total:>10.1} {:>6.2}x\n",
        "sum",
        framework_total / hand_total
    ));
    out
}

/// Nanoseconds since the last lap.
struct Clock(Instant);

impl Clock {
    fn new() -> Self {
        Self(Instant::now())
    }

    fn lap(&mut self) -> u64 {
        let now = Instant::now();
        let lap = now.duration_since(self.0).as_nanos() as u64;
        self.0 = now;
        lap
    }
}
