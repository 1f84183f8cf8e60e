// SPDX-License-Identifier: GPL-2.0
/*
 * mpam_bench: what the mpam cgroup controller costs, against what the same
 * work costs with resctrl or another controller, measured in one boot.
 *
 * Every row runs both sides in rounds, alternating which goes first, and
 * prints the median of each side over the rounds and their ratio
 * (controller / comparator) as a row of a markdown table.  Writes also
 * print the MMIO accesses the model counted per write, less those of an
 * idle period as long as the writes took.  Run by scripts/mpam/bench.sh
 * (make bench); not a test: it fails only when it cannot measure.
 *
 * BENCH_ROUNDS (5), BENCH_DESC (2000 descendants), BENCH_MEM (500
 * cgroups), BENCH_SCALE (10000 cgroups), BENCH_CLASSED (1000 cgroups)
 * and BENCH_ROWS (a comma-separated list of row names, default all)
 * change what it does.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mpam_util.h"

#define B	CG "/bench"
/* The comparator of the mpam css: a pids css, outside B (mpam only). */
#define P	CG "/bench-pids"

#define MAX_ROUNDS	32
#define MAX_MSCS	64

static int rounds = 5;
static const char *only_rows;

/* --- helpers -------------------------------------------------------------- */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "mpam_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void must_wr(const char *path, const char *s)
{
	int err = wr(path, s);

	if (err)
		die("write '%s' to %s: %s", s, path, strerror(-err));
}

static void mkcg(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir %s: %s", path, strerror(errno));
}

static void rmcg(const char *path)
{
	if (rmdir(path) && errno != ENOENT)
		die("rmdir %s: %s", path, strerror(errno));
}

static void move_pid(const char *dir, const char *file, pid_t pid)
{
	char path[256], s[32];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(s, sizeof(s), "%d", pid);
	must_wr(path, s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static bool want_row(const char *name)
{
	const char *p;
	size_t len = strlen(name);

	if (!only_rows)
		return true;
	for (p = only_rows; (p = strstr(p, name)); p += len) {
		if ((p == only_rows || p[-1] == ',') &&
		    (p[len] == ',' || !p[len]))
			return true;
	}
	return false;
}

/* --- the model's MMIO access counts --------------------------------------- */

static int mscs[MAX_MSCS], nr_mscs = -1;

static FILE *ask_host(const char *req)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "mpam-host %s 2>/dev/null", req);
	return popen(cmd, "r");
}

static void find_mscs(void)
{
	char line[512];
	FILE *f = ask_host("state");

	nr_mscs = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "mpam-msc", 8) && nr_mscs < MAX_MSCS)
			mscs[nr_mscs++] = atoi(line + 8);
	}
	if (pclose(f))
		nr_mscs = 0;
}

/* Accesses of every MSC so far, or -1 without the host agent. */
static double mmio(void)
{
	char req[64], line[64];
	double sum = 0;
	int i;

	if (nr_mscs < 0)
		find_mscs();
	if (!nr_mscs)
		return -1;
	for (i = 0; i < nr_mscs; i++) {
		FILE *f;

		snprintf(req, sizeof(req), "access-count %d", mscs[i]);
		f = ask_host(req);
		if (!f || !fgets(line, sizeof(line), f))
			die("mpam-host %s: no answer", req);
		pclose(f);
		sum += strtod(line, NULL);
	}
	return sum;
}

/* --- printing ------------------------------------------------------------- */

static void print_header(void)
{
	printf("| what | controller | comparator | ratio |\n");
	printf("| --- | --- | --- | --- |\n");
	fflush(stdout);
}

static void print_header2(void)
{
	printf("| what | at the larger size | at the smaller size | ratio |\n");
	printf("| --- | --- | --- | --- |\n");
	fflush(stdout);
}

static void fmt_val(char *buf, size_t size, double v, const char *unit)
{
	if (v >= 100)
		snprintf(buf, size, "%.0f %s", v, unit);
	else if (v >= 10)
		snprintf(buf, size, "%.1f %s", v, unit);
	else
		snprintf(buf, size, "%.2f %s", v, unit);
}

static void print_row(const char *what, double a, const char *cmp, double b,
		      const char *unit, double mmio_a, double mmio_b)
{
	char sa[64], sb[64];
	int n;

	fmt_val(sa, sizeof(sa), a, unit);
	fmt_val(sb, sizeof(sb), b, unit);
	if (mmio_a >= 0 && mmio_b >= 0) {
		n = strlen(sa);
		snprintf(sa + n, sizeof(sa) - n, ", %.1f MMIO", mmio_a);
		n = strlen(sb);
		snprintf(sb + n, sizeof(sb) - n, ", %.1f MMIO", mmio_b);
	}
	printf("| %s | %s | %s %s | %.2f |\n", what, sa, cmp, sb,
	       b > 0 ? a / b : 0);
	fflush(stdout);
}

