//! Extension points and services: every result policy, the call order, subsets, historic calls,
//! failure isolation and the failure policy, services along declared dependencies, withdrawal
//! of instances that stop, calls from plugins, re-entrancy, and calls on several threads while
//! plugins stop and restart.

use crate::support::points;

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread;

use plugin_factory::config::{Config, Effect, Format, Loader};
use plugin_factory::extension::{CallError, ExtensionHandle, ServiceError};
use plugin_factory::phase::Active;
use plugin_factory::policy::OnCallbackFailure;
use plugin_factory::report::{ExclusionReason, FailureCause, Hook};
use plugin_factory::runtime::Name;
use plugin_factory::{Error, PluginError, PluginManager, PluginState};

use crate::support::start_with;
use plugin_factory::testing::{Fault, Harness, assert_lines};
use points::{
    Alpha, Beta, Caller, Consumer, Gamma, Keeper, Listen, Provider, Stamp, Tally, Tuned, kinds,
};

/// A running manager of the kinds called `names`, and the harness that watches it (its journal
/// read).
fn running(names: &[&str]) -> (Harness, PluginManager<Active>) {
    let harness = Harness::entries(kinds(names));
    let manager = harness.start().unwrap();
    harness.forget();
    (harness, manager)
}

/// The instances a `Listen` callback (or any other extension point's) was called on, in order,
/// since the journal was last read.
fn heard_by(harness: &Harness) -> Vec<String> {
    harness.calls(Hook::Callback)
}

/// Calls `Listen` with `message` on every implementation: who it reached (with the serial
/// number of the instance), in call order. No implementation may fail.
fn reached(manager: &PluginManager<Active>, message: &str) -> Vec<(Name, u32)> {
    let outcome = manager
        .extension::<dyn Listen>()
        .collect(|listener| listener.hear(message))
        .unwrap();
    assert!(outcome.failures().is_empty(), "{:?}", outcome.failures());
    assert_eq!(outcome.reached(), outcome.value().len());
    outcome.into_value()
}

/// Makes a historic call of `Listen` with `message`: how many implementations it reached now.
fn historic(manager: &PluginManager<Active>, message: &'static str) -> usize {
    let outcome = manager
        .extension::<dyn Listen>()
        .historic(move |listener| listener.hear(message).map(drop))
        .unwrap();
    assert!(outcome.failures().is_empty(), "{:?}", outcome.failures());
    outcome.reached()
}

/// The names in what [`reached`] gives.
fn names(reached: &[(Name, u32)]) -> Vec<&'static str> {
    reached.iter().map(|(name, _)| name.as_str()).collect()
}

/// The order `Listen` calls its implementations in.
fn call_order(manager: &PluginManager<Active>) -> Vec<&'static str> {
    names(&reached(manager, "order"))
}

/// What the instance of `alpha`, `beta` or `gamma` has heard.
fn heard(manager: &PluginManager<Active>, name: &str) -> Vec<String> {
    match name {
        "alpha" => manager.with_plugin(name, |p: &mut Alpha| p.0.heard()),
        "beta" => manager.with_plugin(name, |p: &mut Beta| p.0.heard()),
        "gamma" => manager.with_plugin(name, |p: &mut Gamma| p.0.heard()),
        _ => panic!("no such listener: {name}"),
    }
    .unwrap()
}

/// The serial number of the instance of `name` (`alpha`, `beta`, `gamma`).
fn serial_of(manager: &PluginManager<Active>, name: &str) -> u32 {
    match name {
        "alpha" => manager.with_plugin(name, |p: &mut Alpha| p.0.serial),
        "beta" => manager.with_plugin(name, |p: &mut Beta| p.0.serial),
        "gamma" => manager.with_plugin(name, |p: &mut Gamma| p.0.serial),
        _ => panic!("no such listener: {name}"),
    }
    .unwrap()
}

fn toml(text: &str) -> Config {
    Loader::new()
        .text("host.toml", Format::Toml, text)
        .load()
        .expect("the configuration parses")
}

fn failure_message(cause: &FailureCause) -> String {
    match cause {
        FailureCause::Error(error) => format!("error: {error}"),
        FailureCause::Panic(message) => format!("panic: {message}"),
        other => panic!("{other:?}"),
    }
}

// Result policies.

#[test]
fn call_reaches_every_implementation_in_order() {
    let (harness, manager) = running(&["alpha", "beta", "gamma", "bystander"]);
    let outcome = manager
        .extension::<dyn Listen>()
        .call(|listener| listener.hear("hello").map(drop))
        .unwrap();
    assert_eq!(outcome.reached(), 3);
    assert!(outcome.failures().is_empty());
    assert_eq!(heard_by(&harness), ["alpha", "beta", "gamma"]);
    for name in ["alpha", "beta", "gamma"] {
        assert_eq!(heard(&manager, name), ["hello"], "{name}");
    }
}

#[test]
fn collect_gives_each_value_by_plugin_in_call_order() {
    let (harness, manager) = running(&["alpha", "beta", "gamma"]);
    let values = reached(&manager, "count");
    assert_eq!(
        values,
        [
            (Name::from("alpha"), serial_of(&manager, "alpha")),
            (Name::from("beta"), serial_of(&manager, "beta")),
            (Name::from("gamma"), serial_of(&manager, "gamma")),
        ]
    );
    // A failing implementation gives no value; the others still do.
    harness.inject(
        "beta",
        Hook::Callback,
        Fault::error("beta refuses \"again\""),
    );
    harness.forget();
    let outcome = manager
        .extension::<dyn Listen>()
        .collect(|listener| listener.hear("again"))
        .unwrap();
    assert_eq!(names(outcome.value()), ["alpha", "gamma"]);
    assert_eq!(outcome.reached(), 3);
    assert_eq!(outcome.failures().len(), 1);
    assert_eq!(outcome.failures()[0].plugin(), "beta");
    assert_eq!(heard_by(&harness), ["alpha", "beta", "gamma"]);
}

