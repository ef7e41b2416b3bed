//! Failure policies: `exclude` (the default), `fail` (the transition fails, everything is torn
//! down) and `retry` (a failing `init` or `start` is called again with backoff, then the plugin
//! is excluded with every attempt), set in the annotation or metadata and overridden per
//! instance by the configuration.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{fails, panics, probe, probe_with, start_with};
use plugin_factory::config::{Config, Format, Loader};
use plugin_factory::observe::Event;
use plugin_factory::policy::{Backoff, OnFailure};
use plugin_factory::registry::PluginMetadata;
use plugin_factory::report::{ExclusionReason, Hook};
use plugin_factory::testing::Harness;
use plugin_factory::{Error, PluginManager, PluginState};

/// Three attempts, 1 ms doubling up to 2 ms: quick enough for a test, long enough to be seen.
const QUICK: Backoff = Backoff::new(3, Duration::from_millis(1), Duration::from_millis(2));

fn retrying(
    name: &'static str,
    dependencies: &[&'static str],
) -> &'static plugin_factory::registry::PluginEntry {
    probe_with(
        PluginMetadata::new(name, "1.0.0").with_on_failure(OnFailure::Retry(QUICK)),
        dependencies,
    )
}

/// Every event a manager sends, from discovery on.
fn recorder() -> (
    Arc<Mutex<Vec<Event>>>,
    impl Fn(&Event) + Send + Sync + 'static,
) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    (events, move |event: &Event| {
        sink.lock().unwrap().push(event.clone())
    })
}

fn config(text: &str) -> Config {
    Loader::new()
        .text("test.toml", Format::Toml, text)
        .load()
        .unwrap()
}

#[test]
fn a_start_that_fails_twice_is_retried_until_it_succeeds() {
    let harness = Harness::entries([retrying("db", &[]), probe("app", &["db"])]);
    harness.inject("db", Hook::Start, fails(Hook::Start).times(2));
    let (events, observer) = recorder();
    let manager = start_with(harness.builder().observe(observer));
    assert_eq!(manager.live(), ["db", "app"]);
    assert_eq!(harness.calls(Hook::Start), ["db", "db", "db", "app"]);

    let report = manager.report();
    let db = report.get("db").unwrap();
    assert_eq!(db.state(), PluginState::Running);
    assert!(db.reason().is_none());
    let failures: Vec<_> = db.failures().iter().map(ToString::to_string).collect();
    assert_eq!(failures, ["start failed: scripted start error"; 2]);

    let retries: Vec<_> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|event| match event {
            Event::Retrying {
                plugin,
                hook,
                attempt,
                delay,
                ..
            } => Some((plugin.to_string(), *hook, *attempt, *delay)),
            _ => None,
        })
        .collect();
    assert_eq!(
        retries,
        [
            ("db".to_owned(), Hook::Start, 2, Duration::from_millis(1)),
            ("db".to_owned(), Hook::Start, 3, Duration::from_millis(2)),
        ]
    );
    let table = report.to_string();
    assert!(
        table.contains(
            "failed before: start failed: scripted start error; start failed: scripted start error"
        ),
        "{table}"
    );
}

#[test]
fn a_panicking_init_is_retried_too() {
    let harness = Harness::entries([retrying("db", &[])]);
    harness.inject("db", Hook::Init, panics(Hook::Init).times(1));
    let manager = harness.start().unwrap();
    assert_eq!(manager.live(), ["db"]);
    assert_eq!(harness.calls(Hook::Init), ["db", "db"]);
}

