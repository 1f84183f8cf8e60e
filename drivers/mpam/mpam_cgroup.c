// SPDX-License-Identifier: GPL-2.0
/*
 * MPAM behind the mpam cgroup controller (kernel/cgroup/mpam.c).
 *
 * Registers the MPAM classes the controller can use once the driver has
 * enabled MPAM, carries the controller's settings to the MSCs through the
 * driver's configuration path, reads monitors, and labels tasks through
 * the arch helpers that the context switch uses.
 *
 * What it exposes: cache portion bitmaps up to MPAM_CPBM_MAX_WD bits
 * wide (what the driver's configuration holds), CMAX, MBW_MAX, MBW_MIN,
 * cache occupancy through a monitor borrowed for each read, MBWU byte
 * counters that the controller assigns to cgroups, and, for a class all
 * of whose components narrow PARTIDs, their internal PARTIDs as the
 * class's regulators.  Not exposed: CMIN,
 * CASSOC, MBW_PBM, MBW_PROP and the priorities (INTPRI/DSPRI), whose effect
 * is implementation defined; see Documentation/admin-guide/cgroup-v2-mpam.rst.
 *
 * Locking: mpam_apply_config() needs the CPUs held, and the per-component
 * configuration array has no lock of its own: the controller calls in
 * with cpus_read_lock() and its mutex held, which serialises every write
 * of the controller.  Byte counters are the controller's: each counter of
 * a component is bound to at most one filter at a time.  Monitors are
 * read without the CPUs held: the driver reads an MSC from whichever of
 * its CPUs is online.
 *
 * Ownership: resctrl and the controller take turns with MPAM; see
 * mpam_claim().
 */
#define pr_fmt(fmt) "mpam_cgroup: " fmt

#include <linux/bitmap.h>
#include <linux/cacheinfo.h>
#include <linux/cgroup_mpam.h>
#include <linux/cpu.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/string.h>

#include <asm/mpam.h>

#include "mpam_internal.h"

struct mpam_cgroup_class {
	struct mpam_cg_class cg;
	struct mpam_class *class;
	struct mpam_component **comps;
	u32 *ids;
	u64 *bytes;
	char name[8];

	/*
	 * Byte counters: the driver's MBWU monitor behind each counter
	 * index (-1 until one is used), how many components use it, and
	 * the filter of each component's counters.
	 */
	int *mbwu_mon;
	unsigned int *mbwu_users;
	struct mon_cfg *bound;
};

static struct mpam_cg_provider mpam_cgroup_provider;

/*
 * A class some of whose components narrow PARTIDs and others not has no
 * regulators: then only the PARTIDs with a configuration of their own
 * everywhere are offered.
 */
static bool mpam_cgroup_mixed;

/*
 * resctrl and the controller both program PARTIDs and monitors and label
 * tasks, so one of them at a time has MPAM: resctrl from its mount, the
 * controller from its first setting, each until it is done.  The other is
 * refused with -EBUSY meanwhile.  mpam.owner= on the command line keeps
 * MPAM for one of them from boot ("auto", the default: whoever is first).
 */
static DEFINE_SPINLOCK(mpam_user_lock);
static enum mpam_user mpam_user;	/* who has MPAM now */
static enum mpam_user mpam_owner;	/* who may have it, NONE for both */

static const char * const mpam_owner_names[] = {
	[MPAM_USER_NONE] = "auto",
	[MPAM_USER_RESCTRL] = "resctrl",
	[MPAM_USER_CGROUP] = "cgroup",
};

static const char * const mpam_user_names[] = {
	[MPAM_USER_RESCTRL] = "resctrl",
	[MPAM_USER_CGROUP] = "the mpam cgroup controller",
};

static int mpam_owner_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(mpam_owner_names, val);

	if (i < 0)
		return -EINVAL;
	mpam_owner = i;
	return 0;
}

static int mpam_owner_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", mpam_owner_names[mpam_owner]);
}

