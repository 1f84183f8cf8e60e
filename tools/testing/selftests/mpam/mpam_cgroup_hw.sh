#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The mpam cgroup controller on the emulated MPAM platform: every knob
# lands in the registers of the right MSC for the cgroup's PARTID (read
# back from the QEMU model with mpam-host), the statistics of a busy cgroup
# grow while an idle one's do not, a bandwidth cap lowers the modelled
# bandwidth of one cgroup against another's, byte counters are assigned
# up to what the hardware has, and configuration and counters survive
# taking a CPU offline and back.  Per profile, see
# tools/testing/mpam/qemu/README.md.  Lines "# feature: PROFILE cgroup
# FEATURE yes|no" feed the feature table of the README.

. "$(dirname "$0")/mpam_lib.sh"

mpam_start
mpam_cgroup_start
ktap_set_plan 19

# Knobs and the register values they must give, per profile: "file line
# msc-description register value".  The fixed-point values follow
# Documentation/admin-guide/cgroup-v2-mpam.rst: a limit of p % at w bits
# is (ceil(p * 2^w / 100) - 1) << (16 - w), a minimum ceil(p * 2^w / 100)
# << (16 - w).  12.5 and 12.6 give other values than 12 and 13 would.
case $PROFILE in
server)
	knobs="cache.portion|l3 f|cache L3 id=1|cpbm|0xf
cache.portion|l2:101 3|cache L2 id=101|cpbm|0x3
cache.max|l3 50|cache L3 id=1|cmax|0x7f00
bw.max|l3 50|cache L3 id=1|mbw_max|0x00007f00
bw.max|mem 25|memory|mbw_max|0x00003f00
bw.max|mem 12.5|memory|mbw_max|0x00001f00
bw.min|mem 10|memory|mbw_min|0x1a00"
	changes="cache.portion|l3 f|l3 3|cache L3 id=1
bw.max|mem 25|mem 30|memory"
	;;
kunpeng)
	knobs="cache.portion|l3:2 10000|cache L3 id=2|cpbm|0x10000
cache.portion|l2:101 3|cache L2 id=101|cpbm|0x3
bw.max|mem 50|memory|mbw_max|0x00007e00
bw.max|mem 12.6|memory|mbw_max|0x00002000"
	changes="cache.portion|l3:2 10000|l3:2 0f000|cache L3 id=2
bw.max|mem 50|mem 40|memory"
	;;
scarce)
	knobs="cache.portion|l3 f|cache L3 id=1|cpbm|0xf
cache.portion|l2:101 3|cache L2 id=101|cpbm|0x3
bw.max|l3 50|cache L3 id=1|mbw_max|0x00007000
bw.max|mem 25|memory|mbw_max|0x00003000"
	changes="cache.portion|l3 f|l3 3|cache L3 id=1
bw.max|mem 25|mem 30|memory"
	;;
*) ktap_exit_fail_msg "unknown profile $PROFILE" ;;
esac

pids=
cleanup() {
	for p in $pids; do kill "$p" 2> /dev/null; done
	sleep 0.2
	for d in "$CG"/hw_*/*/ "$CG"/hw_*/*/ "$CG"/hw_*; do
		[ -d "$d" ] && rmdir "$d" 2> /dev/null
	done
	echo 1 > /sys/devices/system/cpu/cpu1/online 2> /dev/null
}
trap cleanup EXIT


partid_of() {	# cgroup
	awk '$1 == "partid" { print $2 }' "$1/mpam.partition"
}

# Key $3 of component $2 in the nested-keyed text on stdin.
key_of() {
	awk -v c="$1" -v k="$2=" '$1 == c {
		for (i = 2; i <= NF; i++)
			if (index($i, k) == 1)
				print substr($i, length(k) + 1)
	}'
}

stat_of() {	# cgroup component key: the figure, or nothing
	read_stat "$1" | key_of "$2" "$3"
}

state_of() {	# cgroup component key: ok, shared, unassigned, not_ready
	key_of "$2" "$3" < "$1/mpam.stat.state"
}

# The first component of class $2 in the mpam.stat.state of $1.
first_comp() {
	awk -v c="$2" 'index($1, c ":") == 1 { print $1; exit }' "$1/mpam.stat.state"
}

# The sum of $3 (occupancy, bytes) over the components of class $2 in
# the mpam.stat of $1; nothing unless every component has the figure.
sum_of() {
	read_stat "$1" > /tmp/hw_stat.$$
	awk -v c="$2:" -v k="$3=" 'FILENAME != ARGV[1] && index($1, c) == 1 {
		for (i = 2; i <= NF; i++) {
			if (index($i, k) == 1) {
				sum += substr($i, length(k) + 1)
				got++
			}
		}
	}
	FILENAME == ARGV[1] && index($1, c) == 1 {
		for (i = 2; i <= NF; i++)
			if (index($i, k) == 1)
				n++
	} END { if (n && got == n) print sum }' "$1/mpam.stat.state" /tmp/hw_stat.$$
	rm -f /tmp/hw_stat.$$
}

