//! Exclusion: a plugin whose factory or hook fails or panics leaves the live set, is torn down
//! as far as it got and dropped exactly once; dependents follow; the others keep running.

use crate::support;

use crate::support::{Fault, calls, inject, journal, probe, required_probe, start_all};
use plugin_factory::report::{ExclusionReason, FailureCause, Hook, Report};
use plugin_factory::{Error, PluginManager, PluginState};

fn entries() -> Vec<&'static plugin_factory::registry::PluginEntry> {
    vec![
        probe("base", &[]),
        probe("victim", &["base"]),
        probe("dependent", &["victim"]),
        probe("bystander", &[]),
    ]
}

fn run_to_the_end() -> Report {
    start_all(entries()).stop().shutdown()
}

/// Runs the lifecycle with `hook` of `victim` faulty and checks what every fault must ensure.
fn exclude_victim(hook: Hook, fault: Fault) -> (Report, Vec<String>) {
    inject("victim", hook, fault);
    let report = run_to_the_end();
    let journal = journal();
    let victim = report.get("victim").unwrap();
    assert_eq!(victim.state(), PluginState::Excluded, "{report}");
    let Some(ExclusionReason::Hook(failure)) = victim.reason() else {
        panic!("expected a hook failure, got {:?}", victim.reason());
    };
    assert_eq!(failure.hook, hook);
    match (&failure.cause, fault) {
        (FailureCause::Error(error), Fault::Error) => {
            assert_eq!(error.to_string(), format!("scripted {hook} error"));
        }
        (FailureCause::Panic(message), Fault::Panic) => {
            assert_eq!(*message, format!("scripted {hook} panic"));
        }
        (cause, fault) => panic!("{cause:?} for {fault:?}"),
    }
    let dependent = report.get("dependent").unwrap();
    assert_eq!(dependent.state(), PluginState::Excluded);
    assert_eq!(
        dependent.reason().unwrap().to_string(),
        "depends on excluded \"victim\""
    );
    for healthy in ["base", "bystander"] {
        assert_eq!(
            report.get(healthy).unwrap().state(),
            PluginState::Shutdown,
            "{report}"
        );
        assert_eq!(
            calls(&journal, "start")
                .iter()
                .filter(|n| *n == healthy)
                .count(),
            1
        );
    }
    let mut dropped = calls(&journal, "drop");
    dropped.sort();
    let created = calls(&journal, "create");
    let mut expected: Vec<_> = created.clone();
    if hook == Hook::Create {
        expected.retain(|name| name != "victim");
    }
    expected.sort();
    assert_eq!(dropped, expected, "every instance is dropped exactly once");
    (report, journal)
}

fn ran(journal: &[String], name: &str, hook: &str) -> bool {
    journal
        .iter()
        .any(|entry| *entry == format!("{name}:{hook}"))
}

#[test]
fn a_panicking_factory_is_excluded() {
    let (_, journal) = exclude_victim(Hook::Create, Fault::Panic);
    assert!(!ran(&journal, "victim", "validate"));
    assert!(!ran(&journal, "dependent", "validate"));
}

#[test]
fn validate_errors_and_panics_exclude_before_anything_is_initialized() {
    for fault in [Fault::Error, Fault::Panic] {
        let (_, journal) = exclude_victim(Hook::Validate, fault);
        assert!(!ran(&journal, "victim", "init"));
        assert!(!ran(&journal, "victim", "shutdown"));
        assert!(!ran(&journal, "dependent", "init"));
        support::heal("victim");
    }
}

#[test]
fn init_failures_are_not_shut_down() {
    for fault in [Fault::Error, Fault::Panic] {
        let (_, journal) = exclude_victim(Hook::Init, fault);
        assert!(!ran(&journal, "victim", "shutdown"));
        assert!(!ran(&journal, "dependent", "init"));
        support::heal("victim");
    }
}

#[test]
fn start_failures_are_shut_down_and_initialized_dependents_too() {
    for fault in [Fault::Error, Fault::Panic] {
        let (_, journal) = exclude_victim(Hook::Start, fault);
        assert!(ran(&journal, "victim", "shutdown"));
        assert!(!ran(&journal, "victim", "stop"));
        assert!(ran(&journal, "dependent", "shutdown"));
        assert!(!ran(&journal, "dependent", "start"));
        let dependent_down = journal
            .iter()
            .position(|e| e == "dependent:shutdown")
            .unwrap();
        let victim_down = journal.iter().position(|e| e == "victim:shutdown").unwrap();
        assert!(
            dependent_down < victim_down,
            "dependents go first: {journal:?}"
        );
        support::heal("victim");
    }
}

#[test]
fn stop_failures_still_shut_down_and_drop() {
    for fault in [Fault::Error, Fault::Panic] {
        let (report, journal) = exclude_victim(Hook::Stop, fault);
        assert!(ran(&journal, "victim", "shutdown"));
        // The dependent had stopped already (reverse order), so it is shut down and excluded.
        assert!(ran(&journal, "dependent", "stop"));
        assert!(ran(&journal, "dependent", "shutdown"));
        assert!(report.to_string().contains("stop"));
        support::heal("victim");
    }
}