/* --- the two sides -------------------------------------------------------- */

/*
 * The controller and resctrl own MPAM in turns: the controller is active
 * while a cgroup has a setting, and resctrl can be mounted only while it
 * is not.  Each side of a row sets up what it needs and takes it down.
 */
struct side {
	bool resctrl;
	char a[128], b[128];	/* two partitions: cgroups or resctrl groups */
	char l3_line[128];	/* a portion setting of every L3 component */
	char mb_line[128];	/* a bandwidth limit of every memory component */
};

static bool have_resctrl;

/* "L3:0=ffff;1=ffff" -> "L3:0=<val>;1=<val>" */
static void rc_line(const char *schemata, const char *res, const char *val,
		    char *out, size_t size)
{
	const char *p = schemata, *q;
	size_t n = 0;

	out[0] = 0;
	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, res, strlen(res)) && p[strlen(res)] == ':')
			break;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p || !*p)
		return;
	n = snprintf(out, size, "%s:", res);
	p += strlen(res) + 1;
	while (*p && *p != '\n' && n < size) {
		q = strchr(p, '=');
		if (!q)
			break;
		n += snprintf(out + n, size - n, "%s%.*s=%s",
			      out[n - 1] == ':' ? "" : ";", (int)(q - p), p,
			      val);
		p = strpbrk(q, ";\n");
		if (!p || *p == '\n')
			break;
		p++;
	}
	snprintf(out + n, size - n, "\n");
}

/*
 * The controller lets MPAM go when the last setting's cgroup is offlined,
 * which rmdir only starts: wait for it.
 */
static void mount_resctrl(void)
{
	int i;

	for (i = 0; mount("resctrl", RC, "resctrl", 0, NULL); i++) {
		if (errno != EBUSY || i == 100)
			die("mount resctrl: %s", strerror(errno));
		usleep(50 * 1000);
	}
}

static void side_up(struct side *s, bool resctrl)
{
	char buf[1024], path[256];

	memset(s, 0, sizeof(*s));
	s->resctrl = resctrl;
	if (!resctrl) {
		snprintf(s->a, sizeof(s->a), B "/a");
		snprintf(s->b, sizeof(s->b), B "/b");
		mkcg(s->a);
		mkcg(s->b);
		snprintf(path, sizeof(path), "%s/mpam.cache.portion", s->a);
		must_wr(path, "l3 f");
		snprintf(path, sizeof(path), "%s/mpam.cache.portion", s->b);
		must_wr(path, "l3 f0");
		return;
	}
	mount_resctrl();
	snprintf(s->a, sizeof(s->a), RC "/a");
	snprintf(s->b, sizeof(s->b), RC "/b");
	mkcg(s->a);
	mkcg(s->b);
	if (rd(RC "/schemata", buf, sizeof(buf)) < 0)
		die("read %s/schemata", RC);
	rc_line(buf, "L3", "f", s->l3_line, sizeof(s->l3_line));
	if (s->l3_line[0]) {
		snprintf(path, sizeof(path), "%s/schemata", s->a);
		must_wr(path, s->l3_line);
		rc_line(buf, "L3", "f0", s->l3_line, sizeof(s->l3_line));
		snprintf(path, sizeof(path), "%s/schemata", s->b);
		must_wr(path, s->l3_line);
	}
	rc_line(buf, "MB", "50", s->mb_line, sizeof(s->mb_line));
}

static void side_down(struct side *s)
{
	rmcg(s->a);
	rmcg(s->b);
	if (s->resctrl && umount(RC))
		die("umount resctrl: %s", strerror(errno));
}

static const char *procs(struct side *s)
{
	return s->resctrl ? "tasks" : "cgroup.procs";
}

static const char *top(struct side *s)
{
	return s->resctrl ? RC : CG;
}

/*
 * Run @fn on both sides for every round, alternating which goes first:
 * side 0 is the controller, side 1 @cmp_resctrl ? resctrl : the
 * controller again (for rows whose comparator is another cgroup).
 */
typedef double (*measure_fn)(int side, void *arg, double *mmio_per_op);

