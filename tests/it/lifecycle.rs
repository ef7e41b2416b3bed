//! The whole lifecycle through the typestate manager: order, reversal, restarts from `Stopped`,
//! dropping in every phase, disabled plugins, timings and events.

use crate::support;

use std::sync::{Arc, Mutex};

use crate::support::{probe, start_all, start_with};
use plugin_factory::observe::Event;
use plugin_factory::report::Hook;
use plugin_factory::testing::Harness;
use plugin_factory::{Error, PluginManager, PluginState};

fn graph() -> Vec<&'static plugin_factory::registry::PluginEntry> {
    vec![
        probe("app", &["db", "cache"]),
        probe("logger", &[]),
        probe("cache", &["db"]),
        probe("db", &[]),
    ]
}

#[test]
fn hooks_run_in_dependency_order_and_in_exact_reverse_on_the_way_down() {
    let harness = Harness::entries(graph());
    let running = harness.start().unwrap();
    assert_eq!(running.live(), ["db", "cache", "app", "logger"]);
    let report = running.stop().shutdown();
    let up = ["db", "cache", "app", "logger"];
    let down = ["logger", "app", "cache", "db"];
    // Factories run in start order too, whatever the order the entries were given in.
    for hook in [Hook::Create, Hook::Validate, Hook::Init, Hook::Start] {
        assert_eq!(harness.calls(hook), up, "{hook}");
    }
    for hook in [Hook::Stop, Hook::Shutdown] {
        assert_eq!(harness.calls(hook), down, "{hook}");
    }
    assert_eq!(harness.dropped(), down);
    assert!(
        report
            .plugins()
            .iter()
            .all(|p| p.state() == PluginState::Shutdown)
    );
    assert_eq!(
        report
            .plugins()
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>(),
        up
    );
}

#[test]
fn independent_plugins_are_ordered_by_name() {
    let entries = [probe("zeta", &[]), probe("alpha", &[]), probe("mid", &[])];
    let running = start_all(entries);
    assert_eq!(running.live(), ["alpha", "mid", "zeta"]);
}

#[test]
fn long_names_are_ordered_by_their_whole_name() {
    // Longer than the 12 bytes the fast ready-queue key holds, and equal in their first 16.
    let entries = [
        probe("long-plugin-name-shared-zz", &[]),
        probe("long-plugin-name-shared-aa", &[]),
        probe(
            "long-plugin-name-shared-mm",
            &["long-plugin-name-shared-zz"],
        ),
        probe("short", &[]),
    ];
    let running = start_all(entries);
    assert_eq!(
        running.live(),
        [
            "long-plugin-name-shared-aa",
            "long-plugin-name-shared-zz",
            "long-plugin-name-shared-mm",
            "short"
        ]
    );
}

#[test]
fn a_stopped_manager_starts_again_with_the_same_instances() {
    let harness = Harness::entries(graph());
    let stopped = harness.start().unwrap().stop();
    assert_eq!(stopped.state("db"), Some(PluginState::Stopped));
    let running = stopped.start().unwrap();
    assert_eq!(running.state("app"), Some(PluginState::Running));
    drop(running);
    assert_eq!(harness.calls(Hook::Create).len(), 4);
    assert_eq!(harness.calls(Hook::Start).len(), 8);
    assert_eq!(harness.calls(Hook::Init).len(), 4);
    assert_eq!(harness.dropped().len(), 4);
}

#[test]
fn dropping_a_running_manager_stops_and_shuts_down_in_reverse() {
    let harness = Harness::entries(graph());
    let running = harness.start().unwrap();
    harness.forget();
    drop(running);
    let down = ["logger", "app", "cache", "db"];
    assert_eq!(harness.calls(Hook::Stop), down);
    assert_eq!(harness.calls(Hook::Shutdown), down);
    assert_eq!(harness.dropped(), down);
    let journal: Vec<String> = harness.journal_lines().lines().map(str::to_owned).collect();
    let stop_of_db = journal.iter().position(|e| e == "db: stop").unwrap();
    let first_shutdown = journal
        .iter()
        .position(|e| e.ends_with(": shutdown"))
        .unwrap();
    assert!(
        stop_of_db < first_shutdown,
        "every stop comes before any shutdown: {journal:?}"
    );
}

#[test]
fn dropping_an_initialized_manager_shuts_down_without_stopping() {
    let harness = Harness::entries(graph());
    let initialized = harness.builder().discover().unwrap();
    let initialized = initialized.validate().unwrap().init().unwrap();
    harness.forget();
    drop(initialized);
    assert!(harness.calls(Hook::Stop).is_empty());
    assert_eq!(
        harness.calls(Hook::Shutdown),
        ["logger", "app", "cache", "db"]
    );
    assert_eq!(harness.dropped().len(), 4);
}

#[test]
fn dropping_before_init_only_drops() {
    let harness = Harness::entries(graph());
    let discovered = harness.builder().discover().unwrap();
    drop(discovered);
    let validated = harness.builder().discover().unwrap().validate().unwrap();
    drop(validated);
    assert!(harness.calls(Hook::Init).is_empty());
    assert!(harness.calls(Hook::Shutdown).is_empty());
    assert_eq!(harness.dropped().len(), 8);
}

