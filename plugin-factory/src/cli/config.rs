//! `config show`, `config schema` and `config plan FILE`: the configuration in effect and where
//! each value came from, its JSON Schema for this binary, and what moving to another
//! configuration would change.

use std::io::Write as _;
use std::path::Path;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use serde_json::{Map, Value, json};

use super::options::{Exit, OutputFormat, Source};
use super::render::{Io, err, node_json, out, print_json};
use super::session::Session;
use crate::config::{Change, Format, Loader, Node, schema as config_schema};
use crate::error::Error;

/// `toml`, `json` or `yaml`, for `config show --as`.
pub(super) fn file_format() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(["toml", "json", "yaml"]).map(|name| match name.as_str() {
        "json" => Format::Json,
        "yaml" => Format::Yaml,
        _ => Format::Toml,
    })
}

/// The format configuration is shown in: the one asked for, else the `--config` file's, else
/// TOML.
pub(super) fn shown_format(source: &Source<'_>, asked: Option<Format>) -> Format {
    asked
        .or_else(|| source.options.config.as_deref().and_then(Format::from_path))
        .unwrap_or(Format::Toml)
}

/// Prints the configuration in effect (as [`Config::effective`](crate::config::Config::effective)
/// makes it), in a file format, with origins as comments if asked; or, with `--format json`,
/// `{ "config": {...}, "origins": { "key.path": "where" } }`.
pub(super) fn show(
    source: &Source<'_>,
    origin: bool,
    written_as: Option<Format>,
    io: &mut Io<'_>,
) -> Result<Exit, Error> {
    let config = source.config()?.unwrap_or_default();
    let effective = config.effective(source.kinds());
    match source.format() {
        OutputFormat::Json => {
            let mut document = json!({ "config": node_json(&effective) });
            if origin {
                document["origins"] = origins_json(&effective);
            }
            print_json(io, document);
        }
        OutputFormat::Text => {
            let format = shown_format(source, written_as);
            // Written as it is made: a large configuration is not held twice, as a tree and
            // as text.
            let mut out = std::io::BufWriter::new(&mut *io.out);
            let _ = write!(out, "{}", effective.display(format).with_origins(origin));
            let _ = out.flush();
        }
    }
    Ok(Exit::Success)
}

/// Every value's key path and where it came from, as a JSON object.
pub(super) fn origins_json(node: &Node) -> Value {
    let origins: Map<String, Value> = node
        .origins()
        .into_iter()
        .map(|(path, at)| (path, Value::String(at.to_string())))
        .collect();
    Value::Object(origins)
}

pub(super) fn schema(source: &Source<'_>, io: &mut Io<'_>) -> Result<Exit, Error> {
    let schema = config_schema(source.kinds());
    // The schema is JSON whatever the format: text prints it pretty, JSON wraps it.
    match source.format() {
        OutputFormat::Json => print_json(io, json!({ "schema": schema })),
        OutputFormat::Text => out!(
            io,
            "{}",
            serde_json::to_string_pretty(&schema).expect("a JSON value always serializes")
        ),
    }
    Ok(Exit::Success)
}

/// Validates the manager the options describe (nothing starts), reads `file` as the next
/// configuration (with the same environment overrides), and prints the plan to it.
pub(super) fn plan(source: &Source<'_>, file: &Path, io: &mut Io<'_>) -> Result<Exit, Error> {
    let (session, manager) = match Session::validated(source, io)? {
        Ok(opened) => opened,
        Err(exit) => return Ok(exit),
    };
    let mut next = Loader::new()
        .max_file_size(source.options.max_config_size)
        .file(file);
    if let Some(prefix) = source.env_prefix {
        next = next.env(prefix);
    }
    let planned = next
        .load()
        .map_err(Error::from)
        .and_then(|next| manager.plan(&next));
    session.block_on(manager.shutdown());
    let plan = match planned {
        Ok(plan) => plan,
        Err(error) => {
            err!(io, "error: {} cannot be applied: {error}", file.display());
            return Ok(Exit::Invalid);
        }
    };
    match source.format() {
        OutputFormat::Json => print_json(
            io,
            json!({
                "changes": plan.changes().iter().map(|planned| json!({
                    "instance": planned.instance.as_str(),
                    "kind": planned.kind,
                    "change": change_name(&planned.change),
                    "because": match &planned.change {
                        Change::Restart { dependency } => Some(dependency.as_str()),
                        _ => None,
                    },
                })).collect::<Vec<_>>(),
                "unchanged": plan.unchanged().iter().map(|name| name.as_str()).collect::<Vec<_>>(),
            }),
        ),
        OutputFormat::Text => out!(io, "{}", plan.to_string().trim_end()),
    }
    Ok(Exit::Success)
}

fn change_name(change: &Change) -> &'static str {
    match change {
        Change::Remove => "remove",
        Change::Reconfigure => "reconfigure",
        Change::Recreate => "recreate",
        Change::Restart { .. } => "restart",
        Change::Add => "add",
    }
}
