//! P6: calling an extension point on 1,000 live implementations (see `docs/performance.md`).
//!
//! The implementations are 1,000 instances `p6-00000` to `p6-00999` of one kind, named by a
//! configuration as C1 to C3 name theirs, all running. The kind is defined by the bench target
//! that runs P6 (`benches/noop_kind.rs`), so that the other targets' registries hold exactly
//! their generated set; the point trait, [`Noop`], is here.
//!
//! - `p6_call`: [`Extension::call`](plugin_factory::extension::Extension::call) of the no-op
//!   method on every implementation, against a loop over a `Vec<Arc<dyn Noop>>` of 1,000
//!   instances of the same kind; `handle` makes the same call through an [`ExtensionHandle`],
//!   as a plugin's producer thread does;
//! - `p6_first`: [`first_some`](plugin_factory::extension::Extension::first_some) that the first
//!   implementation answers, with 10 and with 1,000 implementations (and the same search over
//!   the `Vec`, for the constant part).

use std::hint::black_box;
use std::sync::Arc;
use std::time::SystemTime;

use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use plugin_factory::PluginManager;
use plugin_factory::config::{Config, Format, Loader};
use plugin_factory::extension::ExtensionHandle;
use plugin_factory::registry::{self, PluginEntry};

use crate::{alloc, summary};

/// P6's extension point: a no-op, and a first-result query.
pub trait Noop: Send + Sync {
    /// Does nothing.
    fn noop(&self);
    /// Answers at once.
    fn first(&self) -> Option<u32>;
}

/// The kind of P6, defined by the bench target that runs it.
#[derive(Debug)]
pub struct NoopKind {
    /// Its name in the registry; it implements [`Noop`] and answers `first` with `Some`.
    pub kind: &'static str,
    /// A new instance of it, for the direct loop.
    pub make: fn() -> Arc<dyn Noop>,
}

pub use crate::sizes::{FEW, IMPLEMENTATIONS};

/// The name of instance `i`.
fn name(i: usize) -> String {
    format!("p6-{i:05}")
}

/// A configuration of `n` instances of `kind`.
fn config(kind: &str, n: usize) -> Config {
    let instances: Vec<String> = (0..n)
        .map(|i| format!("    \"{}\": {{ \"kind\": \"{kind}\" }}", name(i)))
        .collect();
    let text = format!(
        "{{\n  \"plugins\": {{\n{}\n  }}\n}}\n",
        instances.join(",\n")
    );
    Loader::new()
        .text("p6.json", Format::Json, &text)
        .load()
        .expect("the generated configuration loads")
}

/// The registry entry of `kind`.
fn entry(kind: &str) -> &'static PluginEntry {
    registry::entries()
        .find(|entry| entry.name() == kind)
        .expect("the bench target registers P6's kind")
}

/// A manager of `n` instances of `kind`, started: each a live implementation of [`Noop`].
pub fn running(kind: &NoopKind, n: usize) -> PluginManager {
    PluginManager::builder()
        .entries([entry(kind.kind)])
        .config(config(kind.kind, n))
        .discover()
        .and_then(PluginManager::validate)
        .and_then(PluginManager::init)
        .and_then(PluginManager::start)
        .expect("the instances start")
}

/// `n` instances of `kind` as the direct loop holds them.
pub fn direct(kind: &NoopKind, n: usize) -> Vec<Arc<dyn Noop>> {
    (0..n).map(|_| (kind.make)()).collect()
}

/// `p6_call` through the manager: the no-op on every implementation; returns how many were
/// called.
#[inline]
pub fn call_framework(manager: &PluginManager) -> usize {
    manager
        .extension::<dyn Noop>()
        .call(|point| point.noop())
        .expect("no order cycle")
        .reached()
}

/// `p6_call` through a kept handle: the no-op on every implementation; returns how many were
/// called.
#[inline]
pub fn call_handle(handle: &ExtensionHandle<dyn Noop>) -> usize {
    handle
        .extension()
        .call(|point| point.noop())
        .expect("no order cycle")
        .reached()
}

/// `p6_call` by hand.
#[inline]
pub fn call_direct(points: &[Arc<dyn Noop>]) {
    for point in points {
        point.noop();
    }
}

/// `p6_first` through the manager: the first implementation's answer; returns how many
/// implementations were called and the answer.
#[inline]
pub fn first_framework(manager: &PluginManager) -> (usize, Option<u32>) {
    let calls = manager
        .extension::<dyn Noop>()
        .first_some(|point| point.first())
        .expect("no order cycle");
    (calls.reached(), calls.into_value().map(|(_, value)| value))
}

/// `p6_first` by hand.
#[inline]
pub fn first_direct(points: &[Arc<dyn Noop>]) -> Option<u32> {
    points.iter().find_map(|point| point.first())
}

