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
#include <linux/slab.h>

#include "kexec_handover_internal.h"

/* Far enough out that several bitmap chunks of every order are in use. */
#define BASE_PFN	BIT(24)
/* Pages in a block of the largest order */
#define GIGANTIC_PAGES	BIT(KHO_MAX_FOLIO_ORDER)

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
	KUNIT_EXPECT_EQ(test, kho_track_add(track, BASE_PFN, KHO_MAX_FOLIO_ORDER + 1),
			-EINVAL);
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

	/* Up to a gigantic page: a 1 GiB hugetlb folio is one block. */
	KUNIT_EXPECT_GE(test, KHO_MAX_FOLIO_ORDER, MAX_PAGE_ORDER);
	for (order = 0; order <= KHO_MAX_FOLIO_ORDER; order++)
		KUNIT_EXPECT_EQ(test, kho_track_add(track, BASE_PFN, order), 0);
	for (order = 0; order <= KHO_MAX_FOLIO_ORDER; order++) {
		KUNIT_EXPECT_TRUE(test, kho_track_has(track, BASE_PFN, order));
		KUNIT_EXPECT_EQ(test, track->nr_blocks[order], 1UL);
	}
	for (order = 0; order <= KHO_MAX_FOLIO_ORDER; order++)
		KUNIT_EXPECT_EQ(test, kho_track_del(track, BASE_PFN, order), 0);
	for (order = 0; order <= KHO_MAX_FOLIO_ORDER; order++)
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

/* A batch's changes are the tracker's, across chunks and orders. */
static void batch_adds_and_dels_as_single_calls_do(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct kho_track_batch batch;
	const unsigned long nr = 2 * KHO_CHUNK_BITS + 3;
	unsigned long pfn;

	kho_track_batch_begin(track, &batch);
	for (pfn = BASE_PFN; pfn < BASE_PFN + nr; pfn++)
		KUNIT_ASSERT_EQ(test, kho_track_batch_add(&batch, pfn, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add(&batch, BASE_PFN, 2), 0);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add(&batch, BASE_PFN + 1, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add(&batch, BASE_PFN + 1, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_batch_del(&batch, BASE_PFN + KHO_CHUNK_BITS, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_track_batch_del(&batch, BASE_PFN + KHO_CHUNK_BITS, 0),
			-ENOENT);
	kho_track_batch_end(&batch);

	KUNIT_EXPECT_EQ(test, track->nr_blocks[0], nr - 1);
	KUNIT_EXPECT_EQ(test, track->nr_blocks[2], 1UL);
	KUNIT_EXPECT_TRUE(test, kho_track_has(track, BASE_PFN + nr - 1, 0));
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN + KHO_CHUNK_BITS, 0));
	KUNIT_EXPECT_TRUE(test, kho_track_has(track, BASE_PFN, 2));
	/* Three order-0 chunks and one order-2 chunk, and the directory. */
	KUNIT_EXPECT_EQ(test, track->nr_meta_pages, 5UL);
	/* Single calls see the batch's blocks. */
	KUNIT_EXPECT_EQ(test, kho_track_del(track, BASE_PFN, 2), 0);
	KUNIT_EXPECT_EQ(test, kho_track_add(track, BASE_PFN + 2, 0), -EEXIST);
}

/* A batch that only deletes creates no bitmap chunk. */
static void batch_del_of_unknown_chunk_creates_nothing(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct kho_track_batch batch;

	kho_track_batch_begin(track, &batch);
	KUNIT_EXPECT_EQ(test, kho_track_batch_del(&batch, BASE_PFN, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, kho_track_batch_del(&batch, BASE_PFN, 0), -ENOENT);
	kho_track_batch_end(&batch);
	KUNIT_EXPECT_EQ(test, track->nr_meta_pages, 1UL);
}

/* A run records each of its blocks, as many single adds would. */
static void run_adds_each_block(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct kho_track_batch batch;
	unsigned long pfn;

	kho_track_batch_begin(track, &batch);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add_run(&batch, BASE_PFN + 3, 130, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add_run(&batch, BASE_PFN, 5, 2), 0);
	kho_track_batch_end(&batch);

	KUNIT_EXPECT_EQ(test, track->nr_blocks[0], 130UL);
	KUNIT_EXPECT_EQ(test, track->nr_blocks[2], 5UL);
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN + 2, 0));
	for (pfn = BASE_PFN + 3; pfn < BASE_PFN + 133; pfn++)
		KUNIT_EXPECT_TRUE(test, kho_track_has(track, pfn, 0));
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN + 133, 0));
	for (pfn = BASE_PFN; pfn < BASE_PFN + 20; pfn += 4)
		KUNIT_EXPECT_TRUE(test, kho_track_has(track, pfn, 2));
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN + 20, 2));
	/* Each block is one of its own: it is deleted alone. */
	KUNIT_EXPECT_EQ(test, kho_track_del(track, BASE_PFN + 64, 0), 0);
	KUNIT_EXPECT_TRUE(test, kho_track_has(track, BASE_PFN + 63, 0));
	KUNIT_EXPECT_TRUE(test, kho_track_has(track, BASE_PFN + 65, 0));
}

