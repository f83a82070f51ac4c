// SPDX-License-Identifier: GPL-2.0-only
/*
 * VT-d across a live update: translation that never stops.
 */

/**
 * DOC: VT-d across a live update
 *
 * Legacy mode (no scalable-mode PASID tables yet).  A device the IOMMU
 * core preserves keeps translating through the same second-level page
 * tables from one kernel to the next; nothing else on its unit translates
 * across the reboot.
 *
 * Outgoing.  Preserving a domain preserves each of its page-table pages
 * with KHO (the data pages are the memfd handler's).  Preserving a device
 * preserves its unit's root table and the context table of its bus, and
 * records its domain ID.  At the reboot, intel_iommu_shutdown() leaves
 * translation on for a unit with preserved devices, after clearing every
 * other context entry and every root entry of a bus without a preserved
 * device, then flushing the context cache and the IOTLB: from then on the
 * hardware reads only preserved pages, and only for preserved devices.
 *
 * Incoming.  A unit found translating on a boot from a live update never
 * has its translation turned off.  As on a kdump boot, the root and
 * context tables are copied into new pages with translation on, but only
 * the entries the record names are copied, each after it was checked
 * against the record (translation type, address width, domain ID, top
 * page-table page) and after every page-table page of its domain was
 * found preserved.  What fails a check is logged and left out: that
 * device's DMA is blocked.  Its domain ID is reserved before any domain is
 * allocated.  Once the new root is in use, the old root and context pages
 * are freed; the page-table pages stay, accounted as IOMMU pages.
 *
 * When the device is probed, the IOMMU core has a domain restored around
 * those page tables (intel_lu_restore_domain()): a second-level
 * dmar_domain whose top table is the preserved one, which takes the
 * preserved domain ID on the unit, and which refuses map and unmap.  Its
 * first attach keeps the device's context entry as it is, already what
 * the attach would write (intel_lu_context_keep()); from then on the
 * domain owns the tables and the ID, and freeing it frees them.  A device
 * attached to a domain of this kernel instead, without the restored one,
 * has its entry torn down: when no adopted entry uses the tables any more
 * and no domain was restored around them, they are freed, and the domain
 * ID with them.
 *
 * Copies rather than adopting the old root and context pages: the new
 * kernel's tables are its own from the first minute, no stale entry of a
 * device the record does not name can survive in them, and the kdump
 * machinery that swaps them with translation on is tried and tested.
 */

#define pr_fmt(fmt) "DMAR: live update: " fmt

#include <linux/iommu-liveupdate.h>
#include <linux/kexec_handover.h>
#include <linux/ktime.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "iommu.h"
#include "pasid.h"
#include "../iommu-pages.h"

/**
 * struct intel_lu_unit - what a unit preserves for its devices
 * @nr_devices: preserved devices it translates for
 * @per_bus: of those, how many on each bus
 * @rids: the requester IDs of those
 */
struct intel_lu_unit {
	unsigned int nr_devices;
	u16 per_bus[256];
	DECLARE_BITMAP(rids, 1 << 16);
};

/* Serializes the outgoing state of the units */
static DEFINE_MUTEX(intel_lu_lock);

/*
 * Call @fn on each page-table page of the tree under @table, a table of
 * @level, parents before children.  A non-zero return stops the walk.
 */
static int intel_lu_walk(struct dma_pte *table, int level,
			 int (*fn)(struct page *page, void *arg), void *arg)
{
	int i, err;

	err = fn(virt_to_page(table), arg);
	if (err || level == 1)
		return err;
	for (i = 0; i < VTD_PAGE_SIZE / sizeof(*table); i++) {
		struct dma_pte *pte = &table[i];

		if (!dma_pte_present(pte) || dma_pte_superpage(pte))
			continue;
		err = intel_lu_walk(phys_to_virt(dma_pte_addr(pte)), level - 1,
				    fn, arg);
		if (err)
			return err;
	}
	return 0;
}

struct intel_lu_count {
	u64 done;
	u64 limit;
};

static int intel_lu_keep_table(struct page *page, void *arg)
{
	struct intel_lu_count *count = arg;
	int err = kho_preserve_pages(page, 1);

	if (!err)
		count->done++;
	return err;
}

