//! `implements = [...]` with every ordering key compiles (a path to the trait, a negative
//! priority, `before` and `after`, two points on one kind), the registry records each point
//! with its placement, and a call reaches the running implementations in that order.

use plugin_factory::registry::{self, PluginEntry};
use plugin_factory::{Plugin, PluginManager, plugin};

mod hooks {
    /// The host's extension point.
    pub trait OnRequest: Send + Sync {
        fn on_request(&self, path: &str) -> Option<String>;
    }
}

/// A second point.
pub trait Metrics: Send + Sync {
    fn count(&self) -> u64;
}

use hooks::OnRequest;

#[plugin(name = "auth", implements = [OnRequest(priority = 10)])]
#[derive(Default)]
struct Auth;

impl Plugin for Auth {}

impl OnRequest for Auth {
    fn on_request(&self, path: &str) -> Option<String> {
        path.starts_with("/admin").then(|| "denied".to_owned())
    }
}

/// `before` is a hard edge: it runs before `auth` whatever their priorities.
#[plugin(name = "cache", implements = [hooks::OnRequest(before = ["auth"])])]
#[derive(Default)]
struct Cache;

impl Plugin for Cache {}

impl OnRequest for Cache {
    fn on_request(&self, _: &str) -> Option<String> {
        None
    }
}

/// An `after` naming a plugin that is not there is ignored.
#[plugin(
    name = "logger",
    implements = [
        Metrics,
        hooks::OnRequest(priority = -5, after = ["tracer"], before = []),
    ],
)]
#[derive(Default)]
struct Logger;

impl Plugin for Logger {}

impl OnRequest for Logger {
    fn on_request(&self, path: &str) -> Option<String> {
        Some(format!("logged {path}"))
    }
}

impl Metrics for Logger {
    fn count(&self) -> u64 {
        1
    }
}

fn entry(name: &str) -> &'static PluginEntry {
    registry::entries()
        .find(|entry| entry.name() == name)
        .expect("the plugin is registered")
}

fn main() {
    let points: Vec<_> = entry("logger")
        .implementations()
        .expect("logger implements points")
        .points()
        .iter()
        .map(|point| {
            let placement = point.placement();
            (
                point.point_name(),
                placement.priority,
                placement.before,
                placement.after,
            )
        })
        .collect();
    assert_eq!(
        points,
        [
            ("Metrics", 0, &[][..], &[][..]),
            ("OnRequest", -5, &[][..], &["tracer"][..]),
        ]
    );
    assert_eq!(
        entry("cache").implementations().unwrap().points()[0]
            .placement()
            .before,
        ["auth"]
    );

    let manager = PluginManager::builder()
        .entries(["logger", "auth", "cache"].map(entry))
        .discover()
        .and_then(PluginManager::validate)
        .and_then(PluginManager::init)
        .and_then(PluginManager::start)
        .expect("the plugins start");
    let seen = manager
        .extension::<dyn OnRequest>()
        .collect(|point| point.on_request("/"))
        .expect("no cycle");
    let order: Vec<&str> = seen.value().iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(order, ["cache", "auth", "logger"]);
    let first = manager
        .extension::<dyn OnRequest>()
        .first_some(|point| point.on_request("/admin"))
        .expect("no cycle")
        .into_value()
        .expect("auth answers");
    assert_eq!((first.0.as_str(), first.1.as_str()), ("auth", "denied"));
    let total = manager
        .extension::<dyn Metrics>()
        .fold(0, |sum, metrics| *sum += metrics.count())
        .expect("no cycle");
    assert_eq!(*total.value(), 1);
}
