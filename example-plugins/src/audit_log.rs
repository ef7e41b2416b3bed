//! The `audit-log` plugin.

use plugin_factory::{Context, Plugin, PluginError, plugin};

/// Keeps an audit trail of what happened to it; needs the key-value store.
#[plugin(depends_on = ["kv-store >=0.1"])]
#[derive(Debug, Default)]
pub struct AuditLog {
    trail: Vec<String>,
}

impl AuditLog {
    /// The entries recorded so far.
    pub fn trail(&self) -> &[String] {
        &self.trail
    }

    fn record(&mut self, ctx: &Context<'_>, what: &str) {
        log::info!(target: ctx.log_target(), "audit: {what}");
        self.trail.push(what.to_owned());
    }
}

impl Plugin for AuditLog {
    fn init(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.record(ctx, "initialized");
        Ok(())
    }

    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.record(ctx, "started");
        println!(
            "[audit-log] recording ({} entries so far)",
            self.trail.len()
        );
        Ok(())
    }

    fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.record(ctx, "stopped");
        println!("[audit-log] trail: {}", self.trail.join(", "));
        Ok(())
    }
}
