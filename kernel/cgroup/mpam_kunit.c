// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the mpam controller core, included by mpam.c.
 *
 * A fake provider with three classes stands in for the hardware and
 * records what the core programs; a made-up hierarchy of struct mpam_cg
 * (no real cgroups, no tasks) stands in for cgroups.  The tests need the
 * controller to have no provider of its own, so they skip on a system
 * whose MPAM hardware is registered.
 */
#include <kunit/test.h>
#include <linux/delay.h>

#define FAKE_PARTIDS	4
/* @p percent, in the core's hundredths */
#define PCT(p)		((p) * MPAM_CG_PCT_1)
#define FAKE_PMGS	2

static const u32 fake_l3_ids[] = { 0, 1 };
static const u32 fake_l2_ids[] = { 4, 5 };
static const u32 fake_mem_ids[] = { 0 };

static struct mpam_cg_class fake_l3 = {
	.name = "l3",
	.ctrls = BIT(MPAM_CG_PORTION) | BIT(MPAM_CG_CMAX),
	.portions = 8,
	.mons = { [MPAM_CG_MON_OCCUPANCY] = 2, [MPAM_CG_MON_BYTES] = 1 },
	.nr_comps = ARRAY_SIZE(fake_l3_ids),
	.comp_ids = fake_l3_ids,
};

static struct mpam_cg_class fake_l2 = {
	.name = "l2",
	.ctrls = BIT(MPAM_CG_PORTION),
	.portions = 36,
	.contiguous = true,
	.nr_comps = ARRAY_SIZE(fake_l2_ids),
	.comp_ids = fake_l2_ids,
};

static struct mpam_cg_class fake_mem = {
	.name = "mem",
	.ctrls = BIT(MPAM_CG_BW_MAX) | BIT(MPAM_CG_BW_MIN),
	.mons = { [MPAM_CG_MON_BYTES] = 1 },
	.nr_comps = ARRAY_SIZE(fake_mem_ids),
	.comp_ids = fake_mem_ids,
};

/* What the fake hardware holds, per class, PARTID and component. */
#define FAKE_HW_PARTIDS	8
#define FAKE_HW_COMPS	4

struct fake_hw {
	unsigned long portion[FAKE_HW_PARTIDS][FAKE_HW_COMPS][BITS_TO_LONGS(64)];
	u16 pct[FAKE_HW_PARTIDS][FAKE_HW_COMPS][MPAM_CG_NR_CTRLS];
	/* Where the class has regulators: the internal PARTID of each PARTID */
	u16 map[FAKE_HW_PARTIDS][FAKE_HW_COMPS];
	unsigned int applies;
	int fail;		/* apply fails with this, if not 0 */
};

static struct fake_hw fake_hw[3];

/* Every PARTID at its reset configuration, as the driver leaves them. */
static void fake_hw_reset(void)
{
	int i, p, c;

	memset(fake_hw, 0, sizeof(fake_hw));
	for (i = 0; i < ARRAY_SIZE(fake_hw); i++) {
		for (p = 0; p < FAKE_HW_PARTIDS; p++) {
			for (c = 0; c < FAKE_HW_COMPS; c++) {
				bitmap_fill(fake_hw[i].portion[p][c], 64);
				fake_hw[i].pct[p][c][MPAM_CG_CMAX] = MPAM_CG_PCT_ALL;
				fake_hw[i].pct[p][c][MPAM_CG_BW_MAX] = MPAM_CG_PCT_ALL;
				/* As the driver resets it: one to one. */
				fake_hw[i].map[p][c] = p;
			}
		}
	}
}

static struct fake_hw *fake_hw_of(struct mpam_cg_class *cls)
{
	return &fake_hw[cls->index];
}

static int fake_apply(struct mpam_cg_class *cls, unsigned int comp,
		      u16 partid, const struct mpam_cg_config *cfg)
{
	struct fake_hw *hw = fake_hw_of(cls);

	lockdep_assert_cpus_held();
	if (hw->fail)
		return hw->fail;
	if (cls->regulators && partid >= cls->regulators)
		return -EINVAL;		/* not an internal PARTID */
	hw->applies++;
	if (cls->portions)
		bitmap_copy(hw->portion[partid][comp], cfg->portion,
			    cls->portions);
	memcpy(hw->pct[partid][comp], cfg->pct, sizeof(cfg->pct));
	return 0;
}

static int fake_map(struct mpam_cg_class *cls, unsigned int comp,
		    u16 partid, u16 intpartid)
{
	lockdep_assert_cpus_held();
	if (!cls->regulators || intpartid >= cls->regulators)
		return -EINVAL;
	fake_hw_of(cls)->map[partid][comp] = intpartid;
	return 0;
}

/*
 * A monitor reads as a number that says whose it is.  Reads are counted,
 * and those made while the controller's mutex or the CPUs were held.
 */
static unsigned int fake_occ_reads, fake_reads_locked;
static int fake_read_err;	/* monitor reads fail with this, if not 0 */
static unsigned int fake_occ_scale;	/* 0: every cache is clean */

static int fake_read_occupancy(struct mpam_cg_class *cls, unsigned int comp,
			       u16 partid, u8 pmg, bool match_pmg, u64 *val)
{
	if (fake_read_err)
		return fake_read_err;
	fake_occ_reads++;
	if (mutex_is_locked(&mpam_cg_mutex) ||
	    (IS_ENABLED(CONFIG_LOCKDEP) && lockdep_is_cpus_held()))
		fake_reads_locked++;
	*val = fake_occ_scale * (1000 * partid + (match_pmg ? 10 * (pmg + 1) : 0));
	return 0;
}

/* Byte counters of the fake hardware, per class, component and counter. */
#define FAKE_CLASSES	3
#define FAKE_COMPS	4
#define FAKE_CTRS	4

struct fake_ctr {
	bool bound;
	u16 partid;
	u8 pmg;
	bool match_pmg;
	unsigned int binds;	/* times bound */
	unsigned int reads;
	u64 bytes;		/* counted since bound */
};

static struct fake_ctr fake_ctrs[FAKE_CLASSES][FAKE_COMPS][FAKE_CTRS];
static int fake_bind_fail;

static struct fake_ctr *fake_ctr_of(struct mpam_cg_class *cls,
				    unsigned int comp, unsigned int ctr)
{
	return &fake_ctrs[cls->index][comp][ctr];
}

static int fake_bind_counter(struct mpam_cg_class *cls, unsigned int comp,
			     unsigned int ctr, u16 partid, u8 pmg,
			     bool match_pmg)
{
	struct fake_ctr *c = fake_ctr_of(cls, comp, ctr);

	lockdep_assert_cpus_held();
	if (fake_bind_fail)
		return fake_bind_fail;
	if (ctr >= cls->mons[MPAM_CG_MON_BYTES] || c->bound)
		return -EINVAL;		/* the core handed out a wrong counter */
	c->bound = true;
	c->partid = partid;
	c->pmg = pmg;
	c->match_pmg = match_pmg;
	c->binds++;
	c->bytes = 0;
	return 0;
}

static void fake_unbind_counter(struct mpam_cg_class *cls, unsigned int comp,
				unsigned int ctr)
{
	fake_ctr_of(cls, comp, ctr)->bound = false;
}

static int fake_read_counter(struct mpam_cg_class *cls, unsigned int comp,
			     unsigned int ctr, u64 *val)
{
	struct fake_ctr *c = fake_ctr_of(cls, comp, ctr);

	if (!c->bound)
		return -EINVAL;
	if (fake_read_err)
		return fake_read_err;
	if (mutex_is_locked(&mpam_cg_mutex) ||
	    (IS_ENABLED(CONFIG_LOCKDEP) && lockdep_is_cpus_held()))
		fake_reads_locked++;
	c->reads++;
	*val = c->bytes;
	return 0;
}

static unsigned int fake_labels;

static void fake_set_label(struct task_struct *tsk, u16 partid, u8 pmg)
{
	fake_labels++;
}

static void fake_sync_cpu(void *unused)
{
}

static unsigned int fake_inherits;

static void fake_inherit_label(struct task_struct *tsk)
{
	fake_inherits++;
}

/* Another user of the hardware (resctrl) has it while fake_busy. */
static bool fake_busy;
static int fake_owned;

static int fake_acquire(void)
{
	lockdep_assert_cpus_held();
	if (fake_busy)
		return -EBUSY;
	fake_owned++;
	return 0;
}

static void fake_release(void)
{
	fake_owned--;
}

static const struct mpam_cg_ops fake_ops = {
	.apply = fake_apply,
	.map = fake_map,
	.read_occupancy = fake_read_occupancy,
	.bind_counter = fake_bind_counter,
	.unbind_counter = fake_unbind_counter,
	.read_counter = fake_read_counter,
	.set_label = fake_set_label,
	.sync_cpu = fake_sync_cpu,
	.inherit_label = fake_inherit_label,
	.acquire = fake_acquire,
	.release = fake_release,
};

static struct mpam_cg_provider fake_prov = {
	.nr_partids = FAKE_PARTIDS,
	.nr_pmgs = FAKE_PMGS,
	.ops = &fake_ops,
};

/* A made-up hierarchy: root - a - b - c, a - e, and root - d. */
struct fake_tree {
	struct mpam_cg root, a, b, c, d, e;
};

/*
 * The cgroup of every made-up css: no task is ever in it, and its misc
 * css is the root's.
 */
static struct cgroup fake_cgroup = {
	.cset_links = LIST_HEAD_INIT(fake_cgroup.cset_links),
};

static void fake_cg_init(struct mpam_cg *cg, struct mpam_cg *parent)
{
	mpam_cg_init(cg);
	cg->css.cgroup = &fake_cgroup;
	INIT_LIST_HEAD(&cg->css.children);
	INIT_LIST_HEAD(&cg->css.sibling);
	cg->css.flags = CSS_NO_REF | CSS_ONLINE;
	if (!parent)
		return;
	cg->css.parent = &parent->css;
	list_add_tail_rcu(&cg->css.sibling, &parent->css.children);
	mpam_cg_css_online(&cg->css);
}

static int mpam_test_init(struct kunit *test)
{
	struct fake_tree *t;
	int err;

	fake_hw_reset();
	memset(fake_ctrs, 0, sizeof(fake_ctrs));
	fake_bind_fail = 0;
	fake_read_err = 0;
	fake_occ_scale = 1;
	fake_labels = 0;
	fake_busy = false;
	fake_owned = 0;
	INIT_LIST_HEAD(&fake_prov.classes);
	list_add_tail(&fake_l3.node, &fake_prov.classes);
	list_add_tail(&fake_l2.node, &fake_prov.classes);
	list_add_tail(&fake_mem.node, &fake_prov.classes);
	err = mpam_cgroup_register(&fake_prov);
	if (err == -EBUSY)
		kunit_skip(test, "a real MPAM provider is registered");
	KUNIT_ASSERT_EQ(test, err, 0);

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;

	fake_cg_init(&t->root, NULL);
	t->root.has_partid = true;
	t->root.has_pmg = true;
	mutex_lock(&mpam_cg_mutex);
	err = mpam_cg_alloc_eff(&t->root);
	mutex_unlock(&mpam_cg_mutex);
	KUNIT_ASSERT_EQ(test, err, 0);
	fake_cg_init(&t->a, &t->root);
	fake_cg_init(&t->b, &t->a);
	fake_cg_init(&t->c, &t->b);
	fake_cg_init(&t->d, &t->root);
	fake_cg_init(&t->e, &t->a);
	return 0;
}