static const struct kernel_param_ops mpam_owner_ops = {
	.set = mpam_owner_set,
	.get = mpam_owner_get,
};
module_param_cb(owner, &mpam_owner_ops, NULL, 0444);
MODULE_PARM_DESC(owner, "who may use MPAM: auto (first come), resctrl or cgroup");

/**
 * mpam_claim() - take MPAM for @user
 * @user: resctrl or the controller, which must not hold it already
 *
 * Return: 0, or -EBUSY if the other user has it or mpam.owner= keeps it
 * for the other.
 */
int mpam_claim(enum mpam_user user)
{
	enum mpam_user other = user == MPAM_USER_RESCTRL ? MPAM_USER_CGROUP :
							   MPAM_USER_RESCTRL;
	const char *why = NULL;

	spin_lock(&mpam_user_lock);
	if (mpam_owner == other)
		why = "mpam.owner= keeps it for";
	else if (mpam_user == other)
		why = "it is in use by";
	else
		mpam_user = user;
	spin_unlock(&mpam_user_lock);

	if (!why)
		return 0;
	pr_notice_ratelimited("%s cannot use MPAM: %s %s\n",
			      mpam_user_names[user], why,
			      mpam_user_names[other]);
	return -EBUSY;
}

/* Give MPAM back after a successful mpam_claim() by @user. */
void mpam_unclaim(enum mpam_user user)
{
	spin_lock(&mpam_user_lock);
	if (mpam_user == user)
		mpam_user = MPAM_USER_NONE;
	spin_unlock(&mpam_user_lock);
}

static struct mpam_cgroup_class *to_mcc(struct mpam_cg_class *cls)
{
	return container_of(cls, struct mpam_cgroup_class, cg);
}

/*
 * MPAM fixed-point fractions: a 16-bit field of which the hardware
 * implements the highest @wd bits (1 to 16).  Let v be the value of
 * those bits, and p the percentage: the core's pct is in hundredths of
 * a percent (MPAM_CG_PCT_ALL is 100 %).
 *
 * A limit (CMAX, MBW_MAX) of v allows (v + 1) / 2^wd of the resource.
 * A percentage becomes the smallest limit that is not below it:
 * v = max(ceil(p * 2^wd / 100), 1) - 1, so 100 % is all ones and 1 %
 * the lowest step.
 */
static u16 mpam_pct_to_limit(u16 pct, unsigned int wd)
{
	u32 steps = DIV_ROUND_UP((u32)pct << wd, MPAM_CG_PCT_ALL);

	return (max(steps, 1U) - 1) << (16 - wd);
}

/*
 * A minimum (MBW_MIN) of v guarantees v / 2^wd of the bandwidth, 0 none.
 * A percentage becomes the smallest minimum that is not below it,
 * v = ceil(p * 2^wd / 100), capped at the largest the field holds,
 * (2^wd - 1) / 2^wd, which 100 % and the percentages above it get.
 */
static u16 mpam_pct_to_min(u16 pct, unsigned int wd)
{
	u32 steps = DIV_ROUND_UP((u32)pct << wd, MPAM_CG_PCT_ALL);

	return min(steps, BIT(wd) - 1) << (16 - wd);
}

