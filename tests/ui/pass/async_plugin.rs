//! An async plugin needs nothing but `async fn` hooks and `#[plugin]`; it registers like any
//! other, and the sync manager excludes it with a message that names the async manager.

use plugin_factory::{AsyncPlugin, Context, PluginError, PluginManager, plugin};

#[plugin(name = "listener", timeout_ms = 500)]
#[derive(Default)]
struct Listener {
    bound: bool,
}

impl AsyncPlugin for Listener {
    async fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        self.bound = true;
        Ok(())
    }
}

fn main() {
    let running = PluginManager::discover()
        .and_then(PluginManager::validate)
        .and_then(PluginManager::init)
        .and_then(PluginManager::start)
        .expect("the sync manager runs");
    let info = running.info("listener").expect("the plugin is there");
    let reason = info.reason().expect("the plugin was excluded").to_string();
    assert!(reason.contains("AsyncManager"), "{reason}");
}
