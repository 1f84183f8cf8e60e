// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the conversions between the percentages of the mpam
 * cgroup controller and MPAM's fixed-point fractions, included by
 * mpam_cgroup.c.
 */
#include <kunit/test.h>

/* The fraction of the resource a limit of @hw allows, in 2^-16 units. */
static u32 limit_frac(u16 hw, unsigned int wd)
{
	return ((u32)(hw >> (16 - wd)) + 1) << (16 - wd);
}

/* The fraction of the resource a minimum of @hw guarantees. */
static u32 min_frac(u16 hw, unsigned int wd)
{
	return (u32)(hw >> (16 - wd)) << (16 - wd);
}

/* @pct hundredths of a percent of the resource, in 2^-16 units, times 10000. */
static u64 pct_frac(u16 pct)
{
	return (u64)pct << 16;
}

/* @p percent, in the core's hundredths */
#define PCT(p)	((p) * MPAM_CG_PCT_ALL / 100)

/* Conversions worked out by hand: a percentage at a width, the field. */
struct pct_case {
	u16 pct;
	unsigned int wd;
	u16 hw;
};

static const struct pct_case limits[] = {
	{ PCT(1), 8, 0x0200 }, { PCT(50), 8, 0x7f00 }, { PCT(99), 8, 0xfd00 },
	{ PCT(50), 1, 0x0000 }, { PCT(51), 1, 0x8000 }, { PCT(1), 16, 0x028f },
	{ PCT(99), 16, 0xfd70 }, { PCT(100), 16, 0xffff },
	/* Two decimals. */
	{ 1250, 8, 0x1f00 }, { 1340, 16, 0x224d }, { 1, 16, 0x0006 },
};

static const struct pct_case mins[] = {
	{ PCT(1), 8, 0x0300 }, { PCT(50), 8, 0x8000 }, { PCT(99), 8, 0xfe00 },
	{ PCT(100), 1, 0x8000 }, { PCT(1), 16, 0x0290 }, { PCT(100), 16, 0xffff },
	{ 1340, 16, 0x224e }, { 1, 16, 0x0007 },
};

static void mpam_cgroup_test_limit_edges(struct kunit *test)
{
	static const u16 pcts[] = { 1, PCT(1), PCT(2), 1250, 1340, 3333,
				    PCT(50), PCT(99), 9999, PCT(100) };
	unsigned int wd, i;

	for (wd = 1; wd <= 16; wd++) {
		u16 lsb = BIT(16 - wd);

		for (i = 0; i < ARRAY_SIZE(pcts); i++) {
			u16 pct = pcts[i];
			u16 hw = mpam_pct_to_limit(pct, wd);

			/* Only the implemented bits are set. */
			KUNIT_EXPECT_EQ_MSG(test, hw & (lsb - 1), 0,
					    "wd %u pct %u/100", wd, pct);
			/* The limit is not below the percentage... */
			KUNIT_EXPECT_GE_MSG(test, (u64)limit_frac(hw, wd) * MPAM_CG_PCT_ALL,
					    pct_frac(pct), "wd %u pct %u/100", wd, pct);
			/* ...and the next lower one would be. */
			if (hw)
				KUNIT_EXPECT_LT_MSG(test,
						    (u64)limit_frac(hw - lsb, wd) * MPAM_CG_PCT_ALL,
						    pct_frac(pct),
						    "wd %u pct %u/100", wd, pct);
		}
		/* 100 % is every implemented bit set. */
		KUNIT_EXPECT_EQ(test, mpam_pct_to_limit(PCT(100), wd),
				(u16)GENMASK(15, 16 - wd));
		/* 1 % is the lowest step while a step is at least 1 %. */
		if (wd <= 6)
			KUNIT_EXPECT_EQ(test, mpam_pct_to_limit(PCT(1), wd), 0);
	}
	/* A few by hand. */
	for (i = 0; i < ARRAY_SIZE(limits); i++)
		KUNIT_EXPECT_EQ_MSG(test, mpam_pct_to_limit(limits[i].pct, limits[i].wd),
				    limits[i].hw, "wd %u pct %u/100", limits[i].wd,
				    limits[i].pct);
}

static void mpam_cgroup_test_min_edges(struct kunit *test)
{
	static const u16 pcts[] = { 0, 1, PCT(1), PCT(2), 1250, 1340, 3333,
				    PCT(50), PCT(99), 9999, PCT(100) };
	unsigned int wd, i;

	for (wd = 1; wd <= 16; wd++) {
		u16 lsb = BIT(16 - wd), top = GENMASK(15, 16 - wd);

		for (i = 0; i < ARRAY_SIZE(pcts); i++) {
			u16 pct = pcts[i];
			u16 hw = mpam_pct_to_min(pct, wd);

			KUNIT_EXPECT_EQ_MSG(test, hw & (lsb - 1), 0,
					    "wd %u pct %u/100", wd, pct);
			/* Not below the percentage, unless the field is full... */
			if (hw != top)
				KUNIT_EXPECT_GE_MSG(test, (u64)min_frac(hw, wd) * MPAM_CG_PCT_ALL,
						    pct_frac(pct),
						    "wd %u pct %u/100", wd, pct);
			/* ...and the next lower one would be below it. */
			if (hw)
				KUNIT_EXPECT_LT_MSG(test,
						    (u64)min_frac(hw - lsb, wd) * MPAM_CG_PCT_ALL,
						    pct_frac(pct),
						    "wd %u pct %u/100", wd, pct);
			/* Never above the limit of the same percentage. */
			if (pct)
				KUNIT_EXPECT_LE_MSG(test, min_frac(hw, wd),
						    limit_frac(mpam_pct_to_limit(pct, wd), wd),
						    "wd %u pct %u/100", wd, pct);
		}
		KUNIT_EXPECT_EQ(test, mpam_pct_to_min(PCT(0), wd), 0);
		KUNIT_EXPECT_EQ(test, mpam_pct_to_min(PCT(100), wd), top);
		/* 1 % is the lowest step while a step is at least 1 %. */
		if (wd <= 6)
			KUNIT_EXPECT_EQ(test, mpam_pct_to_min(PCT(1), wd), lsb);
	}
	for (i = 0; i < ARRAY_SIZE(mins); i++)
		KUNIT_EXPECT_EQ_MSG(test, mpam_pct_to_min(mins[i].pct, mins[i].wd),
				    mins[i].hw, "wd %u pct %u/100", mins[i].wd,
				    mins[i].pct);
}

static struct kunit_case mpam_cgroup_hw_test_cases[] = {
	KUNIT_CASE(mpam_cgroup_test_limit_edges),
	KUNIT_CASE(mpam_cgroup_test_min_edges),
	{}
};

static struct kunit_suite mpam_cgroup_hw_test_suite = {
	.name = "mpam_cgroup_fixed_point",
	.test_cases = mpam_cgroup_hw_test_cases,
};

kunit_test_suites(&mpam_cgroup_hw_test_suite);
