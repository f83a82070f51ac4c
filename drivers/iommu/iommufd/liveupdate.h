/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What iommufd hands over to the next kernel for a live update: the format
 * of a preserved iommufd, between liveupdate_file.c in one kernel and the
 * same file in the next.  Any change to it changes IOMMUFD_LU_COMPATIBLE.
 */
#ifndef __IOMMUFD_LIVEUPDATE_H
#define __IOMMUFD_LIVEUPDATE_H

#include <linux/types.h>

#define IOMMUFD_LU_COMPATIBLE	"iommufd-612-v1"

/**
 * struct iommufd_lu_area_ser - one mapping of a preserved HWPT
 * @iova: its first IOVA
 * @length: its length in bytes, not 0
 * @memfd_token: the token of the memfd it maps, in the same session
 * @start: the byte offset in the memfd that @iova maps
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 * @reserved: 0
 */
struct iommufd_lu_area_ser {
	u64 iova;
	u64 length;
	u64 memfd_token;
	u64 start;
	u32 prot;
	u32 reserved;
};

/**
 * struct iommufd_lu_hwpt_ser - one preserved HWPT
 * @token: the token userspace marked it with
 * @first_area: index of its first mapping in the areas that follow the
 *	HWPTs in struct iommufd_lu_ser
 * @nr_areas: how many mappings it has
 */
struct iommufd_lu_hwpt_ser {
	u64 token;
	u64 first_area;
	u64 nr_areas;
};

/**
 * struct iommufd_lu_ser - a preserved iommufd, in one preserved block
 * @nr_hwpts: how many HWPTs follow
 * @nr_areas: how many mappings follow the HWPTs, all HWPTs' together
 * @hwpts: the HWPTs, then the areas (struct iommufd_lu_area_ser)
 */
struct iommufd_lu_ser {
	u64 nr_hwpts;
	u64 nr_areas;
	struct iommufd_lu_hwpt_ser hwpts[];
};

/* The mappings of @ser, after its HWPTs */
static inline struct iommufd_lu_area_ser *
iommufd_lu_ser_areas(struct iommufd_lu_ser *ser)
{
	return (struct iommufd_lu_area_ser *)&ser->hwpts[ser->nr_hwpts];
}

#endif
