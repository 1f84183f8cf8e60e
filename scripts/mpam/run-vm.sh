#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the built kernel and initramfs under QEMU with UEFI (Debian's AAVMF)
# and ACPI, the way the MPAM driver needs to be probed.
#
#   run-vm.sh [--cmd CMD] [--log FILE] [--timeout SEC] [--quiet]
#             [--append KERNEL-ARGS] [--rootfs] [--el2]
#
# With --cmd, CMD runs in the VM's shell and the script exits with its
# status (124 on a timeout, 125 when the VM died before CMD finished).
# Without it, the console is a shell (leave with "poweroff -f" or Ctrl-A x).
#
# MPAM_PROFILE=server|kunpeng|scarce boots the emulated MPAM platform of
# tools/testing/mpam/qemu (built on first use; QEMU= picks another binary)
# with that profile.  QEMU, MPAM_MACHINE, MPAM_CPU, MPAM_SMP, MPAM_MEM and
# QEMU_EXTRA change the emulated machine.
#
# --rootfs boots the Debian root filesystem of scripts/mpam/build-rootfs.sh
# (systemd as PID 1, runc, containerd, qemu) from a virtio disk instead of
# the busybox initramfs; the disk is a snapshot, every boot starts clean.
# Its mpam-rig.service runs CMD.  --el2 boots the kernel at EL2
# (virtualization=on) so that it can run KVM guests.
#
# Every VM gets a channel to the host: scripts/mpam/host-agent.py answers
# requests that the guest sends with /bin/mpam-host over a virtio-serial
# port, using QEMU's QMP (e.g. "mpam-host state" prints the model's
# registers).  The agent's log goes to LOG.host (with --log).
set -euo pipefail
. "$(dirname "$0")/env.sh"

cmd= log= timeout=600 quiet= append= rootfs= el2=
while [ $# -gt 0 ]; do
	case $1 in
	--cmd) cmd=$2; shift ;;
	--log) log=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--append) append=$2; shift ;;
	--quiet) quiet=1 ;;
	--rootfs) rootfs=1 ;;
	--el2) el2=1 ;;
	*) die "run-vm.sh: unknown argument $1" ;;
	esac
	shift
done

qemu=${QEMU:-qemu-system-aarch64}
if [ -n "${MPAM_PROFILE:-}" ]; then
	qemu=${QEMU:-$("$top/tools/testing/mpam/qemu/build.sh" | tail -n 1)}
	MPAM_MACHINE=${MPAM_MACHINE:-virt,gic-version=3,mpam=$MPAM_PROFILE}
fi
machine=${MPAM_MACHINE:-virt,gic-version=3}
mem=${MPAM_MEM:-1G}
[ -z "$el2" ] || machine=$machine,virtualization=on
image=$kbuild/arch/arm64/boot/Image
initrd=$vmdir/initramfs.cpio.gz
rootimg=$vmdir/rootfs.img
if [ -n "$rootfs" ]; then
	[ -f "$image" ] && [ -f "$rootimg" ] ||
		die "run-vm.sh: build the kernel and the root filesystem first (make rootfs)"
	mem=${MPAM_MEM:-2G}
	boot=(-drive if=none,id=root,format=raw,snapshot=on,file="$rootimg"
	      -device virtio-blk-pci,drive=root)
	# systemd's status lines would drown the console; its warnings stay.
	append="root=/dev/vda rw rootfstype=ext4 systemd.show_status=0 $append"
	[ -z "$cmd" ] || append="systemd.getty_auto=0 $append"
else
	[ -f "$image" ] && [ -f "$initrd" ] ||
		die "run-vm.sh: build the kernel and initramfs first (make kernel initramfs)"
	boot=(-initrd "$initrd")
	append="rdinit=/init $append"
fi

run=$(mktemp -d "${TMPDIR:-/tmp}/mpam-vm.XXXXXX")
agent=
# The agent may be gone already (the guest closed its port at shutdown):
# under set -e a failed kill would make the trap, and the script, fail.
trap '[ -z "$agent" ] || kill "$agent" 2>/dev/null || true; rm -rf "$run"' EXIT
# Interrupted or killed (a job's timeout, ^C): still clean up on the way out.
trap 'exit 130' INT
trap 'exit 143' TERM
cp /usr/share/AAVMF/AAVMF_VARS.fd "$run/vars.fd"

args=(-M "$machine" -cpu "${MPAM_CPU:-max}"
      -smp "${MPAM_SMP:-2}" -m "$mem" -nic none -no-reboot
      -display none -monitor none
      -drive if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd
      -drive if=pflash,format=raw,file="$run/vars.fd"
      -kernel "$image" "${boot[@]}"
      -append "console=ttyAMA0 acpi=force panic=-1 $append")
# The host channel: the agent listens, QEMU connects to it at start-up.
python3 "$top/scripts/mpam/host-agent.py" --host "$run/host.sock" --qmp "$run/qmp.sock" \
	--profile "${MPAM_PROFILE:-none}" --ready "$run/ready" \
	2> "${log:-$run/console.log}.host" &
agent=$!
for _ in $(seq 100); do
	[ -e "$run/ready" ] || ! kill -0 "$agent" 2>/dev/null && break
	sleep 0.1
done
[ -e "$run/ready" ] || die "run-vm.sh: the host agent did not start"
args+=(-chardev socket,id=mpamqmp,path="$run/qmp.sock" -mon chardev=mpamqmp,mode=control
       -device virtio-serial-pci
       -chardev socket,id=mpamhost,path="$run/host.sock"
       -device virtserialport,chardev=mpamhost,name=org.mpam.host)
# shellcheck disable=SC2206
args+=(${QEMU_EXTRA:-})

if [ -z "$cmd" ]; then
	rc=0
	"$qemu" "${args[@]}" -serial mon:stdio || rc=$?
	exit "$rc"
fi

printf '%s\n' "$cmd" > "$run/cmd"
args+=(-fw_cfg name=opt/mpam/cmd,file="$run/cmd" -serial stdio)
log=${log:-$run/console.log}
rc=0
# --foreground keeps QEMU in our process group, so that ^C or a kill of
# the group stops it too (and the traps above clean up).
if [ -n "$quiet" ]; then
	timeout --foreground -k 10 "$timeout" "$qemu" "${args[@]}" < /dev/null > "$log" 2>&1 || rc=$?
else
	set +e
	timeout --foreground -k 10 "$timeout" "$qemu" "${args[@]}" < /dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
fi
status=$(sed -n 's/^mpam-rig: exit \([0-9]*\).*/\1/p' "$log" | tail -1)
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "run-vm.sh: timed out after ${timeout}s" >&2
	exit 124
elif [ -z "$status" ]; then
	echo "run-vm.sh: the VM stopped (qemu status $rc) before the command finished" >&2
	exit 125
fi
exit "$status"
