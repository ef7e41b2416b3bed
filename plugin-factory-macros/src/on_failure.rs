//! `on_failure = ...`: parses the failure policy of `#[plugin]`, checks its numbers, and expands
//! it to the runtime's `OnFailure`. The syntax:
//!
//! ```text
//! on_failure = "exclude"      // the default
//! on_failure = "fail"         // the transition fails (what `required` was)
//! on_failure = "retry"        // 3 attempts, 100 ms doubling up to 10 s
//! on_failure = retry(attempts = 5, delay_ms = 200, max_delay_ms = 5000)
//! ```

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Ident, LitInt, LitStr};

/// What `on_failure = ...` says.
pub(crate) enum Policy {
    Exclude,
    Fail,
    Retry {
        attempts: u32,
        delay_ms: u32,
        max_delay_ms: u32,
    },
}

/// The runtime's defaults for `retry`, repeated here so that a partial `retry(...)` is checked
/// against them at compile time (`Backoff::DEFAULT` in the runtime crate).
const ATTEMPTS: u32 = 3;
const DELAY_MS: u32 = 100;
const MAX_DELAY_MS: u32 = 10_000;

const EXPECTED: &str = "expected \"exclude\", \"fail\", \"retry\" or `retry(attempts = 5, delay_ms = 100, max_delay_ms = 10000)`";

/// Parses the value of `on_failure`.
pub(crate) fn parse(meta: &ParseNestedMeta<'_>) -> syn::Result<Policy> {
    let input = meta.value()?;
    if input.peek(LitStr) {
        let word: LitStr = input.parse()?;
        return match word.value().as_str() {
            "exclude" => Ok(Policy::Exclude),
            "fail" => Ok(Policy::Fail),
            "retry" => Ok(retry_with(ATTEMPTS, DELAY_MS, MAX_DELAY_MS)),
            other => Err(syn::Error::new_spanned(
                &word,
                format!("unknown failure policy {other:?}; {EXPECTED}"),
            )),
        };
    }
    let ident: Ident = input
        .parse()
        .map_err(|error| syn::Error::new(error.span(), EXPECTED))?;
    if ident != "retry" {
        return Err(syn::Error::new_spanned(&ident, EXPECTED));
    }
    if input.is_empty() || input.peek(syn::Token![,]) {
        return Err(syn::Error::new_spanned(
            &ident,
            "write `retry(...)` with its numbers, or \"retry\" for the defaults",
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let mut attempts = None;
    let mut delay_ms = None;
    let mut max_delay_ms = None;
    let parser = syn::meta::parser(|meta| {
        let key = meta.path.require_ident()?.to_string();
        let slot = match key.as_str() {
            "attempts" => &mut attempts,
            "delay_ms" => &mut delay_ms,
            "max_delay_ms" => &mut max_delay_ms,
            _ => {
                return Err(meta.error(format!(
                    "unknown key `{key}` of `retry`; expected `attempts`, `delay_ms` and `max_delay_ms`"
                )));
            }
        };
        if slot.is_some() {
            return Err(meta.error(format!("`{key}` is given more than once")));
        }
        let value: LitInt = meta.value()?.parse().map_err(|error| {
            syn::Error::new(error.span(), format!("`{key}` takes a whole number"))
        })?;
        let number = value
            .base10_parse::<u32>()
            .map_err(|_| syn::Error::new_spanned(&value, format!("`{key}` must fit in a u32")))?;
        *slot = Some((number, value.span()));
        Ok(())
    });
    syn::parse::Parser::parse2(parser, content.parse()?)?;
    let (attempts, attempts_span) = attempts.unwrap_or((ATTEMPTS, ident.span()));
    if attempts == 0 {
        return Err(syn::Error::new(
            attempts_span,
            "`attempts` counts every try, the first included: it must be at least 1",
        ));
    }
    let (delay, delay_span) = delay_ms.unwrap_or((DELAY_MS, ident.span()));
    let (max_delay, max_span) = max_delay_ms.unwrap_or((MAX_DELAY_MS, ident.span()));
    if delay > max_delay {
        // At whichever of the two was written; the first delay if both were.
        let span = if delay_ms.is_some() {
            delay_span
        } else {
            max_span
        };
        return Err(syn::Error::new(
            span,
            format!("the first delay ({delay} ms) exceeds `max_delay_ms` ({max_delay} ms)"),
        ));
    }
    Ok(retry_with(attempts, delay, max_delay))
}

fn retry_with(attempts: u32, delay_ms: u32, max_delay_ms: u32) -> Policy {
    Policy::Retry {
        attempts,
        delay_ms,
        max_delay_ms,
    }
}

/// The error for the old `required` flag, at the key.
pub(crate) const REQUIRED_RENAMED: &str =
    "`required` is now a failure policy: write `on_failure = \"fail\"`";

/// `OnFailure::...` for `policy`, through the runtime crate's hidden path.
pub(crate) fn expand(policy: &Policy, private: &TokenStream) -> TokenStream {
    match policy {
        Policy::Exclude => quote!(#private::OnFailure::Exclude),
        Policy::Fail => quote!(#private::OnFailure::Fail),
        Policy::Retry {
            attempts,
            delay_ms,
            max_delay_ms,
        } => quote!(#private::OnFailure::Retry(#private::Backoff::__from_millis(
            #attempts, #delay_ms, #max_delay_ms
        ))),
    }
}
