// SPDX-License-Identifier: GPL-2.0
/*
 * mpam_fuzz: bad input at volume.  At least MPAM_FUZZ_WRITES (10,000)
 * malformed writes to every writable mpam.* file: random bytes with NULs,
 * lines longer than a page and up to one, several lines in one write,
 * boundary and out-of-range numbers, odd whitespace, and unknown classes
 * and components (Documentation/admin-guide/cgroup-v2-mpam.rst).
 *
 * A malformed write must fail with EINVAL, or with E2BIG when it is
 * longer than a page (kernfs refuses it before the controller sees it).
 * Valid writes and writes at the edge of the syntax (leading zeros,
 * surrounding whitespace, text after a NUL) are mixed in, about one in
 * sixteen, so that refused writes also meet settings other than the
 * defaults; they may succeed or fail with an errno the file documents.
 * A refused write must leave the file, and mpam.partition of the cgroup,
 * as they were; an accepted one must leave them readable.  Afterwards the
 * file is put back as it was and mpam.ids must come back to what it was
 * before, limbo drained.
 *
 * The sequence is fixed by MPAM_FUZZ_SEED (1 unless set), each file's
 * its own, so that a failure printed with its seed, file and write number
 * can be run again.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "../kselftest.h"
#include "mpam_util.h"

#define MAX_CLASSES	8
#define MAX_COMPS	64
#define MAX_PORTIONS	256
#define TEXT_MAX	65536
#define SHARE_LEN	32	/* a share name is shorter */
#define REPORT_MAX	8	/* failures printed per file */

/* What a write is to: the controls of the setting files, and the rest. */
enum fz_ctrl { C_PORTION, C_EXCL, C_CMAX, C_BWMAX, C_BWMIN, C_BYTES, C_NONE };
enum fz_kind { K_SETTING, K_SHARE, K_COUNTERS, K_MONITOR, K_LIMBO };

/* What a write must do: fail with EINVAL or E2BIG, or anything documented. */
enum fz_expect { E_EINVAL, E_E2BIG, E_ANY };

static const struct fz_file {
	const char *name;
	enum fz_kind kind;
	enum fz_ctrl ctrl;
} files[] = {
	{ "mpam.cache.portion", K_SETTING, C_PORTION },
	{ "mpam.cache.max", K_SETTING, C_CMAX },
	{ "mpam.bw.max", K_SETTING, C_BWMAX },
	{ "mpam.bw.min", K_SETTING, C_BWMIN },
	{ "mpam.cache.portion.exclusive", K_SETTING, C_EXCL },
	{ "mpam.share", K_SHARE, C_NONE },
	{ "mpam.counters", K_COUNTERS, C_BYTES },
	{ "mpam.monitor", K_MONITOR, C_NONE },
	{ "mpam.limbo.threshold", K_LIMBO, C_NONE },
};

struct fz_class {
	char name[16];
	unsigned int ids[MAX_COMPS];
	int nr;
	int portions;			/* 0: no portion control */
	bool has[C_NONE];
};

static struct fz_class classes[MAX_CLASSES];
static int nr_classes;
static size_t page_size;
static uint64_t rng;

/* --- helpers -------------------------------------------------------------- */

