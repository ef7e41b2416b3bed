//! The runtime API of a running manager: queries, typed access, per-plugin stop, start and
//! restart, hot add and remove, and the error of every illegal request.

use crate::support;

use crate::support::{Probe, fails, panics, probe, start_all, start_with};
use plugin_factory::phase::Active;
use plugin_factory::report::{ExclusionReason, Hook};
use plugin_factory::runtime::Action;
use plugin_factory::testing::{Harness, assert_lines};
use plugin_factory::{Error, PluginManager, PluginState};

/// A plugin type no entry creates.
struct Other;
impl plugin_factory::Plugin for Other {}

/// `db` ← `cache` ← `app`, `db` ← `app`, and an independent `metrics`; `extra` (needs `db`) is
/// left out at startup.
/// With the harness that watches it, its journal and events read.
fn running() -> (Harness, PluginManager<Active>) {
    let harness = Harness::entries([
        probe("app", &["db", "cache"]),
        probe("cache", &["db"]),
        probe("db", &[]),
        probe("metrics", &[]),
        probe("extra", &["db"]),
    ]);
    let manager = start_with(harness.builder().disable("extra"));
    harness.forget();
    (harness, manager)
}

#[test]
fn queries_list_everything_with_dependencies_and_dependents() {
    let (_, manager) = running();
    let plugins = manager.plugins();
    let names: Vec<_> = plugins.iter().map(|p| p.name()).collect();
    assert_eq!(names, ["app", "cache", "db", "extra", "metrics"]);
    let db = manager.info("db").unwrap();
    assert_eq!(db.state(), PluginState::Running);
    assert_eq!(db.dependents(), ["app", "cache", "extra"]);
    let app = manager.info("app").unwrap();
    let dependencies: Vec<_> = app.dependencies().iter().map(|d| d.name()).collect();
    assert_eq!(dependencies, ["db", "cache"]);
    assert_eq!(
        manager.info("extra").unwrap().state(),
        PluginState::Registered
    );
    assert!(manager.info("ghost").is_none());
    assert_eq!(manager.state("ghost"), None);
}

#[test]
fn typed_access_by_name_by_type_and_without_locking() {
    let (_, mut manager) = running();
    let name = manager
        .with_plugin("cache", |probe: &mut Probe| probe.name())
        .unwrap();
    assert_eq!(name, "cache");
    let first = manager
        .with_plugin_by_type(|probe: &mut Probe| probe.name())
        .unwrap();
    assert_eq!(first, "app");
    let error = manager
        .with_plugin("cache", |_: &mut Other| ())
        .unwrap_err();
    assert!(matches!(
        error,
        Error::WrongType {
            plugin,
            ..
        } if plugin == "cache"
    ));
    assert!(matches!(
        manager.with_plugin_by_type(|_: &mut Other| ()),
        Err(Error::NoPluginOfType { .. })
    ));
    assert_eq!(manager.plugin_mut::<Probe>("db").unwrap().name(), "db");
    assert!(manager.plugin_mut::<Probe>("extra").is_none(), "not live");
    assert!(manager.plugin_mut::<Other>("db").is_none(), "another type");
    assert!(
        manager.plugin_mut::<Probe>("ghost").is_none(),
        "not registered"
    );
    assert_eq!(manager.plugin_by_type_mut::<Probe>().unwrap().name(), "app");
    assert!(manager.plugin_by_type_mut::<Other>().is_none());
    let plugin: &mut dyn std::any::Any = manager.plugin_dyn_mut("cache").unwrap();
    assert_eq!(plugin.downcast_mut::<Probe>().unwrap().name(), "cache");
    let mut visited = Vec::new();
    manager.for_each_running_mut(|plugin| {
        let plugin: &mut dyn std::any::Any = plugin;
        visited.push(plugin.downcast_mut::<Probe>().unwrap().name());
    });
    assert_eq!(visited, ["db", "cache", "app", "metrics"]);
}

