//! Writing a tree back as text, in any of the three formats, each value optionally followed by
//! where it was read as a comment (`# host.toml:7:12` in TOML and YAML, `// ...` in JSON, as
//! JSON-with-comments editors show it; the reader, strict, takes JSON without them): what
//! `config show --origin` prints, after `git config --show-origin`.
//!
//! The format crates write values, not comments beside each one, so the writing is done here;
//! it is small because every string, in all three formats, is written the same way: double
//! quotes with JSON's escapes, which TOML's basic strings and YAML's double-quoted scalars read
//! alike. Controls and text-direction marks are escaped, so that what is printed is what was
//! read (see `shown.rs`). What is written reads back as the same values.

use std::fmt::{self, Write};

use super::node::{Location, Node, Value};
use super::parse::Format;
use super::shown::unsafe_char;

/// A tree written as text: [`Node::display`].
#[derive(Debug, Clone, Copy)]
#[must_use = "a `Written` does nothing until it is displayed"]
pub struct Written<'a> {
    node: &'a Node,
    format: Format,
    origins: bool,
}

impl Node {
    /// This tree as text in `format`, for showing (`Display`). Strings are escaped as the format
    /// requires, and the text reads back as the same values, except what a format cannot hold:
    /// TOML writes a null and an integer past `i64` as a comment, JSON an infinity or NaN as
    /// `null`. With [`with_origins`](Written::with_origins), each value is followed by where it
    /// was read, as a comment (`//` in JSON, which the strict JSON reader then refuses).
    ///
    /// ```
    /// use plugin_factory::config::{Format, Loader};
    ///
    /// let config = Loader::new()
    ///     .text("app.toml", Format::Toml, "[plugins.greeter]\nenabled = false\n")
    ///     .load()?;
    /// let shown = config.tree().display(Format::Yaml).with_origins(true).to_string();
    /// assert_eq!(
    ///     shown,
    ///     "plugins:  # app.toml:1:2\n  greeter:  # app.toml:1:1\n    enabled: false  # app.toml:2:11\n"
    /// );
    /// # Ok::<(), plugin_factory::config::ConfigError>(())
    /// ```
    pub fn display(&self, format: Format) -> Written<'_> {
        Written {
            node: self,
            format,
            origins: false,
        }
    }
}

impl Written<'_> {
    /// Whether each value is followed by a comment saying where it was read.
    pub fn with_origins(mut self, origins: bool) -> Self {
        self.origins = origins;
        self
    }
}

impl fmt::Display for Written<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Out {
            f,
            origins: self.origins,
        };
        match self.format {
            Format::Toml => toml(&mut out, self.node),
            Format::Yaml => yaml(&mut out, self.node),
            Format::Json => {
                json(&mut out, self.node, 0, "")?;
                // A collection's origin follows its opening bracket.
                if is_flat(&self.node.value) {
                    out.origin(self.node)?;
                }
                out.f.write_char('\n')
            }
        }
    }
}

/// The text being written, and whether origins go in it.
struct Out<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    origins: bool,
}

impl Out<'_, '_> {
    /// The end of a line: `node`'s origin as a comment when asked for, in `mark`'s syntax.
    fn end(&mut self, node: &Node, mark: &str) -> fmt::Result {
        if self.origins {
            write!(self.f, "  {mark} {}", node.at)?;
        }
        self.f.write_char('\n')
    }

    /// JSON's origin comment, before the line ends.
    fn origin(&mut self, node: &Node) -> fmt::Result {
        if self.origins {
            write!(self.f, "  // {}", node.at)?;
        }
        Ok(())
    }

    fn indent(&mut self, depth: usize) -> fmt::Result {
        for _ in 0..depth {
            self.f.write_str("  ")?;
        }
        Ok(())
    }
}

