// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec handover (KHO): keep chosen physical memory intact across kexec and
 * tell the next kernel where it is.
 *
 * A kernel preserves memory by recording it in its tracker (kho_track.c);
 * preservation is live, so whatever is recorded when kexec happens is what
 * the next kernel gets.  The next kernel learns from a one-page root FDT
 * where the tracker is and which named blobs ("subtrees") its users left.
 * Until it has reserved every preserved block it allocates only from the
 * scratch areas, memory that no kernel ever preserves: they are set aside
 * on a cold boot, only movable allocations may use them, and every later
 * kernel inherits them.  All kexec segments go into them too.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/cma.h>
#include <linux/debugfs.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/list.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/page-isolation.h>
#include <linux/pgalloc_tag.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "../../mm/internal.h"
#include "kexec_handover_internal.h"

/*
 * A restorable block has page->private = KHO_PAGE_MAGIC | order on its
 * first page, written when the block is reserved at boot and cleared by the
 * restore, so each block can be restored once.  A restore of several
 * blocks sets KHO_PAGE_CLAIMED on each first, with cmpxchg, so that
 * concurrent restores of the same memory cannot both succeed and a
 * failed one can put the marks back.
 */
#define KHO_PAGE_MAGIC		0x4b484f5052530000UL	/* "KHOPRS" */
#define KHO_PAGE_ORDER_MASK	0xffUL
#define KHO_PAGE_CLAIMED	0x100UL

static bool kho_enable __ro_after_init = IS_ENABLED(CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT);

static int __init kho_parse_enable(char *p)
{
	return kstrtobool(p, &kho_enable);
}
early_param("kho", kho_parse_enable);

/* Scratch areas: inherited, or set aside on a cold boot. */
static struct kho_scratch kho_scratch[KHO_MAX_SCRATCH];
static unsigned int kho_nr_scratch;

/*
 * kho_scratch=: a percentage of the early reservations, or the sizes of a
 * low-memory area, a global area and an area per node: L[,G[,N]].
 */
static unsigned int kho_scratch_scale __initdata = 200;
static phys_addr_t kho_scratch_size[3] __initdata;

static int __init kho_parse_scratch(char *p)
{
	phys_addr_t size[3] = {};
	unsigned int scale, i;
	char buf[8], *end;
	size_t len;

	if (!p)
		return -EINVAL;
	len = strlen(p);
	if (len > 1 && len < sizeof(buf) && p[len - 1] == '%') {
		strscpy(buf, p, len);	/* drops the '%' */
		if (kstrtouint(buf, 10, &scale) || !scale || scale > 10000)
			return -EINVAL;
		kho_scratch_scale = scale;
		return 0;
	}
	for (i = 0, end = p; i < ARRAY_SIZE(size); i++) {
		size[i] = memparse(end, &end);
		if (*end != ',')
			break;
		end++;
	}
	if (*end || !size[0])
		return -EINVAL;
	memcpy(kho_scratch_size, size, sizeof(size));
	return 0;
}

early_param("kho_scratch", kho_parse_scratch);

/* What the previous kernel handed over. */
static struct {
	phys_addr_t fdt;
	phys_addr_t map;
	phys_addr_t scratch;
	u64 scratch_size;
	unsigned long nr_blocks;
} kho_in;

/* What this kernel hands over. */
struct kho_subtree {
	struct list_head list;
	const char *name;
	void *blob;
	size_t size;
};

static struct {
	struct kho_track track;
	void *fdt;
	struct mutex lock;	/* subtrees and the FDT */
	struct list_head subtrees;
	bool ready;
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
	int corrupt;		/* how to break the handover */
#endif
} kho_out = {
	.lock = __MUTEX_INITIALIZER(kho_out.lock),
	.subtrees = LIST_HEAD_INIT(kho_out.subtrees),
};

/**
 * kho_is_enabled - is kexec handover on for the next kexec?
 *
 * Return: true when ``kho=`` (or the Kconfig default) enabled it and this
 * kernel has scratch areas to hand over.
 */
bool kho_is_enabled(void)
{
	return kho_enable && kho_nr_scratch;
}
EXPORT_SYMBOL_GPL(kho_is_enabled);

/**
 * is_kho_boot - did the previous kernel hand memory over?
 *
 * Return: true when this kernel accepted a handover at boot.
 */
bool is_kho_boot(void)
{
	return !!kho_in.fdt;
}
EXPORT_SYMBOL_GPL(is_kho_boot);

/* Does [@start, @start + @size) overlap scratch area @s? */
static bool kho_overlaps(const struct kho_scratch *s, phys_addr_t start,
			 phys_addr_t size)
{
	return start < s->addr + s->size && s->addr < start + size;
}

static bool kho_in_scratch(phys_addr_t start, phys_addr_t size)
{
	unsigned int i;

	for (i = 0; i < kho_nr_scratch; i++) {
		if (kho_overlaps(&kho_scratch[i], start, size))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------------
 * Preserve
 */

static int kho_preserve_block(unsigned long pfn, unsigned int order)
{
	if (!kho_out.ready)
		return -EOPNOTSUPP;
	if (kho_in_scratch(PFN_PHYS(pfn), PAGE_SIZE << order))
		return -EINVAL;
	return kho_track_add(&kho_out.track, pfn, order);
}

/**
 * kho_preserve_folio - preserve a folio across kexec
 * @folio: the folio; it must not lie in a scratch area
 *
 * The folio's memory, its order and nothing else reach the next kernel,
 * which gets it back with kho_restore_folio().  The caller keeps its
 * reference: KHO does not pin the folio.
 *
 * Return: 0, -EINVAL for memory in a scratch area or a folio larger than
 * KHO_MAX_FOLIO_ORDER, -EEXIST when it is preserved already, -EOPNOTSUPP when
 * KHO is off, or -ENOMEM.
 */
int kho_preserve_folio(struct folio *folio)
{
	return kho_preserve_block(folio_pfn(folio), folio_order(folio));
}
EXPORT_SYMBOL_GPL(kho_preserve_folio);

/**
 * kho_unpreserve_folio - undo kho_preserve_folio()
 * @folio: the folio
 *
 * Return: 0, -ENOENT when the folio is not preserved, -EINVAL for a folio
 * KHO cannot track, or -EOPNOTSUPP when KHO is off.
 */
int kho_unpreserve_folio(struct folio *folio)
{
	if (!kho_out.ready)
		return -EOPNOTSUPP;
	return kho_track_del(&kho_out.track, folio_pfn(folio), folio_order(folio));
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folio);

/* Folios a batch handles between two chances to reschedule */
#define KHO_BATCH_RESCHED	4096

/*
 * The end of the run of folios from @i, which starts at @pfn and is of
 * @order: the folios after it of the same order whose memory follows on,
 * up to the end of its bitmap chunk.
 */
static unsigned long kho_folios_run(struct folio **folios, unsigned long i,
				    unsigned long nr, unsigned long pfn,
				    unsigned int order)
{
	unsigned long j, end = i + min(nr - i, kho_track_run_max(pfn, order));

	for (j = i + 1; j < end; j++) {
		pfn += 1UL << order;
		if (folio_pfn(folios[j]) != pfn || folio_order(folios[j]) != order)
			break;
	}
	return j;
}

/**
 * kho_preserve_folios - preserve many folios across kexec at once
 * @folios: the folios; none may lie in a scratch area
 * @nr: their number
 *
 * Does what kho_preserve_folio() does for each folio, all or nothing, at a
 * fraction of the cost per folio: KHO's tracker is locked once for the
 * batch, and folios of one order that follow one another in memory and in
 * @folios (as a file's often do) are checked and recorded together, a
 * bitmap word at a time.  For callers that preserve folios by the
 * thousand, such as a memfd's.
 *
 * Return: 0, or an error as for kho_preserve_folio() (-EEXIST also when a
 * folio is listed twice); then none of @folios was preserved by this call.
 */
int kho_preserve_folios(struct folio **folios, unsigned long nr)
{
	struct kho_track_batch batch;
	unsigned long i, next, pfn;
	unsigned int order;
	int err = 0;

	if (!kho_out.ready)
		return -EOPNOTSUPP;
	kho_track_batch_begin(&kho_out.track, &batch);
	for (i = 0; i < nr; i = next) {
		pfn = folio_pfn(folios[i]);
		order = folio_order(folios[i]);
		next = kho_folios_run(folios, i, nr, pfn, order);
		if (kho_in_scratch(PFN_PHYS(pfn), (next - i) * (PAGE_SIZE << order)))
			err = -EINVAL;
		else
			err = kho_track_batch_add_run(&batch, pfn, next - i, order);
		if (err)
			break;
		if (i / KHO_BATCH_RESCHED != next / KHO_BATCH_RESCHED)
			cond_resched();
	}
	if (err) {
		/* The run at @i failed whole: undo the ones before it */
		while (i--)
			kho_track_batch_del(&batch, folio_pfn(folios[i]),
					    folio_order(folios[i]));
	}
	kho_track_batch_end(&batch);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_folios);

/**
 * kho_unpreserve_folios - undo kho_preserve_folios()
 * @folios: the folios
 * @nr: their number
 *
 * Every folio of @folios that is preserved is unpreserved, whatever the
 * others are.
 *
 * Return: 0, the last error of kho_unpreserve_folio() for a folio, or
 * -EOPNOTSUPP when KHO is off.
 */
int kho_unpreserve_folios(struct folio **folios, unsigned long nr)
{
	struct kho_track_batch batch;
	unsigned long i;
	int err, ret = 0;

	if (!kho_out.ready)
		return -EOPNOTSUPP;
	kho_track_batch_begin(&kho_out.track, &batch);
	for (i = 0; i < nr; i++) {
		err = kho_track_batch_del(&batch, folio_pfn(folios[i]),
					  folio_order(folios[i]));
		if (err)
			ret = err;
		if (!((i + 1) % KHO_BATCH_RESCHED))
			cond_resched();
	}
	kho_track_batch_end(&batch);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folios);

/* The largest naturally aligned block at @pfn that fits before @end. */
static unsigned int kho_block_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = pfn ? min_t(unsigned int, __ffs(pfn), MAX_PAGE_ORDER) :
				   MAX_PAGE_ORDER;

	while (pfn + (1UL << order) > end)
		order--;
	return order;
}

/**
 * kho_preserve_pages - preserve a range of pages across kexec
 * @page: first page
 * @nr_pages: number of pages
 *
 * The next kernel gets the range back as order-0 pages with
 * kho_restore_pages().  The range is recorded as the fewest naturally
 * aligned blocks of at most MAX_PAGE_ORDER, so a large range costs little
 * metadata.  No block spans a page whose frame number is a multiple of
 * MAX_ORDER_NR_PAGES, so the next kernel may also restore the range in
 * pieces cut at such pages (several CPUs can then share the work).  On
 * failure nothing stays preserved.
 *
 * Return: 0 or an error as for kho_preserve_folio().
 */
int kho_preserve_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long start = page_to_pfn(page), end = start + nr_pages;
	unsigned long pfn;
	unsigned int order;
	int err = 0;

	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		err = kho_preserve_block(pfn, order);
		if (err)
			break;
	}
	if (err && pfn > start)
		kho_unpreserve_pages(page, pfn - start);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_pages);

