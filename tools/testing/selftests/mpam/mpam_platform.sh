#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fidelity of the emulated MPAM platform, seen through the unmodified
# upstream driver and resctrl: what resctrl offers on each profile, that a
# schemata write lands in the registers of the right MSC and PARTID as the
# QEMU model sees them, that a task carries its group's PARTID on the CPU,
# and that the monitors of a busy group grow while an idle group's do not.
# Expectations per profile are those of tools/testing/mpam/qemu/README.md;
# on kunpeng they are what the Kunpeng report (memory bandwidth MSC that
# matches no L3) says resctrl can use: L2/L3 portions, L3 CSU, no MB.
# Where the memory MSC narrows PARTIDs (server, kunpeng), resctrl has as
# many CLOSIDs as it has internal PARTIDs, mapped one to one.

. "$(dirname "$0")/mpam_lib.sh"

mpam_start
ktap_set_plan 11

ncpu=$(grep -c "^processor" /proc/cpuinfo)	# all CPUs, whatever our affinity
# mbw_50: MBW_MAX for "MB:1=50".  MAX is a fraction of 2^BWA_WD, minus
# one: 8 bits on server give 0x7f; 4 bits on scarce give a granularity of
# 7%, so resctrl rounds 50 up to 56 and the driver writes 0x8.  closids:
# the internal PARTIDs of the memory MSC, or every PARTID on scarce.
case $PROFILE in
server)  l2=ff l3=ffff nl3=1 mb=1 mbw_50=0x00007f00 mbm=1 closids=16 ;;
scarce)  l2=f l3=ff nl3=1 mb=1 mbw_50=0x00008000 mbm=1 closids=8 ;;
kunpeng) l2=ff l3=1ffff nl3=2 mb= mbw_50= mbm= closids=8 ;;
*) ktap_exit_fail_msg "unknown profile $PROFILE" ;;
esac
busy= G=$RESCTRL/busy I=$RESCTRL/idle
cleanup() {
	[ -z "$busy" ] || kill "$busy" 2> /dev/null
	rmdir "$G" "$I" 2> /dev/null
	umount "$RESCTRL" 2> /dev/null
}
trap cleanup EXIT

# 1: resctrl mounts on the emulated platform.
if mount -t resctrl none "$RESCTRL"; then
	ktap_test_pass "$PROFILE: resctrl mounts"
else
	ktap_exit_fail_msg "$PROFILE: resctrl does not mount"
fi
mkdir "$G" "$I" || ktap_exit_fail_msg "cannot create resctrl groups"

# 2: the schemata: one L2 domain per CPU (ids 100 + cpu in the PPTT),
# every L3, and MB only where the driver found an MSC it can use for it.
want_l2= want_l3=
i=0
while [ $i -lt "$ncpu" ]; do
	want_l2="$want_l2${want_l2:+;}$((100 + i))=$l2"
	i=$((i + 1))
done
i=1
while [ $i -le $nl3 ]; do
	want_l3="$want_l3${want_l3:+;}$i=$l3"
	i=$((i + 1))
done
want="L2:$want_l2 L3:$want_l3${mb:+ MB:1=100}"
got=$(sed 's/^ *//' "$G/schemata" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
for r in L2:l2:cache.portion L3:l3:cache.portion MB:l3:bw.max; do
	feature resctrl "${r#*:}" "$(yesno grep -q "^ *${r%%:*}:" "$G/schemata")"
done
for f in l3:cache.max mem:bw.max mem:bw.min; do
	feature resctrl "$f" no	# no schemata resource for them
done
if [ "$got" = "$want" ]; then
	ktap_test_pass "$PROFILE: schemata is $want"
else
	ktap_print_msg "schemata: got '$got', want '$want'"
	ktap_test_fail "$PROFILE: schemata"
fi

# 3: the monitors: llc_occupancy on every L3, mbm_total_bytes only where
# the memory MSC matches the L3s.
want= i=1
while [ $i -le $nl3 ]; do
	want="$want mon_L3_0$i:llc_occupancy${mbm:+,mbm_total_bytes}"
	i=$((i + 1))
done
got=
for d in "$G"/mon_data/*; do
	files=$(ls "$d" | grep -E '^(llc_occupancy|mbm_total_bytes|mbm_local_bytes)$')
	got="$got ${d##*/}:$(echo "$files" | tr '\n' , | sed 's/,$//')"
