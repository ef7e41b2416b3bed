//! The tree itself: a [`Node`] is a [`Value`] and the [`Location`] it was read at. Its own module,
//! so that the parsers and the deserializer beside it can use it without reaching back up.

use std::fmt;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::Arc;

use hashbrown::HashTable;

use super::seeded::Seeded;
use super::shown::Shown;

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
    /// An integer, exactly as written, from `i64::MIN` to `u64::MAX`: the readers give a
    /// number past that range as a [`Float`](Self::Float), as the formats' own parsers do (TOML
    /// refuses it), and a type that cannot hold a value refuses it when it is read.
    Integer(i128),
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

/// Where a value was read, or why it is there when no source gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    /// Built by the host's code.
    Code,
    /// A default: no source gave the value, so it is what the configuration format or the
    /// kind's config type says it is when left out. (Not `Default`: a public item of that name
    /// makes the compiler spell `std::default::Default` in full in every dependent's errors.)
    Defaulted,
    /// Made for an instance that no configuration names: `run_unlisted` runs each kind the
    /// configuration does not mention as one instance named after it, with its default config.
    Unlisted,
}

impl fmt::Display for Location {
    /// `host.toml:7:12`, `environment variable APP__X`, `override plugins.x.enabled`, `code`,
    /// `default`, `unlisted kind`; control characters in a path, name or key written as escapes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { path, line, column } => {
                let path = path.to_string_lossy();
                write!(f, "{}:{line}:{column}", Shown(&path))
            }
            Self::Env { variable } => write!(f, "environment variable {}", Shown(variable)),
            Self::Override { key } => write!(f, "override {}", Shown(key)),
            Self::Code => f.write_str("code"),
            Self::Defaulted => f.write_str("default"),
            Self::Unlisted => f.write_str("unlisted kind"),
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
        let mut node = self;
        for key in path {
            if !matches!(node.value, Value::Map(_)) {
                *node = Node::empty_map_at(value.at.clone());
            }
            let Value::Map(entries) = &mut node.value else {
                unreachable!("made a map above")
            };
            let i = match entries.iter().position(|(k, _)| k == key) {
                Some(i) => i,
                None => {
                    entries.push((key.to_owned(), Node::empty_map_at(value.at.clone())));
                    entries.len() - 1
                }
            };
            node = &mut entries[i].1;
        }
        *node = value;
    }

    /// Lays `overlay` over this node: maps merge key by key, anything else is replaced. Time
    /// linear in the two trees: a map's keys are found through an index, not by a scan each.
    pub fn merge(&mut self, overlay: Node) {
        match (&mut self.value, overlay.value) {
            (Value::Map(base), Value::Map(over)) => {
                let mut index = KeyIndex::new(base);
                for (key, value) in over {
                    match index.find(base, &key) {
                        Some(i) => base[i].1.merge(value),
                        None => {
                            base.push((key, value));
                            index.pushed(base);
                        }
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

/// The integers a [`Value::Integer`] holds when a reader made it: those of `i64` and `u64`.
const INTEGERS: std::ops::RangeInclusive<i128> = i64::MIN as i128..=u64::MAX as i128;

/// The integer `digits` spell in `radix` (a sign allowed in base 10), if it is in `i64` or
/// `u64`'s range; `None` past it, or if `digits` are not an integer.
pub(super) fn integer(digits: &str, radix: u32) -> Option<i128> {
    i128::from_str_radix(digits, radix)
        .ok()
        .filter(|integer| INTEGERS.contains(integer))
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
                let index = KeyIndex::new(b);
                a.len() == b.len()
                    && a.iter().all(|(key, value)| {
                        index
                            .find(b, key)
                            .is_some_and(|i| value.same_value(&b[i].1))
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

/// The positions of a map's keys, for maps wide enough that finding each key by a scan would
/// make merging and comparing quadratic; narrower maps are scanned, which costs no allocation.
/// It holds positions only, so the map stays free to change beside it. Keys hash with the
/// process's random seed ([`Seeded`]), so that keys made to collide cannot make it scan.
pub(super) struct KeyIndex {
    table: Option<HashTable<usize>>,
}

impl KeyIndex {
    /// Past this many entries, a map is indexed.
    const SCAN: usize = 16;

    /// The index of an empty map.
    pub(super) const EMPTY: Self = Self { table: None };

    pub(super) fn new<T>(entries: &[(String, T)]) -> Self {
        let mut index = Self { table: None };
        index.grow(entries);
        index
    }

    /// Indexes `entries` once they are too many to scan.
    fn grow<T>(&mut self, entries: &[(String, T)]) {
        if self.table.is_some() || entries.len() <= Self::SCAN {
            return;
        }
        let mut table: HashTable<usize> = HashTable::with_capacity(entries.len());
        for (i, (key, _)) in entries.iter().enumerate() {
            let hashed = hash(key);
            // The first of a repeated key wins, as a scan would find it.
            if table.find(hashed, |&j| entries[j].0 == *key).is_none() {
                table.insert_unique(hashed, i, |&j| hash(&entries[j].0));
            }
        }
        self.table = Some(table);
    }

    /// The position of `key` in `entries`, the map this index was made for.
    pub(super) fn find<T>(&self, entries: &[(String, T)], key: &str) -> Option<usize> {
        match &self.table {
            Some(table) => table.find(hash(key), |&i| entries[i].0 == key).copied(),
            None => entries.iter().position(|(k, _)| k == key),
        }
    }

    /// Records the entry just pushed onto `entries`, a key not there before.
    pub(super) fn pushed<T>(&mut self, entries: &[(String, T)]) {
        let last = entries.len() - 1;
        match &mut self.table {
            Some(table) => {
                table.insert_unique(hash(&entries[last].0), last, |&j| hash(&entries[j].0));
            }
            None => self.grow(entries),
        }
    }
}

/// A key's hash, seeded per process ([`Seeded`]).
fn hash(key: &str) -> u64 {
    Seeded.hash_one(key)
}