/**
 * kho_unpreserve_pages - undo kho_preserve_pages()
 * @page: first page, as preserved
 * @nr_pages: number of pages, as preserved
 *
 * Return: 0, -ENOENT when part of the range was not preserved, or
 * -EOPNOTSUPP when KHO is off.
 */
int kho_unpreserve_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long start = page_to_pfn(page), end = start + nr_pages;
	unsigned long pfn;
	unsigned int order;
	int err, ret = 0;

	if (!kho_out.ready)
		return -EOPNOTSUPP;
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		err = kho_track_del(&kho_out.track, pfn, order);
		if (err)
			ret = err;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_pages);

/**
 * kho_alloc_preserve - allocate zeroed, preserved memory
 * @size: bytes; rounded up to a power-of-two number of pages
 *
 * For state a subsystem builds to hand over.  Free it with
 * kho_unpreserve_free(); the next kernel frees it with kho_restore_free().
 *
 * Return: the memory, or an ERR_PTR(): -EINVAL for size 0, -E2BIG beyond
 * the largest folio, or an error of kho_preserve_folio().
 */
void *kho_alloc_preserve(size_t size)
{
	struct folio *folio;
	int err;

	if (!size)
		return ERR_PTR(-EINVAL);
	if (get_order(size) > MAX_PAGE_ORDER)
		return ERR_PTR(-E2BIG);
	folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, get_order(size));
	if (!folio)
		return ERR_PTR(-ENOMEM);
	err = kho_preserve_folio(folio);
	if (err) {
		folio_put(folio);
		return ERR_PTR(err);
	}
	return folio_address(folio);
}
EXPORT_SYMBOL_GPL(kho_alloc_preserve);

/**
 * kho_unpreserve_free - unpreserve and free kho_alloc_preserve() memory
 * @mem: the memory, or NULL
 */
void kho_unpreserve_free(void *mem)
{
	struct folio *folio;

	if (!mem)
		return;
	folio = virt_to_folio(mem);
	WARN_ON_ONCE(kho_unpreserve_folio(folio));
	folio_put(folio);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_free);

/* ------------------------------------------------------------------------
 * Restore
 */

/* Claim the restorable block at @pfn: its order, or -1. */
static int kho_claim_block(unsigned long pfn)
{
	unsigned long info;
	struct page *page;

	if (!pfn_valid(pfn))
		return -1;
	page = pfn_to_page(pfn);
	info = READ_ONCE(page->private);
	if ((info & ~KHO_PAGE_ORDER_MASK) != KHO_PAGE_MAGIC ||
	    cmpxchg(&page->private, info, info | KHO_PAGE_CLAIMED) != info)
		return -1;
	return info & KHO_PAGE_ORDER_MASK;
}

/* Put the mark of a claimed block back, for another restore to use. */
static void kho_unclaim_block(unsigned long pfn)
{
	struct page *page = pfn_to_page(pfn);

	WRITE_ONCE(page->private, page->private & ~KHO_PAGE_CLAIMED);
}

/*
 * A claimed block becomes ordinary memory.  Its pages never went through
 * the page allocator in this kernel, so they carry no allocation tag: mark
 * it empty on each page that will be freed on its own (the head of a
 * folio, or every page of a range), as for any memory memblock hands over.
 */
static void kho_take_block(unsigned long pfn, unsigned int order, bool folio)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long i;

	set_page_private(page, 0);
	adjust_managed_page_count(page, 1L << order);
	if (!mem_alloc_profiling_enabled())
		return;
	for (i = 0; i < (folio ? 1 : 1UL << order); i++)
		clear_page_tag_ref(pfn_to_page(pfn + i));
}

/**
 * kho_restore_folio - get a preserved folio back after kexec
 * @phys: physical address of the folio, as the previous kernel preserved it
 *
 * Each preserved block can be restored once.  The folio comes back with
 * one reference and the order it was preserved with, and is accounted as
 * ordinary memory from then on.
 *
 * Return: the folio, or NULL when nothing restorable starts at @phys.
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys), i;
	struct page *page;
	int order;

	if (!PAGE_ALIGNED(phys))
		return NULL;
	order = kho_claim_block(pfn);
	if (order < 0)
		return NULL;

	kho_take_block(pfn, order, true);
	page = pfn_to_page(pfn);
	/* memmap init left every page with one reference; tails have none. */
	for (i = 1; i < (1UL << order); i++)
		set_page_count(page + i, 0);
	if (order)
		prep_compound_page(page, order);
	return page_folio(page);
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/**
 * kho_restore_pages - get preserved pages back after kexec
 * @phys: physical address of the first page, as preserved, or of a piece
 *	of the range cut as kho_preserve_pages() allows
 * @nr_pages: number of pages, likewise
 *
 * The range comes back as order-0 pages with one reference each.  Nothing
 * is restored unless the whole range is restorable.  The range may span
 * memory sections: step through it by page frame number (pfn_to_page()
 * or nth_page()), not by struct page pointer.
 *
 * Return: the first page, or NULL.
 */
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages)
{
	unsigned long start = PHYS_PFN(phys), end = start + nr_pages, pfn, p;
	int order;

	if (!PAGE_ALIGNED(phys) || !nr_pages)
		return NULL;
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_claim_block(pfn);
		if (order < 0)
			goto undo;
		if (pfn + (1UL << order) > end) {
			kho_unclaim_block(pfn);
			goto undo;
		}
	}
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = page_private(pfn_to_page(pfn)) & KHO_PAGE_ORDER_MASK;
		kho_take_block(pfn, order, false);
	}
	return pfn_to_page(start);

