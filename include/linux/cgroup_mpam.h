/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mpam cgroup controller: the interface between the controller core
 * (kernel/cgroup/mpam.c), which knows cgroups, and a provider, which knows
 * the hardware.  See Documentation/admin-guide/cgroup-v2-mpam.rst.
 */
#ifndef _LINUX_CGROUP_MPAM_H
#define _LINUX_CGROUP_MPAM_H

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/types.h>

struct task_struct;

/* The settings a class may have, one file each. */
enum mpam_cg_ctrl {
	MPAM_CG_PORTION,	/* mpam.cache.portion: portion bitmap */
	MPAM_CG_CMAX,		/* mpam.cache.max: percent of capacity */
	MPAM_CG_BW_MAX,		/* mpam.bw.max: percent of bandwidth */
	MPAM_CG_BW_MIN,		/* mpam.bw.min: percent of bandwidth */
	MPAM_CG_NR_CTRLS
};

/* What a class can count, per component. */
enum mpam_cg_mon {
	MPAM_CG_MON_OCCUPANCY,	/* bytes of cache held now */
	MPAM_CG_MON_BYTES,	/* bytes of traffic so far */
	MPAM_CG_NR_MONS
};

/**
 * struct mpam_cg_class - a kind of resource a provider registers
 * @name:	"l2", "l3", "mem", ...: how files name it
 * @ctrls:	bitmap of the enum mpam_cg_ctrl the class has
 * @portions:	width of the portion bitmap, if it has MPAM_CG_PORTION
 * @contiguous:	portion bitmaps must be one run of set bits
 * @pct_bits:	for each percentage control, the width w of the hardware's
 *		fraction: the provider turns a limit of p % into
 *		max(ceil(p * 2^w / 100), 1) steps of 1/2^w and a minimum into
 *		ceil(p * 2^w / 100) steps, at most 2^w - 1.  0: the hardware
 *		takes whole percents (100 steps).  The core divides an
 *		ancestor's limit in these steps.
 * @mons:	number of hardware monitors of each enum mpam_cg_mon; for
 *		MPAM_CG_MON_BYTES, the counters of each component that
 *		mpam.counters assigns to cgroups
 * @poll_ms:	period at which assigned byte counters must be read so
 *		that no more than one overflow goes unseen; 0: never
 * @regulators:	where the class narrows PARTIDs: the number of internal
 *		PARTIDs of each component, which @apply configures and onto
 *		which @map maps the PARTIDs; several PARTIDs mapped onto one
 *		share its limits.  0: every PARTID has a configuration of
 *		its own.
 * @nr_comps:	number of components
 * @comp_ids:	the firmware's ID of each component
 * @comp_bytes:	for a cache, the size of each component in bytes, 0 where
 *		the provider does not know it; NULL for other classes
 * @node:	links the class into &mpam_cg_provider.classes
 *
 * The provider fills in the public fields, which must not change while
 * the class is registered.  A provider embeds the class in a structure
 * of its own to keep what it needs per class.
 */
struct mpam_cg_class {
	const char *name;
	unsigned long ctrls;
	unsigned int portions;
	bool contiguous;
	u8 pct_bits[MPAM_CG_NR_CTRLS];
	unsigned int mons[MPAM_CG_NR_MONS];
	unsigned int poll_ms;
	u16 regulators;
	unsigned int nr_comps;
	const u32 *comp_ids;
	const u64 *comp_bytes;
	struct list_head node;

	/* private: set by mpam_cgroup_register() */
	unsigned int index;
	unsigned int comp_base;		/* its first component over all classes */
	unsigned int ctr_base;		/* its first counter over all classes */
};

/* Does @cls have control @ctrl? */
static inline bool mpam_cg_class_has(const struct mpam_cg_class *cls,
				     enum mpam_cg_ctrl ctrl)
{
	return cls->ctrls & BIT(ctrl);
}

/* A percentage in hundredths: 100 % */
#define MPAM_CG_PCT_ALL		10000

/**
 * struct mpam_cg_config - the effective settings of one partition on one
 * component
 * @portion:	portion bitmap, @class->portions wide
 * @pct:	percentages of MPAM_CG_CMAX, MPAM_CG_BW_MAX and MPAM_CG_BW_MIN,
 *		in hundredths (MPAM_CG_PCT_ALL is 100 %); MPAM_CG_PCT_ALL,
 *		MPAM_CG_PCT_ALL and 0 when unrestricted
 */
struct mpam_cg_config {
	unsigned long *portion;
	u16 pct[MPAM_CG_NR_CTRLS];
};

