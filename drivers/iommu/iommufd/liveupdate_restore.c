// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd and live update: the HWPTs restored in the next kernel.
 */

/**
 * DOC: Taking a restored HWPT back
 *
 * After a live update, a device the previous kernel preserved goes on
 * translating through the domain the IOMMU core restored at boot around
 * the preserved page tables; live update owns its IOMMU group.  The
 * iommufd retrieved from the session, and only that one, takes both back:
 *
 * - Binding the device to it (VFIO_DEVICE_BIND_IOMMUFD) hands the group
 *   over without changing its domain: the device is bound and already
 *   attached, to a HWPT of the restored domain.  Binding it to any other
 *   iommufd fails with EPERM and changes nothing.
 * - IOMMU_HWPT_LIVEUPDATE_RESTORE returns the ID of that HWPT by the token
 *   it was marked with, creating it the first time (before or after the
 *   bind: the order is userspace's).
 *
 * A restored HWPT has no IOAS and never changes: nothing maps or unmaps
 * through it, and no device joins it.  Its devices leave it by being
 * attached to a HWPT of this kernel (the replace is hitless) or detached;
 * then IOMMU_DESTROY frees the domain and its page-table pages.  While a
 * device bound to the iommufd is on it, IOMMU_DESTROY fails with EBUSY
 * and changes nothing.  A device still owned by the live update (its file
 * was not retrieved, or its record was refused) does not keep it:
 * IOMMU_DESTROY blocks that device first (its DMA faults from then on; it
 * stays held until the next kernel).  Until every restored domain of the
 * iommufd is freed, its session cannot finish (the handler's can_finish):
 * the domain maps the memory of the session's memfds.
 */

#define pr_fmt(fmt) "iommufd: live update: " fmt

#include <linux/iommu-liveupdate.h>
#include <linux/iommufd.h>
#include <linux/mutex.h>

#include "iommufd_private.h"

/* Serializes the creation of restored HWPTs, so that each is made once */
static DEFINE_MUTEX(iommufd_lu_restore_lock);

/* The name of @ictx's record in the IOMMU core's, or 0 if it has none */
static u64 iommufd_lu_owner(struct iommufd_ctx *ictx)
{
	return ictx->lu_restored ? virt_to_phys(ictx->lu_restored) : 0;
}

static struct iommufd_hwpt_restored *to_hwpt_restored(struct iommufd_object *obj)
{
	return container_of(obj, struct iommufd_hwpt_restored, common.obj);
}

/*
 * The restored HWPT of @ictx under @token, with a reference for the
 * caller (iommufd_put_object()), or NULL; iommufd_lu_restore_lock held.
 */
static struct iommufd_hwpt_restored *
iommufd_hwpt_restored_find(struct iommufd_ctx *ictx, u64 token)
{
	struct iommufd_hwpt_restored *found = NULL;
	struct iommufd_object *obj;
	unsigned long index;

	lockdep_assert_held(&iommufd_lu_restore_lock);
	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj) {
		if (xa_is_zero(obj) || obj->type != IOMMUFD_OBJ_HWPT_RESTORED ||
		    to_hwpt_restored(obj)->token != token)
			continue;
		if (iommufd_lock_obj(obj))
			found = to_hwpt_restored(obj);
		break;
	}
	xa_unlock(&ictx->objects);
	return found;
}

/*
 * The restored HWPT of @ictx under @token, made now if need be, with a
 * reference for the caller.  The IOMMU core hands the domain over once.
 * The groups the live update still owns on it hold no reference: they
 * are blocked before the HWPT is destroyed (iommufd_hwpt_restored_release())
 * and the session cannot finish, so the iommufd cannot be closed, before
 * it is.  A device bound holds one, as any attached device does.
 */
