// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: memfd preservation
 *
 * A live update file handler for memfds (shmem and hugetlbfs), so that
 * guest memory kept in memfds survives a kexec without a copy.
 *
 * Life of a preserved memfd.  PRESERVE_FD pins every folio the memfd has
 * and preserves it in place with kexec handover; holes stay holes.  The
 * pinned pages count against the caller's RLIMIT_MEMLOCK, as pages iommufd
 * pins for a device do.  From then on the size is frozen: truncating,
 * growing (also by writing or fallocate() past the end) and punching holes
 * fail with EPERM, while writes within the size go on and are what the
 * next kernel sees.  Folios that appear inside the size later (a write
 * into a hole) are noted as they are added, and the reboot takes up those
 * and nothing else, with the file position, seals and mode as they are
 * then: the reboot's work does not grow with the memfd.  If the reboot
 * fails, the memfd stays preserved as it was, with what the reboot took
 * up.  Closing the session before the reboot gives everything back.
 *
 * The next kernel rebuilds a memfd with the same folios, size, position,
 * seals and mode, charged to the memory cgroup (and for huge pages the
 * hugetlb cgroup) of the task that retrieves it.  A shmem memfd is given
 * back before its folios, which follow at once, so that the retrieve
 * does not grow with the memfd (memfd_luo_lazy.c).  Its size stays frozen
 * there until the session finishes: a device may go on translating into
 * its pages through an IOMMU domain restored from the same session, and
 * the session's iommufd holds FINISH back until that domain is gone;
 * finishing waits for the last folio.  If the memfd cannot be rebuilt (a
 * cgroup without room), RETRIEVE_FD fails with ENOMEM and nothing changed:
 * the handler keeps what it restored, so that a later retrieve, maybe from
 * another process, can try again.  Finishing a memfd never retrieved frees
 * its memory.
 *
 * hugetlb memfds are preserved the same way, a huge page per folio, 2 MiB
 * and gigantic (1 GiB) pages alike; in the next kernel their pages are
 * surplus huge pages in use by the memfd, so the persistent pool keeps its
 * size and the pages go back to the page allocator when the memfd lets go
 * of them.
 *
 * Only a writable memfd can be preserved (EACCES otherwise): preserving
 * freezes its size and pins its memory.  Not supported: memfds with
 * swapped-out pages, and gigantic pages where the kernel cannot free them
 * at run time (EOPNOTSUPP).  A write into a hole after the reboot has
 * started (after the freeze) is not carried over.
 *
 * The work is split by concern: this file is the handler; memfd_luo_out.c
 * pins and preserves, memfd_luo_in.c restores and rebuilds.
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
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "memfd_luo.h"

/* The seals a memfd may have: all that 6.12 knows. */
#define MEMFD_LUO_SEALS	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
			 F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

/*
 * The seals, and the holds on the size, of a shmem or hugetlbfs memfd: a
 * preserve holds it, and so does the session it was retrieved from, in
 * the next kernel, until it finishes; a memfd can be both at once.
 */
static unsigned int memfd_luo_get_seals(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return HUGETLBFS_I(file_inode(file))->seals;
#endif
	return SHMEM_I(file_inode(file))->seals;
}

static u8 *memfd_luo_size_frozen(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return &HUGETLBFS_I(file_inode(file))->size_frozen;
#endif
	return &SHMEM_I(file_inode(file))->size_frozen;
}

/*
 * Record what @file is now, besides its folios: size, position, seals and
 * mode.  Inode lock held.
 *
 * Return: 0, or -EOPNOTSUPP for a seal this kernel cannot hand over.
 */
