#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make $MPAM_CACHE/tree the base with our series on top: the diffs of
# patches/ applied, the new files copied in.  When the series itself
# changes (a patch, or the set of new files) the tree is reset from the
# pristine base first; otherwise only new files whose content changed are
# rewritten, so an incremental kernel build stays incremental.
set -euo pipefail
. "$(dirname "$0")/env.sh"
lock_cache

base=$("$top/scripts/mpam/fetch-base.sh")
"$top/scripts/mpam/series.sh" check "$base"

stamp=$( { echo "$base"; cat "$top/patches/series" "$top"/patches/*.patch;
	   "$top/scripts/mpam/series.sh" files; } | sha256sum | cut -d' ' -f1)

if [ "$(cat "$tree/.mpam-stamp" 2>/dev/null)" != "$stamp" ]; then
	step "resetting $tree from the base and applying patches/series"
	mkdir -p "$tree"
	rm -f "$tree/.mpam-stamp"
	rsync -a --delete --exclude=/.complete "$base/" "$tree/"
	"$top/scripts/mpam/series.sh" apply "$tree"
	"$top/scripts/mpam/series.sh" copy "$tree"
	echo "$stamp" > "$tree/.mpam-stamp"
else
	"$top/scripts/mpam/series.sh" copy "$tree"
fi
echo "$tree"
