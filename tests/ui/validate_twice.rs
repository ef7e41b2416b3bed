use plugin_factory::PluginManager;

fn main() -> Result<(), plugin_factory::Error> {
    let validated = PluginManager::discover()?.validate()?;
    let _again = validated.validate()?;
    Ok(())
}
