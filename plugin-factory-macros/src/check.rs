//! Check: owns the rules of the plugin contract and the defaults. It takes what was parsed
//! (the item and the [`Args`]) and resolves it into a [`PluginDef`]: the target struct, the
//! plugin's name, version, description and dependencies, each valid and with the span it is
//! reported at. Every check reports at the token it is about; all failures are collected by
//! [`Errors`] and reported together.

use heck::ToKebabCase;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Item, ItemStruct, Lit, LitStr, Path, Type};

use crate::args::Args;
use crate::errors::Errors;
use crate::implements::{self, Implemented};
use crate::on_failure::Policy;

/// A plugin as `expand` generates it: everything resolved and checked, every value with its
/// span.
pub(crate) struct PluginDef {
    /// The annotated struct, emitted unchanged.
    pub(crate) item: ItemStruct,
    /// The plugin name: as given, or the kebab-case of the struct's name, spanned at it.
    pub(crate) name: LitStr,
    /// The version as given; `None` means the version of the calling package.
    pub(crate) version: Option<LitStr>,
    /// The description: as given, or the doc comment's first paragraph, spanned at the
    /// struct's name.
    pub(crate) description: LitStr,
    /// The dependencies, valid and without repeats, in the order written.
    pub(crate) dependencies: Vec<CheckedDependency>,
    /// The function that makes the plugin; `None` means `Default`, or the config's
    /// `from_config` when there is a config type.
    pub(crate) factory: Option<Path>,
    /// The config type: the plugin is built from it by `Configurable::from_config`. Never
    /// together with a factory.
    pub(crate) config: Option<Type>,
    /// The path of the runtime crate: as given with `crate = ...`, or `::plugin_factory`.
    pub(crate) krate: TokenStream,
    /// What happens when it fails (`on_failure`, `exclude` unless given).
    pub(crate) on_failure: Policy,
    /// How long each hook may run under the async manager, in milliseconds (`timeout_ms`).
    pub(crate) timeout_ms: Option<u32>,
    /// The extension points it implements, in the order written.
    pub(crate) implements: Vec<Implemented>,
}

/// A dependency split into the plugin name and its optional semver requirement; `every` for
/// one on every instance of a kind (`"every sink"`).
pub(crate) struct CheckedDependency {
    pub(crate) name: String,
    pub(crate) requirement: String,
    pub(crate) every: bool,
}

