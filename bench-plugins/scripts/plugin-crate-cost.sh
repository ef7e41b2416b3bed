#!/usr/bin/env bash
# P5b: what a plugin crate pays to depend on plugin-factory. Generates, in a temporary directory
# outside the repository, three library crates that each declare one plugin:
#   - `plugin-factory`: one `#[plugin]` struct, with the manifest line docs/examples.md gives a
#     plugin crate (PLUGIN_FACTORY_LINE overrides it, to compare lines);
#   - `raw-linkme`: one entry in a `linkme` distributed slice, the registry crate used directly;
#   - `bevy-app`: one `bevy_app::Plugin`, default features off, `std` on (as P1's peer);
# fetches their dependencies (not timed), then builds each cold in debug (an empty target
# directory every run) and prints the median seconds of RUNS builds, the crates each builds,
# and each over raw `linkme`.
#
# Usage: bench-plugins/scripts/plugin-crate-cost.sh      (RUNS=3; KEEP=1 keeps the directory)
set -euo pipefail

RUNS=${RUNS:-3}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/plugin-crate-cost.XXXXXX")
if [[ "${KEEP:-0}" != 1 ]]; then
    trap 'rm -rf "$WORK"' EXIT
fi
LINE=${PLUGIN_FACTORY_LINE:-"plugin-factory = { path = \"$REPO/plugin-factory\", default-features = false }"}
LINKME=$(grep -A1 '^name = "linkme"$' "$REPO/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
BEVY=$(grep -A1 '^name = "bevy_app"$' "$REPO/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')

# A library crate `$1` with the dependency line `$2` and `src/lib.rs` from stdin.
crate() {
    local name=$1 dependency=$2
    mkdir -p "$WORK/$name/src"
    cat >"$WORK/$name/Cargo.toml" <<EOF
[package]
name = "$name"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
$dependency

[workspace]
EOF
    cat >"$WORK/$name/src/lib.rs"
}

crate plugin-factory-crate "$LINE" <<'EOF'
use plugin_factory::{Plugin, plugin};

/// The one plugin.
#[plugin(name = "hello")]
#[derive(Default)]
pub struct Hello;

impl Plugin for Hello {}
EOF

crate raw-linkme "linkme = \"=$LINKME\"" <<'EOF'
/// The registry: one slice of factories.
#[linkme::distributed_slice]
pub static PLUGINS: [fn() -> Box<dyn std::any::Any>];

/// The one plugin.
#[derive(Default)]
pub struct Hello;

#[linkme::distributed_slice(PLUGINS)]
static HELLO: fn() -> Box<dyn std::any::Any> = || Box::new(Hello);
EOF

crate bevy-app "bevy_app = { version = \"=$BEVY\", default-features = false, features = [\"std\"] }" <<'EOF'
/// The one plugin.
pub struct Hello;

impl bevy_app::Plugin for Hello {
    fn build(&self, _: &mut bevy_app::App) {}
}
EOF

KINDS=(raw-linkme plugin-factory-crate bevy-app)
for kind in "${KINDS[@]}"; do
    (cd "$WORK/$kind" && cargo fetch -q)
done

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A SECONDS_OF CRATES_OF
for kind in "${KINDS[@]}"; do
    times=()
    for ((run = 0; run < RUNS; run++)); do
        rm -rf "$WORK/target-$kind"
        start=$(date +%s.%N)
        (cd "$WORK/$kind" && CARGO_TARGET_DIR="$WORK/target-$kind" cargo build -q --offline)
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    SECONDS_OF[$kind]=$(printf '%s\n' "${times[@]}" | median)
    CRATES_OF[$kind]=$(cd "$WORK/$kind" && cargo tree -q --offline -e normal,build --prefix none | sort -u | wc -l)
done

echo "P5b: a plugin crate's cold debug build, median of $RUNS ($(nproc) cores, $(rustc --version))"
echo "plugin-factory line: $LINE"
printf '  %-22s %10s %8s %12s\n' crate seconds crates "over linkme"
for kind in "${KINDS[@]}"; do
    ratio=$(echo "scale=2; ${SECONDS_OF[$kind]} / ${SECONDS_OF[raw-linkme]}" | bc)
    printf '  %-22s %10.2f %8d %11sx\n' "$kind" "${SECONDS_OF[$kind]}" "${CRATES_OF[$kind]}" "$ratio"
done
