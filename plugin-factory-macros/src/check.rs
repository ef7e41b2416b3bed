//! Validates the annotation against the rules of the plugin contract. Every check reports at
//! the token it is about; all failures are combined into one error.

use heck::ToKebabCase;
use proc_macro2::Span;
use syn::LitStr;

/// A dependency split into the plugin name and its optional semver requirement.
pub(crate) struct CheckedDependency {
    pub(crate) name: String,
    pub(crate) requirement: String,
}

/// Collects errors so that one compilation reports all of them.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The rule for plugin names, for error messages.
const NAME_RULE: &str = "use 1 to 64 characters from lowercase `a-z`, `0-9` and `-`";

/// Whether `c` may appear in a plugin name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

/// What is wrong with `name` as a plugin name (lowercase `[a-z0-9-]`, 1 to 64 characters), or
/// `None` if it is valid.
pub(crate) fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".to_owned());
    }
    if let Some(c) = name.chars().find(|&c| !is_name_char(c)) {
        return Some(format!("{c:?} is not allowed"));
    }
    let len = name.len();
    (len > 64).then(|| format!("it is {len} characters long"))
}

/// Whether `name` is a valid plugin name: lowercase `[a-z0-9-]`, 1 to 64 characters.
pub(crate) fn is_valid_name(name: &str) -> bool {
    name_problem(name).is_none()
}

/// Checks a plugin name, reporting at `span`.
pub(crate) fn name(name: &str, span: Span, errors: &mut Errors) {
    if let Some(problem) = name_problem(name) {
        let kebab = name.to_kebab_case();
        let example = if kebab != name && is_valid_name(&kebab) {
            kebab
        } else {
            "kv-store".to_owned()
        };
        errors.push(syn::Error::new(
            span,
            format!("invalid plugin name {name:?}: {problem}; {NAME_RULE}, e.g. {example:?}"),
        ));
    }
}

/// Checks that `version` is semver.
pub(crate) fn version(version: &LitStr, errors: &mut Errors) {
    let text = version.value();
    if let Err(error) = semver::Version::parse(&text) {
        let message = match suggest_version(&text) {
            Some(fixed) => format!("invalid version {text:?}: {fixed}"),
            None => format!("invalid version {text:?}: {error} (expected semver, e.g. \"1.2.3\")"),
        };
        errors.push(syn::Error::new_spanned(version, message));
    }
}

/// What to write instead of a near-miss version: `"1.0"` or `"v1.2.3"`.
fn suggest_version(text: &str) -> Option<String> {
    let is_numeric =
        |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if is_numeric(text) {
        let padded = [format!("{text}.0"), format!("{text}.0.0")]
            .into_iter()
            .find(|padded| semver::Version::parse(padded).is_ok())?;
        return Some(format!(
            "a version needs major, minor and patch numbers; write \"{padded}\""
        ));
    }
    let stripped = text.strip_prefix(['v', 'V'])?;
    semver::Version::parse(stripped).ok()?;
    Some(format!(
        "drop the leading `{}`; write \"{stripped}\"",
        &text[..1]
    ))
}

