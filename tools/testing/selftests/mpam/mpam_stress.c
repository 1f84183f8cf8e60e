// SPDX-License-Identifier: GPL-2.0
/*
 * mpam_stress: everything that can change the mpam cgroup controller's
 * state, at once, for MPAM_STRESS_SECONDS (120 by default).
 *
 * Workers, each a process of its own: mkdir and rmdir of a tree three
 * levels deep with +mpam enabled on the way; valid and malformed writes
 * to the setting files; byte counters and mpam.monitor taken and given
 * back; processes moved between the cgroups of the tree and threads
 * between threaded cgroups; forks, plain and CLONE_INTO_CGROUP; reads of
 * every mpam.* file; CPU 1 taken offline and online; resctrl mounted and
 * unmounted.  Every few seconds the test itself holds the writers off and
 * puts every setting back to the default, so that the controller lets
 * MPAM go and takes it again under the fork load.
 *
 * A write or read that fails with an errno the ABI does not give for it
 * fails the test.  Afterwards: each surviving task of the movers runs
 * with its cgroup's label, as the emulated platform reports it for the
 * task spinning on CPU 1; and as many partitions, PMGs and byte counters
 * can be taken as before the run.  The rig checks the kernel log for
 * WARN, lockdep, KASAN, kmemleak, RCU and hung-task reports.
 *
 * MPAM_STRESS_INJECT_ERROR=1 also raises an MSC error at a random moment
 * (it disables MPAM until reboot: a boot of its own): then every file
 * fails with ENODEV, every task runs with the default label and the tree
 * can be removed.  MPAM_STRESS_SEED picks the random sequences.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"
#include "mpam_util.h"

#define BASE		CG "/mpam_stress"
#define THR		BASE "/thr"
#define CPU1		"/sys/devices/system/cpu/cpu1/online"

/* The tree: FANOUT children a node, three levels, node i under parent(i). */
#define FANOUT		3
#define NR_NODES	(FANOUT + FANOUT * FANOUT + FANOUT * FANOUT * FANOUT)
/* Processes the movers move, and threads of the threaded process. */
#define NR_POOL		4
#define NR_THREADS	3
/* The errnos counted, by number. */
#define NR_ERRNOS	128
/* Unexpected results told in the log. */
#define NR_TOLD		10

enum worker {
	W_TREE, W_SET, W_SET2, W_IDENT, W_MOVE, W_THREAD, W_FORK, W_READ,
	W_HOTPLUG, W_RESCTRL, NR_WORKERS
};

static const char * const worker_names[NR_WORKERS] = {
	"mkdir/rmdir", "settings", "settings", "counters/monitor", "moves",
	"thread moves", "forks", "reads", "hotplug", "resctrl",
};

/* The workers that write settings, held off while the test resets. */
static bool holds_settings(int w)
{
	return w == W_SET || w == W_SET2 || w == W_IDENT;
}

/* What the workers and the test share. */
struct shared {
	int stop;
	int hold;			/* settings writers: wait */
	int held[NR_WORKERS];		/* acknowledged */
	long ops[NR_WORKERS];		/* operations tried */
	long done[NR_WORKERS];		/* and succeeded */
	long errs[NR_WORKERS][NR_ERRNOS];	/* and failed, by errno */
	long unexpected;
	char told[NR_TOLD][256];	/* the first unexpected results */
	pid_t pool[NR_POOL];
	pid_t threaded;
	int tids[NR_THREADS];
	int spin_thread;		/* 1 + the thread to spin on CPU 1 */
};

static struct shared *sh;
static int me;				/* the worker this process is */
static long used0;			/* PARTIDs in use before the run */
static char classes[8][16];		/* class names of mpam.capacity */
static int nr_classes;
static char ctr_classes[8][16];		/* those with byte counters */
static int nr_ctr_classes;
static char portion_class[16];		/* a class with portions */
static bool inject;

/* --- helpers -------------------------------------------------------------- */

static void node_path(int i, char *buf, size_t len)
{
	char up[256];

	if (i < FANOUT) {
		snprintf(buf, len, BASE "/n%d", i);
		return;
	}
	node_path((i - FANOUT) / FANOUT, up, sizeof(up));
	snprintf(buf, len, "%s/n%d", up, i);
}

