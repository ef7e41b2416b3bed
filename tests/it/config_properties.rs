//! Property tests, bounded so that they run in the normal suite: whatever bytes or structured
//! configuration they are given, the loader and `plan` answer with a configuration, a plan or
//! an error, and never panic.

use crate::support;
use crate::support::kinds;

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
    support::start_with(kinds::builder())
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
        let started = kinds::builder().config(config).discover();
        if let Ok(manager) = started {
            let _ = manager.validate().and_then(|m| m.init()).and_then(|m| m.start());
        }
    }
}

/// A hostile shape in one of the three formats, and its text: deep, wide, one long line,
/// anchors and aliases, odd bytes.
fn hostile() -> impl Strategy<Value = (Format, String)> {
    let depth = 1usize..300;
    let width = 0usize..3_000;
    prop_oneof![
        // Deep: a list or map nested past the limit, or just within it.
        (depth.clone(), any::<bool>()).prop_map(|(depth, map)| {
            let (open, close) = if map { ("{\"a\": ", "}") } else { ("[", "]") };
            (
                Format::Json,
                format!("{{\"x\": {}1{}}}", open.repeat(depth), close.repeat(depth)),
            )
        }),
        depth.clone().prop_map(|depth| (
            Format::Yaml,
            format!("x: {}1{}\n", "[".repeat(depth), "]".repeat(depth))
        )),
        depth.clone().prop_map(|depth| (
            Format::Toml,
            format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth))
        )),
        depth.clone().prop_map(|depth| (
            Format::Toml,
            format!("{} = 1\n", vec!["k"; depth].join("."))
        )),
        depth.clone().prop_map(|depth| {
            let lines: String = (0..depth)
                .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
                .collect();
            (Format::Yaml, lines)
        }),
        // Wide and long: many keys on one line, or many lines.
        width.clone().prop_map(|width| {
            let keys: Vec<String> = (0..width)
                .map(|i| format!("\"k{i}\": [{i}, \"é{i}\"]"))
                .collect();
            (
                Format::Json,
                format!("{{\"plugins\": {{}}, {}}}", keys.join(", ")),
            )
        }),
        width.clone().prop_map(|width| {
            let keys: Vec<String> = (0..width)
                .map(|i| format!("k{i} = {{ v = \"ü{i}\" }}"))
                .collect();
            (Format::Toml, format!("x = {{ {} }}\n", keys.join(", ")))
        }),
        width.clone().prop_map(|width| {
            let keys: String = (0..width).map(|i| format!("k{i}: {i}\n")).collect();
            (Format::Yaml, format!("plugins: {{}}\n{keys}"))
        }),
        // Anchors nested, and aliases that multiply.
        (1usize..120, 0usize..2_000).prop_map(|(depth, items)| {
            let opening: String = (0..depth).map(|i| format!("&a{i} [")).collect();
            let aliases: Vec<String> = (0..depth).map(|i| format!("*a{i}")).collect();
            (
                Format::Yaml,
                format!(
                    "x: {opening}{}0{}\ny: [{}]\n",
                    "0, ".repeat(items),
                    "]".repeat(depth),
                    aliases.join(", ")
                ),
            )
        }),
        (1usize..12, 1usize..12).prop_map(|(levels, fan)| {
            let mut text = String::from("a0: &a0 [x, y]\n");
            for i in 1..levels {
                let refs = vec![format!("*a{}", i - 1); fan].join(", ");
                text += &format!("a{i}: &a{i} [{refs}]\n");
            }
            (Format::Yaml, text)
        }),
        // Odd bytes, in any format.
        (
            prop::sample::select(vec![Format::Toml, Format::Json, Format::Yaml]),
            prop::collection::vec(
                prop_oneof![
                    Just("\u{0}"),
                    Just("\u{b}"),
                    Just("\u{c}"),
                    Just("\r"),
                    Just("\u{1b}[2J"),
                    Just("\u{feff}"),
                    Just("\u{202e}"),
                    Just("é"),
                    Just("\"k\": "),
                    Just("k = "),
                    Just("k: "),
                    Just("- "),
                    Just("&a "),
                    Just("*a"),
                    Just("{"),
                    Just("}"),
                    Just("["),
                    Just("]"),
                    Just("\n"),
                    Just("#"),
                    Just("---\n"),
                    Just("~"),
                    Just("18446744073709551616"),
                    Just("-9223372036854775809"),
                ],
                0..64
            )
        )
            .prop_map(|(format, parts)| (format, parts.concat())),
    ]
}

/// Every value in a tree, itself included.
fn size(node: &plugin_factory::config::Node) -> usize {
    use plugin_factory::config::Value;
    1 + match &node.value {
        Value::List(items) => items.iter().map(size).sum(),
        Value::Map(entries) => entries.iter().map(|(_, value)| size(value)).sum(),
        _ => 0,
    }
}

/// What aliases may add to a file (a file's own values are fewer than its bytes).
const MAX_ALIASED: usize = 100_000;

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_shapes_in_every_source_are_answered_within_bounds(
        (format, text) in hostile(),
        variables in prop::collection::vec(("APP(__[A-Za-z_\u{1b}é]{0,8}){0,200}", "[ -~é\u{0}]{0,16}"), 0..8),
        sets in prop::collection::vec(("([a-z.\u{7}]{0,6}\\.){0,200}[a-z]{0,4}", "[ -~]{0,8}"), 0..8),
        names in prop::collection::vec("[a-z.\n-]{0,300}", 0..4),
    ) {
        let mut loader = Loader::new().text("hostile", format, text.as_str());
        loader = loader.env_vars("APP", variables.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (key, value) in &sets {
            loader = loader.set(key.as_str(), value.as_str());
        }
        for name in &names {
            loader = loader.disable(name.as_str()).enable(name.as_str());
        }
        match loader.load() {
            Ok(config) => {
                let bound = text.len() + MAX_ALIASED + 4 * (sets.len() + names.len() + variables.len()) * 200 + 1;
                prop_assert!(size(config.tree()) <= bound, "{} values from {} bytes", size(config.tree()), text.len());
                // And what the manager makes of it: excluded instances, never a panic.
                if let Ok(manager) = kinds::builder().config(config).discover() {
                    let _ = manager.validate();
                }
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(!message.is_empty());
                prop_assert!(!message.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{:?}", message);
            }
        }
    }
}
