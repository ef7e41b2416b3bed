//! `typed`: text values read as the type reads them, for showing a configuration.

use serde::Deserialize;

use super::env;
use crate::tree::{Location, Node, Value, typed};

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // Read for its types only.
struct Typed {
    port: u16,
    ratio: f64,
    flag: bool,
    name: String,
    big: u128,
    ports: Vec<i32>,
    inner: Option<Box<Typed>>,
}

/// Each text value as [`typed`] gives it back: `kind value`.
fn typed_values(node: &Node) -> Vec<String> {
    node.origins()
        .into_iter()
        .map(|(path, _)| {
            let value = node
                .pointer(path.split('.'))
                .map(|found| match &found.value {
                    Value::Integer(n) => format!("integer {n}"),
                    Value::Float(x) => format!("float {x}"),
                    Value::Bool(b) => format!("bool {b}"),
                    Value::String(s) => format!("string {s}"),
                    Value::Text(s) => format!("text {s}"),
                    other => other.kind().to_owned(),
                })
                .unwrap_or_else(|| "in a list".to_owned());
            format!("{path}: {value}")
        })
        .collect()
}

#[test]
fn text_is_typed_as_the_type_reads_it() {
    let mut node = Node::empty_map();
    for (key, text) in [
        ("port", "8080"),
        ("ratio", "2"),
        ("flag", "true"),
        ("name", "8080"),
        ("big", "340282366920938463463374607431768211455"),
        ("unknown", "1"),
        ("inner.port", "x"),
        ("inner.flag", "false"),
    ] {
        if key == "unknown" {
            node.set(
                ["ports"],
                Node::new(Value::List(vec![env("-3")]), Location::Code),
            );
        }
        node.set(key.split('.'), env(text));
    }
    let typed = typed::<Typed>(&node, "config");
    assert_eq!(
        typed_values(&typed),
        [
            "port: integer 8080",
            "ratio: float 2",
            "flag: bool true",
            "name: string 8080",
            // Past `i128`: kept as text read, a string.
            "big: string 340282366920938463463374607431768211455",
            "ports[0]: in a list",
            // Read by no field, and refused: strings.
            "unknown: string 1",
            "inner.port: string x",
            // Not reached: reading stopped at the refused port.
            "inner.flag: string false",
        ]
    );
    let Some(Value::List(ports)) = typed.get("ports").map(|ports| &ports.value) else {
        panic!("{typed:?}")
    };
    assert!(matches!(ports[0].value, Value::Integer(-3)), "{ports:?}");
    // Locations are kept.
    assert_eq!(typed.get("port").unwrap().at, env("").at);
}
