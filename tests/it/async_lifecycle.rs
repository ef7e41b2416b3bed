//! The async manager: hooks awaited as the dependency graph allows (on both tokio flavours),
//! concurrency limits, timeouts in every hook, panics, retries, sync plugins (blocking ones too)
//! beside async ones, shutdown's grace and mercy periods, and the sync manager's refusal of
//! async plugins.
//!
//! Each test has a [`Scope`]: a `testing::Harness` that makes its plugins' hooks wait, hang,
//! fail or panic as the test says, and whose journal tells what ran when. The hooks run on
//! runtime and blocking-pool threads; the harness sees them all, and no test sees another's.

use crate::support;

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use plugin_factory::executor::Tokio;
use plugin_factory::observe::Event;
use plugin_factory::policy::{Backoff, OnFailure};
use plugin_factory::registry::PluginMetadata;
use plugin_factory::registry::{Dependency, PluginEntry};
use plugin_factory::report::{ExclusionReason, FailureCause, Hook};
use plugin_factory::testing::{Fault, Harness, Seen};
use plugin_factory::{
    AsyncManager, AsyncPlugin, Context, Error, Health, ManagerBuilder, Plugin, PluginError,
    PluginState,
};

/// What a hook does, as a test scripts it.
#[derive(Debug, Clone, Copy)]
enum Act {
    /// Waits this long (an async hook on the runtime's timer, a sync one blocking its
    /// thread), then succeeds.
    Wait(Duration),
    /// Returns an error.
    Fail,
    /// Returns an error this many times, then succeeds.
    FailTimes(u32),
    /// Panics.
    Panic,
    /// Never finishes.
    Hang,
}

/// One test's plugins: what their hooks do, injected through a harness, and the journal of what
/// ran, in this file's notation: `name:create`, `name:hook>` when a hook began, `name:hook<`
/// when its code returned, `name:drop` when an instance was dropped.
struct Scope {
    harness: Harness,
    /// The journal read so far (the harness forgets what it hands out).
    lines: Mutex<Vec<String>>,
}

impl Scope {
    fn new() -> Self {
        Self {
            harness: Harness::entries([]),
            lines: Mutex::new(Vec::new()),
        }
    }

    /// Makes `hook` of `plugin` (`"health"` for its health check) do `act` from now on.
    fn script(&self, plugin: &str, hook: &str, act: Act) {
        if hook == "health" {
            let fault = match act {
                Act::Wait(time) => {
                    self.harness.set_health(plugin, Health::degraded("slow"));
                    Fault::delay(time)
                }
                Act::Fail | Act::FailTimes(_) => Fault::error("scripted"),
                Act::Panic => Fault::panic("health exploded"),
                Act::Hang => Fault::hang(),
            };
            self.harness.inject_health(plugin, fault);
            return;
        }
        let hook = match hook {
            "validate" => Hook::Validate,
            "init" => Hook::Init,
            "start" => Hook::Start,
            "stop" => Hook::Stop,
            "shutdown" => Hook::Shutdown,
            other => panic!("no hook {other:?} to script"),
        };
        let fault = match act {
            Act::Wait(time) => Fault::delay(time),
            Act::Fail => Fault::error(format!("{hook} refused")),
            Act::FailTimes(times) => Fault::error(format!("{hook} refused")).times(times),
            Act::Panic => Fault::panic(format!("{hook} exploded")),
            Act::Hang => Fault::hang(),
        };
        self.harness.inject(plugin, hook, fault);
    }

    /// The journal so far.
    fn journal(&self) -> Vec<String> {
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        for (plugin, seen) in self.harness.journal() {
            lines.push(match seen {
                Seen::Called(Hook::Create) => format!("{plugin}:create"),
                Seen::Called(Hook::Callback) | Seen::Checked => continue,
                Seen::Called(hook) => format!("{plugin}:{hook}>"),
                Seen::Returned(hook) => format!("{plugin}:{hook}<"),
                Seen::Dropped => format!("{plugin}:drop"),
                _ => continue,
            });
        }
        lines.clone()
    }

    /// A builder for this test's plugins, its faults and journal attached.
    fn builder(&self) -> ManagerBuilder {
        self.harness.builder()
    }

    /// The async manager of `entries`, discovered.
    fn discovered(
        &self,
        entries: Vec<&'static PluginEntry>,
    ) -> AsyncManager<plugin_factory::phase::Assembled> {
        self.builder()
            .entries(entries)
            .discover()
            .unwrap()
            .into_async(Tokio)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An async plugin whose hooks do nothing of their own: the scope scripts them.
struct Task;

impl AsyncPlugin for Task {}

/// A sync plugin whose hooks do nothing of their own: the scope scripts them (a wait blocks its
/// thread).
struct Chore;

impl Plugin for Chore {}

fn dependencies(specs: &[&'static str]) -> &'static [Dependency] {
    let list: Vec<Dependency> = specs.iter().map(|name| Dependency::new(name, "")).collect();
    list.leak()
}

fn task(name: &'static str, deps: &[&'static str]) -> &'static PluginEntry {
    task_with(PluginMetadata::new(name, "1.0.0"), deps)
}

fn task_with(metadata: PluginMetadata, deps: &[&'static str]) -> &'static PluginEntry {
    let metadata = metadata.with_dependencies(dependencies(deps));
    support::keep(PluginEntry::new(metadata, |_| Box::new(Task)))
}

fn chore(name: &'static str, deps: &[&'static str]) -> &'static PluginEntry {
    let metadata = PluginMetadata::new(name, "1.0.0").with_dependencies(dependencies(deps));
    support::keep(PluginEntry::new(metadata, |_| Box::new(Chore)))
}

async fn started(
    manager: AsyncManager<plugin_factory::phase::Assembled>,
) -> AsyncManager<plugin_factory::phase::Active> {
    manager
        .validate()
        .await
        .unwrap()
        .init()
        .await
        .unwrap()
        .start()
        .await
        .unwrap()
}

/// How many of `lines` say `plugin:what`.
fn times(lines: &[String], plugin: &str, what: &str) -> usize {
    let line = format!("{plugin}:{what}");
    lines.iter().filter(|l| **l == line).count()
}

/// The position of `line` in `journal`.
fn at(journal: &[String], line: &str) -> usize {
    journal
        .iter()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("{line} is not in the journal: {journal:?}"))
}

fn flavours() -> [tokio::runtime::Runtime; 2] {
    [
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    ]
}

/// `name`, leaked: each repetition of a test uses names of its own.
fn named(name: String) -> &'static str {
    name.leak()
}

