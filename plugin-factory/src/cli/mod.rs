//! A command line for host binaries (feature `cli`, built on `clap`): inspect the plugins a
//! binary links and a configuration describes, check them, draw their dependency graph, print
//! the configuration in effect (with where each value came from) and its JSON Schema, and check
//! the plugins' health, as text or as JSON.
//!
//! One call runs it all:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     plugin_factory::cli::Runner::new().env_prefix("MYAPP").main()
//! }
//! ```
//!
//! or a host embeds it in its own `clap` parser, keeping its own behaviour when no subcommand is
//! given (as `examples/host.rs` does):
//!
//! ```no_run
//! use clap::Parser;
//! use plugin_factory::cli::{Command, Options, Runner};
//!
//! #[derive(Parser)]
//! struct Host {
//!     #[command(flatten)]
//!     options: Options,
//!     #[command(subcommand)]
//!     command: Option<Command>,
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     let host = Host::parse();
//!     match &host.command {
//!         Some(command) => Runner::new().run(command, &host.options).into(),
//!         None => std::process::ExitCode::SUCCESS, // the host's own default
//!     }
//! }
//! ```
//!
//! Exit codes ([`Exit`]): 0 success, 1 invalid plugins or configuration, 2 usage (from `clap`),
//! 3 degraded and 4 unhealthy (`health`). Errors go to stderr, never as a panic. The JSON shapes
//! carry `"format": 1` and are documented in `docs/cli.md`.

mod config;
mod graph;
mod inspect;
mod options;
mod render;
#[cfg(unix)]
mod run;
mod session;
#[cfg(unix)]
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};

use self::options::{OnRunning, Source};
use crate::config::{Config, Format};
use crate::error::Error;
use crate::manager::asynchronous::AsyncManager;
use crate::manager::builder::ManagerBuilder;
use crate::registry::PluginEntry;

pub use self::graph::Style;
pub use self::options::{Exit, Options, OutputFormat, init_logging};
use self::render::err;
pub use self::render::{Io, color_wanted};

