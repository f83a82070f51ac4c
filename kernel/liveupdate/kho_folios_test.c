// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of preserving many folios at once in kexec handover, within
 * one kernel: kho_preserve_folios() preserves what kho_preserve_folio()
 * would, all or nothing.  That the folios come back after a real kexec is
 * the kho-kexec and bench selftests' job.
 */

#include <kunit/test.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>

#define NR_FOLIOS	8

static int kho_folios_test_init(struct kunit *test)
{
	struct folio **folios;
	unsigned int i;

	if (!kho_is_enabled())
		kunit_skip(test, "kexec handover is off (boot with kho=on)");
	folios = kunit_kcalloc(test, NR_FOLIOS, sizeof(*folios), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, folios);
	/* Unmovable, so never in a scratch area; orders 0 to 3. */
	for (i = 0; i < NR_FOLIOS; i++) {
		folios[i] = folio_alloc(GFP_KERNEL, i % 4);
		KUNIT_ASSERT_NOT_NULL(test, folios[i]);
	}
	test->priv = folios;
	return 0;
}

static void kho_folios_test_exit(struct kunit *test)
{
	struct folio **folios = test->priv;
	unsigned int i;

	for (i = 0; folios && i < NR_FOLIOS; i++) {
		kho_unpreserve_folio(folios[i]);
		folio_put(folios[i]);
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
	struct folio **folios = test->priv;
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
	struct folio **folios = test->priv;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kho_preserve_folio(folios[5]), 0);
	KUNIT_EXPECT_EQ(test, kho_preserve_folios(folios, NR_FOLIOS), -EEXIST);
	for (i = 0; i < NR_FOLIOS; i++)
		KUNIT_EXPECT_EQ(test, preserved(folios[i]), i == 5);
}

/* A folio listed twice fails the batch; nothing stays preserved. */
static void folio_listed_twice_fails_all(struct kunit *test)
{
	struct folio **folios = test->priv;
	struct folio *twice[3] = { folios[0], folios[1], folios[0] };
	unsigned int i;

	KUNIT_EXPECT_EQ(test, kho_preserve_folios(twice, 3), -EEXIST);
	for (i = 0; i < NR_FOLIOS; i++)
		KUNIT_EXPECT_FALSE(test, preserved(folios[i]));
}

/* Unpreserving goes on past a folio that is not preserved, and says so. */
static void unpreserve_reports_missing_folio(struct kunit *test)
{
	struct folio **folios = test->priv;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kho_preserve_folios(folios, NR_FOLIOS), 0);
	KUNIT_ASSERT_EQ(test, kho_unpreserve_folio(folios[2]), 0);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folios(folios, NR_FOLIOS), -ENOENT);
	for (i = 0; i < NR_FOLIOS; i++)
		KUNIT_EXPECT_FALSE(test, preserved(folios[i]));
}

static void empty_batch_is_a_no_op(struct kunit *test)
{
	struct folio **folios = test->priv;

	KUNIT_EXPECT_EQ(test, kho_preserve_folios(folios, 0), 0);
	KUNIT_EXPECT_EQ(test, kho_unpreserve_folios(folios, 0), 0);
	KUNIT_EXPECT_FALSE(test, preserved(folios[0]));
}

static struct kunit_case kho_folios_cases[] = {
	KUNIT_CASE(preserves_every_folio),
	KUNIT_CASE(preserved_folio_fails_all),
	KUNIT_CASE(folio_listed_twice_fails_all),
	KUNIT_CASE(unpreserve_reports_missing_folio),
	KUNIT_CASE(empty_batch_is_a_no_op),
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
