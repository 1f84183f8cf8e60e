// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test for the MPAM test platform: the kernel under test has the
 * MPAM driver built in and a usable cgroup v2 hierarchy, and on a platform
 * with an ACPI MPAM table the driver probed it and enabled MPAM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/klog.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "../kselftest.h"

#define CGROOT		"/sys/fs/cgroup"
#define MSC_DRIVER	"/sys/bus/platform/drivers/mpam_msc"
#define MPAM_TABLE	"/sys/firmware/acpi/tables/MPAM"

static int write_str(const char *path, const char *s)
{
	ssize_t len = strlen(s), ret;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, s, len);
	if (ret < 0)
		ret = -errno;
	close(fd);
	return ret == len ? 0 : (ret < 0 ? ret : -EIO);
}

/* Does @path, a cgroup.procs file, list @pid? */
static int procs_has(const char *path, pid_t pid)
{
	char line[32];
	FILE *f;
	int found = 0;

	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (atoi(line) == pid)
			found = 1;
	fclose(f);
	return found;
}

/* Is @opt=y in the running kernel's configuration? */
static int config_has(const char *opt)
{
	char line[256];
	size_t len = strlen(opt);
	int found = 0;
	FILE *f;

	f = popen("zcat /proc/config.gz", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, opt, len) && !strcmp(line + len, "=y\n"))
			found = 1;
	if (pclose(f))
		return -EIO;
	return found;
}

static void test_driver_built_in(void)
{
	int ret = config_has("CONFIG_ARM64_MPAM_DRIVER");

	if (ret < 0)
		ksft_test_result_fail("reading /proc/config.gz: %s\n",
				      strerror(-ret));
	else
		ksft_test_result(ret == 1, "MPAM driver built in\n");
}

static void test_msc_driver(void)
{
	struct stat st;

	if (access(MPAM_TABLE, F_OK)) {
		ksft_test_result_skip("no ACPI MPAM table: not an MPAM platform\n");
		return;
	}
	if (stat(MSC_DRIVER, &st) == 0 && S_ISDIR(st.st_mode))
		ksft_test_result_pass("mpam_msc driver registered\n");
	else
		ksft_test_result_fail("%s: %s\n", MSC_DRIVER, strerror(errno));
}

/* The driver found every MSC and enabled MPAM: say how, for the log. */
static void test_mpam_enabled(void)
{
	static char log[1 << 20];
	char *line;
	int len;

	if (access(MPAM_TABLE, F_OK)) {
		ksft_test_result_skip("no ACPI MPAM table: not an MPAM platform\n");
		return;
	}
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	if (len < 0) {
		ksft_test_result_fail("klogctl: %s\n", strerror(errno));
		return;
	}
	log[len] = '\0';
	line = strstr(log, "MPAM enabled with");
	if (!line) {
		ksft_test_result_fail("the kernel log has no \"MPAM enabled\"\n");
		return;
	}
	ksft_print_msg("%.*s\n", (int)strcspn(line, "\n"), line);
	ksft_test_result_pass("MPAM enabled\n");
}

static void test_cgroup2_root(void)
{
	struct statfs sfs;

	if (statfs(CGROOT, &sfs)) {
		ksft_test_result_fail("statfs %s: %s\n", CGROOT, strerror(errno));
		return;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		ksft_test_result_fail("%s is not cgroup2 (magic %#lx)\n",
				      CGROOT, (unsigned long)sfs.f_type);
		return;
	}
	ksft_test_result_pass("cgroup2 mounted at " CGROOT "\n");
}

static void test_cgroup2_move(void)
{
	char dir[64], procs[96], pid[16];
	int ret, in_child;

	snprintf(dir, sizeof(dir), CGROOT "/mpam_smoke.%d", getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", getpid());

	if (mkdir(dir, 0755)) {
		ksft_test_result_fail("mkdir %s: %s\n", dir, strerror(errno));
		return;
	}
	ret = write_str(procs, pid);
	in_child = procs_has(procs, getpid());
	if (write_str(CGROOT "/cgroup.procs", pid) || rmdir(dir)) {
		ksft_test_result_fail("cannot leave and remove %s\n", dir);
		return;
	}
	if (ret || in_child != 1)
		ksft_test_result_fail("moving into a child cgroup: %s\n",
				      ret ? strerror(-ret) : "not listed");
	else
		ksft_test_result_pass("a task moves into a child cgroup and back\n");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(5);
	test_driver_built_in();
	test_msc_driver();
	test_mpam_enabled();
	test_cgroup2_root();
	test_cgroup2_move();
	ksft_finished();
}
