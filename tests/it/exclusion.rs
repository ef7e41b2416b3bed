//! Exclusion: a plugin whose factory or hook fails or panics leaves the live set, is torn down
//! as far as it got and dropped exactly once; dependents follow; the others keep running.

use crate::support::{fails, panics, probe, required_probe};
use plugin_factory::report::{ExclusionReason, FailureCause, Hook, Report};
use plugin_factory::testing::Harness;
use plugin_factory::{Error, PluginState};

/// How an injected hook misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Error,
    Panic,
}

impl Fault {
    fn of(self, hook: Hook) -> plugin_factory::testing::Fault {
        match self {
            Fault::Error => fails(hook),
            Fault::Panic => panics(hook),
        }
    }
}

fn entries() -> Vec<&'static plugin_factory::registry::PluginEntry> {
    vec![
        probe("base", &[]),
        probe("victim", &["base"]),
        probe("dependent", &["victim"]),
        probe("bystander", &[]),
    ]
}

fn run_to_the_end(harness: &Harness) -> Report {
    harness.start().unwrap().stop().shutdown()
}

/// Runs the lifecycle with `hook` of `victim` faulty and checks what every fault must ensure;
/// returns the report and the journal's lines.
fn exclude_victim(hook: Hook, fault: Fault) -> (Report, Vec<String>) {
    let harness = Harness::entries(entries());
    harness.inject("victim", hook, fault.of(hook));
    let report = run_to_the_end(&harness);
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
            harness
                .calls(Hook::Start)
                .iter()
                .filter(|n| *n == healthy)
                .count(),
            1
        );
    }
    let mut dropped = harness.dropped();
    dropped.sort();
    let created = harness.calls(Hook::Create);
    let mut expected: Vec<_> = created.clone();
    if hook == Hook::Create {
        expected.retain(|name| name != "victim");
    }
    expected.sort();
    assert_eq!(dropped, expected, "every instance is dropped exactly once");
    let journal = harness.journal_lines().lines().map(str::to_owned).collect();
    (report, journal)
}

fn ran(journal: &[String], name: &str, hook: &str) -> bool {
    journal
        .iter()
        .any(|entry| *entry == format!("{name}: {hook}"))
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
    }
}

#[test]
fn init_failures_are_not_shut_down() {
    for fault in [Fault::Error, Fault::Panic] {
        let (_, journal) = exclude_victim(Hook::Init, fault);
        assert!(!ran(&journal, "victim", "shutdown"));
        assert!(!ran(&journal, "dependent", "init"));
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
            .position(|e| e == "dependent: shutdown")
            .unwrap();
        let victim_down = journal
            .iter()
            .position(|e| e == "victim: shutdown")
            .unwrap();
        assert!(
            dependent_down < victim_down,
            "dependents go first: {journal:?}"
        );
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
    }
}

#[test]
fn shutdown_failures_are_reported_and_the_instance_dropped() {
    let harness = Harness::entries(entries());
    harness.inject("victim", Hook::Shutdown, panics(Hook::Shutdown));
    let report = run_to_the_end(&harness);
    let victim = report.get("victim").unwrap();
    assert_eq!(victim.state(), PluginState::Excluded);
    assert_eq!(
        victim.reason().unwrap().to_string(),
        "shutdown panicked: scripted shutdown panic"
    );
    assert_eq!(harness.dropped().len(), 4);
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
    let harness = Harness::entries(entries);
    harness.inject("core", Hook::Start, fails(Hook::Start));
    let error = harness
        .builder()
        .discover()
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
    assert_eq!(harness.calls(Hook::Start), ["a", "b", "core"]);
    assert_eq!(harness.calls(Hook::Stop), ["b", "a"]);
    assert_eq!(harness.calls(Hook::Shutdown), ["late", "core", "b", "a"]);
    assert_eq!(harness.dropped().len(), 4);
    assert_eq!(report.get("a").unwrap().state(), PluginState::Shutdown);
    assert_eq!(report.get("late").unwrap().state(), PluginState::Excluded);
}

#[test]
fn a_required_plugin_failing_validation_fails_validate() {
    let harness = Harness::entries([required_probe("must", &[]), probe("other", &[])]);
    harness.inject("must", Hook::Validate, panics(Hook::Validate));
    let error = harness
        .builder()
        .discover()
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(matches!(
        error,
        Error::RequiredPluginExcluded { plugin, .. } if plugin == "must"
    ));
    assert_eq!(harness.dropped().len(), 2);
}

#[test]
fn a_required_plugin_with_a_panicking_factory_fails_discovery() {
    let harness = Harness::entries([required_probe("must", &[])]);
    harness.inject("must", Hook::Create, panics(Hook::Create));
    let error = harness.builder().discover().unwrap_err();
    assert!(matches!(
        error,
        Error::RequiredPluginExcluded { plugin, .. } if plugin == "must"
    ));
}

#[test]
fn excluded_plugins_are_dropped_when_excluded_not_at_shutdown() {
    let harness = Harness::entries(entries());
    harness.inject("victim", Hook::Start, fails(Hook::Start));
    let running = harness.start().unwrap();
    let mut dropped = harness.dropped();
    dropped.sort();
    assert_eq!(dropped, ["dependent", "victim"]);
    assert_eq!(running.live(), ["base", "bystander"]);
    harness.forget();
    drop(running);
    let mut dropped = harness.dropped();
    dropped.sort();
    assert_eq!(dropped, ["base", "bystander"], "the rest once, at shutdown");
}

#[test]
fn optional_plugins_do_not_fail_transitions() {
    let harness = Harness::entries(entries());
    harness.inject("victim", Hook::Init, fails(Hook::Init));
    let initialized = harness
        .builder()
        .discover()
        .unwrap()
        .validate()
        .unwrap()
        .init();
    assert!(initialized.is_ok());
}

#[test]
fn a_failing_stop_is_called_once_and_recorded_once() {
    let harness = Harness::entries([probe("sticky", &[])]);
    harness.inject("sticky", Hook::Stop, fails(Hook::Stop));
    let report = harness.start().unwrap().stop().shutdown();
    assert_eq!(harness.calls(Hook::Stop), ["sticky"]);
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
    let harness = Harness::entries([probe("alpha", &[]), probe("beta", &[]), probe("gamma", &[])]);
    harness.inject("beta", Hook::Start, fails(Hook::Start));
    let manager = harness.start().unwrap();
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
    let harness = Harness::entries([probe("once", &[])]);
    harness.inject("once", Hook::Init, fails(Hook::Init));
    let manager = harness.start().unwrap();
    let table = manager.report().to_string();
    assert_eq!(
        table.matches("init failed: scripted init error").count(),
        1,
        "{table}"
    );
    assert!(!table.contains("; then"), "{table}");
}