static void run_row(const char *name, const char *what, const char *cmp,
		    const char *unit, measure_fn fn, void *arg)
{
	double v[2][MAX_ROUNDS], m[2][MAX_ROUNDS];
	int r, i;

	if (!want_row(name))
		return;
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 2; i++) {
			int side = (r % 2) ? 1 - i : i;

			m[side][r] = -1;
			v[side][r] = fn(side, arg, &m[side][r]);
		}
	}
	print_row(what, median(v[0], rounds), cmp, median(v[1], rounds), unit,
		  m[0][0] < 0 ? -1 : median(m[0], rounds),
		  m[1][0] < 0 ? -1 : median(m[1], rounds));
}

/* --- context switch ------------------------------------------------------- */

#define PINGS	2000

static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Two tasks on CPU 0, one in each partition, passing a byte back and forth. */
static double m_ctxsw(int side, void *arg, double *mm)
{
	int go[2][2], ab[2], ba[2], res[2];
	bool resctrl = side;
	struct side s;
	pid_t pid[2];
	double t = 0;
	char c = 0;
	int i, k;

	side_up(&s, resctrl);
	if (pipe(ab) || pipe(ba) || pipe(res) || pipe(go[0]) || pipe(go[1]))
		die("pipe");
	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		if (pid[k] < 0)
			die("fork");
		if (pid[k])
			continue;
		pin_cpu0();
		if (read(go[k][0], &c, 1) != 1)
			_exit(1);
		if (k == 0) {
			double t0 = now();

			for (i = 0; i < PINGS; i++) {
				if (write(ab[1], &c, 1) != 1 ||
				    read(ba[0], &c, 1) != 1)
					_exit(1);
			}
			t0 = (now() - t0) / PINGS * 1e6;
			if (write(res[1], &t0, sizeof(t0)) != sizeof(t0))
				_exit(1);
		} else {
			for (i = 0; i < PINGS; i++) {
				if (read(ab[0], &c, 1) != 1 ||
				    write(ba[1], &c, 1) != 1)
					_exit(1);
			}
		}
		_exit(0);
	}
	move_pid(s.a, procs(&s), pid[0]);
	move_pid(s.b, procs(&s), pid[1]);
	for (k = 0; k < 2; k++) {
		if (write(go[k][1], &c, 1) != 1)
			die("go");
	}
	if (read(res[0], &t, sizeof(t)) != sizeof(t))
		die("ping-pong child failed");
	for (k = 0; k < 2; k++)
		waitpid(pid[k], NULL, 0);
	for (k = 0; k < 2; k++) {
		close(go[k][0]);
		close(go[k][1]);
	}
	close(ab[0]); close(ab[1]); close(ba[0]); close(ba[1]);
	close(res[0]); close(res[1]);
	side_down(&s);
	return t;
}

/* --- fork and exit -------------------------------------------------------- */

#define FORKS	200

static double m_fork(int side, void *arg, double *mm)
{
	struct side s;
	double t0;
	int i;

	side_up(&s, side);
	move_pid(s.a, procs(&s), getpid());
	t0 = now();
	for (i = 0; i < FORKS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	t0 = (now() - t0) / FORKS * 1e3;
	move_pid(top(&s), procs(&s), getpid());
	side_down(&s);
	return t0;
}

/* --- mkdir and rmdir ------------------------------------------------------ */

#define MKDIRS	40

/* Side 0: children with the mpam css; side 1: with a pids css. */
static double m_mkdir(int side, void *arg, double *mm)
{
	const char *dir = side ? P "/c" : B "/mpam/c";
	double t0 = now();
	int i;

	for (i = 0; i < MKDIRS; i++) {
		mkcg(dir);
		rmcg(dir);
	}
	return (now() - t0) / MKDIRS * 1e3;
}

/* --- memory per cgroup ---------------------------------------------------- */

/* Slab and per-CPU memory in kB, from /proc/meminfo. */
static double kernel_kb(void)
{
	char buf[4096], *p;
	double kb = 0;
	static const char * const keys[] = { "Slab:", "Percpu:" };
	unsigned int i;

	if (rd("/proc/meminfo", buf, sizeof(buf)) < 0)
		die("/proc/meminfo");
	for (i = 0; i < 2; i++) {
		p = strstr(buf, keys[i]);
		if (p)
			kb += strtod(p + strlen(keys[i]), NULL);
	}
	return kb;
}

static void settle_rcu(void)
{
	/* css and cgroup frees go through RCU and workqueues. */
	usleep(1500 * 1000);
}

/*
 * Bytes of slab and per-CPU memory each of @n children of @dir holds,
 * measured between creating them and removing them.
 */
static double cgroup_bytes(const char *dir, int n)
{
	char path[256];
	double kb0, kb1;
	int i;

	settle_rcu();
	kb0 = kernel_kb();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/m%d", dir, i);
		mkcg(path);
	}
	kb1 = kernel_kb();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/m%d", dir, i);
		rmcg(path);
	}
	return (kb1 - kb0) * 1024 / n;
}

