#!/bin/sh
# The package on a clean Debian 12: a minimal bookworm made with debootstrap (from deb.debian.org),
# `dpkg -i` of the package `cpack -G DEB` made from this build tree (a minimal system lacks the
# libraries it depends on: dpkg names them, `apt-get -f install` brings them), `mmtune tune` in it
# with /proc and /sys of this host, then `dpkg -r`: no file of the package is left.
#
# Usage: debian_chroot_test.sh BUILD_DIR   (label deploy-acceptance: runs only with
# MMTUNE_DEPLOY_ACCEPTANCE=1, as root, with debootstrap installed; about 3 minutes, mostly the
# download). MMTUNE_DEBIAN_CHROOT=DIR reuses a bookworm made earlier (it is copied, not changed).
set -eu
build=$(cd "$1" && pwd)
[ "${MMTUNE_DEPLOY_ACCEPTANCE:-}" = 1 ] || { echo "SKIP: set MMTUNE_DEPLOY_ACCEPTANCE=1 to run"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (debootstrap, chroot, mounts)"; exit 77; }
command -v debootstrap >/dev/null || { echo "SKIP: debootstrap is not installed"; exit 77; }

work=$(mktemp -d /var/tmp/mmtune-debian-XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/bookworm
step() { printf '\n$ %s\n' "$*"; }

step "cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$work/deb" | tail -n 2)
deb=$(ls "$work"/deb/mmtune_*.deb)

if [ -n "${MMTUNE_DEBIAN_CHROOT:-}" ]; then
  step "cp -a $MMTUNE_DEBIAN_CHROOT $root"
  cp -a "$MMTUNE_DEBIAN_CHROOT" "$root"
else
  step "debootstrap --variant=minbase bookworm $root http://deb.debian.org/debian"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian | tail -n 1
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
name=$(basename "$deb")

# Everything in the chroot runs in a mount namespace of its own: its /proc and /sys binds vanish
# with it, whatever happens.
cat >"$work/in-chroot.sh" <<EOF
set -u
mount --rbind /proc "$root/proc" && mount --make-rslave "$root/proc"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "\$@"; }
echo "\$ dpkg -i /tmp/$name"
in_root dpkg -i "/tmp/$name"; echo "exit \$?"
echo "\$ apt-get -f install -y"
in_root apt-get -qq update && in_root apt-get -f install -y -qq -o=Dpkg::Use-Pty=0 | grep -E '^(Setting up|Unpacking)'; echo "exit \$?"
echo "\$ dpkg -s mmtune | grep -E '^(Status|Version|Depends):'"
in_root dpkg -s mmtune | grep -E '^(Status|Version|Depends):'
echo "\$ mmtune tune   (in /root)"
in_root sh -c 'cd /root && mmtune tune'; echo "exit \$?"
in_root sh -c 'ls /root/mmtune-tune-general.json /root/mmtune-tune-general.html /root/mmtune-tune-general.md'
in_root dpkg -L mmtune >"$work/files"
echo "\$ dpkg -r mmtune"
in_root dpkg -r mmtune; echo "exit \$?"
echo "\$ dpkg -s mmtune"
in_root dpkg -s mmtune 2>&1 | head -n 2
EOF
step "unshare --mount --propagation private sh in-chroot.sh"
unshare --mount --propagation private sh "$work/in-chroot.sh" 2>&1 | tee "$work/log"

grep -q "dependency problems - leaving unconfigured" "$work/log"
grep -q "^Status: install ok installed" "$work/log"
grep -q "mmtune: report written to" "$work/log"
[ "$(grep -c '^exit 0' "$work/log")" -eq 3 ]
left=0
while read -r path; do
  if [ -f "$root$path" ] || [ -L "$root$path" ]; then echo "left behind: $path"; left=1; fi
done <"$work/files"
[ "$left" -eq 0 ]
echo "dpkg -r left none of the $(wc -l <"$work/files") paths the package had"
