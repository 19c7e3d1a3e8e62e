#!/bin/sh
# Installs what mmtune needs to build and test on Debian 12, and nothing that is already there.
# Usage: scripts/install-deps.sh [--without-matrix]
# By default it also installs what `mmtune matrix` and its CTest group (label matrix) need to boot
# Debian's other kernels under QEMU: qemu-system-x86, busybox-static, kmod (depmod) and xz-utils
# (.ko.xz modules), about 20 MB to download. With --without-matrix those tests skip with the reason.
set -eu
packages="cmake g++ make pkg-config libcli11-dev libnuma-dev liburing-dev nlohmann-json3-dev
libfmt-dev libgtest-dev libgmock-dev e2fsprogs util-linux procps"
if [ "${1:-}" != "--without-matrix" ]; then
  packages="$packages qemu-system-x86 busybox-static kmod xz-utils"
fi
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing" >&2
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
