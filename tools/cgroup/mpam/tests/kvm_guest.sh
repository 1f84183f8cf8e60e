#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A KVM guest started inside a cgroup with mpam settings, on the emulated
# platform booted at EL2 (run-vm.sh --el2, server profile): the guest is
# tools/testing/mpam/kvm/guest-mpam.c, a bare-metal program run by
# qemu-system-aarch64 -enable-kvm.  KVM hides MPAM from it (ID field 0)
# and its accesses to MPAM registers UNDEF; while it spins, the QEMU model
# sees the vCPU that runs it at EL1 with the PARTID of the VMM's cgroup.

. "$(dirname "$0")/../mpam/mpam_lib.sh"
. "$(dirname "$0")/mpam_userspace.sh"

mpam_start
userspace_start qemu-system-aarch64
if [ ! -c /dev/kvm ]; then
	ktap_skip_all "no /dev/kvm: boot at EL2 (run-vm.sh --el2); $(dmesg | grep -m1 -i 'kvm' || echo 'KVM said nothing')"
	exit "$KSFT_SKIP"
fi
ktap_print_msg "$(dmesg | grep -m1 -i 'kvm.*\(initialized\|mode\)')"
ktap_set_plan 5

G=/usr/lib/mpam-rig/guest-mpam.elf
CG=$CGROOT/mpamtest-kvm
OUT=/run/mpamtest-kvm.out
vmm=
cleanup() {
	[ -z "$vmm" ] || kill "$vmm" 2> /dev/null
	wait 2> /dev/null
	rmdir "$CG" 2> /dev/null
}
trap cleanup EXIT

used0=$(partids_used)
grep -qw mpam $CGROOT/cgroup.subtree_control || echo +mpam > $CGROOT/cgroup.subtree_control
mkdir -p "$CG"
echo "l3 000f" > "$CG/mpam.cache.portion"
echo "mem 50" > "$CG/mpam.bw.max"
P=$(partition_field "$CG" partid)
ktap_print_msg "VMM cgroup: partid $P"

# The VMM joins the cgroup before it starts; its vCPU thread runs on CPU 1.
: > "$OUT"
sh -c "echo \$\$ > $CG/cgroup.procs && exec taskset -c 1 qemu-system-aarch64 \
	-M virt,gic-version=3 -enable-kvm -cpu host -smp 1 -m 64 -nodefaults \
	-display none -monitor none -serial file:$OUT -kernel $G" 2> "$OUT.err" &
vmm=$!

spinning() { grep -q 'guest: spinning' "$OUT"; }
if poll spinning; then
	ktap_test_pass "the guest runs under KVM in the cgroup"
else
	ktap_test_fail "the guest runs under KVM in the cgroup"
	sed 's/^/# /' "$OUT" "$OUT.err"
fi
sed 's/^/# /' "$OUT"

# 2, 3: MPAM is hidden and its registers UNDEF.
if grep -q 'ID_AA64PFR0_EL1.MPAM=0' "$OUT"; then
	ktap_test_pass "KVM hides MPAM from the guest (ID_AA64PFR0_EL1.MPAM=0)"
else
	ktap_test_fail "KVM hides MPAM from the guest (ID_AA64PFR0_EL1.MPAM=0)"
fi
# MPAM1_EL1 and MPAM0_EL1 are trapped by MPAM2_EL2.TRAPMPAM{1,0}EL1, which
# every MPAM implementation has. MPAMIDR_EL1 can only be trapped through
# MPAMHCR_EL2 (MPAMIDR.HAS_HCR, bit 17) or MPAM2_EL2.TIDR (MPAMIDR.HAS_TIDR,
# bit 58, MPAM v1.1), and KVM uses whichever the CPU has.  The server
# profile's CPUs have HAS_TIDR, so there the read must UNDEF; on a CPU with
# neither the guest can read MPAMIDR_EL1 and nothing can stop it.
n=$(grep -c 'MPAM[01]_EL1 \(read\|write\): UNDEF (ESR 0x0000000002' "$OUT")
idr=$(sed -n 's/.*MPAMIDR_EL1 read: \(.*\)/\1/p' "$OUT")
profile=$(mpam-host profile)
if grep -q 'MPAMIDR_EL1 read: UNDEF (ESR 0x0000000002' "$OUT"; then
	idr_ok=1
	ktap_print_msg "MPAMIDR_EL1 trapped ($profile profile)"
elif [ "$profile" = server ]; then
	idr_ok=
	ktap_print_msg "MPAMIDR_EL1 readable by the guest ($idr) although the server profile's CPUs have HAS_TIDR"
else
	# The value the guest read is the CPU's: neither trap may exist.
	v=${idr#ok, value }
	case $v in
	0x*) [ $(( (v >> 17) & 1 )) = 0 ] && [ $(( (v >> 58) & 1 )) = 0 ] &&
		idr_ok=1 || idr_ok= ;;
	*) idr_ok= ;;
	esac
	ktap_print_msg "MPAMIDR_EL1 readable by the guest ($idr): without HAS_HCR and HAS_TIDR nothing traps it"
fi
if [ "$n" = 3 ] && [ -n "$idr_ok" ]; then
	ktap_test_pass "the guest's accesses to MPAM registers UNDEF (MPAM0/1_EL1: 3 of 3)"
else
	ktap_test_fail "the guest's accesses to MPAM registers UNDEF ($n of 3, MPAMIDR: $idr)"
fi

# 4: the model sees CPU 1 at EL1 (only the guest runs at EL1: the host
# kernel is at EL2 under VHE) with the cgroup's PARTID.
guest_label() { mpam-host state | grep -q "^cpu 1: busy el=1 .*partid=$P "; }
if poll guest_label; then
	ktap_test_pass "the vCPU runs the guest at EL1 with partid $P (QEMU model)"
else
	ktap_test_fail "the vCPU runs the guest at EL1 with partid $P: $(mpam-host state | grep '^cpu 1:')"
fi
mpam-host state | grep '^cpu ' | sed 's/^/# /'

kill "$vmm"
wait "$vmm" 2> /dev/null
vmm=
rmdir "$CG"
if used_becomes "$used0"; then
	ktap_test_pass "the VMM's cgroup frees its PARTID when it goes"
else
	ktap_test_fail "the VMM's cgroup frees its PARTID when it goes"
fi
ktap_finished
