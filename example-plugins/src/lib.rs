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

// Every snippet in the docs compiles without a warning, so that none teaches one; a type a
// snippet declares to show a shape, and does not use, is no lesson.
#![doc(test(attr(deny(warnings), allow(dead_code))))]

/// Prints a line to stdout, as `println!` does, but a failed write is not a panic: a plugin
/// whose reader has gone (`host | head -1`) keeps running, and the line is dropped (a debug log
/// says so). The examples print through it too.
///
/// ```
/// example_plugins::say!("[{}] hello", "greeter");
/// ```
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        if let ::std::result::Result::Err(error) =
            ::std::writeln!(::std::io::stdout().lock(), $($arg)*)
        {
            ::log::debug!("a line to stdout was dropped: {error}");
        }
    }};
}

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