static void mpam_test_exit(struct kunit *test)
{
	struct fake_tree *t = test->priv;

	if (t) {
		mpam_cg_css_offline(&t->c.css);
		mpam_cg_css_offline(&t->b.css);
		mpam_cg_css_offline(&t->e.css);
		mpam_cg_css_offline(&t->a.css);
		mpam_cg_css_offline(&t->d.css);
		mpam_cg_free_lines(&t->root);
		mpam_cg_free_eff(&t->root);
	}
	mpam_cgroup_unregister(&fake_prov, false);
}

/* Write @line to setting @ctrl of @cg, as a write() to the file would. */
static int write_line(struct mpam_cg *cg, int ctrl, const char *line)
{
	char buf[64];

	strscpy(buf, line, sizeof(buf));
	return mpam_cg_write(cg, ctrl, buf);
}

static int write_ctrs(struct mpam_cg *cg, const char *line)
{
	char buf[32];

	strscpy(buf, line, sizeof(buf));
	return mpam_cg_set_counters(cg, buf);
}

static unsigned long hw_portion(struct mpam_cg_class *cls, u16 partid,
				unsigned int comp)
{
	return fake_hw_of(cls)->portion[partid][comp][0] &
	       GENMASK(min(cls->portions, BITS_PER_LONG) - 1, 0);
}

static void mpam_test_parse(struct kunit *test)
{
	static const struct {
		int ctrl;
		const char *line;
		int err;
	} cases[] = {
		{ MPAM_CG_PORTION, "l3 0f", 0 },
		{ MPAM_CG_PORTION, "l3:1 f0\n", 0 },
		{ MPAM_CG_PORTION, "  l3:1   default ", 0 },
		{ MPAM_CG_PORTION, "l3 max", 0 },
		{ MPAM_CG_PORTION, "l2 f,ffffffff", 0 },
		{ MPAM_CG_PORTION, "l2 0ff0", 0 },
		{ MPAM_CG_PORTION, "l2 0f0f", -EINVAL },	/* not contiguous */
		{ MPAM_CG_PORTION, "l3 1ff", -EINVAL },		/* 9 bits of 8 */
		{ MPAM_CG_PORTION, "l2 1f,ffffffff", -EINVAL },	/* 37 of 36 */
		{ MPAM_CG_PORTION, "l3 0", -EINVAL },		/* empty */
		{ MPAM_CG_PORTION, "l3 0g", -EINVAL },
		{ MPAM_CG_PORTION, "l3", -EINVAL },
		{ MPAM_CG_PORTION, "l3 ff ff", -EINVAL },
		{ MPAM_CG_PORTION, "", -EINVAL },
		{ MPAM_CG_PORTION, "l4 ff", -EINVAL },		/* no such class */
		{ MPAM_CG_PORTION, "l3:2 ff", -EINVAL },	/* no such comp */
		{ MPAM_CG_PORTION, "l3:x ff", -EINVAL },
		{ MPAM_CG_PORTION, "l3: ff", -EINVAL },
		{ MPAM_CG_PORTION, "mem ff", -EINVAL },		/* no portions */
		{ MPAM_CG_CMAX, "l3 50", 0 },
		{ MPAM_CG_CMAX, "l3 0", -EINVAL },
		{ MPAM_CG_CMAX, "l3 101", -EINVAL },
		{ MPAM_CG_CMAX, "l2 50", -EINVAL },		/* no cmax */
		{ MPAM_CG_BW_MAX, "mem 1", 0 },
		{ MPAM_CG_BW_MAX, "mem 100", 0 },
		{ MPAM_CG_BW_MAX, "mem 0", -EINVAL },
		{ MPAM_CG_BW_MAX, "mem -1", -EINVAL },
		{ MPAM_CG_BW_MAX, "mem 256", -EINVAL },
		{ MPAM_CG_BW_MIN, "mem 0", 0 },
		{ MPAM_CG_BW_MIN, "mem:0 max", 0 },
		/* Percentages with up to two decimals, as cgroup-v2.rst has them. */
		{ MPAM_CG_BW_MAX, "mem 13.40", 0 },
		{ MPAM_CG_BW_MAX, "mem 12.5", 0 },
		{ MPAM_CG_BW_MAX, "mem 100.00", 0 },
		{ MPAM_CG_BW_MAX, "mem 1.00", 0 },
		{ MPAM_CG_BW_MAX, "mem 0.99", -EINVAL },	/* below 1 % */
		{ MPAM_CG_BW_MAX, "mem 100.01", -EINVAL },
		{ MPAM_CG_BW_MAX, "mem 13.405", -EINVAL },	/* three decimals */
		{ MPAM_CG_BW_MAX, "mem 13.", -EINVAL },
		{ MPAM_CG_BW_MAX, "mem .5", -EINVAL },
		{ MPAM_CG_BW_MAX, "mem +5", -EINVAL },
		{ MPAM_CG_BW_MAX, "mem 5x", -EINVAL },
		{ MPAM_CG_BW_MAX, "mem 1e2", -EINVAL },
		{ MPAM_CG_BW_MAX, "mem 99999999999999999999", -EINVAL },
		{ MPAM_CG_BW_MIN, "mem 0.01", 0 },
		{ MPAM_CG_BW_MIN, "mem 0.00", 0 },
	};
	DECLARE_BITMAP(bits, 64);
	struct mpam_cg_req req = { .portion = bits };
	char buf[64];
	int i;

	mutex_lock(&mpam_cg_mutex);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		strscpy(buf, cases[i].line, sizeof(buf));
		KUNIT_EXPECT_EQ_MSG(test, mpam_cg_parse_line(cases[i].ctrl, buf, &req),
				    cases[i].err, "line \"%s\"", cases[i].line);
	}
	strscpy(buf, "l3:1 f0", sizeof(buf));
	KUNIT_EXPECT_EQ(test, mpam_cg_parse_line(MPAM_CG_PORTION, buf, &req), 0);
	KUNIT_EXPECT_PTR_EQ(test, req.cls, &fake_l3);
	KUNIT_EXPECT_EQ(test, req.comp, 1);
	KUNIT_EXPECT_EQ(test, bits[0] & 0xff, 0xf0UL);
	strscpy(buf, "mem 13.4", sizeof(buf));
	KUNIT_EXPECT_EQ(test, mpam_cg_parse_line(MPAM_CG_BW_MAX, buf, &req), 0);
	KUNIT_EXPECT_EQ(test, req.pct, 1340);
	strscpy(buf, "mem 7.05", sizeof(buf));
	KUNIT_EXPECT_EQ(test, mpam_cg_parse_line(MPAM_CG_BW_MAX, buf, &req), 0);
	KUNIT_EXPECT_EQ(test, req.pct, 705);
	mutex_unlock(&mpam_cg_mutex);
}

static void mpam_test_partid_lifetime(struct kunit *test)
{
	struct fake_tree *t = test->priv;

	/* Nothing allocated, nobody labelled, while nobody has settings. */
	KUNIT_EXPECT_FALSE(test, t->a.has_partid);
	KUNIT_EXPECT_EQ(test, t->a.partid, 0);
	KUNIT_EXPECT_FALSE(test, mpam_cg_active);
	KUNIT_EXPECT_NULL(test, READ_ONCE(mpam_cg_fork_ops));

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_EXPECT_TRUE(test, mpam_cg_active);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(mpam_cg_fork_ops), &fake_ops);
	KUNIT_EXPECT_TRUE(test, t->a.has_partid);
	KUNIT_EXPECT_NE(test, t->a.partid, 0);
	KUNIT_EXPECT_EQ(test, t->a.pmg, 0);
	/* The descendants without settings follow a into its partition. */
	KUNIT_EXPECT_EQ(test, t->b.partid, t->a.partid);
	KUNIT_EXPECT_EQ(test, t->c.partid, t->a.partid);
	KUNIT_EXPECT_EQ(test, t->d.partid, 0);
	/* The hardware holds the setting on both components. */
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->a.partid, 0), 0x0fUL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->a.partid, 1), 0x0fUL);

	/* Writing the unrestricted value drops the line and the PARTID. */
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 max"), 0);
	KUNIT_EXPECT_FALSE(test, t->a.has_partid);
	KUNIT_EXPECT_EQ(test, t->a.partid, 0);
	KUNIT_EXPECT_EQ(test, t->c.partid, 0);
	KUNIT_EXPECT_EQ(test, t->a.nr_set, 0);
	/*
	 * The last setting gone, the controller stops labelling; forks give
	 * their children their parent's label from now on (mpam_test_fork).
	 */
	KUNIT_EXPECT_FALSE(test, mpam_cg_active);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(mpam_cg_fork_ops), &fake_ops);
}

static void mpam_test_exhaustion(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	u16 freed;

	/* FAKE_PARTIDS - 1 partitions besides the default one. */
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_CMAX, "l3 50"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_CMAX, "l3 40"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->c, MPAM_CG_CMAX, "l3 30"), 0);
	KUNIT_EXPECT_EQ(test, write_line(&t->d, MPAM_CG_CMAX, "l3 20"), -ENOSPC);
	/* Nothing changed: no line, no partition, an event. */
	KUNIT_EXPECT_EQ(test, t->d.nr_set, 0);
	KUNIT_EXPECT_FALSE(test, t->d.has_partid);
	KUNIT_EXPECT_EQ(test, t->d.partid, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->d.events_local[MPAM_CG_EV_NOSPC]), 1);
	KUNIT_EXPECT_EQ(test, mpam_cg_get_line(&t->d, &fake_l3, -1)->set, 0UL);

	/* Removing a setting frees its PARTID for the next write. */
	freed = t->b.partid;
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_CMAX, "l3 default"), 0);
	KUNIT_EXPECT_EQ(test, t->b.partid, t->a.partid);
	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_CMAX, "l3 20"), 0);
	KUNIT_EXPECT_EQ(test, t->d.partid, freed);
	/* The freed PARTID was reset before it was handed out again. */
	KUNIT_EXPECT_EQ(test, fake_hw_of(&fake_l3)->pct[freed][0][MPAM_CG_CMAX], PCT(20));
}

