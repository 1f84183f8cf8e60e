#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the MPAM-capable qemu-system-aarch64 used by the MPAM test rig.
#
# Fetches Debian bookworm's qemu source package through scripts/mpam/papt
# (apt-verified, private apt state), extracts it with Debian's patches
# applied, applies patches/series on top and builds qemu-system-aarch64.
#
#   $MPAM_CACHE/qemu/dl/                    source package files
#   $MPAM_CACHE/qemu/src-<ver>-<hash>/      patched tree (hash of our patches)
#   $MPAM_CACHE/qemu/build/                 build directory
#
# Idempotent: with unchanged patches and an existing binary it does nothing.
# The last line on stdout is the path of the binary.
#
# Environment: MPAM_CACHE (default ~/.cache/mpam-cgroup), MPAM_QEMU_VERSION
# (default 1:7.2+dfsg-7+deb12u18), MPAM_JOBS (default 2), MPAM_QEMU_FORCE=1
# to run ninja even when the stamp says the binary is up to date.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
cache=${MPAM_CACHE:-$HOME/.cache/mpam-cgroup}
# The same compiler cache as the kernel's, inside the rig's cache.
export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
version=${MPAM_QEMU_VERSION:-1:7.2+dfsg-7+deb12u18}
jobs=${MPAM_JOBS:-2}
papt=$top/scripts/mpam/papt

qdir=$cache/qemu
dl=$qdir/dl
build=$qdir/build
fver=${version#*:}                      # file names carry no epoch
dsc=$dl/qemu_$fver.dsc

log() { echo "qemu-build: $*" >&2; }

# Hash of the series and of every patch it lists, in order.
patches_hash() {
	(
		cd "$here/patches"
		cat series
		grep -v '^[[:space:]]*\(#\|$\)' series | while read -r p; do
			cat "$p"
		done
	) | sha256sum | cut -c1-12
}

hash=$(patches_hash)
src=$qdir/src-$fver-$hash
bin=$build/qemu-system-aarch64

if [ -x "$bin" ] && [ "${MPAM_QEMU_FORCE:-0}" != 1 ] &&
   [ "$(cat "$build/.mpam-stamp" 2>/dev/null)" = "$src" ]; then
	log "up to date ($src)"
	echo "$bin"
	exit 0
fi

# 1. Source package
if [ ! -f "$dsc" ]; then
	mkdir -p "$dl"
	log "fetching qemu=$version source"
	"$papt" update
	(cd "$dl" && "$papt" get source --download-only "qemu=$version" >&2)
fi

# 2. Patched tree
if [ ! -f "$src/.mpam-applied" ]; then
	log "extracting into $src"
	rm -rf "$src" "$src.tmp"
	# apt already verified the files against the signed archive; without
	# debian-keyring, dpkg-source can only warn about the .dsc signature.
	dpkg-source --no-copy -x "$dsc" "$src.tmp" >&2
	grep -v '^[[:space:]]*\(#\|$\)' "$here/patches/series" | while read -r p; do
		log "applying $p"
		patch -d "$src.tmp" -p1 --batch --forward --quiet \
			< "$here/patches/$p" >&2
	done
	touch "$src.tmp/.mpam-applied"
	mv "$src.tmp" "$src"
	# Trees of older patch sets are of no further use.
	for old in "$qdir"/src-*; do
		[ "$old" = "$src" ] || rm -rf "$old"
	done
fi

# 3. Configure (again) when the tree changed
if [ "$(cat "$build/.mpam-src" 2>/dev/null)" != "$src" ] ||
   [ ! -f "$build/build.ninja" ]; then
	log "configuring in $build"
	rm -rf "$build"
	mkdir -p "$build"
	cc=gcc
	if command -v ccache >/dev/null 2>&1; then
		cc='ccache gcc'
	fi
	(
		cd "$build"
		"$src/configure" --target-list=aarch64-softmmu \
			--disable-blobs --disable-install-blobs --disable-docs \
			--disable-werror --disable-tools --disable-guest-agent \
			--disable-gtk --disable-sdl --disable-vnc --disable-opengl \
			--disable-virglrenderer --disable-spice --disable-capstone \
			--disable-slirp --disable-user --cc="$cc" >&2
	)
	echo "$src" > "$build/.mpam-src"
fi

# 4. Build
log "building qemu-system-aarch64 (-j$jobs)"
CCACHE_BASEDIR=$qdir CCACHE_NOHASHDIR=1 \
	ninja -C "$build" -j"$jobs" qemu-system-aarch64 >&2
echo "$src" > "$build/.mpam-stamp"
echo "$bin"