/* A run over a block recorded already records none of its blocks. */
static void run_over_recorded_block_adds_nothing(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct kho_track_batch batch;

	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN + 99, 0), 0);
	kho_track_batch_begin(track, &batch);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add_run(&batch, BASE_PFN, 100, 0), -EEXIST);
	kho_track_batch_end(&batch);
	KUNIT_EXPECT_EQ(test, track->nr_blocks[0], 1UL);
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN, 0));
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, BASE_PFN + 98, 0));
}

/* A run stays in one bitmap chunk, has a block, and is aligned. */
static void run_out_of_its_chunk_fails(struct kunit *test)
{
	struct kho_track *track = test->priv;
	const unsigned long last = BASE_PFN + KHO_CHUNK_BITS - 1;
	struct kho_track_batch batch;

	KUNIT_EXPECT_EQ(test, kho_track_run_max(last, 0), 1UL);
	KUNIT_EXPECT_EQ(test, kho_track_run_max(BASE_PFN, 0), (unsigned long)KHO_CHUNK_BITS);
	kho_track_batch_begin(track, &batch);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add_run(&batch, last, 2, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add_run(&batch, BASE_PFN, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add_run(&batch, BASE_PFN + 1, 2, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_track_batch_add_run(&batch, last, 1, 0), 0);
	kho_track_batch_end(&batch);
	KUNIT_EXPECT_EQ(test, track->nr_blocks[0], 1UL);
	KUNIT_EXPECT_FALSE(test, kho_track_has(track, last + 1, 0));
}

struct walk_result {
	unsigned long blocks[KHO_NR_ORDERS];
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

static void *index_alloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL);
}

/* Read @track's handover as the next kernel would, with @max_pages of RAM. */
static int check_max(struct kho_track *track, struct walk_result *res,
		     unsigned long max_pages)
{
	struct kho_map_read read = {
		.page_ok = page_always_ok,
		.block = collect_block,
		.alloc = index_alloc,
		.max_pages = max_pages,
		.arg = res,
	};
	struct kho_map_index index;
	int err;

	memset(res, 0, sizeof(*res));
	res->track = track;
	err = kho_map_check(virt_to_phys(track->head), &read, &index);
	kvfree(index.chunks);
	return err;
}

static int check(struct kho_track *track, struct walk_result *res)
{
	return check_max(track, res, ULONG_MAX);
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
	/* A block of every order, each in its own place. */
	for (order = 1; order <= KHO_MAX_FOLIO_ORDER; order++)
		KUNIT_ASSERT_EQ(test, kho_track_add(track, (BASE_PFN << 1) +
						     order * GIGANTIC_PAGES,
						     order), 0);
	KUNIT_ASSERT_EQ(test, kho_track_del(track, BASE_PFN, 0), 0);
	KUNIT_ASSERT_NE(test, track->head->next, 0ULL);

	KUNIT_ASSERT_EQ(test, check(track, &res), 0);
	KUNIT_EXPECT_FALSE(test, res.unknown);
	for (order = 0; order <= KHO_MAX_FOLIO_ORDER; order++)
		KUNIT_EXPECT_EQ(test, res.blocks[order], track->nr_blocks[order]);
}

static void check_refuses_oversized_directory(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;

	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN, 0), 0);
	track->head->nr = KHO_MAP_ENTRIES + 1;
	KUNIT_EXPECT_EQ(test, check(track, &res), -EINVAL);
	track->head->nr = 1;
}

