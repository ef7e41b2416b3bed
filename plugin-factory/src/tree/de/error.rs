//! The errors of deserializing a tree: [`Problem`], the one a caller sees, with the key path and
//! location of the value at fault; [`Error`], serde's error type inside the deserializer, which
//! takes the path and location of the innermost node it passes; and the collector of what a
//! reading finds besides its result (the unknown keys, and for showing a configuration, what
//! each text value was read as).

use std::cell::RefCell;
use std::fmt;

use rustc_hash::FxHashMap;

use crate::tree::node::{Location, Node, Value};
use crate::tree::shown::Shown;

/// One problem in a configuration: the key path it is about, what is wrong, and where the
/// value was read (a file's line and column, an environment variable, an override).
///
/// `Display`: ``plugins.greeter.config.greeting: invalid type: integer `3`, expected a string
/// (at host.toml:7:12)``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The full key path of the value, e.g. `plugins.greeter.config.greeting`.
    pub path: String,
    /// What is wrong (for a value that does not fit its type, in serde's words).
    pub message: String,
    /// Where the value was read, if known.
    pub at: Option<Location>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", Shown(&self.path), Shown(&self.message))?;
        match &self.at {
            None => Ok(()),
            // No source to point at: say why the value is there.
            Some(Location::Unlisted) => f.write_str(
                " (an unlisted kind: no configuration names it, so it runs with its default config)",
            ),
            Some(Location::Defaulted) => f.write_str(" (a default)"),
            Some(Location::Code) => f.write_str(" (set in code)"),
            Some(at) => write!(f, " (at {at})"),
        }
    }
}

impl std::error::Error for Problem {}

/// serde's error inside the deserializer: a message, and once a node has seen it pass, that
/// node's path and location.
#[derive(Debug)]
pub(super) struct Error {
    message: String,
    place: Option<(String, Location)>,
}

impl Error {
    /// Places the error at `node`, at key path `path`, unless a node inside it already did.
    pub(super) fn locate(mut self, path: &str, node: &Node) -> Self {
        if self.place.is_none() {
            self.place = Some((path.to_owned(), node.at.clone()));
        }
        self
    }

    /// The error for the caller; one that no node placed is the whole tree's.
    pub(super) fn into_de_error(self, path: &str, node: &Node) -> Problem {
        let (path, at) = self
            .place
            .unwrap_or_else(|| (path.to_owned(), node.at.clone()));
        Problem {
            path,
            message: self.message,
            at: Some(at),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self {
            message: message.to_string(),
            place: None,
        }
    }

    /// The unknown-key message, so that a type with `deny_unknown_fields` reads the same.
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self {
            message: unknown_key(field, expected),
            place: None,
        }
    }

    /// An enum's unknown variant, with the nearest one as an unknown key has.
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self {
            message: unknown("variant", variant, expected),
            place: None,
        }
    }
}

/// `unknown key `gretting`; did you mean `greeting`? expected one of `greeting`, `loud``.
pub(super) fn unknown_key(key: &str, fields: &[&str]) -> String {
    unknown("key", key, fields)
}

