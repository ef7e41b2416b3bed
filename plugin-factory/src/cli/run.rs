//! `run` (Unix): starts everything and runs until SIGINT or SIGTERM, then stops and shuts down in
//! reverse order and prints the final report. A second SIGINT or SIGTERM during the shutdown
//! exits at once, saying so. SIGHUP reloads the configuration file as a planned diff; a file that
//! does not load or check changes nothing.

use std::process;
use std::thread;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::options::{Exit, Source};
use super::render::{Io, err, or_required, out};
use crate::error::Error;
use crate::manager::PluginManager;
use crate::manager::phase::Active;

/// The status of a process ended by a second signal: 128 + SIGINT, as shells report it.
const FORCED: i32 = 130;

pub(super) fn run(source: &Source<'_>, io: &mut Io<'_>) -> Result<Exit, Error> {
    // Registered before anything starts, so that an early signal is not lost.
    let mut signals = match Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(signals) => signals,
        Err(error) => {
            err!(io, "error: cannot install the signal handlers: {error}");
            return Ok(Exit::Invalid);
        }
    };
    let started = source
        .builder()?
        .discover()
        .and_then(PluginManager::validate)
        .and_then(PluginManager::init)
        .and_then(PluginManager::start);
    let mut manager = match or_required(started, io)? {
        Ok(manager) => manager,
        Err(exit) => return Ok(exit),
    };
    out!(io, "running: {}", manager.live().join(", "));
    let _ = io.out.flush();
    for signal in signals.forever() {
        match signal {
            SIGHUP => reload(source, &mut manager, io),
            _ => {
                out!(
                    io,
                    "stopping (signal {signal}); a second signal exits at once"
                );
                let _ = io.out.flush();
                break;
            }
        }
    }
    let handle = signals.handle();
    let watcher = thread::spawn(move || {
        for signal in signals.forever() {
            if signal != SIGHUP {
                eprintln!("error: second signal ({signal}): exiting without stopping the plugins");
                process::exit(FORCED);
            }
        }
    });
    let report = manager.stop().shutdown();
    handle.close();
    let _ = watcher.join();
    out!(io, "\n{report}");
    Ok(Exit::Success)
}

/// Applies the configuration file again; says what changed, or why nothing did.
fn reload(source: &Source<'_>, manager: &mut PluginManager<Active>, io: &mut Io<'_>) {
    if source.options.config.is_none() {
        err!(io, "reload: no configuration file (--config) to read again");
        return;
    }
    let next = match source.config() {
        Ok(Some(config)) => config,
        Ok(None) => return,
        Err(error) => {
            err!(io, "reload refused, nothing changed: {error}");
            return;
        }
    };
    match manager.apply(next) {
        Ok(applied) => {
            out!(io, "reloaded:\n{}", applied.to_string().trim_end());
            out!(io, "running: {}", manager.live().join(", "));
        }
        Err(error) => err!(io, "reload refused, nothing changed: {error}"),
    }
    let _ = io.out.flush();
}
