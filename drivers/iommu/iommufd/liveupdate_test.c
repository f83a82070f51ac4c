// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: what iommufd_lu_ser_check() accepts of a record handed over by the
 * previous kernel, and what it refuses.  Each case builds a record of two
 * HWPTs (one mapping, then two) as the preserve path lays it out, breaks
 * one thing, and checks the verdict.
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "iommufd_private.h"
#include "liveupdate.h"

#define NR_HWPTS	2
#define NR_AREAS	3

/* A well-formed record in a block of @size bytes (0: as large as needed) */
static struct iommufd_lu_ser *good_record(struct kunit *test, size_t *size)
{
	struct iommufd_lu_area_ser *areas;
	struct iommufd_lu_ser *ser;
	unsigned int i;

	if (!*size)
		*size = iommufd_lu_ser_size(NR_HWPTS, NR_AREAS);
	ser = kunit_kzalloc(test, *size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ser);
	ser->nr_hwpts = NR_HWPTS;
	ser->nr_areas = NR_AREAS;
	ser->hwpts[0] = (struct iommufd_lu_hwpt_ser){ .token = 7,
		.first_area = 0, .nr_areas = 1 };
	ser->hwpts[1] = (struct iommufd_lu_hwpt_ser){ .token = 8,
		.first_area = 1, .nr_areas = 2 };
	areas = iommufd_lu_ser_areas(ser);
	for (i = 0; i < NR_AREAS; i++)
		areas[i] = (struct iommufd_lu_area_ser){
			.iova = SZ_16M * (i + 1), .length = SZ_2M,
			.memfd_token = 1, .start = SZ_2M * i,
			.prot = IOMMU_READ | IOMMU_WRITE };
	return ser;
}

static void well_formed_record_is_taken(struct kunit *test)
{
	size_t size = 0;
	struct iommufd_lu_ser *ser = good_record(test, &size);

	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, size), 0);
	/* The block may be larger than the record: KHO rounds it up */
	size = PAGE_SIZE;
	ser = good_record(test, &size);
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, size), 0);
}

static void size_is_exact_and_saturates(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_size(0, 0),
			sizeof(struct iommufd_lu_ser));
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_size(NR_HWPTS, NR_AREAS),
			sizeof(struct iommufd_lu_ser) +
			NR_HWPTS * sizeof(struct iommufd_lu_hwpt_ser) +
			NR_AREAS * sizeof(struct iommufd_lu_area_ser));
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_size(U64_MAX, 0), SIZE_MAX);
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_size(0, U64_MAX / 8), SIZE_MAX);
}

static void counts_past_the_block_are_refused(struct kunit *test)
{
	size_t size = 0;
	struct iommufd_lu_ser *ser = good_record(test, &size);

	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, size - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, 8), -EINVAL);
	ser->nr_areas += BIT_ULL(58);	/* wraps when multiplied */
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, size), -EINVAL);
	ser->nr_areas = NR_AREAS;
	ser->nr_hwpts = U64_MAX;
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, size), -EINVAL);
}

static void hwpt_ranges_must_tile_the_areas(struct kunit *test)
{
	size_t size = 0;
	struct iommufd_lu_ser *ser = good_record(test, &size);

	ser->hwpts[1].first_area = 0;		/* overlaps the first */
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, size), -EINVAL);
	ser->hwpts[1].first_area = 1;
	ser->hwpts[1].nr_areas = 3;		/* past the end */
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, size), -EINVAL);
	ser->hwpts[1].nr_areas = U64_MAX;	/* first + nr wraps */
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, size), -EINVAL);
	ser->hwpts[1].nr_areas = 1;		/* an area of no HWPT */
	KUNIT_EXPECT_EQ(test, iommufd_lu_ser_check(ser, size), -EINVAL);
}

static void malformed_areas_are_refused(struct kunit *test)
{
	struct iommufd_lu_area_ser *area;
	struct iommufd_lu_ser *ser;
	unsigned int i;
	size_t size = 0;

	for (i = 0; i < 6; i++) {
		ser = good_record(test, &size);
		area = &iommufd_lu_ser_areas(ser)[NR_AREAS - 1];
		switch (i) {
		case 0:
			area->length = 0;
			break;
		case 1:
			area->iova = U64_MAX - SZ_1M;
			break;
		case 2:
			area->start = U64_MAX - SZ_1M;
			break;
		case 3:
			area->prot |= IOMMU_CACHE;
			break;
		case 4:
			area->reserved = 1;
			break;
		case 5:
			area->length = U64_MAX;
			area->iova = 2;
			area->start = 0;
			break;
		}
		KUNIT_EXPECT_EQ_MSG(test, iommufd_lu_ser_check(ser, size),
				    -EINVAL, "breakage %u", i);
	}
}

static struct kunit_case iommufd_lu_ser_cases[] = {
	KUNIT_CASE(well_formed_record_is_taken),
	KUNIT_CASE(size_is_exact_and_saturates),
	KUNIT_CASE(counts_past_the_block_are_refused),
	KUNIT_CASE(hwpt_ranges_must_tile_the_areas),
	KUNIT_CASE(malformed_areas_are_refused),
	{}
};

static struct kunit_suite iommufd_lu_ser_suite = {
	.name = "iommufd_lu_record",
	.test_cases = iommufd_lu_ser_cases,
};

kunit_test_suite(iommufd_lu_ser_suite);