static int mpam_cgroup_apply(struct mpam_cg_class *cls, unsigned int comp,
			     u16 partid, const struct mpam_cg_config *cfg)
{
	struct mpam_cgroup_class *mcc = to_mcc(cls);
	struct mpam_props *props = &mcc->class->props;
	struct mpam_config mc = { };

	lockdep_assert_cpus_held();
	if (mpam_cg_class_has(cls, MPAM_CG_PORTION)) {
		bitmap_to_arr32(mc.cpbm_words, cfg->portion, cls->portions);
		mpam_set_feature(mpam_feat_cpor_part, &mc);
	}
	if (mpam_cg_class_has(cls, MPAM_CG_CMAX)) {
		mc.cmax = mpam_pct_to_limit(cfg->pct[MPAM_CG_CMAX],
					    props->cmax_wd);
		mpam_set_feature(mpam_feat_cmax_cmax, &mc);
	}
	if (mpam_cg_class_has(cls, MPAM_CG_BW_MAX)) {
		mc.mbw_max = mpam_pct_to_limit(cfg->pct[MPAM_CG_BW_MAX],
					       props->bwa_wd);
		mpam_set_feature(mpam_feat_mbw_max, &mc);
	}
	if (mpam_cg_class_has(cls, MPAM_CG_BW_MIN)) {
		mc.mbw_min = mpam_pct_to_min(cfg->pct[MPAM_CG_BW_MIN],
					     props->bwa_wd);
		mpam_set_feature(mpam_feat_mbw_min, &mc);
	}
	return mpam_apply_config(mcc->comps[comp], partid, &mc);
}

static int mpam_cgroup_map(struct mpam_cg_class *cls, unsigned int comp,
			   u16 partid, u16 intpartid)
{
	return mpam_map_partid(to_mcc(cls)->comps[comp], partid, intpartid);
}

static int mpam_cgroup_read_occupancy(struct mpam_cg_class *cls,
				      unsigned int comp, u16 partid, u8 pmg,
				      bool match_pmg, u64 *val)
{
	struct mpam_cgroup_class *mcc = to_mcc(cls);
	struct mon_cfg cfg = {
		.partid = partid,
		.pmg = pmg,
		.match_pmg = match_pmg,
	};
	int hw, err;

	/*
	 * Occupancy is a level, not a count: borrow a monitor to look.
	 * None free (resctrl may hold them) is a figure not ready yet.
	 */
	hw = mpam_alloc_csu_mon(mcc->class);
	if (hw < 0)
		return hw == -ENOSPC ? -EBUSY : hw;
	cfg.mon = hw;
	err = mpam_msmon_read(mcc->comps[comp], &cfg, mpam_feat_msmon_csu, val);
	mpam_free_csu_mon(mcc->class, hw);
	mpam_resctrl_csu_mon_freed();
	return err;
}

static int mpam_cgroup_bind_counter(struct mpam_cg_class *cls,
				    unsigned int comp, unsigned int ctr,
				    u16 partid, u8 pmg, bool match_pmg)
{
	struct mpam_cgroup_class *mcc = to_mcc(cls);
	struct mon_cfg *cfg = &mcc->bound[comp * cls->mons[MPAM_CG_MON_BYTES] +
					 ctr];
	int hw = mcc->mbwu_mon[ctr], err;
	u64 val;

	if (hw < 0) {
		hw = mpam_alloc_mbwu_mon(mcc->class);
		if (hw < 0)
			return hw;
	}
	*cfg = (struct mon_cfg) {
		.mon = hw,
		.partid = partid,
		.pmg = pmg,
		.match_pmg = match_pmg,
	};
	/*
	 * Count from zero: forget what the monitor counted for anyone
	 * before, and program it now rather than at the first read.
	 */
	mpam_msmon_reset_mbwu(mcc->comps[comp], cfg);
	err = mpam_msmon_read(mcc->comps[comp], cfg, mpam_feat_msmon_mbwu, &val);
	if (err && err != -EBUSY) {
		if (!mcc->mbwu_users[ctr])
			mpam_free_mbwu_mon(mcc->class, hw);
		return err;
	}
	mcc->mbwu_mon[ctr] = hw;
	mcc->mbwu_users[ctr]++;
	return 0;
}

static void mpam_cgroup_unbind_counter(struct mpam_cg_class *cls,
				       unsigned int comp, unsigned int ctr)
{
	struct mpam_cgroup_class *mcc = to_mcc(cls);

	/* The monitor keeps counting for nobody until it is bound again. */
	if (!--mcc->mbwu_users[ctr]) {
		mpam_free_mbwu_mon(mcc->class, mcc->mbwu_mon[ctr]);
		mcc->mbwu_mon[ctr] = -1;
	}
}