/// Splits and checks every dependency; `plugin` is the plugin's own name.
pub(crate) fn dependencies(
    plugin: &str,
    dependencies: &[LitStr],
    errors: &mut Errors,
) -> Vec<CheckedDependency> {
    let mut checked: Vec<CheckedDependency> = Vec::with_capacity(dependencies.len());
    for literal in dependencies {
        let text = literal.value();
        let text = text.trim();
        // The name runs up to the requirement's first space or operator: "db^2", "clock >=1".
        let end = text
            .find(|c: char| c.is_whitespace() || "=<>~^*".contains(c))
            .unwrap_or(text.len());
        let (name, requirement) = (&text[..end], text[end..].trim());
        if let Some(problem) = name_problem(name) {
            let problem = if name.is_empty() {
                "the plugin name is missing".to_owned()
            } else if name == text {
                problem
            } else {
                format!("in plugin name {name:?}, {problem}")
            };
            errors.push(syn::Error::new_spanned(
                literal,
                format!(
                    "invalid dependency {text:?}: {problem}; expected a plugin name (1 to 64 of lowercase `a-z`, `0-9`, `-`), optionally followed by a semver requirement, e.g. \"kv-store >=1.2\""
                ),
            ));
            continue;
        }
        if let Err(error) = match requirement {
            "" => Ok(()),
            requirement => semver::VersionReq::parse(requirement).map(drop),
        } {
            errors.push(syn::Error::new_spanned(
                literal,
                format!(
                    "invalid version requirement {requirement:?} for dependency {name:?}: {error} (expected e.g. \">=1.2\", \"^2\" or \">=1, <3\")"
                ),
            ));
            continue;
        }
        if name == plugin {
            errors.push(syn::Error::new_spanned(
                literal,
                format!("plugin {plugin:?} cannot depend on itself"),
            ));
            continue;
        }
        if checked.iter().any(|other| other.name == name) {
            errors.push(syn::Error::new_spanned(
                literal,
                format!("dependency {name:?} is listed more than once"),
            ));
            continue;
        }
        checked.push(CheckedDependency {
            name: name.to_owned(),
            requirement: requirement.to_owned(),
        });
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(values: &[&str]) -> Vec<LitStr> {
        values
            .iter()
            .map(|v| LitStr::new(v, Span::call_site()))
            .collect()
    }

    #[test]
    fn names() {
        assert!(is_valid_name("kv-store"));
        assert!(is_valid_name("a"));
        assert!(is_valid_name(&"x".repeat(64)));
        assert!(!is_valid_name(&"x".repeat(65)));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("KvStore"));
        assert!(!is_valid_name("kv_store"));
    }

    #[test]
    fn near_miss_versions_get_a_suggestion() {
        assert_eq!(
            suggest_version("1.0").as_deref(),
            Some("a version needs major, minor and patch numbers; write \"1.0.0\"")
        );
        assert_eq!(
            suggest_version("2").as_deref(),
            Some("a version needs major, minor and patch numbers; write \"2.0.0\"")
        );
        assert_eq!(
            suggest_version("v1.2.3").as_deref(),
            Some("drop the leading `v`; write \"1.2.3\"")
        );
        assert_eq!(suggest_version("1.0-beta"), None);
        assert_eq!(suggest_version("1..2"), None);
        assert_eq!(suggest_version("latest"), None);
        assert_eq!(suggest_version(""), None);
    }

    #[test]
    fn name_problems_are_specific() {
        assert_eq!(name_problem("").as_deref(), Some("it is empty"));
        assert_eq!(
            name_problem("kv_store").as_deref(),
            Some("'_' is not allowed")
        );
        assert_eq!(name_problem("Kv").as_deref(), Some("'K' is not allowed"));
        assert_eq!(
            name_problem(&"x".repeat(65)).as_deref(),
            Some("it is 65 characters long")
        );
        assert_eq!(name_problem("kv-store"), None);
    }

    #[test]
    fn misspelled_dependency_names_are_not_read_as_requirements() {
        let mut errors = Errors::default();
        let checked = dependencies(
            "me",
            &lits(&["kv_store", "kv.store >=1", ">=1"]),
            &mut errors,
        );
        assert!(checked.is_empty());
        let messages: Vec<_> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert!(
            messages[0].contains("invalid dependency \"kv_store\": '_' is not allowed"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("in plugin name \"kv.store\", '.' is not allowed"),
            "{messages:?}"
        );
        assert!(
            messages[2].contains("the plugin name is missing"),
            "{messages:?}"
        );
    }

    #[test]
    fn dependencies_split_name_and_requirement() {
        let mut errors = Errors::default();
        let checked = dependencies(
            "me",
            &lits(&["kv-store", "clock >=1.2", "db^2"]),
            &mut errors,
        );
        assert!(errors.finish().is_ok());
        let pairs: Vec<_> = checked
            .iter()
            .map(|d| (d.name.as_str(), d.requirement.as_str()))
            .collect();
        assert_eq!(pairs, [("kv-store", ""), ("clock", ">=1.2"), ("db", "^2")]);
    }

    #[test]
    fn bad_dependencies_are_all_reported() {
        let mut errors = Errors::default();
        let checked = dependencies(
            "me",
            &lits(&["Bad", "clock >=x", "me", "ok", "ok"]),
            &mut errors,
        );
        assert_eq!(checked.len(), 1);
        let error = errors.finish().unwrap_err();
        let messages: Vec<_> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].contains("invalid dependency \"Bad\""));
        assert!(messages[1].contains("invalid version requirement \">=x\""));
        assert!(messages[2].contains("cannot depend on itself"));
        assert!(messages[3].contains("listed more than once"));
    }
}
