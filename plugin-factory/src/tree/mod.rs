//! Configuration values that remember where they came from: a [`Node`] is a value (a map, a
//! list or a scalar) with the [`Location`] it was read at (a file's line and column, an
//! environment variable, a programmatic override). Files in TOML, JSON and YAML parse into the
//! same tree (`parse.rs`), layers merge key by key, and typed configuration deserializes from it
//! with errors that carry the key path and the location (`de.rs`). The bottom layer: it
//! depends on nothing else in the crate.
//!
//! No crate does this whole job: layered-configuration crates keep the source of a value but
//! not its line and column (and the best known one reads YAML with a deprecated crate), and the
//! format crates give positions only for their own syntax. So each format's own parser, one that
//! reports positions, builds the tree, and one serde `Deserializer` reads it.
//!
//! The files: the types in `node.rs` (apart, so that the modules beside it use them without
//! reaching back up here, with `KeyIndex`, which merges maps in linear time); `parse.rs` picks
//! the reader (`from_toml.rs`, `from_json.rs`, `from_yaml.rs` with `core_schema.rs`), and
//! `source.rs` holds what the readers share (positions, the depth limit). `layers.rs` sets
//! values by key path over a tree (the environment and overrides), `shown.rs` escapes outside
//! text for messages, `write.rs` writes a tree back as text (with origins as comments),
//! `seeded.rs` hashes what a configuration chose (keys, instance names) with a per-process
//! random seed.
//!
//! Every reader is linear in its input and bounded in depth: the input is hostile until read
//! (`docs/configuration.md`, "Limits").

mod core_schema;
mod de;
mod from_json;
mod from_toml;
mod from_yaml;
mod layers;
mod node;
mod parse;
mod seeded;
mod shown;
mod source;
mod write;

pub use self::de::Problem;
pub(crate) use self::de::{deserialize, typed};
pub(crate) use self::layers::Layers;
pub use self::node::{Location, Node, Value};
pub use self::parse::Format;
pub(crate) use self::parse::parse;
pub(crate) use self::seeded::{SeededMap, SeededSet};
pub(crate) use self::shown::Shown;
pub(crate) use self::source::MAX_DEPTH;
pub use self::source::ParseError;
pub use self::write::Written;
