#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the initramfs the VM boots: Debian's static busybox for arm64, our
# /init and the kselftests of the overlay, statically linked.  Prints its
# path.  Needs the kernel build (for the uapi headers).
set -euo pipefail
. "$(dirname "$0")/env.sh"
lock_cache

tree=$("$top/scripts/mpam/prepare-tree.sh")
targets=${KSELFTEST_TARGETS:-mpam cgroup}
stage=$vmdir/initramfs
out=$vmdir/initramfs.cpio.gz

bbdeb=$(find "$MPAM_CACHE/dl" -name 'busybox-static_*_arm64.deb' 2>/dev/null | sort | tail -1)
if [ -z "$bbdeb" ]; then
	step "downloading busybox-static:arm64"
	"$top/scripts/mpam/papt" update
	mkdir -p "$MPAM_CACHE/dl"
	(cd "$MPAM_CACHE/dl" && "$top/scripts/mpam/papt" get download busybox-static:arm64 >&2)
	bbdeb=$(find "$MPAM_CACHE/dl" -name 'busybox-static_*_arm64.deb' | sort | tail -1)
fi

step "building kselftests: $targets"
rm -rf "$kbuild/kselftest/kselftest_install"
make -C "$tree" O="$kbuild" -s -j"$jobs" headers >&2
make -C "$tree/tools/testing/selftests" -s -j"$jobs" \
	O="$kbuild" TARGETS="$targets" USERLDFLAGS=-static \
	KSFT_INSTALL_PATH="$kbuild/kselftest/kselftest_install" install >&2

rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/root"
dpkg-deb --fsys-tarfile "$bbdeb" | tar -xO ./bin/busybox > "$stage/bin/busybox"
chmod 755 "$stage/bin/busybox"
install -m 755 "$top/scripts/mpam/vm-init" "$stage/init"
install -m 755 "$top/scripts/mpam/mpam-host" "$stage/bin/mpam-host"
cp -a "$kbuild/kselftest/kselftest_install" "$stage/kselftest"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
