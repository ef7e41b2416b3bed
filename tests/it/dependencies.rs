//! Dependency resolution: missing plugins, versions, cycles, duplicate names, and exclusion
//! cascading to dependents.

use crate::support::{panics, probe, probe_with};
use plugin_factory::phase::Vetted;
use plugin_factory::registry::PluginMetadata;
use plugin_factory::registry::{Origin, PluginEntry};
use plugin_factory::report::{ExclusionReason, Hook};
use plugin_factory::testing::Harness;
use plugin_factory::{PluginManager, PluginState};

fn validate(entries: Vec<&'static PluginEntry>) -> PluginManager<Vetted> {
    validate_on(&Harness::entries(entries))
}

/// The manager of `harness`, discovered and validated.
fn validate_on(harness: &Harness) -> PluginManager<Vetted> {
    harness.builder().discover().unwrap().validate().unwrap()
}

fn reason(manager: &PluginManager<Vetted>, name: &str) -> String {
    let report = manager.report();
    let plugin = report.get(name).unwrap();
    assert_eq!(plugin.state(), PluginState::Excluded, "{report}");
    plugin.reason().unwrap().to_string()
}

#[test]
fn a_missing_dependency_excludes_the_plugin_and_its_dependents() {
    let manager = validate(vec![
        probe("lonely", &["ghost"]),
        probe("fan", &["lonely"]),
        probe("fine", &[]),
    ]);
    assert_eq!(
        reason(&manager, "lonely"),
        "depends on \"ghost\", which is not registered"
    );
    assert_eq!(reason(&manager, "fan"), "depends on excluded \"lonely\"");
    assert_eq!(manager.live(), ["fine"]);
}

#[test]
fn version_requirements_are_checked() {
    let manager = validate(vec![
        probe_with(PluginMetadata::new("db", "1.4.2"), &[]),
        probe("new-enough", &["db >=1.2"]),
        probe("too-new", &["db ^2"]),
    ]);
    assert_eq!(manager.state("new-enough"), Some(PluginState::Validated));
    assert_eq!(
        reason(&manager, "too-new"),
        "depends on \"db\" ^2, but version 1.4.2 is registered"
    );
    assert!(matches!(
        manager.report().get("too-new").unwrap().reason(),
        Some(ExclusionReason::VersionMismatch {
            dependency,
            requirement: "^2",
            found: "1.4.2"
        }) if dependency == "db"
    ));
}

#[test]
fn an_invalid_version_in_a_hand_made_entry_is_reported() {
    let manager = validate(vec![
        probe_with(PluginMetadata::new("db", "one"), &[]),
        probe("user", &["db >=1"]),
    ]);
    assert!(
        reason(&manager, "user").starts_with("invalid metadata: version \"one\" is not semver")
    );
}

#[test]
fn cycle_members_name_the_cycle_and_their_dependents_name_the_member() {
    let harness = Harness::entries([
        probe("cycle-a", &["cycle-b"]),
        probe("cycle-b", &["cycle-c"]),
        probe("cycle-c", &["cycle-a"]),
        probe("hanger-on", &["cycle-b"]),
        probe("free", &[]),
    ]);
    let manager = validate_on(&harness);
    assert_eq!(
        reason(&manager, "cycle-a"),
        "dependency cycle: cycle-a -> cycle-b -> cycle-c -> cycle-a"
    );
    assert_eq!(
        reason(&manager, "cycle-b"),
        "dependency cycle: cycle-b -> cycle-c -> cycle-a -> cycle-b"
    );
    assert_eq!(
        reason(&manager, "hanger-on"),
        "depends on excluded \"cycle-b\""
    );
    assert_eq!(manager.live(), ["free"]);
    drop(manager);
    assert_eq!(harness.dropped().len(), 5);
}

#[test]
fn a_plugin_depending_on_itself_is_a_cycle() {
    let manager = validate(vec![probe("narcissus", &["narcissus"])]);
    assert_eq!(
        reason(&manager, "narcissus"),
        "dependency cycle: narcissus -> narcissus"
    );
}