#[test]
fn first_some_stops_at_the_first_some_and_calls_nothing_after_it() {
    let (harness, manager) = running(&["alpha", "beta", "gamma"]);
    // `alpha` answers nothing, `beta` answers: `gamma` is not called.
    let outcome = manager
        .extension::<dyn Listen>()
        .first_some(|listener| {
            let serial = listener.hear("who")?;
            Ok::<_, PluginError>((listener.name() != "alpha").then_some(serial))
        })
        .unwrap();
    let (name, serial) = outcome.value().unwrap();
    assert_eq!(name, "beta");
    assert_eq!(serial, serial_of(&manager, "beta"));
    assert_eq!(outcome.reached(), 2);
    assert_eq!(heard_by(&harness), ["alpha", "beta"]);
    assert!(heard(&manager, "gamma").is_empty());

    // Nobody answers: everyone is asked.
    let outcome = manager
        .extension::<dyn Listen>()
        .first_some(|listener| listener.hear("anyone").ok().filter(|_| false))
        .unwrap();
    assert!(outcome.value().is_none());
    assert_eq!(outcome.reached(), 3);

    // A failure is no answer: the next one is asked.
    harness.inject(
        "alpha",
        Hook::Callback,
        Fault::panic("alpha panics on \"still\""),
    );
    harness.forget();
    let outcome = manager
        .extension::<dyn Listen>()
        .first_some(|listener| listener.hear("still").map(Some))
        .unwrap();
    assert_eq!(outcome.value().unwrap().0, "beta");
    assert_eq!(outcome.failures().len(), 1);
    assert_eq!(outcome.failures()[0].plugin(), "alpha");
    assert_eq!(heard_by(&harness), ["alpha", "beta"]);
}

#[test]
fn until_error_collects_everything_when_nothing_fails() {
    let (_, manager) = running(&["alpha", "beta", "gamma"]);
    let outcome = manager
        .extension::<dyn Listen>()
        .until_error(|listener| listener.hear("all"))
        .unwrap();
    assert_eq!(names(outcome.value()), ["alpha", "beta", "gamma"]);
    assert_eq!(outcome.reached(), 3);
}

#[test]
fn until_error_stops_at_the_first_error_or_panic() {
    for (fault, expected) in [
        (
            Fault::error("beta refuses \"stop here\""),
            "error: beta refuses \"stop here\"",
        ),
        (
            Fault::panic("beta panics on \"stop here\""),
            "panic: beta panics on \"stop here\"",
        ),
    ] {
        let (harness, manager) = running(&["alpha", "beta", "gamma"]);
        harness.inject("beta", Hook::Callback, fault.clone());
        let error = manager
            .extension::<dyn Listen>()
            .until_error(|listener| listener.hear("stop here"))
            .unwrap_err();
        let CallError::Failed(failure) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(failure.plugin(), "beta");
        assert_eq!(failure.point(), "Listen");
        assert_eq!(failure_message(failure.cause()), expected);
        // `gamma` comes after the failure: it is not called.
        assert_eq!(heard_by(&harness), ["alpha", "beta"], "{fault:?}");
        assert!(heard(&manager, "gamma").is_empty(), "{fault:?}");
        harness.heal("beta");
    }
}

#[test]
fn fold_folds_every_implementation_in_call_order() {
    let (harness, manager) = running(&["alpha", "beta", "gamma"]);
    let outcome = manager
        .extension::<dyn Listen>()
        .fold(Vec::new(), |seen: &mut Vec<(&str, u32)>, listener| {
            seen.push((listener.name(), listener.hear("fold")?));
            Ok::<(), PluginError>(())
        })
        .unwrap();
    assert_eq!(outcome.reached(), 3);
    assert_eq!(
        outcome.into_value(),
        [
            ("alpha", serial_of(&manager, "alpha")),
            ("beta", serial_of(&manager, "beta")),
            ("gamma", serial_of(&manager, "gamma")),
        ]
    );
    // A failing callback leaves the accumulator as it left it, and the fold goes on.
    harness.inject(
        "beta",
        Hook::Callback,
        Fault::error("beta refuses \"count\""),
    );
    let outcome = manager
        .extension::<dyn Listen>()
        .fold(0, |count: &mut u32, listener| {
            listener.hear("count")?;
            *count += 1;
            Ok::<(), PluginError>(())
        })
        .unwrap();
    assert_eq!(*outcome.value(), 2);
    assert_eq!(outcome.reached(), 3);
    assert_eq!(outcome.failures()[0].plugin(), "beta");
}

// Order.

#[test]
fn higher_priority_goes_first_and_constraints_on_absent_plugins_are_ignored() {
    // By name the order would be a, b, c, f; `f-polite` names plugins that do not exist.
    let (_, manager) = running(&["a-low", "b-mid", "c-high", "f-polite"]);
    assert_eq!(
        call_order(&manager),
        ["c-high", "f-polite", "b-mid", "a-low"]
    );
}

#[test]
fn before_and_after_constraints_beat_priority() {
    // `d-late` runs before `c-high` (priority 10); `e-eager` (priority 20) after `a-low` (0).
    // Among those free to run, priority decides: `b-mid` first, then `a-low`, which frees
    // `e-eager`.
    let (_, manager) = running(&["a-low", "b-mid", "c-high", "d-late", "e-eager"]);
    assert_eq!(
        call_order(&manager),
        ["b-mid", "a-low", "e-eager", "d-late", "c-high"]
    );
    // Without `a-low`, `e-eager`'s constraint names no live plugin: its priority decides.
    manager.stop_plugin("a-low").unwrap();
    assert_eq!(
        call_order(&manager),
        ["e-eager", "b-mid", "d-late", "c-high"]
    );
}

#[test]
fn a_constraint_naming_a_kind_applies_to_its_instances() {
    let harness = Harness::entries(kinds(&["b-mid", "c-high", "d-late"]));

    let manager = start_with(harness.builder().config(toml(
        "[plugins.top]\nkind = \"c-high\"\n[plugins.b-mid]\n[plugins.d-late]\n",
    )));
    assert_eq!(manager.info("top").unwrap().kind(), "c-high");
    assert_eq!(call_order(&manager), ["b-mid", "d-late", "top"]);
}

#[test]
fn ties_go_by_dependency_order_then_by_name() {
    // `tie-app` depends on `tie-zed`: by name it would come first.
    let (_, manager) = running(&["tie-app", "tie-bob", "tie-zed"]);
    assert_eq!(call_order(&manager), ["tie-bob", "tie-zed", "tie-app"]);
    assert_eq!(call_order(&manager), manager.live());
}

