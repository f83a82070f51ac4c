/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KUnit tests of VT-d's live update logic that needs no hardware: the walk
 * that lists a domain's page-table pages, and the check of a context entry
 * found at boot against the record.  Included by liveupdate.c.
 */
#include <kunit/test.h>

#define LU_TEST_CAP	((0x2ULL << 8) | 6)	/* 39-bit only, 64Ki DIDs */
#define LU_TEST_TOP	0x1234000ULL
#define LU_TEST_DID	5

/* A zeroed table page; freed with the test */
static struct dma_pte *lu_test_table(struct kunit *test)
{
	struct dma_pte *table = kunit_kzalloc(test, VTD_PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, table);
	return table;
}

static void lu_test_link(struct dma_pte *pte, void *child)
{
	pte->val = virt_to_phys(child) | DMA_PTE_READ | DMA_PTE_WRITE;
}

struct lu_test_visits {
	struct page *pages[8];
	unsigned int nr;
	unsigned int fail_at;	/* 1-based; 0 never */
};

static int lu_test_visit(struct page *page, void *arg)
{
	struct lu_test_visits *v = arg;

	if (v->nr == ARRAY_SIZE(v->pages))
		return -E2BIG;
	v->pages[v->nr++] = page;
	return v->nr == v->fail_at ? -EIO : 0;
}

static void walk_visits_each_table_once_parents_first(struct kunit *test)
{
	struct dma_pte *top = lu_test_table(test), *mid1 = lu_test_table(test);
	struct dma_pte *mid2 = lu_test_table(test), *leaf1 = lu_test_table(test);
	struct dma_pte *leaf2 = lu_test_table(test), *leaf3 = lu_test_table(test);
	struct lu_test_visits v = { };

	lu_test_link(&top[0], mid1);
	lu_test_link(&top[5], mid2);
	lu_test_link(&mid1[0], leaf1);
	lu_test_link(&mid1[511], leaf2);
	lu_test_link(&mid2[3], leaf3);
	/* Data pages under the leaves are not page tables */
	lu_test_link(&leaf1[0], top);
	lu_test_link(&leaf3[7], mid1);

	KUNIT_ASSERT_EQ(test, intel_lu_walk(top, 3, lu_test_visit, &v), 0);
	KUNIT_ASSERT_EQ(test, v.nr, 6);
	KUNIT_EXPECT_PTR_EQ(test, v.pages[0], virt_to_page(top));
	KUNIT_EXPECT_PTR_EQ(test, v.pages[1], virt_to_page(mid1));
	KUNIT_EXPECT_PTR_EQ(test, v.pages[2], virt_to_page(leaf1));
	KUNIT_EXPECT_PTR_EQ(test, v.pages[3], virt_to_page(leaf2));
	KUNIT_EXPECT_PTR_EQ(test, v.pages[4], virt_to_page(mid2));
	KUNIT_EXPECT_PTR_EQ(test, v.pages[5], virt_to_page(leaf3));
}

static void walk_skips_superpages_and_holes(struct kunit *test)
{
	struct dma_pte *top = lu_test_table(test), *mid = lu_test_table(test);
	struct dma_pte *data = lu_test_table(test);
	struct lu_test_visits v = { };

	/* A 1 GiB page, and an entry with an address but no access */
	top[0].val = virt_to_phys(data) | DMA_PTE_READ | DMA_PTE_LARGE_PAGE;
	top[1].val = virt_to_phys(data);
	lu_test_link(&top[2], mid);

	KUNIT_ASSERT_EQ(test, intel_lu_walk(top, 3, lu_test_visit, &v), 0);
	KUNIT_ASSERT_EQ(test, v.nr, 2);
	KUNIT_EXPECT_PTR_EQ(test, v.pages[1], virt_to_page(mid));
}

static void walk_does_not_descend_from_level_1(struct kunit *test)
{
	struct dma_pte *leaf = lu_test_table(test), *data = lu_test_table(test);
	struct lu_test_visits v = { };

	lu_test_link(&leaf[0], data);
	KUNIT_ASSERT_EQ(test, intel_lu_walk(leaf, 1, lu_test_visit, &v), 0);
	KUNIT_EXPECT_EQ(test, v.nr, 1);
}

static void walk_stops_at_the_first_error(struct kunit *test)
{
	struct dma_pte *top = lu_test_table(test), *mid = lu_test_table(test);
	struct lu_test_visits v = { .fail_at = 2 };

	lu_test_link(&top[0], mid);
	lu_test_link(&top[1], lu_test_table(test));
	lu_test_link(&mid[0], lu_test_table(test));

	KUNIT_EXPECT_EQ(test, intel_lu_walk(top, 3, lu_test_visit, &v), -EIO);
	KUNIT_EXPECT_EQ(test, v.nr, 2);
}

struct lu_test_context {
	struct iommu_lu_device_ser dev;
	struct iommu_lu_domain_ser dom;
	struct context_entry ce;
};

