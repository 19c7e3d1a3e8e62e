#!/bin/sh
# Runs every libFuzzer target of tests/fuzz (or those named) for a while on its corpus.
#   scripts/fuzz.sh [--build DIR] [--seconds N] [--jobs J] [TARGET...]
# DIR (default build-fuzz) is configured with clang and -DMMTUNE_FUZZ=ON and the targets are built
# if it has none yet. Each target runs N seconds (default 30), J at a time (default 1), on
# DIR/fuzz-corpus/TARGET (kept between runs, so coverage accumulates) seeded afresh from the
# repository (tests/fuzz/seeds.cmake). A crash, leak, sanitizer report or an input that runs over
# 10 s lands in DIR/fuzz-artifacts/TARGET/; the script prints one line per target (executions,
# coverage, features, corpus size, result) and exits 1 if any target found something.
set -eu
cd "$(dirname "$0")/.."
build=build-fuzz seconds=30 jobs=1 prepared=no
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --prepared) prepared=yes; shift ;;  # internal: the parallel runs skip build and seeding
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done

if [ "$prepared" = no ]; then
  command -v clang++ >/dev/null || { echo "fuzz.sh: needs clang (apt-get install clang)" >&2; exit 3; }
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
      -DMMTUNE_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
  fi
  cmake --build "$build" -j2 --target fuzz >/dev/null
  rm -rf "$build/fuzz-corpus/seeds"
  cmake -DSOURCE="$(pwd)" -DOUT="$build/fuzz-corpus/seeds" -P tests/fuzz/seeds.cmake
fi
targets="$*"
[ -n "$targets" ] || targets=$(cd "$build/tests/fuzz" && ls fuzz_* | sed 's/^fuzz_//' | sort)
work=$(cd "$build" && pwd)
# The host-tree targets write a small tree per input: on tmpfs when there is one.
if [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_one() {
  name=$1
  corpus="$work/fuzz-corpus/$name" artifacts="$work/fuzz-artifacts/$name"
  log="$work/fuzz-logs/$name.log"
  mkdir -p "$corpus" "$artifacts" "$work/fuzz-logs"
  status=ok
  "$work/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" \
    "$work/fuzz-corpus/seeds/$name" >"$log" 2>&1 || status=FOUND
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  final=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" | tail -1)
  cov=$(echo "$final" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$final" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$final" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
  printf '%-20s %12s execs  cov %6s  ft %7s  corpus %6s  %s\n' "$name" "${execs:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$status"
  [ "$status" = ok ] || { echo "  see $log and $artifacts/"; return 1; }
}

if [ "$jobs" -gt 1 ]; then
  printf '%s\n' $targets |
    xargs -P "$jobs" -I{} "$0" --prepared --build "$build" --seconds "$seconds" {} && exit 0
  exit 1
fi
found=0
for name in $targets; do run_one "$name" || found=1; done
exit $found
