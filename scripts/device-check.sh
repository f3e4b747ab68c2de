#!/usr/bin/env bash
# The run for a GPU machine, in two stages that each fit one short command:
#   scripts/device-check.sh [CMAKE_ARGS...]           stage 1, correctness: builds the test suites only
#       (Release, CUDA, ./build-device) and runs `cuda`, `parity@cuda` and every `<suite>@cuda` with
#       `ctest --timeout 120`; a failing suite is rerun with CUDA_LAUNCH_BLOCKING=1 so its log names
#       the failing kernel. About 6 minutes on 16 cores from a clean tree.
#   scripts/device-check.sh --bench [CMAKE_ARGS...]   stage 2: the GEMM, VAE-step and attention benches
#       against PyTorch on the same GPU (bench/cuda_compare.py).
#   --loopback (either stage) dry-runs the plumbing without a GPU: a CPU-only build (./build-device-
#       loopback) whose `<suite>@loopback` runs, or CPU benches, stand in for the CUDA ones.
# Each stage writes summary.txt and summary.json (per suite: passed/failed/skipped, doctest case
# counts, failing test names, seconds; build seconds, GPU name, driver) beside its logs in
# <build dir>/device-check or /bench-check, copies them to $OUT when that is set, and ends with one
# line, `device-check: PASS` or `device-check: FAIL (<what>)`. A configure or build error writes the
# summary too, with the error's last lines. The machine has no network: packages it lacks come from
# ./.deps (scripts/device-deps.sh), unpacked into .deps/root and put on the search paths.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/device_summary.sh

stage=tests
device=cuda
cmake_user=()
for arg in "$@"; do
  case "$arg" in
    --bench) stage=bench ;;
    --loopback) device=loopback ;;
    -h | --help)
      sed -n '2,16s/^# \{0,1\}//p' "$0"
      exit 0
      ;;
    *) cmake_user+=("$arg") ;;
  esac
done

