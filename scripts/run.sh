#!/usr/bin/env bash
# The main demo: installs what is missing, builds tapegrad (Release, in ./build) and runs
# build/micrograd_moons, which writes its pictures and metrics to out/moons. Extra arguments
# go to the demo (try --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/deps.sh
source scripts/lib/build.sh

tg_install_deps
tg_build build all -DCMAKE_BUILD_TYPE=Release -DTG_SANITIZE=OFF

demo=build/micrograd_moons
if [[ ! -x $demo ]]; then
  echo "run.sh: $demo was not built: this checkout has no examples/micrograd_moons.cpp yet" >&2
  exit 1
fi
echo "tapegrad: running $demo --out out/moons $*"
exec "$demo" --out out/moons "$@"
