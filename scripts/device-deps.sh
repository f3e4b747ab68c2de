#!/usr/bin/env bash
# Run on a Debian 12 machine with network access: downloads the Debian packages that a GPU machine
# (no network, CUDA image) lacks into ./.deps. scripts/device-check.sh unpacks them there with
# dpkg -x; .deps is ignored by git, so name it in what travels with the working tree.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# fmt (headers, CMake config, shared library), doctest, stb and nlohmann-json (headers), zlib headers.
packages=(libfmt-dev libfmt9 doctest-dev libstb-dev libstb0 nlohmann-json3-dev zlib1g-dev)

mkdir -p .deps
rm -f .deps/*.deb
cd .deps
if ! apt-get download "${packages[@]}"; then
  echo "device-deps.sh: download failed; refreshing the package lists and trying again"
  apt-get update -q
  apt-get download "${packages[@]}"
fi
echo "device-deps.sh: $(ls ./*.deb | wc -l) packages in .deps ($(du -sh . | cut -f1)):"
ls ./*.deb
