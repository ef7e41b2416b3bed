//! One configuration file: read only if it is a regular file within the size limit and UTF-8
//! (opened without blocking, so that a FIFO is refused rather than waited on), then parsed, and
//! refused if it holds no configuration (nothing, only comments, or only `null`).

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::ConfigError;
use crate::tree::{self, Format, Location, Node, ParseError, Value};

/// Reads and parses the file at `path`, in `format` or the one its extension names.
pub(super) fn read(path: PathBuf, format: Option<Format>, limit: u64) -> Result<Node, ConfigError> {
    let Some(format) = format.or_else(|| Format::from_path(&path)) else {
        return Err(ConfigError::UnknownFormat { path });
    };
    let text = read_bounded(&path, limit)?;
    parse(path, format, &text)
}

/// Parses `text`, read from `path`, refusing it if it holds no configuration.
pub(super) fn parse(path: PathBuf, format: Format, text: &str) -> Result<Node, ConfigError> {
    let shared: Arc<Path> = path.as_path().into();
    let node = match tree::parse(text, format, shared) {
        Ok(node) => node,
        // JSON cannot be empty: its parser's words for it ("EOF while parsing a value") say
        // less than ours.
        Err(_) if format == Format::Json && text.trim_matches(JSON_SPACE).is_empty() => {
            return Err(ConfigError::Empty { path });
        }
        Err(error) => return Err(error.into()),
    };
    match &node.value {
        // A document of only comments: YAML reads it as null, TOML as an empty table.
        Value::Null if writes_nothing(text) => Err(ConfigError::Empty { path }),
        Value::Map(entries) if entries.is_empty() && format == Format::Toml => {
            Err(ConfigError::Empty { path })
        }
        // An explicit `null` or `~`: refused as an empty file is, so that a file truncated to
        // nothing is never read as "every kind, with defaults".
        Value::Null => Err(ParseError {
            message: "the document is only null: expected a map with a `plugins` key".to_owned(),
            at: node.at.clone(),
        }
        .into()),
        _ => Ok(node),
    }
}

/// JSON's white space, and the byte order mark its reader skips.
const JSON_SPACE: &[char] = &[' ', '\t', '\n', '\r', '\u{feff}'];

/// Whether YAML `text` that reads as null writes nothing: only blank lines, comments and
/// document markers (`---`, `...`), where `~` or `null` write a null.
fn writes_nothing(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim_start_matches('\u{feff}');
        let line = line
            .strip_prefix("---")
            .or_else(|| line.strip_prefix("..."))
            .filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
            .unwrap_or(line);
        let line = line.trim_matches([' ', '\t', '\r']);
        line.is_empty() || line.starts_with('#')
    })
}

/// The text of the file at `path`, if it is a regular file of at most `limit` bytes of UTF-8.
/// Opened without blocking, so that a FIFO is refused instead of waiting for a writer.
fn read_bounded(path: &Path, limit: u64) -> Result<String, ConfigError> {
    let failed = |source| ConfigError::Read {
        path: path.to_owned(),
        source,
    };
    let file = open(path).map_err(failed)?;
    let metadata = file.metadata().map_err(failed)?;
    if !metadata.is_file() {
        return Err(ConfigError::NotAFile {
            path: path.to_owned(),
            found: file_kind(&metadata.file_type()),
        });
    }
    let too_large = || ConfigError::TooLarge {
        path: path.to_owned(),
        limit,
    };
    if metadata.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // One byte past the limit tells a file that grew while it was read.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        ParseError {
            message: format!(
                "invalid UTF-8 (byte 0x{:02X}): a configuration file is UTF-8 text",
                bytes[valid]
            ),
            at: Location::File {
                path: path.into(),
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
            },
        }
        .into()
    })
}

#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// What a file that is not a regular file is, for the message.
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}
