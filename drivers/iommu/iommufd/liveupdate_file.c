// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd and live update: the LUO file handler of an iommufd.
 */

/**
 * DOC: Preserving an iommufd
 *
 * A VMM preserves its iommufd in a LUO session (PRESERVE_FD) after the
 * memfds its marked HWPTs map, and before the VFIO devices attached to
 * them: memfd -> iommufd -> device, each preserve refusing what depends on
 * something the session does not hold yet.
 *
 * Life of a preserved iommufd.  PRESERVE_FD takes every HWPT marked with
 * IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE at that moment (at least one, else
 * EINVAL), finds the token of every memfd their IOASes map in the same
 * session (EXDEV if one is not there) and records, per HWPT, its token and
 * each mapping (IOVA, length, memfd token, offset, access) in one block
 * of memory preserved with KHO.  Each of those HWPTs is held: destroying
 * it fails with EBUSY while the iommufd is preserved.  A HWPT marked
 * later is not part of it.  Marked IOASes cannot change, so the record
 * stays true to the page tables until the reboot; closing the session
 * gives the HWPTs back and frees the record.
 *
 * In the next kernel, RETRIEVE_FD checks the record (a malformed one is
 * refused with a log line and EINVAL, and freed when the session is
 * finished) and returns a new iommufd that holds it, for the HWPTs to be
 * restored by token.  FINISH of an iommufd never retrieved frees the
 * record.
 *
 * The IOMMU page tables of those HWPTs go to the next kernel too: each
 * HWPT's domain is preserved with the IOMMU core (iommu_lu_preserve_domain())
 * under its token, the driver keeping every page-table page (EOPNOTSUPP
 * from a driver that cannot).  A VFIO
 * device attached to one of them and preserved in the same session, after
 * the iommufd, keeps translating through it across the reboot
 * (iommufd_device_lu_preserve()).  The IOMMU core names the iommufd as the
 * owner of those domains by the physical address of its record, which the
 * next kernel finds at the same place: the retrieved iommufd takes them
 * back (liveupdate_restore.c), and its session cannot finish while one of
 * them is restored and not destroyed (can_finish).
 */

#define pr_fmt(fmt) "iommufd: live update: " fmt

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/iommu-liveupdate.h>
#include <linux/iommufd.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "io_pagetable.h"
#include "iommufd_private.h"
#include "liveupdate.h"

/**
 * struct iommufd_lu_out - an iommufd preserved in this kernel
 * @ictx: its context; the session holds the file
 * @hwpts: the HWPTs preserved, each with a users reference held
 * @nr_hwpts: how many
 * @ser: the record handed over, preserved with KHO
 */
struct iommufd_lu_out {
	struct iommufd_ctx *ictx;
	struct iommufd_hwpt_paging **hwpts;
	unsigned long nr_hwpts;
	struct iommufd_lu_ser *ser;
};

/**
 * iommufd_lu_ser_size - bytes a record of @nr_hwpts HWPTs and @nr_areas
 *	mappings takes
 * @nr_hwpts: HWPTs
 * @nr_areas: mappings, of all HWPTs together
 *
 * Return: the size, or SIZE_MAX if it overflows.
 */
size_t iommufd_lu_ser_size(u64 nr_hwpts, u64 nr_areas)
{
	size_t size = struct_size_t(struct iommufd_lu_ser, hwpts, nr_hwpts);

	return size_add(size, size_mul(nr_areas,
				       sizeof(struct iommufd_lu_area_ser)));
}

/**
 * iommufd_lu_ser_check - whether a record handed over is well formed
 * @ser: the record
 * @size: the bytes it may use
 *
 * The previous kernel is trusted no further than this: counts that fit in
 * @size, HWPTs whose mappings are in the record, in order and without
 * overlap, and mappings with a length, no IOVA or offset wrap and only
 * read/write access.
 *
 * Return: 0, or -EINVAL with a log line saying what is wrong.
 */
