// SPDX-License-Identifier: GPL-2.0-only
/*
 * The IOMMU core across a live update.
 */

/**
 * DOC: IOMMU domains and devices across a live update
 *
 * A device that keeps doing DMA while the kernel is replaced needs its
 * IOMMU to keep translating for it, with the same page tables, from the
 * last instruction of one kernel to the moment the next hands the domain
 * back to userspace.  The IOMMU core keeps what that takes in one record
 * shared by the file handlers that ask for it (iommufd's and vfio-pci's):
 * a LUO FLB, "iommu-612-v1", preserved with the first such file and handed
 * over with the last.
 *
 * Life of a preserved domain.  The iommufd handler preserves a marked
 * HWPT's domain under the HWPT's token (iommu_lu_preserve_domain()): the
 * driver preserves every page-table page with KHO and says where the top
 * one is.  The vfio-pci handler then preserves a device attached to it
 * (iommu_lu_preserve_device()): the driver preserves what its unit needs
 * to find the domain (VT-d: the root and context tables) and records the
 * unit, the domain ID and the requester ID.  At the reboot the driver
 * keeps translation on for the units that have preserved devices and
 * blocks every other device on them; the PCI core leaves the preserved
 * devices and their bridges bus masters.  Giving the files back undoes
 * each step.
 *
 * In the next kernel the driver reads the record at boot
 * (iommu_lu_incoming()), before any device is probed: it keeps translation
 * on, takes the preserved devices' context entries and domain IDs after
 * checking them against the record, and blocks every other device.  A
 * record it cannot trust is refused with a log line; the devices it names
 * are then blocked, never let through untranslated.  A device the record
 * names is reserved for vfio-pci when it is enumerated, and belongs to
 * the live update when it is probed: live update owns its IOMMU group, so
 * no DMA API driver binds to it and no iommufd claims it.
 *
 * Life of a restored domain.  When the first device of a preserved domain
 * is probed, the driver builds a domain of this kernel around the
 * preserved page tables (iommu_lu_restore_domain()), and the core attaches
 * it to the device's group in place of the default domain; the driver
 * keeps the device's translation as it found it.  The domain is immutable.
 * It is the core's until its owner, named in the record (the iommufd it
 * was preserved from), takes it (iommu_lu_take_domain()); binding the
 * device to that iommufd hands the group over without changing its domain
 * (iommu_lu_claim_dma_owner()).  The owner frees the domain once no device
 * translates through it (iommu_lu_free_domain()); until then its session
 * cannot finish (iommu_lu_owner_busy()).  Nobody else frees it: a domain
 * nobody takes back lives until the next kexec, which does not preserve it.
 */

#define pr_fmt(fmt) "iommu: live update: " fmt

#include <linux/debugfs.h>
#include <linux/iommu.h>
#include <linux/iommu-liveupdate.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "iommu-priv.h"

/**
 * struct iommu_lu_out - the record being built in this kernel
 * @ser: the record, preserved with KHO
 * @domains: the domain of each slot of @ser's domains in use
 * @devices: the device of each entry of @ser's devices
 */
struct iommu_lu_out {
	struct iommu_lu_ser *ser;
	struct iommu_domain *domains[IOMMU_LU_MAX_DOMAINS];
	struct device *devices[IOMMU_LU_MAX_DEVICES];
};

/* Serializes the outgoing record; taken inside the FLB's references */
static DEFINE_MUTEX(iommu_lu_lock);

static int iommu_lu_flb_preserve(struct liveupdate_flb_op_args *args)
{
	struct iommu_lu_out *out;

	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	out->ser = kho_alloc_preserve(sizeof(*out->ser));
	if (IS_ERR(out->ser)) {
		int err = PTR_ERR(out->ser);

		kfree(out);
		return err;
	}
	args->data = virt_to_phys(out->ser);
	args->obj = out;
	return 0;
}

static void iommu_lu_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	struct iommu_lu_out *out = args->obj;

	kho_unpreserve_free(out->ser);
	kfree(out);
}

/**
 * iommu_lu_ser_check - whether a record handed over can be trusted
 * @ser: the record
 *
 * Return: 0, or -EINVAL with a log line saying what is wrong.
 */
