//! The host: discovers every linked plugin, runs the whole lifecycle, and prints the report.
//!
//! ```text
//! cargo run --example host
//! cargo run --example host --features example-plugins/broken   # faulty plugins are excluded
//! RUST_LOG=debug cargo run --example host                      # every transition
//! ```

use std::process::ExitCode;

use plugin_factory::PluginManager;

plugin_factory::link_plugins!(example_plugins);

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            if let plugin_factory::Error::RequiredPluginExcluded { report, .. } = &error {
                eprintln!("\n{report}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), plugin_factory::Error> {
    let manager = PluginManager::builder().time_hooks(true).discover()?;
    let manager = manager.validate()?.init()?.start()?;
    println!("running: {}", manager.live().join(", "));
    let report = manager.stop().shutdown();
    println!("\n{report}");
    Ok(())
}