#[test]
fn when_every_attempt_fails_the_plugin_is_excluded_with_each_attempt() {
    let harness = Harness::entries([
        retrying("db", &[]),
        probe("app", &["db"]),
        probe("solo", &[]),
    ]);
    harness.inject("db", Hook::Init, fails(Hook::Init));
    let manager = harness.start().unwrap();
    assert_eq!(manager.live(), ["solo"]);
    assert_eq!(harness.calls(Hook::Init), ["db", "db", "db", "solo"]);
    // It never initialized: no shutdown, and the instance is dropped.
    assert!(harness.calls(Hook::Shutdown).is_empty());
    assert!(harness.dropped().contains(&"db".to_owned()));

    let report = manager.report();
    let db = report.get("db").unwrap();
    assert_eq!(db.state(), PluginState::Excluded);
    let Some(ExclusionReason::RetriesExhausted { attempts }) = db.reason() else {
        panic!("unexpected reason: {:?}", db.reason());
    };
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|failure| failure.hook == Hook::Init));
    assert_eq!(
        db.reason().unwrap().to_string(),
        "init failed 3 times, giving up: 1: scripted init error; 2: scripted init error; 3: scripted init error"
    );
    assert_eq!(db.failures().len(), 3);
    assert!(db.failures_after_reason().is_empty());
    assert_eq!(
        report.get("app").unwrap().reason().unwrap().to_string(),
        "depends on excluded \"db\""
    );
}

#[test]
fn validation_failures_are_not_retried() {
    let harness = Harness::entries([retrying("db", &[])]);
    harness.inject("db", Hook::Validate, fails(Hook::Validate));
    let manager = harness.start().unwrap();
    assert!(manager.live().is_empty());
    assert_eq!(harness.calls(Hook::Validate), ["db"]);
    let report = manager.report();
    assert!(matches!(
        report.get("db").unwrap().reason(),
        Some(ExclusionReason::Hook(_))
    ));
}

#[test]
fn a_runtime_start_is_retried_as_a_phase_is() {
    let harness = Harness::entries([retrying("db", &[])]);
    let manager = harness.start().unwrap();
    manager.stop_plugin("db").unwrap();
    harness.forget();
    harness.inject("db", Hook::Start, fails(Hook::Start).times(1));
    manager.start_plugin("db").unwrap();
    assert_eq!(manager.state("db"), Some(PluginState::Running));
    assert_eq!(harness.calls(Hook::Start), ["db", "db"]);
}

#[test]
fn the_configuration_overrides_the_annotation() {
    let harness = Harness::entries([probe("db", &[]), support::required_probe("cache", &[])]);
    harness.inject("db", Hook::Start, fails(Hook::Start).times(1));
    harness.inject("cache", Hook::Start, fails(Hook::Start));
    let manager = start_with(harness.builder().config(config(
        r#"
                [plugins.db]
                on_failure = { retry = { attempts = 2, delay_ms = 1 } }
                [plugins.cache]
                on_failure = "exclude"
                "#,
    )));
    // `db` is retried, though its metadata says nothing; `cache`, required by its metadata, is
    // only excluded.
    assert_eq!(manager.live(), ["db"]);
    let info = manager.info("db").unwrap();
    assert_eq!(
        info.on_failure(),
        OnFailure::Retry(Backoff::new(
            2,
            Duration::from_millis(1),
            Duration::from_secs(10)
        ))
    );
    assert_eq!(
        manager.info("cache").unwrap().on_failure(),
        OnFailure::Exclude
    );
}

#[test]
fn fail_set_by_the_configuration_aborts_the_transition_and_tears_everything_down() {
    let harness = Harness::entries([probe("db", &[]), probe("cache", &["db"]), probe("web", &[])]);
    harness.inject("cache", Hook::Start, fails(Hook::Start));
    let error = harness
        .builder()
        .config(config(
            "[plugins.cache]\non_failure = \"fail\"\n[plugins.db]\n[plugins.web]",
        ))
        .discover()
        .unwrap()
        .validate()
        .unwrap()
        .init()
        .unwrap()
        .start()
        .unwrap_err();
    let Error::RequiredPluginExcluded { plugin, report, .. } = error else {
        panic!("unexpected error: {error}");
    };
    assert_eq!(plugin, "cache");
    for plugin in report.plugins() {
        assert!(
            matches!(
                plugin.state(),
                PluginState::Shutdown | PluginState::Excluded
            ),
            "{} is {}",
            plugin.name(),
            plugin.state()
        );
    }
    // Everything that started was stopped, in reverse order, and every instance dropped.
    let stopped = harness.calls(Hook::Stop);
    assert!(stopped.contains(&"db".to_owned()), "{stopped:?}");
    let mut dropped = harness.dropped();
    dropped.sort();
    assert_eq!(dropped, ["cache", "db", "web"]);
}

