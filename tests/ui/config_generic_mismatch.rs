use plugin_factory::{Configurable, Context, Plugin, PluginError, plugin};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Settings<T> {
    level: T,
}

#[plugin(config = Settings<u8>)]
struct Tuned {
    level: u16,
}

impl Plugin for Tuned {}

impl Configurable<Settings<u16>> for Tuned {
    fn from_config(config: Settings<u16>, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            level: config.level,
        })
    }
}

fn main() {}
