//! The environment layer: variables named `{PREFIX}__A__B__C` set the key path `a.b.c`, each
//! segment matched to a key that exists (in the files read, in the kinds compiled in, in a
//! kind's config type, or among an instance's documented keys) without regard to case and with
//! `_` for `-`. A variable that matches no key is an error rather than a setting silently
//! ignored.
//!
//! The environment is input like a file: a variable outside the prefix is never read (its name
//! or value may be anything, UTF-8 or not), one under it must be UTF-8, and every variable costs
//! time linear in its length: the keys known at a path are listed and indexed once, however
//! many variables go through it.

use std::collections::hash_map::Entry;
use std::ffi::OsString;

use super::policy;
use super::resolve::{INSTANCE_KEYS, TOP_KEYS, nearest, ticked};
use super::schema::config_keys;
use crate::registry::PluginEntry;
use crate::tree::{Location, MAX_DEPTH, Node, Problem, SeededMap, Value};

/// What the variables under a prefix set, and what is wrong with the others.
pub(crate) struct Matched {
    /// Key paths and the values to set there, in the variables' order.
    pub(crate) sets: Vec<(Vec<String>, Node)>,
    /// A problem for each variable that cannot be read or names no known key.
    pub(crate) problems: Vec<Problem>,
}

/// Matches the variables under `prefix` to key paths of `root` (the files as read) and of
/// `kinds`.
pub(crate) fn read(
    root: &Node,
    prefix: &str,
    vars: Vec<(OsString, OsString)>,
    kinds: &[&'static PluginEntry],
) -> Matched {
    let head = format!("{}__", prefix.to_ascii_uppercase());
    let mut problems = Vec::new();
    let mut named: Vec<(String, String)> = Vec::new();
    for (name, value) in vars {
        let bytes = name.as_encoded_bytes();
        if !(bytes.len() >= head.len() && bytes[..head.len()].eq_ignore_ascii_case(head.as_bytes()))
        {
            continue;
        }
        let shown = name.to_string_lossy().into_owned();
        match (name.into_string(), value.into_string()) {
            (Ok(name), Ok(value)) => named.push((name, value)),
            (Err(_), _) => problems.push(not_text(shown, "name")),
            (_, Err(_)) => problems.push(not_text(shown, "value")),
        }
    }
    // The same variables always apply in the same order, whatever the platform gives.
    named.sort();
    let mut keys = Keys::new(root, kinds);
    let split = |variable: &str| -> Vec<String> {
        variable[head.len()..]
            .split("__")
            .map(str::to_owned)
            .collect()
    };
    // Kinds first: a variable that sets an instance's kind decides what the instance's other
    // variables can name, whatever their order.
    for (variable, value) in &named {
        if variable[head.len()..].matches("__").count() == 2
            && let [plugins, instance, kind] = &split(variable)[..]
            && normalise(plugins) == "PLUGINS"
            && normalise(kind) == "KIND"
            && let Ok(path) = keys.path(&[plugins.clone(), instance.clone()])
        {
            keys.kind_set.insert(path[1].clone(), value.clone());
        }
    }
    let mut sets = Vec::new();
    for (variable, value) in named {
        let at = Location::Env {
            variable: variable.as_str().into(),
        };
        let segments = split(&variable);
        let found = if segments.len() > MAX_DEPTH {
            Err((
                "(top level)".to_owned(),
                format!(
                    "a name of {} segments: a key path has at most {MAX_DEPTH}",
                    segments.len()
                ),
            ))
        } else {
            keys.path(&segments)
        };
        match found {
            Ok(path) => sets.push((path, Node::new(Value::Text(value), at))),
            Err((path, message)) => problems.push(Problem {
                path,
                message,
                at: Some(at),
            }),
        }
    }
    Matched { sets, problems }
}

/// A variable under the prefix whose name or value is not UTF-8.
fn not_text(variable: String, part: &str) -> Problem {
    Problem {
        path: "(top level)".to_owned(),
        message: format!("the variable's {part} is not UTF-8 text"),
        at: Some(Location::Env {
            variable: variable.into(),
        }),
    }
}

/// The keys known at each key path, listed once per path.
struct Keys<'a> {
    root: &'a Node,
    /// The instances the files configure, by name: reached without a scan of `plugins`.
    instances: SeededMap<&'a str, &'a Node>,
    kinds: SeededMap<&'static str, &'static PluginEntry>,
    /// The keys of each kind's config type at a path inside it, from its schema, made once.
    schemas: SeededMap<(&'static str, Vec<String>), Vec<String>>,
    /// Kinds that variables set, by instance.
    kind_set: SeededMap<String, String>,
    known: SeededMap<Vec<String>, Known>,
    /// The keys below every instance (its own, a policy's), by the path below the instance.
    below_instances: SeededMap<Vec<String>, Known>,
}

/// The keys at one path: in order, for messages, and by their normalised spelling.
struct Known {
    keys: Vec<String>,
    by_normal: SeededMap<String, usize>,
}

/// Past this many keys at a path, an error lists a few and suggests none: a message stays short,
/// and a thousand wrong variables against a thousand instances stay cheap.
const LISTED: usize = 32;

impl<'a> Keys<'a> {
    fn new(root: &'a Node, kinds: &[&'static PluginEntry]) -> Self {
        let mut by_name = SeededMap::default();
        for &entry in kinds {
            by_name.entry(entry.name()).or_insert(entry);
        }
        let instances = match root.get("plugins").map(|plugins| &plugins.value) {
            Some(Value::Map(entries)) => entries
                .iter()
                .map(|(name, node)| (name.as_str(), node))
                .collect(),
            _ => SeededMap::default(),
        };
        Self {
            root,
            instances,
            kinds: by_name,
            schemas: SeededMap::default(),
            kind_set: SeededMap::default(),
            known: SeededMap::default(),
            below_instances: SeededMap::default(),
        }
    }

    /// The key path that `segments` spell, or the path as far as it matched and what is wrong.
    fn path(&mut self, segments: &[String]) -> Result<Vec<String>, (String, String)> {
        let mut path: Vec<String> = Vec::new();
        for (depth, segment) in segments.iter().enumerate() {
            let known = self.known_at(&path);
            match known.by_normal.get(&normalise(segment)) {
                Some(&i) => path.push(known.keys[i].clone()),
                None => return Err(no_key(&path, segment, known, segments.len() - depth)),
            }
        }
        if path.is_empty() {
            return Err((
                "(top level)".into(),
                "names no key: nothing follows the prefix".into(),
            ));
        }
        Ok(path)
    }

    /// The keys known below `path`, listed the first time: once per path, or once for every
    /// instance where they are every instance's (the instance keys, a policy's), looked up
    /// without a copy of the path.
    fn known_at(&mut self, path: &[String]) -> &Known {
        let every_instance = matches!(path, [plugins, _, rest @ ..]
            if plugins == "plugins" && !matches!(rest.first().map(String::as_str), Some("bind" | "config")));
        if every_instance {
            let below = &path[2..];
            if !self.below_instances.contains_key(below) {
                let known = self.list(path);
                self.below_instances.insert(below.to_vec(), known);
            }
            &self.below_instances[below]
        } else {
            if !self.known.contains_key(path) {
                let known = self.list(path);
                self.known.insert(path.to_vec(), known);
            }
            &self.known[path]
        }
    }

    /// The keys known below `path`.
    fn list(&mut self, path: &[String]) -> Known {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let listed: Vec<String> = match path[..] {
            [] => TOP_KEYS.iter().map(|&key| key.to_owned()).collect(),
            ["plugins"] => {
                let mut names = keys(self.root.pointer(["plugins"]));
                let mut kinds: Vec<&str> = self.kinds.keys().copied().collect();
                kinds.sort_unstable();
                names.extend(kinds.into_iter().map(str::to_owned));
                names
            }
            ["plugins", _] => INSTANCE_KEYS.iter().map(|&key| key.to_owned()).collect(),
            ["plugins", instance, "bind"] => self
                .kind(instance)
                .map(|entry| {
                    let dependencies = entry.metadata().dependencies();
                    dependencies.iter().map(|d| d.name().to_owned()).collect()
                })
                .unwrap_or_default(),
            ["plugins", instance, "config", ref inner @ ..] => {
                let inner: Vec<String> = inner.iter().map(|&key| key.to_owned()).collect();
                let mut found = match self.kind(instance) {
                    Some(entry) => self
                        .schemas
                        .entry((entry.name(), inner.clone()))
                        .or_insert_with(|| config_keys(entry, &inner).unwrap_or_default())
                        .clone(),
                    None => Vec::new(),
                };
                let written = self.instances.get(instance).and_then(|node| {
                    node.pointer(std::iter::once("config").chain(inner.iter().map(String::as_str)))
                });
                found.extend(keys(written));
                found
            }
            ["plugins", _, ref below @ ..] => policy::keys_below(below)
                .map(|keys| keys.iter().map(|&key| key.to_owned()).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        // The first of the keys that spell alike as a variable wins.
        let mut keys = Vec::with_capacity(listed.len());
        let mut by_normal = SeededMap::default();
        for key in listed {
            if let Entry::Vacant(slot) = by_normal.entry(normalise(&key)) {
                slot.insert(keys.len());
                keys.push(key);
            }
        }
        Known { keys, by_normal }
    }

    /// The kind of instance `name`: as a variable sets it, as the files set it, or its name.
    fn kind(&self, name: &str) -> Option<&'static PluginEntry> {
        let written = self
            .instances
            .get(name)
            .and_then(|node| node.get("kind"))
            .and_then(|node| match &node.value {
                Value::String(kind) | Value::Text(kind) => Some(kind.as_str()),
                _ => None,
            });
        let kind = self.kind_set.get(name).map(String::as_str).or(written);
        self.kinds.get(kind.unwrap_or(name)).copied()
    }
}

/// The error of `segment`, which names no key at `path`: the path so far with the segment, and
/// the message.
fn no_key(path: &[String], segment: &str, known: &Known, left: usize) -> (String, String) {
    let here = if path.is_empty() {
        "(top level)".to_owned()
    } else {
        path.join(".")
    };
    let message = if known.keys.is_empty() {
        format!("{here} has no keys below it: the variable has {left} segment(s) too many")
    } else {
        let segment = segment.to_ascii_lowercase();
        let dashed = segment.replace('_', "-");
        let keys = || known.keys.iter().map(String::as_str);
        let mut message = format!("names no known key: {here} has no key `{segment}`");
        if known.keys.len() <= LISTED
            && let Some(near) = nearest(&dashed, keys()).or_else(|| nearest(&segment, keys()))
        {
            message.push_str(&format!("; did you mean `{near}`?"));
        }
        message.push_str(&format!(" expected one of {}", ticked(keys().take(LISTED))));
        if known.keys.len() > LISTED {
            message.push_str(&format!(" and {} more", known.keys.len() - LISTED));
        }
        message
    };
    let mut shown = path.to_vec();
    shown.push(segment.to_ascii_lowercase());
    (shown.join("."), message)
}

/// The keys of a map node.
fn keys(node: Option<&Node>) -> Vec<String> {
    match node.map(|node| &node.value) {
        Some(Value::Map(entries)) => entries.iter().map(|(key, _)| key.clone()).collect(),
        _ => Vec::new(),
    }
}

/// A key or segment as variables spell it: upper case, `_` for `-`.
fn normalise(key: &str) -> String {
    key.to_ascii_uppercase().replace('-', "_")
}
