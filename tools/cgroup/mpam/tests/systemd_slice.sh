#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# MPAM settings declared on a systemd slice (X-MPAM- keys, mpam-generator
# and mpam-apply of tools/cgroup/mpam) on the emulated platform, server
# profile, with systemd as PID 1: the settings land in the slice's cgroup
# when it starts, a service of the slice runs with the slice's label on its
# CPU as the QEMU model sees it, the statistics read with cat, a
# daemon-reload keeps everything, stopping the slice frees the PARTID and
# starting it again brings the settings back, and a bad value fails the
# unit with the kernel's error and leaks no PARTID.

. "$(dirname "$0")/../mpam/mpam_lib.sh"
. "$(dirname "$0")/mpam_userspace.sh"

mpam_start
userspace_start systemd
ktap_set_plan 12

S=mpamtest.slice W=mpamtest-work.service B=mpambad.slice
CG=/sys/fs/cgroup/mpamtest.slice
cleanup() {
	systemctl stop "$W" "$S" "$B" 2> /dev/null
	rm -f "/run/systemd/system/$S" "/run/systemd/system/$W" "/run/systemd/system/$B"
	systemctl daemon-reload
}
trap cleanup EXIT

cat > "/run/systemd/system/$S" <<UNIT
[Unit]
Description=MPAM test slice

[Slice]
X-MPAM-CachePortion=l3 000f
X-MPAM-BandwidthMax=mem 40
UNIT
# The worker spins on CPU 1, so that the model sees CPU 1 busy at EL0
# with the worker's label whenever it is asked.
cat > "/run/systemd/system/$W" <<UNIT
[Unit]
Description=MPAM test worker

[Service]
Slice=$S
CPUAffinity=1
ExecStart=/bin/sh -c 'while :; do :; done'
UNIT
# Not "mpamtest-bad.slice": a dash makes a child of mpamtest.slice.
cat > "/run/systemd/system/$B" <<UNIT
[Slice]
X-MPAM-BandwidthMax=mem 40
X-MPAM-CachePortion=l3 zzzz
UNIT
systemctl daemon-reload
used0=$(partids_used)
ktap_print_msg "partids_used before: $used0"

# 1: the generator made the apply unit, bound to the slice.
if systemctl cat "mpam-apply@$S.service" 2> /dev/null | grep -q "BindsTo=$S"; then
	ktap_test_pass "mpam-generator made mpam-apply@$S.service"
else
	ktap_test_fail "mpam-generator made mpam-apply@$S.service"
fi

# 2: starting a service of the slice applies the slice's settings.
systemctl start "$W"
wait_active "mpam-apply@$S.service"
if grep -qx "l3 000f" "$CG/mpam.cache.portion" && grep -qx "mem 40.00" "$CG/mpam.bw.max"; then
	ktap_test_pass "the slice's cgroup has its settings"
else
	ktap_test_fail "the slice's cgroup has its settings"
	systemctl status "mpam-apply@$S.service" | sed 's/^/# /'
fi

# 3: +mpam enabled from the root down to the slice's parent, and systemd
# did not take it away.
if grep -qw mpam /sys/fs/cgroup/cgroup.subtree_control; then
	ktap_test_pass "+mpam is enabled in the root"
else
	ktap_test_fail "+mpam is enabled in the root"
fi

# 4: the slice has a partition of its own, the service shares it.
P=$(partition_field "$CG" partid)
mode=$(partition_field "$CG" mode)
svc_cg=/sys/fs/cgroup$(systemctl show -P ControlGroup "$W")
Ps=$(partition_field "$svc_cg" partid)
ktap_print_msg "slice: partid $P mode $mode; service ($svc_cg): partid $Ps"
if [ "$mode" = own ] && [ -n "$P" ] && [ "$P" != 0 ] && [ "$Ps" = "$P" ]; then
	ktap_test_pass "the service runs in the slice's partition $P"
else
	ktap_test_fail "the service runs in the slice's partition"
fi

# 5: the model sees CPU 1 running at that PARTID.
if label_becomes 1 "$P"; then
	ktap_test_pass "CPU 1 runs the service with partid $P (QEMU model)"
else
	ktap_test_fail "CPU 1 runs the service with partid $P (QEMU model): $(cpu_label 1)"
fi

