use plugin_factory::PluginManager;

fn main() -> Result<(), plugin_factory::Error> {
    let running = PluginManager::discover()?.validate()?.init()?.start()?;
    let _again = running.init()?;
    Ok(())
}