/* Count an operation of this worker that ended with @err. */
static void count(int err)
{
	__atomic_fetch_add(&sh->ops[me], 1, __ATOMIC_RELAXED);
	if (!err)
		__atomic_fetch_add(&sh->done[me], 1, __ATOMIC_RELAXED);
	else if (-err < NR_ERRNOS)
		__atomic_fetch_add(&sh->errs[me][-err], 1, __ATOMIC_RELAXED);
}

/* A result the ABI does not give: the test fails, the first few are told. */
static void unexpected(const char *fmt, ...)
{
	long n = __atomic_fetch_add(&sh->unexpected, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (n >= NR_TOLD)
		return;
	va_start(ap, fmt);
	vsnprintf(sh->told[n], sizeof(sh->told[n]), fmt, ap);
	va_end(ap);
}

/* Is -@err one of the errnos listed after it (0-terminated)? */
static bool errno_in(int err, ...)
{
	va_list ap;
	int e;

	if (!err)
		return true;
	va_start(ap, err);
	while ((e = va_arg(ap, int)) && e != -err)
		;
	va_end(ap);
	return e;
}

/*
 * A file of a cgroup that rmdir removes while it is opened answers ENODEV
 * (kernfs), as every mpam file does after an MSC error.
 */
#define GONE	ENODEV

/* The names of the classes, those with byte counters, one with portions. */
static int read_classes(void)
{
	char buf[8192], *l, *save;
	int i;

	if (rdf(CG, "mpam.capacity", buf, sizeof(buf)) <= 0)
		return -1;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[16];

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(l, ":"), l);
		for (i = 0; i < nr_classes && strcmp(classes[i], name); i++)
			;
		if (i == nr_classes && nr_classes < 8)
			strcpy(classes[nr_classes++], name);
		if (strstr(l, " portions=") && !portion_class[0])
			strcpy(portion_class, name);
		if (!strstr(l, " bytes=0") && strstr(l, " bytes=")) {
			for (i = 0; i < nr_ctr_classes && strcmp(ctr_classes[i], name); i++)
				;
			if (i == nr_ctr_classes && nr_ctr_classes < 8)
				strcpy(ctr_classes[nr_ctr_classes++], name);
		}
	}
	return nr_classes ? 0 : -1;
}

/* --- the workers ---------------------------------------------------------- */

/* A random node of the tree, or now and then a threaded cgroup. */
static void pick(char *buf, size_t len)
{
	if (rand() % 8)
		node_path(rand() % NR_NODES, buf, len);
	else
		snprintf(buf, len, THR "/t%d", rand() % 2);
}

/*
 * mkdir of a random node, its missing ancestors first, with +mpam enabled
 * in its parent on the way; or, now and then, its rmdir, and sometimes
 * -mpam in the parent after it, which takes the css from the siblings'
 * tasks.
 */
static void work_tree(void)
{
	char path[PATH_MAX], up[PATH_MAX];
	int i = rand() % NR_NODES, j, err;

	node_path(i, path, sizeof(path));
	if (!access(path, F_OK)) {
		/* Keep three of four nodes, so that the others find some. */
		if (rand() % 3)
			return;
		err = rmdir(path) ? -errno : 0;
		count(err);
		if (!errno_in(err, EBUSY, ENOTEMPTY, ENOENT, 0))
			unexpected("rmdir %s: %s", path, strerror(-err));
		if (err || i < FANOUT || rand() % 2)
			return;
		node_path((i - FANOUT) / FANOUT, up, sizeof(up));
		/* EBUSY: a child has it in its own subtree_control. */
		err = wrf(up, "cgroup.subtree_control", "-mpam");
		if (!errno_in(err, EBUSY, ENOENT, GONE, 0))
			unexpected("-mpam in %s: %s", up, strerror(-err));
		return;
	}
	do {
		/* The highest missing ancestor of @i. */
		for (j = i; j >= FANOUT; j = (j - FANOUT) / FANOUT) {
			node_path((j - FANOUT) / FANOUT, up, sizeof(up));
			if (!access(up, F_OK))
				break;
		}
		if (j >= FANOUT) {
			/*
			 * EOPNOTSUPP: the parent is no valid domain, for it is
			 * below one with tasks and a threaded controller;
			 * EBUSY: it has tasks, and children with tasks.
			 */
			err = wrf(up, "cgroup.subtree_control", "+mpam");
			if (!errno_in(err, EOPNOTSUPP, EBUSY, ENOENT, GONE, 0))
				unexpected("+mpam in %s: %s", up, strerror(-err));
		}
		node_path(j, up, sizeof(up));
		err = mkdir(up, 0755) ? -errno : 0;
		count(err);
		if (!errno_in(err, EEXIST, ENOENT, 0))
			unexpected("mkdir %s: %s", up, strerror(-err));
	} while (j != i && !err);
}