static int iommu_lu_ser_check(const struct iommu_lu_ser *ser)
{
	u32 i;

	if (ser->nr_domains > IOMMU_LU_MAX_DOMAINS ||
	    ser->nr_devices > IOMMU_LU_MAX_DEVICES) {
		pr_err("record of %u domains and %u devices is too large\n",
		       ser->nr_domains, ser->nr_devices);
		return -EINVAL;
	}
	for (i = 0; i < ser->nr_devices; i++) {
		const struct iommu_lu_device_ser *dev = &ser->devices[i];

		if (dev->domain >= ser->nr_domains ||
		    !ser->domains[dev->domain].token || dev->reserved) {
			pr_err("device %04x:%04x names no preserved domain\n",
			       dev->segment, dev->rid);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The record handed over, copied: drivers read it at boot and keep what
 * they adopt, while the preserved page goes back with the FLB's finish.
 */
static int iommu_lu_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	struct iommu_lu_ser *ser;
	struct folio *folio;
	int err = -EINVAL;

	folio = kho_restore_folio(args->data);
	if (!folio) {
		pr_err("no preserved record at %#llx\n", args->data);
		return -EINVAL;
	}
	if (folio_size(folio) < sizeof(*ser)) {
		pr_err("record at %#llx is too small\n", args->data);
		goto out;
	}
	err = iommu_lu_ser_check(folio_address(folio));
	if (err)
		goto out;
	ser = kmemdup(folio_address(folio), sizeof(*ser), GFP_KERNEL);
	if (!ser) {
		err = -ENOMEM;
		goto out;
	}
	args->obj = ser;
out:
	folio_put(folio);
	return err;
}

static void iommu_lu_flb_finish(struct liveupdate_flb_op_args *args)
{
	/* The copy stays: what drivers adopted still refers to it */
}

static const struct liveupdate_flb_ops iommu_lu_flb_ops = {
	.preserve = iommu_lu_flb_preserve,
	.unpreserve = iommu_lu_flb_unpreserve,
	.retrieve = iommu_lu_flb_retrieve,
	.finish = iommu_lu_flb_finish,
};

/*
 * iommu_lu_flb - the IOMMU core's state across a live update.
 *
 * File handlers whose files need IOMMU state preserved (iommufd, vfio-pci)
 * link it with liveupdate_register_flb().
 */
struct liveupdate_flb iommu_lu_flb = {
	.ops = &iommu_lu_flb_ops,
	.compatible = IOMMU_LU_COMPATIBLE,
};
EXPORT_SYMBOL_GPL(iommu_lu_flb);

#ifdef CONFIG_LIVEUPDATE_TEST
/*
 * For the tests of malformed handover data (LIVEUPDATE_TEST): the debugfs
 * file iommu_lu/corrupt names how to break the record of the next device
 * preserved, which the next kernel must refuse and block.  "did": its
 * domain ID is not the one its context entry has.  "format": its domain's
 * page-table format is unknown.  "unit": it names a unit that does not
 * exist.
 */
enum {
	IOMMU_LU_CORRUPT_NONE,
	IOMMU_LU_CORRUPT_DID,
	IOMMU_LU_CORRUPT_FORMAT,
	IOMMU_LU_CORRUPT_UNIT,
};

static const char * const iommu_lu_corrupt_names[] = {
	"none", "did", "format", "unit"
};

static struct liveupdate_test_knob iommu_lu_corrupt = {
	.modes = iommu_lu_corrupt_names,
	.nr_modes = ARRAY_SIZE(iommu_lu_corrupt_names),
};

static void iommu_lu_break(struct iommu_lu_ser *ser, u32 index)
{
	struct iommu_lu_device_ser *dev = &ser->devices[index];

	switch (iommu_lu_corrupt.mode) {
	case IOMMU_LU_CORRUPT_DID:
		dev->did ^= 0x100;
		break;
	case IOMMU_LU_CORRUPT_FORMAT:
		ser->domains[dev->domain].format = 0xbad;
		break;
	case IOMMU_LU_CORRUPT_UNIT:
		dev->unit ^= 0x1000;
		break;
	default:
		return;
	}
	pr_warn("test: record made malformed (%s)\n",
		iommu_lu_corrupt_names[iommu_lu_corrupt.mode]);
	iommu_lu_corrupt.mode = IOMMU_LU_CORRUPT_NONE;
}

#ifdef CONFIG_PCI
/*
 * Also for the tests: "iommu_lu_test", a PCI driver like any that uses the
 * DMA API, which drives nothing and binds only through driver_override.
 * A device the live update holds must refuse it; a released one takes it.
 */
static int iommu_lu_test_probe(struct pci_dev *pdev,
			       const struct pci_device_id *id)
{
	return 0;
}

static void iommu_lu_test_remove(struct pci_dev *pdev)
{
}

static struct pci_driver iommu_lu_test_driver = {
	.name = "iommu_lu_test",
	.probe = iommu_lu_test_probe,
	.remove = iommu_lu_test_remove,
};

static void iommu_lu_test_driver_init(void)
{
	if (pci_register_driver(&iommu_lu_test_driver))
		pr_warn("test: cannot register iommu_lu_test\n");
}
#else
static void iommu_lu_test_driver_init(void) { }
#endif

static int __init iommu_lu_debugfs_init(void)
{
	struct dentry *dir;

	if (!liveupdate_enabled())
		return 0;
	dir = debugfs_create_dir("iommu_lu", NULL);
	liveupdate_test_knob_create("corrupt", dir, &iommu_lu_corrupt);
	iommu_lu_test_driver_init();
	return 0;
}
late_initcall(iommu_lu_debugfs_init);
#else
static void iommu_lu_break(struct iommu_lu_ser *ser, u32 index) { }
#endif

static const struct iommu_lu_ops *iommu_lu_ops(struct iommu_domain *domain)
{
	return domain->owner ? domain->owner->lu_ops : NULL;
}

/* The slot of @domain in @out, or -1; iommu_lu_lock held */
static int iommu_lu_find_domain(struct iommu_lu_out *out,
				struct iommu_domain *domain)
{
	int i;

	for (i = 0; i < out->ser->nr_domains; i++)
		if (out->domains[i] == domain)
			return i;
	return -1;
}

/* The entry of @dev in @out, or -1; iommu_lu_lock held */
static int iommu_lu_find_device(struct iommu_lu_out *out, struct device *dev)
{
	int i;

	for (i = 0; i < out->ser->nr_devices; i++)
		if (out->devices[i] == dev)
			return i;
	return -1;
}

/* A free slot for a domain, or -1; iommu_lu_lock held */
static int iommu_lu_free_slot(struct iommu_lu_out *out)
{
	u32 i;

	for (i = 0; i < out->ser->nr_domains; i++)
		if (!out->domains[i])
			return i;
	return i < IOMMU_LU_MAX_DOMAINS ? i : -1;
}

/**
 * iommu_lu_preserve_domain - keep a domain's page tables across the reboot
 * @domain: a paging domain that no longer changes
 * @token: userspace's name for it, not 0
 * @owner: who preserves it, by a name unique in the kernel that the next
 *	kernel knows too: only that owner gets the domain back there
 *	(iommu_lu_take_domain())
 *
 * A file depending on iommu_lu_flb must be being preserved or preserved.
 *
 * Return: 0; -EOPNOTSUPP if its driver cannot preserve it; -EEXIST if it
 * is preserved already; -ENOSPC past IOMMU_LU_MAX_DOMAINS; -ENOENT with
 * no preserved file depending on the record; or the driver's error.
 */
int iommu_lu_preserve_domain(struct iommu_domain *domain, u64 token,
			     u64 owner)
{
	const struct iommu_lu_ops *ops = iommu_lu_ops(domain);
	struct iommu_lu_out *out;
	int slot, err;

	if (!ops || !token)
		return -EOPNOTSUPP;
	err = liveupdate_flb_get_outgoing(&iommu_lu_flb, (void **)&out);
	if (err)
		return err;

	mutex_lock(&iommu_lu_lock);
	if (iommu_lu_find_domain(out, domain) >= 0) {
		err = -EEXIST;
		goto out_unlock;
	}
	slot = iommu_lu_free_slot(out);
	if (slot < 0) {
		err = -ENOSPC;
		goto out_unlock;
	}
	memset(&out->ser->domains[slot], 0, sizeof(out->ser->domains[slot]));
	err = ops->preserve_domain(domain, &out->ser->domains[slot]);
	if (err)
		goto out_unlock;
	out->ser->domains[slot].token = token;
	out->ser->domains[slot].owner = owner;
	out->domains[slot] = domain;
	if (slot == out->ser->nr_domains)
		out->ser->nr_domains++;
out_unlock:
	mutex_unlock(&iommu_lu_lock);
	liveupdate_flb_put_outgoing(&iommu_lu_flb);
	return err;
}
EXPORT_SYMBOL_GPL(iommu_lu_preserve_domain);

/* Undo the preserve of device @i of @out; iommu_lu_lock held */
static void iommu_lu_drop_device(struct iommu_lu_out *out, u32 i)
{
	struct iommu_domain *domain = out->domains[out->ser->devices[i].domain];
	u32 last = out->ser->nr_devices - 1;

	iommu_lu_ops(domain)->unpreserve_device(out->devices[i],
						&out->ser->devices[i]);
	out->ser->devices[i] = out->ser->devices[last];
	out->devices[i] = out->devices[last];
	out->devices[last] = NULL;
	out->ser->nr_devices = last;
}

/*
 * Undo the preserve of the devices of domain @slot of @out, given back
 * before them only if they were preserved in another session than it;
 * iommu_lu_lock held.
 */
static void iommu_lu_drop_devices(struct iommu_lu_out *out, int slot)
{
	u32 i = 0;

	while (i < out->ser->nr_devices) {
		if (out->ser->devices[i].domain == slot)
			iommu_lu_drop_device(out, i);
		else
			i++;
	}
}

/**
 * iommu_lu_unpreserve_domain - undo iommu_lu_preserve_domain()
 * @domain: the domain; its devices were given back first
 */
void iommu_lu_unpreserve_domain(struct iommu_domain *domain)
{
	struct iommu_lu_out *out;
	int slot;

	if (liveupdate_flb_get_outgoing(&iommu_lu_flb, (void **)&out))
		return;
	mutex_lock(&iommu_lu_lock);
	slot = iommu_lu_find_domain(out, domain);
	if (slot >= 0) {
		iommu_lu_drop_devices(out, slot);
		iommu_lu_ops(domain)->unpreserve_domain(domain,
							&out->ser->domains[slot]);
		memset(&out->ser->domains[slot], 0,
		       sizeof(out->ser->domains[slot]));
		out->domains[slot] = NULL;
	}
	mutex_unlock(&iommu_lu_lock);
	liveupdate_flb_put_outgoing(&iommu_lu_flb);
}
EXPORT_SYMBOL_GPL(iommu_lu_unpreserve_domain);

static int iommu_lu_count_one(struct device *dev, void *count)
{
	(*(unsigned int *)count)++;
	return 0;
}

/**
 * iommu_lu_preserve_device - keep a device translating across the reboot
 * @dev: the device, alone in its IOMMU group and attached to @domain
 * @domain: a domain preserved with iommu_lu_preserve_domain()
 *
 * Return: 0; -EINVAL if @domain is not preserved or @dev not attached to
 * it; -EOPNOTSUPP for a device whose group has other members, or that its
 * driver cannot keep translating; -EEXIST if it is preserved already;
 * -ENOSPC past IOMMU_LU_MAX_DEVICES; or the driver's error.
 */
int iommu_lu_preserve_device(struct device *dev, struct iommu_domain *domain)
{
	const struct iommu_lu_ops *ops = iommu_lu_ops(domain);
	unsigned int members = 0;
	struct iommu_group *group;
	struct iommu_lu_out *out;
	int slot, err;

	if (!ops)
		return -EOPNOTSUPP;
	group = iommu_group_get(dev);
	if (!group)
		return -EINVAL;
	iommu_group_for_each_dev(group, &members, iommu_lu_count_one);
	iommu_group_put(group);
	if (members != 1)
		return -EOPNOTSUPP;

	err = liveupdate_flb_get_outgoing(&iommu_lu_flb, (void **)&out);
	if (err)
		return err;
	mutex_lock(&iommu_lu_lock);
	slot = iommu_lu_find_domain(out, domain);
	if (slot < 0 || iommu_get_domain_for_dev(dev) != domain) {
		err = -EINVAL;
		goto out_unlock;
	}
	if (iommu_lu_find_device(out, dev) >= 0) {
		err = -EEXIST;
		goto out_unlock;
	}
	if (out->ser->nr_devices == IOMMU_LU_MAX_DEVICES) {
		err = -ENOSPC;
		goto out_unlock;
	}
	memset(&out->ser->devices[out->ser->nr_devices], 0,
	       sizeof(out->ser->devices[0]));
	err = ops->preserve_device(dev, domain,
				   &out->ser->devices[out->ser->nr_devices]);
	if (err)
		goto out_unlock;
	out->ser->devices[out->ser->nr_devices].domain = slot;
	iommu_lu_break(out->ser, out->ser->nr_devices);
	out->devices[out->ser->nr_devices++] = dev;
out_unlock:
	mutex_unlock(&iommu_lu_lock);
	liveupdate_flb_put_outgoing(&iommu_lu_flb);
	return err;
}
EXPORT_SYMBOL_GPL(iommu_lu_preserve_device);

/**
 * iommu_lu_unpreserve_device - undo iommu_lu_preserve_device()
 * @dev: the device
 */
void iommu_lu_unpreserve_device(struct device *dev)
{
	struct iommu_lu_out *out;
	int i;

	if (liveupdate_flb_get_outgoing(&iommu_lu_flb, (void **)&out))
		return;
	mutex_lock(&iommu_lu_lock);
	i = iommu_lu_find_device(out, dev);
	if (i >= 0)
		iommu_lu_drop_device(out, i);
	mutex_unlock(&iommu_lu_lock);
	liveupdate_flb_put_outgoing(&iommu_lu_flb);
}
EXPORT_SYMBOL_GPL(iommu_lu_unpreserve_device);

/**
 * iommu_lu_device_preserved - whether @dev keeps translating across the
 *	coming reboot
 * @dev: a device
 *
 * For the shutdown paths, which must leave such a device running.
 *
 * Return: true if @dev is preserved.
 */
bool iommu_lu_device_preserved(struct device *dev)
{
	struct iommu_lu_out *out;
	bool found;

	if (liveupdate_flb_get_outgoing(&iommu_lu_flb, (void **)&out))
		return false;
	mutex_lock(&iommu_lu_lock);
	found = iommu_lu_find_device(out, dev) >= 0;
	mutex_unlock(&iommu_lu_lock);
	liveupdate_flb_put_outgoing(&iommu_lu_flb);
	return found;
}
EXPORT_SYMBOL_GPL(iommu_lu_device_preserved);

static const struct iommu_lu_ser *iommu_lu_in;

/**
 * iommu_lu_incoming - the record the previous kernel handed over
 *
 * Read once, at the first call: IOMMU drivers call it while they set their
 * units up, before devices are probed.
 *
 * Return: the record, or NULL if there is none or it was refused.
 */
const struct iommu_lu_ser *iommu_lu_incoming(void)
{
	static bool read;
	void *ser;

	if (read)
		return iommu_lu_in;
	read = true;
	if (liveupdate_flb_get_incoming(&iommu_lu_flb, &ser))
		return NULL;
	iommu_lu_in = ser;
	/* The record is a copy: the FLB may finish when its files do */
	liveupdate_flb_put_incoming(&iommu_lu_flb);
	return iommu_lu_in;
}

/**
 * iommu_lu_incoming_domain - the domain a device of the incoming record
 *	translates through
 * @dev: an entry of iommu_lu_incoming()'s devices
 *
 * Return: the domain entry (checked to exist when the record was read).
 */
const struct iommu_lu_domain_ser *
iommu_lu_incoming_domain(const struct iommu_lu_device_ser *dev)
{
	return &iommu_lu_in->domains[dev->domain];
}

/**
 * iommu_lu_incoming_find - a device of the incoming record, by its PCI
 *	address
 * @segment: its PCI segment
 * @rid: its requester ID
 *
 * Return: its entry, or NULL if the record does not name it (or there is
 * no record).
 */
const struct iommu_lu_device_ser *iommu_lu_incoming_find(u16 segment, u16 rid)
{
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	u32 i;

	for (i = 0; ser && i < ser->nr_devices; i++)
		if (ser->devices[i].segment == segment &&
		    ser->devices[i].rid == rid)
			return &ser->devices[i];
	return NULL;
}

/* The entry of the incoming record for @dev, or NULL */
static const struct iommu_lu_device_ser *iommu_lu_incoming_dev(struct device *dev)
{
	struct pci_dev *pdev;

	if (!dev_is_pci(dev))
		return NULL;
	pdev = to_pci_dev(dev);
	return iommu_lu_incoming_find(pci_domain_nr(pdev->bus),
				      pci_dev_id(pdev));
}

/**
 * iommu_lu_device_incoming - whether the previous kernel kept a device
 *	translating across the live update
 * @dev: a device
 *
 * Such a device belongs to the live update until its session gives it
 * back: the IOMMU core makes live update the owner of its group, so that
 * no driver using the DMA API binds to it and no iommufd claims it.
 *
 * Return: true if the incoming record names @dev.
 */
bool iommu_lu_device_incoming(struct device *dev)
{
	return iommu_lu_incoming_dev(dev);
}
EXPORT_SYMBOL_GPL(iommu_lu_device_incoming);

/*
 * Incoming: the domains of this kernel restored around the record's
 * preserved page tables.  A domain is restored when the first device
 * translating through it is probed, and attached to that device's group
 * in place of the default domain; it is the core's until its owner (the
 * iommufd it was preserved from, once retrieved) takes it, and the owner's
 * until the owner frees it.  The state only moves forward.
 */
enum {
	IOMMU_LU_RESTORED_NONE,		/* not restored (yet) */
	IOMMU_LU_RESTORED_CORE,		/* held by the IOMMU core */
	IOMMU_LU_RESTORED_TAKEN,	/* held by its owner */
	IOMMU_LU_RESTORED_FREED,	/* freed by its owner */
	IOMMU_LU_RESTORED_FAILED,	/* translating, but not restored */
};

/**
 * struct iommu_lu_restored - a domain restored from the incoming record
 * @domain: the domain around the preserved page tables
 * @groups: groups the live update owns that are attached to it
 * @state: IOMMU_LU_RESTORED_*
 */
struct iommu_lu_restored {
	struct iommu_domain *domain;
	unsigned int groups;
	u8 state;
};

static struct iommu_lu_restored iommu_lu_restored[IOMMU_LU_MAX_DOMAINS];
/* Serializes iommu_lu_restored; taken inside the groups' locks */
static DEFINE_MUTEX(iommu_lu_restore_lock);

/**
 * iommu_lu_restore_domain - the domain a device translates through at boot
 * @dev: a device being probed, its group's lock held
 *
 * For a device the incoming record names, whose translation the IOMMU
 * driver took over at boot: the first device of a domain has the driver
 * build it around the preserved page tables, the next ones share it.
 * The caller attaches it to @dev's group in place of the default domain.
 *
 * Return: the domain; NULL for a device the record does not name, whose
 * driver cannot restore, or whose domain was refused or is not the core's
 * any more (with a log line).
 */
struct iommu_domain *iommu_lu_restore_domain(struct device *dev)
{
	const struct iommu_lu_device_ser *d = iommu_lu_incoming_dev(dev);
	const struct iommu_lu_ops *ops = dev_iommu_ops(dev)->lu_ops;
	struct iommu_domain *domain = NULL;
	struct iommu_lu_restored *r;

	if (!d || !ops || !ops->restore_domain)
		return NULL;
	r = &iommu_lu_restored[d->domain];
	mutex_lock(&iommu_lu_restore_lock);
	if (r->state != IOMMU_LU_RESTORED_NONE &&
	    r->state != IOMMU_LU_RESTORED_CORE) {
		dev_err(dev, "live update: its domain %#llx was handed on already\n",
			iommu_lu_incoming_domain(d)->token);
		goto out_unlock;
	}
	domain = ops->restore_domain(dev, iommu_lu_incoming_domain(d), d,
				     r->domain);
	if (IS_ERR(domain)) {
		/*
		 * -ENOENT: the driver blocked the device at boot.  Else it
		 * goes on translating through the preserved tables, into
		 * memory its session must then keep for good.
		 */
		dev_err(dev, "live update: its domain %#llx cannot be restored (%pe)\n",
			iommu_lu_incoming_domain(d)->token, domain);
		if (PTR_ERR(domain) != -ENOENT && !r->state)
			r->state = IOMMU_LU_RESTORED_FAILED;
		domain = NULL;
		goto out_unlock;
	}
	r->domain = domain;
	r->state = IOMMU_LU_RESTORED_CORE;
out_unlock:
	mutex_unlock(&iommu_lu_restore_lock);
	return domain;
}

/* The restored entry of @domain; iommu_lu_restore_lock held */
static struct iommu_lu_restored *iommu_lu_restored_find(struct iommu_domain *domain)
{
	int i;

	for (i = 0; i < IOMMU_LU_MAX_DOMAINS; i++)
		if (iommu_lu_restored[i].domain == domain)
			return &iommu_lu_restored[i];
	return NULL;
}

/* Whether @r is restored and not freed; iommu_lu_restore_lock held */
static bool iommu_lu_restored_live(const struct iommu_lu_restored *r)
{
	return r->state == IOMMU_LU_RESTORED_CORE ||
	       r->state == IOMMU_LU_RESTORED_TAKEN;
}

/**
 * iommu_lu_restored_attached - count the groups owned by live update that
 *	translate through a restored domain
 * @domain: a domain from iommu_lu_restore_domain()
 * @attached: true when the core attached it to such a group; false when
 *	that group was handed to a new owner, still attached
 */
void iommu_lu_restored_attached(struct iommu_domain *domain, bool attached)
{
	struct iommu_lu_restored *r;

	mutex_lock(&iommu_lu_restore_lock);
	r = iommu_lu_restored_find(domain);
	if (!WARN_ON(!r || (!attached && !r->groups))) {
		if (attached)
			r->groups++;
		else
			r->groups--;
	}
	mutex_unlock(&iommu_lu_restore_lock);
}

/**
 * iommu_lu_device_restored - who a device restored at boot belongs to
 * @dev: a device
 * @owner: returns the owner of its domain in the record
 * @token: returns its domain's token
 *
 * Return: 0 if @dev translates through a domain restored at boot that is
 * not freed; -ENOENT if not.
 */
int iommu_lu_device_restored(struct device *dev, u64 *owner, u64 *token)
{
	const struct iommu_lu_device_ser *d = iommu_lu_incoming_dev(dev);
	const struct iommu_lu_domain_ser *dom;
	int err = -ENOENT;

	if (!d)
		return err;
	dom = iommu_lu_incoming_domain(d);
	mutex_lock(&iommu_lu_restore_lock);
	if (iommu_lu_restored_live(&iommu_lu_restored[d->domain])) {
		*owner = dom->owner;
		*token = dom->token;
		err = 0;
	}
	mutex_unlock(&iommu_lu_restore_lock);
	return err;
}
EXPORT_SYMBOL_GPL(iommu_lu_device_restored);

/* The index of the record's domain of @owner and @token, or -1 */
static int iommu_lu_incoming_index(u64 owner, u64 token)
{
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	u32 i;

	for (i = 0; ser && token && i < ser->nr_domains; i++)
		if (ser->domains[i].owner == owner &&
		    ser->domains[i].token == token)
			return i;
	return -1;
}

/**
 * iommu_lu_take_domain - hand a restored domain to its owner
 * @owner: the owner named in the record
 * @token: the domain's token
 * @groups: returns how many groups owned by live update are attached to
 *	it; the owner claims each with iommu_lu_claim_dma_owner(), or has it
 *	blocked with iommu_lu_block_owned()
 *
 * From then on the owner frees it, with iommu_lu_free_domain(), once no
 * device translates through it.
 *
 * Return: the domain; ERR_PTR(-ENOENT) if the record has no such domain
 * or it was not restored (no device of it kept translating), -EBUSY if it
 * was taken already, -ESTALE if it was freed.
 */
struct iommu_domain *iommu_lu_take_domain(u64 owner, u64 token,
					  unsigned int *groups)
{
	int i = iommu_lu_incoming_index(owner, token);
	struct iommu_domain *domain = ERR_PTR(-ENOENT);
	struct iommu_lu_restored *r;

	if (i < 0)
		return domain;
	r = &iommu_lu_restored[i];
	mutex_lock(&iommu_lu_restore_lock);
	switch (r->state) {
	case IOMMU_LU_RESTORED_CORE:
		r->state = IOMMU_LU_RESTORED_TAKEN;
		*groups = r->groups;
		domain = r->domain;
		break;
	case IOMMU_LU_RESTORED_TAKEN:
		domain = ERR_PTR(-EBUSY);
		break;
	case IOMMU_LU_RESTORED_FREED:
		domain = ERR_PTR(-ESTALE);
		break;
	}
	mutex_unlock(&iommu_lu_restore_lock);
	return domain;
}
EXPORT_SYMBOL_GPL(iommu_lu_take_domain);

/**
 * iommu_lu_free_domain - free a domain taken with iommu_lu_take_domain()
 * @domain: the domain, attached to no group any more
 *
 * Its page-table pages go back to the allocator.
 */
void iommu_lu_free_domain(struct iommu_domain *domain)
{
	struct iommu_lu_restored *r;

	mutex_lock(&iommu_lu_restore_lock);
	r = iommu_lu_restored_find(domain);
	if (!WARN_ON(!r || r->state != IOMMU_LU_RESTORED_TAKEN || r->groups)) {
		r->state = IOMMU_LU_RESTORED_FREED;
		r->domain = NULL;
	}
	mutex_unlock(&iommu_lu_restore_lock);
	iommu_domain_free(domain);
}
EXPORT_SYMBOL_GPL(iommu_lu_free_domain);

/**
 * iommu_lu_block_device - block a device the live update still owns
 * @dev: a device
 *
 * For a device whose record in its session was refused: it stops
 * translating through its restored domain and its DMA faults from then
 * on.  It stays the live update's until the next kernel.  A device the
 * live update does not own (any more), or not on a restored domain, is
 * left as it is.
 *
 * Return: true if @dev was blocked now.
 */
bool iommu_lu_block_device(struct device *dev)
{
	const struct iommu_lu_device_ser *d = iommu_lu_incoming_dev(dev);
	struct iommu_domain *domain = NULL;

	if (!d)
		return false;
	mutex_lock(&iommu_lu_restore_lock);
	if (iommu_lu_restored_live(&iommu_lu_restored[d->domain]))
		domain = iommu_lu_restored[d->domain].domain;
	mutex_unlock(&iommu_lu_restore_lock);
	/*
	 * Freed meanwhile, the domain no longer has the group attached: the
	 * pointer is only compared.
	 */
	return domain && iommu_lu_block_group(dev, domain, false) > 0;
}
EXPORT_SYMBOL_GPL(iommu_lu_block_device);

/*
 * Each device of the incoming record that translates through @domain,
 * restored as the record's domain @index: iommu_lu_block_group(@check),
 * counted in @count.  Return: 0, or the first error (with @check) or the
 * last (without: it goes on past a group it could not block).
 */
static int iommu_lu_block_each(struct iommu_domain *domain, u32 index,
			       bool check, unsigned int *count)
{
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	struct pci_dev *pdev;
	int ret, err = 0;
	u32 i;

	*count = 0;
	for (i = 0; ser && i < ser->nr_devices; i++) {
		if (ser->devices[i].domain != index)
			continue;
		pdev = pci_get_domain_bus_and_slot(ser->devices[i].segment,
						   ser->devices[i].rid >> 8,
						   ser->devices[i].rid & 0xff);
		if (!pdev)
			continue;
		ret = iommu_lu_block_group(&pdev->dev, domain, check);
		pci_dev_put(pdev);
		if (ret > 0)
			*count += ret;
		else if (ret < 0)
			err = ret;
		if (err && check)
			break;
	}
	return err;
}

/**
 * iommu_lu_block_owned - block the devices the live update still owns on
 *	a restored domain, for its owner to free it
 * @domain: a domain its owner took with iommu_lu_take_domain()
 * @blocked: returns how many groups were blocked, also on an error
 *
 * A device whose group nobody took over since the boot (its file was never
 * retrieved, or its record was refused) would keep the domain, and the
 * memory it maps, until the next kernel.  Its owner frees it all the same:
 * each such group is attached to its blocking domain and stops counting.
 * Nothing is blocked if a group another owner took over is still
 * attached; the caller keeps new owners from taking groups over
 * meanwhile.
 *
 * Return: 0; -EBUSY, nothing blocked, if another owner's group is still
 * attached; -ENOENT if @domain is not one its owner took; another error
 * if a group could not be blocked (the others are).
 */
int iommu_lu_block_owned(struct iommu_domain *domain, unsigned int *blocked)
{
	struct iommu_lu_restored *r;
	u32 index = 0;
	int ret = -ENOENT;

	*blocked = 0;
	mutex_lock(&iommu_lu_restore_lock);
	r = iommu_lu_restored_find(domain);
	if (r && r->state == IOMMU_LU_RESTORED_TAKEN) {
		index = r - iommu_lu_restored;
		ret = 0;
	}
	mutex_unlock(&iommu_lu_restore_lock);
	if (!ret)
		ret = iommu_lu_block_each(domain, index, true, blocked);
	if (ret || !*blocked)
		return ret;
	return iommu_lu_block_each(domain, index, false, blocked);
}
EXPORT_SYMBOL_NS_GPL(iommu_lu_block_owned, IOMMUFD_INTERNAL);

/**
 * iommu_lu_owner_busy - whether an owner's domains are still restored
 * @owner: the owner named in the record
 *
 * While a domain restored at boot is not freed, a device may translate
 * through it into memory its owner's session holds: the session must not
 * finish.
 *
 * Return: true if a domain of @owner is restored and not freed yet, or
 * could not be restored while a device goes on translating through it.
 */
bool iommu_lu_owner_busy(u64 owner)
{
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	bool busy = false;
	u32 i;

	mutex_lock(&iommu_lu_restore_lock);
	for (i = 0; ser && i < ser->nr_domains && !busy; i++)
		busy = ser->domains[i].token && ser->domains[i].owner == owner &&
		       iommu_lu_restored[i].state != IOMMU_LU_RESTORED_NONE &&
		       iommu_lu_restored[i].state != IOMMU_LU_RESTORED_FREED;
	mutex_unlock(&iommu_lu_restore_lock);
	return busy;
}
EXPORT_SYMBOL_GPL(iommu_lu_owner_busy);

#ifdef CONFIG_PCI
/*
 * A device the previous kernel preserved is driven by vfio-pci, which takes
 * it back without a reset, and by nothing else: the override is set when
 * the device is enumerated, before any driver can bind.
 */
static void iommu_lu_pci_override(struct pci_dev *pdev)
{
	if (!iommu_lu_device_incoming(&pdev->dev))
		return;
	if (device_set_driver_override(&pdev->dev, "vfio-pci"))
		pci_err(pdev, "live update: cannot reserve it for vfio-pci\n");
	else
		pci_info(pdev, "live update: kept running, for vfio-pci\n");
}
DECLARE_PCI_FIXUP_HEADER(PCI_ANY_ID, PCI_ANY_ID, iommu_lu_pci_override);
#endif

/* Known to LUO from boot, so that its record can be read at probe time */
static int __init iommu_lu_init(void)
{
	int err;

	if (!liveupdate_enabled())
		return 0;
	err = liveupdate_flb_hold(&iommu_lu_flb);
	if (err)
		pr_err("cannot register its FLB (%d)\n", err);
	return 0;
}
core_initcall(iommu_lu_init);

#ifdef CONFIG_IOMMU_LIVEUPDATE_KUNIT_TEST
#include "liveupdate_kunit.h"
#endif
