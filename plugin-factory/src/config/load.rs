//! [`Loader`]: reads a configuration from its sources, in layers: files (TOML, JSON or YAML),
//! then environment variables under a prefix, then programmatic overrides. A later layer wins
//! key by key, and every value keeps the place it was read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::document::Config;
use super::env;
use super::error::ConfigError;
use crate::registry::{self, PluginEntry};
use crate::tree::Problem;
use crate::tree::{self, Format, Location, Node, Value};

/// Reads a [`Config`] from files, environment variables and overrides, in that order.
///
/// ```
/// use plugin_factory::config::{Format, Loader};
/// # plugin_factory::link_plugins!(example_plugins);
///
/// let config = Loader::new()
///     .text("inline.toml", Format::Toml, "[plugins.greeter.config]\ngreeting = \"Hi\"\n")
///     .env_vars("APP", [("APP__PLUGINS__GREETER__CONFIG__SHOUT", "true")])
///     .set("plugins.clock.enabled", "false")
///     .load()?;
/// let greeting = config.tree().pointer(["plugins", "greeter", "config", "greeting"]).unwrap();
/// assert_eq!(greeting.at.to_string(), "inline.toml:2:12");
/// # Ok::<(), plugin_factory::config::ConfigError>(())
/// ```
#[derive(Debug, Default)]
#[must_use = "a loader does nothing until `load` is called"]
pub struct Loader {
    files: Vec<Source>,
    env: Option<EnvLayer>,
    overrides: Vec<Override>,
    kinds: Option<Vec<&'static PluginEntry>>,
}

/// The environment layer: the prefix, and the variables if given instead of the process's.
type EnvLayer = (String, Option<Vec<(String, String)>>);

#[derive(Debug)]
enum Source {
    File(PathBuf, Option<Format>),
    Text(PathBuf, Format, String),
}

#[derive(Debug)]
enum Override {
    Set(String, String),
    Enabled(String, bool),
}

impl Loader {
    /// A loader with no sources: it loads the empty configuration, under which every kind runs
    /// as one instance named after it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a file, in the format its extension names (`.toml`, `.json`, `.yaml`, `.yml`).
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.push(Source::File(path.into(), None));
        self
    }

    /// Reads a file in the format given, whatever its name.
    pub fn file_as(mut self, path: impl Into<PathBuf>, format: Format) -> Self {
        self.files.push(Source::File(path.into(), Some(format)));
        self
    }

    /// Reads `text` as if it were the file `name` (for configurations built in, or tests).
    pub fn text(
        mut self,
        name: impl Into<PathBuf>,
        format: Format,
        text: impl Into<String>,
    ) -> Self {
        self.files
            .push(Source::Text(name.into(), format, text.into()));
        self
    }

    /// Reads the process's environment variables named `{prefix}__...`: the rest of the name
    /// is a key path, segments separated by `__`, matched to known keys without regard to case
    /// and with `_` for `-` (so `APP__PLUGINS__KV_STORE__ENABLED` sets `plugins.kv-store.enabled`).
    /// A variable that names no known key is an error.
    pub fn env(mut self, prefix: impl Into<String>) -> Self {
        self.env = Some((prefix.into(), None));
        self
    }

    /// [`env`](Self::env) with the variables given instead of the process's.
    pub fn env_vars<K: Into<String>, V: Into<String>>(
        mut self,
        prefix: impl Into<String>,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let vars = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.env = Some((prefix.into(), Some(vars)));
        self
    }

    /// Sets the value at a dotted key path, as a command line's `--set key=value` does: the
    /// value is text, read as whatever the key's type asks for (`8080` as a number, `true` as a
    /// flag).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides.push(Override::Set(key.into(), value.into()));
        self
    }

    /// Enables the instance `name` (`plugins.{name}.enabled = true`).
    pub fn enable(mut self, name: impl Into<String>) -> Self {
        self.overrides.push(Override::Enabled(name.into(), true));
        self
    }

    /// Disables the instance `name` (`plugins.{name}.enabled = false`).
    pub fn disable(mut self, name: impl Into<String>) -> Self {
        self.overrides.push(Override::Enabled(name.into(), false));
        self
    }

    /// The kinds that environment variables are matched against, instead of every kind linked
    /// into the binary (for tests that build their own entries).
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = &'static PluginEntry>) -> Self {
        self.kinds = Some(kinds.into_iter().collect());
        self
    }

    /// Reads every source and layers them. Fails at the first file that cannot be read or
    /// parsed; otherwise lists every environment variable and override that names no known key.
    pub fn load(self) -> Result<Config, ConfigError> {
        let mut root = Node::new(Value::Map(Vec::new()), Location::Code);
        for source in self.files {
            root.merge(read(source)?);
        }
        let mut problems: Vec<Problem> = Vec::new();
        if let Some((prefix, vars)) = self.env {
            let vars = vars.unwrap_or_else(|| std::env::vars().collect());
            let kinds = self
                .kinds
                .clone()
                .unwrap_or_else(|| registry::entries().collect());
            problems.extend(env::apply(&mut root, &prefix, vars, &kinds));
        }
        for change in self.overrides {
            let (key, value) = match change {
                Override::Set(key, value) => (key, Value::Text(value)),
                Override::Enabled(name, on) => (format!("plugins.{name}.enabled"), Value::Bool(on)),
            };
            let path: Vec<&str> = key.split('.').collect();
            if path.iter().any(|segment| segment.is_empty()) {
                problems.push(Problem {
                    path: key.clone(),
                    message: "a key path is keys joined by `.`, none of them empty".to_owned(),
                    at: Some(Location::Override {
                        key: key.as_str().into(),
                    }),
                });
                continue;
            }
            let at = Location::Override {
                key: key.as_str().into(),
            };
            root.set(path, Node::new(value, at));
        }
        if problems.is_empty() {
            Ok(Config { root })
        } else {
            Err(ConfigError::Invalid { problems })
        }
    }
}

impl Config {
    /// A loader to read a configuration from its sources.
    pub fn loader() -> Loader {
        Loader::new()
    }

    /// Reads one file, in the format its extension names. Same as
    /// `Config::loader().file(path).load()`.
    pub fn from_file(path: impl Into<std::path::PathBuf>) -> Result<Self, ConfigError> {
        Loader::new().file(path).load()
    }
}

/// Reads and parses one file.
fn read(source: Source) -> Result<Node, ConfigError> {
    let (path, format, text) = match source {
        Source::File(path, format) => {
            let format = match format.or_else(|| Format::from_path(&path)) {
                Some(format) => format,
                None => return Err(ConfigError::UnknownFormat { path }),
            };
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            (path, format, text)
        }
        Source::Text(path, format, text) => (path, format, text),
    };
    if is_blank(&text, format) {
        return Err(ConfigError::Empty { path });
    }
    let path: Arc<Path> = path.into();
    Ok(tree::parse(&text, format, path)?)
}

/// Whether `text` holds nothing but white space and comments.
fn is_blank(text: &str, format: Format) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty()
            || (matches!(format, Format::Toml | Format::Yaml) && line.starts_with('#'))
            || (format == Format::Yaml && line == "---")
    })
}
