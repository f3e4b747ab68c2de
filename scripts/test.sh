#!/usr/bin/env bash
# Installs what is missing, builds tapegrad (Release, in ./build) and runs every test suite with
# CTest. Suites that cannot run here (CUDA without a GPU) report as skipped. Then installs the
# library into a fresh prefix (build/consumer/prefix) and builds and runs examples/consumer against it.
#   scripts/test.sh --sanitize   the CPU-only suites under AddressSanitizer + UBSan, in ./build-sanitize
#   scripts/test.sh --tsan       the autograd suite's threaded cases under ThreadSanitizer, in ./build-tsan
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/deps.sh
source scripts/lib/build.sh

case "${1:-}" in
  "") sanitize=0 ;;
  --sanitize) sanitize=1 ;;
  --tsan)
    # Two threads backward through graphs that share a parameter (tests/autograd/test_inplace.cpp).
    # One OpenMP thread: libgomp is not instrumented, and these tensors are too small to split.
    tg_install_deps
    tg_build build-tsan test_autograd -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTG_CUDA=OFF -DTG_SANITIZE=OFF \
      -DCMAKE_CXX_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread
    OMP_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1 build-tsan/test_autograd -tc="backward state is per call*"
    exit
    ;;
  -h | --help)
    sed -n '2,6s/^# \{0,1\}//p' "$0"
    exit 0
    ;;
  *)
    echo "test.sh: unknown argument '$1' (expected nothing, --sanitize or --tsan)" >&2
    exit 2
    ;;
esac

tg_install_deps
if ((sanitize)); then
  dir=build-sanitize
  # Debug (-O0): with the sanitizers, -O2 triples the compile time of the kernel files, which costs
  # more on two cores than the slower test run.
  tg_build "$dir" all_tests -DCMAKE_BUILD_TYPE=Debug -DTG_CUDA=OFF -DTG_SANITIZE=ON
  # Any report fails the run: stop at the first error, check leaks at exit.
  export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
else
  dir=build
  tg_build "$dir" all -DCMAKE_BUILD_TYPE=Release -DTG_SANITIZE=OFF
fi
echo "tapegrad: running the test suites in $dir"
# Two suites at once on two cores: OpenMP workers that spin after a parallel region steal the core
# the other suite needs (models: 17 s instead of 1.5 s); sleeping workers cost nothing.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
status=0
ctest --test-dir "$dir" --output-on-failure -j2 || status=$?

if ((!sanitize)); then
  # A program outside the tree, as a user would build one: find_package(tapegrad) from the prefix.
  # Runs whatever the suites said; the exit status is non-zero if either failed.
  consumer=$dir/consumer
  echo "tapegrad: installing into $consumer/prefix and building examples/consumer against it"
  rm -rf "$consumer"
  cmake --install "$dir" --prefix "$consumer/prefix" >"$dir/install.log"
  cmake -S examples/consumer -B "$consumer/build" -DCMAKE_PREFIX_PATH="$PWD/$consumer/prefix"
  cmake --build "$consumer/build" -j "$(nproc)"
  "$consumer/build/consumer"
fi
exit "$status"