/// `text` in double quotes, escaped as JSON escapes it, and what `shown.rs` finds unsafe to
/// print (controls, text-direction marks) as `\uXXXX` (all three formats read that).
fn quoted(f: &mut impl Write, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            c if unsafe_char(c) => {
                write!(f, "\\u{:04X}", u32::from(c))?;
            }
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// A scalar, or an empty collection, as all three formats write it (the caller handles the
/// rest and what a format lacks).
fn scalar(f: &mut impl Write, value: &Value, format: Format) -> fmt::Result {
    match value {
        Value::Null => f.write_str("null"),
        Value::Bool(flag) => write!(f, "{flag}"),
        Value::Integer(integer) => write!(f, "{integer}"),
        Value::Float(float) => match (format, float) {
            (_, x) if x.is_finite() => write!(f, "{float:?}"),
            (Format::Json, _) => f.write_str("null"),
            (Format::Toml, x) if x.is_nan() => f.write_str("nan"),
            (Format::Toml, x) => f.write_str(if *x > 0.0 { "inf" } else { "-inf" }),
            (Format::Yaml, x) if x.is_nan() => f.write_str(".nan"),
            (Format::Yaml, x) => f.write_str(if *x > 0.0 { ".inf" } else { "-.inf" }),
        },
        Value::String(text) | Value::Text(text) => quoted(f, text),
        Value::List(_) => f.write_str("[]"),
        Value::Map(_) => f.write_str("{}"),
    }
}

/// Whether a value is written on one line: a scalar or an empty collection.
fn is_flat(value: &Value) -> bool {
    match value {
        Value::List(items) => items.is_empty(),
        Value::Map(entries) => entries.is_empty(),
        _ => true,
    }
}

// --- TOML ----------------------------------------------------------------------------------

/// A map as TOML: its plain keys first, then a `[table]` for each map inside, as TOML requires
/// (a key after a header belongs to that table).
fn toml(out: &mut Out<'_, '_>, root: &Node) -> fmt::Result {
    match &root.value {
        Value::Map(entries) => toml_table(out, entries, &mut Vec::new()),
        // Only a map is a TOML document; anything else shows as the value of an empty key.
        _ => toml_entry(out, "", root),
    }
}

fn toml_table<'a>(
    out: &mut Out<'_, '_>,
    entries: &'a [(String, Node)],
    path: &mut Vec<&'a str>,
) -> fmt::Result {
    for (key, value) in entries {
        if !matches!(value.value, Value::Map(_)) {
            toml_entry(out, key, value)?;
        }
    }
    for (key, value) in entries {
        if let Value::Map(inner) = &value.value {
            path.push(key);
            // A table that holds only tables needs no header of its own (TOML makes it).
            let implicit = !inner.is_empty()
                && inner
                    .iter()
                    .all(|(_, value)| matches!(&value.value, Value::Map(map) if !map.is_empty()));
            if !implicit {
                out.f.write_str("\n[")?;
                for (i, key) in path.iter().enumerate() {
                    if i > 0 {
                        out.f.write_char('.')?;
                    }
                    toml_key(out.f, key)?;
                }
                out.f.write_char(']')?;
                out.end(value, "#")?;
            }
            toml_table(out, inner, path)?;
            path.pop();
        }
    }
    Ok(())
}

/// `key = value`; a null, or an integer past `i64`, which TOML cannot hold, as a comment.
fn toml_entry(out: &mut Out<'_, '_>, key: &str, value: &Node) -> fmt::Result {
    let lacking = match value.value {
        Value::Null => Some("TOML has no null"),
        Value::Integer(integer) if i64::try_from(integer).is_err() => {
            Some("past TOML's 64-bit integers")
        }
        _ => None,
    };
    if let Some(lacking) = lacking {
        out.f.write_str("# ")?;
        toml_key(out.f, key)?;
        out.f.write_str(" = ")?;
        scalar(out.f, &value.value, Format::Toml)?;
        write!(out.f, " ({lacking})")?;
        return out.end(value, "#");
    }
    toml_key(out.f, key)?;
    out.f.write_str(" = ")?;
    toml_inline(out.f, value)?;
    out.end(value, "#")
}

/// A value on one line: lists as arrays, maps in them as inline tables.
fn toml_inline(f: &mut impl Write, node: &Node) -> fmt::Result {
    match &node.value {
        Value::List(items) if !items.is_empty() => {
            f.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                f.write_str(if i == 0 { "" } else { ", " })?;
                toml_inline(f, item)?;
            }
            f.write_char(']')
        }
        Value::Map(entries) if !entries.is_empty() => {
            f.write_str("{ ")?;
            for (i, (key, value)) in entries.iter().enumerate() {
                f.write_str(if i == 0 { "" } else { ", " })?;
                toml_key(f, key)?;
                f.write_str(" = ")?;
                toml_inline(f, value)?;
            }
            f.write_str(" }")
        }
        // Inside an array, a null is written as an empty table: TOML has nothing closer.
        Value::Null => f.write_str("{}"),
        value => scalar(f, value, Format::Toml),
    }
}

/// A bare key if it is one (`A-Za-z0-9_-`), else a quoted one.
fn toml_key(f: &mut impl Write, key: &str) -> fmt::Result {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        f.write_str(key)
    } else {
        quoted(f, key)
    }
}

// --- YAML ----------------------------------------------------------------------------------

fn yaml(out: &mut Out<'_, '_>, root: &Node) -> fmt::Result {
    if is_flat(&root.value) {
        scalar(out.f, &root.value, Format::Yaml)?;
        return out.end(root, "#");
    }
    yaml_block(out, root, 0)
}

