//! `list`, `info`, `check` and `health`: what the binary links, what the configuration makes of
//! it, and how it fares, without starting anything (but for `health`).

use serde_json::{Value, json};

use super::config::{origins_json, shown_format};
use super::options::{Exit, OutputFormat, Source};
use super::render::{Io, cell, err, node_json, or_required, out, print_json, table};
use super::session::Session;
use crate::config::Written;
use crate::config::nearest;
use crate::contract::Health;
use crate::contract::PluginMetadata;
use crate::error::Error;
use crate::lifecycle::PluginState;
use crate::registry::PluginEntry;
use crate::report::ExclusionReason;
use crate::report::table::Report;
use crate::runtime::PluginInfo;

/// The entry of `kind` among `kinds`.
fn entry(kinds: &[&'static PluginEntry], kind: &str) -> Option<&'static PluginEntry> {
    kinds.iter().copied().find(|entry| entry.name() == kind)
}

/// The extension points `kind` implements, by trait name.
fn implements(kind: Option<&'static PluginEntry>) -> Vec<&'static str> {
    kind.and_then(PluginEntry::implementations)
        .map(|implementations| {
            implementations
                .points()
                .iter()
                .map(|point| point.point_name())
                .collect()
        })
        .unwrap_or_default()
}

/// The `kinds` that have no instance (the configuration names none).
fn kinds_without_instance(
    kinds: &[&'static PluginEntry],
    infos: &[PluginInfo],
) -> Vec<&'static PluginEntry> {
    let mut kinds: Vec<_> = kinds
        .iter()
        .copied()
        .filter(|entry| !infos.iter().any(|info| info.kind() == entry.name()))
        .collect();
    kinds.sort_by_key(|entry| entry.name());
    kinds.dedup_by_key(|entry| entry.name());
    kinds
}

/// One line of `list`: an instance, or a kind without one (`state` is then `None`).
struct Row {
    name: String,
    kind: &'static str,
    metadata: &'static PluginMetadata,
    /// Whether the instance runs, as far as the configuration says: a left-out one stays
    /// `Registered`.
    enabled: bool,
    state: Option<PluginState>,
    reason: Option<String>,
    /// The extension points its kind implements.
    implements: Vec<&'static str>,
}

impl Row {
    fn of_instance(kinds: &[&'static PluginEntry], info: &PluginInfo) -> Self {
        Self {
            implements: implements(entry(kinds, info.kind())),
            name: info.name().to_string(),
            kind: info.kind(),
            metadata: info.metadata(),
            enabled: info.state() != PluginState::Registered,
            state: Some(info.state()),
            reason: info.reason().map(ToString::to_string),
        }
    }

    fn of_kind(entry: &'static PluginEntry) -> Self {
        Self {
            implements: implements(Some(entry)),
            name: entry.name().to_owned(),
            kind: entry.name(),
            metadata: entry.metadata(),
            enabled: false,
            state: None,
            reason: Some("the configuration names no instance of this kind".to_owned()),
        }
    }

    fn dependencies(&self) -> Vec<String> {
        let dependencies = self.metadata.dependencies().iter();
        dependencies.map(ToString::to_string).collect()
    }

    fn json(&self) -> Value {
        json!({
            "name": self.name,
            "kind": self.kind,
            "version": self.metadata.version(),
            "enabled": self.enabled,
            "state": self.state.map(PluginState::as_str),
            "reason": self.reason,
            "depends_on": self.dependencies(),
            "package": self.metadata.package(),
            "implements": self.implements,
        })
    }

    /// The table's cells; a kind without an instance says so in the state column.
    fn cells(&self) -> Vec<String> {
        let (state, reason) = match self.state {
            Some(state) => (state.as_str(), self.reason.clone().unwrap_or_default()),
            None => ("no instance", String::new()),
        };
        vec![
            self.name.clone(),
            self.kind.to_owned(),
            self.metadata.version().to_owned(),
            if self.enabled { "yes" } else { "no" }.to_owned(),
            state.to_owned(),
            cell(&self.dependencies()),
            self.metadata.package().to_owned(),
            cell(&self.implements),
            reason,
        ]
    }
}

pub(super) fn list(source: &Source<'_>, io: &mut Io<'_>) -> Result<Exit, Error> {
    let (session, manager) = match Session::validated(source, io)? {
        Ok(opened) => opened,
        Err(exit) => return Ok(exit),
    };
    let infos = manager.plugins();
    session.block_on(manager.shutdown());
    let kinds = source.kinds();
    let rows: Vec<Row> = infos
        .iter()
        .map(|info| Row::of_instance(&kinds, info))
        .chain(
            kinds_without_instance(&kinds, &infos)
                .into_iter()
                .map(Row::of_kind),
        )
        .collect();
    match source.format() {
        OutputFormat::Json => {
            let plugins: Vec<Value> = rows.iter().map(Row::json).collect();
            print_json(io, json!({ "plugins": plugins }));
        }
        OutputFormat::Text => {
            let header = [
                "plugin",
                "kind",
                "version",
                "enabled",
                "state",
                "depends on",
                "package",
                "implements",
                "reason",
            ];
            let cells: Vec<Vec<String>> = rows.iter().map(Row::cells).collect();
            let text = table(io, &header, &cells, 4);
            out!(io, "{text}");
        }
    }
    Ok(Exit::Success)
}

pub(super) fn info(
    source: &Source<'_>,
    name: &str,
    health: bool,
    io: &mut Io<'_>,
) -> Result<Exit, Error> {
    // Read first: a configuration that does not load fails here, before anything is created.
    let config = source.config()?;
    let builder = source.builder_with(config.clone());
    let (session, manager) = match Session::validated_from(builder, io)? {
        Ok(opened) => opened,
        Err(exit) => return Ok(exit),
    };
    let info = manager.info(name);
    let kinds = source.kinds();
    let kind = match &info {
        Some(info) => entry(&kinds, info.kind()),
        None => entry(&kinds, name),
    };
    let Some(kind) = kind else {
        let mut known: Vec<String> = manager
            .plugins()
            .iter()
            .map(|p| p.name().to_string())
            .collect();
        known.extend(kinds.iter().map(|entry| entry.name().to_owned()));
        known.sort_unstable();
        known.dedup();
        session.block_on(manager.shutdown());
        let near = nearest(name, known.iter().map(String::as_str))
            .map(|near| format!(" did you mean {near:?}?"))
            .unwrap_or_default();
        err!(
            io,
            "error: no plugin or kind is called {name:?};{near} known: {}",
            known.join(", ")
        );
        return Ok(Exit::Invalid);
    };
    let metadata = kind.metadata();
    // The config in effect: typed, defaults written out, each value with where it came from.
    let effective = config.unwrap_or_default().effective(kinds.iter().copied());
    let current = effective
        .pointer(["plugins", name, "config"])
        .filter(|_| info.is_some());
    let schema = kind.config().map(|spec| {
        let mut generator =
            schemars::SchemaGenerator::new(schemars::generate::SchemaSettings::draft2020_12());
        let mut schema = spec.schema(&mut generator).to_value();
        let definitions = generator.take_definitions(true);
        if !definitions.is_empty() {
            schema["$defs"] = Value::Object(definitions);
        }
        schema
    });
    let mut document = json!({
        "name": name,
        "kind": kind.name(),
        "version": metadata.version(),
        "description": metadata.description(),
        "package": metadata.package(),
        "location": metadata.location().to_string(),
        "depends_on": metadata.dependencies().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "dependents": info.as_ref().map(|i| i.dependents().iter().map(|d| d.to_string()).collect::<Vec<_>>()).unwrap_or_default(),
        "implements": implements(Some(kind)),
        "state": info.as_ref().map(|i| i.state().as_str()),
        "reason": info.as_ref().and_then(|i| i.reason()).map(ToString::to_string),
        "on_failure": info.as_ref().map_or(metadata.on_failure(), |i| i.on_failure()).to_string(),
        "on_unhealthy": info.as_ref().map(|i| i.on_unhealthy().to_string()),
        "config_schema": schema,
        "config": current.map(node_json),
        "config_origins": current.map(origins_json),
    });
    if health {
        let started = session.block_on(async { manager.init().await?.start().await });
        let running = match or_required(started, io)? {
            Ok(running) => running,
            Err(exit) => return Ok(exit),
        };
        let checked = session.block_on(running.check_health());
        let found = checked.get(name).map_or_else(
            || "not running, so not checked".to_owned(),
            ToString::to_string,
        );
        session.block_on(running.shutdown());
        document["health"] = json!(found);
    } else {
        session.block_on(manager.shutdown());
    }
    match source.format() {
        OutputFormat::Json => print_json(io, document),
        OutputFormat::Text => {
            // The config as `config show --origin` writes it, in the file's format.
            let format = shown_format(source, None);
            let config = current.map(|config| config.display(format).with_origins(true));
            print_info_text(&document, config, io);
        }
    }
    Ok(Exit::Success)
}

/// The fields of `info`, in the order the text shows them.
const INFO_FIELDS: [&str; 16] = [
    "name",
    "kind",
    "version",
    "description",
    "package",
    "location",
    "state",
    "reason",
    "depends_on",
    "dependents",
    "implements",
    "on_failure",
    "on_unhealthy",
    "config",
    "config_schema",
    "health",
];

/// `key: value` lines; lists joined, nulls left out, the config as written with its origins,
/// its schema as indented JSON.
fn print_info_text(document: &Value, config: Option<Written<'_>>, io: &mut Io<'_>) {
    for key in INFO_FIELDS {
        let label = key.replace('_', " ");
        if key == "config" {
            if let Some(config) = config {
                let text = config.to_string();
                out!(io, "config:\n  {}", text.trim().replace('\n', "\n  "));
            }
            continue;
        }
        match document.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) if text.is_empty() => {}
            Some(Value::String(text)) => out!(io, "{label}: {text}"),
            Some(Value::Array(items)) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map_or_else(|| item.to_string(), str::to_owned)
                    })
                    .collect();
                out!(io, "{label}: {}", cell(&items));
            }
            Some(other) => {
                let pretty = serde_json::to_string_pretty(other).unwrap_or_default();
                out!(io, "{label}:\n  {}", pretty.replace('\n', "\n  "));
            }
        }
    }
}

