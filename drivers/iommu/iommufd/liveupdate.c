// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd and live update: which HWPTs a live update preserves.
 */

/**
 * DOC: Marking a HWPT for a live update
 *
 * A VMM keeps a device doing DMA through a paging HWPT while the kernel is
 * replaced.  It says which HWPTs to preserve, and under which names: it
 * marks each with IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE and a u64 token of
 * its choosing, unique in its iommufd.  Object IDs mean nothing in the
 * next kernel; the token is how it finds the HWPT there again.
 *
 * The life of a mark: it is checked and set here, once (it is one-way);
 * from then on the HWPT's IOAS can neither map nor unmap (EBUSY), so that
 * the page tables preserved are the ones the device uses; it ends when the
 * HWPT is destroyed, and the IOAS can change again when none of its HWPTs
 * is marked.  Only memory that survives the kexec may be mapped: every
 * area must be a memfd mapped with IOMMU_IOAS_MAP_FILE that could not
 * change size (F_SEAL_GROW and F_SEAL_SHRINK when it was mapped).
 */
#include <linux/fcntl.h>
#include <linux/mutex.h>

#include "io_pagetable.h"
#include "iommufd_private.h"

/*
 * Serializes marks, so that two cannot take the same token, and the
 * preserve of an iommufd against them (liveupdate_file.c)
 */
DEFINE_MUTEX(iommufd_lu_mark_lock);

/* Whether another HWPT of @ictx is marked under @token */
static bool iommufd_lu_token_used(struct iommufd_ctx *ictx, u64 token)
{
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_object *obj;
	unsigned long index;
	bool used = false;

	lockdep_assert_held(&iommufd_lu_mark_lock);
	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj) {
		if (xa_is_zero(obj) || obj->type != IOMMUFD_OBJ_HWPT_PAGING)
			continue;
		hwpt_paging = container_of(obj, struct iommufd_hwpt_paging,
					   common.obj);
		if (hwpt_paging->lu_marked && hwpt_paging->lu_token == token) {
			used = true;
			break;
		}
	}
	xa_unlock(&ictx->objects);
	return used;
}

/*
 * Whether every area of @iopt maps a memfd that cannot change size.  An
 * area still being mapped or unmapped (no pages yet or any more) makes it
 * -EBUSY.  Called with iova_rwsem held.
 */
static int iommufd_lu_check_areas(struct io_pagetable *iopt)
{
	const unsigned int sized = F_SEAL_GROW | F_SEAL_SHRINK;
	struct iopt_area *area;

	lockdep_assert_held(&iopt->iova_rwsem);
	for (area = iopt_area_iter_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_iter_next(area, 0, ULONG_MAX)) {
		if (!area->pages)
			return -EBUSY;
		if (area->pages->type != IOPT_ADDRESS_FILE ||
		    (area->pages->seals & sized) != sized)
			return -EINVAL;
	}
	return 0;
}

/**
 * iommufd_hwpt_lu_mark_preserve - IOMMU_HWPT_LIVEUPDATE_MARK_PRESERVE
 * @ucmd: the command, a struct iommu_hwpt_lu_mark_preserve
 *
 * Return: 0, or an errno as the uAPI header describes, with nothing changed.
 */
int iommufd_hwpt_lu_mark_preserve(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_lu_mark_preserve *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;
	struct io_pagetable *iopt;
	int rc;

	hwpt_paging = iommufd_get_hwpt_paging(ucmd, cmd->hwpt_id);
	if (IS_ERR(hwpt_paging))
		return PTR_ERR(hwpt_paging);
	if (hwpt_paging->auto_domain || hwpt_paging->nest_parent) {
		rc = -EINVAL;
		goto out_put;
	}
	iopt = &hwpt_paging->ioas->iopt;

	mutex_lock(&iommufd_lu_mark_lock);
	if (hwpt_paging->lu_marked) {
		rc = -EALREADY;
		goto out_unlock;
	}
	if (iommufd_lu_token_used(ucmd->ictx, cmd->hwpt_token)) {
		rc = -EADDRINUSE;
		goto out_unlock;
	}

	down_write(&iopt->iova_rwsem);
	rc = iommufd_lu_check_areas(iopt);
	if (!rc) {
		iopt->lu_marked++;
		hwpt_paging->lu_token = cmd->hwpt_token;
		hwpt_paging->lu_marked = true;
	}
	up_write(&iopt->iova_rwsem);
out_unlock:
	mutex_unlock(&iommufd_lu_mark_lock);
out_put:
	iommufd_put_object(ucmd->ictx, &hwpt_paging->common.obj);
	return rc;
}

/**
 * iommufd_hwpt_lu_destroy - a HWPT goes: its mark goes with it
 * @hwpt_paging: the HWPT being destroyed
 *
 * Its IOAS may map and unmap again once none of its HWPTs is marked.
 */
void iommufd_hwpt_lu_destroy(struct iommufd_hwpt_paging *hwpt_paging)
{
	struct io_pagetable *iopt = &hwpt_paging->ioas->iopt;

	if (!hwpt_paging->lu_marked)
		return;
	mutex_lock(&iommufd_lu_mark_lock);
	down_write(&iopt->iova_rwsem);
	iopt->lu_marked--;
	hwpt_paging->lu_marked = false;
	up_write(&iopt->iova_rwsem);
	mutex_unlock(&iommufd_lu_mark_lock);
}