/// The names `for_each_running_mut` visits, in order.
fn dispatched(manager: &mut PluginManager<Active>) -> Vec<&'static str> {
    let mut visited = Vec::new();
    manager.for_each_running_mut(|plugin| {
        let plugin: &mut dyn std::any::Any = plugin;
        visited.push(plugin.downcast_mut::<Probe>().unwrap().name());
    });
    visited
}

#[test]
fn dispatch_follows_the_start_order_as_runtime_operations_change_it() {
    let (_, mut manager) = running();
    // `extra` sorts before `metrics` but is added last, so it starts, and is called, last.
    manager.add_plugin("extra").unwrap();
    assert_eq!(manager.live(), ["db", "cache", "app", "metrics", "extra"]);
    assert_eq!(
        dispatched(&mut manager),
        ["db", "cache", "app", "metrics", "extra"]
    );
    manager.stop_plugin("metrics").unwrap();
    assert_eq!(dispatched(&mut manager), ["db", "cache", "app", "extra"]);
    manager.restart_plugin("db").unwrap();
    assert_eq!(dispatched(&mut manager), ["db", "cache", "app", "extra"]);
}

#[test]
fn nested_access_and_control_inside_access_are_refused_not_deadlocked() {
    let (_, manager) = running();
    let inner = manager
        .with_plugin("app", |_: &mut Probe| {
            let nested = manager.with_plugin("db", |_: &mut Probe| ());
            let by_type = manager.with_plugin_by_type(|_: &mut Probe| ());
            assert!(matches!(
                by_type,
                Err(Error::Reentrant {
                    operation: "with_plugin_by_type",
                    ..
                })
            ));
            let control = manager.stop_plugin("app");
            let query = manager.info("app").map(|info| info.state());
            (nested, control, query)
        })
        .unwrap();
    assert!(matches!(
        inner.0,
        Err(Error::Reentrant {
            operation: "with_plugin",
            during: "with_plugin"
        })
    ));
    assert!(matches!(
        inner.1,
        Err(Error::Reentrant {
            operation: "stop_plugin",
            ..
        })
    ));
    assert_eq!(inner.2.unwrap(), PluginState::Running);
}

#[test]
fn a_closure_on_one_manager_may_use_another() {
    let (_, first) = running();
    let (_, second) = running();
    let (stopped, nested) = first
        .with_plugin("app", |_: &mut Probe| {
            let stopped = second.stop_plugin("metrics");
            let nested = second.with_plugin("db", |probe: &mut Probe| probe.name());
            (stopped, nested)
        })
        .unwrap();
    assert_eq!(stopped.unwrap(), ["metrics"]);
    assert_eq!(nested.unwrap(), "db");
    assert_eq!(second.state("metrics"), Some(PluginState::Stopped));
    assert_eq!(first.state("metrics"), Some(PluginState::Running));
    // Still refused on the same manager, and free again afterwards.
    let again = first.with_plugin("app", |_: &mut Probe| first.stop_plugin("metrics"));
    assert!(matches!(again, Ok(Err(Error::Reentrant { .. }))));
    assert_eq!(first.stop_plugin("metrics").unwrap(), ["metrics"]);
}

#[test]
fn stopping_a_plugin_stops_its_running_dependents_first() {
    let (harness, manager) = running();
    let stopped = manager.stop_plugin("db").unwrap();
    assert_eq!(stopped, ["app", "cache", "db"]);
    assert_eq!(harness.calls(Hook::Stop), ["app", "cache", "db"]);
    assert_eq!(
        manager.info("metrics").unwrap().state(),
        PluginState::Running
    );
    let error = manager.stop_plugin("db").unwrap_err();
    assert!(matches!(
        &error,
        Error::NotRunning {
            plugin,
            state: PluginState::Stopped
        } if plugin == "db"
    ));
    assert_eq!(error.to_string(), "plugin \"db\" is stopped, not running");
}

