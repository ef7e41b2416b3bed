use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::tree::parse;

/// A tree with every kind of value, awkward keys and strings included.
const MIXED: &str = r#"{
  "plain": "text",
  "quote \" key": "tab\tnew\nline \u001b[2J \u202e back \\ slash",
  "int": -42,
  "big": 18446744073709551615,
  "float": 1.5,
  "exp": 1e100,
  "flag": true,
  "empty map": {},
  "empty list": [],
  "true": "a key YAML would read as a flag",
  "123": "a key YAML would read as a number",
  "list": [1, "two", [3], {"four": 4, "nested": {"five": 5}}, []],
  "map": {"inner": {"deep": "value", "n": 1}, "after": false}
}"#;

fn read(text: &str, format: Format) -> Node {
    parse(text, format, Arc::from(Path::new("t")))
        .unwrap_or_else(|error| panic!("{error}\n---\n{text}"))
}

#[test]
fn every_format_reads_back_what_it_wrote() {
    let mut tree = read(MIXED, Format::Json);
    let toml = tree.display(Format::Toml).to_string();
    assert!(
        toml.contains("# big = 18446744073709551615 (past TOML's 64-bit integers)\n"),
        "{toml}"
    );
    // TOML cannot hold it: the rest reads back in every format.
    let Value::Map(entries) = &mut tree.value else {
        unreachable!()
    };
    entries.retain(|(key, _)| key != "big");
    for format in [Format::Toml, Format::Yaml, Format::Json] {
        // JSON with comments is for people: the reader takes strict JSON.
        for origins in [false, format != Format::Json] {
            let text = tree.display(format).with_origins(origins).to_string();
            let again = read(&text, format);
            assert!(
                again.same_value(&tree),
                "{format:?}, origins {origins}:\n{text}"
            );
        }
    }
}

#[test]
fn origins_follow_each_value_as_a_comment() {
    let tree = read("[a]\nb = 1\nc = [\"x\"]\n", Format::Toml);
    assert_eq!(
        tree.display(Format::Toml).with_origins(true).to_string(),
        "\n[a]  # t:1:1\nb = 1  # t:2:5\nc = [\"x\"]  # t:3:5\n"
    );
    assert_eq!(
        tree.display(Format::Json).with_origins(true).to_string(),
        "{  // t:1:1\n  \"a\": {  // t:1:1\n    \"b\": 1,  // t:2:5\n    \"c\": [  // t:3:5\n      \"x\"  // t:3:6\n    ]\n  }\n}\n"
    );
    let paths: Vec<String> = origins(&tree)
        .into_iter()
        .map(|(path, at)| format!("{path} {at}"))
        .collect();
    assert_eq!(paths, ["a.b t:2:5", "a.c[0] t:3:6"]);
}

#[test]
fn controls_and_direction_marks_are_written_as_escapes() {
    let node = Node::new(
        Value::String("\u{1b}[2J\u{202e}".to_owned()),
        Location::Code,
    );
    for format in [Format::Toml, Format::Yaml, Format::Json] {
        let text = node.display(format).to_string();
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{202e}'),
            "{text}"
        );
        assert!(text.contains("\\u001B[2J\\u202E"), "{text}");
    }
}

#[test]
fn what_a_format_cannot_hold_is_said_plainly() {
    let tree = read("a: null\nb: .nan\nc: -.inf\n", Format::Yaml);
    assert_eq!(
        tree.display(Format::Toml).to_string(),
        "# a = null (TOML has no null)\nb = nan\nc = -inf\n"
    );
    assert_eq!(
        tree.display(Format::Json).to_string(),
        "{\n  \"a\": null,\n  \"b\": null,\n  \"c\": null\n}\n"
    );
    assert_eq!(
        tree.display(Format::Yaml).to_string(),
        "a: null\nb: .nan\nc: -.inf\n"
    );
}