bytes_of() {	# cgroup class: the bytes of every component of the class
	v=$(sum_of "$1" "$2" bytes)
	echo "${v:-0}"
}

event_of() {	# cgroup event
	awk -v e="$2" '$1 == e { print $2 }' "$1/mpam.events"
}

# Start a busy loop on CPU $2 in cgroup $1.
busy_in() {
	p=$(busy_loop "$2")
	echo "$p" > "$1/cgroup.procs" || ktap_print_msg "cannot move $p to $1"
	pids="$pids $p"
}

# A component line, even one that restricts nothing, gives the cgroup a
# PARTID of its own and so a monitoring identity of its own: the platform
# has too few PMGs (2 on scarce) for every cgroup to get one.
own_partition() {
	echo "mem:0 100" > "$1/mpam.bw.max" ||
		ktap_print_msg "cannot give $1 a partition of its own"
}

# Assign byte counters of every class that has one free to $1.
all_counters() {
	for c in $(awk '{ sub(/:.*/, "", $1); print $1 }' "$1/mpam.counters" | uniq); do
		echo "$c on" > "$1/mpam.counters" 2> /dev/null
	done
}

idle_in() {
	sleep 1000 &
	echo $! > "$1/cgroup.procs"
	pids="$pids $!"
}

# The first class in mpam.counters of $1 on which a counter can be had
# for every component: the driver may have given resctrl another class's.
counter_class() {
	for c in $(awk '{ sub(/:.*/, "", $1); print $1 }' "$1/mpam.counters" | uniq); do
		if echo "$c on" > "$1/mpam.counters" 2> /dev/null; then
			echo "$c off" > "$1/mpam.counters"
			echo "$c"
			return
		fi
	done
}

# 1: every knob reaches its MSC, for the cgroup's PARTID only.
A=$CG/hw_a
mkdir "$A" || ktap_exit_fail_msg "cannot create $A"
bad=0
echo "$knobs" > /tmp/knobs
while IFS='|' read -r file line what reg want; do
	if ! echo "$line" > "$A/mpam.$file"; then
		ktap_print_msg "writing '$line' to mpam.$file failed"
		bad=1
		continue
	fi
	msc=$(msc_index "$what")
	partid=$(partid_of "$A")
	got=$(msc_ctl "$msc" "$partid" "$reg")
	if [ "$got" != "$want" ]; then
		msg="mpam.$file '$line': mpam-msc$msc ($what)"
		ktap_print_msg "$msg PARTID $partid $reg=$got, want $want"
		bad=1
	fi
done < /tmp/knobs
for f in cache.portion cache.max bw.max bw.min; do
	for c in l2 l3 mem; do
		if grep -q "^$c " "$A/mpam.$f"; then
			feature cgroup "$c:$f" yes
		else
			feature cgroup "$c:$f" no
		fi
	done
done
if [ $bad = 0 ]; then
	ktap_test_pass "$PROFILE: every knob reaches its MSC register for PARTID $(partid_of "$A")"
else
	mpam-host state | sed 's/^/# /'
	ktap_test_fail "$PROFILE: knobs and registers disagree"
fi

# 19: changing one control of a partition costs the accesses it needs:
# PART_SEL, then the control's register (no portion bitmap here is wider
# than one word).  The model counts every access to an MSC; nothing
# polls them at this point, which an idle second before shows.
changes_ok=0 changes_msg=
echo "$changes" > /tmp/changes
while IFS='|' read -r file one two what; do
	msc=$(msc_index "$what")
	m0=$(mpam-host access-count "$msc")
	sleep 1
	m1=$(mpam-host access-count "$msc")
	for i in 1 2 3 4 5; do
		echo "$two" > "$A/mpam.$file" && echo "$one" > "$A/mpam.$file" ||
			ktap_print_msg "writing mpam.$file failed"
	done
	m2=$(mpam-host access-count "$msc")
	per=$(( (m2 - m1) / 10 ))
	changes_msg="$changes_msg mpam.$file $per (idle $((m1 - m0)));"
	[ "$per" = 2 ] || changes_ok=1
done < /tmp/changes
if [ -z "$changes_msg" ]; then
	ktap_test_fail "$PROFILE: no control change to count accesses of"
elif [ $changes_ok = 0 ]; then
	ktap_test_pass "$PROFILE: a control change writes PART_SEL and the control:$changes_msg"
else
	ktap_test_fail "$PROFILE: accesses per control change, want 2:$changes_msg"
fi

# 2: a task of the cgroup carries its PARTID on the CPU.
busy_in "$A" 1
sleep 0.5
label=$(cpu_label 1)
if [ "$label" = "partid=$(partid_of "$A") pmg=0" ]; then
	ktap_test_pass "$PROFILE: CPU 1 runs with the cgroup's label ($label)"
else
	ktap_test_fail "$PROFILE: CPU 1 label '$label', want partid=$(partid_of "$A") pmg=0"
fi