/* The interface files of a new child of @dir. */
static int cgroup_files(const char *dir)
{
	char path[256];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/files", dir);
	mkcg(path);
	d = opendir(path);
	if (!d)
		die("opendir %s: %s", path, strerror(errno));
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	rmcg(path);
	return n;
}

static void row_memory(void)
{
	static const char *const dirs[3] = { B "/plain", P, B "/mpam" };
	double v[3][MAX_ROUNDS], add[2][MAX_ROUNDS];
	int n = env_int("BENCH_MEM", 500), r, i, mem_rounds = rounds;

	if (!want_row("memory"))
		return;
	if (mem_rounds > 3)
		mem_rounds = 3;
	/* The first cgroups grow the per-CPU chunks, which stay. */
	cgroup_bytes(dirs[2], n);
	for (r = 0; r < mem_rounds; r++) {
		for (i = 0; i < 3; i++) {
			int k = (r + i) % 3;

			v[k][r] = cgroup_bytes(dirs[k], n);
		}
		add[0][r] = v[2][r] - v[0][r];
		add[1][r] = v[1][r] - v[0][r];
	}
	rounds = mem_rounds;
	print_row("memory per cgroup, child with the mpam css (slab + percpu)",
		  median(v[2], rounds) / 1024, "child with a pids css",
		  median(v[1], rounds) / 1024, "KB", -1, -1);
	print_row("memory the css adds to a cgroup", median(add[0], rounds) / 1024,
		  "pids css", median(add[1], rounds) / 1024, "KB", -1, -1);
	printf("| memory per cgroup without a css | %.1f KB | | |\n",
	       median(v[0], rounds) / 1024);
	printf("| interface files the css adds | %d | pids css %d | |\n",
	       cgroup_files(dirs[2]) - cgroup_files(dirs[0]),
	       cgroup_files(dirs[1]) - cgroup_files(dirs[0]));
	rounds = env_int("BENCH_ROUNDS", 5);
}

/* --- setting writes ------------------------------------------------------- */

#define WRITES	40

struct write_arg {
	const char *cg_file;	/* the controller's file */
	const char *cg_val[2];	/* two values it alternates */
	bool mb;		/* resctrl: the MB line, else the L3 line */
	const char *rc_val[2];
};

/*
 * @n writes of @vals in turn to @path, and the MMIO accesses each cost
 * beyond what an idle period of the same length sees.
 */
static double time_writes(const char *path, const char *const vals[2], int n,
			  double *mm)
{
	double m0, m1, m2, t0, t;
	int i;

	m0 = mmio();
	t0 = now();
	for (i = 0; i < n; i++)
		must_wr(path, vals[i % 2]);
	t = now() - t0;
	m1 = mmio();
	usleep(t * 1e6);
	m2 = mmio();
	if (m0 >= 0)
		*mm = ((m1 - m0) - (m2 - m1)) / n;
	return t / n * 1e3;
}

static double m_write(int side, void *arg, double *mm)
{
	struct write_arg *w = arg;
	char path[256], buf[1024], rv[2][128];
	const char *vals[2] = { rv[0], rv[1] };
	struct side s;
	double t;
	int i;

	side_up(&s, side);
	if (!side) {
		snprintf(path, sizeof(path), "%s/%s", s.a, w->cg_file);
		t = time_writes(path, w->cg_val, WRITES, mm);
	} else {
		if (rd(RC "/schemata", buf, sizeof(buf)) < 0)
			die("schemata");
		for (i = 0; i < 2; i++) {
			rc_line(buf, w->mb ? "MB" : "L3", w->rc_val[i], rv[i],
				sizeof(rv[i]));
			if (!rv[i][0])
				die("resctrl has no %s resource", w->mb ? "MB" : "L3");
		}
		snprintf(path, sizeof(path), "%s/schemata", s.a);
		t = time_writes(path, vals, WRITES, mm);
	}
	side_down(&s);
	return t;
}

/* --- task moves ----------------------------------------------------------- */

#define MOVES	60

