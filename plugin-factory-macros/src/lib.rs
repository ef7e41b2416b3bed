//! The `#[plugin]` attribute of `plugin-factory`. An implementation detail: depend on
//! `plugin-factory`, which re-exports it and documents it.
//!
//! The work is split in three steps: `args` parses the annotation, `check` validates it
//! against the rules of the plugin contract, `expand` generates the registry entry.

mod args;
mod check;
mod expand;

use proc_macro::TokenStream;

/// Registers a struct as a plugin. Documented, with examples, where `plugin-factory`
/// re-exports it: `plugin_factory::plugin`.
#[proc_macro_attribute]
pub fn plugin(args: TokenStream, item: TokenStream) -> TokenStream {
    let original = proc_macro2::TokenStream::from(item.clone());
    match expand::plugin(args.into(), item.into()) {
        Ok(expanded) => expanded.into(),
        // Emit the item unchanged beside the errors, so that later errors and IDEs still see it.
        Err(error) => {
            let error = error.into_compile_error();
            quote::quote!(#original #error).into()
        }
    }
}