static int intel_lu_unkeep_table(struct page *page, void *arg)
{
	struct intel_lu_count *count = arg;

	if (count->done == count->limit)
		return 1;
	kho_unpreserve_pages(page, 1);
	count->done++;
	return 0;
}

static void intel_lu_unkeep_tables(struct dmar_domain *domain, u64 nr)
{
	struct intel_lu_count count = { .limit = nr };

	intel_lu_walk(domain->pgd, agaw_to_level(domain->agaw),
		      intel_lu_unkeep_table, &count);
}

static int intel_lu_preserve_domain(struct iommu_domain *domain,
				    struct iommu_lu_domain_ser *ser)
{
	struct dmar_domain *dmar_domain = to_dmar_domain(domain);
	struct intel_lu_count count = { };
	int level, err;

	if (domain->type != IOMMU_DOMAIN_UNMANAGED ||
	    dmar_domain->use_first_level)
		return -EOPNOTSUPP;
	level = agaw_to_level(dmar_domain->agaw);
	err = intel_lu_walk(dmar_domain->pgd, level, intel_lu_keep_table,
			    &count);
	if (err) {
		intel_lu_unkeep_tables(dmar_domain, count.done);
		return err;
	}
	ser->top_table = virt_to_phys(dmar_domain->pgd);
	ser->format = IOMMU_LU_FORMAT_VTD_SL;
	ser->levels = level;
	ser->nr_tables = count.done;
	return 0;
}

static void intel_lu_unpreserve_domain(struct iommu_domain *domain,
				       struct iommu_lu_domain_ser *ser)
{
	intel_lu_unkeep_tables(to_dmar_domain(domain), ser->nr_tables);
}

static int intel_lu_count_alias(struct pci_dev *pdev, u16 alias, void *count)
{
	(*(unsigned int *)count)++;
	return 0;
}

/* The context table of @bus, which has a present entry for a device */
static struct page *intel_lu_context_page(struct intel_iommu *iommu, u8 bus)
{
	return virt_to_page(phys_to_virt(iommu->root_entry[bus].lo &
					 VTD_PAGE_MASK));
}

/* Preserve the root table and @bus's context table of @iommu, once */
static int intel_lu_keep_unit(struct intel_iommu *iommu, u8 bus)
{
	struct intel_lu_unit *unit = iommu->lu_out;
	int err;

	if (!unit) {
		unit = kvzalloc(sizeof(*unit), GFP_KERNEL);
		if (!unit)
			return -ENOMEM;
		iommu->lu_out = unit;
	}
	if (!unit->nr_devices) {
		err = kho_preserve_pages(virt_to_page(iommu->root_entry), 1);
		if (err)
			return err;
	}
	if (!unit->per_bus[bus]) {
		err = kho_preserve_pages(intel_lu_context_page(iommu, bus), 1);
		if (err) {
			if (!unit->nr_devices)
				kho_unpreserve_pages(virt_to_page(iommu->root_entry), 1);
			return err;
		}
	}
	unit->per_bus[bus]++;
	unit->nr_devices++;
	return 0;
}

static void intel_lu_unkeep_unit(struct intel_iommu *iommu, u8 bus)
{
	struct intel_lu_unit *unit = iommu->lu_out;

	if (!--unit->per_bus[bus])
		kho_unpreserve_pages(intel_lu_context_page(iommu, bus), 1);
	if (!--unit->nr_devices)
		kho_unpreserve_pages(virt_to_page(iommu->root_entry), 1);
}