/* The components of class @cls ("l3", "mem") in the root's mpam.capacity. */
static int class_comps(const char *cls)
{
	char buf[4096], key[16], *p;
	int n = 0;

	if (rd(CG "/mpam.capacity", buf, sizeof(buf)) < 0)
		die("mpam.capacity");
	snprintf(key, sizeof(key), "%s:", cls);
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, key, strlen(key));
	return n;
}

/* Side 0: between two partitions; side 1: between two plain cgroups. */
static double m_move(int side, void *arg, double *mm)
{
	struct side s;
	char a[128], b[128];
	pid_t pid;
	double t0;
	int i;

	if (!side) {
		side_up(&s, false);
		snprintf(a, sizeof(a), "%s", s.a);
		snprintf(b, sizeof(b), "%s", s.b);
	} else {
		snprintf(a, sizeof(a), B "/plain/x");
		snprintf(b, sizeof(b), B "/plain/y");
		mkcg(a);
		mkcg(b);
	}
	pid = fork();
	if (!pid) {
		pause();
		_exit(0);
	}
	t0 = now();
	for (i = 0; i < MOVES; i++)
		move_pid(i % 2 ? b : a, "cgroup.procs", pid);
	t0 = (now() - t0) / MOVES * 1e3;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (!side) {
		side_down(&s);
	} else {
		rmcg(a);
		rmcg(b);
	}
	return t0;
}

/* --- stat scrapes --------------------------------------------------------- */

#define SCRAPES		10
/* Longer than the controller keeps an occupancy sample (100 ms). */
#define SCRAPE_GAP_US	150000

/* Read every file below @dir (resctrl's mon_data). */
static void read_tree(const char *dir)
{
	char path[512], buf[4096];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		die("opendir %s", dir);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			read_tree(path);
		else
			rd(path, buf, sizeof(buf));
	}
	closedir(d);
}

/* One group's figures, as a scraper that reads every few seconds gets them. */
static double m_scrape(int side, void *arg, double *mm)
{
	char path[256], buf[4096];
	double t = 0, t0;
	struct side s;
	int i;

	side_up(&s, side);
	for (i = 0; i < SCRAPES; i++) {
		usleep(SCRAPE_GAP_US);
		t0 = now();
		if (!side) {
			snprintf(path, sizeof(path), "%s/mpam.stat", s.a);
			rd(path, buf, sizeof(buf));
		} else {
			snprintf(path, sizeof(path), "%s/mon_data", s.a);
			read_tree(path);
		}
		t += now() - t0;
	}
	side_down(&s);
	return t / SCRAPES * 1e3;
}

/* --- settings on big subtrees --------------------------------------------- */

static int nr_desc;

static void make_children(const char *dir, int n, bool enable)
{
	char path[256];
	int i;

	mkcg(dir);
	if (enable) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
		must_wr(path, "+mpam");
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		mkcg(path);
	}
}

static void remove_children(const char *dir, int n)
{
	char path[256];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		rmcg(path);
	}
	rmcg(dir);
}

/* Side 0: the parent of nr_desc empty cgroups; side 1: a cgroup without. */
static const char *big_side(int side)
{
	return side ? B "/small" : B "/big";
}

static double m_parent_write(int side, void *arg, double *mm)
{
	static const char *const vals[2] = { "l3 f", "l3 ff" };
	char path[256];

	snprintf(path, sizeof(path), "%s/mpam.cache.portion", big_side(side));
	return time_writes(path, vals, 20, mm);
}

#define GAINS	8

/* A partition gained and lost: its subtree's tasks relabelled twice. */
static double m_gain_lose(int side, void *arg, double *mm)
{
	char path[256];
	double t0;
	int i;

	snprintf(path, sizeof(path), "%s/mpam.cache.portion", big_side(side));
	must_wr(path, "l3 default");
	t0 = now();
	for (i = 0; i < GAINS; i++) {
		must_wr(path, "l3 f");
		must_wr(path, "l3 default");
	}
	t0 = (now() - t0) / GAINS * 1e3;
	must_wr(path, "l3 ff");
	return t0;
}

/* The first setting in the system and the last one gone. */
static double m_activate(int side, void *arg, double *mm)
{
	const char *path = B "/small/mpam.cache.portion";
	double t0 = now();
	int i;

	for (i = 0; i < GAINS; i++) {
		must_wr(path, "l3 f");
		must_wr(path, "l3 default");
	}
	return (now() - t0) / GAINS * 1e3;
}

/*
 * Rounds of @fn alone (both its sides the same), for costs that depend
 * on the whole hierarchy rather than on one cgroup.
 */
