// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: LUO FLBs
 *
 * Live Update Orchestrator: file-lifecycle-bound (FLB) objects.
 *
 * Some state is shared by many preserved files: an IOMMU unit serves many
 * domains, a PCI bridge many devices.  An FLB is such an object.  It is
 * linked to the handlers whose files depend on it; it is preserved when the
 * first of those files is preserved, in any session, and unpreserved when
 * the last one is given back.  At the reboot it is handed over with the
 * number of files that depend on it.  In the next kernel it is rebuilt on
 * demand, when something first asks for it (a file's retrieve, or a driver
 * at probe time, before userspace runs), and finished once every file that
 * depended on it has finished and every reference taken with
 * liveupdate_flb_get_incoming() was put.
 *
 * The FLBs of the previous kernel are read at boot, so that drivers can ask
 * for theirs before /dev/liveupdate is first opened; an FLB registered
 * later still finds its data.
 *
 * Locking: luo_flbs_lock protects the list of FLBs and the links of every
 * handler; each FLB's lock its two states.  A session's lock comes before
 * both.
 */

#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "luo_internal.h"

#define flb_priv(flb, field)	ACCESS_PRIVATE(flb, field)

/* A handler's dependency on an FLB. */
struct luo_flb_link {
	struct list_head list;
	struct liveupdate_flb *flb;
};

static LIST_HEAD(luo_flbs);
static DEFINE_MUTEX(luo_flbs_lock);

/* FLBs the previous kernel handed over, as read at boot. */
static struct luo_flb_ser *luo_flb_in;
static unsigned long luo_flb_in_nr;

static bool luo_flb_ops_valid(const struct liveupdate_flb_ops *ops)
{
	return ops && ops->preserve && ops->unpreserve && ops->retrieve &&
	       ops->finish;
}

/* Caller holds luo_flbs_lock. */
static struct liveupdate_flb *luo_flb_lookup(const char *compatible)
{
	struct liveupdate_flb *flb;

	list_for_each_entry(flb, &luo_flbs, list)
		if (!strcmp(flb->compatible, compatible))
			return flb;
	return NULL;
}

/* Caller holds luo_flbs_lock. */
static struct luo_flb_link *luo_flb_find_link(struct liveupdate_file_handler *fh,
					      struct liveupdate_flb *flb)
{
	struct luo_flb_link *link;

	list_for_each_entry(link, &flb_priv(fh, flbs), list)
		if (link->flb == flb)
			return link;
	return NULL;
}

/*
 * First link of @flb: set it up, with its handed-over state if any.  A
 * live state, outgoing or incoming, holds a reference on the FLB's module,
 * so that a module cannot go while what it preserved or was handed over is
 * alive.  The module registers its FLB while it loads, when a reference
 * can be taken.
 */
static void luo_flb_setup(struct liveupdate_flb *flb)
{
	struct liveupdate_flb_state *in = &flb_priv(flb, in);
	unsigned long i;

	mutex_init(&flb_priv(flb, lock));
	memset(in, 0, sizeof(*in));
	memset(&flb_priv(flb, out), 0, sizeof(*in));
	for (i = 0; i < luo_flb_in_nr; i++) {
		if (!strcmp(luo_flb_in[i].compatible, flb->compatible) &&
		    try_module_get(flb->ops->owner)) {
			in->count = luo_flb_in[i].count;
			in->data = luo_flb_in[i].data;
			in->live = true;
			break;
		}
	}
	list_add_tail(&flb_priv(flb, list), &luo_flbs);
}

/**
 * liveupdate_register_flb - make a handler's files depend on an FLB
 * @fh: a registered file handler
 * @flb: the FLB; it may be linked to several handlers
 *
 * Return: 0, -EOPNOTSUPP when live update is off, -EINVAL for a missing
 * callback or compatible string or an unregistered @fh, -EEXIST when @flb
 * is linked to @fh already or another FLB has its compatible string, or
 * -ENOMEM.
 */
