//! A shared running manager under load: 8 threads look plugins up, use them by type and
//! restart them concurrently for a bounded number of iterations; afterwards every plugin is in
//! a legal state, every instance was dropped exactly once, and no event was lost or doubled.

use crate::support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use plugin_factory::observe::Event;
use plugin_factory::registry::PluginMetadata;
use plugin_factory::registry::{Dependency, PluginEntry};
use plugin_factory::{Context, Plugin, PluginError, PluginManager, PluginState};

static CREATED: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Counts its uses; creation and drop are counted globally.
struct Counter {
    uses: u64,
    running: bool,
}

impl Counter {
    fn create(_: &Context<'_>) -> Box<dyn Plugin> {
        CREATED.fetch_add(1, Ordering::SeqCst);
        Box::new(Counter {
            uses: 0,
            running: false,
        })
    }
}

impl Plugin for Counter {
    fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        self.running = true;
        Ok(())
    }
    fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        self.running = false;
        Ok(())
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

const NAMES: [&str; 6] = ["base", "left", "right", "top", "solo-1", "solo-2"];

fn entries() -> Vec<&'static PluginEntry> {
    static BASE: [Dependency; 1] = [Dependency::new("base", "")];
    static TOP: [Dependency; 2] = [Dependency::new("left", ""), Dependency::new("right", "")];
    let metadata = [
        PluginMetadata::new("base", "1.0.0"),
        PluginMetadata::new("left", "1.0.0").with_dependencies(&BASE),
        PluginMetadata::new("right", "1.0.0").with_dependencies(&BASE),
        PluginMetadata::new("top", "1.0.0").with_dependencies(&TOP),
        PluginMetadata::new("solo-1", "1.0.0"),
        PluginMetadata::new("solo-2", "1.0.0"),
    ];
    metadata
        .into_iter()
        .map(|metadata| support::keep(PluginEntry::new(metadata, Counter::create)))
        .collect()
}

/// Every state change each plugin reported, in order.
type Transitions = HashMap<String, Vec<(PluginState, PluginState)>>;

const THREADS: usize = 8;
const ITERATIONS: usize = 2_000;

#[test]
fn eight_threads_query_access_and_restart_without_losing_anything() {
    let transitions: Arc<Mutex<Transitions>> = Arc::default();
    let sink = Arc::clone(&transitions);
    let manager = support::start_with(PluginManager::builder().entries(entries()).observe(
        move |event| {
            if let Event::StateChanged { plugin, from, to } = event {
                sink.lock()
                    .unwrap()
                    .entry(plugin.to_string())
                    .or_default()
                    .push((*from, *to));
            }
        },
    ));
    let manager = Arc::new(manager);
    let restarts = Arc::new(AtomicUsize::new(0));
    let uses = Arc::new(AtomicUsize::new(0));

    let workers: Vec<_> = (0..THREADS)
        .map(|worker| {
            let manager = Arc::clone(&manager);
            let restarts = Arc::clone(&restarts);
            let uses = Arc::clone(&uses);
            thread::spawn(move || {
                for iteration in 0..ITERATIONS {
                    let name = NAMES[(worker + iteration) % NAMES.len()];
                    let info = manager.info(name).unwrap();
                    assert!(
                        info.state().is_live() || info.state() == PluginState::Shutdown,
                        "{name}: {}",
                        info.state()
                    );
                    match (worker + iteration) % 4 {
                        // Typed access: may meet the plugin between instances during a restart.
                        0 | 1 => {
                            if manager
                                .with_plugin(name, |c: &mut Counter| c.uses += 1)
                                .is_ok()
                            {
                                uses.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        2 => {
                            let _ = manager.plugins();
                        }
                        _ => {
                            manager.restart_plugin(name).unwrap();
                            restarts.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }

    let restarts = restarts.load(Ordering::SeqCst);
    assert_eq!(restarts, THREADS * ITERATIONS / 4);
    for name in NAMES {
        assert_eq!(
            manager.info(name).unwrap().state(),
            PluginState::Running,
            "{name}"
        );
    }
    let counted: u64 = NAMES
        .iter()
        .map(|name| manager.with_plugin(name, |c: &mut Counter| c.uses).unwrap())
        .sum();
    assert!(counted as usize <= uses.load(Ordering::SeqCst));

    let manager = Arc::into_inner(manager).expect("every worker has finished");
    manager.stop().shutdown();
    // Every instance made (one per plugin at startup, one per restart) was dropped once.
    assert_eq!(CREATED.load(Ordering::SeqCst), NAMES.len() + restarts);
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        CREATED.load(Ordering::SeqCst)
    );

    // Each plugin's events form one legal path, with no gap and no repeat.
    let transitions = transitions.lock().unwrap();
    let mut total_restarts_seen = 0;
    for name in NAMES {
        let path = &transitions[name];
        assert_eq!(path[0].0, PluginState::Registered, "{name}");
        for pair in path.windows(2) {
            assert_eq!(
                pair[0].1, pair[1].0,
                "{name}: an event is missing or doubled"
            );
        }
        for (from, to) in path {
            assert!(from.can_become(*to), "{name}: {from} -> {to}");
        }
        total_restarts_seen += path
            .iter()
            .filter(|(from, to)| *from == PluginState::Shutdown && *to == PluginState::Created)
            .count();
        assert_eq!(path.last().unwrap().1, PluginState::Shutdown, "{name}");
    }
    assert_eq!(total_restarts_seen, restarts);
}