undo:
	for (p = start; p < pfn; p += 1UL << order) {
		order = page_private(pfn_to_page(p)) & KHO_PAGE_ORDER_MASK;
		kho_unclaim_block(p);
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(kho_restore_pages);

/**
 * kho_restore_free - restore and free kho_alloc_preserve() memory
 * @mem: the memory, at the address the previous kernel's blob pointed to,
 *	 mapped in this kernel (phys_to_virt() of it)
 */
void kho_restore_free(void *mem)
{
	struct folio *folio;

	if (!mem)
		return;
	folio = kho_restore_folio(virt_to_phys(mem));
	if (folio)
		folio_put(folio);
}
EXPORT_SYMBOL_GPL(kho_restore_free);

/* ------------------------------------------------------------------------
 * vmalloc areas
 */

/*
 * The physical chunks of a preserved vmalloc area are listed in preserved
 * one-page blocks: a struct kho_vmalloc_chunk header, then the addresses.
 */
#define KHO_VMALLOC_PER_CHUNK \
	((PAGE_SIZE - sizeof(struct kho_vmalloc_chunk)) / sizeof(u64))

/* The vm_struct of a vmalloc()ed area starting at @ptr, or an ERR_PTR. */
static struct vm_struct *kho_vmalloc_area(const void *ptr)
{
	struct vm_struct *vm;

	if (!is_vmalloc_addr(ptr))
		return ERR_PTR(-EINVAL);
	vm = find_vm_area(ptr);
	if (!vm || vm->addr != ptr)
		return ERR_PTR(-EINVAL);
	if (!(vm->flags & VM_ALLOC) || !vm->pages || !vm->nr_pages)
		return ERR_PTR(-EOPNOTSUPP);
	return vm;
}

/* Unpreserve and free the chunks of @p and the pages they list. */
static void kho_vmalloc_unwind(struct kho_vmalloc *p)
{
	unsigned long step = 1UL << p->order, i;
	struct kho_vmalloc_chunk *chunk;
	u64 next = p->first;

	while (next) {
		chunk = phys_to_virt(next);
		next = chunk->next;
		for (i = 0; i < chunk->count; i++)
			kho_unpreserve_pages(pfn_to_page(PHYS_PFN(chunk->phys[i])),
					     step);
		kho_unpreserve_free(chunk);
	}
	memset(p, 0, sizeof(*p));
}

/**
 * kho_preserve_vmalloc - preserve a vmalloc()ed area across kexec
 * @ptr: the start of the area, as vmalloc() (or vmalloc_huge(), vzalloc(),
 *	 ...) returned it
 * @preservation: a descriptor for the caller to keep in its own preserved
 *	 data; the next kernel gives it to kho_restore_vmalloc()
 *
 * The area's pages are preserved in place, in chunks of the area's page
 * order, and listed in preserved pages that @preservation points to.
 * The area must stay allocated, and keep its pages, while preserved.
 *
 * Return: 0, -EINVAL when @ptr does not start a vmalloc area,
 * -EOPNOTSUPP for an area vmalloc() did not allocate (vmap(), ioremap()),
 * or an error of preserving a page (-EINVAL inside scratch, -ENOMEM); on an
 * error nothing is preserved.
 */
int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation)
{
	struct kho_vmalloc_chunk *chunk, *prev = NULL;
	unsigned int order, step, i;
	struct vm_struct *vm;
	int err;

	memset(preservation, 0, sizeof(*preservation));
	vm = kho_vmalloc_area(ptr);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	order = vm_area_page_order(vm);
	step = 1U << order;
	preservation->order = order;

	for (i = 0; i < vm->nr_pages; i += step) {
		if (!prev || prev->count == KHO_VMALLOC_PER_CHUNK) {
			chunk = kho_alloc_preserve(PAGE_SIZE);
			if (IS_ERR(chunk)) {
				err = PTR_ERR(chunk);
				goto unwind;
			}
			if (prev)
				prev->next = virt_to_phys(chunk);
			else
				preservation->first = virt_to_phys(chunk);
			prev = chunk;
		}
		err = kho_preserve_pages(vm->pages[i], step);
		if (err)
			goto unwind;
		prev->phys[prev->count++] = page_to_phys(vm->pages[i]);
	}
	preservation->nr_pages = vm->nr_pages;
	return 0;

unwind:
	kho_vmalloc_unwind(preservation);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_vmalloc);

/**
 * kho_unpreserve_vmalloc - undo kho_preserve_vmalloc()
 * @preservation: the descriptor it filled; cleared on return
 */
void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation)
{
	kho_vmalloc_unwind(preservation);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_vmalloc);

/* Restore the chunks listed at @first into @pages; the count restored. */
static unsigned int kho_vmalloc_take(const struct kho_vmalloc *p,
				     struct page **pages, bool *ok)
{
	unsigned int step = 1U << p->order, n = 0, i, j;
	struct kho_vmalloc_chunk *chunk;
	struct folio *folio;
	struct page *page;
	u64 next = p->first;

	*ok = false;
	while (next) {
		folio = kho_restore_folio(next);
		if (!folio)
			return n;
		chunk = folio_address(folio);
		next = chunk->next;
		if (folio_order(folio) || !chunk->count ||
		    chunk->count > KHO_VMALLOC_PER_CHUNK ||
		    chunk->count > (p->nr_pages - n) / step) {
			folio_put(folio);
			return n;
		}
		for (i = 0; i < chunk->count; i++) {
			page = kho_restore_pages(chunk->phys[i], step);
			if (!page) {
				folio_put(folio);
				return n;
			}
			for (j = 0; j < step; j++)
				pages[n++] = page + j;
		}
		folio_put(folio);
		cond_resched();
	}
	*ok = n == p->nr_pages;
	return n;
}

/**
 * kho_restore_vmalloc - get a preserved vmalloc area back after kexec
 * @preservation: the descriptor kho_preserve_vmalloc() filled in the
 *	previous kernel
 *
 * The pages come back mapped at a new address (NUMA placement is not
 * kept), as an area that is like any other vmalloc() memory: counted in
 * VmallocUsed and freed with vfree().
 *
 * Return: the area, or NULL, with a log line, when the descriptor is
 * malformed or its memory was not preserved (or is restored already).
 * A failed restore frees whatever it took back.
 */
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	const struct kho_vmalloc *p = preservation;
	struct page **pages;
	unsigned int n, i;
	void *addr;
	bool ok;

	if (!p->first || !p->nr_pages || p->order > MAX_PAGE_ORDER ||
	    !IS_ALIGNED(p->nr_pages, 1U << p->order) || p->flags ||
	    p->nr_pages > get_num_physpages()) {
		pr_err("vmalloc: malformed descriptor\n");
		return NULL;
	}
	pages = kvmalloc_array(p->nr_pages, sizeof(*pages),
			       GFP_KERNEL | __GFP_NOWARN);
	if (!pages) {
		pr_err("vmalloc: no memory for an array of %u pages\n",
		       p->nr_pages);
		return NULL;
	}

	n = kho_vmalloc_take(p, pages, &ok);
	if (!ok) {
		pr_err("vmalloc: %u of %u pages restorable, giving them back\n",
		       n, p->nr_pages);
		goto fail;
	}
	addr = vmalloc_adopt_pages(pages, p->nr_pages, p->order);
	if (addr)
		return addr;
	pr_err("vmalloc: cannot map %u pages\n", p->nr_pages);
fail:
	for (i = 0; i < n; i++)
		__free_page(pages[i]);
	kvfree(pages);
	return NULL;
}
EXPORT_SYMBOL_GPL(kho_restore_vmalloc);

