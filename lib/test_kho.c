// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec handover test driver, for the live update selftests.
 *
 * /sys/kernel/debug/kho_test/preserve: write a seed to allocate folios of
 *	several orders, a page range and a vmalloc area, fill them with data
 *	derived from the seed, and preserve them together with a blob that
 *	lists them and their checksums (subtree "kho-test").
 * /sys/kernel/debug/kho_test/verify: read, in the next kernel, to restore
 *	everything the blob lists, check every checksum and that a second
 *	restore fails, and free it.  Prints "pass ..." or "FAIL: ...".
 * /sys/kernel/debug/kho_test/carry: write 1, in the next kernel, to do what
 *	verify does but preserve the even-numbered entries again, in a new
 *	blob, for the kernel after it; the odd-numbered ones are freed.  Reads
 *	of verify then report what was carried.
 * /sys/kernel/debug/kho_test/bench: write "ORDER MIB" to allocate MIB of
 *	folios of ORDER, time writing them once and preserving them, one
 *	kho_preserve_folio() call per folio and with kho_preserve_folios()
 *	(in reverse, where no two folios make a run, and in allocation order);
 *	read for the figures and the runs the folios make.  In the next
 *	kernel, a read of bench_restore times restoring (and then frees) what
 *	each run preserved.
 */

#define pr_fmt(fmt) "kho_test: " fmt

#include <linux/debugfs.h>
#include <linux/kexec_handover.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xxhash.h>

#define KHO_TEST_NAME		"kho-test"
#define KHO_TEST_MAGIC		0x4b484f54455354ULL	/* "KHOTEST" */
#define KHO_TEST_MAX_ORDER	5
#define KHO_TEST_PER_ORDER	4
#define KHO_TEST_RANGE_PAGES	37
#define KHO_TEST_BIG_ORDER	9	/* 2 MiB folios, so freed memory shows */
#define KHO_TEST_BIG		16
#define KHO_TEST_VMALLOC_PAGES	75	/* not a power of two */
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
	struct kho_vmalloc vm;	/* a vmalloc area, or zeroes */
	u64 vm_csum;
};

#define KHO_TEST_RANGE		U32_MAX

static struct {
	struct mutex lock;	/* one action at a time */
	struct kho_test_blob *blob;
	void *vm;		/* the preserved vmalloc area */
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

/* Undo a kho_test_preserve() that failed part way. */
static void kho_test_unwind(struct kho_test_blob *blob)
{
	unsigned int i;

	for (i = 0; i < blob->nr; i++) {
		const struct kho_test_entry *e = &blob->entries[i];
		struct page *page = pfn_to_page(PHYS_PFN(e->phys));

		if (e->order == KHO_TEST_RANGE) {
			kho_unpreserve_pages(page, e->nr_pages);
			free_pages_exact(page_address(page), e->nr_pages * PAGE_SIZE);
		} else {
			kho_unpreserve_folio(page_folio(page));
			folio_put(page_folio(page));
		}
	}
	if (blob->vm.nr_pages) {
		kho_unpreserve_vmalloc(&blob->vm);
		vfree(kho_test.vm);
		kho_test.vm = NULL;
	}
	kho_unpreserve_free(blob);
}

static int kho_test_add_vmalloc(struct kho_test_blob *blob)
{
	size_t size = KHO_TEST_VMALLOC_PAGES * PAGE_SIZE;
	void *vm = vmalloc(size);
	int err;

	if (!vm)
		return -ENOMEM;
	kho_test_fill(vm, size, blob->seed);
	blob->vm_csum = xxh64(vm, size, 0);
	err = kho_preserve_vmalloc(vm, &blob->vm);
	if (err) {
		vfree(vm);
		return err;
	}
	kho_test.vm = vm;
	return 0;
}

static int kho_test_preserve(u64 seed)
{
	struct kho_test_blob *blob;
	unsigned int order, i;
	struct folio *folio;
	void *range;
	int err = -ENOMEM;

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
				goto unwind;
			err = kho_test_add(blob, &folio->page, 1UL << order, order);
			if (err)
				goto unwind;
		}
	}
	err = -ENOMEM;
	range = alloc_pages_exact(KHO_TEST_RANGE_PAGES * PAGE_SIZE, GFP_KERNEL);
	if (!range)
		goto unwind;
	err = kho_test_add(blob, virt_to_page(range), KHO_TEST_RANGE_PAGES,
			   KHO_TEST_RANGE);
	if (err)
		goto unwind;
	for (i = 0; i < KHO_TEST_BIG; i++) {
		err = -ENOMEM;
		folio = folio_alloc(GFP_KERNEL, KHO_TEST_BIG_ORDER);
		if (!folio)
			goto unwind;
		err = kho_test_add(blob, &folio->page, 1UL << KHO_TEST_BIG_ORDER,
				   KHO_TEST_BIG_ORDER);
		if (err)
			goto unwind;
	}

	err = kho_test_add_vmalloc(blob);
	if (err)
		goto unwind;

	err = kho_add_subtree(KHO_TEST_NAME, blob, sizeof(*blob));
	if (err)
		goto unwind;
	kho_test.blob = blob;
	pr_info("preserved %u entries, seed %llu\n", blob->nr, seed);
	return 0;