#[test]
fn shutdown_from_a_running_manager_returns_the_final_report() {
    let harness = Harness::entries(graph());
    let report = harness.start().unwrap().shutdown();
    assert_eq!(report.in_state(PluginState::Shutdown).count(), 4);
    assert_eq!(harness.calls(Hook::Stop).len(), 4);
    assert_eq!(harness.dropped().len(), 4);
}

#[test]
fn disabled_plugins_stay_registered_and_their_dependents_are_excluded() {
    let harness = Harness::entries(graph());
    let manager = harness
        .builder()
        .disable("cache")
        .discover()
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(manager.state("cache"), Some(PluginState::Registered));
    assert_eq!(manager.state("app"), Some(PluginState::Excluded));
    let report = manager.report();
    let reason = report.get("app").unwrap().reason().unwrap();
    assert_eq!(
        reason.to_string(),
        "depends on \"cache\", which is not enabled"
    );
    assert_eq!(manager.live(), ["db", "logger"]);
    drop(manager);
    assert!(!harness.calls(Hook::Create).contains(&"cache".to_owned()));
}

#[test]
fn disabling_an_unknown_plugin_is_an_error_naming_it() {
    let error = PluginManager::builder()
        .entries(graph())
        .disable("nope")
        .discover()
        .unwrap_err();
    assert!(matches!(&error, Error::UnknownPlugin { plugin } if plugin == "nope"));
    assert_eq!(error.to_string(), "no plugin named \"nope\" is registered");
}

#[test]
fn timings_are_recorded_only_when_asked_for() {
    let timed = start_with(PluginManager::builder().entries(graph()).time_hooks(true))
        .stop()
        .shutdown();
    for plugin in timed.plugins() {
        // Every hook of the lifecycle ran; `reconfigure` runs only on a configuration reload,
        // and extension point callbacks are not timed.
        for hook in Hook::ALL
            .into_iter()
            .filter(|&hook| !matches!(hook, Hook::Reconfigure | Hook::Callback))
        {
            assert!(
                plugin.timings().get(hook).is_some(),
                "{} {hook}",
                plugin.name()
            );
        }
    }
    assert!(timed.to_string().lines().next().unwrap().contains("time"));
    let untimed = PluginManager::from_entries(graph()).unwrap().shutdown();
    assert!(untimed.plugins().iter().all(|p| p.timings().is_empty()));
}

#[test]
fn observers_see_every_transition_in_order() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let builder = PluginManager::builder()
        .entries([probe("solo", &[])])
        .observe(move |event| {
            if let Event::StateChanged { to, .. } = event {
                sink.lock().unwrap().push(*to);
            }
        });
    let report = start_with(builder).stop().shutdown();
    assert_eq!(report.get("solo").unwrap().state(), PluginState::Shutdown);
    use PluginState::*;
    assert_eq!(
        *events.lock().unwrap(),
        [Created, Validated, Initialized, Running, Stopped, Shutdown]
    );
}

#[test]
fn shutdown_before_start_leaves_every_plugin_shut_down() {
    let harness = Harness::entries([probe("db", &[]), probe("app", &["db"])]);
    let discovered = harness.builder().discover().unwrap();
    let report = discovered.shutdown();
    for plugin in report.plugins() {
        assert_eq!(plugin.state(), PluginState::Shutdown, "{report}");
    }
    let validated = harness.builder().discover().unwrap().validate().unwrap();
    let report = validated.shutdown();
    for plugin in report.plugins() {
        assert_eq!(plugin.state(), PluginState::Shutdown, "{report}");
    }
    // Never initialized: no shutdown hook ran, every instance was dropped.
    assert!(harness.calls(Hook::Shutdown).is_empty());
    assert_eq!(harness.dropped().len(), 4);
}

#[test]
fn the_report_gives_each_plugins_version() {
    let report = start_all([
        support::probe_with(
            plugin_factory::registry::PluginMetadata::new("db", "2.3.4"),
            &[],
        ),
        probe("app", &["db"]),
    ])
    .shutdown();
    assert_eq!(report.get("db").unwrap().version(), "2.3.4");
    assert_eq!(report.get("app").unwrap().version(), "1.0.0");
}

#[test]
fn a_manager_shows_its_phase_and_how_many_plugins_it_holds() {
    let manager = PluginManager::from_entries([probe("db", &[]), probe("app", &["db"])]).unwrap();
    let shown = format!("{manager:?}");
    assert!(shown.contains("phase: \"assembled\""), "{shown}");
    assert!(shown.contains("plugins: 2"), "{shown}");
}

#[test]
fn the_report_table_has_a_kind_column_only_when_an_instance_is_named_apart_from_its_kind() {
    let report = start_all([probe("db", &[]), probe("app", &["db"])]).shutdown();
    let table = report.to_string();
    let header = table.lines().next().unwrap();
    assert!(header.starts_with("plugin"), "{table}");
    assert!(!header.contains("kind"), "{table}");
}
