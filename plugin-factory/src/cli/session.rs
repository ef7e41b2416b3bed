//! The manager every command judges the plugins with: the async manager that `run` uses, on a
//! runtime of the command's own, so that `check`, `list`, `info`, `health`, `graph` and
//! `config plan` count async plugins as `run` does (the sync manager excludes them), and run
//! sync plugins' hooks as `run` does, on the blocking pool.

use std::future::Future;

use tokio::runtime::Runtime;

use super::options::{Exit, Source};
use super::render::{Io, err, or_required};
use crate::error::Error;
use crate::executor::Tokio;
use crate::manager::asynchronous::AsyncManager;
use crate::manager::builder::ManagerBuilder;
use crate::manager::phase::Vetted;

/// A command's runtime.
pub(super) struct Session {
    runtime: Runtime,
}

impl Session {
    /// A session on a current-thread runtime (with its timer and blocking pool), or the exit
    /// code after saying why none could be made.
    pub(super) fn new(io: &mut Io<'_>) -> Result<Self, Exit> {
        outside_a_runtime(io)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        runtime
            .map(|runtime| Self { runtime })
            .map_err(|error| cannot_start(&error, io))
    }

    /// Runs `future` to its end on this session's runtime.
    pub(super) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A session, and on it the manager `source` describes, discovered and validated;
    /// `Ok(Err(exit))` when no runtime could be made or a required plugin was excluded on the
    /// way (the error, and the report, are printed).
    pub(super) fn validated(
        source: &Source<'_>,
        io: &mut Io<'_>,
    ) -> Result<Result<(Self, AsyncManager<Vetted>), Exit>, Error> {
        Self::validated_from(source.builder()?, io)
    }

    /// [`validated`](Self::validated), for a command that read the configuration already and
    /// made the builder from it.
    pub(super) fn validated_from(
        builder: ManagerBuilder,
        io: &mut Io<'_>,
    ) -> Result<Result<(Self, AsyncManager<Vetted>), Exit>, Error> {
        let session = match Self::new(io) {
            Ok(session) => session,
            Err(exit) => return Ok(Err(exit)),
        };
        let outcome = session.block_on(async {
            let discovered = builder.discover()?.into_async(Tokio);
            discovered.validate().await
        });
        Ok(or_required(outcome, io)?.map(|manager| (session, manager)))
    }
}

/// `Ok` on a thread that runs no async runtime; otherwise says so (a runtime cannot be started,
/// nor blocked on, from inside another) and returns the exit code for it.
pub(super) fn outside_a_runtime(io: &mut Io<'_>) -> Result<(), Exit> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Ok(());
    }
    err!(
        io,
        "error: the plugin commands run their own async runtime: call `Runner::run` outside of \
         one (from `main` before it starts one, or on a thread of its own)"
    );
    Err(Exit::Invalid)
}

/// Says that no runtime could be made, and why; the exit code for it.
pub(super) fn cannot_start(error: &std::io::Error, io: &mut Io<'_>) -> Exit {
    err!(io, "error: cannot start the async runtime: {error}");
    Exit::Invalid
}
