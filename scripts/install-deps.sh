#!/bin/sh
# Installs what mmtune needs to build and test on Debian 12, and nothing that is already there.
# Usage: scripts/install-deps.sh [--build-only | --without-matrix | --without-deploy]
# --build-only installs what building mmtune needs, no more (the README's first command).
# By default it also installs what `mmtune matrix` and its CTest group (label matrix) need to boot
# Debian's other kernels under QEMU: qemu-system-x86, busybox-static, kmod (depmod) and xz-utils
# (.ko.xz modules), about 20 MB to download; and what the deploy tests (label deploy) drive: the
# package tools (help2man, dpkg-dev), ansible-core and ansible-lint, an sshd, promtool (prometheus),
# prometheus-node-exporter, about 35 MB. Without them those tests skip with the reason.
set -eu
packages="cmake g++ make pkg-config libcli11-dev libnuma-dev liburing-dev nlohmann-json3-dev
libfmt-dev libssl-dev libsimdjson-dev libeigen3-dev libnlopt-dev libgtest-dev libgmock-dev e2fsprogs util-linux procps"
matrix="qemu-system-x86 busybox-static kmod xz-utils"
deploy="help2man dpkg-dev man-db ansible-core ansible-lint openssh-server openssh-client prometheus
prometheus-node-exporter"
for option in "$@"; do
  case $option in
    --without-matrix) matrix="" ;;
    --without-deploy) deploy="" ;;
    --build-only) matrix="" deploy="" ;;
    *) echo "install-deps.sh: unknown option $option" >&2; exit 2 ;;
  esac
done
missing=""
for p in $packages $matrix $deploy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing" >&2
# The daemons among them (sshd, prometheus, node_exporter) are not started: the tests start their
# own on free ports of 127.0.0.1. A policy-rc.d that refuses starts does that, for this install only.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
