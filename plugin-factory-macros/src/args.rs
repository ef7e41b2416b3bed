//! Parse: owns the syntax of the arguments of `#[plugin(...)]`. It turns them into [`Args`],
//! the annotation as written, and rejects only what does not parse (an unknown or repeated key,
//! a value of the wrong shape). Whether the values are valid is for `check` to say.

use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Lit, LitStr, Path};

/// The keys `#[plugin(...)]` accepts, for error messages.
const KEYS: &str =
    "`name`, `version`, `description`, `depends_on`, `factory`, `crate` and `required`";

/// The annotation as written; every value keeps its span for diagnostics.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<LitStr>,
    pub(crate) version: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) depends_on: Vec<LitStr>,
    pub(crate) factory: Option<Path>,
    pub(crate) krate: Option<Path>,
    pub(crate) required: bool,
    seen: Vec<String>,
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
            "required" => {
                if meta.input.peek(syn::Token![=]) {
                    return Err(meta.error(
                        "`required` is a flag and takes no value: write `#[plugin(required)]`, or leave it out",
                    ));
                }
                self.required = true;
            }
            "depends_on" => self.depends_on = parse_string_list(&meta)?,
            _ => return Err(meta.error(format!("unknown key `{key}`; expected one of {KEYS}"))),
        }
        self.seen.push(key);
        Ok(())
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

/// Parses `= ["a", "b >=1"]`.
fn parse_string_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<LitStr>> {
    let value: Expr = meta.value()?.parse()?;
    let Expr::Array(array) = value else {
        return Err(syn::Error::new_spanned(
            value,
            "`depends_on` takes a list of strings: `depends_on = [\"kv-store\", \"clock >=1.2\"]`",
        ));
    };
    array
        .elems
        .into_iter()
        .map(|element| match element {
            Expr::Lit(ExprLit {
                lit: Lit::Str(literal),
                ..
            }) => Ok(literal),
            other => Err(syn::Error::new_spanned(
                other,
                "expected a string such as \"kv-store\" or \"kv-store >=1.2\"",
            )),
        })
        .collect()
}