static int mpam_cgroup_read_counter(struct mpam_cg_class *cls,
				    unsigned int comp, unsigned int ctr,
				    u64 *val)
{
	struct mpam_cgroup_class *mcc = to_mcc(cls);
	struct mon_cfg *cfg = &mcc->bound[comp * cls->mons[MPAM_CG_MON_BYTES] +
					 ctr];

	/* -EBUSY: still not ready after the driver waited. */
	return mpam_msmon_read(mcc->comps[comp], cfg, mpam_feat_msmon_mbwu, val);
}

static void mpam_cgroup_set_label(struct task_struct *tsk, u16 partid, u8 pmg)
{
	mpam_set_task_partid_pmg(tsk, partid, partid, pmg, pmg);
}

static void mpam_cgroup_sync_cpu(void *unused)
{
	mpam_thread_switch(current);
}

static void mpam_cgroup_inherit_label(struct task_struct *tsk)
{
	WRITE_ONCE(task_thread_info(tsk)->mpam_partid_pmg,
		   mpam_get_regval(current));
}

static int mpam_cgroup_acquire(void)
{
	return mpam_claim(MPAM_USER_CGROUP);
}

static void mpam_cgroup_release(void)
{
	mpam_unclaim(MPAM_USER_CGROUP);
}

static const struct mpam_cg_ops mpam_cgroup_ops = {
	.apply = mpam_cgroup_apply,
	.map = mpam_cgroup_map,
	.read_occupancy = mpam_cgroup_read_occupancy,
	.bind_counter = mpam_cgroup_bind_counter,
	.unbind_counter = mpam_cgroup_unbind_counter,
	.read_counter = mpam_cgroup_read_counter,
	.set_label = mpam_cgroup_set_label,
	.sync_cpu = mpam_cgroup_sync_cpu,
	.inherit_label = mpam_cgroup_inherit_label,
	.acquire = mpam_cgroup_acquire,
	.release = mpam_cgroup_release,
};

static void mpam_cgroup_free_class(struct mpam_cgroup_class *mcc)
{
	kfree(mcc->mbwu_mon);
	kfree(mcc->mbwu_users);
	kfree(mcc->bound);
	kfree(mcc->comps);
	kfree(mcc->ids);
	kfree(mcc->bytes);
	kfree(mcc);
}

/*
 * The size of the cache @comp of @class, from the cacheinfo of a CPU that
 * can reach it, or 0 if none is online or cacheinfo does not say.
 */
static u64 mpam_cgroup_cache_bytes(struct mpam_class *class,
				   struct mpam_component *comp)
{
	struct cacheinfo *ci;
	unsigned int cpu;
	u64 bytes = 0;

	cpus_read_lock();
	cpu = cpumask_first_and(&comp->affinity, cpu_online_mask);
	if (cpu < nr_cpu_ids) {
		ci = get_cpu_cacheinfo_level(cpu, class->level);
		if (ci)
			bytes = ci->size;
	}
	cpus_read_unlock();
	return bytes;
}

/*
 * How often a counter must be read so that the driver, which corrects
 * one overflow between two reads, sees every one.  The hardware does not
 * say how fast it counts: assume at most 8 GiB/s through one MSC for a
 * 31-bit counter of bytes (a wrap each 256 ms at that rate), and at most
 * 1 TiB/s for a 44-bit one (a wrap each 16 s), and read at half the
 * period of the fastest wrap.  63 bits do not wrap in a lifetime.
 */
static unsigned int mpam_cgroup_poll_ms(struct mpam_props *props)
{
	if (mpam_has_feature(mpam_feat_msmon_mbwu_63counter, props))
		return 0;
	if (mpam_has_feature(mpam_feat_msmon_mbwu_44counter, props))
		return 8000;
	return 125;
}

