//! The configuration benchmarks C1 to C3, over 1,000 instances of one configurable kind named
//! `c-00000` to `c-00999`, each with its own `config` (see `docs/performance.md`):
//!
//! - C1: loading the configuration (parsing the text with `Loader`) and checking it (`plan`
//!   against a running manager: resolving it against the kinds, reading every instance's
//!   config into its type, laying the instances out, diffing them against the running ones);
//! - C2: `apply` of the unchanged configuration to the running manager;
//! - C3: `apply` with one instance's config changed (alternately to one value and back),
//!   against `restart_plugin` of that instance plus the no-op `apply`, with the kind that takes
//!   the change in place and the kind that declines it.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use plugin_factory::config::{Config, Effect, Format, Loader};
use plugin_factory::registry::{self, PluginEntry};
use plugin_factory::{PluginManager, PluginState};

use crate::sizes::INSTANCES;
use crate::{alloc, summary};

/// The instance whose config C3 changes.
const CHANGED: usize = INSTANCES / 2;

/// The configurable kinds of C1 to C3, defined by the bench target that runs them.
#[derive(Debug)]
pub struct ConfigKinds {
    /// The kind whose `reconfigure` takes a changed config in place (`Reconfigure::Applied`).
    pub in_place: &'static str,
    /// The kind whose `reconfigure` declines (`Reconfigure::Restart`): re-created instead.
    pub recreated: &'static str,
    /// How often the kinds' instances were created, reconfigured and started so far.
    pub calls: fn() -> Calls,
}

impl ConfigKinds {
    /// Both kinds' names.
    pub fn names(&self) -> [&'static str; 2] {
        [self.in_place, self.recreated]
    }
}

/// Counts of what the configurable kinds' instances went through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    /// `from_config` calls.
    pub created: u64,
    /// `reconfigure` calls.
    pub reconfigured: u64,
    /// `start` calls.
    pub started: u64,
}

impl Calls {
    fn since(self, before: Calls) -> Calls {
        Calls {
            created: self.created - before.created,
            reconfigured: self.reconfigured - before.reconfigured,
            started: self.started - before.started,
        }
    }
}

/// The name of instance `i`.
fn name(i: usize) -> String {
    format!("c-{i:05}")
}

/// The config value of instance `i`: its index, or, for the changed instance in the changed
/// configuration, a value no other instance has.
fn value(i: usize, changed: bool) -> usize {
    if changed && i == CHANGED {
        INSTANCES + i
    } else {
        i
    }
}

/// The configuration as JSON: `INSTANCES` instances of `kind`, one per line.
fn json(kind: &str, changed: bool) -> String {
    let instances: Vec<String> = (0..INSTANCES)
        .map(|i| {
            format!(
                "    \"{}\": {{ \"kind\": \"{kind}\", \"config\": {{ \"value\": {} }} }}",
                name(i),
                value(i, changed)
            )
        })
        .collect();
    format!(
        "{{\n  \"plugins\": {{\n{}\n  }}\n}}\n",
        instances.join(",\n")
    )
}

/// The same configuration as TOML: one table per instance.
fn toml(kind: &str, changed: bool) -> String {
    let mut text = String::new();
    for i in 0..INSTANCES {
        text.push_str(&format!(
            "[plugins.{}]\nkind = \"{kind}\"\nconfig = {{ value = {} }}\n\n",
            name(i),
            value(i, changed)
        ));
    }
    text
}

fn load(format: Format, text: &str) -> Config {
    let file = match format {
        Format::Json => "bench.json",
        Format::Toml => "bench.toml",
        _ => "bench.yaml",
    };
    Loader::new()
        .text(file, format, text)
        .load()
        .expect("the generated configuration loads")
}

/// The registry entry of `kind`.
fn entry(kind: &str) -> &'static PluginEntry {
    registry::entries()
        .find(|entry| entry.name() == kind)
        .expect("the bench target registers the configurable kinds")
}

/// A manager of the instances `config` names, started.
fn running(kind: &str, config: Config) -> PluginManager {
    PluginManager::builder()
        .entries([entry(kind)])
        .config(config)
        .discover()
        .and_then(PluginManager::validate)
        .and_then(PluginManager::init)
        .and_then(PluginManager::start)
        .expect("the configured instances start")
}

/// The texts and configurations of one kind: unchanged (`a`) and with one instance changed
/// (`b`).
struct Fixture {
    kind: &'static str,
    json: String,
    a: Config,
    b: Config,
}

