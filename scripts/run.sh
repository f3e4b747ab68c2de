#!/usr/bin/env bash
# The main demo: installs what is missing, builds tapegrad (Release, in ./build) and runs
# build/vae_fmnist, a VAE trained on Fashion-MNIST for 10 epochs on the CPU (under a minute on
# two cores), which writes its pictures, metrics and checkpoint to out/vae. Extra arguments go
# to the demo (try --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/deps.sh
source scripts/lib/build.sh

tg_install_deps
tg_build build all -DCMAKE_BUILD_TYPE=Release -DTG_SANITIZE=OFF

demo=build/vae_fmnist
if [[ ! -x $demo ]]; then
  echo "run.sh: $demo was not built: this checkout has no examples/vae_fmnist.cpp" >&2
  exit 1
fi
echo "tapegrad: running $demo --out out/vae $*"
exec "$demo" --out out/vae "$@"
