// SPDX-License-Identifier: GPL-2.0
/*
 * The file ABI of the mpam cgroup controller
 * (Documentation/admin-guide/cgroup-v2-mpam.rst).
 *
 * Tests that need MPAM hardware behind the controller skip, saying so,
 * when mpam.capacity describes none.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "cgroup_util.h"

static char root[256];
static char top[512];		/* our scratch cgroup below the root */
static int nr_partids, nr_pmgs, partids_used;
static char l3_key[32];		/* a class with portions, e.g. "l3" */
static int l3_portions;

/* Write @s to @file of @cg; 0 or -errno. */
static int cg_try(const char *cg, const char *file, const char *s)
{
	char path[PATH_MAX];
	ssize_t ret;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s));
	ret = ret < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static int cg_readf(const char *cg, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return read_text(path, buf, len) < 0 ? -1 : 0;
}

/*
 * Parse mpam.ids ("partids N", "pmgs M", "partids_used U") and the first
 * class with portions in mpam.capacity.
 */
static bool have_hardware(void)
{
	char buf[4096], *line, *p;

	if (cg_readf(root, "mpam.ids", buf, sizeof(buf)))
		return false;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char key[32];
		int val;

		if (sscanf(line, "%31s %d", key, &val) != 2)
			continue;
		if (!strcmp(key, "partids"))
			nr_partids = val;
		else if (!strcmp(key, "pmgs"))
			nr_pmgs = val;
		else if (!strcmp(key, "partids_used"))
			partids_used = val;
	}
	if (cg_readf(root, "mpam.capacity", buf, sizeof(buf)))
		return false;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		p = strstr(line, " portions=");
		if (p && !l3_key[0]) {
			snprintf(l3_key, sizeof(l3_key), "%.*s",
				 (int)strcspn(line, ":"), line);
			l3_portions = atoi(p + 10);
		}
	}
	return nr_partids > 0;
}

static void test_controller_listed(void)
{
	ksft_test_result(!cg_read_strstr(root, "cgroup.controllers", "mpam"),
			 "mpam is in the root's cgroup.controllers\n");
}

/*
 * The root's files must be there from boot, before anybody writes
 * cgroup.subtree_control: @missing names the first one main() did not
 * find before its own write.  Only a test run first after boot can see
 * them missing (the "owner" job of scripts/mpam/check.sh is one).
 */
static void test_root_files(const char *missing)
{
	if (missing)
		ksft_print_msg("%s/%s missing before mpam was enabled\n",
			       root, missing);
	ksft_test_result(!missing, "the root's files are there from boot\n");
}

static const char *root_file_missing(void)
{
	static const char * const files[] = {
		"mpam.capacity", "mpam.ids", "mpam.cache.portion.effective",
		"mpam.cache.max.effective", "mpam.bw.max.effective",
		"mpam.bw.min.effective",
	};
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		if (access(path, F_OK))
			return files[i];
	}
	return NULL;
}

/* runc enables every controller in every ancestor: that must not fail. */
static void test_enable_never_fails(void)
{
	char *a = cg_name(top, "enable"), *b = cg_name(a, "b");
	bool ok;

	ok = a && b && !cg_create(a) &&
	     !cg_try(a, "cgroup.subtree_control", "+mpam") &&
	     !cg_create(b) &&
	     !cg_try(a, "cgroup.subtree_control", "-mpam") &&
	     !cg_try(a, "cgroup.subtree_control", "+mpam");
	ksft_test_result(ok, "enabling mpam never fails\n");
	cg_destroy(b);
	cg_destroy(a);
	free(b);
	free(a);
}

static void test_files(void)
{
	static const char * const files[] = {
		"mpam.cache.portion", "mpam.cache.max", "mpam.bw.max",
		"mpam.bw.min", "mpam.partition", "mpam.stat", "mpam.stat.state",
		"mpam.events",
		"mpam.events.local", "mpam.cache.portion.exclusive",
		"mpam.cache.portion.effective",
		"mpam.cache.max.effective", "mpam.bw.max.effective",
		"mpam.bw.min.effective", "mpam.share",
	};
	static const char * const not_on_root[] = {
		"mpam.cache.portion", "mpam.cache.max", "mpam.bw.max",
		"mpam.bw.min", "mpam.cache.portion.exclusive", "mpam.partition",
		"mpam.share",
	};
	char *a = cg_name(top, "files"), path[PATH_MAX];
	bool ok = a && !cg_create(a);
	unsigned int i;

	for (i = 0; ok && i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", a, files[i]);
		if (access(path, R_OK)) {
			ksft_print_msg("%s: %s\n", path, strerror(errno));
			ok = false;
		}
	}
	/* The root is exempt from resource control: no setting files. */
	for (i = 0; ok && i < ARRAY_SIZE(not_on_root); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, not_on_root[i]);
		if (!access(path, F_OK)) {
			ksft_print_msg("%s exists on the root\n", not_on_root[i]);
			ok = false;
		}
	}
	snprintf(path, sizeof(path), "%s/mpam.capacity", a);
	if (ok && !access(path, F_OK)) {
		ksft_print_msg("mpam.capacity exists below the root\n");
		ok = false;
	}
	ksft_test_result(ok, "interface files where the document says\n");
	cg_destroy(a);
	free(a);
}

static void test_no_hardware(void)
{
	char *a = cg_name(top, "nohw");
	int err;

	if (have_hardware()) {
		ksft_test_result_skip("writes without hardware: there is hardware\n");
		free(a);
		return;
	}
	err = a && !cg_create(a) ? cg_try(a, "mpam.cache.portion", "l3 f") : -1;
	ksft_test_result(err == -ENODEV, "a setting without hardware is ENODEV (%d)\n",
			 err);
	cg_destroy(a);
	free(a);
}

