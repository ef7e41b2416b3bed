//! Generates the registry entry for an annotated struct.

use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Item, ItemStruct};

use crate::args::{self, Args};
use crate::check::{self, Errors};

/// Expands `#[plugin(args)] item`, or returns every error found.
pub(crate) fn plugin(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let item: Item = syn::parse2(item)?;
    let parsed_args = Args::parse(args);
    let item = target_struct(item)?;
    let args = parsed_args?;

    let mut errors = Errors::default();
    let ident = &item.ident;
    let name = match &args.name {
        Some(name) => {
            check::name(&name.value(), name.span(), &mut errors);
            name.clone()
        }
        None => {
            let name = ident.unraw().to_string().to_kebab_case();
            if let Some(problem) = check::name_problem(&name) {
                errors.push(syn::Error::new_spanned(
                    ident,
                    format!(
                        "cannot derive a plugin name from `{ident}`: its kebab-case {name:?} is not a valid plugin name ({problem}); give one with `#[plugin(name = \"...\")]`"
                    ),
                ));
            }
            args::lit(&name, ident.span())
        }
    };
    if let Some(version) = &args.version {
        check::version(version, &mut errors);
    }
    let dependencies = check::dependencies(&name.value(), &args.depends_on, &mut errors);
    errors.finish()?;

    let krate = match &args.krate {
        Some(path) => quote!(#path),
        None => quote!(::plugin_factory),
    };
    let private = quote!(#krate::__private);
    let version = match &args.version {
        Some(version) => quote!(#version),
        None => quote!(::core::env!("CARGO_PKG_VERSION")),
    };
    let description = match &args.description {
        Some(description) => description.clone(),
        None => args::lit(&args::doc_summary(&item.attrs), ident.span()),
    };
    let dependency_names = dependencies.iter().map(|d| &d.name);
    let dependency_requirements = dependencies.iter().map(|d| &d.requirement);
    let required = args.required;
    // Spanned at the struct (or the factory path) so that a missing `Plugin` impl or a missing
    // `Default` is reported there. Without `factory = ...`, the factory is one generic function
    // of the runtime crate: nothing per plugin to type-check but its instantiation.
    let (factory_fn, factory) = match &args.factory {
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

    Ok(quote! {
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
    })
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
