// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci and live update: the LUO file handler of a vfio-pci device file.
 */

/**
 * DOC: Preserving a vfio-pci device
 *
 * A VMM preserves its passthrough device's file in a LUO session after
 * the memfds and the iommufd it depends on: memfd -> iommufd -> device.
 * The device keeps doing DMA through its IOMMU domain while the kernel is
 * replaced; it is never reset and stays a bus master.
 *
 * Life of a preserved device.  PRESERVE_FD takes a device file opened
 * through the device's cdev (/dev/vfio/devices/vfioN) of a device bound
 * to vfio-pci; group and container files, and device files obtained from
 * a group, are refused with EOPNOTSUPP.  The file must be the one bound
 * to an iommufd (another file of a bound device: EINVAL), that iommufd
 * preserved in the same session (else EXDEV), and the device attached to
 * a HWPT that iommufd carries (else EINVAL); the IOMMU core then keeps it
 * translating through that HWPT's domain across the reboot and the PCI
 * core leaves it and its bridges bus masters.  A record of one block
 * names the device (segment, requester ID) and the HWPT's token.
 *
 * At the reboot the freeze refuses, with EBUSY, a device whose interrupts
 * are enabled (the next kernel starts with an empty interrupt remapping
 * table: the VMM disables them with VFIO_DEVICE_SET_IRQS first) or that was
 * moved to another HWPT since; the reboot then fails and nothing changes.
 *
 * In the next kernel the device is reserved for vfio-pci when it is
 * enumerated (the IOMMU core's record names it) and its translation goes
 * on.  Its IOMMU group belongs to the live update: no driver using the
 * DMA API binds to it, no iommufd claims it (EPERM), so nothing resets it
 * or changes its translation.  vfio-pci binds to it without touching it,
 * and holds it for its session: opening its cdev fails with EBUSY.
 * RETRIEVE_FD returns a file of the device as opening its cdev would, not
 * bound to any iommufd yet, and lets the cdev open from then on.  It
 * believes the record only as far as the IOMMU core's own agrees: a
 * record that is malformed, names a device the IOMMU core did not keep,
 * another HWPT, a device of another session (a HWPT token is unique only
 * within its iommufd) or a device already retrieved is refused with
 * EINVAL and a log line, however often it is tried.  The device it names
 * is blocked at once (its DMA faults) if the IOMMU core's record ties it
 * to an iommufd of the same session and it is still held: so a corrupt
 * record can block only its own session's devices.  The device stays
 * held.  A device no refused record names (its record named another)
 * stays as the IOMMU core kept it, translating through its restored
 * domain into memory that stays held, never passed through.  The rest of
 * the session is retrieved and works, but the session cannot finish while
 * a restored domain maps its memory.  The session's iommufd ends that:
 * destroying the restored HWPT blocks the devices still on it and frees
 * the domain, and the session can finish.  Otherwise the next kexec,
 * which no longer preserves the devices, blocks them and frees it all.
 *
 * A device retrieved is taken as it is by the first open of its file, a
 * bus master, without a reset; binding it to the iommufd retrieved from
 * its session hands it over attached to its restored HWPT (to any other
 * iommufd: EPERM).  FINISH of a device never retrieved frees its record;
 * the device stays held until the next kernel, which no longer preserves
 * it.  A device taken back and released
 * (its file closed after FINISH: reset, no longer a bus master) is an
 * ordinary device from then on, whatever driver binds to it next.
 */

#define pr_fmt(fmt) "vfio-pci: live update: " fmt

#include <linux/debugfs.h>
#include <linux/iommu-liveupdate.h>
#include <linux/iommufd.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

#include "vfio_pci_liveupdate.h"

#define VFIO_PCI_LU_COMPATIBLE	"vfio-pci-612-v1"

/**
 * struct vfio_pci_lu_ser - a preserved vfio-pci device, handed over
 * @segment: its PCI segment
 * @rid: its requester ID (bus << 8 | devfn)
 * @reserved: 0
 * @hwpt_token: the token of the HWPT it translates through
 */
struct vfio_pci_lu_ser {
	u16 segment;
	u16 rid;
	u32 reserved;
	u64 hwpt_token;
};

/**
 * struct vfio_pci_lu_out - a device preserved in this kernel
 * @vdev: the device; the session holds its file
 * @idev: its binding to the preserved iommufd
 * @hwpt_token: the token of the HWPT it must still be on at the freeze
 * @ser: its record, preserved with KHO
 */
struct vfio_pci_lu_out {
	struct vfio_pci_core_device *vdev;
	struct iommufd_device *idev;
	u64 hwpt_token;
	struct vfio_pci_lu_ser *ser;
};