/*
 * Does the cgroup file open as @fd say it changed since it was last read,
 * within @ms?  cgroup files notify at most every 20 ms, later ones from a
 * timer: wait for a change that is due, a long time as the machine may be
 * slow, but not for ever.
 */
static bool notified(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLPRI };

	return poll(&pfd, 1, ms) == 1 && (pfd.revents & POLLPRI);
}

/* Wait until @n PARTIDs are in use: cgroups free theirs after rmdir. */
static bool wait_partids_used(int n)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (have_hardware() && partids_used == n)
			return true;
		usleep(10000);
	}
	ksft_print_msg("%d PARTIDs in use, not %d\n", partids_used, n);
	return false;
}

/*
 * Many cgroups (MPAM_TEST_CGROUPS, 2000 unless set: each mkdir and rmdir
 * costs tens of milliseconds on the emulated platform), a setting on
 * every one a PARTID allows, ENOSPC after.
 */
static void test_partid_exhaustion(void)
{
	int n = getenv("MPAM_TEST_CGROUPS") ? atoi(getenv("MPAM_TEST_CGROUPS")) : 2000;
	int i, set = 0, err = 0, fd;
	char *base = cg_name(top, "many"), *cg, line[64], buf[256];
	bool ok = true;

	if (!have_hardware() || !l3_key[0] || n < 7 * nr_partids) {
		ksft_test_result_skip("PARTID exhaustion: no portions, or fewer than %d cgroups\n",
				      7 * nr_partids);
		free(base);
		return;
	}
	if (cg_create(base)) {
		ksft_test_result_fail("cannot create %s\n", base);
		free(base);
		return;
	}
	cg_write(base, "cgroup.subtree_control", "+mpam");
	for (i = 0; i < n && ok; i++) {
		cg = cg_name_indexed(base, "c", i);
		ok = cg && !cg_create(cg);
		free(cg);
	}
	if (!ok) {
		ksft_test_result_fail("creating %d cgroups failed at %d\n", n, i);
		goto out;
	}
	/* The default partition, at least, is taken. */
	snprintf(line, sizeof(line), "%s 1", l3_key);
	for (i = 0; i < nr_partids; i++) {
		cg = cg_name_indexed(base, "c", i * 7);
		err = cg_try(cg, "mpam.cache.portion", line);
		free(cg);
		if (err)
			break;
		set++;
	}
	/* The refusal is counted, and the events file says it changed. */
	cg = cg_name_indexed(base, "c", i * 7);
	snprintf(buf, sizeof(buf), "%s/mpam.events", cg);
	fd = open(buf, O_RDONLY);
	ok = fd >= 0 && read(fd, buf, sizeof(buf)) > 0 &&
	     cg_try(cg, "mpam.cache.portion", line) == -ENOSPC &&
	     notified(fd, 10000);
	if (fd >= 0)
		close(fd);
	ok = ok && set == nr_partids - partids_used && err == -ENOSPC &&
	     cg_read_key_long(cg, "mpam.events", "nospc ") == 2 &&
	     !cg_read(cg, "mpam.partition", buf, sizeof(buf)) &&
	     strstr(buf, "mode default");
	ksft_test_result(ok, "%d cgroups, %d with settings, then ENOSPC (%d), notified\n",
			 n, set, err);
	free(cg);
out:
	for (i = 0; i < n; i++) {
		cg = cg_name_indexed(base, "c", i);
		cg_destroy(cg);
		free(cg);
	}
	cg_destroy(base);
	free(base);
}

/* Bad writes fail with EINVAL and leave the file as it was. */
static void test_bad_input(void)
{
	static const char * const bad[] = {
		"\n", "x", "l3", "nosuch 1", "%s:99999 1", "%s 0", "%s zz",
		"%s 1 2", "%s:x 1", "%s -1", "%s fffffffffffffffffffffffffffffffff",
	};
	char *a = cg_name(top, "bad"), before[512], after[512], line[128];
	unsigned int i;
	bool ok;

	if (!have_hardware() || !l3_key[0]) {
		ksft_test_result_skip("bad input: no MPAM cache portions\n");
		free(a);
		return;
	}
	ok = a && !cg_create(a) && !cg_readf(a, "mpam.cache.portion", before,
					      sizeof(before));
	for (i = 0; ok && i < ARRAY_SIZE(bad); i++) {
		snprintf(line, sizeof(line), bad[i], l3_key);
		if (cg_try(a, "mpam.cache.portion", line) != -EINVAL) {
			ksft_print_msg("\"%s\" was not EINVAL\n", line);
			ok = false;
		}
	}
	/* Same settings, and no partition was taken on the way. */
	ok = ok && !cg_readf(a, "mpam.cache.portion", after, sizeof(after)) &&
	     !strcmp(before, after) &&
	     !cg_read_strstr(a, "mpam.partition", "mode default");
	ksft_test_result(ok, "bad input is EINVAL and changes nothing\n");
	cg_destroy(a);
	free(a);
}

