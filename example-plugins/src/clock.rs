//! The `clock` plugin.

use std::time::{Duration, Instant};

use plugin_factory::{Context, Plugin, PluginError, plugin};

/// Records when it started and reports how long it ran when it stops.
#[plugin]
#[derive(Debug, Default)]
pub struct Clock {
    started: Option<Instant>,
    ran: Duration,
}

impl Clock {
    /// How long it has been running (zero when stopped), plus earlier runs.
    pub fn uptime(&self) -> Duration {
        self.ran
            + self
                .started
                .map_or(Duration::ZERO, |started| started.elapsed())
    }
}

impl Plugin for Clock {
    fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        self.started = Some(Instant::now());
        log::info!(target: ctx.log_target(), "clock started");
        Ok(())
    }

    fn stop(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        if let Some(started) = self.started.take() {
            self.ran += started.elapsed();
        }
        crate::say!("[clock] ran for {:?}", self.ran);
        Ok(())
    }
}
