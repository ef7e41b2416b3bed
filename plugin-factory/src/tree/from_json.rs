//! JSON in two passes. `serde_json` decides whether the text is JSON, so a syntax error reads
//! as it does everywhere else (its message, line and column). dprint's `jsonc-parser`, with
//! every extension turned off, then gives the byte range of each value and key: `serde_json`
//! keeps no positions, and reading JSON as YAML would refuse valid JSON (keys longer than 1024
//! characters, a line break before a colon).

use std::borrow::Cow;

use jsonc_parser::ast::{self, ObjectPropName};
use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::{CollectOptions, ParseOptions};
use serde::de::IgnoredAny;

use super::node::{self, Location, Node, Value};
use super::source::{MAX_DEPTH, MapBuilder, ParseError, Source};

pub(super) fn parse(source: &Source<'_>) -> Result<Node, ParseError> {
    // A byte order mark, which editors may write, as the spaces of its three bytes: the offsets
    // stay those of the file.
    let text = match source.text.strip_prefix('\u{feff}') {
        Some(rest) => Cow::Owned(format!("   {rest}")),
        None => Cow::Borrowed(source.text),
    };
    if let Err(error) = serde_json::from_str::<IgnoredAny>(&text) {
        return Err(syntax_error(source, &error));
    }
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = jsonc_parser::parse_to_ast(&text, &CollectOptions::default(), &strict).map_err(
        |error| match error.kind() {
            // Its own limit is deeper than ours: say ours, where ours is passed, as the tree's
            // check below says it for a depth between the two.
            ParseErrorKind::NestingDepthExceeded => {
                source.too_deep(source.at(too_deep_at(&text).unwrap_or(error.range().start)))
            }
            kind => source.error(kind.to_string(), source.at(error.range().start)),
        },
    )?;
    match parsed.value {
        Some(value) => node(source, value, 0),
        // `serde_json` already refused text without a value.
        None => Err(source.error("EOF while parsing a value", source.at(source.text.len()))),
    }
}

