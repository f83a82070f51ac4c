/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd preservation: what its three files share.  memfd_luo.c is the
 * live update file handler and tells the life of a preserved memfd;
 * memfd_luo_out.c pins, records and preserves its folios in the outgoing
 * kernel; memfd_luo_in.c restores them and rebuilds the memfd in the next.
 */
#ifndef _MM_MEMFD_LUO_H
#define _MM_MEMFD_LUO_H

#include <linux/kexec_handover.h>
#include <linux/types.h>

struct file;
struct folio;
struct hstate;
struct memfd_added;
struct mm_struct;
struct user_struct;

/*
 * Handover format (kernel to kernel, not a userspace ABI).  A preserved
 * memfd is a struct memfd_luo_ser in a page of its own; its folios are
 * listed in two vmalloc areas of struct memfd_luo_folio_ser, each sorted
 * by index: those taken up at PRESERVE_FD and those taken up at the reboot
 * (written into holes since).  No folio is in both.  All values are
 * native-endian.
 */
#define MEMFD_LUO_COMPATIBLE	"memfd-612-v3"

#define MEMFD_LUO_FOLIO_DIRTY		BIT(0)
#define MEMFD_LUO_FOLIO_UPTODATE	BIT(1)

#define MEMFD_LUO_NOEXEC		BIT(0)	/* the memfd has no exec bits */

/**
 * struct memfd_luo_folio_ser - a preserved folio of a memfd
 * @phys: its physical address
 * @index: its index in the file, in pages
 * @order: its order
 * @flags: MEMFD_LUO_FOLIO_DIRTY, MEMFD_LUO_FOLIO_UPTODATE: the state the
 *	folio is to have in the next kernel.  This kernel hands every folio
 *	over uptodate (one that was not is zeroed at PRESERVE_FD, as shmem
 *	would do at its first use) and dirty (whether it was written since
 *	is not tracked, and a clean shmem folio could be dropped).
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
 * @nr_folios: number of folios taken up at PRESERVE_FD
 * @folios: a vmalloc area of @nr_folios records; zeroes when there is none
 * @huge_shift: a hugetlb memfd: log2 of its huge page size; 0 for shmem
 * @reserved: zero
 * @nr_late: number of folios taken up at the reboot
 * @late: a vmalloc area of @nr_late records; zeroes when there is none
 * @nr_pages: the pages of the folios of both lists: what the next kernel
 *	charges at once, before it reads the lists
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
	u64 nr_late;
	struct kho_vmalloc late;
	u64 nr_pages;
} __packed;

/*
 * Whether record @i (not the first) goes on the run of record @i - 1: an
 * order-0 folio right after the order-0 folio of @i - 1.  A run of records
 * is preserved, and restored, as one range of pages: far fewer KHO blocks
 * than one per folio, as a memfd's pages are mostly contiguous.
 */
static inline bool memfd_luo_continues(const struct memfd_luo_folio_ser *recs,
				       unsigned long i)
{
	return !recs[i].order && !recs[i - 1].order &&
	       recs[i].phys == recs[i - 1].phys + PAGE_SIZE;
}

/* The number of records from @i on (at least 1) that are one run. */
static inline unsigned long memfd_luo_run(const struct memfd_luo_folio_ser *recs,
					  unsigned long i, unsigned long nr)
{
	unsigned long n = 1;

	while (i + n < nr && memfd_luo_continues(recs, i + n))
		n++;
	return n;
}

bool memfd_luo_hstate_ok(struct hstate *h);

/* ------------------------------------------------------------------------
 * Outgoing (memfd_luo_out.c)
 */

/**
 * struct memfd_luo_list - pinned folios of a memfd and their records
 * @folios: the folios, each pinned once
 * @recs: their records, in a vmalloc area (handed over as it is)
 * @nr: number of folios
 * @cap: room in @folios and @recs
 * @nr_pages: pages in the folios
 * @nr_preserved: folios preserved with KHO, from the first on
 * @per_folio: each folio is preserved on its own, not by runs: a list that
 *	is merged into, whose runs change
 * @stale: a folio was not uptodate when it was pinned
 */
