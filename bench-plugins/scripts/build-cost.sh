#!/usr/bin/env bash
# P5: what N plugins cost to build and to ship. Generates, in a temporary directory outside the
# repository, one binary crate per way of registering N no-op plugins (and the same crate with
# none), builds each in release, and prints:
#   - release build seconds per 1,000 plugins (median of RUNS rebuilds of the crate alone;
#     dependencies are built first and not counted),
#   - stripped binary bytes per plugin: (size with N - size with 0) / N,
#   - dynamic relocations per plugin (24 bytes each in `.rela.dyn` of a position-independent
#     executable, part of the bytes above),
#   - constructors run before `main`: entries of `.init_array` beyond the empty crate's.
#
# Kinds: `hand` (a static array), `raw-linkme`, `raw-inventory` (each crate used directly), and
# `plugin-factory` / `plugin-factory-inventory` (`#[plugin]` on either registry backend).
#
# Usage: bench-plugins/scripts/build-cost.sh          (N=1000 RUNS=3; KEEP=1 keeps the directory)
set -euo pipefail

N=${N:-1000}
RUNS=${RUNS:-3}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/plugin-build-cost.XXXXXX")
if [[ "${KEEP:-0}" != 1 ]]; then
    trap 'rm -rf "$WORK"' EXIT
fi
KINDS=(hand raw-linkme raw-inventory plugin-factory plugin-factory-inventory)

# The plugin-factory crates of this workspace, and the registry crates at the versions its lock
# file holds.
LINKME=$(grep -A1 '^name = "linkme"$' "$REPO/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
INVENTORY=$(grep -A1 '^name = "inventory"$' "$REPO/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')

# The trait every kind but plugin-factory's uses: the same five no-op hooks as `Plugin`.
raw_trait() {
    cat <<'EOF'
pub trait RawPlugin: std::any::Any + Send {
    fn validate(&self) -> Result<(), String> { Ok(()) }
    fn init(&mut self) -> Result<(), String> { Ok(()) }
    fn start(&mut self) -> Result<(), String> { Ok(()) }
    fn stop(&mut self) -> Result<(), String> { Ok(()) }
    fn shutdown(&mut self) -> Result<(), String> { Ok(()) }
}
pub struct RawEntry {
    pub name: &'static str,
    pub factory: fn() -> Box<dyn RawPlugin>,
}
fn make<T: RawPlugin + Default>() -> Box<dyn RawPlugin> {
    Box::new(T::default())
}
EOF
}

# main.rs of `kind` with `n` plugins.
generate() {
    local kind=$1 n=$2 i
    case $kind in
    hand)
        raw_trait
        for ((i = 0; i < n; i++)); do
            printf '#[derive(Default)] struct P%05d { hits: u64 }\nimpl RawPlugin for P%05d {}\n' "$i" "$i"
        done
        printf 'static PLUGINS: [RawEntry; %d] = [\n' "$n"
        for ((i = 0; i < n; i++)); do
            printf '    RawEntry { name: "p-%05d", factory: make::<P%05d> },\n' "$i" "$i"
        done
        printf '];\nfn main() {\n    let plugins = std::hint::black_box(&PLUGINS);\n'
        printf '    println!("{}", plugins.iter().map(|e| e.name.len()).sum::<usize>());\n}\n'
        ;;
    raw-linkme)
        raw_trait
        printf '#[linkme::distributed_slice]\nstatic PLUGINS: [RawEntry];\n'
        for ((i = 0; i < n; i++)); do
            printf '#[derive(Default)] struct P%05d { hits: u64 }\nimpl RawPlugin for P%05d {}\n' "$i" "$i"
            printf '#[linkme::distributed_slice(PLUGINS)]\nstatic E%05d: RawEntry = RawEntry { name: "p-%05d", factory: make::<P%05d> };\n' "$i" "$i" "$i"
        done
        printf 'fn main() {\n    println!("{}", PLUGINS.iter().map(|e| e.name.len()).sum::<usize>());\n}\n'
        ;;
    raw-inventory)
        raw_trait
        printf 'inventory::collect!(RawEntry);\n'
        for ((i = 0; i < n; i++)); do
            printf '#[derive(Default)] struct P%05d { hits: u64 }\nimpl RawPlugin for P%05d {}\n' "$i" "$i"
            printf 'inventory::submit!(RawEntry { name: "p-%05d", factory: make::<P%05d> });\n' "$i" "$i"
        done
        printf 'fn main() {\n'
        printf '    println!("{}", inventory::iter::<RawEntry>.into_iter().map(|e| e.name.len()).sum::<usize>());\n}\n'
        ;;
    plugin-factory | plugin-factory-inventory)
        if ((n > 0)); then
            printf 'use plugin_factory::{Plugin, plugin};\n'
        fi
        for ((i = 0; i < n; i++)); do
            printf '/// Plugin %d.\n#[plugin(name = "p-%05d")]\n#[derive(Default)]\nstruct P%05d { hits: u64 }\nimpl Plugin for P%05d {}\n' "$i" "$i" "$i" "$i"
        done
        printf 'fn main() {\n'
        printf '    println!("{}", plugin_factory::registry::entries().map(|e| e.name().len()).sum::<usize>());\n}\n'
        ;;
    esac
}

