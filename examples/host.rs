//! The host: discovers every linked plugin (or the instances a configuration names), runs the
//! whole lifecycle, checks the plugins' health, calls extension points (its own, `Status`, implemented by two plugins of
//! its own, and the example plugins' `AuditSink`), manages plugins at run time (typed access,
//! a restart, a hot remove and add), reloads a changed configuration, and prints the report.
//! With a subcommand, it is the command line of `plugin_factory::cli` instead.
//!
//! ```text
//! cargo run --example host
//! cargo run --example host -- --config examples/config/host.toml     # or .json, .yaml
//! cargo run --example host -- list            # or info NAME, check, graph, health, config schema, config plan FILE, run
//! HOST__PLUGINS__GREETER__CONFIG__GREETING=Hi cargo run --example host -- --config examples/config/host.yaml
//! cargo run --example host --features example-plugins/broken   # faulty plugins are excluded
//! RUST_LOG=debug cargo run --example host                      # every transition
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser};
use plugin_factory::cli::{Command, Options, Runner};
use plugin_factory::config::Loader;
use plugin_factory::phase::Active;
use plugin_factory::runtime::Name;
use plugin_factory::{Context, Error, Plugin, PluginError, PluginManager, plugin};

plugin_factory::link_plugins!();

/// The host's own extension point: a one-line status from each plugin that has one.
pub trait Status: Send + Sync {
    /// The status line, if the plugin has something to say.
    fn status(&self) -> Option<String>;
}

/// Reports how long the host has run. First in the combined status line.
#[plugin(name = "uptime", implements = [Status(priority = 10)])]
struct Uptime {
    since: std::time::Instant,
}

impl Default for Uptime {
    fn default() -> Self {
        Self {
            since: std::time::Instant::now(),
        }
    }
}

impl Plugin for Uptime {}

impl Status for Uptime {
    fn status(&self) -> Option<String> {
        Some(format!("up {:.1?}", self.since.elapsed()))
    }
}

/// Reports how many entries the key-value store it depends on holds, through the store's
/// `Storage` service (it may ask only what it depends on).
#[cfg(feature = "kv-store")]
#[plugin(name = "store-stats", depends_on = ["kv-store"], implements = [Status])]
#[derive(Default)]
struct StoreStats {
    storage: Option<Arc<dyn example_plugins::kv_store::Storage>>,
}

#[cfg(feature = "kv-store")]
impl Plugin for StoreStats {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.storage = Some(ctx.service("kv-store")?);
        Ok(())
    }

    fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        self.storage = None;
        Ok(())
    }
}

#[cfg(feature = "kv-store")]
impl Status for StoreStats {
    fn status(&self) -> Option<String> {
        let storage = self.storage.as_ref()?;
        Some(format!("{} entries stored", storage.len()))
    }
}

/// The prefix of the environment variables that override the configuration.
const ENV_PREFIX: &str = "HOST";

/// The host's command line: the plugin commands of `plugin_factory::cli`, and without one, the
/// demo.
#[derive(Parser)]
#[command(
    name = "host",
    about = "Runs the example plugins through their whole lifecycle, or inspects them",
    after_help = "Without a subcommand, runs the demo: the lifecycle, extension points, the runtime API \
                  and, with --config, a reload (one instance added, one reconfigured, one removed). \
                  Variables named HOST__<KEY>__<PATH> override the configuration's values.\n\n\
                  Examples:\n  host --config examples/config/host.toml\n  host list --format json\n  \
                  host graph | dot -Tpng -o plugins.png\n  host check --disable kv-store\n  \
                  host --config examples/config/host.toml config plan examples/config/host.yaml\n  \
                  host --config examples/config/host.toml run   # Ctrl-C stops; kill -HUP reloads\n  \
                  host completions bash > host.bash"
)]
struct HostCli {
    #[command(flatten)]
    options: Options,
    #[command(subcommand)]
    command: Option<Command>,
}

