#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A process that is exiting still runs, with its cgroup's label, until it
# is gone, and freeing a big address space takes a while.  When its
# cgroup's partition goes meanwhile, the process must lose the label as
# every other task does: else the next cgroup given that PARTID is billed
# for its traffic, and the limits of that cgroup apply to it.  Before the
# relabel walked exiting tasks too, CPU 1 kept the freed PARTID until the
# exit was done.

. "$(dirname "$0")/mpam_lib.sh"

mpam_start
mpam_cgroup_start
ktap_set_plan 1

E=$CG/ex_a
out=/tmp/mpam_hog.$$
hog=
cleanup() {
	[ -z "$hog" ] || kill -9 "$hog" 2> /dev/null
	wait 2> /dev/null
	rm -f "$out"
	rmdir "$E" 2> /dev/null
}
trap cleanup EXIT

# The PARTID CPU $1 runs with now, at any exception level.
cpu_partid() {
	mpam-host state | awk -v c="$1:" '$1 == "cpu" && $2 == c {
		for (i = 3; i <= NF; i++) if ($i ~ /^partid=/) print substr($i, 8) }'
}

# Process $1 is: running, exiting (PF_EXITING, 0x4 in field 9 of its
# stat) or gone (a zombie, or reaped).
state_of() {
	set -- $(cut -d')' -f2 "/proc/$1/stat" 2> /dev/null)
	if [ -z "$7" ] || [ "$1" = Z ]; then
		echo gone
	elif [ $(($7 & 4)) != 0 ]; then
		echo exiting
	else
		echo running
	fi
}

portion=$(awk '/ portions=/ { sub(/:.*/, "", $1); print $1; exit }' "$CG/mpam.capacity")
if [ -z "$portion" ]; then
	ktap_test_skip "$PROFILE: no class with portions"
	ktap_finished
fi
mkdir "$E" && echo "$portion 1" > "$E/mpam.cache.portion" ||
	ktap_exit_fail_msg "cannot give $E a partition"
P=$(awk '$1 == "partid" { print $2 }' "$E/mpam.partition")
taskset -c 1 "$(dirname "$0")/mpam_hog" 384 > "$out" &
hog=$!
echo "$hog" > "$E/cgroup.procs"
i=0
while [ $i -lt 200 ] && ! grep -q ready "$out"; do
	sleep 0.1
	i=$((i + 1))
done
grep -q ready "$out" || ktap_exit_fail_msg "mpam_hog did not get its memory"
[ "$(cpu_partid 1)" = "$P" ] ||
	ktap_exit_fail_msg "CPU 1 runs with PARTID $(cpu_partid 1), not $E's $P"

kill -9 "$hog"
while [ "$(state_of "$hog")" = running ]; do
	:
done
echo "$portion default" > "$E/mpam.cache.portion" ||
	ktap_exit_fail_msg "cannot take $E's setting away"
samples=0 kept=0
while [ "$(state_of "$hog")" = exiting ]; do
	p=$(cpu_partid 1)
	samples=$((samples + 1))
	[ "$p" != "$P" ] || kept=$((kept + 1))
done
hog=
ktap_print_msg "$samples looks at CPU 1 while the process exited, $kept with PARTID $P"
if [ "$samples" = 0 ]; then
	ktap_test_skip "$PROFILE: the exit was over before the first look"
elif [ "$kept" = 0 ]; then
	ktap_test_pass "$PROFILE: an exiting process lost its cgroup's freed PARTID $P"
else
	ktap_test_fail "$PROFILE: an exiting process kept its cgroup's freed PARTID $P"
fi
ktap_finished