/**
 * struct mpam_cg_ops - what the core asks of the provider
 * @apply:	program @cfg for @partid on component @comp of @cls, or for
 *		internal PARTID @partid where @cls has regulators.  Called
 *		with cpus_read_lock() held, may sleep.  Only the controls of
 *		@cls->ctrls are meaningful.
 * @map:	make requests with @partid on component @comp of @cls get
 *		the configuration of internal PARTID @intpartid.  Needed if
 *		a class has regulators; same context as @apply.  A PARTID
 *		no partition uses is mapped back as after reset: one to one
 *		below @cls->regulators, onto 0 above.
 * @read_occupancy: read the cache occupancy of @partid (and @pmg if
 *		@match_pmg) on component @comp; -EBUSY when no hardware
 *		monitor is free to look or it had no value ready (mpam.stat
 *		then leaves the figure out).  Called in process context without
 *		cpus_read_lock(), may sleep; the core serialises its monitor
 *		reads and counter bindings.
 * @bind_counter: make byte counter @ctr (below @cls->mons[MPAM_CG_MON_BYTES])
 *		of component @comp count the traffic of @partid (and @pmg if
 *		@match_pmg) from zero, whatever it counted before; -ENOSPC
 *		if the hardware counter cannot be had.  Other counters must
 *		not be disturbed.  Called with cpus_read_lock() held, may
 *		sleep.  Needed if a class has byte counters.
 * @unbind_counter: stop using counter @ctr of component @comp.  Same
 *		context.
 * @read_counter: read bound counter @ctr of component @comp: the bytes
 *		since it was bound; -EBUSY when the hardware has no value
 *		ready.  Same context as @read_occupancy.
 * @set_label:	store @partid/@pmg as the label @tsk runs with from its
 *		next context switch.  Called from any context; must not sleep.
 * @sync_cpu:	make the current task of this CPU run with its label now.
 *		Called in IPI context.
 * @inherit_label: give @tsk, a child being forked, the label its parent
 *		(current) runs with now.  Called from fork, once the
 *		controller labelled tasks and no longer does; must not sleep.
 *		Optional.
 * @acquire:	take the hardware for the controller before its first
 *		setting; an error, -EBUSY when another user of the hardware
 *		has it, refuses the setting.  Optional.
 * @release:	give the hardware back after the last setting went.
 *		Optional.  Both are called with cpus_read_lock() held and
 *		may sleep.
 */
struct mpam_cg_ops {
	int (*apply)(struct mpam_cg_class *cls, unsigned int comp, u16 partid,
		     const struct mpam_cg_config *cfg);
	int (*map)(struct mpam_cg_class *cls, unsigned int comp, u16 partid,
		   u16 intpartid);
	int (*read_occupancy)(struct mpam_cg_class *cls, unsigned int comp,
			      u16 partid, u8 pmg, bool match_pmg, u64 *val);
	int (*bind_counter)(struct mpam_cg_class *cls, unsigned int comp,
			    unsigned int ctr, u16 partid, u8 pmg, bool match_pmg);
	void (*unbind_counter)(struct mpam_cg_class *cls, unsigned int comp,
			       unsigned int ctr);
	int (*read_counter)(struct mpam_cg_class *cls, unsigned int comp,
			    unsigned int ctr, u64 *val);
	void (*set_label)(struct task_struct *tsk, u16 partid, u8 pmg);
	void (*sync_cpu)(void *unused);
	void (*inherit_label)(struct task_struct *tsk);
	int (*acquire)(void);
	void (*release)(void);
};

/**
 * struct mpam_cg_provider - the hardware behind the controller
 * @nr_partids:	number of PARTIDs, the default partition (0) included: up
 *		to 65536
 * @nr_pmgs:	number of PMGs per PARTID
 * @ops:	operations
 * @classes:	list of struct mpam_cg_class, linked by ->node
 */
struct mpam_cg_provider {
	u32 nr_partids;
	u16 nr_pmgs;
	const struct mpam_cg_ops *ops;
	struct list_head classes;
};

#ifdef CONFIG_CGROUP_MPAM
int mpam_cgroup_register(struct mpam_cg_provider *prov);
void mpam_cgroup_unregister(struct mpam_cg_provider *prov, bool failed);
#else
static inline int mpam_cgroup_register(struct mpam_cg_provider *prov)
{
	return -ENODEV;
}

static inline void mpam_cgroup_unregister(struct mpam_cg_provider *prov,
					  bool failed) { }
#endif

#endif /* _LINUX_CGROUP_MPAM_H */
