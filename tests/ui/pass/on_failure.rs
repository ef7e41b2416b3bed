//! Every spelling of `on_failure` compiles to the policy it names; `"retry"` means the
//! runtime's default backoff.

use std::time::Duration;

use plugin_factory::policy::{Backoff, OnFailure};
use plugin_factory::{Plugin, plugin};

#[plugin(name = "excluded", on_failure = "exclude")]
#[derive(Default)]
struct Excluded;
impl Plugin for Excluded {}

#[plugin(name = "unannotated")]
#[derive(Default)]
struct Unannotated;
impl Plugin for Unannotated {}

#[plugin(name = "essential", on_failure = "fail")]
#[derive(Default)]
struct Essential;
impl Plugin for Essential {}

#[plugin(name = "patient", on_failure = "retry")]
#[derive(Default)]
struct Patient;
impl Plugin for Patient {}

#[plugin(name = "tuned", on_failure = retry(attempts = 5, delay_ms = 20, max_delay_ms = 400))]
#[derive(Default)]
struct Tuned;
impl Plugin for Tuned {}

#[plugin(name = "partly-tuned", on_failure = retry(max_delay_ms = 100))]
#[derive(Default)]
struct PartlyTuned;
impl Plugin for PartlyTuned {}

fn policy(name: &str) -> OnFailure {
    plugin_factory::registry::entries()
        .find(|entry| entry.name() == name)
        .expect("registered")
        .metadata()
        .on_failure()
}

fn main() {
    assert_eq!(policy("excluded"), OnFailure::Exclude);
    assert_eq!(policy("unannotated"), OnFailure::Exclude);
    assert_eq!(policy("essential"), OnFailure::Fail);
    assert_eq!(policy("patient"), OnFailure::Retry(Backoff::DEFAULT));
    let tuned = Backoff::new(5, Duration::from_millis(20), Duration::from_millis(400));
    assert_eq!(policy("tuned"), OnFailure::Retry(tuned));
    let partly = Backoff::new(3, Duration::from_millis(100), Duration::from_millis(100));
    assert_eq!(policy("partly-tuned"), OnFailure::Retry(partly));
}
