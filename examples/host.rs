//! The host: discovers every linked plugin, runs the whole lifecycle, manages plugins at run
//! time (typed access, a restart, a hot remove and add), and prints the report.
//!
//! ```text
//! cargo run --example host
//! cargo run --example host --features example-plugins/broken   # faulty plugins are excluded
//! RUST_LOG=debug cargo run --example host                      # every transition
//! ```

use std::process::ExitCode;

use plugin_factory::phase::Active;
use plugin_factory::runtime::Name;
use plugin_factory::{Error, PluginManager};

plugin_factory::link_plugins!(example_plugins);

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    // Panics inside plugins are caught and reported by the manager: log where they happened
    // (at debug level) instead of printing them like a crash. Other panics still print.
    plugin_factory::observe::log_plugin_panics();
    match run() {
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

fn run() -> Result<(), Error> {
    let manager = PluginManager::builder().time_hooks(true).discover()?;
    let manager = manager.validate()?.init()?.start()?;
    println!("running: {}", manager.live().join(", "));
    manage_at_run_time(&manager);
    let report = manager.stop().shutdown();
    println!("\n{report}");
    Ok(())
}

/// The runtime API on whichever of the example plugins this build has.
fn manage_at_run_time(manager: &PluginManager<Active>) {
    #[cfg(feature = "kv-store")]
    {
        use example_plugins::kv_store::KvStore;
        let stored = manager.with_plugin("kv-store", |kv: &mut KvStore| {
            kv.set("host.started", "yes");
            kv.len()
        });
        println!("kv-store holds {} entries", stored.unwrap_or(0));
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