static struct iommufd_hwpt_restored *
iommufd_hwpt_restored_get(struct iommufd_ctx *ictx, u64 token)
{
	struct iommufd_hwpt_restored *restored;
	struct iommu_domain *domain;
	unsigned int groups;

	guard(mutex)(&iommufd_lu_restore_lock);
	restored = iommufd_hwpt_restored_find(ictx, token);
	if (restored)
		return restored;
	if (!iommufd_lu_owner(ictx))
		return ERR_PTR(-ENOENT);

	restored = __iommufd_object_alloc(ictx, restored,
					  IOMMUFD_OBJ_HWPT_RESTORED,
					  common.obj);
	if (IS_ERR(restored))
		return restored;
	domain = iommu_lu_take_domain(iommufd_lu_owner(ictx), token, &groups);
	if (IS_ERR(domain)) {
		iommufd_object_abort(ictx, &restored->common.obj);
		/* Not restored, or its HWPT was destroyed already */
		return ERR_PTR(-ENOENT);
	}
	restored->common.domain = domain;
	restored->token = token;
	/* The caller's reference, before anyone else can see it */
	iommufd_lock_obj(&restored->common.obj);
	pr_info("HWPT %#llx restored as object %u, %u device(s) on it\n",
		token, restored->common.obj.id, groups);
	iommufd_object_finalize(ictx, &restored->common.obj);
	return restored;
}

/**
 * iommufd_hwpt_lu_restore - ioctl(IOMMU_HWPT_LIVEUPDATE_RESTORE)
 * @ucmd: the user command, a struct iommu_hwpt_lu_restore
 *
 * Return: 0 with the restored HWPT's ID; -EOPNOTSUPP for flags or reserved
 * bits set; -ENOENT if this iommufd was not retrieved from a live update,
 * its record has no HWPT of that token, no device kept translating through
 * it, or it was destroyed.
 */
int iommufd_hwpt_lu_restore(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_lu_restore *cmd = ucmd->cmd;
	struct iommufd_hwpt_restored *restored;
	int rc;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	restored = iommufd_hwpt_restored_get(ucmd->ictx, cmd->hwpt_token);
	if (IS_ERR(restored))
		return PTR_ERR(restored);
	cmd->out_hwpt_id = restored->common.obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	iommufd_put_object(ucmd->ictx, &restored->common.obj);
	return rc;
}

/**
 * iommufd_hwpt_restored_destroy - free a restored HWPT's domain
 * @obj: the HWPT, no device on it
 */
void iommufd_hwpt_restored_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_restored *restored = to_hwpt_restored(obj);

	pr_info("HWPT %#llx destroyed, its domain freed\n", restored->token);
	iommu_lu_free_domain(restored->common.domain);
}

/**
 * iommufd_hwpt_restored_release - get a restored HWPT ready for IOMMU_DESTROY
 * @ictx: the iommufd
 * @id: the ID of the object being destroyed
 *
 * A device the live update still owns holds the restored HWPT it
 * translates through: its file was never retrieved, or its record was
 * refused and never will be.  It is blocked now, so that destroying the
 * HWPT frees the domain and the session can finish.  A device bound to
 * the iommufd and on the HWPT keeps it, as for any HWPT: then nothing is
 * blocked and the destroy fails with EBUSY.
 *
 * Return: 0, also for an object that is not a restored HWPT; -EBUSY if a
 * bound device is on it; an error of blocking a device.
 */
int iommufd_hwpt_restored_release(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_hwpt_restored *restored;
	struct iommufd_object *obj;
	unsigned int blocked;
	int rc;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_HWPT_RESTORED);
	if (IS_ERR(obj))
		return 0;
	restored = to_hwpt_restored(obj);
	/* No device is bound meanwhile (iommufd_device_lu_bind()) */
	mutex_lock(&iommufd_lu_restore_lock);
	rc = iommu_lu_block_owned(restored->common.domain, &blocked);
	mutex_unlock(&iommufd_lu_restore_lock);
	if (blocked)
		pr_info("HWPT %#llx: blocked %u device(s) nobody took back\n",
			restored->token, blocked);
	iommufd_put_object(ictx, obj);
	return rc;
}

