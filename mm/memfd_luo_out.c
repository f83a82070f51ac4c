// SPDX-License-Identifier: GPL-2.0
/*
 * memfd preservation, in the outgoing kernel: pin the folios a memfd has,
 * record them and preserve them in place with KHO; at the reboot, take up
 * the folios added since, and only those.
 *
 * The folios a memfd has at PRESERVE_FD are pinned in one walk of its page
 * cache (memfd_luo_snapshot()).  Folios written into holes later are noted
 * by shmem and hugetlbfs as they are added (memfd_note_added(), one bit per
 * page of the file), so that the reboot pins and preserves exactly those
 * (memfd_luo_take_added()): its cost does not grow with the memfd, and a
 * memfd to which nothing was added costs nothing at all.
 */

#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/bitmap.h>
#include <linux/hugetlb.h>
#include <linux/kexec_handover.h>
#include <linux/memfd.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "memfd_luo.h"

/* ------------------------------------------------------------------------
 * A list of pinned folios and their records
 */

/* Make room for @cap folios in an empty @list. */
/*
 * The allocations of a preserve are sized by the memfd userspace gave: a
 * failure is the caller's ENOMEM, not worth a warning in the log.
 */
#define MEMFD_LUO_GFP	(GFP_KERNEL | __GFP_NOWARN)

static int memfd_luo_list_alloc(struct memfd_luo_list *list,
				unsigned long cap)
{
	list->folios = kvmalloc_array(cap, sizeof(*list->folios),
				      MEMFD_LUO_GFP);
	list->recs = __vmalloc(array_size(cap, sizeof(*list->recs)),
			       MEMFD_LUO_GFP);
	if (!list->folios || !list->recs) {
		kvfree(list->folios);
		vfree(list->recs);
		list->folios = NULL;
		list->recs = NULL;
		return -ENOMEM;
	}
	list->cap = cap;
	return 0;
}

/* Take pinned @folio into @list: the next folio and record. */
static void memfd_luo_add(struct memfd_luo_list *list, struct folio *folio)
{
	list->folios[list->nr] = folio;
	list->recs[list->nr++] = (struct memfd_luo_folio_ser) {
		.phys = PFN_PHYS(folio_pfn(folio)),
		.index = folio->index,
		.order = folio_order(folio),
		.flags = MEMFD_LUO_FOLIO_UPTODATE | MEMFD_LUO_FOLIO_DIRTY,
	};
	list->nr_pages += folio_nr_pages(folio);
	if (!folio_test_uptodate(folio))
		list->stale = true;
}

/*
 * The folio of @list covering page @index, or NULL.  The records are in
 * index order, so a binary search finds it.
 */
static struct folio *memfd_luo_list_find(const struct memfd_luo_list *list,
					 pgoff_t index)
{
	unsigned long lo = 0, hi = list->nr, mid;
	const struct memfd_luo_folio_ser *rec;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		rec = &list->recs[mid];
		if (index < rec->index)
			hi = mid;
		else if (index >= rec->index + (1UL << rec->order))
			lo = mid + 1;
		else
			return list->folios[mid];
	}
	return NULL;
}

/* Whether record @i of @list, of @nr, starts a run of two pages or more. */
static bool memfd_luo_starts_run(const struct memfd_luo_list *list,
				 unsigned long i, unsigned long nr)
{
	return !list->per_folio && i + 1 < nr &&
	       memfd_luo_continues(list->recs, i + 1);
}

/*
 * Preserve, or unpreserve, the @n records of @list from @i on: a run of
 * pages as one range, other folios in one batch.
 */
static int memfd_luo_run_preserve(struct memfd_luo_list *list, unsigned long i,
				  unsigned long n, bool preserve)
{
	struct folio *folio = list->folios[i];

	if (memfd_luo_starts_run(list, i, i + n))
		return preserve ? kho_preserve_pages(&folio->page, n) :
				  kho_unpreserve_pages(&folio->page, n);
	return preserve ? kho_preserve_folios(list->folios + i, n) :
			  kho_unpreserve_folios(list->folios + i, n);
}