static const char * const setting_files[] = {
	"mpam.cache.portion", "mpam.cache.max", "mpam.bw.max", "mpam.bw.min",
	"mpam.cache.portion.exclusive", "mpam.share",
};

/* A line for @file: mostly one the kernel takes, sometimes not. */
static void setting_line(const char *file, char *buf, size_t len)
{
	static const char * const pct[] = { "10", "25", "50", "75", "99.5", "max", "default" };
	static const char * const bits[] = { "1", "3", "f", "f0", "ff", "1,1", "default" };
	static const char * const bad[] = {
		"", "\n", "nosuch 1", "l3:999 1", "l3 -1", "l3 0x", "mem 101",
		"l3 1 2", "l3\t", "l3:1:1 f", ":1 f",
	};
	const char *cls = classes[rand() % nr_classes];

	if (!strcmp(file, "mpam.share")) {
		snprintf(buf, len, "%s", rand() % 3 ? "\n" : rand() % 2 ? "s1" : "s2");
		return;
	}
	if (rand() % 5 == 0) {
		snprintf(buf, len, "%s", bad[rand() % ARRAY_SIZE(bad)]);
		return;
	}
	if (strstr(file, "portion"))
		snprintf(buf, len, "%s %s", cls, bits[rand() % 7]);
	else
		snprintf(buf, len, "%s %s", cls, pct[rand() % 7]);
}

static void work_settings(void)
{
	const char *file = setting_files[rand() % 6];
	char path[PATH_MAX], line[64];
	int err;

	pick(path, sizeof(path));
	setting_line(file, line, sizeof(line));
	err = wrf(path, file, line);
	count(err);
	/*
	 * EINVAL: malformed, or the class has no such control; ENOSPC: no
	 * PARTID, no free portion; EBUSY: resctrl has MPAM, or a share and
	 * settings in one line of descent.
	 */
	if (!errno_in(err, EINVAL, ENOSPC, EBUSY, ENOENT, GONE, 0))
		unexpected("\"%s\" to %s/%s: %s", line, path, file, strerror(-err));
}

static void work_ident(void)
{
	char path[PATH_MAX], line[64];
	int err;

	pick(path, sizeof(path));
	if (nr_ctr_classes && rand() % 2) {
		snprintf(line, sizeof(line), "%s %s", ctr_classes[rand() % nr_ctr_classes],
			 rand() % 2 ? "on" : "off");
		err = wrf(path, "mpam.counters", line);
	} else {
		snprintf(line, sizeof(line), "%d", rand() % 2);
		err = wrf(path, "mpam.monitor", line);
	}
	count(err);
	if (!errno_in(err, ENOSPC, EBUSY, ENOENT, GONE, 0))
		unexpected("\"%s\" to %s: %s", line, path, strerror(-err));
}

/* A process of the pool into a random node (leaves only take tasks). */
static void work_move(void)
{
	char path[PATH_MAX], pid[16];
	int err;

	node_path(rand() % NR_NODES, path, sizeof(path));
	snprintf(pid, sizeof(pid), "%d", sh->pool[rand() % NR_POOL]);
	err = wrf(path, "cgroup.procs", pid);
	count(err);
	/* EBUSY: an inner node, controllers enabled; EOPNOTSUPP: threaded. */
	if (!errno_in(err, EBUSY, ENOENT, EOPNOTSUPP, GONE, 0))
		unexpected("%s to %s: %s", pid, path, strerror(-err));
}

static void work_thread(void)
{
	char path[PATH_MAX], tid[16];
	int err;

	snprintf(path, sizeof(path), THR "/t%d", rand() % 2);
	snprintf(tid, sizeof(tid), "%d", sh->tids[rand() % NR_THREADS]);
	err = wrf(path, "cgroup.threads", tid);
	count(err);
	if (err)
		unexpected("thread %s to %s: %s", tid, path, strerror(-err));
}