# 3: while resctrl is not mounted, every class with byte counters lends
# the controller one: resctrl holds its counters only while it is mounted.
listed=$(awk '{ sub(/:.*/, "", $1); print $1 }' "$A/mpam.counters" | uniq)
missing=
for c in l2 l3 mem; do
	if echo "$c on" > "$A/mpam.counters" 2> /dev/null; then
		echo "$c off" > "$A/mpam.counters"
		feature cgroup "$c:counter-assignment" yes
	else
		feature cgroup "$c:counter-assignment" no
		! echo "$listed" | grep -qx "$c" || missing="$missing $c"
	fi
done
if grep -q " $RESCTRL " /proc/mounts; then
	ktap_test_skip "$PROFILE: resctrl is mounted and may hold the counters"
elif [ -z "$missing" ]; then
	names=$(echo "$listed" | tr '\n' ' ')
	ktap_test_pass "$PROFILE: every class with byte counters lends one (${names% })"
else
	ktap_test_fail "$PROFILE: no byte counter for the controller on$missing"
fi

# 4: counters up to what the hardware has, then ENOSPC and no_monitor.
cls=$(counter_class "$A")
if [ -z "$cls" ]; then
	ktap_test_skip "$PROFILE: no class with byte counters left for the controller"
else
	n=$(awk -v c="$cls" 'index($1, c ":") == 1 { sub(/.* bytes=/, ""); print $1 + 0; exit }' \
		"$CG/mpam.capacity")
	ok=0 refused=0 i=1
	while [ $i -le 5 ]; do
		mkdir "$CG/hw_c$i"
		own_partition "$CG/hw_c$i"
		if echo "$cls on" > "$CG/hw_c$i/mpam.counters" 2> /tmp/err; then
			ok=$((ok + 1))
		elif grep -q "No space left" /tmp/err; then
			refused=$((refused + 1))
		fi
		i=$((i + 1))
	done
	want_ok=$n
	[ "$want_ok" -le 5 ] || want_ok=5
	first=$(first_comp "$CG/hw_c1" "$cls")
	unassigned=0
	[ "$n" -ge 5 ] || { [ "$(state_of "$CG/hw_c5" "$first" bytes)" = unassigned ] &&
			    [ -z "$(stat_of "$CG/hw_c5" "$first" bytes)" ]; } ||
		unassigned=1
	events=$(event_of "$CG/hw_c5" no_monitor)
	if [ $ok = "$want_ok" ] && [ $refused = $((5 - want_ok)) ] && [ $unassigned = 0 ] &&
	   { [ "$n" -ge 5 ] || [ "$events" -ge 1 ]; }; then
		msg="$PROFILE: $cls: $ok of 5 cgroups got one of $n counters,"
		ktap_test_pass "$msg $refused ENOSPC"
	else
		ktap_print_msg "ok $ok refused $refused of 5, $n counters, no_monitor $events"
		ktap_test_fail "$PROFILE: counter assignment on $cls"
	fi
	i=1
	while [ $i -le 5 ]; do rmdir "$CG/hw_c$i"; i=$((i + 1)); done
fi

# 5: a busy cgroup's statistics grow, an idle one's do not.
B=$CG/hw_busy I=$CG/hw_idle
mkdir "$B" "$I"
own_partition "$B"
own_partition "$I"
all_counters "$B"
all_counters "$I"
busy_in "$B" 0
idle_in "$I"
sleep 2
ktap_print_msg "busy: $(read_stat "$B" | tr '\n' ';')"
ktap_print_msg "idle: $(read_stat "$I" | tr '\n' ';')"
# Per class, summed over its components: the busy task runs behind one
# L2 and one L3, and the idle one may have run briefly anywhere.
bad=0 checked=0 grew=
for c in l2 l3 mem; do
	for key in occupancy bytes; do
		b=$(sum_of "$B" "$c" $key)
		i=$(sum_of "$I" "$c" $key)
		[ -n "$b" ] && [ -n "$i" ] || continue
		checked=$((checked + 1))
		[ "$b" -le 0 ] || grew="$grew $c:$key"
		if [ "$b" -le 0 ] || [ "$i" -gt $((b / 10)) ]; then
			ktap_print_msg "$c $key: busy $b, idle $i"
			bad=1
		fi
	done
done
for c in l2 l3 mem; do
	for key in occupancy bytes; do
		case "$grew " in
		*" $c:$key "*) feature cgroup "$c:$key" yes ;;
		*) feature cgroup "$c:$key" no ;;
		esac
	done
done
if [ $checked -gt 0 ] && [ $bad = 0 ]; then
	ktap_test_pass "$PROFILE: $checked statistics of the busy cgroup grow, the idle one's not"
else
	ktap_test_fail "$PROFILE: busy and idle statistics ($checked compared)"
fi

# 6: releasing one cgroup's counter does not disturb another's.
if [ -z "$cls" ]; then
	ktap_test_skip "$PROFILE: no byte counters"
