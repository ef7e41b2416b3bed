//! `config schema` and `config plan FILE`: the configuration's JSON Schema for this binary, and
//! what moving to another configuration would change.

use std::path::Path;

use serde_json::json;

use super::options::{Exit, OutputFormat, Source};
use super::render::{Io, err, out, print_json};
use super::session::Session;
use crate::config::{Change, Loader, schema as config_schema};
use crate::error::Error;

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