static void mpam_test_effective(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	u16 *pct;

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 3c"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_BW_MAX, "mem 50"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->c, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->c, MPAM_CG_PORTION, "l3:1 f0"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->c, MPAM_CG_BW_MAX, "mem 80"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->c, MPAM_CG_BW_MIN, "mem 70"), 0);

	/* c is bounded by a, the nearest ancestor with settings. */
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->c.partid, 0), 0x0cUL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->c.partid, 1), 0x30UL);
	pct = fake_hw_of(&fake_mem)->pct[t->c.partid][0];
	/* a's 50 % are shared by its own partition and c's. */
	KUNIT_EXPECT_EQ(test, pct[MPAM_CG_BW_MAX], PCT(25));
	KUNIT_EXPECT_EQ(test, fake_hw_of(&fake_mem)->pct[t->a.partid][0][MPAM_CG_BW_MAX], PCT(25));
	/* A minimum is bounded by the ancestors' minimum, as memory.min. */
	KUNIT_EXPECT_EQ(test, pct[MPAM_CG_BW_MIN], 0);
	/* ... and by the effective maximum; a keeps what c cannot use. */
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_BW_MIN, "mem 60"), 0);
	KUNIT_EXPECT_EQ(test, pct[MPAM_CG_BW_MIN], PCT(25));
	KUNIT_EXPECT_EQ(test, fake_hw_of(&fake_mem)->pct[t->a.partid][0][MPAM_CG_BW_MIN], PCT(25));
	/* Without a limit on a there is nothing to divide. */
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_BW_MAX, "mem max"), 0);
	KUNIT_EXPECT_EQ(test, pct[MPAM_CG_BW_MAX], PCT(80));
	KUNIT_EXPECT_EQ(test, pct[MPAM_CG_BW_MIN], PCT(60));

	/* Narrowing a reaches c; a portion left empty falls back to a's. */
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 c0"), 0);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->c.partid, 0), 0xc0UL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->c.partid, 1), 0xc0UL);
}

/*
 * Exclusive portions: every partition outside the claiming subtree, the
 * default one included, loses them; claims nest below each other and do
 * not overlap elsewhere.
 */
static void mpam_test_exclusive(struct kunit *test)
{
	struct fake_tree *t = test->priv;

	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_PORTION, "l3 ff"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_EXCLUSIVE, "l3 f0"), 0);
	KUNIT_EXPECT_TRUE(test, t->a.has_partid);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, 0, 0), 0x0fUL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, 0, 1), 0x0fUL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->d.partid, 0), 0x0fUL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->a.partid, 0), 0xffUL);
	/* Inside the subtree the claimed portions stay. */
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 3c"), 0);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->b.partid, 0), 0x3cUL);

	/* A claim below a claim nests in it; the inner one leaves a's own. */
	KUNIT_EXPECT_EQ(test, write_line(&t->b, MPAM_CG_EXCLUSIVE, "l3 0c"), -EINVAL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->d.partid, 0), 0x0fUL);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_EXCLUSIVE, "l3 30"), 0);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->a.partid, 0), 0xcfUL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->b.partid, 0), 0x3cUL);
	/* Elsewhere claims may not overlap, nor leave the default nothing. */
	KUNIT_EXPECT_EQ(test, write_line(&t->d, MPAM_CG_EXCLUSIVE, "l3 10"), -EINVAL);
	KUNIT_EXPECT_EQ(test, write_line(&t->d, MPAM_CG_EXCLUSIVE, "l3 0f"), -ENOSPC);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, 0, 0), 0x0fUL);
	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_EXCLUSIVE, "l3:1 01"), 0);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, 0, 0), 0x0fUL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, 0, 1), 0x0eUL);

	/* Claims gone, the default partition has every portion back. */
	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_EXCLUSIVE, "l3:1 default"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_EXCLUSIVE, "l3 default"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_EXCLUSIVE, "l3 default"), 0);
	KUNIT_EXPECT_FALSE(test, t->a.has_partid);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, 0, 0), 0xffUL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, 0, 1), 0xffUL);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->d.partid, 0), 0xffUL);
}

static u16 hw_bw_max(struct mpam_cg *cg)
{
	return fake_hw_of(&fake_mem)->pct[cg->own_id][0][MPAM_CG_BW_MAX];
}

/* The bandwidth limits the hardware holds for the partitions of x, y, z. */
static void expect_bw_max(struct kunit *test, struct mpam_cg *x,
			  struct mpam_cg *y, struct mpam_cg *z, u8 wx, u8 wy,
			  u8 wz)
{
	KUNIT_EXPECT_EQ_MSG(test, hw_bw_max(x), PCT(wx), "PARTID %u", x->own_id);
	KUNIT_EXPECT_EQ_MSG(test, hw_bw_max(y), PCT(wy), "PARTID %u", y->own_id);
	KUNIT_EXPECT_EQ_MSG(test, hw_bw_max(z), PCT(wz), "PARTID %u", z->own_id);
}

/*
 * The partitions below a limit share it, whatever their own settings: a
 * cache setting alone no longer brings a new bandwidth budget.
 */
static void mpam_test_containment(struct kunit *test)
{
	struct fake_tree *t = test->priv;

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_BW_MAX, "mem 20"), 0);
	KUNIT_EXPECT_EQ(test, hw_bw_max(&t->a), PCT(20));
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_PORTION, "l3 f0"), 0);
	/* Equal shares; what the floors leave goes to a's own first. */
	expect_bw_max(test, &t->a, &t->b, &t->e, 7, 7, 6);

	/* Who asks for less than a share gets it, the others the rest. */
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_BW_MAX, "mem 3"), 0);
	expect_bw_max(test, &t->a, &t->b, &t->e, 9, 8, 3);

	/* No room for three partitions in 2 %: refused, nothing changed. */
	KUNIT_EXPECT_EQ(test, write_line(&t->a, MPAM_CG_BW_MAX, "mem 2"), -ENOSPC);
	KUNIT_EXPECT_EQ(test, mpam_cg_get_line(&t->a, &fake_mem, -1)->pct[MPAM_CG_BW_MAX], PCT(20));
	expect_bw_max(test, &t->a, &t->b, &t->e, 9, 8, 3);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->a.events_local[MPAM_CG_EV_NOSPC]), 1);

	/* e's settings gone, its share returns to a and b. */
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_BW_MAX, "mem default"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_PORTION, "l3 max"), 0);
	KUNIT_EXPECT_FALSE(test, t->e.has_partid);
	KUNIT_EXPECT_EQ(test, hw_bw_max(&t->a), PCT(10));
	KUNIT_EXPECT_EQ(test, hw_bw_max(&t->b), PCT(10));
	/* c, below b, shares b's part only. */
	KUNIT_ASSERT_EQ(test, write_line(&t->c, MPAM_CG_PORTION, "l3 03"), 0);
	expect_bw_max(test, &t->a, &t->b, &t->c, 10, 5, 5);
}

static int write_share(struct mpam_cg *cg, const char *name)
{
	char buf[64];

	strscpy(buf, name, sizeof(buf));
	return mpam_cg_set_share(cg, buf);
}

/* What mpam.stat of @cg reads for monitor @mon of component @comp. */
static int read_mon(struct mpam_cg *cg, struct mpam_cg_class *cls,
		    unsigned int comp, enum mpam_cg_mon mon, u64 *val)
{
	struct mpam_cg_ids *ids;
	int idx, err;

	idx = srcu_read_lock(&mpam_cg_srcu);
	mutex_lock(&mpam_cg_mutex);
	ids = mpam_cg_list_ids(cg);
	mutex_unlock(&mpam_cg_mutex);
	err = ids ? mpam_cg_sum_ids(ids, cls, comp, mon, val) : -ENOMEM;
	if (ids)
		mpam_cg_put_ids(ids);
	srcu_read_unlock(&mpam_cg_srcu, idx);
	return err;
}

/* A sample is as old as MPAM_CG_SAMPLE_MS at most: forget them. */
static void forget_samples(struct mpam_cg *cg)
{
	mutex_lock(&mpam_cg_mon_mutex);
	kfree(cg->samples);
	cg->samples = NULL;
	mutex_unlock(&mpam_cg_mon_mutex);
}

static u64 read_occupancy(struct kunit *test, struct mpam_cg *cg)
{
	u64 v = 0;

	KUNIT_EXPECT_EQ(test, read_mon(cg, &fake_l3, 0, MPAM_CG_MON_OCCUPANCY,
				       &v), 0);
	return v;
}

/* A subtree's statistics count every partition in it, at any depth. */
static void mpam_test_stat_nested(struct kunit *test)
{
	struct fake_tree *t = test->priv;

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 07"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->c, MPAM_CG_PORTION, "l3 03"), 0);
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->a),
			1000ULL * (t->a.own_id + t->b.own_id + t->c.own_id));
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->b),
			1000ULL * (t->b.own_id + t->c.own_id));
}

/*
 * A partition whose portion no longer fits in its parent's counts an
 * invalid event when it starts falling back, whoever's write made it, and
 * not again while it stays so.
 */
static void mpam_test_invalid(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	atomic64_t *b_ev = t->b.events_local, *a_ev = t->a.events_local;

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 03"), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b_ev[MPAM_CG_EV_INVALID]), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 f0"), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b_ev[MPAM_CG_EV_INVALID]), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&a_ev[MPAM_CG_EV_INVALID]), 0);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->b.partid, 0), 0xf0UL);
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 f8"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 07"), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b_ev[MPAM_CG_EV_INVALID]), 1);
	/* It fits again, then not: once more. */
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_EXPECT_EQ(test, hw_portion(&fake_l3, t->b.partid, 0), 0x07UL);
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 f0"), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&b_ev[MPAM_CG_EV_INVALID]), 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->a.events[MPAM_CG_EV_INVALID]), 2);
}

/*
 * Statistics read the hardware with neither the controller's mutex nor
 * the CPUs held, and an occupancy sample serves the reads that follow it
 * for MPAM_CG_SAMPLE_MS; an identity that changed is sampled at once.
 */
static void mpam_test_stat_reads(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	unsigned int reads;
	u64 first;

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 07"), 0);
	forget_samples(&t->a);
	forget_samples(&t->b);
	fake_occ_reads = 0;
	fake_reads_locked = 0;
	first = read_occupancy(test, &t->a);
	KUNIT_EXPECT_EQ(test, first, 1000ULL * (t->a.own_id + t->b.own_id));
	reads = fake_occ_reads;
	KUNIT_EXPECT_GT(test, reads, 0);
	KUNIT_EXPECT_EQ(test, fake_reads_locked, 0);
	/* Again, and b, whose partition a's read sampled: no new sample. */
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->a), first);
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->b), 1000ULL * t->b.own_id);
	KUNIT_EXPECT_EQ(test, fake_occ_reads, reads);

	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 max"), 0);
	KUNIT_ASSERT_FALSE(test, t->b.has_partid);
	KUNIT_EXPECT_NE(test, read_occupancy(test, &t->b), 1000ULL * t->b.own_id);
	KUNIT_EXPECT_GT(test, fake_occ_reads, reads);

	reads = fake_occ_reads;
	msleep(MPAM_CG_SAMPLE_MS + 20);
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->a), 1000ULL * t->a.own_id);
	KUNIT_EXPECT_GT(test, fake_occ_reads, reads);
	KUNIT_EXPECT_EQ(test, fake_reads_locked, 0);
}

/*
 * Members of a share below the same limits run in one partition, each
 * monitored by a PMG of its own; the partition outlives the member that
 * made it.
 */
/* mpam.stat (@state: mpam.stat.state) of @cg, as read(2) would see it. */
static int print_stat(struct mpam_cg *cg, bool state, char *buf, size_t size)
{
	struct seq_file sf = { .buf = buf, .size = size };
	int err;

	err = mpam_cg_stat_read(&sf, cg, state);
	buf[min(sf.count, size - 1)] = '\0';
	return err;
}

/* Every value of every nested-keyed line is an unsigned integer. */
static bool stat_numeric(const char *buf)
{
	const char *p = buf;
	bool digits = false;

	for (; *p; p++) {
		if (*p == '=') {
			digits = true;
			if (!isdigit(p[1]))
				return false;
		} else if (*p == ' ' || *p == '\n') {
			digits = false;
		} else if (digits && !isdigit(*p)) {
			return false;
		}
	}
	return true;
}

