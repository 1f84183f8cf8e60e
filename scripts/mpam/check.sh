#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every test: the KUnit suites built into the kernel, then the
# kselftests, each in its own boot of the VM.  Each boot also counts two
# tests of its own: that it ran to the end, and that the kernel log is free
# of warnings, oopses, lockdep and KASAN reports.  Ends with the line
# "N passed, N failed, N skipped" and exits non-zero on any failure.
#
# CHECK_JOBS selects jobs by name (default: all); MPAM_LOGDIR puts the
# logs elsewhere than $MPAM_CACHE/logs (two checks sharing a cache).
set -euo pipefail
. "$(dirname "$0")/env.sh"
logdir=${MPAM_LOGDIR:-$logdir}

mkdir -p "$logdir"
total_p=0 total_f=0 total_s=0
failures=()
ran=" "

count() {	# name passed failed skipped
	total_p=$((total_p + $2)) total_f=$((total_f + $3)) total_s=$((total_s + $4))
}

vmjob() {	# name cmd [kernel args]
	local name=$1 cmd=$2 append=${3:-} log=$logdir/$1.log rc=0 c
	case " ${CHECK_JOBS:-$name} " in *" $name "*) ;; *) return 0 ;; esac
	step "$name: booting the VM (log: $log)"
	ran="$ran$name "
	# shellcheck disable=SC2086
	"$top/scripts/mpam/run-vm.sh" ${VM_ARGS:-} --quiet --log "$log" --timeout "${VM_TIMEOUT:-900}" \
		--cmd "$cmd" --append "$append" || rc=$?
	python3 "$top/scripts/mpam/ktap.py" --name "$name" --counts "$logdir/$name.counts" \
		"$log" || true
	read -r -a c < "$logdir/$name.counts"
	count "$name" "${c[@]}"
	if [ "$rc" -ge 124 ]; then
		echo "$name: not ok: the VM did not finish the run (status $rc)"
		count "$name" 0 1 0
		failures+=("$name: VM run")
	else
		count "$name" 1 0 0
	fi
	if grep -E -n "$splats" "$log" > "$logdir/$name.splats"; then
		echo "$name: not ok: kernel log has warnings:"
		head -20 "$logdir/$name.splats"
		count "$name" 0 1 0
		failures+=("$name: kernel log")
	else
		count "$name" 1 0 0
	fi
	[ "${c[1]}" = 0 ] || failures+=("$name: ${c[1]} test(s)")
	if [ $((c[0] + c[1] + c[2])) = 0 ]; then
		echo "$name: not ok: no test result in the log"
		count "$name" 0 1 0
		failures+=("$name: ran no test")
	fi
}

# The QEMU model on its own, without Linux (tools/testing/mpam/qemu/tests):
# its "ok"/"not ok" lines count as tests.
hostjob() {	# name cmd...
	local name=$1 log=$logdir/$1.log p f
	shift
	case " ${CHECK_JOBS:-$name} " in *" $name "*) ;; *) return 0 ;; esac
	step "$name: $* (log: $log)"
	ran="$ran$name "
	"$@" > "$log" 2>&1 || true
	sed "s/^/$name: /" "$log"
	p=$(grep -c '^ok ' "$log" || true)
	f=$(grep -c '^not ok ' "$log" || true)
	count "$name" "$p" "$f" 0
	[ "$f" = 0 ] || failures+=("$name: $f test(s)")
	if [ $((p + f)) = 0 ]; then
		count "$name" 0 1 0
		failures+=("$name: ran no test")
	fi
}
model_tests() {
	"$top/tools/testing/mpam/qemu/tests/run.sh" \
		"$("$top/tools/testing/mpam/qemu/build.sh" | tail -n 1)"
}
hostjob model model_tests

# KUnit: every built-in suite runs before init when kunit.enable=1.
vmjob kunit true "kunit.enable=1"

