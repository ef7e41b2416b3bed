//! Property tests, bounded so that they run in the normal suite: whatever bytes or structured
//! configuration they are given, the loader and `plan` answer with a configuration, a plan or
//! an error, and never panic.

#[path = "support/kinds.rs"]
mod kinds;
mod support;

use plugin_factory::PluginManager;
use plugin_factory::config::{Format, Loader};
use plugin_factory::phase::Active;
use proptest::prelude::*;

const FORMATS: [(Format, &str); 3] = [
    (Format::Toml, "fuzz.toml"),
    (Format::Json, "fuzz.json"),
    (Format::Yaml, "fuzz.yaml"),
];

fn running() -> PluginManager<Active> {
    support::start_with(PluginManager::builder())
}

/// A scalar as it could appear in any of the formats.
fn scalar() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e6f64..1e6).prop_map(serde_json::Value::from),
        "[a-z ]{0,8}".prop_map(serde_json::Value::from),
    ]
}

/// A config value: scalars, lists and maps, with keys both known to the test kinds and not.
fn value() -> impl Strategy<Value = serde_json::Value> {
    scalar().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("greeting".to_owned()),
        Just("times".to_owned()),
        Just("capacity".to_owned()),
        Just("label".to_owned()),
        Just("fail".to_owned()),
        "[a-z_]{1,6}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("echo".to_owned()),
        Just("store".to_owned()),
        Just("app".to_owned()),
        Just("plain".to_owned()),
        Just("flaky".to_owned()),
        "[a-z][a-z0-9-]{0,6}",
        "[A-Za-z_ ]{1,4}",
    ]
}

/// One instance: any of the instance keys, with values of any shape.
fn instance() -> impl Strategy<Value = serde_json::Value> {
    (
        prop::option::of(name()),
        prop::option::of(prop_oneof![
            any::<bool>().prop_map(serde_json::Value::from),
            scalar()
        ]),
        prop::option::of(value()),
        prop::option::of(prop::collection::btree_map(name(), name(), 0..2)),
        prop::option::of((key(), scalar())),
    )
        .prop_map(|(kind, enabled, config, bind, stray)| {
            let mut map = serde_json::Map::new();
            if let Some(kind) = kind {
                map.insert("kind".into(), kind.into());
            }
            if let Some(enabled) = enabled {
                map.insert("enabled".into(), enabled);
            }
            if let Some(config) = config {
                map.insert("config".into(), config);
            }
            if let Some(bind) = bind {
                let bind = bind.into_iter().map(|(k, v)| (k, v.into())).collect();
                map.insert("bind".into(), serde_json::Value::Object(bind));
            }
            if let Some((key, value)) = stray {
                map.insert(key, value);
            }
            serde_json::Value::Object(map)
        })
}

/// A whole configuration, as JSON text.
fn configuration() -> impl Strategy<Value = String> {
    (
        prop::collection::btree_map(name(), instance(), 0..6),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(plugins, run_unlisted)| {
            let mut root = serde_json::Map::new();
            root.insert(
                "plugins".into(),
                serde_json::Value::Object(plugins.into_iter().collect()),
            );
            if let Some(run_unlisted) = run_unlisted {
                root.insert("run_unlisted".into(), run_unlisted.into());
            }
            serde_json::Value::Object(root).to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_loader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        for (format, name) in FORMATS {
            let _ = Loader::new().text(name, format, text.as_ref()).load();
        }
    }

    #[test]
    fn the_loader_never_panics_on_text_that_looks_like_a_configuration(
        text in "[\\[\\]{}:=,\"' a-z0-9.\\-\n#]{0,120}"
    ) {
        for (format, name) in FORMATS {
            let _ = Loader::new().text(name, format, text.as_str()).load();
        }
    }

    #[test]
    fn plan_and_startup_answer_any_structured_configuration(text in configuration()) {
        let config = Loader::new().text("fuzz.json", Format::Json, text.as_str()).load();
        let config = match config {
            Ok(config) => config,
            Err(error) => {
                prop_assert!(!error.to_string().is_empty());
                return Ok(());
            }
        };
        let manager = running();
        match manager.plan(&config) {
            Ok(plan) => {
                // Every instance is planned once: changed, or unchanged.
                let mut named: Vec<&str> = plan.changes().iter().map(|c| c.instance.as_str()).collect();
                named.extend(plan.unchanged().iter().map(|name| name.as_str()));
                let count = named.len();
                named.sort_unstable();
                named.dedup();
                prop_assert_eq!(named.len(), count, "{}", plan);
            }
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
        // The same configuration at startup: invalid instances are excluded, never a panic.
        let started = PluginManager::builder().config(config).discover();
        if let Ok(manager) = started {
            let _ = manager.validate().and_then(|m| m.init()).and_then(|m| m.start());
        }
    }
}
