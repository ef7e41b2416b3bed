//! The environment layer: variables named `{PREFIX}__A__B__C` set the key path `a.b.c`, each
//! segment matched to a key that exists (in the files read, in the kinds compiled in, or in a
//! kind's config type) without regard to case and with `_` for `-`. A variable that matches no
//! key is an error rather than a setting silently ignored.

use super::resolve::{nearest, ticked};
use super::schema::config_keys;
use crate::registry::PluginEntry;
use crate::tree::Problem;
use crate::tree::{Location, Node, Value};

/// Lays the variables under `prefix` over `root`; returns a problem for each that names no
/// known key.
pub(crate) fn apply(
    root: &mut Node,
    prefix: &str,
    vars: Vec<(String, String)>,
    kinds: &[&'static PluginEntry],
) -> Vec<Problem> {
    let head = format!("{}__", prefix.to_ascii_uppercase());
    let mut vars: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(name, _)| name.to_ascii_uppercase().starts_with(&head))
        .collect();
    // The same variables always apply in the same order, whatever the platform gives.
    vars.sort();
    let mut problems = Vec::new();
    for (variable, value) in vars {
        let segments: Vec<&str> = variable[head.len()..].split("__").collect();
        match key_path(root, &segments, kinds) {
            Ok(path) => {
                let at = Location::Env {
                    variable: variable.as_str().into(),
                };
                root.set(
                    path.iter().map(String::as_str),
                    Node::new(Value::Text(value), at),
                );
            }
            Err((path, message)) => problems.push(Problem {
                path,
                message,
                at: Some(Location::Env {
                    variable: variable.as_str().into(),
                }),
            }),
        }
    }
    problems
}

/// The key path that `segments` spell, or the path as far as it matched and what is wrong.
fn key_path(
    root: &Node,
    segments: &[&str],
    kinds: &[&'static PluginEntry],
) -> Result<Vec<String>, (String, String)> {
    let mut path: Vec<String> = Vec::new();
    let mut kind: Option<&'static PluginEntry> = None;
    for (depth, segment) in segments.iter().enumerate() {
        let here = path.join(".");
        let known: Vec<String> = match path.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] => vec!["plugins".into(), "run_unlisted".into()],
            ["run_unlisted"] => Vec::new(),
            ["plugins"] => {
                let mut names = keys(root.pointer(["plugins"]));
                names.extend(kinds.iter().map(|entry| entry.name().to_owned()));
                names
            }
            ["plugins", _] => ["kind", "enabled", "config", "bind"]
                .map(String::from)
                .to_vec(),
            ["plugins", _, "kind" | "enabled"] => Vec::new(),
            ["plugins", _, "bind"] => kind
                .map(|entry| {
                    let dependencies = entry.metadata().dependencies();
                    dependencies.iter().map(|d| d.name().to_owned()).collect()
                })
                .unwrap_or_default(),
            ["plugins", _, "bind", _] => Vec::new(),
            ["plugins", _, "config", ..] => {
                let inner = &path[3..];
                let mut found = kind
                    .and_then(|entry| config_keys(entry, inner))
                    .unwrap_or_default();
                for key in keys(root.pointer(path.iter().map(String::as_str))) {
                    if !found.contains(&key) {
                        found.push(key);
                    }
                }
                found
            }
            _ => Vec::new(),
        };
        let mut known = known;
        let mut seen = std::collections::HashSet::new();
        known.retain(|key| seen.insert(key.clone()));
        let wanted = normalise(segment);
        let Some(key) = known.iter().find(|key| normalise(key) == wanted) else {
            let shown = if here.is_empty() {
                "(top level)".to_owned()
            } else {
                here
            };
            let message = if known.is_empty() {
                format!(
                    "{shown} has no keys below it: the variable has {} segment(s) too many",
                    segments.len() - depth
                )
            } else {
                let segment = segment.to_ascii_lowercase();
                let dashed = segment.replace('_', "-");
                let keys = || known.iter().map(String::as_str);
                let mut message = format!("names no known key: {shown} has no key `{segment}`");
                if let Some(near) = nearest(&dashed, keys()).or_else(|| nearest(&segment, keys())) {
                    message.push_str(&format!("; did you mean `{near}`?"));
                }
                message.push_str(&format!(" expected one of {}", ticked(keys())));
                message
            };
            return Err((shown_path(&path, segment), message));
        };
        path.push(key.clone());
        if let ["plugins", instance] = path.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            let kind_name = root
                .pointer(["plugins", instance, "kind"])
                .and_then(|node| match &node.value {
                    Value::String(kind) | Value::Text(kind) => Some(kind.as_str()),
                    _ => None,
                })
                .unwrap_or(instance);
            kind = kinds
                .iter()
                .copied()
                .find(|entry| entry.name() == kind_name);
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

/// The path so far, with the segment that did not match, for messages.
fn shown_path(path: &[String], segment: &str) -> String {
    let mut shown = path.to_vec();
    shown.push(segment.to_ascii_lowercase());
    shown.join(".")
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
