/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KUnit tests of what the IOMMU core accepts of a record the previous
 * kernel handed over, and what it refuses; and of the life of a domain
 * restored from it.  Included by liveupdate.c.
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

/* The life of a restored domain, against a test record put in place */
#define LU_TEST_OWNER	0x1234000ULL
#define LU_TEST_TOKEN	0x4857505400000001ULL

struct lu_restored_test {
	const struct iommu_lu_ser *saved_in;
	struct iommu_lu_restored saved[IOMMU_LU_MAX_DOMAINS];
	struct iommu_domain domain;
	int freed;
};

static void lu_test_domain_free(struct iommu_domain *domain)
{
	container_of(domain, struct lu_restored_test, domain)->freed++;
}

static const struct iommu_domain_ops lu_test_domain_ops = {
	.free = lu_test_domain_free,
};

static int lu_restored_init(struct kunit *test)
{
	struct lu_restored_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct iommu_lu_ser *ser = lu_test_record(test);

	if (!t)
		return -ENOMEM;
	ser->domains[0].owner = LU_TEST_OWNER;
	t->domain.type = IOMMU_DOMAIN_UNMANAGED;
	t->domain.ops = &lu_test_domain_ops;
	iommu_lu_incoming();	/* read once, before it is replaced */
	mutex_lock(&iommu_lu_restore_lock);
	t->saved_in = iommu_lu_in;
	memcpy(t->saved, iommu_lu_restored, sizeof(t->saved));
	memset(iommu_lu_restored, 0, sizeof(iommu_lu_restored));
	iommu_lu_in = ser;
	mutex_unlock(&iommu_lu_restore_lock);
	test->priv = t;
	return 0;
}

static void lu_restored_exit(struct kunit *test)
{
	struct lu_restored_test *t = test->priv;

	mutex_lock(&iommu_lu_restore_lock);
	iommu_lu_in = t->saved_in;
	memcpy(iommu_lu_restored, t->saved, sizeof(t->saved));
	mutex_unlock(&iommu_lu_restore_lock);
}

/* As at probe: the domain restored, attached to one group */
static struct iommu_domain *lu_test_restore(struct kunit *test)
{
	struct lu_restored_test *t = test->priv;

	iommu_lu_restored[0].domain = &t->domain;
	iommu_lu_restored[0].state = IOMMU_LU_RESTORED_CORE;
	iommu_lu_restored_attached(&t->domain, true);
	return &t->domain;
}

