//! The async manager's awaited extension point calls and async reconfigure: the policies in
//! call order with their failures, a stop that waits for the callbacks in flight without
//! blocking the runtime, runtime operations refused from inside a callback, a call from a
//! spawned task, and `reconfigure` awaited (in place, declined, timed out, and a sync plugin's
//! on the blocking pool).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use plugin_factory::config::{Config, Effect, Format, Loader};
use plugin_factory::executor::BoxFuture;
use plugin_factory::executor::Tokio;
use plugin_factory::extension::CallError;
use plugin_factory::phase::{Active, Assembled};
use plugin_factory::registry::PluginEntry;
use plugin_factory::report::{ExclusionReason, FailureCause, Hook};
use plugin_factory::testing::{Fault, Harness, Seen, assert_lines};
use plugin_factory::{
    AsyncConfigurable, AsyncManager, AsyncPlugin, Configurable, Context, Error, Plugin,
    PluginError, PluginManager, PluginState, Reconfigure, plugin,
};
use tokio::sync::Notify;

/// The callbacks `harness` saw since it was last read, in this file's notation: `name:lookup>`
/// when one began, `name:lookup<` when it returned (its future ended).
fn lookups(harness: &Harness) -> Vec<String> {
    let journal = harness.journal().into_iter();
    let lookups = journal.filter_map(|(plugin, seen)| match seen {
        Seen::Called(Hook::Callback) => Some(format!("{plugin}:lookup>")),
        Seen::Returned(Hook::Callback) => Some(format!("{plugin}:lookup<")),
        _ => None,
    });
    lookups.collect()
}

fn entry(name: &str) -> &'static PluginEntry {
    plugin_factory::registry::entries()
        .find(|entry| entry.name() == name)
        .unwrap_or_else(|| panic!("{name} is registered"))
}

async fn started(manager: AsyncManager<Assembled>) -> AsyncManager<Active> {
    let manager = manager.validate().await.unwrap().init().await.unwrap();
    manager.start().await.unwrap()
}

/// The running async manager of the kinds called `names`, and the harness that watches it (its
/// journal read).
async fn running(names: &[&str]) -> (Harness, AsyncManager<Active>) {
    let harness = Harness::entries(names.iter().map(|name| entry(name)));
    let manager = started(harness.builder().discover().unwrap().into_async(Tokio)).await;
    harness.forget();
    (harness, manager)
}

/// A point whose method awaits: looks a key up.
trait Lookup: Send + Sync {
    fn lookup<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, PluginError>>;
}

/// A lookup that yields once, then gives `answer`.
fn lookup_by<'a>(
    answer: impl FnOnce() -> Result<Option<String>, PluginError> + Send + 'a,
) -> BoxFuture<'a, Result<Option<String>, PluginError>> {
    Box::pin(async move {
        tokio::task::yield_now().await;
        answer()
    })
}

/// Knows nothing.
#[plugin(name = "lk-a", implements = [Lookup])]
#[derive(Default)]
struct Blank;
impl AsyncPlugin for Blank {}
impl Lookup for Blank {
    fn lookup<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<String>, PluginError>> {
        lookup_by(|| Ok(None))
    }
}

/// Knows every key.
#[plugin(name = "lk-b", implements = [Lookup])]
#[derive(Default)]
struct Knowing;
impl AsyncPlugin for Knowing {}
impl Lookup for Knowing {
    fn lookup<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<String>, PluginError>> {
        lookup_by(move || Ok(Some(format!("b:{key}"))))
    }
}

/// Fails every lookup (a sync plugin: awaited calls reach those too).
#[plugin(name = "lk-c", implements = [Lookup])]
#[derive(Default)]
struct Refusing;
impl Plugin for Refusing {}
impl Lookup for Refusing {
    fn lookup<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<String>, PluginError>> {
        lookup_by(|| Err(PluginError::msg("the index is gone")))
    }
}

/// Panics while its lookup is polled, after a yield.
#[plugin(name = "lk-d", implements = [Lookup])]
#[derive(Default)]
struct Exploding;
impl AsyncPlugin for Exploding {}
impl Lookup for Exploding {
    fn lookup<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<String>, PluginError>> {
        lookup_by(|| panic!("lookup exploded"))
    }
}