int liveupdate_register_flb(struct liveupdate_file_handler *fh,
			    struct liveupdate_flb *flb)
{
	struct liveupdate_flb *other;
	struct luo_flb_link *link;

	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	if (!luo_flb_ops_valid(flb->ops) || !flb->compatible[0] ||
	    !memchr(flb->compatible, 0, sizeof(flb->compatible)))
		return -EINVAL;
	if (luo_handler_find(fh->compatible) != fh)
		return -EINVAL;

	guard(mutex)(&luo_flbs_lock);
	if (luo_flb_find_link(fh, flb))
		return -EEXIST;
	other = luo_flb_lookup(flb->compatible);
	if (other && other != flb)
		return -EEXIST;
	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return -ENOMEM;
	if (!flb_priv(flb, links)++)
		luo_flb_setup(flb);
	link->flb = flb;
	list_add_tail(&link->list, &flb_priv(fh, flbs));
	return 0;
}
EXPORT_SYMBOL_GPL(liveupdate_register_flb);

/**
 * liveupdate_flb_hold - make an FLB known before any handler links it
 * @flb: the FLB, of built-in code
 *
 * A driver that needs its handed-over state while devices are probed at
 * boot, before the modules whose handlers link the FLB have loaded (an
 * IOMMU driver taking over the translation of a device that kept running),
 * holds the FLB from an early initcall: liveupdate_flb_get_incoming() then
 * works at once.  The hold counts as a link that is never dropped.
 *
 * Return: 0, -EOPNOTSUPP when live update is off, -EINVAL for a missing
 * callback or compatible string, or -EEXIST when another FLB has its
 * compatible string.
 */
int liveupdate_flb_hold(struct liveupdate_flb *flb)
{
	struct liveupdate_flb *other;

	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	if (!luo_flb_ops_valid(flb->ops) || !flb->compatible[0] ||
	    !memchr(flb->compatible, 0, sizeof(flb->compatible)))
		return -EINVAL;

	guard(mutex)(&luo_flbs_lock);
	other = luo_flb_lookup(flb->compatible);
	if (other && other != flb)
		return -EEXIST;
	if (!flb_priv(flb, links)++)
		luo_flb_setup(flb);
	return 0;
}

static void luo_flb_unlink(struct luo_flb_link *link)
{
	struct liveupdate_flb *flb = link->flb;

	list_del(&link->list);
	if (!--flb_priv(flb, links))
		list_del(&flb_priv(flb, list));
	kfree(link);
}

/**
 * liveupdate_unregister_flb - undo liveupdate_register_flb()
 * @fh: the handler
 * @flb: the FLB
 *
 * No file of @fh may be preserved or handed over any more.
 */
void liveupdate_unregister_flb(struct liveupdate_file_handler *fh,
			       struct liveupdate_flb *flb)
{
	struct luo_flb_link *link;

	if (!liveupdate_enabled())
		return;
	guard(mutex)(&luo_flbs_lock);
	link = luo_flb_find_link(fh, flb);
	if (link)
		luo_flb_unlink(link);
}
EXPORT_SYMBOL_GPL(liveupdate_unregister_flb);

/**
 * luo_flb_unlink_handler - unlink every FLB of a handler going away
 * @fh: the handler
 */
void luo_flb_unlink_handler(struct liveupdate_file_handler *fh)
{
	struct luo_flb_link *link, *tmp;

	guard(mutex)(&luo_flbs_lock);
	list_for_each_entry_safe(link, tmp, &flb_priv(fh, flbs), list)
		luo_flb_unlink(link);
}

/* Put a reference of @st, then let @release act if nothing needs it. */
static void luo_flb_put(struct liveupdate_flb *flb,
			struct liveupdate_flb_state *st,
			void (*release)(struct liveupdate_flb *flb))
{
	if (!liveupdate_enabled())
		return;
	guard(mutex)(&flb_priv(flb, lock));
	if (!WARN_ON_ONCE(st->users <= 0))
		st->users--;
	release(flb);
}

/* ------------------------------------------------------------------------
 * Outgoing
 */