static void mpam_cgroup_free_classes(void)
{
	struct mpam_cgroup_class *mcc, *tmp;

	list_for_each_entry_safe(mcc, tmp, &mpam_cgroup_provider.classes,
				 cg.node) {
		list_del(&mcc->cg.node);
		mpam_cgroup_free_class(mcc);
	}
}

/* Describe @class to the controller, or return NULL if it has no use. */
static struct mpam_cgroup_class *mpam_cgroup_describe(struct mpam_class *class)
{
	struct mpam_props *props = &class->props;
	struct mpam_cgroup_class *mcc;
	struct mpam_component *comp;
	unsigned int n = 0, narrow = 0;
	u32 regulators = U16_MAX;

	mcc = kzalloc_obj(*mcc);
	if (!mcc)
		return ERR_PTR(-ENOMEM);
	if (class->type == MPAM_CLASS_CACHE && (class->level == 2 ||
						class->level == 3))
		snprintf(mcc->name, sizeof(mcc->name), "l%u", class->level);
	else if (class->type == MPAM_CLASS_MEMORY)
		strscpy(mcc->name, "mem");
	else
		goto unused;

	if (mpam_has_feature(mpam_feat_cpor_part, props)) {
		if (props->cpbm_wd <= MPAM_CPBM_MAX_WD) {
			mcc->cg.ctrls |= BIT(MPAM_CG_PORTION);
			mcc->cg.portions = props->cpbm_wd;
		} else {
			pr_info("%s: %u-bit portion bitmaps are too wide\n",
				mcc->name, props->cpbm_wd);
		}
	}
	if (mpam_has_feature(mpam_feat_cmax_cmax, props) && props->cmax_wd &&
	    props->cmax_wd <= 16) {
		mcc->cg.ctrls |= BIT(MPAM_CG_CMAX);
		mcc->cg.pct_bits[MPAM_CG_CMAX] = props->cmax_wd;
	}
	if (props->bwa_wd && props->bwa_wd <= 16) {
		if (mpam_has_feature(mpam_feat_mbw_max, props))
			mcc->cg.ctrls |= BIT(MPAM_CG_BW_MAX);
		if (mpam_has_feature(mpam_feat_mbw_min, props))
			mcc->cg.ctrls |= BIT(MPAM_CG_BW_MIN);
		mcc->cg.pct_bits[MPAM_CG_BW_MAX] = props->bwa_wd;
		mcc->cg.pct_bits[MPAM_CG_BW_MIN] = props->bwa_wd;
	}
	if (mpam_has_feature(mpam_feat_msmon_csu, props))
		mcc->cg.mons[MPAM_CG_MON_OCCUPANCY] = props->num_csu_mon;
	if (mpam_has_feature(mpam_feat_msmon_mbwu, props)) {
		mcc->cg.mons[MPAM_CG_MON_BYTES] = props->num_mbwu_mon;
		mcc->cg.poll_ms = mpam_cgroup_poll_ms(props);
	}
	if (!mcc->cg.ctrls && !mcc->cg.mons[MPAM_CG_MON_OCCUPANCY] &&
	    !mcc->cg.mons[MPAM_CG_MON_BYTES])
		goto unused;

