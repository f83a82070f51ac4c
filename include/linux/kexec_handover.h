/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec handover (KHO): keep chosen physical memory intact across kexec and
 * tell the next kernel where it is.
 */
#ifndef _LINUX_KEXEC_HANDOVER_H
#define _LINUX_KEXEC_HANDOVER_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/types.h>

struct folio;
struct page;
struct kimage;
struct kexec_buf;
struct resource;

/**
 * KHO_MAX_FOLIO_ORDER - the largest folio order KHO preserves and restores
 *
 * A gigantic page as a PUD maps it (1 GiB on x86), such as a hugetlb pool
 * holds, or MAX_PAGE_ORDER where that is larger.  Blocks above
 * MAX_PAGE_ORDER come only from whole folios: ranges of pages are tracked
 * in blocks of at most MAX_PAGE_ORDER.  Users include <linux/mm.h>.
 */
#define KHO_MAX_FOLIO_ORDER	MAX(PUD_ORDER, MAX_PAGE_ORDER)

/**
 * struct kho_scratch - a scratch area, as handed to the next kernel
 * @addr: physical start, pageblock aligned
 * @size: size in bytes, a multiple of the pageblock size
 *
 * The next kernel allocates only from scratch areas until it has reserved
 * everything this kernel preserved.  The array of them is an ABI: a kexec
 * segment the next kernel (and its decompressor) reads.
 */
struct kho_scratch {
	u64 addr;
	u64 size;
};

/**
 * struct kho_vmalloc - a preserved vmalloc area, as handed to the next kernel
 * @first: physical address of the first struct kho_vmalloc_chunk
 * @nr_pages: size of the area in pages
 * @order: page order of the physically contiguous chunks of the area
 * @flags: zero
 *
 * Filled by kho_preserve_vmalloc(); the caller keeps it in its own
 * preserved data, and the next kernel passes it to kho_restore_vmalloc().
 */
struct kho_vmalloc {
	u64 first;
	u32 nr_pages;
	u16 order;
	u16 flags;
};

/**
 * struct kho_vmalloc_chunk - a page of the list of a vmalloc area's chunks
 * @next: physical address of the next page of the list, or 0
 * @count: number of addresses in @phys, at least one
 * @phys: physical addresses of the area's chunks, in order, each of
 *	1 << order pages
 */
struct kho_vmalloc_chunk {
	u64 next;
	u64 count;
	u64 phys[];
};

#ifdef CONFIG_KEXEC_HANDOVER

bool kho_is_enabled(void);
bool is_kho_boot(void);

int kho_preserve_folio(struct folio *folio);
int kho_unpreserve_folio(struct folio *folio);
int kho_preserve_folios(struct folio **folios, unsigned long nr);
int kho_unpreserve_folios(struct folio **folios, unsigned long nr);
int kho_preserve_pages(struct page *page, unsigned long nr_pages);
int kho_unpreserve_pages(struct page *page, unsigned long nr_pages);
struct folio *kho_restore_folio(phys_addr_t phys);
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages);

int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation);
void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation);
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation);

void *kho_alloc_preserve(size_t size);
void kho_unpreserve_free(void *mem);
void kho_restore_free(void *mem);

int kho_add_subtree(const char *name, void *blob, size_t size);
void kho_remove_subtree(void *blob);
int kho_retrieve_subtree(const char *name, phys_addr_t *phys, size_t *size);

/* Boot and kexec glue, not for general use. */
int kho_populate(phys_addr_t fdt_phys, u64 fdt_size, phys_addr_t scratch_phys,
		 u64 scratch_size);
void kho_memory_init(void);
int kho_fill_kimage(struct kimage *image);
bool kho_image_carries(const struct kimage *image);
int kho_check_image(const struct kimage *image);
int kho_walk_scratch(struct kexec_buf *kbuf,
		     int (*fn)(struct resource *res, void *arg));

#else /* !CONFIG_KEXEC_HANDOVER */

static inline bool kho_is_enabled(void) { return false; }
static inline bool is_kho_boot(void) { return false; }

static inline int kho_preserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
static inline int kho_unpreserve_folio(struct folio *folio) { return -EOPNOTSUPP; }
static inline int kho_preserve_folios(struct folio **folios, unsigned long nr)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_folios(struct folio **folios, unsigned long nr)
{
	return -EOPNOTSUPP;
}

static inline int kho_preserve_pages(struct page *page, unsigned long nr_pages)
{
	return -EOPNOTSUPP;
}

static inline int kho_unpreserve_pages(struct page *page, unsigned long nr_pages)
{
	return -EOPNOTSUPP;
}

static inline struct folio *kho_restore_folio(phys_addr_t phys) { return NULL; }
static inline struct page *kho_restore_pages(phys_addr_t phys,
					     unsigned long nr_pages)
{
	return NULL;
}

static inline int kho_preserve_vmalloc(void *ptr,
				       struct kho_vmalloc *preservation)
{
	return -EOPNOTSUPP;
}

static inline void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation) { }
static inline void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	return NULL;
}

static inline void *kho_alloc_preserve(size_t size) { return ERR_PTR(-EOPNOTSUPP); }
static inline void kho_unpreserve_free(void *mem) { }
static inline void kho_restore_free(void *mem) { }

static inline int kho_add_subtree(const char *name, void *blob, size_t size)
{
	return -EOPNOTSUPP;
}

static inline void kho_remove_subtree(void *blob) { }
static inline int kho_retrieve_subtree(const char *name, phys_addr_t *phys,
				       size_t *size)
{
	return -EOPNOTSUPP;
}

static inline int kho_populate(phys_addr_t fdt_phys, u64 fdt_size,
			       phys_addr_t scratch_phys, u64 scratch_size)
{
	return -EOPNOTSUPP;
}

static inline void kho_memory_init(void) { }
static inline int kho_fill_kimage(struct kimage *image) { return 0; }
static inline bool kho_image_carries(const struct kimage *image) { return false; }
static inline int kho_check_image(const struct kimage *image) { return 0; }
static inline int kho_walk_scratch(struct kexec_buf *kbuf,
				   int (*fn)(struct resource *res, void *arg))
{
	return 0;
}

#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KEXEC_HANDOVER_H */