int iommufd_lu_ser_check(struct iommufd_lu_ser *ser, size_t size)
{
	struct iommufd_lu_area_ser *areas;
	u64 i, next = 0;

	if (size < sizeof(*ser) ||
	    iommufd_lu_ser_size(ser->nr_hwpts, ser->nr_areas) > size) {
		pr_err("record of %llu HWPTs and %llu mappings overflows its %zu bytes\n",
		       ser->nr_hwpts, ser->nr_areas, size);
		return -EINVAL;
	}
	for (i = 0; i < ser->nr_hwpts; i++) {
		struct iommufd_lu_hwpt_ser *hwpt = &ser->hwpts[i];

		if (hwpt->first_area != next ||
		    hwpt->nr_areas > ser->nr_areas - next) {
			pr_err("HWPT %#llx: mappings %llu+%llu out of order or past %llu\n",
			       hwpt->token, hwpt->first_area, hwpt->nr_areas,
			       ser->nr_areas);
			return -EINVAL;
		}
		next += hwpt->nr_areas;
	}
	if (next != ser->nr_areas) {
		pr_err("%llu mappings belong to no HWPT\n", ser->nr_areas - next);
		return -EINVAL;
	}

	areas = iommufd_lu_ser_areas(ser);
	for (i = 0; i < ser->nr_areas; i++) {
		struct iommufd_lu_area_ser *area = &areas[i];
		u64 end;

		if (!area->length || area->reserved ||
		    area->prot & ~(IOMMU_READ | IOMMU_WRITE) ||
		    check_add_overflow(area->iova, area->length - 1, &end) ||
		    check_add_overflow(area->start, area->length - 1, &end)) {
			pr_err("mapping %llu (IOVA %#llx, %#llx bytes) is malformed\n",
			       i, area->iova, area->length);
			return -EINVAL;
		}
	}
	return 0;
}

static bool iommufd_lu_can_preserve(struct liveupdate_file_handler *handler,
				    struct file *file)
{
	struct iommufd_ctx *ictx = iommufd_ctx_from_file(file);

	if (IS_ERR(ictx))
		return false;
	iommufd_ctx_put(ictx);
	return true;
}

/* @obj as a paging HWPT marked for a live update, or NULL */
static struct iommufd_hwpt_paging *iommufd_lu_marked(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt_paging;

	if (xa_is_zero(obj) || obj->type != IOMMUFD_OBJ_HWPT_PAGING)
		return NULL;
	hwpt_paging = container_of(obj, struct iommufd_hwpt_paging, common.obj);
	return hwpt_paging->lu_marked ? hwpt_paging : NULL;
}

/*
 * Hold every HWPT of @out->ictx that is marked, in @out->hwpts.  Marks do
 * not change meanwhile (iommufd_lu_mark_lock held); an object in the
 * xarray has a users count above zero, which the xarray lock keeps so.
 */
static int iommufd_lu_hold_marked(struct iommufd_lu_out *out)
{
	struct iommufd_ctx *ictx = out->ictx;
	struct iommufd_hwpt_paging *hwpt_paging;
	unsigned long index, nr = 0;
	struct iommufd_object *obj;

	lockdep_assert_held(&iommufd_lu_mark_lock);
	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj)
		nr += !!iommufd_lu_marked(obj);
	xa_unlock(&ictx->objects);
	if (!nr)
		return -EINVAL;

	out->hwpts = kcalloc(nr, sizeof(*out->hwpts), GFP_KERNEL);
	if (!out->hwpts)
		return -ENOMEM;

	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj) {
		hwpt_paging = iommufd_lu_marked(obj);
		/* One destroyed since the count is simply not there */
		if (!hwpt_paging || WARN_ON(out->nr_hwpts == nr))
			continue;
		refcount_inc(&obj->users);
		out->hwpts[out->nr_hwpts++] = hwpt_paging;
	}
	xa_unlock(&ictx->objects);
	return out->nr_hwpts ? 0 : -EINVAL;
}

static void iommufd_lu_release_held(struct iommufd_lu_out *out)
{
	while (out->nr_hwpts)
		refcount_dec(&out->hwpts[--out->nr_hwpts]->common.obj.users);
	kfree(out->hwpts);
	out->hwpts = NULL;
}

/*
 * How many mappings the IOAS of @hwpt_paging has.  It is marked, and the
 * held HWPT keeps it marked, so the number stays as it is.
 */
static u64 iommufd_lu_count_areas(struct iommufd_hwpt_paging *hwpt_paging)
{
	struct io_pagetable *iopt = &hwpt_paging->ioas->iopt;
	struct iopt_area *area;
	u64 nr = 0;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, 0, ULONG_MAX))
		nr++;
	up_read(&iopt->iova_rwsem);
	return nr;
}

