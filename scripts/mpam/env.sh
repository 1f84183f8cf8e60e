# SPDX-License-Identifier: GPL-2.0
# Sourced by the rig's scripts: where things live and how to cross-build.

top=$(cd "$(dirname "$0")/../.." && pwd)
MPAM_CACHE=${MPAM_CACHE:-$HOME/.cache/mpam-cgroup}

# The base: linux-source-7.3 from trixie-backports, verified by apt.
MPAM_BASE_PKG=${MPAM_BASE_PKG:-linux-source-7.3}
MPAM_BASE_VERSION=${MPAM_BASE_VERSION:-7.3.4-1~bpo13+1}

pristine=$MPAM_CACHE/base/$MPAM_BASE_PKG-$MPAM_BASE_VERSION
tree=$MPAM_CACHE/tree
kbuild=$MPAM_CACHE/build/kernel
vmdir=$MPAM_CACHE/build/vm
logdir=$MPAM_CACHE/logs

export ARCH=arm64
export CROSS_COMPILE=aarch64-linux-gnu-
export CCACHE_DIR=${CCACHE_DIR:-$MPAM_CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
export CCACHE_BASEDIR=$MPAM_CACHE
# Reproducible version strings keep ccache hits across rebuilds.
export KBUILD_BUILD_USER=mpam KBUILD_BUILD_HOST=rig
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'

jobs=${JOBS:-$(nproc)}

die() { echo "$*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

# Serialise the scripts that write the tree or the build directories: a
# second "make" on the same cache waits for the first instead of racing it.
# "lock_cache series" takes the lock of $MPAM_CACHE/series instead, which only
# the series export writes, so that a long series-build does not hold up
# ordinary builds and test runs.
lock_cache() {
	local name=${1:-cache}
	[ "${MPAM_LOCKED:-}" != "$name" ] || return 0
	mkdir -p "$MPAM_CACHE"
	exec 9> "$MPAM_CACHE/.lock${1:+-$1}"
	if ! flock -n 9; then
		step "waiting for another build using $MPAM_CACHE ($name)"
		flock 9
	fi
	export MPAM_LOCKED=$name
}

unlock_cache() {
	exec 9>&-
	unset MPAM_LOCKED
}

# Anything here in a console log is a kernel bug, whatever the tests said.
splats='WARNING:|BUG:|Oops|Unable to handle kernel|Kernel panic|Call trace:|'\
'possible recursive locking|possible circular locking|inconsistent lock state|'\
'suspicious RCU usage|INFO: task .* blocked|KASAN|unreferenced object|UBSAN|'\
'sleeping function called from invalid context|list_(add|del) corruption'
