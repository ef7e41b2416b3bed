//! The configuration in effect: every layer applied (files, environment, overrides), every
//! default written out, one instance for each kind that runs unlisted, and text from the
//! environment or an override typed as it is read. Each value keeps where it came from; a
//! value no source gave is at [`Location::Defaulted`], an unlisted kind's instance at
//! [`Location::Unlisted`]. What `config show` prints.

use rustc_hash::FxHashMap;
use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde::de::IgnoredAny;
use serde_json::{Map, Value as Json};

use super::document::Config;
use super::resolve::resolve_with;
use crate::registry::PluginEntry;
use crate::tree::{self, Location, MAX_DEPTH, Node, Value};

impl Config {
    /// The configuration in effect against `kinds`: what a manager built from it runs with.
    ///
    /// - `run_unlisted`, and each instance's `kind` and `enabled`, are written out, at
    ///   [`Location::Defaulted`] where no source gave them;
    /// - an enabled instance's `config` is typed as its kind's config type reads it (`"30"`
    ///   from an override becomes the number a `u32` field reads), and each field the
    ///   configuration leaves out is added with its default (from the type's schema), at
    ///   [`Location::Defaulted`];
    /// - each kind the configuration does not mention, when `run_unlisted` is true, is added
    ///   as the instance named after it, at [`Location::Unlisted`], after the configured ones
    ///   and by name.
    ///
    /// A disabled instance's config is shown as given: it is not read. Nothing is checked here:
    /// problems are what [`ManagerBuilder::config`](crate::ManagerBuilder::config) reports.
    ///
    /// ```
    /// use plugin_factory::config::{Format, Loader, Location};
    /// # plugin_factory::link_plugins!(example_plugins);
    ///
    /// let config = Loader::new()
    ///     .text("app.toml", Format::Toml, "run_unlisted = false\n[plugins.greeter]\n")
    ///     .set("plugins.greeter.config.shout", "true")
    ///     .load()?;
    /// let effective = config.effective(plugin_factory::registry::entries());
    /// let greeter = effective.pointer(["plugins", "greeter"]).unwrap();
    /// assert_eq!(greeter.get("enabled").unwrap().at, Location::Defaulted);
    /// let greeting = greeter.pointer(["config", "greeting"]).unwrap();
    /// assert_eq!((greeting.at.to_string(), greeting.display(Format::Json).to_string()),
    ///            ("default".to_owned(), "\"Hello\"\n".to_owned()));
    /// let shout = greeter.pointer(["config", "shout"]).unwrap();
    /// assert_eq!(shout.display(Format::Json).to_string(), "true\n"); // a flag, not text
    /// # Ok::<(), plugin_factory::config::ConfigError>(())
    /// ```
    pub fn effective(&self, kinds: impl IntoIterator<Item = &'static PluginEntry>) -> Node {
        let kinds: Vec<&'static PluginEntry> = kinds.into_iter().collect();
        let root = self.tree();
        let mut shown: Vec<(String, Node)> = Vec::new();
        let run_unlisted = match root.get("run_unlisted") {
            Some(node) => tree::typed::<bool>(node, "run_unlisted"),
            None => Node::new(Value::Bool(true), Location::Defaulted),
        };
        let mut plugins: Vec<(String, Node)> = Vec::new();
        let mut schemas = Schemas::default();
        if let Some(Value::Map(instances)) = root.get("plugins").map(|plugins| &plugins.value) {
            for (name, node) in instances {
                plugins.push((name.clone(), instance(name, node, &kinds, &mut schemas)));
            }
        }
        // The instances no configuration names are those resolution adds, with no spec; by name,
        // so that the output does not follow the order the registry happens to list kinds in.
        let resolved = resolve_with(self, &kinds, &|_, _, _| true);
        let mut unlisted: Vec<_> = resolved
            .instances
            .iter()
            .filter(|i| i.spec.is_none())
            .collect();
        unlisted.sort_by_key(|instance| instance.name);
        for instance in unlisted {
            let shown = unlisted_instance(instance.entry, &mut schemas);
            plugins.push((instance.name.to_string(), shown));
        }
        shown.push(("run_unlisted".to_owned(), run_unlisted));
        let plugins_at = root
            .get("plugins")
            .map_or(Location::Defaulted, |p| p.at.clone());
        shown.push((
            "plugins".to_owned(),
            Node::new(Value::Map(plugins), plugins_at),
        ));
        // Any other top-level key is a problem the manager reports; shown as given.
        if let Value::Map(entries) = &root.value {
            for (key, value) in entries {
                if key != "run_unlisted" && key != "plugins" {
                    shown.push((key.clone(), as_given(value)));
                }
            }
        }
        Node::new(Value::Map(shown), root.at.clone())
    }
}