#[test]
fn a_cycle_among_live_implementations_fails_every_call_until_one_of_them_stops() {
    let (harness, manager) = running(&["alpha", "cyc-a", "cyc-b", "cyc-c"]);
    let error = manager
        .extension::<dyn Listen>()
        .call(|listener| listener.hear("loop").map(drop))
        .unwrap_err();
    let CallError::OrderCycle { point, cycle } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*point, "Listen");
    let cycle: Vec<&str> = cycle.iter().map(|name| name.as_str()).collect();
    // Each runs before the next: `cyc-a` before `cyc-b` before `cyc-c` before `cyc-a`.
    assert_eq!(cycle, ["cyc-a", "cyc-b", "cyc-c", "cyc-a"]);
    assert_eq!(
        error.to_string(),
        "extension point Listen: the before/after constraints form a cycle: cyc-a -> cyc-b -> cyc-c -> cyc-a"
    );
    // Every policy fails, and nothing is called, not even `alpha`.
    let extension = || manager.extension::<dyn Listen>();
    assert!(extension().collect(|l| l.hear("x")).is_err());
    assert!(extension().first_some(|l| l.hear("x").ok()).is_err());
    assert!(extension().until_error(|l| l.hear("x")).is_err());
    assert!(extension().fold((), |(), l| l.hear("x").map(drop)).is_err());
    assert!(
        extension()
            .only(&["alpha"])
            .call(|l| l.hear("x").map(drop))
            .is_err()
    );
    assert!(heard_by(&harness).is_empty());

    // Without `cyc-b`, what is left holds: `cyc-c` before `cyc-a`.
    assert_eq!(manager.stop_plugin("cyc-b").unwrap(), ["cyc-b"]);
    assert_eq!(call_order(&manager), ["alpha", "cyc-c", "cyc-a"]);
    manager.start_plugin("cyc-b").unwrap();
    assert!(matches!(
        extension().call(|l| l.hear("x").map(drop)),
        Err(CallError::OrderCycle { .. })
    ));
    manager.remove_plugin("cyc-c").unwrap();
    assert_eq!(call_order(&manager), ["alpha", "cyc-a", "cyc-b"]);
}

// Subsets.

#[test]
fn only_calls_the_plugins_named_in_call_order() {
    let (harness, manager) = running(&["alpha", "beta", "gamma", "bystander"]);
    let outcome = manager
        .extension::<dyn Listen>()
        .only(&["gamma", "alpha"])
        .collect(|listener| listener.hear("some"))
        .unwrap();
    assert_eq!(names(outcome.value()), ["alpha", "gamma"]);
    assert_eq!(outcome.reached(), 2);
    // A plugin that does not implement the point, or is not running, is simply not called.
    manager.stop_plugin("beta").unwrap();
    harness.forget();
    let outcome = manager
        .extension::<dyn Listen>()
        .only(&["bystander", "beta", "gamma"])
        .call(|listener| listener.hear("fewer").map(drop))
        .unwrap();
    assert_eq!(outcome.reached(), 1);
    assert_eq!(heard_by(&harness), ["gamma"]);
}

