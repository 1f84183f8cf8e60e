// SPDX-License-Identifier: GPL-2.0
/*
 * The mpam cgroup controller.
 *
 * Maps cgroups onto the partitions (PARTIDs) and monitoring groups (PMGs)
 * of a memory system resource partitioning provider, Arm MPAM being the
 * one there is.  This file knows cgroups and no register: a provider
 * registers classes of resources and carries settings, monitor reads and
 * task labels to the hardware.  See
 * Documentation/admin-guide/cgroup-v2-mpam.rst for the interface.
 *
 * A cgroup with settings of its own owns a partition (a PARTID); every
 * other cgroup runs in the partition of its nearest ancestor that has
 * settings, in a shared partition it names (mpam.share), or in the
 * default partition 0, which no file configures.  The owners form a tree
 * of partitions beside the cgroup tree, from which every partition's
 * effective settings are computed, so that nothing below a limit escapes
 * it.  Where a class narrows PARTIDs onto fewer internal PARTIDs, the
 * partitions below a limit share it instead: see mpam_cg_regulates().
 * PMGs are handed out within each partition so that cgroups can be
 * monitored on their own.
 *
 * Locking: mpam_cg_mutex protects the provider's state, the settings,
 * the partition and PMG of every cgroup, the byte counters and the
 * cgroups' labels.  It nests inside cpus_read_lock(): the provider needs
 * the CPUs held to program the hardware.  Fork and attach must not take
 * it (see mpam_cg_attach()): they label their tasks from the cgroup's
 * label without it, and relabels look for them on the task lists.
 * Monitors are read without either: mpam_cg_mon_mutex, inside
 * mpam_cg_mutex, serialises every use of them (binding, reading and
 * polling counters, sampling occupancy) and the coming and going of the
 * provider, and a reader holds it for one hardware read at a time; see
 * mpam_cg_stat_show().
 */
#define pr_fmt(fmt) "mpam_cgroup: " fmt

#include <linux/bitmap.h>
#include <linux/cgroup.h>
#include <linux/cgroup_mpam.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/idr.h>
#include <linux/kstrtox.h>
#include <linux/misc_cgroup.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/workqueue.h>

enum mpam_cg_event {
	MPAM_CG_EV_NOSPC,	/* a write needed a PARTID and none was free */
	MPAM_CG_EV_NO_PMG,	/* a cgroup shares its parent's PMG */
	MPAM_CG_EV_NO_MONITOR,	/* no hardware counter for an assignment */
	MPAM_CG_EV_INVALID,	/* an effective portion fell back to the parent's */
	MPAM_CG_EV_ERROR,	/* an access refused after a hardware error */
	MPAM_CG_NR_EVENTS
};

static const char * const mpam_cg_event_names[MPAM_CG_NR_EVENTS] = {
	[MPAM_CG_EV_NOSPC] = "nospc",
	[MPAM_CG_EV_NO_PMG] = "no_pmg",
	[MPAM_CG_EV_NO_MONITOR] = "no_monitor",
	[MPAM_CG_EV_INVALID] = "invalid",
	[MPAM_CG_EV_ERROR] = "error",
};

/*
 * mpam.cache.portion.exclusive: portions a cgroup claims for its subtree.
 * The core keeps it in the lines like a control of its own; providers
 * never see it.
 */
#define MPAM_CG_EXCLUSIVE	MPAM_CG_NR_CTRLS

/* The longest name of a shared partition, and its characters. */
#define MPAM_CG_SHARE_LEN	32
#define MPAM_CG_SHARE_CHARS	"abcdefghijklmnopqrstuvwxyz" \
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

/*
 * One line of a setting file: a cgroup's own values for a class, or for
 * one component.  @set has a bit for each control the line sets.
 */
struct mpam_cg_line {
	unsigned long set;
	u16 pct[MPAM_CG_NR_CTRLS];
	unsigned long *portion;
	unsigned long *exclusive;
};

/*
 * A cgroup's lines for one class, the class-wide one then one per
 * component; their portion bitmaps follow in the same allocation.
 */
struct mpam_cg_lines {
	struct mpam_cg_line all;
	struct mpam_cg_line comp[];
};

/*
 * What a subtree may use together on one component, in hardware steps of
 * each percentage control (see mpam_cg_steps_total()).
 */
struct mpam_cg_share {
	u32 steps[MPAM_CG_NR_CTRLS];
};

/*
 * An occupancy sample of one component: the identity sampled (as
 * mpam_cg_ctr_key() gives it), when, and what it read.
 */
struct mpam_cg_sample {
	u32 key;
	unsigned long when;
	u64 val;
};

/* A byte counter of one component assigned to a cgroup. */
struct mpam_cg_ctr {
	int idx;	/* the counter, or -1: none assigned */
	bool bound;	/* counting the cgroup's identity (ctr_key) */
};

struct mpam_cg {
	struct cgroup_subsys_state css;

	/* By class index; NULL until a line of that class is written. */
	struct mpam_cg_lines **lines;
	unsigned int nr_lines;
	/*
	 * Controls set over all lines: the cgroup owns a partition while
	 * this is not 0 (the root always owns the default partition).
	 */
	unsigned int nr_set;
	/*
	 * While it owns a partition: its effective settings, per component
	 * of every class, as the hardware holds them; the ones the next
	 * change computes (see mpam_cg_divide()); and the share of its
	 * nearest owning ancestor's limits that its subtree may use.
	 */
	struct mpam_cg_config *eff;
	struct mpam_cg_config *next;
	struct mpam_cg_share *share;
	/*
	 * Where a class has regulators, per component as ->eff: the
	 * internal PARTID the partition regulates its subtree with (-1:
	 * none, it runs under an ancestor's), the one the next change
	 * gives it, and the one its PARTID is mapped onto (-1: not yet).
	 */
	s16 *reg;
	s16 *next_reg;
	s16 *mapped;
	/*
	 * The tree of partitions: while it owns one, its nearest owning
	 * ancestor (owner_up) and the nearest owning descendants (owners,
	 * linked by owner_node), which share its limits.
	 */
	struct mpam_cg *owner_up;
	struct list_head owners;
	struct list_head owner_node;
	/* Its portions before the claims of others are taken out. */
	struct mpam_cg_config *nest;
	/* On mpam_cg_hw->claimers while it has an exclusive line. */
	struct list_head claim_node;
	/*
	 * mpam.share: the name of the shared partition it is a member of
	 * while it has settings (NULL for none).  The member that owns the
	 * partition lists the others (members, linked by member_node); they
	 * run in it (leader) without owning a PARTID.
	 */
	char *share_name;
	struct mpam_cg *leader;
	struct list_head members;
	struct list_head member_node;

	/* Flags and IDs packed: with lockdep, the struct just fits 1 KiB. */
	bool online;
	bool has_partid;	/* owns the partition own_id */
	bool has_pmg;		/* owns pmg within partid */
	bool no_pmg;		/* found none free: counted in no_pmg */
	bool monitor;		/* mpam.monitor: asks for an identity */
	bool ctr_asking;	/* asks for byte counters, see mpam_cg_wants_pmg() */
	/* A portion of its own lines did not fit: in ->eff, in ->next. */
	bool fell_back;
	bool next_fell_back;
	/* On mpam_cg_hw->rebinds: ctr_key changed, the counters not yet. */
	bool rebind_pending;
	u8 pmg;
	u16 own_id;
	u16 partid;		/* the partition its tasks run in */
	u32 label;		/* MPAM_CG_LABEL(), read by fork */

	/*
	 * Byte counters, per component over all classes (NULL until one is
	 * assigned), and the monitoring identity they count: see
	 * mpam_cg_ctr_key().  ->ctrs and what it points to change under
	 * both mutexes.
	 */
	struct mpam_cg_ctr *ctrs;
	u32 ctr_key;
	/*
	 * The misc cgroups its PARTID (part_misc) and its byte counters
	 * (misc, nr_charged of them) are charged to, while it holds any.
	 */
	unsigned int nr_charged;
	struct misc_cg *part_misc;
	struct misc_cg *misc;
	/* The last occupancy sample per component, under mpam_cg_mon_mutex. */
	struct mpam_cg_sample *samples;
	struct list_head rebind_node;

	atomic64_t events[MPAM_CG_NR_EVENTS];
	atomic64_t events_local[MPAM_CG_NR_EVENTS];
	struct cgroup_file events_file;
	struct cgroup_file events_local_file;
};

#define MPAM_CG_LABEL(partid, pmg)	(((u32)(partid) << 16) | (pmg))
#define MPAM_CG_LABEL_PARTID(l)		((u16)((l) >> 16))
#define MPAM_CG_LABEL_PMG(l)		((u8)(l))

/*
 * What the core keeps of the registered provider: mpam_cgroup_register()
 * allocates it, mpam_cgroup_unregister() frees it.
 */
struct mpam_cg_hw {
	struct mpam_cg_provider *prov;
	const struct mpam_cg_ops *ops;
	unsigned int nr_classes;
	/* Components over all classes: the size of an effective-settings array. */
	unsigned int nr_comps;
	/* The widest portion bitmap of any class. */
	unsigned int max_portions;
	/* Three bitmaps that wide, for a write under mpam_cg_mutex. */
	unsigned long *scratch;
	/* Partitions owned by cgroups below the root. */
	unsigned int nr_parts;
	/* Cgroups whose mpam.monitor asks for an identity. */
	unsigned int nr_monitor;
	struct ida partids;
	/* Per component of a class with regulators, the internal PARTIDs. */
	struct ida *regs;
	/* Per PARTID, a bitmap of the PMGs in use. */
	unsigned long *pmgs;
	/*
	 * The cgroup each byte counter is assigned to, by cls->ctr_base +
	 * comp * cls->mons[MPAM_CG_MON_BYTES] + counter; and how many are.
	 */
	struct mpam_cg **ctr_owner;
	unsigned int nr_ctrs;
	unsigned int nr_ctrs_used;
	/* Reads assigned counters often enough to see each overflow. */
	unsigned int poll_ms;
	/* Cgroups whose identity changed, their counters not yet. */
	struct list_head rebinds;
	/* Cgroups with an exclusive line, as of the last recompute from the root. */
	struct list_head claimers;
	/* Freed PARTIDs and PMGs still in a cache, see mpam_cg_limbo_add(). */
	struct list_head limbo;
	unsigned int nr_limbo[2];	/* whole PARTIDs, PMGs */
	bool has_occupancy;		/* some class has occupancy monitors */
};

static DEFINE_MUTEX(mpam_cg_mutex);
static DEFINE_MUTEX(mpam_cg_mon_mutex);
/*
 * Set under both mutexes.  A reader that got it under one of them may go
 * on using the provider's classes without it inside mpam_cg_srcu, which
 * mpam_cgroup_unregister() waits for.
 */
static struct mpam_cg_hw *mpam_cg_hw;
DEFINE_STATIC_SRCU(mpam_cg_srcu);
/*
 * mpam_cg_hw->ops for the fork path, which does not take the mutex: set
 * when the controller is first active, until the provider goes.
 */
static const struct mpam_cg_ops *mpam_cg_fork_ops;
/*
 * While no cgroup has settings the controller labels no task and hands out
 * no PMG, leaving MPAM to resctrl: see mpam_cg_activate().  Changed under
 * the mutex; the fork path reads it without.
 */
static bool mpam_cg_active;
/* The last provider went away because its hardware failed. */
static bool mpam_cg_failed;
/* CPUs to interrupt once the labels of a change are stored. */
static struct cpumask mpam_cg_ipi_mask;
static void mpam_cg_poll(struct work_struct *work);
static DECLARE_DELAYED_WORK(mpam_cg_poll_work, mpam_cg_poll);
static void mpam_cg_limbo_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(mpam_cg_limbo_work, mpam_cg_limbo_fn);

static inline struct mpam_cg *css_mpam(struct cgroup_subsys_state *css)
{
	return css ? container_of(css, struct mpam_cg, css) : NULL;
}

static inline struct mpam_cg *parent_mpam(struct mpam_cg *cg)
{
	return css_mpam(cg->css.parent);
}

static bool mpam_cg_is_root(struct mpam_cg *cg)
{
	return !cg->css.parent;
}

#define for_each_hw_class(hw, cls) \
	list_for_each_entry(cls, &(hw)->prov->classes, node)
#define for_each_mpam_class(cls)	for_each_hw_class(mpam_cg_hw, cls)

/* --- values -------------------------------------------------------------- */

/* Percentages are in hundredths (MPAM_CG_PCT_ALL): 1 % */
#define MPAM_CG_PCT_1	(MPAM_CG_PCT_ALL / 100)

/*
 * The percentage controls: their name in the files that list several
 * (mpam.partition, mpam.capacity: the setting file's), the lowest value
 * a write may give, the value that restricts nothing (what a cgroup
 * without a line has), and whether the control is a minimum rather than
 * a limit.
 */
static const struct mpam_cg_pct_ctrl {
	const char *key;
	u16 lowest;
	u16 unrestricted;
	bool minimum;
} mpam_cg_pct_ctrls[MPAM_CG_NR_CTRLS] = {
	[MPAM_CG_CMAX]		= { "cache.max", MPAM_CG_PCT_1, MPAM_CG_PCT_ALL, false },
	[MPAM_CG_BW_MAX]	= { "bw.max",	 MPAM_CG_PCT_1, MPAM_CG_PCT_ALL, false },
	[MPAM_CG_BW_MIN]	= { "bw.min",	 0, 0, true },
};

/* The monitors, as mpam.stat and mpam.capacity name them. */
static const char * const mpam_cg_mon_names[MPAM_CG_NR_MONS] = {
	[MPAM_CG_MON_OCCUPANCY] = "occupancy",
	[MPAM_CG_MON_BYTES] = "bytes",
};

static bool mpam_cg_ctrl_is_pct(int ctrl)
{
	return ctrl != MPAM_CG_PORTION;
}

static bool mpam_cg_ctrl_is_min(int ctrl)
{
	return mpam_cg_pct_ctrls[ctrl].minimum;
}

static u16 mpam_cg_pct_unrestricted(int ctrl)
{
	return mpam_cg_pct_ctrls[ctrl].unrestricted;
}

static u16 mpam_cg_pct_lowest(int ctrl)
{
	return mpam_cg_pct_ctrls[ctrl].lowest;
}

/* mpam_cg_class_has(), for the core's controls too. */
static bool mpam_cg_has_ctrl(struct mpam_cg_class *cls, int ctrl)
{
	return mpam_cg_class_has(cls, ctrl == MPAM_CG_EXCLUSIVE ?
				 MPAM_CG_PORTION : ctrl);
}

static void mpam_cg_config_init(struct mpam_cg_class *cls,
				struct mpam_cg_config *cfg)
{
	int i;

	if (mpam_cg_has_ctrl(cls, MPAM_CG_PORTION))
		bitmap_fill(cfg->portion, cls->portions);
	for (i = 0; i < MPAM_CG_NR_CTRLS; i++)
		cfg->pct[i] = mpam_cg_pct_unrestricted(i);
}

static void mpam_cg_config_copy(struct mpam_cg_class *cls,
				struct mpam_cg_config *dst,
				const struct mpam_cg_config *src)
{
	if (mpam_cg_has_ctrl(cls, MPAM_CG_PORTION))
		bitmap_copy(dst->portion, src->portion, cls->portions);
	memcpy(dst->pct, src->pct, sizeof(dst->pct));
}

/* --- the lines of a cgroup ----------------------------------------------- */

static size_t mpam_cg_lines_size(struct mpam_cg_class *cls)
{
	size_t n = cls->nr_comps + 1;

	return struct_size_t(struct mpam_cg_lines, comp, cls->nr_comps) +
	       2 * n * BITS_TO_LONGS(cls->portions) * sizeof(unsigned long);
}

static struct mpam_cg_lines *mpam_cg_lines_alloc(struct mpam_cg_class *cls)
{
	struct mpam_cg_lines *l;
	unsigned long *bits;
	unsigned int i;

	l = kzalloc(mpam_cg_lines_size(cls), GFP_KERNEL);
	if (!l)
		return NULL;
	bits = (unsigned long *)&l->comp[cls->nr_comps];
	l->all.portion = bits;
	bits += BITS_TO_LONGS(cls->portions);
	l->all.exclusive = bits;
	for (i = 0; i < cls->nr_comps; i++) {
		bits += BITS_TO_LONGS(cls->portions);
		l->comp[i].portion = bits;
		bits += BITS_TO_LONGS(cls->portions);
		l->comp[i].exclusive = bits;
	}
	return l;
}

/* The line @comp (-1: the class-wide one) of @cg for @cls, or NULL. */
static struct mpam_cg_line *mpam_cg_get_line(struct mpam_cg *cg,
					     struct mpam_cg_class *cls, int comp)
{
	struct mpam_cg_lines *l = cg->lines ? cg->lines[cls->index] : NULL;

	if (!l)
		return NULL;
	return comp < 0 ? &l->all : &l->comp[comp];
}

static void mpam_cg_free_lines(struct mpam_cg *cg)
{
	unsigned int i;

	/* nr_lines, not the provider's classes: it may be gone. */
	for (i = 0; cg->lines && i < cg->nr_lines; i++)
		kfree(cg->lines[i]);
	kfree(cg->lines);
	cg->lines = NULL;
	cg->nr_set = 0;
}

/* --- events -------------------------------------------------------------- */

static void mpam_cg_event(struct mpam_cg *cg, enum mpam_cg_event ev)
{
	struct mpam_cg *pos;

	if (mpam_cg_is_root(cg))
		return;
	atomic64_inc(&cg->events_local[ev]);
	cgroup_file_notify(&cg->events_local_file);
	for (pos = cg; !mpam_cg_is_root(pos); pos = parent_mpam(pos)) {
		atomic64_inc(&pos->events[ev]);
		cgroup_file_notify(&pos->events_file);
	}
}

/*
 * A write without a provider: -ENODEV, and an error event if the
 * hardware failed (@cg may be the root, which counts nothing).
 */
static int mpam_cg_gone(struct mpam_cg *cg)
{
	if (mpam_cg_failed)
		mpam_cg_event(cg, MPAM_CG_EV_ERROR);
	return -ENODEV;
}

/*
 * May a read of @cg's files go on?  Without a provider they show nothing
 * (*@err = 0), or fail with -ENODEV once the hardware has failed.  A read
 * is not an event: it counts nothing.
 */
static bool mpam_cg_can_show(struct mpam_cg *cg, int *err)
{
	*err = 0;
	if (mpam_cg_hw)
		return true;
	if (mpam_cg_failed)
		*err = -ENODEV;
	return false;
}

/* --- budgets ------------------------------------------------------------- */

/*
 * PARTIDs and byte counters are scarce: each is charged to the misc
 * controller ("mpam_partid" and "mpam_counter" in misc.max), against the
 * misc cgroup of the cgroup that takes it, so that a manager can give a
 * delegated subtree a budget.  A PARTID stays charged to the misc cgroup
 * of the cgroup that took it, as memory stays charged to the cgroup that
 * faulted it in, until the partition goes; the counters of a cgroup to
 * the misc cgroup it is in when it takes its first, until it holds none.
 */
static struct misc_cg *mpam_cg_get_misc(struct mpam_cg *cg)
{
#ifdef CONFIG_CGROUP_MISC
	return css_misc(cgroup_get_e_css(cg->css.cgroup, &misc_cgrp_subsys));
#else
	return NULL;
#endif
}

