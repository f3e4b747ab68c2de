#!/usr/bin/env bash
# Fuzzes the IDX, safetensors, TFRecord and tf.Example readers with libFuzzer (clang) under AddressSanitizer and
# UndefinedBehaviorSanitizer, 60 s each by default (FUZZ_SECONDS=N to change). Any crash, leak
# or sanitizer report fails the script; copy the reported crash-* file into
# fuzz/regressions/<target>/ so the fuzz regression test keeps checking it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTG_CUDA=OFF \
  -DTG_SANITIZE=ON -DTG_FUZZ=ON -DTG_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_idx fuzz_safetensors fuzz_tfrecord fuzz_example
status=0
for target in idx safetensors tfrecord example; do
  work=build-fuzz/corpus-$target
  mkdir -p "$work"
  echo "== fuzz_$target for ${seconds}s"
  if ! (cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 ./fuzz_$target -max_total_time="$seconds" -print_final_stats=1 \
        "../$work" "../fuzz/corpus/$target" 2>&1 | tail -n 12); then
    echo "fuzz_$target FAILED: see the crash-* file in build-fuzz/" >&2
    status=1
  fi
done
exit $status