/// The harness's callback fault reaches awaited calls: the faulted plugin's callback fails
/// before its future is made (its code never runs), and the call goes on to the next one.
#[tokio::test]
async fn an_injected_callback_fault_fails_an_awaited_callback_before_its_code_runs() {
    let harness = Harness::entries([entry("lk-a"), entry("lk-b")]);
    harness.inject("lk-b", Hook::Callback, Fault::error("cache cold").times(1));
    let manager = started(harness.builder().discover().unwrap().into_async(Tokio)).await;
    harness.forget();
    let key = "k";
    let lookup = || {
        manager
            .extension::<dyn Lookup>()
            .collect_async(move |point| async move { point.lookup(key).await })
    };
    let faulted = lookup().await.unwrap();
    let failures: Vec<String> = faulted.failures().iter().map(ToString::to_string).collect();
    assert_eq!(
        failures,
        ["plugin \"lk-b\": extension point Lookup failed: cache cold"]
    );
    assert_eq!(
        lookups(&harness),
        ["lk-a:lookup>", "lk-a:lookup<", "lk-b:lookup>"],
        "lk-b's callback was called, and failed before its code ran"
    );
    // The fault was for one call: the next one reaches lk-b's code.
    let healed = lookup().await.unwrap();
    assert!(healed.failures().is_empty(), "{:?}", healed.failures());
    assert_eq!(healed.value().len(), 2);
    manager.shutdown().await;
}

#[tokio::test]
async fn awaited_calls_follow_the_call_order_with_each_policy_and_report_failures() {
    let (harness, manager) = running(&["lk-a", "lk-b", "lk-c", "lk-d"]).await;
    let key = "k";
    let all = manager
        .extension::<dyn Lookup>()
        .collect_async(move |point| async move { point.lookup(key).await })
        .await
        .unwrap();
    assert_eq!(all.reached(), 4);
    let values: Vec<(&str, Option<&str>)> = all
        .value()
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_deref()))
        .collect();
    assert_eq!(values, [("lk-a", None), ("lk-b", Some("b:k"))]);
    let failed: Vec<&str> = all.failures().iter().map(|f| f.plugin().as_str()).collect();
    assert_eq!(failed, ["lk-c", "lk-d"]);
    assert!(
        matches!(all.failures()[0].cause(), FailureCause::Error(e) if e.to_string() == "the index is gone")
    );
    assert!(
        matches!(all.failures()[1].cause(), FailureCause::Panic(m) if m.contains("lookup exploded"))
    );
    // Each callback's future is awaited to its end before the next one begins.
    let lines = lookups(&harness);
    assert_eq!(
        lines,
        [
            "lk-a:lookup>",
            "lk-a:lookup<",
            "lk-b:lookup>",
            "lk-b:lookup<",
            "lk-c:lookup>",
            "lk-c:lookup<",
            "lk-d:lookup>"
        ]
    );

    let first = manager
        .extension::<dyn Lookup>()
        .first_some_async(move |point| async move { point.lookup(key).await })
        .await
        .unwrap();
    assert_eq!(
        first.reached(),
        2,
        "the later implementations are not called"
    );
    let (by, value) = first.into_value().expect("lk-b knows");
    assert_eq!((by.as_str(), value.as_str()), ("lk-b", "b:k"));

    let stopped = manager
        .extension::<dyn Lookup>()
        .until_error_async(move |point| async move { point.lookup(key).await })
        .await;
    assert!(
        matches!(&stopped, Err(CallError::Failed(f)) if f.plugin() == "lk-c"),
        "{stopped:?}"
    );

    let known = manager
        .extension::<dyn Lookup>()
        .fold_async(
            0,
            move |point| async move { point.lookup(key).await },
            |count, value| *count += usize::from(value.is_some()),
        )
        .await
        .unwrap();
    assert_eq!((*known.value(), known.failures().len()), (1, 2));

    let seen = Mutex::new(Vec::new());
    let only = manager
        .extension::<dyn Lookup>()
        .only(&["lk-a", "lk-b"])
        .call_async(|point| {
            seen.lock()
                .unwrap()
                .push(format!("{point:?} {}", point.plugin()));
            async move { point.lookup(key).await.map(drop) }
        })
        .await
        .unwrap();
    assert_eq!((only.reached(), only.failures().len()), (2, 0));
    assert_eq!(
        seen.into_inner().unwrap(),
        [
            "Callee { plugin: \"lk-a\", .. } lk-a",
            "Callee { plugin: \"lk-b\", .. } lk-b"
        ]
    );

    let unknown = manager
        .extension::<dyn Lookup>()
        .only(&["lk-z"])
        .call_async(move |point| async move { point.lookup(key).await.map(drop) })
        .await;
    assert!(
        matches!(unknown, Err(CallError::UnknownPlugin { .. })),
        "{unknown:?}"
    );
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_awaited_call_runs_in_a_spawned_task() {
    let manager = Arc::new(running(&["lk-a", "lk-b"]).await.1);
    let shared = Arc::clone(&manager);
    let found = tokio::spawn(async move {
        shared
            .extension::<dyn Lookup>()
            .first_some_async(|point| async move { point.lookup("spawned").await })
            .await
            .unwrap()
            .into_value()
    })
    .await
    .unwrap();
    assert_eq!(found.map(|(_, value)| value).as_deref(), Some("b:spawned"));
    let manager = Arc::into_inner(manager).expect("the task is done");
    manager.shutdown().await;
}

