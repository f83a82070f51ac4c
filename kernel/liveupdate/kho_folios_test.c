// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of preserving many folios at once in kexec handover, within
 * one kernel: kho_preserve_folios() preserves what kho_preserve_folio()
 * would, all or nothing, whether or not the folios follow one another in
 * memory.  That the folios come back after a real kexec is
 * the kho-kexec and bench selftests' job.
 */

#include <kunit/test.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>

#define NR_FOLIOS	8
#define RUN_ORDER	4
#define NR_RUN		BIT(RUN_ORDER)

/*
 * folios: orders 0 to 3, each allocated alone.  run: order-0 folios that
 * follow one another in memory, split from one block.
 */
struct kho_folios_test {
	struct folio *folios[NR_FOLIOS];
	struct folio *run[NR_RUN];
};

static struct kho_folios_test *kt(struct kunit *test)
{
	return test->priv;
}

static int kho_folios_test_init(struct kunit *test)
{
	struct kho_folios_test *t;
	struct page *page;
	unsigned int i;

	if (!kho_is_enabled())
		kunit_skip(test, "kexec handover is off (boot with kho=on)");
	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	/* Unmovable, so never in a scratch area. */
	for (i = 0; i < NR_FOLIOS; i++) {
		t->folios[i] = folio_alloc(GFP_KERNEL, i % 4);
		KUNIT_ASSERT_NOT_NULL(test, t->folios[i]);
	}
	page = alloc_pages(GFP_KERNEL, RUN_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, page);
	split_page(page, RUN_ORDER);
	for (i = 0; i < NR_RUN; i++)
		t->run[i] = page_folio(page + i);
	return 0;
}

static void kho_folios_test_exit(struct kunit *test)
{
	struct kho_folios_test *t = kt(test);
	unsigned int i;

	for (i = 0; t && i < NR_FOLIOS && t->folios[i]; i++) {
		kho_unpreserve_folio(t->folios[i]);
		folio_put(t->folios[i]);
	}
	for (i = 0; t && i < NR_RUN && t->run[i]; i++) {
		kho_unpreserve_folio(t->run[i]);
		folio_put(t->run[i]);
	}
}

/* Whether @folio is preserved now, found by preserving it alone. */
static bool preserved(struct folio *folio)
{
	if (kho_preserve_folio(folio) == -EEXIST)
		return true;
	kho_unpreserve_folio(folio);
	return false;
}

static void preserves_every_folio(struct kunit *test)
{
	struct folio **folios = kt(test)->folios;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kho_preserve_folios(folios, NR_FOLIOS), 0);
	for (i = 0; i < NR_FOLIOS; i++)
		KUNIT_EXPECT_TRUE(test, preserved(folios[i]));
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folios(folios, NR_FOLIOS), 0);
	for (i = 0; i < NR_FOLIOS; i++)
		KUNIT_EXPECT_FALSE(test, preserved(folios[i]));
}

/* A folio preserved already fails the batch, which leaves the rest as it was. */
static void preserved_folio_fails_all(struct kunit *test)
{
	struct folio **folios = kt(test)->folios;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kho_preserve_folio(folios[5]), 0);
	KUNIT_EXPECT_EQ(test, kho_preserve_folios(folios, NR_FOLIOS), -EEXIST);
	for (i = 0; i < NR_FOLIOS; i++)
		KUNIT_EXPECT_EQ(test, preserved(folios[i]), i == 5);
}

/* A folio listed twice fails the batch; nothing stays preserved. */
static void folio_listed_twice_fails_all(struct kunit *test)
{
	struct folio **folios = kt(test)->folios;
	struct folio *twice[3] = { folios[0], folios[1], folios[0] };
	unsigned int i;

	KUNIT_EXPECT_EQ(test, kho_preserve_folios(twice, 3), -EEXIST);
	for (i = 0; i < NR_FOLIOS; i++)
		KUNIT_EXPECT_FALSE(test, preserved(folios[i]));
}

/* Unpreserving goes on past a folio that is not preserved, and says so. */
static void unpreserve_reports_missing_folio(struct kunit *test)
{
	struct folio **folios = kt(test)->folios;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kho_preserve_folios(folios, NR_FOLIOS), 0);
	KUNIT_ASSERT_EQ(test, kho_unpreserve_folio(folios[2]), 0);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folios(folios, NR_FOLIOS), -ENOENT);
	for (i = 0; i < NR_FOLIOS; i++)
		KUNIT_EXPECT_FALSE(test, preserved(folios[i]));
}