else
	comp=$(first_comp "$B" "$cls")
	before=$(stat_of "$B" "$comp" bytes)
	echo "$cls off" > "$I/mpam.counters"
	# Counting goes on meanwhile: the poll reads every counter.
	sleep 0.5
	after=$(stat_of "$B" "$comp" bytes)
	if [ "$(state_of "$I" "$comp" bytes)" = unassigned ] &&
	   [ -z "$(stat_of "$I" "$comp" bytes)" ] && [ "$after" -ge "$before" ]; then
		msg="$PROFILE: idle's counter released,"
		ktap_test_pass "$msg busy's kept counting ($before -> $after)"
	else
		ktap_test_fail "$PROFILE: busy's counter $before -> $after after idle's release"
	fi
fi
# Give the counters back for the next test (2 in all on scarce).
for c in l2 l3 mem; do
	echo "$c off" > "$B/mpam.counters" 2> /dev/null
	echo "$c off" > "$I/mpam.counters" 2> /dev/null
done

# 7: a bandwidth cap lowers one cgroup's modelled bandwidth against
# another's running beside it.
if [ -z "$cls" ]; then
	ktap_test_skip "$PROFILE: no byte counters to compare bandwidth with"
else
	F=$CG/hw_fast S=$CG/hw_slow
	mkdir "$F" "$S"
	own_partition "$F"
	echo "mem 10" > "$S/mpam.bw.max"
	echo "$cls on" > "$F/mpam.counters"
	echo "$cls on" > "$S/mpam.counters"
	busy_in "$F" 0
	busy_in "$S" 1
	sleep 2
	# Over every component of the class: on kunpeng each runs behind
	# the L2 of its own CPU.
	f=$(bytes_of "$F" "$cls")
	s=$(bytes_of "$S" "$cls")
	ktap_print_msg "$cls bytes: uncapped $f, capped at 10% $s"
	if [ "$f" -gt 0 ] && [ $((s * 2)) -lt "$f" ]; then
		feature cgroup mem:bw.max-lowers-bandwidth yes
		msg="$PROFILE: bw.max 10 cuts $cls bytes to"
		ktap_test_pass "$msg $((s * 100 / f))% of the uncapped cgroup's"
	else
		feature cgroup mem:bw.max-lowers-bandwidth no
		ktap_test_fail "$PROFILE: bw.max did not lower the capped cgroup's bytes"
	fi
fi

# 7, 8: CPU 1 offline and back: the MSC of its L2 is reset and must be
# programmed again, and the counters keep counting.
hotplug() {
l2msc=$(msc_index "cache L2 id=101")
pa=$(partid_of "$A")
comp=
[ -z "$cls" ] || comp=$(first_comp "$F" "$cls")
[ -z "$comp" ] || before=$(stat_of "$F" "$comp" bytes)
echo 0 > /sys/devices/system/cpu/cpu1/online
off=$(msc_ctl "$l2msc" "$pa" cpbm)
sleep 0.5
echo 1 > /sys/devices/system/cpu/cpu1/online
sleep 0.5
on=$(msc_ctl "$l2msc" "$pa" cpbm)
ktap_print_msg "L2 101 PARTID $pa cpbm: offline '$off', online again '$on'"
if [ "$on" = 0x3 ] && [ "$(msc_ctl "$(msc_index "cache L3 id=1")" "$pa" cpbm)" = \
	"$(echo "$knobs" | awk -F'|' '$3 == "cache L3 id=1" && $4 == "cpbm" { print $5 }')" ]; then
	ktap_test_pass "$PROFILE: CPU 1 offline and online: its L2's configuration is back"
else
	ktap_test_fail "$PROFILE: configuration lost over CPU hotplug"
fi
if [ -z "$comp" ]; then
	ktap_test_skip "$PROFILE: no byte counters"
else
	sleep 1
	after=$(stat_of "$F" "$comp" bytes)
	if [ "$after" -gt "$before" ]; then
		msg="$PROFILE: $comp bytes kept counting over hotplug"
		ktap_test_pass "$msg ($before -> $after)"
	else
		ktap_test_fail "$PROFILE: $comp bytes $before -> $after over hotplug"
	fi
fi
}
if [ -w /sys/devices/system/cpu/cpu1/online ]; then
	hotplug
else
	ktap_test_skip "$PROFILE: CPU 1 cannot be taken offline"
	ktap_test_skip "$PROFILE: CPU 1 cannot be taken offline"
fi

# The bytes of class $cls that the counters of cgroups $2... count in $1
# seconds, busy loops running.
count_for() {
	t=$1
	shift
	# The busy tasks wait while the counters are read, so that every
	# counter counts the same $t seconds however long a read takes.
	for p in $pids; do kill -STOP "$p"; done
	b0=0
	for c in "$@"; do b0=$((b0 + $(bytes_of "$c" "$cls"))); done
	for p in $pids; do kill -CONT "$p"; done
	sleep "$t"
	for p in $pids; do kill -STOP "$p"; done
	b1=0
	for c in "$@"; do b1=$((b1 + $(bytes_of "$c" "$cls"))); done
	for p in $pids; do kill -CONT "$p"; done
	echo $((b1 - b0))
}

# The sum of the values of mpam.$2.effective of cgroups $3... on the
# components of class $1, in hundredths of a percent.
effective_sum() {
	what=$1 file=$2
	shift 2
	for c in "$@"; do cat "$c/mpam.$file.effective"; done |
		awk -v c="$what:" 'index($1, c) == 1 { split($2, v, "."); s += v[1] * 100 + v[2] }
			END { print s + 0 }'
}