/// What is wrong with the configuration a report was made under: its own problems, and each
/// instance excluded for an invalid configuration.
fn config_problems(report: &Report) -> Vec<String> {
    let excluded = report
        .plugins()
        .iter()
        .filter_map(|plugin| match plugin.reason()? {
            reason @ ExclusionReason::InvalidConfig { .. } => {
                Some(format!("{}: {reason}", plugin.name()))
            }
            _ => None,
        });
    let problems = report.config_problems().iter().map(ToString::to_string);
    problems.chain(excluded).collect()
}

pub(super) fn check(source: &Source<'_>, io: &mut Io<'_>) -> Result<Exit, Error> {
    let (session, manager) = match Session::validated(source, io)? {
        Ok(opened) => opened,
        Err(exit) => return Ok(exit),
    };
    let report = manager.report();
    let live = manager.live().len();
    session.block_on(manager.shutdown());
    let excluded: Vec<(String, String)> = report
        .plugins()
        .iter()
        .filter_map(|plugin| {
            let reason = plugin.reason()?;
            Some((plugin.name().to_string(), reason.to_string()))
        })
        .collect();
    let config: Vec<String> = report
        .config_problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    let unlinked: Vec<String> = report
        .unlinked_crates()
        .iter()
        .map(ToString::to_string)
        .collect();
    let valid = excluded.is_empty() && config.is_empty() && unlinked.is_empty();
    match source.format() {
        OutputFormat::Json => print_json(
            io,
            json!({
                "valid": valid,
                "excluded": excluded.iter().map(|(plugin, reason)| json!({ "plugin": plugin, "reason": reason })).collect::<Vec<_>>(),
                "config_problems": config,
                "unlinked": unlinked,
            }),
        ),
        OutputFormat::Text => {
            for (plugin, reason) in &excluded {
                out!(io, "excluded: {plugin}: {reason}");
            }
            for problem in &config {
                out!(io, "configuration problem: {problem}");
            }
            for crate_ in &unlinked {
                out!(io, "unlinked: {crate_}");
            }
            if valid {
                out!(io, "ok: {live} plugins valid");
            }
        }
    }
    Ok(if valid { Exit::Success } else { Exit::Invalid })
}