/* A child without settings runs in its configured parent's partition. */
static void test_inheritance(void)
{
	char *a = cg_name(top, "inh"), *b = cg_name(a, "b"), line[64];
	bool ok;

	if (!have_hardware() || !l3_key[0]) {
		ksft_test_result_skip("inheritance: no MPAM cache portions\n");
		goto out;
	}
	snprintf(line, sizeof(line), "%s 3", l3_key);
	ok = !cg_create(a) && !cg_write(a, "cgroup.subtree_control", "+mpam") &&
	     !cg_create(b) && !cg_try(a, "mpam.cache.portion", line) &&
	     !cg_read_strstr(a, "mpam.partition", "mode own") &&
	     !cg_read_strstr(b, "mpam.partition", "mode shared");
	snprintf(line, sizeof(line), "%s default", l3_key);
	ok = ok && !cg_try(a, "mpam.cache.portion", line) &&
	     !cg_read_strstr(a, "mpam.partition", "mode default") &&
	     !cg_read_strstr(b, "mpam.partition", "mode default");
	ksft_test_result(ok, "children share their configured parent's partition\n");
out:
	cg_destroy(b);
	cg_destroy(a);
	free(b);
	free(a);
}

/* The partition and PMG mpam.partition of @cg shows; 0 or -1. */
static int cg_label(const char *cg, int *partid, int *pmg)
{
	char buf[4096];

	if (cg_readf(cg, "mpam.partition", buf, sizeof(buf)) ||
	    sscanf(buf, "partid %d\npmg %d", partid, pmg) != 2)
		return -1;
	return 0;
}

/*
 * The label vCPU @cpu carries now, as the emulated MPAM platform sees it
 * (QMP, through mpam-host and the rig's host agent), and the exception
 * level it runs at.  0, or -1 when there is no emulated platform to ask.
 */
static int host_cpu_label(int cpu, int *partid, int *pmg, int *el)
{
	char line[512], *p, *q, *e;
	int n, ret = -1;
	FILE *f;

	f = popen("mpam-host state 2>/dev/null", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cpu %d:", &n) != 1 || n != cpu)
			continue;
		p = strstr(line, " partid=");
		q = strstr(line, " pmg=");
		e = strstr(line, " el=");
		if (p && q && e) {
			*partid = atoi(p + 8);
			*pmg = atoi(q + 5);
			*el = atoi(e + 4);
			ret = 0;
		}
	}
	if (pclose(f))
		ret = -1;
	return ret;
}

/* RT throttling would make room for others on the spinner's CPU. */
#define RT_RUNTIME "/proc/sys/kernel/sched_rt_runtime_us"

static bool have_platform(void)
{
	int partid, pmg, el;

	return have_hardware() && l3_key[0] && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
	       !host_cpu_label(0, &partid, &pmg, &el);
}