static int mpam_cg_misc_charge(enum misc_res_type type, struct misc_cg *misc)
{
	int err = misc ? misc_cg_try_charge(type, misc, 1) : 0;

	/* misc says EBUSY when the budget is spent. */
	return err == -EBUSY ? -ENOSPC : err;
}

static void mpam_cg_misc_uncharge(enum misc_res_type type, struct misc_cg *misc)
{
	if (misc)
		misc_cg_uncharge(type, misc, 1);
}

static int mpam_cg_charge_ctr(struct mpam_cg *cg)
{
	int err;

	if (!cg->misc)
		cg->misc = mpam_cg_get_misc(cg);
	err = mpam_cg_misc_charge(MISC_CG_RES_MPAM_COUNTER, cg->misc);
	if (!err)
		cg->nr_charged++;
	if (!cg->nr_charged) {
		put_misc_cg(cg->misc);
		cg->misc = NULL;
	}
	return err;
}

static void mpam_cg_uncharge_ctr(struct mpam_cg *cg)
{
	mpam_cg_misc_uncharge(MISC_CG_RES_MPAM_COUNTER, cg->misc);
	if (!--cg->nr_charged) {
		put_misc_cg(cg->misc);
		cg->misc = NULL;
	}
}

static void mpam_cg_set_budgets(u64 partids, u64 counters)
{
	misc_cg_set_capacity(MISC_CG_RES_MPAM_PARTID, partids);
	misc_cg_set_capacity(MISC_CG_RES_MPAM_COUNTER, counters);
}

/* --- limbo -------------------------------------------------------------- */

/*
 * A freed PARTID or PMG whose lines are still in a cache would count them
 * for its next user, in its occupancy and against its cache limits.  So,
 * as resctrl's limbo does for RMIDs (fs/resctrl/monitor.c), it is not
 * handed out again until every component with occupancy monitors holds
 * at most mpam_cg_limbo_bytes of it, unless no clean one is left: then
 * the cleanest is.  A PARTID in limbo stays allocated in
 * mpam_cg_hw->partids, a PMG set in its PARTID's map.  Only while the
 * controller is active: when it lets MPAM go, limbo is emptied.
 */
struct mpam_cg_limbo {
	struct list_head node;
	u16 partid;
	s16 pmg;		/* -1: the PARTID whole */
	u64 occupancy;		/* at the last look; U64_MAX before one */
};

#define MPAM_CG_LIMBO_MS	1000

/* The threshold, mpam.limbo.threshold; set when a provider registers. */
static u64 mpam_cg_limbo_bytes;

static unsigned long *mpam_cg_pmg_map(u16 partid);

static void mpam_cg_free_id(u16 partid, s16 pmg)
{
	if (pmg < 0)
		ida_free(&mpam_cg_hw->partids, partid);
	else
		clear_bit(pmg, mpam_cg_pmg_map(partid));
}

static void mpam_cg_limbo_del(struct mpam_cg_limbo *l)
{
	mpam_cg_hw->nr_limbo[l->pmg >= 0]--;
	list_del(&l->node);
	kfree(l);
}

/*
 * Free @partid (@pmg < 0) or PMG @pmg of @partid, which nobody uses any
 * more and whose configuration is reset: to limbo if it may still be in
 * a cache.  A PARTID's PMGs in limbo go with it.
 */
static void mpam_cg_limbo_add(u16 partid, s16 pmg)
{
	struct mpam_cg_limbo *l, *tmp;

	lockdep_assert_held(&mpam_cg_mutex);
	if (!mpam_cg_hw->has_occupancy || !mpam_cg_active) {
		mpam_cg_free_id(partid, pmg);
		return;
	}
	if (pmg < 0) {
		list_for_each_entry_safe(l, tmp, &mpam_cg_hw->limbo, node) {
			if (l->partid == partid) {
				mpam_cg_free_id(l->partid, l->pmg);
				mpam_cg_limbo_del(l);
			}
		}
	}
	/* Settles free PMGs inside RCU walks: no sleeping. */
	l = kmalloc_obj(*l, GFP_NOWAIT | __GFP_NOWARN);
	if (!l) {
		mpam_cg_free_id(partid, pmg);
		return;
	}
	*l = (struct mpam_cg_limbo) {
		.partid = partid,
		.pmg = pmg,
		.occupancy = U64_MAX,
	};
	list_add_tail(&l->node, &mpam_cg_hw->limbo);
	mpam_cg_hw->nr_limbo[pmg >= 0]++;
	if (!delayed_work_pending(&mpam_cg_limbo_work))
		schedule_delayed_work(&mpam_cg_limbo_work,
				      msecs_to_jiffies(MPAM_CG_LIMBO_MS));
}

/*
 * Take the cleanest PARTID (@partid < 0) or PMG of @partid from @first up
 * in limbo out of it for a new user; -ENOSPC if there is none.
 */
static int mpam_cg_limbo_take(int partid, int first)
{
	struct mpam_cg_limbo *l, *best = NULL;
	int id;

	lockdep_assert_held(&mpam_cg_mutex);
	list_for_each_entry(l, &mpam_cg_hw->limbo, node) {
		if (partid < 0 ? l->pmg >= 0 :
		    l->partid != partid || l->pmg < first)
			continue;
		if (!best || l->occupancy < best->occupancy)
			best = l;
	}
	if (!best)
		return -ENOSPC;
	id = partid < 0 ? best->partid : best->pmg;
	mpam_cg_limbo_del(best);
	return id;
}

/* Everything in limbo is free: the controller lets MPAM go. */
static void mpam_cg_limbo_flush(void)
{
	struct mpam_cg_limbo *l, *tmp;

	lockdep_assert_held(&mpam_cg_mutex);
	/* No look of the limbo work goes on after this: it checks active. */
	mutex_lock(&mpam_cg_mon_mutex);
	mutex_unlock(&mpam_cg_mon_mutex);
	list_for_each_entry_safe(l, tmp, &mpam_cg_hw->limbo, node) {
		mpam_cg_free_id(l->partid, l->pmg);
		mpam_cg_limbo_del(l);
	}
}

struct mpam_cg_limbo_look {
	u16 partid;
	s16 pmg;
	bool clean;
	u64 occupancy;		/* the most of any component */
};

/* Read the occupancy of @look on every component with monitors. */
static void mpam_cg_limbo_read(struct mpam_cg_hw *hw,
			       struct mpam_cg_limbo_look *look)
{
	struct mpam_cg_class *cls;
	unsigned int i;
	int err = 0;
	u64 val;

	look->occupancy = 0;
	for_each_hw_class(hw, cls) {
		for (i = 0; cls->mons[MPAM_CG_MON_OCCUPANCY] && i < cls->nr_comps;
		     i++) {
			mutex_lock(&mpam_cg_mon_mutex);
			if (mpam_cg_hw != hw || !READ_ONCE(mpam_cg_active))
				err = -ENODEV;
			else
				err = hw->ops->read_occupancy(cls, i, look->partid,
							     max_t(s16, look->pmg, 0),
							     look->pmg >= 0, &val);
			mutex_unlock(&mpam_cg_mon_mutex);
			if (err)
				goto out;
			look->occupancy = max(look->occupancy, val);
		}
	}
out:
	look->clean = !err && look->occupancy <= READ_ONCE(mpam_cg_limbo_bytes);
	if (err)
		look->occupancy = U64_MAX;
}

/*
 * Every MPAM_CG_LIMBO_MS while there is something in limbo: look at each
 * without the controller's mutex, and free what is clean.
 */
static void mpam_cg_limbo_fn(struct work_struct *work)
{
	struct mpam_cg_limbo_look *looks = NULL;
	struct mpam_cg_limbo *l, *tmp;
	unsigned int n = 0, i;
	struct mpam_cg_hw *hw;
	int idx;

	idx = srcu_read_lock(&mpam_cg_srcu);
	mutex_lock(&mpam_cg_mutex);
	hw = mpam_cg_hw;
	if (hw && !list_empty(&hw->limbo)) {
		looks = kmalloc_objs(*looks, hw->nr_limbo[0] + hw->nr_limbo[1]);
		list_for_each_entry(l, &hw->limbo, node) {
			if (!looks)
				break;
			looks[n++] = (struct mpam_cg_limbo_look) {
				.partid = l->partid,
				.pmg = l->pmg,
			};
		}
	}
	mutex_unlock(&mpam_cg_mutex);

	for (i = 0; i < n; i++)
		mpam_cg_limbo_read(hw, &looks[i]);

	mutex_lock(&mpam_cg_mutex);
	if (hw && mpam_cg_hw == hw) {
		/* What was taken or flushed meanwhile is not there. */
		for (i = 0; i < n; i++) {
			list_for_each_entry_safe(l, tmp, &hw->limbo, node) {
				if (l->partid != looks[i].partid ||
				    l->pmg != looks[i].pmg)
					continue;
				l->occupancy = looks[i].occupancy;
				if (looks[i].clean) {
					mpam_cg_free_id(l->partid, l->pmg);
					mpam_cg_limbo_del(l);
				}
				break;
			}
		}
		if (!list_empty(&hw->limbo))
			schedule_delayed_work(&mpam_cg_limbo_work,
					      msecs_to_jiffies(MPAM_CG_LIMBO_MS));
	}
	mutex_unlock(&mpam_cg_mutex);
	srcu_read_unlock(&mpam_cg_srcu, idx);
	kfree(looks);
}

/*
 * The default threshold: a fair share of the smallest cache with
 * occupancy monitors, as resctrl's is of the L3 per RMID; 0 if no size is
 * known.
 */
static u64 mpam_cg_limbo_default(struct mpam_cg_hw *hw)
{
	struct mpam_cg_class *cls;
	u64 least = 0;
	unsigned int i;

	for_each_hw_class(hw, cls) {
		if (!cls->mons[MPAM_CG_MON_OCCUPANCY] || !cls->comp_bytes)
			continue;
		for (i = 0; i < cls->nr_comps; i++) {
			if (cls->comp_bytes[i] && (!least || cls->comp_bytes[i] < least))
				least = cls->comp_bytes[i];
		}
	}
	return div_u64(least, hw->prov->nr_partids);
}

/* A free PARTID for @cg, within its budget; charged into ->part_misc. */
static int mpam_cg_alloc_partid(struct mpam_cg *cg)
{
	struct misc_cg *misc = mpam_cg_get_misc(cg);
	int partid, err;

	err = mpam_cg_misc_charge(MISC_CG_RES_MPAM_PARTID, misc);
	if (err) {
		put_misc_cg(misc);
		return err;
	}
	partid = ida_alloc_range(&mpam_cg_hw->partids, 1,
				 mpam_cg_hw->prov->nr_partids - 1, GFP_KERNEL);
	if (partid == -ENOSPC)
		partid = mpam_cg_limbo_take(-1, 0);
	if (partid < 0) {
		mpam_cg_misc_uncharge(MISC_CG_RES_MPAM_PARTID, misc);
		put_misc_cg(misc);
		return partid;
	}
	cg->part_misc = misc;
	return partid;
}

static void mpam_cg_uncharge_partid(struct mpam_cg *cg)
{
	mpam_cg_misc_uncharge(MISC_CG_RES_MPAM_PARTID, cg->part_misc);
	put_misc_cg(cg->part_misc);
	cg->part_misc = NULL;
}

static void mpam_cg_release_partid(struct mpam_cg *cg, u16 partid)
{
	mpam_cg_limbo_add(partid, -1);
	mpam_cg_uncharge_partid(cg);
}

/* --- effective settings -------------------------------------------------- */

static size_t mpam_cg_eff_bits_longs(void)
{
	struct mpam_cg_class *cls;
	size_t n = 0;

	for_each_mpam_class(cls)
		n += cls->nr_comps * BITS_TO_LONGS(cls->portions);
	return n;
}

/* An array of effective settings for every component of every class. */
static struct mpam_cg_config *mpam_cg_eff_alloc(void)
{
	struct mpam_cg_config *eff;
	struct mpam_cg_class *cls;
	unsigned long *bits;
	unsigned int i, n;

	eff = kzalloc(mpam_cg_hw->nr_comps * sizeof(*eff) +
		      mpam_cg_eff_bits_longs() * sizeof(unsigned long), GFP_KERNEL);
	if (!eff)
		return NULL;
	bits = (unsigned long *)&eff[mpam_cg_hw->nr_comps];
	for_each_mpam_class(cls) {
		for (i = 0; i < cls->nr_comps; i++) {
			n = cls->comp_base + i;
			eff[n].portion = bits;
			bits += BITS_TO_LONGS(cls->portions);
			mpam_cg_config_init(cls, &eff[n]);
		}
	}
	return eff;
}

static void mpam_cg_free_eff(struct mpam_cg *cg)
{
	kfree(cg->eff);
	kfree(cg->next);
	kfree(cg->nest);
	kfree(cg->share);
	kfree(cg->reg);
	cg->eff = NULL;
	cg->next = NULL;
	cg->nest = NULL;
	cg->share = NULL;
	cg->reg = NULL;
}

/*
 * What a cgroup needs to own a partition; unrestricted settings.  The
 * root regulates with internal PARTID 0, onto which the provider maps
 * PARTID 0.
 */
static int mpam_cg_alloc_eff(struct mpam_cg *cg)
{
	unsigned int n = mpam_cg_hw->nr_comps, i;

	if (cg->eff)
		return 0;
	cg->eff = mpam_cg_eff_alloc();
	cg->next = mpam_cg_eff_alloc();
	cg->nest = mpam_cg_eff_alloc();
	cg->share = kcalloc(n, sizeof(*cg->share), GFP_KERNEL);
	cg->reg = kmalloc_array(3 * n, sizeof(*cg->reg), GFP_KERNEL);
	if (!cg->eff || !cg->next || !cg->nest || !cg->share || !cg->reg) {
		mpam_cg_free_eff(cg);
		return -ENOMEM;
	}
	cg->next_reg = cg->reg + n;
	cg->mapped = cg->reg + 2 * n;
	for (i = 0; i < 3 * n; i++)
		cg->reg[i] = mpam_cg_is_root(cg) ? 0 : -1;
	return 0;
}

/* Forget the settings of a partition: the hardware was reset. */
static void mpam_cg_reset_eff(struct mpam_cg *cg)
{
	struct mpam_cg_class *cls;
	unsigned int i;

	for_each_mpam_class(cls) {
		for (i = 0; i < cls->nr_comps; i++)
			mpam_cg_config_init(cls, &cg->eff[cls->comp_base + i]);
	}
	cg->fell_back = false;
}

/* The nearest ancestor of @cg, or @cg, that owns a partition. */
static struct mpam_cg *mpam_cg_owner(struct mpam_cg *cg)
{
	while (!cg->has_partid)
		cg = parent_mpam(cg);
	return cg;
}

static bool mpam_cg_below(struct mpam_cg *cg, struct mpam_cg *top)
{
	for (; cg; cg = parent_mpam(cg)) {
		if (cg == top)
			return true;
	}
	return false;
}

/* The owner of the partition @cg runs in: an ancestor's, or a shared one. */
static struct mpam_cg *mpam_cg_part(struct mpam_cg *cg)
{
	for (;; cg = parent_mpam(cg)) {
		if (cg->has_partid)
			return cg;
		if (cg->leader)
			return cg->leader;
	}
}

/* Does only the subtree of @cg run in the partition it owns? */
static bool mpam_cg_whole(struct mpam_cg *cg)
{
	return cg->has_partid && list_empty(&cg->members);
}

/*
 * Put @cg, which now owns a partition, into the tree of partitions: below
 * its nearest owning ancestor, above the owners of its subtree.
 */
static void mpam_cg_link_owner(struct mpam_cg *cg)
{
	struct mpam_cg *up = mpam_cg_owner(parent_mpam(cg)), *pos, *tmp;

	list_for_each_entry_safe(pos, tmp, &up->owners, owner_node) {
		if (mpam_cg_below(pos, cg)) {
			list_move_tail(&pos->owner_node, &cg->owners);
			pos->owner_up = cg;
		}
	}
	cg->owner_up = up;
	list_add_tail(&cg->owner_node, &up->owners);
}

/* Take @cg out of the tree of partitions; its owners move up. */
static void mpam_cg_unlink_owner(struct mpam_cg *cg)
{
	struct mpam_cg *up = cg->owner_up, *pos, *tmp;

	list_for_each_entry_safe(pos, tmp, &cg->owners, owner_node) {
		list_move_tail(&pos->owner_node, &up->owners);
		pos->owner_up = up;
	}
	list_del_init(&cg->owner_node);
	cg->owner_up = NULL;
}

/* The owner after the partitions below @pos in a walk below @top. */
static struct mpam_cg *mpam_cg_skip_owner(struct mpam_cg *pos,
					  struct mpam_cg *top)
{
	for (; pos != top; pos = pos->owner_up) {
		if (!list_is_last(&pos->owner_node, &pos->owner_up->owners))
			return list_next_entry(pos, owner_node);
	}
	return NULL;
}

/* The owner after @pos in a pre-order walk of the partitions below @top. */
static struct mpam_cg *mpam_cg_next_owner(struct mpam_cg *pos,
					  struct mpam_cg *top)
{
	if (!list_empty(&pos->owners))
		return list_first_entry(&pos->owners, struct mpam_cg,
					owner_node);
	return mpam_cg_skip_owner(pos, top);
}

/*
 * Percentages in hardware steps: a control of @cls has 2^w steps, or 100
 * when the hardware takes whole percents.  A limit takes at least one
 * step, a minimum at most all but one.  Both round up, as the provider
 * does.
 */
static u32 mpam_cg_steps_total(struct mpam_cg_class *cls, int ctrl)
{
	return cls->pct_bits[ctrl] ? 1U << cls->pct_bits[ctrl] : 100;
}

static u32 mpam_cg_pct_to_steps(struct mpam_cg_class *cls, int ctrl, u16 pct)
{
	u32 total = mpam_cg_steps_total(cls, ctrl);
	u32 steps = DIV_ROUND_UP(pct * total, MPAM_CG_PCT_ALL);

	if (mpam_cg_ctrl_is_min(ctrl))
		return cls->pct_bits[ctrl] ? min(steps, total - 1) : steps;
	return max(steps, 1U);
}

/* The largest percentage that takes no more than @steps. */
static u16 mpam_cg_steps_to_pct(struct mpam_cg_class *cls, int ctrl, u32 steps)
{
	u32 total = mpam_cg_steps_total(cls, ctrl);

	if (steps >= total)
		return MPAM_CG_PCT_ALL;
	return steps * MPAM_CG_PCT_ALL / total;
}

/* The cgroup's own value of percentage control @ctrl, in steps. */
static u32 mpam_cg_own_steps(struct mpam_cg_class *cls,
			     const struct mpam_cg_line *own, int ctrl)
{
	if (!own || !(own->set & BIT(ctrl)))
		return mpam_cg_ctrl_is_min(ctrl) ? 0 : mpam_cg_steps_total(cls, ctrl);
	return mpam_cg_pct_to_steps(cls, ctrl, own->pct[ctrl]);
}

/*
 * The cgroup's own values on component @comp of @cls, in *@own: the
 * component's line where it sets a control, the class-wide line where it
 * does not.  Returns NULL if the cgroup has no line of the class.
 */
static const struct mpam_cg_line *mpam_cg_own_line(struct mpam_cg *cg,
						   struct mpam_cg_class *cls,
						   unsigned int comp,
						   struct mpam_cg_line *own)
{
	const struct mpam_cg_line *all = mpam_cg_get_line(cg, cls, -1);
	const struct mpam_cg_line *one;
	int i;

