//! Build-script helper for [Plugin Factory](https://docs.rs/plugin-factory) hosts: links every
//! plugin crate among the package's dependencies, so that none is forgotten.
//!
//! A plugin crate contributes its plugins only to a binary whose code names it; a dependency
//! that is never named is not passed to the linker, and its plugins do not exist.
//! `plugin_factory::link_plugins!(a, b)` names crates by hand. This crate does it from the
//! dependency graph instead. In `build.rs`:
//!
//! ```no_run
//! // build.rs: the body of `fn main`
//! plugin_factory_build::link_plugin_crates();
//! ```
//!
//! and once in the host's code, `plugin_factory::link_plugins!();` (no crate names).
//!
//! The build script asks `cargo metadata` for this package's dependencies under the features
//! and target being built, keeps the direct, normal (not dev- or build-) dependencies that
//! depend on `plugin-factory` themselves, and writes the `link_plugins!` line for them into
//! `OUT_DIR`. It also records them for the run-time check: a host that names its crates by hand
//! and misses one is told at discovery, with the line that fixes it; and when no source of the
//! package calls `link_plugins!` at all, the build script warns at build time. A crate that depends on
//! `plugin-factory` without registering plugins (a crate of extension-point traits, say) can
//! keep out of that check with `[package.metadata.plugin-factory] registers-plugins = false`.
//!
//! The script reruns when the package's manifest, the lock file, or the manifest of a path
//! dependency changes, and when the features change.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

use cargo_metadata::{CargoOpt, DependencyKind, Metadata, MetadataCommand, Node, Package};

/// The runtime crate's package name, as dependencies name it.
const RUNTIME: &str = "plugin-factory";
/// The generated file, in `OUT_DIR`.
const FILE: &str = "plugin_factory_crates.rs";

/// One plugin crate found among the dependencies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PluginCrate {
    /// Its package name, e.g. `example-plugins`.
    pub package: String,
    /// The name this package's code knows it by, e.g. `example_plugins` (a renamed dependency
    /// has its new name here).
    pub crate_name: String,
}

/// Why the plugin crates could not be found or linked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A variable Cargo sets for build scripts is missing: the helper was not called from one.
    #[error("{0} is not set: call plugin_factory_build from a build script (build.rs)")]
    NotABuildScript(&'static str),
    /// `cargo metadata` failed.
    #[error("cargo metadata failed: {0}")]
    Metadata(#[from] cargo_metadata::Error),
    /// The package being built is not in the metadata's resolved graph.
    #[error("package {0:?} is not in the dependency graph cargo metadata printed")]
    NotInGraph(String),
    /// The package does not depend on `plugin-factory`, so it cannot link anything.
    #[error("package {0:?} does not depend on plugin-factory")]
    NoRuntime(String),
    /// The generated file could not be written.
    #[error("cannot write {path}: {source}", path = .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
}

/// Finds this package's plugin crates and generates the line `link_plugins!()` expands to.
/// Call it from `build.rs`; it panics with the reason when it cannot (as build scripts report
/// errors). Returns the crates it found.
///
/// ```no_run
/// // build.rs: the body of `fn main`
/// let crates = plugin_factory_build::link_plugin_crates();
/// println!("cargo::warning=linking {} plugin crates", crates.len());
/// ```
pub fn link_plugin_crates() -> Vec<PluginCrate> {
    try_link_plugin_crates().unwrap_or_else(|error| panic!("plugin-factory-build: {error}"))
}

/// [`link_plugin_crates`], with the error returned instead of a panic.
pub fn try_link_plugin_crates() -> Result<Vec<PluginCrate>, Error> {
    let build = Build::from_env()?;
    let metadata = build.metadata()?;
    let graph = Graph::of(&metadata, &build.manifest)?;
    let crates = graph.plugin_crates();
    let runtime = graph.runtime_name()?;

    let path = build.out_dir.join(FILE);
    fs::write(&path, link_line(&build.package, &runtime, &crates)).map_err(|source| {
        Error::Write {
            path: path.clone(),
            source,
        }
    })?;
    println!(
        "cargo::rustc-env=PLUGIN_FACTORY_LINK_FILE={}",
        path.display()
    );
    println!(
        "cargo::rustc-env=PLUGIN_FACTORY_PLUGIN_CRATES={}",
        expected(&crates)
    );
    for watched in graph.watched() {
        println!("cargo::rerun-if-changed={}", watched.display());
    }
    let root = build.manifest.parent().unwrap_or(Path::new("."));
    if !crates.is_empty() && !mentions_link_plugins(root) {
        println!("cargo::warning={}", unlinked_warning(&crates));
    }
    Ok(crates)
}

/// The build's warning when no source of the package calls `link_plugins!`: none of `crates`
/// would be linked, and (with no `link_plugins!` to record them) discovery could not say which.
fn unlinked_warning(crates: &[PluginCrate]) -> String {
    let names: Vec<&str> = crates.iter().map(|krate| krate.package.as_str()).collect();
    format!(
        "plugin crates {} are dependencies of this package, but no source of it calls \
         `plugin_factory::link_plugins!`: none of their plugins will be registered. Add \
         `plugin_factory::link_plugins!();` to the binary's code",
        names.join(", ")
    )
}

/// Whether some Rust source under `root` (the package's directory, its `target` and hidden
/// directories aside) mentions `link_plugins!`. Bounded: at most 10,000 files, 8 levels deep,
/// the first megabyte of each; past that it answers yes, so that it never warns wrongly.
fn mentions_link_plugins(root: &Path) -> bool {
    const FILES: usize = 10_000;
    const DEPTH: usize = 8;
    const READ: u64 = 1 << 20;
    let mut pending = vec![(root.to_path_buf(), 0)];
    let mut files = 0;
    while let Some((dir, depth)) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if name.starts_with('.') || name == "target" {
                    continue;
                }
                if depth + 1 > DEPTH {
                    return true;
                }
                pending.push((path, depth + 1));
            } else if name.ends_with(".rs") {
                files += 1;
                if files > FILES {
                    return true;
                }
                let mut text = String::new();
                let read = fs::File::open(&path).and_then(|file| {
                    io::Read::read_to_string(&mut io::Read::take(file, READ), &mut text)
                });
                if read.is_ok() && text.contains("link_plugins!") {
                    return true;
                }
            }
        }
    }
    false
}