done
case $got in *llc_occupancy*) v=yes ;; *) v=no ;; esac
feature resctrl l3:occupancy $v
case $got in *mbm_total_bytes*) v=yes ;; *) v=no ;; esac
feature resctrl l3:bytes $v
for f in l2:occupancy l2:bytes mem:occupancy mem:bytes; do
	d=$RESCTRL/info/$(echo "${f%%:*}" | tr a-z A-Z)_MON
	feature resctrl "$f" "$(yesno [ -d "$d" ])"
done
if [ "$got" = "$want" ]; then
	ktap_test_pass "$PROFILE: monitors are$want"
else
	ktap_print_msg "mon_data: got '$got', want '$want'"
	ktap_test_fail "$PROFILE: monitors"
fi

# 4: an L3 portion goes to the CPBM of that L3's MSC, for the group's
# PARTID, and to no other L3.
l3id=$(schemata_ids L3 "$G/schemata" | tail -1)
l3msc=$(msc_index "cache L3 id=$l3id")
echo "L3:$l3id=f" > "$G/schemata"
partid=$(msc_partids_with "$l3msc" cpbm 0xf)
others=
for id in $(schemata_ids L3 "$G/schemata"); do
	[ "$id" = "$l3id" ] && continue
	m=$(msc_index "cache L3 id=$id")
	others="$others$(msc_ctl "$m" "$partid" cpbm)"
done
if [ -n "$l3msc" ] && [ "$(echo "$partid" | wc -w)" = 1 ] && [ -z "$others" ]; then
	ktap_test_pass "$PROFILE: L3:$l3id=f sets CPBM 0xf of PARTID $partid on msc$l3msc only"
else
	ktap_print_msg "L3 id $l3id is mpam-msc'$l3msc'; PARTIDs with CPBM 0xf: '$partid'"
	ktap_print_msg "other L3s: '$others'"
	mpam-host state | sed 's/^/# /'
	ktap_exit_fail_msg "$PROFILE: L3 CPBM not programmed as written"
fi

# 5: an L2 portion goes to that CPU's L2 MSC only.
l2id=$(schemata_ids L2 "$G/schemata" | tail -1)
l2msc=$(msc_index "cache L2 id=$l2id")
echo "L2:$l2id=3" > "$G/schemata"
got=$(msc_ctl "$l2msc" "$partid" cpbm)
first=$(msc_ctl "$(msc_index "cache L2 id=100")" "$partid" cpbm)
if [ -n "$l2msc" ] && [ "$got" = 0x3 ] && [ -z "$first" ]; then
	ktap_test_pass "$PROFILE: L2:$l2id=3 sets CPBM 0x3 of PARTID $partid on msc$l2msc only"
else
	ktap_print_msg "L2 id $l2id is mpam-msc'$l2msc': CPBM '$got'; L2 id 100: '$first'"
	ktap_test_fail "$PROFILE: L2 CPBM"
fi

# 6: a bandwidth limit goes to MBW_MAX of the L3's MSC, where the driver
# places MB on these profiles; on kunpeng there is no MB at all.
if [ -z "$mb" ]; then
	if [ ! -e "$RESCTRL/info/MB" ] && ! grep -q MB "$G/schemata"; then
		ktap_test_pass "$PROFILE: no MB resource (the memory MSC matches no L3)"
	else
		ktap_test_fail "$PROFILE: resctrl offers MB"
	fi
else
	echo "MB:1=50" > "$G/schemata"
	got=$(msc_ctl "$l3msc" "$partid" mbw_max)
	if [ "$got" = "$mbw_50" ]; then
		ktap_test_pass "$PROFILE: MB:1=50 sets MBW_MAX $got of PARTID $partid on msc$l3msc"
	else
		ktap_print_msg "MBW_MAX of PARTID $partid on msc$l3msc: got '$got', want $mbw_50"
		ktap_test_fail "$PROFILE: MB to MBW_MAX"
	fi
fi

# 7: a task of the group, pinned to CPU 1, makes CPU 1 carry the group's
# PARTID (the arm64 context switch writes MPAM0/MPAM1_EL1).
busy=$(busy_loop 1)
echo "$busy" > "$G/tasks"
label= i=0
while [ $i -lt 10 ]; do
	label=$(cpu_label 1)
	[ "$label" = "partid=$partid pmg=0" ] && break
	sleep 0.2
	i=$((i + 1))
done
if [ "$label" = "partid=$partid pmg=0" ]; then
	ktap_test_pass "$PROFILE: a task of the group runs on CPU 1 as $label"
else
	ktap_print_msg "CPU 1 carries '$label', want 'partid=$partid pmg=0'"
	ktap_test_fail "$PROFILE: task label on the CPU"
fi

