//! [`Loader`]: reads a configuration from its sources, in layers: files (TOML, JSON or YAML),
//! then environment variables under a prefix, then programmatic overrides. A later layer wins
//! key by key, and every value keeps the place it was read.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::document::Config;
use super::env;
use super::error::ConfigError;
use crate::registry::{self, PluginEntry};
use crate::tree::{self, Format, Layers, Location, Node, ParseError, Problem, Value};

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
            root.merge(read(source, self.max_file_size)?);
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

/// Reads and parses one file, refusing one that holds no configuration.
fn read(source: Source, limit: u64) -> Result<Node, ConfigError> {
    let (path, format, text) = match source {
        Source::File(path, format) => {
            let format = match format.or_else(|| Format::from_path(&path)) {
                Some(format) => format,
                None => return Err(ConfigError::UnknownFormat { path }),
            };
            let text = read_bounded(&path, limit)?;
            (path, format, text)
        }
        Source::Text(path, format, text) => (path, format, text),
    };
    let shared: Arc<Path> = path.as_path().into();
    let node = match tree::parse(&text, format, shared) {
        Ok(node) => node,
        // JSON cannot be empty: its parser's words for it ("EOF while parsing a value") say
        // less than ours.
        Err(_) if format == Format::Json && text.trim_matches(JSON_SPACE).is_empty() => {
            return Err(ConfigError::Empty { path });
        }
        Err(error) => return Err(error.into()),
    };
    match &node.value {
        // A document of only comments: YAML reads it as null, TOML as an empty table.
        Value::Null if writes_nothing(&text) => Err(ConfigError::Empty { path }),
        Value::Map(entries) if entries.is_empty() && format == Format::Toml => {
            Err(ConfigError::Empty { path })
        }
        // An explicit `null` or `~`: refused as an empty file is, so that a file truncated to
        // nothing is never read as "every kind, with defaults".
        Value::Null => Err(ParseError {
            message: "the document is only null: expected a map with a `plugins` key".to_owned(),
            at: node.at.clone(),
        }
        .into()),
        _ => Ok(node),
    }
}

/// JSON's white space, and the byte order mark its reader skips.
const JSON_SPACE: &[char] = &[' ', '\t', '\n', '\r', '\u{feff}'];

/// Whether YAML `text` that reads as null writes nothing: only blank lines, comments and
/// document markers (`---`, `...`), where `~` or `null` write a null.
fn writes_nothing(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim_start_matches('\u{feff}');
        let line = line
            .strip_prefix("---")
            .or_else(|| line.strip_prefix("..."))
            .filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
            .unwrap_or(line);
        let line = line.trim_matches([' ', '\t', '\r']);
        line.is_empty() || line.starts_with('#')
    })
}

/// The text of the file at `path`, if it is a regular file of at most `limit` bytes of UTF-8.
/// Opened without blocking, so that a FIFO is refused instead of waiting for a writer.
fn read_bounded(path: &Path, limit: u64) -> Result<String, ConfigError> {
    let failed = |source| ConfigError::Read {
        path: path.to_owned(),
        source,
    };
    let file = open(path).map_err(failed)?;
    let metadata = file.metadata().map_err(failed)?;
    if !metadata.is_file() {
        return Err(ConfigError::NotAFile {
            path: path.to_owned(),
            found: file_kind(&metadata.file_type()),
        });
    }
    let too_large = || ConfigError::TooLarge {
        path: path.to_owned(),
        limit,
    };
    if metadata.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // One byte past the limit tells a file that grew while it was read.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        ParseError {
            message: format!(
                "invalid UTF-8 (byte 0x{:02X}): a configuration file is UTF-8 text",
                bytes[valid]
            ),
            at: Location::File {
                path: path.into(),
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
            },
        }
        .into()
    })
}

#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// What a file that is not a regular file is, for the message.
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}