#[test]
fn a_bad_policy_in_the_configuration_excludes_only_that_instance() {
    let manager = start_with(
        PluginManager::builder()
            .entries([probe("db", &[]), probe("web", &[])])
            .config(config(
                "[plugins.db]\non_failure = { retry = { attempts = 0 } }\n[plugins.web]",
            )),
    );
    assert_eq!(manager.live(), ["web"]);
    let reason = manager
        .report()
        .get("db")
        .unwrap()
        .reason()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("plugins.db.on_failure.retry: `attempts` counts every try"),
        "{reason}"
    );
}

#[test]
fn a_failure_after_exhausted_retries_is_listed_after_the_reason() {
    let harness = Harness::entries([retrying("db", &[])]);
    harness.inject("db", Hook::Start, fails(Hook::Start));
    harness.inject("db", Hook::Shutdown, fails(Hook::Shutdown));
    let report = harness.start().unwrap().shutdown();
    let db = report.get("db").unwrap();
    assert!(matches!(
        db.reason(),
        Some(ExclusionReason::RetriesExhausted { attempts }) if attempts.len() == 3
    ));
    // The shutdown that failed during the teardown came after the reason, and is the only one.
    let after: Vec<Hook> = db.failures_after_reason().iter().map(|f| f.hook).collect();
    assert_eq!(after, [Hook::Shutdown]);
}

/// The sync manager waits out each backoff delay on the calling thread before it calls the hook
/// again (sleep never ends early, so the lower bound holds on a loaded machine too).
#[test]
fn the_sync_manager_waits_the_backoff_before_each_attempt() {
    let backoff = Backoff::new(3, Duration::from_millis(20), Duration::from_millis(40));
    let entry = probe_with(
        PluginMetadata::new("db", "1.0.0").with_on_failure(OnFailure::Retry(backoff)),
        &[],
    );
    let harness = Harness::entries([entry]);
    harness.inject("db", Hook::Start, fails(Hook::Start).times(2));
    let began = std::time::Instant::now();
    let manager = harness.start().unwrap();
    assert!(
        began.elapsed() >= Duration::from_millis(20 + 40),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(manager.live(), ["db"]);
    assert_eq!(harness.calls(Hook::Start), ["db", "db", "db"]);
}

/// The async manager's runtime operations wait out each backoff delay on the executor's timer
/// before they call the hook again.
#[tokio::test]
async fn an_async_operation_waits_the_backoff_before_each_attempt() {
    let backoff = Backoff::new(3, Duration::from_millis(20), Duration::from_millis(40));
    let entry = probe_with(
        PluginMetadata::new("db", "1.0.0").with_on_failure(OnFailure::Retry(backoff)),
        &[],
    );
    let harness = Harness::entries([entry]);
    let running = harness
        .start_async(plugin_factory::executor::Tokio)
        .await
        .unwrap();
    running.stop_plugin("db").await.unwrap();
    harness.inject("db", Hook::Start, fails(Hook::Start).times(2));
    let began = std::time::Instant::now();
    assert_eq!(running.start_plugin("db").await.unwrap(), ["db"]);
    assert!(
        began.elapsed() >= Duration::from_millis(20 + 40),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(harness.calls(Hook::Start), ["db", "db", "db", "db"]);
    running.shutdown().await;
}
