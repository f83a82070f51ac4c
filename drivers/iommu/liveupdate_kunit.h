/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KUnit tests of what the IOMMU core accepts of a record the previous
 * kernel handed over, and what it refuses.  Included by liveupdate.c.
 */
#include <kunit/test.h>

/* A record of one domain and one device translating through it */
static struct iommu_lu_ser *lu_test_record(struct kunit *test)
{
	struct iommu_lu_ser *ser = kunit_kzalloc(test, sizeof(*ser), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ser);
	ser->nr_domains = 1;
	ser->domains[0].token = 0x4857505400000001ULL;
	ser->domains[0].format = IOMMU_LU_FORMAT_VTD_SL;
	ser->domains[0].levels = 3;
	ser->nr_devices = 1;
	ser->devices[0].rid = 0x0018;
	ser->devices[0].did = 2;
	return ser;
}

static void record_of_a_device_and_its_domain_is_accepted(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, iommu_lu_ser_check(lu_test_record(test)), 0);
}

static void empty_record_is_accepted(struct kunit *test)
{
	struct iommu_lu_ser *ser = lu_test_record(test);

	ser->nr_domains = 0;
	ser->nr_devices = 0;
	KUNIT_EXPECT_EQ(test, iommu_lu_ser_check(ser), 0);
}

static void record_with_too_many_domains_is_refused(struct kunit *test)
{
	struct iommu_lu_ser *ser = lu_test_record(test);

	ser->nr_domains = IOMMU_LU_MAX_DOMAINS + 1;
	KUNIT_EXPECT_EQ(test, iommu_lu_ser_check(ser), -EINVAL);
}

static void record_with_too_many_devices_is_refused(struct kunit *test)
{
	struct iommu_lu_ser *ser = lu_test_record(test);

	ser->nr_devices = IOMMU_LU_MAX_DEVICES + 1;
	KUNIT_EXPECT_EQ(test, iommu_lu_ser_check(ser), -EINVAL);
}

static void device_past_the_domains_is_refused(struct kunit *test)
{
	struct iommu_lu_ser *ser = lu_test_record(test);

	ser->devices[0].domain = 1;
	KUNIT_EXPECT_EQ(test, iommu_lu_ser_check(ser), -EINVAL);
}

static void device_on_a_free_domain_slot_is_refused(struct kunit *test)
{
	struct iommu_lu_ser *ser = lu_test_record(test);

	ser->domains[0].token = 0;
	KUNIT_EXPECT_EQ(test, iommu_lu_ser_check(ser), -EINVAL);
}

static void device_with_reserved_bits_is_refused(struct kunit *test)
{
	struct iommu_lu_ser *ser = lu_test_record(test);

	ser->devices[0].reserved = 1;
	KUNIT_EXPECT_EQ(test, iommu_lu_ser_check(ser), -EINVAL);
}

static void free_domain_slot_nobody_uses_is_accepted(struct kunit *test)
{
	struct iommu_lu_ser *ser = lu_test_record(test);

	/* A domain given back before the reboot leaves a hole */
	ser->nr_domains = 2;
	ser->domains[1] = ser->domains[0];
	memset(&ser->domains[0], 0, sizeof(ser->domains[0]));
	ser->devices[0].domain = 1;
	KUNIT_EXPECT_EQ(test, iommu_lu_ser_check(ser), 0);
}

static struct kunit_case iommu_lu_test_cases[] = {
	KUNIT_CASE(record_of_a_device_and_its_domain_is_accepted),
	KUNIT_CASE(empty_record_is_accepted),
	KUNIT_CASE(record_with_too_many_domains_is_refused),
	KUNIT_CASE(record_with_too_many_devices_is_refused),
	KUNIT_CASE(device_past_the_domains_is_refused),
	KUNIT_CASE(device_on_a_free_domain_slot_is_refused),
	KUNIT_CASE(device_with_reserved_bits_is_refused),
	KUNIT_CASE(free_domain_slot_nobody_uses_is_accepted),
	{}
};

static struct kunit_suite iommu_lu_test_suite = {
	.name = "iommu_liveupdate_record",
	.test_cases = iommu_lu_test_cases,
};

kunit_test_suite(iommu_lu_test_suite);
