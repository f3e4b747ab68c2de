# Configuring and building with CMake; sourced by scripts/run.sh and scripts/test.sh.

# tg_build DIR TARGET [CMAKE_ARGS...]: configure DIR from the repository root (the current
# directory) and build TARGET with one job per core.
tg_build() {
  local dir=$1 target=$2
  shift 2
  echo "tapegrad: configuring $dir ($*)"
  cmake -S . -B "$dir" "$@"
  echo "tapegrad: building $target in $dir with $(nproc) jobs"
  cmake --build "$dir" --target "$target" -j "$(nproc)"
}