#[test]
fn starting_a_plugin_starts_its_stopped_dependencies_first() {
    let (harness, manager) = running();
    manager.stop_plugin("db").unwrap();
    harness.forget();
    assert_eq!(manager.start_plugin("app").unwrap(), ["db", "cache", "app"]);
    assert_eq!(harness.calls(Hook::Start), ["db", "cache", "app"]);
    let error = manager.start_plugin("app").unwrap_err();
    assert!(matches!(error, Error::AlreadyRunning { plugin } if plugin == "app"));
}

#[test]
fn a_failed_start_rolls_back_what_the_call_started() {
    let (harness, manager) = running();
    manager.stop_plugin("db").unwrap();
    harness.inject("app", Hook::Start, panics(Hook::Start));
    let error = manager.start_plugin("app").unwrap_err();
    let Error::HookFailed {
        plugin,
        failure,
        rolled_back,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*plugin, "app");
    assert_eq!(failure.hook, Hook::Start);
    assert_eq!(*rolled_back, ["cache", "db"]);
    assert_eq!(manager.info("app").unwrap().state(), PluginState::Excluded);
    assert_eq!(manager.info("db").unwrap().state(), PluginState::Stopped);
    assert_eq!(manager.info("cache").unwrap().state(), PluginState::Stopped);
    assert_eq!(
        manager.info("metrics").unwrap().state(),
        PluginState::Running
    );
    let error = manager.stop_plugin("app").unwrap_err();
    assert!(matches!(
        error,
        Error::NotRunning {
            state: PluginState::Excluded,
            ..
        }
    ));
}

#[test]
fn restart_replaces_the_instance_and_brings_dependents_back() {
    let (harness, manager) = running();
    let affected = manager.restart_plugin("cache").unwrap();
    assert_eq!(affected, ["cache", "app"]);
    assert_eq!(harness.calls(Hook::Stop), ["app", "cache"]);
    assert_eq!(harness.calls(Hook::Shutdown), ["cache"]);
    assert_eq!(harness.dropped(), ["cache"]);
    assert_eq!(harness.calls(Hook::Create), ["cache"]);
    assert_eq!(harness.calls(Hook::Validate), ["cache"]);
    assert_eq!(harness.calls(Hook::Init), ["cache"]);
    assert_eq!(harness.calls(Hook::Start), ["cache", "app"]);
    assert!(
        manager
            .plugins()
            .iter()
            .filter(|p| p.name() != "extra")
            .all(|p| p.state() == PluginState::Running)
    );
}

#[test]
fn a_restart_that_fails_excludes_the_plugin_and_its_dependents_only() {
    let (harness, manager) = running();
    harness.inject("cache", Hook::Init, fails(Hook::Init));
    let error = manager.restart_plugin("cache").unwrap_err();
    assert!(
        matches!(&error, Error::HookFailed { plugin, failure, .. } if plugin == "cache" && failure.hook == Hook::Init)
    );
    assert_eq!(
        manager.info("cache").unwrap().state(),
        PluginState::Excluded
    );
    let app = manager.info("app").unwrap();
    assert_eq!(app.state(), PluginState::Excluded);
    assert_eq!(
        app.reason().unwrap().to_string(),
        "depends on excluded \"cache\""
    );
    assert_eq!(manager.info("db").unwrap().state(), PluginState::Running);
    // The cause is gone: the plugin and then its dependent can come back.
    harness.heal("cache");
    assert_eq!(manager.add_plugin("cache").unwrap(), ["cache"]);
    assert_eq!(manager.start_plugin("app").unwrap(), ["app"]);
    drop(manager);
    let mut created = harness.calls(Hook::Create);
    let mut dropped = harness.dropped();
    created.sort();
    dropped.sort();
    // Four instances from startup plus three made at run time, each dropped exactly once.
    assert_eq!(created, ["app", "cache", "cache"]);
    assert_eq!(
        dropped,
        ["app", "app", "cache", "cache", "cache", "db", "metrics"]
    );
}