/// What Cargo tells a build script about the package it builds.
struct Build {
    package: String,
    manifest: PathBuf,
    out_dir: PathBuf,
    target: String,
}

impl Build {
    fn from_env() -> Result<Self, Error> {
        let var = |name: &'static str| env::var(name).map_err(|_| Error::NotABuildScript(name));
        Ok(Self {
            package: var("CARGO_PKG_NAME")?,
            manifest: Path::new(&var("CARGO_MANIFEST_DIR")?).join("Cargo.toml"),
            out_dir: PathBuf::from(var("OUT_DIR")?),
            target: var("TARGET")?,
        })
    }

    /// The resolved graph under the features and target being built. Cargo gives the features
    /// to the script as `CARGO_FEATURE_<NAME>` (upper case, `-` as `_`), so the package's own
    /// feature names are read first to turn them back.
    fn metadata(&self) -> Result<Metadata, Error> {
        let own = MetadataCommand::new()
            .manifest_path(&self.manifest)
            .no_deps()
            .exec()?;
        let active: Vec<String> = own
            .packages
            .iter()
            .filter(|package| package.manifest_path == self.manifest)
            .flat_map(|package| package.features.keys())
            .filter(|feature| env::var_os(feature_variable(feature)).is_some())
            .cloned()
            .collect();
        Ok(MetadataCommand::new()
            .manifest_path(&self.manifest)
            .features(CargoOpt::NoDefaultFeatures)
            .features(CargoOpt::SomeFeatures(active))
            .other_options(vec!["--filter-platform".to_owned(), self.target.clone()])
            .exec()?)
    }
}

/// `CARGO_FEATURE_<NAME>` for a feature.
fn feature_variable(feature: &str) -> String {
    format!("CARGO_FEATURE_{}", feature.to_uppercase().replace('-', "_"))
}

/// The package being built, in the resolved graph.
struct Graph<'m> {
    metadata: &'m Metadata,
    node: &'m Node,
}

impl<'m> Graph<'m> {
    fn of(metadata: &'m Metadata, manifest: &Path) -> Result<Self, Error> {
        let package = metadata
            .packages
            .iter()
            .find(|package| package.manifest_path == manifest)
            .ok_or_else(|| Error::NotInGraph(manifest.display().to_string()))?;
        let node = metadata
            .resolve
            .as_ref()
            .and_then(|resolve| resolve.nodes.iter().find(|node| node.id == package.id))
            .ok_or_else(|| Error::NotInGraph(package.name.to_string()))?;
        Ok(Self { metadata, node })
    }

