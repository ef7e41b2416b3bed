//! The YAML reader's tests: positions, the core schema, keys, anchors and aliases with their
//! budget, tags, documents and nesting.

use std::path::Path;

use crate::tree::{Format, Location, Node, ParseError, Value, parse};

fn yaml(text: &str) -> Result<Node, ParseError> {
    parse(text, Format::Yaml, Path::new("f").into())
}

fn at(line: u32, column: u32) -> Location {
    Location::File {
        path: Path::new("f").into(),
        line,
        column,
    }
}

fn items(node: &Node) -> &[Node] {
    match &node.value {
        Value::List(items) => items,
        other => panic!("not a list: {other:?}"),
    }
}

#[test]
fn every_node_has_its_position() {
    let text = "# settings\nname: x\nserver:\n  port: 8080\n  hosts:\n    - a\n    - 'b'\n  \
                limits: {cpu: 1.5, on: true}\n";
    let root = yaml(text).unwrap();
    assert_eq!(root.at, at(2, 1));
    assert_eq!(root.get("name").unwrap().at, at(2, 7));
    let server = root.get("server").unwrap();
    assert_eq!(server.at, at(4, 3));
    let port = server.get("port").unwrap();
    assert!(matches!(port.value, Value::Integer(8080)));
    assert_eq!(port.at, at(4, 9));
    let hosts = server.get("hosts").unwrap();
    assert_eq!(hosts.at, at(6, 5));
    assert_eq!(items(hosts)[1].at, at(7, 7));
    assert!(matches!(&items(hosts)[1].value, Value::String(s) if s == "b"));
    let limits = server.get("limits").unwrap();
    assert_eq!(limits.at, at(8, 11));
    assert_eq!(limits.get("cpu").unwrap().at, at(8, 17));
    assert!(matches!(limits.get("on").unwrap().value, Value::Bool(true)));
}

#[test]
fn scalars_follow_the_core_schema() {
    let root = yaml(
        "a: ~\nb: True\nc: 0x1F\nd: 0o17\ne: -12\nf: 1e3\ng: .5\nh: -.INF\ni: '3'\nj: yes\n\
         k: 1.2.3\nl: |\n  text\nm: !!str 5\nn: !!float 2\no: 99999999999999999999\n",
    )
    .unwrap();
    let value = |key: &str| root.get(key).unwrap().value.clone();
    assert!(matches!(value("a"), Value::Null));
    assert!(matches!(value("b"), Value::Bool(true)));
    assert!(matches!(value("c"), Value::Integer(31)));
    assert!(matches!(value("d"), Value::Integer(15)));
    assert!(matches!(value("e"), Value::Integer(-12)));
    assert!(matches!(value("f"), Value::Float(f) if f == 1000.0));
    assert!(matches!(value("g"), Value::Float(f) if f == 0.5));
    assert!(matches!(value("h"), Value::Float(f) if f == f64::NEG_INFINITY));
    assert!(matches!(value("i"), Value::String(s) if s == "3"));
    // YAML 1.2: `yes` is a string.
    assert!(matches!(value("j"), Value::String(s) if s == "yes"));
    assert!(matches!(value("k"), Value::String(s) if s == "1.2.3"));
    assert!(matches!(value("l"), Value::String(s) if s == "text\n"));
    assert!(matches!(value("m"), Value::String(s) if s == "5"));
    assert!(matches!(value("n"), Value::Float(f) if f == 2.0));
    assert!(matches!(value("o"), Value::Float(f) if f == 1e20));
}

#[test]
fn keys_are_strings_as_written() {
    let root = yaml("8080: a\ntrue: b\n~: c\n").unwrap();
    let Value::Map(entries) = &root.value else {
        panic!()
    };
    let keys: Vec<_> = entries.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["8080", "true", "~"]);
    let error = yaml("? [a, b]\n: c\n").unwrap_err();
    assert_eq!(error.to_string(), "a map key must be a string (at f:1:3)");
}

#[test]
fn aliases_resolve() {
    let root = yaml("base: &b\n  port: 1\nother: *b\nkey: &k name\nmap:\n  *k : 2\n").unwrap();
    let other = root.get("other").unwrap();
    assert_eq!(other.at, at(3, 8));
    // What the alias holds keeps where it was written.
    assert_eq!(other.get("port").unwrap().at, at(2, 9));
    assert!(matches!(
        root.pointer(["map", "name"]).unwrap().value,
        Value::Integer(2)
    ));
    let error = yaml("a: *nope\n").unwrap_err();
    assert_eq!(error.at.to_string(), "f:1:4");
}

