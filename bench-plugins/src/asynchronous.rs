//! P8: the async manager's start phase over 100 plugins whose `start` each awaits 10 ms, in
//! dependency graphs of depth d (chains of d + 1 plugins). Started as the graph allows, the
//! phase should take about (d + 1) × 10 ms; one at a time, 100 × 10 ms.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use plugin_factory::executor::Tokio;
use plugin_factory::registry::PluginMetadata;
use plugin_factory::registry::{Dependency, PluginEntry};
use plugin_factory::{AsyncPlugin, Context, Plugin, PluginError, PluginManager};

/// How long each plugin's `start` awaits.
pub const START: Duration = Duration::from_millis(10);

/// How many plugins P8 starts.
pub const PLUGINS: usize = 100;

/// An async plugin whose `start` awaits [`START`] on tokio's timer.
#[derive(Debug)]
pub struct Sleeper;

impl AsyncPlugin for Sleeper {
    async fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        tokio::time::sleep(START).await;
        Ok(())
    }
}

fn create(_: &Context<'_>) -> Box<dyn Plugin> {
    Box::new(Sleeper)
}

/// `n` sleepers in chains of `depth + 1`: plugin `i` depends on plugin `i - 1` unless it heads a
/// chain, so the longest path has `depth` edges.
pub fn entries(n: usize, depth: usize) -> Vec<&'static PluginEntry> {
    let names: Vec<&'static str> = (0..n)
        .map(|i| &*format!("p8-d{depth}-{i:03}").leak())
        .collect();
    (0..n)
        .map(|i| {
            let dependencies: &'static [Dependency] = if i % (depth + 1) == 0 {
                &[]
            } else {
                vec![Dependency::new(names[i - 1], "")].leak()
            };
            let metadata = PluginMetadata::new(names[i], "1.0.0").with_dependencies(dependencies);
            &*Box::leak(Box::new(PluginEntry::new(metadata, create)))
        })
        .collect()
}

/// How long the start phase of `entries` takes, with at most `limit` hooks at once; the
/// manager is started from scratch (discover, validate, init untimed) and shut down after.
pub async fn start_phase(
    entries: &[&'static PluginEntry],
    limit: Option<NonZeroUsize>,
) -> Duration {
    let mut manager = PluginManager::from_entries(entries.iter().copied())
        .expect("the sleepers are discovered")
        .into_async(Tokio);
    if let Some(limit) = limit {
        manager = manager.concurrency(limit);
    }
    let primed = manager
        .validate()
        .await
        .expect("the sleepers validate")
        .init()
        .await
        .expect("the sleepers initialize");
    let began = Instant::now();
    let running = primed.start().await.expect("the sleepers start");
    let took = began.elapsed();
    assert_eq!(running.live().len(), entries.len(), "every sleeper runs");
    running.shutdown().await;
    took
}