/// A non-empty collection in block style, at `depth`; the caller wrote what leads to it.
fn yaml_block(out: &mut Out<'_, '_>, node: &Node, depth: usize) -> fmt::Result {
    match &node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                out.indent(depth)?;
                yaml_key(out.f, key)?;
                out.f.write_char(':')?;
                yaml_value(out, value, depth)?;
            }
        }
        Value::List(items) => {
            for item in items {
                out.indent(depth)?;
                out.f.write_char('-')?;
                yaml_value(out, item, depth)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// What follows a key's colon or a list's dash: a scalar on the line, or a collection below.
fn yaml_value(out: &mut Out<'_, '_>, value: &Node, depth: usize) -> fmt::Result {
    if is_flat(&value.value) {
        out.f.write_char(' ')?;
        scalar(out.f, &value.value, Format::Yaml)?;
        out.end(value, "#")
    } else {
        out.end(value, "#")?;
        yaml_block(out, value, depth + 1)
    }
}

/// A plain key if it cannot be read as anything but that string, else a quoted one.
fn yaml_key(f: &mut impl Write, key: &str) -> fmt::Result {
    const READ_AS_OTHER: [&str; 11] = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf",
    ];
    let plain = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !READ_AS_OTHER
            .iter()
            .any(|word| word.eq_ignore_ascii_case(key));
    if plain {
        f.write_str(key)
    } else {
        quoted(f, key)
    }
}

// --- JSON ----------------------------------------------------------------------------------

/// A value at `depth`, with `comma` after it, then its origin; collections over several lines.
fn json(out: &mut Out<'_, '_>, node: &Node, depth: usize, comma: &str) -> fmt::Result {
    let (open, close, len) = match &node.value {
        Value::Map(entries) if !entries.is_empty() => ('{', '}', entries.len()),
        Value::List(items) if !items.is_empty() => ('[', ']', items.len()),
        value => {
            scalar(out.f, value, Format::Json)?;
            return out.f.write_str(comma);
        }
    };
    out.f.write_char(open)?;
    out.origin(node)?;
    out.f.write_char('\n')?;
    for i in 0..len {
        let comma = if i + 1 < len { "," } else { "" };
        out.indent(depth + 1)?;
        let item = match &node.value {
            Value::Map(entries) => {
                quoted(out.f, &entries[i].0)?;
                out.f.write_str(": ")?;
                &entries[i].1
            }
            Value::List(items) => &items[i],
            _ => unreachable!("a collection, matched above"),
        };
        json(out, item, depth + 1, comma)?;
        if is_flat(&item.value) {
            out.origin(item)?;
        }
        out.f.write_char('\n')?;
    }
    out.indent(depth)?;
    out.f.write_char(close)?;
    out.f.write_str(comma)
}

impl Node {
    /// Each value's key path and where it came from, in order: the values that hold no other
    /// (scalars and empty collections), with paths written as [`Problem`](super::Problem)
    /// paths are (`plugins.greeter.config.ports[1]`). What `config show --format json
    /// --origin` lists.
    ///
    /// ```
    /// use plugin_factory::config::{Format, Loader};
    ///
    /// let config = Loader::new()
    ///     .text("app.toml", Format::Toml, "[plugins.greeter.config]\ngreeting = \"Hi\"\n")
    ///     .set("plugins.greeter.enabled", "false")
    ///     .load()?;
    /// let origins: Vec<String> = config
    ///     .tree()
    ///     .origins()
    ///     .into_iter()
    ///     .map(|(path, at)| format!("{path}: {at}"))
    ///     .collect();
    /// assert_eq!(
    ///     origins,
    ///     [
    ///         "plugins.greeter.config.greeting: app.toml:2:12",
    ///         "plugins.greeter.enabled: override plugins.greeter.enabled",
    ///     ]
    /// );
    /// # Ok::<(), plugin_factory::config::ConfigError>(())
    /// ```
    pub fn origins(&self) -> Vec<(String, &Location)> {
        origins(self)
    }
}

fn origins(node: &Node) -> Vec<(String, &Location)> {
    fn walk<'a>(node: &'a Node, path: &mut String, found: &mut Vec<(String, &'a Location)>) {
        let len = path.len();
        match &node.value {
            Value::Map(entries) if !entries.is_empty() => {
                for (key, value) in entries {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    walk(value, path, found);
                    path.truncate(len);
                }
            }
            Value::List(items) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    let _ = write!(path, "[{i}]");
                    walk(item, path, found);
                    path.truncate(len);
                }
            }
            _ => found.push((path.clone(), &node.at)),
        }
    }
    let mut found = Vec::new();
    walk(node, &mut String::new(), &mut found);
    found
}

#[cfg(test)]
mod tests;
