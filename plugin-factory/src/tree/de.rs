//! STUB: replaced by the real deserializer.
use super::{Location, Node};
use serde::de::DeserializeOwned;
use std::fmt;

/// A value that does not fit the type it is read into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError {
    /// The full key path of the value, e.g. `plugins.greeter.config.greeting`.
    pub path: String,
    /// What is wrong, in serde's words.
    pub message: String,
    /// Where the value was read, if known.
    pub at: Option<Location>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(at) = &self.at {
            write!(f, " (at {at})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DeError {}

/// Reads `T` from `node`, found at key path `path`.
pub fn deserialize<T: DeserializeOwned>(node: &Node, path: &str) -> Result<T, Vec<DeError>> {
    let _ = (node, path);
    todo!()
}