/*
 * How many records from @i on @list preserves in one go: a run of pages
 * (memfd_luo_run()), or else the folios up to the next such run, which
 * kho_preserve_folios() takes in one batch.  The steps are the same
 * whatever @nr, as long as it is the end of one, so that what was
 * preserved as a range is unpreserved as one.
 */
static unsigned long memfd_luo_step(const struct memfd_luo_list *list,
				    unsigned long i, unsigned long nr)
{
	unsigned long n = 1;

	if (memfd_luo_starts_run(list, i, nr))
		return memfd_luo_run(list->recs, i, nr);
	while (i + n < nr && !memfd_luo_starts_run(list, i + n, nr))
		n++;
	return n;
}

/* Unpreserve the folios of @list that are preserved. */
static void memfd_luo_unpreserve_folios(struct memfd_luo_list *list)
{
	unsigned long i, n;

	for (i = 0; i < list->nr_preserved; i += n) {
		n = memfd_luo_step(list, i, list->nr_preserved);
		memfd_luo_run_preserve(list, i, n, false);
	}
	list->nr_preserved = 0;
}

/* Preserve the folios of @list from the first not preserved on. */
static int memfd_luo_preserve_folios(struct memfd_luo_list *list)
{
	unsigned long i, n;
	int err;

	for (i = list->nr_preserved; i < list->nr; i += n) {
		n = memfd_luo_step(list, i, list->nr);
		err = memfd_luo_run_preserve(list, i, n, true);
		if (err)
			return err;
		list->nr_preserved = i + n;
	}
	return 0;
}

/* Unpreserve and unpin everything of @list, and free it. */
static void memfd_luo_list_drop(struct memfd_luo_list *list)
{
	memfd_luo_unpreserve_folios(list);
	if (list->nr)
		unpin_folios(list->folios, list->nr);
	vfree(list->recs);
	kvfree(list->folios);
	*list = (struct memfd_luo_list) { .per_folio = list->per_folio };
}

/*
 * Leave the records in an area of just their size, as the next kernel
 * expects: a memfd of large folios has far fewer than the room made.
 */
static int memfd_luo_fit(struct memfd_luo_list *list)
{
	size_t size = array_size(list->nr, sizeof(*list->recs));
	struct memfd_luo_folio_ser *recs;

	if (PAGE_ALIGN(size) == PAGE_ALIGN(array_size(list->cap,
						      sizeof(*list->recs))))
		return 0;
	recs = __vmalloc(size, MEMFD_LUO_GFP);
	if (!recs)
		return -ENOMEM;
	memcpy(recs, list->recs, size);
	vfree(list->recs);
	list->recs = recs;
	list->cap = list->nr;
	return 0;
}

/*
 * Give the folios of @list that were not uptodate when pinned what shmem
 * gives them at their first use: zeroes.  The next kernel then needs no
 * state per folio, and the reboot does not have to look at every folio
 * again.  Inode lock held, so no fallocate() is under way.
 */
static void memfd_luo_make_uptodate(struct memfd_luo_list *list)
{
	struct folio *folio;
	unsigned long i;

	if (!list->stale)
		return;
	for (i = 0; i < list->nr; i++) {
		folio = list->folios[i];
		if (folio_test_uptodate(folio))
			continue;
		folio_lock(folio);
		if (!folio_test_uptodate(folio)) {
			folio_zero_range(folio, 0, folio_size(folio));
			flush_dcache_folio(folio);
			folio_mark_uptodate(folio);
		}
		folio_unlock(folio);
	}
	list->stale = false;
}

/* ------------------------------------------------------------------------
 * Pinning what the memfd has at PRESERVE_FD
 */

