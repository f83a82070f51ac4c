// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: memfd preservation
 *
 * A live update file handler for memfds (shmem and hugetlbfs), so that
 * guest memory kept in memfds survives a kexec without a copy.
 * PRESERVE_FD pins every folio the memfd has and preserves it in place
 * with kexec handover; holes stay holes.  From then on the size is frozen:
 * truncating, growing (also by writing or fallocate() past the end) and
 * punching holes fail with EPERM, while writes within the size go on and
 * are what the next kernel sees.
 * Folios that appear later inside the size (a write into a hole) are picked
 * up at the reboot.  The next kernel rebuilds a memfd with the same folios,
 * size, file position, seals and per-folio dirty and uptodate state,
 * charged to the memory cgroup of the task that retrieves it.  Finishing a
 * memfd never retrieved frees its memory.
 *
 * If the memfd cannot be rebuilt (the retriever's memory cgroup has no room
 * for it), RETRIEVE_FD fails with ENOMEM and the handler keeps the restored
 * folios, so that a later retrieve can try again.
 *
 * hugetlb memfds are preserved the same way, a huge page per folio; in the
 * next kernel their pages are surplus huge pages in use by the memfd, so
 * the persistent pool keeps its size and the pages go back to the page
 * allocator when the memfd lets go of them.  They are charged to the
 * retriever's memory cgroup where hugetlb memory is charged at all (cgroup
 * v2 mounted with memory_hugetlb_accounting), as faults would charge them.
 *
 * Not supported: memfds of gigantic (1 GiB) pages and memfds with
 * swapped-out pages (EOPNOTSUPP).  A write into a hole after the
 * reboot has started (after the freeze) is not carried over.
 */

#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/debugfs.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/memfd.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "internal.h"

#define MEMFD_LUO_COMPATIBLE	"memfd-612-v1"

#define MEMFD_LUO_FOLIO_DIRTY		BIT(0)
#define MEMFD_LUO_FOLIO_UPTODATE	BIT(1)

#define MEMFD_LUO_NOEXEC		BIT(0)	/* the memfd has no exec bits */

/**
 * struct memfd_luo_folio_ser - a preserved folio of a memfd
 * @phys: its physical address
 * @index: its index in the file
 * @order: its order
 * @flags: MEMFD_LUO_FOLIO_DIRTY, MEMFD_LUO_FOLIO_UPTODATE
 */
struct memfd_luo_folio_ser {
	u64 phys;
	u64 index;
	u32 order;
	u32 flags;
} __packed;

/**
 * struct memfd_luo_ser - a preserved memfd, as handed to the next kernel
 * @pos: the file position
 * @size: the file size in bytes
 * @seals: its seals (F_SEAL_*)
 * @flags: MEMFD_LUO_NOEXEC
 * @nr_folios: number of folios
 * @folios: a vmalloc area of @nr_folios struct memfd_luo_folio_ser, in
 *	index order; zeroes when there is none
 * @huge_shift: a hugetlb memfd: log2 of its huge page size; 0 for shmem
 * @reserved: zero
 */
struct memfd_luo_ser {
	u64 pos;
	u64 size;
	u32 seals;
	u32 flags;
	u64 nr_folios;
	struct kho_vmalloc folios;
	u32 huge_shift;
	u32 reserved;
} __packed;

/* The seals and the size_frozen flag of a shmem or hugetlbfs memfd. */
static unsigned int *memfd_luo_seals(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return &HUGETLBFS_I(file_inode(file))->seals;
#endif
	return &SHMEM_I(file_inode(file))->seals;
}

static bool *memfd_luo_size_frozen(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return &HUGETLBFS_I(file_inode(file))->size_frozen;
#endif
	return &SHMEM_I(file_inode(file))->size_frozen;
}

/*
 * Whether record @i (not the first) goes on the run of record @i - 1: an
 * order-0 folio right after the order-0 folio of @i - 1.
 */
static bool memfd_luo_continues(const struct memfd_luo_folio_ser *recs,
				unsigned long i)
{
	return !recs[i].order && !recs[i - 1].order &&
	       recs[i].phys == recs[i - 1].phys + PAGE_SIZE;
}