# 8, 9: the busy group's monitors grow, the idle group's stay near zero.
# Linux zeroes an MBWU counter on its first read, and starts reading
# within about a second of mkdir: let that pass before the first sample.
mon=mon_L3_$(printf %02d "$(cat /sys/devices/system/cpu/cpu1/cache/index3/id)")
sleep 2
b0=$(cat "$G/mon_data/$mon/mbm_total_bytes" 2> /dev/null || echo 0)
i0=$(cat "$I/mon_data/$mon/mbm_total_bytes" 2> /dev/null || echo 0)
sleep 2
bocc=$(cat "$G/mon_data/$mon/llc_occupancy")
iocc=$(cat "$I/mon_data/$mon/llc_occupancy")
ktap_print_msg "$mon llc_occupancy: busy $bocc, idle $iocc"
if [ "$bocc" -gt 0 ] && [ $((iocc * 100)) -le "$bocc" ]; then
	ktap_test_pass "$PROFILE: llc_occupancy of a busy group grows, an idle one's stays low"
else
	ktap_test_fail "$PROFILE: llc_occupancy"
fi
if [ -z "$mbm" ]; then
	if [ ! -e "$G/mon_data/$mon/mbm_total_bytes" ]; then
		ktap_test_pass "$PROFILE: no mbm_total_bytes (the memory MSC matches no L3)"
	else
		ktap_test_fail "$PROFILE: resctrl offers mbm_total_bytes"
	fi
else
	b1=$(cat "$G/mon_data/$mon/mbm_total_bytes")
	i1=$(cat "$I/mon_data/$mon/mbm_total_bytes")
	# With few MBWU monitors (scarce) the idle group may get none:
	# resctrl then says "Unassigned", which counts as not growing.
	case $i0$i1 in *[!0-9]*) ktap_print_msg "idle group: $i0, $i1"; i0=0 i1=0 ;; esac
	ktap_print_msg "$mon mbm_total_bytes in 2 s: busy $b0 -> $b1, idle $i0 -> $i1"
	if [ $((b1 - b0)) -gt 1000000 ] && [ $(((i1 - i0) * 100)) -le $((b1 - b0)) ]; then
		ktap_test_pass "$PROFILE: mbm_total_bytes: a busy group's grows, an idle one's not"
	else
		ktap_test_fail "$PROFILE: mbm_total_bytes"
	fi
fi

# 10: resctrl's CLOSIDs fit the internal PARTIDs of a memory MSC that
# narrows, which maps each of them to its own intPARTID; the others map
# to intPARTID 0 (the model lists the request PARTIDs on another one).
memmsc=$(msc_index memory)
hdr=$(mpam-host state "$memmsc" | head -n 1)
map=$(mpam-host state "$memmsc" | sed -n 's/^ *intpartids: //p')
case $hdr in *intpartid_max=*) nrw=yes ;; *) nrw=no ;; esac
want= i=1
while [ "$nrw" = yes ] && [ $i -lt $closids ]; do
	want="$want${want:+ }$i=$i"
	i=$((i + 1))
done
got=$(cat "$RESCTRL/info/L3/num_closids")
feature resctrl mem:partid-narrowing no	# one to one: it only has fewer CLOSIDs
if [ "$got" = "$closids" ] && [ "$map" = "$want" ]; then
	ktap_test_pass "$PROFILE: $got CLOSIDs${want:+, mapped one to one on msc$memmsc}"
else
	ktap_print_msg "num_closids $got, want $closids; msc$memmsc maps '$map', want '$want'"
	ktap_test_fail "$PROFILE: CLOSIDs and the memory MSC's map"
fi

# 11: unmounting lets the monitors go.  The busy group's RMID goes to
# limbo, whose handler would read its occupancy once a second until the
# lines are evicted: it must stop with the file system, since the mpam
# cgroup controller may have the monitors by then.  Nothing else reads
# an L3 MSC here, so their access counts may not move after umount.
l3_accesses() {
	for n in $(mpam-host state | awk '/^mpam-msc/ { n = substr($1, 9) }
					  / ris 0: cache L3 / { print n }'); do
		mpam-host state "$n" | sed -n 's/.* accesses=\([0-9]*\).*/\1/p'
	done | tr '\n' ' '
}
umount "$RESCTRL"
a0=$(l3_accesses)
sleep 2.5
a1=$(l3_accesses)
ktap_print_msg "L3 MSC accesses after umount: $a0, 2.5 s later: $a1"
if [ -n "$a0" ] && [ "$a0" = "$a1" ]; then
	ktap_test_pass "$PROFILE: nothing reads an L3 monitor after umount"
else
	ktap_test_fail "$PROFILE: resctrl reads monitors after umount"
fi

ktap_finished