/* Folios pinned per hold of the page cache's lock (interrupts are off). */
#define MEMFD_LUO_WALK_BATCH	256

/*
 * Pin the folios recorded in @list since @*start, with the xarray lock
 * still held; on failure forget them, as they are not ours to unpin.
 */
static int memfd_luo_pin_new(struct memfd_luo_list *list, unsigned long *start)
{
	int err = pin_folios(list->folios + *start, list->nr - *start);

	if (err)
		list->nr = *start;
	*start = list->nr;
	return err;
}

/*
 * Pin and record the folios of @file from page @*index to @last in one
 * walk of its page cache.  The xarray lock keeps each folio in the page
 * cache, and so its reference count above zero: the pin is one add to
 * that count, taken for a batch of folios at a time before the lock is
 * dropped.  memfd_pin_folios() takes a reference, adds the pin and drops
 * the reference, then goes over the folios again to see whether they may
 * stay where they are; for a GiB of order-0 folios that was most of the
 * time preserving took.
 *
 * Returns 0 when done; -EAGAIN if the file gained folios past the room in
 * @list under us; or 1, with @*index at it, at a folio that needs more
 * than a pin: one that may not stay pinned where it is (in CMA, where
 * KHO's scratch areas are, or in ZONE_MOVABLE) or a page out on swap.
 */
static int memfd_luo_walk(struct memfd_luo_list *list, struct file *file,
			  pgoff_t *index, pgoff_t last)
{
	XA_STATE(xas, &file->f_mapping->i_pages, *index);
	unsigned long start = list->nr;
	struct folio *folio;
	int ret = 0, err;

	xas_lock_irq(&xas);
	xas_for_each(&xas, folio, last) {
		if (xas_retry(&xas, folio))
			continue;
		if (xa_is_value(folio) || !folio_is_longterm_pinnable(folio)) {
			*index = xa_is_value(folio) ? xas.xa_index : folio->index;
			ret = 1;
			break;
		}
		if (list->nr == list->cap) {
			ret = -EAGAIN;
			break;
		}
		memfd_luo_add(list, folio);
		if (list->nr - start < MEMFD_LUO_WALK_BATCH)
			continue;
		ret = memfd_luo_pin_new(list, &start);
		if (ret)
			break;
		xas_pause(&xas);
		xas_unlock_irq(&xas);
		cond_resched();
		xas_lock_irq(&xas);
	}
	err = memfd_luo_pin_new(list, &start);
	xas_unlock_irq(&xas);
	return err ? err : ret;
}

/* The last page, up to @last, of the run of folios from page @index on. */
static pgoff_t memfd_luo_run_end(struct address_space *mapping,
				 pgoff_t index, pgoff_t last)
{
	struct folio_batch fbatch;
	pgoff_t next = index;

	folio_batch_init(&fbatch);
	while (next <= last &&
	       filemap_get_folios_contig(mapping, &next, last, &fbatch))
		folio_batch_release(&fbatch);
	return next > index ? min(next - 1, last) : index;
}

/* Pages at most that one memfd_pin_folios() call pins for the walk. */
#define MEMFD_LUO_SLOW_PAGES	(SZ_8M >> PAGE_SHIFT)

/*
 * Pin folios from page @*index on, up to @last and at most @max pages,
 * with memfd_pin_folios(): it migrates the folios that may not stay pinned
 * where they are (KHO's scratch areas are CMA, and the next kernel boots
 * in them) and reads a page out on swap back in.  What it pins ends at a
 * hole, which stays a hole.  Moves @*index past what it pinned.
 */
