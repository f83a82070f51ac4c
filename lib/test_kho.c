// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec handover test driver, for the live update selftests.
 *
 * /sys/kernel/debug/kho_test/preserve: write a seed to allocate folios of
 *	several orders and a page range, fill them with data derived from the
 *	seed, and preserve them together with a blob that lists them and
 *	their checksums (subtree "kho-test").
 * /sys/kernel/debug/kho_test/verify: read, in the next kernel, to restore
 *	everything the blob lists, check every checksum and that a second
 *	restore fails, and free it.  Prints "pass ..." or "FAIL: ...".
 * /sys/kernel/debug/kho_test/carry: write 1, in the next kernel, to do what
 *	verify does but preserve the even-numbered entries again, in a new
 *	blob, for the kernel after it; the odd-numbered ones are freed.  Reads
 *	of verify then report what was carried.
 */

#define pr_fmt(fmt) "kho_test: " fmt

#include <linux/debugfs.h>
#include <linux/kexec_handover.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xxhash.h>

#define KHO_TEST_NAME		"kho-test"
#define KHO_TEST_MAGIC		0x4b484f54455354ULL	/* "KHOTEST" */
#define KHO_TEST_MAX_ORDER	5
#define KHO_TEST_PER_ORDER	4
#define KHO_TEST_RANGE_PAGES	37
#define KHO_TEST_BIG_ORDER	9	/* 2 MiB folios, so freed memory shows */
#define KHO_TEST_BIG		16
#define KHO_TEST_NR \
	((KHO_TEST_MAX_ORDER + 1) * KHO_TEST_PER_ORDER + 1 + KHO_TEST_BIG)

struct kho_test_entry {
	u64 phys;
	u32 nr_pages;
	u32 order;		/* folio order, or U32_MAX for a page range */
	u64 csum;
};

struct kho_test_blob {
	u64 magic;
	u64 seed;
	u32 nr;
	u32 reserved;
	struct kho_test_entry entries[KHO_TEST_NR];
};

#define KHO_TEST_RANGE		U32_MAX

static struct {
	struct mutex lock;	/* one action at a time */
	struct kho_test_blob *blob;
	char result[160];
} kho_test = {
	.lock = __MUTEX_INITIALIZER(kho_test.lock),
};

