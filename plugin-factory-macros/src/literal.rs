//! Reading literal values out of the arguments' syntax, shared by the parsers of the keys.

use syn::{Expr, ExprLit, Lit, LitStr};

/// The string literals of the array `value`; `not_a_list` at the value if it is no array,
/// `not_a_string` at an element that is no string literal.
pub(crate) fn string_list(
    value: Expr,
    not_a_list: impl std::fmt::Display,
    not_a_string: impl std::fmt::Display,
) -> syn::Result<Vec<LitStr>> {
    let Expr::Array(array) = value else {
        return Err(syn::Error::new_spanned(value, not_a_list));
    };
    array
        .elems
        .into_iter()
        .map(|element| match element {
            Expr::Lit(ExprLit {
                lit: Lit::Str(literal),
                ..
            }) => Ok(literal),
            other => Err(syn::Error::new_spanned(other, &not_a_string)),
        })
        .collect()
}
