//! Failure policies: `exclude` (the default), `fail` (the transition fails, everything is torn
//! down) and `retry` (a failing `init` or `start` is called again with backoff, then the plugin
//! is excluded with every attempt), set in the annotation or metadata and overridden per
//! instance by the configuration.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Fault, calls, inject, inject_times, journal, probe, probe_with, start_with};
use plugin_factory::config::{Config, Format, Loader};
use plugin_factory::observe::Event;
use plugin_factory::policy::{Backoff, OnFailure};
use plugin_factory::registry::PluginMetadata;
use plugin_factory::report::{ExclusionReason, Hook};
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
    inject_times("db", Hook::Start, Fault::Error, 2);
    let (events, observer) = recorder();
    let manager = start_with(
        PluginManager::builder()
            .entries([retrying("db", &[]), probe("app", &["db"])])
            .observe(observer),
    );
    assert_eq!(manager.live(), ["db", "app"]);
    assert_eq!(calls(&journal(), "start"), ["db", "db", "db", "app"]);

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
    inject_times("db", Hook::Init, Fault::Panic, 1);
    let manager = start_with(PluginManager::builder().entries([retrying("db", &[])]));
    assert_eq!(manager.live(), ["db"]);
    assert_eq!(calls(&journal(), "init"), ["db", "db"]);
}

#[test]
fn when_every_attempt_fails_the_plugin_is_excluded_with_each_attempt() {
    inject("db", Hook::Init, Fault::Error);
    let manager = start_with(PluginManager::builder().entries([
        retrying("db", &[]),
        probe("app", &["db"]),
        probe("solo", &[]),
    ]));
    assert_eq!(manager.live(), ["solo"]);
    let journal = journal();
    assert_eq!(calls(&journal, "init"), ["db", "db", "db", "solo"]);
    // It never initialized: no shutdown, and the instance is dropped.
    assert!(calls(&journal, "shutdown").is_empty());
    assert!(calls(&journal, "drop").contains(&"db".to_owned()));

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
    inject("db", Hook::Validate, Fault::Error);
    let manager = start_with(PluginManager::builder().entries([retrying("db", &[])]));
    assert!(manager.live().is_empty());
    assert_eq!(calls(&journal(), "validate"), ["db"]);
    let report = manager.report();
    assert!(matches!(
        report.get("db").unwrap().reason(),
        Some(ExclusionReason::Hook(_))
    ));
}

#[test]
fn a_runtime_start_is_retried_as_a_phase_is() {
    let manager = start_with(PluginManager::builder().entries([retrying("db", &[])]));
    manager.stop_plugin("db").unwrap();
    journal();
    inject_times("db", Hook::Start, Fault::Error, 1);
    manager.start_plugin("db").unwrap();
    assert_eq!(manager.state("db"), Some(PluginState::Running));
    assert_eq!(calls(&journal(), "start"), ["db", "db"]);
}

#[test]
fn the_configuration_overrides_the_annotation() {
    inject_times("db", Hook::Start, Fault::Error, 1);
    inject("cache", Hook::Start, Fault::Error);
    let manager = start_with(
        PluginManager::builder()
            .entries([probe("db", &[]), support::required_probe("cache", &[])])
            .config(config(
                r#"
                [plugins.db]
                on_failure = { retry = { attempts = 2, delay_ms = 1 } }
                [plugins.cache]
                on_failure = "exclude"
                "#,
            )),
    );
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
    inject("cache", Hook::Start, Fault::Error);
    let error = PluginManager::builder()
        .entries([probe("db", &[]), probe("cache", &["db"]), probe("web", &[])])
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
    let journal = journal();
    // Everything that started was stopped, in reverse order, and every instance dropped.
    let stopped = calls(&journal, "stop");
    assert!(stopped.contains(&"db".to_owned()), "{journal:?}");
    let dropped = calls(&journal, "drop");
    for name in ["db", "cache", "web"] {
        assert!(
            dropped.contains(&name.to_owned()),
            "{name} not dropped: {journal:?}"
        );
    }
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
    inject("db", Hook::Start, Fault::Error);
    inject("db", Hook::Shutdown, Fault::Error);
    let report = start_with(PluginManager::builder().entries([retrying("db", &[])])).shutdown();
    let db = report.get("db").unwrap();
    assert!(matches!(
        db.reason(),
        Some(ExclusionReason::RetriesExhausted { attempts }) if attempts.len() == 3
    ));
    // The shutdown that failed during the teardown came after the reason, and is the only one.
    let after: Vec<Hook> = db.failures_after_reason().iter().map(|f| f.hook).collect();
    assert_eq!(after, [Hook::Shutdown]);
}
