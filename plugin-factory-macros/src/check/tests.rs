use super::*;

fn lits(values: &[&str]) -> Vec<LitStr> {
    values
        .iter()
        .map(|v| LitStr::new(v, Span::call_site()))
        .collect()
}

#[test]
fn names() {
    assert!(is_valid_name("kv-store"));
    assert!(is_valid_name("a"));
    assert!(is_valid_name(&"x".repeat(64)));
    assert!(!is_valid_name(&"x".repeat(65)));
    assert!(!is_valid_name(""));
    assert!(!is_valid_name("KvStore"));
    assert!(!is_valid_name("kv_store"));
}

#[test]
fn near_miss_versions_get_a_suggestion() {
    assert_eq!(
        suggest_version("1.0").as_deref(),
        Some("a version needs major, minor and patch numbers; write \"1.0.0\"")
    );
    assert_eq!(
        suggest_version("2").as_deref(),
        Some("a version needs major, minor and patch numbers; write \"2.0.0\"")
    );
    assert_eq!(
        suggest_version("v1.2.3").as_deref(),
        Some("drop the leading `v`; write \"1.2.3\"")
    );
    assert_eq!(suggest_version("1.0-beta"), None);
    assert_eq!(suggest_version("1..2"), None);
    assert_eq!(suggest_version("latest"), None);
    assert_eq!(suggest_version(""), None);
}

#[test]
fn name_problems_are_specific() {
    assert_eq!(name_problem("").as_deref(), Some("it is empty"));
    assert_eq!(
        name_problem("kv_store").as_deref(),
        Some("'_' is not allowed")
    );
    assert_eq!(name_problem("Kv").as_deref(), Some("'K' is not allowed"));
    assert_eq!(
        name_problem(&"x".repeat(65)).as_deref(),
        Some("it is 65 characters long")
    );
    assert_eq!(name_problem("kv-store"), None);
}

#[test]
fn misspelled_dependency_names_are_not_read_as_requirements() {
    let mut errors = Errors::new();
    let checked = dependencies(
        "me",
        &lits(&["kv_store", "kv.store >=1", ">=1"]),
        &mut errors,
    );
    assert!(checked.is_empty());
    let messages = errors.messages();
    assert!(
        messages[0].contains("invalid dependency \"kv_store\": '_' is not allowed"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("in plugin name \"kv.store\", '.' is not allowed"),
        "{messages:?}"
    );
    assert!(
        messages[2].contains("the plugin name is missing"),
        "{messages:?}"
    );
}

#[test]
fn dependencies_split_name_and_requirement() {
    let mut errors = Errors::new();
    let checked = dependencies(
        "me",
        &lits(&["kv-store", "clock >=1.2", "db^2"]),
        &mut errors,
    );
    assert!(errors.check().is_ok());
    let pairs: Vec<_> = checked
        .iter()
        .map(|d| (d.name.as_str(), d.requirement.as_str()))
        .collect();
    assert_eq!(pairs, [("kv-store", ""), ("clock", ">=1.2"), ("db", "^2")]);
}

#[test]
fn bad_dependencies_are_all_reported() {
    let mut errors = Errors::new();
    let checked = dependencies(
        "me",
        &lits(&["Bad", "clock >=x", "me", "ok", "ok"]),
        &mut errors,
    );
    assert_eq!(checked.len(), 1);
    let messages = errors.messages();
    assert_eq!(messages.len(), 4, "{messages:?}");
    assert!(messages[0].contains("invalid dependency \"Bad\""));
    assert!(messages[1].contains("invalid version requirement \">=x\""));
    assert!(messages[2].contains("cannot depend on itself"));
    assert!(messages[3].contains("listed more than once"));
}

#[test]
fn config_and_factory_exclude_each_other() {
    let item: Item = syn::parse_quote!(
        struct Cache;
    );
    let args = Args::parse(quote!(config = CacheConfig, factory = Cache::new));
    let Err(error) = plugin(args, item) else {
        panic!("`config` with `factory` was accepted");
    };
    assert!(
        error.to_string().starts_with(
            "`config` and `factory` exclude each other: a plugin with a config type is built by its `Configurable::from_config`, which is its factory; remove `factory = Cache::new`"
        ),
        "{error}"
    );
}

#[test]
fn the_description_is_the_first_paragraph_on_one_line() {
    let item: syn::ItemStruct = syn::parse_quote! {
        /// An in-memory cache.
        /// Fast.
        ///
        /// Other plugins depend on it by name.
        struct Cache;
    };
    assert_eq!(doc_summary(&item.attrs), "An in-memory cache. Fast.");
    let item: syn::ItemStruct = syn::parse_quote! {
        #[doc = "One line."]
        #[doc = ""]
        #[doc = "Not this."]
        struct Other;
    };
    assert_eq!(doc_summary(&item.attrs), "One line.");
    let item: syn::ItemStruct = syn::parse_quote!(
        struct Bare;
    );
    assert_eq!(doc_summary(&item.attrs), "");
}
