// SPDX-License-Identifier: GPL-2.0
/*
 * memfd preservation, in the next kernel: check what the previous kernel
 * handed over, restore the folios, and rebuild the memfd with them.
 *
 * Nothing handed over is trusted: the record of the memfd and every folio
 * record are checked before anything is done with them, and a memfd that
 * fails a check is refused, with what could be restored of it freed.
 * A shmem memfd is rebuilt first and its folios follow it
 * (memfd_luo_lazy.c, which uses the checks and the restore of runs here);
 * a hugetlb memfd, and one that is only freed, is restored here whole, a
 * long list on two CPUs.
 */

#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/hugetlb.h>
#include <linux/kexec_handover.h>
#include <linux/memfd.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "memfd_luo.h"

/* ------------------------------------------------------------------------
 * Checking the handover
 */

/* Whether a list of @nr records, in @area, is of a size that holds them. */
static bool memfd_luo_list_valid(u64 nr, const struct kho_vmalloc *area,
				 u64 max)
{
	size_t size;

	if (nr > max ||
	    check_mul_overflow(nr, sizeof(struct memfd_luo_folio_ser), &size))
		return false;
	/* A vmalloc area of just the right size, or none. */
	return nr ? area->nr_pages == DIV_ROUND_UP(size, PAGE_SIZE) :
		    !area->first;
}

/*
 * Whether a handed-over record is one this kernel can act on.  Nothing in
 * it is trusted: each folio takes at least one page of the file, so there
 * are no more folios in both lists together than pages within its size
 * (or than the machine has), and each list is exactly as large as its
 * count says, computed without overflow.
 */
