//! [`Plan`]: what moving a running manager to a new configuration changes, instance by
//! instance, and [`Applied`]: what happened when it did.

use std::fmt;

use crate::name::Name;
use crate::report::ExclusionReason;

/// What applying a configuration to a running manager would change: each instance that
/// changes, and those that do not (which are not touched: no event, no restart, the same
/// instance).
///
/// `Display` prints one line per change, in the order they are carried out:
///
/// ```text
/// - clock (clock): remove
/// ~ greeter (greeter): reconfigure
/// * audit-log (audit-log): restart, because "kv-primary" is re-created
/// + kv-replica (kv-store): add
/// 3 unchanged
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub(crate) changes: Vec<PlannedChange>,
    pub(crate) unchanged: Vec<Name>,
}

/// One instance's change in a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// The instance.
    pub instance: Name,
    /// Its kind (the new kind, for an instance whose kind changes).
    pub kind: &'static str,
    /// What happens to it.
    pub change: Change,
}

/// What happens to one instance when a configuration is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// Gone from the configuration, or disabled: stopped (its dependents first), shut down,
    /// dropped.
    Remove,
    /// Its `config` changed: the running instance gets it through
    /// [`Configurable::reconfigure`](crate::Configurable::reconfigure), and is re-created (its
    /// dependents restarted) if it cannot take it in place.
    Reconfigure,
    /// Its kind, or the instances its dependencies bind to, changed (or it was excluded and its
    /// configuration changed): stopped, dropped and created anew.
    Recreate,
    /// Stopped and started again, the same instance, because a dependency is re-created.
    Restart {
        /// The dependency that is re-created.
        dependency: Name,
    },
    /// New in the configuration, or enabled now: created and started.
    Add,
}

impl Plan {
    /// The instances that change, in the order the changes are carried out.
    pub fn changes(&self) -> &[PlannedChange] {
        &self.changes
    }

    /// The instances that stay as they are.
    pub fn unchanged(&self) -> &[Name] {
        &self.unchanged
    }

    /// Whether applying changes nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The change planned for `instance`, if any.
    pub fn change(&self, instance: &str) -> Option<&Change> {
        self.changes
            .iter()
            .find(|planned| planned.instance == instance)
            .map(|planned| &planned.change)
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for planned in &self.changes {
            writeln!(f, "{planned}")?;
        }
        writeln!(f, "{} unchanged", self.unchanged.len())
    }
}

impl fmt::Display for PlannedChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sign, what) = match &self.change {
            Change::Remove => ('-', "remove".to_owned()),
            Change::Reconfigure => ('~', "reconfigure".to_owned()),
            Change::Recreate => ('!', "re-create".to_owned()),
            Change::Restart { dependency } => (
                '*',
                format!("restart, because {dependency:?} is re-created"),
            ),
            Change::Add => ('+', "add".to_owned()),
        };
        write!(f, "{sign} {} ({}): {what}", self.instance, self.kind)
    }
}

/// What applying a configuration did: each planned change and how it went.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub(crate) outcomes: Vec<Outcome>,
}

/// How one planned change went.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The change as planned.
    pub planned: PlannedChange,
    /// What happened.
    pub result: Effect,
}

/// What a change did to its instance.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Effect {
    /// Done as planned.
    Done,
    /// A reconfigure that the running instance took in place.
    ReconfiguredInPlace,
    /// A reconfigure that the instance declined: it was re-created from the new config.
    Recreated,
    /// A hook failed (or the instance could not run): the instance is excluded, with this
    /// reason, exactly as at startup. The rest of the plan went on.
    Excluded(ExclusionReason),
}

impl Applied {
    /// Each change, in the order it was carried out, with its result.
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// The outcome for `instance`, if it changed.
    pub fn outcome(&self, instance: &str) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|outcome| outcome.planned.instance == instance)
    }

    /// Whether every change went as planned (none excluded its instance).
    pub fn is_clean(&self) -> bool {
        !self
            .outcomes
            .iter()
            .any(|outcome| matches!(outcome.result, Effect::Excluded(_)))
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Done => f.write_str("done"),
            Effect::ReconfiguredInPlace => f.write_str("done, in place"),
            Effect::Recreated => f.write_str("done, re-created"),
            Effect::Excluded(reason) => write!(f, "excluded: {reason}"),
        }
    }
}

impl fmt::Display for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.outcomes.is_empty() {
            return writeln!(f, "nothing changed");
        }
        for outcome in &self.outcomes {
            writeln!(f, "{}: {}", outcome.planned, outcome.result)?;
        }
        Ok(())
    }
}