	if (!all)
		return NULL;
	one = mpam_cg_get_line(cg, cls, comp);
	own->set = all->set | one->set;
	own->portion = one->set & BIT(MPAM_CG_PORTION) ? one->portion :
							 all->portion;
	own->exclusive = one->set & BIT(MPAM_CG_EXCLUSIVE) ? one->exclusive :
							     all->exclusive;
	for (i = 0; i < MPAM_CG_NR_CTRLS; i++)
		own->pct[i] = one->set & BIT(i) ? one->pct[i] : all->pct[i];
	return own;
}

/* --- regulators ---------------------------------------------------------- */

/*
 * Where a class narrows PARTIDs (it has regulators), a partition that sets
 * something of the class on a component regulates there: it has an
 * internal PARTID of its own, configured as a partition is elsewhere, and
 * the PARTIDs of the partitions below it that do not regulate are mapped
 * onto it.  A limit there is one regulator its whole subtree shares, what
 * one partition leaves unused another can have; only the partitions that
 * regulate below it divide it.  The root regulates everywhere, with
 * internal PARTID 0.
 */
static bool mpam_cg_regulates(struct mpam_cg *cg, struct mpam_cg_class *cls,
			      unsigned int comp)
{
	struct mpam_cg_line own;

	if (mpam_cg_is_root(cg))
		return true;
	return mpam_cg_own_line(cg, cls, comp, &own) && own.set;
}

/* Does @cg take a share of its ancestors' limits on @comp of @cls? */
static bool mpam_cg_divides(struct mpam_cg *cg, struct mpam_cg_class *cls,
			    unsigned int comp)
{
	return !cls->regulators || mpam_cg_regulates(cg, cls, comp);
}

/* The partition whose limits on @comp of @cls @cg, an owner, runs under. */
static struct mpam_cg *mpam_cg_regulator(struct mpam_cg *cg,
					 struct mpam_cg_class *cls,
					 unsigned int comp)
{
	while (!mpam_cg_divides(cg, cls, comp))
		cg = cg->owner_up;
	return cg;
}

/*
 * The partitions that divide @x's limits on @comp of @cls with it: its
 * nearest owning descendants, or where the class has regulators, the
 * nearest ones that regulate.  @pos is NULL to start.
 */
static struct mpam_cg *mpam_cg_next_sharer(struct mpam_cg *pos,
					   struct mpam_cg *x,
					   struct mpam_cg_class *cls,
					   unsigned int comp)
{
	do {
		if (!pos)
			pos = mpam_cg_next_owner(x, x);
		else if (mpam_cg_divides(pos, cls, comp))
			pos = mpam_cg_skip_owner(pos, x);
		else
			pos = mpam_cg_next_owner(pos, x);
	} while (pos && !mpam_cg_divides(pos, cls, comp));
	return pos;
}

/*
 * The internal PARTID the next change gives @x on component @n of @cls:
 * the one it has or a new one while it regulates, none otherwise.
 * Returns -ENOSPC when there is no internal PARTID left.
 */
static int mpam_cg_pick_reg(struct mpam_cg *x, struct mpam_cg_class *cls,
			    unsigned int n)
{
	struct ida *ida = &mpam_cg_hw->regs[n];
	int id;

	if (mpam_cg_regulates(x, cls, n - cls->comp_base)) {
		if (x->next_reg[n] >= 0)
			return 0;
		id = ida_alloc_range(ida, 1, cls->regulators - 1, GFP_KERNEL);
		if (id < 0)
			return id;
		x->next_reg[n] = id;
		return 0;
	}
	/* One it was to get and never programmed goes back at once. */
	if (x->next_reg[n] > 0 && x->next_reg[n] != x->reg[n])
		ida_free(ida, x->next_reg[n]);
	x->next_reg[n] = -1;
	return 0;
}

/*
 * Give back the internal PARTIDs of @cg, whose partition goes, and map its
 * PARTID back as the provider resets it: one to one as far as there are
 * internal PARTIDs, onto 0 above, so that MPAM is as it was for its next
 * user.
 */
static void mpam_cg_put_regs(struct mpam_cg *cg)
{
	struct mpam_cg_class *cls;
	unsigned int i, n;
	u16 reset;

	for_each_mpam_class(cls) {
		for (i = 0; cls->regulators && i < cls->nr_comps; i++) {
			n = cls->comp_base + i;
			if (cg->next_reg[n] > 0 && cg->next_reg[n] != cg->reg[n])
				ida_free(&mpam_cg_hw->regs[n], cg->next_reg[n]);
			if (cg->reg[n] > 0)
				ida_free(&mpam_cg_hw->regs[n], cg->reg[n]);
			reset = cg->own_id < cls->regulators ? cg->own_id : 0;
			if (cg->mapped[n] >= 0 && cg->mapped[n] != reset)
				mpam_cg_hw->ops->map(cls, i, cg->own_id, reset);
			cg->reg[n] = -1;
			cg->next_reg[n] = -1;
			cg->mapped[n] = -1;
		}
	}
}

/*
 * Divide the limit @ctrl (CMAX, BW_MAX) of @x on component @n of @cls
 * between @x's own partition and the subtrees of its sharers (see
 * mpam_cg_next_sharer()), as max-min fair shares: a subtree that asks for
 * less than an equal share gets what it asks, the others share the rest
 * equally.
 * A limit of 100 % is no limit and is not divided: each subtree gets what
 * it asks.  Returns @x's own steps, or 0 if some partition would get less
 * than the smallest limit the hardware has.
 */
static u32 mpam_cg_divide_limit(struct mpam_cg *x, struct mpam_cg_class *cls,
				unsigned int n, int ctrl, u32 own_ask)
{
	u32 total = mpam_cg_steps_total(cls, ctrl), budget = x->share[n].steps[ctrl];
	u32 lowest = mpam_cg_pct_to_steps(cls, ctrl, MPAM_CG_PCT_1), fair, sum, left;
	unsigned int slots = 1, below, i = n - cls->comp_base;
	struct mpam_cg_line own;
	struct mpam_cg *e;

	for (e = NULL; (e = mpam_cg_next_sharer(e, x, cls, i));) {
		u32 ask = mpam_cg_own_steps(cls, mpam_cg_own_line(e, cls, i, &own),
					    ctrl);

		e->share[n].steps[ctrl] = min(ask, budget);
		slots++;
	}
	if (budget >= total)
		return own_ask;

	/* Water-filling: fair only grows as small asks drop out. */
	fair = budget / slots;
	do {
		u32 prev = fair;

		sum = 0;
		below = 0;
		for (e = NULL; (e = mpam_cg_next_sharer(e, x, cls, i));) {
			if (e->share[n].steps[ctrl] <= fair) {
				sum += e->share[n].steps[ctrl];
				below++;
			}
		}
		fair = (budget - sum) / (slots - below);
		if (fair == prev)
			break;
	} while (true);

	/* The steps the floors left go to the own partition, then in order. */
	left = budget - sum - (slots - below) * fair;
	own_ask = fair + (left ? 1 : 0);
	left -= left ? 1 : 0;
	for (e = NULL; (e = mpam_cg_next_sharer(e, x, cls, i));) {
		u32 *steps = &e->share[n].steps[ctrl];

		if (*steps > fair) {
			*steps = fair + (left ? 1 : 0);
			left -= left ? 1 : 0;
		}
		if (*steps < lowest)
			return 0;
	}
	return own_ask < lowest ? 0 : own_ask;
}

/*
 * Distribute the protection (BW_MIN) of @x on component @n of @cls over
 * the subtrees of its sharers, as memory.min does: up to what they ask,
 * scaled down in proportion when they ask for more than @x has.  @x's
 * own partition keeps the rest; the root, which protects nothing, the
 * part of the whole its own setting gets.  Each is bounded by its
 * maximum.  Returns @x's own steps.
 */
static u32 mpam_cg_divide_min(struct mpam_cg *x, struct mpam_cg_class *cls,
			      unsigned int n, u32 own_ask)
{
	u32 budget = x->share[n].steps[MPAM_CG_BW_MIN], sum = 0, given = 0;
	bool root = mpam_cg_is_root(x);
	unsigned int i = n - cls->comp_base;
	struct mpam_cg_line own;
	struct mpam_cg *e;

	for (e = NULL; (e = mpam_cg_next_sharer(e, x, cls, i));) {
		const struct mpam_cg_line *v;

		v = mpam_cg_own_line(e, cls, i, &own);
		e->share[n].steps[MPAM_CG_BW_MIN] =
			mpam_cg_own_steps(cls, v, MPAM_CG_BW_MIN);
		sum += e->share[n].steps[MPAM_CG_BW_MIN];
	}
	if (root)
		sum += own_ask;
	for (e = NULL; (e = mpam_cg_next_sharer(e, x, cls, i));) {
		u32 *steps = &e->share[n].steps[MPAM_CG_BW_MIN];

		if (sum > budget)
			*steps = div_u64((u64)*steps * budget, sum);
		*steps = min(*steps, e->share[n].steps[MPAM_CG_BW_MAX]);
		given += *steps;
	}
	if (root)
		return sum > budget ? div_u64((u64)own_ask * budget, sum) : own_ask;
	return budget - given;
}

/* --- exclusive portions -------------------------------------------------- */

static bool mpam_cg_claims(struct mpam_cg *cg)
{
	struct mpam_cg_class *cls;
	unsigned int i;

	if (!cg->lines)
		return false;
	for_each_mpam_class(cls) {
		struct mpam_cg_line *v = mpam_cg_get_line(cg, cls, -1);

		for (i = 0; v && i < cls->nr_comps; i++) {
			if ((v->set | mpam_cg_get_line(cg, cls, i)->set) &
			    BIT(MPAM_CG_EXCLUSIVE))
				return true;
		}
	}
	return false;
}

/* The portions @cg claims on component @comp of @cls, or NULL. */
static const unsigned long *mpam_cg_claim(struct mpam_cg *cg,
					  struct mpam_cg_class *cls,
					  unsigned int comp)
{
	const struct mpam_cg_line *v;
	struct mpam_cg_line own;

	v = mpam_cg_own_line(cg, cls, comp, &own);
	return v && (v->set & BIT(MPAM_CG_EXCLUSIVE)) ? v->exclusive : NULL;
}

/*
 * Two claims must nest when one cgroup is below the other, as cpuset's
 * exclusive CPUs do, and not overlap otherwise.
 */
static bool mpam_cg_claim_agrees(struct mpam_cg *a, struct mpam_cg *b,
				 struct mpam_cg_class *cls, unsigned int comp)
{
	const unsigned long *ca = mpam_cg_claim(a, cls, comp);
	const unsigned long *cb = mpam_cg_claim(b, cls, comp);

	if (!ca || !cb)
		return true;
	if (mpam_cg_below(a, b))
		return bitmap_subset(ca, cb, cls->portions);
	if (mpam_cg_below(b, a))
		return bitmap_subset(cb, ca, cls->portions);
	return !bitmap_intersects(ca, cb, cls->portions);
}

static bool mpam_cg_claims_agree(struct mpam_cg *a, struct mpam_cg *b)
{
	struct mpam_cg_class *cls;
	unsigned int i;

	for_each_mpam_class(cls) {
		if (!mpam_cg_has_ctrl(cls, MPAM_CG_PORTION))
			continue;
		for (i = 0; i < cls->nr_comps; i++) {
			if (!mpam_cg_claim_agrees(a, b, cls, i))
				return false;
		}
	}
	return true;
}

/*
 * Check that the claims of the owners below @root agree, then collect
 * those owners on mpam_cg_hw->claimers.  Returns -EINVAL, and leaves the list
 * as it was, if they do not.
 */
static int mpam_cg_collect_claims(struct mpam_cg *root)
{
	struct mpam_cg *pos, *other, *tmp;

	for (pos = root; pos; pos = mpam_cg_next_owner(pos, root)) {
		if (pos == root || !mpam_cg_claims(pos))
			continue;
		for (other = root; other; other = mpam_cg_next_owner(other, root)) {
			if (other == pos)
				break;
			if (other != root && !mpam_cg_claims_agree(pos, other))
				return -EINVAL;
		}
	}
	list_for_each_entry_safe(pos, tmp, &mpam_cg_hw->claimers, claim_node)
		list_del_init(&pos->claim_node);
	for (pos = root; pos; pos = mpam_cg_next_owner(pos, root)) {
		if (pos != root && mpam_cg_claims(pos))
			list_add_tail(&pos->claim_node, &mpam_cg_hw->claimers);
	}
	return 0;
}

/* Take out of @bits what others claim away from the partition of @x. */
static void mpam_cg_exclude(struct mpam_cg *x, struct mpam_cg_class *cls,
			    unsigned int comp, unsigned long *bits)
{
	const unsigned long *claim;
	struct mpam_cg *y;

	list_for_each_entry(y, &mpam_cg_hw->claimers, claim_node) {
		claim = mpam_cg_claim(y, cls, comp);
		if (claim && !mpam_cg_below(x, y))
			bitmap_andnot(bits, bits, claim, cls->portions);
	}
}

/*
 * The portion bitmap of @x's partition on component @n of @cls: its own,
 * within the one of the partition above (@up), into @x->nest; then
 * without what others claim, into @x->next.  Returns -ENOSPC if nothing
 * is left, 1 if the own bitmap did not fit and fell back, else 0.
 */
static int mpam_cg_divide_portion(struct mpam_cg *x, struct mpam_cg_config *up,
				  struct mpam_cg_class *cls, unsigned int n,
				  const struct mpam_cg_line *v)
{
	unsigned long *nest = x->nest[n].portion, *bits = x->next[n].portion;
	int fell_back = 0;

	if (!mpam_cg_has_ctrl(cls, MPAM_CG_PORTION))
		return 0;
	if (up)
		bitmap_copy(nest, up[n].portion, cls->portions);
	else
		bitmap_fill(nest, cls->portions);
	if (v && (v->set & BIT(MPAM_CG_PORTION))) {
		if (bitmap_intersects(nest, v->portion, cls->portions))
			bitmap_and(nest, nest, v->portion, cls->portions);
		else
			fell_back = 1;
	}
	bitmap_copy(bits, nest, cls->portions);
	mpam_cg_exclude(x, cls, n - cls->comp_base, bits);
	return bitmap_empty(bits, cls->portions) ? -ENOSPC : fell_back;
}

/*
 * The percentages of @x's partition on component @n of @cls into
 * @x->next, and the shares of its sharers.  Returns -ENOSPC if a limit
 * has no room for every partition below it.
 */
static int mpam_cg_divide_pcts(struct mpam_cg *x, struct mpam_cg_class *cls,
			       unsigned int n, const struct mpam_cg_line *v)
{
	struct mpam_cg_config *cfg = &x->next[n];
	bool root = mpam_cg_is_root(x);
	u32 steps[MPAM_CG_NR_CTRLS];
	int ctrl;

	for (ctrl = 0; ctrl < MPAM_CG_NR_CTRLS; ctrl++) {
		if (!mpam_cg_ctrl_is_pct(ctrl))
			continue;
		/* The root's share is the whole; what it asks is its own. */
		if (root)
			x->share[n].steps[ctrl] = mpam_cg_steps_total(cls, ctrl);
		steps[ctrl] = root ? mpam_cg_own_steps(cls, v, ctrl) :
				     x->share[n].steps[ctrl];
	}
	for (ctrl = 0; ctrl < MPAM_CG_NR_CTRLS; ctrl++) {
		if (!mpam_cg_ctrl_is_pct(ctrl) || mpam_cg_ctrl_is_min(ctrl))
			continue;
		steps[ctrl] = mpam_cg_divide_limit(x, cls, n, ctrl, steps[ctrl]);
		if (!steps[ctrl])
			return -ENOSPC;
		cfg->pct[ctrl] = mpam_cg_steps_to_pct(cls, ctrl, steps[ctrl]);
	}
	steps[MPAM_CG_BW_MIN] = mpam_cg_divide_min(x, cls, n, steps[MPAM_CG_BW_MIN]);
	cfg->pct[MPAM_CG_BW_MIN] =
		min(mpam_cg_steps_to_pct(cls, MPAM_CG_BW_MIN, steps[MPAM_CG_BW_MIN]),
		    cfg->pct[MPAM_CG_BW_MAX]);
	return 0;
}

/*
 * Compute the settings of @x's own partition into @x->next from its own
 * lines and its share, and the shares of its sharers; where @x runs under
 * an ancestor's regulator, its settings are that regulator's.  Returns
 * -ENOSPC if a partition would be left without a portion or an internal
 * PARTID, or a limit has no room for every partition below it, else
 * whether every portion bitmap fit (0) or one fell back to the
 * ancestor's (1).
 */
static int mpam_cg_divide(struct mpam_cg *x)
{
	struct mpam_cg_config *up = mpam_cg_is_root(x) ? NULL :
				    x->owner_up->nest;
	const struct mpam_cg_line *v;
	struct mpam_cg_class *cls;
	struct mpam_cg_line own;
	int ret, fell_back = 0;
	unsigned int i, n;

	for_each_mpam_class(cls) {
		for (i = 0; i < cls->nr_comps; i++) {
			n = cls->comp_base + i;
			if (cls->regulators) {
				struct mpam_cg *r = mpam_cg_regulator(x, cls, i);

				ret = mpam_cg_pick_reg(x, cls, n);
				if (ret < 0)
					return ret;
				if (r != x) {
					mpam_cg_config_copy(cls, &x->next[n], &r->next[n]);
					mpam_cg_config_copy(cls, &x->nest[n], &r->nest[n]);
					continue;
				}
			}
			v = mpam_cg_own_line(x, cls, i, &own);
			mpam_cg_config_init(cls, &x->next[n]);
			ret = mpam_cg_divide_portion(x, up, cls, n, v);
			if (ret < 0)
				return ret;
			fell_back |= ret;
			ret = mpam_cg_divide_pcts(x, cls, n, v);
			if (ret < 0)
				return ret;
		}
	}
	return fell_back;
}

/*
 * Recompute the settings of every partition in the tree of partitions
 * below @top (an owner) into their ->next.  Nothing is programmed.
 * Returns -ENOSPC if some partition has no room, -EINVAL if exclusive
 * claims do not agree.
 */
static int mpam_cg_recompute(struct mpam_cg *top)
{
	struct mpam_cg *pos;
	int ret;

	if (mpam_cg_is_root(top)) {
		ret = mpam_cg_collect_claims(top);
		if (ret)
			return ret;
	}
	for (pos = top; pos; pos = mpam_cg_next_owner(pos, top)) {
		ret = mpam_cg_divide(pos);
		if (ret < 0)
			return ret;
		pos->next_fell_back = ret;
	}
	return 0;
}

static bool mpam_cg_config_equal(struct mpam_cg_class *cls,
				 const struct mpam_cg_config *a,
				 const struct mpam_cg_config *b)
{
	if (mpam_cg_has_ctrl(cls, MPAM_CG_PORTION) &&
	    !bitmap_equal(a->portion, b->portion, cls->portions))
		return false;
	return !memcmp(a->pct, b->pct, sizeof(a->pct));
}

