//! The options every subcommand takes, where they lead (the configuration and the manager's
//! builder, as a [`Source`]), and how a command ends ([`Exit`]).

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::ValueEnum;

use crate::config::{Config, DEFAULT_MAX_FILE_SIZE, Loader};
use crate::error::Error;
use crate::manager::PluginManager;
use crate::manager::asynchronous::AsyncManager;
use crate::manager::builder::ManagerBuilder;
use crate::registry::{self, PluginEntry};

/// The options every subcommand takes: where the configuration comes from, and how to print.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// A configuration file: TOML, JSON or YAML, by its extension.
    #[arg(long, value_name = "PATH", global = true)]
    pub config: Option<PathBuf>,
    /// Overrides one configuration value, e.g. `plugins.greeter.config.greeting=Hi`.
    #[arg(long = "set", value_name = "KEY=VALUE", global = true, value_parser = key_value)]
    pub set: Vec<(String, String)>,
    /// Runs the plugin (or instance) NAME, though the configuration disables it.
    #[arg(long, value_name = "NAME", global = true)]
    pub enable: Vec<String>,
    /// Leaves the plugin (or instance) NAME out.
    #[arg(long, value_name = "NAME", global = true)]
    pub disable: Vec<String>,
    /// The largest configuration file read, in bytes (`4MiB`, `512KiB` and `1GiB` work too); a
    /// larger one is refused before it is read.
    #[arg(long, value_name = "BYTES", global = true, default_value = "4MiB", value_parser = bytes)]
    pub max_config_size: u64,
    /// How to print: `text` for people, `json` for scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, global = true)]
    pub format: OutputFormat,
    /// Logs more: `-v` info, `-vv` debug, `-vvv` trace (`RUST_LOG`, if set, decides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Logs less: `-q` errors only, `-qq` nothing.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub quiet: u8,
}

impl Default for Options {
    /// What an empty command line gives: no configuration, text, warnings, the default file
    /// size limit.
    fn default() -> Self {
        Self {
            config: None,
            set: Vec::new(),
            enable: Vec::new(),
            disable: Vec::new(),
            max_config_size: DEFAULT_MAX_FILE_SIZE,
            format: OutputFormat::default(),
            verbose: 0,
            quiet: 0,
        }
    }
}

impl Options {
    /// The log level `-v` and `-q` ask for, from warnings by default.
    ///
    /// ```
    /// use plugin_factory::cli::Options;
    ///
    /// let verbose = Options { verbose: 2, ..Options::default() };
    /// assert_eq!(verbose.log_level(), log::LevelFilter::Debug);
    /// assert_eq!(Options::default().log_level(), log::LevelFilter::Warn);
    /// ```
    pub fn log_level(&self) -> log::LevelFilter {
        use log::LevelFilter::{Debug, Error, Info, Off, Trace, Warn};
        match (self.verbose, self.quiet) {
            (0, 0) => Warn,
            (0, 1) => Error,
            (0, _) => Off,
            (1, _) => Info,
            (2, _) => Debug,
            _ => Trace,
        }
    }
}

/// How a subcommand prints its result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned text.
    #[default]
    Text,
    /// One JSON document, with `"format": 1`.
    Json,
}

/// How a command ended, as the process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exit {
    /// 0: done, and everything is valid (or healthy).
    Success,
    /// 1: a plugin or the configuration is invalid, or the command could not run.
    Invalid,
    /// 2: the command line is wrong. `clap` exits with it itself; the runner returns it for what
    /// `clap` cannot check (`run --watch` without `--config`).
    Usage,
    /// 3: a plugin is degraded (`health`).
    Degraded,
    /// 4: a plugin is unhealthy (`health`).
    Unhealthy,
}

impl Exit {
    /// The exit status.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Invalid => 1,
            Self::Usage => 2,
            Self::Degraded => 3,
            Self::Unhealthy => 4,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// The options of one command with the runner's settings: where its configuration comes from.
pub(super) struct Source<'a> {
    pub(super) options: &'a Options,
    pub(super) env_prefix: Option<&'a str>,
    /// The kinds chosen with [`Runner::entries`](super::Runner::entries), if any.
    pub(super) chosen: Option<&'a [&'static PluginEntry]>,
    /// What `run` calls once everything runs ([`Runner::on_running`](super::Runner::on_running)).
    pub(super) on_running: Option<&'a OnRunning>,
}

/// What [`Runner::on_running`](super::Runner::on_running) calls.
#[derive(Clone)]
pub(super) struct OnRunning(pub(super) Arc<dyn Fn(&AsyncManager) + Send + Sync>);

