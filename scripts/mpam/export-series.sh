#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Export the overlay as a git format-patch series against the base, run the
# base's checkpatch.pl --strict on every patch and fail on any error.
# With --build, also build the kernel at every patch so the series bisects.
set -euo pipefail
. "$(dirname "$0")/env.sh"
lock_cache
base=$("$top/scripts/mpam/fetch-base.sh")
# Everything below writes only $MPAM_CACHE/series and reads the base and the
# main build's .config: let other builds go on meanwhile.
unlock_cache
lock_cache series
"$top/scripts/mpam/series.sh" check "$base"
out=$MPAM_CACHE/series/patches
repo=$("$top/scripts/mpam/series.sh" export "$base" "$out")

errors=0
for p in "$out"/*.patch; do
	res=$(cd "$repo" && perl scripts/checkpatch.pl --strict \
		"$p" 2>&1 | tail -n +1) || true
	sum=$(echo "$res" | grep -E '^total: ' || echo "total: ? errors")
	printf '%-70s %s\n' "$(basename "$p")" "${sum#total: }"
	if ! echo "$sum" | grep -q '^total: 0 errors, 0 warnings, 0 checks'; then
		echo "$res" | grep -E -A4 '^(ERROR|WARNING|CHECK):' | sed 's/^/    /'
	fi
	echo "$sum" | grep -q '^total: 0 errors' || errors=$((errors + 1))
done
echo "series: $(ls "$out" | wc -l) patches in $out, git tree in $repo"
[ "$errors" = 0 ] || die "series: $errors patch(es) with checkpatch errors"

if [ "${1:-}" = --build ]; then
	# Laid out as tree/ and build/kernel/ are, so that the compiler sees
	# the same relative paths and ccache hits wherever a patch changes
	# nothing.
	bdir=$MPAM_CACHE/series/build/kernel
	mkdir -p "$bdir"
	[ -f "$kbuild/.config" ] ||
		die "series: make kernel first (its .config is reused)"
	cp "$kbuild/.config" "$MPAM_CACHE/series/config"
	for c in $(git -C "$repo" rev-list --reverse mpam-base..series); do
		git -C "$repo" checkout -q "$c"
		step "building at $(git -C "$repo" log -1 --format='%h %s' "$c")"
		# Start from the full configuration at every patch: an option
		# the earlier patches did not know must come back once it exists.
		cp "$MPAM_CACHE/series/config" "$bdir/.config"
		make -C "$repo" O="$bdir" -s -j"$jobs" olddefconfig >&2
		make -C "$repo" O="$bdir" -s -j"$jobs" \
			CC="ccache ${CROSS_COMPILE}gcc" HOSTCC="ccache gcc" \
			Image >&2 ||
			die "series: the kernel does not build at $c"
	done
	git -C "$repo" checkout -q series
	echo "series: every patch builds"
fi