/* Does @next let the partition use no more than @cur anywhere? */
static bool mpam_cg_config_tighter(struct mpam_cg_class *cls,
				   const struct mpam_cg_config *next,
				   const struct mpam_cg_config *cur)
{
	if (mpam_cg_has_ctrl(cls, MPAM_CG_PORTION) &&
	    !bitmap_subset(next->portion, cur->portion, cls->portions))
		return false;
	return next->pct[MPAM_CG_CMAX] <= cur->pct[MPAM_CG_CMAX] &&
	       next->pct[MPAM_CG_BW_MAX] <= cur->pct[MPAM_CG_BW_MAX] &&
	       next->pct[MPAM_CG_BW_MIN] <= cur->pct[MPAM_CG_BW_MIN];
}

/*
 * Program component @i of @cls for @pos in pass @pass of mpam_cg_program():
 * its configuration where it changed and, in the first pass, only took
 * away or is a new regulator's (no PARTID is mapped onto it yet); in the
 * second, the internal PARTID its PARTID is mapped onto.
 */
static int mpam_cg_program_one(struct mpam_cg *pos, struct mpam_cg_class *cls,
			       unsigned int i, int pass)
{
	unsigned int n = cls->comp_base + i;
	struct mpam_cg_config *next = &pos->next[n], *eff = &pos->eff[n];
	struct mpam_cg *r;
	bool fresh = false;
	u16 id = pos->own_id;
	int err;

	if (cls->regulators) {
		r = mpam_cg_regulator(pos, cls, i);
		if (pass == 1) {
			if (pos->mapped[n] == r->next_reg[n])
				return 0;
			err = mpam_cg_hw->ops->map(cls, i, pos->own_id,
						   r->next_reg[n]);
			if (!err)
				pos->mapped[n] = r->next_reg[n];
			return err;
		}
		if (r != pos) {
			/* What the regulator it runs under holds. */
			if (pass == 2)
				mpam_cg_config_copy(cls, eff, next);
			return 0;
		}
		fresh = pos->reg[n] != pos->next_reg[n];
		id = pos->next_reg[n];
	} else if (pass == 1) {
		return 0;
	}
	if (fresh) {
		if (pass)
			return 0;
	} else if (mpam_cg_config_equal(cls, next, eff) ||
		   (!pass && !mpam_cg_config_tighter(cls, next, eff))) {
		return 0;
	}
	err = mpam_cg_hw->ops->apply(cls, i, id, next);
	if (err)
		return err;
	mpam_cg_config_copy(cls, eff, next);
	if (fresh)
		pos->reg[n] = id;
	return 0;
}

/* Free the internal PARTIDs the partitions below @top no longer use. */
static void mpam_cg_put_old_regs(struct mpam_cg *top)
{
	struct mpam_cg_class *cls;
	struct mpam_cg *pos;
	unsigned int i, n;

	for (pos = top; pos; pos = mpam_cg_next_owner(pos, top)) {
		for_each_mpam_class(cls) {
			for (i = 0; cls->regulators && i < cls->nr_comps; i++) {
				n = cls->comp_base + i;
				if (pos->reg[n] > 0 && pos->next_reg[n] < 0) {
					ida_free(&mpam_cg_hw->regs[n], pos->reg[n]);
					pos->reg[n] = -1;
				}
			}
		}
	}
}

/*
 * Program what mpam_cg_recompute() left in ->next for the partitions below
 * @top, where it differs from what the hardware holds: the changes that
 * only take away and new regulators first, then the PARTIDs onto internal
 * ones, then the rest, so that a subtree never has more than its limit
 * while the others are programmed.  Returns the first error; ->eff still
 * says what the hardware holds.
 */
static int mpam_cg_program(struct mpam_cg *top)
{
	struct mpam_cg_class *cls;
	struct mpam_cg *pos;
	unsigned int i;
	int pass, err;

	for (pass = 0; pass < 3; pass++) {
		for (pos = top; pos; pos = mpam_cg_next_owner(pos, top)) {
			for_each_mpam_class(cls) {
				for (i = 0; i < cls->nr_comps; i++) {
					err = mpam_cg_program_one(pos, cls, i, pass);
					if (err)
						return err;
				}
			}
		}
	}
	mpam_cg_put_old_regs(top);
	/* Each partition whose portion now falls back counts it, once. */
	for (pos = top; pos; pos = mpam_cg_next_owner(pos, top)) {
		if (pos->next_fell_back && !pos->fell_back)
			mpam_cg_event(pos, MPAM_CG_EV_INVALID);
		pos->fell_back = pos->next_fell_back;
	}
	return 0;
}

/* Does @cg regulate every component of every class with regulators? */
static bool mpam_cg_regulates_all(struct mpam_cg *cg)
{
	struct mpam_cg_class *cls;
	unsigned int i;

	for_each_mpam_class(cls) {
		for (i = 0; cls->regulators && i < cls->nr_comps; i++) {
			if (!mpam_cg_regulates(cg, cls, i))
				return false;
		}
	}
	return true;
}

/*
 * The owner whose partitions a change of @cg's settings or ownership
 * moves: its nearest owning ancestor that regulates everywhere (whose
 * limits it divides), or every partition, the default one included, when
 * @cg claims portions or did.
 */
static struct mpam_cg *mpam_cg_top(struct mpam_cg *cg)
{
	if (!list_empty(&cg->claim_node) || mpam_cg_claims(cg)) {
		while (!mpam_cg_is_root(cg))
			cg = parent_mpam(cg);
		return cg;
	}
	if (mpam_cg_is_root(cg))
		return cg;
	for (cg = mpam_cg_owner(parent_mpam(cg)); !mpam_cg_regulates_all(cg);
	     cg = mpam_cg_owner(parent_mpam(cg)))
		;
	return cg;
}

/* Recompute and program below @top; on error ->next is left undefined. */
static int mpam_cg_update(struct mpam_cg *top)
{
	return mpam_cg_recompute(top) ?: mpam_cg_program(top);
}

/* --- monitoring identities ----------------------------------------------- */

/*
 * What the counters of @cg count: its partition whole when it owns one,
 * else its PMG within the partition it runs in; 0 (nothing) while it has
 * no PMG of its own, as while the controller labels no task.
 */
#define MPAM_CG_KEY_VALID	BIT(31)
#define MPAM_CG_KEY_WHOLE	BIT(30)

static u32 mpam_cg_ctr_key(struct mpam_cg *cg)
{
	if (!cg->has_pmg)
		return 0;
	return MPAM_CG_KEY_VALID | (mpam_cg_whole(cg) ? MPAM_CG_KEY_WHOLE : 0) |
	       (u32)cg->partid << 8 | cg->pmg;
}

static struct mpam_cg **mpam_cg_ctr_slot(struct mpam_cg_class *cls,
					 unsigned int comp, unsigned int idx)
{
	return &mpam_cg_hw->ctr_owner[cls->ctr_base +
				      comp * cls->mons[MPAM_CG_MON_BYTES] + idx];
}

static int mpam_cg_bind(struct mpam_cg *cg, struct mpam_cg_class *cls,
			unsigned int comp)
{
	struct mpam_cg_ctr *ctr = &cg->ctrs[cls->comp_base + comp];
	int err;

	if (!cg->ctr_key)
		return 0;
	err = mpam_cg_hw->ops->bind_counter(cls, comp, ctr->idx, cg->partid,
					      cg->pmg, !mpam_cg_whole(cg));
	ctr->bound = !err;
	return err;
}

static void mpam_cg_unbind(struct mpam_cg *cg, struct mpam_cg_class *cls,
			   unsigned int comp)
{
	struct mpam_cg_ctr *ctr = &cg->ctrs[cls->comp_base + comp];

	if (ctr->bound)
		mpam_cg_hw->ops->unbind_counter(cls, comp, ctr->idx);
	ctr->bound = false;
}

/*
 * @cg's identity may have changed: note it, and queue its counters to be
 * bound to the new identity by mpam_cg_apply_rebinds(), which the caller
 * runs once it may sleep (this runs in RCU walks of the hierarchy).
 */
static void mpam_cg_rebind(struct mpam_cg *cg)
{
	u32 key = mpam_cg_ctr_key(cg);

	if (key == cg->ctr_key)
		return;
	cg->ctr_key = key;
	if (cg->ctrs && !cg->rebind_pending) {
		cg->rebind_pending = true;
		list_add_tail(&cg->rebind_node, &mpam_cg_hw->rebinds);
	}
}

static void mpam_cg_cancel_rebind(struct mpam_cg *cg)
{
	if (cg->rebind_pending)
		list_del(&cg->rebind_node);
	cg->rebind_pending = false;
}

static void mpam_cg_rebind_ctrs(struct mpam_cg *cg)
{
	struct mpam_cg_class *cls;
	unsigned int i;

	for_each_mpam_class(cls) {
		for (i = 0; i < cls->nr_comps; i++) {
			if (cg->ctrs[cls->comp_base + i].idx < 0)
				continue;
			mpam_cg_unbind(cg, cls, i);
			if (mpam_cg_bind(cg, cls, i))
				pr_warn_ratelimited("counter %s:%u not bound again\n",
						    cls->name, cls->comp_ids[i]);
		}
	}
}

/*
 * Bind the counters of every cgroup whose identity changed to the new
 * identity.  Counting restarts from zero.  A counter that cannot be bound
 * again stays assigned and reads as unassigned until the next change.
 */
static void mpam_cg_apply_rebinds(void)
{
	struct mpam_cg *cg;

	lockdep_assert_held(&mpam_cg_mutex);
	if (list_empty(&mpam_cg_hw->rebinds))
		return;
	mutex_lock(&mpam_cg_mon_mutex);
	while (!list_empty(&mpam_cg_hw->rebinds)) {
		cg = list_first_entry(&mpam_cg_hw->rebinds, struct mpam_cg,
				      rebind_node);
		mpam_cg_cancel_rebind(cg);
		mpam_cg_rebind_ctrs(cg);
	}
	mutex_unlock(&mpam_cg_mon_mutex);
}

/* --- labels, partitions and PMGs ----------------------------------------- */

static unsigned long *mpam_cg_pmg_map(u16 partid)
{
	return mpam_cg_hw->pmgs + partid * BITS_TO_LONGS(mpam_cg_hw->prov->nr_pmgs);
}

/* Give @task the label of @cg; note its CPU if it is running. */
static void mpam_cg_label_task(struct task_struct *task, struct mpam_cg *cg)
{
	mpam_cg_hw->ops->set_label(task, cg->partid, cg->pmg);
	/*
	 * Pairs with the full barrier __schedule() has between changing
	 * rq->curr and switching to the task, whose label the switch loads:
	 * either the task is seen running and its CPU interrupted, or its
	 * next switch loads the new label.
	 */
	smp_mb();
	if (task_curr(task))
		cpumask_set_cpu(task_cpu(task), &mpam_cg_ipi_mask);
}

/*
 * Exiting tasks too: one whose last thread is in do_exit() still runs,
 * freeing its memory and files, and must not keep a partition that goes.
 */
static void mpam_cg_label_tasks(struct mpam_cg *cg)
{
	struct css_task_iter it;
	struct task_struct *task;

	css_task_iter_start(&cg->css, CSS_TASK_ITER_WITH_DEAD, &it);
	while ((task = css_task_iter_next(&it)))
		mpam_cg_label_task(task, cg);
	css_task_iter_end(&it);
}

/*
 * Has @cg's css a css_set, which a task of it, living or exiting, would
 * pin?  Most cgroups of a big tree have none, and this costs one lock
 * where a task walk costs several.  A task joins a css without one by
 * migration or by a fork into its cgroup (CLONE_INTO_CGROUP), which both
 * link the new css_set under css_set_lock before mpam_cg_attach() or
 * mpam_cg_fork() reads the label: taking the lock orders that read after
 * the label the caller stored.
 */
static bool mpam_cg_has_csets(struct mpam_cg *cg)
{
	struct cgroup *cgrp = cg->css.cgroup;
	bool any;

	spin_lock_irq(&css_set_lock);
	any = !list_empty(&cgrp->e_csets[mpam_cgrp_id]);
	spin_unlock_irq(&css_set_lock);
	return any;
}

/* Store @label for fork to copy, then give it to @cg's tasks. */
static void mpam_cg_set_label(struct mpam_cg *cg, u32 label)
{
	WRITE_ONCE(cg->label, label);
	/* Order the label before fork's second look, see mpam_cg_fork(). */
	smp_mb();
	if (mpam_cg_has_csets(cg))
		mpam_cg_label_tasks(cg);
}

/*
 * Give every task the default label, once every cgroup below @root has
 * it (the caller stored 0 in their labels).  Every task rather than the
 * tasks of each cgroup: attach labels migrated tasks without the mutex
 * and only while the controller is active, so a walk of the cgroups'
 * task lists could miss a task that moves from a cgroup it has not
 * reached to one it has passed, and nothing would label it afterwards.
 */
static void mpam_cg_label_all_default(struct mpam_cg *root)
{
	struct task_struct *g, *t;

	/* Order the cgroups' labels before the tasks', as fork reads them. */
	smp_mb();
	rcu_read_lock();
	for_each_process_thread(g, t)
		mpam_cg_label_task(t, root);
	rcu_read_unlock();
}

/* Make the CPUs that run relabelled tasks load the new labels. */
static void mpam_cg_sync_cpus(void)
{
	if (cpumask_empty(&mpam_cg_ipi_mask))
		return;
	on_each_cpu_mask(&mpam_cg_ipi_mask, mpam_cg_hw->ops->sync_cpu,
			 NULL, true);
	cpumask_clear(&mpam_cg_ipi_mask);
}

/*
 * Does @cg need a monitoring identity of its own?  An owner has one,
 * PMG 0 of its partition.  PMGs are few, so of the others only the
 * members of a shared partition (they have settings of their own), and
 * those that ask for one (mpam.monitor) or hold byte counters or ask for
 * them.  The others are counted within the identity of their parent.
 */
static bool mpam_cg_wants_pmg(struct mpam_cg *cg)
{
	return cg->has_partid || cg->nr_set || cg->monitor || cg->nr_charged ||
	       cg->ctr_asking;
}

static void mpam_cg_put_pmg(struct mpam_cg *cg)
{
	if (cg->has_pmg)
		mpam_cg_limbo_add(cg->partid, cg->pmg);
	cg->has_pmg = false;
}

/*
 * Settle the partition and PMG of @cg from its own state and its parent's,
 * and relabel its tasks if its label changed.  A cgroup that owns a
 * partition monitors through PMG 0 of it; any other that wants one gets a
 * free PMG of the partition it runs in, or shares the PMG of its parent
 * (of the owner, in a shared partition), as those that want none do.
 */
static void mpam_cg_settle(struct mpam_cg *cg)
{
	struct mpam_cg *parent = cg->leader ?: parent_mpam(cg);
	u16 partid = cg->has_partid ? cg->own_id : parent->partid;
	unsigned long *map;
	int pmg, first;
	u32 label;

	if (cg->has_pmg && cg->partid == partid && mpam_cg_wants_pmg(cg))
		goto label;
	mpam_cg_put_pmg(cg);
	cg->partid = partid;
	if (!mpam_cg_wants_pmg(cg)) {
		cg->no_pmg = false;
		goto label;
	}
	map = mpam_cg_pmg_map(partid);
	/* An owner monitors through PMG 0 unless it took a partition over. */
	first = cg->has_partid ? 0 : 1;
	pmg = find_next_zero_bit(map, mpam_cg_hw->prov->nr_pmgs, first);
	if (pmg >= mpam_cg_hw->prov->nr_pmgs)
		pmg = mpam_cg_limbo_take(partid, first);
	if (pmg >= 0) {
		set_bit(pmg, map);
		cg->has_pmg = true;
		cg->pmg = pmg;
		cg->no_pmg = false;
	} else {
		cg->pmg = parent->pmg;
		/* Once when it starts to share, not at every look. */
		if (!cg->no_pmg)
			mpam_cg_event(cg, MPAM_CG_EV_NO_PMG);
		cg->no_pmg = true;
	}
label:
	if (!cg->has_pmg)
		cg->pmg = parent->pmg;
	label = MPAM_CG_LABEL(cg->partid, cg->pmg);
	if (label != cg->label)
		mpam_cg_set_label(cg, label);
	mpam_cg_rebind(cg);
}

/*
 * Settle every online cgroup of @cg's subtree that runs in a partition
 * @cg's change may move it out of, @cg included.  Subtrees below cgroups
 * that own a partition are left alone.
 */
static void mpam_cg_settle_subtree(struct mpam_cg *cg)
{
	struct cgroup_subsys_state *pos;

	mpam_cg_settle(cg);
	rcu_read_lock();
	css_for_each_descendant_pre(pos, &cg->css) {
		struct mpam_cg *d = css_mpam(pos);

		if (d == cg)
			continue;
		if (!READ_ONCE(d->online)) {
			pos = css_rightmost_descendant(pos);
			continue;
		}
		if (d->has_partid) {
			/* Its partition is its own; only its PMG may follow. */
			pos = css_rightmost_descendant(pos);
			continue;
		}
		mpam_cg_settle(d);
	}
	rcu_read_unlock();
}

/* Program the default settings for @partid, which nobody uses any more. */
static void mpam_cg_reset_partid(u16 partid)
{
	struct mpam_cg_config *eff = mpam_cg_eff_alloc();
	struct mpam_cg_class *cls;
	unsigned int i;

	if (!eff) {
		pr_warn_once("no memory to reset PARTID %u\n", partid);
		return;
	}
	for_each_mpam_class(cls) {
		/* There, the PARTID has no configuration: see mpam_cg_put_regs(). */
		for (i = 0; !cls->regulators && i < cls->nr_comps; i++)
			mpam_cg_hw->ops->apply(cls, i, partid,
					       &eff[cls->comp_base + i]);
	}
	kfree(eff);
}

/* --- activation ---------------------------------------------------------- */

static struct mpam_cg *mpam_cg_root(void)
{
	return css_mpam(init_css_set.subsys[mpam_cgrp_id]);
}

/*
 * Start labelling: take the hardware from its other users, then give every
 * cgroup its partition and PMG and every task its cgroup's label.  Done on
 * the first setting write rather than at registration so that a system
 * that uses resctrl instead, with the controller built in, sees no task
 * relabelled behind resctrl's back.
 */
static int mpam_cg_activate(void)
{
	const struct mpam_cg_ops *ops = mpam_cg_hw->ops;
	struct cgroup_subsys_state *pos;
	struct mpam_cg *root = mpam_cg_root();
	int err;

	lockdep_assert_held(&mpam_cg_mutex);
	if (mpam_cg_active)
		return 0;
	err = ops->acquire ? ops->acquire() : 0;
	if (err)
		return err;
	/*
	 * Forks label their children from now on, before the walk: a child
	 * copies its parent's old label and may be linked after the walk
	 * passed its cgroup.  A fork that still missed this is on its
	 * cgroup's task list before the walk looks.
	 */
	WRITE_ONCE(mpam_cg_fork_ops, ops);
	WRITE_ONCE(mpam_cg_active, true);
	/* Order them before the walk's looks at the task lists. */
	smp_mb();
	rcu_read_lock();
	css_for_each_descendant_pre(pos, &root->css) {
		struct mpam_cg *cg = css_mpam(pos);

		if (cg != root && READ_ONCE(cg->online))
			mpam_cg_settle(cg);
	}
	rcu_read_unlock();
	mpam_cg_sync_cpus();
	mpam_cg_apply_rebinds();
	return 0;
}

/*
 * The last setting went: give every task the default label back and stop
 * labelling, so that resctrl can be used again.
 */