static int intel_lu_preserve_device(struct device *dev,
				    struct iommu_domain *domain,
				    struct iommu_lu_device_ser *ser)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct dmar_domain *dmar_domain = to_dmar_domain(domain);
	struct intel_iommu *iommu = info->iommu;
	unsigned int aliases = 0;
	int err;

	if (sm_supported(iommu) || !dev_is_pci(dev))
		return -EOPNOTSUPP;
	pci_for_each_dma_alias(to_pci_dev(dev), intel_lu_count_alias, &aliases);
	if (aliases != 1)
		return -EOPNOTSUPP;
	if (info->domain != dmar_domain || !info->domain_attached)
		return -EINVAL;

	mutex_lock(&intel_lu_lock);
	err = intel_lu_keep_unit(iommu, info->bus);
	if (!err) {
		set_bit(PCI_DEVID(info->bus, info->devfn), iommu->lu_out->rids);
		ser->unit = iommu->reg_phys;
		ser->did = domain_id_iommu(dmar_domain, iommu);
		ser->segment = info->segment;
		ser->rid = PCI_DEVID(info->bus, info->devfn);
	}
	mutex_unlock(&intel_lu_lock);
	return err;
}

static void intel_lu_unpreserve_device(struct device *dev,
				       struct iommu_lu_device_ser *ser)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);

	mutex_lock(&intel_lu_lock);
	clear_bit(PCI_DEVID(info->bus, info->devfn), info->iommu->lu_out->rids);
	intel_lu_unkeep_unit(info->iommu, info->bus);
	mutex_unlock(&intel_lu_lock);
}

/* Clear every entry of @bus's context table but the preserved devices' */
static void intel_lu_block_others(struct intel_iommu *iommu, u8 bus)
{
	struct context_entry *table;
	int devfn;

	table = phys_to_virt(iommu->root_entry[bus].lo & VTD_PAGE_MASK);
	for (devfn = 0; devfn < 256; devfn++) {
		if (!context_present(&table[devfn]) ||
		    test_bit(PCI_DEVID(bus, devfn), iommu->lu_out->rids))
			continue;
		context_clear_entry(&table[devfn]);
	}
	__iommu_flush_cache(iommu, table, VTD_PAGE_SIZE);
}

/**
 * intel_lu_shutdown_unit - at a kexec reboot, keep a unit translating for
 *	its preserved devices
 * @iommu: the unit
 *
 * Every other device on the unit is blocked: its context entry, or its
 * bus's root entry, is cleared and the caches flushed.  Called with every
 * device shut down and no file left to change what is preserved.
 *
 * Return: true if the unit must keep translating, false if it has no
 * preserved device and may be turned off.
 */
bool intel_lu_shutdown_unit(struct intel_iommu *iommu)
{
	struct intel_lu_unit *unit = iommu->lu_out;
	int bus;

	if (!unit || !unit->nr_devices)
		return false;
	for (bus = 0; bus < 256; bus++) {
		struct root_entry *re = &iommu->root_entry[bus];

		if (unit->per_bus[bus]) {
			intel_lu_block_others(iommu, bus);
			continue;
		}
		re->lo = 0;
		re->hi = 0;
	}
	__iommu_flush_cache(iommu, iommu->root_entry, VTD_PAGE_SIZE);
	iommu->flush.flush_context(iommu, 0, 0, 0, DMA_CCMD_GLOBAL_INVL);
	iommu->flush.flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
	pr_info("%s: translation stays on for %u preserved devices\n",
		iommu->name, unit->nr_devices);
	return true;
}

/* Incoming: what became of each domain of the record; 0 not tried yet */
enum {
	INTEL_LU_DOMAIN_UNTRIED,
	INTEL_LU_DOMAIN_TAKEN,		/* adopted context entries use it */
	INTEL_LU_DOMAIN_REFUSED,
	INTEL_LU_DOMAIN_RESTORED,	/* a dmar_domain owns its tables */
	INTEL_LU_DOMAIN_FREED,
};

/*
 * Protects the incoming state below once devices are probed: the boot
 * takes context entries over alone, but attaches and releases of devices
 * on different units may then run at once.  Taken inside iommu->lock.
 */
static DEFINE_SPINLOCK(intel_lu_in_lock);

static u8 intel_lu_domain_state[IOMMU_LU_MAX_DOMAINS];
/* How many adopted context entries use each domain of the record */
static unsigned int intel_lu_domain_users[IOMMU_LU_MAX_DOMAINS];
/* Whether each device of the record has its context entry adopted */
static bool intel_lu_device_adopted[IOMMU_LU_MAX_DEVICES];

