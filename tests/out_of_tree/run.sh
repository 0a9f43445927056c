#!/usr/bin/env bash
# Installs vkgan from a configured build folder into a scratch prefix, builds
# my_gan.cpp against it through pkg-config, and trains it a few steps.
# Usage: tests/out_of_tree/run.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
DESTDIR="$scratch/root" meson install -C "$build" --quiet >/dev/null
prefix="$scratch/root$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')"
libdir=$(find "$prefix" -name vkgan.pc -printf '%h\n' | head -n 1)
export PKG_CONFIG_PATH="$libdir" PKG_CONFIG_SYSROOT_DIR="$scratch/root"
c++ -std=c++20 "$here/my_gan.cpp" $(pkg-config --cflags --libs vkgan) -o "$scratch/my_gan"
LD_LIBRARY_PATH="$(dirname "$libdir")" "$scratch/my_gan" "$scratch/run"
test -f "$scratch/run/checkpoint.safetensors"
echo "out-of-tree model: built through pkg-config and trained"