/* A plain fork, or a clone3() into a random node. */
static void work_fork(void)
{
	char path[PATH_MAX] = "(a plain fork)";
	struct clone_args args = { .exit_signal = SIGCHLD };
	int fd = -1, err = 0;
	pid_t pid;

	if (rand() % 2) {
		node_path(rand() % NR_NODES, path, sizeof(path));
		fd = open(path, O_DIRECTORY | O_RDONLY);
		if (fd < 0)
			return;
		args.flags = CLONE_INTO_CGROUP;
		args.cgroup = fd;
		pid = syscall(__NR_clone3, &args, sizeof(args));
	} else {
		pid = fork();
	}
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		err = -errno;
	else
		waitpid(pid, NULL, 0);
	if (fd >= 0)
		close(fd);
	count(err);
	if (!errno_in(err, EBUSY, ENOENT, EOPNOTSUPP, GONE, 0))
		unexpected("clone into %s: %s", path, strerror(-err));
}

/* Every mpam.* file of a random node, or of the root. */
static void work_read(void)
{
	char path[PATH_MAX], buf[16384];
	struct dirent *de;
	DIR *dir;
	int err;

	if (rand() % 8)
		pick(path, sizeof(path));
	else
		strcpy(path, CG);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "mpam.", 5))
			continue;
		err = rdf(path, de->d_name, buf, sizeof(buf));
		err = err < 0 ? err : 0;
		count(err);
		/* The root's files go only with MPAM. */
		if (!errno_in(err, ENOENT, inject || strcmp(path, CG) ? GONE : 0, 0))
			unexpected("read %s/%s: %s", path, de->d_name, strerror(-err));
	}
	closedir(dir);
}

static void work_hotplug(void)
{
	int err = wr(CPU1, "0");

	count(err);
	sleep_ms(200);
	if (!err) {
		err = wr(CPU1, "1");
		count(err);
	}
	if (!errno_in(err, EBUSY, 0))
		unexpected("CPU 1 hotplug: %s", strerror(-err));
	/* It stops everything that takes cpus_read_lock(): not too often. */
	sleep_ms(1500);
}

/* Mounted, looked at, unmounted; EBUSY while the controller has MPAM. */
static void work_resctrl(void)
{
	char buf[4096];
	int err = mount("resctrl", RC, "resctrl", 0, NULL) ? -errno : 0;

	count(err);
	if (!errno_in(err, EBUSY, ENODEV, 0))
		unexpected("resctrl mount: %s", strerror(-err));
	if (err) {
		sleep_ms(100);
		return;
	}
	rdf(RC, "schemata", buf, sizeof(buf));
	sleep_ms(50);
	if (umount(RC))
		unexpected("resctrl umount: %s", strerror(errno));
}

static void (* const work[NR_WORKERS])(void) = {
	[W_TREE] = work_tree,
	[W_SET] = work_settings,
	[W_SET2] = work_settings,
	[W_IDENT] = work_ident,
	[W_MOVE] = work_move,
	[W_THREAD] = work_thread,
	[W_FORK] = work_fork,
	[W_READ] = work_read,
	[W_HOTPLUG] = work_hotplug,
	[W_RESCTRL] = work_resctrl,
};

static void worker(int w, unsigned int seed)
{
	me = w;
	srand(seed);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		if (holds_settings(w) && __atomic_load_n(&sh->hold, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&sh->held[w], 1, __ATOMIC_RELEASE);
			sleep_ms(5);
			continue;
		}
		__atomic_store_n(&sh->held[w], 0, __ATOMIC_RELEASE);
		work[w]();
	}
	_exit(0);
}

/* --- the pool: tasks to move, which spin on CPU 1 when told --------------- */

static int spin_now;

static void on_usr1(int sig)
{
	__atomic_store_n(&spin_now, 1, __ATOMIC_RELAXED);
}

static void pool_task(void)
{
	signal(SIGUSR1, on_usr1);
	while (!__atomic_load_n(&spin_now, __ATOMIC_RELAXED))
		sleep_ms(20);
	spin_on(1);
}

