#!/bin/sh
# `mmtune fleet` at scale: synthesises HOSTS host results (bench/synthesize_fleet.py) from a real
# tune document and a real check document, once, then times the fleet report of them with
# /usr/bin/time -v (wall clock and peak RSS), under flock MMTUNE_MEASURE_LOCK when that is set (a
# lock file shared by whoever measures on the machine).
#
# Usage: bench/fleet_bench.sh MMTUNE TUNE.json CHECK.json [HOSTS] [DIR]
#   TUNE.json: what `mmtune tune` wrote here; CHECK.json: a `mmtune check --json` (e.g.
#   tests/data/reports/check-ci-smoke.json). DIR (default /var/tmp/mmtune-fleet-HOSTS, ~3.2 GB
#   for 10,000 hosts) is kept for the next run; the report goes to DIR.html.
# Goal (docs/fleet.md): 10,000 hosts in under 10 s and under 1 GiB on 2 cores.
set -eu
mmtune=$1 tune=$2 check=$3 hosts=${4:-10000}
dir=${5:-/var/tmp/mmtune-fleet-$hosts}
here=$(dirname "$0")
if [ ! -d "$dir" ]; then
  echo "synthesising $hosts hosts into $dir"
  nice python3 "$here/synthesize_fleet.py" --tune "$tune" --check "$check" --hosts "$hosts" \
    --out "$dir"
fi
echo "$(find "$dir" -name '*.json' | wc -l) documents, $(du -sh "$dir" | cut -f1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
# The files were just written (or read by the last run): the page cache holds them, as it would on
# a controller that has just fetched them.
${MMTUNE_MEASURE_LOCK:+flock "$MMTUNE_MEASURE_LOCK"} /usr/bin/time -v "$mmtune" fleet "$dir" -o "$dir.html" 2>"$dir.time"
grep -E 'Elapsed \(wall|Maximum resident|User time|System time' "$dir.time"
ls -l "$dir.html"