	list_for_each_entry_srcu(comp, &class->components, class_list,
				 srcu_read_lock_held(&mpam_srcu))
		n++;
	mcc->comps = kcalloc(n, sizeof(*mcc->comps), GFP_KERNEL);
	mcc->ids = kcalloc(n, sizeof(*mcc->ids), GFP_KERNEL);
	if (class->type == MPAM_CLASS_CACHE) {
		mcc->bytes = kcalloc(n, sizeof(*mcc->bytes), GFP_KERNEL);
		if (!mcc->bytes)
			goto nomem;
	}
	if (mcc->cg.mons[MPAM_CG_MON_BYTES]) {
		unsigned int ctrs = mcc->cg.mons[MPAM_CG_MON_BYTES], i;

		mcc->mbwu_mon = kcalloc(ctrs, sizeof(*mcc->mbwu_mon), GFP_KERNEL);
		mcc->mbwu_users = kcalloc(ctrs, sizeof(*mcc->mbwu_users),
					  GFP_KERNEL);
		mcc->bound = kcalloc(n * ctrs, sizeof(*mcc->bound), GFP_KERNEL);
		if (mcc->mbwu_mon) {
			for (i = 0; i < ctrs; i++)
				mcc->mbwu_mon[i] = -1;
		}
		if (!mcc->mbwu_mon || !mcc->mbwu_users || !mcc->bound)
			goto nomem;
	}
	if (!mcc->comps || !mcc->ids)
		goto nomem;
	n = 0;
	list_for_each_entry_srcu(comp, &class->components, class_list,
				 srcu_read_lock_held(&mpam_srcu)) {
		mcc->comps[n] = comp;
		if (mcc->bytes)
			mcc->bytes[n] = mpam_cgroup_cache_bytes(class, comp);
		mcc->ids[n++] = comp->comp_id;
		narrow += comp->narrows;
		regulators = min_t(u32, regulators, comp->intpartid_max + 1);
	}
	if (narrow == n)
		mcc->cg.regulators = min_t(u32, regulators, S16_MAX);
	else if (narrow)
		mpam_cgroup_mixed = true;
	mcc->class = class;
	mcc->cg.name = mcc->name;
	mcc->cg.nr_comps = n;
	mcc->cg.comp_ids = mcc->ids;
	mcc->cg.comp_bytes = mcc->bytes;
	return mcc;

nomem:
	mpam_cgroup_free_class(mcc);
	return ERR_PTR(-ENOMEM);
unused:
	kfree(mcc);
	return NULL;
}

/**
 * mpam_cgroup_setup() - offer the enabled MPAM classes to the controller
 *
 * Return: 0 if the controller took at least one class, else an error.
 */
int mpam_cgroup_setup(void)
{
	struct mpam_cgroup_class *mcc;
	struct mpam_class *class;
	int idx, err = 0;

	INIT_LIST_HEAD(&mpam_cgroup_provider.classes);
	mpam_cgroup_mixed = false;
	idx = srcu_read_lock(&mpam_srcu);
	list_for_each_entry_srcu(class, &mpam_classes, classes_list,
				 srcu_read_lock_held(&mpam_srcu)) {
		mcc = mpam_cgroup_describe(class);
		if (IS_ERR(mcc)) {
			err = PTR_ERR(mcc);
			break;
		}
		if (mcc)
			list_add_tail(&mcc->cg.node,
				      &mpam_cgroup_provider.classes);
	}
	srcu_read_unlock(&mpam_srcu, idx);

	if (!err && list_empty(&mpam_cgroup_provider.classes))
		err = -ENODEV;
	if (!err) {
		mpam_cgroup_provider.nr_partids = mpam_cgroup_mixed ?
			mpam_intpartid_max + 1 : mpam_partid_max + 1;
		mpam_cgroup_provider.nr_pmgs = mpam_pmg_max + 1;
		mpam_cgroup_provider.ops = &mpam_cgroup_ops;
		err = mpam_cgroup_register(&mpam_cgroup_provider);
	}
	if (err) {
		mpam_cgroup_free_classes();
		pr_info("nothing for the mpam controller: %d\n", err);
	}
	return err;
}

/* MPAM is going away: every task back to the default partition. */
void mpam_cgroup_teardown(void)
{
	if (!mpam_cgroup_provider.ops)
		return;
	/* Only the driver's disable path, after an error, comes here. */
	mpam_cgroup_unregister(&mpam_cgroup_provider, true);
	mpam_cgroup_free_classes();
	mpam_cgroup_provider.ops = NULL;
}

#ifdef CONFIG_CGROUP_MPAM_KUNIT_TEST
#include "test_mpam_cgroup.c"
#endif