#[test]
fn only_with_a_name_the_manager_does_not_have_fails_and_calls_nothing() {
    let (harness, manager) = running(&["alpha", "beta"]);
    let error = manager
        .extension::<dyn Listen>()
        .only(&["beta", "nobody"])
        .call(|listener| listener.hear("lost").map(drop))
        .unwrap_err();
    assert!(
        matches!(&error, CallError::UnknownPlugin { point: "Listen", plugin } if plugin == "nobody"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "extension point Listen: no plugin is called \"nobody\""
    );
    assert!(heard_by(&harness).is_empty());
    // The same before any implementation has ever been live.
    let (_, manager) = running(&["bystander"]);
    let error = manager
        .extension::<dyn Listen>()
        .only(&["nobody"])
        .call(|listener| listener.hear("lost").map(drop))
        .unwrap_err();
    assert!(
        matches!(&error, CallError::UnknownPlugin { point: "Listen", plugin } if plugin == "nobody"),
        "{error:?}"
    );
}

// Historic calls.

#[test]
fn a_historic_call_is_replayed_once_to_each_instance_that_becomes_live_later() {
    let harness = Harness::entries(kinds(&["alpha", "beta", "gamma"]));

    let mut manager = start_with(harness.builder().disable("gamma"));
    harness.forget();
    let outcome = manager
        .extension::<dyn Listen>()
        .historic(|listener| listener.hear("setup").map(drop))
        .unwrap();
    assert_eq!(outcome.reached(), 2);
    assert_eq!(heard_by(&harness), ["alpha", "beta"]);

    // Added later: it hears the setup as soon as it runs, before any other call.
    harness.forget();
    manager.add_plugin("gamma").unwrap();
    assert_lines(
        &harness.journal_lines(),
        "gamma: create
         gamma: validate
         gamma: validate returned
         gamma: init
         gamma: init returned
         gamma: start
         gamma: start returned
         gamma: extension point
         gamma: extension point returned",
    );
    assert_eq!(heard(&manager, "gamma"), ["setup"]);

    // Restarted: the fresh instance hears it once; nobody else hears it again.
    let old = serial_of(&manager, "beta");
    manager.restart_plugin("beta").unwrap();
    assert_ne!(serial_of(&manager, "beta"), old);
    assert_eq!(heard(&manager, "beta"), ["setup"]);
    assert_eq!(heard_by(&harness), ["beta"]);

    // Access to an instance takes it out of its points for a moment: it comes back without a
    // replay.
    assert_eq!(
        manager.plugin_mut::<Alpha>("alpha").unwrap().0.heard(),
        ["setup"]
    );
    assert_eq!(
        names(&reached(&manager, "ping")),
        ["alpha", "beta", "gamma"]
    );
    for name in ["alpha", "beta", "gamma"] {
        assert_eq!(heard(&manager, name), ["setup", "ping"], "{name}");
    }
}

#[test]
fn a_historic_call_made_before_any_implementation_runs_reaches_the_first_one() {
    let harness = Harness::entries(kinds(&["alpha", "bystander"]));

    let manager = start_with(harness.builder().disable("alpha"));
    let outcome = manager
        .extension::<dyn Listen>()
        .historic(|listener| listener.hear("first").map(drop))
        .unwrap();
    assert_eq!(outcome.reached(), 0);
    manager.add_plugin("alpha").unwrap();
    assert_eq!(heard(&manager, "alpha"), ["first"]);
    // Later historic calls reach it directly; a fresh instance hears them all, in order.
    assert_eq!(historic(&manager, "second"), 1);
    assert_eq!(heard(&manager, "alpha"), ["first", "second"]);
    manager.restart_plugin("alpha").unwrap();
    assert_eq!(heard(&manager, "alpha"), ["first", "second"]);
}

#[test]
fn only_restricts_the_replays_of_a_historic_call_too() {
    let harness = Harness::entries(kinds(&["alpha", "beta", "gamma"]));

    let manager = start_with(harness.builder().disable("gamma"));
    let outcome = manager
        .extension::<dyn Listen>()
        .only(&["beta", "gamma"])
        .historic(|listener| listener.hear("for beta and gamma").map(drop))
        .unwrap();
    assert_eq!(outcome.reached(), 1);
    manager.add_plugin("gamma").unwrap();
    manager.restart_plugin("alpha").unwrap();
    manager.restart_plugin("beta").unwrap();
    assert!(heard(&manager, "alpha").is_empty());
    assert_eq!(heard(&manager, "beta"), ["for beta and gamma"]);
    assert_eq!(heard(&manager, "gamma"), ["for beta and gamma"]);
}

#[test]
fn an_instance_that_starts_again_hears_only_the_historic_calls_it_missed() {
    let (_, manager) = running(&["alpha", "beta"]);
    assert_eq!(historic(&manager, "before"), 2);
    let serial = serial_of(&manager, "alpha");
    manager.stop_plugin("alpha").unwrap();
    assert_eq!(historic(&manager, "while stopped"), 1);
    manager.start_plugin("alpha").unwrap();
    // The same instance: it heard the first call already.
    assert_eq!(serial_of(&manager, "alpha"), serial);
    assert_eq!(heard(&manager, "alpha"), ["before", "while stopped"]);
    assert_eq!(heard(&manager, "beta"), ["before", "while stopped"]);
}

#[test]
fn a_historic_call_made_while_a_plugin_is_accessed_reaches_it_afterwards() {
    let (_, manager) = running(&["alpha", "beta"]);
    let (inside, release) = (Barrier::new(2), Barrier::new(2));
    thread::scope(|scope| {
        let access = scope.spawn(|| {
            manager.with_plugin("alpha", |_: &mut Alpha| {
                inside.wait();
                release.wait();
            })
        });
        inside.wait();
        // `alpha` is out of its points while the closure runs.
        assert_eq!(historic(&manager, "meanwhile"), 1);
        release.wait();
        access.join().unwrap().unwrap();
    });
    assert_eq!(heard(&manager, "beta"), ["meanwhile"]);
    assert_eq!(
        heard(&manager, "alpha"),
        ["meanwhile"],
        "replayed when it came back"
    );
}

#[test]
fn a_historic_call_that_is_refused_is_not_remembered() {
    let harness = Harness::entries(kinds(&["alpha", "beta"]));

    let manager = start_with(harness.builder().disable("beta"));
    let unknown = manager
        .extension::<dyn Listen>()
        .only(&["beta", "nobody"])
        .historic(|listener| listener.hear("unknown").map(drop));
    assert!(matches!(unknown, Err(CallError::UnknownPlugin { .. })));
    let reentrant = manager
        .with_plugin("alpha", |_: &mut Alpha| {
            manager
                .extension::<dyn Listen>()
                .historic(|listener| listener.hear("reentrant").map(drop))
        })
        .unwrap();
    assert!(matches!(reentrant, Err(CallError::Reentrant { .. })));
    manager.add_plugin("beta").unwrap();
    manager.restart_plugin("alpha").unwrap();
    assert!(heard(&manager, "alpha").is_empty());
    assert!(heard(&manager, "beta").is_empty());
}

// Failures.

#[test]
fn a_failing_implementation_is_reported_and_the_others_are_still_called() {
    let (harness, manager) = running(&["alpha", "beta", "gamma"]);
    harness.inject(
        "beta",
        Hook::Callback,
        Fault::error("beta refuses \"careful\""),
    );
    harness.inject(
        "gamma",
        Hook::Callback,
        Fault::panic("gamma panics on \"careful\""),
    );
    let outcome = manager
        .extension::<dyn Listen>()
        .call(|listener| listener.hear("careful").map(drop))
        .unwrap();
    assert_eq!(outcome.reached(), 3);
    let failures: Vec<_> = outcome
        .failures()
        .iter()
        .map(|f| (f.plugin(), f.point(), failure_message(f.cause())))
        .collect();
    assert_eq!(
        failures,
        [
            (
                Name::from("beta"),
                "Listen",
                "error: beta refuses \"careful\"".to_owned()
            ),
            (
                Name::from("gamma"),
                "Listen",
                "panic: gamma panics on \"careful\"".to_owned()
            ),
        ]
    );
    assert_eq!(
        outcome.failures()[0].to_string(),
        "plugin \"beta\": extension point Listen failed: beta refuses \"careful\""
    );
    assert_eq!(heard_by(&harness), ["alpha", "beta", "gamma"]);
    // By default, failing implementations stay live; each failure is in their record.
    for name in ["beta", "gamma"] {
        let info = manager.info(name).unwrap();
        assert_eq!(info.state(), PluginState::Running);
        assert_eq!(info.failures().len(), 1, "{name}");
        assert_eq!(info.failures()[0].hook, Hook::Callback);
    }
    assert_eq!(
        manager.info("beta").unwrap().failures()[0].to_string(),
        "extension point failed: Listen: beta refuses \"careful\""
    );
    assert!(manager.info("alpha").unwrap().failures().is_empty());
    harness.heal("beta");
    harness.heal("gamma");
    assert_eq!(reached(&manager, "again").len(), 3);
}

#[test]
fn with_exclude_after_two_an_implementation_is_excluded_at_its_second_failure() {
    let harness = Harness::entries(kinds(&["alpha", "beta", "follower"]));

    let manager = start_with(
        harness
            .builder()
            .on_callback_failure(OnCallbackFailure::ExcludeAfter(NonZeroU32::new(2).unwrap())),
    );
    harness.inject(
        "beta",
        Hook::Callback,
        Fault::error("beta refuses \"strike\""),
    );
    let call = || {
        manager
            .extension::<dyn Listen>()
            .call(|listener| listener.hear("strike").map(drop))
            .unwrap()
    };
    assert_eq!(call().failures().len(), 1);
    assert_eq!(manager.state("beta"), Some(PluginState::Running));
    assert_eq!(call().failures().len(), 1);
    // Excluded when the second failing call ended, with its dependent.
    let beta = manager.info("beta").unwrap();
    assert_eq!(beta.state(), PluginState::Excluded);
    assert_eq!(
        beta.reason().unwrap().to_string(),
        "extension point failed: Listen: beta refuses \"strike\""
    );
    assert!(matches!(
        beta.reason(),
        Some(ExclusionReason::Hook(failure)) if failure.hook == Hook::Callback
    ));
    assert_eq!(beta.failures().len(), 2);
    assert!(beta.failures().iter().all(|f| f.hook == Hook::Callback));
    let follower = manager.info("follower").unwrap();
    assert_eq!(follower.state(), PluginState::Excluded);
    assert_eq!(
        follower.reason().unwrap().to_string(),
        "depends on excluded \"beta\""
    );
    let report = manager.report();
    let line = report.to_string();
    let line = line.lines().find(|l| l.starts_with("beta")).unwrap();
    assert!(
        line.contains("extension point failed: Listen: beta refuses"),
        "{line}"
    );
    harness.forget();
    assert_eq!(call().reached(), 1);
    assert_eq!(heard_by(&harness), ["alpha"]);
}

#[test]
fn failures_of_a_nested_call_are_recorded_when_the_outermost_call_ends() {
    let harness = Harness::entries(kinds(&["alpha", "beta"]));

    let manager = start_with(
        harness
            .builder()
            .on_callback_failure(OnCallbackFailure::ExcludeAfter(NonZeroU32::new(1).unwrap())),
    );
    harness.inject(
        "beta",
        Hook::Callback,
        Fault::error("beta refuses \"inner\""),
    );
    let outer = manager
        .extension::<dyn Listen>()
        .only(&["alpha"])
        .call(|_| {
            let inner = manager
                .extension::<dyn Listen>()
                .only(&["beta"])
                .call(|listener| listener.hear("inner").map(drop))?;
            assert_eq!(inner.failures().len(), 1);
            Ok::<(), PluginError>(())
        })
        .unwrap();
    assert!(outer.failures().is_empty());
    assert_eq!(manager.info("beta").unwrap().failures().len(), 1);
    assert_eq!(manager.state("beta"), Some(PluginState::Excluded));
}

// Services.

#[test]
fn a_dependent_gets_the_service_of_its_dependency_and_of_nobody_else() {
    let (_, manager) = running(&["provider", "consumer", "outsider"]);
    let provider = manager
        .with_plugin("provider", |p: &mut Provider| p.serial)
        .unwrap();
    let (stamp, undeclared) = manager
        .with_plugin("consumer", |c: &mut Consumer| {
            (c.stamp.clone(), c.undeclared.clone())
        })
        .unwrap();
    assert_eq!(stamp.unwrap().serial(), provider);
    let error = undeclared.expect("`consumer` does not depend on `outsider`");
    let service = std::any::type_name::<dyn Stamp>();
    assert_eq!(
        error,
        ServiceError::Undeclared {
            plugin: Name::from("consumer"),
            provider: "outsider".to_owned(),
            service,
        }
    );
    assert_eq!(
        error.to_string(),
        format!(
            "plugin \"consumer\" asked for the `{service}` of \"outsider\", which it does not depend on: add it to `depends_on`"
        )
    );
}

#[test]
fn the_host_reaches_the_service_of_any_plugin_while_it_is_available() {
    let (_, manager) = running(&["provider", "consumer", "outsider"]);
    assert_eq!(
        manager.service::<dyn Stamp>("outsider").unwrap().serial(),
        u32::MAX
    );
    let serial = manager.service::<dyn Stamp>("provider").unwrap().serial();
    assert!(matches!(
        manager.service::<String>("provider"),
        Err(ServiceError::NotProvided { plugin: None, .. })
    ));
    assert!(matches!(
        manager.service::<dyn Stamp>("ghost"),
        Err(ServiceError::UnknownPlugin { .. })
    ));
    // A stopped provider's service is hidden; it is back, the same, when it runs again.
    assert_eq!(
        manager.stop_plugin("provider").unwrap(),
        ["consumer", "provider"]
    );
    let error = manager
        .service::<dyn Stamp>("provider")
        .map(drop)
        .unwrap_err();
    assert!(
        matches!(&error, ServiceError::Unavailable { plugin: None, provider, .. } if provider == "provider"),
        "{error:?}"
    );
    let host_error: Error = error.into();
    assert!(
        host_error
            .to_string()
            .starts_with("the host asked for the `")
    );
    manager.start_plugin("consumer").unwrap();
    assert_eq!(
        manager.service::<dyn Stamp>("provider").unwrap().serial(),
        serial
    );
    // Removed: gone.
    manager.remove_plugin("provider").unwrap();
    assert!(manager.service::<dyn Stamp>("provider").is_err());
}

#[test]
fn a_restarted_provider_serves_its_fresh_service_to_its_restarted_dependent() {
    let (_, manager) = running(&["provider", "consumer"]);
    let before = manager.service::<dyn Stamp>("provider").unwrap().serial();
    assert_eq!(
        manager.restart_plugin("provider").unwrap(),
        ["provider", "consumer"]
    );
    let provider = manager
        .with_plugin("provider", |p: &mut Provider| p.serial)
        .unwrap();
    assert_ne!(provider, before, "a fresh instance");
    let held = manager
        .with_plugin("consumer", |c: &mut Consumer| c.stamp.clone())
        .unwrap()
        .unwrap();
    assert_eq!(held.serial(), provider);
    let served = manager.service::<dyn Stamp>("provider").unwrap();
    assert!(Arc::ptr_eq(&held, &served));
}

// Withdrawal.

#[test]
fn stopped_and_removed_instances_are_not_called_and_a_restarted_one_is_called_fresh() {
    let (harness, manager) = running(&["alpha", "beta", "gamma"]);
    let first = reached(&manager, "one");
    assert_eq!(names(&first), ["alpha", "beta", "gamma"]);

    manager.stop_plugin("beta").unwrap();
    harness.forget();
    assert_eq!(names(&reached(&manager, "two")), ["alpha", "gamma"]);
    assert_eq!(heard_by(&harness), ["alpha", "gamma"]);
    assert_eq!(heard(&manager, "beta"), ["one"], "the stopped instance");

    // Started again: the same instance.
    manager.start_plugin("beta").unwrap();
    assert_eq!(reached(&manager, "three"), first);

    // Restarted: a fresh instance.
    manager.restart_plugin("beta").unwrap();
    let after = reached(&manager, "four");
    assert_eq!(names(&after), ["alpha", "beta", "gamma"]);
    assert_ne!(after[1].1, first[1].1);
    assert_eq!(after[1].1, serial_of(&manager, "beta"));
    assert_eq!(heard(&manager, "beta"), ["four"]);

    // Removed: gone.
    manager.remove_plugin("gamma").unwrap();
    harness.forget();
    assert_eq!(names(&reached(&manager, "five")), ["alpha", "beta"]);
    assert_eq!(heard_by(&harness), ["alpha", "beta"]);
}

#[test]
fn a_call_made_while_a_restart_stops_the_old_instance_does_not_reach_it() {
    let (_, manager) = running(&["alpha", "gated"]);
    let before = reached(&manager, "before");
    assert_eq!(names(&before), ["alpha", "gated"]);
    points::HOLD.store(true, SeqCst);
    let (during, after) = thread::scope(|scope| {
        let restart = scope.spawn(|| manager.restart_plugin("gated"));
        // The old instance's `stop` is running: it was taken out of the point first.
        points::STOPPING.wait();
        let during = reached(&manager, "during");
        points::RESUME.wait();
        assert_eq!(restart.join().unwrap().unwrap(), ["gated"]);
        (during, reached(&manager, "after"))
    });
    assert_eq!(names(&during), ["alpha"]);
    assert_eq!(names(&after), ["alpha", "gated"]);
    // (`reached` checks that no call failed: none reached an instance that was not running.)
    assert_ne!(after[1].1, before[1].1, "the fresh instance");
}

#[test]
fn a_reconfigured_implementation_stays_reachable_in_place_or_as_a_fresh_instance() {
    let harness = Harness::entries(kinds(&["alpha", "tuned"]));

    let mut manager = start_with(
        harness
            .builder()
            .config(toml("[plugins.alpha]\n[plugins.tuned.config]\nlevel = 1\n")),
    );
    let before = reached(&manager, "before");
    assert_eq!(names(&before), ["alpha", "tuned"]);

    let applied = manager
        .apply(toml("[plugins.alpha]\n[plugins.tuned.config]\nlevel = 2\n"))
        .unwrap();
    assert!(matches!(
        applied.outcome("tuned").unwrap().result,
        Effect::ReconfiguredInPlace
    ));
    assert_eq!(
        manager
            .with_plugin("tuned", |t: &mut Tuned| t.level.load(SeqCst))
            .unwrap(),
        2
    );
    assert_eq!(reached(&manager, "in place"), before, "the same instance");

    // A lower level re-creates it: the fresh instance is called.
    manager
        .apply(toml("[plugins.alpha]\n[plugins.tuned.config]\nlevel = 0\n"))
        .unwrap();
    let after = reached(&manager, "re-created");
    assert_eq!(names(&after), ["alpha", "tuned"]);
    assert_ne!(after[1].1, before[1].1);
    assert_eq!(
        manager
            .with_plugin("tuned", |t: &mut Tuned| t.core.heard())
            .unwrap(),
        ["re-created"]
    );
}

// Calls from plugins.

#[test]
fn a_plugin_calls_the_other_running_implementations_but_not_itself() {
    let harness = Harness::entries(kinds(&["alpha", "beta", "caller", "gamma"]));

    let manager = start_with(harness.builder().disable("gamma"));
    // `caller` starts after `alpha` and `beta`; while its `start` runs, it is not live.
    assert_eq!(harness.calls(Hook::Start), ["alpha", "beta", "caller"]);
    assert_eq!(heard_by(&harness), ["alpha", "beta"]);
    let calls = |manager: &PluginManager<Active>| {
        manager
            .with_plugin("caller", |caller: &mut Caller| caller.calls())
            .unwrap()
    };
    assert_eq!(calls(&manager), ["start reached alpha beta"]);
    assert_eq!(heard(&manager, "alpha"), ["caller start"]);
    // Live now, so a host call reaches it.
    assert_eq!(
        names(&reached(&manager, "host")),
        ["alpha", "beta", "caller"]
    );
    // While its `stop` runs, it is no longer live.
    harness.forget();
    manager.stop_plugin("caller").unwrap();
    assert_lines(
        &harness.journal_lines(),
        "caller: stop
         alpha: extension point
         alpha: extension point returned
         beta: extension point
         beta: extension point returned
         caller: stop returned",
    );
    assert_eq!(calls(&manager)[1..], ["stop reached alpha beta"]);
    // A plugin added later is reached by its calls too.
    manager.start_plugin("caller").unwrap();
    manager.add_plugin("gamma").unwrap();
    manager.stop_plugin("caller").unwrap();
    assert_eq!(
        calls(&manager).last().map(String::as_str),
        Some("stop reached alpha beta gamma")
    );
}

// Re-entrancy.

#[test]
fn a_host_call_inside_a_plugin_access_closure_is_refused_but_calls_nest_in_callbacks() {
    let (harness, manager) = running(&["alpha", "beta", "gamma"]);
    let refused = manager
        .with_plugin("beta", |_: &mut Beta| {
            manager
                .extension::<dyn Listen>()
                .call(|listener| listener.hear("inside").map(drop))
                .map(drop)
        })
        .unwrap();
    let error = refused.unwrap_err();
    assert!(
        matches!(
            error,
            CallError::Reentrant {
                operation: "extension point call",
                during: "with_plugin"
            }
        ),
        "{error:?}"
    );
    assert!(heard_by(&harness).is_empty());

    // A call inside a callback of a call is fine: each outer callback reaches all three.
    let outer = manager
        .extension::<dyn Listen>()
        .collect(|_| {
            let inner = manager
                .extension::<dyn Listen>()
                .collect(|listener| listener.hear("nested"))?;
            Ok::<usize, PluginError>(inner.reached())
        })
        .unwrap();
    assert!(outer.failures().is_empty());
    assert!(outer.value().iter().all(|(_, reached)| *reached == 3));
    // Three outer callbacks, each with three inner ones.
    assert_eq!(heard_by(&harness).len(), 3 + 9);
    for name in ["alpha", "beta", "gamma"] {
        assert_eq!(heard(&manager, name), ["nested"; 3], "{name}");
    }
    // And the manager is free again afterwards.
    assert_eq!(manager.restart_plugin("beta").unwrap(), ["beta"]);
}

// Threads.

const THREADS: usize = 4;
const ITERATIONS: usize = 2_000;
const ROUNDS: usize = 100;

/// Sets its flag when dropped: when its thread ends, whether it returned or panicked.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

#[test]
fn calls_on_four_threads_never_reach_a_stopped_instance_and_all_are_counted() {
    use points::{LOADS, TICKS, VIOLATIONS};
    let manager = Arc::new(running(&["load-a", "load-b", "load-c"]).1);
    let go = Arc::new(Barrier::new(THREADS + 1));
    let done = Arc::new(AtomicBool::new(false));

    let control = {
        let (manager, go, done) = (Arc::clone(&manager), Arc::clone(&go), Arc::clone(&done));
        thread::spawn(move || {
            // Set however the rounds end: a failed assertion here must end the workers' loops,
            // so that the test fails instead of hanging.
            let _done = SetOnDrop(done);
            go.wait();
            for _ in 0..ROUNDS {
                assert_eq!(manager.stop_plugin("load-a").unwrap(), ["load-c", "load-a"]);
                assert_eq!(
                    manager.start_plugin("load-c").unwrap(),
                    ["load-a", "load-c"]
                );
                assert_eq!(manager.restart_plugin("load-b").unwrap(), ["load-b"]);
                assert_eq!(
                    manager.restart_plugin("load-a").unwrap(),
                    ["load-a", "load-c"]
                );
                manager.stop_plugin("load-c").unwrap();
                manager.start_plugin("load-c").unwrap();
            }
        })
    };
    // Each worker makes its iterations, and goes on until the control rounds are over.
    let workers: Vec<_> = (0..THREADS)
        .map(|worker| {
            let (manager, go, done) = (Arc::clone(&manager), Arc::clone(&go), Arc::clone(&done));
            thread::spawn(move || {
                go.wait();
                let mut reached = 0;
                let mut iteration = 0;
                while iteration < ITERATIONS || !done.load(SeqCst) {
                    let extension = manager.extension::<dyn Tally>();
                    // Every policy, so that each walk is exercised.
                    let count = match (worker + iteration) % 5 {
                        0 => extension.call(|tally| tally.tick()).unwrap().reached(),
                        1 => extension
                            .collect(|tally| {
                                tally.tick();
                                Some(())
                            })
                            .unwrap()
                            .reached(),
                        2 => extension
                            .first_some(|tally| {
                                tally.tick();
                                None::<()>
                            })
                            .unwrap()
                            .reached(),
                        3 => extension
                            .fold(0, |count: &mut usize, tally| {
                                tally.tick();
                                *count += 1;
                            })
                            .unwrap()
                            .reached(),
                        _ => extension
                            .only(&["load-a", "load-c"])
                            .until_error(|tally| {
                                tally.tick();
                                Ok::<(), PluginError>(())
                            })
                            .unwrap()
                            .reached(),
                    };
                    assert!(count <= 3);
                    reached += count;
                    iteration += 1;
                }
                reached
            })
        })
        .collect();
    let reached: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    control.join().unwrap();

    assert_eq!(
        VIOLATIONS.load(SeqCst),
        0,
        "a call reached a stopped instance"
    );
    let ticks: usize = TICKS.iter().map(|t| t.load(SeqCst)).sum();
    assert_eq!(ticks, reached, "every call is counted once");
    // Three instances at startup, and a fresh `load-a` and `load-b` each round.
    assert_eq!(LOADS.load(SeqCst), 3 + 2 * ROUNDS);
    for name in ["load-a", "load-b", "load-c"] {
        assert_eq!(manager.state(name), Some(PluginState::Running), "{name}");
    }
    let manager = Arc::into_inner(manager).expect("every thread has finished");
    let report = manager.stop().shutdown();
    assert_eq!(report.in_state(PluginState::Shutdown).count(), 3);
}

/// A manager of `alpha` and `gamma` (left out by its configuration) under `ExcludeAfter(1)`,
/// with a historic call made, and the configuration that adds `gamma`; and the harness.
fn with_gamma_left_out() -> (Harness, plugin_factory::ManagerBuilder, Config) {
    let harness = Harness::entries(kinds(&["alpha", "gamma"]));
    let builder = harness
        .builder()
        .on_callback_failure(OnCallbackFailure::ExcludeAfter(NonZeroU32::new(1).unwrap()))
        .config(toml("[plugins.alpha]\n[plugins.gamma]\nenabled = false\n"));
    (harness, builder, toml("[plugins.alpha]\n[plugins.gamma]\n"))
}

#[test]
fn a_historic_call_failing_on_an_instance_that_apply_adds_excludes_it_when_apply_ends() {
    let (harness, builder, with_gamma) = with_gamma_left_out();
    let mut manager = start_with(builder);
    let setup = manager
        .extension::<dyn Listen>()
        .historic(|listener| listener.hear("setup").map(drop))
        .unwrap();
    assert_eq!(setup.reached(), 1);
    harness.inject(
        "gamma",
        Hook::Callback,
        Fault::error("gamma refuses \"setup\""),
    );
    manager.apply(with_gamma).unwrap();
    assert_eq!(manager.state("gamma"), Some(PluginState::Excluded));
    assert_eq!(manager.state("alpha"), Some(PluginState::Running));
}

#[tokio::test]
async fn the_async_manager_excludes_it_when_apply_ends_too() {
    use plugin_factory::executor::Tokio;
    let (harness, builder, with_gamma) = with_gamma_left_out();
    let manager = builder.discover().unwrap().into_async(Tokio);
    let manager = manager.validate().await.unwrap().init().await.unwrap();
    let mut manager = manager.start().await.unwrap();
    let setup = manager
        .extension::<dyn Listen>()
        .historic(|listener| listener.hear("setup").map(drop))
        .unwrap();
    assert_eq!(setup.reached(), 1);
    harness.inject(
        "gamma",
        Hook::Callback,
        Fault::error("gamma refuses \"setup\""),
    );
    manager.apply(with_gamma).await.unwrap();
    assert_eq!(manager.state("gamma"), Some(PluginState::Excluded));
    assert_eq!(manager.state("alpha"), Some(PluginState::Running));
    manager.shutdown().await;
}

#[test]
fn every_plugin_that_reaches_the_limit_in_one_call_is_excluded() {
    let harness = Harness::entries(kinds(&["alpha", "beta", "gamma"]));

    let manager = start_with(
        harness
            .builder()
            .on_callback_failure(OnCallbackFailure::ExcludeAfter(NonZeroU32::new(1).unwrap())),
    );
    harness.inject(
        "alpha",
        Hook::Callback,
        Fault::error("alpha refuses \"both fail\""),
    );
    harness.inject(
        "gamma",
        Hook::Callback,
        Fault::panic("gamma panics on \"both fail\""),
    );
    let calls = manager
        .extension::<dyn Listen>()
        .call(|listener| listener.hear("both fail").map(drop))
        .unwrap();
    assert_eq!(calls.failures().len(), 2);
    assert_eq!(manager.state("alpha"), Some(PluginState::Excluded));
    assert_eq!(manager.state("gamma"), Some(PluginState::Excluded));
    assert_eq!(manager.state("beta"), Some(PluginState::Running));
}

#[test]
fn a_stopped_implementation_reconfigured_in_place_stays_out_of_its_point() {
    let harness = Harness::entries(kinds(&["alpha", "tuned"]));

    let mut manager = start_with(
        harness
            .builder()
            .config(toml("[plugins.alpha]\n[plugins.tuned.config]\nlevel = 1\n")),
    );
    manager.stop_plugin("tuned").unwrap();
    let applied = manager
        .apply(toml("[plugins.alpha]\n[plugins.tuned.config]\nlevel = 2\n"))
        .unwrap();
    assert!(
        matches!(
            applied.outcome("tuned").unwrap().result,
            Effect::ReconfiguredInPlace
        ),
        "{applied}"
    );
    assert_eq!(manager.state("tuned"), Some(PluginState::Stopped));
    assert_eq!(names(&reached(&manager, "stopped")), ["alpha"]);
}

/// What a call of `Listen` through `handle`, made on a thread of its own, reached.
fn reached_from_a_thread(
    handle: &ExtensionHandle<dyn Listen>,
    message: &'static str,
) -> Vec<&'static str> {
    let handle = handle.clone();
    thread::spawn(move || {
        let calls = handle
            .extension()
            .collect(|listener| listener.hear(message))
            .unwrap();
        assert!(calls.failures().is_empty(), "{:?}", calls.failures());
        names(&calls.into_value())
    })
    .join()
    .unwrap()
}