/*
 * mpam.stat holds numbers only: a figure the hardware cannot give is left
 * out, a component without any has no line, and mpam.stat.state says why:
 * no identity of its own, no counter, or a monitor not ready (the read
 * succeeds all the same).
 */
static void mpam_test_stat_figures(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	char buf[256];

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	forget_samples(&t->a);
	KUNIT_ASSERT_EQ(test, print_stat(&t->a, false, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_TRUE_MSG(test, stat_numeric(buf), "%s", buf);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "l3:0 occupancy="));
	KUNIT_EXPECT_NULL(test, strstr(buf, "bytes"));
	KUNIT_EXPECT_NULL(test, strstr(buf, "mem:0"));
	KUNIT_ASSERT_EQ(test, print_stat(&t->a, true, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "l3:0 occupancy=ok bytes=unassigned\n"
			   "l3:1 occupancy=ok bytes=unassigned\n"
			   "mem:0 bytes=unassigned\n");

	/* Not ready: left out, and the read does not fail. */
	KUNIT_ASSERT_EQ(test, write_ctrs(&t->a, "mem on"), 0);
	forget_samples(&t->a);
	fake_read_err = -EBUSY;
	KUNIT_ASSERT_EQ(test, print_stat(&t->a, false, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "");
	KUNIT_ASSERT_EQ(test, print_stat(&t->a, true, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf,
			   "l3:0 occupancy=not_ready bytes=unassigned\n"
			   "l3:1 occupancy=not_ready bytes=unassigned\n"
			   "mem:0 bytes=not_ready\n");
	fake_read_err = 0;
	KUNIT_ASSERT_EQ(test, print_stat(&t->a, false, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_TRUE_MSG(test, stat_numeric(buf), "%s", buf);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "mem:0 bytes=0\n"));

	/* No identity of its own: nothing, and the state says shared. */
	KUNIT_ASSERT_FALSE(test, t->d.has_pmg);
	KUNIT_ASSERT_EQ(test, print_stat(&t->d, false, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "");
	KUNIT_ASSERT_EQ(test, print_stat(&t->d, true, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "mem:0 bytes=shared\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "l3:1 occupancy=shared bytes=shared\n"));
}

/*
 * After a hardware error, each cgroup that had settings counts one error
 * event; reading its files fails with ENODEV and counts nothing.
 */
static void mpam_test_error_events(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	atomic64_t *a_ev = t->a.events_local;
	char buf[64];

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	/* What unregistering does to the real tree, to the made-up one. */
	cpus_read_lock();
	mutex_lock(&mpam_cg_mutex);
	mpam_cg_drop_all(&t->root, true);
	mutex_unlock(&mpam_cg_mutex);
	cpus_read_unlock();
	mpam_cgroup_unregister(&fake_prov, true);
	KUNIT_EXPECT_EQ(test, atomic64_read(&a_ev[MPAM_CG_EV_ERROR]), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->b.events_local[MPAM_CG_EV_ERROR]), 0);
	KUNIT_EXPECT_EQ(test, print_stat(&t->a, false, buf, sizeof(buf)), -ENODEV);
	KUNIT_EXPECT_EQ(test, print_stat(&t->a, true, buf, sizeof(buf)), -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic64_read(&a_ev[MPAM_CG_EV_ERROR]), 1);
	/* A refused write is an event. */
	KUNIT_EXPECT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 03"), -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic64_read(&a_ev[MPAM_CG_EV_ERROR]), 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->root.events[MPAM_CG_EV_ERROR]), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->a.events[MPAM_CG_EV_ERROR]), 2);
	mpam_cg_failed = false;
}

/*
 * A freed PARTID still in a cache is not handed out again until the
 * limbo look finds it clean, unless no other is left: then the cleanest.
 */
static void mpam_test_limbo(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	u16 freed;

	/* d keeps the controller active, as the last setting going ends limbo. */
	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	freed = t->a.own_id;
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 max"), 0);
	KUNIT_ASSERT_FALSE(test, t->a.has_partid);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_limbo[0], 1);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 03"), 0);
	KUNIT_EXPECT_NE(test, t->b.own_id, freed);

	/* Still dirty: it stays. */
	mpam_cg_limbo_fn(NULL);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_limbo[0], 1);
	/* No clean PARTID left (3 of 3 in use or in limbo): the cleanest. */
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_PORTION, "l3 01"), 0);
	KUNIT_EXPECT_EQ(test, t->e.own_id, freed);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_limbo[0], 0);

	/* Clean at the next look: free again. */
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_PORTION, "l3 max"), 0);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_limbo[0], 1);
	fake_occ_scale = 0;
	mpam_cg_limbo_fn(NULL);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_limbo[0], 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_PORTION, "l3 01"), 0);
	KUNIT_EXPECT_EQ(test, t->e.own_id, freed);

	/* When the controller lets MPAM go, limbo is empty. */
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_PORTION, "l3 max"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 max"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_PORTION, "l3 max"), 0);
	KUNIT_EXPECT_FALSE(test, mpam_cg_active);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_limbo[0] + mpam_cg_hw->nr_limbo[1], 0);
	KUNIT_EXPECT_TRUE(test, ida_is_empty(&mpam_cg_hw->partids));
}

static void mpam_test_share(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	unsigned int applies;
	u16 id;

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_BW_MAX, "mem 40"), 0);
	KUNIT_ASSERT_EQ(test, write_share(&t->c, "gold"), 0);
	KUNIT_ASSERT_EQ(test, write_share(&t->e, "gold\n"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->c, MPAM_CG_BW_MAX, "mem 8"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_BW_MAX, "mem 8"), 0);
	id = t->c.own_id;
	KUNIT_EXPECT_TRUE(test, t->c.has_partid);
	KUNIT_EXPECT_FALSE(test, t->e.has_partid);
	KUNIT_EXPECT_PTR_EQ(test, t->e.leader, &t->c);
	KUNIT_EXPECT_EQ(test, t->e.partid, id);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_parts, 2);
	/* One regulator for both: the limit is theirs together. */
	KUNIT_EXPECT_EQ(test, hw_bw_max(&t->c), PCT(8));
	KUNIT_EXPECT_EQ(test, hw_bw_max(&t->a), PCT(32));
	/* Each counts its own PMG, no longer the partition whole. */
	KUNIT_EXPECT_TRUE(test, t->e.has_pmg);
	KUNIT_EXPECT_NE(test, t->e.pmg, t->c.pmg);
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->c),
			1000ULL * id + 10 * (t->c.pmg + 1));
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->e),
			1000ULL * id + 10 * (t->e.pmg + 1));
	/* a's subtree: a's partition whole, then each member's PMG. */
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->a),
			1000ULL * t->a.own_id + 2000ULL * id + 30);

	/* Nothing between members and their limits, nothing below them. */
	KUNIT_EXPECT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 0f"), -EBUSY);
	KUNIT_EXPECT_FALSE(test, t->b.has_partid);
	KUNIT_EXPECT_EQ(test, write_line(&t->e, MPAM_CG_EXCLUSIVE, "l3 01"), -EINVAL);
	KUNIT_EXPECT_EQ(test, write_share(&t->e, "gold!"), -EINVAL);
	KUNIT_EXPECT_EQ(test, write_share(&t->e, "a-name-that-is-32-characters-lo"), 0);
	KUNIT_EXPECT_EQ(test, write_share(&t->e, "a-name-that-is-32-characters-lon"), -EINVAL);
	KUNIT_EXPECT_STREQ(test, t->e.share_name, "a-name-that-is-32-characters-lo");
	KUNIT_EXPECT_TRUE(test, t->e.has_partid);

	/* Other settings, another partition; the same again, back in. */
	KUNIT_ASSERT_EQ(test, write_share(&t->e, "gold"), 0);
	KUNIT_EXPECT_PTR_EQ(test, t->e.leader, &t->c);
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_BW_MAX, "mem 5"), 0);
	KUNIT_EXPECT_TRUE(test, t->e.has_partid);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->c.members));
	KUNIT_ASSERT_EQ(test, write_line(&t->e, MPAM_CG_BW_MAX, "mem 8"), 0);
	KUNIT_EXPECT_PTR_EQ(test, t->e.leader, &t->c);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_parts, 2);

	/* A member leaves by its name alone, and comes back by it. */
	KUNIT_ASSERT_EQ(test, write_share(&t->e, ""), 0);
	KUNIT_EXPECT_TRUE(test, t->e.has_partid);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->c.members));
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_parts, 3);
	KUNIT_ASSERT_EQ(test, write_share(&t->e, "gold"), 0);
	KUNIT_EXPECT_PTR_EQ(test, t->e.leader, &t->c);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_parts, 2);

	/* The owner leaves: the partition, as programmed, stays e's. */
	applies = fake_hw_of(&fake_mem)->applies;
	KUNIT_ASSERT_EQ(test, write_share(&t->c, ""), 0);
	KUNIT_EXPECT_TRUE(test, t->e.has_partid);
	KUNIT_EXPECT_EQ(test, t->e.own_id, id);
	KUNIT_EXPECT_TRUE(test, t->c.has_partid);
	KUNIT_EXPECT_NE(test, t->c.own_id, id);
	KUNIT_EXPECT_EQ(test, hw_bw_max(&t->e), PCT(8));
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_parts, 3);
	/* Only the new partition and the one whose share shrank. */
	KUNIT_EXPECT_EQ(test, fake_hw_of(&fake_mem)->applies, applies + 2);

	/* No PARTID left: c cannot leave e's partition again, and stays. */
	KUNIT_ASSERT_EQ(test, write_share(&t->c, "gold"), 0);
	KUNIT_EXPECT_PTR_EQ(test, t->c.leader, &t->e);
	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_PORTION, "l3 01"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 0f"), -EBUSY);
	KUNIT_EXPECT_EQ(test, write_share(&t->c, "silver"), -ENOSPC);
	KUNIT_EXPECT_PTR_EQ(test, t->c.leader, &t->e);
	KUNIT_EXPECT_STREQ(test, t->c.share_name, "gold");
	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_PORTION, "l3 max"), 0);

	/* The owner goes: the last member keeps the partition alone. */
	KUNIT_ASSERT_EQ(test, write_share(&t->c, "gold"), 0);
	KUNIT_ASSERT_PTR_EQ(test, t->c.leader, &t->e);
	mpam_cg_css_offline(&t->e.css);
	KUNIT_EXPECT_TRUE(test, t->c.has_partid);
	KUNIT_EXPECT_EQ(test, t->c.own_id, id);
	KUNIT_EXPECT_TRUE(test, mpam_cg_whole(&t->c));
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->c), 1000ULL * id);
	KUNIT_EXPECT_TRUE(test, t->c.has_pmg);
	KUNIT_EXPECT_EQ(test, t->c.label, MPAM_CG_LABEL(id, t->c.pmg));
}