stop_busy() {
	for p in $pids; do kill "$p" 2> /dev/null; done
	pids=
	sleep 0.2
}

# 10: nothing in a subtree escapes its limit.  P has "mem 20".  Two busy
# tasks run in an unconfigured child of P, then in two children that each
# have a cache portion, and with it a partition of their own: the
# subtree's bytes in the same time may not grow.  Before the partitions
# below a limit shared it, the second case gave 195 %.  The memory MSC's
# counters count, where it has them: that is where the limit is.  Up to
# 110 % passes: the same run measured 98 % to 108 % on server under load.
# 11: then one child alone is busy.  Where the memory MSC narrows PARTIDs
# (the model says intpartid_max=), the three partitions must run under one
# regulator (mpam.partition says intpartid=) and it gets all of P's bytes;
# elsewhere P's limit is divided and it gets its share, what its
# mpam.bw.max.effective says.
# 12: the effective files say which applies: the same shared regulator
# for the three, or shares that sum to no more than P's limit.
stop_busy
hcls=$cls
grep -q '^mem:' "$CG/mpam.counters" 2> /dev/null && hcls=mem
# The PARTIDs and counters of the earlier tests' cgroups go back: scarce
# has 7 PARTIDs and 2 counters per component.
for d in "$B" "$I" "$F" "$S"; do
	[ -d "$d" ] || continue
	for c in l2 l3 mem; do echo "$c off" > "$d/mpam.counters" 2> /dev/null; done
	for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2> /dev/null && break; sleep 0.2; done
done
portion=$(awk '/ portions=/ { sub(/:.*/, "", $1); print $1; exit }' "$CG/mpam.capacity")
P=$CG/hw_p
mkdir "$P" && echo +mpam > "$P/cgroup.subtree_control"
if [ -z "$hcls" ] || [ -z "$portion" ] ||
   ! grep -q '^mem:.* bw.max.steps=' "$CG/mpam.capacity"; then
	for i in 1 2 3; do
		ktap_test_skip "$PROFILE: needs byte counters, mem:bw.max and portions"
	done
else
	cls_was=$cls cls=$hcls
	echo "mem 20" > "$P/mpam.bw.max"
	mkdir "$P/u" "$P/c1" "$P/c2"
	alone=$(effective_sum mem bw.max "$P/u")
	echo "$cls on" > "$P/u/mpam.counters" || ktap_print_msg "no counter for $P/u"
	busy_in "$P/u" 0
	busy_in "$P/u" 1
	sleep 0.5
	one=$(count_for 2 "$P/u")
	stop_busy
	echo "$cls off" > "$P/u/mpam.counters"
	own=0
	for c in c1 c2; do
		echo "$portion 1" > "$P/$c/mpam.cache.portion" && own=$((own + 1)) ||
			ktap_print_msg "cannot give $P/$c a portion"
		echo "$cls on" > "$P/$c/mpam.counters" || ktap_print_msg "no counter for $P/$c"
	done
	busy_in "$P/c1" 0
	busy_in "$P/c2" 1
	sleep 0.5
	two=$(count_for 2 "$P/c1" "$P/c2")
	stop_busy
	busy_in "$P/c1" 0
	sleep 0.5
	solo=$(count_for 2 "$P/c1")
	stop_busy
	cls=$cls_was
	shared=$(effective_sum mem bw.max "$P/u" "$P/c1" "$P/c2")
	mine=$(effective_sum mem bw.max "$P/c1")
	regs=$(for c in "$P" "$P/c1" "$P/c2"; do
		awk '/^mem:/ { for (i = 2; i <= NF; i++) if ($i ~ /^intpartid=/) print $1, $i }' \
			"$c/mpam.partition"
	done | sort -u | tr '\n' ' ')
	case $regs in *intpartid=*) nrw=yes ;; *) nrw=no ;; esac
	# What the model's memory MSC has: a controller that stopped using
	# narrowing where the hardware has it fails, whatever it measures.
	mpam-host state "$(msc_index memory)" | grep -q ' intpartid_max=' &&
		hw_nrw=yes || hw_nrw=no
	ktap_print_msg "$hcls bytes in 2 s: one partition $one, two more below it $two,"
	ktap_print_msg "  one of them alone $solo"
	ktap_print_msg "mem bw.max effective: P alone $alone, P and both children $shared,"
	ktap_print_msg "  one child $mine"
	ktap_print_msg "regulators of P and both children: ${regs:-none}"
	ktap_print_msg "  the memory MSC narrows PARTIDs: $hw_nrw"
	if [ "$own" = 2 ] && [ "$one" -gt 0 ] && [ $((two * 100)) -le $((one * 110)) ]; then
		feature cgroup mem:bw.max-contains-subtree yes
		msg="$PROFILE: the subtree of a mem 20 limit got $((two * 100 / one))%"
		ktap_test_pass "$msg with two more partitions"
	else
		feature cgroup mem:bw.max-contains-subtree no
		msg="$PROFILE: the subtree of a mem 20 limit escaped it"
		ktap_test_fail "$msg ($one -> $two bytes)"
	fi
	pct=$((solo * 100 / (one > 0 ? one : 1)))
	want=$((mine * 100 / (alone > 0 ? alone : 1)))
	if [ "$nrw" = yes ]; then
		# One regulator: the child alone has all of it, less what
		# the guest's own work on its CPU takes (halves would be 50).
		ok=$([ "$pct" -ge 70 ] && [ "$pct" -le 105 ] && echo 1)
		how="shares P's regulator: alone it got $pct% of P's bytes"
	else
		# Division: the child alone has its share only.
		ok=$([ "$want" -gt 0 ] && [ "$want" -lt 100 ] &&
		     [ $((pct * 100)) -ge $((want * 75)) ] &&
		     [ $((pct * 100)) -le $((want * 125)) ] && echo 1)
		how="has its share of P's limit: alone it got $pct% of P's bytes, its share $want%"
	fi
	feature cgroup mem:partid-narrowing "$([ "$nrw$ok" = yes1 ] && echo yes || echo no)"
	if [ "$own" = 2 ] && [ -n "$ok" ] && [ "$nrw" = "$hw_nrw" ]; then
		ktap_test_pass "$PROFILE: a busy child $how"
	else
		msg="$PROFILE: a busy child alone got $pct% of P's bytes"
		ktap_test_fail "$msg (narrowing: $nrw, in the MSC: $hw_nrw, share $want%)"
	fi
	if [ "$nrw" = yes ]; then
		# One intpartid for all three, each showing P's limit.
		ok=$([ "$(echo "$regs" | wc -w)" = 2 ] && [ "$shared" = $((3 * alone)) ] && echo 1)
		what="share one regulator ($regs) with P's $alone"
	else
		ok=$([ "$shared" -gt 0 ] && [ "$shared" -le "$alone" ] && echo 1)
		what="sum to $shared of $alone"
	fi
	if [ "$own" = 2 ] && [ -n "$ok" ]; then
		ktap_test_pass "$PROFILE: mpam.bw.max.effective of the three partitions $what"
	else
		msg="$PROFILE: mpam.bw.max.effective: $shared for the three partitions,"
		ktap_test_fail "$msg $alone alone (regulators: ${regs:-none})"
	fi
	for c in u c1 c2; do
		for k in l2 l3 mem; do echo "$k off" > "$P/$c/mpam.counters" 2> /dev/null; done
		rmdir "$P/$c"
	done