/// The async manager's handle: kept by a task past the manager's shutdown, whose calls then
/// fail; and no instance kept alive meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_keeps_a_handle_to_an_async_manager_s_point() {
    let (harness, manager) = running(&["lk-a", "lk-b"]).await;
    let handle = manager.extension_handle::<dyn Lookup>();
    let task_handle = handle.clone();
    let found = tokio::spawn(async move {
        task_handle
            .extension()
            .first_some_async(|point| async move { point.lookup("kept").await })
            .await
            .unwrap()
            .into_value()
    })
    .await
    .unwrap();
    assert_eq!(found.map(|(_, value)| value).as_deref(), Some("b:kept"));
    manager.shutdown().await;
    assert_eq!(harness.dropped().len(), 2, "the handle keeps no instance");
    let refused = handle
        .extension()
        .call_async(|point| async move { point.lookup("late").await.map(drop) })
        .await
        .unwrap_err();
    assert!(
        matches!(refused, CallError::ManagerShutDown { point: "Lookup" }),
        "{refused}"
    );
}

/// A point whose callback waits until the test lets it go.
trait Gate: Send + Sync {
    fn pass<'a>(&'a self, gate: Arc<Notify>) -> BoxFuture<'a, ()>;
}

/// Lets each call through when the test says.
#[plugin(name = "gate", implements = [Gate])]
#[derive(Default)]
struct Gatekeeper;

impl AsyncPlugin for Gatekeeper {}

impl Gate for Gatekeeper {
    fn pass<'a>(&'a self, gate: Arc<Notify>) -> BoxFuture<'a, ()> {
        Box::pin(async move { gate.notified().await })
    }
}

/// On a current-thread runtime, on a thread of its own: a wait that blocked the runtime's
/// thread would never end, and the test thread fails instead of hanging with it.
#[test]
fn a_stop_waits_for_the_awaited_callbacks_in_flight_without_blocking_the_runtime() {
    use std::sync::mpsc::RecvTimeoutError;
    let (done, finished) = std::sync::mpsc::channel();
    let scenario = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(stop_during_a_call());
        done.send(()).unwrap();
    });
    match finished.recv_timeout(Duration::from_secs(30)) {
        Ok(()) => {}
        // The scenario panicked: its assertion is the failure.
        Err(RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(scenario.join().expect_err("it panicked"))
        }
        Err(RecvTimeoutError::Timeout) => panic!("the stop blocked the runtime's thread"),
    }
}

async fn stop_during_a_call() {
    let (harness, manager) = running(&["gate"]).await;
    let gate = Arc::new(Notify::new());
    let passing = Arc::clone(&gate);
    let call = manager.extension::<dyn Gate>().call_async(move |point| {
        let gate = Arc::clone(&passing);
        async move { point.pass(gate).await }
    });
    let stop = manager.stop_plugin("gate");
    let release = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        gate.notify_one();
    };
    let (called, stopped, ()) = tokio::join!(call, stop, release);
    assert_eq!(called.unwrap().reached(), 1);
    assert_eq!(stopped.unwrap(), ["gate"]);
    assert_lines(
        &harness.journal_lines(),
        "gate: extension point
         gate: extension point returned
         gate: stop
         gate: stop returned",
    );
    assert_eq!(manager.state("gate"), Some(PluginState::Stopped));
    manager.shutdown().await;
}

#[tokio::test]
async fn a_runtime_operation_inside_an_awaited_callback_is_refused() {
    let (_, manager) = running(&["lk-b"]).await;
    let inside: Mutex<Option<Result<Vec<_>, Error>>> = Mutex::new(None);
    let (host, slot) = (&manager, &inside);
    let calls = manager
        .extension::<dyn Lookup>()
        .call_async(move |_| async move {
            let outcome = host.stop_plugin("lk-b").await;
            *slot.lock().unwrap() = Some(outcome);
        })
        .await
        .unwrap();
    assert_eq!(calls.reached(), 1);
    let outcome = inside.into_inner().unwrap().expect("the callback ran");
    assert!(
        matches!(
            outcome,
            Err(Error::Reentrant {
                operation: "stop_plugin",
                during: "extension point call"
            })
        ),
        "{outcome:?}"
    );
    assert_eq!(manager.state("lk-b"), Some(PluginState::Running));
    // Outside the callback, the same operation runs.
    assert_eq!(manager.stop_plugin("lk-b").await.unwrap(), ["lk-b"]);
    manager.shutdown().await;
}

