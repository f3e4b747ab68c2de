# Installing tapegrad's Debian packages; sourced by scripts/run.sh and scripts/test.sh.
# Only the missing packages are installed, and the package lists are refreshed only then.

# libopenblas-openmp-dev: OpenBLAS on the same OpenMP thread pool as our kernels (cmake/TapegradCBLAS.cmake).
# graphviz: `dot` draws the tape pictures the examples write (tg::write_graph).
# python3-vega-datasets: the Seattle weather CSV of examples/tabular.
# fortunes: the text corpus of examples/train_lm (/usr/share/games/fortunes).
# libopenmpi-dev, openmpi-bin: MPI for dist/ (data-parallel training) and its mpirun tests.
TG_PACKAGES=(build-essential cmake libfmt-dev doctest-dev libopenblas-dev libopenblas-openmp-dev zlib1g-dev libstb-dev
  nlohmann-json3-dev libomp-dev python3-torch dataset-fashion-mnist graphviz python3-vega-datasets
  fortunes libopenmpi-dev openmpi-bin)

tg_install_deps() {
  local missing=() pkg
  for pkg in "${TG_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    echo "tapegrad: all required Debian packages are installed"
    return 0
  fi
  if ! command -v apt-get >/dev/null; then
    echo "tapegrad: missing packages (${missing[*]}) and no apt-get: install them by hand (Debian 12 names)" >&2
    return 1
  fi
  local as_root=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null; then
      echo "tapegrad: missing packages (${missing[*]}): run this script as root, or install sudo" >&2
      return 1
    fi
    as_root=(sudo)
  fi
  echo "tapegrad: installing ${missing[*]}"
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}