/* Thread @arg: spins on CPU 1 while sh->spin_thread names it (1 + @arg). */
static void *pool_thread(void *arg)
{
	struct sched_param sp = { .sched_priority = 10 }, none = { 0 };
	int i = (long)arg;

	__atomic_store_n(&sh->tids[i], syscall(SYS_gettid), __ATOMIC_RELEASE);
	while (__atomic_load_n(&sh->spin_thread, __ATOMIC_ACQUIRE) != i + 1)
		sleep_ms(20);
	sched_setscheduler(0, SCHED_FIFO, &sp);
	pin(1);
	while (__atomic_load_n(&sh->spin_thread, __ATOMIC_ACQUIRE) == i + 1)
		;
	sched_setscheduler(0, SCHED_OTHER, &none);
	for (;;)
		pause();
	return NULL;
}

static void threaded_task(void)
{
	pthread_t t;
	long i;

	for (i = 1; i < NR_THREADS; i++)
		pthread_create(&t, NULL, pool_thread, (void *)i);
	pool_thread(0);
}

/* --- the checks ----------------------------------------------------------- */

/* The cgroup of @tid (a thread of @pid, or @pid itself). */
static int task_cgroup(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[64], line[PATH_MAX - 64];
	int n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/cgroup", pid, tid);
	n = rd(path, line, sizeof(line));
	if (n <= 0 || strncmp(line, "0::", 3))
		return -1;
	line[strcspn(line, "\n")] = 0;
	snprintf(buf, len, CG "%s", line + 3);
	return 0;
}

/*
 * @pid (its thread @tid) spins on CPU 1: does the label the platform sees
 * there match its cgroup's (or PARTID @want_partid, PMG 0, if not -1)?
 */
static bool label_matches(pid_t pid, pid_t tid, int want_partid, const char *who)
{
	int partid, pmg, hw_partid, hw_pmg;
	char cg[PATH_MAX];
	bool ok;

	if (task_cgroup(pid, tid, cg, sizeof(cg)) ||
	    (want_partid < 0 && cg_label(cg, &partid, &pmg))) {
		ksft_print_msg("%s: no cgroup or label\n", who);
		return false;
	}
	if (want_partid >= 0) {
		partid = want_partid;
		pmg = 0;
	}
	sleep_ms(300);
	if (cpu_label(1, &hw_partid, &hw_pmg)) {
		ksft_print_msg("%s: CPU 1 never seen at EL0\n", who);
		return false;
	}
	ok = hw_partid == partid && hw_pmg == pmg;
	ksft_print_msg("%s in %s: partid %d pmg %d, CPU 1 runs partid %d pmg %d\n",
		       who, cg + strlen(CG), partid, pmg, hw_partid, hw_pmg);
	return ok;
}

/* Every task of the pool, and each thread of the threaded one. */
static bool labels_match(int want_partid, int *nonzero)
{
	char who[32];
	bool ok = true;
	int i, partid, pmg;

	*nonzero = 0;
	for (i = 0; i < NR_POOL; i++) {
		char cg[PATH_MAX];

		if (!task_cgroup(sh->pool[i], sh->pool[i], cg, sizeof(cg)) &&
		    !cg_label(cg, &partid, &pmg) && partid)
			(*nonzero)++;
		kill(sh->pool[i], SIGUSR1);
		snprintf(who, sizeof(who), "task %d", i);
		ok &= label_matches(sh->pool[i], sh->pool[i], want_partid, who);
		kill(sh->pool[i], SIGKILL);
	}
	for (i = 0; i < NR_THREADS; i++) {
		__atomic_store_n(&sh->spin_thread, i + 1, __ATOMIC_RELEASE);
		snprintf(who, sizeof(who), "thread %d", i);
		ok &= label_matches(sh->threaded, sh->tids[i], want_partid, who);
	}
	kill(sh->threaded, SIGKILL);
	return ok;
}

/* Every line of @file of @dir back to the default; 0 or -errno. */
static int reset_file(const char *dir, const char *file)
{
	bool counters = !strcmp(file, "mpam.counters");
	char buf[8192], line[128], *l, *val, *save;
	int err = rdf(dir, file, buf, sizeof(buf));

	if (err < 0)
		return err;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		val = l + strcspn(l, " ");
		*val++ = 0;
		/* What an unset line shows: nothing to write. */
		if (!strcmp(val, counters ? "off" : "max") || !strcmp(val, "0"))
			continue;
		snprintf(line, sizeof(line), "%s %s", l, counters ? "off" : "default");
		err = wrf(dir, file, line);
		if (err)
			return err;
	}
	return 0;
}