unwind:
	kho_test_unwind(blob);
	return err;
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
 * Restore the vmalloc area: it must count in VmallocUsed, hold its data,
 * come back only once, and give VmallocUsed back when freed.
 */
static int kho_test_verify_vmalloc(const struct kho_test_blob *blob,
				   char *res, size_t len)
{
	unsigned long before = vmalloc_nr_pages(), grown;
	size_t size = (size_t)blob->vm.nr_pages * PAGE_SIZE;
	void *vm, *again;
	int err = -EINVAL;

	vm = kho_restore_vmalloc(&blob->vm);
	if (!vm) {
		snprintf(res, len, "FAIL: vmalloc area: restore\n");
		return -ENOENT;
	}
	grown = vmalloc_nr_pages() - before;
	again = kho_restore_vmalloc(&blob->vm);
	if (grown != blob->vm.nr_pages)
		snprintf(res, len, "FAIL: VmallocUsed grew by %lu pages, not %u\n",
			 grown, blob->vm.nr_pages);
	else if (xxh64(vm, size, 0) != blob->vm_csum)
		snprintf(res, len, "FAIL: vmalloc area: checksum\n");
	else if (again)
		snprintf(res, len, "FAIL: vmalloc area restored twice\n");
	else
		err = 0;
	vfree(again);
	vfree(vm);
	if (!err && vmalloc_nr_pages() != before) {
		snprintf(res, len, "FAIL: vfree() did not give VmallocUsed back\n");
		err = -EINVAL;
	}
	return err;
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
			goto fail;
		}
		if (kho_test_csum(page, e->nr_pages) != e->csum) {
			snprintf(res, len, "FAIL: entry %u at %llx: checksum\n", i, e->phys);
			kho_test_release(e, page);
			goto fail;
		}
		pages += e->nr_pages;
		if (carry && !(i % 2)) {
			/* On failure the entry is in @out, and unwound with it. */
			err = kho_test_carry_one(out, e, page);
			if (err) {
				snprintf(res, len, "FAIL: entry %u: preserve again %d\n", i, err);
				goto fail;
			}
			carried += e->nr_pages;
			continue;
		}
		kho_test_release(e, page);
	}
	/* The vmalloc area is never carried on. */
	if (blob->vm.nr_pages) {
		err = kho_test_verify_vmalloc(blob, res, len);
		if (err)
			goto fail;
		pages += blob->vm.nr_pages;
	}
	if (carry) {
		err = kho_add_subtree(KHO_TEST_NAME, out, sizeof(*out));
		if (err) {
			snprintf(res, len, "FAIL: subtree for the next kernel: %d\n", err);
			goto fail;
		}
		kho_test.blob = out;
	}
	snprintf(res, len, "pass %u entries %lu pages carried %lu pages seed %llu\n",
		 blob->nr, pages, carried, blob->seed);
	kho_restore_free(blob);
	return;

fail:
	/* What was carried goes back; unrestored entries stay reserved. */
	if (out)
		kho_test_unwind(out);
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

/* ------------------------------------------------------------------------
 * Benchmarks for make bench: ratios within one run, so machine speed cancels.
 */
#define KHO_BENCH_MAGIC		0x4b484f42454e4348ULL	/* "KHOBENCH" */

struct kho_bench_blob {
	u64 magic;
	u64 nr;
	u32 order;
	u32 reserved;
	u64 phys[];
};

static char kho_bench_result[512];

/* Append to the figures a read of bench returns */
static __printf(1, 2) void kho_bench_print(const char *fmt, ...)
{
	size_t len = strlen(kho_bench_result);
	va_list args;

	va_start(args, fmt);
	vsnprintf(kho_bench_result + len, sizeof(kho_bench_result) - len, fmt,
		  args);
	va_end(args);
}

static void kho_bench_reverse(struct folio **folios, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr / 2; i++)
		swap(folios[i], folios[nr - 1 - i]);
}