static struct pci_driver *vfio_pci_lu_driver;

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * For the tests of malformed handover data (LIVEUPDATE_TEST): the debugfs
 * file vfio_pci_lu/corrupt names how to break the record of the next
 * device preserved, which the next kernel must refuse.  "reserved": its
 * reserved field is set.  "device": it names 0000:00:00.0, a device the
 * live update did not keep.  "token": it names a HWPT the device was not
 * preserved on.  "next": it names the device in the next slot, which may
 * be another session's.
 */
enum {
	VFIO_PCI_LU_CORRUPT_NONE,
	VFIO_PCI_LU_CORRUPT_RESERVED,
	VFIO_PCI_LU_CORRUPT_DEVICE,
	VFIO_PCI_LU_CORRUPT_TOKEN,
	VFIO_PCI_LU_CORRUPT_NEXT,
};

static const char * const vfio_pci_lu_corrupt_names[] = {
	"none", "reserved", "device", "token", "next"
};

static struct liveupdate_test_knob vfio_pci_lu_corrupt = {
	.modes = vfio_pci_lu_corrupt_names,
	.nr_modes = ARRAY_SIZE(vfio_pci_lu_corrupt_names),
};

static struct dentry *vfio_pci_lu_debugfs;

static void vfio_pci_lu_break(struct vfio_pci_lu_ser *ser)
{
	switch (vfio_pci_lu_corrupt.mode) {
	case VFIO_PCI_LU_CORRUPT_RESERVED:
		ser->reserved = 0xbad;
		break;
	case VFIO_PCI_LU_CORRUPT_DEVICE:
		ser->segment = 0;
		ser->rid = 0;
		break;
	case VFIO_PCI_LU_CORRUPT_TOKEN:
		ser->hwpt_token ^= 1;
		break;
	case VFIO_PCI_LU_CORRUPT_NEXT:
		ser->rid += PCI_DEVFN(1, 0);
		break;
	default:
		return;
	}
	pr_warn("test: record made malformed (%s)\n",
		vfio_pci_lu_corrupt_names[vfio_pci_lu_corrupt.mode]);
	vfio_pci_lu_corrupt.mode = VFIO_PCI_LU_CORRUPT_NONE;
}

static void vfio_pci_lu_debugfs_init(void)
{
	vfio_pci_lu_debugfs = debugfs_create_dir("vfio_pci_lu", NULL);
	liveupdate_test_knob_create("corrupt", vfio_pci_lu_debugfs,
				    &vfio_pci_lu_corrupt);
}

static void vfio_pci_lu_debugfs_exit(void)
{
	debugfs_remove_recursive(vfio_pci_lu_debugfs);
}
#else
static void vfio_pci_lu_break(struct vfio_pci_lu_ser *ser) { }
static void vfio_pci_lu_debugfs_init(void) { }
static void vfio_pci_lu_debugfs_exit(void) { }
#endif

static bool vfio_pci_lu_can_preserve(struct liveupdate_file_handler *handler,
				     struct file *file)
{
	/* Every VFIO file, so that the unsupported ones get a clear errno */
	return vfio_file_is_vfio(file);
}

/* The vfio-pci device of @file, opened through its cdev, or NULL */
static struct vfio_pci_core_device *vfio_pci_lu_device(struct file *file)
{
	struct vfio_device *device = vfio_file_cdev_device(file);

	if (!device || !dev_is_pci(device->dev) ||
	    to_pci_dev(device->dev)->driver != vfio_pci_lu_driver)
		return NULL;
	return container_of(device, struct vfio_pci_core_device, vdev);
}

static int vfio_pci_lu_preserve(struct liveupdate_file_op_args *args)
{
	struct vfio_pci_core_device *vdev = vfio_pci_lu_device(args->file);
	struct vfio_pci_lu_out *out;
	u64 token;
	int rc;

	if (!vdev)
		return -EOPNOTSUPP;
	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	out->vdev = vdev;
	out->ser = kho_alloc_preserve(sizeof(*out->ser));
	if (IS_ERR(out->ser)) {
		rc = PTR_ERR(out->ser);
		goto out_free;
	}

	/*
	 * The binding to an iommufd holds still under the set's lock.  It
	 * must be this file's: another file of the device may be the bound
	 * one, and its close (the session holds only this one) would free
	 * the iommufd_device under the preserved record.
	 */
	mutex_lock(&vdev->vdev.dev_set->lock);
	out->idev = vfio_file_cdev_bound(args->file) ?
		    vdev->vdev.iommufd_device : NULL;
	if (out->idev)
		rc = iommufd_device_lu_preserve(out->idev, args->session,
						&token);
	else
		rc = -EINVAL;
	mutex_unlock(&vdev->vdev.dev_set->lock);
	if (rc)
		goto out_free_ser;

	out->ser->segment = pci_domain_nr(vdev->pdev->bus);
	out->ser->rid = pci_dev_id(vdev->pdev);
	out->ser->hwpt_token = token;
	out->hwpt_token = token;
	vfio_pci_lu_break(out->ser);
	args->serialized_data = virt_to_phys(out->ser);
	args->private_data = out;
	return 0;

out_free_ser:
	kho_unpreserve_free(out->ser);
out_free:
	kfree(out);
	return rc;
}