# kselftests installed in the initramfs, in TAP: ours, and those of the
# kernel's cgroup collection that pass on this kernel and the emulator,
# the regression guard of the cgroup core patch (see README.md, The
# tests, for the others and why they do not run).
cgroup_tests="-t cgroup:test_mpam -t cgroup:test_core -t cgroup:test_freezer"
cgroup_tests+=" -t cgroup:test_kill -t cgroup:test_pids -t cgroup:test_cpuset"
vmjob kselftest "cd /kselftest && ./run_kselftest.sh -c mpam $cgroup_tests"

# The same kselftests on each profile of the emulated MPAM platform; there
# mpam_platform.sh checks resctrl against the registers the model saw.
profile() {	# name smp [run_kselftest.sh tests besides -c mpam]
	MPAM_PROFILE=$1 MPAM_SMP=$2 vmjob "$1" \
		"echo profile $1; cd /kselftest && ./run_kselftest.sh -c mpam ${3:--t cgroup:test_mpam}"
}
profile server 2 "$cgroup_tests"
profile kunpeng 4
profile scarce 2

# An MSC error disables MPAM until the next boot: a boot of its own.
MPAM_PROFILE=server MPAM_SMP=2 vmjob server-error "echo profile server; cd /kselftest &&
	MPAM_TEST_INJECT_ERROR=1 ./run_kselftest.sh -t mpam:mpam_error.sh"
# The same for the mpam cgroup controller, on the smallest profile.
MPAM_PROFILE=scarce MPAM_SMP=2 vmjob cgroup-error "echo profile scarce; cd /kselftest &&
	MPAM_TEST_INJECT_ERROR=1 ./run_kselftest.sh -t mpam:mpam_cgroup_error.sh"
# And at a random moment of the controller's stress test (mpam_stress).
MPAM_PROFILE=server MPAM_SMP=2 vmjob stress-error "echo profile server; cd /kselftest &&
	MPAM_STRESS_INJECT_ERROR=1 MPAM_STRESS_SECONDS=60 ./run_kselftest.sh -t mpam:mpam_stress"

# The feature table of README.md is generated from the profile jobs'
# "# feature:" lines: a table that no longer matches the tests fails.
case $ran in *" server "*) case $ran in *" kunpeng "*) case $ran in *" scarce "*)
	ran="$ran feature-table " ;; esac ;; esac ;; esac
case $ran in
*" feature-table "*)
	if python3 "$top/scripts/mpam/feature-table.py" --check "$top/README.md" \
		"$logdir/server.log" "$logdir/kunpeng.log" "$logdir/scarce.log"; then
		echo "feature-table: ok: README.md matches the tests"
		count feature-table 1 0 0
	else
		echo "feature-table: not ok: README.md's feature table is stale"
		count feature-table 0 1 0
		failures+=("feature-table: README.md")
	fi
	;;
*) echo "feature-table: not checked (needs the server, kunpeng and scarce jobs)" ;;
esac

# mpam.owner=cgroup keeps MPAM from resctrl for good: test_mpam checks
# that resctrl's mount is refused even while no cgroup has settings.
MPAM_PROFILE=server MPAM_SMP=2 vmjob owner "echo profile server, mpam.owner=cgroup;
	cd /kselftest && ./run_kselftest.sh -t cgroup:test_mpam" "mpam.owner=cgroup"

# The userspace of the controller on the Debian root filesystem
# (scripts/mpam/build-rootfs.sh), server profile: systemd slices and
# services (mpam-generator, mpam-apply), OCI containers through runc and
# containerd, and a KVM guest of a VMM in a configured cgroup (booted at
# EL2).  The tests are tools/cgroup/mpam/tests/.
userspace() {	# name test [run-vm args]
	MPAM_PROFILE=server MPAM_SMP=2 VM_ARGS="--rootfs ${3:-}" vmjob "$1" \
		"echo profile server; cd /kselftest && ./run_kselftest.sh -t mpam-userspace:$2"
}
userspace systemd systemd_slice.sh
userspace runc runc_unified.sh
userspace kvm kvm_guest.sh --el2

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]} (logs in $logdir)"
fi
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