fi
rmdir "$P"

# 12: minimums are protections, as memory.min: Q protects 50 %, the three
# cgroups below it ask for 30 % each and share Q's 50 % between them; a
# limit on the cgroup I between them, without a minimum, protects nothing
# below it, and once it is gone the minimums are what they were.
Q=$CG/hw_q
if ! grep -q '^mem:.* bw.min.steps=' "$CG/mpam.capacity"; then
	ktap_test_skip "$PROFILE: no mem:bw.min"
else
	mkdir -p "$Q/i" && echo +mpam > "$Q/cgroup.subtree_control" &&
		echo +mpam > "$Q/i/cgroup.subtree_control"
	echo "mem 50" > "$Q/mpam.bw.min"
	for d in d1 d2 d3; do
		mkdir "$Q/i/$d"
		echo "mem 30" > "$Q/i/$d/mpam.bw.min"
	done
	mins=$(effective_sum mem bw.min "$Q/i/d1" "$Q/i/d2" "$Q/i/d3")
	d1=$(cat "$Q/i/d1/mpam.bw.min.effective")
	echo "mem 80" > "$Q/i/mpam.bw.max"
	under_i=$(effective_sum mem bw.min "$Q/i/d1" "$Q/i/d2" "$Q/i/d3")
	echo "mem max" > "$Q/i/mpam.bw.max"
	again=$(cat "$Q/i/d1/mpam.bw.min.effective")
	reg=$(msc_ctl "$(msc_index memory)" "$(partid_of "$Q/i/d1")" mbw_min)
	ktap_print_msg "bw.min effective of the three: $mins; under I's limit $under_i"
	ktap_print_msg "d1: '$d1', then '$again' (mbw_min $reg)"
	if [ "$mins" -gt 4000 ] && [ "$mins" -le 5000 ] && [ "$under_i" = 0 ] &&
	   [ "$d1" = "$again" ] && [ -n "$reg" ]; then
		ktap_test_pass "$PROFILE: three minimums of 30 % share the parent's 50 % ($mins)"
	else
		ktap_test_fail "$PROFILE: bw.min protections ($mins, $under_i, '$d1' / '$again')"
	fi
	for d in d1 d2 d3; do rmdir "$Q/i/$d"; done
	rmdir "$Q/i" "$Q"
fi

