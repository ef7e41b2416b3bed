//! [`Report`]: the state of every plugin, printed as a table by the host and inspected plugin by
//! plugin by programs and tests.

use std::fmt;

use super::plugin::{ExclusionReason, PluginReport};
use crate::lifecycle::PluginState;
use crate::name::Name;
use crate::registry::UnlinkedCrate;
use crate::tree::Problem;

/// The state of every plugin, in the order they were started (dependencies first), then the
/// ones that never started, by name.
///
/// `Display` prints a table, one line per plugin (with a `kind` column when an instance is
/// named apart from its kind):
///
/// ```text
/// plugin            version  state     time    reason
/// kv-store          0.1.0    running   14µs
/// fails-validation  0.1.0    excluded          validate failed: the answer must be 42
/// ```
#[derive(Debug, Clone, Default)]
pub struct Report {
    plugins: Vec<PluginReport>,
    problems: Vec<Problem>,
    unlinked: Vec<UnlinkedCrate>,
}

impl Report {
    pub(crate) fn new(
        plugins: Vec<PluginReport>,
        problems: Vec<Problem>,
        unlinked: Vec<UnlinkedCrate>,
    ) -> Self {
        Self {
            plugins,
            problems,
            unlinked,
        }
    }

    /// The dependency crates that register plugins but contributed none to this binary, as
    /// discovery found them (see [`registry::unlinked_crates`](crate::registry::unlinked_crates)).
    pub fn unlinked_crates(&self) -> &[UnlinkedCrate] {
        &self.unlinked
    }

    /// The configuration's problems that belong to no instance (an unknown kind, an invalid
    /// instance name, an unknown key): each kept its instance from existing. An instance whose
    /// own configuration is invalid is listed among the plugins, excluded, instead.
    pub fn config_problems(&self) -> &[Problem] {
        &self.problems
    }

    /// One line per plugin, in the report's order.
    pub fn plugins(&self) -> &[PluginReport] {
        &self.plugins
    }

    /// The entry for the plugin named `name`.
    pub fn get(&self, name: &str) -> Option<&PluginReport> {
        self.plugins.iter().find(|plugin| plugin.name() == name)
    }

    /// The plugins in `state`.
    pub fn in_state(&self, state: PluginState) -> impl Iterator<Item = &PluginReport> {
        self.plugins
            .iter()
            .filter(move |plugin| plugin.state() == state)
    }

    /// The excluded plugins with their reasons.
    pub fn excluded(&self) -> impl Iterator<Item = (&Name, &ExclusionReason)> {
        self.plugins
            .iter()
            .filter_map(|plugin| Some((plugin.name(), plugin.reason()?)))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name_width = self
            .plugins
            .iter()
            .map(|plugin| plugin.name().len())
            .chain([6])
            .max()
            .unwrap_or(6);
        let version_width = self
            .plugins
            .iter()
            .map(|plugin| plugin.version().len())
            .chain([7])
            .max()
            .unwrap_or(7);
        // A kind column only when an instance is named apart from its kind.
        let kind_width = self
            .plugins
            .iter()
            .any(|plugin| plugin.name() != plugin.kind())
            .then(|| {
                let widest = self.plugins.iter().map(|plugin| plugin.kind().len());
                widest.chain([4]).max().unwrap_or(4)
            });
        let timed = self
            .plugins
            .iter()
            .any(|plugin| !plugin.timings().is_empty());
        write!(f, "{:name_width$}  ", "plugin")?;
        if let Some(kind_width) = kind_width {
            write!(f, "{:kind_width$}  ", "kind")?;
        }
        write!(f, "{:version_width$}  {:11}", "version", "state")?;
        if timed {
            write!(f, "  {:>10}", "time")?;
        }
        writeln!(f, "  reason")?;
        for plugin in &self.plugins {
            let mut line = format!("{:name_width$}  ", plugin.name());
            if let Some(kind_width) = kind_width {
                line.push_str(&format!("{:kind_width$}  ", plugin.kind()));
            }
            line.push_str(&format!(
                "{:version_width$}  {:11}",
                plugin.version(),
                plugin.state()
            ));
            if timed {
                let timings = plugin.timings();
                let time = if timings.is_empty() {
                    String::new()
                } else {
                    format!("{:.1?}", timings.total())
                };
                line.push_str(&format!("  {time:>10}"));
            }
            if let Some(reason) = plugin.reason() {
                line.push_str(&format!("  {reason}"));
            } else if plugin.state().is_live() && !plugin.failures().is_empty() {
                let failures: Vec<_> = plugin.failures().iter().map(ToString::to_string).collect();
                line.push_str(&format!("  failed before: {}", failures.join("; ")));
            }
            for failure in plugin.failures_after_reason() {
                line.push_str(&format!("; then {failure}"));
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        for problem in &self.problems {
            writeln!(f, "configuration problem: {problem}")?;
        }
        for unlinked in &self.unlinked {
            writeln!(f, "unlinked: {unlinked}")?;
        }
        Ok(())
    }
}
