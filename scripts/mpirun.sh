#!/usr/bin/env bash
# mpirun with what tapegrad's dist/ needs on one machine (the CTest dist tests pass the same flags):
#   --oversubscribe   more ranks than the cores Open MPI counts (2 ranks on this 2-core machine
#                     with hyperthreads off, or a test of 3 ranks)
#   --bind-to none    each rank's OpenMP threads may use any core (Open MPI binds a rank to one core)
#   OMPI_ALLOW_RUN_AS_ROOT{,_CONFIRM}=1   containers and CI run as root, which mpirun refuses otherwise
#   OMP_NUM_THREADS   the cores shared out among the ranks (nproc / ranks, at least 1), unless set
# Usage: scripts/mpirun.sh -np 2 build/vae_fmnist --ddp [flags...]
set -euo pipefail
if [[ ${1:-} != -np || -z ${2:-} ]]; then
  echo "usage: scripts/mpirun.sh -np N program [args...]" >&2
  exit 2
fi
np=$2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(( $(nproc) / np > 0 ? $(nproc) / np : 1 ))}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
exec mpirun --oversubscribe --bind-to none -x OMP_NUM_THREADS -x OMP_WAIT_POLICY "$@"