# 6: and the MSCs hold the settings for that PARTID.
l3=$(msc_index "cache L3 id=1") mem=$(msc_index "memory")
cpbm=$(msc_ctl "$l3" "$P" cpbm) mbw=$(msc_ctl "$mem" "$P" mbw_max)
ktap_print_msg "L3 MSC $l3: cpbm=$cpbm; memory MSC $mem: mbw_max=$mbw"
if [ -n "$cpbm" ] && [ $((cpbm)) = 15 ] && [ -n "$mbw" ]; then
	ktap_test_pass "the MSCs hold the slice's portion and cap"
else
	ktap_test_fail "the MSCs hold the slice's portion and cap"
fi

# 7: statistics with cat: the slice's, and its service's (mpam-apply
# enables +mpam in the slice; the service, without settings or
# mpam.monitor, is counted in the slice's figures and its file is empty).
stat=$(cat "$CG/mpam.stat" "$svc_cg/mpam.stat" 2>&1)
echo "$stat" | sed 's/^/# /'
if echo "$stat" | grep -q '^l3:[0-9]* ' && echo "$stat" | stat_parses; then
	ktap_test_pass "mpam.stat of the slice and the service read with cat"
else
	ktap_test_fail "mpam.stat of the slice and the service read with cat"
fi

# 8: daemon-reload keeps the settings, the partition and the apply unit.
systemctl daemon-reload
if grep -qx "l3 000f" "$CG/mpam.cache.portion" && [ "$(partition_field "$CG" partid)" = "$P" ] &&
   [ "$(systemctl is-active "mpam-apply@$S.service")" = active ] &&
   grep -qw mpam /sys/fs/cgroup/cgroup.subtree_control; then
	ktap_test_pass "daemon-reload keeps the settings"
else
	ktap_test_fail "daemon-reload keeps the settings"
fi

# 9: stopping the slice frees the PARTID.
systemctl stop "$S"
if used_becomes "$used0"; then
	ktap_test_pass "stopping the slice frees its PARTID ($(partids_used) used)"
else
	ktap_test_fail "stopping the slice frees its PARTID ($(partids_used) used, $used0 before)"
fi

# 10: starting it again applies the settings again.
systemctl start "$W"
wait_active "mpam-apply@$S.service"
if grep -qx "l3 000f" "$CG/mpam.cache.portion" && [ "$(partids_used)" = $((used0 + 1)) ]; then
	ktap_test_pass "starting the slice again applies its settings again"
else
	ktap_test_fail "starting the slice again applies its settings again"
fi
systemctl stop "$S"
used_becomes "$used0" || ktap_print_msg "after the second stop: $(partids_used) used"

# 11, 12: a bad value fails the apply unit with the kernel's error, and
# the good line written before it is taken back.
systemctl start "$B"
settled() { ! systemctl is-active -q "mpam-apply@$B.service" &&
	    [ "$(systemctl is-active "mpam-apply@$B.service")" != activating ]; }
poll settled
state=$(systemctl is-active "mpam-apply@$B.service")
msg=$(journalctl -b -q -o cat -u "mpam-apply@$B.service" 2> /dev/null | grep 'mpam-apply: ' | tail -1)
ktap_print_msg "bad slice: $state: $msg"
if [ "$state" = failed ] && echo "$msg" | grep -q 'mpam.cache.portion "l3 zzzz": Invalid argument'; then
	ktap_test_pass "a bad value fails mpam-apply@$B with EINVAL"
else
	ktap_test_fail "a bad value fails mpam-apply@$B with EINVAL"
fi
if used_becomes "$used0" && grep -qx "mem max" /sys/fs/cgroup/mpambad.slice/mpam.bw.max; then
	ktap_test_pass "a bad value leaks no PARTID"
else
	ktap_test_fail "a bad value leaks no PARTID ($(partids_used) used, $used0 before)"
	sed 's/^/# mpam.bw.max: /' /sys/fs/cgroup/mpambad.slice/mpam.bw.max
	sed 's/^/# mpam.partition: /' /sys/fs/cgroup/mpambad.slice/mpam.partition
	journalctl -b -q -o cat -u "mpam-apply@$B.service" | sed 's/^/# /'
	find /sys/fs/cgroup -name mpam.partition -exec grep -l 'mode own' {} + | sed 's/^/# own: /'
fi

ktap_finished