/// A pool's configuration: its size, and how long a reconfigure takes.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PoolConfig {
    size: usize,
    #[serde(default)]
    takes_ms: u64,
}

/// Resizes in place (size 0 asks to be re-created), awaiting the time its config says.
#[plugin(name = "rc-pool", config = PoolConfig)]
struct Pool {
    size: usize,
}

impl AsyncPlugin for Pool {}

impl AsyncConfigurable<PoolConfig> for Pool {
    fn from_config(config: PoolConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self { size: config.size })
    }

    async fn reconfigure(
        &mut self,
        config: PoolConfig,
        _: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        tokio::time::sleep(Duration::from_millis(config.takes_ms)).await;
        if config.size == 0 {
            return Ok(Reconfigure::Restart);
        }
        self.size = config.size;
        Ok(Reconfigure::Applied)
    }
}

/// A sync plugin's configuration: a label.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct LabelConfig {
    label: String,
}

/// The thread `rc-label` last took a new label on (only the reconfigure test reloads it).
static LABEL_THREAD: Mutex<Option<std::thread::ThreadId>> = Mutex::new(None);

/// Takes a new label in place, keeping the thread it ran on in [`LABEL_THREAD`].
#[plugin(name = "rc-label", config = LabelConfig)]
struct Label {
    label: String,
}

impl Plugin for Label {}

impl Configurable<LabelConfig> for Label {
    fn from_config(config: LabelConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self {
            label: config.label,
        })
    }

    fn reconfigure(
        &mut self,
        config: LabelConfig,
        _: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        self.label = config.label;
        *LABEL_THREAD.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(std::thread::current().id());
        Ok(Reconfigure::Applied)
    }
}

fn toml(text: &str) -> Config {
    Loader::new()
        .text("reload.toml", Format::Toml, text.to_owned())
        .load()
        .unwrap()
}

#[tokio::test]
async fn reconfigure_is_awaited_in_place_declined_or_timed_out() {
    let base = "[plugins.rc-pool]\ntimeout_ms = 200\nconfig = { size = 1 }\n\
                [plugins.rc-label]\nconfig = { label = \"a\" }\n";
    let harness = Harness::entries([entry("rc-pool"), entry("rc-label")]).config(toml(base));
    let manager = harness.builder().discover().unwrap().into_async(Tokio);
    let mut manager = started(manager).await;
    let runtime_thread = std::thread::current().id();
    harness.forget();

    // In place: the async reconfigure awaited on the timer; the sync one on the blocking pool.
    let applied = manager
        .apply(toml(
            "[plugins.rc-pool]\ntimeout_ms = 200\nconfig = { size = 4, takes_ms = 5 }\n\
             [plugins.rc-label]\nconfig = { label = \"b\" }\n",
        ))
        .await
        .unwrap();
    for instance in ["rc-pool", "rc-label"] {
        let outcome = applied.outcome(instance).expect("it changed");
        assert!(
            matches!(outcome.result, Effect::ReconfiguredInPlace),
            "{applied}"
        );
    }
    let mut reconfigured = harness.returned(Hook::Reconfigure);
    reconfigured.sort();
    assert_eq!(reconfigured, ["rc-label", "rc-pool"]);
    let label_thread = LABEL_THREAD
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    assert_ne!(
        label_thread,
        Some(runtime_thread),
        "a sync reconfigure runs off the runtime's thread"
    );
    assert!(label_thread.is_some());

    // Declined: re-created from the new config.
    let applied = manager
        .apply(toml(
            "[plugins.rc-pool]\ntimeout_ms = 200\nconfig = { size = 0 }\n\
             [plugins.rc-label]\nconfig = { label = \"b\" }\n",
        ))
        .await
        .unwrap();
    assert!(
        matches!(
            applied.outcome("rc-pool").unwrap().result,
            Effect::Recreated
        ),
        "{applied}"
    );
    assert_eq!(
        harness.calls(Hook::Create),
        ["rc-pool"],
        "re-created from the new config"
    );
    assert_eq!(manager.state("rc-pool"), Some(PluginState::Running));

    // Timed out: cancelled, the instance excluded with the hook and the limit.
    let applied = manager
        .apply(toml(
            "[plugins.rc-pool]\ntimeout_ms = 200\nconfig = { size = 2, takes_ms = 10000 }\n\
             [plugins.rc-label]\nconfig = { label = \"b\" }\n",
        ))
        .await
        .unwrap();
    let Effect::Excluded(reason) = &applied.outcome("rc-pool").unwrap().result else {
        panic!("the pool is excluded: {applied}");
    };
    assert!(
        matches!(reason, ExclusionReason::Hook(failure)
            if failure.hook == Hook::Reconfigure
                && matches!(failure.cause, FailureCause::TimedOut(limit) if limit == Duration::from_millis(200))),
        "{reason:?}"
    );
    assert!(
        reason
            .to_string()
            .contains("did not finish reconfigure within"),
        "{reason}"
    );
    assert_eq!(manager.state("rc-pool"), Some(PluginState::Excluded));
    assert_eq!(manager.state("rc-label"), Some(PluginState::Running));
    manager.shutdown().await;
}

