#!/usr/bin/env bash
# Builds the benches and runs them against PyTorch side by side (bench/compare.py): the table of
# ours, torch at 1 and 2 threads and the ratio, and OUT/<bench>/metrics.json for each.
#   bench/run_bench.sh [--rounds N] [bench ...]      (build folder: $BUILD or ./build)
#   bench/run_bench.sh vae [--epochs 10 --rounds 3] the VAE side by side (bench/vae_compare.py)
#   bench/run_bench.sh attention                    tiled against naive attention (bench/attention_compare.py)
#   bench/run_bench.sh conv [--rounds 3]            DCGAN convolutions and train step (bench/conv_compare.py)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# OpenBLAS's OpenMP build keeps GEMMs and our kernels on one thread pool (cmake/TapegradCBLAS.cmake).
if [[ ! -d /usr/lib/$(gcc -print-multiarch)/openblas-openmp ]] && [[ $(id -u) == 0 ]]; then
  apt-get install -y -q libopenblas-openmp-dev >/dev/null
fi
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C "$BUILD" -j2 --no-print-directory bench_overhead bench_mlp_step bench_gemm bench_attention bench_conv vae_fmnist >/dev/null
# The 2 cores are shared with other jobs. OpenMP workers that spin after a parallel region lose
# their core to those jobs, and then every region waits a scheduler slice for them (steps 10-30x
# slower, ours and torch's alike); sleeping workers are woken promptly. Both sides inherit this.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
if [[ ${1:-} == vae ]]; then
  shift
  exec /usr/bin/python3 bench/vae_compare.py --build "$BUILD" "$@"
fi
if [[ ${1:-} == conv ]]; then
  shift
  exec /usr/bin/python3 bench/conv_compare.py --build "$BUILD" "$@"
fi
if [[ ${1:-} == attention ]]; then
  shift
  exec /usr/bin/python3 bench/attention_compare.py --build "$BUILD" "$@"
fi
/usr/bin/python3 bench/compare.py --build "$BUILD" "$@"
