//! Expand: owns the generated code. It turns a checked [`PluginDef`] into the struct, unchanged,
//! and its registry entry; it checks nothing and derives no default, and cannot fail.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::check::PluginDef;

/// The struct of `plugin` and its registry entry.
pub(crate) fn plugin(plugin: &PluginDef) -> TokenStream {
    let PluginDef {
        item,
        name,
        version,
        description,
        dependencies,
        factory,
        krate,
        required,
    } = plugin;
    let ident = &item.ident;
    let private = quote!(#krate::__private);
    let version = match version {
        Some(version) => quote!(#version),
        None => quote!(::core::env!("CARGO_PKG_VERSION")),
    };
    let dependency_names = dependencies.iter().map(|d| &d.name);
    let dependency_requirements = dependencies.iter().map(|d| &d.requirement);
    // Spanned at the struct (or the factory path) so that a missing `Plugin` impl or a missing
    // `Default` is reported there. Without `factory = ...`, the factory is one generic function
    // of the runtime crate: nothing per plugin to type-check but its instantiation.
    let (factory_fn, factory) = match factory {
        Some(factory) => {
            // A missing `impl Plugin` surfaces as the bound of the helper, at the struct's name.
            let boxed = quote_spanned!(ident.span()=> #private::boxed::<#ident>);
            let made = quote_spanned!(factory.span()=> {
                let plugin: #ident = #factory();
                plugin
            });
            let factory_fn = quote! {
                fn __plugin_factory_create(
                    _: &#krate::Context<'_>,
                ) -> #private::Box<dyn #krate::Plugin> {
                    #boxed(#made)
                }
            };
            (factory_fn, quote!(__plugin_factory_create))
        }
        None => (
            TokenStream::new(),
            quote_spanned!(ident.span()=> #private::create_default::<#ident>),
        ),
    };

    quote! {
        #item

        const _: () = {
            // Items of this block shadow the caller's: their names must not be ones a user's
            // `factory = path` could mean.
            #factory_fn

            // A constant, so that the registry's own macro gets one identifier to place, not
            // the whole expression to parse.
            const __PLUGIN_FACTORY_ENTRY: #private::PluginEntry = #private::PluginEntry::new(
                    #private::PluginMetadata::__new(
                        #name,
                        #version,
                        #description,
                        &[#(#private::Dependency::new(#dependency_names, #dependency_requirements)),*],
                        #required,
                        // The same constant for every plugin of the module: stored once.
                        &#private::Origin::new(
                            ::core::env!("CARGO_PKG_NAME"),
                            ::core::module_path!(),
                            ::core::file!(),
                        ),
                        ::core::line!(),
                    ),
                    #factory,
                );
            #private::submit! { (#krate) __PLUGIN_FACTORY_ENTRY }
        };
    }
}
