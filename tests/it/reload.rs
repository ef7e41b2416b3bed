//! Live reload: `plan` says what a new configuration changes without touching anything;
//! `apply` changes exactly that. Unchanged instances see nothing; a bad configuration changes
//! nothing and lists every problem; a failing hook excludes only its instance.

use crate::support;
use crate::support::kinds;

use std::sync::{Arc, Mutex};

use plugin_factory::config::{Change, Config, Effect, Format, Loader};
use plugin_factory::observe::Event;
use plugin_factory::phase::Active;
use plugin_factory::report::Hook;
use plugin_factory::testing::{Fault, Harness};
use plugin_factory::{Error, PluginManager, PluginState};

use kinds::{Echo, Store};

const BASE: &str = "
[plugins.echo.config]
greeting = \"hi\"

[plugins.store-a]
kind = \"store\"

[plugins.store-b]
kind = \"store\"

[plugins.app]
bind = { store = \"store-a\" }

[plugins.flaky]
[plugins.plain]
";

fn toml(text: &str) -> Config {
    Loader::new()
        .text("host.toml", Format::Toml, text)
        .load()
        .expect("the configuration parses")
}

/// `BASE` with `extra` laid over it, as a later layer.
fn changed(extra: &str) -> Config {
    Loader::new()
        .text("host.toml", Format::Toml, BASE)
        .text("change.toml", Format::Toml, extra)
        .load()
        .expect("the change parses")
}

/// The running manager on `BASE`, with an observer that collects the names in every event,
/// and the harness that watches it (its journal read).
fn running() -> (Harness, PluginManager<Active>, Arc<Mutex<Vec<String>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let harness = Harness::entries(kinds::entries()).config(toml(BASE));
    let manager = support::start_with(
        harness
            .builder()
            .observe(move |event: &Event| sink.lock().unwrap().push(event.plugin().to_string())),
    );
    events.lock().unwrap().clear();
    harness.forget();
    (harness, manager, events)
}

fn serial(manager: &mut PluginManager<Active>, name: &str) -> u32 {
    match manager.plugin_mut::<Store>(name) {
        Some(store) => store.serial,
        None => manager.plugin_mut::<Echo>(name).unwrap().serial,
    }
}

fn state(manager: &PluginManager<Active>, name: &str) -> Option<PluginState> {
    manager.info(name).map(|info| info.state())
}

#[test]
fn the_same_configuration_plans_nothing_and_applies_nothing() {
    let (harness, mut manager, events) = running();
    let before = serial(&mut manager, "store-a");
    let plan = manager.plan(&toml(BASE)).unwrap();
    assert!(plan.is_empty(), "{plan}");
    assert_eq!(plan.unchanged().len(), 7);
    let applied = manager.apply(toml(BASE)).unwrap();
    assert!(applied.outcomes().is_empty());
    assert_eq!(serial(&mut manager, "store-a"), before, "the same instance");
    assert!(events.lock().unwrap().is_empty());
    assert!(harness.journal_lines().is_empty());
}

#[test]
fn a_plan_lists_each_change_and_touches_nothing() {
    let (harness, manager, events) = running();
    let next = changed(
        "[plugins.store-c]\nkind = \"store\"\n[plugins.store-b]\nenabled = false\n[plugins.echo.config]\ngreeting = \"hello\"\n",
    );
    let plan = manager.plan(&next).unwrap();
    assert_eq!(
        plan.to_string(),
        "- store-b (store): remove\n~ echo (echo): reconfigure\n+ store-c (store): add\n5 unchanged\n"
    );
    assert_eq!(plan.change("echo"), Some(&Change::Reconfigure));
    assert!(events.lock().unwrap().is_empty());
    assert!(harness.journal_lines().is_empty());
    assert_eq!(state(&manager, "store-b"), Some(PluginState::Running));
}

#[test]
fn apply_adds_removes_and_reconfigures_in_place_and_leaves_the_rest_alone() {
    let (harness, mut manager, events) = running();
    let untouched = serial(&mut manager, "store-a");
    let next = changed(
        "[plugins.store-c]\nkind = \"store\"\n[plugins.store-b]\nenabled = false\n[plugins.store-a.config]\ncapacity = 20\n",
    );
    let applied = manager.apply(next).unwrap();
    assert!(applied.is_clean(), "{applied}");
    assert!(matches!(
        applied.outcome("store-a").unwrap().result,
        Effect::ReconfiguredInPlace
    ));
    assert_eq!(
        serial(&mut manager, "store-a"),
        untouched,
        "reconfigured in place"
    );
    assert_eq!(
        manager
            .plugin_mut::<Store>("store-a")
            .unwrap()
            .config
            .capacity,
        20
    );
    assert_eq!(state(&manager, "store-c"), Some(PluginState::Running));
    assert!(state(&manager, "store-b").is_none_or(|state| !state.is_live()));
    assert_eq!(harness.calls(Hook::Stop), ["store-b"]);
    assert_eq!(harness.calls(Hook::Reconfigure), ["store-a"]);
    assert_eq!(harness.calls(Hook::Start), ["store-c"]);
    let mut touched = events.lock().unwrap().clone();
    touched.sort();
    touched.dedup();
    assert_eq!(
        touched,
        ["store-b", "store-c"],
        "no event for anything else"
    );
    assert_eq!(
        manager.live(),
        [
            "core", "echo", "flaky", "plain", "store-a", "app", "store-c"
        ]
    );
}

#[test]
fn a_declined_reconfigure_recreates_the_instance_and_restarts_its_dependents() {
    let (harness, mut manager, _) = running();
    let app_before = manager.info("app").unwrap().state();
    let store_before = serial(&mut manager, "store-a");
    let applied = manager
        .apply(changed("[plugins.store-a.config]\ncapacity = 1\n"))
        .unwrap();
    assert_eq!(
        applied.to_string(),
        "~ store-a (store): reconfigure: done, re-created\n* app (app): restart, because \"store-a\" is re-created: done\n"
    );
    assert_ne!(
        serial(&mut manager, "store-a"),
        store_before,
        "a new instance"
    );
    assert_eq!(
        manager
            .plugin_mut::<Store>("store-a")
            .unwrap()
            .config
            .capacity,
        1
    );
    assert_eq!(
        harness.calls(Hook::Stop),
        ["app", "store-a"],
        "the dependent first"
    );
    assert_eq!(harness.calls(Hook::Start), ["store-a", "app"]);
    assert_eq!(app_before, state(&manager, "app").unwrap());
}

#[test]
fn a_new_binding_recreates_the_dependent_only() {
    let (_, mut manager, _) = running();
    let store_a = serial(&mut manager, "store-a");
    let plan = manager
        .plan(&changed("[plugins.app]\nbind = { store = \"store-b\" }\n"))
        .unwrap();
    assert_eq!(plan.to_string(), "! app (app): re-create\n6 unchanged\n");
    manager
        .apply(changed("[plugins.app]\nbind = { store = \"store-b\" }\n"))
        .unwrap();
    assert_eq!(manager.info("store-b").unwrap().dependents(), ["app"]);
    assert!(manager.info("store-a").unwrap().dependents().is_empty());
    assert_eq!(serial(&mut manager, "store-a"), store_a);
}

#[test]
fn a_re_created_instance_restarts_its_live_dependent_that_has_no_change_of_its_own() {
    // `front` depends on `app`; a new binding re-creates `app`, and `front`, unchanged, is
    // stopped before it and started after it, the same instance.
    let front = support::probe("front", &["app"]);
    let harness = Harness::entries(kinds::entries().chain([front])).config(toml(BASE));
    let mut manager = support::start_with(harness.builder());
    harness.forget();
    let change = "[plugins.app]\nbind = { store = \"store-b\" }\n";
    let plan = manager.plan(&changed(change)).unwrap().to_string();
    let lines: Vec<&str> = plan.lines().collect();
    assert_eq!(lines.len(), 3, "{plan}");
    assert!(lines[0].contains("app (app): re-create"), "{plan}");
    assert!(
        lines[1].contains("front") && lines[1].contains("restart") && lines[1].contains("app"),
        "{plan}"
    );
    assert_eq!(lines[2], "6 unchanged", "{plan}");
    let applied = manager.apply(changed(change)).unwrap();
    assert!(applied.is_clean(), "{applied}");
    assert_eq!(harness.calls(Hook::Stop), ["front", "app"]);
    assert_eq!(harness.calls(Hook::Create), ["app"]);
    assert_eq!(harness.calls(Hook::Start), ["app", "front"]);
    assert_eq!(state(&manager, "front"), Some(PluginState::Running));

    // A dependent that is not live is not restarted: excluded (its stop failed), it stays so.
    harness.inject("front", Hook::Stop, Fault::error("stuck"));
    let _ = manager.stop_plugin("front");
    assert_eq!(state(&manager, "front"), Some(PluginState::Excluded));
    harness.forget();
    let back = "[plugins.app]\nbind = { store = \"store-a\" }\n";
    let plan = manager.plan(&changed(back)).unwrap().to_string();
    assert!(!plan.contains("restart"), "{plan}");
    assert!(manager.apply(changed(back)).unwrap().is_clean());
    assert_eq!(harness.calls(Hook::Start), ["app"]);
    assert_eq!(state(&manager, "front"), Some(PluginState::Excluded));
}

#[test]
fn removing_a_dependency_takes_its_dependents_down_first() {
    let (harness, mut manager, _) = running();
    let applied = manager
        .apply(changed(
            "[plugins.store-a]\nenabled = false\n[plugins.app]\nenabled = false\n",
        ))
        .unwrap();
    assert!(applied.is_clean(), "{applied}");
    assert_eq!(harness.calls(Hook::Stop), ["app", "store-a"]);
    assert!(
        !manager
            .live()
            .iter()
            .any(|name| name == "app" || name == "store-a")
    );
}

#[test]
fn a_bad_configuration_changes_nothing_and_lists_every_problem() {
    let (harness, mut manager, events) = running();
    let bad = changed(
        "[plugins.echo.config]\ngreeting = 3\n[plugins.cache]\nkind = \"stor\"\n[plugins.app]\nbind = { store = \"nowhere\" }\n",
    );
    let error = manager.apply(bad).unwrap_err();
    let Error::Config(error) = &error else {
        panic!("{error}")
    };
    let problems: Vec<String> = error.problems().iter().map(|p| p.path.clone()).collect();
    assert_eq!(
        problems,
        [
            "plugins.cache",
            "plugins.echo.config.greeting",
            "plugins.app.bind.store"
        ]
    );
    assert!(
        error.to_string().starts_with(
            "invalid configuration: 3 problems\n  plugins.cache: unknown kind \"stor\""
        ),
        "{error}"
    );
    assert!(events.lock().unwrap().is_empty());
    assert!(harness.journal_lines().is_empty());
    assert_eq!(manager.live().len(), 7);
}

#[test]
fn a_dependency_that_would_not_resolve_is_refused_before_anything_changes() {
    let (_, mut manager, _) = running();
    let unbound = BASE.replace("bind = { store = \"store-a\" }", "");
    let error = manager.plan(&toml(&unbound)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid configuration: plugins.app: depends on \"store\", which has several instances (\"store-a\", \"store-b\"): choose one with `bind = { store = \"...\" }` (at host.toml:11:1)"
    );
    let error = manager
        .apply(changed("[plugins.store-a]\nenabled = false\n"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid configuration: plugins.app: depends on \"store-a\", which is not enabled (at host.toml:11:1)"
    );
    assert_eq!(manager.live().len(), 7);
}

#[test]
fn a_reconfigure_that_fails_or_panics_excludes_that_instance_and_the_plan_goes_on() {
    for (flag, message) in [
        ("fail", "reconfigure failed: flaky refuses the new config"),
        ("panic", "reconfigure panicked: flaky panics on reconfigure"),
    ] {
        let (_, mut manager, _) = running();
        let applied = manager
            .apply(changed(&format!(
                "[plugins.flaky.config]\n{flag} = true\n[plugins.store-c]\nkind = \"store\"\n"
            )))
            .unwrap();
        assert!(!applied.is_clean());
        match &applied.outcome("flaky").unwrap().result {
            Effect::Excluded(reason) => assert_eq!(reason.to_string(), message),
            other => panic!("{other:?}"),
        }
        assert_eq!(state(&manager, "flaky"), Some(PluginState::Excluded));
        assert_eq!(
            state(&manager, "store-c"),
            Some(PluginState::Running),
            "the rest goes on"
        );
        assert_eq!(state(&manager, "store-a"), Some(PluginState::Running));
    }
}

#[test]
fn an_excluded_instance_whose_configuration_is_fixed_comes_back() {
    let mut manager =
        support::start_with(kinds::builder().config(toml("[plugins.echo.config]\ngreeting = 3\n")));
    assert_eq!(state(&manager, "echo"), Some(PluginState::Excluded));
    let fixed = toml("[plugins.echo.config]\ngreeting = \"now\"\n");
    assert_eq!(
        manager.plan(&fixed).unwrap().change("echo"),
        Some(&Change::Recreate)
    );
    manager.apply(fixed).unwrap();
    assert_eq!(state(&manager, "echo"), Some(PluginState::Running));
    assert!(manager.info("echo").unwrap().reason().is_none());
    assert_eq!(
        manager.plugin_mut::<Echo>("echo").unwrap().config.greeting,
        "now"
    );
}

#[test]
fn a_kind_change_recreates_the_instance_under_the_same_name() {
    let (_, mut manager, _) = running();
    let applied = manager
        .apply(changed(
            "[plugins.plain]\nkind = \"flaky\"\n[plugins.flaky]\nenabled = false\n",
        ))
        .unwrap();
    assert!(applied.is_clean(), "{applied}");
    assert_eq!(manager.info("plain").unwrap().kind(), "flaky");
    assert_eq!(state(&manager, "plain"), Some(PluginState::Running));
}

#[test]
fn a_reload_may_not_take_a_required_instance_away() {
    let (_, mut manager, _) = running();
    let error = manager
        .apply(changed("[plugins.core]\nenabled = false\n"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid configuration: plugins.core: plugin \"core\" is required: it cannot be removed or disabled (at change.toml:1:1)"
    );
    assert_eq!(state(&manager, "core"), Some(PluginState::Running));
}

#[test]
fn the_final_report_and_shutdown_cover_reloaded_instances() {
    let (harness, mut manager, _) = running();
    manager
        .apply(changed("[plugins.store-c]\nkind = \"store\"\n"))
        .unwrap();
    let report = manager.stop().shutdown();
    assert_eq!(
        report.in_state(PluginState::Shutdown).count(),
        8,
        "{report}"
    );
    let mut stopped = harness.calls(Hook::Stop);
    stopped.sort();
    assert_eq!(
        stopped,
        [
            "app", "core", "echo", "flaky", "plain", "store-a", "store-b", "store-c"
        ],
        "every running instance stopped once"
    );
}

/// The sync side of the async regression: after an apply that changes the layout, a drop
/// still stops every running instance, once, as it does without a reload.
#[test]
fn a_drop_after_an_apply_that_changes_the_layout_stops_every_live_instance_once() {
    let (harness, mut manager, _) = running();
    manager
        .apply(changed("[plugins.store-c]\nkind = \"store\"\n"))
        .unwrap();
    harness.forget();
    drop(manager);
    // Every running instance, the new `store-c` too, once.
    let journaled = [
        "app", "core", "echo", "flaky", "plain", "store-a", "store-b", "store-c",
    ];
    let mut stopped = harness.calls(Hook::Stop);
    stopped.sort();
    assert_eq!(stopped, journaled);
}

#[test]
fn a_re_created_instance_whose_new_dependency_was_stopped_is_not_started() {
    let (harness, mut manager, _) = running();
    manager.stop_plugin("store-b").unwrap();
    let applied = manager
        .apply(changed("[plugins.app]\nbind = { store = \"store-b\" }\n"))
        .unwrap();
    // The stopped store stays stopped; the re-created app cannot run without it.
    assert_eq!(state(&manager, "store-b"), Some(PluginState::Stopped));
    assert_eq!(state(&manager, "app"), Some(PluginState::Excluded));
    let reason = manager.info("app").unwrap().reason().unwrap().to_string();
    assert!(reason.contains("\"store-b\""), "{reason}\n{applied}");
    assert!(!harness.calls(Hook::Start).contains(&"app".to_owned()));
}

#[test]
fn an_instance_excluded_for_its_config_is_checked_again_when_the_same_config_comes_back() {
    let broken = "\n[plugins.echo-bad]\nkind = \"echo\"\nconfig = { greting = \"hi\" }\n";
    let mut manager =
        support::start_with(kinds::builder().config(toml(&format!("{BASE}{broken}"))));
    assert_eq!(state(&manager, "echo-bad"), Some(PluginState::Excluded));
    // The same invalid config is refused again, not taken as already checked.
    let error = manager
        .apply(changed(broken))
        .expect_err("the config is still invalid");
    assert!(
        error.to_string().contains("plugins.echo-bad.config"),
        "{error}"
    );
}

#[test]
fn a_changed_config_of_an_instance_left_out_changes_nothing() {
    let extra = "\n[plugins.echo-out]\nkind = \"echo\"\nconfig = { greeting = \"a\" }\n";
    let mut manager = support::start_with(
        kinds::builder()
            .config(toml(&format!("{BASE}{extra}")))
            .disable("echo-out"),
    );
    assert_eq!(state(&manager, "echo-out"), Some(PluginState::Registered));
    let next = extra.replace("\"a\"", "\"b\"");
    let plan = manager.plan(&changed(&next)).unwrap();
    assert!(plan.changes().is_empty(), "{plan}");
    assert!(manager.apply(changed(&next)).unwrap().is_clean());
    assert_eq!(state(&manager, "echo-out"), Some(PluginState::Registered));
}

#[test]
fn an_excluded_instance_stays_excluded_through_a_new_layout_unless_its_config_changed() {
    let (_, mut manager, _) = running();
    let refused = "[plugins.flaky.config]\nfail = true\n";
    manager.apply(changed(refused)).unwrap();
    assert_eq!(state(&manager, "flaky"), Some(PluginState::Excluded));
    // A new instance lays the slots out anew; flaky's config is what excluded it: it stays out.
    let grown = format!("{refused}[plugins.store-c]\nkind = \"store\"\n");
    let plan = manager.plan(&changed(&grown)).unwrap();
    assert_eq!(
        plan.to_string(),
        "+ store-c (store): add\n7 unchanged\n",
        "{plan}"
    );
    manager.apply(changed(&grown)).unwrap();
    assert_eq!(state(&manager, "flaky"), Some(PluginState::Excluded));
    // With its config changed back, it is re-created (and the layout grows again).
    let healed = "[plugins.store-c]\nkind = \"store\"\n[plugins.store-d]\nkind = \"store\"\n";
    let plan = manager.plan(&changed(healed)).unwrap();
    let text = plan.to_string();
    assert!(text.contains("flaky (flaky): re-create"), "{text}");
    manager.apply(changed(healed)).unwrap();
    assert_eq!(state(&manager, "flaky"), Some(PluginState::Running));
}

#[test]
fn hook_times_stay_with_their_instances_through_a_new_layout() {
    use plugin_factory::report::Hook;
    let mut manager = support::start_with(kinds::builder().config(toml(BASE)).time_hooks(true));
    let started = |manager: &PluginManager<Active>, name: &str| {
        manager
            .report()
            .get(name)
            .unwrap()
            .timings()
            .get(Hook::Start)
    };
    let before = started(&manager, "plain").expect("timed");
    // A new instance changes the layout: the slots that stay are taken over by the new one.
    let applied = manager
        .apply(changed("[plugins.store-c]\nkind = \"store\"\n"))
        .unwrap();
    assert!(applied.is_clean(), "{applied}");
    assert_eq!(started(&manager, "plain"), Some(before));
    assert!(
        started(&manager, "store-c").is_some(),
        "the new one is timed too"
    );
}

/// Removing an instance that a failure had excluded is done as planned: the old exclusion is
/// history, not the outcome of this reload.
#[test]
fn removing_an_excluded_instance_is_done_not_excluded() {
    let harness = Harness::entries(kinds::entries()).config(toml(BASE));
    harness.inject("echo", Hook::Start, support::fails(Hook::Start));
    let mut manager = harness.start().unwrap();
    assert_eq!(state(&manager, "echo"), Some(PluginState::Excluded));
    let applied = manager
        .apply(changed("[plugins.echo]\nenabled = false\n"))
        .unwrap();
    let outcome = applied.outcome("echo").unwrap();
    assert_eq!(outcome.planned.change, Change::Remove);
    assert!(matches!(outcome.result, Effect::Done), "{applied}");
    assert!(applied.is_clean(), "{applied}");
}
