//! The supervisor (`on_unhealthy`): an unhealthy plugin restarted with its dependents within
//! its restart intensity, excluded with its restarts as the reason beyond it, the window
//! sliding, the configuration overriding the builder; and the periodic checker, which checks
//! on its own thread and leaves no thread behind when the manager stops.

use crate::support;

use std::fs;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use plugin_factory::config::{Format, Loader};
use plugin_factory::policy::{Intensity, OnUnhealthy};
use plugin_factory::registry::PluginEntry;
use plugin_factory::report::{ExclusionReason, Hook};
use plugin_factory::runtime::Supervision;
use plugin_factory::testing::Harness;
use plugin_factory::{Health, PluginState};

/// A plugin called `name` that depends on `dependencies`; its health is what the test's
/// harness says (`set_health`), and the harness counts its instances, starts and checks.
fn patient(name: &'static str, dependencies: &[&'static str]) -> &'static PluginEntry {
    support::probe(name, dependencies)
}

/// How often `hook` of `plugin` was called.
fn count(harness: &Harness, hook: Hook, plugin: &str) -> usize {
    harness
        .calls(hook)
        .iter()
        .filter(|name| *name == plugin)
        .count()
}

/// How often the health of `plugin` was checked.
fn checks(harness: &Harness, plugin: &str) -> usize {
    let checks = harness.health_checks();
    checks.iter().filter(|name| *name == plugin).count()
}

fn restart(max_restarts: u32, within: Duration) -> OnUnhealthy {
    OnUnhealthy::Restart(Intensity::new(max_restarts, within))
}

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn an_unhealthy_plugin_is_restarted_with_its_dependents() {
    let harness = Harness::entries([patient("sv-db", &[]), patient("sv-app", &["sv-db"])]);
    let manager = support::start_with(harness.builder().on_unhealthy(restart(2, MINUTE)));
    harness.set_health("sv-db", Health::unhealthy("lost its connection"));

    let health = manager.check_health().unwrap();
    assert_eq!(
        health.supervised(),
        [("sv-db".into(), Supervision::Restarted { restart: 1 })]
    );
    assert!(
        health
            .to_string()
            .contains("supervisor: sv-db restarted (restart 1 in the window)")
    );
    // A fresh instance of the plugin, and its dependent stopped and started again.
    assert_eq!(
        (
            count(&harness, Hook::Create, "sv-db"),
            count(&harness, Hook::Start, "sv-db")
        ),
        (2, 2)
    );
    assert_eq!(
        (
            count(&harness, Hook::Create, "sv-app"),
            count(&harness, Hook::Start, "sv-app")
        ),
        (1, 2)
    );
    assert_eq!(manager.live(), ["sv-db", "sv-app"]);
    let restarts = manager.info("sv-db").unwrap().restarts().to_vec();
    assert_eq!(restarts.len(), 1);
    assert_eq!(restarts[0].health, Health::unhealthy("lost its connection"));
}

#[test]
fn beyond_the_restart_intensity_the_plugin_is_excluded_with_its_restarts() {
    let harness = Harness::entries([patient("lim-db", &[]), patient("lim-app", &["lim-db"])]);
    let manager = support::start_with(harness.builder().on_unhealthy(restart(2, MINUTE)));
    harness.set_health("lim-db", Health::unhealthy("disk full"));
    let actions: Vec<_> = (0..3)
        .map(|_| manager.check_health().unwrap().supervised().to_vec())
        .collect();
    assert_eq!(
        actions,
        [
            vec![("lim-db".into(), Supervision::Restarted { restart: 1 })],
            vec![("lim-db".into(), Supervision::Restarted { restart: 2 })],
            vec![("lim-db".into(), Supervision::GaveUp)],
        ]
    );
    assert_eq!(manager.state("lim-db"), Some(PluginState::Excluded));
    assert_eq!(manager.state("lim-app"), Some(PluginState::Excluded));
    let info = manager.info("lim-db").unwrap();
    let Some(ExclusionReason::RestartLimit {
        health,
        restarts,
        intensity,
    }) = info.reason()
    else {
        panic!("unexpected reason: {:?}", info.reason());
    };
    assert_eq!(*health, Health::unhealthy("disk full"));
    assert_eq!(restarts.len(), 2);
    assert_eq!(*intensity, Intensity::new(2, MINUTE));
    assert_eq!(
        info.reason().unwrap().to_string(),
        "unhealthy: disk full after 2 restarts within 60s, giving up; restarted for: 1: disk full; 2: disk full"
    );
    // Three instances in all; the last was stopped and dropped, nothing runs.
    assert_eq!(count(&harness, Hook::Create, "lim-db"), 3);
    assert!(manager.live().is_empty());
    // The next check has nothing to act on.
    assert!(manager.check_health().unwrap().supervised().is_empty());
}