/* ------------------------------------------------------------------------
 * Subtrees and the root FDT
 */

/*
 * Test-only breakage (KEXEC_HANDOVER_DEBUG), so that tests can check that
 * the next kernel refuses a broken handover and runs on: debugfs
 * kho/out/corrupt breaks the outgoing handover, and kho_debug_fail= on the
 * command line makes a step of the boot intake fail as memblock would.
 * Production kernels have none of it.
 */
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
enum {
	KHO_CORRUPT_NONE,
	KHO_CORRUPT_MAP,	/* the map is outside RAM */
	KHO_CORRUPT_FDT,	/* the root FDT has no header */
	KHO_CORRUPT_OVERLAP,	/* an order-1 block over a preserved page */
	KHO_CORRUPT_REPEAT,	/* a bitmap chunk listed twice */
	KHO_CORRUPT_CYCLE,	/* the directory chain loops */
};

static const char * const kho_corrupt_names[] = {
	"none", "map", "fdt", "overlap", "repeat", "cycle",
};

#define KHO_BOGUS_PHYS		BIT_ULL(50)	/* beyond any RAM */

static u64 kho_debug_map(u64 map)
{
	return kho_out.corrupt == KHO_CORRUPT_MAP ? KHO_BOGUS_PHYS : map;
}

static void kho_debug_fdt(void *fdt)
{
	if (kho_out.corrupt == KHO_CORRUPT_FDT)
		fdt_set_magic(fdt, 0);
}

/* Break the tracker's handover as @mode says; nothing can undo it. */
static int kho_debug_break_map(int mode)
{
	struct kho_track *track = &kho_out.track;
	struct kho_map_page *tail;
	unsigned long idx = 0, *bitmap, bit;

	switch (mode) {
	case KHO_CORRUPT_OVERLAP:
		bitmap = xa_find(&track->chunks[0], &idx, ULONG_MAX, XA_PRESENT);
		bit = bitmap ? find_first_bit(bitmap, KHO_CHUNK_BITS) :
			       KHO_CHUNK_BITS;
		if (bit == KHO_CHUNK_BITS)
			return -ENOENT;	/* no order-0 page to overlap */
		return kho_track_add(track, (idx * KHO_CHUNK_BITS + bit) & ~1UL, 1);
	case KHO_CORRUPT_REPEAT:
		guard(mutex)(&track->lock);
		tail = track->tail;
		if (!track->head->nr || tail->nr == KHO_MAP_ENTRIES)
			return -ENOSPC;
		tail->entries[tail->nr++] = track->head->entries[0];
		return 0;
	case KHO_CORRUPT_CYCLE:
		guard(mutex)(&track->lock);
		track->tail->next = virt_to_phys(track->head);
		return 0;
	}
	return 0;
}

static char kho_debug_fail_step[16] __initdata;

static int __init kho_parse_debug_fail(char *p)
{
	strscpy(kho_debug_fail_step, p ?: "", sizeof(kho_debug_fail_step));
	return 0;
}
early_param("kho_debug_fail", kho_parse_debug_fail);

/*
 * Whether the @nth memblock call of boot intake step @step ("populate",
 * "reserve") is to fail: kho_debug_fail=STEP makes the second one fail,
 * or the first if there is only one.  "scratch": @nth is the depth of a
 * scratch request plus one, and requests that are not halves fail.
 * "scale": asked with @nth 1 for each share of the early reservations
 * that scratch is tried at (kho_scratch_try()).
 */
static bool __init kho_debug_fail(const char *step, unsigned long nth)
{
	return !strcmp(kho_debug_fail_step, step) &&
	       nth == (strcmp(step, "reserve") ? 1 : 2);
}
#else
static inline u64 kho_debug_map(u64 map) { return map; }
static inline void kho_debug_fdt(void *fdt) { }
static inline bool kho_debug_fail(const char *step, unsigned long nth)
{
	return false;
}
#endif

/* Rewrite the outgoing root FDT from the subtree list; kho_out.lock held. */
static int kho_out_build_fdt(void)
{
	void *fdt = kho_out.fdt;
	struct kho_subtree *st;
	int err;

	err = fdt_create(fdt, PAGE_SIZE);
	err |= fdt_finish_reservemap(fdt);
	err |= fdt_begin_node(fdt, "");
	err |= fdt_property_string(fdt, "compatible", KHO_FDT_COMPATIBLE);
	err |= fdt_property_u64(fdt, KHO_FDT_MAP,
				kho_debug_map(virt_to_phys(kho_out.track.head)));
	list_for_each_entry(st, &kho_out.subtrees, list) {
		err |= fdt_begin_node(fdt, st->name);
		err |= fdt_property_u64(fdt, KHO_FDT_BLOB, virt_to_phys(st->blob));
		err |= fdt_property_u64(fdt, KHO_FDT_BLOB_SIZE, st->size);
		err |= fdt_end_node(fdt);
	}
	err |= fdt_end_node(fdt);
	err |= fdt_finish(fdt);
	kho_debug_fdt(fdt);
	return err ? -ENOSPC : 0;
}

/**
 * kho_add_subtree - hand a named blob to the next kernel
 * @name: node name, unique among subtrees (a valid FDT node name without
 *	  a unit address)
 * @blob: the blob; the caller preserves its memory (kho_alloc_preserve())
 *	  and keeps it preserved while the subtree exists
 * @size: size of the blob in bytes
 *
 * The next kernel finds the blob with kho_retrieve_subtree().
 *
 * Return: 0, -EEXIST for a name in use, -EINVAL for bad arguments,
 * -ENOSPC when the root FDT is full, -EOPNOTSUPP when KHO is off, or
 * -ENOMEM.
 */
int kho_add_subtree(const char *name, void *blob, size_t size)
{
	struct kho_subtree *st, *pos;
	int err;

	if (!kho_out.ready)
		return -EOPNOTSUPP;
	/* A plain node name: no path, and no unit address to match loosely. */
	if (!name || !*name || strpbrk(name, "/@") || !blob || !size)
		return -EINVAL;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->name = kstrdup(name, GFP_KERNEL);
	if (!st->name) {
		kfree(st);
		return -ENOMEM;
	}
	st->blob = blob;
	st->size = size;

	guard(mutex)(&kho_out.lock);
	list_for_each_entry(pos, &kho_out.subtrees, list) {
		if (!strcmp(pos->name, name)) {
			err = -EEXIST;
			goto out_free;
		}
	}
	list_add_tail(&st->list, &kho_out.subtrees);
	err = kho_out_build_fdt();
	if (!err)
		return 0;
	list_del(&st->list);
	kho_out_build_fdt();
out_free:
	kfree(st->name);
	kfree(st);
	return err;
}
EXPORT_SYMBOL_GPL(kho_add_subtree);

/**
 * kho_remove_subtree - stop handing a blob to the next kernel
 * @blob: the blob given to kho_add_subtree()
 */
void kho_remove_subtree(void *blob)
{
	struct kho_subtree *st;

	guard(mutex)(&kho_out.lock);
	list_for_each_entry(st, &kho_out.subtrees, list) {
		if (st->blob == blob) {
			list_del(&st->list);
			kfree(st->name);
			kfree(st);
			kho_out_build_fdt();
			return;
		}
	}
}
EXPORT_SYMBOL_GPL(kho_remove_subtree);

/**
 * kho_retrieve_subtree - find a blob the previous kernel handed over
 * @name: the name it was added with
 * @phys: returns the blob's physical address
 * @size: returns its size; may be NULL
 *
 * The blob's memory is restored like any other preserved memory, for
 * instance with kho_restore_free() once it has been read.
 *
 * Return: 0, -ENOENT when there is no such subtree or no handover, or
 * -EINVAL when the node is malformed.
 */
