//! The testing harness (`plugin_factory::testing`), used as a plugin crate's tests would use it
//! on the example plugins: chosen kinds, a factory double, injected errors and panics in named
//! hooks, the event sequence and the report compared line by line.

use std::sync::atomic::{AtomicUsize, Ordering};

use plugin_factory::config::{Format, Loader};
use plugin_factory::policy::OnFailure;
use plugin_factory::report::Hook;
use plugin_factory::testing::{Fault, Harness, assert_lines};
use plugin_factory::{Context, Plugin, PluginError, PluginState};

#[test]
fn a_clean_run_is_recorded_event_by_event() {
    let harness = Harness::kinds(&["kv-store"]);
    let manager = harness.start().unwrap();
    assert_lines(
        &harness.event_lines(),
        "kv-store: registered -> created
         kv-store: created -> validated
         kv-store: validated -> initialized
         kv-store: initialized -> running",
    );
    let report = manager.stop().shutdown();
    assert_lines(&harness.report_lines(&report), "kv-store: shut down");
    assert_lines(
        &harness.event_lines(),
        "kv-store: running -> stopped
         kv-store: stopped -> shut down",
    );
}

#[test]
fn an_injected_error_takes_the_path_of_a_real_one() {
    let harness = Harness::kinds(&["kv-store", "audit-log", "clock"]);
    harness.inject("kv-store", Hook::Init, Fault::error("disk full"));
    let manager = harness.start().unwrap();
    assert_eq!(manager.live(), ["clock"]);
    assert_lines(
        &harness.report_lines(&manager.report()),
        "clock: running
         audit-log: excluded: depends on excluded \"kv-store\"
         kv-store: excluded: init failed: disk full",
    );
    let events = harness.event_lines();
    assert!(
        events.contains("kv-store: init failed: disk full"),
        "{events}"
    );
    assert!(
        events.contains("kv-store: excluded: init failed: disk full"),
        "{events}"
    );
}

#[test]
fn an_injected_panic_is_caught_and_reported() {
    let harness = Harness::kinds(&["greeter"]);
    harness.inject("greeter", Hook::Stop, Fault::panic("stuck"));
    let manager = harness.start().unwrap();
    let report = manager.stop().shutdown();
    assert_lines(
        &harness.report_lines(&report),
        "greeter: excluded: stop panicked: stuck",
    );
}

#[test]
fn a_fault_that_passes_meets_the_failure_policy() {
    // The factory double keeps the kind's name and metadata; the configuration asks for
    // retries, and two injected failures are retried away.
    let config = Loader::new()
        .text(
            "test.toml",
            Format::Toml,
            "[plugins.kv-store]\non_failure = { retry = { attempts = 3, delay_ms = 1 } }\n",
        )
        .load()
        .unwrap();
    let harness = Harness::kinds(&["kv-store"]).config(config);
    harness.inject("kv-store", Hook::Start, Fault::error("not yet").times(2));
    let manager = harness.start().unwrap();
    assert_eq!(manager.state("kv-store"), Some(PluginState::Running));
    assert_lines(
        &harness.event_lines(),
        "kv-store: registered -> created
         kv-store: created -> validated
         kv-store: validated -> initialized
         kv-store: start failed: not yet
         kv-store: retrying start (attempt 2) in 1ms
         kv-store: start failed: not yet
         kv-store: retrying start (attempt 3) in 2ms
         kv-store: initialized -> running",
    );
    assert!(matches!(
        manager.info("kv-store").unwrap().on_failure(),
        OnFailure::Retry(_)
    ));
}

static FAKE_STARTS: AtomicUsize = AtomicUsize::new(0);

/// The double of `clock`: counts its starts instead of reading the time.
#[derive(Default)]
struct FakeClock;