    /// The direct normal dependencies, with the name this package knows each by.
    fn normal_dependencies(&self) -> impl Iterator<Item = (&'m str, &'m Package)> + '_ {
        self.node
            .deps
            .iter()
            .filter(|dep| {
                dep.dep_kinds
                    .iter()
                    .any(|kind| kind.kind == DependencyKind::Normal)
            })
            .map(|dep| (dep.name.as_str(), &self.metadata[&dep.pkg]))
    }

    /// The name this package knows `plugin-factory` by.
    fn runtime_name(&self) -> Result<String, Error> {
        self.normal_dependencies()
            .find(|(_, package)| package.name.as_str() == RUNTIME)
            .map(|(name, _)| name.to_owned())
            .ok_or_else(|| Error::NoRuntime(self.metadata[&self.node.id].name.to_string()))
    }

    /// The direct dependencies that depend on `plugin-factory`, unless they say they register
    /// no plugins, sorted by crate name.
    fn plugin_crates(&self) -> Vec<PluginCrate> {
        let crates: BTreeSet<_> = self
            .normal_dependencies()
            .filter(|(_, package)| {
                package.name.as_str() != RUNTIME && uses_runtime(package) && registers(package)
            })
            .map(|(name, package)| PluginCrate {
                package: package.name.to_string(),
                crate_name: name.to_owned(),
            })
            .collect();
        crates.into_iter().collect()
    }

    /// Files whose change can change the answer: this manifest, the lock file, and the
    /// manifests of path dependencies (a sibling crate may start or stop using the runtime).
    fn watched(&self) -> Vec<PathBuf> {
        let metadata = self.metadata;
        let mut files = vec![
            metadata[&self.node.id]
                .manifest_path
                .clone()
                .into_std_path_buf(),
            metadata
                .workspace_root
                .join("Cargo.lock")
                .into_std_path_buf(),
        ];
        files.extend(
            self.normal_dependencies()
                .filter(|(_, package)| package.source.is_none())
                .map(|(_, package)| package.manifest_path.clone().into_std_path_buf()),
        );
        files
    }
}

/// Whether `package` has a normal dependency on the runtime crate.
fn uses_runtime(package: &Package) -> bool {
    package
        .dependencies
        .iter()
        .any(|dep| dep.name == RUNTIME && dep.kind == DependencyKind::Normal)
}

/// `false` only when the package says `[package.metadata.plugin-factory] registers-plugins =
/// false`.
fn registers(package: &Package) -> bool {
    package.metadata[RUNTIME]["registers-plugins"].as_bool() != Some(false)
}

/// The generated file: one `link_plugins!` line for every plugin crate.
fn link_line(package: &str, runtime: &str, crates: &[PluginCrate]) -> String {
    let mut line = format!(
        "// Generated by plugin-factory-build: the plugin crates among the dependencies of \
         `{package}`.\n::{runtime}::__link_crates!("
    );
    for (i, plugin_crate) in crates.iter().enumerate() {
        let separator = if i == 0 { "" } else { ", " };
        let _ = write!(line, "{separator}{}", plugin_crate.crate_name);
    }
    line.push_str(");\n");
    line
}

/// The run-time check's list: `package=crate_name` pairs, comma-separated.
fn expected(crates: &[PluginCrate]) -> String {
    crates
        .iter()
        .map(|plugin_crate| format!("{}={}", plugin_crate.package, plugin_crate.crate_name))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory of its own under the system's temporary one, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let path = env::temp_dir().join(format!(
                "plugin-factory-build-{}-{name}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(path.join("src")).unwrap();
            Self(path)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_package_whose_sources_never_call_link_plugins_is_found_out() {
        let package = Scratch::new("sources");
        fs::write(package.0.join("src/main.rs"), "fn main() {}\n").unwrap();
        // What `target` and hidden directories hold is not the package's source.
        fs::create_dir_all(package.0.join("target/debug")).unwrap();
        fs::write(package.0.join("target/debug/gen.rs"), "link_plugins!();").unwrap();
        assert!(!mentions_link_plugins(&package.0));
        fs::create_dir_all(package.0.join("src/host")).unwrap();
        fs::write(
            package.0.join("src/host/mod.rs"),
            "plugin_factory::link_plugins!();\n",
        )
        .unwrap();
        assert!(mentions_link_plugins(&package.0));
        let crates = [PluginCrate {
            package: "my-plugins".to_owned(),
            crate_name: "my_plugins".to_owned(),
        }];
        assert!(unlinked_warning(&crates).starts_with("plugin crates my-plugins are dependencies"));
    }

    fn plugin_crate(package: &str, crate_name: &str) -> PluginCrate {
        PluginCrate {
            package: package.to_owned(),
            crate_name: crate_name.to_owned(),
        }
    }

    #[test]
    fn features_are_named_as_cargo_names_their_variables() {
        assert_eq!(feature_variable("kv-store"), "CARGO_FEATURE_KV_STORE");
        assert_eq!(feature_variable("greeter"), "CARGO_FEATURE_GREETER");
    }

    #[test]
    fn the_generated_line_links_every_crate_through_the_runtime_name() {
        let crates = [
            plugin_crate("example-plugins", "example_plugins"),
            plugin_crate("more-plugins", "renamed"),
        ];
        let line = link_line("host", "pf", &crates);
        assert!(line.ends_with("::pf::__link_crates!(example_plugins, renamed);\n"));
        assert!(line.starts_with("// Generated"));
        assert_eq!(
            link_line("host", "plugin_factory", &[]).lines().last(),
            Some("::plugin_factory::__link_crates!();")
        );
    }

    #[test]
    fn the_expected_list_pairs_package_and_crate_names() {
        let crates = [
            plugin_crate("example-plugins", "example_plugins"),
            plugin_crate("more-plugins", "renamed"),
        ];
        assert_eq!(
            expected(&crates),
            "example-plugins=example_plugins,more-plugins=renamed"
        );
        assert_eq!(expected(&[]), "");
    }
}
