//! Logging goes through `log`: transitions at debug, exclusions at warn, failures at error, and
//! the target of every record about a plugin is the plugin's name. With the host's consent, the
//! messages of caught panics go there too instead of standard error.
//!
//! The logger is the process's, shared with every other test of the binary: each test reads only
//! the records made on its own thread, where a sync manager runs hooks and a `#[tokio::test]`
//! (a current-thread runtime) runs the async manager.

use std::cell::Cell;
use std::sync::{Mutex, Once, PoisonError};
use std::thread::{self, ThreadId};

use crate::support;

use crate::support::{fails, probe};
use log::{Level, LevelFilter, Log, Metadata, Record};
use plugin_factory::report::Hook;
use plugin_factory::testing::Harness;

/// A record as kept: level, target, message.
type Line = (Level, String, String);

/// Keeps every record, with the thread that made it.
struct Capture(Mutex<Vec<(ThreadId, Line)>>);

impl Capture {
    /// The records made on this thread so far.
    fn mine(&self) -> Vec<Line> {
        let me = thread::current().id();
        let records = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = records.iter().filter(|(thread, _)| *thread == me);
        mine.map(|(_, line)| line.clone()).collect()
    }
}

thread_local! {
    /// Whether this thread's records are kept: only the threads of this module's tests.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
}

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        CAPTURING.get()
    }
    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let entry = (
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        );
        let mut records = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        records.push((thread::current().id(), entry));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// Installs the capturing logger once, and keeps the records of the calling thread from now on.
fn capture() -> &'static Capture {
    CAPTURING.set(true);
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURE).unwrap();
        log::set_max_level(LevelFilter::Trace);
    });
    &CAPTURE
}

#[test]
fn transitions_exclusions_and_failures_are_logged_at_their_levels_under_the_plugin_name() {
    let capture = capture();
    let harness = Harness::entries([probe("fine", &[]), probe("broken", &[])]);
    harness.inject("broken", Hook::Init, fails(Hook::Init));
    let report = harness.start().unwrap().shutdown();
    assert_eq!(report.excluded().count(), 1);
    let records = capture.mine();
    let about = |target: &str, level: Level| -> Vec<String> {
        records
            .iter()
            .filter(|(l, t, _)| *l == level && t == target)
            .map(|(.., message)| message.clone())
            .collect()
    };
    let fine = about("fine", Level::Debug);
    assert_eq!(
        fine.first().map(String::as_str),
        Some("fine: registered -> created")
    );
    assert!(
        fine.iter().any(|m| m == "fine: running -> stopped"),
        "{fine:?}"
    );
    assert_eq!(
        about("broken", Level::Error),
        ["plugin \"broken\": init failed: scripted init error"]
    );
    assert_eq!(
        about("broken", Level::Warn),
        ["plugin \"broken\" excluded: init failed: scripted init error"]
    );
    assert!(about("fine", Level::Warn).is_empty() && about("fine", Level::Error).is_empty());
}

/// Panics in its own `start`, so that the location logged is in this file.
struct Panicky;

impl plugin_factory::Plugin for Panicky {
    fn start(
        &mut self,
        _: &plugin_factory::Context<'_>,
    ) -> Result<(), plugin_factory::PluginError> {
        panic!("scripted start panic")
    }
}

#[test]
fn caught_panics_are_logged_with_their_location_once_the_host_asks() {
    use plugin_factory::registry::{PluginEntry, PluginMetadata};
    static PANICKY: PluginEntry = PluginEntry::new(PluginMetadata::new("panicky", "1.0.0"), |_| {
        Box::new(Panicky)
    });
    let capture = capture();
    plugin_factory::observe::log_plugin_panics();
    plugin_factory::observe::log_plugin_panics(); // a second call changes nothing
    let report = support::start_all([&PANICKY, probe("calm", &[])]).shutdown();
    assert_eq!(report.excluded().count(), 1);
    let records = capture.mine();
    let caught: Vec<_> = records
        .iter()
        .filter(|(level, target, message)| {
            *level == Level::Debug && target == "panicky" && message.contains("(caught)")
        })
        .map(|(.., message)| message.clone())
        .collect();
    assert_eq!(caught.len(), 1, "{caught:?}");
    assert!(
        caught[0].starts_with("plugin \"panicky\" panicked at tests/it/logging.rs:"),
        "{caught:?}"
    );
    assert!(
        caught[0].ends_with(": scripted start panic (caught)"),
        "{caught:?}"
    );
    // A panic outside plugin code still reaches the previous hook (and is not logged).
    let outside = std::panic::catch_unwind(|| panic!("not a plugin"));
    assert!(outside.is_err());
    let records = capture.mine();
    assert!(
        !records
            .iter()
            .any(|(.., message)| message.contains("not a plugin"))
    );
}