static bool memfd_luo_ser_valid(const struct memfd_luo_ser *ser)
{
	/* and no more than this machine has */
	u64 pages = min_t(u64, DIV_ROUND_UP(ser->size, PAGE_SIZE),
			  get_num_physpages());

	if (ser->size > MAX_LFS_FILESIZE || ser->pos > MAX_LFS_FILESIZE ||
	    ser->reserved)
		return false;
	if (!memfd_luo_list_valid(ser->nr_folios, &ser->folios, pages) ||
	    !memfd_luo_list_valid(ser->nr_late, &ser->late,
				  pages - ser->nr_folios))
		return false;
	/* At least a page per folio; the lists are checked against it later */
	if (ser->nr_pages < ser->nr_folios + ser->nr_late ||
	    ser->nr_pages > pages)
		return false;
	/* hugetlb: a huge page size KHO can restore, and a size of pages. */
	if (!ser->huge_shift)
		return true;
	return ser->huge_shift > PAGE_SHIFT &&
	       ser->huge_shift <= PAGE_SHIFT + KHO_MAX_FOLIO_ORDER &&
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
 * the memfd of @ser: a hugetlb memfd has only folios of its page size
 * (which memfd_luo_ser_valid() bounds), a shmem one none above
 * MAX_PAGE_ORDER.
 */
bool memfd_luo_rec_valid(const struct memfd_luo_folio_ser *rec, pgoff_t next,
			 const struct memfd_luo_ser *ser)
{
	loff_t size = ser->size;

	if (ser->huge_shift ? rec->order != ser->huge_shift - PAGE_SHIFT :
			      rec->order > MAX_PAGE_ORDER)
		return false;
	return rec->index >= next &&
	       IS_ALIGNED(rec->index, 1UL << rec->order) &&
	       rec->index < DIV_ROUND_UP(size, PAGE_SIZE) &&
	       IS_ALIGNED(rec->phys, PAGE_SIZE << rec->order);
}

/* ------------------------------------------------------------------------
 * Restoring the folios
 */

/*
 * Restore the run of @n records of @recs from @i on: the folios, in
 * @folios.  All of them or none.  A run may be long and cross memory
 * sections: its pages are stepped through by page frame number.
 */
bool memfd_luo_run_restore(const struct memfd_luo_folio_ser *recs,
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
		folios[j] = page_folio(nth_page(page, j));
	return true;
}

/*
 * Pages restored in one go at most, so that a long run (a GiB of
 * contiguous pages is one) is restored in pieces with a chance to
 * reschedule in between.  KHO lets a range be restored in pieces cut at
 * multiples of MAX_ORDER_NR_PAGES.
 */
#define MEMFD_LUO_RESTORE_MAX	(SZ_32M >> PAGE_SHIFT)

/* The records from @i on, at most @nr, to restore in one go (at least 1) */
static unsigned long memfd_luo_piece(const struct memfd_luo_folio_ser *recs,
				     unsigned long i, unsigned long nr)
{
	unsigned long n = memfd_luo_run(recs, i, nr), pfn, cut;

	if (n <= MEMFD_LUO_RESTORE_MAX)
		return n;
	pfn = PHYS_PFN(recs[i].phys);
	cut = ALIGN_DOWN(pfn + MEMFD_LUO_RESTORE_MAX, MAX_ORDER_NR_PAGES);
	return cut - pfn;
}

/* Restore and free the folios of records [@from, @nr) of @recs. */
void memfd_luo_free_recs(const struct memfd_luo_folio_ser *recs,
			 unsigned long from, unsigned long nr)
{
	struct folio *folio;
	unsigned long n, j;
	struct page *page;

	for (; from < nr; from += n) {
		n = memfd_luo_piece(recs, from, nr);
		if (n == 1) {
			folio = kho_restore_folio(recs[from].phys);
			if (folio)
				folio_put(folio);
			continue;
		}
		page = kho_restore_pages(recs[from].phys, n);
		for (j = 0; page && j < n; j++)
			put_page(nth_page(page, j));
		cond_resched();
	}
}

/*
 * A part of a folio list of a memfd, restored by one CPU: records
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
		if (prev->order > KHO_MAX_FOLIO_ORDER)
			return -EINVAL;
		next = prev->index + (1UL << prev->order);
	}
	for (i = part->start; i < part->end; i += n) {
		n = memfd_luo_piece(recs, i, part->end);
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
		cond_resched();
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
 * Restore the folios of the @nr records of @recs into @folios, ready for
 * the page cache; a long list in two parts, the second on another CPU.  On
 * failure everything is freed: what was restored, and the memory of the
 * rest.
 */
static int memfd_luo_restore_list(const struct memfd_luo_ser *ser,
				  const struct memfd_luo_folio_ser *recs,
				  unsigned long nr, struct folio **folios)
{
	unsigned long mid = memfd_luo_split(recs, nr), i, j;
	struct memfd_luo_part part[2];
	int err;

	for (i = 0; i < 2; i++)
		part[i] = (struct memfd_luo_part) {
			.recs = recs,
			.ser = ser,
			.folios = folios,
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
	if (!err)
		return 0;
	for (i = 0; i < 2; i++) {
		for (j = part[i].start; j < part[i].done; j++)
			folio_put(folios[j]);
		memfd_luo_free_recs(recs, part[i].done, part[i].end);
	}
	return err;
}

/*
 * Merge the @nr_late folios that follow the @nr_main ones in @folios, both
 * in index order, into one list in index order, through @tmp.  They may not
 * overlap.
 */
static int memfd_luo_merge(struct folio **folios, unsigned long nr_main,
			   unsigned long nr_late, struct folio **tmp)
{
	unsigned long i = 0, j = nr_main, n = 0, end = nr_main + nr_late;
	struct folio *folio;
	pgoff_t next = 0;

	while (i < nr_main || j < end) {
		if (j == end || (i < nr_main && folios[i]->index < folios[j]->index))
			folio = folios[i++];
		else
			folio = folios[j++];
		if (folio->index < next)
			return -EINVAL;
		next = folio_next_index(folio);
		tmp[n++] = folio;
	}
	memcpy(folios, tmp, array_size(n, sizeof(*folios)));
	return 0;
}

/* Restore a list of @nr records from @area into @folios. */
static int memfd_luo_take_list(const struct memfd_luo_ser *ser,
			       const struct kho_vmalloc *area, unsigned long nr,
			       struct folio **folios)
{
	struct memfd_luo_folio_ser *recs;
	int err;

	if (!nr)
		return 0;
	recs = kho_restore_vmalloc(area);
	if (!recs)
		return -EINVAL;
	err = memfd_luo_restore_list(ser, recs, nr, folios);
	vfree(recs);
	return err;
}

/* Put what @in holds, but not @in itself. */
void memfd_luo_in_put(struct memfd_luo_in *in)
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

/* Restore and free the folios of the list of @nr records in @area. */
static void memfd_luo_free_list(const struct kho_vmalloc *area,
				unsigned long nr)
{
	struct memfd_luo_folio_ser *recs;

	if (!nr)
		return;
	recs = kho_restore_vmalloc(area);
	if (recs)
		memfd_luo_free_recs(recs, 0, nr);
	vfree(recs);
}

/**
 * memfd_luo_in_take_ser - take up the record of the memfd handed over at @phys
 * @in: returns the record, checked, and nothing else yet
 * @phys: the physical address of its struct memfd_luo_ser
 *
 * Return: 0, or -EINVAL for a record this kernel cannot act on (it is not
 * freed: nothing it says can be trusted).
 */
int memfd_luo_in_take_ser(struct memfd_luo_in *in, u64 phys)
{
	in->ser = memfd_luo_take_ser(phys, &in->ser_folio);
	return in->ser ? 0 : -EINVAL;
}

/**
 * memfd_luo_in_take_folios - restore every folio of a memfd taken up
 * @in: a memfd whose record memfd_luo_in_take_ser() took up; returns its
 *	folios, in index order
 *
 * On malformed data (or no memory for the folio array), what can be freed
 * of it is freed, the record too; nothing is left to retry with.
 *
 * Return: 0 or -EINVAL, -ENOMEM.
 */
int memfd_luo_in_take_folios(struct memfd_luo_in *in)
{
	unsigned long nr_main = in->ser->nr_folios, nr_late = in->ser->nr_late;
	struct folio **tmp;
	int err;

	in->taken = true;
	if (!nr_main && !nr_late)
		return 0;
	/* Beyond INT_MAX bytes (a TiB of small folios), fail, don't warn */
	in->folios = kvmalloc_array(nr_main + nr_late, sizeof(*in->folios),
				    GFP_KERNEL | __GFP_NOWARN);
	tmp = nr_late ? kvmalloc_array(nr_main + nr_late, sizeof(*tmp),
				       GFP_KERNEL | __GFP_NOWARN) : NULL;
	if (!in->folios || (nr_late && !tmp)) {
		err = -ENOMEM;
		goto free_all;
	}
	err = memfd_luo_take_list(in->ser, &in->ser->folios, nr_main,
				  in->folios);
	if (err)
		goto free_late;
	in->nr = nr_main;
	err = memfd_luo_take_list(in->ser, &in->ser->late, nr_late,
				  in->folios + nr_main);
	if (err)
		goto put;
	in->nr += nr_late;
	if (nr_late)
		err = memfd_luo_merge(in->folios, nr_main, nr_late, tmp);
	if (err)
		goto put;
	kvfree(tmp);
	return 0;

free_all:
	memfd_luo_free_list(&in->ser->folios, nr_main);
free_late:
	memfd_luo_free_list(&in->ser->late, nr_late);
put:
	kvfree(tmp);
	memfd_luo_in_put(in);
	return err;
}

/**
 * memfd_luo_in_take - take up the memfd handed over at @phys, whole
 * @in: returns its record and every folio, restored, in index order
 * @phys: the physical address of its struct memfd_luo_ser
 *
 * Return: 0 or -EINVAL, -ENOMEM, with nothing left to retry with.
 */
int memfd_luo_in_take(struct memfd_luo_in *in, u64 phys)
{
	int err = memfd_luo_in_take_ser(in, phys);

	return err ?: memfd_luo_in_take_folios(in);
}

/* ------------------------------------------------------------------------
 * Rebuilding the memfd
 */

/* The seals and the size_frozen flag of a shmem or hugetlbfs memfd. */
static unsigned int *memfd_luo_seals(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return &HUGETLBFS_I(file_inode(file))->seals;
#endif
	return &SHMEM_I(file_inode(file))->seals;
}

/* An empty shmem or hugetlbfs file for the memfd of @ser. */
static struct file *memfd_luo_setup(const struct memfd_luo_ser *ser)
{
	struct hstate *h;

	if (!ser->huge_shift)
		return shmem_file_setup("memfd:liveupdate", 0, VM_NORESERVE);
	h = size_to_hstate(1UL << ser->huge_shift);
	if (!h || !memfd_luo_hstate_ok(h)) {
		pr_err("no huge page size of 2^%u bytes for a handed-over memfd\n",
		       ser->huge_shift);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return hugetlb_file_setup("memfd:liveupdate", 0, VM_NORESERVE,
				  HUGETLB_ANONHUGE_INODE, ser->huge_shift);
}

/* A new memfd with the size, seals, mode and position of @ser. */
struct file *memfd_luo_new_file(const struct memfd_luo_ser *ser)
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

/**
 * memfd_luo_rebuild - make a hugetlb memfd of what memfd_luo_in_take() restored
 * @in: the restored memfd; its folios go to the new file on success
 *
 * The new memfd is charged to the memory cgroup and the hugetlb cgroup of
 * the current task.  On failure nothing changed: @in still holds every
 * folio, for another try.  (A shmem memfd is rebuilt before its folios
 * are restored: memfd_lazy_rebuild().)
 *
 * Return: the file, or an ERR_PTR: -ENOMEM when a cgroup has no room for
 * it, or another error of making the file.
 */
struct file *memfd_luo_rebuild(struct memfd_luo_in *in)
{
	struct file *file;
	int err = 0;

	file = memfd_luo_new_file(in->ser);
	if (IS_ERR(file))
		return file;
	if (in->nr)
		err = hugetlb_insert_folios(file_inode(file), in->folios,
					    in->nr);
	if (err) {
		fput(file);
		return ERR_PTR(err);
	}
	in->nr = 0;	/* the file has them now */
	return file;
}