#[test]
fn a_handle_a_plugin_keeps_calls_from_any_thread_what_runs_at_each_call() {
    fn owned<T: Clone + Send + Sync + 'static>(_: &T) {}
    let (harness, manager) = running(&["keeper", "alpha", "beta"]);
    let handle = manager
        .with_plugin("keeper", |keeper: &mut Keeper| keeper.handle.clone())
        .unwrap()
        .expect("taken in start");
    owned(&handle);
    assert_eq!(
        format!("{handle:?}"),
        "ExtensionHandle { point: \"Listen\", manager_shut_down: false }"
    );
    // The keeper's own implementation, at priority 3, comes first.
    assert_eq!(
        reached_from_a_thread(&handle, "one"),
        ["keeper", "alpha", "beta"]
    );
    manager.stop_plugin("beta").unwrap();
    assert_eq!(reached_from_a_thread(&handle, "two"), ["keeper", "alpha"]);
    manager.start_plugin("beta").unwrap();
    assert_eq!(
        reached_from_a_thread(&handle, "three"),
        ["keeper", "alpha", "beta"]
    );
    // The handle keeps no instance: one removed is dropped at once.
    manager.remove_plugin("alpha").unwrap();
    assert_eq!(harness.dropped(), ["alpha"]);
    assert_eq!(reached_from_a_thread(&handle, "four"), ["keeper", "beta"]);
    assert_eq!(heard(&manager, "beta"), ["one", "three", "four"]);

    let _report = manager.shutdown();
    assert!(format!("{handle:?}").contains("manager_shut_down: true"));
    let refused = handle
        .extension()
        .call(|listener| listener.hear("late").map(drop))
        .unwrap_err();
    assert!(matches!(
        refused,
        CallError::ManagerShutDown { point: "Listen" }
    ));
    assert_eq!(
        refused.to_string(),
        "extension point Listen: the plugin manager is shut down; no plugin can be called"
    );
}