/*
 * The number of records from @i on that are one run of order-0 folios at
 * adjacent physical addresses (at least 1).  Such a run is preserved, and
 * restored, as one range of pages: far fewer KHO blocks than one per
 * folio, as a memfd's pages are mostly contiguous.  Both kernels cut the
 * runs by this rule; the next kernel may cut one further only where
 * kho_preserve_pages() allows it (memfd_luo_split()).
 */
static unsigned long memfd_luo_run(const struct memfd_luo_folio_ser *recs,
				   unsigned long i, unsigned long nr)
{
	unsigned long n = 1;

	while (i + n < nr && memfd_luo_continues(recs, i + n))
		n++;
	return n;
}

/* An outgoing memfd. */
struct memfd_luo_out {
	struct memfd_luo_ser *ser;
	struct memfd_luo_folio_ser *recs;
	struct folio **folios;		/* pinned */
	unsigned long nr;
	unsigned long cap;		/* room in folios and recs */
	unsigned long nr_pages;
	unsigned long nr_preserved;	/* folios preserved with KHO */
};

/* Preserve, or unpreserve, the run of @n records of @out from @i on. */
static int memfd_luo_run_preserve(struct memfd_luo_out *out, unsigned long i,
				  unsigned long n, bool preserve)
{
	struct folio *folio = out->folios[i];

	if (folio_order(folio))
		return preserve ? kho_preserve_folio(folio) :
				  kho_unpreserve_folio(folio);
	return preserve ? kho_preserve_pages(&folio->page, n) :
			  kho_unpreserve_pages(&folio->page, n);
}

/* Unpreserve the folios of @out that are preserved, by runs. */
static void memfd_luo_unpreserve_runs(struct memfd_luo_out *out)
{
	unsigned long i, n;

	for (i = 0; i < out->nr_preserved; i += n) {
		n = memfd_luo_run(out->recs, i, out->nr_preserved);
		memfd_luo_run_preserve(out, i, n, false);
	}
	out->nr_preserved = 0;
}

/* Unpreserve and unpin everything of @out but @out->ser. */
static void memfd_luo_drop(struct memfd_luo_out *out)
{
	if (out->ser->nr_folios)
		kho_unpreserve_vmalloc(&out->ser->folios);
	memfd_luo_unpreserve_runs(out);
	if (out->nr)
		unpin_folios(out->folios, out->nr);
	vfree(out->recs);
	kvfree(out->folios);
	out->recs = NULL;
	out->folios = NULL;
	out->nr = 0;
	out->cap = 0;
	out->nr_pages = 0;
	out->ser->nr_folios = 0;
}

static u32 memfd_luo_folio_flags(struct folio *folio)
{
	return (folio_test_dirty(folio) ? MEMFD_LUO_FOLIO_DIRTY : 0) |
	       (folio_test_uptodate(folio) ? MEMFD_LUO_FOLIO_UPTODATE : 0);
}

/* Take pinned @folio into @out: the next folio and record. */
static void memfd_luo_add(struct memfd_luo_out *out, struct folio *folio)
{
	out->folios[out->nr] = folio;
	out->recs[out->nr++] = (struct memfd_luo_folio_ser) {
		.phys = PFN_PHYS(folio_pfn(folio)),
		.index = folio->index,
		.order = folio_order(folio),
		.flags = memfd_luo_folio_flags(folio),
	};
	out->nr_pages += folio_nr_pages(folio);
}

/* Folios pinned per hold of the page cache's lock (interrupts are off). */
#define MEMFD_LUO_WALK_BATCH	256

/*
 * Pin the folios recorded in @out since @*start, with the xarray lock
 * still held; on failure forget them, as they are not ours to unpin.
 */
