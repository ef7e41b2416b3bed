//! `run` (Unix): starts everything on the async manager (async plugins awaited, sync plugins'
//! hooks on tokio's blocking pool) and runs until SIGINT or SIGTERM, then shuts down within the
//! grace and mercy periods and prints the final report. A second SIGINT or SIGTERM during the
//! shutdown exits at once, saying so. SIGHUP reloads the configuration file as a planned diff; a
//! file that does not load or check changes nothing. With `--watch`, a change to the file asks
//! for the same reload ([`watch`](super::watch)), through the same requests as the signals, so
//! that a stop still wins and reloads asked during a reload still come to one more.

use std::path::Path;
use std::process;
use std::thread;
use std::time::Duration;

use futures_util::future::{self, Either};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use tokio::sync::{mpsc, oneshot};

use super::options::{Exit, Source};
use super::render::{Io, err, or_required, out};
use super::session;
use super::watch::Watch;
use crate::error::Error;
use crate::executor::Tokio;
use crate::manager::asynchronous::AsyncManager;
use crate::tree::Shown;

/// The status of a process ended by a second signal: 128 + SIGINT, as shells report it.
const FORCED: i32 = 130;

/// What a signal (or, with `--watch`, a change to the file) asks `run` to do.
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

/// Runs until a stop is asked for; reloads the configuration file on SIGHUP, and when the file
/// `watched` (with `--watch`, the `--config` file) changes.
pub(super) fn run(
    source: &Source<'_>,
    io: &mut Io<'_>,
    deadlines: Deadlines,
    watched: Option<&Path>,
) -> Result<Exit, Error> {
    // Registered before anything starts, so that an early signal is not lost.
    let signals = match Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(signals) => signals,
        Err(error) => {
            err!(io, "error: cannot install the signal handlers: {error}");
            return Ok(Exit::Invalid);
        }
    };
    if let Err(exit) = session::outside_a_runtime(io) {
        return Ok(exit);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return Ok(session::cannot_start(&error, io)),
    };
    let handle = signals.handle();
    let (send, mut asked) = mpsc::unbounded_channel();
    // Watching starts before the file is first read, so that no change after that read is
    // missed. A watch that cannot be set up (the limit of inotify watches, say) costs only the
    // watching: the service runs, and SIGHUP still reloads.
    let watching = watched.and_then(|file| {
        let send = send.clone();
        let shown = Shown(&file.to_string_lossy()).to_string();
        let changed = move || {
            let _ = send.send(Asked::Reload);
        };
        match Watch::start(file, changed) {
            Ok(watch) => Some((watch, shown)),
            Err(error) => {
                err!(
                    io,
                    "error: cannot watch {shown} for changes ({error}): running without --watch, SIGHUP still reloads"
                );
                None
            }
        }
    });
    // The signals arrive on a thread of their own: the first SIGINT or SIGTERM asks for the
    // shutdown, a second one ends the process at once.
    let signal_thread = thread::spawn(move || {
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
        if let Some(hook) = source.on_running {
            // The host's own code: a panic there is said, and the plugins go on running.
            let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (hook.0)(&manager)));
            if called.is_err() {
                err!(io, "error: the host's `on_running` hook panicked; the plugins go on running");
            }
        }
        out!(io, "running: {}", manager.live().join(", "));
        if let Some((_, shown)) = &watching {
            out!(io, "watching {shown} for changes");
        }
        let _ = io.out.flush();
        let mut next = asked.recv().await;
        while let Some(signal) = next {
            next = match signal {
                Asked::Reload => match reload(source, &mut manager, &mut asked, io).await {
                    Some(during) => Some(during),
                    None => asked.recv().await,
                },
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
            };
        }
        let report = manager
            .shutdown_within(deadlines.grace, deadlines.mercy)
            .await;
        out!(io, "\n{report}");
        Ok::<_, Error>(Exit::Success)
    });
    if let Some((watch, _)) = watching {
        watch.stop();
    }
    handle.close();
    let _ = signal_thread.join();
    exit
}