impl Fixture {
    fn new(kind: &'static str) -> Self {
        let json = json(kind, false);
        Self {
            kind,
            a: load(Format::Json, &json),
            b: load(Format::Json, &self::json(kind, true)),
            json,
        }
    }
}

/// The benchmarks must time the normal path: every instance runs, the same configuration
/// changes nothing and touches no instance, the changed one changes exactly one instance (in
/// place, or by re-creating it), and `restart_plugin` re-creates exactly one.
pub(crate) fn check(kinds: &ConfigKinds) {
    for (kind, in_place) in [(kinds.in_place, true), (kinds.recreated, false)] {
        let fixture = Fixture::new(kind);
        let before = (kinds.calls)();
        let mut manager = running(kind, fixture.a.clone());
        let created = (kinds.calls)().since(before);
        assert_eq!(created.created, INSTANCES as u64, "{kind}: every instance");
        assert_eq!(created.started, INSTANCES as u64, "{kind}: every instance");
        assert_eq!(manager.live().len(), INSTANCES, "{kind}: live instances");
        let changed = name(CHANGED);
        assert_eq!(
            manager.state(&changed),
            Some(PluginState::Running),
            "{kind}"
        );

        let toml = load(Format::Toml, &toml(kind, false));
        assert!(manager.plan(&toml).expect("TOML checks").is_empty());
        let plan = manager.plan(&fixture.a).expect("checks");
        assert!(plan.is_empty(), "{kind}: the same configuration: {plan}");
        assert_eq!(plan.unchanged().len(), INSTANCES);
        let plan = manager.plan(&fixture.b).expect("checks");
        assert_eq!(plan.changes().len(), 1, "{kind}: one instance: {plan}");

        let before = (kinds.calls)();
        let applied = manager.apply(fixture.a.clone()).expect("applies");
        assert!(applied.outcomes().is_empty(), "{kind}: no-op: {applied}");
        assert_eq!((kinds.calls)().since(before), Calls::default(), "{kind}");

        for (round, next) in [&fixture.b, &fixture.a, &fixture.b].into_iter().enumerate() {
            let before = (kinds.calls)();
            let applied = manager.apply(next.clone()).expect("applies");
            let calls = (kinds.calls)().since(before);
            assert!(applied.is_clean(), "{kind}, round {round}: {applied}");
            let outcomes = applied.outcomes();
            assert_eq!(outcomes.len(), 1, "{kind}, round {round}: {applied}");
            assert_eq!(outcomes[0].planned.instance, changed.as_str());
            let (effect_ok, expected) = if in_place {
                (
                    matches!(outcomes[0].result, Effect::ReconfiguredInPlace),
                    Calls {
                        created: 0,
                        reconfigured: 1,
                        started: 0,
                    },
                )
            } else {
                (
                    matches!(outcomes[0].result, Effect::Recreated),
                    Calls {
                        created: 1,
                        reconfigured: 1,
                        started: 1,
                    },
                )
            };
            assert!(effect_ok, "{kind}, round {round}: {applied}");
            assert_eq!(calls, expected, "{kind}, round {round}");
        }

        let before = (kinds.calls)();
        let restarted = manager.restart_plugin(&changed).expect("restarts");
        assert_eq!(restarted.len(), 1, "{kind}: {restarted:?}");
        let calls = (kinds.calls)().since(before);
        assert_eq!((calls.created, calls.started), (1, 1), "{kind}");
        assert_eq!(manager.live().len(), INSTANCES, "{kind}: live instances");
    }
}

/// Allocations of C1 and C2, for the table printed before criterion runs.
pub(crate) fn allocations(kinds: &ConfigKinds) -> String {
    let fixture = Fixture::new(kinds.in_place);
    let toml_text = toml(kinds.in_place, false);
    let mut manager = running(kinds.in_place, fixture.a.clone());
    let rows = [
        (
            "C1 parse JSON",
            alloc::count(|| load(Format::Json, &fixture.json)).0,
        ),
        (
            "C1 parse TOML",
            alloc::count(|| load(Format::Toml, &toml_text)).0,
        ),
        (
            "C1 check (plan)",
            alloc::count(|| manager.plan(&fixture.a)).0,
        ),
        ("C2 clone the configuration", {
            alloc::count(|| fixture.a.clone()).0
        }),
        ("C2 no-op apply (clone outside)", {
            let config = fixture.a.clone();
            alloc::count(|| manager.apply(config)).0
        }),
    ];
    let n = INSTANCES;
    let mut out = format!("Allocations per operation, configuration of {n} instances:\n");
    for (what, count) in rows {
        out.push_str(&format!(
            "  {what:<45} {count:>8}  ({:.2} per instance)\n",
            count as f64 / n as f64
        ));
    }
    out
}

