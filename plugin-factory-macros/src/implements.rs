//! `implements = [Trait, Trait(priority = 1, before = ["x"], after = ["y"])]`: the extension
//! points a kind implements, through the whole pipeline (parse, check, expand), since the key
//! has a grammar of its own.
//!
//! The expansion is one `Implements<dyn Trait>` impl per point, whose body coerces
//! `Arc<Self>` to `Arc<dyn Trait>`, and the kind's `Implementations`: spanned at the trait's
//! path, so that a struct that does not implement the trait, a path that is not a trait, or a
//! trait that is not `Send + Sync` is reported in the annotation, at the trait, and a struct
//! that is not `Sync` at the first trait.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitInt, LitStr, Path, UnOp};

use crate::errors::Errors;
use crate::literal::string_list;

const SHAPE: &str = "`implements` takes a list of extension point traits: `implements = [OnRequest, Metrics(priority = 10, before = [\"x\"], after = [\"y\"])]`";
const KEYS: &str = "`priority`, `before` and `after`";

/// One extension point as the annotation names it.
pub(crate) struct Implemented {
    pub(crate) path: Path,
    pub(crate) priority: Option<LitInt>,
    pub(crate) before: Vec<LitStr>,
    pub(crate) after: Vec<LitStr>,
}

/// Parses `= [...]`.
pub(crate) fn parse(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Implemented>> {
    if !meta.input.peek(syn::Token![=]) {
        return Err(meta.error(SHAPE));
    }
    let value: Expr = meta.value()?.parse()?;
    let Expr::Array(array) = value else {
        return Err(syn::Error::new_spanned(value, SHAPE));
    };
    if array.elems.is_empty() {
        return Err(syn::Error::new_spanned(
            array,
            "`implements` lists no extension point: name at least one trait, or leave the key out",
        ));
    }
    array.elems.into_iter().map(one).collect()
}

fn one(element: Expr) -> syn::Result<Implemented> {
    match element {
        Expr::Path(path) if path.qself.is_none() => Ok(Implemented {
            path: path.path,
            priority: None,
            before: Vec::new(),
            after: Vec::new(),
        }),
        Expr::Call(call) => {
            let Expr::Path(path) = *call.func else {
                return Err(syn::Error::new_spanned(call.func, SHAPE));
            };
            let mut implemented = Implemented {
                path: path.path,
                priority: None,
                before: Vec::new(),
                after: Vec::new(),
            };
            let mut seen: Vec<String> = Vec::new();
            for arg in call.args {
                let Expr::Assign(assign) = arg else {
                    return Err(syn::Error::new_spanned(
                        arg,
                        format!("expected `key = value`, with a key among {KEYS}"),
                    ));
                };
                let key = match &*assign.left {
                    Expr::Path(key) => key.path.get_ident().cloned(),
                    _ => None,
                };
                let Some(key) = key else {
                    return Err(syn::Error::new_spanned(
                        assign.left,
                        format!("expected a key among {KEYS}"),
                    ));
                };
                let name = key.to_string();
                if seen.contains(&name) {
                    return Err(syn::Error::new_spanned(
                        &key,
                        format!("`{name}` is given more than once"),
                    ));
                }
                match name.as_str() {
                    "priority" => implemented.priority = Some(priority(*assign.right)?),
                    "before" => implemented.before = names(&key, *assign.right)?,
                    "after" => implemented.after = names(&key, *assign.right)?,
                    _ => {
                        return Err(syn::Error::new_spanned(
                            &key,
                            format!("unknown key `{name}`; expected one of {KEYS}"),
                        ));
                    }
                }
                seen.push(name);
            }
            Ok(implemented)
        }
        other => Err(syn::Error::new_spanned(
            other,
            "expected the path of an extension point trait, such as `OnRequest` or `hooks::OnRequest(priority = 10)`",
        )),
    }
}

/// An integer literal, possibly negative.
fn priority(value: Expr) -> syn::Result<LitInt> {
    let (negative, literal) = match value {
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => (true, *unary.expr),
        other => (false, other),
    };
    match literal {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let text = if negative {
                format!("-{}", int.base10_digits())
            } else {
                int.base10_digits().to_owned()
            };
            Ok(LitInt::new(&text, int.span()))
        }
        other => Err(syn::Error::new_spanned(
            other,
            "`priority` takes an integer: higher runs first, the default is 0",
        )),
    }
}

