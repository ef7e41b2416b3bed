use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use proptest::prelude::*;
use serde::Deserialize;

use crate::tree::{Format, Location, Node, Problem, Value, deserialize, parse};

mod typed;

fn toml(text: &str) -> Node {
    parse(text, Format::Toml, Path::new("host.toml").into()).unwrap()
}

fn yaml(text: &str) -> Node {
    parse(text, Format::Yaml, Path::new("host.yaml").into()).unwrap()
}

/// Text from an environment variable.
fn env(text: &str) -> Node {
    Node::new(
        Value::Text(text.into()),
        Location::Env {
            variable: "APP__X".into(),
        },
    )
}

/// The errors of reading `T`, displayed.
fn errors<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    node: &Node,
    path: &str,
) -> Vec<String> {
    let errors: Vec<Problem> = deserialize::<T>(node, path).unwrap_err();
    errors.iter().map(ToString::to_string).collect()
}

#[derive(Debug, Deserialize, PartialEq)]
struct Greeter {
    greeting: String,
    #[serde(default)]
    loud: bool,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Server {
    ports: Vec<u16>,
    name: Option<String>,
}

#[test]
fn reads_a_struct() {
    let node = toml("greeting = \"hi\"\nloud = true\n");
    let greeter: Greeter = deserialize(&node, "plugins.greeter.config").unwrap();
    assert_eq!(
        greeter,
        Greeter {
            greeting: "hi".into(),
            loud: true
        }
    );
}

#[test]
fn text_becomes_what_the_type_asks_for() {
    assert_eq!(deserialize::<u16>(&env("8080"), "port").unwrap(), 8080);
    assert!(deserialize::<bool>(&env("true"), "flag").unwrap());
    assert!(!deserialize::<bool>(&env("false"), "flag").unwrap());
    assert_eq!(deserialize::<i8>(&env("-5"), "n").unwrap(), -5);
    assert_eq!(
        deserialize::<u64>(&env("18446744073709551615"), "n").unwrap(),
        u64::MAX
    );
    assert_eq!(
        deserialize::<i128>(&env("-170141183460469231731687303715884105728"), "n").unwrap(),
        i128::MIN
    );
    assert_eq!(deserialize::<f64>(&env("2.5"), "x").unwrap(), 2.5);
    assert_eq!(deserialize::<f32>(&env("3"), "x").unwrap(), 3.0);
    assert_eq!(deserialize::<char>(&env("c"), "c").unwrap(), 'c');
    assert_eq!(deserialize::<String>(&env("8080"), "s").unwrap(), "8080");
    assert_eq!(deserialize::<Option<u16>>(&env("1"), "o").unwrap(), Some(1));
    // Untyped, text is a string.
    let any: serde_json::Value = deserialize(&env("8080"), "s").unwrap();
    assert_eq!(any, serde_json::json!("8080"));
}

#[test]
fn text_that_is_not_the_type_fails_clearly() {
    assert_eq!(
        errors::<u16>(&env("abc"), "plugins.web.config.port"),
        [
            "plugins.web.config.port: invalid type: string \"abc\", expected u16 \
          (at environment variable APP__X)"
        ]
    );
    assert_eq!(
        errors::<u16>(&env("70000"), "port"),
        ["port: invalid value: integer `70000`, expected u16 (at environment variable APP__X)"]
    );
    assert_eq!(
        errors::<u16>(&env("1.5"), "port"),
        ["port: invalid type: floating point `1.5`, expected u16 (at environment variable APP__X)"]
    );
    assert_eq!(
        errors::<bool>(&env("yes"), "flag"),
        ["flag: invalid type: string \"yes\", expected a boolean (at environment variable APP__X)"]
    );
}

#[test]
fn wrong_types_name_the_key_path_and_location() {
    let node = toml("greeting = 3\n");
    assert_eq!(
        errors::<Greeter>(&node, "plugins.greeter.config"),
        [
            "plugins.greeter.config.greeting: invalid type: integer `3`, expected a string \
          (at host.toml:1:12)"
        ]
    );
}

#[test]
fn list_items_have_their_index_in_the_path() {
    let node = yaml("ports:\n  - 80\n  - -1\n");
    assert_eq!(
        errors::<Server>(&node, "plugins.web.config"),
        [
            "plugins.web.config.ports[1]: invalid value: integer `-1`, expected u16 \
          (at host.yaml:3:5)"
        ]
    );
    let node = yaml("- [1, 2]\n- [3, x]\n");
    assert_eq!(
        errors::<Vec<Vec<u8>>>(&node, "grid"),
        ["grid[1][1]: invalid type: string \"x\", expected u8 (at host.yaml:2:7)"]
    );
}

#[test]
fn a_missing_field_is_reported_at_the_map() {
    let node = toml("[greeter]\nloud = true\n");
    let greeter = node.get("greeter").unwrap();
    assert_eq!(
        errors::<Greeter>(greeter, "plugins.greeter.config"),
        ["plugins.greeter.config: missing field `greeting` (at host.toml:1:1)"]
    );
}

#[test]
fn unknown_keys_are_all_reported() {
    let node = yaml("greeting: hi\ngretting: hello\ncolour: red\n");
    assert_eq!(
        errors::<Greeter>(&node, "plugins.greeter.config"),
        [
            "plugins.greeter.config.gretting: unknown key `gretting`; did you mean `greeting`? \
             expected one of `greeting`, `loud` (at host.yaml:2:11)",
            "plugins.greeter.config.colour: unknown key `colour`; expected one of `greeting`, \
             `loud` (at host.yaml:3:9)",
        ]
    );
    #[derive(Debug, Deserialize)]
    struct Empty {}
    assert_eq!(
        errors::<Empty>(&yaml("x: 1"), "e"),
        ["e.x: unknown key `x`; expected no keys (at host.yaml:1:4)"]
    );
}

#[test]
fn a_field_read_as_ignored_is_no_unknown_key() {
    #[derive(Debug, Deserialize)]
    struct Skipping {
        #[serde(rename = "legacy")]
        _legacy: serde::de::IgnoredAny,
        #[serde(alias = "hello")]
        greeting: String,
    }
    let read: Skipping = deserialize(&yaml("legacy: [1]\nhello: hi\n"), "s").unwrap();
    assert_eq!(read.greeting, "hi");
}

#[test]
fn a_failure_is_listed_after_the_unknown_keys_read_before_it() {
    let node = yaml("gretting: hello\nloud: 3\n");
    assert_eq!(
        errors::<Greeter>(&node, "g"),
        [
            "g.gretting: unknown key `gretting`; did you mean `greeting`? expected one of \
             `greeting`, `loud` (at host.yaml:1:11)",
            "g.loud: invalid type: integer `3`, expected a boolean (at host.yaml:2:7)"
        ]
    );
}

#[test]
fn a_misspelt_key_is_named_with_its_nearest_field_at_every_level() {
    // Required: the missing field and the key that was meant for it, both.
    assert_eq!(
        errors::<Greeter>(&yaml("gretting: hello\n"), "g"),
        [
            "g.gretting: unknown key `gretting`; did you mean `greeting`? expected one of \
             `greeting`, `loud` (at host.yaml:1:11)",
            "g: missing field `greeting` (at host.yaml:1:1)"
        ]
    );
    // Optional: read as unknown, the rest as given.
    assert_eq!(
        errors::<Greeter>(&yaml("greeting: hi\nlod: true\n"), "g"),
        [
            "g.lod: unknown key `lod`; did you mean `loud`? expected one of `greeting`, `loud` \
             (at host.yaml:2:6)"
        ]
    );
    // Nested: the inner struct's path.
    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "only its errors are read")]
    struct Outer {
        inner: Greeter,
    }
    assert_eq!(
        errors::<Outer>(&yaml("inner: {greting: hi}\n"), "o"),
        [
            "o.inner.greting: unknown key `greting`; did you mean `greeting`? expected one of \
             `greeting`, `loud` (at host.yaml:1:18)",
            "o.inner: missing field `greeting` (at host.yaml:1:8)"
        ]
    );
    // An enum's variant.
    assert_eq!(
        errors::<Mode>(&yaml("Windwo: {from: 1, to: 2}\n"), "mode"),
        [
            "mode: unknown variant `Windwo`; did you mean `Window`? expected one of `Off`, \
             `Fixed`, `Pair`, `Window` (at host.yaml:1:1)"
        ]
    );
}