/// An echo's configuration: the word it answers every lookup with.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct EchoConfig {
    word: String,
}

/// Implements a point and takes a new word in place.
#[plugin(name = "rc-echo", config = EchoConfig, implements = [Lookup])]
struct Echo {
    word: String,
}

impl AsyncPlugin for Echo {}

impl AsyncConfigurable<EchoConfig> for Echo {
    fn from_config(config: EchoConfig, _: &Context<'_>) -> Result<Self, PluginError> {
        Ok(Self { word: config.word })
    }

    async fn reconfigure(
        &mut self,
        config: EchoConfig,
        _: &Context<'_>,
    ) -> Result<Reconfigure, PluginError> {
        tokio::task::yield_now().await;
        self.word = config.word;
        Ok(Reconfigure::Applied)
    }
}

impl Lookup for Echo {
    fn lookup<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<String>, PluginError>> {
        let word = self.word.clone();
        lookup_by(move || Ok(Some(word)))
    }
}

#[tokio::test]
async fn an_instance_reconfigured_in_place_is_taken_out_of_its_points_and_back() {
    let config = |word: &str| {
        toml(&format!(
            "[plugins.rc-echo]\nconfig = {{ word = \"{word}\" }}\n"
        ))
    };
    let manager = PluginManager::builder()
        .entries([entry("rc-echo")])
        .config(config("before"))
        .discover()
        .unwrap()
        .into_async(Tokio);
    let mut manager = started(manager).await;
    let ask = async |manager: &AsyncManager<Active>| {
        let found = manager
            .extension::<dyn Lookup>()
            .first_some_async(|point| async move { point.lookup("word").await })
            .await
            .unwrap();
        found.into_value().map(|(_, word)| word)
    };
    assert_eq!(ask(&manager).await.as_deref(), Some("before"));
    let applied = tokio::time::timeout(Duration::from_secs(10), manager.apply(config("after")))
        .await
        .expect("the instance was taken out of its point, so nothing held it")
        .unwrap();
    assert!(
        matches!(
            applied.outcome("rc-echo").unwrap().result,
            Effect::ReconfiguredInPlace
        ),
        "{applied}"
    );
    assert_eq!(
        ask(&manager).await.as_deref(),
        Some("after"),
        "published again"
    );
    manager.shutdown().await;
}

#[tokio::test]
async fn a_plugin_whose_awaited_callbacks_reach_the_limit_is_stopped_and_excluded_by_the_next_operation()
 {
    use plugin_factory::policy::OnCallbackFailure;
    let harness = Harness::entries([entry("lk-b"), entry("lk-d")]);
    let manager = harness
        .builder()
        .on_callback_failure(OnCallbackFailure::ExcludeAfter(std::num::NonZeroU32::MIN))
        .discover()
        .unwrap()
        .into_async(Tokio);
    let manager = started(manager).await;
    let calls = manager
        .extension::<dyn Lookup>()
        .collect_async(|point| async move { point.lookup("k").await })
        .await
        .unwrap();
    assert_eq!(calls.failures().len(), 1);
    // Recorded and settled by the next operation, whose hooks are awaited.
    assert_eq!(manager.state("lk-d"), Some(PluginState::Running));
    manager.stop_plugin("lk-b").await.unwrap();
    assert_eq!(manager.state("lk-d"), Some(PluginState::Excluded));
    assert_eq!(
        harness.calls(Hook::Stop),
        ["lk-b", "lk-d"],
        "stopped before it went"
    );
    manager.shutdown().await;
}
