//! Expand: owns the generated code. It turns a checked [`PluginDef`] into the struct, unchanged,
//! and its registry entry; it checks nothing and derives no default, and cannot fail.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Type};

use crate::check::PluginDef;
use crate::{implements, on_failure};

/// The struct of `plugin` and its registry entry.
pub(crate) fn plugin(plugin: &PluginDef) -> TokenStream {
    let PluginDef {
        item,
        name,
        version,
        description,
        dependencies,
        factory,
        config,
        krate,
        on_failure,
        timeout_ms,
        implements,
    } = plugin;
    let ident = &item.ident;
    let private = quote!(#krate::__private);
    let version = match version {
        Some(version) => quote!(#version),
        None => quote!(::core::env!("CARGO_PKG_VERSION")),
    };
    let dependencies = dependencies.iter().map(|d| {
        let (name, requirement) = (&d.name, &d.requirement);
        if d.every {
            quote!(#private::Dependency::every(#name))
        } else {
            quote!(#private::Dependency::new(#name, #requirement))
        }
    });
    let on_failure = on_failure::expand(on_failure, &private);
    let timeout = timeout_ms
        .map(u64::from)
        .map(|millis| quote!(.with_timeout(::core::time::Duration::from_millis(#millis))));
    let metadata = quote! {
        #private::PluginMetadata::__new(
            #name,
            #version,
            #description,
            &[#(#dependencies),*],
            #on_failure,
            // The same constant for every plugin of the module: stored once.
            &#private::Origin::new(
                ::core::env!("CARGO_PKG_NAME"),
                ::core::module_path!(),
                ::core::file!(),
            ),
            ::core::line!(),
        )
        #timeout
    };
    // How an instance is made: a function item (if any) and the entry built with it.
    let (make_fn, entry) = match (config, factory) {
        (Some(config), _) => {
            let (default_fn, spec) = config_spec(ident, config, &private);
            let entry = quote!(#private::PluginEntry::configured(#metadata, #spec));
            (default_fn, entry)
        }
        (None, Some(factory)) => {
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
            let entry = quote!(#private::PluginEntry::new(#metadata, __plugin_factory_create));
            (factory_fn, entry)
        }
        // Spanned at the struct so that a missing `Plugin` impl or a missing `Default` is
        // reported there. The factory is one generic function of the runtime crate: nothing per
        // plugin to type-check but its instantiation.
        (None, None) => {
            let factory = quote_spanned!(ident.span()=> #private::create_default::<#ident>);
            let entry = quote!(#private::PluginEntry::new(#metadata, #factory));
            (TokenStream::new(), entry)
        }
    };

    // A kind that implements extension points: its `Implements` impls, and the entry made
    // with its `Implementations`.
    let (implementations, entry) = match implements::expand(ident, implements, &private) {
        Some((items, implementations)) => (items, quote!(#entry.implementing(#implementations))),
        None => (TokenStream::new(), entry),
    };

    quote! {
        #item

        const _: () = {
            // Items of this block shadow the caller's: their names must not be ones a user's
            // `factory = path` or `config = Type` could mean.
            #make_fn
            #implementations

            // A constant, so that the registry's own macro gets one identifier to place, not
            // the whole expression to parse.
            const __PLUGIN_FACTORY_ENTRY: #private::PluginEntry = #entry;
            #private::submit! { (#krate) __PLUGIN_FACTORY_ENTRY }
        };
    }
}

/// The default function of a plugin built from config type `config`, and the expression of its
/// `ConfigSpec`.
///
/// The default is `Some(C::default())` where `C: Default` and `None` otherwise. Only the macro
/// sees the concrete type, and stable Rust has no specialization, so the function picks by
/// autoref specialization: method lookup on `&&ConfigProbe<C>` finds the `Default` impl (for
/// `&ConfigProbe<C>`, bounded by `C: Default`) before the fallback (for `ConfigProbe<C>`, one
/// auto-deref further), and skips it when the bound does not hold.
fn config_spec(ident: &Ident, config: &Type, private: &TokenStream) -> (TokenStream, TokenStream) {
    let default_fn = quote! {
        fn __plugin_factory_config_default()
        -> ::core::option::Option<#private::ConfigValue> {
            #[allow(unused_imports)]
            use #private::{ConfigDefault as _, ConfigNoDefault as _};
            (&&#private::ConfigProbe::<#config>::NEW).__plugin_factory_default()
        }
    };
    // `config_spec` is `ConfigSpec::of` with bounds whose errors say what to derive. The call is
    // spanned at the config type, so that its bounds are reported in the annotation, at the type: rustc reports a bound at the generic argument it
    // is on, so `C: Deserialize + JsonSchema` is reported at the type as written, and the
    // struct's name is re-spanned at the type (at its first token: stable Rust cannot join
    // spans) so that `Configurable<C>` is reported there too and not at the struct.
    let span = config.span();
    let mut plugin = ident.clone();
    plugin.set_span(span);
    let spec = quote_spanned! {span=>
        #private::config_spec::<#plugin, #config>(__plugin_factory_config_default)
    };
    (default_fn, spec)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::args::Args;

    /// The expansion of `#[plugin(args)] struct Greeter;`, as text without spaces.
    fn expand(args: proc_macro2::TokenStream) -> String {
        let item = syn::parse_quote!(
            struct Greeter;
        );
        let plugin =
            crate::check::plugin(Args::parse(args), item).unwrap_or_else(|e| panic!("{e}"));
        super::plugin(&plugin).to_string().replace(' ', "")
    }

    #[test]
    fn a_config_type_makes_a_configured_entry() {
        let expanded = expand(quote!(config = GreeterConfig));
        assert!(expanded.contains("::plugin_factory::__private::PluginEntry::configured("));
        assert!(expanded.contains(
            "::plugin_factory::__private::config_spec::<Greeter,GreeterConfig>(__plugin_factory_config_default)"
        ));
        assert!(expanded.contains(
            "(&&::plugin_factory::__private::ConfigProbe::<GreeterConfig>::NEW).__plugin_factory_default()"
        ));
        assert!(!expanded.contains("PluginEntry::new("), "{expanded}");
    }

    #[test]
    fn without_a_config_type_the_entry_has_a_factory() {
        let expanded = expand(quote!());
        assert!(expanded.contains(
            "::plugin_factory::__private::PluginEntry::new(::plugin_factory::__private::PluginMetadata::__new("
        ));
        assert!(expanded.contains("create_default::<Greeter>"));
        assert!(!expanded.contains("configured"), "{expanded}");
        assert!(!expanded.contains("implementing"), "{expanded}");
    }

    #[test]
    fn implements_makes_an_impl_per_point_and_an_implementing_entry() {
        let expanded = expand(quote!(
            implements = [OnRequest, hooks::Metrics(priority = -2)]
        ));
        assert!(
            expanded.contains(
                "impl::plugin_factory::__private::Implements<dynOnRequest>forGreeter{fncast(this:::plugin_factory::__private::Arc<Self>)->::plugin_factory::__private::Arc<dynOnRequest>{this}}"
            ),
            "{expanded}"
        );
        assert!(
            expanded.contains(
                "impl::plugin_factory::__private::Implements<dynhooks::Metrics>forGreeter"
            ),
            "{expanded}"
        );
        assert!(
            expanded.contains(".implementing(&__PLUGIN_FACTORY_IMPLEMENTATIONS)"),
            "{expanded}"
        );
        assert!(
            expanded.contains(
                "::plugin_factory::__private::implementations::<Greeter>(&[::plugin_factory::__private::implementation::<Greeter,dynOnRequest>(::plugin_factory::__private::Placement{priority:0,before:&[],after:&[],}),"
            ),
            "{expanded}"
        );
        assert!(
            expanded.contains(
                "implementation::<Greeter,dynhooks::Metrics>(::plugin_factory::__private::Placement{priority:-2,"
            ),
            "{expanded}"
        );
    }
}
