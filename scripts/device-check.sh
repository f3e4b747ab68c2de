#!/usr/bin/env bash
# On a GPU machine: builds tapegrad with the CUDA backend (Release, in ./build-device), runs every
# test suite with CTest, the CUDA runs included (`cuda`, `parity@cuda` against the CPU, every
# `suite@cuda`), then the GEMM, VAE step and attention benchmarks against PyTorch on the same GPU,
# and prints a summary. It fails if a CUDA run was skipped, since that means CUDA saw no GPU. Meant
# to finish in under 8 minutes. The machine has no network: packages it lacks come from ./.deps
# (see scripts/device-deps.sh), unpacked into .deps/root and put on the search paths.
# OpenBLAS is used when the machine has it; otherwise CPU GEMM uses the portable blocked kernel.
# Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -d /usr/local/cuda/bin ]]; then export PATH="/usr/local/cuda/bin:$PATH"; fi
for tool in cmake nvcc g++; do
  command -v "$tool" >/dev/null || { echo "device-check.sh: $tool not found on PATH" >&2; exit 1; }
done

cmake_args=(-DCMAKE_BUILD_TYPE=Release -DTG_CUDA=ON -DTG_SANITIZE=OFF)
if compgen -G ".deps/*.deb" >/dev/null; then
  prefix="$PWD/.deps/root"
  rm -rf "$prefix"
  for deb in .deps/*.deb; do dpkg -x "$deb" "$prefix"; done
  libdir="$prefix/usr/lib/x86_64-linux-gnu"
  # Debian's libz.so points at /lib/x86_64-linux-gnu/libz.so.1.2.13; where the machine has another
  # zlib release, point such a dangling link at the machine's library of the same major version.
  for link in "$libdir"/*.so; do
    target=$(readlink "$link") || continue
    [[ $target == /* && ! -e $target ]] || continue
    same_major="${target%%.so.*}.so.$(cut -d. -f1 <<<"${target#*.so.}")"
    if [[ -e $same_major ]]; then ln -sf "$same_major" "$link"; fi
  done
  cmake_args+=(-DCMAKE_PREFIX_PATH="$prefix/usr")
  # For headers included without a CMake package (stb). Libraries are found through CMake, which
  # records their folder in the binaries' RUNPATH, so the tests find libfmt.so.9 at run time.
  export CPATH="$prefix/usr/include${CPATH:+:$CPATH}"
  echo "device-check.sh: unpacked $(ls .deps/*.deb | wc -l) packages from .deps into $prefix"
else
  echo "device-check.sh: no .deps/*.deb: relying on the machine's own packages"
fi

# Hopper (sm_90) always; the GPU's own architecture too when it is another one.
archs=90
cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n1 | tr -d '. ' || true)
if [[ -n $cc && $cc != 90 ]]; then archs="90;$cc"; fi
cmake_args+=(-DCMAKE_CUDA_ARCHITECTURES="$archs")
if command -v ninja >/dev/null && [[ ! -f build-device/CMakeCache.txt ]]; then cmake_args+=(-G Ninja); fi

dir=build-device
log="$dir/device-check.log"
start=$SECONDS
cmake -S . -B "$dir" "${cmake_args[@]}" "$@"
cmake --build "$dir" -j "$(nproc)"
build_s=$((SECONDS - start))
start=$SECONDS
set +e
# One suite per core at once: each with two OpenMP threads that sleep when idle, not a full team
# per suite spinning against the others' (the CPU runs share the machine with the @cuda ones).
OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" 2>&1 |
  tee "$log"
ctest_status=${PIPESTATUS[0]}
set -e
test_s=$((SECONDS - start))

# GPU benches against PyTorch on this GPU, same run: GEMM TFLOP/s, the VAE train step and f16
# attention TFLOP/s (bench/{gemm,vae_step,attention}_cuda.cpp; bench/cuda_compare.py prints the table).
start=$SECONDS
bench_table="$dir/bench_table.txt"
bench_log="$dir/bench.log"
if timeout 150 "$dir/bench_gemm_cuda" --out "$dir/bench/gemm_cuda" >"$bench_log" 2>&1 &&
   timeout 60 "$dir/bench_vae_step_cuda" --out "$dir/bench/vae_step_cuda" >>"$bench_log" 2>&1 &&
   timeout 90 "$dir/bench_attention_cuda" --out "$dir/bench/attention_cuda" >>"$bench_log" 2>&1 &&
   timeout 200 python3 bench/cuda_compare.py --gemm "$dir/bench/gemm_cuda/metrics.json" \
     --vae "$dir/bench/vae_step_cuda/metrics.json" --attention "$dir/bench/attention_cuda/metrics.json" \
     >"$bench_table" 2>&1; then
  bench_ok=1
else
  bench_ok=0
  cat "$bench_log" "$bench_table" 2>/dev/null | tail -n 20 >&2
fi
bench_s=$((SECONDS - start))

echo
echo "==== device-check summary ===="
echo "gpu:    $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi unavailable')"
echo "nvcc:   $(nvcc --version | tail -n1)"
echo "cmake:  $(cmake --version | head -n1), CUDA archs $archs"
echo "gemm:   $(grep -q 'TG_HAVE_CBLAS' "$dir/compile_commands.json" && echo 'CBLAS (OpenBLAS)' || echo 'portable blocked kernel (no CBLAS found)')"
echo "build:  ${build_s} s, tests: ${test_s} s, benches: ${bench_s} s"
grep -E '^ *[0-9]+/[0-9]+ Test +#' "$log" | sed 's/^ */suite:  /'
grep -E 'tests passed' "$log" || true
echo
if [[ $bench_ok == 1 ]]; then cat "$bench_table"; else echo "bench:  the GPU benches FAILED (output above)"; fi
status=$ctest_status
# The parity suite and every suite@cuda must have run here; skipped means no usable GPU.
if grep -qE 'Test +#[0-9]+: (cuda|[a-z_]+@cuda) .*Skipped' "$log"; then
  echo "device-check.sh: CUDA suites were SKIPPED: CUDA found no usable GPU on this machine" >&2
  status=1
elif ! grep -qE 'Test +#[0-9]+: cuda ' "$log"; then
  echo "device-check.sh: the CUDA suite did not run (was tests/cuda built?)" >&2
  status=1
fi
if [[ $bench_ok != 1 ]]; then status=1; fi
exit "$status"
