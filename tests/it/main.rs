//! The behaviour tests of the runtime crate, one binary: the plugins every module declares share
//! one registry, as a host's do, and `support` is compiled once. Each module is one concern; a
//! test keeps to its own plugins through a `Harness` (its faults and events are its own) or by
//! handing the manager its entries.
//!
//! The tests that must be binaries of their own stay beside this directory: `compiletest` (the
//! UI tests of the macro and the typestate), `architecture` (reads the sources), `linking` and
//! `unlinked` (what a binary links is what they test).

plugin_factory::link_plugins!(example_plugins);

mod support;

mod async_extension;
mod async_lifecycle;
mod cli;
mod concurrency;
mod config_properties;
mod configuration;
mod dependencies;
mod exclusion;
mod extension_points;
mod failure_policies;
mod harness;
mod health;
mod hostile_input;
mod lifecycle;
mod logging;
mod reload;
mod resolver_properties;
mod runtime;
mod streaming;
mod supervision;