/*
 * Take the page-table page at @phys, a table of @level, and those under
 * it: each must have been preserved, and there must be no more than
 * @budget of them.
 */
static int intel_lu_take_table(phys_addr_t phys, int level, u64 *budget)
{
	struct dma_pte *table;
	struct page *page;
	int i, err;

	if (!*budget || !pfn_valid(PHYS_PFN(phys)))
		return -EINVAL;
	page = kho_restore_pages(phys, 1);
	if (!page)
		return -EINVAL;
	(*budget)--;
	__iommu_alloc_account(page, 0);
	if (level == 1)
		return 0;
	table = page_address(page);
	for (i = 0; i < VTD_PAGE_SIZE / sizeof(*table); i++) {
		if (!dma_pte_present(&table[i]) || dma_pte_superpage(&table[i]))
			continue;
		err = intel_lu_take_table(dma_pte_addr(&table[i]), level - 1,
					  budget);
		if (err)
			return err;
	}
	return 0;
}

/* Take the page tables of domain @index of the record, once */
static bool intel_lu_take_domain(const struct iommu_lu_ser *ser, u32 index)
{
	const struct iommu_lu_domain_ser *dom = &ser->domains[index];
	u64 budget = dom->nr_tables;
	ktime_t start = ktime_get();

	if (intel_lu_domain_state[index] != INTEL_LU_DOMAIN_UNTRIED)
		return intel_lu_domain_state[index] == INTEL_LU_DOMAIN_TAKEN;
	intel_lu_domain_state[index] = INTEL_LU_DOMAIN_REFUSED;
	if (dom->format != IOMMU_LU_FORMAT_VTD_SL ||
	    dom->levels < 3 || dom->levels > 5) {
		pr_err("domain %#llx: unknown format %u of %u levels\n",
		       dom->token, dom->format, dom->levels);
		return false;
	}
	if (intel_lu_take_table(dom->top_table, dom->levels, &budget) ||
	    budget) {
		/* What was taken stays allocated: it may still be walked */
		pr_err("domain %#llx: page tables at %#llx are not the %llu pages preserved\n",
		       dom->token, dom->top_table, dom->nr_tables);
		return false;
	}
	intel_lu_domain_state[index] = INTEL_LU_DOMAIN_TAKEN;
	pr_info("domain %#llx: %llu page-table pages taken over in %lld us\n",
		dom->token, dom->nr_tables,
		ktime_us_delta(ktime_get(), start));
	return true;
}

/**
 * intel_lu_unit_incoming - whether a unit found translating keeps on
 * @iommu: the unit, translation enabled by the previous kernel
 *
 * On a boot from a live update, a unit left translating is never turned
 * off: its devices either keep translating through what the record
 * preserved, or are blocked.
 *
 * Return: true to keep translation on (only preserved entries are then
 * copied), false for the usual handling of a unit found translating.
 */
bool intel_lu_unit_incoming(struct intel_iommu *iommu)
{
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	unsigned int nr = 0;
	u32 i;

	if (!is_kho_boot())
		return false;
	for (i = 0; ser && i < ser->nr_devices; i++)
		nr += ser->devices[i].unit == iommu->reg_phys;
	iommu->lu_in = true;
	if (nr)
		pr_info("%s: taking over translation for %u preserved devices\n",
			iommu->name, nr);
	else
		pr_warn("%s: left translating with no preserved device named for it: every device is blocked\n",
			iommu->name);
	return true;
}

/* The device of the record at @rid on @iommu, or NULL */
static const struct iommu_lu_device_ser *
intel_lu_find_device(struct intel_iommu *iommu, u16 rid)
{
	const struct iommu_lu_device_ser *d;

	d = iommu_lu_incoming_find(iommu->segment, rid);
	return d && d->unit == iommu->reg_phys ? d : NULL;
}

/*
 * Why @ce cannot translate for @d through @dom as the record says, on a
 * unit of capabilities @cap; or NULL if it can.
 */
