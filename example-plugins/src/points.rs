//! The extension points the example plugins share, compiled whatever the features: a plugin
//! calls a point without depending on the plugins that implement it.

use plugin_factory::PluginError;

/// An extension point for recording what happened: `audit-log` implements it, `greeter`
/// calls it, and so can the host (`manager.extension::<dyn AuditSink>()`).
pub trait AuditSink: Send + Sync {
    /// Records that `source` did `event`.
    fn record(&self, source: &str, event: &str) -> Result<(), PluginError>;
}
