//! An instance's policies, each a word or a one-key table of numbers, overriding the default:
//!
//! - `on_failure`: `"exclude"`, `"fail"`, `"retry"`, or
//!   `{ retry = { attempts = 5, delay_ms = 100, max_delay_ms = 10000 } }` (default: the kind's
//!   annotation);
//! - `on_unhealthy`: `"report"`, `"restart"`, or `{ restart = { max_restarts = 3, within_s = 60 } }`
//!   (default: `ManagerBuilder::on_unhealthy`);
//! - `timeout_ms`: how long each hook may run under the async manager, a whole number of
//!   milliseconds from 1 (default: the kind's annotation, then `AsyncManager::hook_timeout`).

use std::time::Duration;

use serde::Deserialize;

use super::error::problem;
use crate::contract::{Backoff, Intensity, OnFailure, OnUnhealthy};
use crate::tree::{self, Node, Problem, Value};

const ON_FAILURE: &str =
    "expected \"exclude\", \"fail\", \"retry\" or { retry = { attempts, delay_ms, max_delay_ms } }";
const ON_UNHEALTHY: &str =
    "expected \"report\", \"restart\" or { restart = { max_restarts, within_s } }";

/// The numbers of `{ retry = {...} }`; each left out keeps its default.
#[derive(Deserialize)]
#[serde(default)]
struct Retry {
    attempts: u32,
    delay_ms: u32,
    max_delay_ms: u32,
}

impl Default for Retry {
    fn default() -> Self {
        let backoff = Backoff::DEFAULT;
        let ms = |duration: Duration| u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
        Self {
            attempts: backoff.attempts(),
            delay_ms: ms(backoff.delay()),
            max_delay_ms: ms(backoff.max_delay()),
        }
    }
}

/// The numbers of `{ restart = {...} }`; each left out keeps its default.
#[derive(Deserialize)]
#[serde(default)]
struct Restart {
    max_restarts: u32,
    within_s: u64,
}

impl Default for Restart {
    fn default() -> Self {
        let intensity = Intensity::DEFAULT;
        Self {
            max_restarts: intensity.max_restarts(),
            within_s: intensity.within().as_secs(),
        }
    }
}

/// The keys of a policy's table at `path` below the instance (`["on_failure"]`,
/// `["on_failure", "retry"]`, ...), for the environment layer to match variables against; `None`
/// where a policy has no keys. The numbers' keys are the fields of [`Retry`] and [`Restart`] (a
/// test pins them).
pub(super) fn keys_below(path: &[&str]) -> Option<&'static [&'static str]> {
    match path {
        ["on_failure"] => Some(&["retry"]),
        ["on_failure", "retry"] => Some(&["attempts", "delay_ms", "max_delay_ms"]),
        ["on_unhealthy"] => Some(&["restart"]),
        ["on_unhealthy", "restart"] => Some(&["max_restarts", "within_s"]),
        _ => None,
    }
}

/// How a policy is written.
enum Written<'n> {
    Word(&'n str),
    /// `{ key = value }`, one key.
    Table(&'n str, &'n Node),
    Other,
}

fn written(node: &Node) -> Written<'_> {
    match &node.value {
        Value::String(word) | Value::Text(word) => Written::Word(word),
        Value::Map(entries) => match entries.as_slice() {
            [(key, value)] => Written::Table(key, value),
            _ => Written::Other,
        },
        _ => Written::Other,
    }
}

/// The failure policy `node` (at `{path}.on_failure`) gives, or `None` with its problems added.
pub(super) fn on_failure(
    path: &str,
    node: &Node,
    problems: &mut Vec<Problem>,
) -> Option<OnFailure> {
    let path = format!("{path}.on_failure");
    let message = match written(node) {
        Written::Word("exclude") => return Some(OnFailure::Exclude),
        Written::Word("fail") => return Some(OnFailure::Fail),
        Written::Word("retry") => return Some(OnFailure::Retry(Backoff::DEFAULT)),
        Written::Word(other) => format!("unknown failure policy {other:?}: {ON_FAILURE}"),
        Written::Table("retry", numbers) => {
            let path = format!("{path}.retry");
            let retry = deserialize::<Retry>(numbers, &path, problems)?;
            let message = if retry.attempts == 0 {
                "`attempts` counts every try, the first included: it must be at least 1".to_owned()
            } else if retry.delay_ms > retry.max_delay_ms {
                format!(
                    "the first delay ({} ms) exceeds max_delay_ms ({} ms)",
                    retry.delay_ms, retry.max_delay_ms
                )
            } else {
                let backoff =
                    Backoff::__from_millis(retry.attempts, retry.delay_ms, retry.max_delay_ms);
                return Some(OnFailure::Retry(backoff));
            };
            problems.push(problem(path, message, node));
            return None;
        }
        _ => format!("{ON_FAILURE}, found {}", describe(node)),
    };
    problems.push(problem(path, message, node));
    None
}

