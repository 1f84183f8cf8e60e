// SPDX-License-Identifier: GPL-2.0
/*
 * mpam_race: the windows of the mpam controller's fork callback, made
 * wide with the debug knobs of CONFIG_CGROUP_MPAM_DEBUG
 * (/sys/kernel/debug/mpam_cgroup/fork_delay_*), so that a missing look
 * again or barrier fails every time instead of once in a while:
 *
 * - activation against fork: a child forked with CLONE_INTO_CGROUP while
 *   the controller is not active, whose fork is held between its look
 *   at the controller's state and the copy of its parent's label while
 *   the first setting (written to the child's cgroup) activates the
 *   controller;
 * - relabel against fork: a child whose fork is held between reading its
 *   cgroup's label and storing it while its cgroup loses its partition.
 *
 * Either way the child, spinning on CPU 1, must run with its cgroup's
 * label as it is after the write, as the emulated platform reports it.
 */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "mpam_util.h"

#define T		CG "/mpam_race"
#define A		T "/a"
#define B		T "/b"
#define KNOBS		"/sys/kernel/debug/mpam_cgroup"
#define DELAY_MS	1000

static char portion_class[16];

/* A class with portions, from mpam.capacity. */
static bool find_portion_class(void)
{
	char buf[8192], *l, *save;

	if (rdf(CG, "mpam.capacity", buf, sizeof(buf)) <= 0)
		return false;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, " portions=")) {
			snprintf(portion_class, sizeof(portion_class), "%.*s",
				 (int)strcspn(l, ":"), l);
			return true;
		}
	}
	return false;
}

static int set_portion(const char *cg, const char *bits)
{
	char line[64];

	snprintf(line, sizeof(line), "%s %s", portion_class, bits);
	return wrf(cg, "mpam.cache.portion", line);
}

/*
 * Is the controller inactive?  resctrl mounts only then (the controller
 * takes MPAM from it on activation).
 */
static bool inactive(void)
{
	int i;

	for (i = 0; i < 40; i++) {
		if (!mount("resctrl", RC, "resctrl", 0, NULL)) {
			umount(RC);
			return true;
		}
		sleep_ms(50);
	}
	return false;
}

/*
 * A process of its own in @from, whose forks the kernel holds for
 * DELAY_MS, forks (into @into with CLONE_INTO_CGROUP, or plainly) once
 * this returns; the child spins on CPU 1, and its pid comes through
 * @fds[0] once the fork returned.
 */
static pid_t start_forker(const char *from, const char *into, int fds[2])
{
	int go[2];
	char pid[16], c;
	pid_t forker;

	if (pipe(fds))
		return -1;
	if (pipe(go))
		return -1;
	forker = fork();
	if (forker == 0) {
		struct clone_args args = { .exit_signal = SIGCHLD };
		pid_t child;

		pin(0);
		if (into) {
			args.flags = CLONE_INTO_CGROUP;
			args.cgroup = open(into, O_DIRECTORY | O_RDONLY);
		}
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		child = syscall(__NR_clone3, &args, sizeof(args));
		if (child == 0)
			spin_on(1);
		if (write(fds[1], &child, sizeof(child)) != sizeof(child))
			_exit(1);
		pause();
		_exit(0);
	}
	snprintf(pid, sizeof(pid), "%d", forker);
	if (forker < 0 || wrf(from, "cgroup.procs", pid) ||
	    wr(KNOBS "/fork_delay_tgid", pid) || write(go[1], "", 1) != 1) {
		if (forker > 0)
			kill(forker, SIGKILL);
		forker = -1;
	}
	close(go[0]);
	close(go[1]);
	return forker;
}

/*
 * Run the race: the forker forks, the kernel holds the fork, @write
 * happens meanwhile; then the child must run with @cg's label.
 */