/// The offset of the first collection nested deeper than [`MAX_DEPTH`] in valid JSON `text`:
/// brackets and braces counted outside strings.
fn too_deep_at(text: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, byte) in text.bytes().enumerate() {
        match (in_string, byte) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') | (false, b'"') => in_string = !in_string,
            (false, b'[' | b'{') => {
                depth += 1;
                // The document is the first level, as `node` counts it.
                if depth > MAX_DEPTH {
                    return Some(at);
                }
            }
            (false, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// `serde_json`'s error without the position it writes into its message. Its column counts
/// bytes and is 0 when the error comes before the line's first byte: the location counts
/// characters from 1.
fn syntax_error(source: &Source<'_>, error: &serde_json::Error) -> ParseError {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    let line_start = source
        .text
        .split_inclusive('\n')
        .take(error.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let at = source.at(line_start + error.column().saturating_sub(1));
    source.error(message, at)
}

fn node(source: &Source<'_>, value: ast::Value<'_>, depth: usize) -> Result<Node, ParseError> {
    let (start, value) = match value {
        ast::Value::StringLit(string) => (string.range.start, Value::String(string.value.into())),
        ast::Value::NumberLit(number) => {
            let at = source.at(number.range.start);
            (number.range.start, number_value(source, number.value, &at)?)
        }
        ast::Value::BooleanLit(flag) => (flag.range.start, Value::Bool(flag.value)),
        ast::Value::NullKeyword(null) => (null.range.start, Value::Null),
        ast::Value::Array(array) => {
            if depth >= MAX_DEPTH {
                return Err(source.too_deep(source.at(array.range.start)));
            }
            let items = array
                .elements
                .into_iter()
                .map(|item| node(source, item, depth + 1))
                .collect::<Result<_, _>>()?;
            (array.range.start, Value::List(items))
        }
        ast::Value::Object(object) => {
            let at = source.at(object.range.start);
            if depth >= MAX_DEPTH {
                return Err(source.too_deep(at));
            }
            let mut map = MapBuilder::default();
            for property in object.properties {
                let (key, key_start) = match property.name {
                    ObjectPropName::String(name) => (name.value.into_owned(), name.range.start),
                    ObjectPropName::Word(name) => (name.value.to_owned(), name.range.start),
                };
                let value = node(source, property.value, depth + 1)?;
                map.insert(key, source.at(key_start), value)?;
            }
            return Ok(map.finish(at));
        }
    };
    Ok(Node::new(value, source.at(start)))
}

/// An integer if it fits `i64` or `u64` (as `serde_json` reads it), a float otherwise (`-0`
/// too: `serde_json` reads it as the float `-0.0`).
fn number_value(source: &Source<'_>, text: &str, at: &Location) -> Result<Value, ParseError> {
    if let Some(integer) = node::integer(text, 10)
        && !(integer == 0 && text.starts_with('-'))
    {
        return Ok(Value::Integer(integer));
    }
    match text.parse::<f64>() {
        Ok(float) if float.is_finite() => Ok(Value::Float(float)),
        // `serde_json`'s words for a number past `f64`.
        _ => Err(source.error("number out of range", at.clone())),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::tree::{Format, Location, Node, ParseError, Value, parse};

    fn json(text: &str) -> Result<Node, ParseError> {
        parse(text, Format::Json, Path::new("f").into())
    }

    fn at(line: u32, column: u32) -> Location {
        Location::File {
            path: Path::new("f").into(),
            line,
            column,
        }
    }

    #[test]
    fn every_node_has_its_position() {
        let text = "{\n  \"name\": \"x\",\n  \"server\": {\"port\": 8080, \"on\": true},\n  \
                    \"list\": [1.5, null, -7, 18446744073709551616, 18446744073709551615]\n}";
        let root = json(text).unwrap();
        assert_eq!(root.at, at(1, 1));
        assert_eq!(root.get("name").unwrap().at, at(2, 11));
        let server = root.get("server").unwrap();
        assert_eq!(server.at, at(3, 13));
        let port = server.get("port").unwrap();
        assert!(matches!(port.value, Value::Integer(8080)));
        assert_eq!(port.at, at(3, 22));
        assert!(matches!(server.get("on").unwrap().value, Value::Bool(true)));
        let list = root.get("list").unwrap();
        assert_eq!(list.at, at(4, 11));
        let Value::List(items) = &list.value else {
            panic!("{list:?}")
        };
        assert!(matches!(items[0].value, Value::Float(f) if f == 1.5));
        assert!(matches!(items[1].value, Value::Null));
        assert_eq!(items[1].at, at(4, 17));
        assert!(matches!(items[2].value, Value::Integer(-7)));
        // Past `u64`: a float; `u64` exactly.
        assert!(matches!(items[3].value, Value::Float(f) if f == 18446744073709551616.0));
        assert!(matches!(items[4].value, Value::Integer(n) if n == u64::MAX.into()));
    }

    #[test]
    fn columns_count_characters() {
        let root = json("{\"é\": \"ü\", \"k\": 1}").unwrap();
        assert_eq!(root.get("k").unwrap().at, at(1, 17));
    }

    #[test]
    fn syntax_errors_read_like_serde_json() {
        let error = json("{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!(error.to_string(), "key must be a string (at f:3:1)");
        let error = json("{\"a\": tru}").unwrap_err();
        assert_eq!(error.to_string(), "expected ident (at f:1:10)");
        let error = json("[1] x").unwrap_err();
        assert_eq!(error.to_string(), "trailing characters (at f:1:5)");
        let error = json("// no comments\n{}").unwrap_err();
        assert_eq!(error.to_string(), "expected value (at f:1:1)");
    }

    #[test]
    fn empty_text_is_a_syntax_error() {
        let error = json("").unwrap_err();
        assert_eq!(error.to_string(), "EOF while parsing a value (at f:1:1)");
        let error = json("  \n ").unwrap_err();
        assert_eq!(error.to_string(), "EOF while parsing a value (at f:2:1)");
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second() {
        let error = json("{\"a\": 1,\n \"b\": {\"a\": 2},\n \"a\": 3}").unwrap_err();
        assert_eq!(
            error.to_string(),
            "duplicate key `a` (first at f:1:2) (at f:3:2)"
        );
    }

    #[test]
    fn nesting_past_the_limit_says_so_wherever_it_ends() {
        // Just past the limit, the tree's check; far past it, the parser's, reported as ours.
        // 127 lists in the document's map: 128 levels, the most.
        let most = format!("{{\"x\": {}1{}}}", "[".repeat(127), "]".repeat(127));
        assert!(json(&most).is_ok());
        for depth in [128, 600, 30_000] {
            let text = format!(
                "{{\"s\": \"[{{\", \"x\": {}1{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let error = json(&text).unwrap_err();
            assert_eq!(
                error.to_string(),
                "nesting deeper than 128 levels (at f:1:145)",
                "{depth}"
            );
        }
    }

    #[test]
    fn minus_zero_is_the_float_serde_json_reads() {
        let root = json("[-0, 0, -0.0]").unwrap();
        let Value::List(items) = &root.value else {
            panic!()
        };
        assert!(matches!(items[0].value, Value::Float(f) if f == 0.0 && f.is_sign_negative()));
        assert!(matches!(items[1].value, Value::Integer(0)));
        assert!(matches!(items[2].value, Value::Float(f) if f.is_sign_negative()));
    }

    #[test]
    fn numbers_past_f64_are_errors() {
        let error = json("[1e999]").unwrap_err();
        assert_eq!(error.message, "number out of range");
        assert_eq!(error.at, at(1, 2));
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let root = json("\u{feff}{\"a\": 1}").unwrap();
        assert_eq!(root.at, at(1, 1));
        assert_eq!(root.get("a").unwrap().at, at(1, 7));
        let error = json("\u{feff}[x]").unwrap_err();
        assert_eq!(error.to_string(), "expected value (at f:1:2)");
    }

    #[test]
    fn scalars_at_the_top() {
        let root = json(" \"text\"").unwrap();
        assert!(matches!(&root.value, Value::String(s) if s == "text"));
        assert_eq!(root.at, at(1, 2));
    }
}