#[test]
fn restarts_older_than_the_window_do_not_count() {
    let harness = Harness::entries([patient("win-db", &[])]);
    let manager = support::start_with(
        harness
            .builder()
            .on_unhealthy(restart(1, Duration::from_millis(50))),
    );
    harness.set_health("win-db", Health::unhealthy("flapping"));
    let first = manager.check_health().unwrap();
    assert_eq!(
        first.supervised()[0].1,
        Supervision::Restarted { restart: 1 }
    );
    std::thread::sleep(Duration::from_millis(80));
    let second = manager.check_health().unwrap();
    assert_eq!(
        second.supervised()[0].1,
        Supervision::Restarted { restart: 1 }
    );
    assert_eq!(manager.state("win-db"), Some(PluginState::Running));
}

#[test]
fn degraded_plugins_and_the_report_policy_are_left_running() {
    let harness = Harness::entries([patient("deg-a", &[]), patient("deg-b", &[])]);
    let manager = support::start_with(
        harness
            .builder()
            .config(
                Loader::new()
                    .text(
                        "test.toml",
                        Format::Toml,
                        "[plugins.deg-a]\n[plugins.deg-b]\non_unhealthy = \"report\"\n",
                    )
                    .load()
                    .unwrap(),
            )
            .on_unhealthy(restart(3, MINUTE)),
    );
    harness.set_health("deg-a", Health::degraded("slow"));
    harness.set_health("deg-b", Health::unhealthy("broken"));
    let health = manager.check_health().unwrap();
    assert!(health.supervised().is_empty(), "{health}");
    assert_eq!(count(&harness, Hook::Create, "deg-a"), 1);
    assert_eq!(count(&harness, Hook::Create, "deg-b"), 1);
    assert_eq!(
        manager.info("deg-b").unwrap().on_unhealthy(),
        OnUnhealthy::Report
    );
    assert_eq!(
        manager.info("deg-a").unwrap().on_unhealthy(),
        restart(3, MINUTE)
    );
}

#[test]
fn the_configuration_can_ask_for_restarts_with_no_allowance() {
    let harness = Harness::entries([patient("zero-db", &[])]);
    let manager = support::start_with(
        harness.builder().config(
            Loader::new()
                .text(
                    "test.toml",
                    Format::Toml,
                    "[plugins.zero-db]\non_unhealthy = { restart = { max_restarts = 0 } }\n",
                )
                .load()
                .unwrap(),
        ),
    );
    harness.set_health("zero-db", Health::unhealthy("gone"));
    let health = manager.check_health().unwrap();
    assert_eq!(health.supervised()[0].1, Supervision::GaveUp);
    assert_eq!(manager.state("zero-db"), Some(PluginState::Excluded));
}

/// The names of this process's threads.
fn thread_names() -> Vec<String> {
    fs::read_dir("/proc/self/task")
        .map(|tasks| {
            tasks
                .filter_map(|task| fs::read_to_string(task.ok()?.path().join("comm")).ok())
                .map(|name| name.trim().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Held by the tests that start a checker thread, so that one does not see the other's.
static CHECKERS: Mutex<()> = Mutex::new(());

/// Waits up to 10 s for `condition`.
fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    condition()
}

#[test]
fn the_periodic_checker_checks_and_supervises_until_shutdown_and_leaves_no_thread() {
    let _one_checker = CHECKERS.lock().unwrap();
    let harness = Harness::entries([patient("tick-a", &[]), patient("tick-b", &[])]);
    let manager = support::start_with(harness.builder().on_unhealthy(restart(5, MINUTE)));
    let watched = manager.check_health_every(Duration::from_millis(2));
    assert!(
        eventually(|| checks(&harness, "tick-a") >= 3),
        "no periodic checks"
    );
    if cfg!(target_os = "linux") {
        assert!(thread_names().iter().any(|name| name == "plugin-health"));
    }
    // The supervisor acts on the periodic checks too.
    harness.set_health("tick-b", Health::unhealthy("stuck"));
    assert!(
        eventually(|| watched
            .info("tick-b")
            .is_some_and(|info| !info.restarts().is_empty())),
        "no restart"
    );
    harness.set_health("tick-b", Health::Healthy);

    let report = watched.shutdown();
    assert_eq!(report.get("tick-a").unwrap().state(), PluginState::Shutdown);
    let before = checks(&harness, "tick-a");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(checks(&harness, "tick-a"), before, "checked after shutdown");
    if cfg!(target_os = "linux") {
        assert!(!thread_names().iter().any(|name| name == "plugin-health"));
    }
}

#[test]
fn dropping_a_watched_manager_stops_its_checker_first() {
    let _one_checker = CHECKERS.lock().unwrap();
    let harness = Harness::entries([patient("drop-a", &[])]);
    let manager = harness.start().unwrap();
    let watched = manager.check_health_every(Duration::from_millis(2));
    assert!(eventually(|| checks(&harness, "drop-a") >= 1));
    drop(watched);
    let before = checks(&harness, "drop-a");
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(checks(&harness, "drop-a"), before);
    // And the owner's API comes back whole from `into_manager`.
    let manager = Harness::entries([patient("drop-b", &[])]).start().unwrap();
    let mut manager = manager.check_health_every(MINUTE).into_manager();
    assert!(manager.plugin_mut::<support::Probe>("drop-b").is_some());
}