static void mpam_test_all_or_nothing(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	unsigned int applies;

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	applies = fake_hw_of(&fake_l3)->applies;

	KUNIT_EXPECT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 1ff"), -EINVAL);
	KUNIT_EXPECT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3:9 01"), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_hw_of(&fake_l3)->applies, applies);
	KUNIT_EXPECT_EQ(test, mpam_cg_get_line(&t->a, &fake_l3, -1)->portion[0], 0x0fUL);

	/* A provider that fails leaves the old settings in place. */
	fake_hw_of(&fake_l3)->fail = -EIO;
	KUNIT_EXPECT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 03"), -EIO);
	KUNIT_EXPECT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 03"), -EIO);
	fake_hw_of(&fake_l3)->fail = 0;
	KUNIT_EXPECT_EQ(test, mpam_cg_get_line(&t->a, &fake_l3, -1)->portion[0], 0x0fUL);
	KUNIT_EXPECT_FALSE(test, t->b.has_partid);
	KUNIT_EXPECT_EQ(test, t->b.partid, t->a.partid);
	KUNIT_EXPECT_EQ(test, t->b.nr_set, 0);
}

static void mpam_test_pmgs(struct kunit *test)
{
	struct fake_tree *t = test->priv;

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	/* a owns PMG 0 of its partition; b and c ask for nothing: a's. */
	KUNIT_EXPECT_TRUE(test, t->a.has_pmg);
	KUNIT_EXPECT_EQ(test, t->a.pmg, 0);
	KUNIT_EXPECT_FALSE(test, t->b.has_pmg);
	KUNIT_EXPECT_FALSE(test, t->c.has_pmg);
	KUNIT_EXPECT_EQ(test, t->c.label, MPAM_CG_LABEL(t->a.partid, 0));
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->c.events[MPAM_CG_EV_NO_PMG]), 0);

	/* b asks: the only other PMG; c, below it, carries it too. */
	KUNIT_ASSERT_EQ(test, mpam_cg_set_monitor(&t->b, true), 0);
	KUNIT_EXPECT_TRUE(test, t->b.has_pmg);
	KUNIT_EXPECT_EQ(test, t->b.pmg, 1);
	KUNIT_EXPECT_EQ(test, t->c.label, MPAM_CG_LABEL(t->a.partid, 1));
	/* c asks and finds none: it shares b's, counted once. */
	KUNIT_ASSERT_EQ(test, mpam_cg_set_monitor(&t->c, true), 0);
	KUNIT_EXPECT_FALSE(test, t->c.has_pmg);
	KUNIT_EXPECT_EQ(test, t->c.pmg, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->c.events_local[MPAM_CG_EV_NO_PMG]), 1);
	mutex_lock(&mpam_cg_mutex);
	mpam_cg_settle_subtree(&t->a);
	mpam_cg_settle_subtree(&t->b);
	mutex_unlock(&mpam_cg_mutex);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->c.events_local[MPAM_CG_EV_NO_PMG]), 1);
	/* a's statistics count its whole partition, b's its own PMG. */
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->a), 1000ULL * t->a.partid);
	KUNIT_EXPECT_EQ(test, read_occupancy(test, &t->b),
			1000ULL * t->a.partid + 20);

	/* b gives it back: in limbo, but the only one c can have. */
	KUNIT_ASSERT_EQ(test, mpam_cg_set_monitor(&t->b, false), 0);
	KUNIT_EXPECT_FALSE(test, t->b.has_pmg);
	KUNIT_EXPECT_TRUE(test, t->c.has_pmg);
	KUNIT_EXPECT_EQ(test, t->c.pmg, 1);
	KUNIT_EXPECT_EQ(test, t->b.label, MPAM_CG_LABEL(t->a.partid, 0));
	KUNIT_ASSERT_EQ(test, mpam_cg_set_monitor(&t->c, false), 0);
	KUNIT_EXPECT_FALSE(test, t->c.has_pmg);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_monitor, 0);
}

/*
 * Fork: the child keeps what it copied until the controller is first
 * active, then gets its cgroup's label; once the controller is no longer
 * active, the label its parent has then, not the one it copied before the
 * deactivation walk relabelled the parent.  (The test's own thread plays
 * the child, in the root.)
 */
static void mpam_test_fork(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	unsigned int labels, inherits = fake_inherits;

	labels = fake_labels;
	mpam_cg_fork(current);
	KUNIT_EXPECT_EQ(test, fake_labels, labels);
	KUNIT_EXPECT_EQ(test, fake_inherits, inherits);

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	labels = fake_labels;
	mpam_cg_fork(current);
	KUNIT_EXPECT_EQ(test, fake_labels, labels + 1);
	KUNIT_EXPECT_EQ(test, fake_inherits, inherits);

	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 default"), 0);
	KUNIT_ASSERT_FALSE(test, mpam_cg_active);
	labels = fake_labels;
	mpam_cg_fork(current);
	KUNIT_EXPECT_EQ(test, fake_labels, labels);
	KUNIT_EXPECT_EQ(test, fake_inherits, inherits + 1);
}

static void mpam_test_labels(struct kunit *test)
{
	struct fake_tree *t = test->priv;
	u32 before = t->c.label;

	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_BW_MAX, "mem 10"), 0);
	KUNIT_EXPECT_EQ(test, t->c.label, MPAM_CG_LABEL(t->b.partid, t->c.pmg));
	KUNIT_EXPECT_NE(test, t->c.label, before);
	/* Changing a setting that keeps the partition relabels nobody. */
	before = t->c.label;
	KUNIT_ASSERT_EQ(test, write_line(&t->b, MPAM_CG_BW_MAX, "mem 20"), 0);
	KUNIT_EXPECT_EQ(test, t->c.label, before);
}

static void mpam_test_ownership(struct kunit *test)
{
	struct fake_tree *t = test->priv;

	/* While the hardware is someone else's, a setting is refused whole. */
	fake_busy = true;
	KUNIT_EXPECT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), -EBUSY);
	KUNIT_EXPECT_EQ(test, write_line(&t->e, MPAM_CG_BW_MAX, "mem 50"), -EBUSY);
	KUNIT_EXPECT_FALSE(test, mpam_cg_active);
	KUNIT_EXPECT_FALSE(test, t->a.has_partid);
	KUNIT_EXPECT_EQ(test, t->a.nr_set, 0);
	KUNIT_EXPECT_EQ(test, t->e.nr_set, 0);
	KUNIT_EXPECT_EQ(test, fake_hw_of(&fake_l3)->applies, 0);
	KUNIT_EXPECT_EQ(test, fake_labels, 0);
	KUNIT_EXPECT_EQ(test, fake_owned, 0);

	/* Once given back, the first setting takes it, exactly once. */
	fake_busy = false;
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_PORTION, "l3 f0"), 0);
	KUNIT_EXPECT_EQ(test, fake_owned, 1);
	/* A failed write of an active controller does not give it back. */
	KUNIT_EXPECT_EQ(test, write_line(&t->b, MPAM_CG_PORTION, "l3 zz"), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake_owned, 1);

	/* The last setting gone, the hardware is released. */
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 default"), 0);
	KUNIT_EXPECT_EQ(test, fake_owned, 1);
	KUNIT_ASSERT_EQ(test, write_line(&t->d, MPAM_CG_PORTION, "l3 default"), 0);
	KUNIT_EXPECT_EQ(test, fake_owned, 0);
	/* ... and a write that sets nothing does not keep it. */
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 max"), 0);
	KUNIT_EXPECT_EQ(test, fake_owned, 0);
	KUNIT_EXPECT_FALSE(test, mpam_cg_active);

	/* Unregistering an active controller releases the hardware too. */
	KUNIT_ASSERT_EQ(test, write_line(&t->a, MPAM_CG_PORTION, "l3 0f"), 0);
	KUNIT_EXPECT_EQ(test, fake_owned, 1);
	mpam_cgroup_unregister(&fake_prov, false);
	KUNIT_EXPECT_EQ(test, fake_owned, 0);
}

static struct kunit_case mpam_cgroup_test_cases[] = {
	KUNIT_CASE(mpam_test_parse),
	KUNIT_CASE(mpam_test_partid_lifetime),
	KUNIT_CASE(mpam_test_exhaustion),
	KUNIT_CASE(mpam_test_effective),
	KUNIT_CASE(mpam_test_containment),
	KUNIT_CASE(mpam_test_exclusive),
	KUNIT_CASE(mpam_test_stat_nested),
	KUNIT_CASE(mpam_test_invalid),
	KUNIT_CASE(mpam_test_stat_reads),
	KUNIT_CASE(mpam_test_stat_figures),
	KUNIT_CASE(mpam_test_error_events),
	KUNIT_CASE(mpam_test_limbo),
	KUNIT_CASE(mpam_test_share),
	KUNIT_CASE(mpam_test_all_or_nothing),
	KUNIT_CASE(mpam_test_pmgs),
	KUNIT_CASE(mpam_test_labels),
	KUNIT_CASE(mpam_test_fork),
	KUNIT_CASE(mpam_test_ownership),
	{}
};

static struct kunit_suite mpam_cgroup_test_suite = {
	.name = "mpam_cgroup",
	.init = mpam_test_init,
	.exit = mpam_test_exit,
	.test_cases = mpam_cgroup_test_cases,
};

/*
 * Byte counter assignment and the hierarchy on the shapes of the emulated
 * platform's profiles: a server (plenty of counters), a Kunpeng-like
 * machine (L2 counters per core, a memory class whose components match no
 * L3) and a scarce one (two counters per component).  The memory classes
 * of the first two narrow PARTIDs, as the emulated ones do, onto fewer
 * internal PARTIDs (8 and 4 here, 16 and 8 there); scarce's does not.
 */
struct fake_topo {
	const char *name;
	struct mpam_cg_class *classes[3];
	struct mpam_cg_class *multi;	/* a class with several components */
};

static const u32 topo_one_id[] = { 1 };
static const u32 topo_node_id[] = { 0 };
static const u32 topo_l2_ids[] = { 100, 101, 102, 103 };
static const u32 topo_l3_ids[] = { 1, 2 };

static struct mpam_cg_class server_l3 = {
	.name = "l3", .ctrls = BIT(MPAM_CG_PORTION) | BIT(MPAM_CG_CMAX) |
			       BIT(MPAM_CG_BW_MAX),
	.pct_bits = { [MPAM_CG_CMAX] = 8, [MPAM_CG_BW_MAX] = 8 },
	.portions = 16, .poll_ms = 8000,
	.mons = { [MPAM_CG_MON_OCCUPANCY] = 16, [MPAM_CG_MON_BYTES] = 4 },
	.nr_comps = 1, .comp_ids = topo_one_id,
};

static struct mpam_cg_class server_mem = {
	.name = "mem", .ctrls = BIT(MPAM_CG_BW_MAX) | BIT(MPAM_CG_BW_MIN),
	.pct_bits = { [MPAM_CG_BW_MAX] = 8, [MPAM_CG_BW_MIN] = 8 },
	.mons = { [MPAM_CG_MON_BYTES] = 4 }, .regulators = 8,
	.nr_comps = 1, .comp_ids = topo_node_id,
};

static struct mpam_cg_class kunpeng_l2 = {
	.name = "l2", .ctrls = BIT(MPAM_CG_PORTION), .portions = 8,
	.poll_ms = 125,
	.mons = { [MPAM_CG_MON_OCCUPANCY] = 4, [MPAM_CG_MON_BYTES] = 4 },
	.nr_comps = 4, .comp_ids = topo_l2_ids,
};