if [[ $device == cuda ]]; then dir=build-device; else dir=build-device-loopback; fi
work="$dir/$([[ $stage == tests ]] && echo device-check || echo bench-check)"
mkdir -p "$work"
rm -f "$work"/*.log "$work"/summary.*
ds_init "$stage" "$device" "$work"

if [[ -d /usr/local/cuda/bin ]]; then export PATH="/usr/local/cuda/bin:$PATH"; fi
tools=(cmake g++)
if [[ $device == cuda ]]; then tools+=(nvcc); fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || ds_finish "$tool not found on PATH"
done

# Each suite gets 120 s (a CTest property: `ctest --timeout` alone would not override it).
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DTG_SANITIZE=OFF -DTG_TEST_TIMEOUT=120)
if [[ $device == cuda ]]; then cmake_args+=(-DTG_CUDA=ON); else cmake_args+=(-DTG_CUDA=OFF); fi
if compgen -G ".deps/*.deb" >/dev/null; then
  prefix="$PWD/.deps/root"
  rm -rf "$prefix"
  for deb in .deps/*.deb; do dpkg -x "$deb" "$prefix" || ds_finish "dpkg -x $deb failed"; done
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
  ds_note "unpacked $(ls .deps/*.deb | wc -l) packages from .deps into $prefix"
else
  ds_note "no .deps/*.deb: relying on the machine's own packages"
fi

# CMakeLists.txt builds for this machine's GPU ("native") when nvidia-smi sees one. Without one
# nothing can run, so the build is a compile check for one architecture (sm_80) to save time,
# unless the caller names the architectures.
if [[ $device == cuda && -z $DS_GPU ]] && ! printf '%s\n' "${cmake_user[@]}" | grep -q CMAKE_CUDA_ARCHITECTURES; then
  cmake_args+=(-DCMAKE_CUDA_ARCHITECTURES=80)
fi
if command -v ninja >/dev/null && [[ ! -f $dir/CMakeCache.txt ]]; then cmake_args+=(-G Ninja); fi

start=$SECONDS
cmake -S . -B "$dir" "${cmake_args[@]}" "${cmake_user[@]}" >"$work/configure.log" 2>&1
status=$?
DS_CONFIGURE_S=$((SECONDS - start))
if ((status != 0)); then ds_finish "configure failed" "$work/configure.log"; fi
DS_ARCHS=$(sed -n 's/^CMAKE_CUDA_ARCHITECTURES:[A-Z]*=//p' "$dir/CMakeCache.txt")
jobs=$(nproc)

if [[ $stage == tests ]]; then
  start=$SECONDS
  cmake --build "$dir" --target all_tests -j "$jobs" >"$work/build.log" 2>&1
  status=$?
  DS_BUILD_S=$((SECONDS - start))
  if ((status != 0)); then ds_finish "build failed" "$work/build.log"; fi

  if [[ $device == cuda ]]; then regex='^(cuda|parity@cuda|[A-Za-z0-9_]+@cuda)$'; else regex='^[A-Za-z0-9_]+@loopback$'; fi
  # Two sleeping OpenMP threads per suite (their CPU side), several suites at once on the one GPU.
  export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=passive
  start=$SECONDS
  ctest --test-dir "$dir" -R "$regex" --timeout 120 -j "$((jobs < 8 ? jobs : 8))" --output-on-failure \
    >"$work/ctest.log" 2>&1
  DS_TEST_S=$((SECONDS - start))
  cp "$dir/Testing/Temporary/LastTest.log" "$work/ctest-output.log" 2>/dev/null
  ds_parse_ctest "$work/ctest.log" "$work/ctest-output.log"
  if ((${#DS_FAILED[@]} > 0)); then
    # Kernel launches are asynchronous: an error surfaces at a later call. Synchronous launches
    # make the failing kernel the one the error names.
    rerun="^($(IFS='|'; echo "${DS_FAILED[*]}"))\$"
    ds_note "rerunning ${DS_FAILED[*]} with CUDA_LAUNCH_BLOCKING=1 (log: ctest-rerun.log)"
    CUDA_LAUNCH_BLOCKING=1 ctest --test-dir "$dir" -R "$rerun" --timeout 120 -j "$jobs" -V \
      >"$work/ctest-rerun.log" 2>&1
  fi
  ds_finish_tests
fi

# ---- stage 2: benches --------------------------------------------------------------------------
if [[ $device == cuda ]]; then
  benches=(gemm_cuda:150 vae_step_cuda:60 attention_cuda:90)
else  # the plumbing only: two short CPU benches
  benches=(overhead:60 mlp_step:60)
fi
targets=()
for b in "${benches[@]}"; do targets+=("bench_${b%%:*}"); done
start=$SECONDS
cmake --build "$dir" --target "${targets[@]}" -j "$jobs" >"$work/build.log" 2>&1
status=$?
DS_BUILD_S=$((SECONDS - start))
if ((status != 0)); then ds_finish "build failed" "$work/build.log"; fi
start=$SECONDS
for b in "${benches[@]}"; do
  name=${b%%:*} limit=${b##*:}
  t0=$SECONDS
  timeout "$limit" "$dir/bench_$name" --out "$work/$name" >"$work/bench_$name.log" 2>&1
  status=$?
  cp "$work/$name/metrics.json" "$work/metrics_$name.json" 2>/dev/null
  ds_add_bench "$name" "$status" "$((SECONDS - t0))" "$work/bench_$name.log"
done
if [[ $device == cuda ]]; then
  # PyTorch on the same GPU, when the machine has it: one table of both.
  t0=$SECONDS
  if python3 -c 'import torch; assert torch.cuda.is_available()' >/dev/null 2>&1; then
    timeout 200 python3 bench/cuda_compare.py --gemm "$work/gemm_cuda/metrics.json" \
      --vae "$work/vae_step_cuda/metrics.json" --attention "$work/attention_cuda/metrics.json" \
      >"$work/bench_table.log" 2>&1
    ds_add_bench torch_compare "$?" "$((SECONDS - t0))" "$work/bench_table.log"
  else
    ds_note "no PyTorch with CUDA here: the benches ran without the side-by-side table"
  fi
fi
DS_TEST_S=$((SECONDS - start))
ds_finish_bench
