//! Health checks: each running plugin's `health` hook, the roll-up, a panicking check, what
//! `info` keeps, and what is not checked.

use crate::support;

use plugin_factory::phase::Active;
use plugin_factory::registry::PluginEntry;
use plugin_factory::registry::PluginMetadata;
use plugin_factory::testing::{Fault, Harness};
use plugin_factory::{Context, Error, Health, Plugin, PluginManager};

/// A healthy plugin that checks the context of its health check; what others say is set
/// through the harness (`set_health`, `inject_health`).
struct Moody {
    name: &'static str,
}

impl Plugin for Moody {
    fn health(&self, ctx: &Context<'_>) -> Health {
        assert_eq!(ctx.name(), self.name, "the context names the instance");
        Health::Healthy
    }
}

fn moody(
    name: &'static str,
    dependencies: &'static [plugin_factory::registry::Dependency],
) -> &'static PluginEntry {
    support::keep(PluginEntry::new(
        PluginMetadata::new(name, "1.0.0").with_dependencies(dependencies),
        |ctx| Box::new(Moody { name: ctx.kind() }),
    ))
}

/// A running manager of `moody` plugins called `names`, and the harness that sets their health.
fn manager(names: &[&'static str]) -> (Harness, PluginManager<Active>) {
    let harness = Harness::entries(names.iter().map(|n| moody(n, &[])));
    let manager = harness.start().unwrap();
    (harness, manager)
}

#[test]
fn every_running_plugin_is_checked_in_start_order_and_the_roll_up_is_the_worst() {
    let (harness, manager) = manager(&["h-calm", "h-slow", "h-down", "h-also-slow"]);
    let all_well = manager.check_health().unwrap();
    assert!(all_well.overall().is_healthy(), "{all_well}");
    let checked: Vec<&str> = all_well.plugins().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        checked,
        ["h-also-slow", "h-calm", "h-down", "h-slow"],
        "start order (by name)"
    );

    harness.set_health("h-slow", Health::degraded("replies in 2 s"));
    harness.set_health("h-also-slow", Health::degraded("queue half full"));
    let degraded = manager.check_health().unwrap();
    assert_eq!(
        degraded.overall(),
        Health::degraded("h-also-slow: queue half full; h-slow: replies in 2 s")
    );
    assert_eq!(degraded.get("h-calm"), Some(&Health::Healthy));

    harness.set_health("h-down", Health::unhealthy("disk full"));
    let unhealthy = manager.check_health().unwrap();
    assert_eq!(unhealthy.overall(), Health::unhealthy("h-down: disk full"));
    let text = unhealthy.to_string();
    assert!(text.contains("h-down       unhealthy: disk full"), "{text}");
    assert!(
        text.ends_with("overall: unhealthy: h-down: disk full"),
        "{text}"
    );
}

#[test]
fn a_panicking_check_is_unhealthy_and_the_others_are_still_checked() {
    let (harness, manager) = manager(&["p-fine", "p-panics"]);
    harness.inject_health("p-panics", Fault::panic("cannot tell"));
    let report = manager.check_health().unwrap();
    assert_eq!(
        report.get("p-panics"),
        Some(&Health::unhealthy("the health check panicked: cannot tell"))
    );
    assert_eq!(report.get("p-fine"), Some(&Health::Healthy));
    assert!(
        manager.info("p-panics").unwrap().state().is_live(),
        "a failed check changes nothing by itself"
    );
}

#[test]
fn info_keeps_the_last_check_with_its_time_and_stopped_plugins_are_not_checked() {
    let (harness, manager) = manager(&["i-one", "i-two"]);
    assert!(
        manager.info("i-one").unwrap().health().is_none(),
        "not checked yet"
    );
    harness.set_health("i-two", Health::degraded("warming up"));
    let report = manager.check_health().unwrap();
    let last = manager.info("i-two").unwrap().health().cloned().unwrap();
    assert_eq!(last.health, Health::degraded("warming up"));
    assert_eq!(last.at, report.checked_at());

    manager.stop_plugin("i-two").unwrap();
    let report = manager.check_health().unwrap();
    assert!(
        report.get("i-two").is_none(),
        "a stopped plugin is not checked"
    );
    assert_eq!(report.plugins().len(), 1);
    assert_eq!(
        manager.info("i-two").unwrap().health().unwrap().health,
        Health::degraded("warming up"),
        "the last check stays, with its time"
    );
}

#[test]
fn a_check_inside_a_plugin_access_is_refused() {
    let (_, manager) = manager(&["r-only"]);
    let inside = manager
        .with_plugin_dyn("r-only", |_| manager.check_health().map(|_| ()))
        .unwrap();
    assert!(matches!(
        inside,
        Err(Error::Reentrant {
            operation: "check_health",
            during: "with_plugin_dyn"
        })
    ));
}

#[test]
fn the_example_key_value_store_degrades_as_it_fills_and_is_unhealthy_when_full() {
    use example_plugins::kv_store::KvStore;
    use plugin_factory::config::{Format, Loader};

    let kv = plugin_factory::registry::entries()
        .find(|entry| entry.name() == "kv-store")
        .expect("kv-store is linked");
    // Its `init` stores one key (its version) of the ten.
    let config = Loader::new()
        .text(
            "kv.toml",
            Format::Toml,
            "[plugins.kv-store.config]\ncapacity = 10\n",
        )
        .load()
        .unwrap();
    let manager = support::start_with(PluginManager::builder().entries([kv]).config(config));
    assert!(manager.check_health().unwrap().overall().is_healthy());
    let fill = |until: usize| {
        manager
            .with_plugin("kv-store", |store: &mut KvStore| {
                for k in store.len()..until {
                    store.set(format!("k{k}"), "v").unwrap();
                }
            })
            .unwrap();
    };
    fill(9);
    assert_eq!(
        manager.check_health().unwrap().get("kv-store"),
        Some(&Health::degraded("9 of 10 keys used"))
    );
    fill(10);
    assert_eq!(
        manager.check_health().unwrap().overall(),
        Health::unhealthy("kv-store: full (10 keys)")
    );
}