#[test]
fn a_dependent_never_runs_a_hook_before_its_dependencies_have_finished_it() {
    let scope = Scope::new();
    for (flavour, runtime) in flavours().into_iter().enumerate() {
        for round in 0..10 {
            let n = |base: &str| named(format!("ord{flavour}-{round}-{base}"));
            let (root, left, right, top, lone) =
                (n("root"), n("left"), n("right"), n("top"), n("lone"));
            for plugin in [root, left, right, top, lone] {
                for hook in ["validate", "init", "start", "stop", "shutdown"] {
                    scope.script(plugin, hook, Act::Wait(Duration::from_millis(round % 3)));
                }
            }
            let entries = vec![
                task(top, &[left, right]),
                task(left, &[root]),
                task(right, &[root]),
                task(root, &[]),
                task(lone, &[]),
            ];
            let report = runtime.block_on(async {
                started(scope.discovered(entries))
                    .await
                    .stop()
                    .await
                    .shutdown()
                    .await
            });
            assert_eq!(report.excluded().count(), 0);
            let journal = scope.journal();
            let edges = [(left, root), (right, root), (top, left), (top, right)];
            for (dependent, dependency) in edges {
                for hook in ["validate", "init", "start"] {
                    assert!(
                        at(&journal, &format!("{dependency}:{hook}<"))
                            < at(&journal, &format!("{dependent}:{hook}>")),
                        "{dependent} began {hook} before {dependency} ended it: {journal:?}"
                    );
                }
                for hook in ["stop", "shutdown"] {
                    assert!(
                        at(&journal, &format!("{dependent}:{hook}<"))
                            < at(&journal, &format!("{dependency}:{hook}>")),
                        "{dependency} began {hook} before {dependent} ended it: {journal:?}"
                    );
                }
            }
            for plugin in [root, left, right, top, lone] {
                let drops = times(&journal, plugin, "drop");
                assert_eq!(drops, 1, "{plugin} dropped once: {journal:?}");
            }
        }
    }
}

#[tokio::test]
async fn independent_hooks_overlap_and_a_limit_of_one_runs_them_one_at_a_time() {
    let scope = Scope::new();
    let (a, b, c) = ("ovl-a", "ovl-b", "ovl-c");
    for plugin in [a, b, c] {
        scope.script(plugin, "start", Act::Wait(Duration::from_millis(30)));
    }
    let running = started(scope.discovered(vec![task(a, &[]), task(b, &[]), task(c, &[])])).await;
    let lines = scope.journal();
    // All three began before any ended.
    let last_begin = [a, b, c]
        .map(|p| at(&lines, &format!("{p}:start>")))
        .into_iter()
        .max();
    let first_end = [a, b, c]
        .map(|p| at(&lines, &format!("{p}:start<")))
        .into_iter()
        .min();
    assert!(last_begin < first_end, "{lines:?}");
    running.shutdown().await;

    let (a, b, c) = ("one-a", "one-b", "one-c");
    for plugin in [a, b, c] {
        scope.script(plugin, "start", Act::Wait(Duration::from_millis(5)));
    }
    let manager = scope
        .discovered(vec![task(a, &[]), task(b, &[]), task(c, &[])])
        .concurrency(NonZeroUsize::new(1).unwrap());
    started(manager).await.shutdown().await;
    let starts: Vec<String> = scope
        .journal()
        .into_iter()
        .filter(|l| l.starts_with("one-") && l.contains(":start"))
        .collect();
    assert_eq!(
        starts,
        [
            "one-a:start>",
            "one-a:start<",
            "one-b:start>",
            "one-b:start<",
            "one-c:start>",
            "one-c:start<"
        ]
    );
}

#[tokio::test]
async fn a_hook_that_outlasts_its_timeout_is_cancelled_and_its_plugin_taken_out_with_its_dependents()
 {
    let scope = Scope::new();
    for hook in ["validate", "init", "start"] {
        let n = |base: &str| named(format!("to-{hook}-{base}"));
        let (slow, user, other) = (n("slow"), n("user"), n("other"));
        scope.script(slow, hook, Act::Hang);
        let manager = scope
            .discovered(vec![task(slow, &[]), task(user, &[slow]), task(other, &[])])
            .hook_timeout(Duration::from_millis(40));
        let running = started(manager).await;
        assert_eq!(running.live(), [other]);
        let report = running.shutdown().await;
        let reason = report.get(slow).unwrap().reason().unwrap().to_string();
        assert_eq!(reason, format!("did not finish {hook} within 40ms"));
        assert!(matches!(
            report.get(user).unwrap().reason(),
            Some(ExclusionReason::DependsOnExcluded { dependency }) if *dependency == slow
        ));
        let journal = scope.journal();
        // The cancelled hook never ended; what the plugin had initialized was shut down.
        assert!(!journal.contains(&format!("{slow}:{hook}<")));
        assert_eq!(
            journal.contains(&format!("{slow}:shutdown>")),
            hook == "start",
            "{journal:?}"
        );
        for plugin in [slow, user, other] {
            assert_eq!(times(&journal, plugin, "drop"), 1);
        }
    }
}

