// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: memfd preservation: taking a memfd's folios up after its retrieve
 *
 * A guest's memory may be hundreds of GiB, and rebuilding its page cache
 * is a quarter of a million folios per GiB.  Done inside RETRIEVE_FD, that
 * work sits in the VM's blackout and grows with the guest.  So a shmem
 * memfd is given back at once and its folios follow.
 *
 * Life of a memfd taken up lazily.  RETRIEVE_FD reads nothing but the
 * memfd's own record: it makes the file with its size, seals, mode and
 * position, accounts its blocks and charges the retriever's memory cgroup
 * for every page it will have (shmem_charge_ahead()), so that a cgroup
 * without room fails the retrieve with ENOMEM and nothing changed, as
 * before.  It hangs a struct memfd_lazy on the inode and starts a worker.
 *
 * The folios are taken up a piece at a time, under the memfd_lazy's lock:
 * a piece is a run of records that KHO can restore on its own, at most
 * MAX_ORDER_NR_PAGES folios.  The worker takes the pieces in list order,
 * at the lowest priority (nice 19), so that it never keeps the VMM from
 * a CPU.  Anything that would look at or fill a hole of the file first
 * asks for the pieces of its pages: shmem_get_folio_gfp() (faults, read,
 * write, splice, fallocate, pinning), userfaultfd's fill, and khugepaged,
 * each for the PMD-sized window around the page, since shmem may fill a
 * hole with a huge folio.  SEEK_DATA and SEEK_HOLE, preserving the memfd again
 * and finishing the session take up everything first.  So a process sees
 * the same bytes, holes, size, seals, blocks and charge as after an eager
 * retrieve.  Truncating and punching holes cannot happen meanwhile: the
 * size stays frozen until the session finishes, and finishing waits for
 * the last piece.
 *
 * The first to come (worker or reader) restores the record lists and
 * checks all of them: sorted, inside the file, no overlap, as many pages
 * as the memfd's record says.  Then a piece is only looked up.
 *
 * When a piece cannot be taken up: out of memory for the page cache, the
 * piece keeps its restored folios for the next try, and the one who asked
 * gets ENOMEM, as shmem's own allocation failure would give it.  Malformed
 * records, or memory KHO does not know: the memfd is broken for good, with
 * a log line; its pages not taken up give EIO (SIGBUS in a fault), stay
 * reserved until the next kexec, which frees them, and the size stays
 * frozen.  Everything else in the file goes on working.
 *
 * The worker holds the file while it works.  Whoever puts the last piece
 * in lets that hold go before the memfd counts as done, so once FINISH
 * (which waits for the last piece) returns, the memfd's last close frees
 * its memory at once, as after an eager retrieve, and never a moment
 * later in the worker.  A worker that leaves early (out of memory, or a
 * broken memfd) lets the file go as it leaves.  Eviction waits for a
 * worker on its way out, and frees the memory of the pieces not taken up
 * (no worker ran, the test knob, or it left early).
 */

#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/delay.h>
#include <linux/file.h>
#include <linux/kexec_handover.h>
#include <linux/memcontrol.h>
#include <linux/memfd.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched/prio.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "memfd_luo.h"

/**
 * struct memfd_lazy_list - one of the two folio lists of a memfd
 * @recs: its records (a restored vmalloc area), once the lists are ready
 * @nr: how many
 * @next: the worker's place: every piece before it is taken up
 * @taken: a bit per record, set on the first of each piece taken up
 */
struct memfd_lazy_list {
	struct memfd_luo_folio_ser *recs;
	unsigned long nr;
	unsigned long next;
	unsigned long *taken;
};

/**
 * struct memfd_lazy - a retrieved shmem memfd whose folios are on their way
 * @lock: serializes taking pieces up, and everything below
 * @inode: the memfd's inode
 * @file: the memfd, held for the worker until every piece is in or the
 *	worker leaves; NULL without one
 * @work: the worker
 * @ser_folio: the folio of the memfd's handover record
 * @ser: the handover record
 * @list: the folios taken up at PRESERVE_FD and at the reboot
 * @batch: the folios of the piece being taken up
 * @held: @batch holds the restored folios of the piece at @held_list,
 *	@held_start, which could not go in the page cache (no memory)
 * @held_list: see @held
 * @held_start: see @held
 * @memcg: the memory cgroup charged for the pages, referenced
 * @ahead: pages accounted and charged ahead, not in the file yet
 * @pending: pages not taken up yet
 * @ready: the lists are restored and checked
 * @done: every piece is taken up; the lists are freed
 * @err: 0, or why the memfd's pages not taken up give EIO, for good
 */
