#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Readers of mpam.stat cannot stall the system.  Under a parent whose
# children each own a partition, two loops read the parent's mpam.stat,
# as any user may (it is 0444), while cgroups are created and removed and
# a task moves between two cgroups.  Both take no longer than with the
# same loops reading the parent's cgroup.stat instead, within 1.2 times.
# When a read held the controller's mutex across its hardware reads,
# mkdir+rmdir was 3 times and migration 4.5 times slower on the server
# profile.  The readers run on CPU 1 and the test on CPU 0, so that what
# the readers cost in CPU time is not measured.  The runs alternate, five
# times each, and the median of the five ratios counts: on an emulated
# machine one pair of runs may be a third off either way.
#
# MPAM_TEST_READERS_ROUNDS (default 10) sets the mkdir+rmdir of a run,
# twenty times as many migrations.

. "$(dirname "$0")/mpam_lib.sh"

mpam_start
mpam_cgroup_start
ktap_set_plan 2

ST=$CG/rd_st
ROUNDS=${MPAM_TEST_READERS_ROUNDS:-10}
readers=
sleeper=
cleanup() {
	for p in $readers $sleeper; do kill "$p" 2> /dev/null; done
	wait 2> /dev/null
	for d in "$ST"/c* "$CG/rd_a" "$CG/rd_b" "$CG/rd_x" "$ST"; do
		rmdir "$d" 2> /dev/null
	done
}
trap cleanup EXIT

now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

portion=$(awk '/ portions=/ && / occupancy=[1-9]/ {
	sub(/:.*/, "", $1); print $1; exit }' "$CG/mpam.capacity")
if [ -z "$portion" ]; then
	ktap_skip_all "$PROFILE: no class with portions and occupancy monitors"
	exit "$KSFT_SKIP"
fi
partids=$(awk '$1 == "partids" { print $2 }' "$CG/mpam.ids")
# Leave a few PARTIDs to the rest of the system.
n=$((partids - 4))
[ "$n" -le 40 ] || n=40

mkdir "$ST" "$CG/rd_a" "$CG/rd_b" || ktap_exit_fail_msg "cannot create the cgroups"
echo +mpam > "$ST/cgroup.subtree_control" || ktap_exit_fail_msg "cannot enable mpam in $ST"
i=0
while [ $i -lt "$n" ]; do
	mkdir "$ST/c$i" && echo "$portion 1" > "$ST/c$i/mpam.cache.portion" ||
		ktap_exit_fail_msg "cannot give $ST/c$i a partition"
	i=$((i + 1))
done
sleep 1000 &
sleeper=$!

# Two loops reading $1, on CPU 1.
start_readers() {
	for r in 1 2; do
		taskset -c 1 sh -c 'while :; do cat "$0" > /dev/null; done' "$1" &
		readers="$readers $!"
	done
	sleep 0.5
}

stop_readers() {
	for p in $readers; do kill "$p" 2> /dev/null; done
	wait $readers 2> /dev/null
	readers=
}

# Milliseconds for $ROUNDS mkdir+rmdir, then for 20 * $ROUNDS migrations.
time_mkdir() {
	t=$(now_ms)
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		mkdir "$CG/rd_x" && rmdir "$CG/rd_x"
		i=$((i + 1))
	done
	echo $(($(now_ms) - t))
}

time_move() {
	t=$(now_ms)
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		for m in a b a b a b a b a b a b a b a b a b a b; do
			echo "$sleeper" > "$CG/rd_$m/cgroup.procs"
		done
		i=$((i + 1))
	done
	echo $(($(now_ms) - t))
}

start=$(now_ms)
cat "$ST/mpam.stat" > /dev/null
one=$(($(now_ms) - start))
ktap_print_msg "$n partitions below $ST; one read of its mpam.stat: $one ms"

# Per pair of runs, the mpam.stat run's time in percent of the control's.
ratio() {
	echo "$(($1 * 100 / ($2 > 0 ? $2 : 1)))"
}

median() {
	echo "$@" | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

mk= mv=
for run in 1 2 3 4 5; do
	start_readers "$ST/cgroup.stat"
	ctl_mk=$(time_mkdir)
	ctl_mv=$(time_move)
	stop_readers
	start_readers "$ST/mpam.stat"
	mp_mk=$(time_mkdir)
	mp_mv=$(time_move)
	stop_readers
	ktap_print_msg "run $run: $ROUNDS mkdir+rmdir: $ctl_mk ms beside cgroup.stat" \
		"readers, $mp_mk ms beside mpam.stat readers"
	ktap_print_msg "  $((20 * ROUNDS)) migrations: $ctl_mv ms, $mp_mv ms"
	mk="$mk $(ratio "$mp_mk" "$ctl_mk")"
	mv="$mv $(ratio "$mp_mv" "$ctl_mv")"
done
mk=$(median $mk)
mv=$(median $mv)

# The median of five pairs, as one noisy pair may be off by a third here.
msg="$PROFILE: mkdir+rmdir beside mpam.stat readers took"
if [ "$mk" -le 120 ]; then
	ktap_test_pass "$msg $mk% of the control"
else
	ktap_test_fail "$msg $mk% of the control"
fi
msg="$PROFILE: migration beside mpam.stat readers took"
if [ "$mv" -le 120 ]; then
	ktap_test_pass "$msg $mv% of the control"
else
	ktap_test_fail "$msg $mv% of the control"
fi

ktap_finished