/* Unpreserve @flb if no file and no user needs it; its lock held. */
static void luo_flb_out_maybe_release(struct liveupdate_flb *flb)
{
	struct liveupdate_flb_state *out = &flb_priv(flb, out);
	struct liveupdate_flb_op_args args = { .flb = flb };

	if (out->count || out->users || !out->live)
		return;
	args.data = out->data;
	args.obj = out->obj;
	flb->ops->unpreserve(&args);
	out->data = 0;
	out->obj = NULL;
	out->live = false;
	module_put(flb->ops->owner);
}

static int luo_flb_out_get_file(struct liveupdate_flb *flb)
{
	struct liveupdate_flb_state *out = &flb_priv(flb, out);
	struct liveupdate_flb_op_args args = { .flb = flb };
	int err;

	guard(mutex)(&flb_priv(flb, lock));
	if (!out->live) {
		if (!try_module_get(flb->ops->owner))
			return -ENODEV;
		err = flb->ops->preserve(&args);
		if (err) {
			module_put(flb->ops->owner);
			return err;
		}
		out->data = args.data;
		out->obj = args.obj;
		out->live = true;
	}
	out->count++;
	return 0;
}

static void luo_flb_out_put_file(struct liveupdate_flb *flb)
{
	guard(mutex)(&flb_priv(flb, lock));
	if (!WARN_ON_ONCE(flb_priv(flb, out).count <= 0))
		flb_priv(flb, out).count--;
	luo_flb_out_maybe_release(flb);
}

/**
 * luo_flb_file_preserve - a file of @fh is being preserved
 * @fh: its handler
 *
 * Takes a reference on each FLB linked to @fh, in link order, preserving
 * those not preserved yet.
 *
 * Return: 0 or the error of an FLB's preserve, with nothing taken.
 */
int luo_flb_file_preserve(struct liveupdate_file_handler *fh)
{
	struct luo_flb_link *link;
	int err;

	guard(mutex)(&luo_flbs_lock);
	list_for_each_entry(link, &flb_priv(fh, flbs), list) {
		err = luo_flb_out_get_file(link->flb);
		if (err)
			goto undo;
	}
	return 0;

undo:
	list_for_each_entry_continue_reverse(link, &flb_priv(fh, flbs), list)
		luo_flb_out_put_file(link->flb);
	return err;
}

/**
 * luo_flb_file_unpreserve - a file of @fh was given back
 * @fh: its handler
 */
void luo_flb_file_unpreserve(struct liveupdate_file_handler *fh)
{
	struct luo_flb_link *link;

	guard(mutex)(&luo_flbs_lock);
	list_for_each_entry_reverse(link, &flb_priv(fh, flbs), list)
		luo_flb_out_put_file(link->flb);
}

/**
 * liveupdate_flb_get_outgoing - the live object of a preserved FLB
 * @flb: the FLB
 * @objp: returns its object
 *
 * Put the reference with liveupdate_flb_put_outgoing().
 *
 * Return: 0, -EOPNOTSUPP when live update is off, or -ENOENT when no file
 * depending on @flb is preserved.
 */
int liveupdate_flb_get_outgoing(struct liveupdate_flb *flb, void **objp)
{
	struct liveupdate_flb_state *out = &flb_priv(flb, out);

	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	if (!flb_priv(flb, links))
		return -ENOENT;
	guard(mutex)(&flb_priv(flb, lock));
	if (!out->live)
		return -ENOENT;
	out->users++;
	*objp = out->obj;
	return 0;
}
EXPORT_SYMBOL_GPL(liveupdate_flb_get_outgoing);

/**
 * liveupdate_flb_put_outgoing - put liveupdate_flb_get_outgoing()'s reference
 * @flb: the FLB
 */
void liveupdate_flb_put_outgoing(struct liveupdate_flb *flb)
{
	luo_flb_put(flb, &flb_priv(flb, out), luo_flb_out_maybe_release);
}
EXPORT_SYMBOL_GPL(liveupdate_flb_put_outgoing);

