//! The kind of P6, defined in the targets that run it only, so that the registries of the other
//! targets hold exactly their generated set: a `#[plugin]` that implements the extension point
//! [`Noop`], doing nothing and answering `first` at once.

use std::sync::Arc;

use bench_plugins::{Noop, NoopKind};
use plugin_factory::{Plugin, plugin};

/// The kind, as P6 finds it in the registry, and how the direct loop makes one.
pub(crate) static KIND: NoopKind = NoopKind {
    kind: "p6-noop",
    make,
};

/// A no-op implementation of [`Noop`].
#[plugin(name = "p6-noop", implements = [Noop])]
#[derive(Default)]
pub(crate) struct NoopPlugin;

impl Plugin for NoopPlugin {}

impl Noop for NoopPlugin {
    fn noop(&self) {}

    fn first(&self) -> Option<u32> {
        Some(1)
    }
}

fn make() -> Arc<dyn Noop> {
    Arc::new(NoopPlugin)
}
