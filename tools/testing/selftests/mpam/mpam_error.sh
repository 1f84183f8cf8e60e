#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An MSC error interrupt on the emulated MPAM platform: the upstream driver
# reports it, disables MPAM (resets every MSC's controls and masks their
# error interrupts) and tears resctrl down, so it can no longer be
# mounted.  The host's check of the console log covers "no WARN, oops or
# lockdep report".  MPAM stays off until the next boot, so this runs only
# when MPAM_TEST_INJECT_ERROR=1 (scripts/mpam/check.sh runs it in a boot
# of its own).

. "$(dirname "$0")/mpam_lib.sh"

mpam_start
if [ "${MPAM_TEST_INJECT_ERROR:-}" != 1 ]; then
	ktap_skip_all "disables MPAM until reboot: set MPAM_TEST_INJECT_ERROR=1 to run it"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 6

wait_log() {	# pattern: wait up to 10 s for it in the kernel log
	i=0
	while [ $i -lt 50 ]; do
		dmesg | grep -q "$1" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# Program something first, so that the reset shows on the QEMU side.
mount -t resctrl none "$RESCTRL" || ktap_exit_fail_msg "resctrl does not mount"
mkdir "$RESCTRL/g" && echo "L3:1=f" > "$RESCTRL/g/schemata" ||
	ktap_exit_fail_msg "cannot program a resctrl group"
l3msc=$(msc_index "cache L3 id=1")
partid=$(msc_partids_with "$l3msc" cpbm 0xf)
[ -n "$partid" ] || ktap_exit_fail_msg "L3:1=f did not reach mpam-msc$l3msc"

# 1: the host raises error 7 (Unexpected_INTERNAL) on the L3 MSC.
if mpam-host inject-error "$l3msc" 7; then
	ktap_test_pass "$PROFILE: error 7 injected into mpam-msc$l3msc"
else
	ktap_exit_fail_msg "$PROFILE: the host could not inject an error"
fi

# 2: the driver names the MSC and the error, and disables MPAM.
if wait_log "error irq from msc:$l3msc 'Unexpected_INTERNAL'" &&
   wait_log "MPAM disabled due to hardware error interrupt"; then
	dmesg | grep -o "error irq from msc.*\|MPAM disabled.*" | sed 's/^/# /'
	ktap_test_pass "$PROFILE: the kernel reports the error and disables MPAM"
else
	dmesg | grep -i mpam | tail -5 | sed 's/^/# /'
	ktap_test_fail "$PROFILE: no 'MPAM disabled due to hardware error interrupt'"
fi

# 3: every MSC is back at its reset configuration.
left=$(mpam-host state | grep -c '^ *partid [0-9]*:')
if [ "$left" = 0 ]; then
	ktap_test_pass "$PROFILE: every MSC's controls are reset (PARTID $partid's CPBM is gone)"
else
	mpam-host state | sed 's/^/# /'
	ktap_test_fail "$PROFILE: $left PARTID(s) still programmed after the disable"
fi

# 4: no MSC has its error interrupt enabled any more.
ecr=$(mpam-host state | grep -o 'ecr=0x[0-9a-f]*' | sort -u | tr '\n' ' ')
if [ "$ecr" = "ecr=0x0 " ]; then
	ktap_test_pass "$PROFILE: every MSC's error interrupt is masked (ECR.INTEN 0)"
else
	ktap_test_fail "$PROFILE: ECR after the disable: $ecr"
fi

# 5: the mounted resctrl is emptied, and unmounts.
if [ ! -e "$RESCTRL/g" ] && [ ! -e "$RESCTRL/schemata" ] && umount "$RESCTRL"; then
	ktap_test_pass "$PROFILE: the mounted resctrl is torn down"
else
	ls "$RESCTRL" | sed 's/^/# /'
	umount "$RESCTRL" 2> /dev/null
	ktap_test_fail "$PROFILE: resctrl still shows groups after the disable"
fi

# 6: resctrl refuses a new mount (ENODEV: it unregistered).
if out=$(mount -t resctrl none "$RESCTRL" 2>&1); then
	umount "$RESCTRL"
	ktap_test_fail "$PROFILE: resctrl still mounts after MPAM was disabled"
elif echo "$out" | grep -q "No such device"; then
	ktap_test_pass "$PROFILE: resctrl no longer mounts (No such device)"
else
	ktap_test_fail "$PROFILE: mounting resctrl fails, but not with ENODEV: $out"
fi

ktap_finished
