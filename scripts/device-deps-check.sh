#!/usr/bin/env bash
# Checks the .deps handover on this machine: runs `scripts/device-check.sh ARGS...` in a private
# mount namespace (unshare, as root) where the files of every package scripts/device-deps.sh
# fetches (fmt, doctest, stb, nlohmann-json, zlib headers) are absent from /usr/include, /usr/lib
# and /usr/lib/x86_64-linux-gnu, as on the GPU machine, so only ./.deps can provide them. Nothing
# outside the namespace changes: the hidden trees are hard-linked copies under $TMPDIR, minus the
# packages' files, mounted over the real folders for this one command.
#   scripts/device-deps.sh && scripts/device-deps-check.sh [--loopback] [CMAKE_ARGS...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,8s/^# \{0,1\}//p' "$0"
  exit 0
fi
compgen -G ".deps/*.deb" >/dev/null || { echo "device-deps-check.sh: no .deps/*.deb: run scripts/device-deps.sh first" >&2; exit 1; }
command -v unshare >/dev/null || { echo "device-deps-check.sh: needs unshare (util-linux)" >&2; exit 1; }

if [[ ${TG_DEPS_HIDDEN:-} != 1 ]]; then
  # The packages' files as this machine has them installed (the .debs name the same ones).
  hide=$(mktemp -d "${TMPDIR:-/tmp}/tg-deps-hidden.XXXXXX")
  for deb in .deps/*.deb; do dpkg-deb -c "$deb"; done | awk '{print $6}' | sed 's|^\./|/|' |
    grep -E '^/usr/(include|lib)/' | grep -v '/$' >"$hide/files"
  for dir in /usr/include /usr/lib/cmake /usr/lib/x86_64-linux-gnu; do
    cp -al "$dir" "$hide/$(tr / _ <<<"$dir")"
  done
  while read -r f; do
    for dir in /usr/include /usr/lib/cmake /usr/lib/x86_64-linux-gnu; do
      if [[ $f == "$dir"/* ]]; then rm -rf "$hide/$(tr / _ <<<"$dir")/${f#"$dir"/}"; fi
    done
  done <"$hide/files"
  # The packages' own folders (fmt/, doctest/, stb/, nlohmann/ and their CMake configs) go whole.
  for d in fmt doctest stb nlohmann; do rm -rf "$hide/_usr_include/$d"; done
  rm -rf "$hide/_usr_lib_cmake/doctest" "$hide/_usr_lib_x86_64-linux-gnu/cmake/fmt"
  echo "device-deps-check.sh: hiding $(wc -l <"$hide/files") package files; running scripts/device-check.sh $*"
  status=0
  TG_DEPS_HIDDEN=1 TG_DEPS_HIDE_DIR=$hide unshare --mount --propagation private "$0" "$@" || status=$?
  rm -rf "$hide"
  exit "$status"
fi

# Inside the namespace.
for dir in /usr/include /usr/lib/cmake /usr/lib/x86_64-linux-gnu; do
  mount --bind "$TG_DEPS_HIDE_DIR/$(tr / _ <<<"$dir")" "$dir"
done
for f in /usr/include/fmt/core.h /usr/include/doctest/doctest.h /usr/include/stb/stb_image_write.h \
  /usr/include/nlohmann/json.hpp /usr/include/zlib.h /usr/lib/x86_64-linux-gnu/libfmt.so.9; do
  if [[ -e $f ]]; then echo "device-deps-check.sh: $f is still visible" >&2; exit 1; fi
done
echo "device-deps-check.sh: fmt, doctest, stb, nlohmann-json and zlib headers are hidden here"
exec scripts/device-check.sh "$@"