#[test]
fn deny_unknown_fields_reads_the_same() {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only its errors are read")]
    struct Strict {
        greeting: String,
    }
    assert_eq!(
        errors::<Strict>(&yaml("greetin: x\n"), "s"),
        [
            "s.greetin: unknown key `greetin`; did you mean `greeting`? expected `greeting` \
          (at host.yaml:1:10)"
        ]
    );
}

#[test]
fn flattened_structs_report_no_false_unknown_keys() {
    #[derive(Debug, Deserialize)]
    struct Outer {
        #[serde(flatten)]
        inner: Greeter,
        size: u32,
    }
    let outer: Outer = deserialize(&yaml("greeting: hi\nsize: 3\n"), "o").unwrap();
    assert_eq!((outer.inner.greeting.as_str(), outer.size), ("hi", 3));
}

#[derive(Debug, Deserialize, PartialEq)]
enum Mode {
    Off,
    Fixed(u32),
    Pair(u8, u8),
    Window { from: u8, to: u8 },
}

#[test]
fn enums() {
    let read = |text: &str| deserialize::<Mode>(&yaml(text), "mode");
    assert_eq!(read("Off").unwrap(), Mode::Off);
    assert_eq!(deserialize::<Mode>(&env("Off"), "mode").unwrap(), Mode::Off);
    assert_eq!(read("Fixed: 3").unwrap(), Mode::Fixed(3));
    assert_eq!(read("Pair: [1, 2]").unwrap(), Mode::Pair(1, 2));
    assert_eq!(
        read("Window: {from: 1, to: 2}").unwrap(),
        Mode::Window { from: 1, to: 2 }
    );
    assert_eq!(read("{Off: null}").unwrap(), Mode::Off);
    let error = |text: &str| errors::<Mode>(&yaml(text), "mode");
    assert_eq!(
        error("On"),
        [
            "mode: unknown variant `On`; expected one of `Off`, `Fixed`, `Pair`, `Window` \
          (at host.yaml:1:1)"
        ]
    );
    assert_eq!(
        error("Fixed"),
        ["mode: invalid type: unit variant, expected newtype variant (at host.yaml:1:1)"]
    );
    assert_eq!(
        error("Window: {from: 1, to: x}"),
        ["mode.Window.to: invalid type: string \"x\", expected u8 (at host.yaml:1:23)"]
    );
    assert_eq!(
        error("Window: {from: 1, to: 2, by: 3}"),
        ["mode.Window.by: unknown key `by`; expected one of `from`, `to` (at host.yaml:1:30)"]
    );
    assert_eq!(
        error("{Off: null, Fixed: 1}"),
        ["mode: invalid value: map, expected a map with a single key (at host.yaml:1:1)"]
    );
    assert_eq!(
        error("3"),
        ["mode: invalid type: integer `3`, expected enum Mode (at host.yaml:1:1)"]
    );
}

