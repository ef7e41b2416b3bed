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

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
