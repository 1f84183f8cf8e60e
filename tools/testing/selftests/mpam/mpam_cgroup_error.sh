#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An MSC error under the mpam cgroup controller: a cgroup with settings, a
# byte counter and a running task; error 7 injected into the L3 MSC; the
# driver disables MPAM.  Then the controller's files fail with ENODEV and
# count an error event, no CPU keeps the cgroup's label, and the cgroup
# can still be removed.  MPAM stays off until reboot: run it in a boot of
# its own with MPAM_TEST_INJECT_ERROR=1, else it skips.

. "$(dirname "$0")/mpam_lib.sh"

mpam_start
if [ "${MPAM_TEST_INJECT_ERROR:-}" != 1 ]; then
	ktap_skip_all "disables MPAM until reboot: set MPAM_TEST_INJECT_ERROR=1 to run it"
	exit "$KSFT_SKIP"
fi
mpam_cgroup_start
ktap_set_plan 5

A=$CG/err_a
busy=
cleanup() {
	[ -z "$busy" ] || kill "$busy" 2> /dev/null
	sleep 0.2
	rmdir "$A" 2> /dev/null
}
trap cleanup EXIT

mkdir "$A" || ktap_exit_fail_msg "cannot create $A"
echo "l3 f" > "$A/mpam.cache.portion" || ktap_exit_fail_msg "cannot set an L3 portion"
for c in $(awk '{ sub(/:.*/, "", $1); print $1 }' "$A/mpam.counters" | uniq); do
	echo "$c on" > "$A/mpam.counters" 2> /dev/null && break
done
busy=$(busy_loop 1)
echo "$busy" > "$A/cgroup.procs"
partid=$(awk '$1 == "partid" { print $2 }' "$A/mpam.partition")
sleep 0.5
label=$(cpu_label 1)
[ "$label" = "partid=$partid pmg=0" ] ||
	ktap_exit_fail_msg "CPU 1 carries '$label' before the error, not PARTID $partid"

l3msc=$(msc_index "cache L3 id=1")
mpam-host inject-error "$l3msc" 7 > /dev/null ||
	ktap_exit_fail_msg "the host could not inject an error"
i=0
while [ $i -lt 50 ] && ! dmesg | grep -q "MPAM disabled due to hardware error"; do
	sleep 0.2
	i=$((i + 1))
done
if dmesg | grep -q "provider gone"; then
	ktap_test_pass "$PROFILE: MPAM off after error 7 in mpam-msc$l3msc, the controller let go"
else
	dmesg | grep -i mpam | tail -5 | sed 's/^/# /'
	ktap_test_fail "$PROFILE: the controller did not see MPAM go"
fi

bad=
for f in mpam.cache.portion mpam.stat mpam.counters mpam.partition; do
	out=$(cat "$A/$f" 2>&1) && bad="$bad $f(read)"
	echo "$out" | grep -q "No such device" || bad="$bad $f(read:$out)"
done
for w in "mpam.cache.portion|l3 3" "mpam.counters|l3 off" "mpam.bw.max|mem 50"; do
	f=${w%%|*}
	out=$( (echo "${w#*|}" > "$A/$f") 2>&1) && bad="$bad $f(write)"
	echo "$out" | grep -q "No such device" || bad="$bad $f(write:$out)"
done
if [ -z "$bad" ]; then
	ktap_test_pass "$PROFILE: reads and writes of the files fail with ENODEV"
else
	ktap_test_fail "$PROFILE: not ENODEV:$bad"
fi

# One error for the cgroup that lost its settings, one for each of the
# three refused writes; the four refused reads are not events.
errors=$(awk '$1 == "error" { print $2 }' "$A/mpam.events")
if [ "${errors:-0}" = 4 ]; then
	ktap_test_pass "$PROFILE: mpam.events counts $errors errors: the loss and 3 writes"
else
	ktap_test_fail "$PROFILE: mpam.events, want error 4: $(tr '\n' ' ' < "$A/mpam.events")"
fi

label=$(cpu_label 1)
if [ "$label" = "partid=0 pmg=0" ]; then
	ktap_test_pass "$PROFILE: CPU 1 runs the cgroup's task with the default label"
else
	ktap_test_fail "$PROFILE: CPU 1 still carries '$label'"
fi

kill "$busy"
busy=
sleep 0.2
if rmdir "$A"; then
	ktap_test_pass "$PROFILE: the cgroup is removed"
else
	ktap_test_fail "$PROFILE: cannot remove the cgroup"
fi

ktap_finished
