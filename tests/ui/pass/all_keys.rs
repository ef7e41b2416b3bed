//! Every annotation key at once compiles, and the registry records what was written.

use plugin_factory::{Context, Plugin, PluginError, plugin};

/// The doc comment is not the description when `description = "..."` is given.
#[plugin(
    name = "session-cache",
    version = "2.1.0-beta.1",
    description = "Caches sessions",
    depends_on = ["kv-store", "clock >=0.1, <2", "every audit-log"],
    factory = make_cache,
    crate = ::plugin_factory,
    on_failure = "fail",
    timeout_ms = 2500,
)]
struct SessionCache {
    capacity: usize,
}

fn make_cache() -> SessionCache {
    SessionCache { capacity: 128 }
}

impl Plugin for SessionCache {
    fn init(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        log::info!(target: ctx.log_target(), "capacity {}", self.capacity);
        Ok(())
    }
}

fn main() {
    let entry = plugin_factory::registry::entries()
        .find(|entry| entry.name() == "session-cache")
        .expect("the plugin is registered");
    let metadata = entry.metadata();
    assert_eq!(metadata.version(), "2.1.0-beta.1");
    assert_eq!(metadata.description(), "Caches sessions");
    assert!(metadata.is_required());
    assert_eq!(metadata.timeout(), Some(std::time::Duration::from_millis(2500)));
    let dependencies: Vec<_> = metadata
        .dependencies()
        .iter()
        .map(|dependency| {
            (dependency.name(), dependency.requirement(), dependency.is_every())
        })
        .collect();
    assert_eq!(
        dependencies,
        [
            ("kv-store", None, false),
            ("clock", Some(">=0.1, <2"), false),
            ("audit-log", None, true)
        ]
    );
}