struct memfd_luo_list {
	struct folio **folios;
	struct memfd_luo_folio_ser *recs;
	unsigned long nr;
	unsigned long cap;
	unsigned long nr_pages;
	unsigned long nr_preserved;
	bool per_folio;
	bool stale;
};

/**
 * struct memfd_luo_out - a memfd preserved in this kernel
 * @ser: its handover record, in preserved memory
 * @main: the folios taken up at PRESERVE_FD
 * @late: the folios taken up at a reboot since (written into holes)
 * @added: the pages added to the file since PRESERVE_FD, noted by shmem and
 *	hugetlbfs (memfd_note_added())
 * @user: the user whose RLIMIT_MEMLOCK the pinned pages count against
 * @mm: the mm whose pinned_vm counts them
 * @pinned: pages counted there
 */
struct memfd_luo_out {
	struct memfd_luo_ser *ser;
	struct memfd_luo_list main;
	struct memfd_luo_list late;
	struct memfd_added *added;
	struct user_struct *user;
	struct mm_struct *mm;
	unsigned long pinned;
};

int memfd_luo_watch(struct memfd_luo_out *out, struct file *file);
void memfd_luo_unwatch(struct memfd_luo_out *out, struct file *file);
int memfd_luo_snapshot(struct memfd_luo_out *out, struct file *file);
int memfd_luo_take_added(struct memfd_luo_out *out, struct file *file);
void memfd_luo_drop(struct memfd_luo_out *out);
void memfd_luo_account_to(struct memfd_luo_out *out);
int memfd_luo_account(struct memfd_luo_out *out, unsigned long pages,
		      bool limit);
void memfd_luo_unaccount(struct memfd_luo_out *out);

#ifdef CONFIG_LIVEUPDATE_TEST
bool memfd_luo_test_fail_added(void);
long memfd_luo_test_worker_delay(void);
#else
static inline bool memfd_luo_test_fail_added(void)
{
	return false;
}

/* When a retrieved shmem memfd's worker starts (memfd_lazy_rebuild()) */
static inline long memfd_luo_test_worker_delay(void)
{
	return 0;
}
#endif

/* ------------------------------------------------------------------------
 * Incoming (memfd_luo_in.c)
 */

/**
 * struct memfd_luo_in - a handed-over memfd, restored
 * @ser_folio: the folio of its handover record
 * @ser: the handover record
 * @folios: its folios, main and late merged, in index order
 * @nr: number of them
 * @taken: the folios were restored (into @folios, or freed on failure);
 *	a shmem memfd is rebuilt before they are (memfd_lazy_rebuild())
 *
 * What the first retrieve of a memfd took of its preserved state.  If the
 * memfd cannot be rebuilt now (its memory cgroup has no room, say), this
 * stays with LUO as the file's private data, so that a later retrieve,
 * maybe from another process, can try again; finish frees it.
 */
struct memfd_luo_in {
	struct folio *ser_folio;
	const struct memfd_luo_ser *ser;
	struct folio **folios;
	unsigned long nr;
	bool taken;
};

int memfd_luo_in_take_ser(struct memfd_luo_in *in, u64 phys);
int memfd_luo_in_take_folios(struct memfd_luo_in *in);
int memfd_luo_in_take(struct memfd_luo_in *in, u64 phys);
void memfd_luo_in_put(struct memfd_luo_in *in);
struct file *memfd_luo_new_file(const struct memfd_luo_ser *ser);
struct file *memfd_luo_rebuild(struct memfd_luo_in *in);
bool memfd_luo_rec_valid(const struct memfd_luo_folio_ser *rec, pgoff_t next,
			 const struct memfd_luo_ser *ser);
bool memfd_luo_run_restore(const struct memfd_luo_folio_ser *recs,
			   unsigned long i, unsigned long n,
			   struct folio **folios);
void memfd_luo_free_recs(const struct memfd_luo_folio_ser *recs,
			 unsigned long from, unsigned long nr);

/* ------------------------------------------------------------------------
 * Taken up after the retrieve (memfd_luo_lazy.c)
 */

int memfd_lazy_init(void);
struct file *memfd_lazy_rebuild(struct memfd_luo_in *in, long delay);
int memfd_lazy_wait(struct file *file);

#endif /* _MM_MEMFD_LUO_H */
