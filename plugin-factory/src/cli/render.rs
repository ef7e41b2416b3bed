//! Printing: aligned text tables for people, JSON documents (with `"format": 1`) for scripts.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::options::Exit;
use crate::error::Error;

use crate::config::{Node, Value as Tree};

/// The version of the JSON shapes `docs/cli.md` documents.
pub(super) const FORMAT: u32 = 1;

/// Where a command prints: its result, and its errors. Write errors (a closed pipe) are
/// ignored: the reader has gone.
pub struct Io<'a> {
    pub(super) out: &'a mut dyn Write,
    pub(super) err: &'a mut dyn Write,
    color: bool,
}

impl<'a> Io<'a> {
    /// Results to `out`, errors to `err`, without colour.
    pub fn new(out: &'a mut dyn Write, err: &'a mut dyn Write) -> Self {
        Self {
            out,
            err,
            color: false,
        }
    }

    /// Colours states and health in text output (a terminal that asked for it: see
    /// [`color_wanted`]).
    pub fn with_color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    /// `text` in the colour that says what it is (a state or a health word), when colour is on.
    pub(super) fn paint(&self, text: &str) -> String {
        match self.color.then(|| style_of(text)).flatten() {
            Some(style) => format!("{style}{text}{style:#}"),
            None => text.to_owned(),
        }
    }
}

/// Whether stdout is a terminal and `NO_COLOR` is not set (to anything): when colour helps.
pub fn color_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The colour of a state or health word: bad in red, doubtful in yellow, good in green.
fn style_of(word: &str) -> Option<anstyle::Style> {
    use anstyle::AnsiColor::{Green, Red, Yellow};
    let color = match word {
        "excluded" | "failed" | "unhealthy" => Red,
        "degraded" | "registered" | "no instance" => Yellow,
        "running" | "validated" | "healthy" | "ok" => Green,
        _ => return None,
    };
    Some(anstyle::Style::new().fg_color(Some(color.into())))
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

/// `outcome` of a phase transition; when a required plugin was excluded on the way, the error
/// and the final report go to `io`'s errors and the command ends with [`Exit::Invalid`].
pub(super) fn or_required<T>(
    outcome: Result<T, Error>,
    io: &mut Io<'_>,
) -> Result<Result<T, Exit>, Error> {
    match outcome {
        Ok(value) => Ok(Ok(value)),
        Err(Error::RequiredPluginExcluded {
            plugin,
            reason,
            report,
        }) => {
            err!(
                io,
                "error: required plugin {plugin:?} was excluded: {reason}\n\n{report}"
            );
            Ok(Err(Exit::Invalid))
        }
        Err(error) => Err(error),
    }
}

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

/// Rows under a header, each column as wide as its widest cell, the last one unpadded; the
/// cells of column `painted` go through [`Io::paint`] after padding.
pub(super) fn table(io: &Io<'_>, header: &[&str], rows: &[Vec<String>], painted: usize) -> String {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>, paint: bool| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            if paint && i == painted {
                text.push_str(&io.paint(cell));
            } else {
                text.push_str(cell);
            }
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.extend(std::iter::repeat_n(' ', pad));
        }
        text.trim_end().to_owned()
    };
    let mut out = line(&mut header.iter().copied(), false);
    for row in rows {
        out.push('\n');
        out.push_str(&line(&mut row.iter().map(String::as_str), true));
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
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let io = Io::new(&mut out, &mut err);
        assert_eq!(
            table(&io, &["name", "state"], &rows, 1),
            "name      state\nkv-store  running\ndb        excluded"
        );
        // With colour, only the painted column's words change, after padding.
        let io = io.with_color(true);
        let coloured = table(
            &io,
            &["state", "name"],
            &[vec!["excluded".to_owned(), "db".to_owned()]],
            0,
        );
        assert_eq!(coloured, "state     name\n\u{1b}[31mexcluded\u{1b}[0m  db");
    }

    #[test]
    fn an_empty_list_shows_as_a_dash() {
        assert_eq!(cell::<&str>(&[]), "-");
        assert_eq!(cell(&["a", "b"]), "a, b");
    }
}
