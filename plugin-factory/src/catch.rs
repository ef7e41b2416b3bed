//! The one place where panics of plugin code (factories, hooks, `Drop`, observers) are caught,
//! and the opt-in panic hook that sends their messages to `log` instead of standard error.
//!
//! A caught panic still goes through the process's panic hook first; the default hook prints
//! `thread '...' panicked at ...`, which reads like a crash next to a report that says the
//! plugin was excluded. Replacing the hook is a process-wide change, so only the host makes it,
//! by calling [`log_plugin_panics`].

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::ops::ControlFlow;
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::Poll;

use crate::name::Name;

thread_local! {
    /// The plugin whose code runs inside [`catch`] on this thread, if any, while panics are
    /// routed to `log`.
    static CATCHING: RefCell<Option<Name>> = const { RefCell::new(None) };
}

/// Whether [`log_plugin_panics`] was called. Until then `catch` leaves the thread-local alone:
/// in a library a thread-local costs a call to the TLS resolver, a few nanoseconds a hook.
static ROUTING: AtomicBool = AtomicBool::new(false);

/// Whether caught panics are routed to `log`: read once per operation (see [`Route`]), so that
/// a hook pays for the routing only when it is on.
pub(crate) fn routing() -> Route {
    Route(ROUTING.load(Relaxed))
}

/// Whether the panics an operation catches are routed to `log`, fixed when it starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route(bool);

impl Route {
    /// Runs `f`, plugin code on behalf of the plugin called `plugin`, and turns a panic into
    /// its message. The name is noted (cloned, out of line) only when panics are routed.
    #[inline(always)]
    pub(crate) fn catch<R>(self, plugin: &Name, f: impl FnOnce() -> R) -> Result<R, String> {
        if self.0 {
            return catch_routed(plugin, f);
        }
        panic::catch_unwind(AssertUnwindSafe(f)).map_err(panic_message)
    }
}

impl Route {
    /// Runs `step(k, item)` on the items in order, plugin code on behalf of the plugin
    /// `name(k)` names, until a step breaks; returns how many items a step ran on. A step that
    /// panics is passed to `panicked(k, message)`, which says whether the walk goes on with the
    /// next item or stops there. While panics are not routed, the whole walk runs inside one
    /// `catch_unwind` (resumed after a panic), so a step costs no more than its call: this is
    /// the loop of every extension point call.
    #[inline]
    pub(crate) fn walk<T>(
        self,
        items: &[T],
        name: impl Fn(usize) -> Name,
        mut step: impl FnMut(usize, &T) -> ControlFlow<()>,
        mut panicked: impl FnMut(usize, String) -> ControlFlow<()>,
    ) -> usize {
        if self.0 {
            for (k, item) in items.iter().enumerate() {
                let stop = match catch_routed(&name(k), || step(k, item)) {
                    Ok(flow) => flow.is_break(),
                    Err(message) => panicked(k, message).is_break(),
                };
                if stop {
                    return k + 1;
                }
            }
            return items.len();
        }
        let at = Cell::new(0);
        loop {
            let start = at.get();
            let walked = panic::catch_unwind(AssertUnwindSafe(|| {
                for (k, item) in items.iter().enumerate().skip(start) {
                    at.set(k);
                    if step(k, item).is_break() {
                        return Some(k + 1);
                    }
                }
                None
            }));
            match walked {
                Ok(stopped) => return stopped.unwrap_or(items.len()),
                Err(payload) => {
                    let k = at.get();
                    if panicked(k, panic_message(payload)).is_break() {
                        return k + 1;
                    }
                    at.set(k + 1);
                }
            }
        }
    }
}

/// [`Route::catch`] while panics are routed: the plugin is noted for the panic hook, out of
/// the hot path (nothing of it is paid for while routing is off).
impl Route {
    /// Awaits `future`, catching a panic in any of its polls as [`catch`](Route::catch) does
    /// for a call: the future is then dropped (cancelled) and the panic's message returned.
    pub(crate) async fn catch_future<F: Future>(
        self,
        plugin: Name,
        future: F,
    ) -> Result<F::Output, String> {
        let mut future = pin!(future);
        poll_fn(
            |cx| match self.catch(&plugin, || future.as_mut().poll(cx)) {
                Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(message) => Poll::Ready(Err(message)),
            },
        )
        .await
    }
}

#[cold]
#[inline(never)]
fn catch_routed<R>(plugin: &Name, f: impl FnOnce() -> R) -> Result<R, String> {
    let outer = CATCHING.replace(Some(*plugin));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.set(outer);
    result.map_err(panic_message)
}

