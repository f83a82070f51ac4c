/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec handover internals: the tracker of preserved memory and the layout
 * in which it is handed to the next kernel.
 */
#ifndef _KEXEC_HANDOVER_INTERNAL_H
#define _KEXEC_HANDOVER_INTERNAL_H

#include <linux/kexec_handover.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

/* Compatible string of the root FDT; bump on any change of the layout. */
#define KHO_FDT_COMPATIBLE	"linux,kho-612-v1"
/* Root FDT property: physical address of the first struct kho_map_page. */
#define KHO_FDT_MAP		"preserved-memory-map"
/* Subtree node properties. */
#define KHO_FDT_BLOB		"blob"
#define KHO_FDT_BLOB_SIZE	"blob-size"

/*
 * Preserved memory is a set of naturally aligned blocks of 2^order pages.
 * For each order there is a sparse bitmap with one bit per block, kept in
 * page-sized chunks: chunk c of order o covers the blocks c * KHO_CHUNK_BITS
 * to (c + 1) * KHO_CHUNK_BITS - 1.  The next kernel finds the chunks through
 * a chain of directory pages.  Both are allocated as the bits are set, so
 * the structure is always ready to hand over: nothing is serialized at
 * kexec time.
 */
#define KHO_CHUNK_BITS		(PAGE_SIZE * BITS_PER_BYTE)

/**
 * struct kho_map_entry - one bitmap chunk in the handover
 * @bitmap: physical address of the page-sized bitmap
 * @order: block order the bitmap describes
 * @reserved: zero
 * @chunk: index of the chunk within its order
 */
struct kho_map_entry {
	u64 bitmap;
	u32 order;
	u32 reserved;
	u64 chunk;
};

/**
 * struct kho_map_page - a directory page of the handover
 * @next: physical address of the next directory page, 0 for the last
 * @nr: number of valid entries
 * @reserved: zero
 * @entries: the bitmap chunks
 */
struct kho_map_page {
	u64 next;
	u32 nr;
	u32 reserved;
	struct kho_map_entry entries[];
};

#define KHO_MAP_ENTRIES \
	((PAGE_SIZE - sizeof(struct kho_map_page)) / sizeof(struct kho_map_entry))

/**
 * struct kho_track - the preserved memory of this kernel
 * @lock: serializes changes
 * @chunks: per order, chunk index -> bitmap page
 * @head: first directory page (handed over)
 * @tail: directory page that takes the next entry
 * @nr_blocks: per order, number of preserved blocks
 * @nr_meta_pages: pages used by bitmaps and directory pages
 */
struct kho_track {
	struct mutex lock;	/* serializes changes */
	struct xarray chunks[NR_PAGE_ORDERS];
	struct kho_map_page *head;
	struct kho_map_page *tail;
	unsigned long nr_blocks[NR_PAGE_ORDERS];
	unsigned long nr_meta_pages;
};

int kho_track_init(struct kho_track *track);
void kho_track_destroy(struct kho_track *track);
int kho_track_add(struct kho_track *track, unsigned long pfn, unsigned int order);
int kho_track_del(struct kho_track *track, unsigned long pfn, unsigned int order);
bool kho_track_has(struct kho_track *track, unsigned long pfn, unsigned int order);

/**
 * struct kho_map_walk - how to read a handed-over map
 * @page_ok: is the page at this physical address safe to read (RAM, not
 *	     scratch)?  Called for every directory and bitmap page.
 * @block: called for every preserved block; a non-zero return stops the walk
 *	   and is returned
 * @arg: passed to both
 */
struct kho_map_walk {
	bool (*page_ok)(phys_addr_t phys, void *arg);
	int (*block)(unsigned long pfn, unsigned int order, void *arg);
	void *arg;
};

int kho_map_walk(phys_addr_t head, const struct kho_map_walk *walk);

#endif /* _KEXEC_HANDOVER_INTERNAL_H */