static void run_alone(measure_fn fn, double *v)
{
	int r;

	for (r = 0; r < rounds; r++)
		v[r] = fn(0, NULL, NULL);
}

static void rows_big(void)
{
	double act[2][MAX_ROUNDS];
	char what[128];
	const char *cmp = "on a cgroup without children";

	if (!want_row("parent") && !want_row("gain") && !want_row("activate"))
		return;
	mkcg(B "/small");
	if (want_row("activate"))
		run_alone(m_activate, act[1]);
	make_children(B "/big", nr_desc, true);
	if (want_row("activate")) {
		run_alone(m_activate, act[0]);
		snprintf(what, sizeof(what),
			 "first setting in the system and last gone, %d empty cgroups",
			 nr_desc);
		print_row(what, median(act[0], rounds), "with none",
			  median(act[1], rounds), "ms", -1, -1);
	}
	must_wr(B "/big/mpam.cache.portion", "l3 ff");
	must_wr(B "/small/mpam.cache.portion", "l3 ff");
	snprintf(what, sizeof(what),
		 "portion write on a parent of %d empty cgroups", nr_desc);
	run_row("parent", what, cmp, "ms", m_parent_write, NULL);
	snprintf(what, sizeof(what),
		 "partition gained and lost, parent of %d empty cgroups", nr_desc);
	run_row("gain", what, cmp, "ms", m_gain_lose, NULL);
	must_wr(B "/big/mpam.cache.portion", "l3 default");
	must_wr(B "/small/mpam.cache.portion", "l3 default");
	remove_children(B "/big", nr_desc);
	rmcg(B "/small");
}

/* --- a deep tree ------------------------------------------------------------ */

#define DEPTH	10

/* B/deep, then /l1 ... below it: the path of level @depth (1 to DEPTH). */
static void deep_path(char *buf, size_t size, int depth)
{
	int n = snprintf(buf, size, B "/deep"), i;

	for (i = 1; i < depth; i++)
		n += snprintf(buf + n, size - n, "/l%d", i);
}

/* Side 0: a portion write at the bottom of DEPTH configured levels. */
static double m_deep(int side, void *arg, double *mm)
{
	static const char *const vals[2] = { "l3 3", "l3 f" };
	char path[512];
	size_t n;

	if (side)
		snprintf(path, sizeof(path), B "/one");
	else
		deep_path(path, sizeof(path), DEPTH);
	n = strlen(path);
	snprintf(path + n, sizeof(path) - n, "/mpam.cache.portion");
	return time_writes(path, vals, 20, mm);
}

static void row_deep(void)
{
	char path[512], file[600], what[128];
	int d;

	if (!want_row("deep"))
		return;
	for (d = 1; d <= DEPTH; d++) {
		deep_path(path, sizeof(path), d);
		mkcg(path);
		snprintf(file, sizeof(file), "%s/mpam.cache.portion", path);
		must_wr(file, "l3 ff");
		snprintf(file, sizeof(file), "%s/cgroup.subtree_control", path);
		if (d < DEPTH)
			must_wr(file, "+mpam");
	}
	mkcg(B "/one");
	must_wr(B "/one/mpam.cache.portion", "l3 ff");
	snprintf(what, sizeof(what),
		 "portion write, %d configured levels deep", DEPTH);
	run_row("deep", what, "one level deep", "ms", m_deep, NULL);
	rmcg(B "/one");
	for (d = DEPTH; d >= 1; d--) {
		deep_path(path, sizeof(path), d);
		rmcg(path);
	}
}

/* --- byte counters ---------------------------------------------------------- */

#define POLL_S	9

/* MMIO accesses per second while nothing but the kernel's workers runs. */
static double idle_mmio_rate(void)
{
	double m0 = mmio(), t0 = now(), m1;

	sleep(POLL_S);
	m1 = mmio();
	return (m1 - m0) / (now() - t0);
}

/*
 * Side 0: every byte counter of the platform assigned, one per cgroup;
 * side 1: resctrl mounted with as many groups.  The figure is what the
 * kernel's periodic readers cost the MSCs.
 */
static int nr_counters;

