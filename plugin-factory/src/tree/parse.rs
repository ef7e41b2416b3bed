//! Reading a file into a [`Node`] tree, each format with its own parser: TOML with `toml`'s
//! span-keeping document parser, YAML with `saphyr-parser`'s events (each carries a marker), JSON
//! with `serde_json` for the verdict and its error messages and dprint's `jsonc-parser` (in strict
//! mode) for the positions. Every node, collections included, takes the line and column where
//! its value starts.

use std::path::Path;
use std::sync::Arc;

use super::from_json;
use super::from_toml;
use super::from_yaml;
use super::node::Node;
use super::source::{ParseError, Source};

/// A configuration file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML.
    Toml,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

impl Format {
    /// The format a file's extension names: `.toml`, `.json`, `.yaml` or `.yml`.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()? {
            "toml" => Some(Self::Toml),
            "json" => Some(Self::Json),
            "yaml" | "yml" => Some(Self::Yaml),
            _ => None,
        }
    }
}

/// Parses `text`, read from `path`, as `format`.
///
/// Empty text is an empty map in TOML, `null` in YAML and a syntax error in JSON. A YAML file
/// holds one document; its anchors and aliases are resolved, and its scalars typed by the YAML
/// 1.2 core schema. Map keys are unique: a repeated one is an error at the second occurrence.
pub(crate) fn parse(text: &str, format: Format, path: Arc<Path>) -> Result<Node, ParseError> {
    let source = Source::new(text, path);
    match format {
        Format::Toml => from_toml::parse(&source),
        Format::Json => from_json::parse(&source),
        Format::Yaml => from_yaml::parse(&source),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn formats_from_extensions() {
        assert_eq!(Format::from_path(Path::new("a/b.yml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("b.yaml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("b.json")), Some(Format::Json));
        assert_eq!(Format::from_path(Path::new("b.toml")), Some(Format::Toml));
        assert_eq!(Format::from_path(Path::new("b.ini")), None);
        assert_eq!(Format::from_path(Path::new("toml")), None);
    }

    fn parse_all(text: &str) {
        for format in [Format::Toml, Format::Json, Format::Yaml] {
            let _ = parse(text, format, Path::new("f").into());
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let path: Arc<Path> = Path::new("f").into();
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        for format in [Format::Json, Format::Yaml] {
            assert!(parse(&deep, format, path.clone()).is_err());
        }
        assert!(parse(&format!("a = {deep}"), Format::Toml, path.clone()).is_err());
        let dotted = "a.".repeat(10_000) + "b = 1";
        assert!(parse(&dotted, Format::Toml, path.clone()).is_err());
        let block: String = (0..1000)
            .map(|i| format!("{}- \n", " ".repeat(i * 2)))
            .collect();
        assert!(parse(&block, Format::Yaml, path).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn parsing_any_text_does_not_panic(text in any::<String>()) {
            parse_all(&text);
        }

        #[test]
        fn parsing_config_like_text_does_not_panic(
            text in "([a-z0-9 ]|[-:=,.#&*!|>'\"\\[\\]{}\n\t]|true|null|0x|1e9|---|<<){0,48}"
        ) {
            parse_all(&text);
        }
    }
}
