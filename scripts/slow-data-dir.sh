#!/bin/bash
# Runs a command with a slow data directory: a loop device over a sparse file, ext4, mounted at
# DIR/mnt, with a write-bandwidth limit in the root blkio cgroup (cgroup v1: writeback comes from
# the flusher threads there; changes/slow_device.hpp says why). Everything is taken away after,
# also when the command fails or is interrupted.
#   scripts/slow-data-dir.sh BYTES_PER_S -- COMMAND...   (the mount point is in $SLOW_DATA_DIR)
set -euo pipefail
bps=$1; shift; [[ ${1:-} == -- ]] && shift
work=$(mktemp -d /var/tmp/mmtune-slow-data-dir.XXXXXX)
loop=""; rule=""
cleanup() {
  [[ -n $rule ]] && echo "$rule 0" > /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device || true
  mountpoint -q "$work/mnt" && umount "$work/mnt" || true
  [[ -n $loop ]] && losetup -d "$loop" || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
truncate -s 2G "$work/disk.img"
loop=$(losetup --direct-io=on --show -f "$work/disk.img")
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 "$loop"
mkdir "$work/mnt"
mount "$loop" "$work/mnt"
rule=$(lsblk -ndo MAJ:MIN "$loop" | tr -d ' ')
echo "$rule $bps" > /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device
SLOW_DATA_DIR="$work/mnt" "$@"
