//! [`Loader`]: reads a configuration from its sources, in layers: files (TOML, JSON or YAML),
//! then environment variables under a prefix, then programmatic overrides. A later layer wins
//! key by key, and every value keeps the place it was read.

use std::ffi::OsString;
use std::path::PathBuf;

use super::document::Config;
use super::env;
use super::error::ConfigError;
use super::file;
use crate::registry::{self, PluginEntry};
use crate::tree::{Format, Layers, Location, Node, Problem, Value};

/// Reads a [`Config`] from files, environment variables and overrides, in that order.
///
/// Every source is bounded: a file larger than [`max_file_size`](Self::max_file_size) or not a
/// regular file is refused before it is read, collections nest at most [`MAX_DEPTH`] levels in
/// every source (files, variables, key paths), and reading takes time linear in the input. See
/// "Limits" in `docs/configuration.md`.
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
#[derive(Debug)]
#[must_use = "a loader does nothing until `load` is called"]
pub struct Loader {
    files: Vec<Source>,
    env: Option<EnvLayer>,
    overrides: Vec<Override>,
    kinds: Option<Vec<&'static PluginEntry>>,
    max_file_size: u64,
}

/// The largest configuration file a [`Loader`] reads unless told otherwise: 4 MiB, a thousand
/// times a large hand-written configuration, and small enough that reading the worst file of
/// that size stays well within a few hundred megabytes (`docs/configuration.md`, "Limits").
pub const DEFAULT_MAX_FILE_SIZE: u64 = 4 << 20;

/// How deeply values may nest in any source: collections in a file, segments of a variable's
/// name or of a key path. Reading, comparing and dropping a tree recurse, so the depth is what
/// bounds their stack; `serde_json` has the same limit.
pub const MAX_DEPTH: usize = crate::tree::MAX_DEPTH;

/// The environment layer: the prefix, and the variables if given instead of the process's.
type EnvLayer = (String, Option<Vec<(OsString, OsString)>>);

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

impl Default for Loader {
    fn default() -> Self {
        Self {
            files: Vec::new(),
            env: None,
            overrides: Vec::new(),
            kinds: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
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

    /// The largest file [`file`](Self::file) and [`file_as`](Self::file_as) read, in bytes
    /// (default [`DEFAULT_MAX_FILE_SIZE`]); a larger one is refused before it is read.
    ///
    /// ```
    /// use plugin_factory::config::{ConfigError, Loader};
    ///
    /// let path = std::env::temp_dir().join("max-file-size-doc.toml");
    /// std::fs::write(&path, "[plugins.greeter]\nenabled = true\n")?;
    /// let refused = Loader::new().file(&path).max_file_size(16).load().unwrap_err();
    /// assert!(matches!(refused, ConfigError::TooLarge { limit: 16, .. }));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = bytes;
        self
    }

    /// Reads the process's environment variables named `{prefix}__...`: the rest of the name
    /// is a key path, segments separated by `__`, matched to known keys without regard to case
    /// and with `_` for `-` (so `APP__PLUGINS__KV_STORE__ENABLED` sets `plugins.kv-store.enabled`).
    /// A variable that names no known key, or whose name or value is not UTF-8, is an error;
    /// variables outside the prefix are not read at all.
    pub fn env(mut self, prefix: impl Into<String>) -> Self {
        self.env = Some((prefix.into(), None));
        self
    }

    /// [`env`](Self::env) with the variables given instead of the process's.
    pub fn env_vars<K: Into<OsString>, V: Into<OsString>>(
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
            let read = match source {
                Source::File(path, format) => file::read(path, format, self.max_file_size)?,
                Source::Text(path, format, text) => file::parse(path, format, &text)?,
            };
            root.merge(read);
        }
        let mut problems: Vec<Problem> = Vec::new();
        let mut sets: Vec<(Vec<String>, Node)> = Vec::new();
        if let Some((prefix, vars)) = self.env {
            let vars = vars.unwrap_or_else(|| std::env::vars_os().collect());
            let kinds = self
                .kinds
                .clone()
                .unwrap_or_else(|| registry::entries().collect());
            let matched = env::read(&root, &prefix, vars, &kinds);
            sets.extend(matched.sets);
            problems.extend(matched.problems);
        }
        for change in self.overrides {
            let (key, path, value) = match change {
                Override::Set(key, value) => {
                    let path = key.split('.').map(str::to_owned).collect();
                    (key, path, Value::Text(value))
                }
                // The name is one key, whatever it holds: checked as an instance name later.
                Override::Enabled(name, on) => {
                    let key = format!("plugins.{name}.enabled");
                    let path = vec!["plugins".to_owned(), name, "enabled".to_owned()];
                    (key, path, Value::Bool(on))
                }
            };
            let at = Location::Override {
                key: key.as_str().into(),
            };
            let message = if path.iter().any(String::is_empty) {
                "a key path is keys joined by `.`, none of them empty".to_owned()
            } else if path.len() > MAX_DEPTH {
                format!(
                    "a key path of {} keys: at most {MAX_DEPTH} are read, as collections nest \
                     at most {MAX_DEPTH} levels in a file",
                    path.len()
                )
            } else {
                sets.push((path, Node::new(value, at)));
                continue;
            };
            problems.push(Problem {
                path: key,
                message,
                at: Some(at),
            });
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid { problems });
        }
        let mut layers = Layers::new(root);
        for (path, value) in sets {
            layers.set(path.iter().map(String::as_str), value);
        }
        Ok(Config {
            root: layers.finish(),
        })
    }
}

impl Config {
    /// Reads one file, in the format its extension names. Same as
    /// `Loader::new().file(path).load()`.
    pub fn from_file(path: impl Into<std::path::PathBuf>) -> Result<Self, ConfigError> {
        Loader::new().file(path).load()
    }
}