#[test]
fn options() {
    let server: Server = deserialize(&yaml("ports: []\nname: ~\n"), "s").unwrap();
    assert_eq!(server.name, None);
    let server: Server = deserialize(&yaml("ports: []\n"), "s").unwrap();
    assert_eq!(server.name, None);
    let server: Server = deserialize(&yaml("ports: []\nname: web\n"), "s").unwrap();
    assert_eq!(server.name.as_deref(), Some("web"));
}

#[test]
fn maps_with_text_keys_of_any_type() {
    let node = yaml("80: http\n443: https\n");
    let ports: HashMap<u16, String> = deserialize(&node, "p").unwrap();
    assert_eq!(ports[&443], "https");
    let ports: BTreeMap<String, String> = deserialize(&node, "p").unwrap();
    assert_eq!(ports.keys().collect::<Vec<_>>(), ["443", "80"]);
    assert_eq!(
        errors::<HashMap<u16, String>>(&yaml("80: a\nweb: b\n"), "p"),
        ["p.web: invalid type: string \"web\", expected u16 (at host.yaml:2:6)"]
    );
    let flags: HashMap<bool, u8> = deserialize(&yaml("true: 1\n"), "f").unwrap();
    assert_eq!(flags[&true], 1);
}

#[test]
fn tuples_of_the_wrong_length() {
    assert_eq!(
        deserialize::<(u8, u8)>(&yaml("[1, 2]"), "t").unwrap(),
        (1, 2)
    );
    assert_eq!(
        errors::<(u8, u8)>(&yaml("[1, 2, 3]"), "t"),
        ["t: invalid length 3, expected 2 items in the list (at host.yaml:1:1)"]
    );
    assert_eq!(
        errors::<(u8, u8)>(&yaml("[1]"), "t"),
        ["t: invalid length 1, expected a tuple of size 2 (at host.yaml:1:1)"]
    );
}

