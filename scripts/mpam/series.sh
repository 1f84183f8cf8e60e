#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel patch series behind the overlay.
#
# patches/series lists the series in order.  An entry is a line naming a
# mail-formatted patch in patches/ (its Subject and body are the commit
# message, its diff, possibly empty, edits files of the base tree),
# followed by indented lines naming the new files that commit adds.  New
# files live in this repository at their kernel path; they must not exist
# in the base.
#
#   series.sh files        every kernel file of the overlay
#   series.sh check BASE   overlay and series agree; patches are well formed
#   series.sh apply DIR    apply every diff of the series to DIR
#   series.sh export BASE OUT   commit the series on top of BASE in a git
#                          repository in the cache and format-patch it to OUT
set -euo pipefail
. "$(dirname "$0")/env.sh"

series=$top/patches/series

# Directories of the kernel tree.  scripts/mpam and tools/testing/mpam hold
# the rig, the QEMU model and the KVM test guest, tools/cgroup/mpam the
# userspace side (systemd integration and its tests): they are not part of
# the kernel series.
kdirs="arch block certs crypto Documentation drivers fs include init io_uring
       ipc kernel lib mm net rust samples scripts security sound tools usr
       virt"

overlay_files() {
	# shellcheck disable=SC2086
	# Untracked files count too, so that new work builds before it is
	# committed; ignored ones do not.
	git -C "$top" ls-files --cached --others --exclude-standard -- $kdirs |
		grep -v -e '^scripts/mpam/' -e '^tools/testing/mpam/' -e '^tools/cgroup/mpam/' | sort
}

# "patch<TAB>file" for every new file, "patch<TAB>" for every entry.
entries() {
	awk '/^[ \t]*(#|$)/ { next }
	     /^[^ \t]/ { p = $1; print p "\t"; next }
	     { print p "\t" $1 }' "$series"
}

series_files() { entries | awk -F'\t' '$2 != "" { print $2 }' | sort; }
series_patches() { entries | awk -F'\t' '$2 == "" { print $1 }'; }

has_diff() { grep -q '^diff --git ' "$1"; }

check() {
	local base=$1 err=0 p f
	while read -r f; do
		echo "series: $f is in the overlay but in no entry of patches/series" >&2
		err=1
	done < <(comm -23 <(overlay_files) <(series_files))
	while read -r f; do
		echo "series: $f is listed in patches/series but does not exist" >&2
		err=1
	done < <(comm -13 <(overlay_files) <(series_files))
	while read -r f; do
		echo "series: $f is listed twice" >&2
		err=1
	done < <(series_files | uniq -d)
	while read -r f; do
		if [ -e "$base/$f" ]; then
			echo "series: $f exists in the base: change it with a patch" >&2
			err=1
		fi
	done < <(series_files)
	while read -r p; do
		if [ ! -f "$top/patches/$p" ]; then
			echo "series: patches/$p is missing" >&2
			err=1
			continue
		fi
		grep -q '^Subject: ' "$top/patches/$p" ||
			{ echo "series: $p has no Subject" >&2; err=1; }
		grep -q '^Signed-off-by: ' "$top/patches/$p" ||
			{ echo "series: $p has no Signed-off-by" >&2; err=1; }
	done < <(series_patches)
	return $err
}

apply() {
	local dir=$1 p
	while read -r p; do
		has_diff "$top/patches/$p" || continue
		patch -d "$dir" -p1 --batch --forward --quiet \
			< "$top/patches/$p" || die "series: $p does not apply"
	done < <(series_patches)
}

# Copy the new files of one entry ("" = all) into DIR.
copy_files() {
	local dir=$1 want=$2
	entries | awk -F'\t' -v w="$want" '$2 != "" && (w == "" || $1 == w) {
		print $2 }' | rsync -c --files-from=- "$top" "$dir"
}

export_series() {
	local base=$1 out=$2 repo=$MPAM_CACHE/series/tree p n=0
	if [ ! -f "$repo/.git/mpam-base" ] ||
	   [ "$(cat "$repo/.git/mpam-base")" != "$base" ]; then
		step "importing the base into $repo (once)"
		rm -rf "$repo"
		mkdir -p "$repo"
		rsync -a --exclude=/.complete "$base/" "$repo/"
		git -C "$repo" init -q
		git -C "$repo" add -A -f
		git -C "$repo" -c user.name=base -c user.email=base@localhost \
			commit -q -m "Linux base $(basename "$base")"
		git -C "$repo" tag -f mpam-base >/dev/null
		echo "$base" > "$repo/.git/mpam-base"
	fi
	git -C "$repo" checkout -q -f -B series mpam-base
	git -C "$repo" clean -q -fdx
	while read -r p; do
		local msg author
		has_diff "$top/patches/$p" &&
			git -C "$repo" apply --index "$top/patches/$p"
		copy_files "$repo" "$p"
		git -C "$repo" add -A -f
		git mailinfo "$MPAM_CACHE/series/msg" /dev/null \
			< "$top/patches/$p" > "$MPAM_CACHE/series/info"
		author=$(sed -n 's/^Author: //p' "$MPAM_CACHE/series/info")
		author="$author <$(sed -n 's/^Email: //p' "$MPAM_CACHE/series/info")>"
		msg=$(sed -n 's/^Subject: //p' "$MPAM_CACHE/series/info")
		{ echo "$msg"; echo; cat "$MPAM_CACHE/series/msg"; } |
			git -C "$repo" -c user.name=mpam -c user.email=mpam@localhost \
				commit -q --author="$author" -F -
		n=$((n + 1))
	done < <(series_patches)
	rm -rf "$out"
	mkdir -p "$out"
	git -C "$repo" format-patch -q -o "$out" mpam-base..series
	echo "$repo"
}

cmd=${1:-}
shift || true
case $cmd in
files) overlay_files ;;
check) check "$1" ;;
apply) apply "$1" ;;
copy) copy_files "$1" "" ;;
export) mkdir -p "$MPAM_CACHE/series"; export_series "$1" "$2" ;;
*) die "usage: series.sh files|check BASE|apply DIR|copy DIR|export BASE OUT" ;;
esac