/*
 * Record the @nr mappings of @hwpt_paging at @areas, each with the token of
 * its memfd in @session.  Its IOAS is marked, so its areas are all memfd
 * areas and cannot change.
 *
 * Return: 0, or -EXDEV if a memfd is not preserved in @session.
 */
static int iommufd_lu_record_areas(struct liveupdate_session *session,
				   struct iommufd_hwpt_paging *hwpt_paging,
				   struct iommufd_lu_area_ser *areas, u64 nr)
{
	struct io_pagetable *iopt = &hwpt_paging->ioas->iopt;
	struct iopt_area *area;
	u64 i = 0, token;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, 0, ULONG_MAX), i++) {
		struct iopt_pages *pages = area->pages;

		if (WARN_ON(i == nr || !pages ||
			    pages->type != IOPT_ADDRESS_FILE)) {
			rc = -EBUSY;
			break;
		}
		if (liveupdate_get_token_outgoing(session, pages->file,
						  &token)) {
			rc = -EXDEV;
			break;
		}
		areas[i].iova = iopt_area_iova(area);
		areas[i].length = iopt_area_length(area);
		areas[i].memfd_token = token;
		areas[i].start = pages->start +
				 iopt_area_start_byte(area, areas[i].iova);
		areas[i].prot = area->iommu_prot & (IOMMU_READ | IOMMU_WRITE);
	}
	up_read(&iopt->iova_rwsem);
	if (!rc && WARN_ON(i != nr))
		rc = -EBUSY;
	return rc;
}

/* Build and preserve the record of the held HWPTs in @out->ser */
static int iommufd_lu_serialize(struct iommufd_lu_out *out,
				struct liveupdate_session *session)
{
	struct iommufd_lu_area_ser *areas;
	struct iommufd_lu_ser *ser;
	u64 nr_areas = 0;
	unsigned long i;
	int rc;

	for (i = 0; i < out->nr_hwpts; i++)
		nr_areas += iommufd_lu_count_areas(out->hwpts[i]);
	ser = kho_alloc_preserve(iommufd_lu_ser_size(out->nr_hwpts, nr_areas));
	if (IS_ERR(ser))
		return PTR_ERR(ser);

	ser->nr_hwpts = out->nr_hwpts;
	ser->nr_areas = nr_areas;
	areas = iommufd_lu_ser_areas(ser);
	nr_areas = 0;
	for (i = 0; i < out->nr_hwpts; i++) {
		struct iommufd_hwpt_paging *hwpt_paging = out->hwpts[i];
		struct iommufd_lu_hwpt_ser *hwpt = &ser->hwpts[i];

		hwpt->token = hwpt_paging->lu_token;
		hwpt->first_area = nr_areas;
		hwpt->nr_areas = iommufd_lu_count_areas(hwpt_paging);
		if (hwpt->nr_areas > ser->nr_areas - nr_areas) {
			rc = -EBUSY;	/* cannot happen: the IOAS is frozen */
			goto out_free;
		}
		rc = iommufd_lu_record_areas(session, hwpt_paging,
					     areas + nr_areas, hwpt->nr_areas);
		if (rc)
			goto out_free;
		nr_areas += hwpt->nr_areas;
	}
	out->ser = ser;
	return 0;

out_free:
	kho_unpreserve_free(ser);
	return rc;
}

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * For the tests of malformed handover data (LIVEUPDATE_TEST): the debugfs
 * file iommufd_lu/corrupt names how to break the next record preserved,
 * which the next kernel must refuse.  "count": the number of mappings grows
 * by 2^58, so that the record overflows its block.  "area": the last
 * mapping gets a length of 0.
 */
enum {
	IOMMUFD_LU_CORRUPT_NONE,
	IOMMUFD_LU_CORRUPT_COUNT,
	IOMMUFD_LU_CORRUPT_AREA,
};

static const char * const iommufd_lu_corrupt_names[] = {
	"none", "count", "area"
};

static struct liveupdate_test_knob iommufd_lu_corrupt = {
	.modes = iommufd_lu_corrupt_names,
	.nr_modes = ARRAY_SIZE(iommufd_lu_corrupt_names),
};