struct memfd_lazy {
	struct mutex lock;	/* taking pieces up; the fields below */
	struct inode *inode;
	struct file *file;
	struct delayed_work work;
	struct folio *ser_folio;
	const struct memfd_luo_ser *ser;
	struct memfd_lazy_list list[2];
	struct folio **batch;
	bool held;
	unsigned int held_list;
	unsigned long held_start;
	struct mem_cgroup *memcg;
	unsigned long ahead;
	unsigned long pending;
	bool ready;
	bool done;
	int err;
};

/* ------------------------------------------------------------------------
 * The record lists
 */

/* Whether a piece starts at record @j of @l. */
static bool memfd_lazy_cut(const struct memfd_lazy_list *l, unsigned long j)
{
	return !j || !memfd_luo_continues(l->recs, j) ||
	       IS_ALIGNED(l->recs[j].phys, PAGE_SIZE << MAX_PAGE_ORDER);
}

/* The record after the piece that starts at @s. */
static unsigned long memfd_lazy_piece_end(const struct memfd_lazy_list *l,
					  unsigned long s)
{
	unsigned long e = s + 1;

	while (e < l->nr && !memfd_lazy_cut(l, e))
		e++;
	return e;
}

static bool memfd_lazy_piece_taken(const struct memfd_lazy_list *l,
				   unsigned long s)
{
	return s < l->next || test_bit(s, l->taken);
}