fn main() -> ExitCode {
    let cli = HostCli::parse();
    let runner = Runner::new().env_prefix(ENV_PREFIX).app(HostCli::command);
    if cli.command.is_some() {
        // Warnings and errors, or what -v, -q or RUST_LOG ask for.
        plugin_factory::cli::init_logging(&cli.options);
    } else {
        // The demo narrates at info level.
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    }
    // Panics inside plugins are caught and reported by the manager: log where they happened
    // (at debug level) instead of printing them like a crash. Other panics still print.
    plugin_factory::observe::log_plugin_panics();
    if let Some(command) = &cli.command {
        return runner.run(command, &cli.options).into();
    }
    match run(&runner, &cli.options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            if let Error::RequiredPluginExcluded { report, .. } = &error {
                eprintln!("\n{report}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(runner: &Runner, options: &Options) -> Result<(), Error> {
    let mut builder = PluginManager::builder().time_hooks(true);
    if let Some(config) = runner.config(options)? {
        builder = builder.config(config);
    }
    let mut manager = builder.discover()?.validate()?.init()?.start()?;
    example_plugins::say!("running: {}", manager.live().join(", "));
    call_extension_points(&manager)?;
    manage_at_run_time(&manager);
    if let Some(path) = &options.config {
        reload(&mut manager, path)?;
    }
    let report = manager.stop().shutdown();
    example_plugins::say!("\n{report}");
    Ok(())
}

/// Reloads the configuration with three changes made as a command line's `--set`, `--enable`
/// and `--disable` would: one instance added, one reconfigured, one removed.
fn reload(manager: &mut PluginManager<Active>, path: &Path) -> Result<(), Error> {
    let changed = Loader::new()
        .file(path)
        .env(ENV_PREFIX)
        .set("plugins.kv-cache.kind", "kv-store")
        .set("plugins.kv-cache.config.capacity", "10")
        .set("plugins.greeter.config.greeting", "Hi")
        .disable("greeter-fr")
        .load()?;
    example_plugins::say!("\nreload plan:\n{}", manager.plan(&changed)?);
    let applied = manager.apply(changed)?;
    example_plugins::say!("reloaded:\n{applied}");
    example_plugins::say!("running: {}", manager.live().join(", "));
    Ok(())
}

/// The host calls its own extension point and prints the combined result, then tells every
/// audit sink that it checked in.
fn call_extension_points(manager: &PluginManager<Active>) -> Result<(), Error> {
    let statuses = manager.extension::<dyn Status>().collect(|s| s.status())?;
    let line: Vec<String> = statuses
        .value()
        .iter()
        .filter_map(|(plugin, status)| Some(format!("{plugin}: {}", status.as_ref()?)))
        .collect();
    example_plugins::say!("status: {}", line.join("; "));
    let told = manager
        .extension::<dyn example_plugins::points::AuditSink>()
        .call(|sink| sink.record("host", "checked in"))?;
    example_plugins::say!("audit sinks told: {}", told.reached());
    example_plugins::say!("health:\n{}", manager.check_health()?);
    Ok(())
}

/// The runtime API on whichever of the example plugins this build has.
fn manage_at_run_time(manager: &PluginManager<Active>) {
    #[cfg(feature = "kv-store")]
    {
        use example_plugins::kv_store::KvStore;
        // The first store by name, whatever the configuration calls it.
        let stored = manager.with_plugin_by_type(|kv: &mut KvStore| {
            let _ = kv.set("host.started", "yes");
            kv.len()
        });
        example_plugins::say!("the first kv-store holds {} entries", stored.unwrap_or(0));
    }
    let present = |name: &str| {
        manager
            .info(name)
            .is_some_and(|info| info.state().is_live())
    };
    if present("greeter") {
        report("restart greeter", manager.restart_plugin("greeter"));
    }
    if present("kv-store") {
        // Takes `audit-log` and `store-stats` with it, then brings them back, dependency first.
        report("remove kv-store", manager.remove_plugin("kv-store"));
        report("add kv-store", manager.add_plugin("kv-store"));
        for dependent in ["audit-log", "store-stats"] {
            if manager.info(dependent).is_some() {
                report(&format!("add {dependent}"), manager.add_plugin(dependent));
            }
        }
    }
    if manager.info("panics-on-start").is_some() {
        // Still panics: excluded again, nothing else disturbed.
        report("add panics-on-start", manager.add_plugin("panics-on-start"));
    }
    example_plugins::say!("running: {}", manager.live().join(", "));
}

fn report(what: &str, outcome: Result<Vec<Name>, Error>) {
    match outcome {
        Ok(affected) => example_plugins::say!("{what}: ok ({})", affected.join(", ")),
        Err(error) => example_plugins::say!("{what}: {error}"),
    }
}