static void vfio_pci_lu_unpreserve(struct liveupdate_file_op_args *args)
{
	struct vfio_pci_lu_out *out = args->private_data;

	iommufd_device_lu_unpreserve(out->idev);
	kho_unpreserve_free(out->ser);
	kfree(out);
}

static int vfio_pci_lu_freeze(struct liveupdate_file_op_args *args)
{
	struct vfio_pci_lu_out *out = args->private_data;
	struct vfio_pci_core_device *vdev = out->vdev;
	bool irqs;

	mutex_lock(&vdev->igate);
	irqs = vdev->irq_type != VFIO_PCI_NUM_IRQS;
	mutex_unlock(&vdev->igate);
	if (irqs) {
		pci_warn(vdev->pdev, "live update: its interrupts are enabled\n");
		return -EBUSY;
	}
	if (iommufd_device_lu_check(out->idev, out->hwpt_token)) {
		pci_warn(vdev->pdev, "live update: no longer on its preserved HWPT\n");
		return -EBUSY;
	}
	return 0;
}

/**
 * vfio_pci_lu_probe - hold a device the previous kernel kept running
 * @vdev: a device vfio-pci is probing, not registered yet
 *
 * Its cdev then refuses to open (EBUSY) until the device is retrieved from
 * its session, and it is never left idle in D3hot, where it could not go
 * on doing DMA.  Only while the live update owns its IOMMU group: a device
 * an iommufd took over and released since, then bound to vfio-pci again
 * (by a reaper, say), is an ordinary one.
 */
void vfio_pci_lu_probe(struct vfio_pci_core_device *vdev)
{
	if (!iommu_lu_device_owned(&vdev->pdev->dev))
		return;
	vdev->vdev.lu_held = true;
	vdev->vdev.lu_kept = true;
	/* Idle in D3hot, it would stop its DMA: it stays in D0 */
	vdev->disable_idle_d3 = true;
	pci_info(vdev->pdev, "live update: held for its session\n");
}

/*
 * Whether @ser, which names @pdev, is believed, device_lock held (the
 * driver cannot go meanwhile): only as far as the IOMMU core's own record
 * agrees.  The device must translate through the domain the IOMMU core
 * restored for the HWPT @ser names, that domain must belong to an iommufd
 * of @session, and the device must be held for a session, not retrieved
 * yet.  Otherwise the record is wrong (EINVAL): a device another session
 * holds is never handed out.  A device not bound to vfio-pci is busy.
 */
static int vfio_pci_lu_check_locked(struct liveupdate_session *session,
				    struct pci_dev *pdev,
				    const struct vfio_pci_lu_ser *ser)
{
	struct vfio_pci_core_device *vdev;
	u64 owner, token;

	if (iommu_lu_device_restored(&pdev->dev, &owner, &token) ||
	    token != ser->hwpt_token) {
		pci_err(pdev, "live update: the record names HWPT %#llx, which the IOMMU core did not keep it on\n",
			ser->hwpt_token);
		return -EINVAL;
	}
	/* A HWPT token is unique only within its iommufd */
	if (!iommufd_lu_in_session(session, owner)) {
		pci_err(pdev, "live update: the record names a device of another session\n");
		return -EINVAL;
	}
	if (pdev->driver != vfio_pci_lu_driver) {
		pci_err(pdev, "live update: not bound to vfio-pci\n");
		return -EBUSY;
	}
	vdev = dev_get_drvdata(&pdev->dev);
	if (!READ_ONCE(vdev->vdev.lu_held)) {
		pci_err(pdev, "live update: not held for a session\n");
		return -EINVAL;
	}
	return 0;
}

/* A file for @pdev, whose record was believed, device_lock held */
static struct file *vfio_pci_lu_file_locked(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev = dev_get_drvdata(&pdev->dev);
	struct file *file;

	file = vfio_device_cdev_file(&vdev->vdev);
	if (!IS_ERR(file))
		WRITE_ONCE(vdev->vdev.lu_held, false);
	return file;
}

/*
 * @ser was refused: block the device it names, device_lock held, if that
 * is a device of @session still held for it.  Only the IOMMU core's own
 * record, which passed its checks, says whose it is: a record that names
 * another session's device, or one retrieved already, blocks nothing.
 */