static void empty_batch_is_a_no_op(struct kunit *test)
{
	struct folio **folios = kt(test)->folios;

	KUNIT_EXPECT_EQ(test, kho_preserve_folios(folios, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folios(folios, 0), 0);
	KUNIT_EXPECT_FALSE(test, preserved(folios[0]));
}

/* Folios that follow one another in memory are preserved each. */
static void run_preserves_every_folio(struct kunit *test)
{
	struct folio **run = kt(test)->run;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kho_preserve_folios(run, NR_RUN), 0);
	for (i = 0; i < NR_RUN; i++)
		KUNIT_EXPECT_TRUE(test, preserved(run[i]));
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folio(run[3]), 0);
	KUNIT_EXPECT_TRUE(test, preserved(run[2]));
	KUNIT_EXPECT_TRUE(test, preserved(run[4]));
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folios(run, NR_RUN), -ENOENT);
	for (i = 0; i < NR_RUN; i++)
		KUNIT_EXPECT_FALSE(test, preserved(run[i]));
}

/* One folio of a run preserved already fails the batch, the run whole. */
static void run_over_preserved_folio_fails_all(struct kunit *test)
{
	struct folio **run = kt(test)->run;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kho_preserve_folio(run[NR_RUN - 1]), 0);
	KUNIT_EXPECT_EQ(test, kho_preserve_folios(run, NR_RUN), -EEXIST);
	for (i = 0; i < NR_RUN; i++)
		KUNIT_EXPECT_EQ(test, preserved(run[i]), i == NR_RUN - 1);
}

/* A failure after a run undoes the run too. */
static void failure_after_run_undoes_it(struct kunit *test)
{
	struct kho_folios_test *t = kt(test);
	struct folio *batch[NR_RUN + 2];
	unsigned int i;

	memcpy(batch, t->run, sizeof(t->run));
	batch[NR_RUN] = t->folios[1];
	batch[NR_RUN + 1] = t->folios[2];
	KUNIT_ASSERT_EQ(test, kho_preserve_folio(t->folios[2]), 0);
	KUNIT_EXPECT_EQ(test, kho_preserve_folios(batch, NR_RUN + 2), -EEXIST);
	for (i = 0; i < NR_RUN + 1; i++)
		KUNIT_EXPECT_FALSE(test, preserved(batch[i]));
	KUNIT_EXPECT_TRUE(test, preserved(t->folios[2]));
}

/* Listed backwards, the same folios make no run and are preserved alike. */
static void reversed_run_preserves_every_folio(struct kunit *test)
{
	struct folio **run = kt(test)->run;
	struct folio *reversed[NR_RUN];
	unsigned int i;

	for (i = 0; i < NR_RUN; i++)
		reversed[i] = run[NR_RUN - 1 - i];
	KUNIT_ASSERT_EQ(test, kho_preserve_folios(reversed, NR_RUN), 0);
	for (i = 0; i < NR_RUN; i++)
		KUNIT_EXPECT_TRUE(test, preserved(run[i]));
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folios(run, NR_RUN), 0);
}

static struct kunit_case kho_folios_cases[] = {
	KUNIT_CASE(preserves_every_folio),
	KUNIT_CASE(preserved_folio_fails_all),
	KUNIT_CASE(folio_listed_twice_fails_all),
	KUNIT_CASE(unpreserve_reports_missing_folio),
	KUNIT_CASE(empty_batch_is_a_no_op),
	KUNIT_CASE(run_preserves_every_folio),
	KUNIT_CASE(run_over_preserved_folio_fails_all),
	KUNIT_CASE(failure_after_run_undoes_it),
	KUNIT_CASE(reversed_run_preserves_every_folio),
	{}
};

static struct kunit_suite kho_folios_suite = {
	.name = "kho_folios",
	.init = kho_folios_test_init,
	.exit = kho_folios_test_exit,
	.test_cases = kho_folios_cases,
};

kunit_test_suite(kho_folios_suite);

MODULE_DESCRIPTION("KUnit tests of preserving many folios with kexec handover");
MODULE_LICENSE("GPL");
