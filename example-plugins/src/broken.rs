//! Deliberately faulty plugins (feature `broken`), each excluded for a different reason.

use plugin_factory::{Context, Plugin, PluginError, plugin};

/// Refuses to run: its `validate` fails.
#[plugin]
#[derive(Debug, Default)]
pub struct FailsValidation;

impl Plugin for FailsValidation {
    fn validate(&self, _: &Context<'_>) -> Result<(), PluginError> {
        Err("the configured answer is 41, expected 42".into())
    }
}

/// Panics in `start`, after a successful `init`.
#[plugin]
#[derive(Debug, Default)]
pub struct PanicsOnStart;

impl Plugin for PanicsOnStart {
    fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        panic!("deliberate panic in start");
    }
}

/// Depends on a plugin that does not exist.
#[plugin(depends_on = ["no-such-plugin"])]
#[derive(Debug, Default)]
pub struct MissingDependency;

impl Plugin for MissingDependency {}

/// Half of a dependency cycle with `cycle-b`.
#[plugin(depends_on = ["cycle-b"])]
#[derive(Debug, Default)]
pub struct CycleA;

impl Plugin for CycleA {}

/// The other half of the cycle.
#[plugin(depends_on = ["cycle-a"])]
#[derive(Debug, Default)]
pub struct CycleB;

impl Plugin for CycleB {}