#[test]
fn a_plugin_reads_its_own_placement_through_its_context() {
    let (_harness, manager) = running(&["keeper"]);
    let (placement, tally) = manager
        .with_plugin("keeper", |keeper: &mut Keeper| {
            (keeper.placement, keeper.tally_placement)
        })
        .unwrap();
    let placement = placement.expect("keeper implements Listen");
    assert_eq!(placement.priority, 3);
    assert!(placement.before.is_empty() && placement.after.is_empty());
    assert!(tally.is_none(), "keeper does not implement Tally");
}

#[test]
fn a_host_s_handle_sees_implementations_added_later_and_settles_failures_as_a_plugin_s_call() {
    let harness = Harness::entries(kinds(&["alpha", "beta", "gamma"]));
    let manager = start_with(
        harness
            .builder()
            .disable("beta")
            .disable("gamma")
            .on_callback_failure(OnCallbackFailure::ExcludeAfter(NonZeroU32::new(1).unwrap())),
    );
    // Taken before any other implementation runs.
    let handle = manager.extension_handle::<dyn Listen>();
    assert_eq!(reached_from_a_thread(&handle, "alone"), ["alpha"]);
    manager.add_plugin("beta").unwrap();
    assert_eq!(reached_from_a_thread(&handle, "joined"), ["alpha", "beta"]);

    harness.inject("beta", Hook::Callback, Fault::error("beta refuses \"x\""));
    let calls = handle
        .extension()
        .call(|listener| listener.hear("x").map(drop))
        .unwrap();
    // In the outcome at once; the exclusion the policy calls for is the manager's next
    // operation's, as for a call from a plugin's hook.
    assert_eq!(calls.failures().len(), 1);
    assert_eq!(calls.failures()[0].plugin(), "beta");
    assert_eq!(manager.state("beta"), Some(PluginState::Running));
    manager.add_plugin("gamma").unwrap();
    assert_eq!(manager.state("beta"), Some(PluginState::Excluded));
    assert_eq!(reached_from_a_thread(&handle, "after"), ["alpha", "gamma"]);
}

#[test]
fn an_awaited_call_through_a_handle_runs_in_a_task() {
    let (_harness, manager) = running(&["alpha", "beta"]);
    let handle = manager.extension_handle::<dyn Listen>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let reached = runtime
        .block_on(async move {
            tokio::spawn(async move {
                handle
                    .extension()
                    .collect_async(|listener| async move { listener.hear("awaited") })
                    .await
                    .map(|calls| names(&calls.into_value()))
            })
            .await
        })
        .unwrap()
        .unwrap();
    assert_eq!(reached, ["alpha", "beta"]);
    assert_eq!(heard(&manager, "alpha"), ["awaited"]);
}