/* Every setting, share, counter and monitor of @dir back to the default. */
static int reset_cgroup(const char *dir)
{
	int i, err = 0;

	for (i = 0; i < 5 && !err; i++)
		err = reset_file(dir, setting_files[i]);
	if (!err)
		err = wrf(dir, "mpam.share", "\n");
	if (!err)
		err = reset_file(dir, "mpam.counters");
	if (!err)
		err = wrf(dir, "mpam.monitor", "0");
	return err;
}

/* Bottom-up, so that no partition waits for its children's. */
static int reset_tree(void)
{
	char path[PATH_MAX];
	int i, err, bad = 0;

	for (i = NR_NODES - 1; i >= -3; i--) {
		if (i >= 0)
			node_path(i, path, sizeof(path));
		else
			snprintf(path, sizeof(path), i == -3 ? THR : THR "/t%d", i + 2);
		err = reset_cgroup(path);
		if (!errno_in(err, ENOENT, GONE, 0)) {
			ksft_print_msg("reset %s: %s\n", path, strerror(-err));
			bad = err;
		}
	}
	return bad;
}

static long partids_used(void)
{
	return keyed(CG, "mpam.ids", "partids_used");
}

static bool wait_partids_used(long want)
{
	int i;

	for (i = 0; i < 100 && partids_used() != want; i++)
		sleep_ms(50);
	return partids_used() == want;
}

/*
 * What can be taken: partitions (each cgroup a setting, until ENOSPC),
 * PMGs (children of one partition asking mpam.monitor, until one gets
 * none) and byte counters of each class (until ENOSPC).
 */
struct takes {
	int partitions;
	int pmgs;
	int counters[8];
};

static int fail(const char *what, int err)
{
	ksft_print_msg("%s: %s\n", what, err ? strerror(-err) : "failed");
	return -1;
}

static int take_all(struct takes *t)
{
	char dir[PATH_MAX], line[64];
	int i, c, n = 0, err = 0, partid, pmg;

	memset(t, 0, sizeof(*t));
	if (mkdir(BASE "/take", 0755) || wrf(BASE "/take", "cgroup.subtree_control", "+mpam"))
		return fail("cannot create " BASE "/take", 0);
	snprintf(line, sizeof(line), "%s 1", portion_class);
	for (n = 0; n < 4096 && !err; n++) {
		snprintf(dir, sizeof(dir), BASE "/take/p%d", n);
		if (mkdir(dir, 0755))
			return fail(dir, -errno);
		err = wrf(dir, "mpam.cache.portion", line);
		if (!errno_in(err, ENOSPC, 0))
			return fail(line, err);
		t->partitions += !err;
	}
	/* The first partition's children, each asking for a PMG. */
	if (wrf(BASE "/take/p0", "cgroup.subtree_control", "+mpam"))
		return fail("+mpam in p0", 0);
	for (i = 0; i < 64; i++) {
		snprintf(dir, sizeof(dir), BASE "/take/p0/m%d", i);
		if (mkdir(dir, 0755) || wrf(dir, "mpam.monitor", "1") ||
		    cg_label(dir, &partid, &pmg))
			return fail("a PMG", 0);
		if (!pmg)
			break;
		t->pmgs++;
	}
	for (c = 0; c < nr_ctr_classes; c++) {
		snprintf(line, sizeof(line), "%.16s on", ctr_classes[c]);
		for (i = 0, err = 0; i < n && !err; i++) {
			snprintf(dir, sizeof(dir), BASE "/take/p%d", i);
			err = wrf(dir, "mpam.counters", line);
			t->counters[c] += !err;
			if (!errno_in(err, ENOSPC, 0))
				return fail(line, err);
		}
		for (i = 0; i < n; i++) {
			snprintf(dir, sizeof(dir), BASE "/take/p%d", i);
			snprintf(line, sizeof(line), "%.16s off", ctr_classes[c]);
			wrf(dir, "mpam.counters", line);
		}
	}
	for (i = 63; i >= 0; i--) {
		snprintf(dir, sizeof(dir), BASE "/take/p0/m%d", i);
		rmdir(dir);
	}
	for (i = n - 1; i >= 0; i--) {
		snprintf(dir, sizeof(dir), BASE "/take/p%d", i);
		rmdir(dir);
	}
	return rmdir(BASE "/take") ? -1 : 0;
}