#[test]
fn hot_add_brings_a_left_out_plugin_in_through_the_whole_path() {
    let (harness, manager) = running();
    assert_eq!(manager.add_plugin("extra").unwrap(), ["extra"]);
    assert_lines(
        &harness.journal_lines(),
        "extra: create
         extra: validate
         extra: validate returned
         extra: init
         extra: init returned
         extra: start
         extra: start returned",
    );
    assert_eq!(manager.info("extra").unwrap().state(), PluginState::Running);
    let error = manager.add_plugin("extra").unwrap_err();
    assert!(matches!(
        error,
        Error::AlreadyLive {
            plugin,
            state: PluginState::Running
        } if plugin == "extra"
    ));
    // It stops before its dependency now that it is running.
    assert_eq!(
        manager.stop_plugin("db").unwrap(),
        ["extra", "app", "cache", "db"]
    );
}

#[test]
fn hot_add_that_fails_is_excluded_and_nothing_else_changes() {
    let (harness, manager) = running();
    harness.inject("extra", Hook::Validate, panics(Hook::Validate));
    let error = manager.add_plugin("extra").unwrap_err();
    assert!(matches!(
        &error,
        Error::HookFailed {
            plugin,
            ..
        } if plugin == "extra"
    ));
    let extra = manager.info("extra").unwrap();
    assert_eq!(extra.state(), PluginState::Excluded);
    assert_eq!(
        extra.reason().unwrap().to_string(),
        "validate panicked: scripted validate panic"
    );
    let report = manager.report();
    assert_eq!(report.in_state(PluginState::Running).count(), 4);
    // The start order holds live plugins only: the failed one is listed with the rest, by name.
    let order: Vec<_> = report.plugins().iter().map(|p| p.name()).collect();
    assert_eq!(order, ["db", "cache", "app", "metrics", "extra"]);
}

#[test]
fn hot_remove_takes_dependents_out_and_releases_everything() {
    let (harness, manager) = running();
    let removed = manager.remove_plugin("cache").unwrap();
    assert_eq!(removed, ["app", "cache"]);
    assert_eq!(harness.calls(Hook::Stop), ["app", "cache"]);
    assert_eq!(harness.calls(Hook::Shutdown), ["app", "cache"]);
    assert_eq!(harness.dropped(), ["app", "cache"]);
    assert_eq!(
        manager.info("cache").unwrap().state(),
        PluginState::Shutdown
    );
    let app = manager.info("app").unwrap();
    assert_eq!(app.state(), PluginState::Excluded);
    assert!(matches!(
        app.reason(),
        Some(ExclusionReason::DependencyRemoved {
            dependency
        }) if dependency == "cache"
    ));
    let error = manager.remove_plugin("cache").unwrap_err();
    assert!(matches!(
        error,
        Error::NotLive {
            plugin,
            state: PluginState::Shutdown
        } if plugin == "cache"
    ));
    // Adding the dependent first names what is missing and changes nothing.
    let error = manager.add_plugin("app").unwrap_err();
    assert!(matches!(
        error,
        Error::DependencyUnavailable {
            plugin: plugin1,
            dependency: dependency2,
            state: Some(PluginState::Shutdown)
        } if plugin1 == "app" && dependency2 == "cache"
    ));
    assert_eq!(manager.info("app").unwrap().state(), PluginState::Excluded);
    assert_eq!(manager.add_plugin("cache").unwrap(), ["cache"]);
    assert_eq!(manager.add_plugin("app").unwrap(), ["app"]);
    assert_eq!(manager.live(), ["db", "metrics", "cache", "app"]);
}

#[test]
fn plugins_excluded_for_a_cause_that_holds_cannot_be_added() {
    let manager = start_all([
        probe("loop-a", &["loop-b"]),
        probe("loop-b", &["loop-a"]),
        probe("orphan", &["nobody"]),
    ]);
    let error = manager.add_plugin("loop-a").unwrap_err();
    assert!(matches!(
        &error,
        Error::Unsatisfiable {
            plugin,
            reason: ExclusionReason::DependencyCycle { .. }
        } if plugin == "loop-a"
    ));
    let error = manager.start_plugin("orphan").unwrap_err();
    assert_eq!(
        error.to_string(),
        "plugin \"orphan\" cannot be added: depends on \"nobody\", which is not registered"
    );
    assert!(matches!(
        manager.restart_plugin("orphan"),
        Err(Error::NotLive { .. })
    ));
    assert!(matches!(
        manager.stop_plugin("ghost"),
        Err(Error::UnknownPlugin { .. })
    ));
}