/// [`Route::catch`] with the routing read now, for callers outside an operation.
pub(crate) fn catch<R>(plugin: &Name, f: impl FnOnce() -> R) -> Result<R, String> {
    routing().catch(plugin, f)
}

/// The message of a panic payload (`&str` or `String`, as `panic!` makes them).
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast_ref::<&'static str>().map_or_else(
            || "a non-string panic payload".to_owned(),
            |s| (*s).to_owned(),
        ),
    }
}

/// Sends the panics that the manager catches to `log` instead of the previous panic hook.
///
/// The manager catches every panic of plugin code and reports it (the plugin is excluded, the
/// [`Report`](crate::report::Report) and an `error` log line give the message), but Rust runs the
/// panic hook before any catch, and the default hook prints `thread '...' panicked at ...` to
/// standard error. After this call, a panic inside plugin code is logged once at `debug` level
/// with its location, under the plugin's name as log target; every other panic still goes to
/// the hook that was installed before. Call it once at the start of `main`, after installing
/// the logger: it changes the process-wide hook, so the crate never does it on its own. Later
/// calls do nothing. Call it before any manager runs: a hook already running on another thread
/// when it is called may still go to the previous hook.
///
/// ```
/// plugin_factory::observe::log_plugin_panics();
/// ```
pub fn log_plugin_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| match CATCHING.with_borrow(Clone::clone) {
            Some(plugin) => {
                let location = info
                    .location()
                    .map_or_else(String::new, |at| format!(" at {at}"));
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("a non-string panic payload");
                log::debug!(target: plugin.as_str(), "plugin {plugin:?} panicked{location}: {message} (caught)");
            }
            None => previous(info),
        }));
        ROUTING.store(true, Relaxed);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_a_value_passes_through() {
        assert_eq!(catch(&"p".into(), || 7), Ok(7));
        assert_eq!(
            catch(&"p".into(), || panic!("boom {}", 1)),
            Err::<(), _>("boom 1".into())
        );
        assert_eq!(
            catch(&"p".into(), || std::panic::panic_any(42)),
            Err::<(), _>("a non-string panic payload".into())
        );
    }

    #[test]
    fn a_walk_goes_on_after_a_panic_and_stops_when_told() {
        for route in [Route(false), Route(true)] {
            let mut seen = Vec::new();
            let mut panics = Vec::new();
            let walked = route.walk(
                &[(); 6],
                |_| "p".into(),
                |k, ()| {
                    seen.push(k);
                    match k {
                        1 | 2 => panic!("step {k}"),
                        4 => ControlFlow::Break(()),
                        _ => ControlFlow::Continue(()),
                    }
                },
                |k, message| {
                    panics.push((k, message));
                    ControlFlow::Continue(())
                },
            );
            assert_eq!(seen, [0, 1, 2, 3, 4]);
            assert_eq!(walked, 5, "the breaking step counts");
            assert_eq!(panics, [(1, "step 1".into()), (2, "step 2".into())]);
        }
    }

    #[test]
    fn a_walk_stops_at_a_panic_when_told() {
        for route in [Route(false), Route(true)] {
            let mut seen = Vec::new();
            let mut panics = Vec::new();
            let walked = route.walk(
                &[(); 4],
                |_| "p".into(),
                |k, ()| {
                    seen.push(k);
                    match k {
                        1 => panic!("step {k}"),
                        _ => ControlFlow::Continue(()),
                    }
                },
                |k, message| {
                    panics.push((k, message));
                    ControlFlow::Break(())
                },
            );
            assert_eq!(seen, [0, 1]);
            assert_eq!(walked, 2);
            assert_eq!(panics, [(1, "step 1".into())]);
        }
    }

    #[test]
    fn the_plugin_is_known_only_while_its_code_runs() {
        ROUTING.store(true, Relaxed);
        assert_eq!(CATCHING.with_borrow(Clone::clone), None);
        let inner = catch(&"outer".into(), || {
            let inner = catch(&"inner".into(), || CATCHING.with_borrow(Clone::clone));
            (inner, CATCHING.with_borrow(Clone::clone))
        });
        assert_eq!(inner, Ok((Ok(Some("inner".into())), Some("outer".into()))));
        assert_eq!(CATCHING.with_borrow(Clone::clone), None);
        let _ = catch(&"p".into(), || panic!("unwinds through catch"));
        assert_eq!(CATCHING.with_borrow(Clone::clone), None);
    }
}