/// A list of plugin names.
fn names(key: &Ident, value: Expr) -> syn::Result<Vec<LitStr>> {
    let example = format!("`{key} = [\"kv-store\"]`");
    string_list(
        value,
        format!("`{key}` takes a list of plugin names: {example}"),
        format!("expected a plugin name such as \"kv-store\": {example}"),
    )
}

/// Checks the values: a priority that fits an `i32`, valid plugin names (`check_name` reports
/// an invalid one at the span it is given), no point twice.
pub(crate) fn check(
    implemented: &[Implemented],
    plugin: &str,
    check_name: fn(&str, Span, &mut Errors),
    errors: &mut Errors,
) {
    for (k, point) in implemented.iter().enumerate() {
        let text = path_text(&point.path);
        if implemented[..k].iter().any(|p| path_text(&p.path) == text) {
            errors.push(syn::Error::new_spanned(
                &point.path,
                format!("`{text}` is listed twice in `implements`"),
            ));
        }
        if let Some(priority) = &point.priority
            && priority.base10_parse::<i32>().is_err()
        {
            errors.push(syn::Error::new_spanned(
                priority,
                "`priority` must fit an `i32`",
            ));
        }
        for target in point.before.iter().chain(&point.after) {
            check_name(&target.value(), target.span(), errors);
            if target.value() == plugin {
                errors.push(syn::Error::new_spanned(
                    target,
                    format!(
                        "{plugin:?} is this plugin's own name: an implementation cannot run before or after itself (with several instances of the kind, every call would fail with an ordering cycle)"
                    ),
                ));
            }
        }
    }
}

