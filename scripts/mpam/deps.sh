#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install everything the rig needs from Debian's packages.  Idempotent and
# quick when all is present: apt is only called for what is missing.
set -eu

pkgs="make gcc libc6-dev git perl python3 bc flex bison libssl-dev libelf-dev
      cpio kmod rsync xz-utils gzip zstd dpkg-dev ccache
      gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
      qemu-system-arm qemu-efi-aarch64 ipxe-qemu
      meson ninja-build pkg-config libglib2.0-dev libpixman-1-dev libfdt-dev
      zlib1g-dev debian-archive-keyring
      mmdebstrap arch-test qemu-user-static binfmt-support e2fsprogs"

missing=
for p in $pkgs; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "==> installing:$missing" >&2
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -q update >&2
# shellcheck disable=SC2086
$sudo apt-get -q install -y --no-install-recommends $missing >&2