# 13: the root has no setting files; a portion claimed exclusively leaves
# the default partition (PARTID 0) in the registers, and comes back.
X=$CG/hw_x
first=$(awk '/ portions=/ { print $1; exit }' "$CG/mpam.capacity")
n=$(awk '/ portions=/ { sub(/.* portions=/, ""); print $1 + 0; exit }' "$CG/mpam.capacity")
msc=$(msc_index "cache $(echo "${first%%:*}" | tr a-z A-Z) id=${first#*:}")
rootfiles=$(ls "$CG" | grep -E '^mpam\.(cache\.portion|cache\.max|bw\.max|bw\.min)$' | tr '\n' ' ')
mkdir "$X"
if echo "${first%%:*} 1" > "$X/mpam.cache.portion.exclusive"; then
	claimed=$(msc_ctl "$msc" 0 cpbm)
	effective=$(awk -v c="$first" '$1 == c { print $2 }' "$CG/mpam.cache.portion.effective")
	echo "${first%%:*} default" > "$X/mpam.cache.portion.exclusive"
	back=$(msc_ctl "$msc" 0 cpbm)
else
	claimed=refused
fi
want=$(printf '0x%x' $(((1 << n) - 2)))
ktap_print_msg "$first: PARTID 0 cpbm '$claimed' while claimed, '$back' after"
ktap_print_msg "the root's mpam.cache.portion.effective while claimed: $effective"
if [ -z "$rootfiles" ] && [ "$claimed" = "$want" ] && [ "0x$effective" = "$want" ] &&
   { [ -z "$back" ] || [ "$back" = "$(printf '0x%x' $(((1 << n) - 1)))" ]; }; then
	ktap_test_pass "$PROFILE: an exclusive portion leaves the default partition's CPBM ($want)"
else
	msg="$PROFILE: exclusive portion: root files '$rootfiles',"
	ktap_test_fail "$msg PARTID 0 cpbm '$claimed', want $want"
fi
rmdir "$X"

# 14: classes, as Kubernetes and goresctrl assign them.  300 cgroups below
# three unconfigured parents, each a member of one of three shares with
# the share's own limit, run in three partitions whose registers hold the
# three limits.  Two busy members of a fourth share, in two parents, use
# together what its limit lets one member with both tasks use: the
# members share one regulator (100 %), where each had its own before and
# the two got twice as much (200 %).  Two runs of 2 s differ by up to 6 %
# on this platform, so the bound is 125 %: well clear of both.
partids_used() {
	awk '$1 == "partids_used" { print $2 }' "$CG/mpam.ids"
}
K=$CG/hw_k
if [ -z "$cls" ] || ! grep -q '^mem:.* bw.max.steps=' "$CG/mpam.capacity"; then
	ktap_test_skip "$PROFILE: needs byte counters and mem:bw.max"
else
	used0=$(partids_used)
	mkdir "$K" && echo +mpam > "$K/cgroup.subtree_control"
	for q in q0 q1 q2; do
		mkdir "$K/$q" && echo +mpam > "$K/$q/cgroup.subtree_control"
	done
	# The measured share first: its two members get PMGs of their own.
	for m in q0/m1 q1/m2; do
		mkdir "$K/$m"
		echo meas > "$K/$m/mpam.share"
		echo "mem 10" > "$K/$m/mpam.bw.max"
		echo "$cls on" > "$K/$m/mpam.counters" || ktap_print_msg "no counter for $K/$m"
	done
	bad=0
	i=0
	while [ $i -lt 300 ]; do
		d=$K/q$((i % 3))/p$i
		mkdir "$d" &&
			echo "class$(((i / 3) % 3))" > "$d/mpam.share" &&
			echo "mem $((20 + 10 * ((i / 3) % 3)))" > "$d/mpam.bw.max" ||
			bad=$((bad + 1))
		i=$((i + 1))
	done
	used=$(($(partids_used) - used0))
	ids=$(cat "$K"/q*/p*/mpam.partition | awk '/^partid/ { print $2 }' | sort -u)
	mem=$(msc_index memory)
	limits=$(for p in $ids; do msc_ctl "$mem" "$p" mbw_max; done | sort -u | wc -l)

	busy_in "$K/q0/m1" 0
	busy_in "$K/q0/m1" 1
	sleep 0.5
	one=$(count_for 2 "$K/q0/m1")
	stop_busy
	busy_in "$K/q0/m1" 0
	busy_in "$K/q1/m2" 1
	sleep 0.5
	two=$(count_for 2 "$K/q0/m1" "$K/q1/m2")
	stop_busy
	ktap_print_msg "302 cgroups in 4 shares: $used PARTIDs ($(echo $ids)), $limits limits"
	ktap_print_msg "$cls bytes in 2 s: one member $one, two members $two"
	if [ "$bad" = 0 ] && [ "$used" = 4 ] && [ "$(echo "$ids" | wc -l)" = 3 ] &&
	   [ "$limits" = 3 ] && [ "$one" -gt 0 ] && [ $((two * 100)) -le $((one * 125)) ]; then
		feature cgroup mem:bw.max-shared-by-class yes
		msg="$PROFILE: 302 cgroups in 4 shares use 4 PARTIDs;"
		ktap_test_pass "$msg two members $((two * 100 / one))% of one's bytes"
	else
		feature cgroup mem:bw.max-shared-by-class no
		msg="$PROFILE: shares: $bad failed writes, $used PARTIDs, $limits limits,"
		ktap_test_fail "$msg $one -> $two bytes"
	fi
	for m in q0/m1 q1/m2; do echo "$cls off" > "$K/$m/mpam.counters"; done
	rmdir "$K"/q*/*/ "$K"/q*/ "$K"