#[test]
fn aliases_cannot_explode() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = i - 1;
        text += &format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n");
    }
    let error = yaml(&text).unwrap_err();
    assert_eq!(error.message, "aliases expand to more than 100000 values");
}

#[test]
fn aliases_of_long_text_cannot_explode() {
    // One long string, copied by aliases: as values, few; as text, much. The 140th copy
    // passes 4 MiB.
    let long = "x".repeat(30_000);
    let aliases = vec!["*a"; 900].join(", ");
    let error = yaml(&format!("a: &a \"{long}\"\nb: [{aliases}]\n")).unwrap_err();
    assert_eq!(
        error.message,
        "aliases expand to more than 4194304 bytes of text"
    );
    assert_eq!(error.at, at(2, 561));
    // As keys too.
    let keys: String = (0..200).map(|i| format!("- {{*a : {i}}}\n")).collect();
    let error = yaml(&format!("a: &a {long}\nl:\n{keys}")).unwrap_err();
    assert_eq!(
        error.message,
        "aliases expand to more than 4194304 bytes of text"
    );
    // A few copies are fine.
    assert!(yaml(&format!("a: &a {long}\nb: [*a, *a, *a]\n")).is_ok());
}

#[test]
fn nesting_past_the_limit_says_so_whoever_finds_it() {
    for depth in [129, 1_000] {
        let text = format!("x: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let error = yaml(&text).unwrap_err();
        assert_eq!(error.message, "nesting deeper than 128 levels", "{depth}");
    }
}

#[test]
fn duplicate_keys_are_errors_at_the_second() {
    let error = yaml("a: 1\nb:\n  a: 2\na: 3\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "duplicate key `a` (first at f:1:1) (at f:4:1)"
    );
    // Keys compare as strings.
    let error = yaml("{1: a, '1': b}").unwrap_err();
    assert_eq!(
        error.to_string(),
        "duplicate key `1` (first at f:1:2) (at f:1:8)"
    );
}

#[test]
fn empty_text_is_null() {
    for text in ["", "\n", "# only a comment\n"] {
        let root = yaml(text).unwrap();
        assert!(matches!(root.value, Value::Null));
        assert_eq!(root.at, at(1, 1));
    }
}

#[test]
fn one_document_only() {
    let error = yaml("a: 1\n---\nb: 2\n").unwrap_err();
    assert_eq!(error.to_string(), "more than one YAML document (at f:2:1)");
    assert!(yaml("---\na: 1\n...\n").is_ok());
}

#[test]
fn syntax_errors_have_a_position() {
    let error = yaml("a: [1, 2\nb: 3\n").unwrap_err();
    assert!(
        matches!(error.at, Location::File { line: 2, .. }),
        "{error}"
    );
    let error = yaml("a: b: c\n").unwrap_err();
    assert_eq!(error.at, at(1, 5), "{error}");
}

#[test]
fn tags() {
    let error = yaml("a: !!int x\n").unwrap_err();
    assert_eq!(error.to_string(), "`x` is not a valid `!!int` (at f:1:4)");
    let error = yaml("a: !custom x\n").unwrap_err();
    assert_eq!(error.to_string(), "unsupported tag `!custom` (at f:1:4)");
    let error = yaml("a: !<tag:x> 1\n").unwrap_err();
    assert_eq!(error.message, "unsupported tag `!<tag:x>`");
    let error = yaml("a: !!seq {b: 1}\n").unwrap_err();
    assert_eq!(error.to_string(), "unsupported tag `!!seq` (at f:1:4)");
    // On keys too.
    let error = yaml("!foo a: 1\n").unwrap_err();
    assert_eq!(error.to_string(), "unsupported tag `!foo` (at f:1:1)");
    let error = yaml("!!int x: 1\n").unwrap_err();
    assert_eq!(error.to_string(), "`x` is not a valid `!!int` (at f:1:1)");
    let error = yaml("!!map k: 1\n").unwrap_err();
    assert_eq!(error.to_string(), "unsupported tag `!!map` (at f:1:1)");
    assert!(yaml("!!str 5: a\n!!int 6: b\n").is_ok());
    let root = yaml("a: ! 12\nb: !!map {c: 1}\n").unwrap();
    assert!(matches!(&root.get("a").unwrap().value, Value::String(s) if s == "12"));
}