static void domain_never_restored_cannot_be_taken(struct kunit *test)
{
	unsigned int groups;

	KUNIT_EXPECT_PTR_EQ(test, iommu_lu_take_domain(LU_TEST_OWNER,
						       LU_TEST_TOKEN, &groups),
			    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_FALSE(test, iommu_lu_owner_busy(LU_TEST_OWNER));
}

static void restored_domain_goes_to_its_owner_only(struct kunit *test)
{
	struct iommu_domain *domain = lu_test_restore(test);
	unsigned int groups = 0;

	KUNIT_EXPECT_PTR_EQ(test, iommu_lu_take_domain(LU_TEST_OWNER + 1,
						       LU_TEST_TOKEN, &groups),
			    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_PTR_EQ(test, iommu_lu_take_domain(LU_TEST_OWNER,
						       LU_TEST_TOKEN + 1, &groups),
			    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_PTR_EQ(test, iommu_lu_take_domain(LU_TEST_OWNER,
						       LU_TEST_TOKEN, &groups),
			    domain);
	KUNIT_EXPECT_EQ(test, groups, 1);
}

static void restored_domain_is_taken_once(struct kunit *test)
{
	unsigned int groups;

	lu_test_restore(test);
	KUNIT_ASSERT_FALSE(test, IS_ERR(iommu_lu_take_domain(LU_TEST_OWNER,
							     LU_TEST_TOKEN,
							     &groups)));
	KUNIT_EXPECT_PTR_EQ(test, iommu_lu_take_domain(LU_TEST_OWNER,
						       LU_TEST_TOKEN, &groups),
			    ERR_PTR(-EBUSY));
}

static void group_handed_over_no_longer_holds_the_domain(struct kunit *test)
{
	struct iommu_domain *domain = lu_test_restore(test);
	unsigned int groups;

	iommu_lu_restored_attached(domain, true);
	iommu_lu_restored_attached(domain, false);
	KUNIT_ASSERT_PTR_EQ(test, iommu_lu_take_domain(LU_TEST_OWNER,
						       LU_TEST_TOKEN, &groups),
			    domain);
	KUNIT_EXPECT_EQ(test, groups, 1);
}

static void session_is_busy_until_its_domain_is_freed(struct kunit *test)
{
	struct lu_restored_test *t = test->priv;
	struct iommu_domain *domain = lu_test_restore(test);
	unsigned int groups;

	KUNIT_EXPECT_TRUE(test, iommu_lu_owner_busy(LU_TEST_OWNER));
	KUNIT_ASSERT_PTR_EQ(test, iommu_lu_take_domain(LU_TEST_OWNER,
						       LU_TEST_TOKEN, &groups),
			    domain);
	KUNIT_EXPECT_TRUE(test, iommu_lu_owner_busy(LU_TEST_OWNER));
	iommu_lu_restored_attached(domain, false);
	iommu_lu_free_domain(domain);
	KUNIT_EXPECT_EQ(test, t->freed, 1);
	KUNIT_EXPECT_FALSE(test, iommu_lu_owner_busy(LU_TEST_OWNER));
	KUNIT_EXPECT_PTR_EQ(test, iommu_lu_take_domain(LU_TEST_OWNER,
						       LU_TEST_TOKEN, &groups),
			    ERR_PTR(-ESTALE));
}

static void other_owner_is_not_busy(struct kunit *test)
{
	lu_test_restore(test);
	KUNIT_EXPECT_FALSE(test, iommu_lu_owner_busy(LU_TEST_OWNER + 1));
}

static void domain_that_failed_to_restore_keeps_its_session_busy(struct kunit *test)
{
	iommu_lu_restored[0].state = IOMMU_LU_RESTORED_FAILED;
	KUNIT_EXPECT_TRUE(test, iommu_lu_owner_busy(LU_TEST_OWNER));
}

/* Only a domain its owner took has its groups blocked for it */
static void domain_not_taken_blocks_nothing(struct kunit *test)
{
	struct iommu_domain *domain = lu_test_restore(test);
	unsigned int blocked = 1;

	KUNIT_EXPECT_EQ(test, iommu_lu_block_owned(domain, &blocked), -ENOENT);
	KUNIT_EXPECT_EQ(test, blocked, 0);
	KUNIT_EXPECT_TRUE(test, iommu_lu_owner_busy(LU_TEST_OWNER));
}

/*
 * Only a group attached to the domain is blocked: the record's device, if
 * this machine has one at its address, is not on the test domain.
 */
static void taken_domain_blocks_only_groups_on_it(struct kunit *test)
{
	struct lu_restored_test *t = test->priv;
	struct iommu_domain *domain = lu_test_restore(test);
	unsigned int groups, blocked = 1;

	KUNIT_ASSERT_PTR_EQ(test, iommu_lu_take_domain(LU_TEST_OWNER,
						       LU_TEST_TOKEN, &groups),
			    domain);
	KUNIT_EXPECT_EQ(test, iommu_lu_block_owned(domain, &blocked), 0);
	KUNIT_EXPECT_EQ(test, blocked, 0);
	iommu_lu_restored_attached(domain, false);
	iommu_lu_free_domain(domain);
	KUNIT_EXPECT_EQ(test, t->freed, 1);
}

static struct kunit_case iommu_lu_restored_cases[] = {
	KUNIT_CASE(domain_never_restored_cannot_be_taken),
	KUNIT_CASE(restored_domain_goes_to_its_owner_only),
	KUNIT_CASE(restored_domain_is_taken_once),
	KUNIT_CASE(group_handed_over_no_longer_holds_the_domain),
	KUNIT_CASE(session_is_busy_until_its_domain_is_freed),
	KUNIT_CASE(other_owner_is_not_busy),
	KUNIT_CASE(domain_that_failed_to_restore_keeps_its_session_busy),
	KUNIT_CASE(domain_not_taken_blocks_nothing),
	KUNIT_CASE(taken_domain_blocks_only_groups_on_it),
	{}
};

static struct kunit_suite iommu_lu_restored_suite = {
	.name = "iommu_liveupdate_restored",
	.init = lu_restored_init,
	.exit = lu_restored_exit,
	.test_cases = iommu_lu_restored_cases,
};

kunit_test_suite(iommu_lu_restored_suite);
