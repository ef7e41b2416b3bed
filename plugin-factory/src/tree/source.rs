//! What the three parsers share: the error they return, the text with its line starts (to turn
//! byte offsets into lines and columns), a map builder that refuses repeated keys, and the
//! nesting limit.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::node::{KeyIndex, Location, Node, Value};
use super::shown::Shown;

/// How deep collections may nest. Deserializing and dropping a tree recurse, so an unbounded
/// depth would let a hostile file overflow the stack; `serde_json` has the same limit.
pub(crate) const MAX_DEPTH: usize = 128;

/// A file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What the parser says.
    pub message: String,
    /// Where.
    pub at: Location,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at {})", Shown(&self.message), self.at)
    }
}

impl std::error::Error for ParseError {}

/// The characters that start in `bytes`: every byte but UTF-8's continuation bytes, so that a
/// slice cut inside a character still counts it once.
fn characters(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| (byte as i8) >= -0x40).count()
}

/// The text being parsed, with where its lines start and how many characters come before each
/// block of it: a byte offset becomes a line and a character column in time that does not grow
/// with the line's length (a file of one long line stays linear).
pub(super) struct Source<'a> {
    pub(super) text: &'a str,
    path: Arc<Path>,
    /// The byte offset of each line's start.
    lines: Vec<usize>,
    /// The characters before each [`BLOCK`] of bytes; empty for ASCII text, where bytes are
    /// characters.
    blocks: Vec<usize>,
}

/// The bytes between two counts of [`Source::blocks`]: a column costs at most two scans of this
/// many bytes.
const BLOCK: usize = 256;

impl<'a> Source<'a> {
    pub(super) fn new(text: &'a str, path: Arc<Path>) -> Self {
        let lines = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let blocks = if text.is_ascii() {
            Vec::new()
        } else {
            // One count per block, and the total after the last (the block of the end offset).
            let counts = text.as_bytes().chunks(BLOCK).map(characters);
            std::iter::once(0)
                .chain(counts.scan(0, |before, count| {
                    *before += count;
                    Some(*before)
                }))
                .collect()
        };
        Self {
            text,
            path,
            lines,
            blocks,
        }
    }

    /// The characters before byte `offset` (a character boundary).
    fn characters_before(&self, offset: usize) -> usize {
        if self.blocks.is_empty() {
            return offset;
        }
        let block = offset / BLOCK;
        self.blocks[block] + characters(&self.text.as_bytes()[block * BLOCK..offset])
    }

    /// The location of byte `offset` (clamped to the text, and back to a character boundary).
    /// A byte order mark takes no column, as in editors and in the YAML parser's markers.
    pub(super) fn at(&self, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.lines.partition_point(|&start| start <= offset);
        let mut start = self.lines[line - 1];
        if start == 0 && offset > 0 && self.text.starts_with('\u{feff}') {
            start = '\u{feff}'.len_utf8();
        }
        let column = self.characters_before(offset) - self.characters_before(start) + 1;
        self.line_column(line, column)
    }

    /// The location of a 1-based line and character column.
    pub(super) fn line_column(&self, line: usize, column: usize) -> Location {
        Location::File {
            path: self.path.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    pub(super) fn error(&self, message: impl Into<String>, at: Location) -> ParseError {
        ParseError {
            message: message.into(),
            at,
        }
    }

    /// The error for a collection nested past [`MAX_DEPTH`].
    pub(super) fn too_deep(&self, at: Location) -> ParseError {
        self.error(format!("nesting deeper than {MAX_DEPTH} levels"), at)
    }
}

/// A map being built, refusing repeated keys.
pub(super) struct MapBuilder {
    entries: Vec<(String, Node)>,
    /// Where each key was written, to point at the first one of a repeated key.
    keys_at: Vec<Location>,
    index: KeyIndex,
}

impl Default for MapBuilder {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            keys_at: Vec::new(),
            index: KeyIndex::EMPTY,
        }
    }
}

impl MapBuilder {
    /// Adds an entry, unless its key, written at `key_at`, is already there.
    pub(super) fn insert(
        &mut self,
        key: String,
        key_at: Location,
        value: Node,
    ) -> Result<(), ParseError> {
        if let Some(first) = self.index.find(&self.entries, &key) {
            return Err(ParseError {
                message: format!("duplicate key `{key}` (first at {})", self.keys_at[first]),
                at: key_at,
            });
        }
        self.entries.push((key, value));
        self.keys_at.push(key_at);
        self.index.pushed(&self.entries);
        Ok(())
    }

    /// How many entries it holds.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The value of entry `i`.
    pub(super) fn value(&self, i: usize) -> Option<&Node> {
        self.entries.get(i).map(|(_, value)| value)
    }

    pub(super) fn finish(self, at: Location) -> Node {
        Node::new(Value::Map(self.entries), at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Location {
        Location::File {
            path: Path::new("f").into(),
            line,
            column,
        }
    }

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let source = Source::new("ab\néé x\r\nz", Path::new("f").into());
        assert_eq!(source.at(0), at(1, 1));
        assert_eq!(source.at(3), at(2, 1));
        // `x` follows two two-byte characters and a space.
        assert_eq!(source.at(8), at(2, 4));
        // Inside a character: its start.
        assert_eq!(source.at(4), at(2, 1));
        assert_eq!(source.at(11), at(3, 1));
        assert_eq!(source.at(99), at(3, 2));
        let source = Source::new("\u{feff}ab", Path::new("f").into());
        assert_eq!(source.at(0), at(1, 1));
        assert_eq!(source.at(3), at(1, 1));
        assert_eq!(source.at(4), at(1, 2));
    }

    #[test]
    fn parse_errors_display_their_location() {
        let error = ParseError {
            message: "bad".into(),
            at: at(2, 3),
        };
        assert_eq!(error.to_string(), "bad (at f:2:3)");
    }

    #[test]
    fn a_repeated_key_points_at_the_first() {
        let mut map = MapBuilder::default();
        let value = || Node::new(Value::Null, Location::Code);
        map.insert("a".into(), at(1, 1), value()).unwrap();
        let error = map.insert("a".into(), at(2, 1), value()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "duplicate key `a` (first at f:1:1) (at f:2:1)"
        );
    }
}