/// The whole command line, for [`Runner::main`]: the common options and a subcommand.
#[derive(Debug, Parser)]
#[command(
    about = "Inspect, check and run the plugins of this binary",
    after_help = "Examples:\n  list --format json\n  check --config app.toml --disable metrics\n  \
                  graph | dot -Tpng -o plugins.png\n  config show --origin --config app.toml\n  \
                  config plan next.toml --config app.toml\n  \
                  run --config app.toml   # SIGINT or SIGTERM stops, SIGHUP reloads the file\n  \
                  run --config app.toml --watch   # reloads the file when it changes, too\n\n\
                  Exit codes: 0 ok, 1 invalid plugins or configuration, 2 usage, 3 degraded, 4 unhealthy."
)]
pub struct Cli {
    /// The common options.
    #[command(flatten)]
    pub options: Options,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
#[non_exhaustive]
pub enum Command {
    /// Every configured instance and every compiled-in kind, with its state after validation.
    List,
    /// Everything known about one instance or kind.
    Info {
        /// The instance or kind.
        name: String,
        /// Also starts everything, checks this plugin's health, and stops.
        #[arg(long)]
        health: bool,
    },
    /// Discovers, configures and validates without starting anything; exits 1 on any problem.
    Check,
    /// The dependency graph, as Graphviz DOT or Mermaid.
    Graph {
        /// The graph language.
        #[arg(long, value_enum, default_value_t = Style::Dot)]
        style: Style,
    },
    /// Starts everything, checks every plugin's health, prints it, and stops.
    Health,
    /// The configuration: in effect (with where each value came from), its JSON Schema, or
    /// what moving to another file would change.
    Config {
        /// What to do with it.
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Starts everything (on the async manager) and runs until SIGINT or SIGTERM, then shuts
    /// down within the grace and mercy periods and prints the report; SIGHUP (and, with
    /// `--watch`, a change to the file) reloads the configuration file.
    #[cfg(unix)]
    Run {
        /// Seconds the shutdown may take in order, dependents first.
        #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = options::seconds)]
        grace: Duration,
        /// Seconds more, with the order no longer waited for, before what still runs is
        /// abandoned.
        #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = options::seconds)]
        mercy: Duration,
        /// Reloads the `--config` file when it changes, as SIGHUP does. Its directory is
        /// watched, so a file replaced by a rename (editors, `mv`) stays watched.
        // Not `requires = "config"`: `clap` checks that before a global option given ahead of
        // the subcommand reaches it, and would refuse `--config FILE run --watch`.
        #[arg(long)]
        watch: bool,
    },
    /// Prints the completion script of this command line for a shell.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The subcommands of `config`.
#[derive(Debug, Clone, Subcommand)]
#[non_exhaustive]
pub enum ConfigCommand {
    /// The configuration in effect: every layer applied (file, environment, `--set`,
    /// `--enable`, `--disable`), every default written out, one instance per unlisted kind.
    Show {
        /// Shows beside each value where it came from: `FILE:LINE:COLUMN`, an environment
        /// variable, an override, `default` or `unlisted kind`.
        #[arg(long)]
        origin: bool,
        /// The format to write: the `--config` file's by default, TOML without one.
        #[arg(long = "as", value_name = "FORMAT", value_parser = config::file_format())]
        written_as: Option<Format>,
    },
    /// The configuration's JSON Schema for this binary's kinds.
    Schema,
    /// What applying FILE to the current configuration would change; nothing is started or
    /// changed.
    Plan {
        /// The next configuration.
        file: PathBuf,
    },
}

/// Runs commands for a host: how its configuration is read, and what its command line is (for
/// completions).
#[derive(Debug, Clone)]
pub struct Runner {
    env_prefix: Option<String>,
    app: fn() -> clap::Command,
    kinds: Option<Vec<&'static PluginEntry>>,
    on_running: Option<OnRunning>,
}

impl Default for Runner {
    fn default() -> Self {
        Self {
            env_prefix: None,
            app: Cli::command,
            kinds: None,
            on_running: None,
        }
    }
}

impl Runner {
    /// A runner that reads no environment variables, for [`Cli`]'s command line.
    pub fn new() -> Self {
        Self::default()
    }

    /// The host's own command line, when it embeds [`Command`] in a parser of its own: what
    /// `completions` describes (`MyHost::command`, from `clap::CommandFactory`). Without it,
    /// completions describe [`Cli`]. Either way they register the program under the name it was
    /// run by (the file name of `argv[0]`), or the command's `bin_name` if it sets one.
    pub fn app(mut self, app: fn() -> clap::Command) -> Self {
        self.app = app;
        self
    }

    /// Reads `PREFIX__PLUGINS__NAME__...` variables over the configuration, as
    /// [`Loader::env`](crate::config::Loader::env) does.
    pub fn env_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.env_prefix = Some(prefix.into());
        self
    }

    /// The kinds the commands work on, instead of every kind linked into the binary
    /// ([`registry::entries`](crate::registry::entries)): what `list` and `check` show, what
    /// a configuration may name, what `config schema` describes. For a binary that links more
    /// plugin crates than one command line should manage, and for tests.
    ///
    /// ```standalone_crate
    /// use plugin_factory::cli::{Command, Io, Options, Runner};
    /// use plugin_factory::registry;
    /// plugin_factory::link_plugins!(example_plugins);
    ///
    /// # fn main() {
    /// let clock = registry::entries().filter(|entry| entry.name() == "clock");
    /// let (mut out, mut err) = (Vec::new(), Vec::new());
    /// let exit = Runner::new()
    ///     .entries(clock)
    ///     .run_to(&Command::Check, &Options::default(), &mut Io::new(&mut out, &mut err));
    /// assert_eq!(exit.code(), 0, "{}", String::from_utf8_lossy(&err));
    /// assert_eq!(String::from_utf8(out).unwrap(), "ok: 1 plugins valid\n");
    /// # }
    /// ```
    pub fn entries(mut self, entries: impl IntoIterator<Item = &'static PluginEntry>) -> Self {
        self.kinds = Some(entries.into_iter().collect());
        self
    }

    /// Calls `hook` with the running manager once `run` has started everything, before it waits
    /// for signals: where a host that runs on the command line takes what it keeps of its
    /// plugins, such as [`ExtensionHandle`](crate::extension::ExtensionHandle)s and services, for
    /// its own threads and tasks. A handle sees the implementations a reload adds later; after
    /// the shutdown its calls fail.
    ///
    /// ```no_run
    /// use plugin_factory::cli::Runner;
    /// # pub trait Audit: Send + Sync { fn record(&self, what: &str); }
    ///
    /// fn main() -> std::process::ExitCode {
    ///     Runner::new()
    ///         .on_running(|manager| {
    ///             let audit = manager.extension_handle::<dyn Audit>();
    ///             std::thread::spawn(move || {
    ///                 let _ = audit.extension().call(|sink| sink.record("host up"));
    ///             });
    ///         })
    ///         .main()
    /// }
    /// ```
    pub fn on_running(mut self, hook: impl Fn(&AsyncManager) + Send + Sync + 'static) -> Self {
        self.on_running = Some(OnRunning(Arc::new(hook)));
        self
    }

    /// Parses the process's arguments as [`Cli`], installs `env_logger` at the level `-v` and
    /// `-q` ask for (unless `RUST_LOG` says), and runs the command (a usage error exits 2, with
    /// `clap`'s message).
    pub fn main(&self) -> ExitCode {
        let cli = Cli::parse();
        init_logging(&cli.options);
        self.run(&cli.command, &cli.options).into()
    }

    /// Runs `command`, printing its result on stdout and any error on stderr.
    ///
    /// Every command judges the plugins on the async manager that `run` uses, on a tokio
    /// runtime of its own, so that async plugins count as they do under `run`. Call it outside
    /// any async runtime: from inside one, it says so and returns [`Exit::Invalid`].
    pub fn run(&self, command: &Command, options: &Options) -> Exit {
        // Not locked for the whole command: under `run`, plugins print from other threads.
        let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
        let color = options.format == OutputFormat::Text && color_wanted();
        self.run_to(
            command,
            options,
            &mut Io::new(&mut out, &mut err).with_color(color),
        )
    }

    /// [`run`](Self::run), printing to `io` instead (for tests, and hosts that capture it).
    ///
    /// ```standalone_crate
    /// use plugin_factory::cli::{Command, Io, Options, Runner};
    /// plugin_factory::link_plugins!(example_plugins);
    ///
    /// # fn main() {
    /// let (mut out, mut err) = (Vec::new(), Vec::new());
    /// let mut io = Io::new(&mut out, &mut err);
    /// let exit = Runner::new().run_to(&Command::Check, &Options::default(), &mut io);
    /// assert_eq!(exit.code(), 0, "{}", String::from_utf8_lossy(&err));
    /// assert_eq!(String::from_utf8(out).unwrap(), "ok: 4 plugins valid\n");
    /// # }
    /// ```
    pub fn run_to(&self, command: &Command, options: &Options, io: &mut Io<'_>) -> Exit {
        let outcome = match command {
            Command::List => inspect::list(&self.source(options), io),
            Command::Info { name, health } => {
                inspect::info(&self.source(options), name, *health, io)
            }
            Command::Check => inspect::check(&self.source(options), io),
            Command::Graph { style } => graph::graph(&self.source(options), *style, io),
            Command::Health => inspect::health(&self.source(options), io),
            Command::Config {
                command: ConfigCommand::Show { origin, written_as },
            } => config::show(&self.source(options), *origin, *written_as, io),
            Command::Config {
                command: ConfigCommand::Schema,
            } => config::schema(&self.source(options), io),
            Command::Config {
                command: ConfigCommand::Plan { file },
            } => config::plan(&self.source(options), file, io),
            #[cfg(unix)]
            Command::Run {
                grace,
                mercy,
                watch,
            } => match (watch, &options.config) {
                (true, None) => {
                    Ok(self.usage(io, "--watch needs --config <PATH>: the file it watches"))
                }
                (_, file) => {
                    let deadlines = run::Deadlines {
                        grace: *grace,
                        mercy: *mercy,
                    };
                    let watched = file.as_deref().filter(|_| *watch);
                    run::run(&self.source(options), io, deadlines, watched)
                }
            },
            Command::Completions { shell } => {
                let mut app = (self.app)();
                let name = program_name(&app, std::env::args_os().next());
                // `clap_complete` panics when a write fails: it writes to memory, and a closed
                // pipe then ends the output quietly, as for every command.
                let mut script = Vec::new();
                clap_complete::generate(*shell, &mut app, name, &mut script);
                let _ = io.out.write_all(&script);
                Ok(Exit::Success)
            }
        };
        match outcome {
            Ok(exit) => exit,
            Err(error) => {
                err!(io, "error: {error}");
                Exit::Invalid
            }
        }
    }

    /// The configuration `options` describe: none without a file, an override, `--enable` or
    /// `--disable` (every kind then runs as one instance, as without a configuration).
    pub fn config(&self, options: &Options) -> Result<Option<Config>, Error> {
        self.source(options).config()
    }

    /// A builder with the configuration `options` describe.
    pub fn builder(&self, options: &Options) -> Result<ManagerBuilder, Error> {
        self.source(options).builder()
    }

    /// A usage error `clap` cannot find by itself, printed as `clap` prints its own (with the
    /// host's command line), as [`Exit::Usage`].
    #[cfg(unix)]
    fn usage(&self, io: &mut Io<'_>, message: &str) -> Exit {
        let error = (self.app)().error(clap::error::ErrorKind::MissingRequiredArgument, message);
        let _ = write!(io.err, "{}", error.render());
        Exit::Usage
    }

    fn source<'a>(&'a self, options: &'a Options) -> Source<'a> {
        Source {
            options,
            env_prefix: self.env_prefix.as_deref(),
            chosen: self.kinds.as_deref(),
            on_running: self.on_running.as_ref(),
        }
    }
}

/// The name a shell runs this program by, which completions register: the command's explicit
/// `bin_name`, else the file name of `argv[0]` (as `clap` names the program in its usage
/// lines), else the command's name.
fn program_name(app: &clap::Command, argv0: Option<std::ffi::OsString>) -> String {
    if let Some(name) = app.get_bin_name() {
        return name.to_owned();
    }
    argv0
        .as_deref()
        .map(std::path::Path::new)
        .and_then(std::path::Path::file_name)
        .and_then(|name| name.to_str())
        .filter(|name| !name.is_empty())
        .map_or_else(|| app.get_name().to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn completions_name_the_program_the_shell_runs() {
        let app = Cli::command();
        let name = |argv0: Option<&str>| program_name(&app, argv0.map(Into::into));
        assert_eq!(name(Some("/usr/local/bin/my-host")), "my-host");
        assert_eq!(name(Some("my-host")), "my-host");
        assert_eq!(name(None), app.get_name());
        assert_eq!(name(Some("")), app.get_name());
        let named = Cli::command().bin_name("chosen");
        assert_eq!(program_name(&named, Some("/bin/other".into())), "chosen");
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
