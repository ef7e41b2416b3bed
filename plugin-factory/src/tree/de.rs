//! Typed configuration from a tree: a serde `Deserializer` over a [`Node`] whose errors carry
//! the key path (`plugins.greeter.config.ports[1]`) and the location of the value at fault.
//!
//! A struct refuses keys it does not know, with or without `#[serde(deny_unknown_fields)]`:
//! serde's derive skips such a key by ignoring its value, and the deserializer records the key
//! then, while it reads a map as a struct. The message names the closest field, if one is close,
//! and the fields in order: "unknown key `gretting`; did you mean `greeting`? expected one of
//! `greeting`, `loud`". A struct with `#[serde(flatten)]` is read as a plain map, so its keys are
//! not checked. An enum's unknown variant names the closest variant the same way.

mod error;
mod node;

use serde::de::DeserializeOwned;

use self::error::Collector;
pub use self::error::Problem;
use self::node::NodeDe;
use super::node::Node;

/// Reads `T` from `node`, found at key path `path`.
///
/// Every key that no struct knows, as far as it was read, and then the error of the first value
/// that does not fit, if one does not: a misspelt required key is listed as unknown, with its
/// nearest field, before the field it left missing.
pub(crate) fn deserialize<T: DeserializeOwned>(node: &Node, path: &str) -> Result<T, Vec<Problem>> {
    let collector = Collector::default();
    match T::deserialize(NodeDe::new(node, path, &collector)) {
        Ok(value) => {
            let unknown = collector.into_unknown();
            if unknown.is_empty() {
                Ok(value)
            } else {
                Err(unknown)
            }
        }
        Err(error) => {
            let mut problems = collector.into_unknown();
            problems.push(error.into_de_error(path, node));
            Err(problems)
        }
    }
}

/// `node` as `T` reads it: each text value (from the environment or an override) becomes what
/// `T` read it as, a number or a flag, or a string otherwise. A value `T` refuses, and whatever
/// it did not read, keeps its text as a string.
pub(crate) fn typed<T: DeserializeOwned>(node: &Node, path: &str) -> Node {
    let collector = Collector::typing();
    // Whatever the outcome, the values read so far were typed on the way.
    let _ = T::deserialize(NodeDe::new(node, path, &collector));
    collector.typed(node)
}

#[cfg(test)]
mod tests;
