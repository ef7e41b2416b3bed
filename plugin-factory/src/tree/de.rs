//! Typed configuration from a tree: a serde `Deserializer` over a [`Node`] whose errors carry
//! the key path (`plugins.greeter.config.ports[1]`) and the location of the value at fault.
//!
//! A struct refuses keys it does not know, with or without `#[serde(deny_unknown_fields)]`:
//! serde's derive skips such a key by ignoring its value, and the deserializer records the key
//! then, while it reads a map as a struct. The message names the closest field, if one is close,
//! and the fields in order: "unknown key `gretting`; did you mean `greeting`? expected one of
//! `greeting`, `loud`". A struct with `#[serde(flatten)]` is read as a plain map, so its keys are
//! not checked.

mod error;
mod node;

use serde::de::DeserializeOwned;

use self::error::Collector;
pub use self::error::Problem;
use self::node::NodeDe;
use super::node::Node;

/// Reads `T` from `node`, found at key path `path`.
///
/// The error of the first value that does not fit, or else every key that no struct knows.
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
        Err(error) => Err(vec![error.into_de_error(path, node)]),
    }
}

#[cfg(test)]
mod tests;