#[test]
fn errors_at_the_root() {
    assert_eq!(
        errors::<Vec<u8>>(&toml("a = 1"), ""),
        [": invalid type: map, expected a sequence (at host.toml:1:1)"]
    );
    assert_eq!(
        errors::<u8>(&Node::empty_map(), "x"),
        ["x: invalid type: map, expected u8 (set in code)"]
    );
}

/// Any tree of a few levels, with text among its scalars.
fn tree() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|integer| Value::Integer(integer.into())),
        any::<u64>().prop_map(|integer| Value::Integer(integer.into())),
        any::<f64>().prop_map(Value::Float),
        "[a-z0-9]{0,6}".prop_map(Value::String),
        prop_oneof![
            "[a-z0-9.-]{0,6}",
            Just("true".to_owned()),
            Just("80".to_owned())
        ]
        .prop_map(Value::Text),
    ]
    .prop_map(|value| Node::new(value, Location::Code));
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("greeting".to_owned()),
                        Just("ports".to_owned()),
                        "[a-z]{1,5}"
                    ],
                    inner
                ),
                0..6,
            )
            .prop_map(Value::Map),
        ]
        .prop_map(|value| Node::new(value, Location::Code))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn deserializing_any_tree_does_not_panic(node in tree()) {
        let _ = deserialize::<Greeter>(&node, "g");
        let _ = deserialize::<Server>(&node, "s");
        let _ = deserialize::<Mode>(&node, "m");
        let _ = deserialize::<Vec<Option<Mode>>>(&node, "m");
        let _ = deserialize::<HashMap<u16, Vec<f32>>>(&node, "h");
        let _ = deserialize::<(bool, char, i128)>(&node, "t");
        let _ = deserialize::<(u64, i64, u128)>(&node, "n");
        let _ = deserialize::<serde_json::Value>(&node, "v");
    }
}

#[test]
fn integers_up_to_u64_max_are_read_exactly() {
    #[derive(Debug, Deserialize)]
    struct Limits {
        most: u64,
        least: i64,
        size: usize,
    }
    let texts = [
        (
            Format::Toml,
            "most = 18446744073709551615\nleast = -9223372036854775808\nsize = 0xffffffffffffffff",
        ),
        (
            Format::Json,
            r#"{"most": 18446744073709551615, "least": -9223372036854775808, "size": 18446744073709551615}"#,
        ),
        (
            Format::Yaml,
            "most: 18446744073709551615\nleast: -9223372036854775808\nsize: 0xffffffffffffffff",
        ),
    ];
    for (format, text) in texts {
        let node = parse(text, format, Path::new("f").into()).unwrap();
        let limits: Limits = deserialize(&node, "").unwrap();
        assert_eq!(limits.most, u64::MAX, "{format:?}");
        assert_eq!(limits.least, i64::MIN, "{format:?}");
        assert_eq!(limits.size as u64, u64::MAX, "{format:?}");
        // As any value, too: a `u64`, not a float.
        let any: serde_json::Value = deserialize(&node, "").unwrap();
        assert_eq!(any["most"], serde_json::json!(u64::MAX), "{format:?}");
    }
    // A type that cannot hold it says so, in serde's words.
    assert_eq!(
        errors::<i64>(&yaml("18446744073709551615"), "n"),
        ["n: invalid value: integer `18446744073709551615`, expected i64 (at host.yaml:1:1)"]
    );
    // From an environment variable too.
    assert_eq!(
        deserialize::<u64>(&env("18446744073709551615"), "n").unwrap(),
        u64::MAX
    );
}

/// The messages `docs/configuration.md` shows for the formats' differences ("What each format
/// reads").
#[test]
fn the_formats_differences_read_as_documented() {
    let json = parse(
        "18446744073709551616",
        Format::Json,
        Path::new("host.json").into(),
    )
    .unwrap();
    assert_eq!(
        errors::<u64>(&json, "n"),
        [
            "n: invalid type: floating point `18446744073709552000.0`, expected u64 (at host.json:1:1)"
        ]
    );
    let when = toml("when = 1979-05-27T07:32:00Z");
    assert_eq!(
        deserialize::<String>(when.get("when").unwrap(), "when").unwrap(),
        "1979-05-27T07:32:00Z"
    );
    assert_eq!(
        errors::<u64>(when.get("when").unwrap(), "when"),
        ["when: invalid type: string \"1979-05-27T07:32:00Z\", expected u64 (at host.toml:1:8)"]
    );
}