dependencies() {
    case $1 in
    hand) ;;
    raw-linkme) echo "linkme = \"=$LINKME\"" ;;
    raw-inventory) echo "inventory = \"=$INVENTORY\"" ;;
    plugin-factory) echo "plugin-factory = { path = \"$REPO/plugin-factory\" }" ;;
    plugin-factory-inventory)
        echo "plugin-factory = { path = \"$REPO/plugin-factory\", features = [\"inventory\"] }"
        ;;
    esac
}

members=()
for kind in "${KINDS[@]}"; do
    for n in 0 "$N"; do
        crate="$kind-$n"
        members+=("\"$crate\"")
        mkdir -p "$WORK/$crate/src"
        cat >"$WORK/$crate/Cargo.toml" <<EOF
[package]
name = "$crate"
version = "0.1.0"
edition = "2024"
publish = false

[lints.rust]
dead_code = "allow"

[dependencies]
$(dependencies "$kind")
EOF
        generate "$kind" "$n" >"$WORK/$crate/src/main.rs"
    done
done
(
    IFS=,
    cat >"$WORK/Cargo.toml" <<EOF
[workspace]
members = [${members[*]}]
resolver = "3"
EOF
)
cp "$REPO/Cargo.lock" "$WORK/Cargo.lock"
cd "$WORK"

echo "== building dependencies (not timed)"
for kind in "${KINDS[@]}"; do
    cargo build --quiet --release -p "$kind-0"
done

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

stripped_size() {
    strip -o "$WORK/stripped" "target/release/$1"
    stat -c %s "$WORK/stripped"
}

constructors() {
    local size
    size=$(readelf -S --wide "target/release/$1" | awk '$2 == ".init_array" { print $6 }')
    echo $((16#${size:-0} / 8))
}

relocations() {
    readelf -r "target/release/$1" | grep -c R_X86_64_RELATIVE || true
}

echo "== N = $N plugins per crate; release builds, median of $RUNS"
printf '%-26s %9s %12s %13s %14s %13s\n' kind "build s" "s per 1,000" "bytes/plugin" "relocs/plugin" "constructors"
for kind in "${KINDS[@]}"; do
    times=()
    for ((run = 0; run < RUNS; run++)); do
        touch "$kind-$N/src/main.rs"
        start=$(date +%s.%N)
        cargo build --quiet --release -p "$kind-$N"
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc -l)")
    done
    seconds=$(printf '%s\n' "${times[@]}" | median)
    per_thousand=$(echo "$seconds * 1000 / $N" | bc -l)
    empty=$(stripped_size "$kind-0")
    full=$(stripped_size "$kind-$N")
    bytes=$(echo "($full - $empty) / $N" | bc -l)
    ctors=$(($(constructors "$kind-$N") - $(constructors "$kind-0")))
    relocs=$(echo "($(relocations "$kind-$N") - $(relocations "$kind-0")) / $N" | bc -l)
    printf '%-26s %9.2f %12.2f %13.1f %14.1f %13d\n' "$kind" "$seconds" "$per_thousand" "$bytes" "$relocs" "$ctors"
done

# The per-plugin strings `#[plugin]` records beyond the name that the raw entries have: the
# description (the doc comment); version, package, module path and file are one string each per
# crate.
description=$(printf '/// Plugin %d.' $((N / 2)) | wc -c)
echo "metadata strings per plugin beyond the raw entry's name: about $((description - 4)) bytes (the description)"
echo "rustc: $(rustc --version)"
