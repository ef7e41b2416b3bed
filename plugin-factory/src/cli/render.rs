//! Printing: aligned text tables for people, JSON documents (with `"format": 1`) for scripts.

use std::io::Write;

use serde_json::{Map, Value, json};

use crate::config::{Node, Value as Tree};

/// The version of the JSON shapes `docs/cli.md` documents.
pub(super) const FORMAT: u32 = 1;

/// Where a command prints: its result, and its errors. Write errors (a closed pipe) are
/// ignored: the reader has gone.
pub struct Io<'a> {
    pub(super) out: &'a mut dyn Write,
    pub(super) err: &'a mut dyn Write,
}

impl<'a> Io<'a> {
    /// Results to `out`, errors to `err`.
    pub fn new(out: &'a mut dyn Write, err: &'a mut dyn Write) -> Self {
        Self { out, err }
    }
}

/// A line of the command's result.
macro_rules! out {
    ($io:expr, $($arg:tt)*) => {{
        let _ = ::std::writeln!($io.out, $($arg)*);
    }};
}

/// A line of the command's errors.
macro_rules! err {
    ($io:expr, $($arg:tt)*) => {{
        let _ = ::std::writeln!($io.err, $($arg)*);
    }};
}

pub(super) use {err, out};

/// `document` with `"format"` first, pretty-printed.
pub(super) fn print_json(io: &mut Io<'_>, document: Value) {
    let mut with_format = Map::new();
    with_format.insert("format".to_owned(), json!(FORMAT));
    if let Value::Object(fields) = document {
        with_format.extend(fields);
    }
    let text = serde_json::to_string_pretty(&Value::Object(with_format))
        .expect("a JSON value always serializes");
    out!(io, "{text}");
}

/// Rows under a header, each column as wide as its widest cell, the last one unpadded.
pub(super) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.extend(std::iter::repeat_n(' ', pad));
        }
        text.trim_end().to_owned()
    };
    let mut out = line(&mut header.iter().copied());
    for row in rows {
        out.push('\n');
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// A list for a table cell: `a, b`, or `-` when empty.
pub(super) fn cell<T: AsRef<str>>(items: &[T]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A configuration value as JSON (text read from the environment or an override stays text).
pub(super) fn node_json(node: &Node) -> Value {
    match &node.value {
        Tree::Null => Value::Null,
        Tree::Bool(flag) => json!(flag),
        Tree::Integer(number) => json!(number),
        Tree::Float(number) => json!(number),
        Tree::String(text) | Tree::Text(text) => json!(text),
        Tree::List(items) => Value::Array(items.iter().map(node_json).collect()),
        Tree::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(key, value)| (key.clone(), node_json(value)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_aligns_its_columns_and_trims_the_last() {
        let rows = vec![
            vec!["kv-store".to_owned(), "running".to_owned()],
            vec!["db".to_owned(), "excluded".to_owned()],
        ];
        assert_eq!(
            table(&["name", "state"], &rows),
            "name      state\nkv-store  running\ndb        excluded"
        );
    }

    #[test]
    fn an_empty_list_shows_as_a_dash() {
        assert_eq!(cell::<&str>(&[]), "-");
        assert_eq!(cell(&["a", "b"]), "a, b");
    }
}