/* A context entry and the record that matches it */
static void lu_test_context_init(struct lu_test_context *c)
{
	memset(c, 0, sizeof(*c));
	c->dom.format = IOMMU_LU_FORMAT_VTD_SL;
	c->dom.levels = 3;
	c->dom.top_table = LU_TEST_TOP;
	c->dev.did = LU_TEST_DID;
	c->ce.lo = LU_TEST_TOP | 1;
	c->ce.hi = 1 | LU_TEST_DID << 8;
}

static const char *lu_test_mismatch(struct lu_test_context *c, u64 cap)
{
	return intel_lu_context_mismatch(cap, &c->dev, &c->dom, &c->ce);
}

static void context_matching_its_record_is_kept(struct kunit *test)
{
	struct lu_test_context c;

	lu_test_context_init(&c);
	KUNIT_EXPECT_NULL(test, lu_test_mismatch(&c, LU_TEST_CAP));
}

static void context_of_another_translation_type_is_refused(struct kunit *test)
{
	struct lu_test_context c;

	lu_test_context_init(&c);
	c.ce.lo |= CONTEXT_TT_PASS_THROUGH << 2;
	KUNIT_EXPECT_STREQ(test, lu_test_mismatch(&c, LU_TEST_CAP),
			   "translation type");
}

static void context_of_another_width_is_refused(struct kunit *test)
{
	struct lu_test_context c;

	lu_test_context_init(&c);
	c.ce.hi = (c.ce.hi & ~7ULL) | 2;
	KUNIT_EXPECT_STREQ(test, lu_test_mismatch(&c, LU_TEST_CAP),
			   "address width");
}

static void context_of_a_width_the_unit_lacks_is_refused(struct kunit *test)
{
	struct lu_test_context c;

	lu_test_context_init(&c);
	c.dom.levels = 4;
	c.ce.hi = (c.ce.hi & ~7ULL) | 2;
	KUNIT_EXPECT_STREQ(test, lu_test_mismatch(&c, LU_TEST_CAP),
			   "address width");
	/* The same on a unit that has 48 bits */
	KUNIT_EXPECT_NULL(test, lu_test_mismatch(&c, LU_TEST_CAP | 0x4ULL << 8));
}

static void context_of_another_domain_id_is_refused(struct kunit *test)
{
	struct lu_test_context c;

	lu_test_context_init(&c);
	c.dev.did = LU_TEST_DID + 1;
	KUNIT_EXPECT_STREQ(test, lu_test_mismatch(&c, LU_TEST_CAP),
			   "domain ID");
}

static void context_of_a_reserved_domain_id_is_refused(struct kunit *test)
{
	struct lu_test_context c;

	lu_test_context_init(&c);
	c.dev.did = FLPT_DEFAULT_DID;
	c.ce.hi = 1 | (u64)FLPT_DEFAULT_DID << 8;
	KUNIT_EXPECT_STREQ(test, lu_test_mismatch(&c, LU_TEST_CAP),
			   "domain ID");
}

static void context_of_a_domain_id_past_the_unit_is_refused(struct kunit *test)
{
	struct lu_test_context c;

	lu_test_context_init(&c);
	c.dev.did = 20;
	c.ce.hi = 1 | 20ULL << 8;
	/* ND 0: 16 domain IDs */
	KUNIT_EXPECT_STREQ(test, lu_test_mismatch(&c, LU_TEST_CAP & ~7ULL),
			   "domain ID");
	KUNIT_EXPECT_NULL(test, lu_test_mismatch(&c, LU_TEST_CAP));
}

static void context_of_another_page_table_is_refused(struct kunit *test)
{
	struct lu_test_context c;

	lu_test_context_init(&c);
	c.dom.top_table += VTD_PAGE_SIZE;
	KUNIT_EXPECT_STREQ(test, lu_test_mismatch(&c, LU_TEST_CAP),
			   "page table");
}

static struct kunit_case intel_lu_test_cases[] = {
	KUNIT_CASE(walk_visits_each_table_once_parents_first),
	KUNIT_CASE(walk_skips_superpages_and_holes),
	KUNIT_CASE(walk_does_not_descend_from_level_1),
	KUNIT_CASE(walk_stops_at_the_first_error),
	KUNIT_CASE(context_matching_its_record_is_kept),
	KUNIT_CASE(context_of_another_translation_type_is_refused),
	KUNIT_CASE(context_of_another_width_is_refused),
	KUNIT_CASE(context_of_a_width_the_unit_lacks_is_refused),
	KUNIT_CASE(context_of_another_domain_id_is_refused),
	KUNIT_CASE(context_of_a_reserved_domain_id_is_refused),
	KUNIT_CASE(context_of_a_domain_id_past_the_unit_is_refused),
	KUNIT_CASE(context_of_another_page_table_is_refused),
	{}
};

static struct kunit_suite intel_lu_test_suite = {
	.name = "vtd_liveupdate",
	.test_cases = intel_lu_test_cases,
};

kunit_test_suite(intel_lu_test_suite);