fi

# 16: a PARTID whose lines are still in a cache is not the next one
# handed out.  A busy cgroup with a partition of its own fills its share
# of the L3 and goes; a cgroup created right after takes a partition and
# must read an occupancy near zero on its first read, where reusing the
# freed PARTID gave it the lines of the one that went.  The freed PARTID
# waits in limbo (mpam.ids) until it is below mpam.limbo.threshold, which
# a write can raise.  (The model's idle lines fade fast: its occupancy
# figure alone does not show the reuse, the PARTID does.)
occ() {	# cgroup: its occupancy over the L3s
	v=$(sum_of "$1" l3 occupancy)
	echo "${v:-0}"
}
L=$CG/hw_limbo N=$CG/hw_new
# The partitions of the cgroups removed above go offline one by one,
# after rmdir: let them, so that the lowest free PARTID is L's below.
i=0 used=
while [ "$used" != "$(partids_used)" ] && [ $i -lt 20 ]; do
	used=$(partids_used)
	sleep 0.5
	i=$((i + 1))
done
partids_limbo() {
	awk '$1 == "partids_limbo" { print $2 }' "$CG/mpam.ids"
}
# Free what is in limbo: the highest threshold, and a few looks.
drain_limbo() {
	echo 18446744073709551615 > "$CG/mpam.limbo.threshold"
	i=0
	while [ $i -lt 30 ] && [ "$(partids_limbo)" != 0 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
# PARTIDs that earlier tests left in limbo would drain while the test
# counts: free them first.
threshold=$(cat "$CG/mpam.limbo.threshold")
drain_limbo
limbo0=$(partids_limbo)
# The model's idle lines fade within a second: with a threshold of 0,
# the freed PARTID stays in limbo for as long as the test looks.
echo 0 > "$CG/mpam.limbo.threshold"
mkdir "$L"
own_partition "$L"
lid=$(partid_of "$L")
busy_in "$L" 1
sleep 1
busy=$(occ "$L")
stop_busy
used=$(partids_used)
i=0
until rmdir "$L" 2> /dev/null || [ $i -ge 20 ]; do sleep 0.1; i=$((i + 1)); done
# The partition goes when the cgroup goes offline, after rmdir returns.
i=0
while [ "$(partids_used)" = "$used" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
limbo1=$(partids_limbo)
mkdir "$N"
own_partition "$N"
new=$(occ "$N")
nid=$(partid_of "$N")
ktap_print_msg "L3 occupancy of a busy cgroup $busy (PARTID $lid),"
ktap_print_msg "  of the one created after it $new (PARTID $nid)"
ktap_print_msg "PARTIDs in limbo: $limbo0 before, $limbo1 after; threshold $threshold bytes"
drain_limbo
limbo2=$(partids_limbo)
echo "$threshold" > "$CG/mpam.limbo.threshold"
rmdir "$N"
if [ "$busy" -gt 0 ] && [ $((new * 10)) -lt "$busy" ] && [ "$nid" != "$lid" ] &&
   [ "$limbo1" -gt "$limbo0" ] && [ "$limbo2" = 0 ]; then
	msg="$PROFILE: a new cgroup reads $new bytes after a busy one's $busy;"
	ktap_test_pass "$msg limbo drains"
else
	ktap_test_fail "$PROFILE: limbo: busy $busy, new $new, in limbo $limbo0 $limbo1 $limbo2"
fi

# 17: PMGs go to the cgroups that ask for them.  A cgroup without
# settings is counted within its parent's identity (mpam.stat.state says
# shared) until mpam.monitor asks for one of its own, and gives it back.
W=$CG/hw_watch
mkdir "$W"
before=$(tr '\n' ' ' < "$W/mpam.stat.state")
echo 1 > "$W/mpam.monitor"
after=$(tr '\n' ' ' < "$W/mpam.stat.state")
echo 0 > "$W/mpam.monitor"
back=$(tr '\n' ' ' < "$W/mpam.stat.state")
rmdir "$W"
ktap_print_msg "a new cgroup: $before; asking: $after; given back: $back"
case "$before|$after|$back" in
*occupancy=shared*"|"*occupancy=ok*"|"*occupancy=shared*)
	case $after in
	*shared*) ktap_test_fail "$PROFILE: mpam.monitor gave no identity: $after" ;;
	*) ktap_test_pass "$PROFILE: an identity only while mpam.monitor asks for one" ;;
	esac ;;
*) ktap_test_fail "$PROFILE: mpam.monitor: $before -> $after -> $back" ;;
esac

# 18: every mpam.stat read above parses as opencontainers/cgroups reads
# nested-keyed files: unsigned integers only.
stat_parse_test

ktap_finished