static struct dentry *iommufd_lu_debugfs;

static void iommufd_lu_break(struct iommufd_lu_ser *ser)
{
	switch (iommufd_lu_corrupt.mode) {
	case IOMMUFD_LU_CORRUPT_COUNT:
		ser->nr_areas += BIT_ULL(58);
		break;
	case IOMMUFD_LU_CORRUPT_AREA:
		if (!ser->nr_areas)
			return;
		iommufd_lu_ser_areas(ser)[ser->nr_areas - 1].length = 0;
		break;
	default:
		return;
	}
	pr_warn("test: record made malformed (%s)\n",
		iommufd_lu_corrupt_names[iommufd_lu_corrupt.mode]);
	iommufd_lu_corrupt.mode = IOMMUFD_LU_CORRUPT_NONE;
}

static void iommufd_lu_debugfs_init(void)
{
	iommufd_lu_debugfs = debugfs_create_dir("iommufd_lu", NULL);
	liveupdate_test_knob_create("corrupt", iommufd_lu_debugfs,
				    &iommufd_lu_corrupt);
}

static void iommufd_lu_debugfs_exit(void)
{
	debugfs_remove_recursive(iommufd_lu_debugfs);
}
#else
static void iommufd_lu_break(struct iommufd_lu_ser *ser) { }
static void iommufd_lu_debugfs_init(void) { }
static void iommufd_lu_debugfs_exit(void) { }
#endif

/* Preserve the domain of every held HWPT with the IOMMU core */
static int iommufd_lu_preserve_domains(struct iommufd_lu_out *out)
{
	unsigned long i;
	int rc;

	for (i = 0; i < out->nr_hwpts; i++) {
		struct iommufd_hwpt_paging *hwpt_paging = out->hwpts[i];

		/* Named by its record, which the next kernel finds there */
		rc = iommu_lu_preserve_domain(hwpt_paging->common.domain,
					      hwpt_paging->lu_token,
					      virt_to_phys(out->ser));
		if (rc)
			goto out_unpreserve;
	}
	return 0;

out_unpreserve:
	while (i--)
		iommu_lu_unpreserve_domain(out->hwpts[i]->common.domain);
	return rc;
}

static void iommufd_lu_unpreserve_domains(struct iommufd_lu_out *out)
{
	unsigned long i;

	for (i = 0; i < out->nr_hwpts; i++)
		iommu_lu_unpreserve_domain(out->hwpts[i]->common.domain);
}

static int iommufd_lu_preserve(struct liveupdate_file_op_args *args)
{
	struct iommufd_lu_out *out;
	int rc;

	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	out->ictx = args->file->private_data;

	/* No HWPT marked or destroyed while they are taken */
	mutex_lock(&iommufd_lu_mark_lock);
	rc = iommufd_lu_hold_marked(out);
	if (rc)
		goto out_unlock;
	rc = iommufd_lu_serialize(out, args->session);
	if (rc)
		goto out_unlock;
	rc = iommufd_lu_preserve_domains(out);
	if (rc)
		goto out_free_ser;
	out->ictx->lu_out = out;
	mutex_unlock(&iommufd_lu_mark_lock);

	iommufd_lu_break(out->ser);
	args->serialized_data = virt_to_phys(out->ser);
	args->private_data = out;
	return 0;

out_free_ser:
	kho_unpreserve_free(out->ser);
out_unlock:
	mutex_unlock(&iommufd_lu_mark_lock);
	iommufd_lu_release_held(out);
	kfree(out);
	return rc;
}

static void iommufd_lu_unpreserve(struct liveupdate_file_op_args *args)
{
	struct iommufd_lu_out *out = args->private_data;

	mutex_lock(&iommufd_lu_mark_lock);
	out->ictx->lu_out = NULL;
	mutex_unlock(&iommufd_lu_mark_lock);
	iommufd_lu_unpreserve_domains(out);
	kho_unpreserve_free(out->ser);
	iommufd_lu_release_held(out);
	kfree(out);
}

/* Whether @hwpt is one of the HWPTs @out preserves */
static bool iommufd_lu_out_has(struct iommufd_lu_out *out,
			       struct iommufd_hw_pagetable *hwpt)
{
	unsigned long i;

