//! Health checks: each running plugin's `health` hook, the roll-up, a panicking check, what
//! `info` keeps, and what is not checked.

use crate::support;

use std::sync::Mutex;

use plugin_factory::registry::PluginEntry;
use plugin_factory::registry::PluginMetadata;
use plugin_factory::{Context, Error, Health, Plugin, PluginManager};

/// What each `moody` plugin says when checked, by name (`None`: it panics).
static MOODS: Mutex<Vec<(&'static str, Option<Health>)>> = Mutex::new(Vec::new());

fn set_mood(name: &'static str, mood: Option<Health>) {
    let mut moods = MOODS.lock().unwrap();
    moods.retain(|(n, _)| *n != name);
    moods.push((name, mood));
}

/// A plugin whose health the test sets.
struct Moody {
    name: &'static str,
}

impl Plugin for Moody {
    fn health(&self, ctx: &Context<'_>) -> Health {
        assert_eq!(ctx.name(), self.name, "the context names the instance");
        let moods = MOODS.lock().unwrap();
        match moods.iter().find(|(n, _)| *n == self.name) {
            Some((_, Some(health))) => health.clone(),
            Some((_, None)) => {
                drop(moods);
                panic!("cannot tell")
            }
            None => Health::Healthy,
        }
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

fn manager(names: &[&'static str]) -> plugin_factory::PluginManager<plugin_factory::phase::Active> {
    support::start_with(PluginManager::builder().entries(names.iter().map(|n| moody(n, &[]))))
}

#[test]
fn every_running_plugin_is_checked_in_start_order_and_the_roll_up_is_the_worst() {
    let manager = manager(&["h-calm", "h-slow", "h-down", "h-also-slow"]);
    let all_well = manager.check_health().unwrap();
    assert!(all_well.overall().is_healthy(), "{all_well}");
    let checked: Vec<&str> = all_well.plugins().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        checked,
        ["h-also-slow", "h-calm", "h-down", "h-slow"],
        "start order (by name)"
    );

    set_mood("h-slow", Some(Health::degraded("replies in 2 s")));
    set_mood("h-also-slow", Some(Health::degraded("queue half full")));
    let degraded = manager.check_health().unwrap();
    assert_eq!(
        degraded.overall(),
        Health::degraded("h-also-slow: queue half full; h-slow: replies in 2 s")
    );
    assert_eq!(degraded.get("h-calm"), Some(&Health::Healthy));

    set_mood("h-down", Some(Health::unhealthy("disk full")));
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
    let manager = manager(&["p-fine", "p-panics"]);
    set_mood("p-panics", None);
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
    let manager = manager(&["i-one", "i-two"]);
    assert!(
        manager.info("i-one").unwrap().health().is_none(),
        "not checked yet"
    );
    set_mood("i-two", Some(Health::degraded("warming up")));
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
    let manager = manager(&["r-only"]);
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
