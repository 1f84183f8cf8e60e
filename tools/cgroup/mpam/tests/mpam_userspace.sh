# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers of the userspace tests (systemd, runc, containerd, KVM) of the
# mpam controller, sourced after ../mpam/mpam_lib.sh.  They run in the
# Debian root filesystem of the rig (scripts/mpam/build-rootfs.sh, booted
# by run-vm.sh --rootfs) and skip elsewhere.  Waits are bounded polls,
# never assertions on time.

CGROOT=/sys/fs/cgroup

# Skip unless $1 (systemd, runc, ctr, kvm) is there to be tested.
userspace_start() {
	case $1 in
	systemd)
		[ "$(cat /proc/1/comm 2> /dev/null)" = systemd ] ||
			{ ktap_skip_all "PID 1 is not systemd: boot the rig with --rootfs"; exit "$KSFT_SKIP"; } ;;
	*)
		command -v "$1" > /dev/null ||
			{ ktap_skip_all "no $1 here: boot the rig with --rootfs"; exit "$KSFT_SKIP"; } ;;
	esac
	grep -qw mpam $CGROOT/cgroup.controllers ||
		{ ktap_skip_all "no mpam controller in $CGROOT"; exit "$KSFT_SKIP"; }
}

# partids_used of the root's mpam.ids.
partids_used() {
	awk '$1 == "partids_used" { print $2 }' $CGROOT/mpam.ids
}

# Field $2 (partid, pmg, mode) of the mpam.partition of cgroup dir $1.
partition_field() {
	awk -v k="$2" '$1 == k { print $2 }' "$1/mpam.partition" 2> /dev/null
}

# Poll (at most ~30 s) until command "$@" succeeds.
poll() {
	n=0
	while ! "$@"; do
		n=$((n + 1))
		[ $n -lt 150 ] || return 1
		sleep 0.2
	done
}

is_active() { [ "$(systemctl is-active "$1")" = active ]; }
wait_active() { poll is_active "$1"; }

used_is() { [ "$(partids_used)" = "$1" ]; }
used_becomes() { poll used_is "$1"; }

# vCPU $1 carries PARTID $2 in the QEMU model.
label_is() { cpu_label "$1" | grep -q "partid=$2 "; }
label_becomes() { poll label_is "$1" "$2"; }