static void mpam_cg_maybe_deactivate(void)
{
	struct cgroup_subsys_state *pos;
	struct mpam_cg *root = mpam_cg_root();

	lockdep_assert_held(&mpam_cg_mutex);
	if (!mpam_cg_active || mpam_cg_hw->nr_parts || root->nr_set ||
	    mpam_cg_hw->nr_ctrs_used || mpam_cg_hw->nr_monitor)
		return;
	rcu_read_lock();
	css_for_each_descendant_pre(pos, &root->css) {
		struct mpam_cg *cg = css_mpam(pos);

		if (cg == root)
			continue;
		mpam_cg_put_pmg(cg);
		cg->no_pmg = false;
		cg->partid = 0;
		cg->pmg = 0;
		cg->ctr_key = 0;
		WRITE_ONCE(cg->label, 0);
	}
	rcu_read_unlock();
	mpam_cg_label_all_default(root);
	/*
	 * Every task has the default label: from now on a fork gives its
	 * child the label of the parent as it is then, which a child whose
	 * fork began before the walk did not copy.
	 */
	smp_store_release(&mpam_cg_active, false);
	mpam_cg_limbo_flush();
	mpam_cg_sync_cpus();
	if (mpam_cg_hw->ops->release)
		mpam_cg_hw->ops->release();
}

/* --- setting files ------------------------------------------------------- */

static struct mpam_cg_class *mpam_cg_find_class(const char *name)
{
	struct mpam_cg_class *cls;

	for_each_mpam_class(cls) {
		if (!strcmp(cls->name, name))
			return cls;
	}
	return NULL;
}

static int mpam_cg_find_comp(struct mpam_cg_class *cls, const char *id)
{
	unsigned int i;
	u32 val;

	if (kstrtou32(id, 10, &val))
		return -EINVAL;
	for (i = 0; i < cls->nr_comps; i++) {
		if (cls->comp_ids[i] == val)
			return i;
	}
	return -EINVAL;
}

/* A parsed write to a setting file. */
struct mpam_cg_req {
	struct mpam_cg_class *cls;
	int comp;			/* -1: the class-wide line */
	bool remove;			/* "default": drop the line's value */
	int delta;			/* change in the controls set */
	u16 pct;
	unsigned long *portion;		/* scratch, cls->portions wide */
};

static int mpam_cg_parse_portion(struct mpam_cg_class *cls, const char *s,
				 unsigned long *bits)
{
	unsigned int first, last;

	if (!strcmp(s, "max")) {
		bitmap_fill(bits, cls->portions);
		return 0;
	}
	if (bitmap_parse(s, strlen(s), bits, cls->portions))
		return -EINVAL;
	if (bitmap_empty(bits, cls->portions))
		return -EINVAL;
	if (cls->contiguous) {
		first = find_first_bit(bits, cls->portions);
		last = find_last_bit(bits, cls->portions);
		if (bitmap_weight(bits, cls->portions) != last - first + 1)
			return -EINVAL;
	}
	return 0;
}

/*
 * A percentage: "max", or a number from the lowest of @ctrl to 100 with
 * at most two decimals ("20", "12.5", "13.40"), in hundredths.
 */
static int mpam_cg_parse_pct(int ctrl, const char *s, u16 *pct)
{
	unsigned int val = 0, decimals = 0;

	if (!strcmp(s, "max")) {
		*pct = MPAM_CG_PCT_ALL;
		return 0;
	}
	if (!isdigit(*s))
		return -EINVAL;
	for (; isdigit(*s) && val <= MPAM_CG_PCT_ALL; s++)
		val = val * 10 + (*s - '0') * MPAM_CG_PCT_1;
	if (*s == '.') {
		for (s++; isdigit(*s) && decimals < 2; s++, decimals++)
			val += (*s - '0') * (decimals ? 1 : 10);
		if (!decimals)
			return -EINVAL;
	}
	if (*s || val < mpam_cg_pct_lowest(ctrl) || val > MPAM_CG_PCT_ALL)
		return -EINVAL;
	*pct = val;
	return 0;
}

/*
 * Split "<class>[:<id>] <value>", the line of every per-component file,
 * into the class, the component (-1: the class-wide line) and the value.
 * Changes nothing.
 */
static int mpam_cg_parse_key(char *buf, struct mpam_cg_class **cls, int *comp,
			     char **val)
{
	char *key, *id;

	buf = strstrip(buf);
	key = strsep(&buf, " \t");
	*val = buf ? skip_spaces(buf) : NULL;
	if (!key || !*key || !*val || !**val || strpbrk(*val, " \t\n"))
		return -EINVAL;
	id = strchr(key, ':');
	if (id)
		*id++ = '\0';
	*cls = mpam_cg_find_class(key);
	if (!*cls)
		return -EINVAL;
	*comp = id ? mpam_cg_find_comp(*cls, id) : -1;
	return id && *comp < 0 ? -EINVAL : 0;
}

/*
 * Parse a line of setting @ctrl into @req, whose ->portion points to a
 * bitmap wide enough for any class.  Changes nothing.
 */
static int mpam_cg_parse_line(int ctrl, char *buf, struct mpam_cg_req *req)
{
	char *val;
	int err;

	err = mpam_cg_parse_key(buf, &req->cls, &req->comp, &val);
	if (err)
		return err;
	if (!mpam_cg_has_ctrl(req->cls, ctrl))
		return -EINVAL;
	req->remove = !strcmp(val, "default");
	if (req->remove)
		return 0;
	if (ctrl == MPAM_CG_PORTION || ctrl == MPAM_CG_EXCLUSIVE)
		return mpam_cg_parse_portion(req->cls, val, req->portion);
	return mpam_cg_parse_pct(ctrl, val, &req->pct);
}

/* Does @val of @cls hold the unrestricted value of @ctrl? */
static bool mpam_cg_line_unrestricted(struct mpam_cg_class *cls,
				      struct mpam_cg_line *val, int ctrl)
{
	if (ctrl == MPAM_CG_EXCLUSIVE)
		return false;	/* claiming every portion is still a claim */
	if (ctrl == MPAM_CG_PORTION)
		return bitmap_full(val->portion, cls->portions);
	return val->pct[ctrl] == mpam_cg_pct_unrestricted(ctrl);
}

/*
 * Store @req in @line.  A class-wide line holding the unrestricted value
 * is the same as no line.  Returns the change in the number of controls
 * set.
 */
static int mpam_cg_line_store(int ctrl, struct mpam_cg_req *req,
			      struct mpam_cg_line *line)
{
	bool was = line->set & BIT(ctrl);

	if (ctrl == MPAM_CG_PORTION && !req->remove)
		bitmap_copy(line->portion, req->portion, req->cls->portions);
	else if (ctrl == MPAM_CG_EXCLUSIVE && !req->remove)
		bitmap_copy(line->exclusive, req->portion, req->cls->portions);
	else if (!req->remove)
		line->pct[ctrl] = req->pct;

	if (req->remove || (req->comp < 0 &&
			    mpam_cg_line_unrestricted(req->cls, line, ctrl)))
		line->set &= ~BIT(ctrl);
	else
		line->set |= BIT(ctrl);
	return !!(line->set & BIT(ctrl)) - was;
}

/* Allocate what a write to @cls of @cg may need.  Changes nothing visible. */
static int mpam_cg_prepare(struct mpam_cg *cg, struct mpam_cg_class *cls)
{
	if (!cg->lines) {
		cg->lines = kcalloc(mpam_cg_hw->nr_classes, sizeof(*cg->lines),
				    GFP_KERNEL);
		if (!cg->lines)
			return -ENOMEM;
		cg->nr_lines = mpam_cg_hw->nr_classes;
	}
	if (!cg->lines[cls->index]) {
		cg->lines[cls->index] = mpam_cg_lines_alloc(cls);
		if (!cg->lines[cls->index])
			return -ENOMEM;
	}
	return mpam_cg_alloc_eff(cg);
}

static void mpam_cg_take_partid(struct mpam_cg *cg, u16 partid)
{
	cg->has_partid = true;
	cg->own_id = partid;
	mpam_cg_link_owner(cg);
	mpam_cg_hw->nr_parts++;
}

static void mpam_cg_drop_partid(struct mpam_cg *cg)
{
	cg->has_partid = false;
	mpam_cg_unlink_owner(cg);
	mpam_cg_hw->nr_parts--;
}

/* Reset and free the PARTID @cg had, in which no task runs any more. */
static void mpam_cg_free_partid(struct mpam_cg *cg)
{
	mpam_cg_put_regs(cg);
	mpam_cg_reset_partid(cg->own_id);
	mpam_cg_reset_eff(cg);
	mpam_cg_release_partid(cg, cg->own_id);
}

/* Relabel the subtree of @cg, whose partition changed. */
static void mpam_cg_move_tasks(struct mpam_cg *cg)
{
	mpam_cg_settle_subtree(cg);
	mpam_cg_sync_cpus();
	mpam_cg_apply_rebinds();
}

/*
 * Carry a change of @cg's lines to the hardware and the tasks: @cg gains
 * the partition @partid (if >= 0) or loses its own (@lose).  A new
 * partition and the smaller shares of its neighbours are programmed
 * before any task runs in it; a partition that goes loses its tasks
 * before its neighbours' shares grow.  On error the partitions are as
 * they were, but for @cg's lines, which the caller restores.
 */
static int mpam_cg_change(struct mpam_cg *cg, int partid, bool lose)
{
	struct mpam_cg *top = mpam_cg_top(cg);
	int err;

	if (partid >= 0)
		mpam_cg_take_partid(cg, partid);
	else if (lose)
		mpam_cg_drop_partid(cg);
	err = mpam_cg_recompute(top);
	if (!err && !lose)
		err = mpam_cg_program(top);
	if (err) {
		if (partid >= 0) {
			mpam_cg_drop_partid(cg);
			mpam_cg_put_regs(cg);
			mpam_cg_reset_partid(partid);
			mpam_cg_reset_eff(cg);
		} else if (lose) {
			mpam_cg_take_partid(cg, cg->own_id);
		}
		return err;
	}
	if (partid < 0 && !lose)
		return 0;
	mpam_cg_move_tasks(cg);
	if (lose) {
		/* The setting is gone: an error is the provider's to report. */
		mpam_cg_program(top);
		mpam_cg_free_partid(cg);
	}
	return 0;
}

/* --- shared partitions --------------------------------------------------- */

/* A member of a shared partition has a share name and settings. */
static bool mpam_cg_is_member(struct mpam_cg *cg)
{
	return cg->share_name && cg->nr_set;
}

static bool mpam_cg_line_equal(struct mpam_cg_class *cls,
			       const struct mpam_cg_line *a,
			       const struct mpam_cg_line *b)
{
	unsigned long set = a ? a->set : 0;
	int ctrl;

	if (set != (b ? b->set : 0))
		return false;
	for (ctrl = 0; ctrl < MPAM_CG_NR_CTRLS; ctrl++) {
		if (!(set & BIT(ctrl)))
			continue;
		if (ctrl == MPAM_CG_PORTION ?
		    !bitmap_equal(a->portion, b->portion, cls->portions) :
		    a->pct[ctrl] != b->pct[ctrl])
			return false;
	}
	return true;
}

/* Do @a and @b have the same share name and the same lines? */
static bool mpam_cg_same_share(struct mpam_cg *a, struct mpam_cg *b)
{
	struct mpam_cg_class *cls;
	int i;

	if (!a->share_name != !b->share_name ||
	    (a->share_name && strcmp(a->share_name, b->share_name)))
		return false;
	for_each_mpam_class(cls) {
		for (i = -1; i < (int)cls->nr_comps; i++) {
			if (!mpam_cg_line_equal(cls, mpam_cg_get_line(a, cls, i),
						mpam_cg_get_line(b, cls, i)))
				return false;
		}
	}
	return true;
}

/*
 * The owner of a shared partition that @cg, a member, may join: one with
 * the same name and settings below the same limits.
 */
static struct mpam_cg *mpam_cg_find_share(struct mpam_cg *cg)
{
	struct mpam_cg *up = mpam_cg_owner(parent_mpam(cg)), *pos;

	list_for_each_entry(pos, &up->owners, owner_node) {
		if (pos != cg && mpam_cg_is_member(pos) &&
		    mpam_cg_same_share(pos, cg))
			return pos;
	}
	return NULL;
}

/*
 * Would @cg, taking a partition below @up, put some members of a shared
 * partition below its limits and others not?
 */
static bool mpam_cg_splits_share(struct mpam_cg *cg)
{
	struct mpam_cg *up = mpam_cg_owner(parent_mpam(cg)), *owner, *m;

	list_for_each_entry(owner, &up->owners, owner_node) {
		bool in = mpam_cg_below(owner, cg);

		list_for_each_entry(m, &owner->members, member_node) {
			/* @cg itself, a member that is leaving its share. */
			if (m != cg && mpam_cg_below(m, cg) != in)
				return true;
		}
	}
	return false;
}

/*
 * A shared partition is a leaf of the tree of partitions, with every
 * member below the same limits: nothing below a member has settings, no
 * member claims portions, and no cgroup takes a partition between some
 * members and their limits.
 */
static int mpam_cg_check_share(struct mpam_cg *cg)
{
	struct cgroup_subsys_state *pos;
	struct mpam_cg *a;
	int err = 0;

	if (!cg->nr_set)
		return 0;
	for (a = parent_mpam(cg); a; a = parent_mpam(a)) {
		if (mpam_cg_is_member(a))
			return -EBUSY;
	}
	if (!mpam_cg_is_member(cg))
		return cg->has_partid || !mpam_cg_splits_share(cg) ? 0 : -EBUSY;
	if (mpam_cg_claims(cg))
		return -EINVAL;
	rcu_read_lock();
	css_for_each_descendant_pre(pos, &cg->css) {
		if (pos != &cg->css && css_mpam(pos)->nr_set) {
			err = -EBUSY;
			break;
		}
	}
	rcu_read_unlock();
	return err;
}

/* @cg runs in the shared partition of @owner from now on. */
static void mpam_cg_join(struct mpam_cg *cg, struct mpam_cg *owner)
{
	cg->leader = owner;
	list_add_tail(&cg->member_node, &owner->members);
	/* The owner no longer counts its partition whole. */
	mpam_cg_rebind(owner);
}

static void mpam_cg_leave(struct mpam_cg *cg)
{
	struct mpam_cg *owner = cg->leader;

	list_del_init(&cg->member_node);
	cg->leader = NULL;
	mpam_cg_rebind(owner);
}

/*
 * Give the shared partition @cg owns to @to, one of its members, which
 * takes @cg's place in the tree of partitions, the hardware state and the
 * charge.  Nothing is programmed and no task changes partitions.
 */
static void mpam_cg_pass(struct mpam_cg *cg, struct mpam_cg *to)
{
	struct mpam_cg *m;

	list_del_init(&to->member_node);
	to->leader = NULL;
	list_splice_init(&cg->members, &to->members);
	list_for_each_entry(m, &to->members, member_node)
		m->leader = to;
	swap(cg->eff, to->eff);
	swap(cg->next, to->next);
	swap(cg->nest, to->nest);
	swap(cg->share, to->share);
	/* The internal PARTIDs it regulates with and is mapped onto. */
	swap(cg->reg, to->reg);
	swap(cg->next_reg, to->next_reg);
	swap(cg->mapped, to->mapped);
	swap(cg->part_misc, to->part_misc);
	to->own_id = cg->own_id;
	to->has_partid = true;
	cg->has_partid = false;
	list_replace_init(&cg->owner_node, &to->owner_node);
	to->owner_up = cg->owner_up;
	cg->owner_up = NULL;
	mpam_cg_rebind(to);
}

/*
 * Settle the cgroups of a shared partition @owner now owns: the PMG some
 * shared with the owner before it may have gone.
 */
static void mpam_cg_settle_share(struct mpam_cg *owner)
{
	struct mpam_cg *m;

	mpam_cg_settle_subtree(owner);
	list_for_each_entry(m, &owner->members, member_node)
		mpam_cg_settle_subtree(m);
	mpam_cg_sync_cpus();
	mpam_cg_apply_rebinds();
}

static struct mpam_cg *mpam_cg_heir(struct mpam_cg *cg)
{
	return list_first_entry_or_null(&cg->members, struct mpam_cg,
					member_node);
}

/*
 * Put @cg, whose lines or share name changed, in the partition they ask
 * for: none, its own, or the shared partition of a member with the same
 * name and settings below the same limits.  A shared partition its owner
 * leaves goes to another member.  On error, every cgroup runs where it
 * did and the caller restores @cg's lines.
 */
static int mpam_cg_place(struct mpam_cg *cg)
{
	struct mpam_cg *was = cg->leader, *heir = mpam_cg_heir(cg), *to = NULL;
	int partid = -1, err;

	err = mpam_cg_check_share(cg);
	if (err)
		return err;
	if ((was && mpam_cg_same_share(cg, was)) ||
	    (heir && mpam_cg_same_share(cg, heir)))
		return was ? 0 : mpam_cg_change(cg, -1, false);
	if (mpam_cg_is_member(cg))
		to = mpam_cg_find_share(cg);
	if (was)
		mpam_cg_leave(cg);
	if (heir) {
		mpam_cg_pass(cg, heir);
		mpam_cg_settle_share(heir);
	}

	if (to) {
		mpam_cg_join(cg, to);
		if (cg->has_partid)
			err = mpam_cg_change(cg, -1, true);
		else
			mpam_cg_move_tasks(cg);
	} else if (cg->nr_set) {
		if (!cg->has_partid) {
			partid = mpam_cg_alloc_partid(cg);
			err = min(partid, 0);
		}
		if (!err)
			err = mpam_cg_change(cg, partid, false);
		if (err && partid >= 0)
			mpam_cg_release_partid(cg, partid);
	} else if (cg->has_partid) {
		err = mpam_cg_change(cg, -1, true);
	} else if (was || heir) {
		mpam_cg_move_tasks(cg);
	}
	if (err) {
		if (to)
			mpam_cg_leave(cg);
		if (heir) {
			mpam_cg_join(cg, heir);
			mpam_cg_pass(heir, cg);
			mpam_cg_settle_share(cg);
		}
		if (was)
			mpam_cg_join(cg, was);
	}
	mpam_cg_apply_rebinds();
	return err;
}

/* After a change that failed: the partitions as the lines say, and count. */
static void mpam_cg_undo(struct mpam_cg *cg, int err)
{
	if (mpam_cg_active)
		mpam_cg_update(mpam_cg_top(cg));
	if (err == -ENOSPC)
		mpam_cg_event(cg, MPAM_CG_EV_NOSPC);
}

/* --- writes to the setting files ----------------------------------------- */

/* Parse a write to setting @ctrl of @cg and store it in the line it names. */
static int mpam_cg_store(struct mpam_cg *cg, int ctrl, char *buf,
			 struct mpam_cg_req *req, struct mpam_cg_line *saved)
{
	struct mpam_cg_line *line;
	int err;

	err = mpam_cg_parse_line(ctrl, buf, req);
	if (err)
		return err;
	err = mpam_cg_prepare(cg, req->cls);
	if (err)
		return err;
	line = mpam_cg_get_line(cg, req->cls, req->comp);
	saved->set = line->set;
	memcpy(saved->pct, line->pct, sizeof(saved->pct));
	bitmap_copy(saved->portion, line->portion, req->cls->portions);
	bitmap_copy(saved->exclusive, line->exclusive, req->cls->portions);
	req->delta = mpam_cg_line_store(ctrl, req, line);
	return 0;
}

