//! The `greeter` plugin: a plugin built from a typed configuration.

use plugin_factory::{Configurable, Context, Plugin, PluginError, Reconfigure, plugin};

use crate::points::AuditSink;

/// The greeter's configuration. Every key is optional:
///
/// ```toml
/// [plugins.greeter.config]
/// greeting = "Hello"  # what it says
/// shout = false       # whether it says it in capitals
/// ```
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct GreeterConfig {
    /// What it says when it starts.
    pub greeting: String,
    /// Whether it says it in capitals.
    pub shout: bool,
}

impl Default for GreeterConfig {
    fn default() -> Self {
        Self {
            greeting: "Hello".to_owned(),
            shout: false,
        }
    }
}

/// Greets the world when it starts and says goodbye when it stops; tells every
/// [`AuditSink`] what it said.
#[plugin(config = GreeterConfig)]
#[derive(Debug)]
pub struct Greeter {
    config: GreeterConfig,
}

impl Greeter {
    /// The greeting it prints, as configured (before `shout`).
    pub fn greeting(&self) -> &str {
        &self.config.greeting
    }

    /// The greeting as it is said: in capitals if the config says to shout.
    fn said(&self) -> String {
        if self.config.shout {
            self.config.greeting.to_uppercase()
        } else {
            self.config.greeting.clone()
        }
    }
}

impl Configurable<GreeterConfig> for Greeter {
    fn from_config(config: GreeterConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self { config })
    }

    fn reconfigure(
        &mut self,
        config: GreeterConfig,
        ctx: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        log::info!(
            target: ctx.log_target(),
            "{}: greeting {:?} (was {:?})",
            ctx.name(),
            config.greeting,
            self.config.greeting
        );
        let event = format!("greeting changed to {:?}", config.greeting);
        self.config = config;
        let name = ctx.name();
        let told = ctx
            .extension::<dyn AuditSink>()
            .call(|sink| sink.record(name, &event))?;
        log::debug!(target: ctx.log_target(), "{} audit sinks told, {} failed", told.reached(), told.failures().len());
        Ok(Reconfigure::Applied)
    }
}

impl Plugin for Greeter {
    fn validate(&self, ctx: &Context<'_>) -> Result<(), PluginError> {
        if self.config.greeting.trim().is_empty() {
            return Err(format!("{}: the greeting is empty", ctx.name()).into());
        }
        Ok(())
    }

    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        let greeting = self.said();
        log::info!(target: ctx.log_target(), "{greeting}, world!");
        crate::say!("[{}] {greeting}, world!", ctx.name());
        // Historic: an audit sink that starts later (or again) hears it too.
        let (name, event) = (ctx.name(), format!("said {greeting:?}"));
        let told = ctx
            .extension::<dyn AuditSink>()
            .historic(move |sink| sink.record(name, &event))?;
        log::debug!(target: ctx.log_target(), "{} audit sinks told so far", told.reached());
        Ok(())
    }

    fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        crate::say!("[{}] Goodbye, world!", ctx.name());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The greeter's registry entry.
    fn entry() -> &'static plugin_factory::registry::PluginEntry {
        plugin_factory::registry::entries()
            .find(|entry| entry.name() == "greeter")
            .expect("the greeter is registered")
    }

    #[test]
    fn a_missing_config_is_the_default() {
        let spec = entry().config().expect("the greeter has a config type");
        assert!(spec.type_name().ends_with("GreeterConfig"));
        let default = spec
            .default_value()
            .expect("`GreeterConfig` has a `Default`");
        assert_eq!(
            default.downcast_ref::<GreeterConfig>(),
            Some(&GreeterConfig::default())
        );
        assert_eq!(GreeterConfig::default().greeting, "Hello");
        assert!(!GreeterConfig::default().shout);
    }

    #[test]
    fn the_default_config_builds_a_greeter() {
        let spec = entry().config().unwrap();
        let plugin = entry()
            .create("greeter", spec.default_value())
            .expect("the default config builds a greeter");
        let greeter = (plugin as Box<dyn std::any::Any>)
            .downcast::<Greeter>()
            .expect("the instance is a greeter");
        assert_eq!(greeter.greeting(), "Hello");
        assert_eq!(greeter.said(), "Hello");
    }

    #[test]
    fn shouting_says_it_in_capitals() {
        let greeter = Greeter {
            config: GreeterConfig {
                greeting: "Hi there".to_owned(),
                shout: true,
            },
        };
        assert_eq!(greeter.said(), "HI THERE");
    }
}