static struct mpam_cg_class kunpeng_l3 = {
	.name = "l3", .ctrls = BIT(MPAM_CG_PORTION), .portions = 17,
	.mons = { [MPAM_CG_MON_OCCUPANCY] = 8 },
	.nr_comps = 2, .comp_ids = topo_l3_ids,
};

static struct mpam_cg_class kunpeng_mem = {
	.name = "mem", .ctrls = BIT(MPAM_CG_BW_MAX), .poll_ms = 8000,
	.pct_bits = { [MPAM_CG_BW_MAX] = 7 },
	.mons = { [MPAM_CG_MON_BYTES] = 4 }, .regulators = 4,
	.nr_comps = 1, .comp_ids = topo_node_id,
};

static struct mpam_cg_class scarce_l3 = {
	.name = "l3", .ctrls = BIT(MPAM_CG_PORTION) | BIT(MPAM_CG_BW_MAX),
	.pct_bits = { [MPAM_CG_BW_MAX] = 4 },
	.portions = 8, .poll_ms = 125,
	.mons = { [MPAM_CG_MON_OCCUPANCY] = 2, [MPAM_CG_MON_BYTES] = 2 },
	.nr_comps = 1, .comp_ids = topo_one_id,
};

static struct mpam_cg_class scarce_mem = {
	.name = "mem", .ctrls = BIT(MPAM_CG_BW_MAX), .poll_ms = 125,
	.pct_bits = { [MPAM_CG_BW_MAX] = 4 },
	.mons = { [MPAM_CG_MON_BYTES] = 2 },
	.nr_comps = 1, .comp_ids = topo_node_id,
};

static const struct fake_topo fake_topos[] = {
	{ "server", { &server_l3, &server_mem }, NULL },
	{ "kunpeng", { &kunpeng_l2, &kunpeng_l3, &kunpeng_mem }, &kunpeng_l2 },
	{ "scarce", { &scarce_l3, &scarce_mem }, NULL },
};

static void fake_topo_desc(const struct fake_topo *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fake_topo, fake_topos, fake_topo_desc);

#define NR_CGS	5

struct ctr_env {
	const struct fake_topo *topo;
	struct mpam_cg root, cg[NR_CGS];
	bool up;
};

static struct mpam_cg_provider topo_prov = {
	.nr_partids = 8,
	.nr_pmgs = 8,
	.ops = &fake_ops,
};

/*
 * The fake provider on the topology of the test's parameter, and cgroups
 * cg[i] below cg[@parent[i]], or the root where @parent is NULL or -1.
 */
static struct ctr_env *topo_setup(struct kunit *test, const int *parent)
{
	const struct fake_topo *topo = test->param_value;
	struct ctr_env *e;
	int i, err;

	fake_hw_reset();
	memset(fake_ctrs, 0, sizeof(fake_ctrs));
	fake_bind_fail = 0;
	INIT_LIST_HEAD(&topo_prov.classes);
	for (i = 0; i < ARRAY_SIZE(topo->classes) && topo->classes[i]; i++)
		list_add_tail(&topo->classes[i]->node, &topo_prov.classes);
	err = mpam_cgroup_register(&topo_prov);
	if (err == -EBUSY)
		kunit_skip(test, "a real MPAM provider is registered");
	KUNIT_ASSERT_EQ(test, err, 0);

	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	test->priv = e;
	e->topo = topo;
	fake_cg_init(&e->root, NULL);
	e->root.has_partid = true;
	e->root.has_pmg = true;
	mutex_lock(&mpam_cg_mutex);
	err = mpam_cg_alloc_eff(&e->root);
	mutex_unlock(&mpam_cg_mutex);
	KUNIT_ASSERT_EQ(test, err, 0);
	for (i = 0; i < NR_CGS; i++)
		fake_cg_init(&e->cg[i], parent && parent[i] >= 0 ?
			     &e->cg[parent[i]] : &e->root);
	e->up = true;
	return e;
}

static struct ctr_env *ctr_setup(struct kunit *test)
{
	return topo_setup(test, NULL);
}

static void ctr_exit(struct kunit *test)
{
	struct ctr_env *e = test->priv;
	int i;

	if (e && e->up) {
		/* Children first, as cgroups go. */
		for (i = NR_CGS - 1; i >= 0; i--)
			if (READ_ONCE(e->cg[i].online))
				mpam_cg_css_offline(&e->cg[i].css);
		mpam_cg_free_lines(&e->root);
		mpam_cg_free_eff(&e->root);
	}
	mpam_cgroup_unregister(&topo_prov, false);
	topo_prov.nr_partids = 8;
	topo_prov.nr_pmgs = 8;
}

static int read_bytes(struct mpam_cg *cg, struct mpam_cg_class *cls,
		      unsigned int comp, u64 *val)
{
	return read_mon(cg, cls, comp, MPAM_CG_MON_BYTES, val);
}

static s16 ctr_idx(struct mpam_cg *cg, struct mpam_cg_class *cls,
		   unsigned int comp)
{
	return cg->ctrs ? cg->ctrs[cls->comp_base + comp].idx : -1;
}

/* Counters up to the number the hardware has; then ENOSPC, no change. */
static void mpam_test_ctr_assign(struct kunit *test)
{
	struct ctr_env *e = ctr_setup(test);
	struct mpam_cg_class *cls = e->topo->classes[0];
	unsigned int n = cls->mons[MPAM_CG_MON_BYTES], i;
	char line[16];
	struct fake_ctr *c;
	s16 idx;
	u64 v;

	if (!n)
		cls = e->topo->classes[1];
	n = min_t(unsigned int, cls->mons[MPAM_CG_MON_BYTES], NR_CGS);
	snprintf(line, sizeof(line), "%s on", cls->name);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, write_ctrs(&e->cg[i], line), 0);
		idx = ctr_idx(&e->cg[i], cls, 0);
		KUNIT_ASSERT_GE(test, idx, 0);
		c = fake_ctr_of(cls, 0, idx);
		/* Bound to the cgroup's own PMG in the default partition. */
		KUNIT_EXPECT_TRUE(test, c->bound);
		KUNIT_EXPECT_EQ(test, c->partid, 0);
		KUNIT_EXPECT_EQ(test, c->pmg, e->cg[i].pmg);
		KUNIT_EXPECT_TRUE(test, c->match_pmg);
		/* Writing "on" again changes nothing. */
		KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[i], line), 0);
		KUNIT_EXPECT_EQ(test, c->binds, 1);
	}
	KUNIT_EXPECT_EQ(test, read_bytes(&e->cg[0], cls, 0, &v), 0);
	if (n == NR_CGS)
		return;

	/* No counter left: ENOSPC, an event, nothing assigned. */
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[n], line), -ENOSPC);
	KUNIT_EXPECT_EQ(test, atomic64_read(&e->cg[n].events_local[MPAM_CG_EV_NO_MONITOR]), 1);
	KUNIT_EXPECT_LT(test, ctr_idx(&e->cg[n], cls, 0), 0);
	KUNIT_EXPECT_EQ(test, read_bytes(&e->cg[n], cls, 0, &v), -ENOSPC);

	/* Releasing one leaves the other counting, untouched. */
	idx = ctr_idx(&e->cg[1], cls, 0);
	fake_ctr_of(cls, 0, idx)->bytes = 4242;
	snprintf(line, sizeof(line), "%s off", cls->name);
	KUNIT_ASSERT_EQ(test, write_ctrs(&e->cg[0], line), 0);
	KUNIT_EXPECT_LT(test, ctr_idx(&e->cg[0], cls, 0), 0);
	KUNIT_EXPECT_EQ(test, read_bytes(&e->cg[0], cls, 0, &v), -ENOSPC);
	KUNIT_EXPECT_EQ(test, fake_ctr_of(cls, 0, idx)->binds, 1);
	KUNIT_EXPECT_EQ(test, read_bytes(&e->cg[1], cls, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 4242);

	/* The freed counter goes to the next cgroup that asks. */
	snprintf(line, sizeof(line), "%s on", cls->name);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[n], line), 0);
	KUNIT_EXPECT_GE(test, ctr_idx(&e->cg[n], cls, 0), 0);

	/* Going offline gives the counter back. */
	idx = ctr_idx(&e->cg[n], cls, 0);
	mpam_cg_css_offline(&e->cg[n].css);
	KUNIT_EXPECT_FALSE(test, fake_ctr_of(cls, 0, idx)->bound);
	KUNIT_EXPECT_NULL(test, *mpam_cg_ctr_slot(cls, 0, idx));
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_ctrs_used, (n - 1) * cls->nr_comps);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[0], line), 0);
}

static void mpam_test_ctr_errors(struct kunit *test)
{
	struct ctr_env *e = ctr_setup(test);
	struct mpam_cg_class *cls = e->topo->classes[0];
	char line[24];

	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[0], "l3 maybe"), -EINVAL);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[0], "l9 on"), -EINVAL);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[0], "mem:7 on"), -EINVAL);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[0], "mem"), -EINVAL);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[0], ""), -EINVAL);
	/* A class without byte counters has no counter line. */
	if (e->topo->classes[1] == &kunpeng_l3)
		KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[0], "l3 on"), -EINVAL);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_ctrs_used, 0);

	/* The provider fails: nothing assigned, the error returned. */
	fake_bind_fail = -EIO;
	snprintf(line, sizeof(line), "%s on", cls->name);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[0], line), -EIO);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_ctrs_used, 0);
	KUNIT_EXPECT_LT(test, ctr_idx(&e->cg[0], cls, 0), 0);
	/* With nothing else going on the controller labels nobody again. */
	KUNIT_EXPECT_FALSE(test, mpam_cg_active);
	fake_bind_fail = 0;
}

/* A write naming a class takes a counter on each component or none. */
static void mpam_test_ctr_all_or_nothing(struct kunit *test)
{
	struct ctr_env *e = ctr_setup(test);
	struct mpam_cg_class *cls = e->topo->multi;
	unsigned int i;

	if (!cls)
		kunit_skip(test, "no class with several components");
	/* Fill component 1 (l2:101). */
	for (i = 0; i < cls->mons[MPAM_CG_MON_BYTES]; i++)
		KUNIT_ASSERT_EQ(test, write_ctrs(&e->cg[i], "l2:101 on"), 0);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[4], "l2 on"), -ENOSPC);
	for (i = 0; i < cls->nr_comps; i++)
		KUNIT_EXPECT_LT(test, ctr_idx(&e->cg[4], cls, i), 0);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->nr_ctrs_used, cls->mons[MPAM_CG_MON_BYTES]);
	/* A cgroup's counter on one component does not need the others. */
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[4], "l2:100 on"), 0);
	/* A failed class-wide write keeps what the cgroup had before. */
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[4], "l2 on"), -ENOSPC);
	KUNIT_EXPECT_GE(test, ctr_idx(&e->cg[4], cls, 0), 0);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[0], "l2 off"), 0);
	KUNIT_EXPECT_EQ(test, write_ctrs(&e->cg[4], "l2 on"), 0);
	for (i = 0; i < cls->nr_comps; i++)
		KUNIT_EXPECT_GE(test, ctr_idx(&e->cg[4], cls, i), 0);
}