/// `unknown {what} `{name}`;`, the closest of `fields` if one is close, and all of them.
fn unknown(what: &str, key: &str, fields: &[&str]) -> String {
    let mut message = format!("unknown {what} `{key}`; ");
    let closest = fields
        .iter()
        .map(|field| (strsim::jaro_winkler(key, field), field))
        .filter(|(score, _)| *score >= 0.8)
        // The first of equally close fields: `max_by` would take the last.
        .fold(None, |best: Option<(f64, &&str)>, candidate| match best {
            Some(best) if best.0 >= candidate.0 => Some(best),
            _ => Some(candidate),
        });
    if let Some((_, field)) = closest {
        message += &format!("did you mean `{field}`? ");
    }
    let list = |fields: &[&str]| {
        fields
            .iter()
            .map(|field| format!("`{field}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    message += &match fields {
        [] => "expected no keys".to_owned(),
        [field] => format!("expected `{field}`"),
        fields => format!("expected one of {}", list(fields)),
    };
    message
}

/// What a visitor that stopped early read: `2 entries in the map`, for serde's length errors.
pub(super) struct Fewer(pub(super) usize, pub(super) &'static str);

impl serde::de::Expected for Fewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = match (self.1, self.0) {
            ("list", 1) => "item",
            ("list", _) => "items",
            (_, 1) => "entry",
            _ => "entries",
        };
        write!(f, "{} {noun} in the {}", self.0, self.1)
    }
}

/// What deserializing the whole tree gathers besides its result: the keys no struct knows, and
/// when asked, what each text value was read as.
#[derive(Default)]
pub(super) struct Collector {
    unknown: RefCell<Vec<Problem>>,
    /// The text nodes the type read as something else than a string, by address (the tree is
    /// borrowed for the whole reading, so addresses stay put); `None` unless asked for.
    read_as: Option<RefCell<FxHashMap<*const Node, Value>>>,
}

impl Collector {
    /// A collector that also records what text values are read as.
    pub(super) fn typing() -> Self {
        Self {
            unknown: RefCell::default(),
            read_as: Some(RefCell::default()),
        }
    }

    /// Records that the text at `node` was read as `value`, if this collector records that.
    pub(super) fn read_as(&self, node: &Node, value: impl FnOnce() -> Value) {
        if let Some(read_as) = &self.read_as {
            read_as
                .borrow_mut()
                .insert(std::ptr::from_ref(node), value());
        }
    }

    /// `node`, each text value in it replaced by what it was read as: a string unless the
    /// type read it as a number or a flag.
    pub(super) fn typed(&self, node: &Node) -> Node {
        let read_as = self.read_as.as_ref().map(RefCell::borrow);
        retyped(node, read_as.as_deref())
    }

    /// Records key `key` (at `path`, holding `node`) of a struct whose fields are `fields`.
    pub(super) fn unknown_key(&self, key: &str, fields: &[&str], path: &str, node: &Node) {
        self.unknown.borrow_mut().push(Problem {
            path: path.to_owned(),
            message: unknown_key(key, fields),
            at: Some(node.at.clone()),
        });
    }

    pub(super) fn into_unknown(self) -> Vec<Problem> {
        self.unknown.into_inner()
    }
}

/// [`Collector::typed`]'s copy of `node`.
fn retyped(node: &Node, read_as: Option<&FxHashMap<*const Node, Value>>) -> Node {
    let value = match &node.value {
        Value::Text(text) => read_as
            .and_then(|read_as| read_as.get(&std::ptr::from_ref(node)))
            .cloned()
            .unwrap_or_else(|| Value::String(text.clone())),
        Value::List(items) => {
            Value::List(items.iter().map(|item| retyped(item, read_as)).collect())
        }
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(key, value)| (key.clone(), retyped(value, read_as)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node::new(value, node.at.clone())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn unknown_keys_suggest_a_close_field() {
        assert_eq!(
            unknown_key("gretting", &["greeting", "loud"]),
            "unknown key `gretting`; did you mean `greeting`? expected one of `greeting`, `loud`"
        );
        assert_eq!(
            unknown_key("colour", &["greeting", "loud"]),
            "unknown key `colour`; expected one of `greeting`, `loud`"
        );
        assert_eq!(unknown_key("x", &[]), "unknown key `x`; expected no keys");
        assert_eq!(
            unknown_key("Port", &["port"]),
            "unknown key `Port`; did you mean `port`? expected `port`"
        );
    }

    #[test]
    fn de_errors_display_with_and_without_location() {
        let at = Location::File {
            path: Path::new("host.toml").into(),
            line: 7,
            column: 12,
        };
        let error = Problem {
            path: "a.b".into(),
            message: "bad".into(),
            at: Some(at),
        };
        assert_eq!(error.to_string(), "a.b: bad (at host.toml:7:12)");
        let error = Problem {
            path: "a.b".into(),
            message: "bad".into(),
            at: None,
        };
        assert_eq!(error.to_string(), "a.b: bad");
    }

    #[test]
    fn the_innermost_node_places_an_error() {
        use serde::de::Error as _;
        let inner = Node::new(crate::tree::Value::Null, Location::Code);
        let outer = Node::new(
            crate::tree::Value::Null,
            Location::Env {
                variable: "X".into(),
            },
        );
        let error = Error::custom("bad")
            .locate("a.b", &inner)
            .locate("a", &outer);
        let error = error.into_de_error("root", &outer);
        assert_eq!(error.to_string(), "a.b: bad (set in code)");
    }
}
