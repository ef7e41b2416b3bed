//! Compile-time diagnostics: every misuse of `#[plugin]` and of the typestate `PluginManager`
//! fails to compile with a specific error at the offending token, and valid input compiles.
//!
//! Each `tests/ui/*.rs` file holds one failure mode and its `.stderr` the expected output;
//! `tests/ui/pass/*.rs` must compile and run. After a deliberate change to a diagnostic,
//! regenerate with `TRYBUILD=overwrite cargo test --test compiletest` and review every changed
//! `.stderr`.
//!
//! The snapshots are the same on both registry backends: the errors come from the attribute's
//! own checks and from trait bounds, never from the backend's `submit` code. Note that trybuild
//! forwards this package's cargo features to the UI crates only through a library target, which
//! this package does not have, so `--features inventory` alone does not switch the UI crates'
//! backend.

use std::env;
use std::process::Command;

/// What this package's build script gives the compiler for `link_plugins!()`.
const BUILD_SCRIPT_VARIABLES: [&str; 2] =
    ["PLUGIN_FACTORY_LINK_FILE", "PLUGIN_FACTORY_PLUGIN_CRATES"];

#[test]
fn ui() {
    // Cargo passes the build script's variables to this test process too, and the compiler
    // that trybuild starts would inherit them; the UI crates have no build script, so run the
    // cases from a copy of this process without them.
    if BUILD_SCRIPT_VARIABLES
        .iter()
        .any(|name| env::var_os(name).is_some())
    {
        let mut this = Command::new(env::current_exe().unwrap());
        this.args(["ui", "--exact", "--nocapture"]);
        for name in BUILD_SCRIPT_VARIABLES {
            this.env_remove(name);
        }
        let status = this.status().unwrap();
        assert!(
            status.success(),
            "the UI cases failed: see the output above"
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