static bool race(const char *name, const char *from, const char *into,
		 const char *cg, int (*write_fn)(void))
{
	int fds[2], partid, pmg, hw_partid, hw_pmg, err;
	double wrote, forked;
	pid_t forker, child = -1;
	bool ok = false;

	forker = start_forker(from, into, fds);
	if (forker < 0) {
		ksft_print_msg("%s: cannot start the forker\n", name);
		return false;
	}
	/* The fork is held for DELAY_MS: write in the middle of it. */
	sleep_ms(DELAY_MS / 5);
	err = write_fn();
	wrote = now();
	if (read(fds[0], &child, sizeof(child)) != sizeof(child) || child < 0)
		goto out;
	forked = now();
	if (err) {
		ksft_print_msg("%s: the write failed: %s\n", name, strerror(-err));
		goto out;
	}
	/* The write must have been done while the fork was held. */
	if (forked - wrote < DELAY_MS / 5000.0) {
		ksft_print_msg("%s: the fork was not held across the write\n", name);
		goto out;
	}
	sleep_ms(300);
	if (cg_label(cg, &partid, &pmg) || cpu_label(1, &hw_partid, &hw_pmg)) {
		ksft_print_msg("%s: no label to compare\n", name);
		goto out;
	}
	ksft_print_msg("%s: the child runs as partid %d pmg %d, its cgroup's is partid %d pmg %d\n",
		       name, hw_partid, hw_pmg, partid, pmg);
	ok = hw_partid == partid && hw_pmg == pmg;
out:
	wr(KNOBS "/fork_delay_tgid", "0");
	if (child > 0)
		kill(child, SIGKILL);
	kill(forker, SIGKILL);
	if (child > 0)
		waitpid(child, NULL, 0);
	waitpid(forker, NULL, 0);
	close(fds[0]);
	close(fds[1]);
	return ok;
}

static int activate_b(void)
{
	return set_portion(B, "1");
}

static int unset_a(void)
{
	return set_portion(A, "default");
}

int main(void)
{
	char delay[16];
	bool ok;

	ksft_print_header();
	if (access(KNOBS "/fork_delay_ms", W_OK))
		ksft_exit_skip("no " KNOBS ": a kernel without CONFIG_CGROUP_MPAM_DEBUG\n");
	if (wr(CG "/cgroup.subtree_control", "+mpam") || !find_portion_class())
		ksft_exit_skip("the mpam controller has no provider with portions\n");
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || !have_host())
		ksft_exit_skip("needs two CPUs and the host agent (mpam-host)\n");
	ksft_set_plan(2);
	pin(0);
	snprintf(delay, sizeof(delay), "%d", DELAY_MS);
	if (mkdir(T, 0755) || wrf(T, "cgroup.subtree_control", "+mpam") ||
	    mkdir(A, 0755) || mkdir(B, 0755) || wr(KNOBS "/fork_delay_ms", delay))
		ksft_exit_fail_msg("cannot set up " T "\n");

	/*
	 * Once active and no longer, so that the fork callback looks at the
	 * state (before the first activation it has nothing to do).
	 */
	if (set_portion(A, "1") || set_portion(A, "default") || !inactive()) {
		ksft_test_result_skip("activation against fork: %s\n",
				      "cannot get the controller inactive");
	} else {
		ok = race("activation", A, B, B, activate_b);
		ksft_test_result(ok, "activation against CLONE_INTO_CGROUP: %s\n",
				 "the child runs with its cgroup's label");
	}

	/* B keeps the controller active; A has a partition, then loses it. */
	if (set_portion(B, "1") || set_portion(A, "3")) {
		ksft_test_result_fail("relabel against fork: cannot set up the partitions\n");
	} else {
		ok = race("relabel", A, NULL, A, unset_a);
		ksft_test_result(ok, "relabel against fork: %s\n",
				 "the child runs with its cgroup's new label");
	}

	set_portion(A, "default");
	set_portion(B, "default");
	rmdir(A);
	rmdir(B);
	rmdir(T);
	ksft_finished();
}
