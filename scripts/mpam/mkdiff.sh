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
for f in "$@"; do
	mkdir -p "$scratch/a/$(dirname "$f")" "$scratch/b/$(dirname "$f")"
	cp "$base/$f" "$scratch/a/$f"
	[ -n "$checkout" ] || cp "$edit/$f" "$scratch/b/$f"
	includes+=(--include="$f")
done
while read -r p; do
	[ "$p" != "$before" ] || break
	grep -q '^diff --git ' "$top/patches/$p" || continue
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
