//! [`PluginError`]: what a plugin's hooks return.

use std::borrow::Cow;
use std::error::Error as StdError;

/// The error a plugin's hook returns.
///
/// Build one from a message (`"disk full".into()`, [`PluginError::msg`]) or wrap any error with
/// [`PluginError::other`]; `?` converts [`std::io::Error`] directly.
///
/// ```
/// use plugin_factory::PluginError;
///
/// fn open() -> Result<(), PluginError> {
///     std::fs::read("/definitely/not/here")?;
///     Ok(())
/// }
/// assert!(open().is_err());
/// assert_eq!(PluginError::msg("no token").to_string(), "no token");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// A plain message.
    #[error("{0}")]
    Message(Cow<'static, str>),
    /// Another error, kept as the source.
    #[error(transparent)]
    Other(Box<dyn StdError + Send + Sync + 'static>),
}

impl PluginError {
    /// An error with a message.
    pub fn msg(message: impl Into<Cow<'static, str>>) -> Self {
        Self::Message(message.into())
    }

    /// Wraps any error.
    pub fn other(error: impl StdError + Send + Sync + 'static) -> Self {
        Self::Other(Box::new(error))
    }
}

impl From<&'static str> for PluginError {
    fn from(message: &'static str) -> Self {
        Self::msg(message)
    }
}

impl From<String> for PluginError {
    fn from(message: String) -> Self {
        Self::msg(message)
    }
}

impl From<std::io::Error> for PluginError {
    fn from(error: std::io::Error) -> Self {
        Self::other(error)
    }
}
