//! The `audit-log` plugin, and the [`AuditSink`] extension point it implements.

use std::sync::{Arc, Mutex, PoisonError};

use plugin_factory::{Context, Plugin, PluginError, plugin};

use crate::kv_store::Storage;
pub use crate::points::AuditSink;

/// Keeps an audit trail of what it is told and of its own lifecycle, in memory and in the
/// key-value store it depends on.
///
/// It implements [`AuditSink`], and writes through the store's [`Storage`] service.
#[plugin(depends_on = ["kv-store >=0.1"], implements = [AuditSink])]
#[derive(Default)]
pub struct AuditLog {
    trail: Mutex<Vec<String>>,
    /// The store's service, taken in `start` and let go in `stop`.
    storage: Option<Arc<dyn Storage>>,
}

impl AuditLog {
    /// The entries recorded so far.
    pub fn trail(&self) -> Vec<String> {
        self.trail
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn note(&self, entry: String) -> Result<(), PluginError> {
        let mut trail = self.trail.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(storage) = &self.storage {
            storage.put(&format!("audit.{}", trail.len()), &entry)?;
        }
        trail.push(entry);
        Ok(())
    }
}

impl AuditSink for AuditLog {
    fn record(&self, source: &str, event: &str) -> Result<(), PluginError> {
        log::info!(target: "audit-log", "audit: {source}: {event}");
        self.note(format!("{source}: {event}"))
    }
}

impl Plugin for AuditLog {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.storage = Some(ctx.service::<dyn Storage>("kv-store")?);
        self.note(format!("{}: started", ctx.name()))?;
        crate::say!(
            "[{}] recording into kv-store ({} entries so far)",
            ctx.name(),
            self.trail
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len()
        );
        Ok(())
    }

    fn stop(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.note(format!("{}: stopped", ctx.name()))?;
        self.storage = None;
        crate::say!("[{}] trail: {}", ctx.name(), self.trail().join("; "));
        Ok(())
    }
}