impl Plugin for FakeClock {
    fn start(&mut self, _: &Context<'_>) -> Result<(), PluginError> {
        FAKE_STARTS.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn a_replaced_factory_builds_the_double_under_the_kind_s_name() {
    let harness = Harness::kinds(&["clock", "greeter"]).replace("clock", |_| Box::new(FakeClock));
    let mut manager = harness.start().unwrap();
    assert_eq!(FAKE_STARTS.load(Ordering::SeqCst), 1);
    assert!(manager.plugin_mut::<FakeClock>("clock").is_some());
    let info = manager.info("clock").unwrap();
    assert_eq!(info.kind(), "clock");
    assert_eq!(manager.live(), ["clock", "greeter"]);
    // Faults can be injected after the start and taken back.
    harness.inject("greeter", Hook::Stop, Fault::error("cannot stop"));
    harness.heal("greeter");
    let report = manager.stop().shutdown();
    assert_lines(
        &harness.report_lines(&report),
        "clock: shut down
         greeter: shut down",
    );
}

#[test]
fn a_faulted_factory_excludes_the_plugin_before_it_exists() {
    let harness = Harness::kinds(&["greeter"]);
    harness.inject("greeter", Hook::Create, Fault::panic("no memory"));
    let manager = harness.start().unwrap();
    assert_lines(
        &harness.report_lines(&manager.report()),
        "greeter: excluded: create panicked: no memory",
    );
}

#[test]
#[should_panic(expected = "no kind \"nope\" is registered in this test binary")]
fn asking_for_an_unlinked_kind_says_so() {
    let _ = Harness::kinds(&["greeter", "nope"]);
}

#[test]
fn a_mismatch_prints_a_diff() {
    let harness = Harness::kinds(&["greeter"]);
    let manager = harness.start().unwrap();
    let lines = harness.report_lines(&manager.report());
    let mismatch =
        std::panic::catch_unwind(|| assert_lines(&lines, "greeter: stopped")).unwrap_err();
    let message = mismatch.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("-greeter: stopped\n+greeter: running"),
        "{message}"
    );
}

#[test]
fn an_injected_health_fault_answers_for_the_plugin_as_often_as_it_says() {
    let harness = Harness::kinds(&["greeter", "clock"]);
    harness.inject_health("greeter", Fault::error("probe down").times(1));
    harness.inject_health("clock", Fault::panic("sensor gone"));
    let manager = harness.start().unwrap();
    let first = manager.check_health().unwrap();
    assert_eq!(
        first.get("greeter").map(ToString::to_string).as_deref(),
        Some("unhealthy: probe down")
    );
    assert_eq!(
        first.get("clock").map(ToString::to_string).as_deref(),
        Some("unhealthy: the health check panicked: sensor gone")
    );
    let second = manager.check_health().unwrap();
    assert_eq!(
        second.get("greeter"),
        Some(&plugin_factory::Health::Healthy)
    );
    harness.heal("clock");
    assert_eq!(
        manager.check_health().unwrap().get("clock"),
        Some(&plugin_factory::Health::Healthy)
    );
}

#[tokio::test]
async fn an_injected_health_fault_reaches_the_async_manager_and_its_supervisor() {
    use plugin_factory::policy::{Intensity, OnUnhealthy};
    use plugin_factory::runtime::Supervision;

    let harness = Harness::kinds(&["greeter"]);
    harness.inject_health("greeter", Fault::error("stuck").times(1));
    let restart = OnUnhealthy::Restart(Intensity::new(3, std::time::Duration::from_secs(60)));
    let manager = harness
        .builder()
        .on_unhealthy(restart)
        .discover()
        .unwrap()
        .into_async(plugin_factory::executor::Tokio);
    let running = manager.validate().await.unwrap().init().await.unwrap();
    let running = running.start().await.unwrap();
    let checked = running.check_health().await;
    assert_eq!(
        checked.get("greeter").map(ToString::to_string).as_deref(),
        Some("unhealthy: stuck")
    );
    assert_eq!(
        checked.supervised(),
        [("greeter".into(), Supervision::Restarted { restart: 1 })]
    );
    assert_eq!(running.state("greeter"), Some(PluginState::Running));
    running.shutdown().await;
}

#[test]
fn an_injected_callback_fault_fails_the_callback_and_meets_the_callback_policy() {
    use example_plugins::points::AuditSink;
    use plugin_factory::policy::OnCallbackFailure;

    let harness = Harness::kinds(&["kv-store", "audit-log"]);
    harness.inject("audit-log", Hook::Callback, Fault::error("trail full"));
    let manager = harness
        .builder()
        .on_callback_failure(OnCallbackFailure::ExcludeAfter(std::num::NonZeroU32::MIN))
        .discover()
        .and_then(|manager| manager.validate()?.init()?.start())
        .unwrap();
    let calls = manager
        .extension::<dyn AuditSink>()
        .call(|sink| sink.record("test", "hello"))
        .unwrap();
    let failures: Vec<String> = calls.failures().iter().map(ToString::to_string).collect();
    assert_eq!(
        failures,
        ["plugin \"audit-log\": extension point AuditSink failed: trail full"]
    );
    assert_eq!(manager.state("audit-log"), Some(PluginState::Excluded));
    assert_eq!(manager.state("kv-store"), Some(PluginState::Running));
}

/// The supervisor gives up through the failure path every failure takes: dependents first, then
/// the plugin's own `stop` and `shutdown`; a failing `stop` is one more failure on record, and
/// the reason stays the restart limit.
#[test]
fn a_supervisor_that_gives_up_takes_the_plugin_out_as_a_failure_does() {
    use plugin_factory::policy::{Intensity, OnUnhealthy};
    use plugin_factory::report::ExclusionReason;
    use plugin_factory::runtime::Supervision;

    let harness = Harness::kinds(&["kv-store", "audit-log", "clock"]);
    harness.inject_health("kv-store", Fault::error("disk full"));
    let once = OnUnhealthy::Restart(Intensity::new(1, std::time::Duration::from_secs(60)));
    let manager = harness
        .builder()
        .on_unhealthy(once)
        .discover()
        .and_then(|manager| manager.validate()?.init()?.start())
        .unwrap();
    let first = manager.check_health().unwrap();
    assert_eq!(
        first.supervised(),
        [("kv-store".into(), Supervision::Restarted { restart: 1 })]
    );
    harness.inject("kv-store", Hook::Stop, Fault::error("flush failed"));
    let before = harness.events().len();
    let second = manager.check_health().unwrap();
    assert_eq!(
        second.supervised(),
        [("kv-store".into(), Supervision::GaveUp)]
    );
    assert_eq!(manager.live(), ["clock"]);
    let info = manager.info("kv-store").unwrap();
    assert!(
        matches!(info.reason(), Some(ExclusionReason::RestartLimit { .. })),
        "{:?}",
        info.reason()
    );
    let failures: Vec<String> = info.failures().iter().map(ToString::to_string).collect();
    assert_eq!(failures, ["stop failed: flush failed"]);
    let lines = harness.event_lines();
    let given_up: Vec<&str> = lines.lines().skip(before).collect();
    assert_lines(
        &given_up.join("\n"),
        "kv-store: running -> failed
         audit-log: running -> stopped
         audit-log: stopped -> shut down
         audit-log: excluded: depends on excluded \"kv-store\"
         audit-log: shut down -> excluded
         kv-store: stop failed: flush failed
         kv-store: excluded: unhealthy: disk full after 1 restart within 60s, giving up; restarted for: 1: disk full
         kv-store: failed -> excluded",
    );
}

/// The journal watches the async manager as it watches the sync one: hooks run as jobs (the
/// example plugins' on the blocking pool), an instance re-created by a restart, and every
/// instance dropped once, whichever thread drops it.
#[tokio::test]
async fn the_journal_watches_the_async_manager_too() {
    let harness = Harness::kinds(&["kv-store", "audit-log"]);
    let running = harness
        .start_async(plugin_factory::executor::Tokio)
        .await
        .unwrap();
    assert_eq!(
        running.restart_plugin("kv-store").await.unwrap(),
        ["kv-store", "audit-log"]
    );
    running.check_health().await;
    running.shutdown().await;
    assert_eq!(
        harness.calls(Hook::Create),
        ["kv-store", "audit-log", "kv-store"]
    );
    assert_eq!(
        harness.calls(Hook::Start),
        ["kv-store", "audit-log", "kv-store", "audit-log"]
    );
    // The async manager checks them all at once: in either order.
    let mut checked = harness.health_checks();
    checked.sort();
    assert_eq!(checked, ["audit-log", "kv-store"]);
    // The first kv-store at its restart, the rest at shutdown, dependents first.
    assert_eq!(harness.dropped(), ["kv-store", "audit-log", "kv-store"]);
}

/// A hung sync hook holds its thread until the test heals the plugin; then it runs as written.
#[test]
fn a_hang_holds_the_hook_until_the_plugin_is_healed() {
    let harness = Harness::kinds(&["greeter", "clock"]);
    let manager = harness.start().unwrap();
    harness.inject("greeter", Hook::Stop, Fault::hang());
    std::thread::scope(|scope| {
        let stopping = scope.spawn(|| manager.stop_plugin("greeter"));
        while harness.calls(Hook::Stop).is_empty() {
            std::thread::yield_now();
        }
        // Called, not returned: the hook is held.
        assert!(harness.returned(Hook::Stop).is_empty());
        assert!(!stopping.is_finished());
        harness.heal("greeter");
        assert_eq!(stopping.join().unwrap().unwrap(), ["greeter"]);
    });
    assert_eq!(harness.returned(Hook::Stop), ["greeter"]);
    assert_eq!(
        manager.state("greeter"),
        Some(plugin_factory::PluginState::Stopped)
    );
}

/// A hook held up longer than its timeout is given up on: called, never returned. (The timeout
/// is the one plugin's, so that a slow machine, valgrind's say, does not time the other out.)
#[tokio::test]
async fn a_delay_past_the_timeout_times_the_hook_out() {
    let config = Loader::new()
        .text(
            "host.toml",
            Format::Toml,
            "[plugins.greeter]\ntimeout_ms = 20\n[plugins.clock]\n",
        )
        .load()
        .unwrap();
    let harness = Harness::kinds(&["greeter", "clock"]).config(config);
    harness.inject(
        "greeter",
        Hook::Init,
        // A sync hook on the blocking pool: the thread sleeps on after the timeout, and the
        // runtime waits for it when the test ends, so not too long.
        Fault::delay(std::time::Duration::from_millis(300)),
    );
    let manager = harness
        .builder()
        .discover()
        .unwrap()
        .into_async(plugin_factory::executor::Tokio);
    let manager = manager.validate().await.unwrap().init().await.unwrap();
    assert_eq!(manager.live(), ["clock"]);
    // Both ran at once, each on a thread of the blocking pool: in either order.
    let mut called = harness.calls(Hook::Init);
    called.sort();
    assert_eq!(called, ["clock", "greeter"]);
    assert_eq!(harness.returned(Hook::Init), ["clock"]);
    let report = manager.shutdown().await;
    assert_eq!(
        report.get("greeter").unwrap().reason().unwrap().to_string(),
        "did not finish init within 20ms"
    );
}

#[test]
#[should_panic(expected = "cannot inject hang into create of \"greeter\"")]
fn a_hang_cannot_hold_up_a_factory() {
    Harness::kinds(&["greeter"]).inject("greeter", Hook::Create, Fault::hang());
}
