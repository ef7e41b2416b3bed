//! Example plugins for Plugin Factory, one cargo feature each.
//!
//! The default features enable `greeter`, `clock`, `kv-store` and `audit-log` (which depends on
//! `kv-store`). Feature `broken` adds deliberately faulty plugins that show how exclusion works:
//! `fails-validation`, `panics-on-start`, `missing-dependency`, `cycle-a` and `cycle-b`.
//!
//! They extend each other: `kv-store` provides a [`Storage`](kv_store::Storage) service,
//! `audit-log` uses it and implements the [`AuditSink`](points::AuditSink) extension point,
//! which `greeter` calls.
//!
//! A host links this crate with `plugin_factory::link_plugins!(example_plugins);`.

#[cfg(feature = "audit-log")]
pub mod audit_log;
#[cfg(feature = "broken")]
pub mod broken;
#[cfg(feature = "clock")]
pub mod clock;
#[cfg(feature = "greeter")]
pub mod greeter;
#[cfg(feature = "kv-store")]
pub mod kv_store;
pub mod points;