/// The benchmarks must time the normal path: every instance runs and implements the point,
/// `call` reaches every one with no failure, and `first_some` stops at the first, which is
/// `p6-00000`, whatever the number of implementations.
pub fn check(kind: &NoopKind) {
    for n in [FEW, IMPLEMENTATIONS] {
        let manager = running(kind, n);
        assert_eq!(manager.live().len(), n, "live instances");
        let calls = manager
            .extension::<dyn Noop>()
            .call(|point| point.noop())
            .expect("no order cycle");
        assert_eq!(calls.reached(), n, "every implementation is called");
        assert!(calls.failures().is_empty(), "{:?}", calls.failures());
        let handle = manager.extension_handle::<dyn Noop>();
        assert_eq!(
            call_handle(&handle),
            n,
            "a handle calls every implementation"
        );
        let first = manager
            .extension::<dyn Noop>()
            .first_some(|point| point.first())
            .expect("no order cycle");
        assert_eq!(first.reached(), 1, "first_some stops at the first");
        let (answered, _) = first.value().expect("the first implementation answers");
        assert_eq!(answered.as_str(), name(0));
        assert_eq!(direct(kind, n).len(), n);
    }
}

/// Allocations of `calls` calls of `call` (through the manager, and through a handle) and of
/// `first_some` on [`IMPLEMENTATIONS`] implementations, after one call of each outside the
/// count (the first call on a thread sets up the thread's own record of the operations it is
/// in).
pub fn allocations(kind: &NoopKind, calls: usize) -> (u64, u64, u64) {
    let manager = running(kind, IMPLEMENTATIONS);
    let handle = manager.extension_handle::<dyn Noop>();
    black_box(call_framework(&manager));
    black_box(call_handle(&handle));
    black_box(first_framework(&manager));
    let (call, ()) = alloc::count(|| {
        for _ in 0..calls {
            black_box(call_framework(black_box(&manager)));
        }
    });
    let (through_handle, ()) = alloc::count(|| {
        for _ in 0..calls {
            black_box(call_handle(black_box(&handle)));
        }
    });
    let (first, ()) = alloc::count(|| {
        for _ in 0..calls {
            black_box(first_framework(black_box(&manager)));
        }
    });
    (call, through_handle, first)
}

/// Checks P6's set-up, prints its allocations, runs it with criterion (command-line arguments
/// as for any criterion bench), and prints the medians and ratios.
pub fn run(kind: &'static NoopKind) {
    let started = SystemTime::now();
    check(kind);
    let (call, through_handle, first) = allocations(kind, 100);
    let n = IMPLEMENTATIONS;
    println!(
        "Allocations over 100 calls, N = {n} (backend: {}):\n  {:<45} {call:>8}\n  {:<45} {through_handle:>8}\n  {:<45} {first:>8}\n",
        summary::backend(),
        "P6 call (every implementation)",
        "P6 call through a handle",
        "P6 first_some (the first answers)",
    );

    let output = summary::output_directory();
    let mut criterion = summary::criterion(&output);
    p6_call(&mut criterion, kind);
    p6_first(&mut criterion, kind);
    criterion.final_summary();
    summary::print_points(&output, started);
}

fn group<'c>(criterion: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    criterion.benchmark_group(name)
}

/// `p6_call`: the no-op on every implementation, by a direct loop and through the manager.
fn p6_call(criterion: &mut Criterion, kind: &NoopKind) {
    let n = IMPLEMENTATIONS;
    let mut group = group(criterion, "p6_call");
    group.throughput(Throughput::Elements(n as u64));
    let points = direct(kind, n);
    group.bench_function(summary::id("direct", n), |b| {
        b.iter(|| call_direct(black_box(&points)))
    });
    let manager = running(kind, n);
    group.bench_function(summary::id("framework", n), |b| {
        b.iter(|| call_framework(black_box(&manager)))
    });
    let handle = manager.extension_handle::<dyn Noop>();
    group.bench_function(summary::id("handle", n), |b| {
        b.iter(|| call_handle(black_box(&handle)))
    });
    group.finish();
}

/// `p6_first`: a first-result call that the first implementation answers, with 10 and 1,000
/// implementations, by hand and through the manager.
fn p6_first(criterion: &mut Criterion, kind: &NoopKind) {
    let mut group = group(criterion, "p6_first");
    for n in [FEW, IMPLEMENTATIONS] {
        let points = direct(kind, n);
        group.bench_function(summary::id("direct", n), |b| {
            b.iter(|| first_direct(black_box(&points)))
        });
        let manager = running(kind, n);
        group.bench_function(summary::id("framework", n), |b| {
            b.iter(|| first_framework(black_box(&manager)))
        });
    }
    group.finish();
}
