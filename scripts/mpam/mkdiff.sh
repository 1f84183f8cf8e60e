#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Developer helper: print the diff from FILEs of the tree, as the series
# leaves them just before patch BEFORE (default: after the whole series),
# to the edited copies under EDITDIR (same relative paths).  Its output is
# the diff part of a patch in patches/.
#
#   mkdiff.sh [--before PATCH] [--checkout] EDITDIR FILE...
#
# --checkout first copies those FILEs, as the series leaves them, into
# EDITDIR to be edited there, and prints nothing.
set -euo pipefail
. "$(dirname "$0")/env.sh"

before= checkout=
while :; do
	case ${1:-} in
	--before) before=$2; shift 2 ;;
	--checkout) checkout=1; shift ;;
	*) break ;;
	esac
done
edit=$1
shift
base=$("$top/scripts/mpam/fetch-base.sh")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
includes=()
# The base path of FILE: FILE itself, or where a patch renamed it from.
origin() {
	local f=$1 p
	[ ! -e "$base/$f" ] || { echo "$f"; return; }
	for p in "$top"/patches/*.patch; do
		grep -B1 -x -F "rename to $f" "$p" | sed -n 's/^rename from //p'
	done | head -n 1
}

for f in "$@"; do
	mkdir -p "$scratch/a/$(dirname "$f")" "$scratch/b/$(dirname "$f")"
	cp "$base/$(origin "$f")" "$scratch/a/$f"
	[ -n "$checkout" ] || cp "$edit/$f" "$scratch/b/$f"
done
while read -r p; do
	[ "$p" != "$before" ] || break
	# Only the hunks for these files: a rename has none.
	includes=()
	for f in "$@"; do
		if grep -q -x -F "+++ b/$f" "$top/patches/$p"; then
			includes+=(--include="$f")
		fi
	done
	[ ${#includes[@]} -gt 0 ] || continue
	(cd "$scratch/a" && git apply "${includes[@]}" "$top/patches/$p") ||
		die "mkdiff: $p does not apply"
done < <(awk '/^[^ \t#]/ && NF { print $1 }' "$top/patches/series")
if [ -n "$checkout" ]; then
	for f in "$@"; do
		mkdir -p "$edit/$(dirname "$f")"
		cp "$scratch/a/$f" "$edit/$f"
	done
	exit 0
fi
(cd "$scratch" && git diff --no-index --no-prefix a b || true)
