#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bare-metal checks of the MPAM model, independent of Linux:
#  sysregs.S      FEAT_MPAM registers, E2H redirection and the trap controls
#                 (each line is "tag: value", see the comments in the source)
#  mbwu-icount.S  an MBWU monitor of the server profile counts exactly the
#                 same bytes on every run under -icount
#  narrowing.S    PARTID narrowing on the server profile's memory MSC: the
#                 registers and their errors (narrowing.expected), then two
#                 PARTIDs sharing one intPARTID's MBW_MAX
#
# usage: run.sh [path/to/qemu-system-aarch64]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
qemu=${1:-$("$here/../build.sh" | tail -1)}
cc=${CROSS_COMPILE:-aarch64-linux-gnu-}gcc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The guests spin at the end: stop QEMU once the expected lines arrived
# (or after a minute).
run() {	# lines elf qemu-args...
	lines=$1 elf=$2
	shift 2
	: > "$tmp/serial"
	timeout 60 "$qemu" "$@" -display none -monitor none -serial stdio \
		-net none -kernel "$elf" </dev/null 2>/dev/null > "$tmp/serial" &
	q=$!
	while kill -0 "$q" 2> /dev/null &&
	      [ "$(tr -d '\r' < "$tmp/serial" | wc -l)" -lt "$lines" ]; do
		sleep 0.2
	done
	kill "$q" 2> /dev/null || true
	wait "$q" 2> /dev/null || true
	tr -d '\r' < "$tmp/serial" | head -n "$lines"
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
$cc -nostdlib -static -Wl,-Ttext=0x40080000 -o "$tmp/nrw.elf" "$here/narrowing.S"
run 22 "$tmp/nrw.elf" -M virt,gic-version=3,mpam=server -cpu max -smp 2 \
	-icount shift=0,sleep=off > "$tmp/nrw.out" || true
if head -n 13 "$tmp/nrw.out" | diff -u "$here/narrowing.expected" -; then
	echo "ok 3 narrowing registers"
else
	echo "not ok 3 narrowing registers"; fail=1
fi
# Bytes per tick: two PARTIDs on one intPARTID get together what one gets
# alone, half of what they get on two intPARTIDs with the same limit, and
# share it equally.
v() { sed -n "s/^$1: //p" "$tmp/nrw.out"; }
if [ "$(wc -l < "$tmp/nrw.out")" -ge 22 ]; then
	a0=$((0x$(v a0))) a1=$((0x$(v a1))) a2=$((0x$(v a2)))
	b0=$((0x$(v b0))) b1=$((0x$(v b1))) b2=$((0x$(v b2)))
	c0=$((0x$(v c0))) c1=$((0x$(v c1))) c2=$((0x$(v c2)))
	verdict=$(awk -v a0=$a0 -v a1=$a1 -v a2=$a2 -v b0=$b0 -v b1=$b1 \
		-v b2=$b2 -v c0=$c0 -v c1=$c1 -v c2=$c2 'BEGIN {
		sep = (a0 + a1) / a2; shr = (b0 + b1) / b2; alone = c0 / c2
		# CPU 1 runs on for a moment of phase c before it sleeps.
		ok = b1 > 0 && shr / sep > 0.45 && shr / sep < 0.55 &&
		     alone / shr > 0.9 && alone / shr < 1.1 &&
		     b0 / b1 > 0.8 && b0 / b1 < 1.25 && c1 * 20 < c0
		printf "%s shared/separate %.2f alone/shared %.2f split %.2f asleep %.3f",
		       ok ? "ok" : "bad", shr / sep, alone / shr, b1 ? b0 / b1 : 0,
		       c0 ? c1 / c0 : 1
	}')
else
	verdict="bad: $(wc -l < "$tmp/nrw.out") lines"
fi
case $verdict in
ok*) echo "ok 4 narrowing shares one regulator (${verdict#ok })" ;;
*) echo "not ok 4 narrowing shares one regulator (${verdict#bad })"; fail=1 ;;
esac
exit $fail
