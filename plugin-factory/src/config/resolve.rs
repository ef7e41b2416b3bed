//! Resolution: a [`Config`] read against the kinds compiled into the binary becomes the list of
//! [`Instance`]s to run, each with the problems of its own configuration, plus the problems
//! that belong to no instance (an unknown kind, an invalid name, an unknown key at the top).

use super::document::Config;
use super::error::problem;
use super::instance::{Instance, Spec};
use rustc_hash::FxHashMap;

use crate::name::Name;
use crate::registry::PluginEntry;
use crate::tree::Problem;
use crate::tree::{self, Node, SeededMap, SeededSet, Value};

/// Says whether to leave the `config` of an enabled instance (by name and kind) unread: it was
/// checked already, or the instance is left out by name.
pub(crate) type Unread<'a> = dyn Fn(&str, &'static PluginEntry, Option<&Node>) -> bool + 'a;

/// The keys of the configuration's top level.
pub(super) const TOP_KEYS: &[&str] = &["plugins", "run_unlisted"];
/// The keys of one instance.
pub(super) const INSTANCE_KEYS: &[&str] = &[
    "kind",
    "enabled",
    "config",
    "bind",
    "on_failure",
    "on_unhealthy",
    "timeout_ms",
];

/// What a configuration decides, against the kinds compiled in.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// Every instance to lay out: the configured ones in the configuration's order, then one
    /// per kind the configuration does not mention (unless `run_unlisted = false`).
    pub(crate) instances: Vec<Instance>,
    /// The problems that belong to no instance that exists.
    pub(crate) problems: Vec<Problem>,
}

impl Resolved {
    /// Every problem: those of the configuration as a whole, then each instance's.
    pub(crate) fn all_problems(&self) -> Vec<Problem> {
        let mut all = self.problems.clone();
        for instance in &self.instances {
            all.extend(instance.spec().problems.iter().cloned());
        }
        all
    }
}