static double m_poll(int side, void *arg, double *mm)
{
	char path[256], cls[32] = "", buf[4096];
	double rate;
	int i;

	if (!side) {
		mkcg(B "/ctr");
		must_wr(B "/ctr/cgroup.subtree_control", "+mpam");
		for (i = 0;; i++) {
			snprintf(path, sizeof(path), B "/ctr/c%d", i);
			mkcg(path);
			if (!cls[0]) {
				snprintf(path, sizeof(path), B "/ctr/c%d/mpam.counters", i);
				if (rd(path, buf, sizeof(buf)) <= 0 ||
				    sscanf(buf, "%27[^: ]", cls) != 1)
					die("no class in mpam.counters");
				strcat(cls, " on");
			}
			snprintf(path, sizeof(path), B "/ctr/c%d/mpam.counters", i);
			if (wr(path, cls))
				break;
		}
		nr_counters = i;
		rate = idle_mmio_rate();
		for (; i >= 0; i--) {
			snprintf(path, sizeof(path), B "/ctr/c%d", i);
			rmcg(path);
		}
		rmcg(B "/ctr");
		return rate;
	}
	mount_resctrl();
	for (i = 0; i < nr_counters; i++) {
		snprintf(path, sizeof(path), RC "/mon_groups/m%d", i);
		if (mkdir(path, 0755))
			break;
	}
	rate = idle_mmio_rate();
	while (--i >= 0) {
		snprintf(path, sizeof(path), RC "/mon_groups/m%d", i);
		rmcg(path);
	}
	if (umount(RC))
		die("umount resctrl: %s", strerror(errno));
	return rate;
}

static void row_poll(void)
{
	double v[2][MAX_ROUNDS];
	char what[128];
	int r;

	if (!want_row("poll") || nr_mscs == 0 || mmio() < 0)
		return;
	for (r = 0; r < rounds && r < 3; r++) {
		v[0][r] = m_poll(0, NULL, NULL);
		v[1][r] = m_poll(1, NULL, NULL);
	}
	snprintf(what, sizeof(what),
		 "MMIO per second of the periodic counter readers, %d byte counters assigned",
		 nr_counters);
	print_row(what, median(v[0], r), "resctrl, as many monitor groups",
		  median(v[1], r), "/s", -1, -1);
}

/* --- scale ------------------------------------------------------------------ */

/* Per-operation times at two sizes of the hierarchy. */
static void print_scale(const char *what, int small, double a, int big, double b)
{
	printf("| %s | %.2f ms at %d | %.2f ms at %d | %.2f |\n", what, b, big,
	       a, small, a > 0 ? b / a : 0);
	fflush(stdout);
}

static double mkdirs(const char *dir, int from, int to)
{
	char path[256];
	double t0 = now();
	int i;

	for (i = from; i < to; i++) {
		snprintf(path, sizeof(path), "%s/s%d", dir, i);
		mkcg(path);
	}
	return (now() - t0) / (to - from) * 1e3;
}

static double rmdirs(const char *dir, int from, int to)
{
	char path[256];
	double t0 = now();
	int i;

	for (i = to - 1; i >= from; i--) {
		snprintf(path, sizeof(path), "%s/s%d", dir, i);
		rmcg(path);
	}
	return (now() - t0) / (to - from) * 1e3;
}

static double gains(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/mpam.cache.portion", dir);
	{
		double t0 = now();
		int i;

		for (i = 0; i < GAINS; i++) {
			must_wr(path, "l3 f");
			must_wr(path, "l3 default");
		}
		return (now() - t0) / GAINS * 1e3;
	}
}

static void row_scale(void)
{
	const char *dir = B "/scale";
	int big = env_int("BENCH_SCALE", 10000), small = big / 10;
	double mk[2], rm[2], g[2];

	if (!want_row("scale") || small < 1)
		return;
	mkcg(B "/keep");
	must_wr(B "/keep/mpam.cache.portion", "l3 1");
	mkcg(dir);
	must_wr(B "/scale/cgroup.subtree_control", "+mpam");
	mk[0] = mkdirs(dir, 0, small);
	g[0] = gains(dir);
	mkdirs(dir, small, big - small);
	mk[1] = mkdirs(dir, big - small, big);
	g[1] = gains(dir);
	rm[1] = rmdirs(dir, big - small, big);
	rmdirs(dir, small, big - small);
	rm[0] = rmdirs(dir, 0, small);
	rmcg(dir);
	print_scale("mkdir of an mpam child, per cgroup", small, mk[0], big, mk[1]);
	print_scale("rmdir, per cgroup", small, rm[0], big, rm[1]);
	print_scale("partition gained and lost by the parent", small, g[0], big, g[1]);
	must_wr(B "/keep/mpam.cache.portion", "l3 default");
	rmcg(B "/keep");
}

