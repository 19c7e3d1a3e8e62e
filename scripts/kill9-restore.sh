#!/bin/bash
# Acceptance: kill -9 mmtune at random points of the runs that change the most (a sweep, reclaim
# with a swap file, oom, dirty-flood on a slow loop device, apply), run `mmtune restore` after each,
# and check that nothing is left: settings, memory cgroups, swap, loop devices, mounts, files,
# journals and the host lock. As root, on a host nobody else is changing at the time.
#   scripts/kill9-restore.sh [--mmtune BIN] [--points N] [--seed N]
# Prints one line per point (command, when it was killed, what restore said, what was left) and
# exits 1 if anything was left behind.
set -u
mmtune=build/cli/mmtune points=20 seed=$$
while [ $# -gt 0 ]; do
  case "$1" in
    --mmtune) mmtune=$2; shift 2 ;;
    --points) points=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "kill9-restore.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "kill9-restore.sh: needs root" >&2; exit 3; }
RANDOM=$seed
work=$(mktemp -d /tmp/kill9-restore-XXXXXX)
trap 'rm -rf "$work"' EXIT
printf 'vm.swappiness = 33\nvm.dirty_background_ratio = 7\nvm.watermark_scale_factor = 25\n' \
  >"$work/apply.conf"

# name | longest it runs (ms) | the command
commands=(
  "sweep|9000|sweep demand-paging --knob vm.swappiness=11,12 --knob vm.dirty_ratio=15 --repeat 2 --size 64MiB"
  "reclaim|9000|run reclaim --swap 128MiB --limit 128MiB --anon 64MiB --file 96MiB --duration 2s"
  "oom|6000|run oom --limit 64MiB --swap 32MiB"
  "dirty-flood|12000|run dirty-flood --device-bps 20MiB --duration 4s --dirty-ratio 5 --writers 2"
  "apply|400|apply $work/apply.conf --yes"
)

# Everything a run may change or leave, one line each, in a stable order.
snapshot() {
  for f in /proc/sys/vm/* /sys/kernel/mm/transparent_hugepage/enabled \
    /sys/kernel/mm/transparent_hugepage/defrag /sys/kernel/mm/transparent_hugepage/khugepaged/defrag \
    /proc/sys/kernel/numa_balancing; do
    [ -r "$f" ] && [ -f "$f" ] && printf 'setting %s = %s\n' "$f" "$(tr '\n' ' ' <"$f" 2>/dev/null)"
  done
  grep -v '^$' /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device 2>/dev/null | sed 's/^/io_limit /'
  find /sys/fs/cgroup -maxdepth 6 -type d -name 'mmtune-*' 2>/dev/null | sed 's/^/cgroup /'
  tail -n +2 /proc/swaps | awk '{print "swap", $1}'
  losetup -a 2>/dev/null | sed 's/^/loop /'
  ls -d /dev/loop[0-9]* 2>/dev/null | sed 's/^/loop-node /'
  grep mmtune /proc/mounts | sed 's/^/mount /'
  ls -d /var/tmp/mmtune-* /tmp/mmtune-swap-* /tmp/mmtune-slow-device-* 2>/dev/null | sed 's/^/file /'
  ls /var/lib/mmtune/journal-*.jsonl 2>/dev/null | sed 's/^/journal /'
  if [ -e /run/mmtune/host.lock ] && ! flock -n /run/mmtune/host.lock true; then
    echo "lock held: $(cat /run/mmtune/host.lock)"
  fi
}

"$mmtune" restore >/dev/null 2>&1
"$mmtune" restore --applied >/dev/null 2>&1
snapshot >"$work/before"
left_any=0
for ((i = 0; i < points; i++)); do
  IFS='|' read -r name longest command <<<"${commands[i % ${#commands[@]}]}"
  delay_ms=$((50 + RANDOM % longest))
  # shellcheck disable=SC2086
  "$mmtune" $command >"$work/out" 2>&1 &
  pid=$!
  sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
    when="killed at ${delay_ms} ms"
  else
    when="ended before ${delay_ms} ms"
  fi
  wait "$pid" 2>/dev/null
  restore=$("$mmtune" restore 2>&1)
  restore_rc=$?
  if [ "$name" = apply ]; then  # a finished apply keeps its changes on purpose
    "$mmtune" restore --applied >/dev/null 2>&1
  fi
  snapshot >"$work/after"
  left=$(diff "$work/before" "$work/after" | grep '^[<>]' | tr '\n' ';')
  undone=$(echo "$restore" | grep -c '^  restored')
  printf '%2d %-11s %-24s restore rc %d, %2d undone  %s\n' "$((i + 1))" "$name" "$when" \
    "$restore_rc" "$undone" "${left:-nothing left}"
  if [ -n "$left" ]; then
    left_any=1
    echo "$restore" | sed 's/^/     /'
  fi
done
exit $left_any