int kho_retrieve_subtree(const char *name, phys_addr_t *phys, size_t *size)
{
	const void *fdt;
	const fdt64_t *blob, *len;
	int node, l1, l2;

	if (!kho_in.fdt)
		return -ENOENT;
	fdt = phys_to_virt(kho_in.fdt);
	node = fdt_subnode_offset(fdt, 0, name);
	if (node < 0)
		return -ENOENT;
	blob = fdt_getprop(fdt, node, KHO_FDT_BLOB, &l1);
	len = fdt_getprop(fdt, node, KHO_FDT_BLOB_SIZE, &l2);
	if (!blob || !len || l1 != sizeof(*blob) || l2 != sizeof(*len))
		return -EINVAL;
	*phys = fdt64_to_cpu(*blob);
	if (size)
		*size = fdt64_to_cpu(*len);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_retrieve_subtree);

/* ------------------------------------------------------------------------
 * Boot: take the handover up, reserve what was preserved, set scratch aside
 */

static int __init kho_check_fdt(phys_addr_t fdt_phys, u64 fdt_size, phys_addr_t *map)
{
	const fdt64_t *prop;
	void *fdt;
	int len, err = -EINVAL;

	if (fdt_size != PAGE_SIZE || !PAGE_ALIGNED(fdt_phys) ||
	    !memblock_is_region_memory(fdt_phys, PAGE_SIZE)) {
		pr_warn("root FDT %pa (%llu bytes) is not a page of RAM\n",
			&fdt_phys, fdt_size);
		return -EINVAL;
	}
	fdt = early_memremap(fdt_phys, PAGE_SIZE);
	if (!fdt)
		return -ENOMEM;
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > PAGE_SIZE) {
		pr_warn("root FDT has a bad header\n");
		goto out;
	}
	if (fdt_node_check_compatible(fdt, 0, KHO_FDT_COMPATIBLE)) {
		pr_warn("root FDT is not %s (unknown version)\n", KHO_FDT_COMPATIBLE);
		goto out;
	}
	prop = fdt_getprop(fdt, 0, KHO_FDT_MAP, &len);
	if (!prop || len != sizeof(*prop)) {
		pr_warn("root FDT has no %s\n", KHO_FDT_MAP);
		goto out;
	}
	*map = fdt64_to_cpu(*prop);
	err = 0;
out:
	early_memunmap(fdt, PAGE_SIZE);
	return err;
}

static int __init kho_check_scratch(const struct kho_scratch *s, unsigned int nr,
				    phys_addr_t fdt_phys)
{
	const phys_addr_t align = PAGE_SIZE << pageblock_order;
	unsigned int i, j;

	for (i = 0; i < nr; i++) {
		if (!s[i].size || !IS_ALIGNED(s[i].addr | s[i].size, align) ||
		    !memblock_is_region_memory(s[i].addr, s[i].size))
			return -EINVAL;
		if (kho_overlaps(&s[i], fdt_phys, PAGE_SIZE))
			return -EINVAL;
		for (j = 0; j < i; j++) {
			if (kho_overlaps(&s[j], s[i].addr, s[i].size))
				return -EINVAL;
		}
	}
	return 0;
}

/**
 * kho_scratch_count - the number of areas in a handed-over scratch array
 * @size: the array's size in bytes, as the previous kernel gave it
 *
 * Return: the number of struct kho_scratch it holds, or 0 when it holds
 * none, more than KHO_MAX_SCRATCH or a part of one.
 */
unsigned int kho_scratch_count(u64 size)
{
	if (!size || size > KHO_MAX_SCRATCH * sizeof(struct kho_scratch) ||
	    size % sizeof(struct kho_scratch))
		return 0;
	return size / sizeof(struct kho_scratch);
}

/*
 * Reserve the root FDT and the scratch array and mark the @nr areas in
 * kho_scratch[] as scratch; undo it all on a failure.  memblock calls can
 * fail (no room for more regions), and a kernel that went on with half of
 * it would hand out preserved memory.
 */
static int __init kho_take_scratch(unsigned int nr, phys_addr_t fdt_phys,
				   phys_addr_t scratch_phys, u64 scratch_size)
{
	unsigned int i = 0;
	int err;

	err = kho_debug_fail("populate", 1) ? -ENOMEM :
	      memblock_reserve(fdt_phys, PAGE_SIZE);
	if (err)
		return err;
	err = memblock_reserve(scratch_phys, scratch_size);
	if (err)
		goto out_fdt;
	for (i = 0; i < nr; i++) {
		err = memblock_mark_kho_scratch(kho_scratch[i].addr,
						kho_scratch[i].size);
		if (err)
			goto out_marks;
	}
	kho_nr_scratch = nr;
	return 0;

out_marks:
	while (i--)
		memblock_clear_kho_scratch(kho_scratch[i].addr, kho_scratch[i].size);
	memblock_phys_free(scratch_phys, scratch_size);
out_fdt:
	memblock_phys_free(fdt_phys, PAGE_SIZE);
	return err;
}

/**
 * kho_populate - take up the handover of the previous kernel
 * @fdt_phys: physical address of its root FDT
 * @fdt_size: size of the root FDT (one page)
 * @scratch_phys: physical address of its array of struct kho_scratch
 * @scratch_size: size of that array in bytes
 *
 * Called by the architecture once memblock knows the RAM and before the
 * first memblock allocation.  On success memblock allocates only from the
 * scratch areas until kho_memory_init().  A malformed handover is refused
 * with a log line and the kernel boots without it.
 *
 * Return: 0 when the handover was taken up, -errno when it was refused.
 */
int __init kho_populate(phys_addr_t fdt_phys, u64 fdt_size,
			phys_addr_t scratch_phys, u64 scratch_size)
{
	unsigned int nr = kho_scratch_count(scratch_size);
	struct kho_scratch *scratch;
	phys_addr_t map;
	int err;

	err = kho_check_fdt(fdt_phys, fdt_size, &map);
	if (err)
		goto refuse;

	err = -EINVAL;
	if (!nr || !memblock_is_region_memory(scratch_phys, scratch_size)) {
		pr_warn("scratch array %pa (%llu bytes) is malformed\n",
			&scratch_phys, scratch_size);
		goto refuse;
	}
	scratch = early_memremap(scratch_phys, scratch_size);
	if (!scratch) {
		err = -ENOMEM;
		goto refuse;
	}
	err = kho_check_scratch(scratch, nr, fdt_phys);
	if (!err)
		memcpy(kho_scratch, scratch, scratch_size);
	early_memunmap(scratch, scratch_size);
	if (err) {
		pr_warn("scratch areas are misaligned, overlapping or not RAM\n");
		goto refuse;
	}

	err = kho_take_scratch(nr, fdt_phys, scratch_phys, scratch_size);
	if (err) {
		pr_warn("cannot reserve the handover (%d)\n", err);
		goto refuse;
	}
	memblock_set_kho_scratch_only();

	kho_in.fdt = fdt_phys;
	kho_in.map = map;
	kho_in.scratch = scratch_phys;
	kho_in.scratch_size = scratch_size;
	pr_info("handover from the previous kernel: %u scratch areas, root FDT at %pa\n",
		nr, &fdt_phys);
	return 0;

refuse:
	pr_warn("malformed handover from the previous kernel, booting without KHO\n");
	return err;
}

static bool __init kho_in_page_ok(phys_addr_t phys, void *arg)
{
	return memblock_is_region_memory(phys, PAGE_SIZE) &&
	       !kho_in_scratch(phys, PAGE_SIZE);
}

/* A run of adjacent preserved blocks, checked and reserved in one go. */
struct kho_in_run {
	phys_addr_t start;
	phys_addr_t end;
	unsigned long nr;	/* runs reserved so far */
};

/* A run may not touch scratch or what is reserved already. */
static int __init kho_in_check_run(const struct kho_in_run *run)
{
	phys_addr_t size = run->end - run->start;

	if (size && (kho_in_scratch(run->start, size) ||
		     memblock_is_region_reserved(run->start, size)))
		return -EINVAL;
	return 0;
}

/*
 * Each block must be RAM (a binary search); the linear checks against
 * scratch and the reserved regions are done per run of adjacent blocks,
 * which is the same and costs a few hundred scans for a GiB rather than a
 * quarter of a million.
 */
static int __init kho_in_check_block(unsigned long pfn, unsigned int order, void *arg)
{
	phys_addr_t start = PFN_PHYS(pfn), size = PAGE_SIZE << order;
	struct kho_in_run *run = arg;
	int err = 0;

	if (!memblock_is_region_memory(start, size))
		return -EINVAL;
	kho_in.nr_blocks++;
	if (start != run->end) {
		err = kho_in_check_run(run);
		run->start = start;
	}
	run->end = start + size;
	return err;
}

