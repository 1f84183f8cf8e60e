#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cross-build the arm64 kernel of the overlay into $MPAM_CACHE/build/kernel.
# The configuration is allnoconfig plus scripts/mpam/kernel.config plus the
# config fragments of our kselftest directories; it is regenerated only when
# a fragment changes, and every option a fragment asks for is checked to
# have taken effect, so a typo or a missing dependency fails the build.
set -euo pipefail
. "$(dirname "$0")/env.sh"
lock_cache

tree=$("$top/scripts/mpam/prepare-tree.sh")
mkdir -p "$kbuild"

kmake() {
	make -C "$tree" O="$kbuild" -j"$jobs" \
		CC="ccache ${CROSS_COMPILE}gcc" HOSTCC="ccache gcc" "$@"
}

fragments=("$top/scripts/mpam/kernel.config")
for f in "$top"/tools/testing/selftests/*/config; do
	[ -f "$f" ] && fragments+=("$f")
done
# Later fragments win; an option set twice to the same value is said once.
awk -F= '/^(# )?CONFIG_/ { k = $1; sub(/^# /, "", k); sub(/ is not set$/, "", k)
			    if (k in v && v[k] == $0) next; v[k] = $0 } { print }' \
	"${fragments[@]}" > "$kbuild/mpam.config.new"
if ! cmp -s "$kbuild/mpam.config.new" "$kbuild/mpam.config" ||
   [ ! -f "$kbuild/.config" ]; then
	step "configuring (allnoconfig + ${#fragments[@]} fragments)"
	kmake -s allnoconfig KCONFIG_ALLCONFIG="$kbuild/mpam.config.new" >&2
	bad=0
	while IFS='=' read -r opt val; do
		case $val in
		n) grep -q "^$opt=" "$kbuild/.config" && { echo "kconfig: $opt is set, wanted n" >&2; bad=1; } ;;
		*) grep -qx "$opt=$val" "$kbuild/.config" ||
			{ echo "kconfig: $opt=$val did not take effect" >&2; bad=1; } ;;
		esac
	done < <(grep -h '^CONFIG_' "$kbuild/mpam.config.new")
	[ $bad = 0 ] || die "kconfig: the fragments ask for options the build cannot have"
	mv "$kbuild/mpam.config.new" "$kbuild/mpam.config"
fi
rm -f "$kbuild/mpam.config.new"

step "building $(kmake -s kernelrelease) in $kbuild"
start=$(date +%s)
kmake Image >&2
echo "kernel: built in $(( $(date +%s) - start ))s" >&2
echo "$kbuild/arch/arm64/boot/Image"
