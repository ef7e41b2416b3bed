//! A streaming pipeline: a producer on a thread of its own pushes each item through an
//! extension point to several sinks, instances of one kind, while a reload adds one sink and
//! removes another; then a clean stop, which loses nothing.
//!
//! - `collector` implements the `Sink` point: each instance keeps the items it takes;
//! - `producer` depends on **every** `collector` (`depends_on = ["every collector"]`), so it
//!   starts after all of them and stops before any; in `start` it takes an `ExtensionHandle`
//!   to `Sink` and hands it to its thread, which calls the point once per item;
//! - the host starts `sink-a` and `sink-b`, lets items flow, applies a configuration with
//!   `sink-b` and `sink-c` (a reload: `sink-c` added, `sink-a` removed, the producer untouched),
//!   lets items flow again, and shuts down.
//!
//! Each sink then holds one run of items without a gap or a repeat: `sink-b`, there from the
//! start to the end, every item produced; `sink-a` the first ones, up to its removal; `sink-c`
//! the last ones, from its start. The host checks that and prints each run:
//!
//! ```text
//! cargo run --example streaming
//! cargo run --example streaming -- --items 100000
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use plugin_factory::config::{Config, Format, Loader};
use plugin_factory::extension::ExtensionHandle;
use plugin_factory::registry;
use plugin_factory::{Context, Plugin, PluginError, PluginManager, PluginState, plugin};

/// The extension point: where each item goes.
pub trait Sink: Send + Sync {
    /// Takes one item.
    fn take(&self, item: u64);
}

/// The items each sink took, by instance name; kept past the sinks' drop, for the host to read.
static TAKEN: Mutex<BTreeMap<String, Vec<u64>>> = Mutex::new(BTreeMap::new());
/// How many items the producer has pushed through the point.
static PRODUCED: AtomicU64 = AtomicU64::new(0);

/// A sink that keeps what it takes.
#[plugin(name = "collector", implements = [Sink])]
#[derive(Default)]
struct Collector {
    name: &'static str,
}

impl Plugin for Collector {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.name = ctx.name();
        Ok(())
    }
}

impl Sink for Collector {
    fn take(&self, item: u64) {
        let mut taken = TAKEN.lock().unwrap_or_else(PoisonError::into_inner);
        taken.entry(self.name.to_owned()).or_default().push(item);
    }
}

/// Pushes items `0, 1, 2, ...` through `Sink` on a thread of its own while it runs.
#[plugin(name = "producer", depends_on = ["every collector"])]
#[derive(Default)]
struct Producer {
    running: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Plugin for Producer {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        // The handle is the point, kept: each call reaches the sinks live at that moment.
        let sinks: ExtensionHandle<dyn Sink> = ctx.extension_handle();
        let running = Arc::clone(&self.running);
        running.store(true, Ordering::SeqCst);
        self.thread = Some(std::thread::spawn(move || {
            let mut item = 0;
            while running.load(Ordering::SeqCst) {
                match sinks.extension().call(|sink| sink.take(item)) {
                    Ok(calls) if calls.failures().is_empty() => {}
                    Ok(calls) => log::error!("item {item}: {:?}", calls.failures()),
                    Err(error) => {
                        log::error!("item {item}: {error}");
                        break;
                    }
                }
                item += 1;
                PRODUCED.store(item, Ordering::SeqCst);
            }
        }));
        Ok(())
    }

    /// Stops producing: the item under way is delivered, then the thread ends. The sinks are
    /// still running (they stop after the producer), so nothing produced is lost.
    fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        self.running.store(false, Ordering::SeqCst);
        match self.thread.take().map(JoinHandle::join) {
            Some(Err(_)) => Err(PluginError::msg("the producer's thread panicked")),
            _ => Ok(()),
        }
    }
}

/// A configuration of the producer and the sinks named.
fn pipeline(sinks: &[&str]) -> Result<Config, plugin_factory::config::ConfigError> {
    let mut text = String::from("[plugins.producer]\n");
    for sink in sinks {
        text.push_str(&format!("[plugins.{sink}]\nkind = \"collector\"\n"));
    }
    Loader::new()
        .text("pipeline.toml", Format::Toml, text)
        .load()
}

/// Waits until the producer has pushed `more` items more than now.
fn let_flow(more: u64) {
    let until = PRODUCED.load(Ordering::SeqCst) + more;
    let deadline = Instant::now() + Duration::from_secs(30);
    while PRODUCED.load(Ordering::SeqCst) < until && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// `items` as the run it should be: `first..=last`, or what is wrong with it.
fn run_of(items: &[u64]) -> Result<(u64, u64), String> {
    let (Some(&first), Some(&last)) = (items.first(), items.last()) else {
        return Err("no item".to_owned());
    };
    match items.windows(2).find(|pair| pair[1] != pair[0] + 1) {
        Some(pair) => Err(format!("{} followed by {}", pair[0], pair[1])),
        None => Ok((first, last)),
    }
}

fn main() -> ExitCode {
    env_logger::init();
    let items: u64 = match std::env::args().skip_while(|arg| arg != "--items").nth(1) {
        Some(items) => match items.parse() {
            Ok(items) => items,
            Err(_) => {
                eprintln!("error: --items takes a number, found {items:?}");
                return ExitCode::from(2);
            }
        },
        None => 10_000,
    };
    match stream(items) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the pipeline: `items` before the reload, as many after, then the stop.
fn stream(items: u64) -> Result<(), Box<dyn std::error::Error>> {
    let kinds =
        registry::entries().filter(|entry| ["collector", "producer"].contains(&entry.name()));
    let mut manager = PluginManager::builder()
        .entries(kinds)
        .config(pipeline(&["sink-a", "sink-b"])?)
        .discover()?
        .validate()?
        .init()?
        .start()?;
    println!("running: {}", manager.live().join(", "));
    let_flow(items);
    // While items flow: sink-c comes, sink-a goes, the producer is left alone.
    let applied = manager.apply(pipeline(&["sink-b", "sink-c"])?)?;
    println!("reloaded:\n{}", applied.to_string().trim_end());
    let_flow(items);
    let report = manager.shutdown();
    let troubled: Vec<String> = report
        .plugins()
        .iter()
        .filter(|plugin| plugin.state() != PluginState::Shutdown || !plugin.failures().is_empty())
        .map(|plugin| plugin.name().to_string())
        .collect();
    if !troubled.is_empty() {
        return Err(format!("not shut down cleanly: {}\n{report}", troubled.join(", ")).into());
    }
    let produced = PRODUCED.load(Ordering::SeqCst);
    println!("produced: {produced}");
    let taken = TAKEN.lock().unwrap_or_else(PoisonError::into_inner);
    for sink in ["sink-a", "sink-b", "sink-c"] {
        let items = taken.get(sink).map_or(&[][..], Vec::as_slice);
        let (first, last) = run_of(items).map_err(|problem| format!("{sink}: {problem}"))?;
        println!("{sink}: {first}..={last} ({} items)", items.len());
    }
    // Nothing lost: the sink that was there throughout took every item produced.
    if taken.get("sink-b").map(Vec::len) != Some(produced as usize) {
        return Err(format!("sink-b took fewer than the {produced} items produced").into());
    }
    Ok(())
}
