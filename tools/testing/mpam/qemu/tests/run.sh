#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bare-metal checks of the MPAM model, independent of Linux:
#  sysregs.S      FEAT_MPAM registers, E2H redirection and the trap controls
#                 (each line is "tag: value", see the comments in the source)
#  mbwu-icount.S  an MBWU monitor of the server profile counts exactly the
#                 same bytes on every run under -icount
#
# usage: run.sh [path/to/qemu-system-aarch64]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
qemu=${1:-$("$here/../build.sh" | tail -1)}
cc=${CROSS_COMPILE:-aarch64-linux-gnu-}gcc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The guests spin at the end: stop QEMU once the expected lines arrived.
run() {	# lines elf qemu-args...
	lines=$1 elf=$2
	shift 2
	timeout 60 "$qemu" "$@" -display none -monitor none -serial stdio \
		-net none -kernel "$elf" </dev/null 2>/dev/null |
		tr -d '\r' | head -n "$lines"
}

fail=0
$cc -nostdlib -static -Wl,-Ttext=0x40080000 -o "$tmp/sysregs.elf" "$here/sysregs.S"
run 21 "$tmp/sysregs.elf" -M virt,secure=on,virtualization=on,gic-version=3 \
	-cpu max,mpam=on,l3-cache=on,mpam-partid-max=31,mpam-pmg-max=3 \
	> "$tmp/sysregs.out" || true
if diff -u "$here/sysregs.expected" "$tmp/sysregs.out"; then
	echo "ok 1 sysregs"
else
	echo "not ok 1 sysregs"; fail=1
fi

$cc -nostdlib -static -Wl,-Ttext=0x40080000 -o "$tmp/mbwu.elf" "$here/mbwu-icount.S"
a=$(run 1 "$tmp/mbwu.elf" -M virt,gic-version=3,mpam=server -cpu max -smp 2 \
	-icount shift=0,sleep=off || true)
b=$(run 1 "$tmp/mbwu.elf" -M virt,gic-version=3,mpam=server -cpu max -smp 2 \
	-icount shift=0,sleep=off || true)
# 20M iterations of 2 instructions at 1ns each: 40ms at 2 MB/ms
if [ "$a" = 0000000005000000 ] && [ "$a" = "$b" ]; then
	echo "ok 2 mbwu-icount ($a)"
else
	echo "not ok 2 mbwu-icount ($a, $b)"; fail=1
fi
exit $fail