/*
 * Reserve the run, unless it is empty.  Its pages are reserved without a
 * struct page reset, so that the marks of their blocks survive memmap
 * initialisation.
 */
static int __init kho_in_reserve_run(struct kho_in_run *run)
{
	phys_addr_t size = run->end - run->start;
	int err;

	if (!size)
		return 0;
	err = kho_debug_fail("reserve", ++run->nr) ? -ENOMEM :
	      memblock_reserve(run->start, size);
	if (!err)
		err = memblock_reserved_mark_noinit(run->start, size);
	run->start = run->end;
	return err;
}

/*
 * Blocks come in address order within each order, so a memfd's pages,
 * mostly contiguous, make long runs: one memblock region each instead of
 * one per page, which keeps memblock's region array short and the boot
 * fast.  Each block is marked restorable as it joins a run.
 */
static int __init kho_in_reserve_block(unsigned long pfn, unsigned int order, void *arg)
{
	phys_addr_t start = PFN_PHYS(pfn), size = PAGE_SIZE << order;
	struct kho_in_run *run = arg;
	int err;

	if (start != run->end) {
		err = kho_in_reserve_run(run);
		if (err)
			return err;
		run->start = start;
	}
	run->end = start + size;
	set_page_private(pfn_to_page(pfn), KHO_PAGE_MAGIC | order);
	return 0;
}

/* Take the restorable mark off a block again. */
static int __init kho_in_unmark_block(unsigned long pfn, unsigned int order, void *arg)
{
	set_page_private(pfn_to_page(pfn), 0);
	return 0;
}

static void *__init kho_in_alloc(size_t size)
{
	return memblock_alloc(size, SMP_CACHE_BYTES);
}

/*
 * Reserve every preserved block, after checking the whole map.  If the
 * map is malformed or a reservation fails, nothing is restorable: no page
 * may be both free and restorable.  What was reserved stays reserved.
 */
static void __init kho_reserve_preserved(void)
{
	struct kho_map_read read = {
		.page_ok = kho_in_page_ok,
		.block = kho_in_check_block,
		.alloc = kho_in_alloc,
		.max_pages = PHYS_PFN(memblock_phys_mem_size()),
	};
	struct kho_in_run check = {}, run = {};
	struct kho_map_index index;
	u64 start = local_clock();
	int err;

	read.arg = &check;
	err = kho_map_check(kho_in.map, &read, &index);
	if (!err)
		err = kho_in_check_run(&check);
	if (err) {
		pr_warn("preserved memory map is malformed (%d), nothing restored\n", err);
		goto drop;
	}
	err = kho_map_walk_blocks(&index, kho_in_reserve_block, &run);
	if (!err)
		err = kho_in_reserve_run(&run);
	if (err) {
		kho_map_walk_blocks(&index, kho_in_unmark_block, NULL);
		pr_warn("cannot reserve the preserved memory (%d), nothing restored\n", err);
		goto drop;
	}
	memblock_free(index.chunks, array_size(index.nr, sizeof(*index.chunks)));
	pr_info("%lu preserved blocks reserved in %llu us\n", kho_in.nr_blocks,
		div_u64(local_clock() - start, NSEC_PER_USEC));
	return;

drop:
	if (index.chunks)
		memblock_free(index.chunks,
			      array_size(index.nr, sizeof(*index.chunks)));
	memblock_phys_free(kho_in.fdt, PAGE_SIZE);
	kho_in.fdt = 0;
	kho_in.nr_blocks = 0;
}

/*
 * Scratch areas are set aside on a cold boot, sized like what this kernel
 * reserved early, which is about what a later kernel allocates from them
 * before it may use anything else: its memmap, node data, per-CPU areas,
 * page tables.  Much of that is allocated node-local or node-exact, so each
 * node gets its own: an area below the low-memory limit sized like the
 * node's early reservations there, and one above, sized like those above.
 * Together the low areas are as large as all low reservations, so nothing
 * is counted twice.  Sizes scale with kho_scratch=N% (200 by default).
 *
 * Gigantic pages of a boot-time hugetlb pool are early reservations too,
 * but not counted: a handover boot takes its gigantic pools from the page
 * allocator, outside scratch (hstate_boot_from_memblock() in hugetlb).
 */
static phys_addr_t kho_scratch_want[MAX_NUMNODES][2] __initdata;
static phys_addr_t kho_scratch_left_out __initdata;

/* Take [@base, @base + @size) out of the reservations counted. */
static void __init kho_reserved_discount(phys_addr_t base, phys_addr_t size,
					 void *arg)
{
	const phys_addr_t limit = (phys_addr_t)ARCH_LOW_ADDRESS_LIMIT + 1;
	phys_addr_t end = base + size, *want, part;
	int nid = early_pfn_to_nid(PHYS_PFN(base));

	kho_scratch_left_out += size;

	if (nid < 0 || nid >= MAX_NUMNODES)
		nid = 0;
	want = kho_scratch_want[nid];
	if (base < limit) {
		part = min(end, limit) - base;
		want[0] -= min(want[0], part);
	}
	if (end > limit) {
		part = end - max(base, limit);
		want[1] -= min(want[1], part);
	}
}

/* Each node's early reservations, below and above the low-memory limit. */
static void __init kho_reserved_sizes(void)
{
	const phys_addr_t limit = (phys_addr_t)ARCH_LOW_ADDRESS_LIMIT + 1;
	unsigned long start_pfn, end_pfn;
	phys_addr_t start, end, s, e;
	struct memblock_region *r;
	int i, nid;

	for_each_mem_pfn_range(i, MAX_NUMNODES, &start_pfn, &end_pfn, &nid) {
		start = PFN_PHYS(start_pfn);
		end = PFN_PHYS(end_pfn);
		if (nid < 0 || nid >= MAX_NUMNODES)
			nid = 0;
		for_each_reserved_mem_region(r) {
			s = max(r->base, start);
			e = min(r->base + r->size, end);
			if (s >= e)
				continue;
			if (s < limit)
				kho_scratch_want[nid][0] += min(e, limit) - s;
			if (e > limit)
				kho_scratch_want[nid][1] += e - max(s, limit);
		}
	}
	hugetlb_bootmem_walk(kho_reserved_discount, NULL);
}

/* How many times a request is halved to keep it on its node */
#define KHO_SCRATCH_NODE_SPLITS	4

static void __init kho_scratch_record(phys_addr_t base, phys_addr_t size)
{
	kho_scratch[kho_nr_scratch].addr = base;
	kho_scratch[kho_nr_scratch].size = size;
	kho_nr_scratch++;
}

/* Give back the areas set aside since there were @nr */
static void __init kho_scratch_drop(unsigned int nr)
{
	while (kho_nr_scratch > nr) {
		kho_nr_scratch--;
		memblock_phys_free(kho_scratch[kho_nr_scratch].addr,
				   kho_scratch[kho_nr_scratch].size);
	}
}

/*
 * Set @size bytes aside in [@start, @end) on node @nid itself: in one
 * area, or else in two halves placed the same way, @splits times over at
 * most.  All or nothing.  kho_debug_fail=scratch makes a request that is
 * not a half fail (@depth counts the halvings), as when no free range is
 * that large.
 */
static bool __init kho_scratch_add_on_node(phys_addr_t size,
					   phys_addr_t start, phys_addr_t end,
					   int nid, unsigned int splits,
					   unsigned int depth)
{
	const phys_addr_t align = PAGE_SIZE << pageblock_order;
	unsigned int nr = kho_nr_scratch;
	phys_addr_t base, half;

	if (kho_nr_scratch == KHO_MAX_SCRATCH)
		return false;
	base = kho_debug_fail("scratch", depth + 1) ? 0 :
	       memblock_alloc_range_nid(size, align, start, end, nid, true);
	if (base) {
		kho_scratch_record(base, size);
		return true;
	}
	if (!splits || size == align)
		return false;
	half = round_up(size / 2, align);
	if (kho_scratch_add_on_node(half, start, end, nid, splits - 1,
				    depth + 1) &&
	    kho_scratch_add_on_node(size - half, start, end, nid, splits - 1,
				    depth + 1))
		return true;
	kho_scratch_drop(nr);
	return false;
}

