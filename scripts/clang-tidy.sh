#!/bin/sh
# Runs clang-tidy with the root .clang-tidy over the product code (the library folders, not tests/
# or bench/), in parallel, using the compile commands of a configured build directory.
# Usage: scripts/clang-tidy.sh [-j N] [--changed-since REV] [BUILD_DIR] [FILE_REGEX]
#   BUILD_DIR   default build-tidy (configure it first, without the unity build, whose compile
#               commands name batches instead of sources:
#               cmake -S . -B build-tidy -DMMTUNE_UNITY=OFF; nothing needs building)
#   FILE_REGEX  only the sources whose path below their folder matches it, e.g. 'journal|memcg'
#   --changed-since REV  only the sources changed since the commit REV (git diff, the working tree
#               included), and for a changed header the source of the same name: what CI runs,
#               with REV from .ci/tidy-base, the last commit whose whole tree had no findings
#               (a full run costs some 25 CPU-minutes, too much for every CI run).
# Prints every finding, then a count per check and per file; exit 1 when there is any finding
# (or clang-tidy fails on a file), 0 when there is none, 2 when clang-tidy is missing or no source
# matches.
# Needs Debian's clang-tidy package (clang-tidy and run-clang-tidy on PATH).
set -eu
cd "$(dirname "$0")/.."
jobs=2
if [ "${1:-}" = "-j" ]; then jobs=$2; shift 2; fi
since=""
if [ "${1:-}" = "--changed-since" ]; then since=$2; shift 2; fi
build=${1:-build-tidy}
only=${2:-}
for tool in clang-tidy run-clang-tidy; do
  command -v "$tool" >/dev/null 2>&1 || { echo "clang-tidy.sh: $tool not found (apt-get install clang-tidy)" >&2; exit 2; }
done
[ -f "$build/compile_commands.json" ] || {
  echo "clang-tidy.sh: $build/compile_commands.json missing (cmake -S . -B $build -DMMTUNE_UNITY=OFF)" >&2; exit 2; }
if grep -q '/unity_[0-9]*_cxx\.cxx' "$build/compile_commands.json"; then
  echo "clang-tidy.sh: $build is a unity build: cmake -S . -B $build -DMMTUNE_UNITY=OFF" >&2; exit 2
fi

root=$(pwd)
folders='facts|probes|model|changes|workloads|advisor|compare|report|matrix|fleet|cli'
files="^$root/($folders)/.*$only.*\\.cpp\$"
if [ -n "$since" ]; then
  git cat-file -e "$since^{commit}" 2>/dev/null ||
    { echo "clang-tidy.sh: --changed-since: $since is not a commit of this repository" >&2; exit 2; }
  changed=$(git diff --name-only --diff-filter=AMR "$since" -- $(echo "$folders" | tr '|' ' ') |
    sed -n 's/\.[ch]pp$/.cpp/p' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done |
    tr '\n' '|' | sed 's/|$//; s/\./\\./g')
  if [ -z "$changed" ]; then
    echo "clang-tidy: no product source changed since $since"
    exit 0
  fi
  files="^$root/($changed)\$"
fi
sources=$(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$build/compile_commands.json" | grep -cE "$files") ||
  { echo "clang-tidy.sh: no product source in $build/compile_commands.json matches '$only'" >&2; exit 2; }
echo "clang-tidy: $sources sources" >&2
# Sources that include a header the build writes (cli/build_version.hpp) need it written first.
cmake --build "$build" --target mmtune_version_header >/dev/null
log="$build/clang-tidy.log"
status=0
# -quiet: no per-file banner; the header filter keeps findings to our own headers.
run-clang-tidy -quiet -j "$jobs" -p "$build" -header-filter="^$root/($folders)/" "$files" \
  >"$log" 2>&1 || status=$?
# One finding per "file:line:col: warning: … [check]" line; a header's finding is reported once
# per source that includes it, so count distinct lines.
# (run-clang-tidy 14 always asks for colour: strip it.)
sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^/.*: (warning|error): ' | sort -u >"$log.findings" || true
sed "s|^$root/||" "$log.findings"
count=$(wc -l <"$log.findings")
if [ "$count" -gt 0 ]; then
  echo
  echo "== findings per check"
  sed -E 's/.*\[([^]]+)\]$/\1/' "$log.findings" | sort | uniq -c | sort -rn
  echo "== findings per file"
  sed -E "s|^$root/||; s/:[0-9]+:[0-9]+: .*//" "$log.findings" | sort | uniq -c | sort -rn
  echo "$count findings (full output: $log)"
  exit 1
fi
[ "$status" -eq 0 ] || { echo "clang-tidy failed (exit $status): see $log" >&2; exit 1; }
echo "clang-tidy: no findings"