/// Checks `#[plugin(args)] item` and resolves its defaults, or returns every error found.
///
/// The order of the errors is part of the diagnostics: an item that is not a usable struct is
/// reported alone, before any error of the arguments; an argument that does not parse is
/// reported alone, before the checks of the values; the checks of the values are reported
/// together.
pub(crate) fn plugin(args: syn::Result<Args>, item: Item) -> syn::Result<PluginDef> {
    let item = target_struct(item)?;
    let args = args?;

    let mut errors = Errors::new();
    let ident = &item.ident;
    let plugin_name = match args.name {
        Some(given) => {
            name(&given.value(), given.span(), &mut errors);
            given
        }
        None => {
            let derived = ident.unraw().to_string().to_kebab_case();
            if let Some(problem) = name_problem(&derived) {
                errors.push(syn::Error::new_spanned(
                    ident,
                    format!(
                        "cannot derive a plugin name from `{ident}`: its kebab-case {derived:?} is not a valid plugin name ({problem}); give one with `#[plugin(name = \"...\")]`"
                    ),
                ));
            }
            lit(&derived, ident.span())
        }
    };
    if let Some(given) = &args.version {
        version(given, &mut errors);
    }
    let dependencies = dependencies(&plugin_name.value(), &args.depends_on, &mut errors);
    if let (Some(config), Some(factory)) = (&args.config, &args.factory) {
        errors.push(syn::Error::new_spanned(
            &config.key,
            format!(
                "`config` and `factory` exclude each other: a plugin with a config type is built by its `Configurable::from_config`, which is its factory; remove `factory = {}` and build the plugin in `from_config`",
                path_text(factory)
            ),
        ));
    }
    implements::check(&args.implements, &plugin_name.value(), name, &mut errors);
    errors.check()?;

    let krate = match &args.krate {
        Some(path) => quote!(#path),
        None => quote!(::plugin_factory),
    };
    let description = match args.description {
        Some(given) => given,
        None => lit(&doc_summary(&item.attrs), item.ident.span()),
    };
    Ok(PluginDef {
        item,
        name: plugin_name,
        version: args.version,
        description,
        dependencies,
        factory: args.factory,
        config: args.config.map(|config| config.value),
        krate,
        on_failure: args.on_failure.unwrap_or(Policy::Exclude),
        timeout_ms: args.timeout_ms.as_ref().map(check_timeout).transpose()?,
        implements: args.implements,
    })
}

/// A `timeout_ms` that can be a timeout: a whole number of milliseconds, from 1 to `u32::MAX`.
fn check_timeout(millis: &syn::LitInt) -> syn::Result<u32> {
    let error = |message: &str| syn::Error::new_spanned(millis, message);
    if !millis.suffix().is_empty() {
        return Err(error(
            "`timeout_ms` is in milliseconds already: write it without a suffix",
        ));
    }
    match millis.base10_parse::<u32>() {
        Ok(0) => Err(error(
            "a timeout of 0 ms would cancel every hook: give at least 1, or leave `timeout_ms` out for the manager's `hook_timeout`",
        )),
        Ok(millis) => Ok(millis),
        Err(_) => Err(error(
            "`timeout_ms` must fit in a u32 (at most 4294967295 ms, about 49 days)",
        )),
    }
}

/// The struct `#[plugin]` is on, or an error at the token that makes it unusable.
fn target_struct(item: Item) -> syn::Result<ItemStruct> {
    let (token, kind) = match item {
        Item::Struct(item) => {
            if !item.generics.params.is_empty() {
                return Err(syn::Error::new_spanned(
                    &item.generics,
                    "`#[plugin]` cannot be used on a generic struct: the registry needs one concrete type; put `#[plugin]` on a non-generic struct that wraps the instantiation you need",
                ));
            }
            return Ok(item);
        }
        Item::Enum(item) => (item.enum_token.span, "an enum"),
        Item::Union(item) => (item.union_token.span, "a union"),
        Item::Fn(item) => (item.sig.fn_token.span, "a function"),
        Item::Impl(item) => (item.impl_token.span, "an impl block"),
        Item::Trait(item) => (item.trait_token.span, "a trait"),
        other => (other.span(), "this item"),
    };
    Err(syn::Error::new(
        token,
        format!("`#[plugin]` goes on a struct that implements `Plugin`, not on {kind}"),
    ))
}

/// The rule for plugin names, for error messages.
const NAME_RULE: &str = "use 1 to 64 characters from lowercase `a-z`, `0-9` and `-`";

/// Whether `c` may appear in a plugin name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

/// What is wrong with `name` as a plugin name (lowercase `[a-z0-9-]`, 1 to 64 characters), or
/// `None` if it is valid.
fn name_problem(name: &str) -> Option<String> {
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
fn is_valid_name(name: &str) -> bool {
    name_problem(name).is_none()
}

/// Checks a plugin name, reporting at `span`.
fn name(name: &str, span: Span, errors: &mut Errors) {
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
fn version(version: &LitStr, errors: &mut Errors) {
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
fn dependencies(
    plugin: &str,
    dependencies: &[LitStr],
    errors: &mut Errors,
) -> Vec<CheckedDependency> {
    let mut checked: Vec<CheckedDependency> = Vec::with_capacity(dependencies.len());
    for literal in dependencies {
        let text = literal.value();
        let text = text.trim();
        // `every NAME`: a dependency on every instance of the kind NAME.
        let (every, text) = match text.strip_prefix("every") {
            Some(rest) if rest.starts_with(char::is_whitespace) => (true, rest.trim_start()),
            _ => (false, text),
        };
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
                    "invalid dependency {text:?}: {problem}; expected a plugin name (1 to 64 of lowercase `a-z`, `0-9`, `-`), optionally followed by a semver requirement, e.g. \"kv-store >=1.2\", or \"every NAME\" for every instance of a kind"
                ),
            ));
            continue;
        }
        if every && !requirement.is_empty() {
            errors.push(syn::Error::new_spanned(
                literal,
                format!(
                    "a dependency on every instance of {name:?} takes no version requirement: write \"every {name}\""
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
            every,
        });
    }
    checked
}

/// The description from the struct's doc comment: its first paragraph, on one line.
fn doc_summary(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("doc")) {
        if let syn::Meta::NameValue(syn::MetaNameValue {
            value: Expr::Lit(ExprLit {
                lit: Lit::Str(doc), ..
            }),
            ..
        }) = &attr.meta
        {
            let value = doc.value();
            // A blank `///` line is an empty attribute: it ends the first paragraph too.
            if value.trim().is_empty() && !lines.is_empty() {
                return lines.join(" ");
            }
            for line in value.lines() {
                let line = line.trim();
                if line.is_empty() && !lines.is_empty() {
                    return lines.join(" ");
                }
                if !line.is_empty() {
                    lines.push(line.to_owned());
                }
            }
        }
    }
    lines.join(" ")
}

/// A path as written, for messages: `Cache::new`, not `Cache :: new`.
fn path_text(path: &Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

/// A string literal made by the macro, at `span`.
fn lit(value: &str, span: Span) -> LitStr {
    LitStr::new(value, span)
}

#[cfg(test)]
mod tests;