/*
 * Set @size bytes of scratch aside in [@start, @end) on node @nid, in a
 * few pieces if need be (kho_scratch_add_on_node()).  If the node has no
 * room, anywhere in that range, then any place at all; and if no free
 * range is that large, which happens after a kexec whose handover was
 * refused (the new kernel and its initrd sit in the middle of the previous
 * kernel's scratch, and a refusal leaves that scratch unused), the request
 * is split in two halves, each placed the same way, for as long as there
 * are areas left.  Return: 0, or -ENOMEM.
 */
static int __init __kho_scratch_add(phys_addr_t size, phys_addr_t start,
				    phys_addr_t end, int nid,
				    unsigned int depth)
{
	const phys_addr_t align = PAGE_SIZE << pageblock_order;
	phys_addr_t base = 0, half;
	int err;

	size = round_up(size, align);
	if (!size)
		return 0;
	if (kho_scratch_add_on_node(size, start, end, nid,
				    KHO_SCRATCH_NODE_SPLITS, depth))
		return 0;
	if (kho_nr_scratch == KHO_MAX_SCRATCH)
		goto out_nomem;
	if (!kho_debug_fail("scratch", depth + 1)) {
		base = memblock_alloc_range_nid(size, align, start, end,
						NUMA_NO_NODE, false);
		if (!base)
			base = memblock_alloc_range_nid(size, align, 0,
							MEMBLOCK_ALLOC_ACCESSIBLE,
							NUMA_NO_NODE, false);
	}
	if (base) {
		kho_scratch_record(base, size);
		return 0;
	}
	if (size == align || kho_nr_scratch + 2 > KHO_MAX_SCRATCH)
		goto out_nomem;
	half = round_up(size / 2, align);
	err = __kho_scratch_add(half, start, end, nid, depth + 1);
	return err ? err :
	       __kho_scratch_add(size - half, start, end, nid, depth + 1);

out_nomem:
	pr_warn("cannot set %pa bytes of scratch aside\n", &size);
	return -ENOMEM;
}

static int __init kho_scratch_add(phys_addr_t size, phys_addr_t start,
				  phys_addr_t end, int nid)
{
	return __kho_scratch_add(size, start, end, nid, 0);
}

/*
 * The areas: per node at @scale percent of its early reservations, or as
 * kho_scratch=L,G,N says.
 */
static int __init kho_scratch_add_all(unsigned int scale)
{
	const phys_addr_t limit = (phys_addr_t)ARCH_LOW_ADDRESS_LIMIT + 1;
	int nid, err = 0;

	if (kho_scratch_size[0]) {
		err = kho_scratch_add(kho_scratch_size[0], 0, limit, NUMA_NO_NODE);
		if (!err)
			err = kho_scratch_add(kho_scratch_size[1], 0,
					      MEMBLOCK_ALLOC_ACCESSIBLE,
					      NUMA_NO_NODE);
		for_each_node_state(nid, N_MEMORY) {
			if (err)
				break;
			err = kho_scratch_add(kho_scratch_size[2], 0,
					      MEMBLOCK_ALLOC_ACCESSIBLE, nid);
		}
		return err;
	}
	for (nid = 0; nid < MAX_NUMNODES && !err; nid++) {
		err = kho_scratch_add(div_u64((u64)kho_scratch_want[nid][0] *
					      scale, 100),
				      0, limit, nid);
		if (!err)
			err = kho_scratch_add(div_u64((u64)kho_scratch_want[nid][1] *
						      scale, 100),
					      limit, MEMBLOCK_ALLOC_ACCESSIBLE, nid);
	}
	return err;
}

/*
 * The least scratch a cold boot falls back to when the machine has no room
 * for kho_scratch=N%, in percent of the early reservations.  A kernel
 * kexec'd with a handover allocates more than this one reserved early from
 * scratch alone: its image, initrd and memory map as this one, and the
 * kexec segments besides (the debug kernel with 2 GiB: 413 MiB against
 * 379 MiB).  At 100% that kernel hangs before its console is up; at 125%
 * it boots.  Half of the default's headroom is kept; with less, KHO is
 * disabled instead.
 */
#define KHO_SCRATCH_MIN_SCALE	150

/*
 * The next share to try after @scale percent did not fit: an eighth less,
 * and KHO_SCRATCH_MIN_SCALE last; 0 when there is nothing left to try.
 */
static unsigned int __init kho_scratch_fallback(unsigned int scale)
{
	if (scale <= KHO_SCRATCH_MIN_SCALE)
		return 0;
	return max(scale - scale / 8, KHO_SCRATCH_MIN_SCALE);
}

/* kho_debug_fail=scale: no share but the last one has room. */
static int __init kho_scratch_try(unsigned int scale)
{
	if (kho_debug_fail("scale", 1) && !kho_scratch_size[0] &&
	    kho_scratch_fallback(scale))
		return -ENOMEM;
	return kho_scratch_add_all(scale);
}

/*
 * Cold boot: set the scratch areas aside.  Explicit kho_scratch=L,G,N
 * sizes are set aside as given or not at all.  A percentage that the
 * machine has no room for (a small machine whose early reservations a
 * debugging kernel inflates, a kernel image that KASLR put in the middle
 * of the free memory) falls back to smaller shares, down to
 * KHO_SCRATCH_MIN_SCALE, with a log line: KHO with less headroom is
 * better than no KHO.
 */
static void __init kho_reserve_scratch(void)
{
	unsigned int scale = kho_scratch_scale, next, i;

	if (!kho_scratch_size[0]) {
		kho_reserved_sizes();
		if (kho_scratch_left_out)
			pr_info("scratch leaves out %llu MiB of boot-time gigantic pages\n",
				(u64)kho_scratch_left_out >> 20);
	}
	while (kho_scratch_try(scale)) {
		kho_scratch_drop(0);
		next = kho_scratch_size[0] ? 0 : kho_scratch_fallback(scale);
		if (!next) {
			pr_warn("no room for the scratch areas, KHO disabled\n");
			return;
		}
		pr_warn("no room for scratch at %u%% of the early reservations, trying %u%%\n",
			scale, next);
		scale = next;
	}
	/* The areas go to the page allocator, as movable-only memory. */
	for (i = 0; i < kho_nr_scratch; i++) {
		memblock_phys_free(kho_scratch[i].addr, kho_scratch[i].size);
		pr_info("scratch area %u: %pa, %llu MiB, node %d\n", i,
			&kho_scratch[i].addr, kho_scratch[i].size >> 20,
			early_pfn_to_nid(PHYS_PFN(kho_scratch[i].addr)));
	}
}

/* Call @fn for the first page of each pageblock of the scratch areas. */
static void __init kho_scratch_pageblocks(void (*fn)(struct page *page))
{
	unsigned long pfn, end;
	unsigned int i;

	for (i = 0; i < kho_nr_scratch; i++) {
		pfn = PHYS_PFN(kho_scratch[i].addr);
		end = pfn + PHYS_PFN(kho_scratch[i].size);
		for (; pfn < end; pfn += pageblock_nr_pages)
			fn(pfn_to_page(pfn));
	}
}

/* Only movable allocations may use scratch: they can be moved out later. */
static void __init kho_scratch_movable(struct page *page)
{
	set_pageblock_migratetype(page, MIGRATE_CMA);
}

/*
 * Scratch counts as CMA memory, as CMA areas count: in CmaTotal and in its
 * zone (which free-page accounting against CMA uses).  Not before the boot's
 * memory report, which counts CMA as reserved: scratch is free memory.
 */
static void __init kho_scratch_count_cma(struct page *page)
{
	totalcma_pages += pageblock_nr_pages;
	page_zone(page)->cma_pages += pageblock_nr_pages;
}

/**
 * kho_memory_init - reserve preserved memory, or set scratch aside
 *
 * Called from memblock_free_all(), when the memory map is initialized and
 * before any memory reaches the page allocator.  On a handover boot every
 * preserved block is reserved (after the whole map has been checked) and
 * scratch-only allocation ends.  On a cold boot with KHO enabled the
 * scratch areas are set aside.
 */
