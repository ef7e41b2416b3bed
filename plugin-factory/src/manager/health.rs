//! Health checks of an [`Active`] manager's running plugins.

use super::PluginManager;
use super::phase::Active;
use crate::error::Error;
use crate::runtime::HealthReport;

impl PluginManager<Active> {
    /// Asks every running plugin how it is doing ([`Plugin::health`](crate::Plugin::health)),
    /// in start order, each locked as for a plugin access; a panicking check counts as
    /// unhealthy. Each answer is also kept, with its time, in the plugin's
    /// [`info`](Self::info) (`PluginInfo::health`). Refused (`Error::Reentrant`) from inside a
    /// plugin access or an observer of this manager.
    pub fn check_health(&self) -> Result<HealthReport, Error> {
        let mut report = self.engine.check_health()?;
        self.engine.supervise(&mut report);
        Ok(report)
    }
}