/* A counter follows its cgroup's identity; reads sum a subtree. */
static void mpam_test_ctr_identity(struct kunit *test)
{
	struct ctr_env *e = ctr_setup(test);
	struct mpam_cg_class *cls = e->topo->classes[0];
	struct mpam_cg child = {};
	struct fake_ctr *c;
	char line[16];
	s16 idx;
	u64 v;

	snprintf(line, sizeof(line), "%s on", cls->name);
	KUNIT_ASSERT_EQ(test, write_ctrs(&e->cg[0], line), 0);
	idx = ctr_idx(&e->cg[0], cls, 0);
	c = fake_ctr_of(cls, 0, idx);
	c->bytes = 77;

	/* A setting gives cg0 a PARTID: its counter counts it whole. */
	KUNIT_ASSERT_EQ(test, write_line(&e->cg[0], MPAM_CG_BW_MAX,
					 e->topo->classes[0] == &kunpeng_l2 ?
					 "mem 50" : "l3 50"), 0);
	KUNIT_EXPECT_NE(test, e->cg[0].partid, 0);
	KUNIT_EXPECT_EQ(test, ctr_idx(&e->cg[0], cls, 0), idx);
	KUNIT_EXPECT_TRUE(test, c->bound);
	KUNIT_EXPECT_EQ(test, c->partid, e->cg[0].partid);
	KUNIT_EXPECT_FALSE(test, c->match_pmg);
	KUNIT_EXPECT_EQ(test, c->binds, 2);
	/* Counting restarted. */
	KUNIT_EXPECT_EQ(test, read_bytes(&e->cg[0], cls, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0);

	/* A child with a PMG of its own: the parent's read needs it too. */
	fake_cg_init(&child, &e->cg[0]);
	KUNIT_ASSERT_EQ(test, mpam_cg_set_monitor(&child, true), 0);
	KUNIT_EXPECT_TRUE(test, child.has_pmg);
	/* The partition is read whole: one counter is enough. */
	KUNIT_EXPECT_EQ(test, read_bytes(&e->cg[0], cls, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, read_bytes(&child, cls, 0, &v), -ENOSPC);

	/* Back to the default partition: its PMG there again. */
	KUNIT_ASSERT_EQ(test, write_line(&e->cg[0], MPAM_CG_BW_MAX,
					 e->topo->classes[0] == &kunpeng_l2 ?
					 "mem max" : "l3 max"), 0);
	KUNIT_EXPECT_EQ(test, e->cg[0].partid, 0);
	KUNIT_EXPECT_TRUE(test, c->bound);
	KUNIT_EXPECT_EQ(test, c->partid, 0);
	KUNIT_EXPECT_TRUE(test, c->match_pmg);
	KUNIT_EXPECT_EQ(test, c->pmg, e->cg[0].pmg);
	/* Now the child is an identity of cg0's subtree without a counter. */
	KUNIT_EXPECT_EQ(test, read_bytes(&e->cg[0], cls, 0, &v), -ENOSPC);
	KUNIT_ASSERT_EQ(test, write_ctrs(&child, line), 0);
	fake_ctr_of(cls, 0, ctr_idx(&child, cls, 0))->bytes = 5;
	c->bytes = 10;
	KUNIT_EXPECT_EQ(test, read_bytes(&e->cg[0], cls, 0, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 15);
	mpam_cg_css_offline(&child.css);
	list_del_rcu(&child.css.sibling);
	kfree(child.ctrs);
}

/* The poll reads every bound counter of the classes that need it. */
static void mpam_test_ctr_poll(struct kunit *test)
{
	struct ctr_env *e = ctr_setup(test);
	struct mpam_cg_class *cls = e->topo->classes[0];
	struct fake_ctr *c;
	char line[16];

	snprintf(line, sizeof(line), "%s on", cls->name);
	KUNIT_ASSERT_EQ(test, write_ctrs(&e->cg[0], line), 0);
	c = fake_ctr_of(cls, 0, ctr_idx(&e->cg[0], cls, 0));
	KUNIT_EXPECT_GT(test, mpam_cg_hw->poll_ms, 0);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&mpam_cg_poll_work));
	c->reads = 0;
	mpam_cg_poll(NULL);
	KUNIT_EXPECT_EQ(test, c->reads, cls->poll_ms ? 1 : 0);
}

/*
 * The hierarchy tests: P (cg[0]) - I (cg[1]) - D (cg[2], cg[3], cg[4]).
 * The D own partitions; I has none unless the test gives it one.
 */
static const int hier_parent[NR_CGS] = { -1, 0, 1, 1, 1 };

static struct mpam_cg_class *topo_class(struct ctr_env *e, int ctrl)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(e->topo->classes) && e->topo->classes[i]; i++) {
		if (mpam_cg_has_ctrl(e->topo->classes[i], ctrl))
			return e->topo->classes[i];
	}
	return NULL;
}

static int write_class(struct mpam_cg *cg, int ctrl, struct mpam_cg_class *cls,
		       const char *val)
{
	char line[32];

	snprintf(line, sizeof(line), "%s %s", cls->name, val);
	return write_line(cg, ctrl, line);
}

/*
 * The configuration the partition of @cg gets on comp 0: its PARTID's or,
 * where the class has regulators, that of the internal PARTID its PARTID
 * is mapped onto.
 */
static u16 hw_id(struct mpam_cg_class *cls, struct mpam_cg *cg)
{
	return cls->regulators ? fake_hw_of(cls)->map[cg->own_id][0] : cg->own_id;
}

/* The hardware steps of @ctrl that the partition of @cg holds on comp 0. */
static u32 hw_steps(struct mpam_cg_class *cls, int ctrl, struct mpam_cg *cg)
{
	u16 pct = fake_hw_of(cls)->pct[hw_id(cls, cg)][0][ctrl];

	if (ctrl == MPAM_CG_BW_MIN && !pct)
		return 0;
	return mpam_cg_pct_to_steps(cls, ctrl, pct);
}

/*
 * What all the partitions of @e's tree hold of @ctrl together: those that
 * share a regulator hold it once.
 */
static u32 hw_steps_sum(struct ctr_env *e, struct mpam_cg_class *cls, int ctrl)
{
	DECLARE_BITMAP(seen, FAKE_HW_PARTIDS) = { };
	u32 sum = 0;
	int i;

	for (i = 0; i < NR_CGS; i++) {
		if (!e->cg[i].has_partid ||
		    __test_and_set_bit(hw_id(cls, &e->cg[i]), seen))
			continue;
		sum += hw_steps(cls, ctrl, &e->cg[i]);
	}
	return sum;
}

/*
 * On every topology, in the hardware's own steps: however many partitions
 * come below P's 20 % and whatever they set, together they never hold
 * more than P alone; a write that cannot fit them fails with ENOSPC and
 * changes nothing.
 */
static void mpam_test_contain_steps(struct kunit *test)
{
	struct ctr_env *e = topo_setup(test, hier_parent);
	struct mpam_cg_class *bw = topo_class(e, MPAM_CG_BW_MAX);
	struct mpam_cg_class *cache = topo_class(e, MPAM_CG_PORTION);
	struct mpam_cg *p = &e->cg[0];
	u32 limit, before;
	int i, err;

	KUNIT_ASSERT_NOT_NULL(test, bw);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	KUNIT_ASSERT_EQ(test, write_class(p, MPAM_CG_BW_MAX, bw, "20"), 0);
	limit = hw_steps(bw, MPAM_CG_BW_MAX, p);
	KUNIT_EXPECT_EQ(test, limit, mpam_cg_pct_to_steps(bw, MPAM_CG_BW_MAX, PCT(20)));
	for (i = 2; i < NR_CGS; i++) {
		KUNIT_ASSERT_EQ(test, write_class(&e->cg[i], MPAM_CG_PORTION,
						  cache, "1"), 0);
		KUNIT_EXPECT_LE(test, hw_steps_sum(e, bw, MPAM_CG_BW_MAX), limit);
	}
	/* I takes a part of P's share for itself and the D below it. */
	before = hw_steps(bw, MPAM_CG_BW_MAX, &e->cg[2]);
	err = write_class(&e->cg[1], MPAM_CG_BW_MAX, bw, "50");
	if (err) {
		KUNIT_EXPECT_EQ(test, err, -ENOSPC);
		KUNIT_EXPECT_FALSE(test, e->cg[1].has_partid);
		KUNIT_EXPECT_EQ(test, hw_steps(bw, MPAM_CG_BW_MAX, &e->cg[2]), before);
	} else {
		KUNIT_EXPECT_TRUE(test, e->cg[1].has_partid);
	}
	KUNIT_EXPECT_LE(test, hw_steps_sum(e, bw, MPAM_CG_BW_MAX), limit);
	/* The D ask for all of it: they still get their shares only. */
	for (i = 2; i < NR_CGS; i++) {
		KUNIT_EXPECT_EQ(test, write_class(&e->cg[i], MPAM_CG_BW_MAX, bw,
						  "100"), 0);
		KUNIT_EXPECT_LE(test, hw_steps_sum(e, bw, MPAM_CG_BW_MAX), limit);
	}
}

/* The D's minimums, in steps, after P protects 50 % and each D asks 30. */
static void hier_mins(struct ctr_env *e, struct mpam_cg_class *cls, u32 *min)
{
	int i;

	for (i = 2; i < NR_CGS; i++)
		min[i - 2] = hw_steps(cls, MPAM_CG_BW_MIN, &e->cg[i]);
}

/*
 * Minimums follow the protection model of memory.min: what the D ask for
 * beyond P's protection is scaled down to it, and a setting of I that
 * comes and goes leaves them as if it had never been written.
 */
static void mpam_test_protection(struct kunit *test)
{
	struct ctr_env *e = topo_setup(test, hier_parent);
	struct mpam_cg_class *bw = topo_class(e, MPAM_CG_BW_MIN);
	u32 min[3], again[3], budget;
	int i;

	if (!bw)
		kunit_skip(test, "%s has no minimum bandwidth", e->topo->name);
	KUNIT_ASSERT_EQ(test, write_class(&e->cg[0], MPAM_CG_BW_MIN, bw, "50"), 0);
	for (i = 2; i < NR_CGS; i++)
		KUNIT_ASSERT_EQ(test, write_class(&e->cg[i], MPAM_CG_BW_MIN, bw,
						  "30"), 0);
	budget = mpam_cg_pct_to_steps(bw, MPAM_CG_BW_MIN, PCT(50));
	KUNIT_EXPECT_LE(test, hw_steps_sum(e, bw, MPAM_CG_BW_MIN), budget);
	hier_mins(e, bw, min);
	/* Scaled in proportion: the three ask the same, they get the same. */
	KUNIT_EXPECT_EQ(test, min[0], min[1]);
	KUNIT_EXPECT_EQ(test, min[1], min[2]);
	/* Each within the 1 % the percentages the provider takes can lose. */
	KUNIT_EXPECT_GE(test, 3 * (min[0] + mpam_cg_pct_to_steps(bw, MPAM_CG_BW_MIN, PCT(1))),
			budget);

	/* An intermediate limit without a minimum protects nothing below. */
	KUNIT_ASSERT_EQ(test, write_class(&e->cg[1], MPAM_CG_BW_MAX, bw, "80"), 0);
	KUNIT_EXPECT_EQ(test, hw_steps(bw, MPAM_CG_BW_MIN, &e->cg[2]), 0);
	/* Gone again: the same minimums as before it was written. */
	KUNIT_ASSERT_EQ(test, write_class(&e->cg[1], MPAM_CG_BW_MAX, bw, "max"), 0);
	KUNIT_EXPECT_FALSE(test, e->cg[1].has_partid);
	hier_mins(e, bw, again);
	KUNIT_EXPECT_EQ(test, again[0], min[0]);
	KUNIT_EXPECT_EQ(test, again[1], min[1]);
	KUNIT_EXPECT_EQ(test, again[2], min[2]);
	KUNIT_EXPECT_LE(test, hw_steps_sum(e, bw, MPAM_CG_BW_MIN), budget);
}