static void vfio_pci_lu_block_locked(struct liveupdate_session *session,
				     struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev;
	u64 owner, token;

	if (pdev->driver != vfio_pci_lu_driver)
		return;
	vdev = dev_get_drvdata(&pdev->dev);
	if (!READ_ONCE(vdev->vdev.lu_held) ||
	    iommu_lu_device_restored(&pdev->dev, &owner, &token) ||
	    !iommufd_lu_in_session(session, owner))
		return;
	if (iommu_lu_block_device(&pdev->dev))
		pci_warn(pdev, "live update: blocked, its record was refused\n");
}

/*
 * A file for the device @ser names, bound to vfio-pci.  If @ser is refused
 * (@refused, or by vfio_pci_lu_check_locked()), the device it names may
 * be blocked; a failure to make the file blocks nothing.
 */
static struct file *vfio_pci_lu_open(struct liveupdate_session *session,
				     const struct vfio_pci_lu_ser *ser,
				     bool refused)
{
	struct pci_dev *pdev;
	struct file *file;
	int err;

	pdev = pci_get_domain_bus_and_slot(ser->segment, ser->rid >> 8,
					   ser->rid & 0xff);
	if (!pdev) {
		pr_err("%04x:%04x: no such device\n", ser->segment, ser->rid);
		return ERR_PTR(refused ? -EINVAL : -ENODEV);
	}
	device_lock(&pdev->dev);
	err = refused ? -EINVAL : vfio_pci_lu_check_locked(session, pdev, ser);
	if (err == -EINVAL)
		vfio_pci_lu_block_locked(session, pdev);
	file = err ? ERR_PTR(err) : vfio_pci_lu_file_locked(pdev);
	device_unlock(&pdev->dev);
	pci_dev_put(pdev);
	return file;
}

static int vfio_pci_lu_retrieve(struct liveupdate_file_op_args *args)
{
	struct vfio_pci_lu_ser *ser;
	struct folio *folio;
	struct file *file;
	bool malformed;

	folio = args->private_data;
	if (!folio) {
		folio = kho_restore_folio(args->serialized_data);
		if (!folio) {
			pr_err("no preserved record at %#llx\n",
			       args->serialized_data);
			return -EINVAL;
		}
		/* Kept for another try and for finish */
		args->private_data = folio;
	}
	ser = folio_address(folio);
	malformed = folio_size(folio) < sizeof(*ser) || ser->reserved;
	if (malformed)
		pr_err("record at %#llx is malformed\n", args->serialized_data);
	/* Too short, it names no device at all */
	if (folio_size(folio) < sizeof(*ser))
		return -EINVAL;
	file = vfio_pci_lu_open(args->session, ser, malformed);
	if (IS_ERR(file))
		return PTR_ERR(file);
	folio_put(folio);
	args->private_data = NULL;
	args->file = file;
	return 0;
}

static void vfio_pci_lu_finish(struct liveupdate_file_op_args *args)
{
	struct folio *folio = args->private_data;

	if (args->retrieve_status > 0)
		return;
	if (!folio)
		folio = kho_restore_folio(args->serialized_data);
	if (folio)
		folio_put(folio);
}

static const struct liveupdate_file_ops vfio_pci_lu_file_ops = {
	.can_preserve = vfio_pci_lu_can_preserve,
	.preserve = vfio_pci_lu_preserve,
	.unpreserve = vfio_pci_lu_unpreserve,
	.freeze = vfio_pci_lu_freeze,
	.retrieve = vfio_pci_lu_retrieve,
	.finish = vfio_pci_lu_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler vfio_pci_lu_handler = {
	.ops = &vfio_pci_lu_file_ops,
	.compatible = VFIO_PCI_LU_COMPATIBLE,
};

/**
 * vfio_pci_lu_init - register the vfio-pci handler with LUO
 * @driver: vfio-pci's driver, whose devices it serves
 *
 * Return: 0, also when live update is off; or the registration's error.
 */
int vfio_pci_lu_init(struct pci_driver *driver)
{
	int rc;

	if (!liveupdate_enabled())
		return 0;
	vfio_pci_lu_driver = driver;
	rc = liveupdate_register_file_handler(&vfio_pci_lu_handler);
	if (rc)
		return rc;
	rc = liveupdate_register_flb(&vfio_pci_lu_handler, &iommu_lu_flb);
	if (rc) {
		liveupdate_unregister_file_handler(&vfio_pci_lu_handler);
		return rc;
	}
	vfio_pci_lu_debugfs_init();
	return 0;
}

/**
 * vfio_pci_lu_exit - unregister the vfio-pci handler
 */
void vfio_pci_lu_exit(void)
{
	if (!liveupdate_enabled())
		return;
	vfio_pci_lu_debugfs_exit();
	liveupdate_unregister_flb(&vfio_pci_lu_handler, &iommu_lu_flb);
	liveupdate_unregister_file_handler(&vfio_pci_lu_handler);
}

MODULE_IMPORT_NS(IOMMUFD);
