#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# OCI containers with mpam keys in linux.resources.unified, on the emulated
# platform (server profile): runc runs a container whose config.json sets a
# cache portion and a bandwidth cap; runc enables +mpam in the ancestors
# itself and writes the keys; the container's tasks carry the partition,
# on the CPU as the QEMU model sees it; deleting the container frees the
# PARTID; a bad value makes "runc run" fail with the kernel's error and
# leaks no PARTID.  Then the same through containerd (ctr), when it runs:
# ctr has no flag for unified keys, so its container goes below a cgroup
# with settings and shares that partition.

. "$(dirname "$0")/../mpam/mpam_lib.sh"
. "$(dirname "$0")/mpam_userspace.sh"

mpam_start
userspace_start runc
ktap_set_plan 9

OCI=/usr/lib/mpam-rig/oci
B=/run/mpamtest-bundle
PARENT=$CGROOT/mpamtest-oci
cleanup() {
	runc delete -f mpamtest-good > /dev/null 2>&1
	runc delete -f mpamtest-bad > /dev/null 2>&1
	ctr task kill -s KILL mpamtest-ctr > /dev/null 2>&1
	ctr task delete -f mpamtest-ctr > /dev/null 2>&1
	ctr container delete mpamtest-ctr > /dev/null 2>&1
	rmdir "$PARENT"/* "$PARENT" 2> /dev/null
	rm -rf "$B"
}
trap cleanup EXIT

# config.json for bundle $1: process "$2", cgroup $3, unified keys $4
# ("k": "v" pairs, JSON).
bundle() {
	mkdir -p "$1"
	cat > "$1/config.json" <<JSON
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": [ "/bin/sh", "-c", "$2" ],
		"env": [ "PATH=/bin" ],
		"cwd": "/"
	},
	"root": { "path": "$OCI/rootfs", "readonly": true },
	"hostname": "mpamtest",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/sys/fs/cgroup", "type": "cgroup2", "source": "cgroup",
		  "options": [ "nosuid", "noexec", "nodev", "ro" ] }
	],
	"linux": {
		"cgroupsPath": "$3",
		"resources": {
			"cpu": { "cpus": "1" },
			"unified": { $4 }
		},
		"namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "ipc" },
				{ "type": "uts" }, { "type": "cgroup" } ]
	}
}
JSON
}

used0=$(partids_used)
ktap_print_msg "runc $(runc --version | sed -n 's/^runc version //p'), partids_used $used0"

# 1: a container with a cache portion and a bandwidth cap starts.
bundle "$B/good" 'while :; do :; done' /mpamtest-oci/good \
	'"mpam.cache.portion": "l3 00f0", "mpam.bw.max": "mem 30"'
if runc run -d --bundle "$B/good" mpamtest-good > "$B/good.out" 2>&1; then
	ktap_test_pass "runc runs a container with mpam keys in linux.resources.unified"
else
	ktap_test_fail "runc runs a container with mpam keys in linux.resources.unified"
	sed 's/^/# /' "$B/good.out"
fi
CG=$PARENT/good

# 2: the keys are in the container's cgroup; it has its own partition.
P=$(partition_field "$CG" partid)
ktap_print_msg "container cgroup: $(tr '\n' ' ' < "$CG/mpam.partition" 2>&1)"
if grep -qx "l3 00f0" "$CG/mpam.cache.portion" 2> /dev/null &&
   grep -qx "mem 30.00" "$CG/mpam.bw.max" 2> /dev/null &&
   [ "$(partition_field "$CG" mode)" = own ] && [ "$(partids_used)" = $((used0 + 1)) ]; then
	ktap_test_pass "the container's cgroup has the settings and partition $P"
else
	ktap_test_fail "the container's cgroup has the settings"
fi

# 3: its task runs with that label on CPU 1, and the MSCs hold the settings.
pid=$(runc state mpamtest-good | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
l3=$(msc_index "cache L3 id=1")
cpbm=$(msc_ctl "$l3" "$P" cpbm)
if [ -n "$P" ] && label_becomes 1 "$P" && [ -n "$cpbm" ] && [ $((cpbm)) = 240 ]; then
	ktap_test_pass "the container's task $pid runs with partid $P, L3 cpbm $cpbm"
else
	ktap_test_fail "the container's task runs with partid $P: $(cpu_label 1), L3 cpbm '$cpbm'"
fi

# 4: statistics of the container read with cat, numbers only, as
# opencontainers/cgroups parses them.
stat=$(cat "$CG/mpam.stat")
echo "$stat" | sed 's/^/# /'
if echo "$stat" | grep -q '^l3:' && echo "$stat" | stat_parses; then
	ktap_test_pass "mpam.stat of the container reads and parses"
else
	ktap_test_fail "mpam.stat of the container reads and parses"
fi

# 5: deleting the container frees the PARTID.
runc delete -f mpamtest-good
if used_becomes "$used0"; then
	ktap_test_pass "runc delete frees the PARTID"
else
	ktap_test_fail "runc delete frees the PARTID ($(partids_used) used)"
fi

# 6, 7: a bad value: creation fails with the kernel's error, no PARTID
# stays allocated, whichever order runc wrote the keys in.
bundle "$B/bad" 'sleep 1000' /mpamtest-oci/bad \
	'"mpam.bw.max": "mem 30", "mpam.cache.portion": "l3 zzzz"'
if runc run -d --bundle "$B/bad" mpamtest-bad > "$B/bad.out" 2>&1; then
	ktap_test_fail "runc refuses a bad mpam value"
else
	sed 's/^/# /' "$B/bad.out"
	if grep -q 'mpam.cache.portion.*invalid argument' "$B/bad.out"; then
		ktap_test_pass "runc refuses a bad mpam value, naming the file and EINVAL"
	else
		ktap_test_fail "runc refuses a bad mpam value, naming the file and EINVAL"
	fi
fi
runc delete -f mpamtest-bad > /dev/null 2>&1
if used_becomes "$used0" && [ ! -d "$PARENT/bad" ]; then
	ktap_test_pass "the failed creation leaks no PARTID and no cgroup"
else
	ktap_test_fail "the failed creation leaks no PARTID ($(partids_used) used, $used0 before)"
fi

# 8, 9: containerd.  ctr has no flag for unified keys: the container goes
# below a cgroup with settings (as a pod or slice would be) and runs in its
# partition.
if ! systemctl start containerd 2> /dev/null || ! poll ctr version > /dev/null 2>&1; then
	ktap_test_skip "containerd does not start here"
	ktap_test_skip "containerd: the task runs with the partition"
	ktap_finished
fi
mkdir -p "$PARENT/ctr"
echo +mpam > "$PARENT/cgroup.subtree_control"
echo "l3 0f00" > "$PARENT/ctr/mpam.cache.portion"
Pc=$(partition_field "$PARENT/ctr" partid)
if ctr run -d --rootfs --cgroup /mpamtest-oci/ctr/c1 "$OCI/rootfs" \
	mpamtest-ctr /bin/sh -c 'while :; do :; done' > "$B/ctr.out" 2>&1; then
	ktap_test_pass "ctr runs a container below a cgroup with mpam settings"
else
	ktap_test_fail "ctr runs a container below a cgroup with mpam settings"
	sed 's/^/# /' "$B/ctr.out"
fi
ktap_print_msg "ctr container cgroup: $(tr '\n' ' ' < "$PARENT/ctr/c1/mpam.partition" 2>&1)"
# Its task spins on either CPU: look for it on both.
on_a_cpu() { label_is 0 "$Pc" || label_is 1 "$Pc"; }
if [ "$(partition_field "$PARENT/ctr/c1" partid)" = "$Pc" ] &&
   [ "$(partition_field "$PARENT/ctr/c1" mode)" = shared ] && poll on_a_cpu; then
	ktap_test_pass "containerd: the task runs with the partition $Pc"
else
	ktap_test_fail "containerd: the task runs with the partition $Pc"
	mpam-host state | grep '^cpu ' | sed 's/^/# /'
fi

ktap_finished
