// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the kexec handover tracker and its handover format.
 *
 * The tracker never touches the memory it records, so the tests use made-up
 * page frame numbers; only the metadata pages are real.
 */

#include <kunit/test.h>
#include <linux/io.h>
#include <linux/mm.h>

#include "kexec_handover_internal.h"

/* Far enough out that several bitmap chunks of every order are in use. */
#define BASE_PFN	BIT(24)

static int kho_track_test_init(struct kunit *test)
{
	struct kho_track *track = kunit_kzalloc(test, sizeof(*track), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, track);
	KUNIT_ASSERT_EQ(test, kho_track_init(track), 0);
	test->priv = track;
	return 0;
}

static void kho_track_test_exit(struct kunit *test)
{
	kho_track_destroy(test->priv);
}

static void add_then_del(struct kunit *test)
{
	struct kho_track *track = test->priv;

	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN, 0));
	KUNIT_EXPECT_EQ(test, kho_track_add(track, BASE_PFN, 0), 0);
	KUNIT_EXPECT_TRUE(test, kho_track_has(track, BASE_PFN, 0));
	KUNIT_EXPECT_EQ(test, track->nr_blocks[0], 1UL);
	KUNIT_EXPECT_EQ(test, kho_track_del(track, BASE_PFN, 0), 0);
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN, 0));
	KUNIT_EXPECT_EQ(test, track->nr_blocks[0], 0UL);
}

static void double_add_and_missing_del_fail(struct kunit *test)
{
	struct kho_track *track = test->priv;

	KUNIT_EXPECT_EQ(test, kho_track_del(track, BASE_PFN, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_track_add(track, BASE_PFN, 2), 0);
	KUNIT_EXPECT_EQ(test, kho_track_add(track, BASE_PFN, 2), -EEXIST);
	/* The same pfn at another order is another block. */
	KUNIT_EXPECT_EQ(test, kho_track_del(track, BASE_PFN, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, track->nr_blocks[2], 1UL);
}

static void bad_order_or_alignment_fails(struct kunit *test)
{
	struct kho_track *track = test->priv;

	KUNIT_EXPECT_EQ(test, kho_track_add(track, BASE_PFN + 1, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_add(track, BASE_PFN, MAX_PAGE_ORDER + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_del(track, BASE_PFN + 2, 2), -EINVAL);
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN + 1, 1));
	KUNIT_EXPECT_EQ(test, track->nr_meta_pages, 1UL);
}

static void adjacent_blocks_are_independent(struct kunit *test)
{
	struct kho_track *track = test->priv;
	unsigned long pfn;

	for (pfn = BASE_PFN; pfn < BASE_PFN + 8; pfn++)
		KUNIT_ASSERT_EQ(test, kho_track_add(track, pfn, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_track_del(track, BASE_PFN + 3, 0), 0);
	for (pfn = BASE_PFN; pfn < BASE_PFN + 8; pfn++)
		KUNIT_EXPECT_EQ(test, kho_track_has(track, pfn, 0), pfn != BASE_PFN + 3);
	/* The neighbours of the range stay unrecorded. */
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN - 1, 0));
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN + 8, 0));
}

static void every_order(struct kunit *test)
{
	struct kho_track *track = test->priv;
	unsigned int order;

	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		KUNIT_EXPECT_EQ(test, kho_track_add(track, BASE_PFN, order), 0);
	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		KUNIT_EXPECT_TRUE(test, kho_track_has(track, BASE_PFN, order));
		KUNIT_EXPECT_EQ(test, track->nr_blocks[order], 1UL);
	}
	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		KUNIT_EXPECT_EQ(test, kho_track_del(track, BASE_PFN, order), 0);
	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN, order));
}

/* 256 MiB of order-0 pages: metadata stays at one bit per page. */
static void large_range_costs_one_bit_per_page(struct kunit *test)
{
	struct kho_track *track = test->priv;
	const unsigned long nr = 65536;
	unsigned long pfn, bitmaps;

	for (pfn = BASE_PFN; pfn < BASE_PFN + nr; pfn++)
		KUNIT_ASSERT_EQ(test, kho_track_add(track, pfn, 0), 0);
	KUNIT_EXPECT_EQ(test, track->nr_blocks[0], nr);

	bitmaps = DIV_ROUND_UP(nr, KHO_CHUNK_BITS);
	/* One directory page holds them all. */
	KUNIT_EXPECT_EQ(test, track->nr_meta_pages, bitmaps + 1);
}

