#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot the emulated MPAM platform and run mpam_bench
# (tools/testing/selftests/mpam/mpam_bench.c), which measures the
# controller against resctrl or another controller in the same boot and
# prints a markdown table.  Not part of make check: it measures, it does
# not judge.
#
# BENCH_PROFILE (server) picks the platform, BENCH_SMP (2) its vCPUs; the
# BENCH_* variables of mpam_bench.c (BENCH_ROUNDS, BENCH_ROWS, ...) are
# passed on.  The table goes to stdout and to $MPAM_CACHE/logs/bench.md.
set -euo pipefail
. "$(dirname "$0")/env.sh"

mkdir -p "$logdir"
log=$logdir/bench.log out=$logdir/bench.md
vars=
for v in $(compgen -e | grep '^BENCH_' || true); do
	case $v in BENCH_PROFILE|BENCH_SMP) continue ;; esac
	case ${!v} in *[!A-Za-z0-9_,.-]*) die "$v: letters, digits and , . _ - only" ;; esac
	vars="$vars $v=${!v}"
done
profile=${BENCH_PROFILE:-server}
step "bench: booting the $profile profile (log: $log)"
rc=0
MPAM_PROFILE=$profile MPAM_SMP=${BENCH_SMP:-2} "$top/scripts/mpam/run-vm.sh" --quiet \
	--log "$log" --timeout "${BENCH_TIMEOUT:-5400}" \
	--cmd "cd /kselftest/mpam && env$vars ./mpam_bench" || rc=$?
{
	echo "$(date -u +%F), profile $profile, ${BENCH_SMP:-2} vCPUs, $(uname -m) host" \
		"$(nproc) CPUs, kernel $(tr -d '\r' < "$log" | sed -n 's/^mpam-rig: \(.*\) up$/\1/p' | head -n 1)"
	echo
	tr -d '\r' < "$log" | awk '/^mpam_bench: [0-9]/ { print; print "" }
		/^\| what \|/ && n++ { print "" } /^\|/'
} > "$out"
cat "$out"
if grep -E -q "$splats" "$log"; then
	echo "bench: the kernel log has reports, see $log" >&2
fi
if [ "$rc" != 0 ] || ! grep -q '^mpam_bench: done' "$log"; then
	grep '^mpam_bench:' "$log" >&2 || true
	echo "bench: the run failed (status $rc), see $log" >&2
	exit 1
fi