#[test]
fn a_panic_in_a_runtime_stop_excludes_the_plugin_and_keeps_the_manager_usable() {
    let (harness, manager) = running();
    harness.inject("cache", Hook::Stop, panics(Hook::Stop));
    let error = manager.stop_plugin("cache").unwrap_err();
    assert!(matches!(
        &error,
        Error::HookFailed {
            plugin,
            ..
        } if plugin == "cache"
    ));
    assert_eq!(
        manager.info("cache").unwrap().state(),
        PluginState::Excluded
    );
    // `app` had stopped first; as a dependent of an excluded plugin it is excluded too.
    assert_eq!(manager.info("app").unwrap().state(), PluginState::Excluded);
    assert_eq!(manager.restart_plugin("metrics").unwrap(), ["metrics"]);
    assert!(harness.calls(Hook::Shutdown).contains(&"cache".to_owned()));
}

#[test]
fn observers_receive_runtime_events_in_order() {
    use std::sync::{Arc, Mutex};
    let (_, manager) = running();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let id = manager.observe(move |event| sink.lock().unwrap().push(format!("{event:?}")));
    manager.restart_plugin("metrics").unwrap();
    assert!(manager.remove_observer(id));
    manager.restart_plugin("metrics").unwrap();
    let events = events.lock().unwrap();
    let transitions: Vec<_> = events
        .iter()
        .map(|e| {
            e.split("to: ")
                .nth(1)
                .unwrap()
                .trim_end_matches(" }")
                .to_owned()
        })
        .collect();
    assert_eq!(
        transitions,
        [
            "Stopped",
            "Shutdown",
            "Created",
            "Validated",
            "Initialized",
            "Running"
        ]
    );
}

#[test]
fn re_adding_a_plugin_whose_factory_still_panics_reports_it_and_changes_nothing_else() {
    let (harness, manager) = running();
    manager.remove_plugin("metrics").unwrap();
    harness.inject("metrics", Hook::Create, panics(Hook::Create));
    for _ in 0..2 {
        let error = manager.add_plugin("metrics").unwrap_err();
        assert!(
            matches!(&error, Error::HookFailed { plugin, failure, .. } if plugin == "metrics" && failure.hook == Hook::Create),
            "{error:?}"
        );
        assert_eq!(
            manager.info("metrics").unwrap().state(),
            PluginState::Excluded
        );
    }
    assert_eq!(manager.live(), ["db", "cache", "app"]);
}

#[test]
fn required_plugins_cannot_be_disabled_or_removed() {
    let entries = || [support::required_probe("core", &[]), probe("extra", &[])];
    let error = PluginManager::builder()
        .entries(entries())
        .disable("core")
        .discover()
        .unwrap_err();
    assert!(matches!(
        error,
        Error::RequiredPlugin {
            plugin,
            action: Action::Disable
        } if plugin == "core"
    ));
    let manager = start_all(entries());
    let error = manager.remove_plugin("core").unwrap_err();
    assert_eq!(
        error.to_string(),
        "plugin \"core\" is required: it cannot be removed"
    );
    assert_eq!(manager.info("core").unwrap().state(), PluginState::Running);
}

