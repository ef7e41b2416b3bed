use plugin_factory::PluginManager;

fn main() -> Result<(), plugin_factory::Error> {
    let discovered = PluginManager::discover()?;
    let validated = discovered.validate()?;
    // `validate` consumed `discovered`: the old phase is gone.
    println!("{:?}", discovered.report());
    let _ = validated;
    Ok(())
}