	for (i = 0; i < out->nr_hwpts; i++)
		if (&out->hwpts[i]->common == hwpt)
			return true;
	return false;
}

/*
 * The preserved HWPT @idev is attached to, or NULL; the group's lock and
 * iommufd_lu_mark_lock held.
 */
static struct iommufd_hwpt_paging *
iommufd_device_lu_hwpt(struct iommufd_device *idev)
{
	struct iommufd_hw_pagetable *hwpt = idev->igroup->hwpt;
	struct iommufd_lu_out *out = idev->ictx->lu_out;

	if (!out || !hwpt || !iommufd_lu_out_has(out, hwpt))
		return NULL;
	return to_hwpt_paging(hwpt);
}

/**
 * iommufd_device_lu_preserve - keep a device translating through its HWPT
 *	across a live update
 * @idev: a device bound to an iommufd
 * @session: the session the device's file is being preserved in
 * @hwpt_token: returns the token of the HWPT it is attached to
 *
 * The iommufd must be preserved in @session already, and the device
 * attached to one of the HWPTs that preserve carries.
 *
 * Return: 0; -EXDEV if the iommufd is not preserved in @session; -EINVAL if
 * the device is not attached to a HWPT the preserved iommufd carries; or
 * the error of iommu_lu_preserve_device().
 */
