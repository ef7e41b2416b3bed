//! [`Context`]: what a hook knows about the plugin instance it runs for.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use super::metadata::PluginMetadata;

/// What a hook knows about the plugin instance it runs for.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    metadata: &'a PluginMetadata,
    name: &'static str,
    site: Option<Site<'a>>,
}

/// Where a hook runs: its manager's extension points and services (the hub's `Arc`, type-erased
/// here, read by the `extension` module), and the instance's slot.
#[derive(Clone, Copy)]
pub(crate) struct Site<'a> {
    pub(crate) hub: &'a (dyn Any + Send + Sync),
    pub(crate) slot: usize,
}

impl fmt::Debug for Site<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Site").field("slot", &self.slot).finish()
    }
}

impl<'a> Context<'a> {
    /// A context outside any manager (a factory run by `PluginEntry::create`): it reaches no
    /// extension point and no service.
    pub(crate) fn new(metadata: &'a PluginMetadata, name: &'static str) -> Self {
        Self {
            metadata,
            name,
            site: None,
        }
    }

    /// The context of the instance in `slot` of a manager whose hub is `hub` (shared: a plugin
    /// may keep a handle to it).
    #[inline(always)]
    pub(crate) fn at<H: Any + Send + Sync>(
        metadata: &'a PluginMetadata,
        name: &'static str,
        hub: &'a Arc<H>,
        slot: usize,
    ) -> Self {
        Self {
            metadata,
            name,
            site: Some(Site { hub, slot }),
        }
    }

    /// Where the hook runs, if inside a manager.
    pub(crate) fn site(&self) -> Option<Site<'a>> {
        self.site
    }

    /// The instance's name: its kind's name unless a configuration named it otherwise.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The name of the instance's kind: the plugin's name as registered.
    pub fn kind(&self) -> &'static str {
        self.metadata.name()
    }

    /// The `log` target for messages about this instance: its name, so that
    /// `RUST_LOG=kv-store=debug` selects one instance's messages, the manager's included.
    pub fn log_target(&self) -> &'static str {
        self.name
    }

    /// The kind's metadata.
    pub fn metadata(&self) -> &'a PluginMetadata {
        self.metadata
    }
}
