//! [`ConfigError`]: why a configuration could not be read or is not valid.

use std::fmt;
use std::path::PathBuf;

use crate::tree::{ParseError, Problem};

/// Why a configuration could not be read, or is not valid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file's extension names no format this crate reads.
    #[error("cannot tell the format of {}: name it .toml, .json, .yaml or .yml, or state the format", .path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file is empty (or holds only comments).
    #[error("{} is empty: expected a map with a `plugins` key", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file does not parse.
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// The configuration parses but is not valid: every problem found, not only the first.
    #[error("{}", Problems(.problems))]
    Invalid {
        /// The problems, in the order of the configuration.
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    /// The problems of an [`Invalid`](Self::Invalid) configuration; none for the other kinds.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Invalid { problems } => problems,
            _ => &[],
        }
    }
}

/// Problems, one per line after a count.
struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "invalid configuration: {one}"),
            problems => {
                write!(f, "invalid configuration: {} problems", problems.len())?;
                for problem in problems {
                    write!(f, "\n  {problem}")?;
                }
                Ok(())
            }
        }
    }
}

/// A problem at `path`, read at `node`'s location.
pub(crate) fn problem(
    path: impl Into<String>,
    message: impl Into<String>,
    at: &crate::tree::Node,
) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
        at: Some(at.at.clone()),
    }
}