static void mpam_cg_restore(struct mpam_cg *cg, struct mpam_cg_req *req,
			    const struct mpam_cg_line *saved)
{
	struct mpam_cg_line *line = mpam_cg_get_line(cg, req->cls, req->comp);

	line->set = saved->set;
	memcpy(line->pct, saved->pct, sizeof(line->pct));
	bitmap_copy(line->portion, saved->portion, req->cls->portions);
	bitmap_copy(line->exclusive, saved->exclusive, req->cls->portions);
	cg->nr_set -= req->delta;
}

static int mpam_cg_write(struct mpam_cg *cg, int ctrl, char *buf)
{
	struct mpam_cg_req req = {};
	struct mpam_cg_line saved;
	bool root = mpam_cg_is_root(cg);
	size_t longs;
	int err;

	cpus_read_lock();
	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_hw) {
		err = mpam_cg_gone(cg);
		goto out_unlock;
	}
	longs = BITS_TO_LONGS(mpam_cg_hw->max_portions);
	req.portion = mpam_cg_hw->scratch;
	saved.portion = req.portion + longs;
	saved.exclusive = req.portion + 2 * longs;
	bitmap_zero(req.portion, mpam_cg_hw->max_portions);

	err = mpam_cg_store(cg, ctrl, buf, &req, &saved);
	if (err)
		goto out_deactivate;
	cg->nr_set += req.delta;
	/* While nobody has settings, a write that sets nothing needs nothing. */
	if (!mpam_cg_active)
		err = req.delta > 0 ? mpam_cg_activate() : -EALREADY;
	if (!err)
		err = root ? mpam_cg_change(cg, -1, false) : mpam_cg_place(cg);
	if (err) {
		mpam_cg_restore(cg, &req, &saved);
		mpam_cg_undo(cg, err);
		err = err == -EALREADY ? 0 : err;
	}
out_deactivate:
	mpam_cg_maybe_deactivate();
out_unlock:
	mutex_unlock(&mpam_cg_mutex);
	cpus_read_unlock();
	return err;
}

static ssize_t mpam_cg_setting_write(struct kernfs_open_file *of, char *buf,
				     size_t nbytes, loff_t off)
{
	int err = mpam_cg_write(css_mpam(of_css(of)), of_cft(of)->private, buf);

	return err ?: nbytes;
}

static void mpam_cg_print_line(struct seq_file *sf, struct mpam_cg_class *cls,
			       int ctrl, struct mpam_cg_line *val)
{
	if (!val || !(val->set & BIT(ctrl)))
		seq_puts(sf, mpam_cg_ctrl_is_min(ctrl) ? "0\n" : "max\n");
	else if (ctrl == MPAM_CG_PORTION)
		seq_printf(sf, "%*pb\n", cls->portions, val->portion);
	else if (ctrl == MPAM_CG_EXCLUSIVE)
		seq_printf(sf, "%*pb\n", cls->portions, val->exclusive);
	else
		seq_printf(sf, "%u.%02u\n", val->pct[ctrl] / MPAM_CG_PCT_1,
			   val->pct[ctrl] % MPAM_CG_PCT_1);
}

/* The key of component @comp of @cls in every per-component file. */
static void mpam_cg_print_key(struct seq_file *sf, struct mpam_cg_class *cls,
			      unsigned int comp)
{
	seq_printf(sf, "%s:%u", cls->name, cls->comp_ids[comp]);
}

static int mpam_cg_setting_show(struct seq_file *sf, void *v)
{
	struct mpam_cg *cg = css_mpam(seq_css(sf));
	int ctrl = seq_cft(sf)->private;
	struct mpam_cg_class *cls;
	struct mpam_cg_line *val;
	unsigned int i;
	int err;

	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_can_show(cg, &err))
		goto out;
	for_each_mpam_class(cls) {
		if (!mpam_cg_has_ctrl(cls, ctrl))
			continue;
		val = mpam_cg_get_line(cg, cls, -1);
		/* No claim is no line: there is no "all" to print. */
		if (ctrl != MPAM_CG_EXCLUSIVE || (val && val->set & BIT(ctrl))) {
			seq_printf(sf, "%s ", cls->name);
			mpam_cg_print_line(sf, cls, ctrl, val);
		}
		for (i = 0; i < cls->nr_comps; i++) {
			val = mpam_cg_get_line(cg, cls, i);
			if (!val || !(val->set & BIT(ctrl)))
				continue;
			mpam_cg_print_key(sf, cls, i);
			seq_putc(sf, ' ');
			mpam_cg_print_line(sf, cls, ctrl, val);
		}
	}
out:
	mutex_unlock(&mpam_cg_mutex);
	return err;
}

static int mpam_cg_set_share(struct mpam_cg *cg, char *buf)
{
	char *name = NULL, *was;
	size_t len;
	int err = 0;

	buf = strstrip(buf);
	len = strlen(buf);
	if (len >= MPAM_CG_SHARE_LEN || strspn(buf, MPAM_CG_SHARE_CHARS) != len)
		return -EINVAL;
	if (len) {
		name = kstrdup(buf, GFP_KERNEL);
		if (!name)
			return -ENOMEM;
	}
	cpus_read_lock();
	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_hw) {
		err = mpam_cg_gone(cg);
		goto out;
	}
	was = cg->share_name;
	cg->share_name = name;
	/* Without settings, a share name is kept for when they come. */
	if (cg->nr_set)
		err = mpam_cg_place(cg);
	if (err) {
		cg->share_name = was;
		mpam_cg_undo(cg, err);
	} else {
		name = was;
	}
out:
	mutex_unlock(&mpam_cg_mutex);
	cpus_read_unlock();
	kfree(name);
	return err;
}

static ssize_t mpam_cg_share_write(struct kernfs_open_file *of, char *buf,
				   size_t nbytes, loff_t off)
{
	return mpam_cg_set_share(css_mpam(of_css(of)), buf) ?: nbytes;
}

static int mpam_cg_share_show(struct seq_file *sf, void *v)
{
	struct mpam_cg *cg = css_mpam(seq_css(sf));
	int err;

	mutex_lock(&mpam_cg_mutex);
	if (mpam_cg_can_show(cg, &err))
		seq_printf(sf, "%s\n", cg->share_name ?: "");
	mutex_unlock(&mpam_cg_mutex);
	return err;
}

/* --- byte counters ------------------------------------------------------- */

/*
 * Give back the counter of @cg on component @comp of @cls, if any.  The
 * counters change under both mutexes.
 */
static void mpam_cg_put_ctr(struct mpam_cg *cg, struct mpam_cg_class *cls,
			    unsigned int comp)
{
	struct mpam_cg_ctr *ctr = cg->ctrs ? &cg->ctrs[cls->comp_base + comp] :
					     NULL;

	lockdep_assert_held(&mpam_cg_mon_mutex);
	if (!ctr || ctr->idx < 0)
		return;
	mpam_cg_unbind(cg, cls, comp);
	*mpam_cg_ctr_slot(cls, comp, ctr->idx) = NULL;
	ctr->idx = -1;
	mpam_cg_hw->nr_ctrs_used--;
	mpam_cg_uncharge_ctr(cg);
}

/*
 * Assign a free counter of component @comp of @cls to @cg and bind it.
 * -ENOSPC if the component has none free.
 */
static int mpam_cg_get_ctr(struct mpam_cg *cg, struct mpam_cg_class *cls,
			   unsigned int comp)
{
	struct mpam_cg_ctr *ctr = &cg->ctrs[cls->comp_base + comp];
	unsigned int idx;
	int err;

	lockdep_assert_held(&mpam_cg_mon_mutex);
	if (ctr->idx >= 0)
		return 0;
	for (idx = 0; idx < cls->mons[MPAM_CG_MON_BYTES]; idx++) {
		if (!*mpam_cg_ctr_slot(cls, comp, idx))
			break;
	}
	if (idx == cls->mons[MPAM_CG_MON_BYTES])
		return -ENOSPC;
	err = mpam_cg_charge_ctr(cg);
	if (err)
		return err;
	ctr->idx = idx;
	err = mpam_cg_bind(cg, cls, comp);
	if (err) {
		ctr->idx = -1;
		mpam_cg_uncharge_ctr(cg);
		return err;
	}
	*mpam_cg_ctr_slot(cls, comp, idx) = cg;
	mpam_cg_hw->nr_ctrs_used++;
	return 0;
}

static void mpam_cg_put_ctrs(struct mpam_cg *cg)
{
	struct mpam_cg_class *cls;
	unsigned int i;

	mpam_cg_cancel_rebind(cg);
	if (!cg->ctrs)
		return;
	mutex_lock(&mpam_cg_mon_mutex);
	for_each_mpam_class(cls) {
		for (i = 0; i < cls->nr_comps; i++)
			mpam_cg_put_ctr(cg, cls, i);
	}
	kfree(cg->ctrs);
	cg->ctrs = NULL;
	mutex_unlock(&mpam_cg_mon_mutex);
	cg->ctr_key = 0;
}

/* Read the bytes @cg's counter of @comp has seen; -ENOSPC if it has none. */
static int mpam_cg_read_ctr(struct mpam_cg *cg, struct mpam_cg_class *cls,
			    unsigned int comp, u64 *val)
{
	struct mpam_cg_ctr *ctr = cg->ctrs ? &cg->ctrs[cls->comp_base + comp] :
					     NULL;

	lockdep_assert_held(&mpam_cg_mon_mutex);
	if (!ctr || ctr->idx < 0 || !ctr->bound)
		return -ENOSPC;
	return mpam_cg_hw->ops->read_counter(cls, comp, ctr->idx, val);
}

/* Read every bound counter, so that the provider sees every overflow. */
static void mpam_cg_poll_ctrs(void)
{
	struct mpam_cg_class *cls;
	unsigned int i, idx;
	struct mpam_cg *cg;
	u64 val;

	lockdep_assert_held(&mpam_cg_mon_mutex);
	for_each_mpam_class(cls) {
		if (!cls->poll_ms)
			continue;
		for (i = 0; i < cls->nr_comps; i++) {
			for (idx = 0; idx < cls->mons[MPAM_CG_MON_BYTES]; idx++) {
				cg = *mpam_cg_ctr_slot(cls, i, idx);
				if (cg)
					mpam_cg_read_ctr(cg, cls, i, &val);
			}
		}
	}
}

static void mpam_cg_poll(struct work_struct *work)
{
	mutex_lock(&mpam_cg_mon_mutex);
	if (mpam_cg_hw && mpam_cg_hw->nr_ctrs_used && mpam_cg_hw->poll_ms) {
		mpam_cg_poll_ctrs();
		schedule_delayed_work(&mpam_cg_poll_work,
				      msecs_to_jiffies(mpam_cg_hw->poll_ms));
	}
	mutex_unlock(&mpam_cg_mon_mutex);
}

static int mpam_cg_counters_show(struct seq_file *sf, void *v)
{
	struct mpam_cg *cg = css_mpam(seq_css(sf));
	struct mpam_cg_class *cls;
	unsigned int i;
	int err;

	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_can_show(cg, &err))
		goto out;
	for_each_mpam_class(cls) {
		if (!cls->mons[MPAM_CG_MON_BYTES])
			continue;
		for (i = 0; i < cls->nr_comps; i++) {
			mpam_cg_print_key(sf, cls, i);
			seq_printf(sf, " %s\n", cg->ctrs &&
				   cg->ctrs[cls->comp_base + i].idx >= 0 ? "on" : "off");
		}
	}
out:
	mutex_unlock(&mpam_cg_mutex);
	return err;
}

/*
 * Assign @cg a counter on each component named (@comp, or every one of
 * @cls: -1) that it has none on, all or none: -ENOSPC, and a no_monitor
 * event, if one is missing.
 */
static int mpam_cg_assign_ctrs(struct mpam_cg *cg, struct mpam_cg_class *cls,
			       int comp)
{
	int first = comp < 0 ? 0 : comp;
	int last = comp < 0 ? cls->nr_comps - 1 : comp, i, err = 0;
	struct mpam_cg_ctr *ctrs;
	unsigned long *had;

	if (!cg->ctrs) {
		ctrs = kcalloc(mpam_cg_hw->nr_comps, sizeof(*ctrs), GFP_KERNEL);
		if (!ctrs)
			return -ENOMEM;
		for (i = 0; i < mpam_cg_hw->nr_comps; i++)
			ctrs[i].idx = -1;
		mutex_lock(&mpam_cg_mon_mutex);
		cg->ctrs = ctrs;
		mutex_unlock(&mpam_cg_mon_mutex);
	}
	had = bitmap_zalloc(cls->nr_comps, GFP_KERNEL);
	if (!had)
		return -ENOMEM;
	/*
	 * Counters count identities: every cgroup needs one, and its PMG,
	 * which the descendants that share its identity then carry too.
	 */
	err = mpam_cg_activate();
	if (err)
		goto out;
	cg->ctr_asking = true;
	mpam_cg_settle_subtree(cg);
	mpam_cg_sync_cpus();
	mpam_cg_apply_rebinds();
	mutex_lock(&mpam_cg_mon_mutex);
	for (i = first; i <= last && !err; i++) {
		if (cg->ctrs[cls->comp_base + i].idx >= 0)
			set_bit(i, had);
		else
			err = mpam_cg_get_ctr(cg, cls, i);
	}
	if (err) {
		if (err == -ENOSPC)
			mpam_cg_event(cg, MPAM_CG_EV_NO_MONITOR);
		/* Give back what this write took, the one that failed excepted. */
		for (i -= 2; i >= first; i--) {
			if (!test_bit(i, had))
				mpam_cg_put_ctr(cg, cls, i);
		}
	} else if (mpam_cg_hw->nr_ctrs_used && mpam_cg_hw->poll_ms) {
		schedule_delayed_work(&mpam_cg_poll_work,
				      msecs_to_jiffies(mpam_cg_hw->poll_ms));
	}
	mutex_unlock(&mpam_cg_mon_mutex);
out:
	bitmap_free(had);
	return err;
}

/* "<class>[:<id>] on|off" to mpam.counters of @cg. */
static int mpam_cg_set_counters(struct mpam_cg *cg, char *buf)
{
	struct mpam_cg_class *cls;
	int comp, i, err;
	char *val;

	cpus_read_lock();
	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_hw) {
		err = mpam_cg_gone(cg);
		goto out;
	}
	err = mpam_cg_parse_key(buf, &cls, &comp, &val);
	if (!err && (!cls->mons[MPAM_CG_MON_BYTES] ||
		     (strcmp(val, "on") && strcmp(val, "off"))))
		err = -EINVAL;
	if (err)
		goto out;
	if (!strcmp(val, "on")) {
		err = mpam_cg_assign_ctrs(cg, cls, comp);
	} else {
		mutex_lock(&mpam_cg_mon_mutex);
		for (i = 0; i < cls->nr_comps; i++) {
			if (comp < 0 || comp == i)
				mpam_cg_put_ctr(cg, cls, i);
		}
		mutex_unlock(&mpam_cg_mon_mutex);
	}
	cg->ctr_asking = false;
	/* Without counters it may need no identity of its own any more. */
	if (cg->has_pmg && !mpam_cg_wants_pmg(cg))
		mpam_cg_move_tasks(cg);
	mpam_cg_maybe_deactivate();
out:
	mutex_unlock(&mpam_cg_mutex);
	cpus_read_unlock();
	return err;
}

static ssize_t mpam_cg_counters_write(struct kernfs_open_file *of, char *buf,
				      size_t nbytes, loff_t off)
{
	int err = mpam_cg_set_counters(css_mpam(of_css(of)), buf);

	return err ?: nbytes;
}

/* --- read-only files ----------------------------------------------------- */

static void mpam_cg_print_config(struct seq_file *sf, struct mpam_cg_class *cls,
				 const struct mpam_cg_config *cfg)
{
	int i;

	if (mpam_cg_has_ctrl(cls, MPAM_CG_PORTION))
		seq_printf(sf, " portion=%*pb", cls->portions, cfg->portion);
	for (i = 0; i < MPAM_CG_NR_CTRLS; i++) {
		if (mpam_cg_ctrl_is_pct(i) && mpam_cg_has_ctrl(cls, i))
			seq_printf(sf, " %s=%u.%02u", mpam_cg_pct_ctrls[i].key,
				   cfg->pct[i] / MPAM_CG_PCT_1,
				   cfg->pct[i] % MPAM_CG_PCT_1);
	}
	seq_putc(sf, '\n');
}

static int mpam_cg_partition_show(struct seq_file *sf, void *v)
{
	struct mpam_cg *cg = css_mpam(seq_css(sf)), *owner;
	struct mpam_cg_class *cls;
	unsigned int i;
	int err;

	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_can_show(cg, &err))
		goto out;
	owner = mpam_cg_part(cg);
	seq_printf(sf, "partid %u\npmg %u\nmode %s\n", cg->partid, cg->pmg,
		   cg->has_partid ? "own" : cg->leader ? "member" :
		   mpam_cg_is_root(owner) ? "default" : "shared");
	for_each_mpam_class(cls) {
		for (i = 0; i < cls->nr_comps; i++) {
			unsigned int n = cls->comp_base + i;

			mpam_cg_print_key(sf, cls, i);
			/* The regulator it runs under, shared with any other */
			if (cls->regulators)
				seq_printf(sf, " intpartid=%d", owner->mapped[n]);
			mpam_cg_print_config(sf, cls, &owner->eff[n]);
		}
	}
out:
	mutex_unlock(&mpam_cg_mutex);
	return err;
}

/*
 * What the hardware enforces for a percentage @pct of @ctrl, in hundredths
 * of a percent: the steps the provider programs for it.
 */
static u32 mpam_cg_pct_enforced(struct mpam_cg_class *cls, int ctrl, u16 pct)
{
	u32 total = mpam_cg_steps_total(cls, ctrl);
	u32 steps = mpam_cg_ctrl_is_min(ctrl) && !pct ? 0 :
		    mpam_cg_pct_to_steps(cls, ctrl, pct);

	return steps * MPAM_CG_PCT_ALL / total;
}

/*
 * mpam.<control>.effective: per component, what the hardware enforces for
 * the partition the cgroup runs in, after its ancestors' limits and their
 * division.
 */
static int mpam_cg_effective_show(struct seq_file *sf, void *v)
{
	struct mpam_cg *cg = css_mpam(seq_css(sf)), *owner;
	int ctrl = seq_cft(sf)->private;
	struct mpam_cg_class *cls;
	unsigned int i;
	u32 val;
	int err;

	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_can_show(cg, &err))
		goto out;
	owner = mpam_cg_part(cg);
	for_each_mpam_class(cls) {
		if (!mpam_cg_has_ctrl(cls, ctrl))
			continue;
		for (i = 0; i < cls->nr_comps; i++) {
			struct mpam_cg_config *cfg = &owner->eff[cls->comp_base + i];

			mpam_cg_print_key(sf, cls, i);
			seq_putc(sf, ' ');
			if (ctrl == MPAM_CG_PORTION) {
				seq_printf(sf, "%*pb\n", cls->portions,
					   cfg->portion);
				continue;
			}
			val = mpam_cg_pct_enforced(cls, ctrl, cfg->pct[ctrl]);
			seq_printf(sf, "%u.%02u\n", val / MPAM_CG_PCT_1,
				   val % MPAM_CG_PCT_1);
		}
	}