static void print_takes(const char *when, struct takes *t)
{
	int c;

	ksft_print_msg("%s: %d partitions, %d PMGs in one, counters:", when,
		       t->partitions, t->pmgs);
	for (c = 0; c < nr_ctr_classes; c++)
		printf(" %s %d", ctr_classes[c], t->counters[c]);
	printf("\n");
}

/* --- the run -------------------------------------------------------------- */

static void remove_tree(void)
{
	char path[PATH_MAX];
	int i;

	for (i = NR_NODES - 1; i >= 0; i--) {
		node_path(i, path, sizeof(path));
		rmdir(path);
	}
	rmdir(THR "/t0");
	rmdir(THR "/t1");
	rmdir(THR);
	rmdir(BASE "/pool");
	rmdir(BASE);
}

static pid_t start(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	return pid;
}

/*
 * Hold the writers off, put every setting back, see the controller drop
 * to the default partition alone, let the writers go.  1 when it did.
 */
static int settle(void)
{
	int w, i, got;

	__atomic_store_n(&sh->hold, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 1000; i++) {
		for (w = 0; w < NR_WORKERS; w++)
			if (holds_settings(w) && !__atomic_load_n(&sh->held[w], __ATOMIC_ACQUIRE))
				break;
		if (w == NR_WORKERS)
			break;
		sleep_ms(2);
	}
	got = !reset_tree() && wait_partids_used(used0);
	__atomic_store_n(&sh->hold, 0, __ATOMIC_RELEASE);
	return got;
}