/// A configured instance in effect: its keys as given (typed where they have a type), `kind`
/// and `enabled` written out, and an enabled instance's config typed and completed.
fn instance(
    name: &str,
    node: &Node,
    kinds: &[&'static PluginEntry],
    schemas: &mut Schemas,
) -> Node {
    let Value::Map(given) = &node.value else {
        // Not a map (or null): shown as given; the manager reports it if it is wrong.
        return as_given(node);
    };
    let path = format!("plugins.{name}");
    let kind = match node.get("kind").map(|kind| &kind.value) {
        Some(Value::String(kind) | Value::Text(kind)) => kind.as_str(),
        Some(_) => "",
        None => name,
    };
    let kind_node = match node.get("kind") {
        Some(given) => as_given(given),
        None => string(kind, Location::Defaulted),
    };
    let enabled = match node.get("enabled") {
        Some(enabled) => tree::typed::<bool>(enabled, &format!("{path}.enabled")),
        None => Node::new(Value::Bool(true), Location::Defaulted),
    };
    let runs = !matches!(enabled.value, Value::Bool(false));
    // `kind` and `enabled` first, given or not; the rest in the order given.
    let mut entries = vec![
        ("kind".to_owned(), kind_node),
        ("enabled".to_owned(), enabled),
    ];
    let entry = kinds.iter().find(|entry| entry.name() == kind);
    for (key, value) in given {
        let shown = match key.as_str() {
            "kind" | "enabled" => continue,
            "timeout_ms" => tree::typed::<u64>(value, &format!("{path}.timeout_ms")),
            "config" if runs => match entry {
                Some(entry) => config(entry, Some(value), &path, Location::Defaulted, schemas),
                None => as_given(value),
            },
            _ => as_given(value),
        };
        entries.push((key.clone(), shown));
    }
    if runs
        && node.get("config").is_none()
        && let Some(entry) = entry
        && entry.config().is_some()
    {
        entries.push((
            "config".to_owned(),
            config(entry, None, &path, Location::Defaulted, schemas),
        ));
    }
    Node::new(Value::Map(entries), node.at.clone())
}

/// The instance that runs a kind no configuration mentions.
fn unlisted_instance(entry: &'static PluginEntry, schemas: &mut Schemas) -> Node {
    let at = Location::Unlisted;
    let mut entries = vec![
        ("kind".to_owned(), string(entry.name(), at.clone())),
        (
            "enabled".to_owned(),
            Node::new(Value::Bool(true), at.clone()),
        ),
    ];
    if entry.config().is_some() {
        let path = format!("plugins.{}", entry.name());
        let config = config(entry, None, &path, at.clone(), schemas);
        entries.push(("config".to_owned(), config));
    }
    Node::new(Value::Map(entries), at)
}

/// An instance's config as its kind reads it: typed, and each field left out added with its
/// default, at `defaults_at`.
fn config(
    entry: &'static PluginEntry,
    given: Option<&Node>,
    path: &str,
    defaults_at: Location,
    schemas: &mut Schemas,
) -> Node {
    let Some(spec) = entry.config() else {
        return given.map_or_else(Node::empty_map, as_given);
    };
    let mut config = match given {
        Some(given) => spec.typed(given, &format!("{path}.config")),
        None => Node::empty_map_at(defaults_at.clone()),
    };
    let (schema, definitions) = schemas.of(entry);
    with_defaults(&mut config, schema, definitions, &defaults_at, 0);
    config
}

/// Each kind's config schema and its definitions, made once per kind (a configuration may have
/// thousands of instances of one kind).
#[derive(Default)]
struct Schemas(FxHashMap<&'static str, (Json, Map<String, Json>)>);

impl Schemas {
    fn of(&mut self, entry: &'static PluginEntry) -> (&Json, &Map<String, Json>) {
        let (schema, definitions) = self.0.entry(entry.name()).or_insert_with(|| {
            let mut generator = SchemaGenerator::new(SchemaSettings::draft2020_12());
            let schema = entry
                .config()
                .map_or(Json::Null, |spec| spec.schema(&mut generator).to_value());
            (schema, generator.take_definitions(true))
        });
        (schema, definitions)
    }
}

/// Adds to `node`, a map, each property of `schema` that it lacks and that has a default;
/// goes into the maps it has, as deep as a configuration nests.
fn with_defaults(
    node: &mut Node,
    schema: &Json,
    definitions: &Map<String, Json>,
    at: &Location,
    depth: usize,
) {
    let Value::Map(entries) = &mut node.value else {
        return;
    };
    let Some(Json::Object(properties)) = dereferenced(schema, definitions).get("properties") else {
        return;
    };
    for (key, property) in properties {
        match entries.iter_mut().find(|(given, _)| given == key) {
            Some((_, inner)) if depth < MAX_DEPTH => {
                with_defaults(inner, property, definitions, at, depth + 1);
            }
            Some(_) => {}
            None => {
                let default = property
                    .get("default")
                    .or_else(|| dereferenced(property, definitions).get("default"));
                if let Some(default) = default {
                    entries.push((key.clone(), from_json(default, at, 0)));
                }
            }
        }
    }
}

/// `schema`, or the definition its `$ref` names (followed a few times: a definition may be
/// an alias of another).
fn dereferenced<'a>(mut schema: &'a Json, definitions: &'a Map<String, Json>) -> &'a Json {
    for _ in 0..8 {
        let Some(name) = schema
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|reference| reference.strip_prefix("#/$defs/"))
        else {
            break;
        };
        match definitions.get(name) {
            Some(definition) => schema = definition,
            None => break,
        }
    }
    schema
}

/// A default from a schema, as a tree at `at`.
fn from_json(value: &Json, at: &Location, depth: usize) -> Node {
    let value = match value {
        Json::Null => Value::Null,
        Json::Bool(flag) => Value::Bool(*flag),
        Json::Number(number) => match (number.as_i64(), number.as_u64(), number.as_f64()) {
            (Some(integer), _, _) => Value::Integer(integer.into()),
            (_, Some(integer), _) => Value::Integer(integer.into()),
            (_, _, float) => Value::Float(float.unwrap_or(f64::NAN)),
        },
        Json::String(text) => Value::String(text.clone()),
        // Defaults are the type's own values, shallow; the depth bound is for form's sake.
        _ if depth >= MAX_DEPTH => Value::Null,
        Json::Array(items) => Value::List(
            items
                .iter()
                .map(|item| from_json(item, at, depth + 1))
                .collect(),
        ),
        Json::Object(entries) => Value::Map(
            entries
                .iter()
                .map(|(key, value)| (key.clone(), from_json(value, at, depth + 1)))
                .collect(),
        ),
    };
    Node::new(value, at.clone())
}

/// A value shown as given: text that no type reads is a string.
fn as_given(node: &Node) -> Node {
    tree::typed::<IgnoredAny>(node, "")
}

fn string(text: &str, at: Location) -> Node {
    Node::new(Value::String(text.to_owned()), at)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_fill_what_is_left_out_at_every_level_through_references() {
        let schema = json!({
            "properties": {
                "port": { "type": "integer", "default": 8080 },
                "routes": { "type": "array", "default": [["/", 1]] },
                "tls": { "$ref": "#/$defs/Tls" },
                "limits": { "$ref": "#/$defs/Limits", "default": { "rate": 1.5 } },
                "name": { "type": "string" },
            }
        });
        let definitions = json!({
            "Tls": { "properties": { "cert": { "type": "string", "default": "cert.pem" },
                                     "verify": { "type": "boolean", "default": true } } },
            "Limits": { "properties": { "rate": { "type": "number" } } },
        });
        let definitions = definitions.as_object().unwrap().clone();
        let mut config = Node::empty_map();
        config.set(
            ["tls", "verify"],
            Node::new(Value::Bool(false), Location::Code),
        );
        with_defaults(&mut config, &schema, &definitions, &Location::Defaulted, 0);
        let shown: Vec<String> = config
            .origins()
            .into_iter()
            .map(|(path, at)| format!("{path} {at}"))
            .collect();
        assert_eq!(
            shown,
            [
                "tls.verify code",
                "tls.cert default",
                // Added in the schema's order of properties: by name.
                "limits.rate default",
                "port default",
                "routes[0][0] default",
                "routes[0][1] default",
            ]
        );
        assert!(matches!(
            config.pointer(["limits", "rate"]).unwrap().value,
            Value::Float(rate) if rate == 1.5
        ));
    }

    #[test]
    fn a_reference_loop_ends() {
        let definitions = json!({ "A": { "$ref": "#/$defs/B" }, "B": { "$ref": "#/$defs/A" } });
        let definitions = definitions.as_object().unwrap().clone();
        let schema = json!({ "$ref": "#/$defs/A" });
        let mut config = Node::empty_map();
        with_defaults(&mut config, &schema, &definitions, &Location::Defaulted, 0);
        assert!(matches!(&config.value, Value::Map(entries) if entries.is_empty()));
    }
}