fn path_text(path: &Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

/// The `Implements` impls of `ident` and the expression of its `Implementations`, or nothing
/// when it implements no point.
pub(crate) fn expand(
    ident: &Ident,
    implemented: &[Implemented],
    private: &TokenStream,
) -> Option<(TokenStream, TokenStream)> {
    if implemented.is_empty() {
        return None;
    }
    let impls = implemented.iter().map(|point| {
        let path = &point.path;
        let span = path.span();
        quote_spanned! {span=>
            impl #private::Implements<dyn #path> for #ident {
                fn cast(this: #private::Arc<Self>) -> #private::Arc<dyn #path> {
                    this
                }
            }
        }
    });
    // The functions below require the kind to be `Sync` (calls share its instance between
    // threads): rustc reports a bound at the generic argument it is on, so the kind is spanned
    // at the first point of the annotation, once for all of them.
    let mut kind = ident.clone();
    kind.set_span(implemented[0].path.span());
    let entries = implemented.iter().map(|point| {
        let path = &point.path;
        let priority = match &point.priority {
            Some(priority) => quote!(#priority),
            None => quote!(0),
        };
        let (before, after) = (&point.before, &point.after);
        quote_spanned! {path.span()=>
            #private::implementation::<#kind, dyn #path>(#private::Placement {
                priority: #priority,
                before: &[#(#before),*],
                after: &[#(#after),*],
            })
        }
    });
    let items = quote! {
        #(#impls)*
        static __PLUGIN_FACTORY_IMPLEMENTATIONS: #private::Implementations =
            #private::implementations::<#kind>(&[#(#entries),*]);
    };
    Some((items, quote!(&__PLUGIN_FACTORY_IMPLEMENTATIONS)))
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;
    use crate::args::Args;

    /// The points of `#[plugin(tokens)]`.
    fn points(tokens: TokenStream) -> Vec<Implemented> {
        Args::parse(tokens)
            .unwrap_or_else(|e| panic!("{e}"))
            .implements
    }

    fn error(tokens: TokenStream) -> String {
        match Args::parse(tokens) {
            Ok(_) => panic!("the arguments parsed"),
            Err(error) => error.to_string(),
        }
    }

    fn texts(names: &[LitStr]) -> Vec<String> {
        names.iter().map(LitStr::value).collect()
    }

    /// The messages `check` gives, with a name check that rejects uppercase.
    fn check_messages(tokens: TokenStream) -> Vec<String> {
        fn lowercase(name: &str, span: Span, errors: &mut Errors) {
            if name.chars().any(char::is_uppercase) {
                errors.push(syn::Error::new(span, format!("bad name {name:?}")));
            }
        }
        let mut errors = Errors::new();
        check(&points(tokens), "self-named", lowercase, &mut errors);
        errors.messages()
    }

    #[test]
    fn a_constraint_on_its_own_name_is_refused() {
        let messages = check_messages(quote!(implements = [OnRequest(before = ["self-named"])]));
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].contains("this plugin's own name"),
            "{messages:?}"
        );
    }

    #[test]
    fn a_negative_priority_parses() {
        let points = points(quote!(implements = [OnRequest(priority = -5)]));
        let priority = points[0]
            .priority
            .as_ref()
            .expect("the priority is recorded");
        assert_eq!(priority.base10_parse::<i32>().unwrap(), -5);
        assert_eq!(priority.to_string(), "-5");
    }

    #[test]
    fn every_key_is_recorded() {
        let points = points(quote!(
            name = "x",
            implements = [
                hooks::OnRequest(priority = 10, before = ["auth", "cache"], after = ["log"]),
                Metrics,
                Audit(after = []),
            ]
        ));
        let paths: Vec<String> = points.iter().map(|p| path_text(&p.path)).collect();
        assert_eq!(paths, ["hooks::OnRequest", "Metrics", "Audit"]);
        let on_request = &points[0];
        assert_eq!(
            on_request
                .priority
                .as_ref()
                .map(LitInt::to_string)
                .as_deref(),
            Some("10")
        );
        assert_eq!(texts(&on_request.before), ["auth", "cache"]);
        assert_eq!(texts(&on_request.after), ["log"]);
        for point in &points[1..] {
            assert!(point.priority.is_none());
            assert!(point.before.is_empty() && point.after.is_empty());
        }
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_rejected() {
        assert!(error(quote!(implements = OnRequest)).starts_with("`implements` takes a list"));
        assert!(error(quote!(implements(OnRequest))).starts_with("`implements` takes a list"));
        assert!(error(quote!(implements = [])).contains("lists no extension point"));
        assert!(
            error(quote!(implements = ["OnRequest"]))
                .contains("the path of an extension point trait")
        );
        assert_eq!(
            error(quote!(implements = [OnRequest(priority = "high")])),
            "`priority` takes an integer: higher runs first, the default is 0"
        );
        assert_eq!(
            error(quote!(implements = [OnRequest(before = "x")])),
            "`before` takes a list of plugin names: `before = [\"kv-store\"]`"
        );
        assert!(
            error(quote!(implements = [OnRequest(after = [x])])).contains("expected a plugin name")
        );
        assert!(
            error(quote!(implements = [OnRequest(priority)])).starts_with("expected `key = value`")
        );
    }

    #[test]
    fn an_unknown_or_repeated_key_is_rejected() {
        assert_eq!(
            error(quote!(implements = [OnRequest(prio = 1)])),
            "unknown key `prio`; expected one of `priority`, `before` and `after`"
        );
        assert_eq!(
            error(quote!(
                implements = [OnRequest(before = ["a"], before = ["b"])]
            )),
            "`before` is given more than once"
        );
    }

    #[test]
    fn check_reports_every_bad_value() {
        let messages = check_messages(quote!(
            implements = [
                OnRequest(priority = 3_000_000_000, before = ["Auth"]),
                Metrics(after = ["log", "Cache"]),
                OnRequest,
            ]
        ));
        assert_eq!(
            messages,
            [
                "`priority` must fit an `i32`",
                "bad name \"Auth\"",
                "bad name \"Cache\"",
                "`OnRequest` is listed twice in `implements`",
            ]
        );
    }

    #[test]
    fn the_same_trait_by_another_path_is_not_a_duplicate() {
        // Paths are compared as written: two paths may name one trait, which rustc then
        // reports as conflicting `Implements` impls.
        let mut errors = Errors::new();
        check(
            &points(quote!(implements = [OnRequest, hooks::OnRequest])),
            "x",
            |_, _, _| {},
            &mut errors,
        );
        assert!(errors.check().is_ok());
    }
}