int main(void)
{
	int seconds = env_int("MPAM_STRESS_SECONDS", 120);
	unsigned int seed = env_int("MPAM_STRESS_SEED", 1);
	pid_t workers[NR_WORKERS];
	struct takes before, after;
	int w, i, turn, settled = 0, tries = 0, nonzero;
	double end, err_at = -1;
	bool ok;

	ksft_print_header();
	inject = env_int("MPAM_STRESS_INJECT_ERROR", 0) == 1;
	if (access(CG "/mpam.capacity", F_OK))
		ksft_exit_skip("no mpam controller in this kernel\n");
	if (wr(CG "/cgroup.subtree_control", "+mpam"))
		ksft_exit_fail_msg("cannot enable the mpam controller\n");
	if (read_classes() || !portion_class[0])
		ksft_exit_skip("the mpam controller has no provider with portions\n");
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || access(CPU1, W_OK))
		ksft_exit_skip("needs a CPU 1 that can go offline\n");
	if (inject && !have_host())
		ksft_exit_skip("injects an MSC error: needs the host agent (mpam-host)\n");
	ksft_set_plan(5);
	ksft_print_msg("%d s, seed %u%s\n", seconds, seed,
		       inject ? ", an MSC error at a random moment" : "");

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	remove_tree();
	if (mkdir(BASE, 0755) || wr(BASE "/cgroup.subtree_control", "+mpam") ||
	    mkdir(BASE "/pool", 0755) || mkdir(THR, 0755) ||
	    mkdir(THR "/t0", 0755) || mkdir(THR "/t1", 0755) ||
	    wr(THR "/t0/cgroup.type", "threaded") || wr(THR "/t1/cgroup.type", "threaded") ||
	    wr(THR "/cgroup.subtree_control", "+mpam"))
		ksft_exit_fail_msg("cannot create " BASE ": %s\n", strerror(errno));
	used0 = partids_used();
	if (!inject && take_all(&before))
		ksft_exit_fail_msg("cannot count what can be taken before the run\n");
	if (!inject)
		print_takes("before", &before);

	for (i = 0; i < NR_POOL; i++) {
		char pid[16];

		sh->pool[i] = start(pool_task);
		snprintf(pid, sizeof(pid), "%d", sh->pool[i]);
		if (wrf(BASE "/pool", "cgroup.procs", pid))
			ksft_exit_fail_msg("cannot move the pool's tasks\n");
	}
	sh->threaded = start(threaded_task);
	for (i = 0; i < 1000 && !sh->tids[NR_THREADS - 1]; i++)
		sleep_ms(2);
	{
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", sh->threaded);
		if (wrf(THR, "cgroup.procs", pid))
			ksft_exit_fail_msg("cannot move the threaded task\n");
	}

	srand(seed);
	for (w = 0; w < NR_WORKERS; w++) {
		workers[w] = fork();
		if (workers[w] == 0)
			worker(w, seed * 1000 + w);
	}
	end = now() + seconds;
	if (inject)
		err_at = now() + seconds / 4 + rand() % (seconds / 2 + 1);
	/*
	 * Turns of writes, each after a settle but the first, so that the
	 * run ends with the workers at it; none once MPAM went.
	 */
	for (turn = 0; now() < end; turn++) {
		if (turn && err_at) {
			tries++;
			settled += settle();
		}
		sleep_ms(3000 + rand() % 2000);
		if (err_at > 0 && now() >= err_at) {
			ksft_print_msg("MSC error injected %.0f s into the run\n",
				       now() - end + seconds);
			if (system("mpam-host inject-error 0 7 > /dev/null"))
				ksft_exit_fail_msg("the host could not inject an error\n");
			err_at = 0;
		}
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	for (w = 0; w < NR_WORKERS; w++)
		waitpid(workers[w], NULL, 0);
	wr(CPU1, "1");

	for (w = 0; w < NR_WORKERS; w++) {
		char errs[256] = "";
		int e, n = 0;

		for (e = 1; e < NR_ERRNOS; e++)
			if (sh->errs[w][e])
				n += snprintf(errs + n, sizeof(errs) - n, " %s %ld",
					      strerrorname_np(e), sh->errs[w][e]);
		ksft_print_msg("%-16s %6ld tried %6ld done%s\n", worker_names[w],
			       sh->ops[w], sh->done[w], errs);
	}
	for (i = 0; i < sh->unexpected && i < NR_TOLD; i++)
		ksft_print_msg("unexpected: %s\n", sh->told[i]);
	if (sh->unexpected)
		ksft_print_msg("%ld unexpected results\n", sh->unexpected);
	ksft_test_result(!sh->unexpected, "%d s of stress: no result the ABI does not give\n",
			 seconds);
	ksft_test_result(!tries || settled == tries,
			 "the controller went back to the default partition %d times of %d\n",
			 settled, tries);

	/* At least one task of the pool in a partition of its own. */
	pin(0);
	if (!inject) {
		char cg[PATH_MAX];

		if (!task_cgroup(sh->pool[0], sh->pool[0], cg, sizeof(cg))) {
			char line[64];

			snprintf(line, sizeof(line), "%s 3", portion_class);
			wrf(cg, "mpam.cache.portion", line);
		}
	}
	if (!have_host()) {
		ksft_test_result_skip("labels: no host agent (mpam-host) to ask\n");
		for (i = 0; i < NR_POOL; i++)
			kill(sh->pool[i], SIGKILL);
		kill(sh->threaded, SIGKILL);
	} else {
		ok = labels_match(inject ? 0 : -1, &nonzero);
		ksft_test_result(ok, "every task runs with %s (%d of %d tasks in a partition)\n",
				 inject ? "the default label" : "its cgroup's label",
				 nonzero, NR_POOL);
	}
	for (i = 0; i < NR_POOL; i++)
		waitpid(sh->pool[i], NULL, 0);
	waitpid(sh->threaded, NULL, 0);

	ok = !reset_tree() || inject;
	ok = ok && (inject || wait_partids_used(used0));
	remove_tree();
	ksft_test_result(ok && access(BASE, F_OK), "the tree is reset and removed\n");

	if (inject) {
		char buf[256], line[64];

		snprintf(line, sizeof(line), "%s 1", portion_class);
		ok = !mkdir(BASE, 0755) && !wr(BASE "/cgroup.subtree_control", "+mpam") &&
		     !mkdir(BASE "/x", 0755) &&
		     wrf(BASE "/x", "mpam.cache.portion", line) == -ENODEV &&
		     rdf(BASE "/x", "mpam.partition", buf, sizeof(buf)) == -ENODEV &&
		     rdf(CG, "mpam.ids", buf, sizeof(buf)) == -ENODEV;
		rmdir(BASE "/x");
		rmdir(BASE);
		ksft_test_result(ok, "the files answer ENODEV\n");
	} else {
		ok = !mkdir(BASE, 0755) && !wr(BASE "/cgroup.subtree_control", "+mpam") &&
		     !take_all(&after);
		rmdir(BASE);
		print_takes("after", &after);
		ksft_test_result(ok && !memcmp(&before, &after, sizeof(before)),
				 "as many partitions, PMGs and counters as before\n");
	}
	ksft_finished();
}