/// The health policy `node` (at `{path}.on_unhealthy`) gives, or `None` with its problems
/// added.
pub(super) fn on_unhealthy(
    path: &str,
    node: &Node,
    problems: &mut Vec<Problem>,
) -> Option<OnUnhealthy> {
    let path = format!("{path}.on_unhealthy");
    let message = match written(node) {
        Written::Word("report") => return Some(OnUnhealthy::Report),
        Written::Word("restart") => return Some(OnUnhealthy::Restart(Intensity::DEFAULT)),
        Written::Word(other) => format!("unknown health policy {other:?}: {ON_UNHEALTHY}"),
        Written::Table("restart", numbers) => {
            let path = format!("{path}.restart");
            let restart = deserialize::<Restart>(numbers, &path, problems)?;
            let within = Duration::from_secs(restart.within_s);
            return Some(OnUnhealthy::Restart(Intensity::new(
                restart.max_restarts,
                within,
            )));
        }
        _ => format!("{ON_UNHEALTHY}, found {}", describe(node)),
    };
    problems.push(problem(path, message, node));
    None
}

/// The hook timeout `node` (at `{path}.timeout_ms`) gives, or `None` with its problems added.
pub(super) fn timeout(path: &str, node: &Node, problems: &mut Vec<Problem>) -> Option<Duration> {
    let path = format!("{path}.timeout_ms");
    match deserialize::<u32>(node, &path, problems)? {
        0 => {
            let message = "a timeout of 0 ms would cancel every hook: give at least 1, or leave \
                           the key out for the kind's or the manager's timeout";
            problems.push(problem(path, message.to_owned(), node));
            None
        }
        millis => Some(Duration::from_millis(u64::from(millis))),
    }
}

fn deserialize<T: serde::de::DeserializeOwned>(
    node: &Node,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    tree::deserialize::<T>(node, path)
        .map_err(|errors| problems.extend(errors))
        .ok()
}

/// What `node` is, for a message: its kind, or the keys of a map.
fn describe(node: &Node) -> String {
    match &node.value {
        Value::Map(entries) => {
            let keys: Vec<&str> = entries.iter().map(|(key, _)| key.as_str()).collect();
            format!("a map with keys {}", keys.join(", "))
        }
        other => other.kind().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Format, Loader};

    /// The policy of `[plugins.probe] on_failure = VALUE`, or the problems' messages.
    fn policy(value: &str) -> Result<Option<OnFailure>, Vec<String>> {
        let config = Loader::new()
            .text("test.toml", Format::Toml, format!("on_failure = {value}"))
            .load()
            .unwrap();
        let node = config.tree().get("on_failure").unwrap();
        let mut problems = Vec::new();
        let policy = on_failure("plugins.probe", node, &mut problems);
        if problems.is_empty() {
            Ok(policy)
        } else {
            Err(problems.iter().map(ToString::to_string).collect())
        }
    }

    #[test]
    fn words_name_the_policies() {
        assert_eq!(policy("\"fail\""), Ok(Some(OnFailure::Fail)));
        assert_eq!(policy("\"exclude\""), Ok(Some(OnFailure::Exclude)));
        assert_eq!(
            policy("\"retry\""),
            Ok(Some(OnFailure::Retry(Backoff::DEFAULT)))
        );
    }

    #[test]
    fn retry_takes_its_numbers_and_defaults_the_rest() {
        let expected = Backoff::__from_millis(5, 100, 2000);
        assert_eq!(
            policy("{ retry = { attempts = 5, max_delay_ms = 2000 } }"),
            Ok(Some(OnFailure::Retry(expected)))
        );
        assert_eq!(
            policy("{ retry = {} }"),
            Ok(Some(OnFailure::Retry(Backoff::DEFAULT)))
        );
    }

    #[test]
    fn a_bad_policy_is_named_with_its_place() {
        let problems = policy("\"sometimes\"").unwrap_err();
        assert!(
            problems[0].contains("plugins.probe.on_failure"),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("unknown failure policy \"sometimes\""),
            "{problems:?}"
        );
        let problems = policy("{ retry = { attempts = 0 } }").unwrap_err();
        assert!(problems[0].contains("must be at least 1"), "{problems:?}");
        let problems = policy("{ retry = { delay_ms = 50, max_delay_ms = 10 } }").unwrap_err();
        assert!(problems[0].contains("exceeds max_delay_ms"), "{problems:?}");
        let problems = policy("{ retry = { tries = 3 } }").unwrap_err();
        assert!(
            problems[0].contains("plugins.probe.on_failure.retry"),
            "{problems:?}"
        );
        assert!(problems[0].contains("tries"), "{problems:?}");
        let problems = policy("3").unwrap_err();
        assert!(problems[0].contains("found"), "{problems:?}");
    }
}