static void kho_test_fill(void *mem, size_t size, u64 seed)
{
	u64 *p = mem, x = seed | 1;
	size_t i;

	for (i = 0; i < size / sizeof(*p); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
}

static u64 kho_test_csum(struct page *page, unsigned long nr_pages)
{
	u64 csum = 0;
	unsigned long i;

	for (i = 0; i < nr_pages; i++)
		csum = xxh64(page_address(page + i), PAGE_SIZE, csum);
	return csum;
}

static int kho_test_add(struct kho_test_blob *blob, struct page *page,
			unsigned long nr_pages, u32 order)
{
	struct kho_test_entry *e = &blob->entries[blob->nr];
	unsigned long i;

	for (i = 0; i < nr_pages; i++)
		kho_test_fill(page_address(page + i), PAGE_SIZE,
			      blob->seed ^ (page_to_pfn(page) + i));
	e->phys = page_to_phys(page);
	e->nr_pages = nr_pages;
	e->order = order;
	e->csum = kho_test_csum(page, nr_pages);
	blob->nr++;

	if (order == KHO_TEST_RANGE)
		return kho_preserve_pages(page, nr_pages);
	return kho_preserve_folio(page_folio(page));
}

static int kho_test_preserve(u64 seed)
{
	struct kho_test_blob *blob;
	unsigned int order, i;
	struct folio *folio;
	void *range;
	int err;

	if (kho_test.blob)
		return -EBUSY;
	blob = kho_alloc_preserve(sizeof(*blob));
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	blob->magic = KHO_TEST_MAGIC;
	blob->seed = seed;

	/* The memory stays allocated (and preserved) until the kexec. */
	for (order = 0; order <= KHO_TEST_MAX_ORDER; order++) {
		for (i = 0; i < KHO_TEST_PER_ORDER; i++) {
			folio = folio_alloc(GFP_KERNEL, order);
			if (!folio)
				return -ENOMEM;
			err = kho_test_add(blob, &folio->page, 1UL << order, order);
			if (err)
				return err;
		}
	}
	range = alloc_pages_exact(KHO_TEST_RANGE_PAGES * PAGE_SIZE, GFP_KERNEL);
	if (!range)
		return -ENOMEM;
	err = kho_test_add(blob, virt_to_page(range), KHO_TEST_RANGE_PAGES,
			   KHO_TEST_RANGE);
	if (err)
		return err;
	for (i = 0; i < KHO_TEST_BIG; i++) {
		folio = folio_alloc(GFP_KERNEL, KHO_TEST_BIG_ORDER);
		if (!folio)
			return -ENOMEM;
		err = kho_test_add(blob, &folio->page, 1UL << KHO_TEST_BIG_ORDER,
				   KHO_TEST_BIG_ORDER);
		if (err)
			return err;
	}

	err = kho_add_subtree(KHO_TEST_NAME, blob, sizeof(*blob));
	if (err)
		return err;
	kho_test.blob = blob;
	pr_info("preserved %u entries, seed %llu\n", blob->nr, seed);
	return 0;
}

static int kho_test_restore(const struct kho_test_entry *e, struct page **pagep)
{
	struct folio *folio;
	struct page *page;

	if (e->order == KHO_TEST_RANGE) {
		page = kho_restore_pages(e->phys, e->nr_pages);
		if (!page)
			return -ENOENT;
		if (kho_restore_pages(e->phys, e->nr_pages))
			return -EEXIST;
	} else {
		folio = kho_restore_folio(e->phys);
		if (!folio)
			return -ENOENT;
		if (folio_order(folio) != e->order)
			return -EINVAL;
		if (kho_restore_folio(e->phys))
			return -EEXIST;
		page = &folio->page;
	}
	*pagep = page;
	return 0;
}

static void kho_test_release(const struct kho_test_entry *e, struct page *page)
{
	unsigned long i;

	if (e->order != KHO_TEST_RANGE) {
		folio_put(page_folio(page));
		return;
	}
	for (i = 0; i < e->nr_pages; i++)
		__free_page(page + i);
}

/* Preserve a restored entry again for the next kernel. */
static int kho_test_carry_one(struct kho_test_blob *out,
			      const struct kho_test_entry *e, struct page *page)
{
	out->entries[out->nr++] = *e;
	if (e->order == KHO_TEST_RANGE)
		return kho_preserve_pages(page, e->nr_pages);
	return kho_preserve_folio(page_folio(page));
}

/*
 * Restore and check everything the previous kernel handed over; with
 * @carry, preserve the even-numbered entries again and free the rest.
 */
static void kho_test_verify(char *res, size_t len, bool carry)
{
	struct kho_test_blob *blob, *out = NULL;
	unsigned long pages = 0, carried = 0;
	struct page *page;
	phys_addr_t phys;
	unsigned int i;
	size_t size;
	int err;

	err = kho_retrieve_subtree(KHO_TEST_NAME, &phys, &size);
	if (err) {
		snprintf(res, len, "FAIL: no %s subtree (%d)\n", KHO_TEST_NAME, err);
		return;
	}
	blob = phys_to_virt(phys);
	if (size != sizeof(*blob) || blob->magic != KHO_TEST_MAGIC ||
	    blob->nr > KHO_TEST_NR) {
		snprintf(res, len, "FAIL: blob malformed\n");
		return;
	}
	if (carry) {
		out = kho_alloc_preserve(sizeof(*out));
		if (IS_ERR(out)) {
			snprintf(res, len, "FAIL: blob for the next kernel: %ld\n",
				 PTR_ERR(out));
			return;
		}
		out->magic = KHO_TEST_MAGIC;
		out->seed = blob->seed;
	}

	for (i = 0; i < blob->nr; i++) {
		const struct kho_test_entry *e = &blob->entries[i];

		err = kho_test_restore(e, &page);
		if (err) {
			snprintf(res, len, "FAIL: entry %u at %llx: restore %d\n",
				 i, e->phys, err);
			return;
		}
		if (kho_test_csum(page, e->nr_pages) != e->csum) {
			snprintf(res, len, "FAIL: entry %u at %llx: checksum\n", i, e->phys);
			return;
		}
		pages += e->nr_pages;
		if (carry && !(i % 2)) {
			err = kho_test_carry_one(out, e, page);
			if (err) {
				snprintf(res, len, "FAIL: entry %u: preserve again %d\n", i, err);
				return;
			}
			carried += e->nr_pages;
			continue;
		}
		kho_test_release(e, page);
	}
	if (carry) {
		err = kho_add_subtree(KHO_TEST_NAME, out, sizeof(*out));
		if (err) {
			snprintf(res, len, "FAIL: subtree for the next kernel: %d\n", err);
			return;
		}
		kho_test.blob = out;
	}
	snprintf(res, len, "pass %u entries %lu pages carried %lu pages seed %llu\n",
		 blob->nr, pages, carried, blob->seed);
	kho_restore_free(blob);
}

static ssize_t kho_test_preserve_write(struct file *file, const char __user *buf,
				       size_t len, loff_t *ppos)
{
	u64 seed;
	int err;

	err = kstrtou64_from_user(buf, len, 0, &seed);
	if (err)
		return err;
	guard(mutex)(&kho_test.lock);
	err = kho_test_preserve(seed);
	return err ? err : len;
}

static ssize_t kho_test_verify_read(struct file *file, char __user *buf,
				    size_t len, loff_t *ppos)
{
	guard(mutex)(&kho_test.lock);
	if (!kho_test.result[0])
		kho_test_verify(kho_test.result, sizeof(kho_test.result), false);
	return simple_read_from_buffer(buf, len, ppos, kho_test.result,
				       strlen(kho_test.result));
}

static ssize_t kho_test_carry_write(struct file *file, const char __user *buf,
				    size_t len, loff_t *ppos)
{
	guard(mutex)(&kho_test.lock);
	if (kho_test.result[0] || kho_test.blob)
		return -EBUSY;
	kho_test_verify(kho_test.result, sizeof(kho_test.result), true);
	pr_info("carry: %s", kho_test.result);
	return strncmp(kho_test.result, "pass", 4) ? -EIO : len;
}

static const struct file_operations kho_test_carry_fops = {
	.write = kho_test_carry_write,
};

static const struct file_operations kho_test_preserve_fops = {
	.write = kho_test_preserve_write,
};

static const struct file_operations kho_test_verify_fops = {
	.read = kho_test_verify_read,
};

static int __init kho_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("kho_test", NULL);

	debugfs_create_file("preserve", 0200, dir, NULL, &kho_test_preserve_fops);
	debugfs_create_file("verify", 0400, dir, NULL, &kho_test_verify_fops);
	debugfs_create_file("carry", 0200, dir, NULL, &kho_test_carry_fops);
	return 0;
}
late_initcall(kho_test_init);
