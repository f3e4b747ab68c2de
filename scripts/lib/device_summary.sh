# The summary of scripts/device-check.sh: per-suite results parsed from CTest's logs, written as
# summary.txt and summary.json (plain bash, no Python: the GPU machine may lack it), copied with the
# logs to $OUT when set, and the final `device-check: PASS|FAIL (<what>)` line. Sourced.

# ds_init STAGE DEVICE WORKDIR: the machine's GPU (DS_GPU is empty without one), driver and tools.
ds_init() {
  DS_STAGE=$1 DS_DEVICE=$2 DS_WORK=$3
  DS_CONFIGURE_S=0 DS_BUILD_S=0 DS_TEST_S=0 DS_ARCHS="" DS_GPU="" DS_DRIVER=""
  DS_NOTES=() DS_SUITES=() DS_FAILED=() DS_SKIPPED=()
  declare -gA DS_STATUS=() DS_SECONDS=() DS_CASES=() DS_FAILING=() DS_REASON=()
  local line
  line=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n1)
  if [[ -n $line ]]; then
    DS_GPU=${line%%,*} DS_DRIVER=${line##*, }
  fi
  DS_NVCC=$(nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\).*/\1/p')
  DS_CMAKE=$(cmake --version 2>/dev/null | sed -n '1s/cmake version //p')
  ds_note "stage $DS_STAGE on $DS_DEVICE; GPU: ${DS_GPU:-none} (driver ${DS_DRIVER:-none}), nvcc ${DS_NVCC:-none}, cmake ${DS_CMAKE:-none}"
}

ds_note() {
  DS_NOTES+=("$1")
  echo "device-check: $1"
}

# ds_parse_ctest CTEST_LOG LASTTEST_LOG: each test's status and seconds from CTest's progress lines,
# and from its output (LastTest.log) doctest's case counts, the names of failing cases and a skip reason.
ds_parse_ctest() {
  local name status secs
  while read -r name status secs; do
    DS_SUITES+=("$name")
    DS_STATUS[$name]=$status DS_SECONDS[$name]=$secs
    case $status in
      passed) ;;
      skipped) DS_SKIPPED+=("$name") ;;
      *) DS_FAILED+=("$name") ;;
    esac
  done < <(sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) \.* *(\*\*\*)?([A-Za-z]+( Run)?).* ([0-9.]+) sec$/\1 \3 \5/p' "$1" |
    awk '{ s = tolower($2); if ($3 == "Run") { s = "not_run"; $3 = $4 } print $1, s, $NF }')
  [[ -f $2 ]] || return 0
  local field value
  while IFS=$'\t' read -r name field value; do
    case $field in
      cases) DS_CASES[$name]=$value ;;
      failing) DS_FAILING[$name]+="${DS_FAILING[$name]:+$'\n'}$value" ;;
      reason) DS_REASON[$name]=$value ;;
    esac
  done < <(awk '
    /^[0-9]+\/[0-9]+ Test: / { name = $3; next }
    /^\[doctest\] test cases:/ { match($0, /test cases: *[0-9]+ \| *[0-9]+ passed \| *[0-9]+ failed \| *[0-9]+ skipped/)
      split(substr($0, RSTART, RLENGTH), w, /[^0-9]+/); print name "\tcases\t" w[3] " " w[4] " " w[5]; next }
    /^TEST CASE:  / { c = substr($0, 13); if (!seen[name SUBSEP c]++) print name "\tfailing\t" c; next }
    /^SKIPPED: / { print name "\treason\t" substr($0, 10) }' "$2")
}

# ds_add_bench NAME EXIT_STATUS SECONDS LOG
ds_add_bench() {
  DS_SUITES+=("$1")
  DS_SECONDS[$1]=$3
  case $2 in
    0) DS_STATUS[$1]=passed ;;
    124) DS_STATUS[$1]=timeout DS_FAILED+=("$1") ;;
    *) DS_STATUS[$1]=failed DS_FAILED+=("$1") DS_FAILING[$1]=$(tail -n 5 "$4" | tr -d '\r') ;;
  esac
}

