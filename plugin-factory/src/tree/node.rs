//! The tree itself: a [`Node`] is a [`Value`] and the [`Location`] it was read at. Its own module,
//! so that the parsers and the deserializer beside it can use it without reaching back up.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A configuration value and where it was read.
#[derive(Debug, Clone)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it was read.
    pub at: Location,
}

/// The value of a [`Node`].
#[derive(Debug, Clone)]
pub enum Value {
    /// `null` (JSON, YAML); TOML has none.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A floating-point number.
    Float(f64),
    /// A string, typed as such by its format (quoted, or a YAML plain scalar that is no number).
    String(String),
    /// Untyped text from an environment variable or a `key=value` override: it deserializes as
    /// whatever the target type asks for (`"8080"` as a port, `"true"` as a flag), and as a
    /// string otherwise.
    Text(String),
    /// A list.
    List(Vec<Node>),
    /// A map with string keys, in the order they were written.
    Map(Vec<(String, Node)>),
}

/// Where a value was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A position in a file: line and column count from 1.
    File {
        /// The file, as the caller named it.
        path: Arc<Path>,
        /// 1-based line.
        line: u32,
        /// 1-based column, in characters.
        column: u32,
    },
    /// An environment variable.
    Env {
        /// The variable's name.
        variable: Arc<str>,
    },
    /// A programmatic override, such as a command line's `--set key=value`.
    Override {
        /// The key path as given.
        key: Arc<str>,
    },
    /// Built in code (a default, or an override by the host's code).
    Code,
}

impl fmt::Display for Location {
    /// `host.toml:7:12`, `environment variable APP__X`, `override plugins.x.enabled`, `code`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Self::Env { variable } => write!(f, "environment variable {variable}"),
            Self::Override { key } => write!(f, "override {key}"),
            Self::Code => f.write_str("code"),
        }
    }
}

impl Node {
    /// A node read at `at`.
    pub fn new(value: Value, at: Location) -> Self {
        Self { value, at }
    }

    /// An empty map made in code.
    pub fn empty_map() -> Self {
        Self::empty_map_at(Location::Code)
    }

    /// An empty map that stands for what was read at `at`.
    pub fn empty_map_at(at: Location) -> Self {
        Self::new(Value::Map(Vec::new()), at)
    }

    /// The value under `key` if this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a key path.
    pub fn pointer<'a>(&self, path: impl IntoIterator<Item = &'a str>) -> Option<&Node> {
        path.into_iter().try_fold(self, |node, key| node.get(key))
    }

    /// Sets the value at a key path, making maps on the way (and replacing a non-map there).
    /// The maps made take `value`'s location.
    pub fn set<'a>(&mut self, path: impl IntoIterator<Item = &'a str>, value: Node) {
        let path: Vec<&str> = path.into_iter().collect();
        self.set_at(&path, value);
    }

    fn set_at(&mut self, path: &[&str], value: Node) {
        let Some((key, rest)) = path.split_first() else {
            *self = value;
            return;
        };
        if !matches!(self.value, Value::Map(_)) {
            *self = Node::new(Value::Map(Vec::new()), value.at.clone());
        }
        let Value::Map(entries) = &mut self.value else {
            unreachable!("made a map above")
        };
        let child = match entries.iter().position(|(k, _)| k == key) {
            Some(i) => &mut entries[i].1,
            None => {
                let at = value.at.clone();
                entries.push(((*key).to_owned(), Node::new(Value::Map(Vec::new()), at)));
                &mut entries.last_mut().expect("just pushed").1
            }
        };
        child.set_at(rest, value);
    }

    /// Lays `overlay` over this node: maps merge key by key, anything else is replaced.
    pub fn merge(&mut self, overlay: Node) {
        match (&mut self.value, overlay.value) {
            (Value::Map(base), Value::Map(over)) => {
                for (key, value) in over {
                    match base.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, existing)) => existing.merge(value),
                        None => base.push((key, value)),
                    }
                }
            }
            (_, value) => *self = Node::new(value, overlay.at),
        }
    }

    /// Whether two trees hold the same values, wherever they were read. `Text` equals the
    /// scalar it spells (`"8080"` equals `8080`), since both deserialize alike.
    pub fn same_value(&self, other: &Node) -> bool {
        self.value.same(&other.value)
    }
}

impl Value {
    fn same(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Integer(a), Integer(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (String(a) | Text(a), String(b) | Text(b)) => a == b,
            (Text(text), scalar) | (scalar, Text(text)) => scalar.spelled() == Some(text.clone()),
            (List(a), List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(a, b)| a.same_value(b))
            }
            (Map(a), Map(b)) => {
                a.len() == b.len()
                    && a.iter().all(|(key, value)| {
                        b.iter()
                            .find(|(k, _)| k == key)
                            .is_some_and(|(_, other)| value.same_value(other))
                    })
            }
            _ => false,
        }
    }

    /// How a scalar is written as text, for comparing with [`Value::Text`].
    fn spelled(&self) -> Option<String> {
        match self {
            Value::Bool(b) => Some(b.to_string()),
            Value::Integer(i) => Some(i.to_string()),
            Value::Float(x) => Some(x.to_string()),
            _ => None,
        }
    }

    /// What kind of value this is, as error messages name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) | Value::Text(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}