#[test]
fn duplicate_names_exclude_both_and_name_both_locations() {
    static FIRST: Origin = Origin::new("crate-one", "crate_one::plugins", "src/plugins.rs");
    static SECOND: Origin = Origin::new("crate-two", "crate_two", "src/lib.rs");
    let harness = Harness::entries([
        probe_with(
            PluginMetadata::new("twin", "1.0.0").with_origin(&FIRST, 10),
            &[],
        ),
        probe_with(
            PluginMetadata::new("twin", "1.0.0").with_origin(&SECOND, 3),
            &[],
        ),
        probe("user", &["twin"]),
    ]);
    let manager = validate_on(&harness);
    let report = manager.report();
    let reasons: Vec<_> = report
        .plugins()
        .iter()
        .filter(|p| p.name() == "twin")
        .map(|p| p.reason().unwrap().to_string())
        .collect();
    assert_eq!(reasons.len(), 2);
    for reason in &reasons {
        assert!(
            reason.contains("crate_one::plugins (src/plugins.rs:10)"),
            "{reason}"
        );
        assert!(reason.contains("crate_two (src/lib.rs:3)"), "{reason}");
    }
    assert_eq!(reason(&manager, "user"), "depends on excluded \"twin\"");
    drop(manager);
    assert!(!harness.calls(Hook::Create).contains(&"twin".to_owned()));
}

#[test]
fn exclusion_cascades_through_a_chain() {
    let manager = validate(vec![
        probe("root", &["gone"]),
        probe("mid", &["root"]),
        probe("leaf", &["mid"]),
    ]);
    assert_eq!(reason(&manager, "mid"), "depends on excluded \"root\"");
    assert_eq!(reason(&manager, "leaf"), "depends on excluded \"mid\"");
    assert!(manager.live().is_empty());
}

#[test]
fn a_diamond_is_ordered_once_per_plugin() {
    let running = validate(vec![
        probe("top", &["left", "right"]),
        probe("left", &["bottom"]),
        probe("right", &["bottom"]),
        probe("bottom", &[]),
    ])
    .init()
    .unwrap()
    .start()
    .unwrap();
    assert_eq!(running.live(), ["bottom", "left", "right", "top"]);
}

#[test]
fn a_dependency_with_a_requirement_whose_factory_panics_takes_its_dependent_out() {
    let harness = Harness::entries([probe("vdep", &[]), probe("needs-vdep", &["vdep >=1"])]);
    harness.inject("vdep", Hook::Create, panics(Hook::Create));
    let manager = validate_on(&harness);
    assert!(reason(&manager, "vdep").starts_with("create panicked"));
    assert_eq!(
        reason(&manager, "needs-vdep"),
        "depends on excluded \"vdep\""
    );
    assert!(manager.live().is_empty());
}

#[test]
fn of_two_dependencies_the_missing_one_is_named() {
    let manager = validate(vec![
        probe("there", &[]),
        probe("user", &["there", "ghost"]),
    ]);
    assert_eq!(
        reason(&manager, "user"),
        "depends on \"ghost\", which is not registered"
    );
    assert_eq!(manager.live(), ["there"]);
}

#[test]
fn a_cycle_member_with_its_own_version_mismatch_reports_the_mismatch() {
    let manager = validate(vec![
        probe_with(PluginMetadata::new("old", "0.9.0"), &[]),
        probe("cyc-a", &["cyc-b", "old >=1"]),
        probe("cyc-b", &["cyc-a"]),
    ]);
    assert_eq!(
        reason(&manager, "cyc-a"),
        "depends on \"old\" >=1, but version 0.9.0 is registered"
    );
    assert!(
        reason(&manager, "cyc-b").contains("cyc-a"),
        "{}",
        reason(&manager, "cyc-b")
    );
    assert_eq!(manager.live(), ["old"]);
}

#[test]
fn a_dependent_of_a_cycle_that_sorts_before_its_members_is_excluded_for_it() {
    let manager = validate(vec![
        probe("a-user", &["cyc-x"]),
        probe("cyc-x", &["cyc-y"]),
        probe("cyc-y", &["cyc-x"]),
        probe("free", &[]),
    ]);
    assert_eq!(reason(&manager, "a-user"), "depends on excluded \"cyc-x\"");
    assert_eq!(
        reason(&manager, "cyc-x"),
        "dependency cycle: cyc-x -> cyc-y -> cyc-x"
    );
    assert_eq!(
        reason(&manager, "cyc-y"),
        "dependency cycle: cyc-y -> cyc-x -> cyc-y"
    );
    assert_eq!(manager.live(), ["free"]);
}

/// Probes `sink` and `producer` (which depends on every `sink`), with a configuration of
/// `text`; the harness that watches them.
fn every_sink(text: &str) -> Harness {
    Harness::entries([probe("sink", &[]), probe("producer", &["every sink"])]).config(toml(text))
}

fn toml(text: &str) -> plugin_factory::config::Config {
    plugin_factory::config::Loader::new()
        .text("host.toml", plugin_factory::config::Format::Toml, text)
        .load()
        .unwrap()
}

const TWO_SINKS: &str =
    "[plugins.sink-a]\nkind = \"sink\"\n[plugins.sink-b]\nkind = \"sink\"\n[plugins.producer]\n";