/*
 * Whether @flb goes to the next kernel: only an FLB that handed-over files
 * depend on.  One kept alive by liveupdate_flb_get_outgoing() references
 * alone is unpreserved when they are put, maybe while the reboot runs, so
 * it does not travel.  The number of dependent files cannot change during
 * the reboot, which holds luo_state_rwsem for writing against every file
 * operation, and the FLB cannot be unpreserved while it is not zero.
 */
static bool luo_flb_travels(struct liveupdate_flb *flb)
{
	struct liveupdate_flb_state *out = &flb_priv(flb, out);

	guard(mutex)(&flb_priv(flb, lock));
	return out->live && out->count > 0;
}

static void luo_flb_fill(void *entry, unsigned long i, void *arg)
{
	struct liveupdate_flb **cursor = arg, *flb = *cursor;
	struct luo_flb_ser *ser = entry;

	while (!luo_flb_travels(flb))
		flb = list_next_entry(flb, list);
	scoped_guard(mutex, &flb_priv(flb, lock)) {
		ser->data = flb_priv(flb, out).data;
		ser->count = flb_priv(flb, out).count;
	}
	strscpy(ser->compatible, flb->compatible, sizeof(ser->compatible));
	*cursor = list_next_entry(flb, list);
}

/**
 * luo_flb_serialize - hand the preserved FLBs over
 * @first: returns the first block of FLBs, or 0
 * @nr: returns their number
 *
 * Called at the reboot, after the sessions were frozen, with
 * luo_state_rwsem held for writing.  Only FLBs that files depend on are
 * handed over.
 *
 * Return: 0 or -ENOMEM.
 */
int luo_flb_serialize(u64 *first, u64 *nr)
{
	struct liveupdate_flb *flb, *cursor;
	unsigned long n = 0;

	lockdep_assert_held_write(&luo_state_rwsem);
	guard(mutex)(&luo_flbs_lock);
	list_for_each_entry(flb, &luo_flbs, list)
		n += luo_flb_travels(flb);
	*nr = n;
	cursor = list_first_entry_or_null(&luo_flbs, struct liveupdate_flb,
					  list);
	return luo_blocks_write(sizeof(struct luo_flb_ser), n, luo_flb_fill,
				&cursor, first);
}

/* ------------------------------------------------------------------------
 * Incoming
 */

static int luo_flb_take(const void *entry, unsigned long i, void *arg)
{
	const struct luo_flb_ser *ser = entry;
	unsigned long j;

	if (!ser->compatible[0] ||
	    !memchr(ser->compatible, 0, sizeof(ser->compatible))) {
		pr_err("incoming FLB %lu has a malformed name\n", i);
		return -EINVAL;
	}
	for (j = 0; j < i; j++) {
		if (!strcmp(luo_flb_in[j].compatible, ser->compatible)) {
			pr_err("incoming FLB '%s' appears twice\n",
			       ser->compatible);
			return -EINVAL;
		}
	}
	luo_flb_in[i] = *ser;
	return 0;
}

/**
 * luo_flb_take_incoming - read the FLBs the previous kernel handed over
 * @first: their first block, or 0
 * @nr: their number
 *
 * Called once, at boot, before any FLB can be registered.
 *
 * Return: 0, -EINVAL for malformed data, or -ENOMEM.
 */
int luo_flb_take_incoming(u64 first, u64 nr)
{
	int err;

	if (!nr)
		return first ? -EINVAL : 0;
	if (nr > LUO_BLOCK_ENTRIES(sizeof(*luo_flb_in)) * 1024)
		return -EINVAL;
	luo_flb_in = kvcalloc(nr, sizeof(*luo_flb_in), GFP_KERNEL);
	if (!luo_flb_in)
		return -ENOMEM;
	err = luo_blocks_read(first, sizeof(*luo_flb_in), nr, luo_flb_take,
			      NULL);
	if (err) {
		kvfree(luo_flb_in);
		luo_flb_in = NULL;
		return err;
	}
	luo_flb_in_nr = nr;
	return 0;
}