/* The class of @e's topology that narrows PARTIDs, or NULL. */
static struct mpam_cg_class *topo_narrowing(struct ctr_env *e)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(e->topo->classes) && e->topo->classes[i]; i++) {
		if (e->topo->classes[i]->regulators)
			return e->topo->classes[i];
	}
	return NULL;
}

/*
 * Where a class narrows PARTIDs, a limit is one regulator its subtree
 * shares: P's 20 % stays whole while the D, which own partitions for
 * another class, run under it.  A D that sets a limit of its own
 * regulates and divides P's limit with P's regulator; when it stops, it
 * runs under P's again, which has all of it back.  Once every internal
 * PARTID is taken, a write that needs one fails with ENOSPC and changes
 * nothing, and one that goes back makes room.
 */
static void mpam_test_regulators(struct kunit *test)
{
	struct ctr_env *e = topo_setup(test, hier_parent);
	struct mpam_cg_class *bw = topo_narrowing(e);
	struct mpam_cg_class *cache = topo_class(e, MPAM_CG_PORTION);
	struct mpam_cg *p = &e->cg[0], *d = &e->cg[2];
	int i, err, ok = 0, failed = -1;
	u32 limit;

	if (!bw)
		kunit_skip(test, "%s has no class that narrows PARTIDs",
			   e->topo->name);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	KUNIT_ASSERT_EQ(test, write_class(p, MPAM_CG_BW_MAX, bw, "20"), 0);
	limit = mpam_cg_pct_to_steps(bw, MPAM_CG_BW_MAX, PCT(20));
	KUNIT_EXPECT_NE(test, hw_id(bw, p), 0);
	for (i = 2; i < NR_CGS; i++) {
		KUNIT_ASSERT_EQ(test, write_class(&e->cg[i], MPAM_CG_PORTION,
						  cache, "1"), 0);
		KUNIT_EXPECT_EQ(test, hw_id(bw, &e->cg[i]), hw_id(bw, p));
	}
	KUNIT_EXPECT_EQ(test, hw_steps(bw, MPAM_CG_BW_MAX, p), limit);

	/* 100 % is no setting: a limit below it is. */
	KUNIT_ASSERT_EQ(test, write_class(d, MPAM_CG_BW_MAX, bw, "100"), 0);
	KUNIT_EXPECT_EQ(test, hw_id(bw, d), hw_id(bw, p));
	KUNIT_ASSERT_EQ(test, write_class(d, MPAM_CG_BW_MAX, bw, "90"), 0);
	KUNIT_EXPECT_NE(test, hw_id(bw, d), hw_id(bw, p));
	KUNIT_EXPECT_NE(test, hw_id(bw, d), 0);
	KUNIT_EXPECT_EQ(test, hw_id(bw, &e->cg[3]), hw_id(bw, p));
	KUNIT_EXPECT_LT(test, hw_steps(bw, MPAM_CG_BW_MAX, p), limit);
	KUNIT_EXPECT_LE(test, hw_steps_sum(e, bw, MPAM_CG_BW_MAX), limit);

	KUNIT_ASSERT_EQ(test, write_class(d, MPAM_CG_BW_MAX, bw, "max"), 0);
	KUNIT_EXPECT_EQ(test, hw_id(bw, d), hw_id(bw, p));
	KUNIT_EXPECT_EQ(test, hw_steps(bw, MPAM_CG_BW_MAX, p), limit);

	/* The root and P have two internal PARTIDs: the D get the rest. */
	for (i = 2; i < NR_CGS; i++) {
		err = write_class(&e->cg[i], MPAM_CG_BW_MAX, bw, "50");
		if (!err) {
			ok++;
			KUNIT_EXPECT_NE(test, hw_id(bw, &e->cg[i]), hw_id(bw, p));
			continue;
		}
		KUNIT_EXPECT_EQ(test, err, -ENOSPC);
		KUNIT_EXPECT_EQ(test, hw_id(bw, &e->cg[i]), hw_id(bw, p));
		failed = i;
	}
	KUNIT_EXPECT_EQ(test, ok, min(NR_CGS - 2, bw->regulators - 2));
	KUNIT_EXPECT_LE(test, hw_steps_sum(e, bw, MPAM_CG_BW_MAX), limit);
	if (failed < 0)
		return;
	KUNIT_ASSERT_EQ(test, write_class(d, MPAM_CG_BW_MAX, bw, "max"), 0);
	KUNIT_EXPECT_EQ(test, write_class(&e->cg[failed], MPAM_CG_BW_MAX, bw,
					  "50"), 0);
	KUNIT_EXPECT_NE(test, hw_id(bw, &e->cg[failed]), hw_id(bw, p));
}

/*
 * A shared partition passes to a member when its leader goes, and with it
 * the internal PARTIDs it holds and the one its PARTID is mapped onto:
 * when the last member goes, they are given back and the PARTID is mapped
 * back as after reset.  First a partition that runs under the root's
 * regulator, then one that regulates.
 */
static void mpam_test_share_regulators(struct kunit *test)
{
	struct ctr_env *e = topo_setup(test, NULL);
	struct mpam_cg_class *bw = topo_narrowing(e);
	struct mpam_cg_class *cache = topo_class(e, MPAM_CG_PORTION);
	struct mpam_cg *x = &e->cg[0], *y = &e->cg[1];
	struct fake_hw *hw;
	struct ida *regs;
	int round;
	u16 id;

	if (!bw)
		kunit_skip(test, "%s has no class that narrows PARTIDs",
			   e->topo->name);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	hw = fake_hw_of(bw);
	regs = &mpam_cg_hw->regs[bw->comp_base];
	for (round = 0; round < 2; round++, x += 2, y += 2) {
		KUNIT_ASSERT_EQ(test, write_share(x, "s"), 0);
		KUNIT_ASSERT_EQ(test, write_share(y, "s"), 0);
		KUNIT_ASSERT_EQ(test, write_class(x, MPAM_CG_PORTION, cache, "1"), 0);
		KUNIT_ASSERT_EQ(test, write_class(y, MPAM_CG_PORTION, cache, "1"), 0);
		if (round) {
			KUNIT_ASSERT_EQ(test, write_class(x, MPAM_CG_BW_MAX, bw, "50"), 0);
			KUNIT_ASSERT_EQ(test, write_class(y, MPAM_CG_BW_MAX, bw, "50"), 0);
		}
		KUNIT_ASSERT_TRUE(test, x->has_partid);
		KUNIT_ASSERT_FALSE(test, y->has_partid);
		id = x->own_id;
		KUNIT_ASSERT_LT(test, id, FAKE_HW_PARTIDS);
		if (round)
			KUNIT_EXPECT_NE(test, hw->map[id][0], 0);
		else
			KUNIT_EXPECT_EQ(test, hw->map[id][0], 0);

		mpam_cg_css_offline(&x->css);
		KUNIT_ASSERT_TRUE(test, y->has_partid);
		KUNIT_EXPECT_EQ(test, y->own_id, id);
		mpam_cg_css_offline(&y->css);
		KUNIT_EXPECT_EQ(test, hw->map[id][0], id < bw->regulators ? id : 0);
		KUNIT_EXPECT_TRUE(test, ida_is_empty(regs));
	}
}

/*
 * A counter write that gives a cgroup a PMG gives it to the descendants
 * that share the cgroup's identity too: they carry its label, and its
 * statistics count them.  Partition 0 has 2 PMGs: the root's and cg[0]'s;
 * cg[1] and its child cg[2] share the root's until cg[0] goes.
 */
static const int pmg_parent[NR_CGS] = { -1, -1, 1, -1, -1 };

static void mpam_test_ctr_pmg_subtree(struct kunit *test)
{
	struct ctr_env *e;
	struct mpam_cg_class *cls;
	char line[16];

	topo_prov.nr_pmgs = 2;
	e = topo_setup(test, pmg_parent);
	cls = e->topo->classes[0]->mons[MPAM_CG_MON_BYTES] ? e->topo->classes[0] :
							      e->topo->classes[1];
	snprintf(line, sizeof(line), "%s on", cls->name);
	KUNIT_ASSERT_EQ(test, write_ctrs(&e->cg[0], line), 0);
	KUNIT_ASSERT_TRUE(test, e->cg[0].has_pmg);
	/* cg[3]'s counter keeps the controller active once cg[0] goes. */
	KUNIT_ASSERT_EQ(test, write_ctrs(&e->cg[3], line), 0);
	KUNIT_ASSERT_FALSE(test, e->cg[3].has_pmg);
	KUNIT_ASSERT_FALSE(test, e->cg[1].has_pmg);
	mpam_cg_css_offline(&e->cg[0].css);

	KUNIT_ASSERT_EQ(test, write_ctrs(&e->cg[1], line), 0);
	KUNIT_EXPECT_TRUE(test, e->cg[1].has_pmg);
	KUNIT_EXPECT_FALSE(test, e->cg[2].has_pmg);
	KUNIT_EXPECT_EQ(test, e->cg[2].pmg, e->cg[1].pmg);
	KUNIT_EXPECT_EQ(test, e->cg[2].label, e->cg[1].label);
}

/*
 * The architecture allows 65536 PARTIDs (PARTID_MAX 0xffff): the core
 * takes a provider that has them, with a PMG map for the last one too.
 */
static void mpam_test_partid_space(struct kunit *test)
{
	unsigned long *map;

	topo_prov.nr_partids = BIT(16);
	ctr_setup(test);
	KUNIT_EXPECT_EQ(test, mpam_cg_hw->prov->nr_partids, BIT(16));
	mutex_lock(&mpam_cg_mutex);
	map = mpam_cg_pmg_map(U16_MAX);
	set_bit(topo_prov.nr_pmgs - 1, map);
	KUNIT_EXPECT_TRUE(test, test_bit(topo_prov.nr_pmgs - 1, map));
	clear_bit(topo_prov.nr_pmgs - 1, map);
	mutex_unlock(&mpam_cg_mutex);
}

static struct kunit_case mpam_ctr_test_cases[] = {
	KUNIT_CASE_PARAM(mpam_test_ctr_assign, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_ctr_errors, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_ctr_all_or_nothing, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_ctr_identity, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_ctr_poll, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_contain_steps, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_protection, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_regulators, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_share_regulators, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_ctr_pmg_subtree, fake_topo_gen_params),
	KUNIT_CASE_PARAM(mpam_test_partid_space, fake_topo_gen_params),
	{}
};

static struct kunit_suite mpam_ctr_test_suite = {
	.name = "mpam_cgroup_counters",
	.exit = ctr_exit,
	.test_cases = mpam_ctr_test_cases,
};

kunit_test_suites(&mpam_cgroup_test_suite, &mpam_ctr_test_suite);
