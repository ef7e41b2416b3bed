#!/usr/bin/env bash
# Mutation testing of the runtime crate's core: the engine, the lifecycle table, the reports and
# what queries return. Each mutant is built once (the `mutants` profile: no debug info) and
# checked by the runtime crate's unit tests and the root package's behaviour tests (the UI,
# command-line and linking tests are left out: they test the macro, the CLI and the linker, not
# this code; so is the test that runs the async example binary). About two hours for the whole set on a 2-core machine (`--in-diff` for a change); results in target/mutants.out.
# How to read them and the last figures: docs/testing.md. Extra arguments go to cargo-mutants,
# e.g. `scripts/mutants.sh --file plugin-factory/src/engine/hooks.rs` or `--in-diff change.diff`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || cargo install cargo-mutants --locked

# The behaviour tests are one binary (`tests/it/`); its command-line module is left out (it
# tests the CLI, and its binary tests need the host example, which these targets do not build),
# and so are the async example's signal test and the streaming example's test, for the same
# reason.
tests=(--lib --test it --test unlinked -- --skip cli:: --skip the_async_example --skip streaming::)

files=()
if [[ " $* " != *" --file "* && " $* " != *" -f "* ]]; then
    files=(--file 'plugin-factory/src/engine/*.rs' --file plugin-factory/src/lifecycle.rs
        --file 'plugin-factory/src/report/*.rs' --file plugin-factory/src/runtime.rs)
fi

# The baseline: the same tests on the unmutated tree, run here because cargo-mutants' own
# baseline would run only the mutated package's tests (and then the root package's targets are
# unknown to it).
cargo test --profile mutants -p plugin-factory -p plugin-factory-workspace "${tests[@]}" -q

exec cargo mutants --workspace "${files[@]}" \
    --test-package=plugin-factory --test-package=plugin-factory-workspace \
    --profile mutants --baseline skip --timeout 60 --build-timeout 300 --output target \
    "$@" -- "${tests[@]}"
