//! The `#[plugin]` attribute of `plugin-factory`. An implementation detail: depend on
//! `plugin-factory`, which re-exports it and documents it.
//!
//! This file owns the entry point and the pipeline, in three steps:
//! - parse: `syn` parses the item, and `args` parses the annotation into `Args`;
//! - check: `check` validates both against the rules of the plugin contract and resolves the
//!   defaults into a `PluginDef`, or returns every error found (collected by `errors`);
//! - expand: `expand` generates the struct and its registry entry from the `PluginDef`.
//!
//! `config = Type` (a plugin built from a typed configuration) follows the same pipeline:
//! `args` records the type, `check` rejects it beside `factory` (the config's `from_config` is
//! the factory), and `expand` builds the entry with `PluginEntry::configured` and a
//! `ConfigSpec` of the struct and the type, spanned at the type so that a missing
//! `Configurable`, `Deserialize` or `JsonSchema` impl is reported there. The spec's default
//! (`Some(C::default())` if `C: Default`, else `None`) is a function the macro generates, since
//! only it sees the concrete type; it picks by autoref specialization on
//! `plugin_factory::__private::ConfigProbe`.

// Every snippet in the docs compiles without a warning, so that none teaches one; a type a
// snippet declares to show a shape, and does not use, is no lesson.
#![doc(test(attr(deny(warnings), allow(dead_code))))]

mod args;
mod check;
mod errors;
mod expand;
mod implements;
mod literal;
mod on_failure;

use proc_macro::TokenStream;

use crate::args::Args;

/// Registers a struct as a plugin. Documented, with examples, where `plugin-factory`
/// re-exports it: `plugin_factory::plugin`.
#[proc_macro_attribute]
pub fn plugin(args: TokenStream, item: TokenStream) -> TokenStream {
    let original = proc_macro2::TokenStream::from(item.clone());
    // Parse. An item that does not parse is reported alone; an error in the arguments is kept
    // for `check`, which reports an item that is not a usable struct first.
    let parsed = syn::parse2::<syn::Item>(item.into()).map(|item| (Args::parse(args.into()), item));
    // Check, then expand.
    let expanded = parsed
        .and_then(|(args, item)| check::plugin(args, item))
        .map(|plugin| expand::plugin(&plugin));
    match expanded {
        Ok(expanded) => expanded.into(),
        // Emit the item unchanged beside the errors, so that later errors and IDEs still see it.
        Err(error) => {
            let error = error.into_compile_error();
            quote::quote!(#original #error).into()
        }
    }
}