/**
 * iommufd_device_lu_owned - whether a device is bound by taking it over
 *	from a live update
 * @ictx: the iommufd it is being bound to
 * @dev: the device
 *
 * Return: 0 if @dev does not translate through a domain restored at boot
 * (it is bound as usual); 1 if it does and @ictx was retrieved with that
 * domain (iommufd_device_lu_bind() then takes it over); -EPERM if the
 * domain belongs to another iommufd, retrieved or not.
 */
int iommufd_device_lu_owned(struct iommufd_ctx *ictx, struct device *dev)
{
	u64 owner, token;

	if (iommu_lu_device_restored(dev, &owner, &token))
		return 0;
	if (owner != iommufd_lu_owner(ictx)) {
		/* Userspace may try as often as it likes */
		dev_info_ratelimited(dev, "live update: only the iommufd of its session may bind it\n");
		return -EPERM;
	}
	return 1;
}

/**
 * iommufd_device_lu_bind - take over a device a live update kept translating
 * @idev: the device being bound, iommufd_device_lu_owned() 1
 *
 * The group goes from the live update to the iommufd as it is, attached
 * to the restored domain: the device is bound and attached to the
 * restored HWPT, which it holds a reference on from then on.
 *
 * Return: 0; -EPERM if the device was taken over meanwhile; -ENOENT if its
 * restored HWPT is gone; -ENOMEM.
 */
int iommufd_device_lu_bind(struct iommufd_device *idev)
{
	struct iommufd_group *igroup = idev->igroup;
	struct iommufd_hwpt_restored *restored;
	struct iommufd_attach_handle *handle;
	u64 owner, token;
	int rc;

	if (iommu_lu_device_restored(idev->dev, &owner, &token))
		return -EPERM;
	restored = iommufd_hwpt_restored_get(idev->ictx, token);
	if (IS_ERR(restored))
		return PTR_ERR(restored);
	handle = kzalloc(sizeof(*handle), GFP_KERNEL);
	if (!handle) {
		rc = -ENOMEM;
		goto out_put;
	}
	handle->idev = idev;

	/* Not while the HWPT's destroy blocks the groups still owned */
	mutex_lock(&iommufd_lu_restore_lock);
	mutex_lock(&igroup->lock);
	rc = igroup->hwpt ? -EBUSY :
	     iommu_lu_claim_dma_owner(idev->dev, idev->ictx,
				      restored->common.domain, &handle->handle);
	if (!rc) {
		igroup->hwpt = &restored->common;
		list_add_tail(&idev->group_item, &igroup->device_list);
		/* As iommufd_device_attach(): iommufd_device_detach() drops them */
		refcount_inc(&restored->common.obj.users);
		refcount_inc(&idev->obj.users);
	}
	mutex_unlock(&igroup->lock);
	mutex_unlock(&iommufd_lu_restore_lock);
	if (rc)
		kfree(handle);
	else
		dev_info(idev->dev, "live update: bound, on its restored HWPT %#llx\n",
			 token);
out_put:
	iommufd_put_object(idev->ictx, &restored->common.obj);
	return rc;
}

/**
 * iommufd_device_lu_attached - whether binding a device attached it
 * @idev: a device just bound with iommufd_device_bind()
 *
 * A device taken over from a live update comes bound and attached to its
 * restored HWPT; its driver must treat it as attached (to detach it, or to
 * replace the HWPT).
 *
 * Return: true if @idev is attached to a restored HWPT.
 */
bool iommufd_device_lu_attached(struct iommufd_device *idev)
{
	struct iommufd_hw_pagetable *hwpt;
	bool attached;

	mutex_lock(&idev->igroup->lock);
	hwpt = idev->igroup->hwpt;
	attached = hwpt && hwpt->obj.type == IOMMUFD_OBJ_HWPT_RESTORED;
	mutex_unlock(&idev->igroup->lock);
	return attached;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_lu_attached, IOMMUFD);
