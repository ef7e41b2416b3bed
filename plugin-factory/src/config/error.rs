//! [`ConfigError`]: why a configuration could not be read or is not valid.

use std::fmt;
use std::path::PathBuf;

use crate::tree::{ParseError, Problem, Shown};

/// Why a configuration could not be read, or is not valid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", shown(.path))]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file's extension names no format this crate reads.
    #[error("cannot tell the format of {}: name it .toml, .json, .yaml or .yml, or state the format", shown(.path))]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file is empty (or holds only comments): refused, so that a file truncated to
    /// nothing is not read as "every kind, with defaults".
    #[error("{} is empty: expected a map with a `plugins` key", shown(.path))]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is larger than the loader's limit
    /// ([`Loader::max_file_size`](super::Loader::max_file_size)); nothing of it was read.
    #[error(
        "{} is larger than the limit of {limit} bytes for a configuration file (raise it with `Loader::max_file_size`, or the command line's `--max-config-size`)",
        shown(.path)
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The path names a FIFO, a device, a socket or a directory: reading one could block
    /// forever or never end, so only regular files are read.
    #[error("{} is {found}, not a regular file: a configuration is read from a regular file", shown(.path))]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead: `a FIFO`, `a character device`, `a directory`, ...
        found: &'static str,
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

/// A path as messages show it: lossy where it is not UTF-8, control characters escaped.
fn shown(path: &std::path::Path) -> String {
    Shown(&path.to_string_lossy()).to_string()
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