#[tokio::test]
async fn a_stop_or_shutdown_that_outlasts_its_timeout_is_recorded_and_the_plugin_still_dropped() {
    let scope = Scope::new();
    for hook in ["stop", "shutdown"] {
        let n = |base: &str| named(format!("td-{hook}-{base}"));
        let (slow, user) = (n("slow"), n("user"));
        scope.script(slow, hook, Act::Hang);
        let manager = scope
            .discovered(vec![task(slow, &[]), task(user, &[slow])])
            .hook_timeout(Duration::from_millis(40));
        let report = started(manager).await.shutdown().await;
        let reason = report.get(slow).unwrap().reason().unwrap().to_string();
        assert_eq!(reason, format!("did not finish {hook} within 40ms"));
        let journal = scope.journal();
        // The dependent ran the hook before the dependency began it.
        assert!(
            at(&journal, &format!("{user}:{hook}<")) < at(&journal, &format!("{slow}:{hook}>"))
        );
        assert_eq!(times(&journal, slow, "drop"), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_an_async_hook_is_contained_like_a_sync_one() {
    let scope = Scope::new();
    let (bad, fine) = ("pan-bad", "pan-fine");
    scope.script(bad, "start", Act::Panic);
    let running = started(scope.discovered(vec![task(bad, &[]), task(fine, &[])])).await;
    assert_eq!(running.live(), [fine]);
    assert_eq!(running.state(bad), Some(PluginState::Excluded));
    let report = running.shutdown().await;
    assert_eq!(
        report.get(bad).unwrap().reason().unwrap().to_string(),
        "start panicked: start exploded"
    );
    let journal = scope.journal();
    assert!(journal.contains(&"pan-bad:shutdown>".to_owned()));
    assert_eq!(journal.iter().filter(|l| l.ends_with(":drop")).count(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_blocking_sync_hook_does_not_stall_the_async_plugins_beside_it() {
    let scope = Scope::new();
    let (slow, quick) = ("blk-slow", "blk-quick");
    scope.script(slow, "start", Act::Wait(Duration::from_millis(200)));
    scope.script(quick, "start", Act::Wait(Duration::from_millis(10)));
    let running = started(scope.discovered(vec![chore(slow, &[]), task(quick, &[])])).await;
    assert_eq!(running.live().len(), 2);
    let journal = scope.journal();
    // On one runtime thread, the async plugin finished while the sync one still blocked.
    assert!(
        at(&journal, "blk-quick:start<") < at(&journal, "blk-slow:start<"),
        "{journal:?}"
    );
    let report = running.shutdown().await;
    assert!(
        report
            .plugins()
            .iter()
            .all(|p| p.state() == PluginState::Shutdown)
    );
}

#[tokio::test]
async fn a_retried_start_waits_on_the_timer_and_succeeds() {
    let scope = Scope::new();
    let flaky = "rt-flaky";
    scope.script(flaky, "start", Act::FailTimes(2));
    let metadata = PluginMetadata::new(flaky, "1.0.0").with_on_failure(OnFailure::Retry(
        Backoff::new(3, Duration::from_millis(5), Duration::from_millis(20)),
    ));
    let manager = scope.discovered(vec![task_with(metadata, &[])]);
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    manager.observe(move |event| {
        if let Event::Retrying { attempt, .. } = event {
            lock(&seen).push(*attempt);
        }
    });
    let running = started(manager).await;
    assert_eq!(running.state(flaky), Some(PluginState::Running));
    assert_eq!(*lock(&events), [2, 3]);
    running.shutdown().await;
}

#[tokio::test]
async fn a_required_plugin_that_fails_fails_the_transition_after_a_full_shutdown() {
    let scope = Scope::new();
    let (core, other) = ("req-core", "req-other");
    scope.script(core, "init", Act::Fail);
    let metadata = PluginMetadata::new(core, "1.0.0").with_on_failure(OnFailure::Fail);
    let manager = scope.discovered(vec![task_with(metadata, &[]), task(other, &[])]);
    let error = manager.validate().await.unwrap().init().await.unwrap_err();
    let Error::RequiredPluginExcluded { plugin, report, .. } = error else {
        panic!("{error}");
    };
    assert_eq!(plugin, core);
    assert!(report.plugins().iter().all(|p| !p.state().is_live()));
    assert_eq!(
        scope
            .journal()
            .iter()
            .filter(|l| l.ends_with(":drop"))
            .count(),
        2
    );
}

#[tokio::test]
async fn shutdown_within_abandons_what_outlasts_grace_and_mercy_and_names_it() {
    let scope = Scope::new();
    let (stuck, user, fine) = ("gm-stuck", "gm-user", "gm-fine");
    scope.script(stuck, "stop", Act::Hang);
    let running = started(scope.discovered(vec![
        task(stuck, &[]),
        task(user, &[stuck]),
        task(fine, &[]),
    ]))
    .await;
    let report = running
        .shutdown_within(Duration::from_millis(40), Duration::from_millis(40))
        .await;
    let reason = report.get(stuck).unwrap().reason().unwrap();
    let ExclusionReason::Hook(failure) = reason else {
        panic!("{reason}");
    };
    assert_eq!(failure.hook, Hook::Stop);
    assert!(
        matches!(failure.cause, FailureCause::Abandoned(after) if after >= Duration::from_millis(80))
    );
    assert!(
        reason
            .to_string()
            .starts_with("stop was abandoned: still running")
    );
    // Each plugin is judged by its own teardown: the others stopped and shut down in time,
    // whether they depend on the stuck one (torn down before it) or not.
    for plugin in [user, fine] {
        let shown = report.get(plugin).unwrap();
        assert_eq!(shown.state(), PluginState::Shutdown, "{plugin}: {report}");
        assert!(shown.reason().is_none(), "{plugin}: {report}");
    }
    let lines = scope.journal();
    for plugin in [user, fine] {
        assert_eq!(times(&lines, plugin, "shutdown<"), 1, "{plugin}: {lines:?}");
    }
    let journal = scope.journal();
    assert_eq!(
        journal.iter().filter(|l| l.ends_with(":drop")).count(),
        3,
        "{journal:?}"
    );
}

#[test]
fn the_sync_manager_excludes_an_async_plugin_and_says_what_to_use() {
    let entries = vec![task("sync-mgr-task", &[]), chore("sync-mgr-chore", &[])];
    let running = support::start_all(entries);
    assert_eq!(running.live(), ["sync-mgr-chore"]);
    let reason = running
        .info("sync-mgr-task")
        .unwrap()
        .reason()
        .unwrap()
        .to_string();
    assert!(reason.contains("is an async plugin"), "{reason}");
    assert!(reason.contains("AsyncManager"), "{reason}");
}

#[test]
fn the_async_manager_and_its_transitions_are_send() {
    let scope = Scope::new();
    fn send<T: Send>(_: &T) {}
    let manager = scope.discovered(vec![task("send-a", &[])]);
    send(&manager);
    let future = manager.validate();
    send(&future);
    drop(future);
}

/// The async example under a real SIGINT: started, left to probe its listener, interrupted,
/// shut down within its grace period. Needs `target/debug/examples/async_host`, which
/// `cargo test --workspace` builds (with `--test it` alone, build it first:
/// `cargo build --example async_host`).
#[cfg(unix)]
#[test]
fn the_async_example_shuts_down_on_ctrl_c_within_its_grace_period() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Instant;

    let exe = std::env::current_exe().unwrap();
    let binary = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples")
        .join("async_host");
    assert!(
        binary.exists(),
        "{} is not built: run `cargo build --example async_host`",
        binary.display()
    );
    let mut child = Command::new(&binary)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let (send, lines) = mpsc::channel();
    for pipe in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let send = send.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
    }
    let mut seen = Vec::new();
    // Waits for a line with `needle`, on either pipe: their lines interleave in no fixed order.
    let mut wait_for = |needle: &str| {
        if seen.iter().any(|line: &String| line.contains(needle)) {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
        panic!("no line with {needle:?} within 30 s; seen: {seen:#?}");
    };
    wait_for("press Ctrl-C");
    // The prober depends on the listener and the ticker, and has reached the listener.
    wait_for("from listener");
    let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    drop(send);
    // The rest of both pipes, whose lines interleave in no fixed order.
    let rest: Vec<String> = seen.into_iter().chain(lines.iter()).collect();
    for needle in [
        "shutting down (grace 5 s, mercy 2 s)",
        "no longer listening",
    ] {
        assert!(
            rest.iter().any(|line| line.contains(needle)),
            "no line with {needle:?}: {rest:#?}"
        );
    }
    // The report's rows.
    for plugin in ["listener", "ticker", "prober"] {
        assert!(
            rest.iter()
                .any(|line| line.starts_with(&format!("{plugin} ")) && line.contains("shut down")),
            "{plugin} is not shut down in the report: {rest:#?}"
        );
    }
}

#[tokio::test]
async fn a_kinds_timeout_overrides_the_managers_and_an_instances_overrides_both() {
    let scope = Scope::new();
    let (own, configured, plain) = ("own-timeout", "cfg-timeout", "mgr-timeout");
    for plugin in [own, configured, plain] {
        scope.script(plugin, "start", Act::Hang);
    }
    let short = |name| PluginMetadata::new(name, "1.0.0").with_timeout(Duration::from_millis(30));
    let config = plugin_factory::config::Loader::new()
        .text(
            "timeouts.toml",
            plugin_factory::config::Format::Toml,
            "[plugins.cfg-timeout]\ntimeout_ms = 60\n",
        )
        .load()
        .unwrap();
    let manager = scope
        .builder()
        .entries([
            task_with(short(own), &[]),
            task_with(short(configured), &[]),
            task(plain, &[]),
        ])
        .config(config)
        .discover()
        .unwrap()
        .into_async(Tokio)
        .hook_timeout(Duration::from_millis(90));
    let report = started(manager).await.shutdown().await;
    for (plugin, within) in [(own, "30ms"), (configured, "60ms"), (plain, "90ms")] {
        let reason = report.get(plugin).unwrap().reason().unwrap().to_string();
        assert_eq!(reason, format!("did not finish start within {within}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_checks_run_at_once_and_a_hanging_or_panicking_check_is_unhealthy() {
    let scope = Scope::new();
    let (fine, slow, sick, stuck, boom, chore_) = (
        "hc-fine", "hc-slow", "hc-sick", "hc-stuck", "hc-boom", "hc-chore",
    );
    scope.script(slow, "health", Act::Wait(Duration::from_millis(20)));
    scope.script(sick, "health", Act::Fail);
    scope.script(stuck, "health", Act::Hang);
    scope.script(boom, "health", Act::Panic);
    let manager = scope
        .discovered(vec![
            task(fine, &[]),
            task(slow, &[]),
            task(sick, &[]),
            task(stuck, &[]),
            task(boom, &[]),
            chore(chore_, &[]),
        ])
        .hook_timeout(Duration::from_millis(100));
    let running = started(manager).await;
    let report = running.check_health().await;
    let seen: Vec<(String, String)> = report
        .plugins()
        .iter()
        .map(|(name, health)| (name.to_string(), health.to_string()))
        .collect();
    let expected = [
        (
            boom,
            "unhealthy: the health check panicked: health exploded",
        ),
        (chore_, "healthy"),
        (fine, "healthy"),
        (sick, "unhealthy: scripted"),
        (slow, "degraded: slow"),
        (
            stuck,
            "unhealthy: the health check did not finish within 100ms",
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(name, health)| (name.to_string(), health.to_string()))
        .collect();
    assert_eq!(seen, expected);
    // Every instance is back: the plugins stop and shut down as usual.
    let report = running.shutdown().await;
    assert!(
        report
            .plugins()
            .iter()
            .all(|p| p.state() == PluginState::Shutdown)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_operations_await_each_hook_in_the_order_of_the_sync_manager() {
    let scope = Scope::new();
    let (db, app, cache) = ("ops-db", "ops-app", "ops-cache");
    for plugin in [db, app, cache] {
        for hook in ["start", "stop"] {
            scope.script(plugin, hook, Act::Wait(Duration::from_millis(2)));
        }
    }
    let running =
        started(scope.discovered(vec![task(db, &[]), task(app, &[db]), task(cache, &[])])).await;
    assert_eq!(running.stop_plugin(db).await.unwrap(), [app, db]);
    assert_eq!(running.state(app), Some(PluginState::Stopped));
    assert_eq!(running.start_plugin(app).await.unwrap(), [db, app]);
    assert_eq!(running.restart_plugin(db).await.unwrap(), [db, app]);
    assert_eq!(running.remove_plugin(db).await.unwrap(), [app, db]);
    assert_eq!(running.live(), [cache]);
    assert_eq!(running.add_plugin(db).await.unwrap(), [db]);
    assert_eq!(running.add_plugin(app).await.unwrap(), [app]);
    // Added plugins go to the end of the start order, as under the sync manager.
    assert_eq!(running.live(), [cache, db, app]);
    let error = running.stop_plugin("ops-nobody").await.unwrap_err();
    assert!(matches!(error, Error::UnknownPlugin { .. }), "{error}");
    let lines = scope.journal();
    // Each dependent's stop ended before its dependency's began, and each dependency's start
    // ended before its dependent's began, in every operation.
    let ordered = |first: &str, then: &str| {
        let ends: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| *l == first)
            .map(|(k, _)| k)
            .collect();
        let begins: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| *l == then)
            .map(|(k, _)| k)
            .collect();
        ends.len() == begins.len() && ends.iter().zip(&begins).all(|(e, b)| e < b)
    };
    assert!(ordered("ops-app:stop<", "ops-db:stop>"), "{lines:?}");
    assert!(ordered("ops-db:start<", "ops-app:start>"), "{lines:?}");
    let report = running.shutdown().await;
    assert!(
        report
            .plugins()
            .iter()
            .all(|p| p.state() == PluginState::Shutdown)
    );
}

#[tokio::test]
async fn a_start_that_fails_in_an_operation_rolls_back_what_it_started() {
    let scope = Scope::new();
    let (db, app) = ("rb-db", "rb-app");
    let running = started(scope.discovered(vec![task(db, &[]), task(app, &[db])])).await;
    running.stop_plugin(db).await.unwrap();
    scope.script(app, "start", Act::Fail);
    let error = running.start_plugin(app).await.unwrap_err();
    let Error::HookFailed {
        plugin,
        rolled_back,
        ..
    } = error
    else {
        panic!("{error}");
    };
    assert_eq!((plugin, rolled_back), (app.into(), vec![db.into()]));
    assert_eq!(running.state(db), Some(PluginState::Stopped));
    assert_eq!(running.state(app), Some(PluginState::Excluded));
    running.shutdown().await;
}

/// Four tasks share one running manager and each makes 40 operations chosen by a fixed
/// sequence; afterwards every running plugin's dependencies run, and every instance created
/// was dropped once.
#[test]
fn runtime_operations_from_several_tasks_keep_the_dependencies_and_drop_every_instance_once() {
    let scope = Scope::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let names = ["st-a", "st-b", "st-c", "st-d"];
    for plugin in names {
        for hook in ["init", "start", "stop", "shutdown"] {
            scope.script(plugin, hook, Act::Wait(Duration::from_micros(200)));
        }
    }
    let entries = vec![
        task("st-a", &[]),
        task("st-b", &["st-a"]),
        task("st-c", &["st-b"]),
        task("st-d", &[]),
    ];
    runtime.block_on(async {
        let running = Arc::new(started(scope.discovered(entries)).await);
        let mut tasks = Vec::new();
        for worker in 0..4u64 {
            let manager = Arc::clone(&running);
            tasks.push(tokio::spawn(async move {
                let mut seed = 0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(worker + 1);
                for _ in 0..40 {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let name = names[(seed % 4) as usize];
                    // Refusals (not running, already live, ...) are part of the load.
                    let _ = match (seed >> 8) % 5 {
                        0 => manager.stop_plugin(name).await,
                        1 => manager.start_plugin(name).await,
                        2 => manager.restart_plugin(name).await,
                        3 => manager.remove_plugin(name).await,
                        _ => manager.add_plugin(name).await,
                    };
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let running = Arc::into_inner(running).expect("every task is done");
        for info in running.plugins() {
            if info.state() == PluginState::Running {
                for dependency in info.dependencies() {
                    assert_eq!(
                        running.state(dependency.name()),
                        Some(PluginState::Running),
                        "{} runs without {}",
                        info.name(),
                        dependency.name()
                    );
                }
            }
        }
        running.shutdown().await;
    });
    let lines = scope.journal();
    for plugin in names {
        let count = |what: &str| times(&lines, plugin, what);
        assert!(count("create") >= 1, "{plugin}");
        assert_eq!(
            count("create"),
            count("drop"),
            "{plugin}: every instance dropped once"
        );
    }
}

/// The configuration `text` (TOML), as a reload reads it.
fn reload_config(text: &str) -> plugin_factory::config::Config {
    plugin_factory::config::Loader::new()
        .text(
            "reload.toml",
            plugin_factory::config::Format::Toml,
            text.to_owned(),
        )
        .load()
        .unwrap()
}

#[tokio::test]
async fn apply_awaits_the_hooks_of_what_changes_and_touches_nothing_else() {
    let scope = Scope::new();
    let (db, app, extra, flaky) = ("ap-db", "ap-app", "ap-extra", "ap-flaky");
    scope.script(flaky, "start", Act::Fail);
    let base = "[plugins.ap-db]\n[plugins.ap-app]\n[plugins.ap-extra]\nenabled = false\n\
                [plugins.ap-flaky]\nenabled = false\n";
    let manager = scope
        .builder()
        .entries([
            task(db, &[]),
            task(app, &[db]),
            task(extra, &[db]),
            task(flaky, &[]),
        ])
        .config(reload_config(base))
        .discover()
        .unwrap()
        .into_async(Tokio);
    let mut running = started(manager).await;
    assert_eq!(running.live(), [db, app]);
    let before = scope.journal().len();
    let change = "[plugins.ap-db]\n[plugins.ap-app]\nenabled = false\n[plugins.ap-extra]\n\
                  [plugins.ap-flaky]\n";
    let plan = running.plan(&reload_config(change)).unwrap();
    assert_eq!(plan.changes().len(), 3, "{plan}");
    let applied = running.apply(reload_config(change)).await.unwrap();
    assert!(!applied.is_clean(), "the flaky plugin failed: {applied}");
    assert_eq!(running.live(), [db, extra]);
    assert_eq!(running.state(flaky), Some(PluginState::Excluded));
    let lines: Vec<String> = scope.journal()[before..].to_vec();
    // The database saw nothing; the app went down, the extra came up.
    assert!(!lines.iter().any(|l| l.starts_with("ap-db:")), "{lines:?}");
    for line in [
        "ap-app:stop<",
        "ap-app:shutdown<",
        "ap-app:drop",
        "ap-extra:start<",
    ] {
        assert!(lines.contains(&line.to_owned()), "{line}: {lines:?}");
    }
    running.shutdown().await;
}

/// Regression: an apply that changed the layout used to replace the async manager's engine
/// with one that forgot its hooks are awaited, so a later drop without `shutdown()` ran the
/// sync `stop` and `shutdown` of every plugin. A drop runs no hook before or after an apply.
#[tokio::test]
async fn a_drop_after_an_apply_that_changes_the_layout_still_runs_no_hook() {
    let scope = Scope::new();
    let (db, worker) = ("dl-db", "dl-worker");
    let manager = scope
        .builder()
        .entries([task(db, &[]), chore(worker, &[db]), task("dl-extra", &[db])])
        .config(reload_config("[plugins.dl-db]\n[plugins.dl-worker]\n"))
        .discover()
        .unwrap()
        .into_async(Tokio);
    let mut running = started(manager).await;
    let change = "[plugins.dl-db]\n[plugins.dl-worker]\n[plugins.dl-copy]\nkind = \"dl-extra\"\n";
    running.apply(reload_config(change)).await.unwrap();
    // `dl-extra` ran as its kind's default instance; a named instance of the kind replaced it.
    assert_eq!(running.live(), [db, "dl-copy", worker]);
    let before = scope.journal().len();
    drop(running);
    let mut after: Vec<String> = scope.journal()[before..].to_vec();
    after.sort();
    assert_eq!(after, ["dl-copy:drop", "dl-db:drop", "dl-worker:drop"]);
}

/// What the host asks the speakers in the extension point test.
trait Speak: Send + Sync {
    fn speak(&self) -> Result<String, PluginError>;
}

/// An async plugin that implements `Speak`, its answer set by its `start`.
#[plugin_factory::plugin(name = "ext-speaker", implements = [Speak])]
#[derive(Default)]
struct Speaker {
    words: Option<String>,
}

impl AsyncPlugin for Speaker {
    async fn start(&mut self, ctx: &Context<'_>) -> Result<(), PluginError> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.words = Some(format!("{} is up", ctx.name()));
        Ok(())
    }
}

impl Speak for Speaker {
    fn speak(&self) -> Result<String, PluginError> {
        self.words.clone().ok_or_else(|| "not started".into())
    }
}

#[tokio::test]
async fn the_host_calls_the_extension_points_of_running_async_plugins() {
    let scope = Scope::new();
    let speaker = plugin_factory::registry::entries()
        .find(|entry| entry.name() == "ext-speaker")
        .expect("the speaker is registered");
    let running = started(scope.discovered(vec![speaker])).await;
    let said = running
        .extension::<dyn Speak>()
        .collect(|point| point.speak())
        .unwrap();
    assert_eq!(said.value().len(), 1);
    assert_eq!(said.value()[0].1, "ext-speaker is up");
    running.stop_plugin("ext-speaker").await.unwrap();
    // A stopped plugin is out of its points.
    let said = running
        .extension::<dyn Speak>()
        .collect(|point| point.speak())
        .unwrap();
    assert_eq!(said.reached(), 0);
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unhealthy_plugin_is_restarted_within_its_intensity_then_excluded() {
    let scope = Scope::new();
    use plugin_factory::policy::{Intensity, OnUnhealthy};
    use plugin_factory::runtime::Supervision;
    let (sick, user) = ("sup-sick", "sup-user");
    scope.script(sick, "health", Act::Fail);
    let manager = scope
        .builder()
        .entries([task(sick, &[]), task(user, &[sick])])
        .on_unhealthy(OnUnhealthy::Restart(Intensity::new(
            1,
            Duration::from_secs(60),
        )))
        .discover()
        .unwrap()
        .into_async(Tokio);
    let running = started(manager).await;
    let first = running.check_health().await;
    assert!(
        matches!(first.supervised(), [(name, Supervision::Restarted { restart: 1 })] if *name == sick),
        "{:?}",
        first.supervised()
    );
    assert_eq!(running.live(), [sick, user]);
    let second = running.check_health().await;
    assert!(
        matches!(second.supervised(), [(name, Supervision::GaveUp)] if *name == sick),
        "{:?}",
        second.supervised()
    );
    assert!(matches!(
        running.info(sick).unwrap().reason(),
        Some(ExclusionReason::RestartLimit { .. })
    ));
    assert_eq!(running.state(user), Some(PluginState::Excluded));
    let lines = scope.journal();
    // The sick plugin was re-created once, its dependent only stopped and started again;
    // every instance is dropped once.
    for (plugin, instances) in [(sick, 2), (user, 1)] {
        let count = |what: &str| times(&lines, plugin, what);
        assert_eq!(count("create"), instances, "{plugin}: {lines:?}");
        assert_eq!(count("drop"), instances, "{plugin}: {lines:?}");
    }
    running.shutdown().await;
}

#[tokio::test]
async fn when_grace_is_over_a_dependency_stops_without_waiting_for_its_stuck_dependent() {
    let scope = Scope::new();
    let (base, dependency, stuck) = ("hy-base", "hy-dependency", "hy-stuck");
    scope.script(stuck, "stop", Act::Hang);
    let running = started(scope.discovered(vec![
        task(base, &[]),
        task(dependency, &[base]),
        task(stuck, &[dependency]),
    ]))
    .await;
    let report = running
        .shutdown_within(Duration::from_millis(30), Duration::from_millis(300))
        .await;
    let lines = scope.journal();
    // In grace, the dependency waits for its dependent; in mercy it stops all the same.
    assert!(
        at(&lines, "hy-stuck:stop>") < at(&lines, "hy-dependency:stop>"),
        "{lines:?}"
    );
    assert_eq!(times(&lines, dependency, "stop<"), 1, "{lines:?}");
    // Hurried, the base did not wait for the dependency either; its release found nothing
    // left to wait for.
    assert_eq!(times(&lines, base, "stop<"), 1, "{lines:?}");
    let reason = |plugin| report.get(plugin).unwrap().reason().unwrap().to_string();
    assert!(
        reason(stuck).starts_with("stop was abandoned"),
        "{}",
        reason(stuck)
    );
    // Hurried, the dependency and the base were torn down whole before mercy ended: only the
    // stuck plugin is abandoned.
    for plugin in [dependency, base] {
        let shown = report.get(plugin).unwrap();
        assert_eq!(shown.state(), PluginState::Shutdown, "{plugin}: {report}");
        assert!(shown.reason().is_none(), "{plugin}: {report}");
        assert_eq!(times(&lines, plugin, "shutdown<"), 1, "{plugin}: {lines:?}");
    }
    assert_eq!(times(&lines, dependency, "drop"), 1);
    assert_eq!(times(&lines, stuck, "drop"), 1);
    // Torn down in mercy, not after it: before the stuck plugin was abandoned (dropped).
    for plugin in [dependency, base] {
        assert!(
            at(&lines, &format!("{plugin}:shutdown<")) < at(&lines, "hy-stuck:drop"),
            "{plugin}: {lines:?}"
        );
    }
}

/// Deadlines judge each plugin by its own teardown (`stop`, then `shutdown`): when mercy ends,
/// only the plugins whose hook still runs are abandoned, each named with that hook; every
/// other plugin, above, below or beside them, sync or async, is stopped and shut down once.
#[tokio::test]
async fn mercy_abandons_only_the_plugins_whose_hook_still_runs() {
    let scope = Scope::new();
    let (base, hung, user, free, chore_name, stubborn) = (
        "pp-base",
        "pp-hung",
        "pp-user",
        "pp-free",
        "pp-chore",
        "pp-stubborn",
    );
    scope.script(hung, "stop", Act::Hang);
    scope.script(stubborn, "shutdown", Act::Hang);
    let running = started(scope.discovered(vec![
        task(base, &[]),
        task(hung, &[base]),
        task(user, &[hung]),
        task(free, &[]),
        chore(chore_name, &[]),
        task(stubborn, &[]),
    ]))
    .await;
    let report = running
        .shutdown_within(Duration::from_millis(50), Duration::from_millis(150))
        .await;
    let lines = scope.journal();
    let abandoned = |plugin: &str| {
        let reason = report.get(plugin).unwrap().reason().unwrap().to_string();
        reason.split(':').next().unwrap().to_owned()
    };
    assert_eq!(abandoned(hung), "stop was abandoned");
    assert_eq!(abandoned(stubborn), "shutdown was abandoned");
    for plugin in [base, user, free, chore_name] {
        let shown = report.get(plugin).unwrap();
        assert_eq!(shown.state(), PluginState::Shutdown, "{plugin}: {report}");
        assert!(shown.reason().is_none(), "{plugin}: {report}");
        for hook in ["stop<", "shutdown<", "drop"] {
            assert_eq!(times(&lines, plugin, hook), 1, "{plugin} {hook}: {lines:?}");
        }
    }
    // The base waited for the hung plugin through grace, then went down without it.
    assert!(
        at(&lines, "pp-hung:stop>") < at(&lines, "pp-base:stop>"),
        "{lines:?}"
    );
    assert_eq!(times(&lines, stubborn, "stop<"), 1, "{lines:?}");
    for plugin in [hung, stubborn] {
        assert_eq!(times(&lines, plugin, "drop"), 1, "{plugin}: {lines:?}");
    }
}

#[tokio::test]
async fn a_failing_required_plugin_halts_the_walk_and_another_failure_does_not() {
    let scope = Scope::new();
    // One hook at a time, in start order: what comes after the failure is launched or not.
    let one = NonZeroUsize::new(1).unwrap();
    let (core, late) = ("hr-core", "hr-late");
    scope.script(core, "start", Act::Fail);
    let required = PluginMetadata::new(core, "1.0.0").with_on_failure(OnFailure::Fail);
    let manager = scope
        .discovered(vec![task_with(required, &[]), task(late, &[])])
        .concurrency(one);
    let error = manager
        .validate()
        .await
        .unwrap()
        .init()
        .await
        .unwrap()
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::RequiredPluginExcluded { .. }),
        "{error}"
    );
    let lines = scope.journal();
    assert_eq!(times(&lines, late, "start>"), 0, "{lines:?}");
    // What failed to start is shut down, not stopped.
    assert_eq!(times(&lines, core, "stop>"), 0, "{lines:?}");
    assert_eq!(times(&lines, core, "shutdown<"), 1, "{lines:?}");
    assert_eq!(times(&lines, late, "drop"), 1, "{lines:?}");

    // The flaky plugin comes first in start order: the later one must still start.
    let (flaky, after) = ("nr-a-flaky", "nr-b-after");
    scope.script(flaky, "start", Act::Fail);
    let manager = scope
        .discovered(vec![task(flaky, &[]), task(after, &[])])
        .concurrency(one);
    let running = started(manager).await;
    assert_eq!(running.live(), [after]);
    // The stop transition stops what runs, and nothing more.
    let halted = running.stop().await;
    assert_eq!(halted.state(after), Some(PluginState::Stopped));
    let lines = scope.journal();
    assert_eq!(times(&lines, after, "stop<"), 1, "{lines:?}");
    assert_eq!(times(&lines, flaky, "stop>"), 0, "{lines:?}");
    halted.shutdown().await;
}

#[tokio::test]
async fn a_required_plugin_whose_stop_fails_does_not_hold_up_the_other_stops() {
    let scope = Scope::new();
    let one = NonZeroUsize::new(1).unwrap();
    let (first, core) = ("rs-early", "rs-late-core");
    scope.script(core, "stop", Act::Fail);
    let required = PluginMetadata::new(core, "1.0.0").with_on_failure(OnFailure::Fail);
    let manager = scope
        .discovered(vec![task(first, &[]), task_with(required, &[])])
        .concurrency(one);
    let report = started(manager).await.shutdown().await;
    let lines = scope.journal();
    // On the way down, the required plugin (later in start order) stops first and fails.
    assert!(
        at(&lines, "rs-late-core:stop>") < at(&lines, "rs-early:stop>"),
        "{lines:?}"
    );
    assert_eq!(times(&lines, first, "stop<"), 1, "{lines:?}");
    assert_eq!(times(&lines, first, "shutdown<"), 1, "{lines:?}");
    assert_eq!(report.get(first).unwrap().state(), PluginState::Shutdown);
}

#[tokio::test]
async fn within_grace_a_dependency_still_waits_for_its_dependent_to_stop() {
    let scope = Scope::new();
    let (dependency, slow) = ("og-dependency", "og-slow");
    scope.script(slow, "stop", Act::Wait(Duration::from_millis(40)));
    let running =
        started(scope.discovered(vec![task(dependency, &[]), task(slow, &[dependency])])).await;
    let report = running
        .shutdown_within(Duration::from_secs(30), Duration::from_secs(30))
        .await;
    let lines = scope.journal();
    assert!(
        at(&lines, "og-slow:stop<") < at(&lines, "og-dependency:stop>"),
        "{lines:?}"
    );
    assert_eq!(report.excluded().count(), 0);
}

#[tokio::test]
async fn what_outlasts_grace_and_mercy_is_abandoned_when_mercy_ends_not_later() {
    let scope = Scope::new();
    let stuck = "dl-stuck";
    scope.script(stuck, "stop", Act::Hang);
    let running = started(scope.discovered(vec![task(stuck, &[])])).await;
    let (grace, mercy) = (Duration::from_millis(600), Duration::from_millis(100));
    let report = running.shutdown_within(grace, mercy).await;
    let Some(ExclusionReason::Hook(failure)) = report.get(stuck).unwrap().reason() else {
        panic!("{report}");
    };
    let FailureCause::Abandoned(after) = failure.cause else {
        panic!("{failure:?}");
    };
    // Mercy's clock starts when grace ends: abandoned at about 0.7 s, with room for a busy
    // machine, and well before a second grace period could have passed.
    assert!(after >= grace + mercy, "{after:?}");
    assert!(after < 2 * grace, "{after:?}");
}

#[tokio::test]
async fn a_dependent_taken_down_before_init_moves_through_the_same_states_in_both_managers() {
    let scope = Scope::new();
    let (dependency, user) = ("ev-dependency", "ev-user");
    scope.script(dependency, "init", Act::Fail);
    let moves = |events: &Mutex<Vec<Event>>| -> Vec<(PluginState, PluginState)> {
        lock(events)
            .iter()
            .filter_map(|event| match event {
                Event::StateChanged { plugin, from, to } if *plugin == user => Some((*from, *to)),
                _ => None,
            })
            .collect()
    };
    let entries = || [chore(dependency, &[]), chore(user, &[dependency])];
    let sync_events = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&sync_events);
    let report = scope
        .builder()
        .entries(entries())
        .observe(move |event| lock(&recorder).push(event.clone()))
        .discover()
        .unwrap()
        .validate()
        .unwrap()
        .init()
        .unwrap()
        .shutdown();
    assert_eq!(report.get(user).unwrap().state(), PluginState::Excluded);

    let async_events = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&async_events);
    let manager = scope
        .builder()
        .entries(entries())
        .observe(move |event| lock(&recorder).push(event.clone()))
        .discover()
        .unwrap()
        .into_async(Tokio);
    let report = manager
        .validate()
        .await
        .unwrap()
        .init()
        .await
        .unwrap()
        .shutdown()
        .await;
    assert_eq!(report.get(user).unwrap().state(), PluginState::Excluded);
    let expected = moves(&sync_events);
    assert!(
        expected.contains(&(PluginState::Validated, PluginState::Shutdown)),
        "{expected:?}"
    );
    assert_eq!(moves(&async_events), expected);
}

#[tokio::test]
async fn the_async_manager_times_hooks_when_asked() {
    let scope = Scope::new();
    let (timed, chore_name) = ("tm-task", "tm-chore");
    let manager = scope
        .builder()
        .entries([task(timed, &[]), chore(chore_name, &[])])
        .time_hooks(true)
        .discover()
        .unwrap()
        .into_async(Tokio);
    let report = started(manager).await.shutdown().await;
    for plugin in [timed, chore_name] {
        let timings = report.get(plugin).unwrap().timings();
        for hook in [
            Hook::Validate,
            Hook::Init,
            Hook::Start,
            Hook::Stop,
            Hook::Shutdown,
        ] {
            assert!(timings.get(hook).is_some(), "{plugin} {hook}");
        }
    }
}