impl fmt::Debug for OnRunning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnRunning(..)")
    }
}

impl Source<'_> {
    /// The kinds the command works on: the chosen ones, or every linked kind.
    pub(super) fn kinds(&self) -> Vec<&'static PluginEntry> {
        match self.chosen {
            Some(chosen) => chosen.to_vec(),
            None => registry::entries().collect(),
        }
    }

    /// How to print.
    pub(super) fn format(&self) -> OutputFormat {
        self.options.format
    }

    pub(super) fn config(&self) -> Result<Option<Config>, Error> {
        match self.loader() {
            Some(loader) => Ok(Some(loader.load()?)),
            None => Ok(None),
        }
    }

    /// The loader of the configuration the options describe; `None` when they describe none.
    pub(super) fn loader(&self) -> Option<Loader> {
        let options = self.options;
        let described = options.config.is_some()
            || !options.set.is_empty()
            || !options.enable.is_empty()
            || !options.disable.is_empty();
        if !described {
            return None;
        }
        let mut loader = Loader::new().max_file_size(options.max_config_size);
        if let Some(path) = &options.config {
            loader = loader.file(path);
        }
        if let Some(prefix) = self.env_prefix {
            loader = loader.env(prefix);
        }
        for (key, value) in &options.set {
            loader = loader.set(key, value);
        }
        for name in &options.enable {
            loader = loader.enable(name);
        }
        for name in &options.disable {
            loader = loader.disable(name);
        }
        Some(loader)
    }

    pub(super) fn builder(&self) -> Result<ManagerBuilder, Error> {
        Ok(self.builder_with(self.config()?))
    }

    /// The builder for `config`, read from these options already.
    pub(super) fn builder_with(&self, config: Option<Config>) -> ManagerBuilder {
        let mut builder = PluginManager::builder();
        if let Some(chosen) = self.chosen {
            builder = builder.entries(chosen.iter().copied());
        }
        match config {
            Some(config) => builder.config(config),
            None => builder,
        }
    }
}

/// Installs `env_logger` at the level `options` ask for (`-v`, `-q`), unless `RUST_LOG` says
/// otherwise; does nothing if a logger is installed already.
pub fn init_logging(options: &Options) {
    let level = options.log_level().as_str().to_ascii_lowercase();
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level))
        .try_init();
}

/// A number of seconds (`5`, `0.5`) for `run --grace` and `--mercy`.
pub(super) fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("expected a number of seconds, e.g. 5 or 0.5, found {text:?}"))
}

/// A size in bytes for `--max-config-size`: a whole number, with `KiB`, `MiB` or `GiB` after it
/// if it counts those.
fn bytes(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let shift = match unit.trim() {
        "" | "B" => 0,
        "KiB" => 10,
        "MiB" => 20,
        "GiB" => 30,
        _ => u32::MAX,
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|_| shift != u32::MAX)
        .and_then(|number| number.checked_mul(1 << shift.min(63)))
        .ok_or_else(|| {
            format!("expected a size in bytes, e.g. 1000000, 512KiB or 4MiB, found {text:?}")
        })
}

/// `KEY=VALUE` for `--set`.
fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!(
            "expected KEY=VALUE, e.g. plugins.greeter.enabled=false, found {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_takes_key_value_pairs() {
        assert_eq!(
            key_value("a.b=c=d"),
            Ok(("a.b".to_owned(), "c=d".to_owned()))
        );
        assert!(
            key_value("no-equals")
                .unwrap_err()
                .contains("expected KEY=VALUE")
        );
        assert!(key_value("=value").is_err());
    }

    #[test]
    fn sizes_are_bytes_or_binary_units() {
        assert_eq!(bytes("1000"), Ok(1000));
        assert_eq!(bytes("512KiB"), Ok(512 << 10));
        assert_eq!(bytes("4MiB"), Ok(4 << 20));
        assert_eq!(bytes("1GiB"), Ok(1 << 30));
        for wrong in ["", "4MB", "-1", "1.5MiB", "MiB", "99999999999999999999GiB"] {
            assert!(
                bytes(wrong).unwrap_err().contains("expected a size"),
                "{wrong}"
            );
        }
        assert_eq!(Options::default().max_config_size, DEFAULT_MAX_FILE_SIZE);
    }

    #[test]
    fn exit_codes_are_documented_numbers() {
        let codes: Vec<u8> = [
            Exit::Success,
            Exit::Invalid,
            Exit::Usage,
            Exit::Degraded,
            Exit::Unhealthy,
        ]
        .map(Exit::code)
        .into();
        assert_eq!(codes, [0, 1, 2, 3, 4]);
    }
}