void __init kho_memory_init(void)
{
	if (kho_in.fdt)
		kho_reserve_preserved();
	else if (kho_enable)
		kho_reserve_scratch();

	kho_scratch_pageblocks(kho_scratch_movable);
	memblock_clear_kho_scratch_only();
}

/* ------------------------------------------------------------------------
 * Kexec
 */

/**
 * kho_fill_kimage - add the handover to a kexec image
 * @image: the image being loaded with kexec_file_load()
 *
 * Adds the scratch array as a segment and records the root FDT, which the
 * architecture passes to the next kernel.  Crash images never carry KHO.
 *
 * Return: 0 or the error of kexec_add_buffer().
 */
int kho_fill_kimage(struct kimage *image)
{
	struct kexec_buf kbuf = {
		.image = image,
		.buffer = kho_scratch,
		.bufsz = kho_nr_scratch * sizeof(kho_scratch[0]),
		.buf_align = SZ_64K,
		.buf_max = ULONG_MAX,
		.top_down = true,
		.mem = KEXEC_BUF_MEM_UNKNOWN,
	};
	int err;

	/* ready implies enabled: kho_init() turns KHO off when it fails. */
	if (!kho_out.ready || image->type == KEXEC_TYPE_CRASH)
		return 0;

	kbuf.memsz = PAGE_ALIGN(kbuf.bufsz);
	err = kexec_add_buffer(&kbuf);
	if (err)
		return err;
	image->kho.scratch = &image->segment[image->nr_segments - 1];
	image->kho.fdt = virt_to_phys(kho_out.fdt);
	return 0;
}

/**
 * kho_image_carries - will an image hand KHO over to the kernel it boots?
 * @image: a loaded kexec image
 *
 * Only an image loaded with kexec_file_load() while KHO is on carries the
 * handover (kho_fill_kimage()); one loaded with kexec_load(), whose
 * segments userspace placed, and a crash image do not.
 *
 * Return: true if it does.
 */
bool kho_image_carries(const struct kimage *image)
{
	return image && image->kho.fdt;
}

/* Whether anything is preserved or named for the next kernel. */
static bool kho_out_has_state(void)
{
	struct kho_track *track = &kho_out.track;
	unsigned int order;

	if (!kho_out.ready)
		return false;
	scoped_guard(mutex, &kho_out.lock)
		if (!list_empty(&kho_out.subtrees))
			return true;
	guard(mutex)(&track->lock);
	for (order = 0; order < KHO_NR_ORDERS; order++)
		if (track->nr_blocks[order])
			return true;
	return false;
}

/**
 * kho_check_image - refuse a kexec that would drop preserved memory
 * @image: the image kernel_kexec() is about to boot
 *
 * A kernel booted without the handover takes preserved memory for free
 * memory and reuses it, although a device may still be using it.
 *
 * Return: 0 if @image carries the handover or nothing is preserved, else
 * -EOPNOTSUPP with a log line: the reboot must not go on.
 */
int kho_check_image(const struct kimage *image)
{
	if (kho_image_carries(image) || !kho_out_has_state())
		return 0;
	pr_warn("kexec refused: memory is preserved, but the loaded image cannot hand it over (load it with kexec_file_load())\n");
	return -EOPNOTSUPP;
}

/**
 * kho_walk_scratch - offer the scratch areas to a kexec segment placer
 * @kbuf: the buffer being placed
 * @fn: called with each area as a memory resource; non-zero stops the walk
 *
 * Return: what @fn last returned, 0 when no area suited.
 */
int kho_walk_scratch(struct kexec_buf *kbuf,
		     int (*fn)(struct resource *res, void *arg))
{
	unsigned int i, n = kho_nr_scratch;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		const struct kho_scratch *s = &kho_scratch[kbuf->top_down ? n - 1 - i : i];
		struct resource res = DEFINE_RES_MEM(s->addr, s->size);

		ret = fn(&res, kbuf);
	}
	return ret;
}

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
/* ------------------------------------------------------------------------
 * debugfs: /sys/kernel/debug/kho/{out,in}
 */

static int kho_scratch_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < kho_nr_scratch; i++)
		seq_printf(m, "0x%llx 0x%llx\n", kho_scratch[i].addr, kho_scratch[i].size);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_scratch);

static int kho_preserved_show(struct seq_file *m, void *v)
{
	struct kho_track *track = &kho_out.track;
	unsigned int order;

	guard(mutex)(&track->lock);
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		if (track->nr_blocks[order])
			seq_printf(m, "order %u: %lu\n", order, track->nr_blocks[order]);
	}
	seq_printf(m, "metadata pages: %lu\n", track->nr_meta_pages);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_preserved);

static int kho_in_show(struct seq_file *m, void *v)
{
	seq_printf(m, "preserved blocks: %lu\n", kho_in.nr_blocks);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_in);

#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
/* One of kho_corrupt_names: how to break the outgoing handover. */
static ssize_t kho_corrupt_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[16] = {};
	int mode, err;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	mode = sysfs_match_string(kho_corrupt_names, buf);
	if (mode <= KHO_CORRUPT_NONE)
		return -EINVAL;
	err = kho_debug_break_map(mode);
	if (err)
		return err;

	guard(mutex)(&kho_out.lock);
	kho_out.corrupt = mode;
	kho_out_build_fdt();
	pr_warn("test: the outgoing handover is broken (%s)\n",
		kho_corrupt_names[mode]);
	return len;
}

static const struct file_operations kho_corrupt_fops = {
	.write = kho_corrupt_write,
};
#endif

static struct debugfs_blob_wrapper kho_out_fdt_blob, kho_in_fdt_blob;

static int __init kho_debugfs_init(void)
{
	struct dentry *dir, *sub;

	dir = debugfs_create_dir("kho", NULL);
	if (kho_out.ready) {
		sub = debugfs_create_dir("out", dir);
		kho_out_fdt_blob.data = kho_out.fdt;
		kho_out_fdt_blob.size = PAGE_SIZE;
		debugfs_create_blob("fdt", 0400, sub, &kho_out_fdt_blob);
		debugfs_create_file("scratch", 0400, sub, NULL, &kho_scratch_fops);
		debugfs_create_file("preserved", 0400, sub, NULL, &kho_preserved_fops);
#ifdef CONFIG_KEXEC_HANDOVER_DEBUG
		debugfs_create_file("corrupt", 0200, sub, NULL, &kho_corrupt_fops);
#endif
	}
	if (kho_in.fdt) {
		sub = debugfs_create_dir("in", dir);
		kho_in_fdt_blob.data = phys_to_virt(kho_in.fdt);
		kho_in_fdt_blob.size = PAGE_SIZE;
		debugfs_create_blob("fdt", 0400, sub, &kho_in_fdt_blob);
		debugfs_create_file("preserved", 0400, sub, NULL, &kho_in_fops);
	}
	return 0;
}

late_initcall(kho_debugfs_init);
#endif /* CONFIG_KEXEC_HANDOVER_DEBUGFS */

static int __init kho_init(void)
{
	int err;

	if (kho_in.scratch)
		memblock_free_late(kho_in.scratch, kho_in.scratch_size);
	kho_scratch_pageblocks(kho_scratch_count_cma);

	if (!kho_is_enabled())
		goto out;

	err = kho_track_init(&kho_out.track);
	if (err)
		goto fail;
	kho_out.fdt = (void *)get_zeroed_page(GFP_KERNEL);
	if (!kho_out.fdt) {
		kho_track_destroy(&kho_out.track);
		err = -ENOMEM;
		goto fail;
	}
	scoped_guard(mutex, &kho_out.lock)
		err = kho_out_build_fdt();
	if (err) {
		free_page((unsigned long)kho_out.fdt);
		kho_track_destroy(&kho_out.track);
		goto fail;
	}
	kho_out.ready = true;
	return 0;

fail:
	pr_warn("cannot set up the outgoing handover (%d), KHO disabled\n", err);
	kho_enable = false;
out:
	return 0;
}
core_initcall(kho_init);