#[test]
fn shutdown_failures_are_reported_and_the_instance_dropped() {
    inject("victim", Hook::Shutdown, Fault::Panic);
    let report = run_to_the_end();
    let journal = journal();
    let victim = report.get("victim").unwrap();
    assert_eq!(victim.state(), PluginState::Excluded);
    assert_eq!(
        victim.reason().unwrap().to_string(),
        "shutdown panicked: scripted shutdown panic"
    );
    assert_eq!(calls(&journal, "drop").len(), 4);
    // Its dependent had shut down cleanly before it.
    assert_eq!(
        report.get("dependent").unwrap().state(),
        PluginState::Shutdown
    );
}

#[test]
fn a_required_plugin_that_fails_stops_everything_in_reverse_and_carries_the_report() {
    let entries = [
        probe("a", &[]),
        probe("b", &["a"]),
        required_probe("core", &["b"]),
        probe("late", &["core"]),
    ];
    inject("core", Hook::Start, Fault::Error);
    let error = PluginManager::from_entries(entries)
        .unwrap()
        .validate()
        .unwrap()
        .init()
        .unwrap()
        .start()
        .unwrap_err();
    let Error::RequiredPluginExcluded {
        plugin,
        reason,
        report,
    } = &error
    else {
        panic!("expected RequiredPluginExcluded, got {error:?}");
    };
    assert_eq!(*plugin, "core");
    assert_eq!(reason.to_string(), "start failed: scripted start error");
    assert_eq!(
        error.to_string(),
        "required plugin \"core\" was excluded: start failed: scripted start error"
    );
    let journal = journal();
    assert_eq!(calls(&journal, "start"), ["a", "b", "core"]);
    assert_eq!(calls(&journal, "stop"), ["b", "a"]);
    assert_eq!(calls(&journal, "shutdown"), ["late", "core", "b", "a"]);
    assert_eq!(calls(&journal, "drop").len(), 4);
    assert_eq!(report.get("a").unwrap().state(), PluginState::Shutdown);
    assert_eq!(report.get("late").unwrap().state(), PluginState::Excluded);
}

#[test]
fn a_required_plugin_failing_validation_fails_validate() {
    inject("must", Hook::Validate, Fault::Panic);
    let error = PluginManager::from_entries([required_probe("must", &[]), probe("other", &[])])
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(matches!(
        error,
        Error::RequiredPluginExcluded { plugin, .. } if plugin == "must"
    ));
    assert_eq!(calls(&journal(), "drop").len(), 2);
}

#[test]
fn a_required_plugin_with_a_panicking_factory_fails_discovery() {
    inject("must", Hook::Create, Fault::Panic);
    let error = PluginManager::from_entries([required_probe("must", &[])]).unwrap_err();
    assert!(matches!(
        error,
        Error::RequiredPluginExcluded { plugin, .. } if plugin == "must"
    ));
}

#[test]
fn excluded_plugins_are_dropped_when_excluded_not_at_shutdown() {
    inject("victim", Hook::Start, Fault::Error);
    let running = start_all(entries());
    let mut dropped = calls(&journal(), "drop");
    dropped.sort();
    assert_eq!(dropped, ["dependent", "victim"]);
    assert_eq!(running.live(), ["base", "bystander"]);
    drop(running);
    let mut dropped = calls(&journal(), "drop");
    dropped.sort();
    assert_eq!(dropped, ["base", "bystander"], "the rest once, at shutdown");
}

#[test]
fn optional_plugins_do_not_fail_transitions() {
    inject("victim", Hook::Init, Fault::Error);
    let initialized = PluginManager::from_entries(entries())
        .unwrap()
        .validate()
        .unwrap()
        .init();
    assert!(initialized.is_ok());
}

#[test]
fn a_failing_stop_is_called_once_and_recorded_once() {
    inject("sticky", Hook::Stop, Fault::Error);
    let manager = start_all([probe("sticky", &[])]);
    let report = manager.stop().shutdown();
    assert_eq!(calls(&journal(), "stop"), ["sticky"]);
    let sticky = report.get("sticky").unwrap();
    let stops: Vec<_> = sticky
        .failures()
        .iter()
        .filter(|failure| failure.hook == Hook::Stop)
        .collect();
    assert_eq!(stops.len(), 1, "{report}");
}

#[test]
fn a_plugin_that_fails_start_is_reported_after_the_running_ones() {
    inject("beta", Hook::Start, Fault::Error);
    let manager = start_all([probe("alpha", &[]), probe("beta", &[]), probe("gamma", &[])]);
    let report = manager.report();
    let order: Vec<_> = report
        .plugins()
        .iter()
        .map(|p| p.name().to_string())
        .collect();
    assert_eq!(order, ["alpha", "gamma", "beta"]);
}

#[test]
fn the_table_prints_the_excluding_failure_once() {
    inject("once", Hook::Init, Fault::Error);
    let manager = start_all([probe("once", &[])]);
    let table = manager.report().to_string();
    assert_eq!(
        table.matches("init failed: scripted init error").count(),
        1,
        "{table}"
    );
    assert!(!table.contains("; then"), "{table}");
}