/* The first record of @l that ends after page @index. */
static unsigned long memfd_lazy_find(const struct memfd_lazy_list *l,
				     pgoff_t index)
{
	unsigned long lo = 0, hi = l->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->recs[mid].index + (1UL << l->recs[mid].order) <= index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Check list @l of the memfd of @ser as memfd_luo_in.c checks a list it
 * restores: ascending, aligned, inside the file.  Adds its pages to
 * @pages.
 */
static bool memfd_lazy_list_valid(const struct memfd_lazy_list *l,
				  const struct memfd_luo_ser *ser, u64 *pages)
{
	unsigned long i;
	pgoff_t next = 0;

	for (i = 0; i < l->nr; i++) {
		if (!memfd_luo_rec_valid(&l->recs[i], next, ser))
			return false;
		next = l->recs[i].index + (1UL << l->recs[i].order);
		*pages += 1UL << l->recs[i].order;
		if (!(i % 4096))
			cond_resched();
	}
	return true;
}

/* Whether the two valid lists of @lazy have no page in common. */
static bool memfd_lazy_disjoint(const struct memfd_lazy *lazy)
{
	const struct memfd_lazy_list *a = &lazy->list[0], *b = &lazy->list[1];
	const struct memfd_luo_folio_ser *x, *y;
	unsigned long i = 0, j = 0;

	while (i < a->nr && j < b->nr) {
		x = &a->recs[i];
		y = &b->recs[j];
		if (x->index + (1UL << x->order) <= y->index)
			i++;
		else if (y->index + (1UL << y->order) <= x->index)
			j++;
		else
			return false;
	}
	return true;
}

/*
 * Restore the record lists of @lazy and check them.  Return: 0, -ENOMEM
 * (try again), or -EINVAL for malformed handover data.
 */
static int memfd_lazy_prepare(struct memfd_lazy *lazy)
{
	const struct memfd_luo_ser *ser = lazy->ser;
	const struct kho_vmalloc *area[2] = { &ser->folios, &ser->late };
	struct memfd_lazy_list *l;
	u64 pages = 0;
	int i;

	for (i = 0; i < 2; i++) {
		l = &lazy->list[i];
		if (!l->nr || l->recs)
			continue;
		l->recs = kho_restore_vmalloc(area[i]);
		if (!l->recs)
			return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		l = &lazy->list[i];
		if (l->nr && !l->taken)
			l->taken = kvcalloc(BITS_TO_LONGS(l->nr), sizeof(long),
					    GFP_KERNEL);
		if (l->nr && !l->taken)
			return -ENOMEM;
	}
	if (!lazy->batch)
		lazy->batch = kmalloc_array(MAX_ORDER_NR_PAGES,
					    sizeof(*lazy->batch), GFP_KERNEL);
	if (!lazy->batch)
		return -ENOMEM;
	if (!memfd_lazy_list_valid(&lazy->list[0], ser, &pages) ||
	    !memfd_lazy_list_valid(&lazy->list[1], ser, &pages) ||
	    !memfd_lazy_disjoint(lazy) || pages != ser->nr_pages)
		return -EINVAL;
	lazy->ready = true;
	return 0;
}

/* ------------------------------------------------------------------------
 * Taking pieces up
 */

/*
 * Restore the folios of the piece [@s, @e) of @l into @folios, ready for
 * the page cache.  Return: 0, or -EINVAL with nothing restored.
 */
static int memfd_lazy_restore(const struct memfd_lazy_list *l,
			      unsigned long s, unsigned long e,
			      struct folio **folios)
{
	const struct memfd_luo_folio_ser *rec;
	unsigned long j;

	if (!memfd_luo_run_restore(l->recs, s, e - s, folios))
		return -EINVAL;
	for (j = s; j < e; j++) {
		rec = &l->recs[j];
		if (folio_order(folios[j - s]) != rec->order) {
			for (j = 0; j < e - s; j++)
				folio_put(folios[j]);
			return -EINVAL;
		}
	}
	for (j = s; j < e; j++) {
		rec = &l->recs[j];
		folios[j - s]->index = rec->index;
		if (rec->flags & MEMFD_LUO_FOLIO_UPTODATE)
			__folio_mark_uptodate(folios[j - s]);
		if (rec->flags & MEMFD_LUO_FOLIO_DIRTY)
			folio_set_dirty(folios[j - s]);
	}
	return 0;
}

/*
 * Take up the piece of list @li of @lazy that starts at @s: restore its
 * folios (or use those kept from a try that ran out of memory) and put
 * them in the file.  @lazy->lock held.
 */
static int memfd_lazy_take_piece(struct memfd_lazy *lazy, unsigned int li,
				 unsigned long s)
{
	struct memfd_lazy_list *l = &lazy->list[li];
	unsigned long e = memfd_lazy_piece_end(l, s), n = e - s, j;
	unsigned long pages = n == 1 ? 1UL << l->recs[s].order : n;
	struct folio **folios = lazy->batch;
	int err;

	if (!lazy->held) {
		err = memfd_lazy_restore(l, s, e, folios);
		if (err)
			return err;
		lazy->held = true;
		lazy->held_list = li;
		lazy->held_start = s;
	}
	if (lazy->ahead < pages) {
		/* A try that failed gave its charge back: charge again. */
		err = shmem_charge_ahead(lazy->inode, lazy->memcg, pages);
		if (err)
			return -ENOMEM;
		lazy->ahead += pages;
	}
	err = shmem_fill_folios(lazy->inode, folios, n, lazy->memcg);
	lazy->ahead -= pages;	/* used up or given back */
	if (err)
		return err == -EEXIST ? -EINVAL : err;
	lazy->held = false;
	lazy->pending -= pages;
	__set_bit(s, l->taken);
	for (j = 0; j < n; j++) {
		folio_add_lru(folios[j]);
		folio_put(folios[j]);
	}
	return 0;
}

/* Free the lists of @lazy, every piece taken up. */
static void memfd_lazy_free_lists(struct memfd_lazy *lazy)
{
	int i;

	for (i = 0; i < 2; i++) {
		vfree(lazy->list[i].recs);
		kvfree(lazy->list[i].taken);
		lazy->list[i].recs = NULL;
		lazy->list[i].taken = NULL;
	}
	kfree(lazy->batch);
	lazy->batch = NULL;
	folio_put(lazy->ser_folio);
	lazy->ser_folio = NULL;
	lazy->ser = NULL;
}

/*
 * The last piece is in: give back what was charged ahead and not used,
 * and the worker's hold on the file.  The session holds the file until
 * FINISH, and FINISH waits for the last piece, so this put is never the
 * last.  It comes before the memfd counts as done: whoever waited for
 * that can close the memfd and know the worker no longer holds it.
 */
static void memfd_lazy_complete(struct memfd_lazy *lazy)
{
	shmem_uncharge_ahead(lazy->inode, lazy->memcg, lazy->ahead);
	lazy->ahead = 0;
	memfd_lazy_free_lists(lazy);
	if (lazy->file) {
		fput(lazy->file);
		lazy->file = NULL;
	}
	/* Pairs with the acquire of the lockless checks: all is in the file */
	smp_store_release(&lazy->done, true);
}

/*
 * A failure of taking up @lazy: ENOMEM is tried again by whoever comes
 * next; anything else breaks the memfd for good.  Returns the error for
 * the one who asked: EIO for a broken memfd, as for a page that cannot be
 * read.
 */
static int memfd_lazy_failed(struct memfd_lazy *lazy, int err)
{
	if (err == -ENOMEM)
		return err;
	if (!lazy->err) {
		lazy->err = err;
		pr_err("cannot take up %lu pages of a retrieved memfd (%d): they give EIO and stay reserved until the next kexec\n",
		       lazy->pending, err);
	}
	return -EIO;
}

/*
 * Make the lists of @lazy ready, once.  Lists that could not be made
 * ready say nothing of where the folios are: every page gives EIO then.
 * @lazy->lock held.
 */
static int memfd_lazy_ready(struct memfd_lazy *lazy)
{
	int err;

	if (lazy->ready)
		return 0;
	if (lazy->err)
		return -EIO;
	err = memfd_lazy_prepare(lazy);
	return err ? memfd_lazy_failed(lazy, err) : 0;
}

/*
 * Get @lazy going: its lists ready, and the piece kept from a try that ran
 * out of memory taken up first.  @lazy->lock held.
 */
static int memfd_lazy_resume(struct memfd_lazy *lazy)
{
	int err = memfd_lazy_ready(lazy);

	if (err || !lazy->held || lazy->err)
		return err;
	err = memfd_lazy_take_piece(lazy, lazy->held_list, lazy->held_start);
	return err ? memfd_lazy_failed(lazy, err) : 0;
}

/*
 * Take up the pieces of @lazy with pages in [@start, @end).  Of a broken
 * memfd, only the pages taken up before it broke (and its holes) can be
 * had.  @lazy->lock held.
 */
static int memfd_lazy_take_range(struct memfd_lazy *lazy, pgoff_t start,
				 pgoff_t end)
{
	struct memfd_lazy_list *l;
	unsigned long i, s;
	unsigned int li;
	int err;

	err = memfd_lazy_resume(lazy);
	if (err)
		return err;
	for (li = 0; li < 2; li++) {
		l = &lazy->list[li];
		for (i = memfd_lazy_find(l, start);
		     i < l->nr && l->recs[i].index < end;
		     i = memfd_lazy_piece_end(l, s)) {
			for (s = i; !memfd_lazy_cut(l, s); s--)
				;
			if (memfd_lazy_piece_taken(l, s))
				continue;
			if (lazy->err)
				return -EIO;
			err = memfd_lazy_take_piece(lazy, li, s);
			if (err)
				return memfd_lazy_failed(lazy, err);
			cond_resched();
		}
	}
	return 0;
}

/*
 * The worker's step: take up the next piece not taken up yet.  @lazy->lock
 * held.  Return: 1 for more to come, 0 when every piece is in, or an error.
 */
static int memfd_lazy_step(struct memfd_lazy *lazy)
{
	struct memfd_lazy_list *l;
	unsigned int li;
	int err;

	err = memfd_lazy_resume(lazy);
	if (err)
		return err;
	if (lazy->err)
		return -EIO;
	for (li = 0; li < 2; li++) {
		l = &lazy->list[li];
		while (l->next < l->nr && test_bit(l->next, l->taken))
			l->next = memfd_lazy_piece_end(l, l->next);
		if (l->next == l->nr)
			continue;
		err = memfd_lazy_take_piece(lazy, li, l->next);
		if (err)
			return memfd_lazy_failed(lazy, err);
		l->next = memfd_lazy_piece_end(l, l->next);
		return 1;
	}
	memfd_lazy_complete(lazy);
	return 0;
}

/* Take up every piece of @lazy: 0, or the error of the one that failed. */
static int memfd_lazy_take_all(struct memfd_lazy *lazy)
{
	int err;

	do {
		mutex_lock(&lazy->lock);
		err = lazy->done ? 0 : memfd_lazy_step(lazy);
		mutex_unlock(&lazy->lock);
		cond_resched();
	} while (err > 0);
	return err;
}

/*
 * The workers run at the lowest priority: they are background work, and
 * anything that needs a page takes it up itself.  A VMM's vCPUs, resumed
 * while its memfd's folios are still on their way, must not wait for them.
 */
static struct workqueue_struct *memfd_lazy_wq;

/**
 * memfd_lazy_init - make the workqueue of the take-up workers
 *
 * Return: 0, or -ENOMEM (the system's unbound workqueue is used then).
 */
int __init memfd_lazy_init(void)
{
	struct workqueue_attrs *attrs;
	int err = -ENOMEM;

	memfd_lazy_wq = alloc_workqueue("memfd_luo", WQ_UNBOUND, 0);
	attrs = alloc_workqueue_attrs();
	if (memfd_lazy_wq && attrs) {
		attrs->nice = MAX_NICE;
		err = apply_workqueue_attrs(memfd_lazy_wq, attrs);
	}
	free_workqueue_attrs(attrs);
	if (err && memfd_lazy_wq) {
		destroy_workqueue(memfd_lazy_wq);
		memfd_lazy_wq = NULL;
	}
	return err;
}

/* How long the worker waits for memory, in all, before leaving it. */
#define MEMFD_LAZY_NOMEM_TRIES	50
#define MEMFD_LAZY_NOMEM_MS	100

static void memfd_lazy_work(struct work_struct *work)
{
	struct memfd_lazy *lazy = container_of(to_delayed_work(work),
					       struct memfd_lazy, work);
	struct file *file;
	int tries = 0, err;

	do {
		err = memfd_lazy_take_all(lazy);
		if (err == -ENOMEM)
			msleep(MEMFD_LAZY_NOMEM_MS);
	} while (err == -ENOMEM && ++tries < MEMFD_LAZY_NOMEM_TRIES);
	if (err == -ENOMEM)
		pr_warn("no memory to take up the rest of a retrieved memfd: left to its readers\n");
	/* Leaving early: the hold memfd_lazy_complete() did not let go. */
	mutex_lock(&lazy->lock);
	file = lazy->file;
	lazy->file = NULL;
	mutex_unlock(&lazy->lock);
	/* The last reference may go here; memfd_lazy_evict() waits for us. */
	if (file)
		fput(file);
}

/* ------------------------------------------------------------------------
 * What shmem and the handler call
 */

/**
 * __memfd_lazy_take - take up the folios of a range of a retrieved memfd
 * @lazy: the memfd's struct memfd_lazy
 * @start: the first page index
 * @end: the page index after the last; the range is widened to whole
 *	PMD-sized windows, as shmem may fill a hole with a huge folio
 *
 * Called by shmem before it looks at or fills a hole (memfd_lazy_take()).
 *
 * Context: May sleep.
 * Return: 0, when the range has every folio it will have; -ENOMEM, to be
 * tried again; -EIO when the memfd's handover turned out broken and a page
 * of the range is one of those that cannot be taken up.
 */
int __memfd_lazy_take(struct memfd_lazy *lazy, pgoff_t start, pgoff_t end)
{
	pgoff_t window = PMD_SIZE >> PAGE_SHIFT;
	int err;

	/* Pairs with memfd_lazy_complete(): every folio is in the file */
	if (smp_load_acquire(&lazy->done))
		return 0;
	start = round_down(start, window);
	end = end > ULONG_MAX - window ? ULONG_MAX : round_up(end, window);
	mutex_lock(&lazy->lock);
	err = lazy->done ? 0 : memfd_lazy_take_range(lazy, start, end);
	mutex_unlock(&lazy->lock);
	return err;
}

/**
 * memfd_lazy_evict - free the struct memfd_lazy of an inode being evicted
 * @slot: where the inode keeps it
 *
 * The worker let the file go, but may still be on its way out: it is
 * waited for.  Pieces never taken up (no worker ran, or it left early)
 * are freed; those of a broken handover are left for the next kexec.
 */
void memfd_lazy_evict(struct memfd_lazy **slot)
{
	struct memfd_lazy *lazy = *slot;
	struct memfd_lazy_list *l;
	unsigned long s, e;
	int li;

	if (!lazy)
		return;
	*slot = NULL;
	cancel_delayed_work_sync(&lazy->work);
	if (!lazy->done) {
		if (!lazy->ready && !lazy->err)
			memfd_lazy_ready(lazy);	/* to free, if it can */
		if (lazy->held) {
			l = &lazy->list[lazy->held_list];
			e = memfd_lazy_piece_end(l, lazy->held_start);
			for (s = 0; s < e - lazy->held_start; s++)
				folio_put(lazy->batch[s]);
			__set_bit(lazy->held_start, l->taken);
		}
		for (li = 0; lazy->ready && !lazy->err && li < 2; li++) {
			l = &lazy->list[li];
			for (s = l->next; s < l->nr; s = e) {
				e = memfd_lazy_piece_end(l, s);
				if (!test_bit(s, l->taken))
					memfd_luo_free_recs(l->recs, s, e);
			}
		}
		shmem_uncharge_ahead(lazy->inode, lazy->memcg, lazy->ahead);
		memfd_lazy_free_lists(lazy);
	}
	mem_cgroup_put(lazy->memcg);
	kfree(lazy);
}

/**
 * memfd_lazy_wait - have every folio of a retrieved memfd taken up
 * @file: the memfd
 *
 * For what needs the whole file as an eager retrieve leaves it: finishing
 * the session, preserving it again, SEEK_DATA and SEEK_HOLE.
 *
 * Return: 0, or -ENOMEM, -EIO as __memfd_lazy_take() returns them.
 */
int memfd_lazy_wait(struct file *file)
{
	struct memfd_lazy *lazy;

	if (!shmem_file(file))
		return 0;
	lazy = READ_ONCE(SHMEM_I(file_inode(file))->lu_lazy);
	/* Pairs with memfd_lazy_complete(): every folio is in the file */
	if (!lazy || smp_load_acquire(&lazy->done))
		return 0;
	/* Take pieces up alongside the worker rather than wait for it. */
	return memfd_lazy_take_all(lazy);
}

/**
 * memfd_lazy_rebuild - make a shmem memfd whose folios come after it
 * @in: the restored memfd record; on success the new file takes it over
 * @delay: jiffies before its worker starts; negative for no worker.  Only
 *	the tests ask for anything but 0 (memfd_luo_test_worker_delay()).
 *	Without a worker, pieces are taken up when asked for, and at finish.
 *
 * Return: the file, or an ERR_PTR: -ENOMEM when the current task's memory
 * cgroup has no room for the memfd's pages (nothing changed: try again),
 * or another error of making the file.
 */
struct file *memfd_lazy_rebuild(struct memfd_luo_in *in, long delay)
{
	const struct memfd_luo_ser *ser = in->ser;
	struct memfd_lazy *lazy;
	struct inode *inode;
	struct file *file;
	int err;

	lazy = kzalloc(sizeof(*lazy), GFP_KERNEL);
	if (!lazy)
		return ERR_PTR(-ENOMEM);
	file = memfd_luo_new_file(ser);
	if (IS_ERR(file)) {
		kfree(lazy);
		return file;
	}
	inode = file_inode(file);
	lazy->memcg = get_mem_cgroup_from_current();
	err = shmem_charge_ahead(inode, lazy->memcg, ser->nr_pages);
	if (err) {
		mem_cgroup_put(lazy->memcg);
		kfree(lazy);
		fput(file);
		return ERR_PTR(err == -ENOSPC ? -ENOMEM : err);
	}
	mutex_init(&lazy->lock);
	INIT_DELAYED_WORK(&lazy->work, memfd_lazy_work);
	lazy->inode = inode;
	lazy->ser_folio = in->ser_folio;
	lazy->ser = ser;
	lazy->list[0].nr = ser->nr_folios;
	lazy->list[1].nr = ser->nr_late;
	lazy->ahead = ser->nr_pages;
	lazy->pending = ser->nr_pages;
	in->ser_folio = NULL;
	in->ser = NULL;
	if (!ser->nr_pages) {
		memfd_lazy_free_lists(lazy);
		lazy->done = true;
	}
	SHMEM_I(inode)->lu_lazy = lazy;
	if (delay >= 0 && !lazy->done) {
		lazy->file = get_file(file);
		queue_delayed_work(memfd_lazy_wq ?: system_unbound_wq,
				   &lazy->work, delay);
	}
	return file;
}
