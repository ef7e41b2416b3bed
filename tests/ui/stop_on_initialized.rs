use plugin_factory::PluginManager;

fn main() -> Result<(), plugin_factory::Error> {
    let initialized = PluginManager::discover()?.validate()?.init()?;
    let _stopped = initialized.stop();
    Ok(())
}