static const char *intel_lu_context_mismatch(u64 cap,
					     const struct iommu_lu_device_ser *d,
					     const struct iommu_lu_domain_ser *dom,
					     const struct context_entry *ce)
{
	int agaw = dom->levels - 2;

	if ((ce->lo >> 2 & 3) != CONTEXT_TT_MULTI_LEVEL)
		return "translation type";
	if ((ce->hi & 7) != agaw || agaw < 0 || !(cap_sagaw(cap) & BIT(agaw)))
		return "address width";
	if ((ce->hi >> 8 & 0xffff) != d->did || d->did <= FLPT_DEFAULT_DID ||
	    d->did >= cap_ndoms(cap))
		return "domain ID";
	if ((ce->lo & VTD_PAGE_MASK) != dom->top_table)
		return "page table";
	return NULL;
}

/**
 * intel_lu_adopt_context - whether a context entry found at boot is kept
 * @iommu: the unit, taken over with intel_lu_unit_incoming()
 * @bus: the entry's bus
 * @devfn: its devfn
 * @ce: the entry, present
 *
 * Return: true if the record names the device and the entry and the page
 * tables under it are what the record says; false, with a log line for a
 * device the record names, to block the device.
 */
bool intel_lu_adopt_context(struct intel_iommu *iommu, u8 bus, u8 devfn,
			    struct context_entry *ce)
{
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	const struct iommu_lu_device_ser *d;
	const char *why;

	d = intel_lu_find_device(iommu, PCI_DEVID(bus, devfn));
	if (!d)
		return false;
	why = intel_lu_context_mismatch(iommu->cap, d,
					iommu_lu_incoming_domain(d), ce);
	if (why) {
		pr_err("%04x:%02x:%02x.%d: context entry does not match the record (%s): DMA blocked\n",
		       iommu->segment, bus, PCI_SLOT(devfn), PCI_FUNC(devfn),
		       why);
		return false;
	}
	if (!intel_lu_take_domain(ser, d->domain)) {
		pr_err("%04x:%02x:%02x.%d: its domain was refused: DMA blocked\n",
		       iommu->segment, bus, PCI_SLOT(devfn), PCI_FUNC(devfn));
		return false;
	}
	intel_lu_device_adopted[d - ser->devices] = true;
	intel_lu_domain_users[d->domain]++;
	pr_info("%04x:%02x:%02x.%d: keeps translating through domain %#llx (DID %u)\n",
		iommu->segment, bus, PCI_SLOT(devfn), PCI_FUNC(devfn),
		iommu_lu_incoming_domain(d)->token, d->did);
	return true;
}

static int intel_lu_list_table(struct page *page, void *list)
{
	list_add_tail(&page->lru, list);
	return 0;
}

/**
 * intel_lu_context_released - an adopted context entry was torn down
 * @iommu: its unit
 * @bus: its bus
 * @devfn: its devfn
 *
 * Called under @iommu's lock once the entry is cleared and the caches are
 * flushed (the device was attached to a domain of this kernel).  When no
 * adopted entry uses a domain of the record any more and no domain was
 * restored around it, nothing walks its page tables: they are freed, and
 * its domain ID with them.
 */
void intel_lu_context_released(struct intel_iommu *iommu, u8 bus, u8 devfn)
{
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	const struct iommu_lu_domain_ser *dom;
	const struct iommu_lu_device_ser *d;
	LIST_HEAD(tables);
	bool last;

	d = intel_lu_find_device(iommu, PCI_DEVID(bus, devfn));
	if (!d)
		return;
	spin_lock(&intel_lu_in_lock);
	last = intel_lu_device_adopted[d - ser->devices];
	if (last) {
		intel_lu_device_adopted[d - ser->devices] = false;
		last = !--intel_lu_domain_users[d->domain] &&
		       intel_lu_domain_state[d->domain] == INTEL_LU_DOMAIN_TAKEN;
		if (last)
			intel_lu_domain_state[d->domain] = INTEL_LU_DOMAIN_FREED;
	}
	spin_unlock(&intel_lu_in_lock);
	/* A restored domain's tables and domain ID are the domain's */
	if (!last)
		return;

	dom = iommu_lu_incoming_domain(d);
	intel_lu_walk(phys_to_virt(dom->top_table), dom->levels,
		      intel_lu_list_table, &tables);
	iommu_put_pages_list(&tables);
	clear_bit(d->did, iommu->domain_ids);
	pr_info("domain %#llx: released, %llu page-table pages freed\n",
		dom->token, dom->nr_tables);
}