ds_finish_tests() {
  local n=${#DS_SUITES[@]}
  if ((n == 0)); then
    ds_finish "no ${DS_DEVICE} suites ran (was the CUDA backend built?)" "$DS_WORK/ctest.log"
  elif ((${#DS_FAILED[@]} > 0)); then
    ds_finish "${#DS_FAILED[@]} of $n suites failed: ${DS_FAILED[*]}"
  elif ((${#DS_SKIPPED[@]} == n)) && [[ -z $DS_GPU ]]; then
    ds_finish "no GPU: CUDA suites skipped"
  elif ((${#DS_SKIPPED[@]} > 0)); then
    ds_finish "${#DS_SKIPPED[@]} of $n suites skipped: ${DS_SKIPPED[*]}"
  fi
  ds_finish ""
}

ds_finish_bench() {
  if [[ $DS_DEVICE == cuda && -z $DS_GPU ]]; then ds_finish "no GPU: the CUDA benches cannot run"; fi
  if ((${#DS_FAILED[@]} > 0)); then ds_finish "${#DS_FAILED[@]} benches failed: ${DS_FAILED[*]}"; fi
  ds_finish ""
}

ds_json() {  # a JSON string
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\t'/\\t}
  s=${s//$'\n'/\\n}
  s=$(printf '%s' "$s" | tr -d '\000-\010\013-\037')
  printf '"%s"' "$s"
}

# ds_finish WHAT [LOG]: WHAT empty means PASS; LOG's last lines go into the summary as the error.
# Writes the summaries, copies them and the logs to $OUT, prints the verdict and exits.
ds_finish() {
  local what=$1 log=${2:-} verdict=PASS tail="" name
  if [[ -n $what ]]; then verdict=FAIL; fi
  if [[ -n $log && -f $log ]]; then  # the first error lines (compiler or CMake), then the log's end
    tail=$({
      grep -E -m 12 'error|Error|FAILED' "$log"
      echo "..."
      grep -v '^\s*$' "$log" | tail -n 12
    })
  fi
  local txt="$DS_WORK/summary.txt" json="$DS_WORK/summary.json"
  {
    echo "device-check stage: $DS_STAGE on $DS_DEVICE"
    echo "gpu: ${DS_GPU:-none}   driver: ${DS_DRIVER:-none}   nvcc: ${DS_NVCC:-none}   cmake: ${DS_CMAKE:-none}"
    echo "cuda archs: ${DS_ARCHS:-n/a}   configure: ${DS_CONFIGURE_S} s   build: ${DS_BUILD_S} s   run: ${DS_TEST_S} s"
    for name in "${DS_NOTES[@]}"; do echo "note: $name"; done
    for name in "${DS_SUITES[@]}"; do
      printf '%-24s %-8s %7s s  cases (pass fail skip): %s%s\n' "$name" "${DS_STATUS[$name]}" "${DS_SECONDS[$name]}" \
        "${DS_CASES[$name]:--}" "${DS_REASON[$name]:+  (${DS_REASON[$name]})}"
      if [[ -n ${DS_FAILING[$name]:-} ]]; then sed 's/^/    failing: /' <<<"${DS_FAILING[$name]}"; fi
    done
    if [[ -n $tail ]]; then
      echo "last lines of $(basename "$log"):"
      sed 's/^/    /' <<<"$tail"
    fi
    echo "device-check: $verdict${what:+ ($what)}"
  } >"$txt"
  {
    printf '{\n  "stage": %s,\n  "device": %s,\n  "verdict": %s,\n  "what": %s,\n' "$(ds_json "$DS_STAGE")" \
      "$(ds_json "$DS_DEVICE")" "$(ds_json "$verdict")" "$(ds_json "$what")"
    printf '  "gpu": %s,\n  "driver": %s,\n  "nvcc": %s,\n  "cmake": %s,\n  "cuda_archs": %s,\n' "$(ds_json "$DS_GPU")" \
      "$(ds_json "$DS_DRIVER")" "$(ds_json "$DS_NVCC")" "$(ds_json "$DS_CMAKE")" "$(ds_json "$DS_ARCHS")"
    printf '  "configure_seconds": %d,\n  "build_seconds": %d,\n  "run_seconds": %d,\n' "$DS_CONFIGURE_S" \
      "$DS_BUILD_S" "$DS_TEST_S"
    printf '  "error_tail": %s,\n  "notes": [' "$(ds_json "$tail")"
    local sep=""
    for name in "${DS_NOTES[@]}"; do printf '%s%s' "$sep" "$(ds_json "$name")"; sep=", "; done
    printf '],\n  "suites": ['
    sep=""
    for name in "${DS_SUITES[@]}"; do
      local cases=(${DS_CASES[$name]:-})
      printf '%s\n    {"name": %s, "status": %s, "seconds": %s' "$sep" "$(ds_json "$name")" \
        "$(ds_json "${DS_STATUS[$name]}")" "${DS_SECONDS[$name]}"
      if ((${#cases[@]} == 3)); then
        printf ', "cases_passed": %d, "cases_failed": %d, "cases_skipped": %d' "${cases[0]}" "${cases[1]}" "${cases[2]}"
      fi
      if [[ -n ${DS_REASON[$name]:-} ]]; then printf ', "skip_reason": %s' "$(ds_json "${DS_REASON[$name]}")"; fi
      printf ', "failing": ['
      local fsep="" f
      if [[ -n ${DS_FAILING[$name]:-} ]]; then
        while IFS= read -r f; do printf '%s%s' "$fsep" "$(ds_json "$f")"; fsep=", "; done <<<"${DS_FAILING[$name]}"
      fi
      printf ']}'
      sep=","
    done
    printf '\n  ]\n}\n'
  } >"$json"
  if [[ -n ${OUT:-} ]]; then
    mkdir -p "$OUT" && cp "$DS_WORK"/*.log "$DS_WORK"/summary.* "$OUT"/ 2>/dev/null
    cp "$DS_WORK"/metrics_*.json "$OUT"/ 2>/dev/null
  fi
  echo
  cat "$txt"
  [[ $verdict == PASS ]]
  exit
}