/// Resolves `config` against `kinds`, checking the typed config of each instance that runs: a
/// disabled one's config, or one named in `left_out` (`ManagerBuilder::disable`), is not read.
pub(crate) fn resolve(
    config: &Config,
    kinds: &[&'static PluginEntry],
    left_out: &[String],
) -> Resolved {
    resolve_with(config, kinds, &|name, _, _| {
        left_out.iter().any(|left_out| left_out == name)
    })
}

/// [`resolve`], leaving unread each config that `unread(name, kind, config)` says needs no
/// reading (a reload leaves unchanged configs alone).
pub(crate) fn resolve_with(
    config: &Config,
    kinds: &[&'static PluginEntry],
    unread: &Unread<'_>,
) -> Resolved {
    let root = config.tree();
    // Kinds by name, the first registered of a name winning (two of one name are excluded as
    // duplicates later, if both run).
    let mut by_name: FxHashMap<&str, &'static PluginEntry> =
        FxHashMap::with_capacity_and_hasher(kinds.len(), Default::default());
    for &entry in kinds {
        by_name.entry(entry.name()).or_insert(entry);
    }
    let mut problems = Vec::new();
    let mut instances = Vec::new();
    if let Value::Map(entries) = &root.value {
        for (key, value) in entries {
            if !TOP_KEYS.contains(&key.as_str()) {
                problems.push(unknown_key(key, key, TOP_KEYS, value));
            }
        }
    } else if !matches!(root.value, Value::Null) {
        problems.push(problem(
            "(top level)",
            format!(
                "expected a map with a `plugins` key, found {}",
                root.value.kind()
            ),
            root,
        ));
    }
    let run_unlisted = match root.get("run_unlisted") {
        Some(node) => tree::deserialize::<bool>(node, "run_unlisted").unwrap_or_else(|errors| {
            problems.extend(errors);
            true
        }),
        None => true,
    };
    match root.get("plugins").map(|plugins| &plugins.value) {
        None | Some(Value::Null) => {}
        Some(Value::Map(entries)) => {
            for (name, node) in entries {
                match instance(name, node, &by_name, kinds, unread) {
                    Ok(instance) => instances.push(instance),
                    Err(problem) => problems.push(problem),
                }
            }
        }
        Some(other) => {
            let node = root.get("plugins").expect("matched above");
            problems.push(problem(
                "plugins",
                format!(
                    "expected a map of instances by name, found {}",
                    other.kind()
                ),
                node,
            ));
        }
    }
    if run_unlisted {
        let mut mentioned: SeededSet<&str> = SeededSet::default();
        for instance in &instances {
            mentioned.insert(instance.entry.name());
            mentioned.insert(instance.name.as_str());
        }
        let unlisted: Vec<Instance> = kinds
            .iter()
            .filter(|entry| !mentioned.contains(entry.name()))
            .map(|&entry| Instance::of_kind(entry))
            .collect();
        instances.extend(unlisted);
    }
    check_bindings(&mut instances);
    Resolved {
        instances,
        problems,
    }
}

/// The instance `name`, configured by `node`; an error if it cannot exist at all (an invalid
/// name, an unknown kind, a value that is no map).
fn instance(
    name: &str,
    node: &Node,
    by_name: &FxHashMap<&str, &'static PluginEntry>,
    kinds: &[&'static PluginEntry],
    unread: &Unread<'_>,
) -> Result<Instance, Problem> {
    // Key paths are for messages: made only when there is a problem to report.
    let path = || format!("plugins.{name}");
    let name = Name::new(name.to_owned()).map_err(|invalid| {
        problem(
            path(),
            format!(
                "invalid instance name {:?}: {}",
                invalid.name, invalid.problem
            ),
            node,
        )
    })?;
    let empty = Vec::new();
    let entries = match &node.value {
        Value::Map(entries) => entries,
        // `greeter = {}` in TOML, `greeter:` in YAML: an instance with every default.
        Value::Null => &empty,
        other => {
            return Err(problem(
                path(),
                format!(
                    "expected a map (kind, enabled, config, bind, on_failure, on_unhealthy, timeout_ms), found {}",
                    other.kind()
                ),
                node,
            ));
        }
    };
    let mut problems = Vec::new();
    for (key, value) in entries {
        if !INSTANCE_KEYS.contains(&key.as_str()) {
            problems.push(unknown_key(
                &format!("{}.{key}", path()),
                key,
                INSTANCE_KEYS,
                value,
            ));
        }
    }
    let kind_node = node.get("kind");
    let kind = match kind_node {
        Some(kind) => match &kind.value {
            Value::String(kind) | Value::Text(kind) => kind.as_str(),
            // Not text: serde words the problem.
            _ => {
                let path = format!("{}.kind", path());
                let errors = tree::deserialize::<String>(kind, &path).err();
                return Err(errors
                    .and_then(|e| e.into_iter().next())
                    .unwrap_or_else(|| problem(path, "expected a kind's name", kind)));
            }
        },
        None => name.as_str(),
    };
    let Some(&entry) = by_name.get(kind) else {
        return Err(unknown_kind(
            &path(),
            kind,
            kind_node.unwrap_or(node),
            kinds,
        ));
    };
    let enabled = match node.get("enabled") {
        None => true,
        Some(enabled) => match &enabled.value {
            Value::Bool(flag) => *flag,
            _ => tree::deserialize::<bool>(enabled, &format!("{}.enabled", path())).unwrap_or_else(
                |errors| {
                    problems.extend(errors);
                    true
                },
            ),
        },
    };
    let config = node.get("config").cloned();
    let config_path = || format!("{}.config", path());
    // A disabled instance is left out before its config is read: it may be incomplete.
    let read = enabled && !unread(&name, entry, config.as_ref());
    match (entry.config(), &config) {
        _ if !read => {}
        (Some(spec), Some(config)) => {
            if let Err(errors) = spec.parse(config, &config_path()) {
                problems.extend(errors);
            }
        }
        (Some(spec), None) => {
            if spec.default_value().is_none()
                && let Err(errors) =
                    spec.parse(&Node::empty_map_at(node.at.clone()), &config_path())
            {
                problems.extend(errors);
            }
        }
        (None, Some(config)) if !is_empty(config) => problems.push(problem(
            config_path(),
            format!("kind {kind:?} takes no configuration: it declares no config type"),
            config,
        )),
        (None, _) => {}
    }
    let (bind, every) = match node.get("bind") {
        None => (Vec::new(), Vec::new()),
        bind => bindings(&path(), bind, entry, &mut problems),
    };
    let on_failure = node
        .get("on_failure")
        .and_then(|policy| super::policy::on_failure(&path(), policy, &mut problems));
    let on_unhealthy = node
        .get("on_unhealthy")
        .and_then(|policy| super::policy::on_unhealthy(&path(), policy, &mut problems));
    let timeout = node
        .get("timeout_ms")
        .and_then(|millis| super::policy::timeout(&path(), millis, &mut problems));
    Ok(Instance {
        name,
        entry,
        spec: Some(Box::new(Spec {
            enabled,
            config,
            bind,
            every,
            on_failure,
            on_unhealthy,
            timeout,
            at: node.at.clone(),
            problems,
        })),
    })
}

/// The `bind` map of an instance: kinds its kind depends on, each to an instance name, or to
/// `"*"`, every instance of the kind (the second list).
fn bindings(
    path: &str,
    node: Option<&Node>,
    entry: &'static PluginEntry,
    problems: &mut Vec<Problem>,
) -> (Vec<(Name, Name)>, Vec<Name>) {
    let Some(node) = node else {
        return (Vec::new(), Vec::new());
    };
    let Value::Map(entries) = &node.value else {
        problems.push(problem(
            format!("{path}.bind"),
            format!(
                "expected a map from kind to instance name, found {}",
                node.value.kind()
            ),
            node,
        ));
        return (Vec::new(), Vec::new());
    };
    let depends_on: Vec<&'static str> = entry
        .metadata()
        .dependencies()
        .iter()
        .map(|dependency| dependency.name())
        .collect();
    let mut bind = Vec::new();
    let mut every = Vec::new();
    for (kind, target) in entries {
        let key = format!("{path}.bind.{kind}");
        let Some(&kind) = depends_on.iter().find(|&&known| known == kind) else {
            let message = match depends_on.as_slice() {
                [] => format!(
                    "kind {:?} depends on no kind: there is nothing to bind",
                    entry.name()
                ),
                known => format!(
                    "kind {:?} does not depend on {kind:?}; it depends on {}",
                    entry.name(),
                    quoted(known.iter().copied())
                ),
            };
            problems.push(problem(&key, message, target));
            continue;
        };
        match tree::deserialize::<String>(target, &key) {
            Ok(instance) if instance == "*" => every.push(Name::from(kind)),
            Ok(instance) => match Name::new(instance) {
                Ok(instance) => bind.push((Name::from(kind), instance)),
                Err(invalid) => problems.push(problem(&key, invalid.to_string(), target)),
            },
            Err(errors) => problems.extend(errors),
        }
    }
    (bind, every)
}

/// Checks that every binding names an instance of the right kind, now that all are known.
fn check_bindings(instances: &mut [Instance]) {
    if instances
        .iter()
        .all(|instance| instance.spec().bind.is_empty())
    {
        return;
    }
    let found: Vec<(Name, &'static str)> = instances
        .iter()
        .map(|instance| (instance.name, instance.entry.name()))
        .collect();
    let kind_of: SeededMap<&str, &'static str> = found
        .iter()
        .map(|(name, kind)| (name.as_str(), *kind))
        .collect();
    for instance in instances.iter_mut() {
        let mut problems = Vec::new();
        for (kind, target) in &instance.spec().bind {
            let key = format!("plugins.{}.bind.{kind}", instance.name);
            let message = match kind_of.get(target.as_str()) {
                None => {
                    let names = found
                        .iter()
                        .filter(|(_, k)| k == kind)
                        .map(|(n, _)| n.as_str());
                    format!(
                        "binds {kind:?} to {target:?}, which is not an instance; the instances of {kind:?} are {}",
                        quoted(names)
                    )
                }
                Some(found_kind) if found_kind != kind => format!(
                    "binds {kind:?} to {target:?}, which is an instance of {found_kind:?}, not of {kind:?}"
                ),
                Some(_) => continue,
            };
            problems.push(Problem {
                path: key,
                message,
                at: Some(instance.spec().at.clone()),
            });
        }
        if !problems.is_empty() {
            instance.spec_mut().problems.extend(problems);
        }
    }
}

/// Whether a `config` value says nothing: null or an empty map.
fn is_empty(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::Map(entries) => entries.is_empty(),
        _ => false,
    }
}

/// An unknown key, with the nearest known one, worded as for a typed config's keys.
fn unknown_key(path: &str, key: &str, known: &[&str], at: &Node) -> Problem {
    let mut message = format!("unknown key `{key}`");
    if let Some(near) = nearest(key, known.iter().copied()) {
        message.push_str(&format!("; did you mean `{near}`?"));
    }
    message.push_str(&format!(
        " expected one of {}",
        ticked(known.iter().copied())
    ));
    problem(path, message, at)
}

/// `` `a`, `b`, `c` ``: keys, as serde names them.
pub(crate) fn ticked<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    let keys: Vec<String> = keys.map(|key| format!("`{key}`")).collect();
    keys.join(", ")
}

/// An unknown kind: the kinds compiled in, the nearest one, and the cargo-feature hint.
fn unknown_kind(path: &str, kind: &str, at: &Node, kinds: &[&'static PluginEntry]) -> Problem {
    let mut names: Vec<&str> = kinds.iter().map(|entry| entry.name()).collect();
    names.sort_unstable();
    names.dedup();
    let mut message = format!("unknown kind {kind:?}");
    if let Some(near) = nearest(kind, names.iter().copied()) {
        message.push_str(&format!("; did you mean {near:?}?"));
    }
    message.push_str(&format!(
        " The kinds compiled into this binary are {}; a kind whose cargo feature is off is not compiled in",
        quoted(names.iter().copied())
    ));
    problem(path, message, at)
}

/// The candidate nearest to `word`, if one is near enough to be a likely typo.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// `"a", "b", "c"`, or `none`.
pub(crate) fn quoted<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(|item| format!("{item:?}")).collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
