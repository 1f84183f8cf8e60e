#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian root filesystem of the systemd, runc and KVM jobs and
# print the path of its ext4 image.
#
# Two layers:
#  - base: Debian bookworm arm64 made by mmdebstrap (maintainer scripts run
#    under qemu-user-static through binfmt_misc), with systemd as PID 1,
#    runc, containerd and qemu-system-arm as the VMM of nested guests.
#    Rebuilt only when its recipe (this script) changes:
#    $MPAM_CACHE/rootfs/base-<hash>/.  Downloaded packages are kept in
#    $MPAM_CACHE/rootfs/debs/ for the next rebuild.
#  - the image: the base plus what changes with the tree (the rig's units
#    in scripts/mpam/rootfs/, tools/cgroup/mpam/, the kselftests, mpam-host,
#    the kernel Image and the payload of nested guests), written to
#    $MPAM_CACHE/build/vm/rootfs.img with mke2fs -d: no mount, no loop
#    device.  VMs boot it with snapshot=on, so every boot starts clean.
#
# Needs the kernel and the kselftests (make initramfs) first.
#   build-rootfs.sh [base]   "base" builds (or finds) the base only
set -euo pipefail
. "$(dirname "$0")/env.sh"

# --- recipe (the base is rebuilt when the text from here to "end of
# recipe" changes)
suite=bookworm
mirror=${MPAM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# What the jobs need, and nothing else: every package costs boot and
# build time under emulation.
packages=systemd,systemd-sysv,udev,dbus,procps,runc,containerd,qemu-system-arm

rdir=$MPAM_CACHE/rootfs
# The recipe is the text between the two "recipe" marks of this script.
hash=$(sed -n '/^# --- recipe/,/^# --- end of recipe/p' "$0" | sha256sum | cut -c1-12)
base=$rdir/base-$hash
img=$vmdir/rootfs.img

# Foreign binaries run through qemu-user-static; register it once (the
# binfmt_misc entry of Debian's qemu-user-static has the F flag, so it
# works inside the chroot).
binfmt() {
	[ -e /proc/sys/fs/binfmt_misc/register ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
		die "rootfs: cannot mount binfmt_misc"
	if ! grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
		update-binfmts --enable qemu-aarch64 >&2 ||
			die "rootfs: cannot register qemu-aarch64 with binfmt_misc"
	fi
}

# The base does not depend on the kernel: it has a lock of its own.
lock_cache rootfs
if [ ! -f "$base/.complete" ]; then
	[ "$(id -u)" = 0 ] || die "rootfs: mmdebstrap needs root (chroot mode)"
	binfmt
	step "building the Debian $suite arm64 root filesystem (mmdebstrap)"
	start=$(date +%s)
	rm -rf "$rdir"/base-* "$rdir/tmp"
	mkdir -p "$rdir/debs" "$rdir/tmp"
	# The sources list is given on the command line: mmdebstrap keeps its
	# own apt state in the target, the host's apt is not involved.
	mmdebstrap --arch=arm64 --variant=minbase --mode=root \
		--include="$packages" \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--skip=essential/unlink \
		--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
		--setup-hook="sync-in $rdir/debs /var/cache/apt/archives/" \
		--customize-hook="sync-out /var/cache/apt/archives $rdir/debs" \
		--customize-hook='echo mpam > "$1"/etc/hostname' \
		--customize-hook='sed -i "s/^root:[^:]*:/root::/" "$1"/etc/shadow' \
		--customize-hook='printf "# root is /dev/vda, mounted rw by the kernel\n" > "$1"/etc/fstab' \
		--customize-hook='rm -f "$1"/etc/systemd/system/multi-user.target.wants/containerd.service' \
		--customize-hook='for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
			e2scrub_all.timer fstrim.timer systemd-timesyncd.service; do
			ln -sf /dev/null "$1/etc/systemd/system/$u"; done' \
		"$suite" "$rdir/tmp/base" \
		"deb [signed-by=$keyring] $mirror $suite main" >&2
	mv "$rdir/tmp/base" "$base"
	touch "$base/.complete"
	rm -rf "$rdir/tmp"
	echo "rootfs: base built in $(( $(date +%s) - start ))s" >&2
fi
# --- end of recipe
unlock_cache
[ "${1:-}" != base ] || { echo "$base"; exit 0; }
lock_cache

# The image: a hard-linked copy of the base, with the files of the tree
# replacing (never writing through) the base's.
step "assembling $img"
start=$(date +%s)
stage=$vmdir/rootfs
rm -rf "$stage"
mkdir -p "$vmdir"
cp -al "$base" "$stage"
rm -f "$stage/.complete"
put() {	# mode src dst
	rm -f "$stage/$3"
	install -D -m "$1" "$2" "$stage/$3"
}
for f in "$top"/scripts/mpam/rootfs/*.service; do
	put 644 "$f" "etc/systemd/system/${f##*/}"
done
put 755 "$top/scripts/mpam/rootfs/mpam-rig" usr/lib/mpam-rig/mpam-rig
ln -sf ../mpam-rig.service "$stage/etc/systemd/system/multi-user.target.wants/mpam-rig.service"
mkdir -p "$stage/etc/systemd/system/serial-getty@ttyAMA0.service.d"
put 644 "$top/scripts/mpam/rootfs/autologin.conf" \
	"etc/systemd/system/serial-getty@ttyAMA0.service.d/autologin.conf"
put 755 "$top/scripts/mpam/mpam-host" usr/local/bin/mpam-host
for f in "$top"/tools/cgroup/mpam/*; do
	[ -f "$f" ] || continue
	case $f in
	*.service|*.slice) put 644 "$f" "usr/lib/systemd/system/${f##*/}" ;;
	*generator) put 755 "$f" "usr/lib/systemd/system-generators/${f##*/}" ;;
	*.md|*.rst|*.txt) ;;
	*) put 755 "$f" "usr/local/sbin/${f##*/}" ;;
	esac