static void check_refuses_bad_order(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;

	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN, 0), 0);
	track->head->entries[0].order = KHO_MAX_FOLIO_ORDER + 1;
	KUNIT_EXPECT_EQ(test, check(track, &res), -EINVAL);
	track->head->entries[0].order = 0;
}

/* A looping chain ends once it lists more pages than RAM has. */
static void check_refuses_cycle(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;

	track->head->next = virt_to_phys(track->head);
	KUNIT_EXPECT_EQ(test, check_max(track, &res, 1000), -ELOOP);
	track->head->next = 0;
}

static bool page_never_ok(phys_addr_t phys, void *arg)
{
	return false;
}

static void check_checks_every_page(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct kho_map_read read = {
		.page_ok = page_never_ok,
		.block = collect_block,
		.alloc = index_alloc,
		.max_pages = ULONG_MAX,
	};
	struct kho_map_index index;

	KUNIT_EXPECT_EQ(test, kho_map_check(virt_to_phys(track->head), &read,
					    &index), -EINVAL);
	kvfree(index.chunks);
}

/* Blocks of two orders over the same pages are refused, whichever pages. */
static void check_refuses_overlap_across_orders(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;

	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN + 1, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN, 1), 0);
	KUNIT_EXPECT_EQ(test, check(track, &res), -EINVAL);
	KUNIT_ASSERT_EQ(test, kho_track_del(track, BASE_PFN, 1), 0);
	KUNIT_EXPECT_EQ(test, check(track, &res), 0);

	/* The last page under a block of the largest order. */
	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN + MAX_ORDER_NR_PAGES - 1, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN, MAX_PAGE_ORDER), 0);
	KUNIT_EXPECT_EQ(test, check(track, &res), -EINVAL);
	/* Next to it, not under it, is fine. */
	KUNIT_ASSERT_EQ(test, kho_track_del(track, BASE_PFN + 1, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_track_del(track, BASE_PFN + MAX_ORDER_NR_PAGES - 1, 0), 0);
	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN + MAX_ORDER_NR_PAGES, 0), 0);
	KUNIT_EXPECT_EQ(test, check(track, &res), 0);
}

/*
 * A gigantic block covers several bitmap chunks of order 0 (a GiB of pages
 * is eight): a page under it is found in any of them, the last one too.
 */
static void check_refuses_overlap_under_gigantic_block(struct kunit *test)
{
	struct kho_track *track = test->priv;
	const unsigned long last = BASE_PFN + GIGANTIC_PAGES - 1;
	struct walk_result res;

	KUNIT_ASSERT_GT(test, GIGANTIC_PAGES, (unsigned long)KHO_CHUNK_BITS);
	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN, KHO_MAX_FOLIO_ORDER), 0);
	KUNIT_ASSERT_EQ(test, kho_track_add(track, last, 0), 0);
	KUNIT_EXPECT_EQ(test, check(track, &res), -EINVAL);
	KUNIT_ASSERT_EQ(test, kho_track_del(track, last, 0), 0);

	/* A 2 MiB block in a middle chunk. */
	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN + 5 * KHO_CHUNK_BITS, 9), 0);
	KUNIT_EXPECT_EQ(test, check(track, &res), -EINVAL);
	KUNIT_ASSERT_EQ(test, kho_track_del(track, BASE_PFN + 5 * KHO_CHUNK_BITS, 9), 0);

	/* Right after it is fine, and both are walked. */
	KUNIT_ASSERT_EQ(test, kho_track_add(track, last + 1, 0), 0);
	KUNIT_EXPECT_EQ(test, check(track, &res), 0);
	KUNIT_EXPECT_EQ(test, res.blocks[KHO_MAX_FOLIO_ORDER], 1UL);
	KUNIT_EXPECT_EQ(test, res.blocks[0], 1UL);
	KUNIT_EXPECT_FALSE(test, res.unknown);
}

