//! [`Executor`]: the two things the async manager needs from an async runtime, so that the
//! core is tied to none. It waits (for per-hook timeouts, retry delays and shutdown deadlines)
//! and runs blocking work off the runtime's threads (the hooks of sync plugins, which may block).
//! [`Tokio`] implements it (feature `tokio`); another runtime needs only these two functions.

use std::time::Duration;

/// A boxed `Send` future (`futures`' own alias): what the executor returns, so that
/// [`Executor`] is object safe, what [`DynAsyncPlugin`]'s hooks return, and what an
/// extension point trait's async methods return.
pub use futures_util::future::BoxFuture;

pub use crate::contract::DynAsyncPlugin;

/// What the async manager asks of the runtime it runs on.
///
/// The manager polls every plugin's hook inside the task that awaits it (hooks borrow the
/// manager's state, so they are not spawned); the executor only provides timers and a place
/// for blocking code.
///
/// ```
/// use std::time::Duration;
/// use plugin_factory::executor::{BoxFuture, Executor};
///
/// /// An executor for a runtime with its own timer and blocking pool.
/// struct MyRuntime;
///
/// impl Executor for MyRuntime {
///     fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
///         // The runtime's timer; a thread here, to keep the example short.
///         Box::pin(async move { std::thread::sleep(duration) })
///     }
///     fn run_blocking(&self, work: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> {
///         Box::pin(async move { work() })
///     }
/// }
/// ```
pub trait Executor: Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;

    /// Runs `work` where it may block without stalling the runtime's other tasks (a blocking
    /// pool), and completes when it has returned. `work` does not panic (the manager catches
    /// the panics of plugin code inside it).
    fn run_blocking(&self, work: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()>;
}

/// The [`Executor`] of the tokio runtime the manager's futures are awaited on (current-thread
/// or multi-thread; its timer must be enabled, as `#[tokio::main]` does).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::{Duration, Instant};
/// use plugin_factory::executor::{Executor, Tokio};
///
/// let started = Instant::now();
/// Tokio.sleep(Duration::from_millis(5)).await;
/// assert!(started.elapsed() >= Duration::from_millis(5));
/// # }
/// ```
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokio;

#[cfg(feature = "tokio")]
impl Executor for Tokio {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn run_blocking(&self, work: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> {
        let task = tokio::task::spawn_blocking(work);
        Box::pin(async move {
            // The work catches plugin panics itself; a join error means the runtime is shutting
            // down, and the caller then finds no result.
            let _ = task.await;
        })
    }
}
