//! An instance's `on_failure`: `"exclude"`, `"fail"`, `"retry"`, or
//! `{ retry = { attempts = 5, delay_ms = 100, max_delay_ms = 10000 } }`, overriding what the
//! kind's annotation says.

use serde::Deserialize;

use super::error::problem;
use crate::contract::{Backoff, OnFailure};
use crate::tree::{self, Node, Problem, Value};

const EXPECTED: &str =
    "expected \"exclude\", \"fail\", \"retry\" or { retry = { attempts, delay_ms, max_delay_ms } }";

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
        let ms =
            |duration: std::time::Duration| u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
        Self {
            attempts: backoff.attempts(),
            delay_ms: ms(backoff.delay()),
            max_delay_ms: ms(backoff.max_delay()),
        }
    }
}

/// The policy `node` (at `plugins.NAME.on_failure`) gives, or `None` with its problems added.
pub(super) fn parse(path: &str, node: &Node, problems: &mut Vec<Problem>) -> Option<OnFailure> {
    let path = format!("{path}.on_failure");
    match &node.value {
        Value::String(word) | Value::Text(word) => match word.as_str() {
            "exclude" => Some(OnFailure::Exclude),
            "fail" => Some(OnFailure::Fail),
            "retry" => Some(OnFailure::Retry(Backoff::DEFAULT)),
            other => {
                let message = format!("unknown failure policy {other:?}: {EXPECTED}");
                problems.push(problem(path, message, node));
                None
            }
        },
        Value::Map(entries) if matches!(entries.as_slice(), [(key, _)] if key == "retry") => {
            let retry = &entries[0].1;
            let path = format!("{path}.retry");
            let retry = match tree::deserialize::<Retry>(retry, &path) {
                Ok(retry) => retry,
                Err(errors) => {
                    problems.extend(errors);
                    return None;
                }
            };
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
            None
        }
        other => {
            let message = format!("{EXPECTED}, found {}", other.kind());
            problems.push(problem(path, message, node));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Format};

    /// The policy of `[plugins.probe] on_failure = VALUE`, or the problems' messages.
    fn policy(value: &str) -> Result<Option<OnFailure>, Vec<String>> {
        let config = Config::loader()
            .text("test.toml", Format::Toml, format!("on_failure = {value}"))
            .load()
            .unwrap();
        let node = config.tree().get("on_failure").unwrap();
        let mut problems = Vec::new();
        let policy = parse("plugins.probe", node, &mut problems);
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