/*
 * A second-level domain for @dev, as paging_domain_alloc() sets one up,
 * around the preserved page tables of domain @index of the record.
 */
static struct dmar_domain *
intel_lu_domain_alloc(struct device *dev, const struct iommu_lu_domain_ser *dom,
		      u32 index)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	struct dmar_domain *domain;

	/* The adopted entry's width was checked against the unit's SAGAW */
	if (dom->levels - 2 != info->iommu->agaw) {
		dev_err(dev, "live update: domain %#llx has %u levels, the unit %d\n",
			dom->token, dom->levels,
			agaw_to_level(info->iommu->agaw));
		return ERR_PTR(-EINVAL);
	}
	domain = paging_domain_alloc(dev, false);
	if (IS_ERR(domain))
		return domain;
	iommu_free_page(domain->pgd);
	domain->pgd = phys_to_virt(dom->top_table);
	domain->domain.type = IOMMU_DOMAIN_UNMANAGED;
	domain->domain.owner = &intel_iommu_ops;
	domain->domain.ops = intel_iommu_ops.default_domain_ops;
	domain->lu_restored = true;
	domain->lu_index = index;
	return domain;
}

/*
 * Let @domain use domain ID @did on @iommu, the ID the adopted context
 * entries carry, reserved at boot: the first attach on the unit takes it
 * (a reference count of 0 here), the last detach frees it.
 */
static int intel_lu_domain_add_did(struct dmar_domain *domain,
				   struct intel_iommu *iommu, u16 did)
{
	struct iommu_domain_info *info, *curr;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	info->did = did;
	info->iommu = iommu;
	spin_lock(&iommu->lock);
	curr = xa_cmpxchg(&domain->iommu_array, iommu->seq_id, NULL, info,
			  GFP_ATOMIC);
	spin_unlock(&iommu->lock);
	if (!curr)
		return 0;
	kfree(info);
	if (xa_is_err(curr))
		return xa_err(curr);
	/* One domain has one ID per unit: the record says otherwise */
	return curr->did == did ? 0 : -EINVAL;
}

static struct iommu_domain *
intel_lu_restore_domain(struct device *dev,
			const struct iommu_lu_domain_ser *dom,
			const struct iommu_lu_device_ser *d,
			struct iommu_domain *domain)
{
	struct device_domain_info *info = dev_iommu_priv_get(dev);
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	struct intel_iommu *iommu = info->iommu;
	struct dmar_domain *dmar_domain;
	bool adopted;
	int err;

	spin_lock(&intel_lu_in_lock);
	adopted = iommu->lu_in && d->unit == iommu->reg_phys &&
		  intel_lu_device_adopted[d - ser->devices];
	spin_unlock(&intel_lu_in_lock);
	if (!adopted)
		return ERR_PTR(-ENOENT);

	if (domain) {
		dmar_domain = to_dmar_domain(domain);
	} else {
		dmar_domain = intel_lu_domain_alloc(dev, dom, d->domain);
		if (IS_ERR(dmar_domain))
			return ERR_CAST(dmar_domain);
	}
	err = intel_lu_domain_add_did(dmar_domain, iommu, d->did);
	if (err) {
		if (!domain)
			kfree(dmar_domain);	/* no ID, no page table of its own */
		return ERR_PTR(err);
	}
	if (domain)
		return domain;

	spin_lock(&intel_lu_in_lock);
	intel_lu_domain_state[d->domain] = INTEL_LU_DOMAIN_RESTORED;
	spin_unlock(&intel_lu_in_lock);
	pr_info("domain %#llx: restored around its %llu page-table pages\n",
		dom->token, dom->nr_tables);
	return &dmar_domain->domain;
}

