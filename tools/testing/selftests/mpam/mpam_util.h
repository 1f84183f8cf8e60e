/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the C selftests of the mpam cgroup controller on the
 * emulated MPAM platform: file access that returns -errno, and the label
 * a vCPU carries, which the host agent reports (mpam-host, see
 * tools/testing/mpam/qemu/README.md).
 */
#ifndef MPAM_UTIL_H
#define MPAM_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CG	"/sys/fs/cgroup"
#define RC	"/sys/fs/resctrl"

/* One write() of @len bytes of @s to @path: 0 or -errno. */
static inline int wr_len(const char *path, const char *s, size_t len)
{
	ssize_t ret;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, s, len);
	ret = ret < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static inline int wr(const char *path, const char *s)
{
	return wr_len(path, s, strlen(s));
}

static inline int wrf(const char *dir, const char *file, const char *s)
{
	char path[PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return wr(path, s);
}

/* Read @path into @buf: its length, or -errno. */
static inline int rd(const char *path, char *buf, size_t len)
{
	ssize_t n = 0, got = 0;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (got < (ssize_t)len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	if (n < 0)
		got = -errno;
	close(fd);
	buf[got > 0 ? got : 0] = 0;
	return got;
}

static inline int rdf(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return rd(path, buf, len);
}

/* The value of @key in the flat-keyed @file of @dir, or -1. */
static inline long keyed(const char *dir, const char *file, const char *key)
{
	char buf[4096], *l, *save;
	size_t n = strlen(key);

	if (rdf(dir, file, buf, sizeof(buf)) < 0)
		return -1;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, key, n) && l[n] == ' ')
			return atol(l + n + 1);
	return -1;
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void sleep_ms(int ms)
{
	usleep(ms * 1000);
}

static inline int env_int(const char *name, int def)
{
	const char *s = getenv(name);

	return s && *s ? atoi(s) : def;
}

static inline void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Spin for ever on @cpu at EL0, alone there (SCHED_FIFO), so that a
 * sample of the CPU's label taken at EL0 is this task's.
 */
static inline void spin_on(int cpu)
{
	struct sched_param sp = { .sched_priority = 10 };

	sched_setscheduler(0, SCHED_FIFO, &sp);
	pin(cpu);
	for (;;)
		;
}

/* The label @cg's tasks get: that of its nearest cgroup with the files. */
static inline int cg_label(const char *cg, int *partid, int *pmg)
{
	char dir[PATH_MAX], buf[4096];

	snprintf(dir, sizeof(dir), "%s", cg);
	while (rdf(dir, "mpam.partition", buf, sizeof(buf)) < 0) {
		if (!strcmp(dir, CG))
			return -1;
		*strrchr(dir, '/') = 0;
	}
	return sscanf(buf, "partid %d\npmg %d", partid, pmg) == 2 ? 0 : -1;
}

/* Is there a host agent to ask about the emulated platform? */
static inline bool have_host(void)
{
	return !system("mpam-host profile > /dev/null 2>&1");
}

/*
 * The label vCPU @cpu carries, from the platform.  A sample that finds the
 * CPU in the kernel (an interrupt, a kernel thread) shows another label:
 * look again, a few times, for one taken at EL0.  0, or -1.
 */
static inline int cpu_label(int cpu, int *partid, int *pmg)
{
	char line[512], want[16], *p, *q, *e;
	int try, el = -1;
	FILE *f;

	snprintf(want, sizeof(want), "cpu %d:", cpu);
	for (try = 0; try < 50 && el != 0; try++) {
		f = popen("mpam-host state 2>/dev/null", "r");
		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, want, strlen(want)))
				continue;
			p = strstr(line, " partid=");
			q = strstr(line, " pmg=");
			e = strstr(line, " el=");
			if (p && q && e) {
				*partid = atoi(p + 8);
				*pmg = atoi(q + 5);
				el = atoi(e + 4);
			}
		}
		if (pclose(f))
			return -1;
	}
	return el == 0 ? 0 : -1;
}

#endif