#[cfg(test)]
mod keys_tests {
    use super::*;
    use crate::config::{Format, Loader};

    /// The fields serde lists for an unknown key in `{ word = { nope = 1 } }` under `key`.
    fn listed(key: &str, word: &str) -> String {
        let config = Loader::new()
            .text(
                "t.toml",
                Format::Toml,
                format!("{key} = {{ {word} = {{ nope = 1 }} }}"),
            )
            .load()
            .unwrap();
        let node = config.tree().get(key).unwrap();
        let mut problems = Vec::new();
        if key == "on_failure" {
            on_failure("p", node, &mut problems);
        } else {
            on_unhealthy("p", node, &mut problems);
        }
        let message = &problems[0].message;
        message[message.find("expected").unwrap()..].to_owned()
    }

    #[test]
    fn the_keys_below_a_policy_are_its_tables_fields() {
        for (key, word) in [("on_failure", "retry"), ("on_unhealthy", "restart")] {
            assert_eq!(keys_below(&[key]), Some(&[word][..]));
            let fields = keys_below(&[key, word]).unwrap();
            let ticked: Vec<String> = fields.iter().map(|field| format!("`{field}`")).collect();
            assert_eq!(
                listed(key, word),
                format!("expected one of {}", ticked.join(", "))
            );
        }
        assert_eq!(keys_below(&["timeout_ms"]), None);
    }
}

#[cfg(test)]
mod health_tests {
    use super::*;
    use crate::config::{Format, Loader};

    fn policy(value: &str) -> Result<Option<OnUnhealthy>, Vec<String>> {
        let config = Loader::new()
            .text("test.toml", Format::Toml, format!("on_unhealthy = {value}"))
            .load()
            .unwrap();
        let node = config.tree().get("on_unhealthy").unwrap();
        let mut problems = Vec::new();
        let policy = on_unhealthy("plugins.probe", node, &mut problems);
        if problems.is_empty() {
            Ok(policy)
        } else {
            Err(problems.iter().map(ToString::to_string).collect())
        }
    }

    #[test]
    fn words_and_numbers_name_the_health_policies() {
        assert_eq!(policy("\"report\""), Ok(Some(OnUnhealthy::Report)));
        assert_eq!(
            policy("\"restart\""),
            Ok(Some(OnUnhealthy::Restart(Intensity::DEFAULT)))
        );
        assert_eq!(
            policy("{ restart = { max_restarts = 1, within_s = 5 } }"),
            Ok(Some(OnUnhealthy::Restart(Intensity::new(
                1,
                Duration::from_secs(5)
            ))))
        );
    }

    #[test]
    fn a_bad_health_policy_is_named_with_its_place() {
        let problems = policy("\"reboot\"").unwrap_err();
        assert!(
            problems[0].contains("plugins.probe.on_unhealthy: unknown health policy \"reboot\""),
            "{problems:?}"
        );
        let problems = policy("{ retry = {} }").unwrap_err();
        assert!(
            problems[0].contains("found a map with keys retry"),
            "{problems:?}"
        );
        let problems = policy("{ restart = { max_restarts = -1 } }").unwrap_err();
        assert!(
            problems[0].contains("plugins.probe.on_unhealthy.restart.max_restarts"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_timeout_is_whole_milliseconds_from_one() {
        let read = |value: &str| {
            let config = Loader::new()
                .text("test.toml", Format::Toml, format!("timeout_ms = {value}"))
                .load()
                .unwrap();
            let node = config.tree().get("timeout_ms").unwrap();
            let mut problems = Vec::new();
            let timeout = timeout("plugins.probe", node, &mut problems);
            (
                timeout,
                problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            )
        };
        assert_eq!(read("250"), (Some(Duration::from_millis(250)), vec![]));
        let (none, problems) = read("0");
        assert_eq!(none, None);
        assert!(
            problems[0].contains("plugins.probe.timeout_ms: a timeout of 0 ms"),
            "{problems:?}"
        );
        for wrong in ["\"5s\"", "-1", "2.5"] {
            let (none, problems) = read(wrong);
            assert_eq!(none, None, "{wrong}");
            assert!(
                problems[0].contains("plugins.probe.timeout_ms"),
                "{wrong}: {problems:?}"
            );
        }
    }
}