static int kho_bench_run(unsigned int order, unsigned int mib)
{
	unsigned long nr = ((unsigned long)mib << 20) >> (PAGE_SHIFT + order), i;
	struct kho_bench_blob *blob;
	struct folio **folios;
	char name[24];
	u64 t0, t1, t2, t3, t4, t5, t6;
	unsigned long runs = 0;
	int err = -ENOMEM;

	if (order > MAX_PAGE_ORDER || !nr)
		return -EINVAL;
	blob = kho_alloc_preserve(struct_size(blob, phys, nr));
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	folios = kvmalloc_array(nr, sizeof(*folios), GFP_KERNEL);
	if (!folios)
		goto out_blob;
	for (i = 0; i < nr; i++) {
		folios[i] = folio_alloc(GFP_KERNEL, order);
		if (!folios[i])
			goto out_folios;
	}

	/*
	 * One call per folio first, undone; the batch with the folios in
	 * reverse, so that no two make a run, undone; then the batch in
	 * allocation order, which stays.
	 */
	t0 = ktime_get_ns();
	for (i = 0; i < nr; i++)
		memset(folio_address(folios[i]), 0x5a, PAGE_SIZE << order);
	t1 = ktime_get_ns();
	for (i = 0; i < nr; i++) {
		err = kho_preserve_folio(folios[i]);
		if (err)
			break;
	}
	t2 = ktime_get_ns();
	kho_unpreserve_folios(folios, i);
	i = nr;
	if (err)
		goto out_folios;
	kho_bench_reverse(folios, nr);
	t5 = ktime_get_ns();
	err = kho_preserve_folios(folios, nr);
	t6 = ktime_get_ns();
	if (err)
		goto out_folios;
	kho_unpreserve_folios(folios, nr);
	kho_bench_reverse(folios, nr);
	t3 = ktime_get_ns();
	err = kho_preserve_folios(folios, nr);
	t4 = ktime_get_ns();
	if (err)
		goto out_folios;
	for (i = 0; i < nr; i++) {
		blob->phys[i] = PFN_PHYS(folio_pfn(folios[i]));
		if (!i || blob->phys[i] != blob->phys[i - 1] + (PAGE_SIZE << order))
			runs++;
	}

	blob->magic = KHO_BENCH_MAGIC;
	blob->nr = nr;
	blob->order = order;
	snprintf(name, sizeof(name), "kho-bench-%u", order);
	err = kho_add_subtree(name, blob, struct_size(blob, phys, nr));
	if (err)
		goto out_unpreserve;
	kvfree(folios);		/* the folios stay allocated, and preserved */
	kho_bench_print("order %u folios %lu write_ns %llu preserve_ns %llu ",
			order, nr, t1 - t0, t4 - t3);
	kho_bench_print("single_ns %llu reversed_ns %llu runs %lu\n",
			t2 - t1, t6 - t5, runs);
	return 0;

out_unpreserve:
	kho_unpreserve_folios(folios, nr);
out_folios:
	while (i--)
		folio_put(folios[i]);
	kvfree(folios);
out_blob:
	kho_unpreserve_free(blob);
	return err;
}

static ssize_t kho_bench_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	unsigned int order, mib;
	char buf[32] = {};
	int err;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	if (sscanf(buf, "%u %u", &order, &mib) != 2)
		return -EINVAL;
	guard(mutex)(&kho_test.lock);
	err = kho_bench_run(order, mib);
	return err ? err : len;
}

static ssize_t kho_bench_read(struct file *file, char __user *buf,
			      size_t len, loff_t *ppos)
{
	guard(mutex)(&kho_test.lock);
	return simple_read_from_buffer(buf, len, ppos, kho_bench_result,
				       strlen(kho_bench_result));
}

/* Restore every folio of each handed-over run, timed, then free them. */
static void kho_bench_restore(char *res, size_t len)
{
	unsigned int order;
	size_t used = 0;

	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct kho_bench_blob *blob;
		unsigned long i, bad = 0;
		struct folio **folios;
		phys_addr_t phys;
		char name[24];
		u64 t0, t1;

		snprintf(name, sizeof(name), "kho-bench-%u", order);
		if (kho_retrieve_subtree(name, &phys, NULL))
			continue;
		blob = phys_to_virt(phys);
		if (blob->magic != KHO_BENCH_MAGIC || blob->order != order)
			continue;
		folios = kvmalloc_array(blob->nr, sizeof(*folios), GFP_KERNEL);
		if (!folios)
			continue;

		t0 = ktime_get_ns();
		for (i = 0; i < blob->nr; i++) {
			folios[i] = kho_restore_folio(blob->phys[i]);
			if (!folios[i])
				bad++;
		}
		t1 = ktime_get_ns();

		used += scnprintf(res + used, len - used,
				  "order %u folios %llu restore_ns %llu failed %lu\n",
				  order, blob->nr, t1 - t0, bad);
		for (i = 0; i < blob->nr; i++) {
			if (folios[i])
				folio_put(folios[i]);
		}
		kvfree(folios);
		kho_restore_free(blob);
	}
}

static ssize_t kho_bench_restore_read(struct file *file, char __user *buf,
				      size_t len, loff_t *ppos)
{
	guard(mutex)(&kho_test.lock);
	if (!kho_bench_result[0])
		kho_bench_restore(kho_bench_result, sizeof(kho_bench_result));
	return simple_read_from_buffer(buf, len, ppos, kho_bench_result,
				       strlen(kho_bench_result));
}

static const struct file_operations kho_bench_fops = {
	.write = kho_bench_write,
	.read = kho_bench_read,
};

static const struct file_operations kho_bench_restore_fops = {
	.read = kho_bench_restore_read,
};

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
	debugfs_create_file("bench", 0600, dir, NULL, &kho_bench_fops);
	debugfs_create_file("bench_restore", 0400, dir, NULL, &kho_bench_restore_fops);
	return 0;
}
late_initcall(kho_test_init);