static int memfd_luo_pin_slow(struct memfd_luo_list *list, struct file *file,
			      pgoff_t *index, pgoff_t last, pgoff_t max)
{
	loff_t size = i_size_read(file_inode(file));
	pgoff_t end, offset;
	long n;

	end = min(last, *index + max - 1);
	end = memfd_luo_run_end(file->f_mapping, *index, end);
	n = memfd_pin_folios(file, (loff_t)*index << PAGE_SHIFT,
			     min_t(loff_t, size, (loff_t)(end + 1) << PAGE_SHIFT) - 1,
			     list->folios + list->nr, list->cap - list->nr,
			     &offset);
	if (n <= 0)
		return n ? n : -EAGAIN;
	while (n--)
		memfd_luo_add(list, list->folios[list->nr]);
	*index = folio_next_index(list->folios[list->nr - 1]);
	return 0;
}

/*
 * The number of folios (and swap entries) @mapping holds up to page @last:
 * the room the walk needs.  Counted rather than taken from nrpages, which
 * counts pages: a TiB of huge folios is half a million folios, not a
 * quarter of a billion.
 */
static unsigned long memfd_luo_count(struct address_space *mapping,
				     pgoff_t last)
{
	XA_STATE(xas, &mapping->i_pages, 0);
	unsigned long n = 0;
	void *entry;

	rcu_read_lock();
	xas_for_each(&xas, entry, last) {
		if (xas_retry(&xas, entry))
			continue;
		n++;
		if (need_resched()) {
			xas_pause(&xas);
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
	return n;
}

/*
 * Pin and record every folio @file has within its size; holes stay holes.
 * The walk pins, and where it cannot, memfd_pin_folios() moves and pins
 * some folios before the walk goes on: only what must move is moved.
 */
static int memfd_luo_pin(struct memfd_luo_list *list, struct file *file)
{
	loff_t size = i_size_read(file_inode(file));
	pgoff_t index = 0, last;
	int ret;

	if (!size)
		return 0;
	last = (size - 1) >> PAGE_SHIFT;
	/* Faults may fill holes meanwhile: they are noted, and not needed. */
	ret = memfd_luo_list_alloc(list, memfd_luo_count(file->f_mapping,
							 last) + 64);
	if (ret)
		return ret;
	while ((ret = memfd_luo_walk(list, file, &index, last)) > 0) {
		if (list->nr == list->cap)
			return -EAGAIN;
		ret = memfd_luo_pin_slow(list, file, &index, last,
					 MEMFD_LUO_SLOW_PAGES);
		if (ret)
			break;
	}
	return ret;
}

/* Hand @list over in @area, replacing what is there. */
static int memfd_luo_hand_over(struct memfd_luo_list *list,
			       struct kho_vmalloc *area, u64 *nr)
{
	struct kho_vmalloc new;
	int err;

	if (!list->nr) {
		if (*nr)
			kho_unpreserve_vmalloc(area);
		*nr = 0;
		return 0;
	}
	err = memfd_luo_fit(list);
	if (!err)
		err = kho_preserve_vmalloc(list->recs, &new);
	if (err)
		return err;
	if (*nr)
		kho_unpreserve_vmalloc(area);
	*area = new;
	*nr = list->nr;
	return 0;
}

/**
 * memfd_luo_snapshot - pin and preserve what a memfd holds now
 * @out: the memfd's state, empty
 * @file: the memfd; its inode locked
 *
 * Return: 0, -EOPNOTSUPP for a shmem memfd with pages out on swap, or an
 * error of pinning or preserving (-ENOMEM, -EINVAL), with nothing pinned
 * or preserved then.
 */
int memfd_luo_snapshot(struct memfd_luo_out *out, struct file *file)
{
	int err;

	if (shmem_file(file) && SHMEM_I(file_inode(file))->swapped)
		return -EOPNOTSUPP;
	err = memfd_luo_pin(&out->main, file);
	if (!err) {
		memfd_luo_make_uptodate(&out->main);
		err = memfd_luo_preserve_folios(&out->main);
	}
	if (!err)
		err = memfd_luo_hand_over(&out->main, &out->ser->folios,
					  &out->ser->nr_folios);
	if (err)
		memfd_luo_list_drop(&out->main);
	return err;
}

/**
 * memfd_luo_drop - unpreserve and unpin everything of a memfd
 * @out: its state; only @out->ser is left
 */
void memfd_luo_drop(struct memfd_luo_out *out)
{
	if (out->ser->nr_late)
		kho_unpreserve_vmalloc(&out->ser->late);
	if (out->ser->nr_folios)
		kho_unpreserve_vmalloc(&out->ser->folios);
	out->ser->nr_late = 0;
	out->ser->nr_folios = 0;
	memfd_luo_list_drop(&out->late);
	memfd_luo_list_drop(&out->main);
}

/* ------------------------------------------------------------------------
 * Folios added since PRESERVE_FD
 */

/* shmem and hugetlbfs keep the noting state of a file here. */
static struct memfd_added **memfd_luo_added_slot(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return &HUGETLBFS_I(file_inode(file))->lu_added;
#endif
	return &SHMEM_I(file_inode(file))->lu_added;
}

/**
 * __memfd_note_added - note a folio added to a preserved memfd
 * @mapping: the memfd's mapping
 * @slot: where its file keeps its struct memfd_added
 * @index: the folio's index, in pages
 *
 * Called through memfd_note_added() by shmem and hugetlbfs for every folio
 * they add to the page cache of a file that has a struct memfd_added; the
 * page cache lock orders it with memfd_luo_unwatch().
 */
void __memfd_note_added(struct address_space *mapping,
			struct memfd_added *const *slot, pgoff_t index)
{
	struct memfd_added *added;
	unsigned long bit;

	xa_lock_irq(&mapping->i_pages);
	added = *slot;
	if (added) {
		bit = index >> added->order;
		if (bit < added->nr_bits && !test_and_set_bit(bit, added->bits))
			atomic_long_inc(&added->nr_noted);
	}
	xa_unlock_irq(&mapping->i_pages);
}

/**
 * memfd_luo_watch - have the folios added to a memfd from now on noted
 * @out: the memfd's state
 * @file: the memfd; its inode locked, and its size frozen from now on
 *
 * Before the snapshot, so that a folio added while it is taken is noted
 * (if the snapshot took it too, memfd_luo_take_added() finds it there).
 *
 * Return: 0, -EFBIG (a memfd of 64 TiB or more) or -ENOMEM.
 */
int memfd_luo_watch(struct memfd_luo_out *out, struct file *file)
{
	struct address_space *mapping = file->f_mapping;
	unsigned int order = 0;
	unsigned long pages;
	size_t size;

	if (is_file_hugepages(file))
		order = huge_page_order(hstate_file(file));
	pages = DIV_ROUND_UP(i_size_read(file_inode(file)), PAGE_SIZE << order);
	/*
	 * A bit per page of the file's size, charged to the preserver like
	 * the memfd's pages: 32 KiB per GiB.  A sparse memfd of 64 TiB or
	 * more would need more than kvmalloc() gives.
	 */
	size = struct_size(out->added, bits, BITS_TO_LONGS(pages));
	if (size > INT_MAX)
		return -EFBIG;
	out->added = kvzalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!out->added)
		return -ENOMEM;
	out->added->nr_bits = pages;
	out->added->order = order;
	xa_lock_irq(&mapping->i_pages);
	*memfd_luo_added_slot(file) = out->added;
	xa_unlock_irq(&mapping->i_pages);
	return 0;
}

/**
 * memfd_luo_unwatch - undo memfd_luo_watch()
 * @out: the memfd's state
 * @file: the memfd
 */
void memfd_luo_unwatch(struct memfd_luo_out *out, struct file *file)
{
	struct address_space *mapping = file->f_mapping;

	xa_lock_irq(&mapping->i_pages);
	*memfd_luo_added_slot(file) = NULL;
	xa_unlock_irq(&mapping->i_pages);
	kvfree(out->added);
	out->added = NULL;
}

/*
 * Pin the folio that covers page @index of @file into @list: under the
 * page cache's lock if it may stay where it is, otherwise through
 * memfd_pin_folios(), which moves it or reads it back from swap.
 *
 * Return: 0, with the folio pinned and added, or none when @index is a
 * hole again; or an error.
 */
static int memfd_luo_pin_one(struct memfd_luo_list *list, struct file *file,
			     pgoff_t index)
{
	XA_STATE(xas, &file->f_mapping->i_pages, index);
	struct folio *folio;
	int err = 0;

	xas_lock_irq(&xas);
	folio = xas_load(&xas);
	if (folio && !xa_is_value(folio) && folio_is_longterm_pinnable(folio)) {
		err = pin_folios(&folio, 1);
		if (!err)
			memfd_luo_add(list, folio);
		xas_unlock_irq(&xas);
		return err;
	}
	xas_unlock_irq(&xas);
	if (!folio)
		return 0;
	return memfd_luo_pin_slow(list, file, &index, index, 1);
}

/* Put the notes of the folios of @list back, for the next reboot to try. */
static void memfd_luo_renote(struct memfd_added *added,
			     const struct memfd_luo_list *list)
{
	unsigned long i;

	for (i = 0; i < list->nr; i++) {
		set_bit(list->recs[i].index >> added->order, added->bits);
		atomic_long_inc(&added->nr_noted);
	}
}

/*
 * Pin the folios at the pages noted since the last call into @new, in
 * index order: each folio once, and none that @out has already.
 */
static int memfd_luo_pin_added(struct memfd_luo_out *out, struct file *file,
			       struct memfd_luo_list *new)
{
	struct memfd_added *added = out->added;
	unsigned long bit = 0, noted;
	pgoff_t index, next = 0;
	int err;

	noted = atomic_long_xchg(&added->nr_noted, 0);
	err = memfd_luo_list_alloc(new, noted);
	if (err) {
		atomic_long_add(noted, &added->nr_noted);
		return err;
	}
	while ((bit = find_next_bit(added->bits, added->nr_bits, bit)) <
	       added->nr_bits) {
		clear_bit(bit, added->bits);
		index = (pgoff_t)bit++ << added->order;
		if (index < next || memfd_luo_list_find(&out->main, index) ||
		    memfd_luo_list_find(&out->late, index))
			continue;
		if (new->nr == new->cap) {
			/* More than were counted: noted meanwhile, next time. */
			set_bit(bit - 1, added->bits);
			atomic_long_inc(&added->nr_noted);
			continue;
		}
		err = memfd_luo_pin_one(new, file, index);
		if (err) {
			/*
			 * This page and those not reached yet stay noted; the
			 * count is a hint, and more than enough is fine.
			 */
			set_bit(bit - 1, added->bits);
			atomic_long_add(noted, &added->nr_noted);
			return err;
		}
		if (new->nr)
			next = folio_next_index(new->folios[new->nr - 1]);
	}
	return 0;
}

/*
 * Merge @new into the late list of @out: both are in index order and do
 * not overlap.  The folios move, pinned and preserved as they are.
 */
static int memfd_luo_merge_late(struct memfd_luo_out *out,
				struct memfd_luo_list *new)
{
	struct memfd_luo_list *late = &out->late, merged = {
		.per_folio = true,
	};
	unsigned long i = 0, j = 0;
	int err;

	err = memfd_luo_list_alloc(&merged, late->nr + new->nr);
	if (err)
		return err;
	while (i < late->nr || j < new->nr) {
		bool take_late = j == new->nr ||
				 (i < late->nr &&
				  late->recs[i].index < new->recs[j].index);
		struct memfd_luo_list *from = take_late ? late : new;
		unsigned long k = take_late ? i++ : j++;

		merged.folios[merged.nr] = from->folios[k];
		merged.recs[merged.nr++] = from->recs[k];
	}
	merged.nr_pages = late->nr_pages + new->nr_pages;
	merged.nr_preserved = merged.nr;
	err = memfd_luo_hand_over(&merged, &out->ser->late, &out->ser->nr_late);
	if (err) {
		vfree(merged.recs);
		kvfree(merged.folios);
		return err;
	}
	vfree(late->recs);
	kvfree(late->folios);
	*late = merged;
	return 0;
}

/**
 * memfd_luo_take_added - pin and preserve the folios added since the last
 * @out: the memfd's state
 * @file: the memfd; its inode locked
 *
 * At the reboot: the folios written into holes since PRESERVE_FD (or since
 * the previous reboot attempt) join the late list.  Only they are looked
 * at.  On failure they are noted again and the memfd is as it was: what
 * was taken up before stays, and a later reboot tries again.
 *
 * Return: 0, or an error of pinning, preserving or allocating.
 */
int memfd_luo_take_added(struct memfd_luo_out *out, struct file *file)
{
	struct memfd_luo_list new = { .per_folio = true };
	int err;

	if (!atomic_long_read(&out->added->nr_noted))
		return 0;
	err = memfd_luo_pin_added(out, file, &new);
	if (!err && !new.nr)
		goto out;
	if (!err) {
		memfd_luo_make_uptodate(&new);
		err = memfd_luo_test_fail_added() ? -ENOMEM :
		      memfd_luo_preserve_folios(&new);
	}
	if (!err)
		err = memfd_luo_merge_late(out, &new);
	if (!err) {
		/* Not held to the limit: the reboot cannot be refused for it. */
		memfd_luo_account(out, new.nr_pages, false);
		vfree(new.recs);	/* its folios are in the late list now */
		kvfree(new.folios);
		return 0;
	}
	memfd_luo_renote(out->added, &new);
out:
	memfd_luo_list_drop(&new);
	return err;
}

/* ------------------------------------------------------------------------
 * Accounting of the pinned pages
 */

/**
 * memfd_luo_account_to - count a memfd's pinned pages against the caller
 * @out: the memfd's state
 *
 * As iommufd counts the pages it pins for a device: against the current
 * user's locked_vm, limited by RLIMIT_MEMLOCK, and in the current mm's
 * pinned_vm, unless the task has CAP_IPC_LOCK.  Preserved pages stay
 * pinned for as long as they are preserved, as pages mapped for a device
 * do, and count the same way.
 */
void memfd_luo_account_to(struct memfd_luo_out *out)
{
	if (capable(CAP_IPC_LOCK) || !current->mm)
		return;
	out->user = get_uid(current_user());
	out->mm = current->mm;
	mmgrab(out->mm);
}

/**
 * memfd_luo_account - count more pinned pages of a memfd
 * @out: the memfd's state
 * @pages: how many
 * @limit: hold them to RLIMIT_MEMLOCK
 *
 * Return: 0, or -ENOMEM when @limit is set and the pages exceed it.
 */
int memfd_luo_account(struct memfd_luo_out *out, unsigned long pages,
		      bool limit)
{
	unsigned long cur, lock_limit;

	if (!out->user)
		return 0;
	lock_limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	cur = atomic_long_read(&out->user->locked_vm);
	do {
		if (limit && cur + pages > lock_limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&out->user->locked_vm, &cur,
					  cur + pages));
	atomic64_add(pages, &out->mm->pinned_vm);
	out->pinned += pages;
	return 0;
}

/**
 * memfd_luo_unaccount - undo memfd_luo_account_to() and every count since
 * @out: the memfd's state
 */
void memfd_luo_unaccount(struct memfd_luo_out *out)
{
	if (!out->user)
		return;
	atomic_long_sub(out->pinned, &out->user->locked_vm);
	atomic64_sub(out->pinned, &out->mm->pinned_vm);
	free_uid(out->user);
	mmdrop(out->mm);
	out->user = NULL;
	out->mm = NULL;
	out->pinned = 0;
}
