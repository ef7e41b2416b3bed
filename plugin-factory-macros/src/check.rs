//! Validates the annotation against the rules of the plugin contract. Every check reports at
//! the token it is about; all failures are combined into one error.

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

/// Whether `name` is a valid plugin name: lowercase `[a-z0-9-]`, 1 to 64 characters.
pub(crate) fn is_valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks a plugin name, reporting at `span`.
pub(crate) fn name(name: &str, span: Span, errors: &mut Errors) {
    if !is_valid_name(name) {
        errors.push(syn::Error::new(
            span,
            format!(
                "invalid plugin name {name:?}: use 1 to 64 characters from lowercase `a-z`, `0-9` and `-`"
            ),
        ));
    }
}

/// Checks that `version` is semver.
pub(crate) fn version(version: &LitStr, errors: &mut Errors) {
    if let Err(error) = semver::Version::parse(&version.value()) {
        errors.push(syn::Error::new_spanned(
            version,
            format!("invalid version {:?}: {error} (expected semver, e.g. \"1.2.3\")", version.value()),
        ));
    }
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
        let split = text
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(text.len());
        let (name, requirement) = (&text[..split], text[split..].trim());
        if !is_valid_name(name) {
            errors.push(syn::Error::new_spanned(
                literal,
                format!(
                    "invalid dependency {text:?}: expected a plugin name (lowercase `a-z`, `0-9`, `-`), optionally followed by a semver requirement, e.g. \"kv-store >=1.2\""
                ),
            ));
            continue;
        }
        if !requirement.is_empty() {
            if let Err(error) = semver::VersionReq::parse(requirement) {
                errors.push(syn::Error::new_spanned(
                    literal,
                    format!("invalid version requirement {requirement:?} for dependency {name:?}: {error}"),
                ));
                continue;
            }
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
        values.iter().map(|v| LitStr::new(v, Span::call_site())).collect()
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
    fn dependencies_split_name_and_requirement() {
        let mut errors = Errors::default();
        let checked = dependencies("me", &lits(&["kv-store", "clock >=1.2", "db^2"]), &mut errors);
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