out:
	mutex_unlock(&mpam_cg_mutex);
	return err;
}

/* Is the identity of @d counted by reading a partition below @top whole? */
static bool mpam_cg_counted(struct mpam_cg *d, struct mpam_cg *top)
{
	struct mpam_cg *owner = mpam_cg_part(d);

	return mpam_cg_whole(owner) && mpam_cg_below(owner, top);
}

/*
 * Statistics are read in two steps.  Under mpam_cg_mutex, held for no
 * hardware access, the monitoring identities of the subtree are listed
 * (mpam_cg_list_ids()).  Then the hardware is read without it, one
 * identity at a time under mpam_cg_mon_mutex: a writer, fork or a
 * migration never waits for a reader, a writer that binds counters for
 * one hardware read at most.  A read that overlaps a change may count
 * the subtree as it was or as it is.
 *
 * Occupancy is a level that the provider samples with a borrowed monitor,
 * which it may have to wait for to settle: a sample of an identity serves
 * every read for MPAM_CG_SAMPLE_MS, however many readers loop.
 */
#define MPAM_CG_SAMPLE_MS	100

struct mpam_cg_id {
	struct mpam_cg *cg;	/* a reference held */
	u32 key;		/* as mpam_cg_ctr_key() */
	u16 partid;
	u8 pmg;
	bool whole;
};

struct mpam_cg_ids {
	struct mpam_cg_hw *hw;
	unsigned int nr;
	struct mpam_cg_id id[] __counted_by(nr);
};

/*
 * Walk the identities that @cg's subtree is counted by, storing them in
 * @ids if not NULL; return how many there are.  A partition only its
 * owner's subtree runs in is read whole, any PMG; every other identity
 * of the subtree once, by its PMG, unless a partition read whole counts
 * it.
 */
static unsigned int mpam_cg_walk_ids(struct mpam_cg *cg,
				     struct mpam_cg_ids *ids)
{
	struct cgroup_subsys_state *pos;
	unsigned int nr = 0;

	rcu_read_lock();
	css_for_each_descendant_pre(pos, &cg->css) {
		struct mpam_cg *d = css_mpam(pos);
		bool whole = mpam_cg_whole(d);

		if (!d->online && d != cg) {
			pos = css_rightmost_descendant(pos);
			continue;
		}
		if (d != cg && !whole &&
		    (!d->has_pmg || mpam_cg_counted(d, cg)))
			continue;
		if (ids) {
			if (nr == ids->nr || !css_tryget(&d->css))
				continue;
			ids->id[nr] = (struct mpam_cg_id) {
				.cg = d,
				.key = mpam_cg_ctr_key(d),
				.partid = d->partid,
				.pmg = d->pmg,
				.whole = whole,
			};
		}
		nr++;
	}
	rcu_read_unlock();
	return nr;
}

static void mpam_cg_put_ids(struct mpam_cg_ids *ids)
{
	unsigned int i;

	for (i = 0; i < ids->nr; i++)
		css_put(&ids->id[i].cg->css);
	kvfree(ids);
}

/* The identities of @cg's subtree as they are now. */
static struct mpam_cg_ids *mpam_cg_list_ids(struct mpam_cg *cg)
{
	unsigned int nr = mpam_cg_walk_ids(cg, NULL);
	struct mpam_cg_ids *ids;

	lockdep_assert_held(&mpam_cg_mutex);
	ids = kvzalloc(struct_size(ids, id, nr), GFP_KERNEL);
	if (!ids)
		return NULL;
	ids->hw = mpam_cg_hw;
	ids->nr = nr;
	ids->nr = mpam_cg_walk_ids(cg, ids);
	return ids;
}

/* The occupancy of @id on @comp, from its last sample if recent enough. */
static int mpam_cg_sample(struct mpam_cg_id *id, struct mpam_cg_class *cls,
			  unsigned int comp, u64 *val)
{
	struct mpam_cg *d = id->cg;
	struct mpam_cg_sample *s;
	int err;

	lockdep_assert_held(&mpam_cg_mon_mutex);
	if (!d->samples) {
		d->samples = kcalloc(mpam_cg_hw->nr_comps, sizeof(*s),
				     GFP_KERNEL);
		if (!d->samples)
			return -ENOMEM;
	}
	s = &d->samples[cls->comp_base + comp];
	if (s->key == id->key &&
	    time_before(jiffies, s->when + msecs_to_jiffies(MPAM_CG_SAMPLE_MS))) {
		*val = s->val;
		return 0;
	}
	err = mpam_cg_hw->ops->read_occupancy(cls, comp, id->partid, id->pmg,
					       !id->whole, val);
	if (err)
		return err;
	*s = (struct mpam_cg_sample) {
		.key = id->key,
		.when = jiffies,
		.val = *val,
	};
	return 0;
}

/*
 * Add the monitor @mon of component @comp over the identities @ids to
 * *@sum.  Returns -ENOSPC if some identity has no counter assigned,
 * -EBUSY if a monitor had no value ready, -ENODEV if the provider went,
 * or another error of the provider.  Called without the mutexes, inside
 * mpam_cg_srcu.
 */
static int mpam_cg_sum_ids(struct mpam_cg_ids *ids, struct mpam_cg_class *cls,
			   unsigned int comp, enum mpam_cg_mon mon, u64 *sum)
{
	unsigned int i;
	int err = 0;
	u64 val;

	*sum = 0;
	for (i = 0; i < ids->nr && !err; i++) {
		mutex_lock(&mpam_cg_mon_mutex);
		if (mpam_cg_hw != ids->hw)
			err = -ENODEV;
		else if (mon == MPAM_CG_MON_BYTES)
			err = mpam_cg_read_ctr(ids->id[i].cg, cls, comp, &val);
		else
			err = mpam_cg_sample(&ids->id[i], cls, comp, &val);
		mutex_unlock(&mpam_cg_mon_mutex);
		if (!err)
			*sum += val;
	}
	return err;
}

/*
 * What mpam.stat.state says of a figure of mpam.stat: there (ok), or left
 * out because the cgroup has no monitoring identity of its own (shared),
 * because a byte counter is missing (unassigned), or because a monitor
 * was not ready when read (not_ready).
 */
enum mpam_cg_fig {
	MPAM_CG_FIG_OK,
	MPAM_CG_FIG_SHARED,
	MPAM_CG_FIG_UNASSIGNED,
	MPAM_CG_FIG_NOT_READY,
	MPAM_CG_NR_FIGS
};

static const char * const mpam_cg_fig_names[MPAM_CG_NR_FIGS] = {
	[MPAM_CG_FIG_OK] = "ok",
	[MPAM_CG_FIG_SHARED] = "shared",
	[MPAM_CG_FIG_UNASSIGNED] = "unassigned",
	[MPAM_CG_FIG_NOT_READY] = "not_ready",
};

/*
 * The longest mpam.stat or mpam.stat.state can be: a line per component
 * of a class with monitors, each value at most 20 characters.
 */
static size_t mpam_cg_stat_size(struct mpam_cg_hw *hw)
{
	struct mpam_cg_class *cls;
	size_t line, size = 0;
	int mon;

	for_each_hw_class(hw, cls) {
		line = strlen(cls->name) + sizeof(":4294967295\n");
		for (mon = 0; mon < MPAM_CG_NR_MONS; mon++) {
			if (cls->mons[mon])
				line += strlen(mpam_cg_mon_names[mon]) +
					sizeof(" =18446744073709551615");
		}
		size += line * cls->nr_comps;
	}
	return size;
}

/* Monitor @mon of component @comp over @ids: *@val if *@fig says ok. */
static int mpam_cg_figure(struct mpam_cg_ids *ids, struct mpam_cg_class *cls,
			  unsigned int comp, enum mpam_cg_mon mon, u64 *val,
			  enum mpam_cg_fig *fig)
{
	int err;

	if (!ids->nr) {
		*fig = MPAM_CG_FIG_SHARED;
		return 0;
	}
	err = mpam_cg_sum_ids(ids, cls, comp, mon, val);
	switch (err) {
	case 0:
		*fig = MPAM_CG_FIG_OK;
		return 0;
	case -ENOSPC:
		*fig = MPAM_CG_FIG_UNASSIGNED;
		return 0;
	case -EBUSY:
		*fig = MPAM_CG_FIG_NOT_READY;
		return 0;
	}
	return err;
}

/*
 * mpam.stat: the figures there are, numbers only, and no line for a
 * component without any; mpam.stat.state (@state): every figure's state.
 */
static int mpam_cg_stat_print(struct seq_file *sf, struct mpam_cg_ids *ids,
			      bool state)
{
	enum mpam_cg_fig fig[MPAM_CG_NR_MONS];
	u64 val[MPAM_CG_NR_MONS];
	struct mpam_cg_class *cls;
	unsigned int i;
	int mon, err;
	bool any;

	for_each_hw_class(ids->hw, cls) {
		for (i = 0; i < cls->nr_comps; i++) {
			any = false;
			for (mon = 0; mon < MPAM_CG_NR_MONS; mon++) {
				if (!cls->mons[mon])
					continue;
				err = mpam_cg_figure(ids, cls, i, mon, &val[mon],
						     &fig[mon]);
				if (err)
					return err;
				any |= state || fig[mon] == MPAM_CG_FIG_OK;
			}
			if (!any)
				continue;
			mpam_cg_print_key(sf, cls, i);
			for (mon = 0; mon < MPAM_CG_NR_MONS; mon++) {
				if (!cls->mons[mon])
					continue;
				if (state)
					seq_printf(sf, " %s=%s", mpam_cg_mon_names[mon],
						   mpam_cg_fig_names[fig[mon]]);
				else if (fig[mon] == MPAM_CG_FIG_OK)
					seq_printf(sf, " %s=%llu", mpam_cg_mon_names[mon],
						   val[mon]);
			}
			seq_putc(sf, '\n');
		}
	}
	return 0;
}

static int mpam_cg_stat_read(struct seq_file *sf, struct mpam_cg *cg,
			     bool state)
{
	struct mpam_cg_ids *ids = NULL;
	int idx, err;

	idx = srcu_read_lock(&mpam_cg_srcu);
	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_can_show(cg, &err))
		goto unlock;
	/*
	 * Let seq_file find a buffer that fits before reading anything, so
	 * that it never calls again for a bigger one and reads twice.
	 */
	if (sf->size - sf->count < mpam_cg_stat_size(mpam_cg_hw)) {
		seq_commit(sf, -1);
		goto unlock;
	}
	ids = cg->has_pmg ? mpam_cg_list_ids(cg) :
			    kzalloc_obj(*ids);
	if (!ids)
		err = -ENOMEM;
	else
		ids->hw = mpam_cg_hw;
unlock:
	mutex_unlock(&mpam_cg_mutex);
	if (ids) {
		err = mpam_cg_stat_print(sf, ids, state);
		mpam_cg_put_ids(ids);
	}
	srcu_read_unlock(&mpam_cg_srcu, idx);
	return err;
}

static int mpam_cg_stat_show(struct seq_file *sf, void *v)
{
	return mpam_cg_stat_read(sf, css_mpam(seq_css(sf)), false);
}

static int mpam_cg_stat_state_show(struct seq_file *sf, void *v)
{
	return mpam_cg_stat_read(sf, css_mpam(seq_css(sf)), true);
}

static void mpam_cg_events_print(struct seq_file *sf, atomic64_t *events)
{
	int i;

	for (i = 0; i < MPAM_CG_NR_EVENTS; i++)
		seq_printf(sf, "%s %lld\n", mpam_cg_event_names[i],
			   (s64)atomic64_read(&events[i]));
}

static int mpam_cg_events_show(struct seq_file *sf, void *v)
{
	mpam_cg_events_print(sf, css_mpam(seq_css(sf))->events);
	return 0;
}

static int mpam_cg_events_local_show(struct seq_file *sf, void *v)
{
	mpam_cg_events_print(sf, css_mpam(seq_css(sf))->events_local);
	return 0;
}

static int mpam_cg_capacity_show(struct seq_file *sf, void *v)
{
	struct mpam_cg_class *cls;
	int err, ctrl, mon;
	unsigned int i;

	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_can_show(css_mpam(seq_css(sf)), &err))
		goto out;
	for_each_mpam_class(cls) {
		for (i = 0; i < cls->nr_comps; i++) {
			mpam_cg_print_key(sf, cls, i);
			if (cls->comp_bytes && cls->comp_bytes[i])
				seq_printf(sf, " size=%llu", cls->comp_bytes[i]);
			if (mpam_cg_has_ctrl(cls, MPAM_CG_PORTION))
				seq_printf(sf, " portions=%u", cls->portions);
			/* A percentage control: the steps the hardware has. */
			for (ctrl = 0; ctrl < MPAM_CG_NR_CTRLS; ctrl++) {
				if (mpam_cg_ctrl_is_pct(ctrl) &&
				    mpam_cg_has_ctrl(cls, ctrl))
					seq_printf(sf, " %s.steps=%u",
						   mpam_cg_pct_ctrls[ctrl].key,
						   mpam_cg_steps_total(cls, ctrl));
			}
			for (mon = 0; mon < MPAM_CG_NR_MONS; mon++)
				seq_printf(sf, " %s=%u", mpam_cg_mon_names[mon],
					   cls->mons[mon]);
			seq_printf(sf, " regulators=%u\n", cls->regulators);
		}
	}
out:
	mutex_unlock(&mpam_cg_mutex);
	return err;
}

static int mpam_cg_ids_show(struct seq_file *sf, void *v)
{
	int err;

	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_can_show(css_mpam(seq_css(sf)), &err))
		goto out;
	/* The default partition, and one PARTID per partition below. */
	seq_printf(sf, "partids %u\npmgs %u\npartids_used %u\n",
		   mpam_cg_hw->prov->nr_partids, mpam_cg_hw->prov->nr_pmgs,
		   1 + mpam_cg_hw->nr_parts);
	seq_printf(sf, "partids_limbo %u\npmgs_limbo %u\n",
		   mpam_cg_hw->nr_limbo[0], mpam_cg_hw->nr_limbo[1]);
out:
	mutex_unlock(&mpam_cg_mutex);
	return err;
}

static int mpam_cg_monitor_show(struct seq_file *sf, void *v)
{
	seq_printf(sf, "%d\n", READ_ONCE(css_mpam(seq_css(sf))->monitor));
	return 0;
}

/*
 * mpam.monitor: @on asks for a monitoring identity of its own, so that
 * mpam.stat has the cgroup's figures; !@on gives it back.
 */
static int mpam_cg_set_monitor(struct mpam_cg *cg, bool on)
{
	int err = 0;

	cpus_read_lock();
	mutex_lock(&mpam_cg_mutex);
	if (!mpam_cg_hw) {
		err = mpam_cg_gone(cg);
		goto out;
	}
	if (cg->monitor == on)
		goto out;
	if (on) {
		/* An identity labels tasks, as a first setting does. */
		err = mpam_cg_activate();
		if (err)
			goto out;
	}
	WRITE_ONCE(cg->monitor, on);
	mpam_cg_hw->nr_monitor += on ? 1 : -1;
	mpam_cg_move_tasks(cg);
	mpam_cg_maybe_deactivate();
out:
	mutex_unlock(&mpam_cg_mutex);
	cpus_read_unlock();
	return err;
}

static ssize_t mpam_cg_monitor_write(struct kernfs_open_file *of, char *buf,
				     size_t nbytes, loff_t off)
{
	unsigned int val;

	if (kstrtouint(strstrip(buf), 10, &val) || val > 1)
		return -EINVAL;
	return mpam_cg_set_monitor(css_mpam(of_css(of)), val) ?: nbytes;
}

static int mpam_cg_limbo_show(struct seq_file *sf, void *v)
{
	seq_printf(sf, "%llu\n", READ_ONCE(mpam_cg_limbo_bytes));
	return 0;
}

static ssize_t mpam_cg_limbo_write(struct kernfs_open_file *of, char *buf,
				   size_t nbytes, loff_t off)
{
	u64 val;

	if (kstrtou64(strstrip(buf), 10, &val))
		return -EINVAL;
	WRITE_ONCE(mpam_cg_limbo_bytes, val);
	return nbytes;
}

static struct cftype mpam_cg_files[] = {
	{
		.name = "cache.portion",
		.flags = CFTYPE_NOT_ON_ROOT,
		.private = MPAM_CG_PORTION,
		.seq_show = mpam_cg_setting_show,
		.write = mpam_cg_setting_write,
	},
	{
		.name = "cache.max",
		.flags = CFTYPE_NOT_ON_ROOT,
		.private = MPAM_CG_CMAX,
		.seq_show = mpam_cg_setting_show,
		.write = mpam_cg_setting_write,
	},
	{
		.name = "bw.max",
		.flags = CFTYPE_NOT_ON_ROOT,
		.private = MPAM_CG_BW_MAX,
		.seq_show = mpam_cg_setting_show,
		.write = mpam_cg_setting_write,
	},
	{
		.name = "bw.min",
		.flags = CFTYPE_NOT_ON_ROOT,
		.private = MPAM_CG_BW_MIN,
		.seq_show = mpam_cg_setting_show,
		.write = mpam_cg_setting_write,
	},
	{
		.name = "cache.portion.exclusive",
		.flags = CFTYPE_NOT_ON_ROOT,
		.private = MPAM_CG_EXCLUSIVE,
		.seq_show = mpam_cg_setting_show,
		.write = mpam_cg_setting_write,
	},
	{
		.name = "share",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = mpam_cg_share_show,
		.write = mpam_cg_share_write,
	},
	{
		.name = "cache.portion.effective",
		.private = MPAM_CG_PORTION,
		.seq_show = mpam_cg_effective_show,
	},
	{
		.name = "cache.max.effective",
		.private = MPAM_CG_CMAX,
		.seq_show = mpam_cg_effective_show,
	},
	{
		.name = "bw.max.effective",
		.private = MPAM_CG_BW_MAX,
		.seq_show = mpam_cg_effective_show,
	},
	{
		.name = "bw.min.effective",
		.private = MPAM_CG_BW_MIN,
		.seq_show = mpam_cg_effective_show,
	},
	{
		.name = "counters",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = mpam_cg_counters_show,
		.write = mpam_cg_counters_write,
	},
	{
		.name = "partition",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = mpam_cg_partition_show,
	},
	{
		.name = "stat",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = mpam_cg_stat_show,
	},
	{
		.name = "stat.state",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = mpam_cg_stat_state_show,
	},
	{
		.name = "monitor",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = mpam_cg_monitor_show,
		.write = mpam_cg_monitor_write,
	},
	{
		.name = "events",
		.flags = CFTYPE_NOT_ON_ROOT,
		.file_offset = offsetof(struct mpam_cg, events_file),
		.seq_show = mpam_cg_events_show,
	},
	{
		.name = "events.local",
		.flags = CFTYPE_NOT_ON_ROOT,
		.file_offset = offsetof(struct mpam_cg, events_local_file),
		.seq_show = mpam_cg_events_local_show,
	},
	{
		.name = "capacity",
		.flags = CFTYPE_ONLY_ON_ROOT,
		.seq_show = mpam_cg_capacity_show,
	},
	{
		.name = "ids",
		.flags = CFTYPE_ONLY_ON_ROOT,
		.seq_show = mpam_cg_ids_show,
	},
	{
		.name = "limbo.threshold",
		.flags = CFTYPE_ONLY_ON_ROOT,
		.seq_show = mpam_cg_limbo_show,
		.write = mpam_cg_limbo_write,
	},
	{ }	/* terminate */
};

