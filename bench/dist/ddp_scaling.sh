#!/usr/bin/env bash
# One VAE epoch (vae_fmnist, batch 128) on the same cores three ways, rounds interleaved so all see
# the same machine load: 1 rank x 1 OpenMP thread, 1 rank x 2 threads, 2 DDP ranks x 1 thread
# (scripts/mpirun.sh). Each run writes OUT/<setting>_<round>/metrics.json (step_ms = mean train step);
# the log has `uptime` before and after every run. Then bench_allreduce on 2 ranks.
# Usage: bench/dist/ddp_scaling.sh [BUILD_DIR=build] [OUT=out/dist_scaling] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
build=${1:-build} out=${2:-out/dist_scaling} rounds=${3:-3}
mkdir -p "$out"
export OMP_WAIT_POLICY=passive
for ((round = 1; round <= rounds; ++round)); do
  echo "round $round: $(uptime)"
  OMP_NUM_THREADS=1 "$build/vae_fmnist" --epochs 1 --iwae-k 1 --out "$out/r1t1_$round" 2>/dev/null | grep "mean train"
  echo "  1 rank x 1 thread done: $(uptime)"
  OMP_NUM_THREADS=2 "$build/vae_fmnist" --epochs 1 --iwae-k 1 --out "$out/r1t2_$round" 2>/dev/null | grep "mean train"
  echo "  1 rank x 2 threads done: $(uptime)"
  OMP_NUM_THREADS=1 scripts/mpirun.sh -np 2 "$build/vae_fmnist" --ddp --epochs 1 --iwae-k 1 \
    --out "$out/r2t1_$round" 2>/dev/null | grep "mean train"
  echo "  2 ranks x 1 thread done: $(uptime)"
done
echo "all-reduce: $(uptime)"
OMP_NUM_THREADS=1 scripts/mpirun.sh -np 2 "$build/bench_allreduce" --out "$out/bench_allreduce"
echo "end: $(uptime)"
