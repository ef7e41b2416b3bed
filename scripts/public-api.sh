#!/usr/bin/env bash
# The public API of each published crate, as `cargo public-api` lists it (simplified: no
# auto-trait or blanket implementations), compared with the snapshot in `public-api/`.
# `scripts/public-api.sh --bless` writes the snapshots instead; commit them with the CHANGELOG
# entry of the change. Needs `cargo-public-api` (`cargo install cargo-public-api --locked`);
# rustdoc's JSON output is unstable, so the stable toolchain is asked for it with
# RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

bless=false
[ "${1:-}" = "--bless" ] && bless=true

snapshot() {
  local krate=$1; shift
  local file="public-api/$krate.txt" fresh
  fresh=$(mktemp)
  RUSTC_BOOTSTRAP=1 cargo public-api -p "$krate" --simplified "$@" >"$fresh" 2>/dev/null
  if $bless; then
    mv "$fresh" "$file"
  elif ! diff -u "$file" "$fresh"; then
    rm -f "$fresh"
    echo "error: the public API of $krate differs from $file (above): if the change is meant," >&2
    echo "run scripts/public-api.sh --bless and enter it in CHANGELOG.md, in the same commit" >&2
    exit 1
  else
    rm -f "$fresh"
  fi
}

snapshot plugin-factory --features testing,cli,tokio
snapshot plugin-factory-macros
snapshot plugin-factory-build
