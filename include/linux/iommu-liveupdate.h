/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IOMMU core across a live update: the domains and devices that keep
 * translating while the kernel is replaced, and the record of them one
 * kernel hands to the next.  See drivers/iommu/liveupdate.c.
 */
#ifndef _LINUX_IOMMU_LIVEUPDATE_H
#define _LINUX_IOMMU_LIVEUPDATE_H

#include <linux/types.h>

struct device;
struct iommu_attach_handle;
struct iommu_domain;
struct liveupdate_flb;

/* Names the record and its format; any change to it changes the string */
#define IOMMU_LU_COMPATIBLE		"iommu-612-v1"

#define IOMMU_LU_MAX_DOMAINS		32
#define IOMMU_LU_MAX_DEVICES		64

/* The page table format of a preserved domain */
#define IOMMU_LU_FORMAT_VTD_SL		1	/* VT-d second level */

/**
 * struct iommu_lu_domain_ser - a preserved domain
 * @token: userspace's name of it (the iommufd HWPT token); 0: a free slot
 * @owner: who preserved it, by a name unique in the kernel that both
 *	kernels know (iommufd: the physical address of its own record)
 * @top_table: physical address of its top page-table page
 * @format: IOMMU_LU_FORMAT_*
 * @levels: how many levels of tables it has
 * @nr_tables: how many page-table pages it has, all preserved with KHO
 */
struct iommu_lu_domain_ser {
	u64 token;
	u64 owner;
	u64 top_table;
	u32 format;
	u32 levels;
	u64 nr_tables;
};

/**
 * struct iommu_lu_device_ser - a device that keeps translating
 * @unit: the IOMMU unit that translates for it, by a stable name (VT-d:
 *	the register base of its DMAR unit)
 * @domain: index of its domain in struct iommu_lu_ser's @domains
 * @did: the domain ID the unit knows the domain by, for this device
 * @segment: its PCI segment
 * @rid: its requester ID (bus << 8 | devfn)
 * @reserved: 0
 */
struct iommu_lu_device_ser {
	u64 unit;
	u32 domain;
	u32 did;
	u16 segment;
	u16 rid;
	u32 reserved;
};

/**
 * struct iommu_lu_ser - what the IOMMU core hands over, in one page
 * @nr_domains: slots of @domains in use, free ones included
 * @nr_devices: entries of @devices
 * @domains: the preserved domains
 * @devices: the preserved devices
 */
struct iommu_lu_ser {
	u32 nr_domains;
	u32 nr_devices;
	struct iommu_lu_domain_ser domains[IOMMU_LU_MAX_DOMAINS];
	struct iommu_lu_device_ser devices[IOMMU_LU_MAX_DEVICES];
};

/**
 * struct iommu_lu_ops - what an IOMMU driver does for a live update
 * @preserve_domain: preserve every page-table page of @domain with KHO and
 *	fill @ser's @top_table, @format, @levels and @nr_tables.  The domain
 *	no longer changes (its IOAS is frozen).
 * @unpreserve_domain: undo @preserve_domain
 * @preserve_device: @dev, attached to @domain, keeps translating through
 *	it across the reboot: preserve what the unit needs for that and fill
 *	@ser's @unit, @did, @segment and @rid
 * @unpreserve_device: undo @preserve_device
 * @restore_domain: in the next kernel, return a domain that translates
 *	through the preserved page tables of @ser, for @dev, a device the
 *	record names as @dev_ser whose translation the driver took over at
 *	boot.  The first device of a domain gets a new one (@domain NULL);
 *	the next ones get @domain, with what their unit needs added (its
 *	domain ID).  The domain is immutable: map and unmap fail.  Freeing
 *	it frees the page-table pages.
 */
struct iommu_lu_ops {
	int (*preserve_domain)(struct iommu_domain *domain,
			       struct iommu_lu_domain_ser *ser);
	void (*unpreserve_domain)(struct iommu_domain *domain,
				  struct iommu_lu_domain_ser *ser);
	int (*preserve_device)(struct device *dev, struct iommu_domain *domain,
			       struct iommu_lu_device_ser *ser);
	void (*unpreserve_device)(struct device *dev,
				  struct iommu_lu_device_ser *ser);
	struct iommu_domain *(*restore_domain)(struct device *dev,
					       const struct iommu_lu_domain_ser *ser,
					       const struct iommu_lu_device_ser *dev_ser,
					       struct iommu_domain *domain);
};

#ifdef CONFIG_IOMMU_LIVEUPDATE
extern struct liveupdate_flb iommu_lu_flb;

int iommu_lu_preserve_domain(struct iommu_domain *domain, u64 token,
			     u64 owner);
void iommu_lu_unpreserve_domain(struct iommu_domain *domain);
int iommu_lu_preserve_device(struct device *dev, struct iommu_domain *domain);
void iommu_lu_unpreserve_device(struct device *dev);
bool iommu_lu_device_preserved(struct device *dev);

const struct iommu_lu_ser *iommu_lu_incoming(void);
const struct iommu_lu_domain_ser *
iommu_lu_incoming_domain(const struct iommu_lu_device_ser *dev);
const struct iommu_lu_device_ser *iommu_lu_incoming_find(u16 segment, u16 rid);
bool iommu_lu_device_incoming(struct device *dev);

struct iommu_domain *iommu_lu_restore_domain(struct device *dev);
void iommu_lu_restored_attached(struct iommu_domain *domain, bool attached);
int iommu_lu_device_restored(struct device *dev, u64 *owner, u64 *token);
struct iommu_domain *iommu_lu_take_domain(u64 owner, u64 token,
					  unsigned int *groups);
void iommu_lu_free_domain(struct iommu_domain *domain);
bool iommu_lu_owner_busy(u64 owner);
int iommu_lu_claim_dma_owner(struct device *dev, void *owner,
			     struct iommu_domain *domain,
			     struct iommu_attach_handle *handle);
bool iommu_lu_device_owned(struct device *dev);
int iommu_lu_block_group(struct device *dev, struct iommu_domain *domain,
			 bool check);
int iommu_lu_block_owned(struct iommu_domain *domain, unsigned int *blocked);
bool iommu_lu_block_device(struct device *dev);
#else
static inline bool iommu_lu_device_preserved(struct device *dev)
{
	return false;
}

static inline bool iommu_lu_device_incoming(struct device *dev)
{
	return false;
}

static inline bool iommu_lu_device_owned(struct device *dev)
{
	return false;
}

static inline const struct iommu_lu_ser *iommu_lu_incoming(void)
{
	return NULL;
}

static inline struct iommu_domain *iommu_lu_restore_domain(struct device *dev)
{
	return NULL;
}

static inline void iommu_lu_restored_attached(struct iommu_domain *domain,
					      bool attached) { }
#endif

#endif
