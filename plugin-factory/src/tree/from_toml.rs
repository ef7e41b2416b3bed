//! TOML through `toml`'s document parser, which keeps the byte span of every key and value.

use toml::de::{DeTable, DeValue};

use super::node::{self, Node, Value};
use super::source::{MAX_DEPTH, ParseError, Source};

/// How deep `toml`'s parser nests arrays, inline tables and dotted keys (its `LIMIT`; a test
/// pins it).
const TOML_DEPTH: usize = 80;

pub(super) fn parse(source: &Source<'_>) -> Result<Node, ParseError> {
    let table = DeTable::parse(source.text).map_err(|error| {
        // The plain message: the error's `Display` renders a snippet with carets.
        let offset = error.span().map_or(0, |span| span.start);
        // TOML allows no control character but tab and line breaks, anywhere; the parser
        // then reports what it expected where it stopped ("key with no value" for a form
        // feed), which does not say why.
        if let Some((at, c)) = source
            .text
            .char_indices()
            .take_while(|&(at, _)| at <= offset)
            .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            let message = format!(
                "control character {} is not allowed in TOML: white space is spaces and tabs, \
                 and a line ends with LF or CRLF",
                control_name(c)
            );
            return source.error(message, source.at(at));
        }
        let message = error.message().trim_end();
        // toml says "duplicate key" without the key; the span holds it. Worded as the JSON
        // and YAML readers word it.
        let key = error
            .span()
            .and_then(|span| source.text.get(span))
            .filter(|key| message == "duplicate key" && !key.is_empty());
        // `toml`'s own limits on nesting (arrays and inline tables, dotted keys), lower than
        // ours: said as ours is, with its number.
        if matches!(
            message,
            "cannot recurse further; max recursion depth met" | "recursion limit"
        ) {
            let message =
                format!("nesting deeper than {TOML_DEPTH} levels, the most TOML's parser reads");
            return source.error(message, source.at(offset));
        }
        match key {
            Some(key) => source.error(
                format!("duplicate key `{}`", key.trim_matches('"')),
                source.at(offset),
            ),
            None => source.error(message, source.at(offset)),
        }
    })?;
    // The document is a map that starts where the file does, whatever comes first in it.
    table_node(source, table.get_ref(), 0, 0)
}

/// `U+000C (form feed)`: a control character by its code and, where it has a common one, its
/// name.
fn control_name(c: char) -> String {
    let name = match c {
        '\0' => " (NUL)",
        '\u{8}' => " (backspace)",
        '\u{b}' => " (vertical tab)",
        '\u{c}' => " (form feed)",
        '\u{1b}' => " (escape)",
        '\u{7f}' => " (delete)",
        _ => "",
    };
    format!("U+{:04X}{name}", u32::from(c))
}

fn table_node(
    source: &Source<'_>,
    table: &DeTable<'_>,
    start: usize,
    depth: usize,
) -> Result<Node, ParseError> {
    let at = source.at(start);
    if depth > MAX_DEPTH {
        return Err(source.too_deep(at));
    }
    // Without its `preserve_order` feature `toml` sorts keys; the spans give the written order.
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    let entries = entries
        .into_iter()
        .map(|(key, value)| {
            let node = node(source, value.get_ref(), value.span().start, depth + 1)?;
            Ok((key.get_ref().to_string(), node))
        })
        .collect::<Result<_, ParseError>>()?;
    Ok(Node::new(Value::Map(entries), at))
}