/// Healthy or not, as its name says.
struct Moody(bool);

impl plugin_factory::Plugin for Moody {
    fn health(&self, _: &plugin_factory::Context<'_>) -> plugin_factory::Health {
        if self.0 {
            plugin_factory::Health::Healthy
        } else {
            plugin_factory::Health::unhealthy("out of disk")
        }
    }
}

#[test]
fn an_unhealthy_plugin_is_logged_as_a_warning_and_a_healthy_one_is_not() {
    use plugin_factory::PluginManager;
    use plugin_factory::registry::PluginEntry;
    use plugin_factory::registry::PluginMetadata;
    static WELL: PluginEntry = PluginEntry::new(PluginMetadata::new("log-well", "1.0.0"), |_| {
        Box::new(Moody(true))
    });
    static ILL: PluginEntry = PluginEntry::new(PluginMetadata::new("log-ill", "1.0.0"), |_| {
        Box::new(Moody(false))
    });
    let capture = capture();
    let manager = support::start_with(PluginManager::builder().entries([&WELL, &ILL]));
    manager.check_health().unwrap();
    let warnings = |target: &str| warnings_where(capture, |t, _| t == target);
    assert_eq!(
        warnings("log-ill"),
        ["plugin \"log-ill\" is unhealthy: out of disk"]
    );
    assert!(warnings("log-well").is_empty());
}

/// An async plugin whose `stop` never ends.
struct Stuck;

impl plugin_factory::AsyncPlugin for Stuck {
    async fn stop(
        &mut self,
        _: &plugin_factory::Context<'_>,
    ) -> Result<(), plugin_factory::PluginError> {
        std::future::pending().await
    }
}

fn stuck(name: &'static str) -> &'static plugin_factory::registry::PluginEntry {
    let metadata = plugin_factory::registry::PluginMetadata::new(name, "1.0.0");
    support::keep(plugin_factory::registry::PluginEntry::new(metadata, |_| {
        Box::new(Stuck)
    }))
}

/// The warnings captured so far whose target and message `keep` accepts.
fn warnings_where(capture: &Capture, keep: impl Fn(&str, &str) -> bool) -> Vec<String> {
    capture
        .mine()
        .iter()
        .filter(|(level, target, message)| *level == Level::Warn && keep(target, message))
        .map(|(.., message)| message.clone())
        .collect()
}

fn warnings_containing(capture: &Capture, text: &str) -> Vec<String> {
    warnings_where(capture, |_, message| message.contains(text))
}

#[tokio::test]
async fn an_async_manager_dropped_without_shutdown_warns_and_the_deadlines_are_logged() {
    use plugin_factory::PluginManager;
    use plugin_factory::executor::Tokio;
    use std::time::Duration;
    let capture = capture();
    let started = async |names: [&'static str; 2]| {
        let entries = vec![probe(names[0], &[]), probe(names[1], &[])];
        let manager = PluginManager::from_entries(entries)
            .unwrap()
            .into_async(Tokio);
        let manager = manager.validate().await.unwrap().init().await.unwrap();
        manager.start().await.unwrap()
    };
    drop(started(["ad-one", "ad-two"]).await);
    assert_eq!(
        warnings_containing(capture, "dropped without `shutdown().await`"),
        [
            "plugin manager (async): dropped without `shutdown().await`: 2 live plugins are dropped \
          without their stop and shutdown hooks"
        ]
    );
    // One that was shut down says nothing when dropped, nor one with nothing live.
    started(["ad-three", "ad-four"]).await.shutdown().await;
    let empty = PluginManager::from_entries(Vec::new())
        .unwrap()
        .into_async(Tokio);
    drop(empty.validate().await.unwrap());
    assert_eq!(
        warnings_containing(capture, "dropped without `shutdown().await`").len(),
        1
    );

    let entries = vec![stuck("lg-stuck")];
    let manager = PluginManager::from_entries(entries)
        .unwrap()
        .into_async(Tokio);
    let manager = manager.validate().await.unwrap().init().await.unwrap();
    let running = manager.start().await.unwrap();
    running
        // Grace long enough that it is still running when the walk begins, even under
        // valgrind on a busy machine: the warning is written when it ends.
        .shutdown_within(Duration::from_secs(1), Duration::from_millis(20))
        .await;
    assert_one_warning(capture, "grace period", "is over with 1 hooks running");
}

/// Exactly one warning mentions `topic`, and it says `says`.
fn assert_one_warning(capture: &Capture, topic: &str, says: &str) {
    let found = warnings_containing(capture, topic);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains(says), "{}", found[0]);
}

