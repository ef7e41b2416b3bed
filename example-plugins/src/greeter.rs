//! The `greeter` plugin.

use plugin_factory::{Context, Plugin, PluginError, plugin};

/// Greets the world when it starts and says goodbye when it stops.
#[plugin]
#[derive(Debug)]
pub struct Greeter {
    greeting: String,
}

impl Default for Greeter {
    fn default() -> Self {
        Self {
            greeting: "Hello".to_owned(),
        }
    }
}

impl Greeter {
    /// The greeting it prints.
    pub fn greeting(&self) -> &str {
        &self.greeting
    }
}

impl Plugin for Greeter {
    fn validate(&self, ctx: &Context<'_>) -> Result<(), PluginError> {
        if self.greeting.trim().is_empty() {
            return Err(format!("{}: the greeting is empty", ctx.name()).into());
        }
        Ok(())
    }

    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        log::info!(target: ctx.log_target(), "{}, world!", self.greeting);
        println!("[greeter] {}, world!", self.greeting);
        Ok(())
    }

    fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        println!("[greeter] Goodbye, world!");
        Ok(())
    }
}
