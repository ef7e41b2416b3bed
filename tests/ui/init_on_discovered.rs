use plugin_factory::PluginManager;

fn main() -> Result<(), plugin_factory::Error> {
    let manager = PluginManager::discover()?;
    let _initialized = manager.init()?;
    Ok(())
}