#[tokio::test]
async fn the_async_health_check_logs_an_unhealthy_plugin_as_a_warning() {
    use plugin_factory::PluginManager;
    use plugin_factory::executor::Tokio;
    use plugin_factory::registry::PluginEntry;
    use plugin_factory::registry::PluginMetadata;
    static WELL: PluginEntry = PluginEntry::new(PluginMetadata::new("alog-well", "1.0.0"), |_| {
        Box::new(Moody(true))
    });
    static ILL: PluginEntry = PluginEntry::new(PluginMetadata::new("alog-ill", "1.0.0"), |_| {
        Box::new(Moody(false))
    });
    let capture = capture();
    let manager = PluginManager::from_entries(vec![&WELL, &ILL])
        .unwrap()
        .into_async(Tokio);
    let manager = manager.validate().await.unwrap().init().await.unwrap();
    let running = manager.start().await.unwrap();
    running.check_health().await;
    running.shutdown().await;
    let warnings = |target: &str| warnings_where(capture, |t, _| t == target);
    assert_eq!(
        warnings("alog-ill"),
        ["plugin \"alog-ill\" is unhealthy: out of disk"]
    );
    assert!(warnings("alog-well").is_empty());
}

/// A retry is logged: each failed attempt as a warning with the delay, the success at info.
#[test]
fn a_retry_logs_each_failed_attempt_and_the_success() {
    use plugin_factory::policy::{Backoff, OnFailure};
    use plugin_factory::registry::PluginMetadata;
    use std::time::Duration;

    let capture = capture();
    let backoff = Backoff::new(3, Duration::from_millis(1), Duration::from_millis(1));
    let metadata =
        PluginMetadata::new("log-retry", "1.0.0").with_on_failure(OnFailure::Retry(backoff));
    let harness = Harness::entries([support::probe_with(metadata, &[])]);
    harness.inject("log-retry", Hook::Start, fails(Hook::Start).times(2));
    harness.start().unwrap().shutdown();
    let about = |level: Level| -> Vec<String> {
        let records = capture.mine();
        let lines = records
            .into_iter()
            .filter(|(l, t, _)| *l == level && t == "log-retry");
        lines.map(|(.., message)| message).collect()
    };
    assert_eq!(
        about(Level::Warn),
        [
            "plugin \"log-retry\": attempt 1 of 3 failed; trying start again in 1ms",
            "plugin \"log-retry\": attempt 2 of 3 failed; trying start again in 1ms",
        ]
    );
    assert_eq!(
        about(Level::Info),
        ["plugin \"log-retry\": start succeeded on attempt 3"]
    );
}

/// An executor whose timer wakes late, as on a machine too busy to run the walk on time.
struct Oversleeping(std::time::Duration);

impl plugin_factory::executor::Executor for Oversleeping {
    fn sleep(
        &self,
        duration: std::time::Duration,
    ) -> plugin_factory::executor::BoxFuture<'static, ()> {
        plugin_factory::executor::Tokio.sleep(duration + self.0)
    }

    fn run_blocking(
        &self,
        work: Box<dyn FnOnce() + Send>,
    ) -> plugin_factory::executor::BoxFuture<'static, ()> {
        plugin_factory::executor::Tokio.run_blocking(work)
    }
}

#[tokio::test]
async fn the_end_of_grace_is_logged_even_when_the_walk_wakes_after_mercy_ended_too() {
    use plugin_factory::PluginManager;
    use std::time::Duration;
    let capture = capture();
    let entries = vec![stuck("lg-late")];
    let manager = PluginManager::from_entries(entries)
        .unwrap()
        .into_async(Oversleeping(Duration::from_millis(500)));
    let manager = manager.validate().await.unwrap().init().await.unwrap();
    let report = manager
        .start()
        .await
        .unwrap()
        // The alarm for the end of grace (200 ms, long enough for the walk to begin within it
        // even under valgrind) rings at 700 ms: mercy ended at 210 ms.
        .shutdown_within(Duration::from_millis(200), Duration::from_millis(10))
        .await;
    assert_one_warning(
        capture,
        "grace period",
        "(200ms) is over with 1 hooks running",
    );
    let late = report.plugins().iter().find(|p| p.name() == "lg-late");
    let reason = late
        .and_then(|plugin| plugin.reason())
        .map(ToString::to_string);
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("abandoned")),
        "{reason:?}"
    );
}
