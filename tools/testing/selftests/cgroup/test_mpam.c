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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
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
 * Parse mpam.capacity: "ids partids=N pmgs=M partids_used=U" and the
 * first class with portions.
 */
static bool have_hardware(void)
{
	char buf[4096], *line, *p;

	if (cg_readf(root, "mpam.capacity", buf, sizeof(buf)))
		return false;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "ids partids=%d pmgs=%d partids_used=%d",
			   &nr_partids, &nr_pmgs, &partids_used) == 3)
			continue;
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
		"mpam.bw.min", "mpam.partition", "mpam.stat", "mpam.events",
		"mpam.events.local",
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
	snprintf(path, sizeof(path), "%s/mpam.partition", root);
	if (ok && !access(path, F_OK)) {
		ksft_print_msg("mpam.partition exists on the root\n");
		ok = false;
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

/* Many cgroups, a setting on every one a PARTID allows, ENOSPC after. */
static void test_partid_exhaustion(void)
{
	int n = 10000, i, set = 0, err = 0;
	char *base = cg_name(top, "many"), *cg, line[64], buf[256];
	bool ok = true;

	if (!have_hardware() || !l3_key[0]) {
		ksft_test_result_skip("PARTID exhaustion: no MPAM cache portions\n");
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
	cg = cg_name_indexed(base, "c", i * 7);
	ok = set == nr_partids - partids_used && err == -ENOSPC &&
	     cg_read_key_long(cg, "mpam.events", "nospc ") == 1 &&
	     !cg_read(cg, "mpam.partition", buf, sizeof(buf)) &&
	     strstr(buf, "mode default");
	ksft_test_result(ok, "%d cgroups, %d with settings, then ENOSPC (%d)\n",
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

int main(void)
{
	ksft_print_header();
	ksft_set_plan(7);

	if (cg_find_unified_root(root, sizeof(root), NULL))
		ksft_exit_skip("cgroup v2 is not mounted\n");
	if (cg_read_strstr(root, "cgroup.controllers", "mpam"))
		ksft_exit_skip("the mpam controller is not built in\n");
	if (cg_write(root, "cgroup.subtree_control", "+mpam"))
		ksft_exit_fail_msg("cannot enable mpam at the root\n");
	snprintf(top, sizeof(top), "%s/mpam_test.%d", root, getpid());
	if (cg_create(top) || cg_write(top, "cgroup.subtree_control", "+mpam"))
		ksft_exit_fail_msg("cannot create %s\n", top);

	test_controller_listed();
	test_enable_never_fails();
	test_files();
	test_no_hardware();
	test_partid_exhaustion();
	test_bad_input();
	test_inheritance();

	cg_destroy(top);
	ksft_finished();
}
