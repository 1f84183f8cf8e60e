# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the tests of the emulated MPAM platform (tools/testing/mpam).
# They check what the guest sees against what the QEMU model saw, which
# they ask the host for with mpam-host (scripts/mpam/mpam-host, installed
# in the rig's initramfs; the host side is scripts/mpam/host-agent.py).

. "$(dirname "$0")/../kselftest/ktap_helpers.sh"

RESCTRL=/sys/fs/resctrl

# Print the profile and the probe line, for the log; skip everything when
# there is no host to ask or the platform is not the emulated one.
mpam_start() {
	ktap_print_header
	if ! command -v mpam-host > /dev/null; then
		ktap_skip_all "no mpam-host: only runs in the VM of scripts/mpam/run-vm.sh"
		exit "$KSFT_SKIP"
	fi
	if ! PROFILE=$(mpam-host profile); then
		ktap_skip_all "no answer from the host agent (scripts/mpam/host-agent.py)"
		exit "$KSFT_SKIP"
	fi
	ktap_print_msg "profile: $PROFILE"
	# Keep the test's own processes off the CPUs its busy loops are
	# pinned to, whose labels it reads.
	taskset -p 1 $$ > /dev/null 2>&1 || true
	probe=$(dmesg | grep -o 'MPAM enabled with.*' || echo 'no "MPAM enabled" line')
	ktap_print_msg "probe: $probe"
	if [ "$PROFILE" = none ]; then
		ktap_skip_all "plain virt: not the emulated MPAM platform (MPAM_PROFILE unset)"
		exit "$KSFT_SKIP"
	fi
}

# For tests of the mpam cgroup controller, after mpam_start: skip unless
# the kernel has the controller and it has MPAM hardware behind it, and
# enable it in the root.  Sets CG to the cgroup2 root.
mpam_cgroup_start() {
	CG=/sys/fs/cgroup
	if ! grep -qw mpam "$CG/cgroup.controllers"; then
		ktap_skip_all "no mpam controller in this kernel"
		exit "$KSFT_SKIP"
	fi
	grep -qw mpam "$CG/cgroup.subtree_control" ||
		echo +mpam > "$CG/cgroup.subtree_control" ||
		ktap_exit_fail_msg "cannot enable the mpam controller"
	if ! grep -q . "$CG/mpam.capacity" 2> /dev/null; then
		ktap_skip_all "the mpam controller has no provider (MPAM not enabled)"
		exit "$KSFT_SKIP"
	fi
}

# The index N of mpam-mscN whose first RIS is described as "$1", as the
# model prints it, e.g. "cache L3 id=1" or "memory".
msc_index() {
	mpam-host state | awk -v what="ris 0: $1 " '
		/^mpam-msc/ { n = substr($1, 9) }
		index($0 " ", what) { print n; exit }'
}

# The control $3 (cpbm, cmax, mbw_max, ...) that MSC $1 holds for PARTID
# $2, or nothing when that PARTID is at its reset configuration.
msc_ctl() {
	mpam-host state "$1" | awk -v p="$2:" -v f="$3=" '
		$1 == "partid" && $2 == p {
			for (i = 3; i <= NF; i++)
				if (index($i, f) == 1)
					print substr($i, length(f) + 1)
		}'
}

# The PARTIDs that MSC $1 holds with control $2 equal to $3.
msc_partids_with() {
	mpam-host state "$1" | awk -v fv="$2=$3" '
		$1 == "partid" { for (i = 3; i <= NF; i++) if ($i == fv) print $2 + 0 }'
}

# The label vCPU $1 carries now: "partid=P pmg=G".  The tests ask about a
# CPU that runs a busy loop in user space: a sample that finds the CPU in
# the kernel (an interrupt, a kernel thread) shows another label, so look
# again, a few times, for one taken at EL0.
cpu_label() {
	local i out=
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		out=$(mpam-host state | awk -v c="$1:" '
			$1 == "cpu" && $2 == c {
				el = ""; s = ""
				for (i = 3; i <= NF; i++) {
					if ($i ~ /^(partid|pmg)=/)
						s = s (s ? " " : "") $i
					if ($i ~ /^el=/)
						el = substr($i, 4)
				}
				print el, s; exit
			}')
		[ "${out%% *}" != 0 ] || break
	done
	echo "${out#* }"
}

# The domain IDs of resource $1 in a schemata file $2, one per line.
schemata_ids() {
	sed -n "s/^ *$1:\\(.*\\)/\\1/p" "$2" | tr ';' '\n' | cut -d= -f1
}

# Start a busy loop on CPU $1 and print its PID.
busy_loop() {
	taskset -c "$1" sh -c 'while :; do :; done' > /dev/null 2>&1 &
	echo $!
}

# Say whether interface $1 (resctrl, cgroup) offers feature $2 on this
# profile, as the test found: $3 is yes or no.  scripts/mpam/feature-table.py
# collates these lines from the logs of make check into README.md.
feature() {
	echo "# feature: $PROFILE $1 $2 $3"
}

# yes if the command succeeds, else no.
yesno() {
	if "$@"; then echo yes; else echo no; fi
}

# Succeed if the nested-keyed text on stdin parses as opencontainers/cgroups
# parses mpam.stat: a key, then KEY=VALUE fields whose values are all
# unsigned 64-bit integers.
stat_parses() {
	awk '{
		for (i = 2; i <= NF; i++) {
			v = $i
			if (sub(/^[a-z_.]+=/, "", v) != 1 || v !~ /^[0-9]+$/ ||
			    length(v) > 20 || (length(v) == 20 && v > "18446744073709551615"))
				bad = 1
		}
	} END { exit bad }'
}

# The mpam.stat of cgroup $1.  Every read is checked with stat_parses and
# counted in $MPAM_STAT_LOG, a file whose lines are "ok" or the text that
# did not parse; stat_parse_test reports them.
MPAM_STAT_LOG=${MPAM_STAT_LOG:-/tmp/mpam_stat.$$}
read_stat() {
	_stat=$(cat "$1/mpam.stat") || return
	if printf '%s\n' "$_stat" | stat_parses; then
		echo ok >> "$MPAM_STAT_LOG"
	else
		echo "$1: $_stat" | tr '\n' ';' >> "$MPAM_STAT_LOG"
		echo >> "$MPAM_STAT_LOG"
	fi
	printf '%s\n' "$_stat"
}

# A test result: every mpam.stat read_stat read parsed.
stat_parse_test() {
	_n=$(grep -c . "$MPAM_STAT_LOG" 2> /dev/null) || _n=0
	_bad=$(grep -vc '^ok$' "$MPAM_STAT_LOG" 2> /dev/null) || _bad=0
	if [ "$_n" -gt 0 ] && [ "$_bad" = 0 ]; then
		ktap_test_pass "$PROFILE: all $_n reads of mpam.stat parse as unsigned integers"
	else
		grep -v '^ok$' "$MPAM_STAT_LOG" 2> /dev/null | head -5 | sed 's/^/# /'
		ktap_test_fail "$PROFILE: $_bad of $_n reads of mpam.stat do not parse"
	fi
	rm -f "$MPAM_STAT_LOG"
}