/* A bitmap chunk listed twice would make its blocks count twice. */
static void check_refuses_repeated_chunk(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;

	KUNIT_ASSERT_EQ(test, kho_track_add(track, BASE_PFN, 0), 0);
	track->head->entries[1] = track->head->entries[0];
	track->head->nr = 2;
	KUNIT_EXPECT_EQ(test, check(track, &res), -EINVAL);
	track->head->nr = 1;
	memset(&track->head->entries[1], 0, sizeof(track->head->entries[1]));
}

/* More preserved pages than RAM has cannot be: refused before any block. */
static void check_refuses_more_pages_than_ram(struct kunit *test)
{
	struct kho_track *track = test->priv;
	struct walk_result res;
	unsigned long pfn;

	for (pfn = BASE_PFN; pfn < BASE_PFN + 16; pfn++)
		KUNIT_ASSERT_EQ(test, kho_track_add(track, pfn, 0), 0);
	/* 16 pages, a bitmap and a directory page: 18 pages of RAM at least. */
	KUNIT_EXPECT_EQ(test, check_max(track, &res, 18), 0);
	KUNIT_EXPECT_EQ(test, check_max(track, &res, 17), -E2BIG);
	KUNIT_EXPECT_EQ(test, res.blocks[0], 0UL);
}

/* The scratch array's size, as the previous kernel gave it. */
static void scratch_count_is_bounded(struct kunit *test)
{
	const u64 one = sizeof(struct kho_scratch);

	KUNIT_EXPECT_EQ(test, kho_scratch_count(one), 1U);
	KUNIT_EXPECT_EQ(test, kho_scratch_count(KHO_MAX_SCRATCH * one),
			(unsigned int)KHO_MAX_SCRATCH);
	KUNIT_EXPECT_EQ(test, kho_scratch_count(0), 0U);
	KUNIT_EXPECT_EQ(test, kho_scratch_count(one + 1), 0U);
	KUNIT_EXPECT_EQ(test, kho_scratch_count((KHO_MAX_SCRATCH + 1) * one), 0U);
	/* Would be one area after truncation to 32 bits. */
	KUNIT_EXPECT_EQ(test, kho_scratch_count((BIT_ULL(32) + 1) * one), 0U);
}

static struct kunit_case kho_track_cases[] = {
	KUNIT_CASE(add_then_del),
	KUNIT_CASE(double_add_and_missing_del_fail),
	KUNIT_CASE(bad_order_or_alignment_fails),
	KUNIT_CASE(adjacent_blocks_are_independent),
	KUNIT_CASE(every_order),
	KUNIT_CASE(large_range_costs_one_bit_per_page),
	KUNIT_CASE(batch_adds_and_dels_as_single_calls_do),
	KUNIT_CASE(batch_del_of_unknown_chunk_creates_nothing),
	KUNIT_CASE(run_adds_each_block),
	KUNIT_CASE(run_over_recorded_block_adds_nothing),
	KUNIT_CASE(run_out_of_its_chunk_fails),
	KUNIT_CASE(handover_round_trip),
	KUNIT_CASE(check_refuses_oversized_directory),
	KUNIT_CASE(check_refuses_bad_order),
	KUNIT_CASE(check_refuses_cycle),
	KUNIT_CASE(check_checks_every_page),
	KUNIT_CASE(check_refuses_overlap_across_orders),
	KUNIT_CASE(check_refuses_overlap_under_gigantic_block),
	KUNIT_CASE(check_refuses_repeated_chunk),
	KUNIT_CASE(check_refuses_more_pages_than_ram),
	KUNIT_CASE(scratch_count_is_bounded),
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
