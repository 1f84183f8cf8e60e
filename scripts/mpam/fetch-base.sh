#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Provide a pristine Linux 7.3 tree and print its path on stdout.
#
# KERNEL_SRC=<dir> uses any 7.3 tree instead.  Otherwise Debian's
# linux-source-7.3 package is downloaded through the private apt setup
# (scripts/mpam/papt), which checks it against the signed archive, and is
# unpacked once into the cache.
set -eu
. "$(dirname "$0")/env.sh"

kversion() {
	sed -n -e 's/^VERSION = //p' -e 's/^PATCHLEVEL = //p' \
	       -e 's/^SUBLEVEL = //p' "$1/Makefile" | paste -sd.
}

if [ -n "${KERNEL_SRC:-}" ]; then
	src=$(cd "$KERNEL_SRC" && pwd)
	v=$(kversion "$src")
	case $v in 7.3.*) ;; *) die "KERNEL_SRC=$src is Linux $v, not 7.3" ;; esac
	echo "base: $src (Linux $v)" >&2
	echo "$src"
	exit 0
fi

if [ ! -f "$pristine/.complete" ]; then
	deb=$MPAM_CACHE/dl/${MPAM_BASE_PKG}_$(echo "$MPAM_BASE_VERSION" | sed 's/:/%3a/')_all.deb
	if [ ! -f "$deb" ]; then
		step "downloading $MPAM_BASE_PKG $MPAM_BASE_VERSION"
		mkdir -p "$MPAM_CACHE/dl"
		"$top/scripts/mpam/papt" update
		(cd "$MPAM_CACHE/dl" &&
		 "$top/scripts/mpam/papt" get download \
			"$MPAM_BASE_PKG=$MPAM_BASE_VERSION" >&2)
	fi
	step "unpacking $deb"
	rm -rf "$pristine.tmp"
	mkdir -p "$pristine.tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$pristine.tmp" --strip-components=1
	rm -rf "$pristine"
	mv "$pristine.tmp" "$pristine"
	touch "$pristine/.complete"
fi
echo "base: $MPAM_BASE_PKG $MPAM_BASE_VERSION (Linux $(kversion "$pristine"))" >&2
echo "$pristine"