done
rm -rf "$stage/kselftest"
cp -a "$kbuild/kselftest/kselftest_install" "$stage/kselftest"
# The userspace tests are a collection of their own beside the kselftests,
# whose helpers they use: run_kselftest.sh -t mpam-userspace:TEST runs one.
u=$stage/kselftest/mpam-userspace
mkdir -p "$u"
cp "$top"/tools/cgroup/mpam/tests/* "$u/"
echo timeout=600 > "$u/settings"
for t in "$u"/*.sh; do
	[ -x "$t" ] && echo "mpam-userspace:${t##*/}" >> "$stage/kselftest/kselftest-list.txt"
done
# Nested guests: the kernel and the bare-metal payload of the kvm job.
mkdir -p "$stage/usr/lib/mpam-rig"
rm -f "$stage/usr/lib/mpam-rig/Image"
cp "$kbuild/arch/arm64/boot/Image" "$stage/usr/lib/mpam-rig/Image"
"$top/tools/testing/mpam/kvm/build.sh" "$vmdir/guest-mpam.elf"
rm -f "$stage/usr/lib/mpam-rig/guest-mpam.elf"
cp "$vmdir/guest-mpam.elf" "$stage/usr/lib/mpam-rig/guest-mpam.elf"
# The root of the OCI test containers: Debian's static busybox (the one of
# the initramfs).
bbdeb=$(find "$MPAM_CACHE/dl" -name 'busybox-static_*_arm64.deb' | sort | tail -1)
[ -n "$bbdeb" ] || die "rootfs: no busybox-static deb: make initramfs first"
oci=$stage/usr/lib/mpam-rig/oci/rootfs
mkdir -p "$oci/bin" "$oci/proc" "$oci/sys" "$oci/dev" "$oci/tmp"
dpkg-deb --fsys-tarfile "$bbdeb" | tar -xO ./bin/busybox > "$oci/bin/busybox"
chmod 755 "$oci/bin/busybox"
for a in sh cat sleep taskset ls; do ln -sf busybox "$oci/bin/$a"; done
size=$(( $(du -sm "$stage" | cut -f1) + 768 ))
rm -f "$img.tmp"
mke2fs -q -F -t ext4 -L mpam-root -E root_owner=0:0 -d "$stage" "$img.tmp" "${size}M"
mv "$img.tmp" "$img"
echo "rootfs: image assembled in $(( $(date +%s) - start ))s (${size} MiB)" >&2
echo "$img"