#[test]
fn teardown_failures_reach_observers() {
    use std::sync::{Arc, Mutex};
    let (harness, manager) = running();
    let failed = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&failed);
    manager.observe(move |event| {
        if let plugin_factory::observe::Event::Failed { plugin, failure } = event {
            sink.lock()
                .unwrap()
                .push(format!("{plugin}:{}", failure.hook));
        }
    });
    manager.remove_plugin("metrics").unwrap();
    harness.inject("metrics", Hook::Start, fails(Hook::Start));
    harness.inject("metrics", Hook::Shutdown, panics(Hook::Shutdown));
    assert!(manager.add_plugin("metrics").is_err());
    // The start failure excludes it; the shutdown of its teardown fails too.
    assert_eq!(
        *failed.lock().unwrap(),
        ["metrics:start", "metrics:shutdown"]
    );
    let report = manager.report();
    let line = report.to_string();
    let line = line.lines().find(|l| l.starts_with("metrics")).unwrap();
    assert!(
        line.ends_with(
            "start failed: scripted start error; then shutdown panicked: scripted shutdown panic"
        ),
        "{line}"
    );
}

#[test]
fn adding_back_a_removed_plugin_starts_its_stopped_dependency_first() {
    let harness = Harness::entries([probe("db", &[]), probe("app", &["db"])]);
    let manager = harness.start().unwrap();
    manager.remove_plugin("app").unwrap();
    manager.stop_plugin("db").unwrap();
    harness.forget();
    let started = manager.add_plugin("app").unwrap();
    assert_eq!(started, ["db", "app"]);
    assert_eq!(manager.state("db"), Some(PluginState::Running));
    assert_eq!(manager.state("app"), Some(PluginState::Running));
    assert_eq!(harness.calls(Hook::Start), ["db", "app"]);
}

#[test]
fn a_runtime_cascade_names_the_direct_dependency() {
    let manager = start_all([
        probe("root", &[]),
        probe("mid", &["root"]),
        probe("leaf", &["mid"]),
    ]);
    manager.remove_plugin("root").unwrap();
    let reason = |name: &str| manager.info(name).unwrap().reason().unwrap().to_string();
    assert_eq!(reason("mid"), "depends on \"root\", which was removed");
    assert_eq!(reason("leaf"), "depends on \"mid\", which was removed");
}

#[test]
fn a_plugin_removed_and_added_back_has_no_reason_left_over() {
    let manager = start_all([probe("db", &[]), probe("app", &["db"])]);
    manager.remove_plugin("db").unwrap();
    assert!(manager.info("app").unwrap().reason().is_some());
    manager.add_plugin("db").unwrap();
    manager.add_plugin("app").unwrap();
    for name in ["db", "app"] {
        let info = manager.info(name).unwrap();
        assert_eq!(info.state(), PluginState::Running);
        assert!(info.reason().is_none(), "{name}: {:?}", info.reason());
    }
}

#[test]
fn a_stopped_plugin_removed_and_added_back_runs_again_last_in_the_order() {
    let manager = start_all([probe("db", &[]), probe("cache", &[])]);
    manager.stop_plugin("cache").unwrap();
    // Removing a stopped plugin is its only state change: it still leaves the start order.
    manager.remove_plugin("cache").unwrap();
    assert_eq!(manager.live(), ["db"]);
    assert_eq!(manager.add_plugin("cache").unwrap(), ["cache"]);
    assert_eq!(manager.live(), ["db", "cache"]);
    assert_eq!(manager.state("cache"), Some(PluginState::Running));
}

/// The old spellings kept until 1.0 (CHANGELOG.md, "Changed before this log was kept") mean
/// what the new ones do.
#[test]
#[allow(deprecated, reason = "the deprecated spellings are what is tested")]
fn the_old_spellings_kept_until_1_0_mean_what_the_new_ones_do() {
    assert_eq!(PluginState::ShutDown, PluginState::Shutdown);
    assert!(matches!(PluginState::Shutdown, PluginState::ShutDown));
    let hook: plugin_factory::Hook = Hook::Start;
    assert_eq!(hook, plugin_factory::report::Hook::Start);
    let reason: Option<plugin_factory::ExclusionReason> = None::<ExclusionReason>;
    assert!(reason.is_none());
    let cause: Option<plugin_factory::FailureCause> = None::<plugin_factory::report::FailureCause>;
    assert!(cause.is_none());
    let (_, manager) = running();
    let name = manager
        .with_named("cache", |probe: &mut Probe| probe.name())
        .unwrap();
    assert_eq!(name, "cache");
}
