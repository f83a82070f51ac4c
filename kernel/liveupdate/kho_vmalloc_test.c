// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of vmalloc preservation in kexec handover, within one
 * kernel: what is preserved and given back, and what is refused.  That an
 * area comes back after a real kexec is the kho-kexec selftest's job.
 */

#include <kunit/test.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define NR_PAGES	600	/* more than one page of chunk list */

static int kho_vmalloc_test_init(struct kunit *test)
{
	if (!kho_is_enabled())
		kunit_skip(test, "kexec handover is off (boot with kho=on)");
	return 0;
}

/* Whether page @i of the area at @vm is preserved by KHO now. */
static bool page_preserved(void *vm, unsigned int i)
{
	struct page *page = vmalloc_to_page(vm + i * PAGE_SIZE);

	if (kho_preserve_pages(page, 1) == -EEXIST)
		return true;
	kho_unpreserve_pages(page, 1);
	return false;
}

static void preserve_then_unpreserve(struct kunit *test)
{
	struct kho_vmalloc p;
	void *vm = vmalloc(NR_PAGES * PAGE_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_EQ(test, kho_preserve_vmalloc(vm, &p), 0);
	KUNIT_EXPECT_EQ(test, p.nr_pages, NR_PAGES);
	KUNIT_EXPECT_EQ(test, p.order, 0);
	KUNIT_EXPECT_EQ(test, p.flags, 0);
	KUNIT_EXPECT_NE(test, p.first, 0ULL);
	KUNIT_EXPECT_TRUE(test, page_preserved(vm, 0));
	KUNIT_EXPECT_TRUE(test, page_preserved(vm, NR_PAGES - 1));

	kho_unpreserve_vmalloc(&p);
	KUNIT_EXPECT_EQ(test, p.first, 0ULL);
	KUNIT_EXPECT_FALSE(test, page_preserved(vm, 0));
	KUNIT_EXPECT_FALSE(test, page_preserved(vm, NR_PAGES - 1));
	vfree(vm);
}

static void chunk_list_lists_every_page(struct kunit *test)
{
	struct kho_vmalloc_chunk *chunk;
	unsigned int n = 0, chunks = 0, i;
	void *vm = vmalloc(NR_PAGES * PAGE_SIZE);
	struct kho_vmalloc p;
	u64 next;

	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_EQ(test, kho_preserve_vmalloc(vm, &p), 0);
	for (next = p.first; next; next = chunk->next, chunks++) {
		chunk = phys_to_virt(next);
		for (i = 0; i < chunk->count; i++, n++)
			KUNIT_EXPECT_EQ(test, chunk->phys[i],
					(u64)page_to_phys(vmalloc_to_page(vm + n * PAGE_SIZE)));
	}
	KUNIT_EXPECT_EQ(test, n, NR_PAGES);
	KUNIT_EXPECT_EQ(test, chunks, 2);
	kho_unpreserve_vmalloc(&p);
	vfree(vm);
}

static void vmap_is_refused(struct kunit *test)
{
	struct page *pages[2];
	struct kho_vmalloc p;
	void *vm;

	pages[0] = alloc_page(GFP_KERNEL);
	pages[1] = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, pages[0] && pages[1]);
	vm = vmap(pages, 2, VM_MAP, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_EXPECT_EQ(test, kho_preserve_vmalloc(vm, &p), -EOPNOTSUPP);
	vunmap(vm);
	__free_page(pages[0]);
	__free_page(pages[1]);
}

static void not_an_area_start_is_refused(struct kunit *test)
{
	void *vm = vmalloc(2 * PAGE_SIZE), *km = kmalloc(64, GFP_KERNEL);
	struct kho_vmalloc p;

	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_NOT_NULL(test, km);
	KUNIT_EXPECT_EQ(test, kho_preserve_vmalloc(km, &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_preserve_vmalloc(vm + PAGE_SIZE, &p), -EINVAL);
	KUNIT_EXPECT_FALSE(test, page_preserved(vm, 0));
	kfree(km);
	vfree(vm);
}

static void restore_refuses_malformed(struct kunit *test)
{
	struct kho_vmalloc bad = { .first = PAGE_SIZE, .nr_pages = 3, .order = 1 };

	/* nr_pages not a multiple of the chunk size */
	KUNIT_EXPECT_NULL(test, kho_restore_vmalloc(&bad));
	bad.order = 0;
	bad.flags = 1;
	KUNIT_EXPECT_NULL(test, kho_restore_vmalloc(&bad));
	bad.flags = 0;
	bad.nr_pages = 0;
	KUNIT_EXPECT_NULL(test, kho_restore_vmalloc(&bad));
	/* Memory that was never handed over. */
	bad.nr_pages = 1;
	KUNIT_EXPECT_NULL(test, kho_restore_vmalloc(&bad));
}

/*
 * More pages than the machine has: refused before an array of that many
 * page pointers is asked for (2^31 of them would be 16 GiB, beyond what
 * kvmalloc() gives, and a warning).
 */
static void restore_refuses_more_pages_than_ram(struct kunit *test)
{
	struct kho_vmalloc bad = { .first = PAGE_SIZE, .nr_pages = BIT(31) };

	KUNIT_EXPECT_NULL(test, kho_restore_vmalloc(&bad));
	bad.nr_pages = get_num_physpages() + 1;
	KUNIT_EXPECT_NULL(test, kho_restore_vmalloc(&bad));
}

static struct kunit_case kho_vmalloc_cases[] = {
	KUNIT_CASE(preserve_then_unpreserve),
	KUNIT_CASE(chunk_list_lists_every_page),
	KUNIT_CASE(vmap_is_refused),
	KUNIT_CASE(not_an_area_start_is_refused),
	KUNIT_CASE(restore_refuses_malformed),
	KUNIT_CASE(restore_refuses_more_pages_than_ram),
	{}
};

static struct kunit_suite kho_vmalloc_suite = {
	.name = "kho_vmalloc",
	.init = kho_vmalloc_test_init,
	.test_cases = kho_vmalloc_cases,
};
kunit_test_suite(kho_vmalloc_suite);

MODULE_DESCRIPTION("KUnit tests of kexec handover vmalloc preservation");
MODULE_LICENSE("GPL");
