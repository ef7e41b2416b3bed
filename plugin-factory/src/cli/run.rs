//! `run` (Unix): starts everything on the async manager (async plugins awaited, sync plugins'
//! hooks on tokio's blocking pool) and runs until SIGINT or SIGTERM, then shuts down within the
//! grace and mercy periods and prints the final report. A second SIGINT or SIGTERM during the
//! shutdown exits at once, saying so. SIGHUP reloads the configuration file as a planned diff; a
//! file that does not load or check changes nothing.

use std::process;
use std::thread;
use std::time::Duration;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tokio::sync::mpsc;

use super::options::{Exit, Source};
use super::render::{Io, err, or_required, out};
use crate::error::Error;
use crate::executor::Tokio;
use crate::manager::asynchronous::AsyncManager;

/// The status of a process ended by a second signal: 128 + SIGINT, as shells report it.
const FORCED: i32 = 130;

/// What a signal asks `run` to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Reload,
    Stop(i32),
}

/// How long the shutdown after a signal may take: `grace` in order, then `mercy` more, then
/// what still runs is abandoned.
#[derive(Debug, Clone, Copy)]
pub(super) struct Deadlines {
    pub(super) grace: Duration,
    pub(super) mercy: Duration,
}

pub(super) fn run(
    source: &Source<'_>,
    io: &mut Io<'_>,
    deadlines: Deadlines,
) -> Result<Exit, Error> {
    // Registered before anything starts, so that an early signal is not lost.
    let signals = match Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(signals) => signals,
        Err(error) => {
            err!(io, "error: cannot install the signal handlers: {error}");
            return Ok(Exit::Invalid);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            err!(io, "error: cannot start the async runtime: {error}");
            return Ok(Exit::Invalid);
        }
    };
    let handle = signals.handle();
    let (send, mut asked) = mpsc::unbounded_channel();
    // The signals arrive on a thread of their own: the first SIGINT or SIGTERM asks for the
    // shutdown, a second one ends the process at once.
    let watcher = thread::spawn(move || {
        let mut signals = signals;
        let mut stopping = false;
        for signal in signals.forever() {
            if signal == SIGHUP {
                let _ = send.send(Asked::Reload);
            } else if stopping {
                eprintln!("error: second signal ({signal}): exiting without stopping the plugins");
                process::exit(FORCED);
            } else {
                stopping = true;
                let _ = send.send(Asked::Stop(signal));
            }
        }
    });
    let exit = runtime.block_on(async {
        let discovered = source.builder()?.discover()?.into_async(Tokio);
        let started = async { discovered.validate().await?.init().await?.start().await };
        let mut manager = match or_required(started.await, io)? {
            Ok(manager) => manager,
            Err(exit) => return Ok(exit),
        };
        out!(io, "running: {}", manager.live().join(", "));
        let _ = io.out.flush();
        while let Some(signal) = asked.recv().await {
            match signal {
                Asked::Reload => reload(source, &mut manager, io).await,
                Asked::Stop(signal) => {
                    out!(
                        io,
                        "stopping (signal {signal}) within {:?}, then {:?} more; a second signal exits at once",
                        deadlines.grace,
                        deadlines.mercy
                    );
                    let _ = io.out.flush();
                    break;
                }
            }
        }
        let report = manager
            .shutdown_within(deadlines.grace, deadlines.mercy)
            .await;
        out!(io, "\n{report}");
        Ok::<_, Error>(Exit::Success)
    });
    handle.close();
    let _ = watcher.join();
    exit
}

/// Applies the configuration file again; says what changed, or why nothing did.
async fn reload(source: &Source<'_>, manager: &mut AsyncManager, io: &mut Io<'_>) {
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
    match manager.apply(next).await {
        Ok(applied) => {
            out!(io, "reloaded:\n{}", applied.to_string().trim_end());
            out!(io, "running: {}", manager.live().join(", "));
        }
        Err(error) => err!(io, "reload refused, nothing changed: {error}"),
    }
    let _ = io.out.flush();
}