struct walk_result {
	unsigned long blocks[NR_PAGE_ORDERS];
	struct kho_track *track;
	bool unknown;
};

static bool page_always_ok(phys_addr_t phys, void *arg)
{
	return true;
}

static int collect_block(unsigned long pfn, unsigned int order, void *arg)
{
	struct walk_result *res = arg;

	res->blocks[order]++;
	if (!kho_track_has(res->track, pfn, order))
		res->unknown = true;
	return 0;
}

static int walk(struct kho_track *track, struct walk_result *res)
{
	struct kho_map_walk w = {
		.page_ok = page_always_ok,
		.block = collect_block,
		.arg = res,
	};

	memset(res, 0, sizeof(*res));
	res->track = track;
	return kho_map_walk(virt_to_phys(track->head), &w);
}

/* What the next kernel reads back is exactly what was recorded. */
static void handover_round_trip(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;
	unsigned int order;
	unsigned long i;

	/* Enough chunks to need several directory pages. */
	for (i = 0; i < 2 * KHO_MAP_ENTRIES; i++)
		KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN + i * KHO_CHUNK_BITS, 0), 0);
	for (order = 1; order <= MAX_PAGE_ORDER; order++)
		KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN << 1, order), 0);
	KUNIT_ASSERT_EQ(test, kho_track_del(track, BASE_PFN, 0), 0);
	KUNIT_ASSERT_NE(test, track->head->next, 0ULL);

	KUNIT_ASSERT_EQ(test, walk(track, &res), 0);
	KUNIT_EXPECT_FALSE(test, res.unknown);
	for (order = 0; order <= MAX_PAGE_ORDER; order++)
		KUNIT_EXPECT_EQ(test, res.blocks[order], track->nr_blocks[order]);
}

static void walk_refuses_oversized_directory(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;

	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN, 0), 0);
	track->head->nr = KHO_MAP_ENTRIES + 1;
	KUNIT_EXPECT_EQ(test, walk(track, &res), -EINVAL);
	track->head->nr = 1;
}

static void walk_refuses_bad_order(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;

	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN, 0), 0);
	track->head->entries[0].order = MAX_PAGE_ORDER + 1;
	KUNIT_EXPECT_EQ(test, walk(track, &res), -EINVAL);
	track->head->entries[0].order = 0;
}

static void walk_refuses_cycle(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;

	track->head->next = virt_to_phys(track->head);
	KUNIT_EXPECT_EQ(test, walk(track, &res), -ELOOP);
	track->head->next = 0;
}

static bool page_never_ok(phys_addr_t phys, void *arg)
{
	return false;
}

static void walk_checks_every_page(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct kho_map_walk w = {
		.page_ok = page_never_ok,
		.block = collect_block,
	};

	KUNIT_EXPECT_EQ(test, kho_map_walk(virt_to_phys(track->head), &w), -EINVAL);
}

static struct kunit_case kho_track_cases[] = {
	KUNIT_CASE(add_then_del),
	KUNIT_CASE(double_add_and_missing_del_fail),
	KUNIT_CASE(bad_order_or_alignment_fails),
	KUNIT_CASE(adjacent_blocks_are_independent),
	KUNIT_CASE(every_order),
	KUNIT_CASE(large_range_costs_one_bit_per_page),
	KUNIT_CASE(handover_round_trip),
	KUNIT_CASE(walk_refuses_oversized_directory),
	KUNIT_CASE(walk_refuses_bad_order),
	KUNIT_CASE(walk_refuses_cycle),
	KUNIT_CASE(walk_checks_every_page),
	{}
};

static struct kunit_suite kho_track_suite = {
	.name = "kho_track",
	.init = kho_track_test_init,
	.exit = kho_track_test_exit,
	.test_cases = kho_track_cases,
};

kunit_test_suite(kho_track_suite);

MODULE_DESCRIPTION("KUnit tests of the kexec handover tracker");
MODULE_LICENSE("GPL");