static int memfd_luo_pin_new(struct memfd_luo_out *out, unsigned long *start)
{
	int err = pin_folios(out->folios + *start, out->nr - *start);

	if (err)
		out->nr = *start;
	*start = out->nr;
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
 * Returns 0 when done; -EAGAIN if the file grew past the room in @out
 * under us; or 1, with @*index at it, at a folio that needs more than a
 * pin: one that may not stay pinned where it is (in CMA, where KHO's
 * scratch areas are, or in ZONE_MOVABLE) or a page out on swap.
 */
static int memfd_luo_walk(struct memfd_luo_out *out, struct file *file,
			  pgoff_t *index, pgoff_t last)
{
	XA_STATE(xas, &file->f_mapping->i_pages, *index);
	unsigned long start = out->nr;
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
		if (out->nr == out->cap) {
			ret = -EAGAIN;
			break;
		}
		memfd_luo_add(out, folio);
		if (out->nr - start < MEMFD_LUO_WALK_BATCH)
			continue;
		ret = memfd_luo_pin_new(out, &start);
		if (ret)
			break;
		xas_pause(&xas);
		xas_unlock_irq(&xas);
		cond_resched();
		xas_lock_irq(&xas);
	}
	err = memfd_luo_pin_new(out, &start);
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
 * Pin what the walk stopped at, and the run of folios after it up to
 * @last (at most MEMFD_LUO_SLOW_PAGES pages), with memfd_pin_folios(): it
 * migrates the folios that may not stay pinned where they are (KHO's
 * scratch areas are CMA, and the next kernel boots in them) and reads a
 * page out on swap back in.  The run ends at a hole, which stays a hole.
 * Moves @*index past what it pinned.
 */
static int memfd_luo_pin_slow(struct memfd_luo_out *out, struct file *file,
			      pgoff_t *index, pgoff_t last)
{
	loff_t size = i_size_read(file_inode(file));
	pgoff_t end, offset;
	long n;

	end = min(last, *index + MEMFD_LUO_SLOW_PAGES - 1);
	end = memfd_luo_run_end(file->f_mapping, *index, end);
	n = memfd_pin_folios(file, (loff_t)*index << PAGE_SHIFT,
			     min_t(loff_t, size, (loff_t)(end + 1) << PAGE_SHIFT) - 1,
			     out->folios + out->nr, out->cap - out->nr, &offset);
	if (n <= 0)
		return n ? n : -EAGAIN;
	while (n--)
		memfd_luo_add(out, out->folios[out->nr]);
	*index = folio_next_index(out->folios[out->nr - 1]);
	return 0;
}

/*
 * Pin and record every folio @file has within its size; holes stay holes.
 * The walk pins, and where it cannot, memfd_pin_folios() moves and pins
 * some folios before the walk goes on: only what must move is moved.
 */
static int memfd_luo_pin(struct memfd_luo_out *out, struct file *file)
{
	loff_t size = i_size_read(file_inode(file));
	unsigned long cap = file->f_mapping->nrpages;
	pgoff_t index = 0, last;
	int ret;

	if (!size)
		return 0;
	last = (size - 1) >> PAGE_SHIFT;
	if (is_file_hugepages(file))
		cap >>= huge_page_order(hstate_file(file));
	cap += 64;	/* faults may fill holes meanwhile */
	out->folios = kvmalloc_array(cap, sizeof(*out->folios), GFP_KERNEL);
	out->recs = vmalloc(array_size(cap, sizeof(*out->recs)));
	if (!out->folios || !out->recs)
		return -ENOMEM;
	out->cap = cap;
	while ((ret = memfd_luo_walk(out, file, &index, last)) > 0) {
		if (out->nr == out->cap)
			return -EAGAIN;
		ret = memfd_luo_pin_slow(out, file, &index, last);
		if (ret)
			break;
	}
	return ret;
}

/*
 * Leave the records in an area of just their size, as the next kernel
 * expects: a memfd of large folios has far fewer than the room made for
 * them.
 */
static int memfd_luo_fit(struct memfd_luo_out *out)
{
	size_t size = array_size(out->nr, sizeof(*out->recs));
	struct memfd_luo_folio_ser *recs;

	if (PAGE_ALIGN(size) == PAGE_ALIGN(array_size(out->cap,
						      sizeof(*out->recs))))
		return 0;
	recs = vmalloc(size);
	if (!recs)
		return -ENOMEM;
	memcpy(recs, out->recs, size);
	vfree(out->recs);
	out->recs = recs;
	out->cap = out->nr;
	return 0;
}

/* Preserve the pinned folios of @out and their records. */
static int memfd_luo_build(struct memfd_luo_out *out)
{
	unsigned long i, n;
	int err;

	if (!out->nr)
		return 0;
	err = memfd_luo_fit(out);
	if (err)
		return err;
	for (i = 0; i < out->nr; i += n) {
		n = memfd_luo_run(out->recs, i, out->nr);
		err = memfd_luo_run_preserve(out, i, n, true);
		if (err)
			goto unwind;
		out->nr_preserved = i + n;
	}
	err = kho_preserve_vmalloc(out->recs, &out->ser->folios);
	if (err)
		goto unwind;
	out->ser->nr_folios = out->nr;
	return 0;

unwind:
	memfd_luo_unpreserve_runs(out);
	return err;
}

/* Pin and preserve what @file holds now; inode lock held. */
static int memfd_luo_snapshot(struct memfd_luo_out *out, struct file *file)
{
	int err;

	if (shmem_file(file) && SHMEM_I(file_inode(file))->swapped)
		return -EOPNOTSUPP;
	err = memfd_luo_pin(out, file);
	if (!err)
		err = memfd_luo_build(out);
	if (err)
		memfd_luo_drop(out);
	return err;
}

static bool memfd_luo_can_preserve(struct liveupdate_file_handler *fh,
				   struct file *file)
{
	/*
	 * A memfd: shmem or hugetlbfs, and not linked anywhere (files of
	 * tmpfs or of a hugetlbfs mount are).
	 */
	return (shmem_file(file) || is_file_hugepages(file)) &&
	       !file_inode(file)->i_nlink;
}

static unsigned long memfd_luo_get_id(struct file *file)
{
	return (unsigned long)file_inode(file);
}

static int memfd_luo_preserve(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	unsigned int seals, huge_shift = 0;
	struct memfd_luo_out *out;
	int err;

	if (is_file_hugepages(args->file)) {
		/* Gigantic pages are beyond what KHO restores as a folio. */
		if (hstate_is_gigantic(hstate_file(args->file)))
			return -EOPNOTSUPP;
		huge_shift = huge_page_shift(hstate_file(args->file));
	}

	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	out->ser = kho_alloc_preserve(sizeof(*out->ser));
	if (IS_ERR(out->ser)) {
		err = PTR_ERR(out->ser);
		goto out_free;
	}

	inode_lock(inode);
	seals = *memfd_luo_seals(args->file);
	if (seals & ~(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
			    F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)) {
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	err = memfd_luo_snapshot(out, args->file);
	if (err)
		goto out_unlock;
	out->ser->size = i_size_read(inode);
	out->ser->seals = seals;
	out->ser->huge_shift = huge_shift;
	out->ser->flags = inode->i_mode & 0111 ? 0 : MEMFD_LUO_NOEXEC;
	out->ser->pos = args->file->f_pos;
	*memfd_luo_size_frozen(args->file) = true;
	inode_unlock(inode);

	args->serialized_data = virt_to_phys(out->ser);
	args->private_data = out;
	return 0;

out_unlock:
	inode_unlock(inode);
	kho_unpreserve_free(out->ser);
out_free:
	kfree(out);
	return err;
}

static void memfd_luo_unpreserve(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	struct memfd_luo_out *out = args->private_data;

	inode_lock(inode);
	memfd_luo_drop(out);
	*memfd_luo_size_frozen(args->file) = false;
	inode_unlock(inode);
	kho_unpreserve_free(out->ser);
	kfree(out);
}

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * For the tests of malformed handover data (LIVEUPDATE_TEST): with
 * memfd_luo/corrupt set in debugfs, the next memfd frozen gets a record,
 * three quarters down its list, whose index goes back, which the next
 * kernel must refuse.
 */
static bool memfd_luo_corrupt;

static void memfd_luo_break(struct memfd_luo_out *out)
{
	unsigned long i = max(out->nr / 4 * 3, 1UL);

	if (!memfd_luo_corrupt || out->nr < 2)
		return;
	memfd_luo_corrupt = false;
	out->recs[i].index = out->recs[i - 1].index;
	pr_warn("test: record %lu of %lu made malformed\n", i, out->nr);
}

static void __init memfd_luo_debugfs(void)
{
	debugfs_create_bool("corrupt", 0600,
			    debugfs_create_dir("memfd_luo", NULL),
			    &memfd_luo_corrupt);
}
#else
static void memfd_luo_break(struct memfd_luo_out *out) { }
static void __init memfd_luo_debugfs(void) { }
#endif

/*
 * At the reboot: take up folios that appeared in holes since the preserve,
 * and record the file position and each folio's state as they are now.
 */
static int memfd_luo_freeze(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	struct memfd_luo_out *out = args->private_data;
	unsigned long i;
	int err = 0;

	inode_lock(inode);
	if (inode->i_mapping->nrpages != out->nr_pages) {
		memfd_luo_drop(out);
		err = memfd_luo_snapshot(out, args->file);
	}
	for (i = 0; !err && i < out->nr; i++)
		out->recs[i].flags = memfd_luo_folio_flags(out->folios[i]);
	if (!err)
		memfd_luo_break(out);
	out->ser->pos = args->file->f_pos;
	inode_unlock(inode);
	return err;
}

/* ------------------------------------------------------------------------
 * The next kernel
 */

/*
 * What the first retrieve of a memfd took of its preserved state.  If
 * the memfd cannot be rebuilt now (its memory cgroup has no room, say),
 * this stays with LUO as the file's private data, so that a later
 * retrieve, maybe from another process, can try again; finish frees it.
 */
struct memfd_luo_in {
	struct folio *ser_folio;
	const struct memfd_luo_ser *ser;
	struct folio **folios;
	unsigned long nr;
};

/*
 * Restore the run of @n records of @recs from @i on: the folios, in
 * @folios.  All of them or none.
 */
static bool memfd_luo_run_restore(const struct memfd_luo_folio_ser *recs,
				  unsigned long i, unsigned long n,
				  struct folio **folios)
{
	struct page *page;
	unsigned long j;

	if (n == 1) {
		folios[0] = kho_restore_folio(recs[i].phys);
		return folios[0];
	}
	page = kho_restore_pages(recs[i].phys, n);
	if (!page)
		return false;
	for (j = 0; j < n; j++)
		folios[j] = page_folio(page + j);
	return true;
}

/* Restore and free the folios of records [@from, @nr) of @recs: both run boundaries. */
static void memfd_luo_free_recs(const struct memfd_luo_folio_ser *recs,
				unsigned long from, unsigned long nr)
{
	struct folio *folio;
	unsigned long n, j;
	struct page *page;

	for (; from < nr; from += n) {
		n = memfd_luo_run(recs, from, nr);
		if (n == 1) {
			folio = kho_restore_folio(recs[from].phys);
			if (folio)
				folio_put(folio);
			continue;
		}
		page = kho_restore_pages(recs[from].phys, n);
		for (j = 0; page && j < n; j++)
			put_page(page + j);
	}
}

/* Put what @in holds, but not @in itself. */
static void memfd_luo_in_put(struct memfd_luo_in *in)
{
	while (in->nr)
		folio_put(in->folios[--in->nr]);
	kvfree(in->folios);
	in->folios = NULL;
	if (in->ser_folio)
		folio_put(in->ser_folio);
	in->ser_folio = NULL;
	in->ser = NULL;
}

/* Whether a handed-over record is one this kernel can act on. */
static bool memfd_luo_ser_valid(const struct memfd_luo_ser *ser)
{
	size_t list = ser->nr_folios * sizeof(struct memfd_luo_folio_ser);

	if (ser->size > MAX_LFS_FILESIZE || ser->pos > MAX_LFS_FILESIZE ||
	    ser->reserved)
		return false;
	/* The folio list: a vmalloc area of just the right size, or none. */
	if (ser->nr_folios ?
	    ser->folios.nr_pages != DIV_ROUND_UP(list, PAGE_SIZE) :
	    ser->folios.first != 0)
		return false;
	/* hugetlb: a huge page size KHO can restore, and a size of pages. */
	if (!ser->huge_shift)
		return true;
	return ser->huge_shift > PAGE_SHIFT &&
	       ser->huge_shift <= PAGE_SHIFT + MAX_PAGE_ORDER &&
	       IS_ALIGNED(ser->size, 1ULL << ser->huge_shift);
}

/* The handed-over record at @phys, restored, or NULL. */
static struct memfd_luo_ser *memfd_luo_take_ser(u64 phys, struct folio **folio)
{
	*folio = kho_restore_folio(phys);
	if (!*folio)
		return NULL;
	if (!memfd_luo_ser_valid(folio_address(*folio))) {
		folio_put(*folio);
		*folio = NULL;
		return NULL;
	}
	return folio_address(*folio);
}

/*
 * Whether folio record @rec may follow one that ended at page @next, in
 * the memfd of @ser: a hugetlb memfd has only folios of its page size.
 */
static bool memfd_luo_rec_valid(const struct memfd_luo_folio_ser *rec,
				pgoff_t next, const struct memfd_luo_ser *ser)
{
	loff_t size = ser->size;

	if (ser->huge_shift && rec->order != ser->huge_shift - PAGE_SHIFT)
		return false;
	return rec->order <= MAX_PAGE_ORDER && rec->index >= next &&
	       IS_ALIGNED(rec->index, 1UL << rec->order) &&
	       rec->index < DIV_ROUND_UP(size, PAGE_SIZE) &&
	       IS_ALIGNED(rec->phys, PAGE_SIZE << rec->order);
}

/*
 * A part of the folio list of a memfd, restored by one CPU: records
 * [@start, @end), of which [@start, @done) are restored.
 */
struct memfd_luo_part {
	struct work_struct work;
	const struct memfd_luo_folio_ser *recs;
	const struct memfd_luo_ser *ser;
	struct folio **folios;
	unsigned long start, end, done;
	int err;
};

/* Restore the folios of @part, ready for the page cache. */
static int memfd_luo_restore_part(struct memfd_luo_part *part)
{
	const struct memfd_luo_folio_ser *recs = part->recs, *prev;
	unsigned long i, j, n;
	struct folio *folio;
	pgoff_t next = 0;

	if (part->start) {
		/* The other part checks it; only its end is needed here. */
		prev = &recs[part->start - 1];
		if (prev->order > MAX_PAGE_ORDER)
			return -EINVAL;
		next = prev->index + (1UL << prev->order);
	}
	for (i = part->start; i < part->end; i += n) {
		n = memfd_luo_run(recs, i, part->end);
		for (j = i; j < i + n; j++) {
			if (!memfd_luo_rec_valid(&recs[j], next, part->ser))
				return -EINVAL;
			next = recs[j].index + (1UL << recs[j].order);
		}
		if (!memfd_luo_run_restore(recs, i, n, part->folios + i))
			return -EINVAL;
		part->done = i + n;
		for (j = i; j < i + n; j++) {
			folio = part->folios[j];
			if (folio_order(folio) != recs[j].order)
				return -EINVAL;
			folio->index = recs[j].index;
			if (recs[j].flags & MEMFD_LUO_FOLIO_UPTODATE)
				__folio_mark_uptodate(folio);
			if (recs[j].flags & MEMFD_LUO_FOLIO_DIRTY)
				folio_set_dirty(folio);
		}
	}
	return 0;
}

static void memfd_luo_restore_work(struct work_struct *work)
{
	struct memfd_luo_part *part = container_of(work, typeof(*part), work);

	part->err = memfd_luo_restore_part(part);
}

/* Fewer records than this are restored by one CPU. */
#define MEMFD_LUO_SPLIT_MIN	32768

/*
 * Where to cut @recs in two parts for two CPUs, from the middle on: where
 * a run ends, or inside a run at a page aligned to MAX_ORDER_NR_PAGES,
 * where kho_preserve_pages() lets a range of pages be restored in pieces
 * (runs are long: a GiB written at once is a few dozen).  @nr for no
 * second part: a short list or a single CPU.
 */
static unsigned long memfd_luo_split(const struct memfd_luo_folio_ser *recs,
				     unsigned long nr)
{
	unsigned long i;

	if (nr < MEMFD_LUO_SPLIT_MIN || num_online_cpus() < 2)
		return nr;
	for (i = nr / 2; i < nr; i++)
		if (!memfd_luo_continues(recs, i) ||
		    IS_ALIGNED(recs[i].phys, PAGE_SIZE << MAX_PAGE_ORDER))
			return i;
	return nr;
}

/*
 * Restore the folios of @recs into @in, ready for the page cache; a long
 * list in two parts, the second on another CPU: restoring a GiB is a
 * quarter of a million folios to set up while the VMM waits.  On failure
 * everything is freed: what was restored, and the memory of the rest.
 */
static int memfd_luo_restore_folios(struct memfd_luo_in *in,
				    const struct memfd_luo_folio_ser *recs)
{
	unsigned long nr = in->ser->nr_folios, mid, i, j;
	struct memfd_luo_part part[2];
	int err;

	in->folios = kvmalloc_array(nr, sizeof(*in->folios), GFP_KERNEL);
	if (!in->folios) {
		memfd_luo_free_recs(recs, 0, nr);
		return -ENOMEM;
	}
	mid = memfd_luo_split(recs, nr);
	for (i = 0; i < 2; i++)
		part[i] = (struct memfd_luo_part) {
			.recs = recs,
			.ser = in->ser,
			.folios = in->folios,
			.start = i ? mid : 0,
			.end = i ? nr : mid,
			.done = i ? mid : 0,
		};
	if (mid < nr) {
		INIT_WORK_ONSTACK(&part[1].work, memfd_luo_restore_work);
		queue_work(system_unbound_wq, &part[1].work);
	}
	err = memfd_luo_restore_part(&part[0]);
	if (mid < nr) {
		flush_work(&part[1].work);
		destroy_work_on_stack(&part[1].work);
		err = err ?: part[1].err;
	}
	if (!err) {
		in->nr = nr;
		return 0;
	}
	for (i = 0; i < 2; i++) {
		for (j = part[i].start; j < part[i].done; j++)
			folio_put(in->folios[j]);
		memfd_luo_free_recs(recs, part[i].done, part[i].end);
	}
	return err;
}

/*
 * Take up the memfd handed over at @phys into @in: its record and every
 * folio, restored.  On malformed data (or no memory for the folio array),
 * free what can be freed of it and fail; nothing is left to retry with.
 */
static int memfd_luo_in_take(struct memfd_luo_in *in, u64 phys)
{
	struct memfd_luo_folio_ser *recs;
	int err;

	in->ser = memfd_luo_take_ser(phys, &in->ser_folio);
	if (!in->ser)
		return -EINVAL;
	if (!in->ser->nr_folios)
		return 0;
	recs = kho_restore_vmalloc(&in->ser->folios);
	if (!recs) {
		memfd_luo_in_put(in);
		return -EINVAL;
	}
	err = memfd_luo_restore_folios(in, recs);
	if (err)
		memfd_luo_in_put(in);
	vfree(recs);
	return err;
}

/* An empty shmem or hugetlbfs file for the memfd of @ser. */
static struct file *memfd_luo_setup(const struct memfd_luo_ser *ser)
{
	struct hstate *h;

	if (!ser->huge_shift)
		return shmem_file_setup("memfd:liveupdate", 0, VM_NORESERVE);
	h = size_to_hstate(1UL << ser->huge_shift);
	if (!h || hstate_is_gigantic(h)) {
		pr_err("no huge page size of 2^%u bytes for a handed-over memfd\n",
		       ser->huge_shift);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return hugetlb_file_setup("memfd:liveupdate", 0, VM_NORESERVE,
				  HUGETLB_ANONHUGE_INODE, ser->huge_shift);
}

static struct file *memfd_luo_new_file(const struct memfd_luo_ser *ser)
{
	struct file *file;
	struct inode *inode;
	int err;

	file = memfd_luo_setup(ser);
	if (IS_ERR(file))
		return file;
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	inode = file_inode(file);
	if (ser->flags & MEMFD_LUO_NOEXEC)
		inode->i_mode &= ~0111;
	*memfd_luo_seals(file) = 0;
	i_size_write(inode, ser->size);
	/* The page cache is empty: even F_SEAL_WRITE can be added now. */
	if (ser->seals) {
		err = memfd_fcntl(file, F_ADD_SEALS, ser->seals);
		if (err) {
			fput(file);
			return ERR_PTR(err);
		}
	}
	file->f_pos = ser->pos;
	return file;
}

/*
 * Give the folios of @in to the hugetlbfs @file.  If the memory cgroup
 * has no room (where hugetlb memory is charged), nothing changed and a
 * later retrieve can try again.  A later failure, on a small allocation,
 * loses the folios already in @file with it: the others are freed too,
 * and @in is emptied.
 */
static int memfd_luo_insert_hugetlb(struct file *file, struct memfd_luo_in *in)
{
	unsigned long done, i;
	int err;

	err = hugetlb_insert_folios(file_inode(file), in->folios, in->nr,
				    &done);
	if (!err || !done)
		return err;
	/* The folios it did not consume are still ours. */
	for (i = done; i < in->nr; i++)
		folio_put(in->folios[i]);
	in->nr = 0;
	return err;
}

/*
 * The folios of a rebuilt shmem memfd on their way to the LRU.  The memfd
 * is usable as soon as they are in its page cache; putting 262144 folios
 * of a GiB on the LRU one by one would add a third to the time the VMM
 * waits for its memory after the kexec, so a work item does it.  Until
 * then they are not reclaimable, like folios waiting in a per-CPU LRU
 * batch; the work item holds the references that keep them.
 */
struct memfd_luo_lru {
	struct work_struct work;
	struct folio **folios;
	unsigned long nr;
};

static void memfd_luo_lru_work(struct work_struct *work)
{
	struct memfd_luo_lru *lru = container_of(work, struct memfd_luo_lru,
						 work);
	unsigned long i;

	for (i = 0; i < lru->nr; i++) {
		folio_add_lru(lru->folios[i]);
		folio_put(lru->folios[i]);
		if (!(i % 1024))
			cond_resched();
	}
	kvfree(lru->folios);
	kfree(lru);
}

/* Hand the folios of @in, now in a file, to a work item for the LRU. */
static void memfd_luo_lru_later(struct memfd_luo_lru *lru,
				struct memfd_luo_in *in)
{
	lru->folios = in->folios;
	lru->nr = in->nr;
	in->folios = NULL;
	in->nr = 0;
	INIT_WORK(&lru->work, memfd_luo_lru_work);
	queue_work(system_unbound_wq, &lru->work);
}

static void memfd_luo_take_failed(u64 phys, int err)
{
	pr_err("cannot take up the memfd handed over at %#llx (%d); what could be restored is freed\n",
	       phys, err);
}

static int memfd_luo_retrieve(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in = args->private_data;
	struct memfd_luo_lru *lru;
	struct file *file;
	int err;

	if (IS_ERR(in))
		return PTR_ERR(in);
	if (!in) {
		in = kzalloc(sizeof(*in), GFP_KERNEL);
		if (!in)
			return -ENOMEM;
		err = memfd_luo_in_take(in, args->serialized_data);
		if (err) {
			memfd_luo_take_failed(args->serialized_data, err);
			kfree(in);
			/* Nothing is left to retry with, nor to finish. */
			args->private_data = ERR_PTR(-EINVAL);
			return err;
		}
		args->private_data = in;
	}

	file = memfd_luo_new_file(in->ser);
	if (IS_ERR(file))
		return PTR_ERR(file);
	if (in->ser->huge_shift) {
		err = memfd_luo_insert_hugetlb(file, in);
		if (err && in->nr) {
			fput(file);
			return err;	/* nothing lost: try again later */
		}
		if (err) {
			fput(file);
			memfd_luo_take_failed(args->serialized_data, err);
			memfd_luo_in_put(in);
			kfree(in);
			args->private_data = ERR_PTR(-EINVAL);
			return err;
		}
	} else {
		lru = kmalloc(sizeof(*lru), GFP_KERNEL);
		err = lru ? shmem_insert_folios(file_inode(file), in->folios,
						in->nr) : -ENOMEM;
		if (err) {
			kfree(lru);
			fput(file);
			return err;
		}
		memfd_luo_lru_later(lru, in);
	}
	in->nr = 0;	/* the file has them now */
	memfd_luo_in_put(in);
	kfree(in);
	args->private_data = NULL;
	args->file = file;
	return 0;
}

static void memfd_luo_finish(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in = args->private_data;
	struct memfd_luo_in never = { };
	int err;

	if (args->retrieve_status > 0 || IS_ERR(in))
		return;
	if (in) {
		/* Retrieves failed: free what the first one took. */
		memfd_luo_in_put(in);
		kfree(in);
		return;
	}
	/* Never retrieved: take it up to free it. */
	err = memfd_luo_in_take(&never, args->serialized_data);
	if (err)
		memfd_luo_take_failed(args->serialized_data, err);
	memfd_luo_in_put(&never);
}

static const struct liveupdate_file_ops memfd_luo_file_ops = {
	.can_preserve = memfd_luo_can_preserve,
	.preserve = memfd_luo_preserve,
	.unpreserve = memfd_luo_unpreserve,
	.freeze = memfd_luo_freeze,
	.retrieve = memfd_luo_retrieve,
	.finish = memfd_luo_finish,
	.get_id = memfd_luo_get_id,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler memfd_luo_handler = {
	.ops = &memfd_luo_file_ops,
	.compatible = MEMFD_LUO_COMPATIBLE,
};

static int __init memfd_luo_init(void)
{
	int err;

	if (!liveupdate_enabled())
		return 0;
	err = liveupdate_register_file_handler(&memfd_luo_handler);
	if (err)
		pr_err("cannot register the memfd handler (%d)\n", err);
	memfd_luo_debugfs();
	return 0;
}
late_initcall(memfd_luo_init);
