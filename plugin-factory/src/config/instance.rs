//! [`Instance`]: one plugin instance as a configuration (or its absence) decided it, the input
//! from which a manager lays out its slots; and its [`Spec`], what the configuration says of it.

use std::time::Duration;

use crate::contract::{Dependency, OnFailure, OnUnhealthy};
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
    /// What the configuration says of it; `None` only for an instance that no configuration
    /// mentions, named after its kind, which then costs no allocation and nothing to drop (the
    /// usual case without a configuration). The layout binds dependencies by kind only when
    /// some instance has a spec.
    pub(crate) spec: Option<Box<Spec>>,
}

/// What a configuration says of one instance, beyond its name and kind.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    /// Whether it runs; a disabled instance is left out, as `ManagerBuilder::disable` does.
    pub(crate) enabled: bool,
    /// Its `config` value as read, if the configuration gave one.
    pub(crate) config: Option<Node>,
    /// Which instance satisfies a dependency on a kind: `(kind, instance)`.
    pub(crate) bind: Vec<(Name, Name)>,
    /// The kinds whose dependency is bound to every instance (`bind = { sink = "*" }`).
    pub(crate) every: Vec<Name>,
    /// What happens when it fails, if the configuration says (else the annotation decides).
    pub(crate) on_failure: Option<OnFailure>,
    /// What a health check that finds it unhealthy does, if the configuration says (else the
    /// manager's default decides).
    pub(crate) on_unhealthy: Option<OnUnhealthy>,
    /// `timeout_ms`: how long each hook may run under the async manager, if given.
    pub(crate) timeout: Option<Duration>,
    /// Where the configuration describes it (`Unlisted` for an instance it does not mention).
    pub(crate) at: Location,
    /// What is wrong with its configuration: a non-empty list excludes it before its factory
    /// runs.
    pub(crate) problems: Vec<Problem>,
}

impl Spec {
    /// The spec of an instance that no configuration mentions.
    pub(crate) const DEFAULT: Spec = Spec {
        enabled: true,
        config: None,
        bind: Vec::new(),
        every: Vec::new(),
        on_failure: None,
        on_unhealthy: None,
        timeout: None,
        at: Location::Unlisted,
        problems: Vec::new(),
    };

    /// Whether `dependency` of this instance binds every instance of its kind: it says so
    /// (`"every sink"`), or this configuration does (`bind = { sink = "*" }`).
    pub(crate) fn binds_every(&self, dependency: &Dependency) -> bool {
        dependency.is_every() || self.every.iter().any(|kind| *kind == dependency.name())
    }

    /// The instance this spec binds a dependency on `kind` to, if it says.
    pub(crate) fn bound(&self, kind: &str) -> Option<&Name> {
        self.bind
            .iter()
            .find(|(bound_kind, _)| bound_kind == kind)
            .map(|(_, instance)| instance)
    }
}

/// The spec behind an optional box: the default where there is none.
pub(crate) fn spec_of(spec: &Option<Box<Spec>>) -> &Spec {
    static DEFAULT: Spec = Spec::DEFAULT;
    spec.as_deref().unwrap_or(&DEFAULT)
}

impl Instance {
    /// The one instance of a kind that no configuration mentions: named after the kind.
    pub(crate) fn of_kind(entry: &'static PluginEntry) -> Self {
        Self {
            name: Name::from(entry.name()),
            entry,
            spec: None,
        }
    }

    /// What the configuration says of it.
    pub(crate) fn spec(&self) -> &Spec {
        spec_of(&self.spec)
    }

    /// What the configuration says of it, to change.
    pub(crate) fn spec_mut(&mut self) -> &mut Spec {
        self.spec.get_or_insert_with(|| Box::new(Spec::DEFAULT))
    }
}
