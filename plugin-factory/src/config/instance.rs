//! [`Instance`]: one plugin instance as a configuration (or its absence) decided it, the input
//! from which a manager lays out its slots.

use crate::name::Name;
use crate::registry::PluginEntry;
use crate::tree::{Location, Node, Problem};

/// One instance to run: its name, its kind's entry, and what the configuration says of it.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    /// The instance's name (the kind's own name unless configured otherwise).
    pub(crate) name: Name,
    /// Its kind.
    pub(crate) entry: &'static PluginEntry,
    /// Whether it runs; a disabled instance is left out, as `ManagerBuilder::disable` does.
    pub(crate) enabled: bool,
    /// Its `config` value as read, if the configuration gave one.
    pub(crate) config: Option<Node>,
    /// Which instance satisfies a dependency on a kind: `(kind, instance)`.
    pub(crate) bind: Vec<(Name, Name)>,
    /// What is wrong with its configuration: a non-empty list excludes it before its factory
    /// runs.
    pub(crate) problems: Vec<Problem>,
    /// Where the configuration describes it (`Code` for an instance it does not mention).
    pub(crate) at: Location,
}

impl Instance {
    /// The one instance of a kind that no configuration mentions: named after the kind.
    pub(crate) fn of_kind(entry: &'static PluginEntry) -> Self {
        Self {
            name: Name::from(entry.name()),
            entry,
            enabled: true,
            config: None,
            bind: Vec::new(),
            problems: Vec::new(),
            at: Location::Code,
        }
    }

    /// The instance this one binds a dependency on `kind` to, if the configuration says.
    pub(crate) fn bound(&self, kind: &str) -> Option<&Name> {
        self.bind
            .iter()
            .find(|(bound_kind, _)| bound_kind == kind)
            .map(|(_, instance)| instance)
    }
}