pub(super) fn health(source: &Source<'_>, io: &mut Io<'_>) -> Result<Exit, Error> {
    let (session, manager) = match Session::validated(source, io)? {
        Ok(opened) => opened,
        Err(exit) => return Ok(exit),
    };
    // The health of a set the configuration did not describe would say nothing of it: an
    // invalid configuration is reported as `check` reports it, and nothing starts.
    let invalid = config_problems(&manager.report());
    if !invalid.is_empty() {
        session.block_on(manager.shutdown());
        err!(
            io,
            "error: the configuration is invalid; nothing was started:"
        );
        for line in &invalid {
            err!(io, "  {line}");
        }
        return Ok(Exit::Invalid);
    }
    let started = session.block_on(async { manager.init().await?.start().await });
    let manager = match or_required(started, io)? {
        Ok(manager) => manager,
        Err(exit) => return Ok(exit),
    };
    let health = session.block_on(manager.check_health());
    session.block_on(manager.shutdown());
    let overall = health.overall();
    match source.format() {
        OutputFormat::Json => print_json(
            io,
            json!({
                "overall": overall.as_str(),
                "reason": overall.reason(),
                "plugins": health.plugins().iter().map(|(plugin, health)| json!({
                    "plugin": plugin.as_str(),
                    "health": health.as_str(),
                    "reason": health.reason(),
                })).collect::<Vec<_>>(),
            }),
        ),
        OutputFormat::Text => out!(io, "{health}"),
    }
    Ok(match overall {
        Health::Healthy => Exit::Success,
        Health::Degraded(_) => Exit::Degraded,
        _ => Exit::Unhealthy,
    })
}