static int memfd_luo_record(struct memfd_luo_ser *ser, struct file *file)
{
	struct inode *inode = file_inode(file);
	unsigned int seals = memfd_luo_get_seals(file);

	if (seals & ~MEMFD_LUO_SEALS)
		return -EOPNOTSUPP;
	ser->size = i_size_read(inode);
	ser->seals = seals;
	ser->flags = inode->i_mode & 0111 ? 0 : MEMFD_LUO_NOEXEC;
	ser->pos = file->f_pos;
	return 0;
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

/* Take the memfd up in @out: inode lock held. */
static int memfd_luo_take(struct memfd_luo_out *out, struct file *file)
{
	int err;

	err = memfd_luo_record(out->ser, file);
	if (err)
		return err;
	err = memfd_luo_watch(out, file);
	if (err)
		return err;
	err = memfd_luo_snapshot(out, file);
	if (err)
		goto out_unwatch;
	memfd_luo_account_to(out);
	err = memfd_luo_account(out, out->main.nr_pages, true);
	if (err)
		goto out_drop;
	if (is_file_hugepages(file))
		out->ser->huge_shift = huge_page_shift(hstate_file(file));
	(*memfd_luo_size_frozen(file))++;
	return 0;

out_drop:
	memfd_luo_unaccount(out);
	memfd_luo_drop(out);
out_unwatch:
	memfd_luo_unwatch(out, file);
	return err;
}

/**
 * memfd_luo_hstate_ok - can hugetlb memfds of @h be handed over?
 * @h: the memfd's huge page size
 *
 * The next kernel makes the pages surplus pages, which go back to the page
 * allocator once freed: gigantic pages only where that can be done at run
 * time.
 *
 * Return: true if they can.
 */
bool memfd_luo_hstate_ok(struct hstate *h)
{
#ifdef CONFIG_HUGETLB_PAGE
	return !hstate_is_gigantic(h) || gigantic_page_runtime_supported();
#else
	return false;
#endif
}

static int memfd_luo_preserve(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	struct memfd_luo_out *out;
	int err;

	/* Preserving freezes the size and pins the memory: writers only. */
	if (!(args->file->f_mode & FMODE_WRITE))
		return -EACCES;
	if (is_file_hugepages(args->file) &&
	    !memfd_luo_hstate_ok(hstate_file(args->file)))
		return -EOPNOTSUPP;
	/* A memfd retrieved from the last update: all of it, first. */
	err = memfd_lazy_wait(args->file);
	if (err)
		return err;

	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	out->late.per_folio = true;
	out->ser = kho_alloc_preserve(sizeof(*out->ser));
	if (IS_ERR(out->ser)) {
		err = PTR_ERR(out->ser);
		goto out_free;
	}

	inode_lock(inode);
	err = memfd_luo_take(out, args->file);
	inode_unlock(inode);
	if (err)
		goto out_ser;

	args->serialized_data = virt_to_phys(out->ser);
	args->private_data = out;
	return 0;

out_ser:
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
	memfd_luo_unwatch(out, args->file);
	memfd_luo_drop(out);
	(*memfd_luo_size_frozen(args->file))--;
	inode_unlock(inode);
	memfd_luo_unaccount(out);
	kho_unpreserve_free(out->ser);
	kfree(out);
}

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * For the tests of malformed handover data (LIVEUPDATE_TEST): the
 * debugfs file memfd_luo/corrupt names how to break the next memfd frozen,
 * which the next kernel must refuse.  "index": a record three quarters down
 * its list gets an index that goes back.  "count": the number of folios
 * grows by 2^61, which multiplied by the size of a record wraps around to
 * the list's true size.  "huge": 2^33 folios in a list and a file large
 * enough to hold them, more than any machine this runs on has pages.
 * "phys": a record three quarters down its list names a page that was not
 * preserved (physical address 0), found only when its piece is taken up.
 * And two that break nothing: "added" makes the next reboot's take-up of
 * folios added to a memfd since its preserve fail, once, with -ENOMEM;
 * "no-worker", written in the next kernel, leaves the next shmem memfd
 * retrieved without a worker, so that its folios are taken up only as
 * they are asked for, and at finish; "late-worker" starts its worker
 * ten seconds late, so that what happens before the worker runs can be
 * seen.
 */
enum {
	MEMFD_LUO_CORRUPT_NONE, MEMFD_LUO_CORRUPT_INDEX,
	MEMFD_LUO_CORRUPT_COUNT, MEMFD_LUO_CORRUPT_HUGE,
	MEMFD_LUO_FAIL_ADDED, MEMFD_LUO_NO_WORKER, MEMFD_LUO_CORRUPT_PHYS,
	MEMFD_LUO_LATE_WORKER,
};

static const char * const memfd_luo_corrupt_names[] = {
	"none", "index", "count", "huge", "added", "no-worker", "phys",
	"late-worker",
};

static struct liveupdate_test_knob memfd_luo_corrupt = {
	.modes = memfd_luo_corrupt_names,
	.nr_modes = ARRAY_SIZE(memfd_luo_corrupt_names),
};

static void memfd_luo_break(struct memfd_luo_out *out)
{
	struct memfd_luo_list *main = &out->main;
	unsigned long i = max(main->nr / 4 * 3, 1UL);

	if (main->nr < 2)
		return;
	switch (memfd_luo_corrupt.mode) {
	case MEMFD_LUO_CORRUPT_INDEX:
		main->recs[i].index = main->recs[i - 1].index;
		pr_warn("test: record %lu of %lu made malformed\n", i, main->nr);
		break;
	case MEMFD_LUO_CORRUPT_PHYS:
		main->recs[i].phys = 0;
		pr_warn("test: record %lu of %lu names page 0\n", i, main->nr);
		break;
	case MEMFD_LUO_CORRUPT_COUNT:
		out->ser->nr_folios += BIT_ULL(61);
		pr_warn("test: folio count made %llu\n", out->ser->nr_folios);
		break;
	case MEMFD_LUO_CORRUPT_HUGE:
		out->ser->nr_folios = BIT_ULL(33);
		out->ser->folios.nr_pages = BIT(33) / (PAGE_SIZE /
					sizeof(struct memfd_luo_folio_ser));
		out->ser->size = BIT_ULL(33) * PAGE_SIZE;
		pr_warn("test: folio count made %llu\n", out->ser->nr_folios);
		break;
	default:
		return;
	}
	memfd_luo_corrupt.mode = MEMFD_LUO_CORRUPT_NONE;
}

/* Whether the knob says @mode; if so, once: it goes back to "none". */
static bool memfd_luo_test_once(int mode, const char *what)
{
	if (memfd_luo_corrupt.mode != mode)
		return false;
	memfd_luo_corrupt.mode = MEMFD_LUO_CORRUPT_NONE;
	pr_warn("test: %s\n", what);
	return true;
}

bool memfd_luo_test_fail_added(void)
{
	return memfd_luo_test_once(MEMFD_LUO_FAIL_ADDED,
				   "taking up the added folios fails");
}

long memfd_luo_test_worker_delay(void)
{
	if (memfd_luo_test_once(MEMFD_LUO_NO_WORKER,
				"a memfd retrieved without a worker"))
		return -1;
	if (memfd_luo_test_once(MEMFD_LUO_LATE_WORKER,
				"a memfd whose worker starts late"))
		return 10 * HZ;
	return 0;
}

static void __init memfd_luo_debugfs(void)
{
	liveupdate_test_knob_create("corrupt",
				    debugfs_create_dir("memfd_luo", NULL),
				    &memfd_luo_corrupt);
}
#else
static void memfd_luo_break(struct memfd_luo_out *out) { }
static void __init memfd_luo_debugfs(void) { }
#endif

/*
 * At the reboot: take up the folios added since the preserve, and record
 * the file position, seals and mode as they are now.  Nothing else is
 * looked at.
 */
static int memfd_luo_freeze(struct liveupdate_file_op_args *args)
{
	struct inode *inode = file_inode(args->file);
	struct memfd_luo_out *out = args->private_data;
	int err;

	inode_lock(inode);
	err = memfd_luo_take_added(out, args->file);
	if (!err)
		err = memfd_luo_record(out->ser, args->file);
	out->ser->nr_pages = out->main.nr_pages + out->late.nr_pages;
	if (!err)
		memfd_luo_break(out);
	inode_unlock(inode);
	return err;
}

static void memfd_luo_take_failed(u64 phys, int err)
{
	pr_err("cannot take up the memfd handed over at %#llx (%d); what could be restored is freed\n",
	       phys, err);
}

/*
 * Make the memfd of @in: a shmem memfd at once, its folios taken up after
 * (memfd_luo_lazy.c); a hugetlb memfd, a few folios per GiB, whole.
 */
static struct file *memfd_luo_make(struct memfd_luo_in *in, u64 phys)
{
	int err;

	if (!in->ser->huge_shift)
		return memfd_lazy_rebuild(in, memfd_luo_test_worker_delay());
	if (!in->taken) {
		err = memfd_luo_in_take_folios(in);
		if (err) {
			memfd_luo_take_failed(phys, err);
			return ERR_PTR(err);
		}
	}
	return memfd_luo_rebuild(in);
}

static int memfd_luo_retrieve(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in = args->private_data;
	struct file *file;
	int err;

	if (IS_ERR(in))
		return PTR_ERR(in);
	if (!in) {
		in = kzalloc(sizeof(*in), GFP_KERNEL);
		if (!in)
			return -ENOMEM;
		err = memfd_luo_in_take_ser(in, args->serialized_data);
		if (err) {
			memfd_luo_take_failed(args->serialized_data, err);
			kfree(in);
			/* Nothing is left to retry with, nor to finish. */
			args->private_data = ERR_PTR(-EINVAL);
			return err;
		}
		args->private_data = in;
	}
	file = memfd_luo_make(in, args->serialized_data);
	if (IS_ERR(file)) {
		if (!in->ser) {
			/* Malformed: what could be restored is freed. */
			kfree(in);
			args->private_data = ERR_PTR(-EINVAL);
		}
		return PTR_ERR(file);	/* else nothing lost: try again later */
	}
	/*
	 * Until the session finishes, a device may still translate into
	 * these pages through a domain restored from it (the session's
	 * iommufd holds FINISH back until then): they must stay.
	 */
	*memfd_luo_size_frozen(file) = 1;
	memfd_luo_in_put(in);
	kfree(in);
	args->private_data = NULL;
	args->file = file;
	return 0;
}

/*
 * Finish a memfd that was retrieved: an ordinary memfd from now on, once
 * every folio is in it.  One whose folios cannot all be taken up keeps its
 * size frozen: its pages not taken up stay where they are, and nothing
 * may fill their holes.
 */
static void memfd_luo_finish_retrieved(struct file *file)
{
	int err = memfd_lazy_wait(file);

	if (err) {
		pr_err("a retrieved memfd keeps its size frozen: %d\n", err);
		return;
	}
	inode_lock(file_inode(file));
	(*memfd_luo_size_frozen(file))--;
	inode_unlock(file_inode(file));
}

static void memfd_luo_finish(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in = args->private_data;
	struct memfd_luo_in never = { };
	int err;

	if (args->retrieve_status > 0) {
		memfd_luo_finish_retrieved(args->file);
		return;
	}
	if (IS_ERR(in))
		return;
	if (in) {
		/* Retrieves failed: free the memfd's memory. */
		if (in->ser && !in->taken)
			memfd_luo_in_take_folios(in);
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
	if (memfd_lazy_init())
		pr_warn("no workqueue of its own: memfds are taken up at nice 0\n");
	err = liveupdate_register_file_handler(&memfd_luo_handler);
	if (err)
		pr_err("cannot register the memfd handler (%d)\n", err);
	memfd_luo_debugfs();
	return 0;
}
late_initcall(memfd_luo_init);