/**
 * intel_lu_context_keep - whether the attach of a restored domain keeps an
 *	adopted context entry as it is
 * @iommu: the entry's unit
 * @domain: the domain being attached
 * @info: the device being attached, or NULL for one of its DMA aliases
 * @bus: the entry's bus
 * @devfn: its devfn
 * @ce: the entry, still marked copied
 *
 * Called under @iommu's lock.  When @domain was restored around the
 * entry's page tables and takes its domain ID, the entry already says what
 * the attach would write: it stays, never cleared, and is the domain's
 * from then on.
 *
 * Return: true if the entry is kept; false to write it anew.
 */
bool intel_lu_context_keep(struct intel_iommu *iommu, struct dmar_domain *domain,
			   struct device_domain_info *info, u8 bus, u8 devfn,
			   struct context_entry *ce)
{
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	const struct iommu_lu_device_ser *d;
	bool keep;

	if (!domain->lu_restored || (info && info->ats_supported))
		return false;
	d = intel_lu_find_device(iommu, PCI_DEVID(bus, devfn));
	if (!d || d->domain != domain->lu_index ||
	    (ce->lo & VTD_PAGE_MASK) != virt_to_phys(domain->pgd) ||
	    (ce->hi & 7) != domain->agaw ||
	    context_domain_id(ce) != domain_id_iommu(domain, iommu))
		return false;

	spin_lock(&intel_lu_in_lock);
	keep = intel_lu_device_adopted[d - ser->devices];
	if (keep) {
		intel_lu_device_adopted[d - ser->devices] = false;
		intel_lu_domain_users[d->domain]--;
	}
	spin_unlock(&intel_lu_in_lock);
	if (keep)
		clear_context_copied(iommu, bus, devfn);
	return keep;
}

/**
 * intel_lu_domain_free - a restored domain is being freed
 * @domain: the domain, attached to no device
 *
 * Called before its page tables are freed.  If an adopted context entry
 * still uses them (a device of the domain that was never attached to it),
 * they are left to that entry, to be freed when it is torn down.
 */
void intel_lu_domain_free(struct dmar_domain *domain)
{
	const struct iommu_lu_ser *ser = iommu_lu_incoming();
	u32 index = domain->lu_index;
	bool shared;

	spin_lock(&intel_lu_in_lock);
	shared = intel_lu_domain_users[index];
	intel_lu_domain_state[index] = shared ? INTEL_LU_DOMAIN_TAKEN :
						INTEL_LU_DOMAIN_FREED;
	spin_unlock(&intel_lu_in_lock);
	if (shared)
		domain->pgd = NULL;
	pr_info("domain %#llx: restored domain freed%s\n",
		ser->domains[index].token,
		shared ? "; its page tables stay in use" : " with its page tables");
}

/**
 * intel_lu_free_old_tables - free the previous kernel's root and context
 *	tables once the unit no longer reads them
 * @iommu: the unit, its new root table in use
 * @old_root: the previous kernel's root table
 */
void intel_lu_free_old_tables(struct intel_iommu *iommu, phys_addr_t old_root)
{
	struct root_entry *root;
	struct page *page;
	int bus;

	page = pfn_valid(PHYS_PFN(old_root)) ? kho_restore_pages(old_root, 1) :
					       NULL;
	if (!page) {
		pr_err("%s: the old root table was not preserved\n", iommu->name);
		return;
	}
	root = page_address(page);
	for (bus = 0; bus < 256; bus++) {
		phys_addr_t phys = root[bus].lo & VTD_PAGE_MASK;
		struct page *table;

		if (!(root[bus].lo & 1) || !pfn_valid(PHYS_PFN(phys)))
			continue;
		table = kho_restore_pages(phys, 1);
		if (table)
			__free_page(table);
	}
	__free_page(page);
}

const struct iommu_lu_ops intel_lu_ops = {
	.preserve_domain = intel_lu_preserve_domain,
	.unpreserve_domain = intel_lu_unpreserve_domain,
	.preserve_device = intel_lu_preserve_device,
	.unpreserve_device = intel_lu_unpreserve_device,
	.restore_domain = intel_lu_restore_domain,
};

#ifdef CONFIG_IOMMU_LIVEUPDATE_KUNIT_TEST
#include "liveupdate_kunit.h"
#endif