fn node(
    source: &Source<'_>,
    value: &DeValue<'_>,
    start: usize,
    depth: usize,
) -> Result<Node, ParseError> {
    let at = source.at(start);
    let value = match value {
        DeValue::String(text) => Value::String(text.to_string()),
        DeValue::Integer(integer) => {
            // `toml`'s deserializer reads `i64` and `u64`: so does the tree.
            match node::integer(integer.as_str(), integer.radix()) {
                Some(integer) => Value::Integer(integer),
                // `toml`'s own deserializer's words.
                None => return Err(source.error("integer number overflowed", at)),
            }
        }
        DeValue::Float(float) => match float.as_str().parse::<f64>() {
            // Infinity is written `inf`; a finite number too large for `f64` is refused, in
            // `toml`'s words.
            Ok(parsed) if parsed.is_infinite() && !float.as_str().ends_with("inf") => {
                return Err(source.error("floating-point number overflowed", at));
            }
            Ok(parsed) => Value::Float(parsed),
            Err(_) => return Err(source.error("invalid floating-point number", at)),
        },
        DeValue::Boolean(flag) => Value::Bool(*flag),
        DeValue::Datetime(datetime) => Value::String(datetime.to_string()),
        DeValue::Array(items) => {
            if depth > MAX_DEPTH {
                return Err(source.too_deep(at));
            }
            let items = items
                .iter()
                .map(|item| node(source, item.get_ref(), item.span().start, depth + 1))
                .collect::<Result<_, _>>()?;
            Value::List(items)
        }
        DeValue::Table(table) => return table_node(source, table, start, depth),
    };
    Ok(Node::new(value, at))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::tree::{Format, Location, Node, ParseError, Value, parse};

    fn at(line: u32, column: u32) -> Location {
        Location::File {
            path: Path::new("f").into(),
            line,
            column,
        }
    }

    fn toml(text: &str) -> Result<Node, ParseError> {
        parse(text, Format::Toml, Path::new("f").into())
    }

    /// The keys of a map node, in order.
    fn keys(node: &Node) -> Vec<&str> {
        match &node.value {
            Value::Map(entries) => entries.iter().map(|(k, _)| k.as_str()).collect(),
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn every_node_has_its_position() {
        let text = "# settings\nname = \"x\"\n\n[server]\nport = 8080\nhosts = [\"a\", 'b']\n\
                    limits = { cpu = 1.5, on = true }\n";
        let root = toml(text).unwrap();
        assert_eq!(root.at, at(1, 1));
        assert_eq!(keys(&root), ["name", "server"]);
        assert_eq!(root.get("name").unwrap().at, at(2, 8));
        let server = root.get("server").unwrap();
        assert_eq!(keys(server), ["port", "hosts", "limits"]);
        let port = server.get("port").unwrap();
        assert!(matches!(port.value, Value::Integer(8080)));
        assert_eq!(port.at, at(5, 8));
        let hosts = server.get("hosts").unwrap();
        assert_eq!(hosts.at, at(6, 9));
        let Value::List(items) = &hosts.value else {
            panic!()
        };
        assert_eq!(items[1].at, at(6, 15));
        assert!(matches!(&items[1].value, Value::String(s) if s == "b"));
        let limits = server.get("limits").unwrap();
        assert_eq!(limits.at, at(7, 10));
        assert_eq!(limits.get("cpu").unwrap().at, at(7, 18));
        assert!(matches!(limits.get("on").unwrap().value, Value::Bool(true)));
    }

    #[test]
    fn keys_keep_the_written_order() {
        let root = toml("zeta = 1\nalpha = 2\nmid.b = 3\nmid.a = 4\n").unwrap();
        assert_eq!(keys(&root), ["zeta", "alpha", "mid"]);
        assert_eq!(keys(root.get("mid").unwrap()), ["b", "a"]);
    }

    #[test]
    fn scalars_convert() {
        let root = toml("hex = 0xff\nneg = -3\nf = 1e3\ninf = -inf\nwhen = 1979-05-27T07:32:00Z\n")
            .unwrap();
        assert!(matches!(
            root.get("hex").unwrap().value,
            Value::Integer(255)
        ));
        assert!(matches!(root.get("neg").unwrap().value, Value::Integer(-3)));
        assert!(matches!(root.get("f").unwrap().value, Value::Float(f) if f == 1000.0));
        assert!(
            matches!(root.get("inf").unwrap().value, Value::Float(f) if f == f64::NEG_INFINITY)
        );
        let when = &root.get("when").unwrap().value;
        assert!(matches!(when, Value::String(s) if s == "1979-05-27T07:32:00Z"));
    }

    #[test]
    fn arrays_of_tables() {
        let root = toml("[[item]]\nid = 1\n\n[[item]]\nid = 2\n").unwrap();
        let Value::List(items) = &root.get("item").unwrap().value else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert!(matches!(
            items[1].get("id").unwrap().value,
            Value::Integer(2)
        ));
        assert_eq!(items[1].get("id").unwrap().at, at(5, 6));
    }

    #[test]
    fn empty_text_is_an_empty_map() {
        let root = toml("").unwrap();
        assert!(matches!(&root.value, Value::Map(entries) if entries.is_empty()));
        assert_eq!(root.at, at(1, 1));
    }

    #[test]
    fn tables_start_at_their_header() {
        let root =
            toml("x = 1\n[server]\nport = 1\n\n[[item]]\nid = 1\n[[item]]\nid = 2\n").unwrap();
        assert_eq!(root.get("server").unwrap().at, at(2, 1));
        let Value::List(items) = &root.get("item").unwrap().value else {
            panic!()
        };
        assert_eq!(items[1].at, at(7, 1));
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let root = toml("\u{feff}a = 1").unwrap();
        assert_eq!(root.get("a").unwrap().at, at(1, 5));
    }

    #[test]
    fn nesting_stops_at_the_parser_s_limit_with_our_words() {
        let nested = |depth: usize| format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        assert!(toml(&nested(super::TOML_DEPTH)).is_ok());
        let error = toml(&nested(super::TOML_DEPTH + 1)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "nesting deeper than 80 levels, the most TOML's parser reads (at f:1:85)"
        );
        let dotted = format!("{} = 1\n", vec!["k"; 1_000].join("."));
        let error = toml(&dotted).unwrap_err();
        assert_eq!(
            error.to_string(),
            "nesting deeper than 80 levels, the most TOML's parser reads (at f:1:1)"
        );
    }

    #[test]
    fn syntax_errors_have_the_plain_message_and_position() {
        let error = toml("a = 1\nb = \n").unwrap_err();
        assert_eq!(error.at, at(2, 5));
        assert!(!error.message.contains('|'), "{}", error.message);
        assert!(!error.message.is_empty());
        let error = toml("a = 1\na = 2\n").unwrap_err();
        assert_eq!(error.message, "duplicate key `a`");
        assert_eq!(error.at, at(2, 1));
        let root = toml("n = 18446744073709551615\nx = 0xffffffffffffffff\n").unwrap();
        assert!(matches!(root.get("n").unwrap().value, Value::Integer(n) if n == u64::MAX.into()));
        assert!(matches!(root.get("x").unwrap().value, Value::Integer(n) if n == u64::MAX.into()));
        let error = toml("f = -1.5e400\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "floating-point number overflowed (at f:1:5)"
        );
        assert!(toml("f = -inf\ng = 1.7976931348623157e308\n").is_ok());
        let error = toml("n = 99999999999999999999\n").unwrap_err();
        assert_eq!(error.to_string(), "integer number overflowed (at f:1:5)");
    }
}