/* Let this process run on every CPU again. */
static void pin_all(void)
{
	cpu_set_t set;
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	for (i = 0; i < n; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Spin on @cpu for ever, once @fd is told that we run there. */
static void spin(int cpu, int fd)
{
	struct sched_param sp = { .sched_priority = 10 };

	/* Alone on its CPU: no kernel thread takes it off between samples. */
	sched_setscheduler(0, SCHED_FIFO, &sp);
	pin(cpu);
	while (sched_getcpu() != cpu)
		;
	if (fd >= 0)
		write(fd, "", 1);
	for (;;)
		;
}

/* A process that spins on @cpu, returned once it does. */
static pid_t spin_on(int cpu)
{
	int fds[2];
	char c;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0)
		spin(cpu, fds[1]);
	close(fds[1]);
	if (pid > 0 && read(fds[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(fds[0]);
	return pid;
}

/*
 * Does vCPU @cpu carry the label of @cg?  Only the spinning task runs at
 * EL0 on that CPU: look at the first sample that finds the CPU there
 * rather than in the kernel, where an interrupt or a kernel thread shows
 * another label.
 */
static bool cpu_runs_as(int cpu, const char *cg)
{
	int partid, pmg, hw_partid, hw_pmg, el = -1, i;

	if (cg_label(cg, &partid, &pmg))
		return false;
	for (i = 0; i < 50 && el != 0; i++) {
		if (host_cpu_label(cpu, &hw_partid, &hw_pmg, &el))
			return false;
	}
	if (el != 0) {
		ksft_print_msg("cpu %d never seen at EL0\n", cpu);
		return false;
	}
	if (partid == hw_partid && pmg == hw_pmg)
		return true;
	ksft_print_msg("cpu %d runs as partid %d pmg %d, %s is partid %d pmg %d\n",
		       cpu, hw_partid, hw_pmg, cg, partid, pmg);
	return false;
}

/* How often @pid was taken off its CPU. */
static long switches(pid_t pid)
{
	char buf[4096], *p;
	long n = 0;

	if (proc_read_text(pid, false, "status", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; (p = strstr(p, "ctxt_switches:")); p++)
		n += atol(p + strlen("ctxt_switches:"));
	return n;
}

/*
 * Move @pid, which spins on @cpu, from @from into @to and check that the
 * CPU runs with @to's label.  A move during which @pid was not switched out
 * proves that the IPI of the move loaded the label: try again, a few times,
 * when something else ran on the CPU meanwhile.
 */
static bool move_check(const char *from, const char *to, pid_t pid, int cpu)
{
	long before, after;
	int i;

	for (i = 0; i < 10; i++) {
		if (cg_enter(from, pid))
			return false;
		before = switches(pid);
		if (cg_enter(to, pid) || !cpu_runs_as(cpu, to))
			return false;
		after = switches(pid);
		if (before == after)
			return true;
	}
	ksft_print_msg("the task was switched out during every move to %s\n", to);
	return false;
}

/*
 * A task that never sleeps is moved between cgroups while it runs on
 * another CPU: the CPU must carry the new label as soon as the write to
 * cgroup.procs returns (without the IPI the task would keep its old label
 * until it is next scheduled).  The same for a partition that goes, for
 * fork and for CLONE_INTO_CGROUP.
 */
static void test_labels(void)
{
	char *a = cg_name(top, "label"), *b = cg_name(top, "label_b"), line[64];
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1, fd = -1, fds[2];
	pid_t busy = -1, cloned = -1;
	char c, rt_runtime[32] = "950000";
	bool ok;

	if (!have_platform()) {
		ksft_test_result_skip("labels: needs the emulated MPAM platform with 2 CPUs\n");
		goto out;
	}
	pin(0);
	read_text(RT_RUNTIME, rt_runtime, sizeof(rt_runtime));
	write_text(RT_RUNTIME, "-1", 2);
	snprintf(line, sizeof(line), "%s 1", l3_key);
	ok = !cg_create(a) && !cg_create(b) &&
	     !cg_try(a, "mpam.cache.portion", line) &&
	     !cg_read_strstr(a, "mpam.partition", "mode own");
	busy = spin_on(cpu);
	ok = ok && busy > 0 && move_check(a, b, busy, cpu) && move_check(b, a, busy, cpu);
	/* The partition goes while the task runs in it. */
	snprintf(line, sizeof(line), "%s default", l3_key);
	ok = ok && !cg_try(a, "mpam.cache.portion", line) &&
	     !cg_read_strstr(a, "mpam.partition", "mode default") &&
	     cpu_runs_as(cpu, a);
	kill(busy, SIGKILL);
	waitpid(busy, NULL, 0);
	busy = -1;

	/* A child born into a configured cgroup runs with its label. */
	snprintf(line, sizeof(line), "%s 2", l3_key);
	fd = open(a, O_DIRECTORY | O_RDONLY);
	ok = ok && fd >= 0 && !cg_try(a, "mpam.cache.portion", line) && !pipe(fds);
	if (ok) {
		cloned = clone_into_cgroup(fd);
		if (cloned == 0)
			spin(cpu, fds[1]);
		close(fds[1]);
		ok = cloned > 0 && read(fds[0], &c, 1) == 1 && cpu_runs_as(cpu, a);
		close(fds[0]);
	}
	ksft_test_result(ok, "a running task carries its cgroup's label after each move\n");
	if (cloned > 0) {
		kill(cloned, SIGKILL);
		waitpid(cloned, NULL, 0);
	}
	if (fd >= 0)
		close(fd);
	snprintf(line, sizeof(line), "%s default", l3_key);
	cg_try(a, "mpam.cache.portion", line);
	pin_all();
	write_text(RT_RUNTIME, rt_runtime, strlen(rt_runtime));
out:
	cg_destroy(b);
	cg_destroy(a);
	free(b);
	free(a);
}

struct spinner {
	int cpu;
	pid_t tid;
};

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;

	pin(s->cpu);
	__atomic_store_n(&s->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	for (;;)
		;
	return NULL;
}

/*
 * Two threads of one process in two threaded cgroups with settings of
 * their own: the spinning one runs with its own cgroup's label, and moves
 * with it to the other.
 */
static void test_threaded(void)
{
	char *d = cg_name(top, "thr"), *t1 = cg_name(d, "t1"), *t2 = cg_name(d, "t2");
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1, status, pipefd[2];
	char line[64], tid[32];
	pid_t child = -1;
	bool ok;

	ok = !cg_create(d) && !cg_create(t1) && !cg_create(t2) &&
	     !cg_write(t1, "cgroup.type", "threaded") &&
	     !cg_write(t2, "cgroup.type", "threaded") &&
	     !cg_try(d, "cgroup.subtree_control", "+mpam") &&
	     !cg_read_strstr(d, "cgroup.type", "domain threaded");
	if (!ok) {
		ksft_test_result_fail("mpam cannot be enabled for threaded cgroups\n");
		goto out;
	}
	if (!have_platform()) {
		ksft_test_result_skip("threaded: labels need the emulated MPAM platform\n");
		goto out;
	}
	pin(0);
	snprintf(line, sizeof(line), "%s 1", l3_key);
	ok = !cg_try(t1, "mpam.cache.portion", line);
	snprintf(line, sizeof(line), "%s 2", l3_key);
	ok = ok && !cg_try(t2, "mpam.cache.portion", line) && !pipe(pipefd);
	if (!ok)
		goto fail;
	child = fork();
	if (child == 0) {
		struct spinner s = { .cpu = cpu };
		pthread_t th;

		pthread_create(&th, NULL, spin_thread, &s);
		while (!__atomic_load_n(&s.tid, __ATOMIC_ACQUIRE))
			usleep(1000);
		dprintf(pipefd[1], "%d", s.tid);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	memset(tid, 0, sizeof(tid));
	ok = child > 0 && read(pipefd[0], tid, sizeof(tid) - 1) > 0 &&
	     !cg_enter(d, child) && !cg_write(t1, "cgroup.threads", tid) &&
	     cpu_runs_as(cpu, t1) &&
	     !cg_write(t2, "cgroup.threads", tid) && cpu_runs_as(cpu, t2) &&
	     /* The rest of the process stayed where it was. */
	     !cg_read_strstr(t2, "cgroup.threads", tid) &&
	     cg_read_strstr(t1, "cgroup.threads", tid);
	close(pipefd[0]);
fail:
	ksft_test_result(ok, "threads of one process run with their own cgroups' labels\n");
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	pin_all();
out:
	cg_destroy(t2);
	cg_destroy(t1);
	cg_destroy(d);
	free(t2);
	free(t1);
	free(d);
}

/*
 * Delegation as in cgroup v2: the delegatee owns the cgroup's directory and
 * cgroup.procs, cgroup.threads and cgroup.subtree_control.  It sets its
 * children's settings; the delegated cgroup's own settings stay with
 * whoever manages the parent.
 */
static void test_delegation(void)
{
	static const char * const delegated[] = {
		"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control",
	};
	char *d = cg_name(top, "deleg"), *c = cg_name(d, "c"), path[PATH_MAX];
	const uid_t nobody = 65534;
	int status = -1;
	unsigned int i;
	bool ok;
	pid_t pid;

	if (!have_hardware() || !l3_key[0]) {
		ksft_test_result_skip("delegation: no MPAM cache portions\n");
		goto out;
	}
	ok = !cg_create(d);
	for (i = 0; ok && i < ARRAY_SIZE(delegated); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, delegated[i]);
		ok = !chown(path, nobody, nobody);
	}
	pid = ok ? fork() : -1;
	if (pid == 0) {
		char line[64];
		int err;

		if (setresgid(nobody, nobody, nobody) || setresuid(nobody, nobody, nobody))
			_exit(10);
		snprintf(line, sizeof(line), "%s 1", l3_key);
		if (cg_try(d, "cgroup.subtree_control", "+mpam") || cg_create(c))
			_exit(11);
		err = cg_try(d, "mpam.cache.portion", line);
		if (err != -EACCES) {
			ksft_print_msg("delegatee writing its own cgroup's setting: %d\n", err);
			_exit(12);
		}
		err = cg_try(c, "mpam.cache.portion", line);
		if (err) {
			ksft_print_msg("delegatee writing its child's setting: %d\n", err);
			_exit(13);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	ok = ok && pid > 0 && WIFEXITED(status) && !WEXITSTATUS(status) &&
	     !cg_read_strstr(c, "mpam.partition", "mode own") &&
	     !cg_read_strstr(d, "mpam.partition", "mode default");
	ksft_test_result(ok, "a delegatee sets its children's settings, not its own (%d)\n",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
out:
	cg_destroy(c);
	cg_destroy(d);
	free(c);
	free(d);
}

/*
 * A manager gives a delegated subtree a budget of PARTIDs through the misc
 * controller: the delegatee (uid 65534) configures as many children as
 * the budget allows, the next write fails with ENOSPC and misc.events
 * counts it, the root still configures cgroups of its own, and the
 * budget is whole again once the children go.
 */
static void test_budget(void)
{
	static const char * const delegated[] = {
		"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control",
	};
	char *d = cg_name(top, "budget"), *r = cg_name(top, "budget_root");
	char path[PATH_MAX], line[64];
	const uid_t nobody = 65534;
	const int budget = 2;
	int status = -1, i;
	bool ok;
	pid_t pid;

	if (!have_hardware() || !l3_key[0] || nr_partids < budget + 3) {
		ksft_test_result_skip("budget: needs MPAM portions and %d PARTIDs\n",
				      budget + 3);
		goto out;
	}
	if (cg_read_strstr(root, "cgroup.controllers", "misc")) {
		ksft_test_result_skip("budget: no misc controller in this kernel\n");
		goto out;
	}
	ok = !cg_write(root, "cgroup.subtree_control", "+misc") &&
	     !cg_write(top, "cgroup.subtree_control", "+misc") && !cg_create(d) &&
	     !cg_create(r);
	snprintf(line, sizeof(line), "mpam_partid %d", budget);
	ok = ok && !cg_try(d, "misc.max", line);
	for (i = 0; ok && i < ARRAY_SIZE(delegated); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, delegated[i]);
		ok = !chown(path, nobody, nobody);
	}
	pid = ok ? fork() : -1;
	if (pid == 0) {
		char c[PATH_MAX];
		int err = 0;

		if (setresgid(nobody, nobody, nobody) || setresuid(nobody, nobody, nobody))
			_exit(10);
		if (cg_try(d, "cgroup.subtree_control", "+mpam"))
			_exit(11);
		snprintf(line, sizeof(line), "%s 1", l3_key);
		for (i = 0; i <= budget && !err; i++) {
			snprintf(c, sizeof(c), "%s/c%d", d, i);
			if (cg_create(c))
				_exit(12);
			err = cg_try(c, "mpam.cache.portion", line);
		}
		ksft_print_msg("delegatee: %d children configured, then %s\n",
			       i - 1, strerror(-err));
		_exit(i - 1 == budget && err == -ENOSPC ? 0 : 13);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	ok = ok && pid > 0 && WIFEXITED(status) && !WEXITSTATUS(status);
	snprintf(line, sizeof(line), "mpam_partid %d", budget);
	if (ok && (cg_read_strstr(d, "misc.current", line) ||
		   cg_read_strstr(d, "misc.events", "mpam_partid.max 1"))) {
		ksft_print_msg("misc.current or misc.events of %s do not show it\n", d);
		ok = false;
	}
	snprintf(line, sizeof(line), "%s 1", l3_key);
	ok = ok && !cg_try(r, "mpam.cache.portion", line) &&
	     !cg_read_strstr(r, "mpam.partition", "mode own");
	for (i = 0; i <= budget; i++) {
		snprintf(path, sizeof(path), "%s/c%d", d, i);
		cg_destroy(path);
	}
	/* Removed cgroups give their PARTIDs back once they are offline. */
	for (i = 0; ok && i < 1000 && cg_read_strstr(d, "misc.current", "mpam_partid 0"); i++)
		usleep(10000);
	if (ok && cg_read_strstr(d, "misc.current", "mpam_partid 0")) {
		ksft_print_msg("the budget is not whole again\n");
		ok = false;
	}
	ksft_test_result(ok, "a delegated subtree keeps to its budget of %d PARTIDs (%d)\n",
			 budget, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
out:
	cg_destroy(r);
	cg_destroy(d);
	free(r);
	free(d);
}

/* The class names mpam.capacity lists, "l3", "mem", ... */
/* The PARTID in the mpam.partition of @cg, or -1. */
static int partid_of(const char *cg)
{
	char buf[512];
	int partid;

	if (cg_read(cg, "mpam.partition", buf, sizeof(buf)) ||
	    sscanf(buf, "partid %d", &partid) != 1)
		return -1;
	return partid;
}

/* Is the mpam.share of @cg @name after a write of @write, refused as @err? */
static bool share_refused(const char *cg, const char *write, int err,
			  const char *name)
{
	char buf[64];
	int ret = cg_try(cg, "mpam.share", write);

	if (ret != err || cg_read(cg, "mpam.share", buf, sizeof(buf)) ||
	    strcmp(buf, name)) {
		ksft_print_msg("mpam.share \"%s\": %d, want %d; now \"%s\"\n",
			       write, ret, err, buf);
		return false;
	}
	return true;
}

/* Is a write of @s to @file of @cg refused with @err? */
static bool refused(const char *cg, const char *file, const char *s, int err)
{
	int ret = cg_try(cg, file, s);

	if (ret != err)
		ksft_print_msg("%s of %s: \"%s\" gave %d, want %d\n", file, cg, s, ret, err);
	return ret == err;
}

/*
 * Classes, as Kubernetes assigns them: SHARE_PODS cgroups below two
 * parents, each a member of one of three shares with that share's
 * settings, take three PARTIDs; the share outlives the member that took
 * its PARTID; what cannot be shared is refused with a clear errno.
 */
#define SHARE_PODS	30

static void test_shares(void)
{
	char *base = cg_name(top, "shares"), *q[2] = {}, *pod[SHARE_PODS] = {};
	char *below = NULL, line[64], name[16];
	int i, used = -1, partid[3] = { -1, -1, -1 }, first, after = -1;
	bool ok;

	if (!have_hardware() || !l3_key[0] || nr_partids < 5) {
		ksft_test_result_skip("shares: no cache portions, or fewer than 5 PARTIDs\n");
		free(base);
		return;
	}
	/* Only the default partition, once earlier tests' cgroups are gone. */
	first = 1;
	if (!wait_partids_used(first)) {
		ksft_test_result_fail("shares: PARTIDs left in use before it\n");
		free(base);
		return;
	}
	ok = base && !cg_create(base) && !cg_write(base, "cgroup.subtree_control", "+mpam");
	for (i = 0; ok && i < 2; i++) {
		q[i] = cg_name_indexed(base, "q", i);
		ok = q[i] && !cg_create(q[i]) &&
		     !cg_write(q[i], "cgroup.subtree_control", "+mpam");
	}
	for (i = 0; ok && i < SHARE_PODS; i++) {
		pod[i] = cg_name_indexed(q[i % 2], "pod", i);
		snprintf(name, sizeof(name), "class%d", i % 3);
		snprintf(line, sizeof(line), "%s %x", l3_key, 1 << (i % 3));
		ok = pod[i] && !cg_create(pod[i]) &&
		     !cg_write(pod[i], "mpam.share", name) &&
		     !cg_write(pod[i], "mpam.cache.portion", line);
		if (ok && partid[i % 3] < 0)
			partid[i % 3] = partid_of(pod[i]);
		ok = ok && partid_of(pod[i]) == partid[i % 3];
	}
	if (!ok)
		ksft_print_msg("pod %d: partid %d, its share's %d\n", i - 1,
			       i ? partid_of(pod[i - 1]) : -1, partid[(i + 2) % 3]);
	ok = ok && wait_partids_used(first + 3) &&
	     partid[0] != partid[1] && partid[1] != partid[2] && partid[0] != partid[2];
	used = partids_used;

	/* Nothing below a member, or between members and their limits. */
	below = pod[0] ? cg_name(pod[0], "c") : NULL;
	snprintf(line, sizeof(line), "%s 1", l3_key);
	ok = ok && below && !cg_write(pod[0], "cgroup.subtree_control", "+mpam") &&
	     !cg_create(below) &&
	     refused(below, "mpam.cache.portion", line, -EBUSY) &&
	     refused(q[0], "mpam.cache.portion", line, -EBUSY) &&
	     refused(pod[1], "mpam.cache.portion.exclusive", line, -EINVAL) &&
	     share_refused(pod[1], "class 1", -EINVAL, "class1\n") &&
	     share_refused(pod[1], "a-name-of-thirty-one-characters", 0,
			   "a-name-of-thirty-one-characters\n") &&
	     share_refused(pod[1], "a-name-of-thirty-one-characters2", -EINVAL,
			   "a-name-of-thirty-one-characters\n") &&
	     partid_of(pod[1]) != partid[1] &&
	     !cg_write(pod[1], "mpam.share", "class1") &&
	     partid_of(pod[1]) == partid[1];

	/* The member that took class 0's PARTID goes; the others keep it. */
	cg_destroy(below);
	if (ok && !cg_destroy(pod[0])) {
		/* It goes offline after rmdir returns. */
		for (i = 0; i < 1000; i++) {
			if (!cg_read_strstr(pod[3], "mpam.partition", "mode own"))
				break;
			usleep(10000);
		}
		ok = i < 1000 && partid_of(pod[3]) == partid[0] &&
		     have_hardware() && partids_used == used;
		after = partids_used;
	}
	ksft_test_result(ok, "%d cgroups in 3 shares take %d PARTIDs, %d after one goes\n",
			 SHARE_PODS, used - first, after - first);
	for (i = 0; i < SHARE_PODS; i++) {
		cg_destroy(pod[i]);
		free(pod[i]);
	}
	for (i = 0; i < 2; i++) {
		cg_destroy(q[i]);
		free(q[i]);
	}
	cg_destroy(base);
	free(below);
	free(base);
	wait_partids_used(first);
}

static int class_names(char names[][16], int max)
{
	char buf[4096], *line;
	int n = 0, i;

	if (cg_readf(root, "mpam.capacity", buf, sizeof(buf)))
		return 0;
	for (line = strtok(buf, "\n"); line && n < max; line = strtok(NULL, "\n")) {
		if (!strchr(line, ':'))
			continue;
		line[strcspn(line, ":")] = 0;
		for (i = 0; i < n && strcmp(names[i], line); i++)
			;
		if (i == n)
			snprintf(names[n++], sizeof(names[0]), "%s", line);
	}
	return n;
}

static const char *pick(const char * const *v, int n)
{
	return v[rand() % n];
}

/* A line that is sometimes right and mostly wrong, in every way we know. */
static void fuzz_line(char *buf, size_t len, char names[][16], int nr_names)
{
	static const char * const ids[] = {
		"", "", "", ":0", ":1", ":2", ":100", ":101", ":4294967295",
		":4294967296", ":-1", ":", ":x", ":1:1", ":0x1", "::",
	};
	static const char * const vals[] = {
		"max", "default", "0", "1", "3", "f", "ff", "ffff", "1,ffffffff",
		"50", "100", "101", "255", "256", "-1", "0x10", "1e3", "",
		"ffffffffffffffffffffffffffffffffffffffff", "1 2", "max max",
		"18446744073709551616", "0f0f", "8000", "00000001", "+5",
	};
	static const char * const seps[] = { " ", " ", "\t", "  ", "", "\n" };
	static const char * const tails[] = { "", "", "\n", " ", "\n\n", "x", "\r" };
	const char *name = rand() % 8 ? names[rand() % nr_names] :
			   pick((const char * const[]){ "nosuch", "", "L3", "l3 l3" }, 4);
	char val[64];

	if (rand() % 4)
		snprintf(val, sizeof(val), "%s", pick(vals, ARRAY_SIZE(vals)));
	else
		snprintf(val, sizeof(val), "%x", rand() & ((1 << (rand() % 31)) - 1));
	snprintf(buf, len, "%s%s%s%s%s", name, pick(ids, ARRAY_SIZE(ids)),
		 pick(seps, ARRAY_SIZE(seps)), val, pick(tails, ARRAY_SIZE(tails)));
}

/* Put every line of @file of @cg back to the default; 0 or -1. */
static int reset_file(const char *cg, const char *file)
{
	char buf[4096], line[128], *l, *save;

	if (cg_readf(cg, file, buf, sizeof(buf)))
		return -1;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l[strcspn(l, " ")] = 0;
		snprintf(line, sizeof(line), "%s default", l);
		if (cg_try(cg, file, line))
			return -1;
	}
	return 0;
}

/*
 * Random, mostly malformed writes to every setting file of a cgroup and
 * its child: each is accepted or refused with EINVAL (ENOSPC if PARTIDs
 * run out), a refused one changes nothing, and once every line is back
 * to the default no PARTID is left taken.  The kernel log, checked by the
 * rig after the run, must stay free of splats and leaks.
 */
static void test_fuzz(void)
{
	static const char * const files[] = {
		"mpam.cache.portion", "mpam.cache.max", "mpam.bw.max", "mpam.bw.min",
		"mpam.cache.portion.exclusive",
	};
	char *a = cg_name(top, "fuzz"), *b = cg_name(a, "b"), names[8][16];
	char before[4096], after[4096], line[256];
	int i, err, nr_names, used = -1, accepted = 0, refused = 0;
	unsigned int seed = getenv("MPAM_FUZZ_SEED") ?
			    strtoul(getenv("MPAM_FUZZ_SEED"), NULL, 0) : 1;
	bool ok;

	nr_names = class_names(names, ARRAY_SIZE(names));
	if (!have_hardware() || !nr_names) {
		ksft_test_result_skip("fuzz: no MPAM classes\n");
		goto out;
	}
	/* Only the default partition is in use once earlier tests are gone. */
	used = 1;
	if (!wait_partids_used(used)) {
		ksft_test_result_fail("fuzz: PARTIDs left in use before it\n");
		goto out;
	}
	srand(seed);
	ok = !cg_create(a) && !cg_write(a, "cgroup.subtree_control", "+mpam") &&
	     !cg_create(b);
	for (i = 0; ok && i < 3000; i++) {
		static const char * const shares[] = { "\n", "s1", "s2", "s 1" };
		const char *cg = rand() % 3 ? a : b;
		const char *file = rand() % 8 ? files[rand() % ARRAY_SIZE(files)] :
				   "mpam.share";

		if (strcmp(file, "mpam.share"))
			fuzz_line(line, sizeof(line), names, nr_names);
		else
			snprintf(line, sizeof(line), "%s", shares[rand() % ARRAY_SIZE(shares)]);
		if (cg_readf(cg, file, before, sizeof(before))) {
			ksft_print_msg("cannot read %s\n", file);
			ok = false;
		}
		err = cg_try(cg, file, line);
		if (!err) {
			accepted++;
			continue;
		}
		refused++;
		/* EBUSY: a setting below a member of a share, or the reverse. */
		if (err != -EINVAL && err != -ENOSPC && err != -EBUSY) {
			ksft_print_msg("\"%s\" to %s: %s\n", line, file, strerror(-err));
			ok = false;
		}
		if (cg_readf(cg, file, after, sizeof(after)) || strcmp(before, after)) {
			ksft_print_msg("refused \"%s\" changed %s\n", line, file);
			ok = false;
		}
	}
	ok = ok && !cg_write(a, "mpam.share", "\n") && !cg_write(b, "mpam.share", "\n");
	for (i = 0; ok && i < ARRAY_SIZE(files); i++) {
		ok = !reset_file(b, files[i]) && !reset_file(a, files[i]);
		if (!ok)
			ksft_print_msg("cannot reset %s\n", files[i]);
	}
	if (ok && cg_read_strstr(a, "mpam.partition", "mode default")) {
		ksft_print_msg("settings left after the reset\n");
		ok = false;
	}
	ok = ok && wait_partids_used(used);
	ksft_test_result(ok, "fuzz (seed %u): %d writes accepted, %d refused, nothing leaked\n",
			 seed, accepted, refused);
out:
	cg_destroy(b);
	cg_destroy(a);
	free(b);
	free(a);
}

/* mount(2) of resctrl at /sys/fs/resctrl; 0 or -errno. */
static int mount_resctrl(void)
{
	return mount("resctrl", "/sys/fs/resctrl", "resctrl", 0, NULL) ? -errno : 0;
}

static bool have_resctrl(void)
{
	char buf[4096];

	return read_text("/proc/filesystems", buf, sizeof(buf)) > 0 &&
	       strstr(buf, "\tresctrl\n") && !access("/sys/fs/resctrl", F_OK);
}

/*
 * resctrl and the controller take turns (see "Ownership"): with
 * mpam.owner=auto the first to use MPAM has it, the other gets EBUSY; with
 * mpam.owner=cgroup or =resctrl the other always does.
 */
static void test_resctrl_conflict(void)
{
	char *a = cg_name(top, "owner"), owner[32] = "auto", set[64], unset[64];
	int used, m1, w1, m2, w2, m3 = 0;
	bool ok, cgroup_only, resctrl_only;

	if (!have_hardware() || !l3_key[0] || !have_resctrl()) {
		ksft_test_result_skip("resctrl conflict: needs MPAM and resctrl\n");
		goto out;
	}
	read_text("/sys/module/mpam/parameters/owner", owner, sizeof(owner));
	owner[strcspn(owner, "\n")] = 0;
	cgroup_only = !strcmp(owner, "cgroup");
	resctrl_only = !strcmp(owner, "resctrl");
	snprintf(set, sizeof(set), "%s 1", l3_key);
	snprintf(unset, sizeof(unset), "%s default", l3_key);
	used = 1;
	ok = wait_partids_used(used) && !cg_create(a);

	/* resctrl first: settings are refused and take nothing. */
	m1 = mount_resctrl();
	w1 = cg_try(a, "mpam.cache.portion", set);
	ok = ok && m1 == (cgroup_only ? -EBUSY : 0) &&
	     w1 == (m1 ? 0 : -EBUSY) && have_hardware() &&
	     partids_used == used + !w1;
	if (!m1)
		ok = ok && !umount("/sys/fs/resctrl");
	cg_try(a, "mpam.cache.portion", unset);

	/* The controller first: resctrl is refused until the last setting goes. */
	w2 = cg_try(a, "mpam.cache.portion", set);
	m2 = mount_resctrl();
	ok = ok && w2 == (resctrl_only ? -EBUSY : 0) && m2 == (w2 && !cgroup_only ? 0 : -EBUSY);
	if (!m2)
		umount("/sys/fs/resctrl");
	ok = ok && !cg_try(a, "mpam.cache.portion", unset);
	if (!cgroup_only) {
		m3 = mount_resctrl();
		ok = ok && !m3 && !umount("/sys/fs/resctrl");
	}
	ok = ok && have_hardware() && partids_used == used;
	ksft_print_msg("resctrl first: mount %d, write %d; %s: write %d, mount %d; then mount %d\n",
		       m1, w1, "cgroup first", w2, m2, m3);
	ksft_test_result(ok, "owner=%s: resctrl and the controller take turns\n", owner);
out:
	cg_destroy(a);
	free(a);
}

int main(void)
{
	const char *missing;

	ksft_print_header();
	ksft_set_plan(15);

	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 is not mounted\n");
	if (cg_read_strstr(root, "cgroup.controllers", "mpam"))
		ksft_exit_skip("the mpam controller is not built in\n");
	missing = root_file_missing();
	if (cg_write(root, "cgroup.subtree_control", "+mpam"))
		ksft_exit_fail_msg("cannot enable mpam at the root\n");
	snprintf(top, sizeof(top), "%s/mpam_test.%d", root, getpid());
	if (cg_create(top) || cg_write(top, "cgroup.subtree_control", "+mpam"))
		ksft_exit_fail_msg("cannot create %s\n", top);

	test_controller_listed();
	test_root_files(missing);
	test_enable_never_fails();
	test_files();
	test_no_hardware();
	test_partid_exhaustion();
	test_bad_input();
	test_inheritance();
	test_labels();
	test_threaded();
	test_delegation();
	test_budget();
	test_shares();
	test_fuzz();
	test_resctrl_conflict();

	cg_destroy(top);
	ksft_finished();
}