/* --- cgroup callbacks ---------------------------------------------------- */

static void mpam_cg_init(struct mpam_cg *cg)
{
	INIT_LIST_HEAD(&cg->owners);
	INIT_LIST_HEAD(&cg->owner_node);
	INIT_LIST_HEAD(&cg->claim_node);
	INIT_LIST_HEAD(&cg->members);
	INIT_LIST_HEAD(&cg->member_node);
	cg->owner_up = NULL;
	cg->leader = NULL;
	cg->fell_back = false;
	cg->no_pmg = false;
}

static struct cgroup_subsys_state *
mpam_cg_css_alloc(struct cgroup_subsys_state *parent_css)
{
	struct mpam_cg *cg;

	cg = kzalloc_obj(*cg);
	if (!cg)
		return ERR_PTR(-ENOMEM);
	mpam_cg_init(cg);
	if (!parent_css)
		cg->has_partid = true;	/* the default partition, 0 */
	return &cg->css;
}

static int mpam_cg_css_online(struct cgroup_subsys_state *css)
{
	struct mpam_cg *cg = css_mpam(css);

	mutex_lock(&mpam_cg_mutex);
	WRITE_ONCE(cg->online, true);
	if (mpam_cg_active && !mpam_cg_is_root(cg)) {
		cg->partid = parent_mpam(cg)->partid;
		mpam_cg_settle(cg);
		/* A new cgroup has no tasks yet: nothing to interrupt. */
		cpumask_clear(&mpam_cg_ipi_mask);
	}
	mutex_unlock(&mpam_cg_mutex);
	return 0;
}

static void mpam_cg_css_offline(struct cgroup_subsys_state *css)
{
	struct mpam_cg *cg = css_mpam(css);

	cpus_read_lock();
	mutex_lock(&mpam_cg_mutex);
	WRITE_ONCE(cg->online, false);
	if (mpam_cg_hw) {
		if (cg->monitor)
			mpam_cg_hw->nr_monitor--;
		mpam_cg_put_ctrs(cg);
		mpam_cg_put_pmg(cg);
		if (cg->leader) {
			mpam_cg_leave(cg);
			mpam_cg_apply_rebinds();
		} else if (mpam_cg_heir(cg)) {
			struct mpam_cg *heir = mpam_cg_heir(cg);

			mpam_cg_pass(cg, heir);
			mpam_cg_settle_share(heir);
		} else if (cg->has_partid) {
			struct mpam_cg *top = mpam_cg_top(cg);

			mpam_cg_drop_partid(cg);
			mpam_cg_free_partid(cg);
			/* Fewer partitions: the neighbours' shares grow. */
			mpam_cg_update(top);
		}
		mpam_cg_maybe_deactivate();
	}
	mpam_cg_free_lines(cg);
	mpam_cg_free_eff(cg);
	kfree(cg->share_name);
	cg->share_name = NULL;
	mutex_unlock(&mpam_cg_mutex);
	cpus_read_unlock();
}

static void mpam_cg_css_free(struct cgroup_subsys_state *css)
{
	struct mpam_cg *cg = css_mpam(css);

	mpam_cg_free_lines(cg);
	mpam_cg_free_eff(cg);
	kfree(cg->ctrs);
	kfree(cg->samples);
	kfree(cg->share_name);
	kfree(cg);
}

#ifdef CONFIG_CGROUP_MPAM_DEBUG
static u32 mpam_cg_fork_delay_ms;
static u32 mpam_cg_fork_delay_tgid;

/*
 * Widen the windows of mpam_cg_fork() for the forks of one process, so
 * that the selftests of tools/testing/selftests/mpam can race a relabel
 * or an activation against them every time rather than by chance.
 */
static void mpam_cg_fork_delay(void)
{
	u32 tgid = READ_ONCE(mpam_cg_fork_delay_tgid);

	if (tgid && tgid == task_tgid_nr(current))
		msleep(READ_ONCE(mpam_cg_fork_delay_ms));
}

static int __init mpam_cg_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("mpam_cgroup", NULL);

	debugfs_create_u32("fork_delay_ms", 0600, dir, &mpam_cg_fork_delay_ms);
	debugfs_create_u32("fork_delay_tgid", 0600, dir, &mpam_cg_fork_delay_tgid);
	return 0;
}
late_initcall(mpam_cg_debugfs_init);
#else
static inline void mpam_cg_fork_delay(void) { }
#endif

/*
 * Give @task, already on @cg's task list, @cg's label without the mutex:
 * a relabel of @cg either finds the task on the list, or changed the
 * label before the second look below.
 */
static void mpam_cg_label_linked(const struct mpam_cg_ops *ops,
				 struct task_struct *task, struct mpam_cg *cg)
{
	u32 label;

	do {
		label = READ_ONCE(cg->label);
		mpam_cg_fork_delay();
		ops->set_label(task, MPAM_CG_LABEL_PARTID(label),
			       MPAM_CG_LABEL_PMG(label));
		/* Store the task's label before looking again. */
		smp_mb();
	} while (READ_ONCE(cg->label) != label);
}

/*
 * Label migrated tasks without mpam_cg_mutex: attach runs with
 * cgroup_threadgroup_rwsem held for writing, which every fork waits
 * for, kthreadd's of new workqueue workers included, while a setting
 * write holds the mutex until the provider's work on another CPU ran.
 * Taking the mutex here deadlocked once that CPU's workers all waited
 * for cgroup_mutex, which the migration holds too.
 *
 * The tasks are on their new cgroups' lists already, so fork's protocol
 * applies: while the controller is active, each takes its cgroup's label
 * as in mpam_cg_label_linked(); an activation that this misses finds
 * them on the lists, and a deactivation labels every task in the system
 * (mpam_cg_label_all_default()).  A task running on another CPU is
 * interrupted to load its label, as mpam_cg_label_task() has it noted.
 */
static void mpam_cg_attach(struct cgroup_taskset *tset)
{
	const struct mpam_cg_ops *ops = READ_ONCE(mpam_cg_fork_ops);
	struct cgroup_subsys_state *css;
	struct task_struct *task;

	if (!ops)
		return;
	/* Order the moves before the look, as activation does the reverse. */
	smp_mb();
	/* Pairs with the release in mpam_cg_maybe_deactivate(). */
	if (!smp_load_acquire(&mpam_cg_active))
		return;
	cgroup_taskset_for_each(task, css, tset) {
		mpam_cg_label_linked(ops, task, css_mpam(css));
		if (task_curr(task))
			smp_call_function_single(task_cpu(task), ops->sync_cpu,
						 NULL, true);
	}
}

/*
 * Label a new task, CLONE_INTO_CGROUP included, without the mutex: it is
 * already on its cgroup's task list, so a relabel either sees it or
 * changed the label before the second look below.  Until the controller
 * is first active the child keeps the label it copied from its parent;
 * once it was, and is no longer, the child gets its parent's label as it
 * is now, which the deactivation walk may have changed after the copy.
 */
static void mpam_cg_fork(struct task_struct *task)
{
	const struct mpam_cg_ops *ops = READ_ONCE(mpam_cg_fork_ops);

	if (!ops)
		return;
	/* Pairs with the release in mpam_cg_maybe_deactivate(). */
	if (!smp_load_acquire(&mpam_cg_active)) {
		mpam_cg_fork_delay();
		if (ops->inherit_label)
			ops->inherit_label(task);
		/*
		 * An activation since the look above may have walked past the
		 * child and given it its cgroup's label, which the copy just
		 * undid: look again after the copy, as the walk looks at the
		 * task lists after it set mpam_cg_active.
		 */
		smp_mb();
		if (!READ_ONCE(mpam_cg_active))
			return;
	}
	/*
	 * The child's css_set pins its css, and the child cannot migrate
	 * before its fork ends (cgroup_threadgroup_rwsem).
	 */
	mpam_cg_label_linked(ops, task,
			     css_mpam(task_css_check(task, mpam_cgrp_id, true)));
}

struct cgroup_subsys mpam_cgrp_subsys = {
	.css_alloc	= mpam_cg_css_alloc,
	.css_online	= mpam_cg_css_online,
	.css_offline	= mpam_cg_css_offline,
	.css_free	= mpam_cg_css_free,
	.attach		= mpam_cg_attach,
	.fork		= mpam_cg_fork,
	.dfl_cftypes	= mpam_cg_files,
	.legacy_cftypes	= mpam_cg_files,
	.threaded	= true,
};

/* --- providers ----------------------------------------------------------- */

/* Does @prov give what the core needs? */
static bool mpam_cg_provider_valid(struct mpam_cg_provider *prov)
{
	const struct mpam_cg_ops *ops = prov->ops;
	struct mpam_cg_class *cls;

	if (!prov->nr_partids || prov->nr_partids > BIT(16) ||
	    !prov->nr_pmgs || prov->nr_pmgs > 256 ||
	    !ops || !ops->apply || !ops->read_occupancy || !ops->set_label ||
	    !ops->sync_cpu)
		return false;
	list_for_each_entry(cls, &prov->classes, node) {
		if (!cls->name || !cls->nr_comps || !cls->comp_ids ||
		    (mpam_cg_has_ctrl(cls, MPAM_CG_PORTION) && !cls->portions))
			return false;
		if (cls->mons[MPAM_CG_MON_BYTES] &&
		    (!ops->bind_counter || !ops->unbind_counter ||
		     !ops->read_counter))
			return false;
		if (cls->regulators && (!ops->map || cls->regulators > S16_MAX))
			return false;
	}
	return true;
}

/*
 * Install @hw, or none, for writers and readers of monitors alike.  The
 * samples of the provider that goes are dropped once no reader can take
 * more: the next one's components may be others.
 */
static void mpam_cg_set_hw(struct mpam_cg_hw *hw)
{
	struct cgroup_subsys_state *pos;

	lockdep_assert_held(&mpam_cg_mutex);
	mutex_lock(&mpam_cg_mon_mutex);
	mpam_cg_hw = hw;
	if (!hw) {
		rcu_read_lock();
		css_for_each_descendant_pre(pos, &mpam_cg_root()->css) {
			kfree(css_mpam(pos)->samples);
			css_mpam(pos)->samples = NULL;
		}
		rcu_read_unlock();
	}
	mutex_unlock(&mpam_cg_mon_mutex);
}

static void mpam_cg_hw_free(struct mpam_cg_hw *hw)
{
	struct mpam_cg_limbo *l, *tmp;
	unsigned int i;

	if (!hw)
		return;
	list_for_each_entry_safe(l, tmp, &hw->limbo, node)
		kfree(l);
	ida_destroy(&hw->partids);
	for (i = 0; hw->regs && i < hw->nr_comps; i++)
		ida_destroy(&hw->regs[i]);
	kfree(hw->regs);
	kvfree(hw->pmgs);
	kfree(hw->ctr_owner);
	bitmap_free(hw->scratch);
	kfree(hw);
}

/* The core's state for @prov, whose classes it indexes. */
static struct mpam_cg_hw *mpam_cg_hw_alloc(struct mpam_cg_provider *prov)
{
	struct mpam_cg_hw *hw = kzalloc_obj(*hw);
	struct mpam_cg_class *cls;
	unsigned int i;

	if (!hw)
		return NULL;
	hw->prov = prov;
	hw->ops = prov->ops;
	ida_init(&hw->partids);
	INIT_LIST_HEAD(&hw->rebinds);
	INIT_LIST_HEAD(&hw->claimers);
	INIT_LIST_HEAD(&hw->limbo);
	list_for_each_entry(cls, &prov->classes, node) {
		cls->index = hw->nr_classes++;
		cls->comp_base = hw->nr_comps;
		cls->ctr_base = hw->nr_ctrs;
		hw->nr_comps += cls->nr_comps;
		hw->nr_ctrs += cls->nr_comps * cls->mons[MPAM_CG_MON_BYTES];
		hw->max_portions = max(hw->max_portions, cls->portions);
		hw->has_occupancy |= cls->mons[MPAM_CG_MON_OCCUPANCY] > 0;
		if (cls->mons[MPAM_CG_MON_BYTES] && cls->poll_ms)
			hw->poll_ms = hw->poll_ms ? min(hw->poll_ms, cls->poll_ms) :
						    cls->poll_ms;
	}
	hw->pmgs = kvcalloc(prov->nr_partids * BITS_TO_LONGS(prov->nr_pmgs),
			    sizeof(unsigned long), GFP_KERNEL);
	hw->ctr_owner = kcalloc(max(hw->nr_ctrs, 1U), sizeof(*hw->ctr_owner),
				GFP_KERNEL);
	hw->regs = kcalloc(hw->nr_comps, sizeof(*hw->regs), GFP_KERNEL);
	for (i = 0; hw->regs && i < hw->nr_comps; i++)
		ida_init(&hw->regs[i]);
	hw->scratch = bitmap_zalloc(3 * BITS_TO_LONGS(max(hw->max_portions, 1U)) *
				    BITS_PER_LONG, GFP_KERNEL);
	if (hw->pmgs && hw->ctr_owner && hw->regs && hw->scratch)
		return hw;
	mpam_cg_hw_free(hw);
	return NULL;
}

static bool mpam_cg_has_ctrs(struct mpam_cg *cg)
{
	unsigned int i;

	for (i = 0; cg->ctrs && i < mpam_cg_hw->nr_comps; i++) {
		if (cg->ctrs[i].idx >= 0)
			return true;
	}
	return false;
}

/*
 * Drop every cgroup's settings, partition, PMG and counters, and label
 * every task with the default partition.  After a hardware error
 * (@failed), each cgroup that had settings or counters counts an error.
 */
static void mpam_cg_drop_all(struct mpam_cg *root, bool failed)
{
	struct cgroup_subsys_state *pos;
	struct mpam_cg_class *cls;
	unsigned int i, idx;

	if (failed) {
		rcu_read_lock();
		css_for_each_descendant_pre(pos, &root->css) {
			struct mpam_cg *cg = css_mpam(pos);

			if (cg->nr_set || mpam_cg_has_ctrs(cg))
				mpam_cg_event(cg, MPAM_CG_EV_ERROR);
		}
		rcu_read_unlock();
	}

	/* Counters first: the provider may sleep to give them back. */
	mutex_lock(&mpam_cg_mon_mutex);
	for_each_mpam_class(cls) {
		for (i = 0; i < cls->nr_comps; i++) {
			for (idx = 0; idx < cls->mons[MPAM_CG_MON_BYTES]; idx++) {
				struct mpam_cg *cg = *mpam_cg_ctr_slot(cls, i, idx);

				if (cg)
					mpam_cg_put_ctr(cg, cls, i);
			}
		}
	}
	rcu_read_lock();
	css_for_each_descendant_pre(pos, &root->css) {
		struct mpam_cg *cg = css_mpam(pos);

		mpam_cg_cancel_rebind(cg);
		kfree(cg->ctrs);
		cg->ctrs = NULL;
		cg->ctr_key = 0;
		mpam_cg_free_lines(cg);
		kfree(cg->share_name);
		cg->share_name = NULL;
		if (cg->has_partid && cg != root)
			mpam_cg_uncharge_partid(cg);
		mpam_cg_init(cg);
		cg->has_partid = cg == root;
		cg->has_pmg = false;
		cg->monitor = false;
		cg->partid = 0;
		cg->pmg = 0;
		WRITE_ONCE(cg->label, 0);
	}
	rcu_read_unlock();
	mpam_cg_label_all_default(root);
	mutex_unlock(&mpam_cg_mon_mutex);
	mpam_cg_sync_cpus();

	rcu_read_lock();
	css_for_each_descendant_pre(pos, &root->css)
		mpam_cg_free_eff(css_mpam(pos));
	rcu_read_unlock();
}

/**
 * mpam_cgroup_register() - put hardware behind the controller
 * @prov: the provider, its classes on @prov->classes
 *
 * From now on the controller's files show and program @prov's classes,
 * and every task is labelled through @prov->ops.  There is one provider
 * at a time.  @prov and its classes must stay until
 * mpam_cgroup_unregister(), and @prov->ops for ever.
 *
 * Return: 0, -EBUSY if there is a provider, -EINVAL if @prov makes no
 * sense, -ENOMEM.
 */
int mpam_cgroup_register(struct mpam_cg_provider *prov)
{
	struct mpam_cg *root = mpam_cg_root();
	struct mpam_cg_hw *hw;
	int err = 0;

	if (!mpam_cg_provider_valid(prov))
		return -EINVAL;
	cpus_read_lock();
	mutex_lock(&mpam_cg_mutex);
	if (mpam_cg_hw) {
		err = -EBUSY;
		goto out;
	}
	hw = mpam_cg_hw_alloc(prov);
	mpam_cg_set_hw(hw);
	if (!hw || mpam_cg_alloc_eff(root)) {
		mpam_cg_set_hw(NULL);
		mpam_cg_hw_free(hw);
		err = -ENOMEM;
		goto out;
	}
	mpam_cg_failed = false;
	/* The root runs in the default partition, monitored through PMG 0. */
	root->own_id = 0;
	root->partid = 0;
	root->pmg = 0;
	root->has_pmg = true;
	set_bit(0, mpam_cg_pmg_map(0));
	mpam_cg_set_budgets(prov->nr_partids - 1, hw->nr_ctrs);
	WRITE_ONCE(mpam_cg_limbo_bytes, mpam_cg_limbo_default(hw));
	pr_info("%u PARTIDs, %u PMGs, %u classes\n", prov->nr_partids,
		prov->nr_pmgs, hw->nr_classes);
out:
	mutex_unlock(&mpam_cg_mutex);
	cpus_read_unlock();
	return err;
}

/**
 * mpam_cgroup_unregister() - take the hardware away from the controller
 * @prov: the provider that registered
 * @failed: the hardware failed: the files then fail with ENODEV and count
 *	an error event, until a provider registers again
 *
 * Every setting is dropped, every PARTID freed and every task labelled
 * with the default partition again.  The hardware itself is the
 * provider's to reset.
 */
void mpam_cgroup_unregister(struct mpam_cg_provider *prov, bool failed)
{
	struct mpam_cg_hw *hw;

	cpus_read_lock();
	mutex_lock(&mpam_cg_mutex);
	hw = mpam_cg_hw;
	if (!hw || hw->prov != prov) {
		hw = NULL;
		goto out;
	}
	mpam_cg_drop_all(mpam_cg_root(), failed);
	WRITE_ONCE(mpam_cg_fork_ops, NULL);
	if (mpam_cg_active && hw->ops->release)
		hw->ops->release();
	WRITE_ONCE(mpam_cg_active, false);
	mpam_cg_set_hw(NULL);
	mpam_cg_failed = failed;
	mpam_cg_set_budgets(0, 0);
	pr_info("provider gone: every cgroup back in the default partition\n");
out:
	mutex_unlock(&mpam_cg_mutex);
	cpus_read_unlock();
	/* A poll or limbo look that ran meanwhile found no provider. */
	cancel_delayed_work_sync(&mpam_cg_poll_work);
	cancel_delayed_work_sync(&mpam_cg_limbo_work);
	/* Readers still printing @prov's classes. */
	synchronize_srcu(&mpam_cg_srcu);
	mpam_cg_hw_free(hw);
}

#ifdef CONFIG_CGROUP_MPAM_KUNIT_TEST
#include "mpam_kunit.c"
#endif
