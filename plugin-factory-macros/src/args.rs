//! Parse: owns the syntax of the arguments of `#[plugin(...)]`. It turns them into [`Args`],
//! the annotation as written, and rejects only what does not parse (an unknown or repeated key,
//! a value of the wrong shape). Whether the values are valid is for `check` to say.

use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Ident, Lit, LitInt, LitStr, Path, Type};

use crate::implements::{self, Implemented};
use crate::literal::string_list;
use crate::on_failure::{self, Policy};

/// The keys `#[plugin(...)]` accepts, for error messages.
const KEYS: &str = "`name`, `version`, `description`, `depends_on`, `factory`, `config`, `implements`, `on_failure`, `timeout_ms` and `crate`";

/// The annotation as written; every value keeps its span for diagnostics.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<LitStr>,
    pub(crate) version: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) depends_on: Vec<LitStr>,
    pub(crate) factory: Option<Path>,
    pub(crate) config: Option<Keyed<Type>>,
    pub(crate) krate: Option<Path>,
    pub(crate) on_failure: Option<Policy>,
    pub(crate) timeout_ms: Option<LitInt>,
    pub(crate) implements: Vec<Implemented>,
    seen: Vec<String>,
}

/// A value with the key it was given under, for errors about the key itself (`config` beside
/// `factory`).
pub(crate) struct Keyed<T> {
    pub(crate) key: Ident,
    pub(crate) value: T,
}

impl Args {
    pub(crate) fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<Self> {
        let mut args = Self::default();
        syn::meta::parser(|meta| args.parse_one(meta)).parse2(tokens)?;
        Ok(args)
    }

    fn parse_one(&mut self, meta: ParseNestedMeta<'_>) -> syn::Result<()> {
        let Some(key) = meta.path.get_ident().map(ToString::to_string) else {
            return Err(meta.error(format!("unknown key; expected one of {KEYS}")));
        };
        if self.seen.contains(&key) {
            return Err(meta.error(format!("`{key}` is given more than once")));
        }
        match key.as_str() {
            "name" => self.name = Some(meta.value()?.parse()?),
            "version" => self.version = Some(meta.value()?.parse()?),
            "description" => self.description = Some(meta.value()?.parse()?),
            "factory" | "crate" => {
                let path = parse_path(&meta, &key)?;
                if key == "factory" {
                    self.factory = Some(path);
                } else {
                    self.krate = Some(path);
                }
            }
            "config" => {
                let value = parse_type(&meta)?;
                self.config = Some(Keyed {
                    key: meta.path.require_ident()?.clone(),
                    value,
                });
            }
            "on_failure" => self.on_failure = Some(on_failure::parse(&meta)?),
            "required" => return Err(meta.error(on_failure::REQUIRED_RENAMED)),
            "timeout_ms" => self.timeout_ms = Some(parse_millis(&meta)?),
            "depends_on" => self.depends_on = parse_string_list(&meta)?,
            "implements" => self.implements = implements::parse(&meta)?,
            _ => return Err(meta.error(format!("unknown key `{key}`; expected one of {KEYS}"))),
        }
        self.seen.push(key);
        Ok(())
    }
}

/// Parses `= 5000`, with a specific error for anything but an integer.
fn parse_millis(meta: &ParseNestedMeta<'_>) -> syn::Result<LitInt> {
    const SHAPE: &str =
        "`timeout_ms` takes whole milliseconds as an integer: write `timeout_ms = 5000`";
    let input = meta.value()?;
    let value: Expr = input.parse()?;
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(millis),
            ..
        }) => Ok(millis),
        other => Err(syn::Error::new_spanned(other, SHAPE)),
    }
}

/// Parses `= path::to::item`, with a specific error for a quoted path.
fn parse_path(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Path> {
    let input = meta.value()?;
    if input.peek(LitStr) {
        let literal: LitStr = input.parse()?;
        let example = match literal.parse::<Path>() {
            Ok(_) => literal.value(),
            Err(_) if key == "crate" => "::plugin_factory".to_owned(),
            Err(_) => "Type::new".to_owned(),
        };
        return Err(syn::Error::new_spanned(
            literal,
            format!("`{key}` takes a path, not a string: write `{key} = {example}`"),
        ));
    }
    input.parse()
}

/// Parses `= path::to::Type`, with specific errors for a missing value and a quoted type.
fn parse_type(meta: &ParseNestedMeta<'_>) -> syn::Result<Type> {
    const MISSING: &str = "`config` takes the plugin's config type: write `config = MyConfig`, where `MyConfig` derives `serde::Deserialize` and `schemars::JsonSchema`";
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error(MISSING));
    }
    let input = meta.value()?;
    if input.is_empty() || input.peek(syn::Token![,]) {
        return Err(meta.error(MISSING));
    }
    if input.peek(LitStr) {
        let literal: LitStr = input.parse()?;
        let example = match literal.parse::<Type>() {
            Ok(_) => literal.value(),
            Err(_) => "MyConfig".to_owned(),
        };
        return Err(syn::Error::new_spanned(
            literal,
            format!("`config` takes a type, not a string: write `config = {example}`"),
        ));
    }
    input.parse()
}

/// Parses `= ["a", "b >=1"]`.
fn parse_string_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<LitStr>> {
    string_list(
        meta.value()?.parse()?,
        "`depends_on` takes a list of strings: `depends_on = [\"kv-store\", \"clock >=1.2\"]`",
        "expected a string such as \"kv-store\" or \"kv-store >=1.2\"",
    )
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn error(tokens: proc_macro2::TokenStream) -> String {
        match Args::parse(tokens) {
            Ok(_) => panic!("the arguments parsed"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn config_takes_a_type() {
        let args = Args::parse(quote!(config = crate::Settings<u8>, name = "x")).unwrap();
        let config = args.config.expect("the config is recorded");
        assert_eq!(config.key, "config");
        let ty = &config.value;
        assert_eq!(quote!(#ty).to_string(), "crate :: Settings < u8 >");
    }

    #[test]
    fn config_without_a_type_says_what_to_write() {
        for tokens in [
            quote!(config),
            quote!(config =),
            quote!(config = , name = "x"),
        ] {
            let message = error(tokens);
            assert!(message.contains("write `config = MyConfig`"), "{message}");
        }
        assert!(error(quote!(config(Settings))).contains("write `config = MyConfig`"));
    }

    #[test]
    fn a_quoted_config_type_is_rejected() {
        assert_eq!(
            error(quote!(config = "Settings<u8>")),
            "`config` takes a type, not a string: write `config = Settings<u8>`"
        );
        assert_eq!(
            error(quote!(config = "not a type")),
            "`config` takes a type, not a string: write `config = MyConfig`"
        );
    }

    #[test]
    fn the_key_list_names_config_and_on_failure() {
        assert!(
            error(quote!(author = "me")).contains(
                "`factory`, `config`, `implements`, `on_failure`, `timeout_ms` and `crate`"
            )
        );
    }

    #[test]
    fn required_points_to_its_replacement() {
        assert_eq!(
            error(quote!(required)),
            "`required` is now a failure policy: write `on_failure = \"fail\"`"
        );
    }
}