int iommufd_device_lu_preserve(struct iommufd_device *idev,
			       struct liveupdate_session *session,
			       u64 *hwpt_token)
{
	struct iommufd_hwpt_paging *hwpt_paging;
	u64 token;
	int rc;

	if (liveupdate_get_token_outgoing(session, idev->ictx->file, &token))
		return -EXDEV;

	mutex_lock(&iommufd_lu_mark_lock);
	mutex_lock(&idev->igroup->lock);
	hwpt_paging = iommufd_device_lu_hwpt(idev);
	if (!hwpt_paging) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rc = iommu_lu_preserve_device(idev->dev, hwpt_paging->common.domain);
	if (!rc)
		*hwpt_token = hwpt_paging->lu_token;
out_unlock:
	mutex_unlock(&idev->igroup->lock);
	mutex_unlock(&iommufd_lu_mark_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_lu_preserve, IOMMUFD);

/**
 * iommufd_device_lu_unpreserve - undo iommufd_device_lu_preserve()
 * @idev: the device
 */
void iommufd_device_lu_unpreserve(struct iommufd_device *idev)
{
	iommu_lu_unpreserve_device(idev->dev);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_lu_unpreserve, IOMMUFD);

/**
 * iommufd_device_lu_check - whether a preserved device is still attached
 *	to the HWPT it was preserved with
 * @idev: the device, preserved with iommufd_device_lu_preserve()
 * @hwpt_token: the token that returned
 *
 * For the freeze at the reboot: a device moved to another HWPT since must
 * not go to the next kernel as if it had not.
 *
 * Return: 0, or -EBUSY if it is attached elsewhere now.
 */
int iommufd_device_lu_check(struct iommufd_device *idev, u64 hwpt_token)
{
	struct iommufd_hwpt_paging *hwpt_paging;
	int rc = 0;

	mutex_lock(&iommufd_lu_mark_lock);
	mutex_lock(&idev->igroup->lock);
	hwpt_paging = iommufd_device_lu_hwpt(idev);
	if (!hwpt_paging || hwpt_paging->lu_token != hwpt_token)
		rc = -EBUSY;
	mutex_unlock(&idev->igroup->lock);
	mutex_unlock(&iommufd_lu_mark_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_lu_check, IOMMUFD);

/*
 * Take the block handed over at @phys and check the record in it.  The
 * record stays where it is, in the restored folio, until
 * iommufd_lu_ser_free(); a malformed one is freed here.
 */
static struct iommufd_lu_ser *iommufd_lu_take(u64 phys)
{
	struct folio *folio;

	folio = kho_restore_folio(phys);
	if (!folio) {
		pr_err("no preserved record at %#llx\n", phys);
		return ERR_PTR(-EINVAL);
	}
	if (iommufd_lu_ser_check(folio_address(folio), folio_size(folio))) {
		folio_put(folio);
		return ERR_PTR(-EINVAL);
	}
	return folio_address(folio);
}

/**
 * iommufd_lu_ser_free - free a record handed over
 * @ser: the record, from a retrieve, or NULL
 */
void iommufd_lu_ser_free(struct iommufd_lu_ser *ser)
{
	if (ser)
		folio_put(virt_to_folio(ser));
}

static int iommufd_lu_retrieve(struct liveupdate_file_op_args *args)
{
	struct iommufd_lu_ser *ser = args->private_data;
	struct file *file;

	if (IS_ERR(ser))
		return PTR_ERR(ser);
	if (!ser) {
		ser = iommufd_lu_take(args->serialized_data);
		if (IS_ERR(ser)) {
			pr_err("iommufd handed over at %#llx refused\n",
			       args->serialized_data);
			/* Nothing is left to retry with, nor to free */
			args->private_data = ser;
			return PTR_ERR(ser);
		}
		args->private_data = ser;
	}

	/* The new iommufd owns the record */
	file = iommufd_file_create(ser);
	if (IS_ERR(file))
		return PTR_ERR(file);	/* the record is kept: try again */
	args->private_data = NULL;
	args->file = file;
	return 0;
}

static void iommufd_lu_finish(struct liveupdate_file_op_args *args)
{
	struct iommufd_lu_ser *ser = args->private_data;
	struct folio *folio;

	if (args->retrieve_status > 0 || IS_ERR(ser))
		return;
	if (ser) {
		/* Retrieves failed after the record was taken */
		iommufd_lu_ser_free(ser);
		return;
	}
	/* Never retrieved: free the preserved block */
	folio = kho_restore_folio(args->serialized_data);
	if (folio)
		folio_put(folio);
}

/*
 * While a domain restored from this iommufd's record is not freed, a
 * device may translate through it into the session's memfds: the session
 * cannot finish (whether the iommufd was retrieved or not).
 */
static bool iommufd_lu_can_finish(struct liveupdate_file_op_args *args)
{
	return !iommu_lu_owner_busy(args->serialized_data);
}

static const struct liveupdate_file_ops iommufd_lu_file_ops = {
	.can_preserve = iommufd_lu_can_preserve,
	.preserve = iommufd_lu_preserve,
	.unpreserve = iommufd_lu_unpreserve,
	.retrieve = iommufd_lu_retrieve,
	.can_finish = iommufd_lu_can_finish,
	.finish = iommufd_lu_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler iommufd_lu_handler = {
	.ops = &iommufd_lu_file_ops,
	.compatible = IOMMUFD_LU_COMPATIBLE,
};

/**
 * iommufd_lu_in_session - whether an iommufd of a session owns what the
 *	IOMMU core recorded for it
 * @session: an incoming session, as given to a handler callback
 * @owner: the owner the IOMMU core's record names (the physical address
 *	of the iommufd's record)
 *
 * For the handler of a device whose own record is refused: the IOMMU
 * core's record, and this, tell whether the device it names is this
 * session's.
 *
 * Return: true if @session holds the iommufd that @owner names.
 */
bool iommufd_lu_in_session(struct liveupdate_session *session, u64 owner)
{
	return liveupdate_session_holds(session, &iommufd_lu_handler, owner);
}
EXPORT_SYMBOL_NS_GPL(iommufd_lu_in_session, IOMMUFD);

/**
 * iommufd_lu_init - register the iommufd handler with LUO
 *
 * Return: 0, also when live update is off; or the error of the
 * registration.
 */
int iommufd_lu_init(void)
{
	int rc;

	if (!liveupdate_enabled())
		return 0;
	rc = liveupdate_register_file_handler(&iommufd_lu_handler);
	if (rc)
		return rc;
	rc = liveupdate_register_flb(&iommufd_lu_handler, &iommu_lu_flb);
	if (rc) {
		liveupdate_unregister_file_handler(&iommufd_lu_handler);
		return rc;
	}
	iommufd_lu_debugfs_init();
	return 0;
}

/**
 * iommufd_lu_exit - unregister the iommufd handler
 */
void iommufd_lu_exit(void)
{
	if (!liveupdate_enabled())
		return;
	iommufd_lu_debugfs_exit();
	liveupdate_unregister_flb(&iommufd_lu_handler, &iommu_lu_flb);
	liveupdate_unregister_file_handler(&iommufd_lu_handler);
}
