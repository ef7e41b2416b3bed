//! The configuration's JSON Schema, built from each kind's config type with `schemars` (the
//! crate that derives schemas from the same `serde` attributes the config types use), so that
//! editors check and complete configuration files; and the keys a kind's config has, which the
//! environment layer matches variables against.

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::contract::OnFailure;
use crate::registry::PluginEntry;

/// The JSON Schema (draft 2020-12) of a configuration for these kinds: `plugins` maps instance
/// names to instances; an instance's `config` is checked against its kind's config type where
/// the instance names its kind (or is named after it).
///
/// ```
/// # plugin_factory::link_plugins!(example_plugins);
/// let schema = plugin_factory::config::schema(plugin_factory::registry::entries());
/// assert_eq!(schema["properties"]["plugins"]["type"], "object");
/// assert!(schema["$defs"]["GreeterConfig"]["properties"]["greeting"].is_object());
/// ```
pub fn schema(kinds: impl IntoIterator<Item = &'static PluginEntry>) -> Value {
    let mut generator = SchemaGenerator::new(SchemaSettings::draft2020_12());
    let mut kinds: Vec<&'static PluginEntry> = kinds.into_iter().collect();
    kinds.sort_by_key(|entry| entry.name());
    kinds.dedup_by_key(|entry| entry.name());
    let names: Vec<&str> = kinds.iter().map(|entry| entry.name()).collect();
    // One variant per kind: an instance of that kind, its config typed.
    let variants: Vec<Value> = kinds
        .iter()
        .map(|entry| {
            let config = match entry.config() {
                Some(spec) => spec.schema(&mut generator).to_value(),
                None => json!({ "type": "object", "maxProperties": 0 }),
            };
            instance_schema(entry, config)
        })
        .collect();
    let definitions = generator.take_definitions(true);
    let mut named = Map::new();
    for (entry, variant) in kinds.iter().zip(&variants) {
        // An instance named after its kind may leave `kind` out.
        let mut variant = variant.clone();
        variant["required"] = json!([]);
        named.insert(entry.name().to_owned(), variant);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Plugin Factory configuration",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "run_unlisted": {
                "description": "Whether kinds the configuration does not mention run, one instance each, named after the kind.",
                "type": "boolean",
                "default": true
            },
            "plugins": {
                "description": "The instances to run, by name.",
                "type": "object",
                "properties": named,
                "propertyNames": { "pattern": "^[a-z0-9-]{1,64}$" },
                "additionalProperties": { "oneOf": variants }
            }
        },
        "$defs": definitions,
        "x-kinds": names,
    })
}

/// The schema of one instance of `entry`'s kind, with `config` as its config's schema.
fn instance_schema(entry: &PluginEntry, config: Value) -> Value {
    let metadata = entry.metadata();
    let depends_on: Vec<&str> = metadata.dependencies().iter().map(|d| d.name()).collect();
    let bind: Map<String, Value> = depends_on
        .iter()
        .map(|kind| ((*kind).to_owned(), json!({ "type": "string" })))
        .collect();
    json!({
        "description": metadata.description(),
        "type": "object",
        "additionalProperties": false,
        "required": ["kind"],
        "properties": {
            "kind": { "const": entry.name() },
            "enabled": { "type": "boolean", "default": true },
            "config": config,
            "bind": {
                "type": "object",
                "properties": bind,
                "additionalProperties": false
            },
            "on_failure": on_failure_schema(metadata.on_failure()),
            "on_unhealthy": {
                "description": "What a health check that finds the instance unhealthy leads to (default: the manager's policy)",
                "oneOf": [
                    { "enum": ["report", "restart"] },
                    {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["restart"],
                        "properties": {
                            "restart": {
                                "type": "object",
                                "additionalProperties": false,
                                "properties": {
                                    "max_restarts": { "type": "integer", "minimum": 0 },
                                    "within_s": { "type": "integer", "minimum": 0 }
                                }
                            }
                        }
                    }
                ]
            },
            "timeout_ms": timeout_schema(metadata.timeout())
        }
    })
}

/// The schema of `timeout_ms`, with the annotation's timeout, if any, as its default.
fn timeout_schema(annotated: Option<std::time::Duration>) -> Value {
    let mut schema = json!({
        "description": "How long each hook may run under the async manager, in milliseconds (default: the kind's annotation, then the manager's hook timeout)",
        "type": "integer",
        "minimum": 1,
        "maximum": u32::MAX
    });
    if let Some(timeout) = annotated {
        schema["default"] = json!(timeout.as_millis());
    }
    schema
}

/// The schema of `on_failure`, with the annotation's policy as its default.
fn on_failure_schema(annotated: OnFailure) -> Value {
    let default = match annotated {
        OnFailure::Retry(backoff) => json!({ "retry": {
            "attempts": backoff.attempts(),
            "delay_ms": backoff.delay().as_millis(),
            "max_delay_ms": backoff.max_delay().as_millis(),
        }}),
        other => json!(other.to_string()),
    };
    let whole = json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX });
    json!({
        "description": "What happens when the instance fails to come up: excluded, the transition fails, or init and start are retried with backoff.",
        "default": default,
        "oneOf": [
            { "enum": ["exclude", "fail", "retry"] },
            {
                "type": "object",
                "additionalProperties": false,
                "required": ["retry"],
                "properties": { "retry": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "attempts": { "type": "integer", "minimum": 1, "maximum": u32::MAX },
                        "delay_ms": whole,
                        "max_delay_ms": whole
                    }
                }}
            }
        ]
    })
}

/// The keys of the map at `path` inside a kind's config, as its schema lists them; `None` when
/// the schema does not say (no config type, or a map with free keys).
pub(crate) fn config_keys(entry: &PluginEntry, path: &[String]) -> Option<Vec<String>> {
    let spec = entry.config()?;
    let mut generator = SchemaGenerator::new(SchemaSettings::draft2020_12());
    let root = spec.schema(&mut generator);
    let definitions = generator.definitions().clone();
    let mut current: Value = root.to_value();
    for key in path {
        current = resolve(current, &definitions);
        current = current.get("properties")?.get(key)?.clone();
    }
    let current = resolve(current, &definitions);
    let properties = current.get("properties")?.as_object()?;
    Some(properties.keys().cloned().collect())
}

/// `schema`, with a `$ref` to a definition replaced by the definition.
fn resolve(schema: Value, definitions: &Map<String, Value>) -> Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or(reference);
            definitions.get(name).cloned().unwrap_or(schema)
        }
        None => schema,
    }
}