/// Reads the configuration file again and applies it; says what changed, or why nothing did.
/// Returns a request that came while the file was read, to answer next: a stop (which abandons
/// the read, so that nothing changes), or another reload.
///
/// The file is read and parsed on a thread of its own, so that a file that is slow to read
/// (a network mount, say) never keeps a stop request waiting. The plan is applied on this task:
/// each hook it runs is bounded by its timeout, and a stop that arrives meanwhile follows it.
async fn reload(
    source: &Source<'_>,
    manager: &mut AsyncManager,
    asked: &mut mpsc::UnboundedReceiver<Asked>,
    io: &mut Io<'_>,
) -> Option<Asked> {
    let Some(loader) = source.options.config.as_ref().and_then(|_| source.loader()) else {
        err!(
            io,
            "error: reload refused, nothing changed: no configuration file (--config) to read again"
        );
        return None;
    };
    let (loaded, again) = match off_the_loop(move || loader.load(), asked).await {
        Off::Done(loaded, again) => (loaded, again),
        Off::Failed(error) => {
            err!(
                io,
                "error: reload refused, nothing changed: cannot read the file: {error}"
            );
            return None;
        }
        Off::Stopped(stop) => {
            err!(
                io,
                "reload abandoned, nothing changed: a stop was asked for while the file was read"
            );
            // `None`: the signals' thread has gone; the loop then ends too.
            return stop;
        }
    };
    match loaded {
        Ok(next) => match manager.apply(next).await {
            Ok(applied) => {
                out!(io, "reloaded:\n{}", applied.to_string().trim_end());
                out!(io, "running: {}", manager.live().join(", "));
            }
            Err(error) => err!(io, "error: reload refused, nothing changed: {error}"),
        },
        Err(error) => err!(io, "error: reload refused, nothing changed: {error}"),
    }
    let _ = io.out.flush();
    again.then_some(Asked::Reload)
}

/// How work run [`off_the_loop`] ended.
#[derive(Debug)]
enum Off<T> {
    /// Done, and whether a reload was asked for meanwhile.
    Done(T, bool),
    /// A stop (or the end of the requests) came first: the work is abandoned.
    Stopped(Option<Asked>),
    /// No thread could be started for it.
    Failed(std::io::Error),
}

/// Runs `work` on a thread of its own and waits for it or for a stop request, whichever comes
/// first; a stuck `work` is left to its thread (the process ends after a stop anyway), and the
/// requests keep being answered. Reloads asked for meanwhile are noted, not queued.
async fn off_the_loop<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    asked: &mut mpsc::UnboundedReceiver<Asked>,
) -> Off<T> {
    let (send, done) = oneshot::channel();
    let spawned = thread::Builder::new()
        .name("config-reload".to_owned())
        .spawn(move || {
            let _ = send.send(work());
        });
    if let Err(error) = spawned {
        return Off::Failed(error);
    }
    let mut done = std::pin::pin!(done);
    let mut again = false;
    loop {
        match future::select(&mut done, std::pin::pin!(asked.recv())).await {
            Either::Left((Ok(value), _)) => return Off::Done(value, again),
            // The thread ended without an answer: it panicked.
            Either::Left((Err(_), _)) => {
                return Off::Failed(std::io::Error::other("the reading thread panicked"));
            }
            Either::Right((Some(Asked::Reload), _)) => again = true,
            Either::Right((stop, _)) => return Off::Stopped(stop),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc as std_mpsc;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_stop_abandons_work_that_never_ends() {
        let (send, mut asked) = mpsc::unbounded_channel();
        // Work stuck for good, as a read of a file that never answers.
        let (_keep, stuck) = std_mpsc::channel::<()>();
        send.send(Asked::Reload).unwrap();
        send.send(Asked::Stop(15)).unwrap();
        let off = runtime().block_on(off_the_loop(move || stuck.recv(), &mut asked));
        assert!(
            matches!(off, Off::Stopped(Some(Asked::Stop(15)))),
            "{off:?}"
        );
    }

    #[test]
    fn work_that_ends_is_answered_with_the_reloads_asked_meanwhile() {
        let (send, mut asked) = mpsc::unbounded_channel();
        let (go, wait) = std_mpsc::channel::<()>();
        let runtime = runtime();
        let off = runtime.block_on(async {
            send.send(Asked::Reload).unwrap();
            let work = off_the_loop(
                move || {
                    wait.recv().unwrap();
                    7
                },
                &mut asked,
            );
            let release = async {
                // Let the loop take the reload request before the work ends.
                tokio::task::yield_now().await;
                go.send(()).unwrap();
            };
            futures_util::future::join(work, release).await.0
        });
        assert!(matches!(off, Off::Done(7, true)), "{off:?}");
        let (_send, mut asked) = mpsc::unbounded_channel();
        let off = runtime.block_on(off_the_loop(|| 8, &mut asked));
        assert!(matches!(off, Off::Done(8, false)), "{off:?}");
        let off = runtime.block_on(off_the_loop(|| -> u8 { panic!("boom") }, &mut asked));
        assert!(matches!(off, Off::Failed(_)), "{off:?}");
    }
}