fn new_group<'c>(criterion: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut group = criterion.benchmark_group(name);
    group.throughput(Throughput::Elements(INSTANCES as u64));
    group
}

/// C1 to C3 with criterion.
pub(crate) fn bench(criterion: &mut Criterion, kinds: &ConfigKinds) {
    let n = INSTANCES;
    let tunable = Fixture::new(kinds.in_place);
    let rebuilt = Fixture::new(kinds.recreated);

    // C1: parse alone, check alone, and both; building a manager up to `validate` (which also
    // creates every instance) for comparison.
    let toml_text = toml(kinds.in_place, false);
    let mut manager = running(tunable.kind, tunable.a.clone());
    let mut group = new_group(criterion, "config/load");
    group.bench_function(summary::id("parse_json", n), |b| {
        b.iter(|| load(Format::Json, black_box(&tunable.json)))
    });
    group.bench_function(summary::id("parse_toml", n), |b| {
        b.iter(|| load(Format::Toml, black_box(&toml_text)))
    });
    group.bench_function(summary::id("check", n), |b| {
        b.iter(|| manager.plan(black_box(&tunable.a)).expect("checks"))
    });
    group.bench_function(summary::id("parse_json_check", n), |b| {
        b.iter(|| {
            let config = load(Format::Json, black_box(&tunable.json));
            manager.plan(&config).expect("checks")
        })
    });
    let kind = entry(tunable.kind);
    group.bench_function(summary::id("parse_json_build", n), |b| {
        b.iter(|| {
            let config = load(Format::Json, black_box(&tunable.json));
            PluginManager::builder()
                .entries([kind])
                .config(config)
                .discover()
                .and_then(PluginManager::validate)
                .expect("the instances validate")
        })
    });
    group.finish();

    // C2: the configuration cloned outside the timing (and the clone alone, and both).
    let mut group = new_group(criterion, "config/apply_noop");
    group.bench_function(summary::id("clone", n), |b| {
        b.iter(|| black_box(&tunable.a).clone())
    });
    group.bench_function(summary::id("apply", n), |b| {
        b.iter_batched(
            || tunable.a.clone(),
            |config| {
                let applied = manager.apply(config).expect("applies");
                assert!(applied.outcomes().is_empty());
                applied
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function(summary::id("clone_apply", n), |b| {
        b.iter(|| {
            let applied = manager.apply(tunable.a.clone()).expect("applies");
            assert!(applied.outcomes().is_empty());
            applied
        })
    });
    group.finish();
    drop(manager);

    // C3: each iteration applies the other configuration, so exactly one instance changes
    // every time; the baseline restarts that instance and applies the unchanged configuration.
    // The configurations are cloned outside the timing on both sides.
    let changed = name(CHANGED);
    let mut group = new_group(criterion, "config/apply_one");
    for (function, fixture) in [("in_place", &tunable), ("recreated", &rebuilt)] {
        let mut manager = running(fixture.kind, fixture.a.clone());
        let mut next = 0_usize;
        group.bench_function(summary::id(function, n), |b| {
            b.iter_batched(
                || {
                    next += 1;
                    if next % 2 == 1 {
                        fixture.b.clone()
                    } else {
                        fixture.a.clone()
                    }
                },
                |config| {
                    let applied = manager.apply(config).expect("applies");
                    assert_eq!(applied.outcomes().len(), 1);
                    applied
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();

    let mut group = new_group(criterion, "config/restart_plus_noop");
    for (function, fixture) in [("in_place", &tunable), ("recreated", &rebuilt)] {
        let mut manager = running(fixture.kind, fixture.a.clone());
        group.bench_function(summary::id(function, n), |b| {
            b.iter_batched(
                || fixture.a.clone(),
                |config| {
                    let restarted = manager.restart_plugin(&changed).expect("restarts");
                    assert_eq!(restarted.len(), 1);
                    let applied = manager.apply(config).expect("applies");
                    assert!(applied.outcomes().is_empty());
                    (restarted, applied)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}