/* Members of one class (mpam.share): joining at two sizes of the class. */
static void row_classed(void)
{
	const char *dir = B "/pods";
	int big = env_int("BENCH_CLASSED", 1000), small = big / 10, i;
	char path[256];
	double t[2] = { 0 }, t0 = 0;

	if (!want_row("classed") || small < 1)
		return;
	mkcg(dir);
	must_wr(B "/pods/cgroup.subtree_control", "+mpam");
	for (i = 0; i < big; i++) {
		if (i == 0 || i == big - small)
			t0 = now();
		snprintf(path, sizeof(path), "%s/p%d", dir, i);
		mkcg(path);
		snprintf(path, sizeof(path), "%s/p%d/mpam.share", dir, i);
		must_wr(path, "gold");
		snprintf(path, sizeof(path), "%s/p%d/mpam.bw.max", dir, i);
		must_wr(path, "mem 40");
		if (i == small - 1)
			t[0] = (now() - t0) / small * 1e3;
	}
	t[1] = (now() - t0) / small * 1e3;
	for (i = big - 1; i >= 0; i--) {
		snprintf(path, sizeof(path), "%s/p%d", dir, i);
		rmcg(path);
	}
	rmcg(dir);
	print_scale("mkdir + join a class (share and setting), per pod", small,
		    t[0], big, t[1]);
}

/* --- setup ---------------------------------------------------------------- */

static void setup(void)
{
	char buf[256];

	if (rd(CG "/cgroup.controllers", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, "mpam"))
		die("no mpam controller in " CG);
	must_wr(CG "/cgroup.subtree_control", "+mpam +pids");
	mkcg(B);
	must_wr(B "/cgroup.subtree_control", "+mpam");
	mkcg(B "/mpam");
	must_wr(B "/mpam/cgroup.subtree_control", "+mpam");
	mkcg(P);
	must_wr(P "/cgroup.subtree_control", "+pids");
	mkcg(B "/plain");
	mkdir(RC, 0755);
	have_resctrl = !mount("resctrl", RC, "resctrl", 0, NULL);
	if (have_resctrl)
		umount(RC);
	/* Freed PARTIDs leave limbo at once: no occupancy reads in the counts. */
	wr(CG "/mpam.limbo.threshold", "18446744073709551615");
}

int main(int argc, char **argv)
{
	static struct write_arg portion = {
		"mpam.cache.portion", { "l3 3", "l3 f" }, false, { "3", "f" },
	};
	static struct write_arg bw = {
		"mpam.bw.max", { "mem 20", "mem 30" }, true, { "20", "30" },
	};

	rounds = env_int("BENCH_ROUNDS", 5);
	if (rounds < 1 || rounds > MAX_ROUNDS)
		die("BENCH_ROUNDS: 1 to %d", MAX_ROUNDS);
	nr_desc = env_int("BENCH_DESC", 2000);
	only_rows = getenv("BENCH_ROWS");
	if (only_rows && !*only_rows)
		only_rows = NULL;
	setup();
	printf("mpam_bench: %d rounds, medians; ratio = controller / comparator\n",
	       rounds);
	print_header();
	if (have_resctrl) {
		run_row("ctxsw", "context switch, ping-pong between two partitions",
			"resctrl groups", "us", m_ctxsw, NULL);
		run_row("fork", "fork+exit in a configured group", "resctrl group",
			"ms", m_fork, NULL);
	}
	/* The controller active, as when mkdir and moves matter. */
	mkcg(B "/keep");
	must_wr(B "/keep/mpam.cache.portion", "l3 1");
	run_row("mkdir", "mkdir+rmdir, child with the mpam css",
		"child with a pids css", "ms", m_mkdir, NULL);
	row_memory();
	must_wr(B "/keep/mpam.cache.portion", "l3 default");
	rmcg(B "/keep");
	if (have_resctrl) {
		run_row("portion", "cache portion write", "resctrl schemata", "ms",
			m_write, &portion);
		run_row("bw", "bandwidth write", "resctrl schemata", "ms",
			m_write, &bw);
		if (want_row("portion") || want_row("bw"))
			printf("| %s | %d for a portion, %d for a limit | | |\n",
			       "MMIO a write needs (PART_SEL and the register, per component)",
			       2 * class_comps("l3"), 2 * class_comps("mem"));
	}
	run_row("move", "task move between two partitions", "two plain cgroups",
		"ms", m_move, NULL);
	if (have_resctrl)
		run_row("scrape", "stat scrape of one group",
			"resctrl mon_data files", "ms", m_scrape, NULL);
	rows_big();
	row_deep();
	if (have_resctrl)
		row_poll();
	print_header2();
	row_scale();
	row_classed();
	printf("mpam_bench: done\n");
	return 0;
}