/* CPU time so far, in user space and in the kernel. */
static void cpu_time(double *user, double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* splitmix64: the same sequence for a seed whatever the C library. */
static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd(unsigned int n)
{
	return n ? rnd64() % n : 0;
}

static const char *pick(const char * const *v, size_t n)
{
	return v[rnd(n)];
}

/*
 * The whole of an open file, from its start: length or -errno.  One read
 * does: seq_file fills the buffer up to the end of the file, and a file
 * that fills it is too long for this test.
 */
static ssize_t read_fd(int fd, char *buf, size_t cap)
{
	ssize_t ret = pread(fd, buf, cap, 0);

	if (ret < 0)
		return -errno;
	if ((size_t)ret == cap)
		return -EFBIG;
	buf[ret] = '\0';
	return ret;
}

/* @b, @len as a C string literal, cut after 96 bytes. */
static const char *escape(const char *b, size_t len)
{
	static char buf[2][512];
	static int which;
	char *out = buf[which ^= 1];
	size_t i, o = 1;

	out[0] = '"';
	for (i = 0; i < len && i < 96; i++) {
		unsigned char c = b[i];

		if (c == '\n')
			o += sprintf(out + o, "\\n");
		else if (c == '\t')
			o += sprintf(out + o, "\\t");
		else if (c == '\\' || c == '"')
			o += sprintf(out + o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += sprintf(out + o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o] = '\0';
	if (i < len)
		snprintf(out + o, sizeof(buf[0]) - o, "\"... (%zu bytes)", len);
	else
		snprintf(out + o, sizeof(buf[0]) - o, "\"");
	return out;
}

/*
 * The classes of mpam.capacity and what each has, from lines such as
 * "l3:1 size=4194304 portions=16 cache.max.steps=256 occupancy=8 bytes=2".
 */
static int read_classes(void)
{
	static const char * const keys[C_NONE] = {
		" portions=", " portions=", " cache.max.steps=", " bw.max.steps=",
		" bw.min.steps=", " bytes=",
	};
	char buf[TEXT_MAX], *line, *save, *p;
	struct fz_class *c;
	unsigned int id;
	int i, k;

	if (rd(CG "/mpam.capacity", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		p = strchr(line, ':');
		if (!p || sscanf(p + 1, "%u", &id) != 1)
			continue;
		*p++ = '\0';
		for (i = 0; i < nr_classes && strcmp(classes[i].name, line); i++)
			;
		if (i == nr_classes) {
			if (nr_classes == MAX_CLASSES)
				continue;
			c = &classes[nr_classes++];
			snprintf(c->name, sizeof(c->name), "%s", line);
		}
		c = &classes[i];
		if (c->nr < MAX_COMPS)
			c->ids[c->nr++] = id;
		for (k = 0; k < C_NONE; k++) {
			char *v = strstr(p, keys[k]);

			if (v && atoi(v + strlen(keys[k])) > 0)
				c->has[k] = true;
		}
		p = strstr(p, " portions=");
		if (p)
			c->portions = atoi(p + 10);
		if (c->portions > MAX_PORTIONS) {
			c->has[C_PORTION] = false;
			c->has[C_EXCL] = false;
		}
	}
	return nr_classes;
}

static bool class_exists(const char *name)
{
	int i;

	for (i = 0; i < nr_classes; i++)
		if (!strcmp(classes[i].name, name))
			return true;
	return false;
}

static bool comp_exists(const struct fz_class *c, unsigned long long id)
{
	int i;

	for (i = 0; i < c->nr; i++)
		if (c->ids[i] == id)
			return true;
	return false;
}

/* A class with @ctrl, or NULL. */
static struct fz_class *class_with(enum fz_ctrl ctrl)
{
	struct fz_class *with[MAX_CLASSES];
	int i, n = 0;

	for (i = 0; i < nr_classes; i++)
		if (ctrl < C_NONE && classes[i].has[ctrl])
			with[n++] = &classes[i];
	return n ? with[rnd(n)] : NULL;
}

static struct fz_class *class_without(enum fz_ctrl ctrl)
{
	struct fz_class *without[MAX_CLASSES];
	int i, n = 0;

	for (i = 0; i < nr_classes; i++)
		if (!classes[i].has[ctrl])
			without[n++] = &classes[i];
	return n ? without[rnd(n)] : NULL;
}

/* --- building a write ------------------------------------------------------ */

struct out {
	char *b;
	size_t len, cap;
};

static void put_mem(struct out *o, const void *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->b + o->len, s, n);
	o->len += n;
}

static void put(struct out *o, const char *s)
{
	put_mem(o, s, strlen(s));
}

static __printf(2, 3) void putf(struct out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(o, buf);
}

static void put_rep(struct out *o, char c, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memset(o->b + o->len, c, n);
	o->len += n;
}

/* @n bytes of whitespace the kernel's isspace() knows. */
static void put_spaces(struct out *o, size_t n)
{
	static const char ws[] = " \t\n\r\v\f";

	if (n > o->cap - o->len)
		n = o->cap - o->len;
	while (n--)
		o->b[o->len++] = ws[rnd(sizeof(ws) - 1)];
}

/*
 * Whitespace as the kernel's isspace() knows it; the blanks that separate
 * a key from its value; and the rest but the newline.
 */
static const char * const spaces[] = { " ", "\t", "\n", "\r", "\v", "\f" };
static const char * const blanks[] = { " ", "\t" };
static const char * const odd_spaces[] = { "\r", "\v", "\f" };

/* Surround a line with whitespace it may have: leading, trailing. */
static void put_ws(struct out *o, int max)
{
	put_spaces(o, rnd(max + 1));
}

/*
 * A portion bitmap of @width bits, bits @lo to @hi set (all but @lo + 1
 * if @gap), in 32-bit groups as bitmap_parse() reads them.
 */
static void put_bits(struct out *o, int width, int lo, int hi, bool gap)
{
	uint32_t w[MAX_PORTIONS / 32 + 2] = { 0 };
	int i, top = (width - 1) / 32;

	for (i = lo; i <= hi && i <= MAX_PORTIONS; i++)
		w[i / 32] |= 1u << (i % 32);
	if (gap && hi > lo + 1)
		w[(lo + 1) / 32] &= ~(1u << ((lo + 1) % 32));
	if (hi / 32 > top)
		top = hi / 32;
	putf(o, "%x", w[top]);
	for (i = top - 1; i >= 0; i--)
		putf(o, ",%08x", w[i]);
}

/* A valid key of a per-component file for @c: "l3" or "l3:1". */
static void put_key(struct out *o, const struct fz_class *c)
{
	put(o, c->name);
	if (c->nr && rnd(2))
		putf(o, ":%u", c->ids[rnd(c->nr)]);
}

/* A valid value of @ctrl for @c. */
static void put_value(struct out *o, enum fz_ctrl ctrl, const struct fz_class *c)
{
	int lo, hi, v;

	if (ctrl == C_BYTES) {
		put(o, rnd(2) ? "on" : "off");
		return;
	}
	if (!rnd(6)) {
		put(o, "default");
		return;
	}
	if (!rnd(8)) {
		put(o, "max");
		return;
	}
	if (ctrl == C_PORTION || ctrl == C_EXCL) {
		/* Mostly contiguous, which every cache takes; claims small. */
		lo = rnd(c->portions);
		hi = lo + (ctrl == C_EXCL ? rnd(2) : rnd(c->portions - lo));
		if (hi >= c->portions)
			hi = c->portions - 1;
		put_bits(o, c->portions, lo, hi, ctrl == C_PORTION && !rnd(4));
		return;
	}
	v = rnd(101);
	if (ctrl != C_BWMIN && !v)
		v = 1;
	switch (rnd(4)) {
	case 0:
		putf(o, "%d.%u", v == 100 ? 99 : v, rnd(10));
		break;
	case 1:
		putf(o, "%d.%02u", v == 100 ? 99 : v, rnd(100));
		break;
	default:
		putf(o, "%d", v);
	}
}

/* A share name of @len characters from A-Za-z0-9_.- */
static void put_name(struct out *o, int len)
{
	static const char chars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

	while (len--)
		put_mem(o, &chars[rnd(sizeof(chars) - 1)], 1);
}

/*
 * A valid line for @f, without surrounding whitespace; false if @f has no
 * valid line on this hardware (no class has its control): the line is then
 * malformed.
 */
static bool put_valid(struct out *o, const struct fz_file *f, unsigned long long limbo)
{
	static const char * const shares[] = { "s1", "s1", "s2", "" };
	struct fz_class *c;

	switch (f->kind) {
	case K_SETTING:
	case K_COUNTERS:
		c = class_with(f->ctrl);
		if (!c) {
			c = &classes[rnd(nr_classes)];
			put_key(o, c);
			put(o, " ");
			put(o, f->kind == K_COUNTERS ? "on" : "max");
			return false;
		}
		put_key(o, c);
		put(o, pick(blanks, ARRAY_SIZE(blanks)));
		put_value(o, f->ctrl, c);
		return true;
	case K_SHARE:
		if (rnd(8))
			put(o, pick(shares, ARRAY_SIZE(shares)));
		else
			put_name(o, 1 + rnd(SHARE_LEN - 1));
		return true;
	case K_MONITOR:
		put(o, rnd(2) ? "1" : "0");
		return true;
	case K_LIMBO:
		switch (rnd(4)) {
		case 0:
			put(o, "0");
			break;
		case 1:
			putf(o, "%llu", limbo);
			break;
		case 2:
			put(o, "18446744073709551615");
			break;
		default:
			putf(o, "%llu", (unsigned long long)rnd64() >> rnd(64));
		}
		return true;
	}
	return false;
}

/*
 * Valid, or at the edge of the syntax: whitespace around the line, more
 * blanks between key and value, leading zeros and '+' where the kernel's
 * kstrto*() take them, a component id followed by a newline before the
 * blanks, text after a NUL (the handler sees the C string up to it), a
 * line padded to a page.  Any documented outcome will do.
 */
static enum fz_expect gen_other(struct out *o, const struct fz_file *f,
				unsigned long long limbo)
{
	static const char * const seps[] = { " ", "\t", "  ", " \t ", "\t\t" };
	struct fz_class *c = class_with(f->ctrl);
	bool valid = true;
	unsigned int id;
	size_t pad;

	if (rnd(4))
		put_ws(o, 2);
	if ((f->kind == K_SETTING || f->kind == K_COUNTERS) && c && c->nr && rnd(2)) {
		id = c->ids[rnd(c->nr)];
		put(o, c->name);
		switch (rnd(4)) {
		case 0:
			break;
		case 1:
			putf(o, ":%s%u", rnd(2) ? "+" : "00", id);
			break;
		case 2:
			putf(o, ":%u\n", id);
			break;
		default:
			putf(o, ":%u", id);
		}
		put(o, pick(seps, ARRAY_SIZE(seps)));
		if (f->ctrl == C_PORTION || f->ctrl == C_EXCL)
			putf(o, "%08x", 1u << rnd(c->portions < 32 ? c->portions : 32));
		else if (f->ctrl != C_BYTES && rnd(2))
			putf(o, "%0*u", 2 + rnd(4), 1 + rnd(100));
		else
			put_value(o, f->ctrl, c);
	} else {
		if ((f->kind == K_MONITOR || f->kind == K_LIMBO) && !rnd(3))
			put(o, rnd(2) ? "+" : "000");
		valid = put_valid(o, f, limbo);
	}
	switch (rnd(8)) {
	case 0:		/* a NUL, then anything */
		put_mem(o, "", 1);
		put_rep(o, 'x' + rnd(3), rnd(20));
		put_mem(o, "\0\xff\n", 3);
		break;
	case 1:		/* a line as long as a write may be */
		pad = page_size - rnd(200) - o->len;
		put_spaces(o, pad);
		break;
	default:
		put_ws(o, 3);
	}
	return valid ? E_ANY : E_EINVAL;
}

/* Bytes that no valid line has and that the kernel's isspace() is false of. */
static char poison(void)
{
	static const char p[] = "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x1b\x1f"
				"\x7f\x80\x9f\xa1\xc3\xe9\xff";

	return p[rnd(sizeof(p) - 1)];
}

/*
 * Random bytes, NULs among them.  The text before the first NUL is all the
 * handler sees, so it gets a byte no valid line has; a write that begins
 * with a NUL is an empty line, which clears mpam.share.
 */
static enum fz_expect gen_bytes(struct out *o, const struct fz_file *f)
{
	size_t len = 1 + (rnd(8) ? rnd(64) : rnd(1024)), i, z;
	uint64_t bits = 0;

	for (i = 0; i < len && o->len < o->cap; i++) {
		if (!(i % 4))
			bits = rnd64();
		/* a NUL one time in four, else any byte */
		o->b[o->len++] = bits & 3 ? (char)(bits >> 8) : '\0';
		bits >>= 16;
	}
	z = strnlen(o->b, o->len);
	if (z && !rnd(16)) {
		o->b[0] = '\0';
		z = 0;
	}
	if (z)
		o->b[rnd(z)] = poison();
	else if (f->kind == K_SHARE)
		return E_ANY;
	return E_EINVAL;
}

/*
 * A malformed token for @f: used as a line of its own in several lines,
 * and as the body of a long line.
 */
static void put_bad_value(struct out *o, const struct fz_file *f, size_t len)
{
	switch (f->kind) {
	case K_SHARE:		/* too long for a share name */
		put_name(o, len < SHARE_LEN ? SHARE_LEN : len);
		break;
	case K_COUNTERS:
		put_rep(o, 'o', len < 4 ? 4 : len);
		break;
	default:
		if (f->ctrl == C_PORTION || f->ctrl == C_EXCL) {
			/* wider than any class: a group has 8 digits */
			put_rep(o, 'f', len < 65 ? 65 : len);
			break;
		}
		/* numbers beyond 2^64, percentages beyond 100 */
		put(o, "1");
		put_rep(o, '0', len < 21 ? 21 : len);
	}
}

/*
 * A line longer than a page: E2BIG from kernfs, whatever it says.  Or a
 * malformed one of 4 KiB up to a page: a value far beyond its range, a
 * name too long, or a key repeated.
 */
static enum fz_expect gen_long(struct out *o, const struct fz_file *f,
			       unsigned long long limbo)
{
	size_t len = page_size - 96 + rnd(96);
	struct fz_class *c = class_with(f->ctrl);

	if (!c)
		c = &classes[rnd(nr_classes)];
	if (rnd(2)) {
		len = page_size + 1 + rnd(2 * page_size);
		if (rnd(2)) {
			put_valid(o, f, limbo);
			put_spaces(o, len - o->len);
		} else {
			put_bad_value(o, f, len);
		}
		o->len = len;
		return E_E2BIG;
	}
	if (f->kind == K_SETTING || f->kind == K_COUNTERS) {
		switch (rnd(3)) {
		case 0:		/* the key, a blank and a huge value */
			put_key(o, c);
			put(o, " ");
			put_bad_value(o, f, len - o->len);
			break;
		case 1:		/* key and value, again and again */
			while (o->len < len) {
				put_key(o, c);
				put(o, pick(blanks, ARRAY_SIZE(blanks)));
				put_value(o, f->ctrl, c);
				put(o, pick(blanks, ARRAY_SIZE(blanks)));
			}
			break;
		default:	/* a long class name or component id */
			put(o, c->name);
			if (rnd(2)) {
				put(o, ":1");
				put_rep(o, '0', len - o->len - 3);
			} else {
				put_rep(o, c->name[0], len - o->len - 3);
			}
			put(o, " ");
			put_value(o, f->ctrl, c);
		}
	} else {
		put_bad_value(o, f, len);
	}
	if (o->len > page_size)
		o->len = page_size;
	/* Keep the line's end out of the whitespace strstrip() drops. */
	while (o->len && strchr(" \t\n\r\v\f", o->b[o->len - 1]))
		o->len--;
	return E_EINVAL;
}

/* A line that, by itself, has no whitespace at either end. */
static void put_inner_line(struct out *o, const struct fz_file *f,
			   unsigned long long limbo)
{
	size_t start = o->len;

	if (rnd(4))
		put_valid(o, f, limbo);
	else
		put_bad_value(o, f, 4 + rnd(8));
	if (o->len == start)		/* the empty share name */
		put(o, "s1");
}

/*
 * Several lines in one write, each with text: the controller takes one
 * line per write.  No blank follows a newline, nor precedes one, so that
 * no key and value are only split by a line break.
 */
static enum fz_expect gen_lines(struct out *o, const struct fz_file *f,
				unsigned long long limbo)
{
	static const char * const breaks[] = { "\n", "\r\n", "\n\n", "\n\r\n" };
	int n = 2 + (rnd(4) ? 0 : rnd(6));

	while (n--) {
		put_inner_line(o, f, limbo);
		if (n)
			put(o, pick(breaks, ARRAY_SIZE(breaks)));
	}
	if (rnd(2))
		put(o, "\n");
	return E_EINVAL;
}

/* Numbers at and beyond the bounds of each file. */
static enum fz_expect gen_numbers(struct out *o, const struct fz_file *f)
{
	static const char * const pct[] = {
		"101", "100.01", "100.1", "100.001", "1000", "255", "256",
		"65535", "65536", "4294967295", "4294967296",
		"18446744073709551615", "18446744073709551616", "-1", "-0",
		"-100", "+5", "+100", "0x10", "0x64", "1e2", "5.", ".5", "12.345",
		"0.001", "50%", "1/2", "nan", "inf", "MAX", "Max", "maxx",
		"max1", "defaults", "DEFAULT", "--1", "5-", "1,5", "1.2.3",
	};
	static const char * const pct_max[] = { "0", "0.00", "0.99", "0.5", "00", "0.01" };
	static const char * const portion[] = {
		"0", "00000000", "0,0", "0,00000000", ",", "-1", "+f", "0x0f",
		"0xff", "0X1", "g", "fg", "f-", "000000001", "100000000",
		"10000000000000000", "MAX", "maxx", "max,1",
		"DEFAULT", "defaults", "1.0", "ffffffff1", "f.", "f;",
	};
	static const char * const onoff[] = {
		"1", "0", "ON", "On", "OFF", "true", "yes", "no", "enable", "onn",
		"of", "on1", "-1", "2", "on,off", "o", "max", "default",
	};
	static const char * const monitor[] = {
		"2", "3", "9", "10", "-1", "-0", "4294967295", "4294967296",
		"18446744073709551616", "0x1", "0x0", "1.0", "0.0", "1e0", "01x",
		"true", "on", "off", "max", "++1", "+-1", "-+1", "1-", "0b1",
	};
	static const char * const limbo[] = {
		"18446744073709551616", "99999999999999999999", "-1", "-0",
		"0x10", "0X10", "1.5", "1e3", "++1", "1k", "1M", "0b1", "max",
		"default", "1,000", "1_000", "-18446744073709551615",
		"184467440737095516150",
	};
	struct fz_class *c = class_with(f->ctrl);
	int hi;

	switch (f->kind) {
	case K_SHARE:		/* too long by one, or more */
		put_name(o, SHARE_LEN + (rnd(2) ? 0 : rnd(64)));
		return E_EINVAL;
	case K_MONITOR:
		put(o, pick(monitor, ARRAY_SIZE(monitor)));
		return E_EINVAL;
	case K_LIMBO:
		put(o, pick(limbo, ARRAY_SIZE(limbo)));
		return E_EINVAL;
	default:
		break;
	}
	if (!c)
		c = &classes[rnd(nr_classes)];
	put_key(o, c);
	put(o, " ");
	if (f->kind == K_COUNTERS) {
		put(o, pick(onoff, ARRAY_SIZE(onoff)));
	} else if (f->ctrl == C_PORTION || f->ctrl == C_EXCL) {
		switch (c->portions ? rnd(4) : 3) {
		case 0:		/* one bit beyond the width, or every bit and it */
			hi = c->portions;
			put_bits(o, c->portions, rnd(2) ? hi : 0, hi, false);
			break;
		case 1:		/* more groups than 256 bits have, or one too long */
			if (rnd(2)) {
				put(o, "1");
				for (hi = 0; hi < MAX_PORTIONS / 32; hi++)
					put(o, ",00000000");
			} else {
				put_rep(o, 'f', MAX_PORTIONS / 4 + 1 + rnd(8));
			}
			break;
		default:
			put(o, pick(portion, ARRAY_SIZE(portion)));
		}
	} else if (f->ctrl != C_BWMIN && !rnd(4)) {
		put(o, pick(pct_max, ARRAY_SIZE(pct_max)));
	} else if (!rnd(3)) {
		putf(o, "%u", 101 + rnd(1000000));
	} else {
		put(o, pick(pct, ARRAY_SIZE(pct)));
	}
	return E_EINVAL;
}

/*
 * Whitespace where a line may have none: inside the key or the value, or
 * between them other than blanks.  Whitespace around a line or blanks
 * between key and value are fine, and come with gen_other().
 */
static enum fz_expect gen_spaces(struct out *o, const struct fz_file *f,
				 unsigned long long limbo)
{
	char line[512], *sep;
	struct out l = { line, 0, sizeof(line) - 1 };
	size_t at, key;

	put_valid(&l, f, limbo);
	line[l.len] = '\0';
	put_ws(o, 2);
	if (f->kind == K_SETTING || f->kind == K_COUNTERS) {
		sep = strpbrk(line, " \t");
		key = sep - line;
		switch (rnd(3)) {
		case 0:		/* not a blank between key and value */
			put_mem(o, line, key);
			put(o, pick(odd_spaces, ARRAY_SIZE(odd_spaces)));
			put(o, sep + 1);
			break;
		case 1:		/* inside the key */
			at = 1 + rnd(key - 1);
			put_mem(o, line, at);
			put(o, pick(spaces, ARRAY_SIZE(spaces)));
			put(o, line + at);
			break;
		default:	/* inside the value */
			if (strlen(sep + 1) < 2) {
				put_mem(o, line, sep + 1 - line);
				put(o, "f");
				put(o, pick(blanks, ARRAY_SIZE(blanks)));
				put(o, "f");
				break;
			}
			at = sep + 2 - line + rnd(strlen(sep + 1) - 1);
			put_mem(o, line, at);
			/*
			 * bitmap_parse() takes \r, \v and \f for commas: only
			 * a blank or a newline makes a bitmap malformed.
			 */
			if (f->ctrl == C_PORTION || f->ctrl == C_EXCL)
				put(o, rnd(2) ? pick(blanks, ARRAY_SIZE(blanks)) : "\n");
			else
				put(o, pick(spaces, ARRAY_SIZE(spaces)));
			put(o, line + at);
		}
	} else {
		/* inside a name or a number of at least two characters */
		if (l.len < 2) {
			l.len = 0;
			put(&l, f->kind == K_SHARE ? "s1" : "10");
			line[l.len] = '\0';
		}
		at = 1 + rnd(l.len - 1);
		put_mem(o, line, at);
		put(o, pick(spaces, ARRAY_SIZE(spaces)));
		put(o, line + at);
	}
	put_ws(o, 2);
	return E_EINVAL;
}

/* A class name near a real one, that no class has. */
static void put_bad_class(struct out *o)
{
	static const char * const names[] = {
		"", "all", "*", "l", "L", "cache", "memory", "mem0", "l0", "l9",
		"l10", "-", ".", "l3.", "mpam", "default", "max",
	};
	char name[64];
	struct fz_class *c = &classes[rnd(nr_classes)];
	size_t n = strlen(c->name), i;

	do {
		snprintf(name, sizeof(name), "%s", c->name);
		switch (rnd(7)) {
		case 0:
			for (i = 0; i < n; i++)
				name[i] = name[i] >= 'a' && name[i] <= 'z' ?
					  name[i] - 32 : name[i];
			break;
		case 1:
			snprintf(name, sizeof(name), "%s%c", c->name, "x30_-L"[rnd(6)]);
			break;
		case 2:
			name[n - 1] = '\0';
			break;
		case 3:
			snprintf(name, sizeof(name), "%c%s", "lmxL_"[rnd(5)], c->name);
			break;
		case 4:
			name[rnd(n)] = "0123456789"[rnd(10)];
			break;
		case 5:
			snprintf(name, sizeof(name), "%s%s", c->name, c->name);
			break;
		default:
			snprintf(name, sizeof(name), "%s", pick(names, ARRAY_SIZE(names)));
		}
	} while (class_exists(name));
	put(o, name);
}

/* An id that no component of @c has, or no id at all. */
static void put_bad_id(struct out *o, const struct fz_class *c)
{
	static const char * const ids[] = {
		"", "x", "-1", "-0", "1:1", "0:", ":0", "0x1", "0x0", "1.0",
		"1e0", "+-1", "--1", "4294967296", "18446744073709551616",
		"99999999999999999999", "0b1", "one", "*", "1,2", "1-2",
	};
	unsigned long long id;
	unsigned int max = 0;
	int i;

	for (i = 0; i < c->nr; i++)
		if (c->ids[i] > max)
			max = c->ids[i];
	switch (rnd(3)) {
	case 0:
		put(o, pick(ids, ARRAY_SIZE(ids)));
		return;
	case 1:		/* just beyond the largest, or far beyond */
		id = rnd(2) ? max + 1ULL : max + 1ULL + rnd(UINT32_MAX - max);
		break;
	default:	/* an id of another class, or a small number */
		id = classes[rnd(nr_classes)].ids[0] + rnd(4);
	}
	if (comp_exists(c, id))
		id = 4294967295ULL;
	if (comp_exists(c, id)) {
		put(o, "x");
		return;
	}
	putf(o, "%llu", id);
}

/*
 * Unknown classes and components: names near those of mpam.capacity, ids
 * beyond the real ones, classes without the file's control.  For the files
 * without classes, names it cannot take.
 */
static enum fz_expect gen_unknown(struct out *o, const struct fz_file *f)
{
	static const char * const bad_names[] = {
		"a/b", "a,b", "a:b", "a b", "\xc3\xa4", "a*", "$x", "gold!", "~",
		"s1;s2", "s1'", "\"s1\"", "s1=1", "(s1)", "s1+", "s@1", "#",
	};
	static const char * const lines[] = {
		"l3 1", "mem:0 1", "on", "off", "max", "default", "mem 50",
		"true", "yes", "s1",
	};
	struct fz_class *c = class_with(f->ctrl), *w;

	switch (f->kind) {
	case K_SHARE:
		put(o, pick(bad_names, ARRAY_SIZE(bad_names)));
		return E_EINVAL;
	case K_MONITOR:
	case K_LIMBO:
		put(o, pick(lines, ARRAY_SIZE(lines)));
		return E_EINVAL;
	default:
		break;
	}
	if (!c)
		c = &classes[rnd(nr_classes)];
	w = class_without(f->ctrl);
	switch (rnd(w ? 4 : 3)) {
	case 0:
		put_bad_class(o);
		if (rnd(2))
			putf(o, ":%u", c->nr ? c->ids[rnd(c->nr)] : 0);
		break;
	case 1:
	case 2:
		put(o, c->name);
		put(o, rnd(8) ? ":" : "::");
		put_bad_id(o, c);
		break;
	default:	/* a class without this control */
		put_key(o, w);
		c = w;
	}
	put(o, pick(blanks, ARRAY_SIZE(blanks)));
	if (c->has[f->ctrl] || f->ctrl == C_BYTES)
		put_value(o, f->ctrl, c);
	else
		put(o, "max");
	return E_EINVAL;
}

static enum fz_expect gen_malformed(struct out *o, const struct fz_file *f,
				    unsigned long long limbo)
{
	switch (rnd(20)) {
	case 0 ... 3:
		return gen_bytes(o, f);
	case 4 ... 5:
		return gen_long(o, f, limbo);
	case 6 ... 8:
		return gen_lines(o, f, limbo);
	case 9 ... 13:
		return gen_numbers(o, f);
	case 14 ... 16:
		return gen_spaces(o, f, limbo);
	default:
		return gen_unknown(o, f);
	}
}

/* --- one file ---------------------------------------------------------- */

struct fz_run {
	const struct fz_file *f;
	int wfd, rfd, pfd;
	char text[TEXT_MAX], part[TEXT_MAX], now[TEXT_MAX], now_part[TEXT_MAX];
	int malformed, einval, e2big, other, accepted, failures;
	int errs[4];			/* refusals of the others: EINVAL ENOSPC EBUSY ENODEV */
	bool ok;
};

static __printf(2, 3) void fail(struct fz_run *r, const char *fmt, ...)
{
	va_list ap;

	r->ok = false;
	if (++r->failures > REPORT_MAX)
		return;
	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* The errnos a write to @f may fail with (E2BIG: longer than a page). */
static bool documented(const struct fz_file *f, int err)
{
	switch (f->kind) {
	case K_SETTING:
	case K_SHARE:
	case K_COUNTERS:
		return err == EINVAL || err == ENOSPC || err == EBUSY || err == ENODEV;
	case K_MONITOR:
		return err == EINVAL || err == EBUSY || err == ENODEV;
	case K_LIMBO:
		return err == EINVAL;
	}
	return false;
}

/* Read the file (and mpam.partition) into @text and @part; false on error. */
static bool snapshot(struct fz_run *r, char *text, char *part)
{
	ssize_t ret = read_fd(r->rfd, text, TEXT_MAX);

	if (ret < 0)
		return false;
	if (r->pfd >= 0 && read_fd(r->pfd, part, TEXT_MAX) < 0)
		return false;
	return true;
}

/*
 * Write @b, @len once and judge it.  r->text and r->part hold what the
 * files said after the previous write: nothing else writes them.
 */
static void one_write(struct fz_run *r, int i, const char *b, size_t len,
		      enum fz_expect exp)
{
	ssize_t ret = write(r->wfd, b, len);
	int err = ret < 0 ? errno : 0;

	if (exp != E_ANY)
		r->malformed++;
	else
		r->other++;
	if (ret >= 0) {
		r->accepted += exp == E_ANY;
		if ((size_t)ret != len)
			fail(r, "write %d: %s to %s: %zd of %zu bytes written\n", i,
			     escape(b, len), r->f->name, ret, len);
		if (exp != E_ANY)
			fail(r, "write %d: malformed %s accepted by %s\n", i,
			     escape(b, len), r->f->name);
		if (!snapshot(r, r->text, r->part))
			fail(r, "write %d: %s unreadable after %s: %s\n", i,
			     r->f->name, escape(b, len), strerror(errno));
		return;
	}
	if (exp == E_EINVAL && err == EINVAL)
		r->einval++;
	else if (exp == E_E2BIG && err == E2BIG)
		r->e2big++;
	else if (exp == E_ANY && documented(r->f, err))
		r->errs[err == EINVAL ? 0 : err == ENOSPC ? 1 : err == EBUSY ? 2 : 3]++;
	else
		fail(r, "write %d: %s to %s: %s, not %s\n", i, escape(b, len),
		     r->f->name, strerror(err), exp == E_EINVAL ? "EINVAL" :
		     exp == E_E2BIG ? "E2BIG" : "an errno the file documents");
	if (!snapshot(r, r->now, r->now_part)) {
		fail(r, "write %d: %s unreadable after %s\n", i, r->f->name,
		     escape(b, len));
		return;
	}
	if (strcmp(r->text, r->now)) {
		fail(r, "write %d: refused %s (%s) changed %s\n", i, escape(b, len),
		     strerror(err), r->f->name);
		strcpy(r->text, r->now);
	}
	if (r->pfd >= 0 && strcmp(r->part, r->now_part)) {
		fail(r, "write %d: refused %s (%s) to %s changed mpam.partition\n", i,
		     escape(b, len), strerror(err), r->f->name);
		strcpy(r->part, r->now_part);
	}
}

/*
 * Put every line of @f of @cg back to its default: "<key> default" for
 * the settings, "<key> off" for counters.  0 or -errno.
 */
static int reset_lines(const char *cg, const char *file, const char *val)
{
	char buf[TEXT_MAX], line[128], *l, *save;
	int err, e;

	err = rdf(cg, file, buf, sizeof(buf));
	if (err < 0)
		return err;
	err = 0;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l[strcspn(l, " ")] = '\0';
		snprintf(line, sizeof(line), "%s %s", l, val);
		e = wrf(cg, file, line);
		err = err ?: e;
	}
	return err;
}

static int reset_file(const struct fz_file *f, const char *cg, unsigned long long limbo)
{
	char val[32];

	switch (f->kind) {
	case K_SETTING:
		return reset_lines(cg, f->name, "default");
	case K_COUNTERS:
		return reset_lines(cg, f->name, "off");
	case K_SHARE:
		return wrf(cg, f->name, "\n");
	case K_MONITOR:
		return wrf(cg, f->name, "0");
	case K_LIMBO:
		snprintf(val, sizeof(val), "%llu", limbo);
		return wrf(cg, f->name, val);
	}
	return -EINVAL;
}

/* mpam.ids as it was: limbo drains once a second, so wait up to 5 s. */
static bool ids_back(const char *ids, char *buf)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (rd(CG "/mpam.ids", buf, TEXT_MAX) >= 0 && !strcmp(ids, buf))
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * mpam.share: the cgroup holds a partition, and a peer with the same
 * setting shares "s1", so that valid names move it in and out of the
 * peer's partition.  @setting is the line, or empty.
 */
static bool share_setup(const char *cg, const char *peer, char *setting, size_t len)
{
	struct fz_class *c = class_with(C_PORTION);

	setting[0] = '\0';
	if (!c || !c->nr)
		return true;
	snprintf(setting, len, "%s:%u max", c->name, c->ids[0]);
	return !mkdir(peer, 0755) && !wrf(peer, "mpam.cache.portion", setting) &&
	       !wrf(peer, "mpam.share", "s1") && !wrf(cg, "mpam.cache.portion", setting);
}

/*
 * Drop the setting of @cg (and of the peer, unless @cg_only).  Without
 * it, no write to mpam.share can fail: a member of "s1" that clears its
 * name is refused with EBUSY (mpam_cg_splits_share() counts the cgroup
 * itself among the members it would split), so the setting goes first.
 */
static void share_teardown(const char *cg, const char *peer, char *setting, bool cg_only)
{
	if (!setting[0])
		return;
	if (!strstr(setting, " default"))
		strcpy(strchr(setting, ' '), " default");
	wrf(cg, "mpam.cache.portion", setting);
	if (cg_only)
		return;
	wrf(peer, "mpam.cache.portion", setting);
	wrf(peer, "mpam.share", "\n");
	rmdir(peer);
}

/* One file: its own cgroup below @top (the root for the root's file). */
static void fuzz_file(const struct fz_file *f, const char *top, int idx,
		      unsigned int seed, int writes, unsigned long long limbo)
{
	static char buf[4 * 65536 + 1024], ids[TEXT_MAX], before[TEXT_MAX];
	static struct fz_run run;
	struct fz_run *r = &run;
	char cg[256], path[PATH_MAX], peer[256], setting[64] = "";
	struct out o = { buf, 0, 0 };
	double t0 = now(), u0, s0, u1, s1;
	enum fz_expect exp;
	int i;

	cpu_time(&u0, &s0);
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->ok = true;
	r->wfd = -1;
	r->rfd = -1;
	r->pfd = -1;
	o.cap = page_size * 4 < sizeof(buf) ? page_size * 4 : sizeof(buf);
	snprintf(peer, sizeof(peer), "%s/peer", top);

	if (rd(CG "/mpam.ids", ids, sizeof(ids)) < 0) {
		ksft_test_result_fail("%s: cannot read mpam.ids\n", f->name);
		return;
	}
	if (f->kind == K_LIMBO) {
		snprintf(cg, sizeof(cg), "%s", CG);
	} else {
		snprintf(cg, sizeof(cg), "%s/f%d", top, idx);
		if (mkdir(cg, 0755)) {
			ksft_test_result_fail("%s: mkdir %s: %s\n", f->name, cg, strerror(errno));
			return;
		}
	}
	if (f->kind == K_SHARE && !share_setup(cg, peer, setting, sizeof(setting)))
		fail(r, "cannot give %s and its peer \"%s\" and share s1\n", cg, setting);
	snprintf(path, sizeof(path), "%s/%s", cg, f->name);
	r->wfd = open(path, O_WRONLY);
	r->rfd = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "%s/mpam.partition", cg);
	if (f->kind != K_LIMBO)
		r->pfd = open(path, O_RDONLY);
	if (r->wfd < 0 || r->rfd < 0 || (f->kind != K_LIMBO && r->pfd < 0) ||
	    !snapshot(r, r->text, r->part)) {
		fail(r, "cannot open or read %s/%s: %s\n", cg, f->name, strerror(errno));
		goto out;
	}
	strcpy(before, r->text);

	/* Each file its own sequence, so that one can be replayed alone. */
	rng = seed * 0x100000001b3ULL + idx;
	for (i = 0; r->malformed < writes && r->ok; i++) {
		o.len = 0;
		exp = rnd(16) ? gen_malformed(&o, f, limbo) : gen_other(&o, f, limbo);
		one_write(r, i, o.b, o.len, exp);
	}

	share_teardown(cg, peer, setting, true);
	if (reset_file(f, cg, limbo) || !snapshot(r, r->now, r->now_part) ||
	    strcmp(before, r->now))
		fail(r, "%s not back as it was: %s, not %s\n", f->name,
		     escape(r->now, strlen(r->now)), escape(before, strlen(before)));
out:
	if (r->wfd >= 0)
		close(r->wfd);
	if (r->rfd >= 0)
		close(r->rfd);
	if (r->pfd >= 0)
		close(r->pfd);
	share_teardown(cg, peer, setting, false);
	if (r->ok && !ids_back(ids, r->now))
		fail(r, "mpam.ids not back: %s, not %s\n",
		     escape(r->now, strlen(r->now)), escape(ids, strlen(ids)));
	if (f->kind != K_LIMBO && rmdir(cg))
		fail(r, "rmdir %s: %s\n", cg, strerror(errno));
	if (r->failures > REPORT_MAX)
		ksft_print_msg("%s: %d failures not shown\n", f->name,
			       r->failures - REPORT_MAX);
	cpu_time(&u1, &s1);
	ksft_test_result(r->ok,
			 "%s (seed %u): %d malformed writes refused (EINVAL %d, E2BIG %d); %d valid or edge: %d accepted, %d refused (EINVAL %d, ENOSPC %d, EBUSY %d, ENODEV %d); %.1f s (%.1f user, %.1f system)\n",
			 f->name, seed, r->einval + r->e2big, r->einval, r->e2big,
			 r->other, r->accepted, r->other - r->accepted, r->errs[0],
			 r->errs[1], r->errs[2], r->errs[3], now() - t0, u1 - u0, s1 - s0);
}

int main(void)
{
	char top[128], buf[TEXT_MAX];
	unsigned long long limbo;
	unsigned int seed = 1;
	struct statfs sfs;
	int writes = env_int("MPAM_FUZZ_WRITES", 10000);
	double t0 = now();
	const char *s;
	bool enabled;
	int i;

	ksft_print_header();
	s = getenv("MPAM_FUZZ_SEED");
	if (s && *s)
		seed = strtoul(s, NULL, 0);
	if (writes < 1)
		writes = 1;
	page_size = sysconf(_SC_PAGESIZE);

	if (statfs(CG, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		ksft_exit_skip("cgroup v2 is not mounted on " CG "\n");
	if (rd(CG "/cgroup.controllers", buf, sizeof(buf)) < 0 ||
	    !strstr(buf, "mpam"))
		ksft_exit_skip("the mpam controller is not built in\n");
	if (read_classes() <= 0)
		ksft_exit_skip("no MPAM hardware behind the controller: mpam.capacity is empty\n");
	if (geteuid())
		ksft_exit_skip("needs root\n");
	if (rd(CG "/mpam.limbo.threshold", buf, sizeof(buf)) < 0)
		ksft_exit_fail_msg("cannot read mpam.limbo.threshold\n");
	limbo = strtoull(buf, NULL, 10);

	ksft_set_plan(ARRAY_SIZE(files));
	for (i = 0; i < nr_classes; i++) {
		struct fz_class *c = &classes[i];

		ksft_print_msg("class %s: %d components, %d portions%s%s%s%s\n", c->name,
			       c->nr, c->portions, c->has[C_CMAX] ? ", cache.max" : "",
			       c->has[C_BWMAX] ? ", bw.max" : "",
			       c->has[C_BWMIN] ? ", bw.min" : "",
			       c->has[C_BYTES] ? ", byte counters" : "");
	}
	ksft_print_msg("seed %u (MPAM_FUZZ_SEED), %d malformed writes a file (MPAM_FUZZ_WRITES)\n",
		       seed, writes);

	if (rd(CG "/cgroup.subtree_control", buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	enabled = strstr(buf, "mpam");
	if (!enabled && wr(CG "/cgroup.subtree_control", "+mpam"))
		ksft_exit_fail_msg("cannot enable mpam at the root\n");
	snprintf(top, sizeof(top), "%s/mpam_fuzz.%d", CG, getpid());
	if (mkdir(top, 0755) || wrf(top, "cgroup.subtree_control", "+mpam"))
		ksft_exit_fail_msg("cannot create %s\n", top);

	for (i = 0; i < (int)ARRAY_SIZE(files); i++)
		fuzz_file(&files[i], top, i, seed, writes, limbo);

	rmdir(top);
	if (!enabled)
		wr(CG "/cgroup.subtree_control", "-mpam");
	ksft_print_msg("%.1f s in all\n", now() - t0);
	ksft_finished();
}
