// SPDX-License-Identifier: GPL-2.0
/*
 * MPAM behind the mpam cgroup controller (kernel/cgroup/mpam.c).
 *
 * Registers the MPAM classes the controller can use once the driver has
 * enabled MPAM, carries the controller's settings to the MSCs through the
 * driver's configuration path, reads monitors, and labels tasks through
 * the arch helpers that the context switch uses.
 *
 * What this version exposes: cache portion bitmaps up to 32 bits
 * wide (the driver's configuration holds no more), MBW_MAX, and cache
 * occupancy.  Bandwidth counters read as unassigned until counters can be
 * assigned to cgroups.
 */
#define pr_fmt(fmt) "mpam_cgroup: " fmt

#include <linux/bitmap.h>
#include <linux/cgroup_mpam.h>
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
	char name[8];
};

static struct mpam_cg_provider mpam_cgroup_provider;

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
 * MBW_MAX holds the highest bwa_wd bits of a 16-bit fraction: a value v
 * in those bits allows (v + 1) / 2^bwa_wd of the bandwidth.  Give the
 * smallest fraction that is not below @pct percent.
 */
static u16 mpam_pct_to_mbw_max(u8 pct, unsigned int bwa_wd)
{
	u32 steps = DIV_ROUND_UP((u32)pct << bwa_wd, 100);

	return (max(steps, 1U) - 1) << (16 - bwa_wd);
}

static int mpam_cgroup_apply(struct mpam_cg_class *cls, unsigned int comp,
			     u16 partid, const struct mpam_cg_config *cfg)
{
	struct mpam_cgroup_class *mcc = to_mcc(cls);
	struct mpam_props *props = &mcc->class->props;
	struct mpam_config mc = { };

	if (cls->ctrls & BIT(MPAM_CG_PORTION)) {
		mc.cpbm = bitmap_read(cfg->portion, 0, cls->portions);
		mpam_set_feature(mpam_feat_cpor_part, &mc);
	}
	if (cls->ctrls & BIT(MPAM_CG_BW_MAX)) {
		mc.mbw_max = mpam_pct_to_mbw_max(cfg->pct[MPAM_CG_BW_MAX],
						 props->bwa_wd);
		mpam_set_feature(mpam_feat_mbw_max, &mc);
	}
	return mpam_apply_config(mcc->comps[comp], partid, &mc);
}

static int mpam_cgroup_read_mon(struct mpam_cg_class *cls, unsigned int comp,
				enum mpam_cg_mon mon, u16 partid, u8 pmg,
				bool match_pmg, u64 *val)
{
	struct mpam_cgroup_class *mcc = to_mcc(cls);
	struct mon_cfg cfg = {
		.partid = partid,
		.pmg = pmg,
		.match_pmg = match_pmg,
	};
	int hw, err;

	if (mon != MPAM_CG_MON_OCCUPANCY)
		return -EBUSY;

	/* Occupancy is a level, not a count: borrow a monitor to look. */
	hw = mpam_alloc_csu_mon(mcc->class);
	if (hw < 0)
		return hw == -ENOSPC ? -EBUSY : hw;
	cfg.mon = hw;
	err = mpam_msmon_read(mcc->comps[comp], &cfg, mpam_feat_msmon_csu, val);
	mpam_free_csu_mon(mcc->class, hw);
	return err;
}

static void mpam_cgroup_set_label(struct task_struct *tsk, u16 partid, u8 pmg)
{
	mpam_set_task_partid_pmg(tsk, partid, partid, pmg, pmg);
}

static void mpam_cgroup_sync_cpu(void *unused)
{
	mpam_thread_switch(current);
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
	.read_mon = mpam_cgroup_read_mon,
	.set_label = mpam_cgroup_set_label,
	.sync_cpu = mpam_cgroup_sync_cpu,
	.acquire = mpam_cgroup_acquire,
	.release = mpam_cgroup_release,
};

static void mpam_cgroup_free_classes(void)
{
	struct mpam_cgroup_class *mcc, *tmp;

	list_for_each_entry_safe(mcc, tmp, &mpam_cgroup_provider.classes,
				 cg.node) {
		list_del(&mcc->cg.node);
		kfree(mcc->comps);
		kfree(mcc->ids);
		kfree(mcc);
	}
}

/* Describe @class to the controller, or return NULL if it has no use. */
static struct mpam_cgroup_class *mpam_cgroup_describe(struct mpam_class *class)
{
	struct mpam_props *props = &class->props;
	struct mpam_cgroup_class *mcc;
	struct mpam_component *comp;
	unsigned int n = 0;

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

	if (mpam_has_feature(mpam_feat_cpor_part, props) &&
	    props->cpbm_wd <= 32) {
		mcc->cg.ctrls |= BIT(MPAM_CG_PORTION);
		mcc->cg.portions = props->cpbm_wd;
	}
	if (mpam_has_feature(mpam_feat_mbw_max, props) && props->bwa_wd)
		mcc->cg.ctrls |= BIT(MPAM_CG_BW_MAX);
	if (mpam_has_feature(mpam_feat_msmon_csu, props))
		mcc->cg.mons[MPAM_CG_MON_OCCUPANCY] = props->num_csu_mon;
	if (!mcc->cg.ctrls && !mcc->cg.mons[MPAM_CG_MON_OCCUPANCY])
		goto unused;

	list_for_each_entry_srcu(comp, &class->components, class_list,
				 srcu_read_lock_held(&mpam_srcu))
		n++;
	mcc->comps = kcalloc(n, sizeof(*mcc->comps), GFP_KERNEL);
	mcc->ids = kcalloc(n, sizeof(*mcc->ids), GFP_KERNEL);
	if (!mcc->comps || !mcc->ids) {
		kfree(mcc->comps);
		kfree(mcc->ids);
		kfree(mcc);
		return ERR_PTR(-ENOMEM);
	}
	n = 0;
	list_for_each_entry_srcu(comp, &class->components, class_list,
				 srcu_read_lock_held(&mpam_srcu)) {
		mcc->comps[n] = comp;
		mcc->ids[n++] = comp->comp_id;
	}
	mcc->class = class;
	mcc->cg.name = mcc->name;
	mcc->cg.nr_comps = n;
	mcc->cg.comp_ids = mcc->ids;
	return mcc;

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
		mpam_cgroup_provider.nr_partids = mpam_partid_max + 1;
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
	mpam_cgroup_unregister(&mpam_cgroup_provider);
	mpam_cgroup_free_classes();
	mpam_cgroup_provider.ops = NULL;
}