#[test]
fn a_dependency_on_every_instance_starts_after_all_of_them_and_stops_before_any() {
    let harness = every_sink(TWO_SINKS);
    let manager = harness.start().unwrap();
    // By name the producer would come first.
    assert_eq!(manager.live(), ["sink-a", "sink-b", "producer"]);
    assert_eq!(harness.calls(Hook::Start), ["sink-a", "sink-b", "producer"]);
    let _report = manager.shutdown();
    assert_eq!(harness.calls(Hook::Stop), ["producer", "sink-b", "sink-a"]);
}

#[test]
fn an_instance_under_a_dependency_on_every_one_takes_nothing_down_when_it_fails() {
    let harness = every_sink(TWO_SINKS);
    harness.inject(
        "sink-a",
        Hook::Start,
        plugin_factory::testing::Fault::error("no disk"),
    );
    let manager = harness.start().unwrap();
    assert_eq!(manager.live(), ["sink-b", "producer"]);
    // Stopping one stops it alone; removing it leaves the producer running.
    manager.stop_plugin("sink-b").unwrap();
    assert_eq!(manager.state("producer"), Some(PluginState::Running));
    manager.remove_plugin("sink-b").unwrap();
    assert_eq!(manager.live(), ["producer"]);
}

#[test]
fn no_instance_at_all_is_a_dependency_on_every_one_satisfied() {
    let harness = every_sink("run_unlisted = false\n[plugins.producer]\n");
    let manager = harness.start().unwrap();
    assert_eq!(manager.live(), ["producer"]);
}

#[test]
fn a_reload_adds_and_removes_instances_under_a_dependency_on_every_one_without_touching_it() {
    let harness = every_sink(TWO_SINKS);
    let mut manager = harness.start().unwrap();
    harness.forget();
    let next = "[plugins.sink-b]\nkind = \"sink\"\n[plugins.sink-c]\nkind = \"sink\"\n[plugins.producer]\n";
    let next = toml(next);
    let plan = manager.plan(&next).unwrap();
    assert_eq!(plan.change("producer"), None, "{plan}");
    let applied = manager.apply(next).unwrap();
    assert!(applied.is_clean(), "{applied}");
    assert_eq!(harness.calls(Hook::Stop), ["sink-a"]);
    assert_eq!(harness.calls(Hook::Start), ["sink-c"]);
    let _report = manager.shutdown();
    assert_eq!(
        harness.calls(Hook::Stop),
        ["sink-a", "producer", "sink-c", "sink-b"],
        "the reload's, then the shutdown's"
    );
}

#[test]
fn a_configuration_binds_a_dependency_to_every_instance_with_a_star() {
    let harness = Harness::entries([probe("sink", &[]), probe("tap", &["sink"])]).config(toml(
        "[plugins.sink-a]\nkind = \"sink\"\n[plugins.sink-b]\nkind = \"sink\"\n\
         [plugins.tap]\nbind = { sink = \"*\" }\n",
    ));
    let manager = harness.start().unwrap();
    // Without the star the dependency would be ambiguous: two instances of `sink`.
    assert_eq!(manager.live(), ["sink-a", "sink-b", "tap"]);
}

#[test]
fn the_async_manager_orders_a_dependency_on_every_instance_as_the_sync_one_does() {
    use plugin_factory::testing::{Fault, Seen};
    use std::time::Duration;

    let harness = every_sink(TWO_SINKS);
    // Slow sinks: a producer that did not wait for them would start while they still start,
    // and its stop would find them stopping.
    for sink in ["sink-a", "sink-b"] {
        harness.inject(sink, Hook::Start, Fault::delay(Duration::from_millis(50)));
        harness.inject(sink, Hook::Stop, Fault::delay(Duration::from_millis(50)));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let running = harness
            .start_async(plugin_factory::executor::Tokio)
            .await
            .unwrap();
        let _report = running.shutdown().await;
    });
    let journal = harness.journal();
    let at = |plugin: &str, seen: Seen| {
        journal
            .iter()
            .position(|(name, what)| name == plugin && *what == seen)
            .unwrap_or_else(|| panic!("no {seen:?} of {plugin}: {journal:?}"))
    };
    let producer_starts = at("producer", Seen::Called(Hook::Start));
    let producer_stopped = at("producer", Seen::Returned(Hook::Stop));
    for sink in ["sink-a", "sink-b"] {
        assert!(
            at(sink, Seen::Returned(Hook::Start)) < producer_starts,
            "{journal:?}"
        );
        assert!(
            producer_stopped < at(sink, Seen::Called(Hook::Stop)),
            "{journal:?}"
        );
    }
}
