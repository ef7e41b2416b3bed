//! Which plugin crates the host linked, and which it missed.
//!
//! Every [`link_plugins!`](crate::link_plugins) submits one [`LinkRecord`]: the crates it names
//! and, when the package's build script runs `plugin-factory-build`, the plugin crates among
//! the package's dependencies (`PLUGIN_FACTORY_PLUGIN_CRATES`, read where the macro expands).
//! [`unlinked`] compares the two with what registered: a crate that is expected, not named, and
//! contributed no entry was never passed to the linker.

use std::fmt;

/// What one `link_plugins!` names and expects. Not built by hand: the macro makes it.
#[derive(Debug)]
pub struct LinkRecord {
    named: &'static [&'static str],
    expected: Option<&'static str>,
}

impl LinkRecord {
    #[doc(hidden)]
    pub const fn new(named: &'static [&'static str], expected: Option<&'static str>) -> Self {
        Self { named, expected }
    }
}

/// A dependency crate that registers plugins but contributed none to this binary, because no
/// code of the binary names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnlinkedCrate {
    package: &'static str,
    crate_name: &'static str,
}

impl UnlinkedCrate {
    /// One for the engine's unit tests.
    #[cfg(test)]
    pub(crate) const fn new(package: &'static str, crate_name: &'static str) -> Self {
        Self {
            package,
            crate_name,
        }
    }

    /// Its package name, e.g. `example-plugins`.
    pub fn package(&self) -> &'static str {
        self.package
    }

    /// The name the host's code knows it by, e.g. `example_plugins`.
    pub fn crate_name(&self) -> &'static str {
        self.crate_name
    }
}

impl fmt::Display for UnlinkedCrate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "dependency `{}` registers plugins but none is linked into this binary: add \
             `plugin_factory::link_plugins!({});` (or link every plugin crate with \
             `plugin_factory::link_plugins!();`)",
            self.package, self.crate_name
        )
    }
}

/// The crates `records` expect that none of them names and that no package in `registered`
/// is, sorted and without repeats.
pub(super) fn unlinked<'r, P: Iterator<Item = &'static str>>(
    records: impl Iterator<Item = &'r LinkRecord> + Clone,
    registered: impl Fn() -> P,
) -> Vec<UnlinkedCrate> {
    let named = |crate_name: &str| {
        records
            .clone()
            .any(|record| record.named.contains(&crate_name))
    };
    let mut missing: Vec<_> = records
        .clone()
        .filter_map(|record| record.expected)
        .flat_map(|expected| expected.split(',').filter_map(|pair| pair.split_once('=')))
        .filter(|(package, crate_name)| {
            !named(crate_name) && !registered().any(|registered| registered == *package)
        })
        .map(|(package, crate_name)| UnlinkedCrate {
            package,
            crate_name,
        })
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: Option<&str> = Some("api-plugins=api_plugins,db-plugins=db,web-plugins=web");

    fn check(records: &[LinkRecord], registered: &[&'static str]) -> Vec<&'static str> {
        unlinked(records.iter(), || registered.iter().copied())
            .iter()
            .map(UnlinkedCrate::crate_name)
            .collect()
    }

    #[test]
    fn a_crate_neither_named_nor_registered_is_unlinked() {
        let records = [LinkRecord::new(&["api_plugins"], EXPECTED)];
        assert_eq!(check(&records, &["api-plugins"]), ["db", "web"]);
    }

    #[test]
    fn a_crate_that_registered_is_linked_even_unnamed() {
        let records = [LinkRecord::new(&[], EXPECTED)];
        assert_eq!(
            check(&records, &["db-plugins", "web-plugins"]),
            ["api_plugins"]
        );
    }

    #[test]
    fn a_named_crate_is_linked_even_without_plugins() {
        let records = [
            LinkRecord::new(&["api_plugins", "db"], EXPECTED),
            LinkRecord::new(&["web"], EXPECTED),
        ];
        assert!(check(&records, &[]).is_empty());
    }

    #[test]
    fn nothing_is_expected_without_the_build_script() {
        let records = [
            LinkRecord::new(&["api_plugins"], None),
            LinkRecord::new(&[], Some("")),
        ];
        assert!(check(&records, &[]).is_empty());
    }

    #[test]
    fn the_fix_names_the_crate_as_the_code_knows_it() {
        let records = [LinkRecord::new(&[], Some("db-plugins=db"))];
        let missing = unlinked(records.iter(), std::iter::empty);
        let message = missing[0].to_string();
        assert!(
            message.contains("`db-plugins` registers plugins"),
            "{message}"
        );
        assert!(
            message.contains("plugin_factory::link_plugins!(db);"),
            "{message}"
        );
    }
}
