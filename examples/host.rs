//! The host: discovers every linked plugin (or the instances a configuration names), runs the
//! whole lifecycle, manages plugins at run time (typed access, a restart, a hot remove and
//! add), reloads a changed configuration, and prints the report.
//!
//! ```text
//! cargo run --example host
//! cargo run --example host -- --config examples/config/host.toml     # or .json, .yaml
//! HOST__PLUGINS__GREETER__CONFIG__GREETING=Hi cargo run --example host -- --config examples/config/host.yaml
//! cargo run --example host --features example-plugins/broken   # faulty plugins are excluded
//! RUST_LOG=debug cargo run --example host                      # every transition
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use plugin_factory::config::{Config, Loader};
use plugin_factory::phase::Active;
use plugin_factory::runtime::Name;
use plugin_factory::{Error, PluginManager};

plugin_factory::link_plugins!(example_plugins);

/// The prefix of the environment variables that override the configuration.
const ENV_PREFIX: &str = "HOST";

const USAGE: &str = "usage: host [--config PATH]

  --config PATH   run the instances a TOML, JSON or YAML file describes, then reload it with
                  changes (one instance added, one reconfigured, one removed); variables
                  named HOST__<KEY>__<PATH> override its values";

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    // Panics inside plugins are caught and reported by the manager: log where they happened
    // (at debug level) instead of printing them like a crash. Other panics still print.
    plugin_factory::observe::log_plugin_panics();
    let config = match config_path(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(config) {
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

/// The `--config` path among the arguments, if any.
fn config_path(mut args: impl Iterator<Item = String>) -> Result<Option<PathBuf>, String> {
    let mut path = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => match args.next() {
                Some(value) => path = Some(PathBuf::from(value)),
                None => return Err("--config needs a path".to_owned()),
            },
            "-h" | "--help" => return Err("Runs the example plugins.".to_owned()),
            other => match other.strip_prefix("--config=") {
                Some(value) => path = Some(PathBuf::from(value)),
                None => return Err(format!("unknown argument {other:?}")),
            },
        }
    }
    Ok(path)
}

fn run(config_path: Option<PathBuf>) -> Result<(), Error> {
    let mut builder = PluginManager::builder().time_hooks(true);
    if let Some(path) = &config_path {
        builder = builder.config(load(path)?);
    }
    let mut manager = builder.discover()?.validate()?.init()?.start()?;
    println!("running: {}", manager.live().join(", "));
    manage_at_run_time(&manager);
    if let Some(path) = &config_path {
        reload(&mut manager, path)?;
    }
    let report = manager.stop().shutdown();
    println!("\n{report}");
    Ok(())
}

/// The configuration file, with the environment's overrides.
fn load(path: &PathBuf) -> Result<Config, Error> {
    Ok(Loader::new().file(path).env(ENV_PREFIX).load()?)
}

/// Reloads the configuration with three changes made as a command line's `--set`, `--enable`
/// and `--disable` would: one instance added, one reconfigured, one removed.
fn reload(manager: &mut PluginManager<Active>, path: &PathBuf) -> Result<(), Error> {
    let changed = Loader::new()
        .file(path)
        .env(ENV_PREFIX)
        .set("plugins.kv-cache.kind", "kv-store")
        .set("plugins.kv-cache.config.capacity", "10")
        .set("plugins.greeter.config.greeting", "Hi")
        .disable("greeter-fr")
        .load()?;
    println!("\nreload plan:\n{}", manager.plan(&changed)?);
    let applied = manager.apply(changed)?;
    println!("reloaded:\n{applied}");
    println!("running: {}", manager.live().join(", "));
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
        println!("the first kv-store holds {} entries", stored.unwrap_or(0));
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
        // Takes `audit-log` with it, then brings both back, dependency first.
        report("remove kv-store", manager.remove_plugin("kv-store"));
        report("add kv-store", manager.add_plugin("kv-store"));
        if manager.info("audit-log").is_some() {
            report("add audit-log", manager.add_plugin("audit-log"));
        }
    }
    if manager.info("panics-on-start").is_some() {
        // Still panics: excluded again, nothing else disturbed.
        report("add panics-on-start", manager.add_plugin("panics-on-start"));
    }
    println!("running: {}", manager.live().join(", "));
}

fn report(what: &str, outcome: Result<Vec<Name>, Error>) {
    match outcome {
        Ok(affected) => println!("{what}: ok ({})", affected.join(", ")),
        Err(error) => println!("{what}: {error}"),
    }
}