/* Finish @flb if nothing needs it any more; its lock held. */
static void luo_flb_in_maybe_finish(struct liveupdate_flb *flb)
{
	struct liveupdate_flb_state *in = &flb_priv(flb, in);
	struct liveupdate_flb_op_args args = { .flb = flb };

	if (in->count || in->users || !in->live)
		return;
	args.data = in->data;
	args.obj = in->obj;
	flb->ops->finish(&args);
	in->obj = NULL;
	in->live = false;
	module_put(flb->ops->owner);
}

/**
 * luo_flb_file_finish - a handed-over file of @fh was finished
 * @fh: its handler
 */
void luo_flb_file_finish(struct liveupdate_file_handler *fh)
{
	struct liveupdate_flb_state *in;
	struct luo_flb_link *link;

	guard(mutex)(&luo_flbs_lock);
	list_for_each_entry_reverse(link, &flb_priv(fh, flbs), list) {
		in = &flb_priv(link->flb, in);
		guard(mutex)(&flb_priv(link->flb, lock));
		if (!in->live)
			continue;
		if (in->count > 0)
			in->count--;
		else
			pr_warn_once("FLB '%s': more files finished than were handed over\n",
				     link->flb->compatible);
		luo_flb_in_maybe_finish(link->flb);
	}
}

/**
 * liveupdate_flb_get_incoming - the object of an FLB handed over
 * @flb: the FLB, registered
 * @objp: returns its object
 *
 * The first call rebuilds the object with the FLB's retrieve; later calls
 * return the same object, or the same error.  Put the reference with
 * liveupdate_flb_put_incoming(); the FLB is finished when no file and no
 * reference needs it.
 *
 * Return: 0, -EOPNOTSUPP when live update is off, -ENODATA when the
 * previous kernel handed no FLB over, -ENOENT when it did not hand this
 * one over (or it was finished), or the error of its retrieve.
 */
int liveupdate_flb_get_incoming(struct liveupdate_flb *flb, void **objp)
{
	struct liveupdate_flb_state *in = &flb_priv(flb, in);
	struct liveupdate_flb_op_args args = { .flb = flb };
	int err;

	if (!liveupdate_enabled())
		return -EOPNOTSUPP;
	if (!luo_flb_in_nr)
		return -ENODATA;
	if (!flb_priv(flb, links))
		return -ENOENT;

	guard(mutex)(&flb_priv(flb, lock));
	if (!in->live)
		return -ENOENT;
	if (!in->retrieved) {
		args.data = in->data;
		err = flb->ops->retrieve(&args);
		in->retrieved = true;
		in->err = err;
		if (!err)
			in->obj = args.obj;
	}
	if (in->err)
		return in->err;
	in->users++;
	*objp = in->obj;
	return 0;
}
EXPORT_SYMBOL_GPL(liveupdate_flb_get_incoming);

/**
 * liveupdate_flb_put_incoming - put liveupdate_flb_get_incoming()'s reference
 * @flb: the FLB
 */
void liveupdate_flb_put_incoming(struct liveupdate_flb *flb)
{
	luo_flb_put(flb, &flb_priv(flb, in), luo_flb_in_maybe_finish);
}
EXPORT_SYMBOL_GPL(liveupdate_flb_put_incoming);

/**
 * luo_flb_show - list the FLBs, for debugfs
 * @m: where to
 */
void luo_flb_show(struct seq_file *m)
{
	struct liveupdate_flb_state *in, *out;
	struct liveupdate_flb *flb;

	guard(mutex)(&luo_flbs_lock);
	list_for_each_entry(flb, &luo_flbs, list) {
		guard(mutex)(&flb_priv(flb, lock));
		in = &flb_priv(flb, in);
		out = &flb_priv(flb, out);
		seq_printf(m, "flb %s handlers %u out %s files %ld users %ld in %s files %ld users %ld%s\n",
			   flb->compatible, flb_priv(flb, links),
			   out->live ? "preserved" : "none", out->count,
			   out->users, in->live ? "live" : "none", in->count,
			   in->users, in->retrieved ? " retrieved" : "");
	}
}
